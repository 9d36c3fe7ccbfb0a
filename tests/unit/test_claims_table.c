/* tables/claims: the mobility-claims table in LMDB, and its codec. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gossip/claim.h"
#include "tables/codec.h"
#include "tables/tables.h"

#define IP(a, b, c, d)                                                    \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | \
	 (uint32_t)(d))

struct fixture {
	char root[64]; /* mkdtemp */
	char dir[128]; /* root/state */
};

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f) {
		return -1;
	}
	strcpy(f->root, "/tmp/vrd-claims-XXXXXX");
	if (!mkdtemp(f->root)) {
		free(f);
		return -1;
	}
	snprintf(f->dir, sizeof(f->dir), "%s/state", f->root);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	nftw(f->root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

static struct tables *open_rw(const char *dir)
{
	struct tables_options opt = {.router_name = "vrA"};
	struct tables *t = NULL;

	assert_int_equal(tables_open(&t, dir, &opt), 0);
	assert_non_null(t);
	return t;
}

static struct tables_claim_entry entry(uint32_t vn, uint32_t ip,
				       const char *router, uint64_t seq)
{
	struct tables_claim_entry e;

	memset(&e, 0, sizeof(e));
	e.vn = vn;
	e.ip = ip;
	e.mac = (struct vrd_mac){{0x52, 0x54, 0, 0, (uint8_t)vn, (uint8_t)ip}};
	snprintf(e.router, sizeof(e.router), "%s", router);
	e.mobility_seq = seq;
	e.seq_max = seq;
	return e;
}

/* An entry with every field at an edge: a 32-byte name, a full move
 * history, values that need all 64 bits. */
static struct tables_claim_entry entry_full(uint32_t vn, uint32_t ip)
{
	struct tables_claim_entry e = entry(vn, ip, "", 0);
	unsigned i;

	memset(e.router, 'r', VRD_NAME_MAX);
	e.router[0] = 'Z';
	e.router[VRD_NAME_MAX] = '\0';
	e.mac = (struct vrd_mac){{0x02, 0xff, 0x80, 0x01, 0xfe, 0x7f}};
	e.mobility_seq = UINT64_MAX - 1;
	e.seq_max = UINT64_MAX;
	e.frozen_until_ms = 0x8000000000000001ULL;
	e.nmoves = TABLES_CLAIM_MOVES_MAX;
	for (i = 0; i < TABLES_CLAIM_MOVES_MAX; i++) {
		e.moves_ms[i] = 0x0102030405060708ULL * (i + 1) + i;
	}
	e.flags = TABLES_CLAIM_LAPSED;
	memset(e.prev_router, 'p', VRD_NAME_MAX);
	e.prev_router[VRD_NAME_MAX] = '\0';
	e.moved_ms = 0x7000000000000003ULL;
	e.ncontests = 0xfe;
	e.contest_ms = 0x6000000000000005ULL;
	memset(e.frozen_at, 'f', VRD_NAME_MAX);
	e.frozen_at[VRD_NAME_MAX] = '\0';
	return e;
}

static void assert_entry_equal(const struct tables_claim_entry *a,
			       const struct tables_claim_entry *b)
{
	unsigned i;

	assert_int_equal(a->vn, b->vn);
	assert_int_equal(a->ip, b->ip);
	assert_memory_equal(a->mac.b, b->mac.b, 6);
	assert_string_equal(a->router, b->router);
	assert_true(a->mobility_seq == b->mobility_seq);
	assert_true(a->seq_max == b->seq_max);
	assert_true(a->frozen_until_ms == b->frozen_until_ms);
	assert_int_equal(a->nmoves, b->nmoves);
	for (i = 0; i < a->nmoves; i++) {
		assert_true(a->moves_ms[i] == b->moves_ms[i]);
	}
	assert_int_equal(a->flags, b->flags);
	assert_string_equal(a->prev_router, b->prev_router);
	assert_true(a->moved_ms == b->moved_ms);
	assert_int_equal(a->ncontests, b->ncontests);
	assert_true(a->contest_ms == b->contest_ms);
	assert_string_equal(a->frozen_at, b->frozen_at);
}

/* ---- write functions ------------------------------------------------ */

static int put_claim(struct tables_txn *txn, void *arg)
{
	return tables_claim_put(txn, arg);
}

struct key {
	uint32_t vn, ip;
};

static int del_claim(struct tables_txn *txn, void *arg)
{
	const struct key *k = arg;

	return tables_claim_del(txn, k->vn, k->ip);
}

static int get_claim(struct tables *t, uint32_t vn, uint32_t ip,
		     struct tables_claim_entry *out)
{
	struct tables_txn *txn;
	int rc;

	assert_int_equal(tables_read_begin(t, &txn), 0);
	memset(out, 0, sizeof(*out));
	rc = tables_claim_get(txn, vn, ip, out);
	tables_read_end(txn);
	return rc;
}

struct collect {
	struct tables_claim_entry e[16];
	unsigned n;
	unsigned stop_after; /* 0: never */
};

static int collect_one(const struct tables_claim_entry *e, void *arg)
{
	struct collect *c = arg;

	assert_true(c->n < 16);
	c->e[c->n++] = *e;
	return c->stop_after && c->n == c->stop_after ? 7 : 0;
}

static int walk(struct tables *t, uint32_t vn, struct collect *c)
{
	struct tables_txn *txn;
	int rc;

	c->n = 0;
	assert_int_equal(tables_read_begin(t, &txn), 0);
	rc = tables_claim_foreach(txn, vn, collect_one, c);
	tables_read_end(txn);
	return rc;
}

/* ---- tests ---------------------------------------------------------- */

static void test_put_get_del(void **state)
{
	struct fixture *f = *state;
	struct tables *t = open_rw(f->dir);
	struct tables_claim_entry e = entry(1, IP(10, 0, 0, 5), "vrB", 3), out;
	struct key k = {1, IP(10, 0, 0, 5)};
	struct tables_txn *txn;
	uint64_t n;

	assert_int_equal(get_claim(t, 1, k.ip, &out), -ENOENT);
	assert_int_equal(tables_write(t, put_claim, &e), 0);
	assert_int_equal(get_claim(t, 1, k.ip, &out), 0);
	assert_entry_equal(&out, &e);
	/* replace */
	e.mobility_seq = 4;
	e.seq_max = 9;
	snprintf(e.router, sizeof(e.router), "vrC");
	e.nmoves = 1;
	e.moves_ms[0] = 1234;
	assert_int_equal(tables_write(t, put_claim, &e), 0);
	assert_int_equal(get_claim(t, 1, k.ip, &out), 0);
	assert_entry_equal(&out, &e);
	assert_int_equal(tables_read_begin(t, &txn), 0);
	assert_int_equal(tables_claim_count(txn, &n), 0);
	assert_int_equal(n, 1);
	/* no writes through a read transaction */
	assert_int_equal(tables_claim_put(txn, &e), -EROFS);
	assert_int_equal(tables_claim_del(txn, 1, k.ip), -EROFS);
	tables_read_end(txn);
	/* delete */
	assert_int_equal(tables_write(t, del_claim, &k), 0);
	assert_int_equal(get_claim(t, 1, k.ip, &out), -ENOENT);
	assert_int_equal(tables_write(t, del_claim, &k), -ENOENT);
	tables_close(t);
}

static void test_put_invalid(void **state)
{
	struct fixture *f = *state;
	struct tables *t = open_rw(f->dir);
	struct tables_claim_entry e = entry(1, 2, "", 3), out;

	assert_int_equal(tables_write(t, put_claim, &e), -EINVAL);
	e = entry(1, 2, "vrA", 3);
	e.nmoves = TABLES_CLAIM_MOVES_MAX + 1;
	assert_int_equal(tables_write(t, put_claim, &e), -EINVAL);
	e.nmoves = 0;
	memset(e.router, 'a', sizeof(e.router)); /* 33 bytes, no NUL */
	assert_int_equal(tables_write(t, put_claim, &e), -EINVAL);
	assert_int_equal(get_claim(t, 1, 2, &out), -ENOENT);
	tables_close(t);
}

static void test_full_ring_round_trip(void **state)
{
	struct fixture *f = *state;
	struct tables *t = open_rw(f->dir);
	struct tables_claim_entry e = entry_full(UINT32_MAX - 1, UINT32_MAX);
	struct tables_claim_entry out;

	assert_int_equal(tables_write(t, put_claim, &e), 0);
	assert_int_equal(get_claim(t, e.vn, e.ip, &out), 0);
	assert_entry_equal(&out, &e);
	tables_close(t);
}

static void test_vn_isolation(void **state)
{
	struct fixture *f = *state;
	struct tables *t = open_rw(f->dir);
	struct tables_claim_entry e[] = {
		entry(2, IP(10, 0, 0, 9), "vrB", 1),
		entry(1, IP(10, 0, 0, 5), "vrA", 1),
		entry(2, IP(10, 0, 0, 5), "vrC", 2),
		entry(0, IP(10, 0, 0, 5), "vrD", 3),
		entry(1, IP(9, 255, 255, 255), "vrE", 4),
		entry(3, IP(10, 0, 0, 5), "vrF", 5),
	};
	struct key k = {2, IP(10, 0, 0, 5)};
	struct tables_claim_entry out;
	struct collect c = {0};
	unsigned i;

	for (i = 0; i < sizeof(e) / sizeof(e[0]); i++) {
		assert_int_equal(tables_write(t, put_claim, &e[i]), 0);
	}
	/* the same IP in four VNs: four owners */
	assert_int_equal(get_claim(t, 0, IP(10, 0, 0, 5), &out), 0);
	assert_string_equal(out.router, "vrD");
	assert_int_equal(get_claim(t, 1, IP(10, 0, 0, 5), &out), 0);
	assert_string_equal(out.router, "vrA");
	assert_int_equal(get_claim(t, 2, IP(10, 0, 0, 5), &out), 0);
	assert_string_equal(out.router, "vrC");
	assert_int_equal(get_claim(t, 4, IP(10, 0, 0, 5), &out), -ENOENT);
	/* foreach one VN: its entries only, in IP order */
	assert_int_equal(walk(t, 1, &c), 0);
	assert_int_equal(c.n, 2);
	assert_entry_equal(&c.e[0], &e[4]);
	assert_entry_equal(&c.e[1], &e[1]);
	assert_int_equal(walk(t, 2, &c), 0);
	assert_int_equal(c.n, 2);
	assert_entry_equal(&c.e[0], &e[2]);
	assert_entry_equal(&c.e[1], &e[0]);
	assert_int_equal(walk(t, 7, &c), 0);
	assert_int_equal(c.n, 0);
	/* every VN, in (vn, ip) order */
	assert_int_equal(walk(t, TABLES_VN_ALL, &c), 0);
	assert_int_equal(c.n, 6);
	assert_entry_equal(&c.e[0], &e[3]);
	assert_entry_equal(&c.e[1], &e[4]);
	assert_entry_equal(&c.e[2], &e[1]);
	assert_entry_equal(&c.e[3], &e[2]);
	assert_entry_equal(&c.e[4], &e[0]);
	assert_entry_equal(&c.e[5], &e[5]);
	/* the callback stops the walk */
	c.stop_after = 2;
	assert_int_equal(walk(t, TABLES_VN_ALL, &c), 7);
	assert_int_equal(c.n, 2);
	c.stop_after = 0;
	/* deleting in one VN leaves the others */
	assert_int_equal(tables_write(t, del_claim, &k), 0);
	assert_int_equal(get_claim(t, 2, IP(10, 0, 0, 5), &out), -ENOENT);
	assert_int_equal(get_claim(t, 1, IP(10, 0, 0, 5), &out), 0);
	assert_int_equal(get_claim(t, 3, IP(10, 0, 0, 5), &out), 0);
	assert_int_equal(walk(t, 2, &c), 0);
	assert_int_equal(c.n, 1);
	tables_close(t);
}

static void test_persist_reopen(void **state)
{
	struct fixture *f = *state;
	struct tables_options ro = {.read_only = true};
	struct tables_claim_entry full = entry_full(5, IP(192, 0, 2, 7));
	struct tables_claim_entry e = entry(5, IP(192, 0, 2, 8), "vrB", 11);
	struct tables_claim_entry out;
	struct tables *t = open_rw(f->dir);
	struct collect c = {0};

	assert_int_equal(tables_write(t, put_claim, &full), 0);
	assert_int_equal(tables_write(t, put_claim, &e), 0);
	tables_close(t);

	t = open_rw(f->dir);
	assert_int_equal(get_claim(t, 5, full.ip, &out), 0);
	assert_entry_equal(&out, &full);
	assert_int_equal(get_claim(t, 5, e.ip, &out), 0);
	assert_entry_equal(&out, &e);
	tables_close(t);

	/* and read-only (vrctl -d) */
	t = NULL;
	assert_int_equal(tables_open(&t, f->dir, &ro), 0);
	assert_int_equal(walk(t, 5, &c), 0);
	assert_int_equal(c.n, 2);
	assert_entry_equal(&c.e[0], &full);
	assert_entry_equal(&c.e[1], &e);
	tables_close(t);
}

/* The decision's state through the table and a restart: the next claim's
 * seq is above every seq used or seen, and a freeze is still a freeze. */
struct decide_step {
	uint32_t vn, ip;
	struct gossip_claim_in in;
	uint64_t now;
	enum gossip_claim_verdict verdict;
};

static int do_decide(struct tables_txn *txn, void *arg)
{
	const struct gossip_claim_params p = {.moves_max = 5,
					      .window_ms = 180000};
	struct decide_step *s = arg;
	struct gossip_claim_state st;
	struct tables_claim_entry e;
	bool exists;
	int rc;

	rc = tables_claim_get(txn, s->vn, s->ip, &e);
	if (rc && rc != -ENOENT) {
		return rc;
	}
	exists = rc == 0;
	if (exists) {
		rc = gossip_claim_state_from(&st, &e);
		if (rc) {
			return rc;
		}
	}
	s->verdict = gossip_claim_decide(&st, exists, &s->in, "vrA", s->now, &p,
					 NULL);
	if (s->verdict == GOSSIP_CLAIM_REJECT_INVALID) {
		return 0;
	}
	gossip_claim_state_to(&e, s->vn, s->ip, &st);
	return tables_claim_put(txn, &e);
}

static uint64_t next_seq(struct tables *t, uint32_t vn, uint32_t ip)
{
	struct tables_claim_entry e;
	struct gossip_claim_state st;
	int rc = get_claim(t, vn, ip, &e);

	if (rc == -ENOENT) {
		return gossip_claim_next_seq(NULL);
	}
	assert_int_equal(rc, 0);
	assert_int_equal(gossip_claim_state_from(&st, &e), 0);
	return gossip_claim_next_seq(&st);
}

static void test_restart_seq_and_freeze(void **state)
{
	struct fixture *f = *state;
	struct decide_step s = {.vn = 3, .ip = IP(10, 1, 0, 1)};
	struct tables_claim_entry e;
	uint64_t seq, highest = 0, now = 1700000000000ULL;
	struct tables *t = open_rw(f->dir);
	unsigned i;

	/* the host flaps between us (vrA) and vrB, with a restart of
	 * ours after every step, until it freezes */
	for (i = 0; i < 10; i++) {
		seq = next_seq(t, s.vn, s.ip);
		assert_true(seq > highest);
		highest = seq;
		s.in = (struct gossip_claim_in){
			.router = i % 2 ? "vrB" : "vrA",
			.mac = {{0x52, 0x54, 0, 0, 0, 1}},
			.seq = seq};
		s.now = now + i * 2000; /* GOSSIP_CLAIM_VERIFY_MS: no contest */
		assert_int_equal(tables_write(t, do_decide, &s), 0);
		tables_close(t);
		t = open_rw(f->dir);
		if (s.verdict == GOSSIP_CLAIM_ACCEPT_FREEZE) {
			break;
		}
		assert_int_equal(s.verdict, i == 0 ? GOSSIP_CLAIM_ACCEPT_NEW
						   : GOSSIP_CLAIM_ACCEPT_MOVE);
	}
	/* five moves after the first claim; the sixth is taken, frozen at
	 * its claimer */
	assert_int_equal(i, 6);
	assert_int_equal(get_claim(t, s.vn, s.ip, &e), 0);
	assert_true(e.frozen_until_ms == s.now + 180000);
	assert_int_equal(e.nmoves, 6);
	assert_string_equal(e.router, "vrA");
	assert_string_equal(e.frozen_at, "vrA");
	/* no seq reused after a restart */
	assert_true(next_seq(t, s.vn, s.ip) == highest + 1);
	/* still frozen at vrA after the restart: another router may not
	 * claim it (a claim made anyway is decided by the order, and the
	 * freeze stays at vrA) */
	{
		struct gossip_claim_state st;

		assert_int_equal(gossip_claim_state_from(&st, &e), 0);
		assert_false(gossip_claim_may_claim(&st, "vrC", s.now + 1000));
		assert_true(gossip_claim_may_claim(&st, "vrA", s.now + 1000));
	}
	s.in.router = "vrC";
	s.in.seq = next_seq(t, s.vn, s.ip);
	s.now += 1000;
	assert_int_equal(tables_write(t, do_decide, &s), 0);
	assert_int_equal(s.verdict, GOSSIP_CLAIM_ACCEPT_MOVE);
	tables_close(t);
	t = open_rw(f->dir);
	assert_int_equal(get_claim(t, s.vn, s.ip, &e), 0);
	assert_string_equal(e.frozen_at, "vrA");
	assert_int_equal(e.nmoves, 6);
	s.in.router = "vrA";
	/* thawed once the window has passed: the history starts over */
	s.in.seq = next_seq(t, s.vn, s.ip);
	assert_true(s.in.seq > highest + 1);
	s.now = e.frozen_until_ms;
	assert_int_equal(tables_write(t, do_decide, &s), 0);
	assert_int_equal(s.verdict, GOSSIP_CLAIM_ACCEPT_MOVE);
	assert_int_equal(get_claim(t, s.vn, s.ip, &e), 0);
	assert_int_equal(e.nmoves, 1);
	assert_true(e.frozen_until_ms == 0);
	assert_string_equal(e.frozen_at, "");
	assert_string_equal(e.router, "vrA");
	tables_close(t);
}

/* An environment made before the claims table existed: a writer adds it;
 * a reader alone cannot. */
static void test_older_environment(void **state)
{
	struct fixture *f = *state;
	struct tables_options ro = {.read_only = true};
	struct tables_claim_entry e = entry(1, 2, "vrA", 1), out;
	struct tables *t = open_rw(f->dir);
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;

	tables_close(t);
	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 16), 0);
	assert_int_equal(mdb_env_open(env, f->dir, 0, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "claims", 0, &dbi), 0);
	assert_int_equal(mdb_drop(txn, dbi, 1), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);

	t = NULL;
	assert_int_equal(tables_open(&t, f->dir, &ro), -EPROTO);
	assert_null(t);
	t = open_rw(f->dir);
	assert_int_equal(tables_write(t, put_claim, &e), 0);
	tables_close(t);
	assert_int_equal(tables_open(&t, f->dir, &ro), 0);
	assert_int_equal(get_claim(t, 1, 2, &out), 0);
	assert_entry_equal(&out, &e);
	tables_close(t);
}

/* ---- codec ---------------------------------------------------------- */

static void test_codec(void **state)
{
	struct tables_claim_entry e = entry_full(1, 2), out;
	uint8_t buf[TABLES_VAL_CLAIM_MAX + 8], key[TABLES_KEY_CLAIM_LEN];
	uint32_t vn, ip;
	size_t len, cut;

	(void)state;
	tables_codec_claim_key(key, 0x01020304, 0x0a000005);
	assert_memory_equal(key, "\x01\x02\x03\x04\x0a\x00\x00\x05", 8);
	assert_int_equal(tables_codec_claim_key_decode(&vn, &ip, key, 8), 0);
	assert_int_equal(vn, 0x01020304);
	assert_int_equal(ip, 0x0a000005);
	assert_int_equal(tables_codec_claim_key_decode(&vn, &ip, key, 7),
			 -EBADMSG);
	assert_int_equal(tables_codec_claim_key_decode(&vn, &ip, key, 9),
			 -EBADMSG);

	/* the largest value is TABLES_VAL_CLAIM_MAX */
	assert_int_equal(tables_codec_claim_encode(buf, &len, &e), 0);
	assert_int_equal(len, TABLES_VAL_CLAIM_MAX);
	assert_int_equal(buf[0], TABLES_CODEC_VERSION);
	memset(&out, 0, sizeof(out));
	out.vn = 1, out.ip = 2;
	assert_int_equal(tables_codec_claim_decode(&out, buf, len), 0);
	assert_entry_equal(&out, &e);
	/* every truncation and a trailing byte are refused */
	for (cut = 0; cut < len; cut++) {
		assert_int_equal(tables_codec_claim_decode(&out, buf, cut),
				 -EBADMSG);
	}
	buf[len] = 0;
	assert_int_equal(tables_codec_claim_decode(&out, buf, len + 1),
			 -EBADMSG);
	/* the smallest: one-byte name, no moves */
	e = entry(1, 2, "a", 1);
	assert_int_equal(tables_codec_claim_encode(buf, &len, &e), 0);
	assert_int_equal(len, TABLES_VAL_CLAIM_MIN);
	assert_int_equal(tables_codec_claim_decode(&out, buf, len), 0);
	assert_string_equal(out.router, "a");
	assert_int_equal(out.nmoves, 0);
	/* a bad version, an empty name, a NUL in the name, nmoves that do
	 * not match the length or exceed the capacity */
	buf[0] = TABLES_CODEC_VERSION + 1;
	assert_int_equal(tables_codec_claim_decode(&out, buf, len), -EBADMSG);
	buf[0] = TABLES_CODEC_VERSION;
	buf[32] = 0;
	assert_int_equal(tables_codec_claim_decode(&out, buf, len), -EBADMSG);
	buf[32] = 'a';
	buf[33] = 1; /* nmoves 1, no timestamp */
	assert_int_equal(tables_codec_claim_decode(&out, buf, len), -EBADMSG);
	buf[33] = 0;
	buf[31] = 0; /* router length 0 */
	assert_int_equal(tables_codec_claim_decode(&out, buf, len - 1),
			 -EBADMSG);
	e = entry_full(1, 2);
	assert_int_equal(tables_codec_claim_encode(buf, &len, &e), 0);
	buf[1 + 6 + 24 + 1 + VRD_NAME_MAX] = TABLES_CLAIM_MOVES_MAX + 1;
	assert_int_equal(tables_codec_claim_decode(&out, buf, len), -EBADMSG);
	/* a value written before issue 11: the moves end it, the new
	 * fields read as 0 */
	e = entry(1, 2, "a", 1);
	e.nmoves = 1;
	e.moves_ms[0] = 77;
	assert_int_equal(tables_codec_claim_encode(buf, &len, &e), 0);
	buf[33] &= (uint8_t)~TABLES_CODEC_CLAIM_EXT;
	len = 34 + 8;
	assert_int_equal(tables_codec_claim_decode(&out, buf, len), 0);
	assert_int_equal(out.nmoves, 1);
	assert_true(out.moves_ms[0] == 77);
	assert_int_equal(out.flags, 0);
	assert_string_equal(out.prev_router, "");
	assert_true(out.moved_ms == 0 && out.contest_ms == 0);
	/* a value written before frozen_at: the flag is off and the
	 * contest time ends it */
	e = entry(1, 2, "a", 1);
	e.ncontests = 2;
	e.contest_ms = 99;
	assert_int_equal(tables_codec_claim_encode(buf, &len, &e), 0);
	assert_true(buf[34] & TABLES_CODEC_CLAIM_FROZEN_AT);
	buf[34] &= (uint8_t)~TABLES_CODEC_CLAIM_FROZEN_AT;
	assert_int_equal(tables_codec_claim_decode(&out, buf, len - 1), 0);
	assert_true(out.contest_ms == 99);
	assert_int_equal(out.flags, 0);
	assert_string_equal(out.frozen_at, "");
	assert_int_equal(tables_codec_claim_decode(&out, buf, len), -EBADMSG);
	/* encoder refusals */
	e.nmoves = TABLES_CLAIM_MOVES_MAX + 1;
	assert_int_equal(tables_codec_claim_encode(buf, &len, &e), -EINVAL);
	e = entry(1, 2, "", 1);
	assert_int_equal(tables_codec_claim_encode(buf, &len, &e), -EINVAL);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_put_get_del),	      T(test_put_invalid),
		T(test_full_ring_round_trip), T(test_vn_isolation),
		T(test_persist_reopen),	      T(test_restart_seq_and_freeze),
		T(test_older_environment),    cmocka_unit_test(test_codec),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
