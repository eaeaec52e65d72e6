#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the bsdtun test VM.  Loads bsdtun, runs each selftest program
# with a freshly loaded module and reports on the second serial port
# (/dev/ttyS1), which carries nothing but results:
#
#   BSDTUN-BEGIN <program>        TAP output of the program follows
#   BSDTUN-END <program> <rc>
#   BSDTUN-CHECK ok|not ok <what> a check made by this script
#   BSDTUN-DONE                   the run completed
#
# The kernel console (ttyS0) is scanned by the host for kernel reports.
# Finally the guest writes to QEMU's isa-debug-exit port, so the host tells
# a completed run from a panic or hang.

export PATH=/sbin:/bin
export BSDTUN_KO=/bsdtun/bsdtun.ko

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm /tmp /run
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /dev/shm
mkdir -p /run/netns /var/run
mount --make-rshared / 2>/dev/null
hostname bsdtun-vm
ip link set lo up
# The kernel asks this modprobe to load modules on demand (char-major-*).
echo /bin/modprobe > /proc/sys/kernel/modprobe

while read -r m; do
	insmod "/modules/$m" || echo "init: insmod $m failed"
done < /modules/order

R=/dev/ttyS1
mode=shell
for arg in $(cat /proc/cmdline); do
	case $arg in
	bsdtun.mode=*) mode=${arg#bsdtun.mode=} ;;
	bsdtun.fuzzops=*) export BSDTUN_FUZZ_OPS=${arg#bsdtun.fuzzops=} ;;
	bsdtun.bench=*) export BSDTUN_BENCH=${arg#bsdtun.bench=} ;;
	esac
done

bsdtun_exit() {
	# QEMU exits with (value << 1) | 1: 0x10 gives 33, "run completed".
	printf '\020' | dd of=/dev/port bs=1 seek=244 count=1 2>/dev/null
	poweroff -f
}

bsdtun_check() {
	if [ "$1" = 0 ]; then
		echo "BSDTUN-CHECK ok $2" > $R
	else
		echo "BSDTUN-CHECK not ok $2" > $R
	fi
}

# Kill whatever a program left running and wait (bounded) until only
# init and kernel threads (which have no exe) remain: the harness forks
# each test into its own process group, and a test that outlived its
# killed harness would race the next load and unload.
bsdtun_reap() {
	local i p left
	kill -KILL -1 2>/dev/null
	for i in $(seq 30); do
		left=
		for p in /proc/[0-9]*; do
			[ "$p" = /proc/1 ] || [ ! -e "$p/exe" ] || left=$p
		done
		[ -z "$left" ] && return 0
		sleep 1
	done
	return 1
}

bsdtun_loaded() {
	grep -q '^bsdtun ' /proc/modules
}

# KVM probe: reaching /init is all that is asked.
[ "$mode" = probe ] && bsdtun_exit

# A DKMS-installed module is loaded the way a user loads it.
load="insmod $BSDTUN_KO"
[ -e /bsdtun/modprobe ] && load="modprobe bsdtun"

if ! $load; then
	bsdtun_check 1 "$load"
	echo BSDTUN-DONE > $R
	bsdtun_exit
fi

if [ "$mode" = shell ]; then
	echo "bsdtun test VM: bsdtun loaded; selftests in /bsdtun/selftests (run_kselftest.sh); exit to power off"
	setsid cttyhack sh -l
	poweroff -f
fi

bsdtun_check 0 "$load"

if [ "$mode" = demo ]; then
	# A few seconds' work: a stalled tunnel ends it well before the
	# host's limit for the whole VM.
	timeout -s KILL 300 /bsdtun/demo/demo.sh > $R 2>&1
	rc=$?
	[ $rc = 137 ] && echo "demo: killed after 300 s; DEMO: FAIL" > $R
	echo BSDTUN-DONE > $R
	bsdtun_exit
fi

if [ "$mode" = bench ]; then
	echo BSDTUN-BEGIN bsdtun_bench > $R
	/bsdtun/bench/bsdtun_bench > $R 2>&1
	echo "BSDTUN-END bsdtun_bench $?" > $R
	echo BSDTUN-DONE > $R
	bsdtun_exit
fi
cd /bsdtun/selftests/bsdtun || exit 1
for t in $(cat /bsdtun/tests.list); do
	# Every program starts from a freshly loaded module with defaults.
	if ! bsdtun_loaded; then
		$load
		bsdtun_check $? "$load before $t"
	fi
	echo "BSDTUN-BEGIN $t" > $R
	timeout -s KILL 900 "./$t" > $R 2>&1 < /dev/null
	rc=$?
	echo "BSDTUN-END $t $rc" > $R
	bsdtun_reap
	bsdtun_check $? "$t left no process running"
	ip -all netns delete 2>/dev/null
	if bsdtun_loaded; then
		rmmod bsdtun
		bsdtun_check $? "rmmod bsdtun after $t"
	fi
done

if bsdtun_loaded; then
	rmmod bsdtun
	bsdtun_check $? "rmmod bsdtun at the end"
fi
left=$(ls -d /dev/bsdtun* /sys/class/bsdtun/* 2>/dev/null)
[ -z "$left" ]
bsdtun_check $? "no bsdtun node or device left after unload"

# Debug kernel: after the unload, anything bsdtun allocated and lost is
# reported by kmemleak (the host also scans the console for the report).
if [ -d /sys/kernel/debug ] && mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null &&
   [ -e /sys/kernel/debug/kmemleak ]; then
	echo scan > /sys/kernel/debug/kmemleak
	echo scan > /sys/kernel/debug/kmemleak
	leaks=$(cat /sys/kernel/debug/kmemleak)
	[ -n "$leaks" ] && echo "kmemleak: $leaks" > /dev/console
	[ -z "$leaks" ]
	bsdtun_check $? "kmemleak finds no leak after the run"
fi
echo BSDTUN-DONE > $R
bsdtun_exit
