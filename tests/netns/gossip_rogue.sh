#!/usr/bin/env bash
# A certified router that announces networks its certificate does not
# cover (issue 4): it is a member of the overlay (its certificate is
# good), but every honest router refuses its records and counts them, and
# the rightful owners stay the owners everywhere.
#
#  ┌──────────────────────── $sw: br0 ────────────────────────┐
#  └──────┬───────────────────────┬───────────────────────┬────┘
#         │ 198.18.0.1            │ 198.18.0.2            │ 198.18.0.9
#  ┌ $gA ─┴─────────┐     ┌ $gB ─┴─────────┐     ┌ $gR ─┴──────────────────┐
#  │ vrd vrA        │     │ vrd vrB        │     │ vrd-gossip-rogue vrR     │
#  │ 192.0.2.0/24   │     │ 198.51.100.0/24│     │ cert: 203.0.113.0/24     │
#  │                │     │ peer vrA       │     │ announces 192.0.2.128/25 │
#  └────────────────┘     └────────────────┘     │ and 198.51.100.0/24      │
#                                                └──────────────────────────┘
source "$(dirname "$0")/lib.sh"

sw=$(t_lan sw)
gA=$(t_netns gA)
gB=$(t_netns gB)
gR=$(t_netns gR)
nl_plug "$sw" "$gA" wan 52:54:00:00:f1:01 198.18.0.1/24
nl_plug "$sw" "$gB" wan 52:54:00:00:f1:02 198.18.0.2/24
nl_plug "$sw" "$gR" wan 52:54:00:00:f1:09 198.18.0.9/24
nl_lan0 "$gA" "$gB"
nl_ca vrA 192.0.2.0/24
nl_ca vrB 198.51.100.0/24
nl_ca vrR 203.0.113.0/24
confA=$(nl_gateway_conf vrA 198.18.0.1 192.0.2.0/24 lan0)
confB=$(nl_gateway_conf vrB 198.18.0.2 198.51.100.0/24 lan0 198.18.0.1)
nl_spawn "$NL_DIR/vrA/vrd.log" "$gA" "$VRD_BIN/vrd" -c "$confA"
nl_spawn "$NL_DIR/vrB/vrd.log" "$gB" "$VRD_BIN/vrd" -c "$confB"
nl_wait 20 nl_peers_up vrA 1 || t_fail "vrA and vrB did not meet"

nl_log "the rogue joins and announces what is not its own"
nl_rogue vrR "$gR" 198.18.0.9 --announce 192.0.2.128/25 --seconds 30
nl_wait 20 nl_peers_up vrA 2 || t_fail "the rogue (a certified router) did not join"
refused() {
	[[ $(nl_ctl "$1" -j stats | jq '[.[] | select(.counter == "gossip.drop.refused")][0].value') -gt 0 ]]
}
nl_wait 20 refused vrA || t_fail "vrA did not refuse the rogue's record: $(nl_ctl vrA stats | grep gossip.drop)"
nl_wait 20 refused vrB || t_fail "vrB did not refuse the rogue's record: $(nl_ctl vrB stats | grep gossip.drop)"
sleep 2 # anti-entropy rounds: nothing of the rogue's may arrive late
for r in vrA vrB; do
	n=$(nl_ctl "$r" -j gndt | jq '[.[] | select(.router == "vrR")] | length')
	t_expect_eq "$r: GNDT entries owned by the rogue" "$n" 0
	t_expect_eq "$r: owner of 192.0.2.200 (inside the rogue's /25)" \
		"$(nl_ctl "$r" -j route 192.0.2.200 | jq -r '.[0].router')" vrA
done
nl_log "PASS"
