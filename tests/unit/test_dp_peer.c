/* Unit tests: the data plane's peer table (dataplane/dp_peer.h): peers by name,
 * receive keys by id, key replacement and expiry, and a long churn against
 * a shadow model.
 *
 * Keys live in sodium_malloc memory (mmap), which LeakSanitizer cannot
 * see, so the test counts them instead: every key is made by key_new() and
 * every dp_key_destroy, the table's own included, passes through
 * __wrap_dp_key_destroy (the test links with
 * -Wl,--wrap=dp_key_destroy). Each operation is checked to free
 * exactly the keys it should, and each test ends with no key alive. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/dp_peer.h"

#define FREED_MAX 16

void __real_dp_key_destroy(struct dp_key *k);
void __wrap_dp_key_destroy(struct dp_key *k);

static size_t keys_live; /* made by key_new, not yet destroyed */
static uint32_t keys_made;
static struct dp_key *freed[FREED_MAX]; /* since freed_reset() */
static size_t nfreed;

void __wrap_dp_key_destroy(struct dp_key *k)
{
	if (k) {
		assert_true(keys_live > 0);
		keys_live--;
		if (nfreed < FREED_MAX) {
			freed[nfreed] = k;
		}
		nfreed++;
	}
	__real_dp_key_destroy(k);
}

static struct dp_key *key_new(void)
{
	uint8_t secret[DP_SECRET_LEN];
	struct dp_key *k;

	memset(secret, 0, sizeof(secret));
	memcpy(secret, &keys_made, sizeof(keys_made));
	keys_made++;
	k = dp_key_create(DP_CHACHA20POLY1305, secret);
	assert_non_null(k);
	keys_live++;
	return k;
}

static void freed_reset(void)
{
	nfreed = 0;
}

/* The keys destroyed since freed_reset() are exactly want[0..n). */
static void freed_expect(struct dp_key *const *want, size_t n)
{
	bool seen[FREED_MAX] = {false};

	assert_int_equal(nfreed, n);
	for (size_t i = 0; i < n; i++) {
		size_t j;

		for (j = 0; j < nfreed; j++) {
			if (!seen[j] && freed[j] == want[i]) {
				break;
			}
		}
		assert_true(j < nfreed);
		seen[j] = true;
	}
	freed_reset();
}

static void freed_none(void)
{
	freed_expect(NULL, 0);
}

struct fx {
	struct dp_peers t;
	bool done; /* fini already called by the test */
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_true(sodium_init() >= 0);
	assert_int_equal(dp_peers_init(&f->t), 0);
	keys_live = 0;
	freed_reset();
	*state = f;
	return 0;
}

/* Fini frees every key the table still holds: none may be left alive. */
static int teardown(void **state)
{
	struct fx *f = *state;

	if (!f->done) {
		dp_peers_fini(&f->t);
	}
	free(f);
	assert_int_equal(keys_live, 0);
	return 0;
}

/* Mirrors of dp_peer.c's hashes, only to pick colliding names and ids: if
 * those change the inputs merely stop colliding and every check holds. */
static uint32_t name_bucket(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++) {
		h = (h ^ (uint8_t)*s) * 16777619u;
	}
	return h % DP_NAME_SLOTS;
}

static uint32_t id_bucket(uint32_t id)
{
	id ^= id >> 16;
	id *= 0x7feb352du;
	id ^= id >> 15;
	return id % DP_KEY_SLOTS;
}

static uint64_t rng_state;

static uint64_t rng(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t rng_below(uint32_t n)
{
	return (uint32_t)(rng() % n);
}

#define WINDOW 48 /* key hash slots the clustered ids land in */

/* Even ids are added, odd ones only looked up; some land in a window of
 * the key hash so chains run long and through deleted slots. */
static uint32_t pick_id(bool odd)
{
	uint32_t id;
	bool cluster = rng_below(16) == 0;

	do {
		id = (uint32_t)rng();
		id = odd ? id | 1 : id & ~1u;
	} while (cluster && id_bucket(id) >= WINDOW);
	return id;
}

static void assert_rx(const struct dp_peers *t, uint32_t id,
		      const struct dp_key *key, int idx)
{
	int got = -1;

	assert_ptr_equal(dp_peers_rx_key(t, id, &got), key);
	assert_int_equal(got, idx);
}

static void assert_no_rx(const struct dp_peers *t, uint32_t id)
{
	int got = -1;

	assert_null(dp_peers_rx_key(t, id, &got));
}

static int add_rx(struct dp_peers *t, int idx, struct dp_key *k, uint32_t id,
		  uint64_t now)
{
	int rc;

	freed_reset();
	rc = dp_peer_add_rx_key(t, idx, k, id, now);
	return rc;
}

/* ---- peers by name -------------------------------------------------- */

static void test_peer_add_find_remove(void **state)
{
	struct dp_peers *t = &((struct fx *)*state)->t;
	char longest[VRD_NAME_MAX + 1];
	int a, b, c, a2;

	assert_int_equal(t->npeers, 0);
	assert_int_equal(dp_peer_find(t, "vrA"), -1);

	a = dp_peer_add(t, "vrA");
	assert_true(a >= 0 && a < DP_PEERS_MAX);
	assert_true(t->peer[a].used);
	assert_string_equal(t->peer[a].name, "vrA");
	assert_int_equal(t->npeers, 1);
	assert_int_equal(dp_peer_add(t, "vrA"), a); /* not twice */
	assert_int_equal(t->npeers, 1);

	b = dp_peer_add(t, "vrB");
	assert_true(b >= 0 && b != a);
	assert_int_equal(t->npeers, 2);
	assert_int_equal(dp_peer_find(t, "vrA"), a);
	assert_int_equal(dp_peer_find(t, "vrB"), b);
	assert_int_equal(dp_peer_find(t, "vrC"), -1);
	assert_int_equal(dp_peer_find(t, "vr"), -1);
	assert_int_equal(dp_peer_find(t, "vrAA"), -1);

	/* state a forwarding thread left on the peer is gone with it */
	t->peer[a].endpoint = dp_endpoint(0x0a000001, 4789);
	t->peer[a].stats.rx_packets = 99;
	t->peer[a].path = DP_PATH_DIRECT;
	dp_peer_remove(t, a);
	assert_false(t->peer[a].used);
	assert_int_equal(t->npeers, 1);
	assert_int_equal(dp_peer_find(t, "vrA"), -1);
	assert_int_equal(dp_peer_find(t, "vrB"), b);

	a2 = dp_peer_add(t, "vrA");
	assert_true(a2 >= 0 && a2 != b);
	assert_int_equal(dp_peer_find(t, "vrA"), a2);
	assert_int_equal(t->npeers, 2);
	assert_int_equal(t->peer[a2].endpoint, 0);
	assert_int_equal(t->peer[a2].stats.rx_packets, 0);
	assert_int_equal(t->peer[a2].path, DP_PATH_NONE);
	assert_null(t->peer[a2].tx_key);
	for (int k = 0; k < DP_RX_KEYS; k++) {
		assert_null(t->peer[a2].rx[k].key);
	}

	/* a name of the longest length is kept whole */
	memset(longest, 'n', VRD_NAME_MAX);
	longest[VRD_NAME_MAX] = '\0';
	c = dp_peer_add(t, longest);
	assert_true(c >= 0 && c != a2 && c != b);
	assert_string_equal(t->peer[c].name, longest);
	assert_int_equal(dp_peer_find(t, longest), c);
	longest[VRD_NAME_MAX - 1] = '\0';
	assert_int_equal(dp_peer_find(t, longest), -1);

	dp_peer_remove(t, b);
	dp_peer_remove(t, a2);
	dp_peer_remove(t, c);
	assert_int_equal(t->npeers, 0);
	assert_int_equal(dp_peer_find(t, "vrA"), -1);
	assert_int_equal(dp_peer_find(t, "vrB"), -1);
}

/* Names that land in one bucket of the name hash: removing one in the
 * middle of the chain must not hide the ones after it. */
static void test_peer_name_collisions(void **state)
{
	struct dp_peers *t = &((struct fx *)*state)->t;
	enum { N = 8 };
	char name[N][VRD_NAME_MAX + 1], other[VRD_NAME_MAX + 1];
	int idx[N];
	uint32_t bucket, n = 0;

	snprintf(name[0], sizeof(name[0]), "peer-0");
	bucket = name_bucket(name[0]);
	for (uint32_t i = 1; n + 1 < N; i++) {
		char s[VRD_NAME_MAX + 1];

		snprintf(s, sizeof(s), "peer-%u", i);
		if (name_bucket(s) == bucket) {
			snprintf(name[++n], sizeof(name[n]), "%s", s);
		}
	}
	/* one more in the same bucket that is never added */
	for (uint32_t i = 1;; i++) {
		snprintf(other, sizeof(other), "other-%u", i);
		if (name_bucket(other) == bucket) {
			break;
		}
	}
	for (int i = 0; i < N; i++) {
		idx[i] = dp_peer_add(t, name[i]);
		assert_true(idx[i] >= 0);
		for (int j = 0; j < i; j++) {
			assert_int_not_equal(idx[i], idx[j]);
		}
	}
	for (int i = 0; i < N; i++) {
		assert_int_equal(dp_peer_find(t, name[i]), idx[i]);
	}
	assert_int_equal(dp_peer_find(t, other), -1);

	dp_peer_remove(t, idx[1]);
	dp_peer_remove(t, idx[4]);
	dp_peer_remove(t, idx[N - 1]);
	for (int i = 0; i < N; i++) {
		int want = (i == 1 || i == 4 || i == N - 1) ? -1 : idx[i];

		assert_int_equal(dp_peer_find(t, name[i]), want);
	}
	assert_int_equal(dp_peer_find(t, other), -1);
	assert_int_equal(t->npeers, N - 3);

	/* re-added names, and the never-added one, take the freed places */
	idx[4] = dp_peer_add(t, name[4]);
	assert_true(idx[4] >= 0);
	assert_int_equal(dp_peer_add(t, name[4]), idx[4]);
	assert_true(dp_peer_add(t, other) >= 0);
	idx[1] = dp_peer_add(t, name[1]);
	assert_true(idx[1] >= 0);
	for (int i = 0; i < N - 1; i++) {
		assert_int_equal(dp_peer_find(t, name[i]), idx[i]);
		assert_int_equal(dp_peer_add(t, name[i]), idx[i]);
	}
	assert_int_equal(dp_peer_find(t, name[N - 1]), -1);
	assert_int_equal(t->npeers, N);
}

/* DP_PEERS_MAX peers, then -ENOSPC; rounds of full tables with
 * different names fill the name hash with deleted slots. */
static void test_peer_full(void **state)
{
	struct dp_peers *t = &((struct fx *)*state)->t;
	static int idx[DP_PEERS_MAX];
	char s[VRD_NAME_MAX + 1];

	for (int round = 0; round < 6; round++) {
		bool taken[DP_PEERS_MAX] = {false};
		int freed_idx;

		for (int i = 0; i < DP_PEERS_MAX; i++) {
			snprintf(s, sizeof(s), "r%d-peer-%d", round, i);
			idx[i] = dp_peer_add(t, s);
			assert_true(idx[i] >= 0 && idx[i] < DP_PEERS_MAX);
			assert_false(taken[idx[i]]);
			taken[idx[i]] = true;
		}
		assert_int_equal(t->npeers, DP_PEERS_MAX);
		for (int i = 0; i < DP_PEERS_MAX; i++) {
			snprintf(s, sizeof(s), "r%d-peer-%d", round, i);
			assert_int_equal(dp_peer_find(t, s), idx[i]);
		}
		assert_int_equal(dp_peer_add(t, "one-too-many"), -ENOSPC);
		assert_int_equal(dp_peer_find(t, "one-too-many"), -1);
		assert_int_equal(t->npeers, DP_PEERS_MAX);
		/* a known name is still found while full */
		snprintf(s, sizeof(s), "r%d-peer-%d", round, 77);
		assert_int_equal(dp_peer_add(t, s), idx[77]);

		/* one place freed: the newcomer gets it */
		freed_idx = idx[500];
		dp_peer_remove(t, freed_idx);
		assert_int_equal(dp_peer_add(t, "one-too-many"), freed_idx);
		assert_int_equal(dp_peer_add(t, "two-too-many"), -ENOSPC);
		snprintf(s, sizeof(s), "r%d-peer-%d", round, 500);
		assert_int_equal(dp_peer_find(t, s), -1);

		for (int i = 0; i < DP_PEERS_MAX; i++) {
			if (t->peer[i].used) {
				dp_peer_remove(t, i);
			}
		}
		assert_int_equal(t->npeers, 0);
		for (int i = 0; i < DP_PEERS_MAX; i += 97) {
			snprintf(s, sizeof(s), "r%d-peer-%d", round, i);
			assert_int_equal(dp_peer_find(t, s), -1);
		}
		assert_int_equal(dp_peer_find(t, "one-too-many"), -1);
	}
}

/* ---- receive keys --------------------------------------------------- */

static void test_rx_key_lookup(void **state)
{
	struct dp_peers *t = &((struct fx *)*state)->t;
	struct dp_key *ka = key_new(), *kb = key_new();
	struct dp_key *k0 = key_new(), *kmax = key_new();
	int a = dp_peer_add(t, "vrA"), b = dp_peer_add(t, "vrB");

	assert_no_rx(t, 0x11);
	assert_int_equal(add_rx(t, a, ka, 0x11, 1000), 0);
	assert_int_equal(add_rx(t, b, kb, 0x22, 1001), 0);
	/* ids 0 and UINT32_MAX are ids like any other */
	assert_int_equal(add_rx(t, b, k0, 0, 1002), 0);
	assert_int_equal(add_rx(t, a, kmax, UINT32_MAX, 1003), 0);
	freed_none();

	assert_rx(t, 0x11, ka, a);
	assert_rx(t, 0x22, kb, b);
	assert_rx(t, 0, k0, b);
	assert_rx(t, UINT32_MAX, kmax, a);
	assert_no_rx(t, 0x12);
	assert_no_rx(t, 0x21);
	assert_no_rx(t, 1);
	assert_no_rx(t, UINT32_MAX - 1);

	/* the peer records the key, its id and since */
	for (int k = 0, n = 0; k < DP_RX_KEYS; k++) {
		const struct dp_rx_key *rk = &t->peer[b].rx[k];

		if (rk->key == kb) {
			assert_int_equal(rk->id, 0x22);
			assert_int_equal(rk->since_ms, 1001);
		}
		n += rk->key != NULL;
		if (k == DP_RX_KEYS - 1) {
			assert_int_equal(n, 2);
		}
	}
	assert_int_equal(keys_live, 4);
}

/* An id in use, by this peer or another, is refused and the key stays the
 * caller's. */
static void test_rx_key_eexist(void **state)
{
	struct dp_peers *t = &((struct fx *)*state)->t;
	int a = dp_peer_add(t, "vrA"), b = dp_peer_add(t, "vrB");
	struct dp_key *ka[3], *dup;

	for (int i = 0; i < 3; i++) {
		ka[i] = key_new();
		assert_int_equal(add_rx(t, a, ka[i], 100 + i, 10 + i), 0);
	}
	freed_none();

	/* the other peer */
	dup = key_new();
	assert_int_equal(add_rx(t, b, dup, 101, 50), -EEXIST);
	freed_none();
	assert_rx(t, 101, ka[1], a);
	for (int k = 0; k < DP_RX_KEYS; k++) {
		assert_null(t->peer[b].rx[k].key);
	}
	/* the same peer, with its oldest key the one that would go: no key
	 * is replaced */
	assert_int_equal(add_rx(t, a, dup, 100, 60), -EEXIST);
	assert_int_equal(add_rx(t, a, dup, 102, 60), -EEXIST);
	freed_none();
	for (int i = 0; i < 3; i++) {
		assert_rx(t, 100 + i, ka[i], a);
	}
	assert_int_equal(keys_live, 4);
	dp_key_destroy(dup); /* still ours: ASan would catch a double */
	freed_expect(&dup, 1);
	assert_int_equal(keys_live, 3);

	/* a fresh id is fine afterwards */
	dup = key_new();
	assert_int_equal(add_rx(t, b, dup, 103, 70), 0);
	freed_none();
	assert_rx(t, 103, dup, b);
}

/* The fourth key replaces the oldest by since_ms, not by arrival. */
static void test_rx_key_replace_oldest(void **state)
{
	struct dp_peers *t = &((struct fx *)*state)->t;
	int a = dp_peer_add(t, "vrA"), b = dp_peer_add(t, "vrB");
	struct dp_key *k1 = key_new(), *k2 = key_new(), *k3 = key_new();
	struct dp_key *k4 = key_new(), *k5 = key_new(), *k6 = key_new();
	struct dp_key *kb = key_new();

	assert_int_equal(add_rx(t, b, kb, 0xb0, 50), 0);
	assert_int_equal(add_rx(t, a, k1, 0xa1, 100), 0);
	assert_int_equal(add_rx(t, a, k2, 0xa2, 300), 0);
	assert_int_equal(add_rx(t, a, k3, 0xa3, 200), 0);
	freed_none();

	assert_int_equal(add_rx(t, a, k4, 0xa4, 400), 0);
	freed_expect(&k1, 1);
	assert_no_rx(t, 0xa1);
	assert_rx(t, 0xa2, k2, a);
	assert_rx(t, 0xa3, k3, a);
	assert_rx(t, 0xa4, k4, a);

	assert_int_equal(add_rx(t, a, k5, 0xa5, 500), 0);
	freed_expect(&k3, 1);
	assert_no_rx(t, 0xa3);
	assert_rx(t, 0xa2, k2, a);

	assert_int_equal(add_rx(t, a, k6, 0xa6, 600), 0);
	freed_expect(&k2, 1);
	assert_no_rx(t, 0xa1);
	assert_no_rx(t, 0xa2);
	assert_no_rx(t, 0xa3);
	assert_rx(t, 0xa4, k4, a);
	assert_rx(t, 0xa5, k5, a);
	assert_rx(t, 0xa6, k6, a);
	assert_rx(t, 0xb0, kb, b); /* older than all, but another peer's */
	assert_int_equal(keys_live, 4);

	/* a replaced id is free again, for any peer */
	k1 = key_new();
	assert_int_equal(add_rx(t, b, k1, 0xa1, 700), 0);
	freed_none();
	assert_rx(t, 0xa1, k1, b);
}

/* Removing a peer frees its keys and their ids; fini frees the rest. */
static void test_remove_peer_keys(void **state)
{
	struct fx *f = *state;
	struct dp_peers *t = &f->t;
	int a = dp_peer_add(t, "vrA"), b = dp_peer_add(t, "vrB");
	struct dp_key *ka[4], *kb[2], *k;

	for (int i = 0; i < 3; i++) {
		ka[i] = key_new();
		assert_int_equal(add_rx(t, a, ka[i], 0x100 + i, i), 0);
	}
	ka[3] = key_new();
	dp_peer_set_tx_key(t, a, ka[3], 0x1ff, 5);
	for (int i = 0; i < 2; i++) {
		kb[i] = key_new();
		assert_int_equal(add_rx(t, b, kb[i], 0x200 + i, i), 0);
	}
	freed_none();

	dp_peer_remove(t, a);
	freed_expect(ka, 4);
	for (int i = 0; i < 3; i++) {
		assert_no_rx(t, 0x100 + i);
	}
	assert_rx(t, 0x200, kb[0], b);
	assert_rx(t, 0x201, kb[1], b);

	/* back again, the old ids are free */
	a = dp_peer_add(t, "vrA");
	assert_true(a >= 0);
	k = key_new();
	assert_int_equal(add_rx(t, a, k, 0x101, 10), 0);
	freed_none();
	assert_rx(t, 0x101, k, a);
	assert_no_rx(t, 0x100);

	/* fini: every key the table holds, each once */
	dp_peers_fini(t);
	f->done = true;
	{
		struct dp_key *all[] = {kb[0], kb[1], k};

		freed_expect(all, 3);
	}
	assert_int_equal(keys_live, 0);
}

/* Fini with the table full of peers and keys. */
static void test_fini_frees_all(void **state)
{
	struct fx *f = *state;
	struct dp_peers *t = &f->t;
	char s[VRD_NAME_MAX + 1];
	uint32_t id = 1;
	size_t want = 0;

	for (int i = 0; i < DP_PEERS_MAX; i++) {
		int idx;

		snprintf(s, sizeof(s), "peer-%d", i);
		idx = dp_peer_add(t, s);
		assert_true(idx >= 0);
		/* 0 to 4 receive keys: the last ones replace older */
		for (int k = 0; k < i % (DP_RX_KEYS + 2); k++) {
			assert_int_equal(add_rx(t, idx, key_new(), id++, k), 0);
		}
		want += (size_t)(i % (DP_RX_KEYS + 2) < DP_RX_KEYS
					 ? i % (DP_RX_KEYS + 2)
					 : DP_RX_KEYS);
		/* and some transmit keys, one of them replaced */
		if (i % 3) {
			dp_peer_set_tx_key(t, idx, key_new(), id++, 0);
			want++;
		}
		if (i % 3 == 2) {
			dp_peer_set_tx_key(t, idx, key_new(), id++, 1);
		}
	}
	assert_int_equal(keys_live, want);
	assert_true(want > 2 * DP_PEERS_MAX);
	freed_reset();
	dp_peers_fini(t);
	f->done = true;
	assert_int_equal(keys_live, 0);
}

/* ---- transmit key ---------------------------------------------------- */

static void test_tx_key(void **state)
{
	struct dp_peers *t = &((struct fx *)*state)->t;
	int a = dp_peer_add(t, "vrA"), b = dp_peer_add(t, "vrB");
	struct dp_key *k1 = key_new(), *k2 = key_new(), *kr = key_new();
	struct dp_peer *p = &t->peer[a];

	assert_null(p->tx_key);
	freed_reset();
	dp_peer_set_tx_key(t, a, k1, 7, 1000);
	freed_none();
	assert_ptr_equal(p->tx_key, k1);
	assert_int_equal(p->tx_key_id, 7);
	assert_int_equal(p->tx_key_since_ms, 1000);
	assert_int_equal(dp_load(&p->tx_counter), 1);

	dp_add(&p->tx_counter, 499);
	assert_int_equal(dp_load(&p->tx_counter), 500);
	dp_peer_set_tx_key(t, a, k2, 8, 2000);
	freed_expect(&k1, 1);
	assert_ptr_equal(p->tx_key, k2);
	assert_int_equal(p->tx_key_id, 8);
	assert_int_equal(p->tx_key_since_ms, 2000);
	assert_int_equal(dp_load(&p->tx_counter), 1);
	assert_null(t->peer[b].tx_key);

	/* transmit ids are ours, receive ids the peer's: apart */
	assert_no_rx(t, 7);
	assert_no_rx(t, 8);
	assert_int_equal(add_rx(t, a, kr, 8, 2001), 0);
	freed_none();
	assert_rx(t, 8, kr, a);
	assert_ptr_equal(p->tx_key, k2);
	assert_int_equal(keys_live, 2);
}

/* ---- expiry ---------------------------------------------------------- */

static void test_expire_rx_keys(void **state)
{
	struct dp_peers *t = &((struct fx *)*state)->t;
	int a = dp_peer_add(t, "vrA"), b = dp_peer_add(t, "vrB");
	struct dp_key *k1 = key_new(), *k2 = key_new(), *k3 = key_new();
	struct dp_key *kb = key_new(), *n1, *n2, *old[2];

	/* nothing to expire on a peer without keys */
	freed_reset();
	dp_peer_expire_rx_keys(t, a, 100000, 10);
	freed_none();

	assert_int_equal(add_rx(t, a, k1, 1, 1000), 0);
	assert_int_equal(add_rx(t, a, k2, 2, 2000), 0);
	assert_int_equal(add_rx(t, a, k3, 3, 3000), 0);
	/* a lone key is never expired, however old */
	assert_int_equal(add_rx(t, b, kb, 9, 10), 0);
	freed_reset();
	dp_peer_expire_rx_keys(t, b, 1000000, 500);
	freed_none();
	assert_rx(t, 9, kb, b);

	/* the newest is 400, then exactly 500 ms old: all stay */
	dp_peer_expire_rx_keys(t, a, 3400, 500);
	dp_peer_expire_rx_keys(t, a, 3500, 500);
	freed_none();
	assert_rx(t, 1, k1, a);
	assert_rx(t, 2, k2, a);
	assert_rx(t, 3, k3, a);

	/* 501 ms: the two older go, the newest stays */
	dp_peer_expire_rx_keys(t, a, 3501, 500);
	old[0] = k1;
	old[1] = k2;
	freed_expect(old, 2);
	assert_no_rx(t, 1);
	assert_no_rx(t, 2);
	assert_rx(t, 3, k3, a);
	assert_rx(t, 9, kb, b);
	dp_peer_expire_rx_keys(t, a, 9999, 500);
	freed_none();

	/* the freed places are taken before the newest is replaced */
	n1 = key_new();
	n2 = key_new();
	assert_int_equal(add_rx(t, a, n1, 4, 4000), 0);
	assert_int_equal(add_rx(t, a, n2, 5, 5000), 0);
	freed_none();
	assert_rx(t, 3, k3, a);
	assert_rx(t, 4, n1, a);
	assert_rx(t, 5, n2, a);

	/* keys as new as the newest are not "older": they stay */
	k1 = key_new();
	dp_peer_remove(t, b);
	b = dp_peer_add(t, "vrB");
	freed_reset();
	assert_int_equal(add_rx(t, b, k1, 20, 7000), 0);
	k2 = key_new();
	assert_int_equal(add_rx(t, b, k2, 21, 7000), 0);
	dp_peer_expire_rx_keys(t, b, 90000, 1);
	freed_none();
	assert_rx(t, 20, k1, b);
	assert_rx(t, 21, k2, b);

	/* only the peer named: the other keeps its old keys */
	dp_peer_expire_rx_keys(t, b, 90000, 1);
	freed_none();
	assert_rx(t, 3, k3, a);
	assert_rx(t, 4, n1, a);
	dp_peer_expire_rx_keys(t, a, 5000 + 10, 10);
	freed_none();
	dp_peer_expire_rx_keys(t, a, 5000 + 11, 10);
	old[0] = k3;
	old[1] = n1;
	freed_expect(old, 2);
	assert_rx(t, 5, n2, a);
	assert_int_equal(keys_live, 3);
}

/* Every peer with all its keys, then replacements until the deleted slots
 * reach the rebuild threshold: the key hash then has almost no empty slot
 * left, and both hits and misses must still come out right. */
static void test_rx_key_hash_saturated(void **state)
{
	struct dp_peers *t = &((struct fx *)*state)->t;
	static uint32_t ids[DP_PEERS_MAX][DP_RX_KEYS];
	char s[VRD_NAME_MAX + 1];
	uint64_t now = 1;
	size_t empty = DP_KEY_SLOTS, min_empty = DP_KEY_SLOTS;
	int step;

	rng_state = 0xfa11;
	for (int i = 0; i < DP_PEERS_MAX; i++) {
		snprintf(s, sizeof(s), "peer-%d", i);
		assert_int_equal(dp_peer_add(t, s), i);
		for (int k = 0; k < DP_RX_KEYS; k++) {
			ids[i][k] = (uint32_t)(i * DP_RX_KEYS + k) << 1;
			assert_int_equal(
				add_rx(t, i, key_new(), ids[i][k], now++), 0);
		}
	}
	/* replace each peer's oldest key, round and round: the oldest is
	 * always the one added DP_RX_KEYS rounds ago. With every peer
	 * full, tombstones pile up: the table must keep a third of its
	 * slots empty, or a forged key id scans far */
	for (step = 0; step < 40000; step++) {
		int i = step % DP_PEERS_MAX;
		int k = (step / DP_PEERS_MAX) % DP_RX_KEYS;
		uint32_t id;

		do {
			id = pick_id(false);
		} while (id < 2 * DP_PEERS_MAX * DP_RX_KEYS);
		assert_int_equal(add_rx(t, i, key_new(), id, now++), 0);
		assert_int_equal(nfreed, 1);
		assert_no_rx(t, ids[i][k]);
		ids[i][k] = id;
		empty = 0;
		for (int j = 0; j < DP_KEY_SLOTS; j++) {
			empty += t->key_slot[j] == 0;
		}
		if (empty < min_empty) {
			min_empty = empty;
		}
	}
	print_message("saturated: %d replacements, down to %zu empty slots, "
		      "%u deleted\n",
		      step, min_empty, t->key_deleted);
	assert_true(min_empty >= DP_KEY_SLOTS / 3);
	for (int i = 0; i < DP_PEERS_MAX; i++) {
		for (int k = 0; k < DP_RX_KEYS; k++) {
			int got = -1;

			assert_non_null(dp_peers_rx_key(t, ids[i][k], &got));
			assert_int_equal(got, i);
		}
	}
	for (int i = 0; i < 256; i++) {
		assert_no_rx(t, pick_id(true));
	}
	assert_int_equal(keys_live, DP_PEERS_MAX * DP_RX_KEYS);
}

/* ---- churn against a shadow model ----------------------------------- */

struct sh_key {
	struct dp_key *key; /* NULL: empty */
	uint32_t id;
	uint64_t since;
};

struct sh_peer {
	bool used;
	char name[VRD_NAME_MAX + 1];
	struct sh_key rx[DP_RX_KEYS];
	struct dp_key *tx;
};

#define DEAD_MAX 256
#define DEAD_CHECK 32 /* dead ids looked up per step */

struct shadow {
	struct sh_peer peer[DP_PEERS_MAX];
	size_t npeers, nkeys, ntx;
	uint32_t dead[DEAD_MAX]; /* ids once live, none live now */
	size_t ndead, dead_next;
	size_t min_empty; /* fewest empty key hash slots seen */
	uint32_t names; /* names made so far */
	uint32_t rebuilds;
	uint32_t max_deleted;
	uint64_t now;
};

/* The peer index holding id, or -1. */
static int sh_owner(const struct shadow *s, uint32_t id)
{
	for (int i = 0; i < DP_PEERS_MAX; i++) {
		for (int k = 0; s->peer[i].used && k < DP_RX_KEYS; k++) {
			if (s->peer[i].rx[k].key && s->peer[i].rx[k].id == id) {
				return i;
			}
		}
	}
	return -1;
}

static void sh_dead_put(struct shadow *s, uint32_t id)
{
	if (s->ndead < DEAD_MAX) {
		s->dead[s->ndead++] = id;
	} else {
		s->dead[rng_below(DEAD_MAX)] = id;
	}
}

static void sh_dead_del(struct shadow *s, uint32_t id)
{
	for (size_t i = 0; i < s->ndead; i++) {
		if (s->dead[i] == id) {
			s->dead[i] = s->dead[--s->ndead];
			return;
		}
	}
}

static int sh_random_peer(const struct shadow *s)
{
	int i;

	if (!s->npeers) {
		return -1;
	}
	do {
		i = (int)rng_below(DP_PEERS_MAX);
	} while (!s->peer[i].used);
	return i;
}

static void churn_add_peer(struct dp_peers *t, struct shadow *s)
{
	char name[VRD_NAME_MAX + 1];
	int idx;

	snprintf(name, sizeof(name), "churn-%u", s->names++);
	idx = dp_peer_add(t, name);
	if (s->npeers == DP_PEERS_MAX) {
		assert_int_equal(idx, -ENOSPC);
		return;
	}
	assert_true(idx >= 0 && idx < DP_PEERS_MAX);
	assert_false(s->peer[idx].used);
	memset(&s->peer[idx], 0, sizeof(s->peer[idx]));
	s->peer[idx].used = true;
	snprintf(s->peer[idx].name, sizeof(s->peer[idx].name), "%s", name);
	s->npeers++;
}

static void churn_remove_peer(struct dp_peers *t, struct shadow *s, int idx)
{
	struct sh_peer *p = &s->peer[idx];
	struct dp_key *want[DP_RX_KEYS + 1];
	size_t n = 0;
	char name[VRD_NAME_MAX + 1];

	for (int k = 0; k < DP_RX_KEYS; k++) {
		if (p->rx[k].key) {
			want[n++] = p->rx[k].key;
			sh_dead_put(s, p->rx[k].id);
			s->nkeys--;
		}
	}
	if (p->tx) {
		want[n++] = p->tx;
		s->ntx--;
	}
	freed_reset();
	dp_peer_remove(t, idx);
	freed_expect(want, n);
	snprintf(name, sizeof(name), "%s", p->name);
	memset(p, 0, sizeof(*p));
	s->npeers--;
	assert_int_equal(dp_peer_find(t, name), -1);
	/* sometimes it comes straight back under its old name */
	if (rng_below(2)) {
		int again = dp_peer_add(t, name);

		assert_true(again >= 0 && !s->peer[again].used);
		s->peer[again].used = true;
		snprintf(s->peer[again].name, sizeof(s->peer[again].name), "%s",
			 name);
		s->npeers++;
	}
}

static void churn_add_rx(struct dp_peers *t, struct shadow *s, int idx)
{
	struct sh_peer *p = &s->peer[idx];
	struct dp_key *key = key_new();
	uint32_t id, before = t->key_deleted;
	int slot = -1, owner, rc;
	uint32_t r = rng_below(20);

	if (r == 0 && s->nkeys) {
		/* a live id, maybe this peer's own */
		int o = sh_random_peer(s);
		int k = (int)rng_below(DP_RX_KEYS);

		while (!s->peer[o].rx[k].key) {
			o = sh_random_peer(s);
			k = (int)rng_below(DP_RX_KEYS);
		}
		id = s->peer[o].rx[k].id;
	} else if (r == 1 && s->ndead) {
		id = s->dead[rng_below((uint32_t)s->ndead)];
	} else {
		id = pick_id(false);
	}
	owner = sh_owner(s, id);
	rc = add_rx(t, idx, key, id, s->now);
	if (owner >= 0) {
		assert_int_equal(rc, -EEXIST);
		freed_none();
		dp_key_destroy(key);
		freed_expect(&key, 1);
		return;
	}
	assert_int_equal(rc, 0);
	for (int k = 0; k < DP_RX_KEYS && slot < 0; k++) {
		if (!p->rx[k].key) {
			slot = k;
		}
	}
	if (slot < 0) {
		slot = 0;
		for (int k = 1; k < DP_RX_KEYS; k++) {
			if (p->rx[k].since < p->rx[slot].since) {
				slot = k;
			}
		}
		freed_expect(&p->rx[slot].key, 1);
		sh_dead_put(s, p->rx[slot].id);
		s->nkeys--;
	} else {
		freed_none();
	}
	sh_dead_del(s, id);
	p->rx[slot] = (struct sh_key){.key = key, .id = id, .since = s->now};
	s->nkeys++;
	/* the deleted slots never pass a quarter after an add */
	assert_true(t->key_deleted <= DP_KEY_SLOTS / 4);
	if (before >= DP_KEY_SLOTS / 4 && t->key_deleted < before / 2) {
		s->rebuilds++;
	}
}

static void churn_set_tx(struct dp_peers *t, struct shadow *s, int idx)
{
	struct sh_peer *p = &s->peer[idx];
	struct dp_key *key = key_new();

	freed_reset();
	dp_peer_set_tx_key(t, idx, key, (uint32_t)rng(), s->now);
	if (p->tx) {
		freed_expect(&p->tx, 1);
	} else {
		freed_none();
		s->ntx++;
	}
	p->tx = key;
	assert_int_equal(dp_load(&t->peer[idx].tx_counter), 1);
}

static void churn_expire(struct dp_peers *t, struct shadow *s, int idx)
{
	struct sh_peer *p = &s->peer[idx];
	struct dp_key *want[DP_RX_KEYS];
	uint64_t max_age = rng_below(60), newest = 0;
	size_t n = 0;

	for (int k = 0; k < DP_RX_KEYS; k++) {
		if (p->rx[k].key && p->rx[k].since > newest) {
			newest = p->rx[k].since;
		}
	}
	freed_reset();
	dp_peer_expire_rx_keys(t, idx, s->now, max_age);
	for (int k = 0; k < DP_RX_KEYS; k++) {
		if (p->rx[k].key && p->rx[k].since < newest &&
		    s->now - newest > max_age) {
			want[n++] = p->rx[k].key;
			sh_dead_put(s, p->rx[k].id);
			memset(&p->rx[k], 0, sizeof(p->rx[k]));
			s->nkeys--;
		}
	}
	freed_expect(want, n);
}

/* The table against the shadow: every live id, misses, the peers, the
 * hash's own bookkeeping, and the number of keys alive. */
static void churn_check(const struct dp_peers *t, struct shadow *s)
{
	size_t live = 0, deleted = 0, empty = 0, nkeys = 0;

	assert_int_equal(keys_live, s->nkeys + s->ntx);
	assert_int_equal(t->npeers, s->npeers);
	for (int i = 0; i < DP_PEERS_MAX; i++) {
		const struct sh_peer *p = &s->peer[i];
		size_t n = 0;

		assert_int_equal(t->peer[i].used, p->used);
		if (!p->used) {
			continue;
		}
		assert_int_equal(dp_peer_find(t, p->name), i);
		assert_ptr_equal(t->peer[i].tx_key, p->tx);
		for (int k = 0; k < DP_RX_KEYS; k++) {
			const struct dp_rx_key *rk = &t->peer[i].rx[k];

			if (!p->rx[k].key) {
				continue;
			}
			n++;
			assert_rx(t, p->rx[k].id, p->rx[k].key, i);
			for (int j = 0;; j++) {
				assert_true(j < DP_RX_KEYS);
				rk = &t->peer[i].rx[j];
				if (rk->key == p->rx[k].key) {
					break;
				}
			}
			assert_int_equal(rk->id, p->rx[k].id);
			assert_int_equal(rk->since_ms, p->rx[k].since);
		}
		for (int k = 0; k < DP_RX_KEYS; k++) {
			nkeys += t->peer[i].rx[k].key != NULL;
			n -= t->peer[i].rx[k].key != NULL;
		}
		assert_int_equal(n, 0);
	}
	assert_int_equal(nkeys, s->nkeys);
	for (int k = 0; k < DP_KEY_SLOTS; k++) {
		live += t->key_slot[k] != 0 && t->key_slot[k] != UINT32_MAX;
		deleted += t->key_slot[k] == UINT32_MAX;
		empty += t->key_slot[k] == 0;
	}
	assert_int_equal(live, s->nkeys);
	assert_int_equal(deleted, t->key_deleted);

	if (empty < s->min_empty) {
		s->min_empty = empty;
	}
	/* ids once live: a rotating share of them each step */
	for (size_t i = 0; i < s->ndead && i < DEAD_CHECK; i++) {
		assert_no_rx(t, s->dead[(s->dead_next + i) % s->ndead]);
	}
	s->dead_next += DEAD_CHECK;
	/* ids never added */
	for (int i = 0; i < 8; i++) {
		assert_no_rx(t, pick_id(true));
	}
}

static struct shadow shadow;

static void churn(struct dp_peers *t, size_t peers, int steps, uint64_t seed,
		  bool fill, uint32_t min_rebuilds)
{
	struct shadow *s = &shadow;

	memset(s, 0, sizeof(*s));
	s->min_empty = DP_KEY_SLOTS;
	rng_state = seed;
	s->now = 1000;
	while (s->npeers < peers) {
		churn_add_peer(t, s);
	}
	for (int i = 0; fill && i < DP_PEERS_MAX; i++) {
		while (s->peer[i].used && !s->peer[i].rx[DP_RX_KEYS - 1].key) {
			s->now++;
			churn_add_rx(t, s, i);
		}
	}
	if (fill) {
		churn_check(t, s);
		assert_int_equal(s->nkeys, peers * DP_RX_KEYS);
	}
	for (int step = 0; step < steps; step++) {
		uint32_t op = rng_below(100);
		int idx = sh_random_peer(s);

		s->now += 1 + rng_below(5);
		if (idx < 0) {
			churn_add_peer(t, s);
		} else if (op < 3) {
			/* below the target, or full to see -ENOSPC */
			if (s->npeers < peers || s->npeers == DP_PEERS_MAX) {
				churn_add_peer(t, s);
			} else {
				churn_add_rx(t, s, idx);
			}
		} else if (op < 6) {
			churn_remove_peer(t, s, idx);
		} else if (op < 14) {
			churn_set_tx(t, s, idx);
		} else if (op < 22) {
			churn_expire(t, s, idx);
		} else {
			churn_add_rx(t, s, idx);
		}
		churn_check(t, s);
		if (t->key_deleted > s->max_deleted) {
			s->max_deleted = t->key_deleted;
		}
	}
	print_message("churn: %d steps, %zu peers, %zu keys, %u rebuilds, "
		      "up to %u deleted and down to %zu empty slots\n",
		      steps, s->npeers, s->nkeys, s->rebuilds, s->max_deleted,
		      s->min_empty);
	/* the deleted slots did pile up and the rebuild ran */
	assert_true(s->rebuilds >= min_rebuilds);
}

/* A few hundred peers: the key hash a quarter full. */
static void test_churn_sparse(void **state)
{
	churn(&((struct fx *)*state)->t, 256, 20000, 0x5eed, false, 3);
}

/* All DP_PEERS_MAX peers with all their keys: the key hash three
 * quarters full, so with up to a quarter deleted few empty slots are left
 * and a miss may walk the whole table. */
static void test_churn_full(void **state)
{
	churn(&((struct fx *)*state)->t, DP_PEERS_MAX, 8000, 0xf011, true, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_peer_add_find_remove,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_peer_name_collisions,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_peer_full, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rx_key_lookup, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rx_key_eexist, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rx_key_replace_oldest,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove_peer_keys, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fini_frees_all, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_tx_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expire_rx_keys, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rx_key_hash_saturated,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_churn_sparse, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_churn_full, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
