/*
 * Internal to the gossip node (node.c and node_*.c, split along the node's
 * concerns as tinc splits protocol_*.c): the node's state and the
 * functions one part calls in another. Not for other modules: they use
 * gossip/node.h.
 *
 *   node.c         small helpers, connections, message dispatch, life
 *   node_view.c    routers and certificates, the active view, membership
 *   node_record.c  signed records and their Plumtree dissemination
 *   node_sync.c    anti-entropy (digests and pulls)
 *   node_query.c   queries, an echo over the views
 *   node_direct.c  direct messages between routers, relayed if need be
 *   node_udp.c     bootstrap over UDP (the certificate exchange)
 */
#ifndef GOSSIP_NODE_INTERNAL_H
#define GOSSIP_NODE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/counter.h"
#include "base/log.h"
#include "gossip/node.h"
#include "gossip/transport.h"

/* UDP certificate exchange for bootstrap peers. A request is padded to
 * at least the size of any reply, so the exchange amplifies nothing. */
#define CERT_MAGIC GOSSIP_UDP_MAGIC
#define CERT_HDR 6 /* magic, version, type */
#define CERT_VERSION \
	2 /* 2: the nonce (1 had none: a reply could be replayed) */
#define CERT_NONCE 16 /* after the header, in both: the reply echoes it */
#define CERT_REQUEST 1
#define CERT_REPLY 2
/* padded to the reply's size: the exchange amplifies nothing */
#define CERT_REQUEST_LEN (CERT_HDR + CERT_NONCE + GOSSIP_CERT_MAX)
#define CERT_NONCE_MS 10000 /* a request's nonce is good this long */
#define BOOTSTRAP_RETRY_MS 1000
#define QUERIES_MAX 256 /* our own and forwarded queries, with dedup */
#define QUERY_HOP_MS 100 /* each hop answers its parent this much sooner */
#define ACTIONS_MAX 64
#define UDP_BUDGET 32
#define TICK_DRAIN 256 /* messages read before the timers run */
/* MEMBERS carries certificates (up to 64 KB): with the digest only every
 * few rounds, as repair (changes travel as rumours); a router that joins
 * with an empty view gets all of it at once */
#define MEMBERS_EVERY 5
#define VIEW_TICK_MS 250 /* active view maintenance */
#define VIEW_MAX 32 /* hard cap of the active view */
#define VIEW_SLACK 2 /* accept joins up to target + this */
/* rumour links a router keeps however many duplicates they bring: a bare
 * spanning tree breaks at any lost link until anti-entropy repairs it */
#define TREE_EAGER_MIN 2
#define JOIN_TIMEOUT_MS 2000
#define REFUSED_MS 3000 /* do not ask a router that refused again sooner */
#define IDLE_CLOSE_MS 5000 /* an on-demand connection unused this long */
#define DIRECT_FRESH_MS \
	3000 /* a connection that brought something this
				recently works: no relayed copy */
#define ROUTERS_MAX GOSSIP_MEMBER_MAX

struct router {
	char name[VRD_NAME_MAX + 1];
	struct gossip_cert cert;
	uint8_t cert_bytes[GOSSIP_CERT_MAX];
	size_t cert_len;
	uint8_t curve[GOSSIP_CURVE_KEYBYTES];
	uint32_t addr;
	uint16_t port;
	bool connected; /* we hold a DEALER to it */
	bool in_view; /* a neighbour in the active view */
	bool pending; /* JOIN sent, no answer yet */
	bool lazy; /* a neighbour whose link carries no rumours (pruned) */
	bool keep; /* it refused our PRUNE: its link stays a rumour link */
	uint64_t pending_since;
	uint64_t refused_until;
	uint64_t last_used; /* sent or received on the connection */
	uint64_t last_rx; /* any message from it */
	int state; /* its member state, as last reported */
	bool members_given; /* it had our whole member table */
	bool revoked; /* its certificate is on the revocation list */
};

struct held {
	bool used;
	struct gossip_record r;
	uint8_t bytes[GOSSIP_RECORD_ENCODED_MAX];
	uint16_t len;
};

struct origin {
	char name[VRD_NAME_MAX + 1];
	uint64_t max_seq;
};

struct bootstrap {
	uint32_t addr;
	uint16_t port;
	uint64_t next_try;
	uint32_t tries;
	uint8_t nonce[CERT_NONCE]; /* of our last request to it */
	uint64_t nonce_ms; /* when sent; 0: none outstanding */
};

/* A query flooded over the views (an echo: each router answers its
 * parent once every router it asked has answered it, or at its deadline),
 * ours (parent "") or one we passed on. Kept after it is done until
 * `expires`, so a second copy is answered "seen" at once. */
struct query {
	bool used, active;
	uint64_t id, deadline, expires;
	char origin[VRD_NAME_MAX + 1];
	char parent[VRD_NAME_MAX + 1]; /* "": ours */
	uint32_t vn;
	struct vrd_mac mac;
	unsigned asked, answered;
	char best[VRD_NAME_MAX + 1];
	uint64_t best_seen;
	struct gossip_wire_answer_entry ips[GOSSIP_WIRE_ANSWERS_MAX];
	size_t nips;
};

/*
 * The node's counters, listed once (an X-macro, as Open vSwitch's coding
 * style has it), in the order vrctl stats prints them:
 *   C(field, name)  a counter of the node's own, in struct node_stats;
 *   E(name, value)  read when listed: transport (ts), membership (ms) and
 *                   the node's tables (n), or a sum with a hidden field;
 *   H(field)        a field of struct node_stats that only feeds an E.
 */
#define NODE_COUNTERS(C, E, H)                                  \
	E("gossip.msgs_in", ts.msgs_in)                         \
	E("gossip.bytes_in", ts.bytes_in)                       \
	E("gossip.msgs_out", ts.msgs_out)                       \
	E("gossip.bytes_out", ts.bytes_out)                     \
	C(malformed, "gossip.drop.malformed")                   \
	C(unverified, "gossip.drop.unverified")                 \
	C(bad_sender, "gossip.drop.bad_sender")                 \
	C(bad_cert, "gossip.drop.bad_cert")                     \
	C(certs_renewed, "gossip.certs_renewed")                \
	C(revoked, "gossip.drop.revoked")                       \
	C(forged, "gossip.drop.forged")                         \
	C(refused, "gossip.drop.refused")                       \
	C(out_of_scope, "gossip.drop.out_of_scope")             \
	C(future, "gossip.drop.future")                         \
	C(stale, "gossip.drop.stale")                           \
	C(unknown_origin, "gossip.drop.unknown_origin")         \
	E("gossip.drop.oversized", ts.dropped_oversized)        \
	E("gossip.drop.send", ts.dropped_send + s->send_errors) \
	E("gossip.records", n->nheld)                           \
	C(accepted, "gossip.records.accepted")                  \
	C(published, "gossip.records.published")                \
	C(forwarded, "gossip.records.forwarded")                \
	C(digests, "gossip.digests")                            \
	C(pulls, "gossip.pulls")                                \
	C(members_sent, "gossip.members_sent")                  \
	C(hello_sent, "gossip.hellos")                          \
	C(bootstrap_requests, "gossip.bootstrap.requests")      \
	C(bootstrap_replies, "gossip.bootstrap.replies")        \
	C(bootstrap_bad, "gossip.bootstrap.bad")                \
	C(bootstrap_unasked, "gossip.bootstrap.unasked")        \
	C(queries, "gossip.queries")                            \
	C(answers, "gossip.answers")                            \
	C(queries_forwarded, "gossip.queries.forwarded")        \
	C(queries_seen, "gossip.queries.seen")                  \
	C(queries_full, "gossip.drop.queries_full")             \
	C(answers_stale, "gossip.drop.answers_stale")           \
	E("gossip.view.size", n->nview)                         \
	C(joins_sent, "gossip.view.joins_sent")                 \
	C(joins_accepted, "gossip.view.joins_accepted")         \
	C(joins_refused, "gossip.view.joins_refused")           \
	C(view_evicted, "gossip.view.evicted")                  \
	C(disconnects, "gossip.view.disconnects")               \
	C(view_repaired, "gossip.view.repaired")                \
	C(pruned, "gossip.tree.pruned")                         \
	C(grafted, "gossip.tree.grafted")                       \
	E("gossip.tree.lazy", tree_lazy(n))                     \
	E("gossip.conn.open", conns_open(n))                    \
	C(conn_opened, "gossip.conn.opened")                    \
	C(conn_closed, "gossip.conn.closed")                    \
	C(routers_full, "gossip.drop.routers_full")             \
	C(claims_forwarded, "gossip.claims_forwarded")          \
	C(direct_sent, "gossip.direct.sent")                    \
	C(direct_relayed_out, "gossip.direct.relayed_out")      \
	C(direct_relayed, "gossip.direct.relayed")              \
	C(direct_delivered, "gossip.direct.delivered")          \
	C(direct_dropped, "gossip.drop.direct")                 \
	C(udp_send_errors, "gossip.drop.udp_send")              \
	C(address_changes, "gossip.address_changes")            \
	E("gossip.drop.member_actions", ms.actions_dropped)     \
	E("gossip.drop.member_table", ms.table_full)            \
	E("gossip.drop.member_relays", ms.relays_full)          \
	E("gossip.zap.known", ts.zap_known)                     \
	E("gossip.zap.unknown", ts.zap_unknown)                 \
	E("gossip.member.probes", ms.probes)                    \
	E("gossip.member.ping_reqs", ms.ping_reqs)              \
	E("gossip.member.suspects", ms.suspects)                \
	E("gossip.member.deaths", ms.deaths)                    \
	E("gossip.member.refutes", ms.refutes)                  \
	E("gossip.member.late", ms.late)                        \
	E("gossip.member.health", ms.health)                    \
	H(send_errors)

struct node_stats {
#define NODE_FIELD(field, ...) uint64_t field;
#define NODE_NONE(...)
	NODE_COUNTERS(NODE_FIELD, NODE_NONE, NODE_FIELD)
#undef NODE_FIELD
#undef NODE_NONE
};

struct gossip_node {
	char name[VRD_NAME_MAX + 1];
	struct gossip_node_ops ops;
	const struct gossip_key *key;
	struct gossip_cert cert;
	uint8_t cert_bytes[GOSSIP_CERT_MAX];
	size_t cert_len;
	/* certificate fingerprints refused (gossip_node_set_revoked) */
	uint8_t (*revoked)[GOSSIP_CERT_FPBYTES];
	size_t nrevoked;
	struct gossip_pub ca;
	uint32_t address;
	uint16_t port;
	unsigned view_min;
	unsigned view_fixed; /* 0: from the membership's size */
	uint32_t anti_entropy_ms;

	struct gossip_transport *t;
	struct gossip_member *m;
	int udp;

	struct router **routers;
	size_t nrouters, caprouters;
	struct held *held; /* open addressing */
	size_t nheld, capheld;
	struct origin *origins;
	size_t norigins, caporigins;
	struct bootstrap boot[GOSSIP_NODE_BOOTSTRAP_MAX];
	size_t nboot;
	struct query *queries; /* QUERIES_MAX */
	struct router *view[VIEW_MAX];
	size_t nview;
	uint64_t next_view;

	uint64_t origin_seq;
	uint64_t next_query_id;
	uint64_t next_anti_entropy;
	unsigned rounds;
	size_t members_cursor;
	uint64_t now; /* of the call under way */
	uint64_t rng;

	struct gossip_wire_msg *in, *out, *aux; /* ~12 KB: not on the stack */
	uint8_t *buf;
	struct node_stats st;
	struct vrd_ratelimit rl;
};

/* node.c */
uint64_t node_rnd(struct gossip_node *n);
uint64_t node_wall_ms(void);
struct router *node_router_by_name(struct gossip_node *n, const char *name);
void node_msg_init(struct gossip_node *n, uint8_t type);
int node_conn_open(struct gossip_node *n, struct router *r);
void node_conn_close(struct gossip_node *n, struct router *r);
int node_msg_send_r(struct gossip_node *n, struct router *r,
		    const struct gossip_from *reply);
int node_msg_send(struct gossip_node *n, const char *to,
		  const struct gossip_from *reply);

/* node_view.c */
void node_neighbor_send(struct gossip_node *n, struct router *r, uint8_t op);
void node_view_tick(struct gossip_node *n);
void node_view_repair(struct gossip_node *n, struct router *r,
		      const struct gossip_from *from);
size_t node_tree_eager(const struct gossip_node *n);
void node_neighbor_in(struct gossip_node *n, struct router *r,
		      const struct gossip_from *from, uint8_t op);
size_t node_view_others(struct gossip_node *n, struct router **out,
			const char *skip1, const char *skip2);
/* Is the certificate with these encoded bytes revoked? */
bool node_cert_revoked(const struct gossip_node *n, const uint8_t *p,
		       size_t len);
int node_cert_accept(struct gossip_node *n, const uint8_t *p, size_t len,
		     struct gossip_cert *out);
struct router *node_router_learn(struct gossip_node *n,
				 const struct gossip_cert *cert,
				 const uint8_t *bytes, size_t len,
				 uint32_t addr, uint16_t port);
void node_members_in(struct gossip_node *n,
		     const struct gossip_wire_members *ms, const char *sender);
void node_actions_run(struct gossip_node *n);

/* node_record.c */
int node_held_grow(struct gossip_node *n);
struct origin *node_origin_get(struct gossip_node *n, const char *name,
			       bool create);
void node_tree_graft(struct gossip_node *n, const char *via);
void node_record_in(struct gossip_node *n, const uint8_t *bytes, size_t len,
		    const char *via, bool rumour);

/* node_sync.c */
void node_send_origin(struct gossip_node *n, const char *to,
		      const struct gossip_from *reply, const char *origin,
		      uint64_t above);
void node_send_claim(struct gossip_node *n, const char *to, const char *about,
		     int state, uint64_t incarnation);
void node_digest_in(struct gossip_node *n, const struct gossip_wire_seqs *d,
		    const struct gossip_from *from, const char *sender);
void node_send_members_all(struct gossip_node *n, const char *to);
void node_claim_spread(struct gossip_node *n, const char *about, int state,
		       uint64_t incarnation, const char *skip);
void node_anti_entropy(struct gossip_node *n);

/* node_query.c */
void node_query_finish(struct gossip_node *n, struct query *q);
void node_answer_in(struct gossip_node *n, const char *sender,
		    const struct gossip_wire_answer *a);
void node_query_in(struct gossip_node *n, const char *sender,
		   const struct gossip_wire_query *qr);

/* node_direct.c */
void node_direct_in(struct gossip_node *n, const char *sender,
		    const struct gossip_wire_direct *d);

/* node_udp.c */
bool node_boot_known(struct gossip_node *n, const struct bootstrap *b);
void node_bootstrap_tick(struct gossip_node *n);
void node_udp_in(struct gossip_node *n);

#endif
