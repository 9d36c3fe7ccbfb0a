/* The proxy ARP decision, rule by rule, and its bounded IP set (against a
 * naive bitmap under random operations). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "inject/proxy.h"

#define IP(a, b, c, d)                                                    \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | \
	 (uint32_t)(d))

#define ROUTER IP(192, 0, 2, 1)
#define ROUTER2 IP(198, 51, 100, 1)
#define HOST IP(192, 0, 2, 20)
#define VM IP(192, 0, 2, 10) /* proxied: lives behind another router */
#define BACK IP(192, 0, 2, 11) /* proxied, but the HWDT sees it here */
#define OTHER IP(192, 0, 2, 12) /* not proxied */

struct lan {
	uint32_t present[4];
	size_t n;
	unsigned calls;
};

static bool lan_has(void *arg, uint32_t ip)
{
	struct lan *lan = arg;
	size_t i;

	lan->calls++;
	for (i = 0; i < lan->n; i++) {
		if (lan->present[i] == ip) {
			return true;
		}
	}
	return false;
}

struct fixture {
	struct inject_proxy_set *set;
	struct lan lan;
	uint32_t own[2];
	struct inject_proxy_ctx ctx;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f) {
		return -1;
	}
	f->set = inject_proxy_set_create(16);
	if (!f->set) {
		free(f);
		return -1;
	}
	inject_proxy_set_add(f->set, VM);
	inject_proxy_set_add(f->set, BACK);
	/* Even if the router's own address landed in the set by mistake,
	 * the kernel's answer must stand alone. */
	inject_proxy_set_add(f->set, ROUTER);
	f->lan.present[f->lan.n++] = BACK;
	f->lan.present[f->lan.n++] = HOST;
	f->own[0] = ROUTER;
	f->own[1] = ROUTER2;
	f->ctx = (struct inject_proxy_ctx){
		.set = f->set,
		.on_lan = lan_has,
		.on_lan_arg = &f->lan,
		.own = f->own,
		.n_own = 2,
	};
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	inject_proxy_set_destroy(f->set);
	free(f);
	return 0;
}

static void test_answers_proxied(void **state)
{
	struct fixture *f = *state;
	enum inject_proxy_verdict why = INJECT_PROXY_SKIP_ON_LAN;

	assert_int_equal(inject_proxy_decide(&f->ctx, VM, HOST),
			 INJECT_PROXY_ANSWER);
	assert_true(inject_proxy_should_answer(&f->ctx, VM, HOST, &why));
	assert_int_equal(why, INJECT_PROXY_ANSWER);
	assert_true(inject_proxy_should_answer(&f->ctx, VM, HOST, NULL));
	/* The HWDT was asked, and said no. */
	assert_true(f->lan.calls > 0);
}

static void test_not_proxied(void **state)
{
	struct fixture *f = *state;
	enum inject_proxy_verdict why;

	assert_false(inject_proxy_should_answer(&f->ctx, OTHER, HOST, &why));
	assert_int_equal(why, INJECT_PROXY_SKIP_NOT_PROXIED);
	/* Cheap rule first: no HWDT lookup for an address we don't proxy. */
	assert_int_equal(f->lan.calls, 0);
}

static void test_on_lan(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(inject_proxy_decide(&f->ctx, BACK, HOST),
			 INJECT_PROXY_SKIP_ON_LAN);
	assert_int_equal(f->lan.calls, 1);
	/* Gone from the LAN again: answered. */
	f->lan.n = 0;
	assert_int_equal(inject_proxy_decide(&f->ctx, BACK, HOST),
			 INJECT_PROXY_ANSWER);
}

static void test_own_address(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(inject_proxy_decide(&f->ctx, ROUTER, HOST),
			 INJECT_PROXY_SKIP_OWN_ADDRESS);
	assert_int_equal(inject_proxy_decide(&f->ctx, ROUTER2, HOST),
			 INJECT_PROXY_SKIP_OWN_ADDRESS);
}

static void test_from_self(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(inject_proxy_decide(&f->ctx, VM, ROUTER),
			 INJECT_PROXY_SKIP_FROM_SELF);
	assert_int_equal(inject_proxy_decide(&f->ctx, VM, ROUTER2),
			 INJECT_PROXY_SKIP_FROM_SELF);
}

static void test_gratuitous(void **state)
{
	struct fixture *f = *state;

	/* The VM announcing itself (it may just have arrived here). */
	assert_int_equal(inject_proxy_decide(&f->ctx, VM, VM),
			 INJECT_PROXY_SKIP_GRATUITOUS);
}

static void test_dad_probe(void **state)
{
	struct fixture *f = *state;

	/* arping -D / RFC 5227 probe: sender 0.0.0.0. Answering would tell
	 * the VM its own address is taken. */
	assert_int_equal(inject_proxy_decide(&f->ctx, VM, 0),
			 INJECT_PROXY_SKIP_PROBE);
	assert_int_equal(inject_proxy_decide(&f->ctx, OTHER, 0),
			 INJECT_PROXY_SKIP_PROBE);
}

static bool only_other(void *arg, uint32_t ip)
{
	unsigned *calls = arg;

	(*calls)++;
	return ip == OTHER;
}

static void test_lookup_callback(void **state)
{
	struct fixture *f = *state;
	unsigned calls = 0;

	/* A callback replaces the set (e.g. "the GNDT routes it away"). */
	f->ctx.is_proxied = only_other;
	f->ctx.is_proxied_arg = &calls;
	assert_int_equal(inject_proxy_decide(&f->ctx, OTHER, HOST),
			 INJECT_PROXY_ANSWER);
	assert_int_equal(inject_proxy_decide(&f->ctx, VM, HOST),
			 INJECT_PROXY_SKIP_NOT_PROXIED);
	assert_int_equal(calls, 2);
}

static void test_empty_ctx(void **state)
{
	struct inject_proxy_ctx ctx = {0};

	(void)state;
	assert_int_equal(inject_proxy_decide(&ctx, VM, HOST),
			 INJECT_PROXY_SKIP_NOT_PROXIED);
}

static void test_verdict_names(void **state)
{
	unsigned i, j;

	(void)state;
	assert_string_equal(inject_proxy_verdict_name(INJECT_PROXY_ANSWER),
			    "proxy.answered");
	assert_string_equal(inject_proxy_verdict_name(INJECT_PROXY_SKIP_ON_LAN),
			    "proxy.skip.on_lan");
	for (i = 0; i < INJECT_PROXY_VERDICTS; i++) {
		const char *a = inject_proxy_verdict_name(i);

		assert_non_null(a);
		assert_true(strncmp(a, "proxy.", 6) == 0);
		for (j = 0; j < i; j++) {
			assert_string_not_equal(a,
						inject_proxy_verdict_name(j));
		}
	}
	assert_string_equal(inject_proxy_verdict_name(INJECT_PROXY_VERDICTS),
			    "proxy.unknown");
}

static void test_set_basics(void **state)
{
	struct inject_proxy_set *set = inject_proxy_set_create(3);

	(void)state;
	assert_non_null(set);
	assert_int_equal(inject_proxy_set_add(set, 0), -EINVAL);
	assert_false(inject_proxy_set_has(set, 0));
	assert_int_equal(inject_proxy_set_add(set, VM), 0);
	assert_int_equal(inject_proxy_set_add(set, VM), 0);
	assert_int_equal(inject_proxy_set_count(set), 1);
	assert_int_equal(inject_proxy_set_add(set, BACK), 0);
	assert_int_equal(inject_proxy_set_add(set, OTHER), 0);
	assert_int_equal(inject_proxy_set_add(set, HOST), -ENOSPC);
	assert_int_equal(inject_proxy_set_refused(set), 1);
	assert_false(inject_proxy_set_has(set, HOST));
	/* Full, but a member may still be re-added. */
	assert_int_equal(inject_proxy_set_add(set, VM), 0);
	assert_int_equal(inject_proxy_set_del(set, HOST), -ENOENT);
	assert_int_equal(inject_proxy_set_del(set, BACK), 0);
	assert_false(inject_proxy_set_has(set, BACK));
	assert_true(inject_proxy_set_has(set, VM));
	assert_true(inject_proxy_set_has(set, OTHER));
	assert_int_equal(inject_proxy_set_add(set, HOST), 0);
	assert_int_equal(inject_proxy_set_count(set), 3);
	inject_proxy_set_destroy(set);
	inject_proxy_set_destroy(NULL);

	errno = 0;
	assert_null(inject_proxy_set_create(0));
	assert_int_equal(errno, EINVAL);
}

/* Random adds and deletes over a small range, so that probe runs collide
 * and deletion has to shift them, checked against a bitmap. */
struct seen {
	bool ip[300];
	size_t n;
};

static int mark_seen(uint32_t ip, void *arg)
{
	struct seen *s = arg;
	uint32_t i = ip - IP(192, 0, 2, 0) - 1;

	assert_true(i < 300);
	assert_false(s->ip[i]); /* each address once */
	s->ip[i] = true;
	s->n++;
	return 0;
}

static void test_set_differential(void **state)
{
	enum { CAP = 48, RANGE = 300, OPS = 200000 };
	struct inject_proxy_set *set = inject_proxy_set_create(CAP);
	bool model[RANGE] = {false};
	size_t n = 0, i;
	unsigned seed = 12345;
	uint32_t ip;
	int r, k;

	(void)state;
	assert_non_null(set);
	for (k = 0; k < OPS; k++) {
		seed = seed * 1103515245u + 12345u;
		i = (seed >> 8) % RANGE;
		/* Addresses of one /24 and beyond: dense, like a LAN. */
		ip = IP(192, 0, 2, 0) + (uint32_t)i + 1;
		if ((seed >> 20) & 1) {
			r = inject_proxy_set_add(set, ip);
			if (model[i]) {
				assert_int_equal(r, 0);
			} else if (n == CAP) {
				assert_int_equal(r, -ENOSPC);
			} else {
				assert_int_equal(r, 0);
				model[i] = true;
				n++;
			}
		} else {
			r = inject_proxy_set_del(set, ip);
			assert_int_equal(r, model[i] ? 0 : -ENOENT);
			if (model[i]) {
				model[i] = false;
				n--;
			}
		}
		assert_int_equal(inject_proxy_set_count(set), n);
		if (k % 1000 == 0) {
			struct seen seen = {.n = 0};

			assert_int_equal(
				inject_proxy_set_foreach(set, mark_seen, &seen),
				0);
			assert_int_equal(seen.n, n);
			for (i = 0; i < RANGE; i++) {
				assert_int_equal(seen.ip[i], model[i]);
			}
			for (i = 0; i < RANGE; i++) {
				assert_int_equal(
					inject_proxy_set_has(
						set, IP(192, 0, 2, 0) +
							     (uint32_t)i + 1),
					model[i]);
			}
		}
	}
	inject_proxy_set_destroy(set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_answers_proxied, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_not_proxied, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_on_lan, setup, teardown),
		cmocka_unit_test_setup_teardown(test_own_address, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_from_self, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_gratuitous, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_dad_probe, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_lookup_callback, setup,
						teardown),
		cmocka_unit_test(test_empty_ctx),
		cmocka_unit_test(test_verdict_names),
		cmocka_unit_test(test_set_basics),
		cmocka_unit_test(test_set_differential),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
