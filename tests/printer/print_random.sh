#!/bin/sh
# Randomized differential test: random valid Massif files (print_gen.py,
# seeded, deterministic) rendered with random options must come out of
# heapsnap-print exactly as out of Valgrind's ms_print.  One TAP case per
# file; skipped when ms_print is not installed.
# Knobs: HS_PRINT_RANDOM_COUNT (default 40 under make check, 300 under
# make check-full, i.e. HS_FULL=1), HS_PRINT_RANDOM_SEED (1).
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
HS_PRINT=${HS_PRINT:-$top_srcdir/heapsnap-print}
MS_PRINT=${MS_PRINT:-}
case ${HS_FULL:-} in
'' | 0) count=${HS_PRINT_RANDOM_COUNT:-40} ;;
*) count=${HS_PRINT_RANDOM_COUNT:-300} ;;
esac
seed=${HS_PRINT_RANDOM_SEED:-1}

if [ -z "$MS_PRINT" ] || [ ! -x "$MS_PRINT" ]; then
    echo "1..0 # SKIP ms_print is not installed"
    exit 0
fi
if ! command -v python3 > /dev/null; then
    echo "1..0 # SKIP python3 is not installed"
    exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 "$top_srcdir/tests/printer/print_gen.py" --seed "$seed" --count "$count" \
    --outdir "$tmp" || { echo "Bail out! print_gen.py failed"; exit 1; }

echo "1..$count"
i=0
cd "$tmp" || exit 1
while read -r f opts; do
    i=$((i + 1))
    # shellcheck disable=SC2086
    "$MS_PRINT" $opts "$f" > want 2> want.err
    mrc=$?
    # shellcheck disable=SC2086
    "$HS_PRINT" $opts "$f" > got 2> got.err
    hrc=$?
    what="seed $seed case $i: $f $opts"
    # --x=4 makes Perl warn about a negative repeat; any other warning
    # means the generator wrote something ms_print does not take cleanly.
    if [ $mrc -ne 0 ] || grep -v 'Negative repeat count' want.err | grep -q .; then
        echo "not ok $i - $what: ms_print rejects the generated file:" \
             "$(head -c 200 want.err | tr '\n' ' ')"
    elif [ $hrc -ne 0 ]; then
        echo "not ok $i - $what: exit $hrc: $(head -c 300 got.err)"
    elif ! cmp -s want got; then
        echo "not ok $i - $what: output differs"
        diff want got | head -10 | sed 's/^/# /'
    else
        echo "ok $i - $what"
    fi
    rm -f "$f"
done < cases.txt
