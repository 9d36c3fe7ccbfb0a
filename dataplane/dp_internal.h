/*
 * Private to dataplane/dataplane.c, dp_tx.c and dp_rx.c: the data plane's state
 * and the buffer layout the two threads share.
 *
 * A packet slot: DP_HEADROOM bytes of room, then the IPv4 packet. The
 * sender seals in place (our header right before the packet) and, for a
 * relayed packet, wraps that datagram once more in front of it; the
 * receiver reads a datagram at DP_HEADROOM so a relay can rewrite the
 * relay prefix in front of the inner datagram.
 */
#ifndef DP_INTERNAL_H
#define DP_INTERNAL_H

#include <pthread.h>
#include <stdint.h>

#include "tables/fib.h"
#include "base/bytes.h"
#include "dataplane/dataplane.h"
#include "dataplane/dp_peer.h"
#include "base/log.h"

#define DP_HEADROOM 128
#define DP_SLOT 2048 /* headroom + underlay MTU + tag, rounded */
#define DP_TX_SLOTS (2 * DP_BATCH) /* a super-packet is 64 */
#define DP_CTL_QUEUE 64
#define DP_CTL_MAX 1500
#define DP_VNET_LEN 10 /* struct virtio_net_hdr */
#define DP_SUPER_MAX (65536 + DP_VNET_LEN)
/* with offloads a receive slot has room for the super-packet that the
 * packets after it are coalesced into */
#define DP_RX_SLOT_GRO (DP_HEADROOM + DP_HDR_LEN + 65536)

struct dp_ctl_msg {
	uint32_t addr;
	uint16_t port;
	uint16_t len;
	uint8_t buf[DP_CTL_MAX];
};

/* Counters not tied to a peer: each written by one thread. */
struct dp_stats {
	/* tx thread */
	uint64_t tun_reads, tun_packets, tun_bytes, tun_supers;
	uint64_t tx_batches, tx_sent, tx_errors;
	uint64_t tx_not_ipv4, tx_no_route, tx_loop, tx_source, tx_gso_errors;
	uint64_t tx_mss_clamped, tx_gso_trains, tx_gso_off;
	/* rx thread */
	uint64_t rx_batches, rx_datagrams, rx_gro_trains;
	uint64_t rx_control, rx_control_dropped;
	uint64_t rx_drop[DP_DROP_MAX]; /* not a peer's: no key yet, bad
					    * header, bad relay */
	uint64_t rx_relay_no_peer;
	uint64_t rx_not_ipv4;
	uint64_t tun_writes, tun_write_errors, tun_coalesced;
};

struct dp_thread {
	struct dp *dp;
	pthread_t tid;
	bool started;
	struct tables_fib_reader *reader;
	uint8_t *slots; /* DP_BATCH * 2 slots, ... */
	uint8_t *super; /* tx: one TUN read with offloads */
	uint8_t *stage; /* rx with UDP GRO: DP_BATCH slots of rx_slot */
	uint64_t lost_key_ms; /* rx: the last search for a lost key's peer */
	/* the route -> peer cache of one batch */
	const struct tables_fib_route *last_route;
	int last_peer;
};

struct dp {
	char name[VRD_NAME_MAX + 1];
	uint32_t vn;
	int udp_fd;
	int tun_fd;
	bool vnet_hdr;
	bool udp_gso; /* send trains with UDP_SEGMENT (tx thread's) */
	bool udp_gro; /* the socket returns trains (UDP_GRO) */
	/* DP_SLOT, or DP_RX_SLOT_GRO with offloads or UDP GRO */
	size_t rx_slot;
	uint16_t mss_max;
	uint8_t control_magic[DP_CONTROL_MAGIC_LEN];
	int stop_fd; /* eventfd: the threads stop */
	int ctl_fd; /* eventfd: control datagrams wait */
	int want_fd; /* eventfd: a peer wants a key (peer->want_key) */
	struct tables_fib_slot *fib;
	struct dp_peers peers;
	struct dp_thread tx, rx;
	pthread_mutex_t ctl_lock;
	struct dp_ctl_msg *ctl; /* ring of DP_CTL_QUEUE */
	unsigned ctl_head, ctl_count;
	struct dp_stats stats;
	struct vrd_ratelimit rl;
};

void *dp_tx_main(void *arg);
void *dp_rx_main(void *arg);

/* Seals payload at buf + DP_HDR_LEN for peer p with our key to it;
 * returns the datagram length, or 0 when p has no key (counted). Under the
 * read lock. */
size_t dp_seal_for(struct dp *dp, struct dp_peer *p, uint8_t *buf, uint8_t type,
		   uint32_t vn, size_t len);
/* Wraps the datagram at dgram (len bytes, with room in front) into a
 * RELAY for relay r: kind, name. Returns the new start through *out and
 * the length, or 0. Under the read lock. */
size_t dp_relay_wrap(struct dp *dp, struct dp_peer *r, uint8_t kind,
		     const char *name, uint8_t *dgram, size_t len, uint32_t vn,
		     uint8_t **out);

#endif
