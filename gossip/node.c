/*
 * The gossip node (gossip/node.h, docs/gossip.md): transport, trust,
 * membership, signed records, rumour mongering, anti-entropy, queries.
 */
#include "gossip/node.h"
#include "vrd/counter.h"
#include "gossip/transport.h"
#include "vrd/clock.h"
#include "vrd/log.h"

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
#define CERT_MAGIC "VRDC"
#define CERT_HDR 6 /* magic, version 1, type */
#define CERT_REQUEST 1
#define CERT_REPLY 2
#define CERT_REQUEST_LEN (CERT_HDR + GOSSIP_CERT_MAX)
#define BOOTSTRAP_RETRY_MS 1000
#define QUERIES_MAX 64
#define ACTIONS_MAX 64
#define UDP_BUDGET 32
#define HELLO_RETRY_MS 50 /* until the CURVE connection takes the HELLO */
/* MEMBERS carries certificates (up to 64 KB): with the digest only every
 * few rounds; a newcomer gets it at once, in answer to its HELLO */
#define MEMBERS_EVERY 2

struct router {
	char name[VRD_NAME_MAX + 1];
	struct gossip_cert cert;
	uint8_t cert_bytes[GOSSIP_CERT_MAX];
	size_t cert_len;
	uint8_t curve[GOSSIP_CURVE_KEYBYTES];
	uint32_t addr;
	uint16_t port;
	bool hello_sent;
	bool members_due; /* a newcomer: MEMBERS right after our HELLO */
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

struct query {
	bool active;
	uint64_t id, deadline;
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
	unsigned fanout_min;
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
	struct query queries[QUERIES_MAX];

	uint64_t origin_seq;
	uint64_t next_query_id;
	uint64_t next_anti_entropy;
	unsigned rounds;
	size_t members_cursor;
	uint64_t now; /* of the call under way */
	uint64_t rng;

	struct gossip_wire_msg *in, *out; /* ~12 KB each: not on the stack */
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
	for (size_t i = 0; i < n->nrouters; i++)
		if (strcmp(n->routers[i]->name, name) == 0)
			return n->routers[i];
	return NULL;
}

static struct router *router_by_key(struct gossip_node *n, const uint8_t *key)
{
	for (size_t i = 0; i < n->nrouters; i++)
		if (memcmp(n->routers[i]->curve, key, GOSSIP_CURVE_KEYBYTES) ==
		    0)
			return n->routers[i];
	return NULL;
}

static bool key_known(const uint8_t key[GOSSIP_CURVE_KEYBYTES], void *arg)
{
	return router_by_key(arg, key) != NULL;
}

/* ---- sending -------------------------------------------------------- */

static void msg_init(struct gossip_node *n, uint8_t type)
{
	memset(n->out, 0, sizeof(*n->out));
	n->out->type = type;
	strcpy(n->out->sender, n->name);
}

static int msg_send(struct gossip_node *n, const char *to,
		    const struct gossip_from *reply)
{
	size_t len;
	int rc = gossip_wire_encode(n->buf, GOSSIP_WIRE_MSG_MAX, &len, n->out);

	if (rc == 0)
		rc = reply ? gossip_transport_reply(n->t, reply, n->buf, len)
			   : gossip_transport_send(n->t, to, n->buf, len);
	if (rc < 0)
		n->st.send_errors++;
	return rc;
}

/* Up to k random live members other than the excluded ones. */
static size_t pick(struct gossip_node *n, const char **out, size_t k,
		   const char *skip1, const char *skip2)
{
	const char *live[GOSSIP_MEMBER_MAX];
	size_t nlive = 0, cursor = 0, got = 0;
	struct gossip_member_info mi;

	while (gossip_member_next(n->m, &cursor, &mi) &&
	       nlive < GOSSIP_MEMBER_MAX) {
		struct router *r;

		if (mi.state != GOSSIP_MEMBER_ALIVE ||
		    (skip1 && strcmp(mi.name, skip1) == 0) ||
		    (skip2 && strcmp(mi.name, skip2) == 0))
			continue;
		r = router_by_name(n, mi.name);
		if (r)
			live[nlive++] = r->name;
	}
	/* partial Fisher-Yates */
	for (size_t i = 0; i < nlive && got < k; i++) {
		size_t j = i + rnd(n) % (nlive - i);
		const char *tmp = live[i];

		live[i] = live[j];
		live[j] = tmp;
		out[got++] = live[i];
	}
	return got;
}

/* Rumours reach everyone with high probability when the fan-out grows
 * with log2 of the membership (infect-and-forward-once); anti-entropy
 * mends the rest. */
static unsigned fanout(struct gossip_node *n)
{
	unsigned f = 1;
	size_t members = gossip_member_count(n->m);

	while ((1u << f) <= members)
		f++;
	f += 1;
	return f > n->fanout_min ? f : n->fanout_min;
}

static void send_members(struct gossip_node *n, const char *to);

static void send_hello(struct gossip_node *n, struct router *r)
{
	msg_init(n, GOSSIP_MSG_HELLO);
	n->out->hello.cert.p = n->cert_bytes;
	n->out->hello.cert.len = n->cert_len;
	n->out->hello.incarnation = gossip_member_incarnation(n->m);
	n->out->hello.addr = n->address;
	n->out->hello.port = n->port;
	if (msg_send(n, r->name, NULL) == 0) {
		r->hello_sent = true;
		n->st.hello_sent++;
		if (r->members_due) {
			send_members(n, r->name);
			r->members_due = false;
		}
	}
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

/* Learns (or updates) a router we have a checked certificate for, and
 * connects to it. */
static struct router *router_learn(struct gossip_node *n,
				   const struct gossip_cert *cert,
				   const uint8_t *bytes, size_t len,
				   uint32_t addr, uint16_t port)
{
	struct router *r = router_by_name(n, cert->name);
	struct gossip_pub pub;
	bool fresh = !r;

	if (strcmp(cert->name, n->name) == 0)
		return NULL; /* ourselves, told by someone else */
	if (!r) {
		if (n->nrouters == n->caprouters) {
			size_t cap = n->caprouters ? 2 * n->caprouters : 16;
			struct router **v =
				realloc(n->routers, cap * sizeof(*v));

			if (!v)
				return NULL;
			n->routers = v;
			n->caprouters = cap;
		}
		r = calloc(1, sizeof(*r));
		if (!r)
			return NULL;
		n->routers[n->nrouters++] = r;
		strcpy(r->name, cert->name);
	}
	memcpy(&pub, &cert->key, sizeof(pub));
	r->cert = *cert;
	memcpy(r->cert_bytes, bytes, len);
	r->cert_len = len;
	gossip_curve_from_pub(r->curve, &pub);
	if (fresh || r->addr != addr || r->port != port) {
		r->addr = addr;
		r->port = port;
		r->hello_sent = false;
		gossip_transport_peer_set(n->t, r->name, addr, port, r->curve);
		gossip_member_update(n->m, r->name, addr, port, 0,
				     GOSSIP_MEMBER_ALIVE, n->now);
	}
	if (!r->hello_sent)
		send_hello(n, r);
	return r;
}

/* ---- records --------------------------------------------------------- */

static uint64_t held_hash(const char *origin, uint32_t vn,
			  const struct vrd_prefix *p)
{
	uint64_t h = 1469598103934665603ull;

	for (const char *c = origin; *c; c++)
		h = (h ^ (uint8_t)*c) * 1099511628211ull;
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
				 strcmp(h->r.origin, origin) == 0))
			return h;
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
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].used)
			*held_slot(n, old[i].r.origin, old[i].r.vn,
				   &old[i].r.prefix) = old[i];
	free(old);
	return 0;
}

static struct origin *origin_get(struct gossip_node *n, const char *name,
				 bool create)
{
	for (size_t i = 0; i < n->norigins; i++)
		if (strcmp(n->origins[i].name, name) == 0)
			return &n->origins[i];
	if (!create)
		return NULL;
	if (n->norigins == n->caporigins) {
		size_t cap = n->caporigins ? 2 * n->caporigins : 16;
		struct origin *v = realloc(n->origins, cap * sizeof(*v));

		if (!v)
			return NULL;
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

	if ((n->nheld + 1) * 2 > n->capheld && held_grow(n) < 0)
		return false;
	h = held_slot(n, r->origin, r->vn, &r->prefix);
	if (h->used && !gossip_record_newer(&h->r, r))
		return false;
	if (!h->used)
		n->nheld++;
	h->used = true;
	h->r = *r;
	memcpy(h->bytes, bytes, len);
	h->len = (uint16_t)len;
	o = origin_get(n, r->origin, true);
	if (o && r->origin_seq > o->max_seq)
		o->max_seq = r->origin_seq;
	return true;
}

/* One record to k peers as a RECORDS message. */
static void spread(struct gossip_node *n, const uint8_t *bytes, size_t len,
		   const char *skip1, const char *skip2)
{
	const char *to[GOSSIP_MEMBER_MAX];
	size_t k = pick(n, to, fanout(n), skip1, skip2);

	msg_init(n, GOSSIP_MSG_RECORDS);
	n->out->records.count = 1;
	n->out->records.rec[0].p = bytes;
	n->out->records.rec[0].len = len;
	for (size_t i = 0; i < k; i++)
		if (msg_send(n, to[i], NULL) == 0)
			n->st.forwarded++;
}

static void record_in(struct gossip_node *n, const uint8_t *bytes, size_t len,
		      const char *via)
{
	struct gossip_record r;
	struct router *o;
	int rc;

	if (gossip_record_decode(bytes, len, &r) < 0) {
		n->st.malformed++;
		return;
	}
	if (strcmp(r.origin, n->name) == 0)
		return; /* our own, back again */
	o = router_by_name(n, r.origin);
	if (!o) {
		n->st.unknown_origin++; /* anti-entropy brings it later */
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
	if (n->ops.record)
		n->ops.record(&r, n->ops.arg);
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
	if (rc < 0)
		return rc;
	if (n->ops.origin_seq_used)
		n->ops.origin_seq_used(n->origin_seq, n->ops.arg);
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
		    strcmp(h->r.origin, origin) != 0)
			continue;
		rs->rec[rs->count].p = h->bytes;
		rs->rec[rs->count].len = h->len;
		if (++rs->count == GOSSIP_WIRE_RECORDS_MAX) {
			msg_send(n, to, reply);
			msg_init(n, GOSSIP_MSG_RECORDS);
		}
	}
	if (n->out->records.count)
		msg_send(n, to, reply);
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
	if (msg_send(n, to, NULL) == 0)
		n->st.digests++;
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
		    mi.state == GOSSIP_MEMBER_LEFT || strcmp(r->name, to) == 0)
			continue;
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
	if (n->nrouters)
		n->members_cursor =
			(n->members_cursor + GOSSIP_WIRE_MEMBERS_MAX - 1) %
			n->nrouters;
	if (msg_send(n, to, NULL) == 0)
		n->st.members_sent++;
}

/* MEMBERS with one claim: about is in state at incarnation. */
static void send_claim(struct gossip_node *n, const char *to, const char *about,
		       int state, uint64_t incarnation)
{
	struct gossip_wire_member *w;
	struct router *r = NULL;

	if (strcmp(about, n->name) != 0) {
		r = router_by_name(n, about);
		if (!r)
			return; /* no certificate to vouch for it */
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
	if (msg_send(n, to, NULL) == 0)
		n->st.members_sent++;
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

		if (o && (size_t)(o - n->origins) < 1024)
			listed[o - n->origins] = true;
		if (mine > d->e[i].origin_seq)
			send_origin(n, sender, NULL, d->e[i].origin,
				    d->e[i].origin_seq);
		else if (mine < d->e[i].origin_seq &&
			 strcmp(d->e[i].origin, n->name) != 0) {
			strcpy(want.e[want.count].origin, d->e[i].origin);
			want.e[want.count++].origin_seq = mine;
		}
	}
	for (size_t i = 0; i < n->norigins && i < 1024; i++)
		if (!listed[i])
			send_origin(n, sender, NULL, n->origins[i].name, 0);
	if (want.count) {
		msg_init(n, GOSSIP_MSG_PULL);
		n->out->seqs = want;
		if (msg_send(n, sender, NULL) == 0)
			n->st.pulls++;
	}
	(void)from;
}

static void anti_entropy(struct gossip_node *n)
{
	const char *to[1];

	if (pick(n, to, 1, NULL, NULL) == 0)
		return;
	send_digest(n, to[0]);
	if (n->rounds++ % MEMBERS_EVERY == 0)
		send_members(n, to[0]);
}

/* ---- membership ------------------------------------------------------ */

static void members_in(struct gossip_node *n,
		       const struct gossip_wire_members *ms)
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
			if (state != GOSSIP_MEMBER_ALIVE)
				gossip_member_refute(n->m, w->incarnation,
						     n->now);
			continue;
		}
		if (!router_by_name(n, w->name)) {
			if (cert_accept(n, w->cert.p, w->cert.len, &cert) < 0 ||
			    strcmp(cert.name, w->name) != 0)
				continue;
			router_learn(n, &cert, w->cert.p, w->cert.len, w->addr,
				     w->port);
		}
		gossip_member_update(n->m, w->name, w->addr, w->port,
				     w->incarnation, state, n->now);
	}
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
				if (!r)
					break;
				msg_init(n, GOSSIP_MSG_PING);
				n->out->probe.probe_id = a[i].probe_id;
				msg_send(n, r->name, NULL);
				break;
			case GOSSIP_MEMBER_SEND_PING_REQ:
			case GOSSIP_MEMBER_SEND_ACK_RELAY:
				if (!r)
					break;
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
				if (r)
					send_claim(n, r->name, a[i].about,
						   a[i].state,
						   a[i].incarnation);
				break;
			case GOSSIP_MEMBER_ANNOUNCE: {
				const char *to[GOSSIP_MEMBER_MAX];
				size_t m = pick(n, to, fanout(n), a[i].about,
						NULL);

				for (size_t j = 0; j < m; j++)
					send_claim(n, to[j], a[i].about,
						   a[i].state,
						   a[i].incarnation);
				break;
			}
			case GOSSIP_MEMBER_STATE_CHANGE:
				if (n->ops.peer_state)
					n->ops.peer_state(a[i].about, a[i].addr,
							  a[i].old_state,
							  a[i].state,
							  n->ops.arg);
				break;
			}
		}
		if (k < ACTIONS_MAX)
			break;
	}
}

/* ---- queries --------------------------------------------------------- */

static void query_finish(struct gossip_node *n, struct query *q)
{
	q->active = false;
	if (n->ops.query_done)
		n->ops.query_done(q->id, q->vn, &q->mac,
				  q->best[0] ? q->best : NULL, q->ips, q->nips,
				  n->ops.arg);
}

int64_t gossip_node_query(struct gossip_node *n, uint32_t vn,
			  const struct vrd_mac *mac, uint64_t now_ms)
{
	const char *to[GOSSIP_MEMBER_MAX];
	struct query *q = NULL;
	size_t k;

	for (size_t i = 0; i < QUERIES_MAX && !q; i++)
		if (!n->queries[i].active)
			q = &n->queries[i];
	if (!q)
		return -EBUSY;
	memset(q, 0, sizeof(*q));
	q->active = true;
	q->id = ++n->next_query_id;
	q->vn = vn;
	q->mac = *mac;
	q->deadline = now_ms + GOSSIP_NODE_QUERY_MS;
	n->st.queries++;
	k = pick(n, to, GOSSIP_MEMBER_MAX, NULL, NULL);
	msg_init(n, GOSSIP_MSG_QUERY);
	n->out->query = (struct gossip_wire_query){
		.query_id = q->id, .vn = vn, .mac = *mac};
	for (size_t i = 0; i < k; i++)
		if (msg_send(n, to[i], NULL) == 0)
			q->asked++;
	if (q->asked == 0)
		q->deadline = now_ms; /* nobody to ask: "nobody" at the tick */
	return (int64_t)q->id;
}

static void answer_in(struct gossip_node *n, const char *sender,
		      const struct gossip_wire_answer *a)
{
	for (size_t i = 0; i < QUERIES_MAX; i++) {
		struct query *q = &n->queries[i];

		if (!q->active || q->id != a->query_id)
			continue;
		q->answered++;
		n->st.answers++;
		for (unsigned j = 0; j < a->count; j++) {
			if (a->a[j].last_seen_ms < q->best_seen)
				continue;
			if (a->a[j].last_seen_ms > q->best_seen ||
			    strcmp(q->best, sender) != 0) {
				q->nips = 0;
				strcpy(q->best, sender);
				q->best_seen = a->a[j].last_seen_ms;
			}
		}
		/* every IP the best router has for the MAC */
		if (strcmp(q->best, sender) == 0) {
			q->nips = 0;
			for (unsigned j = 0; j < a->count; j++)
				q->ips[q->nips++] = a->a[j];
		}
		if (q->answered >= q->asked)
			query_finish(n, q);
		return;
	}
}

static void query_in(struct gossip_node *n, const struct gossip_from *from,
		     const struct gossip_wire_query *qr)
{
	struct gossip_wire_query q = *qr; /* n->in is reused */
	size_t k = 0;

	msg_init(n, GOSSIP_MSG_ANSWER);
	if (n->ops.hwdt_by_mac)
		k = n->ops.hwdt_by_mac(q.vn, &q.mac, n->out->answer.a,
				       GOSSIP_WIRE_ANSWERS_MAX, n->ops.arg);
	n->out->answer.query_id = q.query_id;
	n->out->answer.vn = q.vn;
	n->out->answer.mac = q.mac;
	n->out->answer.count = (unsigned)k;
	msg_send(n, NULL, from);
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
	bool fresh = router_by_name(n, cert.name) == NULL;
	struct router *r =
		router_learn(n, &cert, m->hello.cert.p, m->hello.cert.len,
			     m->hello.addr, m->hello.port);

	gossip_member_update(n->m, cert.name, m->hello.addr, m->hello.port,
			     m->hello.incarnation, GOSSIP_MEMBER_ALIVE, n->now);
	if (fresh && r) {
		/* a newcomer learns the overlay at once, as soon as the
		 * connection takes a message (see send_hello) */
		r->members_due = true;
		if (r->hello_sent) {
			send_members(n, r->name);
			r->members_due = false;
		}
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
		for (unsigned i = 0; i < count; i++)
			record_in(n, recs[i].p, recs[i].len, sender);
		break;
	}
	case GOSSIP_MSG_DIGEST:
		digest_in(n, &m->seqs, from, sender);
		break;
	case GOSSIP_MSG_PULL: {
		static struct gossip_wire_seqs pull;

		pull = m->seqs;
		for (unsigned i = 0; i < pull.count; i++)
			send_origin(n, sender, NULL, pull.e[i].origin,
				    pull.e[i].origin_seq);
		break;
	}
	case GOSSIP_MSG_MEMBERS:
		members_in(n, &m->members);
		break;
	case GOSSIP_MSG_QUERY:
		query_in(n, from, &m->query);
		break;
	case GOSSIP_MSG_ANSWER:
		answer_in(n, sender, &m->answer);
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

	sendto(n->udp, p, len, MSG_DONTWAIT, (struct sockaddr *)&sin,
	       sizeof(sin));
}

static bool boot_known(struct gossip_node *n, const struct bootstrap *b)
{
	for (size_t i = 0; i < n->nrouters; i++)
		if (n->routers[i]->addr == b->addr &&
		    n->routers[i]->port == b->port)
			return true;
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

		if (b->next_try > n->now || boot_known(n, b))
			continue;
		udp_send(n, b->addr, b->port, req, sizeof(req));
		n->st.bootstrap_requests++;
		b->tries++;
		b->next_try = n->now + BOOTSTRAP_RETRY_MS *
					       (b->tries < 5 ? b->tries : 5);
	}
}

static void udp_in(struct gossip_node *n)
{
	uint8_t p[CERT_REQUEST_LEN + 64];

	for (int k = 0; k < UDP_BUDGET; k++) {
		struct sockaddr_in sin;
		socklen_t slen = sizeof(sin);
		ssize_t len = recvfrom(n->udp, p, sizeof(p), MSG_DONTWAIT,
				       (struct sockaddr *)&sin, &slen);
		struct gossip_cert cert;

		if (len < 0)
			return;
		if (len < CERT_HDR || memcmp(p, CERT_MAGIC, 4) != 0 ||
		    p[4] != 1) {
			n->st.bootstrap_bad++;
			continue;
		}
		if (p[5] == CERT_REQUEST && len >= CERT_REQUEST_LEN) {
			uint8_t rep[CERT_HDR + GOSSIP_CERT_MAX];

			memcpy(rep, CERT_MAGIC, 4);
			rep[4] = 1;
			rep[5] = CERT_REPLY;
			memcpy(rep + CERT_HDR, n->cert_bytes, n->cert_len);
			udp_send(n, ntohl(sin.sin_addr.s_addr),
				 ntohs(sin.sin_port), rep,
				 CERT_HDR + n->cert_len);
			n->st.bootstrap_replies++;
		} else if (p[5] == CERT_REPLY &&
			   cert_accept(n, p + CERT_HDR, (size_t)len - CERT_HDR,
				       &cert) == 0) {
			router_learn(n, &cert, p + CERT_HDR,
				     (size_t)len - CERT_HDR,
				     ntohl(sin.sin_addr.s_addr),
				     ntohs(sin.sin_port));
		} else {
			n->st.bootstrap_bad++;
		}
	}
}

/* ---- the node's life ------------------------------------------------ */

static void fd_watch(int fd, bool added, void *arg)
{
	struct gossip_node *n = arg;

	if (n->ops.fd_watch)
		n->ops.fd_watch(fd, added, n->ops.arg);
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

/* A HELLO sent before the connection is up is refused (ZMQ_IMMEDIATE):
 * try again until one goes out. */
static bool hello_pending(const struct gossip_node *n)
{
	for (size_t i = 0; i < n->nrouters; i++)
		if (!n->routers[i]->hello_sent)
			return true;
	return false;
}

void gossip_node_tick(struct gossip_node *n, uint64_t now_ms)
{
	n->now = now_ms;
	bootstrap_tick(n);
	for (size_t i = 0; i < n->nrouters; i++)
		if (!n->routers[i]->hello_sent)
			send_hello(n, n->routers[i]);
	if (now_ms >= n->next_anti_entropy) {
		anti_entropy(n);
		n->next_anti_entropy = now_ms + n->anti_entropy_ms;
	}
	for (size_t i = 0; i < QUERIES_MAX; i++)
		if (n->queries[i].active && n->queries[i].deadline <= now_ms)
			query_finish(n, &n->queries[i]);
	actions_run(n);
}

uint64_t gossip_node_next_ms(const struct gossip_node *n)
{
	uint64_t next = gossip_member_next_ms(n->m);

	if (n->next_anti_entropy < next)
		next = n->next_anti_entropy;
	if (hello_pending(n) && n->now + HELLO_RETRY_MS < next)
		next = n->now + HELLO_RETRY_MS;
	for (size_t i = 0; i < n->nboot; i++)
		if (!boot_known((struct gossip_node *)n, &n->boot[i]) &&
		    n->boot[i].next_try < next)
			next = n->boot[i].next_try;
	for (size_t i = 0; i < QUERIES_MAX; i++)
		if (n->queries[i].active && n->queries[i].deadline < next)
			next = n->queries[i].deadline;
	return next;
}

static int udp_open(uint32_t addr, uint16_t port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET,
				  .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(addr)};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	return fd;
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
	n->fanout_min = cfg->fanout ? cfg->fanout : GOSSIP_NODE_FANOUT;
	n->anti_entropy_ms = cfg->anti_entropy_ms ? cfg->anti_entropy_ms
						  : GOSSIP_NODE_ANTI_ENTROPY_MS;
	n->origin_seq = cfg->origin_seq;
	n->rl = (struct vrd_ratelimit)VRD_RATELIMIT_INIT(10000, 5);
	n->udp = -1;
	if (getrandom(&n->rng, sizeof(n->rng), 0) != sizeof(n->rng))
		n->rng = now_ms;
	n->in = malloc(sizeof(*n->in));
	n->out = malloc(sizeof(*n->out));
	n->buf = malloc(GOSSIP_WIRE_MSG_MAX);
	if (!n->in || !n->out || !n->buf || held_grow(n) < 0) {
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
	     i++)
		n->boot[n->nboot++] =
			(struct bootstrap){.addr = cfg->bootstrap_addr[i],
					   .port = cfg->bootstrap_port[i]};
	if (!mp.probe_interval_ms)
		gossip_member_params_default(&mp);
	mp.seed = rnd(n);
	n->m = gossip_member_create(n->name, cfg->incarnation, &mp, now_ms);
	if (!n->m) {
		snprintf(err, errlen, "gossip: membership: out of memory");
		goto err_free;
	}
	tc.keys = &keys;
	tc.arg = n;
	n->t = gossip_transport_create(&tc, err, errlen);
	explicit_bzero(&keys, sizeof(keys)); /* the transport has a copy */
	if (!n->t)
		goto err_member;
	n->udp = udp_open(cfg->address, cfg->port);
	if (n->udp < 0) {
		snprintf(err, errlen, "gossip: udp port %u: %s",
			 (unsigned)cfg->port, strerror(-n->udp));
		goto err_transport;
	}
	fd_watch(n->udp, true, n);
	n->now = now_ms;
	n->next_anti_entropy = now_ms + n->anti_entropy_ms;
	return n;

err_transport:
	gossip_transport_destroy(n->t);
err_member:
	gossip_member_destroy(n->m);
err_free:
	free(n->in);
	free(n->out);
	free(n->buf);
	free(n->held);
	free(n);
	return NULL;
}

void gossip_node_destroy(struct gossip_node *n)
{
	if (!n)
		return;
	/* tell the others we leave, so they do not wait for a timeout */
	gossip_member_leave(n->m, n->now);
	actions_run(n);
	fd_watch(n->udp, false, n);
	close(n->udp);
	gossip_transport_destroy(n->t);
	gossip_member_destroy(n->m);
	for (size_t i = 0; i < n->nrouters; i++)
		free(n->routers[i]);
	free(n->routers);
	free(n->held);
	free(n->origins);
	free(n->in);
	free(n->out);
	free(n->buf);
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
		{"gossip.zap.known", ts.zap_known},
		{"gossip.zap.unknown", ts.zap_unknown},
		{"gossip.member.probes", ms.probes},
		{"gossip.member.ping_reqs", ms.ping_reqs},
		{"gossip.member.suspects", ms.suspects},
		{"gossip.member.deaths", ms.deaths},
		{"gossip.member.refutes", ms.refutes},
	};
	int rc;

	rc = VRD_COUNTERS_EMIT(c, fn, arg);
	if (rc != 0)
		return rc;
	return 0;
}
