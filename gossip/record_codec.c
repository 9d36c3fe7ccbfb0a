/*
 * The signed record's binary encoding (gossip/record.h): pure, no
 * libsodium, no I/O, so the wire fuzzer links it alone.
 */
#include "gossip/record.h"

#include <errno.h>
#include <string.h>

#include "gossip/wire_buf.h"

static bool type_valid(uint8_t type)
{
	return type == GOSSIP_RECORD_NETWORK || type == GOSSIP_RECORD_HOST ||
	       type == GOSSIP_RECORD_WITHDRAW;
}

static bool prefix_valid(const struct vrd_prefix *p)
{
	return p->len <= 32 && (p->addr & ~vrd_prefix_mask(p->len)) == 0;
}

static bool mac_valid(const struct vrd_mac *mac)
{
	return !vrd_mac_is_zero(mac) && !vrd_mac_is_multicast(mac);
}

bool gossip_record_valid(const struct gossip_record *r)
{
	if (!type_valid(r->type) || !name_ok(r->origin) ||
	    !prefix_valid(&r->prefix)) {
		return false;
	}
	if (r->type == GOSSIP_RECORD_HOST) {
		return r->prefix.len == 32 && mac_valid(&r->mac);
	}
	return vrd_mac_is_zero(&r->mac) && r->mobility_seq == 0;
}

int gossip_record_encode_tbs(uint8_t *out, size_t cap, size_t *len,
			     const struct gossip_record *r)
{
	struct wbuf w = {.p = out, .cap = cap};
	size_t namelen;

	if (!gossip_record_valid(r)) {
		return -EINVAL;
	}
	namelen = strlen(r->origin);
	wbuf_u8(&w, GOSSIP_RECORD_VERSION);
	wbuf_u8(&w, r->type);
	wbuf_u8(&w, (uint8_t)namelen);
	wbuf_put(&w, r->origin, namelen);
	wbuf_u64(&w, r->origin_seq);
	wbuf_u64(&w, r->time_ms);
	wbuf_u32(&w, r->vn);
	wbuf_u32(&w, r->prefix.addr);
	wbuf_u8(&w, r->prefix.len);
	if (r->type == GOSSIP_RECORD_HOST) {
		wbuf_put(&w, r->mac.b, sizeof(r->mac.b));
		wbuf_u64(&w, r->mobility_seq);
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
	struct rbuf rd = {.p = p, .len = len};
	struct gossip_record r;
	const uint8_t *b;

	memset(&r, 0, sizeof(r));
	if (rbuf_u8(&rd) != GOSSIP_RECORD_VERSION) {
		return -EBADMSG;
	}
	r.type = rbuf_u8(&rd);
	if (!type_valid(r.type) || !rbuf_name(&rd, rbuf_u8(&rd), r.origin)) {
		return -EBADMSG;
	}
	r.origin_seq = rbuf_u64(&rd);
	r.time_ms = rbuf_u64(&rd);
	r.vn = rbuf_u32(&rd);
	r.prefix.addr = rbuf_u32(&rd);
	r.prefix.len = rbuf_u8(&rd);
	if (r.type == GOSSIP_RECORD_HOST) {
		b = rbuf_get(&rd, sizeof(r.mac.b));
		if (b) {
			memcpy(r.mac.b, b, sizeof(r.mac.b));
		}
		r.mobility_seq = rbuf_u64(&rd);
	}
	b = rbuf_get(&rd, sizeof(r.sig));
	if (b) {
		memcpy(r.sig, b, sizeof(r.sig));
	}
	if (rd.short_read || rd.off != rd.len || !gossip_record_valid(&r)) {
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
