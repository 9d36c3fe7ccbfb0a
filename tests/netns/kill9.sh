#!/usr/bin/env bash
# kill -9 in the middle of a write storm never loses a committed entry and
# never corrupts the tables. Each round: vrd runs, vrd-ctl-storm writes
# HWDT entries over the control socket and prints each one the daemon
# acknowledged (after its commit), vrd is killed with -9 at a random
# moment; then vrd must start again on the same state_dir, and every
# acknowledged entry must be there, read both by the restarted daemon and
# read-only by vrctl -d, and the environment must pass mdb_stat.
#
#    ┌──────── $gA ────────┐
#    │ vrd vrA  lan0─lan0p  │  <- vrd-ctl-storm on the control socket
#    └──────────────────────┘
source "$(dirname "$0")/lib.sh"

ROUNDS=${VRD_KILL9_ROUNDS:-6}
t_solo_gateway
d=$NL_DIR/vrA
vrd=$VRD_BIN/vrd
vrctl=$VRD_BIN/vrctl
next=0
acked=$d/acked

# at_least FILE N: FILE has N lines or more.
at_least() { [[ -f $1 && $(wc -l <"$1") -ge $2 ]]; }

for round in $(seq 1 "$ROUNDS"); do
	nl_spawn "$d/vrd.$round.log" "$gA" "$vrd" -c "$conf"
	vrd_pid=$NL_PID
	nl_wait 10 ip netns exec "$gA" "$vrctl" -c "$conf" status ||
		t_fail "round $round: vrd did not start on the old tables"
	nl_spawn -e "$d/storm.$round.err" "$d/storm.$round" "$gA" \
		"$VRD_TESTS/vrd-ctl-storm" "$d/vrd.sock" 100000 "$next"
	storm_pid=$NL_PID
	# Let a random number of writes through, then kill mid-storm.
	want=$((50 + RANDOM % 400))
	nl_wait 30 at_least "$d/storm.$round" "$want" ||
		t_fail "round $round: storm too slow"
	kill -KILL "$vrd_pid"
	wait "$vrd_pid" 2>/dev/null || true
	wait "$storm_pid" 2>/dev/null || true
	got=$(wc -l <"$d/storm.$round")
	cat "$d/storm.$round" >>"$acked"
	next=$((next + got + 1))
	nl_log "round $round: killed after $got acknowledged writes"
	# The tables open read-only and hold every acknowledged entry.
	mdb_stat -a "$d/state" >/dev/null || t_fail "round $round: mdb_stat"
	"$vrctl" -d "$d/state" -j hwdt |
		jq -r '.[] | "\(.ip) \(.vn)"' | sort >"$d/have"
	sort -u "$acked" >"$d/want"
	missing=$(comm -23 "$d/want" "$d/have" | wc -l)
	t_expect_eq "round $round: acknowledged entries missing" "$missing" 0
done

nl_log "final restart sees all $(wc -l <"$acked") acknowledged entries"
nl_spawn "$d/vrd.final.log" "$gA" "$vrd" -c "$conf"
nl_wait 10 ip netns exec "$gA" "$vrctl" -c "$conf" status ||
	t_fail "final start"
ip netns exec "$gA" "$vrctl" -c "$conf" -j hwdt |
	jq -r '.[] | "\(.ip) \(.vn)"' | sort >"$d/have"
t_expect_eq "daemon view: missing" \
	"$(comm -23 "$d/want" "$d/have" | wc -l)" 0
nl_log "PASS"
