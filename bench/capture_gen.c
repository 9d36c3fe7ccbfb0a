/*
 * The synthetic LAN of bench-capture: ARP requests and replies, probes,
 * gratuitous ARP, QEMU-style RARP bursts of migrants (each followed by the
 * guest's GARP for its foreign address), IPv4 routed in from outside by
 * the gateway host, and IPv4 from silent VMs, as they pass vrd's BPF
 * filter.
 */
#include "bench/capture_gen.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap.h>

#include "bench/bench_util.h"
#include "capture/frame.h"
#include "base/addr.h"

#define HOSTS BENCH_GEN_HOSTS
#define NET_ADDR BENCH_GEN_NET
#define FOREIGN_A 0xc6336400u /* 198.51.100.0/24 */
#define FOREIGN_B 0xcb007100u /* 203.0.113.0/24 */
#define SNAPLEN 128 /* CAPTURE_SNAPLEN */
#define PENDING_MAX 128
#define SILENT_POOL 8

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* ---- the synthetic LAN ----------------------------------------------- */

enum mix {
	MIX_ARP_REQUEST,
	MIX_ARP_REPLY,
	MIX_ARP_PROBE,
	MIX_GARP,
	MIX_RARP,
	MIX_MIGRANT_GARP,
	MIX_IPV4_ROUTED,
	MIX_IPV4_SILENT,
	MIX_COUNT,
};

static const char *const mix_names[MIX_COUNT] = {
	[MIX_ARP_REQUEST] = "arp request host to host",
	[MIX_ARP_REPLY] = "arp reply host to host",
	[MIX_ARP_PROBE] = "arp probe (spa 0)",
	[MIX_GARP] = "gratuitous arp by a host",
	[MIX_RARP] = "rarp (qemu bursts of 5)",
	[MIX_MIGRANT_GARP] = "gratuitous arp by a migrant",
	[MIX_IPV4_ROUTED] = "ipv4 routed in, foreign src",
	[MIX_IPV4_SILENT] = "ipv4 from a silent vm",
};

/* A frame due later: the rest of a RARP burst, the migrant's GARP. */
struct pending {
	uint64_t t_us;
	enum mix kind;
	struct vrd_mac mac;
	uint32_t ip;
};

struct gen {
	pcap_dumper_t *dump;
	uint64_t t_us;
	uint64_t counts[MIX_COUNT];
	struct pending pending[PENDING_MAX];
	size_t npending;
	uint32_t migrants, silents;
	struct vrd_mac silent_mac[SILENT_POOL];
	uint32_t silent_ip[SILENT_POOL];
};

static void host_mac(struct vrd_mac *m, uint32_t i)
{
	static const uint8_t base[6] = {0x52, 0x54, 0x00, 0xa0, 0x00, 0x00};

	memcpy(m->b, base, 6);
	m->b[5] = (uint8_t)i;
}

uint32_t bench_gen_host_ip(uint32_t i)
{
	return NET_ADDR + 1 + i; /* host 0 is the gateway host, .1 */
}

static void numbered_mac(struct vrd_mac *m, uint8_t b3, uint32_t n)
{
	m->b[0] = 0x52;
	m->b[1] = 0x54;
	m->b[2] = 0x00;
	m->b[3] = b3;
	m->b[4] = (uint8_t)(n >> 8);
	m->b[5] = (uint8_t)n;
}

static void emit(struct gen *g, const uint8_t *buf, uint32_t len)
{
	struct pcap_pkthdr h;

	memset(&h, 0, sizeof(h));
	h.ts.tv_sec = (time_t)(g->t_us / 1000000);
	h.ts.tv_usec = (suseconds_t)(g->t_us % 1000000);
	h.len = len;
	h.caplen = len < SNAPLEN ? len : SNAPLEN;
	pcap_dump((u_char *)g->dump, &h, buf);
}

static void eth_put(uint8_t *buf, const struct vrd_mac *dst,
		    const struct vrd_mac *src, uint16_t type)
{
	if (dst) {
		memcpy(buf, dst->b, 6);
	} else {
		memset(buf, 0xff, 6);
	}
	memcpy(buf + 6, src->b, 6);
	put16(buf + 12, type);
}

/* An Ethernet/IPv4 ARP or RARP frame, padded to 60 bytes. */
static void arp_emit(struct gen *g, uint16_t type, uint16_t op,
		     const struct vrd_mac *dst, const struct vrd_mac *sha,
		     uint32_t spa, const struct vrd_mac *tha, uint32_t tpa)
{
	uint8_t buf[60];

	memset(buf, 0, sizeof(buf));
	eth_put(buf, dst, sha, type);
	put16(buf + 14, 1);
	put16(buf + 16, CAPTURE_ETH_IPV4);
	buf[18] = 6;
	buf[19] = 4;
	put16(buf + 20, op);
	memcpy(buf + 22, sha->b, 6);
	put32(buf + 28, spa);
	if (tha) {
		memcpy(buf + 32, tha->b, 6);
	}
	put32(buf + 38, tpa);
	emit(g, buf, sizeof(buf));
}

static void ipv4_emit(struct gen *g, const struct vrd_mac *dst,
		      const struct vrd_mac *src, uint32_t ip_src,
		      uint32_t ip_dst)
{
	uint8_t buf[SNAPLEN];
	uint32_t len = 60 + bench_rng_below(1514 - 60 + 1);

	memset(buf, 0, sizeof(buf));
	eth_put(buf, dst, src, CAPTURE_ETH_IPV4);
	buf[14] = 0x45;
	put16(buf + 16, (uint16_t)(len - 14));
	buf[22] = 64; /* ttl */
	buf[23] = 6; /* tcp */
	put32(buf + 26, ip_src);
	put32(buf + 30, ip_dst);
	/* only the captured part is written: emit() takes caplen of buf */
	emit(g, buf, len);
}

static void pending_add(struct gen *g, uint64_t t_us, enum mix kind,
			const struct vrd_mac *mac, uint32_t ip)
{
	if (g->npending < PENDING_MAX) {
		g->pending[g->npending++] = (struct pending){
			.t_us = t_us, .kind = kind, .mac = *mac, .ip = ip};
	}
}

/* A migrant's arrival: QEMU's RARP at 0, 50, 200, 450, 800 ms, and its
 * guest's gratuitous ARP for the address it brought along at 20 ms. */
static void migrant_start(struct gen *g)
{
	static const uint32_t at_ms[5] = {0, 50, 200, 450, 800};
	struct vrd_mac mac;
	uint32_t n = g->migrants++;
	uint32_t ip = FOREIGN_A + 1 + n % 254;

	if (g->npending + 6 > PENDING_MAX) {
		return;
	}
	numbered_mac(&mac, 0xb0, n);
	for (size_t k = 0; k < 5; k++) {
		pending_add(g, g->t_us + at_ms[k] * 1000ull, MIX_RARP, &mac, 0);
	}
	pending_add(g, g->t_us + 20000, MIX_MIGRANT_GARP, &mac, ip);
}

/* The due pending frame with the smallest time, or -1. */
static int pending_due(const struct gen *g)
{
	int best = -1;

	for (size_t k = 0; k < g->npending; k++) {
		if (g->pending[k].t_us <= g->t_us &&
		    (best < 0 || g->pending[k].t_us < g->pending[best].t_us)) {
			best = (int)k;
		}
	}
	return best;
}

static void pending_emit(struct gen *g, int k)
{
	struct pending p = g->pending[k];

	g->pending[k] = g->pending[--g->npending];
	g->counts[p.kind]++;
	if (p.kind == MIX_RARP) {
		arp_emit(g, CAPTURE_ETH_RARP, CAPTURE_RARP_REQUEST, NULL,
			 &p.mac, 0, &p.mac, 0);
	} else {
		arp_emit(g, CAPTURE_ETH_ARP, CAPTURE_ARP_REQUEST, NULL, &p.mac,
			 p.ip, NULL, p.ip);
	}
}

static void silent_emit(struct gen *g)
{
	struct vrd_mac gw;
	uint32_t k, h = 1 + bench_rng_below(HOSTS - 1);

	if (g->silents == 0 || bench_rng_below(25) == 0) {
		k = g->silents++ % SILENT_POOL;
		numbered_mac(&g->silent_mac[k], 0xc0, g->silents);
		g->silent_ip[k] = FOREIGN_B + 1 + g->silents % 254;
	} else {
		uint32_t live =
			g->silents < SILENT_POOL ? g->silents : SILENT_POOL;

		k = bench_rng_below(live);
	}
	host_mac(&gw, 0);
	g->counts[MIX_IPV4_SILENT]++;
	ipv4_emit(g, &gw, &g->silent_mac[k], g->silent_ip[k],
		  bench_gen_host_ip(h));
}

/* One frame of the steady mix, in thousandths: request 450, reply 340,
 * probe 10, host GARP 10, IPv4 routed in 158, silent IPv4 28, and a new
 * migrant (6 frames over 800 ms) 4. */
static void steady_emit(struct gen *g)
{
	uint32_t roll = bench_rng_below(1000);
	uint32_t a = bench_rng_below(HOSTS), b = bench_rng_below(HOSTS - 1);
	struct vrd_mac ma, mb;

	b += b >= a; /* b != a */
	host_mac(&ma, a);
	host_mac(&mb, b);
	if (roll < 450) {
		g->counts[MIX_ARP_REQUEST]++;
		arp_emit(g, CAPTURE_ETH_ARP, CAPTURE_ARP_REQUEST, NULL, &ma,
			 bench_gen_host_ip(a), NULL, bench_gen_host_ip(b));
	} else if (roll < 790) {
		g->counts[MIX_ARP_REPLY]++;
		arp_emit(g, CAPTURE_ETH_ARP, CAPTURE_ARP_REPLY, &mb, &ma,
			 bench_gen_host_ip(a), &mb, bench_gen_host_ip(b));
	} else if (roll < 800) {
		g->counts[MIX_ARP_PROBE]++;
		arp_emit(g, CAPTURE_ETH_ARP, CAPTURE_ARP_REQUEST, NULL, &ma, 0,
			 NULL, bench_gen_host_ip(a));
	} else if (roll < 810) {
		bool reply = bench_rng_below(4) == 0;

		g->counts[MIX_GARP]++;
		arp_emit(g, CAPTURE_ETH_ARP,
			 reply ? CAPTURE_ARP_REPLY : CAPTURE_ARP_REQUEST, NULL,
			 &ma, bench_gen_host_ip(a), reply ? &ma : NULL,
			 bench_gen_host_ip(a));
	} else if (roll < 968) {
		uint32_t src = (bench_rng_below(2) ? FOREIGN_A : FOREIGN_B) +
			       1 + bench_rng_below(254);

		host_mac(&ma, 0); /* the gateway host routes it in */
		g->counts[MIX_IPV4_ROUTED]++;
		ipv4_emit(g, &mb, &ma, src, bench_gen_host_ip(b));
	} else if (roll < 996) {
		silent_emit(g);
	} else {
		migrant_start(g);
		pending_emit(g, pending_due(g)); /* its first RARP, now */
	}
}

/* The first wake-up: every host ARPs once (a LAN the daemon starts on
 * is already running), so the HWDT knows the gateway host before the
 * traffic it routes in arrives. */
static void prelude_emit(struct gen *g, uint32_t i)
{
	uint32_t a = i % HOSTS, b = (a + 1) % HOSTS;
	struct vrd_mac ma;

	host_mac(&ma, a);
	g->counts[MIX_ARP_REQUEST]++;
	arp_emit(g, CAPTURE_ETH_ARP, CAPTURE_ARP_REQUEST, NULL, &ma,
		 bench_gen_host_ip(a), NULL, bench_gen_host_ip(b));
}

int bench_gen_pcap_write(const char *path, uint64_t n, uint32_t fps,
			 uint32_t batch)
{
	char err[PCAP_ERRBUF_SIZE];
	struct gen *g = calloc(1, sizeof(*g));
	pcap_t *dead;
	int rc = 0;

	if (!g) {
		return -ENOMEM;
	}
	dead = pcap_open_dead(DLT_EN10MB, SNAPLEN);
	if (!dead) {
		rc = -ENOMEM;
		goto out_free;
	}
	g->dump = pcap_dump_open(dead, path);
	if (!g->dump) {
		snprintf(err, sizeof(err), "%s", pcap_geterr(dead));
		fprintf(stderr, "bench-capture: %s: %s\n", path, err);
		rc = -EIO;
		goto out_dead;
	}
	for (uint64_t i = 0; i < n; i++) {
		int k;

		g->t_us = BENCH_GEN_START_US + i * 1000000ull / fps;
		k = pending_due(g);
		if (i < batch) {
			prelude_emit(g, (uint32_t)i);
		} else if (k >= 0) {
			pending_emit(g, k);
		} else {
			steady_emit(g);
		}
	}
	pcap_dump_close(g->dump);
	bench_print_num("frames written", (double)n, "frames");
	bench_print_num("wire rate (pcap timestamps)", fps, "frames/s");
	bench_print_num("wire time span", (double)n / fps, "s");
	bench_print_num("hosts (192.0.2.1-.250; .1 routes)", HOSTS, "hosts");
	bench_print_num("migrants (distinct macs, rarp bursts)", g->migrants,
			"vms");
	bench_print_num("silent vms (distinct macs)", g->silents, "vms");
	for (int m = 0; m < MIX_COUNT; m++) {
		char name[96];

		snprintf(name, sizeof(name), "mix %s", mix_names[m]);
		bench_print_num(name, (double)g->counts[m] * 100 / (double)n,
				"%");
	}
out_dead:
	pcap_close(dead);
out_free:
	free(g);
	return rc;
}
