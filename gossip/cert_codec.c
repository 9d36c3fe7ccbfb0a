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

#include "base/bytes.h"
#include "gossip/wire_name.h"

static const uint8_t cert_magic[4] = {'V', 'R', 'D', 'C'};

static bool fields_valid(const struct gossip_cert *cert)
{
	if (!name_ok(cert->name)) {
		return false;
	}
	if (cert->nnetworks > GOSSIP_CERT_NETWORKS_MAX ||
	    cert->nvns > GOSSIP_CERT_VNS_MAX) {
		return false;
	}
	for (unsigned i = 0; i < cert->nnetworks; i++) {
		if (!vrd_prefix_valid(&cert->networks[i])) {
			return false;
		}
	}
	return true;
}

int gossip_cert_encode_tbs(uint8_t *buf, size_t cap, size_t *len,
			   const struct gossip_cert *cert)
{
	struct vrd_writer w;
	size_t namelen;

	if (!fields_valid(cert)) {
		return -EINVAL;
	}
	vrd_writer_init(&w, buf, cap);
	namelen = strlen(cert->name);
	vrd_writer_put(&w, cert_magic, sizeof(cert_magic));
	vrd_writer_u8(&w, GOSSIP_CERT_VERSION);
	vrd_writer_u8(&w, (uint8_t)namelen);
	vrd_writer_put(&w, cert->name, namelen);
	vrd_writer_put(&w, cert->key.b, sizeof(cert->key.b));
	vrd_writer_u64(&w, cert->not_before);
	vrd_writer_u64(&w, cert->not_after);
	vrd_writer_u8(&w, (uint8_t)cert->nnetworks);
	for (unsigned i = 0; i < cert->nnetworks; i++) {
		vrd_writer_u32(&w, cert->networks[i].addr);
		vrd_writer_u8(&w, cert->networks[i].len);
	}
	vrd_writer_u8(&w, (uint8_t)cert->nvns);
	for (unsigned i = 0; i < cert->nvns; i++) {
		vrd_writer_u32(&w, cert->vns[i]);
	}
	vrd_writer_put(&w, cert->ca_id, sizeof(cert->ca_id));
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

static int decode_lists(struct vrd_reader *r, struct gossip_cert *c)
{
	c->nnetworks = vrd_reader_u8(r);
	if (c->nnetworks > GOSSIP_CERT_NETWORKS_MAX) {
		return -EBADMSG;
	}
	for (unsigned i = 0; i < c->nnetworks; i++) {
		c->networks[i].addr = vrd_reader_u32(r);
		c->networks[i].len = vrd_reader_u8(r);
		if (!vrd_prefix_valid(&c->networks[i])) {
			return -EBADMSG;
		}
	}
	c->nvns = vrd_reader_u8(r);
	if (c->nvns > GOSSIP_CERT_VNS_MAX) {
		return -EBADMSG;
	}
	for (unsigned i = 0; i < c->nvns; i++) {
		c->vns[i] = vrd_reader_u32(r);
	}
	return 0;
}

int gossip_cert_decode(struct gossip_cert *out, const uint8_t *buf, size_t len)
{
	struct vrd_reader r;
	struct gossip_cert c;
	const uint8_t *b;

	memset(&c, 0, sizeof(c));
	vrd_reader_init(&r, buf, len);
	b = vrd_reader_get(&r, sizeof(cert_magic));
	if (!b || memcmp(b, cert_magic, sizeof(cert_magic)) != 0) {
		return -EBADMSG;
	}
	if (vrd_reader_u8(&r) != GOSSIP_CERT_VERSION) {
		return -EBADMSG;
	}
	if (!name_read(&r, vrd_reader_u8(&r), c.name)) {
		return -EBADMSG;
	}
	vrd_reader_copy(&r, c.key.b, sizeof(c.key.b));
	c.not_before = vrd_reader_u64(&r);
	c.not_after = vrd_reader_u64(&r);
	if (decode_lists(&r, &c) < 0) {
		return -EBADMSG;
	}
	vrd_reader_copy(&r, c.ca_id, sizeof(c.ca_id));
	vrd_reader_copy(&r, c.sig, sizeof(c.sig));
	if (!vrd_reader_done(&r)) {
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
	if (!vrd_prefix_valid(network)) {
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
