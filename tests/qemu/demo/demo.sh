#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# make demo, inside the VM: a BSD-style tunnel between two network
# namespaces.  In each, bsdtun_relay (a BSD tun program: open the cloning
# node, TUNSIFHEAD, poll, relay each packet over UDP, like FreeBSD's
# "nc --tun") carries its unit's packets to the other side over a veth
# pair.  Then ping across the tunnel and stream a file through it over
# TCP.  Then the same at layer 2: two tap units joined by the same relay
# (on a tap node it carries Ethernet frames), one carrying an address,
# the other enslaved to a Linux bridge: ARP, ping both ways, a broadcast,
# a multicast group and a TCP stream cross.  Prints what it does; the
# last line is "DEMO: PASS" or "DEMO: FAIL".

B=/bsdtun
# iproute2 (busybox's ip has no netns)
ip() { /sbin/ip "$@"; }
fail=0

say() { echo "demo: $*"; }
step() {
	say "\$ $*"
	"$@" 2>&1 | sed 's/^/      /'
}
check() {
	if [ "$1" = 0 ]; then say "ok: $2"; else say "FAILED: $2"; fail=1; fi
}
# Wait (10 s at most) until command "$@" succeeds.
wait_for() {
	i=0
	while [ $i -lt 100 ] && ! "$@"; do
		sleep 0.1
		i=$((i + 1))
	done
}
both_ready() { grep -q ready "$1" && grep -q ready "$2"; }
running() { ip -n "$1" link show "$2" | grep -q 'state UP'; }
both_running() { running "$1" "$2" && running "$3" "$4"; }

# Start bsdtun_relay on node $1 in each namespace, over UDP port $2; the
# relays say "<unit> ready" once their unit is open.  Sets lpid, rpid and
# the units' names lu, ru.
relays() {
	ip netns exec left $B/selftests/bsdtun/bsdtun_relay "$1" 192.168.77.1 "$2" 192.168.77.2 "$2" > /tmp/left.out 2>&1 &
	lpid=$!
	ip netns exec right $B/selftests/bsdtun/bsdtun_relay "$1" 192.168.77.2 "$2" 192.168.77.1 "$2" > /tmp/right.out 2>&1 &
	rpid=$!
	wait_for both_ready /tmp/left.out /tmp/right.out
	lu=$(sed -n 's/ ready$//p' /tmp/left.out)
	ru=$(sed -n 's/ ready$//p' /tmp/right.out)
	[ -n "$lu" ] && [ -n "$ru" ]
	check $? "relays opened units: $lu in left, $ru in right"
}

# ping from namespace $1 to $2
ping_across() {
	ip netns exec "$1" ping -c 3 -w 10 "$2" > /tmp/ping.out 2>&1
	rc=$?
	sed 's/^/      /' /tmp/ping.out
	check $rc "ping $2 from $1 through the tunnel"
}

# /tmp/payload from left to right's $1, TCP port $2
tcp_across() {
	rm -f /tmp/received /tmp/recv.out
	ip netns exec right $B/demo/bsdtun_demo_tcp recv "$2" /tmp/received > /tmp/recv.out 2>&1 &
	recvpid=$!
	wait_for grep -q listening /tmp/recv.out
	start=$(cut -d' ' -f1 /proc/uptime)
	# Under a second when the tunnel works; a broken one fails here in
	# a minute rather than waiting on TCP's retries.
	timeout 60 /sbin/ip netns exec left $B/demo/bsdtun_demo_tcp send "$1" "$2" /tmp/payload
	rc=$?
	# The receiver has finished when the sender returns 0 (it waits for
	# the receiver's close); otherwise it is still waiting.
	[ $rc = 0 ] || kill $recvpid 2>/dev/null
	wait $recvpid 2>/dev/null
	end=$(cut -d' ' -f1 /proc/uptime)
	sent=$(md5sum < /tmp/payload | cut -d' ' -f1)
	got=$(md5sum < /tmp/received 2>/dev/null | cut -d' ' -f1)
	say "sent md5 $sent, received md5 $got ($(awk "BEGIN { printf \"%.1f s\", $end - $start }") under emulation)"
	[ $rc = 0 ] && [ "$sent" = "$got" ]
	check $? "file arrived intact"
}

# UDP "$1" to $3 from left, received in right with extra arguments $2;
# $4: the sender's extra arguments
udp_across() {
	rm -f /tmp/udp.out
	ip netns exec right $B/demo/bsdtun_demo_udp recv 6000 $2 > /tmp/udp.out 2>&1 &
	upid=$!
	wait_for grep -q listening /tmp/udp.out
	ip netns exec left $B/demo/bsdtun_demo_udp send "$3" 6000 "$1" $4
	wait $upid
	rc=$?
	sed 's/^/      /' /tmp/udp.out
	[ $rc = 0 ] && grep -q "got \"$1\"" /tmp/udp.out
	check $? "$1 to $3 reached the far side"
}


say "two namespaces, 'left' and 'right', joined by a veth pair (192.168.77.0/24)"
ip netns add left && ip netns add right
ip link add vl type veth peer name vr
ip link set vl netns left && ip link set vr netns right
ip -n left addr add 192.168.77.1/24 dev vl && ip -n left link set vl up
ip -n right addr add 192.168.77.2/24 dev vr && ip -n right link set vr up
ip -n left link set lo up && ip -n right link set lo up

say "in each, bsdtun_relay opens /dev/bsdtun and relays over UDP port 4000"
relays /dev/bsdtun 4000

say "tunnel addresses 10.99.0.1 (left) <-> 10.99.0.2 (right), as ifconfig tunN would set them"
ip -n left addr add 10.99.0.1 peer 10.99.0.2 dev "$lu" && ip -n left link set "$lu" up
ip -n right addr add 10.99.0.2 peer 10.99.0.1 dev "$ru" && ip -n right link set "$ru" up
# Linux reports an interface running (state UP) a moment after it is set
# up (its link watcher is asynchronous): wait, so the listing below shows
# the settled state.
wait_for both_running left "$lu" right "$ru"
step ip -n left -d link show "$lu"

say "ping across the tunnel"
ping_across left 10.99.0.2

say "a 4 MiB file over TCP through the tunnel"
dd if=/dev/urandom of=/tmp/payload bs=1024 count=4096 2>/dev/null
tcp_across 10.99.0.2 5000

say "counters of the left unit (packets the stack sent are what the relay read)"
step ip -n left -s link show "$lu"

kill $lpid $rpid 2>/dev/null
wait 2>/dev/null

say "layer 2: the same relay opens /dev/bsdtap in each namespace (UDP port 4001)"
relays /dev/bsdtap 4001

say "left: $lu carries 10.98.0.1/24; right: $ru is a port of bridge br0, which carries 10.98.0.2/24"
ip -n left addr add 10.98.0.1/24 dev "$lu" && ip -n left link set "$lu" up
ip -n right link add br0 type bridge && ip -n right link set br0 up &&
	ip -n right link set "$ru" master br0 up && ip -n right addr add 10.98.0.2/24 dev br0
wait_for both_running left "$lu" right br0
step ip -n right -d link show "$ru"

say "ping across the layer-2 tunnel, both ways"
ping_across left 10.98.0.2
ping_across right 10.98.0.1
step ip -n left neigh show dev "$lu"
ip -n left neigh show dev "$lu" | grep -q "10.98.0.2 lladdr"
check $? "ARP resolved the far side's address"

say "a broadcast and a multicast datagram across the bridge"
udp_across broadcast "" 10.98.0.255 ""
udp_across multicast "239.1.2.3 br0" 239.1.2.3 "$lu"

say "the 4 MiB file over TCP through the layer-2 tunnel"
tcp_across 10.98.0.2 5001

kill $lpid $rpid 2>/dev/null
wait 2>/dev/null
if [ $fail = 0 ]; then echo "DEMO: PASS"; else echo "DEMO: FAIL"; fi
