#!/usr/bin/env bash
# A real duplicate IP on two LANs (issue 11, item 3): vm40 sits at home
# on LAN A, and a second host on LAN B, with its own MAC, is configured
# with the same address and announces it once a second (gratuitous ARP,
# as a host coming up does). Both answer ARP at their places, so each
# claim of vrB's is contested by vrA and each contest proves itself again
# at vrB. It must end frozen, not in a ping-pong:
#   - every router logs claim-duplicate for the address (the alarm, at
#     vrA and vrB both), with owner vrA (the contester, where vm40
#     answers);
#   - every router routes the address to vrA, and keeps doing so while
#     the duplicate goes on announcing: no further claim is won by vrB;
#   - vm40 stays reachable from hC, and LAN A was never taken over.
#
# (topology: tests/netns/sites.sh)
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/sites.sh"

V=192.0.2.40
VMAC=52:54:00:12:34:40
DUPMAC=52:54:00:66:00:40

sites_up
vm_add "$V" "$VMAC"
dup=$(t_netns dup)
nl_plug "${SW[vrB]}" "$dup" eth0 "$DUPMAC" "$V/24"
for r in vrA vrB vrC; do start "$r"; done
nl_wait 20 pings "${H[vrC]}" "$V" || t_fail "hC cannot reach $V at home"
pings "${H[vrA]}" "$V" >/dev/null || t_fail "hA cannot reach $V"

# events ROUTER TYPE: ROUTER's events of TYPE for V, one JSON per line
events() {
	nl_ctl "$1" -j events |
		jq -c --arg t "$2" --arg ip "$V" '.[] | select(.type == $t and .ip == $ip)'
}
nevents() { events "$1" "$2" | wc -l; }
duplicate_everywhere() {
	local r
	for r in vrA vrB vrC; do
		[[ -n $(events "$r" claim-duplicate) ]] || return 1
	done
}

nl_log "the duplicate on LAN B announces $V once a second"
nl_spawn /dev/null "$dup" sh -c \
	"while :; do arping -U -c 1 -I eth0 $V >/dev/null 2>&1; sleep 1; done"
nl_wait 40 duplicate_everywhere ||
	t_fail "no claim-duplicate everywhere: A $(nevents vrA claim-duplicate) B $(nevents vrB claim-duplicate) C $(nevents vrC claim-duplicate); A contested $(nevents vrA claim-contested); $(nl_ctl vrA events | tail -8)"
for r in vrA vrB vrC; do
	ev=$(events "$r" claim-duplicate | tail -1)
	t_expect_eq "$r: frozen at" "$(jq -r .owner <<<"$ev")" vrA
	t_expect_eq "$r: the other router" "$(jq -r .router <<<"$ev")" vrB
done
nl_wait 5 owned "$V" vrA ||
	t_fail "after the freeze: A $(owner vrA "$V") B $(owner vrB "$V") C $(owner vrC "$V")"

nl_log "frozen: 8 s more of announcements change nothing"
won=$(nevents vrB claim-won)
contests=$(nevents vrA claim-contested)
sleep 8
owned "$V" vrA ||
	t_fail "ping-pong: A $(owner vrA "$V") B $(owner vrB "$V") C $(owner vrC "$V")"
t_expect_eq "claims won by vrB while frozen" "$(nevents vrB claim-won)" "$won"
t_expect_eq "contests while frozen" "$(nevents vrA claim-contested)" "$contests"
pings "${H[vrA]}" "$V" >/dev/null || t_fail "hA cannot reach $V after the freeze"
t_expect_eq "hA's cache for $V" "$(lladdr "${H[vrA]}" "$V")" "$VMAC"
if nl_ctl vrA -j proxy | jq -e --arg ip "$V" '.[] | select(.ip == $ip)' >/dev/null; then
	t_fail "vrA took LAN A over for $V"
fi
pings "${H[vrC]}" "$V" >/dev/null || t_fail "hC cannot reach $V after the freeze"
nl_log "  contests $contests, claim-won at vrB $won, duplicates: A $(nevents vrA claim-duplicate) B $(nevents vrB claim-duplicate)"
nl_log "PASS"
