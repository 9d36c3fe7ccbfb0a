/*
 * Table commands answered from LMDB: lndt, gndt, hwdt, events, route, and
 * the table part of status. The daemon answers these for vrctl over the
 * control socket; vrctl -d answers them itself from a read-only open. Both
 * run this code, so the two answers are the same by construction.
 */
#ifndef VRD_QUERY_H
#define VRD_QUERY_H

#include "tables/fib.h"
#include "tables/tables.h"
#include "vrctl/ctlproto.h"
#include "vrctl/row.h"

/*
 * Runs the command req (argv[0] is the command word) against t, filling
 * rep. route uses fib when not NULL (the daemon's live snapshot) and
 * otherwise builds one from the GNDT. The write commands refuse what no
 * table should hold (a default route, a broadcast, multicast, zero or
 * loopback address or MAC) and, with lan (the daemon's [lan] network, may
 * be NULL), that network's own and broadcast addresses. Returns rep->status: 0, -ENOENT for
 * an unknown command (the caller may know it), -EINVAL for bad arguments,
 * or a table error; rep->message says what for the operator.
 */
int vrd_query_run(struct tables *t, const struct tables_fib *fib,
		  const struct vrd_prefix *lan,
		  const struct vrd_ctl_request *req, struct vrd_reply *rep);

/* status fields that come from the tables: name, mode, table sizes, map
 * size. The daemon adds pid, uptime, version. */
int vrd_query_status(struct tables *t, struct vrd_row *row);

#endif
