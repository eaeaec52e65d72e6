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
#   n2n              n2n 1.3 edges (FreeBSD build) on /dev/tapN, found
#                    as its FreeBSD code finds them, a supernode beside;
#                    the edge configures its tap and reads back its MAC
#                    with the `ifconfig` in PATH: bsdtun's BSD one.  Needs
#                    bsdtun loaded with tap_prefix=tap.
#   gvpe-openbsd     gvpe (tinc's OpenBSD tun code): the family word on
#                    every packet, the fixed /dev/tun0; its fixed
#                    /sbin/ifconfig and its if-up script, gvpe's own
#                    OpenBSD recipe, run bsdtun's BSD ifconfig and route.
#                    Needs bsdtun loaded with openbsd_prefix=tun (and the
#                    FreeBSD tun family under another prefix).
#   openssh          OpenSSH's ssh -w (FreeBSD build: SSH_TUN_FREEBSD):
#                    the client in pa on /dev/tun0, sshd in pb on
#                    /dev/tun1, each TUNSIFHEAD 1 and brought up by
#                    SIOCSIFFLAGS; addressed by bsdtun's BSD ifconfig,
#                    IPv4 and IPv6.  Needs bsdtun loaded with prefix=tun.
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

# Run "$@" every 0.1 s until it succeeds, 30 s at most: whether it did.
# What the programs do under emulation (a namespace's units going, a
# handshake, a log line) has no event to wait on from here.
poll() {
	i=0
	until "$@"; do
		i=$((i + 1))
		[ $i -lt 300 ] || return 1
		sleep 0.1
	done
}

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
		if ! poll test ! -e "/dev/$u"; then
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
# "debian_sh PROGRAM ARGS": PROGRAM in a mount namespace of its own whose
# /bin/sh is dash, as on Debian.  The guest's is busybox's, which runs its
# own applets (ifconfig, route) before any in PATH: there, a program that
# runs "ifconfig" through system() or popen() would never reach bsdtun's.
cat > "$W/debian-sh" <<EOT
#!/bin/sh
mount -o bind $B/dash /bin/sh || exit 1
exec "\$@"
EOT
chmod 755 "$W/debian-sh"
debian_sh="unshare -m --propagation private $W/debian-sh"
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

# Whether interface $2 is in namespace $1, with address $3 if given.
has_if() {
	ip -n "$1" addr show "$2" 2>/dev/null | grep -q "${3:+inet $3}"
}

# Wait until interface $2 exists in namespace $1 (the program made or
# opened it), with address $3 if given.
appears() {
	poll has_if "$@" || fail "$2 never appeared in $1"
}

# Wait until $W/$1.log has a line matching $2; fail with $3 otherwise.
logged() {
	poll grep -q "$2" "$W/$1.log" || fail "$3"
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
n2n)
	from "n2n (BSD)"
	[ -c /dev/tap0 ] || fail "no /dev/tap0: load bsdtun with tap_prefix=tap"
	# The edge runs "ifconfig" by PATH, as on FreeBSD: bsdtun's, under
	# Debian's shell.
	bsd=PATH=/usr/lib/bsdtun/bin:$PATH
	start pa supernode "$B/n2n-supernode" -l 7654
	# shellcheck disable=SC2086
	start pa edge-a $debian_sh env "$bsd" "$B/n2n-edge-bsd" -a 10.90.0.1 -s 255.255.255.0 \
		-c bsdtun -k bsdtunkey -l 192.168.90.1:7654
	appears pa tap0 10.90.0.1
	# /dev/tap0 answers ENXIO in pb (its interface is in pa): this edge's
	# search goes on to /dev/tap1.
	# shellcheck disable=SC2086
	start pb edge-b $debian_sh env "$bsd" "$B/n2n-edge-bsd" -a 10.90.0.2 -s 255.255.255.0 \
		-c bsdtun -k bsdtunkey -l 192.168.90.1:7654
	appears pb tap1 10.90.0.2
	# Each edge reads its MAC back after setting the address: what it
	# logs, once it has, must be the interface's.
	for s in a:tap0 b:tap1; do
		log=$W/edge-${s%:*}.log
		poll grep -q "Interface ${s#*:} mac" "$log"
		mac=$(ip -n "p${s%:*}" link show "${s#*:}" | awk '/link\/ether/ { print $2 }')
		grep -qi "Interface ${s#*:} mac $mac" "$log" ||
			fail "edge ${s%:*} did not read its MAC $mac from ifconfig"
	done
	say "supernode and edge a in pa (tap0), edge b in pb (tap1); each read its MAC back from bsdtun's ifconfig"
	;;
gvpe-openbsd)
	from "gvpe (BSD)"
	[ -c /dev/tun0 ] && [ -c /dev/tun1 ] ||
		fail "no /dev/tun0 and tun1: load bsdtun with openbsd_prefix=tun"
	for n in a b; do
		d=$W/gvpe-$n id=$(echo $n | tr ab 12) peer=$(echo $n | tr ab 21)
		mkdir -p "$d/pubkey"
		cp "$K/gvpe/$n.priv" "$d/hostkey"
		cp "$K/gvpe/a.pub" "$d/pubkey/a"
		cp "$K/gvpe/b.pub" "$d/pubkey/b"
		cat > "$d/gvpe.conf" <<EOT
enable-udp = yes
udp-port = 7655
ifname = tun$((id - 1))
pid-file = $d/pid
loglevel = info
node = a
hostname = 192.168.90.1
node = b
hostname = 192.168.90.2
EOT
		# gvpe.osdep(5)'s recipe for its OpenBSD and NetBSD tun: the
		# ping tells its ARP emulation this end's address.
		cat > "$d/if-up" <<EOT
#!/bin/sh
PATH=/usr/lib/bsdtun/bin:\$PATH
ifconfig \$IFNAME mtu \$MTU up
ifconfig \$IFNAME 10.90.0.$id 10.90.0.$peer
route add -net 10.90.0.0 10.90.0.$peer 255.255.255.0
ping -c1 -W1 10.90.0.$peer
exit 0
EOT
		chmod 755 "$d/if-up"
	done
	# if-up runs under Debian's shell.
	# shellcheck disable=SC2086
	start pa gvpe-a $debian_sh "$B/gvpe-openbsd" -c "$W/gvpe-a" -D a
	appears pa tun0 10.90.0.1
	# Its tun is always /dev/tun0: b's, in its mount namespace, is
	# /dev/tun1 there.
	# shellcheck disable=SC2086
	start pb gvpe-b $debian_sh sh -c \
		"mount -o bind /dev/tun1 /dev/tun0 && exec $B/gvpe-openbsd -c $W/gvpe-b -D b"
	appears pb tun1 10.90.0.2
	ip -n pa route show 10.90.0.0/24 | grep -q 'via 10.90.0.2 dev tun0' ||
		fail "route add -net 10.90.0.0 10.90.0.2 255.255.255.0 in pa: $(ip -n pa route)"
	say "gvpe a on /dev/tun0 (pa), b on /dev/tun1 (pb), OpenBSD family; if-up by bsdtun's ifconfig and route"
	;;
openssh)
	from "openssh (BSD)"
	[ -c /dev/tun0 ] && [ -c /dev/tun1 ] ||
		fail "no /dev/tun0 and tun1: load bsdtun with prefix=tun"
	v6=1
	d=$W/ssh
	mkdir -p "$d"
	# The keys as ssh and sshd want them: the owner's alone.
	cp "$K/ssh/host" "$K/ssh/client" "$d/"
	chmod 600 "$d/host" "$d/client"
	cp "$K/ssh/client.pub" "$d/authorized_keys"
	# Root's home is /: the client key authorized by an absolute path,
	# which StrictModes would refuse in /tmp.  No UsePAM: this build has
	# no PAM.
	cat > "$d/sshd_config" <<EOT
ListenAddress 192.168.90.2
HostKey $d/host
PidFile $d/sshd.pid
AuthorizedKeysFile $d/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
StrictModes no
PermitTunnel yes
LogLevel DEBUG1
EOT
	# Its privilege separation directory, /run/sshd, in a mount
	# namespace of its own (a tmpfs over /run): nothing left behind.
	start pb sshd unshare -m --propagation private sh -c \
		"mount -t tmpfs -o mode=755 tmpfs /run && mkdir /run/sshd &&
		 exec $B/sshd-bsd -D -e -f $d/sshd_config"
	logged sshd "Server listening on 192.168.90.2 port 22" "sshd did not start"
	start pa ssh "$B/ssh-bsd" -v -N -F /dev/null -i "$d/client" -o BatchMode=yes \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o Tunnel=point-to-point -w 0:1 root@192.168.90.2
	appears pa tun0
	appears pb tun1
	# port-net.c's FreeBSD sys_tun_open (the Linux one opens
	# /dev/net/tun and names no node), at each end; TUNSIFHEAD 1 as
	# bsdtun records it; up by SIOCSIFFLAGS before any ifconfig.
	logged ssh "sys_tun_open: /dev/tun0 mode 1 fd" "ssh did not open /dev/tun0 the FreeBSD way"
	logged sshd "sys_tun_open: /dev/tun1 mode 1 fd" "sshd did not open /dev/tun1 the FreeBSD way"
	for s in a:tun0 b:tun1; do
		[ "$(ip netns exec "p${s%:*}" cat "/sys/class/net/${s#*:}/bsdtun/ifhead")" = 1 ] ||
			fail "${s#*:}: TUNSIFHEAD not set"
		ip -n "p${s%:*}" link show "${s#*:}" | grep -q '[<,]UP[,>]' ||
			fail "${s#*:}: not brought up"
	done
	ifc=/usr/lib/bsdtun/bin/ifconfig
	ip netns exec pa $ifc tun0 10.90.0.1 10.90.0.2 up &&
		ip netns exec pa $ifc tun0 inet6 fd90::1 fd90::2 prefixlen 128 &&
		ip netns exec pb $ifc tun1 10.90.0.2 10.90.0.1 up &&
		ip netns exec pb $ifc tun1 inet6 fd90::2 fd90::1 prefixlen 128 ||
		fail "ifconfig"
	for l in ssh sshd; do
		say "$l: $(grep -m1 'sys_tun_open: /dev/tun' "$W/$l.log" | tr -d '\r')"
	done
	say "ssh -w 0:1 in pa (/dev/tun0), sshd in pb (/dev/tun1), both opened by FreeBSD's sys_tun_open with TUNSIFHEAD 1; addressed by bsdtun's ifconfig"
	;;
*)
	fail "no such scenario"
	;;
esac
check_traffic
cleanup
echo "RESULT: PASS $scen"
