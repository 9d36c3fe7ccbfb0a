#include "vrd/migrate.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gossip/claim.h"
#include "gossip/node.h"
#include "tables/fib.h"
#include "base/bytes.h"
#include "base/clock.h"
#include "vrd/daemon.h"
#include "vrd/lan.h"
#include "vrd/migrate_set.h"
#include "vrd/migrate_verify.h"
#include "base/log.h"

#define HOSTS_HDR 5 /* the VM's address, a count */
#define CONTESTERS_MAX 16 /* claiming routers counted by name */

struct mig_query {
	bool used;
	int64_t id;
	struct vrd_mac mac;
	uint32_t ip; /* from the evidence; 0: none (RARP) */
};

struct mig_claim { /* a host claimed here lately, or seen leaving */
	uint32_t ip;
	struct vrd_mac mac;
	bool contested; /* our claim was contested: its return needs proof */
	uint64_t
		claimed_ms; /* monotonic, when we claimed it; 0: seen leaving */
};

struct mig_seek { /* a host of our LAN sought across the overlay */
	uint32_t ip;
	uint64_t ms; /* monotonic; 0: unused */
};

struct mig_pending { /* a silent arrival: a MAC that named no address */
	bool used;
	struct vrd_mac mac;
	uint64_t since_ms;
};

struct mig_stats {
	uint64_t seen, queries, query_errors, answered_nobody, claims;
	uint64_t claim_errors, frozen, out_of_scope, away, home, visitors;
	uint64_t hosts_sent;
	uint64_t hosts_received, hosts_bad, garps;
	uint64_t recalled, claims_skipped, left, left_contested, pending;
	uint64_t pending_resolved;
	uint64_t pending_expired, pending_evicted;
	/* seeking hosts of our LAN that do not answer, and being asked */
	uint64_t seeks, seeks_sent, seeks_limited, seek_errors;
	uint64_t sought, sought_bad, sought_refused, sought_limited;
	uint64_t sought_probes;
	/* verifying moves at the old owner */
	uint64_t verify_started, verify_unverified, verify_probes;
	uint64_t verify_probe_errors, verify_yielded, verify_contested;
	uint64_t verify_limited, verify_contest_errors;
	/* refused claims of our hosts checked on our LAN */
	uint64_t refused_checked, refused_limited;
	/* arrivals that needed proof (a contested claim's return) */
	uint64_t arrive_probed, arrive_proven, arrive_unproven;
};

struct contester { /* contested claims of one claiming router */
	char router[VRD_NAME_MAX + 1];
	uint64_t n;
	struct vrd_ratelimit refused; /* checks of its refused claims */
};

struct vrd_migrate {
	struct vrd_daemon *d;
	struct mig_query q[VRD_MIGRATE_QUERIES];
	size_t nasking; /* used slots of q */
	struct mig_pending pending[VRD_MIGRATE_PENDING];
	size_t npending; /* used slots of pending */
	struct mig_seek seeks[VRD_MIGRATE_SEEKS];
	unsigned seek_next; /* the slot overwritten next */
	struct vrd_ratelimit seek_rl, sought_rl;
	struct mig_claim recent[VRD_MIGRATE_RECENT];
	unsigned recent_next;
	struct vrd_migrate_set away, visit; /* of the last snapshot */
	bool synced;
	uint64_t generation;
	struct mig_stats stats;
	struct vrd_ratelimit rl;
	struct vrd_migrate_verify verify;
	struct vrd_timer verify_timer;
	struct contester contesters[CONTESTERS_MAX];
	uint64_t contested_other; /* by routers past CONTESTERS_MAX */
	struct vrd_ratelimit refused_other;
};

static void verify_run(struct vrd_loop *loop, struct vrd_timer *t, void *arg);
static bool visiting(const struct vrd_migrate *m, uint32_t ip);

struct vrd_migrate *vrd_migrate_create(struct vrd_daemon *d)
{
	struct vrd_migrate *m = calloc(1, sizeof(*m));

	if (!m) {
		return NULL;
	}
	m->d = d;
	m->rl = (struct vrd_ratelimit)VRD_RATELIMIT_INIT(10000, 5);
	m->seek_rl = (struct vrd_ratelimit)VRD_RATELIMIT_INIT(
		1000, VRD_MIGRATE_SEEKS_PER_S);
	m->sought_rl = (struct vrd_ratelimit)VRD_RATELIMIT_INIT(
		1000, VRD_MIGRATE_SOUGHT_PER_S);
	vrd_timer_init(&m->verify_timer, verify_run, m);
	return m;
}

void vrd_migrate_destroy(struct vrd_migrate *m)
{
	if (!m) {
		return;
	}
	vrd_timer_cancel(m->d->loop, &m->verify_timer);
	vrd_migrate_set_free(&m->away);
	vrd_migrate_set_free(&m->visit);
	free(m);
}

static bool on_our_lan(const struct vrd_migrate *m, uint32_t ip)
{
	return vrd_prefix_contains(&m->d->cfg.lan_network, ip);
}

/* ---- the destination: arrival, question, claim ----------------------- */

static void recent_add(struct vrd_migrate *m, uint32_t ip,
		       const struct vrd_mac *mac, uint64_t claimed_ms)
{
	m->recent[m->recent_next++ % VRD_MIGRATE_RECENT] = (struct mig_claim){
		.ip = ip, .mac = *mac, .claimed_ms = claimed_ms};
}

/* The latest recent entry of ip, NULL: none. */
static struct mig_claim *recent_latest(struct vrd_migrate *m, uint32_t ip)
{
	for (unsigned i = 0; i < VRD_MIGRATE_RECENT; i++) {
		struct mig_claim *c = &m->recent[(m->recent_next - 1 - i) %
						 VRD_MIGRATE_RECENT];

		if (c->ip == ip) {
			return c;
		}
	}
	return NULL;
}

static const struct vrd_mac *recent_mac(struct vrd_migrate *m, uint32_t ip)
{
	const struct mig_claim *c = recent_latest(m, ip);

	return c ? &c->mac : NULL;
}

/* When we last claimed ip (monotonic), 0: not lately. */
static uint64_t recent_claimed_ms(struct vrd_migrate *m, uint32_t ip)
{
	const struct mig_claim *c = recent_latest(m, ip);

	return c ? c->claimed_ms : 0;
}

/* Was our last claim of ip contested (arrival_left)? */
static bool recent_needs_proof(struct vrd_migrate *m, uint32_t ip)
{
	const struct mig_claim *c = recent_latest(m, ip);

	return c && c->contested;
}

static void claim(struct vrd_migrate *m, uint32_t ip, const struct vrd_mac *mac,
		  const char *from)
{
	char a[VRD_IPV4_STRLEN], mc[VRD_MAC_STRLEN];
	int rc;

	recent_add(m, ip, mac, vrd_monotonic_ms());
	rc = vrd_daemon_claim(m->d, m->d->cfg.vn, ip, mac);
	vrd_ipv4_format(ip, a);
	if (rc == -EBUSY) {
		m->stats.frozen++;
		return;
	}
	if (rc == -EACCES) {
		m->stats.out_of_scope++;
		log_ratelimited(&m->rl, VRD_LOG_WARN,
				"migration of %s: not claimed, outside this "
				"router's certificate (--visitors)",
				a);
		return;
	}
	if (rc < 0) {
		m->stats.claim_errors++;
		log_ratelimited(&m->rl, VRD_LOG_ERR, "migration of %s: %s", a,
				strerror(-rc));
		return;
	}
	m->stats.claims++;
	vrd_mac_format(mac, mc);
	log_info("migration: %s (%s) moved from %s to here", a, mc, from);
	vrd_daemon_event(m->d, "migration", "ip", a, "mac", mc, "from", from,
			 "to", m->d->cfg.name, NULL);
}

/* Without an answer an address of another router's network still
 * betrays a migration (its home router may be down): the owner of the
 * longest prefix that holds it. */
static const char *owner_of(const struct vrd_migrate *m, uint32_t ip)
{
	const struct tables_fib_route *r = tables_fib_lookup(
		tables_fib_current(m->d->fib), m->d->cfg.vn, ip);

	return r && strcmp(r->router, m->d->cfg.name) ? r->router : NULL;
}

/* Does the overlay route ip to us, as a host of our LAN at home or a
 * visitor? */
static bool ours(const struct vrd_migrate *m, uint32_t ip)
{
	return !owner_of(m, ip) && (on_our_lan(m, ip) || visiting(m, ip));
}

/* One claim per arrival: an address this router owns already (claimed
 * by the arrival's first frame, say, before the answer to its RARP came)
 * is not claimed again. The snapshot follows a claim at once. */
static void claim_arrival(struct vrd_migrate *m, uint32_t ip,
			  const struct vrd_mac *mac, const char *from)
{
	const char *owner = owner_of(m, ip);
	char copy[VRD_NAME_MAX + 1];

	if (!owner) {
		m->stats.claims_skipped++;
		return;
	}
	if (!from) {
		/* a copy: the claim rebuilds the snapshot */
		snprintf(copy, sizeof(copy), "%s", owner);
		from = copy;
	}
	claim(m, ip, mac, from);
}

static void verify_arm(struct vrd_migrate *m);

/* Probes our LAN for ip at mac before claiming it (side ARRIVE): false
 * when it cannot (verification off, too many at once), and the caller
 * claims as before. */
static bool arrival_prove(struct vrd_migrate *m, uint32_t ip,
			  const struct vrd_mac *mac, const char *owner)
{
	int rc;

	if (!m->d->cfg.verify_moves) {
		return false;
	}
	rc = vrd_migrate_verify_start(&m->verify, ip, mac, owner,
				      VRD_MIGRATE_VERIFY_ARRIVE,
				      vrd_loop_now(m->d->loop));
	if (rc == -ENOSPC) {
		return false;
	}
	if (rc == 0) {
		m->stats.arrive_probed++;
	}
	verify_arm(m);
	return true;
}

/* A MAC this router had lately (it claimed it, or saw it claimed away)
 * is back: each of its addresses that another router owns now is claimed
 * back, without a question (the others may no longer know the MAC: the
 * last router forgot it when it left, and a VM that only sent IPv4 there
 * was never learnt). How many were. */
static size_t recall(struct vrd_migrate *m, const struct vrd_mac *mac)
{
	uint32_t ips[8];
	size_t n = 0, claimed = 0;

	for (unsigned i = 0; i < VRD_MIGRATE_RECENT && n < 8; i++) {
		const struct mig_claim *c = &m->recent[i];
		const struct vrd_mac *latest;

		if (c->ip == 0 || !vrd_mac_equal(&c->mac, mac)) {
			continue;
		}
		latest = recent_mac(m, c->ip); /* the address's latest MAC */
		if (latest && vrd_mac_equal(latest, mac)) {
			bool dup = false;

			for (size_t k = 0; k < n; k++) {
				dup = dup || ips[k] == c->ip;
			}
			if (!dup) {
				ips[n++] = c->ip;
			}
		}
	}
	for (size_t k = 0; k < n; k++) {
		const char *owner = owner_of(m, ips[k]);

		if (!owner) {
			continue;
		}
		claimed++;
		if (!recent_needs_proof(m, ips[k]) ||
		    !arrival_prove(m, ips[k], mac, owner)) {
			claim_arrival(m, ips[k], mac, NULL);
			m->stats.recalled++;
		}
	}
	return claimed;
}

/* ---- silent arrivals: pending until a frame names an address ---------- */

static bool pending_live(const struct mig_pending *p, uint64_t now)
{
	return p->used && now - p->since_ms < VRD_MIGRATE_PENDING_MS;
}

/* The pending arrival for mac (expired ones are dropped on the way). */
static struct mig_pending *pending_find(struct vrd_migrate *m,
					const struct vrd_mac *mac, uint64_t now)
{
	struct mig_pending *found = NULL;

	for (size_t i = 0; i < VRD_MIGRATE_PENDING && m->npending; i++) {
		struct mig_pending *p = &m->pending[i];

		if (p->used && !pending_live(p, now)) {
			p->used = false;
			m->npending--;
			m->stats.pending_expired++;
		} else if (p->used && vrd_mac_equal(&p->mac, mac)) {
			found = p;
		}
	}
	return found;
}

static void pending_drop(struct vrd_migrate *m, struct mig_pending *p)
{
	if (p) {
		p->used = false;
		m->npending--;
	}
}

static void pending_add(struct vrd_migrate *m, const struct vrd_mac *mac,
			uint64_t now)
{
	struct mig_pending *p = pending_find(m, mac, now), *oldest = NULL;

	for (size_t i = 0; i < VRD_MIGRATE_PENDING && !p; i++) {
		if (!m->pending[i].used) {
			p = &m->pending[i];
			m->npending++;
		} else if (!oldest ||
			   m->pending[i].since_ms < oldest->since_ms) {
			oldest = &m->pending[i];
		}
	}
	if (!p) {
		p = oldest; /* full: the oldest gives way */
		m->stats.pending_evicted++;
	}
	*p = (struct mig_pending){.used = true, .mac = *mac, .since_ms = now};
	m->stats.pending++;
}

/* A unicast host address, as a frame's sender names it. */
static bool names_host(uint32_t ip)
{
	uint8_t first = ip >> 24;

	return first != 0 && first != 127 && first < 224;
}

/* A frame from mac that names src: the address an arrival still being
 * asked about, or pending, did not name. */
static void arrival_frame(struct vrd_migrate *m, const struct vrd_mac *mac,
			  uint32_t src)
{
	uint64_t now = vrd_monotonic_ms();
	struct mig_pending *p;

	if (!names_host(src)) {
		return;
	}
	for (size_t i = 0; i < VRD_MIGRATE_QUERIES && m->nasking; i++) {
		struct mig_query *q = &m->q[i];

		if (q->used && q->ip == 0 && vrd_mac_equal(&q->mac, mac)) {
			q->ip = src; /* used if nobody answers */
		}
	}
	p = m->npending ? pending_find(m, mac, now) : NULL;
	if (!p) {
		return;
	}
	pending_drop(m, p);
	m->stats.pending_resolved++;
	/* a host of this LAN coming home is vrd_migrate_frame's */
	if (!on_our_lan(m, src)) {
		claim_arrival(m, src, mac, NULL);
	}
}

/* ---- seeking a host of our LAN that does not answer ------------------ */

/* Is ip due to be sought again? (once per VRD_MIGRATE_SEEK_MS: the
 * kernel's ARP fails again every few seconds while traffic lasts) */
static bool seek_due(const struct vrd_migrate *m, uint32_t ip, uint64_t now)
{
	for (size_t i = 0; i < VRD_MIGRATE_SEEKS; i++) {
		const struct mig_seek *k = &m->seeks[i];

		if (k->ms && k->ip == ip && now - k->ms < VRD_MIGRATE_SEEK_MS) {
			return false;
		}
	}
	return true;
}

void vrd_migrate_unanswered(struct vrd_migrate *m, uint32_t ip)
{
	uint64_t now = vrd_monotonic_ms();
	char a[VRD_IPV4_STRLEN], n[12];
	uint8_t msg[4];
	int sent;

	/* a host the overlay routes here: of our LAN, or a visitor (an
	 * away host's traffic goes to its owner, so its ARP failing here
	 * means nothing) */
	if (!m->d->gossip || !ours(m, ip) || !names_host(ip) ||
	    !seek_due(m, ip, now)) {
		return;
	}
	if (!vrd_ratelimit_allow(&m->seek_rl, now)) {
		m->stats.seeks_limited++;
		return;
	}
	m->seeks[m->seek_next] = (struct mig_seek){.ip = ip, .ms = now};
	m->seek_next = (m->seek_next + 1) % VRD_MIGRATE_SEEKS;
	vrd_put_be32(msg, ip);
	sent = vrd_daemon_dp_send_sealed_all(m->d, DP_MSG_SEEK, msg,
					     sizeof(msg));
	if (sent < 0) {
		m->stats.seek_errors++;
		return;
	}
	m->stats.seeks++;
	m->stats.seeks_sent += (unsigned)sent;
	snprintf(n, sizeof(n), "%d", sent);
	vrd_daemon_event(m->d, "host-sought", "ip", vrd_ipv4_format(ip, a),
			 "routers", n, NULL);
}

void vrd_migrate_seek(struct vrd_migrate *m, const char *from,
		      const uint8_t *msg, size_t len)
{
	const char *owner;
	uint32_t ip;

	if (len != 4) {
		m->stats.sought_bad++;
		return;
	}
	ip = vrd_get_be32(msg);
	/* only the router the overlay routes the host to may send us
	 * probing for it: a visitor of its that left it silently, or a host
	 * of ours that came home silently (it answers our probe, and its
	 * frame claims it back: vrd_migrate_frame) */
	owner = owner_of(m, ip);
	if (!names_host(ip) || !owner || strcmp(owner, from) != 0) {
		m->stats.sought_refused++;
		return;
	}
	if (!vrd_ratelimit_allow(&m->sought_rl, vrd_monotonic_ms())) {
		m->stats.sought_limited++;
		return;
	}
	m->stats.sought++;
	/* one broadcast probe: a silent arrival (pending or not) answers
	 * it, and its answer is a frame that names its address, which the
	 * arrival path claims with the usual proofs */
	if (m->d->lan && vrd_lan_probe(m->d->lan, ip, NULL) == 0) {
		m->stats.sought_probes++;
	}
}

void vrd_migrate_seen(struct vrd_migrate *m, const struct capture_event *ev)
{
	struct vrd_daemon *d = m->d;
	struct mig_query *slot = NULL;
	int64_t id;

	if (!d->gossip || vrd_mac_is_multicast(&ev->mac)) {
		return;
	}
	if (recall(m, &ev->mac) > 0) {
		m->stats.seen++;
		return; /* back after a bounce: nothing to ask */
	}
	for (size_t i = 0; i < VRD_MIGRATE_QUERIES; i++) {
		if (m->q[i].used && vrd_mac_equal(&m->q[i].mac, &ev->mac)) {
			return; /* already asking */
		}
		if (!m->q[i].used && !slot) {
			slot = &m->q[i];
		}
	}
	m->stats.seen++;
	if (!slot) {
		m->stats.query_errors++;
		return;
	}
	*slot = (struct mig_query){.used = true, .mac = ev->mac, .ip = ev->ip};
	m->nasking++;
	id = gossip_node_query(d->gossip, d->cfg.vn, &ev->mac,
			       vrd_monotonic_ms());
	if (id <= 0) {
		slot->used = false;
		m->nasking--;
		m->stats.query_errors++;
		return;
	}
	slot->id = id;
	m->stats.queries++;
	vrd_daemon_gossip_kick(d);
}

bool vrd_migrate_asked(const struct vrd_migrate *m, uint64_t query_id)
{
	for (size_t i = 0; i < VRD_MIGRATE_QUERIES; i++) {
		if (m->q[i].used && m->q[i].id == (int64_t)query_id) {
			return true;
		}
	}
	return false;
}

bool vrd_migrate_query_done(struct vrd_migrate *m, uint64_t query_id,
			    const char *router,
			    const struct gossip_wire_answer_entry *ips,
			    size_t nips)
{
	uint64_t now = vrd_monotonic_ms();
	struct mig_query *q = NULL, done;
	const char *self = m->d->cfg.name;

	for (size_t i = 0; i < VRD_MIGRATE_QUERIES && !q; i++) {
		if (m->q[i].used && m->q[i].id == (int64_t)query_id) {
			q = &m->q[i];
		}
	}
	if (!q) {
		return false;
	}
	done = *q; /* a claim may start another question in this slot */
	q->used = false;
	m->nasking--;
	pending_drop(m, m->npending ? pending_find(m, &done.mac, now) : NULL);
	if (router && strcmp(router, self)) {
		for (size_t i = 0; i < nips; i++) {
			claim_arrival(m, ips[i].ip, &done.mac, router);
		}
		return true;
	}
	m->stats.answered_nobody++;
	if (router) {
		return true; /* a new host of this LAN, or one that never left */
	}
	if (done.ip && !on_our_lan(m, done.ip)) {
		claim_arrival(m, done.ip, &done.mac, NULL);
	} else if (done.ip == 0 && recall(m, &done.mac) == 0) {
		/* nobody knows the MAC: wait for a frame that names its
		 * address (vrd_migrate_frame) */
		pending_add(m, &done.mac, now);
	}
	return true;
}

/* ---- the snapshot: hosts away from home, visitors -------------------- */

static int hwdt_forget_txn(struct tables_txn *txn, void *arg)
{
	const uint32_t *a = arg;
	int rc = tables_hwdt_del(txn, a[0], a[1]);

	return rc == -ENOENT ? 0 : rc;
}

/* The host is on another LAN now: this one forgets it, so its return is
 * news to the evidence again. */
static void hwdt_forget(struct vrd_migrate *m, uint32_t ip)
{
	uint32_t a[2] = {m->d->cfg.vn, ip};

	if (tables_write(m->d->tables, hwdt_forget_txn, a) < 0) {
		log_ratelimited(&m->rl, VRD_LOG_ERR,
				"hwdt: cannot forget a host");
	}
}

static const struct vrd_mac *host_mac(struct vrd_migrate *m, uint32_t ip,
				      struct vrd_mac *buf)
{
	const struct vrd_mac *mac = recent_mac(m, ip);
	struct tables_hwdt_entry e;
	struct tables_txn *txn;

	if (mac) {
		return mac;
	}
	if (tables_read_begin(m->d->tables, &txn) < 0) {
		return NULL;
	}
	mac = tables_hwdt_get(txn, m->d->cfg.vn, ip, &e) == 0 ? buf : NULL;
	if (mac) {
		*buf = e.mac;
	}
	tables_read_end(txn);
	return mac;
}

/* Tells the router that has our host now what the host knew here: the
 * gateway's addresses and the active hosts of this LAN. */
static void hosts_send(struct vrd_migrate *m, uint32_t vm, const char *to)
{
	uint8_t msg[HOSTS_HDR + 4 * VRD_MIGRATE_HOSTS_MAX];
	struct vrd_lan_host h[VRD_MIGRATE_HOSTS_MAX];
	size_t n = vrd_lan_neighbours(m->d->lan, h, VRD_MIGRATE_HOSTS_MAX);
	size_t k = 0;

	vrd_put_be32(msg, vm);
	for (size_t i = 0; i < n; i++) {
		if (h[i].ip != vm) {
			vrd_put_be32(msg + HOSTS_HDR + 4 * k++, h[i].ip);
		}
	}
	msg[4] = (uint8_t)k;
	if (vrd_daemon_dp_send_sealed(m->d, to, DP_MSG_HOSTS, msg,
				      HOSTS_HDR + 4 * k) == 0) {
		m->stats.hosts_sent++;
	}
}

/* The LAN side of a host's going away: what waits for the old place's
 * silence when moves are verified (the hosts message does not: see
 * away_enter). */
static void away_takeover(struct vrd_migrate *m, uint32_t ip,
			  const char *router, bool moved_on)
{
	char a[VRD_IPV4_STRLEN];

	vrd_ipv4_format(ip, a);
	/* our LAN, then the HWDT write (a commit) last */
	if (!moved_on) {
		int rc = vrd_lan_proxy_add(m->d->lan, ip);

		if (rc < 0 && rc != -EEXIST) {
			log_ratelimited(&m->rl, VRD_LOG_ERR, "proxy %s: %s", a,
					strerror(-rc));
		}
		/* LAN hosts hand its traffic to us, and we tunnel it */
		vrd_lan_announce(m->d->lan, ip, NULL, NULL);
		hwdt_forget(m, ip);
		m->stats.away++;
	}
	vrd_daemon_event(m->d, "migration-proxy", "ip", a, "to", router, NULL);
}

static bool verify_begin(struct vrd_migrate *m, uint32_t ip,
			 const char *claimer,
			 enum vrd_migrate_verify_side side);

static void away_enter(struct vrd_migrate *m, const struct vrd_migrate_host *h,
		       bool moved_on)
{
	/* first what the VM waits for, before any verdict: the new owner
	 * fixes the VM's cache with it, and until then the VM's own traffic
	 * goes to a gateway MAC that is not on its new LAN. It changes
	 * nothing here (a forged move learns our LAN's addresses, no more),
	 * so it need not wait for the old place's silence. */
	hosts_send(m, h->ip, h->router);
	/* moved on while we verify: the verdict serves the new owner */
	if (vrd_migrate_verify_pending(&m->verify, h->ip)) {
		verify_begin(m, h->ip, h->router, VRD_MIGRATE_VERIFY_HOME);
		return;
	}
	if (!moved_on &&
	    verify_begin(m, h->ip, h->router, VRD_MIGRATE_VERIFY_HOME)) {
		return; /* the LAN waits for the verdict */
	}
	away_takeover(m, h->ip, h->router, moved_on);
}

static void away_leave(struct vrd_migrate *m, const struct vrd_migrate_host *h,
		       const struct tables_fib *fib)
{
	const struct tables_fib_route *r =
		tables_fib_lookup(fib, m->d->cfg.vn, h->ip);
	struct vrd_mac buf;
	const struct vrd_mac *mac;
	char a[VRD_IPV4_STRLEN];
	bool taken_over;

	vrd_migrate_verify_cancel(&m->verify, h->ip);
	taken_over = vrd_lan_proxy_del(m->d->lan, h->ip) == 0;
	if (!r || strcmp(r->router, m->d->cfg.name)) {
		return; /* withdrawn, not home */
	}
	if (!taken_over) {
		return; /* contested, or still verified: the LAN never knew */
	}
	/* home again: the LAN talks to it directly, at its own MAC, and it
	 * to the LAN's hosts at theirs (its cache holds a router's MAC for
	 * them, from where it was) */
	mac = host_mac(m, h->ip, &buf);
	if (mac) {
		struct vrd_lan_host nb[VRD_MIGRATE_HOSTS_MAX];
		size_t n = vrd_lan_neighbours(m->d->lan, nb,
					      VRD_MIGRATE_HOSTS_MAX);

		vrd_lan_announce(m->d->lan, h->ip, mac, NULL);
		for (size_t i = 0; i < n; i++) {
			if (nb[i].ip != h->ip &&
			    vrd_lan_announce(m->d->lan, nb[i].ip, &nb[i].mac,
					     mac) == 0) {
				m->stats.garps++;
			}
		}
	}
	m->stats.home++;
	vrd_daemon_event(m->d, "migration-home", "ip",
			 vrd_ipv4_format(h->ip, a), NULL);
}

static void visit_changed(struct vrd_migrate *m,
			  const struct vrd_migrate_host *h, bool enter,
			  const struct tables_fib *fib)
{
	const struct tables_fib_route *r;
	char a[VRD_IPV4_STRLEN];

	if (!enter) {
		/* claimed by another router (not withdrawn): is it gone? */
		r = tables_fib_lookup(fib, m->d->cfg.vn, h->ip);
		if (r && r->prefix.len == 32 &&
		    strcmp(r->router, m->d->cfg.name) &&
		    verify_begin(m, h->ip, r->router,
				 VRD_MIGRATE_VERIFY_VISIT)) {
			return; /* forgotten when it is silent */
		}
		hwdt_forget(m, h->ip); /* it moved on */
		return;
	}
	vrd_migrate_verify_cancel(&m->verify, h->ip); /* ours again */
	m->stats.visitors++;
	vrd_daemon_event(m->d, "migration-visitor", "ip",
			 vrd_ipv4_format(h->ip, a), NULL);
}

struct fib_change {
	struct vrd_migrate *m;
	const struct tables_fib *fib;
};

/* The claims table's entry of ip into *e: false when there is none. */
static bool claim_entry(struct vrd_migrate *m, uint32_t ip,
			struct tables_claim_entry *e)
{
	struct tables_txn *txn;
	int rc;

	if (tables_read_begin(m->d->tables, &txn) < 0) {
		return false;
	}
	rc = tables_claim_get(txn, m->d->cfg.vn, ip, e);
	tables_read_end(txn);
	return rc == 0;
}

/* Was our claim of ip just contested: the owner we took it from claimed it
 * back (the host answered there), so the claims table's last owner before
 * the current one is us and the move was undone moments ago (claim.h)? */
static bool contested_here(struct vrd_migrate *m, uint32_t ip)
{
	struct tables_claim_entry e;
	uint64_t now = vrd_wallclock_ms();

	return claim_entry(m, ip, &e) && e.moved_ms == 0 && e.contest_ms != 0 &&
	       strcmp(e.prev_router, m->d->cfg.name) == 0 &&
	       now >= e.contest_ms &&
	       now - e.contest_ms < GOSSIP_CLAIM_VERIFY_MS;
}

/* Is ip frozen here (claim.h: a freeze holds it at this router), and
 * was it taken by a plain move (a router that ignores the freeze; the
 * other place of a duplicate contests, and keeps the budget)? The
 * verified place keeps contesting then, past the contest budget. */
static bool frozen_here(struct vrd_migrate *m, uint32_t ip)
{
	struct tables_claim_entry e;

	return claim_entry(m, ip, &e) &&
	       e.frozen_until_ms > vrd_wallclock_ms() &&
	       strcmp(e.frozen_at, m->d->cfg.name) == 0 && e.moved_ms != 0;
}

/* The host at ip was claimed away from this router: the LAN's evidence
 * forgets its MAC (its return, however soon, is a new arrival, not part of
 * an earlier burst) and the recent list keeps it (its return is then
 * claimed back without a question: vrd_migrate_seen).
 *
 * When our claim was contested (the owner claimed it back at once: the
 * host answered there), the frames that made us claim it may not have
 * been its arrival: forged, or a second host on the address. Its recent
 * entry is marked, and its next arrival here is claimed only once the
 * host answers a probe on our LAN (recall), so a forged burst of any
 * length is one claim and one contest, while a real bounce back is still
 * claimed (after a probe's round trip). */
static void arrival_left(struct vrd_migrate *m, uint32_t ip)
{
	const struct vrd_mac *mac = recent_mac(m, ip);
	uint64_t claimed = recent_claimed_ms(m, ip);
	/* undone by a contest, or taken back so soon after our claim that
	 * it may have been one (the rules count a claim back after a
	 * contest as a move) */
	bool contested = contested_here(m, ip) ||
			 (claimed && vrd_monotonic_ms() - claimed <
					     GOSSIP_CLAIM_VERIFY_MS);
	struct tables_hwdt_entry e;
	struct tables_txn *txn;
	struct vrd_mac left;

	if (mac) {
		left = *mac;
	} else if (tables_read_begin(m->d->tables, &txn) == 0) {
		int rc = tables_hwdt_get(txn, m->d->cfg.vn, ip, &e);

		tables_read_end(txn);
		if (rc < 0) {
			return;
		}
		left = e.mac;
		recent_add(m, ip, &left, 0);
	} else {
		return;
	}
	if (contested) {
		recent_latest(m, ip)->contested = true; /* added above */
		m->stats.left_contested++;
	}
	if (m->d->lan) {
		vrd_lan_forget(m->d->lan, &left);
	}
	m->stats.left++;
}

static void left_away(enum vrd_migrate_change c,
		      const struct vrd_migrate_host *h, void *arg)
{
	struct fib_change *fc = arg;

	if (c == VRD_MIGRATE_JOINED) { /* ours (at home) until now */
		arrival_left(fc->m, h->ip);
	}
}

static void left_visit(enum vrd_migrate_change c,
		       const struct vrd_migrate_host *h, void *arg)
{
	struct fib_change *fc = arg;

	if (c == VRD_MIGRATE_LEFT) { /* a visitor that moved on */
		arrival_left(fc->m, h->ip);
	}
}

static void away_change(enum vrd_migrate_change c,
			const struct vrd_migrate_host *h, void *arg)
{
	struct fib_change *fc = arg;

	if (c == VRD_MIGRATE_LEFT) {
		away_leave(fc->m, h, fc->fib);
	} else {
		away_enter(fc->m, h, c == VRD_MIGRATE_MOVED);
	}
}

static void visit_change(enum vrd_migrate_change c,
			 const struct vrd_migrate_host *h, void *arg)
{
	struct fib_change *fc = arg;

	/* MOVED cannot happen: every visitor's router is us */
	if (c != VRD_MIGRATE_MOVED) {
		visit_changed(fc->m, h, c == VRD_MIGRATE_JOINED, fc->fib);
	}
}

void vrd_migrate_fib(struct vrd_migrate *m)
{
	const struct tables_fib *fib = tables_fib_current(m->d->fib);
	struct fib_change fc = {m, fib};
	struct vrd_migrate_set away, visit;

	if (!fib || !m->d->lan ||
	    (m->synced && tables_fib_generation(fib) == m->generation)) {
		return;
	}
	if (vrd_migrate_sets_build(fib, m->d->cfg.name, m->d->cfg.vn,
				   &m->d->cfg.lan_network, &away, &visit) < 0) {
		return;
	}
	/* first, while the HWDT still has their MACs: hosts that left */
	vrd_migrate_set_diff(&m->away, &away, left_away, &fc);
	vrd_migrate_set_diff(&m->visit, &visit, left_visit, &fc);
	vrd_migrate_set_diff(&m->away, &away, away_change, &fc);
	vrd_migrate_set_diff(&m->visit, &visit, visit_change, &fc);
	vrd_migrate_set_free(&m->away);
	vrd_migrate_set_free(&m->visit);
	m->away = away;
	m->visit = visit;
	m->generation = tables_fib_generation(fib);
	m->synced = true;
}

static struct contester *contester_of(struct vrd_migrate *m,
				      const char *router);

/* The budget of checks for claimer's refused claims (past the table's
 * routers: one shared budget). */
static struct vrd_ratelimit *refused_rl(struct vrd_migrate *m,
					const char *claimer)
{
	struct contester *c = contester_of(m, claimer);
	struct vrd_ratelimit *rl = c ? &c->refused : &m->refused_other;

	if (rl->interval_ms == 0) {
		*rl = (struct vrd_ratelimit)VRD_RATELIMIT_INIT(
			VRD_MIGRATE_REFUSED_MS, VRD_MIGRATE_REFUSED_BURST);
	}
	return rl;
}

bool vrd_migrate_checkable(struct vrd_migrate *m, uint32_t ip)
{
	struct vrd_mac buf;

	return ours(m, ip) && host_mac(m, ip, &buf) != NULL;
}

void vrd_migrate_refused(struct vrd_migrate *m, uint32_t ip,
			 const char *claimer)
{
	if (!m->d->lan || !ours(m, ip) ||
	    vrd_migrate_verify_pending(&m->verify, ip)) {
		return;
	}
	if (!vrd_ratelimit_allow(refused_rl(m, claimer), vrd_monotonic_ms())) {
		m->stats.refused_limited++;
		return;
	}
	if (verify_begin(m, ip, claimer,
			 on_our_lan(m, ip) ? VRD_MIGRATE_VERIFY_HOME
					   : VRD_MIGRATE_VERIFY_VISIT)) {
		m->stats.refused_checked++;
	}
}

/* ---- the old owner: is the host really gone? (migrate_verify.h) ------- */

static void verify_arm(struct vrd_migrate *m)
{
	vrd_timer_arm_at(m->d->loop, &m->verify_timer,
			 vrd_migrate_verify_next_ms(&m->verify));
}

/* Starts verifying that ip (claimed by claimer) left our LAN: false when
 * it cannot be (verification off, no MAC known, too many at once), and
 * the caller lets it go as before. */
static bool verify_begin(struct vrd_migrate *m, uint32_t ip,
			 const char *claimer, enum vrd_migrate_verify_side side)
{
	struct vrd_mac buf;
	const struct vrd_mac *mac;
	int rc;

	if (!m->d->cfg.verify_moves) {
		return false;
	}
	mac = host_mac(m, ip, &buf);
	if (!mac) {
		m->stats.verify_unverified++;
		return false;
	}
	rc = vrd_migrate_verify_start(&m->verify, ip, mac, claimer, side,
				      vrd_loop_now(m->d->loop));
	if (rc == -ENOSPC) {
		m->stats.verify_unverified++;
		return false;
	}
	if (rc == 0) {
		m->stats.verify_started++;
	}
	verify_arm(m);
	return true;
}

/* The table's slot of a claiming router (taken if free), NULL: full. */
static struct contester *contester_of(struct vrd_migrate *m, const char *router)
{
	for (size_t i = 0; i < CONTESTERS_MAX; i++) {
		struct contester *c = &m->contesters[i];

		if (!c->router[0]) {
			snprintf(c->router, sizeof(c->router), "%s", router);
		}
		if (!strcmp(c->router, router)) {
			return c;
		}
	}
	return NULL;
}

static uint64_t *contester_count(struct vrd_migrate *m, const char *router)
{
	struct contester *c = contester_of(m, router);

	return c ? &c->n : &m->contested_other;
}

/* It answered here: claim it back (the claimer's seq + 1), so that every
 * router routes it home again. */
static void contest(struct vrd_migrate *m,
		    const struct vrd_migrate_verify_move *mv)
{
	struct vrd_daemon *d = m->d;
	char a[VRD_IPV4_STRLEN], mc[VRD_MAC_STRLEN];
	int rc;

	vrd_ipv4_format(mv->ip, a);
	vrd_mac_format(&mv->mac, mc);
	rc = vrd_daemon_claim(d, d->cfg.vn, mv->ip, &mv->mac);
	if (rc < 0 && rc != -EPIPE) { /* -EPIPE: ours, not yet gossiped */
		m->stats.verify_contest_errors++;
		log_ratelimited(&m->rl, VRD_LOG_WARN,
				"claim of %s (%s) by %s: it answers here, but "
				"the claim back failed: %s",
				a, mc, mv->claimer,
				rc == -EBUSY ? "frozen" : strerror(-rc));
		return;
	}
	m->stats.verify_contested++;
	(*contester_count(m, mv->claimer))++;
	log_ratelimited(&m->rl, VRD_LOG_WARN,
			"claim of %s (%s) by %s contested: it answers here", a,
			mc, mv->claimer);
	vrd_daemon_event(d, "claim-contested", "ip", a, "mac", mc, "router",
			 mv->claimer, "owner", d->cfg.name, NULL);
}

/* Silence: the host left; do what its leaving does. */
static void yield(struct vrd_migrate *m,
		  const struct vrd_migrate_verify_action *act)
{
	const struct vrd_migrate_verify_move *mv = &act->move;
	const struct vrd_migrate_host *h;
	char a[VRD_IPV4_STRLEN];

	m->stats.verify_yielded++;
	if (act->limited) {
		m->stats.verify_limited++;
		log_ratelimited(&m->rl, VRD_LOG_WARN,
				"claim of %s by %s: it answers here, but it "
				"was contested too often: yielded",
				vrd_ipv4_format(mv->ip, a), mv->claimer);
	}
	if (mv->side == VRD_MIGRATE_VERIFY_VISIT) {
		if (!visiting(m, mv->ip)) { /* not a refused claim's check */
			hwdt_forget(m, mv->ip);
		}
		return;
	}
	h = vrd_migrate_set_find(&m->away, mv->ip);
	if (h) {
		away_takeover(m, h->ip, h->router, false);
	}
}

/* The verdict on an arrival that needed proof: it answered here (claim
 * it), or it did not (the frames were not the host: leave it). */
static void arrival_proved(struct vrd_migrate *m,
			   const struct vrd_migrate_verify_action *act)
{
	const struct vrd_migrate_verify_move *mv = &act->move;
	char a[VRD_IPV4_STRLEN], mc[VRD_MAC_STRLEN];

	if (act->what == VRD_MIGRATE_VERIFY_CONTEST) {
		m->stats.arrive_proven++;
		claim_arrival(m, mv->ip, &mv->mac, NULL);
		return;
	}
	m->stats.arrive_unproven++;
	log_ratelimited(&m->rl, VRD_LOG_WARN,
			"arrival of %s (%s): its claim here was contested, and "
			"%s: not claimed",
			vrd_ipv4_format(mv->ip, a),
			vrd_mac_format(&mv->mac, mc),
			act->limited ? "it answers here, but was contested too "
				       "often (a duplicate address?)"
				     : "it does not answer here");
}

static void verify_run(struct vrd_loop *loop, struct vrd_timer *t, void *arg)
{
	struct vrd_migrate *m = arg;
	struct vrd_migrate_verify_action act[8];
	size_t n;

	/* an answer already on the wire counts, however busy we are */
	vrd_lan_read(m->d->lan);
	do {
		n = vrd_migrate_verify_due(&m->verify, vrd_loop_now(loop), act,
					   8);
		for (size_t i = 0; i < n; i++) {
			const struct vrd_migrate_verify_move *mv = &act[i].move;

			if (act[i].what == VRD_MIGRATE_VERIFY_PROBE) {
				if (vrd_lan_probe(m->d->lan, mv->ip, &mv->mac) <
				    0) {
					m->stats.verify_probe_errors++;
				}
				m->stats.verify_probes++;
			} else if (mv->side == VRD_MIGRATE_VERIFY_ARRIVE) {
				arrival_proved(m, &act[i]);
			} else if (act[i].what == VRD_MIGRATE_VERIFY_CONTEST ||
				   (act[i].limited && frozen_here(m, mv->ip))) {
				contest(m, mv);
			} else {
				yield(m, &act[i]);
			}
		}
	} while (n == 8);
	verify_arm(m);
}

/* Is ip frozen at another router (claim.h)? Then we stand back: claiming
 * it would only be refused here (claim-frozen), once a frame. */
static bool frozen_elsewhere(struct vrd_migrate *m, uint32_t ip)
{
	struct tables_claim_entry e;
	struct gossip_claim_state st;

	return claim_entry(m, ip, &e) &&
	       gossip_claim_state_from(&st, &e) == 0 &&
	       !gossip_claim_may_claim(&st, m->d->cfg.name, vrd_wallclock_ms());
}

void vrd_migrate_frame(struct vrd_migrate *m, const struct vrd_mac *mac,
		       uint32_t src, bool arp)
{
	const struct vrd_migrate_host *h = vrd_migrate_set_find(&m->away, src);
	uint64_t now = vrd_monotonic_ms(), claimed;
	char from[VRD_NAME_MAX + 1];
	const char *owner;

	/* a move being verified: this is the answer (or not), and the
	 * verdict decides */
	if (vrd_migrate_verify_pending(&m->verify, src)) {
		if (vrd_migrate_verify_answer(&m->verify, src, mac)) {
			vrd_timer_arm(m->d->loop, &m->verify_timer, 0);
		}
		return;
	}
	if (m->nasking || m->npending) {
		arrival_frame(m, mac, src);
		h = vrd_migrate_set_find(&m->away,
					 src); /* a claim rebuilt it */
	}
	if (vrd_mac_is_multicast(mac)) {
		return;
	}
	/* a host of this LAN that another router owns came home; or a host
	 * of another network, routed to another router, is here: it says so
	 * itself (an ARP, not a forwarded IPv4 packet, names its sender).
	 * Both are heard again after a freeze, or a lost announcement. */
	if (h) {
		owner = h->router;
	} else if (arp && !on_our_lan(m, src) && names_host(src)) {
		owner = owner_of(m, src);
	} else {
		return;
	}
	if (!owner) {
		return;
	}
	/* once per second and host at most (the claim itself takes it off
	 * the list, unless it was refused) */
	claimed = recent_claimed_ms(m, src);
	if ((claimed && now - claimed < 1000) || frozen_elsewhere(m, src)) {
		return;
	}
	/* a copy: the claim rebuilds the sets, and h with them */
	snprintf(from, sizeof(from), "%s", owner);
	if (recent_needs_proof(m, src) && arrival_prove(m, src, mac, from)) {
		return; /* our last claim of it was contested */
	}
	claim(m, src, mac, from);
}

static bool visiting(const struct vrd_migrate *m, uint32_t ip)
{
	return vrd_migrate_set_find(&m->visit, ip) != NULL;
}

/* From the home router: correct the visitor's neighbour cache, one
 * gratuitous ARP (on the usual schedule) per address it may hold. */
void vrd_migrate_hosts(struct vrd_migrate *m, const char *from,
		       const uint8_t *msg, size_t len)
{
	struct vrd_mac buf;
	const struct vrd_mac *mac;
	char a[VRD_IPV4_STRLEN], mc[VRD_MAC_STRLEN], n[8];
	uint32_t vm;
	size_t k;

	if (len < HOSTS_HDR || len != HOSTS_HDR + 4u * msg[4]) {
		m->stats.hosts_bad++;
		return;
	}
	vm = vrd_get_be32(msg);
	k = msg[4];
	mac = visiting(m, vm) ? host_mac(m, vm, &buf) : NULL;
	if (!mac || !m->d->lan) {
		m->stats.hosts_bad++;
		return;
	}
	m->stats.hosts_received++;
	for (size_t i = 0; i < k; i++) {
		uint32_t ip = vrd_get_be32(msg + HOSTS_HDR + 4 * i);

		if (on_our_lan(m, ip)) {
			continue; /* a neighbour here answers for itself */
		}
		if (vrd_lan_announce(m->d->lan, ip, NULL, mac) == 0) {
			m->stats.garps++;
		}
	}
	snprintf(n, sizeof(n), "%zu", k);
	vrd_daemon_event(m->d, "migration-arp", "ip", vrd_ipv4_format(vm, a),
			 "mac", vrd_mac_format(mac, mc), "home", from, "hosts",
			 n, NULL);
}

bool vrd_migrate_proxy(const struct vrd_migrate *m, uint32_t spa, uint32_t tpa)
{
	return tpa != spa && !on_our_lan(m, tpa) && visiting(m, spa);
}

int vrd_migrate_counters(const struct vrd_migrate *m, vrd_counter_fn fn,
			 void *arg)
{
	const struct mig_stats *s = &m->stats;
	const struct vrd_counter c[] = {
		{"migrate.seen", s->seen},
		{"migrate.queries", s->queries},
		{"migrate.query_errors", s->query_errors},
		{"migrate.answered_nobody", s->answered_nobody},
		{"migrate.claims", s->claims},
		{"migrate.claim_errors", s->claim_errors},
		{"migrate.frozen", s->frozen},
		{"migrate.out_of_scope", s->out_of_scope},
		{"migrate.away", s->away},
		{"migrate.home", s->home},
		{"migrate.visitors", s->visitors},
		{"migrate.away_now", m->away.n},
		{"migrate.visitors_now", m->visit.n},
		{"migrate.hosts_sent", s->hosts_sent},
		{"migrate.hosts_received", s->hosts_received},
		{"migrate.hosts_bad", s->hosts_bad},
		{"migrate.garps", s->garps},
		{"migrate.recalled", s->recalled},
		{"migrate.claims_skipped", s->claims_skipped},
		{"migrate.left", s->left},
		{"migrate.left_contested", s->left_contested},
		{"migrate.arrive.probed", s->arrive_probed},
		{"migrate.arrive.proven", s->arrive_proven},
		{"migrate.arrive.unproven", s->arrive_unproven},
		{"migrate.pending", s->pending},
		{"migrate.pending_now", m->npending},
		{"migrate.pending_resolved", s->pending_resolved},
		{"migrate.pending_expired", s->pending_expired},
		{"migrate.pending_evicted", s->pending_evicted},
		{"migrate.seeks", s->seeks},
		{"migrate.seeks_sent", s->seeks_sent},
		{"migrate.seeks_limited", s->seeks_limited},
		{"migrate.seek_errors", s->seek_errors},
		{"migrate.sought", s->sought},
		{"migrate.sought_bad", s->sought_bad},
		{"migrate.sought_refused", s->sought_refused},
		{"migrate.sought_limited", s->sought_limited},
		{"migrate.sought_probes", s->sought_probes},
		{"migrate.refused_checked", s->refused_checked},
		{"migrate.refused_limited", s->refused_limited},
		{"migrate.verify.started", s->verify_started},
		{"migrate.verify.unverified", s->verify_unverified},
		{"migrate.verify.now", vrd_migrate_verify_count(&m->verify)},
		{"migrate.verify.probes", s->verify_probes},
		{"migrate.verify.probe_errors", s->verify_probe_errors},
		{"migrate.verify.yielded", s->verify_yielded},
		{"migrate.verify.limited", s->verify_limited},
		{"migrate.verify.contest_errors", s->verify_contest_errors},
		{"migrate.contested", s->verify_contested},
		{"migrate.contested_other_routers", m->contested_other},
	};
	char name[64];
	int rc = VRD_COUNTERS_EMIT(c, fn, arg);

	/* per claiming router: who keeps claiming hosts that are here */
	for (size_t i = 0; rc == 0 && i < CONTESTERS_MAX; i++) {
		const struct contester *k = &m->contesters[i];

		if (k->router[0]) {
			snprintf(name, sizeof(name), "migrate.contested.%s",
				 k->router);
			rc = fn(name, k->n, arg);
		}
	}
	return rc;
}
