#!/bin/sh
# long_run: does a long run stay bounded?  (issue 13 item 4; a benchmark,
# not a test.)  Runs bench/long_alloc (N malloc/free pairs, a bounded heap
# of 4096 blocks from 8 call sites) natively and under heapsnap for each N,
# and prints, per run: the program's peak RSS natively and under heapsnap
# (VmHWM: the recorder's memory is the difference), the raw record's size
# at the end, the Massif file's size and its snapshot count; then, for the
# largest N, the curve the program printed as it ran (steps, VmHWM, VmRSS
# in KiB, raw record bytes), and what its raw record holds by record kind
# (bench/raw_kinds.py: how many snapshots were taken in all, how many
# tables a cull or a new peak wrote).  Figures and their reading:
# bench/README.md.
#
#   bench/long_run.sh [-b BUILDDIR] [-o "HEAPSNAP OPTIONS"] N...
#   bench/long_run.sh 1000000 10000000 100000000
#   bench/long_run.sh -o --time-unit=B 100000000
set -e
here=$(cd "$(dirname "$0")" && pwd)
build=$(pwd)
opts=
while getopts b:o: flag; do
	case $flag in
	b) build=$OPTARG ;;
	o) opts=$OPTARG ;;
	*) echo "usage: $0 [-b BUILDDIR] [-o OPTIONS] N..." >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || set -- 1000000 10000000 100000000
heapsnap=$build/heapsnap
[ -x "$heapsnap" ] || { echo "long_run: no $heapsnap (give -b BUILDDIR)" >&2; exit 2; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/long_run.XXXXXX")
trap 'rm -rf "$dir"' EXIT
${CC:-cc} -O2 -g -o "$dir/long_alloc" "$here/long_alloc.c"

printf '%-12s %12s %12s %12s %12s %12s %9s %8s\n' steps native_KiB heapsnap_KiB \
	recorder_KiB raw_bytes massif_bytes snapshots wall_s
for n in "$@"; do
	native=$("$dir/long_alloc" "$n" 2>&1 >/dev/null | tail -1 | cut -d' ' -f2)
	out=$dir/massif.out.$n
	start=$(date +%s.%N)
	# shellcheck disable=SC2086
	"$heapsnap" -q --massif-out-file="$out" $opts "$dir/long_alloc" "$n" "$out.raw" \
		2>"$dir/curve.$n" >/dev/null
	end=$(date +%s.%N)
	last=$(tail -1 "$dir/curve.$n")
	hwm=$(echo "$last" | cut -d' ' -f2)
	raw=$(echo "$last" | cut -d' ' -f4)
	printf '%-12s %12s %12s %12s %12s %12s %9s %8.1f\n' "$n" "$native" "$hwm" \
		$((hwm - native)) "$raw" "$(wc -c <"$out")" "$(grep -c '^snapshot=' "$out")" \
		"$(echo "$end - $start" | bc)"
done
echo
echo "curve of the largest run (steps, VmHWM KiB, VmRSS KiB, raw record bytes):"
cat "$dir/curve.$n"
echo
for n in "$@"; do
	echo "raw record of $n steps: $(python3 "$here/raw_kinds.py" "$dir/massif.out.$n.raw.copy")"
done
