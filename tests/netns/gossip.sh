#!/usr/bin/env bash
# Gossip between routers (issue 4) over a real underlay: membership learned
# through gossip (vrB and vrC know only vrA), the GNDT converging on every
# router; kill -9 of a router noticed within seconds and its return caught
# up by anti-entropy (a claim made while it was down); an impostor with a
# certificate from another CA (announcing vrA's network) never admitted,
# its certificate refused by the overlay (vrC, restarted with the
# impostor's address as a second bootstrap peer) and the overlay's by it;
# two routers claiming one IP at once, settled the same way everywhere by
# the EVPN rule; "who has MAC m?" answered across the overlay, and
# "nobody" quickly.
#
#  ┌───────────────────────────── $sw: br0 ───────────────────────────────┐
#  └──────┬──────────────────┬──────────────────┬──────────────────┬───────┘
#         │ 198.18.0.1       │ 198.18.0.2       │ 198.18.0.3       │ 198.18.0.4
#  ┌ $gA ─┴───────┐   ┌ $gB ─┴───────┐   ┌ $gC ─┴───────┐   ┌ $gX ─┴───────┐
#  │ vrd vrA  wan │   │ vrd vrB  wan │   │ vrd vrC  wan │   │ vrd vrX  wan │
#  │ no peers     │   │ peer vrA     │   │ peer vrA     │   │ peer vrA     │
#  │ lan0─lan0p   │   │ lan0─lan0p   │   │ lan0─lan0p   │   │ its own CA   │
#  │ 192.0.2.0/24 │   │198.51.100/24 │   │203.0.113/24  │   │ 192.0.2.0/24 │
#  └──────────────┘   └──────────────┘   └──────────────┘   └──────────────┘
#  (each lan0 is a veth whose peer lan0p stays in the same namespace)
source "$(dirname "$0")/lib.sh"

vrd=$VRD_BIN/vrd
vrctl=$VRD_BIN/vrctl
ROUTERS=(vrA vrB vrC)
declare -A NS ADDR NET PID PORT
ADDR=([vrA]=198.18.0.1 [vrB]=198.18.0.2 [vrC]=198.18.0.3 [vrX]=198.18.0.4)
NET=([vrA]=192.0.2.0/24 [vrB]=198.51.100.0/24 [vrC]=203.0.113.0/24
	[vrX]=192.0.2.0/24)

now_ms() { echo $((${EPOCHREALTIME/./} / 1000)); }
ms_since() { echo $(($(now_ms) - $1)); }

sw=$(t_lan sw)
i=1
for r in vrA vrB vrC vrX; do
	ns=$(t_netns "g${r#vr}")
	NS[$r]=$ns
	PORT[$r]=p$NL_PORTS # the bridge port nl_plug is about to make
	nl_plug "$sw" "$ns" wan "52:54:00:00:f0:0$i" "${ADDR[$r]}/24"
	nl_lan0 "$ns"
	i=$((i + 1))
done

nl_ca vrA "${NET[vrA]}"
nl_ca vrB "${NET[vrB]}"
nl_ca vrC "${NET[vrC]}"
nl_gateway_conf vrA "${ADDR[vrA]}" "${NET[vrA]}" lan0 >/dev/null
nl_gateway_conf vrB "${ADDR[vrB]}" "${NET[vrB]}" lan0 "${ADDR[vrA]}" >/dev/null
nl_gateway_conf vrC "${ADDR[vrC]}" "${NET[vrC]}" lan0 "${ADDR[vrA]}" >/dev/null
# the impostor: its own CA, vrA's network, vrA as bootstrap peer
"$vrctl" ca init "$NL_DIR/caX" >/dev/null
"$vrctl" ca issue "$NL_DIR/caX" vrX --network "${NET[vrX]}" \
	--out "$NL_DIR/vrX" >/dev/null
nl_gateway_conf vrX "${ADDR[vrX]}" "${NET[vrX]}" lan0 "${ADDR[vrA]}" >/dev/null

# start ROUTER [LOGSUFFIX]
start() {
	nl_vrd "$1" "${NS[$1]}" "${2:-}"
	PID[$1]=$NL_PID
}

# peers_up ROUTER NAME...: exactly these routers are "up" in ROUTER's peers
peers_up() {
	local r=$1
	shift
	nl_ctl "$r" -j peers | jq -e --args \
		'[.[] | select(.state == "up") | .name] | sort == ($ARGS.positional | sort)' \
		"$@"
}
# peer_state ROUTER NAME STATE
peer_state() {
	nl_ctl "$1" -j peers | jq -e --arg n "$2" --arg s "$3" \
		'[.[] | select(.name == $n)] | length == 1 and .[0].state == $s'
}
# gndt_nets ROUTER: the GNDT rows for the three networks, as compact JSON
gndt_nets() {
	nl_ctl "$1" -j gndt | jq -c --arg a "${NET[vrA]}" --arg b "${NET[vrB]}" \
		--arg c "${NET[vrC]}" \
		'[.[] | select(.prefix == $a or .prefix == $b or .prefix == $c)
		  | {prefix, router, origin}] | sort_by(.prefix)'
}
# gndt_want ROUTER: what gndt_nets must say on ROUTER
gndt_want() {
	local r rows=()
	for r in "${ROUTERS[@]}"; do
		if [[ $r == "$1" ]]; then
			rows+=("{\"prefix\":\"${NET[$r]}\",\"router\":\"$r\",\"origin\":\"local\"}")
		else
			rows+=("{\"prefix\":\"${NET[$r]}\",\"router\":\"$r\",\"origin\":\"gossip\"}")
		fi
	done
	local IFS=,
	jq -c 'sort_by(.prefix)' <<<"[${rows[*]}]"
}
gndt_full() { [[ $(gndt_nets "$1") == "$(gndt_want "$1")" ]]; }
# owners_ok ROUTER: no row for the three networks names another router,
# and nothing anywhere names vrX
owners_ok() {
	nl_ctl "$1" -j gndt | jq -e --arg a "${NET[vrA]}" --arg b "${NET[vrB]}" \
		--arg c "${NET[vrC]}" \
		'all(.[]; .router != "vrX"
		     and (.prefix != $a or .router == "vrA")
		     and (.prefix != $b or .router == "vrB")
		     and (.prefix != $c or .router == "vrC"))' >/dev/null
}
owners_all_ok() {
	local r
	for r in "$@"; do
		owners_ok "$r" || t_fail "$r: a network with the wrong owner: $(nl_ctl "$r" -j gndt)"
	done
}
# host_route ROUTER IP: the router the GNDT names for IP/32 ("" if none)
host_route() {
	nl_ctl "$1" -j gndt | jq -r --arg p "$2/32" \
		'[.[] | select(.prefix == $p)] | if length == 1 then .[0].router else "" end'
}
host_route_is() { [[ $(host_route "$1" "$2") == "$3" ]]; }
# event ROUTER TYPE FIELD VALUE: an event of TYPE with FIELD == VALUE
event() {
	nl_ctl "$1" -j events | jq -e --arg t "$2" --arg f "$3" --arg v "$4" \
		'any(.[]; .type == $t and .[$f] == $v)'
}
all_converged() {
	local r others
	for r in "${ROUTERS[@]}"; do
		mapfile -t others < <(printf '%s\n' "${ROUTERS[@]}" | grep -vx "$r")
		peers_up "$r" "${others[@]}" >/dev/null || return 1
		gndt_full "$r" || return 1
	done
}
explain() {
	local r
	for r in "$@"; do
		nl_log "$r peers: $(nl_ctl "$r" -j peers | jq -c . 2>&1)"
		nl_log "$r gndt:  $(nl_ctl "$r" -j gndt | jq -c '[.[] | {prefix, router, seq, origin}]' 2>&1)"
	done
}

nl_log "1. converge: vrB and vrC know only vrA"
start vrA
nl_wait 10 nl_ctl vrA status || t_fail "vrA did not start"
t0=$(now_ms)
start vrB
start vrC
nl_wait 10 nl_ctl vrB status || t_fail "vrB did not start"
nl_wait 10 nl_ctl vrC status || t_fail "vrC did not start"
if ! nl_wait 20 all_converged; then
	explain "${ROUTERS[@]}"
	t_fail "the three routers did not converge within 20 s"
fi
nl_log "converged in $(ms_since "$t0") ms (peers up and GNDT complete everywhere)"
for r in "${ROUTERS[@]}"; do
	t_expect_eq "$r gndt" "$(gndt_nets "$r")" "$(gndt_want "$r")"
	# addresses are the underlay's, with the port
	nl_ctl "$r" -j peers | jq -e --arg a "${ADDR[vrA]}" --arg b "${ADDR[vrB]}" \
		--arg c "${ADDR[vrC]}" \
		'all(.[] | select(.state == "up");
		     (.name == "vrA" and .address == "\($a):4800")
		     or (.name == "vrB" and .address == "\($b):4800")
		     or (.name == "vrC" and .address == "\($c):4800"))' >/dev/null ||
		t_fail "$r: peer addresses: $(nl_ctl "$r" -j peers)"
	for o in "${ROUTERS[@]}"; do
		[[ $o == "$r" ]] || event "$r" peer-up name "$o" >/dev/null ||
			t_fail "$r: no peer-up event for $o"
	done
done
owners_all_ok "${ROUTERS[@]}"

nl_log "2. kill -9 vrC: noticed, then caught up after a restart"
kill -KILL "${PID[vrC]}"
wait "${PID[vrC]}" 2>/dev/null || true
t0=$(now_ms)
c_down() { peer_state vrA vrC down && peer_state vrB vrC down; }
if ! nl_wait 15 c_down; then
	explain vrA vrB
	t_fail "vrC not marked down within 15 s"
fi
nl_log "vrC's death noticed by vrA and vrB in $(ms_since "$t0") ms"
nl_wait 2 event vrA peer-down name vrC || t_fail "vrA: no peer-down event for vrC"
nl_wait 2 event vrB peer-down name vrC || t_fail "vrB: no peer-down event for vrC"
# news while vrC is down: a claim at vrB
nl_ctl vrB claim 192.0.2.77 52:54:00:00:77:01 || t_fail "claim at vrB"
nl_wait 5 host_route_is vrA 192.0.2.77 vrB ||
	t_fail "vrA: 192.0.2.77/32 not vrB's: $(nl_ctl vrA -j gndt)"
t_expect_eq "vrB's own claim" "$(host_route vrB 192.0.2.77)" vrB
t_expect_eq "claim origin" "$(nl_ctl vrA -j gndt |
	jq -r '.[] | select(.prefix == "192.0.2.77/32") | .origin')" claim
owners_all_ok vrA vrB
t0=$(now_ms)
# vrC comes back with one more bootstrap peer: vrX's address (nobody there
# yet; see 3.), so that a member of the overlay gets to judge vrX's
# certificate. It still learns vrB only through gossip.
sed -i "s|^peer = .*|&\npeer = ${ADDR[vrX]}|" "$NL_DIR/vrC/vrd.conf"
start vrC .2
nl_wait 10 nl_ctl vrC status || t_fail "vrC did not restart on its state_dir"
if ! nl_wait 20 all_converged; then
	explain "${ROUTERS[@]}"
	t_fail "vrC did not rejoin within 20 s"
fi
nl_log "vrC rejoined (up everywhere, GNDT complete) in $(ms_since "$t0") ms"
nl_wait 10 host_route_is vrC 192.0.2.77 vrB ||
	t_fail "vrC did not catch up with the claim made while it was down: $(nl_ctl vrC -j gndt)"
nl_log "vrC caught up with vrB's claim in $(ms_since "$t0") ms after its restart"
owners_all_ok "${ROUTERS[@]}"

nl_log "3. vrX, certified by another CA, is never admitted"
[[ $("$vrd" -n -c "$NL_DIR/vrX/vrd.conf") == "configuration OK" ]] ||
	t_fail "vrX's config (own CA) should pass vrd -n"
# counter ROUTER NAME: a counter's value (0 when absent)
counter() {
	nl_ctl "$1" -j stats | jq -r --arg c "$2" \
		'[.[] | select(.counter == $c) | .value] | add // 0'
}
# A certificate that does not check out against the CA is counted as
# gossip.drop.bad_cert. (Looser matches mislead: a router that has just
# restarted counts gossip.drop.unverified for a ping that beats a HELLO.)
bad_cert_c0=$(counter vrC gossip.drop.bad_cert)
start vrX
nl_wait 10 nl_ctl vrX status || t_fail "vrX did not start"
bad_cert_grew() { (($(counter "$1" gossip.drop.bad_cert) > $2)); }
# vrX asks vrA for its certificate (bootstrap) and must refuse it; vrC
# asks vrX for its certificate (its bootstrap peer since 2.) and must
# refuse that. vrA itself never gets to see vrX's certificate: vrX does
# not go on to talk to a router whose certificate it refused.
if ! nl_wait 15 bad_cert_grew vrX 0 || ! nl_wait 15 bad_cert_grew vrC "$bad_cert_c0"; then
	for x in vrA vrC vrX; do
		nl_log "$x counters: $(nl_ctl "$x" -j stats | jq -c '[.[] | select(.counter | startswith("gossip")) | select(.value > 0)]')"
	done
	t_fail "a certificate from another CA was not refused on both sides"
fi
# and each side says why (issue 12)
grep -q "certificate of vrA refused: not signed by our CA" "$NL_DIR/vrX/vrd.log" ||
	t_fail "vrX did not say why it refused vrA's certificate"
grep -q "certificate of vrX refused: not signed by our CA" "$NL_DIR/vrC/vrd"*.log ||
	t_fail "vrC did not say why it refused vrX's certificate"
for r in vrA vrC vrX; do
	nl_log "$r refusals: $(nl_ctl "$r" -j stats | jq -c '[.[] | select(.counter | startswith("gossip.drop.")) | select(.value > 0) | {(.counter): .value}] | add')"
done
# Proving a negative: for 5 s, sample everyone. vrX is nobody's peer, and
# 192.0.2.0/24 is vrA's on every router (4. in the brief).
t_end=$((SECONDS + 5))
while ((SECONDS < t_end)); do
	for r in "${ROUTERS[@]}"; do
		nl_ctl "$r" -j peers | jq -e --arg x "${ADDR[vrX]}:4800" \
			'all(.[]; .name != "vrX" and (.address != $x or .state != "up"))' \
			>/dev/null || t_fail "$r lists vrX: $(nl_ctl "$r" -j peers)"
	done
	owners_all_ok "${ROUTERS[@]}"
	sleep 0.2
done
nl_ctl vrX -j peers | jq -e 'all(.[]; .state != "up")' >/dev/null ||
	t_fail "vrX has a peer up: $(nl_ctl vrX -j peers)"
all_converged || t_fail "the overlay lost its shape with vrX around"

nl_log "5. simultaneous claims of 198.51.100.99 at vrA and vrC"
M1=52:54:00:00:99:01
M2=52:54:00:00:99:02
# Cut vrC off the underlay for a moment (its bridge port disabled; no
# carrier change, the frames are just not forwarded) so that neither claim
# can have seen the other: truly simultaneous, equal sequence numbers.
bridge -n "$sw" link set dev "${PORT[vrC]}" state 0
nl_ctl vrA claim 198.51.100.99 $M1 &
ca=$!
nl_ctl vrC claim 198.51.100.99 $M2 &
cc=$!
rca=0 rcc=0
wait $ca || rca=$?
wait $cc || rcc=$?
t_expect_eq "claim at vrA" "$rca" 0
t_expect_eq "claim at vrC" "$rcc" 0
t_expect_eq "vrA's view before healing" "$(host_route vrA 198.51.100.99)" vrA
t_expect_eq "vrC's view before healing" "$(host_route vrC 198.51.100.99)" vrC
t0=$(now_ms)
bridge -n "$sw" link set dev "${PORT[vrC]}" state 3
settled() {
	local r
	for r in "${ROUTERS[@]}"; do
		host_route_is "$r" 198.51.100.99 vrA || return 1
	done
}
if ! nl_wait 15 settled; then
	for r in "${ROUTERS[@]}"; do
		nl_log "$r: $(nl_ctl "$r" -j gndt | jq -c '.[] | select(.prefix == "198.51.100.99/32")')"
	done
	t_fail "the routers do not all give 198.51.100.99 to vrA (equal seq: lower name)"
fi
nl_log "the claim settled on vrA everywhere $(ms_since "$t0") ms after healing"
for r in "${ROUTERS[@]}"; do
	t_expect_eq "$r: seq of 198.51.100.99/32" "$(nl_ctl "$r" -j gndt |
		jq -r '.[] | select(.prefix == "198.51.100.99/32") | .seq')" 1
done
nl_wait 5 event vrC claim-lost ip 198.51.100.99 ||
	t_fail "vrC logged no claim-lost: $(nl_ctl vrC -j events | jq -c '.[] | select(.type | startswith("claim"))')"
nl_ctl vrC -j events | jq -e --arg m "$M1" 'any(.[]; .type == "claim-lost"
	and .ip == "198.51.100.99" and .router == "vrA" and .mac == $m)' \
	>/dev/null || t_fail "vrC's claim-lost does not name the winner, vrA with $M1"
if event vrA claim-lost ip 198.51.100.99 >/dev/null; then
	t_fail "vrA, the winner, logged claim-lost"
fi
if ! nl_wait 10 all_converged; then
	explain "${ROUTERS[@]}"
	t_fail "the overlay did not recover from vrC's moment off the underlay"
fi
owners_all_ok "${ROUTERS[@]}"

nl_log "6. who has MAC m?"
nl_ctl vrA hwdt add 192.0.2.10 52:54:00:00:10:10
t0=$(now_ms)
out=$(nl_ctl vrC -j query 52:54:00:00:10:10) ||
	t_fail "query from vrC failed: $out"
nl_log "query answered in $(ms_since "$t0") ms: $(jq -c . <<<"$out")"
t_expect_eq "query answer" \
	"$(jq -c '[.[] | {router, ip}]' <<<"$out")" '[{"router":"vrA","ip":"192.0.2.10"}]'
grep -q vrA <<<"$(nl_ctl vrC query 52:54:00:00:10:10)" ||
	t_fail "query text output"
t0=$(now_ms)
rc=0
out=$(timeout 5 "$vrctl" -s "$NL_DIR/vrC/vrd.sock" query 52:54:00:00:ee:ee 2>&1) || rc=$?
took=$(ms_since "$t0")
nl_log "an unknown MAC: exit $rc in $took ms: $out"
t_expect_eq "exit status for nobody" "$rc" 1
grep -q nobody <<<"$out" || t_fail "no 'nobody' for an unknown MAC: $out"
((took <= 2000)) || t_fail "'nobody' took $took ms (more than 2 s)"
nl_log "PASS"
