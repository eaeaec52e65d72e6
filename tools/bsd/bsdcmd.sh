# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# What bsdtun's BSD ifconfig and route share, sourced by both (not run):
# errors, iproute2's path, the queue of commands that are planned in
# full before any runs (and that -d prints instead), IPv4 and IPv6
# address and mask arithmetic, and reading an interface's state.
#
# Installed as /usr/lib/bsdtun/bsdcmd.sh beside /usr/lib/bsdtun/bin/; in
# the source tree it sits beside the commands (tools/bsd/).

bsdcmd_prog=${0##*/}
BSDCMD_DRY=0
BSDCMD_QUEUE=
BSDCMD_NL='
'

bsdcmd_die() {
	echo "$bsdcmd_prog: $*" >&2
	exit 1
}

bsdcmd_warn() {
	echo "$bsdcmd_prog: $*" >&2
}

# iproute2's ip, by an absolute path: $BSDTUN_IP, else the first of the
# usual places (a program's PATH may hold another ip, or busybox's).
bsdcmd_find_ip() {
	if [ -n "${BSDTUN_IP:-}" ]; then
		IP=$BSDTUN_IP
	else
		for IP in /sbin/ip /usr/sbin/ip /bin/ip /usr/bin/ip; do
			[ -x "$IP" ] && return 0
		done
		bsdcmd_die "no iproute2 ip in /sbin, /usr/sbin or /bin (or set BSDTUN_IP)"
	fi
	[ -x "$IP" ] || bsdcmd_die "$IP (BSDTUN_IP) is not an executable"
}

# A word as the shell reads it back: quoted only when it needs to be.
bsdcmd_quote() {
	case $1 in
	'' | *[!A-Za-z0-9_./:=@%+,-]*)
		printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
		;;
	*)
		printf '%s' "$1"
		;;
	esac
}

# Plan a command: its words, quoted, as one line of the queue.
bsdcmd_plan() {
	_l=
	for _w in "$@"; do
		case $_w in
		'' | *[!A-Za-z0-9_./:=@%+,-]*) _w=$(bsdcmd_quote "$_w") ;;
		esac
		_l="$_l${_l:+ }$_w"
	done
	BSDCMD_QUEUE="$BSDCMD_QUEUE$_l
"
}

# Plan "echo VALUE > FILE" (a sysctl of /proc/sys).
bsdcmd_plan_write() {
	BSDCMD_QUEUE="${BSDCMD_QUEUE}echo $(bsdcmd_quote "$2") > $(bsdcmd_quote "$1")
"
}

# Run the planned commands in order, or with -d print them, one a line.
# A command the kernel refuses stops the run there, naming it.
bsdcmd_apply() {
	if [ "$BSDCMD_DRY" = 1 ]; then
		printf '%s' "$BSDCMD_QUEUE"
		return 0
	fi
	while IFS= read -r _l; do
		[ -n "$_l" ] || continue
		eval "$_l" < /dev/null || bsdcmd_die "failed: $_l"
	done <<EOF
$BSDCMD_QUEUE
EOF
}

# A decimal number in a range: bsdcmd_num WORD MIN MAX.
bsdcmd_num() {
	case $1 in
	'' | *[!0-9]*) return 1 ;;
	esac
	[ ${#1} -le 10 ] && [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]
}

# A dotted-quad IPv4 address (four decimal octets).
bsdcmd_v4_ok() {
	case $1 in
	*[!0-9.]* | .* | *. | *..*) return 1 ;;
	esac
	_o=$1
	_n=0
	while [ -n "$_o" ]; do
		_p=${_o%%.*}
		bsdcmd_num "$_p" 0 255 || return 1
		_n=$((_n + 1))
		case $_o in
		*.*) _o=${_o#*.} ;;
		*) _o= ;;
		esac
	done
	[ $_n -eq 4 ]
}

# An IPv4 address (dotted, checked) as a number, and back.
bsdcmd_v4_num() {
	_a=$1
	_n=0
	for _i in 1 2 3 4; do
		_n=$((_n * 256 + ${_a%%.*}))
		_a=${_a#*.}
	done
	echo "$_n"
}

bsdcmd_v4_str() {
	echo "$(($1 >> 24 & 255)).$(($1 >> 16 & 255)).$(($1 >> 8 & 255)).$(($1 & 255))"
}

# The mask of a prefix length, as a number.
bsdcmd_len_mask() {
	if [ "$1" -eq 0 ]; then
		echo 0
	else
		echo $(((0xffffffff << (32 - $1)) & 0xffffffff))
	fi
}

# A netmask, dotted (255.255.255.0) or hexadecimal (0xffffff00), as
# FreeBSD's commands take it: its prefix length; fails if the mask is not
# contiguous (Linux has prefixes only).
bsdcmd_mask_len() {
	case $1 in
	0x* | 0X*)
		case ${1#0[xX]} in
		'' | *[!0-9a-fA-F]*) return 1 ;;
		esac
		[ ${#1} -le 10 ] || return 1
		_m=$(($1))
		;;
	*)
		bsdcmd_v4_ok "$1" || return 1
		_m=$(bsdcmd_v4_num "$1")
		;;
	esac
	_len=0
	while [ $_len -lt 32 ] && [ $((_m >> (31 - _len) & 1)) -eq 1 ]; do
		_len=$((_len + 1))
	done
	[ "$(bsdcmd_len_mask $_len)" -eq "$_m" ] || return 1
	echo $_len
}

# The class mask FreeBSD's kernel gives an IPv4 address set without one:
# class A /8, class B /16, else /24.
bsdcmd_v4_classful() {
	_f=${1%%.*}
	if [ "$_f" -lt 128 ]; then
		echo 8
	elif [ "$_f" -lt 192 ]; then
		echo 16
	else
		echo 24
	fi
}

# An IPv6 address in text form: hex groups, at most one "::", an IPv4
# tail allowed, eight groups in all.
bsdcmd_v6_ok() {
	case $1 in
	*[!0-9a-fA-F:.]* | '' | *:::* | :[!:]* | *[!:]:) return 1 ;;
	esac
	_rest=$1
	_groups=0
	_dc=0
	case $_rest in
	*::*::*) return 1 ;;
	*::*) _dc=1 ;;
	esac
	case $_rest in
	*.*)
		_v4=${_rest##*:}
		bsdcmd_v4_ok "$_v4" || return 1
		_rest=${_rest%"$_v4"}
		_groups=2
		;;
	esac
	_ok=0
	_oifs=$IFS
	IFS=:
	set -f
	for _x in $_rest; do
		[ -n "$_x" ] || continue
		[ ${#_x} -le 4 ] || _ok=1
		_groups=$((_groups + 1))
	done
	set +f
	IFS=$_oifs
	[ $_ok -eq 0 ] || return 1
	if [ $_dc -eq 1 ]; then
		[ $_groups -le 7 ]
	else
		[ $_groups -eq 8 ]
	fi
}

# An interface name Linux takes.
bsdcmd_ifname_ok() {
	case $1 in
	'' | . | .. | *[!A-Za-z0-9_.:@-]*) return 1 ;;
	esac
	[ ${#1} -le 15 ]
}

bsdcmd_exists() {
	[ -e "/sys/class/net/$1" ]
}

# The first line of a file (sysfs) in variable $1; fails if unreadable.
bsdcmd_read() {
	{ IFS= read -r "$1" < "$2"; } 2>/dev/null
}

# The interface's flags (Linux's IFF_* bits) as a number in FLAGS.
bsdcmd_flags() {
	bsdcmd_read _f "/sys/class/net/$1/flags" || return 1
	FLAGS=$((_f))
}

# The first line of a list, and whether it has more than one.
bsdcmd_first() {
	printf '%s' "${1%%"$BSDCMD_NL"*}"
}

bsdcmd_several() {
	case $1 in
	*"$BSDCMD_NL"?*) return 0 ;;
	esac
	return 1
}

# The interface's addresses of family $2 (4 or 6), one a line, in the
# kernel's order (the first IPv4 one is the primary):
#   LOCAL LEN PEER BRD SCOPE
# PEER and BRD are "-" when there is none.
bsdcmd_addrs() {
	"$IP" -o "-$2" addr show dev "$1" 2>/dev/null | awk '{
		local = ""; peer = "-"; brd = "-"; scope = "-"
		for (i = 3; i <= NF; i++) {
			if ($i == "inet" || $i == "inet6")
				local = $(i + 1)
			else if ($i == "peer")
				peer = $(i + 1)
			else if ($i == "brd")
				brd = $(i + 1)
			else if ($i == "scope")
				scope = $(i + 1)
		}
		if (local == "")
			next
		len = local
		if (peer != "") {
			if (peer != "-") {
				len = peer
				sub(/\/.*/, "", peer)
			}
		}
		if (len ~ /\//)
			sub(/.*\//, "", len)
		else
			len = ("'"$2"'" == "4") ? 32 : 128
		sub(/\/.*/, "", local)
		print local, len, peer, brd, scope
	}'
}

# The line of list $1 whose first word is $2, if any.
bsdcmd_entry() {
	while read -r _e _rest; do
		if [ "$_e" = "$2" ]; then
			echo "$_e $_rest"
			return 0
		fi
	done <<EOF
$1
EOF
}

# Is $1 an address of this host (IPv4 or IPv6)? Prints its interface.
bsdcmd_local_if() {
	"$IP" -o addr show 2>/dev/null | awk -v a="$1" '{
		for (i = 3; i < NF; i++)
			if ($i == "inet" || $i == "inet6") {
				l = $(i + 1)
				sub(/\/.*/, "", l)
				if (l == a) { print $2; exit }
			}
	}'
}
