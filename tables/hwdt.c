/*
 * HWDT: (vn, ip) -> MAC, with the index hwdt_mac (vn, mac, ip) kept in
 * step by every function here that writes.
 *
 * Learning: a new (vn, ip) or a MAC change starts first_seen_ms at
 * e->last_seen_ms; a refresh keeps first_seen_ms and never moves
 * last_seen_ms backwards (batches may arrive out of order). A static entry
 * refuses every learned source (-EPERM, entry unchanged, *prev filled); a
 * static learn overrides anything.
 */
#include "tables/internal.h"

#include <errno.h>
#include <string.h>

#include "tables/codec.h"
#include "base/log.h"

static int index_put(struct tables_txn *txn, uint32_t vn,
		     const struct vrd_mac *mac, uint32_t ip)
{
	uint8_t key[TABLES_KEY_HWMAC_LEN], val[TABLES_VAL_HWMAC_LEN];
	size_t vlen;

	tables_codec_hwmac_key(key, vn, mac, ip);
	vlen = tables_codec_hwmac_encode(val);
	return tables_db_put(txn, TABLES_DB_HWMAC, key, sizeof(key), val, vlen);
}

/* A missing index key is not worth failing a delete for. */
static int index_del(struct tables_txn *txn, uint32_t vn,
		     const struct vrd_mac *mac, uint32_t ip)
{
	uint8_t key[TABLES_KEY_HWMAC_LEN];
	int rc;

	tables_codec_hwmac_key(key, vn, mac, ip);
	rc = tables_db_del(txn, TABLES_DB_HWMAC, key, sizeof(key));
	return rc == -ENOENT ? 0 : rc;
}

static int entry_put(struct tables_txn *txn, const uint8_t *key,
		     const struct tables_hwdt_entry *e)
{
	uint8_t val[TABLES_VAL_HWDT_LEN];
	size_t vlen = tables_codec_hwdt_encode(val, e);

	return tables_db_put(txn, TABLES_DB_HWDT, key, TABLES_KEY_HWDT_LEN, val,
			     vlen);
}

static bool entry_same(const struct tables_hwdt_entry *a,
		       const struct tables_hwdt_entry *b)
{
	return vrd_mac_equal(&a->mac, &b->mac) && a->source == b->source &&
	       a->first_seen_ms == b->first_seen_ms &&
	       a->last_seen_ms == b->last_seen_ms;
}

int tables_hwdt_learn(struct tables_txn *txn, const struct tables_hwdt_entry *e,
		      struct tables_hwdt_entry *prev)
{
	uint8_t key[TABLES_KEY_HWDT_LEN];
	struct tables_hwdt_entry old, rec = *e;
	int rc;

	rc = tables_hwdt_get(txn, e->vn, e->ip, &old);
	if (rc && rc != -ENOENT) {
		return rc;
	}
	if (prev) {
		if (rc == 0) {
			*prev = old;
		} else {
			memset(prev, 0, sizeof(*prev));
		}
	}
	tables_codec_hwdt_key(key, e->vn, e->ip);
	rec.first_seen_ms = e->last_seen_ms;
	if (rc == -ENOENT) {
		rc = index_put(txn, e->vn, &e->mac, e->ip);
		if (rc == 0) {
			rc = entry_put(txn, key, &rec);
		}
		return rc ? rc : TABLES_HWDT_NEW;
	}
	if (old.source == TABLES_HWDT_STATIC &&
	    e->source != TABLES_HWDT_STATIC) {
		return -EPERM;
	}
	if (vrd_mac_equal(&old.mac, &e->mac)) {
		rec.first_seen_ms = old.first_seen_ms;
		if (rec.last_seen_ms < old.last_seen_ms) {
			rec.last_seen_ms = old.last_seen_ms;
		}
		if (entry_same(&rec, &old)) {
			return TABLES_HWDT_REFRESHED;
		}
		rc = entry_put(txn, key, &rec);
		return rc ? rc : TABLES_HWDT_REFRESHED;
	}
	rc = index_del(txn, e->vn, &old.mac, e->ip);
	if (rc == 0) {
		rc = index_put(txn, e->vn, &e->mac, e->ip);
	}
	if (rc == 0) {
		rc = entry_put(txn, key, &rec);
	}
	return rc ? rc : TABLES_HWDT_MOVED;
}

int tables_hwdt_get(struct tables_txn *txn, uint32_t vn, uint32_t ip,
		    struct tables_hwdt_entry *out)
{
	uint8_t key[TABLES_KEY_HWDT_LEN];
	MDB_val v;
	int rc;

	tables_codec_hwdt_key(key, vn, ip);
	rc = tables_db_get(txn, TABLES_DB_HWDT, key, sizeof(key), &v);
	if (rc == 0) {
		rc = tables_codec_hwdt_decode(out, v.mv_data, v.mv_size);
	}
	if (rc == 0) {
		out->vn = vn;
		out->ip = ip;
	}
	return rc;
}

int tables_hwdt_del(struct tables_txn *txn, uint32_t vn, uint32_t ip)
{
	uint8_t key[TABLES_KEY_HWDT_LEN];
	struct tables_hwdt_entry old;
	int rc;

	rc = tables_hwdt_get(txn, vn, ip, &old);
	if (rc) {
		return rc;
	}
	rc = index_del(txn, vn, &old.mac, ip);
	if (rc) {
		return rc;
	}
	tables_codec_hwdt_key(key, vn, ip);
	return tables_db_del(txn, TABLES_DB_HWDT, key, sizeof(key));
}

struct hwdt_walk {
	struct tables_txn *txn;
	int (*fn)(const struct tables_hwdt_entry *, void *);
	void *arg;
};

static int mac_visit(const MDB_val *k, const MDB_val *v, void *arg)
{
	struct hwdt_walk *w = arg;
	struct tables_hwdt_entry e;
	struct vrd_mac mac;
	uint32_t vn, ip;
	int rc;

	rc = tables_codec_hwmac_key_decode(&vn, &mac, &ip, k->mv_data,
					   k->mv_size);
	if (rc) {
		return rc;
	}
	rc = tables_hwdt_get(w->txn, vn, ip, &e);
	/* The index and the table change in one transaction: a key that
	 * disagrees with the table is damage, not a race. */
	if (rc == -ENOENT || (rc == 0 && !vrd_mac_equal(&e.mac, &mac))) {
		log_err("state dir %s: hwdt_mac index out of step with hwdt",
			w->txn->t->dir);
		return -EIO;
	}
	return rc ? rc : w->fn(&e, w->arg);
}

int tables_hwdt_foreach_mac(struct tables_txn *txn, uint32_t vn,
			    const struct vrd_mac *mac,
			    int (*fn)(const struct tables_hwdt_entry *, void *),
			    void *arg)
{
	struct hwdt_walk w = {.txn = txn, .fn = fn, .arg = arg};
	uint8_t start[TABLES_KEY_HWMAC_LEN];

	tables_codec_hwmac_key(start, vn, mac, 0);
	return tables_db_walk(txn, TABLES_DB_HWMAC, start, sizeof(start),
			      TABLES_KEY_HWMAC_PREFIX_LEN, mac_visit, &w);
}

static int hwdt_visit(const MDB_val *k, const MDB_val *v, void *arg)
{
	struct hwdt_walk *w = arg;
	struct tables_hwdt_entry e;
	int rc;

	rc = tables_codec_hwdt_key_decode(&e.vn, &e.ip, k->mv_data, k->mv_size);
	if (rc == 0) {
		rc = tables_codec_hwdt_decode(&e, v->mv_data, v->mv_size);
	}
	return rc ? rc : w->fn(&e, w->arg);
}

int tables_hwdt_foreach(struct tables_txn *txn, uint32_t vn,
			int (*fn)(const struct tables_hwdt_entry *, void *),
			void *arg)
{
	struct hwdt_walk w = {.txn = txn, .fn = fn, .arg = arg};
	uint8_t start[TABLES_KEY_VN_LEN];

	if (vn == TABLES_VN_ALL) {
		return tables_db_walk(txn, TABLES_DB_HWDT, NULL, 0, 0,
				      hwdt_visit, &w);
	}
	tables_codec_vn_key(start, vn);
	return tables_db_walk(txn, TABLES_DB_HWDT, start, sizeof(start),
			      sizeof(start), hwdt_visit, &w);
}

/* Deletes the entry under c (and its index key); c moves to the next. */
static int expire_one(struct tables_txn *txn, MDB_cursor *c,
		      const struct tables_hwdt_entry *e)
{
	int rc = index_del(txn, e->vn, &e->mac, e->ip);

	if (rc) {
		return rc;
	}
	rc = mdb_cursor_del(c, 0);
	return rc ? tables_error(txn, rc, "hwdt expire") : 0;
}

int tables_hwdt_expire(struct tables_txn *txn, uint64_t cutoff_ms,
		       void (*fn)(const struct tables_hwdt_entry *, void *),
		       void *arg)
{
	struct tables_hwdt_entry e;
	MDB_cursor *c;
	MDB_val k, v;
	int n = 0, rc;

	if (!txn->write) {
		return -EROFS;
	}
	rc = tables_db_cursor(txn, TABLES_DB_HWDT, &c);
	if (rc) {
		return rc;
	}
	rc = tables_cursor_seek(txn, c, NULL, 0, &k, &v);
	while (rc == 0) {
		rc = tables_codec_hwdt_key_decode(&e.vn, &e.ip, k.mv_data,
						  k.mv_size);
		if (rc == 0) {
			rc = tables_codec_hwdt_decode(&e, v.mv_data, v.mv_size);
		}
		if (rc) {
			break;
		}
		if (e.source == TABLES_HWDT_STATIC ||
		    e.last_seen_ms >= cutoff_ms) {
			rc = tables_cursor_next(txn, c, &k, &v);
			continue;
		}
		if (fn) {
			fn(&e, arg);
		}
		rc = expire_one(txn, c, &e);
		if (rc) {
			break;
		}
		n++;
		/* After a delete LMDB's cursor already sits on the next
		 * entry; MDB_NEXT returns that one, not the one after. */
		rc = tables_cursor_next(txn, c, &k, &v);
	}
	mdb_cursor_close(c);
	if (rc && rc != -ENOENT) {
		return rc;
	}
	return n;
}
