/* vrd-arp: send the frames of inject/arp.c by hand, and a small proxy ARP
 * responder over inject/proxy.c, for the netns tests and for experiments.
 *
 *   vrd-arp garp -i IF --ip IP --mac MAC [--reply] [--to MAC]
 *                [--count N] [--interval MS]
 *   vrd-arp reply -i IF --ip IP --mac MAC --to-ip IP --to-mac MAC
 *   vrd-arp request -i IF --ip IP --mac MAC --to-ip IP [--to MAC]
 *   vrd-arp proxy -i IF --ip IP [--ip IP ...] [--mac MAC]
 *                 [--own IP ...] [--on-lan IP ...] [--count N]
 *
 * proxy listens for ARP requests on IF (an AF_PACKET socket: a test tool
 * may; the daemon listens through capture/), prints one line per request
 * ("TARGET from SENDER: VERDICT"), answers those the decision allows with
 * --mac (default: IF's MAC), and exits after N requests (0: never). It
 * prints "ready" once it listens. --on-lan plays the HWDT.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "inject/arp.h"
#include "inject/proxy.h"
#include "base/addr.h"
#include "base/bytes.h"

#define MAX_LIST 16

struct opts {
	const char *ifname;
	uint32_t ip[MAX_LIST];
	size_t n_ip;
	struct vrd_mac mac;
	bool has_mac;
	bool reply;
	struct vrd_mac to;
	bool has_to;
	uint32_t to_ip;
	bool has_to_ip;
	struct vrd_mac to_mac;
	bool has_to_mac;
	uint32_t own[MAX_LIST];
	size_t n_own;
	uint32_t on_lan[MAX_LIST];
	size_t n_on_lan;
	unsigned long count;
	unsigned long interval_ms;
};

static void usage(void)
{
	fputs("usage: vrd-arp garp -i IF --ip IP --mac MAC [--reply] [--to MAC]"
	      " [--count N] [--interval MS]\n"
	      "       vrd-arp reply -i IF --ip IP --mac MAC --to-ip IP"
	      " --to-mac MAC\n"
	      "       vrd-arp request -i IF --ip IP --mac MAC --to-ip IP"
	      " [--to MAC]\n"
	      "       vrd-arp proxy -i IF --ip IP [--ip IP ...] [--mac MAC]"
	      " [--own IP ...] [--on-lan IP ...] [--count N]\n",
	      stderr);
	exit(2);
}

static void die(const char *what, const char *arg)
{
	fprintf(stderr, "vrd-arp: bad %s: %s\n", what, arg);
	exit(2);
}

static void ip_push(uint32_t *list, size_t *n, const char *s)
{
	if (*n == MAX_LIST) {
		die("list (too many addresses)", s);
	}
	if (vrd_ipv4_parse(s, &list[*n]) < 0) {
		die("address", s);
	}
	(*n)++;
}

static unsigned long num_parse(const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end) {
		die("number", s);
	}
	return v;
}

static void opts_parse(int argc, char **argv, struct opts *o)
{
	enum {
		O_IP = 256,
		O_MAC,
		O_REPLY,
		O_TO,
		O_TO_IP,
		O_TO_MAC,
		O_OWN,
		O_ON_LAN,
		O_COUNT,
		O_INTERVAL
	};
	static const struct option longopts[] = {
		{"ip", required_argument, NULL, O_IP},
		{"mac", required_argument, NULL, O_MAC},
		{"reply", no_argument, NULL, O_REPLY},
		{"to", required_argument, NULL, O_TO},
		{"to-ip", required_argument, NULL, O_TO_IP},
		{"to-mac", required_argument, NULL, O_TO_MAC},
		{"own", required_argument, NULL, O_OWN},
		{"on-lan", required_argument, NULL, O_ON_LAN},
		{"count", required_argument, NULL, O_COUNT},
		{"interval", required_argument, NULL, O_INTERVAL},
		{NULL, 0, NULL, 0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "i:", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			o->ifname = optarg;
			break;
		case O_IP:
			ip_push(o->ip, &o->n_ip, optarg);
			break;
		case O_MAC:
			if (vrd_mac_parse(optarg, &o->mac) < 0) {
				die("mac", optarg);
			}
			o->has_mac = true;
			break;
		case O_REPLY:
			o->reply = true;
			break;
		case O_TO:
			if (vrd_mac_parse(optarg, &o->to) < 0) {
				die("mac", optarg);
			}
			o->has_to = true;
			break;
		case O_TO_IP:
			if (vrd_ipv4_parse(optarg, &o->to_ip) < 0) {
				die("address", optarg);
			}
			o->has_to_ip = true;
			break;
		case O_TO_MAC:
			if (vrd_mac_parse(optarg, &o->to_mac) < 0) {
				die("mac", optarg);
			}
			o->has_to_mac = true;
			break;
		case O_OWN:
			ip_push(o->own, &o->n_own, optarg);
			break;
		case O_ON_LAN:
			ip_push(o->on_lan, &o->n_on_lan, optarg);
			break;
		case O_COUNT:
			o->count = num_parse(optarg);
			break;
		case O_INTERVAL:
			o->interval_ms = num_parse(optarg);
			break;
		default:
			usage();
		}
	}
	if (optind != argc || !o->ifname) {
		usage();
	}
}

static void sleep_ms(unsigned long ms)
{
	struct timespec ts = {.tv_sec = (time_t)(ms / 1000),
			      .tv_nsec = (long)(ms % 1000) * 1000000};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
	}
}

static int cmd_garp(struct inject *inj, const struct opts *o)
{
	enum inject_garp_op op =
		o->reply ? INJECT_GARP_REPLY : INJECT_GARP_REQUEST;
	unsigned long i, n = o->count ? o->count : 1;
	int r;

	if (o->n_ip != 1 || !o->has_mac) {
		usage();
	}
	for (i = 0; i < n; i++) {
		if (i > 0) {
			sleep_ms(o->interval_ms);
		}
		r = inject_garp_send(inj, o->ip[0], &o->mac, op,
				     o->has_to ? &o->to : NULL);
		if (r < 0) {
			fprintf(stderr, "vrd-arp: send: %s\n", strerror(-r));
			return 1;
		}
	}
	return 0;
}

static int cmd_reply(struct inject *inj, const struct opts *o)
{
	int r;

	if (o->n_ip != 1 || !o->has_mac || !o->has_to_ip || !o->has_to_mac) {
		usage();
	}
	r = inject_arp_reply_send(inj, o->ip[0], &o->mac, o->to_ip, &o->to_mac);
	if (r < 0) {
		fprintf(stderr, "vrd-arp: send: %s\n", strerror(-r));
		return 1;
	}
	return 0;
}

static int cmd_request(struct inject *inj, const struct opts *o)
{
	int r;

	if (o->n_ip != 1 || !o->has_mac || !o->has_to_ip) {
		usage();
	}
	r = inject_arp_request_send(inj, o->ip[0], &o->mac, o->to_ip,
				    o->has_to ? &o->to : NULL);
	if (r < 0) {
		fprintf(stderr, "vrd-arp: send: %s\n", strerror(-r));
		return 1;
	}
	return 0;
}

static bool list_on_lan(void *arg, uint32_t ip)
{
	const struct opts *o = arg;
	size_t i;

	for (i = 0; i < o->n_on_lan; i++) {
		if (o->on_lan[i] == ip) {
			return true;
		}
	}
	return false;
}

/* An Ethernet/IPv4 ARP request: fills sender and target, else false. */
static bool request_parse(const uint8_t *f, size_t len, uint32_t *spa,
			  struct vrd_mac *sha, uint32_t *tpa)
{
	if (len < 14 + 28 || f[12] != 0x08 || f[13] != 0x06) {
		return false;
	}
	f += 14;
	/* htype 1, ptype 0x0800, hlen 6, plen 4, op 1 */
	if (f[0] != 0 || f[1] != 1 || f[2] != 0x08 || f[3] != 0 || f[4] != 6 ||
	    f[5] != 4 || f[6] != 0 || f[7] != 1) {
		return false;
	}
	memcpy(sha->b, f + 8, 6);
	*spa = vrd_get_be32(f + 14);
	*tpa = vrd_get_be32(f + 24);
	return true;
}

static int listen_open(const char *ifname)
{
	struct sockaddr_ll sll = {.sll_family = AF_PACKET,
				  .sll_protocol = htons(ETH_P_ARP)};
	int fd;

	sll.sll_ifindex = (int)if_nametoindex(ifname);
	if (sll.sll_ifindex == 0) {
		return -errno;
	}
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ARP));
	if (fd < 0) {
		return -errno;
	}
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	return fd;
}

static int cmd_proxy(struct inject *inj, struct opts *o)
{
	char tbuf[VRD_IPV4_STRLEN], sbuf[VRD_IPV4_STRLEN];
	struct inject_proxy_ctx ctx = {.own = o->own,
				       .n_own = o->n_own,
				       .on_lan = list_on_lan,
				       .on_lan_arg = o};
	enum inject_proxy_verdict v;
	struct inject_proxy_set *set;
	unsigned long seen = 0;
	struct sockaddr_ll from;
	socklen_t fromlen;
	uint8_t frame[1600];
	struct vrd_mac sha;
	uint32_t spa, tpa;
	int fd, r = 1;
	ssize_t n;
	size_t i;

	if (o->n_ip == 0) {
		usage();
	}
	if (!o->has_mac) {
		inject_hwaddr(inj, &o->mac);
	}
	set = inject_proxy_set_create(MAX_LIST);
	if (!set) {
		perror("vrd-arp: proxy set");
		return 1;
	}
	for (i = 0; i < o->n_ip; i++) {
		inject_proxy_set_add(set, o->ip[i]);
	}
	ctx.set = set;
	fd = listen_open(o->ifname);
	if (fd < 0) {
		fprintf(stderr, "vrd-arp: listen on %s: %s\n", o->ifname,
			strerror(-fd));
		goto destroy_set;
	}
	printf("ready\n");
	fflush(stdout);
	while (o->count == 0 || seen < o->count) {
		fromlen = sizeof(from);
		n = recvfrom(fd, frame, sizeof(frame), 0,
			     (struct sockaddr *)&from, &fromlen);
		if (n < 0) {
			if (errno == EINTR) {
				continue;
			}
			perror("vrd-arp: recv");
			goto close_fd;
		}
		if (from.sll_pkttype == PACKET_OUTGOING ||
		    !request_parse(frame, (size_t)n, &spa, &sha, &tpa)) {
			continue;
		}
		seen++;
		inject_proxy_should_answer(&ctx, tpa, spa, &v);
		printf("%s from %s: %s\n", vrd_ipv4_format(tpa, tbuf),
		       vrd_ipv4_format(spa, sbuf),
		       inject_proxy_verdict_name(v));
		fflush(stdout);
		if (v == INJECT_PROXY_ANSWER &&
		    inject_arp_reply_send(inj, tpa, &o->mac, spa, &sha) < 0) {
			fprintf(stderr, "vrd-arp: reply failed\n");
		}
	}
	r = 0;
close_fd:
	close(fd);
destroy_set:
	inject_proxy_set_destroy(set);
	return r;
}

int main(int argc, char **argv)
{
	struct opts o = {.count = 1};
	char err[256];
	struct inject *inj;
	const char *cmd;
	int r;

	if (argc < 2) {
		usage();
	}
	cmd = argv[1];
	opts_parse(argc - 1, argv + 1, &o);
	if (strcmp(cmd, "garp") && strcmp(cmd, "reply") &&
	    strcmp(cmd, "request") && strcmp(cmd, "proxy")) {
		usage();
	}
	inj = inject_open(o.ifname, err, sizeof(err));
	if (!inj) {
		fprintf(stderr, "vrd-arp: %s\n", err);
		return 1;
	}
	if (!strcmp(cmd, "garp")) {
		r = cmd_garp(inj, &o);
	} else if (!strcmp(cmd, "reply")) {
		r = cmd_reply(inj, &o);
	} else if (!strcmp(cmd, "request")) {
		r = cmd_request(inj, &o);
	} else {
		r = cmd_proxy(inj, &o);
	}
	inject_close(inj);
	return r;
}
