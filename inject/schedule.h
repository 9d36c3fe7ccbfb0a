/* When to send gratuitous ARPs: a repeat schedule per announcement and one
 * token bucket over all of them. Pure: no I/O, time comes in as now_ms
 * (monotonic milliseconds), so tests drive it with a fake clock.
 *
 * Each announcement is sent at these offsets from the time it was added:
 *
 *     0, 100, 300, 1100, 3100 ms
 *
 * Why (docs/arp-kernel.md has the measurements on Linux 6.18):
 * - A gratuitous ARP overrides an existing neighbour entry whatever the
 *   locktime, so the first frame goes out at once and the early repeats
 *   (100, 300 ms) only cover loss: a frame dropped while a bridge or switch
 *   relearns after a migration.
 * - A plain (non-gratuitous) ARP reply is ignored for locktime (1 s) after
 *   the last effective change of the entry, and our GARP is such a change.
 *   A late reply for the old location (an old proxy, a slow host) can only
 *   win after that window, so one repeat follows it (1100 ms = locktime +
 *   100 ms margin) and a last one at 3100 ms catches stragglers.
 * - Repeating the same MAC does not restart the kernel's window (a no-op
 *   update leaves it alone), so repeating faster buys nothing there.
 *
 * A repeat that the rate limit delays past later offsets covers them: it is
 * sent once, and the schedule goes on from the first offset still ahead.
 */
#ifndef VRD_INJECT_SCHEDULE_H
#define VRD_INJECT_SCHEDULE_H

#include <stddef.h>
#include <stdint.h>

#include "inject/arp.h"
#include "base/addr.h"

#define INJECT_SCHED_STEPS 5
extern const uint32_t inject_sched_offsets_ms[INJECT_SCHED_STEPS];

/* One announcement. Its identity is (ip, dst): re-adding it restarts its
 * schedule (and takes the new mac and op) instead of adding a second. */
struct inject_announce {
	uint32_t ip; /* sender = target IP, host order */
	struct vrd_mac mac; /* advertised: the ARP sender hardware address */
	struct vrd_mac dst; /* Ethernet destination; broadcast: all ff */
	enum inject_garp_op op;
	uint8_t step; /* out of inject_sched_due: 0 = first send */
};

struct inject_sched_stats {
	uint64_t added; /* new announcements */
	uint64_t restarted; /* re-added while still scheduled */
	uint64_t refused; /* table full */
	uint64_t sent; /* handed out by inject_sched_due */
	uint64_t delayed; /* due but held back by the rate limit, per call */
	uint64_t skipped; /* repeats covered by a late send */
	uint64_t finished; /* announcements whose schedule ran out */
	uint64_t cancelled;
};

struct inject_sched;

/*
 * At most capacity announcements at a time; rate_pps frames per second on
 * average with bursts of up to burst frames (rate_pps 0: no limit). NULL
 * with errno set.
 */
struct inject_sched *inject_sched_create(size_t capacity, uint32_t rate_pps,
					 uint32_t burst);
/* Accepts NULL. */
void inject_sched_destroy(struct inject_sched *s);

/* Schedule a (copied) announcement from now_ms. 0, -ENOSPC when full
 * (counted in refused). */
int inject_sched_add(struct inject_sched *s, const struct inject_announce *a,
		     uint64_t now_ms);
/* Drop every announcement for ip: how many. */
size_t inject_sched_cancel(struct inject_sched *s, uint32_t ip);

/*
 * Copy up to max announcements due at now_ms into out, as many as the rate
 * limit allows, and take a token for each: the caller sends them all.
 * First sends go before repeats; among repeats, round robin. Returns the
 * number written.
 */
size_t inject_sched_due(struct inject_sched *s, uint64_t now_ms,
			struct inject_announce *out, size_t max);

/*
 * When inject_sched_due has something to hand out next (monotonic ms,
 * possibly in the past): the earliest due time, or later if the rate limit
 * is out of tokens then. UINT64_MAX when nothing is scheduled.
 */
uint64_t inject_sched_next_ms(const struct inject_sched *s);

size_t inject_sched_count(const struct inject_sched *s);
void inject_sched_stats_get(const struct inject_sched *s,
			    struct inject_sched_stats *out);

#endif
