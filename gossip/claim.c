/* Mobility claims: the decision (claim.h). Pure: no I/O. */
#include "gossip/claim.h"

#include <errno.h>
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

uint64_t gossip_claim_next_seq(const struct gossip_claim_state *cur)
{
	uint64_t seen;

	if (!cur) {
		return 1;
	}
	seen = cur->seq_max > cur->mobility_seq ? cur->seq_max
						: cur->mobility_seq;
	return seen == UINT64_MAX ? 0 : seen + 1;
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
	if (st->seq_max < in->seq) {
		st->seq_max = in->seq;
	}
}

static enum gossip_claim_verdict decide_frozen(struct gossip_claim_state *st,
					       const struct gossip_claim_in *in)
{
	if (strcmp(in->router, st->router) == 0 &&
	    vrd_mac_equal(&in->mac, &st->mac) && in->seq >= st->mobility_seq) {
		claim_take(st, in);
		return GOSSIP_CLAIM_ACCEPT_REFRESH;
	}
	if (st->seq_max < in->seq) {
		st->seq_max = in->seq;
	}
	return GOSSIP_CLAIM_REJECT_FROZEN;
}

enum gossip_claim_verdict
gossip_claim_decide(struct gossip_claim_state *st, bool exists,
		    const struct gossip_claim_in *in, const char *self_name,
		    uint64_t now_ms, const struct gossip_claim_params *p,
		    bool *we_lost)
{
	uint64_t window = window_ms(p);
	bool ours;
	int c;

	if (we_lost) {
		*we_lost = false;
	}
	if (!claim_valid(in)) {
		return GOSSIP_CLAIM_REJECT_INVALID;
	}
	if (!exists) {
		memset(st, 0, sizeof(*st));
		claim_take(st, in);
		return GOSSIP_CLAIM_ACCEPT_NEW;
	}
	freeze_update(st, now_ms, window);
	if (gossip_claim_frozen(st, now_ms)) {
		return decide_frozen(st, in);
	}
	c = claim_cmp(in, st);
	if (c < 0) {
		return in->seq < st->mobility_seq ? GOSSIP_CLAIM_REJECT_STALE
						  : GOSSIP_CLAIM_REJECT_TIE;
	}
	if (strcmp(in->router, st->router) == 0) {
		claim_take(st, in);
		return GOSSIP_CLAIM_ACCEPT_REFRESH;
	}
	moves_prune(st, now_ms, window);
	if (st->nmoves >= moves_max(p)) {
		st->frozen_until_ms = now_ms + window;
		if (st->seq_max < in->seq) {
			st->seq_max = in->seq;
		}
		return GOSSIP_CLAIM_REJECT_FROZEN;
	}
	ours = self_name && strcmp(st->router, self_name) == 0;
	moves_add(st, now_ms);
	claim_take(st, in);
	if (we_lost) {
		*we_lost = ours;
	}
	return GOSSIP_CLAIM_ACCEPT_MOVE;
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
}
