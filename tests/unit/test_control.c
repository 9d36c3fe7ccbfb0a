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
#include <sys/stat.h>
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
	if (strcmp(req->argv[0], "now") == 0 ||
	    strcmp(req->argv[0], "status") == 0) {
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
	f.ctl = vrd_control_create(
		f.loop, &(struct vrd_control_options){.path = f.path}, handler,
		&f);
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

/* A client that connects and says nothing: the slot, not the socket */
static int client_idle(struct fixture *f)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	strcpy(sun.sun_path, f->path);
	assert_int_equal(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	return fd;
}

/* Sends word and returns the status of the reply (the answer in answer). */
static int ask(struct fixture *f, const char *word, char answer[64])
{
	uint8_t buf[4096];
	int status, fd = client_send(f, word);

	spin(f, 5);
	reply_parse(buf, client_read(fd, buf, sizeof(buf)), answer, &status);
	close(fd);
	return status;
}

/* 20 clients that never send hold 20 of the slots, and only for
 * VRD_CONTROL_FIRST_MS: vrctl is answered meanwhile and after (issue 12). */
static void test_idle_clients(void **state)
{
	struct fixture *f = *state;
	struct vrd_control_stats st;
	int idle[20];
	char answer[64];
	uint64_t t0;

	for (size_t i = 0; i < 20; i++) {
		idle[i] = client_idle(f);
	}
	spin(f, 3);
	assert_int_equal(ask(f, "now", answer), 0);
	assert_string_equal(answer, "now");
	t0 = vrd_loop_now(f->loop);
	do {
		vrd_loop_once(f->loop, 50);
		vrd_control_get_stats(f->ctl, &st);
	} while (st.timeouts < 20 &&
		 vrd_loop_now(f->loop) - t0 < VRD_CONTROL_IDLE_MS);
	assert_int_equal(st.timeouts, 20);
	/* dropped at the first deadline, well before the total one */
	assert_true(vrd_loop_now(f->loop) - t0 < VRD_CONTROL_FIRST_MS + 500);
	assert_int_equal(st.rejected, 0);
	for (size_t i = 0; i < 20; i++) {
		close(idle[i]);
	}
	assert_int_equal(ask(f, "now", answer), 0);
}

/* More clients than slots: the rest are turned away, not queued forever. */
static void test_slots_full(void **state)
{
	struct fixture *f = *state;
	struct vrd_control_stats st;
	int idle[VRD_CONTROL_CLIENTS_MAX + 4];
	size_t n = sizeof(idle) / sizeof(idle[0]);

	for (size_t i = 0; i < n; i++) {
		idle[i] = client_idle(f);
		spin(f, 1);
	}
	spin(f, 3);
	vrd_control_get_stats(f->ctl, &st);
	assert_int_equal(st.rejected, 4);
	for (size_t i = 0; i < n; i++) {
		close(idle[i]);
	}
}

static struct ctl_req_words {
	int argc;
	const char *argv[4];
	bool reads;
} read_cases[] = {
	{1, {"status"}, true},
	{1, {"peers"}, true},
	{1, {"stats"}, true},
	{1, {"metrics"}, true},
	{2, {"events", "5"}, true},
	{2, {"route", "192.0.2.1"}, true},
	{1, {"lndt"}, true},
	{3, {"gndt", "--vn", "2"}, true},
	{1, {"proxy"}, true},
	{3, {"lndt", "add", "192.0.2.0/24"}, false},
	{3, {"lndt", "--vn", "2"}, true},
	{4, {"lndt", "--vn", "2", "add"}, false},
	{3, {"hwdt", "del", "192.0.2.1"}, false},
	{3, {"proxy", "add", "192.0.2.1"}, false},
	{2, {"announce", "192.0.2.1"}, false},
	{3, {"claim", "192.0.2.1", "52:54:00:00:00:01"}, false},
	{2, {"query", "52:54:00:00:00:01"}, false},
	{1, {"bogus"}, false},
};

static void test_request_reads(void **state)
{
	for (size_t i = 0; i < sizeof(read_cases) / sizeof(read_cases[0]);
	     i++) {
		struct vrd_ctl_request req = {.argc = read_cases[i].argc};

		for (int j = 0; j < req.argc; j++) {
			snprintf(req.argv[j], sizeof(req.argv[j]), "%s",
				 read_cases[i].argv[j]);
		}
		if (vrd_control_request_reads(&req) != read_cases[i].reads) {
			print_error("case %zu: %s\n", i, req.argv[0]);
		}
		assert_int_equal(vrd_control_request_reads(&req),
				 read_cases[i].reads);
	}
}

/* The read-only socket hands reads to the handler and refuses the rest
 * without calling it. */
static void test_read_only(void **state)
{
	struct fixture *f = *state;
	struct vrd_control *rw = f->ctl;
	struct vrd_control_stats st;
	char path[96], answer[64];
	int calls;

	snprintf(path, sizeof(path), "%s", f->path);
	snprintf(f->path, sizeof(f->path), "%s/ro.sock", f->dir);
	f->ctl = vrd_control_create(f->loop,
				    &(struct vrd_control_options){
					    .path = f->path, .read_only = true},
				    handler, f);
	assert_non_null(f->ctl);
	assert_int_equal(ask(f, "status", answer), 0);
	assert_string_equal(answer, "now");
	calls = f->calls;
	assert_int_equal(ask(f, "now", answer), -EPERM);
	assert_int_equal(f->calls, calls);
	vrd_control_get_stats(f->ctl, &st);
	assert_int_equal(st.read_only_refused, 1);
	vrd_control_destroy(f->ctl);
	f->ctl = rw;
	snprintf(f->path, sizeof(f->path), "%s", path);
}

static struct vrd_control *make(struct fixture *f, const char *path, char *why,
				size_t size)
{
	return vrd_control_create(
		f->loop,
		&(struct vrd_control_options){
			.path = path, .why = why, .why_size = size},
		handler, f);
}

/* A folder others can write to and is not sticky is refused, since
 * anyone could replace the socket; a sticky one (as /tmp) is fine. */
static void test_dir_writable(void **state)
{
	struct fixture *f = *state;
	struct vrd_control *c;
	char dir[128], path[160], why[256];

	snprintf(dir, sizeof(dir), "%s/open", f->dir);
	snprintf(path, sizeof(path), "%s/x.sock", dir);
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(chmod(dir, 0777), 0);
	errno = 0;
	assert_null(make(f, path, why, sizeof(why)));
	assert_int_equal(errno, EPERM);
	assert_non_null(strstr(why, "is writable by group or others"));
	assert_non_null(strstr(why, dir));
	assert_int_equal(chmod(dir, 0775), 0);
	assert_null(make(f, path, why, sizeof(why)));
	assert_int_equal(chmod(dir, 01777), 0);
	c = make(f, path, why, sizeof(why));
	assert_non_null(c);
	vrd_control_destroy(c);
	assert_int_equal(rmdir(dir), 0);
}

/* bind is the exclusive create: what is at the path already is replaced
 * only when it is a dead socket of ours. */
static void test_path_taken(void **state)
{
	struct fixture *f = *state;
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct vrd_control *c;
	char path[160], why[256];
	int fd;

	snprintf(path, sizeof(path), "%s/taken.sock", f->dir);
	close(open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
	errno = 0;
	assert_null(make(f, path, why, sizeof(why)));
	assert_int_equal(errno, EEXIST);
	assert_non_null(strstr(why, "is not our socket"));
	assert_int_equal(unlink(path), 0);

	/* a live daemon's socket: refused, and left alone */
	assert_null(make(f, f->path, why, sizeof(why)));
	assert_int_equal(errno, EADDRINUSE);
	assert_int_equal(ask(f, "now", why), 0);

	/* a dead one's: replaced */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	strcpy(sun.sun_path, path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	close(fd);
	c = make(f, path, why, sizeof(why));
	assert_non_null(c);
	vrd_control_destroy(c);
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
		cmocka_unit_test_setup_teardown(test_idle_clients, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_slots_full, setup,
						teardown),
		cmocka_unit_test(test_request_reads),
		cmocka_unit_test_setup_teardown(test_read_only, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_dir_writable, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_path_taken, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
