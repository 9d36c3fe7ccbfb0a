/*
 * Rows and replies (vrd/row.h): typed field appenders, the reply's row
 * array, and the table entries as rows. Column order is chosen to read
 * well left to right: the key first (prefix or ip), then what it maps to,
 * then the virtual network, how it was learned, and the times.
 */
#include "vrd/row.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Claims the next field of r under name; NULL with *err set when the row
 * is full or the name does not fit. */
static struct vrd_field *field_new(struct vrd_row *r, const char *name,
				   uint8_t type, int *err)
{
	struct vrd_field *f;
	size_t len;

	if (r->n >= VRD_ROW_FIELDS_MAX) {
		*err = -ENOSPC;
		return NULL;
	}
	len = name ? strnlen(name, VRD_FIELD_NAME_MAX + 1) : 0;
	if (len == 0 || len > VRD_FIELD_NAME_MAX) {
		*err = -EINVAL;
		return NULL;
	}
	f = &r->f[r->n];
	memset(f, 0, sizeof(*f));
	memcpy(f->name, name, len);
	f->type = type;
	return f;
}

int vrd_row_add_str(struct vrd_row *r, const char *name, const char *fmt, ...)
{
	struct vrd_field *f;
	va_list ap;
	int err, n;

	f = field_new(r, name, VRD_FIELD_STR, &err);
	if (!f) {
		return err;
	}
	va_start(ap, fmt);
	n = vsnprintf(f->v.s, sizeof(f->v.s), fmt, ap);
	va_end(ap);
	if (n < 0 || n > VRD_FIELD_STR_MAX) {
		return -EINVAL;
	}
	r->n++;
	return 0;
}

int vrd_row_add_u64(struct vrd_row *r, const char *name, uint64_t v)
{
	struct vrd_field *f;
	int err;

	f = field_new(r, name, VRD_FIELD_U64, &err);
	if (!f) {
		return err;
	}
	f->v.u = v;
	r->n++;
	return 0;
}

int vrd_row_add_i64(struct vrd_row *r, const char *name, int64_t v)
{
	struct vrd_field *f;
	int err;

	f = field_new(r, name, VRD_FIELD_I64, &err);
	if (!f) {
		return err;
	}
	f->v.i = v;
	r->n++;
	return 0;
}

int vrd_row_add_bool(struct vrd_row *r, const char *name, bool v)
{
	struct vrd_field *f;
	int err;

	f = field_new(r, name, VRD_FIELD_BOOL, &err);
	if (!f) {
		return err;
	}
	f->v.b = v;
	r->n++;
	return 0;
}

int vrd_row_add_time(struct vrd_row *r, const char *name, uint64_t unix_ms)
{
	struct vrd_field *f;
	int err;

	f = field_new(r, name, VRD_FIELD_TIME, &err);
	if (!f) {
		return err;
	}
	f->v.u = unix_ms;
	r->n++;
	return 0;
}

int vrd_row_add_null(struct vrd_row *r, const char *name)
{
	struct vrd_field *f;
	int err;

	f = field_new(r, name, VRD_FIELD_NULL, &err);
	if (!f) {
		return err;
	}
	r->n++;
	return 0;
}

const struct vrd_field *vrd_row_find(const struct vrd_row *r, const char *name)
{
	for (unsigned i = 0; i < r->n && i < VRD_ROW_FIELDS_MAX; i++) {
		if (strcmp(r->f[i].name, name) == 0) {
			return &r->f[i];
		}
	}
	return NULL;
}

/* ---- table entries -------------------------------------------------- */

/* A known enum value by name; an unknown one (a newer writer) as its
 * number, so nothing is hidden. */
static void add_enum(struct vrd_row *r, const char *field, const char *name,
		     unsigned value)
{
	if (name) {
		vrd_row_add_str(r, field, "%s", name);
	} else {
		vrd_row_add_str(r, field, "%u", value);
	}
}

/* The converters below stay far under VRD_ROW_FIELDS_MAX and every value
 * fits its field, so the appenders cannot fail. */

void vrd_row_from_lndt(struct vrd_row *r, const struct tables_lndt_entry *e)
{
	char p[VRD_PREFIX_STRLEN];

	r->n = 0;
	vrd_row_add_str(r, "prefix", "%s", vrd_prefix_format(&e->prefix, p));
	vrd_row_add_u64(r, "vn", e->vn);
	add_enum(r, "source", tables_lndt_source_name(e->source), e->source);
	vrd_row_add_time(r, "added", e->added_ms);
}

void vrd_row_from_gndt(struct vrd_row *r, const struct tables_gndt_entry *e)
{
	char p[VRD_PREFIX_STRLEN];

	r->n = 0;
	vrd_row_add_str(r, "prefix", "%s", vrd_prefix_format(&e->prefix, p));
	vrd_row_add_str(r, "router", "%.*s", VRD_NAME_MAX, e->router);
	vrd_row_add_u64(r, "seq", e->seq);
	vrd_row_add_u64(r, "vn", e->vn);
	add_enum(r, "origin", tables_gndt_origin_name(e->origin), e->origin);
	vrd_row_add_time(r, "created", e->created_ms);
	vrd_row_add_time(r, "updated", e->updated_ms);
}

void vrd_row_from_hwdt(struct vrd_row *r, const struct tables_hwdt_entry *e)
{
	char ip[VRD_IPV4_STRLEN], mac[VRD_MAC_STRLEN];

	r->n = 0;
	vrd_row_add_str(r, "ip", "%s", vrd_ipv4_format(e->ip, ip));
	vrd_row_add_str(r, "mac", "%s", vrd_mac_format(&e->mac, mac));
	vrd_row_add_u64(r, "vn", e->vn);
	add_enum(r, "source", tables_hwdt_source_name(e->source), e->source);
	vrd_row_add_time(r, "first_seen", e->first_seen_ms);
	vrd_row_add_time(r, "last_seen", e->last_seen_ms);
}

void vrd_row_from_event(struct vrd_row *r, const struct tables_event *ev)
{
	unsigned n = ev->nfields;

	if (n > TABLES_EVENT_FIELDS_MAX) {
		n = TABLES_EVENT_FIELDS_MAX;
	}
	r->n = 0;
	vrd_row_add_time(r, "time", ev->time_ms);
	vrd_row_add_u64(r, "id", ev->id);
	vrd_row_add_str(r, "type", "%.*s", TABLES_EVENT_TYPE_MAX, ev->type);
	for (unsigned i = 0; i < n; i++) {
		const struct tables_event_field *f = &ev->fields[i];

		vrd_row_add_str(r, f->key, "%.*s", TABLES_EVENT_VALUE_MAX,
				f->value);
	}
}

/* ---- replies -------------------------------------------------------- */

void vrd_reply_init(struct vrd_reply *rep, enum vrd_reply_kind kind)
{
	memset(rep, 0, sizeof(*rep));
	rep->kind = (uint8_t)kind;
}

void vrd_reply_free(struct vrd_reply *rep)
{
	if (!rep) {
		return;
	}
	free(rep->rows);
	rep->rows = NULL;
	rep->nrows = 0;
	rep->caprows = 0;
}

struct vrd_row *vrd_reply_row(struct vrd_reply *rep)
{
	struct vrd_row *row;

	if (rep->nrows == rep->caprows) {
		size_t cap = rep->caprows ? rep->caprows * 2 : 16;
		struct vrd_row *rows;

		if (cap > SIZE_MAX / sizeof(*rows)) {
			errno = ENOMEM;
			return NULL;
		}
		rows = realloc(rep->rows, cap * sizeof(*rows));
		if (!rows) {
			return NULL;
		}
		rep->rows = rows;
		rep->caprows = cap;
	}
	row = &rep->rows[rep->nrows++];
	memset(row, 0, sizeof(*row));
	return row;
}

int vrd_reply_error(struct vrd_reply *rep, int status, const char *fmt, ...)
{
	va_list ap;

	rep->status = status;
	va_start(ap, fmt);
	vsnprintf(rep->message, sizeof(rep->message), fmt, ap);
	va_end(ap);
	return status;
}
