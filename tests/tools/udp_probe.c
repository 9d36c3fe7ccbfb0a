/*
 * vrd-udp-probe: the "5 ms UDP probe" that measures an outage.
 *
 *   vrd-udp-probe echo -p PORT [-b ADDR]
 *   vrd-udp-probe send -c HOST -p PORT [-i MS] [-t SECONDS]
 *
 * echo sends every datagram back to its sender until SIGTERM or SIGINT,
 * then exits 0.
 *
 * send sends a probe every MS milliseconds (default 5) for SECONDS
 * (decimals allowed; default until SIGTERM, SIGINT or SIGUSR1), waits up to
 * 200 ms for the last echoes and prints
 *   {"sent":N,"received":N,"lost":N,"max_gap_ms":X,
 *    "outages":[{"start_ms":S,"gap_ms":G},...]}
 * A gap is the time between two consecutive echoes (by arrival), an outage
 * a gap over 3 * MS, starting at the arrival of the echo before it; S is
 * relative to the tool's start. A probe that could not be sent counts as
 * sent and lost; duplicate and foreign datagrams are ignored. SIGUSR2
 * prints the same line without stopping (probes in flight count as lost
 * there). Exit 0.
 *
 * Probe (20 bytes): "VRDP", 8-byte big-endian sequence number, 8-byte
 * big-endian CLOCK_MONOTONIC send time in ns.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/bytes.h"
#include "tests/tools/tool_util.h"

#define PROBE_LEN 20
#define GRACE_NS (200 * NS_PER_MS)
#define NS_PER_MS 1000000ll
#define NS_PER_S 1000000000ll

static volatile sig_atomic_t stop_flag, sample_flag;

static void on_signal(int sig)
{
	if (sig == SIGUSR2) {
		sample_flag = 1;
	} else {
		stop_flag = 1;
	}
}

static void usage(FILE *f)
{
	fprintf(f, "usage: vrd-udp-probe echo -p PORT [-b ADDR]\n"
		   "       vrd-udp-probe send -c HOST -p PORT [-i MS] "
		   "[-t SECONDS]\n");
}

/* ---- echo ---- */

static int echo_main(int argc, char **argv)
{
	static const int sigs[] = {SIGTERM, SIGINT};
	struct sockaddr_in sin = {.sin_family = AF_INET};
	const char *bind_addr = "0.0.0.0";
	static uint8_t buf[65536];
	unsigned long failed = 0;
	long port = -1;
	sigset_t mask;
	int opt, fd;

	while ((opt = getopt(argc, argv, "p:b:h")) != -1) {
		switch (opt) {
		case 'p':
			port = tool_number_parse(optarg, 1, 65535);
			break;
		case 'b':
			bind_addr = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (port < 0 || optind != argc) {
		usage(stderr);
		return 2;
	}
	sin.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, bind_addr, &sin.sin_addr) != 1) {
		fprintf(stderr, "vrd-udp-probe: bad bind address %s\n",
			bind_addr);
		return 2;
	}
	tool_signals_catch(sigs, 2, on_signal, true, &mask);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		fprintf(stderr, "vrd-udp-probe: bind %s:%ld: %s\n", bind_addr,
			port, strerror(errno));
		return 1;
	}
	while (!stop_flag) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};

		if (tool_ppoll_ns(&pfd, 1, -1, &mask) <= 0) {
			continue;
		}
		for (int budget = 64; budget > 0; budget--) {
			struct sockaddr_in from;
			socklen_t len = sizeof(from);
			ssize_t n = recvfrom(fd, buf, sizeof(buf), 0,
					     (struct sockaddr *)&from, &len);

			if (n < 0) {
				break;
			}
			if (sendto(fd, buf, (size_t)n, 0,
				   (struct sockaddr *)&from, len) < 0 &&
			    failed++ == 0) {
				fprintf(stderr, "vrd-udp-probe: echo: %s\n",
					strerror(errno));
			}
		}
	}
	close(fd);
	return 0;
}

/* ---- send ---- */

struct outage {
	int64_t start;
	int64_t gap;
};

struct probe {
	int fd;
	int64_t interval;
	int64_t t0;
	uint64_t sent;
	uint64_t received;
	uint8_t *seen; /* one bit per sequence number */
	size_t seen_bytes;
	int64_t last_rx; /* -1 before the first echo */
	int64_t max_gap;
	struct outage *outages;
	size_t n_outages;
	size_t cap_outages;
	unsigned long send_failed;
};

static void probe_print(const struct probe *p)
{
	printf("{\"sent\":%llu,\"received\":%llu,\"lost\":%llu,"
	       "\"max_gap_ms\":%.3f,\"outages\":[",
	       (unsigned long long)p->sent, (unsigned long long)p->received,
	       (unsigned long long)(p->sent - p->received),
	       (double)p->max_gap / NS_PER_MS);
	for (size_t i = 0; i < p->n_outages; i++) {
		printf("%s{\"start_ms\":%.3f,\"gap_ms\":%.3f}", i ? "," : "",
		       (double)p->outages[i].start / NS_PER_MS,
		       (double)p->outages[i].gap / NS_PER_MS);
	}
	printf("]}\n");
}

static int probe_send(struct probe *p, int64_t now)
{
	uint8_t buf[PROBE_LEN];

	if ((p->sent >> 3) >= p->seen_bytes) {
		size_t n = p->seen_bytes ? p->seen_bytes * 2 : 4096;
		uint8_t *seen = realloc(p->seen, n);

		if (!seen) {
			return -ENOMEM;
		}
		memset(seen + p->seen_bytes, 0, n - p->seen_bytes);
		p->seen = seen;
		p->seen_bytes = n;
	}
	memcpy(buf, "VRDP", 4);
	vrd_put_be64(buf + 4, p->sent);
	vrd_put_be64(buf + 12, (uint64_t)now);
	/* a probe the kernel refused (no route, ...) is sent and lost */
	if (send(p->fd, buf, sizeof(buf), 0) < 0 && p->send_failed++ == 0) {
		fprintf(stderr, "vrd-udp-probe: send: %s\n", strerror(errno));
	}
	p->sent++;
	return 0;
}

static int probe_gap_add(struct probe *p, int64_t now)
{
	int64_t gap = now - p->last_rx;

	if (gap > p->max_gap) {
		p->max_gap = gap;
	}
	if (gap <= 3 * p->interval) {
		return 0;
	}
	if (p->n_outages == p->cap_outages) {
		size_t n = p->cap_outages ? p->cap_outages * 2 : 16;
		struct outage *o = realloc(p->outages, n * sizeof(*o));

		if (!o) {
			return -ENOMEM;
		}
		p->outages = o;
		p->cap_outages = n;
	}
	p->outages[p->n_outages].start = p->last_rx - p->t0;
	p->outages[p->n_outages].gap = gap;
	p->n_outages++;
	return 0;
}

static int probe_receive(struct probe *p)
{
	uint8_t buf[64];

	for (int budget = 64; budget > 0; budget--) {
		ssize_t n = recv(p->fd, buf, sizeof(buf), MSG_DONTWAIT);
		int64_t now = tool_now_ns();
		uint64_t seq;

		/* ECONNREFUSED: an ICMP error, the outage shows anyway */
		if (n < 0 && (errno == EAGAIN || errno == ECONNREFUSED ||
			      errno == EINTR)) {
			return 0;
		}
		if (n < 0) {
			return -errno;
		}
		if (n != PROBE_LEN || memcmp(buf, "VRDP", 4) != 0) {
			continue;
		}
		seq = vrd_get_be64(buf + 4);
		if (seq >= p->sent ||
		    (p->seen[seq >> 3] & (1u << (seq & 7))) != 0) {
			continue;
		}
		p->seen[seq >> 3] |= (uint8_t)(1u << (seq & 7));
		p->received++;
		if (p->last_rx >= 0 && probe_gap_add(p, now) < 0) {
			return -ENOMEM;
		}
		p->last_rx = now;
	}
	return 0;
}

static int probe_open(const char *host, long port)
{
	struct addrinfo hints = {.ai_family = AF_INET,
				 .ai_socktype = SOCK_DGRAM};
	struct addrinfo *res;
	struct sockaddr_in sin;
	int rc = getaddrinfo(host, NULL, &hints, &res), fd;

	if (rc != 0) {
		fprintf(stderr, "vrd-udp-probe: %s: %s\n", host,
			gai_strerror(rc));
		return -1;
	}
	memcpy(&sin, res->ai_addr, sizeof(sin));
	sin.sin_port = htons((uint16_t)port);
	freeaddrinfo(res);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		fprintf(stderr, "vrd-udp-probe: %s:%ld: %s\n", host, port,
			strerror(errno));
		if (fd >= 0) {
			close(fd);
		}
		return -1;
	}
	return fd;
}

static int probe_run(struct probe *p, double seconds, const sigset_t *mask)
{
	int64_t end =
		seconds < 0 ? INT64_MAX : p->t0 + (int64_t)(seconds * NS_PER_S);
	int64_t next = p->t0, grace_end = INT64_MAX, now;
	int rc = 0;

	for (;;) {
		struct pollfd pfd = {.fd = p->fd, .events = POLLIN};
		int64_t wake;

		now = tool_now_ns();
		if (sample_flag) {
			sample_flag = 0;
			probe_print(p);
		}
		if (grace_end == INT64_MAX && (stop_flag || now >= end)) {
			grace_end = now + GRACE_NS;
		}
		if (grace_end != INT64_MAX &&
		    (now >= grace_end || p->received == p->sent)) {
			break;
		}
		if (grace_end == INT64_MAX && now >= next) {
			rc = probe_send(p, now);
			if (rc < 0) {
				break;
			}
			next += p->interval;
			if (next <= now) {
				/* late by a whole interval: skip, no burst */
				next = now + p->interval;
			}
		}
		wake = grace_end != INT64_MAX ? grace_end : next;
		wake = wake < end ? wake : end;
		if (tool_ppoll_ns(&pfd, 1, wake > now ? wake - now : 0, mask) >
		    0) {
			rc = probe_receive(p);
			if (rc < 0) {
				break;
			}
		}
	}
	return rc;
}

static int send_main(int argc, char **argv)
{
	static const int sigs[] = {SIGTERM, SIGINT, SIGUSR1, SIGUSR2};
	struct probe p = {.fd = -1, .last_rx = -1};
	const char *host = NULL;
	long port = -1, interval_ms = 5;
	double seconds = -1;
	sigset_t mask;
	char *end;
	int opt, rc;

	while ((opt = getopt(argc, argv, "c:p:i:t:h")) != -1) {
		switch (opt) {
		case 'c':
			host = optarg;
			break;
		case 'p':
			port = tool_number_parse(optarg, 1, 65535);
			break;
		case 'i':
			interval_ms = tool_number_parse(optarg, 1, 3600000);
			break;
		case 't':
			seconds = strtod(optarg, &end);
			if (end == optarg || *end || !(seconds >= 0) ||
			    seconds > 1e7) {
				seconds = -2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!host || port < 0 || interval_ms < 0 || seconds == -2 ||
	    optind != argc) {
		usage(stderr);
		return 2;
	}
	tool_signals_catch(sigs, 4, on_signal, true, &mask);
	p.fd = probe_open(host, port);
	if (p.fd < 0) {
		return 1;
	}
	p.interval = interval_ms * NS_PER_MS;
	p.t0 = tool_now_ns();
	rc = probe_run(&p, seconds, &mask);
	probe_print(&p);
	if (rc < 0) {
		fprintf(stderr, "vrd-udp-probe: %s\n", strerror(-rc));
	}
	if (p.send_failed) {
		fprintf(stderr, "vrd-udp-probe: %lu probes not sent\n",
			p.send_failed);
	}
	close(p.fd);
	free(p.seen);
	free(p.outages);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 2 && strcmp(argv[1], "echo") == 0) {
		return echo_main(argc - 1, argv + 1);
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
