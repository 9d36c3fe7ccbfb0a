/*
 * vrd-gossip-rogue: a certified router that misbehaves, for the namespace
 * tests. It joins the overlay like vrd (certificate, CURVE, bootstrap over
 * UDP) and then announces a network its certificate does not cover, signed
 * with its own key, so every honest router must refuse it; or, with
 * --claim, claims COUNT consecutive IPs from IP (vn 1, MAC with the IP's
 * low byte) at mobility_seq SEQ, once, 3 s after it starts: a huge seq or a
 * claim flood (issue 11).
 *
 *   vrd-gossip-rogue --ca CA.pub --cert NAME.crt --key NAME.key
 *                    --address IP --port PORT --peer IP:PORT
 *                    (--announce PREFIX | --claim IP --seq SEQ
 *                    [--count COUNT]) [--seconds N]
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gossip/node.h"
#include "base/clock.h"

struct fds {
	int fd[64];
	size_t n;
};

static void fd_watch(int fd, bool added, void *arg)
{
	struct fds *f = arg;

	if (added && f->n < 64) {
		f->fd[f->n++] = fd;
		return;
	}
	for (size_t i = 0; i < f->n; i++) {
		if (f->fd[i] == fd) {
			f->fd[i] = f->fd[--f->n];
		}
	}
}

static int parse_hostport(const char *s, uint32_t *addr, uint16_t *port)
{
	char host[32];
	const char *colon = strchr(s, ':');

	if (!colon || (size_t)(colon - s) >= sizeof(host)) {
		return -EINVAL;
	}
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	*port = (uint16_t)atoi(colon + 1);
	return vrd_ipv4_parse(host, addr);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"ca", required_argument, NULL, 'a'},
		{"cert", required_argument, NULL, 'c'},
		{"key", required_argument, NULL, 'k'},
		{"address", required_argument, NULL, 'A'},
		{"port", required_argument, NULL, 'p'},
		{"peer", required_argument, NULL, 'P'},
		{"announce", required_argument, NULL, 'n'},
		{"seconds", required_argument, NULL, 's'},
		{"claim", required_argument, NULL, 'C'},
		{"seq", required_argument, NULL, 'S'},
		{"count", required_argument, NULL, 'N'},
		{0},
	};
	const char *ca_path = NULL, *cert_path = NULL, *key_path = NULL;
	struct gossip_node_config cfg = {0};
	struct gossip_node_ops ops = {.fd_watch = fd_watch};
	struct gossip_key *key = NULL;
	struct gossip_cert cert;
	struct gossip_pub ca;
	struct vrd_prefix announce = {0};
	struct gossip_node *n;
	struct fds fds = {.n = 0};
	char err[256];
	unsigned seconds = 10, count = 1;
	uint32_t claim_ip = 0;
	uint64_t claim_seq = 0;
	bool have_announce = false, claimed = false;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			ca_path = optarg;
			break;
		case 'c':
			cert_path = optarg;
			break;
		case 'k':
			key_path = optarg;
			break;
		case 'A':
			if (vrd_ipv4_parse(optarg, &cfg.address) < 0) {
				goto usage;
			}
			break;
		case 'p':
			cfg.port = (uint16_t)atoi(optarg);
			break;
		case 'P':
			if (cfg.nbootstrap == GOSSIP_NODE_BOOTSTRAP_MAX ||
			    parse_hostport(
				    optarg, &cfg.bootstrap_addr[cfg.nbootstrap],
				    &cfg.bootstrap_port[cfg.nbootstrap]) < 0) {
				goto usage;
			}
			cfg.nbootstrap++;
			break;
		case 'n':
			if (vrd_prefix_parse(optarg, &announce, NULL) < 0) {
				goto usage;
			}
			have_announce = true;
			break;
		case 's':
			seconds = (unsigned)atoi(optarg);
			break;
		case 'C':
			if (vrd_ipv4_parse(optarg, &claim_ip) < 0) {
				goto usage;
			}
			break;
		case 'S':
			claim_seq = strtoull(optarg, NULL, 0);
			break;
		case 'N':
			count = (unsigned)atoi(optarg);
			break;
		default:
			goto usage;
		}
	}
	if (!ca_path || !cert_path || !key_path || !cfg.port ||
	    have_announce == (claim_ip != 0) || (claim_ip && !claim_seq)) {
		goto usage;
	}
	if (gossip_ca_pub_load(&ca, ca_path, err, sizeof(err)) < 0 ||
	    gossip_cert_load(&cert, cert_path, err, sizeof(err)) < 0 ||
	    gossip_key_load(&key, key_path, err, sizeof(err)) < 0) {
		fprintf(stderr, "vrd-gossip-rogue: %s\n", err);
		return 1;
	}
	cfg.name = cert.name;
	cfg.key = key;
	cfg.cert = &cert;
	cfg.ca = &ca;
	ops.arg = &fds;
	n = gossip_node_create(&cfg, &ops, vrd_monotonic_ms(), err,
			       sizeof(err));
	if (!n) {
		fprintf(stderr, "vrd-gossip-rogue: %s\n", err);
		return 1;
	}
	uint64_t start = vrd_monotonic_ms();
	uint64_t end = start + seconds * 1000ull;
	uint64_t next_announce = 0;

	while (vrd_monotonic_ms() < end) {
		struct pollfd pfd[64];
		uint64_t now = vrd_monotonic_ms();

		for (size_t i = 0; i < fds.n; i++) {
			pfd[i] = (struct pollfd){.fd = fds.fd[i],
						 .events = POLLIN};
		}
		poll(pfd, fds.n, 20);
		now = vrd_monotonic_ms();
		while (gossip_node_process(n, 64, now))
			;
		if (gossip_node_next_ms(n) <= now) {
			gossip_node_tick(n, now);
		}
		/* once a second: whoever joined since hears it too */
		if (have_announce && now >= next_announce) {
			gossip_node_publish_network(n, 1, &announce);
			next_announce = now + 1000;
		}
		if (claim_ip && !claimed && now >= start + 3000) {
			for (unsigned i = 0; i < count; i++) {
				uint32_t ip = claim_ip + i;
				struct vrd_mac mac = {{0x52, 0x54, 0x00, 0xee,
						       (uint8_t)(ip >> 8),
						       (uint8_t)ip}};

				gossip_node_claim(n, 1, ip, &mac, claim_seq);
			}
			claimed = true;
		}
		gossip_node_process(n, 64, now);
	}
	gossip_node_destroy(n);
	gossip_key_destroy(key);
	return 0;
usage:
	fprintf(stderr, "usage: vrd-gossip-rogue --ca CA.pub --cert CRT "
			"--key KEY --address IP --port PORT --peer IP:PORT "
			"(--announce PREFIX | --claim IP --seq SEQ "
			"[--count N]) [--seconds N]\n");
	return 2;
}
