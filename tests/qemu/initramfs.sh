# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2154
#
# The guest's userland, sourced by run.sh: the initramfs's base root
# (busybox, iproute2, bsdtun's BSD ifconfig and route, init.sh), a
# kernel's modules for it, and the real BSD programs copied over it.

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
	# sh a hard link, not a symlink: a program's mount namespace can
	# then bind another shell over /bin/sh alone (guest.sh's Debian
	# shell for the BSD programs).
	ln -f "$root/bin/busybox" "$root/bin/sh"
	# bsdtun's BSD ifconfig and route, where make install puts them
	# (bsdtun_bsdcmd and iodine's scenario run them).
	make -s -C "$TOP" install-tools DESTDIR="$root" MANDIR=/usr/share/man
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

# Without the selftests (make demo, bench): the one program of theirs
# the demo runs, bsdtun_relay, which does not use the kselftest harness,
# where the selftests' install puts it.
bsdtun_build_relay() {
	mkdir -p "$BUILD/selftests/bsdtun"
	gcc -O2 -Wall -Werror -D_GNU_SOURCE -static -I"$TOP/include" -I"$TOP" \
		-o "$BUILD/selftests/bsdtun/bsdtun_relay" "$TOP/selftests/bsdtun_relay.c"
}
