# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# This machine's packages, sourced by run.sh: what the runner needs,
# installed with apt-get when missing.

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
