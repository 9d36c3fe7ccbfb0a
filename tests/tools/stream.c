/*
 * vrd-stream: long-lived TCP streams whose integrity and stalls are
 * measured, for the namespace tests.
 *
 *   vrd-stream serve -p PORT [-b ADDR] [-n CONNS]
 *   vrd-stream send -c HOST -p PORT [-i ID] [-t SECONDS] [-r BYTES_PER_SEC]
 *
 * A stream is a 16-byte header (magic "VRDS", 4-byte big-endian stream id,
 * 8 reserved bytes), then the pattern: byte i after the header is
 * (i * 131 + id * 7 + (i >> 13)) & 0xff. After the sender's FIN the server
 * answers with the 8-byte big-endian count of pattern bytes it verified.
 *
 * serve accepts CONNS connections (default 1), handles them together in
 * one poll loop and prints, as each one ends,
 *   {"id":N,"peer":"A.B.C.D:P","bytes":N,"ok":true|false,"error":"..."}
 * ("id" is null when the header never arrived; "error" only when not ok).
 * It exits 0 iff all CONNS were ok, 1 otherwise or on SIGTERM/SIGINT
 * (unfinished connections are printed with error "interrupted").
 *
 * send connects (retrying for 5 s), sends for SECONDS (default 10, decimals
 * allowed) at BYTES_PER_SEC (default 1000000, paced every millisecond;
 * 0 = as fast as possible), or until SIGUSR1, then shuts down its side,
 * waits up to 30 s for the server's count and prints
 *   {"id":N,"bytes":N,"acked":N,"ok":bool,"max_stall_ms":N,
 *    "max_ack_gap_ms":N,"error":"..."}
 * max_stall_ms: the longest time it had data to send but could not write
 * any (socket buffer full). max_ack_gap_ms: the longest time data was
 * outstanding without tcpi_bytes_acked moving, sampled every millisecond.
 * Exit 0 iff ok: no error and the server verified every byte sent.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <linux/sockios.h>
#include <linux/tcp.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/bytes.h"
#include "tests/tools/tool_util.h"

#define HDR_LEN 16
#define PERIOD (1u << 21) /* the pattern repeats every 2 MiB */
#define CHUNK 65536
#define CONNECT_NS (5 * NS_PER_S)
#define COUNT_NS (30 * NS_PER_S)
#define NS_PER_MS 1000000ll
#define NS_PER_S 1000000000ll

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	stop_flag = 1;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: vrd-stream serve -p PORT [-b ADDR] [-n CONNS]\n"
		   "       vrd-stream send -c HOST -p PORT [-i ID] "
		   "[-t SECONDS] [-r BYTES_PER_SEC]\n");
}

static uint8_t pattern_byte(uint64_t i, uint32_t id)
{
	return (uint8_t)((i * 131 + (uint64_t)id * 7 + (i >> 13)) & 0xff);
}

/* ---- serve ---- */

struct conn {
	int fd;
	struct sockaddr_in peer;
	uint8_t hdr[HDR_LEN];
	size_t hdr_len;
	uint32_t id;
	uint64_t bytes;
	bool ok;
	char error[64];
};

static void conn_finish(struct conn *c, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void conn_finish(struct conn *c, bool ok, const char *fmt, ...)
{
	char addr[INET_ADDRSTRLEN];
	va_list ap;

	c->ok = ok;
	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(c->error, sizeof(c->error), fmt, ap);
		va_end(ap);
	}
	inet_ntop(AF_INET, &c->peer.sin_addr, addr, sizeof(addr));
	if (c->hdr_len == HDR_LEN) {
		printf("{\"id\":%u,", c->id);
	} else {
		printf("{\"id\":null,");
	}
	printf("\"peer\":\"%s:%u\",\"bytes\":%llu,\"ok\":%s", addr,
	       ntohs(c->peer.sin_port), (unsigned long long)c->bytes,
	       ok ? "true" : "false");
	if (!ok) {
		printf(",\"error\":\"%s\"", c->error);
	}
	printf("}\n");
	close(c->fd);
	c->fd = -1;
}

static void conn_reply(struct conn *c)
{
	uint8_t buf[8];

	vrd_put_be64(buf, c->bytes);
	/* the first bytes this socket sends: the buffer has room */
	if (send(c->fd, buf, sizeof(buf), MSG_NOSIGNAL) != sizeof(buf)) {
		conn_finish(c, false, "count not sent: %s", strerror(errno));
		return;
	}
	conn_finish(c, true, NULL);
}

/* Consumes n received bytes; false when the connection ended. */
static bool conn_consume(struct conn *c, const uint8_t *p, size_t n)
{
	size_t take = 0;

	if (c->hdr_len < HDR_LEN) {
		take = HDR_LEN - c->hdr_len;
		take = take < n ? take : n;
		memcpy(c->hdr + c->hdr_len, p, take);
		c->hdr_len += take;
		if (c->hdr_len < HDR_LEN) {
			return true;
		}
		if (memcmp(c->hdr, "VRDS", 4) != 0) {
			c->hdr_len = 0;
			conn_finish(c, false, "bad magic");
			return false;
		}
		c->id = vrd_get_be32(c->hdr + 4);
	}
	for (size_t j = take; j < n; j++) {
		if (p[j] != pattern_byte(c->bytes, c->id)) {
			conn_finish(c, false, "corrupt at offset %llu",
				    (unsigned long long)c->bytes);
			return false;
		}
		c->bytes++;
	}
	return true;
}

/* Reads what is there, a bounded amount per wake-up. */
static void conn_read(struct conn *c)
{
	static uint8_t buf[CHUNK];

	for (int budget = 16; budget > 0; budget--) {
		ssize_t n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			return;
		}
		if (n < 0 && errno == ECONNRESET) {
			conn_finish(c, false, "reset");
			return;
		}
		if (n < 0) {
			conn_finish(c, false, "%s", strerror(errno));
			return;
		}
		if (n == 0 && c->hdr_len < HDR_LEN) {
			conn_finish(c, false, "eof in header");
			return;
		}
		if (n == 0) {
			conn_reply(c);
			return;
		}
		if (!conn_consume(c, buf, (size_t)n)) {
			return;
		}
	}
}

static int listen_open(const char *bind_addr, long long port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	int fd, one = 1;

	sin.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, bind_addr, &sin.sin_addr) != 1) {
		fprintf(stderr, "vrd-stream: bad bind address %s\n", bind_addr);
		return -1;
	}
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "vrd-stream: socket: %s\n", strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    listen(fd, 64) < 0) {
		fprintf(stderr, "vrd-stream: listen on %s:%lld: %s\n",
			bind_addr, port, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static void serve_accept(int lfd, struct conn *conns, long long nconns,
			 long long *accepted)
{
	while (*accepted < nconns) {
		struct conn *c = &conns[*accepted];
		socklen_t len = sizeof(c->peer);
		int fd = accept4(lfd, (struct sockaddr *)&c->peer, &len,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR &&
			    errno != ECONNABORTED) {
				fprintf(stderr, "vrd-stream: accept: %s\n",
					strerror(errno));
			}
			return;
		}
		c->fd = fd;
		(*accepted)++;
	}
}

static int serve_main(int argc, char **argv)
{
	static const int sigs[] = {SIGTERM, SIGINT};
	const char *bind_addr = "0.0.0.0";
	long long port = -1, nconns = 1, accepted = 0, done = 0, good = 0;
	struct conn *conns;
	struct pollfd *pfds;
	sigset_t mask;
	int opt, lfd;

	while ((opt = getopt(argc, argv, "p:b:n:h")) != -1) {
		switch (opt) {
		case 'p':
			port = tool_number_parse(optarg, 1, 65535);
			break;
		case 'b':
			bind_addr = optarg;
			break;
		case 'n':
			nconns = tool_number_parse(optarg, 1, 100000);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (port < 0 || nconns < 0 || optind != argc) {
		usage(stderr);
		return 2;
	}
	conns = calloc((size_t)nconns, sizeof(*conns));
	pfds = calloc((size_t)nconns + 1, sizeof(*pfds));
	if (!conns || !pfds) {
		fprintf(stderr, "vrd-stream: out of memory\n");
		free(conns);
		free(pfds);
		return 1;
	}
	tool_signals_catch(sigs, 2, on_signal, true, &mask);
	lfd = listen_open(bind_addr, port);
	if (lfd < 0) {
		free(conns);
		free(pfds);
		return 1;
	}

	while (done < nconns && !stop_flag) {
		nfds_t n = 0;

		if (accepted < nconns) {
			pfds[n++] =
				(struct pollfd){.fd = lfd, .events = POLLIN};
		}
		for (long long i = 0; i < accepted; i++) {
			pfds[n++] = (struct pollfd){.fd = conns[i].fd,
						    .events = POLLIN};
		}
		if (tool_ppoll_ns(pfds, n, -1, &mask) < 0) {
			if (errno == EINTR) {
				continue;
			}
			fprintf(stderr, "vrd-stream: poll: %s\n",
				strerror(errno));
			break;
		}
		for (long long i = 0; i < accepted; i++) {
			struct conn *c = &conns[i];

			if (c->fd < 0) {
				continue;
			}
			conn_read(c);
			if (c->fd < 0) {
				done++;
				good += c->ok;
			}
		}
		serve_accept(lfd, conns, nconns, &accepted);
	}
	for (long long i = 0; i < accepted; i++) {
		if (conns[i].fd >= 0) {
			conn_finish(&conns[i], false, "interrupted");
		}
	}
	if (done < nconns) {
		fprintf(stderr,
			"vrd-stream: stopped after %lld of %lld "
			"connections\n",
			done, nconns);
	}
	close(lfd);
	free(conns);
	free(pfds);
	return good == nconns ? 0 : 1;
}

/* ---- send ---- */

struct sender {
	int fd;
	uint32_t id;
	uint64_t bytes;
	int64_t stall_since; /* -1: nothing waiting to be written */
	int64_t max_stall;
	bool have_info;
	uint64_t acked_base;
	uint64_t acked_now;
	int64_t ack_since;
	int64_t next_sample;
	bool outstanding;
	int64_t max_ack_gap;
	char error[96];
};

static int sender_acked(struct sender *s, uint64_t *acked)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(s->fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0) {
		return -errno;
	}
	if (len < offsetof(struct tcp_info, tcpi_bytes_acked) +
			  sizeof(ti.tcpi_bytes_acked)) {
		return -ENOTSUP;
	}
	*acked = ti.tcpi_bytes_acked;
	return 0;
}

/* ACK progress, sampled every millisecond: a gap is counted only while
 * bytes are outstanding in the send queue. */
static void sender_sample(struct sender *s, int64_t now, bool force)
{
	uint64_t acked = 0;
	int outq = 0;

	if (!s->have_info || (!force && now < s->next_sample)) {
		return;
	}
	s->next_sample = now + NS_PER_MS;
	if (sender_acked(s, &acked) < 0 || ioctl(s->fd, SIOCOUTQ, &outq) < 0) {
		return;
	}
	if (acked != s->acked_now) {
		if (s->outstanding && now - s->ack_since > s->max_ack_gap) {
			s->max_ack_gap = now - s->ack_since;
		}
		s->acked_now = acked;
		s->ack_since = now;
	}
	if (outq > 0 && !s->outstanding) {
		s->ack_since = now;
	}
	s->outstanding = outq > 0;
}

static int host_resolve(const char *host, long long port,
			struct sockaddr_in *sin)
{
	struct addrinfo hints = {.ai_family = AF_INET,
				 .ai_socktype = SOCK_STREAM};
	struct addrinfo *res;
	int rc = getaddrinfo(host, NULL, &hints, &res);

	if (rc != 0) {
		fprintf(stderr, "vrd-stream: %s: %s\n", host, gai_strerror(rc));
		return -EINVAL;
	}
	memcpy(sin, res->ai_addr, sizeof(*sin));
	sin->sin_port = htons((uint16_t)port);
	freeaddrinfo(res);
	return 0;
}

/* One non-blocking attempt, waiting at most until deadline. */
static int connect_once(const struct sockaddr_in *sin, int64_t deadline)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	struct pollfd pfd = {.fd = fd, .events = POLLOUT};
	socklen_t len = sizeof(int);
	int err = 0, r;

	if (fd < 0) {
		return -errno;
	}
	if (connect(fd, (const struct sockaddr *)sin, sizeof(*sin)) == 0) {
		return fd;
	}
	if (errno != EINPROGRESS) {
		err = errno;
		goto close_fd;
	}
	do {
		int64_t left = deadline - tool_now_ns();

		r = poll(&pfd, 1, left > 0 ? (int)(left / NS_PER_MS) + 1 : 0);
	} while (r < 0 && errno == EINTR);
	if (r <= 0) {
		err = ETIMEDOUT;
		goto close_fd;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) {
		err = errno;
	}
	if (err == 0) {
		return fd;
	}
close_fd:
	close(fd);
	return -err;
}

static int connect_retry(const struct sockaddr_in *sin)
{
	int64_t deadline = tool_now_ns() + CONNECT_NS;
	struct timespec pause = {0, 100 * NS_PER_MS};
	int fd;

	for (;;) {
		fd = connect_once(sin, deadline);
		if (fd >= 0 || tool_now_ns() >= deadline) {
			return fd;
		}
		nanosleep(&pause, NULL);
	}
}

static uint8_t *pattern_table(uint32_t id)
{
	uint8_t *t = malloc(PERIOD + CHUNK);

	if (!t) {
		return NULL;
	}
	for (uint64_t i = 0; i < PERIOD + CHUNK; i++) {
		t[i] = pattern_byte(i, id);
	}
	return t;
}

/* Checks for a reset or close by the server while still sending. */
static bool sender_peer_gone(struct sender *s)
{
	uint8_t b;
	ssize_t n = recv(s->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);

	if (n == 0) {
		snprintf(s->error, sizeof(s->error), "closed by server");
		return true;
	}
	if (n < 0 && errno != EAGAIN && errno != EINTR) {
		snprintf(s->error, sizeof(s->error), "%s",
			 errno == ECONNRESET ? "reset" : strerror(errno));
		return true;
	}
	return false;
}

static void sender_write_error(struct sender *s, int err)
{
	snprintf(s->error, sizeof(s->error), "%s",
		 err == ECONNRESET || err == EPIPE ? "reset" : strerror(err));
}

static void sender_stream(struct sender *s, const uint8_t *table,
			  double seconds, long long rate, const sigset_t *mask)
{
	int64_t t0 = tool_now_ns(), end = t0 + (int64_t)(seconds * NS_PER_S);

	while (!stop_flag && !s->error[0]) {
		int64_t now = tool_now_ns();
		uint64_t pending = CHUNK;
		struct pollfd pfd = {.fd = s->fd, .events = POLLIN};
		ssize_t n;

		if (now >= end) {
			break;
		}
		sender_sample(s, now, false);
		if (rate > 0) {
			uint64_t target = (uint64_t)((double)(now - t0) *
						     (double)rate / NS_PER_S);

			pending = target > s->bytes ? target - s->bytes : 0;
		}
		if (pending > 0) {
			if (s->stall_since < 0) {
				s->stall_since = now;
			}
			n = send(s->fd, table + s->bytes % PERIOD,
				 pending < CHUNK ? pending : CHUNK,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
			if (n > 0) {
				now = tool_now_ns();
				if (now - s->stall_since > s->max_stall) {
					s->max_stall = now - s->stall_since;
				}
				s->bytes += (uint64_t)n;
				s->stall_since =
					(uint64_t)n < pending ? now : -1;
				continue;
			}
			if (n < 0 && errno != EAGAIN && errno != EINTR) {
				sender_write_error(s, errno);
				break;
			}
			pfd.events |= POLLOUT;
		}
		/* wake every millisecond: pacing and ACK sampling */
		if (tool_ppoll_ns(&pfd, 1, NS_PER_MS, mask) > 0 &&
		    (pfd.revents & (POLLIN | POLLERR | POLLHUP))) {
			sender_peer_gone(s);
		}
	}
	if (s->stall_since >= 0 &&
	    tool_now_ns() - s->stall_since > s->max_stall) {
		s->max_stall = tool_now_ns() - s->stall_since;
	}
}

/* After our FIN: the server's 8-byte count, within 30 s. */
static void sender_count(struct sender *s, const sigset_t *mask)
{
	int64_t deadline = tool_now_ns() + COUNT_NS;
	uint8_t buf[8];
	size_t have = 0;
	uint64_t count;

	while (have < sizeof(buf)) {
		struct pollfd pfd = {.fd = s->fd, .events = POLLIN};
		int64_t now = tool_now_ns();
		ssize_t n;

		sender_sample(s, now, false);
		if (now >= deadline) {
			snprintf(s->error, sizeof(s->error),
				 "no count from server within 30 s");
			return;
		}
		if (tool_ppoll_ns(&pfd, 1, NS_PER_MS, mask) <= 0) {
			continue;
		}
		n = recv(s->fd, buf + have, sizeof(buf) - have, MSG_DONTWAIT);
		if (n == 0) {
			snprintf(s->error, sizeof(s->error),
				 "closed by server before count");
			return;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR) {
			sender_write_error(s, errno);
			return;
		}
		have += n > 0 ? (size_t)n : 0;
	}
	count = vrd_get_be64(buf);
	if (count != s->bytes) {
		snprintf(s->error, sizeof(s->error),
			 "server verified %llu of %llu bytes",
			 (unsigned long long)count,
			 (unsigned long long)s->bytes);
	}
}

static void sender_print(const struct sender *s)
{
	uint64_t acked = 0;

	/* bytes_acked counts the SYN, the header and the FIN too */
	if (s->acked_now > s->acked_base + HDR_LEN) {
		acked = s->acked_now - s->acked_base - HDR_LEN;
	}
	if (acked > s->bytes) {
		acked = s->bytes;
	}
	printf("{\"id\":%u,\"bytes\":%llu,\"acked\":%llu,\"ok\":%s,"
	       "\"max_stall_ms\":%lld,\"max_ack_gap_ms\":%lld",
	       s->id, (unsigned long long)s->bytes, (unsigned long long)acked,
	       s->error[0] ? "false" : "true",
	       (long long)(s->max_stall / NS_PER_MS),
	       (long long)(s->max_ack_gap / NS_PER_MS));
	if (s->error[0]) {
		printf(",\"error\":\"%s\"", s->error);
	}
	printf("}\n");
}

static int send_main(int argc, char **argv)
{
	static const int sigs[] = {SIGUSR1};
	struct sender s = {.fd = -1, .stall_since = -1};
	long long port = -1, id = 0, rate = 1000000;
	const char *host = NULL;
	uint8_t hdr[HDR_LEN] = "VRDS";
	struct sockaddr_in sin;
	double seconds = 10;
	uint8_t *table;
	sigset_t mask;
	char *end;
	int opt;

	while ((opt = getopt(argc, argv, "c:p:i:t:r:h")) != -1) {
		switch (opt) {
		case 'c':
			host = optarg;
			break;
		case 'p':
			port = tool_number_parse(optarg, 1, 65535);
			break;
		case 'i':
			id = tool_number_parse(optarg, 0, UINT32_MAX);
			break;
		case 't':
			seconds = strtod(optarg, &end);
			if (end == optarg || *end || !(seconds >= 0) ||
			    seconds > 1e7) {
				seconds = -1;
			}
			break;
		case 'r':
			rate = tool_number_parse(optarg, 0, LLONG_MAX / 2);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!host || port < 0 || id < 0 || seconds < 0 || rate < 0 ||
	    optind != argc) {
		usage(stderr);
		return 2;
	}
	s.id = (uint32_t)id;
	if (host_resolve(host, port, &sin) < 0) {
		return 1;
	}
	table = pattern_table(s.id);
	if (!table) {
		fprintf(stderr, "vrd-stream: out of memory\n");
		return 1;
	}
	/* not blocked: a sender that never waits must still see SIGUSR1 */
	tool_signals_catch(sigs, 1, on_signal, false, &mask);

	s.fd = connect_retry(&sin);
	if (s.fd < 0) {
		fprintf(stderr, "vrd-stream: connect %s:%lld: %s\n", host, port,
			strerror(-s.fd));
		snprintf(s.error, sizeof(s.error), "connect: %s",
			 strerror(-s.fd));
		sender_print(&s);
		free(table);
		return 1;
	}
	s.have_info = sender_acked(&s, &s.acked_base) == 0;
	if (!s.have_info) {
		fprintf(stderr, "vrd-stream: no tcpi_bytes_acked: "
				"max_ack_gap_ms stays 0\n");
	}
	s.acked_now = s.acked_base;
	vrd_put_be32(hdr + 4, s.id);
	/* the first bytes on a new socket: the buffer has room */
	if (send(s.fd, hdr, sizeof(hdr), MSG_NOSIGNAL) != sizeof(hdr)) {
		sender_write_error(&s, errno);
	}

	if (!s.error[0]) {
		sender_stream(&s, table, seconds, rate, &mask);
	}
	if (!s.error[0] && shutdown(s.fd, SHUT_WR) < 0) {
		sender_write_error(&s, errno);
	}
	if (!s.error[0]) {
		sender_count(&s, &mask);
	}
	sender_sample(&s, tool_now_ns(), true);
	if (s.outstanding && tool_now_ns() - s.ack_since > s.max_ack_gap) {
		s.max_ack_gap = tool_now_ns() - s.ack_since;
	}
	sender_print(&s);
	if (s.error[0]) {
		fprintf(stderr, "vrd-stream: stream %u: %s\n", s.id, s.error);
	}
	close(s.fd);
	free(table);
	return s.error[0] ? 1 : 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 2 && strcmp(argv[1], "serve") == 0) {
		return serve_main(argc - 1, argv + 1);
	}
	if (argc >= 2 && strcmp(argv[1], "send") == 0) {
		return send_main(argc - 1, argv + 1);
	}
	if (argc >= 2 &&
	    (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return 2;
}
