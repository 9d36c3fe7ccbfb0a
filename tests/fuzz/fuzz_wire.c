/*
 * libFuzzer harness for the gossip message and record decoders
 * (gossip/wire.c, gossip/record_codec.c, linked alone: no libsodium, no
 * zmq, no I/O). Every input is tried as a message and as a signed record.
 * Beyond "no crash": whatever decodes must encode, to exactly the input
 * (the encodings are canonical, and a relay forwards a record's bytes
 * as the origin signed them), and decode again to the same fields.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gossip/record.h"
#include "gossip/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool bytes_same(const struct gossip_wire_bytes *a,
		       const struct gossip_wire_bytes *b)
{
	return a->len == b->len && memcmp(a->p, b->p, a->len) == 0;
}

static bool member_same(const struct gossip_wire_member *x,
			const struct gossip_wire_member *y)
{
	return strcmp(x->name, y->name) == 0 && x->addr == y->addr &&
	       x->port == y->port && x->incarnation == y->incarnation &&
	       x->state == y->state && bytes_same(&x->cert, &y->cert);
}

static bool body_same(const struct gossip_wire_msg *a,
		      const struct gossip_wire_msg *b)
{
	unsigned i;

	switch (a->type) {
	case GOSSIP_MSG_HELLO:
		return bytes_same(&a->hello.cert, &b->hello.cert) &&
		       a->hello.incarnation == b->hello.incarnation &&
		       a->hello.addr == b->hello.addr &&
		       a->hello.port == b->hello.port;
	case GOSSIP_MSG_PING:
	case GOSSIP_MSG_ACK:
		return a->probe.probe_id == b->probe.probe_id;
	case GOSSIP_MSG_PING_REQ:
		return a->probe.probe_id == b->probe.probe_id &&
		       strcmp(a->probe.target, b->probe.target) == 0;
	case GOSSIP_MSG_RECORDS:
		for (i = 0; i < a->records.count; i++) {
			if (!bytes_same(&a->records.rec[i],
					&b->records.rec[i])) {
				return false;
			}
		}
		return a->records.count == b->records.count;
	case GOSSIP_MSG_DIGEST:
	case GOSSIP_MSG_PULL:
		for (i = 0; i < a->seqs.count; i++) {
			if (strcmp(a->seqs.e[i].origin, b->seqs.e[i].origin) ||
			    a->seqs.e[i].origin_seq !=
				    b->seqs.e[i].origin_seq) {
				return false;
			}
		}
		return a->seqs.count == b->seqs.count;
	case GOSSIP_MSG_MEMBERS:
		for (i = 0; i < a->members.count; i++) {
			if (!member_same(&a->members.m[i], &b->members.m[i])) {
				return false;
			}
		}
		return a->members.count == b->members.count;
	case GOSSIP_MSG_QUERY:
		return a->query.query_id == b->query.query_id &&
		       strcmp(a->query.origin, b->query.origin) == 0 &&
		       a->query.budget_ms == b->query.budget_ms &&
		       a->query.vn == b->query.vn &&
		       vrd_mac_equal(&a->query.mac, &b->query.mac);
	case GOSSIP_MSG_ANSWER:
		for (i = 0; i < a->answer.count; i++) {
			if (a->answer.a[i].ip != b->answer.a[i].ip ||
			    a->answer.a[i].last_seen_ms !=
				    b->answer.a[i].last_seen_ms) {
				return false;
			}
		}
		return a->answer.query_id == b->answer.query_id &&
		       strcmp(a->answer.origin, b->answer.origin) == 0 &&
		       strcmp(a->answer.router, b->answer.router) == 0 &&
		       a->answer.vn == b->answer.vn &&
		       vrd_mac_equal(&a->answer.mac, &b->answer.mac) &&
		       a->answer.count == b->answer.count;
	case GOSSIP_MSG_NEIGHBOR:
		return a->neighbor.op == b->neighbor.op;
	case GOSSIP_MSG_DIRECT:
		return strcmp(a->direct.from, b->direct.from) == 0 &&
		       strcmp(a->direct.to, b->direct.to) == 0 &&
		       a->direct.hops == b->direct.hops &&
		       bytes_same(&a->direct.payload, &b->direct.payload);
	default:
		return false;
	}
}

static bool record_same(const struct gossip_record *a,
			const struct gossip_record *b)
{
	return a->type == b->type && strcmp(a->origin, b->origin) == 0 &&
	       a->origin_seq == b->origin_seq && a->time_ms == b->time_ms &&
	       a->vn == b->vn && a->prefix.addr == b->prefix.addr &&
	       a->prefix.len == b->prefix.len &&
	       vrd_mac_equal(&a->mac, &b->mac) &&
	       a->mobility_seq == b->mobility_seq &&
	       memcmp(a->sig, b->sig, sizeof(a->sig)) == 0;
}

static void fuzz_msg(const uint8_t *data, size_t size)
{
	static struct gossip_wire_msg m, m2;
	static uint8_t buf[GOSSIP_WIRE_MSG_MAX];
	struct gossip_record r;
	size_t n;

	if (gossip_wire_decode(data, size, &m) < 0) {
		return;
	}
	if (size > gossip_wire_max_size(m.type)) {
		abort(); /* longer than the documented maximum */
	}
	if (gossip_wire_encode(buf, sizeof(buf), &n, &m) < 0 || n != size ||
	    memcmp(buf, data, size) != 0) {
		abort(); /* decode accepted what encode cannot reproduce */
	}
	if (gossip_wire_decode(buf, n, &m2) < 0 || m2.type != m.type ||
	    strcmp(m2.sender, m.sender) != 0 || !body_same(&m, &m2)) {
		abort();
	}
	if (m.type == GOSSIP_MSG_RECORDS) {
		for (unsigned i = 0; i < m.records.count; i++) {
			if (gossip_record_decode(m.records.rec[i].p,
						 m.records.rec[i].len,
						 &r) < 0) {
				abort(); /* the codec promised records */
			}
		}
	}
	/* a buffer one byte short never fits */
	if (gossip_wire_encode(buf, n - 1, &n, &m) != -EMSGSIZE) {
		abort();
	}
}

static void fuzz_record(const uint8_t *data, size_t size)
{
	uint8_t buf[GOSSIP_RECORD_ENCODED_MAX];
	struct gossip_record r, r2;
	size_t n, tbs;

	if (gossip_record_decode(data, size, &r) < 0) {
		return;
	}
	if (size < GOSSIP_RECORD_ENCODED_MIN ||
	    size > GOSSIP_RECORD_ENCODED_MAX) {
		abort();
	}
	if (gossip_record_encode(buf, sizeof(buf), &n, &r) < 0 || n != size ||
	    memcmp(buf, data, size) != 0) {
		abort();
	}
	if (gossip_record_decode(buf, n, &r2) < 0 || !record_same(&r, &r2)) {
		abort();
	}
	if (gossip_record_encode_tbs(buf, sizeof(buf), &tbs, &r) < 0 ||
	    tbs + GOSSIP_SIGBYTES != size) {
		abort(); /* the signature covers everything before it */
	}
	(void)gossip_record_newer(&r, &r2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_msg(data, size);
	fuzz_record(data, size);
	return 0;
}
