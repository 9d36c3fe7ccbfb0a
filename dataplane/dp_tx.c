/*
 * The transmit thread: TUN -> lookup -> seal -> sendmmsg.
 *
 * With UDP GSO (dp->udp_gso), consecutive datagrams of a batch to the same
 * endpoint and of the same size (the last of them may be shorter) leave as
 * one message: an iovec per datagram and a UDP_SEGMENT cmsg, so the kernel
 * walks its UDP and IP stack once per train instead of once per datagram.
 * A kernel that refuses it (EIO, EINVAL) turns GSO off for the socket.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dataplane/dp_internal.h"
#include "dataplane/gso.h"
#include "dataplane/mss.h"

#define IDLE_POLL_MS 1000 /* quiescent at least this often */
#define ROUNDS 8 /* batches per wake-up before polling the stop fd */
/* datagrams per GSO message (the kernel's UDP_MAX_SEGMENTS is 64 or more) */
#define GSO_SEGS 64
/* the UDP payload of one message: the IPv4 total length limit */
#define GSO_BYTES (65535 - 20 - 8)

union tx_cmsg {
	char buf[CMSG_SPACE(sizeof(uint16_t))];
	struct cmsghdr align;
};

struct tx_batch {
	uint8_t *pkt[DP_TX_SLOTS]; /* IPv4 packet in its slot */
	size_t len[DP_TX_SLOTS];
	uint32_t dst[DP_TX_SLOTS], src[DP_TX_SLOTS];
	const struct tables_fib_route *route[DP_TX_SLOTS];
	const struct tables_fib_route *src_route[DP_TX_SLOTS];
	/* per datagram */
	struct iovec iov[DP_TX_SLOTS];
	struct sockaddr_in sin[DP_TX_SLOTS];
	uint64_t ep[DP_TX_SLOTS];
	/* per message: its first datagram and how many it carries */
	struct mmsghdr msg[DP_TX_SLOTS];
	size_t first[DP_TX_SLOTS], segs[DP_TX_SLOTS];
	union tx_cmsg cmsg[DP_TX_SLOTS];
	size_t n;
};

static uint8_t *slot(struct dp_thread *t, size_t i)
{
	return t->slots + i * DP_SLOT + DP_HEADROOM;
}

/* A TUN read with offloads: cut a super-packet into the free slots; a
 * plain packet is copied into the next one. */
static void take_super(struct dp_thread *t, struct tx_batch *b, size_t len)
{
	struct dp *dp = t->dp;
	struct dp_gso_out out = {
		.buf = t->slots + b->n * DP_SLOT,
		.stride = DP_SLOT,
		.headroom = DP_HEADROOM,
		.slots = DP_TX_SLOTS - b->n,
	};

	if (dp_gso_split(&out, t->super, len) < 0) {
		dp_add(&dp->stats.tx_gso_errors, 1);
		return;
	}
	if (out.segs == 1 && out.seg[0].data != slot(t, b->n)) {
		if (out.seg[0].len > DP_SLOT - DP_HEADROOM - DP_TAG_LEN) {
			dp_add(&dp->stats.tx_gso_errors, 1);
			return;
		}
		memcpy(slot(t, b->n), out.seg[0].data, out.seg[0].len);
		out.seg[0].data = slot(t, b->n);
	}
	if (out.segs > 1) {
		dp_add(&dp->stats.tun_supers, 1);
	}
	for (size_t i = 0; i < out.segs; i++) {
		b->pkt[b->n] = out.seg[i].data;
		b->len[b->n++] = out.seg[i].len;
	}
}

/* Reads packets until the batch is full or the TUN is empty. */
static size_t read_batch(struct dp_thread *t, struct tx_batch *b)
{
	struct dp *dp = t->dp;
	uint64_t reads = 0, bytes = 0;

	b->n = 0;
	while (b->n < DP_TX_SLOTS) {
		ssize_t r;

		if (dp->vnet_hdr) {
			/* a super-packet needs up to 64 KB / MSS slots */
			if (DP_TX_SLOTS - b->n < DP_GSO_SEGS_MAX && b->n) {
				break;
			}
			r = read(dp->tun_fd, t->super, DP_SUPER_MAX);
		} else {
			r = read(dp->tun_fd, slot(t, b->n),
				 DP_SLOT - DP_HEADROOM - DP_TAG_LEN);
		}
		if (r <= 0) {
			break;
		}
		reads++;
		bytes += (size_t)r;
		if (dp->vnet_hdr) {
			take_super(t, b, (size_t)r);
		} else {
			b->pkt[b->n] = slot(t, b->n);
			b->len[b->n++] = (size_t)r;
		}
	}
	dp_add(&dp->stats.tun_reads, reads);
	dp_add(&dp->stats.tun_bytes, bytes);
	dp_add(&dp->stats.tun_packets, b->n);
	return b->n;
}

static int peer_of(struct dp_thread *t, const struct tables_fib_route *route)
{
	if (route != t->last_route) {
		t->last_route = route;
		t->last_peer = dp_peer_find(&t->dp->peers, route->router);
	}
	return t->last_peer;
}

/* Seals packet i for its router; returns the datagram's length (its start
 * in *start, its endpoint in *ep) or 0 when dropped. */
static size_t seal_one(struct dp_thread *t, struct tx_batch *b, size_t i,
		       uint8_t **start, uint64_t *ep)
{
	struct dp *dp = t->dp;
	struct dp_peer *p, *via;
	uint8_t *dgram = b->pkt[i] - DP_HDR_LEN;
	size_t n;
	int idx;

	if (!b->route[i]) {
		dp_add(&dp->stats.tx_no_route, 1);
		return 0;
	}
	/* our own networks come back only through a routing loop */
	if (!strcmp(b->route[i]->router, dp->name)) {
		dp_add(&dp->stats.tx_loop, 1);
		return 0;
	}
	/* the source must be a host this router answers for */
	if (!b->src_route[i] || strcmp(b->src_route[i]->router, dp->name)) {
		dp_add(&dp->stats.tx_source, 1);
		return 0;
	}
	idx = peer_of(t, b->route[i]);
	if (idx < 0) {
		dp_add(&dp->stats.tx_no_route, 1);
		return 0;
	}
	p = &dp->peers.peer[idx];
	if (dp->mss_max && dp_mss_clamp(b->pkt[i], b->len[i], dp->mss_max)) {
		dp_add(&dp->stats.tx_mss_clamped, 1);
	}
	n = dp_seal_for(dp, p, dgram, DP_DATA, dp->vn, b->len[i]);
	if (!n) {
		return 0;
	}
	*start = dgram;
	via = p;
	if (__atomic_load_n(&p->path, __ATOMIC_RELAXED) == DP_PATH_RELAY) {
		via = &dp->peers.peer[__atomic_load_n(&p->relay,
						      __ATOMIC_RELAXED)];
		n = dp_relay_wrap(dp, via, DP_RELAY_TO, p->name, dgram, n,
				  dp->vn, start);
		if (!n) {
			return 0;
		}
	}
	*ep = dp_load(&via->endpoint);
	if (!*ep) {
		dp_add(&p->stats.tx_no_endpoint, 1);
		return 0;
	}
	dp_add(&p->stats.tx_packets, 1);
	dp_add(&p->stats.tx_bytes, b->len[i]);
	return n;
}

static void parse_batch(struct dp *dp, struct tx_batch *b)
{
	size_t keep = 0;

	for (size_t i = 0; i < b->n; i++) {
		const uint8_t *ip = b->pkt[i];

		if (b->len[i] < 20 || ip[0] >> 4 != 4) {
			dp_add(&dp->stats.tx_not_ipv4, 1);
			continue;
		}
		b->pkt[keep] = b->pkt[i];
		b->len[keep] = b->len[i];
		b->src[keep] = vrd_get_be32(ip + 12);
		b->dst[keep++] = vrd_get_be32(ip + 16);
	}
	b->n = keep;
}

/* Datagrams from i on (of m) that may leave as one GSO message. */
static size_t train_len(const struct tx_batch *b, size_t i, size_t m)
{
	size_t seg = b->iov[i].iov_len, bytes = seg, k = 1;

	while (i + k < m && k < GSO_SEGS && b->ep[i + k] == b->ep[i] &&
	       b->iov[i + k].iov_len <= seg &&
	       bytes + b->iov[i + k].iov_len <= GSO_BYTES) {
		bytes += b->iov[i + k].iov_len;
		/* only the last segment may be shorter */
		if (b->iov[i + k++].iov_len < seg) {
			break;
		}
	}
	return k;
}

/* Messages from datagram `from` on, stored from message `at` on: one per
 * datagram, or one per train with GSO. Returns the end of the messages. */
static size_t build_msgs(struct dp *dp, struct tx_batch *b, size_t from,
			 size_t m, size_t at)
{
	for (size_t i = from; i < m; at++) {
		size_t k = dp->udp_gso ? train_len(b, i, m) : 1;
		struct msghdr *h = &b->msg[at].msg_hdr;

		*h = (struct msghdr){
			.msg_name = &b->sin[i],
			.msg_namelen = sizeof(b->sin[i]),
			.msg_iov = &b->iov[i],
			.msg_iovlen = k,
		};
		if (k > 1) {
			struct cmsghdr *c;
			uint16_t seg = (uint16_t)b->iov[i].iov_len;

			h->msg_control = b->cmsg[at].buf;
			h->msg_controllen = sizeof(b->cmsg[at].buf);
			c = CMSG_FIRSTHDR(h);
			c->cmsg_level = SOL_UDP;
			c->cmsg_type = UDP_SEGMENT;
			c->cmsg_len = CMSG_LEN(sizeof(seg));
			memcpy(CMSG_DATA(c), &seg, sizeof(seg));
		}
		b->first[at] = i;
		b->segs[at] = k;
		i += k;
	}
	return at;
}

/* The kernel refused a GSO message: plain datagrams from now on. */
static void gso_off(struct dp *dp, int err)
{
	dp->udp_gso = false;
	dp_add(&dp->stats.tx_gso_off, 1);
	log_warn("data plane: udp gso refused (%s): sending datagrams one "
		 "by one",
		 strerror(err));
}

static void send_batch(struct dp *dp, struct tx_batch *b, size_t m)
{
	size_t nmsg = build_msgs(dp, b, 0, m, 0);
	uint64_t sent_dgrams = 0, trains = 0, errors = 0;

	for (size_t done = 0; done < nmsg;) {
		int sent = sendmmsg(dp->udp_fd, b->msg + done,
				    (unsigned)(nmsg - done), 0);
		int err = errno;

		if (sent < 0 && err == EAGAIN) {
			/* the socket buffer is full: wait for room, so the
			 * TUN's queue backs up and TCP slows down */
			struct pollfd out = {.fd = dp->udp_fd,
					     .events = POLLOUT};

			if (poll(&out, 1, 10) > 0) {
				continue;
			}
		}
		if (sent < 0 && (err == EIO || err == EINVAL) &&
		    b->segs[done] > 1) {
			gso_off(dp, err);
			nmsg = build_msgs(dp, b, b->first[done], m, done);
			continue;
		}
		if (sent <= 0) {
			/* an unreachable peer: the datagrams are lost, as on
			 * a wire */
			errors += b->segs[done++];
			continue;
		}
		for (size_t j = done; j < done + (size_t)sent; j++) {
			sent_dgrams += b->segs[j];
			trains += b->segs[j] > 1;
		}
		done += (size_t)sent;
	}
	dp_add(&dp->stats.tx_sent, sent_dgrams);
	dp_add(&dp->stats.tx_errors, errors);
	dp_add(&dp->stats.tx_gso_trains, trains);
}

static void forward(struct dp_thread *t, struct tx_batch *b)
{
	struct dp *dp = t->dp;
	const struct tables_fib *fib = tables_fib_current(dp->fib);
	size_t m = 0;

	parse_batch(dp, b);
	tables_fib_lookup_batch(fib, dp->vn, b->dst, b->route, b->n);
	tables_fib_lookup_batch(fib, dp->vn, b->src, b->src_route, b->n);
	t->last_route = NULL;
	dp_peers_read_lock(&dp->peers);
	for (size_t i = 0; i < b->n; i++) {
		uint8_t *start;
		uint64_t ep;
		size_t n = seal_one(t, b, i, &start, &ep);

		if (!n) {
			continue;
		}
		b->iov[m] = (struct iovec){.iov_base = start, .iov_len = n};
		b->ep[m] = ep;
		b->sin[m++] = (struct sockaddr_in){
			.sin_family = AF_INET,
			.sin_port = htons((uint16_t)ep),
			.sin_addr.s_addr = htonl((uint32_t)(ep >> 16)),
		};
	}
	dp_peers_unlock(&dp->peers);
	send_batch(dp, b, m);
	dp_add(&dp->stats.tx_batches, 1);
}

void *dp_tx_main(void *arg)
{
	struct dp_thread *t = arg;
	struct dp *dp = t->dp;
	static __thread struct tx_batch b;
	struct pollfd pfd[2] = {
		{.fd = dp->tun_fd, .events = POLLIN},
		{.fd = dp->stop_fd, .events = POLLIN},
	};

	for (;;) {
		if (poll(pfd, 2, IDLE_POLL_MS) < 0 && errno != EINTR) {
			log_err("data plane: tx poll: %s", strerror(errno));
			break;
		}
		if (pfd[1].revents) {
			break;
		}
		for (int r = 0; r < ROUNDS && read_batch(t, &b); r++) {
			forward(t, &b);
		}
		tables_fib_reader_quiescent(t->reader);
	}
	return NULL;
}
