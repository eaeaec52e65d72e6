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
#   KERNELS          Debian suites to test (default: debug bullseye
#                    bookworm bookworm-backports sid i386 arm64
#                    experimental kcsan: a KASAN/lockdep/kmemleak build of
#                    6.1 with a fault-injection pass, 5.10, 6.1, 6.12, the
#                    newest, a 32-bit (ARCH=i386) lockdep build of 6.1,
#                    bookworm's arm64 kernel under qemu-system-aarch64,
#                    the next (experimental's, when newer than sid's;
#                    otherwise one line says so) and a KCSAN build of
#                    6.1).  A name with a tests/qemu/<name>.config is a
#                    kernel built here by debug-kernel.sh.  make check
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
#   BSDTUN_TIMEOUT   seconds a VM may run (default 2400)
#   BSDTUN_ACCEL     tcg or kvm (default: kvm only if a probe boot works)
#   BSDTUN_FUZZ_OPS  operations bsdtun_fuzz runs on every kernel and pass
#                    (default: its own 200000; FUZZ_OPS_* below on the
#                    built kernels)
#   BENCH            make bench: profile = only the in-guest profile; rows'
#                    first words (read, bulk, e2e,round, tap, tap_bulk...;
#                    _ for a space) = only those rows; neither writes
#                    BENCHMARKS.md
set -uo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
QDIR=$TOP/tests/qemu
CACHE=${BSDTUN_CACHE:-$HOME/.cache/bsdtun}
export BSDTUN_CACHE=$CACHE
BUILD=${BSDTUN_BUILD:-$CACHE/build}
MODE=${1:-check}
if [ "$MODE" = shell ] || [ "$MODE" = bench ] || [ "$MODE" = demo ]; then
	KERNELS=${KERNELS:-bookworm}
	KERNELS=${KERNELS%% *}
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
KERNELS=${KERNELS:-debug bullseye bookworm bookworm-backports sid i386 arm64 experimental kcsan}
# Hangs only: with kernels side by side and kernel builds behind them,
# the debug kernel's run takes up to twice its time alone.
TIMEOUT=${BSDTUN_TIMEOUT:-2400}
SLOTS=${BSDTUN_SLOTS:-$(nproc)}
FUZZ_OPS_DEBUG=500000
# The real BSD programs exercise read, write and the ioctls as the other
# programs do, slowly (the longest program on the debug kernel): the
# distribution's stable kernel and the newest run them.
PROGRAMS_KERNELS="bookworm sid"
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

bsdtun_log() { echo "=== $*"; }

# A check the runner makes itself (build, style, kernel log...).
bsdtun_result() {
	local ok=$1; shift
	if [ "$ok" = 0 ]; then
		echo "ok - $*"
		PASS=$((PASS + 1))
	else
		echo "not ok - $*"
		FAIL=$((FAIL + 1))
	fi
}

bsdtun_summary() {
	if [ $SKIP -gt 0 ]; then
		echo "$PASS passed, $FAIL failed, $SKIP skipped"
	else
		echo "$PASS passed, $FAIL failed"
	fi
}

bsdtun_die() {
	echo "run.sh: $*" >&2
	FAIL=$((FAIL + 1))
	bsdtun_summary
	exit 1
}

bsdtun_install_deps() {
	local need=() p arm64=
	# 32-bit x86 programs (the compat test, the i386 userland) are built
	# with $CC_I386.  arm64: its QEMU,
	# Debian's cross compilers (64-bit, and 32-bit for the compat test)
	# and their C libraries.
	case " $KERNELS " in
	*" arm64 "*)
		arm64="qemu-system-arm gcc-aarch64-linux-gnu libc6-dev-arm64-cross
		       gcc-arm-linux-gnueabihf libc6-dev-armhf-cross" ;;
	esac
	for p in qemu-system-x86 busybox-static iproute2 ethtool sparse dwarves \
		 kmod cpio gzip xz-utils zstd gcc make libc6-dev \
		 gcc-i686-linux-gnu libc6-dev-i386-cross \
		 perl libelf-dev rsync mandoc mmdebstrap pkg-config \
		 flex bison bc libssl-dev git \
		 libsodium-dev liblzo2-dev zlib1g-dev \
		 debhelper dh-dkms dpkg-dev build-essential $arm64; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'install ok installed' || need+=("$p")
	done
	[ ${#need[@]} -eq 0 ] && return 0
	bsdtun_log "installing ${need[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get -q update >/dev/null || true
	apt-get -q install -y --no-install-recommends "${need[@]}" >/dev/null ||
		bsdtun_die "cannot install ${need[*]}"
}

# Userspace pieces of the initramfs that do not depend on the kernel.
bsdtun_base_root() {
	local root=$1 b lib
	mkdir -p "$root"/{bin,sbin,proc,sys,dev,tmp,run,etc,modules,bsdtun/selftests}
	cp /bin/busybox "$root/bin/busybox"
	for b in $(/bin/busybox --list); do
		case $b in
		ip|ethtool|tc|busybox) continue ;;
		esac
		ln -sf busybox "$root/bin/$b"
	done
	# busybox's ip has no netns: the real iproute2 goes first in PATH.
	for b in /usr/sbin/ip /usr/sbin/ethtool /usr/sbin/tc; do
		cp "$b" "$root/sbin/"
		for lib in $(ldd "$b" | grep -oE '/[^ ]+'); do
			mkdir -p "$root$(dirname "$lib")"
			cp -L "$lib" "$root$lib"
		done
	done
	ln -sf /sbin/ip "$root/bin/ip"
	echo 'root:x:0:0:root:/:/bin/sh' > "$root/etc/passwd"
	echo 'nobody:x:65534:65534:nobody:/:/bin/false' >> "$root/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' > "$root/etc/group"
	cp "$QDIR/init.sh" "$root/init"
	chmod 755 "$root/init"
}

# Kernel modules the tests need (veth, tun, bridge, 8021q) with their
# dependencies, decompressed so busybox insmod loads them whatever the
# kernel packs.
# init loads those listed in modules/order; dummy (no dependencies) only
# sits there for the benchmark, which loads it itself.
bsdtun_kernel_modules() {
	local kdir=$1 kver=$2 root=$3 base m f out
	base=$kdir
	[ -d "$kdir/lib/modules/$kver" ] || base=$kdir/usr
	: > "$root/modules/order"
	# The debug kernel has what the tests need built in.
	[ -d "$base/lib/modules/$kver" ] || return 0
	# The image package leaves modules.dep to its postinst: make it here.
	[ -s "$base/lib/modules/$kver/modules.dep" ] ||
		depmod -b "$base" "$kver" 2>/dev/null
	: > "$root/modules/order"
	# arm64's virt machine carries results on a virtio console.
	for m in veth tun bridge 8021q dummy \
		 $([ "$karch" = arm64 ] && echo virtio_mmio virtio_console); do
		modprobe -d "$base" -S "$kver" --show-depends "$m" 2>/dev/null |
			awk -v m="$m" '$1 == "insmod" { print m, $2 }'
	done | awk '!seen[$2]++' | while read -r m f; do
		out=$(basename "$f"); out=${out%.xz}; out=${out%.zst}; out=${out%.gz}
		case $f in
		*.xz) xz -dc "$f" > "$root/modules/$out" ;;
		*.zst) zstd -qdc "$f" > "$root/modules/$out" ;;
		*.gz) gzip -dc "$f" > "$root/modules/$out" ;;
		*) cp "$f" "$root/modules/$out" ;;
		esac
		[ "$m" = dummy ] || echo "$out" >> "$root/modules/order"
	done
}

# Build bsdtun.ko for one kernel in a copy of the tree (outside the work
# tree, so builds for several kernels do not collide).  Any compiler or
# sparse warning fails the check.
bsdtun_build_module() {
	local kdir=$1 abi=$2 bdir=$3 suite common kobj log want cc broot rc lockfd
	local args=(W=1 C=2 "CHECK=sparse -Wno-unknown-attribute")
	rm -rf "$bdir"
	mkdir -p "$bdir"
	rsync -a --exclude .git --exclude selftests --exclude tests "$TOP/" "$bdir/"
	[ "$NEGATIVE" = warn ] && args+=(BSDTUN_WARN_ON_LOAD=1)
	log=$bdir/build.log
	if [ -f "$kdir/arch/x86/boot/bzImage" ]; then
		# A kernel built here (the debug kernel): its tree is KDIR.
		common=$kdir
		kobj=$kdir
	else
		suite=$(cat "$kdir/suite" 2>/dev/null || echo "$abi")
		common=$(ls -d "$kdir"/usr/src/linux-headers-*-common | head -n1)
		kobj=$(ls -d "$kdir"/usr/src/linux-headers-*-"$karch" | head -n1)
	fi
	# Another architecture than this machine's: kbuild must be told.
	case $karch in
	i386) args+=(ARCH=i386) ;;
	arm64) args+=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-) ;;
	esac

	# The compiler the kernel was built with.  An older gcc missing here
	# is replaced by this machine's (modules built so load fine); a newer
	# one, with kbuild tools linked against a newer C library, needs a
	# build root of the kernel's own Debian release.
	want=$(sed -n 's/^CONFIG_CC_VERSION_TEXT="\([^ ]*\) .*/\1/p' "$kobj/.config")
	want=${want#x86_64-linux-gnu-}
	# arm64's kernel was built natively: Debian's cross gcc of that version.
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
	else
		bsdtun_log "[$abi] $want is not on this machine: building in a $suite build root"
		broot=$("$QDIR/fetch-kernel.sh" --buildroot "$suite") || {
			bsdtun_result 1 "[$abi] make a $suite build root"; return 1; }
		# Kernels run side by side may share a build root; its dkms
		# state and /tmp/bsdtun-src are one at a time.
		exec {lockfd}> "$broot.lock"
		flock "$lockfd"
		bsdtun_checker_standin "$broot/usr/src/linux-headers-$abi-common"
		unshare -m sh -c '
			mount --bind "$1" "$2/build" && mount -t proc proc "$2/proc" &&
			chroot "$2" make -C /build KDIR="$3" CC="$4" "CHECK=$5" W=1 C=2 $6 -j"$7"
		' _ "$bdir" "$broot" "/usr/src/linux-headers-$abi-amd64" "$want" \
			"sparse -Wno-unknown-attribute" \
			"$([ "$NEGATIVE" = warn ] && echo BSDTUN_WARN_ON_LOAD=1)" "$JOBS" \
			> "$log" 2>&1
		rc=$?
		[ $rc -eq 0 ] && bsdtun_dkms "$abi" "$broot" "$bdir"
		exec {lockfd}>&-
	fi
	if [ $rc -ne 0 ] || [ ! -f "$bdir/bsdtun.ko" ]; then
		cat "$log"
		bsdtun_result 1 "[$abi] module builds"
		return 1
	fi
	bsdtun_result 0 "[$abi] module builds (${cc:-$want in build root})"
	[ -n "$cc" ] && bsdtun_check_install "$abi" "$bdir" "$common" "$kobj" "$cc" "${args[@]}"
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

# Newer kernels' kbuild runs scripts/checker-valid.sh before sparse and,
# when that fails, turns C=2 off with no more than a make warning.
# Debian's header packages leave the script out (7.3 in experimental):
# put a stand-in there that says the checker is valid when it runs, so
# that sparse really runs.  (The build log is also checked for that
# warning: a sparse that did not run fails the check.)
bsdtun_checker_standin() {
	local hdr=$1 s=$1/scripts/checker-valid.sh
	grep -qs 'checker-valid.sh' "$hdr/Makefile" && [ ! -e "$s" ] || return 0
	mkdir -p "$(dirname "$s")"
	printf '#!/bin/sh\n"$@" /dev/null >/dev/null 2>&1 && echo 1\n' > "$s"
	chmod 755 "$s"
}

bsdtun_checkpatch() {
	local src=$1 f out bad=0 ign
	local cp=$src/tree/scripts/checkpatch.pl
	for f in $(cd "$TOP" && git ls-files --cached --others --exclude-standard '*.c' '*.h' 2>/dev/null ||
		   (cd "$TOP" && find . -name '*.[ch]' -not -path './.git/*')); do
		# User-space programs use the C library's types and
		# attributes and spell shell commands in split strings.
		ign=
		case $f in
		selftests/*|bench/*|tests/*)
			ign=--ignore=PREFER_KERNEL_TYPES,PREFER_DEFINED_ATTRIBUTE_MACRO,SPLIT_STRING ;;
		esac
		out=$(cd "$TOP" && perl "$cp" --strict --no-tree --quiet $ign \
			-f "$f" 2>&1)
		if [ -n "$out" ]; then
			echo "$out"
			bad=1
		fi
	done
	bsdtun_result $bad "checkpatch.pl --strict --no-tree on every .c/.h"
}

# A tiny boot, to learn whether KVM works on this machine.
bsdtun_probe_accel() {
	local kernel=$1 initrd=$2 stamp
	if [ -n "${BSDTUN_ACCEL:-}" ]; then
		echo "$BSDTUN_ACCEL"
		return
	fi
	if [ ! -w /dev/kvm ] || [ "$karch" != amd64 ]; then
		echo tcg
		return
	fi
	stamp=$CACHE/accel-$(uname -r)-$(grep -m1 'model name' /proc/cpuinfo | md5sum | cut -c1-8)
	if [ ! -f "$stamp" ]; then
		if timeout 60 qemu-system-x86_64 -accel kvm -cpu host -m 512M \
			-nodefaults -no-reboot -display none -monitor none -nic none \
			-kernel "$kernel" -initrd "$initrd" \
			-append "console=ttyS0 panic=-1 bsdtun.mode=probe" \
			-serial null -serial null \
			-device isa-debug-exit,iobase=0xf4,iosize=0x04 >/dev/null 2>&1
		   [ $? -eq 33 ]; then
			echo kvm > "$stamp"
		else
			echo tcg > "$stamp"
		fi
	fi
	cat "$stamp"
}

# Run QEMU for at most $TIMEOUT seconds.  arm64: the virt machine (a
# Cortex-A72: -cpu max's pointer authentication costs TCG dearly), its
# UART the console; no isa-debug-exit.
bsdtun_qemu() {
	local accel=$1 kernel=$2 initrd=$3 append=$4; shift 4
	local machine=(-cpu max -device isa-debug-exit,iobase=0xf4,iosize=0x04)
	[ "$accel" = kvm ] && machine[1]=host
	if [ "$karch" = arm64 ]; then
		machine=(-M virt -cpu cortex-a72)
		append=${append//console=ttyS0/console=ttyAMA0}
	fi
	timeout --foreground "$TIMEOUT" "${qemu:-qemu-system-x86_64}" -accel "$accel" \
		"${machine[@]}" \
		-m 1G -smp 2 -nodefaults -no-reboot -display none -monitor none -nic none \
		-kernel "$kernel" -initrd "$initrd" -append "$append" "$@"
}

# QEMU's arguments for the console log (file $1) and the result port
# (file $2): two UARTs, or on arm64 the UART and a virtio console, which
# init.sh is told of.
bsdtun_ports() {
	if [ "$karch" = arm64 ]; then
		echo "-serial file:$1 -device virtio-serial-device"
		echo "-chardev file,id=res,path=$2 -device virtconsole,chardev=res"
	else
		echo "-serial file:$1 -serial file:$2"
	fi
}

# Boot a kernel in one of init.sh's modes, with bsdtun_run_kernel()'s
# $accel, $kernel, $initrd and $abi, the console to $con and the result
# port to $res; sets its rc to QEMU's status.  Logs "$1".
bsdtun_boot() {
	local what=$1 append=$2
	[ "$karch" = arm64 ] && append="$append bsdtun.results=hvc0"
	bsdtun_log "$what"
	# shellcheck disable=SC2046
	bsdtun_qemu "$accel" "$kernel" "$initrd" "$append" $(bsdtun_ports "$con" "$res")
	rc=$?
	# TCG now and then executes a stale int3 while the kernel patches
	# its own text at boot (seen on 7.2: "Oops: int3" in early boot).  A
	# crash before /init ran, so before bsdtun existed, says nothing
	# about bsdtun: say so, keep the log, and boot once more.
	if ! grep -q '^BSDTUN-' "$res" && ! grep -q 'Run /init' "$con" &&
	   grep -qE 'Oops|BUG:|Kernel panic' "$con"; then
		cp "$con" "$con.early-crash"
		bsdtun_log "[$abi] the kernel crashed before /init (emulation, not bsdtun: $con.early-crash); booting again"
		# shellcheck disable=SC2046
		bsdtun_qemu "$accel" "$kernel" "$initrd" "$append" $(bsdtun_ports "$con" "$res")
		rc=$?
	fi
}

# Parse the guest's result port into TAP counts.
bsdtun_parse_results() {
	local abi=$1 res=$2 line prog rc seen_not_ok=0 done=0
	local uncounted=0 plan=0 ran=0 passed=0 t counts c kv
	FAULT_SEEN=0
	FAULT_KINDS= FAULT_HIT=
	while IFS= read -r line; do
		line=${line%$'\r'}
		if [ $uncounted = 1 ]; then
			# Shown, tallied, not counted (FAULT_UNCOUNTED).
			case $line in
			"1.."*) plan=${line#1..} ;;
			"ok "*) ran=$((ran + 1)); passed=$((passed + 1)) ;;
			"not ok "*) ran=$((ran + 1)) ;;
			esac
			case $line in
			"ok "*|"not ok "*|"1.."*)
				echo "# (not counted) $line"
				continue ;;
			esac
		fi
		case $line in
		"BSDTUN-BEGIN "*)
			prog=${line#BSDTUN-BEGIN }
			seen_not_ok=0
			uncounted=0
			case " $FAULT_UNCOUNTED " in
			*" ${prog#fault/} "*) [ "$prog" != "${prog#fault/}" ] && uncounted=1 ;;
			esac
			plan=0 ran=0 passed=0
			echo "# [$abi] $prog"
			;;
		"BSDTUN-END "*)
			rc=${line##* }
			if [ $uncounted = 1 ]; then
				# Its own verdicts aside, it must have run
				# every test to a verdict and exited by itself
				# (0: all passed, 1: some failed; not killed,
				# not all skipped).
				uncounted=0
				if { [ "$rc" = 0 ] || [ "$rc" = 1 ]; } &&
				   [ "$plan" -gt 0 ] && [ "$ran" = "$plan" ]; then
					bsdtun_result 0 "[$abi] $prog ran to its end under injected faults ($passed of $plan tests passed, not counted)"
				else
					bsdtun_result 1 "[$abi] $prog did not run to its end under injected faults (status $rc, $ran of $plan tests reported)"
				fi
				continue
			fi
			# A program that crashed or timed out without saying
			# "not ok" still fails; 4 is kselftest's "skip".
			if [ "$rc" != 0 ] && [ "$rc" != 4 ] && [ $seen_not_ok = 0 ]; then
				bsdtun_result 1 "[$abi] $prog exited with status $rc"
			fi
			;;
		"BSDTUN-FAULT "*)
			# A fault pass that injected nothing tested nothing:
			# each program must have had failures injected, and
			# the pass every kind (the stress program, which stops
			# at its first failed set-up, sees a few page and copy
			# failures in most runs, none in some).
			FAULT_SEEN=$((FAULT_SEEN + 1))
			t=${line#BSDTUN-FAULT }
			counts=${t#* }
			t=${t%% *}
			c=1
			for kv in $counts; do
				case " $FAULT_KINDS " in
				*" ${kv%%=*} "*) ;;
				*) FAULT_KINDS="$FAULT_KINDS ${kv%%=*}" ;;
				esac
				case $kv in
				*=-*|*=0) ;;
				*=[0-9]*)
					c=0
					case " $FAULT_HIT " in
					*" ${kv%%=*} "*) ;;
					*) FAULT_HIT="$FAULT_HIT ${kv%%=*}" ;;
					esac ;;
				esac
			done
			bsdtun_result $c "[$abi] fault/$t: failures injected: $counts"
			;;
		"BSDTUN-CHECK ok "*)
			bsdtun_result 0 "[$abi] ${line#BSDTUN-CHECK ok }" ;;
		"BSDTUN-CHECK not ok "*)
			bsdtun_result 1 "[$abi] ${line#BSDTUN-CHECK not ok }" ;;
		BSDTUN-DONE)
			done=1 ;;
		"ok "*"# SKIP"*|"ok "*"# skip"*)
			echo "$line"
			SKIP=$((SKIP + 1)) ;;
		"ok "*)
			echo "$line"
			PASS=$((PASS + 1)) ;;
		"not ok "*)
			echo "$line"
			seen_not_ok=1
			FAIL=$((FAIL + 1)) ;;
		*)
			echo "$line" ;;
		esac
	done < "$res"
	return $((1 - done))
}

# Kernel reports in the console log.  One kind of trace is excused: in
# the fault pass (between init's "bsdtun-fault: begin" and "end"
# markers), some kernel code answers an allocation failure by dumping the
# stack: warn_alloc() after "vmalloc error: ..." or "page allocation
# failure: ...", and sysctl registration after "sysctl could not get
# directory: ... -12" (ENOMEM).  Such a "Call Trace:" is excused only
# when all hold: it comes at most 4 lines after one of those headlines,
# the reporting function (warn_alloc, __register_sysctl_table) is one of
# its first frames, and the headline comes at most 8 lines after an
# injected failure's own report ("FAULT_INJECTION: forcing a failure."
# naming failslab or fail_page_alloc; init sets verbose=1 and no
# ratelimit so every injection that may warn has one).  Nothing else is:
# a BUG, WARNING, KASAN or lockdep report in the fault pass fails the
# run like anywhere else.
# "ODEBUG: Out of memory" and kmemleak's "Cannot allocate" mean a checker
# switched itself off, so its silence after that proves nothing.
# A KCSAN report ("BUG: KCSAN: data-race in A / B" up to its closing
# "====" line) is excused only when kcsan.filter lists the pair A / B and
# no frame of the report is bsdtun's; it is still printed.
bsdtun_scan_console() {
	local abi=$1 con=$2 hits excused
	# Case-sensitive on purpose: the command line says "oops=panic".  A
	# lockdep kernel's boot banner says "RCU lockdep checking is enabled".
	hits=$(awk '
		FILENAME == ARGV[1] {
			sub(/#.*/, "")
			if (split($0, p, " / ") == 2) {
				gsub(/[ \t]/, "", p[1]); gsub(/[ \t]/, "", p[2])
				known[p[1] " / " p[2]] = 1
				known[p[2] " / " p[1]] = 1
			}
			next
		}
		{ sub(/\r$/, ""); l[++n] = $0 }
		END {
			NR = n
			pat = "BUG:|WARNING:|Oops|Call Trace:|possible circular locking|possible recursive locking|inconsistent lock state|lockdep|KASAN:|UBSAN:|kmemleak:.*unreferenced|kmemleak: Cannot allocate|ODEBUG: Out of memory|Kernel panic"
			infault = 0; fi = -100; hl = -100; hlok = 0; excused = 0; intrace = 0
			for (i = 1; i <= NR; i++) {
				s = l[i]
				if (s ~ /bsdtun-fault: begin /)
					infault = 1
				else if (s ~ /bsdtun-fault: end /)
					infault = 0
				if (s ~ /FAULT_INJECTION: forcing a failure/ &&
				    l[i + 1] ~ /name (failslab|fail_page_alloc), interval/)
					fi = i
				who = ""
				if (s ~ /: (vmalloc error|page allocation failure): .*mode:0x/)
					who = "warn_alloc"
				else if (s ~ /sysctl could not get directory: .* -12$/)
					who = "__register_sysctl_table"
				if (who != "") {
					hl = i
					hlwho = who
					hlok = infault && i - fi <= 8
				}
				if (intrace) {
					if (s ~ /<\/TASK>/)
						intrace = 0
					if (s ~ /^( \? | )?[A-Za-z0-9_.]+\+0x[0-9a-f]+\/0x[0-9a-f]+( \[[a-z0-9_]+\])?$/ ||
					    s ~ /<\/?TASK>|^ *(RIP|RSP|RAX|RDX|RBP|R10|R13|Code):/)
						continue
				}
				if (s !~ pat || s ~ /Kernel command line|RCU lockdep checking is enabled\./)
					continue
				if (match(s, /BUG: KCSAN: [a-z -]+ in [^ ]+ \/ [^ ]+/)) {
					split(substr(s, RSTART, RLENGTH), h, " in ")
					pair = h[2]
					gsub(/\+0x[0-9a-f\/x]+/, "", pair)
					ours = 0
					for (j = i + 1; j <= NR && l[j] !~ /====================/; j++)
						if (l[j] ~ /\[bsdtun\]/)
							ours = 1
					if ((pair in known) && !ours) {
						print "filtered " i ": " s
						continue
					}
				}
				if (s ~ /Call Trace:/ && hlok && i - hl <= 4) {
					for (j = i + 1; j <= i + 5 && j <= NR; j++)
						if (index(l[j], " " hlwho "+0x"))
							break
					if (j <= i + 5 && j <= NR) {
						excused++
						# Its frames (which may name lockdep
						# functions) and register lines, up to
						# </TASK>; an interleaved line from
						# elsewhere is still checked.
						intrace = 1
						continue
					}
				}
				print i ": " s
			}
			if (excused)
				print "excused " excused
		}' "$QDIR/kcsan.filter" "$con")
	excused=$(echo "$hits" | sed -n 's/^excused //p')
	echo "$hits" | sed -n 's/^filtered /# KCSAN report excused by kcsan.filter: /p'
	hits=$(echo "$hits" | grep -v '^excused \|^filtered ' | head -n 60)
	[ -n "$excused" ] &&
		echo "# [$abi] $excused allocation-failure traces (warn_alloc or sysctl right after an injected failure, in the fault pass) excused"
	if [ -n "$hits" ]; then
		echo "$hits"
		bsdtun_result 1 "[$abi] kernel log free of BUG/WARNING/Oops/lockdep/KASAN/KCSAN reports (see $con)"
	else
		bsdtun_result 0 "[$abi] kernel log free of BUG/WARNING/Oops/lockdep/KASAN/KCSAN reports"
	fi
}

# The kernels built here take most of a cold run.  Build the ones not
# cached in the background, one after another and niced, from the start:
# they then overlap the Debian kernels' boots (a TCG guest leaves a core
# idle much of the time).  bsdtun_run_kernel's own debug-kernel.sh call
# waits on the build's lock, or finds it done.
bsdtun_prefetch_kernels() {
	local suite todo=
	PREFETCH_PID=
	[ "$MODE" = check ] || return 0
	for suite in $KERNELS; do
		[ -f "$QDIR/$suite.config" ] &&
			! "$QDIR/debug-kernel.sh" "$suite" --cached > /dev/null 2>&1 &&
			todo="$todo $suite"
	done
	[ -n "$todo" ] || return 0
	bsdtun_log "building the kernels$todo in the background (log: $BUILD/prefetch.log)"
	(
		for suite in $todo; do
			nice -n 10 "$QDIR/debug-kernel.sh" "$suite" > /dev/null || exit 1
		done
	) > "$BUILD/prefetch.log" 2>&1 &
	PREFETCH_PID=$!
}

# A failed background build is reported by the foreground's own attempt;
# here only nothing may be left running.
bsdtun_prefetch_wait() {
	[ -n "${PREFETCH_PID:-}" ] || return 0
	kill "$PREFETCH_PID" 2>/dev/null
	wait "$PREFETCH_PID" 2>/dev/null
	PREFETCH_PID=
}

bsdtun_run_kernel() {
	local suite=$1 kdir abi kver kernel bdir root initrd accel rc con res fuzz
	local tests=$TEST_LIST fault_list= fault= warnpanic=panic_on_warn=1 t n why
	local qemu='' base_root=$BUILD/base-root selftests=$BUILD/selftests
	# The kernel's architecture (amd64, i386, arm64), which the functions
	# called from here read.
	local karch=amd64 okrc=33
	if [ -f "$QDIR/$suite.config" ]; then
		case $suite in
		debug) n="KASAN, lockdep, kmemleak, UBSAN; then a fault-injection pass" ;;
		kcsan) n="KCSAN" ;;
		*) n="tests/qemu/$suite.config" ;;
		esac
		bsdtun_log "kernel: $suite kernel from Debian's linux-source-6.1 ($n)"
		n=$(date +%s)
		kdir=$("$QDIR/debug-kernel.sh" "$suite") || {
			bsdtun_result 1 "[$suite] build the $suite kernel"; return; }
		[ $(($(date +%s) - n)) -gt 60 ] &&
			bsdtun_log "[$suite] kernel ready after $(( ($(date +%s) - n) / 60 )) min"
		kver=$(cat "$kdir/include/config/kernel.release")
		abi=$suite-$kver
		kernel=$kdir/arch/x86/boot/bzImage
	else
		bsdtun_log "kernel: Debian $suite"
		kdir=$("$QDIR/fetch-kernel.sh" "$suite")
		case $? in
		0) ;;
		# experimental without a kernel newer than sid's: one line.
		3) bsdtun_log "[$suite] $kdir"; return ;;
		*) bsdtun_result 1 "[$suite] fetch the Debian kernel"; return ;;
		esac
		abi=$(cat "$kdir/abi")
		kver=$(ls "$kdir/boot" | sed -n 's/^vmlinuz-//p' | head -n1)
		kernel=$kdir/boot/vmlinuz-$kver
		karch=$(cat "$kdir/arch" 2>/dev/null || echo amd64)
	fi
	grep -qs '^CONFIG_X86_32=y' "$kdir/.config" && karch=i386
	# Another architecture boots its own QEMU on its own userland
	# (tests/qemu/foreign.sh); arm64's has no isa-debug-exit, and a
	# completed run powers off: QEMU's status 0.
	if [ "$karch" != amd64 ]; then
		bsdtun_foreign_userland "$karch" || return
	fi
	[ "$karch" = arm64 ] && okrc=0
	bdir=$BUILD/$abi
	bsdtun_log "[$abi] building bsdtun.ko against $kver"
	bsdtun_build_module "$kdir" "$abi" "$bdir/module" || return

	root=$bdir/root
	rm -rf "$root"
	cp -a "$base_root" "$root"
	bsdtun_kernel_modules "$kdir" "$kver" "$root"
	if [ -d "$bdir/module/dkms" ]; then
		# The module DKMS installed, where DKMS put it, for modprobe.
		local upd=$root/lib/modules/$kver/updates/dkms ko
		mkdir -p "$upd"
		ko=$(ls "$bdir"/module/dkms/bsdtun.ko*)
		case $ko in
		*.xz) xz -dc "$ko" > "$upd/bsdtun.ko" ;;
		*.zst) zstd -qdc "$ko" > "$upd/bsdtun.ko" ;;
		*) cp "$ko" "$upd/bsdtun.ko" ;;
		esac
		depmod -b "$root" "$kver" 2>/dev/null
		ln -s "/lib/modules/$kver/updates/dkms/bsdtun.ko" "$root/bsdtun/bsdtun.ko"
		touch "$root/bsdtun/modprobe"
	else
		cp "$bdir/module/bsdtun.ko" "$root/bsdtun/"
		# Installed too, as make install does, so kmod's aliases
		# (devname, char-major) can load it on demand.
		mkdir -p "$root/lib/modules/$kver/extra"
		cp "$bdir/module/bsdtun.ko" "$root/lib/modules/$kver/extra/"
		depmod -b "$root" "$kver" 2>/dev/null
	fi
	cp -a "$selftests/." "$root/bsdtun/selftests/"
	# The real BSD programs are x86_64 binaries, run where
	# PROGRAMS_KERNELS says unless TESTS names them.
	why=
	if [ "$karch" != amd64 ]; then
		why="its programs are x86_64 binaries"
	elif [ -z "${TESTS:-}" ] && [[ " $PROGRAMS_KERNELS " != *" $suite "* ]]; then
		why="$(echo $PROGRAMS_KERNELS | sed 's/ / and /') run it"
	elif [ -n "$PROGRAMS" ]; then
		cp -a "$PROGRAMS/." "$root/"
	fi
	if [ -n "$why" ] && [[ " $(echo $tests) " = *" bsdtun_programs "* ]]; then
		tests=$(echo $tests | sed 's/\bbsdtun_programs\b//')
		bsdtun_log "[$abi] bsdtun_programs not run: $why"
	fi
	# Per kernel: the debug kernel fuzzes longer and has a fault pass;
	# the KCSAN kernel runs the concurrent programs only, and without
	# panic_on_warn, since KCSAN panics on its first report under it and
	# one report in core code would hide the rest.  BSDTUN_FUZZ_OPS
	# overrides every fuzz length.
	fuzz=
	case $suite in
	debug)
		fuzz=bsdtun.fuzzops=${BSDTUN_FUZZ_OPS:-$FUZZ_OPS_DEBUG}
		if [ -z "$NEGATIVE" ]; then
			for t in $FAULT_TESTS; do
				case " $(echo $tests) " in
				*" $t "*) fault_list="$fault_list $t" ;;
				esac
			done
		fi
		if [ -n "$fault_list" ]; then
			fault="bsdtun.fault=$FAULT_PERCENT bsdtun.faultfuzzops=${BSDTUN_FUZZ_OPS:-$FUZZ_OPS_FAULT}"
			printf '%s\n' $fault_list > "$root/bsdtun/fault.list"
		else
			bsdtun_log "[$abi] no fault pass: the tests named include none of $FAULT_TESTS"
		fi
		;;
	kcsan)
		[ -z "${TESTS:-}" ] && [ -z "$NEGATIVE" ] && tests=$KCSAN_TESTS
		fuzz=bsdtun.fuzzops=${BSDTUN_FUZZ_OPS:-$FUZZ_OPS_KCSAN}
		warnpanic=
		;;
	*)
		[ -n "${BSDTUN_FUZZ_OPS:-}" ] && fuzz=bsdtun.fuzzops=$BSDTUN_FUZZ_OPS
		;;
	esac
	printf '%s\n' $tests > "$root/bsdtun/tests.list"
	initrd=$bdir/initrd.gz
	(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$initrd"
	accel=$(bsdtun_probe_accel "$kernel" "$initrd")

	if [ "$MODE" = shell ]; then
		TIMEOUT=86400
		bsdtun_qemu "$accel" "$kernel" "$initrd" \
			"console=ttyS0 panic=-1 bsdtun.mode=shell" \
			-serial mon:stdio -serial null
		exit 0
	fi

	con=$bdir/console.log
	res=$bdir/result.log
	rm -f "$con" "$res"
	if [ "$MODE" = demo ]; then
		bsdtun_boot "[$abi] booting under QEMU ($accel) for the demo" \
			"console=ttyS0 panic=-1 panic_on_warn=1 oops=panic bsdtun.mode=demo"
		tr -d '\r' < "$res" | grep -v '^BSDTUN-'
		if ! grep -q '^DEMO: PASS' "$res"; then
			tail -n 30 "$con"
			bsdtun_result 1 "[$abi] demo: tun and tap tunnels, ping, broadcast, multicast and TCP stream (QEMU status $rc)"
		else
			bsdtun_result 0 "[$abi] demo: tun and tap tunnels, ping, broadcast, multicast and TCP stream"
		fi
		bsdtun_scan_console "$abi" "$con"
		return
	fi
	if [ "$MODE" = bench ]; then
		bsdtun_boot "[$abi] booting under QEMU ($accel) for the benchmark" \
			"console=ttyS0 panic=-1 panic_on_warn=1 oops=panic bsdtun.mode=bench${BENCH:+ bsdtun.bench=$BENCH}"
		tr -d '\r' < "$res" | grep -v '^BSDTUN-'
		if [ -n "${BENCH:-}" ]; then
			grep -Eq '^(\| [a-z]|## Profile)' "$res"
			bsdtun_result $? "[$abi] benchmark ($BENCH) ran (QEMU status $rc)"
			bsdtun_scan_console "$abi" "$con"
			return
		fi
		if ! grep -q '^| floor' "$res"; then
			tail -n 30 "$con"
			bsdtun_result 1 "[$abi] benchmark ran (QEMU status $rc)"
			return
		fi
		{
			echo "# Benchmarks"
			echo
			echo "Last measured by \`make bench\` on $(date -u +%Y-%m-%d): Debian kernel"
			echo "$kver under QEMU ($accel, $(nproc) host cores), bsdtun and Linux tun"
			echo "side by side in one boot.  Under TCG only the ratios mean anything."
			echo
			tr -d '\r' < "$res" | grep -v '^BSDTUN-'
		} > "$TOP/BENCHMARKS.md"
		bsdtun_result 0 "[$abi] benchmark ran; table written to BENCHMARKS.md"
		bsdtun_scan_console "$abi" "$con"
		return
	fi
	n=$(date +%s)
	bsdtun_boot "[$abi] booting under QEMU ($accel), running: $(echo $tests)${fault_list:+; fault pass:$fault_list}" \
		"console=ttyS0 panic=-1 $warnpanic oops=panic softlockup_panic=1 loglevel=7 bsdtun.mode=check $fuzz $fault"
	bsdtun_log "[$abi] guest ran $(( $(date +%s) - n )) s"
	if ! bsdtun_parse_results "$abi" "$res"; then
		tail -n 40 "$con"
		case $rc in
		124) why="timed out after ${TIMEOUT}s" ;;
		"$okrc") why="stopped before the end of the run" ;;
		*) why="panicked or stopped (QEMU status $rc)" ;;
		esac
		bsdtun_result 1 "[$abi] guest completed the run: it $why"
	else
		[ $rc -eq "$okrc" ]
		bsdtun_result $? "[$abi] guest completed the run and ended with QEMU status $okrc"
	fi
	if [ -n "$fault_list" ]; then
		[ "$FAULT_SEEN" = "$(echo $fault_list | wc -w)" ]
		bsdtun_result $? "[$abi] fault pass ran every program of:$fault_list"
		# Every kind init.sh counted, injected somewhere in the pass.
		c=0
		[ -n "$FAULT_KINDS" ] || c=1
		for t in $FAULT_KINDS; do
			case " $FAULT_HIT " in
			*" $t "*) ;;
			*) c=1 ;;
			esac
		done
		bsdtun_result $c "[$abi] fault pass injected every kind of failure ($FAULT_KINDS ):$FAULT_HIT"
	fi
	bsdtun_scan_console "$abi" "$con"
}

# One kernel's run in the background, its output and counts in $JOBDIR:
# N.out, then N.count ("pass fail skip") when it ends, however it ends.
bsdtun_start_kernel() {
	local n=$1 suite=$2
	(
		PASS=0 FAIL=0 SKIP=0
		trap 'echo "$PASS $FAIL $SKIP" > "$JOBDIR/$n.count"' EXIT
		bsdtun_run_kernel "$suite"
	) > "$JOBDIR/$n.out" 2>&1 &
	JOB_PID[$n]=$!
	JOB_SUITE[$n]=$suite
	bsdtun_log "[$suite] started (output below when it ends)"
}

# Show every ended kernel's output once, and add its counts.  A run
# killed before its EXIT trap wrote counts is a failure.
bsdtun_collect_kernels() {
	local n p f s
	for n in "${!JOB_PID[@]}"; do
		kill -0 "${JOB_PID[$n]}" 2>/dev/null && continue
		wait "${JOB_PID[$n]}" 2>/dev/null
		cat "$JOBDIR/$n.out"
		if read -r p f s < "$JOBDIR/$n.count" 2>/dev/null; then
			PASS=$((PASS + p)) FAIL=$((FAIL + f)) SKIP=$((SKIP + s))
		else
			bsdtun_result 1 "[${JOB_SUITE[$n]}] its run ended without a count"
		fi
		unset "JOB_PID[$n]"
	done
}

# make check: the kernels side by side, SLOTS at a time.  A TCG guest
# keeps one host core busy for most of its run (its second vCPU mostly
# idles), so two guests on two cores take little longer than one.
bsdtun_run_kernels() {
	local n=0 suite
	JOBDIR=$BUILD/jobs
	rm -rf "$JOBDIR"
	mkdir -p "$JOBDIR"
	declare -gA JOB_PID=() JOB_SUITE=()
	for suite in $KERNELS; do
		while [ ${#JOB_PID[@]} -ge "$SLOTS" ]; do
			# Any child's end, the background kernel build's too.
			wait -n 2>/dev/null || sleep 1
			bsdtun_collect_kernels
		done
		bsdtun_start_kernel $n "$suite"
		n=$((n + 1))
	done
	while [ ${#JOB_PID[@]} -gt 0 ]; do
		wait -n 2>/dev/null || sleep 1
		bsdtun_collect_kernels
	done
}

# Real BSD programs from Debian's sources (tests/programs/build.sh,
# cached), for bsdtun_programs: sets PROGRAMS, the tree to copy over an
# x86_64 guest's root.
bsdtun_build_programs() {
	local log=$BUILD/programs.log
	if PROGRAMS=$("$TOP/tests/programs/build.sh" 2> "$log"); then
		bsdtun_result 0 "BSD programs built from Debian's sources, their BSD code paths: $(cut -d: -f1 "$PROGRAMS/bsdtun/programs/VERSIONS" | paste -sd, | sed 's/,/, /g')"
	else
		PROGRAMS=
		tail -n 30 "$log"
		bsdtun_result 1 "BSD programs built from Debian's sources (see $log)"
	fi
}

main() {
	local src suite t
	bsdtun_install_deps
	mkdir -p "$BUILD"
	src=$("$QDIR/fetch-kernel.sh" --source) ||
		bsdtun_die "cannot fetch linux-source (checkpatch, kselftest_harness.h)"
	export KSFT_DIR=$src/tree/tools/testing/selftests

	# Userspace: initramfs base and selftests, built once for all kernels.
	rm -rf "$BUILD/base-root" "$BUILD/selftests" "$BUILD/selftests-obj"
	bsdtun_base_root "$BUILD/base-root"
	mkdir -p "$BUILD/selftests" "$BUILD/selftests-obj"
	if ! make -s -C "$TOP/selftests" KSFT_DIR="$KSFT_DIR" COMPAT_CC="$CC_I386" \
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

	# Only make check runs selftests: the demo and the benchmark do not.
	PROGRAMS=
	if [ "$MODE" = check ]; then
		case " $(echo $TEST_LIST) " in
		*" bsdtun_programs "*) bsdtun_build_programs ;;
		esac
	fi
	if [ "$MODE" = check ] && [ -z "$NEGATIVE" ]; then
		bsdtun_checkpatch "$src"
		bsdtun_check_headers
		mandoc -Tlint -W warning "$TOP/man/bsdtun.4"
		bsdtun_result $? "man page bsdtun.4 lint-clean (mandoc -Tlint)"
	fi

	bsdtun_prefetch_kernels
	if [ "$MODE" = check ]; then
		bsdtun_run_kernels
	else
		for suite in $KERNELS; do
			bsdtun_run_kernel "$suite"
		done
	fi
	bsdtun_prefetch_wait

	bsdtun_summary
	[ $FAIL -eq 0 ]
}

main
