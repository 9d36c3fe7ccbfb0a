#!/usr/bin/env bash
# A revocation list by certificate fingerprint (issue 12, as Nebula's
# blocklist): vrA gets vrB's fingerprint in [security] revoked and a
# SIGHUP. It disconnects vrB at once, refuses it from then on (its
# hellos, its records), and vrB goes down in vrA's peers; a claim vrB
# makes never reaches vrA. Off the list again, vrB comes back.
#
#  ┌──────────────── $sw: br0 ────────────────┐
#  └──────┬──────────────────────────┬────────┘
#         │ 198.18.0.1               │ 198.18.0.2
#  ┌ $gA ─┴───────┐           ┌ $gB ─┴───────┐
#  │ vrd vrA      │           │ vrd vrB      │
#  │ 192.0.2.0/24 │           │198.51.100/24 │
#  └──────────────┘           └──────────────┘
source "$(dirname "$0")/lib.sh"

t_two_gateways
nl_ca vrA 192.0.2.0/24
nl_ca vrB 198.51.100.0/24
confA=$(nl_gateway_conf vrA 198.18.0.1 192.0.2.0/24 lan0)
nl_gateway_conf vrB 198.18.0.2 198.51.100.0/24 lan0 198.18.0.1 >/dev/null
nl_vrd vrA "$gA"
pidA=$NL_PID
nl_vrd vrB "$gB"
nl_wait 20 nl_peers_up vrA 1 || t_fail "vrA never saw vrB up"

fp=$("$VRD_BIN/vrctl" ca show "$NL_DIR/vrB/vrB.crt" | awk '$1 == "fingerprint" {print $2}')
[[ $fp =~ ^[0-9a-f]{64}$ ]] || t_fail "no fingerprint in vrctl ca show: '$fp'"
b_state() { nl_ctl vrA -j peers | jq -r '[.[] | select(.name == "vrB")][0].state // "none"'; }
b_down() { [[ $(b_state) != up ]]; }
b_up() { [[ $(b_state) == up ]]; }

nl_log "1. vrB's certificate revoked at vrA ($fp)"
sed -i "/^key = /a revoked = $fp" "$confA"
kill -HUP "$pidA"
nl_wait 5 grep -q "vrB's certificate is revoked: disconnected" "$NL_DIR/vrA/vrd.log" ||
	t_fail "vrA did not disconnect vrB"
nl_wait 20 b_down || t_fail "vrB still up at vrA: $(nl_ctl vrA -j peers)"
nl_ctl vrB claim 198.51.100.80 52:54:00:00:80:02 >/dev/null ||
	t_fail "vrB cannot claim"
sleep 3
[[ $(nl_route vrA 198.51.100.80) != vrB ]] ||
	t_fail "vrB's claim reached vrA after its certificate was revoked"
((($(nl_counter vrA gossip.drop.revoked)) >= 1)) ||
	t_fail "vrA counted nothing refused as revoked"
grep -Eq "(certificate of|message from) vrB refused: (its certificate is )?revoked" "$NL_DIR/vrA/vrd.log" ||
	t_fail "vrA did not say vrB's certificate is revoked"

nl_log "2. off the list again"
sed -i "/^revoked = /d" "$confA"
kill -HUP "$pidA"
nl_wait 30 b_up || t_fail "vrB did not come back: $(nl_ctl vrA -j peers)"
nl_log "PASS"
