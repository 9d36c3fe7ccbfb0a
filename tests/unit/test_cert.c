/* Unit tests: gossip trust (gossip/cert.h) and `vrctl ca` (vrctl/vrctl_ca.h). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "gossip/cert.h"
#include "vrctl/vrctl_ca.h"

#define NOW 1800000000ULL /* 2027-01-15 */
#define DAY 86400ULL

struct fx {
	char dir[64];
	struct gossip_key *ca, *ca2, *router;
	struct gossip_pub ca_pub, ca2_pub, router_pub;
	struct gossip_cert cert;
};

static struct vrd_prefix pfx(const char *s)
{
	struct vrd_prefix p;

	assert_int_equal(vrd_prefix_parse(s, &p, NULL), 0);
	return p;
}

/* A cert for vrA: 192.0.2.0/24 and 198.51.100.0/25, vns 1 and 7. */
static void cert_make(struct gossip_cert *cert, const char *name,
		      const struct gossip_pub *key, uint64_t nb, uint64_t na,
		      const struct gossip_key *ca)
{
	struct vrd_prefix a = pfx("192.0.2.0/24"), b = pfx("198.51.100.0/25");

	assert_int_equal(gossip_cert_init(cert, name, key, nb, na), 0);
	assert_int_equal(gossip_cert_add_network(cert, &a), 0);
	assert_int_equal(gossip_cert_add_network(cert, &b), 0);
	assert_int_equal(gossip_cert_add_vn(cert, 1), 0);
	assert_int_equal(gossip_cert_add_vn(cert, 7), 0);
	assert_int_equal(gossip_cert_sign(cert, ca), 0);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_cert.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->ca = gossip_ca_generate();
	f->ca2 = gossip_ca_generate();
	f->router = gossip_key_generate();
	assert_non_null(f->ca);
	assert_non_null(f->ca2);
	assert_non_null(f->router);
	gossip_key_public(&f->ca_pub, f->ca);
	gossip_key_public(&f->ca2_pub, f->ca2);
	gossip_key_public(&f->router_pub, f->router);
	cert_make(&f->cert, "vrA", &f->router_pub, NOW - DAY, NOW + DAY, f->ca);
	*state = f;
	return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag,
		    struct FTW *ftw)
{
	return remove(path);
}

static int teardown(void **state)
{
	struct fx *f = *state;

	nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	gossip_key_destroy(f->ca);
	gossip_key_destroy(f->ca2);
	gossip_key_destroy(f->router);
	free(f);
	return 0;
}

static void path(char out[PATH_MAX], const struct fx *f, const char *name)
{
	snprintf(out, PATH_MAX, "%s/%s", f->dir, name);
}

static size_t encode(const struct gossip_cert *cert,
		     uint8_t buf[GOSSIP_CERT_ENCODED_MAX])
{
	size_t n = 0;

	assert_int_equal(
		gossip_cert_encode(buf, GOSSIP_CERT_ENCODED_MAX, &n, cert), 0);
	return n;
}

/* ---- codec and verification ---------------------------------------- */

static void test_roundtrip_verify(void **state)
{
	struct fx *f = *state;
	uint8_t buf[GOSSIP_CERT_ENCODED_MAX], again[GOSSIP_CERT_ENCODED_MAX];
	struct gossip_cert d;
	size_t n = encode(&f->cert, buf);

	assert_int_equal(gossip_cert_decode(&d, buf, n), 0);
	assert_string_equal(d.name, "vrA");
	assert_memory_equal(d.key.b, f->router_pub.b, GOSSIP_KEY_PUBBYTES);
	assert_int_equal(d.nnetworks, 2);
	assert_int_equal(d.networks[1].addr, 0xc6336400);
	assert_int_equal(d.networks[1].len, 25);
	assert_int_equal(d.nvns, 2);
	assert_int_equal(d.vns[1], 7);
	assert_int_equal(d.not_before, NOW - DAY);
	assert_int_equal(d.not_after, NOW + DAY);
	assert_int_equal(encode(&d, again), n);
	assert_memory_equal(again, buf, n);
	assert_int_equal(gossip_cert_verify(&d, &f->ca_pub, NOW), 0);
	assert_int_equal(gossip_key_match_cert(f->router, &d), 0);
	assert_int_equal(gossip_key_match_cert(f->ca, &d), -EKEYREJECTED);
	/* the byte layout: magic, version, name length */
	assert_memory_equal(buf, "VRDC\x01\x03vrA", 9);
	assert_int_equal(n, 4 + 1 + 1 + 3 + 32 + 16 + 1 + 2 * 5 + 1 + 2 * 4 +
				    8 + 64);
}

static void test_other_ca(void **state)
{
	struct fx *f = *state;
	struct gossip_cert c = f->cert;

	assert_int_equal(gossip_cert_verify(&f->cert, &f->ca2_pub, NOW),
			 -EKEYREJECTED);
	/* signed by ca2 but claiming ca's id: the signature fails */
	cert_make(&c, "vrA", &f->router_pub, NOW - DAY, NOW + DAY, f->ca2);
	assert_int_equal(gossip_cert_verify(&c, &f->ca2_pub, NOW), 0);
	memcpy(c.ca_id, f->cert.ca_id, GOSSIP_CA_IDBYTES);
	assert_int_equal(gossip_cert_verify(&c, &f->ca_pub, NOW),
			 -EKEYREJECTED);
}

static void test_validity(void **state)
{
	struct fx *f = *state;
	struct gossip_cert c;

	/* not_after inclusive, not_before inclusive */
	assert_int_equal(gossip_cert_verify(&f->cert, &f->ca_pub, NOW + DAY),
			 0);
	assert_int_equal(gossip_cert_verify(&f->cert, &f->ca_pub, NOW - DAY),
			 0);
	assert_int_equal(
		gossip_cert_verify(&f->cert, &f->ca_pub, NOW + DAY + 1),
		-EKEYEXPIRED);
	assert_int_equal(
		gossip_cert_verify(&f->cert, &f->ca_pub, NOW - DAY - 1),
		-EKEYEXPIRED);
	/* issued already expired */
	cert_make(&c, "vrA", &f->router_pub, NOW - 10 * DAY, NOW - DAY, f->ca);
	assert_int_equal(gossip_cert_verify(&c, &f->ca_pub, NOW), -EKEYEXPIRED);
	/* a forged extension of the validity breaks the signature */
	c.not_after = NOW + DAY;
	assert_int_equal(gossip_cert_verify(&c, &f->ca_pub, NOW),
			 -EKEYREJECTED);
	/* not_before after not_after is refused by init */
	assert_int_equal(
		gossip_cert_init(&c, "vrA", &f->router_pub, NOW + 1, NOW),
		-EINVAL);
}

static void test_tamper_every_byte(void **state)
{
	struct fx *f = *state;
	static const uint8_t flips[] = {0x01, 0x80, 0xff};
	uint8_t buf[GOSSIP_CERT_ENCODED_MAX];
	size_t n = encode(&f->cert, buf);
	unsigned rejected_sig = 0, rejected_codec = 0;

	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < sizeof(flips); k++) {
			struct gossip_cert d;
			int rc;

			buf[i] ^= flips[k];
			rc = gossip_cert_decode(&d, buf, n);
			if (rc == 0) {
				rc = gossip_cert_verify(&d, &f->ca_pub, NOW);
				assert_int_not_equal(rc, 0);
				rejected_sig++;
			} else {
				assert_int_equal(rc, -EBADMSG);
				rejected_codec++;
			}
			buf[i] ^= flips[k];
		}
	}
	/* both defences were exercised */
	assert_true(rejected_sig > 0);
	assert_true(rejected_codec > 0);
}

static void test_truncated_and_trailing(void **state)
{
	struct fx *f = *state;
	uint8_t buf[GOSSIP_CERT_ENCODED_MAX + 1];
	struct gossip_cert d;
	size_t n = encode(&f->cert, buf);

	for (size_t len = 0; len < n; len++) {
		assert_int_equal(gossip_cert_decode(&d, buf, len), -EBADMSG);
	}
	buf[n] = 0;
	assert_int_equal(gossip_cert_decode(&d, buf, n + 1), -EBADMSG);
	assert_int_equal(gossip_cert_decode(&d, buf, n), 0);
}

static void test_decode_strict(void **state)
{
	struct fx *f = *state;
	uint8_t buf[GOSSIP_CERT_ENCODED_MAX];
	struct gossip_cert d;
	size_t n = encode(&f->cert, buf);
	/* offsets in the vrA cert: name 6..8, key 9..40, times 41..56,
	 * network count 57, first network 58..62, second 63..67 */
	const size_t netcount = 57, net0len = 62, vncount = 68;

	assert_int_equal(buf[netcount], 2);
	assert_int_equal(buf[vncount], 2);

	buf[4] = 3; /* version */
	assert_int_equal(gossip_cert_decode(&d, buf, n), -EBADMSG);
	buf[4] = 2; /* version 2 needs a visitor list */
	assert_int_equal(gossip_cert_decode(&d, buf, n), -EBADMSG);
	buf[4] = 1;
	buf[0] = 'X'; /* magic */
	assert_int_equal(gossip_cert_decode(&d, buf, n), -EBADMSG);
	buf[0] = 'V';
	buf[7] = '/'; /* not a name character */
	assert_int_equal(gossip_cert_decode(&d, buf, n), -EBADMSG);
	buf[7] = '\0'; /* an embedded NUL */
	assert_int_equal(gossip_cert_decode(&d, buf, n), -EBADMSG);
	buf[7] = 'r';
	buf[net0len] = 22; /* 192.0.2.0/22 has a host bit set */
	assert_int_equal(gossip_cert_decode(&d, buf, n), -EBADMSG);
	buf[net0len] = 33;
	assert_int_equal(gossip_cert_decode(&d, buf, n), -EBADMSG);
	buf[net0len] = 24;
	buf[netcount] = 65;
	assert_int_equal(gossip_cert_decode(&d, buf, n), -EBADMSG);
	buf[netcount] = 2;
	buf[vncount] = 255;
	assert_int_equal(gossip_cert_decode(&d, buf, n), -EBADMSG);
	buf[vncount] = 2;
	assert_int_equal(gossip_cert_decode(&d, buf, n), 0);
}

/* The visitor list (--visitors): version 2, strict, and the scope. */
static void test_visitors(void **state)
{
	struct fx *f = *state;
	uint8_t v1[GOSSIP_CERT_ENCODED_MAX], buf[GOSSIP_CERT_ENCODED_MAX + 1];
	uint8_t again[GOSSIP_CERT_ENCODED_MAX];
	struct vrd_prefix vis = pfx("203.0.113.0/25"), bad = pfx("0.0.0.0/0");
	struct gossip_cert c = f->cert, d;
	size_t n1 = encode(&f->cert, v1), n, count;

	/* no list: version 1, any address of its VNs */
	assert_int_equal(v1[4], GOSSIP_CERT_VERSION);
	assert_true(gossip_cert_may_host(&f->cert, 0xcb007101)); /* .113.1 */
	assert_true(gossip_cert_may_host(&f->cert, 0x0a000001));

	assert_int_equal(gossip_cert_add_visitors(&c, &vis), 0);
	assert_int_equal(gossip_cert_add_visitors(&c, &vis), 0); /* a dup */
	assert_int_equal(c.nvisitors, 1);
	assert_int_equal(gossip_cert_sign(&c, f->ca), 0);
	n = encode(&c, buf);
	assert_int_equal(buf[4], GOSSIP_CERT_VERSION_VISITORS);
	assert_int_equal(n, n1 + 1 + 5);
	assert_int_equal(gossip_cert_decode(&d, buf, n), 0);
	assert_int_equal(d.nvisitors, 1);
	assert_int_equal(d.visitors[0].addr, 0xcb007100);
	assert_int_equal(d.visitors[0].len, 25);
	assert_int_equal(encode(&d, again), n);
	assert_memory_equal(again, buf, n);
	assert_int_equal(gossip_cert_verify(&d, &f->ca_pub, NOW), 0);
	/* the scope: its visitor prefixes and its own networks' hosts */
	assert_true(gossip_cert_may_host(&d, 0xcb007101)); /* 203.0.113.1 */
	assert_false(gossip_cert_may_host(&d, 0xcb007181)); /* .113.129 */
	assert_true(gossip_cert_may_host(&d, 0xc0000232)); /* 192.0.2.50 */
	assert_true(gossip_cert_may_host(&d, 0xc633647f)); /* .100.127 */
	assert_false(gossip_cert_may_host(&d, 0xc6336480)); /* .100.128 */
	/* the list is signed: changing it breaks the signature */
	d.visitors[0].len = 24;
	d.visitors[0].addr = 0xcb007100;
	assert_int_not_equal(gossip_cert_verify(&d, &f->ca_pub, NOW), 0);

	/* strict: the count (1 to max) sits right after the VNs */
	count = n - 8 - 64 - 1 - 5;
	assert_int_equal(buf[count], 1);
	buf[count] = 0;
	assert_int_equal(gossip_cert_decode(&d, buf, n), -EBADMSG);
	buf[count] = GOSSIP_CERT_VISITORS_MAX + 1;
	assert_int_equal(gossip_cert_decode(&d, buf, n), -EBADMSG);
	buf[count] = 1;
	buf[count + 5] = 24; /* 203.0.113.0/24 is fine; /23 has a host bit */
	assert_int_equal(gossip_cert_decode(&d, buf, n), 0);
	buf[count + 5] = 23;
	assert_int_equal(gossip_cert_decode(&d, buf, n), -EBADMSG);
	buf[count + 5] = 33;
	assert_int_equal(gossip_cert_decode(&d, buf, n), -EBADMSG);
	buf[count + 5] = 25;
	for (size_t len = 0; len < n; len++) {
		assert_int_equal(gossip_cert_decode(&d, buf, len), -EBADMSG);
	}
	buf[n] = 0;
	assert_int_equal(gossip_cert_decode(&d, buf, n + 1), -EBADMSG);
	assert_int_equal(gossip_cert_decode(&d, buf, n), 0);

	/* a 0.0.0.0/0 list is a list (version 2), if a pointless one; the
	 * maximum holds */
	c = f->cert;
	assert_int_equal(gossip_cert_add_visitors(&c, &bad), 0);
	assert_int_equal(c.nvisitors, 1);
	for (unsigned i = 1; i < GOSSIP_CERT_VISITORS_MAX; i++) {
		struct vrd_prefix p = {.addr = 0xcb007100 + i, .len = 32};

		assert_int_equal(gossip_cert_add_visitors(&c, &p), 0);
	}
	vis.len = 26;
	assert_int_equal(gossip_cert_add_visitors(&c, &vis), -E2BIG);
	vis.addr = 0xcb007101;
	assert_int_equal(gossip_cert_add_visitors(&c, &vis), -EINVAL);
	assert_int_equal(gossip_cert_sign(&c, f->ca), 0);
	n = encode(&c, buf);
	assert_int_equal(n, n1 + 1 + 5 * GOSSIP_CERT_VISITORS_MAX);
	assert_true(n <= GOSSIP_CERT_ENCODED_MAX);
}

static void test_limits(void **state)
{
	struct fx *f = *state;
	uint8_t buf[GOSSIP_CERT_ENCODED_MAX];
	struct gossip_cert c, d;
	struct vrd_prefix p, bad = {.addr = 0xc0000201, .len = 24};
	size_t n;

	assert_int_equal(gossip_cert_init(&c, "vr-0123456789abcdef0123456789.x",
					  &f->router_pub, 0, UINT64_MAX),
			 0);
	assert_int_equal(gossip_cert_add_network(&c, &bad), -EINVAL);
	for (unsigned i = 0; i < GOSSIP_CERT_NETWORKS_MAX; i++) {
		p.addr = 0xc6120000 | i << 8;
		p.len = 24;
		assert_int_equal(gossip_cert_add_network(&c, &p), 0);
	}
	assert_int_equal(gossip_cert_add_network(&c, &p), 0); /* duplicate */
	p.addr = 0xcb007100;
	assert_int_equal(gossip_cert_add_network(&c, &p), -E2BIG);
	for (unsigned i = 0; i < GOSSIP_CERT_VNS_MAX; i++) {
		assert_int_equal(gossip_cert_add_vn(&c, i * 1000 + 1), 0);
	}
	assert_int_equal(gossip_cert_add_vn(&c, 999999), -E2BIG);
	assert_int_equal(gossip_cert_sign(&c, f->ca), 0);
	n = encode(&c, buf);
	assert_true(n <= GOSSIP_CERT_ENCODED_MAX);
	assert_int_equal(gossip_cert_encode(buf, n - 1, &n, &c), -ENOSPC);
	n = encode(&c, buf);
	assert_int_equal(gossip_cert_decode(&d, buf, n), 0);
	assert_int_equal(gossip_cert_verify(&d, &f->ca_pub, NOW), 0);

	/* a cert without networks or vns is not signed */
	assert_int_equal(gossip_cert_init(&c, "vrB", &f->router_pub, 0, 1), 0);
	assert_int_equal(gossip_cert_sign(&c, f->ca), -EINVAL);
	assert_int_equal(gossip_cert_init(&c, "bad name", &f->router_pub, 0, 1),
			 -EINVAL);
	assert_int_equal(gossip_cert_init(&c, "", &f->router_pub, 0, 1),
			 -EINVAL);
}

static void test_covers_prefix(void **state)
{
	struct fx *f = *state;
	static const struct {
		const char *prefix;
		bool covered;
	} cases[] = {
		{"192.0.2.0/24", true}, /* exact */
		{"192.0.2.128/25", true}, /* inside */
		{"192.0.2.20", true}, /* a host */
		{"198.51.100.0/25", true}, /* the second network */
		{"198.51.100.64/26", true},
		{"192.0.2.0/23", false}, /* shorter: not covered */
		{"198.51.100.0/24", false}, /* shorter than the /25 */
		{"198.51.100.128/25", false},
		{"203.0.113.0/24", false}, /* outside */
		{"0.0.0.0/0", false},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vrd_prefix p = pfx(cases[i].prefix);

		if (gossip_cert_covers_prefix(&f->cert, &p) !=
		    cases[i].covered) {
			fail_msg("covers %s: expected %d", cases[i].prefix,
				 cases[i].covered);
		}
	}
	assert_true(gossip_cert_has_vn(&f->cert, 1));
	assert_true(gossip_cert_has_vn(&f->cert, 7));
	assert_false(gossip_cert_has_vn(&f->cert, 2));
	assert_false(gossip_cert_has_vn(&f->cert, 0));
}

static void test_key_accessors(void **state)
{
	struct fx *f = *state;
	uint8_t sig[GOSSIP_SIGBYTES], x_sk[32], x_pk[32], x_pk2[32];
	static const uint8_t msg[] = "gossip record";

	assert_int_equal(gossip_key_sign(sig, f->router, msg, sizeof(msg)), 0);
	assert_int_equal(crypto_sign_verify_detached(sig, msg, sizeof(msg),
						     f->router_pub.b),
			 0);
	/* the CURVE key the gossip layer will derive */
	assert_int_equal(crypto_sign_ed25519_sk_to_curve25519(
				 x_sk, gossip_key_secret(f->router)),
			 0);
	assert_int_equal(
		crypto_sign_ed25519_pk_to_curve25519(x_pk, f->router_pub.b), 0);
	crypto_scalarmult_base(x_pk2, x_sk);
	assert_memory_equal(x_pk, x_pk2, sizeof(x_pk));
	sodium_memzero(x_sk, sizeof(x_sk));
	gossip_key_destroy(NULL);
}

/* ---- files --------------------------------------------------------- */

static void test_files_roundtrip(void **state)
{
	struct fx *f = *state;
	char kp[PATH_MAX], cp[PATH_MAX], pp[PATH_MAX], crt[PATH_MAX], err[256];
	struct gossip_key *ca = NULL, *key = NULL;
	struct gossip_pub pub;
	struct gossip_cert c;
	struct stat st;

	path(kp, f, "ca.key");
	path(pp, f, "ca.pub");
	path(cp, f, "vrA.key");
	path(crt, f, "vrA.crt");
	assert_int_equal(gossip_ca_key_save(f->ca, kp), 0);
	assert_int_equal(gossip_ca_pub_save(&f->ca_pub, pp), 0);
	assert_int_equal(gossip_key_save(f->router, cp), 0);
	assert_int_equal(gossip_cert_save(&f->cert, crt), 0);
	assert_int_equal(stat(kp, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(stat(cp, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(stat(pp, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);

	assert_int_equal(gossip_ca_key_load(&ca, kp, err, sizeof(err)), 0);
	gossip_key_public(&pub, ca);
	assert_memory_equal(pub.b, f->ca_pub.b, sizeof(pub.b));
	assert_int_equal(gossip_ca_pub_load(&pub, pp, err, sizeof(err)), 0);
	assert_memory_equal(pub.b, f->ca_pub.b, sizeof(pub.b));
	assert_int_equal(gossip_key_load(&key, cp, err, sizeof(err)), 0);
	assert_int_equal(gossip_cert_load(&c, crt, err, sizeof(err)), 0);
	assert_int_equal(gossip_cert_verify(&c, &pub, NOW), 0);
	assert_int_equal(gossip_key_match_cert(key, &c), 0);
	/* a router key file is not a CA key file, nor the reverse */
	gossip_key_destroy(key);
	key = NULL;
	assert_int_equal(gossip_ca_key_load(&key, cp, err, sizeof(err)),
			 -EBADMSG);
	assert_null(key);
	assert_non_null(strstr(err, "not a CA key file"));
	assert_int_equal(gossip_key_load(&key, kp, err, sizeof(err)), -EBADMSG);
	assert_int_equal(gossip_cert_load(&c, pp, err, sizeof(err)), -EBADMSG);
	/* the CA key is never overwritten */
	assert_int_equal(gossip_ca_key_save(f->ca2, kp), -EEXIST);
	gossip_key_destroy(ca);
	assert_int_equal(gossip_ca_key_load(&ca, kp, err, sizeof(err)), 0);
	gossip_key_public(&pub, ca);
	assert_memory_equal(pub.b, f->ca_pub.b, sizeof(pub.b));
	gossip_key_destroy(ca);
}

static void test_key_mode_refused(void **state)
{
	struct fx *f = *state;
	static const mode_t modes[] = {0644, 0640, 0604, 0660};
	char kp[PATH_MAX], cap[PATH_MAX], err[512];
	struct gossip_key *key = NULL;

	path(kp, f, "vrA.key");
	path(cap, f, "ca.key");
	assert_int_equal(gossip_key_save(f->router, kp), 0);
	assert_int_equal(gossip_ca_key_save(f->ca, cap), 0);
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		assert_int_equal(chmod(kp, modes[i]), 0);
		assert_int_equal(gossip_key_load(&key, kp, err, sizeof(err)),
				 -EACCES);
		assert_null(key);
		assert_non_null(strstr(err, "chmod 600"));
		assert_int_equal(chmod(cap, modes[i]), 0);
		assert_int_equal(
			gossip_ca_key_load(&key, cap, err, sizeof(err)),
			-EACCES);
		assert_null(key);
	}
	assert_int_equal(chmod(kp, 0400), 0);
	assert_int_equal(gossip_key_load(&key, kp, NULL, 0), 0);
	gossip_key_destroy(key);
}

static void write_text(const char *p, const char *text, mode_t mode)
{
	int fd = open(p, O_CREAT | O_TRUNC | O_WRONLY, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	assert_int_equal(chmod(p, mode), 0);
}

static void test_malformed_files(void **state)
{
	struct fx *f = *state;
	static const char *bad[] = {
		"",
		"vrd-router-key-v1",
		"vrd-router-key-v1 ",
		"vrd-router-key-v1 AAAA\n", /* too short */
		"vrd-router-key-v1 !!!!\n", /* not base64 */
		"vrd-router-key-v2 "
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", /* tag */
		"vrd-router-key-v1 "
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= x\n", /* junk */
		"vrd-router-key-v1 "
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\n", /* 33 */
	};
	char p[PATH_MAX], err[512];
	struct gossip_key *key = NULL;
	struct gossip_cert c;

	path(p, f, "k");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_text(p, bad[i], 0600);
		assert_int_equal(gossip_key_load(&key, p, err, sizeof(err)),
				 -EBADMSG);
		assert_null(key);
	}
	write_text(p,
		   "vrd-router-key-v1 "
		   "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n",
		   0600);
	assert_int_equal(gossip_key_load(&key, p, err, sizeof(err)), 0);
	gossip_key_destroy(key);
	/* a cert file whose base64 is fine but whose bytes are not a cert */
	write_text(p, "vrd-cert-v1 AAAA\n", 0644);
	assert_int_equal(gossip_cert_load(&c, p, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "malformed certificate"));
	path(p, f, "missing");
	assert_int_equal(gossip_cert_load(&c, p, err, sizeof(err)), -ENOENT);
	assert_int_equal(gossip_cert_load(&c, f->dir, err, sizeof(err)),
			 -EINVAL);
}

/* ---- gossip_trust_check --------------------------------------------- */

struct trust_files {
	char ca[PATH_MAX], crt[PATH_MAX], key[PATH_MAX];
};

static void trust_write(struct fx *f, struct trust_files *t,
			const struct gossip_cert *cert,
			const struct gossip_key *key)
{
	path(t->ca, f, "ca.pub");
	path(t->crt, f, "vrA.crt");
	path(t->key, f, "vrA.key");
	assert_int_equal(gossip_ca_pub_save(&f->ca_pub, t->ca), 0);
	assert_int_equal(gossip_cert_save(cert, t->crt), 0);
	unlink(t->key);
	assert_int_equal(gossip_key_save(key, t->key), 0);
}

static void test_trust_check(void **state)
{
	struct fx *f = *state;
	struct vrd_prefix lan = pfx("192.0.2.0/24"), host = pfx("192.0.2.9"),
			  other = pfx("203.0.113.0/24"),
			  wide = pfx("192.0.0.0/16");
	struct trust_files t;
	struct gossip_cert c;
	char err[512];

	trust_write(f, &t, &f->cert, f->router);
	assert_int_equal(gossip_trust_check(t.ca, t.crt, t.key, "vrA", &lan, 1,
					    NOW, err, sizeof(err)),
			 0);
	assert_int_equal(gossip_trust_check(t.ca, t.crt, t.key, "vrA", &host, 7,
					    NOW, err, sizeof(err)),
			 0);
	assert_int_equal(gossip_trust_check(t.ca, t.crt, t.key, "vrA", NULL, 7,
					    NOW, err, sizeof(err)),
			 0);

	/* wrong name */
	assert_int_equal(gossip_trust_check(t.ca, t.crt, t.key, "vrB", &lan, 1,
					    NOW, err, sizeof(err)),
			 -EKEYREJECTED);
	assert_non_null(strstr(err, "is for router vrA, not for vrB"));
	assert_null(strchr(err, '\n'));
	/* network not covered, a wider one neither */
	assert_int_equal(gossip_trust_check(t.ca, t.crt, t.key, "vrA", &other,
					    1, NOW, err, sizeof(err)),
			 -EPERM);
	assert_non_null(strstr(err, "does not cover network 203.0.113.0/24"));
	assert_int_equal(gossip_trust_check(t.ca, t.crt, t.key, "vrA", &wide, 1,
					    NOW, err, sizeof(err)),
			 -EPERM);
	/* vn not allowed */
	assert_int_equal(gossip_trust_check(t.ca, t.crt, t.key, "vrA", &lan, 2,
					    NOW, err, sizeof(err)),
			 -EPERM);
	assert_non_null(strstr(err, "does not allow vn 2"));
	/* expired, not yet valid */
	assert_int_equal(gossip_trust_check(t.ca, t.crt, t.key, "vrA", &lan, 1,
					    NOW + 2 * DAY, err, sizeof(err)),
			 -EKEYEXPIRED);
	assert_non_null(strstr(err, "expired at 2027-01-16T"));
	assert_int_equal(gossip_trust_check(t.ca, t.crt, t.key, "vrA", &lan, 1,
					    NOW - 2 * DAY, err, sizeof(err)),
			 -EKEYEXPIRED);
	assert_non_null(strstr(err, "not valid before"));
	/* key file modes */
	assert_int_equal(chmod(t.key, 0644), 0);
	assert_int_equal(gossip_trust_check(t.ca, t.crt, t.key, "vrA", &lan, 1,
					    NOW, err, sizeof(err)),
			 -EACCES);
	assert_non_null(strstr(err, "chmod 600"));

	/* wrong key: the cert is vrA's, the key another router's */
	trust_write(f, &t, &f->cert, f->ca2);
	assert_int_equal(gossip_trust_check(t.ca, t.crt, t.key, "vrA", &lan, 1,
					    NOW, err, sizeof(err)),
			 -EKEYREJECTED);
	assert_non_null(strstr(err, "does not match certificate"));

	/* another CA's certificate */
	cert_make(&c, "vrA", &f->router_pub, NOW - DAY, NOW + DAY, f->ca2);
	trust_write(f, &t, &c, f->router);
	assert_int_equal(gossip_trust_check(t.ca, t.crt, t.key, "vrA", &lan, 1,
					    NOW, err, sizeof(err)),
			 -EKEYREJECTED);
	assert_non_null(strstr(err, "was issued by CA"));

	/* missing files */
	assert_int_equal(gossip_trust_check("/nonexistent/ca.pub", t.crt, t.key,
					    "vrA", &lan, 1, NOW, err,
					    sizeof(err)),
			 -ENOENT);
	assert_non_null(strstr(err, "/nonexistent/ca.pub"));
}

/* ---- vrctl ca ------------------------------------------------------ */

/* Runs vrctl_ca(argv) with stderr captured into err. */
static int run_ca(char *err, size_t errlen, ...)
{
	char *argv[32], tmpl[] = "/tmp/test_cert_err.XXXXXX";
	int argc = 0, saved, fd, rc;
	va_list ap;
	ssize_t n;

	va_start(ap, errlen);
	while ((argv[argc] = va_arg(ap, char *)) != NULL) {
		argc++;
		assert_true(argc < 31);
	}
	va_end(ap);
	fd = mkstemp(tmpl);
	assert_true(fd >= 0);
	fflush(stderr);
	fflush(stdout);
	saved = dup(2);
	dup2(fd, 2);
	rc = vrctl_ca(argc, argv);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	n = pread(fd, err, errlen - 1, 0);
	err[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(tmpl);
	return rc;
}

static void file_read(const char *p, char *buf, size_t cap)
{
	int fd = open(p, O_RDONLY);
	ssize_t n;

	assert_true(fd >= 0);
	n = read(fd, buf, cap - 1);
	assert_true(n > 0);
	buf[n] = '\0';
	close(fd);
}

static mode_t mode_of(const char *p)
{
	struct stat st;

	assert_int_equal(stat(p, &st), 0);
	return st.st_mode & 07777;
}

static void test_vrctl_ca_end_to_end(void **state)
{
	struct fx *f = *state;
	char ca_dir[256], out[256], p[PATH_MAX], q[PATH_MAX];
	char a[4096], b[4096], err[4096];
	struct vrd_prefix lan = pfx("198.51.100.0/24");
	struct gossip_cert c;

	snprintf(ca_dir, sizeof(ca_dir), "%s/etc/ca", f->dir);
	snprintf(out, sizeof(out), "%s/out/vrA", f->dir);

	assert_int_equal(run_ca(err, sizeof(err), "ca", "init", ca_dir, NULL),
			 0);
	assert_int_equal(mode_of(ca_dir), 0700);
	snprintf(p, sizeof(p), "%s/ca.key", ca_dir);
	assert_int_equal(mode_of(p), 0600);
	file_read(p, a, sizeof(a));
	assert_memory_equal(a, "vrd-ca-key-v1 ", 14);
	/* init refuses to overwrite, and leaves the key alone */
	assert_int_equal(run_ca(err, sizeof(err), "ca", "init", ca_dir, NULL),
			 1);
	assert_non_null(strstr(err, "refusing to overwrite"));
	file_read(p, b, sizeof(b));
	assert_string_equal(a, b);

	assert_int_equal(run_ca(err, sizeof(err), "ca", "issue", ca_dir, "vrA",
				"--network", "198.51.100.0/24",
				"--network=203.0.113.0/25", "--vn", "1", "--vn",
				"42", "--out", out, NULL),
			 0);
	assert_int_equal(mode_of(out), 0700);
	snprintf(p, sizeof(p), "%s/vrA.key", out);
	assert_int_equal(mode_of(p), 0600);
	snprintf(p, sizeof(p), "%s/ca.pub", out);
	snprintf(q, sizeof(q), "%s/ca.pub", ca_dir);
	file_read(p, a, sizeof(a));
	file_read(q, b, sizeof(b));
	assert_string_equal(a, b);
	assert_memory_equal(a, "vrd-ca-pub-v1 ", 14);
	snprintf(p, sizeof(p), "%s/vrA.crt", out);
	assert_int_equal(gossip_cert_load(&c, p, err, sizeof(err)), 0);
	assert_int_equal(c.nnetworks, 2);
	assert_int_equal(c.nvns, 2);
	assert_true(gossip_cert_has_vn(&c, 42));
	assert_true(c.not_after - c.not_before >= 365 * DAY);
	assert_true(c.not_after - c.not_before <= 365 * DAY + 3600);

	/* what vrd will check */
	snprintf(a, sizeof(a), "%s/vrA.key", out);
	assert_int_equal(gossip_trust_check(q, p, a, "vrA", &lan, 42,
					    (uint64_t)time(NULL), err,
					    sizeof(err)),
			 0);

	/* a second issue: refused, then --renew keeps the key, --force
	 * replaces it */
	file_read(a, b, sizeof(b));
	assert_int_equal(run_ca(err, sizeof(err), "ca", "issue", ca_dir, "vrA",
				"--network", "198.51.100.0/24", "--out", out,
				NULL),
			 1);
	assert_non_null(strstr(err, "--renew"));
	assert_int_equal(run_ca(err, sizeof(err), "ca", "issue", ca_dir, "vrA",
				"--network", "198.51.100.0/24", "--days", "30",
				"--renew", "--out", out, NULL),
			 0);
	file_read(a, err, sizeof(err));
	assert_string_equal(err, b);
	assert_int_equal(gossip_cert_load(&c, p, err, sizeof(err)), 0);
	assert_true(c.not_after - c.not_before <= 30 * DAY + 3600);
	assert_true(gossip_cert_has_vn(&c, 1));
	assert_false(gossip_cert_has_vn(&c, 42));
	assert_int_equal(run_ca(err, sizeof(err), "ca", "issue", ca_dir, "vrA",
				"--network", "198.51.100.0/24", "--force",
				"--expires", "2099-12-31T23:59:59Z", "--out",
				out, NULL),
			 0);
	file_read(a, err, sizeof(err));
	assert_string_not_equal(err, b);
	assert_int_equal(gossip_cert_load(&c, p, err, sizeof(err)), 0);
	assert_int_equal(c.not_after, 4102444799ULL);
	assert_int_equal(gossip_trust_check(q, p, a, "vrA", &lan, 1,
					    (uint64_t)time(NULL), err,
					    sizeof(err)),
			 0);

	/* show, with and without verification */
	assert_int_equal(run_ca(err, sizeof(err), "ca", "show", p, NULL), 0);
	assert_int_equal(
		run_ca(err, sizeof(err), "ca", "show", p, "--ca", q, NULL), 0);
	/* ... and against another CA */
	snprintf(q, sizeof(q), "%s/other.pub", f->dir);
	assert_int_equal(gossip_ca_pub_save(&f->ca2_pub, q), 0);
	assert_int_equal(
		run_ca(err, sizeof(err), "ca", "show", p, "--ca", q, NULL), 1);
	assert_non_null(strstr(err, "not signed by this CA"));
}

static void test_vrctl_ca_errors(void **state)
{
	struct fx *f = *state;
	char ca_dir[256], out[256], p[PATH_MAX], err[4096];
	int rc;

	snprintf(ca_dir, sizeof(ca_dir), "%s/ca", f->dir);
	snprintf(out, sizeof(out), "%s/out", f->dir);

	/* no CA yet */
	assert_int_equal(run_ca(err, sizeof(err), "ca", "issue", ca_dir, "vrA",
				"--network", "192.0.2.0/24", "--out", out,
				NULL),
			 1);
	assert_non_null(strstr(err, "ca.key"));
	assert_int_equal(run_ca(err, sizeof(err), "ca", "init", ca_dir, NULL),
			 0);

	/* host bits set */
	rc = run_ca(err, sizeof(err), "ca", "issue", ca_dir, "vrA", "--network",
		    "192.0.2.1/24", "--out", out, NULL);
	assert_true(rc == 1 || rc == 2);
	assert_non_null(strstr(err, "bad network '192.0.2.1/24'"));
	assert_non_null(strstr(err, "host bits"));
	rc = run_ca(err, sizeof(err), "ca", "issue", ca_dir, "vrA", "--network",
		    "nonsense", "--out", out, NULL);
	assert_true(rc == 1 || rc == 2);
	/* missing --out, missing --network, missing value */
	assert_int_equal(run_ca(err, sizeof(err), "ca", "issue", ca_dir, "vrA",
				"--network", "192.0.2.0/24", NULL),
			 2);
	assert_non_null(strstr(err, "--out"));
	assert_int_equal(run_ca(err, sizeof(err), "ca", "issue", ca_dir, "vrA",
				"--out", out, NULL),
			 2);
	assert_int_equal(run_ca(err, sizeof(err), "ca", "issue", ca_dir, "vrA",
				"--network", "192.0.2.0/24", "--out", NULL),
			 2);
	assert_non_null(strstr(err, "--out needs a value"));
	/* bad name, bad options */
	assert_int_equal(run_ca(err, sizeof(err), "ca", "issue", ca_dir, "vr/A",
				"--network", "192.0.2.0/24", "--out", out,
				NULL),
			 2);
	assert_non_null(strstr(err, "bad router name"));
	assert_int_equal(run_ca(err, sizeof(err), "ca", "issue", ca_dir, "vrA",
				"--network", "192.0.2.0/24", "--out", out,
				"--bogus", NULL),
			 2);
	assert_int_equal(run_ca(err, sizeof(err), "ca", "issue", ca_dir, "vrA",
				"--network", "192.0.2.0/24", "--out", out,
				"--vn", "4294967296", NULL),
			 2);
	assert_int_equal(run_ca(err, sizeof(err), "ca", "issue", ca_dir, "vrA",
				"--network", "192.0.2.0/24", "--out", out,
				"--days", "0", NULL),
			 2);
	assert_int_equal(run_ca(err, sizeof(err), "ca", "issue", ca_dir, "vrA",
				"--network", "192.0.2.0/24", "--out", out,
				"--expires", "2027-02-30T00:00:00Z", NULL),
			 2);
	assert_int_equal(run_ca(err, sizeof(err), "ca", "issue", ca_dir, "vrA",
				"--network", "192.0.2.0/24", "--out", out,
				"--expires", "2001-01-01T00:00:00Z", NULL),
			 2);
	assert_non_null(strstr(err, "in the past"));
	assert_int_equal(run_ca(err, sizeof(err), "ca", "issue", ca_dir, "vrA",
				"--network", "192.0.2.0/24", "--out", out,
				"--days", "3", "--expires",
				"2099-01-01T00:00:00+02:00", NULL),
			 2);
	assert_int_equal(run_ca(err, sizeof(err), "ca", NULL), 2);
	assert_int_equal(run_ca(err, sizeof(err), "ca", "frobnicate", NULL), 2);
	assert_int_equal(run_ca(err, sizeof(err), "ca", "init", NULL), 2);
	/* none of the refused commands wrote a router key */
	snprintf(p, sizeof(p), "%s/vrA.key", out);
	assert_int_equal(access(p, F_OK), -1);

	/* a CA key others can read is refused */
	snprintf(p, sizeof(p), "%s/ca.key", ca_dir);
	assert_int_equal(chmod(p, 0644), 0);
	assert_int_equal(run_ca(err, sizeof(err), "ca", "issue", ca_dir, "vrA",
				"--network", "192.0.2.0/24", "--out", out,
				NULL),
			 1);
	assert_non_null(strstr(err, "chmod 600"));
	assert_int_equal(chmod(p, 0600), 0);
	/* ca.pub that is not ca.key's */
	snprintf(p, sizeof(p), "%s/ca.pub", ca_dir);
	assert_int_equal(gossip_ca_pub_save(&f->ca2_pub, p), 0);
	assert_int_equal(run_ca(err, sizeof(err), "ca", "issue", ca_dir, "vrA",
				"--network", "192.0.2.0/24", "--out", out,
				NULL),
			 1);
	assert_non_null(strstr(err, "is not the public key"));
	/* show of something that is not a cert */
	assert_int_equal(run_ca(err, sizeof(err), "ca", "show", p, NULL), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_roundtrip_verify, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_other_ca, setup, teardown),
		cmocka_unit_test_setup_teardown(test_validity, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tamper_every_byte, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_truncated_and_trailing,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_decode_strict, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_visitors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_covers_prefix, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_key_accessors, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_files_roundtrip, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_key_mode_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_malformed_files, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_trust_check, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_vrctl_ca_end_to_end, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_vrctl_ca_errors, setup,
						teardown),
	};

	umask(022);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
