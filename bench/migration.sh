#!/usr/bin/env bash
# bench/migration.sh: a benchmark (prints numbers; not a test).
#
# N live migrations in a row, round robin A -> B -> C -> A ..., each
# announced with RARP as QEMU does (vrd-rarp-send's QEMU schedule), one
# every PAUSE seconds, while a host on each of the three sites sends the
# moving VM a UDP probe every I ms (vrd-udp-probe). Then, per migration
# and per phase, from the routers' event logs (all routers run on this
# machine, so their wall clocks agree), in ms after the announcement was
# on the wire (the destination's host-seen event carries that time):
#   detected  host-seen's detect_us (kernel receive time -> classified)
#   asked     -> the destination's query event (the overlay's answer)
#   claimed   -> its migration event (or its own claim-won, if earlier)
#   spread    -> the last router's claim-won / claim-lost for that claim
#   routes    -> the last host-route for the VM's IP on any router
#   ARP sent  -> the destination's migration-arp (going home:
#                migration-home, the home router's announcement)
# and end to end the outage each probe saw around each move: its longest
# gap over 3 * I ms (0: none) that starts after that move and before the
# next (and, for a busy machine's noise, the sum of all such gaps).
# p50, p99 and max of each, the command line, and the load and steal time
# of the machine during the run (/proc/stat). Goal (issue 6): outage
# p99 < 50 ms.
#
# A router freezes a host after its 5th move in 180 s (RFC 7432 duplicate
# detection, gossip/claim.h), so the migrations are spread over several
# VMs, M moves each (default 3: one tour A -> B -> C -> A), each VM homed
# where its turn starts: the sites still follow one another round robin.
# Only the moving VM is probed. A move that no router has claimed
# everywhere after 5 s counts as failed (printed).
#
#              ┌──────────── underlay br0 198.18.0.0/24 ─────────────┐
#               gA vrA .1            gB vrB .2            gC vrC .3
#   swA 192.0.2.0/24 hA .10   swB 198.51.100.0/24 hB .10   swC 203.0.113.0/24 hC .10
#       └───────────────── vmswK: VM K's own switch ───────────────┘
#             one uplink at a time (the migration); VM K is .20+K
#
# Needs root. Builds nothing: VRD_BIN (vrd, vrctl) and VRD_TESTS
# (vrd-udp-probe, vrd-rarp-send), default build-rel/bin and build-rel/tests
# of this tree:
#   cmake -S . -B build-rel -DCMAKE_BUILD_TYPE=Release
#   cmake --build build-rel --target vrd vrctl vrd-udp-probe vrd-rarp-send
#
# Usage: bench/migration.sh [-n MIGRATIONS] [-p PAUSE_S] [-i PROBE_MS]
#                           [-m MOVES_PER_VM] [-V yes|no]
# -V: the routers' [lan] verify_moves (default yes, as vrd's default: the
# old owner probes its LAN for the host before its LAN lets it go).
#
# Namespaces vrdbm<pid>r<random>-*, addresses 198.18.0.0/24 and the three
# RFC 5737 subnets, MACs 52:54:00:*; all are removed and every process
# started is killed (by PID) on exit (scripts/netns-lib.sh).
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=../scripts/netns-lib.sh
source "$here/scripts/netns-lib.sh"
VRD_BIN=${VRD_BIN:-$here/build-rel/bin}
VRD_TESTS=${VRD_TESTS:-$here/build-rel/tests}
MOVES=20
PAUSE=1.5
PROBE_MS=5
PER_VM=3
VERIFY=yes
CMDLINE="$0 $*"

usage() {
	echo "usage: ${0##*/} [-n MIGRATIONS] [-p PAUSE_S] [-i PROBE_MS]" \
		"[-m MOVES_PER_VM] [-V yes|no]" >&2
	exit 2
}
while getopts "n:p:i:m:V:h" opt; do
	case $opt in
	n) MOVES=$OPTARG ;;
	p) PAUSE=$OPTARG ;;
	i) PROBE_MS=$OPTARG ;;
	m) PER_VM=$OPTARG ;;
	V) VERIFY=$OPTARG ;;
	*) usage ;;
	esac
done
[[ $MOVES =~ ^[1-9][0-9]?$ && $PAUSE =~ ^[0-9]+(\.[0-9]+)?$ &&
	$PROBE_MS =~ ^[1-9][0-9]*$ && $PER_VM =~ ^[1-5]$ &&
	$VERIFY =~ ^(yes|no)$ ]] || usage
NVM=$(((MOVES + PER_VM - 1) / PER_VM))
((NVM <= 40)) || usage

nl_init vrdbm
NL_GRACE=3
NL_WAIT_IVL=0.02
NL_KEEP=${VRD_BENCH_KEEP:-}
P=$NL_PREFIX
trap 'nl_cleanup 10 "$NL_DIR"/vr?/vrd.log.err' EXIT
trap 'exit 130' INT TERM

nl_need "vrd, vrctl, vrd-udp-probe and vrd-rarp-send" "$VRD_BIN/vrd" \
	"$VRD_BIN/vrctl" "$VRD_TESTS/vrd-udp-probe" "$VRD_TESTS/vrd-rarp-send"
now_ms() { date +%s%3N; }

SITES=(A B C)
declare -A ADDR NET
ADDR=([A]=198.18.0.1 [B]=198.18.0.2 [C]=198.18.0.3)
NET=([A]=192.0.2 [B]=198.51.100 [C]=203.0.113)

nl_log "three sites, $NVM VMs"
nl_lan wan || nl_die "cannot create network namespaces"
i=1
for s in "${SITES[@]}"; do
	nl_netns "g$s" "h$s" || nl_die "cannot create network namespaces"
	nl_lan "sw$s" || nl_die "cannot create network namespaces"
	nl_plug "$P-wan" "$P-g$s" wan "52:54:00:00:f0:0$i" "${ADDR[$s]}/24"
	nl_plug "$P-sw$s" "$P-g$s" lan0 "52:54:00:00:0$i:01" "${NET[$s]}.1/24"
	nl_plug "$P-sw$s" "$P-h$s" eth0 "52:54:00:00:0$i:10" "${NET[$s]}.10/24"
	ip -n "$P-h$s" route add default via "${NET[$s]}.1"
	i=$((i + 1))
done
# VM k (0-based) makes moves k*PER_VM .. k*PER_VM+PER_VM-1; move m goes
# from site m % 3 to site (m + 1) % 3, so VM k is homed on site
# (k * PER_VM) % 3.
declare -a VM_IP VM_MAC
for ((k = 0; k < NVM; k++)); do
	h=${SITES[$((k * PER_VM % 3))]}
	VM_IP[k]=${NET[$h]}.$((20 + k))
	VM_MAC[k]=$(printf '52:54:00:12:34:%02x' $((0x56 + k)))
	nl_netns "vm$k" || nl_die "cannot create network namespaces"
	nl_lan "vmsw$k" || nl_die "cannot create network namespaces"
	nl_plug "$P-vmsw$k" "$P-vm$k" eth0 "${VM_MAC[k]}" "${VM_IP[k]}/24"
	ip -n "$P-vm$k" route add default via "${NET[$h]}.1"
	for s in "${SITES[@]}"; do
		nl_uplink "$P-vmsw$k" "u$k$s" "$P-sw$s" "v$k$s"
	done
	ip -n "$P-vmsw$k" link set "u$k$h" master br0
done

for s in "${SITES[@]}"; do
	nl_ca "vr$s" "${NET[$s]}.0/24"
	peer=()
	[[ $s == A ]] || peer=("${ADDR[A]}")
	nl_gateway_conf "vr$s" "${ADDR[$s]}" "${NET[$s]}.0/24" lan0 "${peer[@]}" \
		>/dev/null
	# [lan] is the config's last section
	echo "verify_moves = $VERIFY" >>"$NL_DIR/vr$s/vrd.conf"
	nl_spawn -e "$NL_DIR/vr$s/vrd.log.err" "$NL_DIR/vr$s/vrd.log" "$P-g$s" \
		"$VRD_BIN/vrd" -c "$NL_DIR/vr$s/vrd.conf"
done
for s in "${SITES[@]}"; do
	nl_wait 10 nl_ctl "vr$s" status || nl_die "vr$s did not start"
done
pings() { ip netns exec "$P-$1" ping -c 1 -W 1 "$2"; }
for ((k = 0; k < NVM; k++)); do
	for s in "${SITES[@]}"; do
		nl_wait 30 pings "h$s" "${VM_IP[k]}" ||
			nl_die "h$s cannot reach VM $k (${VM_IP[k]})"
	done
	nl_spawn -e "$NL_DIR/echo$k.log.err" "$NL_DIR/echo$k.log" "$P-vm$k" \
		"$VRD_TESTS/vrd-udp-probe" echo -p 5002
done

owner() { # SITE K: the router SITE's GNDT has for VM K's /32
	nl_ctl "vr$1" -j gndt | jq -r --arg p "${VM_IP[$2]}/32" \
		'[.[] | select(.prefix == $p) | .router] | first // "-"'
}
owned_everywhere() { # K ROUTER
	for s in "${SITES[@]}"; do
		[[ $(owner "$s" "$1") == "$2" ]] || return 1
	done
}

# /proc/stat's "cpu" line: user nice system idle iowait irq softirq steal
cpu() { awk '$1 == "cpu" { print $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9,
	$5 + $6, $9 }' /proc/stat; }
read -r tot0 idle0 steal0 < <(cpu)
load0=$(cut -d' ' -f1-3 /proc/loadavg)
nl_log "$MOVES migrations, one every $PAUSE s, probes every $PROBE_MS ms"
: >"$NL_DIR/moves"
: >"$NL_DIR/probes"
: >"$NL_DIR/failed"
for ((m = 0; m < MOVES; m++)); do
	k=$((m / PER_VM))
	from=${SITES[$((m % 3))]} to=${SITES[$(((m + 1) % 3))]}
	if ((m % PER_VM == 0)); then # VM k's turn: probes to it
		PROBES=()
		for s in "${SITES[@]}"; do
			t=$(now_ms)
			nl_spawn -e "$NL_DIR/probe$k$s.json.err" \
				"$NL_DIR/probe$k$s.json" "$P-h$s" \
				"$VRD_TESTS/vrd-udp-probe" send -c "${VM_IP[k]}" \
				-p 5002 -i "$PROBE_MS"
			PROBES+=("$NL_PID")
			echo "$k $s $t" >>"$NL_DIR/probes"
		done
		sleep 0.5
	fi
	t0=$(now_ms)
	nl_uplink_move "$P-vmsw$k" "u$k$from" "u$k$to"
	ip netns exec "$P-vm$k" "$VRD_TESTS/vrd-rarp-send" -i eth0 \
		-m "${VM_MAC[k]}" >/dev/null
	echo "$m $k ${VM_IP[k]} ${VM_MAC[k]} vr$from vr$to $t0" >>"$NL_DIR/moves"
	if ! nl_wait 5 owned_everywhere "$k" "vr$to"; then
		nl_log "move $((m + 1)): not every router has VM $k at vr$to after 5 s"
		echo "$((m + 1))" >>"$NL_DIR/failed"
	fi
	rest=$(awk -v t0="$t0" -v now="$(now_ms)" -v p="$PAUSE" \
		'BEGIN { r = p - (now - t0) / 1000; print (r > 0 ? r : 0) }')
	sleep "$rest"
	if ((m % PER_VM == PER_VM - 1 || m == MOVES - 1)); then
		for pid in "${PROBES[@]}"; do kill -TERM "$pid"; done
		for pid in "${PROBES[@]}"; do wait "$pid" || true; done
	fi
	nl_log "move $((m + 1))/$MOVES: VM $k vr$from -> vr$to"
done
read -r tot1 idle1 steal1 < <(cpu)
load1=$(cut -d' ' -f1-3 /proc/loadavg)
sleep 0.3 # the last events land

# ---- the numbers ---------------------------------------------------------
for s in "${SITES[@]}"; do
	nl_ctl "vr$s" -j events | jq -c --arg r "vr$s" '.[] | . + {at: $r,
		ms: ((.time[0:19] + "Z" | fromdateiso8601) * 1000 +
			(.time[20:23] | tonumber))}'
done >"$NL_DIR/events"
# moves and probe results as JSON for jq
jq -Rn '[inputs | split(" ") | {m: (.[0] | tonumber), k: (.[1] | tonumber),
	ip: .[2], mac: .[3], from: .[4], to: .[5], t0: (.[6] | tonumber)}]' \
	<"$NL_DIR/moves" >"$NL_DIR/moves.json"
while read -r k s t; do
	jq -c --argjson k "$k" --arg s "$s" --argjson t "$t" \
		'{k: $k, site: $s, t: $t, outages: .outages, lost, sent}' \
		"$NL_DIR/probe$k$s.json" ||
		nl_die "probe $k $s: $(cat "$NL_DIR/probe$k$s.json"{,.err})"
done <"$NL_DIR/probes" | jq -s . >"$NL_DIR/probes.json"

jq -rn --slurpfile ev "$NL_DIR/events" --slurpfile mv "$NL_DIR/moves.json" \
	--slurpfile pr "$NL_DIR/probes.json" --slurpfile failed "$NL_DIR/failed" \
	--argjson pi "$PROBE_MS" '
	$ev as $ev | $mv[0] as $mv | $pr[0] as $pr |
	def first_of(f): map(select(f)) | min_by(.ms);
	def last_of(f): map(select(f)) | max_by(.ms);
	def ms(e): if e then e.ms else null end;
	[range(0; $mv | length) as $i | $mv[$i] as $x |
	 (if $i + 1 < ($mv | length) then $mv[$i + 1].t0 else 1e15 end) as $stop |
	 ($ev | map(select(.ms >= $x.t0 - 20 and .ms < $stop - 20))) as $w |
	 ($w | first_of(.at == $x.to and .type == "host-seen" and
		.mac == $x.mac)) as $seen |
	 ($w | first_of(.at == $x.to and .type == "claim-won" and
		.ip == $x.ip and .router == $x.to)) as $own |
	 ($w | first_of(.at == $x.to and .type == "migration" and
		.ip == $x.ip)) as $mig |
	 ([ms($own), ms($mig)] | map(select(.)) | min) as $claimed |
	 (if $seen then $seen.ms else null end) as $wire |
	 def since(t): if t and $wire then t - $wire else null end;
	 {m: $i, to: $x.to,
	  detected: (if $seen then ($seen.detect_us | tonumber) / 1000
		else null end),
	  asked: since(ms($w | first_of(.at == $x.to and .type == "query" and
		.mac == $x.mac))),
	  claimed: since($claimed),
	  spread: (if $own then since(ms($w | last_of((.type == "claim-won" or
		.type == "claim-lost") and .ip == $x.ip and
		.router == $x.to and .seq == $own.seq))) else null end),
	  routes: since(ms($w | last_of(.type == "host-route" and
		.ip == $x.ip))),
	  arp: since(ms($w | first_of(.at == $x.to and .ip == $x.ip and
		(.type == "migration-arp" or .type == "migration-home")))),
	  gaps: [$pr[] | select(.k == $x.k) | . as $p |
		[$p.outages[] | select($p.t + .start_ms >= $x.t0 - 200 and
			$p.t + .start_ms < $stop - 200) | .gap_ms]]
	 } | .outages = [.gaps[] | max // 0] | .summed = [.gaps[] | add // 0] |
	 # a move that failed: the probes never got an echo again, and a gap
	 # that does not end is no outage in their report
	 if $failed | index($i + 1) then .outages = [null, null, null] |
		.summed = [null, null, null] else . end
	 ] as $rows |
	def pct(p): sort as $v | ($v | length) as $n |
		if $n == 0 then null else
		$v[([((p * $n / 100) | ceil), 1] | max) - 1] end;
	def fmt: if . == null then "-" elif . < 10 then
		(. * 100 | round / 100 | tostring) else (round | tostring) end;
	def row(name; vals): vals | map(select(. != null)) as $v |
		"\(name)\t\($v | length)\t\($v | pct(50) | fmt)\t\($v |
		pct(99) | fmt)\t\($v | max | fmt)";
	"phase (ms after the RARP on the wire)\tn\tp50\tp99\tmax",
	row("detected (detect_us)"; [$rows[].detected]),
	row("asked (query event, logged after claim)"; [$rows[].asked]),
	row("claimed (migration / own claim-won)"; [$rows[].claimed]),
	row("spread (last claim-won/lost)"; [$rows[].spread]),
	row("routes installed (last host-route)"; [$rows[].routes]),
	row("ARP sent (migration-arp/-home)"; [$rows[].arp]),
	"end to end, ms",
	row("outage (longest gap), each probe, move"; [$rows[].outages[]]),
	row("outage, the worst probe of each move"; [$rows[].outages | max]),
	row("gaps > 3 I summed, each probe and move"; [$rows[].summed[]]),
	"(outage 0: no gap over 3 x \($pi) ms; I = the probe interval)",
	"",
	"move\tto\tdetected\tasked\tclaimed\tspread\troutes\tARP\toutage hA,hB,hC",
	($rows[] | [.m + 1, .to, (.detected | fmt), (.asked | fmt),
		(.claimed | fmt), (.spread | fmt), (.routes | fmt), (.arp | fmt),
		(if .outages[0] then .outages | map(fmt) | join(",")
		 else "the VM unreachable" end)] | map(tostring) | join("\t"))
	' >"$NL_DIR/table"
p99=$(awk -F'\t' '/^outage \(longest gap\)/ { print $4 }' "$NL_DIR/table")

echo "command: $CMDLINE"
echo "verify_moves: $VERIFY"
echo "vrd: $("$VRD_BIN/vrd" --version) ($VRD_BIN); $(nproc) cpus; kernel $(uname -r)"
echo "migrations: $MOVES (RARP, QEMU schedule), one every $PAUSE s, over $NVM VMs" \
	"($PER_VM moves each); probes every $PROBE_MS ms from hA, hB, hC"
echo
awk -F'\t' '/^$/ { tail = 1; print; next }
	tail { printf "%4s %-4s %8s %6s %7s %6s %6s %6s  %s\n", $1, $2, $3,
		$4, $5, $6, $7, $8, $9; next }
	NF == 1 { print; next }
	{ printf "%-40s %4s %8s %8s %8s\n", $1, $2, $3, $4, $5 }' "$NL_DIR/table"
echo
awk -v t="$((tot1 - tot0))" -v i="$((idle1 - idle0))" -v s="$((steal1 - steal0))" \
	-v hz="$(getconf CLK_TCK)" -v n="$(nproc)" -v l0="$load0" -v l1="$load1" '
	BEGIN { printf "machine during the run: busy %.0f %%, steal %.1f %% (%.2f s" \
		" over %d cpus)\nload average (1, 5, 15 min): %s before, %s after\n",
		t ? 100 * (t - i) / t : 0, t ? 100 * s / t : 0, s / hz, n, l0, l1 }'
lost=$(jq '[.[].lost] | add' "$NL_DIR/probes.json")
sent=$(jq '[.[].sent] | add' "$NL_DIR/probes.json")
echo "probes: $sent sent, $lost lost"
if [[ -s $NL_DIR/failed ]]; then
	echo "FAILED moves (not claimed everywhere in 5 s): $(paste -sd, "$NL_DIR/failed")"
else
	echo "every move claimed on every router"
fi
if [[ $p99 != - && ! -s $NL_DIR/failed ]] &&
	awk -v v="$p99" 'BEGIN { exit !(v < 50) }'; then
	echo "goal: outage p99 < 50 ms: met ($p99 ms)"
else
	echo "goal: outage p99 < 50 ms: NOT met ($p99 ms)"
fi
