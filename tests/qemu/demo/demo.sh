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

say "two namespaces, 'left' and 'right', joined by a veth pair (192.168.77.0/24)"
ip netns add left && ip netns add right
ip link add vl type veth peer name vr
ip link set vl netns left && ip link set vr netns right
ip -n left addr add 192.168.77.1/24 dev vl && ip -n left link set vl up
ip -n right addr add 192.168.77.2/24 dev vr && ip -n right link set vr up
ip -n left link set lo up && ip -n right link set lo up

say "in each, bsdtun_relay opens /dev/bsdtun and relays over UDP port 4000"
ip netns exec left $B/selftests/bsdtun/bsdtun_relay /dev/bsdtun 192.168.77.1 4000 192.168.77.2 4000 > /tmp/left.out 2>&1 &
lpid=$!
ip netns exec right $B/selftests/bsdtun/bsdtun_relay /dev/bsdtun 192.168.77.2 4000 192.168.77.1 4000 > /tmp/right.out 2>&1 &
rpid=$!
# The relays say "<unit> ready" once their unit is open (bounded wait).
i=0
while [ $i -lt 100 ] && ! { grep -q ready /tmp/left.out && grep -q ready /tmp/right.out; }; do
	sleep 0.1
	i=$((i + 1))
done
lu=$(sed -n 's/ ready$//p' /tmp/left.out)
ru=$(sed -n 's/ ready$//p' /tmp/right.out)
[ -n "$lu" ] && [ -n "$ru" ]
check $? "relays opened units: $lu in left, $ru in right"

say "tunnel addresses 10.99.0.1 (left) <-> 10.99.0.2 (right), as ifconfig tunN would set them"
ip -n left addr add 10.99.0.1 peer 10.99.0.2 dev "$lu" && ip -n left link set "$lu" up
ip -n right addr add 10.99.0.2 peer 10.99.0.1 dev "$ru" && ip -n right link set "$ru" up
# Linux reports an interface running (state UP) a moment after it is set
# up (its link watcher is asynchronous): wait, so the listing below shows
# the settled state.
i=0
while [ $i -lt 50 ] && ! { ip -n left link show "$lu" | grep -q 'state UP' &&
			  ip -n right link show "$ru" | grep -q 'state UP'; }; do
	sleep 0.1
	i=$((i + 1))
done
step ip -n left -d link show "$lu"

say "ping across the tunnel"
ip netns exec left ping -c 3 -w 10 10.99.0.2 > /tmp/ping.out 2>&1
rc=$?
sed 's/^/      /' /tmp/ping.out
check $rc "ping 10.99.0.2 from left through the tunnel"

say "a 4 MiB file over TCP through the tunnel"
dd if=/dev/urandom of=/tmp/payload bs=1024 count=4096 2>/dev/null
ip netns exec right $B/demo/bsdtun_demo_tcp recv 5000 /tmp/received > /tmp/recv.out 2>&1 &
recvpid=$!
i=0
while [ $i -lt 100 ] && ! grep -q listening /tmp/recv.out; do
	sleep 0.1
	i=$((i + 1))
done
start=$(cut -d' ' -f1 /proc/uptime)
# Under a second when the tunnel works; a broken one fails here in a
# minute rather than waiting on TCP's retries.
timeout 60 /sbin/ip netns exec left $B/demo/bsdtun_demo_tcp send 10.99.0.2 5000 /tmp/payload
rc=$?
# The receiver has finished when the sender returns 0 (it waits for the
# receiver's close); otherwise it is still waiting.
[ $rc = 0 ] || kill $recvpid 2>/dev/null
wait $recvpid 2>/dev/null
end=$(cut -d' ' -f1 /proc/uptime)
sent=$(md5sum < /tmp/payload | cut -d' ' -f1)
got=$(md5sum < /tmp/received 2>/dev/null | cut -d' ' -f1)
say "sent md5 $sent, received md5 $got ($(awk "BEGIN { printf \"%.1f s\", $end - $start }") under emulation)"
[ $rc = 0 ] && [ "$sent" = "$got" ]
check $? "file arrived intact"

say "counters of the left unit (packets the stack sent are what the relay read)"
step ip -n left -s link show "$lu"

kill $lpid $rpid 2>/dev/null
wait 2>/dev/null

say "layer 2: the same relay opens /dev/bsdtap in each namespace (UDP port 4001)"
ip netns exec left $B/selftests/bsdtun/bsdtun_relay /dev/bsdtap 192.168.77.1 4001 192.168.77.2 4001 > /tmp/left2.out 2>&1 &
lpid=$!
ip netns exec right $B/selftests/bsdtun/bsdtun_relay /dev/bsdtap 192.168.77.2 4001 192.168.77.1 4001 > /tmp/right2.out 2>&1 &
rpid=$!
i=0
while [ $i -lt 100 ] && ! { grep -q ready /tmp/left2.out && grep -q ready /tmp/right2.out; }; do
	sleep 0.1
	i=$((i + 1))
done
lt=$(sed -n 's/ ready$//p' /tmp/left2.out)
rt=$(sed -n 's/ ready$//p' /tmp/right2.out)
[ -n "$lt" ] && [ -n "$rt" ]
check $? "relays opened tap units: $lt in left, $rt in right"

say "left: $lt carries 10.98.0.1/24; right: $rt is a port of bridge br0, which carries 10.98.0.2/24"
ip -n left addr add 10.98.0.1/24 dev "$lt" && ip -n left link set "$lt" up
ip -n right link add br0 type bridge && ip -n right link set br0 up &&
	ip -n right link set "$rt" master br0 up && ip -n right addr add 10.98.0.2/24 dev br0
i=0
while [ $i -lt 50 ] && ! { ip -n left link show "$lt" | grep -q 'state UP' &&
			  ip -n right link show br0 | grep -q 'state UP'; }; do
	sleep 0.1
	i=$((i + 1))
done
step ip -n right -d link show "$rt"

say "ping across the layer-2 tunnel, both ways"
ip netns exec left ping -c 3 -w 10 10.98.0.2 > /tmp/ping2.out 2>&1
rc=$?
sed 's/^/      /' /tmp/ping2.out
check $rc "ping 10.98.0.2 (the bridge) from left"
ip netns exec right ping -c 3 -w 10 10.98.0.1 > /tmp/ping3.out 2>&1
rc=$?
sed 's/^/      /' /tmp/ping3.out
check $rc "ping 10.98.0.1 from right, through the bridge"
step ip -n left neigh show dev "$lt"
ip -n left neigh show dev "$lt" | grep -q "10.98.0.2 lladdr"
check $? "ARP resolved the far side's address"

# $1: what, $2: receiver's extra arguments, $3: destination, $4: sender's
udp_across() {
	ip netns exec right $B/demo/bsdtun_demo_udp recv 6000 $2 > /tmp/udp.out 2>&1 &
	upid=$!
	i=0
	while [ $i -lt 100 ] && ! grep -q listening /tmp/udp.out; do
		sleep 0.1
		i=$((i + 1))
	done
	ip netns exec left $B/demo/bsdtun_demo_udp send "$3" 6000 "$1" $4
	wait $upid
	rc=$?
	sed 's/^/      /' /tmp/udp.out
	[ $rc = 0 ] && grep -q "got \"$1\"" /tmp/udp.out
	check $? "$1 to $3 reached the far side"
}
udp_across broadcast "" 10.98.0.255 ""
udp_across multicast "239.1.2.3 br0" 239.1.2.3 "$lt"

say "a 4 MiB file over TCP through the layer-2 tunnel"
rm -f /tmp/received
ip netns exec right $B/demo/bsdtun_demo_tcp recv 5001 /tmp/received > /tmp/recv2.out 2>&1 &
recvpid=$!
i=0
while [ $i -lt 100 ] && ! grep -q listening /tmp/recv2.out; do
	sleep 0.1
	i=$((i + 1))
done
timeout 60 /sbin/ip netns exec left $B/demo/bsdtun_demo_tcp send 10.98.0.2 5001 /tmp/payload
rc=$?
[ $rc = 0 ] || kill $recvpid 2>/dev/null
wait $recvpid 2>/dev/null
got=$(md5sum < /tmp/received 2>/dev/null | cut -d' ' -f1)
say "sent md5 $sent, received md5 $got"
[ $rc = 0 ] && [ "$sent" = "$got" ]
check $? "file arrived intact through the tap units"

kill $lpid $rpid 2>/dev/null
wait 2>/dev/null
if [ $fail = 0 ]; then echo "DEMO: PASS"; else echo "DEMO: FAIL"; fi
