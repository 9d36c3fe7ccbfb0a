# shellcheck shell=bash
# Shared by the namespace tests: unique names, cleanup by name and PID,
# waiting on conditions, and the rule that only namespace creation itself
# may turn a test into a skip (77) -- and not in CI (VRD_NETNS_REQUIRED).
#
# Addresses: only 198.18.0.0/15 (underlay) and 192.0.2.0/24,
# 198.51.100.0/24, 203.0.113.0/24 (subnets), inside namespaces made here.

set -euo pipefail

VRD_BIN=${VRD_BIN:?VRD_BIN must point at build/bin}
VRD_TESTS=${VRD_TESTS:?VRD_TESTS must point at build/tests}
# unique per run: the PID, and a random part in case a killed run with a
# reused PID left namespaces behind
T_PREFIX="vrt$$r$RANDOM"
T_DIR=$(mktemp -d "/tmp/vrdtest.XXXXXX")
T_PIDS=()

t_log() { printf '[%s %(%H:%M:%S)T] %s\n' "${0##*/}" -1 "$*" >&2; }

t_fail() {
	t_log "FAIL: $*"
	exit 1
}

t_cleanup() {
	local rc=$?
	for pid in "${T_PIDS[@]}"; do
		kill -KILL "$pid" 2>/dev/null || true
	done
	for pid in "${T_PIDS[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	# by prefix, not by a list: t_netns runs in $(...), a subshell, so
	# nothing it recorded would reach this trap
	local ns
	for ns in $(ip netns list | awk '{print $1}'); do
		if [[ $ns == "$T_PREFIX"-* ]]; then
			ip netns del "$ns" 2>/dev/null || true
		fi
	done
	if ((rc != 0 && rc != 77)); then
		for log in "$T_DIR"/*.log "$T_DIR"/*/*.log; do
			[[ -f $log ]] || continue
			t_log "--- $log (last 30 lines)"
			tail -n 30 "$log" >&2
		done
	fi
	rm -rf "$T_DIR"
	exit "$rc"
}
trap t_cleanup EXIT

# t_netns NAME: creates namespace ${T_PREFIX}-NAME with lo up; prints it.
t_netns() {
	local ns="$T_PREFIX-$1"
	local why
	if ! why=$(ip netns add "$ns" 2>&1); then
		if [[ ${VRD_NETNS_REQUIRED:-0} == 1 ]]; then
			t_fail "cannot create network namespace $ns: $why"
		fi
		t_log "SKIP: cannot create network namespaces"
		exit 77
	fi
	ip -n "$ns" link set lo up
	echo "$ns"
}

# t_spawn LOG NS CMD...: runs CMD in namespace NS in the background,
# output to LOG; its PID in T_LAST_PID and killed at cleanup.
t_spawn() {
	local log=$1 ns=$2
	shift 2
	ip netns exec "$ns" "$@" >"$log" 2>&1 &
	T_LAST_PID=$!
	T_PIDS+=("$T_LAST_PID")
}

# t_wait SECONDS CMD...: retries CMD every 0.05 s until it succeeds.
t_wait() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		if ((SECONDS >= deadline)); then
			return 1
		fi
		sleep 0.05
	done
}

# t_expect_eq WHAT GOT WANT
t_expect_eq() {
	if [[ "$2" != "$3" ]]; then
		t_fail "$1: got '$2', want '$3'"
	fi
}

# t_ca NAME NETWORK...: a CA in $T_DIR/ca (made once) and a router
# certificate for NAME in $T_DIR/NAME.
t_ca() {
	local name=$1
	shift
	if [[ ! -f $T_DIR/ca/ca.key ]]; then
		"$VRD_BIN/vrctl" ca init "$T_DIR/ca" >/dev/null
	fi
	local nets=()
	for n in "$@"; do nets+=(--network "$n"); done
	"$VRD_BIN/vrctl" ca issue "$T_DIR/ca" "$name" "${nets[@]}" \
		--out "$T_DIR/$name" >/dev/null
}

# t_gateway_conf NAME UNDERLAY NETWORK LANIF [PEER...]: writes
# $T_DIR/NAME/vrd.conf for a gateway-mode router and prints its path.
t_gateway_conf() {
	local name=$1 addr=$2 net=$3 lanif=$4
	shift 4
	local d=$T_DIR/$name
	{
		echo "[router]"
		echo "name = $name"
		echo "state_dir = $d/state"
		echo "control = $d/vrd.sock"
		echo
		echo "[overlay]"
		echo "address = $addr"
		for p in "$@"; do echo "peer = $p"; done
		echo
		echo "[security]"
		echo "ca = $d/ca.pub"
		echo "cert = $d/$name.crt"
		echo "key = $d/$name.key"
		echo
		echo "[lan]"
		echo "interface = $lanif"
		echo "network = $net"
	} >"$d/vrd.conf"
	echo "$d/vrd.conf"
}

# t_lan SWITCH_NS: a namespace holding bridge br0, a plain switch.
t_lan() {
	local ns
	ns=$(t_netns "$1")
	ip -n "$ns" link add br0 type bridge
	ip -n "$ns" link set br0 up
	echo "$ns"
}

# t_plug SWITCH_NS NS IF MAC [ADDR/LEN]: a veth from NS (named IF, with
# MAC) to the bridge in SWITCH_NS, up, optionally addressed.
t_plug() {
	local sw=$1 ns=$2 ifname=$3 mac=$4 addr=${5:-}
	local port="p${#T_PORTS[@]}"
	T_PORTS+=("$port")
	ip link add "$port" netns "$sw" type veth peer name "$ifname" netns "$ns"
	ip -n "$ns" link set "$ifname" address "$mac"
	ip -n "$sw" link set "$port" master br0
	ip -n "$sw" link set "$port" up
	ip -n "$ns" link set "$ifname" up
	if [[ -n $addr ]]; then
		ip -n "$ns" addr add "$addr" dev "$ifname"
	fi
}
T_PORTS=()

# t_events CONF TYPE [JQ-FILTER]: the events of TYPE as compact JSON lines.
t_events() {
	"$VRD_BIN/vrctl" -d "$(dirname "$1")/state" -j events |
		jq -c ".[] | select(.type == \"$2\") ${3:+| select($3)}"
}
