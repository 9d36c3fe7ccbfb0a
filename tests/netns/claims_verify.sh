#!/usr/bin/env bash
# A move needs the old place's silence (issue 11): forged moves of a VM
# that never left home are contested by its home router, which probes
# its LAN for the VM (ARP, unicast to the MAC it knew) and, hearing it,
# claims it back. One VM per attack, all homed on LAN A and staying there
# (each on its own switch, tests/netns/sites.sh), so no attack counts
# against another's flap budget:
#   (a) vm21: a RARP carrying vm21's MAC, sent by hC on LAN C (QEMU's
#       announcement, forged);
#   (b) vm22: a gratuitous ARP for vm22's address with hB's own (new) MAC,
#       sent by hB on LAN B (Xen's announcement, forged);
#   (c) vm23: a rogue `vrctl claim` on vrC, a certified router.
# Asserted for each: the forger's router did claim the VM; vrA logs
# claim-contested (ip, mac, router = the claimer, owner = vrA); every
# router routes the VM to vrA again; LAN A was never taken over (hA's
# cache still has the VM's own MAC, vrA proxies nothing); the per-router
# counter names the claimer; the VM answers a ping from another site.
#
# (topology: tests/netns/sites.sh)
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/sites.sh"

declare -A MAC=([192.0.2.21]=52:54:00:12:34:21 [192.0.2.22]=52:54:00:12:34:22
	[192.0.2.23]=52:54:00:12:34:23)
FORGED_MAC=52:54:00:66:00:02 # hB's new MAC, for the forged GARP
ROGUE_MAC=52:54:00:66:00:03 # what the rogue claim says the VM has

sites_up
for ip in 192.0.2.21 192.0.2.22 192.0.2.23; do vm_add "$ip" "${MAC[$ip]}"; done
for r in vrA vrB vrC; do start "$r"; done

nl_log "three sites up; every VM at home and reachable from each site"
for ip in 192.0.2.21 192.0.2.22 192.0.2.23; do
	for r in vrA vrB vrC; do
		nl_wait 20 pings "${H[$r]}" "$ip" ||
			t_fail "h${r#vr} cannot ping $ip"
	done
done

# events ROUTER TYPE IP: ROUTER's events of TYPE for IP, compact JSON
events() {
	nl_ctl "$1" -j events |
		jq -c --arg t "$2" --arg ip "$3" '.[] | select(.type == $t and .ip == $ip)'
}
contested() { [[ -n $(events vrA claim-contested "$1") ]]; }
claimed_by() { [[ -n $(events "$1" claim-won "$2") ]]; }
stat() {
	nl_ctl vrA -j stats | jq -r --arg c "$1" '.[] | select(.counter == $c) | .value'
}

# check IP CLAIMER CASE: the forged move of IP by CLAIMER was contested
check() {
	local ip=$1 by=$2 what=$3 ev
	nl_wait 5 claimed_by "$by" "$ip" || t_fail "$what: $by never claimed $ip"
	nl_wait 5 contested "$ip" ||
		t_fail "$what: vrA did not contest: $(nl_ctl vrA events | tail -5)"
	ev=$(events vrA claim-contested "$ip" | tail -1)
	t_expect_eq "$what: contested mac" "$(jq -r .mac <<<"$ev")" "${MAC[$ip]}"
	t_expect_eq "$what: contested claimer" "$(jq -r .router <<<"$ev")" "$by"
	t_expect_eq "$what: contested owner" "$(jq -r .owner <<<"$ev")" vrA
	nl_wait 3 owned "$ip" vrA ||
		t_fail "$what: GNDT: A $(owner vrA "$ip") B $(owner vrB "$ip") C $(owner vrC "$ip")"
	t_expect_eq "$what: hA's cache for $ip" "$(lladdr "${H[vrA]}" "$ip")" \
		"${MAC[$ip]}"
	if nl_ctl vrA -j proxy | jq -e --arg ip "$ip" '.[] | select(.ip == $ip)' \
		>/dev/null; then
		t_fail "$what: vrA took LAN A over for $ip"
	fi
	for r in vrB vrC; do
		pings "${H[$r]}" "$ip" >/dev/null ||
			t_fail "$what: h${r#vr} cannot ping $ip after the contest"
	done
	pings "${H[vrA]}" "$ip" >/dev/null ||
		t_fail "$what: hA cannot ping $ip after the contest"
}

nl_log "(a) hC forges a RARP with vm21's MAC"
ip netns exec "${H[vrC]}" "$rarp" -i eth0 -m "${MAC[192.0.2.21]}" >/dev/null
check 192.0.2.21 vrC "(a) forged RARP"

nl_log "(b) hB forges a gratuitous ARP for vm22's address with its own MAC"
# a MAC vrB has not seen yet, so that the GARP is an arrival
ip -n "${H[vrB]}" link set eth0 address "$FORGED_MAC"
ip netns exec "${H[vrB]}" "$VRD_TESTS/vrd-arp" garp -i eth0 \
	--ip 192.0.2.22 --mac "$FORGED_MAC" --count 2 --interval 50 >/dev/null
check 192.0.2.22 vrB "(b) forged GARP"

nl_log "(c) vrC claims vm23 (vrctl claim), with a MAC of its choosing"
nl_ctl vrC claim 192.0.2.23 "$ROGUE_MAC" >/dev/null ||
	t_fail "(c) vrctl claim failed"
check 192.0.2.23 vrC "(c) rogue claim"

nl_log "counters: every move away was contested, counted per claimer"
# A forged burst may be claimed more than once (each frame after a
# contest is a new arrival): every claim the claimer made (claim-won in
# its own log) must have been contested by vrA, and counted under it.
lost_by() {
	nl_ctl "$1" -j events |
		jq --arg r "$1" '[.[] | select(.type == "claim-won" and .router == $r)] | length'
}
contested_by() {
	nl_ctl vrA -j events |
		jq --arg r "$1" '[.[] | select(.type == "claim-contested" and .router == $r)] | length'
}
nc=$(lost_by vrC) nb=$(lost_by vrB)
((nc >= 2 && nb >= 1)) || t_fail "claims made by vrC $nc, by vrB $nb"
t_expect_eq "claim-contested events by vrC" "$(contested_by vrC)" "$nc"
t_expect_eq "claim-contested events by vrB" "$(contested_by vrB)" "$nb"
t_expect_eq "migrate.contested" "$(stat migrate.contested)" $((nc + nb))
t_expect_eq "migrate.contested.vrC" "$(stat migrate.contested.vrC)" "$nc"
t_expect_eq "migrate.contested.vrB" "$(stat migrate.contested.vrB)" "$nb"

nl_log "still home, a while later, at every router"
sleep 2
for ip in 192.0.2.21 192.0.2.22 192.0.2.23; do
	owned "$ip" vrA || t_fail "$ip: GNDT: A $(owner vrA "$ip") B $(owner vrB "$ip") C $(owner vrC "$ip")"
	pings "${H[vrC]}" "$ip" >/dev/null || t_fail "hC cannot ping $ip"
done
nl_log "ok"
