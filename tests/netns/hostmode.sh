#!/usr/bin/env bash
# Host mode (VM-as-router, issue 5): vrd inside each VM with a TUN carrying
# the VM's virtual IP, no ARP. A TCP stream between two VMs' virtual IPs
# runs while vmA's underlay address changes (as after a migration or a new
# DHCP lease): vrd notices through netlink, tells its peer with an
# authenticated packet from the new address, the peer follows (roaming),
# and the stream finishes intact; gossip moves to the new address too.
#
#  ┌──────────────────── $sw: br0 ────────────────────┐
#  └──────┬───────────────────────────────┬───────────┘
#         │ eth0 198.18.0.11 -> .21       │ eth0 198.18.0.12
#  ┌ vmA ─┴─────────────────┐      ┌ vmB ─┴─────────────────┐
#  │ vrd vmA, [host]        │      │ vrd vmB, [host]        │
#  │ vr0 203.0.113.5/24     │      │ vr0 203.0.113.6/24     │
#  └────────────────────────┘      └────────────────────────┘
source "$(dirname "$0")/lib.sh"

vrctl=$VRD_BIN/vrctl
stream=$VRD_TESTS/vrd-stream
declare -A NS ADDR VIP PID

ADDR=([vmA]=198.18.0.11 [vmB]=198.18.0.12)
VIP=([vmA]=203.0.113.5 [vmB]=203.0.113.6)

sw=$(t_lan sw)
i=1
for r in vmA vmB; do
	NS[$r]=$(t_netns "$r")
	nl_plug "$sw" "${NS[$r]}" eth0 "52:54:00:00:e0:0$i" "${ADDR[$r]}/24"
	ip -n "${NS[$r]}" link set lo up
	nl_ca "$r" "${VIP[$r]}/32"
	peer=()
	[[ $r == vmB ]] && peer=("peer = ${ADDR[vmA]}")
	nl_host_conf "$r" vr0 "${VIP[$r]}/24" "interface = eth0" "${peer[@]}" \
		>/dev/null
	i=$((i + 1))
done

tunnel() {
	nl_ctl "$1" -j tunnels | jq -r --arg p "$2" \
		".[] | select(.peer == \$p) | .$3 // 0"
}
pings() { ip netns exec "${NS[$1]}" ping -c 1 -W 1 "$2"; }

for r in vmA vmB; do
	nl_vrd "$r" "${NS[$r]}"
	PID[$r]=$NL_PID
done

nl_log "the TUN carries the virtual IP; the peer's is routed into it"
has_vip() {
	ip -n "${NS[vmA]}" -j addr show dev vr0 |
		jq -e '.[0].addr_info[] | select(.local == "203.0.113.5" and .prefixlen == 24)'
}
nl_wait 10 has_vip || t_fail "vr0: $(ip -n "${NS[vmA]}" addr show dev vr0)"
routed() {
	ip -n "${NS[vmA]}" -j route show proto 0xfd |
		jq -e '.[] | select(.dst == "203.0.113.6" and .dev == "vr0")'
}
nl_wait 20 routed || t_fail "vmA routes: $(ip -n "${NS[vmA]}" route)"
nl_wait 10 pings vmA 203.0.113.6 || t_fail "vmA cannot ping vmB's virtual IP"

nl_log "a TCP stream over the virtual IPs while vmA's underlay address moves"
nl_spawn "$NL_DIR/serve.log" "${NS[vmB]}" "$stream" serve -p 5001
serve=$NL_PID
sleep 0.3
nl_spawn -e "$NL_DIR/send.err" "$NL_DIR/send.json" "${NS[vmA]}" "$stream" \
	send -c 203.0.113.6 -p 5001 -t 8 -r 2000000
sender=$NL_PID
sleep 3
nl_log "  eth0: 198.18.0.11 -> 198.18.0.21"
ip -n "${NS[vmA]}" addr del 198.18.0.11/24 dev eth0
ip -n "${NS[vmA]}" addr add 198.18.0.21/24 dev eth0
moved=$(($(date +%s%N) / 1000000))
followed() { [[ $(tunnel vmB vmA endpoint) == 198.18.0.21:4800 ]]; }
nl_wait 5 followed || t_fail "vmB still sends to $(tunnel vmB vmA endpoint)"
nl_log "  vmB follows after $(($(date +%s%N) / 1000000 - moved)) ms"
wait "$sender" || t_fail "stream: $(cat "$NL_DIR/send.json" "$NL_DIR/send.err")"
wait "$serve" || t_fail "server: $(cat "$NL_DIR/serve.log")"
jq -e '.ok and .bytes > 10000000' "$NL_DIR/send.json" >/dev/null ||
	t_fail "stream: $(cat "$NL_DIR/send.json")"
nl_log "  stream intact: $(jq -c '{bytes, max_stall_ms}' "$NL_DIR/send.json")"
(($(tunnel vmB vmA roams) >= 1)) || t_fail "no roam counted at vmB"
"$vrctl" -d "$NL_DIR/vmA/state" -j events |
	jq -e '.[] | select(.type == "underlay-address" and .to == "198.18.0.21")' \
		>/dev/null || t_fail "no underlay-address event at vmA"
nl_wait 10 pings vmB 203.0.113.5 || t_fail "vmB cannot ping vmA after the move"
gossip_moved() {
	nl_ctl vmB -j peers | jq -e '.[] | select(.name == "vmA" and
		.address == "198.18.0.21:4800" and .state == "up")'
}
nl_wait 10 gossip_moved || t_fail "gossip at vmB: $(nl_ctl vmB peers)"
nl_log "PASS"
