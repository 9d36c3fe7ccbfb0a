/*
 * libFuzzer harness for user-space GSO/GRO (dataplane/gso.c, linked alone).
 * The first byte picks the mode:
 *
 *   even: the rest is one TUN read (vnet header and packet) for
 *         dp_gso_split(); whatever it accepts is coalesced back.
 *   odd:  the rest is a batch for dp_gro_coalesce(), each packet as
 *         [room:1][len:2 big endian][len bytes]; room adds tail room.
 *
 * Beyond "no crash, no out of bounds" (every buffer is exactly as large as
 * the contract says, so ASan sees one byte too far): every segment split
 * out has valid IP and TCP checksums, and every merged frame splits back
 * into as many segments as it merged.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/gso.h"
#include "base/bytes.h"

#define STRIDE (DP_GSO_PKT_MAX + HEADROOM)
#define HEADROOM 20

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t slots[DP_GSO_SEGS_MAX * STRIDE];

static int split(struct dp_gso_out *out, uint8_t *in, size_t len)
{
	memset(out, 0, sizeof(*out));
	out->buf = slots;
	out->stride = STRIDE;
	out->headroom = HEADROOM;
	out->slots = DP_GSO_SEGS_MAX;
	return dp_gso_split(out, in, len);
}

static void segment_check(const struct dp_gso_seg *s)
{
	size_t ihl = (size_t)(s->data[0] & 0x0f) * 4;
	uint64_t sum;

	if (s->len > STRIDE - HEADROOM || vrd_get_be16(s->data + 2) != s->len ||
	    dp_csum_fold(dp_csum_add(0, s->data, ihl)) != 0xffff) {
		abort();
	}
	sum = dp_csum_add(0, s->data + ihl, s->len - ihl);
	sum = dp_csum_pseudo4(sum, s->data + 12, s->data + 16, 6,
			      (uint16_t)(s->len - ihl));
	if (dp_csum_fold(sum) != 0xffff) {
		abort();
	}
}

/* Copy packets into exact buffers (10 bytes before, cap after), coalesce,
 * check every frame, free. */
static void coalesce(uint8_t **bufs, struct dp_gro_pkt *pkts, size_t n)
{
	static struct dp_gro_frame frames[3 * DP_GSO_SEGS_MAX];
	static struct dp_gso_out back;
	size_t nf = dp_gro_coalesce(frames, pkts, n), total = 0;

	for (size_t i = 0; i < nf; i++) {
		const struct dp_gro_frame *f = &frames[i];

		total += f->segs;
		if (f->segs < 2) {
			continue;
		}
		if (split(&back, f->data, f->len) < 0 || back.segs != f->segs) {
			abort(); /* a merged frame must split back */
		}
		for (size_t k = 0; k < back.segs; k++) {
			segment_check(&back.seg[k]);
		}
	}
	if (total != n) {
		abort();
	}
	for (size_t i = 0; i < n; i++) {
		free(bufs[i]);
	}
}

static int pkt_add(uint8_t **bufs, struct dp_gro_pkt *p, const uint8_t *src,
		   size_t len, size_t room)
{
	*bufs = malloc(DP_VNET_HDR_LEN + len + room);
	if (!*bufs) {
		return -1;
	}
	p->data = *bufs + DP_VNET_HDR_LEN;
	memcpy(p->data, src, len);
	p->len = len;
	p->cap = len + room;
	return 0;
}

static void mode_split(const uint8_t *data, size_t size)
{
	static struct dp_gso_out out;
	static uint8_t *bufs[DP_GSO_SEGS_MAX];
	static struct dp_gro_pkt pkts[DP_GSO_SEGS_MAX];
	uint8_t *in = malloc(size ? size : 1);
	size_t n = 0;

	if (!in) {
		return;
	}
	memcpy(in, data, size);
	if (split(&out, in, size) == 0 && size >= DP_VNET_HDR_LEN &&
	    (in[1] & 0x7f) == DP_VNET_GSO_TCPV4) {
		for (size_t i = 0; i < out.segs; i++) {
			segment_check(&out.seg[i]);
		}
		for (size_t i = 0; i < out.segs; i++, n++) {
			if (pkt_add(&bufs[n], &pkts[n], out.seg[i].data,
				    out.seg[i].len, DP_GSO_PKT_MAX) < 0) {
				break;
			}
		}
		coalesce(bufs, pkts, n);
	}
	free(in);
}

static void mode_coalesce(const uint8_t *data, size_t size)
{
	static uint8_t *bufs[3 * DP_GSO_SEGS_MAX];
	static struct dp_gro_pkt pkts[3 * DP_GSO_SEGS_MAX];
	size_t n = 0;

	while (size >= 3 && n < 3 * DP_GSO_SEGS_MAX) {
		size_t room = (size_t)data[0] * 256,
		       len = vrd_get_be16(data + 1);

		data += 3;
		size -= 3;
		if (len > size) {
			len = size;
		}
		if (pkt_add(&bufs[n], &pkts[n], data, len, room) < 0) {
			break;
		}
		n++;
		data += len;
		size -= len;
	}
	coalesce(bufs, pkts, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1) {
		return 0;
	}
	if (data[0] & 1) {
		mode_coalesce(data + 1, size - 1);
	} else {
		mode_split(data + 1, size - 1);
	}
	return 0;
}
