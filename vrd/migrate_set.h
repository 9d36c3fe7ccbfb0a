/*
 * The pure core of live migration at the home router (vrd/migrate.h):
 * which hosts of the forwarding snapshot are away from home or visiting,
 * and what changed since the last snapshot. No I/O, no daemon: migrate.c
 * acts on what this finds.
 *
 * A /32 route of our VN is
 *   away      when its address is on our LAN network and another router
 *             owns it (we answer ARP for it and tunnel its traffic);
 *   visiting  when its address is not on our LAN network and we own it
 *             (a VM that arrived here from another site).
 * Other routes are neither.
 */
#ifndef VRD_MIGRATE_SET_H
#define VRD_MIGRATE_SET_H

#include <stddef.h>
#include <stdint.h>

#include "base/addr.h"
#include "tables/fib.h"

struct vrd_migrate_host {
	uint32_t ip;
	char router[VRD_NAME_MAX + 1]; /* the route's owner */
};

/* Sorted by ip, one host per ip. {NULL, 0} is a valid empty set. */
struct vrd_migrate_set {
	struct vrd_migrate_host *h;
	size_t n;
};

/* Builds away and visit from fib for router self, VN vn and LAN network
 * lan. 0, or -ENOMEM with neither set allocated. */
int vrd_migrate_sets_build(const struct tables_fib *fib, const char *self,
			   uint32_t vn, const struct vrd_prefix *lan,
			   struct vrd_migrate_set *away,
			   struct vrd_migrate_set *visit);

/* The host with address ip, or NULL. */
const struct vrd_migrate_host *
vrd_migrate_set_find(const struct vrd_migrate_set *s, uint32_t ip);

enum vrd_migrate_change {
	VRD_MIGRATE_LEFT, /* in the old set only: host is old's */
	VRD_MIGRATE_JOINED, /* in the new set only: host is new's */
	VRD_MIGRATE_MOVED, /* in both, another router now: host is new's */
};

/* Calls fn for every difference from old to new, in ascending ip order.
 * fn must not change either set. */
void vrd_migrate_set_diff(const struct vrd_migrate_set *old,
			  const struct vrd_migrate_set *new,
			  void (*fn)(enum vrd_migrate_change change,
				     const struct vrd_migrate_host *host,
				     void *arg),
			  void *arg);

/* Frees the hosts and empties s. */
void vrd_migrate_set_free(struct vrd_migrate_set *s);

#endif
