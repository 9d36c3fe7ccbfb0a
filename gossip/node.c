/*
 * The gossip node (gossip/node.h, docs/gossip.md): transport, trust,
 * membership, signed records, rumour mongering, anti-entropy, queries.
 * This part: small helpers, connections, the dispatch of every message,
 * and the node's life; the rest is in node_*.c (node_internal.h).
 */
#include "gossip/node_internal.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "base/clock.h"

/* ---- small things --------------------------------------------------- */

uint64_t node_rnd(struct gossip_node *n)
{
	/* splitmix64: peer choice only, nothing secret */
	uint64_t z = (n->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

uint64_t node_wall_ms(void)
{
	return vrd_wallclock_ms();
}

struct router *node_router_by_name(struct gossip_node *n, const char *name)
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

void node_msg_init(struct gossip_node *n, uint8_t type)
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
int node_conn_open(struct gossip_node *n, struct router *r)
{
	int rc;

	r->last_used = n->now;
	if (r->revoked) {
		return -EKEYREJECTED; /* never again, until taken off the list */
	}
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

void node_conn_close(struct gossip_node *n, struct router *r)
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
int node_msg_send_r(struct gossip_node *n, struct router *r,
		    const struct gossip_from *reply)
{
	size_t len;
	int rc = reply ? 0 : node_conn_open(n, r);

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
int node_msg_send(struct gossip_node *n, const char *to,
		  const struct gossip_from *reply)
{
	struct router *r = NULL;

	if (!reply) {
		r = to ? node_router_by_name(n, to) : NULL;
		if (!r) {
			n->st.send_errors++;
			return -ENOENT;
		}
	}
	return node_msg_send_r(n, r, reply);
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

/* ---- messages -------------------------------------------------------- */

static void hello_in(struct gossip_node *n, const struct gossip_from *from,
		     const struct gossip_wire_msg *m)
{
	struct gossip_cert cert;
	uint8_t curve[GOSSIP_CURVE_KEYBYTES];
	struct gossip_pub pub;

	if (node_cert_accept(n, m->hello.cert.p, m->hello.cert.len, &cert) <
	    0) {
		return; /* said why */
	}
	if (strcmp(cert.name, m->sender) != 0) {
		log_ratelimited(&n->rl, VRD_LOG_WARN,
				"gossip: hello from %s with the certificate "
				"of %s",
				m->sender, cert.name);
		return;
	}
	memcpy(&pub, &cert.key, sizeof(pub));
	gossip_curve_from_pub(curve, &pub);
	if (memcmp(curve, from->key, sizeof(curve)) != 0) {
		n->st.bad_cert++; /* someone else's certificate */
		return;
	}
	struct router *r =
		node_router_learn(n, &cert, m->hello.cert.p, m->hello.cert.len,
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
		node_claim_spread(n, cert.name, GOSSIP_MEMBER_ALIVE,
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
	r = from->peer ? node_router_by_name(n, from->peer)
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
	if (r->revoked) {
		/* its own connection to us: nothing it says counts */
		n->st.revoked++;
		log_ratelimited(&n->rl, VRD_LOG_WARN,
				"gossip: message from %s refused: its "
				"certificate is revoked",
				r->name);
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

		node_msg_init(n, GOSSIP_MSG_ACK);
		n->out->probe.probe_id = id;
		strcpy(n->out->probe.target, n->name);
		node_msg_send(n, NULL, from);
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
			node_record_in(n, recs[i].p, recs[i].len, sender,
				       count == 1 && r->in_view && !r->lazy);
		}
		break;
	}
	case GOSSIP_MSG_DIGEST:
		node_view_repair(n, r, from);
		node_digest_in(n, &m->seqs, from, sender);
		break;
	case GOSSIP_MSG_PULL: {
		static struct gossip_wire_seqs pull;

		pull = m->seqs;
		for (unsigned i = 0; i < pull.count; i++) {
			node_send_origin(n, sender, NULL, pull.e[i].origin,
					 pull.e[i].origin_seq);
		}
		break;
	}
	case GOSSIP_MSG_MEMBERS:
		node_members_in(n, &m->members, sender);
		break;
	case GOSSIP_MSG_QUERY:
		node_query_in(n, sender, &m->query);
		break;
	case GOSSIP_MSG_ANSWER:
		node_answer_in(n, sender, &m->answer);
		break;
	case GOSSIP_MSG_NEIGHBOR:
		node_neighbor_in(n, r, from, m->neighbor.op);
		break;
	case GOSSIP_MSG_DIRECT:
		node_direct_in(n, sender, &m->direct);
		break;
	}
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
	node_udp_in(n);
	more = gossip_transport_process(n->t, budget);
	node_actions_run(n);
	return more;
}

void gossip_node_tick(struct gossip_node *n, uint64_t now_ms)
{
	n->now = now_ms;
	/* what arrived first: an ACK or a refutation waiting unread must
	 * not turn into a suspicion or a verdict (a busy loop may reach the
	 * timer before the fd) */
	node_udp_in(n);
	gossip_transport_process(n->t, TICK_DRAIN);
	node_bootstrap_tick(n);
	if (now_ms >= n->next_view) {
		node_view_tick(n);
		n->next_view = now_ms + VIEW_TICK_MS;
	}
	if (now_ms >= n->next_anti_entropy) {
		node_anti_entropy(n);
		n->next_anti_entropy = now_ms + n->anti_entropy_ms;
	}
	for (size_t i = 0; i < QUERIES_MAX; i++) {
		struct query *q = &n->queries[i];

		if (q->active && q->deadline <= now_ms) {
			node_query_finish(n, q);
		} else if (q->used && !q->active && q->expires <= now_ms) {
			q->used = false;
		}
	}
	node_actions_run(n);
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
		if (!node_boot_known((struct gossip_node *)n, &n->boot[i]) &&
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
	node_actions_run(n);
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
	    node_held_grow(n) < 0) {
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
	mp.seed = node_rnd(n);
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
	node_actions_run(n);
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
	free(n->revoked);
	free(n->queries);
	free(n);
}

bool gossip_node_peer_next(const struct gossip_node *n, size_t *cursor,
			   struct gossip_member_info *out)
{
	return gossip_member_next(n->m, cursor, out);
}

int gossip_node_set_cert(struct gossip_node *n, const struct gossip_cert *cert)
{
	uint8_t bytes[sizeof(n->cert_bytes)];
	size_t len;

	if (strcmp(cert->name, n->cert.name) != 0 ||
	    memcmp(&cert->key, &n->cert.key, sizeof(cert->key)) != 0 ||
	    gossip_cert_encode(bytes, sizeof(bytes), &len, cert) < 0) {
		return -EINVAL;
	}
	n->cert = *cert;
	memcpy(n->cert_bytes, bytes, len);
	n->cert_len = len;
	return 0;
}

int gossip_node_set_revoked(struct gossip_node *n,
			    const uint8_t (*fps)[GOSSIP_CERT_FPBYTES],
			    size_t count)
{
	uint8_t(*v)[GOSSIP_CERT_FPBYTES] = NULL;

	if (count) {
		v = malloc(count * sizeof(*v));
		if (!v) {
			return -ENOMEM;
		}
		memcpy(v, fps, count * sizeof(*v));
	}
	free(n->revoked);
	n->revoked = v;
	n->nrevoked = count;
	for (size_t i = 0; i < n->nrouters; i++) {
		struct router *r = n->routers[i];
		bool was = r->revoked;

		r->revoked = node_cert_revoked(n, r->cert_bytes, r->cert_len);
		if (r->revoked && !was) {
			log_warn("gossip: %s's certificate is revoked: "
				 "disconnected",
				 r->name);
			node_conn_close(n, r);
		}
	}
	return 0;
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
#define NODE_ROW(field, name) {name, s->field},
#define NODE_EXTERN(name, value) {name, value},
#define NODE_HIDDEN(field)
		NODE_COUNTERS(NODE_ROW, NODE_EXTERN, NODE_HIDDEN)
#undef NODE_ROW
#undef NODE_EXTERN
#undef NODE_HIDDEN
	};
	int rc;

	rc = VRD_COUNTERS_EMIT(c, fn, arg);
	if (rc != 0) {
		return rc;
	}
	return 0;
}
