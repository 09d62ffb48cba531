#!/bin/sh
# thread_churn: what a thread that comes and goes costs under heapsnap (a
# benchmark, not a test).  Runs bench/thread_churn (THREADS threads, AT_ONCE
# at a time) natively, under heapsnap and under heapsnap --sample=512K,
# REPS times each in turn, and prints each run's wall seconds and the
# medians' ratios to native.  Figures: bench/README.md.
#
#   bench/thread_churn.sh [-b BUILDDIR] [-r REPS] [THREADS [AT_ONCE]]
#   bench/thread_churn.sh -r 5 20000 1
#   bench/thread_churn.sh 20000 8
set -e
here=$(cd "$(dirname "$0")" && pwd)
build=$(pwd)
reps=3
while getopts b:r: flag; do
	case $flag in
	b) build=$OPTARG ;;
	r) reps=$OPTARG ;;
	*) echo "usage: $0 [-b BUILDDIR] [-r REPS] [THREADS [AT_ONCE]]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
threads=${1:-20000}
at_once=${2:-1}
heapsnap=$build/heapsnap
[ -x "$heapsnap" ] || { echo "thread_churn: no $heapsnap (give -b BUILDDIR)" >&2; exit 2; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/thread_churn.XXXXXX")
trap 'rm -rf "$dir"' EXIT
${CC:-cc} -O2 -pthread -o "$dir/thread_churn" "$here/thread_churn.c"

# wall SECONDS of one run of the command
wall() {
	start=$(date +%s.%N)
	"$@" >/dev/null
	end=$(date +%s.%N)
	echo "$start $end" | awk '{ printf "%.3f\n", $2 - $1 }'
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

cd "$dir"
: >native; : >exact; : >sampled
i=0
while [ "$i" -lt "$reps" ]; do
	wall ./thread_churn "$threads" "$at_once" >>native
	wall "$heapsnap" -q ./thread_churn "$threads" "$at_once" >>exact
	wall "$heapsnap" -q --sample=512K ./thread_churn "$threads" "$at_once" >>sampled
	rm -f massif.out.*
	i=$((i + 1))
done
n=$(median <native)
echo "thread_churn $threads threads, $at_once at a time, $reps runs each (wall s):"
for t in native exact sampled; do
	m=$(median <"$t")
	printf '  %-8s %s  median %s  ratio %s\n' "$t" "$(tr '\n' ' ' <"$t")" "$m" \
		"$(echo "$m $n" | awk '{ printf "%.2f", $1 / $2 }')"
done
