#!/bin/sh
# The malloc family under libheapsnap.so behaves as glibc's (16 checks made
# by tests/progs/preload_semantics itself), and the recorded final
# snapshot holds exactly the blocks the program left live, at their lines.
set -u

: "${HS_PRELOAD:?}" "${top_builddir:?}" "${top_srcdir:?}"
prog=$top_builddir/tests/progs/preload_semantics
src=$top_srcdir/tests/progs/preload_semantics.c
work=$(mktemp -d "${TMPDIR:-/tmp}/hs_sem.XXXXXX") || exit 99
trap 'rm -rf "$work"' EXIT

echo 1..19
# Plain LD_PRELOAD: the library starts a detached resolver at the end, so
# wait for its file.  --final-snapshot=yes: the checks read the final heap.
LD_PRELOAD=$HS_PRELOAD HEAPSNAP_OPTIONS="--time-unit=B --final-snapshot=yes --massif-out-file=$work/sem.out" "$prog"
i=0
while [ ! -e "$work/sem.out" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
. "${top_srcdir:?}/tests/tap.sh"
n=16 # the program's own 16 came first

# The final snapshot (our extra detailed one) is the last heap_tree=detailed.
final=$(awk '/^snapshot=/{buf=""} {buf=buf $0 "\n"} END{printf "%s", buf}' "$work/sem.out")
page=$(getconf PAGESIZE)
want=$((2170 + page))
heap=$(printf '%s' "$final" | sed -n 's/^mem_heap_B=//p')
if [ "$heap" = "$want" ]; then ok "final heap is $want bytes"; else not_ok "final heap is $want bytes (got '$heap')"; fi

# Each live block at its own call site in main, with its exact size.
site() { # site BYTES 'SOURCE TEXT'
	line=$(grep -nF "$2" "$src" | head -1 | cut -d: -f1)
	printf '%s' "$final" | grep -Eq "^ n0: $1 0x[0-9A-F]+: main \(preload_semantics\.c:$line\)$"
}
if site 1000 'p = valloc(1000);'; then ok "valloc(1000) at its line"; else not_ok "valloc(1000) at its line"; fi
if site "$page" 'p = pvalloc(1);'; then ok "pvalloc(1) counts a page at its line"; else not_ok "pvalloc(1) counts a page at its line"; fi
