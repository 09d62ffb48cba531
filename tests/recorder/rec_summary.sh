#!/bin/sh
# The launcher's end-of-run summary and heapsnap --print's one screen
# (issue 12 items 1-2): exact content on a deterministic program (TAP).
set -u
: "${HS_LAUNCHER:?}"
top_builddir=${top_builddir:-$(cd "$(dirname "$0")/../.." && pwd)}
prog=$top_builddir/tests/progs/leak_two
work=$(mktemp -d "${TMPDIR:-/tmp}/hs_rsum.XXXXXX") || exit 99
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 99

. "${top_srcdir:?}/tests/tap.sh"
check_sh() { # check_sh DESCRIPTION 'SHELL CONDITION'
	if eval "$2"; then ok "$1"; else not_ok "$1"; fi
}
same() { # same DESCRIPTION FILE EXPECTED-TEXT
	if [ "$(cat "$2")" = "$3" ]; then ok "$1"; else
		not_ok "$1"
		printf '%s\n' "$3" >want
		diff want "$2" | sed 's/^/# /'
	fi
}

echo 1..12

# leak_two: 300 iterations of churn, a 1024-byte and a 256-byte leak.
rss() { # rss FILE: the RSS figure, which varies from run to run, as N
	sed -E 's/, [0-9.]+ [KMGT]?B resident \(RSS\)/, N resident (RSS)/' "$1"
}
"$HS_LAUNCHER" --time-unit=B --massif-out-file="$work/s.out" "$prog" 2>err0
rc=$?
rss err0 >err
check_sh "the program's status passes through" '[ "$rc" = 0 ]'
same "the summary after the 'wrote' line: peak, exit, sites, suspects, file, next" err "heapsnap: wrote s.out
heapsnap:   peak:          411 KB (420,752 B) after 19.2 MB allocated
heapsnap:   at exit:       380 KB (388,800 B) in the heap, N resident (RSS)
heapsnap:   largest sites at the peak, by the program's own frame:
heapsnap:         297 KB  73.2%  leak_fast (leak_two.c:6)
heapsnap:        74.2 KB  18.3%  leak_slow (leak_two.c:11)
heapsnap:        34.8 KB   8.6%  churn (leak_common.h:28)
heapsnap:   leak suspects: 2 (heapsnap-print --leaks lists them)
heapsnap:   file:          $work/s.out
heapsnap:   next:          heapsnap-print --leaks $work/s.out"

# An argument in Latin-1 (no UTF-8): the file's cmd: line holds its bytes as
# Valgrind's would, and the summary reads that file like any other (before,
# heapsnap-print refused it: "expected UTF-8 text").
latin1=$(printf 'd\351j\340')
sed 's|s\.out|u.out|g' err >want_u
"$HS_LAUNCHER" --time-unit=B --massif-out-file="$work/u.out" "$prog" "$latin1" 2>err0
rss err0 >err_u
check_sh "an argument that is no UTF-8: in cmd: as bytes, the same summary" \
	'[ "$(sed -n 2p u.out)" = "cmd: $prog $latin1" ] && cmp -s want_u err_u'

"$HS_LAUNCHER" -q --time-unit=B --massif-out-file="$work/q.out" "$prog" 2>err
check_sh "-q: no summary" '[ ! -s err ] && [ -s q.out ]'

"$HS_LAUNCHER" --time-unit=B --log-file="$work/log" --massif-out-file="$work/l.out" "$prog" 2>err
check_sh "--log-file: the summary goes there" '[ ! -s err ] && [ "$(sed -n 1p log)" = "heapsnap: wrote l.out" ] &&
	grep -q "^heapsnap:   next:          heapsnap-print --leaks $work/l.out\$" log'

"$HS_LAUNCHER" --print --time-unit=B --massif-out-file="$work/p.out" "$prog" >out 2>err
check_sh "--print: one screen on stdout (graph, sites, summary), not the trees" \
	'grep -q "^    KB" out && grep -q "^Largest sites at the peak" out && grep -q "^Summary:" out &&
	grep -q "^  next:          heapsnap-print --leaks $work/p.out\$" out &&
	! grep -q "^Number of snapshots" out && [ "$(wc -l <out)" -lt 60 ]'
check_sh "--print: stderr says only which file" '[ "$(cat err)" = "heapsnap: wrote p.out" ]'

# The README shows this summary for its example: it must be what a run prints
# (the pid and the directory aside).
readme=${top_srcdir:-$top_builddir}/README.md
leaky=$top_builddir/examples/leaky
if [ -x "$leaky" ] && [ -f "$readme" ]; then
	"$HS_LAUNCHER" --time-unit=B --massif-out-file="$work/massif.out.24867" "$leaky" >/dev/null 2>err
	sed "s|$work/|/home/you/heapsnap/|" err >got0
	rss got0 >got
	sed -n '/^<!-- summary:/,/^<!-- end summary -->/s/^    heapsnap:/heapsnap:/p' "$readme" >want0
	rss want0 >want
	check_sh "the README's summary of examples/leaky is what the run prints" '[ -s want ] && cmp -s want got'
else
	ok "# SKIP examples/leaky or README.md missing"
fi

# A program that grows an mmap'd arena of its own (64 MiB) beside a heap of
# a few kilobytes: the summary shows the RSS and says once that the memory
# is allocated outside malloc (issue 13 item 3).
"$HS_LAUNCHER" --time-unit=B --massif-out-file="$work/a.out" "$top_builddir/tests/progs/rec_arena" 2>err
rc=$?
check_sh "an mmap'd arena: RSS beside the heap, and the note said once" \
	'[ "$rc" = 0 ] && [ -s a.out.series ] && grep -Eq "^heapsnap:   at exit:       0 B in the heap, 6[4-9].[0-9] MB resident \(RSS\)\$" err &&
	[ "$(grep -c "outside malloc" err)" = 1 ] && grep -Eq "RSS grew by 6[4-9].[0-9] MB while the heap grew by [0-9.]+ KB" err'
"$HS_LAUNCHER" --time-unit=B --massif-out-file="$work/n.out" "$prog" 2>err
check_sh "leak_two (no arena): RSS shown, no note" 'grep -q "resident (RSS)" err && ! grep -q "outside malloc" err'

# A series without its end-of-run point is not damaged: a program killed by
# SIGKILL, or --heap=no, ends it with the last snapshot.  The summary uses it
# (the RSS shown) and says no "not a complete heapsnap series file".
"$HS_LAUNCHER" --massif-out-file="$work/k.out" "$top_builddir/tests/progs/rec_ending" raise 9 2>err0
rc=$?
rss err0 >err
check_sh "killed by SIGKILL: the series used (RSS beside the last snapshot), no note" \
	'[ "$rc" = 137 ] && [ -s k.out.series ] && ! grep -q "^t .* x\$" k.out.series &&
	grep -q "^heapsnap:   last snapshot: .* in the heap, N resident (RSS)\$" err && ! grep -q "note:" err'
"$HS_LAUNCHER" --heap=no --massif-out-file="$work/h.out" "$prog" 2>err0
rc=$?
rss err0 >err
check_sh "--heap=no: the series used (RSS shown), no note" \
	'[ "$rc" = 0 ] && grep -qx "heapsnap:   last snapshot: 0 B in the heap, N resident (RSS)" err && ! grep -q "note:" err'
