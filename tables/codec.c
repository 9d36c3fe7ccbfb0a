/* Keys and values of the tables: explicit big-endian layouts (codec.h). */
#include "tables/codec.h"

#include <errno.h>
#include <string.h>

#include "base/bytes.h"

/* A length-prefixed string of at most max bytes. */
static int put_str(struct vrd_writer *w, const char *s, size_t max)
{
	size_t n = strnlen(s, max + 1);

	if (n > max) {
		return -EINVAL;
	}
	vrd_writer_u8(w, (uint8_t)n);
	vrd_writer_put(w, s, n);
	return 0;
}

/* A length-prefixed string of at most max bytes into out (max + 1). */
static bool get_str(struct vrd_reader *r, char *out, size_t max)
{
	size_t n = vrd_reader_u8(r);

	return n <= max && vrd_reader_text(r, n, out);
}

/* ---- keys ----------------------------------------------------------- */

void tables_codec_vn_key(uint8_t out[TABLES_KEY_VN_LEN], uint32_t vn)
{
	vrd_put_be32(out, vn);
}

uint32_t tables_codec_vn_of(const uint8_t *key)
{
	return vrd_get_be32(key);
}

int tables_codec_prefix_key(uint8_t out[TABLES_KEY_PREFIX_LEN], uint32_t vn,
			    const struct vrd_prefix *p)
{
	if (!vrd_prefix_valid(p)) {
		return -EINVAL;
	}
	vrd_put_be32(out, vn);
	vrd_put_be32(out + 4, p->addr);
	out[8] = p->len;
	return 0;
}

int tables_codec_prefix_key_decode(uint32_t *vn, struct vrd_prefix *p,
				   const uint8_t *buf, size_t len)
{
	struct vrd_prefix tmp;

	if (len != TABLES_KEY_PREFIX_LEN) {
		return -EBADMSG;
	}
	tmp.addr = vrd_get_be32(buf + 4);
	tmp.len = buf[8];
	if (!vrd_prefix_valid(&tmp)) {
		return -EBADMSG;
	}
	*vn = vrd_get_be32(buf);
	*p = tmp;
	return 0;
}

void tables_codec_hwdt_key(uint8_t out[TABLES_KEY_HWDT_LEN], uint32_t vn,
			   uint32_t ip)
{
	vrd_put_be32(out, vn);
	vrd_put_be32(out + 4, ip);
}

int tables_codec_hwdt_key_decode(uint32_t *vn, uint32_t *ip, const uint8_t *buf,
				 size_t len)
{
	if (len != TABLES_KEY_HWDT_LEN) {
		return -EBADMSG;
	}
	*vn = vrd_get_be32(buf);
	*ip = vrd_get_be32(buf + 4);
	return 0;
}

void tables_codec_hwmac_key(uint8_t out[TABLES_KEY_HWMAC_LEN], uint32_t vn,
			    const struct vrd_mac *mac, uint32_t ip)
{
	vrd_put_be32(out, vn);
	memcpy(out + 4, mac->b, sizeof(mac->b));
	vrd_put_be32(out + 10, ip);
}

int tables_codec_hwmac_key_decode(uint32_t *vn, struct vrd_mac *mac,
				  uint32_t *ip, const uint8_t *buf, size_t len)
{
	if (len != TABLES_KEY_HWMAC_LEN) {
		return -EBADMSG;
	}
	*vn = vrd_get_be32(buf);
	memcpy(mac->b, buf + 4, sizeof(mac->b));
	*ip = vrd_get_be32(buf + 10);
	return 0;
}

void tables_codec_event_key(uint8_t out[TABLES_KEY_EVENT_LEN], uint64_t id)
{
	vrd_put_be64(out, id);
}

int tables_codec_event_key_decode(uint64_t *id, const uint8_t *buf, size_t len)
{
	if (len != TABLES_KEY_EVENT_LEN) {
		return -EBADMSG;
	}
	*id = vrd_get_be64(buf);
	return 0;
}

void tables_codec_claim_key(uint8_t out[TABLES_KEY_CLAIM_LEN], uint32_t vn,
			    uint32_t ip)
{
	vrd_put_be32(out, vn);
	vrd_put_be32(out + 4, ip);
}

int tables_codec_claim_key_decode(uint32_t *vn, uint32_t *ip,
				  const uint8_t *buf, size_t len)
{
	if (len != TABLES_KEY_CLAIM_LEN) {
		return -EBADMSG;
	}
	*vn = vrd_get_be32(buf);
	*ip = vrd_get_be32(buf + 4);
	return 0;
}

/* ---- values --------------------------------------------------------- */

/* Starts w over out (cap bytes) with the version byte. */
static void value_write(struct vrd_writer *w, uint8_t *out, size_t cap)
{
	vrd_writer_init(w, out, cap);
	vrd_writer_u8(w, TABLES_CODEC_VERSION);
}

/* Starts r over a value: false unless it begins with the version byte. */
static bool value_read(struct vrd_reader *r, const uint8_t *buf, size_t len)
{
	vrd_reader_init(r, buf, len);
	return vrd_reader_u8(r) == TABLES_CODEC_VERSION;
}

size_t tables_codec_lndt_encode(uint8_t out[TABLES_VAL_LNDT_LEN],
				const struct tables_lndt_entry *e)
{
	struct vrd_writer w;

	value_write(&w, out, TABLES_VAL_LNDT_LEN);
	vrd_writer_u8(&w, e->source);
	vrd_writer_u64(&w, e->added_ms);
	return w.len;
}

int tables_codec_lndt_decode(struct tables_lndt_entry *out, const uint8_t *buf,
			     size_t len)
{
	struct tables_lndt_entry e = *out;
	struct vrd_reader r;

	if (!value_read(&r, buf, len)) {
		return -EBADMSG;
	}
	e.source = vrd_reader_u8(&r);
	e.added_ms = vrd_reader_u64(&r);
	if (!vrd_reader_done(&r)) {
		return -EBADMSG;
	}
	*out = e;
	return 0;
}

int tables_codec_gndt_encode(uint8_t out[TABLES_VAL_GNDT_MAX], size_t *len,
			     const struct tables_gndt_entry *e)
{
	struct vrd_writer w;
	int rc;

	value_write(&w, out, TABLES_VAL_GNDT_MAX);
	vrd_writer_u8(&w, e->origin);
	vrd_writer_u64(&w, e->seq);
	vrd_writer_u64(&w, e->created_ms);
	vrd_writer_u64(&w, e->updated_ms);
	rc = put_str(&w, e->router, VRD_NAME_MAX);
	if (rc) {
		return rc;
	}
	*len = w.len;
	return 0;
}

int tables_codec_gndt_decode(struct tables_gndt_entry *out, const uint8_t *buf,
			     size_t len)
{
	struct tables_gndt_entry e = *out;
	struct vrd_reader r;

	if (!value_read(&r, buf, len)) {
		return -EBADMSG;
	}
	e.origin = vrd_reader_u8(&r);
	e.seq = vrd_reader_u64(&r);
	e.created_ms = vrd_reader_u64(&r);
	e.updated_ms = vrd_reader_u64(&r);
	if (!get_str(&r, e.router, VRD_NAME_MAX) || !vrd_reader_done(&r)) {
		return -EBADMSG;
	}
	*out = e;
	return 0;
}

size_t tables_codec_hwdt_encode(uint8_t out[TABLES_VAL_HWDT_LEN],
				const struct tables_hwdt_entry *e)
{
	struct vrd_writer w;

	value_write(&w, out, TABLES_VAL_HWDT_LEN);
	vrd_writer_put(&w, e->mac.b, sizeof(e->mac.b));
	vrd_writer_u8(&w, e->source);
	vrd_writer_u64(&w, e->first_seen_ms);
	vrd_writer_u64(&w, e->last_seen_ms);
	return w.len;
}

int tables_codec_hwdt_decode(struct tables_hwdt_entry *out, const uint8_t *buf,
			     size_t len)
{
	struct tables_hwdt_entry e = *out;
	struct vrd_reader r;

	if (!value_read(&r, buf, len)) {
		return -EBADMSG;
	}
	vrd_reader_copy(&r, e.mac.b, sizeof(e.mac.b));
	e.source = vrd_reader_u8(&r);
	e.first_seen_ms = vrd_reader_u64(&r);
	e.last_seen_ms = vrd_reader_u64(&r);
	if (!vrd_reader_done(&r)) {
		return -EBADMSG;
	}
	*out = e;
	return 0;
}

size_t tables_codec_hwmac_encode(uint8_t out[TABLES_VAL_HWMAC_LEN])
{
	out[0] = TABLES_CODEC_VERSION;
	return TABLES_VAL_HWMAC_LEN;
}

int tables_codec_hwmac_decode(const uint8_t *buf, size_t len)
{
	if (len != TABLES_VAL_HWMAC_LEN || buf[0] != TABLES_CODEC_VERSION) {
		return -EBADMSG;
	}
	return 0;
}

int tables_codec_event_encode(uint8_t out[TABLES_VAL_EVENT_MAX], size_t *len,
			      const struct tables_event *ev)
{
	struct vrd_writer w;

	if (ev->nfields > TABLES_EVENT_FIELDS_MAX) {
		return -ENOSPC;
	}
	if (ev->type[0] == '\0') {
		return -EINVAL;
	}
	value_write(&w, out, TABLES_VAL_EVENT_MAX);
	vrd_writer_u64(&w, ev->time_ms);
	if (put_str(&w, ev->type, TABLES_EVENT_TYPE_MAX)) {
		return -EINVAL;
	}
	vrd_writer_u8(&w, (uint8_t)ev->nfields);
	for (unsigned i = 0; i < ev->nfields; i++) {
		const struct tables_event_field *f = &ev->fields[i];

		if (f->key[0] == '\0' ||
		    put_str(&w, f->key, TABLES_EVENT_KEY_MAX) ||
		    put_str(&w, f->value, TABLES_EVENT_VALUE_MAX)) {
			return -EINVAL;
		}
	}
	*len = w.len;
	return 0;
}

int tables_codec_event_decode(struct tables_event *out, const uint8_t *buf,
			      size_t len)
{
	struct tables_event ev = *out;
	struct vrd_reader r;
	unsigned n;

	if (!value_read(&r, buf, len)) {
		return -EBADMSG;
	}
	ev.time_ms = vrd_reader_u64(&r);
	if (!get_str(&r, ev.type, TABLES_EVENT_TYPE_MAX) ||
	    ev.type[0] == '\0') {
		return -EBADMSG;
	}
	n = vrd_reader_u8(&r);
	if (n > TABLES_EVENT_FIELDS_MAX) {
		return -EBADMSG;
	}
	for (unsigned i = 0; i < n; i++) {
		struct tables_event_field *f = &ev.fields[i];

		if (!get_str(&r, f->key, TABLES_EVENT_KEY_MAX) ||
		    f->key[0] == '\0' ||
		    !get_str(&r, f->value, TABLES_EVENT_VALUE_MAX)) {
			return -EBADMSG;
		}
	}
	if (!vrd_reader_done(&r)) {
		return -EBADMSG;
	}
	ev.nfields = n;
	*out = ev;
	return 0;
}

int tables_codec_claim_encode(uint8_t out[TABLES_VAL_CLAIM_MAX], size_t *len,
			      const struct tables_claim_entry *e)
{
	struct vrd_writer w;

	if (e->router[0] == '\0' || e->nmoves > TABLES_CLAIM_MOVES_MAX) {
		return -EINVAL;
	}
	value_write(&w, out, TABLES_VAL_CLAIM_MAX);
	vrd_writer_put(&w, e->mac.b, sizeof(e->mac.b));
	vrd_writer_u64(&w, e->mobility_seq);
	vrd_writer_u64(&w, e->seq_max);
	vrd_writer_u64(&w, e->frozen_until_ms);
	if (put_str(&w, e->router, VRD_NAME_MAX)) {
		return -EINVAL;
	}
	vrd_writer_u8(&w, e->nmoves | TABLES_CODEC_CLAIM_EXT);
	for (unsigned i = 0; i < e->nmoves; i++) {
		vrd_writer_u64(&w, e->moves_ms[i]);
	}
	vrd_writer_u8(&w, (e->flags & ~TABLES_CODEC_CLAIM_FROZEN_AT) |
				  TABLES_CODEC_CLAIM_FROZEN_AT);
	if (put_str(&w, e->prev_router, VRD_NAME_MAX)) {
		return -EINVAL;
	}
	vrd_writer_u64(&w, e->moved_ms);
	vrd_writer_u8(&w, e->ncontests);
	vrd_writer_u64(&w, e->contest_ms);
	if (put_str(&w, e->frozen_at, VRD_NAME_MAX)) {
		return -EINVAL;
	}
	*len = w.len;
	return 0;
}

int tables_codec_claim_decode(struct tables_claim_entry *out,
			      const uint8_t *buf, size_t len)
{
	struct tables_claim_entry e = *out;
	struct vrd_reader r;
	unsigned i, n, ext;

	if (!value_read(&r, buf, len)) {
		return -EBADMSG;
	}
	vrd_reader_copy(&r, e.mac.b, sizeof(e.mac.b));
	e.mobility_seq = vrd_reader_u64(&r);
	e.seq_max = vrd_reader_u64(&r);
	e.frozen_until_ms = vrd_reader_u64(&r);
	if (!get_str(&r, e.router, VRD_NAME_MAX) || e.router[0] == '\0') {
		return -EBADMSG;
	}
	n = vrd_reader_u8(&r);
	ext = n & TABLES_CODEC_CLAIM_EXT;
	n &= ~(unsigned)TABLES_CODEC_CLAIM_EXT;
	if (n > TABLES_CLAIM_MOVES_MAX ||
	    (!ext && vrd_reader_left(&r) != 8 * (size_t)n)) {
		return -EBADMSG;
	}
	for (i = 0; i < n; i++) {
		e.moves_ms[i] = vrd_reader_u64(&r);
	}
	for (; i < TABLES_CLAIM_MOVES_MAX; i++) {
		e.moves_ms[i] = 0;
	}
	e.flags = 0;
	e.prev_router[0] = '\0';
	e.moved_ms = 0;
	e.ncontests = 0;
	e.contest_ms = 0;
	e.frozen_at[0] = '\0';
	if (ext) {
		e.flags = vrd_reader_u8(&r);
		if (!get_str(&r, e.prev_router, VRD_NAME_MAX)) {
			return -EBADMSG;
		}
		e.moved_ms = vrd_reader_u64(&r);
		e.ncontests = vrd_reader_u8(&r);
		e.contest_ms = vrd_reader_u64(&r);
		/* frozen_at came later: an entry without it has none */
		if ((e.flags & TABLES_CODEC_CLAIM_FROZEN_AT) &&
		    !get_str(&r, e.frozen_at, VRD_NAME_MAX)) {
			return -EBADMSG;
		}
		e.flags &= ~TABLES_CODEC_CLAIM_FROZEN_AT;
	}
	if (!vrd_reader_done(&r)) {
		return -EBADMSG;
	}
	e.nmoves = (uint8_t)n;
	*out = e;
	return 0;
}

int tables_codec_meta_encode(uint8_t out[TABLES_VAL_META_MAX], size_t *len,
			     const char *text)
{
	size_t n = strnlen(text, TABLES_META_VALUE_MAX);
	struct vrd_writer w;

	if (n >= TABLES_META_VALUE_MAX) {
		return -EINVAL;
	}
	value_write(&w, out, TABLES_VAL_META_MAX);
	vrd_writer_put(&w, text, n);
	*len = w.len;
	return 0;
}

int tables_codec_meta_decode(char out[TABLES_META_VALUE_MAX],
			     const uint8_t *buf, size_t len)
{
	struct vrd_reader r;

	if (len > TABLES_VAL_META_MAX || !value_read(&r, buf, len) ||
	    !vrd_reader_text(&r, vrd_reader_left(&r), out)) {
		return -EBADMSG;
	}
	return 0;
}
