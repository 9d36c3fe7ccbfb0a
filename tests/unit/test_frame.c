/*
 * capture/frame.c: every frame kind, every drop reason by its exact code,
 * truncation at every length, and the counters.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/frame.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof(*(a)))

static const uint8_t BCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t VM[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
static const uint8_t HOST[6] = {0x52, 0x54, 0x00, 0xab, 0xcd, 0xef};
static const uint8_t ZERO[6] = {0};

struct buf {
	uint8_t b[128];
	size_t len;
};

static void put8(struct buf *f, uint8_t v)
{
	assert_true(f->len < sizeof(f->b));
	f->b[f->len++] = v;
}

static void put16(struct buf *f, uint16_t v)
{
	put8(f, (uint8_t)(v >> 8));
	put8(f, (uint8_t)v);
}

static void put32(struct buf *f, uint32_t v)
{
	put16(f, (uint16_t)(v >> 16));
	put16(f, (uint16_t)v);
}

static void putmac(struct buf *f, const uint8_t *m)
{
	for (int i = 0; i < 6; i++) {
		put8(f, m[i]);
	}
}

static void eth(struct buf *f, const uint8_t *dst, const uint8_t *src)
{
	f->len = 0;
	putmac(f, dst);
	putmac(f, src);
}

/* ARP body with every field given. */
static void arp_body(struct buf *f, uint16_t htype, uint16_t ptype,
		     uint8_t hlen, uint8_t plen, uint16_t op,
		     const uint8_t *sha, uint32_t spa, const uint8_t *tha,
		     uint32_t tpa)
{
	put16(f, htype);
	put16(f, ptype);
	put8(f, hlen);
	put8(f, plen);
	put16(f, op);
	putmac(f, sha);
	put32(f, spa);
	putmac(f, tha);
	put32(f, tpa);
}

static void pad60(struct buf *f)
{
	while (f->len < 60) {
		put8(f, 0);
	}
}

/* qemu_announce_self's frame for VM. */
static void rarp_qemu(struct buf *f, const uint8_t *mac)
{
	eth(f, BCAST, mac);
	put16(f, 0x8035);
	arp_body(f, 1, 0x0800, 6, 4, 3, mac, 0, mac, 0);
	pad60(f);
}

static void arp(struct buf *f, uint16_t op, const uint8_t *src, uint32_t spa,
		uint32_t tpa)
{
	eth(f, BCAST, src);
	put16(f, 0x0806);
	arp_body(f, 1, 0x0800, 6, 4, op, src, spa, ZERO, tpa);
}

static void ipv4(struct buf *f, const uint8_t *src, uint32_t s, uint32_t d)
{
	eth(f, HOST, src);
	put16(f, 0x0800);
	put8(f, 0x45);
	put8(f, 0);
	put16(f, 84);
	put32(f, 0x12344000); /* id, DF */
	put8(f, 64);
	put8(f, 1);
	put16(f, 0);
	put32(f, s);
	put32(f, d);
}

static void test_rarp_qemu(void **state)
{
	struct capture_frame fr;
	struct buf f;

	rarp_qemu(&f, VM);
	assert_int_equal(f.len, 60);
	assert_int_equal(capture_frame_parse(f.b, f.len, &fr), 0);
	assert_int_equal(fr.kind, CAPTURE_KIND_RARP);
	assert_int_equal(fr.ethertype, 0x8035);
	assert_int_equal(fr.vlan, CAPTURE_VLAN_NONE);
	assert_int_equal(fr.op, CAPTURE_RARP_REQUEST);
	assert_memory_equal(fr.eth_src.b, VM, 6);
	assert_memory_equal(fr.eth_dst.b, BCAST, 6);
	assert_memory_equal(fr.sha.b, VM, 6);
	assert_memory_equal(fr.tha.b, VM, 6);
	assert_int_equal(fr.spa, 0);
	assert_int_equal(fr.tpa, 0);
	assert_int_equal(fr.flags, 0);
	/* without padding, as a veth delivers a locally built frame */
	assert_int_equal(capture_frame_parse(f.b, 42, &fr), 0);
	/* RARP reply is fine too */
	eth(&f, VM, HOST);
	put16(&f, 0x8035);
	arp_body(&f, 1, 0x0800, 6, 4, 4, HOST, 0xc0000201, VM, 0xc0000214);
	assert_int_equal(capture_frame_parse(f.b, f.len, &fr), 0);
	assert_int_equal(fr.op, CAPTURE_RARP_REPLY);
	assert_int_equal(fr.tpa, 0xc0000214);
}

static void test_arp_request_reply(void **state)
{
	struct capture_frame fr;
	struct buf f;

	arp(&f, 1, HOST, 0xc0000205, 0xc0000201);
	assert_int_equal(capture_frame_parse(f.b, f.len, &fr), 0);
	assert_int_equal(fr.kind, CAPTURE_KIND_ARP);
	assert_int_equal(fr.op, CAPTURE_ARP_REQUEST);
	assert_int_equal(fr.spa, 0xc0000205);
	assert_int_equal(fr.tpa, 0xc0000201);
	assert_memory_equal(fr.sha.b, HOST, 6);
	assert_memory_equal(fr.tha.b, ZERO, 6);
	assert_int_equal(fr.flags, 0);

	arp(&f, 2, HOST, 0xc0000205, 0xc0000201);
	assert_int_equal(capture_frame_parse(f.b, f.len, &fr), 0);
	assert_int_equal(fr.op, CAPTURE_ARP_REPLY);

	/* an ARP probe (RFC 5227: spa 0) is not gratuitous */
	arp(&f, 1, HOST, 0, 0);
	assert_int_equal(capture_frame_parse(f.b, f.len, &fr), 0);
	assert_int_equal(fr.flags & CAPTURE_FRAME_GRATUITOUS, 0);
}

static void test_garp(void **state)
{
	struct capture_frame fr;
	struct buf f;

	/* arping -U: request; arping -A: reply; both spa == tpa */
	for (uint16_t op = 1; op <= 2; op++) {
		arp(&f, op, VM, 0xcb007105, 0xcb007105);
		assert_int_equal(capture_frame_parse(f.b, f.len, &fr), 0);
		assert_int_equal(fr.kind, CAPTURE_KIND_ARP);
		assert_int_equal(fr.flags, CAPTURE_FRAME_GRATUITOUS);
		assert_int_equal(fr.spa, 0xcb007105);
	}
}

static void test_sha_mismatch(void **state)
{
	struct capture_frame fr;
	struct buf f;

	eth(&f, BCAST, HOST);
	put16(&f, 0x0806);
	arp_body(&f, 1, 0x0800, 6, 4, 2, VM, 0xc0000209, HOST, 0xc0000201);
	assert_int_equal(capture_frame_parse(f.b, f.len, &fr), 0);
	assert_int_equal(fr.flags, CAPTURE_FRAME_SHA_MISMATCH);
	assert_memory_equal(fr.sha.b, VM, 6);
	assert_memory_equal(fr.eth_src.b, HOST, 6);
}

static void test_ipv4(void **state)
{
	struct capture_frame fr;
	struct buf f;

	ipv4(&f, VM, 0xcb007105, 0xc0000201);
	assert_int_equal(capture_frame_parse(f.b, f.len, &fr), 0);
	assert_int_equal(fr.kind, CAPTURE_KIND_IPV4);
	assert_int_equal(fr.ethertype, 0x0800);
	assert_int_equal(fr.ip_src, 0xcb007105);
	assert_int_equal(fr.ip_dst, 0xc0000201);
	assert_int_equal(fr.op, 0);
	/* header with options: IHL 6 needs 24 bytes */
	f.b[14] = 0x46;
	assert_int_equal(capture_frame_parse(f.b, f.len, &fr),
			 -CAPTURE_DROP_TRUNCATED);
	put32(&f, 0x01010101);
	assert_int_equal(capture_frame_parse(f.b, f.len, &fr), 0);
	assert_int_equal(fr.ip_src, 0xcb007105);
}

static void test_ipv4_bad(void **state)
{
	struct capture_frame fr;
	struct buf f;

	ipv4(&f, VM, 0xcb007105, 0xc0000201);
	f.b[14] = 0x65; /* version 6 under ethertype IPv4 */
	assert_int_equal(capture_frame_parse(f.b, f.len, &fr),
			 -CAPTURE_DROP_BAD_IPV4);
	f.b[14] = 0x44; /* IHL 4: 16 bytes */
	assert_int_equal(capture_frame_parse(f.b, f.len, &fr),
			 -CAPTURE_DROP_BAD_IPV4);
	f.b[14] = 0x45;
	f.b[16] = 0;
	f.b[17] = 19; /* total length shorter than the header */
	assert_int_equal(capture_frame_parse(f.b, f.len, &fr),
			 -CAPTURE_DROP_BAD_IPV4);
	assert_int_equal(fr.kind, 0);
	/* every cut of the 20-byte header */
	ipv4(&f, VM, 0xcb007105, 0xc0000201);
	for (size_t n = 14; n < 34; n++) {
		assert_int_equal(capture_frame_parse(f.b, n, &fr),
				 -CAPTURE_DROP_TRUNCATED);
	}
}

static void vlan_tag(struct buf *f, uint16_t tpid, uint16_t tci)
{
	put16(f, tpid);
	put16(f, tci);
}

static void test_vlan(void **state)
{
	struct capture_frame fr;
	struct buf f;

	eth(&f, BCAST, VM);
	vlan_tag(&f, 0x8100, 0xa000 | 100); /* PCP 5, VID 100 */
	put16(&f, 0x0806);
	arp_body(&f, 1, 0x0800, 6, 4, 1, VM, 0xcb007105, ZERO, 0xcb007105);
	assert_int_equal(capture_frame_parse(f.b, f.len, &fr), 0);
	assert_int_equal(fr.kind, CAPTURE_KIND_ARP);
	assert_int_equal(fr.vlan, 100);
	assert_int_equal(fr.ethertype, 0x0806);
	assert_int_equal(fr.flags, CAPTURE_FRAME_GRATUITOUS);
	assert_int_equal(fr.spa, 0xcb007105);
	/* every cut before the end of the ARP body */
	for (size_t n = 0; n < f.len; n++) {
		assert_int_equal(capture_frame_parse(f.b, n, &fr),
				 -CAPTURE_DROP_TRUNCATED);
	}

	/* 802.1ad S-tag alone, RARP inside */
	eth(&f, BCAST, VM);
	vlan_tag(&f, 0x88a8, 4094);
	put16(&f, 0x8035);
	arp_body(&f, 1, 0x0800, 6, 4, 3, VM, 0, VM, 0);
	assert_int_equal(capture_frame_parse(f.b, f.len, &fr), 0);
	assert_int_equal(fr.kind, CAPTURE_KIND_RARP);
	assert_int_equal(fr.vlan, 4094);

	/* priority tag (VID 0) is untagged */
	eth(&f, HOST, VM);
	vlan_tag(&f, 0x8100, 0x6000);
	put16(&f, 0x0800);
	put8(&f, 0x45);
	for (int i = 0; i < 19; i++) {
		put8(&f, i == 1 ? 0 : i == 2 ? 20 : 1); /* len 20 */
	}
	assert_int_equal(capture_frame_parse(f.b, f.len, &fr), 0);
	assert_int_equal(fr.kind, CAPTURE_KIND_IPV4);
	assert_int_equal(fr.vlan, CAPTURE_VLAN_NONE);
	assert_int_equal(fr.ip_src, 0x01010101);

	/* VID 4095 is reserved */
	eth(&f, BCAST, VM);
	vlan_tag(&f, 0x8100, 0x0fff);
	put16(&f, 0x8035);
	arp_body(&f, 1, 0x0800, 6, 4, 3, VM, 0, VM, 0);
	assert_int_equal(capture_frame_parse(f.b, f.len, &fr),
			 -CAPTURE_DROP_VLAN_RESERVED);
}

static void test_double_tagged(void **state)
{
	static const uint16_t outer[] = {0x8100, 0x88a8, 0x9100};
	static const uint16_t inner[] = {0x8100, 0x88a8, 0x9100};
	struct capture_frame fr;
	struct buf f;

	for (size_t i = 0; i < ARRAY_SIZE(outer); i++) {
		for (size_t j = 0; j < ARRAY_SIZE(inner); j++) {
			eth(&f, BCAST, VM);
			vlan_tag(&f, outer[i], 10);
			vlan_tag(&f, inner[j], 20);
			put16(&f, 0x8035);
			arp_body(&f, 1, 0x0800, 6, 4, 3, VM, 0, VM, 0);
			assert_int_equal(capture_frame_parse(f.b, f.len, &fr),
					 -CAPTURE_DROP_DOUBLE_TAGGED);
			assert_int_equal(fr.kind, 0);
		}
	}
}

static void test_src_mac(void **state)
{
	static const uint8_t mcast[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01};
	static const uint8_t odd[6] = {0x53, 0x54, 0x00, 0x00, 0x00, 0x01};
	struct capture_frame fr;
	struct buf f;

	rarp_qemu(&f, ZERO);
	assert_int_equal(capture_frame_parse(f.b, f.len, &fr),
			 -CAPTURE_DROP_SRC_MAC_ZERO);
	rarp_qemu(&f, BCAST);
	assert_int_equal(capture_frame_parse(f.b, f.len, &fr),
			 -CAPTURE_DROP_SRC_MAC_MULTICAST);
	rarp_qemu(&f, mcast);
	assert_int_equal(capture_frame_parse(f.b, f.len, &fr),
			 -CAPTURE_DROP_SRC_MAC_MULTICAST);
	rarp_qemu(&f, odd); /* group bit set */
	assert_int_equal(capture_frame_parse(f.b, f.len, &fr),
			 -CAPTURE_DROP_SRC_MAC_MULTICAST);
	/* the source is checked on IPv4 frames too */
	ipv4(&f, BCAST, 0xcb007105, 0xc0000201);
	assert_int_equal(capture_frame_parse(f.b, f.len, &fr),
			 -CAPTURE_DROP_SRC_MAC_MULTICAST);
}

static void test_arp_fields(void **state)
{
	static const struct {
		uint16_t ethertype, htype, ptype;
		uint8_t hlen, plen;
		uint16_t op;
		int rc;
	} cases[] = {
		{0x0806, 6, 0x0800, 6, 4, 1, -CAPTURE_DROP_BAD_HTYPE},
		{0x0806, 0, 0x0800, 6, 4, 1, -CAPTURE_DROP_BAD_HTYPE},
		{0x8035, 0x0100, 0x0800, 6, 4, 3, -CAPTURE_DROP_BAD_HTYPE},
		{0x0806, 1, 0x86dd, 6, 4, 1, -CAPTURE_DROP_BAD_PTYPE},
		{0x0806, 1, 0x0008, 6, 4, 1, -CAPTURE_DROP_BAD_PTYPE},
		{0x0806, 1, 0x0800, 8, 4, 1, -CAPTURE_DROP_BAD_HLEN},
		{0x0806, 1, 0x0800, 255, 4, 1, -CAPTURE_DROP_BAD_HLEN},
		{0x8035, 1, 0x0800, 0, 4, 3, -CAPTURE_DROP_BAD_HLEN},
		{0x0806, 1, 0x0800, 6, 16, 1, -CAPTURE_DROP_BAD_PLEN},
		{0x0806, 1, 0x0800, 6, 0, 1, -CAPTURE_DROP_BAD_PLEN},
		{0x0806, 1, 0x0800, 6, 4, 0, -CAPTURE_DROP_BAD_OPCODE},
		{0x0806, 1, 0x0800, 6, 4, 3, -CAPTURE_DROP_BAD_OPCODE},
		{0x0806, 1, 0x0800, 6, 4, 4, -CAPTURE_DROP_BAD_OPCODE},
		{0x0806, 1, 0x0800, 6, 4, 0xffff, -CAPTURE_DROP_BAD_OPCODE},
		{0x8035, 1, 0x0800, 6, 4, 1, -CAPTURE_DROP_BAD_OPCODE},
		{0x8035, 1, 0x0800, 6, 4, 2, -CAPTURE_DROP_BAD_OPCODE},
		{0x8035, 1, 0x0800, 6, 4, 5, -CAPTURE_DROP_BAD_OPCODE},
		{0x0806, 1, 0x0800, 6, 4, 2, 0},
		{0x8035, 1, 0x0800, 6, 4, 4, 0},
	};
	struct capture_frame fr;
	struct buf f;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		eth(&f, BCAST, VM);
		put16(&f, cases[i].ethertype);
		arp_body(&f, cases[i].htype, cases[i].ptype, cases[i].hlen,
			 cases[i].plen, cases[i].op, VM, 0, VM, 0);
		pad60(&f);
		if (capture_frame_parse(f.b, f.len, &fr) != cases[i].rc) {
			fail_msg("case %zu: got %d (%s), want %d", i,
				 capture_frame_parse(f.b, f.len, &fr),
				 capture_drop_name(
					 -capture_frame_parse(f.b, f.len, &fr)),
				 cases[i].rc);
		}
	}
	/* hlen 8 with a short frame: the field is wrong before the length */
	eth(&f, BCAST, VM);
	put16(&f, 0x0806);
	put16(&f, 1);
	put16(&f, 0x0800);
	put8(&f, 8);
	put8(&f, 4);
	put16(&f, 1);
	assert_int_equal(capture_frame_parse(f.b, f.len, &fr),
			 -CAPTURE_DROP_BAD_HLEN);
}

static void test_bad_sha(void **state)
{
	static const uint8_t mcast[6] = {0x33, 0x33, 0x00, 0x00, 0x00, 0x01};
	const uint8_t *bad[] = {ZERO, BCAST, mcast};
	struct capture_frame fr;
	struct buf f;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		eth(&f, BCAST, VM);
		put16(&f, 0x0806);
		arp_body(&f, 1, 0x0800, 6, 4, 1, bad[i], 0xc0000209, ZERO,
			 0xc0000201);
		assert_int_equal(capture_frame_parse(f.b, f.len, &fr),
				 -CAPTURE_DROP_BAD_SHA);
		assert_int_equal(fr.kind, 0);
	}
}

static void test_ethertype(void **state)
{
	static const uint16_t types[] = {0x86dd, 0x88cc, 0x0000, 0x05dc,
					 0x0600, 0xffff, 0x8847};
	struct capture_frame fr;
	struct buf f;

	for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
		eth(&f, BCAST, VM);
		put16(&f, types[i]);
		pad60(&f);
		assert_int_equal(capture_frame_parse(f.b, f.len, &fr),
				 -CAPTURE_DROP_ETHERTYPE);
	}
	/* a bare Ethernet header of an unknown type: the type decides */
	assert_int_equal(capture_frame_parse(f.b, 14, &fr),
			 -CAPTURE_DROP_ETHERTYPE);
}

static void test_sizes(void **state)
{
	uint8_t *big = calloc(1, CAPTURE_FRAME_MAX + 1);
	struct capture_frame fr;
	struct buf f;

	assert_non_null(big);
	rarp_qemu(&f, VM);
	memcpy(big, f.b, f.len);
	/* padding up to the jumbo limit is allowed, one byte more is not */
	assert_int_equal(capture_frame_parse(big, CAPTURE_FRAME_MAX, &fr), 0);
	assert_int_equal(fr.kind, CAPTURE_KIND_RARP);
	assert_int_equal(capture_frame_parse(big, CAPTURE_FRAME_MAX + 1, &fr),
			 -CAPTURE_DROP_OVERSIZED);
	assert_int_equal(capture_frame_parse(big, SIZE_MAX, &fr),
			 -CAPTURE_DROP_OVERSIZED);
	free(big);
	/* an empty frame; NULL with length 0 is never read */
	assert_int_equal(capture_frame_parse(NULL, 0, &fr),
			 -CAPTURE_DROP_TRUNCATED);
}

/* Every length of a valid frame below its last needed byte is TRUNCATED,
 * read from an exact-size heap copy so ASan sees any overread. */
static void truncate_all(const struct buf *f, size_t need)
{
	struct capture_frame fr;

	for (size_t n = 0; n <= f->len; n++) {
		uint8_t *p = malloc(n ? n : 1);
		int rc;

		assert_non_null(p);
		memcpy(p, f->b, n);
		rc = capture_frame_parse(p, n, &fr);
		if (n < need && rc != -CAPTURE_DROP_TRUNCATED) {
			fail_msg("length %zu: %d, want truncated", n, rc);
		}
		if (n >= need && rc != 0) {
			fail_msg("length %zu: %d, want 0", n, rc);
		}
		free(p);
	}
}

static void test_truncation(void **state)
{
	struct buf f;

	rarp_qemu(&f, VM);
	truncate_all(&f, 42);
	arp(&f, 1, HOST, 0xc0000205, 0xc0000201);
	truncate_all(&f, 42);
	ipv4(&f, VM, 0xcb007105, 0xc0000201);
	truncate_all(&f, 34);
}

struct seen {
	char names[64][48];
	uint64_t values[64];
	int n;
};

static int collect(const char *name, uint64_t value, void *arg)
{
	struct seen *s = arg;

	assert_true(s->n < 64);
	snprintf(s->names[s->n], sizeof(s->names[0]), "%s", name);
	s->values[s->n++] = value;
	return 0;
}

static uint64_t seen_get(const struct seen *s, const char *name)
{
	for (int i = 0; i < s->n; i++) {
		if (strcmp(s->names[i], name) == 0) {
			return s->values[i];
		}
	}
	fail_msg("no counter %s", name);
	return 0;
}

static int stop_at_third(const char *name, uint64_t value, void *arg)
{
	int *n = arg;

	return ++*n == 3 ? 42 : 0;
}

static void test_counters(void **state)
{
	struct capture_stats st;
	struct capture_frame fr;
	struct seen seen = {0};
	struct buf f;
	int n = 0;

	memset(&st, 0, sizeof(st));
	rarp_qemu(&f, VM);
	capture_stats_add(&st, capture_frame_parse(f.b, f.len, &fr), &fr);
	capture_stats_add(&st, capture_frame_parse(f.b, 30, &fr), &fr);
	capture_stats_add(&st, capture_frame_parse(f.b, 5, &fr), &fr);
	arp(&f, 1, VM, 0xcb007105, 0xcb007105);
	capture_stats_add(&st, capture_frame_parse(f.b, f.len, &fr), &fr);
	ipv4(&f, VM, 0xcb007105, 0xc0000201);
	capture_stats_add(&st, capture_frame_parse(f.b, f.len, &fr), &fr);
	rarp_qemu(&f, BCAST);
	capture_stats_add(&st, capture_frame_parse(f.b, f.len, &fr), &fr);
	eth(&f, BCAST, HOST);
	put16(&f, 0x0806);
	arp_body(&f, 1, 0x0800, 6, 4, 2, VM, 0xc0000209, HOST, 0xc0000201);
	capture_stats_add(&st, capture_frame_parse(f.b, f.len, &fr), &fr);
	capture_stats_add(&st, -999, &fr); /* out of range: frames only */

	assert_int_equal(capture_stats_foreach(&st, collect, &seen), 0);
	assert_int_equal(seen.n, 6 + CAPTURE_DROP_MAX - 1);
	assert_int_equal(seen_get(&seen, "capture.frames"), 8);
	assert_int_equal(seen_get(&seen, "capture.rarp"), 1);
	assert_int_equal(seen_get(&seen, "capture.arp"), 2);
	assert_int_equal(seen_get(&seen, "capture.ipv4"), 1);
	assert_int_equal(seen_get(&seen, "capture.gratuitous"), 1);
	assert_int_equal(seen_get(&seen, "capture.sha_mismatch"), 1);
	assert_int_equal(seen_get(&seen, "capture.drop.truncated"), 2);
	assert_int_equal(seen_get(&seen, "capture.drop.src_mac_multicast"), 1);
	assert_int_equal(seen_get(&seen, "capture.drop.double_tagged"), 0);
	assert_int_equal(seen_get(&seen, "capture.drop.bad_ipv4"), 0);
	for (int r = 1; r < CAPTURE_DROP_MAX; r++) {
		assert_string_not_equal(capture_drop_name(r), "unknown");
	}
	assert_string_equal(capture_drop_name(0), "unknown");
	assert_string_equal(capture_drop_name(CAPTURE_DROP_MAX), "unknown");
	assert_string_equal(capture_drop_name(-1), "unknown");
	assert_string_equal(capture_drop_name(CAPTURE_DROP_BAD_HLEN),
			    "bad_hlen");
	assert_int_equal(capture_stats_foreach(&st, stop_at_third, &n), 42);
	assert_int_equal(n, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rarp_qemu),
		cmocka_unit_test(test_arp_request_reply),
		cmocka_unit_test(test_garp),
		cmocka_unit_test(test_sha_mismatch),
		cmocka_unit_test(test_ipv4),
		cmocka_unit_test(test_ipv4_bad),
		cmocka_unit_test(test_vlan),
		cmocka_unit_test(test_double_tagged),
		cmocka_unit_test(test_src_mac),
		cmocka_unit_test(test_arp_fields),
		cmocka_unit_test(test_bad_sha),
		cmocka_unit_test(test_ethertype),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_counters),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
