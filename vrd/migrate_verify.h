/*
 * The pure core of move verification (docs/migration.md, "Verifying a
 * move"): when another router claims a host from this one, this one asks
 * its LAN whether the host is still there before it lets go. No I/O, no
 * daemon, time as an input: migrate.c sends the probes and acts on the
 * verdicts this hands out.
 *
 * A move under verification gets VRD_MIGRATE_VERIFY_PROBES ARP probes,
 * VRD_MIGRATE_VERIFY_PROBE_IVL_MS apart, aimed at the MAC the host had
 * here. An answer from that MAC for that address contests the move at
 * once; silence until VRD_MIGRATE_VERIFY_WINDOW_MS after the start yields
 * it. A host answering at two places (a duplicate MAC, or a forger on
 * the home LAN) would make the two routers contest each other without
 * end, so one address is contested at most VRD_MIGRATE_VERIFY_CONTESTS
 * times per VRD_MIGRATE_VERIFY_PERIOD_MS; past that the move is yielded
 * and the verdict says so (the flap freeze then has the last word).
 *
 * The same probes prove an arrival that needs proof (side ARRIVE): a host
 * whose claim at this router was just contested, seen here again. There
 * an answer is the claim and silence leaves the host where it is.
 */
#ifndef VRD_MIGRATE_VERIFY_H
#define VRD_MIGRATE_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/addr.h"

#define VRD_MIGRATE_VERIFY_MAX 64 /* moves verified at once */
#define VRD_MIGRATE_VERIFY_PROBES 2
#define VRD_MIGRATE_VERIFY_PROBE_IVL_MS 10
#define VRD_MIGRATE_VERIFY_WINDOW_MS 20
#define VRD_MIGRATE_VERIFY_CONTESTS 8
#define VRD_MIGRATE_VERIFY_PERIOD_MS 60000
#define VRD_MIGRATE_VERIFY_HISTORY 256 /* contests remembered */

enum vrd_migrate_verify_side {
	VRD_MIGRATE_VERIFY_HOME, /* a host of our LAN, now "away" */
	VRD_MIGRATE_VERIFY_VISIT, /* a visitor we are losing */
	/* a host whose claim here was contested is back: an answer proves
	 * it (CONTEST: claim it), silence does not (YIELD: leave it) */
	VRD_MIGRATE_VERIFY_ARRIVE,
};

struct vrd_migrate_verify_move {
	uint32_t ip;
	struct vrd_mac mac; /* the MAC the host had here */
	char claimer[VRD_NAME_MAX + 1]; /* the router that took it */
	enum vrd_migrate_verify_side side;
	uint64_t start_ms;
	unsigned probes; /* sent so far */
	bool answered;
};

enum vrd_migrate_verify_do {
	VRD_MIGRATE_VERIFY_PROBE, /* send a probe for the move */
	VRD_MIGRATE_VERIFY_YIELD, /* silence: let the host go */
	VRD_MIGRATE_VERIFY_CONTEST, /* it answered: claim it back */
};

struct vrd_migrate_verify_action {
	enum vrd_migrate_verify_do what;
	bool limited; /* YIELD of a host that answered: too many contests */
	struct vrd_migrate_verify_move move; /* a copy */
};

struct vrd_migrate_verify {
	struct vrd_migrate_verify_move m[VRD_MIGRATE_VERIFY_MAX];
	bool used[VRD_MIGRATE_VERIFY_MAX];
	struct {
		uint32_t ip;
		uint64_t ms;
	} contests[VRD_MIGRATE_VERIFY_HISTORY];
	unsigned ncontests; /* entries of contests in use */
	unsigned contest_next; /* the oldest, overwritten next */
};

/* Zeroed is empty: {0} or memset. */

/* Starts verifying the move of ip (its MAC here: mac, borrowed) to
 * claimer at now: 0, -EEXIST when ip is being verified already (then only
 * the claimer is updated: the host moved on), -ENOSPC when full. */
int vrd_migrate_verify_start(struct vrd_migrate_verify *v, uint32_t ip,
			     const struct vrd_mac *mac, const char *claimer,
			     enum vrd_migrate_verify_side side, uint64_t now);
/* Is ip being verified? */
bool vrd_migrate_verify_pending(const struct vrd_migrate_verify *v,
				uint32_t ip);
/* Stops verifying ip (the route changed again): true if it was. */
bool vrd_migrate_verify_cancel(struct vrd_migrate_verify *v, uint32_t ip);
/* An ARP frame from mac saying it has ip: true if it answers a probe
 * (the verdict is then due at once). */
bool vrd_migrate_verify_answer(struct vrd_migrate_verify *v, uint32_t ip,
			       const struct vrd_mac *mac);
/* What is due at now: up to max actions into out, how many. A verdict
 * ends the move's verification; a CONTEST is remembered against the
 * address's budget. */
size_t vrd_migrate_verify_due(struct vrd_migrate_verify *v, uint64_t now,
			      struct vrd_migrate_verify_action *out,
			      size_t max);
/* When something is due next (monotonic ms), UINT64_MAX: nothing. */
uint64_t vrd_migrate_verify_next_ms(const struct vrd_migrate_verify *v);
/* Moves being verified. */
size_t vrd_migrate_verify_count(const struct vrd_migrate_verify *v);

#endif
