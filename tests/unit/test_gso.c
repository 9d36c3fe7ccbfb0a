/*
 * Unit tests: user-space GSO/GRO (dataplane/gso.h), linked alone. Every checksum
 * is checked against a naive reference written here (big-endian 16-bit
 * words, one at a time), independent of the library's 64-bit sums.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <linux/virtio_net.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/gso.h"
#include "base/bytes.h"

#define PKT_MAX DP_GSO_PKT_MAX
#define IN_MAX (DP_VNET_HDR_LEN + PKT_MAX)
#define HEADROOM 20
#define STRIDE 2048
#define SLOTS DP_GSO_SEGS_MAX
#define GRO_CAP PKT_MAX

#define F_FIN 0x01
#define F_SYN 0x02
#define F_RST 0x04
#define F_PSH 0x08
#define F_ACK 0x10
#define F_CWR 0x80

/* ---- naive reference -------------------------------------------------- */

static uint64_t ref_sum(const uint8_t *p, size_t n, uint64_t sum)
{
	for (size_t i = 0; i < n; i += 2) {
		sum += (uint64_t)p[i] << 8 | (i + 1 < n ? p[i + 1] : 0);
	}
	return sum;
}

static uint16_t ref_fold(uint64_t sum)
{
	while (sum >> 16) {
		sum = (sum & 0xffff) + (sum >> 16);
	}
	return (uint16_t)sum;
}

static uint64_t ref_pseudo(const uint8_t *ip, uint8_t proto, size_t l4len)
{
	uint64_t sum = ref_sum(ip + 12, 8, 0);

	return sum + proto + l4len;
}

static size_t ip_hl(const uint8_t *ip)
{
	return (size_t)(ip[0] & 0x0f) * 4;
}

static bool ref_ip_ok(const uint8_t *ip)
{
	return ref_fold(ref_sum(ip, ip_hl(ip), 0)) == 0xffff;
}

static bool ref_l4_ok(const uint8_t *ip, size_t len)
{
	size_t ihl = ip_hl(ip);
	uint64_t sum = ref_pseudo(ip, ip[9], len - ihl);

	return ref_fold(ref_sum(ip + ihl, len - ihl, sum)) == 0xffff;
}

/* Full IP and TCP/UDP checksums, from scratch: for tests that edit. */
static void ref_fix(uint8_t *ip, size_t len)
{
	size_t ihl = ip_hl(ip);
	uint8_t *field = ip + ihl + (ip[9] == 6 ? 16 : 6);

	vrd_put_be16(ip + 10, 0);
	vrd_put_be16(ip + 10, (uint16_t)~ref_fold(ref_sum(ip, ihl, 0)));
	vrd_put_be16(field, 0);
	vrd_put_be16(field, (uint16_t)~ref_fold(
				    ref_sum(ip + ihl, len - ihl,
					    ref_pseudo(ip, ip[9], len - ihl))));
}

/* ---- building what the TUN hands over ---------------------------------- */

struct sp {
	size_t payload;
	uint16_t mss;
	uint8_t flags;
	bool ts; /* NOP NOP timestamps: a 32-byte TCP header */
	uint16_t id;
	uint32_t seq;
	uint16_t sport;
	uint8_t seed;
};

static uint8_t pattern(size_t i, uint8_t seed)
{
	return (uint8_t)(i * 131 + (i >> 8) * 7 + seed);
}

static size_t sp_thl(const struct sp *o)
{
	return o->ts ? 32 : 20;
}

/* A TCP packet at ip: IPv4 (DF), full IP checksum, TCP checksum field
 * holding the pseudo header partial sum. Returns its length. */
static size_t tcp_build(uint8_t *ip, const struct sp *o)
{
	size_t thl = sp_thl(o), len = 20 + thl + o->payload;
	uint8_t *th = ip + 20;

	memset(ip, 0, 20 + thl);
	ip[0] = 0x45;
	ip[1] = 0x02; /* ECT(0) */
	vrd_put_be16(ip + 2, (uint16_t)len);
	vrd_put_be16(ip + 4, o->id);
	vrd_put_be16(ip + 6, 0x4000);
	ip[8] = 61;
	ip[9] = 6;
	memcpy(ip + 12, (const uint8_t[]){198, 51, 100, 7}, 4);
	memcpy(ip + 16, (const uint8_t[]){203, 0, 113, 9}, 4);
	vrd_put_be16(ip + 10, (uint16_t)~ref_fold(ref_sum(ip, 20, 0)));
	vrd_put_be16(th, o->sport ? o->sport : 40001);
	vrd_put_be16(th + 2, 443);
	vrd_put_be32(th + 4, o->seq);
	vrd_put_be32(th + 8, 0x01020304);
	th[12] = (uint8_t)((thl / 4) << 4);
	th[13] = o->flags;
	vrd_put_be16(th + 14, 502);
	if (o->ts) {
		memcpy(th + 20,
		       (const uint8_t[]){1, 1, 8, 10, 0xaa, 0xbb, 0xcc, 0xdd,
					 0x11, 0x22, 0x33, 0x44},
		       12);
	}
	for (size_t i = 0; i < o->payload; i++) {
		ip[20 + thl + i] = pattern(i, o->seed);
	}
	vrd_put_be16(th + 16, ref_fold(ref_pseudo(ip, 6, thl + o->payload)));
	return len;
}

/* vnet header (TCPV4, NEEDS_CSUM) and super-packet into in. */
static size_t super_build(uint8_t *in, const struct sp *o)
{
	struct dp_vnet_hdr h = {
		.flags = DP_VNET_F_NEEDS_CSUM,
		.gso_type = DP_VNET_GSO_TCPV4,
		.hdr_len = (uint16_t)(20 + sp_thl(o)),
		.gso_size = o->mss,
		.csum_start = 20,
		.csum_offset = 16,
	};

	dp_vnet_hdr_encode(in, &h);
	return DP_VNET_HDR_LEN + tcp_build(in + DP_VNET_HDR_LEN, o);
}

static uint8_t in_buf[IN_MAX];
static uint8_t in_copy[IN_MAX];
static uint8_t slots_buf[SLOTS * STRIDE];
static struct dp_gso_out gout;

static void out_reset(struct dp_gso_out *out, uint8_t *buf, size_t slots)
{
	memset(out, 0, sizeof(*out));
	memset(buf, 0xa5, slots * STRIDE);
	out->buf = buf;
	out->stride = STRIDE;
	out->headroom = HEADROOM;
	out->slots = slots;
}

/* ---- the vnet header and the checksum helpers ------------------------- */

static void test_vnet_hdr_layout(void **state)
{
	struct virtio_net_hdr k;
	struct dp_vnet_hdr h = {0x01, 0x81, 0x1234, 0x0564, 0x0014, 0x0010};
	struct dp_vnet_hdr d;
	uint8_t b[DP_VNET_HDR_LEN];

	assert_int_equal(sizeof(k), DP_VNET_HDR_LEN);
	assert_int_equal(DP_VNET_F_NEEDS_CSUM, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	assert_int_equal(DP_VNET_F_DATA_VALID, VIRTIO_NET_HDR_F_DATA_VALID);
	assert_int_equal(DP_VNET_GSO_NONE, VIRTIO_NET_HDR_GSO_NONE);
	assert_int_equal(DP_VNET_GSO_TCPV4, VIRTIO_NET_HDR_GSO_TCPV4);
	assert_int_equal(DP_VNET_GSO_UDP, VIRTIO_NET_HDR_GSO_UDP);
	assert_int_equal(DP_VNET_GSO_TCPV6, VIRTIO_NET_HDR_GSO_TCPV6);
#ifdef VIRTIO_NET_HDR_GSO_UDP_L4 /* newer than some distributions' UAPI */
	assert_int_equal(DP_VNET_GSO_UDP_L4, VIRTIO_NET_HDR_GSO_UDP_L4);
#endif
	assert_int_equal(DP_VNET_GSO_ECN, VIRTIO_NET_HDR_GSO_ECN);

	/* the kernel's struct in host order, as the TUN uses it */
	dp_vnet_hdr_encode(b, &h);
	memcpy(&k, b, sizeof(k));
	assert_int_equal(k.flags, 0x01);
	assert_int_equal(k.gso_type, 0x81);
	assert_int_equal(k.hdr_len, 0x1234);
	assert_int_equal(k.gso_size, 0x0564);
	assert_int_equal(k.csum_start, 0x0014);
	assert_int_equal(k.csum_offset, 0x0010);
	dp_vnet_hdr_decode(&d, b);
	assert_memory_equal(&d, &h, sizeof(h));
}

static void test_csum_reference(void **state)
{
	static uint8_t a[3000], b[3000];

	srand(7);
	for (size_t i = 0; i < sizeof(a); i++) {
		a[i] = (uint8_t)rand();
	}
	memset(a + 100, 0xff, 600); /* carries */
	for (size_t off = 0; off < 9; off++) {
		for (size_t len = 0; len < 1200; len += (len < 80 ? 1 : 37)) {
			uint64_t s = dp_csum_add(0, a + off, len);
			uint16_t got = dp_csum_fold(s), want;

			want = ref_fold(ref_sum(a + off, len, 0));
			/* the folded sum is in host word order */
			assert_int_equal(vrd_get_be16((const uint8_t *)&got),
					 want);
			memset(b, 0, sizeof(b));
			s = dp_csum_copy(b + 3, a + off, len, 0);
			assert_int_equal(dp_csum_fold(s), got);
			assert_memory_equal(b + 3, a + off, len);
			assert_int_equal(b[3 + len], 0);
		}
	}
	/* pieces add up when they start at even offsets */
	{
		uint64_t s = dp_csum_add(0, a, 1000);

		s = dp_csum_add(s, a + 1000, 1001);
		assert_int_equal(dp_csum_fold(s),
				 dp_csum_fold(dp_csum_add(0, a, 2001)));
	}
}

/* ---- split: super-packets --------------------------------------------- */

/* Split o, then check every field of every segment. */
static void split_check(const struct sp *o)
{
	size_t thl = sp_thl(o), hlen = 20 + thl;
	size_t len = super_build(in_buf, o);
	size_t nseg = (o->payload + o->mss - 1) / o->mss;
	const uint8_t *oip = in_buf + DP_VNET_HDR_LEN;

	memcpy(in_copy, in_buf, len);
	out_reset(&gout, slots_buf, SLOTS);
	assert_int_equal(dp_gso_split(&gout, in_buf, len), 0);
	assert_memory_equal(in_buf, in_copy, len); /* input untouched */
	assert_int_equal(gout.segs, nseg);
	for (size_t i = 0; i < nseg; i++) {
		const uint8_t *ip = gout.seg[i].data, *th = ip + 20;
		size_t n = i + 1 < nseg ? o->mss : o->payload - i * o->mss;
		uint8_t flags = o->flags;

		assert_ptr_equal(ip, slots_buf + i * STRIDE + HEADROOM);
		for (size_t k = 0; k < HEADROOM; k++) {
			assert_int_equal(slots_buf[i * STRIDE + k], 0xa5);
		}
		assert_int_equal(gout.seg[i].len, hlen + n);
		/* IP: length, id, checksum; the rest copied */
		assert_int_equal(vrd_get_be16(ip + 2), hlen + n);
		assert_int_equal(vrd_get_be16(ip + 4), (uint16_t)(o->id + i));
		assert_true(ref_ip_ok(ip));
		assert_memory_equal(ip, oip, 2);
		assert_memory_equal(ip + 6, oip + 6, 4);
		assert_memory_equal(ip + 12, oip + 12, 8);
		/* TCP: seq, flags, checksum; ports, ack, window, options */
		assert_memory_equal(th, oip + 20, 4);
		assert_int_equal(vrd_get_be32(th + 4),
				 (uint32_t)(o->seq + i * o->mss));
		assert_memory_equal(th + 8, oip + 28, 5);
		assert_memory_equal(th + 14, oip + 34, 2);
		assert_memory_equal(th + 18, oip + 38, thl - 18);
		if (i > 0) {
			flags &= (uint8_t)~F_CWR;
		}
		if (i + 1 < nseg) {
			flags &= (uint8_t) ~(F_FIN | F_PSH);
		}
		assert_int_equal(th[13], flags);
		assert_true(ref_l4_ok(ip, hlen + n));
		assert_memory_equal(ip + hlen, oip + hlen + i * o->mss, n);
	}
}

static void test_split_timestamps(void **state)
{
	struct sp o = {.payload = PKT_MAX - 52,
		       .mss = 1380,
		       .flags = F_ACK | F_PSH | F_FIN | F_CWR,
		       .ts = true,
		       .id = 4242,
		       .seq = 1000};

	split_check(&o); /* 48 segments, the last one short */
	o.payload = 1380 * 20;
	split_check(&o); /* all full */
}

static void test_split_plain_wrap(void **state)
{
	/* id and seq wrap around in the middle */
	struct sp o = {.payload = 10001,
		       .mss = 1448,
		       .flags = F_ACK | F_PSH,
		       .id = 0xfffd,
		       .seq = 0xffffe000u};

	split_check(&o);
	o.flags = F_ACK | F_CWR;
	o.payload = 1;
	o.mss = 1; /* one byte per segment */
	split_check(&o);
	o.payload = 64; /* exactly the most segments */
	split_check(&o);
}

static void test_split_single(void **state)
{
	struct sp o = {.payload = 900,
		       .mss = 1448,
		       .flags = F_ACK | F_PSH | F_FIN | F_CWR,
		       .ts = true,
		       .id = 1};

	split_check(&o);
	o.payload = 1448;
	split_check(&o);
}

static void test_split_ecn(void **state)
{
	struct sp o = {.payload = 5000,
		       .mss = 1000,
		       .flags = F_ACK | F_CWR | 0x40,
		       .id = 9};
	size_t len = super_build(in_buf, &o);

	in_buf[1] |= DP_VNET_GSO_ECN;
	out_reset(&gout, slots_buf, SLOTS);
	assert_int_equal(dp_gso_split(&gout, in_buf, len), 0);
	assert_int_equal(gout.segs, 5);
	assert_int_equal(gout.seg[0].data[33], F_ACK | F_CWR | 0x40);
	for (size_t i = 1; i < 5; i++) {
		assert_int_equal(gout.seg[i].data[33], F_ACK | 0x40);
		assert_true(ref_l4_ok(gout.seg[i].data, gout.seg[i].len));
	}
}

/* ---- split: gso_type NONE ---------------------------------------------- */

static void none_hdr(uint8_t *in, uint8_t flags, uint16_t start, uint16_t off)
{
	struct dp_vnet_hdr h = {
		.flags = flags, .csum_start = start, .csum_offset = off};

	dp_vnet_hdr_encode(in, &h);
}

static void test_split_none_tcp(void **state)
{
	struct sp o = {.payload = 777, .flags = F_ACK | F_PSH, .ts = true};
	uint8_t *ip = in_buf + DP_VNET_HDR_LEN;
	size_t plen = tcp_build(ip, &o);

	none_hdr(in_buf, DP_VNET_F_NEEDS_CSUM, 20, 16);
	assert_false(ref_l4_ok(ip, plen)); /* partial */
	memcpy(in_copy, in_buf, DP_VNET_HDR_LEN + plen);
	out_reset(&gout, slots_buf, SLOTS);
	assert_int_equal(dp_gso_split(&gout, in_buf, DP_VNET_HDR_LEN + plen),
			 0);
	assert_int_equal(gout.segs, 1);
	assert_ptr_equal(gout.seg[0].data, ip);
	assert_int_equal(gout.seg[0].len, plen);
	assert_true(ref_l4_ok(ip, plen));
	assert_true(ref_ip_ok(ip));
	/* only the checksum changed */
	assert_memory_equal(in_buf, in_copy, DP_VNET_HDR_LEN + 36);
	assert_memory_equal(ip + 38, in_copy + DP_VNET_HDR_LEN + 38, plen - 38);
	assert_int_equal(slots_buf[0], 0xa5); /* no slot used */

	/* without NEEDS_CSUM nothing changes */
	memcpy(in_buf, in_copy, DP_VNET_HDR_LEN + plen);
	none_hdr(in_buf, 0, 0, 0);
	memcpy(in_copy, in_buf, DP_VNET_HDR_LEN + plen);
	assert_int_equal(dp_gso_split(&gout, in_buf, DP_VNET_HDR_LEN + plen),
			 0);
	assert_int_equal(gout.segs, 1);
	assert_memory_equal(in_buf, in_copy, DP_VNET_HDR_LEN + plen);
}

static void test_split_none_udp(void **state)
{
	uint8_t *ip = in_buf + DP_VNET_HDR_LEN;

	for (size_t plen = 28; plen < 1500; plen += 97) {
		memset(ip, 0, 28);
		ip[0] = 0x45;
		vrd_put_be16(ip + 2, (uint16_t)plen);
		ip[8] = 64;
		ip[9] = 17;
		memcpy(ip + 12, (const uint8_t[]){192, 0, 2, 1}, 4);
		memcpy(ip + 16, (const uint8_t[]){192, 0, 2, 200}, 4);
		vrd_put_be16(ip + 10, (uint16_t)~ref_fold(ref_sum(ip, 20, 0)));
		vrd_put_be16(ip + 20, 5353);
		vrd_put_be16(ip + 22, 4800);
		vrd_put_be16(ip + 24, (uint16_t)(plen - 20));
		for (size_t i = 28; i < plen; i++) {
			ip[i] = pattern(i, 3);
		}
		vrd_put_be16(ip + 26, ref_fold(ref_pseudo(ip, 17, plen - 20)));
		none_hdr(in_buf, DP_VNET_F_NEEDS_CSUM, 20, 6);
		out_reset(&gout, slots_buf, 1);
		assert_int_equal(
			dp_gso_split(&gout, in_buf, DP_VNET_HDR_LEN + plen), 0);
		assert_int_equal(gout.segs, 1);
		assert_true(ref_l4_ok(ip, plen));
		assert_int_not_equal(vrd_get_be16(ip + 26), 0);
	}
	/* a sum that comes out 0 is sent as 0xffff (UDP: 0 means none) */
	{
		size_t plen = 200;
		uint64_t sum;

		memset(ip + 28, 0x5a, plen - 28);
		vrd_put_be16(ip + 2, (uint16_t)plen);
		vrd_put_be16(ip + 24, (uint16_t)(plen - 20));
		vrd_put_be16(ip + 10, 0);
		vrd_put_be16(ip + 10, (uint16_t)~ref_fold(ref_sum(ip, 20, 0)));
		vrd_put_be16(ip + 26, ref_fold(ref_pseudo(ip, 17, plen - 20)));
		vrd_put_be16(ip + 28, 0);
		sum = ref_sum(ip + 20, plen - 20, 0);
		vrd_put_be16(ip + 28, (uint16_t)~ref_fold(sum));
		none_hdr(in_buf, DP_VNET_F_NEEDS_CSUM, 20, 6);
		out_reset(&gout, slots_buf, 1);
		assert_int_equal(
			dp_gso_split(&gout, in_buf, DP_VNET_HDR_LEN + plen), 0);
		assert_int_equal(vrd_get_be16(ip + 26), 0xffff);
		assert_true(ref_l4_ok(ip, plen));
	}
}

/* ---- split: malformed --------------------------------------------------- */

static const struct sp mal = {
	.payload = 3000, .mss = 1000, .flags = F_ACK, .ts = true, .id = 5};

/* Split a copy of exactly len bytes (so ASan sees any overread) and check
 * the result and that nothing was written. */
static void split_expect(const uint8_t *in, size_t len, int want)
{
	uint8_t *copy = malloc(len ? len : 1);

	assert_non_null(copy);
	memcpy(copy, in, len);
	out_reset(&gout, slots_buf, SLOTS);
	assert_int_equal(dp_gso_split(&gout, copy, len), want);
	if (want < 0) {
		assert_int_equal(gout.segs, 0);
		assert_memory_equal(copy, in, len);
		assert_int_equal(slots_buf[HEADROOM], 0xa5);
	}
	free(copy);
}

static void hdr_set16(uint8_t *in, size_t field, uint16_t v)
{
	struct dp_vnet_hdr h;
	uint16_t *f[] = {&h.hdr_len, &h.gso_size, &h.csum_start,
			 &h.csum_offset};

	dp_vnet_hdr_decode(&h, in);
	*f[field] = v;
	dp_vnet_hdr_encode(in, &h);
}

static void test_split_malformed(void **state)
{
	size_t len = super_build(in_copy, &mal), plen = len - 10;
	uint8_t *ip = in_buf + DP_VNET_HDR_LEN;
	struct {
		size_t at; /* byte of the packet (after the vnet header) */
		uint8_t v;
		int want;
	} pokes[] = {
		{0, 0x65, -EINVAL}, /* version 6 */
		{0, 0x44, -EINVAL}, /* IHL 4 */
		{0, 0x4f, -EINVAL}, /* IHL 15: options run into TCP */
		{2, 0xff, -EINVAL}, /* total length */
		{6, 0x60, -EINVAL}, /* MF */
		{7, 0x01, -EINVAL}, /* fragment offset */
		{9, 17, -EINVAL}, /* UDP */
		{32, 0x40, -EINVAL}, /* doff 4 */
		{32, 0xf0, 0}, /* doff 15: fine, 60 bytes */
	};

	/* the pristine one is fine */
	split_expect(in_copy, len, 0);
	/* every truncation fails cleanly */
	for (size_t n = 0; n < len; n += (n < 200 ? 1 : 333)) {
		split_expect(in_copy, n, -EINVAL);
	}
	for (size_t i = 0; i < sizeof(pokes) / sizeof(pokes[0]); i++) {
		memcpy(in_buf, in_copy, len);
		ip[pokes[i].at] = pokes[i].v;
		split_expect(in_buf, len, pokes[i].want);
	}
	/* each vnet length field pushed out of range */
	{
		struct {
			size_t field;
			uint16_t v;
			int want;
		} f[] = {
			{0, (uint16_t)(plen + 1), -EINVAL}, /* hdr_len */
			{0, 0xffff, -EINVAL},
			{1, 0, -EINVAL}, /* gso_size */
			{1, 40, -EMSGSIZE}, /* 75 segments */
			{1, 2000, -EMSGSIZE}, /* slot too small */
			{2, (uint16_t)plen, -EINVAL}, /* csum_start */
			{2, 0xffff, -EINVAL},
			{2, 24, -EINVAL}, /* not the TCP header */
			{3, (uint16_t)(plen - 21), -EINVAL}, /* csum_offset */
			{3, 0xffff, -EINVAL},
			{3, 6, -EINVAL},
		};

		for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
			memcpy(in_buf, in_copy, len);
			hdr_set16(in_buf, f[i].field, f[i].v);
			split_expect(in_buf, len, f[i].want);
		}
		memcpy(in_buf, in_copy, len);
		hdr_set16(in_buf, 0, (uint16_t)plen); /* the whole: fine */
		split_expect(in_buf, len, 0);
		hdr_set16(in_buf, 0, 0);
		split_expect(in_buf, len, 0);
	}
	/* types and flags */
	{
		struct {
			uint8_t flags, type;
			int want;
		} t[] = {
			{1, DP_VNET_GSO_UDP_L4, -EOPNOTSUPP},
			{1, DP_VNET_GSO_TCPV6, -EOPNOTSUPP},
			{1, DP_VNET_GSO_UDP, -EOPNOTSUPP},
			{1, 2, -EINVAL},
			{1, 0x7f, -EINVAL},
			{1, DP_VNET_GSO_ECN, -EINVAL}, /* ECN on NONE */
			{0x04, DP_VNET_GSO_TCPV4, -EINVAL},
			{0x80, DP_VNET_GSO_NONE, -EINVAL},
			{0, DP_VNET_GSO_TCPV4, 0}, /* no partial sum: fine */
			{3, DP_VNET_GSO_TCPV4, 0},
		};

		for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
			memcpy(in_buf, in_copy, len);
			in_buf[0] = t[i].flags;
			in_buf[1] = t[i].type;
			split_expect(in_buf, len, t[i].want);
		}
	}
	/* a header and no payload; the caller's slots */
	{
		struct sp o = mal;

		o.payload = 0;
		len = super_build(in_buf, &o);
		split_expect(in_buf, len, -EINVAL);
		len = super_build(in_buf, &mal);
		out_reset(&gout, slots_buf, 2); /* 3 needed */
		assert_int_equal(dp_gso_split(&gout, in_buf, len), -EMSGSIZE);
		out_reset(&gout, slots_buf, SLOTS);
		gout.headroom = STRIDE + 1;
		assert_int_equal(dp_gso_split(&gout, in_buf, len), -EMSGSIZE);
		gout.headroom = STRIDE - 1051; /* 1052 needed */
		assert_int_equal(dp_gso_split(&gout, in_buf, len), -EMSGSIZE);
		gout.headroom = STRIDE - 1052;
		assert_int_equal(dp_gso_split(&gout, in_buf, len), 0);
		/* NONE: csum field or start past the end */
		none_hdr(in_buf, 1, 0, (uint16_t)(len - 10 - 1));
		split_expect(in_buf, len, -EINVAL);
		none_hdr(in_buf, 1, (uint16_t)(len - 10), 0);
		split_expect(in_buf, len, -EINVAL);
		none_hdr(in_buf, 1, (uint16_t)(len - 12), 0);
		split_expect(in_buf, len, 0);
		none_hdr(in_buf, 0, 0, 0);
		split_expect(in_buf, DP_VNET_HDR_LEN, -EINVAL);
	}
}

/* ---- coalesce ------------------------------------------------------------ */

/* GRO input buffers: 10 bytes of headroom, GRO_CAP of room. */
struct gro_fx {
	uint8_t *mem[3 * SLOTS];
	struct dp_gro_pkt pkts[3 * SLOTS];
	struct dp_gro_frame frames[3 * SLOTS];
	size_t n;
};

static struct gro_fx gfx;

static int gro_setup(void **state)
{
	for (size_t i = 0; i < 3 * SLOTS; i++) {
		gfx.mem[i] = malloc(DP_VNET_HDR_LEN + GRO_CAP);
		if (!gfx.mem[i]) {
			return -1;
		}
	}
	gfx.n = 0;
	return 0;
}

static int gro_teardown(void **state)
{
	for (size_t i = 0; i < 3 * SLOTS; i++) {
		free(gfx.mem[i]);
	}
	return 0;
}

static struct dp_gro_pkt *gro_add(const uint8_t *pkt, size_t len)
{
	struct dp_gro_pkt *p = &gfx.pkts[gfx.n];

	assert_true(gfx.n < 3 * SLOTS);
	p->data = gfx.mem[gfx.n] + DP_VNET_HDR_LEN;
	memset(gfx.mem[gfx.n], 0xee, DP_VNET_HDR_LEN);
	memcpy(p->data, pkt, len);
	p->len = len;
	p->cap = GRO_CAP;
	gfx.n++;
	return p;
}

/* Split o and queue its segments for GRO. */
static size_t gro_add_split(const struct sp *o)
{
	size_t len = super_build(in_buf, o);

	out_reset(&gout, slots_buf, SLOTS);
	assert_int_equal(dp_gso_split(&gout, in_buf, len), 0);
	for (size_t i = 0; i < gout.segs; i++) {
		gro_add(gout.seg[i].data, gout.seg[i].len);
	}
	return gout.segs;
}

/* The frames must carry these many segments each. */
static size_t gro_run(const size_t *want, size_t nwant)
{
	size_t nf = dp_gro_coalesce(gfx.frames, gfx.pkts, gfx.n);

	assert_int_equal(nf, nwant);
	for (size_t i = 0; i < nf; i++) {
		assert_int_equal(gfx.frames[i].segs, want[i]);
	}
	return nf;
}

/* A frame that passed through: zero header, packet untouched. */
static void frame_plain(const struct dp_gro_frame *f, const uint8_t *pkt,
			size_t len)
{
	static const uint8_t zero[DP_VNET_HDR_LEN];

	assert_int_equal(f->len, DP_VNET_HDR_LEN + len);
	assert_memory_equal(f->data, zero, DP_VNET_HDR_LEN);
	assert_memory_equal(f->data + DP_VNET_HDR_LEN, pkt, len);
}

/* A merged frame equals what the TUN would have handed over for o. */
static void frame_super(const struct dp_gro_frame *f, const struct sp *o)
{
	static uint8_t want[IN_MAX];
	size_t len = super_build(want, o);
	struct dp_vnet_hdr h;

	dp_vnet_hdr_decode(&h, f->data);
	assert_int_equal(h.flags, DP_VNET_F_NEEDS_CSUM);
	assert_int_equal(h.gso_type, DP_VNET_GSO_TCPV4);
	assert_int_equal(h.gso_size, o->mss);
	assert_int_equal(h.hdr_len, 20 + sp_thl(o));
	assert_int_equal(h.csum_start, 20);
	assert_int_equal(h.csum_offset, 16);
	assert_int_equal(f->len, len);
	assert_memory_equal(f->data, want, len);
}

static void test_gro_round_trip(void **state)
{
	struct sp o = {.payload = PKT_MAX - 52,
		       .mss = 1380,
		       .flags = F_ACK | F_PSH,
		       .ts = true,
		       .id = 0xfff0,
		       .seq = 0xfffff000u};
	static struct dp_gso_seg first[SLOTS];
	static uint8_t firstbytes[SLOTS][STRIDE];
	size_t nseg = gro_add_split(&o), want = nseg;

	for (size_t i = 0; i < nseg; i++) {
		first[i].len = gout.seg[i].len;
		memcpy(firstbytes[i], gout.seg[i].data, gout.seg[i].len);
	}
	gro_run(&want, 1);
	frame_super(&gfx.frames[0], &o);
	assert_ptr_equal(gfx.frames[0].data, gfx.mem[0]);

	/* and split again: byte-identical segments */
	out_reset(&gout, slots_buf, SLOTS);
	assert_int_equal(
		dp_gso_split(&gout, gfx.frames[0].data, gfx.frames[0].len), 0);
	assert_int_equal(gout.segs, nseg);
	for (size_t i = 0; i < nseg; i++) {
		assert_int_equal(gout.seg[i].len, first[i].len);
		assert_memory_equal(gout.seg[i].data, firstbytes[i],
				    first[i].len);
	}
}

static void test_gro_interleaved(void **state)
{
	struct sp a = {.payload = 14000,
		       .mss = 1400,
		       .flags = F_ACK,
		       .id = 100,
		       .seq = 7};
	struct sp b = {.payload = 9000,
		       .mss = 1000,
		       .flags = F_ACK | F_PSH,
		       .ts = true,
		       .id = 200,
		       .seq = 9,
		       .sport = 40002,
		       .seed = 5};
	static uint8_t sa[SLOTS][STRIDE], sb[SLOTS][STRIDE];
	size_t la[SLOTS], lb[SLOTS], na, nb;
	size_t want[] = {10, 1, 9};
	uint8_t udp[40] = {0x45, 0, 0, 40, 0, 0, 0, 0, 64, 17};

	na = gro_add_split(&a);
	for (size_t i = 0; i < na; i++) {
		la[i] = gout.seg[i].len;
		memcpy(sa[i], gout.seg[i].data, la[i]);
	}
	nb = gro_add_split(&b);
	for (size_t i = 0; i < nb; i++) {
		lb[i] = gout.seg[i].len;
		memcpy(sb[i], gout.seg[i].data, lb[i]);
	}
	/* a0 udp b0 a1 b1 ... a9 b8 */
	gfx.n = 0;
	gro_add(sa[0], la[0]);
	gro_add(udp, sizeof(udp));
	for (size_t i = 0; i < 10; i++) {
		if (i < nb) {
			gro_add(sb[i], lb[i]);
		}
		if (i + 1 < na) {
			gro_add(sa[i + 1], la[i + 1]);
		}
	}
	gro_run(want, 3);
	frame_super(&gfx.frames[0], &a);
	frame_plain(&gfx.frames[1], udp, sizeof(udp));
	frame_super(&gfx.frames[2], &b);
}

/* Four segments of one flow, the second one edited by edit(). */
static const struct sp four = {.payload = 4 * 1200,
			       .mss = 1200,
			       .flags = F_ACK,
			       .ts = true,
			       .id = 77,
			       .seq = 5000};

static void gro_refuse(void (*edit)(uint8_t *ip, size_t *len),
		       const size_t *want, size_t nwant)
{
	static uint8_t seg[4][STRIDE];
	size_t len[4];

	gfx.n = 0;
	gro_add_split(&four);
	gfx.n = 0;
	for (size_t i = 0; i < 4; i++) {
		len[i] = gout.seg[i].len;
		memcpy(seg[i], gout.seg[i].data, len[i]);
	}
	edit(seg[1], &len[1]);
	for (size_t i = 0; i < 4; i++) {
		if (len[i]) {
			gro_add(seg[i], len[i]);
		}
	}
	gro_run(want, nwant);
	/* a lone first segment is the packet as it came */
	if (want[0] == 1) {
		frame_plain(&gfx.frames[0], seg[0], len[0]);
	}
}

static void edit_drop(uint8_t *ip, size_t *len)
{
	*len = 0;
}

static void edit_port(uint8_t *ip, size_t *len)
{
	ip[21] ^= 1;
	ref_fix(ip, *len);
}

static void edit_ack(uint8_t *ip, size_t *len)
{
	ip[31]++;
	ref_fix(ip, *len);
}

static void edit_fin(uint8_t *ip, size_t *len)
{
	ip[33] |= F_FIN;
	ref_fix(ip, *len);
}

static void edit_rst(uint8_t *ip, size_t *len)
{
	ip[33] |= F_RST;
	ref_fix(ip, *len);
}

static void edit_syn(uint8_t *ip, size_t *len)
{
	ip[33] |= F_SYN;
	ref_fix(ip, *len);
}

static void edit_tsval(uint8_t *ip, size_t *len)
{
	ip[47]++;
	ref_fix(ip, *len);
}

static void edit_payload(uint8_t *ip, size_t *len)
{
	ip[100] ^= 0x10; /* checksum now wrong */
}

static void edit_ttl(uint8_t *ip, size_t *len)
{
	ip[8]--;
	ref_fix(ip, *len);
}

static void edit_id(uint8_t *ip, size_t *len)
{
	ip[5]++;
	ref_fix(ip, *len);
}

static void edit_window(uint8_t *ip, size_t *len)
{
	ip[35]++;
	ref_fix(ip, *len);
}

/* The middle one short, the seq after it still contiguous: impossible
 * from one split, so the later ones are shifted back. */
static void edit_short(uint8_t *ip, size_t *len)
{
	*len -= 100;
	vrd_put_be16(ip + 2, (uint16_t)*len);
	ref_fix(ip, *len);
}

static void test_gro_refuse(void **state)
{
	static const size_t gap[] = {1, 2}, three[] = {1, 1, 2}, two[] = {2, 2};

	gro_refuse(edit_drop, gap, 2);
	gro_refuse(edit_port, three, 3);
	gro_refuse(edit_ack, three, 3);
	gro_refuse(edit_fin, three, 3);
	gro_refuse(edit_rst, three, 3);
	gro_refuse(edit_syn, three, 3);
	gro_refuse(edit_tsval, three, 3);
	gro_refuse(edit_payload, three, 3);
	gro_refuse(edit_ttl, three, 3);
	gro_refuse(edit_id, three, 3);
	gro_refuse(edit_window, three, 3);
	/* a short segment ends its super-packet as its last one */
	gro_refuse(edit_short, two, 2);
}

static void test_gro_short_and_psh(void **state)
{
	struct sp o = four;
	size_t want3[] = {3, 1}, want_psh[] = {2, 2};
	struct dp_vnet_hdr h;

	/* 1200 1200 700, then a pure ACK: the ACK stays alone */
	o.payload = 3100;
	gfx.n = 0;
	gro_add_split(&o);
	o.payload = 0;
	o.seq = 5000 + 3100;
	o.id = 80;
	{
		uint8_t ack[64];
		size_t n = tcp_build(ack, &o);

		ref_fix(ack, n);
		gro_add(ack, n);
	}
	gro_run(want3, 2);
	o.payload = 3100;
	o.seq = 5000;
	o.id = 77;
	frame_super(&gfx.frames[0], &o);

	/* PSH in the middle: it ends the first super-packet */
	gfx.n = 0;
	gro_add_split(&four);
	gfx.pkts[1].data[33] |= F_PSH;
	ref_fix(gfx.pkts[1].data, gfx.pkts[1].len);
	gro_run(want_psh, 2);
	dp_vnet_hdr_decode(&h, gfx.frames[0].data);
	assert_int_equal(h.gso_size, 1200);
	assert_int_equal(gfx.frames[0].data[DP_VNET_HDR_LEN + 33],
			 F_ACK | F_PSH);
	assert_int_equal(gfx.frames[1].data[DP_VNET_HDR_LEN + 33], F_ACK);
}

/* Segments of one flow, contiguous in seq and IP id, queued for GRO. */
static void gro_seq(const size_t *pay, const uint8_t *flags, size_t n)
{
	static uint8_t pkt[2000];
	struct sp o = {.ts = true, .id = 300, .seq = 77};

	gfx.n = 0;
	for (size_t i = 0; i < n; i++) {
		size_t len;

		o.payload = pay[i];
		o.flags = flags[i];
		len = tcp_build(pkt, &o);
		ref_fix(pkt, len);
		gro_add(pkt, len);
		o.seq += (uint32_t)pay[i];
		o.id++;
	}
}

static void test_gro_refuse_flags_sizes(void **state)
{
	static const size_t short_mid[] = {1200, 1100, 1200}, w21[] = {2, 1};
	static const size_t longer[] = {1000, 1200}, w11[] = {1, 1};
	static const size_t two[] = {1000, 1000}, w2[] = {2};
	static const uint8_t ack3[] = {F_ACK, F_ACK, F_ACK};
	static const uint8_t bad[] = {F_SYN, F_FIN, F_RST, 0x20, F_CWR, 0};

	/* a short segment is the last one of its super-packet */
	gro_seq(short_mid, ack3, 3);
	gro_run(w21, 2);
	/* no segment longer than the first */
	gro_seq(longer, ack3, 2);
	gro_run(w11, 2);
	/* SYN, FIN, RST, URG, CWR never merge, even when both have them;
	 * without ACK neither */
	for (size_t i = 0; i < sizeof(bad); i++) {
		uint8_t f = bad[i] ? (uint8_t)(F_ACK | bad[i]) : 0;
		uint8_t flags[2] = {f, f};

		gro_seq(two, flags, 2);
		gro_run(w11, 2);
		frame_plain(&gfx.frames[1], gfx.pkts[1].data, gfx.pkts[1].len);
	}
	/* ECE on both is fine */
	{
		uint8_t flags[2] = {F_ACK | 0x40, F_ACK | 0x40};

		gro_seq(two, flags, 2);
		gro_run(w2, 1);
	}
}

static void test_gro_limits(void **state)
{
	struct sp o = {.payload = 100 * 64 + 100 * 36,
		       .mss = 100,
		       .flags = F_ACK,
		       .id = 1,
		       .seq = 1};
	size_t want[] = {64, 36}, want_cap[] = {2, 2};
	static uint8_t segs[100][200];
	size_t lens[100];

	/* 100 segments: two chunks of DP_GSO_SEGS_MAX at most */
	gfx.n = 0;
	for (size_t part = 0; part < 2; part++) {
		struct sp p = o;

		p.payload = part ? 3600 : 6400;
		p.seq = part ? 6401 : 1;
		p.id = part ? 65 : 1;
		p.seed = 0;
		gro_add_split(&p);
	}
	for (size_t i = 0; i < 100; i++) {
		lens[i] = gfx.pkts[i].len;
		memcpy(segs[i], gfx.pkts[i].data, lens[i]);
	}
	gro_run(want, 2);
	/* split back: the same 100 segments */
	for (size_t f = 0, k = 0; f < 2; f++) {
		out_reset(&gout, slots_buf, SLOTS);
		assert_int_equal(dp_gso_split(&gout, gfx.frames[f].data,
					      gfx.frames[f].len),
				 0);
		for (size_t i = 0; i < gout.segs; i++, k++) {
			assert_int_equal(gout.seg[i].len, lens[k]);
			assert_memory_equal(gout.seg[i].data, segs[k], lens[k]);
		}
	}

	/* the head's room limits the merge */
	gfx.n = 0;
	gro_add_split(&four);
	gfx.pkts[0].cap = gfx.pkts[0].len + 1200 + 1199;
	gfx.pkts[2].cap = gfx.pkts[2].len + 1200;
	gro_run(want_cap, 2);
}

static void test_gro_passthrough(void **state)
{
	uint8_t junk[3] = {0x45, 6, 0};
	uint8_t frag[200];
	struct sp o = four;
	size_t n, want[] = {1, 1, 1};

	o.payload = 60;
	n = tcp_build(frag, &o);
	ref_fix(frag, n);
	gfx.n = 0;
	gro_add(junk, sizeof(junk));
	gro_add(frag, n);
	frag[6] |= 0x20; /* MF */
	ref_fix(frag, n);
	gro_add(frag, n);
	gro_run(want, 3);
	frame_plain(&gfx.frames[0], junk, sizeof(junk));
	frame_plain(&gfx.frames[2], frag, n);
	assert_ptr_equal(gfx.frames[1].data, gfx.mem[1]);
	assert_int_equal(dp_gro_coalesce(gfx.frames, gfx.pkts, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vnet_hdr_layout),
		cmocka_unit_test(test_csum_reference),
		cmocka_unit_test(test_split_timestamps),
		cmocka_unit_test(test_split_plain_wrap),
		cmocka_unit_test(test_split_single),
		cmocka_unit_test(test_split_ecn),
		cmocka_unit_test(test_split_none_tcp),
		cmocka_unit_test(test_split_none_udp),
		cmocka_unit_test(test_split_malformed),
		cmocka_unit_test_setup_teardown(test_gro_round_trip, gro_setup,
						gro_teardown),
		cmocka_unit_test_setup_teardown(test_gro_interleaved, gro_setup,
						gro_teardown),
		cmocka_unit_test_setup_teardown(test_gro_refuse, gro_setup,
						gro_teardown),
		cmocka_unit_test_setup_teardown(test_gro_short_and_psh,
						gro_setup, gro_teardown),
		cmocka_unit_test_setup_teardown(test_gro_refuse_flags_sizes,
						gro_setup, gro_teardown),
		cmocka_unit_test_setup_teardown(test_gro_limits, gro_setup,
						gro_teardown),
		cmocka_unit_test_setup_teardown(test_gro_passthrough, gro_setup,
						gro_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
