/*
 * The daemon's side of gossip (docs/gossip.md): start-up (key, certificate,
 * bootstrap peers, the node), the node's fds and timer in the loop, what
 * the overlay decides written into the tables (GNDT, claims, LNDT, events),
 * and the control commands peers, claim and query.
 *
 * The node never touches LMDB: its callbacks land here. Records come in
 * batches (many per gossip_node_process call) and are written in one
 * transaction after the call returns. Node time is monotonic (the loop's
 * clock); everything stored is wall clock.
 */
#include "gossip/claim.h"
#include "gossip/node.h"
#include "vrd/clock.h"
#include "vrd/daemon.h"
#include "vrd/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define GOSSIP_BUDGET 256 /* messages per wake-up */
#define PENDING_MAX 256 /* records written in one transaction */
#define QUERIES_MAX VRD_CONTROL_CLIENTS_MAX
#define TICK_MAX_MS 60000 /* re-check the node at least this often */
#define META_ORIGIN_SEQ "gossip_origin_seq"
#define META_INCARNATION "gossip_incarnation"
#define ADDR_STRLEN (VRD_IPV4_STRLEN + 6) /* "A.B.C.D:PORT" */

struct bootstrap {
	char host[VRD_CONFIG_HOST_MAX + 1]; /* as configured */
	uint32_t addr; /* host order; 0: not resolved */
	uint16_t port;
};

/* A deferred `vrctl query`: the control request waiting for query_done. */
struct query_slot {
	bool used;
	int64_t id; /* the node's query id; 0 while gossip_node_query runs */
	uint64_t handle; /* vrd_control_defer */
	uint64_t since_ms; /* monotonic */
};

struct gossip_glue_stats {
	uint64_t records; /* records written into the tables */
	uint64_t record_errors; /* batches the tables refused */
	uint64_t claims_local; /* vrctl claim */
	uint64_t queries; /* vrctl query asked */
	uint64_t queries_lost; /* answered after the client went away */
};

struct vrd_daemon_gossip {
	struct vrd_daemon *d;
	struct vrd_timer tick; /* at gossip_node_next_ms() */
	struct vrd_timer more; /* zero delay: process() has more waiting */
	struct gossip_record pending[PENDING_MAX];
	size_t npending;
	struct query_slot queries[QUERIES_MAX];
	int64_t last_query_id;
	bool querying; /* inside gossip_node_query */
	struct bootstrap boot[VRD_CONFIG_PEERS_MAX];
	size_t nboot;
	uint32_t address; /* ours, underlay, host order */
	uint64_t origin_seq_saved;
	struct gossip_glue_stats stats;
	struct vrd_ratelimit rl;
};

/* ---- small helpers -------------------------------------------------- */

static const char *addr_port_format(uint32_t addr, uint16_t port,
				    char buf[ADDR_STRLEN])
{
	char a[VRD_IPV4_STRLEN];

	snprintf(buf, ADDR_STRLEN, "%s:%u", vrd_ipv4_format(addr, a), port);
	return buf;
}

/* The (vn, prefix) this router serves by its config. */
static void own_network(const struct vrd_config *cfg, struct vrd_prefix *out)
{
	if (cfg->mode == VRD_MODE_GATEWAY)
		*out = cfg->lan_network;
	else
		*out = (struct vrd_prefix){.addr = cfg->host_addr, .len = 32};
}

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
	if (rc == 0)
		rc = tables_event_set(&ev, "mac", "%s", vrd_mac_format(mac, m));
	if (rc == 0)
		rc = event_field_u64(&ev, "vn", vn);
	if (rc == 0)
		rc = tables_event_set(&ev, "router", "%s", router);
	if (rc == 0)
		rc = event_field_u64(&ev, "seq", seq);
	if (rc == 0 && owner)
		rc = tables_event_set(&ev, "owner", "%s", owner);
	if (rc == 0)
		rc = tables_event_add(txn, &ev);
	return rc;
}

/* Reads a decimal meta value: 0 with *out 0 when absent. */
static int meta_get_u64(struct tables_txn *txn, const char *key, uint64_t *out)
{
	char buf[TABLES_META_VALUE_MAX], *end;
	int rc = tables_meta_get(txn, key, buf);

	*out = 0;
	if (rc == -ENOENT)
		return 0;
	if (rc < 0)
		return rc;
	errno = 0;
	*out = strtoull(buf, &end, 10);
	if (errno || end == buf || *end) {
		log_warn("tables: meta %s is not a number: '%s'; taken as 0",
			 key, buf);
		*out = 0;
	}
	return 0;
}

static int meta_put_u64(struct tables_txn *txn, const char *key, uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	return tables_meta_put(txn, key, buf);
}

/* ---- the node in the loop ------------------------------------------- */

static void records_apply(struct vrd_daemon_gossip *gs);

/* The tick timer follows the node's wish (which process, publish, claim
 * and query may move earlier). after_tick: at least 1 ms, so a node that
 * still has nothing due cannot make the loop spin. */
static void gossip_rearm(struct vrd_daemon_gossip *gs, bool after_tick)
{
	struct vrd_daemon *d = gs->d;
	uint64_t now = vrd_loop_now(d->loop);
	uint64_t next, delay;

	if (!d->gossip)
		return;
	next = gossip_node_next_ms(d->gossip);
	delay = next > now ? next - now : 0;
	if (delay > TICK_MAX_MS)
		delay = TICK_MAX_MS;
	if (after_tick && delay == 0)
		delay = 1;
	vrd_timer_arm(d->loop, &gs->tick, delay);
}

/* After a call that may have sent: ZMQ_FD is edge-triggered, so give the
 * node a process() round whether or not its fds turn readable. */
static void gossip_kick(struct vrd_daemon_gossip *gs)
{
	vrd_timer_arm(gs->d->loop, &gs->more, 0);
	gossip_rearm(gs, false);
}

static void gossip_run(struct vrd_daemon_gossip *gs)
{
	struct vrd_daemon *d = gs->d;
	int rc;

	if (!d->gossip)
		return;
	rc = gossip_node_process(d->gossip, GOSSIP_BUDGET, vrd_monotonic_ms());
	records_apply(gs);
	if (rc == 1)
		vrd_timer_arm(d->loop, &gs->more, 0);
	gossip_rearm(gs, false);
}

static void on_fd(struct vrd_loop *loop, int fd, short revents, void *arg)
{
	gossip_run(arg);
}

static void on_more(struct vrd_loop *loop, struct vrd_timer *t, void *arg)
{
	gossip_run(arg);
}

static void on_tick(struct vrd_loop *loop, struct vrd_timer *t, void *arg)
{
	struct vrd_daemon_gossip *gs = arg;

	if (!gs->d->gossip)
		return;
	gossip_node_tick(gs->d->gossip, vrd_monotonic_ms());
	records_apply(gs);
	vrd_timer_arm(loop, &gs->more, 0);
	gossip_rearm(gs, true);
}

static void cb_fd_watch(int fd, bool added, void *arg)
{
	struct vrd_daemon_gossip *gs = arg;
	int rc;

	if (!added) {
		vrd_loop_fd_del(gs->d->loop, fd);
		return;
	}
	rc = vrd_loop_fd_add(gs->d->loop, fd, POLLIN, on_fd, gs);
	if (rc < 0)
		log_err("gossip: cannot watch fd %d: %s", fd, strerror(-rc));
}

/* ---- records into the tables ---------------------------------------- */

static void cb_record(const struct gossip_record *r, void *arg)
{
	struct vrd_daemon_gossip *gs = arg;

	if (gs->npending == PENDING_MAX)
		records_apply(gs); /* the node holds no transaction: safe */
	gs->pending[gs->npending++] = *r;
}

/* What one batch decided, per record; reset at every run of the
 * transaction (tables_write may run it again). */
struct apply {
	struct vrd_daemon_gossip *gs;
	uint64_t now; /* wall clock */
	uint8_t verdict[PENDING_MAX]; /* HOST: enum gossip_claim_verdict */
	bool lost[PENDING_MAX];
	bool ignored[PENDING_MAX];
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
	if (rc < 0 && rc != -ENOENT)
		return rc;
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
	if (rc < 0)
		return rc;
	return tables_gndt_del(txn, r->vn, &r->prefix);
}

/* The host route of a won claim: (vn, ip/32) -> router. */
static int claim_gndt_put(struct tables_txn *txn, uint32_t vn, uint32_t ip,
			  const char *router, uint64_t seq, uint64_t now)
{
	struct vrd_prefix p = {.addr = ip, .len = 32};
	struct tables_gndt_entry e, old;
	int rc = tables_gndt_get(txn, vn, &p, &old);

	if (rc < 0 && rc != -ENOENT)
		return rc;
	if (rc == 0 && old.origin == TABLES_GNDT_LOCAL)
		return 0; /* our own configured address (host mode) */
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
	if (rc == -ENOENT)
		return 0;
	if (rc < 0)
		return rc;
	if (gossip_claim_state_from(st, &e) == 0)
		*exists = true;
	else
		memset(st, 0, sizeof(*st));
	return 0;
}

static int claim_state_write(struct tables_txn *txn, uint32_t vn, uint32_t ip,
			     const struct gossip_claim_state *st)
{
	struct tables_claim_entry e;

	gossip_claim_state_to(&e, vn, ip, st);
	return tables_claim_put(txn, &e);
}

static bool verdict_accepts(enum gossip_claim_verdict v)
{
	return v == GOSSIP_CLAIM_ACCEPT_NEW || v == GOSSIP_CLAIM_ACCEPT_MOVE ||
	       v == GOSSIP_CLAIM_ACCEPT_REFRESH;
}

static bool verdict_changes_state(enum gossip_claim_verdict v)
{
	return v != GOSSIP_CLAIM_REJECT_STALE && v != GOSSIP_CLAIM_REJECT_TIE &&
	       v != GOSSIP_CLAIM_REJECT_INVALID;
}

/* We lost the host to another router: it is not ours to serve any more. */
static int stand_down(struct tables_txn *txn, uint32_t vn, uint32_t ip)
{
	struct vrd_prefix p = {.addr = ip, .len = 32};
	struct tables_lndt_entry e;
	int rc = tables_lndt_get(txn, vn, &p, &e);

	if (rc == -ENOENT || (rc == 0 && e.source != TABLES_LNDT_MIGRATED))
		return 0;
	if (rc < 0)
		return rc;
	return tables_lndt_del(txn, vn, &p);
}

static int apply_host(struct tables_txn *txn, struct apply *a, size_t i)
{
	const struct gossip_record *r = &a->gs->pending[i];
	const char *self = a->gs->d->cfg.name;
	struct gossip_claim_in in = {
		.router = r->origin,
		.mac = r->mac,
		.seq = r->mobility_seq,
	};
	struct gossip_claim_state st;
	enum gossip_claim_verdict v;
	uint32_t ip = r->prefix.addr;
	bool exists, lost = false;
	int rc;

	rc = claim_state_read(txn, r->vn, ip, &st, &exists);
	if (rc < 0)
		return rc;
	v = gossip_claim_decide(&st, exists, &in, self, a->now, NULL, &lost);
	a->verdict[i] = (uint8_t)v;
	a->lost[i] = lost;
	if (verdict_changes_state(v)) {
		rc = claim_state_write(txn, r->vn, ip, &st);
		if (rc < 0)
			return rc;
	}
	if (v == GOSSIP_CLAIM_REJECT_FROZEN)
		return claim_event(txn, "claim-frozen", a->now, r->vn, ip,
				   &r->mac, r->origin, r->mobility_seq,
				   st.router);
	if (!verdict_accepts(v))
		return 0;
	rc = claim_gndt_put(txn, r->vn, ip, r->origin, r->mobility_seq, a->now);
	if (rc == 0 && lost)
		rc = stand_down(txn, r->vn, ip);
	if (rc < 0 || v == GOSSIP_CLAIM_ACCEPT_REFRESH)
		return rc;
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

		if (a->ignored[i])
			continue;
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
		if (a->lost[i])
			log_info(
				"claim: %s (%s) vn %u moved to %s (seq %" PRIu64
				"): standing down",
				ip, m, r->vn, r->origin, r->mobility_seq);
		else
			log_debug("claim: %s (%s) vn %u by %s seq %" PRIu64
				  ": %s",
				  ip, m, r->vn, r->origin, r->mobility_seq,
				  verdict ? verdict : "?");
	}
}

/* Writes the records the node handed over since the last call. */
static void records_apply(struct vrd_daemon_gossip *gs)
{
	struct vrd_daemon *d = gs->d;
	struct apply *a;
	int rc;

	if (gs->npending == 0)
		return;
	a = calloc(1, sizeof(*a));
	if (!a) {
		rc = -ENOMEM;
	} else {
		a->gs = gs;
		a->now = vrd_wallclock_ms();
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
	}
	free(a);
	gs->npending = 0;
	vrd_daemon_fib_refresh(d, false);
}

/* ---- the other callbacks -------------------------------------------- */

/* The port of a member, for "address" fields; 0 when not found. */
static uint16_t member_port(const struct vrd_daemon *d, const char *name)
{
	struct gossip_member_info m;
	size_t cursor = 0;

	if (!d->gossip)
		return 0;
	while (gossip_node_peer_next(d->gossip, &cursor, &m))
		if (strcmp(m.name, name) == 0)
			return m.port;
	return 0;
}

static void cb_peer_state(const char *name, uint32_t addr, int old_state,
			  int state, void *arg)
{
	struct vrd_daemon_gossip *gs = arg;
	char a[ADDR_STRLEN];
	uint16_t port = member_port(gs->d, name);
	const char *type = NULL;

	if (state == GOSSIP_MEMBER_ALIVE && old_state != GOSSIP_MEMBER_ALIVE)
		type = "peer-up";
	else if ((state == GOSSIP_MEMBER_DEAD || state == GOSSIP_MEMBER_LEFT) &&
		 old_state != GOSSIP_MEMBER_DEAD &&
		 old_state != GOSSIP_MEMBER_LEFT)
		type = "peer-down";
	if (port)
		addr_port_format(addr, port, a);
	else
		vrd_ipv4_format(addr, a);
	if (!type) {
		log_debug("peer %s (%s): %s -> %s", name, a,
			  gossip_member_state_name(old_state),
			  gossip_member_state_name(state));
		return;
	}
	log_info("peer %s (%s): %s (was %s)", name, a,
		 gossip_member_state_name(state),
		 gossip_member_state_name(old_state));
	vrd_daemon_event(gs->d, type, "name", name, "address", a, "state",
			 gossip_member_state_name(state), NULL);
}

struct by_mac {
	struct gossip_wire_answer_entry *out;
	size_t max, n;
};

static int by_mac_add(const struct tables_hwdt_entry *e, void *arg)
{
	struct by_mac *b = arg;

	if (b->n == b->max)
		return 1; /* full: stop */
	b->out[b->n].ip = e->ip;
	b->out[b->n].last_seen_ms = e->last_seen_ms;
	b->n++;
	return 0;
}

static size_t cb_hwdt_by_mac(uint32_t vn, const struct vrd_mac *mac,
			     struct gossip_wire_answer_entry *out, size_t max,
			     void *arg)
{
	struct vrd_daemon_gossip *gs = arg;
	struct by_mac b = {.out = out, .max = max};
	struct tables_txn *txn;

	if (max == 0 || tables_read_begin(gs->d->tables, &txn) < 0)
		return 0;
	if (tables_hwdt_foreach_mac(txn, vn, mac, by_mac_add, &b) < 0)
		b.n = 0;
	tables_read_end(txn);
	return b.n;
}

static struct query_slot *query_find(struct vrd_daemon_gossip *gs, int64_t id)
{
	/* answered inside gossip_node_query, before its id was known (the
	 * ids only grow): the slot still has id 0 */
	if (gs->querying && id > gs->last_query_id)
		id = 0;
	for (size_t i = 0; i < QUERIES_MAX; i++)
		if (gs->queries[i].used && gs->queries[i].id == id)
			return &gs->queries[i];
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
		if (len + strlen(a) + 2 > sizeof(list))
			break; /* the event keeps what fits */
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
		if (ips[i].last_seen_ms)
			vrd_row_add_time(row, "last_seen", ips[i].last_seen_ms);
		else
			vrd_row_add_null(row, "last_seen");
	}
}

static uint64_t answer_latest(const struct gossip_wire_answer_entry *ips,
			      size_t nips)
{
	uint64_t latest = 0;

	for (size_t i = 0; i < nips; i++)
		if (ips[i].last_seen_ms > latest)
			latest = ips[i].last_seen_ms;
	return latest;
}

static void cb_query_done(uint64_t query_id, uint32_t vn,
			  const struct vrd_mac *mac, const char *router,
			  const struct gossip_wire_answer_entry *ips,
			  size_t nips, void *arg)
{
	struct vrd_daemon_gossip *gs = arg;
	struct query_slot *q = query_find(gs, (int64_t)query_id);
	struct gossip_wire_answer_entry local[GOSSIP_WIRE_ANSWERS_MAX];
	size_t nlocal =
		cb_hwdt_by_mac(vn, mac, local, GOSSIP_WIRE_ANSWERS_MAX, gs);
	char m[VRD_MAC_STRLEN];
	struct vrd_reply rep;

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
	if (!q)
		return; /* nobody waits: timed out and reaped */
	vrd_reply_init(&rep, VRD_REPLY_TABLE);
	if (router)
		query_rows(&rep, router, ips, nips);
	else
		vrd_reply_error(&rep, -ENOENT, "nobody has %s", m);
	if (vrd_control_complete(gs->d->control, q->handle, &rep) < 0)
		gs->stats.queries_lost++;
	vrd_reply_free(&rep);
	q->used = false;
}

struct seq_arg {
	uint64_t seq;
	bool written;
};

static int origin_seq_txn(struct tables_txn *txn, void *arg)
{
	struct seq_arg *s = arg;
	uint64_t have;
	int rc = meta_get_u64(txn, META_ORIGIN_SEQ, &have);

	s->written = false;
	if (rc < 0 || s->seq <= have)
		return rc;
	s->written = true;
	return meta_put_u64(txn, META_ORIGIN_SEQ, s->seq);
}

static void cb_origin_seq_used(uint64_t seq, void *arg)
{
	struct vrd_daemon_gossip *gs = arg;
	struct seq_arg s = {.seq = seq};
	int rc;

	if (seq <= gs->origin_seq_saved)
		return;
	rc = tables_write(gs->d->tables, origin_seq_txn, &s);
	if (rc < 0) {
		/* a restart could reuse the number: peers would take our
		 * next records for replays until we pass it again */
		log_ratelimited(&gs->rl, VRD_LOG_ERR,
				"gossip: origin_seq %" PRIu64 " not saved: %s",
				seq, strerror(-rc));
		return;
	}
	gs->origin_seq_saved = seq;
}

/* ---- start-up and stop ---------------------------------------------- */

/* [overlay] address, or the IPv4 address [overlay] interface has now. */
static int overlay_address(const struct vrd_config *cfg, uint32_t *out)
{
	struct ifaddrs *ifa;
	int rc = -EADDRNOTAVAIL;

	if (!cfg->overlay_if[0]) {
		*out = cfg->overlay_addr;
		return 0;
	}
	if (getifaddrs(&ifa) < 0) {
		rc = -errno;
		log_err("[overlay] interface %s: %s", cfg->overlay_if,
			strerror(errno));
		return rc;
	}
	for (struct ifaddrs *i = ifa; i; i = i->ifa_next) {
		struct sockaddr_in sin;

		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET ||
		    strcmp(i->ifa_name, cfg->overlay_if) != 0)
			continue;
		memcpy(&sin, i->ifa_addr, sizeof(sin));
		*out = ntohl(sin.sin_addr.s_addr);
		rc = 0;
		break;
	}
	freeifaddrs(ifa);
	if (rc < 0)
		log_err("%s:%u: [overlay] interface %s has no ipv4 address",
			cfg->file, cfg->line_overlay_addr, cfg->overlay_if);
	return rc;
}

/* An IPv4 literal, or the first IPv4 address DNS gives: 0 or -ENOENT. */
static int peer_resolve(const struct vrd_config *cfg,
			const struct vrd_config_peer *p, uint32_t *out)
{
	struct addrinfo hints = {.ai_family = AF_INET,
				 .ai_socktype = SOCK_STREAM};
	struct addrinfo *res;
	struct sockaddr_in sin;
	int rc;

	if (vrd_ipv4_parse(p->host, out) == 0)
		return 0;
	rc = getaddrinfo(p->host, NULL, &hints, &res);
	if (rc != 0 || !res) {
		log_warn("%s:%u: peer %s: %s; skipped", cfg->file, p->line,
			 p->host, rc ? gai_strerror(rc) : "no address");
		return -ENOENT;
	}
	memcpy(&sin, res->ai_addr, sizeof(sin));
	*out = ntohl(sin.sin_addr.s_addr);
	freeaddrinfo(res);
	return 0;
}

/* The configured peers: resolved ones go to the node; every one but
 * ourselves is remembered for vrctl peers. */
static void bootstrap_resolve(struct vrd_daemon_gossip *gs,
			      struct gossip_node_config *nc)
{
	const struct vrd_config *cfg = &gs->d->cfg;

	for (size_t i = 0; i < cfg->npeers; i++) {
		const struct vrd_config_peer *p = &cfg->peers[i];
		struct bootstrap *b = &gs->boot[gs->nboot];
		uint32_t addr = 0;

		if (peer_resolve(cfg, p, &addr) == 0 && addr == gs->address &&
		    p->port == cfg->port)
			continue; /* a shared peer list names us too */
		snprintf(b->host, sizeof(b->host), "%s", p->host);
		b->addr = addr;
		b->port = p->port;
		gs->nboot++;
		if (addr && nc->nbootstrap < GOSSIP_NODE_BOOTSTRAP_MAX) {
			nc->bootstrap_addr[nc->nbootstrap] = addr;
			nc->bootstrap_port[nc->nbootstrap] = p->port;
			nc->nbootstrap++;
		}
	}
}

struct start_meta {
	uint64_t origin_seq, incarnation;
};

/* Reads the highest origin_seq and counts this life's incarnation. */
static int start_meta_txn(struct tables_txn *txn, void *arg)
{
	struct start_meta *m = arg;
	int rc = meta_get_u64(txn, META_ORIGIN_SEQ, &m->origin_seq);

	if (rc == 0)
		rc = meta_get_u64(txn, META_INCARNATION, &m->incarnation);
	if (rc < 0)
		return rc;
	m->incarnation++;
	return meta_put_u64(txn, META_INCARNATION, m->incarnation);
}

static int trust_load(struct vrd_daemon *d)
{
	const struct vrd_config *cfg = &d->cfg;
	char err[256];
	int rc;

	rc = gossip_key_load(&d->key, cfg->key, err, sizeof(err));
	if (rc == 0)
		rc = gossip_cert_load(&d->cert, cfg->cert, err, sizeof(err));
	if (rc == 0)
		rc = gossip_ca_pub_load(&d->ca, cfg->ca, err, sizeof(err));
	if (rc < 0) {
		log_err("gossip: %s", err);
		gossip_key_destroy(d->key);
		d->key = NULL;
	}
	return rc;
}

struct own_claims {
	struct vrd_daemon *d;
	size_t n;
};

static int own_claim_publish(const struct tables_claim_entry *e, void *arg)
{
	struct own_claims *o = arg;

	if (strcmp(e->router, o->d->cfg.name) == 0 &&
	    gossip_node_claim(o->d->gossip, e->vn, e->ip, &e->mac,
			      e->mobility_seq) == 0)
		o->n++;
	return 0;
}

/* What this router serves: its network, and the hosts it holds claims
 * for (the records lived in memory only; peers keep them as refreshes). */
static void publish_own(struct vrd_daemon *d)
{
	struct own_claims o = {.d = d};
	struct vrd_prefix net;
	char p[VRD_PREFIX_STRLEN];
	struct tables_txn *txn;
	int rc;

	own_network(&d->cfg, &net);
	rc = gossip_node_publish_network(d->gossip, d->cfg.vn, &net);
	if (rc < 0)
		log_err("gossip: cannot publish %s vn %u: %s",
			vrd_prefix_format(&net, p), d->cfg.vn, strerror(-rc));
	if (tables_read_begin(d->tables, &txn) < 0)
		return;
	tables_claim_foreach(txn, TABLES_VN_ALL, own_claim_publish, &o);
	tables_read_end(txn);
	if (o.n)
		log_info("gossip: %zu claims of ours published again", o.n);
}

int vrd_daemon_gossip_start(struct vrd_daemon *d)
{
	struct gossip_node_ops ops = {
		.fd_watch = cb_fd_watch,
		.record = cb_record,
		.peer_state = cb_peer_state,
		.hwdt_by_mac = cb_hwdt_by_mac,
		.query_done = cb_query_done,
		.origin_seq_used = cb_origin_seq_used,
	};
	struct gossip_node_config *nc;
	struct vrd_daemon_gossip *gs;
	struct start_meta meta = {0};
	char err[256] = "", a[ADDR_STRLEN];
	const char *why;
	int rc;

	gs = calloc(1, sizeof(*gs));
	nc = calloc(1, sizeof(*nc));
	if (!gs || !nc) {
		rc = -ENOMEM;
		log_err("gossip: out of memory");
		goto err_free;
	}
	gs->d = d;
	gs->rl = (struct vrd_ratelimit)VRD_RATELIMIT_INIT(10000, 5);
	vrd_timer_init(&gs->tick, on_tick, gs);
	vrd_timer_init(&gs->more, on_more, gs);
	ops.arg = gs;
	rc = trust_load(d);
	if (rc < 0)
		goto err_free;
	rc = overlay_address(&d->cfg, &gs->address);
	if (rc < 0)
		goto err_key;
	rc = tables_write(d->tables, start_meta_txn, &meta);
	if (rc < 0) {
		log_err("gossip: tables: %s", strerror(-rc));
		goto err_key;
	}
	gs->origin_seq_saved = meta.origin_seq;
	bootstrap_resolve(gs, nc);
	nc->name = d->cfg.name;
	nc->address = gs->address;
	nc->port = d->cfg.port;
	nc->key = d->key;
	nc->cert = &d->cert;
	nc->ca = &d->ca;
	nc->origin_seq = meta.origin_seq;
	nc->incarnation = meta.incarnation;
	d->gs = gs;
	errno = 0;
	d->gossip = gossip_node_create(nc, &ops, vrd_monotonic_ms(), err,
				       sizeof(err));
	if (!d->gossip) {
		rc = errno ? -errno : -EIO;
		/* the node's messages may name the module already */
		why = err[0] ? err : strerror(-rc);
		if (strncmp(why, "gossip: ", 8) == 0)
			why += 8;
		log_err("gossip: %s", why);
		goto err_key;
	}
	log_info("gossip: %s on %s, %zu bootstrap peers, incarnation %" PRIu64,
		 d->cfg.name, addr_port_format(gs->address, d->cfg.port, a),
		 nc->nbootstrap, meta.incarnation);
	free(nc);
	publish_own(d);
	records_apply(gs);
	gossip_kick(gs);
	return 0;

err_key:
	d->gs = NULL;
	gossip_key_destroy(d->key);
	d->key = NULL;
err_free:
	free(nc);
	free(gs);
	return rc;
}

void vrd_daemon_gossip_stop(struct vrd_daemon *d)
{
	struct vrd_daemon_gossip *gs = d->gs;
	struct gossip_node *n = d->gossip;

	if (!gs)
		return;
	/* callbacks during the goodbye must not call back into the node */
	d->gossip = NULL;
	gossip_node_destroy(n);
	records_apply(gs);
	vrd_timer_cancel(d->loop, &gs->tick);
	vrd_timer_cancel(d->loop, &gs->more);
	gossip_key_destroy(d->key);
	d->key = NULL;
	d->gs = NULL;
	free(gs);
}

void vrd_daemon_gossip_reconfig(struct vrd_daemon *d,
				const struct vrd_config *old,
				const struct vrd_config *cur)
{
	struct vrd_prefix was, now;
	char p[VRD_PREFIX_STRLEN];
	int rc;

	if (!d->gossip)
		return;
	own_network(old, &was);
	own_network(cur, &now);
	if (old->vn == cur->vn && was.addr == now.addr && was.len == now.len)
		return;
	rc = gossip_node_withdraw(d->gossip, old->vn, &was);
	if (rc < 0)
		log_warn("gossip: cannot withdraw %s vn %u: %s",
			 vrd_prefix_format(&was, p), old->vn, strerror(-rc));
	rc = gossip_node_publish_network(d->gossip, cur->vn, &now);
	if (rc < 0)
		log_err("gossip: cannot publish %s vn %u: %s",
			vrd_prefix_format(&now, p), cur->vn, strerror(-rc));
	records_apply(d->gs);
	gossip_kick(d->gs);
}

int vrd_daemon_gossip_counters(struct vrd_daemon *d,
			       int (*fn)(const char *name, uint64_t value,
					 void *arg),
			       void *arg)
{
	const struct gossip_glue_stats *s;
	int rc;

	if (!d->gs)
		return 0;
	s = &d->gs->stats;
	const struct {
		const char *name;
		uint64_t value;
	} own[] = {
		{"gossip.tables.records", s->records},
		{"gossip.tables.errors", s->record_errors},
		{"gossip.claims_local", s->claims_local},
		{"gossip.queries_asked", s->queries},
		{"gossip.queries_lost", s->queries_lost},
	};

	if (d->gossip) {
		rc = gossip_node_counters(d->gossip, fn, arg);
		if (rc != 0)
			return rc;
	}
	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++) {
		rc = fn(own[i].name, own[i].value, arg);
		if (rc != 0)
			return rc;
	}
	return 0;
}

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
			      const struct bootstrap *b)
{
	struct gossip_member_info m;
	size_t cursor = 0;

	if (!b->addr)
		return false;
	while (gossip_node_peer_next(d->gossip, &cursor, &m))
		if (m.addr == b->addr && m.port == b->port)
			return true;
	return false;
}

static void peer_row(struct vrd_row *row, const struct gossip_member_info *m,
		     int64_t wall_offset)
{
	char a[ADDR_STRLEN];

	vrd_row_add_str(row, "name", "%s", m->name);
	vrd_row_add_str(row, "address", "%s",
			addr_port_format(m->addr, m->port, a));
	vrd_row_add_str(row, "state", "%s", peer_state_word(m->state));
	if (m->last_seen_ms)
		vrd_row_add_time(
			row, "last_seen",
			(uint64_t)((int64_t)m->last_seen_ms + wall_offset));
	else
		vrd_row_add_null(row, "last_seen");
	if (m->rtt_ms)
		vrd_row_add_u64(row, "rtt_ms", m->rtt_ms);
	else
		vrd_row_add_null(row, "rtt_ms");
	vrd_row_add_u64(row, "incarnation", m->incarnation);
}

/* A bootstrap peer nobody has reached yet: not a member, but an operator
 * wants to see it. */
static void bootstrap_row(struct vrd_row *row, const struct bootstrap *b)
{
	char a[ADDR_STRLEN];

	vrd_row_add_null(row, "name");
	if (b->addr)
		vrd_row_add_str(row, "address", "%s",
				addr_port_format(b->addr, b->port, a));
	else
		vrd_row_add_str(row, "address", "%s:%u", b->host, b->port);
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
		if (!row)
			goto nomem;
		peer_row(row, &m, offset);
	}
	for (size_t i = 0; i < d->gs->nboot; i++) {
		if (bootstrap_reached(d, &d->gs->boot[i]))
			continue;
		row = vrd_reply_row(rep);
		if (!row)
			goto nomem;
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
		     const char *usage, const char **pos, int want,
		     uint32_t *vn, struct vrd_reply *rep)
{
	int npos = 0;

	*vn = d->cfg.vn;
	for (int i = 1; i < req->argc; i++) {
		const char *w = req->argv[i];
		unsigned long long v;
		char *end;

		if (strcmp(w, "--vn") != 0) {
			if (npos == want)
				return vrd_reply_error(rep, -EINVAL,
						       "usage: %s", usage);
			pos[npos++] = w;
			continue;
		}
		if (++i == req->argc)
			return vrd_reply_error(rep, -EINVAL,
					       "--vn takes one number");
		w = req->argv[i];
		errno = 0;
		v = strtoull(w, &end, 10);
		if (errno || end == w || *end || w[0] < '0' || w[0] > '9' ||
		    v >= TABLES_VN_ALL)
			return vrd_reply_error(rep, -EINVAL,
					       "bad virtual network: %s", w);
		*vn = (uint32_t)v;
	}
	if (npos != want)
		return vrd_reply_error(rep, -EINVAL, "usage: %s", usage);
	if (!gossip_cert_has_vn(&d->cert, *vn))
		return vrd_reply_error(rep, -EPERM,
				       "vn %u is not in this router's "
				       "certificate",
				       *vn);
	return 0;
}

static int ctl_mac(const char *w, struct vrd_mac *mac, struct vrd_reply *rep)
{
	if (vrd_mac_parse(w, mac) < 0 || vrd_mac_is_zero(mac) ||
	    vrd_mac_is_multicast(mac))
		return vrd_reply_error(rep, -EINVAL,
				       "%s is not a unicast MAC address", w);
	return 0;
}

struct claim_op {
	struct vrd_daemon *d;
	uint32_t vn, ip;
	struct vrd_mac mac;
	uint64_t now; /* wall clock */
	/* out */
	enum gossip_claim_verdict verdict;
	uint64_t seq;
	uint64_t frozen_until_ms;
};

/* Our own claim, decided as if it came from the overlay, so that the
 * claims table agrees with what every other router will decide. */
static int claim_txn(struct tables_txn *txn, void *arg)
{
	struct claim_op *op = arg;
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
	bool exists;
	int rc;

	rc = claim_state_read(txn, op->vn, op->ip, &st, &exists);
	if (rc < 0)
		return rc;
	op->seq = in.seq = gossip_claim_next_seq(exists ? &st : NULL);
	if (op->seq == 0)
		return -EOVERFLOW;
	op->verdict = gossip_claim_decide(&st, exists, &in, self, op->now, NULL,
					  NULL);
	op->frozen_until_ms = st.frozen_until_ms;
	if (!verdict_changes_state(op->verdict))
		return -EINVAL;
	rc = claim_state_write(txn, op->vn, op->ip, &st);
	if (rc < 0)
		return rc;
	if (op->verdict == GOSSIP_CLAIM_REJECT_FROZEN)
		return claim_event(txn, "claim-frozen", op->now, op->vn, op->ip,
				   &op->mac, self, op->seq, st.router);
	rc = claim_gndt_put(txn, op->vn, op->ip, self, op->seq, op->now);
	if (rc < 0)
		return rc;
	rc = tables_lndt_get(txn, op->vn, &p, &have);
	if (rc == -ENOENT)
		rc = tables_lndt_put(txn, &le);
	if (rc < 0)
		return rc;
	return claim_event(txn, "claim-won", op->now, op->vn, op->ip, &op->mac,
			   self, op->seq, NULL);
}

void vrd_daemon_ctl_claim(struct vrd_daemon *d,
			  const struct vrd_ctl_request *req,
			  struct vrd_reply *rep)
{
	struct claim_op op = {.d = d, .now = vrd_wallclock_ms()};
	char a[VRD_IPV4_STRLEN], m[VRD_MAC_STRLEN], t[VRD_RFC3339_STRLEN];
	const char *w[2];
	int rc;

	if (ctl_words(d, req, "claim IP MAC [--vn N]", w, 2, &op.vn, rep) < 0)
		return;
	if (vrd_ipv4_parse(w[0], &op.ip) < 0) {
		vrd_reply_error(rep, -EINVAL, "%s is not an IPv4 address",
				w[0]);
		return;
	}
	if (ctl_mac(w[1], &op.mac, rep) < 0)
		return;
	if (!d->gossip) {
		vrd_reply_error(rep, -ENOTCONN, "gossip is not running");
		return;
	}
	vrd_ipv4_format(op.ip, a);
	vrd_mac_format(&op.mac, m);
	rc = tables_write(d->tables, claim_txn, &op);
	if (rc < 0) {
		vrd_reply_error(rep, rc, "claim %s: %s", a,
				rc == -EOVERFLOW ? "sequence numbers exhausted"
						 : strerror(-rc));
		return;
	}
	if (op.verdict == GOSSIP_CLAIM_REJECT_FROZEN) {
		log_warn("claim: %s (%s) vn %u is frozen until %s: too many "
			 "moves",
			 a, m, op.vn, vrd_rfc3339(op.frozen_until_ms, t));
		vrd_reply_error(rep, -EBUSY,
				"claim %s: frozen until %s (too many moves)", a,
				vrd_rfc3339(op.frozen_until_ms, t));
		return;
	}
	d->gs->stats.claims_local++;
	vrd_daemon_fib_refresh(d, false);
	log_info("claim: %s (%s) vn %u is here now (seq %" PRIu64 ")", a, m,
		 op.vn, op.seq);
	rc = gossip_node_claim(d->gossip, op.vn, op.ip, &op.mac, op.seq);
	records_apply(d->gs);
	gossip_kick(d->gs);
	if (rc < 0)
		vrd_reply_error(rep, rc,
				"claim %s: taken here, not gossiped: %s", a,
				strerror(-rc));
}

/* A slot for a new query; slots whose client must be gone are reaped. */
static struct query_slot *query_slot_new(struct vrd_daemon_gossip *gs,
					 uint64_t now)
{
	struct query_slot *free_slot = NULL;

	for (size_t i = 0; i < QUERIES_MAX; i++) {
		struct query_slot *q = &gs->queries[i];

		if (q->used && now - q->since_ms > 2 * VRD_CONTROL_IDLE_MS)
			q->used = false;
		if (!q->used && !free_slot)
			free_slot = q;
	}
	return free_slot;
}

void vrd_daemon_ctl_query(struct vrd_daemon *d,
			  const struct vrd_ctl_request *req,
			  struct vrd_reply *rep)
{
	struct vrd_daemon_gossip *gs = d->gs;
	uint64_t now = vrd_monotonic_ms();
	struct query_slot *q;
	struct vrd_reply err;
	struct vrd_mac mac;
	const char *w[1];
	uint64_t handle;
	int64_t id;
	uint32_t vn;

	if (ctl_words(d, req, "query MAC [--vn N]", w, 1, &vn, rep) < 0 ||
	    ctl_mac(w[0], &mac, rep) < 0)
		return;
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
	*q = (struct query_slot){
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
	if (q->used && q->id == 0 && q->handle == handle)
		q->id = id; /* not answered yet */
	if (id > gs->last_query_id)
		gs->last_query_id = id;
	records_apply(gs);
	gossip_kick(gs);
}
