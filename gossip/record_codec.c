/*
 * The signed record's binary encoding (gossip/record.h): pure, no
 * libsodium, no I/O, so the wire fuzzer links it alone.
 */
#include "gossip/record.h"

#include <errno.h>
#include <string.h>

#include "gossip/wire_name.h"

static bool type_valid(uint8_t type)
{
	return type == GOSSIP_RECORD_NETWORK || type == GOSSIP_RECORD_HOST ||
	       type == GOSSIP_RECORD_WITHDRAW;
}

bool gossip_record_valid(const struct gossip_record *r)
{
	if (!type_valid(r->type) || !name_ok(r->origin) ||
	    !vrd_prefix_valid(&r->prefix)) {
		return false;
	}
	if (r->type == GOSSIP_RECORD_HOST) {
		return r->prefix.len == 32 && vrd_mac_is_unicast(&r->mac);
	}
	return vrd_mac_is_zero(&r->mac) && r->mobility_seq == 0;
}

int gossip_record_encode_tbs(uint8_t *out, size_t cap, size_t *len,
			     const struct gossip_record *r)
{
	struct vrd_writer w;
	size_t namelen;

	if (!gossip_record_valid(r)) {
		return -EINVAL;
	}
	vrd_writer_init(&w, out, cap);
	namelen = strlen(r->origin);
	vrd_writer_u8(&w, GOSSIP_RECORD_VERSION);
	vrd_writer_u8(&w, r->type);
	vrd_writer_u8(&w, (uint8_t)namelen);
	vrd_writer_put(&w, r->origin, namelen);
	vrd_writer_u64(&w, r->origin_seq);
	vrd_writer_u64(&w, r->time_ms);
	vrd_writer_u32(&w, r->vn);
	vrd_writer_u32(&w, r->prefix.addr);
	vrd_writer_u8(&w, r->prefix.len);
	if (r->type == GOSSIP_RECORD_HOST) {
		vrd_writer_put(&w, r->mac.b, sizeof(r->mac.b));
		vrd_writer_u64(&w, r->mobility_seq);
	}
	if (w.overflow) {
		return -EMSGSIZE;
	}
	*len = w.len;
	return 0;
}

int gossip_record_encode(uint8_t *out, size_t cap, size_t *len,
			 const struct gossip_record *r)
{
	size_t n;
	int rc;

	rc = gossip_record_encode_tbs(out, cap, &n, r);
	if (rc < 0) {
		return rc;
	}
	if (cap - n < sizeof(r->sig)) {
		return -EMSGSIZE;
	}
	memcpy(out + n, r->sig, sizeof(r->sig));
	*len = n + sizeof(r->sig);
	return 0;
}

int gossip_record_decode(const uint8_t *p, size_t len,
			 struct gossip_record *out)
{
	struct vrd_reader rd;
	struct gossip_record r;

	vrd_reader_init(&rd, p, len);
	memset(&r, 0, sizeof(r));
	if (vrd_reader_u8(&rd) != GOSSIP_RECORD_VERSION) {
		return -EBADMSG;
	}
	r.type = vrd_reader_u8(&rd);
	if (!type_valid(r.type) ||
	    !name_read(&rd, vrd_reader_u8(&rd), r.origin)) {
		return -EBADMSG;
	}
	r.origin_seq = vrd_reader_u64(&rd);
	r.time_ms = vrd_reader_u64(&rd);
	r.vn = vrd_reader_u32(&rd);
	r.prefix.addr = vrd_reader_u32(&rd);
	r.prefix.len = vrd_reader_u8(&rd);
	if (r.type == GOSSIP_RECORD_HOST) {
		vrd_reader_copy(&rd, r.mac.b, sizeof(r.mac.b));
		r.mobility_seq = vrd_reader_u64(&rd);
	}
	vrd_reader_copy(&rd, r.sig, sizeof(r.sig));
	if (!vrd_reader_done(&rd) || !gossip_record_valid(&r)) {
		return -EBADMSG;
	}
	*out = r;
	return 0;
}

bool gossip_record_newer(const struct gossip_record *have,
			 const struct gossip_record *incoming)
{
	return !have || incoming->origin_seq > have->origin_seq;
}
