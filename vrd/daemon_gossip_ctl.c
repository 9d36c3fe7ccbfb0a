/*
 * The daemon's side of gossip, part three: the operator's commands.
 * vrctl peers (members and unreached bootstrap peers), vrctl claim (our
 * own claim, decided in daemon_gossip_apply.c, then gossiped), vrctl
 * claim reset (the claim lapses here; on the home router it claims the
 * host back) and vrctl query (deferred in a query slot until the node's query_done).
 */
#include "vrd/daemon_gossip.h"
#include "base/clock.h"
#include "base/log.h"
#include "vrd/migrate.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- control: peers ------------------------------------------------- */

static const char *peer_state_word(int state)
{
	switch (state) {
	case GOSSIP_MEMBER_ALIVE:
		return "up";
	case GOSSIP_MEMBER_SUSPECT:
		return "suspect";
	default:
		return "down";
	}
}

static bool bootstrap_reached(const struct vrd_daemon *d,
			      const struct vrd_daemon_gossip_bootstrap *b)
{
	struct gossip_member_info m;
	size_t cursor = 0;

	if (!b->addr) {
		return false;
	}
	while (gossip_node_peer_next(d->gossip, &cursor, &m)) {
		if (m.addr == b->addr && m.port == b->port) {
			return true;
		}
	}
	return false;
}

static void peer_row(struct vrd_row *row, const struct gossip_member_info *m,
		     int64_t wall_offset)
{
	char a[VRD_DAEMON_ADDR_STRLEN];

	vrd_row_add_str(row, "name", "%s", m->name);
	vrd_row_add_str(
		row, "address", "%s",
		vrd_daemon_gossip_addr_port_format(m->addr, m->port, a));
	vrd_row_add_str(row, "state", "%s", peer_state_word(m->state));
	if (m->last_seen_ms) {
		vrd_row_add_time(
			row, "last_seen",
			(uint64_t)((int64_t)m->last_seen_ms + wall_offset));
	} else {
		vrd_row_add_null(row, "last_seen");
	}
	if (m->rtt_ms) {
		vrd_row_add_u64(row, "rtt_ms", m->rtt_ms);
	} else {
		vrd_row_add_null(row, "rtt_ms");
	}
	vrd_row_add_u64(row, "incarnation", m->incarnation);
}

/* A bootstrap peer nobody has reached yet: not a member, but an operator
 * wants to see it. */
static void bootstrap_row(struct vrd_row *row,
			  const struct vrd_daemon_gossip_bootstrap *b)
{
	char a[VRD_DAEMON_ADDR_STRLEN];

	vrd_row_add_null(row, "name");
	if (b->addr) {
		vrd_row_add_str(row, "address", "%s",
				vrd_daemon_gossip_addr_port_format(b->addr,
								   b->port, a));
	} else {
		vrd_row_add_str(row, "address", "%s:%u", b->host, b->port);
	}
	vrd_row_add_str(row, "state", "down");
	vrd_row_add_null(row, "last_seen");
	vrd_row_add_null(row, "rtt_ms");
	vrd_row_add_null(row, "incarnation");
}

void vrd_daemon_ctl_peers(struct vrd_daemon *d, struct vrd_reply *rep)
{
	int64_t offset = (int64_t)(vrd_wallclock_ms() - vrd_monotonic_ms());
	struct gossip_member_info m;
	struct vrd_row *row;
	size_t cursor = 0;

	rep->kind = VRD_REPLY_TABLE;
	if (!d->gossip || !d->gs) {
		vrd_reply_error(rep, -ENOTCONN, "gossip is not running");
		return;
	}
	while (gossip_node_peer_next(d->gossip, &cursor, &m)) {
		row = vrd_reply_row(rep);
		if (!row) {
			goto nomem;
		}
		peer_row(row, &m, offset);
	}
	for (size_t i = 0; i < d->gs->nboot; i++) {
		if (bootstrap_reached(d, &d->gs->boot[i])) {
			continue;
		}
		row = vrd_reply_row(rep);
		if (!row) {
			goto nomem;
		}
		bootstrap_row(row, &d->gs->boot[i]);
	}
	return;
nomem:
	vrd_reply_error(rep, -ENOMEM, "out of memory");
}

/* ---- control: claim and query --------------------------------------- */

/* The words after the command: want positional ones, and an optional
 * "--vn N" (default: the config's vn), which must be in our
 * certificate. 0, or the error set in rep. */
static int ctl_words(struct vrd_daemon *d, const struct vrd_ctl_request *req,
		     int first, const char *usage, const char **pos, int want,
		     uint32_t *vn, struct vrd_reply *rep)
{
	int npos = 0;

	*vn = d->cfg.vn;
	for (int i = first; i < req->argc; i++) {
		const char *w = req->argv[i];
		unsigned long long v;
		char *end;

		if (strcmp(w, "--vn") != 0) {
			if (npos == want) {
				return vrd_reply_error(rep, -EINVAL,
						       "usage: %s", usage);
			}
			pos[npos++] = w;
			continue;
		}
		if (++i == req->argc) {
			return vrd_reply_error(rep, -EINVAL,
					       "--vn takes one number");
		}
		w = req->argv[i];
		errno = 0;
		v = strtoull(w, &end, 10);
		if (errno || end == w || *end || w[0] < '0' || w[0] > '9' ||
		    v >= TABLES_VN_ALL) {
			return vrd_reply_error(rep, -EINVAL,
					       "bad virtual network: %s", w);
		}
		*vn = (uint32_t)v;
	}
	if (npos != want) {
		return vrd_reply_error(rep, -EINVAL, "usage: %s", usage);
	}
	if (!gossip_cert_has_vn(&d->cert, *vn)) {
		return vrd_reply_error(rep, -EPERM,
				       "vn %u is not in this router's "
				       "certificate",
				       *vn);
	}
	return 0;
}

static int ctl_mac(const char *w, struct vrd_mac *mac, struct vrd_reply *rep)
{
	if (vrd_mac_parse(w, mac) < 0 || !vrd_mac_is_unicast(mac)) {
		return vrd_reply_error(rep, -EINVAL,
				       "%s is not a unicast MAC address", w);
	}
	return 0;
}

int vrd_daemon_claim(struct vrd_daemon *d, uint32_t vn, uint32_t ip,
		     const struct vrd_mac *mac)
{
	struct vrd_daemon_gossip_claim_op op = {
		.d = d,
		.vn = vn,
		.ip = ip,
		.mac = *mac,
		.now = vrd_wallclock_ms(),
	};
	char a[VRD_IPV4_STRLEN], m[VRD_MAC_STRLEN], t[VRD_RFC3339_STRLEN];
	int rc;

	if (!d->gossip) {
		return -ENOTCONN;
	}
	vrd_ipv4_format(ip, a);
	vrd_mac_format(mac, m);
	if (!gossip_cert_may_host(&d->cert, ip)) {
		/* every peer would refuse it (gossip.drop.out_of_scope): we
		 * neither take it nor publish it */
		log_warn("claim: %s (%s) vn %u is outside this router's "
			 "certificate (its visitors)",
			 a, m, vn);
		return -EACCES;
	}
	rc = vrd_daemon_gossip_claim_local(&op);
	if (rc < 0) {
		return rc;
	}
	if (op.verdict == GOSSIP_CLAIM_REJECT_FROZEN) {
		log_warn("claim: %s (%s) vn %u is frozen until %s: too many "
			 "moves",
			 a, m, vn, vrd_rfc3339(op.frozen_until_ms, t));
		return -EBUSY;
	}
	if (op.verdict == GOSSIP_CLAIM_REJECT_RATE) {
		log_ratelimited(&d->gs->rl, VRD_LOG_WARN,
				"claim: %s (%s) vn %u refused: our claim rate "
				"is spent",
				a, m, vn);
		return -EAGAIN;
	}
	d->gs->stats.claims_local++;
	vrd_daemon_fib_refresh(d, false);
	log_info("claim: %s (%s) vn %u is here now (seq %" PRIu64 ")", a, m, vn,
		 op.seq);
	rc = gossip_node_claim(d->gossip, vn, ip, mac, op.seq);
	vrd_daemon_gossip_records_apply(d->gs);
	vrd_daemon_gossip_flush(d->gs);
	return rc < 0 ? -EPIPE : 0;
}

/* The home router of (vn, ip): this router's own configured network. */
static bool ip_is_home(const struct vrd_daemon *d, uint32_t vn, uint32_t ip)
{
	const struct vrd_config *cfg = &d->cfg;

	return cfg->mode == VRD_MODE_GATEWAY && cfg->vn == vn &&
	       vrd_prefix_contains(&cfg->lan_network, ip);
}

/*
 * vrctl claim reset IP: the claim lapses here (its sequence numbers are
 * kept, its /32 route goes: the host falls back to its home router's
 * network). On the home router the overlay follows: it claims the host
 * back at the next seq, a normal signed claim every router takes; when
 * the host is elsewhere, the router that sees it claims it again. On any
 * other router the reset is local (docs/gossip.md).
 */
static void ctl_claim_reset(struct vrd_daemon *d,
			    const struct vrd_ctl_request *req,
			    struct vrd_reply *rep)
{
	char owner[VRD_NAME_MAX + 1], a[VRD_IPV4_STRLEN];
	struct vrd_mac mac;
	const char *w[1];
	uint32_t vn, ip;
	bool home;
	int rc;

	if (ctl_words(d, req, 2, "claim reset IP [--vn N]", w, 1, &vn, rep) <
	    0) {
		return;
	}
	if (vrd_ipv4_parse(w[0], &ip) < 0) {
		vrd_reply_error(rep, -EINVAL, "%s is not an IPv4 address",
				w[0]);
		return;
	}
	rc = vrd_daemon_gossip_claim_reset(d->gs, vn, ip, &mac, owner);
	if (rc == -ENOENT) {
		vrd_reply_error(rep, rc, "claim reset %s: no claim", w[0]);
		return;
	}
	if (rc < 0) {
		vrd_reply_error(rep, rc, "claim reset %s: %s", w[0],
				strerror(-rc));
		return;
	}
	home = ip_is_home(d, vn, ip);
	log_info("claim: %s vn %u reset (was %s)%s", vrd_ipv4_format(ip, a), vn,
		 owner, home ? ": claimed home" : "");
	vrd_daemon_fib_refresh(d, false);
	if (home && strcmp(owner, d->cfg.name) != 0) {
		rc = vrd_daemon_claim(d, vn, ip, &mac);
		if (rc < 0) {
			vrd_reply_error(rep, rc,
					"claim reset %s: reset here, home "
					"claim failed: %s",
					w[0], strerror(-rc));
		}
	}
}

void vrd_daemon_ctl_claim(struct vrd_daemon *d,
			  const struct vrd_ctl_request *req,
			  struct vrd_reply *rep)
{
	const char *w[2];
	struct vrd_mac mac;
	uint32_t vn, ip;
	int rc;

	if (!d->gs) {
		vrd_reply_error(rep, -ENOTCONN, "gossip is not running");
		return;
	}
	if (req->argc > 1 && strcmp(req->argv[1], "reset") == 0) {
		ctl_claim_reset(d, req, rep);
		return;
	}
	if (ctl_words(d, req, 1, "claim IP MAC [--vn N]", w, 2, &vn, rep) < 0) {
		return;
	}
	if (vrd_ipv4_parse(w[0], &ip) < 0) {
		vrd_reply_error(rep, -EINVAL, "%s is not an IPv4 address",
				w[0]);
		return;
	}
	if (ctl_mac(w[1], &mac, rep) < 0) {
		return;
	}
	rc = vrd_daemon_claim(d, vn, ip, &mac);
	if (rc == -EBUSY) {
		vrd_reply_error(rep, rc, "claim %s: frozen (too many moves)",
				w[0]);
	} else if (rc == -EAGAIN) {
		vrd_reply_error(rep, rc, "claim %s: claim rate spent", w[0]);
	} else if (rc == -EPIPE) {
		vrd_reply_error(rep, rc, "claim %s: taken here, not gossiped",
				w[0]);
	} else if (rc == -EACCES) {
		vrd_reply_error(rep, rc,
				"claim %s: outside this router's certificate "
				"(not one of its networks or visitors)",
				w[0]);
	} else if (rc == -ENOTCONN) {
		vrd_reply_error(rep, rc, "gossip is not running");
	} else if (rc < 0) {
		vrd_reply_error(rep, rc, "claim %s: %s", w[0], strerror(-rc));
	}
}

/* ---- control: query ------------------------------------------------- */

static struct vrd_daemon_gossip_query *query_find(struct vrd_daemon_gossip *gs,
						  int64_t id)
{
	/* answered inside gossip_node_query, before its id was known (the
	 * ids only grow): the slot still has id 0 */
	if (gs->querying && id > gs->last_query_id) {
		id = 0;
	}
	for (size_t i = 0; i < VRD_DAEMON_GOSSIP_QUERIES_MAX; i++) {
		if (gs->queries[i].used && gs->queries[i].id == id) {
			return &gs->queries[i];
		}
	}
	return NULL;
}

/* The event "query": mac, vn, router (or "nobody"), ips. */
static void query_event(struct vrd_daemon_gossip *gs, uint32_t vn,
			const char *mac, const char *router,
			const struct gossip_wire_answer_entry *ips, size_t nips)
{
	char list[TABLES_EVENT_VALUE_MAX + 1] = "", vns[16];
	size_t len = 0;

	for (size_t i = 0; i < nips; i++) {
		char a[VRD_IPV4_STRLEN];
		int n;

		vrd_ipv4_format(ips[i].ip, a);
		if (len + strlen(a) + 2 > sizeof(list)) {
			break; /* the event keeps what fits */
		}
		n = snprintf(list + len, sizeof(list) - len, "%s%s",
			     i ? "," : "", a);
		len += (size_t)n;
	}
	snprintf(vns, sizeof(vns), "%u", vn);
	vrd_daemon_event(gs->d, "query", "mac", mac, "vn", vns, "router",
			 router ? router : "nobody", "ips", list, NULL);
}

static void query_rows(struct vrd_reply *rep, const char *router,
		       const struct gossip_wire_answer_entry *ips, size_t nips)
{
	char a[VRD_IPV4_STRLEN];

	for (size_t i = 0; i < nips || (i == 0 && nips == 0); i++) {
		struct vrd_row *row = vrd_reply_row(rep);

		if (!row) {
			vrd_reply_error(rep, -ENOMEM, "out of memory");
			return;
		}
		vrd_row_add_str(row, "router", "%s", router);
		if (nips == 0) {
			vrd_row_add_null(row, "ip");
			vrd_row_add_null(row, "last_seen");
			return;
		}
		vrd_row_add_str(row, "ip", "%s", vrd_ipv4_format(ips[i].ip, a));
		if (ips[i].last_seen_ms) {
			vrd_row_add_time(row, "last_seen", ips[i].last_seen_ms);
		} else {
			vrd_row_add_null(row, "last_seen");
		}
	}
}

static uint64_t answer_latest(const struct gossip_wire_answer_entry *ips,
			      size_t nips)
{
	uint64_t latest = 0;

	for (size_t i = 0; i < nips; i++) {
		if (ips[i].last_seen_ms > latest) {
			latest = ips[i].last_seen_ms;
		}
	}
	return latest;
}

void vrd_daemon_gossip_cb_query_done(uint64_t query_id, uint32_t vn,
				     const struct vrd_mac *mac,
				     const char *router,
				     const struct gossip_wire_answer_entry *ips,
				     size_t nips, void *arg)
{
	struct vrd_daemon_gossip *gs = arg;
	struct vrd_daemon_gossip_query *q = query_find(gs, (int64_t)query_id);
	struct gossip_wire_answer_entry local[GOSSIP_WIRE_ANSWERS_MAX];
	size_t nlocal = vrd_daemon_gossip_cb_hwdt_by_mac(
		vn, mac, local, GOSSIP_WIRE_ANSWERS_MAX, gs);
	char m[VRD_MAC_STRLEN];
	struct vrd_reply rep;

	/* an arrival on this LAN asked: what the others know, since this
	 * router has just seen it itself */
	if (!q && gs->d->migrate &&
	    vrd_migrate_asked(gs->d->migrate, query_id)) {
		/* the answer first, then what it leads to: events in order */
		query_event(gs, vn, vrd_mac_format(mac, m), router, ips, nips);
		vrd_migrate_query_done(gs->d->migrate, query_id, router, ips,
				       nips);
		return;
	}
	/* the overlay answers for the others; this router may have seen the
	 * MAC last itself */
	if (nlocal && (!router || answer_latest(local, nlocal) >
					  answer_latest(ips, nips))) {
		router = gs->d->cfg.name;
		ips = local;
		nips = nlocal;
	}
	vrd_mac_format(mac, m);
	query_event(gs, vn, m, router, ips, nips);
	if (!q) {
		return; /* nobody waits: timed out and reaped */
	}
	vrd_reply_init(&rep, VRD_REPLY_TABLE);
	if (router) {
		query_rows(&rep, router, ips, nips);
	} else {
		vrd_reply_error(&rep, -ENOENT, "nobody has %s", m);
	}
	if (vrd_control_complete(gs->d->control, q->handle, &rep) < 0) {
		gs->stats.queries_lost++;
	}
	vrd_reply_free(&rep);
	q->used = false;
}

/* A slot for a new query; slots whose client must be gone are reaped. */
static struct vrd_daemon_gossip_query *
query_slot_new(struct vrd_daemon_gossip *gs, uint64_t now)
{
	struct vrd_daemon_gossip_query *free_slot = NULL;

	for (size_t i = 0; i < VRD_DAEMON_GOSSIP_QUERIES_MAX; i++) {
		struct vrd_daemon_gossip_query *q = &gs->queries[i];

		if (q->used && now - q->since_ms > 2 * VRD_CONTROL_IDLE_MS) {
			q->used = false;
		}
		if (!q->used && !free_slot) {
			free_slot = q;
		}
	}
	return free_slot;
}

void vrd_daemon_ctl_query(struct vrd_daemon *d,
			  const struct vrd_ctl_request *req,
			  struct vrd_reply *rep)
{
	struct vrd_daemon_gossip *gs = d->gs;
	uint64_t now = vrd_monotonic_ms();
	struct vrd_daemon_gossip_query *q;
	struct vrd_reply err;
	struct vrd_mac mac;
	const char *w[1];
	uint64_t handle;
	int64_t id;
	uint32_t vn;

	if (ctl_words(d, req, 1, "query MAC [--vn N]", w, 1, &vn, rep) < 0 ||
	    ctl_mac(w[0], &mac, rep) < 0) {
		return;
	}
	if (!d->gossip || !gs) {
		vrd_reply_error(rep, -ENOTCONN, "gossip is not running");
		return;
	}
	q = query_slot_new(gs, now);
	if (!q) {
		vrd_reply_error(rep, -EBUSY, "too many queries at once");
		return;
	}
	handle = vrd_control_defer(d->control);
	if (handle == 0) {
		vrd_reply_error(rep, -EINVAL, "query: cannot defer");
		return;
	}
	*q = (struct vrd_daemon_gossip_query){
		.used = true, .handle = handle, .since_ms = now};
	gs->stats.queries++;
	gs->querying = true;
	id = gossip_node_query(d->gossip, vn, &mac, now);
	gs->querying = false;
	if (id < 0) {
		q->used = false;
		vrd_reply_init(&err, VRD_REPLY_TABLE);
		vrd_reply_error(&err, (int)id, "query %s: %s", w[0],
				strerror((int)-id));
		vrd_control_complete(d->control, handle, &err);
		vrd_reply_free(&err);
		return;
	}
	if (q->used && q->id == 0 && q->handle == handle) {
		q->id = id; /* not answered yet */
	}
	if (id > gs->last_query_id) {
		gs->last_query_id = id;
	}
	vrd_daemon_gossip_records_apply(gs);
	vrd_daemon_gossip_flush(gs);
}
