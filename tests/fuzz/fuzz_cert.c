/*
 * libFuzzer harness for the certificate decoder (gossip/cert_codec.c,
 * linked alone: no libsodium, no I/O). Beyond "no crash": a certificate
 * that decodes must encode back to exactly the same bytes, since the
 * signature is checked over the re-encoded form.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gossip/cert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t buf[GOSSIP_CERT_ENCODED_MAX];
	struct gossip_cert cert;
	struct vrd_prefix p = {.addr = 0xc0000200, .len = 24};
	size_t n, tbs;

	if (gossip_cert_decode(&cert, data, size) < 0) {
		return 0;
	}
	if (gossip_cert_encode(buf, sizeof(buf), &n, &cert) < 0 || n != size ||
	    memcmp(buf, data, size) != 0) {
		abort(); /* decode accepted what encode cannot reproduce */
	}
	if (gossip_cert_encode_tbs(buf, sizeof(buf), &tbs, &cert) < 0 ||
	    tbs + GOSSIP_SIGBYTES != size) {
		abort();
	}
	(void)gossip_cert_covers_prefix(&cert, &p);
	(void)gossip_cert_has_vn(&cert, 1);
	return 0;
}
