#!/usr/bin/env bash
# The main job: builds vrd and shows a live migration across three sites.
# Three routers (vrA, vrB, vrC), each the gateway of its subnet, form an
# overlay; a VM homed on LAN A moves A -> B (announced with RARP, as QEMU
# does), B -> C (gratuitous ARP, as Xen does) and C -> A (silent: only its
# own traffic betrays it), without its link ever going down. Meanwhile a
# host on each site probes it every 5 ms (UDP) and keeps a checked TCP
# stream to it, and the VM streams to the host of site B. After each move
# the demo prints the outage each probe saw, the phases of the move from
# the routers' event logs, and the tables; at the end, whether every
# stream survived. Everything runs in network namespaces made here and is
# removed at the end.
#
#              ┌─────────────── $p-wan: underlay br0 ─────────────┐
#              └──────┬────────────────────┬──────────────────┬───┘
#                     │ 198.18.0.1         │ 198.18.0.2       │ 198.18.0.3
#               ┌ gA ─┴─┐            ┌ gB ─┴─┐          ┌ gC ─┴─┐
#               │ vrA   │            │ vrB   │          │ vrC   │
#               └──┬────┘            └──┬────┘          └──┬────┘
#   swA br0 ───────┴──┬─────    swB ────┴──┬─────   swC ───┴──┬─────
#    192.0.2.0/24     hA .10    198.51.100.0/24 hB .10  203.0.113.0/24 hC .10
#         │                          │                       │
#         └──────────── vmsw: the VM's own switch ───────────┘
#                  one uplink at a time: the "migration"
#                       vm eth0 192.0.2.20 52:54:00:12:34:56
#
# Needs root. VRD_BUILD (default build) is the build directory.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh demo

build=${VRD_BUILD:-build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j "$(nproc)" --target vrd vrctl vrd-stream \
	vrd-udp-probe vrd-rarp-send vrd-arp >/dev/null
build=$(realpath "$build")
VRD_BIN=$build/bin
tools=$build/tests
# shellcheck source=netns-lib.sh
source scripts/netns-lib.sh

nl_init vrdemo
NL_GRACE=3
p=$NL_PREFIX
trap 'nl_cleanup 15 "$NL_DIR"/vr[ABC]/vrd.log' EXIT
trap 'exit 130' INT TERM

bold() { printf '\033[1m%s\033[0m\n' "$*"; }
say() { printf '\n'; bold "== $*"; }
die() {
	echo "demo: $*" >&2
	exit 1
}
((EUID == 0)) || die "needs root (network namespaces)"

VM_IP=192.0.2.20
VM_MAC=52:54:00:12:34:56
declare -A ADDR NET GWIP GWMAC HIP HMAC NAME
ADDR=([vrA]=198.18.0.1 [vrB]=198.18.0.2 [vrC]=198.18.0.3)
NET=([vrA]=192.0.2.0/24 [vrB]=198.51.100.0/24 [vrC]=203.0.113.0/24)

say "three sites in network namespaces $p-*"
nl_netns gA hA gB hB gC hC vm || die "cannot create network namespaces"
nl_lan wan swA swB swC vmsw || die "cannot create network namespaces"
i=1
for r in vrA vrB vrC; do
	s=${r#vr}
	GWIP[$r]=${NET[$r]%.0/24}.1
	GWMAC[$r]=52:54:00:00:0$i:01
	HIP[$r]=${NET[$r]%.0/24}.10
	HMAC[$r]=52:54:00:00:0$i:10
	NAME[${GWMAC[$r]}]="$r lan0"
	NAME[${HMAC[$r]}]="h$s"
	nl_plug "$p-wan" "$p-g$s" wan "52:54:00:00:f0:0$i" "${ADDR[$r]}/24"
	nl_plug "$p-sw$s" "$p-g$s" lan0 "${GWMAC[$r]}" "${GWIP[$r]}/24"
	nl_plug "$p-sw$s" "$p-h$s" eth0 "${HMAC[$r]}" "${HIP[$r]}/24"
	ip -n "$p-h$s" route add default via "${GWIP[$r]}"
	printf '  site %s: router %s (%s on the underlay), LAN %s, host h%s %s\n' \
		"$s" "$r" "${ADDR[$r]}" "${NET[$r]}" "$s" "${HIP[$r]}"
	i=$((i + 1))
done
NAME[$VM_MAC]="the VM"
nl_plug "$p-vmsw" "$p-vm" eth0 "$VM_MAC" "$VM_IP/24"
ip -n "$p-vm" route add default via "${GWIP[vrA]}"
for r in vrA vrB vrC; do
	s=${r#vr}
	nl_uplink "$p-vmsw" "up$s" "$p-sw$s" "vm$s"
done
ip -n "$p-vmsw" link set upA master br0
VM_AT=vrA
printf '  the VM: %s (%s), homed on LAN A, default gateway %s\n' \
	"$VM_IP" "$VM_MAC" "${GWIP[vrA]}"

say "an overlay CA; a certificate per router for its subnet"
for r in vrA vrB vrC; do
	nl_ca "$r" "${NET[$r]}"
	peer=()
	[[ $r == vrA ]] || peer=("${ADDR[vrA]}")
	conf=$(nl_gateway_conf "$r" "${ADDR[$r]}" "${NET[$r]}" lan0 "${peer[@]}")
	"$VRD_BIN/vrd" -n -c "$conf" >/dev/null || die "$r: config check failed"
done
echo "  vrB's config (vrC's is alike; vrA has no bootstrap peer):"
sed -e '/^$/d' -e 's/^/    /' "$NL_DIR/vrB/vrd.conf"

say "three routers start; they find each other through vrA"
declare -A VRD
for r in vrA vrB vrC; do
	nl_vrd "$r" "$p-g${r#vr}"
	VRD[$r]=$NL_PID
done
pings() { ip netns exec "$p-$1" ping -c 1 -W 1 "$2"; }
for r in vrA vrB vrC; do
	nl_wait 10 nl_ctl "$r" status || die "$r did not start"
done
for s in A B C; do
	nl_wait 30 pings "h$s" "$VM_IP" || die "h$s cannot reach the VM"
done
for r in vrA vrB vrC; do
	printf '  %s: peers %s\n' "$r" "$(nl_ctl "$r" -j peers |
		jq -r 'map("\(.name) \(.state)") | join(", ")')"
done
echo "  the VM answers ping from hA, hB and hC"

# ---- what the operator looks at -------------------------------------
show_gndt() {
	for r in vrA vrB vrC; do
		bold "  $r: vrctl gndt"
		nl_ctl "$r" gndt | sed 's/^/    /'
	done
}
# owners: who each router's GNDT says has the VM ("-": nobody by /32)
owner() {
	nl_ctl "$1" -j gndt | jq -r --arg p "$VM_IP/32" \
		'[.[] | select(.prefix == $p) | "\(.router) (seq \(.seq))"] |
		first // "-"'
}
owners() {
	printf '  GNDT %s/32:' "$VM_IP"
	for r in vrA vrB vrC; do printf '  %s: %s' "$r" "$(owner "$r")"; done
	printf '\n'
}
owned_everywhere() {
	for r in vrA vrB vrC; do
		[[ $(owner "$r") == "$1 "* ]] || return 1
	done
}
# neigh NS IP...: NS's neighbour cache for each IP, MACs named
neigh() {
	local ns=$1 ip mac
	shift
	for ip in "$@"; do
		mac=$(ip -n "$p-$ns" -j neigh show "$ip" |
			jq -r '.[0] | "\(.lladdr // "-") \(.state[0] // "")"')
		printf '    %-15s -> %s %-9s %s\n' "$ip" "${mac% *}" "${mac#* }" \
			"${NAME[${mac% *}]:-}"
	done
}
show_caches() {
	echo "  the VM's neighbour cache:"
	neigh vm "${GWIP[vrA]}" "${HIP[vrA]}"
	echo "  hA's neighbour cache, for the VM:"
	neigh hA "$VM_IP"
}

say "the tables before any move"
show_gndt
show_caches

# ---- traffic ---------------------------------------------------------
say "traffic: checked TCP streams hA, hB, hC -> VM and VM -> hB"
echo "  200 kB/s each, for the whole demo; around each move a UDP probe"
echo "  every 5 ms from hA, hB and hC to the VM (vrd-udp-probe)"
nl_spawn "$NL_DIR/serve-vm.log" "$p-vm" "$tools/vrd-stream" serve -p 5001 \
	-n 3
SERVE=("$NL_PID")
nl_spawn "$NL_DIR/serve-hB.log" "$p-hB" "$tools/vrd-stream" serve -p 5003
SERVE+=("$NL_PID")
nl_spawn "$NL_DIR/echo.log" "$p-vm" "$tools/vrd-udp-probe" echo -p 5002
sleep 0.3
SEND=()
for s in A B C; do
	nl_spawn "$NL_DIR/send-h$s.json" "$p-h$s" "$tools/vrd-stream" send \
		-c "$VM_IP" -p 5001 -i "$(printf '%d' "'$s")" -t 600 -r 200000
	SEND+=("$NL_PID")
done
nl_spawn "$NL_DIR/send-vm.json" "$p-vm" "$tools/vrd-stream" send \
	-c "${HIP[vrB]}" -p 5003 -i 9 -t 600 -r 200000
SEND+=("$NL_PID")
sleep 1

# events of every router as JSON lines, with "at" (router) and "ms"
# (milliseconds since the epoch: the routers share this machine's clock)
events() {
	for r in vrA vrB vrC; do
		nl_ctl "$r" -j events | jq -c --arg r "$r" '.[] | . + {at: $r,
			ms: ((.time[0:19] + "Z" | fromdateiso8601) * 1000 +
				(.time[20:23] | tonumber))}'
	done
}
# phases SINCE_MS TO: the steps of the move to TO after SINCE_MS (when
# the uplink moved), in ms after the frame that betrayed the VM was on the
# wire. A VM back on its home LAN is claimed back at once, with no
# host-seen event: its steps count from the uplink's move.
phases() {
	events | jq -rs --argjson t0 "$1" --arg to "$2" --arg ip "$VM_IP" \
		--arg mac "$VM_MAC" '
		map(select(.ms >= $t0 - 20)) as $ev |
		def first_of(f): $ev | map(select(f)) | min_by(.ms);
		def last_of(f): $ev | map(select(f)) | max_by(.ms);
		first_of(.at == $to and .type == "host-seen" and
			.mac == $mac) as $seen |
		(if $seen then $seen.ms else $t0 end) as $ref |
		def after(e): if e then "\(e.ms - $ref) ms" else "-" end;
		(if $seen then "  phases, ms after the frame on the wire:" +
			" detected \(($seen.detect_us | tonumber) / 10 |
			round / 100) ms (\($seen.kind))"
		else "  phases, ms after the uplink moved (back home: no" +
			" question, claimed at once): moved"
		end) +
		" -> claimed \(after(first_of(.at == $to and .ip == $ip and
			(.type == "migration" or (.type == "claim-won" and
			.router == $to)))))" +
		" -> routes everywhere \(after(last_of(
			.type == "host-route" and .ip == $ip)))" +
		" -> ARP sent \(after(first_of(.at == $to and .ip == $ip and
			(.type == "migration-arp" or
			.type == "migration-home"))))"'
}
probes_start() {
	PROBES=()
	for s in A B C; do
		nl_spawn "$NL_DIR/probe-h$s.json" "$p-h$s" \
			"$tools/vrd-udp-probe" send -c "$VM_IP" -p 5002 -i 5
		PROBES+=("$NL_PID")
	done
	sleep 0.5
}
probes_stop() {
	local pid s line
	for pid in "${PROBES[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
	for pid in "${PROBES[@]}"; do wait "$pid" 2>/dev/null || true; done
	line="  outage (the 5 ms probe's longest gap):"
	for s in A B C; do
		line+=$(jq -r --arg s "$s" '"  from h\($s) \(.max_gap_ms |
			round) ms (\(.lost) lost)"' "$NL_DIR/probe-h$s.json")
	done
	echo "$line"
}
# move TO HOW: the VM's uplink leaves its LAN for TO's, then it says so
move() {
	local to=$1 how=$2 t0
	say "the VM moves ${VM_AT#vr} -> ${to#vr}, $how"
	probes_start
	t0=$(date +%s%3N)
	nl_uplink_move "$p-vmsw" "up${VM_AT#vr}" "up${to#vr}"
	VM_AT=$to
	LAST_T0=$t0
	case $how in
	*RARP*)
		ip netns exec "$p-vm" "$tools/vrd-rarp-send" -i eth0 \
			-m "$VM_MAC" >/dev/null
		;;
	*gratuitous*)
		ip netns exec "$p-vm" "$tools/vrd-arp" garp -i eth0 \
			--ip "$VM_IP" --mac "$VM_MAC" --count 2 \
			--interval 50 >/dev/null
		;;
	esac
	nl_wait 30 owned_everywhere "$to" ||
		echo "  (not every router has the VM at $to after 30 s)"
	# the streams catch up; the silent move ends with the VM's own ARP
	sleep 1.5
	if [[ $to == vrA ]]; then
		nl_wait 10 vm_sees_home || true
	fi
	probes_stop
	phases "$t0" "$to"
	owners
	show_caches
}
vm_sees_home() {
	[[ $(ip -n "$p-vm" -j neigh show "${GWIP[vrA]}" |
		jq -r '.[0].lladdr') == "${GWMAC[vrA]}" ]] &&
		[[ $(ip -n "$p-hA" -j neigh show "$VM_IP" |
			jq -r '.[0].lladdr') == "$VM_MAC" ]]
}

move vrB "announced with RARP (as QEMU does)"
move vrC "announced with gratuitous ARP (as Xen does)"
move vrA "silent (the VM only keeps sending to hB)"

say "the tables after the three moves"
show_gndt
echo "  vrA's event log since the last move:"
nl_ctl vrA -j events | jq -r --argjson t0 "$LAST_T0" '.[] |
	select((.time[0:19] + "Z" | fromdateiso8601) * 1000 +
		(.time[20:23] | tonumber) >= $t0 - 20) |
	"    \(.time[11:23]) \(.type) \(del(.time, .type, .id) |
	to_entries | map("\(.key)=\(.value)") | join(" "))"'

say "did every stream survive?"
for pid in "${SEND[@]}"; do kill -USR1 "$pid" 2>/dev/null || true; done
ok=0
for pid in "${SEND[@]}"; do wait "$pid" || ok=1; done
for pid in "${SERVE[@]}"; do wait "$pid" || ok=1; done
for s in A B C vm; do
	f=$NL_DIR/send-h$s.json
	[[ $s == vm ]] && f=$NL_DIR/send-vm.json
	jq -r --arg s "$s" 'select(.bytes != null) |
		"  stream \(if $s == "vm" then "VM -> hB" else "h\($s) -> VM"
		end): \(.bytes) bytes sent, \(if .ok then "all verified"
		else "FAILED: \(.error // "bytes lost")" end), longest ack gap \(
		.max_ack_gap_ms) ms"' "$f" || {
		echo "  stream $s: no result"
		ok=1
	}
done
for r in vrA vrB vrC; do
	kill -0 "${VRD[$r]}" 2>/dev/null || {
		echo "  $r is no longer running"
		ok=1
	}
done
if ((ok == 0)); then
	bold "every stream survived the three moves intact"
else
	bold "a stream did NOT survive"
fi
exit "$ok"
