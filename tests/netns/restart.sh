#!/usr/bin/env bash
# A router killed with -9 and started again brings everything back (issue
# 12), whatever the timing: 1 s and 2 s later (inside its peers'
# suspicion window, about 4 s here: they never declare it dead, they only
# see its incarnation rise), 2 s later after 11 s without traffic (no
# tunnel probed any more, so nothing finds the lost keys), 2 s later with
# traffic flowing towards it all along, and after its peers have declared
# it dead. Each role in turn, on the three-site topology of
# tests/netns/sites.sh with a VM homed on LAN A that lives at B:
#   vrA  the home router of the away VM: it must proxy ARP for it again;
#   vrB  the router hosting the visitor: its host route onto LAN B;
#   vrC  a third router.
# After each restart, within DEADLINE seconds (the time taken is logged):
#   - every tunnel, on both sides, to and from the restarted router, holds
#     a transmit key made since the restart, before any traffic (but in
#     the case with traffic), and once traffic flows its path is direct
#     (vrctl tunnels);
#   - its GNDT is complete: every site's network and the VM at B;
#   - its kernel routes are back: the other sites through its TUN, and on
#     vrB the VM's host route onto LAN B;
#   - vrA answers ARP for the VM again (vrctl proxy, and hA's own cache);
#   - vrB answers the VM's ARP for its old gateway again (the VM's cache);
#   - real pings over every tunnel: hA -> the VM (A-B), hC -> hA (C-A),
#     hC -> hB and the VM -> hC (C-B).
# hA's entry for the VM and the VM's for its gateway are flushed at each
# kill, so both must ask again and only the routers' proxy ARP answers.
#
# (topology: tests/netns/sites.sh)
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/sites.sh"

VM_IP=192.0.2.20
VM_MAC=52:54:00:12:34:56
DEADLINE=${VRD_RESTART_DEADLINE:-10}
ROLES=${VRD_RESTART_ROLES:-vrA vrB vrC}
DELAYS=${VRD_RESTART_DELAYS:-1 2 2+idle 2+traffic dead}
IDLE_S=11 # DP_ACTIVE_MS and a second: the tunnels are no longer probed
[[ -n ${VRD_RESTART_KEEP:-} ]] && NL_KEEP=1
sites_up
vm_add "$VM_IP" "$VM_MAC"
for r in vrA vrB vrC; do start "$r"; done

# keyed FROM TO: FROM's tunnel to TO has a transmit key and a direct path
keyed() {
	nl_ctl "$1" -j tunnels | jq -e --arg p "$2" \
		'.[] | select(.peer == $p and .path == "direct" and
			(.key_age_s | type) == "number")'
}
# key_newer FROM TO AGE: FROM's tunnel to TO holds a transmit key at most
# AGE seconds old
key_newer() {
	nl_ctl "$1" -j tunnels | jq -e --arg p "$2" --argjson a "$3" \
		'.[] | select(.peer == $p and (.key_age_s | type) == "number" and
			.key_age_s <= $a)'
}
# rekeyed R T0: every tunnel to and from R holds a transmit key made since
# T0 (ms; key ages are whole seconds), traffic or not
rekeyed() {
	local age=$((($(now_ms) - $2) / 1000)) p
	for p in vrA vrB vrC; do
		[[ $p == "$1" ]] && continue
		key_newer "$1" "$p" "$age" >/dev/null || return 1
		key_newer "$p" "$1" "$age" >/dev/null || return 1
	done
}
# gndt_complete R: R knows every site's network, and the VM at B
gndt_complete() {
	local j
	j=$(nl_ctl "$1" -j gndt) || return 1
	jq -e --arg vm "$VM_IP/32" '
		(map(select(.prefix == "192.0.2.0/24" and .router == "vrA")) | length) == 1 and
		(map(select(.prefix == "198.51.100.0/24" and .router == "vrB")) | length) == 1 and
		(map(select(.prefix == "203.0.113.0/24" and .router == "vrC")) | length) == 1 and
		(map(select(.prefix == $vm and .router == "vrB")) | length) == 1' <<<"$j"
}
# routes_back R: R's kernel routes of vrd's protocol (0xfd): the other
# sites through its TUN, and at vrB the VM's host route onto LAN B
routes_back() {
	local j r
	j=$(ip -n "${NS[$1]}" -j route show proto 0xfd) || return 1
	for r in vrA vrB vrC; do
		[[ $r == "$1" ]] && continue
		jq -e --arg d "${NET[$r]}" \
			'.[] | select(.dst == $d and (.dev | startswith("vrd")))' \
			<<<"$j" >/dev/null || return 1
	done
	if [[ $1 == vrB ]]; then
		jq -e --arg d "$VM_IP" '.[] | select(.dst == $d and .dev == "lan0")' \
			<<<"$j" >/dev/null || return 1
	fi
}
proxied() {
	nl_ctl vrA -j proxy | jq -e --arg ip "$VM_IP" '.[] | select(.ip == $ip)'
}
traffic() {
	pings "${H[vrA]}" "$VM_IP" && pings "${H[vrC]}" 192.0.2.10 &&
		pings "${H[vrC]}" 198.51.100.10 &&
		pings "${VM_NS[$VM_IP]}" 203.0.113.10
}
# back R: everything above, for the restarted router R
STEP=
back() {
	local p
	STEP=traffic
	traffic || return 1
	for p in vrA vrB vrC; do
		[[ $p == "$1" ]] && continue
		STEP="tunnel $1 -> $p"
		keyed "$1" "$p" >/dev/null || return 1
		STEP="tunnel $p -> $1"
		keyed "$p" "$1" >/dev/null || return 1
	done
	STEP=gndt
	gndt_complete "$1" >/dev/null || return 1
	STEP=routes
	routes_back "$1" || return 1
	STEP="proxy arp"
	proxied >/dev/null || return 1
	STEP="hA's cache"
	[[ $(lladdr "${H[vrA]}" "$VM_IP") == "${GWMAC[vrA]}" ]] || return 1
	STEP="the VM's cache"
	[[ $(lladdr "${VM_NS[$VM_IP]}" 192.0.2.1) == "${GWMAC[vrB]}" ]] || return 1
	STEP=
}
# down_at_peers R: both other routers hold R down
down_at_peers() {
	local p
	for p in vrA vrB vrC; do
		[[ $p == "$1" ]] && continue
		nl_ctl "$p" -j peers | jq -e --arg n "$1" \
			'.[] | select(.name == $n and .state == "down")' \
			>/dev/null || return 1
	done
}
diagnose() {
	local r
	for r in vrA vrB vrC; do
		echo "== $r"
		nl_ctl "$r" tunnels
		nl_ctl "$r" peers
		nl_ctl "$r" gndt
		nl_ctl "$r" stats | grep -E '^dp\.keyx|^dp\.rekeys' || true
		ip -n "${NS[$r]}" route show proto 0xfd
	done
	ip -n "${H[vrA]}" neigh
}
now_ms() { echo $((${EPOCHREALTIME/./} / 1000)); }
# left T0: whole seconds of DEADLINE left since T0 (ms), at least 1
left() {
	local s=$((DEADLINE - ($(now_ms) - $1) / 1000))
	echo $((s > 0 ? s : 1))
}

nl_log "three sites up; the VM moves A -> B"
for r in vrA vrB vrC; do
	nl_wait 20 pings "${H[$r]}" "$VM_IP" || t_fail "h${r#vr} cannot ping the VM"
done
vm_move "$VM_IP" vrB
vm_rarp "$VM_IP"
nl_wait 10 owned "$VM_IP" vrB || t_fail "the VM not at B everywhere"
nl_wait 20 back vrA || t_fail "before any restart: $STEP: $(diagnose)"

SUMMARY=()
n=1
for role in $ROLES; do
	for delay in $DELAYS; do
		n=$((n + 1))
		tpids=()
		if [[ $delay == *+idle ]]; then
			sleep "$IDLE_S"
		fi
		if [[ $delay == *+traffic ]]; then
			# towards the router all along: its peers keep sending
			# with the keys it lost
			for dst in "$VM_IP" 192.0.2.10 198.51.100.10 203.0.113.10; do
				nl_spawn /dev/null "${H[vrC]}" ping -q -i 0.1 -W 1 "$dst"
				tpids+=("$NL_PID")
			done
		fi
		kill -KILL "${PID[$role]}"
		wait "${PID[$role]}" 2>/dev/null || true
		t_kill=$(now_ms)
		# hA and the VM must ask again: only vrA's proxy ARP answers
		# hA for the VM, only vrB's answers the VM for its old gateway
		ip -n "${H[vrA]}" neigh flush "$VM_IP"
		ip -n "${VM_NS[$VM_IP]}" neigh flush 192.0.2.1
		if [[ $delay == dead ]]; then
			nl_wait 40 down_at_peers "$role" ||
				t_fail "$role never declared dead: $(diagnose)"
		else
			sleep "${delay%+*}"
		fi
		start "$role" ".$n"
		t0=$(now_ms)
		tk=-
		if [[ $delay != *+traffic ]]; then
			# no traffic yet: the tunnels are keyed all the same
			nl_wait "$DEADLINE" rekeyed "$role" "$t0" ||
				t_fail "$role restarted ($delay): tunnels not re-keyed without traffic after ${DEADLINE}s: $(diagnose)"
			tk=$(($(now_ms) - t0))
		fi
		# then the LAN's traffic, timed on its own (pings of 1 s)
		nl_wait "$(left "$t0")" traffic || true
		t1=$(now_ms)
		nl_wait "$(left "$t0")" back "$role" ||
			t_fail "$role restarted $((t0 - t_kill)) ms after kill -9 ($delay): not back after ${DEADLINE}s: $STEP: $(diagnose)"
		took=$(($(now_ms) - t0))
		for p in "${tpids[@]}"; do kill "$p" 2>/dev/null || true; done
		for p in "${tpids[@]}"; do wait "$p" 2>/dev/null || true; done
		line="$role restarted after $delay ($((t0 - t_kill)) ms down): keys in $tk ms, traffic in $((t1 - t0)) ms, all back in $took ms"
		nl_log "  $line"
		SUMMARY+=("$line")
	done
done
for r in vrA vrB vrC; do
	nl_log "$r: $(nl_ctl "$r" stats | grep -E '^dp\.(keyx_(sent|stale|acks)|rekeys) ' | tr -s ' ' | paste -sd, -)"
done
nl_log "restart-to-traffic times:"
for line in "${SUMMARY[@]}"; do nl_log "  $line"; done
nl_log "PASS"
