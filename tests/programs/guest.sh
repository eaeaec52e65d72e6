#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# One real BSD program's tunnel, end to end, in the guest:
#   guest.sh SCENARIO
# Two network namespaces joined by a veth pair (192.168.90.1 and .2); in
# each, one end of the program's tunnel on its own bsdtun unit, made in
# that namespace just before (so no earlier user's mode is inherited);
# the tunnel addresses 10.90.0.1 and .2 (and fd90::1, ::2 where IPv6 is
# carried).  Checks: ping both ways, then 1 MiB over TCP through the
# tunnel whose md5 must match.  Prints what was run, from which package,
# and one line "RESULT: PASS <scenario>" or "RESULT: FAIL <scenario>: why";
# exits 0 only on PASS.  bsdtun_programs runs it under the harness.
#
# Scenarios:
#   quicktun-ifhead  quicktun (BSD build) both ends, USE_PI=1: TUNSIFHEAD
#                    on, IPv4 and IPv6
#   quicktun-nohead  the same, USE_PI=0: TUNSIFHEAD off, IPv4
#   quicktun-linux   the BSD build on bsdtun against Debian's Linux
#                    quicktun on Linux's tun (USE_PI=0)
#   tinc-tun         tinc 1.0 (BSD build), router mode, DeviceType tun
#                    (TUNSIFHEAD, TUNSIFMODE), IPv4 and IPv6
#   tinc-tap         tinc 1.0 (BSD build), switch mode on bsdtap units
#                    (TAPGIFNAME), IPv4 and IPv6
#   iodine           iodine and iodined (BSD build): IPv4 over DNS
#                    queries; their ifconfig and route commands are
#                    bsdtun's BSD ones (tools/bsd/), installed in
#                    /usr/lib/bsdtun/bin
P=/bsdtun/programs
B=$P/bin
K=$P/keys
W=/tmp/programs.$$
export PATH=/sbin:/bin:/usr/sbin:/usr/bin
# iproute2: busybox's shell runs its own ip (no netns) before any in PATH.
ip() { /sbin/ip "$@"; }
scen=${1:?usage: guest.sh SCENARIO}
pids=
units=
v6=

say() { echo "# [$scen] $*"; }

fail() {
	echo "RESULT: FAIL $scen: $*"
	for f in "$W"/*.log; do
		[ -f "$f" ] || continue
		echo "# --- $f"
		tail -n 15 "$f" | sed 's/^/# /'
	done
	cleanup
	exit 1
}

cleanup() {
	[ -z "$pids" ] || kill $pids 2>/dev/null
	for p in $pids; do
		wait "$p" 2>/dev/null
	done
	pids=
	ip netns del pa 2>/dev/null
	ip netns del pb 2>/dev/null
	rm -rf "$W"
	# The namespaces' death takes their units (asynchronously): the
	# next scenario starts once their nodes are gone, 30 s at most.
	for u in $units; do
		i=0
		while [ -e "/dev/$u" ] && [ $i -lt 300 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		if [ -e "/dev/$u" ]; then
			echo "# [$scen] /dev/$u still there after its namespace died"
			ls /run/netns /sys/class/net /sys/devices/virtual/net 2>&1 | sed 's/^/# /'
			ls -l /proc/[0-9]*/ns/net 2>/dev/null | awk '{print "# " $NF}' | sort | uniq -c
			ps 2>&1 | sed 's/^/# /'
		fi
	done
	units=
}

# A program in namespace $1 in the background, its output in $W/$2.log.
start() {
	ns=$1 log=$2
	shift 2
	# iproute2 by its path: $! is then the program (ip execs it), not a
	# subshell running the function ip.
	/sbin/ip netns exec "$ns" "$@" > "$W/$log.log" 2>&1 &
	pids="$pids $!"
}

from() {
	grep "^$1" "$P/VERSIONS" | while read -r l; do say "$l"; done
}

mkdir -p "$W"
ip netns add pa && ip netns add pb || fail "cannot make the namespaces"
ip link add va type veth peer name vb &&
	ip link set va netns pa && ip link set vb netns pb || fail "no veth"
for s in a:1 b:2; do
	ns=p${s%:*} n=${s#*:}
	ip -n "$ns" addr add "192.168.90.$n/24" dev "v${s%:*}"
	ip -n "$ns" link set "v${s%:*}" up
	ip -n "$ns" link set lo up
done

# Unit $2 (bsdtun40, bsdtap43...), made in namespace $1; each scenario
# has its own numbers.
unit() {
	ip -n "$1" link add "$2" type "${2%%[0-9]*}" || fail "ip link add $2 in $1"
	[ -c "/dev/$2" ] || fail "no node /dev/$2"
	units="$units $2"
}

# Addresses on interface $2 in namespace $1, the far end being $3 (1, 2):
# point to point for tun, a subnet for tap.
addrs() {
	me=$((3 - $3))
	case $2 in
	*tap*) ip -n "$1" addr add "10.90.0.$me/24" dev "$2" ;;
	*) ip -n "$1" addr add "10.90.0.$me" peer "10.90.0.$3" dev "$2" ;;
	esac
	[ -z "$v6" ] || ip -n "$1" addr add "fd90::$me/64" dev "$2" nodad
	ip -n "$1" link set "$2" up
}

# Ping $2 from namespace $1 until it answers: the tunnel's set-up (a
# handshake, a DNS login) takes its time under emulation; 60 tries.
reach() {
	i=0
	while [ $i -lt 60 ]; do
		ip netns exec "$1" ping -c 1 -W 1 "$2" > /dev/null 2>&1 && return 0
		i=$((i + 1))
	done
	fail "$2 unreachable from $1"
}

check_traffic() {
	reach pa 10.90.0.2
	reach pb 10.90.0.1
	ip netns exec pa ping -c 3 -i 0.2 10.90.0.2 > "$W/ping.log" 2>&1 ||
		fail "ping 10.90.0.2 from pa"
	say "ping both ways: ok"
	if [ -n "$v6" ]; then
		reach pa fd90::2
		reach pb fd90::1
		say "IPv6 ping both ways: ok"
	fi
	dd if=/dev/urandom of="$W/payload" bs=1024 count=${size:-1024} 2>/dev/null
	/sbin/ip netns exec pb "$B/bsdtun_demo_tcp" recv 5900 "$W/received" > "$W/recv.log" 2>&1 &
	rpid=$!
	# The receiver listens once its socket is bound: retry the connect.
	i=0
	until timeout 120 /sbin/ip netns exec pa "$B/bsdtun_demo_tcp" send 10.90.0.2 5900 "$W/payload" \
		> "$W/send.log" 2>&1; do
		i=$((i + 1))
		[ $i -lt 20 ] || { kill $rpid; fail "TCP transfer did not complete"; }
	done
	wait $rpid || fail "the TCP receiver failed"
	sent=$(md5sum < "$W/payload" | cut -d' ' -f1)
	got=$(md5sum < "$W/received" | cut -d' ' -f1)
	[ "$sent" = "$got" ] || fail "TCP transfer: md5 $got, sent $sent"
	say "TCP ${size:-1024} KiB a->b through the tunnel, md5 $got: ok"
}

# quicktun (nacltai) in namespace $1, tunnel node $2, far end $3, PI $4,
# binary $5.  Debian's build reads its settings as ifupdown passes them
# (IF_QT_<name>, the interface as IFACE), the BSD build as they are.
quicktun() {
	me=$((3 - $3))
	self=$(echo "$1" | cut -c2)
	peer=$(echo "abc" | cut -c$3)
	set -- "$1" "$2" "$5" \
		PRIVATE_KEY="$(sed -n 's/^SECRET: //p' "$K/quicktun-$self")" \
		PUBLIC_KEY="$(sed -n 's/^PUBLIC: //p' "$K/quicktun-$peer")" \
		LOCAL_ADDRESS="192.168.90.$me" LOCAL_PORT=2998 \
		REMOTE_ADDRESS="192.168.90.$3" REMOTE_PORT=2998 \
		TUN_MODE=1 USE_PI="$4" PROTOCOL=nacltai
	ns=$1 dev=$2 bin=$3
	shift 3
	case $bin in
	*linux*)
		env=
		for v in "$@"; do
			env="$env IF_QT_$v"
		done
		# shellcheck disable=SC2086
		start "$ns" "qt-$self" env $env IFACE="$dev" "$bin"
		;;
	*)
		start "$ns" "qt-$self" env "$@" INTERFACE="$dev" "$bin"
		;;
	esac
}

# Wait until interface $2 exists in namespace $1 (the program made or
# opened it), with address $3 if given, polling for at most 30 s.
appears() {
	i=0
	until ip -n "$1" addr show "$2" 2>/dev/null | grep -q "${3:+inet $3}"; do
		i=$((i + 1))
		[ $i -lt 300 ] || fail "$2 never appeared in $1"
		sleep 0.1
	done
}

# tinc node $1 (a, b) in namespace p$1 on node $2, type $3, mode $4.
tinc() {
	n=$1 d=$W/tinc-$1 other=$(echo "$1" | tr ab ba)
	mkdir -p "$d/hosts"
	{
		echo "Name = $n"
		echo "Mode = $4"
		echo "Device = $2"
		echo "DeviceType = $3"
		echo "AddressFamily = ipv4"
		[ "$n" = a ] && echo "ConnectTo = b"
	} > "$d/tinc.conf"
	cp "$K/tinc-$n.priv" "$d/rsa_key.priv"
	for h in a b; do
		num=$(echo "$h" | tr ab 12)
		{
			echo "Address = 192.168.90.$num"
			if [ "$4" = router ]; then
				echo "Subnet = 10.90.0.$num/32"
				echo "Subnet = fd90::$num/128"
			fi
			cat "$K/tinc-$h.pub"
		} > "$d/hosts/$h"
	done
	num=$(echo "$n" | tr ab 12)
	peer=$(echo "$other" | tr ab 12)
	cat > "$d/tinc-up" <<EOT
#!/bin/sh
if [ "$4" = router ]; then
	/sbin/ip addr add 10.90.0.$num peer 10.90.0.$peer dev "\$INTERFACE"
else
	/sbin/ip addr add 10.90.0.$num/24 dev "\$INTERFACE"
fi
/sbin/ip addr add fd90::$num/64 dev "\$INTERFACE" nodad
/sbin/ip link set "\$INTERFACE" up
EOT
	chmod 755 "$d/tinc-up"
	start "p$n" "tinc-$n" "$B/tincd-bsd" -c "$d" -D -d1 --pidfile="$d/pid"
}

case $scen in
quicktun-ifhead|quicktun-nohead)
	from "quicktun (BSD)"
	pi=1 v6=1 a=bsdtun40 b=bsdtun41
	[ "$scen" = quicktun-nohead ] && pi=0 v6='' a=bsdtun42 b=bsdtun43
	unit pa $a
	unit pb $b
	quicktun pa /dev/$a 2 $pi "$B/quicktun-bsd"
	quicktun pb /dev/$b 1 $pi "$B/quicktun-bsd"
	say "quicktun (nacltai) on /dev/$a and /dev/$b, USE_PI=$pi"
	addrs pa $a 2
	addrs pb $b 1
	;;
quicktun-linux)
	from "quicktun"
	unit pa bsdtun44
	quicktun pa /dev/bsdtun44 2 0 "$B/quicktun-bsd"
	quicktun pb qtlinux 1 0 "$B/quicktun-linux"
	say "BSD quicktun (nacltai) on /dev/bsdtun44, Debian's on Linux tun qtlinux, USE_PI=0"
	appears pb qtlinux
	addrs pa bsdtun44 2
	addrs pb qtlinux 1
	;;
tinc-tun|tinc-tap)
	from "tinc (BSD)"
	v6=1
	# Router mode on tun units, switch mode (Ethernet) on tap units.
	kind=tun mode=router
	[ "$scen" = tinc-tap ] && kind=tap mode=switch
	unit pa bsd${kind}45
	unit pb bsd${kind}46
	tinc a /dev/bsd${kind}45 $kind $mode
	tinc b /dev/bsd${kind}46 $kind $mode
	say "tincd, $mode mode, DeviceType $kind, on /dev/bsd${kind}45 and /dev/bsd${kind}46"
	;;
iodine)
	from "iodine (BSD)"
	# DNS-encoded traffic is slow under emulation: a smaller transfer.
	size=128
	unit pa bsdtun47
	unit pb bsdtun48
	start pa iodined "$B/iodined-bsd" -f -c -P bsdtunpw -d bsdtun47 \
		-l 192.168.90.1 10.90.0.1/27 t.example
	appears pa bsdtun47 10.90.0.1
	# The server answers once its socket is bound: the client retries.
	start pb iodine "$B/iodine-bsd" -f -P bsdtunpw -d bsdtun48 192.168.90.1 t.example
	say "iodined on bsdtun47 (pa), iodine on bsdtun48 (pb), configured by /usr/lib/bsdtun/bin/ifconfig and route"
	# iodine gives the client 10.90.0.2, the first address after the
	# server's: the checks below use the same addresses.
	;;
*)
	fail "no such scenario"
	;;
esac
check_traffic
cleanup
echo "RESULT: PASS $scen"
