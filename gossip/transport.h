/*
 * The gossip transport: ZeroMQ over TCP with CURVE, keys derived from each
 * router's certified Ed25519 key (docs/gossip.md, "Transport").
 *
 * One ZMQ_ROUTER is bound as a CURVE server; its ZAP handler (a ZMQ_REP on
 * inproc://zeromq.zap.01 in this transport's own context) admits every
 * client key and tags each message with it, and with whether the key is a
 * known certified router's (key_known callback), so the layer above can
 * drop everything from an unverified key but a HELLO that proves it. To
 * reach a peer, one ZMQ_DEALER per peer is a CURVE client holding the
 * peer's server key: whatever arrives on it comes from that peer.
 *
 * No event loop of its own: the sockets' ZMQ_FDs are handed to the caller
 * (fd_watch), which calls gossip_transport_process() when one is readable
 * and whenever it returns that more work waits (ZMQ_FD is edge-triggered:
 * a budget cut short must be resumed without a new edge).
 *
 * One thread owns a transport and all its sockets.
 */
#ifndef GOSSIP_TRANSPORT_H
#define GOSSIP_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gossip/cert.h"

#define GOSSIP_CURVE_KEYBYTES 32
#define GOSSIP_MSG_MAX (256u * 1024) /* larger messages are dropped */
#define GOSSIP_PEERS_MAX 4096

struct gossip_curve_keys {
	uint8_t pub[GOSSIP_CURVE_KEYBYTES];
	uint8_t sec[GOSSIP_CURVE_KEYBYTES]; /* wipe when done */
};

/* X25519 keys of a router's Ed25519 key pair. 0 or -EINVAL. */
int gossip_curve_from_key(struct gossip_curve_keys *out,
			  const struct gossip_key *key);
/* The X25519 public key a certificate's Ed25519 key implies. */
int gossip_curve_from_pub(uint8_t out[GOSSIP_CURVE_KEYBYTES],
			  const struct gossip_pub *pub);

/* Where a message came from. Borrowed: valid during on_message only. */
struct gossip_from {
	const char *peer; /* DEALER side: the peer's name; else NULL */
	const uint8_t *key; /* the sender's CURVE public key (32 bytes) */
	bool key_known; /* key_known() said yes at handshake time */
	/* ROUTER side: the connection, to reply on */
	const uint8_t *routing_id;
	size_t routing_id_len;
};

struct gossip_transport_config {
	uint32_t address; /* to bind, host order */
	uint16_t port;
	const struct gossip_curve_keys *keys;
	/* Is this CURVE client key a known, certified router's? */
	bool (*key_known)(const uint8_t key[GOSSIP_CURVE_KEYBYTES], void *arg);
	void (*on_message)(const struct gossip_from *from, const uint8_t *msg,
			   size_t len, void *arg);
	/* DEALERs queue messages before their handshake is done (up to a
	 * high-water mark); false: ZMQ_IMMEDIATE, a send before then fails
	 * with -EAGAIN */
	bool queue_early;
	/* fd appeared (added) or went away; watch it for POLLIN */
	void (*fd_watch)(int fd, bool added, void *arg);
	void *arg;
};

struct gossip_transport_stats {
	uint64_t msgs_in, bytes_in, msgs_out, bytes_out;
	uint64_t dropped_oversized; /* over GOSSIP_MSG_MAX or multi-part junk */
	uint64_t dropped_send; /* no route, queue full (EAGAIN) */
	uint64_t zap_known, zap_unknown; /* handshakes admitted */
};

struct gossip_transport;

/* Binds and starts; NULL with a message in err. */
struct gossip_transport *
gossip_transport_create(const struct gossip_transport_config *cfg, char *err,
			size_t errlen);
void gossip_transport_destroy(struct gossip_transport *t); /* NULL ok */

/* Binds the ROUTER at address:port, then lets the old binding go (and
 * the connections it accepted). 0, or a negative errno and the old
 * binding stays. */
int gossip_transport_rebind(struct gossip_transport *t, uint32_t address,
			    uint16_t port);

/* A DEALER to name at address:port holding its server key; re-adding a
 * peer with another address or key replaces the connection. Messages sent
 * before the handshake is done are queued when cfg.queue_early. */
int gossip_transport_peer_set(struct gossip_transport *t, const char *name,
			      uint32_t address, uint16_t port,
			      const uint8_t server_key[GOSSIP_CURVE_KEYBYTES]);
int gossip_transport_peer_del(struct gossip_transport *t, const char *name);

/* Non-blocking sends: -ENOENT no such peer, -EAGAIN queue full,
 * -EMSGSIZE too large. */
int gossip_transport_send(struct gossip_transport *t, const char *peer,
			  const uint8_t *msg, size_t len);
/* Answers on the connection a message arrived on. */
int gossip_transport_reply(struct gossip_transport *t,
			   const struct gossip_from *from, const uint8_t *msg,
			   size_t len);

/* Handles up to budget messages and ZAP requests. Returns 1 when more
 * wait (call again soon, e.g. from a zero timer), 0 when drained. */
int gossip_transport_process(struct gossip_transport *t, unsigned budget);

void gossip_transport_get_stats(const struct gossip_transport *t,
				struct gossip_transport_stats *out);

#endif
