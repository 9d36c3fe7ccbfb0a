/*
 * What every benchmark program shares: clocks, a seeded random stream,
 * and the "name  value  unit" output lines.
 */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#include <stdint.h>

/* Monotonic wall time, in seconds and in nanoseconds. */
double bench_now_s(void);
uint64_t bench_now_ns(void);
/* CPU time of this thread: rates per core, whatever else runs. */
double bench_cpu_s(void);

/* splitmix64, one stream per program. */
void bench_rng_seed(uint64_t seed);
uint64_t bench_rng_next(void);
uint32_t bench_rng_u32(void);
uint32_t bench_rng_below(uint32_t n); /* 0 to n - 1 */

/* One output line: whole numbers without decimals, others with three. */
void bench_print_num(const char *name, double value, const char *unit);
void bench_print_str(const char *name, const char *value, const char *unit);

#endif
