/* The daemon's answers on the control socket. Table commands go to the
 * shared queries (vrctl/query.h), so vrctl -d answers them the same way;
 * peers, claim and query are gossip's (daemon_gossip.c). */
#include "base/clock.h"
#include "base/counter.h"
#include "vrd/daemon.h"
#include "vrd/migrate.h"
#include "vrd/lan.h"
#include "vrctl/query.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

static void ctl_status(struct vrd_daemon *d, struct vrd_reply *rep)
{
	struct vrd_row *row;
	char a[VRD_IPV4_STRLEN], p[VRD_PREFIX_STRLEN];
	int rc;

	rep->kind = VRD_REPLY_OBJECT;
	row = vrd_reply_row(rep);
	if (!row) {
		vrd_reply_error(rep, -ENOMEM, "out of memory");
		return;
	}
	rc = vrd_query_status(d->tables, row);
	if (rc < 0) {
		vrd_reply_error(rep, rc, "tables: %s", strerror(-rc));
		return;
	}
	vrd_row_add_str(row, "version", "%s", VRD_VERSION);
	vrd_row_add_u64(row, "pid", (uint64_t)getpid());
	vrd_row_add_time(row, "started", d->started_wall_ms);
	vrd_row_add_u64(row, "uptime_s",
			(vrd_monotonic_ms() - d->started_mono_ms) / 1000);
	vrd_row_add_u64(row, "vn", d->cfg.vn);
	if (d->cfg.mode == VRD_MODE_GATEWAY) {
		vrd_row_add_str(row, "interface", "%s", d->cfg.lan_if);
		vrd_row_add_str(row, "network", "%s",
				vrd_prefix_format(&d->cfg.lan_network, p));
	} else {
		vrd_row_add_str(row, "interface", "%s", d->cfg.host_if);
		vrd_row_add_str(row, "address", "%s",
				vrd_ipv4_format(d->cfg.host_addr, a));
	}
	if (d->cfg.overlay_if[0]) {
		vrd_row_add_str(row, "overlay", "%s:%u", d->cfg.overlay_if,
				d->cfg.port);
	} else {
		vrd_row_add_str(row, "overlay", "%s:%u",
				vrd_ipv4_format(d->cfg.overlay_addr, a),
				d->cfg.port);
	}
	vrd_row_add_u64(row, "fib_routes",
			tables_fib_size(tables_fib_current(d->fib)));
	if (d->cert.not_after) {
		uint64_t now = vrd_wallclock_ms() / 1000;

		vrd_row_add_time(row, "cert_expires", d->cert.not_after * 1000);
		vrd_row_add_u64(row, "cert_days_left",
				d->cert.not_after > now
					? (d->cert.not_after - now) / 86400
					: 0);
	}
}

static int counter_row(const char *name, uint64_t value, void *arg)
{
	struct vrd_reply *rep = arg;
	struct vrd_row *row = vrd_reply_row(rep);

	if (!row) {
		return vrd_reply_error(rep, -ENOMEM, "out of memory");
	}
	vrd_row_add_str(row, "counter", "%s", name);
	vrd_row_add_u64(row, "value", value);
	return 0;
}

/* Both control sockets' counters, added up. */
static void control_stats(const struct vrd_daemon *d,
			  struct vrd_control_stats *out)
{
	struct vrd_control_stats ro;

	vrd_control_get_stats(d->control, out);
	if (!d->control_ro) {
		return;
	}
	vrd_control_get_stats(d->control_ro, &ro);
	out->requests += ro.requests;
	out->errors += ro.errors;
	out->bad_frames += ro.bad_frames;
	out->rejected += ro.rejected;
	out->timeouts += ro.timeouts;
	out->deferred += ro.deferred;
	out->deferred_lost += ro.deferred_lost;
	out->denied += ro.denied;
	out->read_only_refused += ro.read_only_refused;
}

/* Counters, one row each: more than fit one row, and a table greps well. */
static void ctl_stats(struct vrd_daemon *d, struct vrd_reply *rep)
{
	const struct tables_fib *fib = tables_fib_current(d->fib);
	struct vrd_control_stats cs;
	struct tables_stats ts;

	rep->kind = VRD_REPLY_TABLE;
	control_stats(d, &cs);
	tables_get_stats(d->tables, &ts);
	const struct vrd_counter plain[] = {
		{"control.requests", cs.requests},
		{"control.errors", cs.errors},
		{"control.bad_frames", cs.bad_frames},
		{"control.rejected", cs.rejected},
		{"control.timeouts", cs.timeouts},
		{"control.deferred", cs.deferred},
		{"control.deferred_lost", cs.deferred_lost},
		{"control.denied", cs.denied},
		{"control.read_only_refused", cs.read_only_refused},
		{"tables.map_size", ts.map_size},
		{"tables.map_used", ts.map_used},
		{"tables.map_resizes", ts.map_resizes},
		{"tables.write_txns", ts.write_txns},
		{"tables.write_retries", ts.write_retries},
		{"tables.write_errors", ts.write_errors},
		{"tables.events_trimmed", ts.events_trimmed},
		{"hwdt.expired", d->stats.hwdt_expired},
		{"fib.routes", tables_fib_size(fib)},
		{"fib.memory", tables_fib_memory(fib)},
		{"fib.rebuilds", d->stats.fib_rebuilds},
		{"fib.build_us_last", d->stats.fib_build_us_last},
		{"config.reloads", d->stats.reloads},
		{"config.reload_errors", d->stats.reload_errors},
		{"loop.wakeups", vrd_loop_wakeups(d->loop)},
	};

	if (VRD_COUNTERS_EMIT(plain, counter_row, rep) < 0) {
		return;
	}
	if (d->lan && vrd_lan_counters(d->lan, counter_row, rep) != 0) {
		return;
	}
	if (vrd_daemon_gossip_counters(d, counter_row, rep) != 0) {
		return;
	}
	if (d->migrate && vrd_migrate_counters(d->migrate, counter_row, rep)) {
		return;
	}
	vrd_daemon_dp_counters(d, counter_row, rep);
}

/* The LAN whose own and broadcast addresses are no host's, or NULL. */
static const struct vrd_prefix *ctl_lan(const struct vrd_daemon *d)
{
	return d->cfg.mode == VRD_MODE_GATEWAY ? &d->cfg.lan_network : NULL;
}

/* ip may name a host to proxy for or announce: 0, or -EINVAL in rep. */
static int ctl_host(const struct vrd_daemon *d, const char *cmd,
		    const char *word, uint32_t ip, struct vrd_reply *rep)
{
	const char *why = vrd_ipv4_why_not_host(ip, ctl_lan(d));

	if (why) {
		return vrd_reply_error(rep, -EINVAL,
				       "%s %s: refused: %s, not a host", cmd,
				       word, why);
	}
	return 0;
}

/* proxy | proxy add IP | proxy del IP */
static void ctl_proxy(struct vrd_daemon *d, const struct vrd_ctl_request *req,
		      struct vrd_reply *rep)
{
	uint32_t ip;
	int rc;

	if (!d->lan) {
		vrd_reply_error(rep, -EOPNOTSUPP,
				"proxy ARP needs gateway mode ([lan])");
		return;
	}
	if (req->argc == 1) {
		vrd_lan_proxy_rows(d->lan, rep);
		return;
	}
	if (req->argc != 3 || vrd_ipv4_parse(req->argv[2], &ip) < 0 ||
	    (strcmp(req->argv[1], "add") && strcmp(req->argv[1], "del"))) {
		vrd_reply_error(rep, -EINVAL, "usage: proxy [add|del IP]");
		return;
	}
	if (strcmp(req->argv[1], "add") == 0) {
		if (ctl_host(d, "proxy add", req->argv[2], ip, rep) < 0) {
			return;
		}
		rc = vrd_lan_proxy_add(d->lan, ip);
	} else {
		rc = vrd_lan_proxy_del(d->lan, ip);
	}
	if (rc < 0) {
		vrd_reply_error(rep, rc, "proxy %s %s: %s", req->argv[1],
				req->argv[2],
				rc == -EEXIST	? "already proxied"
				: rc == -ENOENT ? "not proxied"
						: strerror(-rc));
		return;
	}
	vrd_daemon_event(d, "proxy", "op", req->argv[1], "ip", req->argv[2],
			 NULL);
}

/* mac may be announced, or be the one target of an announcement: a
 * gratuitous ARP to the broadcast MAC is the default already, and a
 * multicast or zero one is no station's. */
static int ctl_station_mac(const struct vrd_mac *mac, const char *role,
			   struct vrd_reply *rep)
{
	const char *why = vrd_mac_why_not_unicast(mac);
	char m[VRD_MAC_STRLEN];

	if (why) {
		return vrd_reply_error(rep, -EINVAL,
				       "announce ... %s%s: refused: %s, not a "
				       "station",
				       role, vrd_mac_format(mac, m), why);
	}
	return 0;
}

/* announce IP [MAC] [to MAC]: gratuitous ARP on the schedule, broadcast
 * or unicast to one host */
static void ctl_announce(struct vrd_daemon *d,
			 const struct vrd_ctl_request *req,
			 struct vrd_reply *rep)
{
	struct vrd_mac mac, to;
	bool have_mac = false, have_to = false;
	uint32_t ip;
	int i = 2, rc;

	if (!d->lan) {
		vrd_reply_error(rep, -EOPNOTSUPP,
				"gratuitous ARP needs gateway mode ([lan])");
		return;
	}
	if (req->argc < 2 || vrd_ipv4_parse(req->argv[1], &ip) < 0) {
		goto usage;
	}
	if (i < req->argc && strcmp(req->argv[i], "to") != 0) {
		if (vrd_mac_parse(req->argv[i++], &mac) < 0) {
			goto usage;
		}
		have_mac = true;
	}
	if (i + 1 < req->argc && strcmp(req->argv[i], "to") == 0) {
		if (vrd_mac_parse(req->argv[i + 1], &to) < 0) {
			goto usage;
		}
		have_to = true;
		i += 2;
	}
	if (i != req->argc) {
		goto usage;
	}
	if (ctl_host(d, "announce", req->argv[1], ip, rep) < 0 ||
	    (have_mac && ctl_station_mac(&mac, "", rep) < 0) ||
	    (have_to && ctl_station_mac(&to, "to ", rep) < 0)) {
		return;
	}
	rc = vrd_lan_announce(d->lan, ip, have_mac ? &mac : NULL,
			      have_to ? &to : NULL);
	if (rc < 0) {
		vrd_reply_error(rep, rc, "announce %s: %s", req->argv[1],
				strerror(-rc));
	}
	return;
usage:
	vrd_reply_error(rep, -EINVAL, "usage: announce IP [MAC] [to MAC]");
}

void vrd_daemon_control(const struct vrd_ctl_request *req,
			struct vrd_reply *rep, void *arg)
{
	struct vrd_daemon *d = arg;
	const char *cmd = req->argv[0];

	if (strcmp(cmd, "status") == 0 && req->argc == 1) {
		ctl_status(d, rep);
	} else if (strcmp(cmd, "stats") == 0 && req->argc == 1) {
		ctl_stats(d, rep);
	} else if (strcmp(cmd, "tunnels") == 0 && req->argc == 1) {
		vrd_daemon_ctl_tunnels(d, rep);
	} else if (strcmp(cmd, "peers") == 0 && req->argc == 1) {
		vrd_daemon_ctl_peers(d, rep);
	} else if (strcmp(cmd, "claim") == 0) {
		vrd_daemon_ctl_claim(d, req, rep);
	} else if (strcmp(cmd, "query") == 0) {
		vrd_daemon_ctl_query(d, req, rep);
	} else if (strcmp(cmd, "proxy") == 0) {
		ctl_proxy(d, req, rep);
	} else if (strcmp(cmd, "announce") == 0) {
		ctl_announce(d, req, rep);
	} else {
		vrd_query_run(d->tables, tables_fib_current(d->fib), ctl_lan(d),
			      req, rep);
		/* a write may have changed the GNDT */
		vrd_daemon_fib_refresh(d, false);
	}
}
