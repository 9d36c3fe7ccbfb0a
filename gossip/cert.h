/*
 * The overlay's trust: one CA (an Ed25519 key pair held by the operator)
 * signs a certificate for each router, naming the router, its Ed25519
 * public key, its validity, the networks it may announce, the virtual
 * networks it may join and, optionally, the addresses it may host as
 * visitors (its mobility scope). docs/trust.md describes the files and
 * the rules.
 *
 * Keys: struct gossip_key holds an Ed25519 key pair in sodium_malloc memory
 * (read-only once made); gossip_key_destroy() wipes and frees it. The same
 * type holds a CA key and a router key: the file formats differ.
 *
 * Certificates: struct gossip_cert is plain memory (nothing secret). The
 * binary codec (gossip_cert_encode/decode, cert_codec.c) is pure so the
 * fuzzer links it alone; the text files hold "vrd-cert-v1 <base64>".
 *
 * Loaders take an optional err buffer (NULL, 0 for none) and write one
 * line there on failure, naming the file but never a secret.
 */
#ifndef GOSSIP_CERT_H
#define GOSSIP_CERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/addr.h"

#define GOSSIP_KEY_SEEDBYTES 32 /* crypto_sign_SEEDBYTES */
#define GOSSIP_KEY_PUBBYTES 32 /* crypto_sign_PUBLICKEYBYTES */
#define GOSSIP_KEY_SECRETBYTES 64 /* crypto_sign_SECRETKEYBYTES */
#define GOSSIP_SIGBYTES 64 /* crypto_sign_BYTES */
#define GOSSIP_CA_IDBYTES 8 /* first bytes of BLAKE2b-256(ca pub) */

/* Version 1: no visitor list (any address of its VNs). Version 2: the
 * same fields and a visitor list of 1 to GOSSIP_CERT_VISITORS_MAX
 * prefixes. The encoder writes version 1 exactly when the list is empty,
 * so a certificate has one encoding and version-1 certificates issued
 * before the list existed verify unchanged. */
#define GOSSIP_CERT_VERSION 1
#define GOSSIP_CERT_VERSION_VISITORS 2
#define GOSSIP_CERT_NETWORKS_MAX 64
#define GOSSIP_CERT_VNS_MAX 64
#define GOSSIP_CERT_VISITORS_MAX 16
#define GOSSIP_CERT_FPBYTES 32 /* SHA-256 of the encoded certificate */
/* magic 4, version 1, name 1+32, key 32, times 16, networks 1+64*5,
 * vns 1+64*4, visitors 1+16*5, ca id 8, signature 64 */
#define GOSSIP_CERT_ENCODED_MAX                                           \
	(4 + 1 + 1 + VRD_NAME_MAX + GOSSIP_KEY_PUBBYTES + 16 + 1 +        \
	 GOSSIP_CERT_NETWORKS_MAX * 5 + 1 + GOSSIP_CERT_VNS_MAX * 4 + 1 + \
	 GOSSIP_CERT_VISITORS_MAX * 5 + GOSSIP_CA_IDBYTES + GOSSIP_SIGBYTES)

/* File names inside a CA folder and an issue folder (vrctl ca). */
#define GOSSIP_CA_KEY_FILE "ca.key"
#define GOSSIP_CA_PUB_FILE "ca.pub"

struct gossip_pub {
	uint8_t b[GOSSIP_KEY_PUBBYTES];
};

struct gossip_cert {
	char name[VRD_NAME_MAX + 1]; /* vrd_name_valid() */
	struct gossip_pub key; /* the router's Ed25519 public key */
	uint64_t not_before; /* Unix seconds, inclusive */
	uint64_t not_after; /* Unix seconds, inclusive */
	unsigned nnetworks; /* 0 to GOSSIP_CERT_NETWORKS_MAX */
	struct vrd_prefix networks[GOSSIP_CERT_NETWORKS_MAX];
	unsigned nvns; /* 0 to GOSSIP_CERT_VNS_MAX */
	uint32_t vns[GOSSIP_CERT_VNS_MAX];
	/* 0: the router may host any address of its VNs as a visitor;
	 * otherwise only addresses inside one of these (and its own
	 * networks' hosts): gossip_cert_may_host() */
	unsigned nvisitors; /* 0 to GOSSIP_CERT_VISITORS_MAX */
	struct vrd_prefix visitors[GOSSIP_CERT_VISITORS_MAX];
	uint8_t ca_id[GOSSIP_CA_IDBYTES]; /* set by gossip_cert_sign() */
	uint8_t sig[GOSSIP_SIGBYTES]; /* set by gossip_cert_sign() */
};

/* Opaque: an Ed25519 key pair in guarded, read-only sodium memory. */
struct gossip_key;

/* ---- keys ---------------------------------------------------------- */

/* A fresh random key pair, or NULL with errno set. */
struct gossip_key *gossip_key_generate(void);
/* The key pair of a 32-byte seed (borrowed; the caller wipes it). */
struct gossip_key *
gossip_key_from_seed(const uint8_t seed[GOSSIP_KEY_SEEDBYTES]);
/* Wipes and frees; NULL is fine. */
void gossip_key_destroy(struct gossip_key *key);

/* Borrowed views, valid until gossip_key_destroy(). The secret is the
 * 64-byte libsodium Ed25519 secret key (seed || public key), the input
 * crypto_sign_ed25519_sk_to_curve25519() wants for the later CURVE keys. */
void gossip_key_public(struct gossip_pub *out, const struct gossip_key *key);
const uint8_t *gossip_key_secret(const struct gossip_key *key);
/* Detached Ed25519 signature of msg. 0 or a negative errno. */
int gossip_key_sign(uint8_t sig[GOSSIP_SIGBYTES], const struct gossip_key *key,
		    const uint8_t *msg, size_t len);
/* 0, or -EKEYREJECTED when key is not the key pair the cert names. */
int gossip_key_match_cert(const struct gossip_key *key,
			  const struct gossip_cert *cert);

/* A router's private key file ("vrd-router-key-v1 <base64 seed>"). Save
 * writes a temp file (0600, O_EXCL, fsync) and renames it over path. Load
 * refuses a file group or others can read (-EACCES: chmod 600). */
int gossip_key_save(const struct gossip_key *key, const char *path);
int gossip_key_load(struct gossip_key **out, const char *path, char *err,
		    size_t errlen);

/* ---- CA ------------------------------------------------------------ */

/* A new CA key pair, or NULL with errno set. */
struct gossip_key *gossip_ca_generate(void);
/* "vrd-ca-key-v1 <base64 seed>", 0600. Never overwrites: -EEXIST when
 * path exists (the temp file is linked into place, atomically). */
int gossip_ca_key_save(const struct gossip_key *ca, const char *path);
int gossip_ca_key_load(struct gossip_key **out, const char *path, char *err,
		       size_t errlen);
/* "vrd-ca-pub-v1 <base64 public key>", 0644, replaces path. */
int gossip_ca_pub_save(const struct gossip_pub *ca, const char *path);
int gossip_ca_pub_load(struct gossip_pub *out, const char *path, char *err,
		       size_t errlen);
/* The CA key id a certificate names: BLAKE2b-256(ca)[0..7]. */
void gossip_ca_id(uint8_t id[GOSSIP_CA_IDBYTES], const struct gossip_pub *ca);
/* id as 16 lower-case hex digits and a NUL. */
const char *gossip_ca_id_format(const uint8_t id[GOSSIP_CA_IDBYTES],
				char buf[2 * GOSSIP_CA_IDBYTES + 1]);

/* ---- certificates -------------------------------------------------- */

/* Clears cert and sets its name, key and validity. -EINVAL on a bad name
 * or not_before > not_after. */
int gossip_cert_init(struct gossip_cert *cert, const char *name,
		     const struct gossip_pub *key, uint64_t not_before,
		     uint64_t not_after);
/* -EINVAL (host bits set, len > 32), -E2BIG (list full); a duplicate is
 * ignored. */
int gossip_cert_add_network(struct gossip_cert *cert,
			    const struct vrd_prefix *network);
int gossip_cert_add_vn(struct gossip_cert *cert, uint32_t vn);
/* A visitor prefix (--visitors): as add_network, at most
 * GOSSIP_CERT_VISITORS_MAX. */
int gossip_cert_add_visitors(struct gossip_cert *cert,
			     const struct vrd_prefix *visitors);
/* Sets ca_id and signs everything before the signature with the CA key.
 * -EINVAL when the certificate would not encode or decode (bad name, no
 * network, no VN). */
int gossip_cert_sign(struct gossip_cert *cert, const struct gossip_key *ca);

/* Pure codec. encode: *len set, -ENOSPC when cap is short, -EINVAL on
 * fields out of range. decode: strict; -EBADMSG on anything malformed
 * (bad magic or version, bad name, counts over the maxima, host bits set,
 * a version-2 certificate with no visitor prefix, truncation, trailing
 * bytes). */
int gossip_cert_encode(uint8_t *buf, size_t cap, size_t *len,
		       const struct gossip_cert *cert);
int gossip_cert_decode(struct gossip_cert *out, const uint8_t *buf, size_t len);
/* The length of the signed part (everything before the signature). */
int gossip_cert_encode_tbs(uint8_t *buf, size_t cap, size_t *len,
			   const struct gossip_cert *cert);

/*
 * 0 when ca signed cert and now (Unix seconds) lies in its validity;
 * -EKEYREJECTED for a bad signature or another CA's certificate,
 * -EKEYEXPIRED when expired or not yet valid, -EBADMSG when it does not
 * encode.
 */
int gossip_cert_verify(const struct gossip_cert *cert,
		       const struct gossip_pub *ca, uint64_t now);
/* A certificate's fingerprint: SHA-256 of its encoding (the bytes a
 * router presents), what a revocation list names (vrctl ca fingerprint).
 * 0, -EBADMSG when it does not encode. */
int gossip_cert_fingerprint(uint8_t out[GOSSIP_CERT_FPBYTES],
			    const struct gossip_cert *cert);
void gossip_cert_fingerprint_bytes(uint8_t out[GOSSIP_CERT_FPBYTES],
				   const uint8_t *p, size_t len);
/* A network of the certificate contains prefix (equal or longer). */
bool gossip_cert_covers_prefix(const struct gossip_cert *cert,
			       const struct vrd_prefix *prefix);
bool gossip_cert_has_vn(const struct gossip_cert *cert, uint32_t vn);
/*
 * The mobility scope: may the router claim ip (a HOST record, `vrctl
 * claim`, a migration)? True when the certificate has no visitor list,
 * when ip is inside one of its networks (a host of its own coming home),
 * or inside one of its visitor prefixes.
 */
bool gossip_cert_may_host(const struct gossip_cert *cert, uint32_t ip);

/* "vrd-cert-v1 <base64>", 0644, replaces path. Load decodes but does not
 * verify: call gossip_cert_verify(). */
int gossip_cert_save(const struct gossip_cert *cert, const char *path);
int gossip_cert_load(struct gossip_cert *out, const char *path, char *err,
		     size_t errlen);

/*
 * The daemon's start-up (and `vrd -n`) check: loads the CA public key, the
 * certificate and the router key; verifies the signature and validity at
 * now; checks that the certificate names `name`, that the key matches it,
 * that it covers network (NULL: not checked) and allows vn. On failure
 * writes one line to err (no FILE:LINE: the caller adds it) and returns a
 * negative errno: the loader's (-ENOENT, -EACCES for a key others can
 * read, -EBADMSG for a malformed file), -EKEYREJECTED (another CA, bad
 * signature, another router's name, a key that is not the certificate's),
 * -EKEYEXPIRED, or -EPERM (network not covered, vn not allowed).
 */
int gossip_trust_check(const char *ca_path, const char *cert_path,
		       const char *key_path, const char *name,
		       const struct vrd_prefix *network, uint32_t vn,
		       uint64_t now, char *err, size_t errlen);

#endif
