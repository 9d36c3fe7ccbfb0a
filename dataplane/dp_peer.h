/*
 * The data plane's peers: every router this one can send to or hear from,
 * with its underlay endpoint, its session keys and its counters.
 *
 * Threads: the daemon's thread is the only writer of the table's shape
 * (peers added and removed, keys installed and retired) and takes the write
 * lock to change it. The two forwarding threads take the read lock once
 * per batch of packets and may then use any peer and key pointer until
 * they release it. What the forwarding threads change themselves is atomic
 * and needs no write lock: the endpoint (a peer that roams), the transmit
 * counter, the counters, the receive thread's replay windows (only that
 * thread touches them) and the path state.
 *
 * Keys are directional and chosen by the sender (docs/dataplane.md): our
 * transmit key to a peer was made here and sent to it over gossip; the
 * receive keys of a peer were made there. A receive key is found by its
 * 32-bit id, which the sender picks at random; the table refuses a
 * colliding id so the sender picks again.
 */
#ifndef DP_PEER_H
#define DP_PEER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/addr.h"
#include "dataplane/dp_wire.h"

#define DP_PEERS_MAX 1024
#define DP_RX_KEYS 3 /* the newest receive keys of a peer */
/* key id hash: live keys (at most PEERS_MAX * RX_KEYS) plus tombstones (at
 * most a quarter, then it is rebuilt) leave a third of it empty, so a
 * forged key id costs a few probes, not a scan */
#define DP_KEY_SLOTS 8192
#define DP_NAME_SLOTS 2048

enum dp_path {
	DP_PATH_NONE = 0, /* nothing heard yet */
	DP_PATH_DIRECT,
	DP_PATH_RELAY,
	DP_PATH_DOWN, /* probes unanswered, no relay found */
};

const char *dp_path_name(enum dp_path p);

/* Counters of one peer; each field has one writing thread. */
struct dp_peer_stats {
	uint64_t tx_packets, tx_bytes;
	uint64_t rx_packets, rx_bytes;
	uint64_t tx_no_key; /* no transmit key yet: dropped */
	uint64_t tx_no_endpoint;
	uint64_t tx_errors; /* sendmmsg refused */
	uint64_t rx_drop[DP_DROP_MAX]; /* by reason, once the key said
					    * it is this peer */
	uint64_t rx_source; /* inner source not routed to this peer */
	uint64_t rx_destination; /* inner destination not ours */
	uint64_t roams; /* endpoint changed by an authenticated packet */
	uint64_t relayed; /* packets we relayed for or to it */
};

struct dp_rx_key {
	struct dp_key *key; /* owned; NULL: empty */
	uint32_t id;
	uint64_t since_ms;
};

struct dp_peer {
	bool used;
	char name[VRD_NAME_MAX + 1];
	uint32_t vns[8]; /* from its certificate */
	unsigned nvns;
	/* addr << 16 | port, host order; 0: unknown. Set by the daemon from
	 * gossip and by the receive thread when the peer roams. */
	uint64_t endpoint;
	/* transmit: our key to it (owned), its id and the next counter */
	struct dp_key *tx_key;
	uint32_t tx_key_id;
	uint64_t tx_key_since_ms; /* monotonic */
	uint64_t tx_counter; /* atomic; the next one to use */
	uint32_t want_key; /* atomic: a packet found no key; the daemon's
			    * thread clears it when it starts an exchange */
	uint32_t lost_key; /* atomic: it sends with a key we do not have */
	struct dp_rx_key rx[DP_RX_KEYS];
	/* path (atomic): enum dp_path, and the relay's index when
	 * DP_PATH_RELAY */
	uint32_t path;
	uint32_t relay;
	uint64_t last_rx_ms; /* atomic, monotonic: last authenticated packet */
	uint64_t rtt_us; /* atomic: last probe round trip */
	/* probe replies (atomic, monotonic ms): direct, and through
	 * relay_ok (an index) */
	uint64_t last_direct_ms, last_relay_ms;
	uint32_t relay_ok;
	/* receive thread only: the newest counter seen on the newest key,
	 * so only a packet newer than all before it moves the endpoint */
	uint32_t rx_top_key;
	uint64_t rx_top_counter;
	struct dp_peer_stats stats;
};

struct dp_peers {
	pthread_rwlock_t lock;
	struct dp_peer peer[DP_PEERS_MAX];
	/* key id -> (peer, rx slot) + 1; 0 empty, UINT32_MAX deleted */
	uint32_t key_slot[DP_KEY_SLOTS];
	uint32_t key_id[DP_KEY_SLOTS];
	uint32_t key_deleted; /* tombstones */
	/* name hash -> peer index + 1 */
	uint16_t name_slot[DP_NAME_SLOTS];
	size_t npeers;
};

/* 0 or a negative errno. */
int dp_peers_init(struct dp_peers *t);
/* Frees every key. */
void dp_peers_fini(struct dp_peers *t);

static inline void dp_peers_read_lock(struct dp_peers *t)
{
	pthread_rwlock_rdlock(&t->lock);
}

static inline void dp_peers_write_lock(struct dp_peers *t)
{
	pthread_rwlock_wrlock(&t->lock);
}

static inline void dp_peers_unlock(struct dp_peers *t)
{
	pthread_rwlock_unlock(&t->lock);
}

/* ---- under the write lock (the daemon's thread) --------------------- */

/* The peer named name, added if new: its index, or -ENOSPC. */
int dp_peer_add(struct dp_peers *t, const char *name);
/* Forgets a peer and frees its keys. */
void dp_peer_remove(struct dp_peers *t, int idx);
/* Installs our new transmit key (owned by the table from now on); the
 * counter starts again at 1; the old key is freed. */
void dp_peer_set_tx_key(struct dp_peers *t, int idx, struct dp_key *key,
			uint32_t id, uint64_t now_ms);
/* Adds a receive key of the peer; the oldest of DP_RX_KEYS is
 * dropped. -EEXIST when id is in use (by anyone), with key not taken. */
int dp_peer_add_rx_key(struct dp_peers *t, int idx, struct dp_key *key,
		       uint32_t id, uint64_t now_ms);
/* Once the peer's newest receive key is older than max_age_ms, drops the
 * keys it replaced. */
void dp_peer_expire_rx_keys(struct dp_peers *t, int idx, uint64_t now_ms,
			    uint64_t max_age_ms);

/* ---- under the read lock (any thread) ------------------------------- */

/* Index of the peer named name, or -1. */
int dp_peer_find(const struct dp_peers *t, const char *name);
/* The receive key with this id and its peer, or NULL. */
struct dp_key *dp_peers_rx_key(const struct dp_peers *t, uint32_t id,
			       int *peer_idx);

/* ---- atomics -------------------------------------------------------- */

static inline uint64_t dp_endpoint(uint32_t addr, uint16_t port)
{
	return (uint64_t)addr << 16 | port;
}

static inline uint64_t dp_load(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static inline void dp_store(uint64_t *p, uint64_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELAXED);
}

static inline void dp_add(uint64_t *p, uint64_t v)
{
	__atomic_fetch_add(p, v, __ATOMIC_RELAXED);
}

#endif
