/*
 * libpcap on the [lan] interface: promiscuous, immediate mode,
 * non-blocking, inbound only, a BPF filter for what the evidence needs.
 * The only file of vrd that includes <pcap.h>; what it delivers is raw
 * Ethernet bytes for capture_frame_parse.
 *
 * Filter, for the router's network NET:
 *   arp or rarp or (ip and not src net NET)
 *   or (vlan and (arp or rarp or (ip and not src net NET)))
 * IPv4 from inside the network is no evidence (the silent case wants a
 * foreign source), so the kernel drops it before it is copied.
 */
#ifndef CAPTURE_PCAP_H
#define CAPTURE_PCAP_H

#include <stddef.h>
#include <stdint.h>

#include "base/addr.h"

#define CAPTURE_SNAPLEN 128 /* Ethernet, two tags, IPv4 options */
#define CAPTURE_BUFFER (2u << 20) /* kernel ring: 2 MiB */

struct capture;

/*
 * Opens ifname. own (the link's MAC; NULL: all IPv4) narrows the IPv4 part
 * of the filter to frames flooded past this router (pcap.c). NULL with errno set (EPERM without CAP_NET_RAW, ENODEV,
 * EINVAL for a link that is not Ethernet, EIO otherwise) and a message in
 * err (errlen bytes, always terminated).
 */
struct capture *capture_open(const char *ifname, const struct vrd_mac *own,
			     char *err, size_t errlen);
void capture_close(struct capture *c); /* NULL ok */

/* For poll(2): readable when frames wait. Valid until capture_close. */
int capture_fd(const struct capture *c);

/* The filter program text capture_open installed. */
const char *capture_filter(const struct capture *c);

/*
 * Delivers at most budget (>= 1) waiting frames to fn and returns how many,
 * 0 when none wait, or a negative errno (-EIO, logged, rate-limited).
 * Returning budget means more may wait: the fd stays readable, so the next
 * wake-up continues and other sources get their turn in between.
 *
 * fn gets the captured bytes (borrowed: valid during the call only; at
 * most CAPTURE_SNAPLEN, the headers are whole) and the kernel's receive
 * time as Unix microseconds (wall clock: for the event log and for
 * measuring how long detection took, not for timers).
 */
typedef void (*capture_frame_fn)(const uint8_t *frame, size_t len,
				 uint64_t ts_us, void *arg);
int capture_read(struct capture *c, unsigned budget, capture_frame_fn fn,
		 void *arg);

struct capture_pcap_stats {
	uint64_t delivered; /* frames passed to fn */
	uint64_t reads; /* capture_read calls */
	uint64_t budget_hit; /* reads that stopped at the budget */
	uint64_t errors; /* reads that failed */
	uint64_t received; /* pcap_stats ps_recv: passed the filter */
	uint64_t dropped; /* ps_drop: ring full, we were too slow */
	uint64_t ifdropped; /* ps_ifdrop: dropped by the interface */
};

/* Refreshes the pcap_stats part (a syscall) and copies all out. */
void capture_get_stats(struct capture *c, struct capture_pcap_stats *out);
/* "capture.pcap.delivered", ...; as capture_stats_foreach. */
int capture_pcap_stats_foreach(const struct capture_pcap_stats *st,
			       int (*fn)(const char *name, uint64_t value,
					 void *arg),
			       void *arg);

#endif
