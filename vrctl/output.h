/*
 * Rendering a reply for the operator (vrctl): aligned text or JSON. Pure
 * formatting into a stdio stream, no I/O of its own, so tests render into
 * open_memstream() and compare with canonical output.
 *
 * Text
 *   table   an upper-case header line, then one line per row; columns are
 *           separated by two spaces, strings left-aligned, numbers
 *           right-aligned. The columns are the fields of the first row
 *           (its first `fixed` fields when fixed is nonzero); a row's
 *           fields that are not columns follow as key=value, quoted when
 *           empty or holding a space, '"', '=' or '\'. An empty table
 *           prints nothing.
 *   object  "key: value" lines, keys right-aligned so the colons line up.
 *   none    nothing.
 *   Times are RFC 3339 UTC with milliseconds, NULL is "-", booleans
 *   "true"/"false", control characters in strings "\xNN".
 *
 * JSON
 *   table   one array of objects, one object per line; [] when empty.
 *   object  one object (its first row); {} when there is none.
 *   none    nothing.
 *   Numbers are JSON numbers (u64 in full as unsigned decimal), times
 *   RFC 3339 strings, booleans true/false, NULL null; strings escape '"',
 *   '\' and control characters (\u00XX).
 *
 * Every rendering that prints anything ends with a newline. Only the rows
 * are rendered: rep->status and rep->message are the caller's to report.
 */
#ifndef VRD_OUTPUT_H
#define VRD_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

#include "vrctl/row.h"

/* 0, -EIO when the stream reports an error, or the error rep remembers
 * (a row it lost: vrd_reply_finish()). The rows are decoded one at a time
 * (two passes for a text table), never all at once. */
int vrd_output_reply(FILE *f, const struct vrd_reply *rep, bool json);

#endif
