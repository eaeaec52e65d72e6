# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Line and branch coverage of the driver under the suite, sourced by
# run.sh.  The debug kernel has CONFIG_GCOV_KERNEL; the module built for
# it has GCOV_PROFILE (Kbuild's BSDTUN_GCOV); at the end of the run,
# init.sh sends the counts the kernel kept over every load (the fault
# pass's included) as a tarball between BSDTUN-GCOV-BEGIN and -END.
# Here gcov reads them beside the build's .gcno files: a table per file
# in the check's output, and in $BUILD/coverage/ the annotated sources
# (*.gcov) and uncovered.txt, every line the run never executed.

# A whole run covers at least this share of the driver's lines, or the
# check fails.
BSDTUN_COVERAGE_MIN=${BSDTUN_COVERAGE_MIN:-90}

# bsdtun_coverage ABI RESULT_LOG MODULE_BUILD_DIR MIN_PERCENT
bsdtun_coverage() {
	local abi=$1 res=$2 mod=$3 min=$4 out=$BUILD/coverage f n
	rm -rf "$out"
	mkdir -p "$out/data"
	if ! grep -q '^BSDTUN-GCOV-END' "$res" ||
	   ! sed -n '/^BSDTUN-GCOV-BEGIN/,/^BSDTUN-GCOV-END/p' "$res" |
		tr -d '\r' | sed '1d;$d' | base64 -d | tar -xzf - -C "$out/data"; then
		bsdtun_result 1 "[$abi] coverage: the guest sent the module's gcov counts"
		return 1
	fi
	n=0
	for f in "$out"/data/*.gcda; do
		[ -e "$f" ] || continue
		cp "$f" "$mod/"
		n=$((n + 1))
	done
	if [ $n -eq 0 ]; then
		bsdtun_result 1 "[$abi] coverage: the guest sent the module's gcov counts (none found)"
		return 1
	fi
	# gcov of the compiler that built the module (this machine's: the
	# debug kernel is built here).
	(cd "$out" && gcov -b -c -o "$mod" "$mod"/bsdtun_*.c > gcov.txt 2>&1)
	# gcov's summary per source: "File '...'", "Lines executed:P% of N",
	# "Taken at least once:P% of N".  The driver's own files only (not
	# the kernel's headers), each line count summed.
	awk -v mod="$mod/" '
		/^File / {
			f = $0; sub(/^File \047/, "", f); sub(/\047$/, "", f)
			# Kbuild names the sources of an external module by their
			# absolute path (6.1); a relative one is ours too.
			name = index(f, mod) == 1 ? substr(f, length(mod) + 1) : f
			ours = (index(f, mod) == 1 || (f !~ /^\// && f !~ /(^|\/)include\//)) && !(name in seen)
			if (ours) { seen[name] = 1; order[++n] = name }
			next
		}
		ours && /^Lines executed:/ {
			split($0, a, /[:% ]+/); pct = a[3]; tot = $NF
			lines[name] = tot; hit[name] = int(pct * tot / 100 + 0.5)
		}
		ours && /^Taken at least once:/ {
			split($0, a, /[:% ]+/); pct = a[5]; tot = $NF
			br[name] = tot; bhit[name] = int(pct * tot / 100 + 0.5)
		}
		END {
			printf "# %-24s %14s %16s\n", "file", "lines", "branches taken"
			for (i = 1; i <= n; i++) {
				k = order[i]
				if (!(k in lines) || lines[k] == 0)
					continue
				printf "# %-24s %5.1f%% %4d/%-4d %5.1f%% %4d/%-4d\n", k,
				       100 * hit[k] / lines[k], hit[k], lines[k],
				       br[k] ? 100 * bhit[k] / br[k] : 100, bhit[k], br[k]
				L += lines[k]; H += hit[k]; B += br[k]; BH += bhit[k]
			}
			printf "# %-24s %5.1f%% %4d/%-4d %5.1f%% %4d/%-4d\n", "total",
			       100 * H / L, H, L, 100 * BH / B, BH, B
			printf "TOTAL %d %d %d %d\n", H, L, BH, B
		}' "$out/gcov.txt" > "$out/summary.txt"
	# Every line never executed, as file:line, from the annotated
	# sources ("#####" in gcov's count column).  An inline function of a
	# header gets, after its summed lines, one block per copy, each
	# after a "------------------" line and its name: those are skipped.
	for f in "$out"/bsdtun*.gcov "$out"/compat*.gcov; do
		[ -e "$f" ] || continue
		awk -v f="$(basename "$f" .gcov)" -F: '
			/^------------------$/ { inst = 1; after = 1; next }
			after { after = 0; if ($0 !~ /^[A-Za-z_][A-Za-z0-9_.]*:$/) inst = 0 }
			!inst && $1 ~ /#####/ {
				gsub(/ /, "", $2); print f ":" $2 ": " substr($0, index($0, $3))
			}' "$f"
	done > "$out/uncovered.txt"
	grep -v '^TOTAL ' "$out/summary.txt"
	# The uncovered lines, as ranges per file.
	awk -F: '
		{ if ($1 != f) { if (f != "") print "# " f ": " s; f = $1; s = ""; prev = -2; start = -2 }
		  n = $2 + 0
		  if (n == prev + 1) { prev = n; sub(/-[0-9]+$|$/, "-" n, s); next }
		  s = s (s == "" ? "" : ",") n; prev = n }
		END { if (f != "") print "# " f ": " s }' "$out/uncovered.txt" |
		sed 's/^# /# not executed: /'
	read -r _ h l bh b < <(grep '^TOTAL ' "$out/summary.txt")
	[ "${l:-0}" -gt 0 ] || {
		bsdtun_result 1 "[$abi] coverage: gcov read the counts (see $out/gcov.txt)"
		return 1
	}
	[ $((h * 100)) -ge $((l * min)) ]
	bsdtun_result $? "[$abi] coverage of the driver under the suite: $((h * 100 / l))% of lines ($h/$l, at least $min%), $((bh * 100 / (b ? b : 1)))% of branches taken ($bh/$b); $out"
}
