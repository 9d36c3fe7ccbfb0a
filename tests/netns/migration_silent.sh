#!/usr/bin/env bash
# Silent arrivals (issue 11, item 7): a VM that never spoke on its home
# LAN (no router knows its MAC) live-migrates A -> B and is announced only
# by RARP, as QEMU does. "Who has MAC m?" gets no answer, so B keeps the
# arrival pending; a second later the VM sends one ping (its first frame
# that names its address: an ARP request for its gateway, inside the
# fold window of the RARP burst), which resolves it: B claims the VM, and
# hC, on a third site, reaches it. It used to be folded into the RARP
# burst and forgotten.
#
# A second VM moves the same way and then says nothing at all (a server
# waiting for clients). When hC starts talking to it, its traffic reaches
# the home router A, whose ARP for it goes unanswered; A seeks it across
# the overlay, B probes its LAN, the VM's answer names its address, and B
# claims it. Before, it stayed lost until it spoke.
#
# (topology: tests/netns/sites.sh)
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/sites.sh"

V=192.0.2.30
VMAC=52:54:00:12:34:30
V2=192.0.2.31
sites_up
vm_add "$V" "$VMAC"
vm_add "$V2" 52:54:00:12:34:31
for r in vrA vrB vrC; do start "$r"; done
# the overlay is up (hC reaches hA), the VM has said nothing
nl_wait 20 pings "${H[vrC]}" "${NET[vrA]%.0/24}.10" || t_fail "hC cannot reach hA"
knows_mac() { nl_ctl "$1" -j hwdt | jq -e --arg m "$VMAC" '.[] | select(.mac == $m)'; }
for r in vrA vrB vrC; do
	if knows_mac "$r" >/dev/null || nl_ctl "$r" -j hwdt | jq -e --arg ip "$V2" '.[] | select(.ip == $ip)' >/dev/null; then
		t_fail "$r knows the VM's MAC before it spoke"
	fi
done
where() { echo "A $(owner vrA "$V") B $(owner vrB "$V") C $(owner vrC "$V")"; }

nl_log "A -> B, announced only by RARP (QEMU's burst, 800 ms)"
vm_move "$V" vrB
vm_rarp "$V"
sleep 1.2 # the query (1 s) went unanswered; the burst's fold window is open
[[ $(owner vrB "$V") == "" ]] || t_fail "claimed before the VM named its address: $(where)"

nl_log "the VM sends one ping"
ip netns exec "${VM_NS[$V]}" ping -c 1 -W 3 "${NET[vrC]%.0/24}.10" >/dev/null || true
nl_wait 10 owned "$V" vrB || t_fail "not claimed by vrB: $(where); $(nl_ctl vrB stats | grep -E '^(migrate|capture.evidence)' | grep -v ' 0$')"
nl_wait 10 pings "${H[vrC]}" "$V" || t_fail "hC cannot reach the VM at B"
nl_log "  claimed: $(nl_ctl vrB stats | grep -E '^migrate\.pending' | tr '\n' ' ')"

nl_log "A -> B for $V2, RARP only, then silence until hC talks to it"
vm_move "$V2" vrB
vm_rarp "$V2"
sleep 1.2
[[ $(owner vrB "$V2") == "" ]] || t_fail "$V2 claimed before anything named it"
# hC's pings reach A, whose ARP on LAN A fails (about 3 s): A seeks the
# VM, B's probe finds it
nl_wait 30 pings "${H[vrC]}" "$V2" ||
	t_fail "hC never reaches the silent $V2: A $(nl_ctl vrA stats | grep -E '^(migrate\.seek|lan\.arp)' | tr '\n' ' '); B $(nl_ctl vrB stats | grep -E '^migrate\.(sought|pending)' | tr '\n' ' ')"
nl_wait 10 owned "$V2" vrB || t_fail "$V2 not claimed by vrB: A $(owner vrA "$V2") B $(owner vrB "$V2") C $(owner vrC "$V2")"
nl_ctl vrA -j events | jq -e --arg ip "$V2" '.[] | select(.type == "host-sought" and .ip == $ip)' >/dev/null ||
	t_fail "no host-sought event at vrA"
[[ $(nl_counter vrB migrate.sought_probes) -ge 1 ]] || t_fail "vrB never probed for $V2"
nl_log "  found: A $(nl_ctl vrA stats | grep -E '^(migrate\.seek|lan\.arp)' | tr '\n' ' ')"
nl_log "PASS"
