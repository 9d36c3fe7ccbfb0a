/*
 * The daemon's side of gossip, part two: what the overlay decides, written
 * into the tables. Records queued by the node's record callback are applied
 * in one transaction: networks and withdrawals into the GNDT, host claims
 * through the claim decision (gossip/claim.h) into the claims table, the
 * GNDT, the LNDT (standing down) and the event log. Our own claims
 * (vrctl claim) go through the same decision.
 */
#include "vrd/daemon_gossip.h"
#include "vrd/migrate.h"
#include "base/clock.h"
#include "base/log.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int event_field_u64(struct tables_event *ev, const char *key, uint64_t v)
{
	return tables_event_set(ev, key, "%" PRIu64, v);
}

/* A claim event: ip, mac, vn, router, seq. */
static int claim_event(struct tables_txn *txn, const char *type, uint64_t now,
		       uint32_t vn, uint32_t ip, const struct vrd_mac *mac,
		       const char *router, uint64_t seq, const char *owner)
{
	char a[VRD_IPV4_STRLEN], m[VRD_MAC_STRLEN];
	struct tables_event ev = {.time_ms = now};
	int rc;

	snprintf(ev.type, sizeof(ev.type), "%s", type);
	rc = tables_event_set(&ev, "ip", "%s", vrd_ipv4_format(ip, a));
	if (rc == 0) {
		rc = tables_event_set(&ev, "mac", "%s", vrd_mac_format(mac, m));
	}
	if (rc == 0) {
		rc = event_field_u64(&ev, "vn", vn);
	}
	if (rc == 0) {
		rc = tables_event_set(&ev, "router", "%s", router);
	}
	if (rc == 0) {
		rc = event_field_u64(&ev, "seq", seq);
	}
	if (rc == 0 && owner) {
		rc = tables_event_set(&ev, "owner", "%s", owner);
	}
	if (rc == 0) {
		rc = tables_event_add(txn, &ev);
	}
	return rc;
}

/* ---- claim rates ---------------------------------------------------- */

struct vrd_daemon_claim_origin *
vrd_daemon_gossip_origin(struct vrd_daemon_gossip *gs, const char *name)
{
	struct vrd_daemon_claim_origin *o, *lru = &gs->origins[0];

	for (size_t i = 0; i < VRD_DAEMON_CLAIM_ORIGINS_MAX; i++) {
		o = &gs->origins[i];
		if (strcmp(o->name, name) == 0) {
			return o;
		}
		if (o->name[0] == '\0') {
			lru = o;
			break;
		}
		if (lru->name[0] != '\0' && o->refill_ms < lru->refill_ms) {
			lru = o;
		}
	}
	memset(lru, 0, sizeof(*lru));
	snprintf(lru->name, sizeof(lru->name), "%s", name);
	lru->tokens_milli = VRD_DAEMON_CLAIM_BURST * 1000ull;
	lru->refill_ms = vrd_monotonic_ms();
	return lru;
}

bool vrd_daemon_gossip_rate_take(struct vrd_daemon_gossip *gs,
				 struct vrd_daemon_claim_origin *o,
				 uint64_t now_ms)
{
	const uint64_t full = VRD_DAEMON_CLAIM_BURST * 1000ull;

	if (now_ms > o->refill_ms) {
		uint64_t add =
			(now_ms - o->refill_ms) * VRD_DAEMON_CLAIM_RATE_PER_S;

		o->tokens_milli = full - o->tokens_milli < add
					  ? full
					  : o->tokens_milli + add;
		o->refill_ms = now_ms;
	}
	if (o->tokens_milli < 1000) {
		o->rate_limited++;
		gs->stats.claims_rate_limited++;
		return false;
	}
	o->tokens_milli -= 1000;
	return true;
}

/* A new host or a move spends the claimer's rate; a refresh, a contest
 * (the previous owner disproving a move) and a refusal do not. */
static bool verdict_spends_rate(enum gossip_claim_verdict v)
{
	return v == GOSSIP_CLAIM_ACCEPT_NEW || v == GOSSIP_CLAIM_ACCEPT_MOVE;
}

/* ---- records into the tables ---------------------------------------- */

void vrd_daemon_gossip_cb_record(const struct gossip_record *r, void *arg)
{
	struct vrd_daemon_gossip *gs = arg;

	if (r->type == GOSSIP_RECORD_HOST) {
		vrd_daemon_gossip_origin(gs, r->origin)->heard_ms =
			vrd_monotonic_ms();
	}
	/* the node holds no transaction: safe */
	if (gs->npending == VRD_DAEMON_GOSSIP_PENDING_MAX) {
		vrd_daemon_gossip_records_apply(gs);
	}
	gs->pending[gs->npending++] = *r;
}

/* What one batch decided, per record; reset at every run of the
 * transaction (tables_write may run it again). */
struct apply {
	struct vrd_daemon_gossip *gs;
	uint64_t now; /* wall clock */
	uint64_t mono; /* monotonic, for the claim rates */
	/* HOST: enum gossip_claim_verdict */
	uint8_t verdict[VRD_DAEMON_GOSSIP_PENDING_MAX];
	bool lost[VRD_DAEMON_GOSSIP_PENDING_MAX];
	bool ignored[VRD_DAEMON_GOSSIP_PENDING_MAX];
};

static int apply_network(struct tables_txn *txn, struct apply *a, size_t i)
{
	const struct gossip_record *r = &a->gs->pending[i];
	struct tables_gndt_entry e, old;
	int rc;

	if (strcmp(r->origin, a->gs->d->cfg.name) == 0) {
		a->ignored[i] = true; /* ours, come back round */
		return 0;
	}
	rc = tables_gndt_get(txn, r->vn, &r->prefix, &old);
	if (rc < 0 && rc != -ENOENT) {
		return rc;
	}
	if (rc == 0 && old.origin == TABLES_GNDT_LOCAL) {
		a->ignored[i] = true; /* the config says it is ours: keep */
		return 0;
	}
	memset(&e, 0, sizeof(e));
	e.vn = r->vn;
	e.prefix = r->prefix;
	snprintf(e.router, sizeof(e.router), "%s", r->origin);
	e.seq = r->origin_seq;
	e.origin = TABLES_GNDT_GOSSIP;
	e.created_ms = a->now;
	e.updated_ms = a->now;
	return tables_gndt_put(txn, &e);
}

static int apply_withdraw(struct tables_txn *txn, struct apply *a, size_t i)
{
	const struct gossip_record *r = &a->gs->pending[i];
	struct tables_gndt_entry old;
	int rc;

	rc = tables_gndt_get(txn, r->vn, &r->prefix, &old);
	if (rc == -ENOENT || (rc == 0 && (strcmp(old.router, r->origin) ||
					  old.origin == TABLES_GNDT_LOCAL ||
					  old.origin == TABLES_GNDT_STATIC))) {
		a->ignored[i] = true; /* not the origin's (any more) */
		return 0;
	}
	if (rc < 0) {
		return rc;
	}
	return tables_gndt_del(txn, r->vn, &r->prefix);
}

/* The host route of a won claim: (vn, ip/32) -> router. */
static int claim_gndt_put(struct tables_txn *txn, uint32_t vn, uint32_t ip,
			  const char *router, uint64_t seq, uint64_t now)
{
	struct vrd_prefix p = {.addr = ip, .len = 32};
	struct tables_gndt_entry e, old;
	int rc = tables_gndt_get(txn, vn, &p, &old);

	if (rc < 0 && rc != -ENOENT) {
		return rc;
	}
	if (rc == 0 && old.origin == TABLES_GNDT_LOCAL) {
		return 0; /* our own configured address (host mode) */
	}
	memset(&e, 0, sizeof(e));
	e.vn = vn;
	e.prefix = p;
	snprintf(e.router, sizeof(e.router), "%s", router);
	e.seq = seq;
	e.origin = TABLES_GNDT_CLAIM;
	e.created_ms = now;
	e.updated_ms = now;
	return tables_gndt_put(txn, &e);
}

/* Reads the claim state of (vn, ip): *exists false when there is none
 * (or one the decision cannot use, which is then overwritten). */
static int claim_state_read(struct tables_txn *txn, uint32_t vn, uint32_t ip,
			    struct gossip_claim_state *st, bool *exists)
{
	struct tables_claim_entry e;
	int rc = tables_claim_get(txn, vn, ip, &e);

	*exists = false;
	memset(st, 0, sizeof(*st));
	if (rc == -ENOENT) {
		return 0;
	}
	if (rc < 0) {
		return rc;
	}
	if (gossip_claim_state_from(st, &e) == 0) {
		*exists = true;
	} else {
		memset(st, 0, sizeof(*st));
	}
	return 0;
}

/* The home router of (vn, ip), into home: the owner of the longest
 * network prefix (not a claim's host route) that holds it. "" when none
 * does. Read only for a host without an owner, whose first claim home may
 * contest (gossip_claim_in.home). */
static int claim_home(struct tables_txn *txn, uint32_t vn, uint32_t ip,
		      char home[VRD_NAME_MAX + 1])
{
	struct tables_gndt_entry e;

	home[0] = '\0';
	for (int len = 32; len >= 0; len--) {
		struct vrd_prefix p = {.addr = ip & vrd_prefix_mask(len),
				       .len = (uint8_t)len};
		int rc = tables_gndt_get(txn, vn, &p, &e);

		if (rc == -ENOENT ||
		    (rc == 0 && e.origin == TABLES_GNDT_CLAIM)) {
			continue;
		}
		if (rc < 0) {
			return rc;
		}
		snprintf(home, VRD_NAME_MAX + 1, "%s", e.router);
		return 0;
	}
	return 0;
}

/* in.home for a host without an owner (claim.h); home is in's storage. */
static int claim_in_home(struct tables_txn *txn, uint32_t vn, uint32_t ip,
			 const struct gossip_claim_state *st, bool exists,
			 struct gossip_claim_in *in,
			 char home[VRD_NAME_MAX + 1])
{
	int rc;

	if (exists && !st->lapsed) {
		return 0;
	}
	rc = claim_home(txn, vn, ip, home);
	if (rc == 0 && home[0]) {
		in->home = home;
	}
	return rc;
}

static int claim_state_write(struct tables_txn *txn, uint32_t vn, uint32_t ip,
			     const struct gossip_claim_state *st)
{
	struct tables_claim_entry e;

	gossip_claim_state_to(&e, vn, ip, st);
	return tables_claim_put(txn, &e);
}

static bool verdict_changes_state(enum gossip_claim_verdict v)
{
	return v != GOSSIP_CLAIM_REJECT_STALE && v != GOSSIP_CLAIM_REJECT_TIE &&
	       v != GOSSIP_CLAIM_REJECT_INVALID &&
	       v != GOSSIP_CLAIM_REJECT_SEQ && v != GOSSIP_CLAIM_REJECT_RATE;
}

/* The decision, then the claimer's rate (docs/gossip.md): a claim over
 * its rate is refused as if never seen, so the state, the GNDT and the
 * home router's proxy never hear of it. */
static enum gossip_claim_verdict
claim_decide_rated(struct vrd_daemon_gossip *gs, struct gossip_claim_state *st,
		   bool exists, const struct gossip_claim_in *in, uint64_t now,
		   uint64_t mono, bool *lost)
{
	struct gossip_claim_state before = *st;
	enum gossip_claim_verdict v;

	v = gossip_claim_decide(st, exists, in, gs->d->cfg.name, now, NULL,
				lost);
	if (v == GOSSIP_CLAIM_REJECT_SEQ) {
		gs->stats.claims_seq_refused++;
	}
	if (verdict_spends_rate(v) &&
	    !vrd_daemon_gossip_rate_take(
		    gs, vrd_daemon_gossip_origin(gs, in->router), mono)) {
		*st = before;
		if (lost) {
			*lost = false;
		}
		return GOSSIP_CLAIM_REJECT_RATE;
	}
	if (v == GOSSIP_CLAIM_ACCEPT_CONTEST ||
	    v == GOSSIP_CLAIM_ACCEPT_DUPLICATE) {
		gs->stats.claims_contested++;
	}
	if (v == GOSSIP_CLAIM_ACCEPT_DUPLICATE) {
		gs->stats.claims_duplicate++;
	}
	return v;
}

/* We lost the host to another router: it is not ours to serve any more. */
static int stand_down(struct tables_txn *txn, uint32_t vn, uint32_t ip)
{
	struct vrd_prefix p = {.addr = ip, .len = 32};
	struct tables_lndt_entry e;
	int rc = tables_lndt_get(txn, vn, &p, &e);

	if (rc == -ENOENT || (rc == 0 && e.source != TABLES_LNDT_MIGRATED)) {
		return 0;
	}
	if (rc < 0) {
		return rc;
	}
	return tables_lndt_del(txn, vn, &p);
}

static int apply_host(struct tables_txn *txn, struct apply *a, size_t i)
{
	const struct gossip_record *r = &a->gs->pending[i];
	struct gossip_claim_in in = {
		.router = r->origin,
		.mac = r->mac,
		.seq = r->mobility_seq,
	};
	struct gossip_claim_state st;
	enum gossip_claim_verdict v;
	uint32_t ip = r->prefix.addr;
	char home[VRD_NAME_MAX + 1];
	bool exists, lost = false;
	int rc;

	rc = claim_state_read(txn, r->vn, ip, &st, &exists);
	if (rc == 0) {
		rc = claim_in_home(txn, r->vn, ip, &st, exists, &in, home);
	}
	if (rc < 0) {
		return rc;
	}
	in.corroborated = gossip_claim_beyond_window(&st, exists, in.seq) &&
			  vrd_daemon_gossip_corroborated(a->gs, r->vn, ip,
							 r->origin, in.seq);
	v = claim_decide_rated(a->gs, &st, exists, &in, a->now, a->mono, &lost);
	a->verdict[i] = (uint8_t)v;
	a->lost[i] = lost;
	if (verdict_changes_state(v)) {
		rc = claim_state_write(txn, r->vn, ip, &st);
		if (rc < 0) {
			return rc;
		}
	}
	if (!gossip_claim_verdict_accepts(v)) {
		return 0;
	}
	rc = claim_gndt_put(txn, r->vn, ip, r->origin, r->mobility_seq, a->now);
	if (rc == 0 && v == GOSSIP_CLAIM_ACCEPT_FREEZE) {
		/* a move too many: frozen where it went (owner) */
		rc = claim_event(txn, "claim-frozen", a->now, r->vn, ip,
				 &r->mac, r->origin, r->mobility_seq,
				 st.frozen_at);
	}
	if (rc == 0 && lost) {
		rc = stand_down(txn, r->vn, ip);
	}
	if (rc == 0 && v == GOSSIP_CLAIM_ACCEPT_DUPLICATE) {
		/* the alarm: one IP answers on two LANs; frozen at the
		 * contester (router here is the other one) */
		rc = claim_event(txn, "claim-duplicate", a->now, r->vn, ip,
				 &r->mac, st.prev_router, r->mobility_seq,
				 r->origin);
	}
	if (rc < 0 || v == GOSSIP_CLAIM_ACCEPT_REFRESH) {
		return rc;
	}
	return claim_event(txn, lost ? "claim-lost" : "claim-won", a->now,
			   r->vn, ip, &r->mac, r->origin, r->mobility_seq,
			   NULL);
}

static int apply_txn(struct tables_txn *txn, void *arg)
{
	struct apply *a = arg;
	int rc = 0;

	memset(a->verdict, 0, sizeof(a->verdict));
	memset(a->lost, 0, sizeof(a->lost));
	memset(a->ignored, 0, sizeof(a->ignored));
	for (size_t i = 0; i < a->gs->npending && rc == 0; i++) {
		switch (a->gs->pending[i].type) {
		case GOSSIP_RECORD_NETWORK:
			rc = apply_network(txn, a, i);
			break;
		case GOSSIP_RECORD_HOST:
			rc = apply_host(txn, a, i);
			break;
		case GOSSIP_RECORD_WITHDRAW:
			rc = apply_withdraw(txn, a, i);
			break;
		default:
			a->ignored[i] = true;
			break;
		}
	}
	return rc;
}

/* After the commit: what an operator reads in the log. */
static void apply_log(const struct apply *a)
{
	const struct vrd_daemon_gossip *gs = a->gs;
	char ip[VRD_IPV4_STRLEN], m[VRD_MAC_STRLEN], p[VRD_PREFIX_STRLEN];

	for (size_t i = 0; i < gs->npending; i++) {
		const struct gossip_record *r = &gs->pending[i];
		const char *verdict;

		if (a->ignored[i]) {
			continue;
		}
		if (r->type != GOSSIP_RECORD_HOST) {
			log_debug("gossip: %s %s vn %u from %s (seq %" PRIu64
				  ")",
				  r->type == GOSSIP_RECORD_NETWORK ? "network"
								   : "withdraw",
				  vrd_prefix_format(&r->prefix, p), r->vn,
				  r->origin, r->origin_seq);
			continue;
		}
		verdict = gossip_claim_verdict_name(a->verdict[i]);
		vrd_ipv4_format(r->prefix.addr, ip);
		vrd_mac_format(&r->mac, m);
		if (a->lost[i]) {
			log_info(
				"claim: %s (%s) vn %u moved to %s (seq %" PRIu64
				"): standing down",
				ip, m, r->vn, r->origin, r->mobility_seq);
		} else {
			log_debug("claim: %s (%s) vn %u by %s seq %" PRIu64
				  ": %s",
				  ip, m, r->vn, r->origin, r->mobility_seq,
				  verdict ? verdict : "?");
		}
	}
}

/* Claims refused for their seq or rate are not final: held to be decided
 * again, and one that would take a host of ours is checked on our LAN
 * (the others may have taken it: if the host answers, our claim beats
 * it everywhere). */
static void apply_refused(const struct apply *a)
{
	struct vrd_daemon_gossip *gs = a->gs;

	for (size_t i = 0; i < gs->npending; i++) {
		const struct gossip_record *r = &gs->pending[i];
		enum gossip_claim_verdict v = a->verdict[i];

		if (a->ignored[i] || r->type != GOSSIP_RECORD_HOST) {
			continue;
		}
		vrd_daemon_gossip_held_note(gs, r->vn, r->prefix.addr, v,
					    a->mono);
		if ((v == GOSSIP_CLAIM_REJECT_SEQ ||
		     v == GOSSIP_CLAIM_REJECT_RATE) &&
		    gs->d->migrate && r->vn == gs->d->cfg.vn) {
			vrd_migrate_refused(gs->d->migrate, r->prefix.addr,
					    r->origin);
		}
	}
}

/* Writes the records the node handed over since the last call. */
void vrd_daemon_gossip_records_apply(struct vrd_daemon_gossip *gs)
{
	struct vrd_daemon *d = gs->d;
	struct apply *a;
	int rc;

	if (gs->npending == 0) {
		return;
	}
	a = calloc(1, sizeof(*a));
	if (!a) {
		rc = -ENOMEM;
	} else {
		a->gs = gs;
		a->now = vrd_wallclock_ms();
		a->mono = vrd_monotonic_ms();
		rc = tables_write(d->tables, apply_txn, a);
	}
	if (rc < 0) {
		gs->stats.record_errors++;
		log_ratelimited(&gs->rl, VRD_LOG_ERR,
				"gossip: %zu records not written: %s",
				gs->npending, strerror(-rc));
	} else {
		gs->stats.records += gs->npending;
		apply_log(a);
		apply_refused(a);
	}
	free(a);
	gs->npending = 0;
	vrd_daemon_fib_refresh(d, false);
	vrd_daemon_gossip_held_run(gs, vrd_monotonic_ms());
}

/* ---- our own claim -------------------------------------------------- */

/* Our own claim, decided as if it came from the overlay, so that the
 * claims table agrees with what every other router will decide. */
static int claim_txn(struct tables_txn *txn, void *arg)
{
	struct vrd_daemon_gossip_claim_op *op = arg;
	const char *self = op->d->cfg.name;
	struct vrd_prefix p = {.addr = op->ip, .len = 32};
	struct tables_lndt_entry le = {
		.vn = op->vn,
		.prefix = p,
		.source = TABLES_LNDT_MIGRATED,
		.added_ms = op->now,
	};
	struct gossip_claim_state st;
	struct gossip_claim_in in = {.router = self, .mac = op->mac};
	struct tables_lndt_entry have;
	struct tables_hwdt_entry he;
	char home[VRD_NAME_MAX + 1];
	bool exists;
	int rc;

	rc = claim_state_read(txn, op->vn, op->ip, &st, &exists);
	if (rc == 0) {
		rc = claim_in_home(txn, op->vn, op->ip, &st, exists, &in, home);
	}
	if (rc < 0) {
		return rc;
	}
	op->seq = gossip_claim_next_seq(exists ? &st : NULL);
	/* above what we hold of the others' claims, a refused one included
	 * (they may have taken it): it corroborates ours */
	op->seq = in.seq = vrd_daemon_gossip_seq_above(
		op->d->gs, op->vn, op->ip, op->seq,
		gossip_claim_window_base(&st, exists));
	/* beyond the window only when raised to one above another router's
	 * record: that record, one below, corroborates it */
	in.corroborated = gossip_claim_beyond_window(&st, exists, in.seq);
	if (exists && !gossip_claim_may_claim(&st, self, op->now)) {
		/* frozen at another router: we stand back (claim.h) */
		op->verdict = GOSSIP_CLAIM_REJECT_FROZEN;
	} else {
		op->verdict =
			claim_decide_rated(op->d->gs, &st, exists, &in, op->now,
					   vrd_monotonic_ms(), NULL);
	}
	op->frozen_until_ms = st.frozen_until_ms;
	if (op->verdict == GOSSIP_CLAIM_REJECT_RATE) {
		return 0;
	}
	if (!verdict_changes_state(op->verdict)) {
		return -EINVAL;
	}
	rc = claim_state_write(txn, op->vn, op->ip, &st);
	if (rc < 0) {
		return rc;
	}
	if (op->verdict == GOSSIP_CLAIM_REJECT_FROZEN) {
		return claim_event(txn, "claim-frozen", op->now, op->vn, op->ip,
				   &op->mac, self, op->seq, st.router);
	}
	rc = claim_gndt_put(txn, op->vn, op->ip, self, op->seq, op->now);
	if (rc == 0 && op->verdict == GOSSIP_CLAIM_ACCEPT_FREEZE) {
		rc = claim_event(txn, "claim-frozen", op->now, op->vn, op->ip,
				 &op->mac, self, op->seq, st.frozen_at);
	}
	if (rc == 0 && op->verdict == GOSSIP_CLAIM_ACCEPT_DUPLICATE) {
		/* our contest found a duplicate IP: the alarm here too, with
		 * the same fields every other router logs */
		rc = claim_event(txn, "claim-duplicate", op->now, op->vn,
				 op->ip, &op->mac, st.prev_router, op->seq,
				 self);
	}
	if (rc < 0) {
		return rc;
	}
	rc = tables_lndt_get(txn, op->vn, &p, &have);
	if (rc == -ENOENT) {
		rc = tables_lndt_put(txn, &le);
	}
	if (rc < 0) {
		return rc;
	}
	/* the host is here: the HWDT says so in the same commit, so the next
	 * "who has MAC m?" finds it here even if it never ARPs (a RARP names
	 * no address) */
	he = (struct tables_hwdt_entry){
		.vn = op->vn,
		.ip = op->ip,
		.mac = op->mac,
		.source = TABLES_HWDT_RARP,
		.first_seen_ms = op->now,
		.last_seen_ms = op->now,
	};
	rc = tables_hwdt_learn(txn, &he, NULL);
	if (rc < 0 && rc != -EPERM) { /* a static entry stays */
		return rc;
	}
	return claim_event(txn, "claim-won", op->now, op->vn, op->ip, &op->mac,
			   self, op->seq, NULL);
}

int vrd_daemon_gossip_claim_local(struct vrd_daemon_gossip_claim_op *op)
{
	return tables_write(op->d->tables, claim_txn, op);
}

/* ---- lapses: claims of departed routers, vrctl claim reset ------------ */

#define LAPSE_BATCH 256 /* per transaction; the next sweep takes the rest */

struct lapse {
	struct vrd_daemon_gossip *gs;
	bool (*down)(const char *name, void *arg);
	void *arg;
	uint64_t now; /* wall clock */
	struct tables_claim_entry e[LAPSE_BATCH];
	size_t n;
};

static int lapse_pick(const struct tables_claim_entry *e, void *arg)
{
	struct lapse *l = arg;

	if (l->n == LAPSE_BATCH) {
		return 1;
	}
	if ((e->flags & TABLES_CLAIM_LAPSED) ||
	    strcmp(e->router, l->gs->d->cfg.name) == 0 ||
	    !l->down(e->router, l->arg)) {
		return 0;
	}
	l->e[l->n++] = *e;
	return 0;
}

/* The claim of e lapses: state kept (its sequence numbers), the host
 * route goes, so the LPM falls back to the home router's network. */
static int lapse_one(struct tables_txn *txn, const struct tables_claim_entry *e,
		     const char *why, uint64_t now)
{
	struct vrd_prefix p = {.addr = e->ip, .len = 32};
	struct gossip_claim_state st;
	struct tables_gndt_entry g;
	int rc;

	if (gossip_claim_state_from(&st, e) < 0) {
		return tables_claim_del(txn, e->vn, e->ip);
	}
	gossip_claim_lapse(&st);
	rc = claim_state_write(txn, e->vn, e->ip, &st);
	if (rc < 0) {
		return rc;
	}
	rc = tables_gndt_get(txn, e->vn, &p, &g);
	if (rc == 0 && g.origin == TABLES_GNDT_CLAIM) {
		rc = tables_gndt_del(txn, e->vn, &p);
	} else if (rc == -ENOENT || rc == 0) {
		rc = 0;
	}
	if (rc == 0) {
		rc = claim_event(txn, why, now, e->vn, e->ip, &e->mac,
				 e->router, e->mobility_seq, NULL);
	}
	return rc;
}

static int lapse_txn(struct tables_txn *txn, void *arg)
{
	struct lapse *l = arg;
	int rc;

	l->n = 0;
	rc = tables_claim_foreach(txn, TABLES_VN_ALL, lapse_pick, l);
	if (rc < 0) {
		return rc;
	}
	for (size_t i = 0; i < l->n; i++) {
		rc = lapse_one(txn, &l->e[i], "claim-lapsed", l->now);
		if (rc < 0) {
			return rc;
		}
	}
	return 0;
}

int vrd_daemon_gossip_claims_lapse(struct vrd_daemon_gossip *gs,
				   bool (*down)(const char *name, void *arg),
				   void *arg)
{
	struct lapse *l = calloc(1, sizeof(*l));
	int rc;

	if (!l) {
		return -ENOMEM;
	}
	l->gs = gs;
	l->down = down;
	l->arg = arg;
	l->now = vrd_wallclock_ms();
	rc = tables_write(gs->d->tables, lapse_txn, l);
	if (rc == 0) {
		rc = (int)l->n;
		gs->stats.claims_lapsed += l->n;
	}
	free(l);
	return rc;
}

struct reset {
	uint32_t vn, ip;
	uint64_t now;
	const char *self;
	struct vrd_mac mac;
	char owner[VRD_NAME_MAX + 1];
};

static int reset_txn(struct tables_txn *txn, void *arg)
{
	struct reset *r = arg;
	struct tables_claim_entry e;
	int rc = tables_claim_get(txn, r->vn, r->ip, &e);

	if (rc < 0) {
		return rc;
	}
	r->mac = e.mac;
	memcpy(r->owner, e.router, sizeof(r->owner));
	if (e.flags & TABLES_CLAIM_LAPSED) {
		return 0; /* nothing routes by it already */
	}
	rc = lapse_one(txn, &e, "claim-reset", r->now);
	if (rc == 0 && strcmp(e.router, r->self) == 0) {
		rc = stand_down(txn, r->vn, r->ip); /* ours: not served */
	}
	return rc;
}

int vrd_daemon_gossip_claim_reset(struct vrd_daemon_gossip *gs, uint32_t vn,
				  uint32_t ip, struct vrd_mac *mac, char *owner)
{
	struct reset r = {
		.vn = vn,
		.ip = ip,
		.now = vrd_wallclock_ms(),
		.self = gs->d->cfg.name,
	};
	int rc = tables_write(gs->d->tables, reset_txn, &r);

	if (rc == 0) {
		*mac = r.mac;
		memcpy(owner, r.owner, sizeof(r.owner));
	}
	return rc;
}
