/*
 * vrd-rarp-send: sends the RARP announcement QEMU sends for a NIC after a
 * live migration (qemu_announce_self in net/announce.c), through an
 * AF_PACKET raw socket: no libnet, no pcap.
 *
 *   vrd-rarp-send -i IFACE -m MAC [-c COUNT] [--qemu-schedule]
 *                 [--interval MS | --rate PPS] [--distinct]
 *
 * Frame (60 bytes, FCS left to the NIC): Ethernet dst ff:ff:ff:ff:ff:ff,
 * src MAC, type 0x8035; RARP htype 1, ptype 0x0800, hlen 6, plen 4,
 * op 3 (request reverse), sha MAC, spa 0.0.0.0, tha MAC, tpa 0.0.0.0,
 * zero padding.
 *
 * Schedule: by default QEMU's (announce-initial 50, -step 100, -max 550):
 * the gaps are 50, 150, 250, 350, ... capped at 550 ms, so 5 frames go out
 * at 0, 50, 200, 450 and 800 ms. --interval MS spaces them evenly, --rate
 * sends PPS frames per second (for floods). --distinct adds the frame
 * number to the low three bytes of the MAC: every frame a new VM.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <net/if.h>
#include <netpacket/packet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tests/tools/tool_util.h"

#include "base/addr.h"

#define FRAME_LEN 60
#define ETH_P_RARP_ 0x8035

static void usage(FILE *f)
{
	fprintf(f, "usage: vrd-rarp-send -i IFACE -m MAC [-c COUNT] "
		   "[--qemu-schedule] [--interval MS | --rate PPS] "
		   "[--distinct]\n");
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void frame_build(uint8_t buf[FRAME_LEN], const struct vrd_mac *mac)
{
	memset(buf, 0, FRAME_LEN);
	memset(buf, 0xff, 6);
	memcpy(buf + 6, mac->b, 6);
	put16(buf + 12, ETH_P_RARP_);
	put16(buf + 14, 1); /* htype: Ethernet */
	put16(buf + 16, 0x0800); /* ptype: IPv4 */
	buf[18] = 6;
	buf[19] = 4;
	put16(buf + 20, 3); /* request reverse */
	memcpy(buf + 22, mac->b, 6); /* sha; spa stays 0 */
	memcpy(buf + 32, mac->b, 6); /* tha; tpa stays 0 */
}

static void mac_add(struct vrd_mac *m, const struct vrd_mac *base,
		    unsigned long n)
{
	uint32_t low = (uint32_t)base->b[3] << 16 | (uint32_t)base->b[4] << 8 |
		       base->b[5];

	*m = *base;
	low = (low + (uint32_t)n) & 0xffffff;
	m->b[3] = (uint8_t)(low >> 16);
	m->b[4] = (uint8_t)(low >> 8);
	m->b[5] = (uint8_t)low;
}

/* Offset of frame i from the first, in nanoseconds. */
static uint64_t schedule_ns(unsigned long i, long interval_ms, long rate)
{
	uint64_t ms = 0;

	if (rate > 0) {
		return (uint64_t)i * 1000000000ull / (uint64_t)rate;
	}
	if (interval_ms >= 0) {
		return (uint64_t)i * (uint64_t)interval_ms * 1000000ull;
	}
	/* gap k (after frame k) is min(50 + 100 k, 550) */
	if (i <= 6) {
		ms = 50 * (uint64_t)i + 50 * (uint64_t)i * (i ? i - 1 : 0);
	} else {
		ms = 1800 + 550 * (uint64_t)(i - 6);
	}
	return ms * 1000000ull;
}

static void sleep_until(const struct timespec *start, uint64_t off_ns)
{
	struct timespec t = *start;
	uint64_t ns = (uint64_t)t.tv_nsec + off_ns;

	t.tv_sec += (time_t)(ns / 1000000000ull);
	t.tv_nsec = (long)(ns % 1000000000ull);
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL) ==
	       EINTR) {
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"qemu-schedule", no_argument, NULL, 'q'},
		{"interval", required_argument, NULL, 'I'},
		{"rate", required_argument, NULL, 'r'},
		{"distinct", no_argument, NULL, 'd'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	const char *ifname = NULL;
	struct vrd_mac base, mac;
	bool have_mac = false, distinct = false;
	long count = 5, interval_ms = -1, rate = 0;
	unsigned long failed = 0;
	struct sockaddr_ll sll;
	struct timespec start;
	uint8_t buf[FRAME_LEN];
	int opt, fd;

	while ((opt = getopt_long(argc, argv, "i:m:c:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'i':
			ifname = optarg;
			break;
		case 'm':
			if (vrd_mac_parse(optarg, &base) < 0 ||
			    !vrd_mac_is_unicast(&base)) {
				fprintf(stderr, "vrd-rarp-send: bad MAC %s\n",
					optarg);
				return 2;
			}
			have_mac = true;
			break;
		case 'c':
			count = tool_number_parse(optarg, 1, 100000000);
			break;
		case 'q':
			interval_ms = -1;
			rate = 0;
			break;
		case 'I':
			interval_ms = tool_number_parse(optarg, 0, 3600000);
			if (interval_ms == LONG_MIN) {
				count = LONG_MIN;
			}
			rate = 0;
			break;
		case 'r':
			rate = tool_number_parse(optarg, 1, 100000000);
			if (rate == LONG_MIN) {
				count = LONG_MIN;
			}
			interval_ms = -1;
			break;
		case 'd':
			distinct = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!ifname || !have_mac || count == LONG_MIN || optind != argc) {
		usage(stderr);
		return 2;
	}

	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_RARP_);
	sll.sll_ifindex = (int)if_nametoindex(ifname);
	sll.sll_halen = 6;
	memset(sll.sll_addr, 0xff, 6);
	if (sll.sll_ifindex == 0) {
		fprintf(stderr, "vrd-rarp-send: %s: %s\n", ifname,
			strerror(errno));
		return 1;
	}
	/* protocol 0: this socket sends only, it receives nothing */
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0) {
		fprintf(stderr, "vrd-rarp-send: packet socket: %s\n",
			strerror(errno));
		return 1;
	}

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (long i = 0; i < count; i++) {
		sleep_until(&start,
			    schedule_ns((unsigned long)i, interval_ms, rate));
		if (distinct) {
			mac_add(&mac, &base, (unsigned long)i);
		} else {
			mac = base;
		}
		frame_build(buf, &mac);
		if (sendto(fd, buf, sizeof(buf), 0, (struct sockaddr *)&sll,
			   sizeof(sll)) != (ssize_t)sizeof(buf)) {
			if (failed++ == 0) {
				fprintf(stderr, "vrd-rarp-send: %s: %s\n",
					ifname, strerror(errno));
			}
		}
	}
	close(fd);
	if (failed) {
		fprintf(stderr, "vrd-rarp-send: %lu of %ld frames not sent\n",
			failed, count);
		return 1;
	}
	return 0;
}
