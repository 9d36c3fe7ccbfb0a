/*
 * Big-endian (network order) bytes: the one codec every wire and storage
 * format is written and read with (and little-endian loads for LMDB's own
 * file, which vrd only reads). Pure, header only, libc only.
 *
 * vrd_get_be* / vrd_put_be*: loads and stores at any alignment, for fixed
 * layouts; the caller has checked the length.
 *
 * struct vrd_writer / struct vrd_reader: a bounded writer and reader over a
 * borrowed buffer, for layouts with counts and lengths in them. A write that
 * does not fit latches overflow and writes nothing more; a read past the end
 * latches short_read, and from then on every read returns zeros (NULL for
 * vrd_reader_get) and nothing is left. So a codec writes or reads all its
 * fields and checks the flag once at the end, instead of after every field;
 * it checks earlier only where a value read decides what to read next, and
 * the zeros a latched reader returns always make that check fail safe.
 */
#ifndef VRD_BYTES_H
#define VRD_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint16_t vrd_get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t vrd_get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t vrd_get_be64(const uint8_t *p)
{
	return (uint64_t)vrd_get_be32(p) << 32 | vrd_get_be32(p + 4);
}

/* Little-endian loads, for one foreign format only: LMDB's data.mdb, which
 * LMDB writes in host order (tables/mdbfile.c reads it on amd64). */
static inline uint16_t vrd_get_le16(const uint8_t *p)
{
	return (uint16_t)(p[1] << 8 | p[0]);
}

static inline uint32_t vrd_get_le32(const uint8_t *p)
{
	return (uint32_t)vrd_get_le16(p + 2) << 16 | vrd_get_le16(p);
}

static inline uint64_t vrd_get_le64(const uint8_t *p)
{
	return (uint64_t)vrd_get_le32(p + 4) << 32 | vrd_get_le32(p);
}

static inline void vrd_put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void vrd_put_be32(uint8_t *p, uint32_t v)
{
	vrd_put_be16(p, (uint16_t)(v >> 16));
	vrd_put_be16(p + 2, (uint16_t)v);
}

static inline void vrd_put_be64(uint8_t *p, uint64_t v)
{
	vrd_put_be32(p, (uint32_t)(v >> 32));
	vrd_put_be32(p + 4, (uint32_t)v);
}

/* ---- the bounded writer ------------------------------------------------ */

struct vrd_writer {
	uint8_t *p; /* borrowed: cap bytes */
	size_t cap, len; /* len bytes written so far */
	bool overflow; /* latched: a write did not fit */
};

static inline void vrd_writer_init(struct vrd_writer *w, uint8_t *buf,
				   size_t cap)
{
	w->p = buf;
	w->cap = cap;
	w->len = 0;
	w->overflow = false;
}

/* n bytes from src; all of them or, latching overflow, none. */
static inline void vrd_writer_put(struct vrd_writer *w, const void *src,
				  size_t n)
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

static inline void vrd_writer_u8(struct vrd_writer *w, uint8_t v)
{
	vrd_writer_put(w, &v, 1);
}

static inline void vrd_writer_u16(struct vrd_writer *w, uint16_t v)
{
	uint8_t b[2];

	vrd_put_be16(b, v);
	vrd_writer_put(w, b, sizeof(b));
}

static inline void vrd_writer_u32(struct vrd_writer *w, uint32_t v)
{
	uint8_t b[4];

	vrd_put_be32(b, v);
	vrd_writer_put(w, b, sizeof(b));
}

static inline void vrd_writer_u64(struct vrd_writer *w, uint64_t v)
{
	uint8_t b[8];

	vrd_put_be64(b, v);
	vrd_writer_put(w, b, sizeof(b));
}

/* ---- the bounded reader ------------------------------------------------ */

struct vrd_reader {
	const uint8_t *p; /* borrowed: len bytes */
	size_t len, off; /* off bytes read so far */
	bool short_read; /* latched: a read went past the end */
};

static inline void vrd_reader_init(struct vrd_reader *r, const uint8_t *buf,
				   size_t len)
{
	r->p = buf;
	r->len = len;
	r->off = 0;
	r->short_read = false;
}

/* The next n bytes, borrowed from the buffer; NULL (latching short_read)
 * when fewer are left or the reader has latched. */
static inline const uint8_t *vrd_reader_get(struct vrd_reader *r, size_t n)
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

static inline uint8_t vrd_reader_u8(struct vrd_reader *r)
{
	const uint8_t *b = vrd_reader_get(r, 1);

	return b ? b[0] : 0;
}

static inline uint16_t vrd_reader_u16(struct vrd_reader *r)
{
	const uint8_t *b = vrd_reader_get(r, 2);

	return b ? vrd_get_be16(b) : 0;
}

static inline uint32_t vrd_reader_u32(struct vrd_reader *r)
{
	const uint8_t *b = vrd_reader_get(r, 4);

	return b ? vrd_get_be32(b) : 0;
}

static inline uint64_t vrd_reader_u64(struct vrd_reader *r)
{
	const uint8_t *b = vrd_reader_get(r, 8);

	return b ? vrd_get_be64(b) : 0;
}

/* The next n bytes into dst; dst is left alone when they are short. */
static inline void vrd_reader_copy(struct vrd_reader *r, void *dst, size_t n)
{
	const uint8_t *s = vrd_reader_get(r, n);

	if (s && n > 0) {
		memcpy(dst, s, n);
	}
}

/* n bytes of text into out (room for n + 1), NUL-terminated. false when
 * they are short (latched; out untouched) or hold a NUL (consumed). */
static inline bool vrd_reader_text(struct vrd_reader *r, size_t n, char *out)
{
	const uint8_t *s = vrd_reader_get(r, n);

	if (r->short_read || (n > 0 && memchr(s, '\0', n) != NULL)) {
		return false;
	}
	if (n > 0) {
		memcpy(out, s, n);
	}
	out[n] = '\0';
	return true;
}

/* Bytes not yet read; 0 once latched. */
static inline size_t vrd_reader_left(const struct vrd_reader *r)
{
	return r->short_read ? 0 : r->len - r->off;
}

/* Every byte read and none too many: the check a decoder ends with. */
static inline bool vrd_reader_done(const struct vrd_reader *r)
{
	return !r->short_read && r->off == r->len;
}

#endif
