#!/usr/bin/env bash
# Claims that cannot hijack (issue 11, items 2, 4, 5): a certified rogue
# router's claim with a huge seq is refused everywhere (the sequence
# window); its flood of 220 claims is refused past its rate and counted
# per router, and the home router puts no ARP storm on its LAN; a real
# claimer's death (kill -9) makes its claim lapse after the grace period
# and the host reverts to its home router; vrctl claim reset on the home
# router brings a host home for every router.
#
#  ┌─────────────────────────── $sw: br0 ───────────────────────────────┐
#  └────┬──────────────┬──────────────┬───────────────┬─────────────┬───┘
#       │ 198.18.0.1   │ 198.18.0.2   │ 198.18.0.3    │ 198.18.0.9  │ .10
#  ┌ $gA ┴────────┐ ┌ $gB ┴────────┐ ┌ $gC ┴────────┐ ┌ $gR ┴─────┐ ┌ $gQ ┴─────┐
#  │ vrd vrA      │ │ vrd vrB      │ │ vrd vrC      │ │ nl_rogue vrR │ │ nl_rogue vrQ │
#  │ 192.0.2.0/24 │ │198.51.100/24 │ │203.0.113.0/25│ │ huge seq  │ │ flood 220 │
#  │ lan0 (home)  │ │              │ │              │ └───────────┘ └───────────┘
#  └──────────────┘ └──────────────┘ └──────────────┘
source "$(dirname "$0")/lib.sh"

sw=$(t_lan sw)
gA=$(t_netns gA)
gB=$(t_netns gB)
gC=$(t_netns gC)
gR=$(t_netns gR)
gQ=$(t_netns gQ)
nl_plug "$sw" "$gA" wan 52:54:00:00:f2:01 198.18.0.1/24
nl_plug "$sw" "$gB" wan 52:54:00:00:f2:02 198.18.0.2/24
nl_plug "$sw" "$gC" wan 52:54:00:00:f2:03 198.18.0.3/24
nl_plug "$sw" "$gR" wan 52:54:00:00:f2:09 198.18.0.9/24
nl_plug "$sw" "$gQ" wan 52:54:00:00:f2:0a 198.18.0.10/24
nl_lan0 "$gA" "$gB" "$gC"
nl_ca vrA 192.0.2.0/24
nl_ca vrB 198.51.100.0/24
nl_ca vrC 203.0.113.0/25
nl_ca vrR 203.0.113.128/26
nl_ca vrQ 203.0.113.192/26
confA=$(nl_gateway_conf vrA 198.18.0.1 192.0.2.0/24 lan0)
confB=$(nl_gateway_conf vrB 198.18.0.2 198.51.100.0/24 lan0 198.18.0.1)
confC=$(nl_gateway_conf vrC 198.18.0.3 203.0.113.0/25 lan0 198.18.0.1)
nl_spawn "$NL_DIR/vrA/vrd.log" "$gA" "$VRD_BIN/vrd" -c "$confA"
nl_spawn "$NL_DIR/vrB/vrd.log" "$gB" "$VRD_BIN/vrd" -c "$confB"
nl_spawn "$NL_DIR/vrC/vrd.log" "$gC" "$VRD_BIN/vrd" -c "$confC"
pidC=$NL_PID
nl_wait 20 nl_peers_up vrA 2 || t_fail "vrA, vrB and vrC did not meet"
nl_wait 20 nl_peers_up vrB 2 || t_fail "vrB did not meet both"
counter() { nl_counter "$@"; }
route() { nl_route "$@"; }

nl_log "1. a rogue claim with seq 2^64-1 for 192.0.2.50"
nl_rogue vrR "$gR" 198.18.0.9 --claim 192.0.2.50 --seq 18446744073709551615 --seconds 60
at_least() { [[ $(counter "$1" "$2") -ge $3 ]]; }
taken() { [[ $(route "$1" 192.0.2.50) == vrR ]]; }
# the claim goes out 3 s after the rogue starts: wait until it has been
# seen (refused, or taken by a router that believes it)
seen() { at_least "$1" gossip.claims_seq_refused 1 || taken "$1"; }
for r in vrA vrB vrC; do
	nl_wait 20 seen $r || true
done
sleep 1
for r in vrA vrB vrC; do
	t_expect_eq "$r: 192.0.2.50 stays home" "$(route $r 192.0.2.50)" vrA
	at_least $r gossip.claims_seq_refused 1 ||
		t_fail "$r did not count the huge seq: $(nl_ctl $r stats | grep claims)"
done
# the home router's own claim is not locked out
nl_ctl vrA claim 192.0.2.50 52:54:00:00:50:01 || t_fail "vrA cannot claim 192.0.2.50 after the rogue's seq"

nl_log "2. a flood of 220 claims from vrQ into vrA's network"
arps0=$(counter vrA inject.sent)
ip netns exec "$gA" timeout 16 tcpdump -l -n -i lan0p arp 2>/dev/null >"$NL_DIR/arp.txt" &
dump=$!
NL_PIDS+=("$dump")
nl_rogue vrQ "$gQ" 198.18.0.10 --claim 192.0.2.10 --seq 1 --count 220 --seconds 60
for r in vrA vrB vrC; do
	nl_wait 20 at_least $r gossip.claims_rate_limited.vrQ 150 ||
		t_fail "$r did not rate-limit vrQ: $(nl_ctl $r stats | grep claims)"
done
sleep 3 # anti-entropy: nothing refused may arrive late
for r in vrA vrB vrC; do
	n=$(nl_ctl "$r" -j gndt | jq '[.[] | select(.router == "vrQ")] | length')
	nl_log "$r: $n of vrQ's 220 claims accepted, $(counter $r gossip.claims_rate_limited.vrQ) refused"
	((n <= 40)) || t_fail "$r accepted $n of the flood's claims"
	if [[ $r == vrA ]]; then accepted=$n; fi
done
wait "$dump" 2>/dev/null || true
arps=$(($(counter vrA inject.sent) - arps0))
frames=$(wc -l <"$NL_DIR/arp.txt")
nl_log "vrA sent $arps ARP frames, $frames ARP frames seen on its LAN in 16 s"
# a proxied host costs a few ARPs; only the accepted burst may cost any
((frames <= 8 * accepted + 20)) || t_fail "an ARP storm on vrA's LAN: $frames frames for $accepted claims"

nl_log "3. vrC claims 192.0.2.60, then dies (kill -9)"
nl_ctl vrC claim 192.0.2.60 52:54:00:00:60:01 || t_fail "claim at vrC"
claimed() { [[ $(route "$1" 192.0.2.60) == vrC ]]; }
nl_wait 10 claimed vrA || t_fail "vrA did not follow vrC's claim"
nl_wait 10 claimed vrB || t_fail "vrB did not follow vrC's claim"
kill -KILL "$pidC"
t0=${EPOCHREALTIME//[^0-9]/}
home() { [[ $(route "$1" 192.0.2.60) == vrA ]]; }
nl_wait 60 home vrB || t_fail "vrB still routes 192.0.2.60 to the dead vrC: $(nl_ctl vrB -j gndt)"
t1=${EPOCHREALTIME//[^0-9]/}
nl_wait 10 home vrA || t_fail "vrA still routes 192.0.2.60 to the dead vrC"
ms=$(((t1 - t0) / 1000))
nl_log "192.0.2.60 reverted to vrA $ms ms after vrC died"
((ms >= 25000)) || t_fail "the claim lapsed before the grace period ($ms ms)"
nl_ctl vrB -j events | jq -e 'any(.[]; .type == "claim-lapsed" and .ip == "192.0.2.60" and .router == "vrC")' \
	>/dev/null || t_fail "vrB logged no claim-lapsed"
n=$(nl_ctl vrB -j gndt | jq '[.[] | select(.prefix == "192.0.2.60/32")] | length')
t_expect_eq "vrB: no /32 for 192.0.2.60 left" "$n" 0

nl_log "4. vrctl claim reset on the home router"
nl_ctl vrB claim 192.0.2.61 52:54:00:00:61:01 || t_fail "claim at vrB"
b() { [[ $(route "$1" 192.0.2.61) == "$2" ]]; }
nl_wait 10 b vrA vrB || t_fail "vrA did not follow vrB's claim"
nl_ctl vrA claim reset 192.0.2.61 || t_fail "claim reset at vrA"
nl_wait 10 b vrB vrA || t_fail "vrB did not follow the home router's reset: $(route vrB 192.0.2.61)"
t_expect_eq "vrA: 192.0.2.61 home" "$(route vrA 192.0.2.61)" vrA
nl_ctl vrA claim reset 192.0.2.99 2>/dev/null && t_fail "claim reset of an IP without a claim succeeded"
nl_log "PASS"
