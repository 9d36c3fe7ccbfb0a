/*
 * Signed records (docs/gossip.md, "Signed records"): what a router
 * publishes about its networks and the hosts it claims, signed with its
 * Ed25519 key so that anyone can relay a record and nobody can forge one.
 *
 * Encoding, all integers big-endian:
 *   u8   version (1)
 *   u8   type (NETWORK 1, HOST 2, WITHDRAW 3)
 *   u8   origin name length (1 to 32), origin name (vrd_name_valid)
 *   u64  origin_seq    per-origin counter, +1 for every record it signs
 *   u64  time_ms       origin's wall clock at signing, Unix milliseconds
 *   u32  vn, u32 addr, u8 len    (len 0 to 32, no host bits set)
 *   HOST only: mac[6] (unicast, not zero), u64 mobility_seq; len is 32
 *   64   Ed25519 signature by the origin over every byte before it
 *
 * The codec (gossip_record_encode/_encode_tbs/_decode, record_codec.c) is
 * pure: no libsodium, no I/O, so the wire fuzzer links it alone. Signing
 * and verifying live in record.c (libsodium).
 *
 * A relay forwards the exact bytes the origin signed (the RECORDS message
 * carries them length-prefixed); the decoder is strict, so the encoding of
 * a decoded record is byte for byte the input.
 */
#ifndef GOSSIP_RECORD_H
#define GOSSIP_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gossip/cert.h"
#include "base/addr.h"

#define GOSSIP_RECORD_VERSION 1
/* How far ahead of the receiver's clock a record's time_ms may be. */
#define GOSSIP_RECORD_FUTURE_MS (5 * 60 * 1000ULL)

enum gossip_record_type {
	GOSSIP_RECORD_NETWORK = 1, /* the origin serves vn, addr/len */
	GOSSIP_RECORD_HOST = 2, /* a mobility claim: vn, ip/32, mac */
	GOSSIP_RECORD_WITHDRAW = 3, /* the origin's record for vn, addr/len
				     * is gone */
};

/* version, type, name 1+32, origin_seq, time_ms, vn, addr, len */
#define GOSSIP_RECORD_HEAD_MAX (1 + 1 + 1 + VRD_NAME_MAX + 8 + 8 + 4 + 4 + 1)
/* the largest encoding: a HOST record with a 32-byte origin name (138) */
#define GOSSIP_RECORD_ENCODED_MAX \
	(GOSSIP_RECORD_HEAD_MAX + 6 + 8 + GOSSIP_SIGBYTES)
/* the smallest: a NETWORK or WITHDRAW record, 1-byte name (93) */
#define GOSSIP_RECORD_ENCODED_MIN \
	(GOSSIP_RECORD_HEAD_MAX - VRD_NAME_MAX + 1 + GOSSIP_SIGBYTES)

struct gossip_record {
	uint8_t type; /* enum gossip_record_type */
	char origin[VRD_NAME_MAX + 1]; /* vrd_name_valid() */
	uint64_t origin_seq;
	uint64_t time_ms; /* Unix milliseconds at signing */
	uint32_t vn;
	struct vrd_prefix prefix; /* host order, no host bits; HOST: /32 */
	struct vrd_mac mac; /* HOST only; zero otherwise */
	uint64_t mobility_seq; /* HOST only; zero otherwise */
	uint8_t sig[GOSSIP_SIGBYTES];
};

/* ---- pure codec (record_codec.c) ----------------------------------- */

/*
 * The bytes the origin signs (everything before the signature), and the
 * whole encoding with r->sig appended. *len set on success; -EINVAL when
 * a field is out of range (what decode would refuse: type, name, len, host
 * bits, a HOST record that is not a /32 or whose mac is zero or multicast,
 * a mac or mobility_seq set on another type), -EMSGSIZE when cap is short.
 */
int gossip_record_encode_tbs(uint8_t *out, size_t cap, size_t *len,
			     const struct gossip_record *r);
int gossip_record_encode(uint8_t *out, size_t cap, size_t *len,
			 const struct gossip_record *r);

/*
 * Parses a signed record; checks no signature (gossip_record_verify).
 * Strict: -EBADMSG on a bad version or type, a bad name, a field out of
 * range (as for encode), truncation or trailing bytes. *out is written
 * only on success.
 */
int gossip_record_decode(const uint8_t *p, size_t len,
			 struct gossip_record *out);
/* A record with these fields encodes (the checks of encode and decode). */
bool gossip_record_valid(const struct gossip_record *r);

/*
 * Replay and staleness: true when incoming is newer than have, the record
 * held for the same origin (origin_seq strictly greater), or when have is
 * NULL (nothing held for that origin yet). The per-origin store that keeps
 * the highest origin_seq per origin (and key) and the current record per
 * (vn, prefix) is the dissemination layer's, not this module's: a record
 * that fails this test there is dropped and counted as replayed or stale.
 */
bool gossip_record_newer(const struct gossip_record *have,
			 const struct gossip_record *incoming);

/* ---- signing and verifying (record.c, libsodium) ------------------- */

/*
 * Encodes r and signs it with origin_key (the origin router's key, whose
 * certificate names r->origin; not checked here). out gets the whole
 * signed encoding, *len its length. -EINVAL (fields out of range),
 * -EMSGSIZE (cap short), or the error of gossip_key_sign(). r->sig is not
 * read.
 */
int gossip_record_encode_signed(uint8_t *out, size_t cap, size_t *len,
				const struct gossip_record *r,
				const struct gossip_key *origin_key);

/*
 * Checks a decoded record r against the signed bytes it was decoded from
 * and the origin's certificate. origin_cert must already have been checked
 * against the CA (gossip_cert_verify); the caller picks it by r->origin.
 * now_ms is the receiver's wall clock, Unix milliseconds. Returns 0, or
 * the drop reason:
 *
 *   -EINVAL        signed_bytes is not the encoding of r (a caller bug)
 *   -EKEYREJECTED  forged: r->origin is not the certificate's name, or the
 *                  signature does not verify with the certificate's key
 *   -ERANGE        future: time_ms more than GOSSIP_RECORD_FUTURE_MS
 *                  (5 minutes) ahead of now_ms
 *   -EPERM         refused: r->vn is not among the certificate's VNs, or
 *                  a NETWORK record's prefix is not covered by one of its
 *                  networks
 *   -EACCES        out of scope: a HOST record for an address the
 *                  certificate does not let the origin host
 *                  (gossip_cert_may_host: its visitor list, when it has
 *                  one, and its own networks)
 *   -EIO           libsodium could not be initialised
 *
 * HOST records are not checked against the networks: a migrated VM keeps
 * its IP, so a router's claim for it lies by design outside the networks
 * of the claiming router's certificate; a certificate with a visitor list
 * narrows them to those prefixes (and the origin's own hosts, coming
 * home). A WITHDRAW is checked against the VNs only: it can only remove
 * the origin's own record (the store is kept per origin), including a
 * HOST claim outside its networks.
 *
 * Replay and staleness are not checked here: see gossip_record_newer().
 */
int gossip_record_verify(const struct gossip_record *r,
			 const uint8_t *signed_bytes, size_t len,
			 const struct gossip_cert *origin_cert,
			 uint64_t now_ms);

#endif
