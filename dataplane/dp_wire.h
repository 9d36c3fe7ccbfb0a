/*
 * The data plane's wire format: one UDP datagram per tunnelled packet,
 * sealed with an AEAD under a directional session key, with an anti-replay
 * window per key. Pure code: no sockets, no logging, no locks, and no
 * allocation on the per-packet path (vrd_dp_seal, vrd_dp_open).
 *
 * Datagram (all integers big-endian):
 *
 *   0       version     1 (never 'V', so "VRDC" bootstrap messages on the
 *                         same port fail vrd_dp_hdr_decode with VERSION)
 *   1       type        enum vrd_dp_type
 *   2..3    flags       0; any set bit is unknown and the packet dropped
 *   4..7    key id      the sender's key id at this receiver
 *   8..11   vn          virtual network id
 *   12..19  counter     1, 2, ...: never repeats under one key
 *   20..    ciphertext  as long as the plaintext
 *   last 16 tag
 *
 * AAD is the whole 20-byte header; the 12-byte nonce is 4 zero bytes and
 * the counter, big-endian (so it equals header bytes 12..19). The cipher is
 * AES-256-GCM or ChaCha20-Poly1305 (IETF), chosen per key when the key is
 * installed; both ends must agree (struct vrd_dp_keyx carries it).
 *
 * Payloads: DATA is an IPv4 packet; PROBE and PROBE_REPLY are opaque
 * (path keepalive and RTT); RELAY is a 4-byte destination router id and a
 * whole inner vrd datagram, for a router that relays.
 *
 * Threads: a key is either a sending key or a receiving key. vrd_dp_seal
 * reads the key only, so any number of threads may seal with one key at
 * once (the caller hands out the counters). vrd_dp_open updates the key's
 * replay window, so one thread at a time opens with a given key.
 */
#ifndef VRD_DP_WIRE_H
#define VRD_DP_WIRE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define VRD_DP_VERSION 1
#define VRD_DP_HDR_LEN 20
#define VRD_DP_TAG_LEN 16
#define VRD_DP_OVERHEAD (VRD_DP_HDR_LEN + VRD_DP_TAG_LEN)
#define VRD_DP_SECRET_LEN 32
/* Packets accepted behind the highest counter seen: a counter c is fresh
 * if c > highest, or highest - c < VRD_DP_REPLAY_WINDOW and c is unseen. */
#define VRD_DP_REPLAY_WINDOW 2048
/* The last counter a key may use: senders must rekey before it (a
 * receiver drops anything above it with VRD_DP_DROP_COUNTER). */
#define VRD_DP_COUNTER_MAX (UINT64_MAX - VRD_DP_REPLAY_WINDOW)
/* RELAY payload: destination router id, then the inner datagram. */

enum vrd_dp_type {
	VRD_DP_DATA = 1,
	VRD_DP_PROBE,
	VRD_DP_PROBE_REPLY,
	VRD_DP_RELAY,
};

enum vrd_dp_cipher {
	VRD_DP_AES256GCM = 1,
	VRD_DP_CHACHA20POLY1305 = 2,
};

struct vrd_dp_hdr {
	uint8_t version;
	uint8_t type; /* enum vrd_dp_type */
	uint16_t flags;
	uint32_t key_id;
	uint32_t vn;
	uint64_t counter;
};

/*
 * Why a datagram was dropped. Functions that can drop return the negated
 * value, so NONE (0) is never returned as a drop. The caller keeps one
 * counter per reason, named by vrd_dp_drop_name(). NOKEY, VN and RELAY are
 * never returned by vrd_dp_open; they are here so the caller's key table
 * lookup, VN check and relay parsing count under the same names.
 */
enum vrd_dp_drop {
	VRD_DP_DROP_NONE = 0,
	VRD_DP_DROP_SHORT, /* shorter than VRD_DP_OVERHEAD */
	VRD_DP_DROP_VERSION, /* not VRD_DP_VERSION (or a bootstrap message) */
	VRD_DP_DROP_TYPE, /* not an enum vrd_dp_type */
	VRD_DP_DROP_FLAGS, /* unknown flags set */
	VRD_DP_DROP_COUNTER, /* counter 0 or above VRD_DP_COUNTER_MAX */
	VRD_DP_DROP_NOKEY, /* caller: no key with this key id */
	VRD_DP_DROP_VN, /* caller: a VN this router does not serve */
	VRD_DP_DROP_REPLAY_OLD, /* behind the replay window */
	VRD_DP_DROP_REPLAY_DUP, /* inside the window, already seen */
	VRD_DP_DROP_AUTH, /* tag did not verify */
	VRD_DP_DROP_RELAY, /* RELAY payload too short for a datagram */
	VRD_DP_DROP_MAX
};

/* "short", "version", ..., "replay_old", "replay_dup", "auth": lower case,
 * for counter names. "unknown" for values out of range. */
const char *vrd_dp_drop_name(enum vrd_dp_drop d);

/* "aes256gcm", "chacha20poly1305", or "unknown". */
const char *vrd_dp_cipher_name(enum vrd_dp_cipher c);

/* AES-256-GCM where this CPU has the instructions libsodium needs, else
 * ChaCha20-Poly1305. Initialises libsodium; VRD_DP_CHACHA20POLY1305 if that
 * fails (vrd_dp_key_create then reports the error). */
enum vrd_dp_cipher vrd_dp_cipher_preferred(void);

/*
 * Parse and check the header of the datagram buf[0..len). Returns 0, or
 * -VRD_DP_DROP_SHORT / _VERSION / _TYPE / _FLAGS / _COUNTER. out is
 * written on success only. The key is not involved: the caller looks up
 * out->key_id, then calls vrd_dp_open.
 */
int vrd_dp_hdr_decode(struct vrd_dp_hdr *out, const uint8_t *buf, size_t len);

struct vrd_dp_key;

/*
 * A key for one direction: the cipher state (expanded once for AES) and a
 * fresh replay window, in sodium_malloc memory. secret is borrowed and
 * copied. Returns NULL with errno EINVAL (unknown cipher), ENOTSUP (AES
 * without the CPU support), ENOMEM, or EIO (libsodium did not initialise).
 */
struct vrd_dp_key *vrd_dp_key_create(enum vrd_dp_cipher c,
				     const uint8_t secret[VRD_DP_SECRET_LEN]);
/* Wipe and free. NULL is fine. */
void vrd_dp_key_destroy(struct vrd_dp_key *k);
enum vrd_dp_cipher vrd_dp_key_cipher(const struct vrd_dp_key *k);

/*
 * Seal len bytes at in into out: header, ciphertext, tag. out has room for
 * len + VRD_DP_OVERHEAD bytes. in and out do not overlap, except that
 * in == out + VRD_DP_HDR_LEN seals in place (read the packet at
 * buf + VRD_DP_HDR_LEN, seal it there). Returns the datagram length,
 * len + VRD_DP_OVERHEAD; or 0, writing nothing, if type is not an
 * enum vrd_dp_type or counter is 0 or above VRD_DP_COUNTER_MAX (caller
 * bugs: rekey before the counter runs out).
 */
size_t vrd_dp_seal(const struct vrd_dp_key *k, uint8_t *out, uint8_t type,
		   uint32_t key_id, uint32_t vn, uint64_t counter,
		   const uint8_t *in, size_t len);

/*
 * Open the datagram buf[0..len) whose header h was decoded from buf by
 * vrd_dp_hdr_decode: check the replay window, verify the tag, decrypt in
 * place (the plaintext is at buf + VRD_DP_HDR_LEN), and only then mark the
 * counter seen. Returns the plaintext length (len - VRD_DP_OVERHEAD) or
 * -VRD_DP_DROP_SHORT / _COUNTER / _REPLAY_OLD / _REPLAY_DUP / _AUTH. On a
 * drop the payload bytes may have been overwritten.
 */
ssize_t vrd_dp_open(struct vrd_dp_key *k, const struct vrd_dp_hdr *h,
		    uint8_t *buf, size_t len);

/*
 * The plaintext of a key-exchange message (the caller seals it with
 * crypto_box): version 1, cipher 1, key id 4, epoch 4, secret 32, exactly
 * VRD_DP_KEYX_LEN bytes. The struct holds a secret: keep it in
 * sodium_malloc memory or wipe it with sodium_memzero after use.
 */
#define VRD_DP_KEYX_VERSION 1
#define VRD_DP_KEYX_LEN (1 + 1 + 4 + 4 + VRD_DP_SECRET_LEN)

struct vrd_dp_keyx {
	uint8_t version; /* VRD_DP_KEYX_VERSION */
	uint8_t cipher; /* enum vrd_dp_cipher */
	uint32_t key_id; /* the sender's key id for this key */
	uint32_t epoch; /* the sender's key generation, newer is larger */
	uint8_t secret[VRD_DP_SECRET_LEN];
};

/* Writes VRD_DP_KEYX_LEN bytes to buf. Returns 0, -ENOSPC if cap is
 * smaller, or -EINVAL for a version or cipher that decode would refuse. */
int vrd_dp_keyx_encode(uint8_t *buf, size_t cap, const struct vrd_dp_keyx *kx);
/* Returns 0, or -EBADMSG for a length other than VRD_DP_KEYX_LEN, another
 * version or an unknown cipher. out is written on success only. */
int vrd_dp_keyx_decode(struct vrd_dp_keyx *out, const uint8_t *buf, size_t len);

#endif
