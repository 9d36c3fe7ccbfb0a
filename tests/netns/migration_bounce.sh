#!/usr/bin/env bash
# Quick bounces (issue 11, item 6): a VM that live-migrates A -> B -> A -> B,
# 0.3 s apart, each arrival announced with one RARP (the first frame of
# QEMU's burst; the QEMU that would send the rest is gone by then) while
# the VM keeps talking to hC. It must settle where it is: every router
# routes it to B, and hC reaches it. The second arrival at B used to be
# folded into the "burst" of the first (B never learnt the host had left),
# so nobody claimed it back from A.
#
# (topology: tests/netns/sites.sh)
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/sites.sh"

V1=192.0.2.21 V2=192.0.2.22
sites_up
vm_add "$V1" 52:54:00:12:34:21
vm_add "$V2" 52:54:00:12:34:22
for r in vrA vrB vrC; do start "$r"; done
for v in "$V1" "$V2"; do
	nl_wait 20 pings "${H[vrC]}" "$v" || t_fail "hC cannot ping $v"
	# the VM talks (as a VM in use does): every router has a frame to go by
	nl_spawn /dev/null "${VM_NS[$v]}" ping -i 0.05 "${NET[vrC]%.0/24}.10"
done
sleep 1

bounce() { # bounce VM TO: the VM arrives at TO and announces itself
	vm_move "$1" "$2"
	ip netns exec "${VM_NS[$1]}" "$rarp" -i eth0 -m "${VM_MACS[$1]}" -c 1 >/dev/null
}
where() { echo "A $(owner vrA "$1") B $(owner vrB "$1") C $(owner vrC "$1")"; }
home_claims() { # home_claims VM: migration events to vrA for VM
	nl_ctl vrA -j events | jq --arg ip "$1" \
		'[.[] | select(.type == "migration" and .ip == $ip and .to == "vrA")] | length'
}

# four moves each: the flap freeze (more than five in 180 s) stays out of it
for v in "$V1" "$V2"; do
	gap=0.3
	[[ $v == "$V2" ]] && gap=0.1
	nl_log "$v: A -> B -> A -> B, $gap s apart"
	bounce "$v" vrB
	sleep "$gap"
	bounce "$v" vrA
	sleep "$gap"
	bounce "$v" vrB
	nl_wait 10 owned "$v" vrB || t_fail "$v not settled at B: $(where "$v")"
	nl_wait 5 pings "${H[vrC]}" "$v" || t_fail "hC cannot reach $v at B: $(where "$v")"
	nl_log "  settled at B: $(where "$v")"
	sleep 2
	nl_log "$v: home again (B -> A): claimed once"
	before=$(home_claims "$v")
	bounce "$v" vrA
	nl_wait 10 owned "$v" vrA || t_fail "$v not home: $(where "$v")"
	nl_wait 5 pings "${H[vrC]}" "$v" || t_fail "hC cannot reach $v at home"
	sleep 2 # a second claim (the answer to the RARP's question) would be in
	n=$(($(home_claims "$v") - before))
	((n == 1)) || t_fail "$v: $n migration events for one home-coming"
done
nl_log "PASS"
