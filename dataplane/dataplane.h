/*
 * The data plane (docs/dataplane.md): IPv4 between this router's TUN and
 * the other routers, over UDP on the overlay port, sealed per packet.
 *
 * Two threads of its own, so the daemon's loop (gossip, LMDB, control) never
 * sits on the packet path and the packet path never waits for it:
 *   tx: reads the TUN (with TUN offloads: 64 KB TCP super-packets, cut
 *       here), looks each packet up in the forwarding snapshot, checks that
 *       its source is ours, seals it for the owning router and sends the
 *       batch with one sendmmsg;
 *   rx: reads the UDP socket with recvmmsg, opens each datagram with the
 *       sender's key, checks VN, source and destination, and writes the
 *       packets to the TUN (coalesced into super-packets when it can).
 * Datagrams that start with the configured control magic (the gossip
 * node's certificate exchange) are not ours: the rx thread queues them for
 * the daemon's thread (dp_control_fd, dp_control_drain).
 *
 * Nothing on the packet path allocates, logs or touches LMDB: the threads
 * read the forwarding snapshot (tables_fib, QSBR) and the peer table
 * (dataplane/dp_peer.h, a read lock per batch).
 */
#ifndef DP_DATAPLANE_H
#define DP_DATAPLANE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tables/fib.h"
#include "base/counter.h"
#include "dataplane/dp_peer.h"

#define DP_BATCH 64 /* packets per wake-up and per sendmmsg */
#define DP_UNDERLAY_MTU 1500
/* IPv4 and UDP headers, then ours: what the TUN's MTU leaves room for */
#define DP_TUN_MTU (DP_UNDERLAY_MTU - 20 - 8 - DP_OVERHEAD)
/* a counter this high on one key: send nothing more until the daemon has
 * rotated it (it rotates far below, at DP_REKEY_PACKETS) */
#define DP_COUNTER_LIMIT (UINT64_C(1) << 60)
#define DP_CONTROL_MAGIC_LEN 4

struct dp;

struct dp_config {
	const char *name; /* this router (borrowed, copied) */
	uint32_t vn;
	uint32_t bind_addr; /* host order; 0: any */
	uint16_t port;
	int tun_fd; /* owned from create on, also on failure */
	bool vnet_hdr; /* tun_fd carries virtio_net headers (offloads) */
	uint16_t mss_max; /* clamp TCP SYNs to this; 0: no clamp */
	struct tables_fib_slot *fib; /* borrowed; outlives the data plane */
	/* unsealed datagrams that start with these bytes go to
	 * dp_control_drain; they must not start with DP_VERSION */
	uint8_t control_magic[DP_CONTROL_MAGIC_LEN];
};

/* Opens the UDP socket; no threads yet. NULL with errno and a message. */
struct dp *dp_create(const struct dp_config *cfg, char *err, size_t errlen);
/* Starts the two threads: 0 or a negative errno. */
int dp_start(struct dp *dp);
/* Stops the threads, closes the TUN and the socket, frees. NULL ok. */
void dp_destroy(struct dp *dp);

struct dp_peers *dp_peers(struct dp *dp);

/* The daemon's loop watches this fd (POLLIN): control datagrams wait. */
int dp_control_fd(const struct dp *dp);
/* Hands every waiting control datagram to fn; returns how many. */
size_t dp_control_drain(struct dp *dp,
			void (*fn)(const uint8_t *buf, size_t len,
				   uint32_t addr, uint16_t port, void *arg),
			void *arg);
/* The daemon's loop watches this fd too: a packet found no key for its
 * peer. dp_wanted writes the indexes of those peers (up to max) and
 * returns how many. */
int dp_want_fd(const struct dp *dp);
size_t dp_wanted(struct dp *dp, int *idx, size_t max);
/* Sends an unsealed datagram (the gossip node's certificate exchange). */
int dp_send_raw(struct dp *dp, uint32_t addr, uint16_t port, const uint8_t *buf,
		size_t len);
/* Sends a PROBE to peer idx (on its direct endpoint, or through relay
 * when relay >= 0); the PROBE_REPLY sets its path and rtt. 0, -ENOKEY,
 * -EDESTADDRREQ or a send error. Call under no lock. */
int dp_probe(struct dp *dp, int idx, int relay, uint64_t now_us);

int dp_counters(struct dp *dp, vrd_counter_fn fn, void *arg);

#endif
