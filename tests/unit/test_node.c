/*
 * Gossip nodes in one process over real ZeroMQ and UDP on loopback:
 * bootstrap by certificate exchange, membership learned through gossip,
 * network records and claims reaching everyone, a record outside its
 * origin's certificate refused, a router of another CA never admitted,
 * "who has MAC m?" answered and "nobody".
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gossip/node.h"
#include "base/clock.h"

#define LOOPBACK 0x7f000001u
#define NODES_MAX 5

struct tnode {
	char name[16];
	struct gossip_key *key;
	struct gossip_cert cert;
	struct gossip_node *n;
	uint32_t addr; /* underlay; 0: LOOPBACK */
	uint16_t port;
	int fds[64];
	size_t nfds;
	/* what the node reported */
	struct gossip_record recs[32];
	size_t nrecs;
	char up[NODES_MAX][16];
	size_t nup;
	/* HWDT stand-in */
	struct vrd_mac have_mac;
	uint32_t have_ip;
	/* last query result */
	bool query_done;
	char query_router[16];
	uint32_t query_ip;
	/* direct messages received */
	unsigned ndirect;
	char direct_from[16];
	uint8_t direct_payload[GOSSIP_DIRECT_MAX];
	size_t direct_len;
	/* UDP hand-off: the test owns the overlay UDP port (udp >= 0) */
	int udp;
	unsigned udp_sent;
};

static struct gossip_pub ca_pub, other_ca_pub;
static struct gossip_key *ca, *other_ca;

static void fd_watch(int fd, bool added, void *arg)
{
	struct tnode *t = arg;

	if (added) {
		t->fds[t->nfds++] = fd;
		return;
	}
	for (size_t i = 0; i < t->nfds; i++) {
		if (t->fds[i] == fd) {
			t->fds[i] = t->fds[--t->nfds];
		}
	}
}

static void on_record(const struct gossip_record *r, void *arg)
{
	struct tnode *t = arg;

	if (t->nrecs < 32) {
		t->recs[t->nrecs++] = *r;
	}
}

static void on_peer(const char *name, uint32_t addr, int old, int state,
		    void *arg)
{
	struct tnode *t = arg;

	if (state == GOSSIP_MEMBER_ALIVE && t->nup < NODES_MAX) {
		snprintf(t->up[t->nup++], 16, "%s", name);
	}
}

static size_t hwdt_by_mac(uint32_t vn, const struct vrd_mac *mac,
			  struct gossip_wire_answer_entry *out, size_t max,
			  void *arg)
{
	struct tnode *t = arg;

	if (!t->have_ip || !vrd_mac_equal(mac, &t->have_mac)) {
		return 0;
	}
	out[0].ip = t->have_ip;
	out[0].last_seen_ms = 1000;
	return 1;
}

static void query_done(uint64_t id, uint32_t vn, const struct vrd_mac *mac,
		       const char *router,
		       const struct gossip_wire_answer_entry *ips, size_t nips,
		       void *arg)
{
	struct tnode *t = arg;

	t->query_done = true;
	snprintf(t->query_router, sizeof(t->query_router), "%s",
		 router ? router : "");
	t->query_ip = nips ? ips[0].ip : 0;
}

static void on_direct(const char *from, const uint8_t *payload, size_t len,
		      void *arg)
{
	struct tnode *t = arg;

	t->ndirect++;
	snprintf(t->direct_from, sizeof(t->direct_from), "%s", from);
	memcpy(t->direct_payload, payload, len);
	t->direct_len = len;
}

/* The data plane's stand-in: sends the node's datagrams from its socket. */
static int udp_send(uint32_t addr, uint16_t port, const uint8_t *buf,
		    size_t len, void *arg)
{
	struct tnode *t = arg;
	struct sockaddr_in sin = {.sin_family = AF_INET,
				  .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(addr)};

	t->udp_sent++;
	if (sendto(t->udp, buf, len, 0, (struct sockaddr *)&sin, sizeof(sin)) <
	    0) {
		return -errno;
	}
	return 0;
}

/* Datagrams on the test's socket: ours ("VRDC") go to the node. */
static void udp_pump(struct tnode *t, uint64_t now)
{
	uint8_t buf[2048];

	for (;;) {
		struct sockaddr_in sin;
		socklen_t slen = sizeof(sin);
		ssize_t len = recvfrom(t->udp, buf, sizeof(buf), MSG_DONTWAIT,
				       (struct sockaddr *)&sin, &slen);

		if (len < 0) {
			return;
		}
		if (len >= 4 && memcmp(buf, GOSSIP_UDP_MAGIC, 4) == 0) {
			gossip_node_udp_input(t->n, buf, (size_t)len,
					      ntohl(sin.sin_addr.s_addr),
					      ntohs(sin.sin_port), now);
		}
	}
}

/* A UDP socket on port, as the data plane would own it; -1 if taken. */
static int udp_own(uint16_t port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET,
				  .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(LOOPBACK)};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);

	assert_true(fd >= 0);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void node_start_view(struct tnode *t, const char *name, const char *net,
			    struct gossip_key *issuer,
			    const struct gossip_pub *trust,
			    const struct tnode *boot, unsigned view,
			    bool own_udp);

static void node_start(struct tnode *t, const char *name, const char *net,
		       struct gossip_key *issuer,
		       const struct gossip_pub *trust, const struct tnode *boot)
{
	node_start_view(t, name, net, issuer, trust, boot, 0, false);
}

static void node_start_view(struct tnode *t, const char *name, const char *net,
			    struct gossip_key *issuer,
			    const struct gossip_pub *trust,
			    const struct tnode *boot, unsigned view,
			    bool own_udp)
{
	struct gossip_node_ops ops = {.fd_watch = fd_watch,
				      .record = on_record,
				      .peer_state = on_peer,
				      .hwdt_by_mac = hwdt_by_mac,
				      .query_done = query_done,
				      .direct = on_direct,
				      .udp_send = own_udp ? udp_send : NULL,
				      .arg = t};
	struct gossip_node_config cfg = {0};
	struct vrd_prefix p;
	char err[256];

	snprintf(t->name, sizeof(t->name), "%s", name);
	t->key = gossip_key_generate();
	assert_non_null(t->key);
	assert_int_equal(vrd_prefix_parse(net, &p, NULL), 0);
	struct gossip_pub pub;

	gossip_key_public(&pub, t->key);
	assert_int_equal(gossip_cert_init(&t->cert, name, &pub,
					  (uint64_t)time(NULL) - 60,
					  (uint64_t)time(NULL) + 3600),
			 0);
	assert_int_equal(gossip_cert_add_network(&t->cert, &p), 0);
	assert_int_equal(gossip_cert_add_vn(&t->cert, 1), 0);
	assert_int_equal(gossip_cert_sign(&t->cert, issuer), 0);
	cfg.name = t->name;
	if (!t->addr) {
		t->addr = LOOPBACK;
	}
	cfg.address = t->addr;
	cfg.key = t->key;
	cfg.cert = &t->cert;
	cfg.ca = trust;
	if (boot) {
		cfg.bootstrap_addr[0] = boot->addr;
		cfg.bootstrap_port[0] = boot->port;
		cfg.nbootstrap = 1;
	}
	/* faster than the defaults, so the test is short */
	gossip_member_params_default(&cfg.member);
	cfg.member.probe_interval_ms = 200;
	cfg.member.ack_timeout_ms = 60;
	cfg.member.suspicion_ms = 600;
	cfg.anti_entropy_ms = 200;
	cfg.view = view;
	t->udp = -1;
	for (int i = 0; i < 50 && !t->n; i++) {
		t->port = (uint16_t)(21000 + (getpid() * 13 + i * 197) % 40000);
		cfg.port = t->port;
		if (own_udp) {
			t->udp = udp_own(t->port);
			if (t->udp < 0) {
				continue;
			}
		}
		t->n = gossip_node_create(&cfg, &ops, vrd_monotonic_ms(), err,
					  sizeof(err));
		if (!t->n && t->udp >= 0) {
			close(t->udp);
			t->udp = -1;
		}
	}
	assert_non_null(t->n);
}

static void node_stop(struct tnode *t)
{
	gossip_node_destroy(t->n);
	t->n = NULL;
	assert_int_equal(t->nfds, 0);
	gossip_key_destroy(t->key);
	if (t->udp >= 0) {
		close(t->udp);
	}
	t->udp = -1;
}

typedef bool (*cond_fn)(struct tnode **, size_t);

static bool run(struct tnode **ts, size_t count, cond_fn cond,
		unsigned timeout_ms)
{
	uint64_t end = vrd_monotonic_ms() + timeout_ms;

	while (vrd_monotonic_ms() < end) {
		struct pollfd pfd[256];
		size_t np = 0;
		uint64_t now = vrd_monotonic_ms();

		for (size_t k = 0; k < count; k++) {
			if (!ts[k]->n) {
				continue;
			}
			if (ts[k]->udp >= 0) {
				udp_pump(ts[k], now);
			}
			while (gossip_node_process(ts[k]->n, 64, now))
				;
			if (gossip_node_next_ms(ts[k]->n) <= now) {
				gossip_node_tick(ts[k]->n, now);
			}
			gossip_node_process(ts[k]->n, 64, now);
		}
		if (cond && cond(ts, count)) {
			return true;
		}
		for (size_t k = 0; k < count; k++) {
			for (size_t i = 0; ts[k]->n && i < ts[k]->nfds; i++) {
				pfd[np++] = (struct pollfd){.fd = ts[k]->fds[i],
							    .events = POLLIN};
			}
			if (ts[k]->n && ts[k]->udp >= 0) {
				pfd[np++] = (struct pollfd){.fd = ts[k]->udp,
							    .events = POLLIN};
			}
		}
		poll(pfd, np, 10);
	}
	return cond ? cond(ts, count) : true;
}

static size_t peers_alive(struct tnode *t)
{
	struct gossip_member_info mi;
	size_t cursor = 0, n = 0;

	while (gossip_node_peer_next(t->n, &cursor, &mi)) {
		if (mi.state == GOSSIP_MEMBER_ALIVE) {
			n++;
		}
	}
	return n;
}

static int print_counter(const char *name, uint64_t value, void *arg)
{
	if (value) {
		fprintf(stderr, "  %s %s=%llu\n", (const char *)arg, name,
			(unsigned long long)value);
	}
	return 0;
}

/* What each node saw, for a failure's diagnosis. */
static void dump(struct tnode **ts, size_t count)
{
	for (size_t k = 0; k < count; k++) {
		if (!ts[k]->n) {
			continue;
		}
		fprintf(stderr, "%s: %zu peers alive\n", ts[k]->name,
			peers_alive(ts[k]));
		gossip_node_counters(ts[k]->n, print_counter, ts[k]->name);
	}
}

static bool all_meshed(struct tnode **ts, size_t count)
{
	for (size_t k = 0; k < count; k++) {
		if (peers_alive(ts[k]) != count - 1) {
			return false;
		}
	}
	return true;
}

static bool has_record(struct tnode *t, const char *origin, uint8_t type)
{
	for (size_t i = 0; i < t->nrecs; i++) {
		if (t->recs[i].type == type &&
		    strcmp(t->recs[i].origin, origin) == 0) {
			return true;
		}
	}
	return false;
}

static bool networks_everywhere(struct tnode **ts, size_t count)
{
	for (size_t k = 0; k < count; k++) {
		for (size_t j = 0; j < count; j++) {
			if (j != k && !has_record(ts[k], ts[j]->name,
						  GOSSIP_RECORD_NETWORK)) {
				return false;
			}
		}
	}
	return true;
}

static bool claim_everywhere(struct tnode **ts, size_t count)
{
	for (size_t k = 1; k < count; k++) {
		if (!has_record(ts[k], ts[0]->name, GOSSIP_RECORD_HOST)) {
			return false;
		}
	}
	return true;
}

static bool query_answered(struct tnode **ts, size_t count)
{
	return ts[count - 1]->query_done;
}

static void test_three_nodes(void **state)
{
	static struct tnode a, b, c, x;
	struct tnode *all[] = {&a, &b, &c};
	struct tnode *with_x[] = {&a, &b, &c, &x};
	struct vrd_prefix net;
	struct vrd_mac mac = {{0x52, 0x54, 0, 0, 0x77, 1}};
	int64_t id;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	memset(&c, 0, sizeof(c));
	memset(&x, 0, sizeof(x));
	node_start(&a, "vrA", "192.0.2.0/24", ca, &ca_pub, NULL);
	/* b and c know only a: c learns b through gossip */
	node_start(&b, "vrB", "198.51.100.0/24", ca, &ca_pub, &a);
	node_start(&c, "vrC", "203.0.113.0/24", ca, &ca_pub, &a);
	if (!run(all, 3, all_meshed, 10000)) {
		dump(all, 3);
		fail_msg("the three nodes did not mesh");
	}

	vrd_prefix_parse("192.0.2.0/24", &net, NULL);
	assert_int_equal(gossip_node_publish_network(a.n, 1, &net), 0);
	vrd_prefix_parse("198.51.100.0/24", &net, NULL);
	assert_int_equal(gossip_node_publish_network(b.n, 1, &net), 0);
	vrd_prefix_parse("203.0.113.0/24", &net, NULL);
	assert_int_equal(gossip_node_publish_network(c.n, 1, &net), 0);
	assert_true(run(all, 3, networks_everywhere, 5000));

	/* a network outside a's certificate: signed, sent, refused by all */
	vrd_prefix_parse("198.51.100.0/25", &net, NULL);
	assert_int_equal(gossip_node_publish_network(a.n, 1, &net), 0);
	run(all, 3, NULL, 500);
	for (size_t i = 0; i < b.nrecs; i++) {
		assert_false(b.recs[i].prefix.len == 25);
	}
	for (size_t i = 0; i < c.nrecs; i++) {
		assert_false(c.recs[i].prefix.len == 25);
	}

	/* a claim for a host outside a's networks is fine: VN only */
	assert_int_equal(gossip_node_claim(a.n, 1,
					   0xcb007109u /* 203.0.113.9 */, &mac,
					   1),
			 0);
	assert_true(run(all, 3, claim_everywhere, 5000));

	/* who has MAC m? b has it */
	b.have_mac = mac;
	b.have_ip = 0xc6336405u; /* 198.51.100.5 */
	id = gossip_node_query(c.n, 1, &mac, vrd_monotonic_ms());
	assert_true(id > 0);
	assert_true(run(all, 3, query_answered, 3000));
	assert_string_equal(c.query_router, "vrB");
	assert_int_equal(c.query_ip, 0xc6336405u);
	/* nobody has this one */
	c.query_done = false;
	mac.b[5] = 2;
	gossip_node_query(c.n, 1, &mac, vrd_monotonic_ms());
	assert_true(run(all, 3, query_answered, 3000));
	assert_string_equal(c.query_router, "");

	/* a router of another CA, bootstrapping from a: never admitted */
	node_start(&x, "vrX", "192.0.2.0/24", other_ca, &other_ca_pub, &a);
	run(with_x, 4, NULL, 2000);
	assert_int_equal(peers_alive(&a), 2);
	assert_int_equal(peers_alive(&b), 2);
	assert_int_equal(peers_alive(&x), 0);
	for (size_t i = 0; i < a.nup; i++) {
		assert_string_not_equal(a.up[i], "vrX");
	}
	node_stop(&x);

	/* c stops: the others see it leave */
	node_stop(&c);
	struct tnode *ab[] = {&a, &b};

	run(ab, 2, NULL, 2500);
	assert_int_equal(peers_alive(&a), 1);
	assert_int_equal(peers_alive(&b), 1);
	node_stop(&a);
	node_stop(&b);
}

struct counter_q {
	const char *name;
	uint64_t v;
};

static int counter_get(const char *name, uint64_t value, void *arg)
{
	struct counter_q *q = arg;

	if (strcmp(name, q->name) == 0) {
		q->v = value;
	}
	return 0;
}

/* One named counter of t; UINT64_MAX when there is none. */
static uint64_t counter(struct tnode *t, const char *name)
{
	struct counter_q q = {name, UINT64_MAX};

	gossip_node_counters(t->n, counter_get, &q);
	return q.v;
}

static bool direct_at_c(struct tnode **ts, size_t count)
{
	return ts[2]->ndirect >= 2;
}

/*
 * Partial views and the data plane's APIs. A chain: vrA and vrC each know
 * only vrB and keep a view of one, so vrA and vrC are never neighbours.
 * vrD owns no UDP socket: the test passes it its datagrams (the data
 * plane's hand-off) and it still bootstraps. A direct message from vrA to
 * vrC goes over a connection opened on demand and, since the two had no
 * working connection, also relayed by vrB: both copies arrive. Then the
 * certificates and the errors.
 */
static void test_direct(void **state)
{
	static struct tnode a, b, c, d;
	struct tnode *all[] = {&a, &b, &c, &d};
	struct gossip_cert cert;
	uint8_t big[GOSSIP_DIRECT_MAX + 1] = {0};
	const uint8_t msg[] = "sealed key";

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	memset(&c, 0, sizeof(c));
	memset(&d, 0, sizeof(d));
	node_start_view(&b, "vrB", "198.51.100.0/24", ca, &ca_pub, NULL, 3,
			false);
	node_start_view(&a, "vrA", "192.0.2.0/24", ca, &ca_pub, &b, 1, false);
	node_start_view(&c, "vrC", "203.0.113.0/24", ca, &ca_pub, &b, 1, false);
	node_start_view(&d, "vrD", "192.0.2.0/24", ca, &ca_pub, &b, 1, true);
	/* no UDP socket of its own: zap and router only */
	assert_int_equal(d.nfds, 2);
	/* A router with a view of one that missed a newcomer's join rumour
	 * waits for the member-table repair: every 5th round (1 s each) to
	 * one of vrB's three neighbours at random, so up to about 15 s on
	 * average and more now and then under ASan. The bound is about that
	 * repair, not about speed. */
	if (!run(all, 4, all_meshed, 40000)) {
		dump(all, 4);
		fail_msg("the four nodes did not learn each other");
	}
	assert_true(d.udp_sent > 0); /* its CERT-REQUEST went through us */
	run(all, 4, NULL, 300);
	/* vrA and vrC: one neighbour each, vrB (or vrD), not each other */
	assert_int_equal(counter(&a, "gossip.view.size"), 1);
	assert_int_equal(counter(&c, "gossip.view.size"), 1);
	if (counter(&a, "gossip.conn.open") != 1 ||
	    counter(&c, "gossip.conn.open") != 1) {
		dump(all, 4);
		fail_msg("vrA or vrC holds more than its view");
	}

	assert_int_equal(gossip_node_send_direct(a.n, "vrC", msg, sizeof(msg)),
			 0);
	if (!run(all, 4, direct_at_c, 3000)) {
		dump(all, 4);
		fail_msg("vrC did not get both copies of the direct message");
	}
	assert_int_equal(c.ndirect, 2);
	assert_string_equal(c.direct_from, "vrA");
	assert_int_equal(c.direct_len, sizeof(msg));
	assert_memory_equal(c.direct_payload, msg, sizeof(msg));
	assert_int_equal(counter(&c, "gossip.direct.delivered"), 2);
	assert_int_equal(counter(&a, "gossip.direct.relayed_out"), 1);
	assert_int_equal(counter(&b, "gossip.direct.relayed") +
				 counter(&d, "gossip.direct.relayed"),
			 1);
	/* vrC answers over the connection vrA opened: one copy, at once */
	assert_int_equal(gossip_node_send_direct(c.n, "vrA", msg, 1), 0);
	assert_true(run(all, 4, NULL, 500));
	assert_int_equal(a.ndirect, 1);
	assert_string_equal(a.direct_from, "vrC");

	assert_int_equal(gossip_node_send_direct(a.n, "vrZ", msg, 1), -ENOENT);
	assert_int_equal(gossip_node_send_direct(a.n, "vrC", big, sizeof(big)),
			 -EMSGSIZE);
	assert_true(gossip_node_peer_cert(a.n, "vrC", &cert));
	assert_string_equal(cert.name, "vrC");
	assert_memory_equal(&cert.key, &c.cert.key, sizeof(cert.key));
	assert_memory_equal(cert.sig, c.cert.sig, sizeof(cert.sig));
	assert_true(cert.not_after == c.cert.not_after);
	assert_false(gossip_node_peer_cert(a.n, "vrZ", &cert));

	/* vrC leaves: its certificate is no longer handed out */
	node_stop(&c);
	run(all, 4, NULL, 1000);
	assert_false(gossip_node_peer_cert(a.n, "vrC", &cert));
	/* vrB, vrA, vrD: every node's fds handed back */
	node_stop(&d);
	node_stop(&a);
	node_stop(&b);
}

static bool member_at(struct tnode *t, const char *name, uint32_t addr,
		      uint64_t above)
{
	struct gossip_member_info mi;
	size_t cursor = 0;

	while (gossip_node_peer_next(t->n, &cursor, &mi)) {
		if (strcmp(mi.name, name) == 0) {
			return mi.state == GOSSIP_MEMBER_ALIVE &&
			       mi.addr == addr && mi.incarnation > above;
		}
	}
	return false;
}

#define MOVED_FROM 0x7f000002u /* 127.0.0.2 */
#define MOVED_TO 0x7f000003u /* 127.0.0.3 */

static uint64_t moved_inc; /* vrB's incarnation before the move */

static bool b_moved_everywhere(struct tnode **ts, size_t count)
{
	return member_at(ts[0], "vrB", MOVED_TO, moved_inc) &&
	       member_at(ts[2], "vrB", MOVED_TO, moved_inc);
}

static unsigned direct_want;

static bool direct_at_b(struct tnode **ts, size_t count)
{
	return ts[1]->ndirect >= direct_want;
}

static bool claim_of_b_everywhere(struct tnode **ts, size_t count)
{
	return has_record(ts[0], "vrB", GOSSIP_RECORD_HOST) &&
	       has_record(ts[2], "vrB", GOSSIP_RECORD_HOST);
}

/* Does anything listen on TCP addr:port? */
static bool tcp_listening(uint32_t addr, uint16_t port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET,
				  .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(addr)};
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	bool ok;

	assert_true(fd >= 0);
	ok = connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0;
	close(fd);
	return ok;
}

static uint16_t moved_port;

static bool old_closed(struct tnode **ts, size_t count)
{
	return !tcp_listening(MOVED_FROM, moved_port);
}

/*
 * A router's underlay address changes (gossip_node_set_address): vrB
 * starts on 127.0.0.2 and moves to 127.0.0.3. vrA and vrC (127.0.0.1)
 * keep one neighbour each, vrA's view holds both, so vrC is not vrB's
 * neighbour: vrA learns the new address from vrB's HELLO, vrC from the
 * rumour vrA passes on. vrC held an on-demand connection to vrB's old
 * address (a direct message before the move); after the move a direct
 * message arrives twice again, over vrC's connection (which must have
 * followed to the new address) and relayed by vrA. Nothing listens on the
 * old address any more, vrB is never suspected, a claim of its own still
 * spreads. A move to an address that is not ours fails and leaves the
 * binding as it was.
 */
static void test_address(void **state)
{
	static struct tnode a, b, c;
	struct tnode *all[] = {&a, &b, &c};
	struct gossip_member_info mi;
	struct vrd_mac mac = {{0x52, 0x54, 0, 0, 0x77, 9}};
	const uint8_t msg[] = "after the move";
	size_t cursor = 0;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	memset(&c, 0, sizeof(c));
	b.addr = MOVED_FROM;
	node_start_view(&a, "vrA", "192.0.2.0/24", ca, &ca_pub, NULL, 2, false);
	node_start_view(&b, "vrB", "198.51.100.0/24", ca, &ca_pub, &a, 1,
			false);
	node_start_view(&c, "vrC", "203.0.113.0/24", ca, &ca_pub, &a, 1, false);
	if (!run(all, 3, all_meshed, 10000)) {
		dump(all, 3);
		fail_msg("the three nodes did not learn each other");
	}
	run(all, 3, NULL, 300);
	assert_int_equal(counter(&a, "gossip.view.size"), 2);
	assert_int_equal(counter(&b, "gossip.view.size"), 1);
	assert_int_equal(counter(&c, "gossip.view.size"), 1);
	/* vrC opens a connection to vrB's old address: both copies arrive */
	direct_want = 2;
	assert_int_equal(gossip_node_send_direct(c.n, "vrB", msg, sizeof(msg)),
			 0);
	if (!run(all, 3, direct_at_b, 3000)) {
		dump(all, 3);
		fail_msg("vrB did not get both copies before its move");
	}
	while (gossip_node_peer_next(a.n, &cursor, &mi)) {
		if (strcmp(mi.name, "vrB") == 0) {
			break;
		}
	}
	assert_string_equal(mi.name, "vrB");
	assert_int_equal(mi.addr, MOVED_FROM);
	moved_inc = mi.incarnation;
	assert_true(tcp_listening(MOVED_FROM, b.port));
	moved_port = b.port;

	/* nothing changes: nothing to do */
	assert_int_equal(
		gossip_node_set_address(b.n, MOVED_FROM, vrd_monotonic_ms()),
		0);
	assert_int_equal(counter(&b, "gossip.address_changes"), 0);

	assert_int_equal(
		gossip_node_set_address(b.n, MOVED_TO, vrd_monotonic_ms()), 0);
	b.addr = MOVED_TO;
	assert_true(tcp_listening(MOVED_TO, b.port));
	/* ZeroMQ closes the old listener in its I/O thread, soon */
	assert_true(run(all, 3, old_closed, 1000));
	if (!run(all, 3, b_moved_everywhere, 5000)) {
		dump(all, 3);
		fail_msg("vrA and vrC did not learn vrB's new address");
	}

	/* vrC to vrB: over vrC's connection, now to the new address, and
	 * relayed by vrA */
	direct_want = 4;
	assert_int_equal(gossip_node_send_direct(c.n, "vrB", msg, sizeof(msg)),
			 0);
	if (!run(all, 3, direct_at_b, 3000)) {
		dump(all, 3);
		fail_msg("vrB did not get both copies after its move");
	}
	assert_int_equal(b.ndirect, 4);
	assert_string_equal(b.direct_from, "vrC");
	assert_memory_equal(b.direct_payload, msg, sizeof(msg));
	assert_int_equal(gossip_node_claim(b.n, 1, 0xc6336409u, &mac, 1), 0);
	if (!run(all, 3, claim_of_b_everywhere, 5000)) {
		dump(all, 3);
		fail_msg("vrB's claim did not spread after its move");
	}

	/* several probe periods later vrB is still alive everywhere, at the
	 * new address, never suspected */
	run(all, 3, NULL, 1500);
	assert_true(b_moved_everywhere(all, 3));
	assert_true(all_meshed(all, 3));
	assert_int_equal(counter(&a, "gossip.member.suspects"), 0);
	assert_int_equal(counter(&c, "gossip.member.suspects"), 0);

	/* an address that is not ours: refused, the binding stays */
	assert_true(gossip_node_set_address(b.n, 0xc0000201u /* 192.0.2.1 */,
					    vrd_monotonic_ms()) < 0);
	assert_true(tcp_listening(MOVED_TO, b.port));
	assert_int_equal(counter(&b, "gossip.address_changes"), 1);
	run(all, 3, NULL, 500);
	assert_true(b_moved_everywhere(all, 3));

	node_stop(&c);
	node_stop(&b);
	node_stop(&a);
}

static int setup(void **state)
{
	ca = gossip_ca_generate();
	other_ca = gossip_ca_generate();
	if (!ca || !other_ca) {
		return -1;
	}
	gossip_key_public(&ca_pub, ca);
	gossip_key_public(&other_ca_pub, other_ca);
	return 0;
}

static int teardown(void **state)
{
	gossip_key_destroy(ca);
	gossip_key_destroy(other_ca);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_three_nodes),
		cmocka_unit_test(test_direct),
		cmocka_unit_test(test_address),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
