/*
 * Rows and replies (vrctl/row.h): typed field appenders, the table entries
 * as rows, the ROW body encoding and replies that keep their rows in it. Column order is chosen to read
 * well left to right: the key first (prefix or ip), then what it maps to,
 * then the virtual network, how it was learned, and the times.
 */
#include "vrctl/row.h"

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

/* ---- buffer --------------------------------------------------------- */

void vrd_buf_free(struct vrd_buf *b)
{
	if (!b) {
		return;
	}
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

int vrd_buf_reserve(struct vrd_buf *b, size_t more)
{
	size_t cap;
	uint8_t *p;

	/* no buffer of half the address space: a length gone wrong */
	if (more > SIZE_MAX / 2 - b->len) {
		return -ENOMEM;
	}
	if (b->len + more <= b->cap) {
		return 0;
	}
	cap = b->cap ? b->cap : 256;
	while (cap < b->len + more) {
		cap *= 2;
	}
	p = realloc(b->data, cap);
	if (!p) {
		return -ENOMEM;
	}
	b->data = p;
	b->cap = cap;
	return 0;
}

void vrd_buf_consume(struct vrd_buf *b, size_t n)
{
	if (n >= b->len) {
		b->len = 0;
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
}

/* ---- ROW body encoding ---------------------------------------------- */

static bool type_valid(uint8_t t)
{
	return t >= VRD_FIELD_STR && t <= VRD_FIELD_NULL;
}

/* Encoded size of f's value. */
static size_t value_size(const struct vrd_field *f)
{
	switch (f->type) {
	case VRD_FIELD_STR:
		return 2 + strlen(f->v.s);
	case VRD_FIELD_U64:
	case VRD_FIELD_I64:
	case VRD_FIELD_TIME:
		return 8;
	case VRD_FIELD_BOOL:
		return 1;
	}
	return 0;
}

/* The encoded size of row, or 0 when a ROW cannot carry it. */
static size_t row_size(const struct vrd_row *row)
{
	size_t size = 1;

	if (row->n > VRD_ROW_FIELDS_MAX) {
		return 0;
	}
	for (unsigned i = 0; i < row->n; i++) {
		const struct vrd_field *f = &row->f[i];
		size_t nl = strnlen(f->name, sizeof(f->name));

		if (nl == 0 || nl > VRD_FIELD_NAME_MAX ||
		    !type_valid(f->type)) {
			return 0;
		}
		if (f->type == VRD_FIELD_STR &&
		    strnlen(f->v.s, sizeof(f->v.s)) > VRD_FIELD_STR_MAX) {
			return 0;
		}
		size += 1 + nl + 1 + value_size(f);
	}
	return size;
}

/* row, which row_size() has passed, into w. */
static void row_put(struct vrd_writer *w, const struct vrd_row *row)
{
	vrd_writer_u8(w, (uint8_t)row->n);
	for (unsigned i = 0; i < row->n; i++) {
		const struct vrd_field *f = &row->f[i];
		size_t nl = strlen(f->name);

		vrd_writer_u8(w, (uint8_t)nl);
		vrd_writer_put(w, f->name, nl);
		vrd_writer_u8(w, f->type);
		switch (f->type) {
		case VRD_FIELD_STR:
			vrd_writer_u16(w, (uint16_t)strlen(f->v.s));
			vrd_writer_put(w, f->v.s, strlen(f->v.s));
			break;
		case VRD_FIELD_U64:
		case VRD_FIELD_TIME:
			vrd_writer_u64(w, f->v.u);
			break;
		case VRD_FIELD_I64:
			vrd_writer_u64(w, (uint64_t)f->v.i);
			break;
		case VRD_FIELD_BOOL:
			vrd_writer_u8(w, f->v.b ? 1 : 0);
			break;
		case VRD_FIELD_NULL:
			break;
		}
	}
}

int vrd_row_write(struct vrd_writer *w, const struct vrd_row *row)
{
	if (row_size(row) == 0) {
		return -EINVAL;
	}
	row_put(w, row);
	return 0;
}

int vrd_row_encode(struct vrd_buf *b, const struct vrd_row *row)
{
	size_t size = row_size(row);
	struct vrd_writer w;

	if (size == 0) {
		return -EINVAL;
	}
	if (vrd_buf_reserve(b, size) < 0) {
		return -ENOMEM;
	}
	vrd_writer_init(&w, b->data + b->len, size);
	/* size counts every byte: w cannot overflow */
	row_put(&w, row);
	b->len += w.len;
	return 0;
}

static bool get_field(struct vrd_reader *r, struct vrd_field *f)
{
	uint8_t nl, type, b;
	uint16_t sl;

	memset(f, 0, sizeof(*f));
	nl = vrd_reader_u8(r);
	if (nl == 0 || nl > VRD_FIELD_NAME_MAX ||
	    !vrd_reader_text(r, nl, f->name)) {
		return false;
	}
	type = vrd_reader_u8(r);
	if (!type_valid(type)) {
		return false;
	}
	f->type = type;
	switch (type) {
	case VRD_FIELD_STR:
		sl = vrd_reader_u16(r);
		return sl <= VRD_FIELD_STR_MAX &&
		       vrd_reader_text(r, sl, f->v.s);
	case VRD_FIELD_U64:
	case VRD_FIELD_TIME:
		f->v.u = vrd_reader_u64(r);
		break;
	case VRD_FIELD_I64:
		f->v.i = (int64_t)vrd_reader_u64(r);
		break;
	case VRD_FIELD_BOOL:
		b = vrd_reader_u8(r);
		if (b > 1) {
			return false;
		}
		f->v.b = b;
		break;
	}
	return !r->short_read; /* VRD_FIELD_NULL: no value */
}

int vrd_row_decode(const uint8_t *body, size_t len, struct vrd_row *out)
{
	struct vrd_reader r;
	uint8_t n;

	out->n = 0;
	vrd_reader_init(&r, body, len);
	n = vrd_reader_u8(&r);
	if (n > VRD_ROW_FIELDS_MAX) {
		return -EBADMSG;
	}
	for (unsigned i = 0; i < n; i++) {
		if (!get_field(&r, &out->f[i])) {
			return -EBADMSG;
		}
	}
	if (!vrd_reader_done(&r)) {
		return -EBADMSG;
	}
	out->n = n;
	return 0;
}

/* ---- replies -------------------------------------------------------- */

/* Each stored row: u16 length, then the body. */
#define STORED_LEN 2

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
	vrd_buf_free(&rep->rows);
	free(rep->scratch);
	rep->scratch = NULL;
	rep->pending = false;
	rep->err = 0;
	rep->nrows = 0;
}

int vrd_reply_finish(struct vrd_reply *rep)
{
	size_t mark = rep->rows.len;
	int err;

	if (!rep->pending) {
		return rep->err;
	}
	rep->pending = false;
	err = vrd_buf_reserve(&rep->rows, STORED_LEN);
	if (err == 0) {
		rep->rows.len += STORED_LEN;
		err = vrd_row_encode(&rep->rows, rep->scratch);
	}
	if (err < 0) {
		rep->rows.len = mark;
		rep->nrows--;
		if (rep->err == 0) {
			rep->err = err;
		}
		return rep->err;
	}
	vrd_put_be16(rep->rows.data + mark,
		     (uint16_t)(rep->rows.len - mark - STORED_LEN));
	return rep->err;
}

static int scratch_get(struct vrd_reply *rep)
{
	if (!rep->scratch) {
		rep->scratch = malloc(sizeof(*rep->scratch));
		if (!rep->scratch) {
			return -ENOMEM;
		}
	}
	return 0;
}

struct vrd_row *vrd_reply_row(struct vrd_reply *rep)
{
	if (vrd_reply_finish(rep) == -ENOMEM || scratch_get(rep) < 0) {
		errno = ENOMEM;
		return NULL;
	}
	memset(rep->scratch, 0, sizeof(*rep->scratch));
	rep->pending = true;
	rep->nrows++;
	return rep->scratch;
}

int vrd_reply_append(struct vrd_reply *rep, const uint8_t *body, size_t len)
{
	int err = vrd_reply_finish(rep);

	if (err < 0) {
		return err;
	}
	if (scratch_get(rep) < 0) {
		return -ENOMEM;
	}
	if (len > VRD_ROW_BODY_MAX ||
	    vrd_row_decode(body, len, rep->scratch) < 0) {
		return -EBADMSG;
	}
	if (vrd_buf_reserve(&rep->rows, STORED_LEN + len) < 0) {
		return -ENOMEM;
	}
	vrd_put_be16(rep->rows.data + rep->rows.len, (uint16_t)len);
	memcpy(rep->rows.data + rep->rows.len + STORED_LEN, body, len);
	rep->rows.len += STORED_LEN + len;
	rep->nrows++;
	return 0;
}

int vrd_reply_foreach(const struct vrd_reply *rep,
		      int (*fn)(const struct vrd_row *row, void *arg),
		      void *arg)
{
	struct vrd_reader r;
	struct vrd_row row;
	int rc;

	if (rep->err) {
		return rep->err;
	}
	vrd_reader_init(&r, rep->rows.data, rep->rows.len);
	while (vrd_reader_left(&r) > 0) {
		/* written by vrd_reply_finish/append only; checked anyway */
		size_t len = vrd_reader_u16(&r);
		const uint8_t *body = vrd_reader_get(&r, len);

		if (!body || vrd_row_decode(body, len, &row) < 0) {
			return -EBADMSG;
		}
		rc = fn(&row, arg);
		if (rc != 0) {
			return rc;
		}
	}
	if (rep->pending) {
		return fn(rep->scratch, arg);
	}
	return 0;
}

struct get_walk {
	size_t want, at;
	struct vrd_row *out;
};

static int get_one(const struct vrd_row *row, void *arg)
{
	struct get_walk *w = arg;

	if (w->at++ < w->want) {
		return 0;
	}
	*w->out = *row;
	return 1;
}

int vrd_reply_get(const struct vrd_reply *rep, size_t i, struct vrd_row *out)
{
	struct get_walk w = {.want = i, .out = out};
	int rc = vrd_reply_foreach(rep, get_one, &w);

	if (rc < 0) {
		return rc;
	}
	return rc == 1 ? 0 : -ENOENT;
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
