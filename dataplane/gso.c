/*
 * Segmentation offloads in user space: split what the TUN hands over into
 * packets (GSO) and merge what goes back into super-packets (GRO). See
 * gso.h for the vnet header, the buffer contracts and the rules.
 */
#include <errno.h>
#include <string.h>

#include "base/bytes.h"
#include "dataplane/gso.h"

#define IP4_HDR_MIN 20
#define TCP_HDR_MIN 20
#define IP4_PROTO_TCP 6
#define IP4_DF 0x4000
#define IP4_MF_OFFSET 0x3fff /* more fragments, fragment offset */
#define TCP_CSUM_OFFSET 16

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_URG 0x20
#define TCP_ECE 0x40
#define TCP_CWR 0x80

/* ---- byte codecs ------------------------------------------------------ */

/* The vnet header's 16-bit fields are in the host's order (gso.h). */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
static uint16_t get16host(const uint8_t *p)
{
	return vrd_get_be16(p);
}

static void put16host(uint8_t *p, uint16_t v)
{
	vrd_put_be16(p, v);
}
#else
static uint16_t get16host(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static void put16host(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}
#endif

void dp_vnet_hdr_decode(struct dp_vnet_hdr *hdr, const uint8_t *in)
{
	hdr->flags = in[0];
	hdr->gso_type = in[1];
	hdr->hdr_len = get16host(in + 2);
	hdr->gso_size = get16host(in + 4);
	hdr->csum_start = get16host(in + 6);
	hdr->csum_offset = get16host(in + 8);
}

void dp_vnet_hdr_encode(uint8_t *out, const struct dp_vnet_hdr *hdr)
{
	out[0] = hdr->flags;
	out[1] = hdr->gso_type;
	put16host(out + 2, hdr->hdr_len);
	put16host(out + 4, hdr->gso_size);
	put16host(out + 6, hdr->csum_start);
	put16host(out + 8, hdr->csum_offset);
}

/* ---- checksums -------------------------------------------------------- */

/* Ones' complement addition of 64-bit words: the carry comes back in. */
static inline uint64_t add_carry(uint64_t a, uint64_t b)
{
	a += b;
	return a + (a < b);
}

static inline uint64_t load64(const uint8_t *p)
{
	uint64_t w;

	memcpy(&w, p, sizeof(w));
	return w;
}

/* The last 0 to 7 bytes, zero-padded in memory order. */
static inline uint64_t load_tail(const uint8_t *p, size_t n)
{
	uint64_t w = 0;

	memcpy(&w, p, n);
	return w;
}

uint64_t dp_csum_add(uint64_t sum, const uint8_t *data, size_t len)
{
	uint64_t s1 = 0, s2 = 0, s3 = 0;

	while (len >= 32) {
		sum = add_carry(sum, load64(data));
		s1 = add_carry(s1, load64(data + 8));
		s2 = add_carry(s2, load64(data + 16));
		s3 = add_carry(s3, load64(data + 24));
		data += 32;
		len -= 32;
	}
	while (len >= 8) {
		sum = add_carry(sum, load64(data));
		data += 8;
		len -= 8;
	}
	if (len) {
		sum = add_carry(sum, load_tail(data, len));
	}
	return add_carry(add_carry(sum, s1), add_carry(s2, s3));
}

uint64_t dp_csum_copy(uint8_t *dst, const uint8_t *src, size_t len,
		      uint64_t sum)
{
	uint64_t s1 = 0, s2 = 0, s3 = 0;

	while (len >= 32) {
		uint64_t w0 = load64(src), w1 = load64(src + 8);
		uint64_t w2 = load64(src + 16), w3 = load64(src + 24);

		memcpy(dst, &w0, 8);
		memcpy(dst + 8, &w1, 8);
		memcpy(dst + 16, &w2, 8);
		memcpy(dst + 24, &w3, 8);
		sum = add_carry(sum, w0);
		s1 = add_carry(s1, w1);
		s2 = add_carry(s2, w2);
		s3 = add_carry(s3, w3);
		src += 32;
		dst += 32;
		len -= 32;
	}
	if (len) {
		memcpy(dst, src, len);
		sum = dp_csum_add(sum, src, len);
	}
	return add_carry(add_carry(sum, s1), add_carry(s2, s3));
}

uint64_t dp_csum_pseudo4(uint64_t sum, const uint8_t *src, const uint8_t *dst,
			 uint8_t proto, uint16_t len)
{
	uint8_t ph[12];

	memcpy(ph, src, 4);
	memcpy(ph + 4, dst, 4);
	ph[8] = 0;
	ph[9] = proto;
	vrd_put_be16(ph + 10, len);
	return dp_csum_add(sum, ph, sizeof(ph));
}

/* Store ~fold(sum): the finished checksum. */
static void csum_store(uint8_t *field, uint64_t sum)
{
	uint16_t c = (uint16_t)~dp_csum_fold(sum);

	memcpy(field, &c, sizeof(c));
}

/* Recompute the IPv4 header checksum in place. */
static void ip4_csum_set(uint8_t *ip, size_t ihl)
{
	ip[10] = 0;
	ip[11] = 0;
	csum_store(ip + 10, dp_csum_add(0, ip, ihl));
}

static bool csum_ok(uint64_t sum)
{
	return dp_csum_fold(sum) == 0xffff;
}

/* ---- split ------------------------------------------------------------ */

/* gso_type NONE: finish a partial checksum in place, as the kernel's
 * skb_checksum_help() does (a result of 0 is sent as 0xffff, which UDP
 * needs and TCP does not mind). */
static int split_none(struct dp_gso_out *out, uint8_t *pkt, size_t plen,
		      const struct dp_vnet_hdr *h)
{
	if (plen == 0) {
		return -EINVAL;
	}
	if (h->flags & DP_VNET_F_NEEDS_CSUM) {
		uint8_t *field = pkt + h->csum_start + h->csum_offset;
		uint64_t sum;
		uint16_t c;

		sum = dp_csum_add(0, pkt + h->csum_start, plen - h->csum_start);
		c = (uint16_t)~dp_csum_fold(sum);
		if (c == 0) {
			c = 0xffff;
		}
		memcpy(field, &c, sizeof(c));
	}
	out->seg[0].data = pkt;
	out->seg[0].len = plen;
	out->segs = 1;
	return 0;
}

/* The headers of a TCPV4 super-packet, checked. */
struct tcp4_layout {
	size_t ihl, hlen, payload, nseg;
};

static int tcp4_layout_check(struct tcp4_layout *l, const uint8_t *pkt,
			     size_t plen, const struct dp_vnet_hdr *h)
{
	size_t thl;

	if (plen < IP4_HDR_MIN || pkt[0] >> 4 != 4) {
		return -EINVAL;
	}
	l->ihl = (size_t)(pkt[0] & 0x0f) * 4;
	if (l->ihl < IP4_HDR_MIN || l->ihl + TCP_HDR_MIN > plen ||
	    vrd_get_be16(pkt + 2) != plen ||
	    (vrd_get_be16(pkt + 6) & IP4_MF_OFFSET) ||
	    pkt[9] != IP4_PROTO_TCP) {
		return -EINVAL;
	}
	thl = (size_t)(pkt[l->ihl + 12] >> 4) * 4;
	l->hlen = l->ihl + thl;
	if (thl < TCP_HDR_MIN || l->hlen > plen) {
		return -EINVAL;
	}
	if ((h->flags & DP_VNET_F_NEEDS_CSUM) &&
	    (h->csum_start != l->ihl || h->csum_offset != TCP_CSUM_OFFSET)) {
		return -EINVAL;
	}
	if (h->gso_size == 0 || l->hlen == plen) {
		return -EINVAL;
	}
	l->payload = plen - l->hlen;
	l->nseg = (l->payload + h->gso_size - 1) / h->gso_size;
	return 0;
}

static void tcp4_segment_write(uint8_t *d, const uint8_t *pkt,
			       const struct tcp4_layout *l, size_t i,
			       size_t mss)
{
	size_t off = i * mss;
	size_t n = l->payload - off < mss ? l->payload - off : mss;
	uint8_t *th = d + l->ihl;
	uint8_t flags = pkt[l->ihl + 13];
	uint64_t sum;

	memcpy(d, pkt, l->hlen);
	vrd_put_be16(d + 2, (uint16_t)(l->hlen + n));
	vrd_put_be16(d + 4, (uint16_t)(vrd_get_be16(pkt + 4) + i));
	ip4_csum_set(d, l->ihl);

	vrd_put_be32(th + 4, vrd_get_be32(pkt + l->ihl + 4) + (uint32_t)off);
	if (i > 0) {
		flags &= (uint8_t)~TCP_CWR;
	}
	if (i + 1 < l->nseg) {
		flags &= (uint8_t) ~(TCP_FIN | TCP_PSH);
	}
	th[13] = flags;
	th[16] = 0;
	th[17] = 0;
	sum = dp_csum_copy(d + l->hlen, pkt + l->hlen + off, n, 0);
	sum = dp_csum_add(sum, th, l->hlen - l->ihl);
	sum = dp_csum_pseudo4(sum, d + 12, d + 16, IP4_PROTO_TCP,
			      (uint16_t)(l->hlen - l->ihl + n));
	csum_store(th + 16, sum);
}

static int split_tcp4(struct dp_gso_out *out, const uint8_t *pkt, size_t plen,
		      const struct dp_vnet_hdr *h)
{
	struct tcp4_layout l;
	size_t slots =
		out->slots < DP_GSO_SEGS_MAX ? out->slots : DP_GSO_SEGS_MAX;
	size_t first;
	int rc;

	rc = tcp4_layout_check(&l, pkt, plen, h);
	if (rc < 0) {
		return rc;
	}
	first = l.hlen + (l.payload < h->gso_size ? l.payload : h->gso_size);
	if (!out->buf || l.nseg > slots || out->stride < out->headroom ||
	    out->stride - out->headroom < first) {
		return -EMSGSIZE;
	}
	for (size_t i = 0; i < l.nseg; i++) {
		uint8_t *d = out->buf + i * out->stride + out->headroom;

		tcp4_segment_write(d, pkt, &l, i, h->gso_size);
		out->seg[i].data = d;
		out->seg[i].len = vrd_get_be16(d + 2);
	}
	out->segs = l.nseg;
	return 0;
}

int dp_gso_split(struct dp_gso_out *out, uint8_t *in, size_t len)
{
	struct dp_vnet_hdr h;
	uint8_t *pkt;
	size_t plen;

	out->segs = 0;
	if (!in || len < DP_VNET_HDR_LEN) {
		return -EINVAL;
	}
	dp_vnet_hdr_decode(&h, in);
	pkt = in + DP_VNET_HDR_LEN;
	plen = len - DP_VNET_HDR_LEN;
	switch (h.gso_type & ~DP_VNET_GSO_ECN) {
	case DP_VNET_GSO_NONE:
	case DP_VNET_GSO_TCPV4:
		break;
	case DP_VNET_GSO_UDP:
	case DP_VNET_GSO_TCPV6:
	case DP_VNET_GSO_UDP_L4:
		return -EOPNOTSUPP;
	default:
		return -EINVAL;
	}
	if ((h.flags & ~(DP_VNET_F_NEEDS_CSUM | DP_VNET_F_DATA_VALID)) ||
	    h.hdr_len > plen) {
		return -EINVAL;
	}
	if ((h.flags & DP_VNET_F_NEEDS_CSUM) &&
	    (size_t)h.csum_start + h.csum_offset + 2 > plen) {
		return -EINVAL;
	}
	if (h.gso_type == DP_VNET_GSO_NONE) {
		return split_none(out, pkt, plen, &h);
	}
	if ((h.gso_type & ~DP_VNET_GSO_ECN) != DP_VNET_GSO_TCPV4) {
		return -EINVAL; /* the ECN bit alone */
	}
	return split_tcp4(out, pkt, plen, &h);
}

/* ---- coalesce --------------------------------------------------------- */

/* One decrypted packet, as far as GRO cares. */
struct gro_seg {
	uint8_t *ip, *th;
	size_t len, thl, payload;
	uint8_t flags;
	bool keyed; /* IPv4 TCP with ports: it has a flow */
	bool mergeable; /* may start or join a super-packet */
};

/* A frame being built: one packet, or a super-packet and its state. */
struct gro_group {
	uint8_t *ip;
	size_t cap, len, segs;
	uint32_t next_seq;
	uint16_t next_id, gso;
	bool keyed, open, verified, psh;
};

static void gro_seg_parse(struct gro_seg *s, const struct dp_gro_pkt *p)
{
	size_t ihl;

	memset(s, 0, sizeof(*s));
	s->ip = p->data;
	s->len = p->len;
	if (!p->data || p->len < IP4_HDR_MIN + TCP_HDR_MIN ||
	    s->ip[0] >> 4 != 4 || s->ip[9] != IP4_PROTO_TCP) {
		return;
	}
	ihl = (size_t)(s->ip[0] & 0x0f) * 4;
	if (ihl < IP4_HDR_MIN || ihl + TCP_HDR_MIN > p->len ||
	    (vrd_get_be16(s->ip + 6) & 0x1fff)) {
		return; /* no TCP header here, or a later fragment */
	}
	s->keyed = true;
	s->th = s->ip + ihl;
	s->thl = (size_t)(s->th[12] >> 4) * 4;
	s->flags = s->th[13];
	if (ihl != IP4_HDR_MIN || vrd_get_be16(s->ip + 2) != p->len ||
	    (vrd_get_be16(s->ip + 6) & IP4_MF_OFFSET) || s->thl < TCP_HDR_MIN ||
	    ihl + s->thl >= p->len || !(s->flags & TCP_ACK) ||
	    (s->flags & (TCP_SYN | TCP_FIN | TCP_RST | TCP_URG | TCP_CWR)) ||
	    !csum_ok(dp_csum_add(0, s->ip, IP4_HDR_MIN))) {
		return;
	}
	s->payload = p->len - ihl - s->thl;
	s->mergeable = true;
}

static bool same_flow(const uint8_t *a, const uint8_t *b)
{
	/* addresses at 12..19 of the IP header, ports after a 20-byte one or
	 * after options: compare through the parsed TCP headers instead */
	return memcmp(a + 12, b + 12, 8) == 0;
}

static bool same_ports(const uint8_t *tha, const uint8_t *thb)
{
	return memcmp(tha, thb, 4) == 0;
}

/* The TCP checksum of a whole segment: pseudo header, header, payload. */
static bool tcp4_csum_ok(const uint8_t *ip, size_t len)
{
	uint64_t sum = dp_csum_add(0, ip + IP4_HDR_MIN, len - IP4_HDR_MIN);

	sum = dp_csum_pseudo4(sum, ip + 12, ip + 16, IP4_PROTO_TCP,
			      (uint16_t)(len - IP4_HDR_MIN));
	return csum_ok(sum);
}

/* Can s follow group g? Everything but the payload's checksum. */
static bool gro_fits(const struct gro_group *g, const struct gro_seg *s)
{
	const uint8_t *hi = g->ip, *ht = g->ip + IP4_HDR_MIN;
	const uint8_t *si = s->ip, *st = s->th;

	if (hi[1] != si[1] || hi[8] != si[8] ||
	    ((vrd_get_be16(hi + 6) ^ vrd_get_be16(si + 6)) & IP4_DF) ||
	    vrd_get_be16(si + 4) != g->next_id) {
		return false;
	}
	if (vrd_get_be32(st + 4) != g->next_seq ||
	    (s->flags & ~TCP_PSH) != ht[13] ||
	    s->thl != (size_t)(ht[12] >> 4) * 4 ||
	    memcmp(st + 8, ht + 8, 4) != 0 || /* ack */
	    memcmp(st + 14, ht + 14, 2) != 0 || /* window */
	    memcmp(st + TCP_HDR_MIN, ht + TCP_HDR_MIN, s->thl - TCP_HDR_MIN)) {
		return false;
	}
	return s->payload <= g->gso && g->len + s->payload <= g->cap &&
	       g->segs < DP_GSO_SEGS_MAX;
}

/* Append s to g: copy its payload behind g's, checking its checksum on the
 * way. Returns false (g unchanged) when a checksum is bad. */
static bool gro_append(struct gro_group *g, const struct gro_seg *s)
{
	uint64_t sum;

	if (!g->verified) {
		if (!tcp4_csum_ok(g->ip, g->len)) {
			g->open = false;
			return false;
		}
		g->verified = true;
	}
	sum = dp_csum_copy(g->ip + g->len, s->th + s->thl, s->payload, 0);
	sum = dp_csum_add(sum, s->th, s->thl);
	sum = dp_csum_pseudo4(sum, s->ip + 12, s->ip + 16, IP4_PROTO_TCP,
			      (uint16_t)(s->thl + s->payload));
	if (!csum_ok(sum)) {
		return false; /* g->len unchanged: the copy is scratch */
	}
	g->len += s->payload;
	g->segs++;
	g->next_seq += (uint32_t)s->payload;
	g->next_id++;
	if (s->flags & TCP_PSH) {
		g->psh = true;
	}
	if ((s->flags & TCP_PSH) || s->payload < g->gso ||
	    g->segs == DP_GSO_SEGS_MAX) {
		g->open = false;
	}
	return true;
}

static void gro_group_start(struct gro_group *g, const struct gro_seg *s,
			    const struct dp_gro_pkt *p)
{
	memset(g, 0, sizeof(*g));
	g->ip = p->data;
	g->len = p->len;
	g->cap = p->cap > DP_GSO_PKT_MAX ? DP_GSO_PKT_MAX : p->cap;
	g->segs = 1;
	g->keyed = s->keyed;
	if (!s->mergeable) {
		return;
	}
	g->open = s->payload > 0 && !(s->flags & TCP_PSH);
	g->gso = (uint16_t)s->payload;
	g->next_seq = vrd_get_be32(s->th + 4) + (uint32_t)s->payload;
	g->next_id = (uint16_t)(vrd_get_be16(s->ip + 4) + 1);
}

/* Write g's vnet header (and, merged, fix its headers). */
static void gro_group_finish(struct dp_gro_frame *f, struct gro_group *g)
{
	struct dp_vnet_hdr h = {0};
	uint8_t *ip = g->ip, *th = ip + IP4_HDR_MIN;

	if (g->segs > 1) {
		uint16_t partial;
		size_t thl = (size_t)(th[12] >> 4) * 4;

		vrd_put_be16(ip + 2, (uint16_t)g->len);
		ip4_csum_set(ip, IP4_HDR_MIN);
		if (g->psh) {
			th[13] |= TCP_PSH;
		}
		partial = dp_csum_fold(
			dp_csum_pseudo4(0, ip + 12, ip + 16, IP4_PROTO_TCP,
					(uint16_t)(g->len - IP4_HDR_MIN)));
		memcpy(th + TCP_CSUM_OFFSET, &partial, sizeof(partial));
		h.flags = DP_VNET_F_NEEDS_CSUM;
		h.gso_type = DP_VNET_GSO_TCPV4;
		h.hdr_len = (uint16_t)(IP4_HDR_MIN + thl);
		h.gso_size = g->gso;
		h.csum_start = IP4_HDR_MIN;
		h.csum_offset = TCP_CSUM_OFFSET;
	}
	dp_vnet_hdr_encode(ip - DP_VNET_HDR_LEN, &h);
	f->data = ip - DP_VNET_HDR_LEN;
	f->len = g->len + DP_VNET_HDR_LEN;
	f->segs = g->segs;
}

/* The newest group of s's flow, or NULL. */
static struct gro_group *gro_flow_find(struct gro_group *groups, size_t ngroups,
				       const struct gro_seg *s)
{
	for (size_t i = ngroups; i-- > 0;) {
		struct gro_group *g = &groups[i];
		const uint8_t *gth;

		if (!g->keyed || !same_flow(g->ip, s->ip)) {
			continue;
		}
		gth = g->ip + (size_t)(g->ip[0] & 0x0f) * 4;
		if (same_ports(gth, s->th)) {
			return g;
		}
	}
	return NULL;
}

static size_t gro_chunk(struct dp_gro_frame *out, struct dp_gro_pkt *pkts,
			size_t n)
{
	struct gro_group groups[DP_GSO_SEGS_MAX];
	size_t ngroups = 0;

	for (size_t i = 0; i < n; i++) {
		struct gro_group *g = NULL;
		struct gro_seg s;

		gro_seg_parse(&s, &pkts[i]);
		if (s.keyed) {
			g = gro_flow_find(groups, ngroups, &s);
		}
		if (g && g->open && s.mergeable && gro_fits(g, &s) &&
		    gro_append(g, &s)) {
			continue;
		}
		/* a new frame; it is now its flow's newest, which ends the
		 * flow's older super-packet */
		gro_group_start(&groups[ngroups++], &s, &pkts[i]);
	}
	for (size_t i = 0; i < ngroups; i++) {
		gro_group_finish(&out[i], &groups[i]);
	}
	return ngroups;
}

size_t dp_gro_coalesce(struct dp_gro_frame *out, struct dp_gro_pkt *pkts,
		       size_t n)
{
	size_t frames = 0;

	for (size_t done = 0; done < n;) {
		size_t k =
			n - done < DP_GSO_SEGS_MAX ? n - done : DP_GSO_SEGS_MAX;

		frames += gro_chunk(out + frames, pkts + done, k);
		done += k;
	}
	return frames;
}
