/*
 * The gossip node, part: queries ("who has MAC m?"), flooded over the
 * views as an echo, each router answering its parent once its own
 * children answered or its deadline passed (node_internal.h).
 */
#include "gossip/node_internal.h"

#include <errno.h>
#include <string.h>

/* ---- queries: an echo over the views ----------------------------- */

static struct query *query_find(struct gossip_node *n, const char *origin,
				uint64_t id)
{
	for (size_t i = 0; i < QUERIES_MAX; i++) {
		struct query *q = &n->queries[i];

		if (q->used && q->id == id && strcmp(q->origin, origin) == 0) {
			return q;
		}
	}
	return NULL;
}

static struct query *query_alloc(struct gossip_node *n)
{
	for (size_t i = 0; i < QUERIES_MAX; i++) {
		struct query *q = &n->queries[i];

		if (!q->used || (!q->active && q->expires <= n->now)) {
			memset(q, 0, sizeof(*q));
			q->used = true;
			return q;
		}
	}
	n->st.queries_full++;
	return NULL;
}

/* An answer (ours from the HWDT, or a child's best) into q: the router
 * that saw mac last wins, with every IP it has for it. */
static void query_merge(struct query *q, const char *router,
			const struct gossip_wire_answer_entry *a, size_t count)
{
	uint64_t seen = 0;

	if (!router || !router[0] || count == 0) {
		return;
	}
	for (size_t j = 0; j < count; j++) {
		if (a[j].last_seen_ms > seen) {
			seen = a[j].last_seen_ms;
		}
	}
	if (q->best[0] && seen <= q->best_seen) {
		return;
	}
	strcpy(q->best, router);
	q->best_seen = seen;
	q->nips = count;
	memcpy(q->ips, a, count * sizeof(*a));
}

static void answer_send(struct gossip_node *n, const char *to,
			const struct gossip_from *reply, const char *origin,
			uint64_t id, uint32_t vn, const struct vrd_mac *mac,
			const char *router,
			const struct gossip_wire_answer_entry *ips, size_t nips)
{
	node_msg_init(n, GOSSIP_MSG_ANSWER);
	n->out->answer.query_id = id;
	strcpy(n->out->answer.origin, origin);
	n->out->answer.vn = vn;
	n->out->answer.mac = *mac;
	if (router && nips) {
		strcpy(n->out->answer.router, router);
		n->out->answer.count = (unsigned)nips;
		memcpy(n->out->answer.a, ips, nips * sizeof(*ips));
	}
	node_msg_send(n, to, reply);
}

/* Everyone asked has answered, or the deadline: ours is done, one we
 * passed on goes back to its parent with the best answer below it. */
void node_query_finish(struct gossip_node *n, struct query *q)
{
	q->active = false;
	q->expires = n->now + 2 * GOSSIP_NODE_QUERY_MS;
	if (q->parent[0]) {
		answer_send(n, q->parent, NULL, q->origin, q->id, q->vn,
			    &q->mac, q->best, q->ips, q->nips);
		return;
	}
	if (n->ops.query_done) {
		n->ops.query_done(q->id, q->vn, &q->mac,
				  q->best[0] ? q->best : NULL, q->ips, q->nips,
				  n->ops.arg);
	}
}

/* QUERY to the view but skip; how many were sent. */
static unsigned query_flood(struct gossip_node *n, const struct query *q,
			    uint16_t budget, const char *skip)
{
	struct router *to[VIEW_MAX];
	size_t k = node_view_others(n, to, skip, q->origin);
	unsigned sent = 0;

	node_msg_init(n, GOSSIP_MSG_QUERY);
	n->out->query = (struct gossip_wire_query){.query_id = q->id,
						   .budget_ms = budget,
						   .vn = q->vn,
						   .mac = q->mac};
	strcpy(n->out->query.origin, q->origin);
	for (size_t i = 0; i < k; i++) {
		if (node_msg_send_r(n, to[i], NULL) == 0) {
			sent++;
		}
	}
	return sent;
}

int64_t gossip_node_query(struct gossip_node *n, uint32_t vn,
			  const struct vrd_mac *mac, uint64_t now_ms)
{
	struct query *q;

	n->now = now_ms;
	q = query_alloc(n);
	if (!q) {
		return -EBUSY;
	}
	q->active = true;
	q->id = ++n->next_query_id;
	strcpy(q->origin, n->name);
	q->vn = vn;
	q->mac = *mac;
	q->deadline = now_ms + GOSSIP_NODE_QUERY_MS;
	n->st.queries++;
	q->asked = query_flood(n, q, GOSSIP_NODE_QUERY_MS - QUERY_HOP_MS, NULL);
	if (q->asked == 0) {
		q->deadline = now_ms; /* nobody to ask: "nobody" at the tick */
	}
	return (int64_t)q->id;
}

void node_answer_in(struct gossip_node *n, const char *sender,
		    const struct gossip_wire_answer *a)
{
	struct query *q = query_find(n, a->origin, a->query_id);

	if (!q || !q->active) {
		n->st.answers_stale++;
		return;
	}
	n->st.answers++;
	query_merge(q, a->router, a->a, a->count);
	if (++q->answered >= q->asked) {
		node_query_finish(n, q);
	}
}

/* A QUERY from sender: seen already, answered "seen" at once; otherwise
 * our own answer, and passed on to the view with less time, unless
 * there is no time left. */
void node_query_in(struct gossip_node *n, const char *sender,
		   const struct gossip_wire_query *qr)
{
	struct gossip_wire_query in = *qr; /* n->in is reused */
	struct gossip_wire_answer_entry mine[GOSSIP_WIRE_ANSWERS_MAX];
	size_t k = 0;
	struct query *q;

	if (n->ops.hwdt_by_mac) {
		k = n->ops.hwdt_by_mac(in.vn, &in.mac, mine,
				       GOSSIP_WIRE_ANSWERS_MAX, n->ops.arg);
	}
	if (k > GOSSIP_WIRE_ANSWERS_MAX) {
		k = GOSSIP_WIRE_ANSWERS_MAX;
	}
	if (strcmp(in.origin, n->name) == 0 ||
	    query_find(n, in.origin, in.query_id)) {
		n->st.queries_seen++;
		answer_send(n, sender, NULL, in.origin, in.query_id, in.vn,
			    &in.mac, NULL, NULL, 0);
		return;
	}
	q = in.budget_ms > QUERY_HOP_MS ? query_alloc(n) : NULL;
	if (!q) {
		/* no time or no room: our own answer only */
		answer_send(n, sender, NULL, in.origin, in.query_id, in.vn,
			    &in.mac, n->name, mine, k);
		return;
	}
	q->active = true;
	q->id = in.query_id;
	strcpy(q->origin, in.origin);
	strcpy(q->parent, sender);
	q->vn = in.vn;
	q->mac = in.mac;
	q->deadline = n->now + in.budget_ms - QUERY_HOP_MS / 2;
	query_merge(q, n->name, mine, k);
	q->asked = query_flood(n, q, in.budget_ms - QUERY_HOP_MS, sender);
	n->st.queries_forwarded += q->asked;
	if (q->asked == 0) {
		node_query_finish(n, q);
	}
}
