#!/usr/bin/env bash
# A renewed certificate takes effect on SIGHUP (issue 12, docs/trust.md
# "Rotation"). vrA starts on a certificate that expires 30 s later; it is
# renewed (vrctl ca issue --renew: same key, a month) and vrA gets SIGHUP.
# vrA must say so (status, cert-renewed), and vrB, which holds vrA's
# certificate from their session, must take the new one and keep vrA up
# well past the old expiry, never dropping its messages for a bad
# certificate. A certificate for another key is refused on SIGHUP (the
# config check: it does not match the key), and the renewed one stays in
# use.
#
#  ┌──────────────── $sw: br0 ────────────────┐
#  └──────┬──────────────────────────┬────────┘
#         │ 198.18.0.1               │ 198.18.0.2
#  ┌ $gA ─┴───────┐           ┌ $gB ─┴───────┐
#  │ vrd vrA      │           │ vrd vrB      │
#  │ 192.0.2.0/24 │           │198.51.100/24 │
#  └──────────────┘           └──────────────┘
source "$(dirname "$0")/lib.sh"

vrctl=$VRD_BIN/vrctl
t_two_gateways

expires=$(date -u -d '+30 seconds' +%Y-%m-%dT%H:%M:%SZ)
nl_ca vrA 192.0.2.0/24 --expires "$expires"
nl_ca vrB 198.51.100.0/24
nl_gateway_conf vrA 198.18.0.1 192.0.2.0/24 lan0 >/dev/null
nl_gateway_conf vrB 198.18.0.2 198.51.100.0/24 lan0 198.18.0.1 >/dev/null
nl_vrd vrA "$gA"
pidA=$NL_PID
nl_vrd vrB "$gB"
nl_wait 20 nl_peers_up vrB 1 || t_fail "vrB never saw vrA up"
nl_log "vrA's certificate expires at $expires"

events() { nl_ctl vrA -j events | jq --arg t "$1" '[.[] | select(.type == $t)] | length'; }
a_up_at_b() {
	nl_ctl vrB -j peers | jq -e '[.[] | select(.name == "vrA" and .state == "up")] | length == 1'
}

nl_log "1. renewed for a month, then SIGHUP"
"$vrctl" ca issue "$NL_DIR/ca" vrA --network 192.0.2.0/24 --days 30 \
	--renew --out "$NL_DIR/vrA" >/dev/null || t_fail "ca issue --renew"
kill -HUP "$pidA"
renewed() { [[ $(events cert-renewed) == 1 ]]; }
nl_wait 5 renewed || t_fail "vrA logged no cert-renewed"
left=$(nl_ctl vrA -j status | jq -r .cert_days_left)
((left >= 29)) || t_fail "vrA's cert_days_left is $left after the reload"
bad0=$(nl_counter vrB gossip.drop.bad_cert)

nl_log "2. past the old certificate's expiry"
while (($(date +%s) < $(date -d "$expires" +%s) + 10)); do
	sleep 1
done
a_up_at_b || t_fail "vrB lost vrA after its old certificate expired"
t_expect_eq "vrB's drops for a bad certificate" \
	"$(nl_counter vrB gossip.drop.bad_cert)" "$bad0"
((($(nl_counter vrB gossip.certs_renewed)) >= 1)) ||
	t_fail "vrB never took vrA's renewed certificate"
# vrA's gossip still reaches vrB: a claim made now is there
nl_ctl vrA claim 192.0.2.80 52:54:00:00:80:01 >/dev/null ||
	t_fail "vrA cannot claim"
route_b() { [[ $(nl_route vrB 192.0.2.80) == vrA ]]; }
nl_wait 5 route_b || t_fail "vrA's claim did not reach vrB"

nl_log "3. a certificate for another key is refused"
cp "$NL_DIR/vrA/vrA.crt" "$NL_DIR/vrA.crt.good"
"$vrctl" ca issue "$NL_DIR/ca" vrA --network 192.0.2.0/24 --force \
	--out "$NL_DIR/vrA.new" >/dev/null || t_fail "ca issue --force"
cp "$NL_DIR/vrA.new/vrA.crt" "$NL_DIR/vrA/vrA.crt"
kill -HUP "$pidA"
rejected() {
	[[ $(events config-rejected) == 1 ]] &&
		grep -q "does not match certificate" "$NL_DIR/vrA/vrd.log"
}
nl_wait 5 rejected || t_fail "vrA took a certificate for another key: $(nl_ctl vrA -j events | jq -c '.[-3:]')"
left=$(nl_ctl vrA -j status | jq -r .cert_days_left)
((left >= 29)) || t_fail "the renewed certificate is not in use any more"
a_up_at_b || t_fail "vrB lost vrA after the refused reload"
nl_log "PASS"
