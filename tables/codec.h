/*
 * tables codec: the byte layout of every key and value in the LMDB
 * environment. Pure: no LMDB, no I/O, so it is unit-tested and fuzzed
 * alone.
 *
 * Keys are big-endian so that LMDB's bytewise order is numeric order and
 * every key of a virtual network sits in one contiguous run:
 *
 *   lndt, gndt   vn u32 | addr u32 | len u8                 9 bytes
 *   hwdt         vn u32 | ip u32                            8 bytes
 *   hwdt_mac     vn u32 | mac 6 | ip u32                   14 bytes
 *   events       id u64                                     8 bytes
 *   claims       vn u32 | ip u32                            8 bytes
 *   meta         the key's name, no NUL
 *
 * hwdt_mac is an index over hwdt: one key per (vn, mac, ip), its value just
 * the version byte. A plain key (rather than MDB_DUPSORT) keeps every
 * database the same shape; all IPs of a MAC are one cursor range.
 *
 * Every value starts with TABLES_CODEC_VERSION; integers are big-endian,
 * strings are a u8 length and that many bytes (no NUL, none inside):
 *
 *   lndt     ver | source u8 | added_ms u64                          10
 *   gndt     ver | origin u8 | seq u64 | created u64 | updated u64 |
 *            router_len u8 | router                            27 + 0..32
 *   hwdt     ver | mac 6 | source u8 | first_seen u64 | last_seen u64  24
 *   events   ver | time u64 | type_len u8 | type | nfields u8 |
 *            nfields * (key_len u8 | key | value_len u8 | value)
 *   meta     ver | text (0..255 bytes)
 *   hwdt_mac ver
 *   claims   ver | mac 6 | mobility_seq u64 | seq_max u64 |
 *            frozen_until u64 | router_len u8 | router (1..32) |
 *            nmoves u8 | nmoves * move_ms u64 |
 *            flags u8 | prev_len u8 | prev_router (0..32) |
 *            moved_ms u64 | ncontests u8 | contest_ms u64     53..244
 *            (the nmoves byte has TABLES_CODEC_CLAIM_EXT set; a value
 *            without it, as written before issue 11, ends after the
 *            moves and decodes with those fields 0)
 *
 * Decoders check the version, every length and the total, and return
 * -EBADMSG for anything else; they fill only what the bytes hold (a value
 * decoder leaves the key's fields alone).
 */
#ifndef TABLES_CODEC_H
#define TABLES_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "tables/tables.h"

#define TABLES_CODEC_VERSION 1

#define TABLES_KEY_VN_LEN 4
#define TABLES_KEY_PREFIX_LEN 9
#define TABLES_KEY_HWDT_LEN 8
#define TABLES_KEY_HWMAC_PREFIX_LEN 10 /* vn, mac: the range of one MAC */
#define TABLES_KEY_HWMAC_LEN 14
#define TABLES_KEY_EVENT_LEN 8
#define TABLES_KEY_CLAIM_LEN 8

#define TABLES_VAL_LNDT_LEN 10
#define TABLES_VAL_GNDT_MIN 27
#define TABLES_VAL_GNDT_MAX (TABLES_VAL_GNDT_MIN + VRD_NAME_MAX)
#define TABLES_VAL_HWDT_LEN 24
#define TABLES_VAL_HWMAC_LEN 1
#define TABLES_VAL_META_MAX (1 + TABLES_META_VALUE_MAX - 1)
#define TABLES_VAL_EVENT_MAX                     \
	(1 + 8 + 1 + TABLES_EVENT_TYPE_MAX + 1 + \
	 TABLES_EVENT_FIELDS_MAX *               \
		 (2 + TABLES_EVENT_KEY_MAX + TABLES_EVENT_VALUE_MAX))
#define TABLES_VAL_CLAIM_MIN 54
#define TABLES_VAL_CLAIM_MAX                       \
	(TABLES_VAL_CLAIM_MIN - 1 + VRD_NAME_MAX + \
	 8 * TABLES_CLAIM_MOVES_MAX + VRD_NAME_MAX + VRD_NAME_MAX)
#define TABLES_CODEC_CLAIM_EXT 0x80 /* in the nmoves byte */
#define TABLES_CODEC_CLAIM_FROZEN_AT 0x80 /* in flags: frozen_at follows */

/* ---- keys ----------------------------------------------------------- */

void tables_codec_vn_key(uint8_t out[TABLES_KEY_VN_LEN], uint32_t vn);
uint32_t tables_codec_vn_of(const uint8_t *key); /* at least 4 bytes */

/* Prefix keys reject len > 32 and host bits set, on both sides. */
int tables_codec_prefix_key(uint8_t out[TABLES_KEY_PREFIX_LEN], uint32_t vn,
			    const struct vrd_prefix *p);
int tables_codec_prefix_key_decode(uint32_t *vn, struct vrd_prefix *p,
				   const uint8_t *buf, size_t len);

void tables_codec_hwdt_key(uint8_t out[TABLES_KEY_HWDT_LEN], uint32_t vn,
			   uint32_t ip);
int tables_codec_hwdt_key_decode(uint32_t *vn, uint32_t *ip, const uint8_t *buf,
				 size_t len);

/* The first TABLES_KEY_HWMAC_PREFIX_LEN bytes are (vn, mac). */
void tables_codec_hwmac_key(uint8_t out[TABLES_KEY_HWMAC_LEN], uint32_t vn,
			    const struct vrd_mac *mac, uint32_t ip);
int tables_codec_hwmac_key_decode(uint32_t *vn, struct vrd_mac *mac,
				  uint32_t *ip, const uint8_t *buf, size_t len);

void tables_codec_event_key(uint8_t out[TABLES_KEY_EVENT_LEN], uint64_t id);
int tables_codec_event_key_decode(uint64_t *id, const uint8_t *buf, size_t len);

void tables_codec_claim_key(uint8_t out[TABLES_KEY_CLAIM_LEN], uint32_t vn,
			    uint32_t ip);
int tables_codec_claim_key_decode(uint32_t *vn, uint32_t *ip,
				  const uint8_t *buf, size_t len);

/* ---- values --------------------------------------------------------- */

/* Fixed-size encoders return the length written. */
size_t tables_codec_lndt_encode(uint8_t out[TABLES_VAL_LNDT_LEN],
				const struct tables_lndt_entry *e);
int tables_codec_lndt_decode(struct tables_lndt_entry *out, const uint8_t *buf,
			     size_t len);

/* -EINVAL when e->router is longer than VRD_NAME_MAX. */
int tables_codec_gndt_encode(uint8_t out[TABLES_VAL_GNDT_MAX], size_t *len,
			     const struct tables_gndt_entry *e);
int tables_codec_gndt_decode(struct tables_gndt_entry *out, const uint8_t *buf,
			     size_t len);

size_t tables_codec_hwdt_encode(uint8_t out[TABLES_VAL_HWDT_LEN],
				const struct tables_hwdt_entry *e);
int tables_codec_hwdt_decode(struct tables_hwdt_entry *out, const uint8_t *buf,
			     size_t len);

size_t tables_codec_hwmac_encode(uint8_t out[TABLES_VAL_HWMAC_LEN]);
int tables_codec_hwmac_decode(const uint8_t *buf, size_t len);

/* -EINVAL for a type, key or value too long (or a key or type empty),
 * -ENOSPC for more than TABLES_EVENT_FIELDS_MAX fields. */
int tables_codec_event_encode(uint8_t out[TABLES_VAL_EVENT_MAX], size_t *len,
			      const struct tables_event *ev);
/* Fills everything but id (which is the key). */
int tables_codec_event_decode(struct tables_event *out, const uint8_t *buf,
			      size_t len);

/* -EINVAL for an empty or too long router or nmoves above
 * TABLES_CLAIM_MOVES_MAX; the decoder refuses the same. */
int tables_codec_claim_encode(uint8_t out[TABLES_VAL_CLAIM_MAX], size_t *len,
			      const struct tables_claim_entry *e);
int tables_codec_claim_decode(struct tables_claim_entry *out,
			      const uint8_t *buf, size_t len);

/* text: NUL-terminated, at most TABLES_META_VALUE_MAX - 1 bytes. */
int tables_codec_meta_encode(uint8_t out[TABLES_VAL_META_MAX], size_t *len,
			     const char *text);
int tables_codec_meta_decode(char out[TABLES_META_VALUE_MAX],
			     const uint8_t *buf, size_t len);

#endif
