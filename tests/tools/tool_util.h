/* Small helpers the test tools share: a monotonic clock and a strict
 * number parser for command-line options. */
#ifndef VRD_TOOL_UTIL_H
#define VRD_TOOL_UTIL_H

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

/* CLOCK_MONOTONIC in ns. */
static inline int64_t tool_now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* A whole decimal number in [min, max], or LLONG_MIN. */
static inline long long tool_number_parse(const char *s, long long min,
					  long long max)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		return LLONG_MIN;
	}
	return v;
}

#endif
