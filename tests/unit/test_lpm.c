/*
 * The poptrie LPM: hand-written cases, then a randomized differential test
 * against a linear scan (over a million lookups, biased to prefix edges),
 * then a large table against a per-length binary search, then the batched
 * lookup against the single one (over a million addresses, each through
 * every batch size).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tables/lpm.h"

#define IP(a, b, c, d)                                                    \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | \
	 (uint32_t)(d))
#define NONE TABLES_LPM_NONE

static uint32_t mask_of(unsigned len)
{
	return len == 0 ? 0 : ~(uint32_t)0 << (32 - len);
}

static struct tables_lpm *build_ok(const struct tables_lpm_prefix *p, size_t n)
{
	struct tables_lpm *lpm = tables_lpm_build(p, n);

	assert_non_null(lpm);
	assert_true(tables_lpm_memory(lpm) > 0);
	return lpm;
}

/* ---- hand-written cases ---------------------------------------------- */

static void test_default_route(void **state)
{
	struct tables_lpm_prefix p[] = {
		{.addr = 0, .len = 0, .value = 7},
	};
	struct tables_lpm *lpm = build_ok(p, 1);

	assert_int_equal(tables_lpm_lookup(lpm, 0), 7);
	assert_int_equal(tables_lpm_lookup(lpm, IP(10, 1, 2, 3)), 7);
	assert_int_equal(tables_lpm_lookup(lpm, UINT32_MAX), 7);
	tables_lpm_destroy(lpm);
}

static void test_default_route_host_bits(void **state)
{
	/* /0 with host bits set is still the default route. */
	struct tables_lpm_prefix p[] = {
		{.addr = IP(1, 2, 3, 4), .len = 0, .value = 9},
		{.addr = IP(10, 0, 0, 0), .len = 8, .value = 3},
	};
	struct tables_lpm *lpm = build_ok(p, 2);

	assert_int_equal(tables_lpm_lookup(lpm, IP(1, 2, 3, 4)), 9);
	assert_int_equal(tables_lpm_lookup(lpm, IP(9, 255, 255, 255)), 9);
	assert_int_equal(tables_lpm_lookup(lpm, IP(10, 9, 9, 9)), 3);
	assert_int_equal(tables_lpm_lookup(lpm, IP(11, 0, 0, 0)), 9);
	tables_lpm_destroy(lpm);
}

static void test_host_routes(void **state)
{
	struct tables_lpm_prefix p[] = {
		{.addr = IP(10, 0, 0, 1), .len = 32, .value = 5},
		{.addr = IP(10, 0, 0, 3), .len = 32, .value = 6},
		{.addr = 0, .len = 32, .value = 1},
		{.addr = UINT32_MAX, .len = 32, .value = 2},
	};
	struct tables_lpm *lpm = build_ok(p, 4);

	assert_int_equal(tables_lpm_lookup(lpm, IP(10, 0, 0, 1)), 5);
	assert_int_equal(tables_lpm_lookup(lpm, IP(10, 0, 0, 3)), 6);
	assert_int_equal(tables_lpm_lookup(lpm, IP(10, 0, 0, 0)), NONE);
	assert_int_equal(tables_lpm_lookup(lpm, IP(10, 0, 0, 2)), NONE);
	assert_int_equal(tables_lpm_lookup(lpm, IP(10, 0, 0, 4)), NONE);
	assert_int_equal(tables_lpm_lookup(lpm, 0), 1);
	assert_int_equal(tables_lpm_lookup(lpm, 1), NONE);
	assert_int_equal(tables_lpm_lookup(lpm, UINT32_MAX), 2);
	assert_int_equal(tables_lpm_lookup(lpm, UINT32_MAX - 1), NONE);
	tables_lpm_destroy(lpm);
}

static void test_nested(void **state)
{
	/* Given longest first: input order must not matter. */
	struct tables_lpm_prefix p[] = {
		{.addr = IP(10, 1, 2, 129), .len = 32, .value = 5},
		{.addr = IP(10, 1, 2, 128), .len = 25, .value = 4},
		{.addr = IP(10, 1, 2, 0), .len = 24, .value = 3},
		{.addr = IP(10, 1, 0, 0), .len = 16, .value = 2},
		{.addr = IP(10, 0, 0, 0), .len = 8, .value = 1},
	};
	struct tables_lpm *lpm = build_ok(p, 5);

	assert_int_equal(tables_lpm_lookup(lpm, IP(10, 1, 2, 129)), 5);
	assert_int_equal(tables_lpm_lookup(lpm, IP(10, 1, 2, 130)), 4);
	assert_int_equal(tables_lpm_lookup(lpm, IP(10, 1, 2, 128)), 4);
	assert_int_equal(tables_lpm_lookup(lpm, IP(10, 1, 2, 255)), 4);
	assert_int_equal(tables_lpm_lookup(lpm, IP(10, 1, 2, 127)), 3);
	assert_int_equal(tables_lpm_lookup(lpm, IP(10, 1, 2, 0)), 3);
	assert_int_equal(tables_lpm_lookup(lpm, IP(10, 1, 3, 0)), 2);
	assert_int_equal(tables_lpm_lookup(lpm, IP(10, 1, 255, 255)), 2);
	assert_int_equal(tables_lpm_lookup(lpm, IP(10, 2, 0, 0)), 1);
	assert_int_equal(tables_lpm_lookup(lpm, IP(10, 0, 255, 255)), 1);
	assert_int_equal(tables_lpm_lookup(lpm, IP(11, 0, 0, 0)), NONE);
	assert_int_equal(tables_lpm_lookup(lpm, IP(9, 255, 255, 255)), NONE);
	tables_lpm_destroy(lpm);
}

static void test_adjacent(void **state)
{
	struct tables_lpm_prefix p[] = {
		{.addr = IP(192, 168, 1, 0), .len = 24, .value = 2},
		{.addr = IP(192, 168, 0, 0), .len = 24, .value = 1},
		{.addr = IP(192, 168, 2, 0), .len = 25, .value = 3},
		{.addr = IP(192, 168, 2, 128), .len = 25, .value = 4},
	};
	struct tables_lpm *lpm = build_ok(p, 4);

	assert_int_equal(tables_lpm_lookup(lpm, IP(192, 167, 255, 255)), NONE);
	assert_int_equal(tables_lpm_lookup(lpm, IP(192, 168, 0, 0)), 1);
	assert_int_equal(tables_lpm_lookup(lpm, IP(192, 168, 0, 255)), 1);
	assert_int_equal(tables_lpm_lookup(lpm, IP(192, 168, 1, 0)), 2);
	assert_int_equal(tables_lpm_lookup(lpm, IP(192, 168, 1, 255)), 2);
	assert_int_equal(tables_lpm_lookup(lpm, IP(192, 168, 2, 0)), 3);
	assert_int_equal(tables_lpm_lookup(lpm, IP(192, 168, 2, 127)), 3);
	assert_int_equal(tables_lpm_lookup(lpm, IP(192, 168, 2, 128)), 4);
	assert_int_equal(tables_lpm_lookup(lpm, IP(192, 168, 2, 255)), 4);
	assert_int_equal(tables_lpm_lookup(lpm, IP(192, 168, 3, 0)), NONE);
	tables_lpm_destroy(lpm);
}

/* Prefixes ending just before, at and after each stride boundary. */
static void test_stride_boundaries(void **state)
{
	const uint32_t base = IP(172, 16, 0, 0);
	const unsigned lens[] = {15, 16, 17, 21, 22, 23, 27, 28, 29, 32};
	const size_t n = sizeof(lens) / sizeof(lens[0]);
	struct tables_lpm_prefix p[sizeof(lens) / sizeof(lens[0])];
	struct tables_lpm *lpm;

	for (size_t i = 0; i < n; i++) {
		p[i].addr = base;
		p[i].len = (uint8_t)lens[i];
		p[i].value = lens[i];
	}
	lpm = build_ok(p, n);
	assert_int_equal(tables_lpm_lookup(lpm, base), 32);
	for (size_t i = 0; i < n; i++) {
		uint32_t addr;

		if (lens[i] == 32) {
			continue;
		}
		/* Inside /lens[i] but outside every longer one. */
		addr = base | (uint32_t)1 << (32 - lens[i] - 1);
		assert_int_equal(tables_lpm_lookup(lpm, addr), lens[i]);
		/* The last address of /lens[i]. */
		addr = base | ~mask_of(lens[i]);
		assert_int_equal(tables_lpm_lookup(lpm, addr), lens[i]);
	}
	assert_int_equal(tables_lpm_lookup(lpm, base + 1), 29);
	assert_int_equal(tables_lpm_lookup(lpm, base + 7), 29);
	assert_int_equal(tables_lpm_lookup(lpm, base + 8), 28);
	assert_int_equal(tables_lpm_lookup(lpm, base - 1), NONE);
	assert_int_equal(tables_lpm_lookup(lpm, IP(172, 18, 0, 0)), NONE);
	tables_lpm_destroy(lpm);
}

static void test_every_length(void **state)
{
	const uint32_t x = IP(192, 168, 1, 1);
	struct tables_lpm_prefix p[33];
	struct tables_lpm *lpm;

	for (unsigned len = 0; len <= 32; len++) {
		p[len].addr = x & mask_of(len);
		p[len].len = (uint8_t)len;
		p[len].value = len + 1;
	}
	lpm = build_ok(p, 33);
	assert_int_equal(tables_lpm_lookup(lpm, x), 33);
	for (unsigned len = 0; len < 32; len++) {
		/* Differs from x at the first bit after /len. */
		uint32_t addr = x ^ (uint32_t)1 << (31 - len);

		assert_int_equal(tables_lpm_lookup(lpm, addr), len + 1);
	}
	tables_lpm_destroy(lpm);

	/* Each length alone. */
	for (unsigned len = 0; len <= 32; len++) {
		struct tables_lpm_prefix one = {
			.addr = x & mask_of(len),
			.len = (uint8_t)len,
			.value = 100,
		};
		uint32_t last = (x & mask_of(len)) | ~mask_of(len);

		lpm = build_ok(&one, 1);
		assert_int_equal(tables_lpm_lookup(lpm, x), 100);
		assert_int_equal(tables_lpm_lookup(lpm, x & mask_of(len)), 100);
		assert_int_equal(tables_lpm_lookup(lpm, last), 100);
		if (len > 0) {
			assert_int_equal(
				tables_lpm_lookup(lpm, (x & mask_of(len)) - 1),
				NONE);
			assert_int_equal(tables_lpm_lookup(lpm, last + 1),
					 NONE);
		}
		tables_lpm_destroy(lpm);
	}
}

static void test_duplicates_later_wins(void **state)
{
	struct tables_lpm_prefix p[] = {
		{.addr = IP(10, 0, 0, 0), .len = 24, .value = 1},
		{.addr = IP(10, 0, 0, 0), .len = 16, .value = 7},
		{.addr = IP(10, 0, 0, 0), .len = 24, .value = 2},
		/* Same prefix, host bits set: still a duplicate. */
		{.addr = IP(10, 0, 0, 99), .len = 24, .value = 3},
		{.addr = IP(10, 0, 0, 5), .len = 32, .value = 4},
		{.addr = IP(10, 0, 0, 5), .len = 32, .value = 5},
		{.addr = 0, .len = 0, .value = 8},
		{.addr = 0, .len = 0, .value = 9},
	};
	struct tables_lpm *lpm = build_ok(p, sizeof(p) / sizeof(p[0]));

	assert_int_equal(tables_lpm_lookup(lpm, IP(10, 0, 0, 1)), 3);
	assert_int_equal(tables_lpm_lookup(lpm, IP(10, 0, 0, 5)), 5);
	assert_int_equal(tables_lpm_lookup(lpm, IP(10, 0, 1, 0)), 7);
	assert_int_equal(tables_lpm_lookup(lpm, IP(11, 0, 0, 0)), 9);
	tables_lpm_destroy(lpm);
}

static void test_empty(void **state)
{
	struct tables_lpm *lpm = build_ok(NULL, 0);

	assert_int_equal(tables_lpm_lookup(lpm, 0), NONE);
	assert_int_equal(tables_lpm_lookup(lpm, IP(10, 0, 0, 1)), NONE);
	assert_int_equal(tables_lpm_lookup(lpm, UINT32_MAX), NONE);
	tables_lpm_destroy(lpm);
	tables_lpm_destroy(NULL);
}

static void test_invalid(void **state)
{
	struct tables_lpm_prefix p[] = {
		{.addr = IP(10, 0, 0, 0), .len = 8, .value = 1},
		{.addr = IP(10, 0, 0, 1), .len = 33, .value = 2},
	};
	struct tables_lpm *lpm;

	errno = 0;
	assert_null(tables_lpm_build(p, 2));
	assert_int_equal(errno, EINVAL);

	p[1].len = 32;
	p[1].value = NONE;
	errno = 0;
	assert_null(tables_lpm_build(p, 2));
	assert_int_equal(errno, EINVAL);

	p[1].value = 0x80000000u;
	errno = 0;
	assert_null(tables_lpm_build(p, 2));
	assert_int_equal(errno, EINVAL);

	errno = 0;
	assert_null(tables_lpm_build(NULL, 1));
	assert_int_equal(errno, EINVAL);

	/* The largest value is fine. */
	p[1].value = 0x7fffffffu;
	lpm = build_ok(p, 2);
	assert_int_equal(tables_lpm_lookup(lpm, IP(10, 0, 0, 1)), 0x7fffffffu);
	assert_int_equal(tables_lpm_lookup(lpm, IP(10, 0, 0, 2)), 1);
	tables_lpm_destroy(lpm);
}

/* Many distinct values in one node: leaf runs must not merge them, and
 * equal neighbours separated by a child node must still resolve. */
static void test_leaf_runs(void **state)
{
	struct tables_lpm_prefix p[64 + 3];
	struct tables_lpm *lpm;
	size_t n = 0;

	/* 64 /22s in one /16, values alternating in runs of 3. */
	for (uint32_t s = 0; s < 64; s++) {
		p[n].addr = IP(100, 64, 0, 0) | s << 10;
		p[n].len = 22;
		p[n].value = 1 + s / 3;
		n++;
	}
	/* Children under slots 1, 2 and 63. */
	p[n++] = (struct tables_lpm_prefix){IP(100, 64, 4, 1), 32, 500};
	p[n++] = (struct tables_lpm_prefix){IP(100, 64, 8, 0), 23, 501};
	p[n++] = (struct tables_lpm_prefix){IP(100, 64, 255, 255), 32, 502};
	lpm = build_ok(p, n);
	for (uint32_t s = 0; s < 64; s++) {
		uint32_t first = IP(100, 64, 0, 0) | s << 10;

		assert_int_equal(tables_lpm_lookup(lpm, first + 600),
				 1 + s / 3);
		assert_int_equal(tables_lpm_lookup(lpm, first + 1022),
				 1 + s / 3);
	}
	assert_int_equal(tables_lpm_lookup(lpm, IP(100, 64, 4, 1)), 500);
	assert_int_equal(tables_lpm_lookup(lpm, IP(100, 64, 4, 0)), 1);
	assert_int_equal(tables_lpm_lookup(lpm, IP(100, 64, 8, 0)), 501);
	assert_int_equal(tables_lpm_lookup(lpm, IP(100, 64, 9, 255)), 501);
	assert_int_equal(tables_lpm_lookup(lpm, IP(100, 64, 10, 0)), 1);
	assert_int_equal(tables_lpm_lookup(lpm, IP(100, 64, 255, 255)), 502);
	assert_int_equal(tables_lpm_lookup(lpm, IP(100, 64, 255, 254)), 22);
	assert_int_equal(tables_lpm_lookup(lpm, IP(100, 65, 0, 0)), NONE);
	tables_lpm_destroy(lpm);
}

/* ---- randomized differential test ------------------------------------ */

static uint64_t rng_next(uint64_t *s)
{
	/* splitmix64 */
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t rng_u32(uint64_t *s)
{
	return (uint32_t)(rng_next(s) >> 32);
}

static uint32_t rng_below(uint64_t *s, uint32_t n)
{
	return (uint32_t)(((uint64_t)rng_u32(s) * n) >> 32);
}

enum mix {
	MIX_UNIFORM, /* addresses and lengths uniform */
	MIX_CLUSTERED, /* a few /16s, lengths 0..32: deep nodes */
	MIX_HOSTS, /* mostly /32s in a few /22s, some covering routes */
};

static const char *const mix_names[] = {"uniform", "clustered", "hosts"};

/* The naive reference, in the representation the scan uses. */
struct ref {
	uint32_t *addr;
	uint32_t *mask;
	uint8_t *len;
	uint32_t *value;
	size_t n;
};

/* Longest matching prefix; of equal ones the later. */
static uint32_t ref_lookup(const struct ref *r, uint32_t addr)
{
	uint32_t best = NONE;
	int best_len = -1;

	for (size_t i = 0; i < r->n; i++) {
		if ((addr & r->mask[i]) == r->addr[i] &&
		    (int)r->len[i] >= best_len) {
			best = r->value[i];
			best_len = r->len[i];
		}
	}
	return best;
}

static unsigned random_len(uint64_t *s, enum mix mix)
{
	uint32_t roll = rng_below(s, 100);

	switch (mix) {
	case MIX_UNIFORM:
		return rng_below(s, 33);
	case MIX_CLUSTERED:
		/* Mostly longer than /16 so the nodes fill up. */
		return roll < 15 ? rng_below(s, 17) : 17 + rng_below(s, 16);
	case MIX_HOSTS:
	default:
		if (roll < 70) {
			return 32;
		}
		return roll < 90 ? 22 + rng_below(s, 10) : rng_below(s, 22);
	}
}

static void random_prefixes(uint64_t *s, enum mix mix,
			    struct tables_lpm_prefix *p, size_t n)
{
	uint32_t clusters[4];

	for (unsigned c = 0; c < 4; c++) {
		clusters[c] = rng_u32(s) & mask_of(mix == MIX_HOSTS ? 22 : 16);
	}
	for (size_t i = 0; i < n; i++) {
		uint32_t addr = rng_u32(s);

		if (mix == MIX_CLUSTERED) {
			addr = clusters[rng_below(s, 4)] | (addr & 0xffff);
		} else if (mix == MIX_HOSTS) {
			addr = clusters[rng_below(s, 4)] | (addr & 0x3ff);
		}
		/* Host bits stay set: the LPM must ignore them. */
		p[i].addr = addr;
		p[i].len = (uint8_t)random_len(s, mix);
		p[i].value = 1 + rng_below(s, 0x7ffffffe);
		/* Now and then a duplicate of an earlier prefix. */
		if (i > 0 && rng_below(s, 20) == 0) {
			size_t j = rng_below(s, (uint32_t)i);

			p[i].addr =
				p[j].addr ^ (rng_u32(s) & ~mask_of(p[j].len));
			p[i].len = p[j].len;
		}
	}
}

/* An address near the edges of a random prefix, or anywhere. */
static uint32_t random_probe(uint64_t *s, const struct ref *r)
{
	size_t i = r->n ? rng_below(s, (uint32_t)r->n) : 0;
	uint32_t host;

	if (r->n == 0) {
		return rng_u32(s);
	}
	host = ~r->mask[i];
	switch (rng_below(s, 8)) {
	case 0:
		return r->addr[i];
	case 1:
		return r->addr[i] | host;
	case 2:
		return r->addr[i] - 1;
	case 3:
		return (r->addr[i] | host) + 1;
	case 4:
	case 5:
		return r->addr[i] | (rng_u32(s) & host);
	case 6:
		/* A low-bit neighbour, to land in sibling slots. */
		return r->addr[i] ^ (uint32_t)1 << rng_below(s, 32);
	default:
		return rng_u32(s);
	}
}

static void ref_init(struct ref *r, const struct tables_lpm_prefix *p, size_t n)
{
	r->addr = malloc(n * sizeof(*r->addr) + 1);
	r->mask = malloc(n * sizeof(*r->mask) + 1);
	r->len = malloc(n + 1);
	r->value = malloc(n * sizeof(*r->value) + 1);
	assert_non_null(r->addr);
	assert_non_null(r->mask);
	assert_non_null(r->len);
	assert_non_null(r->value);
	for (size_t i = 0; i < n; i++) {
		r->mask[i] = mask_of(p[i].len);
		r->addr[i] = p[i].addr & r->mask[i];
		r->len[i] = p[i].len;
		r->value[i] = p[i].value;
	}
	r->n = n;
}

static void ref_free(struct ref *r)
{
	free(r->addr);
	free(r->mask);
	free(r->len);
	free(r->value);
}

/* Builds n random prefixes of mix from seed and checks `lookups` probes;
 * returns how many it checked. */
static size_t differential_run(uint64_t seed, enum mix mix, size_t n,
			       size_t lookups)
{
	struct tables_lpm_prefix *p = malloc(n * sizeof(*p) + 1);
	uint64_t s = seed;
	struct tables_lpm *lpm;
	struct ref r;

	assert_non_null(p);
	random_prefixes(&s, mix, p, n);
	lpm = tables_lpm_build(p, n);
	if (!lpm) {
		fail_msg("seed %" PRIu64 " mix %s n %zu: build failed: %s",
			 seed, mix_names[mix], n, strerror(errno));
	}
	ref_init(&r, p, n);
	for (size_t k = 0; k < lookups; k++) {
		uint32_t addr = random_probe(&s, &r);
		uint32_t want = ref_lookup(&r, addr);
		uint32_t got = tables_lpm_lookup(lpm, addr);

		if (got != want) {
			fail_msg("seed %" PRIu64 " mix %s n %zu lookup %zu: "
				 "addr 0x%08" PRIx32 " want %" PRIu32
				 " got %" PRIu32,
				 seed, mix_names[mix], n, k, addr, want, got);
		}
	}
	ref_free(&r);
	tables_lpm_destroy(lpm);
	free(p);
	return lookups;
}

static void test_differential(void **state)
{
	static const size_t sizes[] = {1, 7, 60, 250, 700};
	const char *env = getenv("VRD_TEST_SEED");
	uint64_t base = env ? strtoull(env, NULL, 0) : 20240601;
	size_t total = 0;

	for (unsigned seed = 0; seed < 8; seed++) {
		for (unsigned mix = MIX_UNIFORM; mix <= MIX_HOSTS; mix++) {
			for (size_t k = 0; k < sizeof(sizes) / sizeof(*sizes);
			     k++) {
				uint64_t sd =
					base + seed * 1000 + mix * 100 + k;

				total += differential_run(sd, mix, sizes[k],
							  9000);
			}
		}
	}
	print_message("differential: %zu lookups checked (base seed %" PRIu64
		      ")\n",
		      total, base);
	assert_true(total >= 1000000);
}

/* ---- the batched lookup against the single one ----------------------- */

static const size_t batch_sizes[] = {0, 1, 7, 8, 9, 63, 64, 1000};

/* Looks up addrs in batches of `batch` (the last one shorter) and checks
 * each value against want; values past n must stay untouched. */
static void batch_check(const struct tables_lpm *lpm, const uint32_t *addrs,
			const uint32_t *want, size_t n, size_t batch,
			const char *what)
{
	uint32_t *got = malloc((n + 1) * sizeof(*got));
	size_t done = 0;

	assert_non_null(got);
	for (size_t i = 0; i <= n; i++) {
		got[i] = 0xdeadbeefu;
	}
	if (batch == 0) {
		/* An empty batch writes nothing, whatever the arrays. */
		tables_lpm_lookup_batch(lpm, addrs, got, 0);
		tables_lpm_lookup_batch(lpm, NULL, NULL, 0);
		for (size_t i = 0; i <= n; i++) {
			assert_int_equal(got[i], 0xdeadbeefu);
		}
		free(got);
		return;
	}
	while (done < n) {
		size_t m = n - done < batch ? n - done : batch;

		tables_lpm_lookup_batch(lpm, addrs + done, got + done, m);
		done += m;
	}
	for (size_t i = 0; i < n; i++) {
		if (got[i] != want[i]) {
			fail_msg("%s batch %zu lookup %zu: addr 0x%08" PRIx32
				 " single %" PRIu32 " batch %" PRIu32,
				 what, batch, i, addrs[i], want[i], got[i]);
		}
	}
	assert_int_equal(got[n], 0xdeadbeefu);
	free(got);
}

/* Builds n prefixes of mix, then checks `lookups` probes through every
 * batch size; returns how many addresses it checked. */
static size_t batch_run(uint64_t seed, enum mix mix, size_t n, size_t lookups)
{
	struct tables_lpm_prefix *p = malloc(n * sizeof(*p) + 1);
	uint32_t *addrs = malloc(lookups * sizeof(*addrs));
	uint32_t *want = malloc(lookups * sizeof(*want));
	uint64_t s = seed;
	struct tables_lpm *lpm;
	struct ref r;
	char what[64];

	assert_non_null(p);
	assert_non_null(addrs);
	assert_non_null(want);
	random_prefixes(&s, mix, p, n);
	lpm = build_ok(p, n);
	ref_init(&r, p, n);
	for (size_t k = 0; k < lookups; k++) {
		addrs[k] = random_probe(&s, &r);
		want[k] = tables_lpm_lookup(lpm, addrs[k]);
	}
	snprintf(what, sizeof(what), "seed %" PRIu64 " mix %s n %zu", seed,
		 mix_names[mix], n);
	for (size_t b = 0; b < sizeof(batch_sizes) / sizeof(*batch_sizes);
	     b++) {
		batch_check(lpm, addrs, want, lookups, batch_sizes[b], what);
	}
	ref_free(&r);
	tables_lpm_destroy(lpm);
	free(want);
	free(addrs);
	free(p);
	return lookups;
}

static void test_batch(void **state)
{
	static const size_t sizes[] = {1, 60, 5000, 100000};
	const char *env = getenv("VRD_TEST_SEED");
	uint64_t base = env ? strtoull(env, NULL, 0) : 20240601;
	size_t total = 0;

	for (unsigned mix = MIX_UNIFORM; mix <= MIX_HOSTS; mix++) {
		for (size_t k = 0; k < sizeof(sizes) / sizeof(*sizes); k++) {
			total += batch_run(base + 50000 + mix * 100 + k, mix,
					   sizes[k], 90000);
		}
	}
	print_message("batch: %zu addresses checked in %zu batch sizes\n",
		      total, sizeof(batch_sizes) / sizeof(*batch_sizes));
	assert_true(total >= 1000000);
}

/* A batch of nothing but direct-array hits, one of nothing but deep
 * walks, and values written over addrs in place. */
static void test_batch_shapes(void **state)
{
	struct tables_lpm_prefix p[] = {
		{IP(10, 0, 0, 0), 8, 1},     {IP(10, 1, 2, 3), 32, 2},
		{IP(10, 1, 2, 0), 30, 3},    {IP(10, 1, 0, 0), 22, 4},
		{IP(192, 168, 0, 0), 16, 5},
	};
	struct tables_lpm *lpm = build_ok(p, sizeof(p) / sizeof(*p));
	uint32_t addrs[200], values[200], want[200];

	for (size_t i = 0; i < 200; i++) {
		/* Only /16 regions without nodes. */
		addrs[i] = i % 2 ? IP(10, 7, 0, 0) + (uint32_t)i
				 : IP(192, 168, 0, 0) +
					   (uint32_t)(i * 977 % 65536);
	}
	tables_lpm_lookup_batch(lpm, addrs, values, 200);
	for (size_t i = 0; i < 200; i++) {
		assert_int_equal(values[i], i % 2 ? 1 : 5);
	}
	for (size_t i = 0; i < 200; i++) {
		/* All inside 10.1/16, which has nodes three levels deep. */
		addrs[i] = IP(10, 1, 0, 0) + (uint32_t)(i * 37 % 2048);
		want[i] = tables_lpm_lookup(lpm, addrs[i]);
	}
	assert_int_equal(tables_lpm_lookup(lpm, IP(10, 1, 2, 3)), 2);
	assert_int_equal(tables_lpm_lookup(lpm, IP(10, 1, 2, 2)), 3);
	tables_lpm_lookup_batch(lpm, addrs, values, 200);
	assert_memory_equal(values, want, sizeof(want));
	/* In place. */
	tables_lpm_lookup_batch(lpm, addrs, addrs, 200);
	assert_memory_equal(addrs, want, sizeof(want));
	tables_lpm_destroy(lpm);
}

/* ---- a large table against a per-length binary search ---------------- */

struct keyed {
	uint64_t key; /* masked addr << 6 | len */
	uint32_t index;
};

static int keyed_cmp(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;

	if (x->key != y->key) {
		return x->key < y->key ? -1 : 1;
	}
	return x->index < y->index ? -1 : x->index > y->index;
}

/* keys: sorted, one per prefix (the last occurrence); finds the longest
 * match with 33 binary searches. */
static uint32_t bsearch_lookup(const struct keyed *keys, size_t n,
			       const struct tables_lpm_prefix *p, uint32_t addr)
{
	for (int len = 32; len >= 0; len--) {
		uint64_t want = (uint64_t)(addr & mask_of((unsigned)len)) << 6 |
				(unsigned)len;
		size_t lo = 0, hi = n;

		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (keys[mid].key < want) {
				lo = mid + 1;
			} else {
				hi = mid;
			}
		}
		if (lo < n && keys[lo].key == want) {
			return p[keys[lo].index].value;
		}
	}
	return NONE;
}

static void test_large(void **state)
{
	const size_t n = 300000, lookups = 300000;
	struct tables_lpm_prefix *p = malloc(n * sizeof(*p));
	struct keyed *keys = malloc(n * sizeof(*keys));
	uint64_t seed = 77, s = seed;
	struct tables_lpm *lpm;
	size_t nkeys = 0;

	assert_non_null(p);
	assert_non_null(keys);
	/* A third uniform, a third clustered, a third host routes. */
	random_prefixes(&s, MIX_UNIFORM, p, n / 3);
	random_prefixes(&s, MIX_CLUSTERED, p + n / 3, n / 3);
	random_prefixes(&s, MIX_HOSTS, p + 2 * (n / 3), n - 2 * (n / 3));
	lpm = build_ok(p, n);

	for (size_t i = 0; i < n; i++) {
		keys[i].key = (uint64_t)(p[i].addr & mask_of(p[i].len)) << 6 |
			      p[i].len;
		keys[i].index = (uint32_t)i;
	}
	qsort(keys, n, sizeof(*keys), keyed_cmp);
	for (size_t i = 0; i < n; i++) {
		/* Keep the last (largest index) of equal prefixes. */
		if (i + 1 < n && keys[i + 1].key == keys[i].key) {
			continue;
		}
		keys[nkeys++] = keys[i];
	}
	for (size_t k = 0; k < lookups; k++) {
		const struct tables_lpm_prefix *q = &p[rng_below(&s, n)];
		uint32_t host = ~mask_of(q->len);
		uint32_t addr =
			k % 3 == 0   ? rng_u32(&s)
			: k % 3 == 1 ? (q->addr & ~host) | (rng_u32(&s) & host)
				     : (q->addr | host) + 1;
		uint32_t want = bsearch_lookup(keys, nkeys, p, addr);
		uint32_t got = tables_lpm_lookup(lpm, addr);

		if (got != want) {
			fail_msg("seed %" PRIu64
				 " lookup %zu: addr 0x%08" PRIx32
				 " want %" PRIu32 " got %" PRIu32,
				 seed, k, addr, want, got);
		}
	}
	tables_lpm_destroy(lpm);
	free(keys);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_route),
		cmocka_unit_test(test_default_route_host_bits),
		cmocka_unit_test(test_host_routes),
		cmocka_unit_test(test_nested),
		cmocka_unit_test(test_adjacent),
		cmocka_unit_test(test_stride_boundaries),
		cmocka_unit_test(test_every_length),
		cmocka_unit_test(test_duplicates_later_wins),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_leaf_runs),
		cmocka_unit_test(test_differential),
		cmocka_unit_test(test_large),
		cmocka_unit_test(test_batch),
		cmocka_unit_test(test_batch_shapes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
