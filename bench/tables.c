/*
 * bench-tables: how fast the tables are. Prints "name  value  unit" lines.
 *
 *   GNDT: load N prefixes into LMDB in one write transaction, rebuild the
 *         forwarding snapshot from it and from an array, look up.
 *   HWDT: learn 100k entries in batches and in one transaction, read them.
 *
 * Usage: bench-tables [-n PREFIXES] [-s SEED] [-d DIR]
 * Without -d a directory is made under /tmp and removed at the end; a
 * directory given with -d is kept.
 */
#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/bench_util.h"
#include "tables/fib.h"
#include "tables/lpm.h"
#include "tables/tables.h"

#define LOOKUPS 10000000u
#define HWDT_ENTRIES 100000u
#define HWDT_BATCH 1000u
#define BENCH_VN 1
#define BENCH_BATCH 64u /* addresses per batched lookup call */

/* ---- small helpers --------------------------------------------------- */

/* VmRSS in bytes, or 0 when /proc is not there. */
static uint64_t rss_bytes(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	uint64_t kb = 0;

	if (!f) {
		return 0;
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "VmRSS: %" SCNu64 " kB", &kb) == 1) {
			break;
		}
	}
	fclose(f);
	return kb * 1024;
}

static uint32_t mask_of(unsigned len)
{
	return len == 0 ? 0 : ~(uint32_t)0 << (32 - len);
}

/* ---- the prefix mix -------------------------------------------------- */

/* An overlay: many /24 subnets, many host routes from migrated VMs, the
 * rest aggregates from /8 to /31. */
static unsigned mix_len(void)
{
	uint32_t roll = bench_rng_below(100);

	if (roll < 60) {
		return 24;
	}
	if (roll < 80) {
		return 32;
	}
	return 8 + bench_rng_below(24); /* /8 to /31 */
}

static struct tables_lpm_prefix *prefixes_make(size_t n)
{
	struct tables_lpm_prefix *p = malloc(n * sizeof(*p));

	if (!p) {
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		p[i].len = (uint8_t)mix_len();
		p[i].addr = bench_rng_u32() & mask_of(p[i].len);
		p[i].value = (uint32_t)i + 1;
	}
	return p;
}

/* Addresses for lookups: uniform, or inside a random prefix. */
static uint32_t *probes_make(const struct tables_lpm_prefix *p, size_t n,
			     int inside)
{
	uint32_t *a = malloc(LOOKUPS * sizeof(*a));

	if (!a) {
		return NULL;
	}
	for (size_t i = 0; i < LOOKUPS; i++) {
		if (inside && n) {
			const struct tables_lpm_prefix *q =
				&p[bench_rng_below((uint32_t)n)];

			a[i] = q->addr | (bench_rng_u32() & ~mask_of(q->len));
		} else {
			a[i] = bench_rng_u32();
		}
	}
	return a;
}

/* Lookups per second; the checksum keeps the loop from being dropped and
 * no lookup depends on the one before. */
static double lpm_rate(const struct tables_lpm *lpm, const uint32_t *a,
		       uint64_t *checksum, size_t *hits)
{
	uint64_t sum = 0;
	size_t found = 0;
	double t0 = bench_cpu_s(), t;

	for (size_t i = 0; i < LOOKUPS; i++) {
		uint32_t v = tables_lpm_lookup(lpm, a[i]);

		sum += v;
		found += v != TABLES_LPM_NONE;
	}
	t = bench_cpu_s() - t0;
	*checksum ^= sum;
	*hits = found;
	return LOOKUPS / t;
}

/* The same through tables_lpm_lookup_batch, BENCH_BATCH at a time. */
static double lpm_batch_rate(const struct tables_lpm *lpm, const uint32_t *a,
			     uint64_t *checksum, size_t *hits)
{
	uint32_t v[BENCH_BATCH];
	uint64_t sum = 0;
	size_t found = 0;
	double t0 = bench_cpu_s(), t;

	for (size_t i = 0; i < LOOKUPS; i += BENCH_BATCH) {
		size_t m =
			LOOKUPS - i < BENCH_BATCH ? LOOKUPS - i : BENCH_BATCH;

		tables_lpm_lookup_batch(lpm, a + i, v, m);
		for (size_t k = 0; k < m; k++) {
			sum += v[k];
			found += v[k] != TABLES_LPM_NONE;
		}
	}
	t = bench_cpu_s() - t0;
	*checksum ^= sum;
	*hits = found;
	return LOOKUPS / t;
}

static double fib_rate(const struct tables_fib *fib, const uint32_t *a,
		       uint64_t *checksum)
{
	uint64_t sum = 0;
	double t0 = bench_cpu_s(), t;

	for (size_t i = 0; i < LOOKUPS; i++) {
		const struct tables_fib_route *r =
			tables_fib_lookup(fib, BENCH_VN, a[i]);

		sum += r ? r->seq : 0;
	}
	t = bench_cpu_s() - t0;
	*checksum ^= sum;
	return LOOKUPS / t;
}

static double fib_batch_rate(const struct tables_fib *fib, const uint32_t *a,
			     uint64_t *checksum)
{
	const struct tables_fib_route *r[BENCH_BATCH];
	uint64_t sum = 0;
	double t0 = bench_cpu_s(), t;

	for (size_t i = 0; i < LOOKUPS; i += BENCH_BATCH) {
		size_t m =
			LOOKUPS - i < BENCH_BATCH ? LOOKUPS - i : BENCH_BATCH;

		tables_fib_lookup_batch(fib, BENCH_VN, a + i, r, m);
		for (size_t k = 0; k < m; k++) {
			sum += r[k] ? r[k]->seq : 0;
		}
	}
	t = bench_cpu_s() - t0;
	*checksum ^= sum;
	return LOOKUPS / t;
}

/* ---- LMDB parts ------------------------------------------------------ */

struct gndt_load {
	const struct tables_lpm_prefix *p;
	size_t n;
};

static int gndt_load_fn(struct tables_txn *txn, void *arg)
{
	const struct gndt_load *l = arg;
	struct tables_gndt_entry e;
	int err;

	memset(&e, 0, sizeof(e));
	e.vn = BENCH_VN;
	e.origin = TABLES_GNDT_GOSSIP;
	e.created_ms = 1700000000000ull;
	e.updated_ms = e.created_ms;
	for (size_t i = 0; i < l->n; i++) {
		e.prefix.addr = l->p[i].addr;
		e.prefix.len = l->p[i].len;
		e.seq = i + 1;
		snprintf(e.router, sizeof(e.router), "vr%03zu", i % 500);
		err = tables_gndt_put(txn, &e);
		if (err) {
			return err;
		}
	}
	return 0;
}

struct hwdt_load {
	uint32_t vn;
	uint32_t first;
	uint32_t count;
};

static void hwdt_entry(struct tables_hwdt_entry *e, uint32_t vn, uint32_t i)
{
	memset(e, 0, sizeof(*e));
	e->vn = vn;
	e->ip = 0x0a000000u + i;
	e->mac.b[0] = 0x52;
	e->mac.b[1] = 0x54;
	e->mac.b[2] = (uint8_t)(i >> 24);
	e->mac.b[3] = (uint8_t)(i >> 16);
	e->mac.b[4] = (uint8_t)(i >> 8);
	e->mac.b[5] = (uint8_t)i;
	e->source = TABLES_HWDT_ARP;
	e->first_seen_ms = 1700000000000ull + i;
	e->last_seen_ms = e->first_seen_ms;
}

static int hwdt_load_fn(struct tables_txn *txn, void *arg)
{
	const struct hwdt_load *l = arg;
	struct tables_hwdt_entry e;
	int ret;

	for (uint32_t i = l->first; i < l->first + l->count; i++) {
		hwdt_entry(&e, l->vn, i);
		ret = tables_hwdt_learn(txn, &e, NULL);
		if (ret < 0) {
			return ret;
		}
	}
	return 0;
}

static int gndt_bench(struct tables *t, const struct tables_lpm_prefix *p,
		      size_t n, const uint32_t *probes, uint64_t *checksum)
{
	struct gndt_load l = {.p = p, .n = n};
	struct tables_fib *fib;
	struct tables_txn *txn;
	struct tables_stats st;
	double t0, dt;
	int err;

	t0 = bench_now_s();
	err = tables_write(t, gndt_load_fn, &l);
	dt = bench_now_s() - t0;
	if (err) {
		fprintf(stderr, "bench-tables: gndt load: %s\n",
			strerror(-err));
		return err;
	}
	bench_print_num("gndt load, one tables_write txn", dt, "s");
	bench_print_num("gndt load rate", (double)n / dt, "prefixes/s");
	tables_get_stats(t, &st);
	bench_print_num("gndt map size", (double)st.map_size, "bytes");
	bench_print_num("gndt map used", (double)st.map_used, "bytes");
	bench_print_num("gndt write retries (map full)",
			(double)st.write_retries, "txns");

	err = tables_read_begin(t, &txn);
	if (err) {
		fprintf(stderr, "bench-tables: read txn: %s\n", strerror(-err));
		return err;
	}
	t0 = bench_now_s();
	err = tables_fib_build_from_gndt(txn, &fib);
	dt = bench_now_s() - t0;
	tables_read_end(txn);
	if (err) {
		fprintf(stderr, "bench-tables: fib from gndt: %s\n",
			strerror(-err));
		return err;
	}
	bench_print_num("snapshot rebuild from gndt", dt, "s");
	bench_print_num("snapshot routes (distinct prefixes)",
			(double)tables_fib_size(fib), "routes");
	bench_print_num("snapshot memory", (double)tables_fib_memory(fib),
			"bytes");
	bench_print_num("fib lookups, addresses inside prefixes",
			fib_rate(fib, probes, checksum), "lookups/s");
	bench_print_num("fib batch lookups (64), inside prefixes",
			fib_batch_rate(fib, probes, checksum), "lookups/s");
	tables_fib_destroy(fib);
	return 0;
}

static int hwdt_bench(struct tables *t)
{
	struct hwdt_load l;
	struct tables_hwdt_entry e;
	struct tables_txn *txn;
	uint64_t sum = 0;
	double t0, dt;
	int err;

	/* VN 10: batches of HWDT_BATCH learns per transaction. */
	t0 = bench_now_s();
	for (uint32_t i = 0; i < HWDT_ENTRIES; i += HWDT_BATCH) {
		l = (struct hwdt_load){
			.vn = 10, .first = i, .count = HWDT_BATCH};
		err = tables_write(t, hwdt_load_fn, &l);
		if (err) {
			fprintf(stderr, "bench-tables: hwdt learn: %s\n",
				strerror(-err));
			return err;
		}
	}
	dt = bench_now_s() - t0;
	bench_print_num("hwdt learn, 1000 per txn", (double)HWDT_ENTRIES / dt,
			"entries/s");

	/* VN 11: all in one transaction. */
	l = (struct hwdt_load){.vn = 11, .first = 0, .count = HWDT_ENTRIES};
	t0 = bench_now_s();
	err = tables_write(t, hwdt_load_fn, &l);
	dt = bench_now_s() - t0;
	if (err) {
		fprintf(stderr, "bench-tables: hwdt learn: %s\n",
			strerror(-err));
		return err;
	}
	bench_print_num("hwdt learn, all in one txn", (double)HWDT_ENTRIES / dt,
			"entries/s");

	err = tables_read_begin(t, &txn);
	if (err) {
		fprintf(stderr, "bench-tables: read txn: %s\n", strerror(-err));
		return err;
	}
	t0 = bench_now_s();
	for (uint32_t k = 0; k < HWDT_ENTRIES; k++) {
		uint32_t i = bench_rng_below(HWDT_ENTRIES);

		err = tables_hwdt_get(txn, 10, 0x0a000000u + i, &e);
		if (err) {
			break;
		}
		sum += e.mac.b[5];
	}
	dt = bench_now_s() - t0;
	tables_read_end(txn);
	if (err) {
		fprintf(stderr, "bench-tables: hwdt get: %s\n", strerror(-err));
		return err;
	}
	bench_print_num("hwdt get, one read txn", (double)HWDT_ENTRIES / dt,
			"lookups/s");
	return sum == 0 ? -EIO : 0; /* every MAC byte 0 would be a bug */
}

/* ---- main ------------------------------------------------------------ */

static int rm_entry(const char *path, const struct stat *sb, int flag,
		    struct FTW *ftw)
{
	return remove(path);
}

static void usage(void)
{
	fprintf(stderr, "usage: bench-tables [-n PREFIXES] [-s SEED] "
			"[-d DIR]\n");
}

/* How tables_lpm_lookup counts bits: mirrors the clone rule in lpm.c. */
static const char *popcount_kind(void)
{
#if defined(__POPCNT__)
	return "popcnt (build flags)";
#elif defined(__clang__) && __clang_major__ < 18
	return "software (no clones with this clang)";
#elif defined(__x86_64__) && defined(__gnu_linux__)
	return __builtin_cpu_supports("popcnt") ? "popcnt (ifunc clone)"
						: "software";
#else
	return "compiler default";
#endif
}

static void print_setup(size_t n, uint64_t seed)
{
	bench_print_num("prefixes", (double)n, "prefixes");
	bench_print_num("seed", (double)seed, "");
	bench_print_str("prefix mix /24", "60", "%");
	bench_print_str("prefix mix /32 (host routes)", "20", "%");
	bench_print_str("prefix mix /8../31 uniform", "20", "%");
	bench_print_str("prefix addresses", "uniform",
			"over 0.0.0.0/0, one VN");
	bench_print_str("lpm popcount", popcount_kind(), "");
	bench_print_str("lookup rates timed by", "thread cpu time", "");
}

static int lpm_bench(const struct tables_lpm_prefix *p, size_t n,
		     uint32_t *const probes[2], uint64_t *checksum)
{
	struct tables_lpm *lpm;
	uint64_t rss0 = rss_bytes();
	size_t hits, batch_hits;
	double t0, dt, rate;
	int err = 0;

	t0 = bench_now_s();
	lpm = tables_lpm_build(p, n);
	dt = bench_now_s() - t0;
	if (!lpm) {
		err = -errno;
		fprintf(stderr, "bench-tables: lpm build: %s\n",
			strerror(-err));
		return err;
	}
	bench_print_num("lpm build from array", dt, "s");
	bench_print_num("lpm memory", (double)tables_lpm_memory(lpm), "bytes");
	bench_print_num("rss before lpm build", (double)rss0, "bytes");
	bench_print_num("rss after lpm build", (double)rss_bytes(), "bytes");

	rate = lpm_rate(lpm, probes[0], checksum, &hits);
	bench_print_num("lpm lookups, uniform random addresses", rate,
			"lookups/s");
	bench_print_num("  of which matched", (double)hits, "lookups");
	rate = lpm_batch_rate(lpm, probes[0], checksum, &batch_hits);
	bench_print_num("lpm batch lookups (64), uniform random", rate,
			"lookups/s");
	if (batch_hits != hits) {
		fprintf(stderr, "bench-tables: batch matched %zu, single %zu\n",
			batch_hits, hits);
		err = -EIO;
	}
	rate = lpm_rate(lpm, probes[1], checksum, &hits);
	bench_print_num("lpm lookups, addresses inside prefixes", rate,
			"lookups/s");
	bench_print_num("  of which matched", (double)hits, "lookups");
	rate = lpm_batch_rate(lpm, probes[1], checksum, &batch_hits);
	bench_print_num("lpm batch lookups (64), inside prefixes", rate,
			"lookups/s");
	if (batch_hits != hits) {
		fprintf(stderr, "bench-tables: batch matched %zu, single %zu\n",
			batch_hits, hits);
		err = -EIO;
	}
	tables_lpm_destroy(lpm);
	return err;
}

int main(int argc, char **argv)
{
	struct tables_options opt = {.map_size = (size_t)1 << 30};
	struct tables_lpm_prefix *p;
	uint32_t *probes[2];
	struct tables *t;
	char tmpdir[] = "/tmp/vrd-bench-XXXXXX";
	const char *dir = NULL;
	uint64_t seed = 1, checksum = 0;
	size_t n = 1000000;
	int c, err;

	while ((c = getopt(argc, argv, "n:s:d:h")) != -1) {
		switch (c) {
		case 'n':
			n = strtoull(optarg, NULL, 0);
			break;
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'd':
			dir = optarg;
			break;
		default:
			usage();
			return c == 'h' ? 0 : 2;
		}
	}
	if (n == 0 || n > 100000000) {
		usage();
		return 2;
	}
	bench_rng_seed(seed);
	print_setup(n, seed);
	bench_print_num("rss at start", (double)rss_bytes(), "bytes");

	p = prefixes_make(n);
	probes[0] = probes_make(p, n, 0);
	probes[1] = probes_make(p, n, 1);
	if (!p || !probes[0] || !probes[1]) {
		fprintf(stderr, "bench-tables: out of memory\n");
		return 1;
	}
	err = lpm_bench(p, n, probes, &checksum);
	if (err) {
		return 1;
	}

	if (!dir) {
		dir = mkdtemp(tmpdir);
		if (!dir) {
			perror("bench-tables: mkdtemp");
			return 1;
		}
	}
	err = tables_open(&t, dir, &opt);
	if (err) {
		fprintf(stderr, "bench-tables: open %s: %s\n", dir,
			strerror(-err));
		goto remove_dir;
	}
	err = gndt_bench(t, p, n, probes[1], &checksum);
	if (!err) {
		err = hwdt_bench(t);
	}
	tables_close(t);
remove_dir:
	if (dir == tmpdir) {
		nftw(tmpdir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	}
	bench_print_num("rss at end", (double)rss_bytes(), "bytes");
	bench_print_num("checksum", (double)(checksum & 0xffffffff), "");
	free(probes[0]);
	free(probes[1]);
	free(p);
	return err ? 1 : 0;
}
