/* Output: replies rendered into a memstream and compared with canonical
 * text and JSON, written out by hand. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vrctl/output.h"

static void expect_render(const struct vrd_reply *rep, bool json,
			  const char *want)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(vrd_output_reply(f, rep, json), 0);
	fclose(f);
	assert_string_equal(buf, want);
	free(buf);
}

static void gndt_reply(struct vrd_reply *rep)
{
	struct vrd_row *r;

	vrd_reply_init(rep, VRD_REPLY_TABLE);
	r = vrd_reply_row(rep);
	vrd_row_add_str(r, "prefix", "192.0.2.0/24");
	vrd_row_add_str(r, "router", "vrA");
	vrd_row_add_u64(r, "seq", 1);
	vrd_row_add_u64(r, "vn", 1);
	vrd_row_add_str(r, "origin", "local");
	vrd_row_add_time(r, "updated", 0);
	r = vrd_reply_row(rep);
	vrd_row_add_str(r, "prefix", "198.51.100.20/32");
	vrd_row_add_str(r, "router", "vrBeta");
	vrd_row_add_u64(r, "seq", 12345);
	vrd_row_add_u64(r, "vn", 1);
	vrd_row_add_str(r, "origin", "claim");
	vrd_row_add_time(r, "updated", 1700000000123ull);
}

static void test_table_text(void **state)
{
	struct vrd_reply rep;

	gndt_reply(&rep);
	expect_render(&rep, false,
		      "PREFIX            ROUTER    SEQ  VN  ORIGIN  UPDATED\n"
		      "192.0.2.0/24      vrA         1   1  local   "
		      "1970-01-01T00:00:00.000Z\n"
		      "198.51.100.20/32  vrBeta  12345   1  claim   "
		      "2023-11-14T22:13:20.123Z\n");
	vrd_reply_free(&rep);
}

static void test_table_json(void **state)
{
	struct vrd_reply rep;

	gndt_reply(&rep);
	expect_render(&rep, true,
		      "[\n"
		      "  {\"prefix\": \"192.0.2.0/24\", \"router\": \"vrA\", "
		      "\"seq\": 1, \"vn\": 1, \"origin\": \"local\", "
		      "\"updated\": \"1970-01-01T00:00:00.000Z\"},\n"
		      "  {\"prefix\": \"198.51.100.20/32\", \"router\": "
		      "\"vrBeta\", \"seq\": 12345, \"vn\": 1, \"origin\": "
		      "\"claim\", \"updated\": \"2023-11-14T22:13:20.123Z\"}\n"
		      "]\n");
	vrd_reply_free(&rep);
}

static void test_empty(void **state)
{
	struct vrd_reply rep;

	vrd_reply_init(&rep, VRD_REPLY_TABLE);
	expect_render(&rep, true, "[]\n");
	expect_render(&rep, false, "");
	vrd_reply_init(&rep, VRD_REPLY_OBJECT);
	expect_render(&rep, true, "{}\n");
	expect_render(&rep, false, "");
	vrd_reply_init(&rep, VRD_REPLY_NONE);
	expect_render(&rep, true, "");
	expect_render(&rep, false, "");
}

/* Events: time, id and type aligned, the varying rest as key=value. */
static void test_events_text(void **state)
{
	struct vrd_reply rep;
	struct vrd_row *r;

	vrd_reply_init(&rep, VRD_REPLY_TABLE);
	rep.fixed = 3;
	r = vrd_reply_row(&rep);
	vrd_row_add_time(r, "time", 1700000000123ull);
	vrd_row_add_u64(r, "id", 7);
	vrd_row_add_str(r, "type", "migration");
	vrd_row_add_str(r, "ip", "192.0.2.20");
	vrd_row_add_str(r, "mac", "52:54:00:12:34:56");
	vrd_row_add_str(r, "from", "vrA");
	vrd_row_add_str(r, "to", "vrB");
	r = vrd_reply_row(&rep);
	vrd_row_add_time(r, "time", 1700000000999ull);
	vrd_row_add_u64(r, "id", 10);
	vrd_row_add_str(r, "type", "peer-up");
	vrd_row_add_str(r, "name", "vrB");
	vrd_row_add_str(r, "reason", "hello ok");
	vrd_row_add_str(r, "note", "%s", "");
	vrd_row_add_str(r, "q", "a\"b=c\\");
	r = vrd_reply_row(&rep);
	vrd_row_add_time(r, "time", 1700000001000ull);
	vrd_row_add_u64(r, "id", 11);
	vrd_row_add_str(r, "type", "start");

	expect_render(&rep, false,
		      "TIME                      ID  TYPE\n"
		      "2023-11-14T22:13:20.123Z   7  migration  "
		      "ip=192.0.2.20  mac=52:54:00:12:34:56  from=vrA  to=vrB\n"
		      "2023-11-14T22:13:20.999Z  10  peer-up    name=vrB  "
		      "reason=\"hello ok\"  note=\"\"  q=\"a\\\"b=c\\\\\"\n"
		      "2023-11-14T22:13:21.000Z  11  start\n");
	expect_render(&rep, true,
		      "[\n"
		      "  {\"time\": \"2023-11-14T22:13:20.123Z\", \"id\": 7, "
		      "\"type\": \"migration\", \"ip\": \"192.0.2.20\", "
		      "\"mac\": \"52:54:00:12:34:56\", \"from\": \"vrA\", "
		      "\"to\": \"vrB\"},\n"
		      "  {\"time\": \"2023-11-14T22:13:20.999Z\", \"id\": 10, "
		      "\"type\": \"peer-up\", \"name\": \"vrB\", "
		      "\"reason\": \"hello ok\", \"note\": \"\", "
		      "\"q\": \"a\\\"b=c\\\\\"},\n"
		      "  {\"time\": \"2023-11-14T22:13:21.000Z\", \"id\": 11, "
		      "\"type\": \"start\"}\n"
		      "]\n");
	vrd_reply_free(&rep);
}

/* Rows that lack a column, or hold NULL, show "-"; a numeric column stays
 * right-aligned around them; an unexpected field goes to key=value. */
static void test_missing_and_null(void **state)
{
	struct vrd_reply rep;
	struct vrd_row *r;

	vrd_reply_init(&rep, VRD_REPLY_TABLE);
	r = vrd_reply_row(&rep);
	vrd_row_add_str(r, "name", "vrB");
	vrd_row_add_u64(r, "rtt", 1500);
	vrd_row_add_str(r, "state", "up");
	r = vrd_reply_row(&rep);
	vrd_row_add_str(r, "name", "vrC");
	vrd_row_add_null(r, "rtt");
	r = vrd_reply_row(&rep);
	vrd_row_add_str(r, "state", "down");
	vrd_row_add_str(r, "name", "vrDelta");
	vrd_row_add_bool(r, "extra", false);

	expect_render(&rep, false,
		      "NAME      RTT  STATE\n"
		      "vrB      1500  up\n"
		      "vrC         -  -\n"
		      "vrDelta     -  down   extra=false\n");
	expect_render(
		&rep, true,
		"[\n"
		"  {\"name\": \"vrB\", \"rtt\": 1500, \"state\": \"up\"},\n"
		"  {\"name\": \"vrC\", \"rtt\": null},\n"
		"  {\"state\": \"down\", \"name\": \"vrDelta\", "
		"\"extra\": false}\n"
		"]\n");
	vrd_reply_free(&rep);
}

static void test_object(void **state)
{
	struct vrd_reply rep;
	struct vrd_row *r;

	vrd_reply_init(&rep, VRD_REPLY_OBJECT);
	r = vrd_reply_row(&rep);
	vrd_row_add_str(r, "name", "vrA");
	vrd_row_add_str(r, "mode", "gateway");
	vrd_row_add_u64(r, "lndt", 1);
	vrd_row_add_u64(r, "map_size", 67108864);
	vrd_row_add_bool(r, "up", true);
	vrd_row_add_null(r, "pid");
	vrd_row_add_time(r, "started", 1700000000123ull);
	vrd_row_add_i64(r, "skew", -12);

	expect_render(&rep, false,
		      "    name: vrA\n"
		      "    mode: gateway\n"
		      "    lndt: 1\n"
		      "map_size: 67108864\n"
		      "      up: true\n"
		      "     pid: -\n"
		      " started: 2023-11-14T22:13:20.123Z\n"
		      "    skew: -12\n");
	expect_render(&rep, true,
		      "{\"name\": \"vrA\", \"mode\": \"gateway\", \"lndt\": 1, "
		      "\"map_size\": 67108864, \"up\": true, \"pid\": null, "
		      "\"started\": \"2023-11-14T22:13:20.123Z\", "
		      "\"skew\": -12}\n");
	vrd_reply_free(&rep);
}

static void test_escaping(void **state)
{
	struct vrd_reply rep;
	struct vrd_row *r;

	vrd_reply_init(&rep, VRD_REPLY_TABLE);
	r = vrd_reply_row(&rep);
	vrd_row_add_str(r, "s",
			"a\"b\\c\nd\x01"
			"e\x7f");
	vrd_row_add_u64(r, "max", UINT64_MAX);
	vrd_row_add_i64(r, "min", INT64_MIN);

	expect_render(&rep, true,
		      "[\n"
		      "  {\"s\": \"a\\\"b\\\\c\\u000ad\\u0001e\\u007f\", "
		      "\"max\": 18446744073709551615, "
		      "\"min\": -9223372036854775808}\n"
		      "]\n");
	/* text: control characters never reach the terminal raw */
	expect_render(&rep, false,
		      "S"
		      "                  " /* 19 wide */
		      "  "
		      "                 MAX" /* 20, right */
		      "  "
		      "                 MIN\n"
		      "a\"b\\c\\x0ad\\x01e\\x7f  18446744073709551615  "
		      "-9223372036854775808\n");
	vrd_reply_free(&rep);
}

static void test_stream_error(void **state)
{
	struct vrd_reply rep;
	FILE *f = fopen("/dev/full", "w");

	if (!f) {
		skip();
	}
	gndt_reply(&rep);
	assert_int_equal(vrd_output_reply(f, &rep, false), -EIO);
	fclose(f);
	vrd_reply_free(&rep);
}

/* Renders rep into a new string (the caller frees it). */
static char *render(const struct vrd_reply *rep, bool json, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	assert_non_null(f);
	assert_int_equal(vrd_output_reply(f, rep, json), 0);
	fclose(f);
	return buf;
}

#define BIG_ROWS 200000

/* Row i of the big table; the last one has the longest router, so every
 * line's widths depend on a row seen only at the end of the first pass. */
static void big_row(struct vrd_row *r, unsigned i)
{
	vrd_row_add_str(r, "prefix", "192.0.2.0/24");
	vrd_row_add_str(r, "router", "%s",
			i + 1 == BIG_ROWS ? "vr-much-longer-name" : "vrA");
	vrd_row_add_u64(r, "seq", i);
	vrd_row_add_u64(r, "vn", 1);
	vrd_row_add_str(r, "origin", "local");
}

/* A 200000-row table, kept encoded, renders line for line as a table
 * built by hand; the memory is the encoded rows, not 4 KB a row. */
static void test_big_table(void **state)
{
	struct vrd_reply rep;
	char *got, *want, *p;
	size_t len, cap = (size_t)BIG_ROWS * 160 + 4096;

	vrd_reply_init(&rep, VRD_REPLY_TABLE);
	for (unsigned i = 0; i < BIG_ROWS; i++) {
		struct vrd_row *r = vrd_reply_row(&rep);

		assert_non_null(r);
		big_row(r, i);
	}
	assert_int_equal(rep.nrows, BIG_ROWS);
	/* all but the last are encoded already: under 300 bytes a row */
	assert_true(rep.rows.len / (rep.nrows - 1) < 300);

	want = malloc(cap);
	assert_non_null(want);
	p = want;
	p += sprintf(p, "%-12s  %-19s  %6s  %2s  %s\n", "PREFIX", "ROUTER",
		     "SEQ", "VN", "ORIGIN");
	for (unsigned i = 0; i < BIG_ROWS; i++) {
		p += sprintf(p, "%-12s  %-19s  %6u  %2u  %s\n", "192.0.2.0/24",
			     i + 1 == BIG_ROWS ? "vr-much-longer-name" : "vrA",
			     i, 1u, "local");
	}
	got = render(&rep, false, &len);
	assert_int_equal(len, (size_t)(p - want));
	assert_memory_equal(got, want, len);
	free(got);

	/* finished or not, the same rendering */
	assert_int_equal(vrd_reply_finish(&rep), 0);
	assert_true(rep.rows.len / rep.nrows < 300);
	got = render(&rep, false, &len);
	assert_int_equal(len, (size_t)(p - want));
	assert_memory_equal(got, want, len);
	free(got);

	p = want;
	p += sprintf(p, "[\n");
	for (unsigned i = 0; i < BIG_ROWS; i++) {
		p += sprintf(p,
			     "  {\"prefix\": \"192.0.2.0/24\", \"router\": "
			     "\"%s\", \"seq\": %u, \"vn\": 1, \"origin\": "
			     "\"local\"}%s\n",
			     i + 1 == BIG_ROWS ? "vr-much-longer-name" : "vrA",
			     i, i + 1 < BIG_ROWS ? "," : "");
	}
	p += sprintf(p, "]\n");
	got = render(&rep, true, &len);
	assert_int_equal(len, (size_t)(p - want));
	assert_memory_equal(got, want, len);
	free(got);
	free(want);
	vrd_reply_free(&rep);
}

/* A reply that lost a row says so instead of rendering a partial table. */
static void test_lost_row(void **state)
{
	struct vrd_reply rep;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	gndt_reply(&rep);
	vrd_reply_row(&rep)->n = 1; /* a field with no name: not encodable */
	vrd_row_add_u64(vrd_reply_row(&rep), "seq", 3);
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(vrd_output_reply(f, &rep, false), -EINVAL);
	assert_int_equal(vrd_output_reply(f, &rep, true), -EINVAL);
	fclose(f);
	assert_int_equal(len, 0);
	free(buf);
	vrd_reply_free(&rep);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_text),
		cmocka_unit_test(test_table_json),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_events_text),
		cmocka_unit_test(test_missing_and_null),
		cmocka_unit_test(test_object),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_stream_error),
		cmocka_unit_test(test_big_table),
		cmocka_unit_test(test_lost_row),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
