#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the bsdtun test VM.  Loads bsdtun, runs each selftest program
# with a freshly loaded module and reports on the second serial port
# (/dev/ttyS1; bsdtun.results=hvc0 names another: arm64's virt machine
# has one UART), which carries nothing but results:
#
#   BSDTUN-BEGIN <program>        TAP output of the program follows
#   BSDTUN-END <program> <rc>
#   BSDTUN-CHECK ok|not ok <what> a check made by this script
#   BSDTUN-FAULT <program> failslab=N fail_page_alloc=N fail_usercopy=N
#                                 failures injected into a program of the
#                                 fault pass (BSDTUN-BEGIN fault/<program>)
#   BSDTUN-DONE                   the run completed
#
# The kernel console (ttyS0) is scanned by the host for kernel reports.
# Finally the guest writes to QEMU's isa-debug-exit port (x86), so the
# host tells a completed run from a panic or hang; elsewhere BSDTUN-DONE
# tells it.

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
fault=
faultfuzzops=
for arg in $(cat /proc/cmdline); do
	case $arg in
	bsdtun.mode=*) mode=${arg#bsdtun.mode=} ;;
	bsdtun.fuzzops=*) export BSDTUN_FUZZ_OPS=${arg#bsdtun.fuzzops=} ;;
	bsdtun.bench=*) export BSDTUN_BENCH=${arg#bsdtun.bench=} ;;
	bsdtun.fault=*) fault=${arg#bsdtun.fault=} ;;
	bsdtun.faultfuzzops=*) faultfuzzops=${arg#bsdtun.faultfuzzops=} ;;
	bsdtun.results=*) R=/dev/${arg#bsdtun.results=} ;;
	esac
done

bsdtun_exit() {
	# QEMU exits with (value << 1) | 1: 0x10 gives 33, "run completed".
	# Without /dev/port (arm64) QEMU's status is the poweroff's, 0.
	[ -e /dev/port ] &&
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

# debugfs, where a debug kernel has kmemleak and the fault attributes.
bsdtun_debugfs() {
	[ -d /sys/kernel/debug ] || return 1
	grep -q ' /sys/kernel/debug debugfs ' /proc/mounts ||
		mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
}

# Each test's time, from the harness's output: it flushes before every
# "RUN" line, so one RUN to the next (or to the end) is a test's set-up,
# body and tear-down.  After it, "# TIME <centiseconds> <test>".
bsdtun_timed() {
	local l u t0= test=
	while IFS= read -r l; do
		case $l in
		"#  RUN "*)
			bsdtun_timed_end
			t0=$u
			test=${l#\#  RUN }
			test=${test#"${test%%[! ]*}"}
			test=${test% ...}
			;;
		esac
		printf '%s\n' "$l"
	done
	bsdtun_timed_end
}

# bsdtun_timed's clock, in centiseconds, into its u; and the time line of
# the test that ran until now, if one did.
bsdtun_timed_end() {
	read -r u _ < /proc/uptime
	u=${u%.*}${u#*.}
	[ -z "$test" ] || echo "# TIME $((u - t0)) $test"
}

# Run one program as the normal suite does: freshly loaded module, TAP
# between BEGIN and END, then nothing left running and the module
# unloaded.  $1: the name reported, then the command.
bsdtun_run() {
	local name=$1 t0 tpid i; shift
	if ! bsdtun_loaded; then
		$load
		bsdtun_check $? "$load before $name"
	fi
	echo "BSDTUN-BEGIN $name" > $R
	t0=$(cut -d. -f1 /proc/uptime)
	# The output through bsdtun_timed, by a FIFO rather than a pipe: a
	# process the program left behind holding it must not stall the run
	# (bsdtun_reap below kills it, and the check fails).
	rm -f /tmp/bsdtun-out
	mkfifo /tmp/bsdtun-out
	bsdtun_timed < /tmp/bsdtun-out > $R &
	tpid=$!
	timeout -s KILL 900 "$@" > /tmp/bsdtun-out 2>&1 < /dev/null
	rc=$?
	# Its end, 5 s at most (a finished one is a zombie: no exe).
	i=0
	while [ -e /proc/$tpid/exe ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -e /proc/$tpid/exe ] || wait $tpid
	# Where a guest's time goes, program by program.
	echo "# $name took $(($(cut -d. -f1 /proc/uptime) - t0)) s" > $R
	echo "BSDTUN-END $name $rc" > $R
	bsdtun_reap
	bsdtun_check $? "$name left no process running"
	ip -all netns delete 2>/dev/null
	if bsdtun_loaded; then
		rmmod bsdtun
		bsdtun_check $? "rmmod bsdtun after $name"
	fi
}

FI_ATTRS="failslab fail_page_alloc fail_usercopy"
# Each attribute's "times" counts down once per injected failure: set
# high (never reached), it counts the failures, where -1 would not.
FI_TIMES=1000000000

# Aim the fault attributes at tasks whose make-it-fail is set, failing $1
# percent of their slab and page allocations and user copies; 0 turns
# them off.  Run with BSDTUN_FAULT=1, a program sets make-it-fail itself
# (/proc/thread-self/make-it-fail) in the threads and children that
# exercise the driver, once it is past its own start: set from outside
# at exec, it made the C library's start-up fail (an mprotect of its
# RELRO refused with ENOMEM, status 127) before the program ran at all.
bsdtun_fault_set() {
	local a d=/sys/kernel/debug
	for a in $FI_ATTRS; do
		echo 0 > $d/$a/probability || return 1
		echo 1 > $d/$a/interval
		echo $FI_TIMES > $d/$a/times
		echo 0 > $d/$a/space
		echo Y > $d/$a/task-filter
		# One line per injected failure, no stack, none held back by
		# the ratelimit: the host excuses an allocation-failure
		# trace only right after such a line.
		echo 1 > $d/$a/verbose
		echo 0 > $d/$a/verbose_ratelimit_interval_ms
	done
	# Sleeping allocations too (by default only atomic ones fail), and
	# order-0 pages.  User pages (__GFP_HIGHMEM) stay exempt: failing
	# a page fault tests the memory manager, not bsdtun.
	echo N > $d/failslab/ignore-gfp-wait
	echo N > $d/failslab/cache-filter
	echo N > $d/fail_page_alloc/ignore-gfp-wait
	echo Y > $d/fail_page_alloc/ignore-gfp-highmem
	echo 0 > $d/fail_page_alloc/min-order
	for a in $FI_ATTRS; do
		echo "$1" > $d/$a/probability || return 1
	done
}

# Failures injected since bsdtun_fault_set, per attribute.
bsdtun_fault_count() {
	local a n out=
	for a in $FI_ATTRS; do
		n=$(cat /sys/kernel/debug/$a/times)
		out="$out $a=$((FI_TIMES - n))"
	done
	echo "${out# }"
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
	bsdtun_run "$t" "./$t"
done

# Fault pass (debug kernel): the programs of fault.list again, each with
# failures injected into its own allocations and copies.  Markers on the
# console bound the pass for the host's scan.
if [ -n "$fault" ] && [ -s /bsdtun/fault.list ]; then
	if bsdtun_debugfs && [ -d /sys/kernel/debug/fail_usercopy ]; then
		[ -n "$faultfuzzops" ] && export BSDTUN_FUZZ_OPS=$faultfuzzops
		for t in $(cat /bsdtun/fault.list); do
			# Uptime in the markers: the pass's cost, per program.
			echo "bsdtun-fault: begin $t ($fault%) at $(cut -d' ' -f1 /proc/uptime) s" > /dev/kmsg
			bsdtun_fault_set "$fault"
			bsdtun_check $? "fault injection set up for $t"
			bsdtun_run "fault/$t" env BSDTUN_FAULT=1 "./$t"
			n=$(bsdtun_fault_count)
			bsdtun_fault_set 0
			echo "bsdtun-fault: end $t at $(cut -d' ' -f1 /proc/uptime) s" > /dev/kmsg
			echo "BSDTUN-FAULT $t $n" > $R
		done
	else
		bsdtun_check 1 "fault pass: no fault attributes in debugfs"
	fi
fi

if bsdtun_loaded; then
	rmmod bsdtun
	bsdtun_check $? "rmmod bsdtun at the end"
fi
left=$(ls -d /dev/bsdtun* /sys/class/bsdtun/* 2>/dev/null)
[ -z "$left" ]
bsdtun_check $? "no bsdtun node or device left after unload"

# Debug kernel: after the unload, anything bsdtun allocated and lost is
# reported by kmemleak (the host also scans the console for the report).
# A scan refused means kmemleak turned itself off (it does when it runs
# out of memory for its own records), and its silence means nothing.
if bsdtun_debugfs && [ -e /sys/kernel/debug/kmemleak ]; then
	echo scan > /sys/kernel/debug/kmemleak &&
		echo scan > /sys/kernel/debug/kmemleak
	bsdtun_check $? "kmemleak still enabled and scanning after the run"
	leaks=$(cat /sys/kernel/debug/kmemleak)
	[ -n "$leaks" ] && echo "kmemleak: $leaks" > /dev/console
	[ -z "$leaks" ]
	bsdtun_check $? "kmemleak finds no leak after the run"
fi
# A kernel with gcov (the debug kernel, the module built for it): the
# module's counts, which the kernel keeps after an unload and adds up
# over every load of the run, out as a base64 tarball between markers
# (coverage.sh).  Copied with cat: debugfs gives these files no size.
if bsdtun_debugfs && [ -d /sys/kernel/debug/gcov ]; then
	mkdir -p /tmp/gcov
	find /sys/kernel/debug/gcov -name 'bsdtun*.gcda' |
		while read -r f; do cat "$f" > "/tmp/gcov/${f##*/}"; done
	echo BSDTUN-GCOV-BEGIN > $R
	tar -C /tmp/gcov -czf - . | base64 > $R
	echo BSDTUN-GCOV-END > $R
fi
echo BSDTUN-DONE > $R
bsdtun_exit
