/*
 * The data plane in vrctl: its counters in `vrctl stats`, and one row per
 * peer in `vrctl tunnels` (path, relay, endpoint, key age, packets, bytes,
 * drops by reason).
 */
#include <errno.h>
#include <stdio.h>

#include "base/clock.h"
#include "vrd/daemon_dp.h"

int vrd_daemon_dp_counters(struct vrd_daemon *d, vrd_counter_fn fn, void *arg)
{
	struct vrd_daemon_dp *s = d->dps;
	int rc;

	if (!s) {
		return 0;
	}
	const struct vrd_counter c[] = {
		{"dp.keyx_sent", s->stats.keyx_sent},
		{"dp.keyx_received", s->stats.keyx_received},
		{"dp.keyx_acks", s->stats.keyx_acks},
		{"dp.keyx_bad", s->stats.keyx_bad},
		{"dp.keyx_stale", s->stats.keyx_stale},
		{"dp.keyx_send_errors", s->stats.keyx_send_errors},
		{"dp.rekeys", s->stats.rekeys},
		{"dp.renewals", s->stats.renewals},
		{"dp.routes", s->nroutes},
		{"dp.routes_installed", s->stats.routes_installed},
		{"dp.routes_removed", s->stats.routes_removed},
		{"dp.route_errors", s->stats.route_errors},
		{"dp.path_changes", s->stats.path_changes},
		{"dp.probes", s->stats.probes},
		{"dp.underlay_changes", s->stats.underlay_changes},
	};

	rc = VRD_COUNTERS_EMIT(c, fn, arg);
	return rc ? rc : dp_counters(s->dp, fn, arg);
}

static void peer_row(struct vrd_daemon_dp *s, const struct dp_peer *p,
		     struct vrd_row *row, uint64_t now_ms)
{
	const struct dp_peers *t = dp_peers(s->dp);
	const struct dp_peer_stats *st = &p->stats;
	uint32_t path = __atomic_load_n(&p->path, __ATOMIC_RELAXED);
	uint64_t ep = dp_load(&p->endpoint), drops = 0;
	char a[VRD_IPV4_STRLEN], name[48];

	vrd_row_add_str(row, "peer", "%s", p->name);
	vrd_row_add_str(row, "path", "%s", dp_path_name(path));
	vrd_row_add_str(row, "via", "%s",
			path == DP_PATH_RELAY ? t->peer[p->relay].name : "-");
	vrd_row_add_str(row, "endpoint", "%s:%u",
			vrd_ipv4_format((uint32_t)(ep >> 16), a),
			(unsigned)(ep & 0xffff));
	if (p->tx_key) {
		vrd_row_add_u64(row, "key_age_s",
				(now_ms - p->tx_key_since_ms) / 1000);
	} else {
		vrd_row_add_str(row, "key_age_s", "-");
	}
	vrd_row_add_u64(row, "rtt_us", dp_load(&p->rtt_us));
	vrd_row_add_u64(row, "tx_packets", dp_load(&st->tx_packets));
	vrd_row_add_u64(row, "tx_bytes", dp_load(&st->tx_bytes));
	vrd_row_add_u64(row, "rx_packets", dp_load(&st->rx_packets));
	vrd_row_add_u64(row, "rx_bytes", dp_load(&st->rx_bytes));
	for (int i = 1; i < DP_DROP_MAX; i++) {
		drops += dp_load(&st->rx_drop[i]);
	}
	drops += dp_load(&st->rx_source) + dp_load(&st->rx_destination);
	vrd_row_add_u64(row, "rx_drops", drops);
	vrd_row_add_u64(row, "tx_drops",
			dp_load(&st->tx_no_key) + dp_load(&st->tx_no_endpoint) +
				dp_load(&st->tx_errors));
	/* by reason, only those that happened: a table stays readable */
	for (int i = 1; i < DP_DROP_MAX; i++) {
		if (dp_load(&st->rx_drop[i])) {
			snprintf(name, sizeof(name), "drop_%s",
				 dp_drop_name(i));
			vrd_row_add_u64(row, name, dp_load(&st->rx_drop[i]));
		}
	}
	const struct vrd_counter more[] = {
		{"drop_source", dp_load(&st->rx_source)},
		{"drop_destination", dp_load(&st->rx_destination)},
		{"drop_no_key", dp_load(&st->tx_no_key)},
		{"drop_no_endpoint", dp_load(&st->tx_no_endpoint)},
		{"roams", dp_load(&st->roams)},
		{"relayed", dp_load(&st->relayed)},
	};
	for (size_t i = 0; i < sizeof(more) / sizeof(more[0]); i++) {
		if (more[i].value) {
			vrd_row_add_u64(row, more[i].name, more[i].value);
		}
	}
}

void vrd_daemon_ctl_tunnels(struct vrd_daemon *d, struct vrd_reply *rep)
{
	struct vrd_daemon_dp *s = d->dps;
	struct dp_peers *t;
	uint64_t now = vrd_monotonic_ms();

	rep->kind = VRD_REPLY_TABLE;
	if (!s) {
		return;
	}
	t = dp_peers(s->dp);
	/* the daemon's thread writes the table's shape: no lock to read */
	for (int i = 0; i < DP_PEERS_MAX; i++) {
		struct vrd_row *row;

		if (!t->peer[i].used) {
			continue;
		}
		row = vrd_reply_row(rep);
		if (!row) {
			vrd_reply_error(rep, -ENOMEM, "out of memory");
			return;
		}
		peer_row(s, &t->peer[i], row, now);
	}
}
