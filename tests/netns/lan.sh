#!/usr/bin/env bash
# The LAN side of a gateway (issue 3) against the real kernel: the HWDT
# learned from real ARP, aged out; "host seen" evidence of every kind
# (QEMU RARP burst folded into one event, Xen-style gratuitous ARP, a
# silent VM's first ARP and first IPv4 frame); an IP claimed by a second
# MAC; proxy ARP answered and correctly not answered; table, proxy and
# announce commands refused for no host's addresses (issue 12); a gratuitous ARP
# from vrd rewriting a neighbour entry in another namespace's kernel; and a
# RARP flood that must not starve the control socket or grow memory.
#
#   $h1 192.0.2.10 ─┐                   ┌─ $gA lan0 192.0.2.1  (vrd vrA)
#   $h2 192.0.2.20 ─┤   $sw: br0        │
#   $vm (migrant)  ─┼───────────────────┘
#   $vm2 (silent)  ─┘
source "$(dirname "$0")/lib.sh"

sw=$(t_lan sw)
gA=$(t_netns gA)
h1=$(t_netns h1)
h2=$(t_netns h2)
vm=$(t_netns vm)
vm2=$(t_netns vm2)
GA_MAC=52:54:00:00:0a:01 H1_MAC=52:54:00:00:0a:10 H2_MAC=52:54:00:00:0a:20
VM_MAC=52:54:00:00:0b:01 VM2_MAC=52:54:00:00:0b:02
nl_plug "$sw" "$gA" lan0 $GA_MAC 192.0.2.1/24
nl_plug "$sw" "$h1" eth0 $H1_MAC 192.0.2.10/24
nl_plug "$sw" "$h2" eth0 $H2_MAC 192.0.2.20/24
nl_plug "$sw" "$vm" eth0 $VM_MAC
nl_plug "$sw" "$vm2" eth0 $VM2_MAC 203.0.113.9/24
ip -n "$gA" link add wan type veth peer name wanp
ip -n "$gA" addr add 198.18.0.1/24 dev wan # vrd binds its overlay address
ip -n "$gA" link set wan up
ip -n "$gA" link set wanp up

nl_ca vrA 192.0.2.0/24
conf=$(nl_gateway_conf vrA 198.18.0.1 192.0.2.0/24 lan0)
sed -i 's|^network = .*|&\nhwdt_age = 10|' "$conf"
d=$NL_DIR/vrA
# Under ASan, freed memory waits in a quarantine (256 MB by default) and
# would read as growth in the flood check below; a small one keeps the
# check meaningful there too. (No effect on builds without ASan.)
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=4
nl_spawn "$d/vrd.log" "$gA" "$VRD_BIN/vrd" -c "$conf"
vrd_pid=$NL_PID
nl_wait 10 nl_ctl vrA status || t_fail "vrd did not start"
nl_wait 5 grep -q "capturing" "$d/vrd.log" || t_fail "no capture"

hwdt_mac() { nl_ctl vrA -j hwdt | jq -r ".[] | select(.ip == \"$1\") | .mac"; }
hwdt_has() { [[ $(hwdt_mac "$1") == "$2" ]]; }
counter() { nl_ctl vrA -j stats | jq -r ".[] | select(.counter == \"$1\") | .value"; }

nl_log "learning from ARP"
ip netns exec "$h1" arping -q -c 1 -w 2 -I eth0 192.0.2.1 || true
ip netns exec "$h2" arping -q -c 1 -w 2 -I eth0 192.0.2.1 || true
nl_wait 5 hwdt_has 192.0.2.10 $H1_MAC || t_fail "h1 not learned"
nl_wait 5 hwdt_has 192.0.2.20 $H2_MAC || t_fail "h2 not learned"
t_expect_eq "h1 source" \
	"$(nl_ctl vrA -j hwdt | jq -r '.[] | select(.ip == "192.0.2.10") | .source')" arp

nl_log "QEMU RARP burst: one host-seen event"
ip netns exec "$vm" "$VRD_TESTS/vrd-rarp-send" -i eth0 -m $VM_MAC
nl_wait 5 sh -c "[ \$($VRD_BIN/vrctl -d $d/state -j events | jq '[.[] | select(.type == \"host-seen\" and .mac == \"$VM_MAC\")] | length') -ge 1 ]" ||
	t_fail "no host-seen for the RARP burst"
sleep 1 # the last frame of the burst is at 800 ms: all folded by now
n=$(nl_events "$conf" host-seen ".mac == \"$VM_MAC\"" | wc -l)
t_expect_eq "events for one RARP burst" "$n" 1
t_expect_eq "rarp kind" \
	"$(nl_events "$conf" host-seen ".mac == \"$VM_MAC\"" | jq -r .kind)" rarp
t_expect_eq "rarp frames counted" "$(counter capture.rarp)" 5

nl_log "Xen-style gratuitous ARP from a VM of another subnet"
ip -n "$vm" addr add 198.51.100.50/24 dev eth0
# a new MAC for this arrival: the RARP one above is still being folded
ip -n "$vm" link set eth0 address 52:54:00:00:0b:03
ip netns exec "$vm" arping -q -U -c 1 -I eth0 198.51.100.50 || true
nl_wait 5 sh -c "$VRD_BIN/vrctl -d $d/state -j events | jq -e '.[] | select(.type == \"host-seen\" and .kind == \"garp\" and .ip == \"198.51.100.50\")'" ||
	t_fail "no garp host-seen event"
# outside the LNDT: seen, but not learned as a host of this LAN
[[ -z $(hwdt_mac 198.51.100.50) ]] || t_fail "foreign IP learned into the HWDT"
[[ $(counter lan.outside_lndt) -ge 1 ]] || t_fail "outside_lndt not counted"

nl_log "a silent VM: its first ARP, then its first IPv4 frame"
ip netns exec "$vm2" arping -q -c 1 -w 1 -I eth0 203.0.113.1 || true
nl_wait 5 sh -c "$VRD_BIN/vrctl -d $d/state -j events | jq -e '.[] | select(.type == \"host-seen\" and .kind == \"silent_arp\" and .ip == \"203.0.113.9\")'" ||
	t_fail "no silent-arp event"
# As after a migration: the VM still sends to its old gateway's MAC, which
# no port of this LAN has, so the switch floods the frame to the router.
ip -n "$vm2" link set eth0 address 52:54:00:00:0b:04
ip -n "$vm2" route add 192.0.2.10/32 dev eth0
ip -n "$vm2" neigh add 192.0.2.10 lladdr 52:54:00:00:0e:01 dev eth0 nud permanent
ip netns exec "$vm2" ping -q -c 1 -W 1 192.0.2.10 >/dev/null || true
nl_wait 5 sh -c "$VRD_BIN/vrctl -d $d/state -j events | jq -e '.[] | select(.type == \"host-seen\" and .kind == \"silent_ipv4\" and .mac == \"52:54:00:00:0b:04\")'" ||
	t_fail "no silent-ipv4 event"
# hosts of this subnet talking are not arrivals
[[ -z $(nl_events "$conf" host-seen ".mac == \"$H1_MAC\" or .mac == \"$H2_MAC\"") ]] ||
	t_fail "a local host was reported as an arrival"

nl_log "two MACs claim one IP"
ip -n "$vm" addr add 192.0.2.20/24 dev eth0 2>/dev/null || true
ip netns exec "$vm" arping -q -U -c 1 -I eth0 192.0.2.20 || true
nl_wait 5 sh -c "$VRD_BIN/vrctl -d $d/state -j events | jq -e '.[] | select(.type == \"ip-conflict\" and .ip == \"192.0.2.20\" and .previous_mac == \"$H2_MAC\")'" ||
	t_fail "no ip-conflict event"
ip -n "$vm" addr del 192.0.2.20/24 dev eth0
# h2 answers for itself again
ip netns exec "$h2" arping -q -U -c 1 -I eth0 192.0.2.20 || true
nl_wait 5 hwdt_has 192.0.2.20 $H2_MAC || t_fail "h2 not relearned"

nl_log "proxy ARP: answered for a proxied address, never for a host on the LAN"
nl_ctl vrA proxy add 192.0.2.99
nl_ctl vrA proxy add 192.0.2.20 # h2 is on the LAN: must not be answered
out=$(ip netns exec "$h1" arping -c 1 -w 2 -I eth0 192.0.2.99 || true)
grep -qi "$GA_MAC" <<<"$out" || t_fail "proxy ARP not answered: $out"
out=$(ip netns exec "$h1" arping -c 2 -w 2 -I eth0 192.0.2.20 || true)
grep -qi "$H2_MAC" <<<"$out" || t_fail "h2 did not answer for itself: $out"
! grep -qi "$GA_MAC" <<<"$out" || t_fail "vrd answered for a host on the LAN"
out=$(ip netns exec "$h1" arping -c 1 -w 1 -I eth0 192.0.2.98 || true)
! grep -qi "$GA_MAC" <<<"$out" || t_fail "vrd answered for an address not proxied"
[[ $(counter proxy.answered) -ge 1 ]] || t_fail "proxy.answered"
[[ $(counter proxy.skip.on_lan) -ge 1 ]] || t_fail "proxy.skip.on_lan"
nl_ctl vrA -j proxy | jq -e '[.[].ip] | sort == ["192.0.2.20","192.0.2.99"]' >/dev/null ||
	t_fail "proxy list"

nl_log "no default route, broadcast, multicast or zero as a host or target"
tables() { for t in lndt gndt hwdt proxy; do nl_ctl vrA -j $t | jq -c 'map([.prefix, .ip, .mac, .router, .vn])'; done; }
before=$(tables)
garps=$(counter inject.announce.added)
t_refused "a default route" nl_ctl vrA lndt add 0.0.0.0/0
t_refused "multicast" nl_ctl vrA lndt add 224.0.0.0/4
t_refused "a default route" nl_ctl vrA gndt add 0.0.0.0/0 vrB
t_refused "the broadcast address" nl_ctl vrA proxy add 255.255.255.255
t_refused "the LAN's broadcast address" nl_ctl vrA proxy add 192.0.2.255
t_refused "the zero address" nl_ctl vrA proxy add 0.0.0.0
t_refused "a loopback address" nl_ctl vrA proxy add 127.0.0.1
t_refused "a multicast address" nl_ctl vrA proxy add 224.0.0.251
t_refused "the broadcast address" nl_ctl vrA hwdt add 255.255.255.255 52:54:00:00:0a:99
t_refused "the broadcast address" \
	nl_ctl vrA announce 192.0.2.20 to ff:ff:ff:ff:ff:ff
t_refused "a multicast address" nl_ctl vrA announce 192.0.2.20 01:00:5e:00:00:01
t_refused "the zero address" nl_ctl vrA announce 192.0.2.20 to 00:00:00:00:00:00
t_refused "the LAN's network address" nl_ctl vrA announce 192.0.2.0
t_expect_eq "tables after the refusals" "$(tables)" "$before"
t_expect_eq "gratuitous ARPs after the refusals" "$(counter inject.announce.added)" "$garps"

nl_log "a gratuitous ARP from vrd rewrites h1's neighbour entry for h2"
ip netns exec "$h1" ping -q -c 1 -W 1 192.0.2.20 >/dev/null
grep -qi "$H2_MAC" <<<"$(ip -n "$h1" neigh show 192.0.2.20)" ||
	t_fail "h1 has no entry for h2"
nl_ctl vrA announce 192.0.2.20
nl_wait 3 sh -c "ip -n $h1 neigh show 192.0.2.20 | grep -qi $GA_MAC" ||
	t_fail "h1's entry was not rewritten: $(ip -n "$h1" neigh show 192.0.2.20)"

nl_log "aging: h1 falls out of the HWDT after hwdt_age"
ip -n "$h1" link set eth0 down # silent from now on
nl_wait 30 sh -c "! $VRD_BIN/vrctl -d $d/state -j hwdt | jq -e '.[] | select(.ip == \"192.0.2.10\")'" ||
	t_fail "h1 did not age out"
[[ $(counter hwdt.expired) -ge 1 ]] || t_fail "hwdt.expired"

nl_log "a RARP flood of distinct MACs does not starve control or grow memory"
# anonymous memory: LMDB's file-mapped pages are the tables, not growth
rss() { awk '/^RssAnon/ {print $2}' "/proc/$vrd_pid/status"; }
rss0=$(rss)
nl_spawn "$NL_DIR/flood.log" "$vm" "$VRD_TESTS/vrd-rarp-send" -i eth0 \
	-m 52:54:00:10:00:00 -c 300000 --rate 100000 --distinct
flood=$NL_PID
answered=0
while kill -0 "$flood" 2>/dev/null; do
	if ip netns exec "$gA" timeout 2 "$VRD_BIN/vrctl" -s "$d/vrd.sock" status >/dev/null; then
		answered=$((answered + 1))
	else
		t_fail "control socket did not answer within 2 s during the flood"
	fi
	sleep 0.2
done
wait "$flood" || true
((answered >= 3)) || t_fail "flood too short to judge ($answered answers)"
rss1=$(rss)
nl_log "rss ${rss0} kB -> ${rss1} kB, $answered control answers during the flood"
((rss1 - rss0 < 32768)) || t_fail "memory grew by $((rss1 - rss0)) kB in the flood"
kill -0 "$vrd_pid" || t_fail "vrd died in the flood"
[[ $(counter capture.rarp) -gt 1000 ]] || t_fail "the flood was not captured"
nl_log "PASS"
