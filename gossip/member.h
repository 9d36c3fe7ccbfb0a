/*
 * Membership and failure detection: SWIM with suspicion, as a pure state
 * machine (no I/O, no clock reads; every call takes now_ms, monotonic). It
 * decides whom to probe and what to believe; the daemon carries the
 * messages and disseminates the claims.
 *
 * Protocol (docs/gossip.md, "Membership and failure detection"):
 *   - every probe_interval_ms, PING the next member of a round-robin over
 *     a shuffled list (reshuffled at each pass, new members inserted at a
 *     random place), so every member is probed within N periods;
 *   - no ACK within ack_timeout_ms: PING_REQ through indirect_k random
 *     ALIVE members, which PING the target on our behalf and relay its
 *     ACK (on_ping_req, SEND_ACK_RELAY);
 *   - still no ACK at the end of the period: the target is SUSPECT, and
 *     the suspicion is announced (ANNOUNCE) for the daemon to disseminate;
 *   - a SUSPECT not refuted within suspicion_ms is DEAD (announced too).
 *     Only DEAD and LEFT are "down": routes are withdrawn on DEAD only;
 *   - a member refutes SUSPECT or DEAD about itself by raising its own
 *     incarnation and announcing ALIVE (gossip_member_refute). Claims are
 *     ordered as in SWIM: ALIVE(i) beats any state with a lower
 *     incarnation; SUSPECT(i) beats ALIVE(j) for i >= j; DEAD(i) and
 *     LEFT(i) beat ALIVE and SUSPECT for i >= j;
 *   - a message from a member we hold SUSPECT or DEAD (an ACK, a PING, any
 *     gossip: on_message_from) makes us tell it so directly (SEND_NOTICE,
 *     at most once per probe period per member), so it refutes quickly
 *     and a healed partition rejoins; DEAD members are still PINGed at
 *     their turn in the rotation (without consequences) for that reason.
 *   - DEAD and LEFT members are forgotten after dead_forget_ms, except
 *     members from the configuration, which stay (DEAD) and keep being
 *     PINGed at their turn.
 *
 * Actions: inputs and timers queue actions, gossip_member_tick() runs the
 * timers and hands them out in order. Call tick whenever now reaches
 * gossip_member_next_ms() and after feeding inputs.
 *
 * Partial views (params.watched_only): the rotation skips members not
 * marked watched, so a router probes only its active view and hears about
 * the rest through disseminated claims.
 *
 * Bounds: at most max_members others (more are refused, -ENOSPC and
 * counted), a fixed table of relayed probes and a fixed action queue (an
 * action that does not fit is dropped and counted), all allocated at
 * creation. Lookups are linear scans: fine for the 1024 members default.
 *
 * Memory: the caller keeps no pointer into the state machine; actions and
 * member records are copied out.
 */
#ifndef GOSSIP_MEMBER_H
#define GOSSIP_MEMBER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/addr.h"

#define GOSSIP_MEMBER_PROBE_INTERVAL_MS 1000
#define GOSSIP_MEMBER_ACK_TIMEOUT_MS 300
#define GOSSIP_MEMBER_INDIRECT_K 3
#define GOSSIP_MEMBER_SUSPICION_MS 3000
#define GOSSIP_MEMBER_DEAD_FORGET_MS 60000
#define GOSSIP_MEMBER_MAX 1024
#define GOSSIP_MEMBER_RELAYS 64
#define GOSSIP_MEMBER_HEALTH_MAX 8

enum gossip_member_state {
	GOSSIP_MEMBER_NONE = 0, /* not in the table (old state of a new one) */
	GOSSIP_MEMBER_ALIVE,
	GOSSIP_MEMBER_SUSPECT,
	GOSSIP_MEMBER_DEAD,
	GOSSIP_MEMBER_LEFT,
};

/* "none", "alive", "suspect", "dead", "left". */
const char *gossip_member_state_name(int state);
/* "up" (ALIVE, SUSPECT) or "down" (DEAD, LEFT): vrctl peers' state. */
bool gossip_member_state_up(int state);

struct gossip_member_params {
	uint32_t probe_interval_ms;
	uint32_t ack_timeout_ms; /* < probe_interval_ms */
	uint32_t indirect_k; /* PING_REQ fan-out; 0: no indirect probes */
	uint32_t suspicion_ms;
	uint32_t dead_forget_ms;
	uint32_t max_members; /* others, not counting self */
	uint32_t relays; /* relayed probes remembered at once */
	uint64_t seed; /* probe order and PING_REQ choice */
	/* Partial views: probe only the members marked watched (the
	 * active view, gossip_member_watch) and ask watched members first
	 * for indirect probes. false: probe every member (full mesh). */
	bool watched_only;
	/* Local health (Lifeguard): a score from 0 to health_max that rises
	 * when our probes go unanswered, when we are suspected and when our
	 * own timers run late (a CPU-starved router), and falls with every
	 * answered probe; the probe period, the ACK timeout and the
	 * suspicion timeout are multiplied by 1 + score, so a slow router
	 * does not accuse others of its own slowness. A probe whose end
	 * comes more than an ACK timeout late is given one more ACK timeout
	 * (the ACK may be waiting unread). 0: off (fixed timeouts). */
	uint32_t health_max;
};

/* The defaults above, seed 0. */
void gossip_member_params_default(struct gossip_member_params *p);

enum gossip_member_action_kind {
	/* PING to (to, addr, port), probe_id: answer with an ACK carrying
	 * the same probe_id. probe_id 0: a PING of a DEAD member, nothing
	 * waits for its ACK. */
	GOSSIP_MEMBER_SEND_PING = 1,
	/* PING_REQ to `to` (the relay) about `about`, probe_id. */
	GOSSIP_MEMBER_SEND_PING_REQ,
	/* ACK to `to` (who sent us a PING_REQ) for its probe_id: `about`
	 * answered our PING on its behalf. */
	GOSSIP_MEMBER_SEND_ACK_RELAY,
	/* Tell `to` directly what we believe about it: the claim
	 * (about == to, state, incarnation), for gossip_member_update. */
	GOSSIP_MEMBER_SEND_NOTICE,
	/* Disseminate the claim (about, addr, port, state, incarnation):
	 * our own suspicion or verdict, or our own ALIVE (about is self:
	 * start-up, refutation) or LEFT. */
	GOSSIP_MEMBER_ANNOUNCE,
	/* Local event: about went from old_state to state (peer up/down:
	 * gossip_member_state_up). Withdraw routes on DEAD or LEFT only. */
	GOSSIP_MEMBER_STATE_CHANGE,
	/* Local event: about, a member we knew, is ALIVE at a higher
	 * incarnation (after the STATE_CHANGE, if it was not ALIVE): it
	 * restarted (maybe inside our suspicion window, so it never went
	 * down here) or refuted a suspicion. What it kept for us, such as
	 * session keys, may be gone. */
	GOSSIP_MEMBER_RENEWED,
};

struct gossip_member_action {
	enum gossip_member_action_kind kind;
	char to[VRD_NAME_MAX + 1]; /* destination of a SEND_*, else "" */
	uint32_t addr; /* of `to` for SEND_*; of `about` otherwise */
	uint16_t port;
	char about[VRD_NAME_MAX + 1]; /* subject */
	uint32_t probe_id;
	enum gossip_member_state old_state; /* STATE_CHANGE, RENEWED */
	enum gossip_member_state state; /* STATE_CHANGE, ANNOUNCE, NOTICE */
	uint64_t incarnation; /* of about */
};

/* A copy of one member, for vrctl peers. */
struct gossip_member_info {
	char name[VRD_NAME_MAX + 1];
	uint32_t addr; /* host order */
	uint16_t port;
	uint64_t incarnation;
	enum gossip_member_state state;
	bool config; /* from the configuration: never forgotten */
	uint64_t last_seen_ms; /* last message from it; 0: never */
	uint64_t state_since_ms;
	uint64_t suspect_since_ms; /* SUSPECT only */
	uint32_t rtt_ms; /* smoothed (1/8) direct PING-ACK round trip; 0:
			    * none measured yet */
};

struct gossip_member_stats {
	uint64_t probes; /* PINGs of the rotation (not DEAD pings) */
	uint64_t ping_reqs; /* PING_REQs sent */
	uint64_t acks; /* ACKs of our probes, direct or relayed */
	uint64_t acks_relayed;
	uint64_t acks_stale; /* unknown or late probe ids */
	uint64_t relays; /* PINGs sent on behalf of others */
	uint64_t relays_full; /* PING_REQs refused: relay table full */
	uint64_t suspects; /* members we suspected ourselves */
	uint64_t deaths; /* suspicions that ran out here */
	uint64_t refutes; /* incarnation raises of our own */
	uint64_t table_full; /* members refused */
	uint64_t forgotten;
	uint64_t actions_dropped; /* action queue full */
	uint64_t late; /* probe ends put off: our own timers ran late */
	uint64_t health; /* the local health score now (0: healthy) */
};

struct gossip_member;

/*
 * self must pass vrd_name_valid. incarnation: our own at start; pass
 * something that grows across restarts (wall-clock seconds) so that a
 * restarted router outranks the claims about its previous life. now_ms
 * starts the first probe period. An ANNOUNCE of ourselves ALIVE is queued.
 * params NULL: defaults. NULL with errno set (EINVAL, ENOMEM).
 */
struct gossip_member *
gossip_member_create(const char *self, uint64_t incarnation,
		     const struct gossip_member_params *params,
		     uint64_t now_ms);
void gossip_member_destroy(struct gossip_member *m); /* NULL ok */

/*
 * A member from the configuration: added ALIVE at incarnation 0 when not
 * known (STATE_CHANGE NONE -> ALIVE), otherwise its address is updated;
 * marked never to be forgotten either way. 0, -EINVAL (bad name, self),
 * -ENOSPC (table full).
 */
int gossip_member_add(struct gossip_member *m, const char *name, uint32_t addr,
		      uint16_t port, uint64_t now_ms);

/*
 * A claim from gossip (or a SEND_NOTICE): name is in state at
 * incarnation. Applied by the SWIM order above; an unknown member is added
 * when the claim is ALIVE or SUSPECT. A claim about ourselves that is
 * SUSPECT, DEAD or LEFT at an incarnation >= ours, or ALIVE above ours,
 * is refuted (gossip_member_refute). The address of an ALIVE claim that is
 * applied replaces the one held.
 * Returns 1 when the claim changed something here (the daemon should pass
 * it on), 0 when it is old news or about ourselves, -EINVAL (bad name or
 * state), -ENOSPC (table full).
 */
int gossip_member_update(struct gossip_member *m, const char *name,
			 uint32_t addr, uint16_t port, uint64_t incarnation,
			 enum gossip_member_state state, uint64_t now_ms);

/*
 * Someone suspects us (or holds us dead) at incarnation: when that is >=
 * ours, ours becomes incarnation + 1 and an ANNOUNCE of ourselves ALIVE is
 * queued. Returns 1 when it raised ours, 0 for an old claim.
 */
int gossip_member_refute(struct gossip_member *m, uint64_t incarnation,
			 uint64_t now_ms);

/*
 * Any message from name: alive evidence (last_seen). A SUSPECT or DEAD
 * member gets a SEND_NOTICE (rate-limited). -ENOENT for an unknown name.
 */
int gossip_member_on_message_from(struct gossip_member *m, const char *name,
				  uint64_t now_ms);

/*
 * An ACK for probe_id from `from`: the member that answered (the probe
 * target), relayed true when it came back through a PING_REQ relay. Also
 * counts as a message from `from`. An ACK for a PING we sent on behalf of
 * another queues SEND_ACK_RELAY to it. 0, or -ENOENT for a stale or
 * unknown probe id.
 */
int gossip_member_on_ack(struct gossip_member *m, const char *from,
			 uint32_t probe_id, bool relayed, uint64_t now_ms);

/*
 * A PING_REQ from `from` asking us to probe target for its probe_id:
 * queues a SEND_PING to target with an id of ours, remembered for one
 * probe period. 0, -ENOENT (target or from unknown), -EINVAL (target is
 * us or from), -ENOBUFS (relay table full).
 */
int gossip_member_on_ping_req(struct gossip_member *m, const char *from,
			      const char *target, uint32_t probe_id,
			      uint64_t now_ms);

/*
 * Something about us changed that the others must take over (our address):
 * our incarnation goes up by one and an ANNOUNCE of ourselves ALIVE is
 * queued, so the news outranks everything said about our previous one.
 * Returns the new incarnation (unchanged after leave).
 */
uint64_t gossip_member_renew(struct gossip_member *m, uint64_t now_ms);

/* We leave: ANNOUNCE ourselves LEFT at our incarnation. */
void gossip_member_leave(struct gossip_member *m, uint64_t now_ms);

/*
 * Runs the timers due at now_ms (probes, PING_REQs, suspicion, relays,
 * forgetting) and copies up to max queued actions to out, oldest first.
 * Returns how many; call again while it returns max.
 */
size_t gossip_member_tick(struct gossip_member *m, uint64_t now_ms,
			  struct gossip_member_action *out, size_t max);

/* When tick next has work: an absolute time in ms, <= now when actions
 * are queued (0 then). */
uint64_t gossip_member_next_ms(const struct gossip_member *m);

uint64_t gossip_member_incarnation(const struct gossip_member *m); /* ours */
const char *gossip_member_self(const struct gossip_member *m);
size_t gossip_member_count(const struct gossip_member *m); /* others */

/* 0 or -ENOENT. */
int gossip_member_get(const struct gossip_member *m, const char *name,
		      struct gossip_member_info *out);

/*
 * Iteration for vrctl peers: *cursor starts at 0; true and *out written
 * while members remain. Order is the table's, not sorted; members added or
 * removed between calls may be missed or seen twice.
 */
bool gossip_member_next(const struct gossip_member *m, size_t *cursor,
			struct gossip_member_info *out);

/*
 * Marks name watched (a neighbour in the active view) or not. With
 * params.watched_only, only watched members are probed; the others are
 * known through gossip (claims from the members that watch them). 0 or
 * -ENOENT.
 */
int gossip_member_watch(struct gossip_member *m, const char *name, bool on);

void gossip_member_get_stats(const struct gossip_member *m,
			     struct gossip_member_stats *out);

#endif
