#include "gossip/transport.h"
#include "base/addr.h"
#include "base/log.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#define ZAP_ENDPOINT "inproc://zeromq.zap.01"
#define USER_ID_LEN (1 + 2 * GOSSIP_CURVE_KEYBYTES) /* 'k'|'u' + hex */
#define HWM 10000
/* ZMTP heartbeats only keep TCP honest: SWIM decides liveness, so they can
 * be rare; every connection pays for them, and a router has 2(N-1). */
#define HEARTBEAT_IVL_MS 10000
#define HEARTBEAT_TIMEOUT_MS 30000
#define HANDSHAKE_MS 5000
/* queue_early: a DEALER queues from the start (no ZMQ_IMMEDIATE), so a
 * connection opened on demand loses no first message; a peer that never
 * answers costs at most this many queued messages. */
#define DEALER_HWM 1000

struct peer {
	char name[VRD_NAME_MAX + 1];
	uint32_t address;
	uint16_t port;
	uint8_t key[GOSSIP_CURVE_KEYBYTES];
	void *dealer;
	int fd;
};

struct gossip_transport {
	struct gossip_transport_config cfg;
	struct gossip_curve_keys keys;
	void *ctx, *zap, *router;
	int zap_fd, router_fd;
	char bound[64]; /* the ROUTER's endpoint */
	struct peer **peers;
	size_t npeers, cappeers;
	struct gossip_transport_stats stats;
	struct vrd_ratelimit rl;
};

int gossip_curve_from_key(struct gossip_curve_keys *out,
			  const struct gossip_key *key)
{
	struct gossip_pub pub;

	gossip_key_public(&pub, key);
	if (crypto_sign_ed25519_sk_to_curve25519(out->sec,
						 gossip_key_secret(key)) != 0 ||
	    crypto_sign_ed25519_pk_to_curve25519(out->pub, pub.b) != 0) {
		return -EINVAL;
	}
	return 0;
}

int gossip_curve_from_pub(uint8_t out[GOSSIP_CURVE_KEYBYTES],
			  const struct gossip_pub *pub)
{
	return crypto_sign_ed25519_pk_to_curve25519(out, pub->b) == 0 ? 0
								      : -EINVAL;
}

/* ---- socket helpers -------------------------------------------------- */

static int set_int(void *s, int opt, int v)
{
	return zmq_setsockopt(s, opt, &v, sizeof(v));
}

static int socket_fd(void *s)
{
	int fd = -1;
	size_t n = sizeof(fd);

	return zmq_getsockopt(s, ZMQ_FD, &fd, &n) == 0 ? fd : -1;
}

static bool readable(void *s)
{
	int ev = 0;
	size_t n = sizeof(ev);

	return zmq_getsockopt(s, ZMQ_EVENTS, &ev, &n) == 0 && (ev & ZMQ_POLLIN);
}

/* Options every TCP socket of the overlay gets. */
static int common_opts(void *s)
{
	if (set_int(s, ZMQ_LINGER, 0) || set_int(s, ZMQ_SNDHWM, HWM) ||
	    set_int(s, ZMQ_RCVHWM, HWM) ||
	    set_int(s, ZMQ_HEARTBEAT_IVL, HEARTBEAT_IVL_MS) ||
	    set_int(s, ZMQ_HEARTBEAT_TIMEOUT, HEARTBEAT_TIMEOUT_MS) ||
	    set_int(s, ZMQ_HANDSHAKE_IVL, HANDSHAKE_MS)) {
		return -zmq_errno();
	}
	/* a peer sending more than a message may be is cut off */
	int64_t max = GOSSIP_MSG_MAX;

	if (zmq_setsockopt(s, ZMQ_MAXMSGSIZE, &max, sizeof(max))) {
		return -zmq_errno();
	}
	return 0;
}

static void endpoint(char *buf, size_t len, uint32_t addr, uint16_t port)
{
	char a[VRD_IPV4_STRLEN];

	snprintf(buf, len, "tcp://%s:%u", vrd_ipv4_format(addr, a),
		 (unsigned)port);
}

/* Reads the remaining frames of a multi-part message and drops them. */
static void drain_more(void *s)
{
	int more = 0;
	size_t n = sizeof(more);

	while (zmq_getsockopt(s, ZMQ_RCVMORE, &more, &n) == 0 && more) {
		zmq_msg_t m;

		zmq_msg_init(&m);
		zmq_msg_recv(&m, s, ZMQ_DONTWAIT);
		zmq_msg_close(&m);
	}
}

static bool has_more(void *s)
{
	int more = 0;
	size_t n = sizeof(more);

	return zmq_getsockopt(s, ZMQ_RCVMORE, &more, &n) == 0 && more;
}

/* ---- ZAP: admit every key, say whether it is a known router's ------- */

static void zap_one(struct gossip_transport *t)
{
	char frames[7][64];
	size_t lens[7];
	uint8_t key[GOSSIP_CURVE_KEYBYTES];
	char user[USER_ID_LEN + 1];
	int i, n;
	bool known;

	/* version, request id, domain, address, identity, mechanism, key */
	for (i = 0; i < 7; i++) {
		n = zmq_recv(t->zap, frames[i], sizeof(frames[i]),
			     ZMQ_DONTWAIT);
		if (n < 0) {
			return;
		}
		lens[i] = (size_t)n;
		if (i < 6 && !has_more(t->zap)) {
			break;
		}
	}
	drain_more(t->zap);
	if (i < 6 || lens[6] != GOSSIP_CURVE_KEYBYTES || lens[1] > 63) {
		/* not a CURVE request: refuse (REP must still answer) */
		zmq_send(t->zap, "1.0", 3, ZMQ_SNDMORE);
		zmq_send(t->zap, frames[1], i >= 1 ? lens[1] : 0, ZMQ_SNDMORE);
		zmq_send(t->zap, "400", 3, ZMQ_SNDMORE);
		zmq_send(t->zap, "bad request", 11, ZMQ_SNDMORE);
		zmq_send(t->zap, "", 0, ZMQ_SNDMORE);
		zmq_send(t->zap, "", 0, 0);
		return;
	}
	memcpy(key, frames[6], sizeof(key));
	known = t->cfg.key_known && t->cfg.key_known(key, t->cfg.arg);
	if (known) {
		t->stats.zap_known++;
	} else {
		t->stats.zap_unknown++;
	}
	user[0] = known ? 'k' : 'u';
	sodium_bin2hex(user + 1, sizeof(user) - 1, key, sizeof(key));
	zmq_send(t->zap, "1.0", 3, ZMQ_SNDMORE);
	zmq_send(t->zap, frames[1], lens[1], ZMQ_SNDMORE);
	zmq_send(t->zap, "200", 3, ZMQ_SNDMORE);
	zmq_send(t->zap, "OK", 2, ZMQ_SNDMORE);
	zmq_send(t->zap, user, USER_ID_LEN, ZMQ_SNDMORE);
	zmq_send(t->zap, "", 0, 0);
}

/* ---- receiving ------------------------------------------------------- */

static bool oversized(struct gossip_transport *t, zmq_msg_t *m)
{
	if (zmq_msg_size(m) <= GOSSIP_MSG_MAX) {
		return false;
	}
	t->stats.dropped_oversized++;
	return true;
}

/* [routing id][payload] from a CURVE client */
static void router_one(struct gossip_transport *t)
{
	zmq_msg_t id, body;
	uint8_t key[GOSSIP_CURVE_KEYBYTES];
	const char *user;
	struct gossip_from from = {0};

	zmq_msg_init(&id);
	zmq_msg_init(&body);
	if (zmq_msg_recv(&id, t->router, ZMQ_DONTWAIT) < 0) {
		goto out;
	}
	if (!has_more(t->router) ||
	    zmq_msg_recv(&body, t->router, ZMQ_DONTWAIT) < 0 ||
	    has_more(t->router)) {
		drain_more(t->router);
		t->stats.dropped_oversized++; /* not one payload frame */
		goto out;
	}
	if (oversized(t, &body)) {
		goto out;
	}
	user = zmq_msg_gets(&body, "User-Id");
	if (!user || strlen(user) != USER_ID_LEN ||
	    sodium_hex2bin(key, sizeof(key), user + 1, USER_ID_LEN - 1, NULL,
			   NULL, NULL) != 0) {
		goto out; /* cannot happen with our ZAP handler */
	}
	from.key = key;
	from.key_known = user[0] == 'k';
	from.routing_id = zmq_msg_data(&id);
	from.routing_id_len = zmq_msg_size(&id);
	t->stats.msgs_in++;
	t->stats.bytes_in += zmq_msg_size(&body);
	t->cfg.on_message(&from, zmq_msg_data(&body), zmq_msg_size(&body),
			  t->cfg.arg);
out:
	zmq_msg_close(&id);
	zmq_msg_close(&body);
}

/* [payload] from the peer this DEALER talks to */
static void dealer_one(struct gossip_transport *t, struct peer *p)
{
	zmq_msg_t body;
	struct gossip_from from = {
		.peer = p->name, .key = p->key, .key_known = true};

	zmq_msg_init(&body);
	if (zmq_msg_recv(&body, p->dealer, ZMQ_DONTWAIT) < 0) {
		goto out;
	}
	if (has_more(p->dealer)) {
		drain_more(p->dealer);
		t->stats.dropped_oversized++;
		goto out;
	}
	if (oversized(t, &body)) {
		goto out;
	}
	t->stats.msgs_in++;
	t->stats.bytes_in += zmq_msg_size(&body);
	t->cfg.on_message(&from, zmq_msg_data(&body), zmq_msg_size(&body),
			  t->cfg.arg);
out:
	zmq_msg_close(&body);
}

int gossip_transport_process(struct gossip_transport *t, unsigned budget)
{
	unsigned used = 0;
	bool more = false;

	while (used < budget && readable(t->zap)) {
		zap_one(t);
		used++;
	}
	while (used < budget && readable(t->router)) {
		router_one(t);
		used++;
	}
	/* index, not pointer: a callback may add or remove peers */
	for (size_t i = 0; i < t->npeers; i++) {
		while (i < t->npeers && used < budget &&
		       readable(t->peers[i]->dealer)) {
			dealer_one(t, t->peers[i]);
			used++;
		}
	}
	if (readable(t->zap) || readable(t->router)) {
		more = true;
	}
	for (size_t i = 0; i < t->npeers && !more; i++) {
		more = readable(t->peers[i]->dealer);
	}
	return more ? 1 : 0;
}

/* ---- sending --------------------------------------------------------- */

static struct peer *peer_find(struct gossip_transport *t, const char *name,
			      size_t *idx)
{
	for (size_t i = 0; i < t->npeers; i++) {
		if (strcmp(t->peers[i]->name, name) == 0) {
			if (idx) {
				*idx = i;
			}
			return t->peers[i];
		}
	}
	return NULL;
}

static int sent(struct gossip_transport *t, int rc, size_t len)
{
	if (rc < 0) {
		t->stats.dropped_send++;
		return -zmq_errno();
	}
	t->stats.msgs_out++;
	t->stats.bytes_out += len;
	return 0;
}

int gossip_transport_send(struct gossip_transport *t, const char *name,
			  const uint8_t *msg, size_t len)
{
	struct peer *p = peer_find(t, name, NULL);

	if (!p) {
		return -ENOENT;
	}
	if (len > GOSSIP_MSG_MAX) {
		return -EMSGSIZE;
	}
	return sent(t, zmq_send(p->dealer, msg, len, ZMQ_DONTWAIT), len);
}

int gossip_transport_reply(struct gossip_transport *t,
			   const struct gossip_from *from, const uint8_t *msg,
			   size_t len)
{
	if (from->peer) {
		return gossip_transport_send(t, from->peer, msg, len);
	}
	if (len > GOSSIP_MSG_MAX) {
		return -EMSGSIZE;
	}
	if (zmq_send(t->router, from->routing_id, from->routing_id_len,
		     ZMQ_DONTWAIT | ZMQ_SNDMORE) < 0) {
		return sent(t, -1, 0);
	}
	return sent(t, zmq_send(t->router, msg, len, ZMQ_DONTWAIT), len);
}

/* ---- peers ----------------------------------------------------------- */

static void peer_close(struct gossip_transport *t, struct peer *p)
{
	if (t->cfg.fd_watch && p->fd >= 0) {
		t->cfg.fd_watch(p->fd, false, t->cfg.arg);
	}
	zmq_close(p->dealer);
	free(p);
}

int gossip_transport_peer_set(struct gossip_transport *t, const char *name,
			      uint32_t address, uint16_t port,
			      const uint8_t server_key[GOSSIP_CURVE_KEYBYTES])
{
	char ep[64];
	size_t idx = 0;
	struct peer *p = peer_find(t, name, &idx), *np;
	int rc;

	if (!vrd_name_valid(name)) {
		return -EINVAL;
	}
	if (p && p->address == address && p->port == port &&
	    memcmp(p->key, server_key, GOSSIP_CURVE_KEYBYTES) == 0) {
		return 0;
	}
	if (!p && t->npeers == GOSSIP_PEERS_MAX) {
		return -ENOSPC;
	}
	np = calloc(1, sizeof(*np));
	if (!np) {
		return -ENOMEM;
	}
	strcpy(np->name, name);
	np->address = address;
	np->port = port;
	memcpy(np->key, server_key, GOSSIP_CURVE_KEYBYTES);
	np->dealer = zmq_socket(t->ctx, ZMQ_DEALER);
	if (!np->dealer) {
		rc = -zmq_errno();
		goto err_free;
	}
	endpoint(ep, sizeof(ep), address, port);
	if ((rc = common_opts(np->dealer)) < 0 ||
	    set_int(np->dealer, ZMQ_IMMEDIATE, t->cfg.queue_early ? 0 : 1) ||
	    (t->cfg.queue_early &&
	     set_int(np->dealer, ZMQ_SNDHWM, DEALER_HWM)) ||
	    zmq_setsockopt(np->dealer, ZMQ_CURVE_SERVERKEY, server_key,
			   GOSSIP_CURVE_KEYBYTES) ||
	    zmq_setsockopt(np->dealer, ZMQ_CURVE_PUBLICKEY, t->keys.pub,
			   GOSSIP_CURVE_KEYBYTES) ||
	    zmq_setsockopt(np->dealer, ZMQ_CURVE_SECRETKEY, t->keys.sec,
			   GOSSIP_CURVE_KEYBYTES) ||
	    zmq_connect(np->dealer, ep)) {
		rc = rc < 0 ? rc : -zmq_errno();
		goto err_close;
	}
	np->fd = socket_fd(np->dealer);
	if (!p) {
		if (t->npeers == t->cappeers) {
			size_t cap = t->cappeers ? t->cappeers * 2 : 16;
			struct peer **v = realloc(t->peers, cap * sizeof(*v));

			if (!v) {
				rc = -ENOMEM;
				goto err_close;
			}
			t->peers = v;
			t->cappeers = cap;
		}
		idx = t->npeers++;
	} else {
		peer_close(t, p); /* new address or key: a new connection */
	}
	t->peers[idx] = np;
	if (t->cfg.fd_watch && np->fd >= 0) {
		t->cfg.fd_watch(np->fd, true, t->cfg.arg);
	}
	return 0;

err_close:
	zmq_close(np->dealer);
err_free:
	free(np);
	return rc;
}

int gossip_transport_peer_del(struct gossip_transport *t, const char *name)
{
	size_t idx = 0;
	struct peer *p = peer_find(t, name, &idx);

	if (!p) {
		return -ENOENT;
	}
	peer_close(t, p);
	t->peers[idx] = t->peers[--t->npeers];
	return 0;
}

/* ---- life ------------------------------------------------------------ */

int gossip_transport_rebind(struct gossip_transport *t, uint32_t address,
			    uint16_t port)
{
	char ep[64];
	int rc;

	endpoint(ep, sizeof(ep), address, port);
	if (strcmp(ep, t->bound) == 0) {
		return 0;
	}
	if (zmq_bind(t->router, ep)) {
		rc = -zmq_errno();
		log_ratelimited(&t->rl, VRD_LOG_WARN,
				"gossip: cannot bind %s: %s", ep,
				zmq_strerror(-rc));
		return rc;
	}
	/* the old listener goes, and the connections it accepted with it:
	 * their peers reconnect to the new address once they learn it */
	if (zmq_unbind(t->router, t->bound)) {
		log_ratelimited(&t->rl, VRD_LOG_WARN,
				"gossip: cannot unbind %s: %s", t->bound,
				zmq_strerror(zmq_errno()));
	}
	memcpy(t->bound, ep, sizeof(t->bound));
	return 0;
}

struct gossip_transport *
gossip_transport_create(const struct gossip_transport_config *cfg, char *err,
			size_t errlen)
{
	struct gossip_transport *t = calloc(1, sizeof(*t));
	char ep[64];

	if (!t) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	t->cfg = *cfg;
	t->keys = *cfg->keys;
	t->rl = (struct vrd_ratelimit)VRD_RATELIMIT_INIT(10000, 5);
	t->ctx = zmq_ctx_new();
	if (!t->ctx) {
		goto err_zmq;
	}
	/* the ZAP handler must be there before any handshake */
	t->zap = zmq_socket(t->ctx, ZMQ_REP);
	if (!t->zap || set_int(t->zap, ZMQ_LINGER, 0) ||
	    zmq_bind(t->zap, ZAP_ENDPOINT)) {
		goto err_zmq;
	}
	t->router = zmq_socket(t->ctx, ZMQ_ROUTER);
	if (!t->router || common_opts(t->router) < 0 ||
	    set_int(t->router, ZMQ_CURVE_SERVER, 1) ||
	    set_int(t->router, ZMQ_ROUTER_MANDATORY, 1) ||
	    zmq_setsockopt(t->router, ZMQ_CURVE_SECRETKEY, t->keys.sec,
			   GOSSIP_CURVE_KEYBYTES) ||
	    zmq_setsockopt(t->router, ZMQ_ZAP_DOMAIN, "vrd", 3)) {
		goto err_zmq;
	}
	endpoint(ep, sizeof(ep), cfg->address, cfg->port);
	if (zmq_bind(t->router, ep)) {
		snprintf(err, errlen, "gossip: cannot bind %s: %s", ep,
			 zmq_strerror(zmq_errno()));
		goto err_close;
	}
	memcpy(t->bound, ep, sizeof(t->bound));
	t->zap_fd = socket_fd(t->zap);
	t->router_fd = socket_fd(t->router);
	if (cfg->fd_watch) {
		cfg->fd_watch(t->zap_fd, true, cfg->arg);
		cfg->fd_watch(t->router_fd, true, cfg->arg);
	}
	return t;

err_zmq:
	snprintf(err, errlen, "gossip: zeromq: %s", zmq_strerror(zmq_errno()));
err_close:
	if (t->router) {
		zmq_close(t->router);
	}
	if (t->zap) {
		zmq_close(t->zap);
	}
	if (t->ctx) {
		zmq_ctx_term(t->ctx);
	}
	sodium_memzero(&t->keys, sizeof(t->keys));
	free(t);
	return NULL;
}

void gossip_transport_destroy(struct gossip_transport *t)
{
	if (!t) {
		return;
	}
	while (t->npeers) {
		gossip_transport_peer_del(t, t->peers[t->npeers - 1]->name);
	}
	if (t->cfg.fd_watch) {
		t->cfg.fd_watch(t->router_fd, false, t->cfg.arg);
		t->cfg.fd_watch(t->zap_fd, false, t->cfg.arg);
	}
	zmq_close(t->router);
	zmq_close(t->zap);
	zmq_ctx_term(t->ctx);
	free(t->peers);
	sodium_memzero(&t->keys, sizeof(t->keys));
	free(t);
}

void gossip_transport_get_stats(const struct gossip_transport *t,
				struct gossip_transport_stats *out)
{
	*out = t->stats;
}
