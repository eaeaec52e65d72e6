# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Reading a boot's outcome, sourced by run.sh: the result port's TAP
# lines into counts, and the console scanned for kernel reports.

# Parse the guest's result port into TAP counts.
bsdtun_parse_results() {
	local abi=$1 res=$2 line prog rc seen_not_ok=0 done=0
	local uncounted=0 plan=0 ran=0 passed=0 t counts c kv gcov=0 times=
	FAULT_SEEN=0
	FAULT_KINDS= FAULT_HIT=
	while IFS= read -r line; do
		line=${line%$'\r'}
		# The coverage counts (coverage.sh reads them): not shown.
		case $line in
		BSDTUN-GCOV-BEGIN) gcov=1; continue ;;
		BSDTUN-GCOV-END) gcov=0; continue ;;
		esac
		[ $gcov = 1 ] && continue
		if [ $uncounted = 1 ]; then
			# Shown, tallied, not counted (FAULT_UNCOUNTED).
			case $line in
			"1.."*) plan=${line#1..} ;;
			"ok "*) ran=$((ran + 1)); passed=$((passed + 1)) ;;
			"not ok "*) ran=$((ran + 1)) ;;
			esac
			case $line in
			"ok "*|"not ok "*|"1.."*)
				echo "# (not counted) $line"
				continue ;;
			esac
		fi
		case $line in
		"BSDTUN-BEGIN "*)
			prog=${line#BSDTUN-BEGIN }
			seen_not_ok=0
			uncounted=0
			case " $FAULT_UNCOUNTED " in
			*" ${prog#fault/} "*) [ "$prog" != "${prog#fault/}" ] && uncounted=1 ;;
			esac
			plan=0 ran=0 passed=0
			echo "# [$abi] $prog"
			;;
		"BSDTUN-END "*)
			rc=${line##* }
			if [ $uncounted = 1 ]; then
				# Its own verdicts aside, it must have run
				# every test to a verdict and exited by itself
				# (0: all passed, 1: some failed; not killed,
				# not all skipped).
				uncounted=0
				if { [ "$rc" = 0 ] || [ "$rc" = 1 ]; } &&
				   [ "$plan" -gt 0 ] && [ "$ran" = "$plan" ]; then
					bsdtun_result 0 "[$abi] $prog ran to its end under injected faults ($passed of $plan tests passed, not counted)"
				else
					bsdtun_result 1 "[$abi] $prog did not run to its end under injected faults (status $rc, $ran of $plan tests reported)"
				fi
				continue
			fi
			# A program that crashed or timed out without saying
			# "not ok" still fails; 4 is kselftest's "skip".
			if [ "$rc" != 0 ] && [ "$rc" != 4 ] && [ $seen_not_ok = 0 ]; then
				bsdtun_result 1 "[$abi] $prog exited with status $rc"
			fi
			;;
		"BSDTUN-FAULT "*)
			# A fault pass that injected nothing tested nothing:
			# each program must have had failures injected, and
			# the pass every kind (the stress program, which stops
			# at its first failed set-up, sees a few page and copy
			# failures in most runs, none in some).
			FAULT_SEEN=$((FAULT_SEEN + 1))
			t=${line#BSDTUN-FAULT }
			counts=${t#* }
			t=${t%% *}
			c=1
			for kv in $counts; do
				case " $FAULT_KINDS " in
				*" ${kv%%=*} "*) ;;
				*) FAULT_KINDS="$FAULT_KINDS ${kv%%=*}" ;;
				esac
				case $kv in
				*=-*|*=0) ;;
				*=[0-9]*)
					c=0
					case " $FAULT_HIT " in
					*" ${kv%%=*} "*) ;;
					*) FAULT_HIT="$FAULT_HIT ${kv%%=*}" ;;
					esac ;;
				esac
			done
			bsdtun_result $c "[$abi] fault/$t: failures injected: $counts"
			;;
		"# TIME "*)
			# init.sh's time of one test, in centiseconds.
			echo "$line"
			t=${line#\# TIME }
			times="$times${t%% *} $prog: ${t#* }"$'\n'
			;;
		"BSDTUN-CHECK ok "*)
			bsdtun_result 0 "[$abi] ${line#BSDTUN-CHECK ok }" ;;
		"BSDTUN-CHECK not ok "*)
			bsdtun_result 1 "[$abi] ${line#BSDTUN-CHECK not ok }" ;;
		BSDTUN-DONE)
			done=1 ;;
		"ok "*"# SKIP"*|"ok "*"# skip"*)
			echo "$line"
			SKIP=$((SKIP + 1)) ;;
		"ok "*)
			echo "$line"
			PASS=$((PASS + 1)) ;;
		"not ok "*)
			echo "$line"
			seen_not_ok=1
			FAIL=$((FAIL + 1)) ;;
		*)
			echo "$line" ;;
		esac
	done < "$res"
	# Where the guest's time went: its slowest tests.
	[ -z "$times" ] || printf '%s' "$times" | sort -rn | head -n 8 |
		awk -v abi="$abi" '{ $1 = sprintf("%.1f s", $1 / 100); print "# [" abi "] slow: " $0 }'
	return $((1 - done))
}

# Kernel reports in the console log.  One kind of trace is excused: in
# the fault pass (between init's "bsdtun-fault: begin" and "end"
# markers), some kernel code answers an allocation failure by dumping the
# stack: warn_alloc() after "vmalloc error: ..." or "page allocation
# failure: ...", and sysctl registration after "sysctl could not get
# directory: ... -12" (ENOMEM).  Such a "Call Trace:" is excused only
# when all hold: it comes at most 4 lines after one of those headlines,
# the reporting function (warn_alloc, __register_sysctl_table) is one of
# its first frames, and the headline comes at most 8 lines after an
# injected failure's own report ("FAULT_INJECTION: forcing a failure."
# naming failslab or fail_page_alloc; init sets verbose=1 and no
# ratelimit so every injection that may warn has one).  Nothing else is:
# a BUG, WARNING, KASAN or lockdep report in the fault pass fails the
# run like anywhere else.
# "ODEBUG: Out of memory" and kmemleak's "Cannot allocate" mean a checker
# switched itself off, so its silence after that proves nothing.
# A KCSAN report ("BUG: KCSAN: data-race in A / B" up to its closing
# "====" line) is excused only when kcsan.filter lists the pair A / B and
# no frame of the report is bsdtun's; it is still printed.
bsdtun_scan_console() {
	local abi=$1 con=$2 hits excused
	# Case-sensitive on purpose: the command line says "oops=panic".  A
	# lockdep kernel's boot banner says "RCU lockdep checking is enabled".
	hits=$(awk '
		FILENAME == ARGV[1] {
			sub(/#.*/, "")
			if (split($0, p, " / ") == 2) {
				gsub(/[ \t]/, "", p[1]); gsub(/[ \t]/, "", p[2])
				known[p[1] " / " p[2]] = 1
				known[p[2] " / " p[1]] = 1
			}
			next
		}
		{ sub(/\r$/, ""); l[++n] = $0 }
		END {
			NR = n
			pat = "BUG:|WARNING:|Oops|Call Trace:|possible circular locking|possible recursive locking|inconsistent lock state|lockdep|KASAN:|UBSAN:|kmemleak:.*unreferenced|kmemleak: Cannot allocate|ODEBUG: Out of memory|Kernel panic"
			infault = 0; fi = -100; hl = -100; hlok = 0; excused = 0; intrace = 0
			for (i = 1; i <= NR; i++) {
				s = l[i]
				if (s ~ /bsdtun-fault: begin /)
					infault = 1
				else if (s ~ /bsdtun-fault: end /)
					infault = 0
				if (s ~ /FAULT_INJECTION: forcing a failure/ &&
				    l[i + 1] ~ /name (failslab|fail_page_alloc), interval/)
					fi = i
				who = ""
				if (s ~ /: (vmalloc error|page allocation failure): .*mode:0x/)
					who = "warn_alloc"
				else if (s ~ /sysctl could not get directory: .* -12$/)
					who = "__register_sysctl_table"
				if (who != "") {
					hl = i
					hlwho = who
					hlok = infault && i - fi <= 8
				}
				if (intrace) {
					if (s ~ /<\/TASK>/)
						intrace = 0
					if (s ~ /^( \? | )?[A-Za-z0-9_.]+\+0x[0-9a-f]+\/0x[0-9a-f]+( \[[a-z0-9_]+\])?$/ ||
					    s ~ /<\/?TASK>|^ *(RIP|RSP|RAX|RDX|RBP|R10|R13|Code):/)
						continue
				}
				if (s !~ pat || s ~ /Kernel command line|RCU lockdep checking is enabled\./)
					continue
				if (match(s, /BUG: KCSAN: [a-z -]+ in [^ ]+ \/ [^ ]+/)) {
					split(substr(s, RSTART, RLENGTH), h, " in ")
					pair = h[2]
					gsub(/\+0x[0-9a-f\/x]+/, "", pair)
					ours = 0
					for (j = i + 1; j <= NR && l[j] !~ /====================/; j++)
						if (l[j] ~ /\[bsdtun\]/)
							ours = 1
					if ((pair in known) && !ours) {
						print "filtered " i ": " s
						continue
					}
				}
				if (s ~ /Call Trace:/ && hlok && i - hl <= 4) {
					for (j = i + 1; j <= i + 5 && j <= NR; j++)
						if (index(l[j], " " hlwho "+0x"))
							break
					if (j <= i + 5 && j <= NR) {
						excused++
						# Its frames (which may name lockdep
						# functions) and register lines, up to
						# </TASK>; an interleaved line from
						# elsewhere is still checked.
						intrace = 1
						continue
					}
				}
				print i ": " s
			}
			if (excused)
				print "excused " excused
		}' "$QDIR/kcsan.filter" "$con")
	excused=$(echo "$hits" | sed -n 's/^excused //p')
	echo "$hits" | sed -n 's/^filtered /# KCSAN report excused by kcsan.filter: /p'
	hits=$(echo "$hits" | grep -v '^excused \|^filtered ' | head -n 60)
	[ -n "$excused" ] &&
		echo "# [$abi] $excused allocation-failure traces (warn_alloc or sysctl right after an injected failure, in the fault pass) excused"
	if [ -n "$hits" ]; then
		echo "$hits"
		bsdtun_result 1 "[$abi] kernel log free of BUG/WARNING/Oops/lockdep/KASAN/KCSAN reports (see $con)"
	else
		bsdtun_result 0 "[$abi] kernel log free of BUG/WARNING/Oops/lockdep/KASAN/KCSAN reports"
	fi
}
