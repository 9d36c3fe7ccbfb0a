#!/usr/bin/env bash
# Certificates scope mobility (issue 11, item 8): vrC's certificate says
# `--visitors 198.51.100.0/24`. Its `vrctl claim` of 192.0.2.50 (vrA's
# network, out of its scope) fails with a clear error and moves nothing;
# its claim of 198.51.100.50 (in scope) is taken by every router. A rogue
# router vrR, certified for 203.0.113.128/26 with `--visitors
# 203.0.113.0/24`, sends a signed HOST claim for 192.0.2.60 from the
# wire: every real router refuses it (gossip.drop.out_of_scope) and keeps
# routing the address home.
#
#  ┌──────────────────────── $sw: br0 ─────────────────────────┐
#  └────┬──────────────┬──────────────┬───────────────┬────────┘
#       │ 198.18.0.1   │ 198.18.0.2   │ 198.18.0.3    │ 198.18.0.9
#  ┌ $gA ┴────────┐ ┌ $gB ┴────────┐ ┌ $gC ┴─────────┐ ┌ $gR ┴─────┐
#  │ vrd vrA      │ │ vrd vrB      │ │ vrd vrC       │ │ rogue vrR │
#  │ 192.0.2.0/24 │ │198.51.100/24 │ │203.0.113.0/25 │ │ scoped    │
#  └──────────────┘ └──────────────┘ │ visitors:     │ └───────────┘
#                                    │198.51.100/24  │
#                                    └───────────────┘
source "$(dirname "$0")/lib.sh"

sw=$(t_lan sw)
gA=$(t_netns gA)
gB=$(t_netns gB)
gC=$(t_netns gC)
gR=$(t_netns gR)
nl_plug "$sw" "$gA" wan 52:54:00:00:f3:01 198.18.0.1/24
nl_plug "$sw" "$gB" wan 52:54:00:00:f3:02 198.18.0.2/24
nl_plug "$sw" "$gC" wan 52:54:00:00:f3:03 198.18.0.3/24
nl_plug "$sw" "$gR" wan 52:54:00:00:f3:09 198.18.0.9/24
nl_lan0 "$gA" "$gB" "$gC"
nl_ca vrA 192.0.2.0/24
nl_ca vrB 198.51.100.0/24
nl_ca vrC 203.0.113.0/25 --visitors 198.51.100.0/24
nl_ca vrR 203.0.113.128/26 --visitors 203.0.113.0/24
"$VRD_BIN/vrctl" ca show "$NL_DIR/vrC/vrC.crt" | grep -qx "visitors 198.51.100.0/24" ||
	t_fail "vrctl ca show does not list vrC's visitors: $("$VRD_BIN/vrctl" ca show "$NL_DIR/vrC/vrC.crt")"
"$VRD_BIN/vrctl" ca show "$NL_DIR/vrA/vrA.crt" | grep -qx "visitors any" ||
	t_fail "vrctl ca show does not say vrA may host any visitor"
confA=$(nl_gateway_conf vrA 198.18.0.1 192.0.2.0/24 lan0)
confB=$(nl_gateway_conf vrB 198.18.0.2 198.51.100.0/24 lan0 198.18.0.1)
confC=$(nl_gateway_conf vrC 198.18.0.3 203.0.113.0/25 lan0 198.18.0.1)
nl_spawn "$NL_DIR/vrA/vrd.log" "$gA" "$VRD_BIN/vrd" -c "$confA"
nl_spawn "$NL_DIR/vrB/vrd.log" "$gB" "$VRD_BIN/vrd" -c "$confB"
nl_spawn "$NL_DIR/vrC/vrd.log" "$gC" "$VRD_BIN/vrd" -c "$confC"
for r in vrA vrB vrC; do
	nl_wait 20 nl_peers_up $r 2 || t_fail "$r did not meet both others"
done
counter() { nl_counter "$@"; }
route() { nl_route "$@"; }
nets() { [[ $(route "$1" 192.0.2.1) == vrA && $(route "$1" 198.51.100.1) == vrB ]]; }
for r in vrA vrB vrC; do
	nl_wait 20 nets $r || t_fail "$r did not learn the networks"
done

nl_log "1. vrC claims 192.0.2.50, outside its visitors"
if out=$(nl_ctl vrC claim 192.0.2.50 52:54:00:00:50:01 2>&1); then
	t_fail "vrC's out-of-scope claim succeeded: $out"
fi
nl_log "  vrctl: $out"
[[ $out == *"outside this router's certificate"* ]] || t_fail "unclear error: $out"
t_expect_eq "vrC's GNDT entries for 192.0.2.50/32" "$(nl_ctl vrC -j gndt | jq '[.[] | select(.prefix == "192.0.2.50/32")] | length')" 0
t_expect_eq "vrC routes 192.0.2.50" "$(route vrC 192.0.2.50)" vrA

nl_log "2. vrC claims 198.51.100.50, inside its visitors"
nl_ctl vrC claim 198.51.100.50 52:54:00:00:50:02 >/dev/null || t_fail "vrC cannot claim in scope"
at_c() { [[ $(route "$1" 198.51.100.50) == vrC ]]; }
for r in vrA vrB vrC; do
	nl_wait 10 at_c $r || t_fail "$r did not follow vrC's in-scope claim"
done
# the out-of-scope claim never spread: by now it would have
for r in vrA vrB vrC; do
	t_expect_eq "$r routes 192.0.2.50" "$(route $r 192.0.2.50)" vrA
done

nl_log "3. the rogue vrR claims 192.0.2.60 from the wire"
nl_rogue vrR "$gR" 198.18.0.9 --claim 192.0.2.60 --seq 1 --seconds 30
refused() { (($(counter "$1" gossip.drop.out_of_scope) >= 1)); }
for r in vrA vrB vrC; do
	nl_wait 20 refused $r ||
		t_fail "$r did not refuse vrR's claim: $(nl_ctl $r stats | grep -E 'gossip.drop' | grep -v ' 0$')"
done
for r in vrA vrB vrC; do
	t_expect_eq "$r routes 192.0.2.60" "$(route $r 192.0.2.60)" vrA
	nl_log "  $r: gossip.drop.out_of_scope $(counter $r gossip.drop.out_of_scope)"
done
nl_log "PASS"
