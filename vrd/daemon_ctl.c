/* The daemon's answers on the control socket. Table commands go to the
 * shared queries (vrd/query.h), so vrctl -d answers them the same way. */
#include "vrd/clock.h"
#include "vrd/daemon.h"
#include "vrd/query.h"

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
	if (d->cfg.overlay_if[0])
		vrd_row_add_str(row, "overlay", "%s:%u", d->cfg.overlay_if,
				d->cfg.port);
	else
		vrd_row_add_str(row, "overlay", "%s:%u",
				vrd_ipv4_format(d->cfg.overlay_addr, a),
				d->cfg.port);
	vrd_row_add_u64(row, "fib_routes",
			tables_fib_size(tables_fib_current(d->fib)));
}

static void ctl_stats(struct vrd_daemon *d, struct vrd_reply *rep)
{
	const struct tables_fib *fib = tables_fib_current(d->fib);
	struct vrd_control_stats cs;
	struct tables_stats ts;
	struct vrd_row *row;

	rep->kind = VRD_REPLY_OBJECT;
	row = vrd_reply_row(rep);
	if (!row) {
		vrd_reply_error(rep, -ENOMEM, "out of memory");
		return;
	}
	vrd_control_get_stats(d->control, &cs);
	tables_get_stats(d->tables, &ts);
	vrd_row_add_u64(row, "control.requests", cs.requests);
	vrd_row_add_u64(row, "control.errors", cs.errors);
	vrd_row_add_u64(row, "control.bad_frames", cs.bad_frames);
	vrd_row_add_u64(row, "control.rejected", cs.rejected);
	vrd_row_add_u64(row, "control.timeouts", cs.timeouts);
	vrd_row_add_u64(row, "tables.map_size", ts.map_size);
	vrd_row_add_u64(row, "tables.map_used", ts.map_used);
	vrd_row_add_u64(row, "tables.map_resizes", ts.map_resizes);
	vrd_row_add_u64(row, "tables.write_txns", ts.write_txns);
	vrd_row_add_u64(row, "tables.write_retries", ts.write_retries);
	vrd_row_add_u64(row, "tables.write_errors", ts.write_errors);
	vrd_row_add_u64(row, "tables.events_trimmed", ts.events_trimmed);
	vrd_row_add_u64(row, "hwdt.expired", d->stats.hwdt_expired);
	vrd_row_add_u64(row, "fib.routes", tables_fib_size(fib));
	vrd_row_add_u64(row, "fib.memory", tables_fib_memory(fib));
	vrd_row_add_u64(row, "fib.rebuilds", d->stats.fib_rebuilds);
	vrd_row_add_u64(row, "fib.build_us_last", d->stats.fib_build_us_last);
	vrd_row_add_u64(row, "config.reloads", d->stats.reloads);
	vrd_row_add_u64(row, "config.reload_errors", d->stats.reload_errors);
	vrd_row_add_u64(row, "loop.wakeups", vrd_loop_wakeups(d->loop));
}

/* Until gossip runs (issue 4) the only routers known are the configured
 * bootstrap peers, none of them reached. */
static void ctl_peers(struct vrd_daemon *d, struct vrd_reply *rep)
{
	rep->kind = VRD_REPLY_TABLE;
	for (size_t i = 0; i < d->cfg.npeers; i++) {
		struct vrd_row *row = vrd_reply_row(rep);

		if (!row) {
			vrd_reply_error(rep, -ENOMEM, "out of memory");
			return;
		}
		vrd_row_add_null(row, "name");
		vrd_row_add_str(row, "address", "%s:%u", d->cfg.peers[i].host,
				d->cfg.peers[i].port);
		vrd_row_add_str(row, "state", "down");
		vrd_row_add_null(row, "last_seen");
		vrd_row_add_null(row, "rtt_ms");
	}
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
	} else if (strcmp(cmd, "peers") == 0 && req->argc == 1) {
		ctl_peers(d, rep);
	} else {
		vrd_query_run(d->tables, tables_fib_current(d->fib), req, rep);
		/* a write may have changed the GNDT */
		vrd_daemon_fib_refresh(d, false);
	}
}
