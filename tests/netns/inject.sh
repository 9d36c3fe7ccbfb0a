#!/usr/bin/env bash
# inject/ against the real kernel: gratuitous ARP rewriting other hosts'
# neighbour entries (request and reply form, broadcast and unicast), the
# locktime rule for plain replies, and proxy ARP answered and refused.
# docs/arp-kernel.md has the measurements these assertions come from.
#
#   ┌── $h1 ───────────┐                          ┌── $h2 ───────────┐
#   │ eth0 192.0.2.1   │                          │ eth0 192.0.2.3   │
#   │ 52:54:00:00:01:01│                          │ 52:54:00:00:01:03│
#   └───────┬──────────┘                          └────────┬─────────┘
#           │            ┌── $lan ──────────────┐          │
#           └────── p0 ──┤ br0 (a plain switch) ├── p2 ────┘
#                        └─────────┬────────────┘
#                                  p1
#                          ┌───────┴── $rt ───┐
#                          │ eth0 192.0.2.2   │  vrd-arp (inject/)
#                          │ 52:54:00:00:01:02│
#                          └──────────────────┘
#
# 192.0.2.10 is "the VM": it lived at OLD, vrd announces NEW. 192.0.2.11 is
# a marker entry: vrd-arp frames are pinned to one CPU, so once a later
# marker GARP has landed every earlier frame has been processed, and "the
# entry did not change" is a real observation, not a race.
source "$(dirname "$0")/lib.sh"
export LC_ALL=C
NL_WAIT_IVL=0.02

ARP=$VRD_TESTS/vrd-arp

VM=192.0.2.10
MARK=192.0.2.11
OLD=52:54:00:00:01:10
NEW=52:54:00:00:01:20
M1=52:54:00:00:01:01
RTMAC=52:54:00:00:01:02

# inj NS ARGS...: vrd-arp in NS, always on the same CPU (see the top):
# the first one this script may run on.
CPU=$(taskset -pc $$ | sed 's/.*: //; s/[,-].*//')
inj() {
	local ns=$1
	shift
	ip netns exec "$ns" taskset -c "$CPU" "$ARP" "$@"
}

# mac NS IP / state NS IP: what the kernel in NS holds for IP.
mac() { ip -n "$1" neigh show "$2" dev eth0 | awk '{ print $3 }'; }
state() { ip -n "$1" neigh show "$2" dev eth0 | awk '{ print $NF }'; }
has_mac() { [[ $(mac "$1" "$2") == "$3" ]]; }

# set_entry NS IP MAC STATE
set_entry() {
	ip -n "$1" neigh replace "$2" lladdr "$3" dev eth0 nud "$4"
}

# barrier NS...: a marker GARP (a new MAC each time) from rt; returns once
# every NS has taken it, so all earlier frames have been processed there.
# Sent again if lost (a bridge port still coming up).
MARK_N=0
barrier() {
	local ns m _
	for _ in 1 2 3 4 5; do
		MARK_N=$((MARK_N % 250 + 1))
		m=$(printf '52:54:00:00:02:%02x' "$MARK_N")
		inj "$rt" garp -i eth0 --ip "$MARK" --mac "$m"
		for ns in "$@"; do
			nl_wait 1 has_mac "$ns" "$MARK" "$m" || continue 2
		done
		return 0
	done
	t_fail "marker GARP never arrived"
}

# ----------------------------------------------------------------------
h1=$(t_netns h1)
h2=$(t_netns h2)
rt=$(t_netns rt)
lan=$(t_lan lan)
i=1
for ns in "$h1" "$rt" "$h2"; do
	nl_plug "$lan" "$ns" eth0 "52:54:00:00:01:0$i" "192.0.2.$i/24"
	i=$((i + 1))
done
for ns in "$h1" "$h2"; do
	ip netns exec "$ns" sysctl -qw net.ipv4.conf.eth0.arp_accept=0
	[[ $(ip netns exec "$ns" sysctl -n net.ipv4.neigh.eth0.locktime) == 100 ]] ||
		t_fail "locktime is not the default 100"
	set_entry "$ns" "$MARK" 52:54:00:00:02:00 stale
done
# The bridge forwards once its ports are up.
barrier "$h1" "$h2"

# ----------------------------------------------------------------------
nl_log "1. GARP rewrites an existing entry: request/reply, broadcast/unicast"
for st in reachable stale delay; do
	for form in request reply; do
		for dst in broadcast unicast; do
			set_entry "$h1" "$VM" "$OLD" "$st"
			set_entry "$h2" "$VM" "$OLD" "$st"
			args=(garp -i eth0 --ip "$VM" --mac "$NEW")
			[[ $form == reply ]] && args+=(--reply)
			[[ $dst == unicast ]] && args+=(--to "$M1")
			inj "$rt" "${args[@]}"
			barrier "$h1" "$h2"
			what="$st, GARP $form, $dst"
			has_mac "$h1" "$VM" "$NEW" ||
				t_fail "$what: h1 has $(mac "$h1" "$VM")"
			# A request never asserts reachability, nor does a
			# broadcast; a reply sent to the host does.
			want=STALE
			[[ $form/$dst == reply/unicast ]] && want=REACHABLE
			[[ $(state "$h1" "$VM") == "$want" ]] ||
				t_fail "$what: h1 state $(state "$h1" "$VM")"
			if [[ $dst == broadcast ]]; then
				has_mac "$h2" "$VM" "$NEW" ||
					t_fail "$what: h2 has $(mac "$h2" "$VM")"
			else
				has_mac "$h2" "$VM" "$OLD" ||
					t_fail "$what: h2 took a frame for h1"
			fi
		done
	done
done

nl_log "1b. PERMANENT entries are never changed; absent ones never created"
set_entry "$h1" "$VM" "$OLD" permanent
ip -n "$h2" neigh del "$VM" dev eth0
inj "$rt" garp -i eth0 --ip "$VM" --mac "$NEW"
inj "$rt" garp -i eth0 --ip "$VM" --mac "$NEW" --reply
barrier "$h1" "$h2"
has_mac "$h1" "$VM" "$OLD" || t_fail "a GARP changed a PERMANENT entry"
[[ -z $(ip -n "$h2" neigh show "$VM" dev eth0) ]] ||
	t_fail "a GARP created an entry with arp_accept=0"
ip -n "$h1" neigh del "$VM" dev eth0

# ----------------------------------------------------------------------
nl_log "2. locktime: a plain reply cannot undo a GARP for 1 s; a GARP can"
set_entry "$h1" "$VM" "$OLD" stale
# The GARP is an effective change (OLD -> NEW): the window starts there.
t0=${EPOCHREALTIME/./}
inj "$rt" garp -i eth0 --ip "$VM" --mac "$NEW"
inj "$rt" reply -i eth0 --ip "$VM" --mac "$OLD" --to-ip 192.0.2.1 \
	--to-mac "$M1"
barrier "$h1"
has_mac "$h1" "$VM" "$NEW" || t_fail "a plain reply overrode within locktime"
# Keep replying OLD: the kernel takes it only once locktime has passed.
plain_reply_old() {
	inj "$rt" reply -i eth0 --ip "$VM" --mac "$OLD" --to-ip 192.0.2.1 \
		--to-mac "$M1"
	has_mac "$h1" "$VM" "$OLD"
}
nl_wait 4 plain_reply_old || t_fail "a plain reply never overrode"
ms=$(((${EPOCHREALTIME/./} - t0) / 1000))
nl_log "   plain reply accepted after $ms ms"
((ms >= 900)) || t_fail "plain reply accepted after $ms ms, before locktime"
((ms <= 2500)) || t_fail "plain reply accepted only after $ms ms"
[[ $(state "$h1" "$VM") == REACHABLE ]] || t_fail "unicast reply not REACHABLE"
# Within locktime of that change, a GARP still wins at once.
inj "$rt" garp -i eth0 --ip "$VM" --mac "$NEW"
barrier "$h1"
has_mac "$h1" "$VM" "$NEW" || t_fail "GARP within locktime ignored"

# ----------------------------------------------------------------------
nl_log "3. proxy ARP: answered for a proxied IP, refused by every rule"
ip -n "$h1" neigh del "$VM" dev eth0
nl_spawn "$NL_DIR/proxy.log" "$rt" "$ARP" proxy -i eth0 --count 0 \
	--ip "$VM" --ip 192.0.2.12 --on-lan 192.0.2.12 --own 192.0.2.2
nl_wait 5 grep -qs '^ready$' "$NL_DIR/proxy.log" || t_fail "proxy not ready"
logged() { nl_wait 2 grep -qsxF "$1" "$NL_DIR/proxy.log"; }

# iputils arping: the reply carries the router's MAC.
out=$(ip netns exec "$h1" arping -c1 -w2 -I eth0 "$VM") ||
	t_fail "arping $VM got no answer: $out"
[[ $out == *"reply from $VM [$RTMAC]"* ]] || t_fail "arping $VM: $out"
logged "$VM from 192.0.2.1: proxy.answered" || t_fail "proxy log"

# The kernel resolving by itself takes the proxy's MAC.
ip netns exec "$h1" ping -c1 -W1 "$VM" >/dev/null 2>&1 || true
nl_wait 2 has_mac "$h1" "$VM" "$RTMAC" ||
	t_fail "h1 kernel resolved $VM to $(mac "$h1" "$VM")"

# Present on the LAN (the HWDT): the host answers for itself, we don't.
if out=$(ip netns exec "$h1" arping -c1 -w1 -I eth0 192.0.2.12); then
	t_fail "answered for an IP on the LAN: $out"
fi
logged "192.0.2.12 from 192.0.2.1: proxy.skip.on_lan" || t_fail "proxy log"

# Not proxied.
if out=$(ip netns exec "$h1" arping -c1 -w1 -I eth0 192.0.2.13); then
	t_fail "answered for an IP not proxied: $out"
fi
logged "192.0.2.13 from 192.0.2.1: proxy.skip.not_proxied" ||
	t_fail "proxy log"

# Duplicate address detection (sender 0.0.0.0): arping -D exits 0 when
# nobody claims the address.
out=$(ip netns exec "$h1" arping -D -c1 -w1 -I eth0 "$VM") ||
	t_fail "answered a DAD probe: $out"
logged "$VM from 0.0.0.0: proxy.skip.probe" || t_fail "proxy log"

# The router's own address: only its kernel answers.
out=$(ip netns exec "$h1" arping -c2 -w2 -I eth0 192.0.2.2) ||
	t_fail "arping router: $out"
[[ $out == *"Received 2 response(s)"* ]] || t_fail "arping router: $out"
logged "192.0.2.2 from 192.0.2.1: proxy.skip.own_address" ||
	t_fail "proxy log"

nl_log "PASS"
