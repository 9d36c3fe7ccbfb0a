/*
 * The certificate's binary encoding, and the checks on its fields: pure
 * (no I/O, no libsodium) so the fuzzer links it alone.
 *
 * All integers big-endian:
 *   "VRDC"  magic (4)
 *   u8      version (1: no visitor list; 2: with one, never empty)
 *   u8      name length (1 to 32), then the name ([A-Za-z0-9_.-])
 *   32      router Ed25519 public key
 *   u64     not_before, u64 not_after (Unix seconds)
 *   u8      network count (0 to 64), then per network u32 addr, u8 len
 *   u8      vn count (0 to 64), then per vn u32
 *   version 2 only:
 *   u8      visitor count (1 to 16), then per prefix u32 addr, u8 len
 *   8       CA key id
 *   64      Ed25519 signature by the CA over all the bytes above
 */
#include "gossip/cert.h"

#include <errno.h>
#include <string.h>

#include "base/bytes.h"
#include "gossip/wire_name.h"

static const uint8_t cert_magic[4] = {'V', 'R', 'D', 'C'};

static bool prefixes_valid(const struct vrd_prefix *list, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		if (!vrd_prefix_valid(&list[i])) {
			return false;
		}
	}
	return true;
}

static bool fields_valid(const struct gossip_cert *cert)
{
	if (!name_ok(cert->name)) {
		return false;
	}
	if (cert->nnetworks > GOSSIP_CERT_NETWORKS_MAX ||
	    cert->nvns > GOSSIP_CERT_VNS_MAX ||
	    cert->nvisitors > GOSSIP_CERT_VISITORS_MAX) {
		return false;
	}
	return prefixes_valid(cert->networks, cert->nnetworks) &&
	       prefixes_valid(cert->visitors, cert->nvisitors);
}

static void put_prefixes(struct vrd_writer *w, const struct vrd_prefix *list,
			 unsigned n)
{
	vrd_writer_u8(w, (uint8_t)n);
	for (unsigned i = 0; i < n; i++) {
		vrd_writer_u32(w, list[i].addr);
		vrd_writer_u8(w, list[i].len);
	}
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
	vrd_writer_u8(&w, cert->nvisitors ? GOSSIP_CERT_VERSION_VISITORS
					  : GOSSIP_CERT_VERSION);
	vrd_writer_u8(&w, (uint8_t)namelen);
	vrd_writer_put(&w, cert->name, namelen);
	vrd_writer_put(&w, cert->key.b, sizeof(cert->key.b));
	vrd_writer_u64(&w, cert->not_before);
	vrd_writer_u64(&w, cert->not_after);
	put_prefixes(&w, cert->networks, cert->nnetworks);
	vrd_writer_u8(&w, (uint8_t)cert->nvns);
	for (unsigned i = 0; i < cert->nvns; i++) {
		vrd_writer_u32(&w, cert->vns[i]);
	}
	if (cert->nvisitors) {
		put_prefixes(&w, cert->visitors, cert->nvisitors);
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

/* A count (min to max) and that many prefixes, no host bits set. */
static int read_prefixes(struct vrd_reader *r, struct vrd_prefix *list,
			 unsigned *n, unsigned min, unsigned max)
{
	*n = vrd_reader_u8(r);
	if (*n < min || *n > max) {
		return -EBADMSG;
	}
	for (unsigned i = 0; i < *n; i++) {
		list[i].addr = vrd_reader_u32(r);
		list[i].len = vrd_reader_u8(r);
		if (!vrd_prefix_valid(&list[i])) {
			return -EBADMSG;
		}
	}
	return 0;
}

static int decode_lists(struct vrd_reader *r, struct gossip_cert *c,
			uint8_t version)
{
	if (read_prefixes(r, c->networks, &c->nnetworks, 0,
			  GOSSIP_CERT_NETWORKS_MAX) < 0) {
		return -EBADMSG;
	}
	c->nvns = vrd_reader_u8(r);
	if (c->nvns > GOSSIP_CERT_VNS_MAX) {
		return -EBADMSG;
	}
	for (unsigned i = 0; i < c->nvns; i++) {
		c->vns[i] = vrd_reader_u32(r);
	}
	/* version 2 with an empty list would re-encode as version 1: one
	 * encoding per certificate, so it is malformed */
	if (version == GOSSIP_CERT_VERSION_VISITORS &&
	    read_prefixes(r, c->visitors, &c->nvisitors, 1,
			  GOSSIP_CERT_VISITORS_MAX) < 0) {
		return -EBADMSG;
	}
	return 0;
}

int gossip_cert_decode(struct gossip_cert *out, const uint8_t *buf, size_t len)
{
	struct vrd_reader r;
	struct gossip_cert c;
	const uint8_t *b;
	uint8_t version;

	memset(&c, 0, sizeof(c));
	vrd_reader_init(&r, buf, len);
	b = vrd_reader_get(&r, sizeof(cert_magic));
	if (!b || memcmp(b, cert_magic, sizeof(cert_magic)) != 0) {
		return -EBADMSG;
	}
	version = vrd_reader_u8(&r);
	if (version != GOSSIP_CERT_VERSION &&
	    version != GOSSIP_CERT_VERSION_VISITORS) {
		return -EBADMSG;
	}
	if (!name_read(&r, vrd_reader_u8(&r), c.name)) {
		return -EBADMSG;
	}
	vrd_reader_copy(&r, c.key.b, sizeof(c.key.b));
	c.not_before = vrd_reader_u64(&r);
	c.not_after = vrd_reader_u64(&r);
	if (decode_lists(&r, &c, version) < 0) {
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

/* p into list (n of max): a duplicate is ignored. */
static int prefix_add(struct vrd_prefix *list, unsigned *n, unsigned max,
		      const struct vrd_prefix *p)
{
	if (!vrd_prefix_valid(p)) {
		return -EINVAL;
	}
	for (unsigned i = 0; i < *n; i++) {
		if (list[i].addr == p->addr && list[i].len == p->len) {
			return 0;
		}
	}
	if (*n >= max) {
		return -E2BIG;
	}
	list[(*n)++] = *p;
	return 0;
}

int gossip_cert_add_network(struct gossip_cert *cert,
			    const struct vrd_prefix *network)
{
	return prefix_add(cert->networks, &cert->nnetworks,
			  GOSSIP_CERT_NETWORKS_MAX, network);
}

int gossip_cert_add_visitors(struct gossip_cert *cert,
			     const struct vrd_prefix *visitors)
{
	return prefix_add(cert->visitors, &cert->nvisitors,
			  GOSSIP_CERT_VISITORS_MAX, visitors);
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

static bool prefixes_cover(const struct vrd_prefix *list, unsigned n,
			   const struct vrd_prefix *prefix)
{
	for (unsigned i = 0; i < n; i++) {
		if (vrd_prefix_covers(&list[i], prefix)) {
			return true;
		}
	}
	return false;
}

bool gossip_cert_covers_prefix(const struct gossip_cert *cert,
			       const struct vrd_prefix *prefix)
{
	return prefixes_cover(cert->networks, cert->nnetworks, prefix);
}

bool gossip_cert_may_host(const struct gossip_cert *cert, uint32_t ip)
{
	struct vrd_prefix host = {.addr = ip, .len = 32};

	return cert->nvisitors == 0 ||
	       prefixes_cover(cert->networks, cert->nnetworks, &host) ||
	       prefixes_cover(cert->visitors, cert->nvisitors, &host);
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
