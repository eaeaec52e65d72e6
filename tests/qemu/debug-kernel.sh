#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (once, cached by source version and config hash) a debug kernel
# from Debian's linux-source-6.1: tinyconfig + kvm_guest.config +
# tests/qemu/debug.config (KASAN, lockdep, kmemleak, UBSAN, debug objects,
# SLUB debug and the network options the suite needs).  Prints the build
# directory, which holds arch/x86/boot/bzImage and serves as KDIR.
set -euo pipefail

QDIR=$(cd "$(dirname "$0")" && pwd)
CACHE=${BSDTUN_CACHE:-$HOME/.cache/bsdtun}
src=$("$QDIR/fetch-kernel.sh" --source)
hash=$(cat "$QDIR/debug.config" | md5sum | cut -c1-12)
dir=$CACHE/debug-kernel/$(basename "$src")-$hash
if [ -e "$dir/.done" ]; then
	echo "$dir"
	exit 0
fi
rm -rf "$dir"
mkdir -p "$dir"
tar -xf "$src"/linux-source-6.1.tar.* -C "$dir" --strip-components=1
cd "$dir"
make -s ARCH=x86_64 tinyconfig >&2
scripts/kconfig/merge_config.sh -m .config kernel/configs/kvm_guest.config \
	"$QDIR/debug.config" >&2
make -s ARCH=x86_64 olddefconfig >&2
# merge_config silently drops what a dependency refuses: check each option.
missing=0
while IFS= read -r line; do
	case $line in
	CONFIG_*=n) grep -qx "# ${line%=n} is not set" .config || grep -q "^${line%=n}=" .config || true ;;
	CONFIG_*) grep -qx "$line" .config || { echo "debug-kernel: $line not set" >&2; missing=1; } ;;
	esac
done < "$QDIR/debug.config"
[ $missing -eq 0 ] || exit 1
nice make -s ARCH=x86_64 -j"$(nproc)" bzImage modules >&2
touch .done
echo "$dir"
