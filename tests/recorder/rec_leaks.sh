#!/bin/sh
# heapsnap --leaks PROGRAM: records with what the leak analysis needs (bytes
# for time, the per-site series), then shows the graph and the suspects,
# and exits with the program's status (TAP).
set -u

: "${HS_LAUNCHER:?}" "${top_builddir:=.}"
progs=$(cd "$top_builddir" && pwd)/tests/progs
work=$(mktemp -d "${TMPDIR:-/tmp}/hs_leaks.XXXXXX") || exit 99
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 99

. "${top_srcdir:?}/tests/tap.sh"

echo 1..14

# A leak: recorded in bytes, the graph and the one suspect, no trees.
"$HS_LAUNCHER" --leaks --massif-out-file="$work/churn.out" "$progs/leak_churn" >out 2>err
rc=$?
check "leak_churn: exit 0" [ "$rc" = 0 ]
check "the launcher says which file" [ "$(head -n 1 err)" = "heapsnap: wrote churn.out" ]
check "then the summary, counting the suspect as --leaks does" \
	grep -qx 'heapsnap:   leak suspects: 1 (heapsnap-print --leaks lists them)' err
check "recorded with --time-unit=B" grep -qx 'time_unit: B' churn.out
check "the series file beside it" [ -s churn.out.series ]
check "the graph" grep -q '^    KB$' out
check "no snapshot tables or trees" sh -c "! grep -q -- '^->' out && ! grep -q '^  n  *time(' out"
check "the Leak suspects section" grep -qx 'Leak suspects' out
check "from the series file" grep -q 'every one with per-site bytes (from the series file)' out
check "the leak named at its user frame, alone" \
	[ "$(grep '^[0-9][0-9]*\. ' out)" = "1. leak_record (leak_churn.c:6)" ]

# The program's exit status passes through; its own unit is kept.
"$HS_LAUNCHER" --leaks -q --time-unit=ms --massif-out-file="$work/sh.out" sh -c 'exit 5' >out2 2>err2
rc=$?
check "exit status 5 passes through" [ "$rc" = 5 ]
check "--time-unit given: kept" grep -qx 'time_unit: ms' sh.out
check "-q: nothing on stderr" [ ! -s err2 ]

# Not a leak: a sawtooth names nothing.
"$HS_LAUNCHER" --leaks -q --massif-out-file="$work/saw.out" "$progs/leak_sawtooth" >out3 2>&1
check "leak_sawtooth: no suspect" grep -q '^No leak suspects' out3
