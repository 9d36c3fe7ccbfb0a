#!/usr/bin/env bash
# An off-path attacker cannot partition the overlay with a replayed
# CERT-REPLY (issue 12). The certificate exchange is public; a reply was
# taken from anyone, and it moved a known router to the sender's address
# (at 60 a second every peer went suspect, then down). Now a reply counts
# only as the answer to our own request (its nonce echoed, from the
# address asked) and never moves a router we know. vrB's replies to vrA
# are captured at start-up and replayed to vrA from vrX (198.18.0.9), 60
# a second for 20 s: every router keeps both peers up at their own
# addresses, vrA never dials vrX, a claim still spreads, and vrA counts
# the replies nobody asked for. (Here the old code took the replies too
# but did not lose a peer within 20 s; the counter is what tells them
# apart, and the sampling would catch a partition.)
#
#  ┌──────────────────────── $sw: br0 ────────────────────────┐
#  └──────┬──────────────────┬──────────────────┬─────────┬────┘
#         │ 198.18.0.1       │ 198.18.0.2       │ .0.3    │ .0.9
#  ┌ $gA ─┴───────┐   ┌ $gB ─┴───────┐   ┌ $gC ─┴──┐  ┌ $gX ┴────────┐
#  │ vrd vrA      │   │ vrd vrB      │   │ vrd vrC │  │ vrd-udp-replay│
#  └──────────────┘   └──────────────┘   └─────────┘  └──────────────┘
source "$(dirname "$0")/lib.sh"

replay=$VRD_TESTS/vrd-udp-replay
sw=$(t_lan sw)
gA=$(t_netns gA) || exit
gB=$(t_netns gB) || exit
gC=$(t_netns gC) || exit
gX=$(t_netns gX) || exit
nl_plug "$sw" "$gA" wan 52:54:00:00:f0:01 198.18.0.1/24
nl_plug "$sw" "$gB" wan 52:54:00:00:f0:02 198.18.0.2/24
nl_plug "$sw" "$gC" wan 52:54:00:00:f0:03 198.18.0.3/24
nl_plug "$sw" "$gX" wan 52:54:00:00:f0:09 198.18.0.9/24
for g in "$gA" "$gB" "$gC"; do nl_lan0 "$g"; done
nl_ca vrA 192.0.2.0/24
nl_ca vrB 198.51.100.0/24
nl_ca vrC 203.0.113.0/24
# vrA asks vrB and vrC for their certificates: their replies cross vrA's wan
nl_gateway_conf vrA 198.18.0.1 192.0.2.0/24 lan0 198.18.0.2 198.18.0.3 >/dev/null
nl_gateway_conf vrB 198.18.0.2 198.51.100.0/24 lan0 198.18.0.1 >/dev/null
nl_gateway_conf vrC 198.18.0.3 203.0.113.0/24 lan0 198.18.0.1 >/dev/null

# the node's datagrams start with "VRDC": vrB's replies, not tunnel traffic
# (udp[13]: the type, 2 a reply)
nl_spawn /dev/null "$gA" tcpdump --immediate-mode -U -i wan -c 1 \
	-w "$NL_DIR/replies.pcap" \
	"udp and src host 198.18.0.2 and src port 4800 and udp[8:4] = 0x56524443 and udp[13] = 2"
dump=$NL_PID
sleep 1
nl_vrd vrB "$gB"
nl_vrd vrC "$gC"
nl_vrd vrA "$gA"
nl_wait 20 nl_peers_up vrA 2 || t_fail "vrA never saw vrB and vrC up"
# tcpdump stops at its one reply; if none came, it is stopped, not
# waited for without end
captured() { ! kill -0 "$dump" 2>/dev/null; }
nl_wait 10 captured || kill "$dump" 2>/dev/null
wait "$dump" 2>/dev/null || true
[[ -s $NL_DIR/replies.pcap ]] || t_fail "no CERT-REPLY of vrB captured"

addr_of() { nl_ctl vrA -j peers | jq -r --arg n "$1" '[.[] | select(.name == $n)][0].address'; }
b0=$(addr_of vrB)
c0=$(addr_of vrC)
nl_log "vrA knows vrB at $b0, vrC at $c0; replaying vrB's replies from vrX"
# the attacker: vrB's reply 70 times in one file, sent once a second
python3 - "$NL_DIR/replies.pcap" "$NL_DIR/burst.pcap" <<'PY'
import sys
raw = open(sys.argv[1], "rb").read()
head, rec = raw[:24], raw[24:]
n = 16 + int.from_bytes(rec[8:12], "little")  # record header + captured bytes
open(sys.argv[2], "wb").write(head + rec[:n] * 70)
PY
attack() {
	local end=$(($(date +%s) + 20))
	while (($(date +%s) < end)); do
		ip netns exec "$gX" "$replay" -r "$NL_DIR/burst.pcap" \
			-d 198.18.0.1 -p 4800 || exit 1
		sleep 1
	done
}
attack >"$NL_DIR/sent.json" &
attackers=($!)
NL_PIDS+=($!)
lost=0
dialled=0
samples=0
while kill -0 "${attackers[@]}" 2>/dev/null; do
	sleep 0.5
	samples=$((samples + 1))
	for r in vrA vrB vrC; do
		if ! nl_peers_up "$r" 2 >/dev/null; then lost=$((lost + 1)); fi
	done
	# the lever: vrA dialling the attacker's address
	if [[ -n $(ip netns exec "$gA" ss -Htn dst 198.18.0.9) ]]; then
		dialled=$((dialled + 1))
	fi
done
for p in "${attackers[@]}"; do wait "$p" || t_fail "a replay sent nothing"; done
sent=$(jq -s 'map(.sent) | add' "$NL_DIR/sent.json")
sleep 1
unasked=$(nl_counter vrA gossip.bootstrap.unasked)
nl_log "vrX sent $sent replies in 20 s; vrA dropped $unasked nobody asked for; a peer down in $lost, vrA dialling vrX in $dialled of $samples samples"
((sent >= 1200)) || t_fail "the attack sent only $sent in 20 s, want 60/s"
t_expect_eq "samples with a peer down (at vrA, vrB or vrC)" "$lost" 0
t_expect_eq "vrB's address at vrA" "$(addr_of vrB)" "$b0"
t_expect_eq "vrC's address at vrA" "$(addr_of vrC)" "$c0"
t_expect_eq "samples with vrA dialling vrX" "$dialled" 0
# a burst may overflow the socket's buffer: most, not all, reach vrd
((unasked * 10 >= sent * 9)) || t_fail "vrA counted $unasked unasked replies of $sent"
nl_ctl vrB claim 198.51.100.80 52:54:00:00:80:02 >/dev/null || t_fail "vrB cannot claim"
route_a() { [[ $(nl_route vrA 198.51.100.80) == vrB ]]; }
nl_wait 5 route_a || t_fail "vrB's claim no longer reaches vrA"
nl_log "PASS"
