#!/usr/bin/env bash
# A certificate about to run out is said before it does (issue 12): vrctl
# status shows when it expires, and within 7 days of that vrd warns once,
# logs a cert-expiring event and sets gossip.cert_expiring. A certificate
# with a year left raises nothing.
#
#    ┌──────── $gA ────────┐
#    │ vrd vrA  lan0─lan0p  │
#    └──────────────────────┘
source "$(dirname "$0")/lib.sh"

t_solo_gateway
d=$NL_DIR/vrA
vrd=$VRD_BIN/vrd
vrctl=$VRD_BIN/vrctl

ctl() { ip netns exec "$gA" "$vrctl" -c "$conf" "$@"; }
stat_of() { ctl -j stats | jq -r --arg c "$1" '.[] | select(.counter == $c) | .value'; }
expiring_set() { [[ $(stat_of gossip.cert_expiring) == 1 ]]; }
expiring_events() { ctl -j events | jq '[.[] | select(.type == "cert-expiring")] | length'; }

# start WHAT: vrd on the certificate in $d, up and answering
start() {
	nl_spawn "$d/vrd.$1.log" "$gA" "$vrd" -c "$conf"
	vrd_pid=$NL_PID
	nl_wait 10 ctl status >/dev/null || t_fail "$1: vrd did not start"
}
stop() {
	kill -TERM "$vrd_pid"
	wait "$vrd_pid" || t_fail "vrd did not stop cleanly"
}

nl_log "1. a certificate with its default validity"
start long
left=$(ctl -j status | jq -r .cert_days_left)
((left > 300)) || t_fail "cert_days_left $left, want a year or so"
ctl status | grep -q "cert_expires" || t_fail "status shows no cert_expires"
sleep 3 # a sweep
t_expect_eq "gossip.cert_expiring, a year left" "$(stat_of gossip.cert_expiring)" 0
t_expect_eq "cert-expiring events, a year left" "$(expiring_events)" 0
stop

nl_log "2. three days left"
"$vrctl" ca issue "$NL_DIR/ca" vrA --network 192.0.2.0/24 --days 3 \
	--renew --out "$d" >/dev/null || t_fail "ca issue --days 3"
start short
left=$(ctl -j status | jq -r .cert_days_left)
((left >= 2 && left <= 3)) || t_fail "cert_days_left $left, want 2 or 3"
expires=$(ctl -j status | jq -r .cert_expires)
nl_wait 6 expiring_set ||
	t_fail "gossip.cert_expiring not set with 3 days left"
c=$(stat_of gossip.cert_days_left) # a day boundary may have passed
((c == left || c == left - 1)) || t_fail "gossip.cert_days_left $c, status said $left"
t_expect_eq "cert-expiring events" "$(expiring_events)" 1
t_expect_eq "the event's expiry" \
	"$(ctl -j events | jq -r '[.[] | select(.type == "cert-expiring")][0].expires')" \
	"$expires"
grep -q "certificate of vrA expires at" "$d/vrd.short.log" ||
	t_fail "no warning in the log"
sleep 5 # more sweeps: warned once
t_expect_eq "cert-expiring events after more sweeps" "$(expiring_events)" 1
stop
nl_log "PASS: expires $expires"
