/*
 * The gossip node, part: signed records, held per origin with the highest
 * sequence number, and their dissemination over the view as a Plumtree
 * (eager pushes on the tree, lazy announcements and grafts off it)
 * (node_internal.h).
 */
#include "gossip/node_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- records --------------------------------------------------------- */

static uint64_t held_hash(const char *origin, uint32_t vn,
			  const struct vrd_prefix *p)
{
	uint64_t h = 1469598103934665603ull;

	for (const char *c = origin; *c; c++) {
		h = (h ^ (uint8_t)*c) * 1099511628211ull;
	}
	h = (h ^ vn) * 1099511628211ull;
	h = (h ^ p->addr) * 1099511628211ull;
	return (h ^ p->len) * 1099511628211ull;
}

static struct held *held_slot(struct gossip_node *n, const char *origin,
			      uint32_t vn, const struct vrd_prefix *p)
{
	size_t i = held_hash(origin, vn, p) & (n->capheld - 1);

	for (;;) {
		struct held *h = &n->held[i];

		if (!h->used || (h->r.vn == vn && h->r.prefix.addr == p->addr &&
				 h->r.prefix.len == p->len &&
				 strcmp(h->r.origin, origin) == 0)) {
			return h;
		}
		i = (i + 1) & (n->capheld - 1);
	}
}

int node_held_grow(struct gossip_node *n)
{
	struct held *old = n->held;
	size_t oldcap = n->capheld;

	n->capheld = oldcap ? 2 * oldcap : 256;
	n->held = calloc(n->capheld, sizeof(*n->held));
	if (!n->held) {
		n->held = old;
		n->capheld = oldcap;
		return -ENOMEM;
	}
	for (size_t i = 0; i < oldcap; i++) {
		if (old[i].used) {
			*held_slot(n, old[i].r.origin, old[i].r.vn,
				   &old[i].r.prefix) = old[i];
		}
	}
	free(old);
	return 0;
}

struct origin *node_origin_get(struct gossip_node *n, const char *name,
			       bool create)
{
	for (size_t i = 0; i < n->norigins; i++) {
		if (strcmp(n->origins[i].name, name) == 0) {
			return &n->origins[i];
		}
	}
	if (!create) {
		return NULL;
	}
	if (n->norigins == n->caporigins) {
		size_t cap = n->caporigins ? 2 * n->caporigins : 16;
		struct origin *v = realloc(n->origins, cap * sizeof(*v));

		if (!v) {
			return NULL;
		}
		n->origins = v;
		n->caporigins = cap;
	}
	memset(&n->origins[n->norigins], 0, sizeof(*n->origins));
	strcpy(n->origins[n->norigins].name, name);
	return &n->origins[n->norigins++];
}

size_t gossip_node_host_records(const struct gossip_node *n, uint32_t vn,
				uint32_t ip, struct gossip_record *out,
				size_t max)
{
	struct vrd_prefix p = {.addr = ip, .len = 32};
	size_t k = 0;

	if (n->capheld == 0) {
		return 0;
	}
	for (size_t i = 0; i < n->norigins; i++) {
		/* held_slot only reads: n is not changed */
		const struct held *h = held_slot((struct gossip_node *)n,
						 n->origins[i].name, vn, &p);

		if (h->used && h->r.type == GOSSIP_RECORD_HOST) {
			if (k < max) {
				out[k] = h->r;
			}
			k++;
		}
	}
	return k;
}

/* Keeps a verified record; false when it is not newer than the one held. */
static bool held_put(struct gossip_node *n, const struct gossip_record *r,
		     const uint8_t *bytes, size_t len)
{
	struct held *h;
	struct origin *o;

	if ((n->nheld + 1) * 2 > n->capheld && node_held_grow(n) < 0) {
		return false;
	}
	h = held_slot(n, r->origin, r->vn, &r->prefix);
	if (h->used && !gossip_record_newer(&h->r, r)) {
		return false;
	}
	if (!h->used) {
		n->nheld++;
	}
	h->used = true;
	h->r = *r;
	memcpy(h->bytes, bytes, len);
	h->len = (uint16_t)len;
	o = node_origin_get(n, r->origin, true);
	if (o && r->origin_seq > o->max_seq) {
		o->max_seq = r->origin_seq;
	}
	return true;
}

/* One record to the active view (but skip1, skip2) as a RECORDS
 * message: every router forwards a record once, when it is new to it, so
 * a rumour floods the view graph. */
static void spread(struct gossip_node *n, const uint8_t *bytes, size_t len,
		   const char *skip1, const char *skip2)
{
	struct router *to[VIEW_MAX];
	size_t k = node_view_others(n, to, skip1, skip2);

	node_msg_init(n, GOSSIP_MSG_RECORDS);
	n->out->records.count = 1;
	n->out->records.rec[0].p = bytes;
	n->out->records.rec[0].len = len;
	for (size_t i = 0; i < k; i++) {
		if (!to[i]->lazy && node_msg_send_r(n, to[i], NULL) == 0) {
			n->st.forwarded++;
		}
	}
}

/* Plumtree (Leitao et al., 2007): a rumour that reaches us a second time
 * came over a link that closes a cycle of rumour links: that link stops
 * carrying rumours (both ends). What remains is about a spanning tree of
 * the view graph, so a record costs about N messages instead of N times
 * the view. A record that reaches us first from a pruned link (through
 * anti-entropy) shows the tree missed us: that link carries rumours
 * again. */
static void tree_prune(struct gossip_node *n, const char *via)
{
	struct router *r = node_router_by_name(n, via);

	if (!r || !r->in_view || r->lazy || r->keep ||
	    node_tree_eager(n) <= TREE_EAGER_MIN) {
		return;
	}
	r->lazy = true;
	n->st.pruned++;
	node_neighbor_send(n, r, GOSSIP_WIRE_PRUNE);
}

void node_tree_graft(struct gossip_node *n, const char *via)
{
	struct router *r = node_router_by_name(n, via);

	if (!r || !r->in_view || !r->lazy) {
		return;
	}
	r->lazy = false;
	n->st.grafted++;
	node_neighbor_send(n, r, GOSSIP_WIRE_GRAFT);
}

/* A record from via: rumour, pushed by a neighbour (RECORDS with one
 * record), or anti-entropy's answer. */
void node_record_in(struct gossip_node *n, const uint8_t *bytes, size_t len,
		    const char *via, bool rumour)
{
	struct gossip_record r;
	struct router *o;
	struct held *h;
	int rc;

	if (gossip_record_decode(bytes, len, &r) < 0) {
		n->st.malformed++;
		return;
	}
	if (strcmp(r.origin, n->name) == 0) {
		/* our own, back again: a cycle */
		if (rumour) {
			tree_prune(n, via);
		}
		return;
	}
	o = node_router_by_name(n, r.origin);
	if (!o) {
		n->st.unknown_origin++; /* anti-entropy brings it later */
		return;
	}
	if (o->revoked) {
		n->st.revoked++; /* relayed by others: still its record */
		return;
	}
	/* A flood brings each record once per neighbour: the copies after
	 * the first are not newer than what we hold, and would be dropped
	 * after the check of their signature anyway. Without it they cost
	 * no Ed25519 verification (the most expensive step here). */
	h = held_slot(n, r.origin, r.vn, &r.prefix);
	if (h->used && !gossip_record_newer(&h->r, &r)) {
		n->st.stale++;
		if (rumour && h->r.origin_seq == r.origin_seq) {
			tree_prune(n, via); /* the same rumour twice */
		}
		return;
	}
	rc = gossip_record_verify(&r, bytes, len, &o->cert, node_wall_ms());
	if (rc == -EKEYREJECTED || rc == -EINVAL) {
		n->st.forged++;
		log_ratelimited(&n->rl, VRD_LOG_WARN,
				"gossip: forged record from %s via %s dropped",
				r.origin, via);
		return;
	}
	if (rc == -EPERM) {
		n->st.refused++;
		log_ratelimited(&n->rl, VRD_LOG_WARN,
				"gossip: record of %s outside its certificate "
				"dropped",
				r.origin);
		return;
	}
	if (rc == -EACCES) {
		n->st.out_of_scope++;
		log_ratelimited(&n->rl, VRD_LOG_WARN,
				"gossip: claim of %s outside its certificate's "
				"visitors dropped",
				r.origin);
		return;
	}
	if (rc < 0) {
		n->st.future++;
		return;
	}
	if (!held_put(n, &r, bytes, len)) {
		n->st.stale++;
		return;
	}
	n->st.accepted++;
	if (n->ops.record) {
		n->ops.record(&r, n->ops.arg);
	}
	if (!rumour) {
		node_tree_graft(n, via);
	}
	spread(n, bytes, len, via, r.origin); /* forward once: it was new */
}

static int publish(struct gossip_node *n, struct gossip_record *r)
{
	uint8_t bytes[GOSSIP_RECORD_ENCODED_MAX];
	size_t len;
	uint64_t w = node_wall_ms();
	int rc;

	strcpy(r->origin, n->name);
	/* above anything used before, even if the persisted counter was
	 * lost: a wall-clock floor in microseconds */
	n->origin_seq =
		n->origin_seq + 1 > w * 1000 ? n->origin_seq + 1 : w * 1000;
	r->origin_seq = n->origin_seq;
	r->time_ms = w;
	rc = gossip_record_encode_signed(bytes, sizeof(bytes), &len, r, n->key);
	if (rc < 0) {
		return rc;
	}
	if (n->ops.origin_seq_used) {
		n->ops.origin_seq_used(n->origin_seq, n->ops.arg);
	}
	held_put(n, r, bytes, len);
	n->st.published++;
	spread(n, bytes, len, NULL, NULL);
	return 0;
}

int gossip_node_publish_network(struct gossip_node *n, uint32_t vn,
				const struct vrd_prefix *prefix)
{
	struct gossip_record r = {
		.type = GOSSIP_RECORD_NETWORK, .vn = vn, .prefix = *prefix};

	return publish(n, &r);
}

int gossip_node_withdraw(struct gossip_node *n, uint32_t vn,
			 const struct vrd_prefix *prefix)
{
	struct gossip_record r = {
		.type = GOSSIP_RECORD_WITHDRAW, .vn = vn, .prefix = *prefix};

	return publish(n, &r);
}

int gossip_node_claim(struct gossip_node *n, uint32_t vn, uint32_t ip,
		      const struct vrd_mac *mac, uint64_t mobility_seq)
{
	struct gossip_record r = {.type = GOSSIP_RECORD_HOST,
				  .vn = vn,
				  .prefix = {.addr = ip, .len = 32},
				  .mac = *mac,
				  .mobility_seq = mobility_seq};

	return publish(n, &r);
}
