#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run .ci/run as CI runs it on a brand-new Debian bookworm machine: in a
# minbase root made with mmdebstrap, with this repository cloned into it
# and ../shared beside it, and nothing else installed.  A package the
# runner needs but does not install (flex, once) fails here, where on a
# developer's machine it would be hidden by what is already there.
#
#   tests/fresh-ci.sh [DIR]     DIR: the root (default /var/tmp/bsdtun-fresh-ci,
#                               made anew); its cache starts empty, so this
#                               is also the cold make check
#
# Needs mmdebstrap on this machine (make check installs it).  Prints what
# .ci/run prints, then the time it took; exits with its status.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-/var/tmp/bsdtun-fresh-ci}

# The archive this machine may reach, read from its own apt sources.
mirror=$(grep -hoE '^(URIs:[[:space:]]*|deb[[:space:]]+(\[[^]]*\][[:space:]]+)?)[a-z]+://[^[:space:]]+' \
	/etc/apt/sources.list /etc/apt/sources.list.d/*.list \
	/etc/apt/sources.list.d/*.sources 2>/dev/null |
	grep -v -- '-security' | grep -oE '[a-z]+://[^[:space:]]+' | sed -n 1p) || true
mirror=${mirror%/}
[ -n "$mirror" ] || { echo "fresh-ci: no Debian mirror in /etc/apt" >&2; exit 1; }

rm -rf "$dir"
mmdebstrap --variant=minbase bookworm "$dir" \
	"deb $mirror bookworm main" "deb $mirror bookworm-updates main" \
	"deb ${mirror%/debian}/debian-security bookworm-security main"
mkdir -p "$dir/ci"
git clone -q "$TOP" "$dir/ci/main"
cp -r "$TOP/../shared" "$dir/ci/shared"
cp /etc/resolv.conf "$dir/etc/resolv.conf"

start=$(date +%s)
rc=0
# The root is made a mount point of its own: the runner's "unshare -m"
# makes / private, which a plain directory as / refuses.
unshare -m sh -c '
	mount --bind "$1" "$1" &&
	mount -t proc proc "$1/proc" && mount -t sysfs sysfs "$1/sys" &&
	mount --rbind /dev "$1/dev" &&
	chroot "$1" /usr/bin/env -i HOME=/root CI=true TERM=dumb \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		bash -c "cd /ci/main && bash .ci/run"
' _ "$dir" || rc=$?
echo "fresh-ci: .ci/run exited $rc after $(( ($(date +%s) - start) / 60 )) min in a new bookworm root"
exit $rc
