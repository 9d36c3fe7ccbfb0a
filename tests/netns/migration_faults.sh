#!/usr/bin/env bash
# Live migration when things go wrong (issue 6), on the three-site
# topology of tests/netns/sites.sh:
#   - two VMs migrate A -> B at the same moment: both claimed, everywhere;
#   - the source router is killed after the migration: the other sites
#     still reach the VMs, straight at B (no triangle through A);
#   - vrd restarts on the destination: its tables come back from LMDB
#     (the VMs' host routes onto LAN B with them) and a stream resumes;
#   - a VM migrates B -> C while its home router is down: C claims it from
#     the first frame that names its address, and the home router, back,
#     learns the move and proxies for it. Without the home router nobody
#     can tell C the VM's old gateway address, so the VM's cache is put
#     right only by its own ARP probe (once its entry goes stale, up to
#     reachable time + 5 s), which C answers for it;
#   - both VMs come home at the same moment, each with one ARP request
#     and nothing more: both are claimed home.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/sites.sh"

V1=192.0.2.21 V2=192.0.2.22
sites_up
vm_add "$V1" 52:54:00:12:34:21
vm_add "$V2" 52:54:00:12:34:22
for r in vrA vrB vrC; do start "$r"; done
for v in "$V1" "$V2"; do
	nl_wait 20 pings "${H[vrC]}" "$v" || t_fail "hC cannot reach $v"
done

nl_log "two VMs migrate A -> B at once"
nl_spawn "$NL_DIR/serve.log" "${VM_NS[$V1]}" "$stream" serve -p 5001
serve=$NL_PID
sleep 0.3
nl_spawn -e "$NL_DIR/send.err" "$NL_DIR/send.json" "${H[vrC]}" "$stream" \
	send -c "$V1" -p 5001 -t 60 -r 100000
sender=$NL_PID
sleep 1
vm_move "$V1" vrB
vm_move "$V2" vrB
vm_rarp "$V1" &
vm_rarp "$V2"
wait $!
both() { owned "$V1" vrB && owned "$V2" vrB; }
nl_wait 10 both || t_fail "GNDT: $V1 at $(owner vrC "$V1"), $V2 at $(owner vrC "$V2")"
for v in "$V1" "$V2"; do
	nl_wait 5 pings "${H[vrC]}" "$v" || t_fail "hC cannot reach $v at B"
done

nl_log "the source router is killed: C still reaches both VMs, straight at B"
kill -KILL "${PID[vrA]}"
wait "${PID[vrA]}" 2>/dev/null || true
tx_c_to_a() {
	nl_ctl vrC -j tunnels | jq '.[] | select(.peer == "vrA") | .tx_packets // 0'
}
before=$(tx_c_to_a)
for v in "$V1" "$V2"; do
	out=$(ip netns exec "${H[vrC]}" ping -c 10 -i 0.05 -W 1 "$v") ||
		t_fail "hC -> $v with vrA down: $out"
done
[[ $(tx_c_to_a) == "$before" ]] || t_fail "C sent to A, not straight to B"

nl_log "vrd restarts on the destination: tables from LMDB, traffic resumes"
kill -TERM "${PID[vrB]}"
wait "${PID[vrB]}" || t_fail "vrB did not stop cleanly"
start vrB .2
lan_route() {
	ip -n "${NS[vrB]}" -j route show proto 0xfd |
		jq -e --arg ip "$V1" '.[] | select(.dst == $ip and .dev == "lan0")'
}
nl_wait 20 lan_route || t_fail "vrB's route to $V1 on its LAN: $(ip -n "${NS[vrB]}" route)"
nl_wait 20 pings "${H[vrC]}" "$V1" || t_fail "hC cannot reach $V1 after vrB's restart: $(for r in vrB vrC; do nl_ctl $r tunnels; nl_ctl $r stats | grep -E "^dp\.(keyx|tx_|rx_)" | grep -v " 0$"; done)"
kill -USR1 "$sender"
wait "$sender" || t_fail "stream through the restart: $(cat "$NL_DIR/send.json" "$NL_DIR/send.err")"
wait "$serve" || t_fail "server: $(cat "$NL_DIR/serve.log")"
nl_log "  stream intact: $(jq -c '{bytes, max_ack_gap_ms}' "$NL_DIR/send.json")"

nl_log "a VM migrates while its home router is down"
vm_move "$V2" vrC
vm_rarp "$V2"
# the VM keeps talking (to hB, through its gateway's MAC, now unknown on
# LAN C): its first frame names its address
nl_spawn /dev/null "${VM_NS[$V2]}" ping -c 400 -i 0.25 198.51.100.10
pinger=$NL_PID
nl_wait 20 owned "$V2" vrC vrB vrC || t_fail "$V2 not claimed by vrC: B says $(owner vrB "$V2"), C $(owner vrC "$V2")"
nl_wait 60 pings "${H[vrB]}" "$V2" || t_fail "hB cannot reach $V2 at C"
start vrA .2
nl_wait 30 owned "$V2" vrC vrA || t_fail "vrA, back, does not know $V2 is at C: $(owner vrA "$V2")"
proxied() {
	nl_ctl vrA -j proxy | jq -e --arg ip "$V2" '.[] | select(.ip == $ip)'
}
nl_wait 10 proxied || t_fail "vrA does not answer ARP for $V2"
nl_wait 10 pings "${H[vrA]}" "$V2" || t_fail "hA cannot reach $V2 at C"

nl_log "both VMs come home at once, each saying one ARP request and nothing else"
kill "$pinger" 2>/dev/null || true
wait "$pinger" 2>/dev/null || true
vm_move "$V1" vrA
vm_move "$V2" vrA
# arping leaves no neighbour entry behind, so neither VM says anything
# more: each must be claimed from its single frame, the second as well
# as the first (the home router once took one such claim a second)
for v in "$V1" "$V2"; do
	ip netns exec "${VM_NS[$v]}" arping -c 1 -w 1 -I eth0 "${NET[vrA]%.0/24}.10" >/dev/null ||
		t_fail "$v at home: hA did not answer its arping"
done
home() { owned "$V1" vrA && owned "$V2" vrA; }
nl_wait 10 home || t_fail "not both home: $V1 at $(owner vrA "$V1"), $V2 at $(owner vrA "$V2") (vrA's view)"
nl_log "PASS"
