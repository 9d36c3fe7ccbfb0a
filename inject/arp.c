/* ARP frames with libnet. One ARP and one Ethernet pblock per context,
 * rebuilt in place (the ptags of the first build) for every frame, so
 * sending allocates nothing. */
#include "inject/arp.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/filter.h>

#include <libnet.h>

#include "base/bytes.h"
#include "base/clock.h"
#include "base/log.h"

/* 14 bytes of Ethernet header and 28 of ARP: padded to the 60-byte
 * minimum frame, as a kernel or NIC would, so switches see a normal frame. */
#define ARP_PAD_LEN (60 - 14 - 28)

struct inject {
	libnet_t *ln;
	libnet_ptag_t arp_tag;
	libnet_ptag_t eth_tag;
	struct vrd_mac hwaddr;
	struct inject_stats stats;
	struct vrd_ratelimit err_rl;
	char ifname[32];
};

static const struct vrd_mac mac_broadcast = {
	{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
static const struct vrd_mac mac_zero;
static const uint8_t arp_pad[ARP_PAD_LEN];

/*
 * libnet opens an unbound ETH_P_ALL packet socket: left alone it would
 * queue a copy of every frame on every interface of the namespace until
 * its receive buffer filled. It only ever sends, so a filter that accepts
 * nothing keeps the receive path empty.
 */
static int rx_drop_all(int fd)
{
	struct sock_filter insn = BPF_STMT(BPF_RET | BPF_K, 0);
	struct sock_fprog prog = {.len = 1, .filter = &insn};

	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) <
	    0) {
		return -errno;
	}
	return 0;
}

struct inject *inject_open(const char *ifname, char *err, size_t errlen)
{
	char lnerr[LIBNET_ERRBUF_SIZE] = "";
	struct libnet_ether_addr *hw;
	struct inject *inj;
	int e;

	if (strlen(ifname) >= sizeof(inj->ifname)) {
		snprintf(err, errlen, "interface name too long: %s", ifname);
		errno = EINVAL;
		return NULL;
	}
	inj = calloc(1, sizeof(*inj));
	if (!inj) {
		snprintf(err, errlen, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	inj->err_rl = (struct vrd_ratelimit)VRD_RATELIMIT_INIT(10000, 5);
	strcpy(inj->ifname, ifname);

	errno = 0;
	inj->ln = libnet_init(LIBNET_LINK, ifname, lnerr);
	if (!inj->ln) {
		e = errno ? errno : ENODEV;
		snprintf(err, errlen, "%s: libnet: %s", ifname, lnerr);
		goto free_inj;
	}
	hw = libnet_get_hwaddr(inj->ln);
	if (!hw) {
		e = ENODEV;
		snprintf(err, errlen, "%s: no hardware address: %s", ifname,
			 libnet_geterror(inj->ln));
		goto destroy_ln;
	}
	memcpy(inj->hwaddr.b, hw->ether_addr_octet, sizeof(inj->hwaddr.b));
	e = -rx_drop_all(libnet_getfd(inj->ln));
	if (e) {
		snprintf(err, errlen, "%s: packet filter: %s", ifname,
			 strerror(e));
		goto destroy_ln;
	}
	return inj;

destroy_ln:
	libnet_destroy(inj->ln);
free_inj:
	free(inj);
	errno = e;
	return NULL;
}

void inject_close(struct inject *inj)
{
	if (!inj) {
		return;
	}
	libnet_destroy(inj->ln);
	free(inj);
}

void inject_hwaddr(const struct inject *inj, struct vrd_mac *out)
{
	*out = inj->hwaddr;
}

const char *inject_ifname(const struct inject *inj)
{
	return inj->ifname;
}

void inject_stats_get(const struct inject *inj, struct inject_stats *out)
{
	*out = inj->stats;
}

static int send_failed(struct inject *inj, const char *what)
{
	inj->stats.errors++;
	log_ratelimited(&inj->err_rl, VRD_LOG_WARN, "inject %s: %s: %s",
			inj->ifname, what, libnet_geterror(inj->ln));
	return -EIO;
}

/* One ARP frame: Ethernet dst, ARP op and the four ARP addresses. */
static int arp_send(struct inject *inj, const struct vrd_mac *eth_dst,
		    uint16_t op, const struct vrd_mac *sha, uint32_t spa,
		    const struct vrd_mac *tha, uint32_t tpa)
{
	uint8_t spa_b[4], tpa_b[4];
	libnet_ptag_t t;
	int n, e;

	vrd_put_be32(spa_b, spa);
	vrd_put_be32(tpa_b, tpa);
	t = libnet_build_arp(ARPHRD_ETHER, ETHERTYPE_IP, 6, 4, op, sha->b,
			     spa_b, tha->b, tpa_b, arp_pad, sizeof(arp_pad),
			     inj->ln, inj->arp_tag);
	if (t == -1) {
		return send_failed(inj, "build arp");
	}
	inj->arp_tag = t;
	t = libnet_build_ethernet(eth_dst->b, inj->hwaddr.b, ETHERTYPE_ARP,
				  NULL, 0, inj->ln, inj->eth_tag);
	if (t == -1) {
		return send_failed(inj, "build ethernet");
	}
	inj->eth_tag = t;

	errno = 0;
	n = libnet_write(inj->ln);
	if (n == -1) {
		e = errno ? errno : EIO;
		send_failed(inj, "write");
		return -e;
	}
	inj->stats.sent++;
	return 0;
}

int inject_garp_send(struct inject *inj, uint32_t ip, const struct vrd_mac *mac,
		     enum inject_garp_op op, const struct vrd_mac *dst)
{
	const struct vrd_mac *eth_dst = dst ? dst : &mac_broadcast;

	switch (op) {
	case INJECT_GARP_REQUEST:
		return arp_send(inj, eth_dst, ARPOP_REQUEST, mac, ip, &mac_zero,
				ip);
	case INJECT_GARP_REPLY:
		return arp_send(inj, eth_dst, ARPOP_REPLY, mac, ip, mac, ip);
	}
	return -EINVAL;
}

int inject_arp_reply_send(struct inject *inj, uint32_t sender_ip,
			  const struct vrd_mac *sender_mac, uint32_t target_ip,
			  const struct vrd_mac *target_mac)
{
	return arp_send(inj, target_mac, ARPOP_REPLY, sender_mac, sender_ip,
			target_mac, target_ip);
}

int inject_arp_request_send(struct inject *inj, uint32_t sender_ip,
			    const struct vrd_mac *sender_mac,
			    uint32_t target_ip, const struct vrd_mac *dst)
{
	return arp_send(inj, dst ? dst : &mac_broadcast, ARPOP_REQUEST,
			sender_mac, sender_ip, &mac_zero, target_ip);
}
