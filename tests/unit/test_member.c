/*
 * gossip/member.c: the claim order, one machine step by step, and N
 * machines over an in-memory network (loss, delay, partitions) on a
 * virtual clock. The simulation prints the measured detection times.
 *
 * Dissemination in the simulation stands in for the gossip layer: an
 * ANNOUNCE, or a claim that gossip_member_update applied, is sent to 3
 * random members every 200 ms, 3 * ceil(log2(N + 1)) times in all.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gossip/member.h"

#define ACT_MAX 64

/* ---- one machine, step by step ---------------------------------------- */

static size_t tick_all(struct gossip_member *m, uint64_t now,
		       struct gossip_member_action *a, size_t max)
{
	return gossip_member_tick(m, now, a, max);
}

static const struct gossip_member_action *
find_action(const struct gossip_member_action *a, size_t n,
	    enum gossip_member_action_kind kind, size_t nth)
{
	for (size_t i = 0; i < n; i++) {
		if (a[i].kind == kind && nth-- == 0) {
			return &a[i];
		}
	}
	return NULL;
}

static size_t count_action(const struct gossip_member_action *a, size_t n,
			   enum gossip_member_action_kind kind)
{
	size_t c = 0;

	for (size_t i = 0; i < n; i++) {
		c += a[i].kind == kind;
	}
	return c;
}

static void test_create(void **state)
{
	struct gossip_member_action a[ACT_MAX];
	struct gossip_member *m;
	size_t n;

	errno = 0;
	assert_null(gossip_member_create("bad name", 1, NULL, 0));
	assert_int_equal(errno, EINVAL);
	m = gossip_member_create("vrA", 7, NULL, 1000);
	assert_non_null(m);
	assert_string_equal(gossip_member_self(m), "vrA");
	assert_int_equal(gossip_member_incarnation(m), 7);
	assert_int_equal(gossip_member_next_ms(m), 0); /* the join ANNOUNCE */
	n = tick_all(m, 1000, a, ACT_MAX);
	assert_int_equal(n, 1);
	assert_int_equal(a[0].kind, GOSSIP_MEMBER_ANNOUNCE);
	assert_string_equal(a[0].about, "vrA");
	assert_int_equal(a[0].state, GOSSIP_MEMBER_ALIVE);
	assert_int_equal(a[0].incarnation, 7);
	assert_int_equal(gossip_member_next_ms(m), 2000);
	assert_int_equal(gossip_member_add(m, "vrA", 1, 1, 1000), -EINVAL);
	assert_int_equal(gossip_member_add(m, "a/b", 1, 1, 1000), -EINVAL);
	gossip_member_destroy(m);
	gossip_member_destroy(NULL);
}

static void test_claims(void **state)
{
	struct gossip_member_action a[ACT_MAX];
	struct gossip_member_info info;
	struct gossip_member *m = gossip_member_create("vrA", 0, NULL, 0);
	size_t n;

	assert_non_null(m);
	tick_all(m, 0, a, ACT_MAX);
	/* unknown DEAD: ignored; unknown ALIVE: added, peer up */
	assert_int_equal(
		gossip_member_update(m, "vrB", 1, 2, 5, GOSSIP_MEMBER_DEAD, 0),
		0);
	assert_int_equal(gossip_member_count(m), 0);
	assert_int_equal(
		gossip_member_update(m, "vrB", 1, 2, 5, GOSSIP_MEMBER_ALIVE, 0),
		1);
	n = tick_all(m, 0, a, ACT_MAX);
	assert_int_equal(n, 1);
	assert_int_equal(a[0].kind, GOSSIP_MEMBER_STATE_CHANGE);
	assert_int_equal(a[0].old_state, GOSSIP_MEMBER_NONE);
	assert_int_equal(a[0].state, GOSSIP_MEMBER_ALIVE);
	/* same or lower incarnation ALIVE: old news */
	assert_int_equal(
		gossip_member_update(m, "vrB", 1, 2, 5, GOSSIP_MEMBER_ALIVE, 0),
		0);
	/* SUSPECT below: ignored; SUSPECT at the same: applied */
	assert_int_equal(gossip_member_update(m, "vrB", 1, 2, 4,
					      GOSSIP_MEMBER_SUSPECT, 0),
			 0);
	assert_int_equal(gossip_member_update(m, "vrB", 1, 2, 5,
					      GOSSIP_MEMBER_SUSPECT, 100),
			 1);
	assert_int_equal(gossip_member_get(m, "vrB", &info), 0);
	assert_int_equal(info.state, GOSSIP_MEMBER_SUSPECT);
	assert_int_equal(info.suspect_since_ms, 100);
	assert_int_equal(gossip_member_update(m, "vrB", 1, 2, 5,
					      GOSSIP_MEMBER_SUSPECT, 200),
			 0);
	/* ALIVE at the same incarnation does not refute, above does */
	assert_int_equal(gossip_member_update(m, "vrB", 1, 2, 5,
					      GOSSIP_MEMBER_ALIVE, 200),
			 0);
	assert_int_equal(gossip_member_update(m, "vrB", 9, 2, 6,
					      GOSSIP_MEMBER_ALIVE, 200),
			 1);
	assert_int_equal(gossip_member_get(m, "vrB", &info), 0);
	assert_int_equal(info.state, GOSSIP_MEMBER_ALIVE);
	assert_int_equal(info.addr, 9);
	/* DEAD at the same incarnation; then only a higher ALIVE revives */
	assert_int_equal(gossip_member_update(m, "vrB", 1, 2, 6,
					      GOSSIP_MEMBER_DEAD, 300),
			 1);
	assert_int_equal(gossip_member_update(m, "vrB", 1, 2, 6,
					      GOSSIP_MEMBER_ALIVE, 300),
			 0);
	assert_int_equal(gossip_member_update(m, "vrB", 1, 2, 6,
					      GOSSIP_MEMBER_SUSPECT, 300),
			 0);
	assert_int_equal(gossip_member_get(m, "vrB", &info), 0);
	assert_int_equal(info.state, GOSSIP_MEMBER_DEAD);
	assert_int_equal(gossip_member_update(m, "vrB", 1, 2, 7,
					      GOSSIP_MEMBER_ALIVE, 400),
			 1);
	n = tick_all(m, 400, a, ACT_MAX);
	assert_int_equal(count_action(a, n, GOSSIP_MEMBER_STATE_CHANGE), 4);
	assert_int_equal(a[n - 1].old_state, GOSSIP_MEMBER_DEAD);
	assert_int_equal(a[n - 1].state, GOSSIP_MEMBER_ALIVE);
	/* LEFT */
	assert_int_equal(gossip_member_update(m, "vrB", 1, 2, 7,
					      GOSSIP_MEMBER_LEFT, 500),
			 1);
	assert_false(gossip_member_state_up(GOSSIP_MEMBER_LEFT));
	assert_int_equal(gossip_member_update(m, "vrB", 1, 2, 7,
					      GOSSIP_MEMBER_NONE, 500),
			 -EINVAL);
	gossip_member_destroy(m);
}

/* vrB, at incarnation inc, is held `down` (SUSPECT or DEAD) at t, then is
 * ALIVE at inc + 1 at t + 50: the state change, then the renewal. */
static void renewed_after(struct gossip_member *m,
			  enum gossip_member_state down, uint64_t inc,
			  uint64_t t)
{
	struct gossip_member_action a[ACT_MAX];
	size_t n;

	assert_int_equal(gossip_member_update(m, "vrB", 1, 2, inc, down, t), 1);
	n = tick_all(m, t, a, ACT_MAX);
	assert_int_equal(count_action(a, n, GOSSIP_MEMBER_RENEWED), 0);
	assert_int_equal(gossip_member_update(m, "vrB", 1, 2, inc + 1,
					      GOSSIP_MEMBER_ALIVE, t + 50),
			 1);
	n = tick_all(m, t + 50, a, ACT_MAX);
	assert_int_equal(n, 2);
	assert_int_equal(a[0].kind, GOSSIP_MEMBER_STATE_CHANGE);
	assert_int_equal(a[0].old_state, down);
	assert_int_equal(a[1].kind, GOSSIP_MEMBER_RENEWED);
	assert_int_equal(a[1].old_state, down);
	assert_int_equal(a[1].incarnation, inc + 1);
}

/* A member we knew, ALIVE again at a higher incarnation, is RENEWED: it
 * restarted, maybe inside our suspicion window (so it never went down
 * here), or refuted a suspicion. After the STATE_CHANGE when it was
 * SUSPECT or DEAD; alone when it was ALIVE (no state changed at all). */
static void test_renewed(void **state)
{
	struct gossip_member_action a[ACT_MAX];
	struct gossip_member *m = gossip_member_create("vrA", 0, NULL, 0);
	size_t n;

	assert_non_null(m);
	tick_all(m, 0, a, ACT_MAX);
	/* a newcomer is up, not renewed */
	assert_int_equal(
		gossip_member_update(m, "vrB", 1, 2, 1, GOSSIP_MEMBER_ALIVE, 0),
		1);
	n = tick_all(m, 0, a, ACT_MAX);
	assert_int_equal(count_action(a, n, GOSSIP_MEMBER_STATE_CHANGE), 1);
	assert_int_equal(count_action(a, n, GOSSIP_MEMBER_RENEWED), 0);
	/* restarted before anyone suspected it: ALIVE(1) -> ALIVE(2) */
	assert_int_equal(gossip_member_update(m, "vrB", 1, 2, 2,
					      GOSSIP_MEMBER_ALIVE, 100),
			 1);
	n = tick_all(m, 100, a, ACT_MAX);
	assert_int_equal(n, 1);
	assert_int_equal(a[0].kind, GOSSIP_MEMBER_RENEWED);
	assert_string_equal(a[0].about, "vrB");
	assert_int_equal(a[0].old_state, GOSSIP_MEMBER_ALIVE);
	assert_int_equal(a[0].state, GOSSIP_MEMBER_ALIVE);
	assert_int_equal(a[0].incarnation, 2);
	/* the same news again: nothing */
	assert_int_equal(gossip_member_update(m, "vrB", 1, 2, 2,
					      GOSSIP_MEMBER_ALIVE, 150),
			 0);
	assert_int_equal(tick_all(m, 150, a, ACT_MAX), 0);
	renewed_after(m, GOSSIP_MEMBER_SUSPECT, 2, 200);
	renewed_after(m, GOSSIP_MEMBER_DEAD, 3, 400);
	/* suspected at a higher incarnation: no renewal */
	assert_int_equal(gossip_member_update(m, "vrB", 1, 2, 5,
					      GOSSIP_MEMBER_SUSPECT, 600),
			 1);
	n = tick_all(m, 600, a, ACT_MAX);
	assert_int_equal(count_action(a, n, GOSSIP_MEMBER_RENEWED), 0);
	gossip_member_destroy(m);
}

static void test_refute(void **state)
{
	struct gossip_member_action a[ACT_MAX];
	struct gossip_member *m = gossip_member_create("vrA", 3, NULL, 0);
	size_t n;

	assert_non_null(m);
	tick_all(m, 0, a, ACT_MAX);
	/* an old suspicion is ignored */
	assert_int_equal(gossip_member_update(m, "vrA", 0, 0, 2,
					      GOSSIP_MEMBER_SUSPECT, 10),
			 0);
	assert_int_equal(gossip_member_incarnation(m), 3);
	assert_int_equal(tick_all(m, 10, a, ACT_MAX), 0);
	/* a current one is refuted */
	assert_int_equal(gossip_member_update(m, "vrA", 0, 0, 3,
					      GOSSIP_MEMBER_SUSPECT, 20),
			 0);
	assert_int_equal(gossip_member_incarnation(m), 4);
	n = tick_all(m, 20, a, ACT_MAX);
	assert_int_equal(n, 1);
	assert_int_equal(a[0].kind, GOSSIP_MEMBER_ANNOUNCE);
	assert_string_equal(a[0].about, "vrA");
	assert_int_equal(a[0].state, GOSSIP_MEMBER_ALIVE);
	assert_int_equal(a[0].incarnation, 4);
	/* DEAD from a previous life, and an ALIVE above ours */
	assert_int_equal(gossip_member_update(m, "vrA", 0, 0, 10,
					      GOSSIP_MEMBER_DEAD, 30),
			 0);
	assert_int_equal(gossip_member_incarnation(m), 11);
	assert_int_equal(gossip_member_update(m, "vrA", 0, 0, 12,
					      GOSSIP_MEMBER_ALIVE, 30),
			 0);
	assert_int_equal(gossip_member_incarnation(m), 13);
	assert_int_equal(gossip_member_refute(m, 5, 30), 0);
	gossip_member_leave(m, 40);
	n = tick_all(m, 40, a, ACT_MAX);
	assert_int_equal(a[n - 1].kind, GOSSIP_MEMBER_ANNOUNCE);
	assert_int_equal(a[n - 1].state, GOSSIP_MEMBER_LEFT);
	gossip_member_destroy(m);
}

/* Probe, PING_REQ through the others, SUSPECT, DEAD, forgetting. */
static void test_probe_cycle(void **state)
{
	struct gossip_member_action a[ACT_MAX];
	const struct gossip_member_action *x;
	struct gossip_member_params p;
	struct gossip_member_info info;
	struct gossip_member *m;
	char target[VRD_NAME_MAX + 1];
	uint32_t id;
	size_t n;

	gossip_member_params_default(&p);
	p.seed = 42;
	m = gossip_member_create("vrA", 0, &p, 0);
	assert_non_null(m);
	assert_int_equal(gossip_member_add(m, "vrB", 0xc6120002, 5000, 0), 0);
	assert_int_equal(gossip_member_add(m, "vrC", 0xc6120003, 5000, 0), 0);
	assert_int_equal(gossip_member_add(m, "vrD", 0xc6120004, 5000, 0), 0);
	n = tick_all(m, 0, a, ACT_MAX);
	assert_int_equal(count_action(a, n, GOSSIP_MEMBER_STATE_CHANGE), 3);
	assert_int_equal(gossip_member_next_ms(m), 1000);

	n = tick_all(m, 1000, a, ACT_MAX);
	assert_int_equal(n, 1);
	assert_int_equal(a[0].kind, GOSSIP_MEMBER_SEND_PING);
	assert_string_equal(a[0].to, a[0].about);
	assert_int_not_equal(a[0].probe_id, 0);
	assert_int_equal(a[0].port, 5000);
	snprintf(target, sizeof(target), "%s", a[0].to);
	id = a[0].probe_id;
	assert_int_equal(gossip_member_next_ms(m), 1300);
	/* a wrong id or a wrong sender is stale */
	assert_int_equal(gossip_member_on_ack(m, target, id + 1, false, 1100),
			 -ENOENT);

	n = tick_all(m, 1300, a, ACT_MAX);
	assert_int_equal(n, 2); /* k = 3, but only two others */
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(a[i].kind, GOSSIP_MEMBER_SEND_PING_REQ);
		assert_string_equal(a[i].about, target);
		assert_string_not_equal(a[i].to, target);
		assert_int_equal(a[i].probe_id, id);
	}
	assert_int_equal(gossip_member_next_ms(m), 2000);

	/* end of the period without an ACK: SUSPECT and announced */
	n = tick_all(m, 2000, a, ACT_MAX);
	x = find_action(a, n, GOSSIP_MEMBER_STATE_CHANGE, 0);
	assert_non_null(x);
	assert_string_equal(x->about, target);
	assert_int_equal(x->old_state, GOSSIP_MEMBER_ALIVE);
	assert_int_equal(x->state, GOSSIP_MEMBER_SUSPECT);
	x = find_action(a, n, GOSSIP_MEMBER_ANNOUNCE, 0);
	assert_non_null(x);
	assert_string_equal(x->about, target);
	assert_int_equal(x->state, GOSSIP_MEMBER_SUSPECT);
	x = find_action(a, n, GOSSIP_MEMBER_SEND_PING, 0);
	assert_non_null(x);
	/* the next member is probed and answers: RTT measured */
	assert_int_equal(
		gossip_member_on_ack(m, x->to, x->probe_id, false, 2040), 0);
	assert_int_equal(gossip_member_get(m, x->to, &info), 0);
	assert_int_equal(info.rtt_ms, 40);
	assert_int_equal(info.last_seen_ms, 2040);
	assert_int_equal(
		gossip_member_on_ack(m, x->to, x->probe_id, false, 2050),
		-ENOENT);

	/* the suspect sends something: told it is suspected, once */
	assert_int_equal(gossip_member_on_message_from(m, target, 2100), 0);
	assert_int_equal(gossip_member_on_message_from(m, target, 2200), 0);
	n = tick_all(m, 2200, a, ACT_MAX);
	assert_int_equal(n, 1);
	assert_int_equal(a[0].kind, GOSSIP_MEMBER_SEND_NOTICE);
	assert_string_equal(a[0].to, target);
	assert_int_equal(a[0].state, GOSSIP_MEMBER_SUSPECT);
	assert_int_equal(gossip_member_next_ms(m), 3000);

	/* suspicion runs out at 2000 + 3000; the others answer */
	for (uint64_t t = 3000; t < 5000; t += 1000) {
		n = tick_all(m, t, a, ACT_MAX);
		assert_int_equal(count_action(a, n, GOSSIP_MEMBER_STATE_CHANGE),
				 0);
		x = find_action(a, n, GOSSIP_MEMBER_SEND_PING, 0);
		assert_non_null(x);
		gossip_member_on_ack(m, x->to, x->probe_id, false, t + 10);
	}
	n = tick_all(m, 5000, a, ACT_MAX);
	x = find_action(a, n, GOSSIP_MEMBER_STATE_CHANGE, 0);
	assert_non_null(x);
	assert_int_equal(count_action(a, n, GOSSIP_MEMBER_STATE_CHANGE), 1);
	assert_string_equal(x->about, target);
	assert_int_equal(x->state, GOSSIP_MEMBER_DEAD);
	assert_non_null(find_action(a, n, GOSSIP_MEMBER_ANNOUNCE, 0));
	assert_int_equal(gossip_member_get(m, target, &info), 0);
	assert_int_equal(info.state, GOSSIP_MEMBER_DEAD);
	/* from the configuration: never forgotten */
	tick_all(m, 5000 + p.dead_forget_ms + 1, a, ACT_MAX);
	assert_int_equal(gossip_member_count(m), 3);
	gossip_member_destroy(m);
}

/*
 * Local health (Lifeguard): a probe whose end is handled a whole ACK
 * timeout late (our loop was starved) is given one more ACK timeout
 * instead of a verdict, and its ACK, read late, still counts; the score
 * rises, stretching the timeouts, and falls with answered probes. A
 * missed probe on time is still a suspicion, whose timeout is stretched
 * by the score.
 */
static void test_health(void **state)
{
	struct gossip_member_action a[ACT_MAX];
	const struct gossip_member_action *x;
	struct gossip_member_params p;
	struct gossip_member_stats st;
	struct gossip_member_info info;
	struct gossip_member *m;
	char target[VRD_NAME_MAX + 1];
	uint32_t id;
	size_t n;

	gossip_member_params_default(&p);
	p.seed = 42;
	p.health_max = GOSSIP_MEMBER_HEALTH_MAX;
	m = gossip_member_create("vrA", 0, &p, 0);
	assert_non_null(m);
	assert_int_equal(gossip_member_add(m, "vrB", 0xc6120002, 5000, 0), 0);
	assert_int_equal(gossip_member_add(m, "vrC", 0xc6120003, 5000, 0), 0);
	assert_int_equal(gossip_member_add(m, "vrD", 0xc6120004, 5000, 0), 0);
	tick_all(m, 0, a, ACT_MAX);
	n = tick_all(m, 1000, a, ACT_MAX);
	assert_int_equal(n, 1);
	assert_int_equal(
		gossip_member_on_ack(m, a[0].to, a[0].probe_id, false, 1010),
		0);

	/* a probe at 2000, its PING_REQs at 2300, then we are starved */
	n = tick_all(m, 2000, a, ACT_MAX);
	x = find_action(a, n, GOSSIP_MEMBER_SEND_PING, 0);
	assert_non_null(x);
	snprintf(target, sizeof(target), "%s", x->to);
	id = x->probe_id;
	n = tick_all(m, 2300, a, ACT_MAX);
	assert_int_equal(count_action(a, n, GOSSIP_MEMBER_SEND_PING_REQ), 2);
	/* the end was due at 3000: at 3400 no verdict, one more timeout */
	n = tick_all(m, 3400, a, ACT_MAX);
	assert_int_equal(n, 0);
	gossip_member_get_stats(m, &st);
	assert_int_equal(st.late, 1);
	assert_int_equal(st.health, 1);
	assert_int_equal(gossip_member_next_ms(m), 3400 + 2 * 300);
	/* the ACK that waited unread */
	assert_int_equal(gossip_member_on_ack(m, target, id, false, 3450), 0);
	gossip_member_get_stats(m, &st);
	assert_int_equal(st.health, 0);
	n = tick_all(m, 4000, a, ACT_MAX);
	assert_int_equal(count_action(a, n, GOSSIP_MEMBER_STATE_CHANGE), 0);
	assert_int_equal(gossip_member_get(m, target, &info), 0);
	assert_int_equal(info.state, GOSSIP_MEMBER_ALIVE);
	x = find_action(a, n, GOSSIP_MEMBER_SEND_PING, 0);
	assert_non_null(x);
	snprintf(target, sizeof(target), "%s", x->to);

	/* this one goes unanswered, and we are on time: suspected */
	tick_all(m, 4300, a, ACT_MAX);
	n = tick_all(m, 5000, a, ACT_MAX);
	x = find_action(a, n, GOSSIP_MEMBER_STATE_CHANGE, 0);
	assert_non_null(x);
	assert_string_equal(x->about, target);
	assert_int_equal(x->state, GOSSIP_MEMBER_SUSPECT);
	gossip_member_get_stats(m, &st);
	assert_int_equal(st.suspects, 1);
	assert_int_equal(st.late, 1);
	assert_true(st.health >= 1);
	/* fixed timeouts would make it DEAD at 5000 + 3000: stretched */
	for (uint64_t t = 5000; t <= 8000; t += 100) {
		n = tick_all(m, t, a, ACT_MAX);
		for (size_t i = 0; i < n; i++) {
			assert_false(a[i].kind == GOSSIP_MEMBER_STATE_CHANGE &&
				     a[i].state == GOSSIP_MEMBER_DEAD);
		}
	}
	assert_int_equal(gossip_member_get(m, target, &info), 0);
	assert_int_equal(info.state, GOSSIP_MEMBER_SUSPECT);
	/* but it does run out: the others answer, the score falls */
	for (uint64_t t = 8100;
	     t < 40000 && info.state == GOSSIP_MEMBER_SUSPECT; t += 100) {
		n = tick_all(m, t, a, ACT_MAX);
		for (size_t i = 0; i < n; i++) {
			if (a[i].kind == GOSSIP_MEMBER_SEND_PING &&
			    strcmp(a[i].to, target) != 0) {
				gossip_member_on_ack(m, a[i].to, a[i].probe_id,
						     false, t + 10);
			}
		}
		assert_int_equal(gossip_member_get(m, target, &info), 0);
	}
	assert_int_equal(info.state, GOSSIP_MEMBER_DEAD);
	gossip_member_get_stats(m, &st);
	assert_true(st.health < GOSSIP_MEMBER_HEALTH_MAX);
	gossip_member_destroy(m);
}

static void test_relay(void **state)
{
	struct gossip_member_action a[ACT_MAX];
	struct gossip_member_params p;
	struct gossip_member *m;
	uint32_t r1, r2;
	size_t n;

	gossip_member_params_default(&p);
	p.relays = 2;
	m = gossip_member_create("vrA", 0, &p, 0);
	assert_non_null(m);
	assert_int_equal(gossip_member_add(m, "vrB", 2, 1, 0), 0);
	assert_int_equal(gossip_member_add(m, "vrC", 3, 1, 0), 0);
	tick_all(m, 0, a, ACT_MAX);
	assert_int_equal(gossip_member_on_ping_req(m, "vrB", "vrA", 7, 10),
			 -EINVAL);
	assert_int_equal(gossip_member_on_ping_req(m, "vrB", "vrX", 7, 10),
			 -ENOENT);
	assert_int_equal(gossip_member_on_ping_req(m, "vrB", "vrC", 7, 10), 0);
	assert_int_equal(gossip_member_on_ping_req(m, "vrB", "vrC", 8, 10), 0);
	assert_int_equal(gossip_member_on_ping_req(m, "vrB", "vrC", 9, 10),
			 -ENOBUFS);
	n = tick_all(m, 10, a, ACT_MAX);
	assert_int_equal(n, 2);
	assert_int_equal(a[0].kind, GOSSIP_MEMBER_SEND_PING);
	assert_string_equal(a[0].to, "vrC");
	assert_int_equal(a[0].addr, 3);
	r1 = a[0].probe_id;
	r2 = a[1].probe_id;
	assert_int_not_equal(r1, r2);
	/* the target's ACK goes back to the requester with its id */
	assert_int_equal(gossip_member_on_ack(m, "vrC", r1, false, 20), 0);
	n = tick_all(m, 20, a, ACT_MAX);
	assert_int_equal(n, 1);
	assert_int_equal(a[0].kind, GOSSIP_MEMBER_SEND_ACK_RELAY);
	assert_string_equal(a[0].to, "vrB");
	assert_int_equal(a[0].addr, 2);
	assert_string_equal(a[0].about, "vrC");
	assert_int_equal(a[0].probe_id, 7);
	assert_int_equal(gossip_member_on_ack(m, "vrC", r1, false, 30),
			 -ENOENT);
	/* the other expires after a probe period */
	tick_all(m, 10 + p.probe_interval_ms, a, ACT_MAX);
	assert_int_equal(gossip_member_on_ack(m, "vrC", r2, false, 1020),
			 -ENOENT);
	gossip_member_destroy(m);
}

/* (5) a bounded table: refused beyond max_members, room again once a
 * gossip-learned DEAD member is forgotten. */
static void test_bounded(void **state)
{
	struct gossip_member_action a[ACT_MAX];
	struct gossip_member_params p;
	struct gossip_member_stats st;
	struct gossip_member_info info;
	struct gossip_member *m;
	size_t cursor = 0, seen = 0;

	gossip_member_params_default(&p);
	p.max_members = 4;
	m = gossip_member_create("vrA", 0, &p, 0);
	assert_non_null(m);
	assert_int_equal(gossip_member_add(m, "vrB", 2, 1, 0), 0);
	assert_int_equal(gossip_member_add(m, "vrC", 3, 1, 0), 0);
	assert_int_equal(gossip_member_add(m, "vrB", 22, 1, 0), 0); /* known */
	assert_int_equal(
		gossip_member_update(m, "vrD", 4, 1, 0, GOSSIP_MEMBER_ALIVE, 0),
		1);
	assert_int_equal(gossip_member_update(m, "vrE", 5, 1, 0,
					      GOSSIP_MEMBER_SUSPECT, 0),
			 1);
	assert_int_equal(gossip_member_count(m), 4);
	assert_int_equal(gossip_member_add(m, "vrF", 6, 1, 0), -ENOSPC);
	assert_int_equal(
		gossip_member_update(m, "vrF", 6, 1, 0, GOSSIP_MEMBER_ALIVE, 0),
		-ENOSPC);
	assert_int_equal(gossip_member_count(m), 4);
	gossip_member_get_stats(m, &st);
	assert_int_equal(st.table_full, 2);
	while (gossip_member_next(m, &cursor, &info)) {
		seen++;
		if (strcmp(info.name, "vrB") == 0) {
			assert_int_equal(info.addr, 22);
			assert_true(info.config);
		}
	}
	assert_int_equal(seen, 4);

	assert_int_equal(gossip_member_update(m, "vrD", 4, 1, 0,
					      GOSSIP_MEMBER_DEAD, 100),
			 1);
	tick_all(m, 100, a, ACT_MAX);
	/* vrE's suspicion (since 0) runs out: DEAD at 3000 */
	tick_all(m, 3000, a, ACT_MAX);
	assert_int_equal(gossip_member_get(m, "vrE", &info), 0);
	assert_int_equal(info.state, GOSSIP_MEMBER_DEAD);
	tick_all(m, 100 + p.dead_forget_ms - 1, a, ACT_MAX);
	assert_int_equal(gossip_member_get(m, "vrD", &info), 0);
	tick_all(m, 100 + p.dead_forget_ms, a, ACT_MAX);
	assert_int_equal(gossip_member_get(m, "vrD", &info), -ENOENT);
	assert_int_equal(gossip_member_get(m, "vrE", &info), 0);
	tick_all(m, 3000 + p.dead_forget_ms, a, ACT_MAX);
	assert_int_equal(gossip_member_get(m, "vrE", &info), -ENOENT);
	assert_int_equal(gossip_member_count(m), 2);
	gossip_member_get_stats(m, &st);
	assert_int_equal(st.forgotten, 2);
	assert_int_equal(gossip_member_add(m, "vrF", 6, 1, 0), 0);
	gossip_member_destroy(m);
}

/* ---- the simulation -------------------------------------------------- */

#define SIM_MAX 64
#define STEP_MS 10
#define GOSSIP_EVERY_MS 200
#define GOSSIP_FANOUT 3

enum msg_kind { M_PING, M_ACK, M_PING_REQ, M_ACK_RELAY, M_CLAIM };

struct msg {
	uint64_t at;
	int from, to;
	enum msg_kind kind;
	uint32_t id;
	int about;
	enum gossip_member_state state;
	uint64_t inc;
};

struct item {
	int about;
	enum gossip_member_state state;
	uint64_t inc;
	unsigned left;
};

struct node {
	struct gossip_member *m;
	char name[VRD_NAME_MAX + 1];
	bool down;
	double loss; /* of everything it sends or receives */
	struct item items[SIM_MAX * 2];
	size_t nitems;
	uint64_t next_gossip_ms;
	enum gossip_member_state view[SIM_MAX];
	uint64_t changed_at[SIM_MAX]; /* of view */
	uint64_t suspect_at[SIM_MAX]; /* last transition of j to SUSPECT */
	unsigned suspects[SIM_MAX]; /* transitions to SUSPECT of j here */
	unsigned deaths[SIM_MAX];
};

struct sim {
	int n;
	struct node nodes[SIM_MAX];
	struct msg *q;
	size_t nq, cap;
	uint64_t now;
	double loss;
	bool cut[SIM_MAX][SIM_MAX];
	uint32_t delay_min, delay_max;
	uint64_t rng;
	unsigned retransmits;
	struct gossip_member_params p;
};

static uint64_t sim_rand(struct sim *s)
{
	uint64_t z = (s->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static double sim_unit(struct sim *s)
{
	return (double)(sim_rand(s) >> 11) / (double)(1ull << 53);
}

static int node_index(const char *name)
{
	return atoi(name + 2);
}

static uint32_t node_addr(int i)
{
	return 0xc6120000u + (uint32_t)i + 1; /* 198.18.0.x */
}

static void send_msg(struct sim *s, int from, int to, enum msg_kind kind,
		     uint32_t id, int about, enum gossip_member_state st,
		     uint64_t inc)
{
	struct msg *mm;

	if (s->cut[from][to] || sim_unit(s) < s->loss ||
	    sim_unit(s) < s->nodes[from].loss ||
	    sim_unit(s) < s->nodes[to].loss) {
		return;
	}
	if (s->nq == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 1024;
		s->q = realloc(s->q, s->cap * sizeof(*s->q));
		assert_non_null(s->q);
	}
	mm = &s->q[s->nq++];
	*mm = (struct msg){
		.at = s->now + s->delay_min +
		      sim_rand(s) % (s->delay_max - s->delay_min + 1),
		.from = from,
		.to = to,
		.kind = kind,
		.id = id,
		.about = about,
		.state = st,
		.inc = inc,
	};
}

static void gossip_queue(struct sim *s, int i, int about,
			 enum gossip_member_state st, uint64_t inc)
{
	struct node *nd = &s->nodes[i];
	struct item *it = NULL;

	for (size_t k = 0; k < nd->nitems; k++) {
		if (nd->items[k].about == about) {
			it = &nd->items[k];
		}
	}
	if (!it) {
		assert_true(nd->nitems < SIM_MAX * 2);
		it = &nd->items[nd->nitems++];
	}
	*it = (struct item){about, st, inc, s->retransmits};
}

static void node_actions(struct sim *s, int i)
{
	struct gossip_member_action a[ACT_MAX];
	struct node *nd = &s->nodes[i];
	size_t n;

	do {
		n = gossip_member_tick(nd->m, s->now, a, ACT_MAX);
		for (size_t k = 0; k < n; k++) {
			int to = a[k].to[0] ? node_index(a[k].to) : -1;
			int about = node_index(a[k].about);

			switch (a[k].kind) {
			case GOSSIP_MEMBER_SEND_PING:
				send_msg(s, i, to, M_PING, a[k].probe_id, about,
					 0, 0);
				break;
			case GOSSIP_MEMBER_SEND_PING_REQ:
				send_msg(s, i, to, M_PING_REQ, a[k].probe_id,
					 about, 0, 0);
				break;
			case GOSSIP_MEMBER_SEND_ACK_RELAY:
				send_msg(s, i, to, M_ACK_RELAY, a[k].probe_id,
					 about, 0, 0);
				break;
			case GOSSIP_MEMBER_SEND_NOTICE:
				send_msg(s, i, to, M_CLAIM, 0, about,
					 a[k].state, a[k].incarnation);
				break;
			case GOSSIP_MEMBER_ANNOUNCE:
				gossip_queue(s, i, about, a[k].state,
					     a[k].incarnation);
				break;
			case GOSSIP_MEMBER_STATE_CHANGE:
				nd->view[about] = a[k].state;
				nd->changed_at[about] = s->now;
				if (a[k].state == GOSSIP_MEMBER_SUSPECT) {
					nd->suspects[about]++;
					nd->suspect_at[about] = s->now;
				}
				nd->deaths[about] +=
					a[k].state == GOSSIP_MEMBER_DEAD;
				break;
			case GOSSIP_MEMBER_RENEWED:
				break;
			}
		}
	} while (n == ACT_MAX);
}

static void node_gossip(struct sim *s, int i)
{
	struct node *nd = &s->nodes[i];
	size_t keep = 0;

	if (s->now < nd->next_gossip_ms) {
		return;
	}
	nd->next_gossip_ms = s->now + GOSSIP_EVERY_MS;
	for (size_t k = 0; k < nd->nitems; k++) {
		struct item *it = &nd->items[k];

		for (int f = 0; f < GOSSIP_FANOUT; f++) {
			int to = (int)(sim_rand(s) % (uint64_t)(s->n - 1));

			to += to >= i;
			send_msg(s, i, to, M_CLAIM, 0, it->about, it->state,
				 it->inc);
		}
		if (--it->left > 0) {
			nd->items[keep++] = *it;
		}
	}
	nd->nitems = keep;
}

static void deliver(struct sim *s, const struct msg *mm)
{
	struct node *nd = &s->nodes[mm->to];
	const char *from = s->nodes[mm->from].name;
	const char *about = s->nodes[mm->about].name;

	if (nd->down) {
		return;
	}
	switch (mm->kind) {
	case M_PING:
		gossip_member_on_message_from(nd->m, from, s->now);
		send_msg(s, mm->to, mm->from, M_ACK, mm->id, mm->to, 0, 0);
		break;
	case M_ACK:
		gossip_member_on_ack(nd->m, from, mm->id, false, s->now);
		break;
	case M_PING_REQ:
		gossip_member_on_ping_req(nd->m, from, about, mm->id, s->now);
		break;
	case M_ACK_RELAY:
		gossip_member_on_message_from(nd->m, from, s->now);
		gossip_member_on_ack(nd->m, about, mm->id, true, s->now);
		break;
	case M_CLAIM:
		gossip_member_on_message_from(nd->m, from, s->now);
		if (gossip_member_update(nd->m, about, node_addr(mm->about),
					 5000, mm->inc, mm->state,
					 s->now) == 1) {
			gossip_queue(s, mm->to, mm->about, mm->state, mm->inc);
		}
		break;
	}
}

static void node_start(struct sim *s, int i, uint64_t inc)
{
	struct node *nd = &s->nodes[i];
	struct gossip_member_params p = s->p;

	gossip_member_destroy(nd->m);
	p.seed = sim_rand(s);
	nd->m = gossip_member_create(nd->name, inc, &p, s->now);
	assert_non_null(nd->m);
	nd->down = false;
	nd->nitems = 0;
	nd->next_gossip_ms = s->now + sim_rand(s) % GOSSIP_EVERY_MS;
	for (int j = 0; j < s->n; j++) {
		nd->view[j] = GOSSIP_MEMBER_NONE;
		if (j != i) {
			assert_int_equal(
				gossip_member_add(nd->m, s->nodes[j].name,
						  node_addr(j), 5000, s->now),
				0);
		}
	}
}

static struct sim *sim_new(int n, uint64_t seed)
{
	struct sim *s = calloc(1, sizeof(*s));
	unsigned lg = 0;

	assert_non_null(s);
	assert_true(n <= SIM_MAX);
	s->n = n;
	s->rng = seed;
	s->delay_min = 1;
	s->delay_max = 20;
	s->now = 1000000;
	while ((1u << lg) < (unsigned)n + 1) {
		lg++;
	}
	s->retransmits = 3 * lg;
	gossip_member_params_default(&s->p);
	for (int i = 0; i < n; i++) {
		snprintf(s->nodes[i].name, sizeof(s->nodes[i].name), "vr%02d",
			 i);
	}
	for (int i = 0; i < n; i++) {
		/* start within one probe period of each other */
		s->now += s->p.probe_interval_ms / n;
		node_start(s, i, 1);
	}
	return s;
}

static void sim_free(struct sim *s)
{
	for (int i = 0; i < s->n; i++) {
		gossip_member_destroy(s->nodes[i].m);
	}
	free(s->q);
	free(s);
}

static void sim_step(struct sim *s)
{
	size_t keep = 0, due = s->nq;

	s->now += STEP_MS;
	for (size_t k = 0; k < due; k++) {
		struct msg mm = s->q[k];

		if (mm.at <= s->now) {
			deliver(s, &mm);
		} else {
			s->q[keep++] = mm;
		}
	}
	/* messages queued while delivering */
	if (s->nq > due) {
		memmove(&s->q[keep], &s->q[due], (s->nq - due) * sizeof(*s->q));
	}
	s->nq = keep + s->nq - due;
	for (int i = 0; i < s->n; i++) {
		if (s->nodes[i].down) {
			continue;
		}
		if (gossip_member_next_ms(s->nodes[i].m) <= s->now) {
			node_actions(s, i);
		}
		node_gossip(s, i);
	}
}

static void sim_run(struct sim *s, uint64_t ms)
{
	uint64_t until = s->now + ms;

	while (s->now < until) {
		sim_step(s);
	}
}

/* How many up nodes hold j in state st. */
static int sim_count_view(const struct sim *s, int j,
			  enum gossip_member_state st)
{
	int c = 0;

	for (int i = 0; i < s->n; i++) {
		c += i != j && !s->nodes[i].down && s->nodes[i].view[j] == st;
	}
	return c;
}

static int sim_up_others(const struct sim *s, int j)
{
	int c = 0;

	for (int i = 0; i < s->n; i++) {
		c += i != j && !s->nodes[i].down;
	}
	return c;
}

static bool sim_all_alive(const struct sim *s)
{
	for (int j = 0; j < s->n; j++) {
		if (!s->nodes[j].down &&
		    sim_count_view(s, j, GOSSIP_MEMBER_ALIVE) !=
			    sim_up_others(s, j)) {
			return false;
		}
	}
	return true;
}

static unsigned sim_total(const struct sim *s, bool deaths)
{
	unsigned c = 0;

	for (int i = 0; i < s->n; i++) {
		for (int j = 0; j < s->n; j++) {
			c += deaths ? s->nodes[i].deaths[j]
				    : s->nodes[i].suspects[j];
		}
	}
	return c;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void print_dist(const char *what, uint64_t *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	printf("  %-34s n=%zu min %llu p50 %llu p90 %llu p99 %llu max %llu "
	       "ms\n",
	       what, n, (unsigned long long)v[0], (unsigned long long)v[n / 2],
	       (unsigned long long)v[n * 9 / 10],
	       (unsigned long long)v[n * 99 / 100],
	       (unsigned long long)v[n - 1]);
}

/* (1) no loss: everyone ALIVE everywhere, and stays so. */
static void run_converge(int n)
{
	struct sim *s = sim_new(n, 1000 + (uint64_t)n);

	sim_run(s, 2000);
	assert_true(sim_all_alive(s));
	sim_run(s, 120000);
	assert_true(sim_all_alive(s));
	assert_int_equal(sim_total(s, false), 0);
	assert_int_equal(sim_total(s, true), 0);
	for (int i = 0; i < n; i++) {
		struct gossip_member_stats st;

		gossip_member_get_stats(s->nodes[i].m, &st);
		assert_true(st.probes >= 115);
		assert_int_equal(st.acks_stale, 0);
		assert_int_equal(st.ping_reqs, 0);
		assert_true(st.acks + 1 >= st.probes);
		assert_int_equal(st.actions_dropped, 0);
	}
	printf("  converge n=%d: all alive for 120 s, no suspicion\n", n);
	sim_free(s);
}

static void test_converge(void **state)
{
	run_converge(5);
	run_converge(50);
}

/* The first transition to SUSPECT of v anywhere since crash, relative. */
static uint64_t first_s_of(const struct sim *s, int v, uint64_t crash)
{
	uint64_t first = UINT64_MAX;

	for (int i = 0; i < s->n; i++) {
		uint64_t at = s->nodes[i].suspect_at[v];

		if (i != v && at >= crash && at - crash < first) {
			first = at - crash;
		}
	}
	return first;
}

/*
 * (2) crashes and (4) restarts: one node at a time stops answering; every
 * other node must hold it DEAD within bound_ms; it then comes back with a
 * higher incarnation and must be ALIVE everywhere again.
 */
static void run_detect(int n, int trials, uint64_t bound_ms)
{
	struct sim *s = sim_new(n, 77 + (uint64_t)n);
	uint64_t *dead = calloc((size_t)(n * trials), sizeof(*dead));
	uint64_t *susp = calloc((size_t)trials, sizeof(*susp));
	uint64_t *first_dead = calloc((size_t)trials, sizeof(*first_dead));
	uint64_t *back = calloc((size_t)trials, sizeof(*back));
	size_t nd = 0, late = 0;
	uint64_t spread = 0;

	assert_non_null(dead);
	assert_non_null(susp);
	assert_non_null(first_dead);
	assert_non_null(back);
	sim_run(s, 3000);
	assert_true(sim_all_alive(s));
	for (int t = 0; t < trials; t++) {
		int v = (int)(sim_rand(s) % (uint64_t)n);
		uint64_t crash, inc = gossip_member_incarnation(s->nodes[v].m);
		uint64_t first_s = 0, first_d = 0;

		/* a random phase against the probe periods */
		sim_run(s, sim_rand(s) % 1000);
		crash = s->now;
		s->nodes[v].down = true;
		while (s->now < crash + 30000 &&
		       sim_count_view(s, v, GOSSIP_MEMBER_DEAD) <
			       sim_up_others(s, v)) {
			sim_step(s);
		}
		for (int i = 0; i < n; i++) {
			uint64_t at;

			if (i == v) {
				continue;
			}
			assert_int_equal(s->nodes[i].view[v],
					 GOSSIP_MEMBER_DEAD);
			at = s->nodes[i].changed_at[v] - crash;
			late += at > bound_ms;
			dead[nd++] = at;
			/* from suspicion to DEAD: suspicion_ms, plus
			 * dissemination */
			assert_true(at >= s->p.suspicion_ms);
			if (at - first_s_of(s, v, crash) > spread) {
				spread = at - first_s_of(s, v, crash);
			}
			if (!first_d || at < first_d) {
				first_d = at;
			}
		}
		first_s = first_s_of(s, v, crash);
		assert_true(first_s < first_d);
		susp[t] = first_s;
		first_dead[t] = first_d;

		/* (4) back, with a higher incarnation */
		sim_run(s, 2000);
		node_start(s, v, inc + 1);
		crash = s->now;
		while (s->now < crash + 30000 && !sim_all_alive(s)) {
			sim_step(s);
		}
		assert_true(sim_all_alive(s));
		back[t] = s->now - crash;
		sim_run(s, 1000);
		assert_true(sim_all_alive(s));
	}
	printf("  detect n=%d, %d crashes (bound %llu ms):\n", n, trials,
	       (unsigned long long)bound_ms);
	print_dist("first SUSPECT anywhere", susp, (size_t)trials);
	print_dist("first DEAD anywhere", first_dead, (size_t)trials);
	print_dist("DEAD at each other node", dead, nd);
	print_dist("ALIVE everywhere after restart", back, (size_t)trials);
	printf("  %zu of %zu observations above %llu ms\n", late, nd,
	       (unsigned long long)bound_ms);
	/*
	 * DEAD is the first probe after the crash (a random phase against
	 * N rotations: not bounded by a few periods) + one period +
	 * suspicion_ms + dissemination: bound_ms holds for the median, not
	 * for every crash (see the distribution printed). Every observer
	 * must follow the first suspicion within suspicion_ms + 1.5 s
	 * (the dissemination of this harness: 3 members every 200 ms).
	 */
	printf("  from the first SUSPECT to the last DEAD: at most %llu ms\n",
	       (unsigned long long)spread);
	assert_true(spread <= s->p.suspicion_ms + 1500);
	assert_true(dead[nd / 2] <= bound_ms); /* sorted by print_dist */
	assert_true(dead[nd - 1] <= 10000);
	free(back);
	free(first_dead);
	free(susp);
	free(dead);
	sim_free(s);
}

static void test_detect(void **state)
{
	run_detect(5, 40, 6000);
	run_detect(50, 40, 6000);
}

/* (4b) a restart at a LOWER incarnation (state lost): the others tell it
 * it is dead (SEND_NOTICE), it refutes, and is ALIVE everywhere. */
static void test_restart_lost_incarnation(void **state)
{
	struct sim *s = sim_new(5, 5);
	uint64_t t0;

	sim_run(s, 3000);
	s->nodes[2].down = true;
	sim_run(s, 15000);
	assert_int_equal(sim_count_view(s, 2, GOSSIP_MEMBER_DEAD), 4);
	node_start(s, 2, 0);
	t0 = s->now;
	while (s->now < t0 + 30000 && !sim_all_alive(s)) {
		sim_step(s);
	}
	assert_true(sim_all_alive(s));
	assert_true(gossip_member_incarnation(s->nodes[2].m) > 1);
	printf("  restart with incarnation 0 (held DEAD at 1): ALIVE "
	       "everywhere after %llu ms\n",
	       (unsigned long long)(s->now - t0));
	sim_free(s);
}

/* (3) a flapping node: 30% of what it sends or receives is lost. */
static void run_flap(int n, uint64_t minutes)
{
	struct sim *s = sim_new(n, 3000 + (uint64_t)n);
	struct gossip_member_stats st;
	unsigned susp = 0, deaths = 0, other = 0, other_deaths = 0;
	uint64_t down_ms = 0;
	int f = n - 1;

	sim_run(s, 3000);
	assert_true(sim_all_alive(s));
	s->nodes[f].loss = 0.3;
	for (uint64_t t = 0; t < minutes * 60000; t += STEP_MS) {
		sim_step(s);
		down_ms += STEP_MS *
			   (uint64_t)sim_count_view(s, f, GOSSIP_MEMBER_DEAD);
	}
	for (int i = 0; i < n; i++) {
		susp += s->nodes[i].suspects[f];
		deaths += s->nodes[i].deaths[f];
		for (int j = 0; j < n - 1; j++) {
			other += s->nodes[i].suspects[j];
			other_deaths += s->nodes[i].deaths[j];
		}
	}
	gossip_member_get_stats(s->nodes[f].m, &st);
	printf("  flap n=%d, %llu min, 30%% loss at one node: %u SUSPECT "
	       "and %u DEAD transitions about it (%u observers), %llu "
	       "refutes, %llu observer-ms DEAD; about the others (suspected "
	       "by it): %u SUSPECT, %u DEAD\n",
	       n, (unsigned long long)minutes, susp, deaths, n - 1,
	       (unsigned long long)st.refutes, (unsigned long long)down_ms,
	       other, other_deaths);
	assert_int_equal(other_deaths, 0);
	assert_true(susp > 0); /* the loss is felt... */
	assert_int_equal(deaths, 0); /* ...but it never churns the GNDT */
	sim_free(s);
}

static void test_flap(void **state)
{
	run_flap(10, 10);
	run_flap(50, 10);
}

/* (6) the link A-B is cut both ways, paths through the others work. */
static void run_indirect(uint32_t k, unsigned *susp_ab, uint64_t *relayed)
{
	struct sim *s = sim_new(5, 66);
	struct gossip_member_stats st;

	s->p.indirect_k = k;
	s->nq = 0;
	for (int i = 0; i < s->n; i++) {
		node_start(s, i, 1);
	}
	sim_run(s, 3000);
	assert_true(sim_all_alive(s));
	s->cut[0][1] = s->cut[1][0] = true;
	sim_run(s, 300000);
	*susp_ab = s->nodes[0].suspects[1] + s->nodes[1].suspects[0];
	gossip_member_get_stats(s->nodes[0].m, &st);
	*relayed = st.acks_relayed;
	if (k > 0) {
		assert_int_equal(s->nodes[0].view[1], GOSSIP_MEMBER_ALIVE);
		assert_int_equal(s->nodes[1].view[0], GOSSIP_MEMBER_ALIVE);
		assert_int_equal(sim_total(s, false), 0);
		assert_int_equal(sim_total(s, true), 0);
	}
	sim_free(s);
}

static void test_indirect(void **state)
{
	unsigned susp;
	uint64_t relayed;

	run_indirect(GOSSIP_MEMBER_INDIRECT_K, &susp, &relayed);
	assert_int_equal(susp, 0);
	assert_true(relayed >= 60); /* B probed ~75 times in 300 s */
	printf("  indirect k=3, A-B cut for 300 s: %llu relayed ACKs at A, "
	       "%u suspicions\n",
	       (unsigned long long)relayed, susp);
	/* the control: without PING_REQ the cut is taken for a failure */
	run_indirect(0, &susp, &relayed);
	assert_int_equal(relayed, 0);
	assert_true(susp > 0);
	printf("  indirect k=0 (control): %u suspicions of A-B\n", susp);
}

/* Partial views: only watched members are probed; an unwatched one is
 * never PINGed, and indirect probes go through watched members first. */
static void test_watched_only(void **state)
{
	struct gossip_member_params p;
	struct gossip_member *m;
	struct gossip_member_action a[ACT_MAX];
	const char *names[] = {"vrB", "vrC", "vrD", "vrE"};
	unsigned pings_b = 0, pings_other = 0, reqs_d = 0, reqs = 0;
	uint64_t now = 1000;

	gossip_member_params_default(&p);
	p.watched_only = true;
	p.indirect_k = 1;
	p.seed = 7;
	m = gossip_member_create("vrA", 1, &p, now);
	assert_non_null(m);
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(gossip_member_update(m, names[i], 1 + i, 4800,
						      1, GOSSIP_MEMBER_ALIVE,
						      now),
				 1);
	}
	assert_int_equal(gossip_member_watch(m, "vrB", true), 0);
	assert_int_equal(gossip_member_watch(m, "vrD", true), 0);
	assert_int_equal(gossip_member_watch(m, "vrX", true), -ENOENT);
	/* vrB never answers: probes of vrB and vrD only, PING_REQs about
	 * vrB through vrD (the other watched member) */
	for (int round = 0; round < 12; round++) {
		size_t k;

		now += p.probe_interval_ms / 2;
		k = tick_all(m, now, a, ACT_MAX);
		for (size_t i = 0; i < k; i++) {
			if (a[i].kind == GOSSIP_MEMBER_SEND_PING &&
			    a[i].probe_id != 0) {
				if (strcmp(a[i].to, "vrB") == 0) {
					pings_b++;
				} else if (strcmp(a[i].to, "vrD") != 0) {
					pings_other++;
				}
				if (strcmp(a[i].to, "vrD") == 0) {
					gossip_member_on_ack(m, "vrD",
							     a[i].probe_id,
							     false, now);
				}
			}
			if (a[i].kind == GOSSIP_MEMBER_SEND_PING_REQ) {
				reqs++;
				reqs_d += strcmp(a[i].to, "vrD") == 0;
			}
		}
		/* vrB suspected after its first unanswered probe: refute it
		 * to keep it probed */
		gossip_member_update(m, "vrB", 2, 4800, 10 + round,
				     GOSSIP_MEMBER_ALIVE, now);
	}
	assert_true(pings_b > 0);
	assert_int_equal(pings_other, 0);
	assert_true(reqs > 0);
	assert_int_equal(reqs_d, reqs);
	gossip_member_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create),
		cmocka_unit_test(test_claims),
		cmocka_unit_test(test_renewed),
		cmocka_unit_test(test_refute),
		cmocka_unit_test(test_probe_cycle),
		cmocka_unit_test(test_relay),
		cmocka_unit_test(test_health),
		cmocka_unit_test(test_bounded),
		cmocka_unit_test(test_converge),
		cmocka_unit_test(test_detect),
		cmocka_unit_test(test_restart_lost_incarnation),
		cmocka_unit_test(test_flap),
		cmocka_unit_test(test_indirect),
		cmocka_unit_test(test_watched_only),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
