/*
 * bench-gso: user-space GSO/GRO rates on one core (CPU time of this
 * thread). Prints "name  value  unit" lines.
 *
 *   checksum: dp_csum_add() over 64 KB.
 *   split:    64 KB TCP super-packets (timestamps, MSS 1380: 48 segments)
 *             into slots with 20 bytes of headroom; segments/s and Gbit/s
 *             of segment bytes.
 *   coalesce: batches of 64 segments of 1400 bytes (one flow, and four
 *             flows interleaved) into super-packets; Gbit/s of input.
 *
 * Usage: bench-gso [-t SECONDS per measurement]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/bench_util.h"
#include "dataplane/gso.h"

#define MSS 1380
#define THL 32 /* TCP header with timestamps */
#define HLEN (20 + THL)
#define HEADROOM 20
#define STRIDE 1536
#define SEG_LEN 1400
#define BATCH DP_GSO_SEGS_MAX

static double seconds = 1.0;

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* An IPv4/TCP packet at ip with payload bytes; full checksums, or the
 * pseudo header partial sum with partial. Returns its length. */
static size_t tcp_make(uint8_t *ip, size_t payload, uint16_t id, uint32_t seq,
		       uint16_t sport, bool partial)
{
	size_t len = HLEN + payload;
	uint8_t *th = ip + 20;
	uint16_t c;
	uint64_t sum;

	memset(ip, 0, HLEN);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)len);
	put16(ip + 4, id);
	put16(ip + 6, 0x4000);
	ip[8] = 64;
	ip[9] = 6;
	memcpy(ip + 12, (const uint8_t[]){198, 51, 100, 7}, 4);
	memcpy(ip + 16, (const uint8_t[]){203, 0, 113, 9}, 4);
	c = (uint16_t)~dp_csum_fold(dp_csum_add(0, ip, 20));
	memcpy(ip + 10, &c, 2);
	put16(th, sport);
	put16(th + 2, 443);
	put32(th + 4, seq);
	put32(th + 8, 12345);
	th[12] = (THL / 4) << 4;
	th[13] = 0x10;
	put16(th + 14, 1024);
	memcpy(th + 20, (const uint8_t[]){1, 1, 8, 10, 1, 2, 3, 4, 5, 6, 7, 8},
	       12);
	for (size_t i = 0; i < payload; i++) {
		ip[HLEN + i] = (uint8_t)bench_rng_u32();
	}
	sum = dp_csum_pseudo4(0, ip + 12, ip + 16, 6, (uint16_t)(len - 20));
	if (partial) {
		c = dp_csum_fold(sum);
	} else {
		c = (uint16_t)~dp_csum_fold(dp_csum_add(sum, th, len - 20));
	}
	memcpy(th + 16, &c, 2);
	return len;
}

static int bench_csum(void)
{
	static uint8_t buf[65536];
	volatile uint16_t sink = 0;
	uint64_t n = 0;
	double t0, t;

	for (size_t i = 0; i < sizeof(buf); i++) {
		buf[i] = (uint8_t)bench_rng_u32();
	}
	t0 = bench_cpu_s();
	do {
		for (int i = 0; i < 256; i++, n++) {
			sink ^= dp_csum_fold(dp_csum_add(0, buf, sizeof(buf)));
		}
		t = bench_cpu_s() - t0;
	} while (t < seconds);
	(void)sink;
	bench_print_num("checksum 64 KB", (double)n * sizeof(buf) * 8 / t / 1e9,
			"Gbit/s");
	return 0;
}

static int bench_split(void)
{
	static uint8_t in[DP_VNET_HDR_LEN + DP_GSO_PKT_MAX];
	static uint8_t slots[BATCH * STRIDE];
	static struct dp_gso_out out;
	struct dp_vnet_hdr h = {.flags = DP_VNET_F_NEEDS_CSUM,
				.gso_type = DP_VNET_GSO_TCPV4,
				.hdr_len = HLEN,
				.gso_size = MSS,
				.csum_start = 20,
				.csum_offset = 16};
	size_t len, supers = 0, segs = 0, bytes = 0;
	double t0, t;

	dp_vnet_hdr_encode(in, &h);
	len = DP_VNET_HDR_LEN + tcp_make(in + DP_VNET_HDR_LEN,
					 DP_GSO_PKT_MAX - HLEN, 1, 1, 40000,
					 true);
	out.buf = slots;
	out.stride = STRIDE;
	out.headroom = HEADROOM;
	out.slots = BATCH;
	t0 = bench_cpu_s();
	do {
		for (int i = 0; i < 64; i++) {
			if (dp_gso_split(&out, in, len) < 0) {
				fprintf(stderr, "bench-gso: split failed\n");
				return -1;
			}
			supers++;
			segs += out.segs;
			for (size_t k = 0; k < out.segs; k++) {
				bytes += out.seg[k].len;
			}
		}
		t = bench_cpu_s() - t0;
	} while (t < seconds);
	bench_print_num("split segments per super-packet",
			(double)segs / (double)supers, "");
	bench_print_num("split super-packets", (double)supers / t, "/s");
	bench_print_num("split segments", (double)segs / t, "/s");
	bench_print_num("split rate", (double)bytes * 8 / t / 1e9, "Gbit/s");
	return 0;
}

/* Batches of BATCH segments of SEG_LEN bytes from flows flows. */
static int bench_coalesce(size_t flows)
{
	static uint8_t *mem[BATCH];
	static uint8_t pristine[BATCH][HLEN];
	static struct dp_gro_pkt pkts[BATCH];
	static struct dp_gro_frame frames[BATCH];
	size_t batches = 0, frames_out = 0, bytes = 0;
	char name[64];
	double t0, t;
	int rc = 0;

	for (size_t i = 0; i < BATCH; i++) {
		size_t f = i % flows, k = i / flows;

		mem[i] = malloc(DP_VNET_HDR_LEN + DP_GSO_PKT_MAX);
		if (!mem[i]) {
			fprintf(stderr, "bench-gso: out of memory\n");
			rc = -1;
			goto free_mem;
		}
		pkts[i].data = mem[i] + DP_VNET_HDR_LEN;
		pkts[i].len = tcp_make(pkts[i].data, SEG_LEN - HLEN,
				       (uint16_t)(100 * f + k),
				       (uint32_t)(1 + k * (SEG_LEN - HLEN)),
				       (uint16_t)(40000 + f), false);
		pkts[i].cap = DP_GSO_PKT_MAX;
		memcpy(pristine[i], pkts[i].data, HLEN);
		bytes += pkts[i].len;
	}
	t0 = bench_cpu_s();
	do {
		for (int r = 0; r < 64; r++) {
			frames_out += dp_gro_coalesce(frames, pkts, BATCH);
			batches++;
			for (size_t i = 0; i < BATCH; i++) {
				memcpy(pkts[i].data, pristine[i], HLEN);
			}
		}
		t = bench_cpu_s() - t0;
	} while (t < seconds);
	snprintf(name, sizeof(name), "coalesce %zu flow%s: frames per batch",
		 flows, flows > 1 ? "s" : "");
	bench_print_num(name, (double)frames_out / (double)batches, "");
	snprintf(name, sizeof(name), "coalesce %zu flow%s: segments", flows,
		 flows > 1 ? "s" : "");
	bench_print_num(name, (double)batches * BATCH / t, "/s");
	snprintf(name, sizeof(name), "coalesce %zu flow%s: rate", flows,
		 flows > 1 ? "s" : "");
	bench_print_num(name, (double)batches * (double)bytes * 8 / t / 1e9,
			"Gbit/s");
free_mem:
	for (size_t i = 0; i < BATCH; i++) {
		free(mem[i]);
		mem[i] = NULL;
	}
	return rc;
}

int main(int argc, char **argv)
{
	int c;

	while ((c = getopt(argc, argv, "t:h")) != -1) {
		switch (c) {
		case 't':
			seconds = strtod(optarg, NULL);
			break;
		default:
			fprintf(stderr, "usage: bench-gso [-t SECONDS]\n");
			return c == 'h' ? 0 : 2;
		}
	}
	if (!(seconds > 0 && seconds < 3600)) {
		fprintf(stderr, "usage: bench-gso [-t SECONDS]\n");
		return 2;
	}
	bench_rng_seed(1);
	bench_print_num("split mss", MSS, "bytes");
	bench_print_num("coalesce segment", SEG_LEN, "bytes");
	if (bench_csum() < 0 || bench_split() < 0 || bench_coalesce(1) < 0 ||
	    bench_coalesce(4) < 0) {
		return 1;
	}
	return 0;
}
