/*
 * vrd-ctl-storm: a write storm on a running vrd's control socket, for the
 * kill -9 test. Sends `hwdt add IP MAC --vn VN` requests as fast as the
 * daemon answers, and prints "IP VN" on stdout (flushed) for each one the
 * daemon acknowledged, i.e. after its LMDB transaction committed. Whatever
 * it printed before the daemon died must be in the tables afterwards.
 *
 *   vrd-ctl-storm SOCKET COUNT [FIRST]
 *
 * Entry i (from FIRST) is 192.0.2.(1 + i % 254), 52:54:00:xx:xx:xx from
 * i, VN 1 + i / 254: distinct keys for every i, and never the network's
 * own or broadcast address, which vrd refuses as a host.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "vrctl/ctlproto.h"
#include "tool_util.h"

/* One request, one reply: the reply's status, or a negative errno when
 * the daemon went away. */
static int exchange(const char *path, int argc, char *argv[])
{
	struct vrd_buf out = {0}, in = {0};
	int fd = tool_unix_connect(path), rc = -EPIPE;

	if (fd < 0) {
		return -ECONNREFUSED;
	}
	if (vrd_ctl_put_request(&out, argc, argv) < 0 ||
	    send(fd, out.data, out.len, MSG_NOSIGNAL) != (ssize_t)out.len) {
		goto out;
	}
	for (;;) {
		const uint8_t *body;
		size_t body_len;
		uint8_t type;
		long frame;
		ssize_t n;

		frame = vrd_ctl_frame(in.data, in.len, &type, &body, &body_len);
		if (frame < 0) {
			goto out;
		}
		if (frame > 0 && type == VRD_CTL_END) {
			struct vrd_reply rep;

			vrd_reply_init(&rep, VRD_REPLY_NONE);
			rc = vrd_ctl_parse_end(body, body_len, &rep) < 0
				     ? -EBADMSG
				     : rep.status;
			goto out;
		}
		if (frame > 0) {
			vrd_buf_consume(&in, (size_t)frame);
			continue;
		}
		if (vrd_buf_reserve(&in, 4096) < 0) {
			goto out;
		}
		n = recv(fd, in.data + in.len, in.cap - in.len, 0);
		if (n <= 0) {
			goto out;
		}
		in.len += (size_t)n;
	}
out:
	close(fd);
	vrd_buf_free(&out);
	vrd_buf_free(&in);
	return rc;
}

int main(int argc, char **argv)
{
	unsigned long count, first = 0;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: vrd-ctl-storm SOCKET COUNT [FIRST]\n");
		return 2;
	}
	count = strtoul(argv[2], NULL, 10);
	if (argc == 4) {
		first = strtoul(argv[3], NULL, 10);
	}
	for (unsigned long i = first; i < first + count; i++) {
		char ip[24], mac[32], vn[24];
		char *req[] = {"hwdt", "add", ip, mac, "--vn", vn};
		int rc;

		snprintf(ip, sizeof(ip), "192.0.2.%lu", 1 + i % 254);
		snprintf(mac, sizeof(mac), "52:54:00:%02lx:%02lx:%02lx",
			 (i >> 16) & 255, (i >> 8) & 255, i & 255);
		snprintf(vn, sizeof(vn), "%lu", 1 + i / 254);
		rc = exchange(argv[1], 6, req);
		if (rc < 0) {
			fprintf(stderr, "vrd-ctl-storm: request %lu: %s\n", i,
				strerror(-rc));
			return 1;
		}
		printf("%s %s\n", ip, vn);
		fflush(stdout);
	}
	return 0;
}
