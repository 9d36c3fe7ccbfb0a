/*
 * Text and JSON rendering of replies (vrd/output.h), in the manner of
 * bgpctl's output.c / output_json.c: one function per reply kind and
 * format, each cell formatted into a small buffer first so column widths
 * can be measured.
 */
#include "vrd/output.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "vrd/clock.h"

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
	const char *name[VRD_ROW_FIELDS_MAX];
	size_t width[VRD_ROW_FIELDS_MAX];
	bool right[VRD_ROW_FIELDS_MAX];
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

static void columns_measure(struct columns *c, const struct vrd_reply *rep)
{
	const struct vrd_row *first = &rep->rows[0];
	bool numeric[VRD_ROW_FIELDS_MAX], seen[VRD_ROW_FIELDS_MAX];
	char cell[CELL_MAX];

	c->n = first->n < VRD_ROW_FIELDS_MAX ? first->n : VRD_ROW_FIELDS_MAX;
	if (rep->fixed && rep->fixed < c->n) {
		c->n = rep->fixed;
	}
	for (unsigned j = 0; j < c->n; j++) {
		c->name[j] = first->f[j].name;
		c->width[j] = strlen(c->name[j]);
		numeric[j] = true;
		seen[j] = false;
	}
	for (size_t i = 0; i < rep->nrows; i++) {
		bool used[VRD_ROW_FIELDS_MAX] = {false};

		for (unsigned j = 0; j < c->n; j++) {
			const struct vrd_field *f =
				column_field(&rep->rows[i], c, j, used);
			size_t w = strlen(text_cell(f, false, cell));

			if (w > c->width[j]) {
				c->width[j] = w;
			}
			if (f && f->type != VRD_FIELD_NULL) {
				seen[j] = true;
				numeric[j] = numeric[j] && is_number(f);
			}
		}
	}
	for (unsigned j = 0; j < c->n; j++) {
		c->right[j] = seen[j] && numeric[j];
	}
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

static void text_row(FILE *out, const struct columns *c,
		     const struct vrd_row *row)
{
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
}

static void text_table(FILE *out, const struct vrd_reply *rep)
{
	struct columns c;

	if (rep->nrows == 0) {
		return;
	}
	columns_measure(&c, rep);
	if (c.n > 0) {
		text_header(out, &c);
	}
	for (size_t i = 0; i < rep->nrows; i++) {
		text_row(out, &c, &rep->rows[i]);
	}
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

static void json_table(FILE *out, const struct vrd_reply *rep)
{
	if (rep->nrows == 0) {
		fputs("[]\n", out);
		return;
	}
	fputs("[\n", out);
	for (size_t i = 0; i < rep->nrows; i++) {
		fputs("  ", out);
		json_object(out, &rep->rows[i]);
		fputs(i + 1 < rep->nrows ? ",\n" : "\n", out);
	}
	fputs("]\n", out);
}

/* ---- entry ---------------------------------------------------------- */

int vrd_output_reply(FILE *out, const struct vrd_reply *rep, bool json)
{
	switch (rep->kind) {
	case VRD_REPLY_TABLE:
		if (json) {
			json_table(out, rep);
		} else {
			text_table(out, rep);
		}
		break;
	case VRD_REPLY_OBJECT:
		if (json) {
			static const struct vrd_row empty;

			json_object(out, rep->nrows ? &rep->rows[0] : &empty);
			fputc('\n', out);
		} else if (rep->nrows) {
			text_object(out, &rep->rows[0]);
		}
		break;
	default:
		break;
	}
	if (fflush(out) != 0 || ferror(out)) {
		return -EIO;
	}
	return 0;
}
