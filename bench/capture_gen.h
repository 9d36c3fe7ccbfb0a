/*
 * The synthetic LAN of bench-capture: a pcap (DLT_EN10MB) of the frames
 * vrd's BPF filter passes on a LAN of BENCH_GEN_HOSTS hosts in
 * 192.0.2.0/24 (see capture_gen.c for the mix).
 */
#ifndef BENCH_CAPTURE_GEN_H
#define BENCH_CAPTURE_GEN_H

#include <stdint.h>

#define BENCH_GEN_HOSTS 250
#define BENCH_GEN_NET 0xc0000200u /* 192.0.2.0/24 */
#define BENCH_GEN_NET_LEN 24
#define BENCH_GEN_START_US 1800000000000000ull /* time of the first frame */

/* Host i (0 to BENCH_GEN_HOSTS - 1) is 192.0.2.(i + 1); host 0 routes. */
uint32_t bench_gen_host_ip(uint32_t i);

/*
 * Writes n frames at fps frames per second of pcap time to path, drawing
 * from the bench_rng stream, and prints the mix. The first batch
 * frames are one ARP request per host (a LAN the daemon starts on is
 * already running). 0 or a negative errno (reason on stderr).
 */
int bench_gen_pcap_write(const char *path, uint64_t n, uint32_t fps,
			 uint32_t batch);

#endif
