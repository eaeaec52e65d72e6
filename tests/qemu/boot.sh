# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034,SC2154
#
# Booting a kernel under QEMU, sourced by run.sh: the accelerator probe,
# QEMU's command line, its two result ports, and one boot of init.sh.
# bsdtun_run_kernel()'s locals (karch, abi, accel, kernel, initrd, con,
# res, rc) are read and set here: bash scopes them dynamically.

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
# Cortex-A72: -cpu max's pointer authentication costs TCG dearly; a
# Cortex-A76 for a kernel with 16 KiB pages, which the A72 lacks), its
# UART the console; no isa-debug-exit.
bsdtun_qemu() {
	local accel=$1 kernel=$2 initrd=$3 append=$4; shift 4
	local machine=(-cpu max -device isa-debug-exit,iobase=0xf4,iosize=0x04)
	[ "$accel" = kvm ] && machine[1]=host
	if [ "$karch" = arm64 ]; then
		machine=(-M virt -cpu cortex-a72)
		grep -qs '^CONFIG_ARM64_16K_PAGES=y' "$kdir"/usr/src/linux-headers-*/.config &&
			machine[3]=cortex-a76
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
