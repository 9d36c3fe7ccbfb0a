/* The TUN device and link setup over rtnetlink (see tun.h). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_tun.h>
#include <linux/rtnetlink.h>
#include <sys/ioctl.h>

#include "dataplane/rtnl.h"
#include "dataplane/tun.h"

static int tun_attach(const char *name, unsigned flags, char *ifname_out)
{
	struct ifreq ifr;
	int fd, err;

	memset(&ifr, 0, sizeof(ifr));
	if (name && strlen(name) >= IF_NAMESIZE) {
		return -EINVAL;
	}
	if (name) {
		memcpy(ifr.ifr_name, name, strlen(name));
	}
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	if (flags & DP_TUN_VNET_HDR) {
		ifr.ifr_flags |= IFF_VNET_HDR;
	}
	if (flags & DP_TUN_MULTI_QUEUE) {
		ifr.ifr_flags |= IFF_MULTI_QUEUE;
	}
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		return -errno;
	}
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		err = -errno;
		goto close_fd;
	}
	if (ifname_out) {
		memcpy(ifname_out, ifr.ifr_name, IF_NAMESIZE);
		ifname_out[IF_NAMESIZE - 1] = '\0';
	}
	return fd;

close_fd:
	close(fd);
	return err;
}

/* Checksum and TSO, then fewer, then none: what the kernel granted. A
 * fresh device has none, so a kernel that refuses them all is no error. */
static void tun_offload_set(int fd, unsigned *granted)
{
	static const struct {
		unsigned tun, vrd;
	} tries[] = {
		{TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6,
		 DP_TUN_OFFLOAD_CSUM | DP_TUN_OFFLOAD_TSO4 |
			 DP_TUN_OFFLOAD_TSO6},
		{TUN_F_CSUM | TUN_F_TSO4,
		 DP_TUN_OFFLOAD_CSUM | DP_TUN_OFFLOAD_TSO4},
		{TUN_F_CSUM, DP_TUN_OFFLOAD_CSUM},
		{0, 0},
	};
	size_t i;

	for (i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
		if (ioctl(fd, TUNSETOFFLOAD, (unsigned long)tries[i].tun) ==
		    0) {
			*granted |= tries[i].vrd;
			return;
		}
	}
}

int dp_tun_open(const char *name, unsigned flags, char ifname_out[IF_NAMESIZE],
		unsigned *granted)
{
	int fd, err, hdrsz = DP_TUN_VNET_HDR_LEN;
	unsigned got;

	flags &= DP_TUN_VNET_HDR | DP_TUN_MULTI_QUEUE;
	got = flags;
	fd = tun_attach(name, flags, ifname_out);
	if (fd < 0) {
		return fd;
	}
	if (flags & DP_TUN_VNET_HDR) {
		if (ioctl(fd, TUNSETVNETHDRSZ, &hdrsz) < 0) {
			err = -errno;
			goto close_fd;
		}
		tun_offload_set(fd, &got);
	}
	if (granted) {
		*granted = got;
	}
	return fd;

close_fd:
	close(fd);
	return err;
}

int dp_tun_open_queue(int fd)
{
	char name[IF_NAMESIZE];
	unsigned flags = 0;
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	if (ioctl(fd, TUNGETIFF, &ifr) < 0) {
		return -errno;
	}
	if (!(ifr.ifr_flags & IFF_MULTI_QUEUE)) {
		return -EINVAL;
	}
	flags = DP_TUN_MULTI_QUEUE;
	if (ifr.ifr_flags & IFF_VNET_HDR) {
		flags |= DP_TUN_VNET_HDR;
	}
	memcpy(name, ifr.ifr_name, sizeof(name));
	name[sizeof(name) - 1] = '\0';
	/* The header size and offloads belong to the device: set once. */
	return tun_attach(name, flags, NULL);
}

static int link_index_reply(uint16_t type, const uint8_t *payload, size_t len,
			    void *arg)
{
	struct ifinfomsg ifi;
	int *ifindex = arg;

	if (type == RTM_NEWLINK && len >= sizeof(ifi)) {
		memcpy(&ifi, payload, sizeof(ifi));
		*ifindex = ifi.ifi_index;
	}
	return 0;
}

int dp_link_index(struct dp_rtnl *r, const char *ifname)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
	size_t n = ifname ? strlen(ifname) : 0;
	struct dp_rtnl_msg m;
	int rc, ifindex = 0;
	uint8_t buf[128];

	if (n == 0 || n >= IF_NAMESIZE) {
		return -EINVAL;
	}
	dp_rtnl_msg_init(&m, buf, sizeof(buf));
	dp_rtnl_msg_begin(&m, RTM_GETLINK, NLM_F_ACK, &ifi, sizeof(ifi));
	dp_rtnl_msg_put(&m, IFLA_IFNAME, ifname, n + 1);
	dp_rtnl_msg_end(&m);
	rc = dp_rtnl_transact(r, &m, link_index_reply, &ifindex);
	if (rc < 0) {
		return rc;
	}
	return ifindex > 0 ? ifindex : -ENODEV;
}

static int link_set(struct dp_rtnl *r, int ifindex, unsigned flags,
		    unsigned change, const unsigned *mtu)
{
	struct ifinfomsg ifi = {
		.ifi_family = AF_UNSPEC,
		.ifi_index = ifindex,
		.ifi_flags = flags,
		.ifi_change = change,
	};
	struct dp_rtnl_msg m;
	uint8_t buf[128];

	if (ifindex <= 0) {
		return -EINVAL;
	}
	dp_rtnl_msg_init(&m, buf, sizeof(buf));
	dp_rtnl_msg_begin(&m, RTM_NEWLINK, NLM_F_ACK, &ifi, sizeof(ifi));
	if (mtu) {
		dp_rtnl_msg_put_u32(&m, IFLA_MTU, *mtu);
	}
	dp_rtnl_msg_end(&m);
	return dp_rtnl_transact(r, &m, NULL, NULL);
}

int dp_link_set_mtu(struct dp_rtnl *r, int ifindex, unsigned mtu)
{
	return link_set(r, ifindex, 0, 0, &mtu);
}

int dp_link_set_up(struct dp_rtnl *r, int ifindex, bool up)
{
	return link_set(r, ifindex, up ? IFF_UP : 0, IFF_UP, NULL);
}

static int link_addr(struct dp_rtnl *r, uint16_t type, uint16_t flags,
		     int ifindex, uint32_t addr, uint8_t prefix_len)
{
	struct ifaddrmsg ifa = {
		.ifa_family = AF_INET,
		.ifa_prefixlen = prefix_len,
		.ifa_scope = RT_SCOPE_UNIVERSE,
		.ifa_index = (uint32_t)ifindex,
	};
	struct dp_rtnl_msg m;
	uint8_t buf[128];

	if (ifindex <= 0 || prefix_len > 32) {
		return -EINVAL;
	}
	dp_rtnl_msg_init(&m, buf, sizeof(buf));
	dp_rtnl_msg_begin(&m, type, flags | NLM_F_ACK, &ifa, sizeof(ifa));
	dp_rtnl_msg_put_u32(&m, IFA_LOCAL, htonl(addr));
	dp_rtnl_msg_put_u32(&m, IFA_ADDRESS, htonl(addr));
	dp_rtnl_msg_end(&m);
	return dp_rtnl_transact(r, &m, NULL, NULL);
}

int dp_link_addr_add(struct dp_rtnl *r, int ifindex, uint32_t addr,
		     uint8_t prefix_len)
{
	return link_addr(r, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, ifindex,
			 addr, prefix_len);
}

int dp_link_addr_del(struct dp_rtnl *r, int ifindex, uint32_t addr,
		     uint8_t prefix_len)
{
	return link_addr(r, RTM_DELADDR, 0, ifindex, addr, prefix_len);
}
