/* TCP MSS clamping for IPv4 SYN segments (see mss.h). */
#include "dataplane/mss.h"

#include "base/bytes.h"

#define IPV4_HDR_MIN 20
#define TCP_HDR_MIN 20
#define IPPROTO_TCP_NUM 6
#define TCP_FLAG_SYN 0x02
#define TCP_CSUM_OFF 16
#define TCPOPT_EOL 0
#define TCPOPT_NOP 1
#define TCPOPT_MSS 2
#define TCPOLEN_MSS 4

static uint16_t swap16(uint16_t v)
{
	return (uint16_t)(v << 8 | v >> 8);
}

/* RFC 1624, eqn. 3: HC' = ~(~HC + ~m + m'). */
static uint16_t csum_replace(uint16_t hc, uint16_t old, uint16_t new)
{
	uint32_t sum = (uint16_t)~hc;

	sum += (uint16_t)~old;
	sum += new;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/*
 * Rewrite the 16-bit value at tcp + off and fold the change into the TCP
 * checksum. At an odd offset the two bytes sit in two checksum words, high
 * byte low and low byte high: the one's complement sum of the byte-swapped
 * value is the byte-swapped sum, so the update uses swapped values.
 */
static void field_replace(uint8_t *tcp, size_t off, uint16_t new)
{
	uint16_t old = vrd_get_be16(tcp + off);
	uint16_t hc = vrd_get_be16(tcp + TCP_CSUM_OFF);

	if (off & 1) {
		hc = csum_replace(hc, swap16(old), swap16(new));
	} else {
		hc = csum_replace(hc, old, new);
	}
	vrd_put_be16(tcp + off, new);
	vrd_put_be16(tcp + TCP_CSUM_OFF, hc);
}

/* The TCP header of an IPv4 TCP SYN, or NULL; *hdrlen its length. */
static uint8_t *syn_header(uint8_t *ip, size_t len, size_t *hdrlen)
{
	size_t ihl, tot, doff;
	uint8_t *tcp;

	if (len < IPV4_HDR_MIN || ip[0] >> 4 != 4) {
		return NULL;
	}
	ihl = (size_t)(ip[0] & 0x0f) * 4;
	tot = vrd_get_be16(ip + 2);
	if (ihl < IPV4_HDR_MIN || tot < ihl || tot > len) {
		return NULL;
	}
	if (ip[9] != IPPROTO_TCP_NUM || (vrd_get_be16(ip + 6) & 0x1fff) != 0) {
		return NULL; /* not TCP, or a non-first fragment */
	}
	if (tot - ihl < TCP_HDR_MIN) {
		return NULL;
	}
	tcp = ip + ihl;
	doff = (size_t)(tcp[12] >> 4) * 4;
	if (!(tcp[13] & TCP_FLAG_SYN) || doff < TCP_HDR_MIN ||
	    doff > tot - ihl) {
		return NULL;
	}
	*hdrlen = doff;
	return tcp;
}

bool dp_mss_clamp(uint8_t *ip_packet, size_t len, uint16_t mss_max)
{
	size_t hdrlen, i = TCP_HDR_MIN;
	bool changed = false;
	uint8_t *tcp;

	tcp = syn_header(ip_packet, len, &hdrlen);
	if (!tcp) {
		return false;
	}
	while (i < hdrlen) {
		uint8_t kind = tcp[i], olen;

		if (kind == TCPOPT_EOL) {
			break;
		}
		if (kind == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (hdrlen - i < 2) {
			break;
		}
		olen = tcp[i + 1];
		if (olen < 2 || olen > hdrlen - i) {
			break;
		}
		if (kind == TCPOPT_MSS && olen == TCPOLEN_MSS &&
		    vrd_get_be16(tcp + i + 2) > mss_max) {
			field_replace(tcp, i + 2, mss_max);
			changed = true;
		}
		i += olen;
	}
	return changed;
}

uint16_t dp_mss_for_mtu(unsigned mtu)
{
	if (mtu <= DP_MSS_OVERHEAD) {
		return 0;
	}
	if (mtu - DP_MSS_OVERHEAD > UINT16_MAX) {
		return UINT16_MAX;
	}
	return (uint16_t)(mtu - DP_MSS_OVERHEAD);
}
