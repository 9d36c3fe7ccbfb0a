/*
 * The gossip node, part: direct messages from one router to another,
 * over a connection of their own or relayed through a neighbour
 * (node_internal.h).
 */
#include "gossip/node_internal.h"

#include <errno.h>
#include <string.h>

/* ---- direct messages ------------------------------------------------ */

static int direct_send(struct gossip_node *n, struct router *via,
		       const char *from, const char *to, uint8_t hops,
		       const uint8_t *payload, size_t len)
{
	node_msg_init(n, GOSSIP_MSG_DIRECT);
	strcpy(n->out->direct.from, from);
	strcpy(n->out->direct.to, to);
	n->out->direct.hops = hops;
	n->out->direct.payload.p = payload;
	n->out->direct.payload.len = len;
	return node_msg_send_r(n, via, NULL);
}

int gossip_node_send_direct(struct gossip_node *n, const char *to,
			    const uint8_t *payload, size_t len)
{
	struct router *r = node_router_by_name(n, to), *via = NULL;
	size_t cand = 0;
	int rc, rc2 = -ENOENT;

	if (len > GOSSIP_DIRECT_MAX) {
		return -EMSGSIZE;
	}
	if (len == 0) {
		return -EINVAL;
	}
	if (!r) {
		return -ENOENT;
	}
	rc = direct_send(n, r, n->name, to, 0, payload, len);
	if (rc == 0) {
		n->st.direct_sent++;
	}
	/* a connection that works (a neighbour's, or one that brought
	 * something lately) is enough; otherwise a neighbour relays a copy
	 * as well, for when TCP between the two is blocked */
	if (rc == 0 &&
	    (r->in_view ||
	     (r->last_rx && n->now < r->last_rx + DIRECT_FRESH_MS))) {
		return 0;
	}
	for (size_t i = 0; i < n->nview; i++) {
		if (n->view[i] != r && node_rnd(n) % ++cand == 0) {
			via = n->view[i];
		}
	}
	if (via) {
		rc2 = direct_send(n, via, n->name, to, 0, payload, len);
		if (rc2 == 0) {
			n->st.direct_relayed_out++;
		}
	}
	return rc == 0 || rc2 == 0 ? 0 : rc;
}

void node_direct_in(struct gossip_node *n, const char *sender,
		    const struct gossip_wire_direct *d)
{
	struct router *r;

	if (strcmp(d->to, n->name) == 0) {
		n->st.direct_delivered++;
		if (n->ops.direct) {
			n->ops.direct(d->from, d->payload.p, d->payload.len,
				      n->ops.arg);
		}
		return;
	}
	/* a relay: once, and only for the router that sent it to us */
	r = node_router_by_name(n, d->to);
	if (d->hops != 0 || strcmp(d->from, sender) != 0 || !r) {
		n->st.direct_dropped++;
		return;
	}
	struct gossip_wire_direct keep = *d; /* n->out is about to change */
	if (direct_send(n, r, keep.from, keep.to, 1, keep.payload.p,
			keep.payload.len) == 0) {
		n->st.direct_relayed++;
	} else {
		n->st.direct_dropped++;
	}
}

bool gossip_node_peer_cert(const struct gossip_node *n, const char *name,
			   struct gossip_cert *out)
{
	struct gossip_member_info mi;

	for (size_t i = 0; i < n->nrouters; i++) {
		const struct router *r = n->routers[i];

		if (strcmp(r->name, name) != 0) {
			continue;
		}
		if (gossip_member_get(n->m, name, &mi) < 0 ||
		    !gossip_member_state_up(mi.state)) {
			return false;
		}
		*out = r->cert;
		return true;
	}
	return false;
}
