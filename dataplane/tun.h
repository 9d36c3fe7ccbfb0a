/* vrd's TUN interface and the link setup it needs.
 *
 * The device is not persistent: it goes away when its last fd is closed,
 * which is how vrd removes the interface it created (also after kill -9).
 * Link setup (MTU, up/down, addresses, ifindex) goes through rtnetlink on
 * a struct dp_rtnl and works on any link.
 */
#ifndef DP_TUN_H
#define DP_TUN_H

#include <stdbool.h>
#include <stdint.h>
#include <net/if.h>

struct dp_rtnl;

/* Flags asked of dp_tun_open(). */
#define DP_TUN_VNET_HDR 0x1u /* struct virtio_net_hdr before each packet */
#define DP_TUN_MULTI_QUEUE 0x2u /* more fds: dp_tun_open_queue() */

/* Offloads granted, reported by dp_tun_open() (with DP_TUN_VNET_HDR). */
#define DP_TUN_OFFLOAD_CSUM 0x10u
#define DP_TUN_OFFLOAD_TSO4 0x20u
#define DP_TUN_OFFLOAD_TSO6 0x40u

/* sizeof(struct virtio_net_hdr): what each read starts with, and each write
 * must start with, under DP_TUN_VNET_HDR. */
#define DP_TUN_VNET_HDR_LEN 10

/*
 * Create (or attach to) the TUN device name (NULL or "": the kernel picks
 * tunN) with IFF_TUN | IFF_NO_PI and what flags asks. The fd
 * is non-blocking and close-on-exec; ifname_out (may be NULL) gets the
 * device's name. With DP_TUN_VNET_HDR the header size is set to 10 and
 * checksum + TSO offloads are asked for; if the kernel refuses them the
 * device works without, and *granted (may be NULL) says which were given:
 * the flags asked plus DP_TUN_OFFLOAD_* (none when TUNSETOFFLOAD is
 * refused altogether).
 * The fd, or -EPERM without CAP_NET_ADMIN, -EACCES when /dev/net/tun may
 * not be opened, -ENOENT without /dev/net/tun,
 * -EINVAL for a bad name or a name taken by a device of other flags,
 * -EBUSY when a single-queue device of that name is already open.
 */
int dp_tun_open(const char *name, unsigned flags, char ifname_out[IF_NAMESIZE],
		unsigned *granted);
/* One more queue of the DP_TUN_MULTI_QUEUE device that fd (any of its
 * queues, borrowed) belongs to, for another thread; same name and flags
 * (the kernel would take other flags as the device's new ones). The fd,
 * -EINVAL when the device is single-queue, or a negative errno. */
int dp_tun_open_queue(int fd);

/* The ifindex of a link by name, or -ENODEV. */
int dp_link_index(struct dp_rtnl *r, const char *ifname);
int dp_link_set_mtu(struct dp_rtnl *r, int ifindex, unsigned mtu);
int dp_link_set_up(struct dp_rtnl *r, int ifindex, bool up);
/* An IPv4 address (host order) with its prefix length, as "ip addr
 * replace" (adding one that is there is not an error); delete gives
 * -EADDRNOTAVAIL when it is not there. */
int dp_link_addr_add(struct dp_rtnl *r, int ifindex, uint32_t addr,
		     uint8_t prefix_len);
int dp_link_addr_del(struct dp_rtnl *r, int ifindex, uint32_t addr,
		     uint8_t prefix_len);

#endif
