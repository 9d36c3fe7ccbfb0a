#!/usr/bin/env bash
# The control socket under local pressure and from strangers (issue 12):
# 20 clients that connect and never send do not lock vrctl out; a user who
# is neither root nor in the control group is refused, clearly, even when
# the socket file is opened up; the read-only socket serves status to its
# group and refuses a write; a socket folder others can write to is a
# start-up error.
#
#    ┌────────────────── $gA ──────────────────┐
#    │ vrd vrA  lan0 192.0.2.1/24 ─veth─ lan0p │   (no hosts: the control
#    │          lo 198.18.0.1 (overlay)        │    socket is the subject)
#    └─────────────────────────────────────────┘
#    $NL_DIR/run/vrA.sock     (root only)
#    $NL_DIR/run/vrA-ro.sock  (read-only, group nogroup: nobody may read)
source "$(dirname "$0")/lib.sh"

gA=$(t_netns gA)
ip -n "$gA" link add lan0 type veth peer name lan0p
ip -n "$gA" addr add 192.0.2.1/24 dev lan0
ip -n "$gA" addr add 198.18.0.1/32 dev lo
ip -n "$gA" link set lan0 up
ip -n "$gA" link set lan0p up

vrctl=$VRD_BIN/vrctl
nobody=$(id -u nobody)
ro_group=$(id -gn nobody)
nl_ca vrA 192.0.2.0/24
conf=$(nl_gateway_conf vrA 198.18.0.1 192.0.2.0/24 lan0)
d=$NL_DIR/vrA
sock=$NL_DIR/run/vrA.sock
ro=$NL_DIR/run/vrA-ro.sock
sed -i "s|^control = .*|control = $sock\ncontrol_ro = $ro\ncontrol_ro_group = $ro_group|" "$conf"
chmod 711 "$NL_DIR" # nobody may pass through to run/, and read nothing
# as nobody, with no group but its own
as_nobody() { setpriv --reuid="$nobody" --regid="$(id -g nobody)" --clear-groups "$@"; }

"$VRD_BIN/vrd" -n -c "$conf" >/dev/null || t_fail "vrd -n refused the config"
nl_spawn "$d/vrd.log" "$gA" "$VRD_BIN/vrd" -c "$conf"
vrd_pid=$NL_PID
nl_wait 10 "$vrctl" -s "$sock" status || t_fail "vrd did not start"
t_expect_eq "socket mode" "$(stat -c %a "$sock")" 600
t_expect_eq "read-only socket mode and group" "$(stat -c '%a %G' "$ro")" "660 $ro_group"
counter() { "$vrctl" -s "$sock" -j stats | jq -r ".[] | select(.counter == \"$1\") | .value"; }

nl_log "20 clients that never send: vrctl still answers"
nl_spawn "$NL_DIR/idle.log" "$gA" "$VRD_TESTS/vrd-ctl-idle" "$sock" 20 6
idle=$NL_PID
sleep 0.5 # all 20 connected
for i in 1 2 3 4 5; do
	timeout 3 "$vrctl" -s "$sock" status >/dev/null ||
		t_fail "vrctl got no answer within 3 s with 20 idle clients (try $i)"
	sleep 0.5
done
wait "$idle"
dropped=$(awk '/^dropped/ {print $2}' "$NL_DIR/idle.log")
nl_log "idle clients dropped: $dropped"
# each idle client is dropped at the first-request deadline (1 s), not 10 s
((dropped >= 40)) || t_fail "idle clients were not dropped quickly: $dropped in 6 s"
[[ $(counter control.rejected) == 0 ]] || t_fail "clients were turned away: $(counter control.rejected)"

nl_log "a stranger is refused, even through a socket file opened up"
t_refused "" as_nobody "$vrctl" -s "$sock" status # the kernel: mode 0600
chmod 666 "$sock"
t_refused "permission denied: uid $nobody is neither root nor the user vrd runs as" \
	as_nobody "$vrctl" -s "$sock" status
t_refused "permission denied" as_nobody "$vrctl" -s "$sock" lndt add 203.0.113.0/24
chmod 600 "$sock"
[[ $(counter control.denied) -ge 2 ]] || t_fail "control.denied: $(counter control.denied)"
"$vrctl" -s "$sock" -j lndt | jq -e 'map(.prefix) | index("203.0.113.0/24") | not' >/dev/null ||
	t_fail "a refused write changed the LNDT"

nl_log "the read-only socket: status for its group, no writes"
out=$(as_nobody "$vrctl" -s "$ro" -j status) || t_fail "read-only status as nobody failed"
t_expect_eq "status over the read-only socket" "$(jq -r .name <<<"$out")" vrA
as_nobody "$vrctl" -s "$ro" -j lndt >/dev/null || t_fail "read-only lndt failed"
t_refused "this control socket is read-only" as_nobody "$vrctl" -s "$ro" lndt add 203.0.113.0/24
t_refused "this control socket is read-only" "$vrctl" -s "$ro" proxy add 192.0.2.99
t_refused "this control socket is read-only" "$vrctl" -s "$ro" announce 192.0.2.10
"$vrctl" -s "$sock" -j lndt | jq -e 'map(.prefix) | index("203.0.113.0/24") | not' >/dev/null ||
	t_fail "a write over the read-only socket changed the LNDT"
t_expect_eq "proxy list" "$("$vrctl" -s "$sock" -j proxy)" "[]"
[[ $(counter control.read_only_refused) == 3 ]] ||
	t_fail "control.read_only_refused: $(counter control.read_only_refused)"

nl_log "a socket folder others can write to is a start-up error"
mkdir -m 777 "$NL_DIR/open"
chmod 777 "$NL_DIR/open" # whatever the umask
sed -e "s|^control = .*|control = $NL_DIR/open/vrA2.sock|" -e '/^control_ro/d' \
	-e "s|^state_dir = .*|state_dir = $NL_DIR/state2|" "$conf" >"$NL_DIR/open.conf"
rc=0
out=$(ip netns exec "$gA" timeout 10 "$VRD_BIN/vrd" -c "$NL_DIR/open.conf" 2>&1) || rc=$?
t_expect_eq "vrd with a world-writable socket folder" "$rc" 1
grep -qF "folder $NL_DIR/open is writable by group or others" <<<"$out" ||
	t_fail "no clear error for the open folder: $out"
[[ ! -e $NL_DIR/open/vrA2.sock ]] || t_fail "a socket was left in the open folder"
kill -0 "$vrd_pid" || t_fail "vrd died"
nl_log "PASS"
