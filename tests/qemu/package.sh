# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Installation as a user does it, sourced by run.sh.  In the build root of
# a kernel this machine's tools cannot build for (sid's), as far as a root
# without a running kernel allows: make dkms-install; make dkms-remove
# with two versions added; the Debian packages built from the tree,
# installed with dpkg and purged; make install then make uninstall.  On
# this machine: make install into a staging directory, and make
# install-headers with pkg-config.
# NEGATIVE, BUILD, TOP, CC_I386 are run.sh's.  The scripts run in the
# build root expand their variables there, hence the single quotes.
# shellcheck disable=SC2016,SC2153

# Run a script as root in the build root ROOT, in a mount namespace of its
# own with /proc mounted (objtool needs it) and, with --build DIR, DIR at
# /build: bsdtun_in_root ROOT [--build DIR] SCRIPT [ARG...], the script's
# $1...
bsdtun_in_root() {
	local root=$1 build=
	shift
	if [ "$1" = --build ]; then
		build=$2
		shift 2
	fi
	unshare -m sh -c '
		r=$1 b=$2 s=$3
		shift 3
		mount -t proc proc "$r/proc" || exit 1
		[ -z "$b" ] || mount --bind "$b" "$r/build" || exit 1
		exec chroot "$r" sh -c "$s" sh "$@"
	' _ "$root" "$build" "$@"
}

# Pieces of scripts for bsdtun_in_root.  K: the kernel release, C: the
# compiler, D: a directory to build in.
#
# Back to a root without bsdtun, whatever an earlier (perhaps failed)
# run left: packages, every DKMS version, modules, make install's files.
BSDTUN_ROOT_RESET='
	dpkg --purge bsdtun-dkms bsdtun-dev bsdtun-tools >/dev/null 2>&1
	for v in $(dkms status bsdtun 2>/dev/null |
		   sed -n "s|^bsdtun[/,] *\([^,:]*\).*|\1|p" | sort -u); do
		dkms remove "bsdtun/$v" --all >/dev/null 2>&1
	done
	rm -rf /var/lib/dkms/bsdtun /usr/src/bsdtun-* /usr/local/include/bsdtun \
		/usr/local/share/pkgconfig/bsdtun*.pc /usr/local/share/man/man4/bsd*.4 \
		/usr/local/share/man/man8/bsdtun-tools.8 /usr/lib/bsdtun \
		/usr/lib/udev/rules.d/60-bsdtun.rules /usr/lib/*/ip/link_bsd*.so
	find /usr/lib/modules -name "bsdtun.ko*" -delete
	depmod "$K" 2>/dev/null
	true'
# Nothing of bsdtun left that DKMS or a package installs: prints what is
# and fails.
BSDTUN_ROOT_NOTHING='
	bad=
	dkms status bsdtun 2>&1 | grep . && bad="$bad, a dkms status line"
	ls -d /usr/src/bsdtun-* /var/lib/dkms/bsdtun 2>/dev/null | grep . &&
		bad="$bad, DKMS trees"
	find /usr/lib/modules -name "bsdtun.ko*" | grep . && bad="$bad, the module"
	grep bsdtun "/usr/lib/modules/$K/modules.dep" && bad="$bad, modules.dep naming it"
	ls /usr/share/man/man4/bsd* /usr/share/man/man8/bsdtun* /usr/share/doc/bsdtun-* \
		/usr/include/bsdtun /usr/share/pkgconfig/bsdtun* /usr/lib/bsdtun \
		/usr/lib/*/ip/link_bsd*.so 2>/dev/null |
		grep . && bad="$bad, package files"
	dpkg-query -W -f "\${Package} \${Status}\n" "bsdtun-*" 2>/dev/null |
		grep -v " not-installed\$" && bad="$bad, a package known to dpkg"
	[ -z "$bad" ] || { echo "left behind: ${bad#, }"; exit 1; }'
# BSD code builds against the installed headers with the pkg-config
# file.
BSDTUN_ROOT_PKGCONFIG='
	cat > "$D/fbsd.c" <<-EOF
	#include <sys/ioctl.h>
	#include <net/if.h>
	#include <net/if_tun.h>
	int main(void) { struct tuninfo ti = { 0 }; return ti.mtu + (TUNSIFHEAD == 0); }
	EOF
	cat > "$D/obsd.c" <<-EOF
	#include <sys/ioctl.h>
	#include <net/if.h>
	#include <net/if_tun.h>
	#ifndef BSDTUN_OPENBSD
	#error "not the OpenBSD header"
	#endif
	int main(void) { struct tuninfo ti = { 0 }; return ti.mtu + (TUNSIFINFO == 0); }
	EOF
	"$C" -Wall -Werror $(pkg-config --cflags bsdtun) -o "$D/fbsd" "$D/fbsd.c" &&
	"$C" -Wall -Werror $(pkg-config --cflags bsdtun-openbsd) -o "$D/obsd" "$D/obsd.c"'

# In a build root, the real paths a user takes:
# (a) make dkms-install (dkms add, build and install), twice;
# (d) make dkms-remove with a second version added: both go;
# (b) the bsdtun-dkms Debian package built from the tree (make deb),
#     installed with dpkg, whose postinst has DKMS build for the root's
#     kernel (the kernel then boots with that module, loaded by modprobe
#     from the installed tree), then purged; bsdtun-dev installed, a
#     program built with pkg-config, purged;
# (c) make install and install-headers, then make uninstall and
#     uninstall-headers: the root's files as before.
bsdtun_dkms() {
	local abi=$1 broot=$2 bdir=$3 ver log=$3/dkms.log ko rc kver=$1-amd64 cc t0 t1 t2 t3 t4
	t0=$(date +%s)
	ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$TOP/dkms.conf")
	rm -rf "$broot/tmp/bsdtun-src"
	mkdir -p "$broot/tmp/bsdtun-src"
	rsync -a --exclude .git --exclude tests "$TOP/" "$broot/tmp/bsdtun-src/"
	[ "$NEGATIVE" = warn ] &&
		sed -i 's/^MAKE\[0\]="make /&BSDTUN_WARN_ON_LOAD=1 /' "$broot/tmp/bsdtun-src/dkms.conf"
	bsdtun_in_root "$broot" 'K=$1 V=$2
		'"$BSDTUN_ROOT_RESET"'
		make -C /tmp/bsdtun-src dkms-install KERNELRELEASE="$K" &&
		dkms status "bsdtun/$V" -k "$K" | grep -q installed' "$kver" "$ver" > "$log" 2>&1
	rc=$?
	[ $rc -eq 0 ] || cat "$log"
	bsdtun_result $rc "[$abi] make dkms-install KERNELRELEASE=$kver: dkms add, build and install"
	ko=$(find "$broot/usr/lib/modules/$kver/updates" -name 'bsdtun.ko*' 2>/dev/null | head -n1)
	[ $rc -eq 0 ] && [ -n "$ko" ] || return
	# Run again, as a user does after changing the source: the module
	# must be built and installed anew, not kept (or refused) by dkms.
	bsdtun_in_root "$broot" 'K=$1
		touch /tmp/bsdtun-stamp && sleep 1 &&
		make -C /tmp/bsdtun-src dkms-install KVER="$K" &&
		find "/usr/lib/modules/$K/updates" -name "bsdtun.ko*" -newer /tmp/bsdtun-stamp | grep -q .
	' "$kver" >> "$log" 2>&1
	rc=$?
	[ $rc -eq 0 ] || tail -n 30 "$log"
	bsdtun_result $rc "[$abi] make dkms-install again: module rebuilt and reinstalled"
	[ $rc -eq 0 ] || return
	mkdir -p "$bdir/dkms"
	cp "$ko" "$bdir/dkms/"
	[ "$NEGATIVE" = warn ] && return

	# The compiler the kernel was built with, which bsdtun_build_module
	# built the module in $bdir with: make install does not build again.
	cc=$(sed -n 's/^CONFIG_CC_VERSION_TEXT="\([^ ]*\) .*/\1/p' \
		"$broot/usr/src/linux-headers-$kver/.config")
	cc=${cc#x86_64-linux-gnu-}
	t1=$(date +%s)
	bsdtun_dkms_remove "$abi" "$broot" "$log" "$ver"
	t2=$(date +%s)
	bsdtun_deb "$abi" "$broot" "$bdir" "$log" "$ver" "$cc" || return
	t3=$(date +%s)
	bsdtun_make_uninstall "$abi" "$broot" "$bdir" "$log" "$cc"
	t4=$(date +%s)
	bsdtun_log "[$abi] in the build root: make dkms-install twice $((t1 - t0)) s," \
		"make dkms-remove $((t2 - t1)) s, packages $((t3 - t2)) s, make install/uninstall $((t4 - t3)) s"
}

# (d) The tree's version installed by make dkms-install, an older one
# added beside it (an upgrade's leftover): make dkms-remove removes both,
# with their /usr/src trees.
bsdtun_dkms_remove() {
	local abi=$1 broot=$2 log=$3 ver=$4 rc
	bsdtun_in_root "$broot" 'K=$1 V=$2
		cp -r "/usr/src/bsdtun-$V" /usr/src/bsdtun-0.0.1 &&
		sed -i "s/^PACKAGE_VERSION=.*/PACKAGE_VERSION=\"0.0.1\"/" /usr/src/bsdtun-0.0.1/dkms.conf &&
		dkms add bsdtun/0.0.1 && dkms status bsdtun &&
		[ "$(dkms status bsdtun | cut -d, -f1 | sort -u | wc -l)" = 2 ] &&
		make -C /tmp/bsdtun-src dkms-remove && {
		'"$BSDTUN_ROOT_NOTHING"'
		}' "$abi-amd64" "$ver" >> "$log" 2>&1
	rc=$?
	[ $rc -eq 0 ] || tail -n 30 "$log"
	bsdtun_result $rc "[$abi] make dkms-remove with bsdtun/$ver installed and bsdtun/0.0.1 added: both gone, with their trees, the module and its modules.dep line"
}

# (b) The packages: built on this machine, installed in the build root;
# bsdtun-dkms's module replaces make dkms-install's for the boot.
bsdtun_deb() {
	local abi=$1 broot=$2 bdir=$3 log=$4 ver=$5 cc=$6 deb=$3/../deb kver=$1-amd64 ko rc t0 t1
	t0=$(date +%s)
	rm -rf "$deb"
	mkdir -p "$deb/src"
	rsync -a --exclude .git --exclude tests "$TOP/" "$deb/src/"
	if ! (cd "$deb/src" && make deb) > "$deb/build.log" 2>&1; then
		cat "$deb/build.log"
		bsdtun_result 1 "[$abi] make deb builds bsdtun-dkms, bsdtun-dev and bsdtun-tools"
		return 1
	fi
	cp "$deb"/bsdtun-dkms_*_all.deb "$broot/tmp/bsdtun-dkms.deb"
	cp "$deb"/bsdtun-dev_*_all.deb "$broot/tmp/bsdtun-dev.deb"
	cp "$deb"/bsdtun-tools_*_amd64.deb "$broot/tmp/bsdtun-tools.deb"
	bsdtun_in_root "$broot" 'K=$1 V=$2
		'"$BSDTUN_ROOT_RESET"'
		dpkg -i /tmp/bsdtun-dkms.deb &&
		dkms status "bsdtun/$V" -k "$K" | grep -q installed' "$kver" "$ver" >> "$log" 2>&1
	rc=$?
	ko=$(find "$broot/usr/lib/modules/$kver/updates" -name 'bsdtun.ko*' 2>/dev/null | head -n1)
	[ $rc -eq 0 ] && [ -n "$ko" ] || { tail -n 40 "$log"; rc=1; }
	bsdtun_result $rc "[$abi] make deb; dpkg -i bsdtun-dkms: DKMS built and installed $(basename "${ko:-nothing}")"
	[ $rc -eq 0 ] || return 1
	rm -f "$bdir"/dkms/bsdtun.ko*
	cp "$ko" "$bdir/dkms/"
	t1=$(date +%s)

	bsdtun_in_root "$broot" 'K=$1 V=$2
		! make -C /tmp/bsdtun-src dkms-remove > /tmp/dkms-remove.out 2>&1 &&
		cat /tmp/dkms-remove.out && grep -q "apt remove bsdtun-dkms" /tmp/dkms-remove.out &&
		dkms status "bsdtun/$V" -k "$K" | grep -q installed && [ -d "/usr/src/bsdtun-$V" ]
	' "$kver" "$ver" >> "$log" 2>&1
	rc=$?
	[ $rc -eq 0 ] || tail -n 20 "$log"
	bsdtun_result $rc "[$abi] make dkms-remove leaves bsdtun-dkms's version to the package manager, and says so"

	bsdtun_in_root "$broot" 'K=$1
		dpkg --purge bsdtun-dkms && {
		'"$BSDTUN_ROOT_NOTHING"'
		}' "$kver" >> "$log" 2>&1
	rc=$?
	[ $rc -eq 0 ] || tail -n 30 "$log"
	bsdtun_result $rc "[$abi] dpkg --purge bsdtun-dkms: no dkms status line, /usr/src/bsdtun-*, bsdtun.ko, modules.dep line, man page or package state left"

	# pkgconf: build roots made before fetch-kernel.sh included it lack it.
	bsdtun_in_root "$broot" 'K=$1 C=$2 D=/tmp/bsdtun-dev
		{ command -v pkg-config >/dev/null ||
		  DEBIAN_FRONTEND=noninteractive apt-get -q install -y --no-install-recommends pkgconf; } &&
		dpkg -i /tmp/bsdtun-dev.deb && rm -rf "$D" && mkdir -p "$D" && {
		'"$BSDTUN_ROOT_PKGCONFIG"'
		} && dpkg --purge bsdtun-dev && {
		'"$BSDTUN_ROOT_NOTHING"'
		}' "$kver" "$cc" >> "$log" 2>&1
	rc=$?
	[ $rc -eq 0 ] || tail -n 30 "$log"
	bsdtun_result $rc "[$abi] dpkg -i bsdtun-dev: FreeBSD and OpenBSD code builds with pkg-config --cflags bsdtun and bsdtun-openbsd; dpkg --purge leaves nothing"

	# ip finds the plugin under each kind's name, where it looks.  The
	# root's compiler is the kernel's (gcc-16): no plain gcc there.
	bsdtun_in_root "$broot" 'K=$1 T=$($2 -print-multiarch)
		{ [ -x /usr/sbin/ip ] ||
		  DEBIAN_FRONTEND=noninteractive apt-get -q install -y --no-install-recommends iproute2; } &&
		dpkg -i /tmp/bsdtun-tools.deb &&
		for k in bsdtun bsdtap bsdvmnet bsdotun bsdotap; do
			[ -e "/usr/lib/$T/ip/link_$k.so" ] || { echo "no link_$k.so"; exit 1; }
		done &&
		strings /usr/sbin/ip | grep -q "/usr/lib/$T/ip\$" &&
		[ -x /usr/lib/bsdtun/bin/ifconfig ] && [ -x /usr/lib/bsdtun/bin/route ] &&
		dpkg --purge bsdtun-tools && {
		'"$BSDTUN_ROOT_NOTHING"'
		}' "$kver" "$cc" >> "$log" 2>&1
	rc=$?
	[ $rc -eq 0 ] || tail -n 30 "$log"
	bsdtun_result $rc "[$abi] dpkg -i bsdtun-tools: iproute2's plugin where ip looks for it, the BSD ifconfig and route; dpkg --purge leaves nothing"
	bsdtun_log "[$abi] make deb and dpkg -i bsdtun-dkms $((t1 - t0)) s; make dkms-remove," \
		"dpkg --purge and bsdtun-dev $(($(date +%s) - t1)) s"
}

# (c) make install and install-headers (PREFIX /usr/local) in the tree the
# module was built in, then make uninstall and uninstall-headers: every
# file outside /proc, /sys, /dev, /run and /tmp as before (directories
# stay, as GNU packages' uninstall leaves them, except bsdtun's own
# include/bsdtun), and modules.dep without bsdtun.  In between, the
# module is in modules.dep and code builds with pkg-config from
# /usr/local, as a user's would.
bsdtun_make_uninstall() {
	local abi=$1 broot=$2 bdir=$3 log=$4 cc=$5 rc
	# From a root without bsdtun, whatever a failed step before left.
	bsdtun_in_root "$broot" --build "$bdir" 'K=$1 C=$2 D=/tmp/bsdtun-local
		'"$BSDTUN_ROOT_RESET"'
		m="make -C /build KDIR=/usr/src/linux-headers-$K CC=$C W=1"
		files() {
			find / \( -path /proc -o -path /sys -o -path /dev -o -path /run \
				-o -path /tmp -o -path /build \) -prune -o ! -type d -print | sort
		}
		# A machine with the kernel installed has the index files depmod
		# makes; this root has only the headers, and DKMS, removing the
		# last module (an empty modules.dep), took them away.  Made here,
		# the comparison is the one on a user machine.
		depmod "$K" || exit 1
		files > /tmp/files.before
		$m install install-headers || exit 1
		grep "bsdtun.ko" "/usr/lib/modules/$K/modules.dep" || { echo "no bsdtun in modules.dep"; exit 1; }
		rm -rf "$D" && mkdir -p "$D" && {
		'"$BSDTUN_ROOT_PKGCONFIG"'
		} || exit 1
		$m uninstall uninstall-headers || exit 1
		files > /tmp/files.after
		diff -U0 /tmp/files.before /tmp/files.after ||
			{ echo "make uninstall left (+) or removed (-) these"; exit 1; }
		! grep bsdtun "/usr/lib/modules/$K/modules.dep" || { echo "modules.dep still names bsdtun"; exit 1; }
	' "$abi-amd64" "$cc" >> "$log" 2>&1
	rc=$?
	[ $rc -eq 0 ] || tail -n 40 "$log"
	bsdtun_result $rc "[$abi] make install install-headers, then make uninstall uninstall-headers: the root's files as before, modules.dep without bsdtun"
}

# make install into a staging DESTDIR, as a packager would: the module
# in the kernel's tree there with modules.dep naming it, the man pages
# and the udev rule.  On bookworm's kernel (kbuild's extra/ directory;
# sid's build root checks make uninstall in a real root) also make
# uninstall: only depmod's index files stay.
bsdtun_check_install() {
	local abi=$1 bdir=$2 common=$3 kobj=$4 cc=$5 d=$2/destdir kver ko rc=0 m left
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
	for m in bsdtun bsdtap bsdvmnet bsdotun bsdotap; do
		[ -f "$d/usr/share/man/man4/$m.4" ] || rc=1
	done
	[ -f "$d/lib/udev/rules.d/60-bsdtun.rules" ] || rc=1
	[ -x "$d/usr/lib/bsdtun/bin/ifconfig" ] && [ -x "$d/usr/lib/bsdtun/bin/route" ] &&
		[ -f "$d/usr/lib/bsdtun/bsdcmd.sh" ] && [ -f "$d/usr/share/man/man8/bsdtun-tools.8" ] ||
		rc=1
	[ $rc -eq 0 ] || { cat "$bdir/install.log"; find "$d" -type f; }
	bsdtun_result $rc "[$abi] make install DESTDIR=...: ${ko#./} in modules.dep, man pages, udev rule, BSD ifconfig and route"
	# suite: bsdtun_build_module's.
	[ $rc -eq 0 ] && [ "${suite:-}" = bookworm ] || return 0
	make -s -C "$bdir" KDIR="$common" KOBJ="$kobj" CC="$cc" "$@" DESTDIR="$d" \
		PREFIX=/usr uninstall >> "$bdir/install.log" 2>&1 || rc=1
	left=$(cd "$d" && find . ! -type d | grep -v "^\./lib/modules/$kver/modules\.[a-z.]*$")
	[ -z "$left" ] || rc=1
	[ $rc -eq 0 ] || { tail -n 20 "$bdir/install.log"; echo "$left"; }
	bsdtun_result $rc "[$abi] make uninstall DESTDIR=...: only depmod's index files stay"
}

# make install-headers, then the README's example built with pkg-config,
# 64- and 32-bit: BSD tun code must build unchanged against the headers.
bsdtun_check_headers() {
	local d=$BUILD/headers rc=0 cc f pc
	rm -rf "$d"
	mkdir -p "$d"
	make -s -C "$TOP" install-headers DESTDIR="$d" PREFIX=/usr >/dev/null || rc=1
	# examples/ and each BSD's program of tests/headers/, as a porter
	# builds them: OpenBSD's with bsdtun-openbsd, the others with bsdtun.
	for f in "$TOP"/examples/*.c "$TOP"/tests/headers/*.c; do
		case $f in
		*openbsd*) pc=bsdtun-openbsd ;;
		*) pc=bsdtun ;;
		esac
		for cc in gcc "$CC_I386"; do
			$cc -Wall -Wextra -Werror \
				$(PKG_CONFIG_PATH=$d/usr/share/pkgconfig PKG_CONFIG_SYSROOT_DIR=$d \
				  pkg-config --cflags $pc) \
				-o "$d/$(basename "$f" .c)-$cc" "$f" || rc=1
		done
	done
	bsdtun_result $rc "make install-headers; examples/ and tests/headers/ (FreeBSD, DragonFly, NetBSD, OpenBSD) build with pkg-config (64/32-bit)"
}

# bsdtun(4)'s EXAMPLES shows each program of examples/ from its first
# #include on, in the literal block after the line naming the file, with
# backslashes written \e: the page must show what make check compiles.
bsdtun_check_man_examples() {
	local f rc=0
	for f in "$TOP"/examples/*.c; do
		awk -v f="examples/${f##*/}" '$0 ~ f { want = 1 }
			want && /^\.Bd -literal/ { on = 1; next }
			on && /^\.Ed/ { exit }
			on' "$TOP/man/bsdtun.4" | sed 's/\\e/\\/g' |
			diff -u - <(sed -n '/^#include/,$p' "$f") || rc=1
	done
	bsdtun_result $rc "bsdtun(4) EXAMPLES show examples/*.c as they are"
}

# One version everywhere a user or a tool reads it: dkms.conf (the
# package and DKMS), the module (BSDTUN_VERSION: modinfo, ethtool -i),
# debian/changelog and CHANGELOG.md's newest entry.
bsdtun_check_version() {
	local v m d c
	v=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$TOP/dkms.conf")
	m=$(sed -n 's/^#define BSDTUN_VERSION[[:space:]]*"\(.*\)"/\1/p' "$TOP/bsdtun.h")
	d=$(sed -n '1s/^[^ ]* (\([^)-]*\).*/\1/p' "$TOP/debian/changelog")
	c=$(sed -n 's/^## \[\([0-9][^]]*\)\].*/\1/p' "$TOP/CHANGELOG.md" | head -n1)
	[ -n "$v" ] && [ "$v" = "$m" ] && [ "$v" = "$d" ] && [ "$v" = "$c" ]
	bsdtun_result $? "one version: dkms.conf $v, BSDTUN_VERSION $m, debian/changelog $d, CHANGELOG.md $c"
}
