#!/bin/sh
# heapsnap-print under Valgrind's memcheck: every fixture with several
# option sets, the leak analysis (--leaks --max-peak) on every leak fixture,
# --diff, --html and --folded, and a few refused inputs; memcheck must report no error and no
# leak (--error-exitcode=99, --errors-for-leak-kinds=all), and the report
# must still equal the golden file.  One TAP case per (fixture, options),
# per leak fixture, and per refused input.  make check runs a sample (two
# fixtures with the default options, one leak fixture, --diff, the refused
# inputs: about 8 s); make check-full (HS_FULL=1) runs every case (80 s).  Skipped without Valgrind or in a sanitizer build
# (ASan and memcheck do not mix).
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
HS_PRINT=${HS_PRINT:-$top_builddir/heapsnap-print}
VALGRIND=${VALGRIND:-}
fix="$top_srcdir/tests/fixtures"

if [ -z "$VALGRIND" ] || [ ! -x "$VALGRIND" ]; then
    echo "1..0 # SKIP valgrind not found"
    exit 0
fi
if [ "${HS_SANITIZERS:-no}" = yes ]; then
    echo "1..0 # SKIP sanitizer build: memcheck cannot run ASan binaries"
    exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Option sets (tag|options), a subset of print_golden.sh's.
optsets='default|
x4y4|--x=4 --y=4
thr0|--threshold=0
wide|--x=150 --y=40 --threshold=2.5'

memcheck() { # memcheck LOG ARGS...: heapsnap-print under memcheck
    log=$1
    shift
    "$VALGRIND" --tool=memcheck --leak-check=full --show-leak-kinds=all \
        --errors-for-leak-kinds=all --error-exitcode=99 --quiet \
        --log-file="$log" "$HS_PRINT" "$@"
}

fixtures=$(cd "$fix" && ls *.massif.out | LC_ALL=C sort)
leak_fixtures=$(cd "$fix/leaks" && ls *.massif.out | LC_ALL=C sort)
case ${HS_FULL:-} in
'' | 0)
    optsets='default|'
    fixtures=$(printf '%s\n' example.massif.out inline.massif.out)
    leak_fixtures=leak_two.massif.out
    ;;
esac
n_sets=$(printf '%s\n' "$optsets" | wc -l)
n_fix=$(printf '%s\n' "$fixtures" | wc -l)
n_bad=4
n_leak=$(printf '%s\n' "$leak_fixtures" | grep -c .)
echo "1..$((n_sets * n_fix + n_leak + 3 + n_bad))"

i=0
for f in $fixtures; do
    base=${f%.massif.out}
    while IFS='|' read -r tag opts; do
        i=$((i + 1))
        # shellcheck disable=SC2086
        (cd "$fix" && memcheck "$tmp/vg.log" $opts "$f") > "$tmp/out" 2> "$tmp/err"
        rc=$?
        if [ $rc -ne 0 ]; then
            echo "not ok $i - memcheck $base $opts: exit $rc"
            head -n 30 "$tmp/vg.log" "$tmp/err" | sed 's/^/# /'
        elif [ -s "$tmp/vg.log" ]; then
            echo "not ok $i - memcheck $base $opts: memcheck says something"
            head -n 30 "$tmp/vg.log" | sed 's/^/# /'
        elif ! cmp -s "$tmp/out" "$fix/expected/$base.$tag.txt"; then
            echo "not ok $i - memcheck $base $opts: report differs from the golden file"
        else
            echo "ok $i - memcheck $base $opts"
        fi
    done <<EOSETS
$optsets
EOSETS
done

# The analyses: --leaks with a --max-peak that holds (exit 0), and --diff.
vg_case() { # vg_case WHAT ARGS...: exit 0, memcheck silent
    what=$1
    shift
    i=$((i + 1))
    (cd "$fix/leaks" && memcheck "$tmp/vg.log" "$@") > "$tmp/out" 2> "$tmp/err"
    rc=$?
    if [ $rc -ne 0 ] || [ -s "$tmp/vg.log" ] || [ ! -s "$tmp/out" ]; then
        echo "not ok $i - memcheck $what: exit $rc"
        head -n 30 "$tmp/vg.log" "$tmp/err" | sed 's/^/# /'
    else
        echo "ok $i - memcheck $what"
    fi
}
for f in $leak_fixtures; do
    vg_case "--leaks --max-peak=1T leaks/$f" --leaks --max-peak=1000000000000 "$f"
done
vg_case "--diff leak_diff_old leak_diff_new" --diff leak_diff_old.massif.out leak_diff_new.massif.out
# The exports: the page (chart, suspects, trees) and the folded stacks.
vg_case "--html leak_two" --html leak_two.massif.out
vg_case "--folded=final leak_two" --folded=final leak_two.massif.out

# Refused inputs: the error paths must free what they took, too.
printf 'desc: x\ncmd: y\ntime_unit: B\nsnapshot=0\ntime=0\nmem_heap_B=zz\n' > "$tmp/badnum.massif.out"
head -c 5000 "$fix/tree-B.massif.out" > "$tmp/cut.massif.out"
printf 'desc: x\ncmd: y\ntime_unit: B\nsnapshot=0\ntime=1\nmem_heap_B=10\nmem_heap_extra_B=0\nmem_stacks_B=0\nheap_tree=peak\nn1: 10 (heap allocation functions) malloc/new/new[], --alloc-fns, etc.\n' > "$tmp/short.massif.out"
for bad in badnum cut short missing; do
    i=$((i + 1))
    memcheck "$tmp/vg.log" "$tmp/$bad.massif.out" > "$tmp/out" 2> "$tmp/err"
    rc=$?
    if [ $rc -ne 1 ]; then
        echo "not ok $i - memcheck refused input $bad: exit $rc, wanted 1"
        head -n 30 "$tmp/vg.log" "$tmp/err" | sed 's/^/# /'
    elif [ -s "$tmp/vg.log" ] || [ -s "$tmp/out" ]; then
        echo "not ok $i - memcheck refused input $bad: memcheck says something or stdout not empty"
        head -n 30 "$tmp/vg.log" | sed 's/^/# /'
    else
        echo "ok $i - memcheck refused input $bad: $(head -n 1 "$tmp/err")"
    fi
done
