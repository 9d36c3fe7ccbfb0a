/* Queries against a real LMDB environment in a temporary folder: the
 * writes, the lists they show up in, route, events, status, and what a
 * read-only open (vrctl -d) sees. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tables/fib.h"
#include "tables/tables.h"
#include "vrctl/query.h"

struct env {
	char dir[64];
	struct tables *t;
};

static int put_mode(struct tables_txn *txn, void *arg)
{
	return tables_meta_put(txn, "mode", arg);
}

static int setup(void **state)
{
	struct tables_options opt = {.router_name = "vrA"};
	struct env *e = calloc(1, sizeof(*e));

	if (!e) {
		return -1;
	}
	snprintf(e->dir, sizeof(e->dir), "/tmp/vrd-test-query-XXXXXX");
	if (!mkdtemp(e->dir) || tables_open(&e->t, e->dir, &opt) < 0 ||
	    tables_write(e->t, put_mode, "gateway") < 0) {
		free(e);
		return -1;
	}
	*state = e;
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	return remove(path);
}

static int teardown(void **state)
{
	struct env *e = *state;

	tables_close(e->t);
	nftw(e->dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	free(e);
	return 0;
}

/* Runs the space-separated words of cmd as the daemon of LAN lan (may be
 * NULL) would; returns the status. */
static int run_lan(struct tables *t, const struct tables_fib *fib,
		   const struct vrd_prefix *lan, const char *cmd,
		   struct vrd_reply *rep)
{
	struct vrd_ctl_request req = {0};
	char buf[512], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", cmd);
	for (char *w = strtok_r(buf, " ", &save); w;
	     w = strtok_r(NULL, " ", &save)) {
		snprintf(req.argv[req.argc++], sizeof(req.argv[0]), "%s", w);
	}
	return vrd_query_run(t, fib, lan, &req, rep);
}

static int run(struct tables *t, const struct tables_fib *fib, const char *cmd,
	       struct vrd_reply *rep)
{
	return run_lan(t, fib, NULL, cmd, rep);
}

/* Runs cmd, expects status 0 and n rows; rep is the caller's to free. */
static void run_ok(struct tables *t, const char *cmd, size_t n,
		   struct vrd_reply *rep)
{
	int err = run(t, NULL, cmd, rep);

	if (err != 0) {
		print_error("%s: %d %s\n", cmd, err, rep->message);
	}
	assert_int_equal(err, 0);
	assert_int_equal(rep->status, 0);
	assert_int_equal(rep->nrows, n);
}

static void run_fails(struct tables *t, const char *cmd, int want)
{
	struct vrd_reply rep;

	assert_int_equal(run(t, NULL, cmd, &rep), want);
	assert_int_equal(rep.status, want);
	assert_true(rep.message[0] != '\0');
	vrd_reply_free(&rep);
}

/* Row i of rep, decoded into one of a few rows of its own (so a test may
 * hold the last four at once). */
static const struct vrd_row *row_at(const struct vrd_reply *rep, size_t i)
{
	static struct vrd_row ring[4];
	static unsigned next;
	struct vrd_row *r = &ring[next++ % 4];

	assert_true(i < rep->nrows);
	assert_int_equal(vrd_reply_get(rep, i, r), 0);
	return r;
}

static const char *str(const struct vrd_row *r, const char *name)
{
	const struct vrd_field *f = vrd_row_find(r, name);

	assert_non_null(f);
	assert_int_equal(f->type, VRD_FIELD_STR);
	return f->v.s;
}

static uint64_t num(const struct vrd_row *r, const char *name)
{
	const struct vrd_field *f = vrd_row_find(r, name);

	assert_non_null(f);
	assert_true(f->type == VRD_FIELD_U64 || f->type == VRD_FIELD_TIME);
	return f->v.u;
}

static void test_lndt(void **state)
{
	struct env *e = *state;
	struct vrd_reply rep;

	run_ok(e->t, "lndt", 0, &rep);
	assert_int_equal(rep.kind, VRD_REPLY_TABLE);
	vrd_reply_free(&rep);

	run_ok(e->t, "lndt add 192.0.2.0/24", 0, &rep);
	assert_int_equal(rep.kind, VRD_REPLY_NONE);
	run_ok(e->t, "lndt add 198.51.100.0/24 --vn 2", 0, &rep);
	run_fails(e->t, "lndt add 192.0.2.0/24", -EEXIST);
	run_fails(e->t, "lndt add 192.0.2.1/24", -EINVAL);
	run_fails(e->t, "lndt add 192.0.2.0/33", -EINVAL);

	run_ok(e->t, "lndt", 2, &rep);
	assert_string_equal(str(row_at(&rep, 0), "prefix"), "192.0.2.0/24");
	assert_int_equal(num(row_at(&rep, 0), "vn"), 1);
	assert_string_equal(str(row_at(&rep, 0), "source"), "static");
	assert_true(num(row_at(&rep, 0), "added") > 1600000000000ull);
	assert_string_equal(str(row_at(&rep, 1), "prefix"), "198.51.100.0/24");
	assert_int_equal(num(row_at(&rep, 1), "vn"), 2);
	vrd_reply_free(&rep);

	run_ok(e->t, "lndt --vn 2", 1, &rep);
	assert_string_equal(str(row_at(&rep, 0), "prefix"), "198.51.100.0/24");
	vrd_reply_free(&rep);
	run_ok(e->t, "lndt --vn 7", 0, &rep);
	vrd_reply_free(&rep);

	run_ok(e->t, "lndt del 192.0.2.0/24", 0, &rep);
	run_fails(e->t, "lndt del 192.0.2.0/24", -ENOENT);
	run_fails(e->t, "lndt del 198.51.100.0/24", -ENOENT); /* vn 1 */
	run_ok(e->t, "lndt", 1, &rep);
	vrd_reply_free(&rep);
}

/* cmd fails with -EINVAL and a message that has want in it */
static void refused(struct tables *t, const struct vrd_prefix *lan,
		    const char *cmd, const char *want)
{
	struct vrd_reply rep;

	assert_int_equal(run_lan(t, NULL, lan, cmd, &rep), -EINVAL);
	if (!strstr(rep.message, want)) {
		print_error("%s: '%s' lacks '%s'\n", cmd, rep.message, want);
	}
	assert_non_null(strstr(rep.message, want));
	vrd_reply_free(&rep);
}

/* What no table should hold is refused with the reason (issue 12), and
 * nothing is written; del stays open. */
static void test_writes_refused(void **state)
{
	const struct vrd_prefix lan = {0xc0000200u, 24}; /* 192.0.2.0/24 */
	struct env *e = *state;
	struct vrd_reply rep;

	refused(e->t, NULL, "lndt add 0.0.0.0/0", "a default route");
	refused(e->t, NULL, "lndt add 0.0.0.0/1", "takes in 0.0.0.0/8");
	refused(e->t, NULL, "lndt add 224.0.0.0/4", "multicast");
	refused(e->t, NULL, "lndt add 255.255.255.255/32", "broadcast");
	refused(e->t, NULL, "lndt add 127.0.0.1/32", "loopback");
	refused(e->t, NULL, "lndt add 0.0.0.0/32", "zero");
	refused(e->t, &lan, "lndt add 192.0.2.255/32",
		"the LAN's broadcast address");
	refused(e->t, NULL, "gndt add 0.0.0.0/0 vrB", "a default route");
	refused(e->t, NULL, "gndt add 239.1.2.3/32 vrB", "multicast");
	refused(e->t, NULL, "hwdt add 255.255.255.255 52:54:00:12:34:56",
		"broadcast");
	refused(e->t, NULL, "hwdt add 224.0.0.1 52:54:00:12:34:56",
		"multicast");
	refused(e->t, &lan, "hwdt add 192.0.2.0 52:54:00:12:34:56",
		"the LAN's network address");
	refused(e->t, NULL, "hwdt add 192.0.2.22 ff:ff:ff:ff:ff:ff",
		"ff:ff:ff:ff:ff:ff is the broadcast address");
	refused(e->t, NULL, "hwdt add 192.0.2.22 01:00:5e:00:00:01",
		"multicast");
	refused(e->t, NULL, "hwdt add 192.0.2.22 00:00:00:00:00:00", "zero");
	run_ok(e->t, "lndt", 0, &rep);
	vrd_reply_free(&rep);
	run_ok(e->t, "gndt", 0, &rep);
	vrd_reply_free(&rep);
	run_ok(e->t, "hwdt", 0, &rep);
	vrd_reply_free(&rep);
	run_ok(e->t, "events", 0, &rep);
	vrd_reply_free(&rep);

	/* the same addresses are fine where they are not the LAN's */
	assert_int_equal(
		run_lan(e->t, NULL, NULL, "lndt add 192.0.2.255/32", &rep), 0);
	vrd_reply_free(&rep);
	run_ok(e->t, "lndt add 192.0.2.0/24", 0, &rep);
	vrd_reply_free(&rep);
	/* an entry written before the checks can still go */
	assert_int_equal(run(e->t, NULL, "lndt del 0.0.0.0/0", &rep), -ENOENT);
	vrd_reply_free(&rep);
}

static void test_gndt_and_route(void **state)
{
	struct env *e = *state;
	struct vrd_reply rep;
	const struct vrd_row *r;

	run_ok(e->t, "gndt add 192.0.2.0/24 vrB", 0, &rep);
	run_ok(e->t, "gndt add 192.0.2.0/24 vrC", 0, &rep);
	run_ok(e->t, "gndt add 192.0.2.20/32 vrD", 0, &rep);
	run_ok(e->t, "gndt add 203.0.113.0/24 vrE --vn 2", 0, &rep);
	run_fails(e->t, "gndt add 192.0.2.0/24 bad!name", -EINVAL);
	run_fails(e->t, "gndt add 192.0.2.0/24", -EINVAL);
	run_fails(e->t, "gndt add 192.0.2.0/24 vrB extra", -EINVAL);

	run_ok(e->t, "gndt", 3, &rep);
	r = row_at(&rep, 0);
	assert_string_equal(str(r, "prefix"), "192.0.2.0/24");
	assert_string_equal(str(r, "router"), "vrC");
	assert_int_equal(num(r, "seq"), 2); /* replaced: seq went up */
	assert_int_equal(num(r, "vn"), 1);
	assert_string_equal(str(r, "origin"), "static");
	assert_string_equal(str(row_at(&rep, 1), "prefix"), "192.0.2.20/32");
	assert_int_equal(num(row_at(&rep, 1), "seq"), 1);
	assert_string_equal(str(row_at(&rep, 2), "router"), "vrE");
	vrd_reply_free(&rep);
	run_ok(e->t, "gndt --vn 2", 1, &rep);
	vrd_reply_free(&rep);

	/* longest prefix: the /32 for .20, the /24 for .9 */
	run_ok(e->t, "route 192.0.2.20", 1, &rep);
	r = row_at(&rep, 0);
	assert_string_equal(str(r, "ip"), "192.0.2.20");
	assert_string_equal(str(r, "prefix"), "192.0.2.20/32");
	assert_string_equal(str(r, "router"), "vrD");
	assert_int_equal(num(r, "seq"), 1);
	assert_int_equal(num(r, "vn"), 1);
	assert_string_equal(str(r, "origin"), "static");
	assert_string_equal(r->f[0].name, "ip");
	vrd_reply_free(&rep);
	run_ok(e->t, "route 192.0.2.9", 1, &rep);
	assert_string_equal(str(row_at(&rep, 0), "router"), "vrC");
	vrd_reply_free(&rep);
	run_ok(e->t, "route 203.0.113.1 --vn 2", 1, &rep);
	assert_string_equal(str(row_at(&rep, 0), "router"), "vrE");
	vrd_reply_free(&rep);

	run_fails(e->t, "route 203.0.113.1", -EHOSTUNREACH); /* vn 1 */
	run_fails(e->t, "route 192.0.2.9 --vn 2", -EHOSTUNREACH);
	run_fails(e->t, "route notanip", -EINVAL);
	run_fails(e->t, "route", -EINVAL);

	run_ok(e->t, "gndt del 192.0.2.20/32", 0, &rep);
	run_fails(e->t, "gndt del 192.0.2.20/32", -ENOENT);
	run_ok(e->t, "route 192.0.2.20", 1, &rep);
	assert_string_equal(str(row_at(&rep, 0), "prefix"), "192.0.2.0/24");
	vrd_reply_free(&rep);
}

/* With a snapshot given, route answers from it, not from the GNDT. */
static void test_route_given_fib(void **state)
{
	struct env *e = *state;
	struct tables_fib_route routes[] = {
		{.vn = 1,
		 .prefix = {0xc0000200, 24},
		 .router = "vrF",
		 .seq = 9,
		 .origin = TABLES_GNDT_GOSSIP},
	};
	struct tables_fib *fib = tables_fib_build(routes, 1);
	struct vrd_reply rep;

	assert_non_null(fib);
	assert_int_equal(run(e->t, fib, "route 192.0.2.200", &rep), 0);
	assert_int_equal(rep.nrows, 1);
	assert_string_equal(str(row_at(&rep, 0), "router"), "vrF");
	assert_int_equal(num(row_at(&rep, 0), "seq"), 9);
	assert_string_equal(str(row_at(&rep, 0), "origin"), "gossip");
	vrd_reply_free(&rep);
	assert_int_equal(run(e->t, fib, "route 198.51.100.1", &rep),
			 -EHOSTUNREACH);
	assert_string_equal(rep.message, "no route to 198.51.100.1 in vn 1");
	vrd_reply_free(&rep);
	tables_fib_destroy(fib);
}

static void test_hwdt(void **state)
{
	struct env *e = *state;
	struct vrd_reply rep;

	run_ok(e->t, "hwdt add 192.0.2.20 52:54:00:AB:cd:EF", 0, &rep);
	run_ok(e->t, "hwdt add 192.0.2.21 52-54-00-00-00-01 --vn 3", 0, &rep);
	run_fails(e->t, "hwdt add 192.0.2.22 ff:ff:ff:ff:ff:ff", -EINVAL);
	run_fails(e->t, "hwdt add 192.0.2.22 00:00:00:00:00:00", -EINVAL);
	run_fails(e->t, "hwdt add 192.0.2.22 52:54:00", -EINVAL);
	run_fails(e->t, "hwdt add 192.0.2.0/24 52:54:00:00:00:01", -EINVAL);

	run_ok(e->t, "hwdt", 2, &rep);
	assert_string_equal(str(row_at(&rep, 0), "ip"), "192.0.2.20");
	assert_string_equal(str(row_at(&rep, 0), "mac"), "52:54:00:ab:cd:ef");
	assert_int_equal(num(row_at(&rep, 0), "vn"), 1);
	assert_string_equal(str(row_at(&rep, 0), "source"), "static");
	assert_int_equal(num(row_at(&rep, 1), "vn"), 3);
	vrd_reply_free(&rep);
	run_ok(e->t, "hwdt --vn 3", 1, &rep);
	assert_string_equal(str(row_at(&rep, 0), "mac"), "52:54:00:00:00:01");
	vrd_reply_free(&rep);

	run_ok(e->t, "hwdt del 192.0.2.20", 0, &rep);
	run_fails(e->t, "hwdt del 192.0.2.20", -ENOENT);
	run_ok(e->t, "hwdt --vn 1", 0, &rep);
	vrd_reply_free(&rep);
}

static void test_events(void **state)
{
	struct env *e = *state;
	struct vrd_reply rep;
	const struct vrd_row *r;

	run_ok(e->t, "hwdt add 192.0.2.20 52:54:00:12:34:56", 0, &rep);
	run_ok(e->t, "gndt add 192.0.2.0/24 vrB --vn 4", 0, &rep);
	run_ok(e->t, "lndt add 192.0.2.0/24", 0, &rep);
	run_fails(e->t, "lndt add 192.0.2.0/24", -EEXIST); /* no event */

	run_ok(e->t, "events", 3, &rep);
	assert_int_equal(rep.kind, VRD_REPLY_TABLE);
	assert_int_equal(rep.fixed, 3);
	r = row_at(&rep, 0);
	assert_string_equal(r->f[0].name, "time");
	assert_string_equal(r->f[1].name, "id");
	assert_string_equal(r->f[2].name, "type");
	assert_string_equal(str(r, "type"), "static");
	assert_string_equal(str(r, "table"), "hwdt");
	assert_string_equal(str(r, "op"), "add");
	assert_string_equal(str(r, "ip"), "192.0.2.20");
	assert_string_equal(str(r, "mac"), "52:54:00:12:34:56");
	assert_string_equal(str(r, "vn"), "1");
	r = row_at(&rep, 1);
	assert_string_equal(str(r, "table"), "gndt");
	assert_string_equal(str(r, "op"), "add");
	assert_string_equal(str(r, "prefix"), "192.0.2.0/24");
	assert_string_equal(str(r, "router"), "vrB");
	assert_string_equal(str(r, "seq"), "1");
	assert_string_equal(str(r, "vn"), "4");
	assert_true(num(row_at(&rep, 0), "id") < num(row_at(&rep, 1), "id"));
	assert_true(num(row_at(&rep, 1), "id") < num(row_at(&rep, 2), "id"));
	uint64_t last_id = num(row_at(&rep, 2), "id");
	vrd_reply_free(&rep);

	run_ok(e->t, "events 2", 2, &rep);
	assert_string_equal(str(row_at(&rep, 0), "table"), "gndt");
	assert_true(num(row_at(&rep, 1), "id") == last_id);
	vrd_reply_free(&rep);
	run_ok(e->t, "events 100", 3, &rep);
	vrd_reply_free(&rep);
	run_ok(e->t, "events 0", 0, &rep);
	vrd_reply_free(&rep);
	run_fails(e->t, "events -1", -EINVAL);
	run_fails(e->t, "events 1 2", -EINVAL);
	run_fails(e->t, "events --vn 1", -EINVAL);
}

static void test_status(void **state)
{
	struct env *e = *state;
	struct vrd_reply rep;
	const struct vrd_row *r;

	run_ok(e->t, "gndt add 192.0.2.0/24 vrB", 0, &rep);
	run_ok(e->t, "gndt add 198.51.100.0/24 vrB", 0, &rep);
	run_ok(e->t, "status", 1, &rep);
	assert_int_equal(rep.kind, VRD_REPLY_OBJECT);
	r = row_at(&rep, 0);
	assert_string_equal(str(r, "name"), "vrA");
	assert_string_equal(str(r, "mode"), "gateway");
	assert_int_equal(num(r, "lndt"), 0);
	assert_int_equal(num(r, "gndt"), 2);
	assert_int_equal(num(r, "hwdt"), 0);
	assert_int_equal(num(r, "events"), 2);
	assert_true(num(r, "map_size") >= 1024 * 1024);
	vrd_reply_free(&rep);
}

static void test_unknown_and_usage(void **state)
{
	struct env *e = *state;

	run_fails(e->t, "peers", -ENOENT);
	run_fails(e->t, "stats", -ENOENT);
	run_fails(e->t, "frobnicate", -ENOENT);
	run_fails(e->t, "gndt frob", -EINVAL);
	run_fails(e->t, "lndt add", -EINVAL);
	run_fails(e->t, "gndt --vn", -EINVAL);
	run_fails(e->t, "gndt --vn x", -EINVAL);
	run_fails(e->t, "gndt --vn 4294967295", -EINVAL);
	run_fails(e->t, "gndt --vn 1 --vn 2", -EINVAL);
	run_fails(e->t, "status extra", -EINVAL);
}

/* vrctl -d: a read-only open sees what was written, and cannot write. */
static void test_read_only(void **state)
{
	struct tables_options ro = {.read_only = true};
	struct env *e = *state;
	struct vrd_reply rep;

	run_ok(e->t, "gndt add 192.0.2.0/24 vrB", 0, &rep);
	run_ok(e->t, "hwdt add 192.0.2.20 52:54:00:12:34:56", 0, &rep);
	tables_close(e->t);
	e->t = NULL;
	assert_int_equal(tables_open(&e->t, e->dir, &ro), 0);

	run_ok(e->t, "gndt", 1, &rep);
	assert_string_equal(str(row_at(&rep, 0), "router"), "vrB");
	vrd_reply_free(&rep);
	run_ok(e->t, "route 192.0.2.7", 1, &rep);
	vrd_reply_free(&rep);
	run_ok(e->t, "status", 1, &rep);
	assert_int_equal(num(row_at(&rep, 0), "hwdt"), 1);
	vrd_reply_free(&rep);
	assert_true(run(e->t, NULL, "gndt del 192.0.2.0/24", &rep) < 0);
	vrd_reply_free(&rep);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lndt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writes_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_gndt_and_route, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_route_given_fib, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_hwdt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_and_usage, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_read_only, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
