#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The userland of a test VM of another architecture (i386, arm64): turns
# ROOT, a copy of the runner's amd64 base root, into one that ARCH's
# kernel runs.  busybox-static, iproute2 (ip, tc) and ethtool come from
# bookworm's ARCH packages, with the shared libraries they need, through
# fetch-kernel.sh's private, download-only apt (its own state and lists
# per ARCH, APT::Architecture ARCH; the machine's /etc/apt is never
# changed).  The unpacked packages are cached.
#
# usage: foreign-root.sh ARCH ROOT
set -euo pipefail

QDIR=$(cd "$(dirname "$0")" && pwd)
arch=${1:?usage: foreign-root.sh ARCH ROOT}
root=${2:?usage: foreign-root.sh ARCH ROOT}
case $arch in
i386) triplet=i386-linux-gnu ;;
arm64) triplet=aarch64-linux-gnu ;;
*) echo "foreign-root: no such architecture here: $arch" >&2; exit 1 ;;
esac
# shellcheck source=fetch-kernel.sh
. "$QDIR/fetch-kernel.sh" --functions
APTDIR=$CACHE/apt-$arch
mkdir -p "$APTDIR"/state/lists/partial "$APTDIR"/cache/archives/partial
printf 'APT::Architecture "%s";\nAPT::Architectures { "%s"; };\n' "$arch" "$arch" > "$APTDIR/apt.conf"
export APT_CONFIG=$APTDIR/apt.conf

mirror=$(bsdtun_mirror)
[ -n "$mirror" ] || { echo "foreign-root: no Debian mirror in /etc/apt" >&2; exit 1; }
cat > "$APTDIR/sources.list.new" <<EOT
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror bookworm main
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${mirror%/debian}/debian-security bookworm-security main
EOT
touch "$APTDIR/state/status"
if ! cmp -s "$APTDIR/sources.list.new" "$APTDIR/sources.list" ||
   [ -z "$(find "$APTDIR/updated" -mmin -1440 2>/dev/null)" ]; then
	mv "$APTDIR/sources.list.new" "$APTDIR/sources.list"
	bsdtun_apt update >&2
	touch "$APTDIR/updated"
fi
rm -f "$APTDIR/sources.list.new"

# The programs' packages and every library package they depend on,
# each at the version apt picks; libraries no program loads stay out of
# the root (the closure below is by DT_NEEDED).
want=$(bsdtun_apt_cache depends --recurse --no-recommends --no-suggests \
	--no-conflicts --no-breaks --no-replaces --no-enhances --no-pre-depends \
	busybox-static iproute2 ethtool 2>/dev/null |
	grep -E '^(busybox-static|iproute2|ethtool|zlib1g|lib[^ <]*)$' | sort -u)
# shellcheck disable=SC2086
want=$(bsdtun_apt_cache show --no-all-versions $want 2>/dev/null |
	awk '/^Package: / { p = $2 } /^Version: / { print p "=" $2 }' | sort -u)
dir=$CACHE/$arch-userland/$(echo "$want" | md5sum | cut -c1-12)
if [ ! -e "$dir/.done" ]; then
	rm -rf "$dir"
	mkdir -p "$dir/debs" "$dir/tree"
	# shellcheck disable=SC2086
	(cd "$dir/debs" && bsdtun_apt download $want >&2)
	for f in "$dir"/debs/*.deb; do
		dpkg-deb -x "$f" "$dir/tree"
	done
	echo "$want" > "$dir/packages"
	touch "$dir/.done"
fi
tree=$dir/tree

# A path in the unpacked packages, its symbolic links (absolute ones
# too: /sbin/ip -> /bin/ip) followed inside them, never into this machine.
bsdtun_in_tree() {
	local p=$1 t n=0
	while [ -L "$tree$p" ] && [ $n -lt 20 ]; do
		t=$(readlink "$tree$p")
		case $t in
		/*) p=$t ;;
		*) p=$(dirname "$p")/$t ;;
		esac
		n=$((n + 1))
	done
	[ -e "$tree$p" ] && [ ! -L "$tree$p" ] && echo "$tree$p"
}

# Out with the amd64 programs and libraries, in with ARCH's.
for f in bin/busybox sbin/ip sbin/tc sbin/ethtool lib lib64 usr/lib usr/lib64; do
	rm -rf "${root:?}/$f"
done
install -m 755 "$(bsdtun_in_tree /bin/busybox)" "$root/bin/busybox"
# sh is a hard link to busybox (initramfs.sh): to this one now.
ln -f "$root/bin/busybox" "$root/bin/sh"
for b in ip tc ethtool; do
	f=
	for d in /sbin /usr/sbin /bin /usr/bin; do
		f=$(bsdtun_in_tree "$d/$b") && break
	done
	[ -n "$f" ] || { echo "foreign-root: no $b in the $arch packages" >&2; exit 1; }
	install -m 755 "$f" "$root/sbin/$b"
done

# The libraries: DT_NEEDED from the programs, transitively, found in the
# unpacked packages' multiarch directories; and the interpreter.
search="lib/$triplet usr/lib/$triplet lib usr/lib"
queue="$root/sbin/ip $root/sbin/tc $root/sbin/ethtool"
done_libs=" "
while [ -n "$queue" ]; do
	next=
	for f in $queue; do
		for so in $(readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
			case $done_libs in *" $so "*) continue ;; esac
			done_libs="$done_libs$so "
			found=
			for d in $search; do
				src=$(bsdtun_in_tree "/$d/$so") && { found=/$d/$so; break; }
			done
			[ -n "$found" ] || { echo "foreign-root: $so (needed by $f) not in the packages" >&2; exit 1; }
			mkdir -p "$root$(dirname "$found")"
			cp "$src" "$root$found"
			next="$next $root/$found"
		done
	done
	queue=$next
done
interp=$(readelf -l "$root/sbin/ip" | sed -n 's/.*Requesting program interpreter: \(.*\)\]/\1/p')
mkdir -p "$root$(dirname "$interp")"
cp "$(bsdtun_in_tree "$interp")" "$root$interp"
