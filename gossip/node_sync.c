/*
 * The gossip node, part: anti-entropy. Every round a digest of the held
 * records goes to a neighbour, which pulls what it lacks, so a lost rumour
 * is repaired within a round or two (node_internal.h).
 */
#include "gossip/node_internal.h"

#include <string.h>

/* ---- anti-entropy ---------------------------------------------------- */

/* Every record of origin above seq to `to`, RECORDS_MAX at a time. */
void node_send_origin(struct gossip_node *n, const char *to,
		      const struct gossip_from *reply, const char *origin,
		      uint64_t above)
{
	node_msg_init(n, GOSSIP_MSG_RECORDS);
	for (size_t i = 0; i < n->capheld; i++) {
		struct held *h = &n->held[i];
		struct gossip_wire_records *rs = &n->out->records;

		if (!h->used || h->r.origin_seq <= above ||
		    strcmp(h->r.origin, origin) != 0) {
			continue;
		}
		rs->rec[rs->count].p = h->bytes;
		rs->rec[rs->count].len = h->len;
		if (++rs->count == GOSSIP_WIRE_RECORDS_MAX) {
			node_msg_send(n, to, reply);
			node_msg_init(n, GOSSIP_MSG_RECORDS);
		}
	}
	if (n->out->records.count) {
		node_msg_send(n, to, reply);
	}
}

static void send_digest(struct gossip_node *n, const char *to)
{
	struct gossip_wire_seqs *d;

	node_msg_init(n, GOSSIP_MSG_DIGEST);
	d = &n->out->seqs;
	for (size_t i = 0; i < n->norigins && d->count < GOSSIP_WIRE_DIGEST_MAX;
	     i++) {
		strcpy(d->e[d->count].origin, n->origins[i].name);
		d->e[d->count++].origin_seq = n->origins[i].max_seq;
	}
	if (node_msg_send(n, to, NULL) == 0) {
		n->st.digests++;
	}
}

/* MEMBERS: the next slice of the routers we know, and ourselves. */
static void send_members(struct gossip_node *n, const char *to)
{
	struct gossip_wire_members *ms;
	struct gossip_member_info mi;

	node_msg_init(n, GOSSIP_MSG_MEMBERS);
	ms = &n->out->members;
	ms->m[0] = (struct gossip_wire_member){
		.addr = n->address,
		.port = n->port,
		.incarnation = gossip_member_incarnation(n->m),
		.state = GOSSIP_WIRE_ALIVE,
		.cert = {.p = n->cert_bytes, .len = n->cert_len}};
	strcpy(ms->m[0].name, n->name);
	ms->count = 1;
	for (size_t k = 0;
	     k < n->nrouters && ms->count < GOSSIP_WIRE_MEMBERS_MAX; k++) {
		struct router *r =
			n->routers[(n->members_cursor + k) % n->nrouters];
		struct gossip_wire_member *w = &ms->m[ms->count];

		if (gossip_member_get(n->m, r->name, &mi) < 0 ||
		    mi.state == GOSSIP_MEMBER_LEFT ||
		    strcmp(r->name, to) == 0) {
			continue;
		}
		strcpy(w->name, r->name);
		w->addr = r->addr;
		w->port = r->port;
		w->incarnation = mi.incarnation;
		w->state = mi.state == GOSSIP_MEMBER_ALIVE ? GOSSIP_WIRE_ALIVE
			   : mi.state == GOSSIP_MEMBER_SUSPECT
				   ? GOSSIP_WIRE_SUSPECT
				   : GOSSIP_WIRE_DEAD;
		w->cert.p = r->cert_bytes;
		w->cert.len = r->cert_len;
		ms->count++;
	}
	if (n->nrouters) {
		n->members_cursor =
			(n->members_cursor + GOSSIP_WIRE_MEMBERS_MAX - 1) %
			n->nrouters;
	}
	if (node_msg_send(n, to, NULL) == 0) {
		n->st.members_sent++;
	}
}

/* MEMBERS with one claim: about is in state at incarnation. */
void node_send_claim(struct gossip_node *n, const char *to, const char *about,
		     int state, uint64_t incarnation)
{
	struct gossip_wire_member *w;
	struct router *r = NULL;

	if (strcmp(about, n->name) != 0) {
		r = node_router_by_name(n, about);
		if (!r) {
			return; /* no certificate to vouch for it */
		}
	}
	node_msg_init(n, GOSSIP_MSG_MEMBERS);
	w = &n->out->members.m[0];
	n->out->members.count = 1;
	strcpy(w->name, about);
	w->addr = r ? r->addr : n->address;
	w->port = r ? r->port : n->port;
	w->incarnation = incarnation;
	w->state = state == GOSSIP_MEMBER_ALIVE	    ? GOSSIP_WIRE_ALIVE
		   : state == GOSSIP_MEMBER_SUSPECT ? GOSSIP_WIRE_SUSPECT
						    : GOSSIP_WIRE_DEAD;
	w->cert.p = r ? r->cert_bytes : n->cert_bytes;
	w->cert.len = r ? r->cert_len : n->cert_len;
	if (node_msg_send(n, to, NULL) == 0) {
		n->st.members_sent++;
	}
}

void node_digest_in(struct gossip_node *n, const struct gossip_wire_seqs *d,
		    const struct gossip_from *from, const char *sender)
{
	/* copy out: replying reuses n->out, and d points into n->in */
	static struct gossip_wire_seqs want;
	bool listed[1024] = {false};

	want.count = 0;
	for (unsigned i = 0; i < d->count; i++) {
		struct origin *o = node_origin_get(n, d->e[i].origin, false);
		uint64_t mine = o ? o->max_seq : 0;

		if (o && (size_t)(o - n->origins) < 1024) {
			listed[o - n->origins] = true;
		}
		if (mine > d->e[i].origin_seq) {
			node_send_origin(n, sender, NULL, d->e[i].origin,
					 d->e[i].origin_seq);
		} else if (mine < d->e[i].origin_seq &&
			   strcmp(d->e[i].origin, n->name) != 0) {
			strcpy(want.e[want.count].origin, d->e[i].origin);
			want.e[want.count++].origin_seq = mine;
		}
	}
	for (size_t i = 0; i < n->norigins && i < 1024; i++) {
		if (!listed[i]) {
			node_send_origin(n, sender, NULL, n->origins[i].name,
					 0);
		}
	}
	if (want.count) {
		node_msg_init(n, GOSSIP_MSG_PULL);
		n->out->seqs = want;
		if (node_msg_send(n, sender, NULL) == 0) {
			n->st.pulls++;
		}
	}
	(void)from;
}

/* Every router we know, MEMBERS_MAX at a time (a router joining with an
 * empty view). */
void node_send_members_all(struct gossip_node *n, const char *to)
{
	for (size_t k = 0; k <= n->nrouters / (GOSSIP_WIRE_MEMBERS_MAX - 1);
	     k++) {
		send_members(n, to);
	}
}

/* A claim to the active view but skip: our own verdicts and the news we
 * hear, each forwarded once (when it changed something here). */
void node_claim_spread(struct gossip_node *n, const char *about, int state,
		       uint64_t incarnation, const char *skip)
{
	struct router *to[VIEW_MAX];
	size_t k = node_view_others(n, to, skip, about);

	for (size_t i = 0; i < k; i++) {
		node_send_claim(n, to[i]->name, about, state, incarnation);
	}
}

/* A digest to one neighbour, at random. */
void node_anti_entropy(struct gossip_node *n)
{
	struct router *r;

	if (n->nview == 0) {
		return;
	}
	r = n->view[node_rnd(n) % n->nview];
	send_digest(n, r->name);
	if (n->rounds++ % MEMBERS_EVERY == 0) {
		send_members(n, r->name);
	}
}
