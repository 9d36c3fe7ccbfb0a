#!/usr/bin/env bash
# The main job: builds vrd, starts it as the gateway of subnet
# 192.0.2.0/24 in a network namespace, and shows what an operator sees
# with vrctl: the router, its tables, a route lookup, the event log, the
# counters, and the tables of the stopped router read straight from LMDB.
# Everything runs in namespaces made here and is removed at the end.
#
#    ┌──────────── demo-gA ─────────────┐         ┌── demo-sw ──┐
#    │ vrd vrA     lan0 192.0.2.1/24    ├──veth───┤ br0         │
#    │             wan  198.18.0.1/24   │         └──┬───────┬──┘
#    └──────────────────────────────────┘     demo-hA 192.0.2.10
#                                             demo-vm (arrives by "migration")
# (issue 6 turns this into the three-site live-migration demo)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh demo

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)" --target vrd vrctl vrd-rarp-send >/dev/null
bin=$PWD/build/bin
tools=$PWD/build/tests

p="demo$$"
gA=$p-gA hA=$p-hA sw=$p-sw vm=$p-vm
dir=$(mktemp -d /tmp/vrd-demo.XXXXXX)
vrd_pid=""
cleanup() {
	[[ -n $vrd_pid ]] && kill "$vrd_pid" 2>/dev/null && wait "$vrd_pid" 2>/dev/null
	for ns in "$gA" "$hA" "$sw" "$vm"; do
		ip netns del "$ns" 2>/dev/null || true
	done
	rm -rf "$dir"
}
trap cleanup EXIT
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

for ns in "$gA" "$hA" "$sw" "$vm"; do
	ip netns add "$ns"
	ip -n "$ns" link set lo up
done
ip -n "$sw" link add br0 type bridge
ip -n "$sw" link set br0 up
plug() { # NS IF MAC: a veth from NS to the switch
	ip link add "p-$1" netns "$sw" type veth peer name "$2" netns "$1"
	ip -n "$1" link set "$2" address "$3"
	ip -n "$sw" link set "p-$1" master br0
	ip -n "$sw" link set "p-$1" up
	ip -n "$1" link set "$2" up
}
plug "$gA" lan0 52:54:00:00:0a:01
plug "$hA" lan0 52:54:00:00:0a:10
plug "$vm" eth0 52:54:00:12:34:56
ip -n "$gA" link add wan type veth peer name wanp
ip -n "$gA" addr add 192.0.2.1/24 dev lan0
ip -n "$gA" addr add 198.18.0.1/24 dev wan
ip -n "$hA" addr add 192.0.2.10/24 dev lan0
for l in wan wanp; do ip -n "$gA" link set "$l" up; done

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
say "a host on the LAN talks: vrd learns it from its ARP"
run ip netns exec "$hA" arping -c 1 -I lan0 192.0.2.1
sleep 0.2
ctl hwdt
say "a VM arrives as QEMU announces it after a live migration (RARP burst)"
run ip netns exec "$vm" "$tools/vrd-rarp-send" -i eth0 -m 52:54:00:12:34:56
sleep 0.2
ctl events
say "a static route owned by another router; proxy ARP for an address"
ctl gndt add 203.0.113.0/24 vrC
ctl proxy add 192.0.2.99
run ip netns exec "$hA" arping -c 1 -I lan0 192.0.2.99
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
