#!/bin/sh
# Records the printer's golden Massif files with Valgrind's Massif, from the
# programs in this directory.  Run ONCE; the results are committed in
# tests/fixtures/ (so the tests need no Valgrind), and so are ms_print's
# renderings of them (tests/printer/print_golden.sh --regen).
#   usage: tests/progs/make_fixtures.sh   (from the top source directory)
set -eu
top=$(pwd)
out="$top/tests/fixtures"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
cc="gcc -g -O0 -w"
$cc -o golden_tree "$top/tests/progs/golden_tree.c"
$cc -o golden_many "$top/tests/progs/golden_many.c"
$cc -o golden_huge "$top/tests/progs/golden_huge.c"
gcc -g -O2 -w -o golden_inline "$top/tests/progs/golden_inline.c"
g++ -g -O0 -w -o golden_cxx "$top/tests/progs/golden_cxx.cpp"

# record NAME PROGRAM MASSIF-OPTIONS...
record() {
    name=$1 prog=$2
    shift 2
    valgrind -q --tool=massif "$@" --massif-out-file="$name.massif.out" \
        "./$prog" > /dev/null
    cp "$name.massif.out" "$out/"
}
record tree-B        golden_tree --time-unit=B
record tree-i        golden_tree
record tree-ms       golden_tree --time-unit=ms
record tree-depth2   golden_tree --time-unit=B --detailed-freq=1 --depth=2
record tree-thr10    golden_tree --time-unit=B --threshold=10 --peak-inaccuracy=0
record tree-pages    golden_tree --time-unit=B --pages-as-heap=yes
record tree-stacks   golden_tree --time-unit=B --stacks=yes
record many-max10    golden_many --time-unit=B --max-snapshots=10
record many-freq1    golden_many --time-unit=B --detailed-freq=1 --threshold=0.5
record many-peak0    golden_many --peak-inaccuracy=0
record huge-B        golden_huge --time-unit=B
record huge-ms       golden_huge --time-unit=ms
record inline        golden_inline --time-unit=B --detailed-freq=2
record cxx           golden_cxx --time-unit=B --threshold=0.1 --depth=50

# Bytes that are no UTF-8 (a Latin-1 source file name and argument), as
# Valgrind writes them and ms_print prints them back.
latin1_c=$(printf 'caf\351.c')
cp "$top/tests/progs/golden_latin1.c" "$latin1_c"
$cc -o golden_latin1 "$latin1_c"
valgrind -q --tool=massif --time-unit=B --detailed-freq=2 \
    --massif-out-file=latin1.massif.out ./golden_latin1 "$(printf 'd\351j\340')" > /dev/null
cp latin1.massif.out "$out/"
