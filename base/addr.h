/* IPv4 addresses, prefixes and MAC addresses: parse, format and compare.
 *
 * Addresses are held in host byte order (uint32_t); conversion to and from
 * network order happens at the wire and storage boundaries only.
 */
#ifndef VRD_ADDR_H
#define VRD_ADDR_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define VRD_IPV4_STRLEN 16 /* "255.255.255.255" + NUL */
#define VRD_PREFIX_STRLEN 19 /* "255.255.255.255/32" + NUL */
#define VRD_MAC_STRLEN 18 /* "52:54:00:12:34:56" + NUL */

struct vrd_prefix {
	uint32_t addr; /* host order, host bits zero */
	uint8_t len; /* 0 to 32 */
};

struct vrd_mac {
	uint8_t b[6];
};

/* Netmask of a prefix length, in host order. len must be 0 to 32. */
static inline uint32_t vrd_prefix_mask(unsigned len)
{
	return len == 0 ? 0 : ~(uint32_t)0 << (32 - len);
}

/* A length of 0 to 32 and no host bits set: what every codec accepts. */
static inline bool vrd_prefix_valid(const struct vrd_prefix *p)
{
	return p->len <= 32 && (p->addr & ~vrd_prefix_mask(p->len)) == 0;
}

static inline bool vrd_prefix_contains(const struct vrd_prefix *p,
				       uint32_t addr)
{
	return (addr & vrd_prefix_mask(p->len)) == p->addr;
}

/* Dotted quad, exactly four decimal octets. 0 or -EINVAL. */
int vrd_ipv4_parse(const char *s, uint32_t *out);
const char *vrd_ipv4_format(uint32_t addr, char buf[VRD_IPV4_STRLEN]);

/*
 * "A.B.C.D/LEN"; a bare address is a /32. Host bits set below the mask
 * are -EINVAL ("192.0.2.1/24" is a typo for an address or a network, and
 * an operator wants to hear which). On error *why, when not NULL, says what
 * is wrong in a few words.
 */
int vrd_prefix_parse(const char *s, struct vrd_prefix *out, const char **why);
/* "A.B.C.D/LEN" where host bits may be set: the interface form
 * ("203.0.113.5/24"). addr keeps the host bits. */
int vrd_ifaddr_parse(const char *s, uint32_t *addr, uint8_t *len,
		     const char **why);
const char *vrd_prefix_format(const struct vrd_prefix *p,
			      char buf[VRD_PREFIX_STRLEN]);
bool vrd_prefix_covers(const struct vrd_prefix *outer,
		       const struct vrd_prefix *inner);

/*
 * Why an address an operator typed cannot name one station (a host to
 * proxy for or announce, an HWDT entry): "the zero address" (0.0.0.0/8),
 * "a loopback address", "a multicast address", "the broadcast address",
 * "a reserved address" (240.0.0.0/4); NULL when it can. With lan (may be
 * NULL), also that network's own address and its directed broadcast, for
 * networks of /30 and wider.
 */
const char *vrd_ipv4_why_not_host(uint32_t addr, const struct vrd_prefix *lan);
/*
 * Why a prefix cannot be a route in the LNDT or GNDT: "a default route"
 * (/0), or it takes in or lies inside the zero, loopback, multicast or
 * reserved ranges (so 0.0.0.0/1, 224.0.0.0/4 and 127.0.0.1/32 are all
 * refused); NULL when it can.
 */
const char *vrd_prefix_why_not_route(const struct vrd_prefix *p);

/* "52:54:00:12:34:56" or with dashes, either case. 0 or -EINVAL. */
int vrd_mac_parse(const char *s, struct vrd_mac *out);
/* Lower case, colons. */
const char *vrd_mac_format(const struct vrd_mac *mac, char buf[VRD_MAC_STRLEN]);
bool vrd_mac_is_zero(const struct vrd_mac *mac);
static inline bool vrd_mac_equal(const struct vrd_mac *a,
				 const struct vrd_mac *b)
{
	return memcmp(a->b, b->b, sizeof(a->b)) == 0;
}
bool vrd_mac_is_multicast(const struct vrd_mac *mac); /* incl. broadcast */
/* A station's address: neither zero nor multicast. */
bool vrd_mac_is_unicast(const struct vrd_mac *mac);
/* Why mac is not a station's: "the broadcast address", "a multicast
 * address", "the zero address"; NULL when it is. */
const char *vrd_mac_why_not_unicast(const struct vrd_mac *mac);

/* The virtual network a config, a table command or a record names when
 * it names none (INTERFACE.md: [overlay] vn = 1). */
#define VRD_VN_DEFAULT 1

/* [A-Za-z0-9_.-]{1,32}: the router name rule of INTERFACE.md. */
#define VRD_NAME_MAX 32
bool vrd_name_valid(const char *s);

#endif
