# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# This machine's packages, sourced by run.sh: what the runner needs,
# installed with apt-get when missing.

# What make demo, shell and bench need on a kernel this machine's gcc
# builds for (bookworm's, bullseye's, or the installed one): QEMU, the
# initramfs's userland (busybox, iproute2, ethtool, kmod, cpio), the
# decompressors for the kernel's modules, and a C toolchain for the
# module (with pahole, which kbuild asks for from 6.12 on), the demo's
# programs and the benchmark.  Nothing of the style
# checks (sparse, checkpatch's linux-source), the cross compilers or the
# packaging tools: make check's.
BSDTUN_DEMO_PACKAGES="qemu-system-x86 busybox-static iproute2 ethtool kmod cpio gzip
	xz-utils zstd gcc make libc6-dev dwarves rsync"

# Whether this run is one that BSDTUN_DEMO_PACKAGES serve: make demo,
# shell or bench (not a negative check) on one of those kernels.  Others
# may need a build root (mmdebstrap), a kernel built here or another
# architecture's tools: everything.
bsdtun_minimal_run() {
	[ "$MODE" != check ] && [ -z "$NEGATIVE" ] || return 1
	case $KERNELS in
	bookworm|bullseye|installed) return 0 ;;
	esac
	return 1
}

bsdtun_install_deps() {
	local need=() p arm64='' all
	# 32-bit x86 programs (the compat test, the i386 userland) are built
	# with $CC_I386.  arm64: its QEMU,
	# Debian's cross compilers (64-bit, and 32-bit for the compat test)
	# and their C libraries.
	case " $KERNELS " in
	*" arm64 "* | *" arm64-16k "*)
		arm64="qemu-system-arm gcc-aarch64-linux-gnu libc6-dev-arm64-cross
		       gcc-arm-linux-gnueabihf libc6-dev-armhf-cross" ;;
	esac
	all="$BSDTUN_DEMO_PACKAGES sparse \
		 gcc-i686-linux-gnu libc6-dev-i386-cross \
		 perl libelf-dev mandoc mmdebstrap pkg-config \
		 flex bison bc libssl-dev git \
		 libsodium-dev liblzo2-dev zlib1g-dev \
		 debhelper dh-dkms dpkg-dev build-essential $arm64"
	bsdtun_minimal_run && all=$BSDTUN_DEMO_PACKAGES
	for p in $all; do
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
