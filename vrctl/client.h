/*
 * vrctl's side of the control socket (vrctl/ctlproto.h): one REQUEST
 * frame out, ROW frames and an END back, each wait bounded by
 * CTL_TIMEOUT_MS.
 */
#ifndef VRD_VRCTL_CLIENT_H
#define VRD_VRCTL_CLIENT_H

#include "vrctl/row.h"

#define CTL_TIMEOUT_MS 10000
#define CTL_ROWS_MAX (16u * 1024 * 1024) /* ~2 GB of rows at most */

/* Sends the words argv[0..argc) to the daemon at the Unix socket path and
 * collects the reply in rep (initialised by the caller). 0 when the reply
 * came whole (rep->status says whether the daemon refused), or a negative
 * errno with the reason printed to stderr: -ENOENT or -ECONNREFUSED when
 * no daemon listens, -ETIMEDOUT, -EBADMSG, -E2BIG, -ECONNRESET. */
int vrctl_client_run(const char *path, int argc, char **argv,
		     struct vrd_reply *rep);

#endif
