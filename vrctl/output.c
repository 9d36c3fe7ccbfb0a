/*
 * Text and JSON rendering of replies (vrctl/output.h), in the manner of
 * bgpctl's output.c / output_json.c: one function per reply kind and
 * format, each cell formatted into a small buffer first so column widths
 * can be measured. The reply keeps its rows encoded; each is decoded in
 * turn by vrd_reply_foreach(), so a text table takes two passes (widths,
 * then lines) and JSON one, and no array of decoded rows is ever built.
 */
#include "vrctl/output.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "base/clock.h"

/* A cell: a string field escaped (4 bytes per byte at worst) and quoted. */
#define CELL_MAX (VRD_FIELD_STR_MAX * 4 + 3)

/* ---- text ----------------------------------------------------------- */

static bool needs_quotes(const char *s)
{
	return *s == '\0' || strpbrk(s, " \"=\\") != NULL;
}

/* s with control characters as \xNN; quoted (with '"' and '\' escaped)
 * when quote is set. */
static void text_escape(const char *s, bool quote, char out[CELL_MAX])
{
	size_t n = 0;

	if (quote) {
		out[n++] = '"';
	}
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f) {
			n += (size_t)snprintf(out + n, CELL_MAX - n, "\\x%02x",
					      c);
		} else if (quote && (c == '"' || c == '\\')) {
			out[n++] = '\\';
			out[n++] = (char)c;
		} else {
			out[n++] = (char)c;
		}
	}
	if (quote) {
		out[n++] = '"';
	}
	out[n] = '\0';
}

/* The text form of a field (NULL: an absent one); quote as above. */
static const char *text_cell(const struct vrd_field *f, bool quote,
			     char out[CELL_MAX])
{
	char t[VRD_RFC3339_STRLEN];

	if (!f) {
		snprintf(out, CELL_MAX, "-");
		return out;
	}
	switch (f->type) {
	case VRD_FIELD_STR:
		text_escape(f->v.s, quote && needs_quotes(f->v.s), out);
		break;
	case VRD_FIELD_U64:
		snprintf(out, CELL_MAX, "%" PRIu64, f->v.u);
		break;
	case VRD_FIELD_I64:
		snprintf(out, CELL_MAX, "%" PRId64, f->v.i);
		break;
	case VRD_FIELD_BOOL:
		snprintf(out, CELL_MAX, "%s", f->v.b ? "true" : "false");
		break;
	case VRD_FIELD_TIME:
		snprintf(out, CELL_MAX, "%s", vrd_rfc3339(f->v.u, t));
		break;
	default:
		snprintf(out, CELL_MAX, "-");
		break;
	}
	return out;
}

static bool is_number(const struct vrd_field *f)
{
	return f && (f->type == VRD_FIELD_U64 || f->type == VRD_FIELD_I64);
}

struct columns {
	unsigned n;
	char name[VRD_ROW_FIELDS_MAX][VRD_FIELD_NAME_MAX + 1];
	size_t width[VRD_ROW_FIELDS_MAX];
	bool right[VRD_ROW_FIELDS_MAX];
	/* while measuring */
	uint8_t fixed;
	bool started;
	bool numeric[VRD_ROW_FIELDS_MAX], seen[VRD_ROW_FIELDS_MAX];
};

/* The field of row shown in column j; used[] marks the fields taken. */
static const struct vrd_field *column_field(const struct vrd_row *row,
					    const struct columns *c, unsigned j,
					    bool used[])
{
	unsigned n = row->n < VRD_ROW_FIELDS_MAX ? row->n : VRD_ROW_FIELDS_MAX;

	if (j < n && !used[j] && strcmp(row->f[j].name, c->name[j]) == 0) {
		used[j] = true;
		return &row->f[j];
	}
	for (unsigned k = 0; k < n; k++) {
		if (!used[k] && strcmp(row->f[k].name, c->name[j]) == 0) {
			used[k] = true;
			return &row->f[k];
		}
	}
	return NULL;
}

/* The columns are the fields of the first row. */
static void columns_start(struct columns *c, const struct vrd_row *first)
{
	c->n = first->n < VRD_ROW_FIELDS_MAX ? first->n : VRD_ROW_FIELDS_MAX;
	if (c->fixed && c->fixed < c->n) {
		c->n = c->fixed;
	}
	for (unsigned j = 0; j < c->n; j++) {
		size_t l = strnlen(first->f[j].name, VRD_FIELD_NAME_MAX);

		memcpy(c->name[j], first->f[j].name, l);
		c->name[j][l] = '\0';
		c->width[j] = strlen(c->name[j]);
		c->numeric[j] = true;
		c->seen[j] = false;
	}
	c->started = true;
}

/* First pass: every row widens its columns. */
static int columns_measure(const struct vrd_row *row, void *arg)
{
	bool used[VRD_ROW_FIELDS_MAX] = {false};
	struct columns *c = arg;
	char cell[CELL_MAX];

	if (!c->started) {
		columns_start(c, row);
	}
	for (unsigned j = 0; j < c->n; j++) {
		const struct vrd_field *f = column_field(row, c, j, used);
		size_t w = strlen(text_cell(f, false, cell));

		if (w > c->width[j]) {
			c->width[j] = w;
		}
		if (f && f->type != VRD_FIELD_NULL) {
			c->seen[j] = true;
			c->numeric[j] = c->numeric[j] && is_number(f);
		}
	}
	return 0;
}

/* One aligned cell; the last one of a line is not padded on the right. */
static void put_cell(FILE *out, const struct columns *c, unsigned j,
		     const char *s, bool more)
{
	int w = (int)c->width[j];

	if (j > 0) {
		fputs("  ", out);
	}
	if (c->right[j]) {
		fprintf(out, "%*s", w, s);
	} else if (more) {
		fprintf(out, "%-*s", w, s);
	} else {
		fputs(s, out);
	}
}

static void text_header(FILE *out, const struct columns *c)
{
	for (unsigned j = 0; j < c->n; j++) {
		char up[VRD_FIELD_NAME_MAX + 1];
		size_t k;

		for (k = 0; c->name[j][k] && k < VRD_FIELD_NAME_MAX; k++) {
			char ch = c->name[j][k];

			up[k] = ch >= 'a' && ch <= 'z' ? (char)(ch - 'a' + 'A')
						       : ch;
		}
		up[k] = '\0';
		put_cell(out, c, j, up, j + 1 < c->n);
	}
	fputc('\n', out);
}

struct text_pass {
	FILE *out;
	const struct columns *c;
};

/* Second pass: one line per row. */
static int text_row(const struct vrd_row *row, void *arg)
{
	const struct text_pass *tp = arg;
	const struct columns *c = tp->c;
	FILE *out = tp->out;
	const struct vrd_field *f[VRD_ROW_FIELDS_MAX];
	bool used[VRD_ROW_FIELDS_MAX] = {false};
	unsigned n = row->n < VRD_ROW_FIELDS_MAX ? row->n : VRD_ROW_FIELDS_MAX;
	bool extras = false, sep = c->n > 0;
	char cell[CELL_MAX];

	for (unsigned j = 0; j < c->n; j++) {
		f[j] = column_field(row, c, j, used);
	}
	for (unsigned k = 0; k < n; k++) {
		extras = extras || !used[k];
	}
	for (unsigned j = 0; j < c->n; j++) {
		put_cell(out, c, j, text_cell(f[j], false, cell),
			 j + 1 < c->n || extras);
	}
	for (unsigned k = 0; k < n; k++) {
		if (!used[k]) {
			fprintf(out, "%s%s=%s", sep ? "  " : "", row->f[k].name,
				text_cell(&row->f[k], true, cell));
			sep = true;
		}
	}
	fputc('\n', out);
	return 0;
}

static int text_table(FILE *out, const struct vrd_reply *rep)
{
	struct columns c = {.fixed = rep->fixed};
	struct text_pass tp = {out, &c};
	int err;

	err = vrd_reply_foreach(rep, columns_measure, &c);
	if (err < 0 || !c.started) {
		return err; /* an empty table prints nothing */
	}
	for (unsigned j = 0; j < c.n; j++) {
		c.right[j] = c.seen[j] && c.numeric[j];
	}
	if (c.n > 0) {
		text_header(out, &c);
	}
	return vrd_reply_foreach(rep, text_row, &tp);
}

static void text_object(FILE *out, const struct vrd_row *row)
{
	unsigned n = row->n < VRD_ROW_FIELDS_MAX ? row->n : VRD_ROW_FIELDS_MAX;
	char cell[CELL_MAX];
	int w = 0;

	for (unsigned k = 0; k < n; k++) {
		int l = (int)strlen(row->f[k].name);

		w = l > w ? l : w;
	}
	for (unsigned k = 0; k < n; k++) {
		fprintf(out, "%*s: %s\n", w, row->f[k].name,
			text_cell(&row->f[k], false, cell));
	}
}

/* ---- JSON ----------------------------------------------------------- */

static void json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			fputc('\\', out);
			fputc(c, out);
		} else if (c < 0x20 || c == 0x7f) {
			fprintf(out, "\\u%04x", c);
		} else {
			fputc(c, out);
		}
	}
	fputc('"', out);
}

static void json_value(FILE *out, const struct vrd_field *f)
{
	char t[VRD_RFC3339_STRLEN];

	switch (f->type) {
	case VRD_FIELD_STR:
		json_string(out, f->v.s);
		break;
	case VRD_FIELD_U64:
		fprintf(out, "%" PRIu64, f->v.u);
		break;
	case VRD_FIELD_I64:
		fprintf(out, "%" PRId64, f->v.i);
		break;
	case VRD_FIELD_BOOL:
		fputs(f->v.b ? "true" : "false", out);
		break;
	case VRD_FIELD_TIME:
		json_string(out, vrd_rfc3339(f->v.u, t));
		break;
	default:
		fputs("null", out);
		break;
	}
}

static void json_object(FILE *out, const struct vrd_row *row)
{
	unsigned n = row->n < VRD_ROW_FIELDS_MAX ? row->n : VRD_ROW_FIELDS_MAX;

	fputc('{', out);
	for (unsigned k = 0; k < n; k++) {
		if (k > 0) {
			fputs(", ", out);
		}
		json_string(out, row->f[k].name);
		fputs(": ", out);
		json_value(out, &row->f[k]);
	}
	fputc('}', out);
}

struct json_pass {
	FILE *out;
	bool first;
};

static int json_row(const struct vrd_row *row, void *arg)
{
	struct json_pass *jp = arg;

	fputs(jp->first ? "[\n  " : ",\n  ", jp->out);
	json_object(jp->out, row);
	jp->first = false;
	return 0;
}

static int json_table(FILE *out, const struct vrd_reply *rep)
{
	struct json_pass jp = {out, true};
	int err = vrd_reply_foreach(rep, json_row, &jp);

	if (err < 0) {
		return err;
	}
	fputs(jp.first ? "[]\n" : "\n]\n", out);
	return 0;
}

/* ---- objects -------------------------------------------------------- */

struct object_pass {
	FILE *out;
	bool json;
};

/* The first row only. */
static int object_row(const struct vrd_row *row, void *arg)
{
	struct object_pass *op = arg;

	if (op->json) {
		json_object(op->out, row);
		fputc('\n', op->out);
	} else {
		text_object(op->out, row);
	}
	return 1;
}

static int object(FILE *out, const struct vrd_reply *rep, bool json)
{
	struct object_pass op = {out, json};
	int rc = vrd_reply_foreach(rep, object_row, &op);

	if (rc < 0) {
		return rc;
	}
	if (rc == 0 && json) {
		fputs("{}\n", out); /* no row */
	}
	return 0;
}

/* ---- entry ---------------------------------------------------------- */

/* 0, the error rep remembers, or -EIO. */
int vrd_output_reply(FILE *out, const struct vrd_reply *rep, bool json)
{
	int err = 0;

	switch (rep->kind) {
	case VRD_REPLY_TABLE:
		err = json ? json_table(out, rep) : text_table(out, rep);
		break;
	case VRD_REPLY_OBJECT:
		err = object(out, rep, json);
		break;
	default:
		break;
	}
	if (fflush(out) != 0 || ferror(out)) {
		return -EIO;
	}
	return err;
}
