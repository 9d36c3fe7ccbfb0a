/* Small helpers the test tools share: a monotonic clock, a strict
 * number parser for command-line options, signals, and a Unix socket
 * client. */
#ifndef VRD_TOOL_UTIL_H
#define VRD_TOOL_UTIL_H

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* CLOCK_MONOTONIC in ns. */
static inline int64_t tool_now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* A whole decimal number in [min, max], or LLONG_MIN. */
static inline long long tool_number_parse(const char *s, long long min,
					  long long max)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		return LLONG_MIN;
	}
	return v;
}

/* Catches sigs with handler (no SA_RESTART). With block they are delivered
 * only inside ppoll(), which waits with *during (the mask before, without
 * them); without, *during is still filled for the ppoll() calls. */
static inline void tool_signals_catch(const int *sigs, size_t n,
				      void (*handler)(int), bool block,
				      sigset_t *during)
{
	struct sigaction sa;
	sigset_t set;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sigemptyset(&sa.sa_mask);
	sigemptyset(&set);
	for (size_t i = 0; i < n; i++) {
		sigaction(sigs[i], &sa, NULL);
		sigaddset(&set, sigs[i]);
	}
	sigprocmask(SIG_BLOCK, block ? &set : NULL, during);
	for (size_t i = 0; i < n; i++) {
		sigdelset(during, sigs[i]);
	}
}

/* ppoll() with a timeout in ns; negative: none. */
static inline int tool_ppoll_ns(struct pollfd *fds, nfds_t n,
				int64_t timeout_ns, const sigset_t *mask)
{
	struct timespec ts;

	if (timeout_ns < 0) {
		return ppoll(fds, n, NULL, mask);
	}
	ts.tv_sec = (time_t)(timeout_ns / 1000000000);
	ts.tv_nsec = (long)(timeout_ns % 1000000000);
	return ppoll(fds, n, &ts, mask);
}

/* A connected Unix stream socket to path, or -1. */
static inline int tool_unix_connect(const char *path)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		return -1;
	}
	strcpy(sun.sun_path, path);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

#endif
