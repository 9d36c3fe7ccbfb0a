#include "vrd/learn.h"
#include "base/counter.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/addr.h"

struct refresh_entry {
	uint32_t ip;
	struct vrd_mac mac;
	uint64_t written_ms; /* monotonic; 0: empty */
	uint64_t conflict_ms; /* last ip-conflict event for this IP */
};

struct learn_item {
	struct capture_learn l;
	uint64_t wall_ms; /* when it was on the wire */
	bool conflict; /* this flush wrote an ip-conflict event for it */
};

struct seen_item {
	struct capture_event ev;
	uint64_t wire_us; /* kernel receive time, wall clock */
	uint64_t detect_us; /* wire to classified */
};

struct vrd_learner {
	struct vrd_learn_config cfg;
	uint64_t now_ms; /* of the flush under way */

	struct learn_item learn[VRD_LEARN_BATCH];
	size_t nlearn;
	struct seen_item seen[VRD_LEARN_BATCH];
	size_t nseen;

	struct refresh_entry cache[VRD_LEARN_REFRESH_CACHE];
	struct vrd_learn_stats stats;
};

struct vrd_learner *vrd_learn_create(const struct vrd_learn_config *cfg)
{
	struct vrd_learner *lrn = calloc(1, sizeof(*lrn));

	if (!lrn) {
		return NULL;
	}
	lrn->cfg = *cfg;
	return lrn;
}

void vrd_learn_destroy(struct vrd_learner *lrn)
{
	free(lrn);
}

static struct refresh_entry *cache_slot(struct vrd_learner *lrn, uint32_t ip)
{
	uint32_t h = ip * 2654435761u;

	return &lrn->cache[h % VRD_LEARN_REFRESH_CACHE];
}

/* ---- queueing ------------------------------------------------------- */

int vrd_learn_queue(struct vrd_learner *lrn, const struct capture_learn *l,
		    uint64_t now_ms, uint64_t wire_us)
{
	struct refresh_entry *c = cache_slot(lrn, l->ip);

	/* worth writing? not when the same pair was written a moment ago */
	if (c->written_ms && c->ip == l->ip &&
	    vrd_mac_equal(&c->mac, &l->mac) &&
	    now_ms - c->written_ms < lrn->cfg.refresh_ms) {
		lrn->stats.refresh_skipped++;
		return 0;
	}
	if (lrn->nlearn == VRD_LEARN_BATCH) {
		return -ENOSPC;
	}
	lrn->learn[lrn->nlearn++] = (struct learn_item){
		.l = *l,
		.wall_ms = wire_us / 1000,
	};
	return 0;
}

int vrd_learn_queue_seen(struct vrd_learner *lrn,
			 const struct capture_event *ev, uint64_t wire_us,
			 uint64_t detect_us)
{
	if (lrn->nseen == VRD_LEARN_BATCH) {
		return -ENOSPC;
	}
	lrn->seen[lrn->nseen++] = (struct seen_item){
		.ev = *ev,
		.wire_us = wire_us,
		.detect_us = detect_us,
	};
	return 0;
}

void vrd_learn_pending(const struct vrd_learner *lrn, size_t *learn,
		       size_t *seen)
{
	*learn = lrn->nlearn;
	*seen = lrn->nseen;
}

/* ---- the write transaction ----------------------------------------- */

static uint8_t hwdt_source(uint8_t learn_source)
{
	switch (learn_source) {
	case CAPTURE_LEARN_RARP:
		return TABLES_HWDT_RARP;
	case CAPTURE_LEARN_GARP:
		return TABLES_HWDT_GARP;
	default:
		return TABLES_HWDT_ARP;
	}
}

/* One ip-conflict event per IP per hold. The hold is recorded in the
 * refresh cache only once the transaction committed (cache_update), with
 * the slot then naming this IP, so a failed write holds nothing back and a
 * slot shared with another IP cannot lose or borrow a hold. */
static int conflict_event(struct tables_txn *txn, struct vrd_learner *lrn,
			  struct learn_item *it,
			  const struct tables_hwdt_entry *e,
			  const struct tables_hwdt_entry *prev, bool is_static)
{
	struct refresh_entry *c = cache_slot(lrn, e->ip);
	uint64_t now = lrn->now_ms;
	char ip[VRD_IPV4_STRLEN], mac[VRD_MAC_STRLEN], old[VRD_MAC_STRLEN];
	struct tables_event ev;

	lrn->stats.conflicts++;
	if (c->ip == e->ip && c->conflict_ms &&
	    now - c->conflict_ms < VRD_LEARN_CONFLICT_HOLD_MS) {
		lrn->stats.conflicts_held++;
		return 0;
	}
	it->conflict = true;
	memset(&ev, 0, sizeof(ev));
	ev.time_ms = e->last_seen_ms;
	strcpy(ev.type, "ip-conflict");
	tables_event_set(&ev, "ip", "%s", vrd_ipv4_format(e->ip, ip));
	tables_event_set(&ev, "mac", "%s", vrd_mac_format(&e->mac, mac));
	tables_event_set(&ev, "previous_mac", "%s",
			 vrd_mac_format(&prev->mac, old));
	tables_event_set(&ev, "source", "%s",
			 tables_hwdt_source_name(e->source));
	tables_event_set(&ev, "kept", "%s", is_static ? "static" : "new");
	return tables_event_add(txn, &ev);
}

static int learn_one(struct tables_txn *txn, struct vrd_learner *lrn,
		     struct learn_item *it)
{
	struct tables_hwdt_entry e = {
		.vn = lrn->cfg.vn,
		.ip = it->l.ip,
		.mac = it->l.mac,
		.source = hwdt_source(it->l.source),
		.first_seen_ms = it->wall_ms,
		.last_seen_ms = it->wall_ms,
	};
	struct tables_hwdt_entry prev;
	struct tables_lndt_entry served;
	int rc;

	it->conflict = false; /* a rerun after MDB_MAP_FULL starts afresh */
	/* the LNDT gates what counts as a host of this LAN */
	rc = tables_lndt_match(txn, e.vn, e.ip, &served);
	if (rc == -ENOENT) {
		lrn->stats.outside_lndt++;
		return 0;
	}
	if (rc < 0) {
		return rc;
	}
	rc = tables_hwdt_learn(txn, &e, &prev);
	switch (rc) {
	case TABLES_HWDT_NEW:
		lrn->stats.learned_new++;
		return 0;
	case TABLES_HWDT_REFRESHED:
		lrn->stats.refreshed++;
		return 0;
	case TABLES_HWDT_MOVED:
		lrn->stats.learned_moved++;
		return conflict_event(txn, lrn, it, &e, &prev, false);
	case -EPERM: /* a static entry stays; a different MAC is news */
		lrn->stats.static_kept++;
		if (!vrd_mac_equal(&prev.mac, &e.mac)) {
			return conflict_event(txn, lrn, it, &e, &prev, true);
		}
		return 0;
	default:
		return rc;
	}
}

static int host_seen_event(struct tables_txn *txn, const struct seen_item *p)
{
	char ip[VRD_IPV4_STRLEN], mac[VRD_MAC_STRLEN];
	struct tables_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.time_ms = p->wire_us / 1000; /* when it was on the wire */
	strcpy(ev.type, "host-seen");
	tables_event_set(&ev, "kind", "%s",
			 capture_event_kind_name(p->ev.kind));
	tables_event_set(&ev, "mac", "%s", vrd_mac_format(&p->ev.mac, mac));
	if (p->ev.ip) {
		tables_event_set(&ev, "ip", "%s",
				 vrd_ipv4_format(p->ev.ip, ip));
	}
	if (p->ev.vlan != CAPTURE_VLAN_NONE) {
		tables_event_set(&ev, "vlan", "%u", (unsigned)p->ev.vlan);
	}
	tables_event_set(&ev, "detect_us", "%llu",
			 (unsigned long long)p->detect_us);
	return tables_event_add(txn, &ev);
}

static int flush_txn(struct tables_txn *txn, void *arg)
{
	struct vrd_learner *lrn = arg;
	int rc = 0;

	for (size_t i = 0; i < lrn->nlearn && rc == 0; i++) {
		rc = learn_one(txn, lrn, &lrn->learn[i]);
	}
	for (size_t i = 0; i < lrn->nseen && rc == 0; i++) {
		rc = host_seen_event(txn, &lrn->seen[i]);
	}
	return rc;
}

static void cache_update(struct vrd_learner *lrn)
{
	for (size_t i = 0; i < lrn->nlearn; i++) {
		const struct capture_learn *l = &lrn->learn[i].l;
		struct refresh_entry *c = cache_slot(lrn, l->ip);

		if (c->ip != l->ip) {
			c->conflict_ms = 0;
		}
		c->ip = l->ip;
		c->mac = l->mac;
		c->written_ms = lrn->now_ms;
		if (lrn->learn[i].conflict) {
			c->conflict_ms = lrn->now_ms;
		}
	}
}

int vrd_learn_flush(struct vrd_learner *lrn, struct tables *t, uint64_t now_ms)
{
	struct vrd_learn_stats before = lrn->stats;
	int rc;

	if (lrn->nlearn == 0 && lrn->nseen == 0) {
		return 0;
	}
	lrn->now_ms = now_ms;
	rc = tables_write(t, flush_txn, lrn);
	if (rc < 0) {
		/* counters of an aborted transaction do not count */
		lrn->stats = before;
		lrn->stats.write_errors++;
	} else {
		lrn->stats.host_seen += lrn->nseen;
		cache_update(lrn);
	}
	lrn->nlearn = 0;
	lrn->nseen = 0;
	return rc < 0 ? rc : 0;
}

/* ---- counters ------------------------------------------------------- */

void vrd_learn_get_stats(const struct vrd_learner *lrn,
			 struct vrd_learn_stats *out)
{
	*out = lrn->stats;
}

int vrd_learn_counters(const struct vrd_learner *lrn,
		       int (*fn)(const char *name, uint64_t value, void *arg),
		       void *arg)
{
	const struct vrd_learn_stats *s = &lrn->stats;
	const struct vrd_counter c[] = {
		{"lan.learned_new", s->learned_new},
		{"lan.learned_moved", s->learned_moved},
		{"lan.refreshed", s->refreshed},
		{"lan.refresh_skipped", s->refresh_skipped},
		{"lan.static_kept", s->static_kept},
		{"lan.outside_lndt", s->outside_lndt},
		{"lan.host_seen", s->host_seen},
		{"lan.ip_conflicts", s->conflicts},
		{"lan.ip_conflicts_held", s->conflicts_held},
		{"lan.write_errors", s->write_errors},
	};
	int rc;

	rc = VRD_COUNTERS_EMIT(c, fn, arg);
	if (rc != 0) {
		return rc;
	}
	return 0;
}
