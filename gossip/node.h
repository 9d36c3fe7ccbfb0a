/*
 * The gossip node: one router's side of the overlay's control plane
 * (docs/gossip.md). It ties together the transport (ZeroMQ + CURVE), the
 * certificates, membership (SWIM), signed records with rumour mongering
 * and anti-entropy, and "who has MAC m?" queries. The daemon owns it and
 * gives it a thread's worth of attention through three entry points:
 * process() when one of its fds is readable, tick() when next_ms() is due,
 * and the publish/claim/query calls. What the overlay decides comes back
 * through callbacks; the node itself never touches LMDB.
 *
 * Bootstrap peers (addresses from the config) are asked for their
 * certificate over UDP on the overlay port (CERT-REQUEST, CERT-REPLY);
 * once it checks out against the CA they are reached with CURVE.
 */
#ifndef GOSSIP_NODE_H
#define GOSSIP_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gossip/cert.h"
#include "gossip/member.h"
#include "gossip/record.h"
#include "gossip/wire.h"
#include "base/addr.h"

#define GOSSIP_NODE_BOOTSTRAP_MAX 256
#define GOSSIP_NODE_FANOUT 3 /* the smallest active view */
#define GOSSIP_UDP_MAGIC "VRDC" /* first 4 bytes of the node's datagrams */
#define GOSSIP_DIRECT_MAX 1024
#define GOSSIP_NODE_ANTI_ENTROPY_MS 1000
/* a deadline only for routers that do not answer: a query completes as
 * soon as everyone asked has, so a wrong "nobody" under load costs more
 * than waiting */
#define GOSSIP_NODE_QUERY_MS 1000

struct gossip_node;

/* A record the node accepted (signature, certificate, freshness checked)
 * and that is news to it; `bytes` are the signed encoding. */
typedef void (*gossip_node_record_fn)(const struct gossip_record *r, void *arg);

struct gossip_node_ops {
	/* the daemon's loop watches fd (POLLIN) */
	void (*fd_watch)(int fd, bool added, void *arg);
	/* an accepted record that is new here (NETWORK, HOST, WITHDRAW) */
	void (*record)(const struct gossip_record *r, void *arg);
	/* a router changed state (ALIVE, SUSPECT, DEAD, LEFT) */
	void (*peer_state)(const char *name, uint32_t addr, int old_state,
			   int state, void *arg);
	/* a router we knew is ALIVE at a higher incarnation (after its
	 * peer_state, if that changed too): it restarted, even inside our
	 * suspicion window, or refuted a suspicion; NULL: not told */
	void (*peer_renewed)(const char *name, uint64_t incarnation, void *arg);
	/* answer "who has MAC m?" from the HWDT: fill up to max entries,
	 * return how many */
	size_t (*hwdt_by_mac)(uint32_t vn, const struct vrd_mac *mac,
			      struct gossip_wire_answer_entry *out, size_t max,
			      void *arg);
	/* the answer to gossip_node_query: the router that saw mac last and
	 * its IPs, or router == NULL for "nobody" */
	void (*query_done)(uint64_t query_id, uint32_t vn,
			   const struct vrd_mac *mac, const char *router,
			   const struct gossip_wire_answer_entry *ips,
			   size_t nips, void *arg);
	/* the node signed a record with this origin_seq: persist it, so a
	 * restart continues above it */
	void (*origin_seq_used)(uint64_t seq, void *arg);
	/* When set, the node opens no UDP socket of its own: the owner of the
	 * overlay UDP port passes it every datagram that starts with
	 * GOSSIP_UDP_MAGIC (gossip_node_udp_input) and the node sends its
	 * datagrams through this. Returns 0 or a negative errno. */
	int (*udp_send)(uint32_t addr, uint16_t port, const uint8_t *buf,
			size_t len, void *arg);
	/* a direct message for us from router `from` (the name the carrying
	 * path claims: authenticate the payload yourself, e.g. crypto_box
	 * with the sender certificate's key). */
	void (*direct)(const char *from, const uint8_t *payload, size_t len,
		       void *arg);
	void *arg;
};

struct gossip_node_config {
	const char *name;
	uint32_t address; /* underlay, host order */
	uint16_t port; /* TCP gossip and UDP certificate exchange */
	uint32_t bootstrap_addr[GOSSIP_NODE_BOOTSTRAP_MAX];
	uint16_t bootstrap_port[GOSSIP_NODE_BOOTSTRAP_MAX];
	size_t nbootstrap;
	const struct gossip_key *key; /* borrowed; outlives the node */
	const struct gossip_cert *cert; /* ours */
	const struct gossip_pub *ca;
	uint64_t origin_seq; /* the highest this router ever used */
	uint64_t incarnation; /* membership; e.g. the previous one + 1 */
	struct gossip_member_params member; /* zero: defaults */
	unsigned fanout; /* smallest active view; 0: GOSSIP_NODE_FANOUT */
	unsigned view; /* active view size; 0: about log2(N) / 2 + 3 */
	uint32_t anti_entropy_ms; /* 0: GOSSIP_NODE_ANTI_ENTROPY_MS */
};

/* NULL with a message in err (cannot bind, bad key). */
struct gossip_node *gossip_node_create(const struct gossip_node_config *cfg,
				       const struct gossip_node_ops *ops,
				       uint64_t now_ms, char *err,
				       size_t errlen);
/* Leaves the overlay politely (members are told) and frees. */
void gossip_node_destroy(struct gossip_node *n); /* NULL ok */

/* This router's underlay address changed (host order): the node binds its
 * ZMQ socket to it (the old one goes), announces itself ALIVE at the new
 * address with a higher incarnation, so every member updates its address
 * and reconnects there. 0 or a negative errno (the old binding stays). */
int gossip_node_set_address(struct gossip_node *n, uint32_t addr,
			    uint64_t now_ms);

/* Work on readable fds, at most budget messages; 1 when more wait. */
int gossip_node_process(struct gossip_node *n, unsigned budget,
			uint64_t now_ms);
/* Timers: probes, anti-entropy, bootstrap retries, query timeouts. */
void gossip_node_tick(struct gossip_node *n, uint64_t now_ms);
/* When tick() wants to run next (monotonic ms). */
uint64_t gossip_node_next_ms(const struct gossip_node *n);

/* This router serves vn prefix: sign a NETWORK record and spread it. */
int gossip_node_publish_network(struct gossip_node *n, uint32_t vn,
				const struct vrd_prefix *prefix);
/* Withdraw our record for vn prefix. */
int gossip_node_withdraw(struct gossip_node *n, uint32_t vn,
			 const struct vrd_prefix *prefix);
/* A mobility claim: (vn, ip/32, mac) is here now, with mobility_seq
 * (the caller keeps the claims table and picks the number). */
int gossip_node_claim(struct gossip_node *n, uint32_t vn, uint32_t ip,
		      const struct vrd_mac *mac, uint64_t mobility_seq);
/* Asks every live router who has mac (flooded over the active views,
 * answers gathered back along the same paths); query_done() follows as
 * soon as every router reached has answered, at the latest after
 * GOSSIP_NODE_QUERY_MS. Returns the query id (> 0) or a negative errno. */
int64_t gossip_node_query(struct gossip_node *n, uint32_t vn,
			  const struct vrd_mac *mac, uint64_t now_ms);

/* A datagram of ours (it starts with GOSSIP_UDP_MAGIC) that arrived on the
 * overlay UDP port owned by someone else (ops.udp_send). addr, port: its
 * source, host order. */
void gossip_node_udp_input(struct gossip_node *n, const uint8_t *buf,
			   size_t len, uint32_t addr, uint16_t port,
			   uint64_t now_ms);

/* Sends payload (<= GOSSIP_DIRECT_MAX bytes, opaque) to router `to`:
 * over a connection to it (opened on demand) when that works, otherwise
 * through a router connected to both, so it also arrives when TCP between
 * the two underlay addresses is blocked. Best effort, at most once per
 * path. 0, -ENOENT (unknown router), -EMSGSIZE, or another negative errno
 * (-EINVAL: empty). Sent at once, no batching. */
int gossip_node_send_direct(struct gossip_node *n, const char *to,
			    const uint8_t *payload, size_t len);
/* The certificate of a known live or suspect router (checked against the
 * CA when it joined): true and *out filled, or false. */
bool gossip_node_peer_cert(const struct gossip_node *n, const char *name,
			   struct gossip_cert *out);

/* Routers, for vrctl peers. cursor starts at 0. */
bool gossip_node_peer_next(const struct gossip_node *n, size_t *cursor,
			   struct gossip_member_info *out);
/* Our certificate renewed (same name and key, vrctl ca issue --renew):
 * new sessions, membership and certificate exchanges present it, and
 * peers that hold the old one take it (gossip.certs_renewed). cert is
 * copied. -EINVAL for another name or key. */
int gossip_node_set_cert(struct gossip_node *n, const struct gossip_cert *cert);
/* The revocation list: certificates with these fingerprints (copied) are
 * refused from now on (gossip.drop.revoked), a router presenting one is
 * disconnected and its records dropped, whoever relays them. -ENOMEM. */
int gossip_node_set_revoked(struct gossip_node *n,
			    const uint8_t (*fps)[GOSSIP_CERT_FPBYTES],
			    size_t count);
/* Records held, for tests and vrctl. */
size_t gossip_node_record_count(const struct gossip_node *n);
/* The latest HOST record of every origin for (vn, ip/32), up to max into
 * out (copies); how many there are. */
size_t gossip_node_host_records(const struct gossip_node *n, uint32_t vn,
				uint32_t ip, struct gossip_record *out,
				size_t max);
/* Counters ("gossip.*") to fn; fn returns 0 to go on. */
int gossip_node_counters(const struct gossip_node *n,
			 int (*fn)(const char *name, uint64_t value, void *arg),
			 void *arg);

#endif
