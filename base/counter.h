/* Named counters, the way every module hands its counters to vrctl stats:
 * a list of (name, value) pairs passed one by one to a callback. */
#ifndef VRD_COUNTER_H
#define VRD_COUNTER_H

#include <stddef.h>
#include <stdint.h>

struct vrd_counter {
	const char *name; /* "module.what", lower case */
	uint64_t value;
};

/* fn returns 0 to go on; anything else stops and is returned. */
typedef int (*vrd_counter_fn)(const char *name, uint64_t value, void *arg);

int vrd_counters_emit(const struct vrd_counter *c, size_t n, vrd_counter_fn fn,
		      void *arg);

#define VRD_COUNTERS_EMIT(array, fn, arg)                                    \
	vrd_counters_emit((array), sizeof(array) / sizeof((array)[0]), (fn), \
			  (arg))

#endif
