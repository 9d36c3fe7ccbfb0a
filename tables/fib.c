/*
 * The forwarding snapshot: routes copied out of the GNDT, one LPM per
 * virtual network whose values are route indices + 1, and the slot that
 * publishes snapshots to reader threads with quiescent-state-based
 * reclamation.
 *
 * Reclamation: the slot has a global epoch, bumped after every swap of
 * the current pointer; a replaced snapshot is stamped with the epoch of
 * its replacement. A reader, when quiescent, copies the global epoch into
 * its own counter. A reader whose counter has reached a snapshot's stamp
 * loaded the epoch after the swap, so it holds no pointer to the old
 * snapshot and cannot load it again. The lookup path takes no lock; the
 * mutex guards only the reader list and the retired list.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "tables/fib.h"
#include "tables/lpm.h"

#define VN_LINEAR_MAX 8 /* up to this many VNs: linear search */
#define ROUTES_MAX 0x7ffffffeu /* route index + 1 must be an LPM value */
#define FIB_BATCH 64 /* lookups per tables_lpm_lookup_batch() call */

struct fib_vn {
	uint32_t vn;
	struct tables_lpm *lpm;
};

struct tables_fib {
	struct tables_fib_route *routes; /* owned */
	size_t nroutes;
	struct fib_vn *vns; /* sorted by vn */
	size_t nvns;
	uint64_t generation;
	/* Owned by the slot once published. */
	struct tables_fib *retired_next;
	uint64_t retired_epoch;
};

struct tables_fib_reader {
	struct tables_fib_slot *slot;
	_Atomic uint64_t epoch; /* global epoch seen when last quiescent */
	struct tables_fib_reader *next;
};

struct tables_fib_slot {
	_Atomic(struct tables_fib *) current;
	_Atomic uint64_t epoch;
	pthread_mutex_t lock; /* readers and retired */
	struct tables_fib_reader *readers;
	struct tables_fib *retired;
};

/* ---- the snapshot ---------------------------------------------------- */

struct vn_index {
	uint32_t vn;
	uint32_t index;
};

static int vn_index_cmp(const void *a, const void *b)
{
	const struct vn_index *x = a, *y = b;

	if (x->vn != y->vn) {
		return x->vn < y->vn ? -1 : 1;
	}
	return x->index < y->index ? -1 : x->index > y->index;
}

/* Route indices ordered by (vn, index): the input order within a VN is
 * kept, so the later of two duplicates still wins in the LPM. */
static struct vn_index *routes_order(const struct tables_fib_route *routes,
				     size_t n)
{
	struct vn_index *order = malloc(n * sizeof(*order));
	bool sorted = true;

	if (!order) {
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		order[i].vn = routes[i].vn;
		order[i].index = (uint32_t)i;
		if (i && routes[i].vn < routes[i - 1].vn) {
			sorted = false;
		}
	}
	if (!sorted) {
		qsort(order, n, sizeof(*order), vn_index_cmp);
	}
	return order;
}

static size_t vn_count(const struct vn_index *order, size_t n)
{
	size_t count = 0;

	for (size_t i = 0; i < n; i++) {
		if (i == 0 || order[i].vn != order[i - 1].vn) {
			count++;
		}
	}
	return count;
}

/* Builds one LPM per VN; routes must be set. */
static int fib_index(struct tables_fib *fib)
{
	struct tables_lpm_prefix *prefixes = NULL;
	struct vn_index *order;
	size_t n = fib->nroutes, i = 0;
	int err = 0;

	if (n == 0) {
		return 0;
	}
	order = routes_order(fib->routes, n);
	if (!order) {
		return -ENOMEM;
	}
	fib->vns = calloc(vn_count(order, n), sizeof(*fib->vns));
	prefixes = malloc(n * sizeof(*prefixes));
	if (!fib->vns || !prefixes) {
		err = -ENOMEM;
		goto free_order;
	}
	while (i < n) {
		uint32_t vn = order[i].vn;
		struct fib_vn *v = &fib->vns[fib->nvns];
		size_t k = 0;

		for (; i < n && order[i].vn == vn; i++) {
			const struct tables_fib_route *r =
				&fib->routes[order[i].index];

			prefixes[k].addr = r->prefix.addr;
			prefixes[k].len = r->prefix.len;
			prefixes[k].value = order[i].index + 1;
			k++;
		}
		v->vn = vn;
		v->lpm = tables_lpm_build(prefixes, k);
		if (!v->lpm) {
			err = -errno;
			goto free_order;
		}
		fib->nvns++;
	}

free_order:
	free(prefixes);
	free(order);
	return err;
}

/* Takes ownership of routes (malloc'd, n entries) whatever happens. */
static int fib_create(struct tables_fib **out, struct tables_fib_route *routes,
		      size_t n)
{
	struct tables_fib *fib;
	int err;

	for (size_t i = 0; i < n; i++) {
		if (routes[i].prefix.len > 32) {
			free(routes);
			return -EINVAL;
		}
	}
	if (n > ROUTES_MAX) {
		free(routes);
		return -E2BIG;
	}
	fib = calloc(1, sizeof(*fib));
	if (!fib) {
		free(routes);
		return -ENOMEM;
	}
	fib->routes = routes;
	fib->nroutes = n;
	err = fib_index(fib);
	if (err) {
		tables_fib_destroy(fib);
		return err;
	}
	*out = fib;
	return 0;
}

struct tables_fib *tables_fib_build(const struct tables_fib_route *routes,
				    size_t n)
{
	struct tables_fib_route *copy = NULL;
	struct tables_fib *fib;
	int err;

	if (n && !routes) {
		errno = EINVAL;
		return NULL;
	}
	if (n > ROUTES_MAX) {
		errno = E2BIG;
		return NULL;
	}
	if (n) {
		copy = malloc(n * sizeof(*copy));
		if (!copy) {
			errno = ENOMEM;
			return NULL;
		}
		memcpy(copy, routes, n * sizeof(*copy));
	}
	err = fib_create(&fib, copy, n);
	if (err) {
		errno = -err;
		return NULL;
	}
	return fib;
}

struct route_array {
	struct tables_fib_route *routes;
	size_t n;
	size_t cap;
};

static int route_collect(const struct tables_gndt_entry *e, void *arg)
{
	struct route_array *a = arg;
	struct tables_fib_route *r;

	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 256;
		struct tables_fib_route *routes =
			realloc(a->routes, cap * sizeof(*routes));

		if (!routes) {
			return -ENOMEM;
		}
		a->routes = routes;
		a->cap = cap;
	}
	r = &a->routes[a->n++];
	memset(r, 0, sizeof(*r));
	r->vn = e->vn;
	r->prefix = e->prefix;
	memcpy(r->router, e->router, sizeof(r->router));
	r->router[VRD_NAME_MAX] = '\0';
	r->seq = e->seq;
	r->origin = e->origin;
	return 0;
}

int tables_fib_build_from_gndt(struct tables_txn *txn, struct tables_fib **out)
{
	struct route_array a = {0};
	struct tables_fib *fib;
	uint64_t generation;
	int err;

	generation = tables_gndt_generation(txn);
	err = tables_gndt_foreach(txn, TABLES_VN_ALL, route_collect, &a);
	if (err) {
		free(a.routes);
		return err < 0 ? err : -EIO;
	}
	err = fib_create(&fib, a.routes, a.n);
	if (err) {
		return err;
	}
	fib->generation = generation;
	*out = fib;
	return 0;
}

void tables_fib_destroy(struct tables_fib *fib)
{
	if (!fib) {
		return;
	}
	for (size_t i = 0; i < fib->nvns; i++) {
		tables_lpm_destroy(fib->vns[i].lpm);
	}
	free(fib->vns);
	free(fib->routes);
	free(fib);
}

static const struct fib_vn *vn_find(const struct tables_fib *fib, uint32_t vn)
{
	size_t lo = 0, hi = fib->nvns;

	if (hi <= VN_LINEAR_MAX) {
		for (size_t i = 0; i < hi; i++) {
			if (fib->vns[i].vn == vn) {
				return &fib->vns[i];
			}
		}
		return NULL;
	}
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (fib->vns[mid].vn < vn) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	return lo < fib->nvns && fib->vns[lo].vn == vn ? &fib->vns[lo] : NULL;
}

const struct tables_fib_route *tables_fib_lookup(const struct tables_fib *fib,
						 uint32_t vn, uint32_t addr)
{
	const struct fib_vn *v;
	uint32_t value;

	if (!fib) {
		return NULL;
	}
	v = vn_find(fib, vn);
	if (!v) {
		return NULL;
	}
	value = tables_lpm_lookup(v->lpm, addr);
	if (value == TABLES_LPM_NONE) {
		return NULL;
	}
	return &fib->routes[value - 1];
}

void tables_fib_lookup_batch(const struct tables_fib *fib, uint32_t vn,
			     const uint32_t *addrs,
			     const struct tables_fib_route **routes, size_t n)
{
	uint32_t values[FIB_BATCH];
	const struct fib_vn *v = fib ? vn_find(fib, vn) : NULL;
	size_t m;

	if (!v) {
		for (size_t i = 0; i < n; i++) {
			routes[i] = NULL;
		}
		return;
	}
	for (size_t done = 0; done < n; done += m) {
		m = n - done < FIB_BATCH ? n - done : FIB_BATCH;
		tables_lpm_lookup_batch(v->lpm, addrs + done, values, m);
		for (size_t i = 0; i < m; i++) {
			routes[done + i] =
				values[i] == TABLES_LPM_NONE
					? NULL
					: &fib->routes[values[i] - 1];
		}
	}
}

const struct tables_fib_route *tables_fib_route_at(const struct tables_fib *fib,
						   size_t i)
{
	return fib && i < fib->nroutes ? &fib->routes[i] : NULL;
}

size_t tables_fib_size(const struct tables_fib *fib)
{
	return fib ? fib->nroutes : 0;
}

size_t tables_fib_memory(const struct tables_fib *fib)
{
	size_t bytes;

	if (!fib) {
		return 0;
	}
	bytes = sizeof(*fib) + fib->nroutes * sizeof(*fib->routes) +
		fib->nvns * sizeof(*fib->vns);
	for (size_t i = 0; i < fib->nvns; i++) {
		bytes += tables_lpm_memory(fib->vns[i].lpm);
	}
	return bytes;
}

uint64_t tables_fib_generation(const struct tables_fib *fib)
{
	return fib ? fib->generation : 0;
}

/* ---- publication ----------------------------------------------------- */

struct tables_fib_slot *tables_fib_slot_create(void)
{
	struct tables_fib_slot *slot = calloc(1, sizeof(*slot));
	int err;

	if (!slot) {
		errno = ENOMEM;
		return NULL;
	}
	err = pthread_mutex_init(&slot->lock, NULL);
	if (err) {
		free(slot);
		errno = err;
		return NULL;
	}
	atomic_init(&slot->current, NULL);
	atomic_init(&slot->epoch, 0);
	return slot;
}

void tables_fib_slot_destroy(struct tables_fib_slot *slot)
{
	struct tables_fib *fib, *next;
	struct tables_fib_reader *r, *rnext;

	if (!slot) {
		return;
	}
	tables_fib_destroy(atomic_load(&slot->current));
	for (fib = slot->retired; fib; fib = next) {
		next = fib->retired_next;
		tables_fib_destroy(fib);
	}
	/* The contract says none remain; free any left behind anyway. */
	for (r = slot->readers; r; r = rnext) {
		rnext = r->next;
		free(r);
	}
	pthread_mutex_destroy(&slot->lock);
	free(slot);
}

void tables_fib_publish(struct tables_fib_slot *slot, struct tables_fib *fib)
{
	struct tables_fib *old;
	uint64_t epoch;

	old = atomic_exchange_explicit(&slot->current, fib,
				       memory_order_acq_rel);
	/* Ordered after the swap: a reader that sees this epoch sees fib. */
	epoch = atomic_fetch_add_explicit(&slot->epoch, 1,
					  memory_order_acq_rel) +
		1;
	if (old) {
		pthread_mutex_lock(&slot->lock);
		old->retired_epoch = epoch;
		old->retired_next = slot->retired;
		slot->retired = old;
		pthread_mutex_unlock(&slot->lock);
	}
	tables_fib_reclaim(slot);
}

size_t tables_fib_reclaim(struct tables_fib_slot *slot)
{
	uint64_t min = UINT64_MAX;
	struct tables_fib **link, *fib;
	size_t waiting = 0;

	pthread_mutex_lock(&slot->lock);
	for (struct tables_fib_reader *r = slot->readers; r; r = r->next) {
		uint64_t e =
			atomic_load_explicit(&r->epoch, memory_order_acquire);

		if (e < min) {
			min = e;
		}
	}
	link = &slot->retired;
	while ((fib = *link)) {
		if (fib->retired_epoch <= min) {
			*link = fib->retired_next;
			tables_fib_destroy(fib);
		} else {
			link = &fib->retired_next;
			waiting++;
		}
	}
	pthread_mutex_unlock(&slot->lock);
	return waiting;
}

const struct tables_fib *tables_fib_current(struct tables_fib_slot *slot)
{
	return atomic_load_explicit(&slot->current, memory_order_acquire);
}

struct tables_fib_reader *
tables_fib_reader_register(struct tables_fib_slot *slot)
{
	struct tables_fib_reader *r = calloc(1, sizeof(*r));

	if (!r) {
		errno = ENOMEM;
		return NULL;
	}
	r->slot = slot;
	pthread_mutex_lock(&slot->lock);
	/* Anything retired before now is out of this reader's reach. */
	atomic_init(&r->epoch,
		    atomic_load_explicit(&slot->epoch, memory_order_acquire));
	r->next = slot->readers;
	slot->readers = r;
	pthread_mutex_unlock(&slot->lock);
	return r;
}

void tables_fib_reader_unregister(struct tables_fib_reader *r)
{
	struct tables_fib_slot *slot;
	struct tables_fib_reader **link;

	if (!r) {
		return;
	}
	slot = r->slot;
	pthread_mutex_lock(&slot->lock);
	for (link = &slot->readers; *link; link = &(*link)->next) {
		if (*link == r) {
			*link = r->next;
			break;
		}
	}
	pthread_mutex_unlock(&slot->lock);
	free(r);
}

void tables_fib_reader_quiescent(struct tables_fib_reader *r)
{
	uint64_t epoch =
		atomic_load_explicit(&r->slot->epoch, memory_order_acquire);

	/* Release: every use of an older snapshot happens before this. */
	atomic_store_explicit(&r->epoch, epoch, memory_order_release);
}
