/*
 * The config parser: the INTERFACE.md example, both modes, defaults, every
 * error class with its exact "FILE:LINE: message", path resolution in
 * vrd_config_load() and the checks of vrd_config_check_files().
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vrd/config.h"

static struct vrd_config cfg; /* 70 kB: not on the stack */
static char err[VRD_CONFIG_ERR_MAX];

/* The example of INTERFACE.md "Config file", verbatim. */
/* clang-format off */
static const char example[] =
	"[router]\n"
	"name = vrA                        # unique in the overlay: [A-Za-z0-9_.-]{1,32}\n"
	"state_dir = /var/lib/vrd/vrA      # LMDB tables live here; created if missing\n"
	"control = /run/vrd/vrA.sock       # vrctl connects here\n"
	"\n"
	"[overlay]\n"
	"address = 198.18.0.1              # this router's underlay address ...\n"
	"# interface = eth0                # ... or follow this interface's address\n"
	"port = 4800                       # UDP: tunnelled packets; TCP: ZeroMQ gossip\n"
	"peer = 198.18.0.2                 # bootstrap peer, HOST[:PORT]; repeatable\n"
	"peer = 198.18.0.3\n"
	"vn = 1                            # virtual network id; default 1\n"
	"\n"
	"[security]\n"
	"ca = /etc/vrd/ca.pub\n"
	"cert = /etc/vrd/vrA.crt\n"
	"key = /etc/vrd/vrA.key\n"
	"\n"
	"[lan]                             # gateway mode: one router per subnet\n"
	"interface = lan0                  # LAN to sniff ARP/RARP on and inject into\n"
	"network = 192.0.2.0/24            # the subnet this router serves\n";
/* clang-format on */

/* A minimal config in pieces, so tests can put a line anywhere. */
#define ROUTER "[router]\nname = vrA\n" /* 1-2 */
#define OVERLAY "[overlay]\naddress = 198.18.0.1\n" /* 3-4 */
#define SECURITY "[security]\nca = ca.pub\ncert = vrA.crt\nkey = vrA.key\n"
#define LAN "[lan]\ninterface = lan0\nnetwork = 192.0.2.0/24\n" /* 9-11 */
#define HOST "[host]\ninterface = vr0\naddress = 203.0.113.5/24\n"
#define BASE ROUTER OVERLAY SECURITY /* lines 1-8 */

static int parse(const char *text)
{
	memset(err, 'x', sizeof(err)); /* the parser must write it */
	return vrd_config_parse(text, strlen(text), "t.conf", &cfg, err);
}

static void parse_ok(const char *text)
{
	int rc = parse(text);

	if (rc != 0) {
		print_error("unexpected error: %s\n", err);
	}
	assert_int_equal(rc, 0);
	assert_string_equal(err, "");
}

static void parse_err(const char *text, const char *want)
{
	assert_int_equal(parse(text), -EINVAL);
	assert_string_equal(err, want);
}

static void test_example(void **state)
{
	size_t len = strlen(example);
	char *copy = malloc(len); /* no NUL after the text */

	assert_non_null(copy);
	memcpy(copy, example, len);
	assert_int_equal(vrd_config_parse(copy, len, "vrA.conf", &cfg, err), 0);
	free(copy);
	assert_string_equal(err, "");
	assert_string_equal(cfg.file, "vrA.conf");
	assert_int_equal(cfg.mode, VRD_MODE_GATEWAY);
	assert_string_equal(cfg.name, "vrA");
	assert_string_equal(cfg.state_dir, "/var/lib/vrd/vrA");
	assert_string_equal(cfg.control, "/run/vrd/vrA.sock");
	assert_int_equal(cfg.log_level, VRD_LOG_INFO);
	assert_int_equal(cfg.events_max, VRD_DEFAULT_EVENTS_MAX);
	assert_int_equal(cfg.line_router, 1);
	assert_int_equal(cfg.overlay_addr, 0xc6120001u);
	assert_string_equal(cfg.overlay_if, "");
	assert_int_equal(cfg.port, 4800);
	assert_int_equal(cfg.npeers, 2);
	assert_string_equal(cfg.peers[0].host, "198.18.0.2");
	assert_int_equal(cfg.peers[0].port, 4800);
	assert_int_equal(cfg.peers[0].line, 10);
	assert_string_equal(cfg.peers[1].host, "198.18.0.3");
	assert_int_equal(cfg.peers[1].port, 4800);
	assert_int_equal(cfg.peers[1].line, 11);
	assert_int_equal(cfg.vn, 1);
	assert_int_equal(cfg.line_overlay, 6);
	assert_int_equal(cfg.line_overlay_addr, 7);
	assert_string_equal(cfg.ca, "/etc/vrd/ca.pub");
	assert_string_equal(cfg.cert, "/etc/vrd/vrA.crt");
	assert_string_equal(cfg.key, "/etc/vrd/vrA.key");
	assert_int_equal(cfg.line_ca, 15);
	assert_int_equal(cfg.line_cert, 16);
	assert_int_equal(cfg.line_key, 17);
	assert_string_equal(cfg.lan_if, "lan0");
	assert_int_equal(cfg.lan_network.addr, 0xc0000200u);
	assert_int_equal(cfg.lan_network.len, 24);
	assert_int_equal(cfg.line_lan_network, 21);
	assert_int_equal(cfg.hwdt_age_s, VRD_DEFAULT_HWDT_AGE_S);
	assert_string_equal(vrd_mode_name(cfg.mode), "gateway");
}

/* The same example indented as in INTERFACE.md, with CRLF line ends. */
static void test_example_indented_crlf(void **state)
{
	char text[4096], *o = text;

	for (const char *s = example; *s; s++) {
		if (s == example || s[-1] == '\n') {
			memcpy(o, "    ", 4);
			o += 4;
		}
		if (*s == '\n') {
			*o++ = '\r';
		}
		*o++ = *s;
	}
	*o = '\0';
	parse_ok(text);
	assert_string_equal(cfg.name, "vrA");
	assert_string_equal(cfg.control, "/run/vrd/vrA.sock");
	assert_int_equal(cfg.npeers, 2);
	assert_string_equal(cfg.lan_if, "lan0");
	assert_int_equal(cfg.lan_network.len, 24);
}

static void test_host_mode(void **state)
{
	parse_ok("[router]\n"
		 "name = vm-7.b\n"
		 "log_level = debug\n"
		 "events_max = 10000000\n"
		 "[overlay]\n"
		 "interface = eth0.100\n"
		 "peer = gw.example.org:4801\n"
		 "port = 5000\n"
		 "peer = 198.18.0.9\n"
		 "vn = 16777215\n"
		 "[security]\n"
		 "ca=ca.pub\n"
		 "cert\t=\tvm.crt\n"
		 "key =vm.key\n"
		 "[host]\n"
		 "address = 203.0.113.5/24 # the VM\n"
		 "interface = vr0\n");
	assert_int_equal(cfg.mode, VRD_MODE_HOST);
	assert_string_equal(vrd_mode_name(cfg.mode), "host");
	assert_string_equal(cfg.name, "vm-7.b");
	assert_int_equal(cfg.log_level, VRD_LOG_DEBUG);
	assert_int_equal(cfg.events_max, 10000000);
	assert_int_equal(cfg.overlay_addr, 0);
	assert_string_equal(cfg.overlay_if, "eth0.100");
	assert_int_equal(cfg.line_overlay_addr, 6);
	assert_int_equal(cfg.port, 5000);
	assert_int_equal(cfg.npeers, 2);
	assert_string_equal(cfg.peers[0].host, "gw.example.org");
	assert_int_equal(cfg.peers[0].port, 4801);
	/* a peer without a port takes [overlay] port, even one given later */
	assert_string_equal(cfg.peers[1].host, "198.18.0.9");
	assert_int_equal(cfg.peers[1].port, 5000);
	assert_int_equal(cfg.vn, 16777215);
	assert_string_equal(cfg.ca, "ca.pub"); /* kept as written */
	assert_string_equal(cfg.cert, "vm.crt");
	assert_string_equal(cfg.key, "vm.key");
	assert_string_equal(cfg.host_if, "vr0");
	assert_int_equal(cfg.host_addr, 0xcb007105u);
	assert_int_equal(cfg.host_network.addr, 0xcb007100u);
	assert_int_equal(cfg.host_network.len, 24);
	assert_int_equal(cfg.line_host_address, 16);
	assert_string_equal(cfg.lan_if, "");
}

static void test_host_address_forms(void **state)
{
	parse_ok(BASE "[host]\ninterface = vr0\naddress = 203.0.113.5/32\n");
	assert_int_equal(cfg.host_addr, 0xcb007105u);
	assert_int_equal(cfg.host_network.addr, 0xcb007105u);
	assert_int_equal(cfg.host_network.len, 32);
	parse_ok(BASE "[host]\ninterface = vr0\naddress = 203.0.113.5\n");
	assert_int_equal(cfg.host_network.len, 32);
	/* a /31 has no network or broadcast address (RFC 3021) */
	parse_ok(BASE "[host]\ninterface = vr0\naddress = 203.0.113.4/31\n");
	assert_int_equal(cfg.host_network.addr, 0xcb007104u);
	parse_ok(BASE "[host]\ninterface = vr0\naddress = 203.0.113.5/31\n");
	parse_ok(BASE "[host]\ninterface = vr0\naddress = 203.0.113.1/30\n");
	assert_int_equal(cfg.host_network.addr, 0xcb007100u);
	assert_int_equal(cfg.host_network.len, 30);
}

static void test_defaults(void **state)
{
	parse_ok(BASE LAN);
	assert_string_equal(cfg.state_dir, "/var/lib/vrd/vrA");
	assert_string_equal(cfg.control, "/run/vrd/vrA.sock");
	assert_int_equal(cfg.log_level, VRD_LOG_INFO);
	assert_int_equal(cfg.events_max, 10000);
	assert_int_equal(cfg.port, 4800);
	assert_int_equal(cfg.vn, 1);
	assert_int_equal(cfg.npeers, 0);
	assert_int_equal(cfg.hwdt_age_s, 600);
	assert_true(cfg.verify_moves);
	assert_int_equal(cfg.line_router, 1);
	assert_int_equal(cfg.line_overlay, 3);
	assert_int_equal(cfg.line_lan_network, 11);
	/* the longest name still fits the default control path */
	parse_ok("[router]\nname = "
		 "abcdefghijklmnopqrstuvwxyz012345\n" OVERLAY SECURITY LAN);
	assert_string_equal(cfg.control,
			    "/run/vrd/abcdefghijklmnopqrstuvwxyz012345.sock");
}

static void test_values_in_range(void **state)
{
	parse_ok(BASE "[lan]\ninterface = lan0\nnetwork = 0.0.0.0/0\n"
		      "hwdt_age = 86400\n");
	assert_int_equal(cfg.lan_network.len, 0);
	assert_int_equal(cfg.hwdt_age_s, 86400);
	parse_ok(ROUTER "events_max = 10\n"
			"[overlay]\naddress = 198.18.0.1\nport = 65535\n"
			"peer = 198.18.0.2:1\npeer = 198.18.0.2:65535\n"
			"vn = 0001\n" SECURITY
			"[lan]\ninterface = abcdefghijklmno\n"
			"network = 192.0.2.7/32\nhwdt_age = 10\n");
	assert_int_equal(cfg.events_max, 10);
	assert_int_equal(cfg.port, 65535);
	assert_int_equal(cfg.peers[0].port, 1);
	assert_int_equal(cfg.peers[1].port, 65535);
	assert_int_equal(cfg.vn, 1); /* leading zeros are still decimal */
	assert_string_equal(cfg.lan_if, "abcdefghijklmno");
	assert_int_equal(cfg.lan_network.addr, 0xc0000207u);
	assert_int_equal(cfg.lan_network.len, 32);
	assert_int_equal(cfg.hwdt_age_s, 10);
}

static void test_verify_moves(void **state)
{
	parse_ok(BASE LAN "verify_moves = no\n");
	assert_false(cfg.verify_moves);
	parse_ok(BASE LAN "verify_moves = yes\n");
	assert_true(cfg.verify_moves);
	parse_err(BASE LAN "verify_moves = off\n",
		  "t.conf:12: bad verify_moves 'off': need yes or no");
	parse_err(BASE LAN "verify_moves = YES\n",
		  "t.conf:12: bad verify_moves 'YES': need yes or no");
	parse_err(BASE LAN "verify_moves = no\nverify_moves = yes\n",
		  "t.conf:13: duplicate key 'verify_moves' in [lan], first at "
		  "line 12");
	parse_err(BASE "[host]\ninterface = vr0\naddress = 203.0.113.5/24\n"
		       "verify_moves = no\n",
		  "t.conf:12: unknown key 'verify_moves' in [host]");
}

static void test_comments_and_blanks(void **state)
{
	parse_ok("# vrd\n\n   \t\n[router]#c\nname=vrA#c\n" OVERLAY SECURITY
		 "[ lan ]\ninterface = lan0\n"
		 "network = 192.0.2.0/24"); /* no newline at the end */
	assert_string_equal(cfg.name, "vrA");
	assert_int_equal(cfg.line_router, 4);
	assert_int_equal(cfg.line_lan_network, 14);
}

static void test_text_not_nul_terminated(void **state)
{
	static const char text[] = BASE LAN "[bogus]\n";
	size_t len = strlen(BASE LAN);

	/* the bytes after len are an error; they must not be read */
	assert_int_equal(vrd_config_parse(text, len, "t.conf", &cfg, err), 0);
	assert_int_equal(
		vrd_config_parse(text, sizeof(text) - 1, "t.conf", &cfg, err),
		-EINVAL);
	assert_string_equal(err, "t.conf:12: unknown section [bogus]");
}

static void test_err_unknown_key(void **state)
{
	parse_err(ROUTER "foo = 1\n" OVERLAY SECURITY LAN,
		  "t.conf:3: unknown key 'foo' in [router]");
	/* a key that exists, but in another section */
	parse_err(BASE LAN "hwdt_age = 60\nport = 4800\n",
		  "t.conf:13: unknown key 'port' in [lan]");
	parse_err(BASE LAN "Network = 192.0.2.0/24\n",
		  "t.conf:12: unknown key 'Network' in [lan]");
	parse_err(BASE LAN "my key = 1\n",
		  "t.conf:12: unknown key 'my key' in [lan]");
}

static void test_err_unknown_section(void **state)
{
	parse_err(BASE "[lann]\ninterface = lan0\n",
		  "t.conf:9: unknown section [lann]");
	parse_err(BASE "[Router]\n", "t.conf:9: unknown section [Router]");
	parse_err(BASE "[lan\n", "t.conf:9: bad section header '[lan': "
				 "need '[name]'");
	parse_err(BASE "[lan] x\n", "t.conf:9: bad section header '[lan] x': "
				    "need '[name]'");
}

static void test_err_duplicate_key(void **state)
{
	parse_err("[router]\nname = vrA\nname = vrB\n" OVERLAY SECURITY LAN,
		  "t.conf:3: duplicate key 'name' in [router], first at line "
		  "2");
	parse_err(BASE LAN "network = 192.0.2.0/24\n",
		  "t.conf:12: duplicate key 'network' in [lan], first at line "
		  "11");
	parse_err(BASE "ca = x\n" LAN,
		  "t.conf:9: duplicate key 'ca' in [security], first at line "
		  "6");
}

static void test_err_duplicate_section(void **state)
{
	parse_err(BASE LAN "\n[lan]\n",
		  "t.conf:13: duplicate section [lan], first at line 9");
	parse_err(ROUTER "[router]\n" OVERLAY SECURITY LAN,
		  "t.conf:3: duplicate section [router], first at line 1");
}

static void test_err_duplicate_peer(void **state)
{
	parse_err(ROUTER "[overlay]\naddress = 198.18.0.1\n"
			 "peer = 198.18.0.2\npeer = 198.18.0.3\n"
			 "peer = 198.18.0.2\n" SECURITY LAN,
		  "t.conf:7: duplicate peer 198.18.0.2:4800, first at line 5");
	/* the same peer with and without the default port */
	parse_err(ROUTER
		  "[overlay]\naddress = 198.18.0.1\n"
		  "peer = 198.18.0.2:4800\npeer = 198.18.0.2\n" SECURITY LAN,
		  "t.conf:6: duplicate peer 198.18.0.2:4800, first at line 5");
	/* DNS names are case-insensitive */
	parse_err(ROUTER
		  "[overlay]\naddress = 198.18.0.1\n"
		  "peer = gw.example.org\npeer = GW.Example.org\n" SECURITY LAN,
		  "t.conf:6: duplicate peer GW.Example.org:4800, first at "
		  "line 5");
	/* other ports are other peers */
	parse_ok(ROUTER
		 "[overlay]\naddress = 198.18.0.1\nport = 4801\n"
		 "peer = 198.18.0.2:4800\npeer = 198.18.0.2\n" SECURITY LAN);
	assert_int_equal(cfg.npeers, 2);
}

static void test_err_too_many_peers(void **state)
{
	static char text[32768];
	size_t n;

	n = (size_t)snprintf(text, sizeof(text), "%s",
			     ROUTER "[overlay]\naddress = 198.18.0.1\n");
	for (unsigned i = 0; i <= VRD_CONFIG_PEERS_MAX; i++) {
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "peer = 198.18.%u.%u\n", 1 + i / 200,
				      1 + i % 200);
	}
	snprintf(text + n, sizeof(text) - n, "%s", SECURITY LAN);
	parse_err(text, "t.conf:261: too many peers (at most 256)");
}

static void test_err_bad_peer(void **state)
{
	static const struct {
		const char *peer, *why;
	} cases[] = {
		{"198.18.0.2:0", "port must be 1 to 65535"},
		{"198.18.0.2:65536", "port must be 1 to 65535"},
		{"198.18.0.2:", "port must be 1 to 65535"},
		{"198.18.0.2:+1", "port must be 1 to 65535"},
		{"198.18.0.2:1:2", "port must be 1 to 65535"},
		{"198.18.0.256", "need HOST[:PORT], HOST an IPv4 address or a "
				 "DNS name"},
		{"1.2.3.4.5", "need HOST[:PORT], HOST an IPv4 address or a "
			      "DNS name"},
		{"0.0.0.0", "need HOST[:PORT], HOST an IPv4 address or a DNS "
			    "name"},
		{"224.0.0.1", "need HOST[:PORT], HOST an IPv4 address or a "
			      "DNS name"},
		{":4800", "need HOST[:PORT], HOST an IPv4 address or a DNS "
			  "name"},
		{"-gw.example.org", "need HOST[:PORT], HOST an IPv4 address "
				    "or a DNS name"},
		{"gw-.example.org", "need HOST[:PORT], HOST an IPv4 address "
				    "or a DNS name"},
		{"gw..example.org", "need HOST[:PORT], HOST an IPv4 address "
				    "or a DNS name"},
		{"gw.example.org.", "need HOST[:PORT], HOST an IPv4 address "
				    "or a DNS name"},
		{"gw_1.example.org", "need HOST[:PORT], HOST an IPv4 address "
				     "or a DNS name"},
		{"[2001:db8::1]:4800", "need HOST[:PORT], HOST an IPv4 "
				       "address or a DNS name"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		char text[1024], want[512];

		snprintf(text, sizeof(text),
			 ROUTER
			 "[overlay]\naddress = 198.18.0.1\npeer = %s\n" SECURITY
				 LAN,
			 cases[i].peer);
		snprintf(want, sizeof(want), "t.conf:5: bad peer '%s': %s",
			 cases[i].peer, cases[i].why);
		parse_err(text, want);
	}
	/* a 63-byte label is fine, 64 is not */
	parse_ok(ROUTER "[overlay]\naddress = 198.18.0.1\npeer = "
			"a23456789012345678901234567890123456789012345678901234"
			"567890123.example:1\n" SECURITY LAN);
	assert_int_equal(cfg.peers[0].port, 1);
	assert_int_equal(
		parse(ROUTER
		      "[overlay]\naddress = 198.18.0.1\npeer = "
		      "a2345678901234567890123456789012345678901234567890"
		      "12345678901234.example\n" SECURITY LAN),
		-EINVAL);
	assert_non_null(strstr(err, "t.conf:5: bad peer '"));
}

/* [security] revoked: certificate fingerprints, repeatable */
static void test_revoked(void **state)
{
	static const char fp[] = "627fec6d7ea6ac216ffbb88a383c41b6"
				 "b37ca4b29124207d9c93dbfb8dfa913e";
	char text[1024];

	(void)state;
	snprintf(text, sizeof(text),
		 ROUTER OVERLAY SECURITY
		 "revoked = %s\nrevoked = %.62sFF\n" LAN,
		 fp, fp);
	parse_ok(text);
	assert_int_equal(cfg.nrevoked, 2);
	assert_int_equal(cfg.revoked[0][0], 0x62);
	assert_int_equal(cfg.revoked[0][31], 0x3e);
	assert_int_equal(cfg.revoked[1][31], 0xff);
	parse_err(ROUTER OVERLAY SECURITY "revoked = 627fec\n" LAN,
		  "t.conf:9: bad revoked '627fec': need a certificate's "
		  "fingerprint, 64 hex digits (vrctl ca show FILE)");
	snprintf(text, sizeof(text),
		 ROUTER OVERLAY SECURITY "revoked = %.63sg\n" LAN, fp);
	assert_int_equal(parse(text), -EINVAL);
	assert_non_null(strstr(err, "t.conf:9: bad revoked '"));
}

static void test_err_bad_prefix(void **state)
{
	parse_err(BASE "[lan]\ninterface = lan0\nnetwork = 192.0.2.1/24\n",
		  "t.conf:11: bad network '192.0.2.1/24': host bits set below "
		  "the prefix length");
	parse_err(BASE "[lan]\ninterface = lan0\nnetwork = 192.0.2.0/33\n",
		  "t.conf:11: bad network '192.0.2.0/33': prefix length must "
		  "be 0 to 32");
	parse_err(BASE "[lan]\ninterface = lan0\nnetwork = 192.0.2.0/\n",
		  "t.conf:11: bad network '192.0.2.0/': prefix length must be "
		  "0 to 32");
	parse_err(BASE "[lan]\ninterface = lan0\nnetwork = 192.0.2/24\n",
		  "t.conf:11: bad network '192.0.2/24': not an IPv4 address");
	parse_err(BASE "[host]\ninterface = vr0\naddress = 203.0.113.5/40\n",
		  "t.conf:11: bad address '203.0.113.5/40': prefix length must "
		  "be 0 to 32");
}

static void test_err_host_address(void **state)
{
	parse_err(BASE "[host]\ninterface = vr0\naddress = 203.0.113.0/24\n",
		  "t.conf:11: bad address '203.0.113.0/24': the network "
		  "address of its prefix, not a host");
	parse_err(BASE "[host]\ninterface = vr0\naddress = 203.0.113.255/24\n",
		  "t.conf:11: bad address '203.0.113.255/24': the broadcast "
		  "address of its prefix, not a host");
	parse_err(BASE "[host]\ninterface = vr0\naddress = 203.0.113.3/30\n",
		  "t.conf:11: bad address '203.0.113.3/30': the broadcast "
		  "address of its prefix, not a host");
}

static void test_err_bad_ipv4(void **state)
{
	static const char *const bad[] = {
		"198.18.0",   "198.18.0.256",  "198.18.0.01",	 "198.18.0.1x",
		"0x7f.0.0.1", "198.18.0.1/32", "gw.example.org",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		char text[1024], want[512];

		snprintf(text, sizeof(text),
			 ROUTER "[overlay]\naddress = %s\n" SECURITY LAN,
			 bad[i]);
		snprintf(want, sizeof(want),
			 "t.conf:4: bad address '%s': not an IPv4 address",
			 bad[i]);
		parse_err(text, want);
	}
	parse_err(ROUTER "[overlay]\naddress = 0.0.0.0\n" SECURITY LAN,
		  "t.conf:4: bad address '0.0.0.0': not a unicast address");
	parse_err(ROUTER "[overlay]\naddress = 239.1.1.1\n" SECURITY LAN,
		  "t.conf:4: bad address '239.1.1.1': not a unicast address");
}

static void test_err_bad_port(void **state)
{
	parse_err(BASE "[overlay]\n", "t.conf:9: duplicate section [overlay], "
				      "first at line 3");
	parse_err(ROUTER OVERLAY "port = 0\n" SECURITY LAN,
		  "t.conf:5: bad port '0': need a whole number from 1 to "
		  "65535");
	parse_err(ROUTER OVERLAY "port = 65536\n" SECURITY LAN,
		  "t.conf:5: bad port '65536': need a whole number from 1 to "
		  "65535");
	parse_err(ROUTER OVERLAY "port = http\n" SECURITY LAN,
		  "t.conf:5: bad port 'http': need a whole number from 1 to "
		  "65535");
}

static void test_err_bad_number(void **state)
{
	static const char *const bad[] = {
		"+100",
		"-1",
		"0x100",
		"1e3",
		"100.0",
		"9",
		"10000001",
		"18446744073709551616",
		"99999999999999999999999999999999",
		"١٠٠",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		char text[1024], want[512];

		snprintf(text, sizeof(text),
			 "[router]\nname = vrA\nevents_max = %s\n" OVERLAY
				 SECURITY LAN,
			 bad[i]);
		snprintf(want, sizeof(want),
			 "t.conf:3: bad events_max '%s': need a whole number "
			 "from 10 to 10000000",
			 bad[i][0] & 0x80 ? "??????" : bad[i]);
		parse_err(text, want);
	}
	parse_err(ROUTER OVERLAY "vn = 0\n" SECURITY LAN,
		  "t.conf:5: bad vn '0': need a whole number from 1 to "
		  "16777215");
	parse_err(ROUTER OVERLAY "vn = 16777216\n" SECURITY LAN,
		  "t.conf:5: bad vn '16777216': need a whole number from 1 to "
		  "16777215");
	parse_err(BASE LAN "hwdt_age = 9\n",
		  "t.conf:12: bad hwdt_age '9': need a whole number from 10 "
		  "to 86400");
	parse_err(BASE LAN "hwdt_age = 86401\n",
		  "t.conf:12: bad hwdt_age '86401': need a whole number from "
		  "10 to 86400");
}

static void test_err_bad_name(void **state)
{
	parse_err("[router]\nname = vr/A\n" OVERLAY SECURITY LAN,
		  "t.conf:2: bad router name 'vr/A': use 1 to 32 characters "
		  "of [A-Za-z0-9_.-]");
	parse_err("[router]\nname = abcdefghijklmnopqrstuvwxyz0123456\n" OVERLAY
			  SECURITY LAN,
		  "t.conf:2: bad router name "
		  "'abcdefghijklmnopqrstuvwxyz0123456': use 1 to 32 "
		  "characters of [A-Za-z0-9_.-]");
	parse_err("[router]\nname = vr A\n" OVERLAY SECURITY LAN,
		  "t.conf:2: unexpected space in value");
	parse_err("[router]\nname =\n" OVERLAY SECURITY LAN,
		  "t.conf:2: missing value for 'name'");
	parse_err("[router]\nname = # none\n" OVERLAY SECURITY LAN,
		  "t.conf:2: missing value for 'name'");
	parse_err("[router]\nname = vr\001A\n" OVERLAY SECURITY LAN,
		  "t.conf:2: control character in value");
}

static void test_err_bad_interface(void **state)
{
	parse_err(BASE "[lan]\ninterface = abcdefghijklmnop\n",
		  "t.conf:10: bad interface 'abcdefghijklmnop': use 1 to 15 "
		  "characters of [A-Za-z0-9_.-]");
	parse_err(BASE "[lan]\ninterface = lan:0\n",
		  "t.conf:10: bad interface 'lan:0': use 1 to 15 characters "
		  "of [A-Za-z0-9_.-]");
	parse_err(BASE "[host]\ninterface = ..\n",
		  "t.conf:10: bad interface '..': use 1 to 15 characters of "
		  "[A-Za-z0-9_.-]");
	parse_err(ROUTER "[overlay]\ninterface = eth/0\n" SECURITY LAN,
		  "t.conf:4: bad interface 'eth/0': use 1 to 15 characters of "
		  "[A-Za-z0-9_.-]");
}

static void test_err_bad_log_level(void **state)
{
	parse_err(ROUTER "log_level = verbose\n" OVERLAY SECURITY LAN,
		  "t.conf:3: bad log_level 'verbose': use err, warn, info or "
		  "debug");
	parse_err(ROUTER "log_level = INFO\n" OVERLAY SECURITY LAN,
		  "t.conf:3: bad log_level 'INFO': use err, warn, info or "
		  "debug");
}

static void test_err_missing(void **state)
{
	parse_err("[router]\nstate_dir = /tmp/x\n" OVERLAY SECURITY LAN,
		  "t.conf:1: [router] needs name");
	parse_err("\n\n" OVERLAY SECURITY LAN,
		  "t.conf:1: missing section [router]");
	parse_err(ROUTER SECURITY LAN, "t.conf:1: missing section [overlay]");
	parse_err(ROUTER OVERLAY LAN, "t.conf:1: missing section [security]");
	parse_err(ROUTER "[overlay]\nport = 4800\n" SECURITY LAN,
		  "t.conf:3: [overlay] needs address or interface");
	parse_err(ROUTER OVERLAY "[security]\nca = a\nkey = k\n" LAN,
		  "t.conf:5: [security] needs cert");
	parse_err(BASE "[lan]\nnetwork = 192.0.2.0/24\n",
		  "t.conf:9: [lan] needs interface");
	parse_err(BASE "[lan]\ninterface = lan0\n",
		  "t.conf:9: [lan] needs network");
	parse_err(BASE "[host]\ninterface = vr0\n",
		  "t.conf:9: [host] needs address");
	parse_err("", "t.conf:1: missing section [router]");
	parse_err("# nothing\n", "t.conf:1: missing section [router]");
}

static void test_err_lan_and_host(void **state)
{
	parse_err(BASE LAN HOST,
		  "t.conf:12: a router has [lan] (gateway mode) or [host] "
		  "(VM-as-router), not both");
	parse_err(BASE HOST LAN,
		  "t.conf:12: a router has [lan] (gateway mode) or [host] "
		  "(VM-as-router), not both");
	parse_err(BASE, "t.conf:1: a router needs [lan] (gateway mode) or "
			"[host] (VM-as-router)");
}

static void test_err_address_and_interface(void **state)
{
	parse_err(ROUTER OVERLAY "interface = eth0\n" SECURITY LAN,
		  "t.conf:5: address and interface are exclusive");
	parse_err(ROUTER
		  "[overlay]\ninterface = eth0\naddress = 198.18.0.1\n" SECURITY
			  LAN,
		  "t.conf:5: address and interface are exclusive");
}

static void test_err_outside_section(void **state)
{
	parse_err("name = vrA\n" ROUTER OVERLAY SECURITY LAN,
		  "t.conf:1: key 'name' outside any section");
	parse_err("# c\n\nport=1\n", "t.conf:3: key 'port' outside any "
				     "section");
}

static void test_err_garbage_line(void **state)
{
	parse_err(ROUTER "vrA\n" OVERLAY SECURITY LAN,
		  "t.conf:3: expected 'key = value', '[section]' or a comment");
	parse_err(ROUTER "= vrA\n" OVERLAY SECURITY LAN,
		  "t.conf:3: missing key before '='");
	parse_err(BASE LAN "]\n", "t.conf:12: expected 'key = value', "
				  "'[section]' or a comment");
}

static void test_err_long_line(void **state)
{
	static char text[16384];
	size_t n = strlen(BASE);

	/* a 4096-byte comment line is fine, 4097 bytes is not */
	memcpy(text, BASE, n);
	text[n] = '#';
	memset(text + n + 1, 'x', 4095);
	snprintf(text + n + 4096, sizeof(text) - n - 4096, "\n%s", LAN);
	parse_ok(text);
	assert_int_equal(cfg.line_lan_network, 12);

	text[n] = '#';
	memset(text + n + 1, 'x', 4096);
	snprintf(text + n + 4097, sizeof(text) - n - 4097, "\n%s", LAN);
	parse_err(text, "t.conf:9: line is longer than 4096 bytes");

	/* one huge line, no newline at all */
	memset(text, 'y', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	parse_err(text, "t.conf:1: line is longer than 4096 bytes");
}

static void test_err_nul_byte(void **state)
{
	static const char text[] = BASE "[lan]\ninterface = lan0\0x\n"
					"network = 192.0.2.0/24\n";

	assert_int_equal(
		vrd_config_parse(text, sizeof(text) - 1, "t.conf", &cfg, err),
		-EINVAL);
	assert_string_equal(err, "t.conf:10: line contains a NUL byte");
	/* in a comment too: the file is not text */
	static const char text2[] = BASE LAN "# \0\n";

	assert_int_equal(
		vrd_config_parse(text2, sizeof(text2) - 1, "t.conf", &cfg, err),
		-EINVAL);
	assert_string_equal(err, "t.conf:12: line contains a NUL byte");
}

static void test_err_first_only(void **state)
{
	parse_err("[router]\nname = vrA\nfoo = 1\nbar = 2\n[nope]\n",
		  "t.conf:3: unknown key 'foo' in [router]");
	/* a line error comes before what is found missing at the end */
	parse_err("[overlay]\nport = x\n", "t.conf:2: bad port 'x': need a "
					   "whole number from 1 to 65535");
}

static void test_err_shown_tokens(void **state)
{
	char text[8192], want[512];
	char key[200];

	/* long tokens are cut, control bytes never reach the message */
	memset(key, 'k', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	snprintf(text, sizeof(text), "[router]\n%s = 1\n", key);
	snprintf(want, sizeof(want),
		 "t.conf:2: unknown key '%.48s...' in [router]", key);
	parse_err(text, want);
	parse_err("[router]\nna\x1bme = 1\n",
		  "t.conf:2: unknown key 'na?me' in [router]");
}

static void test_err_path_too_long(void **state)
{
	char text[4096], want[512], path[200];

	memset(path, 'c', 108);
	path[0] = '/';
	path[108] = '\0';
	snprintf(text, sizeof(text),
		 ROUTER "control = %s\n" OVERLAY SECURITY LAN, path);
	snprintf(want, sizeof(want),
		 "t.conf:3: control is too long (at most 107 bytes)");
	parse_err(text, want);
	path[107] = '\0';
	snprintf(text, sizeof(text),
		 ROUTER "control = %s\n" OVERLAY SECURITY LAN, path);
	parse_ok(text);
	assert_string_equal(cfg.control, path);
}

/* vrd_config_load and vrd_config_check_files on files in a temp folder. */
struct tmp {
	char dir[64];
	char conf[128]; /* cfg.file borrows it */
};

static void file_write(const char *dir, const char *name, const char *text,
		       mode_t mode)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static int tmp_setup(void **state)
{
	struct tmp *t = calloc(1, sizeof(*t));

	if (!t) {
		return -1;
	}
	snprintf(t->dir, sizeof(t->dir), "/tmp/vrd-test-config-XXXXXX");
	if (!mkdtemp(t->dir)) {
		return -1;
	}
	*state = t;
	return 0;
}

static int tmp_teardown(void **state)
{
	struct tmp *t = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->dir);
	if (system(cmd) != 0) {
		return -1;
	}
	free(t);
	return 0;
}

static const char relative_conf[] = "[router]\n"
				    "name = vrA\n"
				    "state_dir = state\n"
				    "control = ./run/vrA.sock\n"
				    "[overlay]\n"
				    "address = 198.18.0.1\n"
				    "[security]\n"
				    "ca = keys/ca.pub\n"
				    "cert = vrA.crt\n"
				    "key = /etc/vrd/vrA.key\n" LAN;

static void test_load_relative(void **state)
{
	struct tmp *t = *state;
	char path[256], want[2048];

	file_write(t->dir, "vrA.conf", relative_conf, 0644);
	snprintf(path, sizeof(path), "%s/vrA.conf", t->dir);
	assert_int_equal(vrd_config_load(path, &cfg, err), 0);
	assert_string_equal(err, "");
	assert_string_equal(cfg.file, path);
	snprintf(want, sizeof(want), "%s/state", t->dir);
	assert_string_equal(cfg.state_dir, want);
	snprintf(want, sizeof(want), "%s/run/vrA.sock", t->dir);
	assert_string_equal(cfg.control, want);
	snprintf(want, sizeof(want), "%s/keys/ca.pub", t->dir);
	assert_string_equal(cfg.ca, want);
	snprintf(want, sizeof(want), "%s/vrA.crt", t->dir);
	assert_string_equal(cfg.cert, want);
	assert_string_equal(cfg.key, "/etc/vrd/vrA.key");
	assert_int_equal(cfg.line_ca, 8);
}

/* A config named by a relative path still yields absolute paths. */
static void test_load_relative_cwd(void **state)
{
	struct tmp *t = *state;
	char cwd[1024], want[2048];

	assert_non_null(getcwd(cwd, sizeof(cwd)));
	file_write(t->dir, "vrA.conf", relative_conf, 0644);
	assert_int_equal(chdir(t->dir), 0);
	assert_int_equal(vrd_config_load("vrA.conf", &cfg, err), 0);
	assert_int_equal(chdir(cwd), 0);
	snprintf(want, sizeof(want), "%s/state", t->dir);
	assert_string_equal(cfg.state_dir, want);
	snprintf(want, sizeof(want), "%s/vrA.crt", t->dir);
	assert_string_equal(cfg.cert, want);
	/* defaults are absolute and stay as they are */
	file_write(t->dir, "min.conf", BASE LAN, 0644);
	snprintf(want, sizeof(want), "%s/min.conf", t->dir);
	assert_int_equal(vrd_config_load(want, &cfg, err), 0);
	assert_string_equal(cfg.state_dir, "/var/lib/vrd/vrA");
	assert_string_equal(cfg.control, "/run/vrd/vrA.sock");
}

static void test_load_errors(void **state)
{
	struct tmp *t = *state;
	char path[256], want[2048], text[1024], sock[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/none.conf", t->dir);
	assert_int_equal(vrd_config_load(path, &cfg, err), -EINVAL);
	snprintf(want, sizeof(want),
		 "%s:1: cannot read: No such file or directory", path);
	assert_string_equal(err, want);

	assert_int_equal(vrd_config_load(t->dir, &cfg, err), -EINVAL);
	snprintf(want, sizeof(want), "%s:1: cannot read: Is a directory",
		 t->dir);
	assert_string_equal(err, want);

	file_write(t->dir, "bad.conf", BASE LAN "port = 1\n", 0644);
	snprintf(path, sizeof(path), "%s/bad.conf", t->dir);
	assert_int_equal(vrd_config_load(path, &cfg, err), -EINVAL);
	snprintf(want, sizeof(want), "%s:12: unknown key 'port' in [lan]",
		 path);
	assert_string_equal(err, want);

	/* control fits as written, not once resolved against the folder */
	memset(sock, 's', 100);
	sock[100] = '\0';
	snprintf(text, sizeof(text),
		 ROUTER "control = %s\n" OVERLAY SECURITY LAN, sock);
	file_write(t->dir, "long.conf", text, 0644);
	snprintf(path, sizeof(path), "%s/long.conf", t->dir);
	assert_int_equal(vrd_config_parse(text, strlen(text), "x", &cfg, err),
			 0);
	assert_int_equal(vrd_config_load(path, &cfg, err), -EINVAL);
	snprintf(want, sizeof(want),
		 "%s:3: control %s is too long once resolved against %s (at "
		 "most 107 bytes)",
		 path, sock, t->dir);
	assert_string_equal(err, want);

	/* more than 1 MiB */
	snprintf(path, sizeof(path), "%s/big.conf", t->dir);
	f = fopen(path, "w");
	assert_non_null(f);
	for (int i = 0; i < 1024 * 1024 / 16 + 1; i++) {
		fputs("# 0123456789abc\n", f);
	}
	assert_int_equal(fclose(f), 0);
	assert_int_equal(vrd_config_load(path, &cfg, err), -EINVAL);
	snprintf(want, sizeof(want), "%s:1: file is larger than 1048576 bytes",
		 path);
	assert_string_equal(err, want);
}

static void check_setup(struct tmp *t)
{
	file_write(t->dir, "ca.pub", "ca\n", 0644);
	file_write(t->dir, "vrA.crt", "cert\n", 0644);
	file_write(t->dir, "vrA.key", "key\n", 0600);
	file_write(t->dir, "vrA.conf", BASE LAN, 0644);
	snprintf(t->conf, sizeof(t->conf), "%s/vrA.conf", t->dir);
	assert_int_equal(vrd_config_load(t->conf, &cfg, err), 0);
}

static void test_check_files(void **state)
{
	struct tmp *t = *state;
	char path[256], want[2048];

	check_setup(t);
	assert_int_equal(vrd_config_check_files(&cfg, err), 0);
	assert_string_equal(err, "");

	assert_int_equal(chmod(cfg.key, 0644), 0);
	assert_int_equal(vrd_config_check_files(&cfg, err), -EINVAL);
	snprintf(want, sizeof(want),
		 "%s/vrA.conf:8: key %s is readable by group or others (mode "
		 "0644); chmod 600 it",
		 t->dir, cfg.key);
	assert_string_equal(err, want);

	assert_int_equal(chmod(cfg.key, 0640), 0);
	assert_int_equal(vrd_config_check_files(&cfg, err), -EINVAL);
	assert_non_null(strstr(err, "(mode 0640); chmod 600 it"));
	assert_int_equal(chmod(cfg.key, 0400), 0);
	assert_int_equal(vrd_config_check_files(&cfg, err), 0);

	snprintf(path, sizeof(path), "%s/vrA.crt", t->dir);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(vrd_config_check_files(&cfg, err), -EINVAL);
	snprintf(want, sizeof(want),
		 "%s/vrA.conf:7: cannot read cert %s: No such file or "
		 "directory",
		 t->dir, path);
	assert_string_equal(err, want);

	snprintf(path, sizeof(path), "%s/ca.pub", t->dir);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(vrd_config_check_files(&cfg, err), -EINVAL);
	snprintf(want, sizeof(want),
		 "%s/vrA.conf:6: ca %s is not a regular file", t->dir, path);
	assert_string_equal(err, want);
}

static void test_check_files_unreadable(void **state)
{
	struct tmp *t = *state;
	char want[2048];

	if (geteuid() == 0) {
		skip(); /* root reads anything */
	}
	check_setup(t);
	assert_int_equal(chmod(cfg.cert, 0), 0);
	assert_int_equal(vrd_config_check_files(&cfg, err), -EINVAL);
	snprintf(want, sizeof(want),
		 "%s/vrA.conf:7: cannot read cert %s: Permission denied",
		 t->dir, cfg.cert);
	assert_string_equal(err, want);
}

/* The files vrd trusts: not writable by others (issue 12). */
static void test_check_files_writable(void **state)
{
	struct tmp *t = *state;
	char want[2048];

	check_setup(t);
	assert_int_equal(chmod(t->conf, 0666), 0);
	assert_int_equal(vrd_config_check_files(&cfg, err), 0); /* as read */
	assert_int_equal(vrd_config_load(t->conf, &cfg, err), 0);
	assert_int_equal(vrd_config_check_files(&cfg, err), -EINVAL);
	snprintf(want, sizeof(want),
		 "%s: writable by others (mode 0666); chmod go-w it", t->conf);
	assert_string_equal(err, want);
	assert_int_equal(chmod(t->conf, 0664), 0);
	assert_int_equal(vrd_config_load(t->conf, &cfg, err), 0);
	assert_int_equal(vrd_config_check_files(&cfg, err), -EINVAL);
	assert_non_null(strstr(err, ": writable by group (mode 0664)"));
	assert_int_equal(chmod(t->conf, 0640), 0);
	assert_int_equal(vrd_config_load(t->conf, &cfg, err), 0);
	assert_int_equal(vrd_config_check_files(&cfg, err), 0);

	/* certificates are public: group may write, others may not */
	assert_int_equal(chmod(cfg.cert, 0664), 0);
	assert_int_equal(vrd_config_check_files(&cfg, err), 0);
	assert_int_equal(chmod(cfg.cert, 0646), 0);
	assert_int_equal(vrd_config_check_files(&cfg, err), -EINVAL);
	snprintf(want, sizeof(want),
		 "%s:7: cert %s is writable by others (mode 0646); chmod go-w "
		 "it",
		 t->conf, cfg.cert);
	assert_string_equal(err, want);
	assert_int_equal(chmod(cfg.cert, 0644), 0);
	assert_int_equal(chmod(cfg.ca, 0666), 0);
	assert_int_equal(vrd_config_check_files(&cfg, err), -EINVAL);
	assert_non_null(strstr(err, ":6: ca "));
	assert_non_null(strstr(err, "writable by others"));
}

/* ... and owned by root or by the user vrd runs as. */
static void test_check_files_owner(void **state)
{
	struct tmp *t = *state;
	char want[2048];

	if (geteuid() != 0) {
		skip(); /* only root can give a file away */
	}
	check_setup(t);
	assert_int_equal(chown(cfg.key, 65534, 65534), 0);
	assert_int_equal(vrd_config_check_files(&cfg, err), -EINVAL);
	snprintf(want, sizeof(want),
		 "%s:8: key %s is owned by uid 65534, neither root nor the "
		 "user vrd runs as (uid 0); chown it",
		 t->conf, cfg.key);
	assert_string_equal(err, want);
	assert_int_equal(chown(cfg.key, 0, 0), 0);
	assert_int_equal(chown(t->conf, 65534, 65534), 0);
	assert_int_equal(vrd_config_load(t->conf, &cfg, err), 0);
	assert_int_equal(vrd_config_check_files(&cfg, err), -EINVAL);
	snprintf(want, sizeof(want),
		 "%s: owned by uid 65534, neither root nor the user vrd runs "
		 "as (uid 0); chown it",
		 t->conf);
	assert_string_equal(err, want);
	/* a certificate may belong to anyone: it is public and signed */
	assert_int_equal(chown(t->conf, 0, 0), 0);
	assert_int_equal(chown(cfg.cert, 65534, 65534), 0);
	assert_int_equal(vrd_config_load(t->conf, &cfg, err), 0);
	assert_int_equal(vrd_config_check_files(&cfg, err), 0);
}

/* [router] control_group, control_ro, control_ro_group (issue 12) */
static void test_control_keys(void **state)
{
	char want[512];

	parse_ok(ROUTER "control = /run/vrd/a.sock\ncontrol_group = vrdctl\n"
			"control_ro = /run/vrd/a-ro.sock\n"
			"control_ro_group = monitor\n" OVERLAY SECURITY LAN);
	assert_string_equal(cfg.control_group, "vrdctl");
	assert_string_equal(cfg.control_ro, "/run/vrd/a-ro.sock");
	assert_string_equal(cfg.control_ro_group, "monitor");
	parse_ok(BASE LAN);
	assert_string_equal(cfg.control_group, "");
	assert_string_equal(cfg.control_ro, "");
	parse_err(ROUTER "control_group = -x\n" OVERLAY SECURITY LAN,
		  "t.conf:3: bad control_group '-x': a group name, 1 to 32 "
		  "characters of [A-Za-z0-9_.-]");
	parse_err(ROUTER "control_group = a/b\n" OVERLAY SECURITY LAN,
		  "t.conf:3: bad control_group 'a/b': a group name, 1 to 32 "
		  "characters of [A-Za-z0-9_.-]");
	parse_err(ROUTER "control_ro_group = adm\n" OVERLAY SECURITY LAN,
		  "t.conf:3: control_ro_group needs control_ro");
	parse_err(ROUTER
		  "control = /run/a.sock\ncontrol_ro = /run/a.sock\n" OVERLAY
			  SECURITY LAN,
		  "t.conf:4: control_ro must differ from control");

	/* the group must exist: vrd -n and start-up say so at its line */
	parse_ok(ROUTER "control_group = root\n" OVERLAY SECURITY LAN);
	assert_int_equal(vrd_config_resolve(&cfg, err), 0);
	assert_true(cfg.has_control_gid);
	assert_int_equal(cfg.control_gid, 0);
	assert_false(cfg.has_control_ro_gid);
	parse_ok(ROUTER
		 "control_group = no-such-group-vrd\n" OVERLAY SECURITY LAN);
	assert_int_equal(vrd_config_resolve(&cfg, err), -EINVAL);
	snprintf(want, sizeof(want),
		 "t.conf:3: control_group no-such-group-vrd: no such group");
	assert_string_equal(err, want);
}

static void test_mode_name(void **state)
{
	assert_string_equal(vrd_mode_name(VRD_MODE_GATEWAY), "gateway");
	assert_string_equal(vrd_mode_name(VRD_MODE_HOST), "host");
	assert_string_equal(vrd_mode_name((enum vrd_mode)0), "unknown");
}

#define TMP_TEST(f) cmocka_unit_test_setup_teardown(f, tmp_setup, tmp_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example),
		cmocka_unit_test(test_example_indented_crlf),
		cmocka_unit_test(test_host_mode),
		cmocka_unit_test(test_host_address_forms),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_values_in_range),
		cmocka_unit_test(test_comments_and_blanks),
		cmocka_unit_test(test_text_not_nul_terminated),
		cmocka_unit_test(test_err_unknown_key),
		cmocka_unit_test(test_control_keys),
		cmocka_unit_test(test_err_unknown_section),
		cmocka_unit_test(test_err_duplicate_key),
		cmocka_unit_test(test_err_duplicate_section),
		cmocka_unit_test(test_err_duplicate_peer),
		cmocka_unit_test(test_err_too_many_peers),
		cmocka_unit_test(test_err_bad_peer),
		cmocka_unit_test(test_revoked),
		cmocka_unit_test(test_err_bad_prefix),
		cmocka_unit_test(test_err_host_address),
		cmocka_unit_test(test_err_bad_ipv4),
		cmocka_unit_test(test_err_bad_port),
		cmocka_unit_test(test_err_bad_number),
		cmocka_unit_test(test_err_bad_name),
		cmocka_unit_test(test_err_bad_interface),
		cmocka_unit_test(test_err_bad_log_level),
		cmocka_unit_test(test_err_missing),
		cmocka_unit_test(test_err_lan_and_host),
		cmocka_unit_test(test_err_address_and_interface),
		cmocka_unit_test(test_err_outside_section),
		cmocka_unit_test(test_err_garbage_line),
		cmocka_unit_test(test_err_long_line),
		cmocka_unit_test(test_verify_moves),
		cmocka_unit_test(test_err_nul_byte),
		cmocka_unit_test(test_err_first_only),
		cmocka_unit_test(test_err_shown_tokens),
		cmocka_unit_test(test_err_path_too_long),
		TMP_TEST(test_load_relative),
		TMP_TEST(test_load_relative_cwd),
		TMP_TEST(test_load_errors),
		TMP_TEST(test_check_files),
		TMP_TEST(test_check_files_unreadable),
		TMP_TEST(test_check_files_writable),
		TMP_TEST(test_check_files_owner),
		cmocka_unit_test(test_mode_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
