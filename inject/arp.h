/* ARP frames onto a LAN with libnet: gratuitous ARP (request or reply form)
 * and proxy replies. The only file of vrd that includes libnet.
 *
 * Ethernet source: always the MAC of the interface the frames leave by, not
 * the ARP sender hardware address. The kernel takes the neighbour address
 * from the ARP body only (docs/arp-kernel.md: a GARP whose Ethernet source
 * differs from its sender address still rewrites the entry), while a switch
 * learns the Ethernet source: a frame sent with a VM's MAC from the router's
 * port would move that VM's forwarding entry to the router. When the router
 * advertises itself (the common case) both are the router's MAC anyway.
 *
 * Not thread-safe: one struct inject belongs to one thread.
 */
#ifndef VRD_INJECT_ARP_H
#define VRD_INJECT_ARP_H

#include <stddef.h>
#include <stdint.h>

#include "base/addr.h"

struct inject;

enum inject_garp_op {
	INJECT_GARP_REQUEST, /* op 1, sender = target, target hw 0 */
	INJECT_GARP_REPLY, /* op 2, sender = target, target hw = sender hw */
};

struct inject_stats {
	uint64_t sent; /* frames handed to the kernel */
	uint64_t errors; /* frames libnet could not build or write */
};

/*
 * Open a link-layer libnet context on ifname (needs CAP_NET_RAW). NULL with
 * errno set and a message in err (errlen bytes, may be 0) on failure.
 */
struct inject *inject_open(const char *ifname, char *err, size_t errlen);
/* Accepts NULL. */
void inject_close(struct inject *inj);

/* The interface's own MAC, read once at open. */
void inject_hwaddr(const struct inject *inj, struct vrd_mac *out);
const char *inject_ifname(const struct inject *inj);

/*
 * Gratuitous ARP: "ip is at mac" with sender IP = target IP. dst NULL sends
 * to the broadcast address, otherwise unicast to that MAC (borrowed). The
 * reply form sets target hw = mac: Linux takes a reply as gratuitous only
 * then (docs/arp-kernel.md). 0 or a negative errno.
 */
int inject_garp_send(struct inject *inj, uint32_t ip, const struct vrd_mac *mac,
		     enum inject_garp_op op, const struct vrd_mac *dst);

/*
 * A unicast ARP reply "sender_ip is at sender_mac" to target_mac /
 * target_ip: the answer to a request that target sent. 0 or a negative
 * errno.
 */
int inject_arp_reply_send(struct inject *inj, uint32_t sender_ip,
			  const struct vrd_mac *sender_mac, uint32_t target_ip,
			  const struct vrd_mac *target_mac);

/*
 * An ARP request "who has target_ip, tell sender_ip" from sender_mac,
 * broadcast when dst is NULL. 0 or a negative errno.
 */
int inject_arp_request_send(struct inject *inj, uint32_t sender_ip,
			    const struct vrd_mac *sender_mac,
			    uint32_t target_ip, const struct vrd_mac *dst);

void inject_stats_get(const struct inject *inj, struct inject_stats *out);

#endif
