/*
 * libFuzzer harness for the frame parser and the evidence state machine
 * (capture/frame.c, capture/evidence.c; no pcap). The input is one frame;
 * beyond "no crash":
 * - the result is 0 or a known drop reason, and a drop leaves kind 0;
 * - the parse is a function of the bytes up to the length (a copy parses
 *   the same), and every shorter prefix of an accepted frame is either
 *   accepted or TRUNCATED;
 * - a parsed frame obeys its own invariants (VLAN range, flags);
 * - the evidence machine, fed the frame a few times over one persistent
 *   table, returns at most one event per arrival and never grows.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capture/evidence.h"
#include "capture/frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct capture_evidence *ev;
static uint64_t now = 1000;

static bool mac_known(const struct vrd_mac *mac, uint16_t vlan, void *arg)
{
	return mac->b[5] & 1; /* half the MACs are known */
}

static void check_frame(int rc, const struct capture_frame *f)
{
	if (rc > 0 || rc <= -CAPTURE_DROP_MAX) {
		abort();
	}
	if (rc < 0) {
		if (f->kind != 0) {
			abort();
		}
		return;
	}
	if (f->kind < CAPTURE_KIND_ARP || f->kind > CAPTURE_KIND_IPV4) {
		abort();
	}
	if (f->vlan != CAPTURE_VLAN_NONE && (f->vlan == 0 || f->vlan >= 4095)) {
		abort();
	}
	if (!vrd_mac_is_unicast(&f->eth_src)) {
		abort();
	}
	if ((f->flags & CAPTURE_FRAME_GRATUITOUS) &&
	    (f->kind != CAPTURE_KIND_ARP || f->spa == 0 || f->spa != f->tpa)) {
		abort();
	}
	if (f->kind != CAPTURE_KIND_IPV4 && !vrd_mac_is_unicast(&f->sha)) {
		abort();
	}
}

static void feed(const struct capture_frame *f)
{
	struct capture_event e;
	struct capture_learn l;
	size_t cap = capture_evidence_capacity(ev);
	unsigned r, events = 0;

	for (int i = 0; i < 3; i++) {
		r = capture_evidence_feed(ev, f, now, &e, &l);
		if (r & ~(unsigned)(CAPTURE_FEED_EVENT | CAPTURE_FEED_LEARN)) {
			abort();
		}
		if (r & CAPTURE_FEED_EVENT) {
			events++;
			if (e.frames != 1 || e.first_ms != now ||
			    !vrd_mac_equal(&e.mac, &f->eth_src) ||
			    e.kind <= 0 || e.kind >= CAPTURE_EVENT_MAX) {
				abort();
			}
		}
		if ((r & CAPTURE_FEED_LEARN) &&
		    (l.ip == 0 || !vrd_mac_equal(&l.mac, &f->sha))) {
			abort();
		}
		now += 7; /* well inside the fold window */
	}
	if (events > 1 || capture_evidence_size(ev) > cap) {
		abort();
	}
	now += 2000; /* the next input is a new arrival */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct capture_frame f, g;
	uint8_t *copy;
	int rc, rc2;

	if (!ev) {
		struct capture_evidence_config cfg = {
			.network = {.addr = 0xc0000200, .len = 24},
			.table_size = 64,
			.events_per_sec = CAPTURE_EVIDENCE_UNLIMITED,
			.mac_known = mac_known,
		};

		ev = capture_evidence_create(&cfg);
		if (!ev) {
			abort();
		}
	}

	rc = capture_frame_parse(data, size, &f);
	check_frame(rc, &f);

	copy = malloc(size ? size : 1);
	if (!copy) {
		return 0;
	}
	memcpy(copy, data, size);
	rc2 = capture_frame_parse(copy, size, &g);
	if (rc2 != rc || memcmp(&f, &g, sizeof(f)) != 0) {
		abort();
	}
	if (rc == 0) {
		for (size_t n = 0; n < size && n < 80; n++) {
			rc2 = capture_frame_parse(copy, n, &g);
			check_frame(rc2, &g);
			if (rc2 != 0 && rc2 != -CAPTURE_DROP_TRUNCATED) {
				abort();
			}
		}
	}
	free(copy);

	if (rc == 0) {
		feed(&f);
	}
	return 0;
}
