/*
 * The certificate's binary encoding, and the checks on its fields: pure
 * (no I/O, no libsodium) so the fuzzer links it alone.
 *
 * All integers big-endian:
 *   "VRDC"  magic (4)
 *   u8      version (1)
 *   u8      name length (1 to 32), then the name ([A-Za-z0-9_.-])
 *   32      router Ed25519 public key
 *   u64     not_before, u64 not_after (Unix seconds)
 *   u8      network count (0 to 64), then per network u32 addr, u8 len
 *   u8      vn count (0 to 64), then per vn u32
 *   8       CA key id
 *   64      Ed25519 signature by the CA over all the bytes above
 */
#include "gossip/cert.h"

#include <errno.h>
#include <string.h>

static const uint8_t cert_magic[4] = {'V', 'R', 'D', 'C'};

struct writer {
	uint8_t *p;
	size_t cap, len;
	bool overflow;
};

static void put(struct writer *w, const void *src, size_t n)
{
	if (w->overflow || w->cap - w->len < n) {
		w->overflow = true;
		return;
	}
	memcpy(w->p + w->len, src, n);
	w->len += n;
}

static void put_u8(struct writer *w, uint8_t v)
{
	put(w, &v, 1);
}

static void put_u32(struct writer *w, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16),
			(uint8_t)(v >> 8), (uint8_t)v};

	put(w, b, sizeof(b));
}

static void put_u64(struct writer *w, uint64_t v)
{
	put_u32(w, (uint32_t)(v >> 32));
	put_u32(w, (uint32_t)v);
}

struct reader {
	const uint8_t *p;
	size_t len, off;
	bool short_read;
};

static const uint8_t *get(struct reader *r, size_t n)
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

static uint8_t get_u8(struct reader *r)
{
	const uint8_t *b = get(r, 1);

	return b ? b[0] : 0;
}

static uint32_t get_u32(struct reader *r)
{
	const uint8_t *b = get(r, 4);

	if (!b) {
		return 0;
	}
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	       (uint32_t)b[2] << 8 | b[3];
}

static uint64_t get_u64(struct reader *r)
{
	uint64_t hi = get_u32(r);

	return hi << 32 | get_u32(r);
}

static bool network_valid(const struct vrd_prefix *p)
{
	return p->len <= 32 && (p->addr & ~vrd_prefix_mask(p->len)) == 0;
}

static bool fields_valid(const struct gossip_cert *cert)
{
	if (memchr(cert->name, '\0', sizeof(cert->name)) == NULL ||
	    !vrd_name_valid(cert->name)) {
		return false;
	}
	if (cert->nnetworks > GOSSIP_CERT_NETWORKS_MAX ||
	    cert->nvns > GOSSIP_CERT_VNS_MAX) {
		return false;
	}
	for (unsigned i = 0; i < cert->nnetworks; i++) {
		if (!network_valid(&cert->networks[i])) {
			return false;
		}
	}
	return true;
}

int gossip_cert_encode_tbs(uint8_t *buf, size_t cap, size_t *len,
			   const struct gossip_cert *cert)
{
	struct writer w = {.p = buf, .cap = cap};
	size_t namelen;

	if (!fields_valid(cert)) {
		return -EINVAL;
	}
	namelen = strlen(cert->name);
	put(&w, cert_magic, sizeof(cert_magic));
	put_u8(&w, GOSSIP_CERT_VERSION);
	put_u8(&w, (uint8_t)namelen);
	put(&w, cert->name, namelen);
	put(&w, cert->key.b, sizeof(cert->key.b));
	put_u64(&w, cert->not_before);
	put_u64(&w, cert->not_after);
	put_u8(&w, (uint8_t)cert->nnetworks);
	for (unsigned i = 0; i < cert->nnetworks; i++) {
		put_u32(&w, cert->networks[i].addr);
		put_u8(&w, cert->networks[i].len);
	}
	put_u8(&w, (uint8_t)cert->nvns);
	for (unsigned i = 0; i < cert->nvns; i++) {
		put_u32(&w, cert->vns[i]);
	}
	put(&w, cert->ca_id, sizeof(cert->ca_id));
	if (w.overflow) {
		return -ENOSPC;
	}
	*len = w.len;
	return 0;
}

int gossip_cert_encode(uint8_t *buf, size_t cap, size_t *len,
		       const struct gossip_cert *cert)
{
	size_t n;
	int rc;

	rc = gossip_cert_encode_tbs(buf, cap, &n, cert);
	if (rc < 0) {
		return rc;
	}
	if (cap - n < sizeof(cert->sig)) {
		return -ENOSPC;
	}
	memcpy(buf + n, cert->sig, sizeof(cert->sig));
	*len = n + sizeof(cert->sig);
	return 0;
}

static int decode_name(struct reader *r, char name[VRD_NAME_MAX + 1])
{
	uint8_t n = get_u8(r);
	const uint8_t *s;

	if (n == 0 || n > VRD_NAME_MAX) {
		return -EBADMSG;
	}
	s = get(r, n);
	if (!s) {
		return -EBADMSG;
	}
	memcpy(name, s, n);
	name[n] = '\0';
	/* an embedded NUL makes the name shorter than n: also rejected */
	if (strlen(name) != n || !vrd_name_valid(name)) {
		return -EBADMSG;
	}
	return 0;
}

static int decode_lists(struct reader *r, struct gossip_cert *c)
{
	c->nnetworks = get_u8(r);
	if (c->nnetworks > GOSSIP_CERT_NETWORKS_MAX) {
		return -EBADMSG;
	}
	for (unsigned i = 0; i < c->nnetworks; i++) {
		c->networks[i].addr = get_u32(r);
		c->networks[i].len = get_u8(r);
		if (!network_valid(&c->networks[i])) {
			return -EBADMSG;
		}
	}
	c->nvns = get_u8(r);
	if (c->nvns > GOSSIP_CERT_VNS_MAX) {
		return -EBADMSG;
	}
	for (unsigned i = 0; i < c->nvns; i++) {
		c->vns[i] = get_u32(r);
	}
	return 0;
}

int gossip_cert_decode(struct gossip_cert *out, const uint8_t *buf, size_t len)
{
	struct reader r = {.p = buf, .len = len};
	struct gossip_cert c;
	const uint8_t *b;

	memset(&c, 0, sizeof(c));
	b = get(&r, sizeof(cert_magic));
	if (!b || memcmp(b, cert_magic, sizeof(cert_magic)) != 0) {
		return -EBADMSG;
	}
	if (get_u8(&r) != GOSSIP_CERT_VERSION) {
		return -EBADMSG;
	}
	if (decode_name(&r, c.name) < 0) {
		return -EBADMSG;
	}
	b = get(&r, sizeof(c.key.b));
	if (b) {
		memcpy(c.key.b, b, sizeof(c.key.b));
	}
	c.not_before = get_u64(&r);
	c.not_after = get_u64(&r);
	if (decode_lists(&r, &c) < 0) {
		return -EBADMSG;
	}
	b = get(&r, sizeof(c.ca_id));
	if (b) {
		memcpy(c.ca_id, b, sizeof(c.ca_id));
	}
	b = get(&r, sizeof(c.sig));
	if (b) {
		memcpy(c.sig, b, sizeof(c.sig));
	}
	if (r.short_read || r.off != r.len) {
		return -EBADMSG;
	}
	*out = c;
	return 0;
}

int gossip_cert_init(struct gossip_cert *cert, const char *name,
		     const struct gossip_pub *key, uint64_t not_before,
		     uint64_t not_after)
{
	if (!name || !vrd_name_valid(name) || not_before > not_after) {
		return -EINVAL;
	}
	memset(cert, 0, sizeof(*cert));
	memcpy(cert->name, name, strlen(name) + 1);
	cert->key = *key;
	cert->not_before = not_before;
	cert->not_after = not_after;
	return 0;
}

int gossip_cert_add_network(struct gossip_cert *cert,
			    const struct vrd_prefix *network)
{
	if (!network_valid(network)) {
		return -EINVAL;
	}
	for (unsigned i = 0; i < cert->nnetworks; i++) {
		if (cert->networks[i].addr == network->addr &&
		    cert->networks[i].len == network->len) {
			return 0;
		}
	}
	if (cert->nnetworks >= GOSSIP_CERT_NETWORKS_MAX) {
		return -E2BIG;
	}
	cert->networks[cert->nnetworks++] = *network;
	return 0;
}

int gossip_cert_add_vn(struct gossip_cert *cert, uint32_t vn)
{
	if (gossip_cert_has_vn(cert, vn)) {
		return 0;
	}
	if (cert->nvns >= GOSSIP_CERT_VNS_MAX) {
		return -E2BIG;
	}
	cert->vns[cert->nvns++] = vn;
	return 0;
}

bool gossip_cert_covers_prefix(const struct gossip_cert *cert,
			       const struct vrd_prefix *prefix)
{
	for (unsigned i = 0; i < cert->nnetworks; i++) {
		if (vrd_prefix_covers(&cert->networks[i], prefix)) {
			return true;
		}
	}
	return false;
}

bool gossip_cert_has_vn(const struct gossip_cert *cert, uint32_t vn)
{
	for (unsigned i = 0; i < cert->nvns; i++) {
		if (cert->vns[i] == vn) {
			return true;
		}
	}
	return false;
}
