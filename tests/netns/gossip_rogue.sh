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

vrctl=$VRD_BIN/vrctl
sw=$(t_lan sw)
gA=$(t_netns gA)
gB=$(t_netns gB)
gR=$(t_netns gR)
t_plug "$sw" "$gA" wan 52:54:00:00:f1:01 198.18.0.1/24
t_plug "$sw" "$gB" wan 52:54:00:00:f1:02 198.18.0.2/24
t_plug "$sw" "$gR" wan 52:54:00:00:f1:09 198.18.0.9/24
for ns in "$gA" "$gB"; do
	ip -n "$ns" link add lan0 type veth peer name lan0p
	ip -n "$ns" link set lan0 up
	ip -n "$ns" link set lan0p up
done
t_ca vrA 192.0.2.0/24
t_ca vrB 198.51.100.0/24
t_ca vrR 203.0.113.0/24
confA=$(t_gateway_conf vrA 198.18.0.1 192.0.2.0/24 lan0)
confB=$(t_gateway_conf vrB 198.18.0.2 198.51.100.0/24 lan0 198.18.0.1)
t_spawn "$T_DIR/vrA/vrd.log" "$gA" "$VRD_BIN/vrd" -c "$confA"
t_spawn "$T_DIR/vrB/vrd.log" "$gB" "$VRD_BIN/vrd" -c "$confB"
ctlA() { ip netns exec "$gA" "$vrctl" -s "$T_DIR/vrA/vrd.sock" "$@"; }
ctlB() { ip netns exec "$gB" "$vrctl" -s "$T_DIR/vrB/vrd.sock" "$@"; }
up() { [[ $("$@" -j peers | jq '[.[] | select(.state == "up")] | length') -ge $N ]]; }
N=1 t_wait 20 up ctlA || t_fail "vrA and vrB did not meet"

t_log "the rogue joins and announces what is not its own"
t_spawn "$T_DIR/rogue.log" "$gR" "$VRD_TESTS/vrd-gossip-rogue" \
	--ca "$T_DIR/vrR/ca.pub" --cert "$T_DIR/vrR/vrR.crt" \
	--key "$T_DIR/vrR/vrR.key" --address 198.18.0.9 --port 4800 \
	--peer 198.18.0.1:4800 --announce 192.0.2.128/25 --seconds 30
N=2 t_wait 20 up ctlA || t_fail "the rogue (a certified router) did not join"
refused() {
	[[ $("$@" -j stats | jq '[.[] | select(.counter == "gossip.drop.refused")][0].value') -gt 0 ]]
}
t_wait 20 refused ctlA || t_fail "vrA did not refuse the rogue's record: $(ctlA stats | grep gossip.drop)"
t_wait 20 refused ctlB || t_fail "vrB did not refuse the rogue's record: $(ctlB stats | grep gossip.drop)"
sleep 2 # anti-entropy rounds: nothing of the rogue's may arrive late
for ctl in ctlA ctlB; do
	n=$($ctl -j gndt | jq '[.[] | select(.router == "vrR")] | length')
	t_expect_eq "$ctl: GNDT entries owned by the rogue" "$n" 0
	t_expect_eq "$ctl: owner of 192.0.2.200 (inside the rogue's /25)" \
		"$($ctl -j route 192.0.2.200 | jq -r '.[0].router')" vrA
done
t_log "PASS"
