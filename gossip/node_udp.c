/*
 * The gossip node, part: bootstrap over UDP. A router exchanges
 * certificates with its configured peers before any ZeroMQ connection,
 * the request padded so the exchange amplifies nothing (node_internal.h).
 */
#include "gossip/node_internal.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/random.h>

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

bool node_boot_known(struct gossip_node *n, const struct bootstrap *b)
{
	for (size_t i = 0; i < n->nrouters; i++) {
		if (n->routers[i]->addr == b->addr &&
		    n->routers[i]->port == b->port) {
			return true;
		}
	}
	return b->addr == n->address && b->port == n->port;
}

void node_bootstrap_tick(struct gossip_node *n)
{
	uint8_t req[CERT_REQUEST_LEN] = {0};

	memcpy(req, CERT_MAGIC, 4);
	req[4] = CERT_VERSION;
	req[5] = CERT_REQUEST;
	for (size_t i = 0; i < n->nboot; i++) {
		struct bootstrap *b = &n->boot[i];

		if (b->next_try > n->now || node_boot_known(n, b)) {
			continue;
		}
		/* a fresh nonce each time: only its echo is an answer */
		if (getrandom(b->nonce, sizeof(b->nonce), 0) !=
		    (ssize_t)sizeof(b->nonce)) {
			continue;
		}
		b->nonce_ms = n->now;
		memcpy(req + CERT_HDR, b->nonce, CERT_NONCE);
		udp_send(n, b->addr, b->port, req, sizeof(req));
		n->st.bootstrap_requests++;
		b->tries++;
		b->next_try = n->now + BOOTSTRAP_RETRY_MS *
					       (b->tries < 5 ? b->tries : 5);
	}
}

/* The bootstrap peer at addr:port we asked with nonce lately, NULL: a
 * reply nobody asked for (replayed, forged or late). */
static struct bootstrap *asked(struct gossip_node *n, uint32_t addr,
			       uint16_t port, const uint8_t *nonce)
{
	for (size_t i = 0; i < n->nboot; i++) {
		struct bootstrap *b = &n->boot[i];

		if (b->addr == addr && b->port == port && b->nonce_ms &&
		    n->now - b->nonce_ms <= CERT_NONCE_MS &&
		    memcmp(b->nonce, nonce, CERT_NONCE) == 0) {
			return b;
		}
	}
	return NULL;
}

/* A CERT-REPLY: taken only in answer to our own request (its nonce
 * echoed, from the address we asked), and never to move a router we know
 * (an address changes only through its signed, higher-incarnation
 * gossip). A replayed public certificate is no lever. */
static void cert_reply(struct gossip_node *n, const uint8_t *p, size_t len,
		       uint32_t addr, uint16_t port)
{
	const uint8_t *c = p + CERT_HDR + CERT_NONCE;
	size_t clen = len - CERT_HDR - CERT_NONCE;
	struct bootstrap *b = asked(n, addr, port, p + CERT_HDR);
	struct gossip_cert cert;

	if (!b) {
		n->st.bootstrap_unasked++;
		log_ratelimited(&n->rl, VRD_LOG_WARN,
				"gossip: a certificate reply nobody asked for "
				"(replayed?) dropped");
		return;
	}
	b->nonce_ms = 0; /* one answer per request */
	if (node_cert_accept(n, c, clen, &cert) < 0) {
		return;
	}
	if (node_router_by_name(n, cert.name)) {
		return; /* known: nothing to learn, nowhere to move it */
	}
	if (node_router_learn(n, &cert, c, clen, addr, port) && n->nview == 0) {
		n->next_view = n->now; /* join it at once */
	}
}

/* One datagram of ours (CERT-REQUEST, CERT-REPLY) from addr:port. */
static void udp_datagram(struct gossip_node *n, const uint8_t *p, size_t len,
			 uint32_t addr, uint16_t port)
{
	if (len < CERT_HDR + CERT_NONCE || memcmp(p, CERT_MAGIC, 4) != 0 ||
	    p[4] != CERT_VERSION) {
		n->st.bootstrap_bad++;
		return;
	}
	if (p[5] == CERT_REQUEST && len >= CERT_REQUEST_LEN) {
		uint8_t rep[CERT_HDR + CERT_NONCE + GOSSIP_CERT_MAX];

		memcpy(rep, CERT_MAGIC, 4);
		rep[4] = CERT_VERSION;
		rep[5] = CERT_REPLY;
		memcpy(rep + CERT_HDR, p + CERT_HDR, CERT_NONCE);
		memcpy(rep + CERT_HDR + CERT_NONCE, n->cert_bytes, n->cert_len);
		udp_send(n, addr, port, rep,
			 CERT_HDR + CERT_NONCE + n->cert_len);
		n->st.bootstrap_replies++;
	} else if (p[5] == CERT_REPLY &&
		   len - CERT_HDR - CERT_NONCE <= GOSSIP_CERT_MAX) {
		cert_reply(n, p, len, addr, port);
	} else {
		n->st.bootstrap_bad++;
	}
}

void node_udp_in(struct gossip_node *n)
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
	node_actions_run(n);
}
