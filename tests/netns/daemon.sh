#!/usr/bin/env bash
# vrd's life in gateway mode, against the real kernel and real LMDB:
# config check, start-up refusals (files others could rewrite among
# them), the tables seeded from the config,
# vrctl over the socket and read-only over LMDB (the same answers),
# static entries, SIGHUP reload (bad and good), a second daemon refused,
# clean stop on SIGTERM, tables intact for a stopped router and a restart.
#
#    ┌──────────── $gA ────────────┐        ┌──── $hA ────┐
#    │ vrd vrA   lan0 192.0.2.1/24 ├─veth───┤ lan0        │
#    │   wanp ─veth─ wan 198.18.0.1│        │ 192.0.2.10  │
#    └─────────────────────────────┘        └─────────────┘
source "$(dirname "$0")/lib.sh"

gA=$(t_netns gA)
hA=$(t_netns hA)
ip link add lan0 netns "$gA" type veth peer name lan0 netns "$hA"
ip -n "$gA" addr add 192.0.2.1/24 dev lan0
ip -n "$hA" addr add 192.0.2.10/24 dev lan0
ip -n "$gA" link set lan0 up
ip -n "$hA" link set lan0 up
ip -n "$gA" link add wan type veth peer name wanp
ip -n "$gA" addr add 198.18.0.1/24 dev wan
ip -n "$gA" link set wan up
ip -n "$gA" link set wanp up
ip netns exec "$gA" sysctl -qw net.ipv4.ip_forward=0

vrd=$VRD_BIN/vrd
vrctl=$VRD_BIN/vrctl
nl_ca vrA 192.0.2.0/24
conf=$(nl_gateway_conf vrA 198.18.0.1 192.0.2.0/24 lan0 198.18.0.2 198.18.0.3:4801)
d=$NL_DIR/vrA

nl_log "config check"
out=$("$vrd" -n -c "$conf")
t_expect_eq "vrd -n" "$out" "configuration OK"
"$vrd" --version | grep -Eq '^vrd [0-9]+\.[0-9]+\.[0-9]+$' ||
	t_fail "vrd --version: one line, name and version"

# A network the certificate does not cover: refused at the network line.
sed 's|^network = .*|network = 198.51.100.0/24|' "$conf" >"$d/bad.conf"
line=$(grep -n '^network' "$d/bad.conf" | cut -d: -f1)
if out=$("$vrd" -n -c "$d/bad.conf" 2>&1); then
	t_fail "vrd -n accepted a network outside the certificate"
fi
[[ $out == "$d/bad.conf:$line: "* ]] || t_fail "not FILE:LINE: $out"
# An unknown key.
sed 's|^\[lan\]|[lan]\nbogus = 1|' "$conf" >"$d/bad2.conf"
line=$(grep -n '^bogus' "$d/bad2.conf" | cut -d: -f1)
if out=$("$vrd" -n -c "$d/bad2.conf" 2>&1); then
	t_fail "vrd -n accepted an unknown key"
fi
[[ $out == "$d/bad2.conf:$line: "*bogus* ]] || t_fail "unknown key: $out"
# A key readable by others.
chmod 644 "$d/vrA.key"
if "$vrd" -n -c "$conf" >/dev/null 2>&1; then
	t_fail "vrd -n accepted a world-readable key"
fi
chmod 600 "$d/vrA.key"
# Files others could rewrite (issue 12): a world-writable config, a key of
# another user; refused by name in vrd -n and at start-up alike.
refuse_file() { # WHY FILE: vrd -n -c and vrd -c refuse $conf naming FILE
	local mode out
	for mode in -n ""; do
		if out=$(ip netns exec "$gA" "$vrd" ${mode:+"$mode"} -c "$conf" 2>&1); then
			t_fail "vrd $mode accepted $1"
		fi
		grep -qF "$2" <<<"$out" || t_fail "vrd $mode on $1 does not name $2: $out"
	done
	[[ ! -e $d/vrd.sock ]] || t_fail "refused start left a socket"
}
chmod 666 "$conf"
refuse_file "a world-writable config" "$conf: writable by others"
chmod 620 "$conf"
refuse_file "a group-writable config" "$conf: writable by group"
chmod 644 "$conf"
chown nobody "$d/vrA.key"
refuse_file "a key owned by nobody" "key $d/vrA.key is owned by uid $(id -u nobody)"
chown root "$d/vrA.key"
chmod 602 "$d/vrA.crt"
refuse_file "a world-writable certificate" "cert $d/vrA.crt is writable by others"
chmod 644 "$d/vrA.crt"
t_expect_eq "vrd -n, files restored" "$("$vrd" -n -c "$conf")" "configuration OK"
# Start-up refuses what -n refuses, and leaves no socket behind.
if ip netns exec "$gA" "$vrd" -c "$d/bad.conf" 2>"$d/refused.log"; then
	t_fail "vrd started with a network outside its certificate"
fi
[[ ! -e $d/vrd.sock ]] || t_fail "refused start left a socket"

nl_log "start"
nl_spawn "$d/vrd.log" "$gA" "$vrd" -c "$conf"
vrd_pid=$NL_PID
nl_wait 10 ip netns exec "$gA" "$vrctl" -c "$conf" status ||
	t_fail "vrd did not answer on its control socket"
t_expect_eq "socket mode" "$(stat -c %a "$d/vrd.sock")" 600
t_expect_eq "ip_forward" \
	"$(ip netns exec "$gA" sysctl -n net.ipv4.ip_forward)" 1
grep -q "ipv4 forwarding enabled" "$d/vrd.log" || t_fail "forwarding not logged"


nl_log "status, lndt, gndt from the config"
st=$(nl_ctl vrA -j status)
t_expect_eq "status name" "$(jq -r .name <<<"$st")" vrA
t_expect_eq "status mode" "$(jq -r .mode <<<"$st")" gateway
t_expect_eq "status pid" "$(jq -r .pid <<<"$st")" "$vrd_pid"
t_expect_eq "lndt" "$(nl_ctl vrA -j lndt | jq -c '[.[] | {prefix, vn}]')" \
	'[{"prefix":"192.0.2.0/24","vn":1}]'
t_expect_eq "gndt" \
	"$(nl_ctl vrA -j gndt | jq -c '[.[] | {prefix, router, seq, vn}]')" \
	'[{"prefix":"192.0.2.0/24","router":"vrA","seq":1,"vn":1}]'
t_expect_eq "route" "$(nl_ctl vrA -j route 192.0.2.77 | jq -r '.[0].router')" vrA
if nl_ctl vrA route 198.51.100.7 >/dev/null 2>&1; then
	t_fail "route to a network nobody announces succeeded"
fi
# (no "| grep -q" under pipefail: grep quits early, the writer may fail)
grep -q vrA <<<"$(nl_ctl vrA route 192.0.2.77)" || t_fail "text route output"
t_expect_eq "peers" "$(nl_ctl vrA -j peers | jq -c '[.[] | {address, state}]')" \
	'[{"address":"198.18.0.2:4800","state":"down"},{"address":"198.18.0.3:4801","state":"down"}]'

nl_log "static entries over the socket; -d reads the same"
nl_ctl vrA hwdt add 192.0.2.10 52:54:00:AA:bb:01 >/dev/null
nl_ctl vrA gndt add 203.0.113.0/24 vrC >/dev/null
t_expect_eq "hwdt mac lower case" \
	"$(nl_ctl vrA -j hwdt | jq -r '.[] | select(.ip == "192.0.2.10") | .mac')" \
	52:54:00:aa:bb:01
t_expect_eq "route after gndt add" \
	"$(nl_ctl vrA -j route 203.0.113.9 | jq -r '.[0].router')" vrC
for cmd in lndt gndt hwdt; do
	a=$(nl_ctl vrA -j "$cmd")
	b=$("$vrctl" -d "$d/state" -j "$cmd")
	t_expect_eq "$cmd: socket and -d agree" "$b" "$a"
done
if "$vrctl" -d "$d/state" hwdt add 192.0.2.11 52:54:00:00:00:11 2>/dev/null; then
	t_fail "-d accepted a write"
fi
ev=$(nl_ctl vrA -j events)
jq -e '.[] | select(.type == "router-start")' <<<"$ev" >/dev/null ||
	t_fail "no router-start event"
[[ $(jq -r '.[0].time' <<<"$ev") =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{3}Z$ ]] ||
	t_fail "event time is not RFC 3339 with milliseconds"
grep -q 'control.requests' <<<"$(nl_ctl vrA stats)" || t_fail "stats"

nl_log "a second vrd on the same socket is refused"
if ip netns exec "$gA" timeout 5 "$vrd" -c "$conf" 2>"$d/second.log"; then
	t_fail "a second vrd started"
fi
kill -0 "$vrd_pid" || t_fail "the first vrd died"
nl_ctl vrA status >/dev/null || t_fail "first vrd stopped answering"

nl_log "a second vrd on the same state_dir (another socket) is refused"
sed "s|^control = .*|control = $d/other.sock|" "$conf" >"$d/other.conf"
if ip netns exec "$gA" timeout 5 "$vrd" -c "$d/other.conf" 2>"$d/third.log"; then
	t_fail "a second vrd started on the same state_dir"
fi
grep -q "in use by another vrd (pid $vrd_pid)" "$d/third.log" ||
	t_fail "state_dir lock message: $(cat "$d/third.log")"
[[ ! -e $d/other.sock ]] || t_fail "refused vrd left its socket"

nl_log "SIGHUP: a broken config is refused, the old one stays"
cp "$conf" "$conf.good"
echo "garbage line" >>"$conf"
kill -HUP "$vrd_pid"
nl_wait 5 grep -q "reload: $conf:[0-9]*: " "$d/vrd.log" ||
	t_fail "reload error not logged with FILE:LINE"
nl_wait 5 sh -c "ip netns exec $gA $vrctl -c $conf.good -j events | jq -e '.[] | select(.type == \"config-rejected\")'" ||
	t_fail "no config-rejected event"
t_expect_eq "gndt kept" "$(nl_ctl vrA -j gndt | jq -r '.[] | select(.router == "vrA") | .prefix')" \
	192.0.2.0/24
# a key the running tables cannot take: refused as needing a restart
sed 's|^control = .*|&\nevents_max = 500|' "$conf.good" >"$conf"
kill -HUP "$vrd_pid"
nl_wait 5 grep -q "reload: \[router\] events_max changed, which needs a restart" \
	"$d/vrd.log" || t_fail "events_max change not refused"
cp "$conf.good" "$conf"
kill -HUP "$vrd_pid"
nl_wait 5 sh -c "ip netns exec $gA $vrctl -c $conf -j events | jq -e '.[] | select(.type == \"config-reloaded\")'" ||
	t_fail "good config not reloaded"

nl_log "SIGTERM: clean stop"
kill -TERM "$vrd_pid"
rc=0
wait "$vrd_pid" || rc=$?
t_expect_eq "exit status after SIGTERM" "$rc" 0
[[ ! -e $d/vrd.sock ]] || t_fail "control socket left behind"
if ip netns exec "$gA" "$vrctl" -c "$conf" status >/dev/null 2>&1; then
	t_fail "vrctl -c succeeded with no daemon"
fi

nl_log "a stopped router: -d still reads; a restart keeps the tables"
t_expect_eq "stopped hwdt" \
	"$("$vrctl" -d "$d/state" -j hwdt | jq -r '.[0].mac')" 52:54:00:aa:bb:01
st=$("$vrctl" -d "$d/state" -j status)
t_expect_eq "stopped status name" "$(jq -r .name <<<"$st")" vrA
"$vrctl" -d "$d/state" -j events | jq -e '.[] | select(.type == "router-stop")' \
	>/dev/null || t_fail "no router-stop event"
nl_spawn "$d/vrd2.log" "$gA" "$vrd" -c "$conf"
nl_wait 10 ip netns exec "$gA" "$vrctl" -c "$conf" status ||
	t_fail "restart failed"
t_expect_eq "hwdt after restart" \
	"$(nl_ctl vrA -j hwdt | jq -r '.[0].mac')" 52:54:00:aa:bb:01
t_expect_eq "gndt seq after restart" \
	"$(nl_ctl vrA -j gndt | jq -r '.[] | select(.router == "vrA") | .seq')" 1

nl_log "gossip's TCP port taken: a clear start-up error, no crash"
kill -TERM "$NL_PID"
wait "$NL_PID" || t_fail "the restarted vrd did not stop cleanly"
nl_spawn /dev/null "$gA" python3 -c 'import socket,time
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("198.18.0.1", 4800)); s.listen(); time.sleep(60)'
holder=$NL_PID
nl_wait 5 bash -c "ip netns exec $gA ss -Htln | grep -q ':4800 '" ||
	t_fail "the port holder did not listen"
rc=0
timeout 20 ip netns exec "$gA" "$vrd" -c "$conf" >"$d/vrd3.log" 2>&1 || rc=$?
((rc <= 128)) || t_fail "vrd died of signal $((rc - 128)) when gossip could not bind"
t_expect_eq "vrd's exit status, gossip's port taken" "$rc" 1
grep -q "gossip:" "$d/vrd3.log" || t_fail "no word from gossip: $(tail -3 "$d/vrd3.log")"
kill "$holder"
nl_log "PASS"
