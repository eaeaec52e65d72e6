# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The scheduler, sourced by run.sh: kernels built here start building in
# the background at once, and make check runs BSDTUN_SLOTS kernels side
# by side, showing each one's output when it ends.

# The kernels built here take most of a cold run.  Build the ones not
# cached in the background, one after another and niced, from the start:
# they then overlap the Debian kernels' boots (a TCG guest leaves a core
# idle much of the time).  bsdtun_run_kernel's own debug-kernel.sh call
# waits on the build's lock, or finds it done.
bsdtun_prefetch_kernels() {
	local suite todo=
	PREFETCH_PID=
	[ "$MODE" = check ] || return 0
	for suite in $KERNELS; do
		[ -f "$QDIR/$suite.config" ] &&
			! "$QDIR/debug-kernel.sh" "$suite" --cached > /dev/null 2>&1 &&
			todo="$todo $suite"
	done
	[ -n "$todo" ] || return 0
	bsdtun_log "building the kernels$todo in the background (log: $BUILD/prefetch.log)"
	(
		for suite in $todo; do
			nice -n 10 "$QDIR/debug-kernel.sh" "$suite" > /dev/null || exit 1
		done
	) > "$BUILD/prefetch.log" 2>&1 &
	PREFETCH_PID=$!
}

# A failed background build is reported by the foreground's own attempt;
# here only nothing may be left running.
bsdtun_prefetch_wait() {
	[ -n "${PREFETCH_PID:-}" ] || return 0
	kill "$PREFETCH_PID" 2>/dev/null
	wait "$PREFETCH_PID" 2>/dev/null
	PREFETCH_PID=
}

# One kernel's run in the background, its output and counts in $JOBDIR:
# N.out, then N.count ("pass fail skip") when it ends, however it ends.
bsdtun_start_kernel() {
	local n=$1 suite=$2
	(
		PASS=0 FAIL=0 SKIP=0
		trap 'echo "$PASS $FAIL $SKIP" > "$JOBDIR/$n.count"' EXIT
		bsdtun_run_kernel "$suite"
	) > "$JOBDIR/$n.out" 2>&1 &
	JOB_PID[$n]=$!
	JOB_SUITE[$n]=$suite
	bsdtun_log "[$suite] started (output below when it ends)"
}

# Show every ended kernel's output once, and add its counts.  A run
# killed before its EXIT trap wrote counts is a failure.
bsdtun_collect_kernels() {
	local n p f s
	for n in "${!JOB_PID[@]}"; do
		kill -0 "${JOB_PID[$n]}" 2>/dev/null && continue
		wait "${JOB_PID[$n]}" 2>/dev/null
		cat "$JOBDIR/$n.out"
		if read -r p f s < "$JOBDIR/$n.count" 2>/dev/null; then
			PASS=$((PASS + p)) FAIL=$((FAIL + f)) SKIP=$((SKIP + s))
		else
			bsdtun_result 1 "[${JOB_SUITE[$n]}] its run ended without a count"
		fi
		unset "JOB_PID[$n]"
	done
}

# make check: the kernels side by side, SLOTS at a time.  A TCG guest
# keeps one host core busy for most of its run (its second vCPU mostly
# idles), so two guests on two cores take little longer than one.
bsdtun_run_kernels() {
	local n=0 suite
	JOBDIR=$BUILD/jobs
	rm -rf "$JOBDIR"
	mkdir -p "$JOBDIR"
	declare -gA JOB_PID=() JOB_SUITE=()
	for suite in $KERNELS; do
		while [ ${#JOB_PID[@]} -ge "$SLOTS" ]; do
			# Any child's end, the background kernel build's too.
			wait -n 2>/dev/null || sleep 1
			bsdtun_collect_kernels
		done
		bsdtun_start_kernel $n "$suite"
		n=$((n + 1))
	done
	while [ ${#JOB_PID[@]} -gt 0 ]; do
		wait -n 2>/dev/null || sleep 1
		bsdtun_collect_kernels
	done
}
