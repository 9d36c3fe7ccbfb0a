/* GARP repeat schedule and rate limit. A flat array of slots scanned
 * linearly: the capacity is a few thousand at most and the scans run a few
 * times a second, so a heap or hash would buy nothing measurable. */
#include "inject/schedule.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

const uint32_t inject_sched_offsets_ms[INJECT_SCHED_STEPS] = {
	0, 100, 300, 1100, 3100,
};

/* The bucket counts thousandths of a token, so that a rate in packets per
 * second refills by exactly rate_pps units per millisecond. */
#define TOKEN 1000u

struct slot {
	struct inject_announce a; /* a.step: the step sent next */
	uint64_t start_ms;
	uint64_t due_ms;
	bool used;
};

struct inject_sched {
	struct slot *slots;
	size_t cap;
	size_t count;
	size_t cursor; /* round robin among repeats */
	uint32_t rate_pps;
	uint64_t bucket_max;
	uint64_t tokens;
	uint64_t refill_ms;
	bool clock_set;
	struct inject_sched_stats stats;
};

struct inject_sched *inject_sched_create(size_t capacity, uint32_t rate_pps,
					 uint32_t burst)
{
	struct inject_sched *s;

	if (capacity == 0 || (rate_pps > 0 && burst == 0)) {
		errno = EINVAL;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		return NULL;
	}
	s->slots = calloc(capacity, sizeof(*s->slots));
	if (!s->slots) {
		free(s);
		return NULL;
	}
	s->cap = capacity;
	s->rate_pps = rate_pps;
	s->bucket_max = (uint64_t)burst * TOKEN;
	s->tokens = s->bucket_max;
	return s;
}

void inject_sched_destroy(struct inject_sched *s)
{
	if (!s) {
		return;
	}
	free(s->slots);
	free(s);
}

static void bucket_refill(struct inject_sched *s, uint64_t now_ms)
{
	uint64_t elapsed;

	if (!s->clock_set) {
		s->clock_set = true;
		s->refill_ms = now_ms;
		return;
	}
	if (s->rate_pps == 0 || now_ms <= s->refill_ms) {
		return;
	}
	elapsed = now_ms - s->refill_ms;
	/* Past this much time the bucket is full anyway; no overflow. */
	if (elapsed > s->bucket_max / s->rate_pps + 1) {
		elapsed = s->bucket_max / s->rate_pps + 1;
	}
	s->tokens += elapsed * s->rate_pps;
	if (s->tokens > s->bucket_max) {
		s->tokens = s->bucket_max;
	}
	s->refill_ms = now_ms;
}

static bool same_key(const struct inject_announce *x,
		     const struct inject_announce *y)
{
	return x->ip == y->ip && vrd_mac_equal(&x->dst, &y->dst);
}

int inject_sched_add(struct inject_sched *s, const struct inject_announce *a,
		     uint64_t now_ms)
{
	struct slot *free_slot = NULL, *sl = NULL;
	size_t i;

	bucket_refill(s, now_ms);
	for (i = 0; i < s->cap; i++) {
		if (!s->slots[i].used) {
			if (!free_slot) {
				free_slot = &s->slots[i];
			}
			continue;
		}
		if (same_key(&s->slots[i].a, a)) {
			sl = &s->slots[i];
			break;
		}
	}
	if (sl) {
		s->stats.restarted++;
	} else if (free_slot) {
		sl = free_slot;
		sl->used = true;
		s->count++;
		s->stats.added++;
	} else {
		s->stats.refused++;
		return -ENOSPC;
	}
	sl->a = *a;
	sl->a.step = 0;
	sl->start_ms = now_ms;
	sl->due_ms = now_ms;
	return 0;
}

size_t inject_sched_cancel(struct inject_sched *s, uint32_t ip)
{
	size_t i, n = 0;

	for (i = 0; i < s->cap; i++) {
		if (s->slots[i].used && s->slots[i].a.ip == ip) {
			s->slots[i].used = false;
			n++;
		}
	}
	s->count -= n;
	s->stats.cancelled += n;
	return n;
}

/* After a send at now_ms: the next step still ahead, or done. */
static void slot_advance(struct inject_sched *s, struct slot *sl,
			 uint64_t now_ms)
{
	unsigned j = sl->a.step + 1u;

	while (j < INJECT_SCHED_STEPS &&
	       sl->start_ms + inject_sched_offsets_ms[j] <= now_ms) {
		j++;
		s->stats.skipped++;
	}
	if (j >= INJECT_SCHED_STEPS) {
		sl->used = false;
		s->count--;
		s->stats.finished++;
		return;
	}
	sl->a.step = (uint8_t)j;
	sl->due_ms = sl->start_ms + inject_sched_offsets_ms[j];
}

size_t inject_sched_due(struct inject_sched *s, uint64_t now_ms,
			struct inject_announce *out, size_t max)
{
	size_t n = 0, i, idx, avail, next_cursor = s->cursor;
	struct slot *sl;
	int pass;

	bucket_refill(s, now_ms);
	avail = s->rate_pps ? (size_t)(s->tokens / TOKEN) : SIZE_MAX;
	/* Pass 0: first sends; pass 1: repeats. */
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < s->cap && n < max; i++) {
			idx = (s->cursor + i) % s->cap;
			sl = &s->slots[idx];
			if (!sl->used || sl->due_ms > now_ms ||
			    (sl->a.step == 0) != (pass == 0)) {
				continue;
			}
			if (avail == 0) {
				s->stats.delayed++;
				continue;
			}
			out[n++] = sl->a;
			avail--;
			if (s->rate_pps) {
				s->tokens -= TOKEN;
			}
			s->stats.sent++;
			slot_advance(s, sl, now_ms);
			if (pass == 1) {
				next_cursor = (idx + 1) % s->cap;
			}
		}
	}
	s->cursor = next_cursor;
	return n;
}

uint64_t inject_sched_next_ms(const struct inject_sched *s)
{
	uint64_t next = UINT64_MAX, ready;
	size_t i;

	for (i = 0; i < s->cap; i++) {
		if (s->slots[i].used && s->slots[i].due_ms < next) {
			next = s->slots[i].due_ms;
		}
	}
	if (next == UINT64_MAX || s->rate_pps == 0 || s->tokens >= TOKEN) {
		return next;
	}
	/* The time the bucket holds one whole token again (rounded up). */
	ready = s->refill_ms +
		(TOKEN - s->tokens + s->rate_pps - 1) / s->rate_pps;
	return ready > next ? ready : next;
}

size_t inject_sched_count(const struct inject_sched *s)
{
	return s->count;
}

void inject_sched_stats_get(const struct inject_sched *s,
			    struct inject_sched_stats *out)
{
	*out = s->stats;
}
