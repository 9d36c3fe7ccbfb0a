/*
 * Private to vrd/daemon_dp*.c: the daemon's side of the data plane, run on
 * the daemon's thread.
 *   daemon_dp.c        life in the loop: the TUN, the data plane's threads,
 *                      kernel routes from the forwarding snapshot, peers
 *                      from gossip, the underlay address in host mode,
 *                      counters and vrctl stats per peer
 *   daemon_dp_keys.c   session keys: made here, sealed with crypto_box to
 *                      the peer's certified key, sent as gossip direct
 *                      messages, acknowledged, rotated; paths and probes
 * The public functions are in vrd/daemon.h.
 */
#ifndef VRD_DAEMON_DP_H
#define VRD_DAEMON_DP_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "vrd/daemon.h"
#include "dataplane/dataplane.h"
#include "base/log.h"

/* rotation of our transmit keys (docs/dataplane.md) */
#define DP_REKEY_MS (120 * 1000)
#define DP_REKEY_PACKETS (UINT64_C(1) << 30)
#define DP_OLD_KEY_MS 10000 /* a replaced receive key stays this long */
#define DP_KEYX_RETRY_MS 500 /* doubled per try, up to 8 s */
#define DP_KEYX_SKEW_S 600 /* a key message's epoch vs our clock */
#define DP_TICK_MS 250
#define DP_PROBE_MS 1000
#define DP_PATH_DEAD_MS 3000 /* no probe reply: try a relay */
#define DP_ACTIVE_MS 10000 /* a peer we sent to this recently is probed */
/* gossip's verdict "down" waits while the peer's own authenticated packets
 * say otherwise (its gossip may be catching up with a new address) */
#define DP_DOWN_GRACE_MS 5000

/* Per peer, same index as the data plane's table; holds secrets, so it
 * lives in sodium_malloc'd memory. */
struct dp_link {
	bool box_ready;
	uint8_t box_key[32]; /* crypto_box_beforenm with its certified key */
	bool pending; /* our next transmit key, sent, not yet acknowledged */
	uint8_t pend_cipher;
	uint32_t pend_id, pend_epoch;
	uint8_t pend_secret[32];
	uint64_t pend_sent_ms;
	unsigned tries;
	uint32_t epoch_tx; /* the newest epoch we used */
	uint32_t epoch_rx; /* the newest epoch it used that we took */
	uint32_t rx_id; /* the key id of that offer */
	uint64_t last_tx_packets; /* at the last tick */
	uint64_t active_until_ms;
	uint64_t next_probe_ms;
	uint64_t path_since_ms; /* the path's last change, or probing's
				 * restart after an idle spell */
	bool idle; /* not probed at the last tick: nothing sent lately */
	uint32_t relay_next; /* round robin over relay candidates */
	uint64_t asked_ms; /* we last asked it for a new key */
	bool gossip_down; /* gossip says down, but it still talks to us */
	bool renew; /* its incarnation rose: new keys at the next tick */
};

struct vrd_daemon_dp_stats {
	uint64_t keyx_sent, keyx_received, keyx_acks, keyx_bad, keyx_stale;
	uint64_t keyx_send_errors, rekeys, renewals;
	uint64_t routes_installed, routes_removed, route_errors;
	uint64_t path_changes, probes, underlay_changes;
};

struct vrd_daemon_dp {
	struct vrd_daemon *d;
	struct dp *dp;
	struct dp_rtnl *rtnl;
	char tun_name[IF_NAMESIZE];
	int tun_ifindex;
	int lan_ifindex; /* gateway mode: hosts that migrated in */
	int overlay_ifindex; /* [overlay] interface: followed */
	int mon_fd; /* rtnetlink monitor, or -1 */
	uint32_t underlay_addr;
	bool forwarding_was;
	struct dp_link *link; /* DP_PEERS_MAX, sodium_malloc */
	uint8_t *x_sk; /* our X25519 secret (32), sodium_malloc */
	struct vrd_timer tick;
	/* kernel routes we hold: sorted by (prefix), with their link */
	struct dp_route *routes;
	size_t nroutes, routes_cap;
	uint64_t routes_generation;
	bool routes_synced;
	struct vrd_daemon_dp_stats stats;
	struct vrd_ratelimit rl;
};

struct dp_route {
	struct vrd_prefix prefix;
	int ifindex;
};

/* daemon_dp.c */
void vrd_daemon_dp_peer_drop(struct vrd_daemon_dp *s, int idx);

/* daemon_dp_keys.c */
int vrd_daemon_dp_keys_init(struct vrd_daemon_dp *s);
void vrd_daemon_dp_keys_fini(struct vrd_daemon_dp *s);
/* Starts (or restarts) sending our next transmit key to peer idx. */
void vrd_daemon_dp_keys_offer(struct vrd_daemon_dp *s, int idx,
			      uint64_t now_ms);
/* Peer idx sends with a key we lost: asks it for a new one (at most once
 * a second). */
void vrd_daemon_dp_keys_ask(struct vrd_daemon_dp *s, int idx, uint64_t now_ms);
/* A gossip direct message from `from`. */
void vrd_daemon_dp_keys_direct(struct vrd_daemon_dp *s, const char *from,
			       const uint8_t *msg, size_t len);
/* The peer is gone: its link state is wiped. */
void vrd_daemon_dp_keys_forget(struct vrd_daemon_dp *s, int idx);
/* Every tick: retries, rotation, old keys, probes and paths. */
void vrd_daemon_dp_keys_tick(struct vrd_daemon_dp *s, uint64_t now_ms);

#endif
