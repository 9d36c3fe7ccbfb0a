/*
 * The frame parser: Ethernet, one 802.1Q tag, ARP/RARP and the IPv4
 * header. Pure (no pcap, no I/O), so unit tests and the fuzzer link it
 * alone. Bytes from the wire are converted field by field at this boundary;
 * everything in struct capture_frame is in host order.
 *
 * Rules (docs/capture.md has the full list):
 * - len is the number of bytes captured. A frame longer than
 *   CAPTURE_FRAME_MAX is OVERSIZED; one too short for the headers its
 *   ethertype announces is TRUNCATED. Trailing padding is allowed.
 * - The Ethernet source must be unicast and not zero.
 * - At most one VLAN tag (0x8100, 0x88a8 or 0x9100); a second one is
 *   DOUBLE_TAGGED. VLAN id 4095 is reserved (dropped); id 0 (priority
 *   tag only) counts as untagged.
 * - ARP and RARP must be Ethernet/IPv4: htype 1, ptype 0x0800, hlen 6,
 *   plen 4. ARP (0x0806) carries opcodes 1-2, RARP (0x8035) opcodes 3-4.
 *   The sender hardware address must be unicast and not zero.
 * - IPv4 needs version 4, a header length of at least 20 bytes that fits
 *   in the capture, and a total length covering the header.
 * - Anything else (IPv6, LLDP, 802.3 length frames...) is ETHERTYPE.
 */
#ifndef CAPTURE_FRAME_H
#define CAPTURE_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "base/addr.h"

/* The largest jumbo frame switches commonly accept. */
#define CAPTURE_FRAME_MAX 9216

#define CAPTURE_ETH_ARP 0x0806
#define CAPTURE_ETH_RARP 0x8035
#define CAPTURE_ETH_IPV4 0x0800

#define CAPTURE_ARP_REQUEST 1
#define CAPTURE_ARP_REPLY 2
#define CAPTURE_RARP_REQUEST 3 /* "request reverse": QEMU and VMware */
#define CAPTURE_RARP_REPLY 4

/* struct capture_frame.vlan of an untagged (or priority-tagged) frame. */
#define CAPTURE_VLAN_NONE 0xffff

/* Why a frame was dropped: capture_frame_parse returns the negative. */
enum capture_drop {
	CAPTURE_DROP_TRUNCATED = 1,
	CAPTURE_DROP_OVERSIZED,
	CAPTURE_DROP_DOUBLE_TAGGED,
	CAPTURE_DROP_VLAN_RESERVED,
	CAPTURE_DROP_ETHERTYPE, /* neither ARP, RARP nor IPv4 */
	CAPTURE_DROP_SRC_MAC_ZERO,
	CAPTURE_DROP_SRC_MAC_MULTICAST, /* includes broadcast */
	CAPTURE_DROP_BAD_HTYPE,
	CAPTURE_DROP_BAD_PTYPE,
	CAPTURE_DROP_BAD_HLEN,
	CAPTURE_DROP_BAD_PLEN,
	CAPTURE_DROP_BAD_OPCODE,
	CAPTURE_DROP_BAD_SHA, /* ARP sender hw zero or multicast */
	CAPTURE_DROP_BAD_IPV4, /* version, header or total length */
	CAPTURE_DROP_MAX, /* not a reason: one past the last */
};

enum capture_kind {
	CAPTURE_KIND_ARP = 1,
	CAPTURE_KIND_RARP,
	CAPTURE_KIND_IPV4,
};

/* struct capture_frame.flags */
#define CAPTURE_FRAME_GRATUITOUS 0x1 /* ARP, spa == tpa != 0 */
#define CAPTURE_FRAME_SHA_MISMATCH 0x2 /* ARP/RARP sha != Ethernet source */

/*
 * A parsed frame. Nothing points into the packet: the struct may be kept.
 * Only the fields of its kind are set; the others are zero.
 */
struct capture_frame {
	enum capture_kind kind;
	uint16_t vlan; /* 1-4094 or CAPTURE_VLAN_NONE */
	uint16_t ethertype; /* after the tag */
	uint32_t flags; /* CAPTURE_FRAME_* */
	struct vrd_mac eth_dst;
	struct vrd_mac eth_src;
	/* ARP and RARP */
	uint16_t op;
	struct vrd_mac sha, tha;
	uint32_t spa, tpa; /* host order */
	/* IPv4 */
	uint32_t ip_src, ip_dst; /* host order */
};

/*
 * Parses len bytes at p (borrowed, only read during the call) into *out.
 * 0, or the negative of an enum capture_drop; *out is fully written
 * (zeroed on a drop, apart from what was parsed before the fault).
 */
int capture_frame_parse(const uint8_t *p, size_t len,
			struct capture_frame *out);

/* "truncated", "double_tagged", ...; "unknown" outside the enum. */
const char *capture_drop_name(int reason);

/* Counters: cheap, always on. */
struct capture_stats {
	uint64_t frames; /* every frame passed to capture_stats_add */
	uint64_t arp, rarp, ipv4;
	uint64_t gratuitous;
	uint64_t sha_mismatch; /* kept, only counted */
	uint64_t drop[CAPTURE_DROP_MAX]; /* index: enum capture_drop */
};

/* Accounts one parse result: rc is what capture_frame_parse returned,
 * f its output (read only when rc == 0). */
void capture_stats_add(struct capture_stats *st, int rc,
		       const struct capture_frame *f);

/*
 * Calls fn for every counter, named "capture.frames", "capture.arp", ...,
 * "capture.drop.truncated", in a fixed order. Stops at the first nonzero
 * return of fn and returns it; 0 when all were visited.
 */
int capture_stats_foreach(const struct capture_stats *st,
			  int (*fn)(const char *name, uint64_t value,
				    void *arg),
			  void *arg);

#endif
