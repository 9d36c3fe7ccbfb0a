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

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gossip/node.h"
#include "vrd/clock.h"

#define LOOPBACK 0x7f000001u
#define NODES_MAX 5

struct tnode {
	char name[16];
	struct gossip_key *key;
	struct gossip_cert cert;
	struct gossip_node *n;
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
	for (size_t i = 0; i < t->nfds; i++)
		if (t->fds[i] == fd)
			t->fds[i] = t->fds[--t->nfds];
}

static void on_record(const struct gossip_record *r, void *arg)
{
	struct tnode *t = arg;

	if (t->nrecs < 32)
		t->recs[t->nrecs++] = *r;
}

static void on_peer(const char *name, uint32_t addr, int old, int state,
		    void *arg)
{
	struct tnode *t = arg;

	if (state == GOSSIP_MEMBER_ALIVE && t->nup < NODES_MAX)
		snprintf(t->up[t->nup++], 16, "%s", name);
}

static size_t hwdt_by_mac(uint32_t vn, const struct vrd_mac *mac,
			  struct gossip_wire_answer_entry *out, size_t max,
			  void *arg)
{
	struct tnode *t = arg;

	if (!t->have_ip || memcmp(mac->b, t->have_mac.b, 6) != 0)
		return 0;
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

static void node_start(struct tnode *t, const char *name, const char *net,
		       struct gossip_key *issuer,
		       const struct gossip_pub *trust, const struct tnode *boot)
{
	struct gossip_node_ops ops = {.fd_watch = fd_watch,
				      .record = on_record,
				      .peer_state = on_peer,
				      .hwdt_by_mac = hwdt_by_mac,
				      .query_done = query_done,
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
	cfg.address = LOOPBACK;
	cfg.key = t->key;
	cfg.cert = &t->cert;
	cfg.ca = trust;
	if (boot) {
		cfg.bootstrap_addr[0] = LOOPBACK;
		cfg.bootstrap_port[0] = boot->port;
		cfg.nbootstrap = 1;
	}
	/* faster than the defaults, so the test is short */
	gossip_member_params_default(&cfg.member);
	cfg.member.probe_interval_ms = 200;
	cfg.member.ack_timeout_ms = 60;
	cfg.member.suspicion_ms = 600;
	cfg.anti_entropy_ms = 200;
	for (int i = 0; i < 50 && !t->n; i++) {
		t->port = (uint16_t)(21000 + (getpid() * 13 + i * 197) % 40000);
		cfg.port = t->port;
		t->n = gossip_node_create(&cfg, &ops, vrd_monotonic_ms(), err,
					  sizeof(err));
	}
	assert_non_null(t->n);
}

static void node_stop(struct tnode *t)
{
	gossip_node_destroy(t->n);
	t->n = NULL;
	assert_int_equal(t->nfds, 0);
	gossip_key_destroy(t->key);
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
			if (!ts[k]->n)
				continue;
			while (gossip_node_process(ts[k]->n, 64, now))
				;
			if (gossip_node_next_ms(ts[k]->n) <= now)
				gossip_node_tick(ts[k]->n, now);
			gossip_node_process(ts[k]->n, 64, now);
		}
		if (cond && cond(ts, count))
			return true;
		for (size_t k = 0; k < count; k++)
			for (size_t i = 0; ts[k]->n && i < ts[k]->nfds; i++)
				pfd[np++] = (struct pollfd){.fd = ts[k]->fds[i],
							    .events = POLLIN};
		poll(pfd, np, 10);
	}
	return cond ? cond(ts, count) : true;
}

static size_t peers_alive(struct tnode *t)
{
	struct gossip_member_info mi;
	size_t cursor = 0, n = 0;

	while (gossip_node_peer_next(t->n, &cursor, &mi))
		if (mi.state == GOSSIP_MEMBER_ALIVE)
			n++;
	return n;
}

static int print_counter(const char *name, uint64_t value, void *arg)
{
	if (value)
		fprintf(stderr, "  %s %s=%llu\n", (const char *)arg, name,
			(unsigned long long)value);
	return 0;
}

/* What each node saw, for a failure's diagnosis. */
static void dump(struct tnode **ts, size_t count)
{
	for (size_t k = 0; k < count; k++) {
		if (!ts[k]->n)
			continue;
		fprintf(stderr, "%s: %zu peers alive\n", ts[k]->name,
			peers_alive(ts[k]));
		gossip_node_counters(ts[k]->n, print_counter, ts[k]->name);
	}
}

static bool all_meshed(struct tnode **ts, size_t count)
{
	for (size_t k = 0; k < count; k++)
		if (peers_alive(ts[k]) != count - 1)
			return false;
	return true;
}

static bool has_record(struct tnode *t, const char *origin, uint8_t type)
{
	for (size_t i = 0; i < t->nrecs; i++)
		if (t->recs[i].type == type &&
		    strcmp(t->recs[i].origin, origin) == 0)
			return true;
	return false;
}

static bool networks_everywhere(struct tnode **ts, size_t count)
{
	for (size_t k = 0; k < count; k++)
		for (size_t j = 0; j < count; j++)
			if (j != k && !has_record(ts[k], ts[j]->name,
						  GOSSIP_RECORD_NETWORK))
				return false;
	return true;
}

static bool claim_everywhere(struct tnode **ts, size_t count)
{
	for (size_t k = 1; k < count; k++)
		if (!has_record(ts[k], ts[0]->name, GOSSIP_RECORD_HOST))
			return false;
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
	for (size_t i = 0; i < b.nrecs; i++)
		assert_false(b.recs[i].prefix.len == 25);
	for (size_t i = 0; i < c.nrecs; i++)
		assert_false(c.recs[i].prefix.len == 25);

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
	for (size_t i = 0; i < a.nup; i++)
		assert_string_not_equal(a.up[i], "vrX");
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

static int setup(void **state)
{
	ca = gossip_ca_generate();
	other_ca = gossip_ca_generate();
	if (!ca || !other_ca)
		return -1;
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
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
