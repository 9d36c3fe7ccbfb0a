/*
 * Mobility claims: (vn, ip) -> MAC, owning router, sequence numbers, the
 * move history and the freeze (gossip/claim.h decides; this stores).
 */
#include "tables/internal.h"

#include <errno.h>

#include "tables/codec.h"

int tables_claim_put(struct tables_txn *txn, const struct tables_claim_entry *e)
{
	uint8_t key[TABLES_KEY_CLAIM_LEN], val[TABLES_VAL_CLAIM_MAX];
	size_t vlen;
	int rc;

	rc = tables_codec_claim_encode(val, &vlen, e);
	if (rc) {
		return rc;
	}
	tables_codec_claim_key(key, e->vn, e->ip);
	return tables_db_put(txn, TABLES_DB_CLAIMS, key, sizeof(key), val,
			     vlen);
}

int tables_claim_get(struct tables_txn *txn, uint32_t vn, uint32_t ip,
		     struct tables_claim_entry *out)
{
	uint8_t key[TABLES_KEY_CLAIM_LEN];
	MDB_val v;
	int rc;

	tables_codec_claim_key(key, vn, ip);
	rc = tables_db_get(txn, TABLES_DB_CLAIMS, key, sizeof(key), &v);
	if (rc == 0) {
		rc = tables_codec_claim_decode(out, v.mv_data, v.mv_size);
	}
	if (rc == 0) {
		out->vn = vn;
		out->ip = ip;
	}
	return rc;
}

int tables_claim_del(struct tables_txn *txn, uint32_t vn, uint32_t ip)
{
	uint8_t key[TABLES_KEY_CLAIM_LEN];

	tables_codec_claim_key(key, vn, ip);
	return tables_db_del(txn, TABLES_DB_CLAIMS, key, sizeof(key));
}

struct claim_walk {
	int (*fn)(const struct tables_claim_entry *, void *);
	void *arg;
};

static int claim_visit(const MDB_val *k, const MDB_val *v, void *arg)
{
	struct claim_walk *w = arg;
	struct tables_claim_entry e;
	int rc;

	rc = tables_codec_claim_key_decode(&e.vn, &e.ip, k->mv_data,
					   k->mv_size);
	if (rc == 0) {
		rc = tables_codec_claim_decode(&e, v->mv_data, v->mv_size);
	}
	return rc ? rc : w->fn(&e, w->arg);
}

int tables_claim_foreach(struct tables_txn *txn, uint32_t vn,
			 int (*fn)(const struct tables_claim_entry *, void *),
			 void *arg)
{
	struct claim_walk w = {.fn = fn, .arg = arg};
	uint8_t start[TABLES_KEY_VN_LEN];

	if (vn == TABLES_VN_ALL) {
		return tables_db_walk(txn, TABLES_DB_CLAIMS, NULL, 0, 0,
				      claim_visit, &w);
	}
	tables_codec_vn_key(start, vn);
	return tables_db_walk(txn, TABLES_DB_CLAIMS, start, sizeof(start),
			      sizeof(start), claim_visit, &w);
}

int tables_claim_count(struct tables_txn *txn, uint64_t *out)
{
	return tables_db_entries(txn, TABLES_DB_CLAIMS, out);
}
