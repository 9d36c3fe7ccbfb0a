/*
 * MSS clamping (dataplane/mss.c): clamps what is too large and only that, keeps
 * the TCP checksum right (checked against a full recomputation with the
 * pseudo-header, written here), and leaves malformed packets, non-SYNs and
 * non-first fragments byte for byte alone, reading nothing past len.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "dataplane/mss.h"
#include "base/bytes.h"

#define IP_LEN 20
#define TCP_LEN 20
#define PKT_MAX 1600

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Reference: the TCP checksum from scratch over pseudo-header + segment,
 * with the checksum field taken as zero. */
static uint16_t ref_tcp_csum(const uint8_t *ip)
{
	size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
	size_t seglen = vrd_get_be16(ip + 2) - ihl;
	const uint8_t *tcp = ip + ihl;
	uint32_t sum = 0;
	size_t i;

	for (i = 12; i < 20; i += 2) { /* source and destination */
		sum += vrd_get_be16(ip + i);
	}
	sum += ip[9];
	sum += (uint32_t)seglen;
	for (i = 0; i + 1 < seglen; i += 2) {
		if (i != 16) {
			sum += vrd_get_be16(tcp + i);
		}
	}
	if (seglen & 1) {
		sum += (uint32_t)tcp[seglen - 1] << 8;
	}
	while (sum >> 16) {
		sum = (sum & 0xffff) + (sum >> 16);
	}
	return (uint16_t)~sum;
}

static uint16_t tcp_csum_field(const uint8_t *ip)
{
	return vrd_get_be16(ip + (ip[0] & 0x0f) * 4 + 16);
}

/*
 * An IPv4 TCP segment 192.0.2.10:40000 -> 198.51.100.20:80 with the given
 * options (optlen a multiple of 4), flags and payload bytes, and a correct
 * checksum. Its length.
 */
static size_t pkt_build(uint8_t *p, const uint8_t *opts, size_t optlen,
			uint8_t flags, size_t payload)
{
	size_t tcplen = TCP_LEN + optlen, tot = IP_LEN + tcplen + payload;
	uint8_t *tcp = p + IP_LEN;
	size_t i;

	assert_true(optlen % 4 == 0 && tot <= PKT_MAX);
	memset(p, 0, tot);
	p[0] = 0x45;
	wr16(p + 2, (uint16_t)tot);
	wr16(p + 4, 0x1234);
	wr16(p + 6, 0x4000); /* DF */
	p[8] = 64;
	p[9] = 6;
	memcpy(p + 12, (uint8_t[]){192, 0, 2, 10}, 4);
	memcpy(p + 16, (uint8_t[]){198, 51, 100, 20}, 4);
	wr16(tcp, 40000);
	wr16(tcp + 2, 80);
	memcpy(tcp + 4, (uint8_t[]){0xde, 0xad, 0xbe, 0xef}, 4);
	tcp[12] = (uint8_t)((tcplen / 4) << 4);
	tcp[13] = flags;
	wr16(tcp + 14, 64240);
	memcpy(tcp + TCP_LEN, opts, optlen);
	for (i = 0; i < payload; i++) {
		tcp[tcplen + i] = (uint8_t)(i * 7 + 3);
	}
	wr16(tcp + 16, ref_tcp_csum(p));
	return tot;
}

#define SYN 0x02
#define ACK 0x10

/* MSS 1460, SACK permitted, timestamps, NOP, window scale: Linux's SYN. */
static const uint8_t linux_opts[] = {
	2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7,
};

/* Clamp a heap copy of exactly len bytes (so ASan sees any overrun). */
static bool clamp_exact(uint8_t *p, size_t len, uint16_t mss)
{
	uint8_t *copy = malloc(len ? len : 1);
	bool changed;

	assert_non_null(copy);
	memcpy(copy, p, len);
	changed = dp_mss_clamp(copy, len, mss);
	memcpy(p, copy, len);
	free(copy);
	return changed;
}

static void assert_untouched(uint8_t *p, size_t len, uint16_t mss)
{
	uint8_t before[PKT_MAX];

	assert_true(len <= sizeof(before));
	memcpy(before, p, len);
	assert_false(clamp_exact(p, len, mss));
	assert_memory_equal(before, p, len);
}

static void test_clamps_large_mss(void **state)
{
	uint8_t p[PKT_MAX], before[PKT_MAX];
	size_t len = pkt_build(p, linux_opts, sizeof(linux_opts), SYN, 0);
	size_t i;

	memcpy(before, p, len);
	assert_true(clamp_exact(p, len, 1360));
	assert_int_equal(vrd_get_be16(p + IP_LEN + TCP_LEN + 2), 1360);
	assert_int_equal(tcp_csum_field(p), ref_tcp_csum(p));
	for (i = 0; i < len; i++) { /* only the MSS and the checksum moved */
		if (i != IP_LEN + 16 && i != IP_LEN + 17 && i != IP_LEN + 22 &&
		    i != IP_LEN + 23) {
			assert_int_equal(p[i], before[i]);
		}
	}
	/* a second pass has nothing left to do */
	assert_untouched(p, len, 1360);
}

static void test_syn_ack_with_payload(void **state)
{
	uint8_t p[PKT_MAX];
	size_t len =
		pkt_build(p, linux_opts, sizeof(linux_opts), SYN | ACK, 33);

	assert_true(clamp_exact(p, len, 1200));
	assert_int_equal(vrd_get_be16(p + IP_LEN + TCP_LEN + 2), 1200);
	assert_int_equal(tcp_csum_field(p), ref_tcp_csum(p));
}

static void test_smaller_or_equal_mss_untouched(void **state)
{
	uint8_t p[PKT_MAX];
	size_t len = pkt_build(p, linux_opts, sizeof(linux_opts), SYN, 0);

	assert_untouched(p, len, 1460);
	assert_untouched(p, len, 9000);
	assert_untouched(p, len, 65535);
}

static void test_non_syn_untouched(void **state)
{
	uint8_t p[PKT_MAX];
	size_t len = pkt_build(p, linux_opts, sizeof(linux_opts), ACK, 10);

	assert_untouched(p, len, 536);
	len = pkt_build(p, linux_opts, sizeof(linux_opts), 0x01 | ACK, 0);
	assert_untouched(p, len, 536); /* FIN|ACK */
}

/* NOP first: the MSS value sits at an odd offset, across two checksum
 * words. */
static void test_odd_offset(void **state)
{
	static const uint8_t opts[] = {1, 2, 4, 0x23, 0x28, 1, 1, 0};
	uint8_t p[PKT_MAX];
	size_t len = pkt_build(p, opts, sizeof(opts), SYN, 0);

	assert_true(clamp_exact(p, len, 1380));
	assert_int_equal(vrd_get_be16(p + IP_LEN + TCP_LEN + 3), 1380);
	assert_int_equal(tcp_csum_field(p), ref_tcp_csum(p));
}

/* Differential: many MSS values, limits, offsets and payloads, each
 * checked against the full recomputation. */
static void test_checksum_many(void **state)
{
	uint8_t opts[8], p[PKT_MAX];
	uint32_t x = 12345;
	int n;

	for (n = 0; n < 20000; n++) {
		uint16_t mss, max;
		unsigned nops;
		size_t len;

		x = x * 1103515245 + 12345;
		nops = (x >> 8) % 4;
		mss = (uint16_t)(x >> 12);
		x = x * 1103515245 + 12345;
		max = (uint16_t)(x >> 10);
		memset(opts, 0, sizeof(opts));
		memset(opts, 1, nops);
		opts[nops] = 2;
		opts[nops + 1] = 4;
		wr16(opts + nops + 2, mss);
		len = pkt_build(p, opts, sizeof(opts), SYN, (x >> 3) % 41);
		if (n % 3 == 0) { /* vary the checksum: a new seq */
			wr16(p + IP_LEN + 4, (uint16_t)x);
			wr16(p + IP_LEN + 16, ref_tcp_csum(p));
		}
		assert_int_equal(clamp_exact(p, len, max), mss > max);
		assert_int_equal(vrd_get_be16(p + IP_LEN + TCP_LEN + nops + 2),
				 mss > max ? max : mss);
		assert_int_equal(tcp_csum_field(p), ref_tcp_csum(p));
	}
}

static void test_two_mss_options(void **state)
{
	static const uint8_t opts[] = {2, 4, 0x05, 0xb4, 2, 4, 0x20, 0x00};
	uint8_t p[PKT_MAX];
	size_t len = pkt_build(p, opts, sizeof(opts), SYN, 0);

	assert_true(clamp_exact(p, len, 1000));
	assert_int_equal(vrd_get_be16(p + IP_LEN + TCP_LEN + 2), 1000);
	assert_int_equal(vrd_get_be16(p + IP_LEN + TCP_LEN + 6), 1000);
	assert_int_equal(tcp_csum_field(p), ref_tcp_csum(p));
}

static void test_malformed_options(void **state)
{
	static const uint8_t bad[][8] = {
		{8, 0, 2, 4, 0x05, 0xb4, 0, 0}, /* length 0 before MSS */
		{8, 1, 2, 4, 0x05, 0xb4, 0, 0}, /* length 1 before MSS */
		{0, 2, 4, 0x05, 0xb4, 0, 0, 0}, /* EOL before MSS */
		{8, 9, 2, 4, 0x05, 0xb4, 0, 0}, /* length runs past header */
		{1, 1, 1, 1, 1, 1, 1, 2}, /* MSS kind in the last byte */
		{1, 1, 1, 1, 1, 1, 2, 4}, /* MSS cut by the header end */
		{1, 1, 1, 1, 2, 5, 0x05, 0xb4}, /* MSS length 5 */
		{2, 3, 0x05, 0xb4, 0, 0, 0, 0}, /* MSS length 3 */
		{2, 2, 2, 2, 0x05, 0xb4, 0, 0}, /* MSS length 2: no value */
	};
	uint8_t p[PKT_MAX];
	size_t i, len;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		len = pkt_build(p, bad[i], sizeof(bad[i]), SYN, 0);
		assert_untouched(p, len, 536);
	}
}

static void test_bad_headers(void **state)
{
	uint8_t p[PKT_MAX];
	size_t len = pkt_build(p, linux_opts, sizeof(linux_opts), SYN, 0);
	uint8_t good[PKT_MAX];
	unsigned ihl;

	memcpy(good, p, len);
	for (ihl = 0; ihl < 5; ihl++) { /* IHL below 5 */
		p[0] = (uint8_t)(0x40 | ihl);
		assert_untouched(p, len, 536);
	}
	p[0] = 0x4f; /* IHL 60 > total length */
	assert_untouched(p, len, 536);
	memcpy(p, good, len);
	p[0] = 0x65; /* IPv6 version nibble */
	assert_untouched(p, len, 536);
	memcpy(p, good, len);
	p[9] = 17; /* UDP */
	assert_untouched(p, len, 536);
	memcpy(p, good, len);
	wr16(p + 2, (uint16_t)(len + 1)); /* total length beyond len */
	assert_untouched(p, len, 536);
	wr16(p + 2, 19); /* total length below the header */
	assert_untouched(p, len, 536);
	wr16(p + 2, IP_LEN + 19); /* TCP header cut */
	assert_untouched(p, len, 536);
	memcpy(p, good, len);
	p[IP_LEN + 12] = 0x40; /* data offset 16 < 20 */
	assert_untouched(p, len, 536);
	p[IP_LEN + 12] = 0xf0; /* data offset 60 > segment */
	assert_untouched(p, len, 536);
	assert_false(dp_mss_clamp(p, 0, 536));
}

static void test_truncations(void **state)
{
	uint8_t p[PKT_MAX];
	size_t len = pkt_build(p, linux_opts, sizeof(linux_opts), SYN, 0);
	size_t cut;

	for (cut = 0; cut < len; cut++) {
		assert_untouched(p, cut, 536);
	}
	/* bytes after the total length are not the packet's */
	assert_true(clamp_exact(p, len + 7, 536));
	assert_int_equal(tcp_csum_field(p), ref_tcp_csum(p));
}

static void test_fragments(void **state)
{
	uint8_t p[PKT_MAX];
	size_t len = pkt_build(p, linux_opts, sizeof(linux_opts), SYN, 0);

	wr16(p + 6, 0x2000 | 185); /* MF, offset 1480: not first */
	assert_untouched(p, len, 536);
	wr16(p + 6, 1); /* last fragment, offset 8 */
	assert_untouched(p, len, 536);
	/* a first fragment carries the whole TCP header: clamped, and the
	 * incremental update holds for the reassembled segment */
	wr16(p + 6, 0x2000);
	assert_true(clamp_exact(p, len, 536));
	assert_int_equal(vrd_get_be16(p + IP_LEN + TCP_LEN + 2), 536);
	assert_int_equal(tcp_csum_field(p), ref_tcp_csum(p));
}

static void test_mss_for_mtu(void **state)
{
	assert_int_equal(dp_mss_for_mtu(1500), 1460);
	assert_int_equal(dp_mss_for_mtu(1420), 1380);
	assert_int_equal(dp_mss_for_mtu(68), 28);
	assert_int_equal(dp_mss_for_mtu(41), 1);
	assert_int_equal(dp_mss_for_mtu(40), 0);
	assert_int_equal(dp_mss_for_mtu(0), 0);
	assert_int_equal(dp_mss_for_mtu(65575), 65535);
	assert_int_equal(dp_mss_for_mtu(1000000), 65535);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clamps_large_mss),
		cmocka_unit_test(test_syn_ack_with_payload),
		cmocka_unit_test(test_smaller_or_equal_mss_untouched),
		cmocka_unit_test(test_non_syn_untouched),
		cmocka_unit_test(test_odd_offset),
		cmocka_unit_test(test_checksum_many),
		cmocka_unit_test(test_two_mss_options),
		cmocka_unit_test(test_malformed_options),
		cmocka_unit_test(test_bad_headers),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_fragments),
		cmocka_unit_test(test_mss_for_mtu),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
