/* Unit tests: the data plane wire format, AEAD and replay window
 * (dataplane/dp_wire.h). Tests taking a cipher run once per cipher; AES-256-GCM
 * is skipped on a CPU without the instructions libsodium needs. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/dp_wire.h"

#define KEY_ID 0xa1b2c3d4u
#define VN 0x01020304u
#define MAXPKT 1500

struct fx {
	enum dp_cipher c;
	struct dp_key *tx; /* the sender's copy */
	struct dp_key *rx; /* the receiver's copy: its own window */
	uint8_t secret[DP_SECRET_LEN];
};

static const enum dp_cipher aes = DP_AES256GCM;
static const enum dp_cipher chacha = DP_CHACHA20POLY1305;

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++) {
		p[i] = (uint8_t)(seed + i * 7);
	}
}

static int setup(void **state)
{
	const enum dp_cipher *c = *state;
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_true(sodium_init() >= 0);
	f->c = *c;
	fill(f->secret, sizeof(f->secret), 0x42);
	if (f->c == DP_AES256GCM && !crypto_aead_aes256gcm_is_available()) {
		*state = f; /* the test skips */
		return 0;
	}
	f->tx = dp_key_create(f->c, f->secret);
	f->rx = dp_key_create(f->c, f->secret);
	assert_non_null(f->tx);
	assert_non_null(f->rx);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	dp_key_destroy(f->tx);
	dp_key_destroy(f->rx);
	free(f);
	return 0;
}

static struct fx *fx_get(void **state)
{
	struct fx *f = *state;

	if (!f->tx) {
		skip();
	}
	return f;
}

/* Seal a 16-byte payload under counter c, decode it, open it with rx. */
static ssize_t try_counter(struct fx *f, uint64_t c)
{
	uint8_t pt[16], buf[16 + DP_OVERHEAD];
	struct dp_hdr h;
	size_t n;
	int rc;

	fill(pt, sizeof(pt), (uint8_t)c);
	n = dp_seal(f->tx, buf, DP_DATA, KEY_ID, VN, c, pt, sizeof(pt));
	assert_int_equal(n, sizeof(buf));
	rc = dp_hdr_decode(&h, buf, n);
	assert_int_equal(rc, 0);
	return dp_open(f->rx, &h, buf, n);
}

static void test_roundtrip(void **state)
{
	struct fx *f = fx_get(state);
	static const size_t sizes[] = {0, 1, 15, 16, 17, 64, 512, 1400, 1464};
	uint8_t pt[MAXPKT], buf[MAXPKT + DP_OVERHEAD];
	struct dp_hdr h;
	uint64_t ctr = 1;

	assert_int_equal(dp_key_cipher(f->tx), f->c);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		for (uint8_t t = DP_DATA; t <= DP_RELAY; t++) {
			size_t n = sizes[i];
			size_t dn;

			fill(pt, n, (uint8_t)(i + t));
			dn = dp_seal(f->tx, buf, t, KEY_ID, VN, ctr, pt, n);
			assert_int_equal(dn, n + DP_OVERHEAD);
			if (n >= 16) {
				/* it is encrypted */
				assert_memory_not_equal(buf + DP_HDR_LEN, pt,
							n);
			}
			assert_int_equal(dp_hdr_decode(&h, buf, dn), 0);
			assert_int_equal(h.version, DP_VERSION);
			assert_int_equal(h.type, t);
			assert_int_equal(h.flags, 0);
			assert_int_equal(h.key_id, KEY_ID);
			assert_int_equal(h.vn, VN);
			assert_true(h.counter == ctr);
			assert_int_equal(dp_open(f->rx, &h, buf, dn),
					 (ssize_t)n);
			assert_memory_equal(buf + DP_HDR_LEN, pt, n);
			ctr++;
		}
	}
}

/* The exact bytes: header layout, nonce = 4 zero bytes + counter, AAD =
 * header, computed here with libsodium directly. */
static void test_known_layout(void **state)
{
	struct fx *f = fx_get(state);
	static const uint8_t hdr[DP_HDR_LEN] = {
		0x01, 0x02, 0x00, 0x00, 0xa1, 0xb2, 0xc3, 0xd4, 0x01, 0x02,
		0x03, 0x04, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
	static const uint8_t nonce[12] = {0,	0,    0,    0,	  0x01, 0x23,
					  0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
	uint8_t pt[100], buf[100 + DP_OVERHEAD], want[100 + 16];
	unsigned long long wn = 0;
	size_t n;

	fill(pt, sizeof(pt), 9);
	n = dp_seal(f->tx, buf, DP_PROBE, KEY_ID, VN, 0x0123456789abcdefull, pt,
		    sizeof(pt));
	assert_int_equal(n, sizeof(buf));
	assert_memory_equal(buf, hdr, sizeof(hdr));
	if (f->c == DP_AES256GCM) {
		crypto_aead_aes256gcm_encrypt(want, &wn, pt, sizeof(pt), hdr,
					      sizeof(hdr), NULL, nonce,
					      f->secret);
	} else {
		crypto_aead_chacha20poly1305_ietf_encrypt(
			want, &wn, pt, sizeof(pt), hdr, sizeof(hdr), NULL,
			nonce, f->secret);
	}
	assert_int_equal(wn, sizeof(want));
	assert_memory_equal(buf + DP_HDR_LEN, want, sizeof(want));
}

/* Flip every bit of every byte: header, ciphertext and tag. A header the
 * decoder refuses is dropped there; everything else fails the tag. The
 * original opens afterwards, so no failure marked the counter seen. */
static void test_tamper_every_byte(void **state)
{
	struct fx *f = fx_get(state);
	uint8_t pt[48], orig[48 + DP_OVERHEAD], buf[sizeof(orig)];
	struct dp_hdr h0, h;
	size_t n;
	unsigned auth = 0, decode = 0;

	fill(pt, sizeof(pt), 3);
	n = dp_seal(f->tx, orig, DP_DATA, KEY_ID, VN, 77, pt, sizeof(pt));
	assert_int_equal(n, sizeof(orig));
	assert_int_equal(dp_hdr_decode(&h0, orig, n), 0);
	for (size_t i = 0; i < n; i++) {
		for (unsigned bit = 0; bit < 8; bit++) {
			int rc;

			memcpy(buf, orig, n);
			buf[i] ^= (uint8_t)(1u << bit);
			rc = dp_hdr_decode(&h, buf, n);
			if (rc == 0) {
				assert_int_equal(dp_open(f->rx, &h, buf, n),
						 -DP_DROP_AUTH);
				auth++;
			} else {
				assert_true(i < DP_HDR_LEN);
				decode++;
			}
			/* A caller that trusts the old header still fails. */
			memcpy(buf, orig, n);
			buf[i] ^= (uint8_t)(1u << bit);
			assert_int_equal(dp_open(f->rx, &h0, buf, n),
					 -DP_DROP_AUTH);
		}
	}
	/* version and flags flips are refused by the decoder; every
	 * ciphertext, tag, key id and vn flip reaches the tag check */
	assert_true(decode >= 8 + 16);
	assert_true(auth >= (n - DP_HDR_LEN + 8) * 8);
	memcpy(buf, orig, n);
	assert_int_equal(dp_open(f->rx, &h0, buf, n), (ssize_t)sizeof(pt));
	assert_memory_equal(buf + DP_HDR_LEN, pt, sizeof(pt));
}

/* Each header field changed to another valid value: the decoder accepts
 * it, the tag does not. */
static void test_tamper_fields(void **state)
{
	struct fx *f = fx_get(state);
	uint8_t pt[32], orig[32 + DP_OVERHEAD], buf[sizeof(orig)];
	struct dp_hdr h;
	size_t n;
	struct {
		size_t off;
		uint8_t val;
	} edits[] = {
		{1, DP_RELAY}, /* type DATA -> RELAY */
		{7, 0xd5}, /* key id */
		{11, 0x05}, /* vn 0x01020304 -> 0x01020305 */
		{8, 0x00}, /* vn high byte */
		{19, 0x06}, /* counter 5 -> 6 */
		{12, 0x80}, /* counter high byte */
	};

	fill(pt, sizeof(pt), 1);
	n = dp_seal(f->tx, orig, DP_DATA, KEY_ID, VN, 5, pt, sizeof(pt));
	for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		memcpy(buf, orig, n);
		buf[edits[i].off] = edits[i].val;
		assert_int_equal(dp_hdr_decode(&h, buf, n), 0);
		assert_int_equal(dp_open(f->rx, &h, buf, n), -DP_DROP_AUTH);
	}
	/* Sealed for another VN: a VN the receiver expects does not open. */
	n = dp_seal(f->tx, buf, DP_DATA, KEY_ID, VN + 1, 5, pt, sizeof(pt));
	memcpy(buf + 8, orig + 8, 4);
	assert_int_equal(dp_hdr_decode(&h, buf, n), 0);
	assert_int_equal(h.vn, VN);
	assert_int_equal(dp_open(f->rx, &h, buf, n), -DP_DROP_AUTH);
	/* Truncated by one byte: the tag is read from the wrong place. */
	memcpy(buf, orig, n);
	assert_int_equal(dp_hdr_decode(&h, buf, n - 1), 0);
	assert_int_equal(dp_open(f->rx, &h, buf, n - 1), -DP_DROP_AUTH);
	memcpy(buf, orig, n);
	assert_int_equal(dp_hdr_decode(&h, buf, n), 0);
	assert_int_equal(dp_open(f->rx, &h, buf, n), (ssize_t)sizeof(pt));
}

static void test_wrong_key(void **state)
{
	struct fx *f = fx_get(state);
	uint8_t other[DP_SECRET_LEN], pt[64], orig[64 + DP_OVERHEAD];
	uint8_t buf[sizeof(orig)];
	struct dp_key *k;
	struct dp_hdr h;
	size_t n;

	fill(pt, sizeof(pt), 5);
	n = dp_seal(f->tx, orig, DP_DATA, KEY_ID, VN, 1, pt, sizeof(pt));
	assert_int_equal(dp_hdr_decode(&h, orig, n), 0);

	/* another secret, same cipher */
	memcpy(other, f->secret, sizeof(other));
	other[31] ^= 1;
	k = dp_key_create(f->c, other);
	assert_non_null(k);
	memcpy(buf, orig, n);
	assert_int_equal(dp_open(k, &h, buf, n), -DP_DROP_AUTH);
	dp_key_destroy(k);

	/* the same secret under the other cipher */
	k = dp_key_create(f->c == DP_AES256GCM ? DP_CHACHA20POLY1305
					       : DP_AES256GCM,
			  f->secret);
	if (k) {
		memcpy(buf, orig, n);
		assert_int_equal(dp_open(k, &h, buf, n), -DP_DROP_AUTH);
		dp_key_destroy(k);
	}
	memcpy(buf, orig, n);
	assert_int_equal(dp_open(f->rx, &h, buf, n), (ssize_t)sizeof(pt));
}

static void test_in_place(void **state)
{
	struct fx *f = fx_get(state);
	uint8_t pt[1400], sep[1400 + DP_OVERHEAD];
	uint8_t buf[1400 + DP_OVERHEAD];
	struct dp_hdr h;
	size_t n;

	fill(pt, sizeof(pt), 11);
	n = dp_seal(f->tx, sep, DP_DATA, KEY_ID, VN, 9, pt, sizeof(pt));
	assert_int_equal(n, sizeof(sep));
	memset(buf, 0xee, sizeof(buf));
	memcpy(buf + DP_HDR_LEN, pt, sizeof(pt));
	n = dp_seal(f->tx, buf, DP_DATA, KEY_ID, VN, 9, buf + DP_HDR_LEN,
		    sizeof(pt));
	assert_int_equal(n, sizeof(buf));
	assert_memory_equal(buf, sep, n);
	assert_int_equal(dp_hdr_decode(&h, buf, n), 0);
	assert_int_equal(dp_open(f->rx, &h, buf, n), (ssize_t)sizeof(pt));
	assert_memory_equal(buf + DP_HDR_LEN, pt, sizeof(pt));
}

static void test_replay_basic(void **state)
{
	struct fx *f = fx_get(state);

	assert_int_equal(try_counter(f, 1), 16);
	assert_int_equal(try_counter(f, 1), -DP_DROP_REPLAY_DUP);
	assert_int_equal(try_counter(f, 2), 16);
	assert_int_equal(try_counter(f, 10), 16);
	/* out of order inside the window: once each */
	assert_int_equal(try_counter(f, 5), 16);
	assert_int_equal(try_counter(f, 3), 16);
	assert_int_equal(try_counter(f, 5), -DP_DROP_REPLAY_DUP);
	assert_int_equal(try_counter(f, 3), -DP_DROP_REPLAY_DUP);
	assert_int_equal(try_counter(f, 10), -DP_DROP_REPLAY_DUP);
	assert_int_equal(try_counter(f, 4), 16);
	assert_int_equal(try_counter(f, 9), 16);
	assert_int_equal(try_counter(f, 11), 16);
}

static void test_replay_edges(void **state)
{
	struct fx *f = fx_get(state);
	const uint64_t top = 10000;

	assert_int_equal(try_counter(f, top), 16);
	/* the oldest counter still inside the window, then one before it */
	assert_int_equal(try_counter(f, top - (DP_REPLAY_WINDOW - 1)), 16);
	assert_int_equal(try_counter(f, top - (DP_REPLAY_WINDOW - 1)),
			 -DP_DROP_REPLAY_DUP);
	assert_int_equal(try_counter(f, top - DP_REPLAY_WINDOW),
			 -DP_DROP_REPLAY_OLD);
	assert_int_equal(try_counter(f, 1), -DP_DROP_REPLAY_OLD);
	/* the window moves with the top */
	assert_int_equal(try_counter(f, top + 1), 16);
	assert_int_equal(try_counter(f, top - (DP_REPLAY_WINDOW - 1)),
			 -DP_DROP_REPLAY_OLD);
	assert_int_equal(try_counter(f, top - (DP_REPLAY_WINDOW - 2)), 16);
}

/* Jumps of every size, up to several windows: after each, every counter
 * in the new window except the top opens exactly once, so no bit of the
 * ring survives from before the jump. */
static void test_replay_slide(void **state)
{
	struct fx *f = fx_get(state);
	static const uint64_t jumps[] = {1,    63,   64,	  65,	 1000,
					 2047, 2048, 2049,	  4095,	 4096,
					 4097, 5000, 64 * 64 + 5, 100000};
	uint64_t top = 0;

	for (size_t j = 0; j < sizeof(jumps) / sizeof(jumps[0]); j++) {
		uint64_t lo;

		top += jumps[j];
		assert_int_equal(try_counter(f, top), 16);
		lo = top > DP_REPLAY_WINDOW - 1 ? top - (DP_REPLAY_WINDOW - 1)
						: 1;
		for (uint64_t c = lo; c < top; c++) {
			ssize_t want = 16;

			/* counters the previous rounds accepted */
			if (c <= top - jumps[j]) {
				want = -DP_DROP_REPLAY_DUP;
			}
			assert_int_equal(try_counter(f, c), want);
		}
		for (uint64_t c = lo; c <= top; c += 97) {
			assert_int_equal(try_counter(f, c),
					 -DP_DROP_REPLAY_DUP);
		}
		if (lo > 1) {
			assert_int_equal(try_counter(f, lo - 1),
					 -DP_DROP_REPLAY_OLD);
		}
	}
}

/* A long random walk against a plain array of seen counters. */
static void test_replay_model(void **state)
{
	struct fx *f = fx_get(state);
	const uint64_t range = 1u << 18;
	uint8_t *seen = calloc(range, 1);
	uint64_t top = 0, rng = 12345;
	unsigned accepted = 0, dup = 0, old = 0;

	assert_non_null(seen);
	for (unsigned i = 0; i < 30000; i++) {
		uint64_t r, c;
		ssize_t want, got;

		rng = rng * 6364136223846793005ull + 1442695040888963407ull;
		r = rng >> 33;
		if (r % 100 < 3) {
			c = top + 1 + r % 3000; /* a jump */
		} else {
			c = top + 8 - (r >> 8) % 2100; /* around the edge */
		}
		if (c == 0 || c > top + 3000 || c >= range) {
			continue;
		}
		if (c > top) {
			want = 16;
		} else if (top - c >= DP_REPLAY_WINDOW) {
			want = -DP_DROP_REPLAY_OLD;
		} else if (seen[c]) {
			want = -DP_DROP_REPLAY_DUP;
		} else {
			want = 16;
		}
		got = try_counter(f, c);
		assert_int_equal(got, want);
		if (got == 16) {
			seen[c] = 1;
			top = c > top ? c : top;
			accepted++;
		} else if (got == -DP_DROP_REPLAY_DUP) {
			dup++;
		} else {
			old++;
		}
	}
	assert_true(accepted > 1000 && dup > 1000 && old > 100);
	free(seen);
}

static void test_counter_limits(void **state)
{
	struct fx *f = fx_get(state);
	uint8_t pt[8] = {0}, buf[8 + DP_OVERHEAD], before[sizeof(buf)];
	struct dp_hdr h;
	size_t n;

	/* seal refuses counter 0, counters past the limit, bad types */
	memset(buf, 0x5a, sizeof(buf));
	memcpy(before, buf, sizeof(buf));
	assert_int_equal(dp_seal(f->tx, buf, DP_DATA, 1, 1, 0, pt, 8), 0);
	assert_int_equal(
		dp_seal(f->tx, buf, DP_DATA, 1, 1, DP_COUNTER_MAX + 1, pt, 8),
		0);
	assert_int_equal(dp_seal(f->tx, buf, 0, 1, 1, 1, pt, 8), 0);
	assert_int_equal(dp_seal(f->tx, buf, 5, 1, 1, 1, pt, 8), 0);
	assert_memory_equal(buf, before, sizeof(buf));

	/* a counter of 0 on the wire: the decoder refuses it, and so does
	 * open for a caller that did not decode */
	n = dp_seal(f->tx, buf, DP_DATA, KEY_ID, VN, 1, pt, 8);
	assert_int_equal(dp_hdr_decode(&h, buf, n), 0);
	memset(buf + 12, 0, 8);
	assert_int_equal(dp_hdr_decode(&h, buf, n), -DP_DROP_COUNTER);
	h.counter = 0;
	assert_int_equal(dp_open(f->rx, &h, buf, n), -DP_DROP_COUNTER);
	memset(buf + 12, 0xff, 8);
	assert_int_equal(dp_hdr_decode(&h, buf, n), -DP_DROP_COUNTER);
	h.counter = UINT64_MAX;
	assert_int_equal(dp_open(f->rx, &h, buf, n), -DP_DROP_COUNTER);

	/* the last counter works, and everything far behind it is old */
	assert_int_equal(try_counter(f, DP_COUNTER_MAX), 16);
	assert_int_equal(try_counter(f, DP_COUNTER_MAX), -DP_DROP_REPLAY_DUP);
	assert_int_equal(try_counter(f, DP_COUNTER_MAX - 1), 16);
	assert_int_equal(try_counter(f, 1), -DP_DROP_REPLAY_OLD);
}

static void test_hdr_decode(void **state)
{
	uint8_t buf[64];
	struct dp_hdr h, untouched;

	(void)state;
	memset(buf, 0, sizeof(buf));
	buf[0] = 1;
	buf[1] = DP_PROBE_REPLY;
	memcpy(buf + 4, "\xff\xfe\xfd\xfc\x80\x00\x00\x01", 8);
	memcpy(buf + 12, "\x00\x00\x00\x01\x00\x00\x00\x02", 8);
	assert_int_equal(dp_hdr_decode(&h, buf, DP_OVERHEAD), 0);
	assert_int_equal(h.version, 1);
	assert_int_equal(h.type, DP_PROBE_REPLY);
	assert_int_equal(h.key_id, 0xfffefdfcu);
	assert_int_equal(h.vn, 0x80000001u);
	assert_true(h.counter == 0x0000000100000002ull);

	memset(&untouched, 0x77, sizeof(untouched));
	h = untouched;
	for (size_t len = 0; len < DP_OVERHEAD; len++) {
		assert_int_equal(dp_hdr_decode(&h, buf, len), -DP_DROP_SHORT);
	}
	buf[0] = 0;
	assert_int_equal(dp_hdr_decode(&h, buf, 40), -DP_DROP_VERSION);
	buf[0] = 2;
	assert_int_equal(dp_hdr_decode(&h, buf, 40), -DP_DROP_VERSION);
	buf[0] = 1;
	for (unsigned t = 0; t < 256; t++) {
		buf[1] = (uint8_t)t;
		assert_int_equal(dp_hdr_decode(&h, buf, 40),
				 t >= 1 && t <= 4 ? 0 : -DP_DROP_TYPE);
	}
	h = untouched;
	buf[1] = DP_DATA;
	buf[3] = 1;
	assert_int_equal(dp_hdr_decode(&h, buf, 40), -DP_DROP_FLAGS);
	buf[3] = 0;
	buf[2] = 0x80;
	assert_int_equal(dp_hdr_decode(&h, buf, 40), -DP_DROP_FLAGS);
	buf[2] = 0;
	memset(buf + 12, 0, 8);
	assert_int_equal(dp_hdr_decode(&h, buf, 40), -DP_DROP_COUNTER);
	/* a refused header leaves out alone */
	assert_memory_equal(&h, &untouched, sizeof(h));

	/* a certificate bootstrap message on the same port */
	memset(buf, 0xab, sizeof(buf));
	memcpy(buf, "VRDC", 4);
	assert_int_equal(dp_hdr_decode(&h, buf, sizeof(buf)), -DP_DROP_VERSION);
}

static void test_open_short(void **state)
{
	struct fx *f = fx_get(state);
	uint8_t buf[DP_OVERHEAD] = {0};
	struct dp_hdr h = {.version = 1, .type = 1, .counter = 1};

	assert_int_equal(dp_open(f->rx, &h, buf, DP_OVERHEAD - 1),
			 -DP_DROP_SHORT);
	assert_int_equal(dp_open(f->rx, &h, buf, 0), -DP_DROP_SHORT);
	/* an empty payload is a datagram; this one is forged */
	assert_int_equal(dp_open(f->rx, &h, buf, DP_OVERHEAD), -DP_DROP_AUTH);
}

static void test_key_create_errors(void **state)
{
	uint8_t secret[DP_SECRET_LEN] = {1};
	struct dp_key *k;
	enum dp_cipher pref = dp_cipher_preferred();

	(void)state;
	errno = 0;
	assert_null(dp_key_create(0, secret));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(dp_key_create(3, secret));
	assert_int_equal(errno, EINVAL);
	if (crypto_aead_aes256gcm_is_available()) {
		assert_int_equal(pref, DP_AES256GCM);
	} else {
		assert_int_equal(pref, DP_CHACHA20POLY1305);
		errno = 0;
		assert_null(dp_key_create(DP_AES256GCM, secret));
		assert_int_equal(errno, ENOTSUP);
	}
	k = dp_key_create(pref, secret);
	assert_non_null(k);
	assert_int_equal(dp_key_cipher(k), pref);
	dp_key_destroy(k);
	dp_key_destroy(NULL);
	assert_string_equal(dp_cipher_name(DP_AES256GCM), "aes256gcm");
	assert_string_equal(dp_cipher_name(DP_CHACHA20POLY1305),
			    "chacha20poly1305");
	assert_string_equal(dp_cipher_name(0), "unknown");
}

static void test_drop_names(void **state)
{
	(void)state;
	for (int i = 0; i < DP_DROP_MAX; i++) {
		const char *a = dp_drop_name(i);

		assert_non_null(a);
		assert_string_not_equal(a, "unknown");
		for (int j = 0; j < i; j++) {
			assert_string_not_equal(a, dp_drop_name(j));
		}
	}
	assert_string_equal(dp_drop_name(DP_DROP_SHORT), "short");
	assert_string_equal(dp_drop_name(DP_DROP_AUTH), "auth");
	assert_string_equal(dp_drop_name(DP_DROP_REPLAY_OLD), "replay_old");
	assert_string_equal(dp_drop_name(DP_DROP_REPLAY_DUP), "replay_dup");
	assert_string_equal(dp_drop_name(DP_DROP_MAX), "unknown");
	assert_string_equal(dp_drop_name(-1), "unknown");
}

/* The receiver's verdict on a key offer: newer taken, the last one
 * acknowledged again (its ACK was lost), older answered with the epoch to
 * pass, too far from the clock dropped. */
static void test_keyx_judge(void **state)
{
	const int64_t now = 1800000000, skew = 600;

	/* nothing taken yet */
	assert_int_equal(dp_keyx_judge(0, 0, now, 7, now, skew), DP_KEYX_TAKE);
	/* newer, however little */
	assert_int_equal(dp_keyx_judge(now - 1, 7, now, 8, now, skew),
			 DP_KEYX_TAKE);
	/* the same offer again */
	assert_int_equal(dp_keyx_judge(now, 8, now, 8, now, skew),
			 DP_KEYX_AGAIN);
	/* the same epoch with another key, or an older one: stale */
	assert_int_equal(dp_keyx_judge(now, 8, now, 9, now, skew),
			 DP_KEYX_STALE);
	assert_int_equal(dp_keyx_judge(now, 8, now - 1, 8, now, skew),
			 DP_KEYX_STALE);
	/* a restarted sender whose epochs ran ahead of the clock */
	assert_int_equal(dp_keyx_judge(now + 3, 8, now, 1, now, skew),
			 DP_KEYX_STALE);
	/* the skew bounds, both ways, before anything else */
	assert_int_equal(dp_keyx_judge(0, 0, now - skew, 1, now, skew),
			 DP_KEYX_TAKE);
	assert_int_equal(dp_keyx_judge(0, 0, now + skew, 1, now, skew),
			 DP_KEYX_TAKE);
	assert_int_equal(dp_keyx_judge(0, 0, now - skew - 1, 1, now, skew),
			 DP_KEYX_SKEWED);
	assert_int_equal(dp_keyx_judge(0, 0, now + skew + 1, 1, now, skew),
			 DP_KEYX_SKEWED);
	assert_int_equal(
		dp_keyx_judge(now + skew + 1, 1, now + skew + 1, 1, now, skew),
		DP_KEYX_SKEWED);
}

static void test_keyx(void **state)
{
	struct dp_keyx kx = {
		.version = DP_KEYX_VERSION,
		.cipher = DP_CHACHA20POLY1305,
		.key_id = 0xdeadbeef,
		.epoch = 0x00010203,
	};
	struct dp_keyx out, untouched;
	uint8_t buf[DP_KEYX_LEN + 8];
	static const uint8_t head[10] = {1,    2,    0xde, 0xad, 0xbe,
					 0xef, 0x00, 0x01, 0x02, 0x03};

	(void)state;
	fill(kx.secret, sizeof(kx.secret), 100);
	assert_int_equal(DP_KEYX_LEN, 42);
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(dp_keyx_encode(buf, sizeof(buf), &kx), 0);
	assert_memory_equal(buf, head, sizeof(head));
	for (size_t i = DP_KEYX_LEN; i < sizeof(buf); i++) {
		assert_int_equal(buf[i], 0xee);
	}
	assert_memory_equal(buf + 10, kx.secret, DP_SECRET_LEN);
	memset(&out, 0, sizeof(out));
	assert_int_equal(dp_keyx_decode(&out, buf, DP_KEYX_LEN), 0);
	assert_int_equal(out.version, kx.version);
	assert_int_equal(out.cipher, kx.cipher);
	assert_int_equal(out.key_id, kx.key_id);
	assert_int_equal(out.epoch, kx.epoch);
	assert_memory_equal(out.secret, kx.secret, DP_SECRET_LEN);

	kx.cipher = DP_AES256GCM;
	assert_int_equal(dp_keyx_encode(buf, DP_KEYX_LEN, &kx), 0);
	assert_int_equal(dp_keyx_decode(&out, buf, DP_KEYX_LEN), 0);
	assert_int_equal(out.cipher, DP_AES256GCM);

	/* encode: no room, or values decode would refuse */
	assert_int_equal(dp_keyx_encode(buf, DP_KEYX_LEN - 1, &kx), -ENOSPC);
	kx.cipher = 3;
	assert_int_equal(dp_keyx_encode(buf, sizeof(buf), &kx), -EINVAL);
	kx.cipher = DP_AES256GCM;
	kx.version = 2;
	assert_int_equal(dp_keyx_encode(buf, sizeof(buf), &kx), -EINVAL);
	kx.version = DP_KEYX_VERSION;

	/* decode: exact length, known version and cipher; out untouched */
	memset(&untouched, 0x33, sizeof(untouched));
	out = untouched;
	assert_int_equal(dp_keyx_encode(buf, sizeof(buf), &kx), 0);
	for (size_t len = 0; len < sizeof(buf); len++) {
		if (len != DP_KEYX_LEN) {
			assert_int_equal(dp_keyx_decode(&out, buf, len),
					 -EBADMSG);
		}
	}
	buf[0] = 2;
	assert_int_equal(dp_keyx_decode(&out, buf, DP_KEYX_LEN), -EBADMSG);
	buf[0] = 1;
	buf[1] = 0;
	assert_int_equal(dp_keyx_decode(&out, buf, DP_KEYX_LEN), -EBADMSG);
	buf[1] = 3;
	assert_int_equal(dp_keyx_decode(&out, buf, DP_KEYX_LEN), -EBADMSG);
	assert_memory_equal(&out, &untouched, sizeof(out));
}

static void test_relay(void **state)
{
	uint8_t pl[DP_RELAY_HDR_MAX + DP_HDR_LEN + 4];
	static const uint8_t head[5] = {DP_RELAY_TO, 3, 's', 'f', 'o'};
	struct dp_relay r, untouched;
	size_t n, len;

	(void)state;
	assert_int_equal(dp_relay_hdr_len("sfo"), 5);
	n = dp_relay_encode(pl, DP_RELAY_TO, "sfo");
	assert_int_equal(n, 5);
	assert_memory_equal(pl, head, sizeof(head));
	fill(pl + n, DP_HDR_LEN, 7);
	len = n + DP_HDR_LEN;
	assert_int_equal(dp_relay_decode(&r, pl, len), 0);
	assert_int_equal(r.kind, DP_RELAY_TO);
	assert_string_equal(r.name, "sfo");
	assert_int_equal(r.inner_off, 5);
	assert_int_equal(r.inner_len, DP_HDR_LEN);

	n = dp_relay_encode(pl, DP_RELAY_FROM, "a");
	assert_int_equal(dp_relay_decode(&r, pl, n + DP_HDR_LEN + 4), 0);
	assert_int_equal(r.kind, DP_RELAY_FROM);
	assert_string_equal(r.name, "a");
	assert_int_equal(r.inner_len, DP_HDR_LEN + 4);

	/* refused, out untouched: short, kind, name length, name bytes */
	memset(&untouched, 0x33, sizeof(untouched));
	r = untouched;
	n = dp_relay_encode(pl, DP_RELAY_TO, "sfo");
	for (len = 0; len < n + DP_HDR_LEN; len++) {
		assert_int_equal(dp_relay_decode(&r, pl, len), -DP_DROP_RELAY);
	}
	len = n + DP_HDR_LEN;
	for (unsigned kind = 0; kind < 256; kind++) {
		pl[0] = (uint8_t)kind;
		if (kind != DP_RELAY_TO && kind != DP_RELAY_FROM) {
			assert_int_equal(dp_relay_decode(&r, pl, len),
					 -DP_DROP_RELAY);
		}
	}
	pl[0] = DP_RELAY_TO;
	pl[1] = 0;
	assert_int_equal(dp_relay_decode(&r, pl, len), -DP_DROP_RELAY);
	pl[1] = VRD_NAME_MAX + 1;
	assert_int_equal(dp_relay_decode(&r, pl, sizeof(pl)), -DP_DROP_RELAY);
	pl[1] = 3;
	pl[3] = '\0'; /* "s\0o": not the name it claims to be */
	assert_int_equal(dp_relay_decode(&r, pl, len), -DP_DROP_RELAY);
	pl[3] = '/'; /* outside the name rule */
	assert_int_equal(dp_relay_decode(&r, pl, len), -DP_DROP_RELAY);
	assert_memory_equal(&r, &untouched, sizeof(r));

	/* the longest name fits DP_RELAY_HDR_MAX */
	char longest[VRD_NAME_MAX + 1];
	memset(longest, 'x', VRD_NAME_MAX);
	longest[VRD_NAME_MAX] = '\0';
	assert_int_equal(dp_relay_encode(pl, DP_RELAY_TO, longest),
			 DP_RELAY_HDR_MAX);
	assert_int_equal(dp_relay_decode(&r, pl, DP_RELAY_HDR_MAX + DP_HDR_LEN),
			 0);
	assert_string_equal(r.name, longest);
}

static void test_probe(void **state)
{
	static const uint8_t want[DP_PROBE_LEN] = {
		1, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0, 0, 0, 3};
	struct dp_probe pr = {.sent_us = 0x0102030405060708, .relay = 3};
	struct dp_probe out = {0}, untouched;
	uint8_t buf[DP_PROBE_LEN + 1];

	(void)state;
	dp_probe_encode(buf, &pr);
	assert_memory_equal(buf, want, DP_PROBE_LEN);
	assert_int_equal(dp_probe_decode(&out, buf, DP_PROBE_LEN), 0);
	assert_int_equal(out.sent_us, pr.sent_us);
	assert_int_equal(out.relay, pr.relay);
	memset(&untouched, 0x33, sizeof(untouched));
	out = untouched;
	for (size_t len = 0; len <= sizeof(buf); len++) {
		if (len != DP_PROBE_LEN) {
			assert_int_equal(dp_probe_decode(&out, buf, len),
					 -DP_DROP_SHORT);
		}
	}
	assert_memory_equal(&out, &untouched, sizeof(out));
}

#define CIPHER_TEST(fn, c)                                                  \
	{                                                                   \
		.name = #fn "/" #c, .test_func = (fn), .setup_func = setup, \
		.teardown_func = teardown, .initial_state = (void *)&(c),   \
	}
#define PER_CIPHER(fn) CIPHER_TEST(fn, aes), CIPHER_TEST(fn, chacha)

int main(void)
{
	const struct CMUnitTest tests[] = {
		PER_CIPHER(test_roundtrip),
		PER_CIPHER(test_known_layout),
		PER_CIPHER(test_tamper_every_byte),
		PER_CIPHER(test_tamper_fields),
		PER_CIPHER(test_wrong_key),
		PER_CIPHER(test_in_place),
		PER_CIPHER(test_replay_basic),
		PER_CIPHER(test_replay_edges),
		PER_CIPHER(test_replay_slide),
		PER_CIPHER(test_replay_model),
		PER_CIPHER(test_counter_limits),
		PER_CIPHER(test_open_short),
		cmocka_unit_test(test_hdr_decode),
		cmocka_unit_test(test_key_create_errors),
		cmocka_unit_test(test_drop_names),
		cmocka_unit_test(test_keyx),
		cmocka_unit_test(test_keyx_judge),
		cmocka_unit_test(test_relay),
		cmocka_unit_test(test_probe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
