/*
 * The control protocol codec (vrctl/ctlproto.h). Encoders append whole
 * frames to a vrd_buf and leave it as it was on failure; decoders read one
 * frame body and accept only the exact, canonical encoding, so a decoded
 * message re-encodes to the same bytes. The ROW body itself is row.c's
 * (vrd_row_encode / vrd_row_decode); this file frames it.
 */
#include "vrctl/ctlproto.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- encoding ------------------------------------------------------- */

/* Starts a frame at the end of b: room for all VRD_CTL_FRAME_MAX of it,
 * and w over that room, its length left to frame_end. */
static int frame_begin(struct vrd_buf *b, uint8_t type, struct vrd_writer *w)
{
	if (vrd_buf_reserve(b, 4 + (size_t)VRD_CTL_FRAME_MAX) < 0) {
		return -ENOMEM;
	}
	vrd_writer_init(w, b->data + b->len, 4 + (size_t)VRD_CTL_FRAME_MAX);
	vrd_writer_u32(w, 0);
	vrd_writer_u8(w, type);
	return 0;
}

/* Appends the frame w holds to b, its length in front: 0, or -EMSGSIZE
 * when it outgrew VRD_CTL_FRAME_MAX (b is left as it was). */
static int frame_end(struct vrd_buf *b, const struct vrd_writer *w)
{
	if (w->overflow) {
		return -EMSGSIZE;
	}
	vrd_put_be32(w->p, (uint32_t)(w->len - 4));
	b->len += w->len;
	return 0;
}

int vrd_ctl_put_request(struct vrd_buf *b, int argc, char *const argv[])
{
	struct vrd_writer w;
	int err;

	if (argc < 1 || argc > VRD_CTL_ARGS_MAX) {
		return -EINVAL;
	}
	for (int i = 0; i < argc; i++) {
		if (!argv[i] || strlen(argv[i]) > VRD_CTL_ARG_MAX) {
			return -EINVAL;
		}
	}
	err = frame_begin(b, VRD_CTL_REQUEST, &w);
	if (err < 0) {
		return err;
	}
	vrd_writer_u8(&w, VRD_CTL_VERSION);
	vrd_writer_u8(&w, (uint8_t)argc);
	for (int i = 0; i < argc; i++) {
		size_t n = strlen(argv[i]);

		vrd_writer_u16(&w, (uint16_t)n);
		vrd_writer_put(&w, argv[i], n);
	}
	return frame_end(b, &w);
}

int vrd_ctl_put_row(struct vrd_buf *b, const struct vrd_row *row)
{
	struct vrd_writer w;
	int err;

	err = frame_begin(b, VRD_CTL_ROW, &w);
	if (err < 0) {
		return err;
	}
	/* VRD_ROW_BODY_MAX is far under the frame limit */
	err = vrd_row_write(&w, row);
	if (err < 0) {
		return err;
	}
	return frame_end(b, &w);
}

static bool kind_valid(uint8_t k)
{
	return k >= VRD_REPLY_TABLE && k <= VRD_REPLY_NONE;
}

int vrd_ctl_put_end(struct vrd_buf *b, const struct vrd_reply *rep)
{
	size_t ml = strnlen(rep->message, sizeof(rep->message));
	struct vrd_writer w;
	int err;

	if (rep->status > 0 || !kind_valid(rep->kind) ||
	    rep->fixed > VRD_ROW_FIELDS_MAX || ml > VRD_REPLY_MSG_MAX) {
		return -EINVAL;
	}
	err = frame_begin(b, VRD_CTL_END, &w);
	if (err < 0) {
		return err;
	}
	vrd_writer_u32(&w, (uint32_t)rep->status);
	vrd_writer_u8(&w, rep->kind);
	vrd_writer_u8(&w, rep->fixed);
	vrd_writer_u16(&w, (uint16_t)ml);
	vrd_writer_put(&w, rep->message, ml);
	return frame_end(b, &w);
}

/* The rows rep keeps encoded (vrctl/row.h: u16 length, body), each as one
 * ROW frame. */
static int put_stored_rows(struct vrd_buf *b, const struct vrd_reply *rep)
{
	size_t n = rep->nrows - (rep->pending ? 1 : 0);
	struct vrd_reader r;
	struct vrd_writer w;

	if (rep->rows.len == 0) {
		return 0;
	}
	/* 4 + 1 bytes of frame header for 2 of stored length */
	if (n > (SIZE_MAX / 2 - rep->rows.len) / 3 ||
	    vrd_buf_reserve(b, rep->rows.len + 3 * n) < 0) {
		return -ENOMEM;
	}
	vrd_reader_init(&r, rep->rows.data, rep->rows.len);
	vrd_writer_init(&w, b->data + b->len, b->cap - b->len);
	while (vrd_reader_left(&r) > 0) {
		size_t len = vrd_reader_u16(&r);
		const uint8_t *body = vrd_reader_get(&r, len);

		if (!body || len == 0 || len > VRD_ROW_BODY_MAX) {
			return -EBADMSG;
		}
		vrd_writer_u32(&w, (uint32_t)(1 + len));
		vrd_writer_u8(&w, VRD_CTL_ROW);
		vrd_writer_put(&w, body, len);
	}
	if (w.overflow) {
		return -EBADMSG;
	}
	b->len += w.len;
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
	n = vrd_get_be32(p);
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
	struct vrd_reader r;
	uint8_t version, argc;

	vrd_reader_init(&r, body, len);
	version = vrd_reader_u8(&r);
	argc = vrd_reader_u8(&r);
	if (version != VRD_CTL_VERSION || argc < 1 || argc > VRD_CTL_ARGS_MAX) {
		return -EBADMSG;
	}
	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < argc; i++) {
		uint16_t n = vrd_reader_u16(&r);

		if (n > VRD_CTL_ARG_MAX ||
		    !vrd_reader_text(&r, n, out->argv[i])) {
			return -EBADMSG;
		}
	}
	if (!vrd_reader_done(&r)) {
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
	char msg[VRD_REPLY_MSG_MAX + 1];
	struct vrd_reader r;
	uint8_t kind, fixed;
	uint32_t status;
	uint16_t ml;

	vrd_reader_init(&r, body, len);
	status = vrd_reader_u32(&r);
	kind = vrd_reader_u8(&r);
	fixed = vrd_reader_u8(&r);
	ml = vrd_reader_u16(&r);
	if ((int32_t)status > 0 || !kind_valid(kind) ||
	    fixed > VRD_ROW_FIELDS_MAX || ml > VRD_REPLY_MSG_MAX ||
	    !vrd_reader_text(&r, ml, msg) || !vrd_reader_done(&r)) {
		return -EBADMSG;
	}
	rep->status = (int32_t)status;
	rep->kind = kind;
	rep->fixed = fixed;
	memcpy(rep->message, msg, (size_t)ml + 1);
	return 0;
}
