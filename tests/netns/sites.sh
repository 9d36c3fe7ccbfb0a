# shellcheck shell=bash
# The three-site topology of the migration tests (source after lib.sh):
# gateways vrA, vrB, vrC on an underlay switch, each with its LAN switch
# and a host .10; VMs homed on LAN A, each hanging off a little switch of
# its own whose uplink moves from LAN to LAN, so a move keeps the VM's
# link, addresses, TCP state and neighbour cache, as a live migration does.
#
#              ┌─────────────── $sw: underlay br0 ───────────────┐
#              └──────┬────────────────────┬─────────────────┬───┘
#                     │ 198.18.0.1         │ 198.18.0.2      │ 198.18.0.3
#               ┌ gA ─┴─┐            ┌ gB ─┴─┐         ┌ gC ─┴─┐
#               │ vrA   │            │ vrB   │         │ vrC   │
#               └──┬────┘            └──┬────┘         └──┬────┘
#  SW[vrA] br0 ────┴──┬───────┐  SW[vrB] ┴──┬─── SW[vrC] ┴──┬────
#   192.0.2.0/24      hA .10  VMs  hB 198.51.100.10  hC 203.0.113.10

stream=$VRD_TESTS/vrd-stream
probe=$VRD_TESTS/vrd-udp-probe
rarp=$VRD_TESTS/vrd-rarp-send
declare -A NS H SW ADDR NET GWIP GWMAC PID VM_NS VM_SW VM_AT VM_MACS
ADDR=([vrA]=198.18.0.1 [vrB]=198.18.0.2 [vrC]=198.18.0.3)
NET=([vrA]=192.0.2.0/24 [vrB]=198.51.100.0/24 [vrC]=203.0.113.0/24)

sites_up() {
	local i=1 r s
	sw=$(t_lan sw)
	for r in vrA vrB vrC; do
		s=${r#vr}
		NS[$r]=$(t_netns "g$s")
		H[$r]=$(t_netns "h$s")
		SW[$r]=$(t_lan "sw$s")
		GWIP[$r]=${NET[$r]%.0/24}.1
		GWMAC[$r]=52:54:00:00:0$i:01
		nl_plug "$sw" "${NS[$r]}" wan "52:54:00:00:f0:0$i" "${ADDR[$r]}/24"
		nl_plug "${SW[$r]}" "${NS[$r]}" lan0 "${GWMAC[$r]}" "${GWIP[$r]}/24"
		nl_plug "${SW[$r]}" "${H[$r]}" eth0 "52:54:00:00:0$i:10" \
			"${NET[$r]%.0/24}.10/24"
		ip -n "${H[$r]}" route add default via "${GWIP[$r]}"
		nl_ca "$r" "${NET[$r]}"
		i=$((i + 1))
	done
	nl_gateway_conf vrA "${ADDR[vrA]}" "${NET[vrA]}" lan0 "${ADDR[vrB]}" >/dev/null
	nl_gateway_conf vrB "${ADDR[vrB]}" "${NET[vrB]}" lan0 "${ADDR[vrA]}" >/dev/null
	nl_gateway_conf vrC "${ADDR[vrC]}" "${NET[vrC]}" lan0 "${ADDR[vrA]}" >/dev/null
}

# vm_add IP MAC: a VM homed on LAN A, at IP, its own switch plugged there
vm_add() {
	local ip=$1 mac=$2 n=vm${1##*.} r
	VM_NS[$ip]=$(t_netns "$n")
	VM_SW[$ip]=$(t_lan "${n}sw")
	VM_MACS[$ip]=$mac
	nl_plug "${VM_SW[$ip]}" "${VM_NS[$ip]}" eth0 "$mac" "$ip/24"
	for r in vrA vrB vrC; do
		nl_uplink "${VM_SW[$ip]}" "up$r" "${SW[$r]}" "$n$r"
	done
	ip -n "${VM_SW[$ip]}" link set upvrA master br0
	ip -n "${VM_NS[$ip]}" route add default via 192.0.2.1
	VM_AT[$ip]=vrA
}

# vm_move IP TO: the VM's uplink leaves its LAN for TO's
vm_move() {
	nl_uplink_move "${VM_SW[$1]}" "up${VM_AT[$1]}" "up$2"
	VM_AT[$1]=$2
}

# vm_rarp IP: the VM announces itself as QEMU does after a migration
vm_rarp() {
	ip netns exec "${VM_NS[$1]}" "$rarp" -i eth0 -m "${VM_MACS[$1]}" >/dev/null
}

# start ROUTER [LOGSUFFIX]
start() {
	nl_vrd "$1" "${NS[$1]}" "${2:-}"
	PID[$1]=$NL_PID
}
# owner ROUTER IP: who ROUTER's GNDT says has IP/32 ("" for none)
owner() {
	nl_ctl "$1" -j gndt | jq -r --arg p "$2/32" \
		'.[] | select(.prefix == $p) | .router'
}
# owned IP ROUTER [ROUTERS...]: every router named (default all three)
# says ROUTER has IP
owned() {
	local ip=$1 want=$2 r
	shift 2
	(($#)) || set -- vrA vrB vrC
	for r in "$@"; do
		[[ $(owner "$r" "$ip") == "$want" ]] || return 1
	done
}
# lladdr NS IP: the MAC NS's neighbour cache holds for IP
lladdr() {
	ip -n "$1" -j neigh show "$2" | jq -r '.[0].lladdr // ""'
}
pings() { ip netns exec "$1" ping -c 1 -W 1 "$2"; }
