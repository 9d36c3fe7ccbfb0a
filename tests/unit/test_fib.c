/*
 * The forwarding snapshot: per-VN lookups over copied routes, building
 * from the GNDT, and publication with quiescent-state-based reclamation
 * (ASan turns a snapshot freed too early into a use-after-free report).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tables/fib.h"
#include "tables/tables.h"

#define IP(a, b, c, d)                                                    \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | \
	 (uint32_t)(d))

static struct tables_fib_route route(uint32_t vn, uint32_t addr, uint8_t len,
				     const char *router, uint64_t seq)
{
	struct tables_fib_route r;

	memset(&r, 0, sizeof(r));
	r.vn = vn;
	r.prefix.addr = addr;
	r.prefix.len = len;
	snprintf(r.router, sizeof(r.router), "%s", router);
	r.seq = seq;
	r.origin = TABLES_GNDT_GOSSIP;
	return r;
}

static const char *router_of(const struct tables_fib *fib, uint32_t vn,
			     uint32_t addr)
{
	const struct tables_fib_route *r = tables_fib_lookup(fib, vn, addr);

	return r ? r->router : NULL;
}

/* ---- the snapshot ---------------------------------------------------- */

static void test_vn_isolation(void **state)
{
	struct tables_fib_route routes[] = {
		route(1, IP(10, 0, 0, 0), 24, "vrA", 1),
		route(2, IP(10, 0, 0, 0), 24, "vrB", 2),
		route(1, IP(10, 0, 0, 0), 8, "vrC", 3),
	};
	struct tables_fib *fib = tables_fib_build(routes, 3);

	assert_non_null(fib);
	assert_int_equal(tables_fib_size(fib), 3);
	assert_string_equal(router_of(fib, 1, IP(10, 0, 0, 5)), "vrA");
	assert_string_equal(router_of(fib, 2, IP(10, 0, 0, 5)), "vrB");
	assert_string_equal(router_of(fib, 1, IP(10, 1, 0, 0)), "vrC");
	/* VN 2 has no /8: VN 1's route must not leak into it. */
	assert_null(tables_fib_lookup(fib, 2, IP(10, 1, 0, 0)));
	assert_null(tables_fib_lookup(fib, 1, IP(11, 0, 0, 0)));
	/* Unknown VNs. */
	assert_null(tables_fib_lookup(fib, 3, IP(10, 0, 0, 5)));
	assert_null(tables_fib_lookup(fib, 0, IP(10, 0, 0, 5)));
	tables_fib_destroy(fib);
}

static void test_route_struct(void **state)
{
	struct tables_fib_route routes[] = {
		route(7, IP(192, 0, 2, 0), 24, "gw-1", 41),
		route(7, IP(192, 0, 2, 77), 32, "host.vm-9", 42),
	};
	const struct tables_fib_route *r;
	struct tables_fib *fib;

	routes[1].origin = TABLES_GNDT_CLAIM;
	fib = tables_fib_build(routes, 2);
	assert_non_null(fib);

	r = tables_fib_lookup(fib, 7, IP(192, 0, 2, 77));
	assert_non_null(r);
	assert_memory_equal(r, &routes[1], sizeof(*r));
	assert_int_equal(r->seq, 42);
	assert_int_equal(r->origin, TABLES_GNDT_CLAIM);
	assert_int_equal(r->prefix.len, 32);

	/* The snapshot holds a copy: the caller's array may change. */
	assert_ptr_not_equal(r, &routes[1]);
	memset(routes, 0xa5, sizeof(routes));
	r = tables_fib_lookup(fib, 7, IP(192, 0, 2, 1));
	assert_non_null(r);
	assert_string_equal(r->router, "gw-1");
	assert_int_equal(r->seq, 41);
	assert_int_equal(r->prefix.addr, IP(192, 0, 2, 0));
	tables_fib_destroy(fib);
}

/* More VNs than the linear search handles, given in descending order. */
static void test_many_vns(void **state)
{
	enum { NVN = 17 };
	uint32_t vns[NVN];
	const size_t nvn = NVN;
	struct tables_fib_route routes[2 * NVN];
	struct tables_fib *fib;
	char name[16];

	/* Descending, from near UINT32_MAX down to 0. */
	for (size_t i = 0; i < nvn; i++) {
		vns[i] = (uint32_t)(nvn - 1 - i) * 1000003u;
	}
	vns[0] = 0xfffffffeu;
	for (size_t i = 0; i < nvn; i++) {
		snprintf(name, sizeof(name), "vr%zu", i);
		routes[2 * i] = route(vns[i], IP(10, 0, 0, 0), 16, name, i);
		snprintf(name, sizeof(name), "host%zu", i);
		routes[2 * i + 1] =
			route(vns[i], IP(10, 0, (uint8_t)i, 1), 32, name, i);
	}
	fib = tables_fib_build(routes, 2 * nvn);
	assert_non_null(fib);
	for (size_t i = 0; i < nvn; i++) {
		snprintf(name, sizeof(name), "vr%zu", i);
		assert_string_equal(router_of(fib, vns[i], IP(10, 0, 200, 1)),
				    name);
		snprintf(name, sizeof(name), "host%zu", i);
		assert_string_equal(
			router_of(fib, vns[i], IP(10, 0, (uint8_t)i, 1)), name);
		assert_null(tables_fib_lookup(fib, vns[i], IP(10, 1, 0, 0)));
	}
	assert_null(tables_fib_lookup(fib, 1, IP(10, 0, 0, 1)));
	assert_null(tables_fib_lookup(fib, 1000004, IP(10, 0, 0, 1)));
	assert_null(tables_fib_lookup(fib, UINT32_MAX, IP(10, 0, 0, 1)));
	tables_fib_destroy(fib);
}

static void test_duplicates(void **state)
{
	struct tables_fib_route routes[] = {
		route(1, IP(10, 0, 0, 0), 24, "old", 1),
		route(2, IP(10, 0, 0, 0), 24, "other", 1),
		route(1, IP(10, 0, 0, 0), 24, "new", 2),
	};
	struct tables_fib *fib = tables_fib_build(routes, 3);

	assert_non_null(fib);
	assert_string_equal(router_of(fib, 1, IP(10, 0, 0, 9)), "new");
	assert_string_equal(router_of(fib, 2, IP(10, 0, 0, 9)), "other");
	tables_fib_destroy(fib);
}

static void test_empty_and_invalid(void **state)
{
	struct tables_fib_route bad = route(1, IP(10, 0, 0, 0), 33, "x", 1);
	struct tables_fib *fib = tables_fib_build(NULL, 0);

	assert_non_null(fib);
	assert_int_equal(tables_fib_size(fib), 0);
	assert_true(tables_fib_memory(fib) > 0);
	assert_int_equal(tables_fib_generation(fib), 0);
	assert_null(tables_fib_lookup(fib, 1, IP(10, 0, 0, 1)));
	tables_fib_destroy(fib);
	tables_fib_destroy(NULL);

	errno = 0;
	assert_null(tables_fib_build(&bad, 1));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(tables_fib_build(NULL, 1));
	assert_int_equal(errno, EINVAL);
}

static void test_size_memory(void **state)
{
	struct tables_fib_route routes[64];
	struct tables_fib *fib;

	for (unsigned i = 0; i < 64; i++) {
		routes[i] = route(i % 4, IP(10, (uint8_t)i, 0, 0), 16, "r", i);
	}
	fib = tables_fib_build(routes, 64);
	assert_non_null(fib);
	assert_int_equal(tables_fib_size(fib), 64);
	assert_true(tables_fib_memory(fib) > 64 * sizeof(routes[0]));
	for (unsigned i = 0; i < 64; i++) {
		const struct tables_fib_route *r =
			tables_fib_lookup(fib, i % 4, IP(10, (uint8_t)i, 1, 1));

		assert_non_null(r);
		assert_int_equal(r->seq, i);
		assert_null(tables_fib_lookup(fib, (i + 1) % 4,
					      IP(10, (uint8_t)i, 1, 1)));
	}
	tables_fib_destroy(fib);
}

/* ---- batched lookups ------------------------------------------------- */

static uint64_t batch_rng(uint64_t *s)
{
	/* splitmix64 */
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Stands in output slots that a lookup must not write. */
static const struct tables_fib_route canary;

static uint32_t prefix_mask(uint8_t len)
{
	return len == 0 ? 0 : ~(uint32_t)0 << (32 - len);
}

/* Batches of `batch` for vn against single lookups; every route found
 * must belong to vn and contain the address. */
static void batch_check(const struct tables_fib *fib, uint32_t vn,
			const uint32_t *addrs, size_t n, size_t batch)
{
	const struct tables_fib_route **got = malloc((n + 1) * sizeof(*got));
	size_t done = 0, found = 0;

	assert_non_null(got);
	for (size_t i = 0; i <= n; i++) {
		got[i] = &canary;
	}
	if (batch == 0) {
		tables_fib_lookup_batch(fib, vn, addrs, got, 0);
		for (size_t i = 0; i <= n; i++) {
			assert_ptr_equal(got[i], &canary);
		}
		free(got);
		return;
	}
	while (done < n) {
		size_t m = n - done < batch ? n - done : batch;

		tables_fib_lookup_batch(fib, vn, addrs + done, got + done, m);
		done += m;
	}
	for (size_t i = 0; i < n; i++) {
		const struct tables_fib_route *want =
			tables_fib_lookup(fib, vn, addrs[i]);

		if (got[i] != want) {
			fail_msg("vn %u batch %zu lookup %zu: addr 0x%08x: "
				 "single %p batch %p",
				 (unsigned)vn, batch, i, (unsigned)addrs[i],
				 (const void *)want, (const void *)got[i]);
		}
		if (got[i]) {
			assert_int_equal(got[i]->vn, vn);
			assert_int_equal(
				addrs[i] & prefix_mask(got[i]->prefix.len),
				got[i]->prefix.addr);
			found++;
		}
	}
	assert_ptr_equal(got[n], &canary);
	/* VN 4 has no routes; the others must match something. */
	if (vn >= 1 && vn <= 3 && n >= 100) {
		assert_true(found > 0);
	}
	free(got);
}

/*
 * Three VNs over the same address space: VN 2 holds VN 1's prefixes under
 * other routers plus its own, VN 3 a few /8s. Each batch size, for each
 * VN and for a VN with no routes, against tables_fib_lookup().
 */
static void test_lookup_batch(void **state)
{
	static const size_t sizes[] = {0, 1, 7, 8, 9, 63, 64, 65, 1000, 5000};
	enum { NPREFIX = 3000, NADDR = 20000 };
	struct tables_fib_route *routes =
		malloc((2 * NPREFIX + 8) * sizeof(*routes));
	uint32_t *addrs = malloc(NADDR * sizeof(*addrs));
	const struct tables_fib_route *out[3];
	uint64_t s = 4242;
	struct tables_fib *fib;
	size_t n = 0;
	char name[16];

	assert_non_null(routes);
	assert_non_null(addrs);
	for (size_t i = 0; i < NPREFIX; i++) {
		uint64_t x = batch_rng(&s);
		uint8_t len = (uint8_t)(x % 4 == 0 ? 32 : 12 + x % 21);
		/* A few /16s, so nodes fill up, and some anywhere. */
		uint32_t addr = i % 3 ? (uint32_t)(x >> 32)
				      : IP(10, (uint8_t)(x >> 8) % 4, 0, 0) |
						(uint32_t)(x >> 40);

		addr &= prefix_mask(len);
		snprintf(name, sizeof(name), "a%zu", i);
		routes[n++] = route(1, addr, len, name, i);
		snprintf(name, sizeof(name), "b%zu", i);
		routes[n++] =
			route(2, addr | (i % 2), i % 2 ? 32 : len, name, i);
	}
	for (uint8_t k = 0; k < 8; k++) {
		routes[n++] = route(3, IP(10 + k, 0, 0, 0), 8, "c", k);
	}
	fib = tables_fib_build(routes, n);
	assert_non_null(fib);
	for (size_t i = 0; i < NADDR; i++) {
		const struct tables_fib_route *r =
			&routes[batch_rng(&s) % (2 * NPREFIX)];
		uint32_t host = ~prefix_mask(r->prefix.len);

		addrs[i] = i % 4 == 0
				   ? (uint32_t)batch_rng(&s)
				   : r->prefix.addr |
					     ((uint32_t)batch_rng(&s) & host);
	}
	for (uint32_t vn = 1; vn <= 4; vn++) {
		for (size_t k = 0; k < sizeof(sizes) / sizeof(*sizes); k++) {
			batch_check(fib, vn, addrs, NADDR, sizes[k]);
		}
	}

	/* The same address in different VNs gives each VN's own route. */
	addrs[0] = IP(10, 200, 1, 1);
	tables_fib_lookup_batch(fib, 3, addrs, out, 1);
	assert_non_null(out[0]);
	assert_string_equal(out[0]->router, "c");
	tables_fib_lookup_batch(fib, 4, addrs, out, 1);
	assert_null(out[0]);
	/* No snapshot yet: all NULL. */
	out[0] = out[1] = out[2] = &canary;
	tables_fib_lookup_batch(NULL, 1, addrs, out, 2);
	assert_null(out[0]);
	assert_null(out[1]);
	assert_ptr_equal(out[2], &canary);
	tables_fib_destroy(fib);
	free(addrs);
	free(routes);
}

/* ---- publication ----------------------------------------------------- */

static struct tables_fib *fib_one(const char *router, uint64_t seq)
{
	struct tables_fib_route r = route(1, IP(10, 0, 0, 0), 8, router, seq);
	struct tables_fib *fib = tables_fib_build(&r, 1);

	assert_non_null(fib);
	return fib;
}

static void test_publish_reclaim(void **state)
{
	struct tables_fib_slot *slot = tables_fib_slot_create();
	struct tables_fib *a = fib_one("A", 1), *b = fib_one("B", 2);
	struct tables_fib_reader *reader;
	const struct tables_fib *held;

	assert_non_null(slot);
	assert_null(tables_fib_current(slot));
	assert_int_equal(tables_fib_reclaim(slot), 0);

	tables_fib_publish(slot, a);
	assert_ptr_equal(tables_fib_current(slot), a);
	assert_int_equal(tables_fib_reclaim(slot), 0);

	reader = tables_fib_reader_register(slot);
	assert_non_null(reader);
	held = tables_fib_current(slot);
	assert_ptr_equal(held, a);

	tables_fib_publish(slot, b);
	assert_ptr_equal(tables_fib_current(slot), b);
	/* The reader has not been quiescent: A must stay. */
	assert_int_equal(tables_fib_reclaim(slot), 1);
	assert_int_equal(tables_fib_reclaim(slot), 1);
	/* Still readable (ASan reports it if A was freed). */
	assert_string_equal(router_of(held, 1, IP(10, 1, 2, 3)), "A");

	tables_fib_reader_quiescent(reader);
	assert_int_equal(tables_fib_reclaim(slot), 0);
	assert_string_equal(
		router_of(tables_fib_current(slot), 1, IP(10, 1, 2, 3)), "B");

	tables_fib_reader_unregister(reader);
	tables_fib_slot_destroy(slot);
	tables_fib_slot_destroy(NULL);
}

static void test_publish_two_readers(void **state)
{
	struct tables_fib_slot *slot = tables_fib_slot_create();
	struct tables_fib_reader *r1, *r2;

	assert_non_null(slot);
	tables_fib_publish(slot, fib_one("A", 1));
	r1 = tables_fib_reader_register(slot);
	r2 = tables_fib_reader_register(slot);
	assert_non_null(r1);
	assert_non_null(r2);

	tables_fib_publish(slot, fib_one("B", 2));
	tables_fib_publish(slot, fib_one("C", 3));
	assert_int_equal(tables_fib_reclaim(slot), 2);

	/* One reader quiescent is not enough. */
	tables_fib_reader_quiescent(r1);
	assert_int_equal(tables_fib_reclaim(slot), 2);

	/* Unregistering is the end of all reading. */
	tables_fib_reader_unregister(r2);
	assert_int_equal(tables_fib_reclaim(slot), 0);

	/* r1 was quiescent after C went in: D retires C, which r1 may
	 * hold again since then. */
	tables_fib_publish(slot, fib_one("D", 4));
	assert_int_equal(tables_fib_reclaim(slot), 1);
	tables_fib_reader_quiescent(r1);
	assert_int_equal(tables_fib_reclaim(slot), 0);

	/* A reader registered after a swap does not hold back the snapshot
	 * that the swap replaced. */
	tables_fib_publish(slot, fib_one("E", 5));
	assert_int_equal(tables_fib_reclaim(slot), 1);
	r2 = tables_fib_reader_register(slot);
	assert_non_null(r2);
	tables_fib_reader_quiescent(r1);
	assert_int_equal(tables_fib_reclaim(slot), 0);
	tables_fib_reader_unregister(r1);
	tables_fib_reader_unregister(r2);
	assert_int_equal(tables_fib_reclaim(slot), 0);
	tables_fib_slot_destroy(slot);
}

static void test_publish_no_readers(void **state)
{
	struct tables_fib_slot *slot = tables_fib_slot_create();

	assert_non_null(slot);
	tables_fib_publish(slot, fib_one("A", 1));
	tables_fib_publish(slot, fib_one("B", 2));
	assert_int_equal(tables_fib_reclaim(slot), 0);
	tables_fib_publish(slot, NULL);
	assert_null(tables_fib_current(slot));
	assert_int_equal(tables_fib_reclaim(slot), 0);
	tables_fib_publish(slot, fib_one("C", 3));
	/* Destroy frees the current snapshot (LeakSanitizer checks). */
	tables_fib_slot_destroy(slot);
}

/* ---- threads --------------------------------------------------------- */

#define SNAPSHOTS 200

struct smoke {
	struct tables_fib_slot *slot;
	atomic_bool stop;
	atomic_ulong iterations;
	atomic_ulong errors;
};

/* Snapshot i: 10.0.0.0/8 and 10.0.(i % 256).0/24, both with seq i, plus
 * a second VN so the VN search is part of the path. */
static struct tables_fib *fib_gen(unsigned i)
{
	struct tables_fib_route r[3];
	struct tables_fib *fib;
	char name[16];

	snprintf(name, sizeof(name), "gen%u", i);
	r[0] = route(1, IP(10, 0, 0, 0), 8, name, i);
	r[1] = route(1, IP(10, 0, (uint8_t)i, 0), 24, name, i);
	r[2] = route(2, IP(10, 0, 0, 0), 8, "other", i);
	fib = tables_fib_build(r, 3);
	assert_non_null(fib);
	return fib;
}

static void *smoke_reader(void *arg)
{
	struct smoke *s = arg;
	struct tables_fib_reader *reader = tables_fib_reader_register(s->slot);

	if (!reader) {
		atomic_fetch_add(&s->errors, 1);
		return NULL;
	}
	while (!atomic_load(&s->stop)) {
		const struct tables_fib *fib = tables_fib_current(s->slot);
		const struct tables_fib_route *wide, *narrow;
		uint64_t seq;

		if (!fib) {
			atomic_fetch_add(&s->errors, 1);
			break;
		}
		wide = tables_fib_lookup(fib, 1, IP(10, 200, 0, 1));
		if (!wide) {
			atomic_fetch_add(&s->errors, 1);
			break;
		}
		seq = wide->seq;
		/* Hold the snapshot across a yield, then read it again. */
		sched_yield();
		narrow = tables_fib_lookup(fib, 1, IP(10, 0, (uint8_t)seq, 9));
		if (!narrow || narrow->seq != seq || narrow->prefix.len != 24 ||
		    strcmp(narrow->router, wide->router) != 0 ||
		    !tables_fib_lookup(fib, 2, IP(10, 0, 0, 1))) {
			atomic_fetch_add(&s->errors, 1);
		}
		tables_fib_reader_quiescent(reader);
		atomic_fetch_add(&s->iterations, 1);
	}
	tables_fib_reader_unregister(reader);
	return NULL;
}

static void test_threads(void **state)
{
	struct smoke s = {.slot = tables_fib_slot_create()};
	pthread_t threads[2];
	unsigned long before;

	assert_non_null(s.slot);
	atomic_init(&s.stop, false);
	atomic_init(&s.iterations, 0);
	atomic_init(&s.errors, 0);
	tables_fib_publish(s.slot, fib_gen(0));
	for (unsigned t = 0; t < 2; t++) {
		assert_int_equal(
			pthread_create(&threads[t], NULL, smoke_reader, &s), 0);
	}
	while (atomic_load(&s.iterations) < 10) {
		sched_yield();
	}
	for (unsigned i = 1; i <= SNAPSHOTS; i++) {
		tables_fib_publish(s.slot, fib_gen(i));
		if (i % 8 == 0) {
			/* Let the readers catch up now and then. */
			before = atomic_load(&s.iterations);
			while (atomic_load(&s.iterations) < before + 2) {
				sched_yield();
			}
		}
	}
	atomic_store(&s.stop, true);
	for (unsigned t = 0; t < 2; t++) {
		assert_int_equal(pthread_join(threads[t], NULL), 0);
	}
	assert_int_equal(atomic_load(&s.errors), 0);
	assert_true(atomic_load(&s.iterations) > SNAPSHOTS / 8);
	/* Both readers are gone: nothing may still wait. */
	assert_int_equal(tables_fib_reclaim(s.slot), 0);
	assert_int_equal(tables_fib_lookup(tables_fib_current(s.slot), 1,
					   IP(10, 0, SNAPSHOTS % 256, 1))
				 ->seq,
			 SNAPSHOTS);
	tables_fib_slot_destroy(s.slot);
}

/* ---- from the GNDT --------------------------------------------------- */

static struct tables_gndt_entry gndt_entry(uint32_t vn, uint32_t addr,
					   uint8_t len, const char *router,
					   uint64_t seq)
{
	struct tables_gndt_entry e;

	memset(&e, 0, sizeof(e));
	e.vn = vn;
	e.prefix.addr = addr;
	e.prefix.len = len;
	snprintf(e.router, sizeof(e.router), "%s", router);
	e.seq = seq;
	e.origin = TABLES_GNDT_GOSSIP;
	e.created_ms = 1700000000000ull;
	e.updated_ms = 1700000000000ull + seq;
	return e;
}

static int gndt_fill(struct tables_txn *txn, void *arg)
{
	struct tables_gndt_entry e[] = {
		gndt_entry(1, IP(10, 0, 0, 0), 24, "vrA", 1),
		gndt_entry(2, IP(10, 0, 0, 0), 24, "vrB", 2),
		gndt_entry(1, IP(10, 0, 0, 0), 8, "vrC", 3),
		gndt_entry(1, IP(10, 0, 0, 7), 32, "vrD", 4),
	};
	int err;

	for (size_t i = 0; i < sizeof(e) / sizeof(e[0]); i++) {
		err = tables_gndt_put(txn, &e[i]);
		if (err) {
			return err;
		}
	}
	return 0;
}

static int gndt_drop_host(struct tables_txn *txn, void *arg)
{
	struct vrd_prefix p = {.addr = IP(10, 0, 0, 7), .len = 32};

	return tables_gndt_del(txn, 1, &p);
}

static int rm_entry(const char *path, const struct stat *sb, int flag,
		    struct FTW *ftw)
{
	return remove(path);
}

static void snapshot_take(struct tables *t, struct tables_fib **out,
			  uint64_t *generation)
{
	struct tables_txn *txn;

	assert_int_equal(tables_read_begin(t, &txn), 0);
	assert_int_equal(tables_fib_build_from_gndt(txn, out), 0);
	*generation = tables_gndt_generation(txn);
	tables_read_end(txn);
	assert_non_null(*out);
	assert_int_equal(tables_fib_generation(*out), *generation);
}

static void test_build_from_gndt(void **state)
{
	char dir[] = "/tmp/vrd-test-fib-XXXXXX";
	struct tables_options opt = {0};
	struct tables_fib *fib;
	const struct tables_fib_route *r;
	struct tables *t;
	uint64_t gen1, gen2;

	assert_non_null(mkdtemp(dir));
	assert_int_equal(tables_open(&t, dir, &opt), 0);

	/* An empty GNDT is an empty snapshot. */
	snapshot_take(t, &fib, &gen1);
	assert_int_equal(tables_fib_size(fib), 0);
	assert_null(tables_fib_lookup(fib, 1, IP(10, 0, 0, 1)));
	tables_fib_destroy(fib);

	assert_int_equal(tables_write(t, gndt_fill, NULL), 0);
	snapshot_take(t, &fib, &gen1);
	assert_int_equal(tables_fib_size(fib), 4);
	assert_string_equal(router_of(fib, 1, IP(10, 0, 0, 5)), "vrA");
	assert_string_equal(router_of(fib, 2, IP(10, 0, 0, 5)), "vrB");
	assert_string_equal(router_of(fib, 1, IP(10, 9, 0, 5)), "vrC");
	assert_null(tables_fib_lookup(fib, 2, IP(10, 9, 0, 5)));
	assert_null(tables_fib_lookup(fib, 3, IP(10, 0, 0, 5)));
	r = tables_fib_lookup(fib, 1, IP(10, 0, 0, 7));
	assert_non_null(r);
	assert_string_equal(r->router, "vrD");
	assert_int_equal(r->seq, 4);
	assert_int_equal(r->origin, TABLES_GNDT_GOSSIP);
	assert_int_equal(r->prefix.addr, IP(10, 0, 0, 7));
	assert_int_equal(r->prefix.len, 32);
	assert_int_equal(r->vn, 1);

	/* A GNDT change bumps the generation; the old snapshot is
	 * unchanged, the new one follows the table. */
	assert_int_equal(tables_write(t, gndt_drop_host, NULL), 0);
	{
		struct tables_fib *fib2;

		snapshot_take(t, &fib2, &gen2);
		assert_true(gen2 != gen1);
		assert_int_equal(tables_fib_size(fib2), 3);
		assert_string_equal(router_of(fib2, 1, IP(10, 0, 0, 7)), "vrA");
		assert_string_equal(router_of(fib, 1, IP(10, 0, 0, 7)), "vrD");
		tables_fib_destroy(fib2);
	}
	tables_fib_destroy(fib);
	tables_close(t);
	assert_int_equal(nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vn_isolation),
		cmocka_unit_test(test_route_struct),
		cmocka_unit_test(test_many_vns),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_empty_and_invalid),
		cmocka_unit_test(test_size_memory),
		cmocka_unit_test(test_lookup_batch),
		cmocka_unit_test(test_publish_reclaim),
		cmocka_unit_test(test_publish_two_readers),
		cmocka_unit_test(test_publish_no_readers),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_build_from_gndt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
