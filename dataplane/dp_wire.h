/*
 * The data plane's wire format: one UDP datagram per tunnelled packet,
 * sealed with an AEAD under a directional session key, with an anti-replay
 * window per key. Pure code: no sockets, no logging, no locks, and no
 * allocation on the per-packet path (dp_seal, dp_open).
 *
 * Datagram (all integers big-endian):
 *
 *   0       version     1 (never 'V', so "VRDC" bootstrap messages on the
 *                         same port fail dp_hdr_decode with VERSION)
 *   1       type        enum dp_type
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
 * installed; both ends must agree (struct dp_keyx carries it).
 *
 * Payloads: DATA is an IPv4 packet; PROBE and PROBE_REPLY are a path
 * keepalive that measures the round trip (struct dp_probe); RELAY is a
 * kind, a router's name and a whole inner vrd datagram, for a router that
 * relays (struct dp_relay).
 *
 * Threads: a key is either a sending key or a receiving key. dp_seal
 * reads the key only, so any number of threads may seal with one key at
 * once (the caller hands out the counters). dp_open updates the key's
 * replay window, so one thread at a time opens with a given key.
 */
#ifndef DP_WIRE_H
#define DP_WIRE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/addr.h"

#define DP_VERSION 1
#define DP_HDR_LEN 20
#define DP_TAG_LEN 16
#define DP_OVERHEAD (DP_HDR_LEN + DP_TAG_LEN)
#define DP_SECRET_LEN 32
/* Packets accepted behind the highest counter seen: a counter c is fresh
 * if c > highest, or highest - c < DP_REPLAY_WINDOW and c is unseen. */
#define DP_REPLAY_WINDOW 2048
/* The last counter a key may use: senders must rekey before it (a
 * receiver drops anything above it with DP_DROP_COUNTER). */
#define DP_COUNTER_MAX (UINT64_MAX - DP_REPLAY_WINDOW)

enum dp_type {
	DP_DATA = 1,
	DP_PROBE,
	DP_PROBE_REPLY,
	DP_RELAY,
};

enum dp_cipher {
	DP_AES256GCM = 1,
	DP_CHACHA20POLY1305 = 2,
};

struct dp_hdr {
	uint8_t version;
	uint8_t type; /* enum dp_type */
	uint16_t flags;
	uint32_t key_id;
	uint32_t vn;
	uint64_t counter;
};

/*
 * Why a datagram was dropped. Functions that can drop return the negated
 * value, so NONE (0) is never returned as a drop. The caller keeps one
 * counter per reason, named by dp_drop_name(). NOKEY, VN and RELAY are
 * never returned by dp_open; they are here so the caller's key table
 * lookup, VN check and relay parsing count under the same names.
 */
enum dp_drop {
	DP_DROP_NONE = 0,
	DP_DROP_SHORT, /* shorter than DP_OVERHEAD */
	DP_DROP_VERSION, /* not DP_VERSION (or a bootstrap message) */
	DP_DROP_TYPE, /* not an enum dp_type */
	DP_DROP_FLAGS, /* unknown flags set */
	DP_DROP_COUNTER, /* counter 0 or above DP_COUNTER_MAX */
	DP_DROP_NOKEY, /* caller: no key with this key id */
	DP_DROP_VN, /* caller: a VN this router does not serve */
	DP_DROP_REPLAY_OLD, /* behind the replay window */
	DP_DROP_REPLAY_DUP, /* inside the window, already seen */
	DP_DROP_AUTH, /* tag did not verify */
	DP_DROP_RELAY, /* RELAY payload that dp_relay_decode refuses */
	DP_DROP_MAX
};

/* "short", "version", ..., "replay_old", "replay_dup", "auth": lower case,
 * for counter names. "unknown" for values out of range. */
const char *dp_drop_name(enum dp_drop d);

/* "aes256gcm", "chacha20poly1305", or "unknown". */
const char *dp_cipher_name(enum dp_cipher c);

/* AES-256-GCM where this CPU has the instructions libsodium needs, else
 * ChaCha20-Poly1305. Initialises libsodium; DP_CHACHA20POLY1305 if that
 * fails (dp_key_create then reports the error). */
enum dp_cipher dp_cipher_preferred(void);

/*
 * Parse and check the header of the datagram buf[0..len). Returns 0, or
 * -DP_DROP_SHORT / _VERSION / _TYPE / _FLAGS / _COUNTER. out is
 * written on success only. The key is not involved: the caller looks up
 * out->key_id, then calls dp_open.
 */
int dp_hdr_decode(struct dp_hdr *out, const uint8_t *buf, size_t len);

struct dp_key;

/*
 * A key for one direction: the cipher state (expanded once for AES) and a
 * fresh replay window, in sodium_malloc memory. secret is borrowed and
 * copied. Returns NULL with errno EINVAL (unknown cipher), ENOTSUP (AES
 * without the CPU support), ENOMEM, or EIO (libsodium did not initialise).
 */
struct dp_key *dp_key_create(enum dp_cipher c,
			     const uint8_t secret[DP_SECRET_LEN]);
/* Wipe and free. NULL is fine. */
void dp_key_destroy(struct dp_key *k);
enum dp_cipher dp_key_cipher(const struct dp_key *k);

/*
 * Seal len bytes at in into out: header, ciphertext, tag. out has room for
 * len + DP_OVERHEAD bytes. in and out do not overlap, except that
 * in == out + DP_HDR_LEN seals in place (read the packet at
 * buf + DP_HDR_LEN, seal it there). Returns the datagram length,
 * len + DP_OVERHEAD; or 0, writing nothing, if type is not an
 * enum dp_type or counter is 0 or above DP_COUNTER_MAX (caller
 * bugs: rekey before the counter runs out).
 */
size_t dp_seal(const struct dp_key *k, uint8_t *out, uint8_t type,
	       uint32_t key_id, uint32_t vn, uint64_t counter,
	       const uint8_t *in, size_t len);

/*
 * Open the datagram buf[0..len) whose header h was decoded from buf by
 * dp_hdr_decode: check the replay window, verify the tag, decrypt in
 * place (the plaintext is at buf + DP_HDR_LEN), and only then mark the
 * counter seen. Returns the plaintext length (len - DP_OVERHEAD) or
 * -DP_DROP_SHORT / _COUNTER / _REPLAY_OLD / _REPLAY_DUP / _AUTH. On a
 * drop the payload bytes may have been overwritten.
 */
ssize_t dp_open(struct dp_key *k, const struct dp_hdr *h, uint8_t *buf,
		size_t len);

/*
 * The plaintext of a key-exchange message (the caller seals it with
 * crypto_box): version 1, cipher 1, key id 4, epoch 4, secret 32, exactly
 * DP_KEYX_LEN bytes. The struct holds a secret: keep it in
 * sodium_malloc memory or wipe it with sodium_memzero after use.
 */
#define DP_KEYX_VERSION 1
#define DP_KEYX_LEN (1 + 1 + 4 + 4 + DP_SECRET_LEN)

struct dp_keyx {
	uint8_t version; /* DP_KEYX_VERSION */
	uint8_t cipher; /* enum dp_cipher */
	uint32_t key_id; /* the sender's key id for this key */
	uint32_t epoch; /* the sender's key generation, newer is larger */
	uint8_t secret[DP_SECRET_LEN];
};

/* Writes DP_KEYX_LEN bytes to buf. Returns 0, -ENOSPC if cap is
 * smaller, or -EINVAL for a version or cipher that decode would refuse. */
int dp_keyx_encode(uint8_t *buf, size_t cap, const struct dp_keyx *kx);
/* Returns 0, or -EBADMSG for a length other than DP_KEYX_LEN, another
 * version or an unknown cipher. out is written on success only. */
int dp_keyx_decode(struct dp_keyx *out, const uint8_t *buf, size_t len);

/* What a receiver does with a key offer (epoch, id), given the newest it
 * took from that peer (last_epoch, last_id; 0 and 0: none yet) and its
 * clock now_s, which the epoch may miss by skew_s either way. */
enum dp_keyx_verdict {
	DP_KEYX_TAKE, /* newer: install it and acknowledge */
	DP_KEYX_AGAIN, /* the offer taken last, sent again because its
			* acknowledgement was lost: acknowledge again, change
			* nothing (a replay of it changes nothing either) */
	DP_KEYX_STALE, /* older: the sender is told the newest epoch taken,
			* so it picks a later one (it restarted within the
			* second of its last key, or made several in one) */
	DP_KEYX_SKEWED, /* too far from our clock: dropped */
};
enum dp_keyx_verdict dp_keyx_judge(uint32_t last_epoch, uint32_t last_id,
				   uint32_t epoch, uint32_t id, int64_t now_s,
				   int64_t skew_s);

/*
 * RELAY payload, inside a sealed RELAY datagram:
 *
 *   0       kind        DP_RELAY_TO: to the relay, forward the inner
 *                       datagram to the named router; DP_RELAY_FROM: from
 *                       the relay, the inner datagram came from the named
 *   1       n           name length, 1..VRD_NAME_MAX
 *   2..     name        n bytes, a valid router name (vrd_name_valid)
 *   2+n..   inner       a whole vrd datagram, at least DP_HDR_LEN bytes
 */
#define DP_RELAY_TO 1
#define DP_RELAY_FROM 2
#define DP_RELAY_HDR_MAX (2 + VRD_NAME_MAX)

struct dp_relay {
	uint8_t kind; /* DP_RELAY_TO or DP_RELAY_FROM */
	char name[VRD_NAME_MAX + 1];
	size_t inner_off; /* the inner datagram is at payload + inner_off */
	size_t inner_len;
};

/* Parses the payload pl[0..len). Returns 0, or -DP_DROP_RELAY for a short
 * payload, another kind, or a bad name. out is written on success only. */
int dp_relay_decode(struct dp_relay *out, const uint8_t *pl, size_t len);
/* Writes kind, n and name to buf (room for DP_RELAY_HDR_MAX) and returns
 * how many bytes: 2 + strlen(name). name is a valid router name. */
size_t dp_relay_encode(uint8_t *buf, uint8_t kind, const char *name);
/* 2 + strlen(name): where the inner datagram starts. */
size_t dp_relay_hdr_len(const char *name);

/*
 * PROBE and PROBE_REPLY payload, exactly DP_PROBE_LEN bytes (a reply
 * echoes the probe):
 *
 *   0       kind        1
 *   1..8    sent_us     the prober's monotonic clock, µs
 *   9..12   relay       0: sent direct; else the relay's peer index + 1
 */
#define DP_PROBE_LEN 13

struct dp_probe {
	uint64_t sent_us;
	uint32_t relay;
};

/* Writes DP_PROBE_LEN bytes to buf. */
void dp_probe_encode(uint8_t *buf, const struct dp_probe *pr);
/* Returns 0, or -DP_DROP_SHORT for a length other than DP_PROBE_LEN. out
 * is written on success only. */
int dp_probe_decode(struct dp_probe *out, const uint8_t *pl, size_t len);

#endif
