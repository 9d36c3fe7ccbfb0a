#!/usr/bin/env bash
# The data plane (issue 5) over a real underlay, in gateway mode: kernel
# routes into the TUN; ping and TCP across the gateways of three subnets;
# no black hole for a full-size packet (ICMP fragmentation-needed at the
# gateway, TCP SYNs clamped); replayed and tampered datagrams dropped and
# counted; a second VN on the same overlay reusing vrB's prefix and never
# reached from VN 1; a relay through vrB when the direct path between vrA
# and vrC is blocked (nftables), and back to direct when it heals; routes
# and the TUN removed on a clean stop, and a kill -9's routes cleaned up
# by the next start.
#
#  ┌──────────────────────────────── $sw: br0 ──────────────────────────────┐
#  └───┬──────────────┬──────────────┬──────────────┬──────────────┬────────┘
#      │198.18.0.1    │198.18.0.2    │198.18.0.3    │198.18.0.4    │198.18.0.9
#  ┌ gA┴─────┐   ┌ gB ┴────┐    ┌ gC ┴────┐    ┌ gD ┴────┐     ┌ gX ┴─────┐
#  │vrA  VN 1│   │vrB  VN 1│    │vrC  VN 1│    │vrD  VN 2│     │ attacker │
#  └───┬─────┘   └───┬─────┘    └───┬─────┘    └───┬─────┘     └──────────┘
#  192.0.2.0/24  198.51.100.0/24  203.0.113.0/24  198.51.100.0/24 (VN 2)
#  hA .10        hB .10           hC .10          hD .10
source "$(dirname "$0")/lib.sh"

vrctl=$VRD_BIN/vrctl
stream=$VRD_TESTS/vrd-stream
replay=$VRD_TESTS/vrd-udp-replay
declare -A NS H ADDR NET GW PID VN
ADDR=([vrA]=198.18.0.1 [vrB]=198.18.0.2 [vrC]=198.18.0.3 [vrD]=198.18.0.4)
NET=([vrA]=192.0.2.0/24 [vrB]=198.51.100.0/24 [vrC]=203.0.113.0/24
	[vrD]=198.51.100.0/24)
VN=([vrA]=1 [vrB]=1 [vrC]=1 [vrD]=2)

command -v nft >/dev/null || t_fail "nft (nftables) is needed"

sw=$(t_lan sw)
i=1
for r in vrA vrB vrC vrD; do
	NS[$r]=$(t_netns "g${r#vr}")
	H[$r]=$(t_netns "h${r#vr}")
	g=${NS[$r]} h=${H[$r]}
	nl_plug "$sw" "$g" wan "52:54:00:00:f0:0$i" "${ADDR[$r]}/24"
	ip link add lan0 netns "$g" type veth peer name eth0 netns "$h"
	gw=${NET[$r]%.0/24}.1
	ip -n "$g" addr add "$gw/24" dev lan0
	ip -n "$g" link set lan0 up
	ip -n "$h" addr add "${NET[$r]%.0/24}.10/24" dev eth0
	ip -n "$h" link set eth0 up
	ip -n "$h" link set lo up
	ip -n "$h" route add default via "$gw"
	i=$((i + 1))
done
gX=$(t_netns gX)
nl_plug "$sw" "$gX" wan 52:54:00:00:f0:09 198.18.0.9/24

for r in vrA vrB vrC; do nl_ca "$r" "${NET[$r]}"; done
"$vrctl" ca issue "$NL_DIR/ca" vrD --network "${NET[vrD]}" --vn 2 \
	--out "$NL_DIR/vrD" >/dev/null
nl_gateway_conf vrA "${ADDR[vrA]}" "${NET[vrA]}" lan0 >/dev/null
for r in vrB vrC vrD; do
	nl_gateway_conf "$r" "${ADDR[$r]}" "${NET[$r]}" lan0 "${ADDR[vrA]}" \
		>/dev/null
done
sed -i 's/^\[overlay\]$/[overlay]\nvn = 2/' "$NL_DIR/vrD/vrd.conf"

start() {
	nl_vrd "$1" "${NS[$1]}" "${2:-}"
	PID[$1]=$NL_PID
}
# vrd_routes ROUTER: the kernel routes vrd installed, "prefix dev" lines
vrd_routes() {
	ip -n "${NS[$1]}" -j route show proto 0xfd |
		jq -r '.[] | "\(.dst) \(.dev)"' | sort
}
# tunnel ROUTER PEER FIELD: a field of PEER's row in ROUTER's vrctl tunnels
tunnel() {
	nl_ctl "$1" -j tunnels | jq -r --arg p "$2" \
		".[] | select(.peer == \$p) | .$3 // 0"
}
# pings FROM_ROUTER DEST: ping works (a first packet may wait for a key)
pings() {
	ip netns exec "${H[$1]}" ping -c 1 -W 1 "$2"
}

for r in vrA vrB vrC vrD; do start "$r"; done

nl_log "kernel routes into the TUN, per VN"
want_routes() { [[ $(vrd_routes "$1") == "$2" ]]; }
nl_wait 20 want_routes vrA "198.51.100.0/24 vrd0
203.0.113.0/24 vrd0" || t_fail "vrA routes: $(vrd_routes vrA)"
nl_wait 20 want_routes vrC "192.0.2.0/24 vrd0
198.51.100.0/24 vrd0" || t_fail "vrC routes: $(vrd_routes vrC)"
# vrD serves VN 2 alone: nothing of VN 1 is routed there
nl_wait 10 want_routes vrD "" || t_fail "vrD routes: $(vrd_routes vrD)"
ip -n "${NS[vrA]}" link show vrd0 | grep -q "mtu 1436" ||
	t_fail "vrd0 mtu: $(ip -n "${NS[vrA]}" link show vrd0)"

nl_log "ping across three subnets"
for pair in "vrA 198.51.100.10" "vrA 203.0.113.10" "vrB 203.0.113.10" \
	"vrC 192.0.2.10"; do
	set -- $pair
	nl_wait 10 pings "$1" "$2" || t_fail "$1 cannot ping $2"
	out=$(ip netns exec "${H[$1]}" ping -c 5 -i 0.05 -W 1 "$2") ||
		t_fail "$1 -> $2: $out"
done

nl_log "TCP across the overlay, checked byte for byte"
nl_spawn "$NL_DIR/serve-b.log" "${H[vrB]}" "$stream" serve -p 5001 -n 2
serve_b=$NL_PID
sleep 0.3
ip netns exec "${H[vrA]}" "$stream" send -c 198.51.100.10 -p 5001 -i 1 \
	-t 3 -r 0 >"$NL_DIR/send-ab.json" || t_fail "TCP A->B: $(cat "$NL_DIR/send-ab.json")"
ip netns exec "${H[vrC]}" "$stream" send -c 198.51.100.10 -p 5001 -i 2 \
	-t 2 -r 0 >"$NL_DIR/send-cb.json" || t_fail "TCP C->B: $(cat "$NL_DIR/send-cb.json")"
wait "$serve_b" || t_fail "server B: $(cat "$NL_DIR/serve-b.log")"
bytes=$(jq -s 'map(.bytes) | add' "$NL_DIR/send-ab.json" "$NL_DIR/send-cb.json")
((bytes > 1000000)) || t_fail "TCP moved only $bytes bytes"
nl_log "  $bytes bytes in 5 s, intact"
clamped=$(nl_ctl vrA -j stats | jq '.[] | select(.counter == "dp.tx_mss_clamped") | .value')
((clamped > 0)) || t_fail "no SYN was clamped at vrA"

nl_log "a full-size packet with DF: fragmentation needed, not a black hole"
out=$(ip netns exec "${H[vrA]}" ping -c 1 -W 2 -M do -s 1472 198.51.100.10 2>&1 || true)
[[ $out == *"mtu = 1436"* ]] || t_fail "no frag-needed for 1500 bytes: $out"
ip netns exec "${H[vrA]}" ping -c 1 -W 2 -M do -s 1408 198.51.100.10 >/dev/null ||
	t_fail "a 1436-byte packet does not pass"

nl_log "replayed and tampered datagrams are dropped and counted"
nl_spawn /dev/null "${NS[vrB]}" tcpdump --immediate-mode -U -i wan -c 6 \
	-w "$NL_DIR/cap.pcap" \
	"udp and src host 198.18.0.1 and dst port 4800 and greater 100"
dump=$NL_PID
sleep 1
ip netns exec "${H[vrA]}" ping -c 8 -i 0.1 198.51.100.10 >/dev/null
wait "$dump" || t_fail "tcpdump captured nothing"
rx0=$(tunnel vrB vrA rx_packets)
# as captured: counters already seen; then with the counter's top byte
# flipped: a counter never seen, so only the tag can refuse it
ip netns exec "$gX" "$replay" -r "$NL_DIR/cap.pcap" -d 198.18.0.2 -p 4800 \
	>/dev/null || t_fail "replay sent nothing"
ip netns exec "$gX" "$replay" -r "$NL_DIR/cap.pcap" -d 198.18.0.2 -p 4800 \
	--tamper 12 >/dev/null || t_fail "tampered replay sent nothing"
dropped() {
	(($(tunnel vrB vrA drop_replay_dup) + $(tunnel vrB vrA drop_replay_old) >= 6)) &&
		(($(tunnel vrB vrA drop_auth) >= 6))
}
nl_wait 5 dropped || t_fail "drops at vrB: $(nl_ctl vrB -j tunnels)"
[[ $(tunnel vrB vrA rx_packets) == "$rx0" ]] ||
	t_fail "a replayed datagram was delivered"
[[ $(tunnel vrB vrA endpoint) == 198.18.0.1:4800 ]] ||
	t_fail "a replay moved vrA's endpoint: $(tunnel vrB vrA endpoint)"

nl_log "VN 2 shares the overlay and never meets VN 1"
nl_ctl vrA -j gndt --vn 2 | jq -e '.[] | select(.router == "vrD")' >/dev/null ||
	t_fail "vrA does not know VN 2's network"
nl_spawn "$NL_DIR/serve-vn.log" "${H[vrB]}" "$stream" serve -p 5002
serve_b=$NL_PID
sleep 0.3
ip netns exec "${H[vrA]}" "$stream" send -c 198.51.100.10 -p 5002 -t 1 \
	>/dev/null || t_fail "198.51.100.10 from VN 1 did not reach hB"
wait "$serve_b" || t_fail "server B (VN): $(cat "$NL_DIR/serve-vn.log")"
if ip netns exec "${H[vrD]}" ping -c 1 -W 1 192.0.2.10 >/dev/null 2>&1; then
	t_fail "VN 2 reached VN 1's 192.0.2.10"
fi

nl_log "relay through vrB while vrA <-> vrC is blocked"
block() { # NS ADDR: drop everything NS sends to ADDR
	ip netns exec "$1" nft -f - <<EOF
table inet vrtblock {
	chain out {
		type filter hook output priority 0;
		ip daddr $2 drop
	}
}
EOF
}
block "${NS[vrA]}" 198.18.0.3
block "${NS[vrC]}" 198.18.0.1
nl_spawn "$NL_DIR/relay-ping.txt" "${H[vrA]}" ping -c 40 -i 0.25 -W 1 \
	203.0.113.10
relayed() {
	[[ $(tunnel vrA vrC path) == relay && $(tunnel vrA vrC via) == vrB &&
		$(tunnel vrC vrA path) == relay ]] &&
		pings vrA 203.0.113.10
}
nl_wait 20 relayed || t_fail "no relay: vrA $(nl_ctl vrA -j tunnels), vrC $(nl_ctl vrC -j tunnels)"
(($(tunnel vrB vrA relayed) > 0)) || t_fail "vrB relayed nothing"
nl_log "  relayed through vrB: $(tunnel vrB vrA relayed) from vrA, $(tunnel vrB vrC relayed) from vrC"
ip netns exec "${NS[vrA]}" nft delete table inet vrtblock
ip netns exec "${NS[vrC]}" nft delete table inet vrtblock
direct() { [[ $(tunnel vrA vrC path) == direct ]]; }
nl_wait 15 direct || t_fail "not back to direct: $(nl_ctl vrA -j tunnels)"
nl_wait 5 pings vrA 203.0.113.10 || t_fail "no ping after the relay"

nl_log "a clean stop removes the TUN and vrd's routes"
kill -TERM "${PID[vrA]}"
wait "${PID[vrA]}" || t_fail "vrA did not stop cleanly: $(tail -5 "$NL_DIR/vrA/vrd.log")"
[[ -z $(vrd_routes vrA) ]] || t_fail "routes left: $(vrd_routes vrA)"
if ip -n "${NS[vrA]}" link show vrd0 >/dev/null 2>&1; then
	t_fail "vrd0 left behind"
fi

nl_log "kill -9: the TUN and its routes go with the process; a restart works"
kill -KILL "${PID[vrB]}"
wait "${PID[vrB]}" 2>/dev/null || true
[[ -z $(vrd_routes vrB) ]] || t_fail "routes left by a kill -9: $(vrd_routes vrB)"
start vrA .2
start vrB .2
nl_wait 20 want_routes vrB "192.0.2.0/24 vrd0
203.0.113.0/24 vrd0" || t_fail "vrB routes after restart: $(vrd_routes vrB)"
nl_wait 20 pings vrB 192.0.2.10 || t_fail "no ping after the restart"
nl_log "PASS"
