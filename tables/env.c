/*
 * The LMDB environment: open and close, the schema check, transactions,
 * map growth, statistics and the translation of LMDB's errors.
 */
#include "tables/internal.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tables/codec.h"
#include "base/log.h"

#define MAP_SIZE_DEFAULT ((size_t)64 << 20)
#define MAP_SIZE_MAX_DEFAULT ((size_t)64 << 30)
#define EVENTS_MAX_DEFAULT 10000
#define RESIZED_RETRIES 4

static const char *const db_names[TABLES_DB_COUNT] = {
	[TABLES_DB_META] = "meta",	[TABLES_DB_LNDT] = "lndt",
	[TABLES_DB_GNDT] = "gndt",	[TABLES_DB_HWDT] = "hwdt",
	[TABLES_DB_HWMAC] = "hwdt_mac", [TABLES_DB_EVENTS] = "events",
	[TABLES_DB_CLAIMS] = "claims",
};

/* Read transactions this thread holds, over every environment: such a
 * thread cannot wait for the map lock without waiting for itself. */
static _Thread_local unsigned reads_held;

/* ---- errors --------------------------------------------------------- */

static int env_error(struct tables *t, int rc, const char *what)
{
	int err;

	switch (rc) {
	case MDB_SUCCESS:
		return 0;
	case MDB_NOTFOUND:
		return -ENOENT;
	case MDB_KEYEXIST:
		return -EEXIST;
	case MDB_MAP_FULL:
		return -ENOSPC;
	case MDB_INVALID:
	case MDB_VERSION_MISMATCH:
	case MDB_INCOMPATIBLE:
		err = -EPROTO;
		break;
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
	case MDB_PANIC:
		err = -EIO;
		break;
	case MDB_READERS_FULL:
	case MDB_MAP_RESIZED:
		err = -EAGAIN;
		break;
	case MDB_TXN_FULL:
		err = -E2BIG;
		break;
	case MDB_BAD_VALSIZE:
	case MDB_BAD_TXN:
	case MDB_BAD_DBI:
		err = -EINVAL;
		break;
	default:
		err = rc > 0 ? -rc : -EIO;
		break;
	}
	log_err("state dir %s: %s: %s", t->dir, what, mdb_strerror(rc));
	return err;
}

int tables_error(struct tables_txn *txn, int rc, const char *what)
{
	if (rc == MDB_MAP_FULL) {
		txn->map_full = true;
	}
	/* Once the map filled, LMDB refuses the rest of the transaction;
	 * that is part of the same event, not news. */
	if (rc == MDB_BAD_TXN && txn->map_full) {
		return -ENOSPC;
	}
	return env_error(txn->t, rc, what);
}

/* ---- access helpers ------------------------------------------------- */

int tables_db_get(struct tables_txn *txn, enum tables_db db, const void *key,
		  size_t klen, MDB_val *val)
{
	MDB_val k = {.mv_size = klen, .mv_data = (void *)key};
	int rc;

	rc = mdb_get(txn->txn, txn->t->dbi[db], &k, val);
	return rc ? tables_error(txn, rc, db_names[db]) : 0;
}

int tables_db_put(struct tables_txn *txn, enum tables_db db, const void *key,
		  size_t klen, const void *val, size_t vlen)
{
	MDB_val k = {.mv_size = klen, .mv_data = (void *)key};
	MDB_val v = {.mv_size = vlen, .mv_data = (void *)val};
	int rc;

	if (!txn->write) {
		return -EROFS;
	}
	rc = mdb_put(txn->txn, txn->t->dbi[db], &k, &v, 0);
	return rc ? tables_error(txn, rc, db_names[db]) : 0;
}

int tables_db_del(struct tables_txn *txn, enum tables_db db, const void *key,
		  size_t klen)
{
	MDB_val k = {.mv_size = klen, .mv_data = (void *)key};
	int rc;

	if (!txn->write) {
		return -EROFS;
	}
	rc = mdb_del(txn->txn, txn->t->dbi[db], &k, NULL);
	return rc ? tables_error(txn, rc, db_names[db]) : 0;
}

int tables_db_cursor(struct tables_txn *txn, enum tables_db db,
		     MDB_cursor **out)
{
	int rc = mdb_cursor_open(txn->txn, txn->t->dbi[db], out);

	return rc ? tables_error(txn, rc, db_names[db]) : 0;
}

int tables_cursor_seek(struct tables_txn *txn, MDB_cursor *c, const void *key,
		       size_t klen, MDB_val *k, MDB_val *v)
{
	int rc;

	k->mv_size = klen;
	k->mv_data = (void *)key;
	rc = mdb_cursor_get(c, k, v, klen ? MDB_SET_RANGE : MDB_FIRST);
	return rc ? tables_error(txn, rc, "cursor") : 0;
}

int tables_cursor_next(struct tables_txn *txn, MDB_cursor *c, MDB_val *k,
		       MDB_val *v)
{
	int rc = mdb_cursor_get(c, k, v, MDB_NEXT);

	return rc ? tables_error(txn, rc, "cursor") : 0;
}

int tables_db_walk(struct tables_txn *txn, enum tables_db db, const void *start,
		   size_t slen, size_t plen, tables_walk_fn fn, void *arg)
{
	MDB_cursor *c;
	MDB_val k, v;
	int rc;

	rc = tables_db_cursor(txn, db, &c);
	if (rc) {
		return rc;
	}
	for (rc = tables_cursor_seek(txn, c, start, slen, &k, &v); rc == 0;
	     rc = tables_cursor_next(txn, c, &k, &v)) {
		if (plen &&
		    (k.mv_size < plen || memcmp(k.mv_data, start, plen))) {
			break;
		}
		rc = fn(&k, &v, arg);
		if (rc) {
			mdb_cursor_close(c);
			return rc;
		}
	}
	mdb_cursor_close(c);
	return rc == -ENOENT ? 0 : rc;
}

int tables_db_entries(struct tables_txn *txn, enum tables_db db, uint64_t *out)
{
	MDB_stat st;
	int rc = mdb_stat(txn->txn, txn->t->dbi[db], &st);

	if (rc) {
		return tables_error(txn, rc, db_names[db]);
	}
	*out = st.ms_entries;
	return 0;
}

/* ---- map size ------------------------------------------------------- */

/* Another process grew the map: adopt its size. Caller holds write_lock,
 * so no write transaction of ours is running. */
static int map_adopt(struct tables *t)
{
	int rc;

	if (reads_held) {
		return -EDEADLK;
	}
	pthread_rwlock_wrlock(&t->map_lock);
	rc = mdb_env_set_mapsize(t->env, 0);
	pthread_rwlock_unlock(&t->map_lock);
	return env_error(t, rc, "adopt map size");
}

/* Doubles the map, up to map_size_max. Caller holds write_lock. */
static int map_grow(struct tables *t)
{
	MDB_envinfo info;
	size_t size;
	int rc;

	if (reads_held) {
		log_err("state dir %s: map full, and cannot grow it while "
			"this thread holds a read transaction",
			t->dir);
		return -EDEADLK;
	}
	mdb_env_info(t->env, &info);
	if (info.me_mapsize >= t->map_size_max) {
		log_err("state dir %s: map full at %zu bytes (the maximum)",
			t->dir, info.me_mapsize);
		return -ENOSPC;
	}
	size = info.me_mapsize > t->map_size_max / 2 ? t->map_size_max
						     : info.me_mapsize * 2;
	pthread_rwlock_wrlock(&t->map_lock);
	rc = mdb_env_set_mapsize(t->env, size);
	pthread_rwlock_unlock(&t->map_lock);
	if (rc) {
		return env_error(t, rc, "grow map");
	}
	atomic_fetch_add(&t->map_resizes, 1);
	log_info("state dir %s: map grown to %zu bytes", t->dir, size);
	return 0;
}

/* ---- transactions --------------------------------------------------- */

static int read_begin(struct tables_txn *txn)
{
	struct tables *t = txn->t;
	int attempt, rc;

	for (attempt = 0;; attempt++) {
		pthread_rwlock_rdlock(&t->map_lock);
		rc = mdb_txn_begin(t->env, NULL, MDB_RDONLY, &txn->txn);
		if (rc == 0) {
			txn->held = &reads_held;
			reads_held++;
			return 0;
		}
		pthread_rwlock_unlock(&t->map_lock);
		if (rc != MDB_MAP_RESIZED || attempt == RESIZED_RETRIES) {
			return env_error(t, rc, "begin read transaction");
		}
		rc = pthread_mutex_lock(&t->write_lock);
		if (rc) {
			return -rc;
		}
		rc = map_adopt(t);
		pthread_mutex_unlock(&t->write_lock);
		if (rc) {
			return rc;
		}
	}
}

/* Ends a read transaction, on the thread that began it (map_lock is held
 * by that thread); committing one keeps the database handles it opened. */
static int read_finish(struct tables_txn *txn, bool commit)
{
	struct tables *t = txn->t;
	int rc = 0;

	if (commit) {
		rc = mdb_txn_commit(txn->txn);
	} else {
		mdb_txn_abort(txn->txn);
	}
	(*txn->held)--;
	pthread_rwlock_unlock(&t->map_lock);
	return env_error(t, rc, "end read transaction");
}

int tables_read_begin(struct tables *t, struct tables_txn **out)
{
	struct tables_txn *txn;
	int rc;

	*out = NULL;
	txn = calloc(1, sizeof(*txn));
	if (!txn) {
		return -ENOMEM;
	}
	txn->t = t;
	rc = read_begin(txn);
	if (rc) {
		free(txn);
		return rc;
	}
	*out = txn;
	return 0;
}

void tables_read_end(struct tables_txn *txn)
{
	if (!txn) {
		return;
	}
	read_finish(txn, false);
	free(txn);
}

/* Caller holds write_lock. */
static int write_begin(struct tables *t, MDB_txn **out)
{
	int attempt, rc;

	for (attempt = 0;; attempt++) {
		rc = mdb_txn_begin(t->env, NULL, 0, out);
		if (rc != MDB_MAP_RESIZED || attempt == RESIZED_RETRIES) {
			return env_error(t, rc, "begin write transaction");
		}
		rc = map_adopt(t);
		if (rc) {
			return rc;
		}
	}
}

/* One attempt: 0, a negative errno, or map_full set in txn. */
static int write_once(struct tables_txn *txn, tables_write_fn fn, void *arg)
{
	int rc;

	rc = fn(txn, arg);
	if (rc == 0 && !txn->map_full) {
		rc = tables_gndt_flush(txn);
	}
	if (rc || txn->map_full) {
		mdb_txn_abort(txn->txn);
		return rc ? rc : -ENOSPC;
	}
	rc = mdb_txn_commit(txn->txn);
	return rc ? tables_error(txn, rc, "commit") : 0;
}

int tables_write(struct tables *t, tables_write_fn fn, void *arg)
{
	struct tables_txn txn;
	int rc;

	if (t->read_only) {
		return -EROFS;
	}
	rc = pthread_mutex_lock(&t->write_lock);
	if (rc == EDEADLK) {
		log_err("state dir %s: tables_write called from inside a "
			"write",
			t->dir);
	}
	if (rc) {
		return -rc;
	}
	for (;;) {
		txn = (struct tables_txn){.t = t, .write = true};
		rc = write_begin(t, &txn.txn);
		if (rc) {
			break;
		}
		rc = write_once(&txn, fn, arg);
		if (rc == 0) {
			atomic_fetch_add(&t->write_txns, 1);
			atomic_fetch_add(&t->events_trimmed, txn.trimmed);
			break;
		}
		if (!txn.map_full) {
			break;
		}
		rc = map_grow(t);
		if (rc) {
			break;
		}
		atomic_fetch_add(&t->write_retries, 1);
	}
	if (rc) {
		atomic_fetch_add(&t->write_errors, 1);
	}
	pthread_mutex_unlock(&t->write_lock);
	return rc;
}

/* ---- opening -------------------------------------------------------- */

/* mkdir -p; the last component (the state dir itself) gets mode 0700. */
static int dir_create(const char *dir)
{
	char path[PATH_MAX];
	struct stat st;
	size_t n = strlen(dir), i;

	if (n >= sizeof(path)) {
		return -ENAMETOOLONG;
	}
	memcpy(path, dir, n + 1);
	while (n > 1 && path[n - 1] == '/') {
		path[--n] = '\0';
	}
	for (i = 1; i <= n; i++) {
		if (path[i] != '/' && path[i] != '\0') {
			continue;
		}
		path[i] = '\0';
		if (mkdir(path, i == n ? 0700 : 0755) && errno != EEXIST) {
			int err = errno;

			log_err("state dir %s: cannot create %s: %s", dir, path,
				strerror(err));
			return -err;
		}
		path[i] = i == n ? '\0' : '/';
	}
	if (stat(dir, &st)) {
		int err = errno;

		log_err("state dir %s: %s", dir, strerror(err));
		return -err;
	}
	if (!S_ISDIR(st.st_mode)) {
		log_err("state dir %s: not a directory", dir);
		return -ENOTDIR;
	}
	return 0;
}

/* Read-only: there must be a data.mdb to read. */
static int env_exists(const char *dir)
{
	char path[PATH_MAX];
	struct stat st;

	if (snprintf(path, sizeof(path), "%s/data.mdb", dir) >=
	    (int)sizeof(path)) {
		return -ENAMETOOLONG;
	}
	if (stat(path, &st)) {
		int err = errno;

		log_err("state dir %s: no tables: %s: %s", dir, path,
			strerror(err));
		return -err;
	}
	if (!S_ISREG(st.st_mode)) {
		log_err("state dir %s: %s is not a file", dir, path);
		return -EPROTO;
	}
	return 0;
}

static int open_error(struct tables *t, int rc)
{
	const char *why;
	int err;

	switch (rc) {
	case MDB_INVALID:
		why = "not an LMDB environment";
		err = -EPROTO;
		break;
	case MDB_VERSION_MISMATCH:
		why = "written by an incompatible LMDB version";
		err = -EPROTO;
		break;
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
	case MDB_PANIC:
		why = "corrupt";
		err = -EIO;
		break;
	default:
		why = "cannot open";
		err = rc > 0 ? -rc : -EIO;
		break;
	}
	log_err("state dir %s: %s/data.mdb: %s (%s)", t->dir, t->dir, why,
		mdb_strerror(rc));
	return err;
}

static int env_start(struct tables *t, size_t map_size)
{
	unsigned flags = MDB_NOTLS;
	int rc, dead = 0;

	if (t->read_only) {
		flags |= MDB_RDONLY;
	}
	rc = mdb_env_create(&t->env);
	if (rc) {
		t->env = NULL;
		return env_error(t, rc, "create environment");
	}
	rc = mdb_env_set_maxdbs(t->env, TABLES_DB_COUNT);
	if (rc == 0) {
		rc = mdb_env_set_mapsize(t->env, map_size);
	}
	if (rc == 0) {
		rc = mdb_env_open(t->env, t->dir, flags, 0600);
	}
	if (rc) {
		rc = open_error(t, rc);
		mdb_env_close(t->env);
		t->env = NULL;
		return rc;
	}
	/* Slots left by readers that died (vrctl killed mid-read). */
	if (mdb_reader_check(t->env, &dead) == 0 && dead > 0) {
		log_info("state dir %s: cleared %d stale readers", t->dir,
			 dead);
	}
	return 0;
}

/* Opens "meta"; a fresh (empty) environment gets every database. */
static int meta_open(struct tables_txn *txn, bool *fresh)
{
	struct tables *t = txn->t;
	MDB_dbi main_dbi;
	MDB_stat st;
	int rc;

	*fresh = false;
	rc = mdb_dbi_open(txn->txn, db_names[TABLES_DB_META], 0,
			  &t->dbi[TABLES_DB_META]);
	if (rc == MDB_INCOMPATIBLE) {
		log_err("state dir %s: not a vrd environment (\"meta\" is "
			"not a database)",
			t->dir);
		return -EPROTO;
	}
	if (rc != MDB_NOTFOUND) {
		return tables_error(txn, rc, "open meta");
	}
	rc = mdb_dbi_open(txn->txn, NULL, 0, &main_dbi);
	if (rc == 0) {
		rc = mdb_stat(txn->txn, main_dbi, &st);
	}
	if (rc) {
		return tables_error(txn, rc, "main database");
	}
	if (st.ms_entries > 0) {
		log_err("state dir %s: %s/data.mdb holds another program's "
			"LMDB databases (no vrd meta)",
			t->dir, t->dir);
		return -EPROTO;
	}
	if (!txn->write) {
		log_err("state dir %s: no tables yet (empty environment)",
			t->dir);
		return -ENOENT;
	}
	*fresh = true;
	rc = mdb_dbi_open(txn->txn, db_names[TABLES_DB_META], MDB_CREATE,
			  &t->dbi[TABLES_DB_META]);
	return tables_error(txn, rc, "create meta");
}

static int dbs_open(struct tables_txn *txn, bool create)
{
	struct tables *t = txn->t;
	int i, rc;

	for (i = TABLES_DB_META + 1; i < TABLES_DB_COUNT; i++) {
		/* claims came after schema 1: a writer adds it to an older
		 * environment */
		bool add = create || (txn->write && i == TABLES_DB_CLAIMS);

		rc = mdb_dbi_open(txn->txn, db_names[i], add ? MDB_CREATE : 0,
				  &t->dbi[i]);
		if (rc == MDB_NOTFOUND || rc == MDB_INCOMPATIBLE) {
			log_err("state dir %s: not a vrd environment (no "
				"database \"%s\")",
				t->dir, db_names[i]);
			return -EPROTO;
		}
		if (rc) {
			return tables_error(txn, rc, db_names[i]);
		}
	}
	return 0;
}

static int env_init(struct tables_txn *txn, void *arg)
{
	const struct tables_options *opt = arg;
	bool fresh;
	int rc;

	rc = meta_open(txn, &fresh);
	if (rc == 0) {
		rc = tables_meta_check(txn, fresh, opt->router_name);
	}
	if (rc == 0) {
		rc = dbs_open(txn, fresh);
	}
	return rc;
}

static int env_init_read_only(struct tables *t,
			      const struct tables_options *opt)
{
	struct tables_txn txn = {.t = t};
	int rc;

	rc = read_begin(&txn);
	if (rc) {
		return rc;
	}
	rc = env_init(&txn, (void *)opt);
	if (rc) {
		read_finish(&txn, false);
		return rc;
	}
	return read_finish(&txn, true);
}

static size_t page_round(size_t n)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t p = page > 0 ? (size_t)page : 4096;

	return (n + p - 1) / p * p;
}

int tables_open(struct tables **out, const char *dir,
		const struct tables_options *opt)
{
	static const struct tables_options defaults;
	pthread_mutexattr_t attr;
	struct tables *t;
	size_t map_size;
	int rc;

	*out = NULL;
	if (!opt) {
		opt = &defaults;
	}
	if (!dir || !*dir ||
	    (opt->router_name &&
	     strlen(opt->router_name) >= TABLES_META_VALUE_MAX)) {
		return -EINVAL;
	}
	rc = opt->read_only ? env_exists(dir) : dir_create(dir);
	if (rc == 0) {
		rc = tables_file_check(dir);
	}
	if (rc) {
		return rc;
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		return -ENOMEM;
	}
	t->dir = strdup(dir);
	if (!t->dir) {
		rc = -ENOMEM;
		goto err_free;
	}
	t->read_only = opt->read_only;
	t->events_max = opt->events_max ? opt->events_max : EVENTS_MAX_DEFAULT;
	map_size = page_round(opt->map_size ? opt->map_size : MAP_SIZE_DEFAULT);
	t->map_size_max = page_round(opt->map_size_max ? opt->map_size_max
						       : MAP_SIZE_MAX_DEFAULT);
	if (t->map_size_max < map_size) {
		t->map_size_max = map_size;
	}
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ERRORCHECK);
	rc = -pthread_mutex_init(&t->write_lock, &attr);
	pthread_mutexattr_destroy(&attr);
	if (rc) {
		goto err_free;
	}
	rc = -pthread_rwlock_init(&t->map_lock, NULL);
	if (rc) {
		goto err_write_lock;
	}
	rc = env_start(t, map_size);
	if (rc) {
		goto err_map_lock;
	}
	if (t->read_only) {
		rc = env_init_read_only(t, opt);
	} else {
		rc = tables_write(t, env_init, (void *)opt);
	}
	if (rc) {
		goto err_env;
	}
	*out = t;
	return 0;

err_env:
	mdb_env_close(t->env);
err_map_lock:
	pthread_rwlock_destroy(&t->map_lock);
err_write_lock:
	pthread_mutex_destroy(&t->write_lock);
err_free:
	free(t->dir);
	free(t);
	return rc;
}

void tables_close(struct tables *t)
{
	if (!t) {
		return;
	}
	mdb_env_close(t->env);
	pthread_rwlock_destroy(&t->map_lock);
	pthread_mutex_destroy(&t->write_lock);
	free(t->dir);
	free(t);
}

/* ---- statistics ----------------------------------------------------- */

void tables_get_stats(struct tables *t, struct tables_stats *out)
{
	MDB_envinfo info;
	MDB_stat st;

	memset(out, 0, sizeof(*out));
	pthread_rwlock_rdlock(&t->map_lock);
	if (mdb_env_info(t->env, &info) == 0 &&
	    mdb_env_stat(t->env, &st) == 0) {
		out->map_size = info.me_mapsize;
		out->map_used = ((uint64_t)info.me_last_pgno + 1) * st.ms_psize;
	}
	pthread_rwlock_unlock(&t->map_lock);
	out->map_resizes = atomic_load(&t->map_resizes);
	out->write_txns = atomic_load(&t->write_txns);
	out->write_retries = atomic_load(&t->write_retries);
	out->write_errors = atomic_load(&t->write_errors);
	out->events_trimmed = atomic_load(&t->events_trimmed);
}

int tables_count(struct tables_txn *txn, struct tables_counts *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	rc = tables_db_entries(txn, TABLES_DB_LNDT, &out->lndt);
	if (rc == 0) {
		rc = tables_db_entries(txn, TABLES_DB_GNDT, &out->gndt);
	}
	if (rc == 0) {
		rc = tables_db_entries(txn, TABLES_DB_HWDT, &out->hwdt);
	}
	if (rc == 0) {
		rc = tables_db_entries(txn, TABLES_DB_EVENTS, &out->events);
	}
	return rc;
}
