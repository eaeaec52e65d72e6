# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034,SC2154
#
# The i386 run of the test runner (KERNELS=i386), sourced by run.sh.  A
# 32-bit debug kernel built from Debian's linux-source-6.1
# (debug-kernel.sh i386: i386.config, lockdep, preemption, highmem...)
# boots under qemu-system-i386 with a 32-bit userland: the selftests built
# with gcc -m32 -static, busybox, iproute2 and ethtool from bookworm's
# i386 packages (i386-root.sh).  init.sh and the selftests are the same as
# on every other kernel.

# The 64-bit base root with its programs swapped for 32-bit ones, and the
# selftests (and the fault-injection wrapper, and the demo's, benchmark's
# or negative check's program when this run has one) built -m32.  Sets
# bsdtun_run_kernel()'s qemu, base_root and selftests.
bsdtun_i386_userland() {
	local log=$BUILD/i386-userland.log obj=$BUILD/selftests-i386-obj rc=0
	qemu="qemu-system-i386"
	base_root=$BUILD/base-root-i386
	selftests=$BUILD/selftests-i386
	rm -rf "$base_root" "$selftests" "$obj"
	cp -a "$BUILD/base-root" "$base_root"
	"$QDIR/i386-root.sh" "$base_root" > "$log" 2>&1 || rc=1
	mkdir -p "$selftests" "$obj"
	{
		make -s -C "$TOP/selftests" KSFT_DIR="$KSFT_DIR" CC="gcc -m32" \
			OUTPUT="$obj" -j"$JOBS" all &&
		make -s -C "$TOP/selftests" KSFT_DIR="$KSFT_DIR" CC="gcc -m32" \
			OUTPUT="$obj" INSTALL_PATH="$selftests" install
	} >> "$log" 2>&1 || rc=1
	if [ -e "$base_root/bsdtun/demo/bsdtun_demo_tcp" ]; then
		gcc -m32 -O2 -Wall -Wextra -Werror -static \
			-o "$base_root/bsdtun/demo/bsdtun_demo_tcp" \
			"$QDIR/demo/bsdtun_demo_tcp.c" >> "$log" 2>&1 || rc=1
	fi
	if [ -e "$base_root/bsdtun/bench/bsdtun_bench" ]; then
		gcc -m32 -O2 -Wall -Wextra -Werror -static \
			-o "$base_root/bsdtun/bench/bsdtun_bench" \
			"$TOP"/bench/*.c >> "$log" 2>&1 || rc=1
	fi
	if [ "$NEGATIVE" = failtest ]; then
		gcc -m32 -O2 -static -I"$KSFT_DIR" -o "$selftests/bsdtun/bsdtun_fail" \
			"$QDIR/negative/bsdtun_fail.c" >> "$log" 2>&1 || rc=1
	fi
	[ $rc -eq 0 ] || cat "$log"
	bsdtun_result $rc "[$abi] 32-bit userland: selftests built with gcc -m32 -static; busybox, iproute2 and ethtool from bookworm's i386 packages"
	return $rc
}
