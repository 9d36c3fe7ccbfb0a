/*
 * GNDT: (vn, prefix) -> owning router, seq, origin, times.
 *
 * The generation counter lives in meta ("gndt_generation"). A write
 * transaction loads it once, bumps it in memory on every put and del, and
 * tables_write() stores it just before commit (tables_gndt_flush), so a
 * load of a million entries costs one meta write, not a million.
 */
#include "tables/internal.h"

#include <errno.h>
#include <string.h>

#include "tables/codec.h"
#include "base/log.h"

#define GEN_KEY "gndt_generation"

static int gen_load(struct tables_txn *txn)
{
	int rc;

	if (txn->gen_loaded) {
		return 0;
	}
	rc = tables_meta_get_u64(txn, GEN_KEY, &txn->gen);
	if (rc == -ENOENT) {
		txn->gen = 0;
		rc = 0;
	}
	if (rc == -EBADMSG) {
		log_err("state dir %s: unreadable %s in meta", txn->t->dir,
			GEN_KEY);
	}
	if (rc == 0) {
		txn->gen_loaded = true;
	}
	return rc;
}

static int gen_bump(struct tables_txn *txn)
{
	int rc = gen_load(txn);

	if (rc == 0) {
		txn->gen++;
		txn->gen_dirty = true;
	}
	return rc;
}

int tables_gndt_flush(struct tables_txn *txn)
{
	if (!txn->gen_dirty) {
		return 0;
	}
	return tables_meta_put_u64(txn, GEN_KEY, txn->gen);
}

uint64_t tables_gndt_generation(struct tables_txn *txn)
{
	return gen_load(txn) ? 0 : txn->gen;
}

int tables_gndt_put(struct tables_txn *txn, const struct tables_gndt_entry *e)
{
	uint8_t key[TABLES_KEY_PREFIX_LEN], val[TABLES_VAL_GNDT_MAX];
	struct tables_gndt_entry rec = *e, old;
	bool forwarding_changed = true;
	size_t vlen;
	MDB_val v;
	int rc;

	rc = tables_codec_prefix_key(key, e->vn, &e->prefix);
	if (rc) {
		return rc;
	}
	rc = tables_db_get(txn, TABLES_DB_GNDT, key, sizeof(key), &v);
	if (rc == 0 &&
	    tables_codec_gndt_decode(&old, v.mv_data, v.mv_size) == 0) {
		rec.created_ms = old.created_ms;
		/* a refresh (only updated_ms moves) leaves the forwarding
		 * snapshot as it is: no rebuild for it */
		forwarding_changed = old.seq != rec.seq ||
				     old.origin != rec.origin ||
				     strcmp(old.router, rec.router) != 0;
	} else if (rc && rc != -ENOENT) {
		return rc;
	}
	rc = tables_codec_gndt_encode(val, &vlen, &rec);
	if (rc == 0) {
		rc = tables_db_put(txn, TABLES_DB_GNDT, key, sizeof(key), val,
				   vlen);
	}
	if (rc) {
		return rc;
	}
	return forwarding_changed ? gen_bump(txn) : 0;
}

int tables_gndt_get(struct tables_txn *txn, uint32_t vn,
		    const struct vrd_prefix *p, struct tables_gndt_entry *out)
{
	uint8_t key[TABLES_KEY_PREFIX_LEN];
	MDB_val v;
	int rc;

	rc = tables_codec_prefix_key(key, vn, p);
	if (rc == 0) {
		rc = tables_db_get(txn, TABLES_DB_GNDT, key, sizeof(key), &v);
	}
	if (rc == 0) {
		rc = tables_codec_gndt_decode(out, v.mv_data, v.mv_size);
	}
	if (rc == 0) {
		out->vn = vn;
		out->prefix = *p;
	}
	return rc;
}

int tables_gndt_del(struct tables_txn *txn, uint32_t vn,
		    const struct vrd_prefix *p)
{
	uint8_t key[TABLES_KEY_PREFIX_LEN];
	int rc;

	rc = tables_codec_prefix_key(key, vn, p);
	if (rc == 0) {
		rc = tables_db_del(txn, TABLES_DB_GNDT, key, sizeof(key));
	}
	return rc ? rc : gen_bump(txn);
}

struct gndt_walk {
	int (*fn)(const struct tables_gndt_entry *, void *);
	void *arg;
};

static int gndt_visit(const MDB_val *k, const MDB_val *v, void *arg)
{
	struct gndt_walk *w = arg;
	struct tables_gndt_entry e;
	int rc;

	rc = tables_codec_prefix_key_decode(&e.vn, &e.prefix, k->mv_data,
					    k->mv_size);
	if (rc == 0) {
		rc = tables_codec_gndt_decode(&e, v->mv_data, v->mv_size);
	}
	return rc ? rc : w->fn(&e, w->arg);
}

int tables_gndt_foreach(struct tables_txn *txn, uint32_t vn,
			int (*fn)(const struct tables_gndt_entry *, void *),
			void *arg)
{
	struct gndt_walk w = {.fn = fn, .arg = arg};
	uint8_t start[TABLES_KEY_VN_LEN];

	if (vn == TABLES_VN_ALL) {
		return tables_db_walk(txn, TABLES_DB_GNDT, NULL, 0, 0,
				      gndt_visit, &w);
	}
	tables_codec_vn_key(start, vn);
	return tables_db_walk(txn, TABLES_DB_GNDT, start, sizeof(start),
			      sizeof(start), gndt_visit, &w);
}
