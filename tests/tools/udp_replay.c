/*
 * vrd-udp-replay: sends the UDP payloads of a capture again, unchanged or
 * with one bit flipped, for the data plane's replay and tamper tests.
 *
 *   vrd-udp-replay -r FILE.pcap -d DEST -p PORT [--tamper OFFSET] [-n MAX]
 *
 * Reads every IPv4/UDP datagram of FILE (link types Ethernet with or
 * without one 802.1Q tag, Linux cooked v1/v2, BSD loopback, raw IP;
 * fragments and anything else are skipped) and sends its payload to
 * DEST:PORT from an unbound UDP socket, in capture order, at most MAX of
 * them. --tamper xors the byte at OFFSET of each payload with 0x01
 * (payloads too short for OFFSET are skipped). Prints
 *   {"read":N,"sent":N}
 * read: UDP datagrams taken from the file; sent: payloads sent. Exit 0 if
 * at least one was sent, 1 otherwise.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/bytes.h"
#include "tests/tools/tool_util.h"

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_VLAN 0x8100
#define IPPROTO_UDP_ 17

static void usage(FILE *f)
{
	fprintf(f, "usage: vrd-udp-replay -r FILE.pcap -d DEST -p PORT "
		   "[--tamper OFFSET] [-n MAX]\n");
}

static bool link_supported(int dlt)
{
	switch (dlt) {
	case DLT_EN10MB:
	case DLT_LINUX_SLL:
	case DLT_LINUX_SLL2:
	case DLT_NULL:
	case DLT_RAW:
#ifdef DLT_IPV4
	case DLT_IPV4:
#endif
		return true;
	default:
		return false;
	}
}

/* Offset of the IPv4 header in a frame of link type dlt, or -1. */
static long link_skip(int dlt, const uint8_t *p, size_t len)
{
	switch (dlt) {
	case DLT_EN10MB:
		if (len >= 18 && vrd_get_be16(p + 12) == ETHERTYPE_VLAN &&
		    vrd_get_be16(p + 16) == ETHERTYPE_IPV4) {
			return 18;
		}
		return len >= 14 && vrd_get_be16(p + 12) == ETHERTYPE_IPV4 ? 14
									   : -1;
	case DLT_LINUX_SLL:
		return len >= 16 && vrd_get_be16(p + 14) == ETHERTYPE_IPV4 ? 16
									   : -1;
	case DLT_LINUX_SLL2:
		return len >= 20 && vrd_get_be16(p) == ETHERTYPE_IPV4 ? 20 : -1;
	case DLT_NULL:
		/* AF_INET (2) in the capturing host's byte order */
		if (len >= 4 && ((p[0] == 2 && !p[1] && !p[2] && !p[3]) ||
				 (!p[0] && !p[1] && !p[2] && p[3] == 2))) {
			return 4;
		}
		return -1;
	case DLT_RAW:
#ifdef DLT_IPV4
	case DLT_IPV4:
#endif
		return 0;
	default:
		return -1;
	}
}

/* The UDP payload of an IPv4 packet: true with *payload and *len set. */
static bool udp_payload(const uint8_t *ip, size_t caplen,
			const uint8_t **payload, size_t *len)
{
	size_t ihl, total, udp_len;

	if (caplen < 20 || ip[0] >> 4 != 4) {
		return false;
	}
	ihl = (size_t)(ip[0] & 0x0f) * 4;
	total = vrd_get_be16(ip + 2);
	/* not UDP, or a fragment (MF set or a fragment offset) */
	if (ip[9] != IPPROTO_UDP_ || (vrd_get_be16(ip + 6) & 0x3fff) != 0) {
		return false;
	}
	if (ihl < 20 || total < ihl + 8 || total > caplen) {
		return false;
	}
	udp_len = vrd_get_be16(ip + ihl + 4);
	if (udp_len < 8 || udp_len > total - ihl) {
		return false;
	}
	*payload = ip + ihl + 8;
	*len = udp_len - 8;
	return true;
}

static int dest_resolve(const char *host, long port, struct sockaddr_in *sin)
{
	struct addrinfo hints = {.ai_family = AF_INET,
				 .ai_socktype = SOCK_DGRAM};
	struct addrinfo *res;
	int rc = getaddrinfo(host, NULL, &hints, &res);

	if (rc != 0) {
		fprintf(stderr, "vrd-udp-replay: %s: %s\n", host,
			gai_strerror(rc));
		return -EINVAL;
	}
	memcpy(sin, res->ai_addr, sizeof(*sin));
	sin->sin_port = htons((uint16_t)port);
	freeaddrinfo(res);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"tamper", required_argument, NULL, 'T'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	const char *file = NULL, *dest = NULL;
	char errbuf[PCAP_ERRBUF_SIZE];
	long port = -1, tamper = -1, max = LONG_MAX;
	unsigned long n_read = 0, sent = 0, failed = 0, short_ = 0;
	struct pcap_pkthdr *h;
	const u_char *frame;
	struct sockaddr_in sin;
	static uint8_t buf[65536];
	pcap_t *pc;
	int opt, fd, dlt, rc = 0;

	while ((opt = getopt_long(argc, argv, "r:d:p:n:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'r':
			file = optarg;
			break;
		case 'd':
			dest = optarg;
			break;
		case 'p':
			port = tool_number_parse(optarg, 1, 65535);
			break;
		case 'n':
			max = tool_number_parse(optarg, 1, LONG_MAX);
			break;
		case 'T':
			tamper = tool_number_parse(optarg, 0, 65535);
			if (tamper < 0) {
				max = LONG_MIN;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!file || !dest || port < 0 || max < 0 || optind != argc) {
		usage(stderr);
		return 2;
	}
	if (dest_resolve(dest, port, &sin) < 0) {
		return 2;
	}
	pc = pcap_open_offline(file, errbuf);
	if (!pc) {
		fprintf(stderr, "vrd-udp-replay: %s\n", errbuf);
		return 1;
	}
	dlt = pcap_datalink(pc);
	if (!link_supported(dlt)) {
		fprintf(stderr,
			"vrd-udp-replay: %s: unsupported link type %s\n", file,
			pcap_datalink_val_to_name(dlt));
		pcap_close(pc);
		return 1;
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "vrd-udp-replay: socket: %s\n",
			strerror(errno));
		pcap_close(pc);
		return 1;
	}

	while ((long)sent < max && (rc = pcap_next_ex(pc, &h, &frame)) == 1) {
		long off = link_skip(dlt, frame, h->caplen);
		const uint8_t *payload;
		size_t len;

		if (off < 0 ||
		    !udp_payload(frame + off, h->caplen - (size_t)off, &payload,
				 &len)) {
			continue;
		}
		n_read++;
		memcpy(buf, payload, len);
		if (tamper >= 0) {
			if ((size_t)tamper >= len) {
				short_++;
				continue;
			}
			buf[tamper] ^= 0x01;
		}
		if (sendto(fd, buf, len, 0, (struct sockaddr *)&sin,
			   sizeof(sin)) < 0) {
			if (failed++ == 0) {
				fprintf(stderr, "vrd-udp-replay: send: %s\n",
					strerror(errno));
			}
			continue;
		}
		sent++;
	}
	if (rc == -1) {
		fprintf(stderr, "vrd-udp-replay: %s: %s\n", file,
			pcap_geterr(pc));
	}
	if (short_) {
		fprintf(stderr,
			"vrd-udp-replay: %lu payloads shorter than "
			"tamper offset %ld skipped\n",
			short_, tamper);
	}
	printf("{\"read\":%lu,\"sent\":%lu}\n", n_read, sent);
	close(fd);
	pcap_close(pc);
	return sent > 0 ? 0 : 1;
}
