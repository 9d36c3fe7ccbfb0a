/* vrd/migrate_set.c: away and visiting hosts of a forwarding snapshot,
 * and the changes between two snapshots, in ip order. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "vrd/migrate_set.h"

#define IP(a, b, c, d)                                                    \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | \
	 (uint32_t)(d))

#define VN 7
#define SELF "sfo"
#define CHANGES_MAX 16

/* our LAN: 192.0.2.0/24; another site's: 198.51.100.0/24 */
static const struct vrd_prefix lan = {.addr = IP(192, 0, 2, 0), .len = 24};

static struct tables_fib_route route(uint32_t vn, uint32_t addr, uint8_t len,
				     const char *router)
{
	struct tables_fib_route r = {.vn = vn, .prefix = {addr, len}, .seq = 1};

	snprintf(r.router, sizeof(r.router), "%s", router);
	return r;
}

struct sets {
	struct vrd_migrate_set away, visit;
};

static void build(struct sets *s, const struct tables_fib_route *r, size_t n)
{
	struct tables_fib *fib = tables_fib_build(r, n);

	assert_non_null(fib);
	assert_int_equal(vrd_migrate_sets_build(fib, SELF, VN, &lan, &s->away,
						&s->visit),
			 0);
	/* the sets are copies: they outlive their snapshot */
	tables_fib_destroy(fib);
}

static void sets_free(struct sets *s)
{
	vrd_migrate_set_free(&s->away);
	vrd_migrate_set_free(&s->visit);
	assert_null(s->away.h);
	assert_int_equal(s->away.n, 0);
}

static void test_classify(void **state)
{
	/* given out of order: the sets come sorted */
	const struct tables_fib_route r[] = {
		route(VN, IP(192, 0, 2, 20), 32, "nyc"), /* away */
		route(VN, IP(192, 0, 2, 10), 32, "lax"), /* away */
		route(VN, IP(192, 0, 2, 30), 32, SELF), /* home, here */
		route(VN, IP(198, 51, 100, 9), 32, SELF), /* visiting */
		route(VN, IP(198, 51, 100, 5), 32, SELF), /* visiting */
		route(VN, IP(198, 51, 100, 7), 32, "nyc"), /* elsewhere */
		route(VN, IP(192, 0, 2, 0), 24, SELF), /* not a /32 */
		route(VN, IP(198, 51, 100, 0), 24, "nyc"), /* not a /32 */
		route(VN + 1, IP(192, 0, 2, 40), 32, "nyc"), /* other VN */
		route(VN + 1, IP(198, 51, 100, 8), 32, SELF), /* other VN */
	};
	struct sets s;

	(void)state;
	build(&s, r, sizeof(r) / sizeof(r[0]));
	assert_int_equal(s.away.n, 2);
	assert_int_equal(s.away.h[0].ip, IP(192, 0, 2, 10));
	assert_string_equal(s.away.h[0].router, "lax");
	assert_int_equal(s.away.h[1].ip, IP(192, 0, 2, 20));
	assert_string_equal(s.away.h[1].router, "nyc");
	assert_int_equal(s.visit.n, 2);
	assert_int_equal(s.visit.h[0].ip, IP(198, 51, 100, 5));
	assert_int_equal(s.visit.h[1].ip, IP(198, 51, 100, 9));
	assert_string_equal(s.visit.h[1].router, SELF);

	assert_non_null(vrd_migrate_set_find(&s.away, IP(192, 0, 2, 20)));
	assert_string_equal(
		vrd_migrate_set_find(&s.away, IP(192, 0, 2, 10))->router,
		"lax");
	assert_null(vrd_migrate_set_find(&s.away, IP(192, 0, 2, 30)));
	assert_null(vrd_migrate_set_find(&s.away, IP(192, 0, 2, 40)));
	assert_null(vrd_migrate_set_find(&s.away, IP(198, 51, 100, 5)));
	assert_non_null(vrd_migrate_set_find(&s.visit, IP(198, 51, 100, 5)));
	assert_null(vrd_migrate_set_find(&s.visit, IP(198, 51, 100, 7)));
	assert_null(vrd_migrate_set_find(&s.visit, IP(198, 51, 100, 8)));
	sets_free(&s);
}

static void test_empty(void **state)
{
	struct sets s;
	struct tables_fib_route r = route(VN, IP(192, 0, 2, 30), 32, SELF);

	(void)state;
	build(&s, NULL, 0);
	assert_int_equal(s.away.n, 0);
	assert_int_equal(s.visit.n, 0);
	assert_null(vrd_migrate_set_find(&s.away, IP(192, 0, 2, 1)));
	sets_free(&s);
	build(&s, &r, 1); /* only a host at home */
	assert_int_equal(s.away.n, 0);
	assert_int_equal(s.visit.n, 0);
	sets_free(&s);
}

struct change {
	enum vrd_migrate_change c;
	uint32_t ip;
	char router[VRD_NAME_MAX + 1];
};

struct changes {
	struct change c[CHANGES_MAX];
	size_t n;
};

static void record(enum vrd_migrate_change c, const struct vrd_migrate_host *h,
		   void *arg)
{
	struct changes *cs = arg;

	assert_true(cs->n < CHANGES_MAX);
	cs->c[cs->n].c = c;
	cs->c[cs->n].ip = h->ip;
	memcpy(cs->c[cs->n].router, h->router, sizeof(h->router));
	cs->n++;
}

static void expect(const struct changes *cs, size_t i,
		   enum vrd_migrate_change c, uint32_t ip, const char *router)
{
	assert_true(i < cs->n);
	assert_int_equal(cs->c[i].c, c);
	assert_int_equal(cs->c[i].ip, ip);
	assert_string_equal(cs->c[i].router, router);
}

static void test_diff(void **state)
{
	const struct tables_fib_route before[] = {
		route(VN, IP(192, 0, 2, 10), 32, "lax"), /* comes home */
		route(VN, IP(192, 0, 2, 20), 32, "nyc"), /* moves on to lax */
		route(VN, IP(192, 0, 2, 30), 32, "nyc"), /* stays away */
		route(VN, IP(198, 51, 100, 5), 32, SELF), /* leaves us */
	};
	const struct tables_fib_route after[] = {
		route(VN, IP(192, 0, 2, 10), 32, SELF),
		route(VN, IP(192, 0, 2, 20), 32, "lax"),
		route(VN, IP(192, 0, 2, 30), 32, "nyc"),
		route(VN, IP(192, 0, 2, 40), 32, "nyc"), /* newly away */
		route(VN, IP(198, 51, 100, 5), 32, "nyc"),
		route(VN, IP(198, 51, 100, 6), 32, SELF), /* arrives */
	};
	struct sets a, b, none = {0};
	struct changes cs = {0};

	(void)state;
	build(&a, before, sizeof(before) / sizeof(before[0]));
	build(&b, after, sizeof(after) / sizeof(after[0]));

	vrd_migrate_set_diff(&a.away, &b.away, record, &cs);
	assert_int_equal(cs.n, 3);
	expect(&cs, 0, VRD_MIGRATE_LEFT, IP(192, 0, 2, 10), "lax");
	expect(&cs, 1, VRD_MIGRATE_MOVED, IP(192, 0, 2, 20), "lax");
	expect(&cs, 2, VRD_MIGRATE_JOINED, IP(192, 0, 2, 40), "nyc");

	cs.n = 0;
	vrd_migrate_set_diff(&a.visit, &b.visit, record, &cs);
	assert_int_equal(cs.n, 2);
	expect(&cs, 0, VRD_MIGRATE_LEFT, IP(198, 51, 100, 5), SELF);
	expect(&cs, 1, VRD_MIGRATE_JOINED, IP(198, 51, 100, 6), SELF);

	/* a set against itself: nothing; from and to empty: everything */
	cs.n = 0;
	vrd_migrate_set_diff(&b.away, &b.away, record, &cs);
	assert_int_equal(cs.n, 0);
	vrd_migrate_set_diff(&none.away, &b.away, record, &cs);
	assert_int_equal(cs.n, 3);
	for (size_t i = 0; i < cs.n; i++) {
		assert_int_equal(cs.c[i].c, VRD_MIGRATE_JOINED);
		assert_int_equal(cs.c[i].ip, b.away.h[i].ip);
	}
	cs.n = 0;
	vrd_migrate_set_diff(&b.away, &none.away, record, &cs);
	assert_int_equal(cs.n, 3);
	expect(&cs, 2, VRD_MIGRATE_LEFT, IP(192, 0, 2, 40), "nyc");
	sets_free(&a);
	sets_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_diff),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
