/*
 * The base helpers: IPv4 addresses, prefixes, interface addresses, MAC
 * addresses, router names (base/addr.c) and clocks (base/clock.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "base/addr.h"
#include "base/clock.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof(*(a)))

static void test_ipv4_parse_good(void **state)
{
	static const struct {
		const char *s;
		uint32_t a;
	} good[] = {
		{"0.0.0.0", 0},
		{"255.255.255.255", 0xffffffffu},
		{"192.0.2.1", 0xc0000201u},
		{"198.18.0.10", 0xc612000au},
		{"10.0.0.0", 0x0a000000u},
		{"1.2.3.4", 0x01020304u},
		{"203.0.113.250", 0xcb0071fau},
	};
	uint32_t a;

	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		a = 0x5a5a5a5a;
		assert_int_equal(vrd_ipv4_parse(good[i].s, &a), 0);
		assert_int_equal(a, good[i].a);
	}
}

static void test_ipv4_parse_bad(void **state)
{
	static const char *const bad[] = {
		"",	      "1",	    "1.2.3",	 "1.2.3.",
		"1.2.3.4.",   "1.2.3.4.5",  ".1.2.3.4",	 "1..3.4",
		"256.0.0.1",  "1.2.3.256",  "1.2.3.999", "1234.1.1.1",
		"01.2.3.4",   "1.2.3.04",   "00.0.0.0",	 "1.2.3.00",
		"010.0.0.1",  "1.2.3.4x",   "1.2.3.4 ",	 " 1.2.3.4",
		"1.2.3.4/32", "1.2.3.4:80", "+1.2.3.4",	 "1.2.3.-4",
		"0x1.2.3.4",  "1.2.3.0x4",  "a.b.c.d",	 "1,2,3,4",
		"4294967295", "1.2.3.4\n",  "1 .2.3.4",
	};
	uint32_t a;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		a = 0x5a5a5a5a;
		if (vrd_ipv4_parse(bad[i], &a) != -EINVAL) {
			fail_msg("\"%s\" was accepted", bad[i]);
		}
		assert_int_equal(a, 0x5a5a5a5a); /* untouched */
	}
	assert_int_equal(vrd_ipv4_parse(NULL, &a), -EINVAL);
}

static void test_ipv4_format(void **state)
{
	char buf[VRD_IPV4_STRLEN];
	uint32_t a;

	assert_string_equal(vrd_ipv4_format(0, buf), "0.0.0.0");
	assert_string_equal(vrd_ipv4_format(0xffffffffu, buf),
			    "255.255.255.255");
	assert_string_equal(vrd_ipv4_format(0xc0000201u, buf), "192.0.2.1");
	assert_ptr_equal(vrd_ipv4_format(1, buf), buf);
	assert_string_equal(buf, "0.0.0.1");
	/* format and parse are inverses */
	for (uint64_t x = 0; x <= 0xffffffffu; x += 0x01010101u / 7) {
		vrd_ipv4_format((uint32_t)x, buf);
		assert_int_equal(vrd_ipv4_parse(buf, &a), 0);
		assert_int_equal(a, (uint32_t)x);
	}
}

static void test_prefix_mask(void **state)
{
	assert_int_equal(vrd_prefix_mask(0), 0);
	assert_int_equal(vrd_prefix_mask(1), 0x80000000u);
	assert_int_equal(vrd_prefix_mask(24), 0xffffff00u);
	assert_int_equal(vrd_prefix_mask(31), 0xfffffffeu);
	assert_int_equal(vrd_prefix_mask(32), 0xffffffffu);
}

static void test_prefix_parse_good(void **state)
{
	static const struct {
		const char *s;
		uint32_t addr;
		uint8_t len;
	} good[] = {
		{"192.0.2.0/24", 0xc0000200u, 24},
		{"0.0.0.0/0", 0, 0},
		{"192.0.2.1/32", 0xc0000201u, 32},
		{"192.0.2.1", 0xc0000201u, 32}, /* bare address: a /32 */
		{"0.0.0.0", 0, 32},
		{"198.18.0.0/15", 0xc6120000u, 15},
		{"128.0.0.0/1", 0x80000000u, 1},
		{"203.0.113.128/25", 0xcb007180u, 25},
		{"192.0.2.6/31", 0xc0000206u, 31},
		{"192.0.2.0/23", 0xc0000200u, 23},
	};
	struct vrd_prefix p;
	const char *why;

	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		why = NULL;
		memset(&p, 0x5a, sizeof(p));
		if (vrd_prefix_parse(good[i].s, &p, &why) != 0) {
			fail_msg("\"%s\" rejected: %s", good[i].s, why);
		}
		assert_int_equal(p.addr, good[i].addr);
		assert_int_equal(p.len, good[i].len);
	}
	/* why may be NULL */
	assert_int_equal(vrd_prefix_parse("192.0.2.0/24", &p, NULL), 0);
	assert_int_equal(vrd_prefix_parse("192.0.2.1/24", &p, NULL), -EINVAL);
}

static void test_prefix_parse_bad(void **state)
{
	static const char len_why[] = "prefix length must be 0 to 32";
	static const struct {
		const char *s, *why;
	} bad[] = {
		{"192.0.2.1/24", "host bits set below the prefix length"},
		{"192.0.3.0/23", "host bits set below the prefix length"},
		{"1.0.0.0/0", "host bits set below the prefix length"},
		{"192.0.2.128/24", "host bits set below the prefix length"},
		{"192.0.2.0/33", len_why},
		{"192.0.2.0/99", len_why},
		{"192.0.2.0/100", len_why},
		{"192.0.2.0/", len_why},
		{"192.0.2.0/-1", len_why},
		{"192.0.2.0/+24", len_why},
		{"192.0.2.0/024", len_why},
		{"192.0.2.0/00", len_why},
		{"192.0.2.0/0x18", "trailing characters after the prefix"},
		{"192.0.2.0/24x", "trailing characters after the prefix"},
		{"192.0.2.0/24 ", "trailing characters after the prefix"},
		{"192.0.2.0/24/24", "trailing characters after the prefix"},
		{"192.0.2.0/2400", len_why},
		{"192.0.2.0 /24", "trailing characters after the prefix"},
		{"192.0.2/24", "not an IPv4 address"},
		{"192.0.2.256/24", "not an IPv4 address"},
		{"/24", "not an IPv4 address"},
		{"", "not an IPv4 address"},
	};
	struct vrd_prefix p;
	const char *why;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		why = NULL;
		if (vrd_prefix_parse(bad[i].s, &p, &why) != -EINVAL) {
			fail_msg("\"%s\" was accepted", bad[i].s);
		}
		assert_non_null(why);
		if (strcmp(why, bad[i].why) != 0) {
			fail_msg("\"%s\": why \"%s\", want \"%s\"", bad[i].s,
				 why, bad[i].why);
		}
	}
}

static void test_prefix_valid(void **state)
{
	struct vrd_prefix p = {0xc0000200u, 24};

	assert_true(vrd_prefix_valid(&p));
	p.addr |= 1; /* a host bit */
	assert_false(vrd_prefix_valid(&p));
	p = (struct vrd_prefix){0, 0};
	assert_true(vrd_prefix_valid(&p));
	p = (struct vrd_prefix){0xffffffffu, 32};
	assert_true(vrd_prefix_valid(&p));
	p.len = 33;
	assert_false(vrd_prefix_valid(&p));
}

static void test_prefix_format_covers(void **state)
{
	struct vrd_prefix p = {0xc0000200u, 24}, q = {0xc0000280u, 25};
	struct vrd_prefix all = {0, 0}, host = {0xc0000201u, 32};
	struct vrd_prefix other = {0xc6336400u, 24};
	char buf[VRD_PREFIX_STRLEN];

	assert_string_equal(vrd_prefix_format(&p, buf), "192.0.2.0/24");
	assert_string_equal(vrd_prefix_format(&all, buf), "0.0.0.0/0");
	assert_string_equal(vrd_prefix_format(&host, buf), "192.0.2.1/32");
	host.addr = 0xffffffffu;
	assert_string_equal(vrd_prefix_format(&host, buf),
			    "255.255.255.255/32");
	host.addr = 0xc0000201u;

	assert_true(vrd_prefix_covers(&p, &q));
	assert_false(vrd_prefix_covers(&q, &p));
	assert_true(vrd_prefix_covers(&p, &p));
	assert_true(vrd_prefix_covers(&all, &p));
	assert_true(vrd_prefix_covers(&p, &host));
	assert_false(vrd_prefix_covers(&p, &other));
	assert_false(vrd_prefix_covers(&q, &host));

	assert_true(vrd_prefix_contains(&p, 0xc00002ffu));
	assert_false(vrd_prefix_contains(&p, 0xc0000300u));
	assert_true(vrd_prefix_contains(&all, 0xdeadbeefu));
	assert_true(vrd_prefix_contains(&host, 0xc0000201u));
	assert_false(vrd_prefix_contains(&host, 0xc0000202u));
}

static void test_ifaddr_parse(void **state)
{
	const char *why = NULL;
	uint32_t a = 0;
	uint8_t len = 0;

	assert_int_equal(vrd_ifaddr_parse("203.0.113.5/24", &a, &len, &why), 0);
	assert_int_equal(a, 0xcb007105u); /* host bits kept */
	assert_int_equal(len, 24);
	assert_int_equal(vrd_ifaddr_parse("203.0.113.5", &a, &len, NULL), 0);
	assert_int_equal(len, 32);
	assert_int_equal(vrd_ifaddr_parse("203.0.113.0/24", &a, &len, NULL), 0);
	assert_int_equal(a, 0xcb007100u);
	assert_int_equal(vrd_ifaddr_parse("203.0.113.5/0", &a, &len, NULL), 0);
	assert_int_equal(len, 0);
	assert_int_equal(vrd_ifaddr_parse("203.0.113.5/33", &a, &len, &why),
			 -EINVAL);
	assert_string_equal(why, "prefix length must be 0 to 32");
	assert_int_equal(vrd_ifaddr_parse("203.0.113/24", &a, &len, &why),
			 -EINVAL);
	assert_string_equal(why, "not an IPv4 address");
	assert_int_equal(vrd_ifaddr_parse("203.0.113.5/24 ", &a, &len, &why),
			 -EINVAL);
	assert_string_equal(why, "trailing characters after the prefix");
	assert_int_equal(vrd_ifaddr_parse(NULL, &a, &len, NULL), -EINVAL);
}

static void test_mac_parse(void **state)
{
	static const uint8_t want[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x5a};
	static const char *const good[] = {
		"52:54:00:12:34:5a", "52-54-00-12-34-5a", "52:54:00:12:34:5A",
		"52-54-00-12-34-5A", "52:54:00:12:34:5a",
	};
	static const char *const bad[] = {
		"",
		"52:54:00:12:34",
		"52:54:00:12:34:",
		"52:54:00:12:34:5",
		"52:54:00:12:34:5a:",
		"52:54:00:12:34:5a:00",
		"52:54-00:12:34:5a", /* mixed separators */
		"52-54:00-12-34-5a",
		"52:54:00:12:34-5a",
		"52.54.00.12.34.5a",
		"5254.0012.345a",
		"52540012345a",
		"52:54:00:12:34:5g",
		"2:54:00:12:34:5a",
		"52:54:0:12:34:5a",
		"052:54:00:12:34:5a",
		"52:54:00:12:34:5a ",
		" 52:54:00:12:34:5a",
		"52::54:00:12:34:5a",
	};
	struct vrd_mac m;

	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		memset(&m, 0, sizeof(m));
		assert_int_equal(vrd_mac_parse(good[i], &m), 0);
		assert_memory_equal(m.b, want, 6);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		memset(&m, 0xa5, sizeof(m));
		if (vrd_mac_parse(bad[i], &m) != -EINVAL) {
			fail_msg("\"%s\" was accepted", bad[i]);
		}
		for (int j = 0; j < 6; j++) {
			assert_int_equal(m.b[j], 0xa5); /* untouched */
		}
	}
	assert_int_equal(vrd_mac_parse(NULL, &m), -EINVAL);
	assert_int_equal(vrd_mac_parse("FF:FF:FF:FF:FF:FF", &m), 0);
	assert_int_equal(m.b[0], 0xff);
	assert_int_equal(m.b[5], 0xff);
}

static void test_mac_format(void **state)
{
	struct vrd_mac m = {{0x52, 0x54, 0x00, 0xAB, 0xcd, 0xEF}}, n;
	char buf[VRD_MAC_STRLEN];

	assert_string_equal(vrd_mac_format(&m, buf), "52:54:00:ab:cd:ef");
	assert_int_equal(vrd_mac_parse(buf, &n), 0);
	assert_memory_equal(m.b, n.b, 6);
	memset(&m, 0, sizeof(m));
	assert_string_equal(vrd_mac_format(&m, buf), "00:00:00:00:00:00");
	assert_true(vrd_mac_is_zero(&m));
	assert_false(vrd_mac_is_multicast(&m));
	memset(&m, 0xff, sizeof(m));
	assert_string_equal(vrd_mac_format(&m, buf), "ff:ff:ff:ff:ff:ff");
	assert_false(vrd_mac_is_zero(&m));
	assert_true(vrd_mac_is_multicast(&m)); /* broadcast */
	assert_int_equal(vrd_mac_parse("01:00:5e:00:00:01", &m), 0);
	assert_true(vrd_mac_is_multicast(&m));
	assert_int_equal(vrd_mac_parse("00:00:00:00:00:01", &m), 0);
	assert_false(vrd_mac_is_zero(&m));
	assert_false(vrd_mac_is_multicast(&m));
	assert_true(vrd_mac_is_unicast(&m));
	n = m;
	assert_true(vrd_mac_equal(&m, &n));
	n.b[5] ^= 0x80;
	assert_false(vrd_mac_equal(&m, &n));
	memset(&n, 0, sizeof(n));
	assert_false(vrd_mac_is_unicast(&n));
	n.b[0] = 1;
	assert_false(vrd_mac_is_unicast(&n));
}

/* The words an operator sees: exact strings, because vrctl prints them. */
static void why_equal(const char *got, const char *want)
{
	if (!want) {
		assert_null(got);
	} else {
		assert_non_null(got);
		assert_string_equal(got, want);
	}
}

static void test_ipv4_why_not_host(void **state)
{
	static const struct {
		const char *ip;
		const char *why; /* NULL: a host */
	} cases[] = {
		{"192.0.2.20", NULL},
		{"198.51.100.1", NULL},
		{"223.255.255.254", NULL},
		{"1.0.0.0", NULL},
		{"0.0.0.0", "the zero address"},
		{"0.1.2.3", "the zero address"},
		{"127.0.0.1", "a loopback address"},
		{"127.255.255.255", "a loopback address"},
		{"224.0.0.1", "a multicast address"},
		{"239.255.255.255", "a multicast address"},
		{"255.255.255.255", "the broadcast address"},
		{"240.0.0.1", "a reserved address"},
	};
	struct vrd_prefix lan = {0xc0000200u, 24}; /* 192.0.2.0/24 */
	struct vrd_prefix p31 = {0xc0000200u, 31};
	uint32_t a;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(vrd_ipv4_parse(cases[i].ip, &a), 0);
		why_equal(vrd_ipv4_why_not_host(a, NULL), cases[i].why);
	}
	/* the LAN's own network and broadcast addresses, where it is known */
	assert_null(vrd_ipv4_why_not_host(0xc00002ffu, NULL));
	assert_string_equal(vrd_ipv4_why_not_host(0xc00002ffu, &lan),
			    "the LAN's broadcast address");
	assert_string_equal(vrd_ipv4_why_not_host(0xc0000200u, &lan),
			    "the LAN's network address");
	assert_null(vrd_ipv4_why_not_host(0xc0000201u, &lan));
	assert_null(vrd_ipv4_why_not_host(0xc00002feu, &lan));
	assert_null(vrd_ipv4_why_not_host(0xc6336401u, &lan)); /* elsewhere */
	/* a /31 has no network or broadcast address (RFC 3021) */
	assert_null(vrd_ipv4_why_not_host(0xc0000200u, &p31));
	assert_null(vrd_ipv4_why_not_host(0xc0000201u, &p31));
}

static void test_prefix_why_not_route(void **state)
{
	static const struct {
		const char *prefix;
		const char *why; /* NULL: a route */
	} cases[] = {
		{"192.0.2.0/24", NULL},
		{"192.0.2.20/32", NULL},
		{"203.0.113.0/24", NULL},
		{"128.0.0.0/2", NULL},
		{"192.0.0.0/3", NULL},
		{"1.0.0.0/8", NULL},
		{"0.0.0.0/0", "a default route"},
		{"0.0.0.0/1", "it takes in 0.0.0.0/8"},
		{"64.0.0.0/2", "it takes in 127.0.0.0/8"},
		{"128.0.0.0/1", "it takes in 224.0.0.0/4"},
		{"0.0.0.0/8", "the zero address"},
		{"0.0.0.0/32", "the zero address"},
		{"127.0.0.1/32", "a loopback address"},
		{"224.0.0.0/4", "a multicast address"},
		{"239.1.0.0/16", "a multicast address"},
		{"255.255.255.255/32", "the broadcast address"},
		{"240.0.0.0/4", "it takes in 255.255.255.255"},
		{"240.0.0.0/8", "a reserved address"},
	};
	struct vrd_prefix p;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(vrd_prefix_parse(cases[i].prefix, &p, NULL),
				 0);
		why_equal(vrd_prefix_why_not_route(&p), cases[i].why);
	}
}

static void test_mac_why_not_unicast(void **state)
{
	struct vrd_mac m;

	assert_int_equal(vrd_mac_parse("52:54:00:12:34:56", &m), 0);
	assert_null(vrd_mac_why_not_unicast(&m));
	assert_int_equal(vrd_mac_parse("ff:ff:ff:ff:ff:ff", &m), 0);
	assert_string_equal(vrd_mac_why_not_unicast(&m),
			    "the broadcast address");
	assert_int_equal(vrd_mac_parse("01:00:5e:00:00:01", &m), 0);
	assert_string_equal(vrd_mac_why_not_unicast(&m), "a multicast address");
	assert_int_equal(vrd_mac_parse("33:33:00:00:00:01", &m), 0);
	assert_string_equal(vrd_mac_why_not_unicast(&m), "a multicast address");
	assert_int_equal(vrd_mac_parse("00:00:00:00:00:00", &m), 0);
	assert_string_equal(vrd_mac_why_not_unicast(&m), "the zero address");
}

static void test_name_valid(void **state)
{
	static const char *const good[] = {
		"vrA",
		"a",
		"vr-A_1.b",
		"0",
		"...",
		"-",
		"abcdefghijklmnopqrstuvwxyzABCDEF", /* 32 */
	};
	static const char *const bad[] = {
		"",	"vr A",	  "vr/A",
		"vr:A", "vr\tA",  "vr\nA",
		"vr@A", "vrA ",	  "vré",
		"vr+A", "vr\x7f", "abcdefghijklmnopqrstuvwxyzABCDEFG", /* 33 */
	};

	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		if (!vrd_name_valid(good[i])) {
			fail_msg("\"%s\" rejected", good[i]);
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		if (vrd_name_valid(bad[i])) {
			fail_msg("\"%s\" accepted", bad[i]);
		}
	}
}

static void test_rfc3339(void **state)
{
	static const struct {
		uint64_t ms;
		const char *s;
	} cases[] = {
		{0, "1970-01-01T00:00:00.000Z"},
		{1, "1970-01-01T00:00:00.001Z"},
		{999, "1970-01-01T00:00:00.999Z"},
		{1000, "1970-01-01T00:00:01.000Z"},
		{1795836703123, "2026-11-28T03:31:43.123Z"},
		{951782400999, "2000-02-29T00:00:00.999Z"}, /* leap day */
		{951868799000, "2000-02-29T23:59:59.000Z"},
		{4102444799999, "2099-12-31T23:59:59.999Z"},
		{253402300799999, "9999-12-31T23:59:59.999Z"},
	};
	char buf[VRD_RFC3339_STRLEN];

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		assert_ptr_equal(vrd_rfc3339(cases[i].ms, buf), buf);
		assert_string_equal(buf, cases[i].s);
		assert_int_equal(strlen(buf), VRD_RFC3339_STRLEN - 1);
	}
}

static void test_clocks(void **state)
{
	uint64_t m0 = vrd_monotonic_ms(), n0 = vrd_monotonic_ns();
	uint64_t w = vrd_wallclock_ms(), n1, m1;

	for (int i = 0; i < 1000; i++) {
		n1 = vrd_monotonic_ns();
		assert_true(n1 >= n0);
		n0 = n1;
	}
	m1 = vrd_monotonic_ms();
	assert_true(m1 >= m0);
	assert_true(m1 - m0 < 10000);
	/* the ms and ns clocks are the same clock */
	assert_true(n1 / 1000000 <= m1 + 1 && m1 <= n1 / 1000000 + 1000);
	/* after 2020-01-01, before 2100-01-01 */
	assert_true(w > 1577836800000ull);
	assert_true(w < 4102444800000ull);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_parse_good),
		cmocka_unit_test(test_ipv4_parse_bad),
		cmocka_unit_test(test_ipv4_format),
		cmocka_unit_test(test_prefix_mask),
		cmocka_unit_test(test_prefix_parse_good),
		cmocka_unit_test(test_prefix_parse_bad),
		cmocka_unit_test(test_prefix_valid),
		cmocka_unit_test(test_prefix_format_covers),
		cmocka_unit_test(test_ifaddr_parse),
		cmocka_unit_test(test_mac_parse),
		cmocka_unit_test(test_mac_format),
		cmocka_unit_test(test_ipv4_why_not_host),
		cmocka_unit_test(test_prefix_why_not_route),
		cmocka_unit_test(test_mac_why_not_unicast),
		cmocka_unit_test(test_name_valid),
		cmocka_unit_test(test_rfc3339),
		cmocka_unit_test(test_clocks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
