/*
 * Signing and verifying records (gossip/record.h): the origin's Ed25519
 * key through the cert module, the checks a receiver makes before it
 * believes a record.
 */
#include "gossip/record.h"

#include <errno.h>
#include <sodium.h>
#include <string.h>

int gossip_record_encode_signed(uint8_t *out, size_t cap, size_t *len,
				const struct gossip_record *r,
				const struct gossip_key *origin_key)
{
	size_t n;
	int rc;

	rc = gossip_record_encode_tbs(out, cap, &n, r);
	if (rc < 0) {
		return rc;
	}
	if (cap - n < GOSSIP_SIGBYTES) {
		return -EMSGSIZE;
	}
	rc = gossip_key_sign(out + n, origin_key, out, n);
	if (rc < 0) {
		return rc;
	}
	*len = n + GOSSIP_SIGBYTES;
	return 0;
}

/* signed_bytes is r's encoding: the signature checked is the one r holds
 * over the fields r holds. */
static bool bytes_match(const struct gossip_record *r, const uint8_t *p,
			size_t len)
{
	uint8_t buf[GOSSIP_RECORD_ENCODED_MAX];
	size_t n;

	if (gossip_record_encode(buf, sizeof(buf), &n, r) < 0) {
		return false;
	}
	return n == len && memcmp(buf, p, n) == 0;
}

int gossip_record_verify(const struct gossip_record *r,
			 const uint8_t *signed_bytes, size_t len,
			 const struct gossip_cert *origin_cert, uint64_t now_ms)
{
	if (sodium_init() < 0) {
		return -EIO;
	}
	if (!bytes_match(r, signed_bytes, len)) {
		return -EINVAL;
	}
	if (strcmp(r->origin, origin_cert->name) != 0) {
		return -EKEYREJECTED;
	}
	if (crypto_sign_verify_detached(r->sig, signed_bytes,
					len - GOSSIP_SIGBYTES,
					origin_cert->key.b) != 0) {
		return -EKEYREJECTED;
	}
	if (r->time_ms > now_ms &&
	    r->time_ms - now_ms > GOSSIP_RECORD_FUTURE_MS) {
		return -ERANGE;
	}
	if (!gossip_cert_has_vn(origin_cert, r->vn)) {
		return -EPERM;
	}
	if (r->type == GOSSIP_RECORD_NETWORK &&
	    !gossip_cert_covers_prefix(origin_cert, &r->prefix)) {
		return -EPERM;
	}
	if (r->type == GOSSIP_RECORD_HOST &&
	    !gossip_cert_may_host(origin_cert, r->prefix.addr)) {
		return -EACCES;
	}
	return 0;
}
