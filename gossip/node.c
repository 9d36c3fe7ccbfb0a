/*
 * The gossip node (gossip/node.h, docs/gossip.md): transport, trust,
 * membership, signed records, rumour mongering, anti-entropy, queries.
 */
#include "gossip/node.h"
#include "base/counter.h"
#include "gossip/transport.h"
#include "base/clock.h"
#include "base/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* UDP certificate exchange for bootstrap peers. A request is padded to
 * at least the size of any reply, so the exchange amplifies nothing. */
#define CERT_MAGIC GOSSIP_UDP_MAGIC
#define CERT_HDR 6 /* magic, version 1, type */
#define CERT_REQUEST 1
#define CERT_REPLY 2
#define CERT_REQUEST_LEN (CERT_HDR + GOSSIP_CERT_MAX)
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

struct node_stats {
	uint64_t malformed, unverified, bad_sender, forged, refused, future;
	uint64_t stale, unknown_origin, accepted, forwarded, published;
	uint64_t bad_cert, digests, pulls, members_sent, hello_sent;
	uint64_t bootstrap_requests, bootstrap_replies, bootstrap_bad;
	uint64_t queries, answers, send_errors;
	uint64_t queries_forwarded, queries_seen, queries_full, answers_stale;
	uint64_t joins_sent, joins_accepted, joins_refused, view_evicted;
	uint64_t disconnects, conn_opened, conn_closed, routers_full;
	uint64_t view_repaired, pruned, grafted;
	uint64_t claims_forwarded;
	uint64_t direct_sent, direct_relayed_out, direct_relayed;
	uint64_t direct_delivered, direct_dropped;
	uint64_t udp_send_errors, address_changes;
};

struct gossip_node {
	char name[VRD_NAME_MAX + 1];
	struct gossip_node_ops ops;
	const struct gossip_key *key;
	struct gossip_cert cert;
	uint8_t cert_bytes[GOSSIP_CERT_MAX];
	size_t cert_len;
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

/* ---- small things --------------------------------------------------- */

static uint64_t rnd(struct gossip_node *n)
{
	/* splitmix64: peer choice only, nothing secret */
	uint64_t z = (n->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t wall_ms(void)
{
	return vrd_wallclock_ms();
}

static struct router *router_by_name(struct gossip_node *n, const char *name)
{
	for (size_t i = 0; i < n->nrouters; i++) {
		if (strcmp(n->routers[i]->name, name) == 0) {
			return n->routers[i];
		}
	}
	return NULL;
}

static struct router *router_by_key(struct gossip_node *n, const uint8_t *key)
{
	for (size_t i = 0; i < n->nrouters; i++) {
		if (memcmp(n->routers[i]->curve, key, GOSSIP_CURVE_KEYBYTES) ==
		    0) {
			return n->routers[i];
		}
	}
	return NULL;
}

static bool key_known(const uint8_t key[GOSSIP_CURVE_KEYBYTES], void *arg)
{
	return router_by_key(arg, key) != NULL;
}

/* ---- connections ---------------------------------------------------- */

static void msg_init(struct gossip_node *n, uint8_t type)
{
	memset(n->out, 0, sizeof(*n->out));
	n->out->type = type;
	strcpy(n->out->sender, n->name);
}

static int encode(struct gossip_node *n, size_t *len)
{
	int rc = gossip_wire_encode(n->buf, GOSSIP_WIRE_MSG_MAX, len, n->out);

	if (rc < 0) {
		n->st.send_errors++;
	}
	return rc;
}

static int hello_send(struct gossip_node *n, struct router *r);

/* A DEALER to r, opened on demand; its first message is our HELLO, so
 * the other end knows our key before anything else arrives. */
static int conn_open(struct gossip_node *n, struct router *r)
{
	int rc;

	r->last_used = n->now;
	if (r->connected) {
		return 0;
	}
	rc = gossip_transport_peer_set(n->t, r->name, r->addr, r->port,
				       r->curve);
	if (rc < 0) {
		n->st.send_errors++;
		return rc;
	}
	r->connected = true;
	n->st.conn_opened++;
	return hello_send(n, r);
}

static void conn_close(struct gossip_node *n, struct router *r)
{
	if (!r->connected) {
		return;
	}
	gossip_transport_peer_del(n->t, r->name);
	r->connected = false;
	n->st.conn_closed++;
}

/* n->out to r (over a connection opened on demand), or as a reply on the
 * connection a message came in on. */
static int msg_send_r(struct gossip_node *n, struct router *r,
		      const struct gossip_from *reply)
{
	size_t len;
	int rc = reply ? 0 : conn_open(n, r);

	if (rc == 0) {
		rc = encode(n, &len);
	}
	if (rc < 0) {
		return rc;
	}
	if (reply) {
		rc = gossip_transport_reply(n->t, reply, n->buf, len);
	} else {
		rc = gossip_transport_send(n->t, r->name, n->buf, len);
	}
	if (rc < 0) {
		n->st.send_errors++;
	}
	return rc;
}

/* n->out to the router named to, or as a reply (to NULL). */
static int msg_send(struct gossip_node *n, const char *to,
		    const struct gossip_from *reply)
{
	struct router *r = NULL;

	if (!reply) {
		r = to ? router_by_name(n, to) : NULL;
		if (!r) {
			n->st.send_errors++;
			return -ENOENT;
		}
	}
	return msg_send_r(n, r, reply);
}

static int hello_send(struct gossip_node *n, struct router *r)
{
	struct gossip_wire_msg *h = n->aux; /* n->out may be under way */
	uint8_t buf[GOSSIP_WIRE_HELLO_MAX];
	size_t len;
	int rc;

	memset(h, 0, sizeof(*h));
	h->type = GOSSIP_MSG_HELLO;
	strcpy(h->sender, n->name);
	h->hello.cert.p = n->cert_bytes;
	h->hello.cert.len = n->cert_len;
	h->hello.incarnation = gossip_member_incarnation(n->m);
	h->hello.addr = n->address;
	h->hello.port = n->port;
	rc = gossip_wire_encode(buf, sizeof(buf), &len, h);
	if (rc == 0) {
		rc = gossip_transport_send(n->t, r->name, buf, len);
	}
	if (rc < 0) {
		n->st.send_errors++;
		return rc;
	}
	n->st.hello_sent++;
	return 0;
}

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
	conn_open(n, r);
}

static void neighbor_send(struct gossip_node *n, struct router *r, uint8_t op)
{
	msg_init(n, GOSSIP_MSG_NEIGHBOR);
	n->out->neighbor.op = op;
	msg_send_r(n, r, NULL);
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
			neighbor_send(n, r, GOSSIP_WIRE_DISCONNECT);
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
		if (rnd(n) % ++cand == 0) {
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

static size_t tree_eager(const struct gossip_node *n);
static void tree_graft(struct gossip_node *n, const char *via);

/* Keeps the view at its target: joins time out, free places are asked
 * for at random (the member table is the passive view), idle on-demand
 * connections close. */
static void view_tick(struct gossip_node *n)
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
			conn_close(n, r);
		}
	}
	/* a rumour link went with a neighbour: lazy ones take over */
	for (size_t i = 0; i < n->nview && tree_eager(n) < TREE_EAGER_MIN;
	     i++) {
		if (n->view[i]->lazy) {
			tree_graft(n, n->view[i]->name);
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
		neighbor_send(n, r,
			      n->nview == 0 ? GOSSIP_WIRE_JOIN_URGENT
					    : GOSSIP_WIRE_JOIN);
	}
}

static void send_members_all(struct gossip_node *n, const char *to);

/* NEIGHBOR op to r as a reply on the connection from (no connection of
 * ours is opened just to say no). */
static void neighbor_reply(struct gossip_node *n, struct router *r,
			   const struct gossip_from *from, uint8_t op)
{
	msg_init(n, GOSSIP_MSG_NEIGHBOR);
	n->out->neighbor.op = op;
	msg_send_r(n, r, from);
}

/* Something only a neighbour sends (a DIGEST) from r, which is not in our
 * view: r holds us in its view (we dropped it without telling, e.g. while
 * we held it dead). Symmetry again: in when there is room, else out of
 * its view too. */
static void view_repair(struct gossip_node *n, struct router *r,
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
static size_t tree_eager(const struct gossip_node *n)
{
	size_t k = 0;

	for (size_t i = 0; i < n->nview; i++) {
		k += !n->view[i]->lazy;
	}
	return k;
}

static void neighbor_in(struct gossip_node *n, struct router *r,
			const struct gossip_from *from, uint8_t op)
{
	size_t target = view_target(n);

	switch (op) {
	case GOSSIP_WIRE_JOIN:
	case GOSSIP_WIRE_JOIN_URGENT:
		if (op == GOSSIP_WIRE_JOIN_URGENT && !r->members_given) {
			r->members_given = true; /* once per life of it */
			send_members_all(n, r->name);
		}
		if (!r->in_view && n->nview >= target + VIEW_SLACK) {
			if (op != GOSSIP_WIRE_JOIN_URGENT || n->nview == 0) {
				n->st.joins_refused++;
				neighbor_reply(n, r, from, GOSSIP_WIRE_REFUSE);
				return;
			}
			/* an isolated router gets in: a random one out */
			n->st.view_evicted++;
			view_del(n, n->view[rnd(n) % n->nview], true);
		}
		view_add(n, r);
		n->st.joins_accepted++;
		neighbor_send(n, r, GOSSIP_WIRE_ACCEPT);
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
		if (r->in_view && !r->lazy && tree_eager(n) <= TREE_EAGER_MIN) {
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
			view_repair(n, r, from);
		}
		break;
	}
}

/* Rumours go to every neighbour but the ones named. */
static size_t view_others(struct gossip_node *n, struct router **out,
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
static int cert_accept(struct gossip_node *n, const uint8_t *p, size_t len,
		       struct gossip_cert *out)
{
	if (len > GOSSIP_CERT_MAX || gossip_cert_decode(out, p, len) < 0 ||
	    gossip_cert_verify(out, &n->ca, (uint64_t)time(NULL)) < 0) {
		n->st.bad_cert++;
		return -EKEYREJECTED;
	}
	return 0;
}

/* Learns (or updates) a router we have a checked certificate for. Only
 * knowledge: connections are for the view and on demand. */
static struct router *router_learn(struct gossip_node *n,
				   const struct gossip_cert *cert,
				   const uint8_t *bytes, size_t len,
				   uint32_t addr, uint16_t port)
{
	struct router *r = router_by_name(n, cert->name);
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
		conn_close(n, r); /* a new address or key: a new connection */
		if (was) {
			conn_open(n, r);
		}
		gossip_member_update(n->m, r->name, addr, port, 0,
				     GOSSIP_MEMBER_ALIVE, n->now);
	}
	return r;
}

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

static int held_grow(struct gossip_node *n)
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

static struct origin *origin_get(struct gossip_node *n, const char *name,
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

/* Keeps a verified record; false when it is not newer than the one held. */
static bool held_put(struct gossip_node *n, const struct gossip_record *r,
		     const uint8_t *bytes, size_t len)
{
	struct held *h;
	struct origin *o;

	if ((n->nheld + 1) * 2 > n->capheld && held_grow(n) < 0) {
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
	o = origin_get(n, r->origin, true);
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
	size_t k = view_others(n, to, skip1, skip2);

	msg_init(n, GOSSIP_MSG_RECORDS);
	n->out->records.count = 1;
	n->out->records.rec[0].p = bytes;
	n->out->records.rec[0].len = len;
	for (size_t i = 0; i < k; i++) {
		if (!to[i]->lazy && msg_send_r(n, to[i], NULL) == 0) {
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
	struct router *r = router_by_name(n, via);

	if (!r || !r->in_view || r->lazy || r->keep ||
	    tree_eager(n) <= TREE_EAGER_MIN) {
		return;
	}
	r->lazy = true;
	n->st.pruned++;
	neighbor_send(n, r, GOSSIP_WIRE_PRUNE);
}

static void tree_graft(struct gossip_node *n, const char *via)
{
	struct router *r = router_by_name(n, via);

	if (!r || !r->in_view || !r->lazy) {
		return;
	}
	r->lazy = false;
	n->st.grafted++;
	neighbor_send(n, r, GOSSIP_WIRE_GRAFT);
}

/* A record from via: rumour, pushed by a neighbour (RECORDS with one
 * record), or anti-entropy's answer. */
static void record_in(struct gossip_node *n, const uint8_t *bytes, size_t len,
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
	o = router_by_name(n, r.origin);
	if (!o) {
		n->st.unknown_origin++; /* anti-entropy brings it later */
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
	rc = gossip_record_verify(&r, bytes, len, &o->cert, wall_ms());
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
		tree_graft(n, via);
	}
	spread(n, bytes, len, via, r.origin); /* forward once: it was new */
}

static int publish(struct gossip_node *n, struct gossip_record *r)
{
	uint8_t bytes[GOSSIP_RECORD_ENCODED_MAX];
	size_t len;
	uint64_t w = wall_ms();
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

/* ---- anti-entropy ---------------------------------------------------- */

/* Every record of origin above seq to `to`, RECORDS_MAX at a time. */
static void send_origin(struct gossip_node *n, const char *to,
			const struct gossip_from *reply, const char *origin,
			uint64_t above)
{
	msg_init(n, GOSSIP_MSG_RECORDS);
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
			msg_send(n, to, reply);
			msg_init(n, GOSSIP_MSG_RECORDS);
		}
	}
	if (n->out->records.count) {
		msg_send(n, to, reply);
	}
}

static void send_digest(struct gossip_node *n, const char *to)
{
	struct gossip_wire_seqs *d;

	msg_init(n, GOSSIP_MSG_DIGEST);
	d = &n->out->seqs;
	for (size_t i = 0; i < n->norigins && d->count < GOSSIP_WIRE_DIGEST_MAX;
	     i++) {
		strcpy(d->e[d->count].origin, n->origins[i].name);
		d->e[d->count++].origin_seq = n->origins[i].max_seq;
	}
	if (msg_send(n, to, NULL) == 0) {
		n->st.digests++;
	}
}

/* MEMBERS: the next slice of the routers we know, and ourselves. */
static void send_members(struct gossip_node *n, const char *to)
{
	struct gossip_wire_members *ms;
	struct gossip_member_info mi;

	msg_init(n, GOSSIP_MSG_MEMBERS);
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
	if (msg_send(n, to, NULL) == 0) {
		n->st.members_sent++;
	}
}

/* MEMBERS with one claim: about is in state at incarnation. */
static void send_claim(struct gossip_node *n, const char *to, const char *about,
		       int state, uint64_t incarnation)
{
	struct gossip_wire_member *w;
	struct router *r = NULL;

	if (strcmp(about, n->name) != 0) {
		r = router_by_name(n, about);
		if (!r) {
			return; /* no certificate to vouch for it */
		}
	}
	msg_init(n, GOSSIP_MSG_MEMBERS);
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
	if (msg_send(n, to, NULL) == 0) {
		n->st.members_sent++;
	}
}

static void digest_in(struct gossip_node *n, const struct gossip_wire_seqs *d,
		      const struct gossip_from *from, const char *sender)
{
	/* copy out: replying reuses n->out, and d points into n->in */
	static struct gossip_wire_seqs want;
	bool listed[1024] = {false};

	want.count = 0;
	for (unsigned i = 0; i < d->count; i++) {
		struct origin *o = origin_get(n, d->e[i].origin, false);
		uint64_t mine = o ? o->max_seq : 0;

		if (o && (size_t)(o - n->origins) < 1024) {
			listed[o - n->origins] = true;
		}
		if (mine > d->e[i].origin_seq) {
			send_origin(n, sender, NULL, d->e[i].origin,
				    d->e[i].origin_seq);
		} else if (mine < d->e[i].origin_seq &&
			   strcmp(d->e[i].origin, n->name) != 0) {
			strcpy(want.e[want.count].origin, d->e[i].origin);
			want.e[want.count++].origin_seq = mine;
		}
	}
	for (size_t i = 0; i < n->norigins && i < 1024; i++) {
		if (!listed[i]) {
			send_origin(n, sender, NULL, n->origins[i].name, 0);
		}
	}
	if (want.count) {
		msg_init(n, GOSSIP_MSG_PULL);
		n->out->seqs = want;
		if (msg_send(n, sender, NULL) == 0) {
			n->st.pulls++;
		}
	}
	(void)from;
}

/* Every router we know, MEMBERS_MAX at a time (a router joining with an
 * empty view). */
static void send_members_all(struct gossip_node *n, const char *to)
{
	for (size_t k = 0; k <= n->nrouters / (GOSSIP_WIRE_MEMBERS_MAX - 1);
	     k++) {
		send_members(n, to);
	}
}

/* A claim to the active view but skip: our own verdicts and the news we
 * hear, each forwarded once (when it changed something here). */
static void claim_spread(struct gossip_node *n, const char *about, int state,
			 uint64_t incarnation, const char *skip)
{
	struct router *to[VIEW_MAX];
	size_t k = view_others(n, to, skip, about);

	for (size_t i = 0; i < k; i++) {
		send_claim(n, to[i]->name, about, state, incarnation);
	}
}

/* A digest to one neighbour, at random. */
static void anti_entropy(struct gossip_node *n)
{
	struct router *r;

	if (n->nview == 0) {
		return;
	}
	r = n->view[rnd(n) % n->nview];
	send_digest(n, r->name);
	if (n->rounds++ % MEMBERS_EVERY == 0) {
		send_members(n, r->name);
	}
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
	conn_close(n, r);
	if (was) {
		conn_open(n, r);
	}
}

/* Claims about routers (rumours, answers to a join, anti-entropy): what
 * changes something here is passed on to the view once. */
static void members_in(struct gossip_node *n,
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
		if (!router_by_name(n, w->name)) {
			if (cert_accept(n, w->cert.p, w->cert.len, &cert) < 0 ||
			    strcmp(cert.name, w->name) != 0) {
				continue;
			}
			router_learn(n, &cert, w->cert.p, w->cert.len, w->addr,
				     w->port);
		}
		if (gossip_member_update(n->m, w->name, w->addr, w->port,
					 w->incarnation, state, n->now) == 1) {
			struct router *r = router_by_name(n, w->name);

			if (r && state == GOSSIP_MEMBER_ALIVE) {
				router_follow(n, r);
			}
			n->st.claims_forwarded++;
			claim_spread(n, w->name, state, w->incarnation, sender);
		}
	}
}

/* A router went DEAD or LEFT: out of the view, its connection closed
 * (a view neighbour is replaced at the next view tick). */
static void router_down(struct gossip_node *n, const char *name)
{
	struct router *r = router_by_name(n, name);

	if (!r) {
		return;
	}
	view_del(n, r, false);
	r->pending = false;
	conn_close(n, r);
}

static void actions_run(struct gossip_node *n)
{
	struct gossip_member_action a[ACTIONS_MAX];
	size_t k;

	while ((k = gossip_member_tick(n->m, n->now, a, ACTIONS_MAX)) > 0) {
		for (size_t i = 0; i < k; i++) {
			struct router *r = router_by_name(n, a[i].to);

			switch (a[i].kind) {
			case GOSSIP_MEMBER_SEND_PING:
				if (!r) {
					break;
				}
				msg_init(n, GOSSIP_MSG_PING);
				n->out->probe.probe_id = a[i].probe_id;
				msg_send(n, r->name, NULL);
				break;
			case GOSSIP_MEMBER_SEND_PING_REQ:
			case GOSSIP_MEMBER_SEND_ACK_RELAY:
				if (!r) {
					break;
				}
				msg_init(
					n,
					a[i].kind == GOSSIP_MEMBER_SEND_PING_REQ
						? GOSSIP_MSG_PING_REQ
						: GOSSIP_MSG_ACK);
				n->out->probe.probe_id = a[i].probe_id;
				strcpy(n->out->probe.target, a[i].about);
				msg_send(n, r->name, NULL);
				break;
			case GOSSIP_MEMBER_SEND_NOTICE:
				/* tell it what we believe, so it refutes */
				if (r) {
					send_claim(n, r->name, a[i].about,
						   a[i].state,
						   a[i].incarnation);
				}
				break;
			case GOSSIP_MEMBER_ANNOUNCE:
				claim_spread(n, a[i].about, a[i].state,
					     a[i].incarnation, NULL);
				break;
			case GOSSIP_MEMBER_STATE_CHANGE: {
				struct router *c =
					router_by_name(n, a[i].about);

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
			}
		}
		if (k < ACTIONS_MAX) {
			break;
		}
	}
}

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
	msg_init(n, GOSSIP_MSG_ANSWER);
	n->out->answer.query_id = id;
	strcpy(n->out->answer.origin, origin);
	n->out->answer.vn = vn;
	n->out->answer.mac = *mac;
	if (router && nips) {
		strcpy(n->out->answer.router, router);
		n->out->answer.count = (unsigned)nips;
		memcpy(n->out->answer.a, ips, nips * sizeof(*ips));
	}
	msg_send(n, to, reply);
}

/* Everyone asked has answered, or the deadline: ours is done, one we
 * passed on goes back to its parent with the best answer below it. */
static void query_finish(struct gossip_node *n, struct query *q)
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
	size_t k = view_others(n, to, skip, q->origin);
	unsigned sent = 0;

	msg_init(n, GOSSIP_MSG_QUERY);
	n->out->query = (struct gossip_wire_query){.query_id = q->id,
						   .budget_ms = budget,
						   .vn = q->vn,
						   .mac = q->mac};
	strcpy(n->out->query.origin, q->origin);
	for (size_t i = 0; i < k; i++) {
		if (msg_send_r(n, to[i], NULL) == 0) {
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

static void answer_in(struct gossip_node *n, const char *sender,
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
		query_finish(n, q);
	}
}

/* A QUERY from sender: seen already, answered "seen" at once; otherwise
 * our own answer, and passed on to the view with less time, unless
 * there is no time left. */
static void query_in(struct gossip_node *n, const char *sender,
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
		query_finish(n, q);
	}
}

/* ---- direct messages ------------------------------------------------ */

static int direct_send(struct gossip_node *n, struct router *via,
		       const char *from, const char *to, uint8_t hops,
		       const uint8_t *payload, size_t len)
{
	msg_init(n, GOSSIP_MSG_DIRECT);
	strcpy(n->out->direct.from, from);
	strcpy(n->out->direct.to, to);
	n->out->direct.hops = hops;
	n->out->direct.payload.p = payload;
	n->out->direct.payload.len = len;
	return msg_send_r(n, via, NULL);
}

int gossip_node_send_direct(struct gossip_node *n, const char *to,
			    const uint8_t *payload, size_t len)
{
	struct router *r = router_by_name(n, to), *via = NULL;
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
		if (n->view[i] != r && rnd(n) % ++cand == 0) {
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

static void direct_in(struct gossip_node *n, const char *sender,
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
	r = router_by_name(n, d->to);
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

/* ---- messages -------------------------------------------------------- */

static void hello_in(struct gossip_node *n, const struct gossip_from *from,
		     const struct gossip_wire_msg *m)
{
	struct gossip_cert cert;
	uint8_t curve[GOSSIP_CURVE_KEYBYTES];
	struct gossip_pub pub;

	if (cert_accept(n, m->hello.cert.p, m->hello.cert.len, &cert) < 0 ||
	    strcmp(cert.name, m->sender) != 0) {
		log_ratelimited(&n->rl, VRD_LOG_WARN,
				"gossip: hello from %s with a certificate "
				"that does not check out",
				m->sender);
		return;
	}
	memcpy(&pub, &cert.key, sizeof(pub));
	gossip_curve_from_pub(curve, &pub);
	if (memcmp(curve, from->key, sizeof(curve)) != 0) {
		n->st.bad_cert++; /* someone else's certificate */
		return;
	}
	struct router *r =
		router_learn(n, &cert, m->hello.cert.p, m->hello.cert.len,
			     m->hello.addr, m->hello.port);

	if (!r) {
		return;
	}
	r->last_rx = n->now;
	/* news (a newcomer, a restart): a rumour for everyone */
	if (gossip_member_update(n->m, cert.name, m->hello.addr, m->hello.port,
				 m->hello.incarnation, GOSSIP_MEMBER_ALIVE,
				 n->now) == 1) {
		r->members_given = false;
		n->st.claims_forwarded++;
		claim_spread(n, cert.name, GOSSIP_MEMBER_ALIVE,
			     m->hello.incarnation, cert.name);
	}
}

static void on_message(const struct gossip_from *from, const uint8_t *msg,
		       size_t len, void *arg)
{
	struct gossip_node *n = arg;
	struct gossip_wire_msg *m = n->in;
	struct router *r;
	char sender[VRD_NAME_MAX + 1];

	if (gossip_wire_decode(msg, len, m) < 0) {
		n->st.malformed++;
		return;
	}
	r = from->peer ? router_by_name(n, from->peer)
		       : router_by_key(n, from->key);
	if (m->type == GOSSIP_MSG_HELLO) {
		hello_in(n, from, m);
		return;
	}
	/* The CURVE key is authenticated; whether it is a known router's is
	 * decided now, not by the ZAP tag, which was fixed at the handshake,
	 * before the HELLO on that connection introduced the key. */
	if (!r) {
		n->st.unverified++; /* only a HELLO may introduce a key */
		return;
	}
	if (strcmp(r->name, m->sender) != 0) {
		n->st.bad_sender++; /* a certified router lying about who */
		return;
	}
	strcpy(sender, r->name);
	/* last_used counts our sends only: a router that keeps talking to
	 * us over its own connection does not keep ours open */
	r->last_rx = n->now;
	gossip_member_on_message_from(n->m, sender, n->now);
	switch (m->type) {
	case GOSSIP_MSG_PING: {
		uint32_t id = m->probe.probe_id;

		msg_init(n, GOSSIP_MSG_ACK);
		n->out->probe.probe_id = id;
		strcpy(n->out->probe.target, n->name);
		msg_send(n, NULL, from);
		break;
	}
	case GOSSIP_MSG_ACK:
		gossip_member_on_ack(n->m, m->probe.target, m->probe.probe_id,
				     strcmp(m->probe.target, sender) != 0,
				     n->now);
		break;
	case GOSSIP_MSG_PING_REQ:
		gossip_member_on_ping_req(n->m, sender, m->probe.target,
					  m->probe.probe_id, n->now);
		break;
	case GOSSIP_MSG_RECORDS: {
		/* the entries point into msg, which outlives this call */
		struct gossip_wire_bytes recs[GOSSIP_WIRE_RECORDS_MAX];
		unsigned count = m->records.count;

		memcpy(recs, m->records.rec, count * sizeof(*recs));
		for (unsigned i = 0; i < count; i++) {
			record_in(n, recs[i].p, recs[i].len, sender,
				  count == 1 && r->in_view && !r->lazy);
		}
		break;
	}
	case GOSSIP_MSG_DIGEST:
		view_repair(n, r, from);
		digest_in(n, &m->seqs, from, sender);
		break;
	case GOSSIP_MSG_PULL: {
		static struct gossip_wire_seqs pull;

		pull = m->seqs;
		for (unsigned i = 0; i < pull.count; i++) {
			send_origin(n, sender, NULL, pull.e[i].origin,
				    pull.e[i].origin_seq);
		}
		break;
	}
	case GOSSIP_MSG_MEMBERS:
		members_in(n, &m->members, sender);
		break;
	case GOSSIP_MSG_QUERY:
		query_in(n, sender, &m->query);
		break;
	case GOSSIP_MSG_ANSWER:
		answer_in(n, sender, &m->answer);
		break;
	case GOSSIP_MSG_NEIGHBOR:
		neighbor_in(n, r, from, m->neighbor.op);
		break;
	case GOSSIP_MSG_DIRECT:
		direct_in(n, sender, &m->direct);
		break;
	}
}

/* ---- bootstrap over UDP --------------------------------------------- */

static void udp_send(struct gossip_node *n, uint32_t addr, uint16_t port,
		     const uint8_t *p, size_t len)
{
	struct sockaddr_in sin = {.sin_family = AF_INET,
				  .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(addr)};
	int rc = 0;

	if (n->ops.udp_send) {
		rc = n->ops.udp_send(addr, port, p, len, n->ops.arg);
	} else if (sendto(n->udp, p, len, MSG_DONTWAIT, (struct sockaddr *)&sin,
			  sizeof(sin)) < 0) {
		rc = -errno;
	}
	if (rc < 0) {
		n->st.udp_send_errors++;
	}
}

static bool boot_known(struct gossip_node *n, const struct bootstrap *b)
{
	for (size_t i = 0; i < n->nrouters; i++) {
		if (n->routers[i]->addr == b->addr &&
		    n->routers[i]->port == b->port) {
			return true;
		}
	}
	return b->addr == n->address && b->port == n->port;
}

static void bootstrap_tick(struct gossip_node *n)
{
	uint8_t req[CERT_REQUEST_LEN] = {0};

	memcpy(req, CERT_MAGIC, 4);
	req[4] = 1;
	req[5] = CERT_REQUEST;
	for (size_t i = 0; i < n->nboot; i++) {
		struct bootstrap *b = &n->boot[i];

		if (b->next_try > n->now || boot_known(n, b)) {
			continue;
		}
		udp_send(n, b->addr, b->port, req, sizeof(req));
		n->st.bootstrap_requests++;
		b->tries++;
		b->next_try = n->now + BOOTSTRAP_RETRY_MS *
					       (b->tries < 5 ? b->tries : 5);
	}
}

/* One datagram of ours (CERT-REQUEST, CERT-REPLY) from addr:port. */
static void udp_datagram(struct gossip_node *n, const uint8_t *p, size_t len,
			 uint32_t addr, uint16_t port)
{
	struct gossip_cert cert;

	if (len < CERT_HDR || memcmp(p, CERT_MAGIC, 4) != 0 || p[4] != 1) {
		n->st.bootstrap_bad++;
		return;
	}
	if (p[5] == CERT_REQUEST && len >= CERT_REQUEST_LEN) {
		uint8_t rep[CERT_HDR + GOSSIP_CERT_MAX];

		memcpy(rep, CERT_MAGIC, 4);
		rep[4] = 1;
		rep[5] = CERT_REPLY;
		memcpy(rep + CERT_HDR, n->cert_bytes, n->cert_len);
		udp_send(n, addr, port, rep, CERT_HDR + n->cert_len);
		n->st.bootstrap_replies++;
	} else if (p[5] == CERT_REPLY && len - CERT_HDR <= GOSSIP_CERT_MAX &&
		   cert_accept(n, p + CERT_HDR, len - CERT_HDR, &cert) == 0) {
		if (router_learn(n, &cert, p + CERT_HDR, len - CERT_HDR, addr,
				 port) &&
		    n->nview == 0) {
			n->next_view = n->now; /* join it at once */
		}
	} else {
		n->st.bootstrap_bad++;
	}
}

static void udp_in(struct gossip_node *n)
{
	uint8_t p[CERT_REQUEST_LEN + 64];

	for (int k = 0; n->udp >= 0 && k < UDP_BUDGET; k++) {
		struct sockaddr_in sin;
		socklen_t slen = sizeof(sin);
		ssize_t len = recvfrom(n->udp, p, sizeof(p), MSG_DONTWAIT,
				       (struct sockaddr *)&sin, &slen);

		if (len < 0) {
			return;
		}
		udp_datagram(n, p, (size_t)len, ntohl(sin.sin_addr.s_addr),
			     ntohs(sin.sin_port));
	}
}

void gossip_node_udp_input(struct gossip_node *n, const uint8_t *buf,
			   size_t len, uint32_t addr, uint16_t port,
			   uint64_t now_ms)
{
	n->now = now_ms;
	udp_datagram(n, buf, len, addr, port);
	actions_run(n);
}

/* ---- the node's life ------------------------------------------------ */

static void fd_watch(int fd, bool added, void *arg)
{
	struct gossip_node *n = arg;

	if (n->ops.fd_watch) {
		n->ops.fd_watch(fd, added, n->ops.arg);
	}
}

int gossip_node_process(struct gossip_node *n, unsigned budget, uint64_t now_ms)
{
	int more;

	n->now = now_ms;
	udp_in(n);
	more = gossip_transport_process(n->t, budget);
	actions_run(n);
	return more;
}

void gossip_node_tick(struct gossip_node *n, uint64_t now_ms)
{
	n->now = now_ms;
	/* what arrived first: an ACK or a refutation waiting unread must
	 * not turn into a suspicion or a verdict (a busy loop may reach the
	 * timer before the fd) */
	udp_in(n);
	gossip_transport_process(n->t, TICK_DRAIN);
	bootstrap_tick(n);
	if (now_ms >= n->next_view) {
		view_tick(n);
		n->next_view = now_ms + VIEW_TICK_MS;
	}
	if (now_ms >= n->next_anti_entropy) {
		anti_entropy(n);
		n->next_anti_entropy = now_ms + n->anti_entropy_ms;
	}
	for (size_t i = 0; i < QUERIES_MAX; i++) {
		struct query *q = &n->queries[i];

		if (q->active && q->deadline <= now_ms) {
			query_finish(n, q);
		} else if (q->used && !q->active && q->expires <= now_ms) {
			q->used = false;
		}
	}
	actions_run(n);
}

uint64_t gossip_node_next_ms(const struct gossip_node *n)
{
	uint64_t next = gossip_member_next_ms(n->m);

	if (n->next_anti_entropy < next) {
		next = n->next_anti_entropy;
	}
	if (n->next_view < next) {
		next = n->next_view;
	}
	for (size_t i = 0; i < n->nboot; i++) {
		if (!boot_known((struct gossip_node *)n, &n->boot[i]) &&
		    n->boot[i].next_try < next) {
			next = n->boot[i].next_try;
		}
	}
	for (size_t i = 0; i < QUERIES_MAX; i++) {
		const struct query *q = &n->queries[i];

		if (q->active && q->deadline < next) {
			next = q->deadline;
		}
	}
	return next;
}

static int udp_open(uint32_t addr, uint16_t port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET,
				  .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(addr)};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		return -errno;
	}
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	return fd;
}

int gossip_node_set_address(struct gossip_node *n, uint32_t addr,
			    uint64_t now_ms)
{
	int udp = -1, rc;

	n->now = now_ms;
	if (addr == n->address) {
		return 0;
	}
	if (addr == 0) {
		return -EINVAL;
	}
	if (n->udp >= 0) {
		udp = udp_open(addr, n->port);
		if (udp < 0) {
			return udp;
		}
	}
	rc = gossip_transport_rebind(n->t, addr, n->port);
	if (rc < 0) {
		if (udp >= 0) {
			close(udp);
		}
		return rc;
	}
	if (udp >= 0) {
		fd_watch(n->udp, false, n);
		close(n->udp);
		n->udp = udp;
		fd_watch(n->udp, true, n);
	}
	n->address = addr;
	n->st.address_changes++;
	/* a higher incarnation carries the new address past every claim
	 * about the old one: our view hears it at once (a HELLO on each
	 * connection we hold), everyone else through the ANNOUNCE's rumour */
	gossip_member_renew(n->m, now_ms);
	for (size_t i = 0; i < n->nrouters; i++) {
		if (n->routers[i]->connected) {
			hello_send(n, n->routers[i]);
		}
	}
	actions_run(n);
	return 0;
}

struct gossip_node *gossip_node_create(const struct gossip_node_config *cfg,
				       const struct gossip_node_ops *ops,
				       uint64_t now_ms, char *err,
				       size_t errlen)
{
	struct gossip_transport_config tc = {.address = cfg->address,
					     .port = cfg->port,
					     .key_known = key_known,
					     .on_message = on_message,
					     .queue_early = true,
					     .fd_watch = fd_watch};
	struct gossip_member_params mp = cfg->member;
	struct gossip_curve_keys keys;
	struct gossip_node *n = calloc(1, sizeof(*n));

	if (!n) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	strcpy(n->name, cfg->name);
	n->ops = *ops;
	n->key = cfg->key;
	n->cert = *cfg->cert;
	n->ca = *cfg->ca;
	n->address = cfg->address;
	n->port = cfg->port;
	n->view_min = cfg->fanout ? cfg->fanout : GOSSIP_NODE_FANOUT;
	n->view_fixed = cfg->view;
	n->anti_entropy_ms = cfg->anti_entropy_ms ? cfg->anti_entropy_ms
						  : GOSSIP_NODE_ANTI_ENTROPY_MS;
	n->origin_seq = cfg->origin_seq;
	n->rl = (struct vrd_ratelimit)VRD_RATELIMIT_INIT(10000, 5);
	n->udp = -1;
	if (getrandom(&n->rng, sizeof(n->rng), 0) != sizeof(n->rng)) {
		n->rng = now_ms;
	}
	n->in = malloc(sizeof(*n->in));
	n->out = malloc(sizeof(*n->out));
	n->aux = malloc(sizeof(*n->aux));
	n->buf = malloc(GOSSIP_WIRE_MSG_MAX);
	n->queries = calloc(QUERIES_MAX, sizeof(*n->queries));
	if (!n->in || !n->out || !n->aux || !n->buf || !n->queries ||
	    held_grow(n) < 0) {
		snprintf(err, errlen, "out of memory");
		goto err_free;
	}
	if (gossip_cert_encode(n->cert_bytes, sizeof(n->cert_bytes),
			       &n->cert_len, &n->cert) < 0 ||
	    gossip_curve_from_key(&keys, cfg->key) < 0) {
		snprintf(err, errlen, "gossip: unusable key or certificate");
		goto err_free;
	}
	for (size_t i = 0; i < cfg->nbootstrap && i < GOSSIP_NODE_BOOTSTRAP_MAX;
	     i++) {
		n->boot[n->nboot++] =
			(struct bootstrap){.addr = cfg->bootstrap_addr[i],
					   .port = cfg->bootstrap_port[i]};
	}
	if (!mp.probe_interval_ms) {
		gossip_member_params_default(&mp);
	}
	mp.seed = rnd(n);
	mp.watched_only = true; /* probe the active view only */
	if (!mp.health_max) {
		mp.health_max = GOSSIP_MEMBER_HEALTH_MAX; /* Lifeguard */
	}
	n->m = gossip_member_create(n->name, cfg->incarnation, &mp, now_ms);
	if (!n->m) {
		snprintf(err, errlen, "gossip: membership: out of memory");
		goto err_free;
	}
	tc.keys = &keys;
	tc.arg = n;
	n->t = gossip_transport_create(&tc, err, errlen);
	explicit_bzero(&keys, sizeof(keys)); /* the transport has a copy */
	if (!n->t) {
		goto err_member;
	}
	if (!ops->udp_send) {
		n->udp = udp_open(cfg->address, cfg->port);
		if (n->udp < 0) {
			snprintf(err, errlen, "gossip: udp port %u: %s",
				 (unsigned)cfg->port, strerror(-n->udp));
			goto err_transport;
		}
		fd_watch(n->udp, true, n);
	}
	n->now = now_ms;
	n->next_anti_entropy = now_ms + n->anti_entropy_ms;
	n->next_view = now_ms;
	return n;

err_transport:
	gossip_transport_destroy(n->t);
err_member:
	gossip_member_destroy(n->m);
err_free:
	free(n->in);
	free(n->out);
	free(n->aux);
	free(n->buf);
	free(n->queries);
	free(n->held);
	free(n);
	return NULL;
}

void gossip_node_destroy(struct gossip_node *n)
{
	if (!n) {
		return;
	}
	/* tell the others we leave, so they do not wait for a timeout */
	gossip_member_leave(n->m, n->now);
	actions_run(n);
	if (n->udp >= 0) {
		fd_watch(n->udp, false, n);
		close(n->udp);
	}
	gossip_transport_destroy(n->t);
	gossip_member_destroy(n->m);
	for (size_t i = 0; i < n->nrouters; i++) {
		free(n->routers[i]);
	}
	free(n->routers);
	free(n->held);
	free(n->origins);
	free(n->in);
	free(n->out);
	free(n->aux);
	free(n->buf);
	free(n->queries);
	free(n);
}

bool gossip_node_peer_next(const struct gossip_node *n, size_t *cursor,
			   struct gossip_member_info *out)
{
	return gossip_member_next(n->m, cursor, out);
}

size_t gossip_node_record_count(const struct gossip_node *n)
{
	return n->nheld;
}

static uint64_t tree_lazy(const struct gossip_node *n)
{
	uint64_t k = 0;

	for (size_t i = 0; i < n->nview; i++) {
		k += n->view[i]->lazy;
	}
	return k;
}

static uint64_t conns_open(const struct gossip_node *n)
{
	uint64_t k = 0;

	for (size_t i = 0; i < n->nrouters; i++) {
		k += n->routers[i]->connected;
	}
	return k;
}

int gossip_node_counters(const struct gossip_node *n,
			 int (*fn)(const char *name, uint64_t value, void *arg),
			 void *arg)
{
	const struct node_stats *s = &n->st;
	struct gossip_transport_stats ts;
	struct gossip_member_stats ms;

	gossip_transport_get_stats(n->t, &ts);
	gossip_member_get_stats(n->m, &ms);
	const struct vrd_counter c[] = {
		{"gossip.msgs_in", ts.msgs_in},
		{"gossip.bytes_in", ts.bytes_in},
		{"gossip.msgs_out", ts.msgs_out},
		{"gossip.bytes_out", ts.bytes_out},
		{"gossip.drop.malformed", s->malformed},
		{"gossip.drop.unverified", s->unverified},
		{"gossip.drop.bad_sender", s->bad_sender},
		{"gossip.drop.bad_cert", s->bad_cert},
		{"gossip.drop.forged", s->forged},
		{"gossip.drop.refused", s->refused},
		{"gossip.drop.future", s->future},
		{"gossip.drop.stale", s->stale},
		{"gossip.drop.unknown_origin", s->unknown_origin},
		{"gossip.drop.oversized", ts.dropped_oversized},
		{"gossip.drop.send", ts.dropped_send + s->send_errors},
		{"gossip.records", n->nheld},
		{"gossip.records.accepted", s->accepted},
		{"gossip.records.published", s->published},
		{"gossip.records.forwarded", s->forwarded},
		{"gossip.digests", s->digests},
		{"gossip.pulls", s->pulls},
		{"gossip.members_sent", s->members_sent},
		{"gossip.hellos", s->hello_sent},
		{"gossip.bootstrap.requests", s->bootstrap_requests},
		{"gossip.bootstrap.replies", s->bootstrap_replies},
		{"gossip.bootstrap.bad", s->bootstrap_bad},
		{"gossip.queries", s->queries},
		{"gossip.answers", s->answers},
		{"gossip.queries.forwarded", s->queries_forwarded},
		{"gossip.queries.seen", s->queries_seen},
		{"gossip.drop.queries_full", s->queries_full},
		{"gossip.drop.answers_stale", s->answers_stale},
		{"gossip.view.size", n->nview},
		{"gossip.view.joins_sent", s->joins_sent},
		{"gossip.view.joins_accepted", s->joins_accepted},
		{"gossip.view.joins_refused", s->joins_refused},
		{"gossip.view.evicted", s->view_evicted},
		{"gossip.view.disconnects", s->disconnects},
		{"gossip.view.repaired", s->view_repaired},
		{"gossip.tree.pruned", s->pruned},
		{"gossip.tree.grafted", s->grafted},
		{"gossip.tree.lazy", tree_lazy(n)},
		{"gossip.conn.open", conns_open(n)},
		{"gossip.conn.opened", s->conn_opened},
		{"gossip.conn.closed", s->conn_closed},
		{"gossip.drop.routers_full", s->routers_full},
		{"gossip.claims_forwarded", s->claims_forwarded},
		{"gossip.direct.sent", s->direct_sent},
		{"gossip.direct.relayed_out", s->direct_relayed_out},
		{"gossip.direct.relayed", s->direct_relayed},
		{"gossip.direct.delivered", s->direct_delivered},
		{"gossip.drop.direct", s->direct_dropped},
		{"gossip.drop.udp_send", s->udp_send_errors},
		{"gossip.address_changes", s->address_changes},
		{"gossip.drop.member_actions", ms.actions_dropped},
		{"gossip.drop.member_table", ms.table_full},
		{"gossip.drop.member_relays", ms.relays_full},
		{"gossip.zap.known", ts.zap_known},
		{"gossip.zap.unknown", ts.zap_unknown},
		{"gossip.member.probes", ms.probes},
		{"gossip.member.ping_reqs", ms.ping_reqs},
		{"gossip.member.suspects", ms.suspects},
		{"gossip.member.deaths", ms.deaths},
		{"gossip.member.refutes", ms.refutes},
		{"gossip.member.late", ms.late},
		{"gossip.member.health", ms.health},
	};
	int rc;

	rc = VRD_COUNTERS_EMIT(c, fn, arg);
	if (rc != 0) {
		return rc;
	}
	return 0;
}
