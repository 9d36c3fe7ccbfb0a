/* Unit tests: the gossip message codec (gossip/wire.h), linked alone. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gossip/wire.h"

#define NAME32 "r0123456789-abcdefghijklmnop.q_Z" /* 32 characters */

/* Every type, in order; a message of each at its limits and a small one. */
static const uint8_t all_types[] = {
	GOSSIP_MSG_HELLO,    GOSSIP_MSG_PING,	  GOSSIP_MSG_ACK,
	GOSSIP_MSG_PING_REQ, GOSSIP_MSG_RECORDS,  GOSSIP_MSG_DIGEST,
	GOSSIP_MSG_PULL,     GOSSIP_MSG_MEMBERS,  GOSSIP_MSG_QUERY,
	GOSSIP_MSG_ANSWER,   GOSSIP_MSG_NEIGHBOR, GOSSIP_MSG_DIRECT,
};
#define NTYPES (sizeof(all_types) / sizeof(all_types[0]))

/* Backing bytes the messages borrow: certificates and signed records. */
struct fx {
	uint8_t certs[GOSSIP_WIRE_MEMBERS_MAX][GOSSIP_CERT_MAX];
	uint8_t recs[GOSSIP_WIRE_RECORDS_MAX][GOSSIP_RECORD_ENCODED_MAX];
	size_t reclen[GOSSIP_WIRE_RECORDS_MAX];
	struct gossip_wire_msg m, d, d2;
	uint8_t buf[GOSSIP_WIRE_MSG_MAX + 16];
	uint8_t buf2[GOSSIP_WIRE_MSG_MAX + 16];
};

static void name_set(char dst[VRD_NAME_MAX + 1], const char *s)
{
	assert_true(strlen(s) <= VRD_NAME_MAX);
	memset(dst, 0, VRD_NAME_MAX + 1);
	memcpy(dst, s, strlen(s));
}

/* A HOST record with a 32-byte origin (the largest) or a NETWORK one. */
static size_t record_make(uint8_t *out, size_t cap, unsigned i, bool large)
{
	struct gossip_record r;
	size_t n;

	memset(&r, 0, sizeof(r));
	if (large) {
		r.type = GOSSIP_RECORD_HOST;
		name_set(r.origin, NAME32);
		r.origin_seq = UINT64_MAX - i;
		r.time_ms = UINT64_MAX;
		r.vn = UINT32_MAX;
		r.prefix.addr = 0xcb007100u + i;
		r.prefix.len = 32;
		r.mac = (struct vrd_mac){
			{0x52, 0x54, 0, 0x12, 0x34, (uint8_t)i}};
		r.mobility_seq = UINT64_MAX;
	} else {
		r.type = GOSSIP_RECORD_NETWORK;
		name_set(r.origin, "a");
		r.origin_seq = i;
		r.prefix.addr = 0xc0000200u;
		r.prefix.len = 24;
	}
	memset(r.sig, 0xa5 ^ (int)i, sizeof(r.sig));
	assert_int_equal(gossip_record_encode(out, cap, &n, &r), 0);
	return n;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	for (unsigned i = 0; i < GOSSIP_WIRE_MEMBERS_MAX; i++) {
		for (unsigned j = 0; j < GOSSIP_CERT_MAX; j++) {
			f->certs[i][j] = (uint8_t)(i * 31 + j);
		}
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

/* Fills f->m with a message of type: large puts every count, length and
 * number at its maximum; otherwise a few entries, short names. */
static void msg_fill(struct fx *f, uint8_t type, bool large)
{
	struct gossip_wire_msg *m = &f->m;
	unsigned n;

	memset(m, 0, sizeof(*m));
	m->type = type;
	name_set(m->sender, large ? NAME32 : "vrA");
	switch (type) {
	case GOSSIP_MSG_HELLO:
		m->hello.cert.p = f->certs[0];
		m->hello.cert.len = large ? GOSSIP_CERT_MAX : 1;
		m->hello.incarnation = large ? UINT64_MAX : 1;
		m->hello.addr = large ? UINT32_MAX : 0xc0000201u;
		m->hello.port = large ? UINT16_MAX : 1;
		break;
	case GOSSIP_MSG_PING:
		m->probe.probe_id = large ? UINT32_MAX : 7;
		break;
	case GOSSIP_MSG_ACK:
	case GOSSIP_MSG_PING_REQ:
		m->probe.probe_id = large ? UINT32_MAX : 7;
		name_set(m->probe.target, large ? NAME32 : "vrC");
		break;
	case GOSSIP_MSG_RECORDS:
		n = large ? GOSSIP_WIRE_RECORDS_MAX : 3;
		m->records.count = n;
		for (unsigned i = 0; i < n; i++) {
			f->reclen[i] = record_make(
				f->recs[i], sizeof(f->recs[i]), i, large);
			m->records.rec[i].p = f->recs[i];
			m->records.rec[i].len = f->reclen[i];
		}
		break;
	case GOSSIP_MSG_DIGEST:
	case GOSSIP_MSG_PULL:
		n = large ? GOSSIP_WIRE_DIGEST_MAX : 3;
		m->seqs.count = n;
		for (unsigned i = 0; i < n; i++) {
			name_set(m->seqs.e[i].origin, large ? NAME32 : "o-1");
			m->seqs.e[i].origin_seq = large ? UINT64_MAX - i : i;
		}
		break;
	case GOSSIP_MSG_MEMBERS:
		n = large ? GOSSIP_WIRE_MEMBERS_MAX : 3;
		m->members.count = n;
		for (unsigned i = 0; i < n; i++) {
			struct gossip_wire_member *e = &m->members.m[i];

			name_set(e->name, large ? NAME32 : "vrB");
			e->addr = large ? UINT32_MAX - i : 0xc6336401u + i;
			e->port = large ? UINT16_MAX : 5555;
			e->incarnation = large ? UINT64_MAX : i;
			e->state = (uint8_t)(GOSSIP_WIRE_ALIVE + i % 3);
			e->cert.p = f->certs[i];
			e->cert.len = large ? GOSSIP_CERT_MAX : 130 + i;
		}
		break;
	case GOSSIP_MSG_QUERY:
		m->query.query_id = large ? UINT64_MAX : 42;
		name_set(m->query.origin, large ? NAME32 : "vrO");
		m->query.budget_ms = large ? UINT16_MAX : 900;
		m->query.vn = large ? UINT32_MAX : 1;
		m->query.mac =
			(struct vrd_mac){{0xff, 0xff, 0xff, 0xff, 0xff, 0xfe}};
		break;
	case GOSSIP_MSG_ANSWER:
		m->answer.query_id = large ? UINT64_MAX : 42;
		name_set(m->answer.origin, large ? NAME32 : "vrO");
		name_set(m->answer.router, large ? NAME32 : "vrB");
		m->answer.vn = large ? UINT32_MAX : 1;
		m->answer.mac = (struct vrd_mac){{0x52, 0x54, 0, 1, 2, 3}};
		n = large ? GOSSIP_WIRE_ANSWERS_MAX : 2;
		m->answer.count = n;
		for (unsigned i = 0; i < n; i++) {
			m->answer.a[i].ip = large ? UINT32_MAX - i : i;
			m->answer.a[i].last_seen_ms = large ? UINT64_MAX : i;
		}
		break;
	case GOSSIP_MSG_NEIGHBOR:
		m->neighbor.op = large ? GOSSIP_WIRE_GRAFT : GOSSIP_WIRE_JOIN;
		break;
	case GOSSIP_MSG_DIRECT:
		name_set(m->direct.from, large ? NAME32 : "vrA");
		name_set(m->direct.to, large ? NAME32 : "vrD");
		m->direct.hops = large ? 1 : 0;
		m->direct.payload.p = f->certs[1];
		m->direct.payload.len = large ? GOSSIP_WIRE_DIRECT_MAX : 1;
		break;
	}
}

static void bytes_equal(const struct gossip_wire_bytes *a,
			const struct gossip_wire_bytes *b)
{
	assert_int_equal(a->len, b->len);
	assert_memory_equal(a->p, b->p, a->len);
}

/* Field by field; borrowed bytes by content. */
static void msg_equal(const struct gossip_wire_msg *a,
		      const struct gossip_wire_msg *b)
{
	assert_int_equal(a->type, b->type);
	assert_string_equal(a->sender, b->sender);
	switch (a->type) {
	case GOSSIP_MSG_HELLO:
		bytes_equal(&a->hello.cert, &b->hello.cert);
		assert_true(a->hello.incarnation == b->hello.incarnation);
		assert_int_equal(a->hello.addr, b->hello.addr);
		assert_int_equal(a->hello.port, b->hello.port);
		break;
	case GOSSIP_MSG_PING:
		assert_int_equal(a->probe.probe_id, b->probe.probe_id);
		break;
	case GOSSIP_MSG_ACK:
	case GOSSIP_MSG_PING_REQ:
		assert_int_equal(a->probe.probe_id, b->probe.probe_id);
		assert_string_equal(a->probe.target, b->probe.target);
		break;
	case GOSSIP_MSG_RECORDS:
		assert_int_equal(a->records.count, b->records.count);
		for (unsigned i = 0; i < a->records.count; i++) {
			bytes_equal(&a->records.rec[i], &b->records.rec[i]);
		}
		break;
	case GOSSIP_MSG_DIGEST:
	case GOSSIP_MSG_PULL:
		assert_int_equal(a->seqs.count, b->seqs.count);
		for (unsigned i = 0; i < a->seqs.count; i++) {
			assert_string_equal(a->seqs.e[i].origin,
					    b->seqs.e[i].origin);
			assert_true(a->seqs.e[i].origin_seq ==
				    b->seqs.e[i].origin_seq);
		}
		break;
	case GOSSIP_MSG_MEMBERS:
		assert_int_equal(a->members.count, b->members.count);
		for (unsigned i = 0; i < a->members.count; i++) {
			const struct gossip_wire_member *x = &a->members.m[i];
			const struct gossip_wire_member *y = &b->members.m[i];

			assert_string_equal(x->name, y->name);
			assert_int_equal(x->addr, y->addr);
			assert_int_equal(x->port, y->port);
			assert_true(x->incarnation == y->incarnation);
			assert_int_equal(x->state, y->state);
			bytes_equal(&x->cert, &y->cert);
		}
		break;
	case GOSSIP_MSG_QUERY:
		assert_true(a->query.query_id == b->query.query_id);
		assert_string_equal(a->query.origin, b->query.origin);
		assert_int_equal(a->query.budget_ms, b->query.budget_ms);
		assert_int_equal(a->query.vn, b->query.vn);
		assert_memory_equal(a->query.mac.b, b->query.mac.b, 6);
		break;
	case GOSSIP_MSG_ANSWER:
		assert_true(a->answer.query_id == b->answer.query_id);
		assert_string_equal(a->answer.origin, b->answer.origin);
		assert_string_equal(a->answer.router, b->answer.router);
		assert_int_equal(a->answer.vn, b->answer.vn);
		assert_memory_equal(a->answer.mac.b, b->answer.mac.b, 6);
		assert_int_equal(a->answer.count, b->answer.count);
		for (unsigned i = 0; i < a->answer.count; i++) {
			assert_int_equal(a->answer.a[i].ip, b->answer.a[i].ip);
			assert_true(a->answer.a[i].last_seen_ms ==
				    b->answer.a[i].last_seen_ms);
		}
		break;
	case GOSSIP_MSG_NEIGHBOR:
		assert_int_equal(a->neighbor.op, b->neighbor.op);
		break;
	case GOSSIP_MSG_DIRECT:
		assert_string_equal(a->direct.from, b->direct.from);
		assert_string_equal(a->direct.to, b->direct.to);
		assert_int_equal(a->direct.hops, b->direct.hops);
		bytes_equal(&a->direct.payload, &b->direct.payload);
		break;
	default:
		fail_msg("unexpected type %u", a->type);
	}
}

static size_t encode_ok(struct fx *f)
{
	size_t len = 0;

	assert_int_equal(
		gossip_wire_encode(f->buf, sizeof(f->buf), &len, &f->m), 0);
	assert_true(len > 0 && len <= gossip_wire_max_size(f->m.type));
	return len;
}

/* Every type at its limits: the encoding is exactly the documented
 * maximum, decodes to the same fields, and re-encodes to the same bytes. */
static void test_roundtrip_large(void **state)
{
	struct fx *f = *state;

	for (size_t t = 0; t < NTYPES; t++) {
		size_t len, len2;

		msg_fill(f, all_types[t], true);
		len = encode_ok(f);
		assert_int_equal(len, gossip_wire_max_size(all_types[t]));
		assert_int_equal(gossip_wire_decode(f->buf, len, &f->d), 0);
		msg_equal(&f->m, &f->d);
		assert_int_equal(gossip_wire_encode(f->buf2, sizeof(f->buf2),
						    &len2, &f->d),
				 0);
		assert_int_equal(len2, len);
		assert_memory_equal(f->buf, f->buf2, len);
	}
	assert_int_equal(GOSSIP_WIRE_MSG_MAX, 55590);
	assert_int_equal(GOSSIP_CERT_MAX, 817);
}

/* Small messages, zero counts, a decoded record that decodes as a record. */
static void test_roundtrip_small(void **state)
{
	struct fx *f = *state;
	struct gossip_record r;

	for (size_t t = 0; t < NTYPES; t++) {
		size_t len;

		msg_fill(f, all_types[t], false);
		len = encode_ok(f);
		assert_int_equal(gossip_wire_decode(f->buf, len, &f->d), 0);
		msg_equal(&f->m, &f->d);
	}
	msg_fill(f, GOSSIP_MSG_RECORDS, false);
	assert_int_equal(gossip_wire_decode(f->buf, encode_ok(f), &f->d), 0);
	/* the decoded record points into the frame and is the signed bytes */
	assert_true(f->d.records.rec[1].p >= f->buf &&
		    f->d.records.rec[1].p < f->buf + sizeof(f->buf));
	assert_int_equal(gossip_record_decode(f->d.records.rec[1].p,
					      f->d.records.rec[1].len, &r),
			 0);
	assert_true(r.origin_seq == 1);

	/* zero counts */
	msg_fill(f, GOSSIP_MSG_DIGEST, false);
	f->m.seqs.count = 0;
	assert_int_equal(gossip_wire_decode(f->buf, encode_ok(f), &f->d), 0);
	assert_int_equal(f->d.seqs.count, 0);
	msg_fill(f, GOSSIP_MSG_ANSWER, false);
	f->m.answer.count = 0;
	assert_int_equal(gossip_wire_decode(f->buf, encode_ok(f), &f->d), 0);
	assert_int_equal(f->d.answer.count, 0);
	msg_fill(f, GOSSIP_MSG_MEMBERS, false);
	f->m.members.count = 0;
	assert_int_equal(gossip_wire_decode(f->buf, encode_ok(f), &f->d), 0);
	assert_int_equal(f->d.members.count, 0);
	msg_fill(f, GOSSIP_MSG_RECORDS, false);
	f->m.records.count = 0;
	assert_int_equal(gossip_wire_decode(f->buf, encode_ok(f), &f->d), 0);
	assert_int_equal(f->d.records.count, 0);
}

/* The exact bytes of a PING: the layout of the doc, big-endian. */
static void test_layout(void **state)
{
	struct fx *f = *state;
	static const uint8_t want[] = {1,   2,	  0,	3,    'v', 'r',
				       'A', 0x12, 0x34, 0x56, 0x78};
	static const uint8_t hello_tail[] = {
		0,    0,    0,	  0,	0, 0, 0, 9, /* incarnation */
		0xc0, 0x00, 0x02, 0x01, /* address */
		0x15, 0xb3, /* port 5555 */
	};
	size_t len;

	msg_fill(f, GOSSIP_MSG_PING, false);
	f->m.probe.probe_id = 0x12345678;
	len = encode_ok(f);
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(f->buf, want, sizeof(want));

	msg_fill(f, GOSSIP_MSG_HELLO, false);
	f->m.hello.cert.len = 3;
	f->m.hello.incarnation = 9;
	f->m.hello.port = 5555;
	len = encode_ok(f);
	assert_int_equal(len, 7 + 2 + 3 + sizeof(hello_tail));
	assert_int_equal(f->buf[1], GOSSIP_MSG_HELLO);
	assert_int_equal(f->buf[7], 0);
	assert_int_equal(f->buf[8], 3);
	assert_memory_equal(f->buf + 9, f->certs[0], 3);
	assert_memory_equal(f->buf + 12, hello_tail, sizeof(hello_tail));
}

/* Cut a valid encoding at every length: -EBADMSG, never a crash (ASan
 * watches the reads), and one byte more is -EBADMSG too. */
static void test_truncation_trailing(void **state)
{
	struct fx *f = *state;

	for (size_t t = 0; t < NTYPES; t++) {
		size_t len;

		msg_fill(f, all_types[t], false);
		len = encode_ok(f);
		for (size_t cut = 0; cut < len; cut++) {
			uint8_t *copy = malloc(cut ? cut : 1);

			assert_non_null(copy);
			memcpy(copy, f->buf, cut);
			assert_int_equal(gossip_wire_decode(copy, cut, &f->d),
					 -EBADMSG);
			free(copy);
		}
		f->buf[len] = 0;
		assert_int_equal(gossip_wire_decode(f->buf, len + 1, &f->d),
				 -EBADMSG);
	}
}

/* Large messages: cut at a spread of lengths, near both ends and inside. */
static void test_truncation_large(void **state)
{
	struct fx *f = *state;

	for (size_t t = 0; t < NTYPES; t++) {
		size_t len;

		msg_fill(f, all_types[t], true);
		len = encode_ok(f);
		for (size_t cut = 0; cut < len; cut += cut < 300 ? 1 : 97) {
			assert_int_equal(gossip_wire_decode(f->buf, cut, &f->d),
					 -EBADMSG);
		}
		for (size_t cut = len > 300 ? len - 300 : 0; cut < len; cut++) {
			assert_int_equal(gossip_wire_decode(f->buf, cut, &f->d),
					 -EBADMSG);
		}
		f->buf[len] = 0xff;
		assert_int_equal(gossip_wire_decode(f->buf, len + 1, &f->d),
				 -EBADMSG);
	}
}

static void test_bad_version_type(void **state)
{
	struct fx *f = *state;
	static const uint8_t types[] = {0, GOSSIP_MSG_TYPE_MAX + 1, 0x80, 0xff};
	size_t len;

	msg_fill(f, GOSSIP_MSG_PING, false);
	len = encode_ok(f);
	assert_int_equal(gossip_wire_decode(f->buf, len, &f->d), 0);
	f->buf[0] = 0;
	assert_int_equal(gossip_wire_decode(f->buf, len, &f->d), -EBADMSG);
	f->buf[0] = 2;
	assert_int_equal(gossip_wire_decode(f->buf, len, &f->d), -EBADMSG);
	f->buf[0] = GOSSIP_WIRE_VERSION;
	for (size_t i = 0; i < sizeof(types); i++) {
		f->buf[1] = types[i];
		assert_int_equal(gossip_wire_decode(f->buf, len, &f->d),
				 -EBADMSG);
		f->m.type = types[i];
		assert_int_equal(gossip_wire_encode(f->buf2, sizeof(f->buf2),
						    &len, &f->m),
				 -EINVAL);
	}
	assert_int_equal(gossip_wire_max_size(0), 0);
	assert_int_equal(gossip_wire_max_size(GOSSIP_MSG_TYPE_MAX + 1), 0);
	assert_string_equal(gossip_wire_type_name(GOSSIP_MSG_PING_REQ),
			    "ping-req");
	assert_string_equal(gossip_wire_type_name(0), "unknown");
	assert_string_equal(gossip_wire_type_name(GOSSIP_MSG_DIRECT), "direct");
	assert_string_equal(gossip_wire_type_name(13), "unknown");
}

/* A PING from a hand-made sender name of n bytes. */
static int ping_with_name(const char *name, size_t n)
{
	uint8_t b[64];
	struct gossip_wire_msg m;
	size_t len = 0;

	b[len++] = GOSSIP_WIRE_VERSION;
	b[len++] = GOSSIP_MSG_PING;
	b[len++] = (uint8_t)(n >> 8);
	b[len++] = (uint8_t)n;
	memcpy(b + len, name, n);
	len += n;
	memset(b + len, 0, 4);
	len += 4;
	return gossip_wire_decode(b, len, &m);
}

static void test_names(void **state)
{
	struct fx *f = *state;
	size_t len;

	assert_int_equal(ping_with_name("vrA", 3), 0);
	assert_int_equal(ping_with_name(NAME32, 32), 0);
	assert_int_equal(ping_with_name("", 0), -EBADMSG);
	assert_int_equal(ping_with_name(NAME32 "x", 33), -EBADMSG);
	assert_int_equal(ping_with_name("vr/A", 4), -EBADMSG);
	assert_int_equal(ping_with_name("vr A", 4), -EBADMSG);
	assert_int_equal(ping_with_name("vr\0A", 4), -EBADMSG);
	assert_int_equal(ping_with_name("vr\xc3\xa9", 4), -EBADMSG);

	/* a bad name inside a body: PING_REQ target, DIGEST origin, member */
	msg_fill(f, GOSSIP_MSG_PING_REQ, false);
	len = encode_ok(f);
	f->buf[len - 1] = '*';
	assert_int_equal(gossip_wire_decode(f->buf, len, &f->d), -EBADMSG);
	name_set(f->m.probe.target, "a b");
	assert_int_equal(
		gossip_wire_encode(f->buf, sizeof(f->buf), &len, &f->m),
		-EINVAL);

	msg_fill(f, GOSSIP_MSG_DIGEST, false);
	len = encode_ok(f);
	f->buf[7 + 2 + 2] = ':'; /* header 7, count 2, name length 2 */
	assert_int_equal(gossip_wire_decode(f->buf, len, &f->d), -EBADMSG);
	name_set(f->m.seqs.e[2].origin, "");
	assert_int_equal(
		gossip_wire_encode(f->buf, sizeof(f->buf), &len, &f->m),
		-EINVAL);

	msg_fill(f, GOSSIP_MSG_MEMBERS, false);
	memset(f->m.members.m[0].name, 'x', sizeof(f->m.members.m[0].name));
	assert_int_equal(
		gossip_wire_encode(f->buf, sizeof(f->buf), &len, &f->m),
		-EINVAL);

	msg_fill(f, GOSSIP_MSG_PING, false);
	name_set(f->m.sender, "-bad name-");
	assert_int_equal(
		gossip_wire_encode(f->buf, sizeof(f->buf), &len, &f->m),
		-EINVAL);
}

/* Overwrites the u16 at off. */
static void put16(uint8_t *p, size_t off, unsigned v)
{
	p[off] = (uint8_t)(v >> 8);
	p[off + 1] = (uint8_t)v;
}

/* Counts over the maxima are refused by both sides, without reading. */
static void test_counts(void **state)
{
	struct fx *f = *state;
	static const struct {
		uint8_t type;
		unsigned max;
	} lim[] = {
		{GOSSIP_MSG_RECORDS, GOSSIP_WIRE_RECORDS_MAX},
		{GOSSIP_MSG_DIGEST, GOSSIP_WIRE_DIGEST_MAX},
		{GOSSIP_MSG_PULL, GOSSIP_WIRE_DIGEST_MAX},
		{GOSSIP_MSG_MEMBERS, GOSSIP_WIRE_MEMBERS_MAX},
	};
	size_t len;

	for (size_t i = 0; i < sizeof(lim) / sizeof(lim[0]); i++) {
		msg_fill(f, lim[i].type, false);
		len = encode_ok(f);
		put16(f->buf, 7, lim[i].max + 1); /* count after the header */
		assert_int_equal(gossip_wire_decode(f->buf, len, &f->d),
				 -EBADMSG);
		put16(f->buf, 7, 0xffff);
		assert_int_equal(gossip_wire_decode(f->buf, len, &f->d),
				 -EBADMSG);
	}
	msg_fill(f, GOSSIP_MSG_RECORDS, false);
	f->m.records.count = GOSSIP_WIRE_RECORDS_MAX + 1;
	assert_int_equal(
		gossip_wire_encode(f->buf, sizeof(f->buf), &len, &f->m),
		-EINVAL);
	msg_fill(f, GOSSIP_MSG_PULL, false);
	f->m.seqs.count = GOSSIP_WIRE_DIGEST_MAX + 1;
	assert_int_equal(
		gossip_wire_encode(f->buf, sizeof(f->buf), &len, &f->m),
		-EINVAL);
	msg_fill(f, GOSSIP_MSG_MEMBERS, false);
	f->m.members.count = GOSSIP_WIRE_MEMBERS_MAX + 1;
	assert_int_equal(
		gossip_wire_encode(f->buf, sizeof(f->buf), &len, &f->m),
		-EINVAL);
	msg_fill(f, GOSSIP_MSG_ANSWER, false);
	f->m.answer.count = GOSSIP_WIRE_ANSWERS_MAX + 1;
	assert_int_equal(
		gossip_wire_encode(f->buf, sizeof(f->buf), &len, &f->m),
		-EINVAL);
	f->m.answer.count = 2;
	len = encode_ok(f);
	/* id 8, origin 2 + 3, vn 4, mac 6, has_router 1, router 2 + 3 */
	put16(f->buf, 7 + 29, GOSSIP_WIRE_ANSWERS_MAX + 1);
	assert_int_equal(gossip_wire_decode(f->buf, len, &f->d), -EBADMSG);
}

/* The view and direct messages, and answers without a router. */
static void test_neighbor_direct(void **state)
{
	struct fx *f = *state;
	size_t len;

	msg_fill(f, GOSSIP_MSG_NEIGHBOR, false);
	len = encode_ok(f);
	assert_int_equal(len, 7 + 1);
	f->buf[7] = 0; /* op 0 */
	assert_int_equal(gossip_wire_decode(f->buf, len, &f->d), -EBADMSG);
	/* the tree's ops (Plumtree) are the last ones */
	f->buf[7] = GOSSIP_WIRE_PRUNE;
	assert_int_equal(gossip_wire_decode(f->buf, len, &f->d), 0);
	assert_int_equal(f->d.neighbor.op, GOSSIP_WIRE_PRUNE);
	f->buf[7] = GOSSIP_WIRE_GRAFT;
	assert_int_equal(gossip_wire_decode(f->buf, len, &f->d), 0);
	assert_int_equal(f->d.neighbor.op, GOSSIP_WIRE_GRAFT);
	f->buf[7] = GOSSIP_WIRE_GRAFT + 1;
	assert_int_equal(gossip_wire_decode(f->buf, len, &f->d), -EBADMSG);
	f->m.neighbor.op = GOSSIP_WIRE_GRAFT + 1;
	assert_int_equal(
		gossip_wire_encode(f->buf, sizeof(f->buf), &len, &f->m),
		-EINVAL);

	msg_fill(f, GOSSIP_MSG_DIRECT, false);
	len = encode_ok(f);
	/* from 2 + 3, to 2 + 3, hops 1, length 2, payload 1 */
	assert_int_equal(len, 7 + 14);
	f->buf[7 + 10] = 2; /* hops 2: relayed twice */
	assert_int_equal(gossip_wire_decode(f->buf, len, &f->d), -EBADMSG);
	f->m.direct.hops = 2;
	assert_int_equal(
		gossip_wire_encode(f->buf, sizeof(f->buf), &len, &f->m),
		-EINVAL);
	f->m.direct.hops = 0;
	f->m.direct.payload.len = 0;
	assert_int_equal(
		gossip_wire_encode(f->buf, sizeof(f->buf), &len, &f->m),
		-EINVAL);
	f->m.direct.payload.len = GOSSIP_WIRE_DIRECT_MAX + 1;
	assert_int_equal(
		gossip_wire_encode(f->buf, sizeof(f->buf), &len, &f->m),
		-EINVAL);
	f->m.direct.payload.len = 1;
	len = encode_ok(f);
	put16(f->buf, 7 + 11, 0); /* payload length 0 */
	assert_int_equal(gossip_wire_decode(f->buf, len - 1, &f->d), -EBADMSG);

	/* "nobody": no router, no entries */
	msg_fill(f, GOSSIP_MSG_ANSWER, false);
	f->m.answer.router[0] = '\0';
	assert_int_equal(
		gossip_wire_encode(f->buf, sizeof(f->buf), &len, &f->m),
		-EINVAL);
	f->m.answer.count = 0;
	len = encode_ok(f);
	assert_int_equal(gossip_wire_decode(f->buf, len, &f->d), 0);
	assert_string_equal(f->d.answer.router, "");
	assert_int_equal(f->d.answer.count, 0);
	/* has_router 2 */
	f->buf[7 + 23] = 2;
	assert_int_equal(gossip_wire_decode(f->buf, len, &f->d), -EBADMSG);
	/* a QUERY without an origin */
	msg_fill(f, GOSSIP_MSG_QUERY, false);
	f->m.query.origin[0] = '\0';
	assert_int_equal(
		gossip_wire_encode(f->buf, sizeof(f->buf), &len, &f->m),
		-EINVAL);
}

/* Fields out of range: cert lengths, port 0, member state, bad records. */
static void test_ranges(void **state)
{
	struct fx *f = *state;
	size_t len, off;

	msg_fill(f, GOSSIP_MSG_HELLO, false);
	len = encode_ok(f);
	put16(f->buf, 7, 0); /* cert length 0 */
	assert_int_equal(gossip_wire_decode(f->buf, len, &f->d), -EBADMSG);
	f->m.hello.cert.len = 0;
	assert_int_equal(
		gossip_wire_encode(f->buf, sizeof(f->buf), &len, &f->m),
		-EINVAL);
	f->m.hello.cert.len = GOSSIP_CERT_MAX + 1;
	assert_int_equal(
		gossip_wire_encode(f->buf, sizeof(f->buf), &len, &f->m),
		-EINVAL);
	/* a 737-byte cert by hand: length field and bytes consistent */
	f->m.hello.cert.len = GOSSIP_CERT_MAX;
	len = encode_ok(f);
	memmove(f->buf + 9 + GOSSIP_CERT_MAX + 1, f->buf + 9 + GOSSIP_CERT_MAX,
		14);
	put16(f->buf, 7, GOSSIP_CERT_MAX + 1);
	assert_int_equal(gossip_wire_decode(f->buf, len + 1, &f->d), -EBADMSG);

	msg_fill(f, GOSSIP_MSG_HELLO, false);
	len = encode_ok(f);
	f->buf[len - 1] = 0; /* port 0 */
	f->buf[len - 2] = 0;
	assert_int_equal(gossip_wire_decode(f->buf, len, &f->d), -EBADMSG);
	f->m.hello.port = 0;
	assert_int_equal(
		gossip_wire_encode(f->buf, sizeof(f->buf), &len, &f->m),
		-EINVAL);

	/* member 0: name 2+3, addr 4, port 2, incarnation 8, state 1 */
	msg_fill(f, GOSSIP_MSG_MEMBERS, false);
	len = encode_ok(f);
	off = 7 + 2 + 5 + 4 + 2 + 8;
	assert_int_equal(f->buf[off], GOSSIP_WIRE_ALIVE);
	f->buf[off] = 0;
	assert_int_equal(gossip_wire_decode(f->buf, len, &f->d), -EBADMSG);
	f->buf[off] = GOSSIP_WIRE_DEAD + 1;
	assert_int_equal(gossip_wire_decode(f->buf, len, &f->d), -EBADMSG);
	f->buf[off] = GOSSIP_WIRE_DEAD;
	assert_int_equal(gossip_wire_decode(f->buf, len, &f->d), 0);
	put16(f->buf, off - 8 - 2, 0); /* port 0 */
	assert_int_equal(gossip_wire_decode(f->buf, len, &f->d), -EBADMSG);
	f->m.members.m[1].state = 0;
	assert_int_equal(
		gossip_wire_encode(f->buf, sizeof(f->buf), &len, &f->m),
		-EINVAL);
	f->m.members.m[1].state = GOSSIP_WIRE_SUSPECT;
	f->m.members.m[2].cert.len = 0;
	assert_int_equal(
		gossip_wire_encode(f->buf, sizeof(f->buf), &len, &f->m),
		-EINVAL);

	/* a RECORDS entry that is not a record: bad type inside */
	msg_fill(f, GOSSIP_MSG_RECORDS, false);
	len = encode_ok(f);
	assert_int_equal(f->buf[7 + 2 + 2 + 1], GOSSIP_RECORD_NETWORK);
	f->buf[7 + 2 + 2 + 1] = 9;
	assert_int_equal(gossip_wire_decode(f->buf, len, &f->d), -EBADMSG);
	f->recs[0][1] = 9;
	assert_int_equal(
		gossip_wire_encode(f->buf, sizeof(f->buf), &len, &f->m),
		-EINVAL);
	/* a record's length prefix one short: the record is truncated */
	msg_fill(f, GOSSIP_MSG_RECORDS, false);
	len = encode_ok(f);
	put16(f->buf, 7 + 2, f->reclen[0] - 1);
	assert_int_equal(gossip_wire_decode(f->buf, len, &f->d), -EBADMSG);
}

/* Every buffer shorter than the encoding: -EMSGSIZE, no write past cap. */
static void test_msgsize(void **state)
{
	struct fx *f = *state;

	for (size_t t = 0; t < NTYPES; t++) {
		for (int large = 0; large < 2; large++) {
			size_t len, got = 0;
			uint8_t *small;

			msg_fill(f, all_types[t], large);
			len = encode_ok(f);
			for (size_t cap = 0; cap < len;
			     cap += large && cap > 200 ? 61 : 1) {
				small = malloc(cap ? cap : 1);
				assert_non_null(small);
				assert_int_equal(gossip_wire_encode(small, cap,
								    &got,
								    &f->m),
						 -EMSGSIZE);
				free(small);
			}
			small = malloc(len);
			assert_non_null(small);
			assert_int_equal(
				gossip_wire_encode(small, len, &got, &f->m), 0);
			assert_int_equal(got, len);
			free(small);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_roundtrip_large, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_roundtrip_small, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncation_trailing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_truncation_large, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_version_type, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ranges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_neighbor_direct, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_msgsize, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
