/*
 * Migration evidence state machine: classification, folding per MAC in a
 * fixed set-associative table, a token bucket on events. See evidence.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/evidence.h"
#include "base/counter.h"

#define WAYS 8
#define GAP_MAX_MS 1000000u /* refill clamp: no overflow, bucket full */

enum entry_state {
	ENTRY_EMPTY = 0,
	ENTRY_EVENT, /* an arrival, folding */
	ENTRY_KNOWN, /* mac_known said yes at last_ms: a cached answer */
};

struct entry {
	struct vrd_mac mac;
	uint8_t state; /* enum entry_state */
	uint8_t kind; /* enum capture_event_kind */
	uint16_t vlan;
	uint32_t ip;
	uint32_t frames;
	uint64_t first_ms;
	uint64_t last_ms;
};

struct capture_evidence {
	struct capture_evidence_config cfg;
	struct entry *slots;
	size_t nslots; /* power of two, multiple of WAYS */
	size_t used;
	uint64_t tokens; /* in thousandths of an event */
	uint64_t bucket_ms; /* last refill */
	struct capture_evidence_stats stats;
};

static const char *const kind_names[CAPTURE_EVENT_MAX] = {
	[CAPTURE_EVENT_RARP] = "rarp",
	[CAPTURE_EVENT_RARP_OTHER] = "rarp_other",
	[CAPTURE_EVENT_GARP] = "garp",
	[CAPTURE_EVENT_SILENT_ARP] = "silent_arp",
	[CAPTURE_EVENT_SILENT_IPV4] = "silent_ipv4",
};

const char *capture_event_kind_name(int kind)
{
	if (kind <= 0 || kind >= CAPTURE_EVENT_MAX) {
		return "unknown";
	}
	return kind_names[kind];
}

struct capture_evidence *
capture_evidence_create(const struct capture_evidence_config *cfg)
{
	struct capture_evidence *ev;
	size_t n = WAYS;

	if (!cfg || cfg->network.len > 32 || cfg->table_size > (1u << 24)) {
		errno = EINVAL;
		return NULL;
	}
	ev = calloc(1, sizeof(*ev));
	if (!ev) {
		return NULL;
	}
	ev->cfg = *cfg;
	if (ev->cfg.fold_ms == 0) {
		ev->cfg.fold_ms = CAPTURE_EVIDENCE_FOLD_MS;
	}
	if (ev->cfg.table_size == 0) {
		ev->cfg.table_size = CAPTURE_EVIDENCE_TABLE;
	}
	if (ev->cfg.events_per_sec == 0) {
		ev->cfg.events_per_sec = CAPTURE_EVIDENCE_EVENTS_PER_SEC;
	}
	while (n < ev->cfg.table_size) {
		n <<= 1;
	}
	ev->slots = calloc(n, sizeof(*ev->slots));
	if (!ev->slots) {
		free(ev);
		return NULL;
	}
	ev->nslots = n;
	ev->tokens = (uint64_t)ev->cfg.events_per_sec * 1000;
	return ev;
}

void capture_evidence_destroy(struct capture_evidence *ev)
{
	if (!ev) {
		return;
	}
	free(ev->slots);
	free(ev);
}

void capture_evidence_set_network(struct capture_evidence *ev,
				  const struct vrd_prefix *network)
{
	ev->cfg.network = *network;
}

static uint64_t mac_hash(const struct vrd_mac *m, uint64_t seed)
{
	uint64_t x = 0;

	for (int i = 0; i < 6; i++) {
		x = x << 8 | m->b[i];
	}
	/* splitmix64 finaliser */
	x ^= seed;
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static struct entry *set_of(const struct capture_evidence *ev,
			    const struct vrd_mac *mac)
{
	size_t sets = ev->nslots / WAYS;

	return ev->slots + (mac_hash(mac, ev->cfg.seed) & (sets - 1)) * WAYS;
}

static bool entry_live(const struct capture_evidence *ev, const struct entry *e,
		       uint64_t now)
{
	/* a clock that went back counts as "just now" */
	return now <= e->last_ms || now - e->last_ms <= ev->cfg.fold_ms;
}

static struct entry *lookup(const struct capture_evidence *ev,
			    const struct vrd_mac *mac)
{
	struct entry *set = set_of(ev, mac);

	for (int i = 0; i < WAYS; i++) {
		if (set[i].state != ENTRY_EMPTY &&
		    vrd_mac_equal(&set[i].mac, mac)) {
			return &set[i];
		}
	}
	return NULL;
}

/* Eviction order: cached answers and arrivals seen only once (what a
 * flood of distinct MACs leaves) before confirmed bursts, then the least
 * recently seen. */
static bool evict_before(const struct entry *a, const struct entry *b)
{
	bool a_confirmed = a->state == ENTRY_EVENT && a->frames > 1;
	bool b_confirmed = b->state == ENTRY_EVENT && b->frames > 1;

	if (a_confirmed != b_confirmed) {
		return b_confirmed;
	}
	return a->last_ms < b->last_ms;
}

/* A slot for a MAC that has none: empty, else expired, else a live one
 * pushed out (an eviction). */
static struct entry *claim(struct capture_evidence *ev,
			   const struct vrd_mac *mac, uint64_t now)
{
	struct entry *set = set_of(ev, mac);
	struct entry *victim = NULL;

	for (int i = 0; i < WAYS; i++) {
		if (set[i].state == ENTRY_EMPTY) {
			ev->used++;
			return &set[i];
		}
		if (!entry_live(ev, &set[i], now)) {
			return &set[i];
		}
		if (!victim || evict_before(&set[i], victim)) {
			victim = &set[i];
		}
	}
	ev->stats.evicted++;
	return victim;
}

/* Refills the bucket and says whether an event may pass now. */
static bool token_ready(struct capture_evidence *ev, uint64_t now)
{
	uint64_t cap, gap;

	if (ev->cfg.events_per_sec == CAPTURE_EVIDENCE_UNLIMITED) {
		return true;
	}
	cap = (uint64_t)ev->cfg.events_per_sec * 1000;
	if (now > ev->bucket_ms) {
		gap = now - ev->bucket_ms;
		if (gap > GAP_MAX_MS) {
			gap = GAP_MAX_MS;
		}
		ev->tokens += gap * ev->cfg.events_per_sec;
		if (ev->tokens > cap) {
			ev->tokens = cap;
		}
		ev->bucket_ms = now;
	}
	return ev->tokens >= 1000;
}

static void token_take(struct capture_evidence *ev)
{
	if (ev->cfg.events_per_sec != CAPTURE_EVIDENCE_UNLIMITED) {
		ev->tokens -= 1000;
	}
}

/* A unicast host address: not 0/8, 127/8, 224/4 or 240/4, nor the
 * network or broadcast address of the router's network. */
static bool ip_is_host(const struct capture_evidence *ev, uint32_t ip)
{
	const struct vrd_prefix *net = &ev->cfg.network;
	uint8_t first = ip >> 24;

	if (first == 0 || first == 127 || first >= 224) {
		return false;
	}
	if (net->len <= 30 && vrd_prefix_contains(net, ip)) {
		uint32_t host = ip & ~vrd_prefix_mask(net->len);

		if (host == 0 || host == ~vrd_prefix_mask(net->len)) {
			return false;
		}
	}
	return true;
}

static bool ip_is_foreign(const struct capture_evidence *ev, uint32_t ip)
{
	return ip_is_host(ev, ip) && !vrd_prefix_contains(&ev->cfg.network, ip);
}

static bool learn_from(const struct capture_evidence *ev,
		       const struct capture_frame *f, uint8_t source,
		       struct capture_learn *learn)
{
	if (!ip_is_host(ev, f->spa)) {
		return false;
	}
	learn->ip = f->spa;
	learn->mac = f->sha;
	learn->vlan = f->vlan;
	learn->source = source;
	return true;
}

/* The event kind this frame is evidence of (0: none) and its IP. */
static int classify(const struct capture_evidence *ev,
		    const struct capture_frame *f, uint32_t *ip)
{
	bool own = !(f->flags & CAPTURE_FRAME_SHA_MISMATCH);

	*ip = 0;
	switch (f->kind) {
	case CAPTURE_KIND_ARP:
		if (!own) {
			return 0;
		}
		if (f->flags & CAPTURE_FRAME_GRATUITOUS) {
			if (!ip_is_host(ev, f->spa)) {
				return 0;
			}
			*ip = f->spa;
			return CAPTURE_EVENT_GARP;
		}
		if (ip_is_foreign(ev, f->spa)) {
			*ip = f->spa;
			return CAPTURE_EVENT_SILENT_ARP;
		}
		return 0;
	case CAPTURE_KIND_RARP:
		if (!own || f->op != CAPTURE_RARP_REQUEST) {
			return 0;
		}
		if (vrd_mac_equal(&f->sha, &f->tha) && f->spa == 0 &&
		    f->tpa == 0) {
			return CAPTURE_EVENT_RARP;
		}
		*ip = ip_is_host(ev, f->spa) ? f->spa : 0;
		return CAPTURE_EVENT_RARP_OTHER;
	case CAPTURE_KIND_IPV4:
		if (ip_is_foreign(ev, f->ip_src)) {
			*ip = f->ip_src;
			return CAPTURE_EVENT_SILENT_IPV4;
		}
		return 0;
	}
	return 0;
}

static void fold(struct capture_evidence *ev, struct entry *e, uint64_t now)
{
	if (e->frames < UINT32_MAX) {
		e->frames++;
	}
	if (now > e->last_ms) {
		e->last_ms = now;
	}
	ev->stats.folded++;
}

static void entry_export(const struct entry *e, struct capture_event *out)
{
	out->kind = e->kind;
	out->mac = e->mac;
	out->ip = e->ip;
	out->vlan = e->vlan;
	out->first_ms = e->first_ms;
	out->last_ms = e->last_ms;
	out->frames = e->frames;
}

/*
 * A silent candidate without a live entry: true when the callbacks know
 * its MAC or IP. A known MAC is cached in the table for fold_ms.
 */
static bool silent_known(struct capture_evidence *ev, struct entry **ep,
			 const struct capture_frame *f, uint32_t ip,
			 uint64_t now)
{
	const struct capture_evidence_config *c = &ev->cfg;
	struct entry *e = *ep;

	if (c->mac_known && c->mac_known(&f->eth_src, f->vlan, c->arg)) {
		if (!e) {
			e = claim(ev, &f->eth_src, now);
		}
		memset(e, 0, sizeof(*e));
		e->mac = f->eth_src;
		e->state = ENTRY_KNOWN;
		e->vlan = f->vlan;
		e->first_ms = e->last_ms = now;
		*ep = e;
		ev->stats.known++;
		return true;
	}
	if (c->ip_known && c->ip_known(ip, c->arg)) {
		ev->stats.known++;
		return true;
	}
	return false;
}

unsigned capture_evidence_feed(struct capture_evidence *ev,
			       const struct capture_frame *f, uint64_t now_ms,
			       struct capture_event *event,
			       struct capture_learn *learn)
{
	unsigned res = 0;
	struct entry *e;
	bool silent;
	uint32_t ip;
	int kind;

	if (f->kind == CAPTURE_KIND_ARP) {
		uint8_t src = (f->flags & CAPTURE_FRAME_GRATUITOUS)
				      ? CAPTURE_LEARN_GARP
				      : CAPTURE_LEARN_ARP;

		if (learn_from(ev, f, src, learn)) {
			res |= CAPTURE_FEED_LEARN;
		}
	} else if (f->kind == CAPTURE_KIND_RARP &&
		   f->op == CAPTURE_RARP_REQUEST) {
		if (learn_from(ev, f, CAPTURE_LEARN_RARP, learn)) {
			res |= CAPTURE_FEED_LEARN;
		}
	}
	if (res & CAPTURE_FEED_LEARN) {
		ev->stats.learned++;
	}

	kind = classify(ev, f, &ip);
	if (kind == 0) {
		return res;
	}
	e = lookup(ev, &f->eth_src);
	silent = kind == CAPTURE_EVENT_SILENT_ARP ||
		 kind == CAPTURE_EVENT_SILENT_IPV4;
	if (e && entry_live(ev, e, now_ms) &&
	    (e->state == ENTRY_EVENT || silent)) {
		/* the same arrival, or a cached "known" */
		if (e->state == ENTRY_EVENT) {
			fold(ev, e, now_ms);
		} else {
			ev->stats.known++;
		}
		return res;
	}
	/* no token: refuse before the callbacks cost anything */
	if (!token_ready(ev, now_ms)) {
		ev->stats.ratelimited++;
		return res;
	}
	if (silent && silent_known(ev, &e, f, ip, now_ms)) {
		return res;
	}
	token_take(ev);
	if (!e) {
		e = claim(ev, &f->eth_src, now_ms);
	}
	e->mac = f->eth_src;
	e->state = ENTRY_EVENT;
	e->kind = (uint8_t)kind;
	e->vlan = f->vlan;
	e->ip = ip;
	e->frames = 1;
	e->first_ms = e->last_ms = now_ms;
	ev->stats.events[kind]++;
	entry_export(e, event);
	return res | CAPTURE_FEED_EVENT;
}

int capture_evidence_forget(struct capture_evidence *ev,
			    const struct vrd_mac *mac)
{
	struct entry *e = lookup(ev, mac);

	if (!e) {
		return -ENOENT;
	}
	memset(e, 0, sizeof(*e));
	ev->used--;
	ev->stats.forgotten++;
	return 0;
}

int capture_evidence_get(const struct capture_evidence *ev,
			 const struct vrd_mac *mac, struct capture_event *out)
{
	const struct entry *e = lookup(ev, mac);

	if (!e || e->state != ENTRY_EVENT) {
		return -ENOENT;
	}
	entry_export(e, out);
	return 0;
}

size_t capture_evidence_size(const struct capture_evidence *ev)
{
	return ev->used;
}

size_t capture_evidence_capacity(const struct capture_evidence *ev)
{
	return ev->nslots;
}

void capture_evidence_get_stats(const struct capture_evidence *ev,
				struct capture_evidence_stats *out)
{
	*out = ev->stats;
}

int capture_evidence_stats_foreach(const struct capture_evidence_stats *st,
				   int (*fn)(const char *name, uint64_t value,
					     void *arg),
				   void *arg)
{
	const struct vrd_counter plain[] = {
		{"capture.evidence.folded", st->folded},
		{"capture.evidence.learned", st->learned},
		{"capture.evidence.evicted", st->evicted},
		{"capture.evidence.ratelimited", st->ratelimited},
		{"capture.evidence.known", st->known},
		{"capture.evidence.forgotten", st->forgotten},
	};
	char name[64];
	int rc;

	for (int k = 1; k < CAPTURE_EVENT_MAX; k++) {
		snprintf(name, sizeof(name), "capture.evidence.%s",
			 capture_event_kind_name(k));
		rc = fn(name, st->events[k], arg);
		if (rc != 0) {
			return rc;
		}
	}
	rc = VRD_COUNTERS_EMIT(plain, fn, arg);
	if (rc != 0) {
		return rc;
	}
	return 0;
}
