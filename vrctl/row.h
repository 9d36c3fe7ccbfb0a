/*
 * Rows: what vrctl shows. A reply is a list of rows of named, typed fields
 * (a table command) or one row (status, stats). The daemon builds rows and
 * sends them over the control socket (vrctl/ctlproto.h); vrctl -d builds the
 * same rows straight from LMDB (vrctl/query.h); either way vrctl renders them
 * as aligned text or JSON (vrctl/output.h). So the two paths cannot drift.
 */
#ifndef VRD_ROW_H
#define VRD_ROW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/bytes.h"
#include "tables/tables.h"

#define VRD_ROW_FIELDS_MAX 24
#define VRD_FIELD_NAME_MAX 31
#define VRD_FIELD_STR_MAX 127

enum vrd_field_type {
	VRD_FIELD_STR = 1,
	VRD_FIELD_U64,
	VRD_FIELD_I64,
	VRD_FIELD_BOOL,
	VRD_FIELD_TIME, /* u: Unix ms; text and JSON: RFC 3339 with ms */
	VRD_FIELD_NULL, /* unknown / not applicable: "-" and null */
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
const struct vrd_field *vrd_row_find(const struct vrd_row *r, const char *name);

/* Table entries as rows; field names are the ones INTERFACE.md promises
 * (gndt: prefix router seq vn ...; hwdt: ip mac vn ...; lndt: prefix vn;
 * events: time type and the event's own fields). */
void vrd_row_from_lndt(struct vrd_row *r, const struct tables_lndt_entry *e);
void vrd_row_from_gndt(struct vrd_row *r, const struct tables_gndt_entry *e);
void vrd_row_from_hwdt(struct vrd_row *r, const struct tables_hwdt_entry *e);
void vrd_row_from_event(struct vrd_row *r, const struct tables_event *ev);

/* ---- the encoded form ---------------------------------------------- */

/* A growable byte buffer; frames and encoded rows are appended to it. */
struct vrd_buf {
	uint8_t *data; /* owned */
	size_t len, cap;
};
void vrd_buf_free(struct vrd_buf *b);
int vrd_buf_reserve(struct vrd_buf *b, size_t more);
/* Drops the first n bytes (they were sent or consumed). */
void vrd_buf_consume(struct vrd_buf *b, size_t n);

/*
 * A row in the ROW body encoding of the control protocol (vrctl/ctlproto.h):
 *   u8 nfields, nfields x (u8 namelen, name, u8 type, value)
 *   value: STR u16 len + bytes; U64/I64/TIME u64; BOOL u8; NULL nothing
 * big-endian. At most VRD_ROW_BODY_MAX bytes.
 */
#define VRD_FIELD_BODY_MAX (1 + VRD_FIELD_NAME_MAX + 1 + 2 + VRD_FIELD_STR_MAX)
#define VRD_ROW_BODY_MAX (1 + VRD_ROW_FIELDS_MAX * VRD_FIELD_BODY_MAX)

/* Appends row's body to b: 0, -EINVAL (a field name, type or string a
 * ROW cannot carry), -ENOMEM; b is left as it was on failure. */
int vrd_row_encode(struct vrd_buf *b, const struct vrd_row *row);
/* The same body into w: 0 or -EINVAL as above (w untouched); a body that
 * does not fit latches w's overflow. */
int vrd_row_write(struct vrd_writer *w, const struct vrd_row *row);
/* Exactly one canonical body: 0, or -EBADMSG (out->n is 0 then). */
int vrd_row_decode(const uint8_t *body, size_t len, struct vrd_row *out);

/* ---- replies -------------------------------------------------------- */

enum vrd_reply_kind {
	VRD_REPLY_TABLE = 1, /* rows; JSON: an array of objects */
	VRD_REPLY_OBJECT, /* one row; JSON: one object */
	VRD_REPLY_NONE, /* no data (a write command): only status */
};

#define VRD_REPLY_MSG_MAX 255

/*
 * The rows of a reply are kept encoded (about 100-150 bytes for a GNDT
 * entry instead of sizeof(struct vrd_row), 4 KB): rows.data holds, per
 * row, a u16 big-endian length and the row's body. The row being filled
 * is the scratch row handed out by vrd_reply_row(); it is encoded when
 * the next row is asked for or at vrd_reply_finish(). Readers
 * (vrd_reply_foreach(), vrd_reply_get(), vrd_ctl_put_reply(),
 * vrd_output_reply()) see the scratch row as the last row whether or not
 * it was finished.
 */
struct vrd_reply {
	uint8_t kind; /* enum vrd_reply_kind */
	/* text rendering of a table: columns 0..fixed-1 are aligned, later
	 * fields are printed as key=value (events, whose fields vary); 0
	 * means all columns aligned */
	uint8_t fixed;
	int status; /* 0 or a negative errno */
	char message[VRD_REPLY_MSG_MAX + 1]; /* error text for the operator */
	size_t nrows; /* rows, the scratch row included */
	/* the rest is vrd_reply_*()'s own */
	struct vrd_buf rows; /* the finished rows, encoded */
	struct vrd_row *scratch; /* owned; the row being filled */
	bool pending; /* scratch holds the last row */
	int err; /* a row was lost: -ENOMEM, or -EINVAL (not encodable) */
};

void vrd_reply_init(struct vrd_reply *rep, enum vrd_reply_kind kind);
void vrd_reply_free(struct vrd_reply *rep); /* the rows; rep itself stays */
/*
 * A new zeroed row at the end, or NULL (ENOMEM). The row is borrowed until
 * the next call on rep. The previous row is encoded first; when it could
 * not be (not encodable, no memory), it is dropped and rep remembers the
 * error, which every reader then returns.
 */
struct vrd_row *vrd_reply_row(struct vrd_reply *rep);
/* Encodes the scratch row, if any: 0 or the remembered error. Idempotent. */
int vrd_reply_finish(struct vrd_reply *rep);
/* Appends one ROW body received from elsewhere (vrctl): checked by
 * decoding it once. 0, -EBADMSG, -ENOMEM or the remembered error. */
int vrd_reply_append(struct vrd_reply *rep, const uint8_t *body, size_t len);
/*
 * Calls fn on every row in order, each decoded in turn into one row of
 * foreach's own (the row is borrowed for the call). Stops at the first
 * nonzero return of fn and returns it; otherwise 0, or the remembered
 * error (then fn is not called).
 */
int vrd_reply_foreach(const struct vrd_reply *rep,
		      int (*fn)(const struct vrd_row *row, void *arg),
		      void *arg);
/* Row i into out: 0, or -ENOENT past the end. O(i): for tests. */
int vrd_reply_get(const struct vrd_reply *rep, size_t i, struct vrd_row *out);
/* Sets status and message; returns status, for "return vrd_reply_error(..)" */
int vrd_reply_error(struct vrd_reply *rep, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
