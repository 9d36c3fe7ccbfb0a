/* vrd/migrate_verify.c: probes on schedule, an answer contests at once,
 * silence yields at the end of the window, the contest budget, and the
 * bookkeeping (duplicates, cancel, full table). Time is an argument. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "vrd/migrate_verify.h"

#define VM 0xc0000214u /* 192.0.2.20 */
#define T0 1000000u

static const struct vrd_mac mac = {{0x52, 0x54, 0x00, 0x12, 0x34, 0x56}};
static const struct vrd_mac other = {{0x52, 0x54, 0x00, 0x00, 0x03, 0x66}};
static struct vrd_migrate_verify v;

static int setup(void **state)
{
	memset(&v, 0, sizeof(v));
	return 0;
}

static size_t due(uint64_t now, struct vrd_migrate_verify_action *a)
{
	return vrd_migrate_verify_due(&v, now, a, VRD_MIGRATE_VERIFY_MAX);
}

static void test_silence_yields(void **state)
{
	struct vrd_migrate_verify_action a[VRD_MIGRATE_VERIFY_MAX];

	assert_int_equal(vrd_migrate_verify_next_ms(&v), UINT64_MAX);
	assert_int_equal(vrd_migrate_verify_start(&v, VM, &mac, "vrC",
						  VRD_MIGRATE_VERIFY_HOME, T0),
			 0);
	assert_true(vrd_migrate_verify_pending(&v, VM));
	/* the first probe at once */
	assert_int_equal(vrd_migrate_verify_next_ms(&v), T0);
	assert_int_equal(due(T0, a), 1);
	assert_int_equal(a[0].what, VRD_MIGRATE_VERIFY_PROBE);
	assert_int_equal(a[0].move.ip, VM);
	assert_memory_equal(&a[0].move.mac, &mac, sizeof(mac));
	assert_string_equal(a[0].move.claimer, "vrC");
	assert_int_equal(due(T0, a), 0);
	/* the second after the interval, then nothing until the window ends */
	assert_int_equal(vrd_migrate_verify_next_ms(&v),
			 T0 + VRD_MIGRATE_VERIFY_PROBE_IVL_MS);
	assert_int_equal(due(T0 + VRD_MIGRATE_VERIFY_PROBE_IVL_MS - 1, a), 0);
	assert_int_equal(due(T0 + VRD_MIGRATE_VERIFY_PROBE_IVL_MS, a), 1);
	assert_int_equal(a[0].what, VRD_MIGRATE_VERIFY_PROBE);
	assert_int_equal(vrd_migrate_verify_next_ms(&v),
			 T0 + VRD_MIGRATE_VERIFY_WINDOW_MS);
	assert_int_equal(due(T0 + VRD_MIGRATE_VERIFY_WINDOW_MS - 1, a), 0);
	assert_int_equal(due(T0 + VRD_MIGRATE_VERIFY_WINDOW_MS, a), 1);
	assert_int_equal(a[0].what, VRD_MIGRATE_VERIFY_YIELD);
	assert_false(a[0].limited);
	assert_false(vrd_migrate_verify_pending(&v, VM));
	assert_int_equal(vrd_migrate_verify_next_ms(&v), UINT64_MAX);
	/* a late answer changes nothing */
	assert_false(vrd_migrate_verify_answer(&v, VM, &mac));
}

static void test_answer_contests_at_once(void **state)
{
	struct vrd_migrate_verify_action a[VRD_MIGRATE_VERIFY_MAX];

	assert_int_equal(vrd_migrate_verify_start(&v, VM, &mac, "vrC",
						  VRD_MIGRATE_VERIFY_VISIT, T0),
			 0);
	assert_int_equal(due(T0, a), 1);
	/* another MAC, or another address, is no answer */
	assert_false(vrd_migrate_verify_answer(&v, VM, &other));
	assert_false(vrd_migrate_verify_answer(&v, VM + 1, &mac));
	assert_int_equal(vrd_migrate_verify_next_ms(&v),
			 T0 + VRD_MIGRATE_VERIFY_PROBE_IVL_MS);
	assert_true(vrd_migrate_verify_answer(&v, VM, &mac));
	assert_false(vrd_migrate_verify_answer(&v, VM, &mac)); /* once */
	assert_true(vrd_migrate_verify_next_ms(&v) <= T0 + 1);
	assert_int_equal(due(T0 + 1, a), 1);
	assert_int_equal(a[0].what, VRD_MIGRATE_VERIFY_CONTEST);
	assert_int_equal(a[0].move.side, VRD_MIGRATE_VERIFY_VISIT);
	assert_string_equal(a[0].move.claimer, "vrC");
	assert_false(vrd_migrate_verify_pending(&v, VM));
	assert_int_equal(vrd_migrate_verify_count(&v), 0);
}

static void test_moved_on_and_cancel(void **state)
{
	struct vrd_migrate_verify_action a[VRD_MIGRATE_VERIFY_MAX];

	assert_int_equal(vrd_migrate_verify_start(&v, VM, &mac, "vrB",
						  VRD_MIGRATE_VERIFY_HOME, T0),
			 0);
	/* moved on to vrC during the window: the same verification, the
	 * new claimer; the MAC and the schedule stay */
	assert_int_equal(vrd_migrate_verify_start(&v, VM, &other, "vrC",
						  VRD_MIGRATE_VERIFY_HOME,
						  T0 + 5),
			 -EEXIST);
	assert_int_equal(vrd_migrate_verify_count(&v), 1);
	assert_int_equal(due(T0, a), 1);
	assert_string_equal(a[0].move.claimer, "vrC");
	assert_memory_equal(&a[0].move.mac, &mac, sizeof(mac));
	assert_int_equal(a[0].move.start_ms, T0);
	assert_true(vrd_migrate_verify_cancel(&v, VM));
	assert_false(vrd_migrate_verify_cancel(&v, VM));
	assert_int_equal(due(T0 + VRD_MIGRATE_VERIFY_WINDOW_MS, a), 0);
}

static void test_full(void **state)
{
	struct vrd_migrate_verify_action a[VRD_MIGRATE_VERIFY_MAX];

	for (uint32_t i = 0; i < VRD_MIGRATE_VERIFY_MAX; i++) {
		assert_int_equal(
			vrd_migrate_verify_start(&v, VM + i, &mac, "vrC",
						 VRD_MIGRATE_VERIFY_HOME, T0),
			0);
	}
	assert_int_equal(vrd_migrate_verify_start(&v, VM + 999, &mac, "vrC",
						  VRD_MIGRATE_VERIFY_HOME, T0),
			 -ENOSPC);
	/* max bounds one call; the rest stay due */
	assert_int_equal(vrd_migrate_verify_due(&v, T0, a, 3), 3);
	assert_int_equal(due(T0, a), VRD_MIGRATE_VERIFY_MAX - 3);
	assert_int_equal(vrd_migrate_verify_next_ms(&v),
			 T0 + VRD_MIGRATE_VERIFY_PROBE_IVL_MS);
}

/* An address contested too often is let go: two places answering. */
static void test_contest_budget(void **state)
{
	struct vrd_migrate_verify_action a[VRD_MIGRATE_VERIFY_MAX];
	uint64_t t = T0;

	for (int i = 0; i <= VRD_MIGRATE_VERIFY_CONTESTS; i++, t += 100) {
		assert_int_equal(
			vrd_migrate_verify_start(&v, VM, &mac, "vrC",
						 VRD_MIGRATE_VERIFY_HOME, t),
			0);
		assert_int_equal(due(t, a), 1);
		assert_true(vrd_migrate_verify_answer(&v, VM, &mac));
		assert_int_equal(due(t, a), 1);
		if (i < VRD_MIGRATE_VERIFY_CONTESTS) {
			assert_int_equal(a[0].what, VRD_MIGRATE_VERIFY_CONTEST);
		} else {
			assert_int_equal(a[0].what, VRD_MIGRATE_VERIFY_YIELD);
			assert_true(a[0].limited);
		}
	}
	/* another address has its own budget */
	assert_int_equal(vrd_migrate_verify_start(&v, VM + 1, &mac, "vrC",
						  VRD_MIGRATE_VERIFY_HOME, t),
			 0);
	assert_int_equal(due(t, a), 1);
	assert_true(vrd_migrate_verify_answer(&v, VM + 1, &mac));
	assert_int_equal(due(t, a), 1);
	assert_int_equal(a[0].what, VRD_MIGRATE_VERIFY_CONTEST);
	/* after the period, contests are allowed again */
	t = T0 + VRD_MIGRATE_VERIFY_PERIOD_MS + 1000;
	assert_int_equal(vrd_migrate_verify_start(&v, VM, &mac, "vrC",
						  VRD_MIGRATE_VERIFY_HOME, t),
			 0);
	assert_int_equal(due(t, a), 1);
	assert_true(vrd_migrate_verify_answer(&v, VM, &mac));
	assert_int_equal(due(t, a), 1);
	assert_int_equal(a[0].what, VRD_MIGRATE_VERIFY_CONTEST);
}

/* The history is a ring: many addresses later, old contests are gone. */
static void test_contest_history_wraps(void **state)
{
	struct vrd_migrate_verify_action a[VRD_MIGRATE_VERIFY_MAX];

	for (uint32_t i = 0; i < 3 * VRD_MIGRATE_VERIFY_HISTORY; i++) {
		assert_int_equal(
			vrd_migrate_verify_start(&v, VM + i, &mac, "vrC",
						 VRD_MIGRATE_VERIFY_HOME, T0),
			0);
		assert_int_equal(due(T0, a), 1);
		assert_true(vrd_migrate_verify_answer(&v, VM + i, &mac));
		assert_int_equal(due(T0, a), 1);
		assert_int_equal(a[0].what, VRD_MIGRATE_VERIFY_CONTEST);
	}
	assert_int_equal(v.ncontests, VRD_MIGRATE_VERIFY_HISTORY);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_silence_yields, setup),
		cmocka_unit_test_setup(test_answer_contests_at_once, setup),
		cmocka_unit_test_setup(test_moved_on_and_cancel, setup),
		cmocka_unit_test_setup(test_full, setup),
		cmocka_unit_test_setup(test_contest_budget, setup),
		cmocka_unit_test_setup(test_contest_history_wraps, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
