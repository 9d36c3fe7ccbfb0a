# shellcheck shell=bash
# The namespace tests' own rules, on top of scripts/netns-lib.sh (which
# has the names, namespaces, switches, spawning, waiting, ctl, CA and
# configs, and cleanup):
# - only namespace creation itself may turn a test into a skip (77), and
#   not in CI (VRD_NETNS_REQUIRED=1): t_netns and t_lan;
# - t_fail and t_expect_eq;
# - the EXIT trap: processes and namespaces removed, and on a failure the
#   last 30 lines of every log in $NL_DIR.
# Source it first: it sets -euo pipefail.

set -euo pipefail
# shellcheck source=../../scripts/netns-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/netns-lib.sh"

# vrd refuses a config others can write: the files the tests write
# themselves (sed ... >FILE) must not depend on the caller's umask
umask 022

VRD_BIN=${VRD_BIN:?VRD_BIN must point at build/bin}
VRD_TESTS=${VRD_TESTS:?VRD_TESTS must point at build/tests}
nl_init vrt
trap 'nl_cleanup 30 "$NL_DIR"/*.log "$NL_DIR"/*/*.log' EXIT

t_fail() {
	nl_log "FAIL: $*"
	exit 1
}

# t_netns NAME: nl_netns NAME; prints the namespace, ${NL_PREFIX}-NAME.
t_netns() {
	local ns="$NL_PREFIX-$1"
	local why
	if ! why=$(nl_netns "$1" 2>&1); then
		if [[ ${VRD_NETNS_REQUIRED:-0} == 1 ]]; then
			t_fail "cannot create network namespace $ns: $why"
		fi
		nl_log "SKIP: cannot create network namespaces"
		exit 77
	fi
	echo "$ns"
}

# t_lan SWITCH: a namespace holding bridge br0, a plain switch; prints it.
t_lan() {
	local ns
	ns=$(t_netns "$1") || exit # $(...) clears -e: pass a skip on
	nl_bridge "$ns"
	echo "$ns"
}

# t_expect_eq WHAT GOT WANT
t_expect_eq() {
	if [[ "$2" != "$3" ]]; then
		t_fail "$1: got '$2', want '$3'"
	fi
}

# t_solo_gateway: one gateway router alone, for tests of the daemon and
# its tables: namespace gA (in gA) with a veth LAN (lan0) and an underlay
# link at 198.18.0.1/24, router vrA's CA and config (in conf)
t_solo_gateway() {
	local l
	gA=$(t_netns gA) || exit # $(...) clears -e: pass a skip on
	ip -n "$gA" link add lan0 type veth peer name lan0p
	ip -n "$gA" link add wan type veth peer name wanp
	ip -n "$gA" addr add 198.18.0.1/24 dev wan # vrd binds its overlay address
	for l in lan0 lan0p wan wanp; do ip -n "$gA" link set "$l" up; done
	nl_ca vrA 192.0.2.0/24
	conf=$(nl_gateway_conf vrA 198.18.0.1 192.0.2.0/24 lan0)
}

# t_two_gateways: namespaces gA and gB (in gA, gB) on one underlay
# switch (sw), at 198.18.0.1 and 198.18.0.2, each with a veth LAN lan0
t_two_gateways() {
	sw=$(t_lan sw)
	gA=$(t_netns gA) || exit
	gB=$(t_netns gB) || exit
	nl_plug "$sw" "$gA" wan 52:54:00:00:f0:01 198.18.0.1/24
	nl_plug "$sw" "$gB" wan 52:54:00:00:f0:02 198.18.0.2/24
	nl_lan0 "$gA"
	nl_lan0 "$gB"
}

# t_refused WANT CMD...: CMD exits 1 (an error the daemon reported) and
# its output says WANT
t_refused() {
	local want=$1 out rc=0
	shift
	out=$("$@" 2>&1) || rc=$?
	((rc == 1)) || t_fail "$*: exit $rc, want 1 ($out)"
	grep -qF -- "$want" <<<"$out" || t_fail "$*: '$out' does not say '$want'"
}
