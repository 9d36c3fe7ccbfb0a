/*
 * Segmentation offloads for the TUN data plane, in user space: pure code,
 * no sockets, no allocation.
 *
 * The TUN is opened with IFF_VNET_HDR and TUNSETOFFLOAD(TUN_F_CSUM |
 * TUN_F_TSO4), so every read and every write carries a 10-byte virtio
 * header (struct virtio_net_hdr in <linux/virtio_net.h>) in front of the
 * packet:
 *
 *   byte 0     flags        DP_VNET_F_*
 *   byte 1     gso_type     DP_VNET_GSO_*
 *   bytes 2-3  hdr_len      length of the IP and TCP headers
 *   bytes 4-5  gso_size     payload bytes per segment (the MSS)
 *   bytes 6-7  csum_start   where the checksummed region starts
 *   bytes 8-9  csum_offset  where the checksum field is, from csum_start
 *
 * Byte order of the 16-bit fields: the TUN uses the host's native order
 * unless TUNSETVNETLE/TUNSETVNETBE was called (vrd does not call them), so
 * the codec below decodes and encodes them byte by byte in the host's
 * order: little endian on x86-64 and arm64, big endian on a big-endian
 * host. Nothing here casts a struct over those bytes.
 *
 * Read side (TUN -> peers): dp_gso_split() turns one read into complete
 * IPv4 packets with finished checksums. Write side (peers -> TUN):
 * dp_gro_coalesce() merges a batch of decrypted TCP segments into as few
 * TCP super-packets as it can.
 *
 * The TUN must never hand over more than DP_GSO_SEGS_MAX segments: set
 * the device's gso_max_segs to DP_GSO_SEGS_MAX (IFLA_GSO_MAX_SEGS), or a
 * super-packet with a small MSS fails with -EMSGSIZE.
 */
#ifndef DP_GSO_H
#define DP_GSO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DP_VNET_HDR_LEN 10

/* flags: the values of VIRTIO_NET_HDR_F_* */
#define DP_VNET_F_NEEDS_CSUM 0x01 /* checksum field holds a partial sum */
#define DP_VNET_F_DATA_VALID 0x02 /* checksum already checked (ignored) */

/* gso_type: the values of VIRTIO_NET_HDR_GSO_* */
#define DP_VNET_GSO_NONE 0
#define DP_VNET_GSO_TCPV4 1
#define DP_VNET_GSO_UDP 3
#define DP_VNET_GSO_TCPV6 4
#define DP_VNET_GSO_UDP_L4 5
#define DP_VNET_GSO_ECN 0x80 /* bit: the super-packet has CWR set */

/* Segments one super-packet may become, and packets one GRO pass merges. */
#define DP_GSO_SEGS_MAX 64
/* The largest IPv4 packet: the limit of a super-packet in both ways. */
#define DP_GSO_PKT_MAX 65535

/* The virtio header, decoded: host integers. */
struct dp_vnet_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
};

/* Decode/encode exactly DP_VNET_HDR_LEN bytes, in the host's order. */
void dp_vnet_hdr_decode(struct dp_vnet_hdr *hdr, const uint8_t *in);
void dp_vnet_hdr_encode(uint8_t *out, const struct dp_vnet_hdr *hdr);

/* ---- checksums ---------------------------------------------------------
 *
 * The Internet checksum (RFC 1071) in the host's word order, as the kernel
 * keeps its __wsum: an accumulator adds the bytes as native 64-bit words,
 * dp_csum_fold() folds it to 16 bits, and that value stored with memcpy()
 * (not converted) puts the right two bytes in the packet. Sums of pieces
 * add up correctly as long as every piece starts at an even offset of the
 * checksummed region; only the last piece may have an odd length.
 */

/* Add len bytes at data to sum (start a sum with 0). */
uint64_t dp_csum_add(uint64_t sum, const uint8_t *data, size_t len);

/* The same, copying the bytes to dst as it goes (no overlap). */
uint64_t dp_csum_copy(uint8_t *dst, const uint8_t *src, size_t len,
		      uint64_t sum);

/* Fold an accumulator to 16 bits (not complemented). */
static inline uint16_t dp_csum_fold(uint64_t sum)
{
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffu) + (sum >> 16);
	sum = (sum & 0xffffu) + (sum >> 16);
	return (uint16_t)sum;
}

/* Add the IPv4 pseudo header to sum: src and dst are 4 bytes in network
 * order, len is the transport length (header and payload). */
uint64_t dp_csum_pseudo4(uint64_t sum, const uint8_t *src, const uint8_t *dst,
			 uint8_t proto, uint16_t len);

/* ---- read side: split --------------------------------------------------
 *
 * What the caller lends: DP_GSO_SEGS_MAX slots at most, slot i at
 * buf + i * stride, each with headroom free bytes (for the caller's own
 * header) before the segment. A segment needs IP + TCP header + gso_size
 * bytes after the headroom.
 *
 * What it gets back: segs packets, seg[i].data / seg[i].len. For a TCPV4
 * super-packet they are in the slots (seg[i].data == buf + i * stride +
 * headroom) and the input is left as it was. For gso_type NONE there is one
 * packet and it stays in place: seg[0].data == in + DP_VNET_HDR_LEN, its
 * checksum finished there if NEEDS_CSUM was set; the 10 bytes of the vnet
 * header (and whatever room the caller left before in) are free in front
 * of it. The pointers are valid while buf and in are.
 */
struct dp_gso_seg {
	uint8_t *data;
	size_t len;
};

struct dp_gso_out {
	/* filled in by the caller */
	uint8_t *buf;
	size_t stride;
	size_t headroom;
	size_t slots; /* at most DP_GSO_SEGS_MAX are used */
	/* filled in by dp_gso_split() */
	size_t segs;
	struct dp_gso_seg seg[DP_GSO_SEGS_MAX];
};

/*
 * Split one TUN read (vnet header and packet, len bytes) into packets.
 *
 * gso_type NONE: one packet; with NEEDS_CSUM the ones' complement sum from
 * csum_start to the end (which covers the partial value in the field) is
 * complemented into csum_start + csum_offset.
 *
 * TCPV4 (with or without the ECN bit): segments of gso_size payload bytes;
 * each gets the IP header with its total length, id + i and header
 * checksum, the TCP header with seq + offset, FIN and PSH on the last only,
 * CWR on the first only (so the ECN bit needs nothing more: Linux's
 * tcp_gso_segment() does the same), and a full TCP checksum. IP options are
 * copied into every segment. hdr_len is checked to lie within the packet
 * but the header length is taken from the IP and TCP headers, since the
 * kernel can report the whole linear part there.
 *
 * Returns 0, -EOPNOTSUPP for UDP, UDP_L4 and TCPV6, -EINVAL for a malformed
 * header or packet (a length or offset outside the packet, gso_size 0, an
 * IP header that is not IPv4 TCP, a fragment, a total length that does not
 * match, unknown flags), -EMSGSIZE when the segments do not fit the slots.
 * On error out->segs is 0 and the input is unchanged.
 */
int dp_gso_split(struct dp_gso_out *out, uint8_t *in, size_t len);

/* ---- write side: coalesce ----------------------------------------------
 *
 * The buffer contract, for each input packet:
 *   data - DP_VNET_HDR_LEN .. data - 1   writable: the vnet header goes
 *                                         there
 *   data .. data + len - 1                the decrypted IPv4 packet
 *   data + len .. data + cap - 1          writable room: payloads of the
 *                                         packets merged into this one are
 *                                         copied there
 * Buffers must not overlap. A packet merges into an earlier one only while
 * the merged packet fits the earlier one's cap and DP_GSO_PKT_MAX.
 *
 * What merges (as Linux's TCP GRO): IPv4 without options, no fragment,
 * total length equal to len, valid IP header checksum; same addresses,
 * ports, TOS, TTL and DF; IP id one more than the previous segment's; TCP
 * seq right after the previous segment; same ACK number, window, data
 * offset and option bytes (timestamps included); flags ACK (ECE allowed
 * when equal), PSH only on the last; no SYN, FIN, RST, URG or CWR; payload
 * of every segment but the last equal to the first's (gso_size), the last
 * one not longer; a valid TCP checksum on every segment (the merged packet
 * leaves with NEEDS_CSUM, so a bad segment would otherwise be repaired);
 * at most DP_GSO_SEGS_MAX segments.
 *
 * A packet merges into the newest super-packet of its flow even with other
 * flows' packets between them; any packet of the flow that does not merge
 * ends that flow's super-packet, so the order within a flow is kept. The
 * frames come out in the order of their first packets.
 *
 * A merged frame: vnet header NEEDS_CSUM, gso_type TCPV4, gso_size,
 * hdr_len = IP + TCP header, csum_start = 20, csum_offset = 16; IP total
 * length and header checksum updated, PSH set if the last segment had it,
 * TCP checksum field holding the pseudo header sum of the merged length.
 * Every other packet is left as it is behind a vnet header of zeros.
 */
struct dp_gro_pkt {
	uint8_t *data; /* borrowed; see the contract above */
	size_t len;
	size_t cap; /* >= len */
};

struct dp_gro_frame {
	uint8_t *data; /* the input's data - DP_VNET_HDR_LEN */
	size_t len; /* vnet header and packet: ready for write() */
	size_t segs; /* input packets in this frame */
};

/*
 * Coalesce n packets (any n; they are taken DP_GSO_SEGS_MAX at a time)
 * into out, which has room for n frames. Returns the number of frames.
 */
size_t dp_gro_coalesce(struct dp_gro_frame *out, struct dp_gro_pkt *pkts,
		       size_t n);

#endif
