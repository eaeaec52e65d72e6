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
