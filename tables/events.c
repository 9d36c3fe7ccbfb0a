/*
 * The event log: id (u64, big-endian) -> time, type, fields.
 *
 * The next id is the last key plus one. Trimming removes the oldest
 * entries only and an add always leaves its own entry, so the last key is
 * the highest id ever given and ids are never reused.
 */
#include "tables/internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tables/codec.h"
#include "base/clock.h"

int tables_event_set(struct tables_event *ev, const char *key, const char *fmt,
		     ...)
{
	struct tables_event_field *f;
	size_t klen = strlen(key);
	va_list ap;
	int n;

	if (ev->nfields >= TABLES_EVENT_FIELDS_MAX) {
		return -ENOSPC;
	}
	if (klen == 0 || klen > TABLES_EVENT_KEY_MAX) {
		return -EINVAL;
	}
	f = &ev->fields[ev->nfields];
	va_start(ap, fmt);
	n = vsnprintf(f->value, sizeof(f->value), fmt, ap);
	va_end(ap);
	if (n < 0 || n > TABLES_EVENT_VALUE_MAX) {
		f->value[0] = '\0';
		return -EINVAL;
	}
	memcpy(f->key, key, klen + 1);
	ev->nfields++;
	return 0;
}

/* The id after the last one in the log (1 for an empty log). */
static int next_id(struct tables_txn *txn, uint64_t *out)
{
	MDB_cursor *c;
	MDB_val k, v;
	uint64_t last;
	int rc;

	rc = tables_db_cursor(txn, TABLES_DB_EVENTS, &c);
	if (rc) {
		return rc;
	}
	rc = mdb_cursor_get(c, &k, &v, MDB_LAST);
	mdb_cursor_close(c);
	if (rc == MDB_NOTFOUND) {
		*out = 1;
		return 0;
	}
	if (rc) {
		return tables_error(txn, rc, "events");
	}
	rc = tables_codec_event_key_decode(&last, k.mv_data, k.mv_size);
	if (rc) {
		return rc;
	}
	*out = last + 1;
	return 0;
}

/* Drops the oldest events while the log holds more than events_max. */
static int trim(struct tables_txn *txn)
{
	MDB_cursor *c;
	MDB_val k, v;
	uint64_t count;
	int rc;

	rc = tables_db_entries(txn, TABLES_DB_EVENTS, &count);
	if (rc || count <= txn->t->events_max) {
		return rc;
	}
	rc = tables_db_cursor(txn, TABLES_DB_EVENTS, &c);
	if (rc) {
		return rc;
	}
	for (; count > txn->t->events_max; count--) {
		rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
		if (rc == 0) {
			rc = mdb_cursor_del(c, 0);
		}
		if (rc) {
			rc = tables_error(txn, rc, "events trim");
			break;
		}
		txn->trimmed++;
	}
	mdb_cursor_close(c);
	return rc;
}

int tables_event_add(struct tables_txn *txn, struct tables_event *ev)
{
	uint8_t key[TABLES_KEY_EVENT_LEN], val[TABLES_VAL_EVENT_MAX];
	size_t vlen;
	uint64_t id = 0;
	int rc;

	if (!txn->write) {
		return -EROFS;
	}
	if (ev->time_ms == 0) {
		ev->time_ms = vrd_wallclock_ms();
	}
	rc = tables_codec_event_encode(val, &vlen, ev);
	if (rc == 0) {
		rc = next_id(txn, &id);
	}
	if (rc) {
		return rc;
	}
	tables_codec_event_key(key, id);
	rc = tables_db_put(txn, TABLES_DB_EVENTS, key, sizeof(key), val, vlen);
	if (rc) {
		return rc;
	}
	ev->id = id;
	return trim(txn);
}

struct event_walk {
	int (*fn)(const struct tables_event *, void *);
	void *arg;
};

static int event_visit(const MDB_val *k, const MDB_val *v, void *arg)
{
	struct event_walk *w = arg;
	struct tables_event ev;
	int rc;

	memset(&ev, 0, sizeof(ev));
	rc = tables_codec_event_key_decode(&ev.id, k->mv_data, k->mv_size);
	if (rc == 0) {
		rc = tables_codec_event_decode(&ev, v->mv_data, v->mv_size);
	}
	return rc ? rc : w->fn(&ev, w->arg);
}

int tables_event_foreach(struct tables_txn *txn, uint64_t from_id,
			 int (*fn)(const struct tables_event *, void *),
			 void *arg)
{
	struct event_walk w = {.fn = fn, .arg = arg};
	uint8_t start[TABLES_KEY_EVENT_LEN];

	tables_codec_event_key(start, from_id);
	return tables_db_walk(txn, TABLES_DB_EVENTS, start, sizeof(start), 0,
			      event_visit, &w);
}
