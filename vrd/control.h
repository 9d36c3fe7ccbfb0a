/*
 * The control socket: a Unix stream socket (mode 0600) on which vrctl sends
 * one request frame and reads the reply frames (vrctl/ctlproto.h). Requests
 * are answered by the handler from the event loop, at once or, when the
 * answer needs the network (vrctl query), later: the handler defers the
 * request (vrd_control_defer) and the daemon completes it when the answer
 * is there (vrd_control_complete). Replies are written without blocking.
 * A client that sends garbage, too much, or nothing for
 * VRD_CONTROL_IDLE_MS, or whose deferred request is not completed within
 * VRD_CONTROL_IDLE_MS of its connection, is dropped and counted.
 */
#ifndef VRD_CONTROL_H
#define VRD_CONTROL_H

#include <stdint.h>

#include "vrctl/ctlproto.h"
#include "vrd/loop.h"
#include "vrctl/row.h"

#define VRD_CONTROL_CLIENTS_MAX 16
#define VRD_CONTROL_IDLE_MS 10000

/* Fills rep (initialised by the caller as VRD_REPLY_NONE) for req. */
typedef void (*vrd_control_fn)(const struct vrd_ctl_request *req,
			       struct vrd_reply *rep, void *arg);

struct vrd_control_stats {
	uint64_t requests; /* answered (deferred ones when completed) */
	uint64_t errors; /* answered with a nonzero status */
	uint64_t bad_frames; /* clients dropped for a malformed request */
	uint64_t rejected; /* clients refused: too many at once */
	uint64_t timeouts; /* clients dropped for idling */
	uint64_t deferred; /* requests deferred by the handler */
	uint64_t deferred_lost; /* completions of a client already gone */
};

struct vrd_control;

/*
 * Binds path (creating its folder, mode 0755, if missing). A socket file
 * left by a dead daemon is replaced; one a live daemon answers on is
 * -EADDRINUSE, so two vrd cannot share a control socket. NULL with errno.
 */
struct vrd_control *vrd_control_create(struct vrd_loop *loop, const char *path,
				       vrd_control_fn fn, void *arg);
/* Closes every client and the socket, and unlinks the path. */
void vrd_control_destroy(struct vrd_control *ctl); /* accepts NULL */
void vrd_control_get_stats(const struct vrd_control *ctl,
			   struct vrd_control_stats *out);

/*
 * Called by the handler while it runs: the request it is answering will be
 * answered later by vrd_control_complete(), and the rep the handler was
 * given is discarded. Returns the request's handle (never 0), or 0 when no
 * handler is running. The client's idle timer keeps running: a request not
 * completed in time is dropped like an idle client.
 */
uint64_t vrd_control_defer(struct vrd_control *ctl);
/*
 * Sends rep (borrowed: the caller still frees it) as the answer to the
 * deferred request handle. 0, or -ENOENT when that client went away or
 * was dropped meanwhile (nothing is sent), -ENOMEM. May be called from
 * the handler itself, right after vrd_control_defer().
 */
int vrd_control_complete(struct vrd_control *ctl, uint64_t handle,
			 const struct vrd_reply *rep);

#endif
