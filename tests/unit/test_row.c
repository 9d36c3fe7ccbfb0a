/* Rows: appenders and their limits, entry converters, replies. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vrctl/row.h"

static void test_append_types(void **state)
{
	struct vrd_row r = {0};
	const struct vrd_field *f;

	assert_int_equal(vrd_row_add_str(&r, "name", "vr%c", 'A'), 0);
	assert_int_equal(vrd_row_add_u64(&r, "big", UINT64_MAX), 0);
	assert_int_equal(vrd_row_add_i64(&r, "neg", INT64_MIN), 0);
	assert_int_equal(vrd_row_add_bool(&r, "up", true), 0);
	assert_int_equal(vrd_row_add_time(&r, "at", 1700000000123ull), 0);
	assert_int_equal(vrd_row_add_null(&r, "none"), 0);
	assert_int_equal(r.n, 6);

	f = vrd_row_find(&r, "name");
	assert_non_null(f);
	assert_int_equal(f->type, VRD_FIELD_STR);
	assert_string_equal(f->v.s, "vrA");
	f = vrd_row_find(&r, "big");
	assert_int_equal(f->type, VRD_FIELD_U64);
	assert_true(f->v.u == UINT64_MAX);
	f = vrd_row_find(&r, "neg");
	assert_int_equal(f->type, VRD_FIELD_I64);
	assert_true(f->v.i == INT64_MIN);
	f = vrd_row_find(&r, "up");
	assert_int_equal(f->type, VRD_FIELD_BOOL);
	assert_true(f->v.b);
	f = vrd_row_find(&r, "at");
	assert_int_equal(f->type, VRD_FIELD_TIME);
	assert_true(f->v.u == 1700000000123ull);
	f = vrd_row_find(&r, "none");
	assert_int_equal(f->type, VRD_FIELD_NULL);
	assert_null(vrd_row_find(&r, "missing"));
	assert_ptr_equal(vrd_row_find(&r, "name"), &r.f[0]);
}

static void test_append_limits(void **state)
{
	struct vrd_row r = {0};
	char name[VRD_FIELD_NAME_MAX + 2];
	char s[VRD_FIELD_STR_MAX + 2];

	/* names: 1 to 31 characters */
	memset(name, 'n', sizeof(name));
	name[VRD_FIELD_NAME_MAX + 1] = '\0';
	assert_int_equal(vrd_row_add_u64(&r, name, 1), -EINVAL);
	assert_int_equal(vrd_row_add_u64(&r, "", 1), -EINVAL);
	assert_int_equal(r.n, 0);
	name[VRD_FIELD_NAME_MAX] = '\0';
	assert_int_equal(vrd_row_add_u64(&r, name, 1), 0);
	assert_string_equal(r.f[0].name, name);

	/* strings: up to 127 characters, longer is refused, not cut */
	memset(s, 'x', sizeof(s));
	s[VRD_FIELD_STR_MAX + 1] = '\0';
	assert_int_equal(vrd_row_add_str(&r, "long", "%s", s), -EINVAL);
	assert_int_equal(r.n, 1);
	s[VRD_FIELD_STR_MAX] = '\0';
	assert_int_equal(vrd_row_add_str(&r, "fits", "%s", s), 0);
	assert_int_equal(r.n, 2);
	assert_int_equal(strlen(r.f[1].v.s), VRD_FIELD_STR_MAX);
	assert_int_equal(vrd_row_add_str(&r, "empty", "%s", ""), 0);

	/* full */
	while (r.n < VRD_ROW_FIELDS_MAX) {
		assert_int_equal(vrd_row_add_bool(&r, "b", false), 0);
	}
	assert_int_equal(vrd_row_add_u64(&r, "x", 1), -ENOSPC);
	assert_int_equal(vrd_row_add_i64(&r, "x", 1), -ENOSPC);
	assert_int_equal(vrd_row_add_str(&r, "x", "y"), -ENOSPC);
	assert_int_equal(vrd_row_add_bool(&r, "x", true), -ENOSPC);
	assert_int_equal(vrd_row_add_time(&r, "x", 1), -ENOSPC);
	assert_int_equal(vrd_row_add_null(&r, "x"), -ENOSPC);
	assert_int_equal(r.n, VRD_ROW_FIELDS_MAX);
}

/* The field named name is a string equal to want. */
static void expect_str(const struct vrd_row *r, const char *name,
		       const char *want)
{
	const struct vrd_field *f = vrd_row_find(r, name);

	assert_non_null(f);
	assert_int_equal(f->type, VRD_FIELD_STR);
	assert_string_equal(f->v.s, want);
}

static void expect_num(const struct vrd_row *r, const char *name, uint8_t type,
		       uint64_t want)
{
	const struct vrd_field *f = vrd_row_find(r, name);

	assert_non_null(f);
	assert_int_equal(f->type, type);
	assert_true(f->v.u == want);
}

static void expect_names(const struct vrd_row *r, const char *const *names,
			 unsigned n)
{
	assert_int_equal(r->n, n);
	for (unsigned i = 0; i < n; i++) {
		assert_string_equal(r->f[i].name, names[i]);
	}
}

static void test_from_lndt(void **state)
{
	static const char *const names[] = {"prefix", "vn", "source", "added"};
	struct tables_lndt_entry e = {
		.vn = 3,
		.prefix = {0xc0000200, 24},
		.source = TABLES_LNDT_MIGRATED,
		.added_ms = 42,
	};
	struct vrd_row r;

	memset(&r, 0xff, sizeof(r));
	vrd_row_from_lndt(&r, &e);
	expect_names(&r, names, 4);
	expect_str(&r, "prefix", "192.0.2.0/24");
	expect_num(&r, "vn", VRD_FIELD_U64, 3);
	expect_str(&r, "source", "migrated");
	expect_num(&r, "added", VRD_FIELD_TIME, 42);

	e.source = TABLES_LNDT_CONFIG;
	vrd_row_from_lndt(&r, &e);
	expect_str(&r, "source", "config");
	e.source = TABLES_LNDT_STATIC;
	vrd_row_from_lndt(&r, &e);
	expect_str(&r, "source", "static");
	e.source = 99; /* a newer writer: shown as its number */
	vrd_row_from_lndt(&r, &e);
	expect_str(&r, "source", "99");
}

static void test_from_gndt(void **state)
{
	static const char *const names[] = {"prefix", "router",	 "seq",	   "vn",
					    "origin", "created", "updated"};
	static const char *const origins[] = {NULL, "local", "gossip", "claim",
					      "static"};
	struct tables_gndt_entry e = {
		.vn = 1,
		.prefix = {0xc0000214, 32},
		.router = "vrB",
		.seq = 7,
		.origin = TABLES_GNDT_GOSSIP,
		.created_ms = 1000,
		.updated_ms = 2000,
	};
	struct vrd_row r;

	vrd_row_from_gndt(&r, &e);
	expect_names(&r, names, 7);
	expect_str(&r, "prefix", "192.0.2.20/32");
	expect_str(&r, "router", "vrB");
	expect_num(&r, "seq", VRD_FIELD_U64, 7);
	expect_num(&r, "vn", VRD_FIELD_U64, 1);
	expect_num(&r, "created", VRD_FIELD_TIME, 1000);
	expect_num(&r, "updated", VRD_FIELD_TIME, 2000);
	for (uint8_t o = TABLES_GNDT_LOCAL; o <= TABLES_GNDT_STATIC; o++) {
		e.origin = o;
		vrd_row_from_gndt(&r, &e);
		expect_str(&r, "origin", origins[o]);
	}
	/* a router name of the full 32 characters fits */
	memset(e.router, 'r', VRD_NAME_MAX);
	e.router[VRD_NAME_MAX] = '\0';
	vrd_row_from_gndt(&r, &e);
	assert_int_equal(strlen(vrd_row_find(&r, "router")->v.s), VRD_NAME_MAX);
}

static void test_from_hwdt(void **state)
{
	static const char *const names[] = {
		"ip", "mac", "vn", "source", "first_seen", "last_seen"};
	static const char *const sources[] = {NULL, "arp", "rarp", "garp",
					      "static"};
	struct tables_hwdt_entry e = {
		.vn = 2,
		.ip = 0xc6336414,
		.mac = {{0x52, 0x54, 0x00, 0xAB, 0xCD, 0xEF}},
		.source = TABLES_HWDT_ARP,
		.first_seen_ms = 5,
		.last_seen_ms = 6,
	};
	struct vrd_row r;

	vrd_row_from_hwdt(&r, &e);
	expect_names(&r, names, 6);
	expect_str(&r, "ip", "198.51.100.20");
	expect_str(&r, "mac", "52:54:00:ab:cd:ef");
	expect_num(&r, "vn", VRD_FIELD_U64, 2);
	expect_num(&r, "first_seen", VRD_FIELD_TIME, 5);
	expect_num(&r, "last_seen", VRD_FIELD_TIME, 6);
	for (uint8_t s = TABLES_HWDT_ARP; s <= TABLES_HWDT_STATIC; s++) {
		e.source = s;
		vrd_row_from_hwdt(&r, &e);
		expect_str(&r, "source", sources[s]);
	}
}

static void test_from_event(void **state)
{
	static const char *const names[] = {"time", "id",   "type", "ip",
					    "mac",  "from", "to"};
	struct tables_event ev = {
		.id = 12,
		.time_ms = 1700000000123ull,
		.type = "migration",
		.nfields = 4,
		.fields = {{"ip", "192.0.2.20"},
			   {"mac", "52:54:00:12:34:56"},
			   {"from", "vrA"},
			   {"to", "vrB"}},
	};
	struct vrd_row r;

	vrd_row_from_event(&r, &ev);
	expect_names(&r, names, 7);
	expect_num(&r, "time", VRD_FIELD_TIME, 1700000000123ull);
	expect_num(&r, "id", VRD_FIELD_U64, 12);
	expect_str(&r, "type", "migration");
	expect_str(&r, "ip", "192.0.2.20");
	expect_str(&r, "to", "vrB");

	/* every field of the largest event fits, values at full length */
	ev.nfields = TABLES_EVENT_FIELDS_MAX;
	for (unsigned i = 0; i < TABLES_EVENT_FIELDS_MAX; i++) {
		snprintf(ev.fields[i].key, sizeof(ev.fields[i].key), "k%u", i);
		memset(ev.fields[i].value, 'v', TABLES_EVENT_VALUE_MAX);
		ev.fields[i].value[TABLES_EVENT_VALUE_MAX] = '\0';
	}
	vrd_row_from_event(&r, &ev);
	assert_int_equal(r.n, 3 + TABLES_EVENT_FIELDS_MAX);
	assert_int_equal(strlen(vrd_row_find(&r, "k7")->v.s),
			 TABLES_EVENT_VALUE_MAX);
}

static void test_reply(void **state)
{
	struct vrd_reply rep;

	vrd_reply_init(&rep, VRD_REPLY_TABLE);
	assert_int_equal(rep.kind, VRD_REPLY_TABLE);
	assert_int_equal(rep.status, 0);
	assert_int_equal(rep.nrows, 0);
	assert_string_equal(rep.message, "");

	for (unsigned i = 0; i < 1000; i++) {
		struct vrd_row *r = vrd_reply_row(&rep);

		assert_non_null(r);
		assert_int_equal(r->n, 0); /* zeroed */
		assert_int_equal(vrd_row_add_u64(r, "i", i), 0);
	}
	assert_int_equal(rep.nrows, 1000);
	for (unsigned i = 0; i < 1000; i += 37) {
		struct vrd_row got;

		assert_int_equal(vrd_reply_get(&rep, i, &got), 0);
		assert_int_equal(got.n, 1);
		assert_true(got.f[0].v.u == i);
	}
	{
		struct vrd_row got;

		assert_int_equal(vrd_reply_get(&rep, 999, &got), 0);
		assert_true(got.f[0].v.u == 999); /* the scratch row */
		assert_int_equal(vrd_reply_get(&rep, 1000, &got), -ENOENT);
	}

	assert_int_equal(vrd_reply_error(&rep, -ENOENT, "no %s", "route"),
			 -ENOENT);
	assert_int_equal(rep.status, -ENOENT);
	assert_string_equal(rep.message, "no route");

	vrd_reply_free(&rep);
	assert_null(rep.rows.data);
	assert_null(rep.scratch);
	assert_int_equal(rep.nrows, 0);
	vrd_reply_free(&rep); /* twice is fine */
	vrd_reply_free(NULL);

	/* a message longer than the buffer is cut, not overflowed */
	char longmsg[VRD_REPLY_MSG_MAX * 2];
	memset(longmsg, 'm', sizeof(longmsg) - 1);
	longmsg[sizeof(longmsg) - 1] = '\0';
	vrd_reply_error(&rep, -EINVAL, "%s", longmsg);
	assert_int_equal(strlen(rep.message), VRD_REPLY_MSG_MAX);
}

/* Every type, and the limits, survive the encoding. */
static void test_encode_round_trip(void **state)
{
	struct vrd_row in = {0}, out;
	struct vrd_buf b = {0};
	char longs[VRD_FIELD_STR_MAX + 1];

	memset(longs, 's', VRD_FIELD_STR_MAX);
	longs[VRD_FIELD_STR_MAX] = '\0';
	vrd_row_add_str(&in, "s", "%s", longs);
	vrd_row_add_str(&in, "empty", "%s", "");
	vrd_row_add_u64(&in, "u", UINT64_MAX);
	vrd_row_add_i64(&in, "i", INT64_MIN);
	vrd_row_add_bool(&in, "b", true);
	vrd_row_add_time(&in, "t", 1700000000123ull);
	vrd_row_add_null(&in, "n");
	assert_int_equal(vrd_row_encode(&b, &in), 0);
	/* 1 + s 1+1+1+2+127, empty 1+5+1+2, u i t 3 x (1+1+1+8), b 1+1+1+1,
	 * n 1+1+1 */
	assert_int_equal(b.len, 1 + 132 + 9 + 33 + 4 + 3);
	assert_int_equal(vrd_row_decode(b.data, b.len, &out), 0);
	assert_int_equal(out.n, in.n);
	for (unsigned i = 0; i < in.n; i++) {
		assert_string_equal(out.f[i].name, in.f[i].name);
		assert_int_equal(out.f[i].type, in.f[i].type);
	}
	assert_string_equal(vrd_row_find(&out, "s")->v.s, longs);
	assert_true(vrd_row_find(&out, "u")->v.u == UINT64_MAX);
	assert_true(vrd_row_find(&out, "i")->v.i == INT64_MIN);
	assert_true(vrd_row_find(&out, "b")->v.b);
	/* short or long by one byte: refused, n is 0 */
	assert_int_equal(vrd_row_decode(b.data, b.len - 1, &out), -EBADMSG);
	assert_int_equal(out.n, 0);
	assert_int_equal(vrd_buf_reserve(&b, 1), 0);
	b.data[b.len] = 0;
	assert_int_equal(vrd_row_decode(b.data, b.len + 1, &out), -EBADMSG);

	/* a row a ROW cannot carry leaves b alone */
	size_t len = b.len;
	in.f[2].type = 0;
	assert_int_equal(vrd_row_encode(&b, &in), -EINVAL);
	assert_int_equal(b.len, len);
	vrd_buf_free(&b);
}

static int count_rows(const struct vrd_row *row, void *arg)
{
	unsigned *n = arg;

	assert_true(row->f[0].v.u == *n);
	(*n)++;
	return *n == 5 ? 42 : 0;
}

/* The scratch row is encoded when the next one is asked for or at
 * vrd_reply_finish(); readers see it either way. */
static void test_reply_finish(void **state)
{
	struct vrd_reply rep;
	struct vrd_row *r, got;
	unsigned n = 0;

	vrd_reply_init(&rep, VRD_REPLY_TABLE);
	assert_int_equal(vrd_reply_finish(&rep), 0); /* nothing to do */
	assert_int_equal(vrd_reply_foreach(&rep, count_rows, &n), 0);
	assert_int_equal(n, 0);

	r = vrd_reply_row(&rep);
	vrd_row_add_u64(r, "i", 0);
	assert_true(rep.pending);
	assert_int_equal(rep.rows.len, 0);
	assert_int_equal(vrd_reply_get(&rep, 0, &got), 0); /* unfinished */
	assert_true(got.f[0].v.u == 0);

	r = vrd_reply_row(&rep); /* row 0 gets encoded */
	assert_int_equal(rep.rows.len, 2 + 1 + 1 + 1 + 1 + 8);
	vrd_row_add_u64(r, "i", 1);
	assert_int_equal(vrd_reply_finish(&rep), 0);
	assert_false(rep.pending);
	assert_int_equal(rep.rows.len, 2 * (2 + 1 + 1 + 1 + 1 + 8));
	assert_int_equal(vrd_reply_finish(&rep), 0); /* idempotent */
	assert_int_equal(rep.rows.len, 2 * 14);
	assert_int_equal(rep.nrows, 2);
	assert_int_equal(vrd_reply_get(&rep, 1, &got), 0);
	assert_true(got.f[0].v.u == 1);

	/* foreach stops at fn's nonzero return and hands it back */
	for (unsigned i = 2; i < 8; i++) {
		vrd_row_add_u64(vrd_reply_row(&rep), "i", i);
	}
	assert_int_equal(vrd_reply_foreach(&rep, count_rows, &n), 42);
	assert_int_equal(n, 5);

	/* a row that cannot be encoded is dropped and remembered */
	r = vrd_reply_row(&rep);
	vrd_row_add_u64(r, "i", 8);
	r->f[0].type = 0;
	assert_non_null(vrd_reply_row(&rep)); /* the bad one is finished */
	assert_int_equal(rep.nrows, 9);
	assert_int_equal(rep.err, -EINVAL);
	assert_int_equal(vrd_reply_finish(&rep), -EINVAL);
	n = 0;
	assert_int_equal(vrd_reply_foreach(&rep, count_rows, &n), -EINVAL);
	assert_int_equal(n, 0);

	vrd_reply_free(&rep);
	assert_int_equal(rep.err, 0);
	assert_false(rep.pending);
}

/* Bodies from elsewhere (vrctl) are checked, then kept as they are. */
static void test_reply_append(void **state)
{
	static const uint8_t body[] = {1, 1, 'i', VRD_FIELD_U64, 0, 0, 0, 0, 0,
				       0, 0, 7};
	static const uint8_t bad[] = {1, 1, 'i', VRD_FIELD_BOOL, 2};
	struct vrd_reply rep;
	struct vrd_row got;

	vrd_reply_init(&rep, VRD_REPLY_TABLE);
	assert_int_equal(vrd_reply_append(&rep, body, sizeof(body)), 0);
	assert_int_equal(vrd_reply_append(&rep, bad, sizeof(bad)), -EBADMSG);
	assert_int_equal(vrd_reply_append(&rep, body, sizeof(body) - 1),
			 -EBADMSG);
	assert_int_equal(rep.nrows, 1);
	assert_int_equal(rep.rows.len, 2 + sizeof(body));
	assert_memory_equal(rep.rows.data + 2, body, sizeof(body));
	assert_int_equal(vrd_reply_get(&rep, 0, &got), 0);
	assert_string_equal(got.f[0].name, "i");
	assert_true(got.f[0].v.u == 7);

	/* after a scratch row: it is finished first, order is kept */
	vrd_row_add_u64(vrd_reply_row(&rep), "i", 8);
	assert_int_equal(vrd_reply_append(&rep, body, sizeof(body)), 0);
	assert_int_equal(rep.nrows, 3);
	assert_int_equal(vrd_reply_get(&rep, 1, &got), 0);
	assert_true(got.f[0].v.u == 8);
	assert_int_equal(vrd_reply_get(&rep, 2, &got), 0);
	assert_true(got.f[0].v.u == 7);
	vrd_reply_free(&rep);
}

/* The point of the encoding: a big GNDT reply costs bytes per row, not
 * sizeof(struct vrd_row). */
static void test_reply_memory(void **state)
{
	struct tables_gndt_entry e = {
		.vn = 1,
		.seq = 3,
		.origin = TABLES_GNDT_GOSSIP,
		.created_ms = 1700000000123ull,
		.updated_ms = 1700000000456ull,
	};
	struct vrd_reply rep;
	struct vrd_row got;

	memcpy(e.router, "vrouter-frankfurt-07", 21);
	vrd_reply_init(&rep, VRD_REPLY_TABLE);
	for (uint32_t i = 0; i < 200000; i++) {
		struct vrd_row *r = vrd_reply_row(&rep);

		assert_non_null(r);
		e.prefix.addr = 0x0a000000u + (i << 8);
		e.prefix.len = 24;
		vrd_row_from_gndt(r, &e);
	}
	assert_int_equal(vrd_reply_finish(&rep), 0);
	assert_int_equal(rep.nrows, 200000);
	assert_true(rep.rows.len / rep.nrows < 300);
	assert_true(rep.rows.cap < 2 * 300 * (size_t)200000);
	print_message("200000 gndt rows: %zu bytes encoded, %zu per row\n",
		      rep.rows.len, rep.rows.len / rep.nrows);
	assert_int_equal(vrd_reply_get(&rep, 199999, &got), 0);
	assert_string_equal(vrd_row_find(&got, "prefix")->v.s, "13.13.63.0/24");
	assert_string_equal(vrd_row_find(&got, "router")->v.s,
			    "vrouter-frankfurt-07");
	vrd_reply_free(&rep);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_append_types),
		cmocka_unit_test(test_append_limits),
		cmocka_unit_test(test_from_lndt),
		cmocka_unit_test(test_from_gndt),
		cmocka_unit_test(test_from_hwdt),
		cmocka_unit_test(test_from_event),
		cmocka_unit_test(test_reply),
		cmocka_unit_test(test_encode_round_trip),
		cmocka_unit_test(test_reply_finish),
		cmocka_unit_test(test_reply_append),
		cmocka_unit_test(test_reply_memory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
