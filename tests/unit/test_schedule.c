/* The GARP repeat schedule and the rate limit, on a fake clock. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "inject/schedule.h"

#define IP(a, b, c, d)                                                    \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | \
	 (uint32_t)(d))

static const struct vrd_mac bcast = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};

static struct inject_announce ann(uint32_t ip, uint8_t mac_last)
{
	struct inject_announce a = {
		.ip = ip,
		.mac = {{0x52, 0x54, 0x00, 0x00, 0x00, mac_last}},
		.dst = bcast,
		.op = INJECT_GARP_REQUEST,
	};
	return a;
}

static void test_offsets(void **state)
{
	(void)state;
	/* The documented schedule; the netns test and docs rely on it. */
	assert_int_equal(inject_sched_offsets_ms[0], 0);
	assert_int_equal(inject_sched_offsets_ms[1], 100);
	assert_int_equal(inject_sched_offsets_ms[2], 300);
	assert_int_equal(inject_sched_offsets_ms[3], 1100);
	assert_int_equal(inject_sched_offsets_ms[4], 3100);
}

static void test_exact_due_times(void **state)
{
	struct inject_sched *s = inject_sched_create(8, 0, 0);
	struct inject_announce a = ann(IP(192, 0, 2, 10), 0x10), out[4];
	struct inject_sched_stats st;
	unsigned k;

	(void)state;
	assert_non_null(s);
	assert_int_equal(inject_sched_next_ms(s), UINT64_MAX);
	assert_int_equal(inject_sched_add(s, &a, 1000), 0);
	assert_int_equal(inject_sched_count(s), 1);
	for (k = 0; k < INJECT_SCHED_STEPS; k++) {
		uint64_t t = 1000 + inject_sched_offsets_ms[k];

		assert_int_equal(inject_sched_next_ms(s), t);
		/* Not a millisecond early. */
		if (k > 0) {
			assert_int_equal(inject_sched_due(s, t - 1, out, 4), 0);
		}
		assert_int_equal(inject_sched_due(s, t, out, 4), 1);
		assert_int_equal(out[0].step, k);
		assert_int_equal(out[0].ip, a.ip);
		assert_memory_equal(out[0].mac.b, a.mac.b, 6);
		assert_memory_equal(out[0].dst.b, bcast.b, 6);
		/* Handed out once per step. */
		assert_int_equal(inject_sched_due(s, t, out, 4), 0);
	}
	assert_int_equal(inject_sched_count(s), 0);
	assert_int_equal(inject_sched_next_ms(s), UINT64_MAX);
	inject_sched_stats_get(s, &st);
	assert_int_equal(st.added, 1);
	assert_int_equal(st.sent, INJECT_SCHED_STEPS);
	assert_int_equal(st.finished, 1);
	assert_int_equal(st.skipped, 0);
	inject_sched_destroy(s);
}

static void test_readd_restarts(void **state)
{
	struct inject_sched *s = inject_sched_create(8, 0, 0);
	struct inject_announce a = ann(IP(192, 0, 2, 10), 0x10), out[4];
	struct inject_sched_stats st;

	(void)state;
	assert_int_equal(inject_sched_add(s, &a, 0), 0);
	assert_int_equal(inject_sched_due(s, 0, out, 4), 1);
	assert_int_equal(inject_sched_due(s, 100, out, 4), 1);
	assert_int_equal(out[0].step, 1);

	/* Same (ip, dst), new MAC: one entry, restarted from step 0. */
	a.mac.b[5] = 0x20;
	a.op = INJECT_GARP_REPLY;
	assert_int_equal(inject_sched_add(s, &a, 150), 0);
	assert_int_equal(inject_sched_count(s), 1);
	assert_int_equal(inject_sched_next_ms(s), 150);
	assert_int_equal(inject_sched_due(s, 150, out, 4), 1);
	assert_int_equal(out[0].step, 0);
	assert_int_equal(out[0].mac.b[5], 0x20);
	assert_int_equal(out[0].op, INJECT_GARP_REPLY);
	assert_int_equal(inject_sched_next_ms(s), 250);
	/* The old schedule's 300 ms step is gone. */
	assert_int_equal(inject_sched_due(s, 300, out, 4), 1);
	assert_int_equal(out[0].step, 1);
	assert_int_equal(inject_sched_next_ms(s), 450);

	inject_sched_stats_get(s, &st);
	assert_int_equal(st.added, 1);
	assert_int_equal(st.restarted, 1);
	inject_sched_destroy(s);
}

static void test_key_is_ip_and_dst(void **state)
{
	struct inject_sched *s = inject_sched_create(8, 0, 0);
	struct inject_announce a = ann(IP(192, 0, 2, 10), 0x10);
	struct inject_announce b = a, c = ann(IP(192, 0, 2, 11), 0x11);
	struct inject_announce out[8];

	(void)state;
	b.dst.b[0] = 0x52; /* unicast to one host */
	b.dst.b[5] = 0x01;
	assert_int_equal(inject_sched_add(s, &a, 0), 0);
	assert_int_equal(inject_sched_add(s, &b, 0), 0);
	assert_int_equal(inject_sched_add(s, &c, 0), 0);
	assert_int_equal(inject_sched_count(s), 3);
	assert_int_equal(inject_sched_cancel(s, a.ip), 2);
	assert_int_equal(inject_sched_count(s), 1);
	assert_int_equal(inject_sched_due(s, 0, out, 8), 1);
	assert_int_equal(out[0].ip, c.ip);
	assert_int_equal(inject_sched_cancel(s, a.ip), 0);
	inject_sched_destroy(s);
}

static void test_rate_limit_burst_then_steady(void **state)
{
	/* 10 per second, bursts of 3; 20 first sends waiting. */
	struct inject_sched *s = inject_sched_create(32, 10, 3);
	struct inject_announce a, out[32];
	struct inject_sched_stats st;
	size_t total = 0, n;
	uint64_t t;
	unsigned i;

	(void)state;
	assert_non_null(s);
	for (i = 0; i < 20; i++) {
		a = ann(IP(192, 0, 2, 100 + i), (uint8_t)i);
		assert_int_equal(inject_sched_add(s, &a, 0), 0);
	}
	total = inject_sched_due(s, 0, out, 32);
	assert_int_equal(total, 3);
	/* The bucket is empty: the next token comes after 100 ms. */
	assert_int_equal(inject_sched_next_ms(s), 100);
	for (t = 1; t <= 1000; t++) {
		n = inject_sched_due(s, t, out, 32);
		assert_true(n <= 1);
		total += n;
		/* Exactly one more per 100 ms, never ahead of the rate. */
		assert_int_equal(total, 3 + t / 100);
		if (n == 1) {
			/* First sends go before the repeats now due. */
			assert_int_equal(out[0].step, 0);
		}
	}
	inject_sched_stats_get(s, &st);
	assert_true(st.delayed > 0);
	assert_int_equal(st.sent, 13);
	inject_sched_destroy(s);
}

static void test_rate_limit_refills_to_burst_only(void **state)
{
	struct inject_sched *s = inject_sched_create(32, 10, 3);
	struct inject_announce a, out[32];
	unsigned i;

	(void)state;
	a = ann(IP(192, 0, 2, 1), 1);
	assert_int_equal(inject_sched_add(s, &a, 0), 0);
	assert_int_equal(inject_sched_due(s, 0, out, 32), 1);
	inject_sched_cancel(s, a.ip);
	/* An hour idle: the bucket holds burst tokens, not 36000. */
	for (i = 0; i < 10; i++) {
		a = ann(IP(192, 0, 2, 100 + i), (uint8_t)i);
		assert_int_equal(inject_sched_add(s, &a, 3600000), 0);
	}
	assert_int_equal(inject_sched_due(s, 3600000, out, 32), 3);
	assert_int_equal(inject_sched_next_ms(s), 3600100);
	inject_sched_destroy(s);
}

static void test_late_send_covers_missed_steps(void **state)
{
	/* One frame per second: the 100 and 300 ms repeats cannot keep up. */
	struct inject_sched *s = inject_sched_create(4, 1, 1);
	struct inject_announce a = ann(IP(192, 0, 2, 10), 0x10), out[4];
	struct inject_sched_stats st;

	(void)state;
	assert_int_equal(inject_sched_add(s, &a, 0), 0);
	assert_int_equal(inject_sched_due(s, 0, out, 4), 1);
	assert_int_equal(inject_sched_next_ms(s), 1000);
	assert_int_equal(inject_sched_due(s, 100, out, 4), 0);
	assert_int_equal(inject_sched_due(s, 999, out, 4), 0);
	assert_int_equal(inject_sched_due(s, 1000, out, 4), 1);
	assert_int_equal(out[0].step, 1);
	/* The 300 ms step is covered; next is the one after locktime. */
	assert_int_equal(inject_sched_next_ms(s), 2000);
	assert_int_equal(inject_sched_due(s, 1100, out, 4), 0);
	assert_int_equal(inject_sched_due(s, 2000, out, 4), 1);
	assert_int_equal(out[0].step, 3);
	assert_int_equal(inject_sched_next_ms(s), 3100);
	assert_int_equal(inject_sched_due(s, 3100, out, 4), 1);
	assert_int_equal(out[0].step, 4);
	assert_int_equal(inject_sched_count(s), 0);
	inject_sched_stats_get(s, &st);
	assert_int_equal(st.skipped, 1);
	assert_int_equal(st.sent, 4);
	assert_int_equal(st.finished, 1);
	inject_sched_destroy(s);
}

static void test_max_budget(void **state)
{
	struct inject_sched *s = inject_sched_create(8, 0, 0);
	struct inject_announce a, out[8];
	struct inject_sched_stats st;
	unsigned i;

	(void)state;
	for (i = 0; i < 5; i++) {
		a = ann(IP(192, 0, 2, 100 + i), (uint8_t)i);
		assert_int_equal(inject_sched_add(s, &a, 0), 0);
	}
	assert_int_equal(inject_sched_due(s, 0, out, 2), 2);
	assert_int_equal(inject_sched_next_ms(s), 0);
	assert_int_equal(inject_sched_due(s, 0, out, 8), 3);
	assert_int_equal(inject_sched_due(s, 0, out, 8), 0);
	inject_sched_stats_get(s, &st);
	assert_int_equal(st.sent, 5);
	assert_int_equal(st.delayed, 0); /* the budget is not the limit */
	inject_sched_destroy(s);
}

static void test_capacity_bound(void **state)
{
	struct inject_sched *s = inject_sched_create(4, 0, 0);
	struct inject_announce a, out[8];
	struct inject_sched_stats st;
	unsigned i;

	(void)state;
	for (i = 0; i < 4; i++) {
		a = ann(IP(192, 0, 2, 100 + i), (uint8_t)i);
		assert_int_equal(inject_sched_add(s, &a, 0), 0);
	}
	a = ann(IP(192, 0, 2, 200), 0x99);
	assert_int_equal(inject_sched_add(s, &a, 0), -ENOSPC);
	assert_int_equal(inject_sched_add(s, &a, 0), -ENOSPC);
	/* Restarting one already there needs no room. */
	a = ann(IP(192, 0, 2, 101), 0x01);
	assert_int_equal(inject_sched_add(s, &a, 50), 0);
	assert_int_equal(inject_sched_count(s), 4);
	inject_sched_stats_get(s, &st);
	assert_int_equal(st.refused, 2);
	assert_int_equal(st.restarted, 1);

	/* Run the three others to the end: room again. */
	assert_int_equal(inject_sched_due(s, 0, out, 8), 3);
	assert_int_equal(inject_sched_due(s, 3100, out, 8), 4);
	assert_int_equal(inject_sched_count(s), 1);
	a = ann(IP(192, 0, 2, 200), 0x99);
	assert_int_equal(inject_sched_add(s, &a, 3100), 0);
	assert_int_equal(inject_sched_count(s), 2);
	inject_sched_destroy(s);
}

static void test_create_rejects(void **state)
{
	(void)state;
	errno = 0;
	assert_null(inject_sched_create(0, 0, 0));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(inject_sched_create(4, 10, 0));
	assert_int_equal(errno, EINVAL);
	inject_sched_destroy(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_offsets),
		cmocka_unit_test(test_exact_due_times),
		cmocka_unit_test(test_readd_restarts),
		cmocka_unit_test(test_key_is_ip_and_dst),
		cmocka_unit_test(test_rate_limit_burst_then_steady),
		cmocka_unit_test(test_rate_limit_refills_to_burst_only),
		cmocka_unit_test(test_late_send_covers_missed_steps),
		cmocka_unit_test(test_max_budget),
		cmocka_unit_test(test_capacity_bound),
		cmocka_unit_test(test_create_rejects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
