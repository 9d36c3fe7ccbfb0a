#include "vrd/loop.h"
#include "base/clock.h"
#include "base/log.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#define SIGNALS_MAX 8

struct watch {
	int fd;
	short events;
	vrd_fd_fn fn;
	void *arg;
};

struct sigwatch {
	int signo;
	vrd_signal_fn fn;
	void *arg;
};

struct vrd_loop {
	struct watch *watches; /* dense; index i matches pfds[i] */
	struct pollfd *pfds;
	size_t nwatches, capwatches;
	bool watches_changed; /* set by add/del while dispatching */

	struct vrd_timer **heap;
	size_t nheap, capheap;

	int sigfd;
	sigset_t sigmask;
	struct sigwatch sigs[SIGNALS_MAX];
	size_t nsigs;

	uint64_t arm_seq;
	uint64_t now;
	uint64_t wakeups;
	bool stop;
};

struct vrd_loop *vrd_loop_create(void)
{
	struct vrd_loop *loop = calloc(1, sizeof(*loop));

	if (!loop) {
		return NULL;
	}
	loop->sigfd = -1;
	sigemptyset(&loop->sigmask);
	loop->now = vrd_monotonic_ms();
	return loop;
}

void vrd_loop_destroy(struct vrd_loop *loop)
{
	if (!loop) {
		return;
	}
	if (loop->sigfd >= 0) {
		close(loop->sigfd);
	}
	free(loop->watches);
	free(loop->pfds);
	free(loop->heap);
	free(loop);
}

uint64_t vrd_loop_now(const struct vrd_loop *loop)
{
	return loop->now;
}

uint64_t vrd_loop_wakeups(const struct vrd_loop *loop)
{
	return loop->wakeups;
}

/* ---- fds ------------------------------------------------------------ */

static ssize_t watch_find(struct vrd_loop *loop, int fd)
{
	for (size_t i = 0; i < loop->nwatches; i++) {
		if (loop->watches[i].fd == fd) {
			return (ssize_t)i;
		}
	}
	return -1;
}

int vrd_loop_fd_add(struct vrd_loop *loop, int fd, short events, vrd_fd_fn fn,
		    void *arg)
{
	if (watch_find(loop, fd) >= 0) {
		return -EEXIST;
	}
	if (loop->nwatches == loop->capwatches) {
		size_t cap = loop->capwatches ? loop->capwatches * 2 : 16;
		struct watch *w = realloc(loop->watches, cap * sizeof(*w));

		if (!w) {
			return -ENOMEM;
		}
		loop->watches = w;
		struct pollfd *p = realloc(loop->pfds, cap * sizeof(*p));

		if (!p) {
			return -ENOMEM;
		}
		loop->pfds = p;
		loop->capwatches = cap;
	}
	loop->watches[loop->nwatches] = (struct watch){
		.fd = fd, .events = events, .fn = fn, .arg = arg};
	loop->nwatches++;
	loop->watches_changed = true;
	return 0;
}

int vrd_loop_fd_events(struct vrd_loop *loop, int fd, short events)
{
	ssize_t i = watch_find(loop, fd);

	if (i < 0) {
		return -ENOENT;
	}
	loop->watches[i].events = events;
	return 0;
}

int vrd_loop_fd_del(struct vrd_loop *loop, int fd)
{
	ssize_t i = watch_find(loop, fd);

	if (i < 0) {
		return -ENOENT;
	}
	loop->watches[i] = loop->watches[loop->nwatches - 1];
	loop->nwatches--;
	loop->watches_changed = true;
	return 0;
}

/* ---- timers: a binary min-heap on due_ms ----------------------------- */

void vrd_timer_init(struct vrd_timer *t, vrd_timer_fn fn, void *arg)
{
	t->due_ms = 0;
	t->heap_idx = SIZE_MAX;
	t->fn = fn;
	t->arg = arg;
}

bool vrd_timer_armed(const struct vrd_timer *t)
{
	return t->heap_idx != SIZE_MAX;
}

/* Heap order: due time, then arming order. */
static bool timer_before(const struct vrd_timer *a, const struct vrd_timer *b)
{
	return a->due_ms < b->due_ms ||
	       (a->due_ms == b->due_ms && a->seq < b->seq);
}

static void heap_set(struct vrd_loop *loop, size_t i, struct vrd_timer *t)
{
	loop->heap[i] = t;
	t->heap_idx = i;
}

static void heap_up(struct vrd_loop *loop, size_t i)
{
	struct vrd_timer *t = loop->heap[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (!timer_before(t, loop->heap[parent])) {
			break;
		}
		heap_set(loop, i, loop->heap[parent]);
		i = parent;
	}
	heap_set(loop, i, t);
}

static void heap_down(struct vrd_loop *loop, size_t i)
{
	struct vrd_timer *t = loop->heap[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= loop->nheap) {
			break;
		}
		if (c + 1 < loop->nheap &&
		    timer_before(loop->heap[c + 1], loop->heap[c])) {
			c++;
		}
		if (!timer_before(loop->heap[c], t)) {
			break;
		}
		heap_set(loop, i, loop->heap[c]);
		i = c;
	}
	heap_set(loop, i, t);
}

void vrd_timer_cancel(struct vrd_loop *loop, struct vrd_timer *t)
{
	size_t i = t->heap_idx;

	if (i == SIZE_MAX) {
		return;
	}
	t->heap_idx = SIZE_MAX;
	loop->nheap--;
	if (i == loop->nheap) {
		return;
	}
	/* the last timer fills the hole, then finds its place either way */
	struct vrd_timer *moved = loop->heap[loop->nheap];

	heap_set(loop, i, moved);
	heap_down(loop, i);
	heap_up(loop, moved->heap_idx);
}

int vrd_timer_arm(struct vrd_loop *loop, struct vrd_timer *t, uint64_t delay_ms)
{
	vrd_timer_cancel(loop, t);
	if (loop->nheap == loop->capheap) {
		size_t cap = loop->capheap ? loop->capheap * 2 : 16;
		struct vrd_timer **h = realloc(loop->heap, cap * sizeof(*h));

		if (!h) {
			return -ENOMEM;
		}
		loop->heap = h;
		loop->capheap = cap;
	}
	t->due_ms = loop->now + delay_ms;
	t->seq = loop->arm_seq++;
	heap_set(loop, loop->nheap, t);
	loop->nheap++;
	heap_up(loop, loop->nheap - 1);
	return 0;
}

int vrd_timer_arm_at(struct vrd_loop *loop, struct vrd_timer *t,
		     uint64_t due_ms)
{
	if (due_ms == UINT64_MAX) {
		vrd_timer_cancel(loop, t);
		return 0;
	}
	return vrd_timer_arm(loop, t,
			     due_ms > loop->now ? due_ms - loop->now : 0);
}

static void timers_run(struct vrd_loop *loop)
{
	/* Only timers armed before this round fire in it: one that re-arms
	 * itself with 0 sorts after every older due timer (same due time,
	 * later seq) and waits for the next iteration instead of spinning. */
	uint64_t now = loop->now, limit = loop->arm_seq;

	while (loop->nheap > 0 && loop->heap[0]->due_ms <= now &&
	       loop->heap[0]->seq < limit && !loop->stop) {
		struct vrd_timer *t = loop->heap[0];

		vrd_timer_cancel(loop, t);
		t->fn(loop, t, t->arg);
	}
}

static int timers_timeout(struct vrd_loop *loop, int cap)
{
	uint64_t due;

	if (loop->nheap == 0) {
		return cap;
	}
	due = loop->heap[0]->due_ms;
	if (due <= loop->now) {
		return 0;
	}
	if (cap >= 0 && due - loop->now > (uint64_t)cap) {
		return cap;
	}
	return due - loop->now > 60000 ? 60000 : (int)(due - loop->now);
}

/* ---- signals -------------------------------------------------------- */

static void signals_read(struct vrd_loop *loop, int fd, short revents,
			 void *arg)
{
	struct signalfd_siginfo si;

	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		for (size_t i = 0; i < loop->nsigs; i++) {
			if (loop->sigs[i].signo == (int)si.ssi_signo) {
				loop->sigs[i].fn(loop, (int)si.ssi_signo,
						 loop->sigs[i].arg);
			}
		}
	}
}

int vrd_loop_signal(struct vrd_loop *loop, int signo, vrd_signal_fn fn,
		    void *arg)
{
	int fd, rc;

	if (loop->nsigs == SIGNALS_MAX) {
		return -ENOSPC;
	}
	sigaddset(&loop->sigmask, signo);
	if (sigprocmask(SIG_BLOCK, &loop->sigmask, NULL) < 0) {
		return -errno;
	}
	fd = signalfd(loop->sigfd, &loop->sigmask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0) {
		return -errno;
	}
	if (loop->sigfd < 0) {
		rc = vrd_loop_fd_add(loop, fd, POLLIN, signals_read, NULL);
		if (rc < 0) {
			close(fd);
			return rc;
		}
		loop->sigfd = fd;
	}
	loop->sigs[loop->nsigs++] =
		(struct sigwatch){.signo = signo, .fn = fn, .arg = arg};
	return 0;
}

/* ---- running -------------------------------------------------------- */

int vrd_loop_once(struct vrd_loop *loop, int timeout_ms)
{
	size_t n = loop->nwatches;
	int rc;

	for (size_t i = 0; i < n; i++) {
		loop->pfds[i].fd = loop->watches[i].fd;
		loop->pfds[i].events = loop->watches[i].events;
		loop->pfds[i].revents = 0;
	}
	rc = poll(loop->pfds, n, timers_timeout(loop, timeout_ms));
	loop->now = vrd_monotonic_ms();
	loop->wakeups++;
	if (rc < 0) {
		if (errno == EINTR) {
			return 0;
		}
		return -errno;
	}
	/* A callback may add or remove watches: dispatch from the snapshot
	 * in pfds and look each fd up again before calling it. */
	loop->watches_changed = false;
	for (size_t i = 0; i < n && rc > 0 && !loop->stop; i++) {
		/* copies: a callback's fd_add may move the pfds array */
		int fd = loop->pfds[i].fd;
		short revents = loop->pfds[i].revents;
		ssize_t w;

		if (!revents) {
			continue;
		}
		rc--;
		w = loop->watches_changed ? watch_find(loop, fd) : (ssize_t)i;
		if (w < 0) {
			continue;
		}
		loop->watches[w].fn(loop, fd, revents, loop->watches[w].arg);
	}
	timers_run(loop);
	return 0;
}

int vrd_loop_run(struct vrd_loop *loop)
{
	loop->stop = false;
	while (!loop->stop) {
		int rc = vrd_loop_once(loop, -1);

		if (rc < 0) {
			log_err("event loop: poll: %s", strerror(-rc));
			return rc;
		}
	}
	return 0;
}

void vrd_loop_stop(struct vrd_loop *loop)
{
	loop->stop = true;
}
