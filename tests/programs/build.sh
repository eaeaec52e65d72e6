#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Real BSD tunnel programs for the guest: Debian's own sources, their BSD
# tun/tap code selected with the programs' own build switches only (no
# patch, no edit of their sources), compiled against the header as
# `make install-headers` installs it.
#
#   build.sh        prints the directory of the result, a tree to copy over
#                   an amd64 guest's root: /bsdtun/programs/{bin,keys,
#                   guest.sh,VERSIONS} (VERSIONS: what each was built
#                   from), /sbin/route and /sbin/ifconfig as links to
#                   bsdtun's BSD ones (iodine and gvpe run those fixed
#                   paths), and the shared libraries
#                   the binaries need
#
# Sources come through a private apt (bookworm, deb-src) in the cache.
# The archive here serves the .dsc and the orig tarball of these
# packages but not their debian.tar.xz, so dpkg-source cannot unpack
# them: the orig tarball is checked against the .dsc's sha256 and
# unpacked, which is upstream's code without Debian's patches.
# The result is cached under a hash of the tarballs, this script, the
# header, the transfer program and the compiler: a warm run builds
# nothing.  guest.sh is copied in on every run.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
PDIR=$TOP/tests/programs
# shellcheck source=../qemu/fetch-kernel.sh
. "$TOP/tests/qemu/fetch-kernel.sh" --functions
APTDIR=$CACHE/apt-src
SRC=$CACHE/programs/src
# Debian source packages and the bookworm binary package whose stock
# Linux build talks to the BSD build (quicktun's interoperation test).
PKGS="quicktun iodine tinc n2n gvpe openssh"
STOCK=quicktun

bsdtun_src_apt_setup() {
	local mirror
	mirror=$(bsdtun_mirror)
	[ -n "$mirror" ] || { echo "programs: no Debian mirror in /etc/apt" >&2; exit 1; }
	mkdir -p "$APTDIR"/state/lists/partial "$APTDIR"/cache/archives/partial "$SRC"
	cat > "$APTDIR/sources.list.new.$$" <<EOT
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror bookworm main
deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror bookworm main
EOT
	bsdtun_apt_refresh
}

# The .dsc and orig tarball of a bookworm source package, in $SRC; prints
# the tarball.  apt-get source fails on the missing debian.tar.xz after
# fetching the rest, so success is judged by the tarball's checksum.
bsdtun_src_fetch() {
	local pkg=$1 dsc orig sum
	dsc=$(ls "$SRC/${pkg}"_*.dsc 2>/dev/null | sed -n 1p)
	if [ -z "$dsc" ]; then
		(cd "$SRC" && bsdtun_apt source --download-only "$pkg/bookworm" >&2) || true
		dsc=$(ls "$SRC/${pkg}"_*.dsc 2>/dev/null | sed -n 1p)
	fi
	[ -n "$dsc" ] || { echo "programs: no source for $pkg" >&2; return 1; }
	orig=$(ls "$SRC/${pkg}"_*.orig.tar.* | grep -v '\.asc$' | sed -n 1p)
	sum=$(sha256sum "$orig" | cut -d' ' -f1)
	grep -q "^ $sum [0-9]* $(basename "$orig")$" "$dsc" ||
		{ echo "programs: $orig does not match $dsc" >&2; return 1; }
	echo "$orig"
}

# The Debian version of a fetched source package.
bsdtun_src_version() {
	sed -n 's/^Version: //p' "$(ls "$SRC/${1}"_*.dsc | sed -n 1p)"
}

# Shared libraries of the binaries in $1/bsdtun/programs/bin, copied into
# the tree $1 at their paths (the guest has only iproute2's).
bsdtun_src_libs() {
	local out=$1 b lib
	for b in "$out"/bsdtun/programs/bin/*; do
		for lib in $(ldd "$b" 2>/dev/null | grep -oE '/[^ ]+'); do
			mkdir -p "$out$(dirname "$lib")"
			cp -L "$lib" "$out$lib"
		done
	done
}

bsdtun_build_quicktun() {
	local tarball=$1 w=$2 out=$3 inc=$4
	mkdir -p "$w/quicktun"
	tar -xf "$tarball" -C "$w/quicktun" --strip-components=1
	# Its BSD branch is the one taken when __linux__ is not defined
	# (glibc's headers need only __gnu_linux__, which stays); "debian"
	# is the build Debian's package makes (the default one first packs
	# a tarball with options GNU tar refuses).
	(cd "$w/quicktun" && CFLAGS="-U__linux__ -Ulinux -I$inc" ./build.sh debian) \
		> "$w/quicktun.log" 2>&1 || { tail -n 20 "$w/quicktun.log" >&2; return 1; }
	# The combined binary, as Debian's package installs it: PROTOCOL
	# picks the protocol.
	cp "$w/quicktun/out/quicktun.combined" "$out/bin/quicktun-bsd"
	if grep -q /dev/net/tun "$out/bin/quicktun-bsd"; then
		echo "programs: quicktun was built with its Linux code" >&2
		return 1
	fi
	# The stock Linux binary, as Debian ships it.
	(cd "$w" && bsdtun_apt download "$STOCK/bookworm" >&2)
	dpkg-deb -x "$w"/${STOCK}_*.deb "$w/stock" &&
		cp "$w/stock/usr/sbin/quicktun" "$out/bin/quicktun-linux" ||
		return 1
	echo "quicktun (Linux): Debian binary package $(dpkg-deb -f "$w"/${STOCK}_*.deb Version), bookworm" \
		>> "$out/VERSIONS.tmp"
	# Two key pairs: "SECRET: <hex>" and "PUBLIC: <hex>" lines.
	"$w/quicktun/out/quicktun.keypair" > "$out/keys/quicktun-a" &&
		"$w/quicktun/out/quicktun.keypair" > "$out/keys/quicktun-b"
}

bsdtun_build_iodine() {
	local tarball=$1 w=$2 out=$3
	mkdir -p "$w/iodine"
	tar -xf "$tarball" -C "$w/iodine" --strip-components=1
	# TARGETOS picks its FreeBSD code; CFLAGS from the environment,
	# which its Makefile extends (on make's command line they would
	# replace its own): _GNU_SOURCE, which it adds only for Linux;
	# FreeBSD's tzsetwall() is glibc's tzset(); and IFCONFIGPATH, its
	# own knob for where ifconfig is, names bsdtun's BSD ifconfig, as
	# bsdtun-tools(8) says to (its route is /sbin/route, fixed).
	(cd "$w/iodine" && CFLAGS="-D_GNU_SOURCE -Dtzsetwall=tzset -DIFCONFIGPATH='\"/usr/lib/bsdtun/bin/\"'" \
		make TARGETOS=FreeBSD) \
		> "$w/iodine.log" 2>&1 || { tail -n 20 "$w/iodine.log" >&2; return 1; }
	cp "$w/iodine/bin/iodine" "$out/bin/iodine-bsd"
	cp "$w/iodine/bin/iodined" "$out/bin/iodined-bsd"
}

bsdtun_build_tinc() {
	local tarball=$1 w=$2 out=$3 inc=$4 n
	mkdir -p "$w/tinc"
	tar -xf "$tarball" -C "$w/tinc" --strip-components=1
	# A FreeBSD host as configure names it selects src/bsd/device.c (and
	# FreeBSD's default, tun with TUNSIFHEAD); a native build still.
	(cd "$w/tinc" && ./configure ac_cv_host=x86_64-pc-freebsd13.2 CPPFLAGS="-I$inc" &&
	 make -j"$(nproc)") > "$w/tinc.log" 2>&1 || { tail -n 20 "$w/tinc.log" >&2; return 1; }
	grep -q '^#define HAVE_NET_IF_TUN_H 1' "$w/tinc/config.h" &&
		grep -q 'Generic BSD tun device' "$w/tinc/src/tincd" ||
		{ echo "programs: tinc was built without its BSD device" >&2; return 1; }
	cp "$w/tinc/src/tincd" "$out/bin/tincd-bsd"
	# RSA keys for two nodes: generating them under TCG would be slow.
	for n in a b; do
		mkdir -p "$w/tinc-$n/hosts"
		echo "Name = $n" > "$w/tinc-$n/tinc.conf"
		"$w/tinc/src/tincd" -c "$w/tinc-$n" -K2048 < /dev/null > /dev/null 2>&1 ||
			return 1
		cp "$w/tinc-$n/rsa_key.priv" "$out/keys/tinc-$n.priv"
		cp "$w/tinc-$n/hosts/$n" "$out/keys/tinc-$n.pub"
	done
}

bsdtun_build_n2n() {
	local tarball=$1 w=$2 out=$3 inc=$4
	mkdir -p "$w/n2n" "$w/n2n-sys/sys"
	tar -xf "$tarball" -C "$w/n2n" --strip-components=1
	# Its FreeBSD tap code (tuntap_freebsd.c) is compiled when
	# __FreeBSD__ is defined, as a FreeBSD compiler does.  gcc's own
	# <stddef.h> then wants FreeBSD libc's <sys/_types.h>: an empty one,
	# searched after every system directory, satisfies it.  CFLAGS from
	# the environment, which its Makefile extends.
	: > "$w/n2n-sys/sys/_types.h"
	(cd "$w/n2n" && CFLAGS="-O2 -U__linux__ -Ulinux -D__FreeBSD__ -idirafter $w/n2n-sys -I$inc" \
		make edge supernode) \
		> "$w/n2n.log" 2>&1 || { tail -n 20 "$w/n2n.log" >&2; return 1; }
	if grep -q /dev/net/tun "$w/n2n/edge" || ! grep -q /dev/tap "$w/n2n/edge"; then
		echo "programs: n2n was built without its FreeBSD tap code" >&2
		return 1
	fi
	cp "$w/n2n/edge" "$out/bin/n2n-edge-bsd"
	cp "$w/n2n/supernode" "$out/bin/n2n-supernode"
}

bsdtun_build_gvpe() {
	local tarball=$1 w=$2 out=$3 inc=$4
	mkdir -p "$w/gvpe"
	tar -xf "$tarball" -C "$w/gvpe" --strip-components=1
	# Its own switch picks tinc's OpenBSD tun code (fixed /dev/tun0, the
	# family word in front of every packet); the OpenBSD header, though
	# that code includes none of bsdtun's.
	(cd "$w/gvpe" && ./configure --enable-iftype=tincd/openbsd \
		CPPFLAGS="-I$inc/openbsd -I$inc" && make -j"$(nproc)") \
		> "$w/gvpe.log" 2>&1 || { tail -n 20 "$w/gvpe.log" >&2; return 1; }
	grep -q 'OpenBSD tun device' "$w/gvpe/src/gvpe" ||
		{ echo "programs: gvpe was built without its OpenBSD device" >&2; return 1; }
	cp "$w/gvpe/src/gvpe" "$out/bin/gvpe-openbsd"
	# RSA keys for two nodes, made here: slow under TCG.
	mkdir -p "$w/gvpe-keys/pubkey" "$w/gvpe-keys/hostkeys" "$out/keys/gvpe"
	printf 'private-key = hostkeys/%%s\nnode = a\nnode = b\n' > "$w/gvpe-keys/gvpe.conf"
	"$w/gvpe/src/gvpectrl" -c "$w/gvpe-keys" -G > /dev/null 2>&1 || true
	for n in a b; do
		[ -s "$w/gvpe-keys/hostkeys/$n" ] && [ -s "$w/gvpe-keys/pubkey/$n" ] ||
			{ echo "programs: gvpectrl made no key for $n" >&2; return 1; }
		cp "$w/gvpe-keys/hostkeys/$n" "$out/keys/gvpe/$n.priv"
		cp "$w/gvpe-keys/pubkey/$n" "$out/keys/gvpe/$n.pub"
	done
}

bsdtun_build_openssh() {
	local tarball=$1 w=$2 out=$3 inc=$4 k
	mkdir -p "$w/openssh"
	tar -xf "$tarball" -C "$w/openssh" --strip-components=1
	# A FreeBSD host as configure names it selects SSH_TUN_FREEBSD
	# (openbsd-compat/port-net.c: /dev/tunN, TUNSIFHEAD 1, the
	# interface brought up by SIOCSIFFLAGS); a native build still.
	# _GNU_SOURCE: glibc's setres*id() prototypes, which configure's
	# Linux case adds and its FreeBSD case does not.  No OpenSSL, no
	# zlib: ed25519 keys and chacha20-poly1305, its defaults, are its
	# own code.  The privilege separation user is the guest's nobody;
	# its directory Debian's /run/sshd (the scenario mounts it).
	(cd "$w/openssh" && ./configure ac_cv_host=x86_64-unknown-freebsd13.2 \
		--without-openssl --without-zlib --with-privsep-user=nobody \
		--with-privsep-path=/run/sshd CPPFLAGS="-D_GNU_SOURCE -I$inc" &&
	 make -j"$(nproc)" ssh sshd ssh-keygen) > "$w/openssh.log" 2>&1 ||
		{ tail -n 20 "$w/openssh.log" >&2; return 1; }
	# FreeBSD's tun code, with TUNSIFHEAD from bsdtun's <net/if_tun.h>,
	# and none of the Linux one.
	if ! grep -q '^#define SSH_TUN_FREEBSD 1' "$w/openssh/config.h" ||
	   ! grep -q '^#define HAVE_NET_IF_TUN_H 1' "$w/openssh/config.h" ||
	   grep -q '^#define SSH_TUN_LINUX' "$w/openssh/config.h" ||
	   grep -q /dev/net/tun "$w/openssh/ssh" "$w/openssh/sshd"; then
		echo "programs: openssh was built without its FreeBSD tun code" >&2
		return 1
	fi
	cp "$w/openssh/ssh" "$out/bin/ssh-bsd"
	cp "$w/openssh/sshd" "$out/bin/sshd-bsd"
	# sshd's host key and the client's key, made here.
	mkdir -p "$out/keys/ssh"
	for k in host client; do
		"$w/openssh/ssh-keygen" -q -t ed25519 -N '' -C "bsdtun-$k" \
			-f "$out/keys/ssh/$k" < /dev/null > /dev/null || return 1
	done
}

main() {
	local key dir p t
	exec 8> "$CACHE/fetch.lock"
	flock 8
	bsdtun_src_apt_setup
	declare -A tar
	for p in $PKGS; do
		tar[$p]=$(bsdtun_src_fetch "$p")
	done
	flock -u 8
	key=$( (for p in $PKGS; do sha256sum "${tar[$p]}"; done
		cat "$PDIR/build.sh" "$TOP/bsdtun_uapi.h" "$TOP"/include/net/*.h \
			"$TOP/tests/qemu/demo/bsdtun_demo_tcp.c"
		gcc --version) | sha256sum | cut -c1-16)
	dir=$CACHE/programs/$key
	if [ ! -e "$dir.done" ]; then
		bsdtun_src_build "$dir" || return 1
	fi
	# What runs them, not cached: a change there rebuilds nothing.
	install -m 755 "$PDIR/guest.sh" "$dir/bsdtun/programs/guest.sh"
	# iodine runs /sbin/route, a path it does not let be configured:
	# there, bsdtun's BSD route (the base root has it, as make
	# install-tools installs it).
	ln -sfn /usr/lib/bsdtun/bin/route "$dir/sbin/route"
	# gvpe runs /sbin/ifconfig, fixed too.
	ln -sfn /usr/lib/bsdtun/bin/ifconfig "$dir/sbin/ifconfig"
	echo "$dir"
}

bsdtun_src_build() {
	local dir=$1 w out inc p
	rm -rf "$dir" "$dir.work" "$dir.done"
	w=$dir.work
	out=$dir/bsdtun/programs
	mkdir -p "$w" "$out/bin" "$out/keys" "$dir/sbin"
	make -s -C "$TOP" install-headers DESTDIR="$w/inst" PREFIX=/usr >&2
	inc=$w/inst/usr/include/bsdtun
	: > "$out/VERSIONS.tmp"
	for p in $PKGS; do
		echo "$p (BSD): Debian source package $(bsdtun_src_version "$p"), orig tarball" \
			>> "$out/VERSIONS.tmp"
		"bsdtun_build_$p" "${tar[$p]}" "$w" "$out" "$inc" ||
			{ echo "programs: building $p failed" >&2; return 1; }
	done
	# Debian's /bin/sh, which the programs' system() and popen() run
	# in the guest (guest.sh): busybox's shell would run its own
	# ifconfig and route before bsdtun's in PATH.
	cp /bin/dash "$out/bin/dash"
	gcc -O2 -Wall -Wextra -Werror -static -o "$out/bin/bsdtun_demo_tcp" \
		"$TOP/tests/qemu/demo/bsdtun_demo_tcp.c"
	bsdtun_src_libs "$dir"
	mv "$out/VERSIONS.tmp" "$out/VERSIONS"
	rm -rf "$w"
	touch "$dir.done"
}

main "$@"
