/*
 * The forwarding snapshot: an immutable copy of the GNDT with one LPM per
 * virtual network, built from the table when it changes and published by
 * swapping one atomic pointer. The forwarding path never touches LMDB.
 *
 * Readers on other threads use quiescent-state-based reclamation: each
 * reader thread registers, reads tables_fib_current() as often as it
 * likes, and calls tables_fib_reader_quiescent() when it holds no pointer
 * into a snapshot (once per batch of packets). A replaced snapshot is
 * freed by tables_fib_publish()/tables_fib_reclaim() once every registered
 * reader has been quiescent since the swap. The owning thread (the one
 * that publishes) needs no registration.
 */
#ifndef TABLES_FIB_H
#define TABLES_FIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tables/tables.h"

struct tables_fib_route {
	uint32_t vn;
	struct vrd_prefix prefix;
	char router[VRD_NAME_MAX + 1];
	uint64_t seq;
	uint8_t origin; /* enum tables_gndt_origin */
};

struct tables_fib; /* immutable once built */

/* From an array of routes (copied). NULL with errno on failure. */
struct tables_fib *tables_fib_build(const struct tables_fib_route *routes,
				    size_t n);
/* From the GNDT as seen by txn; records the GNDT generation it saw. */
int tables_fib_build_from_gndt(struct tables_txn *txn, struct tables_fib **out);
void tables_fib_destroy(struct tables_fib *fib); /* accepts NULL */

/* Longest prefix of vn containing addr; NULL if none. Borrowed from fib. */
const struct tables_fib_route *tables_fib_lookup(const struct tables_fib *fib,
						 uint32_t vn, uint32_t addr);
/* routes[i] = tables_fib_lookup(fib, vn, addrs[i]) for i < n, with the
 * lookups overlapped as in tables_lpm_lookup_batch(); fib may be NULL. */
void tables_fib_lookup_batch(const struct tables_fib *fib, uint32_t vn,
			     const uint32_t *addrs,
			     const struct tables_fib_route **routes, size_t n);
size_t tables_fib_size(const struct tables_fib *fib); /* routes */
/* Route i < tables_fib_size(fib), in the table's order (vn, prefix);
 * borrowed from fib. */
const struct tables_fib_route *tables_fib_route_at(const struct tables_fib *fib,
						   size_t i);
size_t tables_fib_memory(const struct tables_fib *fib); /* bytes */
uint64_t tables_fib_generation(const struct tables_fib *fib);

/* ---- publication ---------------------------------------------------- */

struct tables_fib_slot; /* one per daemon */
struct tables_fib_reader; /* one per reader thread */

struct tables_fib_slot *tables_fib_slot_create(void);
/* Frees the current snapshot and any retired one; no reader may remain. */
void tables_fib_slot_destroy(struct tables_fib_slot *slot);
/* Swaps fib in (ownership passes to the slot), retires the old one. */
void tables_fib_publish(struct tables_fib_slot *slot, struct tables_fib *fib);
/* Frees retired snapshots that no reader can still hold; returns how
 * many are still waiting. */
size_t tables_fib_reclaim(struct tables_fib_slot *slot);
/* The snapshot in force (may be NULL before the first publish). */
const struct tables_fib *tables_fib_current(struct tables_fib_slot *slot);

struct tables_fib_reader *
tables_fib_reader_register(struct tables_fib_slot *slot);
void tables_fib_reader_unregister(struct tables_fib_reader *r);
void tables_fib_reader_quiescent(struct tables_fib_reader *r);

#endif
