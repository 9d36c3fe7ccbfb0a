/*
 * The control socket: a Unix stream socket (mode 0600) on which vrctl sends
 * one request frame and reads the reply frames (vrctl/ctlproto.h). Requests
 * are answered by the handler from the event loop, at once or, when the
 * answer needs the network (vrctl query), later: the handler defers the
 * request (vrd_control_defer) and the daemon completes it when the answer
 * is there (vrd_control_complete). Replies are written without blocking.
 * A client that sends garbage, too much, or no whole request within
 * VRD_CONTROL_FIRST_MS, or whose deferred request is not completed within
 * VRD_CONTROL_IDLE_MS of its connection, is dropped and counted.
 *
 * Who may connect: root, the user vrd runs as and, when there is one, the
 * members of the control group (SO_PEERCRED and SO_PEERGROUPS); anyone
 * else is answered "permission denied". The socket file is 0600, or 0660
 * and owned by the control group. A read-only socket answers only the
 * read commands (vrd_control_request_reads).
 */
#ifndef VRD_CONTROL_H
#define VRD_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "vrctl/ctlproto.h"
#include "vrd/loop.h"
#include "vrctl/row.h"

#define VRD_CONTROL_CLIENTS_MAX 64
#define VRD_CONTROL_FIRST_MS 1000 /* from connect to a whole request */
#define VRD_CONTROL_IDLE_MS 10000 /* from connect to the whole answer */

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
	uint64_t denied; /* clients whose credentials failed */
	uint64_t read_only_refused; /* writes asked of the read-only socket */
};

struct vrd_control_options {
	const char *path; /* borrowed */
	bool read_only; /* answer only vrd_control_request_reads() */
	bool has_group; /* group's members may connect too */
	gid_t group;
	char *why; /* out, may be NULL: why the path was refused */
	size_t why_size;
};

struct vrd_control;

/*
 * Binds opt->path (creating its folder, mode 0755, if missing). Every
 * folder above it must belong to root or us and be writable by no one
 * else unless sticky, or it is -EPERM (opt->why says which). A socket of
 * ours left by a dead daemon is replaced; one a live daemon answers on is
 * -EADDRINUSE, so two vrd cannot share a control socket; anything else
 * there is -EEXIST. NULL with errno.
 */
struct vrd_control *vrd_control_create(struct vrd_loop *loop,
				       const struct vrd_control_options *opt,
				       vrd_control_fn fn, void *arg);
/* Closes every client and the socket, and unlinks the path. */
void vrd_control_destroy(struct vrd_control *ctl); /* accepts NULL */
void vrd_control_get_stats(const struct vrd_control *ctl,
			   struct vrd_control_stats *out);

/* A request that only reads: status, peers, tunnels, stats, metrics,
 * events, route, and the table and proxy lists (no add or del word). */
bool vrd_control_request_reads(const struct vrd_ctl_request *req);

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
