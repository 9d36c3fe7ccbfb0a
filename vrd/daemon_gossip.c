/*
 * The daemon's side of gossip (docs/gossip.md), part one: the node's life.
 * Start-up (key, certificate, bootstrap peers, the node), stop and reload,
 * the node's fds and timer in the loop, the callbacks that are not about
 * records or queries, counters, and publishing this router's own records.
 * What the overlay decides is written into the tables by
 * daemon_gossip_apply.c; the control commands are in daemon_gossip_ctl.c.
 *
 * The node never touches LMDB: its callbacks land here. Records come in
 * batches (many per gossip_node_process call) and are written in one
 * transaction after the call returns. Node time is monotonic (the loop's
 * clock); everything stored is wall clock.
 */
#include "vrd/daemon_gossip.h"
#include "base/counter.h"
#include "base/clock.h"
#include "base/log.h"

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
#define TICK_MAX_MS 60000 /* re-check the node at least this often */
#define META_ORIGIN_SEQ "gossip_origin_seq"
#define META_INCARNATION "gossip_incarnation"

/* ---- small helpers -------------------------------------------------- */

const char *vrd_daemon_gossip_addr_port_format(uint32_t addr, uint16_t port,
					       char buf[VRD_DAEMON_ADDR_STRLEN])
{
	char a[VRD_IPV4_STRLEN];

	snprintf(buf, VRD_DAEMON_ADDR_STRLEN, "%s:%u", vrd_ipv4_format(addr, a),
		 port);
	return buf;
}

/* The (vn, prefix) this router serves by its config. */
static void own_network(const struct vrd_config *cfg, struct vrd_prefix *out)
{
	if (cfg->mode == VRD_MODE_GATEWAY) {
		*out = cfg->lan_network;
	} else {
		*out = (struct vrd_prefix){.addr = cfg->host_addr, .len = 32};
	}
}

/* Reads a decimal meta value: 0 with *out 0 when absent. */
static int meta_get_u64(struct tables_txn *txn, const char *key, uint64_t *out)
{
	char buf[TABLES_META_VALUE_MAX], *end;
	int rc = tables_meta_get(txn, key, buf);

	*out = 0;
	if (rc == -ENOENT) {
		return 0;
	}
	if (rc < 0) {
		return rc;
	}
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

/* The tick timer follows the node's wish (which process, publish, claim
 * and query may move earlier). after_tick: at least 1 ms, so a node that
 * still has nothing due cannot make the loop spin. */
static void gossip_rearm(struct vrd_daemon_gossip *gs, bool after_tick)
{
	struct vrd_daemon *d = gs->d;
	uint64_t now = vrd_loop_now(d->loop);
	uint64_t next, delay;

	if (!d->gossip) {
		return;
	}
	next = gossip_node_next_ms(d->gossip);
	delay = next > now ? next - now : 0;
	if (delay > TICK_MAX_MS) {
		delay = TICK_MAX_MS;
	}
	if (after_tick && delay == 0) {
		delay = 1;
	}
	vrd_timer_arm(d->loop, &gs->tick, delay);
}

/* After a call that may have sent: ZMQ_FD is edge-triggered, so give the
 * node a process() round whether or not its fds turn readable. */
void vrd_daemon_gossip_flush(struct vrd_daemon_gossip *gs)
{
	vrd_timer_arm(gs->d->loop, &gs->more, 0);
	gossip_rearm(gs, false);
}

static void gossip_run(struct vrd_daemon_gossip *gs)
{
	struct vrd_daemon *d = gs->d;
	int rc;

	if (!d->gossip) {
		return;
	}
	rc = gossip_node_process(d->gossip, GOSSIP_BUDGET, vrd_monotonic_ms());
	vrd_daemon_gossip_records_apply(gs);
	if (rc == 1) {
		vrd_timer_arm(d->loop, &gs->more, 0);
	}
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

	if (!gs->d->gossip) {
		return;
	}
	gossip_node_tick(gs->d->gossip, vrd_monotonic_ms());
	vrd_daemon_gossip_records_apply(gs);
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
	if (rc < 0) {
		log_err("gossip: cannot watch fd %d: %s", fd, strerror(-rc));
	}
}

/* ---- the other callbacks -------------------------------------------- */

/* The port of a member, for "address" fields; 0 when not found. */
static uint16_t member_port(const struct vrd_daemon *d, const char *name)
{
	struct gossip_member_info m;
	size_t cursor = 0;

	if (!d->gossip) {
		return 0;
	}
	while (gossip_node_peer_next(d->gossip, &cursor, &m)) {
		if (strcmp(m.name, name) == 0) {
			return m.port;
		}
	}
	return 0;
}

static bool member_down(int state)
{
	return state == GOSSIP_MEMBER_DEAD || state == GOSSIP_MEMBER_LEFT;
}

/* Claims die with their router: its going starts the grace period (the
 * sweep lapses them); a router coming back, after we or it were taken for
 * dead, gets our claims again at the next sweep (it may have let them
 * lapse). */
static void claims_peer_state(struct vrd_daemon_gossip *gs, const char *name,
			      int old_state, int state)
{
	struct vrd_daemon_claim_origin *o = vrd_daemon_gossip_origin(gs, name);

	if (member_down(state)) {
		if (o->down_since_ms == 0) {
			o->down_since_ms = vrd_monotonic_ms();
		}
		return;
	}
	o->down_since_ms = 0;
	if (state == GOSSIP_MEMBER_ALIVE && member_down(old_state)) {
		gs->republish = true;
	}
}

static void cb_peer_state(const char *name, uint32_t addr, int old_state,
			  int state, void *arg)
{
	struct vrd_daemon_gossip *gs = arg;
	char a[VRD_DAEMON_ADDR_STRLEN];
	uint16_t port = member_port(gs->d, name);
	const char *type = NULL;

	if (state == GOSSIP_MEMBER_ALIVE && old_state != GOSSIP_MEMBER_ALIVE) {
		type = "peer-up";
	} else if ((state == GOSSIP_MEMBER_DEAD ||
		    state == GOSSIP_MEMBER_LEFT) &&
		   old_state != GOSSIP_MEMBER_DEAD &&
		   old_state != GOSSIP_MEMBER_LEFT) {
		type = "peer-down";
	}
	vrd_daemon_dp_peer(gs->d, name, addr, port ? port : gs->d->cfg.port,
			   state);
	claims_peer_state(gs, name, old_state, state);
	if (port) {
		vrd_daemon_gossip_addr_port_format(addr, port, a);
	} else {
		vrd_ipv4_format(addr, a);
	}
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

static void cb_peer_renewed(const char *name, uint64_t incarnation, void *arg)
{
	struct vrd_daemon_gossip *gs = arg;

	log_debug("peer %s: incarnation %" PRIu64, name, incarnation);
	vrd_daemon_dp_peer_renewed(gs->d, name);
}

/* The data plane owns the overlay's UDP port: the node sends through it,
 * and its key messages arrive as direct messages. */
static int cb_udp_send(uint32_t addr, uint16_t port, const uint8_t *buf,
		       size_t len, void *arg)
{
	struct vrd_daemon_gossip *gs = arg;

	return vrd_daemon_dp_udp_send(addr, port, buf, len, gs->d);
}

static void cb_direct(const char *from, const uint8_t *payload, size_t len,
		      void *arg)
{
	struct vrd_daemon_gossip *gs = arg;

	vrd_daemon_dp_direct(gs->d, from, payload, len);
}

struct by_mac {
	struct gossip_wire_answer_entry *out;
	size_t max, n;
};

static int by_mac_add(const struct tables_hwdt_entry *e, void *arg)
{
	struct by_mac *b = arg;

	if (b->n == b->max) {
		return 1; /* full: stop */
	}
	b->out[b->n].ip = e->ip;
	b->out[b->n].last_seen_ms = e->last_seen_ms;
	b->n++;
	return 0;
}

size_t vrd_daemon_gossip_cb_hwdt_by_mac(uint32_t vn, const struct vrd_mac *mac,
					struct gossip_wire_answer_entry *out,
					size_t max, void *arg)
{
	struct vrd_daemon_gossip *gs = arg;
	struct by_mac b = {.out = out, .max = max};
	struct tables_txn *txn;

	if (max == 0 || tables_read_begin(gs->d->tables, &txn) < 0) {
		return 0;
	}
	if (tables_hwdt_foreach_mac(txn, vn, mac, by_mac_add, &b) < 0) {
		b.n = 0;
	}
	tables_read_end(txn);
	return b.n;
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
	if (rc < 0 || s->seq <= have) {
		return rc;
	}
	s->written = true;
	return meta_put_u64(txn, META_ORIGIN_SEQ, s->seq);
}

static void cb_origin_seq_used(uint64_t seq, void *arg)
{
	struct vrd_daemon_gossip *gs = arg;
	struct seq_arg s = {.seq = seq};
	int rc;

	if (seq <= gs->origin_seq_saved) {
		return;
	}
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

/* ---- claims of departed routers ------------------------------------- */

static void publish_own_claims(struct vrd_daemon *d);

/* A claim owner down for the grace period: a member DEAD or LEFT since
 * then, or a router we have not met since we started that long ago. */
static bool owner_down(const char *name, void *arg)
{
	struct vrd_daemon_gossip *gs = arg;
	uint64_t now = vrd_monotonic_ms(), since = gs->started_ms;
	struct gossip_member_info m;
	size_t cursor = 0;

	while (gs->d->gossip &&
	       gossip_node_peer_next(gs->d->gossip, &cursor, &m)) {
		if (strcmp(m.name, name) != 0) {
			continue;
		}
		if (!member_down(m.state)) {
			return false;
		}
		break;
	}
	for (size_t i = 0; i < VRD_DAEMON_CLAIM_ORIGINS_MAX; i++) {
		const struct vrd_daemon_claim_origin *o = &gs->origins[i];

		if (strcmp(o->name, name) == 0 && o->down_since_ms) {
			since = o->down_since_ms;
		}
		/* a record signed since then: it lives, whatever the
		 * membership says yet (a router back from the dead gossips
		 * its claims before it is seen alive) */
		if (strcmp(o->name, name) == 0 && o->heard_ms > since) {
			since = o->heard_ms;
		}
	}
	return now >= since && now - since >= VRD_DAEMON_CLAIM_GRACE_MS;
}

/* Seconds left of our certificate at now (Unix seconds); 0: expired. */
static uint64_t cert_left_s(const struct vrd_daemon *d, uint64_t now_s)
{
	return d->cert.not_after > now_s ? d->cert.not_after - now_s : 0;
}

/* Our certificate runs out within VRD_DAEMON_CERT_WARN_S: once per run
 * (and again after a reload brings another), a warning and an event. */
static void cert_watch(struct vrd_daemon_gossip *gs)
{
	struct vrd_daemon *d = gs->d;
	uint64_t now_s = vrd_wallclock_ms() / 1000, left;
	char t[VRD_RFC3339_STRLEN], days[24];

	left = cert_left_s(d, now_s);
	gs->cert_expiring = left <= VRD_DAEMON_CERT_WARN_S;
	if (!gs->cert_expiring || gs->cert_warned == d->cert.not_after) {
		return;
	}
	gs->cert_warned = d->cert.not_after;
	vrd_rfc3339(d->cert.not_after * 1000, t);
	snprintf(days, sizeof(days), "%" PRIu64, left / 86400);
	log_warn("certificate of %s expires at %s (%s days left): issue a "
		 "new one (docs/trust.md)",
		 d->cfg.name, t, days);
	vrd_daemon_event(d, "cert-expiring", "router", d->cfg.name, "expires",
			 t, "days", days, NULL);
}

static void on_sweep(struct vrd_loop *loop, struct vrd_timer *t, void *arg)
{
	struct vrd_daemon_gossip *gs = arg;
	int n;

	if (!gs->d->gossip) {
		return;
	}
	cert_watch(gs);
	if (gs->republish) {
		gs->republish = false;
		publish_own_claims(gs->d);
		vrd_daemon_gossip_records_apply(gs);
		vrd_daemon_gossip_flush(gs);
	}
	vrd_daemon_gossip_held_run(gs, vrd_monotonic_ms());
	n = vrd_daemon_gossip_claims_lapse(gs, owner_down, gs);
	if (n < 0) {
		log_ratelimited(&gs->rl, VRD_LOG_ERR,
				"claim: lapses not written: %s", strerror(-n));
	} else if (n > 0) {
		log_info("claim: %d claims of departed routers lapsed", n);
		vrd_daemon_fib_refresh(gs->d, false);
	}
	vrd_timer_arm(loop, &gs->sweep, VRD_DAEMON_CLAIM_SWEEP_MS);
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
		    strcmp(i->ifa_name, cfg->overlay_if) != 0) {
			continue;
		}
		memcpy(&sin, i->ifa_addr, sizeof(sin));
		*out = ntohl(sin.sin_addr.s_addr);
		rc = 0;
		break;
	}
	freeifaddrs(ifa);
	if (rc < 0) {
		log_err("%s:%u: [overlay] interface %s has no ipv4 address",
			cfg->file, cfg->line_overlay_addr, cfg->overlay_if);
	}
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

	if (vrd_ipv4_parse(p->host, out) == 0) {
		return 0;
	}
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
		struct vrd_daemon_gossip_bootstrap *b = &gs->boot[gs->nboot];
		uint32_t addr = 0;

		if (peer_resolve(cfg, p, &addr) == 0 && addr == gs->address &&
		    p->port == cfg->port) {
			continue; /* a shared peer list names us too */
		}
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

	if (rc == 0) {
		rc = meta_get_u64(txn, META_INCARNATION, &m->incarnation);
	}
	if (rc < 0) {
		return rc;
	}
	m->incarnation++;
	return meta_put_u64(txn, META_INCARNATION, m->incarnation);
}

static int trust_load(struct vrd_daemon *d)
{
	const struct vrd_config *cfg = &d->cfg;
	char err[256];
	int rc;

	rc = gossip_key_load(&d->key, cfg->key, err, sizeof(err));
	if (rc == 0) {
		rc = gossip_cert_load(&d->cert, cfg->cert, err, sizeof(err));
	}
	if (rc == 0) {
		rc = gossip_ca_pub_load(&d->ca, cfg->ca, err, sizeof(err));
	}
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
	    !(e->flags & TABLES_CLAIM_LAPSED) &&
	    gossip_node_claim(o->d->gossip, e->vn, e->ip, &e->mac,
			      e->mobility_seq) == 0) {
		o->n++;
	}
	return 0;
}

/* The hosts this router holds claims for (the records lived in memory
 * only; peers keep them as refreshes, or take them back after a lapse). */
static void publish_own_claims(struct vrd_daemon *d)
{
	struct own_claims o = {.d = d};
	struct tables_txn *txn;

	if (tables_read_begin(d->tables, &txn) < 0) {
		return;
	}
	tables_claim_foreach(txn, TABLES_VN_ALL, own_claim_publish, &o);
	tables_read_end(txn);
	if (o.n) {
		log_info("gossip: %zu claims of ours published again", o.n);
	}
}

/* What this router serves: its network, and the hosts it holds claims
 * for. */
static void publish_own(struct vrd_daemon *d)
{
	struct vrd_prefix net;
	char p[VRD_PREFIX_STRLEN];
	int rc;

	own_network(&d->cfg, &net);
	rc = gossip_node_publish_network(d->gossip, d->cfg.vn, &net);
	if (rc < 0) {
		log_err("gossip: cannot publish %s vn %u: %s",
			vrd_prefix_format(&net, p), d->cfg.vn, strerror(-rc));
	}
	publish_own_claims(d);
}

static void revoked_apply(struct vrd_daemon *d);

int vrd_daemon_gossip_start(struct vrd_daemon *d)
{
	struct gossip_node_ops ops = {
		.fd_watch = cb_fd_watch,
		.record = vrd_daemon_gossip_cb_record,
		.peer_state = cb_peer_state,
		.peer_renewed = cb_peer_renewed,
		.hwdt_by_mac = vrd_daemon_gossip_cb_hwdt_by_mac,
		.query_done = vrd_daemon_gossip_cb_query_done,
		.origin_seq_used = cb_origin_seq_used,
		.udp_send = cb_udp_send,
		.direct = cb_direct,
	};
	struct gossip_node_config *nc;
	struct vrd_daemon_gossip *gs;
	struct start_meta meta = {0};
	char err[256] = "", a[VRD_DAEMON_ADDR_STRLEN];
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
	vrd_timer_init(&gs->sweep, on_sweep, gs);
	gs->started_ms = vrd_monotonic_ms();
	ops.arg = gs;
	rc = trust_load(d);
	if (rc < 0) {
		goto err_free;
	}
	rc = overlay_address(&d->cfg, &gs->address);
	if (rc < 0) {
		goto err_key;
	}
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
		if (strncmp(why, "gossip: ", 8) == 0) {
			why += 8;
		}
		log_err("gossip: %s", why);
		goto err_key;
	}
	revoked_apply(d);
	log_info(
		"gossip: %s on %s, %zu bootstrap peers, incarnation %" PRIu64,
		d->cfg.name,
		vrd_daemon_gossip_addr_port_format(gs->address, d->cfg.port, a),
		nc->nbootstrap, meta.incarnation);
	free(nc);
	publish_own(d);
	vrd_daemon_gossip_records_apply(gs);
	vrd_daemon_gossip_flush(gs);
	vrd_timer_arm(d->loop, &gs->sweep, VRD_DAEMON_CLAIM_SWEEP_MS);
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

	if (!gs) {
		return;
	}
	/* callbacks during the goodbye must not call back into the node */
	d->gossip = NULL;
	gossip_node_destroy(n);
	vrd_daemon_gossip_records_apply(gs);
	vrd_timer_cancel(d->loop, &gs->tick);
	vrd_timer_cancel(d->loop, &gs->more);
	vrd_timer_cancel(d->loop, &gs->sweep);
	gossip_key_destroy(d->key);
	d->key = NULL;
	d->gs = NULL;
	free(gs);
}

_Static_assert(VRD_CONFIG_FPBYTES == GOSSIP_CERT_FPBYTES,
	       "[security] revoked holds certificate fingerprints");

/* [security] revoked in force: refused, and disconnected (gossip/node.h). */
static void revoked_apply(struct vrd_daemon *d)
{
	uint8_t own[GOSSIP_CERT_FPBYTES];
	int rc;

	rc = gossip_node_set_revoked(
		d->gossip,
		(const uint8_t(*)[GOSSIP_CERT_FPBYTES])d->cfg.revoked,
		d->cfg.nrevoked);
	if (rc < 0) {
		log_err("gossip: revocation list not in force: %s",
			strerror(-rc));
	}
	if (gossip_cert_fingerprint(own, &d->cert) == 0) {
		for (size_t i = 0; i < d->cfg.nrevoked; i++) {
			if (memcmp(own, d->cfg.revoked[i], sizeof(own)) == 0) {
				log_warn("gossip: our own certificate is on "
					 "the revocation list: peers that "
					 "have it refuse us");
			}
		}
	}
}

void vrd_daemon_gossip_reload_cert(struct vrd_daemon *d)
{
	struct gossip_cert cert;
	char err[VRD_CONFIG_PATH_MAX + 128], t[VRD_RFC3339_STRLEN];
	int rc;

	if (!d->gossip) {
		return;
	}
	revoked_apply(d);
	rc = gossip_cert_load(&cert, d->cfg.cert, err, sizeof(err));
	if (rc == 0 && memcmp(&cert, &d->cert, sizeof(cert)) == 0) {
		return; /* the one in use */
	}
	if (rc == 0) {
		rc = gossip_cert_verify(&cert, &d->ca,
					vrd_wallclock_ms() / 1000);
		if (rc < 0) {
			snprintf(err, sizeof(err), "certificate %s: %s",
				 d->cfg.cert,
				 rc == -EKEYEXPIRED ? "expired or not yet valid"
						    : "not signed by our CA");
		}
	}
	if (rc == 0 && gossip_node_set_cert(d->gossip, &cert) < 0) {
		rc = -EINVAL;
		snprintf(err, sizeof(err),
			 "certificate %s is for another name or key (a new "
			 "key needs a restart)",
			 d->cfg.cert);
	}
	if (rc < 0) {
		log_err("reload: %s; the old certificate stays in use", err);
		vrd_daemon_event(d, "cert-rejected", "reason", err, NULL);
		return;
	}
	d->cert = cert;
	vrd_rfc3339(cert.not_after * 1000, t);
	log_info("reload: certificate %s in use, expires at %s", d->cfg.cert,
		 t);
	vrd_daemon_event(d, "cert-renewed", "expires", t, NULL);
}

void vrd_daemon_gossip_reconfig(struct vrd_daemon *d,
				const struct vrd_config *old,
				const struct vrd_config *cur)
{
	struct vrd_prefix was, now;
	char p[VRD_PREFIX_STRLEN];
	int rc;

	if (!d->gossip) {
		return;
	}
	own_network(old, &was);
	own_network(cur, &now);
	if (old->vn == cur->vn && was.addr == now.addr && was.len == now.len) {
		return;
	}
	rc = gossip_node_withdraw(d->gossip, old->vn, &was);
	if (rc < 0) {
		log_warn("gossip: cannot withdraw %s vn %u: %s",
			 vrd_prefix_format(&was, p), old->vn, strerror(-rc));
	}
	rc = gossip_node_publish_network(d->gossip, cur->vn, &now);
	if (rc < 0) {
		log_err("gossip: cannot publish %s vn %u: %s",
			vrd_prefix_format(&now, p), cur->vn, strerror(-rc));
	}
	vrd_daemon_gossip_records_apply(d->gs);
	vrd_daemon_gossip_flush(d->gs);
}

int vrd_daemon_gossip_counters(struct vrd_daemon *d,
			       int (*fn)(const char *name, uint64_t value,
					 void *arg),
			       void *arg)
{
	const struct vrd_daemon_gossip_stats *s;
	int rc;

	if (!d->gs) {
		return 0;
	}
	s = &d->gs->stats;
	const struct vrd_counter own[] = {
		{"gossip.tables.records", s->records},
		{"gossip.tables.errors", s->record_errors},
		{"gossip.claims_local", s->claims_local},
		{"gossip.claims_seq_refused", s->claims_seq_refused},
		{"gossip.claims_rate_limited", s->claims_rate_limited},
		{"gossip.claims_held", s->claims_held},
		{"gossip.claims_held_dropped", s->claims_held_dropped},
		{"gossip.claims_redecided", s->claims_redecided},
		{"gossip.claims_lapsed", s->claims_lapsed},
		{"gossip.cert_expiring", d->gs->cert_expiring ? 1 : 0},
		{"gossip.cert_days_left",
		 cert_left_s(d, vrd_wallclock_ms() / 1000) / 86400},
		{"gossip.claims_contested", s->claims_contested},
		{"gossip.claims_duplicate", s->claims_duplicate},
		{"gossip.queries_asked", s->queries},
		{"gossip.queries_lost", s->queries_lost},
	};

	if (d->gossip) {
		rc = gossip_node_counters(d->gossip, fn, arg);
		if (rc != 0) {
			return rc;
		}
	}
	rc = VRD_COUNTERS_EMIT(own, fn, arg);
	/* per claiming router, those that were refused */
	for (size_t i = 0; i < VRD_DAEMON_CLAIM_ORIGINS_MAX && rc == 0; i++) {
		const struct vrd_daemon_claim_origin *o = &d->gs->origins[i];
		char name[64];

		if (o->name[0] == '\0' || o->rate_limited == 0) {
			continue;
		}
		snprintf(name, sizeof(name), "gossip.claims_rate_limited.%s",
			 o->name);
		rc = fn(name, o->rate_limited, arg);
	}
	return rc;
}
