#!/bin/sh
# Bad input and bad options: for each crafted case, heapsnap-print must print
# exactly the expected single line on stderr, nothing on stdout, and exit
# with the expected status (1 bad file, 2 bad command line).  One TAP case
# per row of the table below.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
HS_PRINT=${HS_PRINT:-$top_srcdir/heapsnap-print}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

n=0
plan=50
echo "1..$plan"

# check WHAT STATUS EXPECTED-STDERR-FIRST-LINE STDERR-LINES ARGS...
check() {
    what=$1 want_rc=$2 want_err=$3 want_lines=$4
    shift 4
    n=$((n + 1))
    "$HS_PRINT" "$@" > out 2> err
    rc=$?
    got_err=$(head -n 1 err)
    lines=$(wc -l < err)
    if [ $rc -ne "$want_rc" ]; then
        echo "not ok $n - $what: exit $rc, wanted $want_rc ($got_err)"
    elif [ -s out ]; then
        echo "not ok $n - $what: stdout is not empty"
    elif [ "$got_err" != "$want_err" ]; then
        echo "not ok $n - $what: stderr differs"
        echo "#   got:    $got_err"
        echo "#   wanted: $want_err"
    elif [ "$want_lines" != any ] && [ "$lines" -ne "$want_lines" ]; then
        echo "not ok $n - $what: $lines lines on stderr, wanted $want_lines"
    else
        echo "ok $n - $what"
    fi
}

# bad WHAT EXPECTED-MESSAGE (the file bad.out holds the case's bytes)
bad() {
    check "$1" 1 "heapsnap-print: bad.out:$2" 1 bad.out
}

HDR='desc: (none)\ncmd: ./a\ntime_unit: B\n'
SNAP0='snapshot=0\ntime=0\nmem_heap_B=100\nmem_heap_extra_B=8\nmem_stacks_B=0\n'
ROOT='n1: 100 (heap allocation functions) malloc/new/new[], --alloc-fns, etc.\n'

: > bad.out
bad "empty file" '1: expected "desc:" or "cmd:", found an empty file'

printf '# only a comment\n\n   \n' > bad.out
bad "only comments" '3: expected "cmd: <command>", found end of file'

printf 'desc: x\ntime_unit: i\n' > bad.out
bad "missing cmd" '2: expected "cmd: <command>", found "time_unit: i"'

printf 'cmd: ./a\nsnapshot=0\n' > bad.out
bad "missing time_unit" '2: expected "time_unit: i", "time_unit: ms" or "time_unit: B", found "snapshot=0"'

printf 'cmd: ./a\ntime_unit: s\n' > bad.out
bad "unknown time unit" '2: expected "time_unit: i", "time_unit: ms" or "time_unit: B", found "time_unit: s"'

printf "$HDR" > bad.out
bad "zero snapshots" '3: expected "snapshot=<number>", found end of file (no snapshots)'

printf "${HDR}snapshot=0\ntime=0\n" > bad.out
bad "truncated in a snapshot" '5: expected "mem_heap_B=<bytes>", found end of file'

printf "${HDR}snapshot=0\ntime=0\nmem_heap_extra_B=0\nmem_heap_B=0\n" > bad.out
bad "fields out of order" '6: expected "mem_heap_B=<bytes>", found "mem_heap_extra_B=0"'

printf "${HDR}snapshot=0\ntime=0\nmem_heap_X=5\n" > bad.out
bad "misspelt key" '6: expected "mem_heap_B=<bytes>", found "mem_heap_X=5"'

printf "${HDR}snapshot=0\ntime=12a\n" > bad.out
bad "not a number" '5: expected "time=<time>", found "time=12a"'

printf "${HDR}snapshot=0\ntime=-5\n" > bad.out
bad "negative time" '5: expected "time=<time>", found "time=-5"'

printf "${HDR}snapshot=0\ntime=\n" > bad.out
bad "empty value" '5: expected "time=<time>", found "time="'

printf "${HDR}snapshot=x\n" > bad.out
bad "snapshot number not a number" '4: expected "snapshot=<number>", found "snapshot=x"'

printf "${HDR}snapshot=0\ntime=0\nmem_heap_B=18446744073709551616\n" > bad.out
bad "number beyond 64 bits" '6: expected "mem_heap_B=<bytes>", found a number beyond 64 bits in "mem_heap_B=18446744073709551616"'

printf "${HDR}snapshot=0\ntime=0\nmem_heap_B=9223372036854775808\nmem_heap_extra_B=9223372036854775808\nmem_stacks_B=0\n" > bad.out
bad "total beyond 64 bits" '8: expected a snapshot total below 2^64, found more'

printf "${HDR}${SNAP0}heap_tree=empty\nsnapshot=1\ntime=7\nmem_heap_B=0\nmem_heap_extra_B=0\nmem_stacks_B=0\nheap_tree=empty\nsnapshot=2\ntime=6\n" > bad.out
bad "decreasing times" "17: expected a time no earlier than the previous snapshot's 7, found 6"

printf "${HDR}${SNAP0}heap_tree=full\n" > bad.out
bad "bad heap_tree" '9: expected "heap_tree=empty", "heap_tree=detailed" or "heap_tree=peak", found "heap_tree=full"'

printf "${HDR}${SNAP0}heap_tree=empty \n" > bad.out
bad "heap_tree with trailing space" '9: expected "heap_tree=empty", "heap_tree=detailed" or "heap_tree=peak", found "heap_tree=empty "'

printf "${HDR}${SNAP0}heap_tree=peak\n" > bad.out
bad "tree missing" '9: expected a tree node line "n<children>: <bytes> <text>", found end of file'

printf "${HDR}${SNAP0}heap_tree=peak\nn2: 100 root\n n0: 60 a\n" > bad.out
bad "truncated in a tree" '11: expected a tree node line "n<children>: <bytes> <text>" (child 2 of 2 of line 10), found end of file'

printf "${HDR}${SNAP0}heap_tree=peak\nn2: 100 root\n n0: 60 a\n${SNAP0}heap_tree=empty\n" > bad.out
bad "fewer children than counted" '12: expected a tree node line "n<children>: <bytes> <text>" (child 2 of 2 of line 10), found "snapshot=0"'

printf "${HDR}${SNAP0}heap_tree=peak\n${ROOT} n0: 60 a\n n0: 40 b\n" > bad.out
bad "more children than counted" '12: expected "snapshot=<number>", found " n0: 40 b"'

printf "${HDR}${SNAP0}heap_tree=peak\nx1: 100 root\n" > bad.out
bad "not a node line" '10: expected a tree node line "n<children>: <bytes> <text>", found "x1: 100 root"'

printf "${HDR}${SNAP0}heap_tree=peak\nn1: x root\n" > bad.out
bad "node bytes not a number" '10: expected a tree node line "n<children>: <bytes> <text>", found "n1: x root"'

printf "${HDR}${SNAP0}heap_tree=peak\nn1: 100 root\n n0: 109 big\n" > bad.out
bad "node larger than total" "11: expected a node no larger than its snapshot's total of 108 bytes, found 109 bytes"

printf "${HDR}${SNAP0}heap_tree=peak\nn4294967296: 100 root\n" > bad.out
bad "child count beyond 2^32" '10: expected a child count below 2^32, found "n4294967296: 100 root"'

printf "${HDR}${SNAP0}heap_tree=peak\nn0: 99999999999999999999 root\n" > bad.out
bad "node bytes beyond 64 bits" '10: expected a byte count below 2^64, found "n0: 99999999999999999999 root"'

printf "${HDR}${SNAP0}heap_tree=empty\n\000\n" > bad.out
bad "NUL byte" '10: expected text, found a NUL byte'

# Bytes that are no UTF-8 are text (ms_print prints them back, and so
# does heapsnap-print: tests/fixtures/latin1.massif.out); a message quotes
# them as \xNN, and a UTF-8 character as it is.
printf "${HDR}${SNAP0}heap_tree=peak\nn1: x caf\351 d\303\251j\303\240 (a.c:1)\n" > bad.out
bad "no UTF-8 quoted" "$(printf '10: expected a tree node line "n<children>: <bytes> <text>", found "n1: x caf\\xE9 d\303\251j\303\240 (a.c:1)"')"

printf 'cmd: \001\002' > bad.out
bad "control bytes quoted" '1: expected "time_unit: i", "time_unit: ms" or "time_unit: B", found end of file'

check "file that does not exist" 1 \
    "heapsnap-print: nosuch.out: cannot open: No such file or directory" 1 nosuch.out
mkdir -p adir
check "a directory" 1 "heapsnap-print: adir: cannot read: Is a directory" 1 adir

U="usage: heapsnap-print [options] massif-out-file"
check "--x below 4" 2 "heapsnap-print: --x wants a width from 4 to 1000, not '--x=3'" any --x=3 f
check "--y above 1000" 2 "heapsnap-print: --y wants a height from 4 to 1000, not '--y=1001'" any --y=1001 f
check "--x not a number" 2 "heapsnap-print: --x wants a width from 4 to 1000, not '--x=abc'" any --x=abc f
check "--threshold above 100" 2 "heapsnap-print: --threshold wants a number from 0 to 100, optionally followed by %, not '--threshold=101'" any --threshold=101 f
check "--threshold not a number" 2 "heapsnap-print: --threshold wants a number from 0 to 100, optionally followed by %, not '--threshold=-1'" any --threshold=-1 f
check "unknown option" 2 "heapsnap-print: unknown option '--frobnicate'" any --frobnicate f
check "no file" 2 "heapsnap-print: no input file given" any --x=10
check "misspelt option: did you mean" 2 "heapsnap-print: unknown option '--lekas' (did you mean --leaks?)" any --lekas f
check "misspelt option with a value: did you mean" 2 "heapsnap-print: unknown option '--treshold=5' (did you mean --threshold?)" any --treshold=5 f
check "a unique prefix: did you mean" 2 "heapsnap-print: unknown option '--max-p=1M' (did you mean --max-peak?)" any --max-p=1M f

# Usage text follows the error line.
n=$((n + 1))
"$HS_PRINT" --x=3 f > out 2> err
if sed -n 2p err | grep -qxF "$U"; then
    echo "ok $n - usage text after the error"
else
    echo "not ok $n - usage text after the error"
fi

n=$((n + 1))
out=$("$HS_PRINT" --version); rc=$?
case $out in
heapsnap-print\ [0-9]*) [ $rc -eq 0 ] && echo "ok $n - --version" || echo "not ok $n - --version exit $rc" ;;
*) echo "not ok $n - --version printed '$out'" ;;
esac

# -h and --help: the usage on stdout, nothing on stderr, exit 0, even with
# other arguments (a file that does not exist) or a bad option after them.
for h in -h --help; do
    for args in "$h" "$h nosuch.out" "--x=10 $h --x=1"; do
        n=$((n + 1))
        # shellcheck disable=SC2086 # args is split on purpose
        "$HS_PRINT" $args > out 2> err
        rc=$?
        if [ $rc -ne 0 ]; then
            echo "not ok $n - $args: exit $rc ($(head -n 1 err))"
        elif [ -s err ]; then
            echo "not ok $n - $args: stderr is not empty: $(head -n 1 err)"
        elif [ "$(head -n 1 out)" != "$U" ] || ! grep -qxF "    -h --help             show this message" out; then
            echo "not ok $n - $args: stdout is not the usage"
        else
            echo "ok $n - $args: usage on stdout, exit 0"
        fi
    done
done

[ $n -eq $plan ] || echo "Bail out! ran $n cases, planned $plan"
