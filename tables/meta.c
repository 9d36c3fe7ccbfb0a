/*
 * meta: short text values under text keys. "schema", "router", "created"
 * are stamped when the environment is created; "mode" by the daemon;
 * "gndt_generation" counts GNDT changes (gndt.c).
 */
#include "tables/internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tables/codec.h"
#include "base/clock.h"
#include "base/log.h"

#define META_KEY_MAX 64

static int key_check(const char *key)
{
	size_t n = strnlen(key, META_KEY_MAX + 1);

	return n == 0 || n > META_KEY_MAX ? -EINVAL : 0;
}

int tables_meta_get(struct tables_txn *txn, const char *key,
		    char buf[TABLES_META_VALUE_MAX])
{
	MDB_val v;
	int rc;

	rc = key_check(key);
	if (rc == 0) {
		rc = tables_db_get(txn, TABLES_DB_META, key, strlen(key), &v);
	}
	if (rc == 0) {
		rc = tables_codec_meta_decode(buf, v.mv_data, v.mv_size);
	}
	return rc;
}

int tables_meta_put(struct tables_txn *txn, const char *key, const char *value)
{
	uint8_t val[TABLES_VAL_META_MAX];
	size_t len;
	int rc;

	rc = key_check(key);
	if (rc == 0) {
		rc = tables_codec_meta_encode(val, &len, value);
	}
	if (rc == 0) {
		rc = tables_db_put(txn, TABLES_DB_META, key, strlen(key), val,
				   len);
	}
	return rc;
}

/* Strict decimal: digits only, no sign, no overflow. */
static int parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (*s == '\0') {
		return -EBADMSG;
	}
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10) {
			return -EBADMSG;
		}
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 0;
}

int tables_meta_get_u64(struct tables_txn *txn, const char *key, uint64_t *out)
{
	char buf[TABLES_META_VALUE_MAX];
	int rc;

	rc = tables_meta_get(txn, key, buf);
	return rc ? rc : parse_u64(buf, out);
}

int tables_meta_put_u64(struct tables_txn *txn, const char *key, uint64_t value)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRIu64, value);
	return tables_meta_put(txn, key, buf);
}

static int meta_stamp(struct tables_txn *txn, const char *router_name)
{
	int rc;

	rc = tables_meta_put_u64(txn, "schema", TABLES_SCHEMA);
	if (rc == 0) {
		rc = tables_meta_put_u64(txn, "created", vrd_wallclock_ms());
	}
	if (rc == 0 && router_name) {
		rc = tables_meta_put(txn, "router", router_name);
	}
	return rc;
}

static int schema_check(struct tables_txn *txn)
{
	const char *dir = txn->t->dir;
	uint64_t schema;
	int rc;

	rc = tables_meta_get_u64(txn, "schema", &schema);
	if (rc == -ENOENT) {
		log_err("state dir %s: not a vrd environment (no schema in "
			"meta)",
			dir);
		return -EPROTO;
	}
	if (rc == -EBADMSG || (rc == 0 && schema == 0)) {
		log_err("state dir %s: unreadable schema in meta", dir);
		return -EPROTO;
	}
	if (rc) {
		return rc;
	}
	if (schema > TABLES_SCHEMA) {
		log_err("state dir %s: schema %" PRIu64 " is newer than this "
			"vrd knows (%d)",
			dir, schema, TABLES_SCHEMA);
		return -EPROTO;
	}
	return 0;
}

int tables_meta_check(struct tables_txn *txn, bool fresh,
		      const char *router_name)
{
	char name[TABLES_META_VALUE_MAX];
	int rc;

	if (fresh) {
		return meta_stamp(txn, router_name);
	}
	rc = schema_check(txn);
	if (rc || !router_name) {
		return rc;
	}
	rc = tables_meta_get(txn, "router", name);
	if (rc == -ENOENT) {
		/* Created without a name: this router claims it. */
		return txn->write ? tables_meta_put(txn, "router", router_name)
				  : 0;
	}
	if (rc) {
		return rc;
	}
	if (strcmp(name, router_name) != 0) {
		log_err("state dir %s: belongs to router %s, not %s",
			txn->t->dir, name, router_name);
		return -EEXIST;
	}
	return 0;
}
