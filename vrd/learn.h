/*
 * Learning from the LAN: what the evidence state machine hands over
 * (learning items and "host seen" events) written to the tables, in
 * batches, one LMDB write transaction per batch.
 *
 * The daemon's LAN side (vrd/lan.c) and the capture benchmark
 * (bench/capture.c) both run this code, so the bench measures the
 * daemon's path. No pcap, libnet or event loop here: time comes in as
 * arguments (now_ms monotonic, wire times wall clock), so the unit test
 * links it with the tables alone.
 *
 * Per learning item, in this order:
 *   - refresh skip (at queue time): the same (ip, mac) pair written less
 *     than refresh_ms ago is not queued ("lan.refresh_skipped"); a cache
 *     of VRD_LEARN_REFRESH_CACHE recently written pairs, one per IP hash
 *     slot, remembers what a successful flush wrote;
 *   - LNDT gate (at flush): an IP no LNDT prefix of vn covers is not a
 *     host of this LAN ("lan.outside_lndt");
 *   - tables_hwdt_learn: NEW, REFRESHED, MOVED ("lan.learned_new",
 *     "lan.refreshed", "lan.learned_moved"); a static entry stays
 *     (-EPERM, "lan.static_kept");
 *   - an "ip-conflict" event when a learned entry MOVED (kept=new) or a
 *     static entry met another MAC (kept=static), at most one per IP per
 *     VRD_LEARN_CONFLICT_HOLD_MS ("lan.ip_conflicts", and
 *     "lan.ip_conflicts_held" for those not written).
 * Then every queued "host-seen" event ("lan.host_seen"), with the wire
 * time as its time and the fields kind, mac, ip (if any), vlan (if any)
 * and detect_us.
 *
 * A flush whose transaction fails drops its batch, leaves the counters as
 * they were before it and counts "lan.write_errors".
 */
#ifndef VRD_LEARN_H
#define VRD_LEARN_H

#include <stddef.h>
#include <stdint.h>

#include "capture/evidence.h"
#include "tables/tables.h"

#define VRD_LEARN_BATCH 256 /* learning items, and events, per flush */
#define VRD_LEARN_REFRESH_CACHE 1024 /* (ip, mac) pairs recently written */
#define VRD_LEARN_CONFLICT_HOLD_MS 10000 /* one ip-conflict per IP per hold */

struct vrd_learner;

struct vrd_learn_config {
	uint32_t vn; /* the virtual network the LAN belongs to */
	uint64_t refresh_ms; /* rewrite a written pair after this; 0: always */
};

struct vrd_learn_stats {
	uint64_t learned_new, learned_moved, refreshed, refresh_skipped;
	uint64_t static_kept, outside_lndt, write_errors, host_seen;
	uint64_t conflicts, conflicts_held;
};

/* NULL with errno set (ENOMEM). */
struct vrd_learner *vrd_learn_create(const struct vrd_learn_config *cfg);
void vrd_learn_destroy(struct vrd_learner *lrn); /* accepts NULL */

/*
 * Queues l (borrowed, copied) for the next flush, unless the same pair
 * was written less than refresh_ms before now_ms (monotonic), which is
 * counted and dropped. wire_us (wall clock, the frame's capture time)
 * becomes the entry's last_seen_ms. 0 (queued or skipped) or -ENOSPC
 * when VRD_LEARN_BATCH items are already queued.
 */
int vrd_learn_queue(struct vrd_learner *lrn, const struct capture_learn *l,
		    uint64_t now_ms, uint64_t wire_us);

/* Queues a "host-seen" event for ev (borrowed, copied): wire_us is when
 * its frame was on the wire (wall clock), detect_us how long it took from
 * there to ev. 0 or -ENOSPC when VRD_LEARN_BATCH are already queued. */
int vrd_learn_queue_seen(struct vrd_learner *lrn,
			 const struct capture_event *ev, uint64_t wire_us,
			 uint64_t detect_us);

/* How many learning items and host-seen events the next flush writes. */
void vrd_learn_pending(const struct vrd_learner *lrn, size_t *learn,
		       size_t *seen);

/*
 * Writes the queued batch in one tables_write and empties it (on failure
 * too). now_ms (monotonic) stamps the refresh cache and the ip-conflict
 * hold. 0 (also when nothing was queued: no transaction) or the negative
 * errno of tables_write.
 */
int vrd_learn_flush(struct vrd_learner *lrn, struct tables *t, uint64_t now_ms);

void vrd_learn_get_stats(const struct vrd_learner *lrn,
			 struct vrd_learn_stats *out);

/* Every counter ("lan.learned_new", ...) to fn, which returns 0 to go on;
 * anything else stops the walk and is returned. */
int vrd_learn_counters(const struct vrd_learner *lrn,
		       int (*fn)(const char *name, uint64_t value, void *arg),
		       void *arg);

#endif
