/*
 * libFuzzer harness for the data plane's receive path (dataplane/dp_wire.h).
 * Byte 0 picks the mode (bits 0 and 2) and the cipher (bit 1: AES-256-GCM where
 * the CPU has it, else ChaCha20-Poly1305); each input gets a fresh
 * receiving key with the fixed secret 00 01 .. 1f, so inputs do not
 * depend on one another.
 *
 * Mode 0, datagrams: the rest is records of a 2-byte big-endian length and
 * that many bytes (the last one takes what is left). Each is decoded and,
 * if the header passes, opened. An open that succeeds must return the
 * length minus DP_OVERHEAD.
 *
 * Mode 1, counters: the rest is 3-byte records (op, 16-bit delta) naming a
 * counter near the highest accepted one (or a jump of delta * 64 ahead
 * when op has bit 7). The harness seals a packet under that counter and
 * opens it; the result must match a plain list of accepted counters.
 *
 * Mode 2 (bit 2 set), relay payloads: the rest is one RELAY payload. If
 * dp_relay_decode takes it, its kind, name and inner datagram must be what
 * the bytes say, and encoding the result must give the same header bytes.
 *
 * Seeds (tests/fuzz/corpus/dp) were written once by a throwaway generator
 * that sealed packets with this secret: data-* are mode 0 inputs with
 * valid datagrams (including duplicates and a RELAY), counters-* mode 1,
 * relay-* mode 2 (written by hand).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/dp_wire.h"
#include "base/bytes.h"

#define BUF_MAX (65535 + 64)
#define MODEL_MAX 4096

static void relay(const uint8_t *p, size_t n)
{
	uint8_t hdr[DP_RELAY_HDR_MAX];
	struct dp_relay r;

	if (dp_relay_decode(&r, p, n) < 0) {
		return;
	}
	if ((r.kind != DP_RELAY_TO && r.kind != DP_RELAY_FROM) ||
	    !vrd_name_valid(r.name) || r.inner_len < DP_HDR_LEN ||
	    r.inner_off != dp_relay_hdr_len(r.name) ||
	    r.inner_off + r.inner_len != n ||
	    dp_relay_encode(hdr, r.kind, r.name) != r.inner_off ||
	    memcmp(hdr, p, r.inner_off) != 0) {
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t buf[BUF_MAX];
static uint64_t model[MODEL_MAX]; /* counters accepted, in arrival order */

static void secret_make(uint8_t s[DP_SECRET_LEN])
{
	for (unsigned i = 0; i < DP_SECRET_LEN; i++) {
		s[i] = (uint8_t)i;
	}
}

static void datagrams(struct dp_key *rx, const uint8_t *p, size_t n)
{
	while (n > 0) {
		struct dp_hdr h;
		size_t len;
		ssize_t got;

		if (n < 2) {
			len = n;
		} else {
			len = vrd_get_be16(p);
			p += 2;
			n -= 2;
			if (len > n) {
				len = n;
			}
		}
		memcpy(buf, p, len);
		p += len;
		n -= len;
		if (dp_hdr_decode(&h, buf, len) < 0) {
			continue;
		}
		if (h.version != DP_VERSION || h.flags != 0 ||
		    h.type < DP_DATA || h.type > DP_RELAY) {
			abort();
		}
		got = dp_open(rx, &h, buf, len);
		if (got >= 0 && (size_t)got != len - DP_OVERHEAD) {
			abort();
		}
		if (got < 0 && -got >= DP_DROP_MAX) {
			abort();
		}
	}
}

static bool model_seen(size_t nm, uint64_t c)
{
	for (size_t i = 0; i < nm; i++) {
		if (model[i] == c) {
			return true;
		}
	}
	return false;
}

static void counters(struct dp_key *tx, struct dp_key *rx, const uint8_t *p,
		     size_t n)
{
	uint64_t top = 0;
	size_t nm = 0;

	for (; n >= 3 && nm < MODEL_MAX; p += 3, n -= 3) {
		int16_t d = (int16_t)vrd_get_be16(p + 1);
		uint8_t pt[8] = {p[0]};
		struct dp_hdr h;
		uint64_t c;
		size_t len;
		ssize_t got, want;

		if (p[0] & 0x80) {
			c = top + (uint64_t)(uint16_t)d * 64;
		} else if (d < 0 && (uint64_t) - (int32_t)d > top) {
			continue;
		} else {
			c = top + (uint64_t)(int64_t)d;
		}
		len = dp_seal(tx, buf, DP_DATA, 1, 1, c, pt, p[0] & 7);
		if (c == 0) {
			if (len != 0) {
				abort();
			}
			continue;
		}
		if (c > top) {
			want = p[0] & 7;
		} else if (top - c >= DP_REPLAY_WINDOW) {
			want = -DP_DROP_REPLAY_OLD;
		} else if (model_seen(nm, c)) {
			want = -DP_DROP_REPLAY_DUP;
		} else {
			want = p[0] & 7;
		}
		if (len == 0 || dp_hdr_decode(&h, buf, len) < 0) {
			abort();
		}
		got = dp_open(rx, &h, buf, len);
		if (got != want || (got >= 0 && memcmp(buf + DP_HDR_LEN, pt,
						       (size_t)got) != 0)) {
			abort();
		}
		if (got >= 0) {
			model[nm++] = c;
			top = c > top ? c : top;
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dp_key *tx[2];
	static enum dp_cipher ciphers[2];
	uint8_t secret[DP_SECRET_LEN];
	struct dp_key *rx;
	unsigned which;

	if (size < 1) {
		return 0;
	}
	if (data[0] & 4) {
		relay(data + 1, size - 1);
		return 0;
	}
	secret_make(secret);
	if (!tx[0]) {
		ciphers[0] = DP_CHACHA20POLY1305;
		ciphers[1] = dp_cipher_preferred();
		tx[0] = dp_key_create(ciphers[0], secret);
		tx[1] = dp_key_create(ciphers[1], secret);
		if (!tx[0] || !tx[1]) {
			abort();
		}
	}
	which = (data[0] >> 1) & 1;
	rx = dp_key_create(ciphers[which], secret);
	if (!rx) {
		abort();
	}
	if (data[0] & 1) {
		counters(tx[which], rx, data + 1, size - 1);
	} else {
		datagrams(rx, data + 1, size - 1);
	}
	dp_key_destroy(rx);
	return 0;
}
