/*
 * The receive thread: recvmmsg -> open -> check -> TUN.
 *
 * With UDP GRO (dp->udp_gro) one message may be a train: datagrams of
 * gso_size bytes back to back (the last may be shorter), as the sender's
 * UDP GSO sent them. Each datagram of a train is copied into a staging
 * slot of its own and handled there, as if it had come alone: opening,
 * relaying and answering work in place around it, and the packet has the
 * rest of the slot to grow into (dp_gro_coalesce), so nothing writes into
 * a neighbour that is not handled yet. Packets for the TUN are written
 * whenever DP_BATCH of them wait.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/clock.h"
#include "dataplane/dp_internal.h"
#include "dataplane/gso.h"

#define IDLE_POLL_MS 1000
#define ROUNDS 8

union rx_cmsg {
	char buf[CMSG_SPACE(sizeof(int))];
	struct cmsghdr align;
};

struct rx_batch {
	struct mmsghdr msg[DP_BATCH];
	struct iovec iov[DP_BATCH];
	struct sockaddr_in sin[DP_BATCH];
	union rx_cmsg cmsg[DP_BATCH];
	/* packets for the TUN: DP_VNET_LEN bytes of room before each */
	struct dp_gro_pkt out[DP_BATCH];
	struct dp_gro_frame frame[DP_BATCH];
	size_t nout;
	size_t nstage; /* staging slots that hold a packet of out */
	const uint8_t *end; /* the end of the slot of the datagram in hand */
	uint64_t now_ms;
};

struct rx_from {
	uint32_t addr;
	uint16_t port;
	int via; /* the relay's index, or -1: straight from the sender */
	int expect; /* through a relay: the sender it named */
};

static void queue_control(struct dp *dp, const uint8_t *buf, size_t len,
			  const struct rx_from *f)
{
	struct dp_ctl_msg *m;
	uint64_t one = 1;

	pthread_mutex_lock(&dp->ctl_lock);
	if (dp->ctl_count == DP_CTL_QUEUE || len > DP_CTL_MAX) {
		pthread_mutex_unlock(&dp->ctl_lock);
		dp_add(&dp->stats.rx_control_dropped, 1);
		return;
	}
	m = &dp->ctl[(dp->ctl_head + dp->ctl_count++) % DP_CTL_QUEUE];
	m->addr = f->addr;
	m->port = f->port;
	m->len = (uint16_t)len;
	memcpy(m->buf, buf, len);
	pthread_mutex_unlock(&dp->ctl_lock);
	dp_add(&dp->stats.rx_control, 1);
	if (write(dp->ctl_fd, &one, sizeof(one)) < 0 && errno != EAGAIN) {
		dp_add(&dp->stats.rx_control_dropped, 1);
	}
}

static bool routed_to(const struct tables_fib *fib, uint32_t vn, uint32_t addr,
		      const char *router)
{
	const struct tables_fib_route *r = tables_fib_lookup(fib, vn, addr);

	return r && !strcmp(r->router, router);
}

static void take_data(struct dp *dp, struct rx_batch *b, struct dp_peer *p,
		      const struct dp_hdr *h, uint8_t *ip, size_t len)
{
	const struct tables_fib *fib = tables_fib_current(dp->fib);

	if (h->vn != dp->vn) {
		dp_add(&p->stats.rx_drop[DP_DROP_VN], 1);
		return;
	}
	if (len < 20 || ip[0] >> 4 != 4) {
		dp_add(&dp->stats.rx_not_ipv4, 1);
		return;
	}
	/* a peer speaks only for the hosts the overlay routes to it, and
	 * only to ours */
	if (!routed_to(fib, dp->vn, vrd_get_be32(ip + 12), p->name)) {
		dp_add(&p->stats.rx_source, 1);
		return;
	}
	if (!routed_to(fib, dp->vn, vrd_get_be32(ip + 16), dp->name)) {
		dp_add(&p->stats.rx_destination, 1);
		return;
	}
	dp_add(&p->stats.rx_packets, 1);
	dp_add(&p->stats.rx_bytes, len);
	/* room to grow: the rest of the slot (a super-packet with offloads) */
	b->out[b->nout++] = (struct dp_gro_pkt){
		.data = ip,
		.len = len,
		.cap = (size_t)(b->end - ip),
	};
}

/* Sends a sealed reply or relayed datagram; errors are counted, not
 * retried: the sender's next probe or packet tries again. */
static void send_to(struct dp *dp, const uint8_t *buf, size_t len, uint64_t ep)
{
	if (!len || !ep ||
	    dp_send_raw(dp, (uint32_t)(ep >> 16), (uint16_t)ep, buf, len)) {
		dp_add(&dp->stats.tx_errors, 1);
	}
}

static void take_probe(struct dp *dp, struct dp_peer *p, uint8_t *dgram,
		       size_t len, const struct rx_from *f)
{
	struct dp_peer *via = f->via >= 0 ? &dp->peers.peer[f->via] : NULL;
	uint8_t *start = dgram;
	size_t n;

	if (len != DP_PROBE_LEN) {
		return;
	}
	n = dp_seal_for(dp, p, dgram, DP_PROBE_REPLY, dp->vn, len);
	if (n && via) {
		n = dp_relay_wrap(dp, via, DP_RELAY_TO, p->name, dgram, n,
				  dp->vn, &start);
		send_to(dp, start, n, dp_load(&via->endpoint));
		return;
	}
	send_to(dp, start, n, dp_endpoint(f->addr, f->port));
}

static void take_probe_reply(struct dp_peer *p, const uint8_t *pl, size_t len,
			     uint64_t now_ms)
{
	uint64_t now_us = (vrd_monotonic_ns() / 1000);
	struct dp_probe pr;

	if (dp_probe_decode(&pr, pl, len) < 0) {
		return;
	}
	if (pr.sent_us <= now_us) {
		dp_store(&p->rtt_us, now_us - pr.sent_us);
	}
	if (!pr.relay) {
		dp_store(&p->last_direct_ms, now_ms);
	} else {
		__atomic_store_n(&p->relay_ok, pr.relay - 1, __ATOMIC_RELAXED);
		dp_store(&p->last_relay_ms, now_ms);
	}
}

static void take(struct dp_thread *t, struct rx_batch *b, uint8_t *dg,
		 size_t len, const struct rx_from *f);

static void take_relay(struct dp_thread *t, struct rx_batch *b, int idx,
		       uint8_t *pl, size_t len, const struct rx_from *f)
{
	struct dp *dp = t->dp;
	struct dp_peer *p = &dp->peers.peer[idx], *to;
	struct rx_from inner = *f;
	struct dp_relay r;
	uint8_t *start;
	size_t n;
	int other;

	/* one relay hop only: a relayed datagram does not relay again */
	if (f->via >= 0 || dp_relay_decode(&r, pl, len) < 0) {
		dp_add(&dp->stats.rx_drop[DP_DROP_RELAY], 1);
		return;
	}
	other = dp_peer_find(&dp->peers, r.name);
	if (other < 0 || other == idx) {
		dp_add(&dp->stats.rx_relay_no_peer, 1);
		return;
	}
	if (r.kind == DP_RELAY_FROM) {
		inner.via = idx;
		inner.expect = other;
		take(t, b, pl + r.inner_off, r.inner_len, &inner);
		return;
	}
	/* we are the relay: the inner datagram goes on, sealed again for the
	 * next hop and naming its sender */
	to = &dp->peers.peer[other];
	n = dp_relay_wrap(dp, to, DP_RELAY_FROM, p->name, pl + r.inner_off,
			  r.inner_len, dp->vn, &start);
	dp_add(&p->stats.relayed, 1);
	send_to(dp, start, n, dp_load(&to->endpoint));
}

/* An authenticated packet from p at a new address: it roamed. Only the
 * newest packet may move it, so a late one from the old address cannot
 * move it back. */
static void maybe_roam(struct dp_peer *p, const struct dp_hdr *h,
		       const struct rx_from *f)
{
	uint64_t ep = dp_endpoint(f->addr, f->port);

	if (h->key_id != p->rx_top_key) {
		p->rx_top_key = h->key_id;
		p->rx_top_counter = h->counter;
	} else if (h->counter > p->rx_top_counter) {
		p->rx_top_counter = h->counter;
	} else {
		return;
	}
	if (f->via < 0 && dp_load(&p->endpoint) != ep) {
		dp_store(&p->endpoint, ep);
		dp_add(&p->stats.roams, 1);
	}
}

/* A key we do not have, from a peer's address: it kept a key we lost (we
 * restarted, or it did not hear that we did). The daemon asks it for a new
 * one. At most one search per 100 ms: forged ids cost nothing more. */
static void lost_key(struct dp_thread *t, struct rx_batch *b,
		     const struct rx_from *f)
{
	struct dp *dp = t->dp;
	uint64_t ep = dp_endpoint(f->addr, f->port), one = 1;

	if (b->now_ms - t->lost_key_ms < 100) {
		return;
	}
	t->lost_key_ms = b->now_ms;
	for (int i = 0; i < DP_PEERS_MAX; i++) {
		struct dp_peer *p = &dp->peers.peer[i];

		if (!p->used || dp_load(&p->endpoint) != ep) {
			continue;
		}
		if (!__atomic_exchange_n(&p->lost_key, 1, __ATOMIC_RELAXED) &&
		    write(dp->want_fd, &one, sizeof(one)) < 0) {
			dp_add(&dp->stats.rx_control_dropped, 1);
		}
		return;
	}
}

static void take(struct dp_thread *t, struct rx_batch *b, uint8_t *dg,
		 size_t len, const struct rx_from *f)
{
	struct dp *dp = t->dp;
	struct dp_hdr h;
	struct dp_peer *p;
	struct dp_key *key;
	ssize_t n;
	int rc, idx;

	if (f->via < 0 && len >= DP_CONTROL_MAGIC_LEN &&
	    !memcmp(dg, dp->control_magic, DP_CONTROL_MAGIC_LEN)) {
		queue_control(dp, dg, len, f);
		return;
	}
	rc = dp_hdr_decode(&h, dg, len);
	if (rc < 0) {
		dp_add(&dp->stats.rx_drop[-rc], 1);
		return;
	}
	key = dp_peers_rx_key(&dp->peers, h.key_id, &idx);
	if (!key || (f->via >= 0 && idx != f->expect)) {
		dp_add(&dp->stats.rx_drop[DP_DROP_NOKEY], 1);
		if (!key && f->via < 0) {
			lost_key(t, b, f);
		}
		return;
	}
	p = &dp->peers.peer[idx];
	n = dp_open(key, &h, dg, len);
	if (n < 0) {
		dp_add(&p->stats.rx_drop[-n], 1);
		return;
	}
	dp_store(&p->last_rx_ms, b->now_ms);
	maybe_roam(p, &h, f);
	switch (h.type) {
	case DP_DATA:
		take_data(dp, b, p, &h, dg + DP_HDR_LEN, (size_t)n);
		break;
	case DP_PROBE:
		take_probe(dp, p, dg, (size_t)n, f);
		break;
	case DP_PROBE_REPLY:
		take_probe_reply(p, dg + DP_HDR_LEN, (size_t)n, b->now_ms);
		break;
	case DP_RELAY:
		take_relay(t, b, idx, dg + DP_HDR_LEN, (size_t)n, f);
		break;
	}
}

static void write_tun(struct dp *dp, struct rx_batch *b)
{
	size_t n = b->nout;
	uint64_t writes = 0, errors = 0;

	if (!n) {
		return;
	}
	if (dp->vnet_hdr) {
		n = dp_gro_coalesce(b->frame, b->out, b->nout);
		dp_add(&dp->stats.tun_coalesced, b->nout - n);
	} else {
		for (size_t i = 0; i < n; i++) {
			b->frame[i] = (struct dp_gro_frame){
				.data = b->out[i].data, .len = b->out[i].len};
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (write(dp->tun_fd, b->frame[i].data, b->frame[i].len) < 0) {
			errors++;
		} else {
			writes++;
		}
	}
	dp_add(&dp->stats.tun_writes, writes);
	dp_add(&dp->stats.tun_write_errors, errors);
	b->nout = 0;
	b->nstage = 0;
}

static int recv_batch(struct dp_thread *t, struct rx_batch *b)
{
	struct dp *dp = t->dp;
	size_t room =
		dp->udp_gro ? dp->rx_slot - DP_HEADROOM : DP_SLOT - DP_HEADROOM;

	for (int i = 0; i < DP_BATCH; i++) {
		b->iov[i] = (struct iovec){
			.iov_base = t->slots + (size_t)i * dp->rx_slot +
				    DP_HEADROOM,
			.iov_len = room,
		};
		b->msg[i].msg_hdr = (struct msghdr){
			.msg_name = &b->sin[i],
			.msg_namelen = sizeof(b->sin[i]),
			.msg_iov = &b->iov[i],
			.msg_iovlen = 1,
		};
		if (dp->udp_gro) {
			b->msg[i].msg_hdr.msg_control = b->cmsg[i].buf;
			b->msg[i].msg_hdr.msg_controllen =
				sizeof(b->cmsg[i].buf);
		}
	}
	return recvmmsg(dp->udp_fd, b->msg, DP_BATCH, MSG_DONTWAIT, NULL);
}

/* The segment size of a train (UDP_GRO cmsg), or 0: one datagram. */
static size_t train_seg(const struct msghdr *h)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(h); c;
	     c = CMSG_NXTHDR((struct msghdr *)h, c)) {
		int seg;

		if (c->cmsg_level != SOL_UDP || c->cmsg_type != UDP_GRO ||
		    c->cmsg_len < CMSG_LEN(sizeof(seg))) {
			continue;
		}
		memcpy(&seg, CMSG_DATA(c), sizeof(seg));
		return seg > 0 ? (size_t)seg : 0;
	}
	return 0;
}

/* Writes the waiting packets when fewer than `need` slots are left: out of
 * the read lock, so the daemon's thread never waits for the TUN. */
static void make_room(struct dp *dp, struct rx_batch *b, size_t need)
{
	if (!b->nout || b->nout + need <= DP_BATCH) {
		return;
	}
	dp_peers_unlock(&dp->peers);
	write_tun(dp, b);
	dp_peers_read_lock(&dp->peers);
}

/* Each datagram of a train in a staging slot of its own; returns how many
 * datagrams the train held. */
static size_t take_train(struct dp_thread *t, struct rx_batch *b,
			 const uint8_t *train, size_t len, size_t seg,
			 const struct rx_from *f)
{
	struct dp *dp = t->dp;
	size_t n = 0;

	/* a train that fits a batch is written whole: one super-packet */
	make_room(dp, b, (len + seg - 1) / seg);
	for (size_t off = 0; off < len; off += seg, n++) {
		size_t l = len - off < seg ? len - off : seg;
		uint8_t *dg;
		size_t before;

		make_room(dp, b, 1);
		dg = t->stage + b->nstage * dp->rx_slot + DP_HEADROOM;
		b->end = dg - DP_HEADROOM + dp->rx_slot;
		before = b->nout;
		memcpy(dg, train + off, l);
		take(t, b, dg, l, f);
		/* the slot is kept while a packet in it waits for the TUN */
		if (b->nout != before) {
			b->nstage++;
		}
	}
	return n;
}

static bool receive(struct dp_thread *t, struct rx_batch *b)
{
	struct dp *dp = t->dp;
	int n = recv_batch(t, b);
	uint64_t dgrams = 0, trains = 0;

	if (n <= 0) {
		return false;
	}
	b->now_ms = vrd_monotonic_ms();
	dp_peers_read_lock(&dp->peers);
	for (int i = 0; i < n; i++) {
		struct rx_from f = {
			.addr = ntohl(b->sin[i].sin_addr.s_addr),
			.port = ntohs(b->sin[i].sin_port),
			.via = -1,
			.expect = -1,
		};
		size_t len = b->msg[i].msg_len;
		size_t seg = dp->udp_gro ? train_seg(&b->msg[i].msg_hdr) : 0;

		if (seg && seg < len) {
			dgrams += take_train(t, b, b->iov[i].iov_base, len, seg,
					     &f);
			trains++;
			continue;
		}
		make_room(dp, b, 1);
		b->end = t->slots + (size_t)(i + 1) * dp->rx_slot;
		take(t, b, b->iov[i].iov_base, len, &f);
		dgrams++;
	}
	dp_peers_unlock(&dp->peers);
	write_tun(dp, b);
	dp_add(&dp->stats.rx_datagrams, dgrams);
	dp_add(&dp->stats.rx_gro_trains, trains);
	dp_add(&dp->stats.rx_batches, 1);
	return n == DP_BATCH;
}

void *dp_rx_main(void *arg)
{
	struct dp_thread *t = arg;
	struct dp *dp = t->dp;
	static __thread struct rx_batch b;
	struct pollfd pfd[2] = {
		{.fd = dp->udp_fd, .events = POLLIN},
		{.fd = dp->stop_fd, .events = POLLIN},
	};

	for (;;) {
		if (poll(pfd, 2, IDLE_POLL_MS) < 0 && errno != EINTR) {
			log_err("data plane: rx poll: %s", strerror(errno));
			break;
		}
		if (pfd[1].revents) {
			break;
		}
		for (int r = 0; r < ROUNDS && receive(t, &b); r++)
			;
		tables_fib_reader_quiescent(t->reader);
	}
	return NULL;
}
