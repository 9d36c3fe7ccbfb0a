/* tables/: the LMDB tables end to end, in throw-away state dirs. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <lmdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tables/tables.h"

#define IP(a, b, c, d)                                                    \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | \
	 (uint32_t)(d))

struct fixture {
	char root[64]; /* mkdtemp */
	char dir[128]; /* root/state: not there until tables_open */
};

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	return remove(path);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f) {
		return -1;
	}
	strcpy(f->root, "/tmp/vrd-tables-XXXXXX");
	if (!mkdtemp(f->root)) {
		free(f);
		return -1;
	}
	snprintf(f->dir, sizeof(f->dir), "%s/state", f->root);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	nftw(f->root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

static struct tables *open_rw(const char *dir, const char *router)
{
	struct tables_options opt = {.router_name = router};
	struct tables *t = NULL;

	assert_int_equal(tables_open(&t, dir, &opt), 0);
	assert_non_null(t);
	return t;
}

static struct vrd_prefix pfx(uint32_t addr, uint8_t len)
{
	struct vrd_prefix p = {.addr = addr, .len = len};

	return p;
}

static void write_file(const char *dir, const char *name, const void *buf,
		       size_t len)
{
	char path[256];
	FILE *fp;

	mkdir(dir, 0700);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	assert_int_equal(fwrite(buf, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

/* ---- write functions used by the tests ------------------------------ */

static int put_lndt(struct tables_txn *txn, void *arg)
{
	return tables_lndt_put(txn, arg);
}

static int put_gndt(struct tables_txn *txn, void *arg)
{
	return tables_gndt_put(txn, arg);
}

struct meta_kv {
	const char *key, *value;
};

static int put_meta(struct tables_txn *txn, void *arg)
{
	const struct meta_kv *kv = arg;

	return tables_meta_put(txn, kv->key, kv->value);
}

struct learn {
	struct tables_hwdt_entry e;
	struct tables_hwdt_entry prev;
	int result;
};

static int do_learn(struct tables_txn *txn, void *arg)
{
	struct learn *l = arg;

	l->result = tables_hwdt_learn(txn, &l->e, &l->prev);
	return l->result < 0 ? l->result : 0;
}

static int learn(struct tables *t, uint32_t vn, uint32_t ip, uint8_t last,
		 uint8_t source, uint64_t now, struct tables_hwdt_entry *prev)
{
	struct learn l = {.e = {.vn = vn,
				.ip = ip,
				.mac = {{0x52, 0x54, 0, 0, 0, last}},
				.source = source,
				.last_seen_ms = now}};
	int rc = tables_write(t, do_learn, &l);

	if (prev) {
		*prev = l.prev;
	}
	return rc ? rc : l.result;
}

/* ---- open, create, reopen ------------------------------------------- */

static void test_open_reopen(void **state)
{
	struct fixture *f = *state;
	struct tables_lndt_entry e = {.vn = 1,
				      .prefix = pfx(IP(192, 0, 2, 0), 24),
				      .source = TABLES_LNDT_CONFIG,
				      .added_ms = 77};
	struct tables_lndt_entry out;
	struct tables_options opt = {.router_name = "vrB"};
	char buf[TABLES_META_VALUE_MAX];
	struct tables_txn *txn;
	struct tables *t;
	struct stat st;

	t = open_rw(f->dir, "vrA");
	assert_int_equal(stat(f->dir, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(tables_write(t, put_lndt, &e), 0);
	assert_int_equal(tables_read_begin(t, &txn), 0);
	assert_int_equal(tables_meta_get(txn, "schema", buf), 0);
	assert_string_equal(buf, "1");
	assert_int_equal(tables_meta_get(txn, "router", buf), 0);
	assert_string_equal(buf, "vrA");
	assert_int_equal(tables_meta_get(txn, "created", buf), 0);
	assert_true(strtoull(buf, NULL, 10) > 1600000000000ULL);
	assert_int_equal(tables_meta_get(txn, "mode", buf), -ENOENT);
	/* writes through a read transaction are refused */
	assert_int_equal(tables_lndt_put(txn, &e), -EROFS);
	tables_read_end(txn);
	tables_close(t);

	/* reopen: the data and the stamp survived */
	t = open_rw(f->dir, "vrA");
	assert_int_equal(tables_read_begin(t, &txn), 0);
	assert_int_equal(tables_lndt_get(txn, 1, &e.prefix, &out), 0);
	assert_int_equal(out.source, TABLES_LNDT_CONFIG);
	assert_true(out.added_ms == 77);
	tables_read_end(txn);
	tables_close(t);

	/* no name given: any router's dir opens */
	t = open_rw(f->dir, NULL);
	tables_close(t);

	/* another router's state dir */
	t = NULL;
	assert_int_equal(tables_open(&t, f->dir, &opt), -EEXIST);
	assert_null(t);
	opt.read_only = true;
	assert_int_equal(tables_open(&t, f->dir, &opt), -EEXIST);
	assert_null(t);
	tables_close(NULL);
	tables_read_end(NULL);
}

/* Missing parents are made too; the state dir itself is private. */
static void test_dir_create(void **state)
{
	struct fixture *f = *state;
	char dir[192], file[224];
	struct tables *t;
	struct stat st;

	snprintf(dir, sizeof(dir), "%s/a/b/", f->root);
	t = open_rw(dir, "vrA");
	tables_close(t);
	snprintf(dir, sizeof(dir), "%s/a/b", f->root);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	snprintf(file, sizeof(file), "%s/data.mdb", dir);
	assert_int_equal(stat(file, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	/* a file where the directory should be */
	t = NULL;
	assert_int_equal(tables_open(&t, file, NULL), -ENOTDIR);
	assert_null(t);
}

static void test_meta(void **state)
{
	struct fixture *f = *state;
	struct meta_kv kv = {"mode", "gateway"};
	char buf[TABLES_META_VALUE_MAX], big[TABLES_META_VALUE_MAX + 1];
	struct tables_txn *txn;
	struct tables *t = open_rw(f->dir, NULL);

	assert_int_equal(tables_write(t, put_meta, &kv), 0);
	memset(big, 'x', TABLES_META_VALUE_MAX);
	big[TABLES_META_VALUE_MAX] = '\0';
	kv.value = big;
	assert_int_equal(tables_write(t, put_meta, &kv), -EINVAL);
	kv.key = "";
	kv.value = "x";
	assert_int_equal(tables_write(t, put_meta, &kv), -EINVAL);
	assert_int_equal(tables_read_begin(t, &txn), 0);
	assert_int_equal(tables_meta_get(txn, "mode", buf), 0);
	assert_string_equal(buf, "gateway");
	/* stamped without a router name: none stored */
	assert_int_equal(tables_meta_get(txn, "router", buf), -ENOENT);
	tables_read_end(txn);
	tables_close(t);

	/* a nameless dir is claimed by the first router that opens it */
	t = open_rw(f->dir, "vrC");
	assert_int_equal(tables_read_begin(t, &txn), 0);
	assert_int_equal(tables_meta_get(txn, "router", buf), 0);
	assert_string_equal(buf, "vrC");
	tables_read_end(txn);
	tables_close(t);
}

/* ---- LNDT ----------------------------------------------------------- */

struct collect_lndt {
	unsigned n;
	struct tables_lndt_entry e[16];
};

static int collect_lndt(const struct tables_lndt_entry *e, void *arg)
{
	struct collect_lndt *c = arg;

	if (c->n < 16) {
		c->e[c->n] = *e;
	}
	c->n++;
	return 0;
}

static int lndt_fill(struct tables_txn *txn, void *arg)
{
	static const struct {
		uint32_t vn, addr;
		uint8_t len;
	} rows[] = {
		{1, IP(192, 0, 2, 0), 24},   {1, IP(192, 0, 2, 128), 25},
		{1, IP(192, 0, 2, 20), 32},  {1, IP(198, 51, 100, 0), 24},
		{2, IP(203, 0, 113, 0), 24}, {3, IP(192, 0, 2, 0), 24},
	};
	size_t i;
	int rc;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct tables_lndt_entry e = {
			.vn = rows[i].vn,
			.prefix = pfx(rows[i].addr, rows[i].len),
			.source = TABLES_LNDT_CONFIG,
			.added_ms = i,
		};

		rc = tables_lndt_put(txn, &e);
		if (rc) {
			return rc;
		}
	}
	return 0;
}

static int lndt_del_20(struct tables_txn *txn, void *arg)
{
	struct vrd_prefix p = pfx(IP(192, 0, 2, 20), 32);
	int rc = tables_lndt_del(txn, 1, &p);

	if (rc) {
		return rc;
	}
	return tables_lndt_del(txn, 1, &p) == -ENOENT ? 0 : -EIO;
}

static int stop_at_two(const struct tables_lndt_entry *e, void *arg)
{
	unsigned *n = arg;

	return ++*n == 2 ? 42 : 0;
}

static void test_lndt(void **state)
{
	struct fixture *f = *state;
	struct tables *t = open_rw(f->dir, "vrA");
	struct tables_lndt_entry e;
	struct collect_lndt c = {0};
	struct tables_lndt_entry bad = {.vn = 1,
					.prefix = pfx(IP(192, 0, 2, 1), 24)};
	struct tables_txn *txn;
	unsigned n = 0;

	assert_int_equal(tables_write(t, lndt_fill, NULL), 0);
	assert_int_equal(tables_write(t, put_lndt, &bad), -EINVAL);
	assert_int_equal(tables_read_begin(t, &txn), 0);

	assert_int_equal(tables_lndt_match(txn, 1, IP(192, 0, 2, 20), &e), 0);
	assert_int_equal(e.prefix.len, 32);
	assert_int_equal(e.vn, 1);
	assert_int_equal(tables_lndt_match(txn, 1, IP(192, 0, 2, 130), &e), 0);
	assert_int_equal(e.prefix.len, 25);
	assert_int_equal(e.prefix.addr, IP(192, 0, 2, 128));
	assert_int_equal(tables_lndt_match(txn, 1, IP(192, 0, 2, 5), &e), 0);
	assert_int_equal(e.prefix.len, 24);
	assert_int_equal(tables_lndt_match(txn, 1, IP(203, 0, 113, 5), &e),
			 -ENOENT);
	assert_int_equal(tables_lndt_match(txn, 2, IP(203, 0, 113, 5), &e), 0);
	assert_int_equal(e.vn, 2);
	/* vn 3 has 192.0.2.0/24 but not the /32 of vn 1 */
	assert_int_equal(tables_lndt_match(txn, 3, IP(192, 0, 2, 20), &e), 0);
	assert_int_equal(e.prefix.len, 24);
	assert_int_equal(e.vn, 3);
	assert_int_equal(tables_lndt_match(txn, 4, IP(192, 0, 2, 20), &e),
			 -ENOENT);

	assert_int_equal(tables_lndt_foreach(txn, 1, collect_lndt, &c), 0);
	assert_int_equal(c.n, 4);
	/* key order: address, then length */
	assert_int_equal(c.e[0].prefix.addr, IP(192, 0, 2, 0));
	assert_int_equal(c.e[1].prefix.addr, IP(192, 0, 2, 20));
	assert_int_equal(c.e[2].prefix.addr, IP(192, 0, 2, 128));
	assert_int_equal(c.e[3].prefix.addr, IP(198, 51, 100, 0));
	c.n = 0;
	assert_int_equal(
		tables_lndt_foreach(txn, TABLES_VN_ALL, collect_lndt, &c), 0);
	assert_int_equal(c.n, 6);
	assert_int_equal(c.e[5].vn, 3);
	c.n = 0;
	assert_int_equal(tables_lndt_foreach(txn, 9, collect_lndt, &c), 0);
	assert_int_equal(c.n, 0);
	assert_int_equal(tables_lndt_foreach(txn, 1, stop_at_two, &n), 42);
	assert_int_equal(n, 2);
	tables_read_end(txn);

	assert_int_equal(tables_write(t, lndt_del_20, NULL), 0);
	assert_int_equal(tables_read_begin(t, &txn), 0);
	assert_int_equal(tables_lndt_match(txn, 1, IP(192, 0, 2, 20), &e), 0);
	assert_int_equal(e.prefix.len, 24);
	tables_read_end(txn);
	tables_close(t);
}

/* ---- GNDT ----------------------------------------------------------- */

struct collect_gndt {
	unsigned n;
	struct tables_gndt_entry e[8];
};

static int collect_gndt(const struct tables_gndt_entry *e, void *arg)
{
	struct collect_gndt *c = arg;

	if (c->n < 8) {
		c->e[c->n] = *e;
	}
	c->n++;
	return 0;
}

static int gndt_del_one(struct tables_txn *txn, void *arg)
{
	struct vrd_prefix *p = arg;

	return tables_gndt_del(txn, 1, p);
}

struct gen_pair {
	uint64_t before, after;
	struct tables_gndt_entry e;
};

static int gndt_put_twice(struct tables_txn *txn, void *arg)
{
	struct gen_pair *g = arg;
	int rc;

	g->before = tables_gndt_generation(txn);
	rc = tables_gndt_put(txn, &g->e);
	if (rc == 0) {
		rc = tables_gndt_put(txn, &g->e);
	}
	g->after = tables_gndt_generation(txn);
	return rc;
}

static int fail_after_put(struct tables_txn *txn, void *arg)
{
	int rc = tables_gndt_put(txn, arg);

	return rc ? rc : -ECANCELED;
}

static void test_gndt(void **state)
{
	struct fixture *f = *state;
	struct tables *t = open_rw(f->dir, "vrA");
	struct tables_gndt_entry e = {.vn = 1,
				      .prefix = pfx(IP(192, 0, 2, 20), 32),
				      .router = "vrB",
				      .seq = 1,
				      .origin = TABLES_GNDT_CLAIM,
				      .created_ms = 100,
				      .updated_ms = 100};
	struct tables_gndt_entry out;
	struct collect_gndt c = {0};
	struct gen_pair g = {0};
	struct tables_txn *txn;
	uint64_t gen;

	assert_int_equal(tables_read_begin(t, &txn), 0);
	assert_true(tables_gndt_generation(txn) == 0);
	tables_read_end(txn);

	assert_int_equal(tables_write(t, put_gndt, &e), 0);
	/* replace: new owner and seq, created_ms of the first install */
	strcpy(e.router, "vrC");
	e.seq = 2;
	e.created_ms = 500;
	e.updated_ms = 600;
	assert_int_equal(tables_write(t, put_gndt, &e), 0);
	e.vn = 2; /* same prefix, other VN */
	strcpy(e.router, "vrD");
	assert_int_equal(tables_write(t, put_gndt, &e), 0);

	assert_int_equal(tables_read_begin(t, &txn), 0);
	assert_int_equal(tables_gndt_get(txn, 1, &e.prefix, &out), 0);
	assert_string_equal(out.router, "vrC");
	assert_true(out.seq == 2 && out.created_ms == 100 &&
		    out.updated_ms == 600);
	assert_int_equal(out.origin, TABLES_GNDT_CLAIM);
	assert_int_equal(tables_gndt_get(txn, 2, &e.prefix, &out), 0);
	assert_string_equal(out.router, "vrD");
	assert_true(out.created_ms == 500);
	gen = tables_gndt_generation(txn);
	assert_true(gen == 3);
	assert_int_equal(tables_gndt_foreach(txn, 1, collect_gndt, &c), 0);
	assert_int_equal(c.n, 1);
	c.n = 0;
	assert_int_equal(
		tables_gndt_foreach(txn, TABLES_VN_ALL, collect_gndt, &c), 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.e[1].router, "vrD");
	tables_read_end(txn);

	/* the generation moves inside the transaction, once per change
	 * that matters to forwarding: the second, identical put is only a
	 * refresh */
	e.vn = 3;
	g.e = e;
	assert_int_equal(tables_write(t, gndt_put_twice, &g), 0);
	assert_true(g.before == 3 && g.after == 4);
	/* a refresh of updated_ms alone: no new generation */
	g.e.updated_ms = 700;
	assert_int_equal(tables_write(t, gndt_put_twice, &g), 0);
	assert_true(g.before == 4 && g.after == 4);
	/* a new sequence number is a change */
	g.e.seq = 3;
	assert_int_equal(tables_write(t, gndt_put_twice, &g), 0);
	assert_true(g.before == 4 && g.after == 5);

	/* an aborted write leaves entry and generation alone */
	e.vn = 4;
	assert_int_equal(tables_write(t, fail_after_put, &e), -ECANCELED);
	assert_int_equal(tables_write(t, gndt_del_one, &e.prefix), 0);
	assert_int_equal(tables_write(t, gndt_del_one, &e.prefix), -ENOENT);
	tables_close(t);

	t = open_rw(f->dir, "vrA");
	assert_int_equal(tables_read_begin(t, &txn), 0);
	assert_true(tables_gndt_generation(txn) == 6);
	assert_int_equal(tables_gndt_get(txn, 3, &e.prefix, &out), 0);
	assert_true(out.seq == 3 && out.updated_ms == 700);
	assert_int_equal(tables_gndt_get(txn, 1, &e.prefix, &out), -ENOENT);
	assert_int_equal(tables_gndt_get(txn, 4, &e.prefix, &out), -ENOENT);
	assert_int_equal(tables_gndt_get(txn, 3, &e.prefix, &out), 0);
	tables_read_end(txn);
	tables_close(t);
}

/* ---- HWDT ----------------------------------------------------------- */

struct collect_hw {
	unsigned n;
	struct tables_hwdt_entry e[16];
};

static int collect_hw(const struct tables_hwdt_entry *e, void *arg)
{
	struct collect_hw *c = arg;

	if (c->n < 16) {
		c->e[c->n] = *e;
	}
	c->n++;
	return 0;
}

static unsigned count_mac(struct tables *t, uint32_t vn, uint8_t last,
			  struct collect_hw *c)
{
	struct vrd_mac mac = {{0x52, 0x54, 0, 0, 0, last}};
	struct tables_txn *txn;

	memset(c, 0, sizeof(*c));
	assert_int_equal(tables_read_begin(t, &txn), 0);
	assert_int_equal(tables_hwdt_foreach_mac(txn, vn, &mac, collect_hw, c),
			 0);
	tables_read_end(txn);
	return c->n;
}

struct hw_key {
	uint32_t vn, ip;
};

static int hw_del(struct tables_txn *txn, void *arg)
{
	struct hw_key *k = arg;

	return tables_hwdt_del(txn, k->vn, k->ip);
}

static void test_hwdt_learn(void **state)
{
	struct fixture *f = *state;
	struct tables *t = open_rw(f->dir, "vrA");
	uint32_t ip = IP(192, 0, 2, 20), ip2 = IP(192, 0, 2, 21);
	struct tables_hwdt_entry prev, out;
	struct hw_key k = {1, ip2};
	struct collect_hw c;
	struct tables_txn *txn;

	assert_int_equal(learn(t, 1, ip, 0xaa, TABLES_HWDT_ARP, 1000, &prev),
			 TABLES_HWDT_NEW);
	assert_int_equal(prev.vn, 0);
	assert_int_equal(learn(t, 1, ip, 0xaa, TABLES_HWDT_GARP, 2000, &prev),
			 TABLES_HWDT_REFRESHED);
	assert_int_equal(prev.source, TABLES_HWDT_ARP);
	assert_true(prev.last_seen_ms == 1000);

	assert_int_equal(tables_read_begin(t, &txn), 0);
	assert_int_equal(tables_hwdt_get(txn, 1, ip, &out), 0);
	assert_true(out.first_seen_ms == 1000 && out.last_seen_ms == 2000);
	assert_int_equal(out.source, TABLES_HWDT_GARP);
	assert_int_equal(out.mac.b[5], 0xaa);
	tables_read_end(txn);

	/* the VM moved behind another MAC (or the IP was reused) */
	assert_int_equal(learn(t, 1, ip, 0xbb, TABLES_HWDT_RARP, 3000, &prev),
			 TABLES_HWDT_MOVED);
	assert_int_equal(prev.mac.b[5], 0xaa);
	assert_int_equal(prev.ip, ip);
	assert_true(prev.first_seen_ms == 1000);
	assert_int_equal(tables_read_begin(t, &txn), 0);
	assert_int_equal(tables_hwdt_get(txn, 1, ip, &out), 0);
	assert_int_equal(out.mac.b[5], 0xbb);
	assert_true(out.first_seen_ms == 3000 && out.last_seen_ms == 3000);
	tables_read_end(txn);
	assert_int_equal(count_mac(t, 1, 0xaa, &c), 0);
	assert_int_equal(count_mac(t, 1, 0xbb, &c), 1);
	assert_int_equal(c.e[0].ip, ip);

	/* one MAC, two IPs; moving back leaves each index right */
	assert_int_equal(learn(t, 1, ip2, 0xbb, TABLES_HWDT_ARP, 3100, NULL),
			 TABLES_HWDT_NEW);
	assert_int_equal(count_mac(t, 1, 0xbb, &c), 2);
	assert_int_equal(c.e[0].ip, ip);
	assert_int_equal(c.e[1].ip, ip2);
	assert_int_equal(learn(t, 1, ip, 0xaa, TABLES_HWDT_ARP, 3200, NULL),
			 TABLES_HWDT_MOVED);
	assert_int_equal(count_mac(t, 1, 0xbb, &c), 1);
	assert_int_equal(c.e[0].ip, ip2);
	assert_int_equal(count_mac(t, 1, 0xaa, &c), 1);
	assert_int_equal(c.e[0].ip, ip);

	/* an old timestamp does not move last_seen back */
	assert_int_equal(learn(t, 1, ip, 0xaa, TABLES_HWDT_ARP, 10, NULL),
			 TABLES_HWDT_REFRESHED);
	assert_int_equal(tables_read_begin(t, &txn), 0);
	assert_int_equal(tables_hwdt_get(txn, 1, ip, &out), 0);
	assert_true(out.last_seen_ms == 3200);
	tables_read_end(txn);

	/* delete keeps the index in step */
	assert_int_equal(tables_write(t, hw_del, &k), 0);
	assert_int_equal(tables_write(t, hw_del, &k), -ENOENT);
	assert_int_equal(count_mac(t, 1, 0xbb, &c), 0);
	tables_close(t);
}

static void test_hwdt_static(void **state)
{
	struct fixture *f = *state;
	struct tables *t = open_rw(f->dir, "vrA");
	uint32_t ip = IP(198, 51, 100, 7);
	struct tables_hwdt_entry prev, out;
	struct collect_hw c;
	struct tables_txn *txn;

	assert_int_equal(learn(t, 5, ip, 0x01, TABLES_HWDT_STATIC, 50, NULL),
			 TABLES_HWDT_NEW);
	assert_int_equal(learn(t, 5, ip, 0x02, TABLES_HWDT_ARP, 60, &prev),
			 -EPERM);
	assert_int_equal(prev.mac.b[5], 0x01);
	assert_int_equal(prev.source, TABLES_HWDT_STATIC);
	assert_int_equal(learn(t, 5, ip, 0x01, TABLES_HWDT_GARP, 60, NULL),
			 -EPERM);
	assert_int_equal(tables_read_begin(t, &txn), 0);
	assert_int_equal(tables_hwdt_get(txn, 5, ip, &out), 0);
	assert_int_equal(out.mac.b[5], 0x01);
	assert_int_equal(out.source, TABLES_HWDT_STATIC);
	assert_true(out.last_seen_ms == 50);
	tables_read_end(txn);
	assert_int_equal(count_mac(t, 5, 0x02, &c), 0);

	/* an operator may replace a static entry */
	assert_int_equal(learn(t, 5, ip, 0x03, TABLES_HWDT_STATIC, 70, NULL),
			 TABLES_HWDT_MOVED);
	assert_int_equal(count_mac(t, 5, 0x01, &c), 0);
	assert_int_equal(count_mac(t, 5, 0x03, &c), 1);
	tables_close(t);
}

struct expire_run {
	uint64_t cutoff;
	int n;
	unsigned seen;
	uint32_t seen_ip[16];
};

static void on_expire(const struct tables_hwdt_entry *e, void *arg)
{
	struct expire_run *r = arg;

	if (r->seen < 16) {
		r->seen_ip[r->seen] = e->ip;
	}
	r->seen++;
}

static int do_expire(struct tables_txn *txn, void *arg)
{
	struct expire_run *r = arg;

	r->n = tables_hwdt_expire(txn, r->cutoff, on_expire, r);
	return r->n < 0 ? r->n : 0;
}

static void test_hwdt_expire(void **state)
{
	struct fixture *f = *state;
	struct tables *t = open_rw(f->dir, "vrA");
	struct expire_run r = {.cutoff = 1000};
	struct tables_counts counts;
	struct collect_hw c;
	struct tables_txn *txn;
	unsigned i;

	/* .1-.4 old (adjacent keys, deleted in a row), .5 fresh, .6 static
	 * and old, .7 old in vn 2 */
	for (i = 1; i <= 4; i++) {
		assert_int_equal(learn(t, 1, IP(192, 0, 2, i), 0x10,
				       TABLES_HWDT_ARP, 100 * i, NULL),
				 TABLES_HWDT_NEW);
	}
	assert_int_equal(learn(t, 1, IP(192, 0, 2, 5), 0x10, TABLES_HWDT_ARP,
			       1000, NULL),
			 TABLES_HWDT_NEW);
	assert_int_equal(learn(t, 1, IP(192, 0, 2, 6), 0x10, TABLES_HWDT_STATIC,
			       1, NULL),
			 TABLES_HWDT_NEW);
	assert_int_equal(
		learn(t, 2, IP(192, 0, 2, 7), 0x10, TABLES_HWDT_ARP, 999, NULL),
		TABLES_HWDT_NEW);
	assert_int_equal(count_mac(t, 1, 0x10, &c), 6);

	assert_int_equal(tables_write(t, do_expire, &r), 0);
	assert_int_equal(r.n, 5);
	assert_int_equal(r.seen, 5);
	for (i = 0; i < 4; i++) {
		assert_int_equal(r.seen_ip[i], IP(192, 0, 2, i + 1));
	}
	assert_int_equal(r.seen_ip[4], IP(192, 0, 2, 7));

	assert_int_equal(tables_read_begin(t, &txn), 0);
	assert_int_equal(tables_count(txn, &counts), 0);
	assert_true(counts.hwdt == 2);
	tables_read_end(txn);
	assert_int_equal(count_mac(t, 1, 0x10, &c), 2);
	assert_int_equal(c.e[0].ip, IP(192, 0, 2, 5));
	assert_int_equal(c.e[1].ip, IP(192, 0, 2, 6));
	assert_int_equal(count_mac(t, 2, 0x10, &c), 0);

	/* nothing more to do */
	r = (struct expire_run){.cutoff = 1000};
	assert_int_equal(tables_write(t, do_expire, &r), 0);
	assert_int_equal(r.n, 0);
	tables_close(t);
}

/* ---- VN isolation --------------------------------------------------- */

static void test_vn_isolation(void **state)
{
	struct fixture *f = *state;
	struct tables *t = open_rw(f->dir, "vrA");
	uint32_t ip = IP(203, 0, 113, 5);
	struct tables_gndt_entry g = {.prefix = pfx(IP(203, 0, 113, 0), 24),
				      .router = "vrB",
				      .seq = 1,
				      .origin = TABLES_GNDT_GOSSIP};
	struct tables_gndt_entry out;
	struct tables_hwdt_entry hw;
	struct hw_key k = {1, ip};
	struct collect_hw c;
	struct tables_txn *txn;

	/* the same IP and MAC in two VNs are two entries */
	assert_int_equal(learn(t, 1, ip, 0x77, TABLES_HWDT_ARP, 10, NULL),
			 TABLES_HWDT_NEW);
	assert_int_equal(learn(t, 2, ip, 0x77, TABLES_HWDT_ARP, 20, NULL),
			 TABLES_HWDT_NEW);
	assert_int_equal(learn(t, 2, ip, 0x78, TABLES_HWDT_ARP, 30, NULL),
			 TABLES_HWDT_MOVED);
	g.vn = 1;
	assert_int_equal(tables_write(t, put_gndt, &g), 0);
	g.vn = 2;
	strcpy(g.router, "vrC");
	assert_int_equal(tables_write(t, put_gndt, &g), 0);

	assert_int_equal(count_mac(t, 1, 0x77, &c), 1);
	assert_int_equal(c.e[0].vn, 1);
	assert_int_equal(count_mac(t, 2, 0x77, &c), 0);
	assert_int_equal(count_mac(t, 2, 0x78, &c), 1);
	assert_int_equal(c.e[0].vn, 2);

	assert_int_equal(tables_read_begin(t, &txn), 0);
	memset(&c, 0, sizeof(c));
	assert_int_equal(tables_hwdt_foreach(txn, 1, collect_hw, &c), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.e[0].mac.b[5], 0x77);
	assert_int_equal(tables_hwdt_get(txn, 2, ip, &hw), 0);
	assert_int_equal(hw.mac.b[5], 0x78);
	assert_int_equal(tables_gndt_get(txn, 1, &g.prefix, &out), 0);
	assert_string_equal(out.router, "vrB");
	assert_int_equal(tables_gndt_get(txn, 2, &g.prefix, &out), 0);
	assert_string_equal(out.router, "vrC");
	tables_read_end(txn);

	assert_int_equal(tables_write(t, hw_del, &k), 0);
	assert_int_equal(tables_read_begin(t, &txn), 0);
	assert_int_equal(tables_hwdt_get(txn, 1, ip, &hw), -ENOENT);
	assert_int_equal(tables_hwdt_get(txn, 2, ip, &hw), 0);
	memset(&c, 0, sizeof(c));
	assert_int_equal(
		tables_hwdt_foreach(txn, TABLES_VN_ALL, collect_hw, &c), 0);
	assert_int_equal(c.n, 1);
	tables_read_end(txn);
	tables_close(t);
}

/* ---- events --------------------------------------------------------- */

static int add_event(struct tables_txn *txn, void *arg)
{
	struct tables_event *ev = arg;

	return tables_event_add(txn, ev);
}

struct collect_ev {
	unsigned n;
	uint64_t ids[32];
	struct tables_event last;
};

static int collect_ev(const struct tables_event *ev, void *arg)
{
	struct collect_ev *c = arg;

	if (c->n < 32) {
		c->ids[c->n] = ev->id;
	}
	c->n++;
	c->last = *ev;
	return 0;
}

static void test_events(void **state)
{
	struct fixture *f = *state;
	struct tables_options opt = {.events_max = 10};
	struct tables_event ev;
	struct tables_stats st;
	struct collect_ev c = {0};
	struct tables_counts counts;
	struct tables_txn *txn;
	struct tables *t;
	char big[200];
	uint64_t prev = 0;
	unsigned i;

	assert_int_equal(tables_open(&t, f->dir, &opt), 0);
	for (i = 0; i < 25; i++) {
		memset(&ev, 0, sizeof(ev));
		strcpy(ev.type, "migration");
		assert_int_equal(tables_event_set(&ev, "ip", "192.0.2.%u", i),
				 0);
		assert_int_equal(tables_event_set(&ev, "from", "%s", "vrA"), 0);
		assert_int_equal(tables_write(t, add_event, &ev), 0);
		assert_true(ev.id > prev);
		assert_true(ev.time_ms > 0);
		prev = ev.id;
	}
	assert_true(prev == 25);
	tables_get_stats(t, &st);
	assert_true(st.events_trimmed == 15);

	assert_int_equal(tables_read_begin(t, &txn), 0);
	assert_int_equal(tables_count(txn, &counts), 0);
	assert_true(counts.events == 10);
	assert_int_equal(tables_event_foreach(txn, 0, collect_ev, &c), 0);
	assert_int_equal(c.n, 10);
	for (i = 0; i < 10; i++) {
		assert_true(c.ids[i] == 16 + i);
	}
	assert_string_equal(c.last.type, "migration");
	assert_int_equal(c.last.nfields, 2);
	assert_string_equal(c.last.fields[0].key, "ip");
	assert_string_equal(c.last.fields[0].value, "192.0.2.24");
	assert_string_equal(c.last.fields[1].value, "vrA");
	memset(&c, 0, sizeof(c));
	assert_int_equal(tables_event_foreach(txn, 22, collect_ev, &c), 0);
	assert_int_equal(c.n, 4);
	assert_true(c.ids[0] == 22);
	tables_read_end(txn);
	tables_close(t);

	/* ids keep increasing across a reopen */
	assert_int_equal(tables_open(&t, f->dir, &opt), 0);
	memset(&ev, 0, sizeof(ev));
	strcpy(ev.type, "peer-up");
	ev.time_ms = 1234;
	assert_int_equal(tables_write(t, add_event, &ev), 0);
	assert_true(ev.id == 26);
	assert_true(ev.time_ms == 1234);

	/* fields that do not fit */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memset(&ev, 0, sizeof(ev));
	assert_int_equal(tables_event_set(&ev, "k", "%s", big), -EINVAL);
	assert_int_equal(tables_event_set(&ev, big, "v"), -EINVAL);
	assert_int_equal(tables_event_set(&ev, "", "v"), -EINVAL);
	assert_int_equal(ev.nfields, 0);
	for (i = 0; i < TABLES_EVENT_FIELDS_MAX; i++) {
		assert_int_equal(tables_event_set(&ev, "k", "%u", i), 0);
	}
	assert_int_equal(tables_event_set(&ev, "k", "v"), -ENOSPC);
	assert_int_equal(ev.nfields, TABLES_EVENT_FIELDS_MAX);
	/* no type: refused, nothing written */
	assert_int_equal(tables_write(t, add_event, &ev), -EINVAL);
	memset(ev.type, 't', sizeof(ev.type));
	assert_int_equal(tables_write(t, add_event, &ev), -EINVAL);
	assert_int_equal(tables_read_begin(t, &txn), 0);
	memset(&c, 0, sizeof(c));
	assert_int_equal(tables_event_foreach(txn, 0, collect_ev, &c), 0);
	assert_int_equal(c.n, 10);
	assert_true(c.ids[9] == 26);
	assert_string_equal(c.last.type, "peer-up");
	tables_read_end(txn);
	tables_close(t);
}

/* ---- map growth ----------------------------------------------------- */

struct batch {
	uint32_t first, n;
};

static int hw_batch(struct tables_txn *txn, void *arg)
{
	const struct batch *b = arg;
	uint32_t i;
	int rc;

	for (i = b->first; i < b->first + b->n; i++) {
		struct tables_hwdt_entry e = {
			.vn = 1 + i % 3,
			.ip = IP(10, 0, 0, 0) + i,
			.mac = {{2, 0, (uint8_t)(i >> 16), (uint8_t)(i >> 8),
				 (uint8_t)i, 1}},
			.source = TABLES_HWDT_ARP,
			.last_seen_ms = 1000 + i,
		};

		rc = tables_hwdt_learn(txn, &e, NULL);
		if (rc < 0) {
			return rc;
		}
	}
	return 0;
}

static int gndt_batch(struct tables_txn *txn, void *arg)
{
	const struct batch *b = arg;
	struct tables_gndt_entry e = {.router = "vrB",
				      .origin = TABLES_GNDT_GOSSIP};
	uint32_t i;
	int rc;

	for (i = b->first; i < b->first + b->n; i++) {
		e.vn = 7;
		e.prefix = pfx(i << 8, 24);
		e.seq = i;
		rc = tables_gndt_put(txn, &e);
		if (rc) {
			return rc;
		}
	}
	return 0;
}

static void test_map_growth(void **state)
{
	struct fixture *f = *state;
	struct tables_options opt = {.map_size = 1 << 20,
				     .map_size_max = 1 << 30};
	const uint32_t nhw = 12000, ngndt = 20000;
	struct tables_hwdt_entry hw;
	struct tables_gndt_entry g;
	struct tables_counts counts;
	struct tables_stats st;
	struct tables_txn *txn;
	struct tables *t;
	struct batch b;
	uint32_t i;

	assert_int_equal(tables_open(&t, f->dir, &opt), 0);
	tables_get_stats(t, &st);
	assert_true(st.map_size == 1 << 20);
	/* HWDT in batches, the way capture writes it */
	for (i = 0; i < nhw; i += 1000) {
		b = (struct batch){i, 1000};
		assert_int_equal(tables_write(t, hw_batch, &b), 0);
	}
	/* a GNDT load in one transaction, rerun on every growth */
	b = (struct batch){1, ngndt};
	assert_int_equal(tables_write(t, gndt_batch, &b), 0);
	tables_get_stats(t, &st);
	assert_true(st.map_resizes > 0);
	assert_true(st.write_retries == st.map_resizes);
	assert_true(st.map_size > 1 << 20);
	assert_true(st.map_used <= st.map_size);
	assert_true(st.write_errors == 0);
	print_message("map grew %u times to %u KiB, %u KiB used\n",
		      (unsigned)st.map_resizes, (unsigned)(st.map_size >> 10),
		      (unsigned)(st.map_used >> 10));

	assert_int_equal(tables_read_begin(t, &txn), 0);
	assert_int_equal(tables_count(txn, &counts), 0);
	assert_true(counts.hwdt == nhw);
	assert_true(counts.gndt == ngndt);
	for (i = 0; i < nhw; i++) {
		assert_int_equal(tables_hwdt_get(txn, 1 + i % 3,
						 IP(10, 0, 0, 0) + i, &hw),
				 0);
		assert_int_equal(hw.mac.b[4], (uint8_t)i);
		assert_true(hw.last_seen_ms == 1000 + i);
	}
	for (i = 1; i <= ngndt; i++) {
		struct vrd_prefix p = pfx(i << 8, 24);

		assert_int_equal(tables_gndt_get(txn, 7, &p, &g), 0);
		assert_true(g.seq == i);
	}
	/* one generation step per put, even across reruns */
	assert_true(tables_gndt_generation(txn) == ngndt);
	tables_read_end(txn);
	tables_close(t);

	/* reopening with the small size keeps the grown data */
	assert_int_equal(tables_open(&t, f->dir, &opt), 0);
	assert_int_equal(tables_read_begin(t, &txn), 0);
	assert_int_equal(tables_count(txn, &counts), 0);
	assert_true(counts.gndt == ngndt);
	tables_read_end(txn);
	tables_close(t);
}

static void test_map_limit(void **state)
{
	struct fixture *f = *state;
	struct tables_options opt = {.map_size = 1 << 20,
				     .map_size_max = 2 << 20};
	struct tables_counts counts;
	struct tables_stats st;
	struct tables_txn *txn;
	struct tables *t;
	struct batch b;
	uint32_t i;
	int rc = 0;

	assert_int_equal(tables_open(&t, f->dir, &opt), 0);
	for (i = 0; i < 200 && rc == 0; i++) {
		b = (struct batch){i * 1000, 1000};
		rc = tables_write(t, hw_batch, &b);
	}
	assert_int_equal(rc, -ENOSPC);
	tables_get_stats(t, &st);
	assert_true(st.write_errors == 1);
	assert_true(st.map_size == 2 << 20);
	/* what was committed before is all there; the failed batch is not */
	assert_int_equal(tables_read_begin(t, &txn), 0);
	assert_int_equal(tables_count(txn, &counts), 0);
	assert_true(counts.hwdt == (uint64_t)(i - 1) * 1000);
	tables_read_end(txn);
	tables_close(t);
}

/* Below LMDB's comfortable minimum: the creation itself may need to grow. */
static void test_map_tiny(void **state)
{
	struct fixture *f = *state;
	struct tables_options opt = {.map_size = 64 << 10};
	struct tables_counts counts;
	struct tables_stats st;
	struct tables_txn *txn;
	struct tables *t;
	struct batch b;
	uint32_t i;

	assert_int_equal(tables_open(&t, f->dir, &opt), 0);
	for (i = 0; i < 4000; i += 500) {
		b = (struct batch){i, 500};
		assert_int_equal(tables_write(t, hw_batch, &b), 0);
	}
	tables_get_stats(t, &st);
	assert_true(st.map_resizes > 0);
	assert_int_equal(tables_read_begin(t, &txn), 0);
	assert_int_equal(tables_count(txn, &counts), 0);
	assert_true(counts.hwdt == 4000);
	tables_read_end(txn);
	tables_close(t);
}

/* ---- foreign and broken state dirs ---------------------------------- */

static void expect_refused(const char *dir, bool read_only)
{
	struct tables_options opt = {.read_only = read_only};
	struct tables *t = NULL;
	int rc = tables_open(&t, dir, &opt);

	assert_true(rc == -EPROTO || rc == -EIO);
	assert_null(t);
}

static void test_foreign_text(void **state)
{
	struct fixture *f = *state;
	static const char text[] = "hello\n";

	write_file(f->dir, "data.mdb", text, sizeof(text) - 1);
	expect_refused(f->dir, false);
	expect_refused(f->dir, true);
}

static void test_foreign_random(void **state)
{
	struct fixture *f = *state;
	static uint8_t junk[64 << 10];
	unsigned seed = 7;
	size_t i;

	for (i = 0; i < sizeof(junk); i++) {
		seed = seed * 1103515245 + 12345;
		junk[i] = (uint8_t)(seed >> 16);
	}
	write_file(f->dir, "data.mdb", junk, sizeof(junk));
	expect_refused(f->dir, false);
	expect_refused(f->dir, true);
}

/* An LMDB environment written by someone else. */
static void make_foreign_lmdb(const char *dir, const char *dbname,
			      const char *key)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val k = {strlen(key), (void *)key}, v = {1, (void *)"x"};

	mkdir(dir, 0700);
	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 4), 0);
	assert_int_equal(mdb_env_open(env, dir, 0, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, dbname, MDB_CREATE, &dbi), 0);
	assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
}

static void test_foreign_lmdb(void **state)
{
	struct fixture *f = *state;
	struct tables *t = NULL;

	make_foreign_lmdb(f->dir, "users", "alice");
	assert_int_equal(tables_open(&t, f->dir, NULL), -EPROTO);
	assert_null(t);
	expect_refused(f->dir, true);
}

static void test_meta_without_schema(void **state)
{
	struct fixture *f = *state;
	struct tables *t = NULL;

	make_foreign_lmdb(f->dir, "meta", "router");
	assert_int_equal(tables_open(&t, f->dir, NULL), -EPROTO);
	assert_null(t);
}

static void test_newer_schema(void **state)
{
	struct fixture *f = *state;
	struct meta_kv kv = {"schema", "2"};
	struct tables_options ro = {.read_only = true};
	struct tables *t = open_rw(f->dir, "vrA");

	assert_int_equal(tables_write(t, put_meta, &kv), 0);
	tables_close(t);
	t = NULL;
	assert_int_equal(tables_open(&t, f->dir, NULL), -EPROTO);
	assert_int_equal(tables_open(&t, f->dir, &ro), -EPROTO);
	assert_null(t);
}

/* ---- truncated and empty data.mdb ----------------------------------- */

static off_t data_size(const char *dir)
{
	char path[192];
	struct stat st;

	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	assert_int_equal(stat(path, &st), 0);
	return st.st_size;
}

static void cut_to(const char *dir, off_t size)
{
	char path[192];

	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	assert_int_equal(truncate(path, size), 0);
}

/* Refused in both modes, as -EUCLEAN, and the file left as it was. */
static void expect_damaged(const char *dir)
{
	struct tables_options ro = {.read_only = true};
	off_t size = data_size(dir);
	struct tables *t = NULL;

	assert_int_equal(tables_open(&t, dir, NULL), -EUCLEAN);
	assert_int_equal(tables_open(&t, dir, &ro), -EUCLEAN);
	assert_null(t);
	assert_true(data_size(dir) == size);
}

static void test_truncated(void **state)
{
	struct fixture *f = *state;
	struct tables *t = open_rw(f->dir, "vrA");
	char suffix[TABLES_ASIDE_SUFFIX_MAX], path[256];
	off_t full;

	for (int i = 0; i < 3000; i++) {
		struct vrd_prefix p = {.addr = 0xc0000000u + (uint32_t)i,
				       .len = 32};
		struct tables_gndt_entry e = {.vn = 1, .prefix = p, .seq = 1};

		snprintf(e.router, sizeof(e.router), "vrB");
		assert_int_equal(tables_write(t, put_gndt, &e), 0);
	}
	tables_close(t);
	full = data_size(f->dir);
	assert_true(full > 65536);
	cut_to(f->dir, full / 2);
	expect_damaged(f->dir);
	cut_to(f->dir, 20000);
	expect_damaged(f->dir);
	cut_to(f->dir, 0);
	expect_damaged(f->dir);
	/* starting over: both files aside, a new environment opens */
	assert_int_equal(tables_set_aside(f->dir, suffix), 0);
	assert_int_equal(strncmp(suffix, "broken-", 7), 0);
	snprintf(path, sizeof(path), "%s/data.mdb.%s", f->dir, suffix);
	assert_int_equal(access(path, F_OK), 0);
	snprintf(path, sizeof(path), "%s/lock.mdb.%s", f->dir, suffix);
	assert_int_equal(access(path, F_OK), 0);
	t = open_rw(f->dir, "vrA");
	tables_close(t);
}

static void test_read_only_missing(void **state)
{
	struct fixture *f = *state;
	struct tables_options opt = {.read_only = true};
	struct tables *t = NULL;
	struct stat st;

	assert_int_equal(tables_open(&t, f->dir, &opt), -ENOENT);
	assert_null(t);
	/* read-only does not create the directory */
	assert_int_equal(stat(f->dir, &st), -1);
	assert_int_equal(mkdir(f->dir, 0700), 0);
	assert_int_equal(tables_open(&t, f->dir, &opt), -ENOENT);
	assert_null(t);
}

/* ---- read-only alongside a writer process --------------------------- */

static int hw_count(struct tables *t, uint64_t *n)
{
	struct tables_counts counts;
	struct tables_txn *txn;
	int rc = tables_read_begin(t, &txn);

	if (rc) {
		return rc;
	}
	rc = tables_count(txn, &counts);
	tables_read_end(txn);
	*n = counts.hwdt;
	return rc;
}

static int noop_write(struct tables_txn *txn, void *arg)
{
	return 0;
}

/*
 * Child: opens read-only while the parent holds the environment open for
 * writing, checks what it sees, tells the parent, waits while the parent
 * grows the map well past the child's mapping, and reads again. Plain
 * exit codes: cmocka's asserts belong to the parent.
 */
static int reader_child(const char *dir, int to_parent, int from_parent)
{
	struct tables_options opt = {.read_only = true, .map_size = 1 << 20};
	struct tables_lndt_entry e;
	struct vrd_prefix p = pfx(IP(192, 0, 2, 0), 24);
	struct tables_txn *txn;
	struct tables *t;
	uint64_t n = 0;
	char c = 0;

	if (tables_open(&t, dir, &opt)) {
		return 10;
	}
	if (tables_read_begin(t, &txn)) {
		return 11;
	}
	if (tables_lndt_get(txn, 1, &p, &e) || e.added_ms != 99) {
		return 12;
	}
	tables_read_end(txn);
	if (tables_write(t, noop_write, NULL) != -EROFS) {
		return 13;
	}
	if (hw_count(t, &n) || n != 0) {
		return 14;
	}
	if (write(to_parent, "r", 1) != 1 || read(from_parent, &c, 1) != 1) {
		return 15;
	}
	if (hw_count(t, &n) || n != 30000) {
		return 16;
	}
	tables_close(t);
	return 0;
}

static void test_read_only_with_writer(void **state)
{
	struct fixture *f = *state;
	struct tables_options opt = {.map_size = 1 << 20,
				     .map_size_max = 1 << 30};
	struct tables_lndt_entry e = {.vn = 1,
				      .prefix = pfx(IP(192, 0, 2, 0), 24),
				      .source = TABLES_LNDT_CONFIG,
				      .added_ms = 99};
	struct tables_stats st;
	struct tables *t;
	int up[2], down[2], status;
	struct batch b;
	pid_t pid;
	char c;
	uint32_t i;

	assert_int_equal(tables_open(&t, f->dir, &opt), 0);
	assert_int_equal(tables_write(t, put_lndt, &e), 0);
	assert_int_equal(pipe(up), 0);
	assert_int_equal(pipe(down), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* never outlive a parent that failed an assertion */
		alarm(60);
		close(up[0]);
		close(down[1]);
		_exit(reader_child(f->dir, up[1], down[0]));
	}
	close(up[1]);
	close(down[0]);
	assert_int_equal(read(up[0], &c, 1), 1);
	for (i = 0; i < 30000; i += 5000) {
		b = (struct batch){i, 5000};
		assert_int_equal(tables_write(t, hw_batch, &b), 0);
	}
	tables_get_stats(t, &st);
	assert_true(st.map_size >= 4 << 20);
	assert_int_equal(write(down[1], "g", 1), 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	tables_close(t);
	close(up[0]);
	close(down[1]);
}

/* A writer killed with SIGKILL right after a commit loses nothing. */
static void test_kill9(void **state)
{
	struct fixture *f = *state;
	struct tables_lndt_entry e = {.vn = 9,
				      .prefix = pfx(IP(203, 0, 113, 0), 24),
				      .source = TABLES_LNDT_STATIC,
				      .added_ms = 5};
	struct tables_lndt_entry out;
	struct tables_txn *txn;
	struct tables *t;
	int up[2], status;
	pid_t pid;
	char c;

	assert_int_equal(pipe(up), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct tables *ct;

		alarm(60);

		if (tables_open(&ct, f->dir, NULL) ||
		    tables_write(ct, put_lndt, &e)) {
			_exit(1);
		}
		if (write(up[1], "c", 1) != 1) {
			_exit(2);
		}
		pause();
		_exit(3);
	}
	assert_int_equal(read(up[0], &c, 1), 1);
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	t = open_rw(f->dir, NULL);
	assert_int_equal(tables_read_begin(t, &txn), 0);
	assert_int_equal(tables_lndt_get(txn, 9, &e.prefix, &out), 0);
	assert_true(out.added_ms == 5);
	tables_read_end(txn);
	tables_close(t);
	close(up[0]);
	close(up[1]);
}

/* ---- write semantics ------------------------------------------------ */

static int nested_write(struct tables_txn *txn, void *arg)
{
	struct tables *t = arg;

	return tables_write(t, noop_write, NULL);
}

static void test_write_rules(void **state)
{
	struct fixture *f = *state;
	struct tables *t = open_rw(f->dir, "vrA");
	struct tables_stats before, after;

	tables_get_stats(t, &before);
	assert_int_equal(tables_write(t, nested_write, t), -EDEADLK);
	assert_int_equal(tables_write(t, noop_write, NULL), 0);
	tables_get_stats(t, &after);
	assert_true(after.write_txns == before.write_txns + 1);
	assert_true(after.write_errors == before.write_errors + 1);
	tables_close(t);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_open_reopen),
		T(test_dir_create),
		T(test_meta),
		T(test_lndt),
		T(test_gndt),
		T(test_hwdt_learn),
		T(test_hwdt_static),
		T(test_hwdt_expire),
		T(test_vn_isolation),
		T(test_events),
		T(test_map_growth),
		T(test_map_limit),
		T(test_map_tiny),
		T(test_foreign_text),
		T(test_foreign_random),
		T(test_foreign_lmdb),
		T(test_meta_without_schema),
		T(test_newer_schema),
		T(test_read_only_missing),
		T(test_truncated),
		T(test_read_only_with_writer),
		T(test_kill9),
		T(test_write_rules),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
