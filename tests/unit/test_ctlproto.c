/* The control protocol codec: round trips, exact bytes, and every way a
 * frame can be malformed. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vrctl/ctlproto.h"

/* The one frame at the start of b: its body, checked to span all of b. */
static void one_frame(const struct vrd_buf *b, uint8_t want_type,
		      const uint8_t **body, size_t *blen)
{
	uint8_t type = 0;
	long n = vrd_ctl_frame(b->data, b->len, &type, body, blen);

	assert_int_equal(n, (long)b->len);
	assert_int_equal(type, want_type);
	assert_int_equal(*blen, b->len - 5);
}

static void test_request_round_trip(void **state)
{
	char *argv[] = {"route", "192.0.2.9", "--vn", "2"};
	static const uint8_t want[] = {
		0,   0,	  0,   30,  VRD_CTL_REQUEST,
		1,   4,	  0,   5,   'r',
		'o', 'u', 't', 'e', 0,
		9,   '1', '9', '2', '.',
		'0', '.', '2', '.', '9',
		0,   4,	  '-', '-', 'v',
		'n', 0,	  1,   '2',
	};
	struct vrd_buf b = {0};
	struct vrd_ctl_request req;
	const uint8_t *body;
	size_t blen;

	assert_int_equal(vrd_ctl_put_request(&b, 4, argv), 0);
	assert_int_equal(b.len, sizeof(want));
	assert_memory_equal(b.data, want, sizeof(want));
	one_frame(&b, VRD_CTL_REQUEST, &body, &blen);
	assert_int_equal(vrd_ctl_parse_request(body, blen, &req), 0);
	assert_int_equal(req.argc, 4);
	for (int i = 0; i < 4; i++) {
		assert_string_equal(req.argv[i], argv[i]);
	}
	vrd_buf_free(&b);
}

static void test_request_limits(void **state)
{
	char *argv[VRD_CTL_ARGS_MAX + 1];
	char arg[VRD_CTL_ARG_MAX + 2];
	struct vrd_buf b = {0};
	struct vrd_ctl_request req;
	const uint8_t *body;
	size_t blen;

	memset(arg, 'a', sizeof(arg));
	arg[VRD_CTL_ARG_MAX + 1] = '\0';
	for (int i = 0; i <= VRD_CTL_ARGS_MAX; i++) {
		argv[i] = "x";
	}
	assert_int_equal(vrd_ctl_put_request(&b, 0, argv), -EINVAL);
	assert_int_equal(vrd_ctl_put_request(&b, VRD_CTL_ARGS_MAX + 1, argv),
			 -EINVAL);
	argv[3] = arg;
	assert_int_equal(vrd_ctl_put_request(&b, 4, argv), -EINVAL);
	assert_int_equal(b.len, 0); /* nothing left behind */

	/* the largest request: 16 words of 255 bytes */
	arg[VRD_CTL_ARG_MAX] = '\0';
	for (int i = 0; i < VRD_CTL_ARGS_MAX; i++) {
		argv[i] = arg;
	}
	assert_int_equal(vrd_ctl_put_request(&b, VRD_CTL_ARGS_MAX, argv), 0);
	one_frame(&b, VRD_CTL_REQUEST, &body, &blen);
	assert_int_equal(vrd_ctl_parse_request(body, blen, &req), 0);
	assert_int_equal(req.argc, VRD_CTL_ARGS_MAX);
	assert_string_equal(req.argv[15], arg);
	vrd_buf_free(&b);
}

static void fill_row(struct vrd_row *r)
{
	char s[VRD_FIELD_STR_MAX + 1];

	memset(r, 0, sizeof(*r));
	memset(s, 's', VRD_FIELD_STR_MAX);
	s[VRD_FIELD_STR_MAX] = '\0';
	assert_int_equal(vrd_row_add_str(r, "prefix", "192.0.2.0/24"), 0);
	assert_int_equal(vrd_row_add_str(r, "empty", "%s", ""), 0);
	assert_int_equal(vrd_row_add_str(r, "long", "%s", s), 0);
	assert_int_equal(vrd_row_add_u64(r, "u", UINT64_MAX), 0);
	assert_int_equal(vrd_row_add_u64(r, "zero", 0), 0);
	assert_int_equal(vrd_row_add_i64(r, "i", INT64_MIN), 0);
	assert_int_equal(vrd_row_add_i64(r, "minus1", -1), 0);
	assert_int_equal(vrd_row_add_bool(r, "t", true), 0);
	assert_int_equal(vrd_row_add_bool(r, "f", false), 0);
	assert_int_equal(vrd_row_add_time(r, "time", 1700000000123ull), 0);
	assert_int_equal(vrd_row_add_null(r, "null"), 0);
}

static void assert_rows_equal(const struct vrd_row *a, const struct vrd_row *b)
{
	assert_int_equal(a->n, b->n);
	for (unsigned i = 0; i < a->n; i++) {
		const struct vrd_field *x = &a->f[i], *y = &b->f[i];

		assert_string_equal(x->name, y->name);
		assert_int_equal(x->type, y->type);
		switch (x->type) {
		case VRD_FIELD_STR:
			assert_string_equal(x->v.s, y->v.s);
			break;
		case VRD_FIELD_U64:
		case VRD_FIELD_TIME:
			assert_true(x->v.u == y->v.u);
			break;
		case VRD_FIELD_I64:
			assert_true(x->v.i == y->v.i);
			break;
		case VRD_FIELD_BOOL:
			assert_int_equal(x->v.b, y->v.b);
			break;
		}
	}
}

static void test_row_round_trip(void **state)
{
	struct vrd_row in, out;
	struct vrd_buf b = {0};
	const uint8_t *body;
	size_t blen;

	fill_row(&in);
	assert_int_equal(vrd_ctl_put_row(&b, &in), 0);
	one_frame(&b, VRD_CTL_ROW, &body, &blen);
	memset(&out, 0xa5, sizeof(out));
	assert_int_equal(vrd_ctl_parse_row(body, blen, &out), 0);
	assert_rows_equal(&in, &out);
	vrd_buf_free(&b);

	/* exact bytes of a small row */
	static const uint8_t want[] = {
		0,
		0,
		0,
		21,
		VRD_CTL_ROW,
		3,
		2,
		'v',
		'n',
		VRD_FIELD_U64,
		0,
		0,
		0,
		0,
		0,
		0,
		0,
		1,
		1,
		'b',
		VRD_FIELD_BOOL,
		1,
		1,
		'x',
		VRD_FIELD_NULL,
	};
	struct vrd_row small = {0};

	vrd_row_add_u64(&small, "vn", 1);
	vrd_row_add_bool(&small, "b", true);
	vrd_row_add_null(&small, "x");
	assert_int_equal(vrd_ctl_put_row(&b, &small), 0);
	assert_int_equal(b.len, sizeof(want));
	assert_memory_equal(b.data, want, sizeof(want));
	vrd_buf_free(&b);

	/* a full row, and an empty one */
	memset(&in, 0, sizeof(in));
	while (in.n < VRD_ROW_FIELDS_MAX) {
		char s[VRD_FIELD_STR_MAX + 1], name[VRD_FIELD_NAME_MAX + 1];

		memset(s, 'a' + (int)in.n, VRD_FIELD_STR_MAX);
		s[VRD_FIELD_STR_MAX] = '\0';
		memset(name, 'A' + (int)in.n, VRD_FIELD_NAME_MAX);
		name[VRD_FIELD_NAME_MAX] = '\0';
		assert_int_equal(vrd_row_add_str(&in, name, "%s", s), 0);
	}
	assert_int_equal(vrd_ctl_put_row(&b, &in), 0);
	one_frame(&b, VRD_CTL_ROW, &body, &blen);
	assert_int_equal(vrd_ctl_parse_row(body, blen, &out), 0);
	assert_rows_equal(&in, &out);
	vrd_buf_free(&b);

	memset(&in, 0, sizeof(in));
	assert_int_equal(vrd_ctl_put_row(&b, &in), 0);
	one_frame(&b, VRD_CTL_ROW, &body, &blen);
	assert_int_equal(vrd_ctl_parse_row(body, blen, &out), 0);
	assert_int_equal(out.n, 0);
	vrd_buf_free(&b);
}

static void test_row_put_rejects(void **state)
{
	struct vrd_buf b = {0};
	struct vrd_row r;

	fill_row(&r);
	r.f[2].type = 0;
	assert_int_equal(vrd_ctl_put_row(&b, &r), -EINVAL);
	fill_row(&r);
	r.f[2].type = VRD_FIELD_NULL + 1;
	assert_int_equal(vrd_ctl_put_row(&b, &r), -EINVAL);
	fill_row(&r);
	r.f[0].name[0] = '\0';
	assert_int_equal(vrd_ctl_put_row(&b, &r), -EINVAL);
	fill_row(&r);
	memset(r.f[0].name, 'n', sizeof(r.f[0].name)); /* no NUL */
	assert_int_equal(vrd_ctl_put_row(&b, &r), -EINVAL);
	fill_row(&r);
	memset(r.f[0].v.s, 's', sizeof(r.f[0].v.s)); /* no NUL */
	assert_int_equal(vrd_ctl_put_row(&b, &r), -EINVAL);
	fill_row(&r);
	r.n = VRD_ROW_FIELDS_MAX + 1;
	assert_int_equal(vrd_ctl_put_row(&b, &r), -EINVAL);
	assert_int_equal(b.len, 0);
	vrd_buf_free(&b);
}

static void test_end_round_trip(void **state)
{
	static const uint8_t want[] = {
		0,    0,    0,	  13,	VRD_CTL_END,
		0xff, 0xff, 0xff, 0xfe, VRD_REPLY_TABLE,
		3,    0,    4,	  'o',	'o',
		'p',  's',
	};
	struct vrd_reply in, out;
	struct vrd_buf b = {0};
	const uint8_t *body;
	size_t blen;

	vrd_reply_init(&in, VRD_REPLY_TABLE);
	in.fixed = 3;
	vrd_reply_error(&in, -ENOENT, "oops");
	assert_int_equal(vrd_ctl_put_end(&b, &in), 0);
	assert_int_equal(b.len, sizeof(want));
	assert_memory_equal(b.data, want, sizeof(want));
	one_frame(&b, VRD_CTL_END, &body, &blen);
	vrd_reply_init(&out, VRD_REPLY_NONE);
	assert_int_equal(vrd_ctl_parse_end(body, blen, &out), 0);
	assert_int_equal(out.status, -ENOENT);
	assert_int_equal(out.kind, VRD_REPLY_TABLE);
	assert_int_equal(out.fixed, 3);
	assert_string_equal(out.message, "oops");
	vrd_buf_free(&b);

	/* longest message, most negative status, every kind */
	memset(in.message, 'm', VRD_REPLY_MSG_MAX);
	in.message[VRD_REPLY_MSG_MAX] = '\0';
	in.status = INT32_MIN;
	for (uint8_t k = VRD_REPLY_TABLE; k <= VRD_REPLY_NONE; k++) {
		in.kind = k;
		assert_int_equal(vrd_ctl_put_end(&b, &in), 0);
		one_frame(&b, VRD_CTL_END, &body, &blen);
		assert_int_equal(vrd_ctl_parse_end(body, blen, &out), 0);
		assert_int_equal(out.kind, k);
		assert_int_equal(out.status, INT32_MIN);
		assert_string_equal(out.message, in.message);
		vrd_buf_free(&b);
	}

	/* what an END cannot say */
	in.status = 1;
	assert_int_equal(vrd_ctl_put_end(&b, &in), -EINVAL);
	in.status = 0;
	in.kind = 0;
	assert_int_equal(vrd_ctl_put_end(&b, &in), -EINVAL);
	in.kind = VRD_REPLY_NONE + 1;
	assert_int_equal(vrd_ctl_put_end(&b, &in), -EINVAL);
	in.kind = VRD_REPLY_TABLE;
	in.fixed = VRD_ROW_FIELDS_MAX + 1;
	assert_int_equal(vrd_ctl_put_end(&b, &in), -EINVAL);
	assert_int_equal(b.len, 0);
	vrd_buf_free(&b);
}

static void test_reply_stream(void **state)
{
	struct vrd_reply in, out;
	struct vrd_buf b = {0};
	size_t off = 0;
	unsigned rows = 0;
	bool end = false;

	vrd_reply_init(&in, VRD_REPLY_TABLE);
	for (unsigned i = 0; i < 100; i++) {
		struct vrd_row *r = vrd_reply_row(&in);

		assert_non_null(r);
		vrd_row_add_u64(r, "i", i);
		vrd_row_add_str(r, "s", "row %u", i);
	}
	assert_int_equal(vrd_ctl_put_reply(&b, &in), 0);

	vrd_reply_init(&out, VRD_REPLY_NONE);
	while (off < b.len) {
		const uint8_t *body;
		size_t blen;
		uint8_t type;
		long n = vrd_ctl_frame(b.data + off, b.len - off, &type, &body,
				       &blen);

		assert_true(n > 0);
		assert_false(end); /* nothing after the END */
		if (type == VRD_CTL_ROW) {
			struct vrd_row *r = vrd_reply_row(&out);

			struct vrd_row want;

			assert_int_equal(vrd_ctl_parse_row(body, blen, r), 0);
			assert_int_equal(vrd_reply_get(&in, rows, &want), 0);
			assert_rows_equal(r, &want);
			rows++;
		} else {
			assert_int_equal(type, VRD_CTL_END);
			assert_int_equal(vrd_ctl_parse_end(body, blen, &out),
					 0);
			end = true;
		}
		off += (size_t)n;
	}
	assert_true(end);
	assert_int_equal(rows, 100);
	assert_int_equal(out.kind, VRD_REPLY_TABLE);
	assert_int_equal(out.status, 0);

	/* the rows went out as stored: the same bytes as put_row's */
	struct vrd_buf one = {0};
	struct vrd_row want;
	assert_int_equal(vrd_reply_get(&in, 0, &want), 0);
	assert_int_equal(vrd_ctl_put_row(&one, &want), 0);
	assert_memory_equal(b.data, one.data, one.len);
	vrd_buf_free(&one);

	/* a bad row leaves the buffer as it was: the unfinished last one,
	 * or one finished before (the reply remembers it was dropped) */
	size_t len = b.len;
	in.scratch->f[0].type = 0;
	assert_int_equal(vrd_ctl_put_reply(&b, &in), -EINVAL);
	assert_int_equal(b.len, len);
	in.scratch->f[0].type = VRD_FIELD_U64;
	assert_int_equal(vrd_ctl_put_reply(&b, &in), 0);
	b.len = len;
	vrd_reply_row(&in)->n = 1; /* a field with no name and no type */
	vrd_row_add_u64(vrd_reply_row(&in), "i", 101);
	assert_int_equal(vrd_ctl_put_reply(&b, &in), -EINVAL);
	assert_int_equal(b.len, len);

	vrd_reply_free(&in);
	vrd_reply_free(&out);
	vrd_buf_free(&b);
}

static void test_frame(void **state)
{
	uint8_t p[8] = {0, 0, 0, 3, VRD_CTL_ROW, 0xaa, 0xbb, 0xcc};
	const uint8_t *body = NULL;
	size_t blen = 0;
	uint8_t type = 0;

	for (size_t k = 0; k < 7; k++) {
		assert_int_equal(vrd_ctl_frame(p, k, &type, &body, &blen), 0);
	}
	assert_int_equal(vrd_ctl_frame(p, 7, &type, &body, &blen), 7);
	assert_int_equal(type, VRD_CTL_ROW);
	assert_ptr_equal(body, p + 5);
	assert_int_equal(blen, 2);
	/* more bytes after it: still the one frame */
	assert_int_equal(vrd_ctl_frame(p, 8, &type, &body, &blen), 7);

	p[3] = 0; /* length 0: not even a type */
	assert_int_equal(vrd_ctl_frame(p, 8, &type, &body, &blen), -EBADMSG);
	/* just over the limit, and far over: refused from the header alone */
	p[0] = 0;
	p[1] = 1;
	p[2] = 0;
	p[3] = 1;
	assert_int_equal(vrd_ctl_frame(p, 4, &type, &body, &blen), -EBADMSG);
	p[0] = 0xff;
	assert_int_equal(vrd_ctl_frame(p, 4, &type, &body, &blen), -EBADMSG);
	/* exactly the limit is a frame that is not complete yet */
	p[0] = 0;
	p[1] = 1;
	p[2] = 0;
	p[3] = 0;
	assert_int_equal(vrd_ctl_frame(p, 8, &type, &body, &blen), 0);
}

static void test_buf(void **state)
{
	struct vrd_buf b = {0};

	assert_int_equal(vrd_buf_reserve(&b, 10), 0);
	assert_true(b.cap >= 10);
	memcpy(b.data, "0123456789", 10);
	b.len = 10;
	vrd_buf_consume(&b, 3);
	assert_int_equal(b.len, 7);
	assert_memory_equal(b.data, "3456789", 7);
	vrd_buf_consume(&b, 100);
	assert_int_equal(b.len, 0);
	assert_int_equal(vrd_buf_reserve(&b, SIZE_MAX), -ENOMEM);
	vrd_buf_free(&b);
	assert_null(b.data);
	vrd_buf_free(&b);
	vrd_buf_free(NULL);
}

/* ---- malformed input ------------------------------------------------ */

typedef int (*parse_fn)(const uint8_t *, size_t, void *);

static int parse_request(const uint8_t *p, size_t n, void *out)
{
	return vrd_ctl_parse_request(p, n, out);
}

static int parse_row(const uint8_t *p, size_t n, void *out)
{
	return vrd_ctl_parse_row(p, n, out);
}

static int parse_end(const uint8_t *p, size_t n, void *out)
{
	return vrd_ctl_parse_end(p, n, out);
}

/* Every prefix of a valid body is refused, and so is the body with a
 * byte more; the frame is "need more" at every cut. Copies to a buffer of
 * the exact length, so ASan sees any read past it. */
static void check_cuts(const struct vrd_buf *b, parse_fn parse, void *out)
{
	const uint8_t *body;
	size_t blen;
	uint8_t type;

	for (size_t k = 0; k < b->len; k++) {
		assert_int_equal(vrd_ctl_frame(b->data, k, &type, &body, &blen),
				 0);
	}
	assert_int_equal(vrd_ctl_frame(b->data, b->len, &type, &body, &blen),
			 (long)b->len);
	for (size_t k = 0; k < blen; k++) {
		uint8_t *cut = malloc(k ? k : 1);

		memcpy(cut, body, k);
		assert_int_equal(parse(cut, k, out), -EBADMSG);
		free(cut);
	}
	uint8_t *more = malloc(blen + 1);
	memcpy(more, body, blen);
	more[blen] = 0;
	assert_int_equal(parse(more, blen + 1, out), -EBADMSG);
	assert_int_equal(parse(more, blen, out), 0);
	free(more);
}

static void test_truncation(void **state)
{
	char *argv[] = {"gndt", "add", "192.0.2.0/24", "vrB", ""};
	struct vrd_ctl_request req;
	struct vrd_reply rep;
	struct vrd_buf b = {0};
	struct vrd_row row;

	assert_int_equal(vrd_ctl_put_request(&b, 5, argv), 0);
	check_cuts(&b, parse_request, &req);
	vrd_buf_free(&b);

	fill_row(&row);
	assert_int_equal(vrd_ctl_put_row(&b, &row), 0);
	check_cuts(&b, parse_row, &row);
	vrd_buf_free(&b);

	vrd_reply_init(&rep, VRD_REPLY_OBJECT);
	vrd_reply_error(&rep, -EINVAL, "bad thing");
	assert_int_equal(vrd_ctl_put_end(&b, &rep), 0);
	check_cuts(&b, parse_end, &rep);
	vrd_buf_free(&b);
}

static void expect_bad(parse_fn parse, const uint8_t *p, size_t n)
{
	union {
		struct vrd_ctl_request req;
		struct vrd_row row;
		struct vrd_reply rep;
	} out;

	memset(&out, 0, sizeof(out));
	assert_int_equal(parse(p, n, &out), -EBADMSG);
}

static void test_bad_request(void **state)
{
	uint8_t p[2 + 2 + 300];
	struct vrd_ctl_request req;

	/* good: version 1, one word "ab" */
	static const uint8_t good[] = {1, 1, 0, 2, 'a', 'b'};
	assert_int_equal(vrd_ctl_parse_request(good, sizeof(good), &req), 0);
	assert_string_equal(req.argv[0], "ab");

	static const uint8_t version[] = {2, 1, 0, 2, 'a', 'b'};
	expect_bad(parse_request, version, sizeof(version));
	static const uint8_t argc0[] = {1, 0};
	expect_bad(parse_request, argc0, sizeof(argc0));
	static const uint8_t nul[] = {1, 1, 0, 2, 'a', 0};
	expect_bad(parse_request, nul, sizeof(nul));
	static const uint8_t overlong[] = {1, 1, 0, 3, 'a', 'b'};
	expect_bad(parse_request, overlong, sizeof(overlong));
	static const uint8_t missing[] = {1, 2, 0, 2, 'a', 'b'};
	expect_bad(parse_request, missing, sizeof(missing));

	/* 17 words */
	size_t n = 0;
	p[n++] = 1;
	p[n++] = VRD_CTL_ARGS_MAX + 1;
	for (int i = 0; i <= VRD_CTL_ARGS_MAX && n + 3 <= sizeof(p); i++) {
		p[n++] = 0;
		p[n++] = 1;
		p[n++] = 'w';
	}
	expect_bad(parse_request, p, n);

	/* a word of 256 bytes */
	n = 0;
	p[n++] = 1;
	p[n++] = 1;
	p[n++] = 1;
	p[n++] = 0;
	memset(p + n, 'w', 256);
	n += 256;
	expect_bad(parse_request, p, n);
	p[2] = 0; /* 255 is fine, but then one byte trails */
	p[3] = 255;
	expect_bad(parse_request, p, n);
	assert_int_equal(vrd_ctl_parse_request(p, n - 1, &req), 0);
}

static void test_bad_row(void **state)
{
	struct vrd_row row;

	static const uint8_t good[] = {1, 1, 'a', VRD_FIELD_STR, 0, 1, 'x'};
	assert_int_equal(vrd_ctl_parse_row(good, sizeof(good), &row), 0);
	assert_string_equal(row.f[0].v.s, "x");

	static const uint8_t type0[] = {1, 1, 'a', 0};
	expect_bad(parse_row, type0, sizeof(type0));
	static const uint8_t type7[] = {1, 1, 'a', VRD_FIELD_NULL + 1};
	expect_bad(parse_row, type7, sizeof(type7));
	static const uint8_t type255[] = {1, 1, 'a', 255};
	expect_bad(parse_row, type255, sizeof(type255));
	static const uint8_t name0[] = {1, 0, VRD_FIELD_NULL};
	expect_bad(parse_row, name0, sizeof(name0));
	static const uint8_t namenul[] = {1, 2, 'a', 0, VRD_FIELD_NULL};
	expect_bad(parse_row, namenul, sizeof(namenul));
	static const uint8_t strnul[] = {1, 1, 'a', VRD_FIELD_STR,
					 0, 2, 'x', 0};
	expect_bad(parse_row, strnul, sizeof(strnul));
	static const uint8_t bool2[] = {1, 1, 'a', VRD_FIELD_BOOL, 2};
	expect_bad(parse_row, bool2, sizeof(bool2));
	static const uint8_t fewer[] = {2, 1, 'a', VRD_FIELD_NULL};
	expect_bad(parse_row, fewer, sizeof(fewer));
	static const uint8_t trailing[] = {1, 1, 'a', VRD_FIELD_NULL, 0};
	expect_bad(parse_row, trailing, sizeof(trailing));
	static const uint8_t empty[] = {0};
	assert_int_equal(vrd_ctl_parse_row(empty, 1, &row), 0);
	expect_bad(parse_row, empty, 0);

	uint8_t p[400];
	size_t n;

	/* 25 fields */
	n = 0;
	p[n++] = VRD_ROW_FIELDS_MAX + 1;
	for (int i = 0; i <= VRD_ROW_FIELDS_MAX; i++) {
		p[n++] = 1;
		p[n++] = 'a';
		p[n++] = VRD_FIELD_NULL;
	}
	expect_bad(parse_row, p, n);
	p[0] = VRD_ROW_FIELDS_MAX;
	assert_int_equal(vrd_ctl_parse_row(p, n - 3, &row), 0);
	assert_int_equal(row.n, VRD_ROW_FIELDS_MAX);

	/* a name of 32 */
	n = 0;
	p[n++] = 1;
	p[n++] = VRD_FIELD_NAME_MAX + 1;
	memset(p + n, 'n', VRD_FIELD_NAME_MAX + 1);
	n += VRD_FIELD_NAME_MAX + 1;
	p[n++] = VRD_FIELD_NULL;
	expect_bad(parse_row, p, n);

	/* a string of 128 */
	n = 0;
	p[n++] = 1;
	p[n++] = 1;
	p[n++] = 's';
	p[n++] = VRD_FIELD_STR;
	p[n++] = 0;
	p[n++] = VRD_FIELD_STR_MAX + 1;
	memset(p + n, 'x', VRD_FIELD_STR_MAX + 1);
	n += VRD_FIELD_STR_MAX + 1;
	expect_bad(parse_row, p, n);
	/* and a length far past the end */
	p[4] = 0xff;
	expect_bad(parse_row, p, n);
}

static void test_bad_end(void **state)
{
	struct vrd_reply rep;

	static const uint8_t good[] = {0, 0, 0, 0, VRD_REPLY_NONE, 0, 0, 0};
	vrd_reply_init(&rep, VRD_REPLY_TABLE);
	assert_int_equal(vrd_ctl_parse_end(good, sizeof(good), &rep), 0);
	assert_int_equal(rep.kind, VRD_REPLY_NONE);

	static const uint8_t positive[] = {0, 0, 0, 1, 1, 0, 0, 0};
	expect_bad(parse_end, positive, sizeof(positive));
	static const uint8_t kind0[] = {0, 0, 0, 0, 0, 0, 0, 0};
	expect_bad(parse_end, kind0, sizeof(kind0));
	static const uint8_t kind4[] = {0, 0, 0, 0, 4, 0, 0, 0};
	expect_bad(parse_end, kind4, sizeof(kind4));
	static const uint8_t fixed25[] = {0, 0, 0, 0, 1, 25, 0, 0};
	expect_bad(parse_end, fixed25, sizeof(fixed25));
	static const uint8_t msgnul[] = {0, 0, 0, 0, 1, 0, 0, 2, 'a', 0};
	expect_bad(parse_end, msgnul, sizeof(msgnul));
	static const uint8_t msgpast[] = {0, 0, 0, 0, 1, 0, 0, 3, 'a', 'b'};
	expect_bad(parse_end, msgpast, sizeof(msgpast));
	static const uint8_t trailing[] = {0, 0, 0, 0, 1, 0, 0, 0, 0};
	expect_bad(parse_end, trailing, sizeof(trailing));

	uint8_t p[8 + 256];
	memcpy(p, good, 8);
	p[6] = 1; /* a message of 256 */
	p[7] = 0;
	memset(p + 8, 'm', 256);
	expect_bad(parse_end, p, sizeof(p));
	/* a failed parse leaves rep alone */
	assert_int_equal(rep.kind, VRD_REPLY_NONE);
	assert_string_equal(rep.message, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_round_trip),
		cmocka_unit_test(test_request_limits),
		cmocka_unit_test(test_row_round_trip),
		cmocka_unit_test(test_row_put_rejects),
		cmocka_unit_test(test_end_round_trip),
		cmocka_unit_test(test_reply_stream),
		cmocka_unit_test(test_frame),
		cmocka_unit_test(test_buf),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_bad_request),
		cmocka_unit_test(test_bad_row),
		cmocka_unit_test(test_bad_end),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
