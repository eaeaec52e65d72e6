# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Results and logging, sourced by run.sh: every check the runner makes
# ends in bsdtun_result, which counts it in PASS and FAIL; bsdtun_summary
# prints the closing "N passed, N failed" line.

bsdtun_log() { echo "=== $*"; }

# A check the runner makes itself (build, style, kernel log...).
bsdtun_result() {
	local ok=$1; shift
	if [ "$ok" = 0 ]; then
		echo "ok - $*"
		PASS=$((PASS + 1))
	else
		echo "not ok - $*"
		FAIL=$((FAIL + 1))
	fi
}

bsdtun_summary() {
	if [ $SKIP -gt 0 ]; then
		echo "$PASS passed, $FAIL failed, $SKIP skipped"
	else
		echo "$PASS passed, $FAIL failed"
	fi
}

bsdtun_die() {
	echo "run.sh: $*" >&2
	FAIL=$((FAIL + 1))
	bsdtun_summary
	exit 1
}
