#!/usr/bin/env bash
# Live migration across three subnets (issue 6), end to end. A VM homed on
# LAN A keeps three checked TCP streams (one from a host on each site) and
# three 5 ms UDP probes while it moves A -> B (announced with RARP, as QEMU
# does), B -> C (gratuitous ARP, as Xen does), C -> A (silent), and once
# more A -> B. A move
# is what a live migration looks like to the network: the VM's namespace,
# its addresses, its TCP state and its neighbour cache stay (its own link
# never goes down: it hangs off a little switch of its own, $vmsw, whose
# uplink moves from one LAN's switch to the other's).
# Asserted: every stream survives intact, no probe waits for an ARP
# timeout, the neighbour caches on each LAN (and the VM's own) point where
# they should after each move, and every router's GNDT agrees.
#
# (topology: tests/netns/sites.sh)
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/sites.sh"

VM_IP=192.0.2.20
VM_MAC=52:54:00:12:34:56
sites_up
vm_add "$VM_IP" "$VM_MAC"
vm=${VM_NS[$VM_IP]}
for r in vrA vrB vrC; do start "$r"; done
owned_everywhere() { owned "$VM_IP" "$1"; }
move_vm() { vm_move "$VM_IP" "$1"; }

nl_log "three sites up; the VM reachable from each"
for r in vrA vrB vrC; do
	nl_wait 20 pings "${H[$r]}" "$VM_IP" || t_fail "h${r#vr} cannot ping the VM"
done

nl_log "streams to the VM from every site, from the VM to the other two"
nl_spawn "$NL_DIR/serve.log" "$vm" "$stream" serve -p 5001 -n 3
serve=$NL_PID
SERVE_OUT=()
for r in vrB vrC; do
	nl_spawn "$NL_DIR/serve-$r.log" "${H[$r]}" "$stream" serve -p 5003
	SERVE_OUT+=("$NL_PID")
done
nl_spawn "$NL_DIR/echo.log" "$vm" "$probe" echo -p 5002
sleep 0.3
SEND=() PROBE=()
id=0
for r in vrA vrB vrC; do
	id=$((id + 1))
	nl_spawn -e "$NL_DIR/send-$r.err" "$NL_DIR/send-$r.json" "${H[$r]}" \
		"$stream" send -c "$VM_IP" -p 5001 -i "$id" -t 60 -r 200000
	SEND+=("$NL_PID")
	nl_spawn "$NL_DIR/probe-$r.json" "${H[$r]}" "$probe" send \
		-c "$VM_IP" -p 5002 -i 5
	PROBE+=("$NL_PID")
done
for r in vrB vrC; do
	nl_spawn -e "$NL_DIR/send-vm-$r.err" "$NL_DIR/send-vm-$r.json" "$vm" \
		"$stream" send -c "${NET[$r]%.0/24}.10" -p 5003 -i 9 -t 60 \
		-r 200000
	SEND+=("$NL_PID")
done
sleep 2

nl_log "A -> B, announced with RARP (QEMU)"
move_vm vrB
vm_rarp "$VM_IP"
nl_wait 10 owned_everywhere vrB || t_fail "GNDT after A->B: A $(owner vrA "$VM_IP") B $(owner vrB "$VM_IP") C $(owner vrC "$VM_IP")"
hA_sees() { [[ $(lladdr "${H[vrA]}" "$VM_IP") == "$1" ]]; }
vm_sees() { [[ $(lladdr "$vm" "$1") == "$2" ]]; }
nl_wait 5 hA_sees "${GWMAC[vrA]}" || t_fail "hA's cache for the VM: $(lladdr "${H[vrA]}" "$VM_IP")"
nl_wait 5 vm_sees 192.0.2.1 "${GWMAC[vrB]}" || t_fail "the VM's cache for its gateway: $(lladdr "$vm" 192.0.2.1)"
nl_ctl vrA -j proxy | jq -e --arg ip "$VM_IP" '.[] | select(.ip == $ip)' \
	>/dev/null || t_fail "vrA does not answer ARP for the VM"
sleep 3

nl_log "B -> C, announced with gratuitous ARP (Xen)"
move_vm vrC
ip netns exec "$vm" "$VRD_TESTS/vrd-arp" garp -i eth0 --ip "$VM_IP" \
	--mac "$VM_MAC" --count 2 --interval 50 >/dev/null
nl_wait 10 owned_everywhere vrC || t_fail "GNDT after B->C: A $(owner vrA "$VM_IP") B $(owner vrB "$VM_IP") C $(owner vrC "$VM_IP")"
nl_wait 5 vm_sees 192.0.2.1 "${GWMAC[vrC]}" || t_fail "the VM's cache for its gateway: $(lladdr "$vm" 192.0.2.1)"
nl_wait 5 hA_sees "${GWMAC[vrA]}" || t_fail "hA's cache for the VM: $(lladdr "${H[vrA]}" "$VM_IP")"
sleep 3

nl_log "C -> A, silent"
move_vm vrA
nl_wait 30 owned_everywhere vrA || t_fail "GNDT after C->A: A $(owner vrA "$VM_IP") B $(owner vrB "$VM_IP") C $(owner vrC "$VM_IP")"
nl_wait 10 hA_sees "$VM_MAC" || t_fail "hA's cache for the VM: $(lladdr "${H[vrA]}" "$VM_IP")"
nl_wait 10 vm_sees 192.0.2.1 "${GWMAC[vrA]}" || t_fail "the VM's cache for its gateway: $(lladdr "$vm" 192.0.2.1)"
nl_wait 10 vm_sees 192.0.2.10 52:54:00:00:01:10 || t_fail "the VM's cache for hA: $(lladdr "$vm" 192.0.2.10)"
if nl_ctl vrA -j proxy | jq -e --arg ip "$VM_IP" '.[] | select(.ip == $ip)' >/dev/null; then
	t_fail "vrA still answers ARP for the VM at home"
fi
sleep 3

nl_log "home, then away again: A -> B once more (RARP)"
# vrA knows the VM again since it came home, so the question is answered
move_vm vrB
vm_rarp "$VM_IP"
nl_wait 10 owned_everywhere vrB || t_fail "GNDT after A->B again: A $(owner vrA "$VM_IP") B $(owner vrB "$VM_IP") C $(owner vrC "$VM_IP")"
nl_wait 5 vm_sees 192.0.2.1 "${GWMAC[vrB]}" || t_fail "the VM's cache for its gateway: $(lladdr "$vm" 192.0.2.1)"
sleep 2

nl_log "every stream intact, no probe waited for an ARP timeout"
for p in "${SEND[@]}"; do kill -USR1 "$p" 2>/dev/null || true; done
for p in "${SEND[@]}"; do
	wait "$p" || t_fail "a stream failed: $(head "$NL_DIR"/send-*.json "$NL_DIR"/send-*.err; for r in vrA vrB vrC; do echo "== $r"; nl_ctl $r tunnels; nl_ctl $r stats | grep -E '^(dp|migrate)' | grep -v ' 0$'; ip -n "${NS[$r]}" route; done)"
done
wait "$serve" || t_fail "the VM's server: $(cat "$NL_DIR/serve.log")"
for p in "${SERVE_OUT[@]}"; do
	wait "$p" || t_fail "a host's server: $(cat "$NL_DIR"/serve-*.log)"
done
for p in "${PROBE[@]}"; do kill -TERM "$p"; done
for p in "${PROBE[@]}"; do wait "$p" || true; done
for r in vrA vrB vrC; do
	jq -e '.ok' "$NL_DIR/send-$r.json" >/dev/null || t_fail "stream from $r: $(cat "$NL_DIR/send-$r.json")"
	gap=$(jq '.max_gap_ms' "$NL_DIR/probe-$r.json")
	nl_log "  from h${r#vr}: $(jq -c '{bytes, max_ack_gap_ms}' "$NL_DIR/send-$r.json"), probe $(jq -c '{sent, lost, max_gap_ms, outages: [.outages[].gap_ms]}' "$NL_DIR/probe-$r.json")"
	# the silent return waits for the VM's own ARP probe (DELAY, 5 s);
	# a stale cache would cost the 30 s and more of an ARP timeout
	jq -e '.max_gap_ms < 10000' "$NL_DIR/probe-$r.json" >/dev/null ||
		t_fail "probe from h${r#vr}: a gap of $gap ms"
done
for t in migration migration-proxy migration-arp migration-home host-route; do
	n=0
	for r in vrA vrB vrC; do
		n=$((n + $(nl_ctl "$r" -j events | jq --arg t "$t" '[.[] | select(.type == $t)] | length')))
	done
	((n > 0)) || t_fail "no $t event anywhere"
done
nl_log "PASS"
