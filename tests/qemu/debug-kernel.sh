#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
#   debug-kernel.sh [FLAVOUR [--cached]]
#
# Build (once, cached by flavour, source version and config hash) a
# kernel from Debian's linux-source-6.1: tinyconfig + kvm_guest.config +
# tests/qemu/FLAVOUR.config.  Flavours:
#
#   debug   (default) KASAN, lockdep, kmemleak, UBSAN, debug objects, SLUB
#           debug, fault injection
#   kcsan   KCSAN, which cannot share a kernel with KASAN
#   i386    32-bit (ARCH=i386, host gcc -m32): lockdep, preemption,
#           highmem, kmemleak, UBSAN, debug objects; no KASAN (64-bit only)
#
# A fragment with CONFIG_X86_32=y builds with ARCH=i386 and without
# kvm_guest.config (PCI, virtio, paravirt: nothing of it is used under
# QEMU's TCG, and the build is shorter).
#
# Each fragment also carries the network options the suite needs.  Prints
# the build directory, which holds arch/x86/boot/bzImage and serves as
# KDIR.  A new flavour is a new FLAVOUR.config; the runner boots it as the
# suite of that name.
set -euo pipefail

QDIR=$(cd "$(dirname "$0")" && pwd)
CACHE=${BSDTUN_CACHE:-$HOME/.cache/bsdtun}
flavour=${1:-debug}
frag=$QDIR/$flavour.config
[ -f "$frag" ] || { echo "debug-kernel: no $frag" >&2; exit 1; }
arch=x86_64
base=(kernel/configs/kvm_guest.config)
if grep -qx 'CONFIG_X86_32=y' "$frag"; then
	arch=i386
	base=()
fi
src=$("$QDIR/fetch-kernel.sh" --source)
# The debug kernel's key is unchanged from before flavours existed
# ($CACHE/debug-kernel/<source>-<hash of debug.config>), so a cached one
# is reused.
hash=$(md5sum < "$frag" | cut -c1-12)
dir=$CACHE/$flavour-kernel/$(basename "$src")-$hash
if [ -e "$dir/.done" ]; then
	echo "$dir"
	exit 0
fi
# --cached: only say (exit status) whether it is built.
[ "${2:-}" = --cached ] && exit 1
# Two runs (two work trees share the cache) must not build one directory
# at once: the second waits for the first and then finds it done.
mkdir -p "$(dirname "$dir")"
exec 9> "$dir.lock"
flock 9
if [ -e "$dir/.done" ]; then
	echo "$dir"
	exit 0
fi
rm -rf "$dir"
mkdir -p "$dir"
tar -xf "$src"/linux-source-6.1.tar.* -C "$dir" --strip-components=1
cd "$dir"
make -s ARCH=$arch tinyconfig >&2
scripts/kconfig/merge_config.sh -m .config "${base[@]}" "$frag" >&2
make -s ARCH=$arch olddefconfig >&2
# merge_config silently drops what a dependency refuses: check each option.
missing=0
while IFS= read -r line; do
	case $line in
	CONFIG_*=n)
		! grep -q "^${line%=n}=[ym]" .config ||
			{ echo "debug-kernel: $line not honoured" >&2; missing=1; } ;;
	CONFIG_*)
		grep -qx "$line" .config ||
			{ echo "debug-kernel: $line not set" >&2; missing=1; } ;;
	esac
done < "$frag"
[ $missing -eq 0 ] || exit 1
start=$(date +%s)
nice make -s ARCH=$arch -j"$(nproc)" bzImage modules >&2
echo "debug-kernel: $flavour kernel built in $(( ($(date +%s) - start) / 60 )) min" >&2
touch .done
echo "$dir"
