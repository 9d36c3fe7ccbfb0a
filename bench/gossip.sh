#!/usr/bin/env bash
# bench/gossip.sh: a benchmark (prints numbers; not a test).
#
# N routers in host mode (VM-as-router), all in one network namespace made
# here, on its loopback: underlay 127.0.0.1, router i on port 4800 + 2 i
# (TCP gossip and UDP certificate exchange share the number). Router 0
# knows nobody; router i bootstraps from 2 random earlier routers. For each
# N it measures:
#
# - convergence: start of the first vrd until every router lists the N - 1
#   others "up" (polled, so a little late);
# - idle: CPU per router (utime + stime from /proc/PID/stat over 10 s with
#   nothing happening), RSS per router, gossip messages and bytes sent per
#   router per second;
# - claims: `vrctl claim IP MAC` at a random router, one every CLAIM_GAP
#   seconds (default 1; far above the time one takes, so they do not
#   overlap), nothing polled in between. The latency of a claim is taken
#   from the routers' own GNDT timestamps, read at the end: the latest
#   `created` of IP/32 over all routers less its `created` at the claimer
#   (one clock: one machine); p50, p99, max; a claim that some router
#   lacks counts as not everywhere. Messages and bytes per claim: the sum over all routers of the
#   gossip msgs_out / bytes_out counters over the claims, less what the
#   same time costs idle, divided by the number of claims.
#
#   ┌──────────────────── $ns (lo 127.0.0.1) ────────────────────┐
#   │ vrd vr0 :4800   vrd vr1 :4802   ...   vrd vr{N-1} :4800+2(N-1)│
#   └──────────────────────────────────────────────────────────────┘
#
# Each router keeps ZeroMQ connections to its active view only (about
# log2(N)/2 + 3 neighbours, docs/gossip.md "Views") and opens others on
# demand; rumours flood the view graph. If membership does not converge,
# the "not converged" summary says how far it got.
#
# Needs root. Builds nothing: VRD_BIN (vrd, vrctl), default build-rel/bin
# of this tree; use a build without sanitizers.
#
# Usage: bench/gossip.sh [-c CLAIMS] [-i IDLE_S] [-s SEED] [-g STAGE]
#                        [-t DIR] [N ...]
#   N       router counts to run, one after the other (default: 10 50;
#           at most 500)
#   -c      claims per N (default 50)
#   -i      idle window in seconds (default 10)
#   -s      seed of the bootstrap choice and the claimers (default 1)
#   -g      routers started at a time (default 20): a stage starts once
#           the previous one answers on its control sockets, so the
#           routers do not starve each other at start-up
#   -t      where the routers' state directories go (default /dev/shm,
#           tmpfs; see TMPBASE below)
#
# Namespace vrdbg<pid>r<random>-N, addresses 127.0.0.1 and, for the
# routers' /32s, 203.0.113.0/24 then 198.51.100.0/24; claims in
# 192.0.2.0/24; MACs 52:54:00:*. Every vrd started is stopped (by PID)
# and the namespace removed after each N and on exit
# (scripts/netns-lib.sh).
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=../scripts/netns-lib.sh
source "$here/scripts/netns-lib.sh"
VRD_BIN=${VRD_BIN:-$here/build-rel/bin}
CLAIMS=50
IDLE_S=10
SEED=1
STAGE=20
CLAIM_GAP=${CLAIM_GAP:-1}
# State directories (LMDB) on tmpfs: every vrd commits with fdatasync
# (records, claims, and an event per peer-up or peer-down), and N of them
# on one machine would share its one disk where real routers have one
# each: N = 200 spends its start-up waiting for the disk, and loops
# blocked in fdatasync miss probes (-t /tmp to see it)
TMPBASE=/dev/shm
[[ -d $TMPBASE && -w $TMPBASE ]] || TMPBASE=/tmp

usage() {
	echo "usage: ${0##*/} [-c CLAIMS] [-i IDLE_S] [-s SEED] [-g STAGE]" \
		"[-t DIR] [N ...]" >&2
	exit 2
}
while getopts "c:i:s:g:t:h" opt; do
	case $opt in
	t) TMPBASE=$OPTARG ;;
	c) CLAIMS=$OPTARG ;;
	g) STAGE=$OPTARG ;;
	i) IDLE_S=$OPTARG ;;
	s) SEED=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
SIZES=("$@")
((${#SIZES[@]})) || SIZES=(10 50)
[[ $CLAIMS =~ ^[1-9][0-9]*$ && $IDLE_S =~ ^[1-9][0-9]*$ &&
	$SEED =~ ^[0-9]+$ && $STAGE =~ ^[1-9][0-9]*$ ]] || usage
for n in "${SIZES[@]}"; do
	if ! [[ $n =~ ^[1-9][0-9]*$ ]] || ((n < 2 || n > 500)); then
		usage
	fi
done

nl_init vrdbg "$TMPBASE"
NL_GRACE=5
vrd=$VRD_BIN/vrd
vrctl=$VRD_BIN/vrctl
HZ=$(getconf CLK_TCK)

row() { printf '%-46s %14s%s\n' "$1" "$2" "${3:+  $3}"; }
now_ms() { echo $((${EPOCHREALTIME/./} / 1000)); }

trap 'nl_cleanup 20 "$NL_DIR"/vr0/vrd.log "$NL_DIR"/vr1/vrd.log' EXIT
trap "exit 130" INT TERM

nl_need "vrd and vrctl" "$vrd" "$vrctl"

# host_addr I: router I's virtual address
host_addr() {
	if (($1 < 250)); then
		echo "203.0.113.$(($1 + 1))"
	else
		echo "198.51.100.$(($1 - 249))"
	fi
}
port() { echo $((4800 + 2 * $1)); }

# cpu_ticks PID: utime + stime
cpu_ticks() {
	local stat
	stat=$(<"/proc/$1/stat")
	stat=${stat##*) } # fields from 3 on; the name may hold spaces
	local fields
	read -ra fields <<<"$stat"
	echo $((fields[11] + fields[12]))
}
# gossip_totals N: "msgs_out bytes_out spread accepted" summed over all
# routers: messages and bytes sent (a total counter gossip.msgs_out, or
# the sum of gossip.msgs_out.* per message type where there is no total),
# records pushed by rumour mongering (gossip.records.published +
# gossip.records.forwarded: one per RECORDS message to one peer) and
# records accepted as news (gossip.records.accepted), then SWIM's
# suspicions and deaths (gossip.member.suspects, .deaths): churn.
gossip_totals() {
	local i out=$NL_DIR/stats.$1
	# one jq for all: N jq processes would cost the routers' CPU
	for ((i = 0; i < $1; i++)); do
		nl_ctl "vr$i" -j stats
	done >"$out"
	jq -rs '
		def c($k): [.[] | select(.counter == $k) | .value] | add // 0;
		def total($k): [.[] | select(.counter == "gossip.\($k)")] as $t
			| if ($t | length) > 0 then ($t | map(.value) | add)
			  else ([.[] | select(.counter | startswith("gossip.\($k)."))]
				| map(.value) | add // 0) end;
		def one: [total("msgs_out"), total("bytes_out"),
			c("gossip.records.published") + c("gossip.records.forwarded"),
			c("gossip.records.accepted"), c("gossip.member.suspects"),
			c("gossip.member.deaths"), c("gossip.tree.grafted")];
		map(one) | transpose | map(add // 0) | map(tostring) | join(" ")' \
		"$out"
}

# all_up N: every router lists the N - 1 others "up"
all_up() {
	local i up
	for ((i = 0; i < $1; i++)); do
		up=$(nl_ctl "vr$i" -j peers | grep -o '"state": *"up"' | wc -l) || return 1
		((up == $1 - 1)) || return 1
	done
}
# everywhere N IP: every router's GNDT answers IP (read-only from LMDB, so
# the polling does not load the daemons)
everywhere() {
	local i
	for ((i = 0; i < $1; i++)); do
		until "$vrctl" -d "$NL_DIR/vr$i/state" route "$2" >/dev/null 2>&1; do
			(($(now_ms) < deadline_ms)) || return 1
			sleep 0.01
		done
	done
}

# percentiles FILE: "count p50 p99 max mean" of the numbers in FILE
percentiles() {
	sort -n "$1" | awk '
		{ v[NR] = $1; sum += $1 }
		function rank(p,  k) { k = int(p * NR / 100); if (k < p * NR / 100) k++;
			if (k < 1) k = 1; return v[k] }
		END { if (NR == 0) { print 0, 0, 0, 0, 0; exit }
			printf "%d %d %d %d %.1f\n", NR, rank(50), rank(99), v[NR], sum / NR }'
}

run() {
	local n=$1 i a b peers t0 conv_ms
	nl_log "N=$n: certificates and configs"
	RANDOM=$SEED
	rm -rf "$NL_DIR"/vr[0-9]*
	NS=$NL_PREFIX-$n
	nl_netns "$n" || nl_die "cannot create network namespace $NS"
	for ((i = 0; i < n; i++)); do
		nl_ca "vr$i" "$(host_addr "$i")/32"
		peers=()
		if ((i == 1)); then
			peers=("127.0.0.1:$(port 0)")
		elif ((i > 1)); then
			a=$((RANDOM % i))
			b=$((RANDOM % (i - 1)))
			((b < a)) || b=$((b + 1))
			peers=("127.0.0.1:$(port "$a")" "127.0.0.1:$(port "$b")")
		fi
		nl_host_conf "vr$i" "vr$i" "$(host_addr "$i")/32" \
			"address = 127.0.0.1" "port = $(port "$i")" \
			"${peers[@]/#/peer = }" >/dev/null
	done

	nl_log "N=$n: starting the routers, $STAGE at a time"
	t0=$(now_ms)
	local s0 s1
	for ((s0 = 0; s0 < n; s0 += STAGE)); do
		s1=$((s0 + STAGE < n ? s0 + STAGE : n))
		for ((i = s0; i < s1; i++)); do
			nl_vrd "vr$i" "$NS"
		done
		# the next stage bootstraps from these: let them answer first
		for ((i = s0; i < s1; i++)); do
			nl_wait 30 nl_ctl "vr$i" status || nl_die "vr$i did not start"
		done
		nl_log "N=$n: vr$s0..vr$((s1 - 1)) answer," \
			"$(($(now_ms) - t0)) ms; load $(cut -d' ' -f1 /proc/loadavg)"
	done
	local start_ms
	start_ms=$(($(now_ms) - t0))
	# every pass asks every router: once a second, not in a busy loop
	if ! NL_WAIT_IVL=1 nl_wait $((60 + n)) all_up "$n"; then
		# say how far it got rather than nothing
		local ups=$NL_DIR/ups.$n
		for ((i = 0; i < n; i++)); do
			nl_ctl "vr$i" -j peers 2>/dev/null |
				{ grep -o '"state": *"up"' || true; } | wc -l
		done | sort -n >"$ups"
		echo
		row "routers (N)" "$n" "host mode, one namespace, 127.0.0.1"
		row "membership converged" "NO" "not within $((60 + n)) s"
		row "routers listing all N-1 others up" \
			"$(awk -v w=$((n - 1)) '$1 == w' "$ups" | wc -l)" "of $n"
		row "peers up per router, min" "$(head -n 1 "$ups")" ""
		row "peers up per router, median" \
			"$(awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }' "$ups")" ""
		row "peers up per router, max" "$(tail -n 1 "$ups")" ""
		row "load average (1 min)" "$(cut -d' ' -f1 /proc/loadavg)" \
			"($(nproc) cpus)"
		echo
		nl_stop
		return
	fi
	conv_ms=$(($(now_ms) - t0))
	for pid in "${NL_PIDS[@]}"; do
		kill -0 "$pid" 2>/dev/null || nl_die "a vrd died"
	done

	nl_log "N=$n: ${IDLE_S} s idle"
	sleep $((2 + n / 20)) # the joining dust settles
	# The counters are read over the control sockets, which costs the
	# routers CPU and takes a while for large N: outside the CPU window.
	# Router i's counters are read at about the same offset in both
	# passes, so the window of the counters is from the middle of the
	# first pass to the middle of the second.
	local -a c0=() c1=()
	local g0 g1 idle_t0 idle_t1 ga0 ga1 gb0 gb1
	ga0=$(now_ms)
	read -ra g0 < <(gossip_totals "$n")
	ga1=$(now_ms)
	idle_t0=$(now_ms)
	for ((i = 0; i < n; i++)); do c0[i]=$(cpu_ticks "${NL_PIDS[i]}"); done
	sleep "$IDLE_S"
	for ((i = 0; i < n; i++)); do c1[i]=$(cpu_ticks "${NL_PIDS[i]}"); done
	idle_t1=$(now_ms)
	local conns load
	conns=$(ip netns exec "$NS" ss -Htn state established | wc -l)
	conns=$((conns / 2)) # loopback: both ends of each are listed
	load=$(cut -d' ' -f1 /proc/loadavg)
	gb0=$(now_ms)
	read -ra g1 < <(gossip_totals "$n")
	gb1=$(now_ms)
	local idle_s_real cpu_sum=0 cpu_max=0 t rss_sum=0 rss_max=0 r
	for ((i = 0; i < n; i++)); do
		t=$((c1[i] - c0[i]))
		cpu_sum=$((cpu_sum + t))
		((t > cpu_max)) && cpu_max=$t
		r=$(awk '/^VmRSS/ { print $2 }' "/proc/${NL_PIDS[i]}/status")
		rss_sum=$((rss_sum + r))
		((r > rss_max)) && rss_max=$r
	done
	idle_s_real=$((idle_t1 - idle_t0))
	# per router, % of one CPU = ticks / HZ / seconds * 100
	local cpu_mean cpu_maxp idle_msgs idle_bytes
	cpu_mean=$(awk -v t="$cpu_sum" -v n="$n" -v hz="$HZ" -v ms="$idle_s_real" \
		'BEGIN { printf "%.3f", t / n / hz / (ms / 1000) * 100 }')
	cpu_maxp=$(awk -v t="$cpu_max" -v hz="$HZ" -v ms="$idle_s_real" \
		'BEGIN { printf "%.3f", t / hz / (ms / 1000) * 100 }')
	# idle traffic, all routers together, per millisecond
	idle_msgs=$((g1[0] - g0[0]))
	idle_bytes=$((g1[1] - g0[1]))
	local idle_churn="$((g1[4] - g0[4])) suspicions, $((g1[5] - g0[5])) deaths"
	local idle_g_ms
	idle_g_ms=$(((gb0 + gb1) / 2 - (ga0 + ga1) / 2))

	local claims=$CLAIMS
	nl_log "N=$n: $claims claims, one at a time"
	local k ip mac claimer c_t0 c_t1
	declare -gA CLAIMER=()
	read -ra g0 < <(gossip_totals "$n")
	local cc0=0 cc1=0
	for ((i = 0; i < n; i++)); do cc0=$((cc0 + $(cpu_ticks "${NL_PIDS[i]}"))); done
	c_t0=$(now_ms)
	# One claim every CLAIM_GAP seconds, far above the time one takes, so
	# they do not overlap; no polling in between: asking N routers costs
	# N vrctl runs, CPU the routers need (it starved them into false
	# suspicions at N = 150). Whether each claim got everywhere is read
	# from the GNDTs at the end.
	for ((k = 0; k < claims; k++)); do
		ip=192.0.2.$((k + 1))
		mac=$(printf '52:54:00:be:%02x:%02x' $((k / 256)) $((k % 256)))
		claimer=$((RANDOM % n))
		CLAIMER[$ip]=vr$claimer
		t0=$(now_ms)
		nl_ctl "vr$claimer" claim "$ip" "$mac" || nl_die "claim $ip at vr$claimer"
		sleep "$CLAIM_GAP"
	done
	deadline_ms=$(($(now_ms) + 30000))
	everywhere "$n" "$ip" || nl_log "claim $ip at vr$claimer: not everywhere"
	c_t1=$(now_ms)
	for ((i = 0; i < n; i++)); do cc1=$((cc1 + $(cpu_ticks "${NL_PIDS[i]}"))); done
	read -ra g1 < <(gossip_totals "$n")
	local claim_msgs claim_bytes claim_spread claim_accepted span=$((c_t1 - c_t0))
	claim_msgs=$((g1[0] - g0[0]))
	claim_bytes=$((g1[1] - g0[1]))
	claim_spread=$((g1[2] - g0[2]))
	claim_accepted=$((g1[3] - g0[3]))
	local claim_churn="$((g1[4] - g0[4])) suspicions, $((g1[5] - g0[5])) deaths"
	local claim_grafts=$((g1[6] - g0[6]))

	# the routers' own timestamps
	local rows=$NL_DIR/rows.$n lat=$NL_DIR/lat.$n
	: >"$rows"
	for ((i = 0; i < n; i++)); do
		"$vrctl" -d "$NL_DIR/vr$i/state" -j gndt |
			jq -c --arg h "vr$i" '
				def ms: (.[0:19] + "Z" | fromdateiso8601) * 1000
					+ (.[20:23] | tonumber);
				.[] | select(.prefix | startswith("192.0.2."))
				| {p: .prefix, r: .router, h: $h, t: (.created | ms)}' >>"$rows"
	done
	jq -rs '
		group_by(.p)[]
		| (map(select(.h == .r)) | .[0].t) as $c
		| select($c != null)
		| (map(.t) | max) - $c' "$rows" >"$lat"
	# every row of a claim names its claimer
	local wrong
	wrong=$(jq -rs --argjson m "$(for ip in "${!CLAIMER[@]}"; do
		printf '{"p":"%s/32","c":"%s"}\n' "$ip" "${CLAIMER[$ip]}"
	done | jq -s 'map({(.p): .c}) | add // {}')" \
		'[.[] | select($m[.p] != .r)] | length' "$rows")

	local cnt p50 p99 pmax mean reached
	read -r cnt p50 p99 pmax mean < <(percentiles "$lat")
	# claims held by all N routers
	reached=$(jq -rs --argjson n "$n" \
		'group_by(.p) | map(select(length == $n)) | length' "$rows")
	local net_msgs net_bytes
	# what the claims' time span would have cost idle
	net_msgs=$(awk -v c="$claim_msgs" -v i="$idle_msgs" -v s="$span" \
		-v is="$idle_g_ms" -v k="$claims" \
		'BEGIN { printf "%.1f", (c - i * s / is) / k }')
	net_bytes=$(awk -v c="$claim_bytes" -v i="$idle_bytes" -v s="$span" \
		-v is="$idle_g_ms" -v k="$claims" \
		'BEGIN { printf "%.0f", (c - i * s / is) / k }')

	echo
	row "routers (N)" "$n" "host mode, one namespace, 127.0.0.1"
	row "all vrd answering on their sockets" "$start_ms" "ms after the first start"
	row "membership converged (N-1 up everywhere)" "$conv_ms" "ms after the first start (polled)"
	row "idle cpu per router, mean" "$cpu_mean" "% of one cpu (${IDLE_S} s)"
	row "idle cpu per router, max" "$cpu_maxp" "% of one cpu"
	row "rss per router, mean" "$((rss_sum / n))" "kB"
	row "rss per router, max" "$rss_max" "kB"
	row "tcp connections per router" "$((2 * conns / n))" \
		"established ends (ZeroMQ: a DEALER per neighbour, each way)"
	row "load average (1 min) after idle" "$load" "($(nproc) cpus)"
	row "idle gossip per router" "$(awk -v m="$idle_msgs" -v n="$n" -v s="$idle_g_ms" \
		'BEGIN { printf "%.2f", m / n / (s / 1000) }')" "msgs/s"
	row "idle gossip per router" "$(awk -v m="$idle_bytes" -v n="$n" -v s="$idle_g_ms" \
		'BEGIN { printf "%.0f", m / n / (s / 1000) }')" "bytes/s"
	row "membership churn while idle" "$idle_churn" "(all routers)"
	row "claims" "$claims" "$reached everywhere (one every $CLAIM_GAP s)"
	row "claim to everywhere p50 (router clocks)" "$p50" "ms ($cnt samples)"
	row "claim to everywhere p99" "$p99" "ms"
	row "claim to everywhere max" "$pmax" "ms"
	row "claim to everywhere mean" "$mean" "ms"
	row "rows naming the wrong router" "$wrong" ""
	row "msgs per claim (all routers, less idle)" "$net_msgs" "msgs (noisy: idle traffic dominates)"
	row "bytes per claim (all routers, less idle)" "$net_bytes" "bytes (noisy, likewise)"
	row "records pushed per claim (rumour)" \
		"$(awk -v c="$claim_spread" -v k="$claims" 'BEGIN { printf "%.1f", c / k }')" \
		"RECORDS msgs, all routers (N-1 = $((n - 1)))"
	row "records accepted per claim" \
		"$(awk -v c="$claim_accepted" -v k="$claims" 'BEGIN { printf "%.1f", c / k }')" \
		"all routers (want N-1 = $((n - 1)))"
	row "msgs per claim (raw, idle included)" \
		"$(awk -v c="$claim_msgs" -v k="$claims" 'BEGIN { printf "%.1f", c / k }')" "msgs"
	row "claims phase" "$span" "ms"
	# CPU of all routers over the claims phase, less what the same time
	# costs idle: the work one claim makes, which 2 cores share
	row "cpu per claim (all routers, less idle)" "$(awk -v t=$((cc1 - cc0)) \
		-v hz="$HZ" -v k="$claims" -v s="$span" -v ci="$cpu_sum" \
		-v is="$idle_s_real" \
		'BEGIN { printf "%.1f", (t - ci * s / is) / hz * 1000 / k }')" \
		"ms of cpu ($(nproc) cpus)"
	row "membership churn in the claims phase" "$claim_churn" "(all routers)"
	row "rumour tree repairs in the claims phase" "$claim_grafts" \
		"grafts: a record came by anti-entropy first"
	if [[ -n ${LAT_OUT:-} ]]; then
		sort -n "$lat" >"$LAT_OUT.$n"
	fi
	echo
	nl_stop
}

for n in "${SIZES[@]}"; do
	run "$n"
done
