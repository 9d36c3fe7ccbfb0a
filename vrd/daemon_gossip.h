/*
 * Private to vrd/daemon_gossip*.c: the daemon's gossip state and what the
 * three files share.
 *   daemon_gossip.c        the node's life in the loop: start, stop,
 *                          reconfig, fds and timer, the peer_state,
 *                          hwdt_by_mac and origin_seq_used callbacks,
 *                          counters, this router's own records
 *   daemon_gossip_apply.c  what the overlay decides, written into the
 *                          tables: records, the claim decision, events
 *   daemon_gossip_ctl.c    the control commands peers, claim and query
 * Not part of the API: the public functions are in vrd/daemon.h.
 */
#ifndef VRD_DAEMON_GOSSIP_H
#define VRD_DAEMON_GOSSIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gossip/claim.h"
#include "gossip/node.h"
#include "vrd/daemon.h"
#include "base/log.h"

#define VRD_DAEMON_GOSSIP_PENDING_MAX \
	256 /* records written in one transaction */
#define VRD_DAEMON_GOSSIP_QUERIES_MAX VRD_CONTROL_CLIENTS_MAX
#define VRD_DAEMON_ADDR_STRLEN (VRD_IPV4_STRLEN + 6) /* "A.B.C.D:PORT" */

struct vrd_daemon_gossip_bootstrap {
	char host[VRD_CONFIG_HOST_MAX + 1]; /* as configured */
	uint32_t addr; /* host order; 0: not resolved */
	uint16_t port;
};

/* A deferred `vrctl query`: the control request waiting for query_done. */
struct vrd_daemon_gossip_query {
	bool used;
	int64_t id; /* the node's query id; 0 while gossip_node_query runs */
	uint64_t handle; /* vrd_control_defer */
	uint64_t since_ms; /* monotonic */
};

/* Claim rates (docs/gossip.md "Mobility claims"): a token bucket per
 * claiming router, spent by claims that move a host or claim a new one
 * (not refreshes); monotonic ms. */
#define VRD_DAEMON_CLAIM_BURST 20
#define VRD_DAEMON_CLAIM_RATE_PER_S 5
#define VRD_DAEMON_CLAIM_ORIGINS_MAX 64 /* routers tracked; LRU beyond */
/* A dead or departed router's claims lapse this long after it went. */
#define VRD_DAEMON_CLAIM_GRACE_MS 30000
#define VRD_DAEMON_CERT_WARN_S (7 * 86400) /* our certificate runs out */
#define VRD_DAEMON_CLAIM_SWEEP_MS 2000 /* how often lapses are looked for */

struct vrd_daemon_claim_origin {
	char name[VRD_NAME_MAX + 1]; /* "" unused */
	uint64_t tokens_milli; /* tokens * 1000 */
	uint64_t refill_ms; /* last refill */
	uint64_t rate_limited; /* its claims refused */
	uint64_t down_since_ms; /* dead or left since; 0: up */
	uint64_t heard_ms; /* its last new record: it lives (monotonic) */
};

/* A host with a claim refused for its seq or its rate: decided again
 * (daemon_gossip_held.c). */
#define VRD_DAEMON_HELD_MAX 256
struct vrd_daemon_held {
	bool used;
	uint32_t vn, ip;
	uint64_t due_ms; /* monotonic; 0: at the host's next record */
};

struct vrd_daemon_gossip_stats {
	uint64_t records; /* records written into the tables */
	uint64_t record_errors; /* batches the tables refused */
	uint64_t claims_local; /* vrctl claim */
	uint64_t claims_seq_refused; /* beyond the sequence window */
	uint64_t claims_rate_limited; /* over a claimer's rate */
	uint64_t claims_held; /* hosts with a refused claim, kept */
	uint64_t claims_held_dropped; /* not kept: the table was full */
	uint64_t claims_redecided; /* records decided again */
	uint64_t claims_lapsed; /* their owner died or left */
	uint64_t claims_contested; /* moves undone by a contest */
	uint64_t claims_duplicate; /* hosts frozen as duplicates */
	uint64_t queries; /* vrctl query asked */
	uint64_t queries_lost; /* answered after the client went away */
};

struct vrd_daemon_gossip {
	struct vrd_daemon *d;
	struct vrd_timer tick; /* at gossip_node_next_ms() */
	struct vrd_timer more; /* zero delay: process() has more waiting */
	struct gossip_record pending[VRD_DAEMON_GOSSIP_PENDING_MAX];
	size_t npending;
	struct vrd_daemon_gossip_query queries[VRD_DAEMON_GOSSIP_QUERIES_MAX];
	int64_t last_query_id;
	bool querying; /* inside gossip_node_query */
	struct vrd_daemon_gossip_bootstrap boot[VRD_CONFIG_PEERS_MAX];
	size_t nboot;
	uint32_t address; /* ours, underlay, host order */
	uint64_t origin_seq_saved;
	struct vrd_daemon_claim_origin origins[VRD_DAEMON_CLAIM_ORIGINS_MAX];
	struct vrd_timer sweep; /* claims of departed routers lapse */
	uint64_t started_ms; /* monotonic */
	bool republish; /* a router came back: send it our claims again */
	struct vrd_daemon_held held[VRD_DAEMON_HELD_MAX];
	bool redeciding; /* inside vrd_daemon_gossip_held_run */
	bool cert_expiring; /* within VRD_DAEMON_CERT_WARN_S */
	uint64_t cert_warned; /* not_after of the certificate warned of */
	struct vrd_daemon_gossip_stats stats;
	struct vrd_ratelimit rl;
};

/* daemon_gossip.c */

/* "A.B.C.D:PORT" into buf; returns buf. */
const char *
vrd_daemon_gossip_addr_port_format(uint32_t addr, uint16_t port,
				   char buf[VRD_DAEMON_ADDR_STRLEN]);
/* After a call that may have sent: a process() round, the timer re-armed. */
void vrd_daemon_gossip_flush(struct vrd_daemon_gossip *gs);
/* The node's hwdt_by_mac callback: what this router's HWDT knows of mac. */
size_t vrd_daemon_gossip_cb_hwdt_by_mac(uint32_t vn, const struct vrd_mac *mac,
					struct gossip_wire_answer_entry *out,
					size_t max, void *arg);

/* daemon_gossip_held.c: refused claims decided again */

/* Is a claim by origin of seq for (vn, ip) corroborated (claim.h) by
 * another origin's record we hold? */
bool vrd_daemon_gossip_corroborated(struct vrd_daemon_gossip *gs, uint32_t vn,
				    uint32_t ip, const char *origin,
				    uint64_t seq);
/* seq for our own claim, raised above every other origin's record we
 * hold for (vn, ip) within GOSSIP_CLAIM_SEQ_CATCHUP of mob. */
uint64_t vrd_daemon_gossip_seq_above(struct vrd_daemon_gossip *gs, uint32_t vn,
				     uint32_t ip, uint64_t seq, uint64_t mob);
/* After a HOST record's verdict v (mono: monotonic now). */
void vrd_daemon_gossip_held_note(struct vrd_daemon_gossip *gs, uint32_t vn,
				 uint32_t ip, enum gossip_claim_verdict v,
				 uint64_t mono);
/* Decides again the held hosts that are due (no batch pending). */
void vrd_daemon_gossip_held_run(struct vrd_daemon_gossip *gs, uint64_t mono);

/* daemon_gossip_apply.c */

/* The origin slot of router name (created, or the least recently used
 * one reused); never NULL. */
struct vrd_daemon_claim_origin *
vrd_daemon_gossip_origin(struct vrd_daemon_gossip *gs, const char *name);
/* Takes one claim token of origin o at now_ms (monotonic): false when its
 * rate is spent (then counted). */
bool vrd_daemon_gossip_rate_take(struct vrd_daemon_gossip *gs,
				 struct vrd_daemon_claim_origin *o,
				 uint64_t now_ms);
/* The claims of routers down for the grace period lapse (their /32 routes
 * go; docs/gossip.md). down(name, arg) says whether a router is down for
 * long enough. Returns how many lapsed, or a negative errno. */
int vrd_daemon_gossip_claims_lapse(struct vrd_daemon_gossip *gs,
				   bool (*down)(const char *name, void *arg),
				   void *arg);
/* vrctl claim reset: the claim of (vn, ip) lapses here. -ENOENT when there
 * is none; *mac and *owner (VRD_NAME_MAX + 1) say what it was. */
int vrd_daemon_gossip_claim_reset(struct vrd_daemon_gossip *gs, uint32_t vn,
				  uint32_t ip, struct vrd_mac *mac,
				  char *owner);

/* The node's record callback: queues r (copied) for the next apply. */
void vrd_daemon_gossip_cb_record(const struct gossip_record *r, void *arg);
/* Writes the queued records in one transaction; logs and counts errors. */
void vrd_daemon_gossip_records_apply(struct vrd_daemon_gossip *gs);

struct vrd_daemon_gossip_claim_op {
	struct vrd_daemon *d;
	uint32_t vn, ip;
	struct vrd_mac mac;
	uint64_t now; /* wall clock */
	/* out */
	enum gossip_claim_verdict verdict;
	uint64_t seq;
	uint64_t frozen_until_ms;
};

/* Decides and writes our own claim (claims, GNDT, LNDT, event): 0 (with
 * op->verdict GOSSIP_CLAIM_REJECT_FROZEN when frozen, or
 * GOSSIP_CLAIM_REJECT_RATE when our own claim rate is spent), or a
 * negative errno. */
int vrd_daemon_gossip_claim_local(struct vrd_daemon_gossip_claim_op *op);

/* daemon_gossip_ctl.c */

/* The node's query_done callback: answers the waiting vrctl query. */
void vrd_daemon_gossip_cb_query_done(uint64_t query_id, uint32_t vn,
				     const struct vrd_mac *mac,
				     const char *router,
				     const struct gossip_wire_answer_entry *ips,
				     size_t nips, void *arg);

#endif
