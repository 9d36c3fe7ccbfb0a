/* gossip/claim: the mobility-claim decision, pure (no LMDB, no sockets). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "gossip/claim.h"

#define WINDOW 180000
#define SELF "vrS"

static const struct gossip_claim_params params = {.moves_max = 5,
						  .window_ms = WINDOW};

static struct vrd_mac mac_n(uint8_t last)
{
	struct vrd_mac m = {{0x52, 0x54, 0x00, 0x12, 0x34, last}};

	return m;
}

static struct gossip_claim_in claim(const char *router, uint8_t mac,
				    uint64_t seq)
{
	struct gossip_claim_in in = {
		.router = router, .mac = mac_n(mac), .seq = seq};

	return in;
}

static enum gossip_claim_verdict decide(struct gossip_claim_state *st,
					bool exists, const char *router,
					uint8_t mac, uint64_t seq, uint64_t now,
					bool *we_lost)
{
	struct gossip_claim_in in = claim(router, mac, seq);

	return gossip_claim_decide(st, exists, &in, SELF, now, &params,
				   we_lost);
}

/* A host owned by router with seq: created through the decision (a first
 * claim takes seq 1..GOSSIP_CLAIM_SEQ_FIRST_MAX), then as if its history
 * had reached seq. */
static struct gossip_claim_state host(const char *router, uint64_t seq)
{
	struct gossip_claim_state st;
	uint64_t first = seq < GOSSIP_CLAIM_SEQ_FIRST_MAX
				 ? seq
				 : GOSSIP_CLAIM_SEQ_FIRST_MAX;

	assert_int_equal(decide(&st, false, router, 1, first, 1000, NULL),
			 GOSSIP_CLAIM_ACCEPT_NEW);
	st.mobility_seq = st.seq_max = seq;
	return st;
}

static void assert_state_equal(const struct gossip_claim_state *a,
			       const struct gossip_claim_state *b)
{
	assert_memory_equal(a->mac.b, b->mac.b, 6);
	assert_string_equal(a->router, b->router);
	assert_int_equal(a->mobility_seq, b->mobility_seq);
	assert_int_equal(a->seq_max, b->seq_max);
	assert_int_equal(a->frozen_until_ms, b->frozen_until_ms);
	assert_int_equal(a->nmoves, b->nmoves);
	assert_memory_equal(a->moves_ms, b->moves_ms,
			    a->nmoves * sizeof(a->moves_ms[0]));
}

/* ---- names and next_seq --------------------------------------------- */

static void test_verdict_names(void **state)
{
	static const char *const want[] = {
		NULL,
		"accept-new",
		"accept-move",
		"accept-refresh",
		"reject-stale",
		"reject-tie",
		"reject-frozen",
		"reject-invalid",
		"reject-seq",
		"accept-contest",
		"accept-duplicate",
		"reject-rate",
		"accept-freeze",
	};
	unsigned v;

	(void)state;
	for (v = 1; v < sizeof(want) / sizeof(want[0]); v++) {
		assert_string_equal(gossip_claim_verdict_name(v), want[v]);
	}
	assert_null(gossip_claim_verdict_name(0));
	assert_null(gossip_claim_verdict_name(GOSSIP_CLAIM_ACCEPT_FREEZE + 1));
	assert_null(gossip_claim_verdict_name(1000));
}

static void test_next_seq(void **state)
{
	struct gossip_claim_state st = host("vrA", 7);

	(void)state;
	assert_int_equal(gossip_claim_next_seq(NULL), 1);
	assert_int_equal(gossip_claim_next_seq(&st), 8);
	st.seq_max = 9; /* a refused higher claim was seen */
	assert_int_equal(gossip_claim_next_seq(&st), 10);
	st.seq_max = 0; /* mobility_seq counts even if seq_max lags */
	assert_int_equal(gossip_claim_next_seq(&st), 8);
	/* never past the window, never exhausted (an older vrd may have
	 * stored any seq_max) */
	st.seq_max = 12;
	assert_int_equal(gossip_claim_next_seq(&st),
			 7 + GOSSIP_CLAIM_SEQ_WINDOW);
	st.seq_max = UINT64_MAX;
	assert_int_equal(gossip_claim_next_seq(&st),
			 7 + GOSSIP_CLAIM_SEQ_WINDOW);
	/* a state poisoned by an older vrd is taken as absent */
	st.mobility_seq = UINT64_MAX;
	assert_int_equal(gossip_claim_next_seq(&st), 1);
}

/* ---- each verdict --------------------------------------------------- */

static void test_accept_new(void **state)
{
	struct gossip_claim_state st;
	bool lost = true;

	(void)state;
	memset(&st, 0xa5, sizeof(st)); /* garbage: must be reset */
	assert_int_equal(decide(&st, false, "vrA", 9, 3, 5000, &lost),
			 GOSSIP_CLAIM_ACCEPT_NEW);
	assert_false(lost);
	assert_string_equal(st.router, "vrA");
	assert_memory_equal(st.mac.b, mac_n(9).b, 6);
	assert_int_equal(st.mobility_seq, 3);
	assert_int_equal(st.seq_max, 3);
	assert_int_equal(st.frozen_until_ms, 0);
	assert_int_equal(st.nmoves, 0);
	assert_int_equal(gossip_claim_next_seq(&st), 4);
}

static void test_accept_refresh(void **state)
{
	struct gossip_claim_state st = host("vrA", 4), before;
	bool lost = true;

	(void)state;
	before = st;
	/* the same claim again: nothing changes */
	assert_int_equal(decide(&st, true, "vrA", 1, 4, 2000, &lost),
			 GOSSIP_CLAIM_ACCEPT_REFRESH);
	assert_false(lost);
	assert_state_equal(&st, &before);
	/* the owner with a higher seq: seq rises, no move */
	assert_int_equal(decide(&st, true, "vrA", 1, 8, 3000, &lost),
			 GOSSIP_CLAIM_ACCEPT_REFRESH);
	assert_false(lost);
	assert_string_equal(st.router, "vrA");
	assert_int_equal(st.mobility_seq, 8);
	assert_int_equal(st.seq_max, 8);
	assert_int_equal(st.nmoves, 0);
	/* the owner with a higher seq and a new MAC: the MAC changes */
	assert_int_equal(decide(&st, true, "vrA", 2, 9, 4000, &lost),
			 GOSSIP_CLAIM_ACCEPT_REFRESH);
	assert_memory_equal(st.mac.b, mac_n(2).b, 6);
	assert_int_equal(st.nmoves, 0);
}

static void test_accept_move(void **state)
{
	struct gossip_claim_state st = host("vrA", 4);
	bool lost = true;

	(void)state;
	assert_int_equal(decide(&st, true, "vrB", 2, 5, 7000, &lost),
			 GOSSIP_CLAIM_ACCEPT_MOVE);
	assert_false(lost); /* vrA lost it, not us */
	assert_string_equal(st.router, "vrB");
	assert_memory_equal(st.mac.b, mac_n(2).b, 6);
	assert_int_equal(st.mobility_seq, 5);
	assert_int_equal(st.nmoves, 1);
	assert_int_equal(st.moves_ms[0], 7000);
	/* a higher seq wins even from a higher name */
	assert_int_equal(decide(&st, true, "vrZ", 2, 6, 8000, &lost),
			 GOSSIP_CLAIM_ACCEPT_MOVE);
	assert_string_equal(st.router, "vrZ");
	assert_int_equal(st.nmoves, 2);
	assert_int_equal(st.moves_ms[1], 8000);
}

static void test_stand_down(void **state)
{
	struct gossip_claim_state st;
	bool lost = false;

	(void)state;
	/* our own first claim: we did not lose anything */
	assert_int_equal(decide(&st, false, SELF, 1, 1, 1000, &lost),
			 GOSSIP_CLAIM_ACCEPT_NEW);
	assert_false(lost);
	/* our refresh: still ours */
	assert_int_equal(decide(&st, true, SELF, 1, 2, 2000, &lost),
			 GOSSIP_CLAIM_ACCEPT_REFRESH);
	assert_false(lost);
	/* a stale claim for our host: we keep it */
	assert_int_equal(decide(&st, true, "vrB", 1, 1, 2500, &lost),
			 GOSSIP_CLAIM_REJECT_STALE);
	assert_false(lost);
	/* vrB wins: stand down */
	assert_int_equal(decide(&st, true, "vrB", 1, 3, 3000, &lost),
			 GOSSIP_CLAIM_ACCEPT_MOVE);
	assert_true(lost);
	/* it moves on from vrB to vrC: not ours any more */
	assert_int_equal(decide(&st, true, "vrC", 1, 4, 4000, &lost),
			 GOSSIP_CLAIM_ACCEPT_MOVE);
	assert_false(lost);
	/* we win it back: a move, and not a loss */
	assert_int_equal(decide(&st, true, SELF, 1, gossip_claim_next_seq(&st),
				5000, &lost),
			 GOSSIP_CLAIM_ACCEPT_MOVE);
	assert_false(lost);
	assert_string_equal(st.router, SELF);
	/* we_lost may be NULL */
	assert_int_equal(decide(&st, true, "vrD", 1, 9, 6000, NULL),
			 GOSSIP_CLAIM_ACCEPT_MOVE);
}

static void test_reject_stale(void **state)
{
	struct gossip_claim_state st = host("vrB", 10), before;
	bool lost = true;

	(void)state;
	before = st;
	assert_int_equal(decide(&st, true, "vrA", 1, 9, 2000, &lost),
			 GOSSIP_CLAIM_REJECT_STALE);
	assert_false(lost);
	assert_state_equal(&st, &before);
	/* the owner's own older claim (a delayed copy) is stale too */
	assert_int_equal(decide(&st, true, "vrB", 2, 3, 2000, &lost),
			 GOSSIP_CLAIM_REJECT_STALE);
	assert_state_equal(&st, &before);
}

static void test_reject_tie(void **state)
{
	struct gossip_claim_state st = host("vrB", 10), before;

	(void)state;
	before = st;
	/* equal seq, higher name: refused */
	assert_int_equal(decide(&st, true, "vrC", 1, 10, 2000, NULL),
			 GOSSIP_CLAIM_REJECT_TIE);
	assert_state_equal(&st, &before);
	/* strcmp order, not length: "vrB0" > "vrB" */
	assert_int_equal(decide(&st, true, "vrB0", 1, 10, 2000, NULL),
			 GOSSIP_CLAIM_REJECT_TIE);
	assert_state_equal(&st, &before);
	/* equal seq, lower name: wins, and it is a move */
	assert_int_equal(decide(&st, true, "vrA", 3, 10, 2000, NULL),
			 GOSSIP_CLAIM_ACCEPT_MOVE);
	assert_string_equal(st.router, "vrA");
	assert_int_equal(st.nmoves, 1);
}

static void test_same_owner_other_mac(void **state)
{
	struct gossip_claim_state st = host("vrB", 10), before;

	(void)state;
	/* host() used MAC ...:01; ...:05 under the same (router, seq) is
	 * higher: refused, a higher seq is needed to change the MAC */
	before = st;
	assert_int_equal(decide(&st, true, "vrB", 5, 10, 2000, NULL),
			 GOSSIP_CLAIM_REJECT_TIE);
	assert_state_equal(&st, &before);
	/* ...:00 is lower: the total order lets it win on every router,
	 * whichever of the two arrived first; not a move */
	assert_int_equal(decide(&st, true, "vrB", 0, 10, 2000, NULL),
			 GOSSIP_CLAIM_ACCEPT_REFRESH);
	assert_memory_equal(st.mac.b, mac_n(0).b, 6);
	assert_int_equal(st.nmoves, 0);
	/* and the other one, arriving now, is refused */
	assert_int_equal(decide(&st, true, "vrB", 1, 10, 2000, NULL),
			 GOSSIP_CLAIM_REJECT_TIE);
	assert_memory_equal(st.mac.b, mac_n(0).b, 6);
}

static void test_reject_invalid(void **state)
{
	struct gossip_claim_state st = host("vrB", 10), before;
	struct gossip_claim_in in = claim("vrC", 1, 11);
	bool lost = true;

	(void)state;
	before = st;
	in.seq = 0;
	assert_int_equal(
		gossip_claim_decide(&st, true, &in, SELF, 2000, &params, &lost),
		GOSSIP_CLAIM_REJECT_INVALID);
	assert_false(lost);
	in = claim("", 1, 11);
	assert_int_equal(
		gossip_claim_decide(&st, true, &in, SELF, 2000, &params, NULL),
		GOSSIP_CLAIM_REJECT_INVALID);
	in = claim("vr C", 1, 11);
	assert_int_equal(
		gossip_claim_decide(&st, true, &in, SELF, 2000, &params, NULL),
		GOSSIP_CLAIM_REJECT_INVALID);
	in = claim("a23456789012345678901234567890123", 1, 11); /* 33 */
	assert_int_equal(
		gossip_claim_decide(&st, true, &in, SELF, 2000, &params, NULL),
		GOSSIP_CLAIM_REJECT_INVALID);
	in = claim(NULL, 1, 11);
	assert_int_equal(
		gossip_claim_decide(&st, true, &in, SELF, 2000, &params, NULL),
		GOSSIP_CLAIM_REJECT_INVALID);
	in = claim("vrC", 1, 11);
	memset(in.mac.b, 0, 6);
	assert_int_equal(
		gossip_claim_decide(&st, true, &in, SELF, 2000, &params, NULL),
		GOSSIP_CLAIM_REJECT_INVALID);
	in.mac.b[0] = 0x01; /* multicast */
	assert_int_equal(
		gossip_claim_decide(&st, true, &in, SELF, 2000, &params, NULL),
		GOSSIP_CLAIM_REJECT_INVALID);
	memset(in.mac.b, 0xff, 6);
	assert_int_equal(
		gossip_claim_decide(&st, true, &in, SELF, 2000, &params, NULL),
		GOSSIP_CLAIM_REJECT_INVALID);
	assert_state_equal(&st, &before);
	/* and a fresh state is not created from an invalid claim */
	in.seq = 0;
	in.mac = mac_n(1);
	assert_int_equal(
		gossip_claim_decide(&st, false, &in, SELF, 2000, &params, NULL),
		GOSSIP_CLAIM_REJECT_INVALID);
}

/* ---- arrival order does not matter ---------------------------------- */

static const int perms3[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2},
				 {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};

/* Three routers each receive the same three simultaneous claims (equal
 * seq) in some order; every order and every starting point (host unknown,
 * or known at a lower seq owned by any of them) ends with the same owner:
 * the lowest name. */
static void test_tie_any_order(void **state)
{
	static const char *const names[3] = {"vrC", "vrA", "vrB"};
	static const char *const start[] = {NULL, "vrA", "vrB", "vrC", "vrD"};
	struct gossip_claim_state routers[3];
	unsigned s, p, r, i;

	(void)state;
	for (s = 0; s < sizeof(start) / sizeof(start[0]); s++) {
		/* all 6 orders, spread over 3 routers in every way: router
		 * r takes order (p + r) % 6 */
		for (p = 0; p < 6; p++) {
			for (r = 0; r < 3; r++) {
				const int *ord = perms3[(p + r) % 6];
				bool exists = false;

				if (start[s]) {
					routers[r] = host(start[s], 2);
					exists = true;
				}
				for (i = 0; i < 3; i++) {
					enum gossip_claim_verdict v;

					v = decide(&routers[r], exists,
						   names[ord[i]],
						   (uint8_t)(10 + ord[i]), 3,
						   2000 + i, NULL);
					assert_true(
						v == GOSSIP_CLAIM_ACCEPT_NEW ||
						v == GOSSIP_CLAIM_ACCEPT_MOVE ||
						v == GOSSIP_CLAIM_ACCEPT_REFRESH ||
						v == GOSSIP_CLAIM_ACCEPT_CONTEST ||
						v == GOSSIP_CLAIM_REJECT_TIE);
					exists = true;
				}
			}
			for (r = 0; r < 3; r++) {
				assert_string_equal(routers[r].router, "vrA");
				assert_int_equal(routers[r].mobility_seq, 3);
				assert_int_equal(routers[r].mac.b[5], 11);
			}
		}
	}
}

/* The winner under the order of claim.h, found the naive way. */
static int naive_best(const struct gossip_claim_in *c, unsigned n)
{
	unsigned i, best = 0;

	for (i = 1; i < n; i++) {
		int nc = strcmp(c[i].router, c[best].router);

		if (c[i].seq > c[best].seq ||
		    (c[i].seq == c[best].seq &&
		     (nc < 0 ||
		      (nc == 0 && memcmp(c[i].mac.b, c[best].mac.b, 6) < 0)))) {
			best = i;
		}
	}
	return (int)best;
}

static bool next_perm(unsigned *a, unsigned n)
{
	unsigned i, j, t;

	for (i = n - 1; i > 0 && a[i - 1] >= a[i]; i--) {
	}
	if (i == 0) {
		return false;
	}
	for (j = n - 1; a[j] <= a[i - 1]; j--) {
	}
	t = a[i - 1], a[i - 1] = a[j], a[j] = t;
	for (j = n - 1; i < j; i++, j--) {
		t = a[i], a[i] = a[j], a[j] = t;
	}
	return true;
}

/* Mixed seqs, ties and a same-router MAC conflict: all 120 orders of 5
 * claims agree with the naive maximum. */
static void test_order_any_permutation(void **state)
{
	const struct gossip_claim_in c[5] = {
		claim("vrC", 3, 3), claim("vrB", 4, 3), claim("vrA", 5, 2),
		claim("vrB", 2, 3), claim("vrD", 6, 3),
	};
	unsigned ord[5] = {0, 1, 2, 3, 4}, i, count = 0;
	int best = naive_best(c, 5);

	(void)state;
	assert_int_equal(best, 3); /* vrB, seq 3, the lower MAC */
	do {
		struct gossip_claim_state st;

		for (i = 0; i < 5; i++) {
			gossip_claim_decide(&st, i > 0, &c[ord[i]], SELF,
					    1000 + i, &params, NULL);
		}
		assert_string_equal(st.router, c[best].router);
		assert_int_equal(st.mobility_seq, c[best].seq);
		assert_memory_equal(st.mac.b, c[best].mac.b, 6);
		count++;
	} while (next_perm(ord, 5));
	assert_int_equal(count, 120);
}

/* ---- freeze --------------------------------------------------------- */

/* Moves the host between vrA and vrB every step_ms from t0 until a move
 * freezes it; returns how many moves came before and the time of the
 * freezing one (taken: the host is frozen where that move took it). */
static unsigned flap(struct gossip_claim_state *st, uint64_t t0,
		     uint64_t step_ms, unsigned limit, uint64_t *refused_at)
{
	unsigned n;

	for (n = 0; n < limit; n++) {
		const char *to = strcmp(st->router, "vrA") ? "vrA" : "vrB";
		uint64_t now = t0 + n * step_ms;
		enum gossip_claim_verdict v;

		v = decide(st, true, to, 1, gossip_claim_next_seq(st), now,
			   NULL);
		if (v != GOSSIP_CLAIM_ACCEPT_MOVE) {
			assert_int_equal(v, GOSSIP_CLAIM_ACCEPT_FREEZE);
			assert_string_equal(st->router, to);
			assert_string_equal(st->frozen_at, to);
			*refused_at = now;
			return n;
		}
	}
	return n;
}

static void test_freeze_and_thaw(void **state)
{
	struct gossip_claim_state st = host("vrA", 1);
	uint64_t at = 0, until, seq;
	bool lost = true;

	(void)state;
	/* five moves in 180 s are allowed; the sixth is taken and freezes
	 * the host where it went (vrA: it answers there) */
	assert_int_equal(flap(&st, 10000, GOSSIP_CLAIM_VERIFY_MS, 20, &at), 5);
	assert_int_equal(at, 10000 + 5 * GOSSIP_CLAIM_VERIFY_MS);
	until = at + WINDOW;
	assert_int_equal(st.frozen_until_ms, until);
	assert_true(gossip_claim_frozen(&st, at));
	assert_true(gossip_claim_frozen(&st, until - 1));
	assert_false(gossip_claim_frozen(&st, until));
	assert_string_equal(st.router, "vrA");
	assert_string_equal(st.frozen_at, "vrA");
	assert_int_equal(st.mobility_seq, 7);
	assert_int_equal(gossip_claim_next_seq(&st), 8);

	/* frozen, the freeze restrains claimers: only the frozen place (and
	 * the owner) may claim, or a contest of a move just made */
	assert_true(gossip_claim_may_claim(&st, "vrA", at + 1));
	assert_true(gossip_claim_may_claim(&st, "vrB", at + 1)); /* contest */
	assert_false(gossip_claim_may_claim(&st, "vrD", at + 1));
	assert_false(gossip_claim_may_claim(&st, "vrB",
					    at + GOSSIP_CLAIM_VERIFY_MS));
	assert_true(gossip_claim_may_claim(&st, "vrD", until));
	/* but received claims are decided by the order alone, frozen or
	 * not (a router that saw no freeze must agree), and the window
	 * still holds */
	assert_int_equal(decide(&st, true, "vrC", 1, 50, at + 1, &lost),
			 GOSSIP_CLAIM_REJECT_SEQ);
	assert_int_equal(decide(&st, true, "vrC", 1, 8, at + 1, &lost),
			 GOSSIP_CLAIM_ACCEPT_MOVE);
	assert_false(lost);
	assert_string_equal(st.router, "vrC");
	/* not counted, and the freeze stays where it was, at vrA */
	assert_int_equal(st.nmoves, 6);
	assert_int_equal(st.frozen_until_ms, until);
	assert_string_equal(st.frozen_at, "vrA");
	assert_true(gossip_claim_may_claim(&st, "vrA", at + 2));
	assert_false(gossip_claim_may_claim(&st, "vrD", at + 2));
	/* vrA still sees it: its claim back is a contest, the freeze stays
	 * with it */
	assert_int_equal(decide(&st, true, "vrA", 1, 9, at + 3, NULL),
			 GOSSIP_CLAIM_ACCEPT_CONTEST);
	assert_string_equal(st.router, "vrA");
	assert_string_equal(st.frozen_at, "vrA");
	assert_int_equal(st.frozen_until_ms, until);
	/* the owner's refresh, a lower or equal claim as before */
	assert_int_equal(decide(&st, true, "vrA", 1, 10, at + 4, NULL),
			 GOSSIP_CLAIM_ACCEPT_REFRESH);
	assert_int_equal(decide(&st, true, "vrB", 1, 6, at + 5, NULL),
			 GOSSIP_CLAIM_REJECT_STALE);
	assert_int_equal(decide(&st, true, "vrB", 1, 10, at + 6, NULL),
			 GOSSIP_CLAIM_REJECT_TIE);
	assert_int_equal(st.mobility_seq, 10);

	/* thawed: the history is cleared, the next move is the first */
	seq = gossip_claim_next_seq(&st);
	assert_int_equal(decide(&st, true, "vrB", 1, seq, until, NULL),
			 GOSSIP_CLAIM_ACCEPT_MOVE);
	assert_int_equal(st.frozen_until_ms, 0);
	assert_string_equal(st.frozen_at, "");
	assert_int_equal(st.nmoves, 1);
	assert_int_equal(st.moves_ms[0], until);
	/* and it may move five times again before freezing */
	assert_int_equal(flap(&st, until + GOSSIP_CLAIM_VERIFY_MS,
			      GOSSIP_CLAIM_VERIFY_MS, 20, &at),
			 4);
	assert_int_equal(st.frozen_until_ms, at + WINDOW);
}

static void test_thaw_on_refused_claim(void **state)
{
	struct gossip_claim_state st = host("vrA", 1);
	uint64_t at = 0;

	(void)state;
	assert_int_equal(flap(&st, 0, GOSSIP_CLAIM_VERIFY_MS, 20, &at), 5);
	/* after the freeze a stale claim is refused, but the freeze and the
	 * history are gone */
	assert_int_equal(decide(&st, true, "vrZ", 1, 1, at + WINDOW, NULL),
			 GOSSIP_CLAIM_REJECT_STALE);
	assert_int_equal(st.frozen_until_ms, 0);
	assert_int_equal(st.nmoves, 0);
}

static void test_slow_moves_do_not_freeze(void **state)
{
	struct gossip_claim_state st = host("vrA", 1);
	uint64_t at = 0;

	(void)state;
	/* one move a minute: at most 3 in any 180 s window */
	assert_int_equal(flap(&st, 60000, 60000, 40, &at), 40);
	assert_int_equal(st.frozen_until_ms, 0);
	assert_true(st.nmoves <= 3);
	/* 36 s apart: moves at 0, 36, 72, 108, 144 s are five; the sixth
	 * at 180 s finds the first out of the window and is allowed */
	st = host("vrA", 1);
	assert_int_equal(flap(&st, 0, 36000, 12, &at), 12);
	/* 35 s apart: the sixth at 175 s is within the window */
	st = host("vrA", 1);
	assert_int_equal(flap(&st, 0, 35000, 12, &at), 5);
	assert_int_equal(at, 175000);
}

static void test_params(void **state)
{
	struct gossip_claim_params big = {.moves_max = 1000, .window_ms = 10};
	struct gossip_claim_params one = {.moves_max = 1, .window_ms = 100};
	struct gossip_claim_state st = host("vrA", 1);
	struct gossip_claim_in in;
	unsigned n;

	(void)state;
	/* NULL params: the defaults (5 in 180 s) */
	for (n = 0; n < 6; n++) {
		in = claim(n % 2 ? "vrA" : "vrB", 1,
			   gossip_claim_next_seq(&st));
		if (gossip_claim_decide(&st, true, &in, SELF,
					100 + n * GOSSIP_CLAIM_VERIFY_MS, NULL,
					NULL) != GOSSIP_CLAIM_ACCEPT_MOVE) {
			break;
		}
	}
	assert_int_equal(n, 5);
	assert_int_equal(st.frozen_until_ms,
			 100 + 5 * GOSSIP_CLAIM_VERIFY_MS + WINDOW);
	/* moves_max above the history's capacity is capped at it */
	st = host("vrA", 1);
	big.window_ms = 1000000;
	for (n = 0; n < 40; n++) {
		in = claim(n % 2 ? "vrA" : "vrB", 1,
			   gossip_claim_next_seq(&st));
		if (gossip_claim_decide(&st, true, &in, SELF,
					100 + n * GOSSIP_CLAIM_VERIFY_MS, &big,
					NULL) != GOSSIP_CLAIM_ACCEPT_MOVE) {
			break;
		}
	}
	assert_int_equal(n, GOSSIP_CLAIM_MOVES_MAX);
	assert_int_equal(st.nmoves, GOSSIP_CLAIM_MOVES_MAX);
	/* moves_max 1: the second move within 100 ms freezes for 100 ms */
	st = host("vrA", 1);
	in = claim("vrB", 1, 2);
	assert_int_equal(
		gossip_claim_decide(&st, true, &in, SELF, 500, &one, NULL),
		GOSSIP_CLAIM_ACCEPT_MOVE);
	in = claim("vrC", 1, 3); /* vrA so soon would be a contest */
	assert_int_equal(
		gossip_claim_decide(&st, true, &in, SELF, 550, &one, NULL),
		GOSSIP_CLAIM_ACCEPT_FREEZE);
	assert_int_equal(st.frozen_until_ms, 650);
	assert_false(gossip_claim_may_claim(&st, "vrD", 649));
	in = claim("vrD", 1, 4);
	assert_int_equal(
		gossip_claim_decide(&st, true, &in, SELF, 650, &one, NULL),
		GOSSIP_CLAIM_ACCEPT_MOVE);
	assert_int_equal(st.frozen_until_ms, 0);
}

static void test_clock_stepped_back(void **state)
{
	struct gossip_claim_state st = host("vrA", 1);
	uint64_t at = 0;

	(void)state;
	assert_int_equal(flap(&st, 1000000000, GOSSIP_CLAIM_VERIFY_MS, 20, &at),
			 5);
	/* the wall clock goes back a day: the freeze lasts at most a window
	 * from the new now, not a day and a window */
	at -= 86400000;
	assert_int_equal(decide(&st, true, "vrC", 1, 8, at, NULL),
			 GOSSIP_CLAIM_ACCEPT_MOVE);
	assert_int_equal(st.frozen_until_ms, at + WINDOW);
	/* after the window: thawed; the history (stamped "in the future")
	 * was cleared with the freeze */
	assert_int_equal(decide(&st, true, "vrD", 1, 9, at + WINDOW, NULL),
			 GOSSIP_CLAIM_ACCEPT_MOVE);
	assert_int_equal(st.nmoves, 1);
}

/* ---- issue 11: seq window, lapse, contests ---------------------------- */

static void test_reject_seq(void **state)
{
	struct gossip_claim_state st = host("vrA", 7), before = st;
	bool lost = true;

	(void)state;
	/* beyond mobility_seq + window: refused, nothing seen */
	assert_int_equal(decide(&st, true, "vrB", 1,
				7 + GOSSIP_CLAIM_SEQ_WINDOW + 1, 2000, &lost),
			 GOSSIP_CLAIM_REJECT_SEQ);
	assert_false(lost);
	assert_int_equal(decide(&st, true, "vrB", 1, UINT64_MAX, 2000, NULL),
			 GOSSIP_CLAIM_REJECT_SEQ);
	assert_state_equal(&st, &before);
	assert_int_equal(gossip_claim_next_seq(&st), 8);
	/* the top of the window is a normal move */
	assert_int_equal(decide(&st, true, "vrB", 1,
				7 + GOSSIP_CLAIM_SEQ_WINDOW, 3000, NULL),
			 GOSSIP_CLAIM_ACCEPT_MOVE);
	/* a first claim: up to GOSSIP_CLAIM_SEQ_FIRST_MAX */
	assert_int_equal(decide(&st, false, "vrC", 1,
				GOSSIP_CLAIM_SEQ_FIRST_MAX + 1, 4000, NULL),
			 GOSSIP_CLAIM_REJECT_SEQ);
	assert_int_equal(decide(&st, false, "vrC", 1, UINT64_MAX, 4000, NULL),
			 GOSSIP_CLAIM_REJECT_SEQ);
	assert_int_equal(decide(&st, false, "vrC", 1,
				GOSSIP_CLAIM_SEQ_FIRST_MAX, 4000, NULL),
			 GOSSIP_CLAIM_ACCEPT_NEW);
	/* a rogue's climb is one window per accepted claim at most */
	assert_int_equal(decide(&st, true, "vrR", 1,
				GOSSIP_CLAIM_SEQ_FIRST_MAX + 5, 5000, NULL),
			 GOSSIP_CLAIM_REJECT_SEQ);
}

static void test_insane_state_starts_afresh(void **state)
{
	struct gossip_claim_state st = host("vrR", 1);

	(void)state;
	/* stored by an older vrd that took any seq */
	st.mobility_seq = UINT64_MAX;
	st.seq_max = UINT64_MAX;
	assert_true(gossip_claim_state_insane(&st));
	assert_int_equal(gossip_claim_next_seq(&st), 1);
	assert_int_equal(decide(&st, true, "vrA", 1, 1, 2000, NULL),
			 GOSSIP_CLAIM_ACCEPT_NEW);
	assert_string_equal(st.router, "vrA");
	assert_int_equal(st.seq_max, 1);
	assert_false(gossip_claim_state_insane(&st));
}

static void test_lapse(void **state)
{
	struct gossip_claim_state st = host("vrA", 5), st2;

	(void)state;
	assert_int_equal(decide(&st, true, "vrB", 1, 6, 10000, NULL),
			 GOSSIP_CLAIM_ACCEPT_MOVE);
	gossip_claim_lapse(&st);
	assert_true(st.lapsed);
	assert_int_equal(st.nmoves, 0);
	assert_int_equal(st.mobility_seq, 6); /* kept: never reused */
	assert_int_equal(gossip_claim_next_seq(&st), 7);
	st2 = st;
	/* the lapsed owner's own claim again takes it back (it was alive
	 * after all), as a new claim */
	assert_int_equal(decide(&st, true, "vrB", 1, 6, 20000, NULL),
			 GOSSIP_CLAIM_ACCEPT_NEW);
	assert_false(st.lapsed);
	/* a lower seq does not; a higher one from anyone does */
	assert_int_equal(decide(&st2, true, "vrC", 1, 5, 20000, NULL),
			 GOSSIP_CLAIM_REJECT_STALE);
	assert_true(st2.lapsed);
	assert_int_equal(decide(&st2, true, "vrC", 1, 7, 20000, NULL),
			 GOSSIP_CLAIM_ACCEPT_NEW);
	assert_string_equal(st2.router, "vrC");
	assert_int_equal(st2.nmoves, 0);
}

static void test_contest_undoes_move(void **state)
{
	struct gossip_claim_state st = host(SELF, 1);
	bool lost = false;
	unsigned i;

	(void)state;
	/* a forger moves it from us; we contest with its seq + 1 in time:
	 * the move is undone, it never counts towards the freeze */
	for (i = 0; i < GOSSIP_CLAIM_CONTESTS_MAX - 1; i++) {
		uint64_t t = 10000 + i * 10000;

		assert_int_equal(decide(&st, true, "vrR", 1,
					gossip_claim_next_seq(&st), t, &lost),
				 GOSSIP_CLAIM_ACCEPT_MOVE);
		assert_true(lost);
		assert_int_equal(st.nmoves, 1);
		assert_string_equal(st.prev_router, SELF);
		assert_int_equal(decide(&st, true, SELF, 1,
					gossip_claim_next_seq(&st),
					t + GOSSIP_CLAIM_VERIFY_MS - 1, &lost),
				 GOSSIP_CLAIM_ACCEPT_CONTEST);
		assert_false(lost);
		assert_string_equal(st.router, SELF);
		assert_int_equal(st.nmoves, 0);
		assert_int_equal(st.ncontests, i + 1);
	}
	/* the last contest in the window: a duplicate IP, frozen here, at
	 * the contester, where it answers */
	assert_int_equal(decide(&st, true, "vrR", 1, gossip_claim_next_seq(&st),
				100000, NULL),
			 GOSSIP_CLAIM_ACCEPT_MOVE);
	assert_int_equal(decide(&st, true, SELF, 1, gossip_claim_next_seq(&st),
				100500, NULL),
			 GOSSIP_CLAIM_ACCEPT_DUPLICATE);
	assert_string_equal(st.router, SELF);
	assert_string_equal(st.prev_router, "vrR");
	assert_true(gossip_claim_frozen(&st, 100500 + WINDOW - 1));
	assert_string_equal(st.frozen_at, SELF);
	/* the forger's router may not claim it again; a rogue one that does
	 * is taken by the order (and contested, as ever), the freeze stays
	 * with us */
	assert_false(gossip_claim_may_claim(&st, "vrR", 101000));
	assert_int_equal(decide(&st, true, "vrR", 1, gossip_claim_next_seq(&st),
				101000, &lost),
			 GOSSIP_CLAIM_ACCEPT_MOVE);
	assert_true(lost);
	assert_string_equal(st.frozen_at, SELF);
	assert_true(gossip_claim_may_claim(&st, SELF, 101000 + 5000));
	assert_int_equal(decide(&st, true, SELF, 1, gossip_claim_next_seq(&st),
				101020, NULL),
			 GOSSIP_CLAIM_ACCEPT_DUPLICATE); /* one more */
	assert_string_equal(st.router, SELF);
	/* a return after the verification time is an ordinary move */
	st = host(SELF, 1);
	assert_int_equal(decide(&st, true, "vrR", 1, 2, 1000, NULL),
			 GOSSIP_CLAIM_ACCEPT_MOVE);
	assert_int_equal(decide(&st, true, SELF, 1, 3,
				1000 + GOSSIP_CLAIM_VERIFY_MS, NULL),
			 GOSSIP_CLAIM_ACCEPT_MOVE);
	assert_int_equal(st.nmoves, 2);
	/* a third router's claim is never a contest */
	assert_int_equal(decide(&st, true, "vrC", 1, 4, 4000, NULL),
			 GOSSIP_CLAIM_ACCEPT_MOVE);
	assert_int_equal(decide(&st, true, "vrD", 1, 5, 4001, NULL),
			 GOSSIP_CLAIM_ACCEPT_MOVE);
}

static void test_forged_moves_cannot_freeze_at_forger(void **state)
{
	struct gossip_claim_state st = host("vrA", 1);
	uint64_t t = 10000;
	unsigned i;

	(void)state;
	/* five forged moves, each contested by the owner: never frozen at
	 * the forger; the host ends at vrA, frozen there as a duplicate */
	for (i = 0; i < 5; i++, t += 3000) {
		enum gossip_claim_verdict v;

		if (!gossip_claim_may_claim(&st, "vrR", t)) {
			break; /* the forger's router stands back */
		}
		v = decide(&st, true, "vrR", 1, gossip_claim_next_seq(&st), t,
			   NULL);
		assert_int_equal(v, GOSSIP_CLAIM_ACCEPT_MOVE);
		v = decide(&st, true, "vrA", 1, gossip_claim_next_seq(&st),
			   t + 100, NULL);
		assert_true(v == GOSSIP_CLAIM_ACCEPT_CONTEST ||
			    v == GOSSIP_CLAIM_ACCEPT_DUPLICATE);
		assert_string_equal(st.router, "vrA");
	}
	assert_int_equal(i, GOSSIP_CLAIM_CONTESTS_MAX);
	assert_string_equal(st.router, "vrA");
	assert_string_equal(st.frozen_at, "vrA");
	assert_true(gossip_claim_frozen(&st, t));
}

/* A host at home has no claim state: the first claim away from home is
 * a move from in.home, which home contests like any other. */
static void test_contest_of_first_claim(void **state)
{
	struct gossip_claim_state st, other;
	struct gossip_claim_in in = claim("vrR", 1, 1);
	bool lost = true;

	(void)state;
	in.home = "vrA";
	assert_int_equal(gossip_claim_decide(&st, false, &in, SELF, 10000,
					     &params, NULL),
			 GOSSIP_CLAIM_ACCEPT_NEW);
	assert_string_equal(st.prev_router, "vrA");
	assert_int_equal(st.moved_ms, 10000);
	assert_int_equal(st.nmoves, 0); /* not a move between claimers */
	other = st;
	assert_int_equal(decide(&st, true, "vrA", 1, 2, 10020, &lost),
			 GOSSIP_CLAIM_ACCEPT_CONTEST);
	assert_false(lost);
	assert_string_equal(st.router, "vrA");
	assert_string_equal(st.prev_router, "vrR");
	assert_int_equal(st.ncontests, 1);
	assert_int_equal(st.nmoves, 0);
	/* too late to be a contest: home's claim is a move */
	assert_int_equal(decide(&other, true, "vrA", 1, 2,
				10000 + GOSSIP_CLAIM_VERIFY_MS, NULL),
			 GOSSIP_CLAIM_ACCEPT_MOVE);
	assert_int_equal(other.ncontests, 0);
	/* a burst of re-claims, each contested in time, freezes at home,
	 * never at the forger */
	for (uint64_t seq = 3, t = 10100; seq < 12; seq += 2, t += 100) {
		if (!gossip_claim_may_claim(&st, "vrR", t)) {
			break;
		}
		assert_int_equal(decide(&st, true, "vrR", 1, seq, t, NULL),
				 GOSSIP_CLAIM_ACCEPT_MOVE);
		(void)decide(&st, true, "vrA", 1, seq + 1, t + 20, NULL);
		assert_string_equal(st.router, "vrA");
	}
	assert_string_equal(st.router, "vrA");
	assert_string_equal(st.frozen_at, "vrA");
	assert_true(gossip_claim_frozen(&st, 11000));
	/* the home's own first claim, or no home known: nothing to undo */
	in = claim("vrA", 1, 1);
	in.home = "vrA";
	(void)gossip_claim_decide(&other, false, &in, SELF, 20000, &params,
				  NULL);
	assert_int_equal(other.moved_ms, 0);
	in = claim("vrR", 1, 1);
	(void)gossip_claim_decide(&other, false, &in, SELF, 20000, &params,
				  NULL);
	assert_int_equal(other.moved_ms, 0);
	assert_string_equal(other.prev_router, "");
}

static void test_contest_while_frozen(void **state)
{
	struct gossip_claim_state st = host("vrA", 1);
	uint64_t at = 0;

	(void)state;
	/* after five genuine moves a sixth, vrC's, is taken and freezes
	 * the host at vrC; vrB, which it took it from, still sees it: vrB's
	 * contest in time moves the freeze to vrB */
	(void)flap(&st, 0, GOSSIP_CLAIM_VERIFY_MS, 5, &at);
	assert_string_equal(st.router, "vrB");
	at = st.moved_ms + 500;
	assert_int_equal(decide(&st, true, "vrC", 1, gossip_claim_next_seq(&st),
				at, NULL),
			 GOSSIP_CLAIM_ACCEPT_FREEZE);
	assert_string_equal(st.frozen_at, "vrC");
	assert_true(gossip_claim_may_claim(&st, "vrB", at + 1000));
	assert_false(gossip_claim_may_claim(&st, "vrD", at + 1000));
	assert_int_equal(decide(&st, true, "vrB", 1, gossip_claim_next_seq(&st),
				at + 1000, NULL),
			 GOSSIP_CLAIM_ACCEPT_CONTEST);
	assert_string_equal(st.router, "vrB");
	assert_string_equal(st.frozen_at, "vrB");
	assert_true(gossip_claim_frozen(&st, at + 1001));
	assert_int_equal(st.frozen_until_ms, at + WINDOW);
}

/* ---- persistence (through the table's entry) ------------------------ */

static void test_restart_never_reuses_seq(void **state)
{
	struct gossip_claim_state st = host(SELF, 1), back;
	struct tables_claim_entry e;
	uint64_t used[64], seq;
	unsigned nused = 0, i, round;

	(void)state;
	used[nused++] = 1;
	for (round = 0; round < 6; round++) {
		/* someone else takes the host, we take it back, and the
		 * router restarts: state only from the stored entry */
		assert_int_equal(decide(&st, true, "vrB", 1,
					gossip_claim_next_seq(&st),
					round * 1000000, NULL),
				 GOSSIP_CLAIM_ACCEPT_MOVE);
		gossip_claim_state_to(&e, 7, 0x0a000005, &st);
		assert_int_equal(e.vn, 7);
		assert_int_equal(e.ip, 0x0a000005);
		memset(&back, 0x5a, sizeof(back));
		assert_int_equal(gossip_claim_state_from(&back, &e), 0);
		assert_state_equal(&back, &st);
		st = back;
		seq = gossip_claim_next_seq(&st);
		for (i = 0; i < nused; i++) {
			assert_true(seq > used[i]);
		}
		used[nused++] = seq;
		assert_int_equal(
			decide(&st, true, SELF, 1, seq,
			       round * 1000000 + GOSSIP_CLAIM_VERIFY_MS, NULL),
			GOSSIP_CLAIM_ACCEPT_MOVE);
	}
}

static void test_restart_keeps_freeze(void **state)
{
	struct gossip_claim_state st = host("vrA", 1), back;
	struct tables_claim_entry e;
	uint64_t at = 0;

	(void)state;
	assert_int_equal(flap(&st, 5000, GOSSIP_CLAIM_VERIFY_MS, 20, &at), 5);
	gossip_claim_state_to(&e, 1, 2, &st);
	assert_int_equal(gossip_claim_state_from(&back, &e), 0);
	assert_state_equal(&back, &st);
	assert_true(gossip_claim_frozen(&back, at + 1));
	assert_string_equal(back.frozen_at, "vrA");
	assert_false(gossip_claim_may_claim(&back, "vrD", at + 1));
	/* a seq seen survives a restart too */
	back.seq_max = 9;
	gossip_claim_state_to(&e, 1, 2, &back);
	assert_int_equal(gossip_claim_state_from(&st, &e), 0);
	assert_int_equal(gossip_claim_next_seq(&st), 10);
	/* a freeze stored before frozen_at: held by its owner */
	e.frozen_at[0] = '\0';
	assert_int_equal(gossip_claim_state_from(&st, &e), 0);
	assert_string_equal(st.frozen_at, "vrA");
}

static void test_state_from_rejects(void **state)
{
	struct gossip_claim_state st;
	struct tables_claim_entry e;

	(void)state;
	memset(&e, 0, sizeof(e));
	assert_int_equal(gossip_claim_state_from(&st, &e), -EINVAL);
	strcpy(e.router, "vrA");
	e.nmoves = GOSSIP_CLAIM_MOVES_MAX + 1;
	assert_int_equal(gossip_claim_state_from(&st, &e), -EINVAL);
	e.nmoves = GOSSIP_CLAIM_MOVES_MAX;
	assert_int_equal(gossip_claim_state_from(&st, &e), 0);
	memset(e.router, 'a', sizeof(e.router)); /* no NUL */
	assert_int_equal(gossip_claim_state_from(&st, &e), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verdict_names),
		cmocka_unit_test(test_next_seq),
		cmocka_unit_test(test_accept_new),
		cmocka_unit_test(test_accept_refresh),
		cmocka_unit_test(test_accept_move),
		cmocka_unit_test(test_stand_down),
		cmocka_unit_test(test_reject_stale),
		cmocka_unit_test(test_reject_tie),
		cmocka_unit_test(test_same_owner_other_mac),
		cmocka_unit_test(test_reject_invalid),
		cmocka_unit_test(test_tie_any_order),
		cmocka_unit_test(test_order_any_permutation),
		cmocka_unit_test(test_freeze_and_thaw),
		cmocka_unit_test(test_thaw_on_refused_claim),
		cmocka_unit_test(test_slow_moves_do_not_freeze),
		cmocka_unit_test(test_params),
		cmocka_unit_test(test_clock_stepped_back),
		cmocka_unit_test(test_restart_never_reuses_seq),
		cmocka_unit_test(test_restart_keeps_freeze),
		cmocka_unit_test(test_state_from_rejects),
		cmocka_unit_test(test_reject_seq),
		cmocka_unit_test(test_insane_state_starts_afresh),
		cmocka_unit_test(test_lapse),
		cmocka_unit_test(test_contest_undoes_move),
		cmocka_unit_test(test_forged_moves_cannot_freeze_at_forger),
		cmocka_unit_test(test_contest_while_frozen),
		cmocka_unit_test(test_contest_of_first_claim),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
