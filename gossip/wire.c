/*
 * The gossip message codec (gossip/wire.h): pure, no zmq, no libsodium,
 * no I/O. Each message type has a field check (shared by encode, which
 * refuses what decode would refuse), an encoder and a decoder.
 */
#include "gossip/wire.h"

#include <errno.h>
#include <string.h>

#include "gossip/wire_name.h"

/* ---- field checks ---------------------------------------------------- */

static bool cert_len_ok(size_t len)
{
	return len >= 1 && len <= GOSSIP_CERT_MAX;
}

static bool state_ok(uint8_t state)
{
	return state >= GOSSIP_WIRE_ALIVE && state <= GOSSIP_WIRE_DEAD;
}

static bool record_ok(const struct gossip_wire_bytes *b)
{
	struct gossip_record r;

	return b->len <= GOSSIP_RECORD_ENCODED_MAX &&
	       gossip_record_decode(b->p, b->len, &r) == 0;
}

static bool member_ok(const struct gossip_wire_member *m)
{
	return name_ok(m->name) && m->port != 0 && state_ok(m->state) &&
	       cert_len_ok(m->cert.len);
}

static bool body_ok(const struct gossip_wire_msg *m)
{
	switch (m->type) {
	case GOSSIP_MSG_HELLO:
		return cert_len_ok(m->hello.cert.len) && m->hello.port != 0;
	case GOSSIP_MSG_PING:
		return true;
	case GOSSIP_MSG_QUERY:
		return name_ok(m->query.origin);
	case GOSSIP_MSG_ACK:
	case GOSSIP_MSG_PING_REQ:
		return name_ok(m->probe.target);
	case GOSSIP_MSG_RECORDS:
		if (m->records.count > GOSSIP_WIRE_RECORDS_MAX) {
			return false;
		}
		for (unsigned i = 0; i < m->records.count; i++) {
			if (!record_ok(&m->records.rec[i])) {
				return false;
			}
		}
		return true;
	case GOSSIP_MSG_DIGEST:
	case GOSSIP_MSG_PULL:
		if (m->seqs.count > GOSSIP_WIRE_DIGEST_MAX) {
			return false;
		}
		for (unsigned i = 0; i < m->seqs.count; i++) {
			if (!name_ok(m->seqs.e[i].origin)) {
				return false;
			}
		}
		return true;
	case GOSSIP_MSG_MEMBERS:
		if (m->members.count > GOSSIP_WIRE_MEMBERS_MAX) {
			return false;
		}
		for (unsigned i = 0; i < m->members.count; i++) {
			if (!member_ok(&m->members.m[i])) {
				return false;
			}
		}
		return true;
	case GOSSIP_MSG_ANSWER:
		return m->answer.count <= GOSSIP_WIRE_ANSWERS_MAX &&
		       name_ok(m->answer.origin) &&
		       (m->answer.router[0] ? name_ok(m->answer.router)
					    : m->answer.count == 0);
	case GOSSIP_MSG_NEIGHBOR:
		return m->neighbor.op >= GOSSIP_WIRE_JOIN &&
		       m->neighbor.op <= GOSSIP_WIRE_GRAFT;
	case GOSSIP_MSG_DIRECT:
		return name_ok(m->direct.from) && name_ok(m->direct.to) &&
		       m->direct.hops <= 1 && m->direct.payload.len >= 1 &&
		       m->direct.payload.len <= GOSSIP_WIRE_DIRECT_MAX;
	default:
		return false;
	}
}

/* ---- encode ------------------------------------------------------------ */

static void put_name(struct vrd_writer *w, const char *name)
{
	size_t n = strlen(name);

	vrd_writer_u16(w, (uint16_t)n);
	vrd_writer_put(w, name, n);
}

static void put_bytes(struct vrd_writer *w, const struct gossip_wire_bytes *b)
{
	vrd_writer_u16(w, (uint16_t)b->len);
	vrd_writer_put(w, b->p, b->len);
}

static void put_member(struct vrd_writer *w, const struct gossip_wire_member *m)
{
	put_name(w, m->name);
	vrd_writer_u32(w, m->addr);
	vrd_writer_u16(w, m->port);
	vrd_writer_u64(w, m->incarnation);
	vrd_writer_u8(w, m->state);
	put_bytes(w, &m->cert);
}

static void put_query(struct vrd_writer *w, uint64_t id, const char *origin,
		      const uint16_t *budget, uint32_t vn,
		      const struct vrd_mac *mac)
{
	vrd_writer_u64(w, id);
	put_name(w, origin);
	if (budget) {
		vrd_writer_u16(w, *budget);
	}
	vrd_writer_u32(w, vn);
	vrd_writer_put(w, mac->b, sizeof(mac->b));
}

static void put_body(struct vrd_writer *w, const struct gossip_wire_msg *m)
{
	switch (m->type) {
	case GOSSIP_MSG_HELLO:
		put_bytes(w, &m->hello.cert);
		vrd_writer_u64(w, m->hello.incarnation);
		vrd_writer_u32(w, m->hello.addr);
		vrd_writer_u16(w, m->hello.port);
		break;
	case GOSSIP_MSG_PING:
		vrd_writer_u32(w, m->probe.probe_id);
		break;
	case GOSSIP_MSG_ACK:
	case GOSSIP_MSG_PING_REQ:
		vrd_writer_u32(w, m->probe.probe_id);
		put_name(w, m->probe.target);
		break;
	case GOSSIP_MSG_RECORDS:
		vrd_writer_u16(w, (uint16_t)m->records.count);
		for (unsigned i = 0; i < m->records.count; i++) {
			put_bytes(w, &m->records.rec[i]);
		}
		break;
	case GOSSIP_MSG_DIGEST:
	case GOSSIP_MSG_PULL:
		vrd_writer_u16(w, (uint16_t)m->seqs.count);
		for (unsigned i = 0; i < m->seqs.count; i++) {
			put_name(w, m->seqs.e[i].origin);
			vrd_writer_u64(w, m->seqs.e[i].origin_seq);
		}
		break;
	case GOSSIP_MSG_MEMBERS:
		vrd_writer_u16(w, (uint16_t)m->members.count);
		for (unsigned i = 0; i < m->members.count; i++) {
			put_member(w, &m->members.m[i]);
		}
		break;
	case GOSSIP_MSG_QUERY:
		put_query(w, m->query.query_id, m->query.origin,
			  &m->query.budget_ms, m->query.vn, &m->query.mac);
		break;
	case GOSSIP_MSG_ANSWER:
		put_query(w, m->answer.query_id, m->answer.origin, NULL,
			  m->answer.vn, &m->answer.mac);
		vrd_writer_u8(w, m->answer.router[0] ? 1 : 0);
		if (m->answer.router[0]) {
			put_name(w, m->answer.router);
		}
		vrd_writer_u16(w, (uint16_t)m->answer.count);
		for (unsigned i = 0; i < m->answer.count; i++) {
			vrd_writer_u32(w, m->answer.a[i].ip);
			vrd_writer_u64(w, m->answer.a[i].last_seen_ms);
		}
		break;
	case GOSSIP_MSG_NEIGHBOR:
		vrd_writer_u8(w, m->neighbor.op);
		break;
	case GOSSIP_MSG_DIRECT:
		put_name(w, m->direct.from);
		put_name(w, m->direct.to);
		vrd_writer_u8(w, m->direct.hops);
		put_bytes(w, &m->direct.payload);
		break;
	}
}

int gossip_wire_encode(uint8_t *out, size_t cap, size_t *len,
		       const struct gossip_wire_msg *m)
{
	struct vrd_writer w;

	if (!name_ok(m->sender) || !body_ok(m)) {
		return -EINVAL;
	}
	vrd_writer_init(&w, out, cap);
	vrd_writer_u8(&w, GOSSIP_WIRE_VERSION);
	vrd_writer_u8(&w, m->type);
	put_name(&w, m->sender);
	put_body(&w, m);
	if (w.overflow) {
		return -EMSGSIZE;
	}
	*len = w.len;
	return 0;
}

/* ---- decode ------------------------------------------------------------ */

static bool get_name(struct vrd_reader *r, char name[VRD_NAME_MAX + 1])
{
	return name_read(r, vrd_reader_u16(r), name);
}

static void get_bytes(struct vrd_reader *r, struct gossip_wire_bytes *b)
{
	b->len = vrd_reader_u16(r);
	b->p = vrd_reader_get(r, b->len);
	if (!b->p) {
		b->len = 0; /* short: latched in r, and refused by the check */
	}
}

static bool get_query(struct vrd_reader *r, uint64_t *id, char *origin,
		      uint16_t *budget, uint32_t *vn, struct vrd_mac *mac)
{
	*id = vrd_reader_u64(r);
	if (!get_name(r, origin)) {
		return false;
	}
	if (budget) {
		*budget = vrd_reader_u16(r);
	}
	*vn = vrd_reader_u32(r);
	vrd_reader_copy(r, mac->b, sizeof(mac->b));
	return !r->short_read;
}

/* A u16 count, refused above max. */
static bool get_count(struct vrd_reader *r, unsigned *count, unsigned max)
{
	*count = vrd_reader_u16(r);
	return !r->short_read && *count <= max;
}

static bool get_records(struct vrd_reader *r, struct gossip_wire_records *rs)
{
	if (!get_count(r, &rs->count, GOSSIP_WIRE_RECORDS_MAX)) {
		return false;
	}
	for (unsigned i = 0; i < rs->count; i++) {
		get_bytes(r, &rs->rec[i]);
		if (r->short_read || !record_ok(&rs->rec[i])) {
			return false;
		}
	}
	return true;
}

static bool get_seqs(struct vrd_reader *r, struct gossip_wire_seqs *s)
{
	if (!get_count(r, &s->count, GOSSIP_WIRE_DIGEST_MAX)) {
		return false;
	}
	for (unsigned i = 0; i < s->count; i++) {
		if (!get_name(r, s->e[i].origin)) {
			return false;
		}
		s->e[i].origin_seq = vrd_reader_u64(r);
	}
	return true;
}

static bool get_members(struct vrd_reader *r, struct gossip_wire_members *ms)
{
	if (!get_count(r, &ms->count, GOSSIP_WIRE_MEMBERS_MAX)) {
		return false;
	}
	for (unsigned i = 0; i < ms->count; i++) {
		struct gossip_wire_member *m = &ms->m[i];

		if (!get_name(r, m->name)) {
			return false;
		}
		m->addr = vrd_reader_u32(r);
		m->port = vrd_reader_u16(r);
		m->incarnation = vrd_reader_u64(r);
		m->state = vrd_reader_u8(r);
		get_bytes(r, &m->cert);
		if (r->short_read || !member_ok(m)) {
			return false;
		}
	}
	return true;
}

static bool get_answer(struct vrd_reader *r, struct gossip_wire_answer *a)
{
	uint8_t has;

	if (!get_query(r, &a->query_id, a->origin, NULL, &a->vn, &a->mac)) {
		return false;
	}
	has = vrd_reader_u8(r);
	a->router[0] = '\0';
	if (has > 1 || (has && !get_name(r, a->router))) {
		return false;
	}
	if (!get_count(r, &a->count, GOSSIP_WIRE_ANSWERS_MAX)) {
		return false;
	}
	for (unsigned i = 0; i < a->count; i++) {
		a->a[i].ip = vrd_reader_u32(r);
		a->a[i].last_seen_ms = vrd_reader_u64(r);
	}
	return has || a->count == 0;
}

static bool get_direct(struct vrd_reader *r, struct gossip_wire_direct *d)
{
	if (!get_name(r, d->from) || !get_name(r, d->to)) {
		return false;
	}
	d->hops = vrd_reader_u8(r);
	get_bytes(r, &d->payload);
	return !r->short_read && d->hops <= 1 && d->payload.len >= 1 &&
	       d->payload.len <= GOSSIP_WIRE_DIRECT_MAX;
}

static bool get_body(struct vrd_reader *r, struct gossip_wire_msg *m)
{
	switch (m->type) {
	case GOSSIP_MSG_HELLO:
		get_bytes(r, &m->hello.cert);
		m->hello.incarnation = vrd_reader_u64(r);
		m->hello.addr = vrd_reader_u32(r);
		m->hello.port = vrd_reader_u16(r);
		return cert_len_ok(m->hello.cert.len) && m->hello.port != 0;
	case GOSSIP_MSG_PING:
		m->probe.probe_id = vrd_reader_u32(r);
		m->probe.target[0] = '\0';
		return true;
	case GOSSIP_MSG_ACK:
	case GOSSIP_MSG_PING_REQ:
		m->probe.probe_id = vrd_reader_u32(r);
		return get_name(r, m->probe.target);
	case GOSSIP_MSG_RECORDS:
		return get_records(r, &m->records);
	case GOSSIP_MSG_DIGEST:
	case GOSSIP_MSG_PULL:
		return get_seqs(r, &m->seqs);
	case GOSSIP_MSG_MEMBERS:
		return get_members(r, &m->members);
	case GOSSIP_MSG_QUERY:
		return get_query(r, &m->query.query_id, m->query.origin,
				 &m->query.budget_ms, &m->query.vn,
				 &m->query.mac);
	case GOSSIP_MSG_ANSWER:
		return get_answer(r, &m->answer);
	case GOSSIP_MSG_NEIGHBOR:
		m->neighbor.op = vrd_reader_u8(r);
		return m->neighbor.op >= GOSSIP_WIRE_JOIN &&
		       m->neighbor.op <= GOSSIP_WIRE_GRAFT;
	case GOSSIP_MSG_DIRECT:
		return get_direct(r, &m->direct);
	default:
		return false;
	}
}

int gossip_wire_decode(const uint8_t *p, size_t len,
		       struct gossip_wire_msg *out)
{
	struct vrd_reader r;

	vrd_reader_init(&r, p, len);
	if (vrd_reader_u8(&r) != GOSSIP_WIRE_VERSION) {
		return -EBADMSG;
	}
	out->type = vrd_reader_u8(&r);
	if (!get_name(&r, out->sender) || !get_body(&r, out)) {
		return -EBADMSG;
	}
	if (!vrd_reader_done(&r)) {
		return -EBADMSG;
	}
	return 0;
}

/* ---- sizes and names ----------------------------------------------------- */

size_t gossip_wire_max_size(uint8_t type)
{
	switch (type) {
	case GOSSIP_MSG_HELLO:
		return GOSSIP_WIRE_HELLO_MAX;
	case GOSSIP_MSG_PING:
		return GOSSIP_WIRE_PING_MAX;
	case GOSSIP_MSG_ACK:
	case GOSSIP_MSG_PING_REQ:
		return GOSSIP_WIRE_PING_REQ_MAX;
	case GOSSIP_MSG_RECORDS:
		return GOSSIP_WIRE_RECORDS_MSG_MAX;
	case GOSSIP_MSG_DIGEST:
	case GOSSIP_MSG_PULL:
		return GOSSIP_WIRE_DIGEST_MSG_MAX;
	case GOSSIP_MSG_MEMBERS:
		return GOSSIP_WIRE_MEMBERS_MSG_MAX;
	case GOSSIP_MSG_QUERY:
		return GOSSIP_WIRE_QUERY_MAX;
	case GOSSIP_MSG_ANSWER:
		return GOSSIP_WIRE_ANSWER_MAX;
	case GOSSIP_MSG_NEIGHBOR:
		return GOSSIP_WIRE_NEIGHBOR_MAX;
	case GOSSIP_MSG_DIRECT:
		return GOSSIP_WIRE_DIRECT_MSG_MAX;
	default:
		return 0;
	}
}

const char *gossip_wire_type_name(uint8_t type)
{
	static const char *const names[] = {
		[GOSSIP_MSG_HELLO] = "hello",
		[GOSSIP_MSG_PING] = "ping",
		[GOSSIP_MSG_ACK] = "ack",
		[GOSSIP_MSG_PING_REQ] = "ping-req",
		[GOSSIP_MSG_RECORDS] = "records",
		[GOSSIP_MSG_DIGEST] = "digest",
		[GOSSIP_MSG_PULL] = "pull",
		[GOSSIP_MSG_MEMBERS] = "members",
		[GOSSIP_MSG_QUERY] = "query",
		[GOSSIP_MSG_ANSWER] = "answer",
		[GOSSIP_MSG_NEIGHBOR] = "neighbor",
		[GOSSIP_MSG_DIRECT] = "direct",
	};

	if (type == 0 || type > GOSSIP_MSG_TYPE_MAX) {
		return "unknown";
	}
	return names[type];
}
