#include "vrd/lan.h"
#include "vrd/migrate.h"
#include "base/counter.h"
#include "capture/evidence.h"
#include "capture/frame.h"
#include "capture/pcap.h"
#include "inject/arp.h"
#include "inject/proxy.h"
#include "inject/schedule.h"
#include "base/clock.h"
#include "dataplane/rtnl.h"
#include "vrd/daemon.h"
#include "vrd/learn.h"
#include "base/log.h"

#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <unistd.h>
#include <linux/neighbour.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define SCHED_CAPACITY 1024
#define SCHED_RATE_PPS 200 /* gratuitous ARP, all announcements together */
#define SCHED_BURST 50

/* one wake-up's frames fit one batch of the learner */
_Static_assert(VRD_LAN_BUDGET <= VRD_LEARN_BATCH, "lan budget > learn batch");

struct lan_stats {
	uint64_t proxy[INJECT_PROXY_VERDICTS];
	uint64_t proxy_send_errors;
	uint64_t arp_unanswered; /* the kernel's ARP failed on our LAN */
	uint64_t neigh_lost; /* the neighbour monitor overflowed */
};

struct vrd_lan {
	struct vrd_daemon *d;
	struct capture *cap;
	struct capture_stats parse;
	struct capture_evidence *evidence;
	struct inject *inj;
	struct inject_sched *sched;
	struct vrd_timer sched_timer;
	struct inject_proxy_set *proxy;
	struct vrd_mac own_mac;
	uint32_t own[VRD_LAN_OWN_MAX];
	size_t nown;
	int ifindex;
	int neigh_fd; /* the kernel's ARP cache changes; -1: none */

	/* the read transaction the evidence callbacks use, per wake-up */
	struct tables_txn *rtxn;

	/* what one wake-up learned, written in one transaction */
	struct vrd_learner *learner;

	struct lan_stats stats;
	struct vrd_ratelimit rl;
};

/* ---- what the tables know, for the evidence state machine ----------- */

static int found(const struct tables_hwdt_entry *e, void *arg)
{
	return 1;
}

static bool mac_known(const struct vrd_mac *mac, uint16_t vlan, void *arg)
{
	struct vrd_lan *lan = arg;

	return lan->rtxn && tables_hwdt_foreach_mac(lan->rtxn, lan->d->cfg.vn,
						    mac, found, NULL) == 1;
}

static bool ip_known(uint32_t ip, void *arg)
{
	struct vrd_lan *lan = arg;
	struct tables_hwdt_entry e;

	return lan->rtxn &&
	       tables_hwdt_get(lan->rtxn, lan->d->cfg.vn, ip, &e) == 0;
}

/* ---- proxy ARP ------------------------------------------------------ */

static bool on_lan(void *arg, uint32_t ip)
{
	return ip_known(ip, arg);
}

static void proxy_answer(struct vrd_lan *lan, const struct capture_frame *f)
{
	struct inject_proxy_ctx ctx = {
		.set = lan->proxy,
		.on_lan = on_lan,
		.on_lan_arg = lan,
		.own = lan->own,
		.n_own = lan->nown,
	};
	enum inject_proxy_verdict v;

	/* requests the router itself sent (seen only on unusual setups) */
	if (vrd_mac_equal(&f->sha, &lan->own_mac)) {
		return;
	}
	/* a host that migrated in still believes its old subnet on-link:
	 * the router answers for every address not on this LAN */
	if (lan->d->migrate &&
	    vrd_migrate_proxy(lan->d->migrate, f->spa, f->tpa)) {
		v = INJECT_PROXY_ANSWER;
	} else if (inject_proxy_set_count(lan->proxy) == 0) {
		return; /* the common case: nothing to proxy, no lookups */
	} else {
		v = inject_proxy_decide(&ctx, f->tpa, f->spa);
	}
	lan->stats.proxy[v]++;
	if (v != INJECT_PROXY_ANSWER) {
		return;
	}
	if (inject_arp_reply_send(lan->inj, f->tpa, &lan->own_mac, f->spa,
				  &f->sha) < 0) {
		lan->stats.proxy_send_errors++;
	}
}

/* ---- learning ------------------------------------------------------- */

static void flush(struct vrd_lan *lan)
{
	size_t nlearn, nseen;
	int rc;

	vrd_learn_pending(lan->learner, &nlearn, &nseen);
	rc = vrd_learn_flush(lan->learner, lan->d->tables,
			     vrd_loop_now(lan->d->loop));
	if (rc < 0) {
		log_ratelimited(&lan->rl, VRD_LOG_ERR,
				"lan: cannot record %zu learned hosts: %s",
				nlearn, strerror(-rc));
	}
}

/* ---- frames --------------------------------------------------------- */

static void on_frame(const uint8_t *bytes, size_t len, uint64_t ts_us,
		     void *arg)
{
	struct vrd_lan *lan = arg;
	struct capture_frame f;
	struct capture_event event;
	struct capture_learn learn;
	uint64_t now = vrd_loop_now(lan->d->loop);
	unsigned got;
	int rc;

	rc = capture_frame_parse(bytes, len, &f);
	capture_stats_add(&lan->parse, rc, rc == 0 ? &f : NULL);
	if (rc < 0) {
		return;
	}
	if (f.kind == CAPTURE_KIND_ARP && f.op == CAPTURE_ARP_REQUEST) {
		proxy_answer(lan, &f);
	}
	/* a host of this LAN that was away, back and talking */
	if (lan->d->migrate &&
	    (f.kind == CAPTURE_KIND_ARP || f.kind == CAPTURE_KIND_IPV4)) {
		vrd_migrate_frame(lan->d->migrate, &f.eth_src,
				  f.kind == CAPTURE_KIND_ARP ? f.spa : f.ip_src,
				  f.kind == CAPTURE_KIND_ARP);
	}
	got = capture_evidence_feed(lan->evidence, &f, now, &event, &learn);
	/* the budget keeps both within one batch: no -ENOSPC */
	if (got & CAPTURE_FEED_LEARN) {
		vrd_learn_queue(lan->learner, &learn, now, ts_us);
	}
	if (got & CAPTURE_FEED_EVENT) {
		uint64_t now_us = vrd_wallclock_us();

		vrd_learn_queue_seen(lan->learner, &event, ts_us,
				     now_us > ts_us ? now_us - ts_us : 0);
		if (lan->d->migrate) {
			vrd_migrate_seen(lan->d->migrate, &event);
		}
	}
}

void vrd_lan_read(struct vrd_lan *lan)
{
	int n;

	if (tables_read_begin(lan->d->tables, &lan->rtxn) < 0) {
		lan->rtxn = NULL; /* the callbacks then say "not known" */
	}
	n = capture_read(lan->cap, VRD_LAN_BUDGET, on_frame, lan);
	tables_read_end(lan->rtxn);
	lan->rtxn = NULL;
	if (n < 0) {
		log_ratelimited(&lan->rl, VRD_LOG_WARN, "lan %s: capture: %s",
				lan->d->cfg.lan_if, strerror(-n));
	}
	flush(lan);
}

static void on_readable(struct vrd_loop *loop, int fd, short revents, void *arg)
{
	vrd_lan_read(arg);
}

int vrd_lan_probe(struct vrd_lan *lan, uint32_t ip, const struct vrd_mac *mac)
{
	/* RFC 5227: sender IP 0.0.0.0 teaches the host's cache nothing, and
	 * it answers unicast to our MAC */
	return inject_arp_request_send(lan->inj, 0, &lan->own_mac, ip, mac);
}

/* ---- gratuitous ARP on a schedule ---------------------------------- */

static void sched_arm(struct vrd_lan *lan)
{
	vrd_timer_arm_at(lan->d->loop, &lan->sched_timer,
			 inject_sched_next_ms(lan->sched));
}

static void sched_run(struct vrd_loop *loop, struct vrd_timer *t, void *arg)
{
	struct vrd_lan *lan = arg;
	struct inject_announce due[32];
	size_t n = inject_sched_due(lan->sched, vrd_loop_now(loop), due, 32);

	for (size_t i = 0; i < n; i++) {
		const struct inject_announce *a = &due[i];
		bool bcast = vrd_mac_is_multicast(&a->dst);

		inject_garp_send(lan->inj, a->ip, &a->mac, a->op,
				 bcast ? NULL : &a->dst);
	}
	sched_arm(lan);
}

int vrd_lan_announce(struct vrd_lan *lan, uint32_t ip,
		     const struct vrd_mac *mac, const struct vrd_mac *dst)
{
	struct inject_announce a = {
		.ip = ip,
		.mac = mac ? *mac : lan->own_mac,
		.op = INJECT_GARP_REQUEST,
	};
	int rc;

	memset(a.dst.b, 0xff, 6);
	if (dst) {
		a.dst = *dst;
		a.op = INJECT_GARP_REPLY; /* unicast: the reply form */
	}
	rc = inject_sched_add(lan->sched, &a, vrd_loop_now(lan->d->loop));
	if (rc < 0) {
		return rc;
	}
	sched_run(lan->d->loop, &lan->sched_timer, lan); /* the first now */
	return 0;
}

void vrd_lan_forget(struct vrd_lan *lan, const struct vrd_mac *mac)
{
	capture_evidence_forget(lan->evidence, mac);
}

/* ---- set-up --------------------------------------------------------- */

void vrd_lan_refresh_own(struct vrd_lan *lan)
{
	struct ifaddrs *ifa, *i;

	if (getifaddrs(&ifa) < 0) {
		return;
	}
	lan->nown = 0;
	for (i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET ||
		    strcmp(i->ifa_name, lan->d->cfg.lan_if) != 0 ||
		    lan->nown == VRD_LAN_OWN_MAX) {
			continue;
		}
		lan->own[lan->nown++] =
			ntohl(((struct sockaddr_in *)(void *)i->ifa_addr)
				      ->sin_addr.s_addr);
	}
	freeifaddrs(ifa);
}

/* ---- the kernel's unanswered ARP: a host of ours nobody sees -------- */

static void on_neigh_event(const struct dp_rtnl_event *ev, void *arg)
{
	struct vrd_lan *lan = arg;

	if (ev->type != DP_RTNL_NEIGH || ev->ifindex != lan->ifindex ||
	    !(ev->nud_state & NUD_FAILED)) {
		return;
	}
	lan->stats.arp_unanswered++;
	if (lan->d->migrate) {
		vrd_migrate_unanswered(lan->d->migrate, ev->addr);
	}
}

static void on_neigh(struct vrd_loop *loop, int fd, short revents, void *arg)
{
	struct vrd_lan *lan = arg;

	/* a lost notification is a failure the next packet repeats */
	if (dp_rtnl_monitor_read(fd, on_neigh_event, lan) == -ENOBUFS) {
		lan->stats.neigh_lost++;
	}
}

/* Traffic the kernel forwards to a host of our LAN that does not answer
 * its ARP is the cue to seek the host across the overlay (migrate.c).
 * Without the monitor vrd works as before, so a failure is only logged. */
static void neigh_open(struct vrd_lan *lan)
{
	lan->ifindex = (int)if_nametoindex(lan->d->cfg.lan_if);
	lan->neigh_fd = dp_rtnl_neigh_monitor_open();
	if (lan->neigh_fd < 0) {
		log_err("lan %s: neighbour monitor: %s", lan->d->cfg.lan_if,
			strerror(-lan->neigh_fd));
		return;
	}
	if (vrd_loop_fd_add(lan->d->loop, lan->neigh_fd, POLLIN, on_neigh,
			    lan) < 0) {
		log_err("lan %s: neighbour monitor: cannot poll it",
			lan->d->cfg.lan_if);
		close(lan->neigh_fd);
		lan->neigh_fd = -1;
	}
}

static void neigh_close(struct vrd_lan *lan)
{
	if (lan->neigh_fd >= 0) {
		vrd_loop_fd_del(lan->d->loop, lan->neigh_fd);
		close(lan->neigh_fd);
	}
}

struct vrd_lan *vrd_lan_create(struct vrd_daemon *d)
{
	struct capture_evidence_config ec = {
		.network = d->cfg.lan_network,
		.mac_known = mac_known,
		.ip_known = ip_known,
	};
	struct vrd_learn_config lc = {
		.vn = d->cfg.vn,
		/* a learned entry is rewritten (last_seen) a few times per age */
		.refresh_ms = (uint64_t)d->cfg.hwdt_age_s * 1000 / 4,
	};
	char err[256];
	struct vrd_lan *lan = calloc(1, sizeof(*lan));

	if (!lan) {
		return NULL;
	}
	lan->d = d;
	lan->neigh_fd = -1;
	lan->rl = (struct vrd_ratelimit)VRD_RATELIMIT_INIT(10000, 5);
	ec.arg = lan;
	if (getrandom(&ec.seed, sizeof(ec.seed), 0) != sizeof(ec.seed)) {
		ec.seed = vrd_monotonic_ns();
	}
	lan->inj = inject_open(d->cfg.lan_if, err, sizeof(err));
	if (!lan->inj) {
		log_err("lan %s: %s", d->cfg.lan_if, err);
		goto err_free;
	}
	inject_hwaddr(lan->inj, &lan->own_mac);
	lan->cap = capture_open(d->cfg.lan_if, &lan->own_mac, err, sizeof(err));
	if (!lan->cap) {
		log_err("lan %s: %s", d->cfg.lan_if, err);
		goto err_inject;
	}
	lan->evidence = capture_evidence_create(&ec);
	lan->proxy = inject_proxy_set_create(VRD_LAN_PROXY_MAX);
	lan->sched = inject_sched_create(SCHED_CAPACITY, SCHED_RATE_PPS,
					 SCHED_BURST);
	lan->learner = vrd_learn_create(&lc);
	if (!lan->evidence || !lan->proxy || !lan->sched || !lan->learner) {
		goto err_all;
	}
	if (vrd_loop_fd_add(d->loop, capture_fd(lan->cap), POLLIN, on_readable,
			    lan) < 0) {
		goto err_all;
	}
	vrd_timer_init(&lan->sched_timer, sched_run, lan);
	vrd_lan_refresh_own(lan);
	neigh_open(lan);
	log_info("lan %s: capturing (%s)", d->cfg.lan_if,
		 capture_filter(lan->cap));
	return lan;

err_all:
	log_err("lan %s: out of memory", d->cfg.lan_if);
	vrd_learn_destroy(lan->learner);
	inject_sched_destroy(lan->sched);
	inject_proxy_set_destroy(lan->proxy);
	capture_evidence_destroy(lan->evidence);
	capture_close(lan->cap);
err_inject:
	inject_close(lan->inj);
err_free:
	free(lan);
	return NULL;
}

void vrd_lan_destroy(struct vrd_lan *lan)
{
	if (!lan) {
		return;
	}
	vrd_loop_fd_del(lan->d->loop, capture_fd(lan->cap));
	neigh_close(lan);
	vrd_timer_cancel(lan->d->loop, &lan->sched_timer);
	vrd_learn_destroy(lan->learner);
	inject_sched_destroy(lan->sched);
	inject_proxy_set_destroy(lan->proxy);
	capture_evidence_destroy(lan->evidence);
	inject_close(lan->inj);
	capture_close(lan->cap);
	free(lan);
}

/* ---- operator ------------------------------------------------------- */

struct neighbours {
	const struct vrd_lan *lan;
	struct vrd_lan_host *out;
	size_t n, max;
};

static int neighbour(const struct tables_hwdt_entry *e, void *arg)
{
	struct neighbours *nb = arg;

	if (nb->n == nb->max) {
		return 1;
	}
	if (vrd_prefix_contains(&nb->lan->d->cfg.lan_network, e->ip)) {
		nb->out[nb->n++] = (struct vrd_lan_host){e->ip, e->mac};
	}
	return 0;
}

size_t vrd_lan_neighbours(struct vrd_lan *lan, struct vrd_lan_host *out,
			  size_t max)
{
	struct neighbours nb = {.lan = lan, .out = out, .max = max};
	struct tables_txn *txn;

	for (size_t i = 0; i < lan->nown && nb.n < max; i++) {
		out[nb.n++] = (struct vrd_lan_host){lan->own[i], lan->own_mac};
	}
	if (tables_read_begin(lan->d->tables, &txn) < 0) {
		return nb.n;
	}
	tables_hwdt_foreach(txn, lan->d->cfg.vn, neighbour, &nb);
	tables_read_end(txn);
	return nb.n;
}

int vrd_lan_proxy_add(struct vrd_lan *lan, uint32_t ip)
{
	if (inject_proxy_set_has(lan->proxy, ip)) {
		return -EEXIST;
	}
	return inject_proxy_set_add(lan->proxy, ip);
}

int vrd_lan_proxy_del(struct vrd_lan *lan, uint32_t ip)
{
	return inject_proxy_set_del(lan->proxy, ip);
}

static int proxy_row(uint32_t ip, void *arg)
{
	struct vrd_reply *rep = arg;
	struct vrd_row *row = vrd_reply_row(rep);
	char buf[VRD_IPV4_STRLEN];

	if (!row) {
		return vrd_reply_error(rep, -ENOMEM, "out of memory");
	}
	return vrd_row_add_str(row, "ip", "%s", vrd_ipv4_format(ip, buf));
}

int vrd_lan_proxy_rows(struct vrd_lan *lan, struct vrd_reply *rep)
{
	rep->kind = VRD_REPLY_TABLE;
	return inject_proxy_set_foreach(lan->proxy, proxy_row, rep);
}

int vrd_lan_counters(struct vrd_lan *lan,
		     int (*fn)(const char *name, uint64_t value, void *arg),
		     void *arg)
{
	const struct lan_stats *s = &lan->stats;
	struct capture_evidence_stats es;
	struct capture_pcap_stats ps;
	struct inject_sched_stats ss;
	struct inject_stats is;
	const struct vrd_counter plain[] = {
		{"proxy.addresses", inject_proxy_set_count(lan->proxy)},
		{"proxy.send_errors", s->proxy_send_errors},
		{"lan.arp_unanswered", s->arp_unanswered},
		{"lan.neigh_lost", s->neigh_lost},
	};
	int rc;

	capture_get_stats(lan->cap, &ps);
	capture_evidence_get_stats(lan->evidence, &es);
	inject_stats_get(lan->inj, &is);
	inject_sched_stats_get(lan->sched, &ss);
	if ((rc = capture_stats_foreach(&lan->parse, fn, arg)) ||
	    (rc = capture_pcap_stats_foreach(&ps, fn, arg)) ||
	    (rc = capture_evidence_stats_foreach(&es, fn, arg)) ||
	    (rc = vrd_learn_counters(lan->learner, fn, arg))) {
		return rc;
	}
	rc = VRD_COUNTERS_EMIT(plain, fn, arg);
	if (rc != 0) {
		return rc;
	}
	for (int v = 0; v < INJECT_PROXY_VERDICTS; v++) {
		if ((rc = fn(inject_proxy_verdict_name(v), s->proxy[v], arg))) {
			return rc;
		}
	}
	if ((rc = fn("inject.sent", is.sent, arg)) ||
	    (rc = fn("inject.errors", is.errors, arg)) ||
	    (rc = fn("inject.announce.added", ss.added, arg)) ||
	    (rc = fn("inject.announce.refused", ss.refused, arg)) ||
	    (rc = fn("inject.announce.delayed", ss.delayed, arg))) {
		return rc;
	}
	return 0;
}
