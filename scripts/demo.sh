#!/usr/bin/env bash
# The main job: builds vrd, starts it as the gateway of subnet
# 192.0.2.0/24 in a network namespace, and shows what an operator sees
# with vrctl: the router, its tables, a route lookup, the event log, the
# counters, and the tables of the stopped router read straight from LMDB.
# Everything runs in namespaces made here and is removed at the end.
#
#    ┌──────────── demo-gA ─────────────┐         ┌── demo-hA ──┐
#    │ vrd vrA     lan0 192.0.2.1/24    ├──veth───┤ 192.0.2.10  │
#    │             wan  198.18.0.1/24   │         └─────────────┘
#    └──────────────────────────────────┘
# (issue 6 turns this into the three-site live-migration demo)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh demo

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)" --target vrd vrctl >/dev/null
bin=$PWD/build/bin

p="demo$$"
gA=$p-gA hA=$p-hA
dir=$(mktemp -d /tmp/vrd-demo.XXXXXX)
vrd_pid=""
cleanup() {
	[[ -n $vrd_pid ]] && kill "$vrd_pid" 2>/dev/null && wait "$vrd_pid" 2>/dev/null
	ip netns del "$gA" 2>/dev/null || true
	ip netns del "$hA" 2>/dev/null || true
	rm -rf "$dir"
}
trap cleanup EXIT
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

ip netns add "$gA"
ip netns add "$hA"
ip link add lan0 netns "$gA" type veth peer name lan0 netns "$hA"
ip -n "$gA" link add wan type veth peer name wanp
for ns in "$gA" "$hA"; do ip -n "$ns" link set lo up; done
ip -n "$gA" addr add 192.0.2.1/24 dev lan0
ip -n "$gA" addr add 198.18.0.1/24 dev wan
ip -n "$hA" addr add 192.0.2.10/24 dev lan0
for l in lan0 wan wanp; do ip -n "$gA" link set "$l" up; done
ip -n "$hA" link set lan0 up

say "an overlay CA and a certificate for router vrA (192.0.2.0/24)"
run "$bin/vrctl" ca init "$dir/ca"
run "$bin/vrctl" ca issue "$dir/ca" vrA --network 192.0.2.0/24 --out "$dir/vrA"
cat >"$dir/vrA/vrd.conf" <<CONF
[router]
name = vrA
state_dir = $dir/vrA/state
control = $dir/vrA/vrd.sock

[overlay]
address = 198.18.0.1
peer = 198.18.0.2

[security]
ca = $dir/vrA/ca.pub
cert = $dir/vrA/vrA.crt
key = $dir/vrA/vrA.key

[lan]
interface = lan0
network = 192.0.2.0/24
CONF
say "the config, checked"
cat "$dir/vrA/vrd.conf"
run "$bin/vrd" -n -c "$dir/vrA/vrd.conf"

say "vrd starts in namespace $gA"
ip netns exec "$gA" "$bin/vrd" -c "$dir/vrA/vrd.conf" 2>"$dir/vrd.log" &
vrd_pid=$!
for _ in $(seq 100); do
	ip netns exec "$gA" "$bin/vrctl" -c "$dir/vrA/vrd.conf" status \
		>/dev/null 2>&1 && break
	sleep 0.05
done
ctl() { run ip netns exec "$gA" "$bin/vrctl" -c "$dir/vrA/vrd.conf" "$@"; }
ctl status
say "a host on the LAN, a static ARP entry, a route owned by another router"
ctl hwdt add 192.0.2.10 "$(ip -n "$hA" -j link show lan0 | jq -r '.[0].address')"
ctl gndt add 203.0.113.0/24 vrC
ctl lndt
ctl gndt
ctl hwdt
ctl route 203.0.113.7
ctl route 192.0.2.10
ctl -j gndt
ctl events
ctl stats

say "SIGTERM: vrd stops cleanly; the tables stay"
kill -TERM "$vrd_pid"
wait "$vrd_pid" || true
vrd_pid=""
cat "$dir/vrd.log"
run "$bin/vrctl" -d "$dir/vrA/state" status
run "$bin/vrctl" -d "$dir/vrA/state" events
