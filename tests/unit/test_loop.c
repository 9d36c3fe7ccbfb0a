/* The event loop: timers fire in due order, cancel and re-arm, fd
 * callbacks, removal from inside a callback, signals through signalfd. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/clock.h"
#include "vrd/loop.h"

#define NTIMERS 200

struct order {
	int fired[NTIMERS];
	int n;
};

struct tctx {
	struct order *o;
	int id;
};

static void record(struct vrd_loop *loop, struct vrd_timer *t, void *arg)
{
	struct tctx *c = arg;

	c->o->fired[c->o->n++] = c->id;
}

static void stop_cb(struct vrd_loop *loop, struct vrd_timer *t, void *arg)
{
	vrd_loop_stop(loop);
}

/* Timers armed in a scrambled order fire by due time; cancelled ones
 * never fire; a re-armed one fires at its new time. */
static void test_timers_order(void **state)
{
	struct vrd_loop *loop = vrd_loop_create();
	static struct vrd_timer timers[NTIMERS], stop;
	static struct tctx ctx[NTIMERS];
	struct order o = {0};
	unsigned seed = 42;

	assert_non_null(loop);
	for (int i = 0; i < NTIMERS; i++) {
		ctx[i] = (struct tctx){.o = &o, .id = i};
		vrd_timer_init(&timers[i], record, &ctx[i]);
	}
	/* arm in a pseudo-random order; delay i ms keeps ids == due order */
	for (int k = 0; k < NTIMERS; k++) {
		int i = (int)(((unsigned)k * 7919u + seed) % NTIMERS);

		assert_int_equal(vrd_timer_arm(loop, &timers[i], (uint64_t)i),
				 0);
	}
	/* cancel every tenth; move 5 to the end */
	for (int i = 0; i < NTIMERS; i += 10) {
		vrd_timer_cancel(loop, &timers[i]);
	}
	assert_false(vrd_timer_armed(&timers[10]));
	assert_true(vrd_timer_armed(&timers[11]));
	vrd_timer_arm(loop, &timers[5], NTIMERS + 10);
	vrd_timer_init(&stop, stop_cb, NULL);
	vrd_timer_arm(loop, &stop, NTIMERS + 50);
	assert_int_equal(vrd_loop_run(loop), 0);

	int expect = NTIMERS - NTIMERS / 10;

	assert_int_equal(o.n, expect);
	assert_int_equal(o.fired[o.n - 1], 5);
	for (int k = 1; k < o.n - 1; k++) {
		assert_true(o.fired[k - 1] < o.fired[k]);
	}
	for (int k = 0; k < o.n; k++) {
		assert_true(o.fired[k] % 10 != 0);
	}
	vrd_loop_destroy(loop);
}

/* A timer that re-arms itself with 0 runs once per iteration, not in a
 * tight loop inside one iteration. */
static void rearm_zero(struct vrd_loop *loop, struct vrd_timer *t, void *arg)
{
	int *n = arg;

	(*n)++;
	vrd_timer_arm(loop, t, 0);
}

static void test_timer_rearm_zero(void **state)
{
	struct vrd_loop *loop = vrd_loop_create();
	struct vrd_timer t;
	int n = 0;

	vrd_timer_init(&t, rearm_zero, &n);
	vrd_timer_arm(loop, &t, 0);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(vrd_loop_once(loop, 10), 0);
	}
	assert_int_equal(n, 5);
	vrd_loop_destroy(loop);
}

struct pipes {
	int a[2], b[2];
	int reads_a, reads_b;
};

/* Reading a removes b's watch: b's readiness in the same poll round
 * must not be delivered to a freed or moved watch. */
static void on_a(struct vrd_loop *loop, int fd, short revents, void *arg)
{
	struct pipes *p = arg;
	char c;

	assert_int_equal(read(fd, &c, 1), 1);
	p->reads_a++;
	vrd_loop_fd_del(loop, p->b[0]);
	vrd_loop_fd_del(loop, fd);
}

static void on_b(struct vrd_loop *loop, int fd, short revents, void *arg)
{
	struct pipes *p = arg;
	char c;

	assert_int_equal(read(fd, &c, 1), 1);
	p->reads_b++;
	vrd_loop_fd_del(loop, p->a[0]);
	vrd_loop_fd_del(loop, fd);
}

static void test_fd_remove_in_callback(void **state)
{
	struct vrd_loop *loop = vrd_loop_create();
	struct pipes p = {0};

	assert_int_equal(pipe(p.a), 0);
	assert_int_equal(pipe(p.b), 0);
	assert_int_equal(vrd_loop_fd_add(loop, p.a[0], POLLIN, on_a, &p), 0);
	assert_int_equal(vrd_loop_fd_add(loop, p.b[0], POLLIN, on_b, &p), 0);
	assert_int_equal(vrd_loop_fd_add(loop, p.b[0], POLLIN, on_b, &p),
			 -EEXIST);
	assert_int_equal(write(p.a[1], "x", 1), 1);
	assert_int_equal(write(p.b[1], "y", 1), 1);
	assert_int_equal(vrd_loop_once(loop, 100), 0);
	/* exactly one of them ran; it removed the other */
	assert_int_equal(p.reads_a + p.reads_b, 1);
	assert_int_equal(vrd_loop_fd_del(loop, p.a[0]), -ENOENT);
	assert_int_equal(vrd_loop_fd_del(loop, p.b[0]), -ENOENT);
	for (int i = 0; i < 2; i++) {
		close(p.a[i]);
		close(p.b[i]);
	}
	vrd_loop_destroy(loop);
}

static void on_usr1(struct vrd_loop *loop, int signo, void *arg)
{
	int *got = arg;

	*got = signo;
	vrd_loop_stop(loop);
}

static void test_signal(void **state)
{
	struct vrd_loop *loop = vrd_loop_create();
	int got = 0;

	assert_int_equal(vrd_loop_signal(loop, SIGUSR1, on_usr1, &got), 0);
	assert_int_equal(raise(SIGUSR1), 0); /* blocked: stays pending */
	assert_int_equal(vrd_loop_run(loop), 0);
	assert_int_equal(got, SIGUSR1);
	vrd_loop_destroy(loop);
}

/* The poll timeout follows the earliest timer. */
static void test_timer_wakes_poll(void **state)
{
	struct vrd_loop *loop = vrd_loop_create();
	struct vrd_timer stop;
	uint64_t t0 = vrd_monotonic_ms();

	vrd_timer_init(&stop, stop_cb, NULL);
	vrd_timer_arm(loop, &stop, 50);
	assert_int_equal(vrd_loop_run(loop), 0);
	assert_true(vrd_monotonic_ms() - t0 >= 50);
	vrd_loop_destroy(loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timers_order),
		cmocka_unit_test(test_timer_rearm_zero),
		cmocka_unit_test(test_fd_remove_in_callback),
		cmocka_unit_test(test_signal),
		cmocka_unit_test(test_timer_wakes_poll),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
