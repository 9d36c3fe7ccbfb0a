/* Mobility claims: the decision (claim.h). Pure: no I/O. */
#include "gossip/claim.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

_Static_assert(GOSSIP_CLAIM_MOVES_MAX <= UINT8_MAX,
	       "the claims table stores nmoves in a byte");

static const char *const verdict_names[] = {
	[GOSSIP_CLAIM_ACCEPT_NEW] = "accept-new",
	[GOSSIP_CLAIM_ACCEPT_MOVE] = "accept-move",
	[GOSSIP_CLAIM_ACCEPT_REFRESH] = "accept-refresh",
	[GOSSIP_CLAIM_REJECT_STALE] = "reject-stale",
	[GOSSIP_CLAIM_REJECT_TIE] = "reject-tie",
	[GOSSIP_CLAIM_REJECT_FROZEN] = "reject-frozen",
	[GOSSIP_CLAIM_REJECT_INVALID] = "reject-invalid",
	[GOSSIP_CLAIM_REJECT_SEQ] = "reject-seq",
	[GOSSIP_CLAIM_ACCEPT_CONTEST] = "accept-contest",
	[GOSSIP_CLAIM_ACCEPT_DUPLICATE] = "accept-duplicate",
	[GOSSIP_CLAIM_REJECT_RATE] = "reject-rate",
	[GOSSIP_CLAIM_ACCEPT_FREEZE] = "accept-freeze",
};

const char *gossip_claim_verdict_name(enum gossip_claim_verdict v)
{
	if ((unsigned)v >= sizeof(verdict_names) / sizeof(verdict_names[0])) {
		return NULL;
	}
	return verdict_names[v];
}

static unsigned moves_max(const struct gossip_claim_params *p)
{
	if (!p || p->moves_max == 0) {
		return GOSSIP_CLAIM_MOVES_DEFAULT;
	}
	return p->moves_max < GOSSIP_CLAIM_MOVES_MAX ? p->moves_max
						     : GOSSIP_CLAIM_MOVES_MAX;
}

static uint64_t window_ms(const struct gossip_claim_params *p)
{
	return p && p->window_ms ? p->window_ms
				 : GOSSIP_CLAIM_WINDOW_DEFAULT_MS;
}

bool gossip_claim_state_insane(const struct gossip_claim_state *st)
{
	return st->mobility_seq > GOSSIP_CLAIM_SEQ_SANE_MAX;
}

bool gossip_claim_verdict_accepts(enum gossip_claim_verdict v)
{
	return v == GOSSIP_CLAIM_ACCEPT_NEW || v == GOSSIP_CLAIM_ACCEPT_MOVE ||
	       v == GOSSIP_CLAIM_ACCEPT_REFRESH ||
	       v == GOSSIP_CLAIM_ACCEPT_CONTEST ||
	       v == GOSSIP_CLAIM_ACCEPT_DUPLICATE ||
	       v == GOSSIP_CLAIM_ACCEPT_FREEZE;
}

uint64_t gossip_claim_next_seq(const struct gossip_claim_state *cur)
{
	uint64_t seen, top;

	if (!cur || gossip_claim_state_insane(cur)) {
		return 1;
	}
	/* an older vrd may have raised seq_max past the window: the window
	 * wins, a tie at its top is decided by the order */
	seen = cur->seq_max > cur->mobility_seq ? cur->seq_max
						: cur->mobility_seq;
	top = cur->mobility_seq + GOSSIP_CLAIM_SEQ_WINDOW;
	return seen < top ? seen + 1 : top;
}

void gossip_claim_lapse(struct gossip_claim_state *st)
{
	st->lapsed = true;
	st->frozen_until_ms = 0;
	st->nmoves = 0;
	memset(st->moves_ms, 0, sizeof(st->moves_ms));
	st->prev_router[0] = '\0';
	st->moved_ms = 0;
	st->ncontests = 0;
	st->contest_ms = 0;
	st->frozen_at[0] = '\0';
}

bool gossip_claim_frozen(const struct gossip_claim_state *st, uint64_t now_ms)
{
	return st->frozen_until_ms != 0 && now_ms < st->frozen_until_ms;
}

static bool claim_valid(const struct gossip_claim_in *in)
{
	return in->router && vrd_name_valid(in->router) && in->seq != 0 &&
	       vrd_mac_is_unicast(&in->mac);
}

/* Ends a freeze that is over (clearing the history), and cuts one that
 * reaches further than a window from now (the clock stepped back). */
static void freeze_update(struct gossip_claim_state *st, uint64_t now_ms,
			  uint64_t window)
{
	if (st->frozen_until_ms == 0) {
		return;
	}
	if (now_ms >= st->frozen_until_ms) {
		st->frozen_until_ms = 0;
		st->frozen_at[0] = '\0';
		st->nmoves = 0;
		memset(st->moves_ms, 0, sizeof(st->moves_ms));
	} else if (st->frozen_until_ms - now_ms > window) {
		st->frozen_until_ms = now_ms + window;
	}
}

/* Drops moves older than the window; a move stamped in the future (clock
 * stepped back) still counts. */
static void moves_prune(struct gossip_claim_state *st, uint64_t now_ms,
			uint64_t window)
{
	unsigned i, n = 0;

	for (i = 0; i < st->nmoves && i < GOSSIP_CLAIM_MOVES_MAX; i++) {
		uint64_t t = st->moves_ms[i];

		if (t > now_ms || now_ms - t < window) {
			st->moves_ms[n++] = t;
		}
	}
	for (i = n; i < GOSSIP_CLAIM_MOVES_MAX; i++) {
		st->moves_ms[i] = 0;
	}
	st->nmoves = n;
}

/* Appends a move; a full history loses its oldest entry. */
static void moves_add(struct gossip_claim_state *st, uint64_t now_ms)
{
	if (st->nmoves >= GOSSIP_CLAIM_MOVES_MAX) {
		memmove(st->moves_ms, st->moves_ms + 1,
			(GOSSIP_CLAIM_MOVES_MAX - 1) * sizeof(st->moves_ms[0]));
		st->nmoves = GOSSIP_CLAIM_MOVES_MAX - 1;
	}
	st->moves_ms[st->nmoves++] = now_ms;
}

/* > 0 when in beats the current claim of st, < 0 when it loses, 0 when it
 * is the same claim. The order of claim.h. */
static int claim_cmp(const struct gossip_claim_in *in,
		     const struct gossip_claim_state *st)
{
	int c;

	if (in->seq != st->mobility_seq) {
		return in->seq > st->mobility_seq ? 1 : -1;
	}
	c = strcmp(in->router, st->router);
	if (c == 0) {
		c = memcmp(in->mac.b, st->mac.b, sizeof(in->mac.b));
	}
	return c < 0 ? 1 : c > 0 ? -1 : 0;
}

static void claim_take(struct gossip_claim_state *st,
		       const struct gossip_claim_in *in)
{
	size_t n = strlen(in->router);

	memcpy(st->router, in->router, n + 1);
	st->mac = in->mac;
	st->mobility_seq = in->seq;
	st->lapsed = false;
	if (st->seq_max < in->seq) {
		st->seq_max = in->seq;
	}
}

/* in returns the host to the owner before the last move, soon after it:
 * the owner contests a move it can disprove. */
static bool is_contest(const struct gossip_claim_state *st,
		       const struct gossip_claim_in *in, uint64_t now_ms)
{
	return st->moved_ms != 0 && st->prev_router[0] != '\0' &&
	       strcmp(in->router, st->prev_router) == 0 &&
	       now_ms >= st->moved_ms &&
	       now_ms - st->moved_ms < GOSSIP_CLAIM_VERIFY_MS;
}

/* Undoes the last move (the contested one) and takes in; the contest is
 * counted, and the one too many in a window freezes the host here. */
static enum gossip_claim_verdict contest_take(struct gossip_claim_state *st,
					      const struct gossip_claim_in *in,
					      uint64_t now_ms, uint64_t window)
{
	char undone[VRD_NAME_MAX + 1];

	if (st->nmoves > 0) {
		st->moves_ms[--st->nmoves] = 0;
	}
	memcpy(undone, st->router, sizeof(undone));
	claim_take(st, in);
	memcpy(st->prev_router, undone, sizeof(undone));
	st->moved_ms = 0;
	if (st->ncontests > 0 && now_ms >= st->contest_ms &&
	    now_ms - st->contest_ms >= window) {
		st->ncontests = 0;
	}
	st->ncontests++;
	st->contest_ms = now_ms;
	if (st->ncontests < GOSSIP_CLAIM_CONTESTS_MAX) {
		return GOSSIP_CLAIM_ACCEPT_CONTEST;
	}
	st->frozen_until_ms = now_ms + window;
	memcpy(st->frozen_at, st->router, sizeof(st->frozen_at));
	return GOSSIP_CLAIM_ACCEPT_DUPLICATE;
}

/* A first claim (or the first since a lapse) by a router other than the
 * host's home took it from home: home may contest it, as it would a move
 * (is_contest). Not counted in the history: the freeze counts moves
 * between claimers, as before. */
static void from_home(struct gossip_claim_state *st,
		      const struct gossip_claim_in *in, uint64_t now_ms)
{
	if (!in->home || !vrd_name_valid(in->home) ||
	    strcmp(in->home, in->router) == 0) {
		return;
	}
	snprintf(st->prev_router, sizeof(st->prev_router), "%s", in->home);
	st->moved_ms = now_ms;
}

/* Beyond the window: the seq of the current claim (none: 0) + window, or
 * the first-claim bound. */
uint64_t gossip_claim_window_base(const struct gossip_claim_state *st,
				  bool exists)
{
	_Static_assert(GOSSIP_CLAIM_SEQ_FIRST_MAX == GOSSIP_CLAIM_SEQ_WINDOW,
		       "a state taken as absent has base 0");
	return exists && !gossip_claim_state_insane(st) ? st->mobility_seq : 0;
}

bool gossip_claim_beyond_window(const struct gossip_claim_state *st,
				bool exists, uint64_t seq)
{
	return seq >
	       gossip_claim_window_base(st, exists) + GOSSIP_CLAIM_SEQ_WINDOW;
}

static bool seq_out_of_window(const struct gossip_claim_state *st, bool exists,
			      const struct gossip_claim_in *in)
{
	if (in->corroborated && in->seq <= GOSSIP_CLAIM_SEQ_SANE_MAX) {
		return false; /* a chain of other routers' claims leads here */
	}
	return gossip_claim_beyond_window(st, exists, in->seq);
}

bool gossip_claim_may_claim(const struct gossip_claim_state *st,
			    const char *self_name, uint64_t now_ms)
{
	struct gossip_claim_in in = {.router = self_name};

	return st->lapsed || !gossip_claim_frozen(st, now_ms) ||
	       strcmp(st->router, self_name) == 0 ||
	       strcmp(st->frozen_at, self_name) == 0 ||
	       is_contest(st, &in, now_ms);
}

enum gossip_claim_verdict
gossip_claim_decide(struct gossip_claim_state *st, bool exists,
		    const struct gossip_claim_in *in, const char *self_name,
		    uint64_t now_ms, const struct gossip_claim_params *p,
		    bool *we_lost)
{
	uint64_t window = window_ms(p);
	enum gossip_claim_verdict v;
	bool ours;
	int c;

	if (we_lost) {
		*we_lost = false;
	}
	if (!claim_valid(in)) {
		return GOSSIP_CLAIM_REJECT_INVALID;
	}
	if (exists && gossip_claim_state_insane(st)) {
		exists = false; /* an older vrd's poisoned seq: start afresh */
	}
	if (seq_out_of_window(st, exists, in)) {
		return GOSSIP_CLAIM_REJECT_SEQ;
	}
	if (!exists) {
		memset(st, 0, sizeof(*st));
		claim_take(st, in);
		from_home(st, in, now_ms);
		return GOSSIP_CLAIM_ACCEPT_NEW;
	}
	c = claim_cmp(in, st);
	if (st->lapsed) {
		/* nobody holds it: the order alone decides, the lapsed owner's
		 * own claim again included */
		if (c < 0) {
			return in->seq < st->mobility_seq
				       ? GOSSIP_CLAIM_REJECT_STALE
				       : GOSSIP_CLAIM_REJECT_TIE;
		}
		claim_take(st, in);
		from_home(st, in, now_ms);
		return GOSSIP_CLAIM_ACCEPT_NEW;
	}
	ours = self_name && strcmp(st->router, self_name) == 0;
	freeze_update(st, now_ms, window);
	if (c < 0) {
		return in->seq < st->mobility_seq ? GOSSIP_CLAIM_REJECT_STALE
						  : GOSSIP_CLAIM_REJECT_TIE;
	}
	if (strcmp(in->router, st->router) == 0) {
		claim_take(st, in);
		return GOSSIP_CLAIM_ACCEPT_REFRESH;
	}
	if (we_lost) {
		*we_lost = ours; /* every verdict from here on takes it */
	}
	if (is_contest(st, in, now_ms)) {
		/* a freeze stays (or grows: a duplicate), and moves to the
		 * router that disproved the move */
		uint64_t until = st->frozen_until_ms;

		v = contest_take(st, in, now_ms, window);
		if (until > st->frozen_until_ms) {
			st->frozen_until_ms = until;
		}
		if (st->frozen_until_ms) {
			memcpy(st->frozen_at, st->router,
			       sizeof(st->frozen_at));
		}
		return v;
	}
	if (gossip_claim_frozen(st, now_ms)) {
		/* frozen, the order still decides (every router must end with
		 * the same owner, whichever freezes it saw); the freeze
		 * restrains claimers (gossip_claim_may_claim), and a claim
		 * made anyway is a move the history does not count */
		memcpy(st->prev_router, st->router, sizeof(st->prev_router));
		st->moved_ms = now_ms;
		claim_take(st, in);
		return GOSSIP_CLAIM_ACCEPT_MOVE;
	}
	moves_prune(st, now_ms, window);
	/* the move too many is taken, and frozen there: the host answers
	 * where it went (the old owner, if it still sees it, contests, and
	 * the freeze follows the contest to the place it answers) */
	v = st->nmoves >= moves_max(p) ? GOSSIP_CLAIM_ACCEPT_FREEZE
				       : GOSSIP_CLAIM_ACCEPT_MOVE;
	moves_add(st, now_ms);
	memcpy(st->prev_router, st->router, sizeof(st->prev_router));
	st->moved_ms = now_ms;
	claim_take(st, in);
	if (v == GOSSIP_CLAIM_ACCEPT_FREEZE) {
		st->frozen_until_ms = now_ms + window;
		memcpy(st->frozen_at, st->router, sizeof(st->frozen_at));
	}
	return v;
}

int gossip_claim_state_from(struct gossip_claim_state *st,
			    const struct tables_claim_entry *e)
{
	size_t n = strnlen(e->router, sizeof(e->router));

	if (n == 0 || n > VRD_NAME_MAX || e->nmoves > GOSSIP_CLAIM_MOVES_MAX) {
		return -EINVAL;
	}
	memset(st, 0, sizeof(*st));
	memcpy(st->router, e->router, n);
	st->mac = e->mac;
	st->mobility_seq = e->mobility_seq;
	st->seq_max = e->seq_max;
	st->frozen_until_ms = e->frozen_until_ms;
	st->nmoves = e->nmoves;
	memcpy(st->moves_ms, e->moves_ms, e->nmoves * sizeof(st->moves_ms[0]));
	st->lapsed = (e->flags & TABLES_CLAIM_LAPSED) != 0;
	n = strnlen(e->prev_router, sizeof(e->prev_router));
	if (n <= VRD_NAME_MAX) {
		memcpy(st->prev_router, e->prev_router, n);
	}
	st->moved_ms = e->moved_ms;
	st->ncontests = e->ncontests;
	st->contest_ms = e->contest_ms;
	n = strnlen(e->frozen_at, sizeof(e->frozen_at));
	if (n <= VRD_NAME_MAX) {
		memcpy(st->frozen_at, e->frozen_at, n);
	}
	if (st->frozen_until_ms && !st->frozen_at[0]) {
		/* a freeze stored before frozen_at: held by its owner */
		memcpy(st->frozen_at, st->router, sizeof(st->frozen_at));
	}
	return 0;
}

void gossip_claim_state_to(struct tables_claim_entry *e, uint32_t vn,
			   uint32_t ip, const struct gossip_claim_state *st)
{
	unsigned n = st->nmoves < GOSSIP_CLAIM_MOVES_MAX
			     ? st->nmoves
			     : GOSSIP_CLAIM_MOVES_MAX;

	memset(e, 0, sizeof(*e));
	e->vn = vn;
	e->ip = ip;
	e->mac = st->mac;
	memcpy(e->router, st->router, sizeof(e->router));
	e->router[VRD_NAME_MAX] = '\0';
	e->mobility_seq = st->mobility_seq;
	e->seq_max = st->seq_max;
	e->frozen_until_ms = st->frozen_until_ms;
	e->nmoves = (uint8_t)n;
	memcpy(e->moves_ms, st->moves_ms, n * sizeof(e->moves_ms[0]));
	e->flags = st->lapsed ? TABLES_CLAIM_LAPSED : 0;
	memcpy(e->prev_router, st->prev_router, sizeof(e->prev_router));
	e->prev_router[VRD_NAME_MAX] = '\0';
	e->moved_ms = st->moved_ms;
	e->ncontests =
		st->ncontests > UINT8_MAX ? UINT8_MAX : (uint8_t)st->ncontests;
	e->contest_ms = st->contest_ms;
	memcpy(e->frozen_at, st->frozen_at, sizeof(e->frozen_at));
	e->frozen_at[VRD_NAME_MAX] = '\0';
}
