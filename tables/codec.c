/* Keys and values of the tables: explicit big-endian layouts (codec.h). */
#include "tables/codec.h"

#include <errno.h>
#include <string.h>

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void put_be64(uint8_t *p, uint64_t v)
{
	put_be32(p, (uint32_t)(v >> 32));
	put_be32(p + 4, (uint32_t)v);
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static uint64_t get_be64(const uint8_t *p)
{
	return (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
}

/* A length-prefixed string: appends at *pos, at most max bytes. */
static int put_str(uint8_t *out, size_t *pos, const char *s, size_t max)
{
	size_t n = strnlen(s, max + 1);

	if (n > max) {
		return -EINVAL;
	}
	out[(*pos)++] = (uint8_t)n;
	memcpy(out + *pos, s, n);
	*pos += n;
	return 0;
}

/* Reads a length-prefixed string into out (max + 1 bytes). */
static int get_str(char *out, size_t max, const uint8_t *buf, size_t len,
		   size_t *pos)
{
	size_t n;

	if (*pos >= len) {
		return -EBADMSG;
	}
	n = buf[(*pos)++];
	if (n > max || n > len - *pos || memchr(buf + *pos, 0, n)) {
		return -EBADMSG;
	}
	memcpy(out, buf + *pos, n);
	out[n] = '\0';
	*pos += n;
	return 0;
}

static bool prefix_valid(const struct vrd_prefix *p)
{
	return p->len <= 32 && (p->addr & ~vrd_prefix_mask(p->len)) == 0;
}

/* ---- keys ----------------------------------------------------------- */

void tables_codec_vn_key(uint8_t out[TABLES_KEY_VN_LEN], uint32_t vn)
{
	put_be32(out, vn);
}

uint32_t tables_codec_vn_of(const uint8_t *key)
{
	return get_be32(key);
}

int tables_codec_prefix_key(uint8_t out[TABLES_KEY_PREFIX_LEN], uint32_t vn,
			    const struct vrd_prefix *p)
{
	if (!prefix_valid(p)) {
		return -EINVAL;
	}
	put_be32(out, vn);
	put_be32(out + 4, p->addr);
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
	tmp.addr = get_be32(buf + 4);
	tmp.len = buf[8];
	if (!prefix_valid(&tmp)) {
		return -EBADMSG;
	}
	*vn = get_be32(buf);
	*p = tmp;
	return 0;
}

void tables_codec_hwdt_key(uint8_t out[TABLES_KEY_HWDT_LEN], uint32_t vn,
			   uint32_t ip)
{
	put_be32(out, vn);
	put_be32(out + 4, ip);
}

int tables_codec_hwdt_key_decode(uint32_t *vn, uint32_t *ip, const uint8_t *buf,
				 size_t len)
{
	if (len != TABLES_KEY_HWDT_LEN) {
		return -EBADMSG;
	}
	*vn = get_be32(buf);
	*ip = get_be32(buf + 4);
	return 0;
}

void tables_codec_hwmac_key(uint8_t out[TABLES_KEY_HWMAC_LEN], uint32_t vn,
			    const struct vrd_mac *mac, uint32_t ip)
{
	put_be32(out, vn);
	memcpy(out + 4, mac->b, sizeof(mac->b));
	put_be32(out + 10, ip);
}

int tables_codec_hwmac_key_decode(uint32_t *vn, struct vrd_mac *mac,
				  uint32_t *ip, const uint8_t *buf, size_t len)
{
	if (len != TABLES_KEY_HWMAC_LEN) {
		return -EBADMSG;
	}
	*vn = get_be32(buf);
	memcpy(mac->b, buf + 4, sizeof(mac->b));
	*ip = get_be32(buf + 10);
	return 0;
}

void tables_codec_event_key(uint8_t out[TABLES_KEY_EVENT_LEN], uint64_t id)
{
	put_be64(out, id);
}

int tables_codec_event_key_decode(uint64_t *id, const uint8_t *buf, size_t len)
{
	if (len != TABLES_KEY_EVENT_LEN) {
		return -EBADMSG;
	}
	*id = get_be64(buf);
	return 0;
}

void tables_codec_claim_key(uint8_t out[TABLES_KEY_CLAIM_LEN], uint32_t vn,
			    uint32_t ip)
{
	put_be32(out, vn);
	put_be32(out + 4, ip);
}

int tables_codec_claim_key_decode(uint32_t *vn, uint32_t *ip,
				  const uint8_t *buf, size_t len)
{
	if (len != TABLES_KEY_CLAIM_LEN) {
		return -EBADMSG;
	}
	*vn = get_be32(buf);
	*ip = get_be32(buf + 4);
	return 0;
}

/* ---- values --------------------------------------------------------- */

size_t tables_codec_lndt_encode(uint8_t out[TABLES_VAL_LNDT_LEN],
				const struct tables_lndt_entry *e)
{
	out[0] = TABLES_CODEC_VERSION;
	out[1] = e->source;
	put_be64(out + 2, e->added_ms);
	return TABLES_VAL_LNDT_LEN;
}

int tables_codec_lndt_decode(struct tables_lndt_entry *out, const uint8_t *buf,
			     size_t len)
{
	if (len != TABLES_VAL_LNDT_LEN || buf[0] != TABLES_CODEC_VERSION) {
		return -EBADMSG;
	}
	out->source = buf[1];
	out->added_ms = get_be64(buf + 2);
	return 0;
}

int tables_codec_gndt_encode(uint8_t out[TABLES_VAL_GNDT_MAX], size_t *len,
			     const struct tables_gndt_entry *e)
{
	size_t pos = 26;
	int rc;

	out[0] = TABLES_CODEC_VERSION;
	out[1] = e->origin;
	put_be64(out + 2, e->seq);
	put_be64(out + 10, e->created_ms);
	put_be64(out + 18, e->updated_ms);
	rc = put_str(out, &pos, e->router, VRD_NAME_MAX);
	if (rc) {
		return rc;
	}
	*len = pos;
	return 0;
}

int tables_codec_gndt_decode(struct tables_gndt_entry *out, const uint8_t *buf,
			     size_t len)
{
	size_t pos = 26;

	if (len < TABLES_VAL_GNDT_MIN || buf[0] != TABLES_CODEC_VERSION) {
		return -EBADMSG;
	}
	if (get_str(out->router, VRD_NAME_MAX, buf, len, &pos) || pos != len) {
		return -EBADMSG;
	}
	out->origin = buf[1];
	out->seq = get_be64(buf + 2);
	out->created_ms = get_be64(buf + 10);
	out->updated_ms = get_be64(buf + 18);
	return 0;
}

size_t tables_codec_hwdt_encode(uint8_t out[TABLES_VAL_HWDT_LEN],
				const struct tables_hwdt_entry *e)
{
	out[0] = TABLES_CODEC_VERSION;
	memcpy(out + 1, e->mac.b, sizeof(e->mac.b));
	out[7] = e->source;
	put_be64(out + 8, e->first_seen_ms);
	put_be64(out + 16, e->last_seen_ms);
	return TABLES_VAL_HWDT_LEN;
}

int tables_codec_hwdt_decode(struct tables_hwdt_entry *out, const uint8_t *buf,
			     size_t len)
{
	if (len != TABLES_VAL_HWDT_LEN || buf[0] != TABLES_CODEC_VERSION) {
		return -EBADMSG;
	}
	memcpy(out->mac.b, buf + 1, sizeof(out->mac.b));
	out->source = buf[7];
	out->first_seen_ms = get_be64(buf + 8);
	out->last_seen_ms = get_be64(buf + 16);
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
	size_t pos = 9;
	unsigned i;

	if (ev->nfields > TABLES_EVENT_FIELDS_MAX) {
		return -ENOSPC;
	}
	if (ev->type[0] == '\0') {
		return -EINVAL;
	}
	out[0] = TABLES_CODEC_VERSION;
	put_be64(out + 1, ev->time_ms);
	if (put_str(out, &pos, ev->type, TABLES_EVENT_TYPE_MAX)) {
		return -EINVAL;
	}
	out[pos++] = (uint8_t)ev->nfields;
	for (i = 0; i < ev->nfields; i++) {
		const struct tables_event_field *f = &ev->fields[i];

		if (f->key[0] == '\0' ||
		    put_str(out, &pos, f->key, TABLES_EVENT_KEY_MAX) ||
		    put_str(out, &pos, f->value, TABLES_EVENT_VALUE_MAX)) {
			return -EINVAL;
		}
	}
	*len = pos;
	return 0;
}

int tables_codec_event_decode(struct tables_event *out, const uint8_t *buf,
			      size_t len)
{
	size_t pos = 9;
	unsigned i, n;

	if (len < 11 || buf[0] != TABLES_CODEC_VERSION) {
		return -EBADMSG;
	}
	out->time_ms = get_be64(buf + 1);
	if (get_str(out->type, TABLES_EVENT_TYPE_MAX, buf, len, &pos) ||
	    out->type[0] == '\0' || pos >= len) {
		return -EBADMSG;
	}
	n = buf[pos++];
	if (n > TABLES_EVENT_FIELDS_MAX) {
		return -EBADMSG;
	}
	for (i = 0; i < n; i++) {
		struct tables_event_field *f = &out->fields[i];

		if (get_str(f->key, TABLES_EVENT_KEY_MAX, buf, len, &pos) ||
		    f->key[0] == '\0' ||
		    get_str(f->value, TABLES_EVENT_VALUE_MAX, buf, len, &pos)) {
			return -EBADMSG;
		}
	}
	if (pos != len) {
		return -EBADMSG;
	}
	out->nfields = n;
	return 0;
}

int tables_codec_claim_encode(uint8_t out[TABLES_VAL_CLAIM_MAX], size_t *len,
			      const struct tables_claim_entry *e)
{
	size_t pos = 31;
	unsigned i;

	if (e->router[0] == '\0' || e->nmoves > TABLES_CLAIM_MOVES_MAX) {
		return -EINVAL;
	}
	out[0] = TABLES_CODEC_VERSION;
	memcpy(out + 1, e->mac.b, sizeof(e->mac.b));
	put_be64(out + 7, e->mobility_seq);
	put_be64(out + 15, e->seq_max);
	put_be64(out + 23, e->frozen_until_ms);
	if (put_str(out, &pos, e->router, VRD_NAME_MAX)) {
		return -EINVAL;
	}
	out[pos++] = e->nmoves;
	for (i = 0; i < e->nmoves; i++) {
		put_be64(out + pos, e->moves_ms[i]);
		pos += 8;
	}
	*len = pos;
	return 0;
}

int tables_codec_claim_decode(struct tables_claim_entry *out,
			      const uint8_t *buf, size_t len)
{
	size_t pos = 31;
	unsigned i, n;

	if (len < TABLES_VAL_CLAIM_MIN || len > TABLES_VAL_CLAIM_MAX ||
	    buf[0] != TABLES_CODEC_VERSION) {
		return -EBADMSG;
	}
	if (get_str(out->router, VRD_NAME_MAX, buf, len, &pos) ||
	    out->router[0] == '\0' || pos >= len) {
		return -EBADMSG;
	}
	n = buf[pos++];
	if (n > TABLES_CLAIM_MOVES_MAX || len - pos != 8 * (size_t)n) {
		return -EBADMSG;
	}
	for (i = 0; i < n; i++) {
		out->moves_ms[i] = get_be64(buf + pos + 8 * i);
	}
	for (; i < TABLES_CLAIM_MOVES_MAX; i++) {
		out->moves_ms[i] = 0;
	}
	out->nmoves = (uint8_t)n;
	memcpy(out->mac.b, buf + 1, sizeof(out->mac.b));
	out->mobility_seq = get_be64(buf + 7);
	out->seq_max = get_be64(buf + 15);
	out->frozen_until_ms = get_be64(buf + 23);
	return 0;
}

int tables_codec_meta_encode(uint8_t out[TABLES_VAL_META_MAX], size_t *len,
			     const char *text)
{
	size_t n = strnlen(text, TABLES_META_VALUE_MAX);

	if (n >= TABLES_META_VALUE_MAX) {
		return -EINVAL;
	}
	out[0] = TABLES_CODEC_VERSION;
	memcpy(out + 1, text, n);
	*len = 1 + n;
	return 0;
}

int tables_codec_meta_decode(char out[TABLES_META_VALUE_MAX],
			     const uint8_t *buf, size_t len)
{
	if (len < 1 || len > TABLES_VAL_META_MAX ||
	    buf[0] != TABLES_CODEC_VERSION || memchr(buf + 1, 0, len - 1)) {
		return -EBADMSG;
	}
	memcpy(out, buf + 1, len - 1);
	out[len - 1] = '\0';
	return 0;
}
