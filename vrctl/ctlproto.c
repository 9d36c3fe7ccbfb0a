/*
 * The control protocol codec (vrctl/ctlproto.h). Encoders append whole
 * frames to a vrd_buf and leave it as it was on failure; decoders read one
 * frame body and accept only the exact, canonical encoding, so a decoded
 * message re-encodes to the same bytes. The ROW body itself is row.c's
 * (vrd_row_encode / vrd_row_decode); this file frames it.
 */
#include "vrctl/ctlproto.h"
#include "vrctl/ctl_bytes.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- encoding ------------------------------------------------------- */

/* Starts a frame of at most VRD_CTL_FRAME_MAX: room for all of it, the
 * length left to frame_end. Returns where the frame starts, or -1. */
static int frame_begin(struct vrd_buf *b, uint8_t type, size_t *start)
{
	if (vrd_buf_reserve(b, 4 + (size_t)VRD_CTL_FRAME_MAX) < 0) {
		return -ENOMEM;
	}
	*start = b->len;
	put_u32(b, 0);
	put_u8(b, type);
	return 0;
}

static void frame_end(struct vrd_buf *b, size_t start)
{
	uint32_t len = (uint32_t)(b->len - start - 4);

	b->data[start] = (uint8_t)(len >> 24);
	b->data[start + 1] = (uint8_t)(len >> 16);
	b->data[start + 2] = (uint8_t)(len >> 8);
	b->data[start + 3] = (uint8_t)len;
}

/* Would n more bytes keep the frame begun at start within the limit? */
static bool frame_fits(const struct vrd_buf *b, size_t start, size_t n)
{
	return b->len - start - 4 + n <= VRD_CTL_FRAME_MAX;
}

int vrd_ctl_put_request(struct vrd_buf *b, int argc, char *const argv[])
{
	size_t start;
	int err;

	if (argc < 1 || argc > VRD_CTL_ARGS_MAX) {
		return -EINVAL;
	}
	for (int i = 0; i < argc; i++) {
		if (!argv[i] || strlen(argv[i]) > VRD_CTL_ARG_MAX) {
			return -EINVAL;
		}
	}
	err = frame_begin(b, VRD_CTL_REQUEST, &start);
	if (err < 0) {
		return err;
	}
	put_u8(b, VRD_CTL_VERSION);
	put_u8(b, (uint8_t)argc);
	for (int i = 0; i < argc; i++) {
		size_t n = strlen(argv[i]);

		if (!frame_fits(b, start, 2 + n)) {
			b->len = start;
			return -EMSGSIZE;
		}
		put_u16(b, (uint16_t)n);
		put_bytes(b, argv[i], n);
	}
	frame_end(b, start);
	return 0;
}

int vrd_ctl_put_row(struct vrd_buf *b, const struct vrd_row *row)
{
	size_t start;
	int err;

	err = frame_begin(b, VRD_CTL_ROW, &start);
	if (err < 0) {
		return err;
	}
	/* VRD_ROW_BODY_MAX is far under the frame limit */
	err = vrd_row_encode(b, row);
	if (err < 0) {
		b->len = start;
		return err;
	}
	frame_end(b, start);
	return 0;
}

static bool kind_valid(uint8_t k)
{
	return k >= VRD_REPLY_TABLE && k <= VRD_REPLY_NONE;
}

int vrd_ctl_put_end(struct vrd_buf *b, const struct vrd_reply *rep)
{
	size_t ml = strnlen(rep->message, sizeof(rep->message));
	size_t start;
	int err;

	if (rep->status > 0 || !kind_valid(rep->kind) ||
	    rep->fixed > VRD_ROW_FIELDS_MAX || ml > VRD_REPLY_MSG_MAX) {
		return -EINVAL;
	}
	err = frame_begin(b, VRD_CTL_END, &start);
	if (err < 0) {
		return err;
	}
	put_u32(b, (uint32_t)rep->status);
	put_u8(b, rep->kind);
	put_u8(b, rep->fixed);
	put_u16(b, (uint16_t)ml);
	put_bytes(b, rep->message, ml);
	frame_end(b, start);
	return 0;
}

/* The rows rep keeps encoded (vrctl/row.h: u16 length, body), each as one
 * ROW frame. */
static int put_stored_rows(struct vrd_buf *b, const struct vrd_reply *rep)
{
	const uint8_t *p = rep->rows.data;
	size_t off = 0, n = rep->nrows - (rep->pending ? 1 : 0);

	/* 4 + 1 bytes of frame header for 2 of stored length */
	if (n > (SIZE_MAX / 2 - rep->rows.len) / 3 ||
	    vrd_buf_reserve(b, rep->rows.len + 3 * n) < 0) {
		return -ENOMEM;
	}
	while (off < rep->rows.len) {
		size_t len, start = b->len;

		if (rep->rows.len - off < 2) {
			return -EBADMSG;
		}
		len = (size_t)p[off] << 8 | p[off + 1];
		off += 2;
		if (len == 0 || len > VRD_ROW_BODY_MAX ||
		    len > rep->rows.len - off || b->cap - b->len < 5 + len) {
			return -EBADMSG;
		}
		put_u32(b, 0);
		put_u8(b, VRD_CTL_ROW);
		put_bytes(b, p + off, len);
		frame_end(b, start);
		off += len;
	}
	return 0;
}

int vrd_ctl_put_reply(struct vrd_buf *b, const struct vrd_reply *rep)
{
	size_t mark = b->len;
	int err;

	if (rep->err < 0) {
		return rep->err;
	}
	err = put_stored_rows(b, rep);
	if (err < 0) {
		goto undo_rows;
	}
	/* the scratch row, not yet finished */
	if (rep->pending) {
		err = vrd_ctl_put_row(b, rep->scratch);
		if (err < 0) {
			goto undo_rows;
		}
	}
	err = vrd_ctl_put_end(b, rep);
	if (err < 0) {
		goto undo_rows;
	}
	return 0;

undo_rows:
	b->len = mark;
	return err;
}

/* ---- decoding ------------------------------------------------------- */

long vrd_ctl_frame(const uint8_t *p, size_t len, uint8_t *type,
		   const uint8_t **body, size_t *body_len)
{
	uint32_t n;

	if (len < 4) {
		return 0;
	}
	n = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
	    p[3];
	if (n == 0 || n > VRD_CTL_FRAME_MAX) {
		return -EBADMSG;
	}
	if (len - 4 < n) {
		return 0;
	}
	*type = p[4];
	*body = p + 5;
	*body_len = n - 1;
	return 4 + (long)n;
}

int vrd_ctl_parse_request(const uint8_t *body, size_t len,
			  struct vrd_ctl_request *out)
{
	struct reader r = {body, len};
	uint8_t version, argc;

	if (!get_u8(&r, &version) || version != VRD_CTL_VERSION ||
	    !get_u8(&r, &argc) || argc < 1 || argc > VRD_CTL_ARGS_MAX) {
		return -EBADMSG;
	}
	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < argc; i++) {
		uint16_t n;

		if (!get_u16(&r, &n) || n > VRD_CTL_ARG_MAX ||
		    !get_text(&r, n, out->argv[i])) {
			return -EBADMSG;
		}
	}
	if (r.left != 0) {
		return -EBADMSG;
	}
	out->argc = argc;
	return 0;
}

int vrd_ctl_parse_row(const uint8_t *body, size_t len, struct vrd_row *out)
{
	return vrd_row_decode(body, len, out);
}

int vrd_ctl_parse_end(const uint8_t *body, size_t len, struct vrd_reply *rep)
{
	struct reader r = {body, len};
	char msg[VRD_REPLY_MSG_MAX + 1];
	uint8_t kind, fixed;
	uint32_t status;
	uint16_t ml;

	if (!get_u32(&r, &status) || (int32_t)status > 0 ||
	    !get_u8(&r, &kind) || !kind_valid(kind) || !get_u8(&r, &fixed) ||
	    fixed > VRD_ROW_FIELDS_MAX || !get_u16(&r, &ml) ||
	    ml > VRD_REPLY_MSG_MAX || !get_text(&r, ml, msg) || r.left != 0) {
		return -EBADMSG;
	}
	rep->status = (int32_t)status;
	rep->kind = kind;
	rep->fixed = fixed;
	memcpy(rep->message, msg, (size_t)ml + 1);
	return 0;
}
