/*
 * Move verification's state machine (vrd/migrate_verify.h): which probe
 * or verdict is due when. Pure: no I/O, time comes in as an argument.
 */
#include "vrd/migrate_verify.h"

#include <errno.h>
#include <string.h>

static int find(const struct vrd_migrate_verify *v, uint32_t ip)
{
	for (int i = 0; i < VRD_MIGRATE_VERIFY_MAX; i++) {
		if (v->used[i] && v->m[i].ip == ip) {
			return i;
		}
	}
	return -1;
}

static void claimer_set(struct vrd_migrate_verify_move *mv, const char *c)
{
	size_t n = strnlen(c, VRD_NAME_MAX);

	memcpy(mv->claimer, c, n);
	mv->claimer[n] = '\0';
}

int vrd_migrate_verify_start(struct vrd_migrate_verify *v, uint32_t ip,
			     const struct vrd_mac *mac, const char *claimer,
			     enum vrd_migrate_verify_side side, uint64_t now)
{
	int i = find(v, ip);

	if (i >= 0) {
		claimer_set(&v->m[i], claimer);
		return -EEXIST;
	}
	for (i = 0; i < VRD_MIGRATE_VERIFY_MAX && v->used[i]; i++) {
	}
	if (i == VRD_MIGRATE_VERIFY_MAX) {
		return -ENOSPC;
	}
	v->used[i] = true;
	v->m[i] = (struct vrd_migrate_verify_move){
		.ip = ip,
		.mac = *mac,
		.side = side,
		.start_ms = now,
	};
	claimer_set(&v->m[i], claimer);
	return 0;
}

bool vrd_migrate_verify_pending(const struct vrd_migrate_verify *v, uint32_t ip)
{
	return find(v, ip) >= 0;
}

bool vrd_migrate_verify_cancel(struct vrd_migrate_verify *v, uint32_t ip)
{
	int i = find(v, ip);

	if (i < 0) {
		return false;
	}
	v->used[i] = false;
	return true;
}

bool vrd_migrate_verify_answer(struct vrd_migrate_verify *v, uint32_t ip,
			       const struct vrd_mac *mac)
{
	int i = find(v, ip);

	if (i < 0 || v->m[i].answered || !vrd_mac_equal(&v->m[i].mac, mac)) {
		return false;
	}
	v->m[i].answered = true;
	return true;
}

/* When move mv wants attention next. */
static uint64_t move_next_ms(const struct vrd_migrate_verify_move *mv)
{
	if (mv->answered) {
		return 0;
	}
	if (mv->probes < VRD_MIGRATE_VERIFY_PROBES) {
		return mv->start_ms +
		       (uint64_t)mv->probes * VRD_MIGRATE_VERIFY_PROBE_IVL_MS;
	}
	return mv->start_ms + VRD_MIGRATE_VERIFY_WINDOW_MS;
}

/* May ip be contested once more at now? If so, that contest counts. */
static bool contest_allowed(struct vrd_migrate_verify *v, uint32_t ip,
			    uint64_t now)
{
	unsigned n = 0;

	for (unsigned i = 0; i < v->ncontests; i++) {
		if (v->contests[i].ip == ip &&
		    now - v->contests[i].ms < VRD_MIGRATE_VERIFY_PERIOD_MS) {
			n++;
		}
	}
	if (n >= VRD_MIGRATE_VERIFY_CONTESTS) {
		return false;
	}
	v->contests[v->contest_next].ip = ip;
	v->contests[v->contest_next].ms = now;
	v->contest_next = (v->contest_next + 1) % VRD_MIGRATE_VERIFY_HISTORY;
	if (v->ncontests < VRD_MIGRATE_VERIFY_HISTORY) {
		v->ncontests++;
	}
	return true;
}

size_t vrd_migrate_verify_due(struct vrd_migrate_verify *v, uint64_t now,
			      struct vrd_migrate_verify_action *out, size_t max)
{
	size_t n = 0;

	for (int i = 0; i < VRD_MIGRATE_VERIFY_MAX && n < max; i++) {
		struct vrd_migrate_verify_move *mv = &v->m[i];
		struct vrd_migrate_verify_action *a = &out[n];

		if (!v->used[i] || move_next_ms(mv) > now) {
			continue;
		}
		*a = (struct vrd_migrate_verify_action){.move = *mv};
		if (mv->answered) {
			a->what = contest_allowed(v, mv->ip, now)
					  ? VRD_MIGRATE_VERIFY_CONTEST
					  : VRD_MIGRATE_VERIFY_YIELD;
			a->limited = a->what == VRD_MIGRATE_VERIFY_YIELD;
			v->used[i] = false;
		} else if (mv->probes < VRD_MIGRATE_VERIFY_PROBES) {
			a->what = VRD_MIGRATE_VERIFY_PROBE;
			mv->probes++;
		} else {
			a->what = VRD_MIGRATE_VERIFY_YIELD;
			v->used[i] = false;
		}
		n++;
	}
	return n;
}

uint64_t vrd_migrate_verify_next_ms(const struct vrd_migrate_verify *v)
{
	uint64_t next = UINT64_MAX;

	for (int i = 0; i < VRD_MIGRATE_VERIFY_MAX; i++) {
		if (v->used[i] && move_next_ms(&v->m[i]) < next) {
			next = move_next_ms(&v->m[i]);
		}
	}
	return next;
}

size_t vrd_migrate_verify_count(const struct vrd_migrate_verify *v)
{
	size_t n = 0;

	for (int i = 0; i < VRD_MIGRATE_VERIFY_MAX; i++) {
		n += v->used[i];
	}
	return n;
}
