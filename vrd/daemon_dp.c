/*
 * The data plane in the daemon (docs/dataplane.md): the TUN, the threads,
 * the kernel routes, the peers.
 */
#include <errno.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gossip/node.h"
#include "base/clock.h"
#include "vrd/daemon_dp.h"
#include "vrd/daemon_gossip.h"
#include "dataplane/gso.h"
#include "dataplane/mss.h"
#include "dataplane/rtnl.h"
#include "dataplane/tun.h"

#define TUN_NAME_GATEWAY "vrd%d" /* the kernel picks the number */
#define ROUTE_METRIC 0
#define DP_GSO_SEGS_TUN DP_GSO_SEGS_MAX

void vrd_daemon_gossip_kick(struct vrd_daemon *d)
{
	if (d->gs) {
		vrd_daemon_gossip_flush(d->gs);
	}
}

void vrd_daemon_dp_paths_tick(struct vrd_daemon_dp *s, uint64_t now_ms);
void vrd_daemon_dp_paths_announce(struct vrd_daemon_dp *s, uint64_t now_ms);

/* A super-packet from the TUN is cut into at most this many segments. */
static int tun_limit_segs(struct dp_rtnl *r, int ifindex, uint32_t segs)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC, .ifi_index = ifindex};
	struct dp_rtnl_msg m;
	uint8_t buf[64];

	dp_rtnl_msg_init(&m, buf, sizeof(buf));
	dp_rtnl_msg_begin(&m, RTM_NEWLINK, NLM_F_ACK, &ifi, sizeof(ifi));
	dp_rtnl_msg_put_u32(&m, IFLA_GSO_MAX_SEGS, segs);
	dp_rtnl_msg_end(&m);
	return dp_rtnl_transact(r, &m, NULL, NULL);
}

static int tun_setup(struct vrd_daemon_dp *s, bool *vnet)
{
	const struct vrd_config *cfg = &s->d->cfg;
	const char *want =
		cfg->mode == VRD_MODE_HOST ? cfg->host_if : TUN_NAME_GATEWAY;
	/* the TUN's queue (txqueuelen, 500 by default) must outlast the tx
	 * thread's time off the CPU on a busy host: 2000 packets are 20 ms
	 * of 64-byte packets at 100 kpps, and at most 3 MB (12 ms at
	 * 2 Gbit/s) of full-size packets standing in front of an idle one */
	const uint32_t txqlen = 2000;
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
	struct dp_rtnl_msg m;
	uint8_t buf[64];
	unsigned granted = 0;
	int fd, rc;

	fd = dp_tun_open(want, DP_TUN_VNET_HDR, s->tun_name, &granted);
	if (fd < 0) {
		log_err("tun %s: %s", want, strerror(-fd));
		return fd;
	}
	/* offloads only when the kernel gives checksum and TSO both */
	*vnet = (granted & DP_TUN_OFFLOAD_CSUM) &&
		(granted & DP_TUN_OFFLOAD_TSO4);
	if (!*vnet) {
		close(fd);
		fd = dp_tun_open(want, 0, s->tun_name, NULL);
		if (fd < 0) {
			log_err("tun %s: %s", want, strerror(-fd));
			return fd;
		}
	}
	rc = dp_link_index(s->rtnl, s->tun_name);
	if (rc < 0) {
		goto err;
	}
	s->tun_ifindex = rc;
	if (*vnet && tun_limit_segs(s->rtnl, rc, DP_GSO_SEGS_TUN) < 0) {
		log_warn("tun %s: cannot limit gso segments: %s", s->tun_name,
			 dp_rtnl_errmsg(s->rtnl));
	}
	ifi.ifi_index = s->tun_ifindex;
	dp_rtnl_msg_init(&m, buf, sizeof(buf));
	dp_rtnl_msg_begin(&m, RTM_NEWLINK, NLM_F_ACK, &ifi, sizeof(ifi));
	dp_rtnl_msg_put_u32(&m, IFLA_TXQLEN, txqlen);
	dp_rtnl_msg_end(&m);
	if (dp_rtnl_transact(s->rtnl, &m, NULL, NULL) < 0) {
		log_warn("tun %s: cannot set txqueuelen %u: %s", s->tun_name,
			 txqlen, dp_rtnl_errmsg(s->rtnl));
	}
	if ((rc = dp_link_set_mtu(s->rtnl, s->tun_ifindex, DP_TUN_MTU)) < 0 ||
	    (rc = dp_link_set_up(s->rtnl, s->tun_ifindex, true)) < 0) {
		goto err;
	}
	if (cfg->mode == VRD_MODE_HOST) {
		rc = dp_link_addr_add(s->rtnl, s->tun_ifindex, cfg->host_addr,
				      cfg->host_network.len);
		if (rc < 0) {
			goto err;
		}
	}
	return fd;
err:
	log_err("tun %s: %s%s%s", s->tun_name, strerror(-rc),
		*dp_rtnl_errmsg(s->rtnl) ? ": " : "", dp_rtnl_errmsg(s->rtnl));
	close(fd);
	return rc;
}

/* ---- kernel routes from the forwarding snapshot ---------------------- */

static int route_cmp(const void *a, const void *b)
{
	const struct dp_route *x = a, *y = b;

	if (x->prefix.addr != y->prefix.addr) {
		return x->prefix.addr < y->prefix.addr ? -1 : 1;
	}
	return (int)x->prefix.len - (int)y->prefix.len;
}

/* Where the kernel should send a prefix of the snapshot: the TUN for
 * other routers' networks; the LAN for a host that migrated in from
 * another subnet; nowhere (0) for our own networks. */
static int route_link(const struct vrd_daemon_dp *s,
		      const struct tables_fib_route *r)
{
	const struct vrd_config *cfg = &s->d->cfg;

	if (r->vn != cfg->vn) {
		return 0;
	}
	if (strcmp(r->router, cfg->name)) {
		return s->tun_ifindex;
	}
	if (cfg->mode == VRD_MODE_GATEWAY &&
	    !vrd_prefix_contains(&cfg->lan_network, r->prefix.addr)) {
		return s->lan_ifindex;
	}
	return 0;
}

static int routes_want(struct vrd_daemon_dp *s, const struct tables_fib *fib,
		       struct dp_route **out, size_t *n)
{
	size_t total = tables_fib_size(fib), k = 0;
	struct dp_route *w = calloc(total ? total : 1, sizeof(*w));

	if (!w) {
		return -ENOMEM;
	}
	for (size_t i = 0; i < total; i++) {
		const struct tables_fib_route *r = tables_fib_route_at(fib, i);
		int link = route_link(s, r);

		if (link > 0) {
			w[k++] = (struct dp_route){r->prefix, link};
		}
	}
	qsort(w, k, sizeof(*w), route_cmp);
	*out = w;
	*n = k;
	return 0;
}

static void route_apply(struct vrd_daemon_dp *s, const struct dp_route *r,
			bool add)
{
	char p[VRD_PREFIX_STRLEN];
	int rc = add ? dp_rtnl_route_replace(s->rtnl, &r->prefix, r->ifindex, 0,
					     ROUTE_METRIC)
		     : dp_rtnl_route_del(s->rtnl, &r->prefix, r->ifindex, 0,
					 ROUTE_METRIC);

	if (rc == 0 || (!add && rc == -ESRCH)) {
		add ? s->stats.routes_installed++ : s->stats.routes_removed++;
		/* a host route is a step of a migration: timed */
		if (r->prefix.len == 32) {
			vrd_daemon_event(s->d, "host-route", "ip",
					 vrd_ipv4_format(r->prefix.addr, p),
					 "dev",
					 !add ? "-"
					 : r->ifindex == s->tun_ifindex
						 ? s->tun_name
						 : s->d->cfg.lan_if,
					 NULL);
		}
		return;
	}
	s->stats.route_errors++;
	log_ratelimited(&s->rl, VRD_LOG_ERR, "route %s %s: %s%s%s",
			add ? "add" : "del", vrd_prefix_format(&r->prefix, p),
			strerror(-rc), *dp_rtnl_errmsg(s->rtnl) ? ": " : "",
			dp_rtnl_errmsg(s->rtnl));
}

/* Makes the kernel's routes of our protocol match the snapshot: a merge of
 * two sorted lists, so only what changed is sent. */
static void routes_sync(struct vrd_daemon_dp *s)
{
	const struct tables_fib *fib = tables_fib_current(s->d->fib);
	struct dp_route *want;
	size_t nwant, i = 0, j = 0;

	if (!fib || (s->routes_synced &&
		     tables_fib_generation(fib) == s->routes_generation)) {
		return;
	}
	if (routes_want(s, fib, &want, &nwant) < 0) {
		log_ratelimited(&s->rl, VRD_LOG_ERR, "routes: %s",
				strerror(ENOMEM));
		return;
	}
	while (i < s->nroutes || j < nwant) {
		int c = i == s->nroutes ? 1
			: j == nwant	? -1
					: route_cmp(&s->routes[i], &want[j]);

		if (c < 0) {
			route_apply(s, &s->routes[i++], false);
		} else if (c > 0) {
			route_apply(s, &want[j++], true);
		} else {
			if (s->routes[i].ifindex != want[j].ifindex) {
				route_apply(s, &want[j], true);
			}
			i++;
			j++;
		}
	}
	free(s->routes);
	s->routes = want;
	s->nroutes = nwant;
	s->routes_generation = tables_fib_generation(fib);
	s->routes_synced = true;
}

void vrd_daemon_dp_routes(struct vrd_daemon *d)
{
	if (d->dps) {
		routes_sync(d->dps);
	}
}

/* ---- peers from gossip ---------------------------------------------- */

void vrd_daemon_dp_peer(struct vrd_daemon *d, const char *name, uint32_t addr,
			uint16_t port, int state)
{
	struct vrd_daemon_dp *s = d->dps;
	struct dp_peers *t;
	int idx;

	if (!s || !strcmp(name, d->cfg.name)) {
		return;
	}
	t = dp_peers(s->dp);
	idx = dp_peer_find(t, name);
	if (!gossip_member_state_up(state)) {
		if (idx < 0) {
			return;
		}
		if (vrd_monotonic_ms() - dp_load(&t->peer[idx].last_rx_ms) <
		    DP_DOWN_GRACE_MS) {
			s->link[idx].gossip_down = true; /* the tick decides */
			return;
		}
		vrd_daemon_dp_peer_drop(s, idx);
		return;
	}
	if (idx < 0) {
		dp_peers_write_lock(t);
		idx = dp_peer_add(t, name);
		dp_peers_unlock(t);
		if (idx < 0) {
			log_ratelimited(&s->rl, VRD_LOG_ERR,
					"peer %s: data plane: %s", name,
					strerror(-idx));
			return;
		}
		vrd_daemon_dp_keys_forget(s, idx);
	}
	s->link[idx].gossip_down = false;
	/* a roaming peer's own packets moved it already; gossip tells the
	 * address it announces, which wins when it changes */
	dp_store(&t->peer[idx].endpoint, dp_endpoint(addr, port));
}

void vrd_daemon_dp_peer_renewed(struct vrd_daemon *d, const char *name)
{
	struct vrd_daemon_dp *s = d->dps;
	int idx;

	if (!s || !s->link) {
		return;
	}
	idx = dp_peer_find(dp_peers(s->dp), name);
	if (idx >= 0) {
		/* not from inside the node's callback: the tick sends */
		s->link[idx].renew = true;
	}
}

void vrd_daemon_dp_peer_drop(struct vrd_daemon_dp *s, int idx)
{
	struct dp_peers *t = dp_peers(s->dp);

	dp_peers_write_lock(t);
	dp_peer_remove(t, idx);
	dp_peers_unlock(t);
	vrd_daemon_dp_keys_forget(s, idx);
}

void vrd_daemon_dp_direct(struct vrd_daemon *d, const char *from,
			  const uint8_t *msg, size_t len)
{
	if (d->dps && d->dps->link) {
		vrd_daemon_dp_keys_direct(d->dps, from, msg, len);
	}
}

int vrd_daemon_dp_udp_send(uint32_t addr, uint16_t port, const uint8_t *buf,
			   size_t len, void *arg)
{
	struct vrd_daemon *d = arg;

	return d->dps ? dp_send_raw(d->dps->dp, addr, port, buf, len)
		      : -ENOTCONN;
}

/* ---- the loop ------------------------------------------------------- */

static void control_input(const uint8_t *buf, size_t len, uint32_t addr,
			  uint16_t port, void *arg)
{
	struct vrd_daemon *d = arg;

	if (d->gossip) {
		gossip_node_udp_input(d->gossip, buf, len, addr, port,
				      vrd_monotonic_ms());
	}
}

static void on_control(struct vrd_loop *loop, int fd, short revents, void *arg)
{
	struct vrd_daemon *d = arg;

	dp_control_drain(d->dps->dp, control_input, d);
	vrd_daemon_gossip_kick(d);
}

static void on_want(struct vrd_loop *loop, int fd, short revents, void *arg)
{
	struct vrd_daemon *d = arg;
	struct vrd_daemon_dp *s = d->dps;
	int idx[DP_PEERS_MAX];
	size_t n = dp_wanted(s->dp, idx, DP_PEERS_MAX);
	uint64_t now = vrd_monotonic_ms();

	for (size_t i = 0; i < n; i++) {
		if (!s->link[idx[i]].pending) {
			vrd_daemon_dp_keys_offer(s, idx[i], now);
		}
	}
	/* the daemon's thread owns the table's shape: no lock to walk it */
	for (int i = 0; i < DP_PEERS_MAX; i++) {
		struct dp_peer *p = &dp_peers(s->dp)->peer[i];

		if (p->used &&
		    __atomic_exchange_n(&p->lost_key, 0, __ATOMIC_RELAXED)) {
			vrd_daemon_dp_keys_ask(s, i, now);
		}
	}
	vrd_daemon_gossip_kick(d);
}

static void on_underlay(const struct dp_rtnl_event *ev, void *arg)
{
	struct vrd_daemon_dp *s = arg;

	if (ev->ifindex != s->overlay_ifindex || ev->secondary) {
		return;
	}
	if (ev->type == DP_RTNL_ADDR_NEW && ev->addr != s->underlay_addr) {
		char a[VRD_IPV4_STRLEN], b[VRD_IPV4_STRLEN];

		log_info("underlay %s: address %s -> %s", s->d->cfg.overlay_if,
			 vrd_ipv4_format(s->underlay_addr, a),
			 vrd_ipv4_format(ev->addr, b));
		vrd_daemon_event(s->d, "underlay-address", "interface",
				 s->d->cfg.overlay_if, "from", a, "to", b,
				 NULL);
		s->underlay_addr = ev->addr;
		s->stats.underlay_changes++;
		vrd_daemon_dp_paths_announce(s, vrd_monotonic_ms());
		/* gossip moves too, so no peer declares us dead at the old
		 * address */
		if (s->d->gossip) {
			int rc = gossip_node_set_address(s->d->gossip, ev->addr,
							 vrd_monotonic_ms());

			if (rc < 0) {
				log_err("gossip: cannot move to %s: %s", b,
					strerror(-rc));
			}
			vrd_daemon_gossip_kick(s->d);
		}
	}
}

static void on_monitor(struct vrd_loop *loop, int fd, short revents, void *arg)
{
	struct vrd_daemon_dp *s = arg;

	if (dp_rtnl_monitor_read(fd, on_underlay, s) == -ENOBUFS) {
		/* events were lost: read the address afresh */
		struct dp_rtnl_event ev = {.type = DP_RTNL_ADDR_NEW,
					   .ifindex = s->overlay_ifindex};
		uint8_t len;

		if (dp_rtnl_addr_first(s->rtnl, s->overlay_ifindex, &ev.addr,
				       &len) == 0) {
			on_underlay(&ev, s);
		}
	}
}

static void on_tick(struct vrd_loop *loop, struct vrd_timer *timer, void *arg)
{
	struct vrd_daemon *d = arg;
	struct vrd_daemon_dp *s = d->dps;
	uint64_t now = vrd_monotonic_ms();

	vrd_daemon_dp_keys_tick(s, now);
	vrd_daemon_dp_paths_tick(s, now);
	routes_sync(s);
	vrd_daemon_gossip_kick(d);
	vrd_timer_arm(loop, timer, DP_TICK_MS);
}

/* ---- life ----------------------------------------------------------- */

static int underlay_follow(struct vrd_daemon_dp *s)
{
	const struct vrd_config *cfg = &s->d->cfg;
	uint8_t len;
	int rc;

	s->mon_fd = -1;
	if (!cfg->overlay_if[0]) {
		s->underlay_addr = cfg->overlay_addr;
		return 0;
	}
	rc = dp_link_index(s->rtnl, cfg->overlay_if);
	if (rc < 0) {
		log_err("[overlay] interface %s: %s", cfg->overlay_if,
			strerror(-rc));
		return rc;
	}
	s->overlay_ifindex = rc;
	if (dp_rtnl_addr_first(s->rtnl, rc, &s->underlay_addr, &len) < 0) {
		s->underlay_addr = 0;
	}
	s->mon_fd = dp_rtnl_monitor_open();
	if (s->mon_fd < 0) {
		log_err("[overlay] interface %s: cannot follow: %s",
			cfg->overlay_if, strerror(-s->mon_fd));
		return s->mon_fd;
	}
	return 0;
}

int vrd_daemon_dp_start(struct vrd_daemon *d)
{
	const struct vrd_config *cfg = &d->cfg;
	struct vrd_daemon_dp *s = calloc(1, sizeof(*s));
	struct dp_config dc = {
		.name = cfg->name,
		.vn = cfg->vn,
		/* following an interface: any address, so a new one needs no
		 * new socket */
		.bind_addr = cfg->overlay_if[0] ? 0 : cfg->overlay_addr,
		.port = cfg->port,
		.mss_max = dp_mss_for_mtu(DP_TUN_MTU),
		.fib = d->fib,
		.control_magic = GOSSIP_UDP_MAGIC,
	};
	char err[256];
	int rc = -ENOMEM;

	if (!s) {
		return rc;
	}
	s->d = d;
	s->mon_fd = -1;
	/* armed at attach; initialised now, so a stop before that (gossip
	 * could not start) cancels nothing instead of a zeroed timer */
	vrd_timer_init(&s->tick, on_tick, d);
	s->rl = (struct vrd_ratelimit)VRD_RATELIMIT_INIT(10000, 5);
	s->rtnl = dp_rtnl_create();
	if (!s->rtnl) {
		rc = -errno;
		log_err("rtnetlink: %s", strerror(errno));
		goto err_free;
	}
	if (cfg->mode == VRD_MODE_GATEWAY) {
		rc = dp_link_index(s->rtnl, cfg->lan_if);
		if (rc < 0) {
			goto err_rtnl;
		}
		s->lan_ifindex = rc;
	}
	/* routes a killed vrd left behind: those through its TUN went with
	 * it; those onto the LAN (hosts that had migrated in) are still
	 * there. Only ours: another vrd may share the namespace. */
	rc = s->lan_ifindex ? dp_rtnl_route_flush_proto(s->rtnl, s->lan_ifindex)
			    : 0;
	if (rc > 0) {
		log_info("removed %d routes left by an earlier vrd", rc);
	}
	rc = underlay_follow(s);
	if (rc < 0) {
		goto err_rtnl;
	}
	dc.tun_fd = tun_setup(s, &dc.vnet_hdr);
	if (dc.tun_fd < 0) {
		rc = dc.tun_fd;
		goto err_mon;
	}
	s->dp = dp_create(&dc, err, sizeof(err));
	if (!s->dp) {
		rc = -errno;
		log_err("%s", err);
		goto err_mon;
	}
	rc = dp_start(s->dp);
	if (rc < 0) {
		log_err("data plane threads: %s", strerror(-rc));
		goto err_dp;
	}
	log_info("data plane: %s mtu %u, udp port %u, %s, offloads %s",
		 s->tun_name, DP_TUN_MTU, cfg->port,
		 dp_cipher_name(dp_cipher_preferred()),
		 dc.vnet_hdr ? "on" : "off");
	d->dps = s;
	return 0;

err_dp:
	dp_destroy(s->dp);
err_mon:
	if (s->mon_fd >= 0) {
		close(s->mon_fd);
	}
err_rtnl:
	if (rc == -ENODEV) {
		log_err("[lan] interface %s: no such interface", cfg->lan_if);
	}
	dp_rtnl_destroy(s->rtnl);
err_free:
	free(s);
	return rc;
}

int vrd_daemon_dp_attach(struct vrd_daemon *d)
{
	struct vrd_daemon_dp *s = d->dps;
	int rc = vrd_daemon_dp_keys_init(s);

	if (rc < 0) {
		log_err("data plane keys: %s", strerror(-rc));
		return rc;
	}
	if ((rc = vrd_loop_fd_add(d->loop, dp_control_fd(s->dp), POLLIN,
				  on_control, d)) < 0 ||
	    (rc = vrd_loop_fd_add(d->loop, dp_want_fd(s->dp), POLLIN, on_want,
				  d)) < 0 ||
	    (s->mon_fd >= 0 && (rc = vrd_loop_fd_add(d->loop, s->mon_fd, POLLIN,
						     on_monitor, s)) < 0)) {
		log_err("data plane: loop: %s", strerror(-rc));
		return rc;
	}
	vrd_timer_arm(d->loop, &s->tick, DP_TICK_MS);
	routes_sync(s);
	return 0;
}

void vrd_daemon_dp_stop(struct vrd_daemon *d)
{
	struct vrd_daemon_dp *s = d->dps;
	int rc;

	if (!s) {
		return;
	}
	vrd_timer_cancel(d->loop, &s->tick);
	vrd_loop_fd_del(d->loop, dp_control_fd(s->dp));
	vrd_loop_fd_del(d->loop, dp_want_fd(s->dp));
	if (s->mon_fd >= 0) {
		vrd_loop_fd_del(d->loop, s->mon_fd);
		close(s->mon_fd);
	}
	/* the TUN goes with its fd, and its routes with it; routes through
	 * the LAN (hosts that migrated in) are ours to remove */
	dp_destroy(s->dp);
	rc = s->lan_ifindex ? dp_rtnl_route_flush_proto(s->rtnl, s->lan_ifindex)
			    : 0;
	if (rc < 0) {
		log_err("routes: cannot remove ours: %s", strerror(-rc));
	}
	dp_rtnl_destroy(s->rtnl);
	if (s->link) {
		vrd_daemon_dp_keys_fini(s);
	}
	free(s->routes);
	free(s);
	d->dps = NULL;
}
