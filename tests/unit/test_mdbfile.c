/*
 * The data.mdb check (tables/mdbfile.c) against files real LMDB wrote: the
 * whole file is sound, every cut below its last page is not, and over a
 * file with a free list, whatever the check lets through LMDB reads to the
 * end without a fault (a child reads every record, then writes).
 */
#include <errno.h>
#include <lmdb.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "tables/mdbfile.h"
#include "base/bytes.h"

struct image {
	uint8_t *b;
	size_t len;
	size_t psize;
};

static char root[] = "/tmp/test_mdbfile.XXXXXX";

static int mem_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	const struct image *im = ctx;

	assert_true(off <= im->len && len <= im->len - off);
	memcpy(buf, im->b + off, len);
	return 0;
}

static struct tables_mdb_report check(const struct image *im, size_t size)
{
	struct image cut = {.b = im->b, .len = size};
	struct tables_mdb_report r;

	assert_int_equal(tables_mdb_check(size, mem_read, &cut, &r), 0);
	return r;
}

/* ---- making environments with LMDB ---------------------------------- */

static MDB_env *env_start(const char *dir, unsigned flags)
{
	MDB_env *env;

	mkdir(dir, 0700);
	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 4), 0);
	assert_int_equal(mdb_env_set_mapsize(env, 1 << 28), 0);
	assert_int_equal(mdb_env_open(env, dir, flags, 0600), 0);
	return env;
}

/* txns transactions of puts keys each, in key order. */
static void env_fill(const char *dir, unsigned txns, unsigned puts,
		     MDB_envinfo *info)
{
	MDB_env *env = env_start(dir, 0);
	char key[16], val[200];
	MDB_txn *txn;
	MDB_dbi dbi;

	memset(val, 'v', sizeof(val));
	for (unsigned t = 0; t < txns; t++) {
		assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
		assert_int_equal(mdb_dbi_open(txn, "t", MDB_CREATE, &dbi), 0);
		for (unsigned i = 0; i < puts; i++) {
			unsigned k = t * puts + i;
			MDB_val kv = {0, key}, vv = {1 + k % 199, val};

			kv.mv_size =
				(size_t)snprintf(key, sizeof(key), "%08u", k);
			assert_int_equal(mdb_put(txn, dbi, &kv, &vv, 0), 0);
		}
		assert_int_equal(mdb_txn_commit(txn), 0);
	}
	mdb_env_info(env, info);
	mdb_env_close(env);
}

/* One transaction of random puts and deletes, now and then a bulk delete
 * from the start (as the event log trims its oldest). */
static void churn_once(MDB_env *env, unsigned *seed)
{
	unsigned n = (unsigned)rand_r(seed) % 50, i;
	char key[16], val[300];
	MDB_cursor *c;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val k, v;

	memset(val, 'v', sizeof(val));
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "t", MDB_CREATE, &dbi), 0);
	for (i = 0; i < n; i++) {
		k.mv_data = key;
		k.mv_size = (size_t)snprintf(key, sizeof(key), "%08u",
					     (unsigned)rand_r(seed) % 20000);
		v = (MDB_val){(size_t)rand_r(seed) % 290 + 1, val};
		if (rand_r(seed) % 3) {
			assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
		} else {
			mdb_del(txn, dbi, &k, NULL);
		}
	}
	if (rand_r(seed) % 100 == 0) {
		assert_int_equal(mdb_cursor_open(txn, dbi, &c), 0);
		for (i = 0;
		     i < 2000 && mdb_cursor_get(c, &k, &v, MDB_NEXT) == 0;
		     i++) {
			mdb_cursor_del(c, 0);
		}
		mdb_cursor_close(c);
	}
	assert_int_equal(mdb_txn_commit(txn), 0);
}

/* Churns until LMDB leaves data.mdb shorter than its last page (the
 * final pages free, never written): true, or false after max commits. */
static bool env_churn_until_short(const char *dir, unsigned max)
{
	MDB_env *env = env_start(dir, MDB_NOSYNC);
	unsigned seed = 7, i;
	char path[256];
	MDB_envinfo info;
	struct stat st;
	bool found = false;

	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	for (i = 0; i < max && !found; i++) {
		churn_once(env, &seed);
		mdb_env_info(env, &info);
		assert_int_equal(stat(path, &st), 0);
		found = (uint64_t)st.st_size <
			(info.me_last_pgno + 1) *
				(uint64_t)sysconf(_SC_PAGESIZE);
	}
	mdb_env_close(env);
	return found;
}

static void image_load(const char *dir, struct image *im)
{
	char path[256];
	struct stat st;
	FILE *f;

	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	assert_int_equal(stat(path, &st), 0);
	im->len = (size_t)st.st_size;
	im->b = malloc(im->len);
	assert_non_null(im->b);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fread(im->b, 1, im->len, f), im->len);
	fclose(f);
	im->psize = (size_t)sysconf(_SC_PAGESIZE);
}

static void image_save(const char *dir, const struct image *im, size_t len)
{
	char path[256];
	FILE *f;

	mkdir(dir, 0700);
	snprintf(path, sizeof(path), "%s/lock.mdb", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(im->b, 1, len, f), len);
	fclose(f);
}

/* ---- the whole file, and every cut of one without a free list -------- */

static void test_sound_and_cut(void **state)
{
	char dir[64];
	struct tables_mdb_report r;
	struct image im;
	MDB_envinfo info;
	size_t size;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/one", root);
	/* one write transaction: nothing freed, every page in use */
	env_fill(dir, 1, 3000, &info);
	image_load(dir, &im);
	r = check(&im, im.len);
	assert_int_equal(r.verdict, TABLES_MDB_SOUND);
	assert_int_equal(r.meta.psize, im.psize);
	assert_true(r.meta.last_pg == info.me_last_pgno);
	assert_true(r.meta.txnid == info.me_last_txnid);
	assert_true(r.end == im.len);
	assert_true(r.meta.free_root == UINT64_MAX);

	assert_int_equal(check(&im, 0).verdict, TABLES_MDB_EMPTY);
	/* every page boundary and a few bytes either side of it */
	for (size = 1; size < im.len; size += size < 300 ? 37 : 1021) {
		r = check(&im, size);
		assert_int_equal(r.verdict, TABLES_MDB_TRUNCATED);
		if (size >= 2 * im.psize) {
			assert_true(r.end == im.len);
			assert_true(r.missing <= size / im.psize);
		}
	}
	/* the sizes that killed vrd with SIGBUS, where they cut this file */
	assert_true(im.len > 65536);
	assert_int_equal(check(&im, 20000).verdict, TABLES_MDB_TRUNCATED);
	assert_int_equal(check(&im, 65536).verdict, TABLES_MDB_TRUNCATED);
	assert_int_equal(check(&im, im.len - 1).verdict, TABLES_MDB_TRUNCATED);
	free(im.b);
}

/* ---- what is not LMDB's, or damaged --------------------------------- */

static void test_refused(void **state)
{
	static const char text[] = "hello\n";
	struct image im, t = {.b = (uint8_t *)text, .len = sizeof(text) - 1};
	char dir[64];
	MDB_envinfo info;
	unsigned seed = 9;
	size_t i;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/refused", root);
	env_fill(dir, 2, 50, &info);
	image_load(dir, &im);
	assert_int_equal(check(&im, im.len).verdict, TABLES_MDB_SOUND);

	assert_int_equal(check(&t, t.len).verdict, TABLES_MDB_FOREIGN);
	im.b[16] ^= 0xff; /* mm_magic */
	assert_int_equal(check(&im, im.len).verdict, TABLES_MDB_FOREIGN);
	im.b[16] ^= 0xff;
	im.b[20] = 2; /* mm_version */
	assert_int_equal(check(&im, im.len).verdict, TABLES_MDB_VERSION);
	im.b[20] = 1;
	im.b[10] = 0; /* mp_flags without P_META */
	assert_int_equal(check(&im, im.len).verdict, TABLES_MDB_CORRUPT);
	im.b[10] = 0x08;
	im.b[im.psize + 16] ^= 0xff; /* meta page 1's magic */
	assert_int_equal(check(&im, im.len).verdict, TABLES_MDB_CORRUPT);
	im.b[im.psize + 16] ^= 0xff;
	im.b[im.psize + 41] = 0x30; /* meta page 1's page size */
	assert_int_equal(check(&im, im.len).verdict, TABLES_MDB_CORRUPT);
	im.b[im.psize + 41] = (uint8_t)(im.psize >> 8);
	assert_int_equal(check(&im, im.len).verdict, TABLES_MDB_SOUND);
	/* the meta with the higher txnid is in force: lift meta 0's last
	 * page past the file and give it the higher txnid */
	im.b[144] = 0x7f;
	im.b[136 + 3] = 0x01;
	assert_int_equal(check(&im, im.len).verdict, TABLES_MDB_TRUNCATED);
	im.b[144] = 0;
	assert_int_equal(check(&im, im.len).verdict, TABLES_MDB_SOUND);
	memset(im.b, 0, im.psize);
	assert_int_equal(check(&im, im.len).verdict, TABLES_MDB_ZEROED);
	for (i = 0; i < im.len; i++) {
		im.b[i] = (uint8_t)rand_r(&seed);
	}
	assert_int_equal(check(&im, im.len).verdict, TABLES_MDB_FOREIGN);
	free(im.b);
}

/* ---- a file with a free list: the check never lets a fault through --- */

/* Child: reads every record and writes once; exit 0, or dies of SIGBUS. */
static void lmdb_read_all(const char *dir)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_cursor *c;
	MDB_dbi dbi;
	MDB_val k, v;
	size_t sum = 0;

	if (mdb_env_create(&env) || mdb_env_set_maxdbs(env, 4) ||
	    mdb_env_open(env, dir, 0, 0600) ||
	    mdb_txn_begin(env, NULL, 0, &txn) ||
	    mdb_dbi_open(txn, "t", 0, &dbi) || mdb_cursor_open(txn, dbi, &c)) {
		_exit(2);
	}
	while (mdb_cursor_get(c, &k, &v, MDB_NEXT) == 0) {
		sum += ((const uint8_t *)v.mv_data)[v.mv_size - 1];
	}
	mdb_cursor_close(c);
	k = (MDB_val){3, "new"};
	if (mdb_put(txn, dbi, &k, &k, 0) || mdb_txn_commit(txn)) {
		_exit(3);
	}
	mdb_env_close(env);
	_exit(sum == SIZE_MAX ? 4 : 0); /* sum: the reads are not elided */
}

static int lmdb_child(const char *dir)
{
	int st;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		/* cmocka catches faults; the child must die of them */
		signal(SIGBUS, SIG_DFL);
		signal(SIGSEGV, SIG_DFL);
		lmdb_read_all(dir);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
}

/* Every cut at a page boundary: what the check lets through, LMDB reads
 * without a fault; what faults, the check refused. Returns the refusals. */
static unsigned cuts_agree(const struct image *im)
{
	char cut[64];
	struct tables_mdb_report r;
	unsigned sound = 0, truncated = 0;
	size_t size;
	int rc;

	snprintf(cut, sizeof(cut), "%s/cut", root);
	for (size = 2 * im->psize; size < im->len; size += im->psize) {
		r = check(im, size);
		assert_true(r.verdict == TABLES_MDB_SOUND ||
			    r.verdict == TABLES_MDB_TRUNCATED);
		image_save(cut, im, size);
		rc = lmdb_child(cut);
		if (r.verdict == TABLES_MDB_SOUND) {
			assert_int_equal(rc, 0);
			sound++;
		} else {
			truncated++;
		}
		if (rc == 128 + SIGBUS) {
			assert_int_equal(r.verdict, TABLES_MDB_TRUNCATED);
		}
	}
	print_message("cuts of a %zu-byte file: %u let through, %u refused\n",
		      im->len, sound, truncated);
	return truncated;
}

/* A file LMDB itself left short (its final pages free) is sound. */
static void test_free_tail(void **state)
{
	char dir[64], cut[64];
	struct tables_mdb_report r;
	struct image im;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/churn", root);
	snprintf(cut, sizeof(cut), "%s/cut", root);
	/* LMDB 0.9.24 does it after 41 commits of this seed */
	assert_true(env_churn_until_short(dir, 20000));
	image_load(dir, &im);
	r = check(&im, im.len);
	assert_int_equal(r.verdict, TABLES_MDB_SOUND);
	assert_true(im.len < r.end);
	image_save(cut, &im, im.len);
	assert_int_equal(lmdb_child(cut), 0);
	assert_true(cuts_agree(&im) > 0);
	free(im.b);
}

/* Pages in use after the free list's own: the list is read whole, and
 * what it does not hold is refused. */
static void test_free_list_read(void **state)
{
	char dir[64];
	struct image im;
	MDB_envinfo info;
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val k = {8, "00000000"}, v = {3, "abc"};
	struct tables_mdb_report r;
	uint8_t *last;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/staged", root);
	env_fill(dir, 1, 3000, &info);
	env = env_start(dir, 0);
	/* each small write frees the path it copies; the next reuses those
	 * low pages, the free list among them */
	for (int i = 0; i < 4; i++) {
		assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
		assert_int_equal(mdb_dbi_open(txn, "t", 0, &dbi), 0);
		assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
		assert_int_equal(mdb_txn_commit(txn), 0);
	}
	mdb_env_close(env);
	image_load(dir, &im);
	r = check(&im, im.len);
	assert_int_equal(r.verdict, TABLES_MDB_SOUND);
	assert_true(r.meta.free_root != UINT64_MAX);
	assert_true(cuts_agree(&im) > 0);
	/* a meta that claims one page more than the file holds, with the
	 * free list whole and not listing that page */
	last = im.b + (r.meta.txnid == vrd_get_le64(im.b + 144) ? 0 : im.psize);
	last[136] = (uint8_t)(last[136] + 1);
	assert_true(vrd_get_le64(last + 136) == r.meta.last_pg + 1);
	r = check(&im, im.len);
	assert_int_equal(r.verdict, TABLES_MDB_TRUNCATED);
	assert_true(r.missing == r.meta.last_pg);
	free(im.b);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(root) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[64];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sound_and_cut),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_free_tail),
		cmocka_unit_test(test_free_list_read),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
