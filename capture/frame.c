/*
 * Ethernet / 802.1Q / ARP / RARP / IPv4 header parser. Every field is read
 * with an explicit big-endian load at a checked offset; no struct is laid
 * over the packet.
 */
#include <stdio.h>
#include <string.h>

#include "capture/frame.h"
#include "base/bytes.h"
#include "base/counter.h"

#define ETH_HLEN 14
#define VLAN_HLEN 4
#define ARP_FIXED 8 /* htype, ptype, hlen, plen, op */
#define ARP_ETH_IPV4 28
#define IPV4_HMIN 20

static void load_mac(struct vrd_mac *m, const uint8_t *p)
{
	memcpy(m->b, p, sizeof(m->b));
}

static bool is_vlan_tpid(uint16_t type)
{
	return type == 0x8100 || type == 0x88a8 || type == 0x9100;
}

static int parse_arp(const uint8_t *p, size_t len, struct capture_frame *f)
{
	if (len < ARP_FIXED) {
		return -CAPTURE_DROP_TRUNCATED;
	}
	if (vrd_get_be16(p) != 1) {
		return -CAPTURE_DROP_BAD_HTYPE;
	}
	if (vrd_get_be16(p + 2) != CAPTURE_ETH_IPV4) {
		return -CAPTURE_DROP_BAD_PTYPE;
	}
	if (p[4] != 6) {
		return -CAPTURE_DROP_BAD_HLEN;
	}
	if (p[5] != 4) {
		return -CAPTURE_DROP_BAD_PLEN;
	}
	if (len < ARP_ETH_IPV4) {
		return -CAPTURE_DROP_TRUNCATED;
	}
	f->op = vrd_get_be16(p + 6);
	if (f->ethertype == CAPTURE_ETH_ARP) {
		if (f->op != CAPTURE_ARP_REQUEST &&
		    f->op != CAPTURE_ARP_REPLY) {
			return -CAPTURE_DROP_BAD_OPCODE;
		}
		f->kind = CAPTURE_KIND_ARP;
	} else {
		if (f->op != CAPTURE_RARP_REQUEST &&
		    f->op != CAPTURE_RARP_REPLY) {
			return -CAPTURE_DROP_BAD_OPCODE;
		}
		f->kind = CAPTURE_KIND_RARP;
	}
	load_mac(&f->sha, p + 8);
	f->spa = vrd_get_be32(p + 14);
	load_mac(&f->tha, p + 18);
	f->tpa = vrd_get_be32(p + 24);
	if (!vrd_mac_is_unicast(&f->sha)) {
		return -CAPTURE_DROP_BAD_SHA;
	}
	if (!vrd_mac_equal(&f->sha, &f->eth_src)) {
		f->flags |= CAPTURE_FRAME_SHA_MISMATCH;
	}
	if (f->kind == CAPTURE_KIND_ARP && f->spa != 0 && f->spa == f->tpa) {
		f->flags |= CAPTURE_FRAME_GRATUITOUS;
	}
	return 0;
}

static int parse_ipv4(const uint8_t *p, size_t len, struct capture_frame *f)
{
	size_t hlen;

	if (len < IPV4_HMIN) {
		return -CAPTURE_DROP_TRUNCATED;
	}
	if (p[0] >> 4 != 4) {
		return -CAPTURE_DROP_BAD_IPV4;
	}
	hlen = (size_t)(p[0] & 0x0f) * 4;
	if (hlen < IPV4_HMIN || vrd_get_be16(p + 2) < hlen) {
		return -CAPTURE_DROP_BAD_IPV4;
	}
	if (len < hlen) {
		return -CAPTURE_DROP_TRUNCATED;
	}
	f->kind = CAPTURE_KIND_IPV4;
	f->ip_src = vrd_get_be32(p + 12);
	f->ip_dst = vrd_get_be32(p + 16);
	return 0;
}

int capture_frame_parse(const uint8_t *p, size_t len, struct capture_frame *out)
{
	size_t off = ETH_HLEN;
	uint16_t type;
	int rc;

	memset(out, 0, sizeof(*out));
	out->vlan = CAPTURE_VLAN_NONE;
	if (len > CAPTURE_FRAME_MAX) {
		return -CAPTURE_DROP_OVERSIZED;
	}
	if (len < ETH_HLEN) {
		return -CAPTURE_DROP_TRUNCATED;
	}
	load_mac(&out->eth_dst, p);
	load_mac(&out->eth_src, p + 6);
	if (vrd_mac_is_zero(&out->eth_src)) {
		return -CAPTURE_DROP_SRC_MAC_ZERO;
	}
	if (vrd_mac_is_multicast(&out->eth_src)) {
		return -CAPTURE_DROP_SRC_MAC_MULTICAST;
	}
	type = vrd_get_be16(p + 12);
	if (is_vlan_tpid(type)) {
		uint16_t vid;

		if (len < ETH_HLEN + VLAN_HLEN) {
			return -CAPTURE_DROP_TRUNCATED;
		}
		vid = vrd_get_be16(p + 14) & 0x0fff;
		type = vrd_get_be16(p + 16);
		off += VLAN_HLEN;
		if (is_vlan_tpid(type)) {
			return -CAPTURE_DROP_DOUBLE_TAGGED;
		}
		if (vid == 0x0fff) {
			return -CAPTURE_DROP_VLAN_RESERVED;
		}
		out->vlan = vid == 0 ? CAPTURE_VLAN_NONE : vid;
	}
	out->ethertype = type;
	switch (type) {
	case CAPTURE_ETH_ARP:
	case CAPTURE_ETH_RARP:
		rc = parse_arp(p + off, len - off, out);
		break;
	case CAPTURE_ETH_IPV4:
		rc = parse_ipv4(p + off, len - off, out);
		break;
	default:
		rc = -CAPTURE_DROP_ETHERTYPE;
		break;
	}
	if (rc < 0) {
		out->kind = 0;
	}
	return rc;
}

static const char *const drop_names[CAPTURE_DROP_MAX] = {
	[CAPTURE_DROP_TRUNCATED] = "truncated",
	[CAPTURE_DROP_OVERSIZED] = "oversized",
	[CAPTURE_DROP_DOUBLE_TAGGED] = "double_tagged",
	[CAPTURE_DROP_VLAN_RESERVED] = "vlan_reserved",
	[CAPTURE_DROP_ETHERTYPE] = "ethertype",
	[CAPTURE_DROP_SRC_MAC_ZERO] = "src_mac_zero",
	[CAPTURE_DROP_SRC_MAC_MULTICAST] = "src_mac_multicast",
	[CAPTURE_DROP_BAD_HTYPE] = "bad_htype",
	[CAPTURE_DROP_BAD_PTYPE] = "bad_ptype",
	[CAPTURE_DROP_BAD_HLEN] = "bad_hlen",
	[CAPTURE_DROP_BAD_PLEN] = "bad_plen",
	[CAPTURE_DROP_BAD_OPCODE] = "bad_opcode",
	[CAPTURE_DROP_BAD_SHA] = "bad_sha",
	[CAPTURE_DROP_BAD_IPV4] = "bad_ipv4",
};

const char *capture_drop_name(int reason)
{
	if (reason <= 0 || reason >= CAPTURE_DROP_MAX) {
		return "unknown";
	}
	return drop_names[reason];
}

void capture_stats_add(struct capture_stats *st, int rc,
		       const struct capture_frame *f)
{
	st->frames++;
	if (rc < 0) {
		if (-rc < CAPTURE_DROP_MAX) {
			st->drop[-rc]++;
		}
		return;
	}
	switch (f->kind) {
	case CAPTURE_KIND_ARP:
		st->arp++;
		break;
	case CAPTURE_KIND_RARP:
		st->rarp++;
		break;
	case CAPTURE_KIND_IPV4:
		st->ipv4++;
		break;
	}
	if (f->flags & CAPTURE_FRAME_GRATUITOUS) {
		st->gratuitous++;
	}
	if (f->flags & CAPTURE_FRAME_SHA_MISMATCH) {
		st->sha_mismatch++;
	}
}

int capture_stats_foreach(const struct capture_stats *st,
			  int (*fn)(const char *name, uint64_t value,
				    void *arg),
			  void *arg)
{
	const struct vrd_counter plain[] = {
		{"capture.frames", st->frames},
		{"capture.arp", st->arp},
		{"capture.rarp", st->rarp},
		{"capture.ipv4", st->ipv4},
		{"capture.gratuitous", st->gratuitous},
		{"capture.sha_mismatch", st->sha_mismatch},
	};
	char name[64];
	int rc;

	rc = VRD_COUNTERS_EMIT(plain, fn, arg);
	if (rc != 0) {
		return rc;
	}
	for (int r = 1; r < CAPTURE_DROP_MAX; r++) {
		snprintf(name, sizeof(name), "capture.drop.%s",
			 capture_drop_name(r));
		rc = fn(name, st->drop[r], arg);
		if (rc != 0) {
			return rc;
		}
	}
	return 0;
}
