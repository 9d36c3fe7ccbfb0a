/*
 * Refused claims are not final (docs/gossip.md "Mobility claims", the
 * model in tests/unit/test_claim_model.c): a claim refused here for its
 * sequence number or its claimer's rate may have been taken by routers
 * that saw other claims, or had tokens left. Routers must still end with
 * the same owner:
 *   - a record beyond the window is corroborated by another origin's
 *     record a little below it (claim.h), which may come later: the key
 *     is held, and the node's latest record of every origin for the host
 *     is decided again at the host's next record;
 *   - a record over its claimer's rate stays refused (a flood must not
 *     become a queue), unless it would take a host of ours that we can
 *     check on our LAN (its MAC known): others may have taken it, so it
 *     is checked at once (vrd_migrate_refused: if the host answers, our
 *     claim above it is taken everywhere) and decided again once tokens
 *     are back (the check that follows contests or yields it).
 * Our own claims go above every record we hold for the host, within
 * GOSSIP_CLAIM_SEQ_CATCHUP of our state: a refused one may be what the
 * others hold.
 */
#include "vrd/daemon_gossip.h"

#include <stdlib.h>
#include <string.h>

#include "gossip/claim.h"
#include "gossip/node.h"
#include "base/clock.h"
#include "vrd/daemon.h"
#include "vrd/migrate.h"

#define HELD_RECORDS 64 /* origins' records of one host read back */
#define RATE_RETRY_MS (1000 / VRD_DAEMON_CLAIM_RATE_PER_S)

static size_t host_records(struct vrd_daemon_gossip *gs, uint32_t vn,
			   uint32_t ip, struct gossip_record *out)
{
	size_t n;

	if (!gs->d->gossip) {
		return 0;
	}
	n = gossip_node_host_records(gs->d->gossip, vn, ip, out, HELD_RECORDS);
	return n < HELD_RECORDS ? n : HELD_RECORDS;
}

bool vrd_daemon_gossip_corroborated(struct vrd_daemon_gossip *gs, uint32_t vn,
				    uint32_t ip, const char *origin,
				    uint64_t seq)
{
	struct gossip_record *r = malloc(HELD_RECORDS * sizeof(*r));
	bool found = false;
	size_t n;

	if (!r) {
		return false;
	}
	n = host_records(gs, vn, ip, r);
	for (size_t i = 0; i < n && !found; i++) {
		found = strcmp(r[i].origin, origin) != 0 &&
			r[i].mobility_seq < seq &&
			r[i].mobility_seq + GOSSIP_CLAIM_SEQ_WINDOW >= seq;
	}
	free(r);
	return found;
}

uint64_t vrd_daemon_gossip_seq_above(struct vrd_daemon_gossip *gs, uint32_t vn,
				     uint32_t ip, uint64_t seq, uint64_t mob)
{
	struct gossip_record *r = malloc(HELD_RECORDS * sizeof(*r));
	const char *self = gs->d->cfg.name;
	size_t n;

	if (!r) {
		return seq;
	}
	n = host_records(gs, vn, ip, r);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(r[i].origin, self) != 0 &&
		    r[i].mobility_seq >= seq &&
		    r[i].mobility_seq <= mob + GOSSIP_CLAIM_SEQ_CATCHUP) {
			seq = r[i].mobility_seq + 1;
		}
	}
	free(r);
	return seq;
}

static struct vrd_daemon_held *held_find(struct vrd_daemon_gossip *gs,
					 uint32_t vn, uint32_t ip)
{
	for (size_t i = 0; i < VRD_DAEMON_HELD_MAX; i++) {
		if (gs->held[i].used && gs->held[i].vn == vn &&
		    gs->held[i].ip == ip) {
			return &gs->held[i];
		}
	}
	return NULL;
}

static struct vrd_daemon_held *held_add(struct vrd_daemon_gossip *gs,
					uint32_t vn, uint32_t ip)
{
	struct vrd_daemon_held *k = held_find(gs, vn, ip);

	for (size_t i = 0; i < VRD_DAEMON_HELD_MAX && !k; i++) {
		if (!gs->held[i].used) {
			k = &gs->held[i];
			*k = (struct vrd_daemon_held){
				.used = true, .vn = vn, .ip = ip};
			gs->stats.claims_held++;
		}
	}
	if (!k) {
		gs->stats.claims_held_dropped++; /* full: decided as is */
	}
	return k;
}

void vrd_daemon_gossip_held_note(struct vrd_daemon_gossip *gs, uint32_t vn,
				 uint32_t ip, enum gossip_claim_verdict v,
				 uint64_t mono)
{
	struct vrd_daemon_held *k = held_find(gs, vn, ip);

	if (v == GOSSIP_CLAIM_REJECT_RATE) {
		if (!gs->d->migrate || vn != gs->d->cfg.vn ||
		    !vrd_migrate_checkable(gs->d->migrate, ip)) {
			return;
		}
		k = held_add(gs, vn, ip);
		if (k && (k->due_ms == 0 || k->due_ms > mono + RATE_RETRY_MS)) {
			k->due_ms = mono + RATE_RETRY_MS;
		}
		return;
	}
	if (k && !gs->redeciding) {
		/* a new record may corroborate one held, or be */
		k->due_ms = mono ? mono : 1;
		return;
	}
	if (v == GOSSIP_CLAIM_REJECT_SEQ) {
		(void)held_add(gs, vn, ip); /* due at the next record */
	}
}

static int by_seq(const void *a, const void *b)
{
	const struct gossip_record *x = a, *y = b;

	return x->mobility_seq < y->mobility_seq   ? -1
	       : x->mobility_seq > y->mobility_seq ? 1
						   : 0;
}

/* Decides the held records of one key again, lowest seq first (a chain
 * of corroborations climbs in one pass). */
static void redecide(struct vrd_daemon_gossip *gs, uint32_t vn, uint32_t ip)
{
	struct gossip_record *r = malloc(HELD_RECORDS * sizeof(*r));
	size_t n, k = 0;

	if (!r) {
		return;
	}
	n = host_records(gs, vn, ip, r);
	qsort(r, n, sizeof(*r), by_seq);
	for (size_t i = 0;
	     i < n && gs->npending < VRD_DAEMON_GOSSIP_PENDING_MAX; i++) {
		if (strcmp(r[i].origin, gs->d->cfg.name) != 0) {
			gs->pending[gs->npending++] = r[i];
			k++;
		}
	}
	free(r);
	if (k) {
		gs->stats.claims_redecided += k;
		vrd_daemon_gossip_records_apply(gs);
	}
}

void vrd_daemon_gossip_held_run(struct vrd_daemon_gossip *gs, uint64_t mono)
{
	if (gs->redeciding || gs->npending) {
		return;
	}
	gs->redeciding = true;
	for (size_t i = 0; i < VRD_DAEMON_HELD_MAX; i++) {
		struct vrd_daemon_held *k = &gs->held[i];
		uint32_t vn = k->vn, ip = k->ip;

		if (!k->used || k->due_ms == 0 || k->due_ms > mono) {
			continue;
		}
		k->used = false; /* held again if refused again */
		redecide(gs, vn, ip);
	}
	gs->redeciding = false;
}
