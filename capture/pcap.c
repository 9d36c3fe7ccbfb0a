/*
 * libpcap at the module edge: pcap errors become negative errno values
 * here, with pcap's own message logged or handed back once.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap.h>

#include "capture/pcap.h"
#include "base/counter.h"
#include "base/clock.h"
#include "base/log.h"

#define FILTER_MAX 256

struct capture {
	pcap_t *pcap;
	int fd;
	char ifname[64];
	char filter[FILTER_MAX];
	struct capture_pcap_stats stats;
	struct pcap_stat last; /* previous pcap_stats, for 32-bit wrap */
	struct vrd_ratelimit err_rl;
};

struct dispatch {
	capture_frame_fn fn;
	void *arg;
	unsigned n;
};

/*
 * ARP and RARP, and the IPv4 frames a switch floods because no port has
 * their destination MAC: a host that arrived (or came home) and still
 * sends to a router it knew elsewhere. Frames to this router (routed
 * traffic) and multicast are left in the kernel.
 */
static void filter_build(char *buf, size_t size, const struct vrd_mac *own)
{
	char mac[VRD_MAC_STRLEN];
	char ip[VRD_MAC_STRLEN + 64];

	if (own) {
		snprintf(ip, sizeof(ip),
			 "(inbound and ip and not ether dst %s and not ether "
			 "multicast)",
			 vrd_mac_format(own, mac));
	} else {
		snprintf(ip, sizeof(ip), "ip");
	}
	/* "inbound": the kernel drops what the router sends (every forwarded
	 * packet) before the copy; pcap_setdirection would only drop it after
	 */
	snprintf(buf, size,
		 "arp or rarp or %s or (vlan and (arp or rarp or %s))", ip, ip);
}

/* pcap_activate's result as an errno; warnings (> 0) are fine. */
static int activate_errno(int rc)
{
	switch (rc) {
	case PCAP_ERROR_PERM_DENIED:
	case PCAP_ERROR_PROMISC_PERM_DENIED:
		return EPERM;
	case PCAP_ERROR_NO_SUCH_DEVICE:
		return ENODEV;
	case PCAP_ERROR_IFACE_NOT_UP:
		return ENETDOWN;
	default:
		return EIO;
	}
}

static int setup(struct capture *c, const struct vrd_mac *own, char *err,
		 size_t errlen)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	struct bpf_program prog;
	int rc;

	if (pcap_set_snaplen(c->pcap, CAPTURE_SNAPLEN) != 0 ||
	    pcap_set_promisc(c->pcap, 1) != 0 ||
	    pcap_set_immediate_mode(c->pcap, 1) != 0 ||
	    pcap_set_buffer_size(c->pcap, (int)CAPTURE_BUFFER) != 0) {
		snprintf(err, errlen, "%s: pcap settings refused", c->ifname);
		return -EIO;
	}
	rc = pcap_activate(c->pcap);
	if (rc < 0) {
		snprintf(err, errlen, "%s: %s", c->ifname,
			 pcap_geterr(c->pcap));
		return -activate_errno(rc);
	}
	if (pcap_datalink(c->pcap) != DLT_EN10MB) {
		snprintf(err, errlen, "%s: not an Ethernet link (%s)",
			 c->ifname,
			 pcap_datalink_val_to_name(pcap_datalink(c->pcap)));
		return -EINVAL;
	}
	if (pcap_setdirection(c->pcap, PCAP_D_IN) != 0) {
		snprintf(err, errlen, "%s: inbound only: %s", c->ifname,
			 pcap_geterr(c->pcap));
		return -EIO;
	}
	filter_build(c->filter, sizeof(c->filter), own);
	if (pcap_compile(c->pcap, &prog, c->filter, 1, PCAP_NETMASK_UNKNOWN) !=
	    0) {
		snprintf(err, errlen, "%s: filter \"%s\": %s", c->ifname,
			 c->filter, pcap_geterr(c->pcap));
		return -EINVAL;
	}
	rc = pcap_setfilter(c->pcap, &prog);
	pcap_freecode(&prog);
	if (rc != 0) {
		snprintf(err, errlen, "%s: filter: %s", c->ifname,
			 pcap_geterr(c->pcap));
		return -EIO;
	}
	if (pcap_setnonblock(c->pcap, 1, errbuf) != 0) {
		snprintf(err, errlen, "%s: %s", c->ifname, errbuf);
		return -EIO;
	}
	c->fd = pcap_get_selectable_fd(c->pcap);
	if (c->fd < 0) {
		snprintf(err, errlen, "%s: no selectable fd", c->ifname);
		return -EIO;
	}
	return 0;
}

struct capture *capture_open(const char *ifname, const struct vrd_mac *own,
			     char *err, size_t errlen)
{
	char pcap_err[PCAP_ERRBUF_SIZE] = "";
	struct capture *c;
	int rc;

	if (errlen > 0) {
		err[0] = '\0';
	}
	if (!ifname || strlen(ifname) >= sizeof(c->ifname)) {
		snprintf(err, errlen, "bad interface name");
		errno = EINVAL;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errlen, "%s: out of memory", ifname);
		return NULL;
	}
	snprintf(c->ifname, sizeof(c->ifname), "%s", ifname);
	c->err_rl = (struct vrd_ratelimit)VRD_RATELIMIT_INIT(10000, 1);
	c->fd = -1;
	c->pcap = pcap_create(ifname, pcap_err);
	if (!c->pcap) {
		snprintf(err, errlen, "%s: %s", ifname, pcap_err);
		rc = -EIO;
		goto free_capture;
	}
	rc = setup(c, own, err, errlen);
	if (rc < 0) {
		goto close_pcap;
	}
	return c;

close_pcap:
	pcap_close(c->pcap);
free_capture:
	free(c);
	errno = -rc;
	return NULL;
}

void capture_close(struct capture *c)
{
	if (!c) {
		return;
	}
	pcap_close(c->pcap);
	free(c);
}

int capture_fd(const struct capture *c)
{
	return c->fd;
}

const char *capture_filter(const struct capture *c)
{
	return c->filter;
}

static void dispatch_one(u_char *user, const struct pcap_pkthdr *h,
			 const u_char *bytes)
{
	struct dispatch *d = (struct dispatch *)user;
	uint64_t ts =
		(uint64_t)h->ts.tv_sec * 1000000 + (uint64_t)h->ts.tv_usec;

	d->n++;
	d->fn(bytes, h->caplen, ts, d->arg);
}

int capture_read(struct capture *c, unsigned budget, capture_frame_fn fn,
		 void *arg)
{
	struct dispatch d = {.fn = fn, .arg = arg};
	int rc;

	if (budget == 0 || budget > INT32_MAX) {
		return -EINVAL;
	}
	c->stats.reads++;
	rc = pcap_dispatch(c->pcap, (int)budget, dispatch_one, (u_char *)&d);
	c->stats.delivered += d.n;
	if (rc == PCAP_ERROR) {
		c->stats.errors++;
		log_ratelimited(&c->err_rl, VRD_LOG_WARN, "capture %s: %s",
				c->ifname, pcap_geterr(c->pcap));
		return -EIO;
	}
	if (d.n >= budget) {
		c->stats.budget_hit++;
	}
	return (int)d.n;
}

void capture_get_stats(struct capture *c, struct capture_pcap_stats *out)
{
	struct pcap_stat ps;

	if (pcap_stats(c->pcap, &ps) == 0) {
		/* u_int counters: add the difference modulo 2^32 */
		c->stats.received += (uint32_t)(ps.ps_recv - c->last.ps_recv);
		c->stats.dropped += (uint32_t)(ps.ps_drop - c->last.ps_drop);
		c->stats.ifdropped +=
			(uint32_t)(ps.ps_ifdrop - c->last.ps_ifdrop);
		c->last = ps;
	}
	*out = c->stats;
}

int capture_pcap_stats_foreach(const struct capture_pcap_stats *st,
			       int (*fn)(const char *name, uint64_t value,
					 void *arg),
			       void *arg)
{
	const struct vrd_counter all[] = {
		{"capture.pcap.delivered", st->delivered},
		{"capture.pcap.reads", st->reads},
		{"capture.pcap.budget_hit", st->budget_hit},
		{"capture.pcap.errors", st->errors},
		{"capture.pcap.received", st->received},
		{"capture.pcap.dropped", st->dropped},
		{"capture.pcap.ifdropped", st->ifdropped},
	};
	int rc;

	rc = VRD_COUNTERS_EMIT(all, fn, arg);
	if (rc != 0) {
		return rc;
	}
	return 0;
}
