# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# A kernel installed on this machine, sourced by run.sh:
#
#   installed       (KERNEL=installed, KERNELS=installed) the running
#                   kernel's release, or KREL's: /boot/vmlinuz-<release>,
#                   its modules in /lib/modules/<release>/kernel and its
#                   headers in /lib/modules/<release>/build, booted under
#                   QEMU like any other kernel
#   installed-root  (make check) a brand-new bookworm root with Debian's
#                   linux-image-amd64 and linux-headers-amd64 installed as
#                   a user's own kernel, the demo's packages, and an apt
#                   that names no Debian suite (an Ubuntu line): make demo
#                   runs there as a user runs it, and must say that it
#                   boots the installed kernel, and pass

# The installed kernel as a kernel directory for bsdtun_run_kernel():
# boot/vmlinuz-<release>, lib/modules/<release> and build (the headers),
# links to the machine's own, and "release".  Prints it, or on failure
# one line saying what is missing.  Logs which release it took when the
# running kernel is not installed here (a container, a chroot).
bsdtun_installed_kernel() {
	local rel=${KREL:-$(uname -r)} img d newest
	if [ -z "${KREL:-}" ] && [ ! -e "/boot/vmlinuz-$rel" ] &&
	   [ ! -e "/lib/modules/$rel/vmlinuz" ]; then
		newest=$(find /boot -maxdepth 1 -name 'vmlinuz-*' 2>/dev/null |
			 sed 's|^/boot/vmlinuz-||' | sort -V | tail -n1)
		if [ -n "$newest" ]; then
			bsdtun_log "the running kernel ($rel) is not installed here: booting the newest installed one, $newest (KREL= chooses)" >&2
			rel=$newest
		fi
	fi
	img=/boot/vmlinuz-$rel
	# Newer Debian and Fedora kernels keep it beside their modules too.
	[ -e "$img" ] || [ ! -e "/lib/modules/$rel/vmlinuz" ] || img=/lib/modules/$rel/vmlinuz
	if [ ! -e "$img" ]; then
		newest=$(find /boot -maxdepth 1 -name 'vmlinuz-*' -printf '%f ' 2>/dev/null |
			 sed 's/vmlinuz-//g; s/ $//')
		echo "no kernel image /boot/vmlinuz-$rel on this machine (installed: ${newest:-none}); KREL=<release> chooses one"
		return 1
	fi
	if [ ! -r "$img" ]; then
		echo "$img is not readable by $(id -un) (Ubuntu installs it mode 0600): run as root, or sudo chmod 0644 $img"
		return 1
	fi
	if [ ! -f "/lib/modules/$rel/build/Makefile" ]; then
		echo "no kernel headers for $rel (/lib/modules/$rel/build): install linux-headers-$rel"
		return 1
	fi
	if [ ! -d "/lib/modules/$rel/kernel" ]; then
		echo "no modules for $rel in /lib/modules/$rel/kernel (veth, tun and bridge come from there)"
		return 1
	fi
	d=$BUILD/installed-kernel
	rm -rf "$d"
	mkdir -p "$d/boot" "$d/lib/modules"
	ln -s "$img" "$d/boot/vmlinuz-$rel"
	ln -s "/lib/modules/$rel" "$d/lib/modules/$rel"
	ln -s "$(readlink -f "/lib/modules/$rel/build")" "$d/build"
	ln -s build/.config "$d/.config"
	echo "$rel" > "$d/release"
	echo "$d"
}

# make demo, shell or bench with no KERNEL: bookworm's kernel from
# Debian's archive, or the installed one when this machine's apt names no
# Debian suite (Ubuntu, its derivatives), saying so in one line.
# shellcheck disable=SC2034 # KERNELS: run.sh's
bsdtun_default_kernel() {
	if "$QDIR/fetch-kernel.sh" --debian-apt; then
		KERNELS=bookworm
	else
		bsdtun_log "this machine's apt names no Debian suite to fetch a kernel from (Ubuntu or a derivative?): booting the installed kernel instead (KERNEL=installed)"
		KERNELS=installed
	fi
}

# The installed-root check's root: cached (a directory, reused for a
# week, keyed by its packages and the mirror), made by mmdebstrap with
# the machine's mirror, then its apt pointed away from Debian.  Each run
# works in an overlay of it, so nothing one run writes is seen by the
# next.
#
# bsdtun_installed_root_dir prints its directory, with status 0 when it
# is made and fresh; bsdtun_installed_root_make makes it when it is not,
# and prints it.
bsdtun_installed_root_dir() {
	local mirror incl dir
	# (fetch-kernel.sh sets -e, under which its mirror look-up stops.)
	mirror=$(. "$QDIR/fetch-kernel.sh" --functions && set +e && bsdtun_mirror)
	incl="linux-image-amd64 linux-headers-amd64 $(echo $BSDTUN_DEMO_PACKAGES)"
	dir=$CACHE/installed-root/$(echo "$mirror $incl" | md5sum | cut -c1-12)
	echo "$dir"
	[ -e "$dir/.done" ] && [ -z "$(find "$dir/.done" -mtime +7)" ]
}

bsdtun_installed_root_make() {
	local mirror incl dir lock
	mirror=$(. "$QDIR/fetch-kernel.sh" --functions && set +e && bsdtun_mirror)
	[ -n "$mirror" ] || { echo "installed-root: no Debian mirror in /etc/apt" >&2; return 1; }
	incl="linux-image-amd64 linux-headers-amd64 $(echo $BSDTUN_DEMO_PACKAGES)"
	dir=$(bsdtun_installed_root_dir)
	mkdir -p "$CACHE/installed-root"
	exec {lock}> "$dir.lock"
	flock "$lock"
	if ! bsdtun_installed_root_dir > /dev/null; then
		rm -rf "$dir"
		# No initramfs for the installed kernel: QEMU boots it with the
		# runner's, and mkinitramfs took 8 of the root's 14 minutes on
		# a loaded 2-core machine (update-initramfs a no-op in the root).
		mmdebstrap --variant=minbase --include="${incl// /,}" \
			--essential-hook='chroot "$1" dpkg-divert --quiet --local --rename --add /usr/sbin/update-initramfs && ln -s /bin/true "$1/usr/sbin/update-initramfs"' \
			bookworm "$dir" \
			"deb $mirror bookworm main" \
			"deb ${mirror%/debian}/debian-security bookworm-security main" >&2 || {
			rm -rf "$dir"; return 1; }
		# An apt without Debian: the suites an Ubuntu machine names (the host
		# is a placeholder: nothing is fetched from it, only its suites read).
		rm -f "$dir"/etc/apt/sources.list.d/*
		echo 'deb http://ubuntu-mirror.invalid/ubuntu noble main universe' > "$dir/etc/apt/sources.list"
		rm -rf "$dir"/var/lib/apt/lists/*
		touch "$dir/.done"
	fi
	exec {lock}>&-
	echo "$dir"
}

# make check with installed-root among its kernels, the root not made:
# mmdebstrap in the background from the start (mostly downloads and
# dpkg's waits, a minute of CPU), which bsdtun_installed_root then waits
# for, rather than five minutes at the end of a cold run.
bsdtun_installed_root_prefetch() {
	[ "$MODE" = check ] || return 0
	case " $KERNELS " in
	*" installed-root "*) ;;
	*) return 0 ;;
	esac
	bsdtun_installed_root_dir > /dev/null && return 0
	bsdtun_log "making installed-root's root in the background (log: $BUILD/installed-root-prefetch.log)"
	bsdtun_installed_root_make > "$BUILD/installed-root-prefetch.log" 2>&1 &
}

# make check's installed-root: make demo, in an overlay of the cached
# root, with this tree copied in.  Its checks are counted as the root's.
bsdtun_installed_root() {
	local n root work log rc line p f acc
	bsdtun_log "kernel: Debian's linux-image-amd64 installed in a brand-new root, whose apt names no Debian suite"
	n=$(date +%s)
	work=$BUILD/installed-root
	log=$work/make-root.log
	rm -rf "$work"
	mkdir -p "$work/upper" "$work/overlay-work" "$work/root"
	root=$(bsdtun_installed_root_make 2> "$log") || {
		tail -n 30 "$log"
		bsdtun_result 1 "[installed-root] make a bookworm root with linux-image-amd64 and linux-headers-amd64 (mmdebstrap)"
		return; }
	bsdtun_result 0 "[installed-root] bookworm root with $(cd "$root" && ls boot | sed -n 's/^vmlinuz-//p' | tr '\n' ' ')installed, apt: $(cat "$root/etc/apt/sources.list")"
	log=$work/demo.log
	# The accelerator this machine's runs found (bsdtun_probe_accel's
	# stamp): the root's cache starts empty and would probe again.
	acc=${BSDTUN_ACCEL:-$(cat "$CACHE"/accel-"$(uname -r)"-* 2>/dev/null | head -n1)}
	unshare -m sh -c '
		set -e
		mount -t overlay overlay -o "lowerdir=$1,upperdir=$2/upper,workdir=$2/overlay-work" "$2/root"
		r=$2/root
		mkdir -p "$r/src"
		rsync -a --exclude .git "$3/" "$r/src/"
		cp /etc/resolv.conf "$r/etc/resolv.conf" 2>/dev/null || true
		mount -t proc proc "$r/proc" && mount -t sysfs sysfs "$r/sys" &&
		mount --rbind /dev "$r/dev"
		chroot "$r" /usr/bin/env -i HOME=/root TERM=dumb \
			PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
			BSDTUN_ACCEL="$4" BSDTUN_TIMEOUT="$5" sh -c "cd /src && make demo"
	' _ "$root" "$work" "$TOP" "$acc" "$TIMEOUT" > "$log" 2>&1
	rc=$?
	sed 's/^/    /' "$log"
	# The demo's own checks count here.
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n1)
	if [ -n "$line" ]; then
		read -r p _ f _ <<< "$line"
		PASS=$((PASS + p)) FAIL=$((FAIL + f))
	fi
	grep -q 'apt names no Debian suite.*booting the installed kernel' "$log"
	bsdtun_result $? "[installed-root] make demo said in one line that apt names no Debian suite, and took the installed kernel"
	[ $rc -eq 0 ] && [ -n "$line" ] && grep -q '^DEMO: PASS' "$log"
	bsdtun_result $? "[installed-root] make demo passed on the installed $(cd "$root" && ls boot | sed -n 's/^vmlinuz-//p' | head -n1) (status $rc, $(( $(date +%s) - n )) s)"
	rm -rf "$work/upper" "$work/overlay-work"
}
