# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Installation as a user does it, sourced by run.sh: DKMS and the Debian
# packages in a build root, make install into a staging directory, and
# make install-headers with pkg-config.
# shellcheck disable=SC2154 # karch, NEGATIVE, BUILD...: run.sh's

# In a build root, the real DKMS paths a user takes: make dkms-install
# (dkms add, build and install), then the bsdtun-dkms Debian package built
# from the tree (make deb) and installed with dpkg, whose postinst has
# DKMS build for the root's kernel.  The kernel then boots with the
# package's module, loaded by modprobe from the installed tree.
bsdtun_dkms() {
	local abi=$1 broot=$2 bdir=$3 ver log=$3/dkms.log ko deb rc
	ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$TOP/dkms.conf")
	rm -rf "$broot/tmp/bsdtun-src"
	mkdir -p "$broot/tmp/bsdtun-src"
	rsync -a --exclude .git --exclude tests "$TOP/" "$broot/tmp/bsdtun-src/"
	[ "$NEGATIVE" = warn ] &&
		sed -i 's/^MAKE\[0\]="make /&BSDTUN_WARN_ON_LOAD=1 /' "$broot/tmp/bsdtun-src/dkms.conf"
	unshare -m sh -c '
		mount -t proc proc "$1/proc" && chroot "$1" sh -c "
		dpkg -r bsdtun-dkms >/dev/null 2>&1
		dkms remove bsdtun/$2 --all >/dev/null 2>&1
		rm -rf /var/lib/dkms/bsdtun /usr/src/bsdtun-$2 /usr/lib/modules/$3/updates
		make -C /tmp/bsdtun-src dkms-install KERNELRELEASE=$3 &&
		dkms status bsdtun/$2 -k $3 | grep -q installed"
	' _ "$broot" "$ver" "$abi-amd64" > "$log" 2>&1
	rc=$?
	[ $rc -eq 0 ] || cat "$log"
	bsdtun_result $rc "[$abi] make dkms-install KERNELRELEASE=$abi-amd64: dkms add, build and install"
	ko=$(find "$broot/usr/lib/modules/$abi-amd64/updates" -name 'bsdtun.ko*' 2>/dev/null | head -n1)
	[ $rc -eq 0 ] && [ -n "$ko" ] || return
	# Run again, as a user does after changing the source: the module
	# must be built and installed anew, not kept (or refused) by dkms.
	unshare -m sh -c '
		mount -t proc proc "$1/proc" && chroot "$1" sh -c "
		touch /tmp/bsdtun-stamp && sleep 1 &&
		make -C /tmp/bsdtun-src dkms-install KVER=$2 &&
		find /usr/lib/modules/$2/updates -name bsdtun.ko\* -newer /tmp/bsdtun-stamp | grep -q ."
	' _ "$broot" "$abi-amd64" >> "$log" 2>&1
	rc=$?
	[ $rc -eq 0 ] || tail -n 30 "$log"
	bsdtun_result $rc "[$abi] make dkms-install again: module rebuilt and reinstalled"
	[ $rc -eq 0 ] || return
	mkdir -p "$bdir/dkms"
	cp "$ko" "$bdir/dkms/"

	# The package: built on this machine, installed in the build root;
	# its module replaces the one above for the boot.
	[ "$NEGATIVE" = warn ] && return
	deb=$bdir/../deb
	rm -rf "$deb"
	mkdir -p "$deb/src"
	rsync -a --exclude .git --exclude tests "$TOP/" "$deb/src/"
	if ! (cd "$deb/src" && make deb) > "$deb/build.log" 2>&1; then
		cat "$deb/build.log"
		bsdtun_result 1 "[$abi] make deb builds bsdtun-dkms"
		return
	fi
	cp "$deb"/bsdtun-dkms_*_all.deb "$broot/tmp/bsdtun-dkms.deb"
	unshare -m sh -c '
		mount -t proc proc "$1/proc" && chroot "$1" sh -c "
		dkms remove bsdtun/$2 --all >/dev/null 2>&1
		rm -rf /var/lib/dkms/bsdtun /usr/src/bsdtun-$2 /usr/lib/modules/$3/updates
		dpkg -i /tmp/bsdtun-dkms.deb &&
		dkms status bsdtun/$2 -k $3 | grep -q installed"
	' _ "$broot" "$ver" "$abi-amd64" >> "$log" 2>&1
	rc=$?
	ko=$(find "$broot/usr/lib/modules/$abi-amd64/updates" -name 'bsdtun.ko*' 2>/dev/null | head -n1)
	[ $rc -eq 0 ] && [ -n "$ko" ] || { tail -n 40 "$log"; rc=1; }
	bsdtun_result $rc "[$abi] make deb; dpkg -i bsdtun-dkms: DKMS built and installed $(basename "${ko:-nothing}")"
	[ $rc -eq 0 ] || return
	rm -f "$bdir"/dkms/bsdtun.ko*
	cp "$ko" "$bdir/dkms/"
}

# make install into a staging DESTDIR, as a packager would: the module
# in the kernel's tree there with modules.dep naming it, the man page and
# the udev rule.
bsdtun_check_install() {
	local abi=$1 bdir=$2 common=$3 kobj=$4 cc=$5 d=$2/destdir kver ko rc=0
	# The rest: the module build's own arguments.  "install" depends on
	# "modules": other flags would rebuild bsdtun.ko without them (the
	# negative check's WARN, for one) and the guest would boot that.
	shift 5
	kver=$(sed -n 's/.*UTS_RELEASE "\(.*\)"/\1/p' "$kobj/include/generated/utsrelease.h")
	rm -rf "$d"
	make -s -C "$bdir" KDIR="$common" KOBJ="$kobj" CC="$cc" "$@" DESTDIR="$d" \
		PREFIX=/usr install > "$bdir/install.log" 2>&1 || rc=1
	ko=$(cd "$d/lib/modules/$kver" 2>/dev/null && find . -name 'bsdtun.ko*' | head -n1)
	[ -n "$ko" ] && grep -q "^${ko#./}:" "$d/lib/modules/$kver/modules.dep" || rc=1
	[ -f "$d/usr/share/man/man4/bsdtun.4" ] && [ -f "$d/lib/udev/rules.d/60-bsdtun.rules" ] || rc=1
	[ $rc -eq 0 ] || { cat "$bdir/install.log"; find "$d" -type f; }
	bsdtun_result $rc "[$abi] make install DESTDIR=...: ${ko#./} in modules.dep, man page, udev rule"
}

# make install-headers, then the README's example built with pkg-config,
# 64- and 32-bit: BSD tun code must build unchanged against the headers.
bsdtun_check_headers() {
	local d=$BUILD/headers rc=0 cc
	rm -rf "$d"
	mkdir -p "$d"
	make -s -C "$TOP" install-headers DESTDIR="$d" PREFIX=/usr >/dev/null || rc=1
	# The README's examples: FreeBSD's header (bsdtun) and OpenBSD's
	# (bsdtun-openbsd), each 64- and 32-bit.
	for pc in bsdtun bsdtun-openbsd; do
		sed -n "/<!-- example:$pc:begin -->/,/<!-- example:$pc:end -->/p" \
			"$TOP/README.md" | sed '1,2d;$d' | sed '$d' > "$d/$pc.c"
		[ -s "$d/$pc.c" ] || rc=1
		for cc in gcc "$CC_I386"; do
			$cc -Wall -Wextra -Werror \
				$(PKG_CONFIG_PATH=$d/usr/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$d \
				  pkg-config --cflags $pc) \
				-o "$d/$pc-$cc" "$d/$pc.c" || rc=1
		done
	done
	bsdtun_result $rc "make install-headers; README examples build with pkg-config bsdtun and bsdtun-openbsd (64/32-bit)"
}
