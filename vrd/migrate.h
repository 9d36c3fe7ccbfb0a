/*
 * Live migration in gateway mode (docs/migration.md): the steps between
 * "a MAC nobody here knew appeared on the LAN" and "every host that talked
 * to it still does".
 *
 * At the destination (B): the LAN's evidence of an arrival (RARP,
 * gratuitous ARP, a silent first frame) asks the overlay who had the MAC;
 * the router that saw it last answers with its IPs, and B claims each
 * (IP/32 -> B, next sequence number). The VM's home router then sends B
 * its LAN's active hosts and gateway addresses, and B corrects the VM's
 * stale neighbour cache with gratuitous ARP unicast to it, and answers the
 * VM's ARP requests for any address not on LAN B.
 *
 * At the home router (A), from the forwarding snapshot: a host of A's LAN
 * network that another router now owns is "away": A answers ARP for it and
 * announces it with its own MAC (so LAN A hands its traffic to A, which
 * tunnels it), forgets its HWDT entry, and sends the owner its hosts. A
 * host that comes home is announced again with its own MAC.
 *
 * Every step is an event with a millisecond time, so the phases can be
 * timed: host-seen, query, migration (ip, mac, from, to), host-route,
 * migration-proxy, migration-arp, migration-home; and host-sought when a
 * host of this LAN does not answer the kernel's ARP.
 */
#ifndef VRD_MIGRATE_H
#define VRD_MIGRATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/evidence.h"
#include "gossip/wire.h"
#include "base/counter.h"

#define VRD_MIGRATE_QUERIES 64 /* arrivals being asked about at once */
#define VRD_MIGRATE_RECENT 256 /* recent claims: ip -> mac, for the ARP */
#define VRD_MIGRATE_HOSTS_MAX 200 /* addresses in one hosts message */
#define VRD_MIGRATE_PENDING 64 /* silent arrivals waiting for a frame */
#define VRD_MIGRATE_PENDING_MS 60000 /* how long one waits */
#define VRD_MIGRATE_SEEKS 64 /* addresses sought lately, remembered */
#define VRD_MIGRATE_SEEK_MS 5000 /* one address sought at most this often */
#define VRD_MIGRATE_SEEKS_PER_S 4 /* addresses sought, all together */
#define VRD_MIGRATE_SOUGHT_PER_S 16 /* probes for other routers' seeks */
/* checks of refused claims of ours, per claimer: this many per period */
#define VRD_MIGRATE_REFUSED_BURST 8
#define VRD_MIGRATE_REFUSED_MS 4000

struct vrd_daemon;
struct vrd_migrate;

struct vrd_migrate *vrd_migrate_create(struct vrd_daemon *d);
void vrd_migrate_destroy(struct vrd_migrate *m); /* NULL ok */

/* The LAN saw an arrival (borrowed). A MAC this router had lately (it
 * claimed it, or saw it leave) whose address another router owns now is
 * claimed back at once; any other is asked about. */
void vrd_migrate_seen(struct vrd_migrate *m, const struct capture_event *ev);
/* A frame on the LAN from src (ARP sender, arp, or IPv4 source): if src
 * is a host of this LAN that another router owns, it came home: claimed
 * back at once (no question: this router knows it was away). An ARP from
 * a host of another network that the overlay routes to another router is
 * the same: it is here (a lost announcement, a move during a freeze). A
 * silent arrival (its MAC named no address and nobody knew it) waits,
 * pending, for this: its first frame that names an address resolves it. */
void vrd_migrate_frame(struct vrd_migrate *m, const struct vrd_mac *mac,
		       uint32_t src, bool arp);
/* A claim of ip by claimer was refused here for its seq or its rate,
 * but other routers may have taken it: if ip is ours (a host of our LAN
 * at home, or a visitor), it is checked on our LAN as a move would be,
 * and contested if it answers (a few a second). */
void vrd_migrate_refused(struct vrd_migrate *m, uint32_t ip,
			 const char *claimer);
/* Is ip a host of ours (at home here, or a visitor) whose MAC we know,
 * so that our LAN can show whether it is here? */
bool vrd_migrate_checkable(struct vrd_migrate *m, uint32_t ip);
/* The kernel's ARP for ip on our LAN went unanswered (traffic for it
 * found nobody there): a host of this LAN that the overlay routes here
 * is sought across the overlay, a sealed "seek ip" to every router that
 * is up, each address once per VRD_MIGRATE_SEEK_MS and at most
 * VRD_MIGRATE_SEEKS_PER_S of them (event host-sought). */
void vrd_migrate_unanswered(struct vrd_migrate *m, uint32_t ip);
/* A seek from router `from` (authenticated): when from is the router
 * the overlay routes the address to, one ARP probe for it on our LAN (at
 * most VRD_MIGRATE_SOUGHT_PER_S); a silent arrival that answers is
 * claimed as any arrival is. */
void vrd_migrate_seek(struct vrd_migrate *m, const char *from,
		      const uint8_t *msg, size_t len);
/* Is query_id one of ours (still waiting)? */
bool vrd_migrate_asked(const struct vrd_migrate *m, uint64_t query_id);
/* A gossip query finished: true if it was one of ours. An address this
 * router owns already is not claimed again (one claim per arrival). */
bool vrd_migrate_query_done(struct vrd_migrate *m, uint64_t query_id,
			    const char *router,
			    const struct gossip_wire_answer_entry *ips,
			    size_t nips);
/* The forwarding snapshot changed: away hosts and visitors follow. */
void vrd_migrate_fib(struct vrd_migrate *m);
/* A hosts message from router `from` (already authenticated). */
void vrd_migrate_hosts(struct vrd_migrate *m, const char *from,
		       const uint8_t *msg, size_t len);
/* Should the router answer an ARP request from spa for tpa? (a visitor
 * asking for an address that is not on this LAN) */
bool vrd_migrate_proxy(const struct vrd_migrate *m, uint32_t spa, uint32_t tpa);

int vrd_migrate_counters(const struct vrd_migrate *m, vrd_counter_fn fn,
			 void *arg);

#endif
