/*
 * Private to tables/: the environment, the transaction wrapper and the
 * helpers every table file uses to reach LMDB. Not for other modules.
 *
 * Locking inside one process:
 *   write_lock  serialises tables_write() (LMDB does too, across
 *               processes); error-checking, so a tables_write() from inside
 *               fn is -EDEADLK instead of a hang.
 *   map_lock    held shared by every open read transaction and exclusive
 *               by mdb_env_set_mapsize(), which LMDB allows only while no
 *               transaction of this process is active. Taken after
 *               write_lock, never before it.
 * A thread that holds a read transaction must therefore not need the map
 * to grow: tables_write() then fails with -EDEADLK rather than waiting for
 * itself.
 */
#ifndef TABLES_INTERNAL_H
#define TABLES_INTERNAL_H

#include <lmdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "tables/tables.h"

#define TABLES_SCHEMA 1 /* meta "schema"; refuse anything newer */

enum tables_db {
	TABLES_DB_META,
	TABLES_DB_LNDT,
	TABLES_DB_GNDT,
	TABLES_DB_HWDT,
	TABLES_DB_HWMAC, /* "hwdt_mac": (vn, mac, ip) -> version byte */
	TABLES_DB_EVENTS,
	TABLES_DB_CLAIMS, /* mobility claims; created on open if missing */
	TABLES_DB_COUNT,
};

struct tables {
	MDB_env *env;
	MDB_dbi dbi[TABLES_DB_COUNT];
	char *dir;
	bool read_only;
	size_t map_size_max;
	uint32_t events_max;
	pthread_mutex_t write_lock;
	pthread_rwlock_t map_lock;
	atomic_uint_fast64_t map_resizes;
	atomic_uint_fast64_t write_txns;
	atomic_uint_fast64_t write_retries;
	atomic_uint_fast64_t write_errors;
	atomic_uint_fast64_t events_trimmed;
};

struct tables_txn {
	struct tables *t;
	MDB_txn *txn;
	bool write;
	bool map_full; /* an LMDB call said MDB_MAP_FULL: grow and rerun */
	bool gen_loaded; /* gen holds the GNDT generation of this txn */
	bool gen_dirty; /* gen must be written to meta before commit */
	uint64_t gen;
	uint64_t trimmed; /* events dropped; counted once committed */
	unsigned *held; /* read: the reads_held of the thread that began it */
};

/* Translates an LMDB (or errno) result to a negative errno, logging
 * LMDB's message for anything unexpected; notes MDB_MAP_FULL in txn. */
int tables_error(struct tables_txn *txn, int rc, const char *what);

/* 0, -ENOENT or another negative errno. val is borrowed from the txn. */
int tables_db_get(struct tables_txn *txn, enum tables_db db, const void *key,
		  size_t klen, MDB_val *val);
int tables_db_put(struct tables_txn *txn, enum tables_db db, const void *key,
		  size_t klen, const void *val, size_t vlen);
/* -ENOENT when absent. */
int tables_db_del(struct tables_txn *txn, enum tables_db db, const void *key,
		  size_t klen);
int tables_db_cursor(struct tables_txn *txn, enum tables_db db,
		     MDB_cursor **out);
/* Positions c at the first key >= key (MDB_SET_RANGE), or at the first
 * key when klen is 0; then MDB_NEXT. -ENOENT past the end. */
int tables_cursor_seek(struct tables_txn *txn, MDB_cursor *c, const void *key,
		       size_t klen, MDB_val *k, MDB_val *v);
int tables_cursor_next(struct tables_txn *txn, MDB_cursor *c, MDB_val *k,
		       MDB_val *v);
/* Walks db in key order from the first key >= start (slen bytes; 0: from
 * the beginning) while the first plen bytes of the key equal those of
 * start. fn returns 0 to go on; anything else stops the walk and is
 * returned. fn must not write to db. */
typedef int (*tables_walk_fn)(const MDB_val *k, const MDB_val *v, void *arg);
int tables_db_walk(struct tables_txn *txn, enum tables_db db, const void *start,
		   size_t slen, size_t plen, tables_walk_fn fn, void *arg);
int tables_db_entries(struct tables_txn *txn, enum tables_db db, uint64_t *out);

/* meta.c: decimal u64 values, and the GNDT generation kept in meta. */
int tables_meta_get_u64(struct tables_txn *txn, const char *key, uint64_t *out);
int tables_meta_put_u64(struct tables_txn *txn, const char *key,
			uint64_t value);
/* Stamps a fresh environment (schema, created, router) or checks an
 * existing one: -EPROTO for no or a newer schema, -EEXIST for another
 * router's state dir. Logs why. */
int tables_meta_check(struct tables_txn *txn, bool fresh,
		      const char *router_name);
/* file.c: dir/data.mdb, if there is one, may be mapped: 0, -EUCLEAN
 * (empty, truncated or damaged) or -EPROTO (not LMDB's), logged. */
int tables_file_check(const char *dir);
/* gndt.c: writes a bumped generation back to meta before commit. */
int tables_gndt_flush(struct tables_txn *txn);

#endif
