/*
 * capture/evidence.c: classification, folding of announcement bursts,
 * the silent case and its callbacks, learning items, the bounded table and
 * the event bucket.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "capture/evidence.h"

#define NET 0xc0000200u /* 192.0.2.0/24: this router */
#define VM_IP 0xcb007105u /* 203.0.113.5: a VM from elsewhere */
#define HOST_IP 0xc0000205u /* 192.0.2.5: a host of this LAN */
#define T0 100000u
#define W CAPTURE_EVIDENCE_FOLD_MS

static const struct vrd_mac VM = {{0x52, 0x54, 0x00, 0x12, 0x34, 0x56}};
static const struct vrd_mac HOST = {{0x52, 0x54, 0x00, 0xab, 0xcd, 0xef}};
static const struct vrd_mac BCAST = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};

struct known {
	struct vrd_mac mac;
	bool mac_set;
	uint32_t ip;
	unsigned mac_calls, ip_calls;
};

static bool mac_known(const struct vrd_mac *mac, uint16_t vlan, void *arg)
{
	struct known *k = arg;

	k->mac_calls++;
	return k->mac_set && vrd_mac_equal(mac, &k->mac);
}

static bool ip_known(uint32_t ip, void *arg)
{
	struct known *k = arg;

	k->ip_calls++;
	return k->ip != 0 && ip == k->ip;
}

static struct capture_evidence *make(struct known *k, uint32_t rate)
{
	struct capture_evidence_config cfg = {
		.network = {.addr = NET, .len = 24},
		.events_per_sec = rate,
		.seed = 0x1234,
		.mac_known = k ? mac_known : NULL,
		.ip_known = k ? ip_known : NULL,
		.arg = k,
	};
	struct capture_evidence *ev = capture_evidence_create(&cfg);

	assert_non_null(ev);
	return ev;
}

static struct capture_frame rarp(const struct vrd_mac *mac)
{
	struct capture_frame f = {
		.kind = CAPTURE_KIND_RARP,
		.vlan = CAPTURE_VLAN_NONE,
		.ethertype = 0x8035,
		.eth_dst = BCAST,
		.eth_src = *mac,
		.op = CAPTURE_RARP_REQUEST,
		.sha = *mac,
		.tha = *mac,
	};
	return f;
}

static struct capture_frame arp(const struct vrd_mac *mac, uint16_t op,
				uint32_t spa, uint32_t tpa)
{
	struct capture_frame f = {
		.kind = CAPTURE_KIND_ARP,
		.vlan = CAPTURE_VLAN_NONE,
		.ethertype = 0x0806,
		.eth_dst = BCAST,
		.eth_src = *mac,
		.op = op,
		.sha = *mac,
		.spa = spa,
		.tpa = tpa,
	};
	if (spa != 0 && spa == tpa) {
		f.flags = CAPTURE_FRAME_GRATUITOUS;
	}
	return f;
}

static struct capture_frame ipv4(const struct vrd_mac *mac, uint32_t src)
{
	struct capture_frame f = {
		.kind = CAPTURE_KIND_IPV4,
		.vlan = CAPTURE_VLAN_NONE,
		.ethertype = 0x0800,
		.eth_dst = HOST,
		.eth_src = *mac,
		.ip_src = src,
		.ip_dst = HOST_IP,
	};
	return f;
}

static struct vrd_mac mac_n(uint32_t n)
{
	struct vrd_mac m = {{0x52, 0x54, 0x00, (uint8_t)(n >> 16),
			     (uint8_t)(n >> 8), (uint8_t)n}};
	return m;
}

static unsigned feed(struct capture_evidence *ev, const struct capture_frame *f,
		     uint64_t now, struct capture_event *e,
		     struct capture_learn *l)
{
	return capture_evidence_feed(ev, f, now, e, l);
}

static void test_qemu_burst(void **state)
{
	static const uint64_t at[] = {0, 50, 200, 450, 800};
	struct capture_evidence *ev = make(NULL, 0);
	struct capture_frame f = rarp(&VM);
	struct capture_evidence_stats st;
	struct capture_event e, got;
	struct capture_learn l;
	unsigned events = 0;

	for (size_t i = 0; i < 5; i++) {
		unsigned r = feed(ev, &f, T0 + at[i], &e, &l);

		assert_int_equal(r & CAPTURE_FEED_LEARN, 0); /* no IP */
		if (r & CAPTURE_FEED_EVENT) {
			events++;
			assert_int_equal(i, 0); /* at the FIRST frame */
			assert_int_equal(e.kind, CAPTURE_EVENT_RARP);
			assert_memory_equal(e.mac.b, VM.b, 6);
			assert_int_equal(e.ip, 0);
			assert_int_equal(e.vlan, CAPTURE_VLAN_NONE);
			assert_int_equal(e.first_ms, T0);
			assert_int_equal(e.frames, 1);
		}
	}
	assert_int_equal(events, 1);
	assert_int_equal(capture_evidence_get(ev, &VM, &got), 0);
	assert_int_equal(got.frames, 5);
	assert_int_equal(got.first_ms, T0);
	assert_int_equal(got.last_ms, T0 + 800);
	assert_int_equal(got.kind, CAPTURE_EVENT_RARP);

	/* the same VM arrives again 5 s later: a new event */
	assert_int_equal(feed(ev, &f, T0 + 5800, &e, &l), CAPTURE_FEED_EVENT);
	assert_int_equal(e.first_ms, T0 + 5800);
	assert_int_equal(e.frames, 1);
	assert_int_equal(capture_evidence_get(ev, &HOST, &got), -ENOENT);

	capture_evidence_get_stats(ev, &st);
	assert_int_equal(st.events[CAPTURE_EVENT_RARP], 2);
	assert_int_equal(st.folded, 4);
	assert_int_equal(st.learned, 0);
	capture_evidence_destroy(ev);
}

static void test_fold_window_edge(void **state)
{
	const uint64_t w = CAPTURE_EVIDENCE_FOLD_MS;
	struct capture_evidence *ev = make(NULL, 0);
	struct capture_frame f = rarp(&VM);
	struct capture_event e;
	struct capture_learn l;

	assert_true(w >= 1000); /* QEMU's burst spans 800 ms */
	assert_int_equal(feed(ev, &f, T0, &e, &l), CAPTURE_FEED_EVENT);
	/* the window runs from the LAST frame */
	assert_int_equal(feed(ev, &f, T0 + w - 100, &e, &l), 0);
	assert_int_equal(feed(ev, &f, T0 + 2 * w - 100, &e, &l), 0);
	assert_int_equal(feed(ev, &f, T0 + 3 * w - 99, &e, &l),
			 CAPTURE_FEED_EVENT);
	/* a clock that goes back folds, never crashes */
	assert_int_equal(feed(ev, &f, 5, &e, &l), 0);
	assert_int_equal(capture_evidence_get(ev, &VM, &e), 0);
	assert_int_equal(e.last_ms, T0 + 3 * w - 99);
	assert_int_equal(e.frames, 2);
	capture_evidence_destroy(ev);
}

/* A -> B -> A -> B, 300 ms apart, seen from B: once the host has been
 * claimed away (the daemon's capture_evidence_forget), its return is a
 * new arrival, not a frame of the first one's burst. */
static void test_bounce_forget(void **state)
{
	struct known k = {.mac = VM, .mac_set = true};
	struct capture_evidence *ev = make(&k, 0);
	struct capture_frame f = rarp(&VM);
	struct capture_evidence_stats st;
	struct capture_event e;
	struct capture_learn l;
	size_t used;

	assert_int_equal(feed(ev, &f, T0, &e, &l), CAPTURE_FEED_EVENT);
	used = capture_evidence_size(ev);
	/* without the news the return folds (the old behaviour) */
	assert_int_equal(feed(ev, &f, T0 + 600, &e, &l), 0);
	/* claimed away at 300 ms; back at B at 900 ms */
	assert_int_equal(capture_evidence_forget(ev, &VM), 0);
	assert_int_equal(capture_evidence_size(ev), used - 1);
	assert_int_equal(capture_evidence_get(ev, &VM, &e), -ENOENT);
	assert_int_equal(capture_evidence_forget(ev, &VM), -ENOENT);
	assert_int_equal(feed(ev, &f, T0 + 900, &e, &l), CAPTURE_FEED_EVENT);
	assert_int_equal(e.first_ms, T0 + 900);
	assert_int_equal(e.frames, 1);
	/* and its burst folds into the new arrival again */
	assert_int_equal(feed(ev, &f, T0 + 950, &e, &l), 0);

	/* a cached "known" MAC is forgotten too: its next silent frame asks
	 * the callbacks again */
	f = ipv4(&HOST, VM_IP + 1);
	k.mac = HOST;
	assert_int_equal(feed(ev, &f, T0, &e, &l), 0);
	assert_int_equal(k.mac_calls, 1);
	assert_int_equal(feed(ev, &f, T0 + 10, &e, &l), 0);
	assert_int_equal(k.mac_calls, 1);
	assert_int_equal(capture_evidence_forget(ev, &HOST), 0);
	k.mac_set = false;
	assert_int_equal(feed(ev, &f, T0 + 20, &e, &l), CAPTURE_FEED_EVENT);
	assert_int_equal(k.mac_calls, 2);
	assert_int_equal(e.kind, CAPTURE_EVENT_SILENT_IPV4);

	capture_evidence_get_stats(ev, &st);
	assert_int_equal(st.forgotten, 2);
	assert_int_equal(st.events[CAPTURE_EVENT_RARP], 2);
	capture_evidence_destroy(ev);
}

static void test_garp(void **state)
{
	struct capture_evidence *ev = make(NULL, 0);
	struct capture_frame f;
	struct capture_event e;
	struct capture_learn l;

	/* arping -U (request) then -A (reply): one arrival */
	f = arp(&VM, CAPTURE_ARP_REQUEST, VM_IP, VM_IP);
	f.vlan = 7;
	assert_int_equal(feed(ev, &f, T0, &e, &l),
			 CAPTURE_FEED_EVENT | CAPTURE_FEED_LEARN);
	assert_int_equal(e.kind, CAPTURE_EVENT_GARP);
	assert_int_equal(e.ip, VM_IP);
	assert_int_equal(e.vlan, 7);
	assert_memory_equal(e.mac.b, VM.b, 6);
	assert_int_equal(l.ip, VM_IP);
	assert_memory_equal(l.mac.b, VM.b, 6);
	assert_int_equal(l.source, CAPTURE_LEARN_GARP);
	assert_int_equal(l.vlan, 7);
	f = arp(&VM, CAPTURE_ARP_REPLY, VM_IP, VM_IP);
	assert_int_equal(feed(ev, &f, T0 + 100, &e, &l), CAPTURE_FEED_LEARN);
	assert_int_equal(l.source, CAPTURE_LEARN_GARP);

	/* a GARP inside the network is a host seen too */
	f = arp(&HOST, CAPTURE_ARP_REQUEST, HOST_IP, HOST_IP);
	assert_int_equal(feed(ev, &f, T0, &e, &l),
			 CAPTURE_FEED_EVENT | CAPTURE_FEED_LEARN);
	assert_int_equal(e.kind, CAPTURE_EVENT_GARP);
	assert_int_equal(e.ip, HOST_IP);
	capture_evidence_destroy(ev);
}

static void test_rarp_then_garp_folds(void **state)
{
	struct capture_evidence *ev = make(NULL, 0);
	struct capture_frame r = rarp(&VM);
	struct capture_frame g = arp(&VM, CAPTURE_ARP_REQUEST, VM_IP, VM_IP);
	struct capture_event e;
	struct capture_learn l;

	assert_int_equal(feed(ev, &r, T0, &e, &l), CAPTURE_FEED_EVENT);
	/* QEMU with a virtio guest: the guest's GARP follows; its IP is
	 * learned, the arrival stays one event */
	assert_int_equal(feed(ev, &g, T0 + 20, &e, &l), CAPTURE_FEED_LEARN);
	assert_int_equal(l.ip, VM_IP);
	assert_int_equal(feed(ev, &r, T0 + 50, &e, &l), 0);
	assert_int_equal(capture_evidence_get(ev, &VM, &e), 0);
	assert_int_equal(e.frames, 3);
	assert_int_equal(e.kind, CAPTURE_EVENT_RARP);
	capture_evidence_destroy(ev);
}

static void test_rarp_shapes(void **state)
{
	struct capture_evidence *ev = make(NULL, 0);
	struct capture_frame f;
	struct capture_event e;
	struct capture_learn l;

	/* sha differs from the Ethernet source: someone else's claim */
	f = rarp(&VM);
	f.eth_src = HOST;
	f.flags = CAPTURE_FRAME_SHA_MISMATCH;
	assert_int_equal(feed(ev, &f, T0, &e, &l), 0);
	/* a reply from a RARP server is no arrival */
	f = rarp(&VM);
	f.op = CAPTURE_RARP_REPLY;
	assert_int_equal(feed(ev, &f, T0, &e, &l), 0);
	/* another request reverse shape */
	f = rarp(&VM);
	memset(f.tha.b, 0, 6);
	assert_int_equal(feed(ev, &f, T0, &e, &l), CAPTURE_FEED_EVENT);
	assert_int_equal(e.kind, CAPTURE_EVENT_RARP_OTHER);
	assert_int_equal(e.ip, 0);
	/* one that names its own address is learned */
	f = rarp(&HOST);
	f.spa = HOST_IP;
	assert_int_equal(feed(ev, &f, T0, &e, &l),
			 CAPTURE_FEED_EVENT | CAPTURE_FEED_LEARN);
	assert_int_equal(e.kind, CAPTURE_EVENT_RARP_OTHER);
	assert_int_equal(e.ip, HOST_IP);
	assert_int_equal(l.source, CAPTURE_LEARN_RARP);
	assert_int_equal(l.ip, HOST_IP);
	capture_evidence_destroy(ev);
}

static void test_silent(void **state)
{
	struct known k = {0};
	struct capture_evidence *ev = make(&k, 0);
	struct capture_frame f;
	struct capture_event e;
	struct capture_learn l;

	/* the VM's first ARP: for its old gateway */
	f = arp(&VM, CAPTURE_ARP_REQUEST, VM_IP, 0xcb007101);
	assert_int_equal(feed(ev, &f, T0, &e, &l),
			 CAPTURE_FEED_EVENT | CAPTURE_FEED_LEARN);
	assert_int_equal(e.kind, CAPTURE_EVENT_SILENT_ARP);
	assert_int_equal(e.ip, VM_IP);
	assert_memory_equal(e.mac.b, VM.b, 6);
	assert_int_equal(l.source, CAPTURE_LEARN_ARP);
	assert_int_equal(l.ip, VM_IP);
	assert_int_equal(k.mac_calls, 1);
	assert_int_equal(k.ip_calls, 1);
	/* its IPv4 frames then fold in, without asking again */
	f = ipv4(&VM, VM_IP);
	assert_int_equal(feed(ev, &f, T0 + 10, &e, &l), 0);
	assert_int_equal(k.mac_calls, 1);

	/* a VM whose first frame is IPv4 */
	f = ipv4(&HOST, VM_IP + 1);
	assert_int_equal(feed(ev, &f, T0, &e, &l), CAPTURE_FEED_EVENT);
	assert_int_equal(e.kind, CAPTURE_EVENT_SILENT_IPV4);
	assert_int_equal(e.ip, VM_IP + 1);
	assert_memory_equal(e.mac.b, HOST.b, 6);
	capture_evidence_destroy(ev);
}

static void test_not_silent(void **state)
{
	struct known k = {0};
	struct capture_evidence *ev = make(&k, 0);
	struct capture_frame f;
	struct capture_event e;
	struct capture_learn l;
	struct vrd_mac m;

	/* an IP inside the network: an ordinary host, learned only */
	f = arp(&VM, CAPTURE_ARP_REQUEST, HOST_IP, 0xc0000201);
	assert_int_equal(feed(ev, &f, T0, &e, &l), CAPTURE_FEED_LEARN);
	assert_int_equal(l.ip, HOST_IP);
	f = ipv4(&VM, HOST_IP);
	assert_int_equal(feed(ev, &f, T0, &e, &l), 0);
	assert_int_equal(k.mac_calls, 0); /* no need to ask */

	/* a source no host has */
	f = ipv4(&VM, 0);
	assert_int_equal(feed(ev, &f, T0, &e, &l), 0);
	f = ipv4(&VM, 0xe0000001); /* multicast */
	assert_int_equal(feed(ev, &f, T0, &e, &l), 0);
	f = ipv4(&VM, 0x7f000001);
	assert_int_equal(feed(ev, &f, T0, &e, &l), 0);
	f = ipv4(&VM, 0xffffffff);
	assert_int_equal(feed(ev, &f, T0, &e, &l), 0);
	assert_int_equal(k.mac_calls, 0);

	/* a known MAC (a router forwarding for the world): nothing, and the
	 * answer is cached for the fold window */
	k.mac = HOST;
	k.mac_set = true;
	f = ipv4(&HOST, 0x08080808);
	assert_int_equal(feed(ev, &f, T0, &e, &l), 0);
	assert_int_equal(k.mac_calls, 1);
	f.ip_src = 0x01010101;
	assert_int_equal(feed(ev, &f, T0 + 500, &e, &l), 0);
	assert_int_equal(feed(ev, &f, T0 + W, &e, &l), 0);
	assert_int_equal(k.mac_calls, 1);
	assert_int_equal(feed(ev, &f, T0 + W + 1, &e, &l), 0);
	assert_int_equal(k.mac_calls, 2); /* asked again after the window */
	f = arp(&HOST, CAPTURE_ARP_REQUEST, VM_IP, 0xcb007101);
	assert_int_equal(feed(ev, &f, T0 + W + 2, &e, &l), CAPTURE_FEED_LEARN);
	/* ... but an announcement from it is an arrival all the same */
	f = rarp(&HOST);
	assert_int_equal(feed(ev, &f, T0 + W + 3, &e, &l), CAPTURE_FEED_EVENT);
	assert_int_equal(e.kind, CAPTURE_EVENT_RARP);

	/* a known IP on a new MAC is the HWDT's business */
	k.ip = VM_IP;
	f = ipv4(&VM, VM_IP);
	assert_int_equal(feed(ev, &f, T0, &e, &l), 0);
	assert_int_equal(k.ip_calls, 1);
	/* not cached: the same MAC from another IP is asked about */
	f = ipv4(&VM, VM_IP + 1);
	assert_int_equal(feed(ev, &f, T0 + 1, &e, &l), CAPTURE_FEED_EVENT);
	assert_int_equal(e.kind, CAPTURE_EVENT_SILENT_IPV4);

	/* an ARP whose sha is not its Ethernet source: learned, no event */
	k.ip = 0;
	m = mac_n(77);
	f = arp(&m, CAPTURE_ARP_REQUEST, VM_IP + 9, 0xcb007101);
	f.eth_src = mac_n(78);
	f.flags |= CAPTURE_FRAME_SHA_MISMATCH;
	assert_int_equal(feed(ev, &f, T0, &e, &l), CAPTURE_FEED_LEARN);
	assert_memory_equal(l.mac.b, mac_n(77).b, 6);
	capture_evidence_destroy(ev);
}

static void test_learn_filter(void **state)
{
	static const uint32_t bad[] = {
		0,	    0x00000001, 0x7f000001, 0xe0000001, 0xefffffff,
		0xf0000001, 0xffffffff, NET,	    NET | 0xff,
	};
	struct capture_evidence *ev = make(NULL, 0);
	struct capture_frame f;
	struct capture_event e;
	struct capture_learn l;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct vrd_mac m = mac_n((uint32_t)i);

		f = arp(&m, CAPTURE_ARP_REPLY, bad[i], 0xc0000201);
		assert_int_equal(feed(ev, &f, T0, &e, &l), 0);
		f = arp(&m, CAPTURE_ARP_REQUEST, bad[i], bad[i]);
		assert_int_equal(feed(ev, &f, T0, &e, &l), 0);
	}
	/* edges that are hosts */
	f = arp(&VM, CAPTURE_ARP_REPLY, NET | 1, 0xc0000202);
	assert_int_equal(feed(ev, &f, T0, &e, &l), CAPTURE_FEED_LEARN);
	assert_int_equal(l.source, CAPTURE_LEARN_ARP);
	f = arp(&VM, CAPTURE_ARP_REPLY, NET | 0xfe, 0xc0000202);
	assert_int_equal(feed(ev, &f, T0, &e, &l), CAPTURE_FEED_LEARN);
	assert_int_equal(l.ip, NET | 0xfe);
	capture_evidence_destroy(ev);
}

static void test_flood_bounded(void **state)
{
	struct capture_evidence *ev = make(NULL, CAPTURE_EVIDENCE_UNLIMITED);
	size_t cap = capture_evidence_capacity(ev);
	struct capture_evidence_stats st;
	struct capture_frame f;
	struct capture_event e;
	struct capture_learn l;
	unsigned events = 0;

	assert_int_equal(cap, CAPTURE_EVIDENCE_TABLE);
	/* 100k distinct MACs in one second */
	for (uint32_t i = 0; i < 100000; i++) {
		struct vrd_mac m = mac_n(i + 1);

		f = rarp(&m);
		if (feed(ev, &f, T0 + i / 100, &e, &l) & CAPTURE_FEED_EVENT) {
			events++;
		}
		assert_true(capture_evidence_size(ev) <= cap);
	}
	assert_int_equal(events, 100000);
	assert_int_equal(capture_evidence_size(ev), cap);
	capture_evidence_get_stats(ev, &st);
	assert_true(st.evicted >= 100000 - cap);
	assert_true(st.evicted <= 100000);

	/* and it keeps working: a burst right after is one event */
	f = rarp(&VM);
	assert_int_equal(feed(ev, &f, T0 + 1000, &e, &l), CAPTURE_FEED_EVENT);
	assert_int_equal(feed(ev, &f, T0 + 1050, &e, &l), 0);
	assert_int_equal(feed(ev, &f, T0 + 1200, &e, &l), 0);
	assert_int_equal(capture_evidence_get(ev, &VM, &e), 0);
	assert_int_equal(e.frames, 3);
	assert_int_equal(capture_evidence_size(ev), cap);
	capture_evidence_destroy(ev);
}

static void test_flood_ratelimited(void **state)
{
	struct capture_evidence *ev = make(NULL, 0);
	struct capture_evidence_stats st;
	struct capture_frame f;
	struct capture_event e;
	struct capture_learn l;
	unsigned events = 0;

	/* 100k distinct MACs over 1 s: the bucket holds 1000 and refills
	 * 1000 per second */
	for (uint32_t i = 0; i < 100000; i++) {
		struct vrd_mac m = mac_n(i + 1);

		f = rarp(&m);
		if (feed(ev, &f, T0 + i / 100, &e, &l) & CAPTURE_FEED_EVENT) {
			events++;
		}
	}
	assert_true(events >= CAPTURE_EVIDENCE_EVENTS_PER_SEC);
	assert_true(events <= 2 * CAPTURE_EVIDENCE_EVENTS_PER_SEC);
	capture_evidence_get_stats(ev, &st);
	assert_int_equal(st.ratelimited, 100000 - events);
	assert_true(capture_evidence_size(ev) <= CAPTURE_EVIDENCE_TABLE);

	/* the bucket is empty now: a refused frame leaves no state, so
	 * the next frame of the burst fires once a token is back */
	f = rarp(&VM);
	assert_int_equal(feed(ev, &f, T0 + 999, &e, &l), 0);
	assert_int_equal(capture_evidence_get(ev, &VM, &e), -ENOENT);
	assert_int_equal(feed(ev, &f, T0 + 1049, &e, &l), CAPTURE_FEED_EVENT);
	assert_int_equal(e.first_ms, T0 + 1049);
	assert_int_equal(feed(ev, &f, T0 + 1199, &e, &l), 0);
	capture_evidence_destroy(ev);
}

static void test_ratelimit_before_callbacks(void **state)
{
	struct known k = {0};
	struct capture_evidence *ev = make(&k, 1); /* 1 event/s, burst 1 */
	struct capture_evidence_stats st;
	struct vrd_mac m1 = mac_n(1), m2 = mac_n(2);
	struct capture_frame f;
	struct capture_event e;
	struct capture_learn l;

	f = ipv4(&m1, VM_IP);
	assert_int_equal(feed(ev, &f, T0, &e, &l), CAPTURE_FEED_EVENT);
	assert_int_equal(k.mac_calls, 1);
	/* the bucket is empty: refused without asking the daemon */
	f = ipv4(&m2, VM_IP + 1);
	assert_int_equal(feed(ev, &f, T0 + 10, &e, &l), 0);
	assert_int_equal(k.mac_calls, 1);
	assert_int_equal(k.ip_calls, 1);
	/* ... but a learning item is never held back */
	f = arp(&m2, CAPTURE_ARP_REQUEST, VM_IP + 1, 0xcb007101);
	assert_int_equal(feed(ev, &f, T0 + 20, &e, &l), CAPTURE_FEED_LEARN);
	capture_evidence_get_stats(ev, &st);
	assert_int_equal(st.ratelimited, 2);
	/* a second later the token is back */
	f = ipv4(&m2, VM_IP + 1);
	assert_int_equal(feed(ev, &f, T0 + 1010, &e, &l), CAPTURE_FEED_EVENT);
	assert_int_equal(e.kind, CAPTURE_EVENT_SILENT_IPV4);
	assert_int_equal(k.mac_calls, 2);
	capture_evidence_destroy(ev);
}

static void test_create(void **state)
{
	struct capture_evidence_config cfg = {
		.network = {.addr = NET, .len = 33},
	};
	struct capture_evidence *ev;

	errno = 0;
	assert_null(capture_evidence_create(&cfg));
	assert_int_equal(errno, EINVAL);
	assert_null(capture_evidence_create(NULL));
	cfg.network.len = 24;
	cfg.table_size = 1;
	ev = capture_evidence_create(&cfg);
	assert_non_null(ev);
	assert_int_equal(capture_evidence_capacity(ev), 8);
	assert_int_equal(capture_evidence_size(ev), 0);
	capture_evidence_destroy(ev);
	cfg.table_size = 100;
	ev = capture_evidence_create(&cfg);
	assert_non_null(ev);
	assert_int_equal(capture_evidence_capacity(ev), 128);
	capture_evidence_destroy(ev);
	capture_evidence_destroy(NULL);
}

static void test_set_network(void **state)
{
	struct capture_evidence *ev = make(NULL, 0);
	struct vrd_prefix p = {.addr = 0xcb007100, .len = 24};
	struct capture_frame f = ipv4(&VM, VM_IP);
	struct capture_event e;
	struct capture_learn l;

	capture_evidence_set_network(ev, &p);
	assert_int_equal(feed(ev, &f, T0, &e, &l), 0); /* now inside */
	p.addr = NET;
	capture_evidence_set_network(ev, &p);
	assert_int_equal(feed(ev, &f, T0, &e, &l), CAPTURE_FEED_EVENT);
	capture_evidence_destroy(ev);
}

struct names {
	int n;
	uint64_t rarp, folded;
};

static int collect(const char *name, uint64_t value, void *arg)
{
	struct names *s = arg;

	s->n++;
	assert_true(strncmp(name, "capture.evidence.", 17) == 0);
	if (strcmp(name, "capture.evidence.rarp") == 0) {
		s->rarp = value;
	}
	if (strcmp(name, "capture.evidence.folded") == 0) {
		s->folded = value;
	}
	return 0;
}

static void test_stats_names(void **state)
{
	struct capture_evidence *ev = make(NULL, 0);
	struct capture_frame f = rarp(&VM);
	struct capture_evidence_stats st;
	struct capture_event e;
	struct capture_learn l;
	struct names s = {0};

	feed(ev, &f, T0, &e, &l);
	feed(ev, &f, T0 + 50, &e, &l);
	capture_evidence_get_stats(ev, &st);
	assert_int_equal(capture_evidence_stats_foreach(&st, collect, &s), 0);
	assert_int_equal(s.n, CAPTURE_EVENT_MAX - 1 + 6);
	assert_int_equal(s.rarp, 1);
	assert_int_equal(s.folded, 1);
	assert_string_equal(capture_event_kind_name(CAPTURE_EVENT_GARP),
			    "garp");
	assert_string_equal(capture_event_kind_name(0), "unknown");
	assert_string_equal(capture_event_kind_name(CAPTURE_EVENT_MAX),
			    "unknown");
	capture_evidence_destroy(ev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qemu_burst),
		cmocka_unit_test(test_fold_window_edge),
		cmocka_unit_test(test_bounce_forget),
		cmocka_unit_test(test_garp),
		cmocka_unit_test(test_rarp_then_garp_folds),
		cmocka_unit_test(test_rarp_shapes),
		cmocka_unit_test(test_silent),
		cmocka_unit_test(test_not_silent),
		cmocka_unit_test(test_learn_filter),
		cmocka_unit_test(test_flood_bounded),
		cmocka_unit_test(test_flood_ratelimited),
		cmocka_unit_test(test_ratelimit_before_callbacks),
		cmocka_unit_test(test_create),
		cmocka_unit_test(test_set_network),
		cmocka_unit_test(test_stats_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
