/*
 * Mobility claims (docs/gossip.md "Mobility claims", after RFC 7432
 * section 15): which router owns a host (vn, ip), decided the same way on
 * every router from the claims it receives, whatever their order.
 *
 * Pure: no I/O, no LMDB, no libsodium. The caller reads the state of (vn,
 * ip) from the claims table (tables_claim_get, gossip_claim_state_from),
 * runs gossip_claim_decide() on every HOST record, its own claims
 * included, and writes the state back (gossip_claim_state_to,
 * tables_claim_put) in the same write transaction.
 *
 * Order of claims, highest wins (a total order, so every router that sees
 * the same set of claims ends with the same owner):
 *   1. the higher mobility_seq;
 *   2. on equal seq, the lower router name (strcmp);
 *   3. on equal seq and router, the lower MAC (memcmp). An owner signs one
 *      MAC per seq; two MACs under one (router, seq) is a misbehaving
 *      origin, and the rule keeps routers agreeing about it anyway.
 * The key is (vn, ip) and the MAC is data: any other change of MAC needs a
 * higher seq.
 *
 * Duplicate detection (RFC 7432 15.1): a move is a claim won by a router
 * other than the current owner. The (moves_max + 1)th move within
 * window_ms is taken and freezes the host where it went (ACCEPT_FREEZE):
 * the host answers there, and if the old owner still sees it, its contest
 * takes the freeze back with it. Until frozen_until_ms = now + window_ms
 * the freeze restrains claimers: a router does not claim a host frozen at
 * another router (gossip_claim_may_claim) unless it contests a move just
 * made. The received claims themselves are still decided by the order
 * alone, frozen or not: routers that saw different freezes (a record lost,
 * a router restarted) must still end with the same owner, and a claim
 * made anyway is verified and contested by the owner like any other. A
 * move while frozen is not counted; at thaw the history is cleared.
 *
 * Sequence window (issue 11): a claim may take only seq <= mobility_seq +
 * GOSSIP_CLAIM_SEQ_WINDOW (room for a few concurrent claims); a first claim
 * for a host without state only seq <= GOSSIP_CLAIM_SEQ_FIRST_MAX. Anything
 * higher is REJECT_SEQ and leaves the state alone (seq_max included), so
 * seq climbs by at most the window per accepted claim and is never
 * exhausted. A claim beyond the window is still taken when it is
 * corroborated: another router's latest claim of the host lies within the
 * window below it. A router that missed claims (it was down, or cut off)
 * so catches up along the records' own chain, while one router alone, a
 * rogue one included, cannot jump: its own records never corroborate it.
 * A stored state above GOSSIP_CLAIM_SEQ_SANE_MAX cannot come
 * from these rules (an older vrd accepted any seq): it is taken as absent,
 * on every router alike, so the next claim starts the host afresh.
 *
 * Contests (the owner still sees the host and claims it back, with seq =
 * the claimer's + 1): a claim that returns the host to prev_router, the
 * owner right before the last move (for a first claim, or the first since
 * a lapse, the host's home router: in.home), within GOSSIP_CLAIM_VERIFY_MS
 * of that move, undoes the move in the history (ACCEPT_CONTEST) instead of counting
 * as one, so forged moves cannot trip the freeze at the forger. The
 * GOSSIP_CLAIM_CONTESTS_MAXth contest within window_ms is a duplicate IP
 * (it answers on two LANs): accepted, and frozen at the contester, where it
 * answers (ACCEPT_DUPLICATE). While frozen, a contest is still accepted
 * (the freeze moves to the contester).
 *
 * Lapse (gossip_claim_lapse): the owner died or an operator reset the
 * claim. The state keeps its sequence numbers (so none is reused) but has
 * no owner for routing; the next claim that the order lets win (its seq
 * at least the lapsed one's, the lapsed owner itself at an equal seq
 * included) is ACCEPT_NEW.
 *
 * Times are wall clock milliseconds: frozen_until_ms and the move history
 * are persisted and must mean the same after a reboot. A freeze that
 * reaches more than window_ms past now (the clock stepped back) is cut to
 * now + window_ms.
 */
#ifndef GOSSIP_CLAIM_H
#define GOSSIP_CLAIM_H

#include <stdbool.h>
#include <stdint.h>

#include "tables/tables.h"
#include "base/addr.h"

#define GOSSIP_CLAIM_MOVES_MAX TABLES_CLAIM_MOVES_MAX /* history capacity */
#define GOSSIP_CLAIM_MOVES_DEFAULT 5
#define GOSSIP_CLAIM_WINDOW_DEFAULT_MS 180000
#define GOSSIP_CLAIM_SEQ_WINDOW \
	4 /* seq above the current one a claim may take */
/* for a host without state: a router that missed the claims takes the
 * higher ones only when they are corroborated, so a rogue's first claim
 * cannot set a seq that the routers with state refuse */
#define GOSSIP_CLAIM_SEQ_FIRST_MAX GOSSIP_CLAIM_SEQ_WINDOW
#define GOSSIP_CLAIM_SEQ_SANE_MAX (1ull << 62) /* above: an old vrd's state */
/* how far above our state our own claim may go to beat a refused one */
#define GOSSIP_CLAIM_SEQ_CATCHUP 1024
#define GOSSIP_CLAIM_VERIFY_MS 2000 /* a return this soon is a contest */
#define GOSSIP_CLAIM_CONTESTS_MAX 3 /* contests in a window: a duplicate */

struct gossip_claim_params {
	unsigned moves_max; /* 1..GOSSIP_CLAIM_MOVES_MAX; 0: default 5 */
	uint64_t window_ms; /* 0: default 180 s */
};

/* What a router holds about one host (vn, ip); the key is the caller's. */
struct gossip_claim_state {
	struct vrd_mac mac;
	char router[VRD_NAME_MAX + 1]; /* current owner */
	uint64_t mobility_seq; /* of the owner's winning claim */
	uint64_t seq_max; /* highest seq seen for the host, even refused */
	uint64_t frozen_until_ms; /* 0: not frozen */
	unsigned nmoves; /* entries in moves_ms */
	uint64_t moves_ms[GOSSIP_CLAIM_MOVES_MAX]; /* oldest first */
	bool lapsed; /* owner gone or reset: no route, seq kept */
	char prev_router[VRD_NAME_MAX + 1]; /* owner before the last move */
	uint64_t moved_ms; /* the last move; 0 once undone */
	unsigned ncontests; /* within window_ms of contest_ms */
	uint64_t contest_ms; /* the last contest */
	char frozen_at[VRD_NAME_MAX + 1]; /* where a freeze holds it */
};

/* A received (or our own) claim; router and home are borrowed. */
struct gossip_claim_in {
	const char *router;
	struct vrd_mac mac;
	uint64_t seq;
	/* The host's home router (the owner of the longest network prefix
	 * that holds it), NULL when unknown. Used only when the host has no
	 * owner yet (no state, or lapsed): a first claim by another router
	 * is then a move from home, which home may contest. */
	const char *home;
	/* Another router's latest claim of the host has a seq within
	 * GOSSIP_CLAIM_SEQ_WINDOW below this one's (the caller knows the
	 * records it holds): the window then does not apply. */
	bool corroborated;
};

enum gossip_claim_verdict {
	GOSSIP_CLAIM_ACCEPT_NEW = 1, /* first claim for the host */
	GOSSIP_CLAIM_ACCEPT_MOVE, /* another router won: the host moved */
	GOSSIP_CLAIM_ACCEPT_REFRESH, /* the owner again (seq or MAC may have
				      * risen/changed; router did not) */
	GOSSIP_CLAIM_REJECT_STALE, /* lower seq than the current claim */
	GOSSIP_CLAIM_REJECT_TIE, /* equal seq, loses the tie (above) */
	GOSSIP_CLAIM_REJECT_FROZEN, /* our own claim: frozen elsewhere */
	GOSSIP_CLAIM_REJECT_INVALID, /* bad router name, MAC or seq 0 */
	GOSSIP_CLAIM_REJECT_SEQ, /* seq beyond the window */
	GOSSIP_CLAIM_ACCEPT_CONTEST, /* back to prev_router: move undone */
	GOSSIP_CLAIM_ACCEPT_DUPLICATE, /* a contest too many: frozen there */
	GOSSIP_CLAIM_REJECT_RATE, /* the daemon's: the claimer's rate spent */
	GOSSIP_CLAIM_ACCEPT_FREEZE, /* the move too many: taken, frozen there */
};

/* The sequence number for a new claim of our own: above every seq seen for
 * the host (seq_max), but inside the window (at most mobility_seq +
 * GOSSIP_CLAIM_SEQ_WINDOW); 1 for a host without state (cur NULL) or with
 * one taken as absent (above GOSSIP_CLAIM_SEQ_SANE_MAX). Never 0. */
uint64_t gossip_claim_next_seq(const struct gossip_claim_state *cur);

/*
 * Decides on claim in for a host whose state is st (exists: st holds the
 * current state; !exists, or a state gossip_claim_state_insane: st is
 * filled from scratch). st is updated in
 * place on every verdict that changes it (an accept, a freeze, a thaw, a
 * higher seq_max), so the caller writes it back after each call, or at
 * least whenever the verdict is not REJECT_STALE, REJECT_TIE,
 * REJECT_INVALID or REJECT_SEQ (for those only thaw housekeeping, which is
 * idempotent, may have happened).
 *
 * *we_lost (may be NULL) is set true when the verdict is ACCEPT_MOVE,
 * ACCEPT_CONTEST or ACCEPT_DUPLICATE and the host was ours (owner
 * self_name): stand down.
 */
enum gossip_claim_verdict
gossip_claim_decide(struct gossip_claim_state *st, bool exists,
		    const struct gossip_claim_in *in, const char *self_name,
		    uint64_t now_ms, const struct gossip_claim_params *p,
		    bool *we_lost);

/* The owner is gone (died, or vrctl claim reset): st keeps its sequence
 * numbers but routes nowhere; the freeze, the history and the contests
 * are cleared. */
void gossip_claim_lapse(struct gossip_claim_state *st);

/* The seq the window counts from: the current claim's, 0 for a host
 * without state (or one taken as absent). Beyond the window: seq above
 * base + GOSSIP_CLAIM_SEQ_WINDOW, refused unless corroborated. */
uint64_t gossip_claim_window_base(const struct gossip_claim_state *st,
				  bool exists);
bool gossip_claim_beyond_window(const struct gossip_claim_state *st,
				bool exists, uint64_t seq);

/* True when a stored state is to be taken as absent (see above). */
bool gossip_claim_state_insane(const struct gossip_claim_state *st);

/* True for the verdicts that make in's router the owner. */
bool gossip_claim_verdict_accepts(enum gossip_claim_verdict v);

/* May self_name claim the host now? Not while it is frozen at another
 * router, unless the claim contests a move just made (the host was ours
 * and answers here). */
bool gossip_claim_may_claim(const struct gossip_claim_state *st,
			    const char *self_name, uint64_t now_ms);

/* True while st is frozen at now_ms. */
bool gossip_claim_frozen(const struct gossip_claim_state *st, uint64_t now_ms);

/* "accept-new", "accept-move", ...; NULL for an unknown value. */
const char *gossip_claim_verdict_name(enum gossip_claim_verdict v);

/* Between the decision's state and the claims table's entry. from returns
 * -EINVAL for an entry the decision cannot use (empty router, nmoves over
 * capacity); to sets vn and ip. */
int gossip_claim_state_from(struct gossip_claim_state *st,
			    const struct tables_claim_entry *e);
void gossip_claim_state_to(struct tables_claim_entry *e, uint32_t vn,
			   uint32_t ip, const struct gossip_claim_state *st);

#endif
