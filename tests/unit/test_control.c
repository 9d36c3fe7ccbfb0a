/* The control socket: requests answered at once, deferred requests
 * completed later (or from inside the handler), and completions for a
 * client that went away are no-ops. A real Unix socket and the real loop. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "vrd/control.h"
#include "vrctl/ctlproto.h"
#include "vrd/loop.h"

struct fixture {
	char dir[64], path[96];
	struct vrd_loop *loop;
	struct vrd_control *ctl;
	uint64_t handle; /* the last deferred request */
	int calls;
};

static struct fixture *F;

/* "now": one row at once; "later": deferred; "inside": deferred and
 * completed before the handler returns; anything else: an error. */
static void handler(const struct vrd_ctl_request *req, struct vrd_reply *rep,
		    void *arg)
{
	struct fixture *f = arg;
	struct vrd_reply done;
	struct vrd_row *row;

	f->calls++;
	if (strcmp(req->argv[0], "now") == 0) {
		rep->kind = VRD_REPLY_TABLE;
		row = vrd_reply_row(rep);
		vrd_row_add_str(row, "answer", "now");
		return;
	}
	if (strcmp(req->argv[0], "later") == 0) {
		f->handle = vrd_control_defer(f->ctl);
		/* the rep the handler holds is discarded */
		vrd_reply_error(rep, -EIO, "must not be sent");
		return;
	}
	if (strcmp(req->argv[0], "inside") == 0) {
		f->handle = vrd_control_defer(f->ctl);
		vrd_reply_init(&done, VRD_REPLY_TABLE);
		row = vrd_reply_row(&done);
		vrd_row_add_str(row, "answer", "inside");
		assert_int_equal(vrd_control_complete(f->ctl, f->handle, &done),
				 0);
		vrd_reply_free(&done);
		return;
	}
	vrd_reply_error(rep, -ENOENT, "unknown");
}

static int setup(void **state)
{
	static struct fixture f;

	memset(&f, 0, sizeof(f));
	snprintf(f.dir, sizeof(f.dir), "/tmp/vrd-test-control.XXXXXX");
	assert_non_null(mkdtemp(f.dir));
	snprintf(f.path, sizeof(f.path), "%s/ctl.sock", f.dir);
	f.loop = vrd_loop_create();
	assert_non_null(f.loop);
	f.ctl = vrd_control_create(f.loop, f.path, handler, &f);
	assert_non_null(f.ctl);
	F = &f;
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	vrd_control_destroy(f->ctl);
	vrd_loop_destroy(f->loop);
	rmdir(f->dir);
	return 0;
}

static int client_send(struct fixture *f, const char *word)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	char *argv[1] = {(char *)word};
	struct vrd_buf b = {0};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	strcpy(sun.sun_path, f->path);
	assert_int_equal(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(vrd_ctl_put_request(&b, 1, argv), 0);
	assert_int_equal(send(fd, b.data, b.len, 0), (ssize_t)b.len);
	vrd_buf_free(&b);
	return fd;
}

/* Runs the loop a few rounds (accept, read, answer, flush). */
static void spin(struct fixture *f, int rounds)
{
	for (int i = 0; i < rounds; i++) {
		vrd_loop_once(f->loop, 10);
	}
}

/* Whatever the client can read now, without waiting. */
static size_t client_read(int fd, uint8_t *buf, size_t cap)
{
	size_t len = 0;

	for (;;) {
		ssize_t n = recv(fd, buf + len, cap - len, MSG_DONTWAIT);

		if (n <= 0) {
			return len;
		}
		len += (size_t)n;
	}
}

/* Parses a whole reply: the value of field "answer" of its one row (or
 * "" for none) and its status. */
static void reply_parse(const uint8_t *buf, size_t len, char *answer,
			int *status)
{
	struct vrd_reply rep;
	size_t off = 0;
	bool ended = false;

	vrd_reply_init(&rep, VRD_REPLY_NONE);
	answer[0] = '\0';
	while (off < len) {
		const uint8_t *body;
		size_t blen;
		uint8_t type;
		long n = vrd_ctl_frame(buf + off, len - off, &type, &body,
				       &blen);

		assert_true(n > 0);
		if (type == VRD_CTL_ROW) {
			assert_int_equal(vrd_reply_append(&rep, body, blen), 0);
		} else {
			assert_int_equal(type, VRD_CTL_END);
			assert_int_equal(vrd_ctl_parse_end(body, blen, &rep),
					 0);
			ended = true;
		}
		off += (size_t)n;
	}
	assert_true(ended);
	if (rep.nrows > 0) {
		struct vrd_row row;
		const struct vrd_field *fl;

		assert_int_equal(vrd_reply_get(&rep, 0, &row), 0);
		fl = vrd_row_find(&row, "answer");
		assert_non_null(fl);
		strcpy(answer, fl->v.s);
	}
	*status = rep.status;
	vrd_reply_free(&rep);
}

static void test_immediate(void **state)
{
	struct fixture *f = *state;
	uint8_t buf[4096];
	char answer[64];
	struct vrd_control_stats st;
	int status, fd = client_send(f, "now");
	size_t len;

	spin(f, 5);
	len = client_read(fd, buf, sizeof(buf));
	reply_parse(buf, len, answer, &status);
	assert_string_equal(answer, "now");
	assert_int_equal(status, 0);
	vrd_control_get_stats(f->ctl, &st);
	assert_int_equal(st.requests, 1);
	assert_int_equal(st.deferred, 0);
	close(fd);
}

static void test_deferred(void **state)
{
	struct fixture *f = *state;
	struct vrd_reply rep;
	struct vrd_control_stats st;
	uint8_t buf[4096];
	char answer[64];
	int status, fd = client_send(f, "later");
	size_t len;

	spin(f, 5);
	assert_int_equal(f->calls, 1);
	assert_true(f->handle != 0);
	/* nothing yet: the client waits, the connection stays open */
	assert_int_equal(client_read(fd, buf, sizeof(buf)), 0);
	vrd_control_get_stats(f->ctl, &st);
	assert_int_equal(st.requests, 0);
	assert_int_equal(st.deferred, 1);

	vrd_reply_init(&rep, VRD_REPLY_TABLE);
	vrd_row_add_str(vrd_reply_row(&rep), "answer", "later");
	assert_int_equal(vrd_control_complete(f->ctl, f->handle, &rep), 0);
	/* a second completion of the same request finds nobody */
	assert_int_equal(vrd_control_complete(f->ctl, f->handle, &rep),
			 -ENOENT);
	vrd_reply_free(&rep);
	spin(f, 3);
	len = client_read(fd, buf, sizeof(buf));
	reply_parse(buf, len, answer, &status);
	assert_string_equal(answer, "later");
	assert_int_equal(status, 0);
	vrd_control_get_stats(f->ctl, &st);
	assert_int_equal(st.requests, 1);
	close(fd);
}

static void test_deferred_error(void **state)
{
	struct fixture *f = *state;
	struct vrd_reply rep;
	uint8_t buf[4096];
	char answer[64];
	int status, fd = client_send(f, "later");

	spin(f, 5);
	vrd_reply_init(&rep, VRD_REPLY_TABLE);
	vrd_reply_error(&rep, -ENOENT, "nobody has it");
	assert_int_equal(vrd_control_complete(f->ctl, f->handle, &rep), 0);
	vrd_reply_free(&rep);
	spin(f, 3);
	reply_parse(buf, client_read(fd, buf, sizeof(buf)), answer, &status);
	assert_string_equal(answer, "");
	assert_int_equal(status, -ENOENT);
	close(fd);
}

static void test_completed_inside(void **state)
{
	struct fixture *f = *state;
	uint8_t buf[4096];
	char answer[64];
	int status, fd = client_send(f, "inside");

	spin(f, 5);
	reply_parse(buf, client_read(fd, buf, sizeof(buf)), answer, &status);
	assert_string_equal(answer, "inside");
	assert_int_equal(status, 0);
	close(fd);
}

/* The client hangs up while its request is deferred: dropped, and the
 * late completion is a counted no-op. */
static void test_client_gone(void **state)
{
	struct fixture *f = *state;
	struct vrd_control_stats st;
	struct vrd_reply rep;
	int fd = client_send(f, "later");
	uint64_t handle;

	spin(f, 5);
	handle = f->handle;
	assert_true(handle != 0);
	close(fd);
	spin(f, 5);
	vrd_reply_init(&rep, VRD_REPLY_TABLE);
	assert_int_equal(vrd_control_complete(f->ctl, handle, &rep), -ENOENT);
	vrd_reply_free(&rep);
	vrd_control_get_stats(f->ctl, &st);
	assert_int_equal(st.deferred_lost, 1);
	assert_int_equal(st.requests, 0);
}

/* Two deferred requests get distinct handles and each its own answer. */
static void test_two_deferred(void **state)
{
	struct fixture *f = *state;
	struct vrd_reply rep;
	uint8_t buf[4096];
	char answer[64];
	int status, fd1 = client_send(f, "later"), fd2;
	uint64_t h1, h2;

	spin(f, 5);
	h1 = f->handle;
	fd2 = client_send(f, "later");
	spin(f, 5);
	h2 = f->handle;
	assert_true(h1 != 0 && h2 != 0 && h1 != h2);
	vrd_reply_init(&rep, VRD_REPLY_TABLE);
	vrd_row_add_str(vrd_reply_row(&rep), "answer", "second");
	assert_int_equal(vrd_control_complete(f->ctl, h2, &rep), 0);
	vrd_reply_free(&rep);
	spin(f, 3);
	assert_int_equal(client_read(fd1, buf, sizeof(buf)), 0);
	reply_parse(buf, client_read(fd2, buf, sizeof(buf)), answer, &status);
	assert_string_equal(answer, "second");
	vrd_reply_init(&rep, VRD_REPLY_TABLE);
	vrd_row_add_str(vrd_reply_row(&rep), "answer", "first");
	assert_int_equal(vrd_control_complete(f->ctl, h1, &rep), 0);
	vrd_reply_free(&rep);
	spin(f, 3);
	reply_parse(buf, client_read(fd1, buf, sizeof(buf)), answer, &status);
	assert_string_equal(answer, "first");
	close(fd1);
	close(fd2);
}

static void test_defer_outside_handler(void **state)
{
	struct fixture *f = *state;
	struct vrd_reply rep;

	assert_int_equal(vrd_control_defer(f->ctl), 0);
	vrd_reply_init(&rep, VRD_REPLY_NONE);
	assert_int_equal(vrd_control_complete(f->ctl, 0, &rep), -ENOENT);
	assert_int_equal(vrd_control_complete(f->ctl, 12345, &rep), -ENOENT);
	vrd_reply_free(&rep);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_immediate, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_deferred, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deferred_error, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_completed_inside, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_client_gone, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_two_deferred, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_defer_outside_handler,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
