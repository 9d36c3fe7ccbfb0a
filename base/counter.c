#include "base/counter.h"

int vrd_counters_emit(const struct vrd_counter *c, size_t n, vrd_counter_fn fn,
		      void *arg)
{
	for (size_t i = 0; i < n; i++) {
		int rc = fn(c[i].name, c[i].value, arg);

		if (rc != 0) {
			return rc;
		}
	}
	return 0;
}
