#!/usr/bin/env bash
# bench/capture-latency.sh: a benchmark (prints numbers; not a test).
#
# 1. Latency from a RARP on the wire to vrd's "host seen" event: R RARP
#    announcements, each from a distinct MAC (each a new arrival), one
#    every I ms, into a gateway-mode vrd; then the events' detect_us
#    (kernel receive timestamp to classification inside vrd) as p50, p99
#    and max. Goal (issue 3): p99 under 1 ms.
# 2. The gratuitous ARP injection rate: bench-capture -n 0 -i on a veth.
#
#   $vm eth0 ─────┐                ┌───── $gw lan0 192.0.2.1/24 (vrd vrbench)
#                 └── $sw: br0 ────┘
#   $gw:  wan 198.18.0.1/24 <──veth──> wanp  (the overlay address vrd binds)
#   $inj: inj0 <──veth──> inj1      (bench-capture -i inj0)
#
# Needs root. Builds nothing: VRD_BIN (vrd, vrctl, bench-capture) and
# VRD_TESTS (vrd-rarp-send), as the netns tests take them; default
# build-rel/bin and build-rel/tests of this tree.
#
# Usage: bench/capture-latency.sh [-r BURSTS] [-I INTERVAL_MS] [-g GARPS] [-t]
#                                  [-f]
#   -t  vrd's state_dir on tmpfs (/dev/shm): LMDB commits without a disk
#       flush, to tell the cost of fsync from the rest
#   -f  vrd under SCHED_FIFO (chrt -f 10): to tell the cost of waiting for
#       a CPU on a busy machine from the rest
#
# Namespaces vrdbc<pid>r<random>-*, addresses 192.0.2.0/24 and
# 198.18.0.0/15, MACs 52:54:00:*; all are removed and every process
# started is killed (by PID) on exit (scripts/netns-lib.sh).
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=../scripts/netns-lib.sh
source "$here/scripts/netns-lib.sh"
VRD_BIN=${VRD_BIN:-$here/build-rel/bin}
VRD_TESTS=${VRD_TESTS:-$here/build-rel/tests}
BURSTS=200
INTERVAL_MS=30
GARPS=100000
STATE_PARENT=
SCHED=()

usage() {
	echo "usage: ${0##*/} [-r BURSTS] [-I INTERVAL_MS] [-g GARPS] [-t] [-f]" >&2
	exit 2
}
while getopts "r:I:g:tfh" opt; do
	case $opt in
	r) BURSTS=$OPTARG ;;
	I) INTERVAL_MS=$OPTARG ;;
	g) GARPS=$OPTARG ;;
	t) STATE_PARENT=/dev/shm ;;
	f) SCHED=(chrt -f 10) ;;
	*) usage ;;
	esac
done
[[ $BURSTS =~ ^[1-9][0-9]*$ && $INTERVAL_MS =~ ^[0-9]+$ &&
	$GARPS =~ ^[1-9][0-9]*$ ]] || usage

nl_init vrdbc
NL_GRACE=5
STATE=$NL_DIR/state
if [[ -n $STATE_PARENT ]]; then
	STATE=$(mktemp -d "$STATE_PARENT/vrdbench.XXXXXX")
	NL_RM+=("$STATE")
fi
trap 'nl_cleanup 20 "$NL_DIR/vrbench/vrd.log"' EXIT

nl_need "vrd, vrctl, bench-capture and vrd-rarp-send" "$VRD_BIN/vrd" \
	"$VRD_BIN/vrctl" "$VRD_BIN/bench-capture" "$VRD_TESTS/vrd-rarp-send"

sw=$NL_PREFIX-sw gw=$NL_PREFIX-gw vm=$NL_PREFIX-vm inj=$NL_PREFIX-inj
nl_netns gw vm inj || nl_die "cannot create network namespaces"
nl_lan sw || nl_die "cannot create network namespaces"
nl_plug "$sw" "$gw" lan0 52:54:00:bc:00:01 192.0.2.1/24
nl_plug "$sw" "$vm" eth0 52:54:00:bc:00:02
# the overlay address, which vrd binds (nobody else on this underlay)
ip -n "$gw" link add wan type veth peer name wanp
ip -n "$gw" addr add 198.18.0.1/24 dev wan
ip -n "$gw" link set wan up
ip -n "$gw" link set wanp up

# The router: CA and certificate, a gateway config with its state_dir
# where -t says.
d=$NL_DIR/vrbench
nl_ca vrbench 192.0.2.0/24
conf=$(nl_gateway_conf vrbench 198.18.0.1 192.0.2.0/24 lan0)
sed -i "s|^state_dir = .*|state_dir = $STATE|" "$conf"
nl_spawn "$d/vrd.log" "$gw" "${SCHED[@]}" "$VRD_BIN/vrd" -c "$conf"
vrd_pid=$NL_PID
nl_wait 10 nl_ctl vrbench status || nl_die "vrd did not start"
nl_wait 5 grep -q capturing "$d/vrd.log" || nl_die "vrd does not capture"
counter() {
	nl_ctl vrbench -j stats |
		jq -r ".[] | select(.counter == \"$1\") | .value"
}

# ---- 1. RARP to host seen ---------------------------------------------
BASE_MAC=52:54:00:d0:00:00
nl_log "sending $BURSTS RARP announcements, distinct MACs, every $INTERVAL_MS ms"
load0=$(cut -d' ' -f1 /proc/loadavg)
# the hypervisor's share: steal ticks over all CPUs (field 9 of "cpu")
steal() { awk '$1 == "cpu" { print $9 }' /proc/stat; }
steal0=$(steal)
t0=$(date +%s.%N)
ip netns exec "$vm" "$VRD_TESTS/vrd-rarp-send" -i eth0 -m $BASE_MAC \
	-c "$BURSTS" --interval "$INTERVAL_MS" --distinct
send_s=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
load1=$(cut -d' ' -f1 /proc/loadavg)
steal_ms=$((($(steal) - steal0) * 1000 / $(getconf CLK_TCK)))

seen() {
	"$VRD_BIN/vrctl" -d "$STATE" -j events |
		jq '[.[] | select(.type == "host-seen" and
			(.mac | startswith("52:54:00:d0:")))] | length'
}
enough() { (($(seen) >= BURSTS)); }
nl_wait 10 enough || true
sleep 0.5 # anything late or doubled shows up too
events=$(seen)

"$VRD_BIN/vrctl" -d "$STATE" -j events |
	jq -r '.[] | select(.type == "host-seen" and
		(.mac | startswith("52:54:00:d0:"))) | .detect_us | tonumber' |
	sort -n >"$NL_DIR/detect_us"
read -r n p50 p99 pmax mean < <(awk '
	{ v[NR] = $1; sum += $1 }
	function rank(p,  k) { k = int(p * NR / 100); if (k < p * NR / 100) k++;
		if (k < 1) k = 1; return v[k] }
	END { if (NR == 0) { print 0, 0, 0, 0, 0; exit }
		printf "%d %d %d %d %.1f\n", NR, rank(50), rank(99), v[NR], sum / NR }
' "$NL_DIR/detect_us")
kinds=$("$VRD_BIN/vrctl" -d "$STATE" -j events |
	jq -r '[.[] | select(.type == "host-seen" and
		(.mac | startswith("52:54:00:d0:"))) | .kind] |
		group_by(.) | map("\(.[0])=\(length)") | join(",")')
rarp_frames=$(counter capture.rarp)
pcap_dropped=$(counter capture.pcap.dropped)
ratelimited=$(counter capture.evidence.ratelimited)
kill -0 "$vrd_pid" || nl_die "vrd died"

# ---- 2. injection -------------------------------------------------------
nl_log "injection: $GARPS gratuitous ARPs on a veth"
ip -n "$inj" link add inj0 type veth peer name inj1
ip -n "$inj" link set inj0 address 52:54:00:bc:00:03
ip -n "$inj" link set inj1 address 52:54:00:bc:00:04
ip -n "$inj" link set inj0 up
ip -n "$inj" link set inj1 up
ip netns exec "$inj" "$VRD_BIN/bench-capture" -n 0 -i inj0 -g "$GARPS" \
	>"$NL_DIR/inject.out" 2>&1 || nl_die "bench-capture: $(cat "$NL_DIR/inject.out")"
inj_rate=$(awk '/^inject gratuitous arp/ { print $(NF - 1) }' "$NL_DIR/inject.out")
inj_sent=$(awk '/inject.sent/ { print $(NF - 1) }' "$NL_DIR/inject.out")
inj_err=$(awk '/inject.errors/ { print $(NF - 1) }' "$NL_DIR/inject.out")
rx=$(ip netns exec "$inj" cat /sys/class/net/inj1/statistics/rx_packets)

# ---- summary ------------------------------------------------------------
row() { printf '%-44s %18s  %s\n' "$1" "$2" "${3:-}"; }
echo
row "rarp announcements sent (distinct macs)" "$BURSTS" "frames"
row "  interval" "$INTERVAL_MS" "ms"
row "  vrd state_dir on" "$(findmnt -no FSTYPE -T "$STATE")" ""
row "  vrd scheduling" "$(chrt -p "$vrd_pid" | awk -F': ' 'NR == 1 { print $2 }')" ""
row "  send time" "$send_s" "s"
row "  capture.rarp in vrd" "$rarp_frames" "frames"
row "  capture.pcap.dropped" "$pcap_dropped" "frames"
row "  capture.evidence.ratelimited" "$ratelimited" "events"
row "host-seen events for them" "$events" "events ($kinds)"
if ((events == BURSTS)); then
	row "  events == announcements" "yes" ""
else
	row "  events == announcements" "NO" "($events of $BURSTS)"
fi
row "detect_us samples" "$n" ""
row "detect_us p50 (wire to classified)" "$p50" "us"
row "detect_us p99" "$p99" "us"
row "detect_us max" "$pmax" "us"
row "detect_us mean" "$mean" "us"
row "detect_us 5 largest" "$(tail -n 5 "$NL_DIR/detect_us" | paste -sd,)" "us"
row "load average (1 min) before, after" "$load0, $load1" "($(nproc) cpus)"
row "cpu steal during the sends" "$steal_ms" "ms (all cpus)"
if ((n > 0 && p99 < 1000)); then
	row "goal: p99 < 1000 us" "met" ""
else
	row "goal: p99 < 1000 us" "NOT met" ""
fi
row "inject gratuitous arp (bench-capture)" "$inj_rate" "frames/s"
row "  inject.sent" "$inj_sent" "frames"
row "  inject.errors" "$inj_err" "frames"
row "  received by the veth peer" "$rx" "frames (+ the kernel's own)"
