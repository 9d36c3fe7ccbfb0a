/*
 * Paths (docs/dataplane.md, "Relay"): every peer we are sending to is
 * probed once a second, directly. When its direct probes go unanswered
 * for DP_PATH_DEAD_MS, probes also go through a relay: a peer whose
 * own direct path is answering, taken in turn. The first relay that
 * answers carries the traffic until a direct probe is answered again,
 * which moves it straight back.
 */
#include "base/clock.h"
#include "vrd/daemon_dp.h"

/* Heard within DP_PATH_DEAD_MS. The receive thread stamps replies on its
 * own clock reading, which may be after the tick's now_ms: not a wrap. */
static bool fresh(uint64_t t_ms, uint64_t now_ms)
{
	return t_ms && (t_ms >= now_ms || now_ms - t_ms < DP_PATH_DEAD_MS);
}

/* A relay candidate for idx, in turn: first the peers whose own direct
 * path is answering, else any other peer (it may just not have been
 * probed lately). -1 if there is none. */
static int relay_pick(struct vrd_daemon_dp *s, int idx, uint64_t now_ms)
{
	struct dp_peers *t = dp_peers(s->dp);
	struct dp_link *l = &s->link[idx];

	for (int pass = 0; pass < 2; pass++) {
		for (int n = 0; n < DP_PEERS_MAX; n++) {
			int j = (int)((l->relay_next + (uint32_t)n) %
				      DP_PEERS_MAX);

			if (j == idx || !t->peer[j].used ||
			    (pass == 0 &&
			     !fresh(dp_load(&t->peer[j].last_direct_ms),
				    now_ms))) {
				continue;
			}
			l->relay_next = (uint32_t)j + 1;
			/* probed directly from now on, so its path is known */
			if (s->link[j].active_until_ms <
			    now_ms + DP_ACTIVE_MS) {
				s->link[j].active_until_ms =
					now_ms + DP_ACTIVE_MS;
			}
			return j;
		}
	}
	return -1;
}

static void path_set(struct vrd_daemon_dp *s, struct dp_peer *p,
		     enum dp_path path, uint32_t relay, uint64_t now_ms)
{
	struct dp_peers *t = dp_peers(s->dp);
	uint32_t old = __atomic_load_n(&p->path, __ATOMIC_RELAXED);
	uint32_t old_relay = __atomic_load_n(&p->relay, __ATOMIC_RELAXED);

	if (old == path && (path != DP_PATH_RELAY || old_relay == relay)) {
		return;
	}
	/* the relay first, then the path that makes it used */
	__atomic_store_n(&p->relay, relay, __ATOMIC_RELAXED);
	__atomic_store_n(&p->path, path, __ATOMIC_RELEASE);
	s->stats.path_changes++;
	if (path == DP_PATH_RELAY) {
		log_info("peer %s: path through %s", p->name,
			 t->peer[relay].name);
	} else if (old != DP_PATH_NONE || path != DP_PATH_DIRECT) {
		log_info("peer %s: path %s", p->name, dp_path_name(path));
	}
	vrd_daemon_event(
		s->d, "peer-path", "peer", p->name, "path", dp_path_name(path),
		"via", path == DP_PATH_RELAY ? t->peer[relay].name : "", NULL);
	s->link[p - t->peer].path_since_ms = now_ms;
}

static void probe(struct vrd_daemon_dp *s, int idx, int relay)
{
	int rc = dp_probe(s->dp, idx, relay, (vrd_monotonic_ns() / 1000));

	if (rc == 0) {
		s->stats.probes++;
	}
}

void vrd_daemon_dp_paths_tick(struct vrd_daemon_dp *s, uint64_t now_ms);
void vrd_daemon_dp_paths_tick(struct vrd_daemon_dp *s, uint64_t now_ms)
{
	struct dp_peers *t = dp_peers(s->dp);

	for (int i = 0; i < DP_PEERS_MAX; i++) {
		struct dp_peer *p = &t->peer[i];
		struct dp_link *l = &s->link[i];
		uint64_t tx = dp_load(&p->stats.tx_packets);
		bool direct, relayed;
		int r;

		if (!p->used) {
			continue;
		}
		if (tx != l->last_tx_packets) {
			l->last_tx_packets = tx;
			l->active_until_ms = now_ms + DP_ACTIVE_MS;
		}
		if (now_ms >= l->active_until_ms) {
			l->idle = true;
			continue;
		}
		if (l->idle) {
			/* unprobed while idle, so its replies are old: give
			 * the probes from now on DP_PATH_DEAD_MS to answer
			 * before the path is judged */
			l->idle = false;
			l->path_since_ms = now_ms;
		}
		if (now_ms < l->next_probe_ms) {
			continue;
		}
		l->next_probe_ms = now_ms + DP_PROBE_MS;
		probe(s, i, -1);
		direct = fresh(dp_load(&p->last_direct_ms), now_ms);
		relayed = fresh(dp_load(&p->last_relay_ms), now_ms);
		if (direct) {
			path_set(s, p, DP_PATH_DIRECT, 0, now_ms);
			continue;
		}
		/* silent for a while (or never heard): look for a relay */
		if (!l->path_since_ms) {
			l->path_since_ms = now_ms;
		}
		if (now_ms - l->path_since_ms < DP_PATH_DEAD_MS &&
		    __atomic_load_n(&p->path, __ATOMIC_RELAXED) !=
			    DP_PATH_RELAY) {
			continue;
		}
		if (relayed) {
			path_set(
				s, p, DP_PATH_RELAY,
				__atomic_load_n(&p->relay_ok, __ATOMIC_RELAXED),
				now_ms);
		} else if (__atomic_load_n(&p->path, __ATOMIC_RELAXED) !=
			   DP_PATH_DOWN) {
			path_set(s, p, DP_PATH_DOWN, 0, now_ms);
		}
		r = relay_pick(s, i, now_ms);
		if (r >= 0) {
			probe(s, i, r);
		}
	}
}

/* The underlay address changed: tell every active peer at once, with a
 * probe they accept from the new address (roaming). */
void vrd_daemon_dp_paths_announce(struct vrd_daemon_dp *s, uint64_t now_ms);
void vrd_daemon_dp_paths_announce(struct vrd_daemon_dp *s, uint64_t now_ms)
{
	struct dp_peers *t = dp_peers(s->dp);

	for (int i = 0; i < DP_PEERS_MAX; i++) {
		if (t->peer[i].used && now_ms < s->link[i].active_until_ms) {
			probe(s, i, -1);
		}
	}
}
