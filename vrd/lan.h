/*
 * The LAN side of a gateway-mode router: sniff ARP, RARP and the first
 * IPv4 frames of strangers on [lan] interface, learn the HWDT from them
 * (only for addresses the LNDT says this router serves), record "host
 * seen" evidence of arrivals in the event log, answer ARP for the
 * addresses it has been told to proxy, and send scheduled gratuitous ARP.
 *
 * Per wake-up at most VRD_LAN_BUDGET frames are read; everything they
 * teach is written in one LMDB transaction, and a refresh of an entry
 * written recently is not written again, so an ARP storm costs neither
 * fsyncs nor starves the other sources of the loop.
 */
#ifndef VRD_LAN_H
#define VRD_LAN_H

#include <stddef.h>
#include <stdint.h>

#include "base/addr.h"
#include "vrd/loop.h"
#include "vrctl/row.h"

#define VRD_LAN_BUDGET 256 /* frames per wake-up */
#define VRD_LAN_OWN_MAX 16 /* addresses of the router on the LAN */
#define VRD_LAN_PROXY_MAX 4096 /* addresses it may proxy */

struct vrd_daemon;
struct vrd_lan;

/* Opens capture and injection on d->cfg.lan_if. NULL with a logged
 * reason (no such interface, no privilege). */
struct vrd_lan *vrd_lan_create(struct vrd_daemon *d);
void vrd_lan_destroy(struct vrd_lan *lan); /* accepts NULL */

/* The addresses the router has on the LAN, read again from the kernel. */
void vrd_lan_refresh_own(struct vrd_lan *lan);

/* Proxy ARP for ip: 0, -EEXIST, -ENOSPC; del: 0 or -ENOENT. */
int vrd_lan_proxy_add(struct vrd_lan *lan, uint32_t ip);
int vrd_lan_proxy_del(struct vrd_lan *lan, uint32_t ip);
/* One row per proxied address (field "ip"). */
int vrd_lan_proxy_rows(struct vrd_lan *lan, struct vrd_reply *rep);

/* The router's addresses on the LAN, then the LAN's hosts in the HWDT:
 * up to max into out; how many. */
struct vrd_lan_host {
	uint32_t ip;
	struct vrd_mac mac;
};
size_t vrd_lan_neighbours(struct vrd_lan *lan, struct vrd_lan_host *out,
			  size_t max);

/* Gratuitous ARP announcing ip at mac (NULL: the router's own MAC),
 * broadcast or, with dst, unicast; sent now and repeated on the inject
 * schedule. 0 or a negative errno. */
int vrd_lan_announce(struct vrd_lan *lan, uint32_t ip,
		     const struct vrd_mac *mac, const struct vrd_mac *dst);

/* The host with this MAC was claimed away from this router: its next
 * frame on the LAN is a new arrival (capture_evidence_forget). */
void vrd_lan_forget(struct vrd_lan *lan, const struct vrd_mac *mac);

/* Reads what the capture holds now, as a wake-up would (a verdict about
 * to be taken first hears the answers already on the wire). */
void vrd_lan_read(struct vrd_lan *lan);

/* An ARP probe (RFC 5227: "who has ip?" from sender IP 0.0.0.0, at our
 * MAC) unicast to mac, the MAC the host had: is it still here? (NULL:
 * broadcast, to whoever has ip.) Its answer comes back through the
 * capture like any ARP frame. 0 or a negative errno. */
int vrd_lan_probe(struct vrd_lan *lan, uint32_t ip, const struct vrd_mac *mac);

/* Every counter of the LAN side ("capture.*", "lan.*", "proxy.*",
 * "inject.*") to fn, which returns 0 to go on. */
int vrd_lan_counters(struct vrd_lan *lan,
		     int (*fn)(const char *name, uint64_t value, void *arg),
		     void *arg);

#endif
