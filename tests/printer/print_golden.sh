#!/bin/sh
# Golden tests for heapsnap-print: every Massif file in tests/fixtures,
# rendered with several option sets, must equal ms_print's output byte for
# byte.  The expected outputs are committed (tests/fixtures/expected), so the
# test runs without Valgrind; when $MS_PRINT is set, each case is also
# compared with the live ms_print.  Both tools run from inside the fixtures
# directory with a relative file name, so the "ms_print arguments:" header
# lines match.  One TAP case per (fixture, options).  Every case is checked
# against its golden file; the live ms_print (Perl, the slow part) runs on
# the default options of each fixture under make check, on every case under
# make check-full (HS_FULL=1).
#   tests/print_golden.sh --regen   rewrites the expected files with ms_print
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
HS_PRINT=${HS_PRINT:-$top_srcdir/heapsnap-print}
MS_PRINT=${MS_PRINT:-}
fix="$top_srcdir/tests/fixtures"
exp="$fix/expected"
regen=no
[ "${1:-}" = --regen ] && regen=yes

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Option sets: tag, then the options.
optsets='default|
x4y4|--x=4 --y=4
thr0|--threshold=0
thr100|--threshold=100
thr50pct|--threshold=50%
wide|--x=150 --y=40 --threshold=2.5'

fixtures=$(cd "$fix" && ls *.massif.out | LC_ALL=C sort)
n_sets=$(printf '%s\n' "$optsets" | wc -l)
n_fix=$(printf '%s\n' "$fixtures" | wc -l)
echo "1..$((n_sets * n_fix + 2))"

i=0
for f in $fixtures; do
    base=${f%.massif.out}
    while IFS='|' read -r tag opts; do
        i=$((i + 1))
        want="$exp/$base.$tag.txt"
        if [ $regen = yes ]; then
            (cd "$fix" && "$MS_PRINT" $opts "$f" 2>/dev/null) > "$want"
        fi
        # shellcheck disable=SC2086
        (cd "$fix" && "$HS_PRINT" $opts "$f") > "$tmp/got" 2> "$tmp/err"
        rc=$?
        what="$base $opts"
        if [ $rc -ne 0 ]; then
            echo "not ok $i - $what: exit $rc: $(head -c 300 "$tmp/err")"
        elif ! cmp -s "$tmp/got" "$want"; then
            echo "not ok $i - $what: differs from $want"
            diff "$want" "$tmp/got" | head -10 | sed 's/^/# /'
        elif [ -n "$MS_PRINT" ] && [ -x "$MS_PRINT" ] &&
             { [ "$tag" = default ] || [ "${HS_FULL:-0}" != 0 ]; } &&
             ! (cd "$fix" && "$MS_PRINT" $opts "$f" 2>/dev/null) |
               cmp -s - "$tmp/got"; then
            echo "not ok $i - $what: differs from live ms_print"
        else
            echo "ok $i - $what"
        fi
    done <<EOSETS
$optsets
EOSETS
done

# A megabyte-long C++ symbol: no fixed line buffers anywhere.
i=$((n_sets * n_fix + 1))
python3 - "$tmp/long.massif.out" <<'EOPY'
import sys
sym = "std::vector<" * 40000 + "int" + ">" * 40000  # ~1 MB
with open(sys.argv[1], "w") as f:
    f.write("desc: (none)\ncmd: ./long\ntime_unit: B\n")
    f.write("snapshot=0\ntime=10\nmem_heap_B=100\nmem_heap_extra_B=8\n"
            "mem_stacks_B=0\nheap_tree=peak\n")
    f.write("n2: 100 (heap allocation functions) malloc/new/new[], --alloc-fns, etc.\n")
    f.write(" n0: 60 0x4005D6: %s (a.cpp:1)\n" % sym)
    f.write(" n0: 40 0x4005E0: %s::f() (a.cpp:2)\n" % sym)
EOPY
(cd "$tmp" && "$HS_PRINT" long.massif.out) > "$tmp/got" 2> "$tmp/err"
rc=$?
if [ -n "$MS_PRINT" ] && [ -x "$MS_PRINT" ]; then
    if [ $rc -eq 0 ] && (cd "$tmp" && "$MS_PRINT" long.massif.out) |
         cmp -s - "$tmp/got"; then
        echo "ok $i - megabyte symbol line"
    else
        echo "not ok $i - megabyte symbol line (exit $rc)"
    fi
else
    # Without ms_print: the line must come out whole.
    if [ $rc -eq 0 ] && grep -q '^->55.56% (60B) 0x4005D6: std::vector<std::vector<.*int>>* (a.cpp:1)$' "$tmp/got"; then
        echo "ok $i - megabyte symbol line"
    else
        echo "not ok $i - megabyte symbol line (exit $rc)"
    fi
fi

# Standard input: "-" reads the same bytes; only the arguments line differs.
i=$((i + 1))
(cd "$fix" && "$HS_PRINT" - < example.massif.out) > "$tmp/got" 2> "$tmp/err"
rc=$?
sed 's/^ms_print arguments: example.massif.out$/ms_print arguments: -/' \
    "$exp/example.default.txt" > "$tmp/want"
if [ $rc -eq 0 ] && cmp -s "$tmp/got" "$tmp/want"; then
    echo "ok $i - standard input as -"
else
    echo "not ok $i - standard input as - (exit $rc)"
fi
