/*
 * The gossip node, part: bootstrap over UDP. A router exchanges
 * certificates with its configured peers before any ZeroMQ connection,
 * the request padded so the exchange amplifies nothing (node_internal.h).
 */
#include "gossip/node_internal.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>

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
	req[4] = 1;
	req[5] = CERT_REQUEST;
	for (size_t i = 0; i < n->nboot; i++) {
		struct bootstrap *b = &n->boot[i];

		if (b->next_try > n->now || node_boot_known(n, b)) {
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
		   node_cert_accept(n, p + CERT_HDR, len - CERT_HDR, &cert) ==
			   0) {
		if (node_router_learn(n, &cert, p + CERT_HDR, len - CERT_HDR,
				      addr, port) &&
		    n->nview == 0) {
			n->next_view = n->now; /* join it at once */
		}
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
