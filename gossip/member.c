/*
 * SWIM with suspicion: probes, indirect probes, suspicion, incarnations.
 * See member.h for the protocol; this file is pure (no I/O, no clock).
 */
#include "gossip/member.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct slot {
	bool used;
	bool config;
	char name[VRD_NAME_MAX + 1];
	uint32_t addr;
	uint16_t port;
	uint64_t inc;
	enum gossip_member_state state;
	uint64_t last_seen_ms;
	uint64_t state_since_ms;
	uint64_t suspect_since_ms;
	uint64_t notice_ms;
	bool noticed;
	bool watched;
	uint32_t rtt_ms;
};

/* A PING we sent on behalf of a PING_REQ. */
struct relay {
	bool used;
	uint32_t id; /* ours, in our PING to target */
	uint32_t their_id; /* the requester's */
	char requester[VRD_NAME_MAX + 1];
	char target[VRD_NAME_MAX + 1];
	uint64_t expires_ms;
};

struct probe {
	bool active;
	bool acked;
	bool req_sent;
	bool put_off; /* its end was put off once: we ran late */
	size_t slot;
	uint32_t id;
	uint64_t start_ms;
};

struct gossip_member {
	char self[VRD_NAME_MAX + 1];
	uint64_t inc;
	bool left;
	struct gossip_member_params p;

	struct slot *slots; /* p.max_members */
	size_t count;
	size_t *order; /* probe rotation: slot indexes */
	size_t norder;
	size_t pos;
	size_t *scratch;
	struct relay *relays; /* p.relays */

	struct gossip_member_action *queue; /* ring */
	size_t qcap;
	size_t qhead;
	size_t qlen;

	struct probe probe;
	uint32_t health; /* Lifeguard's local health multiplier - 1 */
	uint64_t next_probe_ms;
	uint32_t next_id;
	uint64_t rng;
	struct gossip_member_stats st;
};

static const char *const state_names[] = {
	[GOSSIP_MEMBER_NONE] = "none",	     [GOSSIP_MEMBER_ALIVE] = "alive",
	[GOSSIP_MEMBER_SUSPECT] = "suspect", [GOSSIP_MEMBER_DEAD] = "dead",
	[GOSSIP_MEMBER_LEFT] = "left",
};

const char *gossip_member_state_name(int state)
{
	if (state < 0 || state > GOSSIP_MEMBER_LEFT) {
		return "?";
	}
	return state_names[state];
}

bool gossip_member_state_up(int state)
{
	return state == GOSSIP_MEMBER_ALIVE || state == GOSSIP_MEMBER_SUSPECT;
}

void gossip_member_params_default(struct gossip_member_params *p)
{
	memset(p, 0, sizeof(*p));
	p->probe_interval_ms = GOSSIP_MEMBER_PROBE_INTERVAL_MS;
	p->ack_timeout_ms = GOSSIP_MEMBER_ACK_TIMEOUT_MS;
	p->indirect_k = GOSSIP_MEMBER_INDIRECT_K;
	p->suspicion_ms = GOSSIP_MEMBER_SUSPICION_MS;
	p->dead_forget_ms = GOSSIP_MEMBER_DEAD_FORGET_MS;
	p->max_members = GOSSIP_MEMBER_MAX;
	p->relays = GOSSIP_MEMBER_RELAYS;
}

/* splitmix64 */
static uint64_t rng_next(struct gossip_member *m)
{
	uint64_t z = (m->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static size_t rng_below(struct gossip_member *m, size_t n)
{
	return n == 0 ? 0 : (size_t)(rng_next(m) % n);
}

static uint32_t id_next(struct gossip_member *m)
{
	if (++m->next_id == 0) {
		m->next_id = 1;
	}
	return m->next_id;
}

static void push(struct gossip_member *m, const struct gossip_member_action *a)
{
	if (m->qlen == m->qcap) {
		m->st.actions_dropped++;
		return;
	}
	m->queue[(m->qhead + m->qlen) % m->qcap] = *a;
	m->qlen++;
}

static void push_kind(struct gossip_member *m,
		      enum gossip_member_action_kind kind, const char *to,
		      const struct slot *dest, const char *about,
		      uint32_t probe_id)
{
	struct gossip_member_action a = {.kind = kind, .probe_id = probe_id};

	snprintf(a.to, sizeof(a.to), "%s", to);
	snprintf(a.about, sizeof(a.about), "%s", about);
	if (dest) {
		a.addr = dest->addr;
		a.port = dest->port;
	}
	push(m, &a);
}

/* ANNOUNCE, STATE_CHANGE, RENEWED or SEND_NOTICE of the state of s. */
static void push_claim(struct gossip_member *m,
		       enum gossip_member_action_kind kind,
		       const struct slot *s, enum gossip_member_state old)
{
	struct gossip_member_action a = {
		.kind = kind,
		.addr = s->addr,
		.port = s->port,
		.old_state = old,
		.state = s->state,
		.incarnation = s->inc,
	};

	memcpy(a.about, s->name, sizeof(a.about));
	if (kind == GOSSIP_MEMBER_SEND_NOTICE) {
		memcpy(a.to, s->name, sizeof(a.to));
	}
	push(m, &a);
}

static void announce_self(struct gossip_member *m,
			  enum gossip_member_state state)
{
	struct gossip_member_action a = {
		.kind = GOSSIP_MEMBER_ANNOUNCE,
		.state = state,
		.incarnation = m->inc,
	};

	memcpy(a.about, m->self, sizeof(a.about));
	push(m, &a);
}

/* A timeout stretched by our local health. */
static uint64_t scaled(const struct gossip_member *m, uint32_t ms)
{
	return (uint64_t)ms * (1 + m->health);
}

static void health_worse(struct gossip_member *m)
{
	if (m->health < m->p.health_max) {
		m->health++;
	}
}

static void health_better(struct gossip_member *m)
{
	if (m->health > 0) {
		m->health--;
	}
}

static struct slot *slot_find(const struct gossip_member *m, const char *name)
{
	for (size_t k = 0; k < m->norder; k++) {
		struct slot *s = &m->slots[m->order[k]];

		if (strcmp(s->name, name) == 0) {
			return s;
		}
	}
	return NULL;
}

static void set_state(struct gossip_member *m, struct slot *s,
		      enum gossip_member_state state, uint64_t now_ms)
{
	enum gossip_member_state old = s->state;

	if (old == state) {
		return;
	}
	s->state = state;
	s->state_since_ms = now_ms;
	s->suspect_since_ms = state == GOSSIP_MEMBER_SUSPECT ? now_ms : 0;
	push_claim(m, GOSSIP_MEMBER_STATE_CHANGE, s, old);
}

/* A new member, inserted at a random place of the rotation. */
static struct slot *slot_insert(struct gossip_member *m, const char *name,
				uint32_t addr, uint16_t port, uint64_t now_ms)
{
	size_t i, at;
	struct slot *s;

	if (m->count == m->p.max_members) {
		m->st.table_full++;
		return NULL;
	}
	for (i = 0; m->slots[i].used; i++) {
	}
	s = &m->slots[i];
	memset(s, 0, sizeof(*s));
	s->used = true;
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->addr = addr;
	s->port = port;
	s->state = GOSSIP_MEMBER_NONE;
	s->state_since_ms = now_ms;
	m->count++;

	at = rng_below(m, m->norder + 1);
	memmove(&m->order[at + 1], &m->order[at],
		(m->norder - at) * sizeof(m->order[0]));
	m->order[at] = i;
	m->norder++;
	if (at < m->pos) {
		m->pos++;
	}
	return s;
}

static void slot_remove(struct gossip_member *m, struct slot *s)
{
	size_t i = (size_t)(s - m->slots);

	for (size_t k = 0; k < m->norder; k++) {
		if (m->order[k] != i) {
			continue;
		}
		memmove(&m->order[k], &m->order[k + 1],
			(m->norder - k - 1) * sizeof(m->order[0]));
		m->norder--;
		if (k < m->pos) {
			m->pos--;
		}
		break;
	}
	if (m->probe.active && m->probe.slot == i) {
		m->probe.active = false;
	}
	memset(s, 0, sizeof(*s));
	m->count--;
	m->st.forgotten++;
}

struct gossip_member *
gossip_member_create(const char *self, uint64_t incarnation,
		     const struct gossip_member_params *params, uint64_t now_ms)
{
	struct gossip_member *m;
	struct gossip_member_params p;

	if (!self || !vrd_name_valid(self)) {
		errno = EINVAL;
		return NULL;
	}
	if (params) {
		p = *params;
	} else {
		gossip_member_params_default(&p);
	}
	if (p.probe_interval_ms == 0 ||
	    p.ack_timeout_ms >= p.probe_interval_ms || p.max_members == 0 ||
	    p.relays == 0) {
		errno = EINVAL;
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	if (!m) {
		goto fail;
	}
	snprintf(m->self, sizeof(m->self), "%s", self);
	m->inc = incarnation;
	m->p = p;
	m->rng = p.seed;
	m->next_id = (uint32_t)rng_next(m);
	m->qcap = 2 * (size_t)p.max_members + 64;
	m->slots = calloc(p.max_members, sizeof(*m->slots));
	m->order = calloc(p.max_members, sizeof(*m->order));
	m->scratch = calloc(p.max_members, sizeof(*m->scratch));
	m->relays = calloc(p.relays, sizeof(*m->relays));
	m->queue = calloc(m->qcap, sizeof(*m->queue));
	if (!m->slots || !m->order || !m->scratch || !m->relays || !m->queue) {
		goto free_m;
	}
	m->next_probe_ms = now_ms + p.probe_interval_ms;
	announce_self(m, GOSSIP_MEMBER_ALIVE);
	return m;

free_m:
	gossip_member_destroy(m);
fail:
	errno = ENOMEM;
	return NULL;
}

void gossip_member_destroy(struct gossip_member *m)
{
	if (!m) {
		return;
	}
	free(m->queue);
	free(m->relays);
	free(m->scratch);
	free(m->order);
	free(m->slots);
	free(m);
}

int gossip_member_add(struct gossip_member *m, const char *name, uint32_t addr,
		      uint16_t port, uint64_t now_ms)
{
	struct slot *s;

	if (!vrd_name_valid(name) || strcmp(name, m->self) == 0) {
		return -EINVAL;
	}
	s = slot_find(m, name);
	if (!s) {
		s = slot_insert(m, name, addr, port, now_ms);
		if (!s) {
			return -ENOSPC;
		}
		set_state(m, s, GOSSIP_MEMBER_ALIVE, now_ms);
	}
	s->addr = addr;
	s->port = port;
	s->config = true;
	return 0;
}

int gossip_member_refute(struct gossip_member *m, uint64_t incarnation,
			 uint64_t now_ms)
{
	if (incarnation < m->inc || m->left) {
		return 0;
	}
	m->inc = incarnation + 1;
	m->st.refutes++;
	health_worse(m); /* suspected: maybe we are the slow one */
	announce_self(m, GOSSIP_MEMBER_ALIVE);
	return 1;
}

/* The SWIM order of claims; 1 when the claim was applied. */
static int claim_apply(struct gossip_member *m, struct slot *s, uint32_t addr,
		       uint16_t port, uint64_t inc,
		       enum gossip_member_state state, uint64_t now_ms)
{
	bool up = gossip_member_state_up(s->state);
	enum gossip_member_state old = s->state;

	switch (state) {
	case GOSSIP_MEMBER_ALIVE:
		if (inc <= s->inc && s->state != GOSSIP_MEMBER_NONE) {
			return 0;
		}
		s->addr = addr;
		s->port = port;
		break;
	case GOSSIP_MEMBER_SUSPECT:
		if (s->state == GOSSIP_MEMBER_NONE) {
			break;
		}
		if (s->state == GOSSIP_MEMBER_ALIVE ? inc < s->inc
						    : inc <= s->inc) {
			return 0;
		}
		break;
	case GOSSIP_MEMBER_DEAD:
		if (up ? inc < s->inc : inc <= s->inc) {
			return 0;
		}
		if (s->state == GOSSIP_MEMBER_LEFT) {
			state = GOSSIP_MEMBER_LEFT;
		}
		break;
	case GOSSIP_MEMBER_LEFT:
		if (inc < s->inc ||
		    (s->state == GOSSIP_MEMBER_LEFT && inc == s->inc)) {
			return 0;
		}
		break;
	default:
		return -EINVAL;
	}
	s->inc = inc;
	set_state(m, s, state, now_ms);
	if (state == GOSSIP_MEMBER_ALIVE && old != GOSSIP_MEMBER_NONE) {
		push_claim(m, GOSSIP_MEMBER_RENEWED, s, old);
	}
	return 1;
}

int gossip_member_update(struct gossip_member *m, const char *name,
			 uint32_t addr, uint16_t port, uint64_t incarnation,
			 enum gossip_member_state state, uint64_t now_ms)
{
	struct slot *s;

	if (!vrd_name_valid(name) || state < GOSSIP_MEMBER_ALIVE ||
	    state > GOSSIP_MEMBER_LEFT) {
		return -EINVAL;
	}
	if (strcmp(name, m->self) == 0) {
		if (state != GOSSIP_MEMBER_ALIVE || incarnation > m->inc) {
			gossip_member_refute(m, incarnation, now_ms);
		}
		return 0;
	}
	s = slot_find(m, name);
	if (!s) {
		if (state != GOSSIP_MEMBER_ALIVE &&
		    state != GOSSIP_MEMBER_SUSPECT) {
			return 0;
		}
		s = slot_insert(m, name, addr, port, now_ms);
		if (!s) {
			return -ENOSPC;
		}
	}
	return claim_apply(m, s, addr, port, incarnation, state, now_ms);
}

static void notice(struct gossip_member *m, struct slot *s, uint64_t now_ms)
{
	if (s->state != GOSSIP_MEMBER_SUSPECT &&
	    s->state != GOSSIP_MEMBER_DEAD) {
		return;
	}
	if (s->noticed && now_ms < s->notice_ms + m->p.probe_interval_ms) {
		return;
	}
	s->noticed = true;
	s->notice_ms = now_ms;
	push_claim(m, GOSSIP_MEMBER_SEND_NOTICE, s, s->state);
}

int gossip_member_on_message_from(struct gossip_member *m, const char *name,
				  uint64_t now_ms)
{
	struct slot *s = slot_find(m, name);

	if (!s) {
		return -ENOENT;
	}
	if (now_ms > s->last_seen_ms) {
		s->last_seen_ms = now_ms;
	}
	notice(m, s, now_ms);
	return 0;
}

int gossip_member_on_ack(struct gossip_member *m, const char *from,
			 uint32_t probe_id, bool relayed, uint64_t now_ms)
{
	struct probe *pr = &m->probe;

	gossip_member_on_message_from(m, from, now_ms);
	if (probe_id == 0) {
		return 0; /* a PING of a DEAD member */
	}
	if (pr->active && !pr->acked && probe_id == pr->id &&
	    strcmp(m->slots[pr->slot].name, from) == 0) {
		struct slot *s = &m->slots[pr->slot];

		pr->acked = true;
		m->st.acks++;
		health_better(m);
		if (relayed) {
			m->st.acks_relayed++;
			return 0;
		}
		uint64_t rtt =
			now_ms > pr->start_ms ? now_ms - pr->start_ms : 1;

		if (rtt > UINT32_MAX / 8) {
			rtt = UINT32_MAX / 8;
		}
		s->rtt_ms = s->rtt_ms ? (7 * s->rtt_ms + (uint32_t)rtt) / 8
				      : (uint32_t)rtt;
		if (s->rtt_ms == 0) {
			s->rtt_ms = 1;
		}
		return 0;
	}
	for (size_t i = 0; !relayed && i < m->p.relays; i++) {
		struct relay *r = &m->relays[i];

		if (!r->used || r->id != probe_id ||
		    strcmp(r->target, from) != 0) {
			continue;
		}
		push_kind(m, GOSSIP_MEMBER_SEND_ACK_RELAY, r->requester,
			  slot_find(m, r->requester), r->target, r->their_id);
		r->used = false;
		return 0;
	}
	m->st.acks_stale++;
	return -ENOENT;
}

int gossip_member_on_ping_req(struct gossip_member *m, const char *from,
			      const char *target, uint32_t probe_id,
			      uint64_t now_ms)
{
	struct slot *t, *f;
	struct relay *r = NULL;

	if (strcmp(target, m->self) == 0 || strcmp(target, from) == 0) {
		return -EINVAL;
	}
	f = slot_find(m, from);
	t = slot_find(m, target);
	if (!f || !t) {
		return -ENOENT;
	}
	gossip_member_on_message_from(m, from, now_ms);
	for (size_t i = 0; i < m->p.relays; i++) {
		if (!m->relays[i].used) {
			r = &m->relays[i];
			break;
		}
	}
	if (!r) {
		m->st.relays_full++;
		return -ENOBUFS;
	}
	r->used = true;
	r->id = id_next(m);
	r->their_id = probe_id;
	memcpy(r->requester, f->name, sizeof(r->requester));
	memcpy(r->target, t->name, sizeof(r->target));
	r->expires_ms = now_ms + scaled(m, m->p.probe_interval_ms);
	m->st.relays++;
	push_kind(m, GOSSIP_MEMBER_SEND_PING, t->name, t, t->name, r->id);
	return 0;
}

uint64_t gossip_member_renew(struct gossip_member *m, uint64_t now_ms)
{
	if (m->left) {
		return m->inc;
	}
	m->inc++;
	announce_self(m, GOSSIP_MEMBER_ALIVE);
	return m->inc;
}

void gossip_member_leave(struct gossip_member *m, uint64_t now_ms)
{
	m->left = true;
	m->probe.active = false;
	announce_self(m, GOSSIP_MEMBER_LEFT);
}

/* PING_REQ through up to k random ALIVE members other than the target. */
static void ping_req_send(struct gossip_member *m)
{
	size_t n = 0, nw = 0, k = m->p.indirect_k;
	const struct slot *t = &m->slots[m->probe.slot];

	/* watched members first (connected already), then the others */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t o = 0; o < m->norder; o++) {
			size_t i = m->order[o];

			if (i != m->probe.slot &&
			    m->slots[i].state == GOSSIP_MEMBER_ALIVE &&
			    m->slots[i].watched == (pass == 0)) {
				m->scratch[n++] = i;
			}
		}
		if (pass == 0) {
			nw = n;
		}
	}
	for (size_t i = 0; i < k && i < n; i++) {
		size_t hi = i < nw ? nw : n; /* shuffle within the group */
		size_t j = i + rng_below(m, hi - i);
		size_t tmp = m->scratch[i];
		const struct slot *via;

		m->scratch[i] = m->scratch[j];
		m->scratch[j] = tmp;
		via = &m->slots[m->scratch[i]];
		push_kind(m, GOSSIP_MEMBER_SEND_PING_REQ, via->name, via,
			  t->name, m->probe.id);
		m->st.ping_reqs++;
	}
}

static void shuffle(struct gossip_member *m)
{
	for (size_t i = m->norder; i > 1; i--) {
		size_t j = rng_below(m, i);
		size_t tmp = m->order[i - 1];

		m->order[i - 1] = m->order[j];
		m->order[j] = tmp;
	}
}

/* The next member of the rotation: one PING of a DEAD member at most on
 * the way, then a probe of an ALIVE or SUSPECT member. */
static void probe_start(struct gossip_member *m, uint64_t now_ms)
{
	bool dead_pinged = false;

	for (size_t tries = 0; tries < m->norder; tries++) {
		struct slot *s;
		size_t i;

		if (m->pos >= m->norder) {
			shuffle(m);
			m->pos = 0;
		}
		i = m->order[m->pos++];
		s = &m->slots[i];
		if (m->p.watched_only && !s->watched) {
			continue;
		}
		if (s->state == GOSSIP_MEMBER_DEAD && !dead_pinged) {
			dead_pinged = true;
			push_kind(m, GOSSIP_MEMBER_SEND_PING, s->name, s,
				  s->name, 0);
			continue;
		}
		if (!gossip_member_state_up(s->state)) {
			continue;
		}
		m->probe = (struct probe){
			.active = true,
			.slot = i,
			.id = id_next(m),
			.start_ms = now_ms,
		};
		m->st.probes++;
		push_kind(m, GOSSIP_MEMBER_SEND_PING, s->name, s, s->name,
			  m->probe.id);
		return;
	}
}

static void probe_end(struct gossip_member *m, uint64_t now_ms)
{
	struct probe *pr = &m->probe;
	struct slot *s = &m->slots[pr->slot];

	if (pr->active && !pr->acked && s->state == GOSSIP_MEMBER_ALIVE) {
		health_worse(m);
		m->st.suspects++;
		set_state(m, s, GOSSIP_MEMBER_SUSPECT, now_ms);
		push_claim(m, GOSSIP_MEMBER_ANNOUNCE, s, s->state);
	}
	pr->active = false;
}

static void timers_run(struct gossip_member *m, uint64_t now_ms)
{
	const struct gossip_member_params *p = &m->p;

	for (size_t i = 0; i < p->relays; i++) {
		if (m->relays[i].used && now_ms >= m->relays[i].expires_ms) {
			m->relays[i].used = false;
		}
	}
	/* backwards: slot_remove shifts the ones already seen */
	for (size_t k = m->norder; k-- > 0;) {
		struct slot *s = &m->slots[m->order[k]];

		if (s->state == GOSSIP_MEMBER_SUSPECT &&
		    now_ms >=
			    s->suspect_since_ms + scaled(m, p->suspicion_ms)) {
			m->st.deaths++;
			set_state(m, s, GOSSIP_MEMBER_DEAD, now_ms);
			push_claim(m, GOSSIP_MEMBER_ANNOUNCE, s, s->state);
		} else if (!gossip_member_state_up(s->state) && !s->config &&
			   now_ms >= s->state_since_ms + p->dead_forget_ms) {
			slot_remove(m, s);
		}
	}
	if (m->left) {
		return;
	}
	if (m->probe.active && !m->probe.acked && !m->probe.req_sent &&
	    now_ms >= m->probe.start_ms + scaled(m, p->ack_timeout_ms)) {
		m->probe.req_sent = true;
		ping_req_send(m);
	}
	if (now_ms < m->next_probe_ms) {
		return;
	}
	/* Called a whole ACK timeout after the probe's end was due: our own
	 * loop is slow (starved of CPU), and the ACK may sit unread or
	 * unsent behind us. Ours is the fault: no verdict yet. */
	if (p->health_max && m->probe.active && !m->probe.acked &&
	    !m->probe.put_off &&
	    now_ms > m->next_probe_ms + p->ack_timeout_ms) {
		m->probe.put_off = true;
		m->st.late++;
		health_worse(m);
		m->next_probe_ms = now_ms + scaled(m, p->ack_timeout_ms);
		return;
	}
	probe_end(m, now_ms);
	probe_start(m, now_ms);
	m->next_probe_ms += scaled(m, p->probe_interval_ms);
	if (m->next_probe_ms <= now_ms) {
		m->next_probe_ms = now_ms + scaled(m, p->probe_interval_ms);
	}
}

size_t gossip_member_tick(struct gossip_member *m, uint64_t now_ms,
			  struct gossip_member_action *out, size_t max)
{
	size_t n = 0;

	timers_run(m, now_ms);
	while (n < max && m->qlen > 0) {
		out[n++] = m->queue[m->qhead];
		m->qhead = (m->qhead + 1) % m->qcap;
		m->qlen--;
	}
	return n;
}

static void earliest(uint64_t *t, uint64_t at)
{
	if (at < *t) {
		*t = at;
	}
}

uint64_t gossip_member_next_ms(const struct gossip_member *m)
{
	const struct gossip_member_params *p = &m->p;
	uint64_t t = UINT64_MAX;

	if (m->qlen > 0) {
		return 0;
	}
	if (!m->left) {
		earliest(&t, m->next_probe_ms);
		if (m->probe.active && !m->probe.acked && !m->probe.req_sent) {
			earliest(&t, m->probe.start_ms +
					     scaled(m, p->ack_timeout_ms));
		}
	}
	for (size_t i = 0; i < p->relays; i++) {
		if (m->relays[i].used) {
			earliest(&t, m->relays[i].expires_ms);
		}
	}
	for (size_t k = 0; k < m->norder; k++) {
		const struct slot *s = &m->slots[m->order[k]];

		if (s->state == GOSSIP_MEMBER_SUSPECT) {
			earliest(&t, s->suspect_since_ms +
					     scaled(m, p->suspicion_ms));
		} else if (!gossip_member_state_up(s->state) && !s->config) {
			earliest(&t, s->state_since_ms + p->dead_forget_ms);
		}
	}
	return t;
}

uint64_t gossip_member_incarnation(const struct gossip_member *m)
{
	return m->inc;
}

const char *gossip_member_self(const struct gossip_member *m)
{
	return m->self;
}

size_t gossip_member_count(const struct gossip_member *m)
{
	return m->count;
}

static void info_fill(const struct slot *s, struct gossip_member_info *out)
{
	memset(out, 0, sizeof(*out));
	memcpy(out->name, s->name, sizeof(out->name));
	out->addr = s->addr;
	out->port = s->port;
	out->incarnation = s->inc;
	out->state = s->state;
	out->config = s->config;
	out->last_seen_ms = s->last_seen_ms;
	out->state_since_ms = s->state_since_ms;
	out->suspect_since_ms = s->suspect_since_ms;
	out->rtt_ms = s->rtt_ms;
}

int gossip_member_get(const struct gossip_member *m, const char *name,
		      struct gossip_member_info *out)
{
	const struct slot *s = slot_find(m, name);

	if (!s) {
		return -ENOENT;
	}
	info_fill(s, out);
	return 0;
}

bool gossip_member_next(const struct gossip_member *m, size_t *cursor,
			struct gossip_member_info *out)
{
	for (; *cursor < m->p.max_members; (*cursor)++) {
		if (m->slots[*cursor].used) {
			info_fill(&m->slots[(*cursor)++], out);
			return true;
		}
	}
	return false;
}

int gossip_member_watch(struct gossip_member *m, const char *name, bool on)
{
	struct slot *s = slot_find(m, name);

	if (!s) {
		return -ENOENT;
	}
	s->watched = on;
	return 0;
}

void gossip_member_get_stats(const struct gossip_member *m,
			     struct gossip_member_stats *out)
{
	*out = m->st;
	out->health = m->health;
}
