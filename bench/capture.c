/*
 * bench-capture: the LAN path of a gateway-mode vrd on one core, and the
 * gratuitous ARP injection rate. Prints "name  value  unit" lines.
 *
 *   1. Writes a synthetic pcap (DLT_EN10MB) of N frames as they pass vrd's
 *      BPF filter on a LAN of 250 hosts in 192.0.2.0/24: ARP requests and
 *      replies, probes, gratuitous ARP, QEMU-style RARP bursts of migrants
 *      (each followed by the guest's GARP for its foreign address), IPv4
 *      routed in from outside by the gateway host, and IPv4 from silent
 *      VMs. Prints the mix.
 *   2. Replays it with pcap_open_offline through the stages vrd/lan.c
 *      runs, 256 frames per batch (VRD_LAN_BUDGET): read only; + parse
 *      and counters; + evidence (callbacks asking the HWDT in one read
 *      transaction per batch); the whole path with one tables_write per
 *      batch learning every item into the HWDT (LNDT-gated) and writing
 *      host-seen events, with and without lan.c's refresh skip.
 *   3. With -i IFACE (root): sends G gratuitous ARPs with inject_garp_send.
 *
 * Time inside the replay is the pcap timestamp (the evidence folds and the
 * refresh skip see the LAN's clock, not how fast the replay runs).
 *
 * Usage: bench-capture [-n FRAMES] [-r WIRE_FPS] [-s SEED] [-d DIR]
 *                      [-w FILE] [-i IFACE] [-g GARPS]
 * Defaults: 1000000 frames at 1000 frames/s of LAN time, 100000 GARPs.
 * -n 0 skips the replay (injection only).
 * Without -d a directory is made under /tmp and removed at the end; a
 * directory given with -d is kept. -w keeps the pcap at FILE.
 */
#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <pcap.h>

#include "capture/evidence.h"
#include "capture/frame.h"
#include "inject/arp.h"
#include "tables/tables.h"
#include "vrd/addr.h"

#define BUDGET 256 /* VRD_LAN_BUDGET: frames per wake-up */
#define REFRESH_CACHE 1024 /* as vrd/lan.c */
#define HWDT_AGE_S 600 /* VRD_DEFAULT_HWDT_AGE_S */
#define REFRESH_MS ((uint64_t)HWDT_AGE_S * 1000 / 4) /* as vrd/lan.c */
#define BENCH_VN 1
#define HOSTS 250
#define NET_ADDR 0xc0000200u /* 192.0.2.0/24 */
#define FOREIGN_A 0xc6336400u /* 198.51.100.0/24 */
#define FOREIGN_B 0xcb007100u /* 203.0.113.0/24 */
#define SNAPLEN 128 /* CAPTURE_SNAPLEN */
#define PENDING_MAX 128
#define SILENT_POOL 8
#define START_US 1800000000000000ull /* pcap time of the first frame */
#define REPEAT 5 /* passes of the stages without writes */
#define REPEAT_STR "5"

/* ---- small helpers --------------------------------------------------- */

static uint64_t rng_state;

static uint64_t rng_next(void)
{
	/* splitmix64 */
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t rng_below(uint32_t n)
{
	return (uint32_t)(((rng_next() >> 32) * n) >> 32);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void print_num(const char *name, double value, const char *unit)
{
	if (value >= 1000 || value == (double)(uint64_t)value) {
		printf("%-44s %18.0f  %s\n", name, value, unit);
	} else {
		printf("%-44s %18.3f  %s\n", name, value, unit);
	}
}

static void print_str(const char *name, const char *value, const char *unit)
{
	printf("%-44s %18s  %s\n", name, value, unit);
}

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

static int rm_entry(const char *path, const struct stat *sb, int flag,
		    struct FTW *ftw)
{
	return remove(path);
}

/* A growing array of durations in ns, for percentiles. */
struct samples {
	uint64_t *v;
	size_t n, cap;
};

static void samples_add(struct samples *s, uint64_t ns)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 4096;
		uint64_t *v = realloc(s->v, cap * sizeof(*v));

		if (!v) {
			return; /* a bench: fewer samples, not a crash */
		}
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = ns;
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* p in 0..100 of the sorted samples, in microseconds (nearest rank). */
static double samples_pct_us(const struct samples *s, double p)
{
	size_t k;

	if (s->n == 0) {
		return 0;
	}
	k = (size_t)(p / 100 * (double)s->n + 0.999999);
	k = k == 0 ? 0 : k - 1;
	if (k >= s->n) {
		k = s->n - 1;
	}
	return (double)s->v[k] / 1000;
}

static void samples_print(struct samples *s, const char *what)
{
	char name[96];

	qsort(s->v, s->n, sizeof(*s->v), u64_cmp);
	snprintf(name, sizeof(name), "  %s, samples", what);
	print_num(name, (double)s->n, "");
	snprintf(name, sizeof(name), "  %s p50", what);
	print_num(name, samples_pct_us(s, 50), "us");
	snprintf(name, sizeof(name), "  %s p99", what);
	print_num(name, samples_pct_us(s, 99), "us");
	snprintf(name, sizeof(name), "  %s max", what);
	print_num(name, samples_pct_us(s, 100), "us");
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

static uint32_t host_ip(uint32_t i)
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
	uint32_t len = 60 + rng_below(1514 - 60 + 1);

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
	uint32_t k, h = 1 + rng_below(HOSTS - 1);

	if (g->silents == 0 || rng_below(25) == 0) {
		k = g->silents++ % SILENT_POOL;
		numbered_mac(&g->silent_mac[k], 0xc0, g->silents);
		g->silent_ip[k] = FOREIGN_B + 1 + g->silents % 254;
	} else {
		uint32_t live =
			g->silents < SILENT_POOL ? g->silents : SILENT_POOL;

		k = rng_below(live);
	}
	host_mac(&gw, 0);
	g->counts[MIX_IPV4_SILENT]++;
	ipv4_emit(g, &gw, &g->silent_mac[k], g->silent_ip[k], host_ip(h));
}

/* One frame of the steady mix, in thousandths: request 450, reply 340,
 * probe 10, host GARP 10, IPv4 routed in 158, silent IPv4 28, and a new
 * migrant (6 frames over 800 ms) 4. */
static void steady_emit(struct gen *g)
{
	uint32_t roll = rng_below(1000);
	uint32_t a = rng_below(HOSTS), b = rng_below(HOSTS - 1);
	struct vrd_mac ma, mb;

	b += b >= a; /* b != a */
	host_mac(&ma, a);
	host_mac(&mb, b);
	if (roll < 450) {
		g->counts[MIX_ARP_REQUEST]++;
		arp_emit(g, CAPTURE_ETH_ARP, CAPTURE_ARP_REQUEST, NULL, &ma,
			 host_ip(a), NULL, host_ip(b));
	} else if (roll < 790) {
		g->counts[MIX_ARP_REPLY]++;
		arp_emit(g, CAPTURE_ETH_ARP, CAPTURE_ARP_REPLY, &mb, &ma,
			 host_ip(a), &mb, host_ip(b));
	} else if (roll < 800) {
		g->counts[MIX_ARP_PROBE]++;
		arp_emit(g, CAPTURE_ETH_ARP, CAPTURE_ARP_REQUEST, NULL, &ma, 0,
			 NULL, host_ip(a));
	} else if (roll < 810) {
		bool reply = rng_below(4) == 0;

		g->counts[MIX_GARP]++;
		arp_emit(g, CAPTURE_ETH_ARP,
			 reply ? CAPTURE_ARP_REPLY : CAPTURE_ARP_REQUEST, NULL,
			 &ma, host_ip(a), reply ? &ma : NULL, host_ip(a));
	} else if (roll < 968) {
		uint32_t src = (rng_below(2) ? FOREIGN_A : FOREIGN_B) + 1 +
			       rng_below(254);

		host_mac(&ma, 0); /* the gateway host routes it in */
		g->counts[MIX_IPV4_ROUTED]++;
		ipv4_emit(g, &mb, &ma, src, host_ip(b));
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
	arp_emit(g, CAPTURE_ETH_ARP, CAPTURE_ARP_REQUEST, NULL, &ma, host_ip(a),
		 NULL, host_ip(b));
}

static int pcap_generate(const char *path, uint64_t n, uint32_t fps)
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

		g->t_us = START_US + i * 1000000ull / fps;
		k = pending_due(g);
		if (i < BUDGET) {
			prelude_emit(g, (uint32_t)i);
		} else if (k >= 0) {
			pending_emit(g, k);
		} else {
			steady_emit(g);
		}
	}
	pcap_dump_close(g->dump);
	print_num("frames written", (double)n, "frames");
	print_num("wire rate (pcap timestamps)", fps, "frames/s");
	print_num("wire time span", (double)n / fps, "s");
	print_num("hosts (192.0.2.1-.250; .1 routes)", HOSTS, "hosts");
	print_num("migrants (distinct macs, rarp bursts)", g->migrants, "vms");
	print_num("silent vms (distinct macs)", g->silents, "vms");
	for (int m = 0; m < MIX_COUNT; m++) {
		char name[96];

		snprintf(name, sizeof(name), "mix %s", mix_names[m]);
		print_num(name, (double)g->counts[m] * 100 / (double)n, "%");
	}
out_dead:
	pcap_close(dead);
out_free:
	free(g);
	return rc;
}

/* ---- the replay: what vrd/lan.c does per wake-up --------------------- */

enum stage {
	STAGE_READ,
	STAGE_PARSE,
	STAGE_EVIDENCE,
	STAGE_FULL,
};

struct refresh_entry {
	uint32_t ip;
	struct vrd_mac mac;
	uint64_t written_ms; /* 0: empty */
};

struct pending_event {
	struct capture_event ev;
	uint64_t wire_us;
	uint64_t seen_ns; /* monotonic, when the frame was handed to us */
};

struct replay_stats {
	uint64_t frames, bytes, parsed, events, learn_items;
	uint64_t refresh_skipped, outside_lndt, learned_new, refreshed;
	uint64_t moved, static_kept, hwdt_writes, txns, write_errors;
};

struct replay {
	enum stage stage;
	bool skip;
	struct tables *t;
	struct tables_txn *rtxn;
	struct capture_evidence *ev;
	struct capture_stats parse;
	uint64_t now_ms; /* pcap time of the latest frame */

	struct capture_learn learn[BUDGET];
	uint64_t learn_wall_ms[BUDGET];
	size_t nlearn;
	struct pending_event events[BUDGET];
	size_t nevents;

	struct refresh_entry cache[REFRESH_CACHE];
	struct replay_stats st;
	struct samples commit; /* one tables_write, ns */
	struct samples event_lat; /* frame handed over to its commit, ns */
};

static int found(const struct tables_hwdt_entry *e, void *arg)
{
	return 1;
}

static bool mac_known(const struct vrd_mac *mac, uint16_t vlan, void *arg)
{
	struct replay *r = arg;

	return r->rtxn && tables_hwdt_foreach_mac(r->rtxn, BENCH_VN, mac, found,
						  NULL) == 1;
}

static bool ip_known(uint32_t ip, void *arg)
{
	struct replay *r = arg;
	struct tables_hwdt_entry e;

	return r->rtxn && tables_hwdt_get(r->rtxn, BENCH_VN, ip, &e) == 0;
}

static struct refresh_entry *cache_slot(struct replay *r, uint32_t ip)
{
	return &r->cache[(ip * 2654435761u) % REFRESH_CACHE];
}

static bool learn_wanted(struct replay *r, const struct capture_learn *l)
{
	struct refresh_entry *c = cache_slot(r, l->ip);

	if (r->skip && c->written_ms && c->ip == l->ip &&
	    memcmp(c->mac.b, l->mac.b, 6) == 0 &&
	    r->now_ms - c->written_ms < REFRESH_MS) {
		r->st.refresh_skipped++;
		return false;
	}
	return true;
}

static uint8_t hwdt_source(uint8_t learn_source)
{
	switch (learn_source) {
	case CAPTURE_LEARN_RARP:
		return TABLES_HWDT_RARP;
	case CAPTURE_LEARN_GARP:
		return TABLES_HWDT_GARP;
	default:
		return TABLES_HWDT_ARP;
	}
}

static int learn_one(struct tables_txn *txn, struct replay *r, size_t i)
{
	const struct capture_learn *l = &r->learn[i];
	struct tables_hwdt_entry e = {
		.vn = BENCH_VN,
		.ip = l->ip,
		.mac = l->mac,
		.source = hwdt_source(l->source),
		.first_seen_ms = r->learn_wall_ms[i],
		.last_seen_ms = r->learn_wall_ms[i],
	};
	struct tables_hwdt_entry prev;
	struct tables_lndt_entry served;
	int rc;

	rc = tables_lndt_match(txn, e.vn, e.ip, &served);
	if (rc == -ENOENT) {
		r->st.outside_lndt++;
		return 0;
	}
	if (rc < 0) {
		return rc;
	}
	r->st.hwdt_writes++;
	rc = tables_hwdt_learn(txn, &e, &prev);
	switch (rc) {
	case TABLES_HWDT_NEW:
		r->st.learned_new++;
		return 0;
	case TABLES_HWDT_REFRESHED:
		r->st.refreshed++;
		return 0;
	case TABLES_HWDT_MOVED:
		r->st.moved++; /* lan.c adds an ip-conflict event: none here */
		return 0;
	case -EPERM:
		r->st.static_kept++;
		return 0;
	default:
		return rc;
	}
}

static int host_seen_event(struct tables_txn *txn,
			   const struct pending_event *p)
{
	char ip[VRD_IPV4_STRLEN], mac[VRD_MAC_STRLEN];
	struct tables_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.time_ms = p->wire_us / 1000;
	strcpy(ev.type, "host-seen");
	tables_event_set(&ev, "kind", "%s",
			 capture_event_kind_name(p->ev.kind));
	tables_event_set(&ev, "mac", "%s", vrd_mac_format(&p->ev.mac, mac));
	if (p->ev.ip) {
		tables_event_set(&ev, "ip", "%s",
				 vrd_ipv4_format(p->ev.ip, ip));
	}
	tables_event_set(&ev, "detect_us", "%llu", 0ull);
	return tables_event_add(txn, &ev);
}

static int flush_txn(struct tables_txn *txn, void *arg)
{
	struct replay *r = arg;
	int rc = 0;

	for (size_t i = 0; i < r->nlearn && rc == 0; i++) {
		rc = learn_one(txn, r, i);
	}
	for (size_t i = 0; i < r->nevents && rc == 0; i++) {
		rc = host_seen_event(txn, &r->events[i]);
	}
	return rc;
}

static void flush(struct replay *r)
{
	struct replay_stats before = r->st;
	uint64_t t0, t1;
	int rc;

	if (r->nlearn == 0 && r->nevents == 0) {
		return;
	}
	t0 = now_ns();
	rc = tables_write(r->t, flush_txn, r);
	t1 = now_ns();
	if (rc < 0) {
		r->st = before;
		r->st.write_errors++;
	} else {
		r->st.txns++;
		samples_add(&r->commit, t1 - t0);
		for (size_t i = 0; i < r->nevents; i++) {
			samples_add(&r->event_lat, t1 - r->events[i].seen_ns);
		}
		for (size_t i = 0; i < r->nlearn; i++) {
			struct refresh_entry *c = cache_slot(r, r->learn[i].ip);

			c->ip = r->learn[i].ip;
			c->mac = r->learn[i].mac;
			c->written_ms = r->now_ms;
		}
	}
	r->nlearn = 0;
	r->nevents = 0;
}

static void on_frame(u_char *arg, const struct pcap_pkthdr *h,
		     const u_char *bytes)
{
	struct replay *r = (struct replay *)(void *)arg;
	uint64_t ts_us =
		(uint64_t)h->ts.tv_sec * 1000000 + (uint64_t)h->ts.tv_usec;
	uint64_t seen = r->stage == STAGE_FULL ? now_ns() : 0;
	struct capture_frame f;
	struct capture_event event;
	struct capture_learn learn;
	unsigned got;
	int rc;

	r->st.frames++;
	r->st.bytes += h->caplen;
	if (r->stage == STAGE_READ) {
		return;
	}
	rc = capture_frame_parse(bytes, h->caplen, &f);
	capture_stats_add(&r->parse, rc, rc == 0 ? &f : NULL);
	if (rc < 0 || r->stage == STAGE_PARSE) {
		return;
	}
	r->st.parsed++;
	r->now_ms = ts_us / 1000;
	got = capture_evidence_feed(r->ev, &f, r->now_ms, &event, &learn);
	if (got & CAPTURE_FEED_EVENT) {
		r->st.events++;
	}
	if (got & CAPTURE_FEED_LEARN) {
		r->st.learn_items++;
	}
	if (r->stage != STAGE_FULL) {
		return;
	}
	if ((got & CAPTURE_FEED_LEARN) && learn_wanted(r, &learn)) {
		r->learn_wall_ms[r->nlearn] = ts_us / 1000;
		r->learn[r->nlearn++] = learn;
	}
	if (got & CAPTURE_FEED_EVENT) {
		struct pending_event *p = &r->events[r->nevents++];

		p->ev = event;
		p->wire_us = ts_us;
		p->seen_ns = seen;
	}
}

static int lndt_fn(struct tables_txn *txn, void *arg)
{
	struct tables_lndt_entry e = {
		.vn = BENCH_VN,
		.prefix = {.addr = NET_ADDR, .len = 24},
		.source = TABLES_LNDT_CONFIG,
		.added_ms = START_US / 1000,
	};

	return tables_lndt_put(txn, &e);
}

/* One pass over the file; 0 or a negative errno. */
static int replay_run(struct replay *r, const char *path, double *wall,
		      double *cpu)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline(path, err);
	double w0, c0;
	int n, rc = 0;

	if (!p) {
		fprintf(stderr, "bench-capture: %s: %s\n", path, err);
		return -EIO;
	}
	w0 = now_s();
	c0 = cpu_s();
	for (;;) {
		if (r->stage >= STAGE_EVIDENCE &&
		    tables_read_begin(r->t, &r->rtxn) < 0) {
			r->rtxn = NULL;
		}
		n = pcap_dispatch(p, BUDGET, on_frame, (u_char *)(void *)r);
		tables_read_end(r->rtxn);
		r->rtxn = NULL;
		if (r->stage == STAGE_FULL) {
			flush(r);
		}
		if (n <= 0) {
			break;
		}
	}
	*wall = now_s() - w0;
	*cpu = cpu_s() - c0;
	if (n < 0) {
		fprintf(stderr, "bench-capture: %s: %s\n", path,
			pcap_geterr(p));
		rc = -EIO;
	}
	pcap_close(p);
	return rc;
}

static struct capture_evidence *evidence_make(struct replay *r, uint64_t seed)
{
	struct capture_evidence_config ec = {
		.network = {.addr = NET_ADDR, .len = 24},
		.mac_known = mac_known,
		.ip_known = ip_known,
		.arg = r,
		.seed = seed,
	};

	return capture_evidence_create(&ec);
}

static void rates_print(const char *what, const struct replay *r, double wall,
			double cpu)
{
	char name[96];

	snprintf(name, sizeof(name), "%s", what);
	print_num(name, (double)r->st.frames / wall, "frames/s");
	snprintf(name, sizeof(name), "  cpu");
	print_num(name, (double)r->st.frames / cpu, "frames/s (thread cpu)");
	snprintf(name, sizeof(name), "  wall time");
	print_num(name, wall, "s");
}

struct bench {
	const char *pcap_path;
	const char *dir;
	uint64_t seed;
};

static void evidence_print(const struct capture_evidence *ev)
{
	struct capture_evidence_stats es;
	char name[96];

	capture_evidence_get_stats(ev, &es);
	for (int k = 1; k < CAPTURE_EVENT_MAX; k++) {
		snprintf(name, sizeof(name), "  events %s",
			 capture_event_kind_name(k));
		print_num(name, (double)es.events[k], "events");
	}
	print_num("  folded into an earlier event", (double)es.folded,
		  "frames");
	print_num("  silent candidates known", (double)es.known, "frames");
	print_num("  ratelimited", (double)es.ratelimited, "events");
	print_num("  evicted", (double)es.evicted, "entries");
}

static int double_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void stage_details(const struct replay *r)
{
	if (r->stage == STAGE_PARSE) {
		print_num(
			"  parsed ok",
			(double)(r->parse.arp + r->parse.rarp + r->parse.ipv4),
			"frames");
		print_num("  capture.gratuitous", (double)r->parse.gratuitous,
			  "frames");
	}
	if (r->stage == STAGE_EVIDENCE) {
		print_num("  host-seen events", (double)r->st.events, "events");
		print_num("  learning items", (double)r->st.learn_items,
			  "items");
		evidence_print(r->ev);
	}
}

/*
 * A stage without writes, REPEAT times (each pass is a fraction of a
 * second: noise): the median and the best pass. The evidence stage runs
 * against tables t that already hold the LAN (the state a running daemon
 * is in), with a fresh state machine each pass.
 */
static int stage_repeat(const struct bench *b, enum stage stage,
			struct tables *t, const char *what)
{
	double wall[REPEAT], cpu[REPEAT];
	struct replay *r = NULL;
	uint64_t frames = 0;
	char name[96];
	int rc = 0;

	for (int k = 0; k < REPEAT && rc == 0; k++) {
		if (r) {
			capture_evidence_destroy(r->ev);
			free(r);
		}
		r = calloc(1, sizeof(*r));
		if (!r) {
			return -ENOMEM;
		}
		r->stage = stage;
		r->t = t;
		if (stage == STAGE_EVIDENCE) {
			r->ev = evidence_make(r, b->seed);
			if (!r->ev) {
				rc = -ENOMEM;
				break;
			}
		}
		rc = replay_run(r, b->pcap_path, &wall[k], &cpu[k]);
		frames = r->st.frames;
	}
	if (rc == 0) {
		qsort(wall, REPEAT, sizeof(double), double_cmp);
		qsort(cpu, REPEAT, sizeof(double), double_cmp);
		snprintf(name, sizeof(name), "%s", what);
		print_num(name, (double)frames / wall[REPEAT / 2],
			  "frames/s (median of " REPEAT_STR ")");
		print_num("  best pass", (double)frames / wall[0], "frames/s");
		print_num("  cpu, median", (double)frames / cpu[REPEAT / 2],
			  "frames/s (thread cpu)");
		print_num("  wall time, median", wall[REPEAT / 2], "s");
		stage_details(r);
	}
	if (r) {
		capture_evidence_destroy(r->ev);
		free(r);
	}
	return rc;
}

static int tables_fresh(const char *dir, struct tables **t)
{
	int rc;

	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS); /* a -d of before */
	rc = tables_open(t, dir, NULL);
	if (rc < 0) {
		fprintf(stderr, "bench-capture: tables %s: %s\n", dir,
			strerror(-rc));
		return rc;
	}
	rc = tables_write(*t, lndt_fn, NULL);
	if (rc < 0) {
		fprintf(stderr, "bench-capture: lndt: %s\n", strerror(-rc));
		tables_close(*t);
		*t = NULL;
	}
	return rc;
}

static void full_print(const char *what, struct replay *r, double wall,
		       double cpu, const struct tables_stats *ts)
{
	struct tables_counts counts = {0};
	struct tables_txn *txn;

	rates_print(what, r, wall, cpu);
	print_num("  lmdb write txns (batches with work)", (double)r->st.txns,
		  "txns");
	print_num("  lmdb write txns (tables stats)", (double)ts->write_txns,
		  "txns");
	print_num("  write errors", (double)r->st.write_errors, "txns");
	print_num("  learning items", (double)r->st.learn_items, "items");
	print_num("  refresh skipped (not written)",
		  (double)r->st.refresh_skipped, "items");
	print_num("  outside lndt (not written)", (double)r->st.outside_lndt,
		  "items");
	print_num("  tables_hwdt_learn calls", (double)r->st.hwdt_writes,
		  "calls");
	print_num("  hwdt new", (double)r->st.learned_new, "entries");
	print_num("  hwdt refreshed", (double)r->st.refreshed, "entries");
	print_num("  hwdt moved", (double)r->st.moved, "entries");
	print_num("  host-seen events written", (double)r->st.events, "events");
	if (tables_read_begin(r->t, &txn) == 0) {
		tables_count(txn, &counts);
		tables_read_end(txn);
	}
	print_num("  hwdt entries at the end", (double)counts.hwdt, "entries");
	print_num("  event log entries at the end", (double)counts.events,
		  "events");
	print_num("  map used", (double)ts->map_used, "bytes");
	samples_print(&r->commit, "txn (tables_write)");
	samples_print(&r->event_lat, "host-seen frame to commit");
}

/* The whole path into fresh tables in dir/NAME. */
static int stage_full(const struct bench *b, bool skip, const char *name,
		      struct tables **keep)
{
	struct replay *r = calloc(1, sizeof(*r));
	struct tables_stats ts0, ts1;
	char dir[4096];
	double wall, cpu;
	int rc = -ENOMEM;

	if (!r) {
		return rc;
	}
	snprintf(dir, sizeof(dir), "%s/%s", b->dir, name);
	r->stage = STAGE_FULL;
	r->skip = skip;
	rc = tables_fresh(dir, &r->t);
	if (rc < 0) {
		goto out_free;
	}
	r->ev = evidence_make(r, b->seed);
	if (!r->ev) {
		rc = -ENOMEM;
		goto out_tables;
	}
	tables_get_stats(r->t, &ts0);
	rc = replay_run(r, b->pcap_path, &wall, &cpu);
	tables_get_stats(r->t, &ts1);
	ts1.write_txns -= ts0.write_txns;
	if (rc == 0) {
		full_print(skip ? "replay: whole path, refresh skip (as vrd)"
				: "replay: whole path, no refresh skip",
			   r, wall, cpu, &ts1);
		if (skip) {
			evidence_print(r->ev);
		}
	}
	capture_evidence_destroy(r->ev);
	free(r->commit.v);
	free(r->event_lat.v);
out_tables:
	if (rc == 0 && keep) {
		*keep = r->t;
	} else {
		tables_close(r->t);
	}
out_free:
	free(r);
	return rc;
}

static int replay_bench(const struct bench *b)
{
	struct tables *learned = NULL;
	int rc;

	print_str("batch (frames per wake-up)", "256", "frames");
	print_str("refresh skip window", "150", "s (hwdt_age 600 / 4)");
	if ((rc = stage_repeat(b, STAGE_READ, NULL,
			       "replay: pcap read only")) ||
	    (rc = stage_repeat(b, STAGE_PARSE, NULL,
			       "replay: + parse, counters")) ||
	    (rc = stage_full(b, true, "skip", &learned))) {
		return rc;
	}
	rc = stage_repeat(b, STAGE_EVIDENCE, learned,
			  "replay: + evidence (hwdt read txn / batch)");
	tables_close(learned);
	if (rc) {
		return rc;
	}
	return stage_full(b, false, "noskip", NULL);
}

/* ---- injection --------------------------------------------------------- */

static int inject_bench(const char *ifname, uint32_t count)
{
	char err[256] = "";
	struct inject *inj = inject_open(ifname, err, sizeof(err));
	struct inject_stats st;
	struct vrd_mac mac;
	double w0, c0, wall, cpu;
	uint64_t failed = 0;

	if (!inj) {
		int e = errno ? errno : EIO;

		fprintf(stderr, "bench-capture: inject %s: %s\n", ifname, err);
		return -e;
	}
	inject_hwaddr(inj, &mac);
	w0 = now_s();
	c0 = cpu_s();
	for (uint32_t i = 0; i < count; i++) {
		if (inject_garp_send(inj, host_ip(i % HOSTS), &mac,
				     INJECT_GARP_REQUEST, NULL) < 0) {
			failed++;
		}
	}
	wall = now_s() - w0;
	cpu = cpu_s() - c0;
	inject_stats_get(inj, &st);
	print_str("inject interface", ifname, "");
	print_num("inject gratuitous arp", (double)count / wall, "frames/s");
	print_num("  cpu", (double)count / cpu, "frames/s (thread cpu)");
	print_num("  wall time", wall, "s");
	print_num("  inject.sent", (double)st.sent, "frames");
	print_num("  inject.errors", (double)st.errors, "frames");
	print_num("  failed calls", (double)failed, "frames");
	inject_close(inj);
	return 0;
}

/* ---- main ------------------------------------------------------------ */

static void usage(void)
{
	fprintf(stderr, "usage: bench-capture [-n FRAMES] [-r WIRE_FPS] "
			"[-s SEED] [-d DIR] [-w FILE] [-i IFACE] "
			"[-g GARPS]\n");
}

static bool number_get(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		return false;
	}
	*out = v;
	return true;
}

/* One core: stay on the CPU we started on. */
static int pin_cpu(void)
{
	int cpu = sched_getcpu();
	cpu_set_t set;

	if (cpu < 0) {
		return -1;
	}
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) < 0 ? -1 : cpu;
}

int main(int argc, char **argv)
{
	uint64_t frames = 1000000, fps = 1000, seed = 1, garps = 100000;
	const char *dir = NULL, *pcap_path = NULL, *ifname = NULL;
	char tmpdir[] = "/tmp/bench-capture.XXXXXX";
	char pathbuf[4200];
	struct bench b;
	int opt, rc, cpu;

	while ((opt = getopt(argc, argv, "n:r:s:d:w:i:g:h")) != -1) {
		bool ok = true;

		switch (opt) {
		case 'n':
			ok = number_get(optarg, 0, 100000000, &frames);
			break;
		case 'r':
			ok = number_get(optarg, 1, 10000000, &fps);
			break;
		case 's':
			ok = number_get(optarg, 0, UINT64_MAX, &seed);
			break;
		case 'd':
			dir = optarg;
			break;
		case 'w':
			pcap_path = optarg;
			break;
		case 'i':
			ifname = optarg;
			break;
		case 'g':
			ok = number_get(optarg, 1, 100000000, &garps);
			break;
		default:
			ok = false;
			break;
		}
		if (!ok) {
			usage();
			return 2;
		}
	}
	if (optind != argc) {
		usage();
		return 2;
	}
	if (!dir) {
		dir = mkdtemp(tmpdir);
		if (!dir) {
			perror("bench-capture: mkdtemp");
			return 1;
		}
	}
	if (!pcap_path) {
		snprintf(pathbuf, sizeof(pathbuf), "%s/lan.pcap", dir);
		pcap_path = pathbuf;
	}
	rng_state = seed;
	cpu = pin_cpu();
	print_num("seed", (double)seed, "");
	if (cpu >= 0) {
		print_num("pinned to cpu", cpu, "");
	} else {
		print_str("pinned to cpu", "no", "");
	}
	print_str("state dir", dir, "");
	print_str("pcap", pcap_path, "");
	b = (struct bench){.pcap_path = pcap_path, .dir = dir, .seed = seed};
	rc = 0;
	if (frames > 0) {
		rc = pcap_generate(pcap_path, frames, (uint32_t)fps);
	}
	if (rc == 0 && frames > 0) {
		rc = replay_bench(&b);
	}
	if (rc == 0 && ifname) {
		rc = inject_bench(ifname, (uint32_t)garps);
	} else if (rc == 0) {
		print_str("inject gratuitous arp", "skipped",
			  "(no -i IFACE; needs root)");
	}
	if (dir == tmpdir) {
		nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	} else if (pcap_path == pathbuf) {
		remove(pcap_path);
	}
	if (rc) {
		fprintf(stderr, "bench-capture: %s\n", strerror(-rc));
	}
	return rc ? 1 : 0;
}
