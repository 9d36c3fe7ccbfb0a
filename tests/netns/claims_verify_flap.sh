#!/usr/bin/env bash
# Five forged moves in a row do not freeze a VM at the attacker (issue
# 11): hC, on LAN C, forges QEMU's RARP for a VM that never leaves LAN A,
# five times, each after its forebear was contested. Every move is
# contested by vrA (tests/netns/claims_verify.sh); the claims back by the
# previous owner must not count toward the flap freeze (more than 5 moves
# in 180 s, gossip/claim.h), or the fifth forgery would leave the VM
# frozen at vrC. Asserted after each forgery: vrC claimed the VM and vrA
# contested it, or vrC refused the claim itself (its freeze, or, once its
# claim was contested, the forger's silence to its ARP probe:
# migrate.arrive.unproven); either way the VM is routed to vrA at every
# router. Since a contested claim's return needs proof, only the first
# forgery is claimed at all. At the end the VM is reachable from every
# site.
#
# (topology: tests/netns/sites.sh)
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/sites.sh"

VM_IP=192.0.2.24
VM_MAC=52:54:00:12:34:24
sites_up
vm_add "$VM_IP" "$VM_MAC"
for r in vrA vrB vrC; do start "$r"; done
for r in vrA vrB vrC; do
	nl_wait 20 pings "${H[$r]}" "$VM_IP" || t_fail "h${r#vr} cannot ping the VM"
done

# the VM came home once (vrA claims it, as after a return): from here on
# every claim won by another router is a move, the forgeries the odd ones
# and the claims back the even ones, so a freeze at the 6th move would
# keep the VM at the attacker
nl_ctl vrA claim "$VM_IP" "$VM_MAC" >/dev/null || t_fail "vrA cannot claim the VM"
nl_wait 5 owned "$VM_IP" vrA || t_fail "the VM's claim at home did not spread"

count() { # ROUTER TYPE: ROUTER's events of TYPE for the VM
	nl_ctl "$1" -j events |
		jq --arg t "$2" --arg ip "$VM_IP" \
			'[.[] | select(.type == $t and .ip == $ip)] | length'
}
counter() { nl_counter "$@"; }
# vrC's attempts: claims made, claims its freeze refused, and arrivals it
# refused to claim for want of an answer on its LAN
attempts() {
	echo $(($(count vrC migration) + $(count vrC claim-frozen) +
		$(counter vrC migrate.arrive.unproven)))
}
at_least() { (($(count "$1" "$2") >= $3)); }
attempted() { (($(attempts) >= $1)); }

for i in 1 2 3 4 5; do
	nl_log "forged move $i: hC sends a RARP with the VM's MAC"
	ip netns exec "${H[vrC]}" "$rarp" -i eth0 -m "$VM_MAC" >/dev/null
	nl_wait 5 attempted "$i" || t_fail "move $i: vrC did not try to claim the VM"
	# a claim made is contested; a claim refused (frozen) left it home
	nl_wait 5 at_least vrA claim-contested "$(count vrC migration)" ||
		t_fail "move $i: vrA did not contest ($(count vrA claim-contested) contests of $(count vrC migration) claims; frozen at vrA: $(count vrA claim-frozen))"
	nl_wait 3 owned "$VM_IP" vrA ||
		t_fail "move $i: GNDT: A $(owner vrA "$VM_IP") B $(owner vrB "$VM_IP") C $(owner vrC "$VM_IP")"
	sleep 2.2 # past the LAN evidence's fold time for the MAC (2 s)
done
nl_log "vrC claimed $(count vrC migration) times (refused frozen: $(count vrC claim-frozen), unproven: $(counter vrC migrate.arrive.unproven)), vrA contested $(count vrA claim-contested)"
t_expect_eq "vrC claimed only the first forgery" "$(count vrC migration)" 1
# one for each later forgery, and one for the rest of the first burst
# (its frames after the contest are a new arrival)
(($(counter vrC migrate.arrive.unproven) >= 4)) ||
	t_fail "vrC refused $(counter vrC migrate.arrive.unproven) forgeries unproven, want at least 4"

nl_log "home at every router, and reachable"
for r in vrA vrB vrC; do
	[[ $(owner "$r" "$VM_IP") == vrA ]] ||
		t_fail "$r routes the VM to '$(owner "$r" "$VM_IP")'"
	pings "${H[$r]}" "$VM_IP" >/dev/null || t_fail "h${r#vr} cannot ping the VM"
done
nl_log "ok"
