/*
 * Private to the control codecs (vrctl/row.c, vrctl/ctlproto.c): big-endian
 * writers into a struct vrd_buf the caller has reserved room in, and
 * bounds-checked readers that fail (false) without reading when too few
 * bytes are left.
 */
#ifndef VRD_CTL_BYTES_H
#define VRD_CTL_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "vrctl/row.h"

static inline void put_u8(struct vrd_buf *b, uint8_t v)
{
	b->data[b->len++] = v;
}

static inline void put_u16(struct vrd_buf *b, uint16_t v)
{
	put_u8(b, (uint8_t)(v >> 8));
	put_u8(b, (uint8_t)v);
}

static inline void put_u32(struct vrd_buf *b, uint32_t v)
{
	put_u16(b, (uint16_t)(v >> 16));
	put_u16(b, (uint16_t)v);
}

static inline void put_u64(struct vrd_buf *b, uint64_t v)
{
	put_u32(b, (uint32_t)(v >> 32));
	put_u32(b, (uint32_t)v);
}

static inline void put_bytes(struct vrd_buf *b, const void *p, size_t n)
{
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

struct reader {
	const uint8_t *p;
	size_t left;
};

static inline bool get_u8(struct reader *r, uint8_t *v)
{
	if (r->left < 1) {
		return false;
	}
	*v = r->p[0];
	r->p++;
	r->left--;
	return true;
}

static inline bool get_u16(struct reader *r, uint16_t *v)
{
	if (r->left < 2) {
		return false;
	}
	*v = (uint16_t)(r->p[0] << 8 | r->p[1]);
	r->p += 2;
	r->left -= 2;
	return true;
}

static inline bool get_u32(struct reader *r, uint32_t *v)
{
	if (r->left < 4) {
		return false;
	}
	*v = (uint32_t)r->p[0] << 24 | (uint32_t)r->p[1] << 16 |
	     (uint32_t)r->p[2] << 8 | r->p[3];
	r->p += 4;
	r->left -= 4;
	return true;
}

static inline bool get_u64(struct reader *r, uint64_t *v)
{
	uint32_t hi, lo;

	if (r->left < 8) {
		return false;
	}
	get_u32(r, &hi);
	get_u32(r, &lo);
	*v = (uint64_t)hi << 32 | lo;
	return true;
}

/* n bytes of text with no NUL into out (room for n + 1). */
static inline bool get_text(struct reader *r, size_t n, char *out)
{
	if (r->left < n || memchr(r->p, '\0', n)) {
		return false;
	}
	memcpy(out, r->p, n);
	out[n] = '\0';
	r->p += n;
	r->left -= n;
	return true;
}

#endif
