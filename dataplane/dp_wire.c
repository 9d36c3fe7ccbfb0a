/*
 * The data plane's wire format, AEAD and anti-replay window (dp_wire.h).
 *
 * The replay window follows RFC 6479: a ring of 64-bit words, one bit per
 * counter, where moving the top forward clears whole words instead of
 * shifting the bitmap. The ring has more bits than the window
 * (DP_REPLAY_WINDOW) so that the word the top lives in never aliases a
 * word still inside the window.
 */
#include "base/bytes.h"
#include "dataplane/dp_wire.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <sodium.h>

#define NONCE_LEN 12
#define RING_WORDS 64 /* a power of two, > DP_REPLAY_WINDOW / 64 + 1 */
#define RING_MASK (RING_WORDS - 1)

_Static_assert(RING_WORDS * 64 >= DP_REPLAY_WINDOW + 64,
	       "replay ring too small for its window");
_Static_assert(crypto_aead_aes256gcm_NPUBBYTES == NONCE_LEN &&
		       crypto_aead_chacha20poly1305_ietf_NPUBBYTES == NONCE_LEN,
	       "nonce length");
_Static_assert(crypto_aead_aes256gcm_ABYTES == DP_TAG_LEN &&
		       crypto_aead_chacha20poly1305_ietf_ABYTES == DP_TAG_LEN,
	       "tag length");
_Static_assert(crypto_aead_aes256gcm_KEYBYTES == DP_SECRET_LEN &&
		       crypto_aead_chacha20poly1305_ietf_KEYBYTES ==
			       DP_SECRET_LEN,
	       "key length");

struct replay {
	uint64_t top; /* highest counter accepted, 0 before the first */
	uint64_t ring[RING_WORDS];
};

/*
 * Lives in sodium_malloc memory, which ends at a guard page: the size is a
 * multiple of the alignment, so the start is aligned too. The window sits
 * on cache lines of its own, away from the read-only cipher state that
 * sending threads share.
 */
struct dp_key {
	union {
		crypto_aead_aes256gcm_state aes; /* expanded by beforenm */
		uint8_t chacha[DP_SECRET_LEN];
	} u;
	enum dp_cipher cipher;
	_Alignas(64) struct replay rp;
};

_Static_assert(sizeof(struct dp_key) % 64 == 0, "key size alignment");

static const char *const drop_names[DP_DROP_MAX] = {
	[DP_DROP_NONE] = "none",
	[DP_DROP_SHORT] = "short",
	[DP_DROP_VERSION] = "version",
	[DP_DROP_TYPE] = "type",
	[DP_DROP_FLAGS] = "flags",
	[DP_DROP_COUNTER] = "counter",
	[DP_DROP_NOKEY] = "nokey",
	[DP_DROP_VN] = "vn",
	[DP_DROP_REPLAY_OLD] = "replay_old",
	[DP_DROP_REPLAY_DUP] = "replay_dup",
	[DP_DROP_AUTH] = "auth",
	[DP_DROP_RELAY] = "relay",
};

static inline bool type_valid(unsigned type)
{
	return type >= DP_DATA && type <= DP_RELAY;
}

static inline bool counter_valid(uint64_t counter)
{
	return counter != 0 && counter <= DP_COUNTER_MAX;
}

static inline void nonce_make(uint8_t nonce[NONCE_LEN], uint64_t counter)
{
	memset(nonce, 0, 4);
	vrd_put_be64(nonce + 4, counter);
}

const char *dp_drop_name(enum dp_drop d)
{
	if ((unsigned)d >= DP_DROP_MAX) {
		return "unknown";
	}
	return drop_names[d];
}

const char *dp_cipher_name(enum dp_cipher c)
{
	switch (c) {
	case DP_AES256GCM:
		return "aes256gcm";
	case DP_CHACHA20POLY1305:
		return "chacha20poly1305";
	}
	return "unknown";
}

enum dp_cipher dp_cipher_preferred(void)
{
	/* The CPU features are probed by sodium_init(). */
	if (sodium_init() < 0 || !crypto_aead_aes256gcm_is_available()) {
		return DP_CHACHA20POLY1305;
	}
	return DP_AES256GCM;
}

int dp_hdr_decode(struct dp_hdr *out, const uint8_t *buf, size_t len)
{
	uint64_t counter;

	if (len < DP_OVERHEAD) {
		return -DP_DROP_SHORT;
	}
	if (buf[0] != DP_VERSION) {
		return -DP_DROP_VERSION;
	}
	if (!type_valid(buf[1])) {
		return -DP_DROP_TYPE;
	}
	if (vrd_get_be16(buf + 2) != 0) {
		return -DP_DROP_FLAGS;
	}
	counter = vrd_get_be64(buf + 12);
	if (!counter_valid(counter)) {
		return -DP_DROP_COUNTER;
	}
	out->version = buf[0];
	out->type = buf[1];
	out->flags = 0;
	out->key_id = vrd_get_be32(buf + 4);
	out->vn = vrd_get_be32(buf + 8);
	out->counter = counter;
	return 0;
}

struct dp_key *dp_key_create(enum dp_cipher c,
			     const uint8_t secret[DP_SECRET_LEN])
{
	struct dp_key *k;

	if (c != DP_AES256GCM && c != DP_CHACHA20POLY1305) {
		errno = EINVAL;
		return NULL;
	}
	if (sodium_init() < 0) {
		errno = EIO;
		return NULL;
	}
	if (c == DP_AES256GCM && !crypto_aead_aes256gcm_is_available()) {
		errno = ENOTSUP;
		return NULL;
	}
	k = sodium_malloc(sizeof(*k));
	if (!k) {
		errno = ENOMEM;
		return NULL;
	}
	sodium_memzero(k, sizeof(*k));
	k->cipher = c;
	if (c == DP_AES256GCM) {
		crypto_aead_aes256gcm_beforenm(&k->u.aes, secret);
	} else {
		memcpy(k->u.chacha, secret, DP_SECRET_LEN);
	}
	return k;
}

void dp_key_destroy(struct dp_key *k)
{
	/* sodium_free wipes before it unmaps; the memzero says so here too. */
	if (!k) {
		return;
	}
	sodium_memzero(k, sizeof(*k));
	sodium_free(k);
}

enum dp_cipher dp_key_cipher(const struct dp_key *k)
{
	return k->cipher;
}

static void hdr_encode(uint8_t *p, uint8_t type, uint32_t key_id, uint32_t vn,
		       uint64_t counter)
{
	p[0] = DP_VERSION;
	p[1] = type;
	vrd_put_be16(p + 2, 0);
	vrd_put_be32(p + 4, key_id);
	vrd_put_be32(p + 8, vn);
	vrd_put_be64(p + 12, counter);
}

size_t dp_seal(const struct dp_key *k, uint8_t *out, uint8_t type,
	       uint32_t key_id, uint32_t vn, uint64_t counter,
	       const uint8_t *in, size_t len)
{
	uint8_t nonce[NONCE_LEN];
	uint8_t *c = out + DP_HDR_LEN;
	int rc;

	if (!type_valid(type) || !counter_valid(counter)) {
		return 0;
	}
	hdr_encode(out, type, key_id, vn, counter);
	nonce_make(nonce, counter);
	if (k->cipher == DP_AES256GCM) {
		rc = crypto_aead_aes256gcm_encrypt_detached_afternm(
			c, c + len, NULL, in, len, out, DP_HDR_LEN, NULL, nonce,
			&k->u.aes);
	} else {
		rc = crypto_aead_chacha20poly1305_ietf_encrypt_detached(
			c, c + len, NULL, in, len, out, DP_HDR_LEN, NULL, nonce,
			k->u.chacha);
	}
	if (rc != 0) {
		return 0; /* longer than the cipher allows: not a datagram */
	}
	return len + DP_OVERHEAD;
}

/* Before decryption: is this counter worth a tag check? */
static enum dp_drop replay_check(const struct replay *rp, uint64_t c)
{
	if (!counter_valid(c)) {
		return DP_DROP_COUNTER;
	}
	if (c > rp->top) {
		return DP_DROP_NONE;
	}
	if (rp->top - c >= DP_REPLAY_WINDOW) {
		return DP_DROP_REPLAY_OLD;
	}
	if (rp->ring[(c >> 6) & RING_MASK] & (1ull << (c & 63))) {
		return DP_DROP_REPLAY_DUP;
	}
	return DP_DROP_NONE;
}

/* After the tag verified: mark c seen, moving the top if c is past it. */
static void replay_update(struct replay *rp, uint64_t c)
{
	if (c > rp->top) {
		uint64_t cur = rp->top >> 6;
		uint64_t n = (c >> 6) - cur;

		if (n > RING_WORDS) {
			n = RING_WORDS;
		}
		for (uint64_t i = 1; i <= n; i++) {
			rp->ring[(cur + i) & RING_MASK] = 0;
		}
		rp->top = c;
	}
	rp->ring[(c >> 6) & RING_MASK] |= 1ull << (c & 63);
}

ssize_t dp_open(struct dp_key *k, const struct dp_hdr *h, uint8_t *buf,
		size_t len)
{
	uint8_t nonce[NONCE_LEN];
	uint8_t *c = buf + DP_HDR_LEN;
	enum dp_drop d;
	size_t mlen;
	int rc;

	if (len < DP_OVERHEAD) {
		return -DP_DROP_SHORT;
	}
	d = replay_check(&k->rp, h->counter);
	if (d != DP_DROP_NONE) {
		return -(ssize_t)d;
	}
	/* The nonce comes from h, the AAD from buf: the tag verifies only if
	 * both carry the counter the sender used, so the window below marks
	 * the right one. */
	mlen = len - DP_OVERHEAD;
	nonce_make(nonce, h->counter);
	if (k->cipher == DP_AES256GCM) {
		rc = crypto_aead_aes256gcm_decrypt_detached_afternm(
			c, NULL, c, mlen, c + mlen, buf, DP_HDR_LEN, nonce,
			&k->u.aes);
	} else {
		rc = crypto_aead_chacha20poly1305_ietf_decrypt_detached(
			c, NULL, c, mlen, c + mlen, buf, DP_HDR_LEN, nonce,
			k->u.chacha);
	}
	if (rc != 0) {
		return -DP_DROP_AUTH;
	}
	replay_update(&k->rp, h->counter);
	return (ssize_t)mlen;
}

static bool keyx_cipher_valid(uint8_t c)
{
	return c == DP_AES256GCM || c == DP_CHACHA20POLY1305;
}

int dp_keyx_encode(uint8_t *buf, size_t cap, const struct dp_keyx *kx)
{
	if (cap < DP_KEYX_LEN) {
		return -ENOSPC;
	}
	if (kx->version != DP_KEYX_VERSION || !keyx_cipher_valid(kx->cipher)) {
		return -EINVAL;
	}
	buf[0] = kx->version;
	buf[1] = kx->cipher;
	vrd_put_be32(buf + 2, kx->key_id);
	vrd_put_be32(buf + 6, kx->epoch);
	memcpy(buf + 10, kx->secret, DP_SECRET_LEN);
	return 0;
}

int dp_keyx_decode(struct dp_keyx *out, const uint8_t *buf, size_t len)
{
	if (len != DP_KEYX_LEN || buf[0] != DP_KEYX_VERSION ||
	    !keyx_cipher_valid(buf[1])) {
		return -EBADMSG;
	}
	out->version = buf[0];
	out->cipher = buf[1];
	out->key_id = vrd_get_be32(buf + 2);
	out->epoch = vrd_get_be32(buf + 6);
	memcpy(out->secret, buf + 10, DP_SECRET_LEN);
	return 0;
}

int dp_relay_decode(struct dp_relay *out, const uint8_t *pl, size_t len)
{
	char name[VRD_NAME_MAX + 1];
	size_t n;

	if (len < 2 || (pl[0] != DP_RELAY_TO && pl[0] != DP_RELAY_FROM)) {
		return -DP_DROP_RELAY;
	}
	n = pl[1];
	if (n == 0 || n > VRD_NAME_MAX || len < 2 + n + DP_HDR_LEN ||
	    memchr(pl + 2, '\0', n)) {
		return -DP_DROP_RELAY;
	}
	memcpy(name, pl + 2, n);
	name[n] = '\0';
	if (!vrd_name_valid(name)) {
		return -DP_DROP_RELAY;
	}
	memcpy(out->name, name, n + 1);
	out->kind = pl[0];
	out->inner_off = 2 + n;
	out->inner_len = len - 2 - n;
	return 0;
}

size_t dp_relay_hdr_len(const char *name)
{
	return 2 + strlen(name);
}

size_t dp_relay_encode(uint8_t *buf, uint8_t kind, const char *name)
{
	size_t n = strlen(name);

	buf[0] = kind;
	buf[1] = (uint8_t)n;
	memcpy(buf + 2, name, n);
	return 2 + n;
}

void dp_probe_encode(uint8_t *buf, const struct dp_probe *pr)
{
	buf[0] = 1;
	vrd_put_be64(buf + 1, pr->sent_us);
	vrd_put_be32(buf + 9, pr->relay);
}

int dp_probe_decode(struct dp_probe *out, const uint8_t *pl, size_t len)
{
	if (len != DP_PROBE_LEN) {
		return -DP_DROP_SHORT;
	}
	out->sent_us = vrd_get_be64(pl + 1);
	out->relay = vrd_get_be32(pl + 9);
	return 0;
}

enum dp_keyx_verdict dp_keyx_judge(uint32_t last_epoch, uint32_t last_id,
				   uint32_t epoch, uint32_t id, int64_t now_s,
				   int64_t skew_s)
{
	int64_t skew = now_s - (int64_t)epoch;

	if (skew > skew_s || skew < -skew_s) {
		return DP_KEYX_SKEWED;
	}
	if (epoch > last_epoch) {
		return DP_KEYX_TAKE;
	}
	return epoch == last_epoch && id == last_id ? DP_KEYX_AGAIN
						    : DP_KEYX_STALE;
}
