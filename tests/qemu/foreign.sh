# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034,SC2154
#
# Kernels of another architecture than this machine's, sourced by run.sh:
#
#   i386   a 32-bit debug kernel built from Debian's linux-source-6.1
#          (debug-kernel.sh i386: i386.config, lockdep, preemption,
#          highmem...), booted under qemu-system-i386;
#   arm64  bookworm's own arm64 kernel (fetch-kernel.sh arm64), bsdtun.ko
#          cross-built against its headers with Debian's aarch64 gcc,
#          booted under qemu-system-aarch64 (TCG, virt machine).
#
# Each boots on a userland of its architecture: the selftests built
# static for it, and busybox, iproute2 and ethtool from bookworm's
# packages of that architecture (foreign-root.sh).  init.sh and the
# selftests are the same as on every other kernel.

# The amd64 base root with its programs swapped for ARCH's, and the
# selftests (and the demo's, benchmark's or negative check's program when
# this run has one) built for ARCH.  Sets bsdtun_run_kernel()'s qemu,
# base_root and selftests.
bsdtun_foreign_userland() {
	local arch=$1 log=$BUILD/$1-userland.log obj=$BUILD/selftests-$1-obj rc=0 cc ccc p
	# ARCH's QEMU, the compiler of its programs and of its 32-bit ones
	# (the compat test's).
	case $arch in
	i386) qemu=qemu-system-i386 cc=$CC_I386 ccc=$CC_I386 ;;
	arm64) qemu=qemu-system-aarch64 cc=aarch64-linux-gnu-gcc ccc=arm-linux-gnueabihf-gcc ;;
	esac
	base_root=$BUILD/base-root-$arch
	selftests=$BUILD/selftests-$arch
	rm -rf "$base_root" "$selftests" "$obj"
	cp -a "$BUILD/base-root" "$base_root"
	"$QDIR/foreign-root.sh" "$arch" "$base_root" > "$log" 2>&1 || rc=1
	mkdir -p "$selftests" "$obj"
	{
		make -s -C "$TOP/selftests" KSFT_DIR="$KSFT_DIR" CC="$cc" \
			COMPAT_CC="$ccc" OUTPUT="$obj" -j"$JOBS" all &&
		make -s -C "$TOP/selftests" KSFT_DIR="$KSFT_DIR" CC="$cc" \
			COMPAT_CC="$ccc" OUTPUT="$obj" INSTALL_PATH="$selftests" install
	} >> "$log" 2>&1 || rc=1
	if [ -e "$base_root/bsdtun/demo/bsdtun_demo_tcp" ]; then
		for p in bsdtun_demo_tcp bsdtun_demo_udp; do
			$cc -O2 -Wall -Wextra -Werror -static \
				-o "$base_root/bsdtun/demo/$p" \
				"$QDIR/demo/$p.c" >> "$log" 2>&1 || rc=1
		done
	fi
	if [ -e "$base_root/bsdtun/bench/bsdtun_bench" ]; then
		$cc -O2 -Wall -Wextra -Werror -static \
			-o "$base_root/bsdtun/bench/bsdtun_bench" \
			"$TOP"/bench/*.c >> "$log" 2>&1 || rc=1
	fi
	if [ "$NEGATIVE" = failtest ]; then
		$cc -O2 -static -I"$KSFT_DIR" -o "$selftests/bsdtun/bsdtun_fail" \
			"$QDIR/negative/bsdtun_fail.c" >> "$log" 2>&1 || rc=1
	fi
	[ $rc -eq 0 ] || cat "$log"
	bsdtun_result $rc "[$abi] $arch userland: selftests built with $cc -static; busybox, iproute2 and ethtool from bookworm's $arch packages"
	return $rc
}
