/*
 * bench-dp: the data plane's per-packet crypto on one core. For each
 * cipher this CPU runs and for 64, 512 and 1400-byte packets: dp_seal
 * in place, and dp_hdr_decode + dp_open (replay check, tag,
 * decryption, window update) on packets sealed beforehand with rising
 * counters. Rates are per CPU second of this thread; Gbit/s counts the
 * inner packet bytes (add DP_OVERHEAD + UDP/IP for the wire).
 *
 * usage: bench-dp [SECONDS]   (per measurement, default 2)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench_util.h"
#include "dataplane/dp_wire.h"

#define BATCH 256
#define SLOT 1536 /* >= 1400 + DP_OVERHEAD */

struct result {
	double pps;
	double gbps;
};

static uint8_t slots[BATCH][SLOT];
static size_t slot_len[BATCH];
static volatile size_t sink;

static struct result rate(double packets, double cpu, size_t size)
{
	struct result r = {.pps = packets / cpu};

	r.gbps = r.pps * (double)size * 8 / 1e9;
	return r;
}

static struct result bench_seal(const struct dp_key *k, size_t size,
				double seconds)
{
	uint64_t ctr = 1, n = 0;
	double t0 = bench_cpu_s(), t;
	size_t acc = 0;

	do {
		for (unsigned i = 0; i < BATCH; i++) {
			uint8_t *b = slots[i];

			acc += dp_seal(k, b, DP_DATA, 7, 1, ctr++,
				       b + DP_HDR_LEN, size);
		}
		n += BATCH;
		t = bench_cpu_s() - t0;
	} while (t < seconds);
	sink = acc;
	return rate((double)n, t, size);
}

static int bench_open(const struct dp_key *tx, struct dp_key *rx, size_t size,
		      double seconds, struct result *out)
{
	uint64_t ctr = 1, n = 0;
	double t = 0;

	do {
		double t0;

		for (unsigned i = 0; i < BATCH; i++) {
			slot_len[i] =
				dp_seal(tx, slots[i], DP_DATA, 7, 1, ctr++,
					slots[i] + DP_HDR_LEN, size);
		}
		t0 = bench_cpu_s();
		for (unsigned i = 0; i < BATCH; i++) {
			struct dp_hdr h;
			ssize_t got;

			if (dp_hdr_decode(&h, slots[i], slot_len[i]) < 0) {
				return -1;
			}
			got = dp_open(rx, &h, slots[i], slot_len[i]);
			if (got != (ssize_t)size) {
				return -1;
			}
		}
		t += bench_cpu_s() - t0;
		n += BATCH;
	} while (t < seconds);
	*out = rate((double)n, t, size);
	return 0;
}

int main(int argc, char **argv)
{
	static const size_t sizes[] = {64, 512, 1400};
	enum dp_cipher ciphers[2] = {DP_CHACHA20POLY1305};
	unsigned nciphers = 1;
	uint8_t secret[DP_SECRET_LEN];
	double seconds = argc > 1 ? atof(argv[1]) : 2.0;

	if (seconds <= 0) {
		fprintf(stderr, "usage: bench-dp [SECONDS]\n");
		return 2;
	}
	if (dp_cipher_preferred() == DP_AES256GCM) {
		ciphers[0] = DP_AES256GCM;
		ciphers[1] = DP_CHACHA20POLY1305;
		nciphers = 2;
	}
	bench_rng_seed(1);
	for (unsigned i = 0; i < DP_SECRET_LEN; i++) {
		secret[i] = (uint8_t)bench_rng_u32();
	}
	for (unsigned i = 0; i < BATCH; i++) {
		for (unsigned j = 0; j < SLOT; j++) {
			slots[i][j] = (uint8_t)bench_rng_u32();
		}
	}
	printf("preferred cipher: %s, %.1f s per row, one thread\n",
	       dp_cipher_name(dp_cipher_preferred()), seconds);
	printf("%-17s %-4s %6s %14s %10s\n", "cipher", "op", "bytes",
	       "packets/s", "Gbit/s");
	for (unsigned c = 0; c < nciphers; c++) {
		struct dp_key *tx = dp_key_create(ciphers[c], secret);
		const char *name = dp_cipher_name(ciphers[c]);

		if (!tx) {
			perror("bench-dp: key");
			return 1;
		}
		for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
			struct dp_key *rx;
			struct result r;

			r = bench_seal(tx, sizes[s], seconds);
			printf("%-17s %-4s %6zu %14.0f %10.3f\n", name, "seal",
			       sizes[s], r.pps, r.gbps);
			rx = dp_key_create(ciphers[c], secret);
			if (!rx) {
				perror("bench-dp: key");
				return 1;
			}
			if (bench_open(tx, rx, sizes[s], seconds, &r) < 0) {
				fprintf(stderr, "bench-dp: %s open failed\n",
					name);
				return 1;
			}
			printf("%-17s %-4s %6zu %14.0f %10.3f\n", name, "open",
			       sizes[s], r.pps, r.gbps);
			dp_key_destroy(rx);
		}
		dp_key_destroy(tx);
	}
	return 0;
}
