#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The bsdtun test runner.  Does its own set-up, then for each kernel:
# builds bsdtun.ko (W=1, sparse) and the selftests, packs an initramfs,
# boots the real Debian kernel under QEMU, runs the selftests there and
# scans the kernel log.  Ends with one line "N passed, N failed".
#
#   run.sh check   the whole check (make check)
#   run.sh shell   boot the VM with bsdtun loaded, interactive (make shell)
#   run.sh bench   boot once, run bench/bsdtun_bench (make bench), write
#                  BENCHMARKS.md
#   run.sh demo    boot once, run tests/qemu/demo/demo.sh: a BSD-style
#                  tunnel between two namespaces (make demo)
#
# Environment:
#   KERNEL           make demo, shell and bench: the kernel to boot
#                    (default: bookworm, or "installed" when this
#                    machine's apt names no Debian suite); "installed" is
#                    this machine's running kernel (KREL=<release>: another
#                    installed one), booted with its own headers and
#                    modules
#   KERNELS          Debian suites to test (default: debug bullseye
#                    bookworm bookworm-backports sid sid-rt i386
#                    arm64-16k arm64 experimental kcsan: a
#                    KASAN/lockdep/kmemleak build of 6.1 with a
#                    fault-injection pass, 5.10, 6.1, 6.12, the newest,
#                    the newest's PREEMPT_RT flavour, a 32-bit (ARCH=i386)
#                    lockdep build of 6.1, sid's arm64 kernel with 16 KiB
#                    pages and bookworm's arm64 kernel under
#                    qemu-system-aarch64,
#                    the next (experimental's, when newer than sid's;
#                    otherwise one line says so), a KCSAN build of 6.1,
#                    and installed-root: make demo in a brand-new root
#                    with Debian's kernel installed and no Debian suite
#                    in its apt).  "installed" is this machine's kernel,
#                    as for KERNEL.  A name with a tests/qemu/<name>.config
#                    is a kernel built here by debug-kernel.sh.  make check
#                    runs BSDTUN_SLOTS of them side by side, started in
#                    this order, each one's output shown when it ends.
#   BSDTUN_SLOTS     kernels make check runs at once (default: the number
#                    of cores)
#   TESTS            selftest programs to run (default: all, in order)
#   BSDTUN_NEGATIVE  failtest: add a selftest that fails on purpose;
#                    warn: build a module that WARNs at load.
#                    Either must make the check fail (the runner's own test).
#   BSDTUN_CACHE     cache directory (default ~/.cache/bsdtun)
#   BSDTUN_BUILD     per-run build directory (default $BSDTUN_CACHE/build);
#                    two runs at once need one each, and share the cache
#   BSDTUN_TIMEOUT   seconds a VM may run (default 3000)
#   BSDTUN_ACCEL     tcg or kvm (default: kvm only if a probe boot works)
#   BSDTUN_FUZZ_OPS  operations bsdtun_fuzz runs on every kernel and pass
#                    (default: its own 200000; FUZZ_OPS_* below on the
#                    built kernels)
#   BENCH            make bench: profile = only the in-guest profile; rows'
#                    first words (read, bulk, e2e,round, tap, tap_bulk,
#                    latency...; _ for a space) = only those rows (with
#                    bql_ab: twice, bsdtun's byte queue limits on, then
#                    off); neither writes BENCHMARKS.md
set -uo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
QDIR=$TOP/tests/qemu
CACHE=${BSDTUN_CACHE:-$HOME/.cache/bsdtun}
export BSDTUN_CACHE=$CACHE
BUILD=${BSDTUN_BUILD:-$CACHE/build}
MODE=${1:-check}
# make demo, shell and bench boot one kernel: KERNEL, or the first of
# KERNELS, or else bookworm's unless apt has no Debian suite
# (bsdtun_default_kernel in main).
DEFAULT_KERNEL=
if [ "$MODE" = shell ] || [ "$MODE" = bench ] || [ "$MODE" = demo ]; then
	KERNELS=${KERNEL:-${KERNELS:-}}
	KERNELS=${KERNELS%% *}
	[ -n "$KERNELS" ] || DEFAULT_KERNEL=1 KERNELS=bookworm
fi
NEGATIVE=${BSDTUN_NEGATIVE:-}
# A negative check needs one boot only.
[ -n "$NEGATIVE" ] && KERNELS=${KERNELS:-bookworm}
# The debug kernel's run is the longest (KASAN, the fuzz, the fault
# pass): it starts first, so that the others run beside it.  The longer
# of the rest go before the shorter (i386's guest takes 6 to 8 minutes,
# experimental's and KCSAN's 1 to 4), so that the two slots end together
# rather than one waiting on a long last run; i386 still after sid, so a
# cold run has built its kernel by then.
KERNELS=${KERNELS:-debug bullseye bookworm bookworm-backports sid sid-rt i386 arm64-16k arm64 experimental kcsan installed-root}
# Hangs only: with kernels side by side and kernel builds behind them,
# the debug kernel's run takes up to twice its time alone.
TIMEOUT=${BSDTUN_TIMEOUT:-3000}
SLOTS=${BSDTUN_SLOTS:-$(nproc)}
FUZZ_OPS_DEBUG=500000
# The real BSD programs exercise read, write and the ioctls as the other
# programs do, slowly (the longest program on the debug kernel): the
# distribution's stable kernel and the newest run them.
PROGRAMS_KERNELS="bookworm sid"
# The BSD ifconfig and route are shell over the guest's iproute2 (this
# machine's, the same in every guest), but what an address or route
# request does is the kernel's: the kernels that run the programs, which
# use the commands, run their table (two minutes of an emulated guest).
BSDCMD_KERNELS="bookworm sid"
# What depends on the architecture (the data path, the ioctls' layouts,
# 32-bit user space, memory ordering under the stress and the fuzz) runs
# everywhere.  The control plane (units' lifetimes and namespaces, module
# load, delegation, the BSD ports' set-up) is the same code on every
# architecture: i386 and bookworm's arm64 leave it to the x86_64 kernels,
# the debug kernel and arm64-16k, which run it all.
SUBSET_KERNELS="i386 arm64"
SUBSET_SKIP="bsdtun_load bsdtun_units bsdtun_delegate bsdtun_ports"
# The debug kernel's fault pass: the programs it runs again under
# injected failures, the share of their allocations and user copies
# failed (percent), and the fuzz's length there.
FAULT_TESTS="bsdtun_stress bsdtun_fuzz"
FAULT_PERCENT=2
FUZZ_OPS_FAULT=100000
# bsdtun_stress asserts that set-ups succeed and that every packet is
# accounted for, which an injected ENOMEM may rightly break: in the fault
# pass its verdicts are shown, not counted.  It must run to its end
# (every test reports, no crash or kill) and every check of the kernel
# (console, unload, nothing left running, kmemleak) counts.
FAULT_UNCOUNTED="bsdtun_stress"
# The KCSAN kernel runs the programs with the most concurrency (unless
# TESTS names others), with this many fuzz operations.
KCSAN_TESTS="bsdtun_stress bsdtun_fuzz"
FUZZ_OPS_KCSAN=400000
JOBS=$(nproc)
# 32-bit x86 programs: Debian's i686 cross compiler (gcc-multilib, for
# gcc -m32, may not be installed beside the other cross compilers).
CC_I386=i686-linux-gnu-gcc
# shellcheck source=foreign.sh
. "$QDIR/foreign.sh"
# shellcheck source=package.sh
. "$QDIR/package.sh"

PASS=0
FAIL=0
SKIP=0

# The runner's pieces (tests/qemu/*.sh, drawn in TESTING.md).
# shellcheck source=lib.sh
. "$QDIR/lib.sh"
# shellcheck source=host.sh
. "$QDIR/host.sh"
# shellcheck source=initramfs.sh
. "$QDIR/initramfs.sh"
# shellcheck source=style.sh
. "$QDIR/style.sh"
# shellcheck source=boot.sh
. "$QDIR/boot.sh"
# shellcheck source=results.sh
. "$QDIR/results.sh"
# shellcheck source=coverage.sh
. "$QDIR/coverage.sh"
# shellcheck source=kernel.sh
. "$QDIR/kernel.sh"
# shellcheck source=slots.sh
. "$QDIR/slots.sh"
# shellcheck source=installed.sh
. "$QDIR/installed.sh"

# Build bsdtun.ko for one kernel in a copy of the tree (outside the work
# tree, so builds for several kernels do not collide).  Any compiler or
# sparse warning fails the check.  The demo, the shell and the benchmark
# build it as a user does, without W=1 and sparse.
bsdtun_build_module() {
	local kdir=$1 abi=$2 bdir=$3 suite common kobj log want cc broot rc lockfd arch
	local flavour=$karch
	local args=(W=1 C=2 "CHECK=sparse -Wno-unknown-attribute")
	[ "$MODE" = check ] || args=()
	rm -rf "$bdir"
	mkdir -p "$bdir"
	rsync -a --exclude .git --exclude selftests --exclude tests "$TOP/" "$bdir/"
	[ "$NEGATIVE" = warn ] && args+=(BSDTUN_WARN_ON_LOAD=1)
	# A kernel with gcov (the debug kernel): a module whose lines the
	# suite's run counts (coverage.sh).
	[ "$MODE" = check ] && grep -qs '^CONFIG_GCOV_KERNEL=y' "$kdir/.config" &&
		args+=(BSDTUN_GCOV=1)
	log=$bdir/build.log
	if [ -f "$kdir/arch/x86/boot/bzImage" ]; then
		# A kernel built here (the debug kernel): its tree is KDIR.
		common=$kdir
		kobj=$kdir
	elif [ -e "$kdir/release" ]; then
		# The installed kernel (installed.sh): its build directory.
		# Debian splits it in two, the -amd64 tree's Makefile a line
		# including the -common tree's: then build as with Debian's
		# extracted headers.
		kobj=$(readlink -f "$kdir/build")
		common=$(sed -n 's|^include \(/.*\)/Makefile$|\1|p' "$kobj/Makefile" | head -n1)
		[ -n "$common" ] && [ -d "$common" ] || common=$kobj
	else
		suite=$(cat "$kdir/suite" 2>/dev/null || echo "$abi")
		# -common-rt: the PREEMPT_RT flavour's.
		common=$(ls -d "$kdir"/usr/src/linux-headers-*-common{,-rt} 2>/dev/null | head -n1)
		flavour=$(cat "$kdir/flavour" 2>/dev/null || echo "$karch")
		kobj=$(ls -d "$kdir"/usr/src/linux-headers-*-"$flavour" | head -n1)
	fi
	# Another architecture than this machine's: kbuild must be told.
	case $karch in
	i386) arch=(ARCH=i386) ;;
	arm64) arch=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-) ;;
	*) arch=() ;;
	esac
	args+=("${arch[@]}")

	# The compiler the kernel was built with.  An older gcc missing here
	# is replaced by this machine's (modules built so load fine); a newer
	# one, with kbuild tools linked against a newer C library, needs a
	# build root of the kernel's own Debian release.
	want=$(sed -n 's/^CONFIG_CC_VERSION_TEXT="\([^ ]*\) .*/\1/p' "$kobj/.config")
	want=${want#x86_64-linux-gnu-}
	want=${want#aarch64-linux-gnu-}
	# An arm64 kernel (built natively by Debian, or cross-built): Debian's
	# cross gcc of that version.
	[ "$karch" = arm64 ] && want=aarch64-linux-gnu-$want
	if command -v "$want" >/dev/null; then
		cc=$want
	elif [ "${want#gcc-}" -lt "$(gcc -dumpversion)" ] 2>/dev/null; then
		cc=gcc
	else
		cc=
	fi
	if [ -n "$cc" ]; then
		make -C "$bdir" KDIR="$common" KOBJ="$kobj" CC="$cc" \
			"${args[@]}" -j"$JOBS" > "$log" 2>&1
		rc=$?
	elif [ -e "$kdir/release" ]; then
		bsdtun_result 1 "[$abi] module builds: the kernel was built with $want, which is not installed (apt-get install $want)"
		return 1
	else
		bsdtun_log "[$abi] $want is not on this machine: building in a $suite build root"
		broot=$("$QDIR/fetch-kernel.sh" --buildroot "$suite") || {
			bsdtun_result 1 "[$abi] make a $suite build root"; return 1; }
		# Kernels run side by side may share a build root; its dkms
		# state and /tmp/bsdtun-src are one at a time.
		exec {lockfd}> "$broot.lock"
		flock "$lockfd"
		bsdtun_checker_standin "$broot/usr/src/${common##*/}"
		unshare -m sh -c '
			mount --bind "$1" "$2/build" && mount -t proc proc "$2/proc" &&
			chroot "$2" make -C /build KDIR="$3" CC="$4" "CHECK=$5" W=1 C=2 $6 -j"$7"
		' _ "$bdir" "$broot" "/usr/src/${kobj##*/}" "$want" \
			"sparse -Wno-unknown-attribute" \
			"$([ "$NEGATIVE" = warn ] && echo BSDTUN_WARN_ON_LOAD=1) ${arch[*]}" "$JOBS" \
			> "$log" 2>&1
		rc=$?
		# The packaging paths in the generic flavour's build root.
		[ $rc -eq 0 ] && [ "$flavour" = amd64 ] &&
			bsdtun_dkms "$abi" "$broot" "$bdir"
		exec {lockfd}>&-
	fi
	if [ $rc -ne 0 ] || [ ! -f "$bdir/bsdtun.ko" ]; then
		cat "$log"
		bsdtun_result 1 "[$abi] module builds"
		return 1
	fi
	bsdtun_result 0 "[$abi] module builds (${cc:-$want in build root})"
	[ -n "$cc" ] && bsdtun_check_install "$abi" "$bdir" "$common" "$kobj" "$cc" "${args[@]}"
	[ "$MODE" = check ] || return 0
	# Warnings from the module's own files (not the kernel's headers
	# included by them, which are the distribution's business).
	if grep -E '^[^ ]+:[0-9]+(:[0-9]+)?: (warning|error):' "$log" |
	   grep -vE '/usr/src/linux-headers' | grep -q .; then
		grep -E '(warning|error):' "$log"
		bsdtun_result 1 "[$abi] W=1 and sparse (C=2) warning-free"
	elif grep -q 'specified, but .* is not available' "$log" ||
	     ! grep -q '^ *CHECK ' "$log"; then
		grep 'specified, but' "$log"
		bsdtun_result 1 "[$abi] W=1 and sparse (C=2) warning-free: kbuild did not run sparse"
	else
		bsdtun_result 0 "[$abi] W=1 and sparse (C=2) warning-free"
	fi
}


main() {
	local src='' suite t rc
	[ -n "$DEFAULT_KERNEL" ] && bsdtun_default_kernel
	bsdtun_install_deps
	# The demo's kernel through an apt of its suites only (fetch-kernel.sh).
	bsdtun_minimal_run && export BSDTUN_APT_NARROW=1
	mkdir -p "$BUILD"
	# The selftests need kselftest_harness.h and checkpatch its script,
	# both from Debian's linux-source (139 MB).  The demo and the
	# benchmark need neither (the demo's relay is a plain program); the
	# shell has the selftests when Debian's archive is there to fetch it
	# and the 32-bit compiler of bsdtun_compat32 is installed.
	KSFT_DIR=
	if ! bsdtun_minimal_run ||
	   { [ "$MODE" = shell ] && command -v "$CC_I386" >/dev/null &&
	     "$QDIR/fetch-kernel.sh" --debian-apt; }; then
		src=$("$QDIR/fetch-kernel.sh" --source) ||
			bsdtun_die "cannot fetch linux-source (checkpatch, kselftest_harness.h)"
		export KSFT_DIR=$src/tree/tools/testing/selftests
	fi

	# Userspace: initramfs base and selftests, built once for all kernels.
	rm -rf "$BUILD/base-root" "$BUILD/selftests" "$BUILD/selftests-obj"
	bsdtun_base_root "$BUILD/base-root"
	mkdir -p "$BUILD/selftests" "$BUILD/selftests-obj"
	if [ -z "$KSFT_DIR" ]; then
		bsdtun_build_relay || bsdtun_die "cannot build bsdtun_relay"
		[ "$MODE" = shell ] &&
			bsdtun_log "the shell's VM has no selftests (they need Debian's linux-source and $CC_I386, which make check installs)"
	elif ! make -s -C "$TOP/selftests" KSFT_DIR="$KSFT_DIR" COMPAT_CC="$CC_I386" \
		OUTPUT="$BUILD/selftests-obj" -j"$JOBS" all >"$BUILD/selftests.log" 2>&1 ||
	   ! make -s -C "$TOP/selftests" KSFT_DIR="$KSFT_DIR" COMPAT_CC="$CC_I386" \
		OUTPUT="$BUILD/selftests-obj" \
		INSTALL_PATH="$BUILD/selftests" install >>"$BUILD/selftests.log" 2>&1; then
		cat "$BUILD/selftests.log"
		bsdtun_result 1 "selftests build"
	else
		bsdtun_result 0 "selftests build"
		# The standard install: run_kselftest.sh lists every program.
		[ "$("$BUILD/selftests/run_kselftest.sh" --list)" = \
		  "$(make -s -C "$TOP/selftests" print-tests | sed 's/^/bsdtun:/')" ]
		bsdtun_result $? "make -C selftests install: run_kselftest.sh --list names every program"
		# A run without the i386 kernel still compiles the selftests
		# 32-bit, where a pointer is no intmax_t and -Werror bites: a
		# test changed and tried on amd64 alone must not fail CI there.
		if [[ " $KERNELS " != *" i386 "* ]] && [ "$MODE" = check ] &&
		   command -v "$CC_I386" >/dev/null; then
			rc=0
			make -s -C "$TOP/selftests" KSFT_DIR="$KSFT_DIR" CC="$CC_I386" \
				COMPAT_CC="$CC_I386" OUTPUT="$BUILD/selftests-i386-obj" \
				-j"$JOBS" all >"$BUILD/selftests-i386.log" 2>&1 || rc=1
			[ $rc -eq 0 ] || cat "$BUILD/selftests-i386.log"
			bsdtun_result $rc "selftests build with $CC_I386 (32-bit)"
		fi
	fi
	TEST_LIST=${TESTS:-$(make -s -C "$TOP/selftests" print-tests)}
	# A misspelt name, or bsdtun_relay (a helper the tests run), would
	# boot and then fail as a test: refuse it here.
	all_tests=" $(make -s -C "$TOP/selftests" print-tests | tr '\n' ' ') "
	for t in ${TESTS:-}; do
		[[ "$all_tests" == *" $t "* ]] ||
			bsdtun_die "TESTS: $t is not a test program (make -s -C selftests print-tests lists them)"
	done
	if [ "$MODE" = demo ]; then
		mkdir -p "$BUILD/base-root/bsdtun/demo"
		gcc -O2 -Wall -Wextra -Werror -static \
			-o "$BUILD/base-root/bsdtun/demo/bsdtun_demo_tcp" \
			"$QDIR/demo/bsdtun_demo_tcp.c" || bsdtun_die "cannot build the demo"
		gcc -O2 -Wall -Wextra -Werror -static \
			-o "$BUILD/base-root/bsdtun/demo/bsdtun_demo_udp" \
			"$QDIR/demo/bsdtun_demo_udp.c" || bsdtun_die "cannot build the demo"
		install -m 755 "$QDIR/demo/demo.sh" "$BUILD/base-root/bsdtun/demo/"
	fi
	if [ "$MODE" = bench ]; then
		mkdir -p "$BUILD/base-root/bsdtun/bench"
		gcc -O2 -Wall -Wextra -Werror -static -o "$BUILD/base-root/bsdtun/bench/bsdtun_bench" \
			"$TOP"/bench/*.c || bsdtun_die "cannot build the benchmark"
	fi
	if [ "$NEGATIVE" = failtest ]; then
		gcc -O2 -static -I"$KSFT_DIR" -o "$BUILD/selftests/bsdtun/bsdtun_fail" \
			"$QDIR/negative/bsdtun_fail.c" ||
			bsdtun_die "cannot build the negative selftest"
		TEST_LIST=bsdtun_fail
	fi
	[ "$NEGATIVE" = warn ] && TEST_LIST=${TESTS:-$(echo "$TEST_LIST" | head -n1)}

	case $NEGATIVE in
	failtest) bsdtun_log "negative check: a selftest fails on purpose; this run must fail" ;;
	warn) bsdtun_log "negative check: bsdtun.ko WARNs at load; this run must fail" ;;
	'') ;;
	*) bsdtun_die "BSDTUN_NEGATIVE must be failtest or warn" ;;
	esac
	bsdtun_installed_root_prefetch
	# The kernels built here are a cold run's longest chain: their
	# builds start now, beside the BSD programs' build and the style
	# checks, as soon as nothing left can stop the run.
	bsdtun_prefetch_kernels

	# Only make check runs selftests: the demo and the benchmark do not.
	PROGRAMS=
	if [ "$MODE" = check ]; then
		case " $(echo $TEST_LIST) " in
		*" bsdtun_programs "*) bsdtun_build_programs ;;
		esac
	fi
	if [ "$MODE" = check ] && [ -z "$NEGATIVE" ]; then
		bsdtun_style_start "$src"
		bsdtun_check_headers
		bsdtun_check_man_examples
		bsdtun_check_version
	fi

	if [ "$MODE" = check ]; then
		bsdtun_run_kernels
	else
		for suite in $KERNELS; do
			bsdtun_run_kernel "$suite"
		done
	fi
	bsdtun_style_collect
	bsdtun_prefetch_wait

	bsdtun_summary
	[ $FAIL -eq 0 ]
}

main
