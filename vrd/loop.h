/*
 * The event loop: one poll(2) loop per thread, monotonic millisecond
 * timers in a binary heap, and signals delivered through a signalfd so a
 * handler runs as an ordinary callback (no async-signal-safety games).
 *
 * Handlers bound their own work per wake-up (a budget of packets or
 * messages) so that one busy source cannot starve the others.
 */
#ifndef VRD_LOOP_H
#define VRD_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vrd_loop;
struct vrd_timer;

typedef void (*vrd_fd_fn)(struct vrd_loop *loop, int fd, short revents,
			  void *arg);
typedef void (*vrd_timer_fn)(struct vrd_loop *loop, struct vrd_timer *timer,
			     void *arg);
typedef void (*vrd_signal_fn)(struct vrd_loop *loop, int signo, void *arg);

/* Embedded in its owner; initialise with vrd_timer_init. */
struct vrd_timer {
	uint64_t due_ms; /* monotonic */
	uint64_t seq; /* arming order: ties and "armed during this round" */
	size_t heap_idx; /* position in the heap; SIZE_MAX when not armed */
	vrd_timer_fn fn;
	void *arg;
};

struct vrd_loop *vrd_loop_create(void); /* NULL with errno */
/* Closes the signalfd; the fds and timers belong to their owners. */
void vrd_loop_destroy(struct vrd_loop *loop); /* accepts NULL */

/* Watches fd for events (POLLIN, POLLOUT); -EEXIST if already watched. */
int vrd_loop_fd_add(struct vrd_loop *loop, int fd, short events, vrd_fd_fn fn,
		    void *arg);
int vrd_loop_fd_events(struct vrd_loop *loop, int fd, short events);
/* Safe to call from any callback, including fd's own. */
int vrd_loop_fd_del(struct vrd_loop *loop, int fd);

void vrd_timer_init(struct vrd_timer *t, vrd_timer_fn fn, void *arg);
/* Arms (or re-arms) t to fire delay_ms after the loop's current time. */
int vrd_timer_arm(struct vrd_loop *loop, struct vrd_timer *t,
		  uint64_t delay_ms);
/* Arms t for the loop time due_ms (now if past); UINT64_MAX cancels. */
int vrd_timer_arm_at(struct vrd_loop *loop, struct vrd_timer *t,
		     uint64_t due_ms);
void vrd_timer_cancel(struct vrd_loop *loop, struct vrd_timer *t);
bool vrd_timer_armed(const struct vrd_timer *t);

/* Blocks signo and delivers it to fn from the loop. */
int vrd_loop_signal(struct vrd_loop *loop, int signo, vrd_signal_fn fn,
		    void *arg);

/* Runs until vrd_loop_stop; 0, or a negative errno if poll fails. */
int vrd_loop_run(struct vrd_loop *loop);
/* Runs one iteration waiting at most timeout_ms (-1: until an event). */
int vrd_loop_once(struct vrd_loop *loop, int timeout_ms);
void vrd_loop_stop(struct vrd_loop *loop);

/* Monotonic ms, refreshed at every wake-up. */
uint64_t vrd_loop_now(const struct vrd_loop *loop);
uint64_t vrd_loop_wakeups(const struct vrd_loop *loop);

#endif
