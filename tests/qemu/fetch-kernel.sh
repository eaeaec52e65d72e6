#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fetch a Debian kernel (image, headers, kbuild) into the cache through a
# private, download-only apt configuration.  The machine's own /etc/apt is
# never modified: only its mirror addresses are read, so the archive this
# machine is allowed to reach is the one used.
#
# usage: fetch-kernel.sh SUITE            -> prints the kernel directory
#        fetch-kernel.sh --source         -> prints the linux-source directory
#        fetch-kernel.sh --buildroot SUITE -> prints a build root (chroot) with
#                          the compiler and headers of SUITE's kernel, for
#                          kernels this machine's tools cannot build for
#        fetch-kernel.sh --debian-apt     -> exit status 0 when this machine's
#                          apt names a Debian suite on a mirror (Ubuntu's and
#                          its derivatives' do not: nothing to fetch from)
# SUITE: bullseye, bookworm, bookworm-backports, sid; experimental (its
# kernel when newer than sid's; otherwise exit status 3 and one line
# saying so); any of those with "-rt" after it (sid-rt: the suite's
# PREEMPT_RT flavour, rt-amd64); arm64 (bookworm's
# arm64 kernel, with the amd64 build of its kbuild tools: Debian marks
# linux-kbuild-* Multi-Arch: foreign, the tools of the build machine
# for every target, which is how Debian itself cross-builds modules);
# arm64-16k (sid's arm64 kernel with 16 KiB pages)
set -euo pipefail
# Pipelines here end in "sed -n 1p", never "head" or "grep -m1": a reader
# that stops early kills the writer with SIGPIPE, which pipefail and -e
# turn into a failed run, now and then.

CACHE=${BSDTUN_CACHE:-$HOME/.cache/bsdtun}
# The kernel's architecture.  arm64's packages come through an apt of its
# own that knows both architectures, so the amd64 one's lists stay small.
# The flavour: the package names' last part (linux-image-<abi>-<flavour>).
KARCH=amd64
FLAVOUR=amd64
APTDIR=$CACHE/apt
SUITE_ARG=${1:-}
[ "$SUITE_ARG" = --buildroot ] && SUITE_ARG=${2:-}
case $SUITE_ARG in
*-rt) FLAVOUR=rt-amd64 ;;
arm64-16k) FLAVOUR=arm64-16k ;;
esac
if [ "${SUITE_ARG%-16k}" = arm64 ]; then
	KARCH=arm64
	[ "$FLAVOUR" = amd64 ] && FLAVOUR=arm64
	# sid's arm64 kernels through an apt of their own, as bookworm's.
	APTDIR=$CACHE/apt-kernel-arm64
	[ "$FLAVOUR" = arm64 ] || APTDIR=$CACHE/apt-kernel-arm64-sid
	mkdir -p "$APTDIR"
	printf 'APT::Architecture "amd64";\nAPT::Architectures { "amd64"; "arm64"; };\n' \
		> "$APTDIR/apt.conf"
	export APT_CONFIG=$APTDIR/apt.conf
fi
# make demo (BSDTUN_APT_NARROW set) fetches bookworm's kernel alone: unless
# the whole apt's indexes are fresh (make check ran today), an apt of
# bookworm's suites only, 9 MB of indexes rather than 30.
NARROW=
if [ "${1:-}" = bookworm ] && [ -n "${BSDTUN_APT_NARROW:-}" ] &&
   [ -z "$(find "$APTDIR/updated" -mmin -1440 2>/dev/null)" ]; then
	APTDIR=$CACHE/apt-bookworm
	NARROW=1
fi
mkdir -p "$APTDIR"/state/lists/partial "$APTDIR"/cache/archives/partial

bsdtun_mirror() {
	# First "URIs:" (deb822) or "deb" line that names the main archive.
	local m
	m=$(grep -hoE '^(URIs:[[:space:]]*|deb[[:space:]]+(\[[^]]*\][[:space:]]+)?)[a-z]+://[^[:space:]]+' \
		/etc/apt/sources.list /etc/apt/sources.list.d/*.list \
		/etc/apt/sources.list.d/*.sources 2>/dev/null |
		grep -v -- '-security' | grep -oE '[a-z]+://[^[:space:]]+' | sed -n 1p)
	echo "${m%/}"
}

# Whether /etc/apt names one of Debian's suites (by codename or by
# alias) on a mirror.  An Ubuntu machine names jammy, noble...: its
# mirror carries no Debian kernel, nor the keyring to check one.
bsdtun_debian_apt() {
	local f files=()
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
		 /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] && files+=("$f")
	done
	[ ${#files[@]} -gt 0 ] && [ -n "$(bsdtun_mirror)" ] &&
	[ -e /usr/share/keyrings/debian-archive-keyring.gpg ] &&
	grep -hE '^[[:space:]]*(deb[[:space:]]|Suites:)' "${files[@]}" |
		sed -E 's/\[[^]]*\]//; s|[a-z]+://[^[:space:]]+||g' |
		grep -qwE 'buster|bullseye|bookworm|trixie|forky|duke|sid|oldstable|stable|testing|unstable'
}

bsdtun_apt() {
	apt-get -q -o Dir::Etc::SourceList="$APTDIR/sources.list" \
		-o Dir::Etc::SourceParts=/dev/null \
		-o Dir::Etc::Preferences=/dev/null \
		-o Dir::Etc::PreferencesParts=/dev/null \
		-o Dir::State="$APTDIR/state" \
		-o Dir::State::status="$APTDIR/state/status" \
		-o Dir::Cache="$APTDIR/cache" \
		-o APT::Sandbox::User=root \
		-o Acquire::Check-Valid-Until=false \
		-o APT::Get::AllowUnauthenticated=false "$@"
}

bsdtun_apt_cache() {
	apt-cache -o Dir::Etc::SourceList="$APTDIR/sources.list" \
		-o Dir::Etc::SourceParts=/dev/null \
		-o Dir::State="$APTDIR/state" \
		-o Dir::State::status="$APTDIR/state/status" \
		-o Dir::Cache="$APTDIR/cache" "$@"
}

bsdtun_apt_setup() {
	local mirror sec
	mirror=$(bsdtun_mirror)
	sec=${mirror%/debian}/debian-security
	[ -n "$mirror" ] || { echo "fetch-kernel: no Debian mirror in /etc/apt" >&2; exit 1; }
	if [ "$KARCH" = arm64 ] && [ "$FLAVOUR" != arm64 ]; then
		cat > "$APTDIR/sources.list.new.$$" <<EOT
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror sid main
EOT
	elif [ "$KARCH" = arm64 ] || [ -n "$NARROW" ]; then
		cat > "$APTDIR/sources.list.new.$$" <<EOT
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror bookworm main
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $sec bookworm-security main
EOT
	else
		cat > "$APTDIR/sources.list.new.$$" <<EOT
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror bullseye main
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $sec bullseye-security main
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror bookworm main
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $sec bookworm-security main
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror bookworm-backports main
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror sid main
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror experimental main
EOT
	fi
	bsdtun_apt_refresh
}

# Make $APTDIR/sources.list.new.$$ the private apt's list, refreshing the
# indexes when it changed or at most once a day: a second run stays
# offline.
bsdtun_apt_refresh() {
	local stamp=$APTDIR/updated
	touch "$APTDIR/state/status"
	if ! cmp -s "$APTDIR/sources.list.new.$$" "$APTDIR/sources.list" ||
	   [ -z "$(find "$stamp" -mmin -1440 2>/dev/null)" ]; then
		mv "$APTDIR/sources.list.new.$$" "$APTDIR/sources.list"
		bsdtun_apt update >&2
		touch "$stamp"
	fi
	rm -f "$APTDIR/sources.list.new.$$"
}

# Newest version of PKG available from SUITE.
bsdtun_pkg_version() {
	local pkg=$1 suite=$2
	bsdtun_apt_cache madison "$pkg" | awk -F'|' -v s="$suite" '
		{ gsub(/ /, "", $2); if ($3 ~ ("/" s "[ /]") || $3 ~ (" " s "/")) print $2 }' |
		sort -V | tail -n1
}

# "<abi> <version>" of the kernel a suite's meta-package points at.
bsdtun_resolve_abi() {
	local suite=${1%-rt} meta=linux-image-$FLAVOUR v s suites
	case $suite in
	arm64-16k) suites=sid ;;
	bullseye) suites="bullseye-security bullseye" ;;
	bookworm|arm64) suites="bookworm-security bookworm" ;;
	*) suites=$suite ;;
	esac
	for s in $suites; do
		v=$(bsdtun_pkg_version "$meta" "$s")
		[ -n "$v" ] || continue
		bsdtun_apt_cache show "$meta=$v" 2>/dev/null |
			sed -n "s/^Depends: .*linux-image-\([0-9][^ ,]*\)-$FLAVOUR (= \([^)]*\)).*/\1 \2/p" |
			sed -n 1p
		return 0
	done
	return 1
}

# Packages of one kernel: the image (one package before 6.17, split into
# binary and modules after), the headers and the kbuild tools they need.
bsdtun_kernel_packages() {
	local abi=$1 ver=$2 deps common
	if bsdtun_apt_cache show "linux-image-$abi-$FLAVOUR-unsigned=$ver" >/dev/null 2>&1; then
		echo "linux-image-$abi-$FLAVOUR-unsigned=$ver"
	else
		echo "linux-binary-unsigned-$abi-$FLAVOUR=$ver"
		echo "linux-modules-$abi-$FLAVOUR=$ver"
	fi
	echo "linux-headers-$abi-$FLAVOUR=$ver"
	deps=$(bsdtun_apt_cache show "linux-headers-$abi-$FLAVOUR=$ver" 2>/dev/null |
	       grep '^Depends:')
	# The common headers the flavour's need: <abi>-common, or before
	# 6.12 for the RT flavour <abi>-common-rt.
	common=$(echo "$deps" | grep -oE 'linux-headers-[^ ,]+-common[^ ,]*' | sed -n 1p)
	echo "${common:-linux-headers-$abi-common}=$ver"
	# This machine's build of the tools, whatever the kernel's.
	echo "$(echo "$deps" | grep -oE 'linux-kbuild-[^ ,]+' | sed -n 1p):amd64=$ver"
}

bsdtun_download_extract() {
	local dest=$1; shift
	local dl=$CACHE/debs
	mkdir -p "$dl" "$dest"
	(cd "$dl" && bsdtun_apt download "$@" >&2)
	for p in "$@"; do
		local name=${p%%=*} ver=${p#*=}
		name=${name%:*}
		ver=${ver//:/%3a}
		dpkg-deb -x "$dl/${name}_${ver}"_*.deb "$dest"
	done
}

# foreign-root.sh sources this file for the functions above, nothing more.
[ "${1:-}" = --functions ] && return 0

if [ "${1:-}" = --debian-apt ]; then
	bsdtun_debian_apt
	exit
fi

# make check runs kernels side by side: their fetches share the private
# apts (whose update and download take their locks or fail) and the
# cache's download directory.
exec 8> "$CACHE/fetch.lock"
flock 8
bsdtun_apt_setup

if [ "${1:-}" = --source ]; then
	ver=$(bsdtun_pkg_version linux-source-6.1 bookworm-security)
	[ -n "$ver" ] || ver=$(bsdtun_pkg_version linux-source-6.1 bookworm)
	dir=$CACHE/source/linux-source-6.1_$ver
	if [ ! -e "$dir/.done" ]; then
		rm -rf "$dir"
		bsdtun_download_extract "$dir/deb" "linux-source-6.1=$ver"
		tarball=$(ls "$dir"/deb/usr/src/linux-source-6.1.tar.*)
		mkdir -p "$dir/tree"
		tar -xf "$tarball" -C "$dir/tree" --strip-components=1 \
			--wildcards 'linux-source-6.1/scripts/checkpatch.pl' \
			'linux-source-6.1/scripts/spelling.txt' \
			'linux-source-6.1/scripts/const_structs.checkpatch' \
			'linux-source-6.1/tools/testing/selftests/kselftest_harness.h' \
			'linux-source-6.1/tools/testing/selftests/kselftest.h' \
			'linux-source-6.1/tools/testing/selftests/lib.mk' \
			'linux-source-6.1/tools/testing/selftests/run_kselftest.sh' \
			'linux-source-6.1/tools/testing/selftests/kselftest/*' \
			'linux-source-6.1/.clang-format'
		# Keep the tarball for the debug kernel; drop the unpacked .deb.
		mv "$tarball" "$dir/"
		rm -rf "$dir/deb"
		touch "$dir/.done"
	fi
	echo "$dir"
	exit 0
fi

if [ "${1:-}" = --buildroot ]; then
	suite=${2:?usage: fetch-kernel.sh --buildroot SUITE}
	read -r abi ver < <(bsdtun_resolve_abi "$suite") || true
	[ -n "${abi:-}" ] || { echo "fetch-kernel: cannot resolve kernel for $suite" >&2; exit 1; }
	deps=$(bsdtun_apt_cache show "linux-headers-$abi-$FLAVOUR=$ver" 2>/dev/null |
	       grep '^Depends:')
	cc=$(echo "$deps" | grep -oE 'gcc-[0-9]+' | sed -n 1p)
	if [ "$KARCH" = arm64 ]; then
		# The headers are arm64's package: this architecture's kbuild
		# tools and cross compiler installed, the headers copied from
		# the kernel's tree (fetched first).
		kdir=$CACHE/kernels/$abi-$FLAVOUR
		[ -e "$kdir/.done" ] || { echo "fetch-kernel: fetch $suite before its build root" >&2; exit 1; }
		pkgs="${cc:?}-aarch64-linux-gnu,$(echo "$deps" | grep -oE 'linux-kbuild-[^ ,]+' | sed -n 1p)"
	else
		pkgs="${cc:-gcc},linux-headers-$abi-$FLAVOUR=$ver"
	fi
	dir=$CACHE/buildroot/$suite-$abi
	if [ ! -e "$dir/.done" ]; then
		rm -rf "$dir"
		mkdir -p "$(dirname "$dir")"
		mirror=$(bsdtun_mirror)
		# experimental is no whole suite: sid with it beside.
		base=${suite%-rt}
		case $base in
		experimental|arm64-16k) base=sid ;;
		esac
		srcs=("deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $base main")
		[ "${suite%-rt}" = experimental ] &&
			srcs+=("deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror experimental main")
		mmdebstrap --variant=apt --skip=cleanup/apt \
			--aptopt='Acquire::Check-Valid-Until "false"' \
			--include="make,libc6-dev,sparse,kmod,dwarves,dkms,openssl,pkgconf,$pkgs" \
			"$base" "$dir" "${srcs[@]}" >&2
		[ "$KARCH" = amd64 ] ||
			cp -a "$kdir"/usr/src/linux-headers-* "$dir/usr/src/"
		mkdir -p "$dir/build"
		touch "$dir/.done"
	fi
	echo "$dir"
	exit 0
fi

suite=${1:?usage: fetch-kernel.sh SUITE}
read -r abi ver < <(bsdtun_resolve_abi "$suite") || true
# The next kernel: experimental's, only while newer than sid's.
if [ "$suite" = experimental ]; then
	sidver=$(bsdtun_pkg_version linux-image-amd64 sid)
	if [ -z "${ver:-}" ] || dpkg --compare-versions "$ver" le "$sidver"; then
		echo "experimental carries no kernel newer than sid's (experimental: ${ver:-none}, sid: $sidver)"
		exit 3
	fi
fi
[ -n "${abi:-}" ] || { echo "fetch-kernel: cannot resolve kernel for $suite" >&2; exit 1; }
dir=$CACHE/kernels/$abi
# Another flavour of the same ABI (arm64, rt-amd64...) is another kernel.
[ "$FLAVOUR" = amd64 ] || dir=$dir-$FLAVOUR
if [ ! -e "$dir/.done" ]; then
	rm -rf "$dir"
	mapfile -t pkgs < <(bsdtun_kernel_packages "$abi" "$ver")
	bsdtun_download_extract "$dir" "${pkgs[@]}"
	# Newer kernels keep vmlinuz and modules under /usr/lib only.
	if [ ! -d "$dir/boot" ]; then
		mkdir -p "$dir/boot"
		for k in "$dir"/usr/lib/modules/*/vmlinuz*; do
			kv=$(basename "$(dirname "$k")")
			ln -sf "$k" "$dir/boot/vmlinuz-$kv"
		done
	fi
	[ -e "$dir/lib" ] || ln -s usr/lib "$dir/lib"
	# The runner's label: the ABI, the flavour's name before it (rt,
	# arm64, arm64-16k).
	case $FLAVOUR in
	amd64) echo "$abi" ;;
	*) echo "${FLAVOUR%-amd64}-$abi" ;;
	esac > "$dir/abi"
	echo "$suite" > "$dir/suite"
	echo "$KARCH" > "$dir/arch"
	echo "$FLAVOUR" > "$dir/flavour"
	touch "$dir/.done"
fi
echo "$dir"
