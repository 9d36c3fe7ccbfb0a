#include "base/clock.h"

#include <stdio.h>
#include <time.h>

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t vrd_monotonic_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

uint64_t vrd_monotonic_ms(void)
{
	return clock_ns(CLOCK_MONOTONIC) / 1000000u;
}

uint64_t vrd_wallclock_us(void)
{
	return clock_ns(CLOCK_REALTIME) / 1000u;
}

uint64_t vrd_wallclock_ms(void)
{
	return clock_ns(CLOCK_REALTIME) / 1000000u;
}

const char *vrd_rfc3339(uint64_t ms, char buf[VRD_RFC3339_STRLEN])
{
	/* RFC 3339 has four-digit years: clamp at 9999-12-31T23:59:59.999 */
	const uint64_t max_ms = 253402300799999u;
	time_t secs;
	struct tm tm;

	if (ms > max_ms) {
		ms = max_ms;
	}
	secs = (time_t)(ms / 1000);
	gmtime_r(&secs, &tm);
	snprintf(buf, VRD_RFC3339_STRLEN, "%04u-%02u-%02uT%02u:%02u:%02u.%03uZ",
		 (unsigned)(tm.tm_year + 1900) % 10000,
		 (unsigned)(tm.tm_mon + 1) % 100, (unsigned)tm.tm_mday % 100,
		 (unsigned)tm.tm_hour % 100, (unsigned)tm.tm_min % 100,
		 (unsigned)tm.tm_sec % 100, (unsigned)(ms % 1000));
	return buf;
}
