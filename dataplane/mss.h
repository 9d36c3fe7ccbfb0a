/* TCP MSS clamping for IPv4 SYN segments: pure, no allocation, no I/O.
 *
 * Packets that leave through the overlay carry an extra header, so a SYN's
 * MSS option is lowered to what fits in the TUN's MTU. Any bytes are safe
 * to pass: what is not a well-formed IPv4 TCP SYN with the whole TCP header
 * present is left untouched.
 */
#ifndef DP_MSS_H
#define DP_MSS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* IPv4 header (20) + TCP header (20) without options. */
#define DP_MSS_OVERHEAD 40

/*
 * Lower every MSS option of the IPv4 TCP SYN (or SYN-ACK) in ip_packet
 * (len bytes, borrowed, modified in place) that is larger than mss_max to
 * mss_max, and fix the TCP checksum incrementally (RFC 1624). True when
 * the packet changed. Left alone: not IPv4, a bad header length, a total
 * length beyond len, not TCP, a non-first fragment, no SYN, a TCP header
 * that does not fit; the option walk stops at EOL or at the first option
 * whose length is below 2 or runs past the header.
 */
bool dp_mss_clamp(uint8_t *ip_packet, size_t len, uint16_t mss_max);

/* The MSS for a TUN MTU: mtu - 40, 0 when mtu is 40 or less, at most
 * 65535. */
uint16_t dp_mss_for_mtu(unsigned mtu);

#endif
