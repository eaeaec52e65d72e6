# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Style checks beside the module build, sourced by run.sh: checkpatch.pl
# over the tree and mandoc's lint of the man pages (in the background,
# beside the kernels' runs), and the stand-in that lets newer kbuilds run
# sparse against Debian's headers.

# Newer kernels' kbuild runs scripts/checker-valid.sh before sparse and,
# when that fails, turns C=2 off with no more than a make warning.
# Debian's header packages leave the script out (7.3 in experimental):
# put a stand-in there that says the checker is valid when it runs, so
# that sparse really runs.  (The build log is also checked for that
# warning: a sparse that did not run fails the check.)
bsdtun_checker_standin() {
	local hdr=$1 s=$1/scripts/checker-valid.sh
	grep -qs 'checker-valid.sh' "$hdr/Makefile" && [ ! -e "$s" ] || return 0
	mkdir -p "$(dirname "$s")"
	printf '#!/bin/sh\n"$@" /dev/null >/dev/null 2>&1 && echo 1\n' > "$s"
	chmod 755 "$s"
}

bsdtun_checkpatch() {
	local src=$1 f out bad=0 ign
	local cp=$src/tree/scripts/checkpatch.pl
	for f in $(cd "$TOP" && git ls-files --cached --others --exclude-standard '*.c' '*.h' 2>/dev/null ||
		   (cd "$TOP" && find . -name '*.[ch]' -not -path './.git/*')); do
		# User-space programs use the C library's types and
		# attributes, spell shell commands in split strings and
		# test for a system call's absence (ENOSYS).
		ign=
		case $f in
		selftests/*|bench/*|tests/*|examples/*|tools/*)
			ign=--ignore=PREFER_KERNEL_TYPES,PREFER_DEFINED_ATTRIBUTE_MACRO,SPLIT_STRING,ENOSYS ;;
		esac
		out=$(cd "$TOP" && perl "$cp" --strict --no-tree --quiet $ign \
			-f "$f" 2>&1)
		if [ -n "$out" ]; then
			echo "$out"
			bad=1
		fi
	done
	bsdtun_result $bad "checkpatch.pl --strict --no-tree on every .c/.h"
}

# checkpatch and mandoc's lint take half a minute of one core, which a
# warm make check spent before any kernel started: they run beside the
# kernels instead, their output shown and their checks counted by
# bsdtun_style_collect once the kernels are done.
bsdtun_style_start() {
	local src=$1
	rm -f "$BUILD/style.count"
	(
		PASS=0 FAIL=0 SKIP=0
		trap 'echo "$PASS $FAIL $SKIP" > "$BUILD/style.count"' EXIT
		bsdtun_checkpatch "$src"
		mandoc -Tlint -W warning "$TOP"/man/*.4 "$TOP"/man/*.8
		bsdtun_result $? "man pages lint-clean (mandoc -Tlint man/*.4 man/*.8)"
	) > "$BUILD/style.out" 2>&1 &
	STYLE_PID=$!
}

bsdtun_style_collect() {
	local p f s
	[ -n "${STYLE_PID:-}" ] || return 0
	wait "$STYLE_PID"
	cat "$BUILD/style.out"
	if read -r p f s < "$BUILD/style.count" 2>/dev/null; then
		PASS=$((PASS + p)) FAIL=$((FAIL + f)) SKIP=$((SKIP + s))
	else
		bsdtun_result 1 "checkpatch and mandoc ended without a count"
	fi
	STYLE_PID=
}
