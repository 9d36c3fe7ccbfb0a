/*
 * Rows: what vrctl shows. A reply is a list of rows of named, typed fields
 * (a table command) or one row (status, stats). The daemon builds rows and
 * sends them over the control socket (vrd/ctlproto.h); vrctl -d builds the
 * same rows straight from LMDB (vrd/query.h); either way vrctl renders them
 * as aligned text or JSON (vrd/output.h). So the two paths cannot drift.
 */
#ifndef VRD_ROW_H
#define VRD_ROW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tables/tables.h"

#define VRD_ROW_FIELDS_MAX 24
#define VRD_FIELD_NAME_MAX 31
#define VRD_FIELD_STR_MAX 127

enum vrd_field_type {
	VRD_FIELD_STR = 1,
	VRD_FIELD_U64,
	VRD_FIELD_I64,
	VRD_FIELD_BOOL,
	VRD_FIELD_TIME,  /* u: Unix ms; text and JSON: RFC 3339 with ms */
	VRD_FIELD_NULL,  /* unknown / not applicable: "-" and null */
};

struct vrd_field {
	char name[VRD_FIELD_NAME_MAX + 1];
	uint8_t type; /* enum vrd_field_type */
	union {
		char s[VRD_FIELD_STR_MAX + 1];
		uint64_t u;
		int64_t i;
		bool b;
	} v;
};

struct vrd_row {
	unsigned n;
	struct vrd_field f[VRD_ROW_FIELDS_MAX];
};

/* Appenders: -ENOSPC when the row is full, -EINVAL when a name or string
 * does not fit. */
int vrd_row_add_str(struct vrd_row *r, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int vrd_row_add_u64(struct vrd_row *r, const char *name, uint64_t v);
int vrd_row_add_i64(struct vrd_row *r, const char *name, int64_t v);
int vrd_row_add_bool(struct vrd_row *r, const char *name, bool v);
int vrd_row_add_time(struct vrd_row *r, const char *name, uint64_t unix_ms);
int vrd_row_add_null(struct vrd_row *r, const char *name);
const struct vrd_field *vrd_row_find(const struct vrd_row *r,
				     const char *name);

/* Table entries as rows; field names are the ones INTERFACE.md promises
 * (gndt: prefix router seq vn ...; hwdt: ip mac vn ...; lndt: prefix vn;
 * events: time type and the event's own fields). */
void vrd_row_from_lndt(struct vrd_row *r, const struct tables_lndt_entry *e);
void vrd_row_from_gndt(struct vrd_row *r, const struct tables_gndt_entry *e);
void vrd_row_from_hwdt(struct vrd_row *r, const struct tables_hwdt_entry *e);
void vrd_row_from_event(struct vrd_row *r, const struct tables_event *ev);

/* ---- replies -------------------------------------------------------- */

enum vrd_reply_kind {
	VRD_REPLY_TABLE = 1, /* rows; JSON: an array of objects */
	VRD_REPLY_OBJECT,    /* one row; JSON: one object */
	VRD_REPLY_NONE,      /* no data (a write command): only status */
};

#define VRD_REPLY_MSG_MAX 255

struct vrd_reply {
	uint8_t kind;     /* enum vrd_reply_kind */
	/* text rendering of a table: columns 0..fixed-1 are aligned, later
	 * fields are printed as key=value (events, whose fields vary); 0
	 * means all columns aligned */
	uint8_t fixed;
	int status;       /* 0 or a negative errno */
	char message[VRD_REPLY_MSG_MAX + 1]; /* error text for the operator */
	struct vrd_row *rows; /* owned */
	size_t nrows, caprows;
};

void vrd_reply_init(struct vrd_reply *rep, enum vrd_reply_kind kind);
void vrd_reply_free(struct vrd_reply *rep); /* the rows; rep itself stays */
/* A new zeroed row at the end, or NULL (ENOMEM). */
struct vrd_row *vrd_reply_row(struct vrd_reply *rep);
/* Sets status and message; returns status, for "return vrd_reply_error(..)" */
int vrd_reply_error(struct vrd_reply *rep, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
