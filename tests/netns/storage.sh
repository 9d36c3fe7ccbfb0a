#!/usr/bin/env bash
# A truncated or empty data.mdb is a clear start-up error, never a SIGBUS
# and never a silent reset (issue 12). A real vrd fills its tables and
# stops; then, for each cut (0 bytes, and 20000, 65536 and 600000 or half
# the file, each below LMDB's last page), vrd -c and vrctl -d must exit 1
# (not die of a signal) naming the file, and leave it as it was. Then
# vrd --fresh sets the broken file aside, says what is lost, and starts on
# new tables; on sound tables --fresh keeps them.
#
#    ┌──────── $gA ────────┐
#    │ vrd vrA  lan0─lan0p  │  <- vrd-ctl-storm fills the HWDT
#    └──────────────────────┘
source "$(dirname "$0")/lib.sh"

t_solo_gateway
d=$NL_DIR/vrA
data=$d/state/data.mdb
vrd=$VRD_BIN/vrd
vrctl=$VRD_BIN/vrctl

# A real vrd run leaves the tables: 20000 HWDT entries, then a clean stop.
nl_spawn "$d/vrd.fill.log" "$gA" "$vrd" -c "$conf"
vrd_pid=$NL_PID
nl_wait 10 ip netns exec "$gA" "$vrctl" -c "$conf" status ||
	t_fail "vrd did not start"
"$VRD_TESTS/vrd-ctl-storm" "$d/vrd.sock" 20000 0 >"$d/storm" ||
	t_fail "storm"
kill -TERM "$vrd_pid"
wait "$vrd_pid" || t_fail "vrd did not stop cleanly"
cp "$data" "$d/good.mdb"
full=$(stat -c %s "$d/good.mdb")
want=$("$vrctl" -d "$d/state" -j hwdt | jq length)
t_expect_eq "entries in the filled tables" "$want" 20000
nl_log "tables: $full bytes, $want hwdt entries"

# Below the last page in use whatever the free list holds: at most half
# of a file the storm filled with entries.
cuts=(0)
for s in 20000 65536 600000; do
	((s <= full / 2)) && cuts+=("$s")
done
cuts+=($((full / 2)))

# refused WHAT CMD...: exit status 1 (not a signal's 128+n), a message on
# stderr naming data.mdb, and data.mdb as it was
refused() {
	local what=$1 rc=0 sum
	shift
	sum=$(sha256sum <"$data")
	timeout 30 "$@" >"$d/out" 2>"$d/err" || rc=$?
	((rc <= 128)) || t_fail "$what: died of signal $((rc - 128))"
	t_expect_eq "$what: exit status" "$rc" 1
	grep -qF "$data: " "$d/err" ||
		t_fail "$what: no message naming $data: $(cat "$d/err")"
	t_expect_eq "$what: data.mdb changed" "$(sha256sum <"$data")" "$sum"
	nl_log "$what: $(grep -F "$data: " "$d/err" | head -1 | sed 's/.*err: //')"
}

for s in "${cuts[@]}"; do
	cp "$d/good.mdb" "$data"
	truncate -s "$s" "$data"
	refused "vrd, data.mdb of $s bytes" \
		ip netns exec "$gA" "$vrd" -c "$conf"
	refused "vrctl -d, data.mdb of $s bytes" "$vrctl" -d "$d/state" status
	grep -qE "$data: (truncated|empty)" "$d/err" ||
		t_fail "$s bytes: not called truncated or empty"
	ls "$d/state" | grep -q broken && t_fail "$s bytes: set aside unasked"
done

# --fresh: the broken file aside, as it was; a loud warning; new tables.
cp "$d/good.mdb" "$data"
truncate -s 20000 "$data"
sum=$(sha256sum <"$data")
nl_spawn "$d/vrd.fresh.log" "$gA" "$vrd" --fresh -c "$conf"
vrd_pid=$NL_PID
nl_wait 10 ip netns exec "$gA" "$vrctl" -c "$conf" status ||
	t_fail "vrd --fresh did not start"
aside=$(ls "$d/state"/data.mdb.broken-* 2>/dev/null | head -1)
[[ -n $aside ]] || t_fail "no data.mdb.broken-* kept"
t_expect_eq "the file set aside" "$(sha256sum <"$aside")" "$sum"
ls "$d/state"/lock.mdb.broken-* >/dev/null || t_fail "lock.mdb not aside"
grep -q "sequence history is lost" "$d/vrd.fresh.log" ||
	t_fail "--fresh did not say the sequence history is lost"
t_expect_eq "hwdt entries after --fresh" \
	"$(ip netns exec "$gA" "$vrctl" -c "$conf" -j hwdt | jq length)" 0
t_expect_eq "tables-reset events" \
	"$(ip netns exec "$gA" "$vrctl" -c "$conf" -j events |
		jq '[.[] | select(.type == "tables-reset")] | length')" 1
kill -TERM "$vrd_pid"
wait "$vrd_pid" || t_fail "vrd --fresh did not stop cleanly"

# --fresh on sound tables keeps them.
nl_spawn "$d/vrd.again.log" "$gA" "$vrd" --fresh -c "$conf"
vrd_pid=$NL_PID
nl_wait 10 ip netns exec "$gA" "$vrctl" -c "$conf" status ||
	t_fail "vrd --fresh on sound tables did not start"
grep -q "the tables are sound, kept" "$d/vrd.again.log" ||
	t_fail "--fresh on sound tables: no word"
t_expect_eq "files set aside" "$(ls "$d/state" | grep -c 'data.mdb.broken')" 1
kill -TERM "$vrd_pid"
wait "$vrd_pid" || true
nl_log "PASS"
