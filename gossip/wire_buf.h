/*
 * Internal to the gossip codecs (wire.c, record_codec.c): a bounded writer
 * and reader of big-endian fields. Pure. An overflow or short read latches
 * a flag, so a codec checks once at the end instead of after every field.
 */
#ifndef GOSSIP_WIRE_BUF_H
#define GOSSIP_WIRE_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/addr.h"

struct wbuf {
	uint8_t *p;
	size_t cap, len;
	bool overflow;
};

struct rbuf {
	const uint8_t *p;
	size_t len, off;
	bool short_read;
};

static inline void wbuf_put(struct wbuf *w, const void *src, size_t n)
{
	if (w->overflow || w->cap - w->len < n) {
		w->overflow = true;
		return;
	}
	if (n > 0) {
		memcpy(w->p + w->len, src, n);
	}
	w->len += n;
}

static inline void wbuf_u8(struct wbuf *w, uint8_t v)
{
	wbuf_put(w, &v, 1);
}

static inline void wbuf_u16(struct wbuf *w, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};

	wbuf_put(w, b, sizeof(b));
}

static inline void wbuf_u32(struct wbuf *w, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16),
			(uint8_t)(v >> 8), (uint8_t)v};

	wbuf_put(w, b, sizeof(b));
}

static inline void wbuf_u64(struct wbuf *w, uint64_t v)
{
	wbuf_u32(w, (uint32_t)(v >> 32));
	wbuf_u32(w, (uint32_t)v);
}

static inline const uint8_t *rbuf_get(struct rbuf *r, size_t n)
{
	const uint8_t *at;

	if (r->short_read || r->len - r->off < n) {
		r->short_read = true;
		return NULL;
	}
	at = r->p + r->off;
	r->off += n;
	return at;
}

static inline uint8_t rbuf_u8(struct rbuf *r)
{
	const uint8_t *b = rbuf_get(r, 1);

	return b ? b[0] : 0;
}

static inline uint16_t rbuf_u16(struct rbuf *r)
{
	const uint8_t *b = rbuf_get(r, 2);

	return b ? (uint16_t)(b[0] << 8 | b[1]) : 0;
}

static inline uint32_t rbuf_u32(struct rbuf *r)
{
	const uint8_t *b = rbuf_get(r, 4);

	if (!b) {
		return 0;
	}
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	       (uint32_t)b[2] << 8 | b[3];
}

static inline uint64_t rbuf_u64(struct rbuf *r)
{
	uint64_t hi = rbuf_u32(r);

	return hi << 32 | rbuf_u32(r);
}

/* A name of n bytes into name[VRD_NAME_MAX + 1]: false when n is 0 or
 * over VRD_NAME_MAX, the bytes are short, hold a NUL or break the rule. */
static inline bool rbuf_name(struct rbuf *r, size_t n,
			     char name[VRD_NAME_MAX + 1])
{
	const uint8_t *s;

	if (n == 0 || n > VRD_NAME_MAX) {
		return false;
	}
	s = rbuf_get(r, n);
	if (!s) {
		return false;
	}
	memcpy(name, s, n);
	name[n] = '\0';
	return strlen(name) == n && vrd_name_valid(name);
}

/* name holds a valid name within its VRD_NAME_MAX + 1 bytes. */
static inline bool name_ok(const char name[VRD_NAME_MAX + 1])
{
	return memchr(name, '\0', VRD_NAME_MAX + 1) != NULL &&
	       vrd_name_valid(name);
}

#endif
