# shellcheck shell=bash
# scripts/netns-lib.sh: the shell side's one helper library, for the
# namespace tests (through tests/netns/lib.sh, which adds the test rules),
# scripts/demo.sh and bench/*.sh: unique names, namespaces, LAN switches,
# veths, processes spawned in namespaces, waiting on conditions, vrctl
# against a router, the CA, certificates and configs, and cleanup.
#
# Contract:
# - Sourcing it only defines functions: no trap, no exit, no shell option,
#   no file, no namespace. The caller chooses `set -euo pipefail` (every
#   function works under it), calls nl_init, and installs the cleanup
#   itself: trap 'nl_cleanup LINES LOG...' EXIT.
# - nl_init makes the run's names: namespaces are $NL_PREFIX-NAME, files
#   go in $NL_DIR. A router NAME keeps its own in $NL_DIR/NAME: key,
#   certificate, ca.pub, vrd.conf, vrd.sock, state/ (nl_ca, nl_*_conf and
#   nl_ctl agree on that).
# - Processes are started with nl_spawn, which records their PIDs; nl_stop
#   (and nl_cleanup) kill them by PID and delete the namespaces by prefix,
#   so nl_netns may run in $(...), a subshell, whose records would be lost.
# - Failures of nl_netns / nl_lan are returned (status 1, ip's message on
#   stderr): the caller decides whether that fails, or skips a test.
# - VRD_BIN (vrd, vrctl) must be set before nl_ca, nl_*_conf, nl_events
#   and nl_ctl.
# - Addresses: only 198.18.0.0/15, 192.0.2.0/24, 198.51.100.0/24,
#   203.0.113.0/24 and 2001:db8::/32, and only inside namespaces made here.
#
# Settings, after nl_init:
#   NL_GRACE     seconds nl_stop gives a process between SIGTERM and
#                SIGKILL (default 0: SIGKILL at once)
#   NL_WAIT_IVL  nl_wait's poll interval in seconds (default 0.05)
#   NL_KEEP      non-empty: nl_cleanup keeps the files and says where
#   NL_RM        what nl_cleanup removes (NL_DIR; add to it)
#   NL_PIDS      read-only: every PID nl_spawn started, in order

# nl_log MSG...: a line on stderr: [script HH:MM:SS] MSG
nl_log() { printf '[%s %(%H:%M:%S)T] %s\n' "${0##*/}" -1 "$*" >&2; }

# nl_die MSG...: nl_log "error: MSG" and exit 1
nl_die() {
	nl_log "error: $*"
	exit 1
}

# nl_need WHAT FILE...: dies unless root, jq is there and every FILE is
# executable ("FILE missing: build WHAT")
nl_need() {
	local what=$1 f
	shift
	((EUID == 0)) || nl_die "needs root (network namespaces)"
	for f in "$@"; do
		[[ -x $f ]] || nl_die "$f missing: build $what"
	done
	command -v jq >/dev/null || nl_die "jq missing"
}

# nl_init STEM [PARENT]: the run's unique names. NL_PREFIX is STEM, this
# shell's PID and a random part (in case a killed run with a reused PID
# left namespaces behind); NL_DIR a new directory PARENT/STEM.XXXXXX
# (PARENT: /tmp). Resets the settings above.
nl_init() {
	NL_PREFIX="$1$$r$RANDOM"
	NL_DIR=$(mktemp -d "${2:-/tmp}/$1.XXXXXX")
	NL_RM=("$NL_DIR")
	NL_PIDS=()
	NL_PID=
	NL_PORTS=0
	NL_GRACE=0
	NL_WAIT_IVL=0.05
	NL_KEEP=
}

# nl_netns NAME...: namespaces $NL_PREFIX-NAME, lo up in each
nl_netns() {
	local name ns
	for name; do
		ns=$NL_PREFIX-$name
		ip netns add "$ns" || return 1
		ip -n "$ns" link set lo up || return 1
	done
}

# nl_bridge NS: bridge br0 in namespace NS, up: a plain switch
nl_bridge() {
	ip -n "$1" link add br0 type bridge || return 1
	ip -n "$1" link set br0 up
}

# nl_lan NAME...: namespaces $NL_PREFIX-NAME holding a switch (br0) each
nl_lan() {
	local name
	for name; do
		nl_netns "$name" || return 1
		nl_bridge "$NL_PREFIX-$name" || return 1
	done
}

# nl_plug SWITCH_NS NS IF MAC [ADDR/LEN]: a veth from namespace NS (named
# IF, with MAC) to the bridge in SWITCH_NS (port p0, p1, ...: the next is
# p$NL_PORTS), up, optionally addressed
nl_plug() {
	local sw=$1 ns=$2 ifname=$3 mac=$4 addr=${5:-}
	local port="p$NL_PORTS"
	NL_PORTS=$((NL_PORTS + 1))
	ip link add "$port" netns "$sw" type veth peer name "$ifname" netns "$ns"
	ip -n "$ns" link set "$ifname" address "$mac"
	ip -n "$sw" link set "$port" master br0
	ip -n "$sw" link set "$port" up
	ip -n "$ns" link set "$ifname" up
	if [[ -n $addr ]]; then
		ip -n "$ns" addr add "$addr" dev "$ifname"
	fi
}

# nl_lan0 NS...: a stub LAN in each NS: veth lan0 (the router's side)
# and its peer lan0p, both up, nothing plugged behind
nl_lan0() {
	local ns
	for ns in "$@"; do
		ip -n "$ns" link add lan0 type veth peer name lan0p
		ip -n "$ns" link set lan0 up
		ip -n "$ns" link set lan0p up
	done
}

# nl_uplink VMSW UPIF SWITCH_NS PORT: a veth from the bridge in SWITCH_NS
# (port PORT) to namespace VMSW (UPIF), both ends up, UPIF in no bridge:
# a VM's switch with one such uplink per LAN, one of them in its br0 at a
# time, moves the VM between LANs without its own link going down
nl_uplink() {
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$3"
	ip -n "$3" link set "$4" master br0
	ip -n "$3" link set "$4" up
	ip -n "$1" link set "$2" up
}

# nl_uplink_move VMSW FROM_IF TO_IF: VMSW's br0 takes uplink TO_IF for
# FROM_IF (the VM "migrates")
nl_uplink_move() {
	ip -n "$1" link set "$2" nomaster
	ip -n "$1" link set "$3" master br0
}

# nl_spawn [-e ERR] LOG NS CMD...: CMD in namespace NS in the background,
# stdout and stderr to LOG (stderr to ERR with -e); its PID in NL_PID and
# NL_PIDS, killed by nl_stop
nl_spawn() {
	local err=
	if [[ $1 == -e ]]; then
		err=$2
		shift 2
	fi
	local log=$1 ns=$2
	shift 2
	if [[ -n $err ]]; then
		ip netns exec "$ns" "$@" >"$log" 2>"$err" &
	else
		ip netns exec "$ns" "$@" >"$log" 2>&1 &
	fi
	NL_PID=$!
	NL_PIDS+=("$NL_PID")
}

# nl_vrd ROUTER NS [SUFFIX]: nl_spawn of vrd in NS with ROUTER's config,
# $NL_DIR/ROUTER/vrd.conf, logging to $NL_DIR/ROUTER/vrdSUFFIX.log
nl_vrd() {
	nl_spawn "$NL_DIR/$1/vrd${3:-}.log" "$2" "$VRD_BIN/vrd" \
		-c "$NL_DIR/$1/vrd.conf"
}

# nl_wait SECONDS CMD...: runs CMD (its output discarded) every
# NL_WAIT_IVL seconds until it succeeds; status 1 once SECONDS (whole
# seconds) have passed
nl_wait() {
	local deadline=$((${EPOCHREALTIME//[^0-9]/} + $1 * 1000000))
	shift
	until "$@" >/dev/null 2>&1; do
		if ((${EPOCHREALTIME//[^0-9]/} >= deadline)); then
			return 1
		fi
		sleep "$NL_WAIT_IVL"
	done
}

# nl_ctl ROUTER ARGS...: vrctl on ROUTER's control socket
nl_ctl() {
	local r=$1
	shift
	"$VRD_BIN/vrctl" -s "$NL_DIR/$r/vrd.sock" "$@"
}

# nl_counter ROUTER NAME: a counter of ROUTER (0 when absent)
nl_counter() {
	nl_ctl "$1" -j stats | jq -r --arg c "$2" \
		'[.[] | select(.counter == $c) | .value] | add // 0'
}

# nl_route ROUTER IP: the router ROUTER forwards IP to ("null": none)
nl_route() { nl_ctl "$1" -j route "$2" | jq -r '.[0].router'; }

# nl_peers_up ROUTER N: true when ROUTER sees at least N peers up
nl_peers_up() {
	(($(nl_ctl "$1" -j peers | jq '[.[] | select(.state == "up")] | length') >= $2))
}

# nl_rogue NAME NS ADDRESS ARGS...: a certified rogue router
# (tests/tools/gossip_rogue.c) with NAME's files from nl_ca, on the
# underlay ADDRESS, bootstrapping from 198.18.0.1; ARGS say what it does.
# Its PID is NL_PID (and in NL_PIDS); its log $NL_DIR/NAME.log
nl_rogue() {
	local name=$1 ns=$2 addr=$3
	shift 3
	nl_spawn "$NL_DIR/$name.log" "$ns" "$VRD_TESTS/vrd-gossip-rogue" \
		--ca "$NL_DIR/$name/ca.pub" --cert "$NL_DIR/$name/$name.crt" \
		--key "$NL_DIR/$name/$name.key" --address "$addr" --port 4800 \
		--peer 198.18.0.1:4800 "$@"
}

# nl_events CONF TYPE [JQ-FILTER]: the events of TYPE in the tables of the
# router of CONF (read-only, running or not) as compact JSON lines
nl_events() {
	"$VRD_BIN/vrctl" -d "$(dirname "$1")/state" -j events |
		jq -c ".[] | select(.type == \"$2\") ${3:+| select($3)}"
}

# nl_ca NAME NETWORK... [--OPTION VALUE...]: the overlay CA in $NL_DIR/ca
# (made once) and a router certificate for NAME, covering each NETWORK, in
# $NL_DIR/NAME; options go to vrctl ca issue as they are (--visitors P)
nl_ca() {
	local name=$1 nets=()
	shift
	if [[ ! -f $NL_DIR/ca/ca.key ]]; then
		"$VRD_BIN/vrctl" ca init "$NL_DIR/ca" >/dev/null
	fi
	while (($#)); do
		case $1 in
		--*) nets+=("$1" "$2"); shift 2 ;; # e.g. --visitors PREFIX
		*) nets+=(--network "$1"); shift ;;
		esac
	done
	"$VRD_BIN/vrctl" ca issue "$NL_DIR/ca" "$name" "${nets[@]}" \
		--out "$NL_DIR/$name" >/dev/null
}

# nl_conf NAME OVERLAY MODE: writes $NL_DIR/NAME/vrd.conf and prints its
# path: [router] and [security] naming NAME's files in $NL_DIR/NAME, the
# lines OVERLAY as [overlay], and MODE, the [lan] or [host] section
nl_conf() {
	local name=$1 d=$NL_DIR/$1
	printf '%s\n' "[router]" "name = $name" "state_dir = $d/state" \
		"control = $d/vrd.sock" "" "[overlay]" "$2" "" "[security]" \
		"ca = $d/ca.pub" "cert = $d/$name.crt" "key = $d/$name.key" "" \
		"$3" >"$d/vrd.conf"
	chmod 644 "$d/vrd.conf" # vrd refuses it writable by group or others
	echo "$d/vrd.conf"
}

# nl_gateway_conf NAME UNDERLAY NETWORK LANIF [PEER...]: nl_conf for a
# gateway-mode router
nl_gateway_conf() {
	local name=$1 overlay="address = $2" lan p
	lan=$(printf '%s\n' "[lan]" "interface = $4" "network = $3")
	shift 4
	for p in "$@"; do overlay+=$'\n'"peer = $p"; done
	nl_conf "$name" "$overlay" "$lan"
}

# nl_host_conf NAME TUN ADDR/LEN [OVERLAY-LINE...]: nl_conf for a
# host-mode router (VM-as-router) with the TUN TUN
nl_host_conf() {
	local name=$1 host overlay
	host=$(printf '%s\n' "[host]" "interface = $2" "address = $3")
	shift 3
	overlay=$(printf '%s\n' "$@")
	nl_conf "$name" "$overlay" "$host"
}

# nl_stop: every process nl_spawn started, by PID (SIGTERM first when
# NL_GRACE > 0, SIGKILL after NL_GRACE seconds), then every namespace
# $NL_PREFIX-*
nl_stop() {
	local pid ns i
	if ((NL_GRACE > 0)); then
		for pid in "${NL_PIDS[@]}"; do
			kill -TERM "$pid" 2>/dev/null || true
		done
	fi
	for pid in "${NL_PIDS[@]}"; do
		for ((i = 0; i < NL_GRACE * 10; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	NL_PIDS=()
	for ns in $(ip netns list | awk '{print $1}'); do
		if [[ $ns == "$NL_PREFIX"-* ]]; then
			ip netns del "$ns" 2>/dev/null || true
		fi
	done
}

# nl_cleanup [LINES LOG...]: the EXIT trap: nl_stop; if the script failed
# (exit status neither 0 nor 77, a skip) the last LINES lines of each LOG
# that exists; removes NL_RM unless NL_KEEP; exits with the script's status
nl_cleanup() {
	local rc=$? lines=${1:-0} f
	shift || true
	nl_stop
	if ((rc != 0 && rc != 77)); then
		for f in "$@"; do
			[[ -f $f ]] || continue
			nl_log "--- $f (last $lines lines)"
			tail -n "$lines" "$f" >&2
		done
	fi
	if [[ -n $NL_KEEP ]]; then
		nl_log "kept $NL_DIR"
	else
		rm -rf "${NL_RM[@]}"
	fi
	exit "$rc"
}
