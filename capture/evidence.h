/*
 * Migration evidence: a pure state machine (no I/O, time passed in as
 * now_ms, monotonic) fed with parsed frames. It turns the announcements a
 * VM's arrival causes on the LAN into one "host seen" event per arrival,
 * and every ARP/RARP frame that names an address into a learning item for
 * the HWDT.
 *
 * Event kinds, first match wins (all need the hardware sender of ARP/RARP
 * to be the Ethernet source):
 *   RARP        RARP request reverse (opcode 3), sha == tha, spa == tpa
 *               == 0: qemu_announce_self (KVM/QEMU) and VMware's notify.
 *   RARP_OTHER  any other RARP request reverse from its sender.
 *   GARP        gratuitous ARP (spa == tpa, not zero), request or reply:
 *               Xen and virtio guests, also hosts coming up.
 *   SILENT_ARP  another ARP frame, and SILENT_IPV4 an IPv4 frame, whose
 *               sender IP is a unicast address outside the router's
 *               network, from a MAC the caller does not know (mac_known)
 *               and an IP it does not know (ip_known). A known IP on a new
 *               MAC is left to the HWDT (a move), and a known MAC sending
 *               from foreign addresses is a router forwarding, not a VM.
 *
 * Folding: evidence for a MAC that arrives within fold_ms of the previous
 * evidence for that MAC belongs to the same arrival. The event is returned
 * with the FIRST frame (low latency); later frames only bump its frame
 * count and last_ms (see capture_evidence_get). QEMU's burst at 0, 50,
 * 200, 450 and 800 ms is one event; the default of 2000 ms also folds
 * announcements repeated once a second (arping -U, keepalived).
 * A VM may come back sooner than that (a quick bounce, A -> B -> A -> B):
 * once its host has been claimed away from this router, the daemon calls
 * capture_evidence_forget, and the MAC's next frame is a new arrival. No
 * evidence is folded into a burst the host has left since.
 *
 * Bounds: a fixed table of MACs (set-associative, 8 ways; expired entries
 * are reused first, then the least recently seen is evicted and counted),
 * allocated at creation and never grown; and a token bucket on events
 * (events_per_sec, with as large a burst) so that a flood of distinct MACs
 * produces a bounded number of events. A frame refused by the bucket
 * leaves no state behind, so the next frame of a real burst still fires.
 *
 * Memory: the daemon keeps no pointer into the table; events and learning
 * items are copied out.
 */
#ifndef CAPTURE_EVIDENCE_H
#define CAPTURE_EVIDENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/frame.h"
#include "base/addr.h"

#define CAPTURE_EVIDENCE_FOLD_MS 2000
#define CAPTURE_EVIDENCE_TABLE 4096
#define CAPTURE_EVIDENCE_EVENTS_PER_SEC 1000
#define CAPTURE_EVIDENCE_UNLIMITED UINT32_MAX /* events_per_sec: no bucket */

enum capture_event_kind {
	CAPTURE_EVENT_RARP = 1,
	CAPTURE_EVENT_RARP_OTHER,
	CAPTURE_EVENT_GARP,
	CAPTURE_EVENT_SILENT_ARP,
	CAPTURE_EVENT_SILENT_IPV4,
	CAPTURE_EVENT_MAX, /* not a kind: one past the last */
};

/* "rarp", "rarp_other", "garp", "silent_arp", "silent_ipv4". */
const char *capture_event_kind_name(int kind);

/* One arrival: "host seen". */
struct capture_event {
	enum capture_event_kind kind; /* of the first frame */
	struct vrd_mac mac;
	uint32_t ip; /* host order; 0 when the frame names none (RARP) */
	uint16_t vlan; /* as in struct capture_frame */
	uint64_t first_ms; /* now_ms of the first frame */
	uint64_t last_ms; /* now_ms of the latest frame folded in */
	uint32_t frames; /* frames of this arrival so far; 1 when returned */
};

/* Same values as enum tables_hwdt_source (ARP 1, RARP 2, GARP 3); the
 * daemon still maps them explicitly. */
enum capture_learn_source {
	CAPTURE_LEARN_ARP = 1,
	CAPTURE_LEARN_RARP,
	CAPTURE_LEARN_GARP,
};

/*
 * An (ip, mac) pair to hand to tables_hwdt_learn: the sender of an ARP
 * request or reply, a gratuitous ARP, or a RARP request that names its own
 * address. Only unicast addresses (not 0/8, 127/8, 224/4, 240/4, nor the
 * network or broadcast address of the router's network). A RARP
 * announcement names no IP and yields no item: resolve its MAC through
 * the HWDT. Two MACs for one IP are the HWDT's business (MOVED).
 */
struct capture_learn {
	uint32_t ip; /* host order */
	struct vrd_mac mac;
	uint16_t vlan;
	uint8_t source; /* enum capture_learn_source */
};

struct capture_evidence_config {
	struct vrd_prefix network; /* the subnet this router serves */
	uint32_t fold_ms; /* 0: CAPTURE_EVIDENCE_FOLD_MS */
	uint32_t table_size; /* 0: CAPTURE_EVIDENCE_TABLE; rounded up
				    * to a power of two, at least 8 */
	uint32_t events_per_sec; /* 0: CAPTURE_EVIDENCE_EVENTS_PER_SEC */
	uint64_t seed; /* hash key; pass something random */
	/* Both optional (NULL: "not known"); called synchronously from
	 * capture_evidence_feed, only for silent candidates. A "known" MAC
	 * is remembered for fold_ms, so mac_known runs about once per
	 * fold_ms per busy MAC. */
	bool (*mac_known)(const struct vrd_mac *mac, uint16_t vlan, void *arg);
	bool (*ip_known)(uint32_t ip, void *arg);
	void *arg;
};

struct capture_evidence_stats {
	uint64_t events[CAPTURE_EVENT_MAX]; /* index: enum capture_event_kind */
	uint64_t folded; /* frames folded into an earlier event */
	uint64_t learned; /* learning items returned */
	uint64_t evicted; /* live entries pushed out of the table */
	uint64_t ratelimited; /* events refused by the token bucket */
	uint64_t known; /* silent candidates from a known MAC or IP */
	uint64_t forgotten; /* entries dropped by capture_evidence_forget */
};

struct capture_evidence;

/* NULL with errno set (ENOMEM, EINVAL). cfg is copied. */
struct capture_evidence *
capture_evidence_create(const struct capture_evidence_config *cfg);
void capture_evidence_destroy(struct capture_evidence *ev); /* NULL ok */

/* A reload may change the network without losing the table. */
void capture_evidence_set_network(struct capture_evidence *ev,
				  const struct vrd_prefix *network);

/* capture_evidence_feed's result bits */
#define CAPTURE_FEED_EVENT 0x1 /* *event was written: a new arrival */
#define CAPTURE_FEED_LEARN 0x2 /* *learn was written */

/*
 * Feeds one frame that capture_frame_parse accepted (f is borrowed).
 * Returns CAPTURE_FEED_* bits; event and learn are written only when
 * their bit is set. At most one of each per frame.
 */
unsigned capture_evidence_feed(struct capture_evidence *ev,
			       const struct capture_frame *f, uint64_t now_ms,
			       struct capture_event *event,
			       struct capture_learn *learn);

/* The host with this MAC left (it was claimed by another router): drops
 * the MAC's entry, an arrival or a cached "known", so that its next frame
 * is a new arrival. 0, or -ENOENT when the table held nothing for it. */
int capture_evidence_forget(struct capture_evidence *ev,
			    const struct vrd_mac *mac);

/* The latest arrival recorded for mac, while the table still holds it
 * (it may be older than fold_ms): 0, or -ENOENT. */
int capture_evidence_get(const struct capture_evidence *ev,
			 const struct vrd_mac *mac, struct capture_event *out);

size_t capture_evidence_size(const struct capture_evidence *ev); /* used */
size_t capture_evidence_capacity(const struct capture_evidence *ev);

void capture_evidence_get_stats(const struct capture_evidence *ev,
				struct capture_evidence_stats *out);
/* "capture.evidence.rarp", ..., "capture.evidence.folded", ...; as
 * capture_stats_foreach. */
int capture_evidence_stats_foreach(const struct capture_evidence_stats *st,
				   int (*fn)(const char *name, uint64_t value,
					     void *arg),
				   void *arg);

#endif
