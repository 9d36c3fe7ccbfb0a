/* rtnetlink: request socket, message builder, routes, address and
 * neighbour monitors, ip_forward (see rtnl.h).
 *
 * Netlink headers are host-order kernel ABI; they are still copied in and
 * out with memcpy rather than cast over the buffers, so an odd offset or a
 * short message can never fault.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>

#include "dataplane/rtnl.h"

#define RTNL_RXBUF (64 * 1024) /* > the 32 KiB a dump datagram may take */
#define RTNL_TXBUF (64 * 1024)
#define RTNL_RCVBUF (4 * 1024 * 1024)
#define RTNL_TIMEOUT_MS 5000
#define RTNL_CHUNK_BYTES (32 * 1024)
#define RTNL_ERRMSG_MAX 128
#define RTNL_DUMP_TRIES 5
#define MONITOR_BUDGET 64

struct dp_rtnl {
	int fd;
	uint32_t seq;
	unsigned chunk_msgs; /* requests per sendmsg: their ACKs must fit */
	uint8_t *rx;
	uint8_t *tx;
	char errmsg[RTNL_ERRMSG_MAX];
};

struct attr {
	const uint8_t *p;
	size_t len;
};

/* Attributes by type (the first of each), types above max ignored. */
static void attrs_parse(const uint8_t *p, size_t len, struct attr *tb,
			unsigned max)
{
	memset(tb, 0, sizeof(*tb) * (max + 1));
	while (len >= sizeof(struct rtattr)) {
		struct rtattr a;
		unsigned type;
		size_t step;

		memcpy(&a, p, sizeof(a));
		if (a.rta_len < sizeof(a) || a.rta_len > len) {
			return;
		}
		type = a.rta_type & NLA_TYPE_MASK;
		if (type <= max && !tb[type].p) {
			tb[type].p = p + RTA_LENGTH(0);
			tb[type].len = a.rta_len - RTA_LENGTH(0);
		}
		step = RTA_ALIGN(a.rta_len);
		if (step >= len) {
			return;
		}
		p += step;
		len -= step;
	}
}

static bool attr_u32(const struct attr *a, uint32_t *out)
{
	if (!a->p || a->len < sizeof(*out)) {
		return false;
	}
	memcpy(out, a->p, sizeof(*out));
	return true;
}

/* An IPv4 address attribute (network order on the wire), host order. */
static bool attr_in4(const struct attr *a, uint32_t *out)
{
	uint32_t be;

	if (!attr_u32(a, &be)) {
		return false;
	}
	*out = ntohl(be);
	return true;
}

void dp_rtnl_msg_init(struct dp_rtnl_msg *m, void *buf, size_t cap)
{
	memset(m, 0, sizeof(*m));
	m->buf = buf;
	m->cap = cap;
}

static int msg_append(struct dp_rtnl_msg *m, const void *data, size_t len)
{
	size_t pad = NLMSG_ALIGN(len) - len;

	if (m->err) {
		return m->err;
	}
	if (!m->open || len + pad > m->cap - m->pos) {
		m->err = m->open ? -EMSGSIZE : -EINVAL;
		return m->err;
	}
	memcpy(m->buf + m->pos, data, len);
	memset(m->buf + m->pos + len, 0, pad);
	m->pos += len + pad;
	return 0;
}

int dp_rtnl_msg_begin(struct dp_rtnl_msg *m, uint16_t type, uint16_t flags,
		      const void *hdr, size_t hdrlen)
{
	struct nlmsghdr nh = {
		.nlmsg_type = type,
		.nlmsg_flags = flags | NLM_F_REQUEST,
	};

	if (m->err) {
		return m->err;
	}
	if (m->open) {
		m->err = -EINVAL;
		return m->err;
	}
	m->open = true;
	m->pos = m->len;
	if (msg_append(m, &nh, sizeof(nh)) < 0 ||
	    msg_append(m, hdr, hdrlen) < 0) {
		return m->err;
	}
	return 0;
}

int dp_rtnl_msg_put(struct dp_rtnl_msg *m, uint16_t type, const void *data,
		    size_t len)
{
	struct rtattr a = {.rta_type = type};

	if (len > UINT16_MAX - RTA_LENGTH(0)) {
		m->err = -EMSGSIZE;
		return m->err;
	}
	a.rta_len = (uint16_t)RTA_LENGTH(len);
	if (msg_append(m, &a, sizeof(a)) < 0 || msg_append(m, data, len) < 0) {
		return m->err;
	}
	return 0;
}

int dp_rtnl_msg_put_u32(struct dp_rtnl_msg *m, uint16_t type, uint32_t v)
{
	return dp_rtnl_msg_put(m, type, &v, sizeof(v));
}

int dp_rtnl_msg_end(struct dp_rtnl_msg *m)
{
	uint32_t len = (uint32_t)(m->pos - m->len);

	if (m->err) {
		return m->err;
	}
	if (!m->open) {
		m->err = -EINVAL;
		return m->err;
	}
	memcpy(m->buf + m->len + offsetof(struct nlmsghdr, nlmsg_len), &len,
	       sizeof(len));
	m->len = m->pos;
	m->open = false;
	m->count++;
	return 0;
}

struct dp_rtnl *dp_rtnl_create(void)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	int one = 1, rcvbuf = RTNL_RCVBUF, err;
	socklen_t optlen = sizeof(rcvbuf);
	struct dp_rtnl *r;

	r = calloc(1, sizeof(*r));
	if (!r) {
		return NULL;
	}
	r->rx = malloc(RTNL_RXBUF);
	r->tx = malloc(RTNL_TXBUF);
	if (!r->rx || !r->tx) {
		err = ENOMEM;
		goto free_bufs;
	}
	r->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (r->fd < 0) {
		err = errno;
		goto free_bufs;
	}
	/* Large enough for the ACKs of a batch; FORCE needs CAP_NET_ADMIN. */
	if (setsockopt(r->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
		       sizeof(rcvbuf)) < 0) {
		setsockopt(r->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
			   sizeof(rcvbuf));
	}
	if (getsockopt(r->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, &optlen) < 0) {
		rcvbuf = 212992;
	}
	/* An ACK costs well under 1 KiB of receive buffer; keep half free. */
	r->chunk_msgs = (unsigned)rcvbuf / 2048;
	if (r->chunk_msgs < 16) {
		r->chunk_msgs = 16;
	}
	if (r->chunk_msgs > 512) {
		r->chunk_msgs = 512;
	}
	/* ACKs without a copy of the request; errors with the reason. */
	setsockopt(r->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	setsockopt(r->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	if (bind(r->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err = errno;
		goto close_fd;
	}
	r->seq = (uint32_t)getpid() << 16;
	return r;

close_fd:
	close(r->fd);
free_bufs:
	free(r->rx);
	free(r->tx);
	free(r);
	errno = err;
	return NULL;
}

void dp_rtnl_destroy(struct dp_rtnl *r)
{
	if (!r) {
		return;
	}
	close(r->fd);
	free(r->rx);
	free(r->tx);
	free(r);
}

const char *dp_rtnl_errmsg(const struct dp_rtnl *r)
{
	return r->errmsg;
}

/* The text of an extended ACK (after the nlmsgerr, CAP_ACK: no copy of
 * the request). */
static void errmsg_keep(struct dp_rtnl *r, const struct nlmsghdr *nh,
			const uint8_t *payload, size_t len)
{
	struct attr tb[NLMSGERR_ATTR_MSG + 1];
	size_t n;

	if (!(nh->nlmsg_flags & NLM_F_ACK_TLVS) ||
	    len < sizeof(struct nlmsgerr)) {
		return;
	}
	attrs_parse(payload + sizeof(struct nlmsgerr),
		    len - sizeof(struct nlmsgerr), tb, NLMSGERR_ATTR_MSG);
	if (!tb[NLMSGERR_ATTR_MSG].p) {
		return;
	}
	n = strnlen((const char *)tb[NLMSGERR_ATTR_MSG].p,
		    tb[NLMSGERR_ATTR_MSG].len);
	if (n >= sizeof(r->errmsg)) {
		n = sizeof(r->errmsg) - 1;
	}
	memcpy(r->errmsg, tb[NLMSGERR_ATTR_MSG].p, n);
	r->errmsg[n] = '\0';
}

struct answers {
	uint32_t first; /* sequence number of the first request */
	unsigned n; /* requests in flight */
	unsigned pending;
	int ignore; /* an errno that counts as success (flush: ESRCH) */
	int rc;
	dp_rtnl_reply_fn fn;
	void *arg;
};

static void answer_error(struct answers *a, int err)
{
	if (err < 0 && err != -a->ignore && a->rc == 0) {
		a->rc = err;
	}
}

/* One message of an answer datagram. */
static void answer_one(struct dp_rtnl *r, struct answers *a,
		       const struct nlmsghdr *nh, const uint8_t *payload,
		       size_t len)
{
	int32_t err = 0;

	if (nh->nlmsg_seq - a->first >= a->n) {
		return; /* late answer of an earlier request */
	}
	switch (nh->nlmsg_type) {
	case NLMSG_NOOP:
		return;
	case NLMSG_ERROR:
		if (len >= sizeof(err)) {
			memcpy(&err, payload, sizeof(err));
		} else {
			err = -EBADMSG;
		}
		if (err < 0 && err != -a->ignore) {
			errmsg_keep(r, nh, payload, len);
		}
		answer_error(a, err);
		a->pending--;
		return;
	case NLMSG_DONE:
		if (len >= sizeof(err)) {
			memcpy(&err, payload, sizeof(err));
		}
		answer_error(a, err);
		a->pending--;
		return;
	default:
		break;
	}
	if (nh->nlmsg_flags & NLM_F_DUMP_INTR) {
		answer_error(a, -EINTR);
	}
	if (a->fn) {
		answer_error(a, a->fn(nh->nlmsg_type, payload, len, a->arg));
	}
}

/* Read until every request of a has been answered. 0, or a transport
 * error (the answers are then incomplete). */
static int answers_read(struct dp_rtnl *r, struct answers *a)
{
	while (a->pending > 0) {
		struct pollfd pfd = {.fd = r->fd, .events = POLLIN};
		struct sockaddr_nl from;
		socklen_t fromlen = sizeof(from);
		size_t off = 0;
		ssize_t n;
		int rc;

		rc = poll(&pfd, 1, RTNL_TIMEOUT_MS);
		if (rc < 0 && errno == EINTR) {
			continue;
		}
		if (rc <= 0) {
			return rc < 0 ? -errno : -ETIMEDOUT;
		}
		n = recvfrom(r->fd, r->rx, RTNL_RXBUF, MSG_TRUNC | MSG_DONTWAIT,
			     (struct sockaddr *)&from, &fromlen);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				continue;
			}
			return -errno;
		}
		if (n > RTNL_RXBUF) {
			return -EMSGSIZE;
		}
		if (from.nl_pid != 0) {
			continue; /* not from the kernel */
		}
		while ((size_t)n - off >= NLMSG_HDRLEN) {
			struct nlmsghdr nh;

			memcpy(&nh, r->rx + off, sizeof(nh));
			if (nh.nlmsg_len < NLMSG_HDRLEN ||
			    nh.nlmsg_len > (size_t)n - off) {
				return -EBADMSG;
			}
			if (nh.nlmsg_type == NLMSG_OVERRUN) {
				return -ENOBUFS;
			}
			answer_one(r, a, &nh, r->rx + off + NLMSG_HDRLEN,
				   nh.nlmsg_len - NLMSG_HDRLEN);
			off += NLMSG_ALIGN(nh.nlmsg_len);
			if (off >= (size_t)n) {
				break;
			}
		}
	}
	return 0;
}

static int chunk_send(struct dp_rtnl *r, const uint8_t *p, size_t len)
{
	struct sockaddr_nl to = {.nl_family = AF_NETLINK};
	ssize_t n;

	do {
		n = sendto(r->fd, p, len, 0, (struct sockaddr *)&to,
			   sizeof(to));
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		return -errno;
	}
	return (size_t)n == len ? 0 : -EIO;
}

static int transact(struct dp_rtnl *r, struct dp_rtnl_msg *m,
		    dp_rtnl_reply_fn fn, void *arg, int ignore)
{
	struct answers a = {.ignore = ignore, .fn = fn, .arg = arg};
	size_t off = 0;
	int rc;

	if (m->err) {
		return m->err;
	}
	if (m->open) {
		return -EINVAL;
	}
	r->errmsg[0] = '\0';
	while (off < m->len) {
		size_t start = off;

		a.first = r->seq + 1;
		a.n = 0;
		while (off < m->len && a.n < r->chunk_msgs) {
			uint32_t len, seq = ++r->seq;

			memcpy(&len, m->buf + off, sizeof(len));
			if (a.n > 0 && off - start + len > RTNL_CHUNK_BYTES) {
				r->seq--;
				break;
			}
			memcpy(m->buf + off +
				       offsetof(struct nlmsghdr, nlmsg_seq),
			       &seq, sizeof(seq));
			off += NLMSG_ALIGN(len);
			a.n++;
		}
		rc = chunk_send(r, m->buf + start, off - start);
		if (rc < 0) {
			return rc;
		}
		a.pending = a.n;
		rc = answers_read(r, &a);
		if (rc < 0) {
			return rc;
		}
	}
	return a.rc;
}

int dp_rtnl_transact(struct dp_rtnl *r, struct dp_rtnl_msg *m,
		     dp_rtnl_reply_fn fn, void *arg)
{
	return transact(r, m, fn, arg, 0);
}

/* Routes. */

struct route {
	uint32_t dst; /* host order */
	uint8_t dst_len;
	uint8_t tos;
	uint8_t type;
	uint32_t table;
	uint32_t oif; /* 0: none given */
	uint32_t metric;
	bool has_metric;
};

static int route_msg(struct dp_rtnl_msg *m, uint16_t type, uint16_t flags,
		     const struct route *rt)
{
	struct rtmsg rtm = {
		.rtm_family = AF_INET,
		.rtm_dst_len = rt->dst_len,
		.rtm_tos = rt->tos,
		.rtm_table =
			rt->table < 256 ? (uint8_t)rt->table : RT_TABLE_UNSPEC,
		.rtm_protocol = VRD_RTPROT,
		.rtm_scope =
			type == RTM_NEWROUTE ? RT_SCOPE_LINK : RT_SCOPE_NOWHERE,
		.rtm_type = rt->type,
	};

	dp_rtnl_msg_begin(m, type, flags | NLM_F_ACK, &rtm, sizeof(rtm));
	dp_rtnl_msg_put_u32(m, RTA_DST, htonl(rt->dst));
	dp_rtnl_msg_put_u32(m, RTA_TABLE, rt->table);
	if (rt->oif) {
		dp_rtnl_msg_put_u32(m, RTA_OIF, rt->oif);
	}
	if (rt->has_metric) {
		dp_rtnl_msg_put_u32(m, RTA_PRIORITY, rt->metric);
	}
	return dp_rtnl_msg_end(m);
}

static int route_make(struct route *rt, const struct vrd_prefix *dst,
		      int ifindex, uint32_t table, uint32_t metric)
{
	if (dst->len > 32 || ifindex <= 0) {
		return -EINVAL;
	}
	*rt = (struct route){
		.dst = dst->addr & vrd_prefix_mask(dst->len),
		.dst_len = dst->len,
		.type = RTN_UNICAST,
		.table = table ? table : RT_TABLE_MAIN,
		.oif = (uint32_t)ifindex,
		.metric = metric,
		.has_metric = true,
	};
	return 0;
}

static int route_one(struct dp_rtnl *r, uint16_t type, uint16_t flags,
		     const struct vrd_prefix *dst, int ifindex, uint32_t table,
		     uint32_t metric)
{
	struct dp_rtnl_msg m;
	uint8_t buf[128];
	struct route rt;
	int rc;

	rc = route_make(&rt, dst, ifindex, table, metric);
	if (rc < 0) {
		return rc;
	}
	dp_rtnl_msg_init(&m, buf, sizeof(buf));
	rc = route_msg(&m, type, flags, &rt);
	if (rc < 0) {
		return rc;
	}
	return dp_rtnl_transact(r, &m, NULL, NULL);
}

int dp_rtnl_route_replace(struct dp_rtnl *r, const struct vrd_prefix *dst,
			  int ifindex, uint32_t table, uint32_t metric)
{
	return route_one(r, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, dst,
			 ifindex, table, metric);
}

int dp_rtnl_route_del(struct dp_rtnl *r, const struct vrd_prefix *dst,
		      int ifindex, uint32_t table, uint32_t metric)
{
	return route_one(r, RTM_DELROUTE, 0, dst, ifindex, table, metric);
}

int dp_rtnl_route_replace_many(struct dp_rtnl *r, const struct vrd_prefix *dst,
			       size_t n, int ifindex, uint32_t table,
			       uint32_t metric)
{
	struct dp_rtnl_msg m;
	int rc, first = 0;
	size_t i = 0;

	while (i < n) {
		dp_rtnl_msg_init(&m, r->tx, RTNL_TXBUF);
		for (; i < n; i++) {
			size_t len = m.len;
			struct route rt;

			rc = route_make(&rt, &dst[i], ifindex, table, metric);
			if (rc < 0) {
				return rc;
			}
			if (route_msg(&m, RTM_NEWROUTE,
				      NLM_F_CREATE | NLM_F_REPLACE, &rt) < 0) {
				/* full: drop the partial one, send the rest */
				m.len = m.pos = len;
				m.open = false;
				m.err = 0;
				break;
			}
		}
		rc = dp_rtnl_transact(r, &m, NULL, NULL);
		if (rc < 0 && first == 0) {
			first = rc;
		}
		if (rc == -ETIMEDOUT || rc == -ENOBUFS) {
			return rc;
		}
	}
	return first;
}

struct route_list {
	struct route *v;
	size_t n, cap;
	int ifindex;
};

static int route_collect(uint16_t type, const uint8_t *payload, size_t len,
			 void *arg)
{
	struct route_list *l = arg;
	struct attr tb[RTA_MAX + 1];
	struct route rt = {0};
	struct rtmsg rtm;

	if (type != RTM_NEWROUTE || len < sizeof(rtm)) {
		return 0;
	}
	memcpy(&rtm, payload, sizeof(rtm));
	if (rtm.rtm_family != AF_INET || rtm.rtm_protocol != VRD_RTPROT ||
	    (rtm.rtm_flags & RTM_F_CLONED)) {
		return 0;
	}
	attrs_parse(payload + NLMSG_ALIGN(sizeof(rtm)),
		    len - NLMSG_ALIGN(sizeof(rtm)), tb, RTA_MAX);
	attr_u32(&tb[RTA_OIF], &rt.oif);
	if (l->ifindex > 0 && rt.oif != (uint32_t)l->ifindex) {
		return 0;
	}
	attr_in4(&tb[RTA_DST], &rt.dst);
	rt.has_metric = attr_u32(&tb[RTA_PRIORITY], &rt.metric);
	if (!attr_u32(&tb[RTA_TABLE], &rt.table)) {
		rt.table = rtm.rtm_table;
	}
	rt.dst_len = rtm.rtm_dst_len;
	rt.tos = rtm.rtm_tos;
	rt.type = rtm.rtm_type;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct route *v = realloc(l->v, cap * sizeof(*v));

		if (!v) {
			return -ENOMEM;
		}
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = rt;
	return 0;
}

static int route_dump(struct dp_rtnl *r, struct route_list *l)
{
	struct rtmsg rtm = {.rtm_family = AF_INET};
	struct dp_rtnl_msg m;
	uint8_t buf[64];
	int rc, tries;

	for (tries = 0; tries < RTNL_DUMP_TRIES; tries++) {
		l->n = 0;
		dp_rtnl_msg_init(&m, buf, sizeof(buf));
		dp_rtnl_msg_begin(&m, RTM_GETROUTE, NLM_F_DUMP, &rtm,
				  sizeof(rtm));
		dp_rtnl_msg_end(&m);
		rc = dp_rtnl_transact(r, &m, route_collect, l);
		if (rc != -EINTR) {
			return rc;
		}
	}
	return -EINTR;
}

int dp_rtnl_route_flush_proto(struct dp_rtnl *r, int ifindex)
{
	struct route_list l = {.ifindex = ifindex};
	struct dp_rtnl_msg m;
	size_t i = 0;
	int rc;

	rc = route_dump(r, &l);
	if (rc < 0) {
		goto free_list;
	}
	while (i < l.n) {
		dp_rtnl_msg_init(&m, r->tx, RTNL_TXBUF);
		for (; i < l.n; i++) {
			size_t len = m.len;

			if (route_msg(&m, RTM_DELROUTE, 0, &l.v[i]) < 0) {
				m.len = m.pos = len;
				m.open = false;
				m.err = 0;
				break;
			}
		}
		/* Gone already (its link went away): that is what we want. */
		rc = transact(r, &m, NULL, NULL, ESRCH);
		if (rc < 0) {
			goto free_list;
		}
	}
	rc = (int)l.n;
free_list:
	free(l.v);
	return rc;
}

/* Addresses. */

/* An RTM_NEWADDR/RTM_DELADDR payload: IPv4 only. */
static bool addr_parse(const uint8_t *payload, size_t len,
		       struct dp_rtnl_event *ev)
{
	struct attr tb[IFA_MAX + 1];
	struct ifaddrmsg ifa;
	uint32_t flags;

	if (len < sizeof(ifa)) {
		return false;
	}
	memcpy(&ifa, payload, sizeof(ifa));
	if (ifa.ifa_family != AF_INET || ifa.ifa_prefixlen > 32) {
		return false;
	}
	attrs_parse(payload + NLMSG_ALIGN(sizeof(ifa)),
		    len - NLMSG_ALIGN(sizeof(ifa)), tb, IFA_MAX);
	/* IFA_LOCAL is the address; IFA_ADDRESS the peer on point-to-point */
	if (!attr_in4(&tb[IFA_LOCAL], &ev->addr) &&
	    !attr_in4(&tb[IFA_ADDRESS], &ev->addr)) {
		return false;
	}
	if (!attr_u32(&tb[IFA_FLAGS], &flags)) {
		flags = ifa.ifa_flags;
	}
	ev->ifindex = (int)ifa.ifa_index;
	ev->prefix_len = ifa.ifa_prefixlen;
	ev->secondary = flags & IFA_F_SECONDARY;
	return true;
}

struct addr_find {
	int ifindex;
	bool found;
	uint32_t addr;
	uint8_t prefix_len;
};

static int addr_collect(uint16_t type, const uint8_t *payload, size_t len,
			void *arg)
{
	struct addr_find *f = arg;
	struct dp_rtnl_event ev = {0};

	if (type != RTM_NEWADDR || f->found || !addr_parse(payload, len, &ev)) {
		return 0;
	}
	if (ev.ifindex == f->ifindex && !ev.secondary) {
		f->found = true;
		f->addr = ev.addr;
		f->prefix_len = ev.prefix_len;
	}
	return 0;
}

int dp_rtnl_addr_first(struct dp_rtnl *r, int ifindex, uint32_t *addr,
		       uint8_t *prefix_len)
{
	struct ifaddrmsg ifa = {
		.ifa_family = AF_INET,
		.ifa_index = (uint32_t)ifindex,
	};
	struct addr_find f = {.ifindex = ifindex};
	struct dp_rtnl_msg m;
	uint8_t buf[64];
	int rc, tries;

	for (tries = 0; tries < RTNL_DUMP_TRIES; tries++) {
		f.found = false;
		dp_rtnl_msg_init(&m, buf, sizeof(buf));
		dp_rtnl_msg_begin(&m, RTM_GETADDR, NLM_F_DUMP, &ifa,
				  sizeof(ifa));
		dp_rtnl_msg_end(&m);
		rc = dp_rtnl_transact(r, &m, addr_collect, &f);
		if (rc != -EINTR) {
			break;
		}
	}
	if (rc < 0) {
		return rc;
	}
	if (!f.found) {
		return -ENOENT;
	}
	*addr = f.addr;
	if (prefix_len) {
		*prefix_len = f.prefix_len;
	}
	return 0;
}

/* Monitor. */

static int monitor_open(uint32_t groups)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_groups = groups};
	int fd, err;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    NETLINK_ROUTE);
	if (fd < 0) {
		return -errno;
	}
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

int dp_rtnl_monitor_open(void)
{
	return monitor_open(RTMGRP_LINK | RTMGRP_IPV4_IFADDR);
}

int dp_rtnl_neigh_monitor_open(void)
{
	return monitor_open(RTMGRP_NEIGH);
}

static bool neigh_parse(const uint8_t *payload, size_t len,
			struct dp_rtnl_event *ev)
{
	struct attr tb[NDA_MAX + 1];
	struct ndmsg ndm;

	if (len < sizeof(ndm)) {
		return false;
	}
	memcpy(&ndm, payload, sizeof(ndm));
	if (ndm.ndm_family != AF_INET) {
		return false;
	}
	attrs_parse(payload + NLMSG_ALIGN(sizeof(ndm)),
		    len - NLMSG_ALIGN(sizeof(ndm)), tb, NDA_MAX);
	if (!attr_in4(&tb[NDA_DST], &ev->addr)) {
		return false;
	}
	ev->ifindex = ndm.ndm_ifindex;
	ev->nud_state = ndm.ndm_state;
	return true;
}

static bool link_parse(const uint8_t *payload, size_t len,
		       struct dp_rtnl_event *ev)
{
	struct attr tb[IFLA_IFNAME + 1];
	struct ifinfomsg ifi;
	size_t n;

	if (len < sizeof(ifi)) {
		return false;
	}
	memcpy(&ifi, payload, sizeof(ifi));
	attrs_parse(payload + NLMSG_ALIGN(sizeof(ifi)),
		    len - NLMSG_ALIGN(sizeof(ifi)), tb, IFLA_IFNAME);
	ev->ifindex = ifi.ifi_index;
	ev->up = ifi.ifi_flags & IFF_UP;
	ev->running = ifi.ifi_flags & IFF_RUNNING;
	if (tb[IFLA_IFNAME].p) {
		n = strnlen((const char *)tb[IFLA_IFNAME].p,
			    tb[IFLA_IFNAME].len);
		if (n >= sizeof(ev->ifname)) {
			n = sizeof(ev->ifname) - 1;
		}
		memcpy(ev->ifname, tb[IFLA_IFNAME].p, n);
		ev->ifname[n] = '\0';
	}
	return true;
}

static int monitor_one(const struct nlmsghdr *nh, const uint8_t *payload,
		       size_t len, dp_rtnl_event_fn fn, void *arg)
{
	struct dp_rtnl_event ev = {0};
	bool ok;

	switch (nh->nlmsg_type) {
	case RTM_NEWADDR:
	case RTM_DELADDR:
		ev.type = nh->nlmsg_type == RTM_NEWADDR ? DP_RTNL_ADDR_NEW
							: DP_RTNL_ADDR_DEL;
		ok = addr_parse(payload, len, &ev);
		break;
	case RTM_NEWLINK:
	case RTM_DELLINK:
		ev.type = nh->nlmsg_type == RTM_NEWLINK ? DP_RTNL_LINK_NEW
							: DP_RTNL_LINK_DEL;
		ok = link_parse(payload, len, &ev);
		break;
	case RTM_NEWNEIGH:
		ev.type = DP_RTNL_NEIGH;
		ok = neigh_parse(payload, len, &ev);
		break;
	default:
		ok = false;
		break;
	}
	if (!ok) {
		return 0;
	}
	fn(&ev, arg);
	return 1;
}

int dp_rtnl_monitor_read(int fd, dp_rtnl_event_fn fn, void *arg)
{
	uint8_t buf[16384];
	int events = 0, budget;

	for (budget = 0; budget < MONITOR_BUDGET; budget++) {
		struct sockaddr_nl from;
		socklen_t fromlen = sizeof(from);
		size_t off = 0;
		ssize_t n;

		n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC,
			     (struct sockaddr *)&from, &fromlen);
		if (n < 0) {
			if (errno == EINTR) {
				continue;
			}
			if (errno == EAGAIN) {
				break;
			}
			return -errno;
		}
		if (from.nl_pid != 0 || (size_t)n > sizeof(buf)) {
			continue; /* not the kernel's, or cut short */
		}
		while ((size_t)n - off >= NLMSG_HDRLEN) {
			struct nlmsghdr nh;

			memcpy(&nh, buf + off, sizeof(nh));
			if (nh.nlmsg_len < NLMSG_HDRLEN ||
			    nh.nlmsg_len > (size_t)n - off) {
				break;
			}
			events += monitor_one(&nh, buf + off + NLMSG_HDRLEN,
					      nh.nlmsg_len - NLMSG_HDRLEN, fn,
					      arg);
			off += NLMSG_ALIGN(nh.nlmsg_len);
			if (off >= (size_t)n) {
				break;
			}
		}
	}
	return events;
}

/* IPv4 forwarding. */

int dp_sysctl_ip_forward(bool on, bool *was)
{
	const char *path = "/proc/sys/net/ipv4/ip_forward";
	char c = '0';
	int fd, rc = 0;

	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		return -errno;
	}
	if (read(fd, &c, 1) != 1) {
		rc = -EIO;
		goto close_fd;
	}
	if (was) {
		*was = c != '0';
	}
	if ((c != '0') != on) {
		ssize_t n = pwrite(fd, on ? "1\n" : "0\n", 2, 0);

		if (n != 2) {
			rc = n < 0 ? -errno : -EIO;
		}
	}
close_fd:
	close(fd);
	return rc;
}
