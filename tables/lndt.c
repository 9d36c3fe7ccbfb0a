/* LNDT: (vn, prefix) -> what this router serves and admits. */
#include "tables/internal.h"

#include <errno.h>
#include <string.h>

#include "tables/codec.h"

int tables_lndt_put(struct tables_txn *txn, const struct tables_lndt_entry *e)
{
	uint8_t key[TABLES_KEY_PREFIX_LEN], val[TABLES_VAL_LNDT_LEN];
	size_t vlen;
	int rc;

	rc = tables_codec_prefix_key(key, e->vn, &e->prefix);
	if (rc) {
		return rc;
	}
	vlen = tables_codec_lndt_encode(val, e);
	return tables_db_put(txn, TABLES_DB_LNDT, key, sizeof(key), val, vlen);
}

int tables_lndt_get(struct tables_txn *txn, uint32_t vn,
		    const struct vrd_prefix *p, struct tables_lndt_entry *out)
{
	uint8_t key[TABLES_KEY_PREFIX_LEN];
	MDB_val v;
	int rc;

	rc = tables_codec_prefix_key(key, vn, p);
	if (rc == 0) {
		rc = tables_db_get(txn, TABLES_DB_LNDT, key, sizeof(key), &v);
	}
	if (rc == 0) {
		rc = tables_codec_lndt_decode(out, v.mv_data, v.mv_size);
	}
	if (rc == 0) {
		out->vn = vn;
		out->prefix = *p;
	}
	return rc;
}

int tables_lndt_del(struct tables_txn *txn, uint32_t vn,
		    const struct vrd_prefix *p)
{
	uint8_t key[TABLES_KEY_PREFIX_LEN];
	int rc;

	rc = tables_codec_prefix_key(key, vn, p);
	return rc ? rc : tables_db_del(txn, TABLES_DB_LNDT, key, sizeof(key));
}

/* The LNDT holds a handful of prefixes per VN: probing the 33 possible
 * lengths, longest first, costs 33 point lookups and no cursor. */
int tables_lndt_match(struct tables_txn *txn, uint32_t vn, uint32_t ip,
		      struct tables_lndt_entry *out)
{
	struct vrd_prefix p;
	int len, rc;

	for (len = 32; len >= 0; len--) {
		p.len = (uint8_t)len;
		p.addr = ip & vrd_prefix_mask(p.len);
		rc = tables_lndt_get(txn, vn, &p, out);
		if (rc != -ENOENT) {
			return rc;
		}
	}
	return -ENOENT;
}

struct lndt_walk {
	int (*fn)(const struct tables_lndt_entry *, void *);
	void *arg;
};

static int lndt_visit(const MDB_val *k, const MDB_val *v, void *arg)
{
	struct lndt_walk *w = arg;
	struct tables_lndt_entry e;
	int rc;

	rc = tables_codec_prefix_key_decode(&e.vn, &e.prefix, k->mv_data,
					    k->mv_size);
	if (rc == 0) {
		rc = tables_codec_lndt_decode(&e, v->mv_data, v->mv_size);
	}
	return rc ? rc : w->fn(&e, w->arg);
}

int tables_lndt_foreach(struct tables_txn *txn, uint32_t vn,
			int (*fn)(const struct tables_lndt_entry *, void *),
			void *arg)
{
	struct lndt_walk w = {.fn = fn, .arg = arg};
	uint8_t start[TABLES_KEY_VN_LEN];

	if (vn == TABLES_VN_ALL) {
		return tables_db_walk(txn, TABLES_DB_LNDT, NULL, 0, 0,
				      lndt_visit, &w);
	}
	tables_codec_vn_key(start, vn);
	return tables_db_walk(txn, TABLES_DB_LNDT, start, sizeof(start),
			      sizeof(start), lndt_visit, &w);
}
