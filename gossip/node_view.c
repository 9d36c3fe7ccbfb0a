/*
 * The gossip node, part: the routers it knows and their certificates, the
 * active view (HyParView-style neighbours that carry rumours) and the
 * membership (SWIM) that feeds it (node_internal.h).
 */
#include "gossip/node_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- the active view ------------------------------------------------ */

/* The size of the active view the membership calls for: about
 * log2(N) / 2 + 3, at least view_min, at most the routers there are. */
static size_t view_target(struct gossip_node *n)
{
	size_t up = 1, t = 0;
	struct gossip_member_info mi;
	size_t cursor = 0;

	if (n->view_fixed) {
		return n->view_fixed < VIEW_MAX ? n->view_fixed : VIEW_MAX;
	}
	while (gossip_member_next(n->m, &cursor, &mi)) {
		if (gossip_member_state_up(mi.state)) {
			up++;
		}
	}
	while ((1u << t) < up) {
		t++;
	}
	t = t / 2 + 3;
	if (t < n->view_min) {
		t = n->view_min;
	}
	if (t > VIEW_MAX - VIEW_SLACK) {
		t = VIEW_MAX - VIEW_SLACK;
	}
	return t;
}

static void view_add(struct gossip_node *n, struct router *r)
{
	if (r->in_view || n->nview == VIEW_MAX) {
		return;
	}
	r->in_view = true;
	r->pending = false;
	r->lazy = false; /* a new link carries rumours until pruned */
	r->keep = false;
	n->view[n->nview++] = r;
	gossip_member_watch(n->m, r->name, true);
	node_conn_open(n, r);
}

void node_neighbor_send(struct gossip_node *n, struct router *r, uint8_t op)
{
	node_msg_init(n, GOSSIP_MSG_NEIGHBOR);
	n->out->neighbor.op = op;
	node_msg_send_r(n, r, NULL);
}

/* Out of the view; tell: say so to it (we evict it). */
static void view_del(struct gossip_node *n, struct router *r, bool tell)
{
	for (size_t i = 0; i < n->nview; i++) {
		if (n->view[i] != r) {
			continue;
		}
		n->view[i] = n->view[--n->nview];
		r->in_view = false;
		gossip_member_watch(n->m, r->name, false);
		if (tell) {
			node_neighbor_send(n, r, GOSSIP_WIRE_DISCONNECT);
		}
		return;
	}
}

/* A random known router to ask into the view: ALIVE, not in the view or
 * asked already, not refused lately; any_state: also SUSPECT and DEAD
 * ones (an empty view must find its way back). */
static struct router *view_candidate(struct gossip_node *n, bool any_state)
{
	size_t cand = 0;
	struct router *pick = NULL;

	for (size_t i = 0; i < n->nrouters; i++) {
		struct router *r = n->routers[i];

		if (r->in_view || r->pending || r->refused_until > n->now ||
		    r->state == GOSSIP_MEMBER_NONE ||
		    r->state == GOSSIP_MEMBER_LEFT ||
		    (!any_state && r->state != GOSSIP_MEMBER_ALIVE)) {
			continue;
		}
		/* reservoir sampling: uniform over the candidates */
		if (node_rnd(n) % ++cand == 0) {
			pick = r;
		}
	}
	return pick;
}

static size_t view_pending(const struct gossip_node *n)
{
	size_t k = 0;

	for (size_t i = 0; i < n->nrouters; i++) {
		if (n->routers[i]->pending) {
			k++;
		}
	}
	return k;
}

size_t node_tree_eager(const struct gossip_node *n);

/* Keeps the view at its target: joins time out, free places are asked
 * for at random (the member table is the passive view), idle on-demand
 * connections close. */
void node_view_tick(struct gossip_node *n)
{
	size_t target = view_target(n), pending = 0;

	for (size_t i = 0; i < n->nrouters; i++) {
		struct router *r = n->routers[i];

		if (r->pending &&
		    n->now >= r->pending_since + JOIN_TIMEOUT_MS) {
			r->pending = false;
			r->refused_until = n->now + REFUSED_MS;
		}
		if (r->connected && !r->in_view && !r->pending &&
		    n->now >= r->last_used + IDLE_CLOSE_MS) {
			node_conn_close(n, r);
		}
	}
	/* a rumour link went with a neighbour: lazy ones take over */
	for (size_t i = 0; i < n->nview && node_tree_eager(n) < TREE_EAGER_MIN;
	     i++) {
		if (n->view[i]->lazy) {
			node_tree_graft(n, n->view[i]->name);
		}
	}
	pending = view_pending(n);
	while (n->nview + pending < target) {
		struct router *r = view_candidate(n, false);

		if (!r && n->nview + pending == 0) {
			r = view_candidate(n, true);
		}
		if (!r) {
			break;
		}
		r->pending = true;
		r->pending_since = n->now;
		pending++;
		n->st.joins_sent++;
		node_neighbor_send(n, r,
				   n->nview == 0 ? GOSSIP_WIRE_JOIN_URGENT
						 : GOSSIP_WIRE_JOIN);
	}
}

/* NEIGHBOR op to r as a reply on the connection from (no connection of
 * ours is opened just to say no). */
static void neighbor_reply(struct gossip_node *n, struct router *r,
			   const struct gossip_from *from, uint8_t op)
{
	node_msg_init(n, GOSSIP_MSG_NEIGHBOR);
	n->out->neighbor.op = op;
	node_msg_send_r(n, r, from);
}

/* Something only a neighbour sends (a DIGEST) from r, which is not in our
 * view: r holds us in its view (we dropped it without telling, e.g. while
 * we held it dead). Symmetry again: in when there is room, else out of
 * its view too. */
void node_view_repair(struct gossip_node *n, struct router *r,
		      const struct gossip_from *from)
{
	if (r->in_view) {
		return;
	}
	if (r->pending || (r->state == GOSSIP_MEMBER_ALIVE &&
			   n->nview < view_target(n) + VIEW_SLACK)) {
		view_add(n, r);
		n->st.view_repaired++;
		return;
	}
	neighbor_reply(n, r, from, GOSSIP_WIRE_DISCONNECT);
}

/* Neighbours whose links carry rumours. */
size_t node_tree_eager(const struct gossip_node *n)
{
	size_t k = 0;

	for (size_t i = 0; i < n->nview; i++) {
		k += !n->view[i]->lazy;
	}
	return k;
}

void node_neighbor_in(struct gossip_node *n, struct router *r,
		      const struct gossip_from *from, uint8_t op)
{
	size_t target = view_target(n);

	switch (op) {
	case GOSSIP_WIRE_JOIN:
	case GOSSIP_WIRE_JOIN_URGENT:
		if (op == GOSSIP_WIRE_JOIN_URGENT && !r->members_given) {
			r->members_given = true; /* once per life of it */
			node_send_members_all(n, r->name);
		}
		if (!r->in_view && n->nview >= target + VIEW_SLACK) {
			if (op != GOSSIP_WIRE_JOIN_URGENT || n->nview == 0) {
				n->st.joins_refused++;
				neighbor_reply(n, r, from, GOSSIP_WIRE_REFUSE);
				return;
			}
			/* an isolated router gets in: a random one out */
			n->st.view_evicted++;
			view_del(n, n->view[node_rnd(n) % n->nview], true);
		}
		view_add(n, r);
		n->st.joins_accepted++;
		node_neighbor_send(n, r, GOSSIP_WIRE_ACCEPT);
		break;
	case GOSSIP_WIRE_ACCEPT:
		if (r->pending || r->in_view) {
			view_add(n, r);
		} else if (n->nview < target + VIEW_SLACK) {
			view_add(n, r); /* a late answer, still welcome */
		} else {
			neighbor_reply(n, r, from, GOSSIP_WIRE_DISCONNECT);
		}
		break;
	case GOSSIP_WIRE_REFUSE:
		r->pending = false;
		r->refused_until = n->now + REFUSED_MS;
		break;
	case GOSSIP_WIRE_DISCONNECT:
		n->st.disconnects++;
		r->pending = false;
		view_del(n, r, false);
		break;
	case GOSSIP_WIRE_PRUNE:
		if (r->in_view && !r->lazy &&
		    node_tree_eager(n) <= TREE_EAGER_MIN) {
			/* our last rumour links stay: say so */
			neighbor_reply(n, r, from, GOSSIP_WIRE_GRAFT);
			break;
		}
		r->lazy = true;
		break;
	case GOSSIP_WIRE_GRAFT:
		if (r->in_view && !r->lazy) {
			r->keep = true; /* a refused PRUNE */
		}
		r->lazy = false;
		if (!r->in_view) {
			node_view_repair(n, r, from);
		}
		break;
	}
}

/* Rumours go to every neighbour but the ones named. */
size_t node_view_others(struct gossip_node *n, struct router **out,
			const char *skip1, const char *skip2)
{
	size_t k = 0;

	for (size_t i = 0; i < n->nview; i++) {
		struct router *r = n->view[i];

		if ((skip1 && strcmp(r->name, skip1) == 0) ||
		    (skip2 && strcmp(r->name, skip2) == 0)) {
			continue;
		}
		out[k++] = r;
	}
	return k;
}

/* ---- routers and certificates --------------------------------------- */

/* A certificate from the wire: checks out against the CA and now. */
/* Unix seconds as RFC 3339, UTC, to the second. */
static const char *utc(uint64_t s, char buf[32])
{
	time_t t = (time_t)s;
	struct tm tm;

	if (!gmtime_r(&t, &tm) ||
	    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
		snprintf(buf, 32, "%llu", (unsigned long long)s);
	}
	return buf;
}

bool node_cert_revoked(const struct gossip_node *n, const uint8_t *p,
		       size_t len)
{
	uint8_t fp[GOSSIP_CERT_FPBYTES];

	if (n->nrevoked == 0) {
		return false;
	}
	gossip_cert_fingerprint_bytes(fp, p, len);
	for (size_t i = 0; i < n->nrevoked; i++) {
		if (memcmp(fp, n->revoked[i], sizeof(fp)) == 0) {
			return true;
		}
	}
	return false;
}

int node_cert_accept(struct gossip_node *n, const uint8_t *p, size_t len,
		     struct gossip_cert *out)
{
	uint64_t now = (uint64_t)time(NULL);
	char t[32];
	int rc;

	if (node_cert_revoked(n, p, len)) {
		n->st.revoked++;
		if (len <= GOSSIP_CERT_MAX &&
		    gossip_cert_decode(out, p, len) == 0) {
			log_ratelimited(&n->rl, VRD_LOG_WARN,
					"gossip: certificate of %s refused: "
					"revoked",
					out->name);
		}
		return -EKEYREJECTED;
	}
	if (len > GOSSIP_CERT_MAX || gossip_cert_decode(out, p, len) < 0) {
		n->st.bad_cert++;
		log_ratelimited(&n->rl, VRD_LOG_WARN,
				"gossip: a certificate that does not decode "
				"(%zu bytes): refused",
				len);
		return -EKEYREJECTED;
	}
	rc = gossip_cert_verify(out, &n->ca, now);
	if (rc < 0) {
		/* say why: an operator renews, re-issues or fixes the CA */
		n->st.bad_cert++;
		if (rc == -EKEYEXPIRED && now > out->not_after) {
			log_ratelimited(&n->rl, VRD_LOG_WARN,
					"gossip: certificate of %s refused: "
					"expired at %s",
					out->name, utc(out->not_after, t));
		} else if (rc == -EKEYEXPIRED) {
			log_ratelimited(&n->rl, VRD_LOG_WARN,
					"gossip: certificate of %s refused: "
					"not valid before %s",
					out->name, utc(out->not_before, t));
		} else {
			log_ratelimited(&n->rl, VRD_LOG_WARN,
					"gossip: certificate of %s refused: "
					"%s",
					out->name,
					rc == -EKEYREJECTED
						? "not signed by our CA"
						: "malformed");
		}
		return -EKEYREJECTED;
	}
	return 0;
}

/* A member we know offers a certificate that outlasts the one we hold,
 * for the same key: renewed (vrctl ca issue --renew, then SIGHUP). It
 * replaces ours, so the old one's expiry does not cut the router off;
 * the key, and so the connection, stay. */
static void cert_renewed(struct gossip_node *n,
			 const struct gossip_wire_member *w)
{
	struct router *r = node_router_by_name(n, w->name);
	struct gossip_cert cert;

	if (!r || w->cert.len == 0 ||
	    (w->cert.len == r->cert_len &&
	     memcmp(w->cert.p, r->cert_bytes, r->cert_len) == 0)) {
		return; /* the one we hold */
	}
	if (node_cert_accept(n, w->cert.p, w->cert.len, &cert) < 0 ||
	    strcmp(cert.name, w->name) != 0 ||
	    memcmp(&cert.key, &r->cert.key, sizeof(cert.key)) != 0 ||
	    cert.not_after <= r->cert.not_after) {
		return;
	}
	node_router_learn(n, &cert, w->cert.p, w->cert.len, r->addr, r->port);
	n->st.certs_renewed++;
}

/* Learns (or updates) a router we have a checked certificate for. Only
 * knowledge: connections are for the view and on demand. */
struct router *node_router_learn(struct gossip_node *n,
				 const struct gossip_cert *cert,
				 const uint8_t *bytes, size_t len,
				 uint32_t addr, uint16_t port)
{
	struct router *r = node_router_by_name(n, cert->name);
	struct gossip_pub pub;
	uint8_t curve[GOSSIP_CURVE_KEYBYTES];
	bool fresh = !r;

	if (strcmp(cert->name, n->name) == 0) {
		return NULL; /* ourselves, told by someone else */
	}
	memcpy(&pub, &cert->key, sizeof(pub));
	if (gossip_curve_from_pub(curve, &pub) < 0) {
		return NULL;
	}
	if (!r) {
		if (n->nrouters == ROUTERS_MAX) {
			n->st.routers_full++;
			return NULL;
		}
		if (n->nrouters == n->caprouters) {
			size_t cap = n->caprouters ? 2 * n->caprouters : 16;
			struct router **v =
				realloc(n->routers, cap * sizeof(*v));

			if (!v) {
				return NULL;
			}
			n->routers = v;
			n->caprouters = cap;
		}
		r = calloc(1, sizeof(*r));
		if (!r) {
			return NULL;
		}
		n->routers[n->nrouters++] = r;
		strcpy(r->name, cert->name);
	}
	r->cert = *cert;
	memcpy(r->cert_bytes, bytes, len);
	r->cert_len = len;
	if (fresh || r->addr != addr || r->port != port ||
	    memcmp(r->curve, curve, sizeof(curve)) != 0) {
		bool was = r->connected;

		memcpy(r->curve, curve, sizeof(curve));
		r->addr = addr;
		r->port = port;
		node_conn_close(n,
				r); /* a new address or key: a new connection */
		if (was) {
			node_conn_open(n, r);
		}
		gossip_member_update(n->m, r->name, addr, port, 0,
				     GOSSIP_MEMBER_ALIVE, n->now);
	}
	return r;
}

/* ---- membership ------------------------------------------------------ */

/* A claim moved r to another address (its underlay changed): our
 * connection to it follows. */
static void router_follow(struct gossip_node *n, struct router *r)
{
	struct gossip_member_info mi;
	bool was = r->connected;

	if (gossip_member_get(n->m, r->name, &mi) < 0 ||
	    (mi.addr == r->addr && mi.port == r->port)) {
		return;
	}
	r->addr = mi.addr;
	r->port = mi.port;
	node_conn_close(n, r);
	if (was) {
		node_conn_open(n, r);
	}
}

/* Claims about routers (rumours, answers to a join, anti-entropy): what
 * changes something here is passed on to the view once. */
void node_members_in(struct gossip_node *n,
		     const struct gossip_wire_members *ms, const char *sender)
{
	for (unsigned i = 0; i < ms->count; i++) {
		const struct gossip_wire_member *w = &ms->m[i];
		struct gossip_cert cert;
		int state = w->state == GOSSIP_WIRE_ALIVE ? GOSSIP_MEMBER_ALIVE
			    : w->state == GOSSIP_WIRE_SUSPECT
				    ? GOSSIP_MEMBER_SUSPECT
				    : GOSSIP_MEMBER_DEAD;

		if (strcmp(w->name, n->name) == 0) {
			/* about us: refute anything but alive */
			if (state != GOSSIP_MEMBER_ALIVE) {
				gossip_member_refute(n->m, w->incarnation,
						     n->now);
			}
			continue;
		}
		if (!node_router_by_name(n, w->name)) {
			if (node_cert_accept(n, w->cert.p, w->cert.len, &cert) <
				    0 ||
			    strcmp(cert.name, w->name) != 0) {
				continue;
			}
			node_router_learn(n, &cert, w->cert.p, w->cert.len,
					  w->addr, w->port);
		} else {
			cert_renewed(n, w);
		}
		if (gossip_member_update(n->m, w->name, w->addr, w->port,
					 w->incarnation, state, n->now) == 1) {
			struct router *r = node_router_by_name(n, w->name);

			if (r && state == GOSSIP_MEMBER_ALIVE) {
				router_follow(n, r);
			}
			n->st.claims_forwarded++;
			node_claim_spread(n, w->name, state, w->incarnation,
					  sender);
		}
	}
}

/* A router went DEAD or LEFT: out of the view, its connection closed
 * (a view neighbour is replaced at the next view tick). */
static void router_down(struct gossip_node *n, const char *name)
{
	struct router *r = node_router_by_name(n, name);

	if (!r) {
		return;
	}
	view_del(n, r, false);
	r->pending = false;
	node_conn_close(n, r);
}

void node_actions_run(struct gossip_node *n)
{
	struct gossip_member_action a[ACTIONS_MAX];
	size_t k;

	while ((k = gossip_member_tick(n->m, n->now, a, ACTIONS_MAX)) > 0) {
		for (size_t i = 0; i < k; i++) {
			struct router *r = node_router_by_name(n, a[i].to);

			switch (a[i].kind) {
			case GOSSIP_MEMBER_SEND_PING:
				if (!r) {
					break;
				}
				node_msg_init(n, GOSSIP_MSG_PING);
				n->out->probe.probe_id = a[i].probe_id;
				node_msg_send(n, r->name, NULL);
				break;
			case GOSSIP_MEMBER_SEND_PING_REQ:
			case GOSSIP_MEMBER_SEND_ACK_RELAY:
				if (!r) {
					break;
				}
				node_msg_init(
					n,
					a[i].kind == GOSSIP_MEMBER_SEND_PING_REQ
						? GOSSIP_MSG_PING_REQ
						: GOSSIP_MSG_ACK);
				n->out->probe.probe_id = a[i].probe_id;
				strcpy(n->out->probe.target, a[i].about);
				node_msg_send(n, r->name, NULL);
				break;
			case GOSSIP_MEMBER_SEND_NOTICE:
				/* tell it what we believe, so it refutes */
				if (r) {
					node_send_claim(n, r->name, a[i].about,
							a[i].state,
							a[i].incarnation);
				}
				break;
			case GOSSIP_MEMBER_ANNOUNCE:
				node_claim_spread(n, a[i].about, a[i].state,
						  a[i].incarnation, NULL);
				break;
			case GOSSIP_MEMBER_STATE_CHANGE: {
				struct router *c =
					node_router_by_name(n, a[i].about);

				if (c) {
					c->state = a[i].state;
				}
				if (!gossip_member_state_up(a[i].state)) {
					router_down(n, a[i].about);
				}
				if (n->ops.peer_state) {
					n->ops.peer_state(a[i].about, a[i].addr,
							  a[i].old_state,
							  a[i].state,
							  n->ops.arg);
				}
				break;
			}
			case GOSSIP_MEMBER_RENEWED:
				if (n->ops.peer_renewed) {
					n->ops.peer_renewed(a[i].about,
							    a[i].incarnation,
							    n->ops.arg);
				}
				break;
			}
		}
		if (k < ACTIONS_MAX) {
			break;
		}
	}
}
