/*
 * vrd-ctl-idle: local clients that connect to vrd's control socket and
 * never send, the slow-loris of issue 12. Keeps N connections open for
 * SECONDS; each one vrd drops is opened again at once, so the slots stay
 * under pressure the whole time. Prints "dropped D" (how many connections
 * vrd closed) at the end.
 *
 *   vrd-ctl-idle SOCKET N SECONDS
 */
#include <poll.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "tool_util.h"

#define IDLE_MAX 1000

int main(int argc, char **argv)
{
	static struct pollfd p[IDLE_MAX];
	long long n, secs, dropped = 0;
	int64_t end;

	if (argc != 4 ||
	    (n = tool_number_parse(argv[2], 1, IDLE_MAX)) == LLONG_MIN ||
	    (secs = tool_number_parse(argv[3], 1, 3600)) == LLONG_MIN) {
		fprintf(stderr, "usage: vrd-ctl-idle SOCKET N SECONDS\n");
		return 2;
	}
	for (long long i = 0; i < n; i++) {
		p[i].fd = tool_unix_connect(argv[1]);
		p[i].events = POLLIN;
		if (p[i].fd < 0) {
			perror("vrd-ctl-idle: connect");
			return 1;
		}
	}
	end = tool_now_ns() + secs * 1000000000LL;
	while (tool_now_ns() < end) {
		if (poll(p, (nfds_t)n, 100) < 0 && errno != EINTR) {
			perror("vrd-ctl-idle: poll");
			return 1;
		}
		for (long long i = 0; i < n; i++) {
			char c;

			if (!p[i].revents ||
			    recv(p[i].fd, &c, 1, MSG_DONTWAIT) > 0) {
				continue;
			}
			/* closed by vrd: come straight back */
			close(p[i].fd);
			dropped++;
			p[i].fd = tool_unix_connect(argv[1]);
			if (p[i].fd < 0) {
				perror("vrd-ctl-idle: reconnect");
				return 1;
			}
		}
	}
	printf("dropped %lld\n", dropped);
	return 0;
}
