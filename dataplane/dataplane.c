#include "dataplane/dataplane.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/bytes.h"
#include "base/clock.h"
#include "dataplane/dp_internal.h"

/* Kernel socket buffers: a burst of a few thousand full-size datagrams. */
#define UDP_BUFFER (4 << 20)

static int udp_open(uint32_t addr, uint16_t port, char *err, size_t errlen)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(addr),
	};
	int one = 1, buf = UDP_BUFFER;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		snprintf(err, errlen, "udp socket: %s", strerror(errno));
		return -errno;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* best effort: FORCE needs CAP_NET_ADMIN, the plain one is capped */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf)) < 0) {
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	}
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof(buf)) < 0) {
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	}
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		int rc = -errno;
		char a[VRD_IPV4_STRLEN];

		snprintf(err, errlen, "udp %s:%u: %s", vrd_ipv4_format(addr, a),
			 port, strerror(errno));
		close(fd);
		return rc;
	}
	return fd;
}

/* UDP segmentation both ways, when the kernel has it: trains of datagrams
 * cross the socket in one call (dp_tx.c, dp_rx.c). */
static void udp_offloads(struct dp *dp)
{
	int one = 1, seg = 0;
	socklen_t len = sizeof(seg);

	dp->udp_gso = !getsockopt(dp->udp_fd, SOL_UDP, UDP_SEGMENT, &seg, &len);
	dp->udp_gro =
		!setsockopt(dp->udp_fd, SOL_UDP, UDP_GRO, &one, sizeof(one));
}

struct dp *dp_create(const struct dp_config *cfg, char *err, size_t errlen)
{
	struct dp *dp = calloc(1, sizeof(*dp));
	int rc = -ENOMEM;

	if (!dp) {
		snprintf(err, errlen, "data plane: %s", strerror(ENOMEM));
		goto err_tun;
	}
	snprintf(dp->name, sizeof(dp->name), "%s", cfg->name);
	dp->vn = cfg->vn;
	dp->tun_fd = cfg->tun_fd;
	dp->vnet_hdr = cfg->vnet_hdr;
	dp->mss_max = cfg->mss_max;
	memcpy(dp->control_magic, cfg->control_magic, DP_CONTROL_MAGIC_LEN);
	dp->fib = cfg->fib;
	dp->udp_fd = dp->stop_fd = dp->ctl_fd = dp->want_fd = -1;
	dp->rl = (struct vrd_ratelimit)VRD_RATELIMIT_INIT(10000, 5);
	dp->ctl = calloc(DP_CTL_QUEUE, sizeof(*dp->ctl));
	dp->tx.slots = calloc(DP_TX_SLOTS, DP_SLOT);
	dp->tx.super = malloc(DP_SUPER_MAX);
	if (!dp->ctl || !dp->tx.slots || !dp->tx.super) {
		snprintf(err, errlen, "data plane: %s", strerror(ENOMEM));
		goto err_free;
	}
	rc = dp_peers_init(&dp->peers);
	if (rc < 0) {
		snprintf(err, errlen, "data plane: %s", strerror(-rc));
		goto err_free;
	}
	pthread_mutex_init(&dp->ctl_lock, NULL);
	dp->stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	dp->ctl_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	dp->want_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (dp->stop_fd < 0 || dp->ctl_fd < 0 || dp->want_fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "eventfd: %s", strerror(errno));
		goto err_fds;
	}
	dp->udp_fd = udp_open(cfg->bind_addr, cfg->port, err, errlen);
	if (dp->udp_fd < 0) {
		rc = dp->udp_fd;
		goto err_fds;
	}
	udp_offloads(dp);
	/* a train or a super-packet needs a slot of 64 KB */
	dp->rx_slot = dp->vnet_hdr || dp->udp_gro ? DP_RX_SLOT_GRO : DP_SLOT;
	dp->rx.slots = calloc(DP_BATCH, dp->rx_slot);
	/* the datagrams of trains are copied out: one slot each */
	dp->rx.stage = dp->udp_gro ? calloc(DP_BATCH, dp->rx_slot) : NULL;
	if (!dp->rx.slots || (dp->udp_gro && !dp->rx.stage)) {
		rc = -ENOMEM;
		snprintf(err, errlen, "data plane: %s", strerror(ENOMEM));
		goto err_udp;
	}
	dp->tx.dp = dp->rx.dp = dp;
	return dp;

err_udp:
	close(dp->udp_fd);
err_fds:
	if (dp->stop_fd >= 0) {
		close(dp->stop_fd);
	}
	if (dp->ctl_fd >= 0) {
		close(dp->ctl_fd);
	}
	if (dp->want_fd >= 0) {
		close(dp->want_fd);
	}
	pthread_mutex_destroy(&dp->ctl_lock);
	dp_peers_fini(&dp->peers);
err_free:
	free(dp->ctl);
	free(dp->tx.slots);
	free(dp->tx.super);
	free(dp->rx.slots);
	free(dp->rx.stage);
	free(dp);
err_tun:
	close(cfg->tun_fd);
	errno = -rc;
	return NULL;
}

static int thread_start(struct dp_thread *t, void *(*fn)(void *))
{
	int rc;

	sigset_t all, old;

	t->reader = tables_fib_reader_register(t->dp->fib);
	if (!t->reader) {
		return -ENOMEM;
	}
	/* signals are the daemon's loop's (signalfd): never a worker's */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&t->tid, NULL, fn, t);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc) {
		tables_fib_reader_unregister(t->reader);
		t->reader = NULL;
		return -rc;
	}
	t->started = true;
	return 0;
}

static void thread_join(struct dp_thread *t)
{
	if (!t->started) {
		return;
	}
	pthread_join(t->tid, NULL);
	tables_fib_reader_unregister(t->reader);
	t->started = false;
}

int dp_start(struct dp *dp)
{
	int rc = thread_start(&dp->rx, dp_rx_main);

	if (rc < 0) {
		return rc;
	}
	rc = thread_start(&dp->tx, dp_tx_main);
	if (rc < 0) {
		uint64_t one = 1;

		if (write(dp->stop_fd, &one, sizeof(one)) < 0) {
			log_err("data plane: cannot stop: %s", strerror(errno));
		}
		thread_join(&dp->rx);
	}
	return rc;
}

void dp_destroy(struct dp *dp)
{
	uint64_t one = 1;

	if (!dp) {
		return;
	}
	if (write(dp->stop_fd, &one, sizeof(one)) < 0) {
		log_err("data plane: cannot stop the threads: %s",
			strerror(errno));
	}
	thread_join(&dp->tx);
	thread_join(&dp->rx);
	close(dp->udp_fd);
	close(dp->tun_fd);
	close(dp->stop_fd);
	close(dp->ctl_fd);
	close(dp->want_fd);
	dp_peers_fini(&dp->peers);
	pthread_mutex_destroy(&dp->ctl_lock);
	free(dp->ctl);
	free(dp->tx.slots);
	free(dp->tx.super);
	free(dp->rx.slots);
	free(dp->rx.stage);
	free(dp);
}

struct dp_peers *dp_peers(struct dp *dp)
{
	return &dp->peers;
}

int dp_control_fd(const struct dp *dp)
{
	return dp->ctl_fd;
}

int dp_want_fd(const struct dp *dp)
{
	return dp->want_fd;
}

size_t dp_wanted(struct dp *dp, int *idx, size_t max)
{
	uint64_t v;
	size_t n = 0;

	if (read(dp->want_fd, &v, sizeof(v)) < 0 && errno != EAGAIN) {
		log_ratelimited(&dp->rl, VRD_LOG_ERR, "data plane: eventfd: %s",
				strerror(errno));
	}
	dp_peers_read_lock(&dp->peers);
	for (int i = 0; i < DP_PEERS_MAX && n < max; i++) {
		if (dp->peers.peer[i].used &&
		    __atomic_exchange_n(&dp->peers.peer[i].want_key, 0,
					__ATOMIC_RELAXED)) {
			idx[n++] = i;
		}
	}
	dp_peers_unlock(&dp->peers);
	return n;
}

size_t dp_control_drain(struct dp *dp,
			void (*fn)(const uint8_t *buf, size_t len,
				   uint32_t addr, uint16_t port, void *arg),
			void *arg)
{
	struct dp_ctl_msg m;
	uint64_t v;
	size_t n = 0;

	if (read(dp->ctl_fd, &v, sizeof(v)) < 0 && errno != EAGAIN) {
		log_ratelimited(&dp->rl, VRD_LOG_ERR, "data plane: eventfd: %s",
				strerror(errno));
	}
	for (;;) {
		pthread_mutex_lock(&dp->ctl_lock);
		if (!dp->ctl_count) {
			pthread_mutex_unlock(&dp->ctl_lock);
			return n;
		}
		m = dp->ctl[dp->ctl_head];
		dp->ctl_head = (dp->ctl_head + 1) % DP_CTL_QUEUE;
		dp->ctl_count--;
		pthread_mutex_unlock(&dp->ctl_lock);
		fn(m.buf, m.len, m.addr, m.port, arg);
		n++;
	}
}

int dp_send_raw(struct dp *dp, uint32_t addr, uint16_t port, const uint8_t *buf,
		size_t len)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(addr),
	};

	if (sendto(dp->udp_fd, buf, len, 0, (struct sockaddr *)&sin,
		   sizeof(sin)) < 0) {
		return -errno;
	}
	return 0;
}

size_t dp_seal_for(struct dp *dp, struct dp_peer *p, uint8_t *buf, uint8_t type,
		   uint32_t vn, size_t len)
{
	uint64_t ctr, one = 1;

	if (!p->tx_key) {
		dp_add(&p->stats.tx_no_key, 1);
		if (!__atomic_exchange_n(&p->want_key, 1, __ATOMIC_RELAXED) &&
		    write(dp->want_fd, &one, sizeof(one)) < 0) {
			dp_add(&dp->stats.rx_control_dropped, 1);
		}
		return 0;
	}
	ctr = __atomic_fetch_add(&p->tx_counter, 1, __ATOMIC_RELAXED);
	if (ctr >= DP_COUNTER_LIMIT) {
		dp_add(&p->stats.tx_no_key, 1);
		return 0;
	}
	return dp_seal(p->tx_key, buf, type, p->tx_key_id, vn, ctr,
		       buf + DP_HDR_LEN, len);
}

size_t dp_relay_wrap(struct dp *dp, struct dp_peer *r, uint8_t kind,
		     const char *name, uint8_t *dgram, size_t len, uint32_t vn,
		     uint8_t **out)
{
	size_t hl = dp_relay_hdr_len(name);
	uint8_t *start = dgram - hl - DP_HDR_LEN;
	size_t n;

	dp_relay_encode(start + DP_HDR_LEN, kind, name);
	n = dp_seal_for(dp, r, start, DP_RELAY, vn, hl + len);
	*out = start;
	return n;
}

int dp_probe(struct dp *dp, int idx, int relay, uint64_t now_us)
{
	/* room for the probe, its tag, and a relay wrapping's tag after it */
	uint8_t buf[DP_HEADROOM + DP_PROBE_LEN + 2 * DP_TAG_LEN];
	uint8_t *dgram = buf + DP_HEADROOM - DP_HDR_LEN, *start;
	struct dp_peer *p, *via;
	uint64_t ep;
	size_t n;

	dp_peers_read_lock(&dp->peers);
	p = &dp->peers.peer[idx];
	via = relay >= 0 ? &dp->peers.peer[relay] : p;
	dp_probe_encode(dgram + DP_HDR_LEN,
			&(struct dp_probe){.sent_us = now_us,
					   .relay = (uint32_t)(relay + 1)});
	n = dp_seal_for(dp, p, dgram, DP_PROBE, dp->vn, DP_PROBE_LEN);
	start = dgram;
	if (n && relay >= 0) {
		n = dp_relay_wrap(dp, via, DP_RELAY_TO, p->name, dgram, n,
				  dp->vn, &start);
	}
	ep = dp_load(&via->endpoint);
	dp_peers_unlock(&dp->peers);
	if (!n) {
		return -ENOKEY;
	}
	if (!ep) {
		return -EDESTADDRREQ;
	}
	return dp_send_raw(dp, (uint32_t)(ep >> 16), (uint16_t)ep, start, n);
}

int dp_counters(struct dp *dp, vrd_counter_fn fn, void *arg)
{
	const struct dp_stats *s = &dp->stats;
	struct vrd_counter c[] = {
		{"dp.tun_reads", dp_load(&s->tun_reads)},
		{"dp.tun_packets", dp_load(&s->tun_packets)},
		{"dp.tun_bytes", dp_load(&s->tun_bytes)},
		{"dp.tun_supers", dp_load(&s->tun_supers)},
		{"dp.tx_batches", dp_load(&s->tx_batches)},
		{"dp.tx_sent", dp_load(&s->tx_sent)},
		{"dp.tx_errors", dp_load(&s->tx_errors)},
		{"dp.tx_not_ipv4", dp_load(&s->tx_not_ipv4)},
		{"dp.tx_no_route", dp_load(&s->tx_no_route)},
		{"dp.tx_loop", dp_load(&s->tx_loop)},
		{"dp.tx_source", dp_load(&s->tx_source)},
		{"dp.tx_gso_errors", dp_load(&s->tx_gso_errors)},
		{"dp.tx_mss_clamped", dp_load(&s->tx_mss_clamped)},
		{"dp.tx_gso_trains", dp_load(&s->tx_gso_trains)},
		{"dp.tx_gso_off", dp_load(&s->tx_gso_off)},
		{"dp.rx_batches", dp_load(&s->rx_batches)},
		{"dp.rx_datagrams", dp_load(&s->rx_datagrams)},
		{"dp.rx_gro_trains", dp_load(&s->rx_gro_trains)},
		{"dp.rx_control", dp_load(&s->rx_control)},
		{"dp.rx_control_dropped", dp_load(&s->rx_control_dropped)},
		{"dp.rx_relay_no_peer", dp_load(&s->rx_relay_no_peer)},
		{"dp.rx_not_ipv4", dp_load(&s->rx_not_ipv4)},
		{"dp.tun_writes", dp_load(&s->tun_writes)},
		{"dp.tun_write_errors", dp_load(&s->tun_write_errors)},
		{"dp.tun_coalesced", dp_load(&s->tun_coalesced)},
	};
	char name[64];
	int rc = VRD_COUNTERS_EMIT(c, fn, arg);

	for (int i = 1; !rc && i < DP_DROP_MAX; i++) {
		snprintf(name, sizeof(name), "dp.rx_drop_%s", dp_drop_name(i));
		rc = fn(name, dp_load(&s->rx_drop[i]), arg);
	}
	return rc;
}
