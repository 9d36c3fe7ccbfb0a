/*
 * libFuzzer harness for the control protocol decoder: the bytes a client
 * (or a daemon, for vrctl) can send. The input is walked as a stream of
 * frames; each body goes to the parser of its type, and also to all three
 * parsers regardless of type. Whatever decodes must re-encode to exactly
 * the same frame (the encoding is canonical), or the harness aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vrctl/ctlproto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_same(const struct vrd_buf *b, const uint8_t *frame,
		       size_t len)
{
	if (b->len != len || memcmp(b->data, frame, len) != 0) {
		abort();
	}
}

static void check_frame(uint8_t type, const uint8_t *frame, size_t len,
			const uint8_t *body, size_t blen)
{
	struct vrd_ctl_request req;
	struct vrd_reply rep;
	struct vrd_row row;
	struct vrd_buf b = {0};

	if (vrd_ctl_parse_request(body, blen, &req) == 0) {
		char *argv[VRD_CTL_ARGS_MAX];

		for (int i = 0; i < req.argc; i++) {
			argv[i] = req.argv[i];
		}
		if (vrd_ctl_put_request(&b, req.argc, argv) < 0) {
			abort();
		}
		if (type == VRD_CTL_REQUEST) {
			check_same(&b, frame, len);
		}
		b.len = 0;
	}
	if (vrd_ctl_parse_row(body, blen, &row) == 0) {
		if (vrd_ctl_put_row(&b, &row) < 0) {
			abort();
		}
		if (type == VRD_CTL_ROW) {
			check_same(&b, frame, len);
		}
		b.len = 0;
	}
	vrd_reply_init(&rep, VRD_REPLY_NONE);
	if (vrd_ctl_parse_end(body, blen, &rep) == 0) {
		if (vrd_ctl_put_end(&b, &rep) < 0) {
			abort();
		}
		if (type == VRD_CTL_END) {
			check_same(&b, frame, len);
		}
	}
	vrd_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0;

	while (off < size) {
		const uint8_t *body;
		size_t blen;
		uint8_t type;
		long n = vrd_ctl_frame(data + off, size - off, &type, &body,
				       &blen);

		if (n <= 0) {
			break;
		}
		if ((size_t)n > size - off || blen != (size_t)n - 5) {
			abort();
		}
		check_frame(type, data + off, (size_t)n, body, blen);
		off += (size_t)n;
	}
	return 0;
}
