#!/usr/bin/env bash
# Live migration across three subnets (issue 6), end to end. A VM homed on
# LAN A keeps three checked TCP streams (one from a host on each site) and
# three 5 ms UDP probes while it moves A -> B (announced with RARP, as QEMU
# does), B -> C (gratuitous ARP, as Xen does) and C -> A (silent). A move
# is what a live migration looks like to the network: the VM's namespace,
# its addresses, its TCP state and its neighbour cache stay (its own link
# never goes down: it hangs off a little switch of its own, $vmsw, whose
# uplink moves from one LAN's switch to the other's).
# Asserted: every stream survives intact, no probe waits for an ARP
# timeout, the neighbour caches on each LAN (and the VM's own) point where
# they should after each move, and every router's GNDT agrees.
#
#              ┌─────────────── $sw: underlay br0 ───────────────┐
#              └──────┬────────────────────┬─────────────────┬───┘
#                     │ 198.18.0.1         │ 198.18.0.2      │ 198.18.0.3
#               ┌ gA ─┴─┐            ┌ gB ─┴─┐         ┌ gC ─┴─┐
#               │ vrA   │            │ vrB   │         │ vrC   │
#               └──┬────┘            └──┬────┘         └──┬────┘
#  swA br0 ────────┴──┬──────┐  swB ───┴──┬───  swC ────┴──┬────
#   192.0.2.0/24      hA .10   vm .20 ->  hB 198.51.100.10  hC 203.0.113.10
source "$(dirname "$0")/lib.sh"

vrd=$VRD_BIN/vrd
vrctl=$VRD_BIN/vrctl
stream=$VRD_TESTS/vrd-stream
probe=$VRD_TESTS/vrd-udp-probe
rarp=$VRD_TESTS/vrd-rarp-send
VM_IP=192.0.2.20
VM_MAC=52:54:00:12:34:56
declare -A NS H SW ADDR NET GWIP GWMAC PID
ADDR=([vrA]=198.18.0.1 [vrB]=198.18.0.2 [vrC]=198.18.0.3)
NET=([vrA]=192.0.2.0/24 [vrB]=198.51.100.0/24 [vrC]=203.0.113.0/24)

sw=$(t_lan sw)
i=1
for r in vrA vrB vrC; do
	s=${r#vr}
	NS[$r]=$(t_netns "g$s")
	H[$r]=$(t_netns "h$s")
	SW[$r]=$(t_lan "sw$s")
	GWIP[$r]=${NET[$r]%.0/24}.1
	GWMAC[$r]=52:54:00:00:0$i:01
	t_plug "$sw" "${NS[$r]}" wan "52:54:00:00:f0:0$i" "${ADDR[$r]}/24"
	t_plug "${SW[$r]}" "${NS[$r]}" lan0 "${GWMAC[$r]}" "${GWIP[$r]}/24"
	t_plug "${SW[$r]}" "${H[$r]}" eth0 "52:54:00:00:0$i:10" \
		"${NET[$r]%.0/24}.10/24"
	ip -n "${H[$r]}" route add default via "${GWIP[$r]}"
	t_ca "$r" "${NET[$r]}"
	i=$((i + 1))
done
vm=$(t_netns vm)
vmsw=$(t_lan vmsw)
t_plug "$vmsw" "$vm" eth0 "$VM_MAC" "$VM_IP/24"
for r in vrA vrB vrC; do
	ip link add "up$r" netns "$vmsw" type veth peer name "vm$r" \
		netns "${SW[$r]}"
	ip -n "${SW[$r]}" link set "vm$r" master br0
	ip -n "${SW[$r]}" link set "vm$r" up
	ip -n "$vmsw" link set "up$r" up
done
ip -n "$vmsw" link set upvrA master br0
ip -n "$vm" link set lo up
ip -n "$vm" route add default via 192.0.2.1
VM_AT=vrA

t_gateway_conf vrA "${ADDR[vrA]}" "${NET[vrA]}" lan0 >/dev/null
t_gateway_conf vrB "${ADDR[vrB]}" "${NET[vrB]}" lan0 "${ADDR[vrA]}" >/dev/null
t_gateway_conf vrC "${ADDR[vrC]}" "${NET[vrC]}" lan0 "${ADDR[vrA]}" >/dev/null
for r in vrA vrB vrC; do
	t_spawn "$T_DIR/$r/vrd.log" "${NS[$r]}" "$vrd" -c "$T_DIR/$r/vrd.conf"
	PID[$r]=$T_LAST_PID
done

ctl() {
	local r=$1
	shift
	"$vrctl" -s "$T_DIR/$r/vrd.sock" "$@"
}
# owner ROUTER: who ROUTER's GNDT says has the VM ("" for its /24 only)
owner() {
	ctl "$1" -j gndt | jq -r --arg p "$VM_IP/32" \
		'.[] | select(.prefix == $p) | .router'
}
owned_everywhere() {
	for r in vrA vrB vrC; do [[ $(owner $r) == "$1" ]] || return 1; done
}
# lladdr NS IP: the MAC NS's neighbour cache holds for IP
lladdr() {
	ip -n "$1" -j neigh show "$2" | jq -r '.[0].lladdr // ""'
}
pings() { ip netns exec "$1" ping -c 1 -W 1 "$2"; }
# move_vm TO: the VM's uplink leaves its LAN for TO's
move_vm() {
	ip -n "$vmsw" link set "up$VM_AT" nomaster
	ip -n "$vmsw" link set "up$1" master br0
	VM_AT=$1
}

t_log "three sites up; the VM reachable from each"
for r in vrA vrB vrC; do
	t_wait 20 pings "${H[$r]}" "$VM_IP" || t_fail "h${r#vr} cannot ping the VM"
done

t_log "streams to the VM from every site, from the VM to the other two"
t_spawn "$T_DIR/serve.log" "$vm" "$stream" serve -p 5001 -n 3
serve=$T_LAST_PID
SERVE_OUT=()
for r in vrB vrC; do
	t_spawn "$T_DIR/serve-$r.log" "${H[$r]}" "$stream" serve -p 5003
	SERVE_OUT+=($T_LAST_PID)
done
t_spawn "$T_DIR/echo.log" "$vm" "$probe" echo -p 5002
sleep 0.3
SEND=() PROBE=()
id=0
for r in vrA vrB vrC; do
	id=$((id + 1))
	ip netns exec "${H[$r]}" "$stream" send -c "$VM_IP" -p 5001 \
		-i "$id" -t 60 -r 200000 >"$T_DIR/send-$r.json" \
		2>"$T_DIR/send-$r.err" &
	T_PIDS+=($!)
	SEND+=($!)
	ip netns exec "${H[$r]}" "$probe" send -c "$VM_IP" -p 5002 -i 5 \
		>"$T_DIR/probe-$r.json" 2>&1 &
	T_PIDS+=($!)
	PROBE+=($!)
done
for r in vrB vrC; do
	ip netns exec "$vm" "$stream" send -c "${NET[$r]%.0/24}.10" -p 5003 \
		-i 9 -t 60 -r 200000 >"$T_DIR/send-vm-$r.json" \
		2>"$T_DIR/send-vm-$r.err" &
	T_PIDS+=($!)
	SEND+=($!)
done
sleep 2

t_log "A -> B, announced with RARP (QEMU)"
move_vm vrB
ip netns exec "$vm" "$rarp" -i eth0 -m "$VM_MAC" >/dev/null
t_wait 10 owned_everywhere vrB || t_fail "GNDT after A->B: A $(owner vrA) B $(owner vrB) C $(owner vrC)"
hA_sees() { [[ $(lladdr "${H[vrA]}" "$VM_IP") == "$1" ]]; }
vm_sees() { [[ $(lladdr "$vm" "$1") == "$2" ]]; }
t_wait 5 hA_sees "${GWMAC[vrA]}" || t_fail "hA's cache for the VM: $(lladdr "${H[vrA]}" "$VM_IP")"
t_wait 5 vm_sees 192.0.2.1 "${GWMAC[vrB]}" || t_fail "the VM's cache for its gateway: $(lladdr "$vm" 192.0.2.1)"
ctl vrA -j proxy | jq -e --arg ip "$VM_IP" '.[] | select(.ip == $ip)' \
	>/dev/null || t_fail "vrA does not answer ARP for the VM"
sleep 3

t_log "B -> C, announced with gratuitous ARP (Xen)"
move_vm vrC
ip netns exec "$vm" "$VRD_TESTS/vrd-arp" garp -i eth0 --ip "$VM_IP" \
	--mac "$VM_MAC" --count 2 --interval 50 >/dev/null
t_wait 10 owned_everywhere vrC || t_fail "GNDT after B->C: A $(owner vrA) B $(owner vrB) C $(owner vrC)"
t_wait 5 vm_sees 192.0.2.1 "${GWMAC[vrC]}" || t_fail "the VM's cache for its gateway: $(lladdr "$vm" 192.0.2.1)"
t_wait 5 hA_sees "${GWMAC[vrA]}" || t_fail "hA's cache for the VM: $(lladdr "${H[vrA]}" "$VM_IP")"
sleep 3

t_log "C -> A, silent"
move_vm vrA
t_wait 30 owned_everywhere vrA || t_fail "GNDT after C->A: A $(owner vrA) B $(owner vrB) C $(owner vrC); vrA events: $(ctl vrA events | tail -12); vm neigh: $(ip -n "$vm" neigh)"
t_wait 10 hA_sees "$VM_MAC" || t_fail "hA's cache for the VM: $(lladdr "${H[vrA]}" "$VM_IP")"
t_wait 10 vm_sees 192.0.2.1 "${GWMAC[vrA]}" || t_fail "the VM's cache for its gateway: $(lladdr "$vm" 192.0.2.1)"
t_wait 10 vm_sees 192.0.2.10 52:54:00:00:01:10 || t_fail "the VM's cache for hA: $(lladdr "$vm" 192.0.2.10)"
if ctl vrA -j proxy | jq -e --arg ip "$VM_IP" '.[] | select(.ip == $ip)' >/dev/null; then
	t_fail "vrA still answers ARP for the VM at home"
fi
sleep 3

t_log "every stream intact, no probe waited for an ARP timeout"
for p in "${SEND[@]}"; do kill -USR1 "$p" 2>/dev/null || true; done
for p in "${SEND[@]}"; do
	wait "$p" || t_fail "a stream failed: $(head "$T_DIR"/send-*.json "$T_DIR"/send-*.err; for r in vrA vrB vrC; do echo "== $r"; ctl $r tunnels; ctl $r stats | grep -E '^(dp|migrate)' | grep -v ' 0$'; ip -n "${NS[$r]}" route; done)"
done
wait "$serve" || t_fail "the VM's server: $(cat "$T_DIR/serve.log")"
for p in "${SERVE_OUT[@]}"; do
	wait "$p" || t_fail "a host's server: $(cat "$T_DIR"/serve-*.log)"
done
for p in "${PROBE[@]}"; do kill -TERM "$p"; done
for p in "${PROBE[@]}"; do wait "$p" || true; done
for r in vrA vrB vrC; do
	jq -e '.ok' "$T_DIR/send-$r.json" >/dev/null || t_fail "stream from $r: $(cat "$T_DIR/send-$r.json")"
	gap=$(jq '.max_gap_ms' "$T_DIR/probe-$r.json")
	t_log "  from h${r#vr}: $(jq -c '{bytes, max_ack_gap_ms}' "$T_DIR/send-$r.json"), probe $(jq -c '{sent, lost, max_gap_ms, outages: [.outages[].gap_ms]}' "$T_DIR/probe-$r.json")"
	# the silent return waits for the VM's own ARP probe (DELAY, 5 s);
	# a stale cache would cost the 30 s and more of an ARP timeout
	jq -e '.max_gap_ms < 10000' "$T_DIR/probe-$r.json" >/dev/null ||
		t_fail "probe from h${r#vr}: a gap of $gap ms"
done
for t in migration migration-proxy migration-arp migration-home host-route; do
	n=0
	for r in vrA vrB vrC; do
		n=$((n + $(ctl "$r" -j events | jq --arg t "$t" '[.[] | select(.type == $t)] | length')))
	done
	((n > 0)) || t_fail "no $t event anywhere"
done
t_log "PASS"
