#include "base/addr.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int parse_octet(const char **sp, unsigned *out)
{
	const char *s = *sp;
	unsigned v = 0, n = 0;

	while (*s >= '0' && *s <= '9' && n < 4) {
		v = v * 10 + (unsigned)(*s - '0');
		s++;
		n++;
	}
	/* no digits, more than three, a leading zero ("010") or > 255 */
	if (n == 0 || n > 3 || v > 255 || (n > 1 && **sp == '0')) {
		return -EINVAL;
	}
	*sp = s;
	*out = v;
	return 0;
}

/* Parses a dotted quad at *sp and leaves *sp after it. */
static int parse_ipv4_prefix(const char **sp, uint32_t *out)
{
	uint32_t a = 0;
	unsigned v;

	for (int i = 0; i < 4; i++) {
		if (i > 0) {
			if (**sp != '.') {
				return -EINVAL;
			}
			(*sp)++;
		}
		if (parse_octet(sp, &v) < 0) {
			return -EINVAL;
		}
		a = a << 8 | v;
	}
	*out = a;
	return 0;
}

int vrd_ipv4_parse(const char *s, uint32_t *out)
{
	uint32_t a;

	if (!s || parse_ipv4_prefix(&s, &a) < 0 || *s != '\0') {
		return -EINVAL;
	}
	*out = a;
	return 0;
}

const char *vrd_ipv4_format(uint32_t a, char buf[VRD_IPV4_STRLEN])
{
	snprintf(buf, VRD_IPV4_STRLEN, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255,
		 (a >> 8) & 255, a & 255);
	return buf;
}

static int parse_with_len(const char *s, uint32_t *addr_out, uint8_t *len,
			  const char **why)
{
	unsigned l = 32, n = 0;
	uint32_t addr;

	if (!s || parse_ipv4_prefix(&s, &addr) < 0) {
		*why = "not an IPv4 address";
		return -EINVAL;
	}
	if (*s == '/') {
		s++;
		l = 0;
		while (*s >= '0' && *s <= '9' && n < 3) {
			l = l * 10 + (unsigned)(*s++ - '0');
			n++;
		}
		if (n == 0 || l > 32 || (n > 1 && s[-(int)n] == '0')) {
			*why = "prefix length must be 0 to 32";
			return -EINVAL;
		}
	}
	if (*s != '\0') {
		*why = "trailing characters after the prefix";
		return -EINVAL;
	}
	*addr_out = addr;
	*len = (uint8_t)l;
	return 0;
}

int vrd_prefix_parse(const char *s, struct vrd_prefix *out, const char **why)
{
	const char *dummy;
	uint32_t a;
	uint8_t l;

	if (!why) {
		why = &dummy;
	}
	if (parse_with_len(s, &a, &l, why) < 0) {
		return -EINVAL;
	}
	if (a & ~vrd_prefix_mask(l)) {
		*why = "host bits set below the prefix length";
		return -EINVAL;
	}
	out->addr = a;
	out->len = l;
	return 0;
}

int vrd_ifaddr_parse(const char *s, uint32_t *addr, uint8_t *len,
		     const char **why)
{
	const char *dummy;

	return parse_with_len(s, addr, len, why ? why : &dummy);
}

const char *vrd_prefix_format(const struct vrd_prefix *p,
			      char buf[VRD_PREFIX_STRLEN])
{
	char a[VRD_IPV4_STRLEN];

	snprintf(buf, VRD_PREFIX_STRLEN, "%s/%u", vrd_ipv4_format(p->addr, a),
		 (unsigned)(p->len & 63));
	return buf;
}

bool vrd_prefix_covers(const struct vrd_prefix *outer,
		       const struct vrd_prefix *inner)
{
	return inner->len >= outer->len &&
	       (inner->addr & vrd_prefix_mask(outer->len)) == outer->addr;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	if (c >= 'a' && c <= 'f') {
		return c - 'a' + 10;
	}
	if (c >= 'A' && c <= 'F') {
		return c - 'A' + 10;
	}
	return -1;
}

int vrd_mac_parse(const char *s, struct vrd_mac *out)
{
	struct vrd_mac m;
	char sep = 0;

	if (!s) {
		return -EINVAL;
	}
	for (int i = 0; i < 6; i++) {
		int hi = hexval(s[0]), lo = hi < 0 ? -1 : hexval(s[1]);

		if (lo < 0) {
			return -EINVAL;
		}
		m.b[i] = (uint8_t)(hi << 4 | lo);
		s += 2;
		if (i == 5) {
			break;
		}
		if (i == 0 && (*s == ':' || *s == '-')) {
			sep = *s;
		}
		if (!sep || *s != sep) {
			return -EINVAL;
		}
		s++;
	}
	if (*s != '\0') {
		return -EINVAL;
	}
	*out = m;
	return 0;
}

const char *vrd_mac_format(const struct vrd_mac *m, char buf[VRD_MAC_STRLEN])
{
	snprintf(buf, VRD_MAC_STRLEN, "%02x:%02x:%02x:%02x:%02x:%02x", m->b[0],
		 m->b[1], m->b[2], m->b[3], m->b[4], m->b[5]);
	return buf;
}

bool vrd_mac_is_zero(const struct vrd_mac *m)
{
	static const struct vrd_mac zero;

	return vrd_mac_equal(m, &zero);
}

bool vrd_mac_is_multicast(const struct vrd_mac *m)
{
	return m->b[0] & 1;
}

bool vrd_mac_is_unicast(const struct vrd_mac *m)
{
	return !vrd_mac_is_zero(m) && !vrd_mac_is_multicast(m);
}

const char *vrd_mac_why_not_unicast(const struct vrd_mac *m)
{
	static const struct vrd_mac bcast = {
		{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};

	if (vrd_mac_equal(m, &bcast)) {
		return "the broadcast address";
	}
	if (vrd_mac_is_multicast(m)) {
		return "a multicast address";
	}
	if (vrd_mac_is_zero(m)) {
		return "the zero address";
	}
	return NULL;
}

/* The ranges that never hold a station or a route, most specific name
 * first where they nest (255.255.255.255 lies in 240.0.0.0/4). */
static const struct {
	struct vrd_prefix p;
	const char *what; /* of an address inside */
	const char *wider; /* of a prefix that takes the range in */
} not_unicast[] = {
	{{0x00000000u, 8}, "the zero address", "it takes in 0.0.0.0/8"},
	{{0x7f000000u, 8}, "a loopback address", "it takes in 127.0.0.0/8"},
	{{0xe0000000u, 4}, "a multicast address", "it takes in 224.0.0.0/4"},
	{{0xffffffffu, 32},
	 "the broadcast address",
	 "it takes in 255.255.255.255"},
	{{0xf0000000u, 4}, "a reserved address", "it takes in 240.0.0.0/4"},
};

const char *vrd_ipv4_why_not_host(uint32_t a, const struct vrd_prefix *lan)
{
	const size_t n = sizeof(not_unicast) / sizeof(not_unicast[0]);

	for (size_t i = 0; i < n; i++) {
		if (vrd_prefix_contains(&not_unicast[i].p, a)) {
			return not_unicast[i].what;
		}
	}
	if (lan && lan->len <= 30 && vrd_prefix_contains(lan, a)) {
		if (a == lan->addr) {
			return "the LAN's network address";
		}
		if (a == (lan->addr | ~vrd_prefix_mask(lan->len))) {
			return "the LAN's broadcast address";
		}
	}
	return NULL;
}

const char *vrd_prefix_why_not_route(const struct vrd_prefix *p)
{
	const size_t n = sizeof(not_unicast) / sizeof(not_unicast[0]);

	if (p->len == 0) {
		return "a default route";
	}
	for (size_t i = 0; i < n; i++) {
		const struct vrd_prefix *r = &not_unicast[i].p;

		if (vrd_prefix_covers(r, p)) {
			return not_unicast[i].what;
		}
		if (vrd_prefix_covers(p, r)) {
			return not_unicast[i].wider;
		}
	}
	return NULL;
}

bool vrd_name_valid(const char *s)
{
	size_t n = 0;

	if (!s) {
		return false;
	}
	for (; s[n]; n++) {
		char c = s[n];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '.' ||
		      c == '-')) {
			return false;
		}
	}
	return n >= 1 && n <= VRD_NAME_MAX;
}
