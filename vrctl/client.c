/*
 * vrctl's client of the control socket (client.h): a blocking exchange
 * with a poll before every send and receive, so a stuck daemon costs
 * CTL_TIMEOUT_MS and no more.
 */
#include "vrctl/client.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "vrctl/ctlproto.h"

static int ctl_connect(const char *path, int *out)
{
	struct timeval tv = {.tv_sec = CTL_TIMEOUT_MS / 1000};
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd, err;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		return -errno;
	}
	/* connect() on a Unix socket waits for a full backlog this long */
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err = errno == EAGAIN || errno == EINPROGRESS ? -ETIMEDOUT
							      : -errno;
		goto close_fd;
	}
	*out = fd;
	return 0;

close_fd:
	close(fd);
	return err;
}

static int ctl_wait(int fd, short events)
{
	struct pollfd p = {.fd = fd, .events = events};
	int n;

	do {
		n = poll(&p, 1, CTL_TIMEOUT_MS);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		return -errno;
	}
	return n == 0 ? -ETIMEDOUT : 0;
}

static int ctl_send(int fd, const struct vrd_buf *b)
{
	size_t off = 0;

	while (off < b->len) {
		ssize_t n;
		int err = ctl_wait(fd, POLLOUT);

		if (err < 0) {
			return err;
		}
		n = send(fd, b->data + off, b->len - off,
			 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				continue;
			}
			return -errno;
		}
		off += (size_t)n;
	}
	return 0;
}

/*
 * Takes the whole frames at the start of b into rep: each ROW body is
 * checked and appended to the reply's encoded rows as it is. 1 when the
 * END came, 0 when more bytes are needed, -EBADMSG for a bad frame,
 * -E2BIG for too many rows, -ENOMEM.
 */
static int reply_take(struct vrd_buf *b, struct vrd_reply *rep)
{
	size_t off = 0;
	int err = 0;

	while (err == 0) {
		const uint8_t *body;
		size_t blen;
		uint8_t type;
		long n = vrd_ctl_frame(b->data + off, b->len - off, &type,
				       &body, &blen);

		if (n <= 0) {
			err = (int)n;
			break;
		}
		switch (type) {
		case VRD_CTL_ROW:
			if (rep->nrows >= CTL_ROWS_MAX) {
				return -E2BIG;
			}
			err = vrd_reply_append(rep, body, blen);
			break;
		case VRD_CTL_END:
			err = vrd_ctl_parse_end(body, blen, rep);
			if (err == 0) {
				return 1;
			}
			break;
		default:
			err = -EBADMSG;
			break;
		}
		off += (size_t)n;
	}
	/* once for all the frames taken, not once per frame */
	vrd_buf_consume(b, off);
	return err;
}

static int ctl_recv(int fd, struct vrd_reply *rep)
{
	struct vrd_buf b = {0};
	int err;

	for (;;) {
		ssize_t n;

		err = ctl_wait(fd, POLLIN);
		if (err < 0) {
			break;
		}
		err = vrd_buf_reserve(&b, 64 * 1024);
		if (err < 0) {
			break;
		}
		n = recv(fd, b.data + b.len, b.cap - b.len, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				continue;
			}
			err = -errno;
			break;
		}
		if (n == 0) {
			err = -ECONNRESET;
			break;
		}
		b.len += (size_t)n;
		err = reply_take(&b, rep);
		if (err != 0) {
			break;
		}
	}
	vrd_buf_free(&b);
	return err < 0 ? err : 0;
}

int vrctl_client_run(const char *path, int argc, char **argv,
		     struct vrd_reply *rep)
{
	struct vrd_buf b = {0};
	int fd = -1, err;

	err = vrd_ctl_put_request(&b, argc, argv);
	if (err < 0) {
		fprintf(stderr, "vrctl: request: %s\n", strerror(-err));
		goto free_buf;
	}
	err = ctl_connect(path, &fd);
	if (err < 0) {
		fprintf(stderr, "vrctl: cannot connect to %s: %s\n", path,
			strerror(-err));
		goto free_buf;
	}
	err = ctl_send(fd, &b);
	if (err < 0) {
		fprintf(stderr, "vrctl: %s: send: %s\n", path, strerror(-err));
		goto close_fd;
	}
	err = ctl_recv(fd, rep);
	if (err == -EBADMSG) {
		fprintf(stderr, "vrctl: %s: malformed reply from vrd\n", path);
	} else if (err == -E2BIG) {
		fprintf(stderr, "vrctl: %s: reply has more than %u rows\n",
			path, CTL_ROWS_MAX);
	} else if (err == -ETIMEDOUT) {
		fprintf(stderr, "vrctl: %s: no answer from vrd within %d s\n",
			path, CTL_TIMEOUT_MS / 1000);
	} else if (err == -ECONNRESET) {
		fprintf(stderr,
			"vrctl: %s: vrd closed the connection before "
			"its reply ended\n",
			path);
	} else if (err < 0) {
		fprintf(stderr, "vrctl: %s: %s\n", path, strerror(-err));
	}

close_fd:
	close(fd);
free_buf:
	vrd_buf_free(&b);
	return err;
}
