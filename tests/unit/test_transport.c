/* The gossip transport over real ZeroMQ on loopback: CURVE with keys
 * derived from Ed25519 router keys, the ZAP handler's known/unknown tag,
 * replies on the connection, and a wrong server key that never gets a
 * message through. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "gossip/transport.h"
#include "base/clock.h"

#define LOOPBACK 0x7f000001u

struct node {
	const char *name;
	struct gossip_key *key;
	struct gossip_curve_keys curve;
	struct gossip_transport *t;
	uint16_t port;
	int fds[64];
	size_t nfds;
	/* what arrived */
	char last[256];
	const char *last_peer;
	bool last_known;
	uint8_t last_key[GOSSIP_CURVE_KEYBYTES];
	unsigned received;
	bool echo; /* reply "re:" + message on the same connection */
	/* keys this node considers certified */
	const uint8_t *known[4];
	size_t nknown;
};

static void fd_watch(int fd, bool added, void *arg)
{
	struct node *n = arg;

	if (added) {
		n->fds[n->nfds++] = fd;
		return;
	}
	for (size_t i = 0; i < n->nfds; i++) {
		if (n->fds[i] == fd) {
			n->fds[i] = n->fds[--n->nfds];
		}
	}
}

static bool key_known(const uint8_t key[GOSSIP_CURVE_KEYBYTES], void *arg)
{
	struct node *n = arg;

	for (size_t i = 0; i < n->nknown; i++) {
		if (memcmp(n->known[i], key, GOSSIP_CURVE_KEYBYTES) == 0) {
			return true;
		}
	}
	return false;
}

static void on_message(const struct gossip_from *from, const uint8_t *msg,
		       size_t len, void *arg)
{
	struct node *n = arg;
	char re[300];

	assert_true(len < sizeof(n->last));
	memcpy(n->last, msg, len);
	n->last[len] = '\0';
	n->last_peer = from->peer;
	n->last_known = from->key_known;
	memcpy(n->last_key, from->key, GOSSIP_CURVE_KEYBYTES);
	n->received++;
	if (n->echo) {
		int k = snprintf(re, sizeof(re), "re:%s", n->last);

		assert_int_equal(gossip_transport_reply(
					 n->t, from, (uint8_t *)re, (size_t)k),
				 0);
	}
}

static void node_start_q(struct node *n, const char *name, bool queue)
{
	struct gossip_transport_config cfg = {
		.address = LOOPBACK,
		.key_known = key_known,
		.on_message = on_message,
		.fd_watch = fd_watch,
		.arg = n,
	};
	char err[256];

	n->name = name;
	n->key = gossip_key_generate();
	assert_non_null(n->key);
	assert_int_equal(gossip_curve_from_key(&n->curve, n->key), 0);
	cfg.keys = &n->curve;
	cfg.queue_early = queue;
	/* a free port: try a few */
	for (int i = 0; i < 50 && !n->t; i++) {
		n->port = (uint16_t)(20000 + (getpid() * 7 + i * 131) % 40000);
		cfg.port = n->port;
		n->t = gossip_transport_create(&cfg, err, sizeof(err));
	}
	assert_non_null(n->t);
}

static void node_start(struct node *n, const char *name)
{
	node_start_q(n, name, false);
}

static void node_stop(struct node *n)
{
	gossip_transport_destroy(n->t);
	assert_int_equal(n->nfds, 0); /* every fd handed back */
	gossip_key_destroy(n->key);
}

/* Runs both nodes until cond() or timeout_ms; true when cond held. */
static bool run(struct node **nodes, size_t count, bool (*cond)(void *),
		void *arg, unsigned timeout_ms)
{
	uint64_t end = vrd_monotonic_ms() + timeout_ms;

	while (vrd_monotonic_ms() < end) {
		struct pollfd pfd[256];
		size_t n = 0;

		for (size_t k = 0; k < count; k++) {
			while (gossip_transport_process(nodes[k]->t, 64))
				;
		}
		if (cond(arg)) {
			return true;
		}
		for (size_t k = 0; k < count; k++) {
			for (size_t i = 0; i < nodes[k]->nfds; i++) {
				pfd[n++] =
					(struct pollfd){.fd = nodes[k]->fds[i],
							.events = POLLIN};
			}
		}
		poll(pfd, n, 20);
	}
	return cond(arg);
}

static bool got_one(void *arg)
{
	return ((struct node *)arg)->received > 0;
}

static void test_curve_exchange(void **state)
{
	struct node a = {0}, b = {0};
	struct node *both[] = {&a, &b};
	struct gossip_pub pub;
	uint8_t bkey[GOSSIP_CURVE_KEYBYTES];

	node_start(&a, "vrA");
	node_start(&b, "vrB");
	b.echo = true;
	/* b knows a's key: a is a certified router to it */
	b.known[b.nknown++] = a.curve.pub;
	/* a reaches b with the key b's certificate implies */
	gossip_key_public(&pub, b.key);
	assert_int_equal(gossip_curve_from_pub(bkey, &pub), 0);
	assert_memory_equal(bkey, b.curve.pub, sizeof(bkey));
	assert_int_equal(
		gossip_transport_peer_set(a.t, "vrB", LOOPBACK, b.port, bkey),
		0);
	/* ZMQ_IMMEDIATE: nothing is queued before the handshake is done */
	for (int i = 0; i < 200; i++) {
		if (gossip_transport_send(a.t, "vrB", (uint8_t *)"hello", 5) ==
		    0) {
			break;
		}
		run(both, 2, got_one, &b, 10);
	}
	assert_true(run(both, 2, got_one, &b, 3000));
	assert_string_equal(b.last, "hello");
	assert_null(b.last_peer); /* arrived on b's ROUTER */
	assert_true(b.last_known);
	assert_memory_equal(b.last_key, a.curve.pub, GOSSIP_CURVE_KEYBYTES);
	/* the reply comes back on a's DEALER, from vrB */
	assert_true(run(both, 2, got_one, &a, 3000));
	assert_string_equal(a.last, "re:hello");
	assert_string_equal(a.last_peer, "vrB");
	assert_int_equal(gossip_transport_send(a.t, "vrX", (uint8_t *)"x", 1),
			 -ENOENT);
	assert_int_equal(gossip_transport_peer_del(a.t, "vrB"), 0);
	assert_int_equal(gossip_transport_send(a.t, "vrB", (uint8_t *)"x", 1),
			 -ENOENT);
	node_stop(&a);
	node_stop(&b);
}

/* A client b has no certificate for is admitted but tagged unknown. */
static void test_unknown_key_tagged(void **state)
{
	struct node a = {0}, b = {0};
	struct node *both[] = {&a, &b};
	struct gossip_transport_stats st;

	node_start(&a, "vrA");
	node_start(&b, "vrB");
	assert_int_equal(gossip_transport_peer_set(a.t, "vrB", LOOPBACK, b.port,
						   b.curve.pub),
			 0);
	for (int i = 0; i < 200; i++) {
		if (gossip_transport_send(a.t, "vrB", (uint8_t *)"hi", 2) ==
		    0) {
			break;
		}
		run(both, 2, got_one, &b, 10);
	}
	assert_true(run(both, 2, got_one, &b, 3000));
	assert_false(b.last_known);
	gossip_transport_get_stats(b.t, &st);
	assert_true(st.zap_unknown == 1 && st.zap_known == 0);
	node_stop(&a);
	node_stop(&b);
}

/* With a server key that is not b's, the CURVE handshake fails: nothing
 * is ever delivered and nothing can even be queued. */
static void test_wrong_server_key(void **state)
{
	struct node a = {0}, b = {0}, c = {0};
	struct node *all[] = {&a, &b, &c};
	int queued = 0;

	node_start(&a, "vrA");
	node_start(&b, "vrB");
	node_start(&c, "vrC");
	/* a believes vrB's key is c's */
	assert_int_equal(gossip_transport_peer_set(a.t, "vrB", LOOPBACK, b.port,
						   c.curve.pub),
			 0);
	for (int i = 0; i < 50; i++) {
		if (gossip_transport_send(a.t, "vrB", (uint8_t *)"x", 1) == 0) {
			queued++;
		}
		run(all, 3, got_one, &b, 20);
	}
	assert_int_equal(queued, 0);
	assert_int_equal(b.received, 0);
	node_stop(&a);
	node_stop(&b);
	node_stop(&c);
}

/* queue_early: the first send on a new DEALER is taken at once and
 * delivered when the handshake is done (a connection on demand). */
static void test_queue_early(void **state)
{
	struct node a = {0}, b = {0};
	struct node *both[] = {&a, &b};

	node_start_q(&a, "vrA", true);
	node_start(&b, "vrB");
	b.known[b.nknown++] = a.curve.pub;
	assert_int_equal(gossip_transport_peer_set(a.t, "vrB", LOOPBACK, b.port,
						   b.curve.pub),
			 0);
	assert_int_equal(
		gossip_transport_send(a.t, "vrB", (uint8_t *)"first", 5), 0);
	assert_true(run(both, 2, got_one, &b, 3000));
	assert_string_equal(b.last, "first");
	assert_true(b.last_known);
	node_stop(&a);
	node_stop(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_curve_exchange),
		cmocka_unit_test(test_unknown_key_tagged),
		cmocka_unit_test(test_wrong_server_key),
		cmocka_unit_test(test_queue_early),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
