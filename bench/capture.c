/*
 * bench-capture: the LAN path of a gateway-mode vrd on one core, and the
 * gratuitous ARP injection rate. Prints "name  value  unit" lines.
 *
 *   1. Writes a synthetic pcap (DLT_EN10MB) of N frames as they pass vrd's
 *      BPF filter on a LAN of 250 hosts in 192.0.2.0/24 (capture_gen.c):
 *      ARP requests and replies, probes, gratuitous ARP, QEMU-style RARP
 *      bursts of migrants (each followed by the guest's GARP for its
 *      foreign address), IPv4 routed in from outside by the gateway host,
 *      and IPv4 from silent VMs. Prints the mix.
 *   2. Replays it with pcap_open_offline through the stages vrd/lan.c
 *      runs, 256 frames per batch (VRD_LAN_BUDGET): read only; + parse
 *      and counters; + evidence (callbacks asking the HWDT in one read
 *      transaction per batch); the whole path, where the daemon's own
 *      learning step (vrd/learn.c: refresh skip, LNDT gate, HWDT learn,
 *      ip-conflict and host-seen events) writes each batch in one
 *      tables_write, with and without the refresh skip.
 *   3. With -i IFACE (root): sends G gratuitous ARPs with inject_garp_send.
 *
 * Time inside the replay is the pcap timestamp (the evidence folds, the
 * refresh skip and the conflict hold see the LAN's clock, not how fast
 * the replay runs). The host-seen events get detect_us 0: a pcap replay
 * has no kernel receive time to measure from.
 *
 * Usage: bench-capture [-n FRAMES] [-r WIRE_FPS] [-s SEED] [-d DIR]
 *                      [-w FILE] [-i IFACE] [-g GARPS]
 * Defaults: 1000000 frames at 1000 frames/s of LAN time, 100000 GARPs.
 * -n 0 skips the replay (injection only).
 * Without -d a directory is made under /tmp and removed at the end; a
 * directory given with -d is kept. -w keeps the pcap at FILE.
 */
#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pcap.h>

#include "bench/bench_util.h"
#include "bench/capture_gen.h"
#include "capture/evidence.h"
#include "capture/frame.h"
#include "inject/arp.h"
#include "tables/tables.h"
#include "base/addr.h"
#include "vrd/config.h" /* VRD_DEFAULT_HWDT_AGE_S */
#include "vrd/lan.h" /* VRD_LAN_BUDGET */
#include "vrd/learn.h"

#define BUDGET VRD_LAN_BUDGET /* frames per wake-up */
#define REFRESH_MS ((uint64_t)VRD_DEFAULT_HWDT_AGE_S * 1000 / 4) /* lan.c */
#define BENCH_VN 1
#define HOSTS BENCH_GEN_HOSTS
#define NET_ADDR BENCH_GEN_NET
#define START_US BENCH_GEN_START_US
#define REPEAT 5 /* passes of the stages without writes */
#define REPEAT_STR "5"

/* ---- small helpers --------------------------------------------------- */

static int rm_entry(const char *path, const struct stat *sb, int flag,
		    struct FTW *ftw)
{
	return remove(path);
}

/* A growing array of durations in ns, for percentiles. */
struct samples {
	uint64_t *v;
	size_t n, cap;
};

static void samples_add(struct samples *s, uint64_t ns)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 4096;
		uint64_t *v = realloc(s->v, cap * sizeof(*v));

		if (!v) {
			return; /* a bench: fewer samples, not a crash */
		}
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = ns;
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* p in 0..100 of the sorted samples, in microseconds (nearest rank). */
static double samples_pct_us(const struct samples *s, double p)
{
	size_t k;

	if (s->n == 0) {
		return 0;
	}
	k = (size_t)(p / 100 * (double)s->n + 0.999999);
	k = k == 0 ? 0 : k - 1;
	if (k >= s->n) {
		k = s->n - 1;
	}
	return (double)s->v[k] / 1000;
}

static void samples_print(struct samples *s, const char *what)
{
	char name[96];

	qsort(s->v, s->n, sizeof(*s->v), u64_cmp);
	snprintf(name, sizeof(name), "  %s, samples", what);
	bench_print_num(name, (double)s->n, "");
	snprintf(name, sizeof(name), "  %s p50", what);
	bench_print_num(name, samples_pct_us(s, 50), "us");
	snprintf(name, sizeof(name), "  %s p99", what);
	bench_print_num(name, samples_pct_us(s, 99), "us");
	snprintf(name, sizeof(name), "  %s max", what);
	bench_print_num(name, samples_pct_us(s, 100), "us");
}

/* ---- the replay: what vrd/lan.c does per wake-up --------------------- */

enum stage {
	STAGE_READ,
	STAGE_PARSE,
	STAGE_EVIDENCE,
	STAGE_FULL,
};

struct replay_stats {
	uint64_t frames, bytes, parsed, events, learn_items, txns;
};

struct replay {
	enum stage stage;
	struct tables *t;
	struct tables_txn *rtxn;
	struct capture_evidence *ev;
	struct capture_stats parse;
	uint64_t now_ms; /* pcap time of the latest frame */

	/* STAGE_FULL: the daemon's learning step, and when each host-seen
	 * event it holds was handed to us (monotonic ns) */
	struct vrd_learner *lrn;
	uint64_t seen_ns[BUDGET];
	size_t nseen;

	struct replay_stats st;
	struct samples commit; /* one vrd_learn_flush (tables_write), ns */
	struct samples event_lat; /* frame handed over to its commit, ns */
};

static int found(const struct tables_hwdt_entry *e, void *arg)
{
	return 1;
}

static bool mac_known(const struct vrd_mac *mac, uint16_t vlan, void *arg)
{
	struct replay *r = arg;

	return r->rtxn && tables_hwdt_foreach_mac(r->rtxn, BENCH_VN, mac, found,
						  NULL) == 1;
}

static bool ip_known(uint32_t ip, void *arg)
{
	struct replay *r = arg;
	struct tables_hwdt_entry e;

	return r->rtxn && tables_hwdt_get(r->rtxn, BENCH_VN, ip, &e) == 0;
}

static void flush(struct replay *r)
{
	size_t nlearn, nseen;
	uint64_t t0, t1;
	int rc;

	vrd_learn_pending(r->lrn, &nlearn, &nseen);
	if (nlearn == 0 && nseen == 0) {
		return;
	}
	t0 = bench_now_ns();
	rc = vrd_learn_flush(r->lrn, r->t, r->now_ms);
	t1 = bench_now_ns();
	if (rc == 0) {
		r->st.txns++;
		samples_add(&r->commit, t1 - t0);
		for (size_t i = 0; i < r->nseen; i++) {
			samples_add(&r->event_lat, t1 - r->seen_ns[i]);
		}
	}
	r->nseen = 0;
}

static void on_frame(u_char *arg, const struct pcap_pkthdr *h,
		     const u_char *bytes)
{
	struct replay *r = (struct replay *)(void *)arg;
	uint64_t ts_us =
		(uint64_t)h->ts.tv_sec * 1000000 + (uint64_t)h->ts.tv_usec;
	uint64_t seen = r->stage == STAGE_FULL ? bench_now_ns() : 0;
	struct capture_frame f;
	struct capture_event event;
	struct capture_learn learn;
	unsigned got;
	int rc;

	r->st.frames++;
	r->st.bytes += h->caplen;
	if (r->stage == STAGE_READ) {
		return;
	}
	rc = capture_frame_parse(bytes, h->caplen, &f);
	capture_stats_add(&r->parse, rc, rc == 0 ? &f : NULL);
	if (rc < 0 || r->stage == STAGE_PARSE) {
		return;
	}
	r->st.parsed++;
	r->now_ms = ts_us / 1000;
	got = capture_evidence_feed(r->ev, &f, r->now_ms, &event, &learn);
	if (got & CAPTURE_FEED_EVENT) {
		r->st.events++;
	}
	if (got & CAPTURE_FEED_LEARN) {
		r->st.learn_items++;
	}
	if (r->stage != STAGE_FULL) {
		return;
	}
	/* as vrd/lan.c, with the pcap time as the monotonic clock too; the
	 * batch of BUDGET frames cannot overflow the learner's */
	if (got & CAPTURE_FEED_LEARN) {
		vrd_learn_queue(r->lrn, &learn, r->now_ms, ts_us);
	}
	/* detect_us is 0: the replay has no kernel receive time */
	if ((got & CAPTURE_FEED_EVENT) &&
	    vrd_learn_queue_seen(r->lrn, &event, ts_us, 0) == 0) {
		r->seen_ns[r->nseen++] = seen;
	}
}

static int lndt_fn(struct tables_txn *txn, void *arg)
{
	struct tables_lndt_entry e = {
		.vn = BENCH_VN,
		.prefix = {.addr = NET_ADDR, .len = BENCH_GEN_NET_LEN},
		.source = TABLES_LNDT_CONFIG,
		.added_ms = START_US / 1000,
	};

	return tables_lndt_put(txn, &e);
}

/* One pass over the file; 0 or a negative errno. */
static int replay_run(struct replay *r, const char *path, double *wall,
		      double *cpu)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline(path, err);
	double w0, c0;
	int n, rc = 0;

	if (!p) {
		fprintf(stderr, "bench-capture: %s: %s\n", path, err);
		return -EIO;
	}
	w0 = bench_now_s();
	c0 = bench_cpu_s();
	for (;;) {
		if (r->stage >= STAGE_EVIDENCE &&
		    tables_read_begin(r->t, &r->rtxn) < 0) {
			r->rtxn = NULL;
		}
		n = pcap_dispatch(p, BUDGET, on_frame, (u_char *)(void *)r);
		tables_read_end(r->rtxn);
		r->rtxn = NULL;
		if (r->stage == STAGE_FULL) {
			flush(r);
		}
		if (n <= 0) {
			break;
		}
	}
	*wall = bench_now_s() - w0;
	*cpu = bench_cpu_s() - c0;
	if (n < 0) {
		fprintf(stderr, "bench-capture: %s: %s\n", path,
			pcap_geterr(p));
		rc = -EIO;
	}
	pcap_close(p);
	return rc;
}

static struct capture_evidence *evidence_make(struct replay *r, uint64_t seed)
{
	struct capture_evidence_config ec = {
		.network = {.addr = NET_ADDR, .len = BENCH_GEN_NET_LEN},
		.mac_known = mac_known,
		.ip_known = ip_known,
		.arg = r,
		.seed = seed,
	};

	return capture_evidence_create(&ec);
}

static void rates_print(const char *what, const struct replay *r, double wall,
			double cpu)
{
	char name[96];

	snprintf(name, sizeof(name), "%s", what);
	bench_print_num(name, (double)r->st.frames / wall, "frames/s");
	snprintf(name, sizeof(name), "  cpu");
	bench_print_num(name, (double)r->st.frames / cpu,
			"frames/s (thread cpu)");
	snprintf(name, sizeof(name), "  wall time");
	bench_print_num(name, wall, "s");
}

struct bench {
	const char *pcap_path;
	const char *dir;
	uint64_t seed;
};

static void evidence_print(const struct capture_evidence *ev)
{
	struct capture_evidence_stats es;
	char name[96];

	capture_evidence_get_stats(ev, &es);
	for (int k = 1; k < CAPTURE_EVENT_MAX; k++) {
		snprintf(name, sizeof(name), "  events %s",
			 capture_event_kind_name(k));
		bench_print_num(name, (double)es.events[k], "events");
	}
	bench_print_num("  folded into an earlier event", (double)es.folded,
			"frames");
	bench_print_num("  silent candidates known", (double)es.known,
			"frames");
	bench_print_num("  ratelimited", (double)es.ratelimited, "events");
	bench_print_num("  evicted", (double)es.evicted, "entries");
}

static int double_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void stage_details(const struct replay *r)
{
	if (r->stage == STAGE_PARSE) {
		bench_print_num(
			"  parsed ok",
			(double)(r->parse.arp + r->parse.rarp + r->parse.ipv4),
			"frames");
		bench_print_num("  capture.gratuitous",
				(double)r->parse.gratuitous, "frames");
	}
	if (r->stage == STAGE_EVIDENCE) {
		bench_print_num("  host-seen events", (double)r->st.events,
				"events");
		bench_print_num("  learning items", (double)r->st.learn_items,
				"items");
		evidence_print(r->ev);
	}
}

/*
 * A stage without writes, REPEAT times (each pass is a fraction of a
 * second: noise): the median and the best pass. The evidence stage runs
 * against tables t that already hold the LAN (the state a running daemon
 * is in), with a fresh state machine each pass.
 */
static int stage_repeat(const struct bench *b, enum stage stage,
			struct tables *t, const char *what)
{
	double wall[REPEAT], cpu[REPEAT];
	struct replay *r = NULL;
	uint64_t frames = 0;
	char name[96];
	int rc = 0;

	for (int k = 0; k < REPEAT && rc == 0; k++) {
		if (r) {
			capture_evidence_destroy(r->ev);
			free(r);
		}
		r = calloc(1, sizeof(*r));
		if (!r) {
			return -ENOMEM;
		}
		r->stage = stage;
		r->t = t;
		if (stage == STAGE_EVIDENCE) {
			r->ev = evidence_make(r, b->seed);
			if (!r->ev) {
				rc = -ENOMEM;
				break;
			}
		}
		rc = replay_run(r, b->pcap_path, &wall[k], &cpu[k]);
		frames = r->st.frames;
	}
	if (rc == 0) {
		qsort(wall, REPEAT, sizeof(double), double_cmp);
		qsort(cpu, REPEAT, sizeof(double), double_cmp);
		snprintf(name, sizeof(name), "%s", what);
		bench_print_num(name, (double)frames / wall[REPEAT / 2],
				"frames/s (median of " REPEAT_STR ")");
		bench_print_num("  best pass", (double)frames / wall[0],
				"frames/s");
		bench_print_num("  cpu, median",
				(double)frames / cpu[REPEAT / 2],
				"frames/s (thread cpu)");
		bench_print_num("  wall time, median", wall[REPEAT / 2], "s");
		stage_details(r);
	}
	if (r) {
		capture_evidence_destroy(r->ev);
		free(r);
	}
	return rc;
}

static int tables_fresh(const char *dir, struct tables **t)
{
	int rc;

	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS); /* a -d of before */
	rc = tables_open(t, dir, NULL);
	if (rc < 0) {
		fprintf(stderr, "bench-capture: tables %s: %s\n", dir,
			strerror(-rc));
		return rc;
	}
	rc = tables_write(*t, lndt_fn, NULL);
	if (rc < 0) {
		fprintf(stderr, "bench-capture: lndt: %s\n", strerror(-rc));
		tables_close(*t);
		*t = NULL;
	}
	return rc;
}

static void full_print(const char *what, struct replay *r, double wall,
		       double cpu, const struct tables_stats *ts)
{
	struct tables_counts counts = {0};
	struct vrd_learn_stats ls;
	struct tables_txn *txn;

	vrd_learn_get_stats(r->lrn, &ls);
	rates_print(what, r, wall, cpu);
	bench_print_num("  lmdb write txns (batches with work)",
			(double)r->st.txns, "txns");
	bench_print_num("  lmdb write txns (tables stats)",
			(double)ts->write_txns, "txns");
	bench_print_num("  write errors", (double)ls.write_errors, "txns");
	bench_print_num("  learning items", (double)r->st.learn_items, "items");
	bench_print_num("  refresh skipped (not written)",
			(double)ls.refresh_skipped, "items");
	bench_print_num("  outside lndt (not written)", (double)ls.outside_lndt,
			"items");
	bench_print_num("  tables_hwdt_learn calls",
			(double)(ls.learned_new + ls.refreshed +
				 ls.learned_moved + ls.static_kept),
			"calls");
	bench_print_num("  hwdt new", (double)ls.learned_new, "entries");
	bench_print_num("  hwdt refreshed", (double)ls.refreshed, "entries");
	bench_print_num("  hwdt moved", (double)ls.learned_moved, "entries");
	bench_print_num("  hwdt static kept", (double)ls.static_kept,
			"entries");
	bench_print_num("  ip-conflict events written",
			(double)(ls.conflicts - ls.conflicts_held), "events");
	bench_print_num("  host-seen events written", (double)ls.host_seen,
			"events");
	bench_print_str("  host-seen detect_us", "0",
			"(replay: no kernel receive time)");
	if (tables_read_begin(r->t, &txn) == 0) {
		tables_count(txn, &counts);
		tables_read_end(txn);
	}
	bench_print_num("  hwdt entries at the end", (double)counts.hwdt,
			"entries");
	bench_print_num("  event log entries at the end", (double)counts.events,
			"events");
	bench_print_num("  map used", (double)ts->map_used, "bytes");
	samples_print(&r->commit, "txn (tables_write)");
	samples_print(&r->event_lat, "host-seen frame to commit");
}

/* The whole path into fresh tables in dir/NAME; skip: the refresh skip as
 * vrd has it, or none (every learning item written). */
static int stage_full(const struct bench *b, bool skip, const char *name,
		      struct tables **keep)
{
	struct vrd_learn_config lc = {
		.vn = BENCH_VN,
		.refresh_ms = skip ? REFRESH_MS : 0,
	};
	struct replay *r = calloc(1, sizeof(*r));
	struct tables_stats ts0, ts1;
	char dir[4096];
	double wall, cpu;
	int rc = -ENOMEM;

	if (!r) {
		return rc;
	}
	snprintf(dir, sizeof(dir), "%s/%s", b->dir, name);
	r->stage = STAGE_FULL;
	r->lrn = vrd_learn_create(&lc);
	if (!r->lrn) {
		goto out_free;
	}
	rc = tables_fresh(dir, &r->t);
	if (rc < 0) {
		goto out_learner;
	}
	r->ev = evidence_make(r, b->seed);
	if (!r->ev) {
		rc = -ENOMEM;
		goto out_tables;
	}
	tables_get_stats(r->t, &ts0);
	rc = replay_run(r, b->pcap_path, &wall, &cpu);
	tables_get_stats(r->t, &ts1);
	ts1.write_txns -= ts0.write_txns;
	if (rc == 0) {
		full_print(skip ? "replay: whole path, refresh skip (as vrd)"
				: "replay: whole path, no refresh skip",
			   r, wall, cpu, &ts1);
		if (skip) {
			evidence_print(r->ev);
		}
	}
	capture_evidence_destroy(r->ev);
	free(r->commit.v);
	free(r->event_lat.v);
out_tables:
	if (rc == 0 && keep) {
		*keep = r->t;
	} else {
		tables_close(r->t);
	}
out_learner:
	vrd_learn_destroy(r->lrn);
out_free:
	free(r);
	return rc;
}

static int replay_bench(const struct bench *b)
{
	struct tables *learned = NULL;
	char buf[64];
	int rc;

	snprintf(buf, sizeof(buf), "%d", BUDGET);
	bench_print_str("batch (frames per wake-up)", buf, "frames");
	snprintf(buf, sizeof(buf), "%" PRIu64, REFRESH_MS / 1000);
	bench_print_str("refresh skip window", buf, "s (hwdt_age 600 / 4)");
	bench_print_str("learning step", "vrd_learn", "(the daemon's code)");
	if ((rc = stage_repeat(b, STAGE_READ, NULL,
			       "replay: pcap read only")) ||
	    (rc = stage_repeat(b, STAGE_PARSE, NULL,
			       "replay: + parse, counters")) ||
	    (rc = stage_full(b, true, "skip", &learned))) {
		return rc;
	}
	rc = stage_repeat(b, STAGE_EVIDENCE, learned,
			  "replay: + evidence (hwdt read txn / batch)");
	tables_close(learned);
	if (rc) {
		return rc;
	}
	return stage_full(b, false, "noskip", NULL);
}

/* ---- injection --------------------------------------------------------- */

static int inject_bench(const char *ifname, uint32_t count)
{
	char err[256] = "";
	struct inject *inj = inject_open(ifname, err, sizeof(err));
	struct inject_stats st;
	struct vrd_mac mac;
	double w0, c0, wall, cpu;
	uint64_t failed = 0;

	if (!inj) {
		int e = errno ? errno : EIO;

		fprintf(stderr, "bench-capture: inject %s: %s\n", ifname, err);
		return -e;
	}
	inject_hwaddr(inj, &mac);
	w0 = bench_now_s();
	c0 = bench_cpu_s();
	for (uint32_t i = 0; i < count; i++) {
		if (inject_garp_send(inj, bench_gen_host_ip(i % HOSTS), &mac,
				     INJECT_GARP_REQUEST, NULL) < 0) {
			failed++;
		}
	}
	wall = bench_now_s() - w0;
	cpu = bench_cpu_s() - c0;
	inject_stats_get(inj, &st);
	bench_print_str("inject interface", ifname, "");
	bench_print_num("inject gratuitous arp", (double)count / wall,
			"frames/s");
	bench_print_num("  cpu", (double)count / cpu, "frames/s (thread cpu)");
	bench_print_num("  wall time", wall, "s");
	bench_print_num("  inject.sent", (double)st.sent, "frames");
	bench_print_num("  inject.errors", (double)st.errors, "frames");
	bench_print_num("  failed calls", (double)failed, "frames");
	inject_close(inj);
	return 0;
}

/* ---- main ------------------------------------------------------------ */

static void usage(void)
{
	fprintf(stderr, "usage: bench-capture [-n FRAMES] [-r WIRE_FPS] "
			"[-s SEED] [-d DIR] [-w FILE] [-i IFACE] "
			"[-g GARPS]\n");
}

static bool number_get(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		return false;
	}
	*out = v;
	return true;
}

/* One core: stay on the CPU we started on. */
static int pin_cpu(void)
{
	int cpu = sched_getcpu();
	cpu_set_t set;

	if (cpu < 0) {
		return -1;
	}
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) < 0 ? -1 : cpu;
}

int main(int argc, char **argv)
{
	uint64_t frames = 1000000, fps = 1000, seed = 1, garps = 100000;
	const char *dir = NULL, *pcap_path = NULL, *ifname = NULL;
	char tmpdir[] = "/tmp/bench-capture.XXXXXX";
	char pathbuf[4200];
	struct bench b;
	int opt, rc, cpu;

	while ((opt = getopt(argc, argv, "n:r:s:d:w:i:g:h")) != -1) {
		bool ok = true;

		switch (opt) {
		case 'n':
			ok = number_get(optarg, 0, 100000000, &frames);
			break;
		case 'r':
			ok = number_get(optarg, 1, 10000000, &fps);
			break;
		case 's':
			ok = number_get(optarg, 0, UINT64_MAX, &seed);
			break;
		case 'd':
			dir = optarg;
			break;
		case 'w':
			pcap_path = optarg;
			break;
		case 'i':
			ifname = optarg;
			break;
		case 'g':
			ok = number_get(optarg, 1, 100000000, &garps);
			break;
		default:
			ok = false;
			break;
		}
		if (!ok) {
			usage();
			return 2;
		}
	}
	if (optind != argc) {
		usage();
		return 2;
	}
	if (!dir) {
		dir = mkdtemp(tmpdir);
		if (!dir) {
			perror("bench-capture: mkdtemp");
			return 1;
		}
	}
	if (!pcap_path) {
		snprintf(pathbuf, sizeof(pathbuf), "%s/lan.pcap", dir);
		pcap_path = pathbuf;
	}
	bench_rng_seed(seed);
	cpu = pin_cpu();
	bench_print_num("seed", (double)seed, "");
	if (cpu >= 0) {
		bench_print_num("pinned to cpu", cpu, "");
	} else {
		bench_print_str("pinned to cpu", "no", "");
	}
	bench_print_str("state dir", dir, "");
	bench_print_str("pcap", pcap_path, "");
	b = (struct bench){.pcap_path = pcap_path, .dir = dir, .seed = seed};
	rc = 0;
	if (frames > 0) {
		rc = bench_gen_pcap_write(pcap_path, frames, (uint32_t)fps,
					  BUDGET);
	}
	if (rc == 0 && frames > 0) {
		rc = replay_bench(&b);
	}
	if (rc == 0 && ifname) {
		rc = inject_bench(ifname, (uint32_t)garps);
	} else if (rc == 0) {
		bench_print_str("inject gratuitous arp", "skipped",
				"(no -i IFACE; needs root)");
	}
	if (dir == tmpdir) {
		nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	} else if (pcap_path == pathbuf) {
		remove(pcap_path);
	}
	if (rc) {
		fprintf(stderr, "bench-capture: %s\n", strerror(-rc));
	}
	return rc ? 1 : 0;
}
