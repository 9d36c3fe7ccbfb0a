#include "vrd/clock.h"

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

uint64_t vrd_wallclock_ms(void)
{
	return clock_ns(CLOCK_REALTIME) / 1000000u;
}

const char *vrd_rfc3339(uint64_t ms, char buf[VRD_RFC3339_STRLEN])
{
	time_t secs = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&secs, &tm);
	snprintf(buf, VRD_RFC3339_STRLEN, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, (unsigned)(ms % 1000));
	return buf;
}
