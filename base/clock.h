/* Time: monotonic for timers and ages in memory, wall clock (Unix
 * milliseconds) for what is stored or shown to an operator. */
#ifndef VRD_CLOCK_H
#define VRD_CLOCK_H

#include <stdint.h>

#define VRD_RFC3339_STRLEN 25 /* "2026-11-22T03:31:43.123Z" + NUL */

uint64_t vrd_monotonic_ms(void);
uint64_t vrd_monotonic_ns(void);
uint64_t vrd_wallclock_ms(void);
uint64_t vrd_wallclock_us(void);
/* UTC with milliseconds, as INTERFACE.md asks of event times. */
const char *vrd_rfc3339(uint64_t unix_ms, char buf[VRD_RFC3339_STRLEN]);

#endif
