/* vrd/learn.c: the LAN learning step against real LMDB tables. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tables/tables.h"
#include "vrd/learn.h"

#define IP(a, b, c, d)                                                    \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | \
	 (uint32_t)(d))

#define VN 7
#define REFRESH_MS 150000
#define WIRE0_US 1800000000000000ull /* a wall clock time, in us */
#define EVENTS_MAX 16
#define SMALL_MAP (256 * 1024)

struct fixture {
	char root[64]; /* mkdtemp */
	struct tables *t;
	struct vrd_learner *lrn;
};

struct events {
	struct tables_event ev[EVENTS_MAX];
	size_t n;
};

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	return remove(path);
}

static int put_lndt(struct tables_txn *txn, void *arg)
{
	struct tables_lndt_entry e = {
		.vn = VN,
		.prefix = {.addr = IP(192, 0, 2, 0), .len = 24},
		.source = TABLES_LNDT_CONFIG,
		.added_ms = 1,
	};

	return tables_lndt_put(txn, &e);
}

static int fixture_make(void **state, uint64_t refresh_ms,
			const struct tables_options *opt)
{
	struct vrd_learn_config lc = {.vn = VN, .refresh_ms = refresh_ms};
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f) {
		return -1;
	}
	strcpy(f->root, "/tmp/vrd-learn-XXXXXX");
	if (!mkdtemp(f->root) || tables_open(&f->t, f->root, opt) < 0 ||
	    tables_write(f->t, put_lndt, NULL) < 0) {
		free(f);
		return -1;
	}
	f->lrn = vrd_learn_create(&lc);
	if (!f->lrn) {
		tables_close(f->t);
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int setup(void **state)
{
	return fixture_make(state, REFRESH_MS, NULL);
}

/* every learning item written: the HWDT results one by one */
static int setup_noskip(void **state)
{
	return fixture_make(state, 0, NULL);
}

/* a map that cannot grow: a write fails once it is full */
static int setup_small(void **state)
{
	struct tables_options opt = {
		.map_size = SMALL_MAP,
		.map_size_max = SMALL_MAP,
		.events_max = 100000,
	};

	return fixture_make(state, REFRESH_MS, &opt);
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	vrd_learn_destroy(f->lrn);
	tables_close(f->t);
	nftw(f->root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

/* ---- helpers ---------------------------------------------------------- */

static struct vrd_mac mac_of(uint8_t last)
{
	struct vrd_mac m = {{0x52, 0x54, 0x00, 0x12, 0x34, last}};

	return m;
}

static int queue(struct fixture *f, uint32_t ip, uint8_t mac, uint8_t source,
		 uint64_t now_ms, uint64_t wire_us)
{
	struct capture_learn l = {
		.ip = ip,
		.mac = mac_of(mac),
		.vlan = CAPTURE_VLAN_NONE,
		.source = source,
	};

	return vrd_learn_queue(f->lrn, &l, now_ms, wire_us);
}

/* queue one ARP learning item and flush it at the same time */
static void learn(struct fixture *f, uint32_t ip, uint8_t mac, uint64_t now_ms,
		  uint64_t wire_us)
{
	assert_int_equal(queue(f, ip, mac, CAPTURE_LEARN_ARP, now_ms, wire_us),
			 0);
	assert_int_equal(vrd_learn_flush(f->lrn, f->t, now_ms), 0);
}

static struct vrd_learn_stats stats(const struct fixture *f)
{
	struct vrd_learn_stats s;

	vrd_learn_get_stats(f->lrn, &s);
	return s;
}

static size_t pending_learn(const struct fixture *f)
{
	size_t nl, ns;

	vrd_learn_pending(f->lrn, &nl, &ns);
	return nl;
}

static int event_keep(const struct tables_event *ev, void *arg)
{
	struct events *e = arg;

	if (e->n == EVENTS_MAX) {
		return -ENOSPC;
	}
	e->ev[e->n++] = *ev;
	return 0;
}

static void events_read(struct fixture *f, struct events *e)
{
	struct tables_txn *txn;

	e->n = 0;
	assert_int_equal(tables_read_begin(f->t, &txn), 0);
	assert_int_equal(tables_event_foreach(txn, 0, event_keep, e), 0);
	tables_read_end(txn);
}

/* the value of key in ev, or NULL */
static const char *field(const struct tables_event *ev, const char *key)
{
	for (unsigned i = 0; i < ev->nfields; i++) {
		if (strcmp(ev->fields[i].key, key) == 0) {
			return ev->fields[i].value;
		}
	}
	return NULL;
}

static void field_is(const struct tables_event *ev, const char *key,
		     const char *want)
{
	const char *v = field(ev, key);

	if (!v) {
		fail_msg("event %s has no field %s", ev->type, key);
	}
	assert_string_equal(v, want);
}

static void hwdt_read(struct fixture *f, uint32_t ip,
		      struct tables_hwdt_entry *out, int want)
{
	struct tables_txn *txn;

	assert_int_equal(tables_read_begin(f->t, &txn), 0);
	assert_int_equal(tables_hwdt_get(txn, VN, ip, out), want);
	tables_read_end(txn);
}

static uint64_t write_txns(struct fixture *f)
{
	struct tables_stats ts;

	tables_get_stats(f->t, &ts);
	return ts.write_txns;
}

/* ---- refresh skip ----------------------------------------------------- */

static void test_refresh_skip(void **state)
{
	struct fixture *f = *state;
	uint32_t ip = IP(192, 0, 2, 10);
	struct tables_hwdt_entry e;
	uint64_t txns;

	learn(f, ip, 1, 1000, WIRE0_US);
	assert_int_equal(stats(f).learned_new, 1);

	/* the same pair within the window: not even queued */
	assert_int_equal(queue(f, ip, 1, CAPTURE_LEARN_ARP,
			       1000 + REFRESH_MS - 1, WIRE0_US + 5000000),
			 0);
	assert_int_equal(stats(f).refresh_skipped, 1);
	assert_int_equal(pending_learn(f), 0);
	txns = write_txns(f);
	assert_int_equal(vrd_learn_flush(f->lrn, f->t, 1000 + REFRESH_MS - 1),
			 0);
	assert_int_equal(write_txns(f), txns); /* nothing queued: no txn */
	hwdt_read(f, ip, &e, 0);
	assert_int_equal(e.last_seen_ms, WIRE0_US / 1000);

	/* once the window has passed it is written again, with its time */
	learn(f, ip, 1, 1000 + REFRESH_MS, WIRE0_US + 150000000);
	assert_int_equal(stats(f).refresh_skipped, 1);
	assert_int_equal(stats(f).refreshed, 1);
	hwdt_read(f, ip, &e, 0);
	assert_int_equal(e.last_seen_ms, (WIRE0_US + 150000000) / 1000);
	assert_int_equal(e.first_seen_ms, WIRE0_US / 1000);

	/* the window restarts at that write */
	assert_int_equal(queue(f, ip, 1, CAPTURE_LEARN_ARP,
			       1000 + 2 * REFRESH_MS - 1, WIRE0_US),
			 0);
	assert_int_equal(stats(f).refresh_skipped, 2);
}

static void test_refresh_other_mac_not_skipped(void **state)
{
	struct fixture *f = *state;
	uint32_t ip = IP(192, 0, 2, 11);
	struct tables_hwdt_entry e;

	learn(f, ip, 1, 1000, WIRE0_US);
	/* another MAC for the IP, a moment later: news, written */
	learn(f, ip, 2, 1001, WIRE0_US + 1000);
	assert_int_equal(stats(f).refresh_skipped, 0);
	assert_int_equal(stats(f).learned_moved, 1);
	hwdt_read(f, ip, &e, 0);
	assert_memory_equal(e.mac.b, mac_of(2).b, 6);
}

/* ---- LNDT gate --------------------------------------------------------- */

static void test_lndt_gate(void **state)
{
	struct fixture *f = *state;
	struct tables_hwdt_entry e;
	struct events ev;

	learn(f, IP(198, 51, 100, 7), 3, 1000, WIRE0_US);
	learn(f, IP(192, 0, 3, 1), 3, 1000, WIRE0_US);
	assert_int_equal(stats(f).outside_lndt, 2);
	assert_int_equal(stats(f).learned_new, 0);
	hwdt_read(f, IP(198, 51, 100, 7), &e, -ENOENT);
	hwdt_read(f, IP(192, 0, 3, 1), &e, -ENOENT);
	events_read(f, &ev);
	assert_int_equal(ev.n, 0);

	learn(f, IP(192, 0, 2, 255 - 1), 3, 1000, WIRE0_US);
	assert_int_equal(stats(f).outside_lndt, 2);
	assert_int_equal(stats(f).learned_new, 1);
}

/* ---- HWDT results and ip-conflict events ------------------------------- */

static void test_new_refreshed_moved(void **state)
{
	struct fixture *f = *state;
	uint32_t ip = IP(192, 0, 2, 20);
	struct tables_hwdt_entry e;
	struct events ev;
	struct vrd_learn_stats s;

	learn(f, ip, 1, 1000, WIRE0_US);
	learn(f, ip, 1, 1001, WIRE0_US + 1000);
	learn(f, IP(192, 0, 2, 21), 1, 1001, WIRE0_US + 1000);
	s = stats(f);
	assert_int_equal(s.learned_new, 2);
	assert_int_equal(s.refreshed, 1);
	assert_int_equal(s.learned_moved, 0);
	assert_int_equal(s.conflicts, 0);
	events_read(f, &ev);
	assert_int_equal(ev.n, 0);

	learn(f, ip, 2, 2000, WIRE0_US + 2000000);
	s = stats(f);
	assert_int_equal(s.learned_moved, 1);
	assert_int_equal(s.conflicts, 1);
	assert_int_equal(s.conflicts_held, 0);
	hwdt_read(f, ip, &e, 0);
	assert_memory_equal(e.mac.b, mac_of(2).b, 6);

	events_read(f, &ev);
	assert_int_equal(ev.n, 1);
	assert_string_equal(ev.ev[0].type, "ip-conflict");
	assert_int_equal(ev.ev[0].time_ms, (WIRE0_US + 2000000) / 1000);
	field_is(&ev.ev[0], "ip", "192.0.2.20");
	field_is(&ev.ev[0], "mac", "52:54:00:12:34:02");
	field_is(&ev.ev[0], "previous_mac", "52:54:00:12:34:01");
	field_is(&ev.ev[0], "source", "arp");
	field_is(&ev.ev[0], "kept", "new");

	/* it moves back within the hold: counted, held, no second event */
	learn(f, ip, 1, 2000 + VRD_LEARN_CONFLICT_HOLD_MS - 1,
	      WIRE0_US + 3000000);
	s = stats(f);
	assert_int_equal(s.learned_moved, 2);
	assert_int_equal(s.conflicts, 2);
	assert_int_equal(s.conflicts_held, 1);
	events_read(f, &ev);
	assert_int_equal(ev.n, 1);
	hwdt_read(f, ip, &e, 0);
	assert_memory_equal(e.mac.b, mac_of(1).b, 6); /* the HWDT follows */

	/* after the hold the next move is news again */
	learn(f, ip, 2, 2000 + VRD_LEARN_CONFLICT_HOLD_MS, WIRE0_US + 4000000);
	s = stats(f);
	assert_int_equal(s.learned_moved, 3);
	assert_int_equal(s.conflicts, 3);
	assert_int_equal(s.conflicts_held, 1);
	events_read(f, &ev);
	assert_int_equal(ev.n, 2);
	field_is(&ev.ev[1], "previous_mac", "52:54:00:12:34:01");
}

static void test_learn_source(void **state)
{
	struct fixture *f = *state;
	struct tables_hwdt_entry e;

	assert_int_equal(queue(f, IP(192, 0, 2, 30), 1, CAPTURE_LEARN_GARP,
			       1000, WIRE0_US),
			 0);
	assert_int_equal(queue(f, IP(192, 0, 2, 31), 2, CAPTURE_LEARN_RARP,
			       1000, WIRE0_US),
			 0);
	assert_int_equal(queue(f, IP(192, 0, 2, 32), 3, CAPTURE_LEARN_ARP, 1000,
			       WIRE0_US),
			 0);
	assert_int_equal(pending_learn(f), 3);
	assert_int_equal(vrd_learn_flush(f->lrn, f->t, 1000), 0);
	assert_int_equal(pending_learn(f), 0);
	assert_int_equal(stats(f).learned_new, 3);
	hwdt_read(f, IP(192, 0, 2, 30), &e, 0);
	assert_int_equal(e.source, TABLES_HWDT_GARP);
	hwdt_read(f, IP(192, 0, 2, 31), &e, 0);
	assert_int_equal(e.source, TABLES_HWDT_RARP);
	assert_int_equal(e.vn, VN);
	hwdt_read(f, IP(192, 0, 2, 32), &e, 0);
	assert_int_equal(e.source, TABLES_HWDT_ARP);
}

static int put_static(struct tables_txn *txn, void *arg)
{
	struct tables_hwdt_entry e = {
		.vn = VN,
		.ip = IP(192, 0, 2, 40),
		.mac = mac_of(9),
		.source = TABLES_HWDT_STATIC,
		.first_seen_ms = 5,
		.last_seen_ms = 5,
	};
	int rc = tables_hwdt_learn(txn, &e, NULL);

	return rc < 0 ? rc : 0;
}

/* An entry this learner never wrote (learned before a restart, or gone
 * from the refresh cache): the hold after its first conflict must still
 * hold back a second event. */
static int put_learned(struct tables_txn *txn, void *arg)
{
	struct tables_hwdt_entry e = {
		.vn = VN,
		.ip = IP(192, 0, 2, 41),
		.mac = mac_of(7),
		.source = TABLES_HWDT_ARP,
		.first_seen_ms = 5,
		.last_seen_ms = 5,
	};
	int rc = tables_hwdt_learn(txn, &e, NULL);

	return rc < 0 ? rc : 0;
}

static void test_conflict_hold_without_cache(void **state)
{
	struct fixture *f = *state;
	uint32_t ip = IP(192, 0, 2, 41);
	struct events ev;
	struct vrd_learn_stats s;

	assert_int_equal(tables_write(f->t, put_learned, NULL), 0);
	learn(f, ip, 1, 1000, WIRE0_US);
	learn(f, ip, 7, 1000 + 1000, WIRE0_US + 1000000);
	s = stats(f);
	assert_int_equal(s.learned_moved, 2);
	assert_int_equal(s.conflicts, 2);
	assert_int_equal(s.conflicts_held, 1);
	events_read(f, &ev);
	assert_int_equal(ev.n, 1);
}

static void test_static_kept(void **state)
{
	struct fixture *f = *state;
	uint32_t ip = IP(192, 0, 2, 40);
	struct tables_hwdt_entry e;
	struct events ev;
	struct vrd_learn_stats s;

	assert_int_equal(tables_write(f->t, put_static, NULL), 0);

	/* the static MAC itself: kept, nothing to say */
	learn(f, ip, 9, 1000, WIRE0_US);
	s = stats(f);
	assert_int_equal(s.static_kept, 1);
	assert_int_equal(s.conflicts, 0);
	events_read(f, &ev);
	assert_int_equal(ev.n, 0);

	/* another MAC claims the static address: kept, and an event */
	learn(f, ip, 4, 2000, WIRE0_US + 1000000);
	s = stats(f);
	assert_int_equal(s.static_kept, 2);
	assert_int_equal(s.learned_moved, 0);
	assert_int_equal(s.conflicts, 1);
	hwdt_read(f, ip, &e, 0);
	assert_memory_equal(e.mac.b, mac_of(9).b, 6);
	assert_int_equal(e.source, TABLES_HWDT_STATIC);
	events_read(f, &ev);
	assert_int_equal(ev.n, 1);
	assert_string_equal(ev.ev[0].type, "ip-conflict");
	field_is(&ev.ev[0], "ip", "192.0.2.40");
	field_is(&ev.ev[0], "mac", "52:54:00:12:34:04");
	field_is(&ev.ev[0], "previous_mac", "52:54:00:12:34:09");
	field_is(&ev.ev[0], "kept", "static");
	assert_int_equal(ev.ev[0].time_ms, (WIRE0_US + 1000000) / 1000);
}

/* ---- host-seen events -------------------------------------------------- */

static void test_host_seen(void **state)
{
	struct fixture *f = *state;
	struct capture_event rarp = {
		.kind = CAPTURE_EVENT_RARP,
		.mac = mac_of(0x50),
		.vlan = CAPTURE_VLAN_NONE,
		.frames = 1,
	};
	struct capture_event garp = {
		.kind = CAPTURE_EVENT_GARP,
		.mac = mac_of(0x51),
		.ip = IP(198, 51, 100, 9),
		.vlan = 42,
		.frames = 1,
	};
	struct events ev;
	size_t nl, ns;

	assert_int_equal(
		vrd_learn_queue_seen(f->lrn, &rarp, WIRE0_US + 1234567, 321),
		0);
	assert_int_equal(
		vrd_learn_queue_seen(f->lrn, &garp, WIRE0_US + 2000999, 0), 0);
	vrd_learn_pending(f->lrn, &nl, &ns);
	assert_int_equal(nl, 0);
	assert_int_equal(ns, 2);
	assert_int_equal(stats(f).host_seen, 0); /* counted when written */
	assert_int_equal(vrd_learn_flush(f->lrn, f->t, 3000), 0);
	assert_int_equal(stats(f).host_seen, 2);
	vrd_learn_pending(f->lrn, &nl, &ns);
	assert_int_equal(ns, 0);

	events_read(f, &ev);
	assert_int_equal(ev.n, 2);
	assert_string_equal(ev.ev[0].type, "host-seen");
	assert_int_equal(ev.ev[0].time_ms, (WIRE0_US + 1234567) / 1000);
	field_is(&ev.ev[0], "kind", "rarp");
	field_is(&ev.ev[0], "mac", "52:54:00:12:34:50");
	assert_null(field(&ev.ev[0], "ip")); /* RARP names none */
	assert_null(field(&ev.ev[0], "vlan"));
	field_is(&ev.ev[0], "detect_us", "321");

	assert_string_equal(ev.ev[1].type, "host-seen");
	assert_int_equal(ev.ev[1].time_ms, (WIRE0_US + 2000999) / 1000);
	field_is(&ev.ev[1], "kind", "garp");
	field_is(&ev.ev[1], "mac", "52:54:00:12:34:51");
	field_is(&ev.ev[1], "ip", "198.51.100.9");
	field_is(&ev.ev[1], "vlan", "42");
	field_is(&ev.ev[1], "detect_us", "0");
}

/* ---- bounds, failures, counters ---------------------------------------- */

static void test_batch_full(void **state)
{
	struct fixture *f = *state;
	struct capture_event e = {.kind = CAPTURE_EVENT_GARP, .vlan = 0};

	for (uint32_t i = 0; i < VRD_LEARN_BATCH; i++) {
		assert_int_equal(queue(f, IP(10, 0, 0, 0) + i, 1,
				       CAPTURE_LEARN_ARP, 1000, WIRE0_US),
				 0);
		assert_int_equal(vrd_learn_queue_seen(f->lrn, &e, WIRE0_US, 0),
				 0);
	}
	assert_int_equal(
		queue(f, IP(10, 0, 1, 0), 1, CAPTURE_LEARN_ARP, 1000, WIRE0_US),
		-ENOSPC);
	assert_int_equal(vrd_learn_queue_seen(f->lrn, &e, WIRE0_US, 0),
			 -ENOSPC);
	assert_int_equal(vrd_learn_flush(f->lrn, f->t, 1000), 0);
	assert_int_equal(stats(f).outside_lndt, VRD_LEARN_BATCH);
	assert_int_equal(stats(f).host_seen, VRD_LEARN_BATCH);
	assert_int_equal(pending_learn(f), 0);
}

/* A flush that cannot write: the batch goes, the counters stay as they
 * were but for write_errors, and nothing counts as written recently. */
static void test_write_error(void **state)
{
	struct fixture *f = *state;
	struct tables_options ro = {.read_only = true};
	struct tables *t = NULL;
	struct capture_event e = {.kind = CAPTURE_EVENT_RARP, .vlan = 0};
	struct vrd_learn_stats s;
	uint32_t ip = IP(192, 0, 2, 50);

	/* one environment open at a time in a process (LMDB) */
	tables_close(f->t);
	f->t = NULL;
	assert_int_equal(tables_open(&t, f->root, &ro), 0);
	assert_int_equal(queue(f, ip, 1, CAPTURE_LEARN_ARP, 1000, WIRE0_US), 0);
	assert_int_equal(vrd_learn_queue_seen(f->lrn, &e, WIRE0_US, 0), 0);
	assert_true(vrd_learn_flush(f->lrn, t, 1000) < 0);
	tables_close(t);
	assert_int_equal(tables_open(&f->t, f->root, NULL), 0);
	s = stats(f);
	assert_int_equal(s.write_errors, 1);
	assert_int_equal(s.learned_new, 0);
	assert_int_equal(s.host_seen, 0);
	assert_int_equal(pending_learn(f), 0);

	/* not written, so not skipped as a refresh */
	learn(f, ip, 1, 1001, WIRE0_US);
	s = stats(f);
	assert_int_equal(s.refresh_skipped, 0);
	assert_int_equal(s.learned_new, 1);
}

/* A transaction that fails after the learning step ran in it (the map
 * fills up): its counters are rolled back, its items not cached. */
static void test_write_error_rollback(void **state)
{
	struct fixture *f = *state;
	struct capture_event e = {
		.kind = CAPTURE_EVENT_GARP,
		.mac = mac_of(0x77),
		.ip = IP(198, 51, 100, 1),
		.vlan = 4000,
	};
	struct vrd_learn_stats before, s;
	uint32_t ip = 0;
	int rc = 0;

	for (uint32_t i = 0; i < 200 && rc == 0; i++) {
		ip = IP(192, 0, 2, 1 + i);
		assert_int_equal(
			queue(f, ip, 1, CAPTURE_LEARN_ARP, 1000, WIRE0_US), 0);
		for (size_t k = 0; k < VRD_LEARN_BATCH; k++) {
			assert_int_equal(
				vrd_learn_queue_seen(f->lrn, &e, WIRE0_US, k),
				0);
		}
		before = stats(f);
		rc = vrd_learn_flush(f->lrn, f->t, 1000);
	}
	assert_true(rc < 0);
	s = stats(f);
	assert_int_equal(s.write_errors, 1);
	assert_int_equal(s.learned_new, before.learned_new);
	assert_int_equal(s.host_seen, before.host_seen);
	assert_true(s.learned_new > 0);
	assert_int_equal(pending_learn(f), 0);
	/* the item of the failed batch was not written: queued again */
	assert_int_equal(queue(f, ip, 1, CAPTURE_LEARN_ARP, 1001, WIRE0_US), 0);
	assert_int_equal(pending_learn(f), 1);
	assert_int_equal(stats(f).refresh_skipped, 0);
}

struct seen_counter {
	const char *names[32];
	uint64_t values[32];
	size_t n;
};

static int counter_keep(const char *name, uint64_t value, void *arg)
{
	struct seen_counter *c = arg;

	if (c->n == 32) {
		return -ENOSPC;
	}
	c->names[c->n] = name;
	c->values[c->n++] = value;
	return 0;
}

static int counter_stop(const char *name, uint64_t value, void *arg)
{
	int *calls = arg;

	return ++*calls == 3 ? 99 : 0;
}

static void test_counters(void **state)
{
	static const char *const want[] = {
		"lan.learned_new",	 "lan.learned_moved",
		"lan.refreshed",	 "lan.refresh_skipped",
		"lan.static_kept",	 "lan.outside_lndt",
		"lan.host_seen",	 "lan.ip_conflicts",
		"lan.ip_conflicts_held", "lan.write_errors",
	};
	struct fixture *f = *state;
	struct seen_counter c = {.n = 0};
	int calls = 0;

	learn(f, IP(192, 0, 2, 60), 1, 1000, WIRE0_US);
	learn(f, IP(192, 0, 2, 60), 1, 1001, WIRE0_US); /* skipped */
	learn(f, IP(203, 0, 113, 1), 1, 1001, WIRE0_US);
	assert_int_equal(vrd_learn_counters(f->lrn, counter_keep, &c), 0);
	assert_int_equal(c.n, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < c.n; i++) {
		assert_string_equal(c.names[i], want[i]);
	}
	assert_int_equal(c.values[0], 1); /* learned_new */
	assert_int_equal(c.values[3], 1); /* refresh_skipped */
	assert_int_equal(c.values[5], 1); /* outside_lndt */
	assert_int_equal(c.values[1], 0);
	assert_int_equal(vrd_learn_counters(f->lrn, counter_stop, &calls), 99);
	assert_int_equal(calls, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_refresh_skip, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_refresh_other_mac_not_skipped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lndt_gate, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_new_refreshed_moved,
						setup_noskip, teardown),
		cmocka_unit_test_setup_teardown(
			test_conflict_hold_without_cache, setup, teardown),
		cmocka_unit_test_setup_teardown(test_learn_source, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_static_kept, setup_noskip,
						teardown),
		cmocka_unit_test_setup_teardown(test_host_seen, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_batch_full, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_write_error, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_write_error_rollback,
						setup_small, teardown),
		cmocka_unit_test_setup_teardown(test_counters, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
