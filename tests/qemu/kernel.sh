# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034
#
# One kernel's run, sourced by run.sh: get the kernel (Debian's, or one
# built by debug-kernel.sh), build bsdtun.ko against it, pack the
# initramfs, boot it in the run's mode and count what it reports.

# The kernel SUITE names, for bsdtun_run_kernel(): sets its kdir, kver,
# abi, kernel (the image to boot) and karch.  Fails, having said why
# (one line when experimental has nothing newer than sid), when there is
# none to boot.
bsdtun_get_kernel() {
	local suite=$1 n
	if [ "$suite" = installed ]; then
		bsdtun_log "kernel: installed on this machine"
		kdir=$(bsdtun_installed_kernel) || {
			bsdtun_result 1 "[installed] $kdir"; return 1; }
		kver=$(cat "$kdir/release")
		abi=installed-$kver
		kernel=$kdir/boot/vmlinuz-$kver
	elif [ -f "$QDIR/$suite.config" ]; then
		case $suite in
		debug) n="KASAN, lockdep, kmemleak, UBSAN; then a fault-injection pass" ;;
		kcsan) n="KCSAN" ;;
		*) n="tests/qemu/$suite.config" ;;
		esac
		bsdtun_log "kernel: $suite kernel from Debian's linux-source-6.1 ($n)"
		n=$(date +%s)
		kdir=$("$QDIR/debug-kernel.sh" "$suite") || {
			bsdtun_result 1 "[$suite] build the $suite kernel"; return 1; }
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
		3) bsdtun_log "[$suite] $kdir"; return 1 ;;
		*) bsdtun_result 1 "[$suite] fetch the Debian kernel"; return 1 ;;
		esac
		abi=$(cat "$kdir/abi")
		kver=$(ls "$kdir/boot" | sed -n 's/^vmlinuz-//p' | head -n1)
		kernel=$kdir/boot/vmlinuz-$kver
		karch=$(cat "$kdir/arch" 2>/dev/null || echo amd64)
	fi
}

# The initramfs's tree for bsdtun_run_kernel(), in $root: the base root,
# the kernel's modules, bsdtun.ko (DKMS's where DKMS installed it), the
# selftests and, where they run, the real BSD programs (which leaves
# bsdtun_programs out of tests elsewhere).
bsdtun_kernel_root() {
	local why
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
	[ -z "$why" ] || bsdtun_leave_out "$why" bsdtun_programs
	[ "$MODE" = check ] && [ -z "${TESTS:-}" ] || return 0
	# The BSD ifconfig and route: BSDCMD_KERNELS run them, unless TESTS
	# names them.
	[[ " $BSDCMD_KERNELS " = *" $suite "* ]] ||
		bsdtun_leave_out "$(echo $BSDCMD_KERNELS | sed 's/ / and /') run it" bsdtun_bsdcmd
	# SUBSET_KERNELS leave out the programs of SUBSET_SKIP, unless TESTS
	# names them.
	[[ " $SUBSET_KERNELS " != *" $suite "* ]] ||
		bsdtun_leave_out "the same code on every architecture; arm64-16k and the x86_64 kernels run them" $SUBSET_SKIP
}

# make check: the programs named after $1 (the reason, logged) left out
# of $tests, those it has.
bsdtun_leave_out() {
	local why=$1 t out=
	shift
	[ "$MODE" = check ] || return 0
	for t in "$@"; do
		[[ " $(echo $tests) " = *" $t "* ]] || continue
		tests=$(echo $tests | sed "s/\b$t\b//")
		out="$out $t"
	done
	[ -z "$out" ] || bsdtun_log "[$abi] not run:$out ($why)"
}

# The run's settings for bsdtun_run_kernel()'s kernel: tests, the fuzz's
# length, the fault pass (fault_list, fault) and warnpanic.
bsdtun_kernel_options() {
	local t
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
}

# make demo's boot: demo.sh's output, then its verdict.
bsdtun_boot_demo() {
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
}

# make bench's boot: the table, written to BENCHMARKS.md unless BENCH
# asks for part of it.
bsdtun_boot_bench() {
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
		echo "How to reproduce: as root on a Debian x86_64 machine, from a checkout, run \`make bench\`.  It"
		echo "boots Debian bookworm's kernel once under QEMU (fetched and cached as \`make check\` does), runs"
		echo "\`bench/bsdtun_bench\` in the guest and rewrites this file.  \`make bench BENCH=profile\` prints"
		echo "only the profile, \`BENCH=bulk\` (or other row names) only those rows; neither rewrites the file."
		echo "TESTING.md, \"Benchmarks\", describes the method."
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
}

# make check's boot: the selftests (and the fault pass) counted from the
# result port, the guest's end, the fault pass's coverage, the console.
bsdtun_boot_check() {
	local n why c t min
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
	# A module built for gcov (the debug kernel's): its coverage, over
	# the whole run.  A partial run (TESTS) is not held to the minimum.
	if compgen -G "$bdir/module/*.gcno" > /dev/null; then
		min=$BSDTUN_COVERAGE_MIN
		[ -z "${TESTS:-}" ] || min=0
		bsdtun_coverage "$abi" "$res" "$bdir/module" "$min"
	fi
	bsdtun_scan_console "$abi" "$con"
}

bsdtun_run_kernel() {
	local suite=$1 kdir abi kver kernel bdir root initrd accel rc con res fuzz
	local tests=$TEST_LIST fault_list= fault= warnpanic=panic_on_warn=1
	local qemu='' base_root=$BUILD/base-root selftests=$BUILD/selftests
	# The kernel's architecture (amd64, i386, arm64), which the functions
	# called from here read.
	local karch=amd64 okrc=33
	# Not a kernel: make demo in a root of its own (installed.sh).
	if [ "$suite" = installed-root ]; then
		bsdtun_installed_root
		return
	fi
	bsdtun_get_kernel "$suite" || return
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

	bsdtun_kernel_root
	bsdtun_kernel_options
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
	case $MODE in
	demo) bsdtun_boot_demo ;;
	bench) bsdtun_boot_bench ;;
	*) bsdtun_boot_check ;;
	esac
}
