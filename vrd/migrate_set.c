/*
 * Away and visiting hosts of the forwarding snapshot, and their changes
 * (migrate_set.h). Sets are sorted arrays: built once per snapshot, found
 * by binary search per ARP request, compared by one merge.
 */
#include "vrd/migrate_set.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static int host_cmp(const void *a, const void *b)
{
	const struct vrd_migrate_host *x = a, *y = b;

	return x->ip < y->ip ? -1 : x->ip > y->ip;
}

int vrd_migrate_sets_build(const struct tables_fib *fib, const char *self,
			   uint32_t vn, const struct vrd_prefix *lan,
			   struct vrd_migrate_set *away,
			   struct vrd_migrate_set *visit)
{
	size_t n = tables_fib_size(fib);

	away->h = calloc(n ? n : 1, sizeof(*away->h));
	visit->h = calloc(n ? n : 1, sizeof(*visit->h));
	away->n = visit->n = 0;
	if (!away->h || !visit->h) {
		vrd_migrate_set_free(away);
		vrd_migrate_set_free(visit);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		const struct tables_fib_route *r = tables_fib_route_at(fib, i);
		bool ours = !strcmp(r->router, self);
		bool home = vrd_prefix_contains(lan, r->prefix.addr);
		struct vrd_migrate_set *s = home && !ours   ? away
					    : !home && ours ? visit
							    : NULL;

		if (r->vn != vn || r->prefix.len != 32 || !s) {
			continue;
		}
		s->h[s->n].ip = r->prefix.addr;
		memcpy(s->h[s->n++].router, r->router, sizeof(r->router));
	}
	qsort(away->h, away->n, sizeof(*away->h), host_cmp);
	qsort(visit->h, visit->n, sizeof(*visit->h), host_cmp);
	return 0;
}

const struct vrd_migrate_host *
vrd_migrate_set_find(const struct vrd_migrate_set *s, uint32_t ip)
{
	struct vrd_migrate_host key = {.ip = ip};

	return s->n ? bsearch(&key, s->h, s->n, sizeof(key), host_cmp) : NULL;
}

void vrd_migrate_set_diff(const struct vrd_migrate_set *old,
			  const struct vrd_migrate_set *new,
			  void (*fn)(enum vrd_migrate_change change,
				     const struct vrd_migrate_host *host,
				     void *arg),
			  void *arg)
{
	size_t i = 0, j = 0;

	while (i < old->n || j < new->n) {
		int c = i == old->n   ? 1
			: j == new->n ? -1
				      : host_cmp(&old->h[i], &new->h[j]);

		if (c < 0) {
			fn(VRD_MIGRATE_LEFT, &old->h[i++], arg);
		} else if (c > 0) {
			fn(VRD_MIGRATE_JOINED, &new->h[j++], arg);
		} else {
			if (strcmp(old->h[i].router, new->h[j].router)) {
				fn(VRD_MIGRATE_MOVED, &new->h[j], arg);
			}
			i++;
			j++;
		}
	}
}

void vrd_migrate_set_free(struct vrd_migrate_set *s)
{
	free(s->h);
	s->h = NULL;
	s->n = 0;
}
