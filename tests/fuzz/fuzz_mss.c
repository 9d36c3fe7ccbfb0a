/*
 * libFuzzer harness for MSS clamping (dataplane/mss.c). The input is two bytes
 * of mss_max (big-endian) and then the packet, clamped in a heap buffer of
 * exactly its size. Beyond "no crash, no access out of bounds":
 * - false leaves every byte as it was;
 * - true changes only the TCP checksum and bytes inside the TCP options,
 *   and a second clamp finds nothing left to do;
 * - a packet whose TCP checksum was right (unfragmented, the whole segment
 *   present) still has a right checksum after the clamp.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/mss.h"
#include "base/bytes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One's complement sum of pseudo-header and segment: 0xffff when the
 * checksum is right. Only for packets whose headers were checked. */
static uint16_t tcp_sum(const uint8_t *ip, size_t ihl, size_t tot)
{
	size_t seglen = tot - ihl, i;
	uint32_t sum = 0;

	for (i = 12; i < 20; i += 2) {
		sum += vrd_get_be16(ip + i);
	}
	sum += ip[9] + (uint32_t)seglen;
	for (i = 0; i + 1 < seglen; i += 2) {
		sum += vrd_get_be16(ip + ihl + i);
	}
	if (seglen & 1) {
		sum += (uint32_t)ip[ihl + seglen - 1] << 8;
	}
	while (sum >> 16) {
		sum = (sum & 0xffff) + (sum >> 16);
	}
	return (uint16_t)sum;
}

/* A whole, unfragmented IPv4 TCP segment: its header and total lengths. */
static bool whole_segment(const uint8_t *p, size_t len, size_t *ihl,
			  size_t *tot)
{
	if (len < 20 || p[0] >> 4 != 4) {
		return false;
	}
	*ihl = (size_t)(p[0] & 0x0f) * 4;
	*tot = vrd_get_be16(p + 2);
	return *ihl >= 20 && *tot >= *ihl + 20 && *tot <= len && p[9] == 6 &&
	       (vrd_get_be16(p + 6) & 0x3fff) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t len, ihl = 0, tot = 0, doff, i;
	bool whole, sum_ok = false;
	uint8_t *pkt, *orig;
	uint16_t mss_max;

	if (size < 2) {
		return 0;
	}
	mss_max = vrd_get_be16(data);
	len = size - 2;
	pkt = malloc(len ? len : 1);
	orig = malloc(len ? len : 1);
	if (!pkt || !orig) {
		abort();
	}
	memcpy(pkt, data + 2, len);
	memcpy(orig, data + 2, len);
	whole = whole_segment(orig, len, &ihl, &tot);
	if (whole) {
		sum_ok = tcp_sum(orig, ihl, tot) == 0xffff;
	}
	if (!dp_mss_clamp(pkt, len, mss_max)) {
		if (memcmp(pkt, orig, len) != 0) {
			abort();
		}
		goto free_bufs;
	}
	/* Changed: it must have been a SYN with options, first fragment. */
	if (len < 40 || (orig[0] & 0x0f) < 5) {
		abort();
	}
	ihl = (size_t)(orig[0] & 0x0f) * 4;
	doff = (size_t)(orig[ihl + 12] >> 4) * 4;
	if (!(orig[ihl + 13] & 0x02) || doff <= 20 || ihl + doff > len) {
		abort();
	}
	for (i = 0; i < len; i++) {
		bool csum = i == ihl + 16 || i == ihl + 17;
		bool opts = i >= ihl + 20 && i < ihl + doff;

		if (pkt[i] != orig[i] && !csum && !opts) {
			abort();
		}
	}
	if (dp_mss_clamp(pkt, len, mss_max)) {
		abort(); /* not idempotent */
	}
	if (whole && sum_ok && tcp_sum(pkt, ihl, tot) != 0xffff) {
		abort();
	}
free_bufs:
	free(pkt);
	free(orig);
	return 0;
}
