/* rtnetlink for the data plane: kernel routes into vrd's TUN, the address
 * monitor of host mode, IPv4 forwarding.
 *
 * Raw NETLINK_ROUTE, no libmnl. A struct dp_rtnl is one request socket
 * used synchronously: every request carries NLM_F_ACK, gets a sequence
 * number, and the call returns when the kernel has answered it, with the
 * kernel's errno. Not thread-safe: one owner thread per object.
 *
 * Every route vrd installs has protocol VRD_RTPROT, so
 * dp_rtnl_route_flush_proto() removes exactly vrd's routes, also those
 * left behind by a vrd that was killed.
 */
#ifndef DP_RTNL_H
#define DP_RTNL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/addr.h"

/* Unused in /etc/iproute2/rt_protos; "ip route show proto 0xfd". */
#define VRD_RTPROT 0xfd

struct dp_rtnl;

/* A request socket. NULL with errno set (EPERM, EMFILE, ...). */
struct dp_rtnl *dp_rtnl_create(void);
void dp_rtnl_destroy(struct dp_rtnl *r);
/* The kernel's own words for the last request that failed (extended ACK),
 * "" when it gave none. Valid until the next request. */
const char *dp_rtnl_errmsg(const struct dp_rtnl *r);

/*
 * Message builder over a caller-owned buffer (no alignment needed): one or
 * more messages, each begin, attributes, end. Anything that would not fit
 * makes the call return -EMSGSIZE and sticks in err, so a sequence of calls
 * may be checked once at the end. Sequence numbers are filled in when the
 * messages are sent.
 */
struct dp_rtnl_msg {
	uint8_t *buf; /* borrowed */
	size_t cap;
	size_t len; /* bytes of finished messages */
	size_t pos; /* end of the open message, or len when none is open */
	unsigned count; /* finished messages */
	bool open;
	int err; /* 0 or -EMSGSIZE */
};

void dp_rtnl_msg_init(struct dp_rtnl_msg *m, void *buf, size_t cap);
/* Start a message: netlink header (NLM_F_REQUEST is added), then the
 * family header hdr (hdrlen bytes, copied). */
int dp_rtnl_msg_begin(struct dp_rtnl_msg *m, uint16_t type, uint16_t flags,
		      const void *hdr, size_t hdrlen);
int dp_rtnl_msg_put(struct dp_rtnl_msg *m, uint16_t type, const void *data,
		    size_t len);
int dp_rtnl_msg_put_u32(struct dp_rtnl_msg *m, uint16_t type, uint32_t v);
int dp_rtnl_msg_end(struct dp_rtnl_msg *m);

/* A reply other than an ACK or the end of a dump: its type and its payload
 * (after the netlink header; borrowed, valid during the call). A negative
 * return is kept as the request's error; reading goes on. */
typedef int (*dp_rtnl_reply_fn)(uint16_t type, const uint8_t *payload,
				size_t len, void *arg);

/*
 * Send every finished message of m, many per sendmsg, and read until each
 * is answered (an ACK or error for requests, NLMSG_DONE for NLM_F_DUMP).
 * Requests should carry NLM_F_ACK. 0 or the first error of any message
 * (all are still sent); -ETIMEDOUT when the kernel does not answer within
 * 5 s, -ENOBUFS when answers were lost, -EINTR when a dump was
 * interrupted by a change (try again).
 */
int dp_rtnl_transact(struct dp_rtnl *r, struct dp_rtnl_msg *m,
		     dp_rtnl_reply_fn fn, void *arg);

/*
 * Routes: dst via the link ifindex (scope link, no gateway), protocol
 * VRD_RTPROT, in table (0 means main) with metric as priority.
 * Replace creates or replaces the route with the same dst and metric.
 * Delete removes only a route with protocol VRD_RTPROT: -ESRCH when there
 * is none (metric 0 matches any metric: the kernel's rule). -ENODEV for an unknown ifindex, -EPERM without CAP_NET_ADMIN.
 */
int dp_rtnl_route_replace(struct dp_rtnl *r, const struct vrd_prefix *dst,
			  int ifindex, uint32_t table, uint32_t metric);
int dp_rtnl_route_del(struct dp_rtnl *r, const struct vrd_prefix *dst,
		      int ifindex, uint32_t table, uint32_t metric);
/* Replace n routes (dst[], borrowed) with a few hundred requests per
 * sendmsg. All are tried; 0 or the first error. */
int dp_rtnl_route_replace_many(struct dp_rtnl *r, const struct vrd_prefix *dst,
			       size_t n, int ifindex, uint32_t table,
			       uint32_t metric);
/* Delete every IPv4 route of protocol VRD_RTPROT in every table; with
 * ifindex > 0 only those through that link. The number removed, or a
 * negative errno. */
int dp_rtnl_route_flush_proto(struct dp_rtnl *r, int ifindex);

/* The first primary (not secondary) IPv4 address of a link, host order.
 * 0, or -ENOENT when it has none. */
int dp_rtnl_addr_first(struct dp_rtnl *r, int ifindex, uint32_t *addr,
		       uint8_t *prefix_len);

/*
 * Monitor: a non-blocking, close-on-exec netlink socket subscribed to
 * IPv4 address and link changes. The caller polls it and closes it.
 * A negative errno when it cannot be made.
 */
int dp_rtnl_monitor_open(void);
/* The same, subscribed to neighbour (ARP cache) changes instead: the LAN
 * side learns from it that the kernel's ARP for an address went
 * unanswered (DP_RTNL_NEIGH with NUD_FAILED). */
int dp_rtnl_neigh_monitor_open(void);

enum dp_rtnl_event_type {
	DP_RTNL_ADDR_NEW,
	DP_RTNL_ADDR_DEL,
	DP_RTNL_LINK_NEW, /* created or changed: look at up/running */
	DP_RTNL_LINK_DEL,
	DP_RTNL_NEIGH, /* an IPv4 neighbour entry changed: see nud_state */
};

struct dp_rtnl_event {
	enum dp_rtnl_event_type type;
	int ifindex;
	/* addresses */
	uint32_t addr; /* host order */
	uint8_t prefix_len;
	bool secondary;
	/* links */
	bool up; /* IFF_UP: administratively up */
	bool running; /* IFF_RUNNING: operationally up */
	char ifname[16]; /* IF_NAMESIZE; "" when the kernel gave none */
	/* neighbours: the address is addr */
	uint16_t nud_state; /* NUD_* of linux/neighbour.h */
};

typedef void (*dp_rtnl_event_fn)(const struct dp_rtnl_event *ev, void *arg);

/*
 * Read what is pending on a monitor socket (at most 64 datagrams) and call
 * fn for every IPv4 address, link and neighbour message. The number of events, or a
 * negative errno: -ENOBUFS means notifications were lost (the kernel's
 * queue overflowed), so the caller should read the state afresh
 * (dp_rtnl_addr_first). Messages not from the kernel are ignored.
 */
int dp_rtnl_monitor_read(int fd, dp_rtnl_event_fn fn, void *arg);

/* Write /proc/sys/net/ipv4/ip_forward of the current network namespace
 * (only when it differs: a write resets every interface's forwarding);
 * *was (may be NULL) gets the value before. */
int dp_sysctl_ip_forward(bool on, bool *was);

#endif
