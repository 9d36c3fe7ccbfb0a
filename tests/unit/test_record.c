/* Unit tests: signed records (gossip/record.h): codec, signing, the drop
 * reasons of gossip_record_verify, and gossip_record_newer. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gossip/cert.h"
#include "gossip/record.h"

#define NOW_S 1800000000ULL /* 2027-01-15 */
#define NOW_MS (NOW_S * 1000)
#define MINUTE_MS 60000ULL
#define DAY 86400ULL
#define NAME32 "r0123456789-abcdefghijklmnop.q_Z"

struct fx {
	struct gossip_key *ca, *a, *b;
	struct gossip_cert cert_a, cert_b;
	uint8_t buf[GOSSIP_RECORD_ENCODED_MAX + 8];
	size_t len;
};

static struct vrd_prefix pfx(const char *s)
{
	struct vrd_prefix p;

	assert_int_equal(vrd_prefix_parse(s, &p, NULL), 0);
	return p;
}

static void cert_make(struct gossip_cert *cert, const char *name,
		      const struct gossip_key *key, const char *network,
		      const uint32_t *vns, size_t nvns,
		      const struct gossip_key *ca)
{
	struct gossip_pub pub;
	struct vrd_prefix p = pfx(network);

	gossip_key_public(&pub, key);
	assert_int_equal(
		gossip_cert_init(cert, name, &pub, NOW_S - DAY, NOW_S + DAY),
		0);
	assert_int_equal(gossip_cert_add_network(cert, &p), 0);
	for (size_t i = 0; i < nvns; i++) {
		assert_int_equal(gossip_cert_add_vn(cert, vns[i]), 0);
	}
	assert_int_equal(gossip_cert_sign(cert, ca), 0);
}

/* vrA: 192.0.2.0/24, VNs 1 and 7. vrB: 198.51.100.0/24, VN 1. */
static int setup(void **state)
{
	static const uint32_t vns_a[] = {1, 7}, vns_b[] = {1};
	struct fx *f = calloc(1, sizeof(*f));
	struct gossip_pub ca_pub;

	assert_non_null(f);
	f->ca = gossip_ca_generate();
	f->a = gossip_key_generate();
	f->b = gossip_key_generate();
	assert_non_null(f->ca);
	assert_non_null(f->a);
	assert_non_null(f->b);
	cert_make(&f->cert_a, "vrA", f->a, "192.0.2.0/24", vns_a, 2, f->ca);
	cert_make(&f->cert_b, "vrB", f->b, "198.51.100.0/24", vns_b, 1, f->ca);
	gossip_key_public(&ca_pub, f->ca);
	assert_int_equal(gossip_cert_verify(&f->cert_a, &ca_pub, NOW_S), 0);
	assert_int_equal(gossip_cert_verify(&f->cert_b, &ca_pub, NOW_S), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	gossip_key_destroy(f->ca);
	gossip_key_destroy(f->a);
	gossip_key_destroy(f->b);
	free(f);
	return 0;
}

static struct gossip_record rec_network(const char *origin, const char *net,
					uint32_t vn)
{
	struct gossip_record r;

	memset(&r, 0, sizeof(r));
	r.type = GOSSIP_RECORD_NETWORK;
	strcpy(r.origin, origin);
	r.origin_seq = 5;
	r.time_ms = NOW_MS - 1000;
	r.vn = vn;
	r.prefix = pfx(net);
	return r;
}

static struct gossip_record rec_host(const char *origin, const char *ip,
				     uint32_t vn)
{
	struct gossip_record r = rec_network(origin, ip, vn);

	r.type = GOSSIP_RECORD_HOST;
	r.mac = (struct vrd_mac){{0x52, 0x54, 0x00, 0x12, 0x34, 0x56}};
	r.mobility_seq = 3;
	return r;
}

/* Signs r with key into f->buf, decodes it back into *out. */
static void sign(struct fx *f, const struct gossip_record *r,
		 const struct gossip_key *key, struct gossip_record *out)
{
	assert_int_equal(gossip_record_encode_signed(f->buf, sizeof(f->buf),
						     &f->len, r, key),
			 0);
	assert_int_equal(gossip_record_decode(f->buf, f->len, out), 0);
}

static int sign_verify(struct fx *f, const struct gossip_record *r,
		       const struct gossip_key *key,
		       const struct gossip_cert *cert, uint64_t now_ms)
{
	struct gossip_record d;

	sign(f, r, key, &d);
	return gossip_record_verify(&d, f->buf, f->len, cert, now_ms);
}

static void record_equal(const struct gossip_record *a,
			 const struct gossip_record *b)
{
	assert_int_equal(a->type, b->type);
	assert_string_equal(a->origin, b->origin);
	assert_true(a->origin_seq == b->origin_seq);
	assert_true(a->time_ms == b->time_ms);
	assert_int_equal(a->vn, b->vn);
	assert_int_equal(a->prefix.addr, b->prefix.addr);
	assert_int_equal(a->prefix.len, b->prefix.len);
	assert_memory_equal(a->mac.b, b->mac.b, 6);
	assert_true(a->mobility_seq == b->mobility_seq);
}

/* Each type, at its limits and small; the encoding's exact layout. */
static void test_roundtrip(void **state)
{
	struct fx *f = *state;
	struct gossip_record r, d;
	uint8_t again[GOSSIP_RECORD_ENCODED_MAX];
	size_t n;
	static const uint8_t types[] = {GOSSIP_RECORD_NETWORK,
					GOSSIP_RECORD_HOST,
					GOSSIP_RECORD_WITHDRAW};

	for (size_t t = 0; t < sizeof(types); t++) {
		r = types[t] == GOSSIP_RECORD_HOST
			    ? rec_host(NAME32, "255.255.255.255/32", 0)
			    : rec_network(NAME32, "0.0.0.0/0", 0);
		r.type = types[t];
		r.origin_seq = UINT64_MAX;
		r.time_ms = UINT64_MAX;
		r.vn = UINT32_MAX;
		r.mobility_seq =
			types[t] == GOSSIP_RECORD_HOST ? UINT64_MAX : 0;
		sign(f, &r, f->a, &d);
		record_equal(&r, &d);
		assert_int_equal(f->len,
				 types[t] == GOSSIP_RECORD_HOST
					 ? GOSSIP_RECORD_ENCODED_MAX
					 : GOSSIP_RECORD_ENCODED_MAX - 14);
		assert_int_equal(
			gossip_record_encode(again, sizeof(again), &n, &d), 0);
		assert_int_equal(n, f->len);
		assert_memory_equal(again, f->buf, n);
	}
	assert_int_equal(GOSSIP_RECORD_ENCODED_MAX, 138);

	/* the smallest, byte for byte */
	r = rec_network("a", "10.0.0.0/8", 0x01020304);
	r.origin_seq = 0x1112131415161718ULL;
	r.time_ms = 0x2122232425262728ULL;
	sign(f, &r, f->a, &d);
	assert_int_equal(f->len, GOSSIP_RECORD_ENCODED_MIN);
	{
		static const uint8_t want[] = {
			1,    1,    1,	  'a',	0x11, 0x12, 0x13, 0x14,
			0x15, 0x16, 0x17, 0x18, 0x21, 0x22, 0x23, 0x24,
			0x25, 0x26, 0x27, 0x28, 1,    2,    3,	  4,
			10,   0,    0,	  0,	8,
		};

		assert_memory_equal(f->buf, want, sizeof(want));
	}
	/* HOST: mac and mobility_seq after len */
	r = rec_host("a", "203.0.113.9/32", 1);
	sign(f, &r, f->a, &d);
	assert_int_equal(f->buf[28], 32);
	assert_memory_equal(f->buf + 29, r.mac.b, 6);
	assert_int_equal(f->buf[35 + 7], 3);
}

/* Decoding is strict: every truncation, a trailing byte, version, type,
 * fields out of range. */
static void test_decode_strict(void **state)
{
	struct fx *f = *state;
	struct gossip_record r = rec_host("vrA", "203.0.113.9/32", 1), d;
	uint8_t copy[GOSSIP_RECORD_ENCODED_MAX + 1];

	sign(f, &r, f->a, &d);
	for (size_t cut = 0; cut < f->len; cut++) {
		uint8_t *p = malloc(cut ? cut : 1);

		assert_non_null(p);
		memcpy(p, f->buf, cut);
		assert_int_equal(gossip_record_decode(p, cut, &d), -EBADMSG);
		free(p);
	}
	memcpy(copy, f->buf, f->len);
	copy[f->len] = 0;
	assert_int_equal(gossip_record_decode(copy, f->len + 1, &d), -EBADMSG);

	memcpy(copy, f->buf, f->len);
	copy[0] = 2;
	assert_int_equal(gossip_record_decode(copy, f->len, &d), -EBADMSG);
	memcpy(copy, f->buf, f->len);
	copy[1] = 0;
	assert_int_equal(gossip_record_decode(copy, f->len, &d), -EBADMSG);
	copy[1] = 4;
	assert_int_equal(gossip_record_decode(copy, f->len, &d), -EBADMSG);
	/* HOST read as NETWORK: 14 bytes left over */
	copy[1] = GOSSIP_RECORD_NETWORK;
	assert_int_equal(gossip_record_decode(copy, f->len, &d), -EBADMSG);
	memcpy(copy, f->buf, f->len);
	copy[2] = 0; /* name length 0 */
	assert_int_equal(gossip_record_decode(copy, f->len, &d), -EBADMSG);
	memcpy(copy, f->buf, f->len);
	copy[4] = '/'; /* "v/A" */
	assert_int_equal(gossip_record_decode(copy, f->len, &d), -EBADMSG);
	memcpy(copy, f->buf, f->len);
	copy[30] = 0x01; /* multicast mac */
	assert_int_equal(gossip_record_decode(copy, f->len, &d), -EBADMSG);
	memcpy(copy, f->buf, f->len);
	memset(copy + 30, 0, 6); /* zero mac */
	assert_int_equal(gossip_record_decode(copy, f->len, &d), -EBADMSG);
	memcpy(copy, f->buf, f->len);
	copy[30] = 31; /* HOST /31 */
	assert_int_equal(gossip_record_decode(copy, f->len, &d), -EBADMSG);

	/* NETWORK: host bits, len 33 */
	r = rec_network("vrA", "192.0.2.0/24", 1);
	sign(f, &r, f->a, &d);
	memcpy(copy, f->buf, f->len);
	copy[30] = 33;
	assert_int_equal(gossip_record_decode(copy, f->len, &d), -EBADMSG);
	memcpy(copy, f->buf, f->len);
	copy[29] = 1; /* 192.0.2.1/24 */
	assert_int_equal(gossip_record_decode(copy, f->len, &d), -EBADMSG);
}

/* Encoders refuse what decode would refuse, and short buffers. */
static void test_encode_refuses(void **state)
{
	struct fx *f = *state;
	struct gossip_record r, base = rec_host("vrA", "203.0.113.9/32", 1);
	size_t n, need;

	r = base;
	r.prefix = pfx("203.0.113.0/24");
	assert_int_equal(gossip_record_encode_signed(f->buf, sizeof(f->buf), &n,
						     &r, f->a),
			 -EINVAL);
	r = base;
	memset(&r.mac, 0, sizeof(r.mac));
	assert_int_equal(gossip_record_encode(f->buf, sizeof(f->buf), &n, &r),
			 -EINVAL);
	r = base;
	r.mac.b[0] = 0xff;
	assert_int_equal(gossip_record_encode(f->buf, sizeof(f->buf), &n, &r),
			 -EINVAL);
	r = base;
	r.type = 0;
	assert_int_equal(gossip_record_encode(f->buf, sizeof(f->buf), &n, &r),
			 -EINVAL);
	r.type = 4;
	assert_int_equal(gossip_record_encode(f->buf, sizeof(f->buf), &n, &r),
			 -EINVAL);
	r = base;
	strcpy(r.origin, "vr A");
	assert_int_equal(gossip_record_encode(f->buf, sizeof(f->buf), &n, &r),
			 -EINVAL);
	memset(r.origin, 'x', sizeof(r.origin)); /* no NUL */
	assert_int_equal(gossip_record_encode(f->buf, sizeof(f->buf), &n, &r),
			 -EINVAL);
	r = rec_network("vrA", "192.0.2.0/24", 1);
	r.prefix.addr |= 1;
	assert_int_equal(gossip_record_encode(f->buf, sizeof(f->buf), &n, &r),
			 -EINVAL);
	r = rec_network("vrA", "192.0.2.0/24", 1);
	r.prefix.len = 33;
	assert_int_equal(gossip_record_encode(f->buf, sizeof(f->buf), &n, &r),
			 -EINVAL);
	r = rec_network("vrA", "192.0.2.0/24", 1);
	r.mobility_seq = 1; /* HOST-only field on a NETWORK record */
	assert_int_equal(gossip_record_encode(f->buf, sizeof(f->buf), &n, &r),
			 -EINVAL);
	r = rec_network("vrA", "192.0.2.0/24", 1);
	r.mac.b[5] = 1;
	assert_int_equal(gossip_record_encode(f->buf, sizeof(f->buf), &n, &r),
			 -EINVAL);

	r = base;
	assert_int_equal(gossip_record_encode_signed(f->buf, sizeof(f->buf),
						     &need, &r, f->a),
			 0);
	for (size_t cap = 0; cap < need; cap++) {
		uint8_t *p = malloc(cap ? cap : 1);

		assert_non_null(p);
		assert_int_equal(
			gossip_record_encode_signed(p, cap, &n, &r, f->a),
			-EMSGSIZE);
		assert_int_equal(gossip_record_encode(p, cap, &n, &r),
				 -EMSGSIZE);
		free(p);
	}
}

static void test_verify_ok(void **state)
{
	struct fx *f = *state;
	struct gossip_record r;

	r = rec_network("vrA", "192.0.2.0/24", 1);
	assert_int_equal(sign_verify(f, &r, f->a, &f->cert_a, NOW_MS), 0);
	r = rec_network("vrA", "192.0.2.128/25", 7);
	assert_int_equal(sign_verify(f, &r, f->a, &f->cert_a, NOW_MS), 0);
	r = rec_host("vrA", "192.0.2.9/32", 7);
	assert_int_equal(sign_verify(f, &r, f->a, &f->cert_a, NOW_MS), 0);
	r = rec_network("vrA", "192.0.2.0/24", 1);
	r.type = GOSSIP_RECORD_WITHDRAW;
	assert_int_equal(sign_verify(f, &r, f->a, &f->cert_a, NOW_MS), 0);
	r = rec_network("vrB", "198.51.100.0/24", 1);
	assert_int_equal(sign_verify(f, &r, f->b, &f->cert_b, NOW_MS), 0);
}

/* Every byte flipped, one bit or all eight: the record either no longer
 * decodes or its verification says forged. Never accepted. */
static void test_verify_flips(void **state)
{
	struct fx *f = *state;
	struct gossip_record recs[] = {
		rec_network("vrA", "192.0.2.0/24", 1),
		rec_host("vrA", "203.0.113.9/32", 7),
	};
	uint8_t copy[GOSSIP_RECORD_ENCODED_MAX];
	static const uint8_t masks[] = {0x01, 0x80, 0xff};

	for (size_t k = 0; k < 2; k++) {
		struct gossip_record d;
		unsigned decoded = 0;

		sign(f, &recs[k], f->a, &d);
		assert_int_equal(gossip_record_verify(&d, f->buf, f->len,
						      &f->cert_a, NOW_MS),
				 0);
		for (size_t i = 0; i < f->len; i++) {
			for (size_t m = 0; m < sizeof(masks); m++) {
				int rc;

				memcpy(copy, f->buf, f->len);
				copy[i] ^= masks[m];
				if (gossip_record_decode(copy, f->len, &d) <
				    0) {
					continue;
				}
				decoded++;
				rc = gossip_record_verify(&d, copy, f->len,
							  &f->cert_a, NOW_MS);
				assert_int_equal(rc, -EKEYREJECTED);
			}
		}
		/* the check above ran on most bytes: time, seq, vn, sig */
		assert_true(decoded > f->len);
	}
}

static void test_verify_forged(void **state)
{
	struct fx *f = *state;
	struct gossip_record r, d;

	/* signed by B, claiming to come from A */
	r = rec_network("vrA", "192.0.2.0/24", 1);
	assert_int_equal(sign_verify(f, &r, f->b, &f->cert_a, NOW_MS),
			 -EKEYREJECTED);
	r = rec_host("vrA", "198.51.100.7/32", 1);
	assert_int_equal(sign_verify(f, &r, f->b, &f->cert_a, NOW_MS),
			 -EKEYREJECTED);
	/* B's own record checked against A's certificate: names differ */
	r = rec_network("vrB", "198.51.100.0/24", 1);
	assert_int_equal(sign_verify(f, &r, f->b, &f->cert_a, NOW_MS),
			 -EKEYREJECTED);
	/* A's record with B's certificate named A (a cert for the wrong key) */
	r = rec_network("vrA", "192.0.2.0/24", 1);
	sign(f, &r, f->a, &d);
	{
		struct gossip_cert c = f->cert_b;

		strcpy(c.name, "vrA");
		assert_int_equal(
			gossip_record_verify(&d, f->buf, f->len, &c, NOW_MS),
			-EKEYREJECTED);
	}
	/* r not the decoding of the bytes: a caller bug */
	d.origin_seq++;
	assert_int_equal(
		gossip_record_verify(&d, f->buf, f->len, &f->cert_a, NOW_MS),
		-EINVAL);
	d.origin_seq--;
	assert_int_equal(gossip_record_verify(&d, f->buf, f->len - 1,
					      &f->cert_a, NOW_MS),
			 -EINVAL);
	assert_int_equal(
		gossip_record_verify(&d, f->buf, f->len, &f->cert_a, NOW_MS),
		0);
}

static void test_verify_refused(void **state)
{
	struct fx *f = *state;
	struct gossip_record r;

	/* NETWORK outside the certificate, or wider than its network */
	r = rec_network("vrA", "198.51.100.0/24", 1);
	assert_int_equal(sign_verify(f, &r, f->a, &f->cert_a, NOW_MS), -EPERM);
	r = rec_network("vrA", "192.0.2.0/23", 1);
	assert_int_equal(sign_verify(f, &r, f->a, &f->cert_a, NOW_MS), -EPERM);
	r = rec_network("vrA", "0.0.0.0/0", 1);
	assert_int_equal(sign_verify(f, &r, f->a, &f->cert_a, NOW_MS), -EPERM);
	/* VN not in the certificate: NETWORK, HOST, WITHDRAW */
	r = rec_network("vrA", "192.0.2.0/24", 2);
	assert_int_equal(sign_verify(f, &r, f->a, &f->cert_a, NOW_MS), -EPERM);
	r = rec_host("vrA", "192.0.2.9/32", 2);
	assert_int_equal(sign_verify(f, &r, f->a, &f->cert_a, NOW_MS), -EPERM);
	r = rec_network("vrB", "198.51.100.0/24", 7);
	r.type = GOSSIP_RECORD_WITHDRAW;
	assert_int_equal(sign_verify(f, &r, f->b, &f->cert_b, NOW_MS), -EPERM);
}

/* A migrated VM keeps its IP: a HOST claim outside the claiming router's
 * networks but in its VN is accepted, as is its withdrawal. */
static void test_verify_host_outside(void **state)
{
	struct fx *f = *state;
	struct gossip_record r;

	r = rec_host("vrA", "198.51.100.7/32", 1);
	assert_int_equal(sign_verify(f, &r, f->a, &f->cert_a, NOW_MS), 0);
	r = rec_host("vrB", "192.0.2.9/32", 1);
	assert_int_equal(sign_verify(f, &r, f->b, &f->cert_b, NOW_MS), 0);
	r = rec_network("vrA", "198.51.100.7/32", 7);
	r.type = GOSSIP_RECORD_WITHDRAW;
	assert_int_equal(sign_verify(f, &r, f->a, &f->cert_a, NOW_MS), 0);
	/* the same /32 as a NETWORK record is refused */
	r.type = GOSSIP_RECORD_NETWORK;
	assert_int_equal(sign_verify(f, &r, f->a, &f->cert_a, NOW_MS), -EPERM);
}

/* A certificate with a visitor list (--visitors) scopes HOST claims to
 * those prefixes and the router's own networks; NETWORK and WITHDRAW
 * records are not affected. */
static void test_verify_host_scope(void **state)
{
	struct fx *f = *state;
	struct gossip_cert scoped = f->cert_a;
	struct vrd_prefix vis = pfx("198.51.100.0/25");
	struct gossip_record r;

	assert_int_equal(gossip_cert_add_visitors(&scoped, &vis), 0);
	assert_int_equal(gossip_cert_sign(&scoped, f->ca), 0);
	r = rec_host("vrA", "198.51.100.7/32", 1);
	assert_int_equal(sign_verify(f, &r, f->a, &scoped, NOW_MS), 0);
	r = rec_host("vrA", "198.51.100.200/32", 1);
	assert_int_equal(sign_verify(f, &r, f->a, &scoped, NOW_MS), -EACCES);
	r = rec_host("vrA", "203.0.113.9/32", 1);
	assert_int_equal(sign_verify(f, &r, f->a, &scoped, NOW_MS), -EACCES);
	/* its own host, coming home */
	r = rec_host("vrA", "192.0.2.9/32", 1);
	assert_int_equal(sign_verify(f, &r, f->a, &scoped, NOW_MS), 0);
	/* the VN check comes first */
	r = rec_host("vrA", "203.0.113.9/32", 2);
	assert_int_equal(sign_verify(f, &r, f->a, &scoped, NOW_MS), -EPERM);
	r = rec_network("vrA", "192.0.2.0/24", 1);
	assert_int_equal(sign_verify(f, &r, f->a, &scoped, NOW_MS), 0);
	r = rec_network("vrA", "203.0.113.9/32", 1);
	r.type = GOSSIP_RECORD_WITHDRAW;
	assert_int_equal(sign_verify(f, &r, f->a, &scoped, NOW_MS), 0);
}

static void test_verify_future(void **state)
{
	struct fx *f = *state;
	struct gossip_record r = rec_host("vrA", "203.0.113.9/32", 1);

	r.time_ms = NOW_MS + 6 * MINUTE_MS;
	assert_int_equal(sign_verify(f, &r, f->a, &f->cert_a, NOW_MS), -ERANGE);
	r.time_ms = NOW_MS + 5 * MINUTE_MS + 1;
	assert_int_equal(sign_verify(f, &r, f->a, &f->cert_a, NOW_MS), -ERANGE);
	r.time_ms = UINT64_MAX;
	assert_int_equal(sign_verify(f, &r, f->a, &f->cert_a, NOW_MS), -ERANGE);
	r.time_ms = NOW_MS + 5 * MINUTE_MS;
	assert_int_equal(sign_verify(f, &r, f->a, &f->cert_a, NOW_MS), 0);
	r.time_ms = NOW_MS + 4 * MINUTE_MS;
	assert_int_equal(sign_verify(f, &r, f->a, &f->cert_a, NOW_MS), 0);
	r.time_ms = 0; /* the past is the store's business (origin_seq) */
	assert_int_equal(sign_verify(f, &r, f->a, &f->cert_a, NOW_MS), 0);
	/* forged beats future: the signature is checked first */
	r.time_ms = NOW_MS + 6 * MINUTE_MS;
	assert_int_equal(sign_verify(f, &r, f->b, &f->cert_a, NOW_MS),
			 -EKEYREJECTED);
}

static void test_newer(void **state)
{
	struct gossip_record have = rec_network("vrA", "192.0.2.0/24", 1);
	struct gossip_record in = have;

	(void)state;
	assert_true(gossip_record_newer(NULL, &in));
	in.origin_seq = have.origin_seq + 1;
	assert_true(gossip_record_newer(&have, &in));
	in.origin_seq = have.origin_seq; /* replayed */
	assert_false(gossip_record_newer(&have, &in));
	in.origin_seq = have.origin_seq - 1; /* stale */
	assert_false(gossip_record_newer(&have, &in));
	have.origin_seq = 0;
	in.origin_seq = UINT64_MAX;
	assert_true(gossip_record_newer(&have, &in));
	assert_false(gossip_record_newer(&in, &have));
	/* only origin_seq counts: a later time_ms does not make it newer */
	have.origin_seq = in.origin_seq = 9;
	in.time_ms = have.time_ms + 1;
	assert_false(gossip_record_newer(&have, &in));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_decode_strict),
		cmocka_unit_test(test_encode_refuses),
		cmocka_unit_test(test_verify_ok),
		cmocka_unit_test(test_verify_flips),
		cmocka_unit_test(test_verify_forged),
		cmocka_unit_test(test_verify_refused),
		cmocka_unit_test(test_verify_host_outside),
		cmocka_unit_test(test_verify_host_scope),
		cmocka_unit_test(test_verify_future),
		cmocka_unit_test(test_newer),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
