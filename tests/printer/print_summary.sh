#!/bin/sh
# heapsnap-print --summary and --brief (issue 12 items 1-2), the RSS beside
# the heap from FILE.series (issue 13 item 3), and a printer bounded by its
# input (issue 12 item 6): exact output on hand-written fixtures (TAP).
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
HS_PRINT=${HS_PRINT:-$top_srcdir/heapsnap-print}
fix=$top_srcdir/tests/fixtures/summary
work=$(mktemp -d "${TMPDIR:-/tmp}/hs_summary.XXXXXX") || exit 99
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

echo 1..28

cp "$fix/wrappers.massif.out" w.out
"$HS_PRINT" --summary w.out >out 2>err
same "--summary: peak, exit, sites by user frame (strdup, operator new, std:: folded), file, next" out "  peak:          2.88 MB (3,016,000 B) at 1.25 s
  last snapshot: 0.98 KB (1,008 B) in the heap
  largest sites at the peak, by the program's own frame:
       1.91 MB  66.7%  make_name (prog.c:10)
        879 KB  30.0%  load_table (table.cc:7)
       97.7 KB   3.3%  main (prog.c:33)
  file:          $work/w.out
  next:          heapsnap-print $work/w.out | less"
check_sh "--summary: nothing on stderr" '[ ! -s err ]'
"$HS_PRINT" --summary - <w.out >out 2>err
check_sh "--summary on stdin: no path, no next command" \
	'[ "$(tail -n 1 out)" = "  file:          (standard input)" ] && ! grep -q next: out && [ ! -s err ]'

# The companion series (doc/format-series.md): the heap at exit and RSS
# come from its x point; RSS grew by 96 MiB while the heap grew by 2.9 MB.
size=$(wc -c <w.out)
series() { # series RSS_START RSS_END [FRAME-LABEL]
	printf 'heapsnap-series 1\ncmd: ./prog\ntime_unit: ms\nmassif_size: %s\nsample: 0\n' "$size"
	printf 'f 0 0x401200: %s\nc 0 0\n' "${3:-make_name (prog.c:10)}"
	printf 't 0 0 0 0 %s 0 n\n' "$1"
	printf 't 1 1250 3000000 16000 %s 0 p\nb 0=3000000\n' "$2"
	printf 'q future record kinds are skipped\n'
	printf 't 2 2000 2048 16 %s 0 x\nb 0=2048\nend exit\n' "$2"
}
series 4194304 104857600 >w.out.series
"$HS_PRINT" --summary w.out >out 2>err
sed -n 2p out >line2
same "series: the heap at exit from its x point, RSS beside it" line2 "  at exit:       2.02 KB (2,064 B) in the heap, 100 MB resident (RSS)"
check_sh "series: RSS growth far beyond the heap's is said once, with its likely causes" \
	'[ "$(grep -c "outside malloc" out)" = 1 ] && grep -q "RSS grew by 96.0 MB while the heap grew by 2.88 MB" out &&
	grep -q "mmap.d arenas, a JIT heap, pymalloc" out && grep -q "statically linked allocator" out'
# --html shows the same: the heap and RSS at exit in its header, the note,
# and the RSS over time as a line over the chart (the three points, at the
# snapshots' 0, 1250 and 2000 ms, span the x axis).
"$HS_PRINT" --html w.out >page.html 2>err
check_sh "--html with the series: heap and RSS at exit, the outside-malloc note, the RSS line" \
	'grep -q "At exit: <b id=\"exit-heap\">2.02 KB</b> in the heap, <b id=\"exit-rss\">100 MB</b> resident (RSS)\." page.html &&
	[ "$(grep -c "id=\"outside\">RSS grew by 96.0 MB while the heap grew by 2.88 MB: memory is being allocated outside malloc" page.html)" = 1 ] &&
	[ "$(sed -n "s/.*<polyline class=\"rss\" points=\"\([^\"]*\)\".*/\1/p" page.html | wc -w)" = 3 ] &&
	grep -q "<i class=\"rss\"></i>resident memory (RSS)" page.html && [ ! -s err ]'
"$HS_PRINT" --html "$fix/wrappers.massif.out" >page.html 2>err
check_sh "--html without a series: no RSS, no note, no line" \
	'! grep -q "resident" page.html && ! grep -q "class=\"rss\"" page.html &&
	! grep -q "id=\"outside\"" page.html && [ ! -s err ]'
# A heap that grows to the end peaks after the last snapshot: the peak line
# says the series' figure, not the file's smaller one.
series 4194304 8388608 | sed 's/^t 2 2000 2048 16 /t 2 2000 5000000 16000 /' >w.out.series
"$HS_PRINT" --summary w.out >out 2>err
sed -n 1,2p out >line2
same "series: a heap largest at exit is the peak" line2 "  peak:          4.78 MB (5,016,000 B) at 2.00 s (at exit, after the file's last snapshot)
  at exit:       4.78 MB (5,016,000 B) in the heap, 8.00 MB resident (RSS)"
series 4194304 8388608 >w.out.series
"$HS_PRINT" --summary w.out >out 2>err
check_sh "series: RSS grown by 4 MiB (under 16 MiB): no note" \
	'grep -q "8.00 MB resident" out && ! grep -q "outside malloc" out && [ ! -s err ]'
"$HS_PRINT" --html w.out >page.html 2>err
check_sh "--html, RSS grown by 4 MiB: RSS shown, no note" \
	'grep -q "<b id=\"exit-rss\">8.00 MB</b> resident" page.html && ! grep -q "id=\"outside\"" page.html && [ ! -s err ]'
# No x point is no damage: a program killed by SIGKILL, a recording stopped
# early or --heap=no ends its series with the last snapshot taken.  The
# series is used (no note): that snapshot's heap and RSS, under the label
# the file alone would give; a last point with no RSS (a point on the B axis
# that is no snapshot) does not stand for it.
series 4194304 104857600 | sed -e '/^t 2 /,$d' >w.out.series
printf 't 2 2000 2048 16 0 0 n\nb 0=2048\nend killed by signal 9 (SIGKILL)\n' >>w.out.series
"$HS_PRINT" --summary w.out >out 2>err
sed -n 2p out >line2
same "series without an x point (SIGKILL): used, its last snapshot with the RSS" line2 "  last snapshot: 2.88 MB (3,016,000 B) in the heap, 100 MB resident (RSS)"
check_sh "series without an x point: no note, RSS growth still judged" \
	'[ ! -s err ] && [ "$(grep -c "outside malloc" out)" = 1 ]'
# --heap=no's series: one point, no x.
{ series 4194304 4194304 | sed -e '/^f /,$d'; printf 't 0 0 0 0 4194304 0 n\nend exit\n'; } >w.out.series
"$HS_PRINT" --summary w.out >out 2>err
sed -n 2p out >line2
same "a series of one point and no x (--heap=no): used, no note" line2 "  last snapshot: 0 B in the heap, 4.00 MB resident (RSS)"
# Cut short (no end line, which the writer always writes last): damaged.
series 4194304 104857600 | sed '$d' >w.out.series
"$HS_PRINT" --summary w.out >out 2>err
check_sh "a series cut short (no end line): not used, with a note" \
	'! grep -q resident out && [ "$(cat err)" = "heapsnap-print: note: w.out.series is not a complete heapsnap series file: not used" ]'
# Lines are bounded (1 MiB, doc/format-series.md: an f line holds a whole
# demangled name): a 300 KB name is read, a 1.1 MB line gives the file up.
long=$(head -c 300000 /dev/zero | tr '\0' x)
series 4194304 8388608 "ns::$long<int> (prog.cc:10)" >w.out.series
"$HS_PRINT" --summary w.out >out 2>err
check_sh "series: a 300 KB frame label is read" 'grep -q "8.00 MB resident" out && [ ! -s err ]'
long=$(head -c 1100000 /dev/zero | tr '\0' x)
series 4194304 8388608 "ns::$long<int> (prog.cc:10)" >w.out.series
"$HS_PRINT" --summary w.out >out 2>err
check_sh "series: a line past 1 MiB gives the file up, with a note" \
	'! grep -q resident out && [ "$(cat err)" = "heapsnap-print: note: w.out.series is not a complete heapsnap series file: not used" ]'
# A FIFO named FILE.series (no writer) must not hang the printer.
rm -f w.out.series
mkfifo w.out.series
timeout 10 "$HS_PRINT" --summary w.out >out 2>err
rc=$?
check_sh "series: a FIFO is not read (no hang), with a note" \
	'[ "$rc" = 0 ] && grep -q "in the heap" out && ! grep -q resident out &&
	[ "$(cat err)" = "heapsnap-print: note: w.out.series is not a complete heapsnap series file: not used" ]'
series 4194304 8388608 >w.out.series.tmp && rm -f w.out.series && mv w.out.series.tmp w.out.series
echo "# one more line" >>w.out
"$HS_PRINT" --summary w.out >out 2>err
check_sh "a stale series (another Massif file size) is not used, with a note" \
	'! grep -q resident out && [ "$(cat err)" = "heapsnap-print: note: w.out.series was written with another version of the file: not used" ]'
"$HS_PRINT" --html w.out >page.html 2>err
check_sh "--html: a stale series is not used either, with the same note" \
	'! grep -q resident page.html && ! grep -q "class=\"rss\"" page.html &&
	[ "$(cat err)" = "heapsnap-print: note: w.out.series was written with another version of the file: not used" ]'

"$HS_PRINT" --brief "$fix/wrappers.massif.out" >out 2>err
check_sh "--brief: graph, the peak's sites with callers, summary, in one screen" \
	'grep -q "^    MB" out && grep -q "^Largest sites at the peak (2.86 MB of heap at 1.25 s)" out &&
	grep -q "^                    <- load_names (prog.c:20)" out && grep -q "^Summary:" out &&
	[ "$(grep -c make_name out)" = 1 ] && [ "$(wc -l <out)" -lt 50 ] && [ ! -s err ]'
"$HS_PRINT" "$fix/wrappers.massif.out" >full
check_sh "the full report stays heapsnap-print FILE" 'grep -q "^Number of snapshots: 3" full && ! grep -q "^Summary:" full'

# Bounded by the input: the first line decides, whatever follows.
t0=$(date +%s)
timeout 10 "$HS_PRINT" /dev/zero >out 2>err
rc=$?
same "/dev/zero: one line at once" err "heapsnap-print: /dev/zero:1: expected text, found a NUL byte"
check_sh "/dev/zero: exit 1, nothing on stdout" '[ "$rc" = 1 ] && [ ! -s out ]'
yes | timeout 10 "$HS_PRINT" - >out 2>err
rc=$?
check_sh "endless stdin (yes): one line, exit 1" '[ "$rc" = 1 ] && [ "$(cat err)" = "heapsnap-print: <stdin>:1: expected \"cmd: <command>\", found \"y\"" ]'
tr '\0' a </dev/zero | timeout 10 "$HS_PRINT" - >out 2>err
rc=$?
check_sh "an endless first line: judged on its start, exit 1" '[ "$rc" = 1 ] && grep -q "^heapsnap-print: <stdin>:1: expected \"cmd: <command>\", found \"aaaa" err'
t1=$(date +%s)
check_sh "the three refusals took seconds, not the input's end" '[ $((t1 - t0)) -lt 20 ]'

# Memory: a file of many snapshots costs its largest snapshot, not its size.
python3 - <<'PY'
import random
random.seed(7)
with open("big.out", "w") as f:
    f.write("desc: (none)\ncmd: ./big\ntime_unit: B\n")
    t = 0
    for i in range(3000):
        t += 1000
        heap = 100000 + i * 10
        kind = "detailed" if i % 10 == 0 else "empty"
        f.write("#-----------\nsnapshot=%d\n#-----------\ntime=%d\nmem_heap_B=%d\nmem_heap_extra_B=8\nmem_stacks_B=0\nheap_tree=%s\n" % (i, t, heap, kind))
        if kind == "detailed":
            k = 40
            f.write("n%d: %d (heap allocation functions) malloc/new/new[], --alloc-fns, etc.\n" % (k, heap))
            share = heap // k
            for j in range(k):
                b = share if j < k - 1 else heap - share * (k - 1)
                f.write(" n1: %d 0x%X: site_%d (big.c:%d)\n  n0: %d 0x%X: main (big.c:1)\n" % (b, 0x400000 + j, j, j, b, 0x500000 + j))
                f.write("# %s\n" % ("padding " * 400))
PY
# ASan's shadow memory and quarantine add their own: a sanitized printer
# gets 48 MB, still well under the file's size (the whole-file reader took
# 1.4x the file).
limit=16384
if ldd "$HS_PRINT" 2>/dev/null | grep -q libasan; then
	limit=49152
fi
if [ -x /usr/bin/time ]; then
	/usr/bin/time -f %M -o rss "$HS_PRINT" big.out >big.txt 2>/dev/null
	kb=$(tail -n 1 rss)
	mb=$(($(wc -c <big.out) / 1048576))
	check_sh "a ${mb} MB file printed in $kb KB of RSS (under $((limit / 1024)) MB)" '[ "$kb" -lt "$limit" ] && [ -s big.txt ]'
	/usr/bin/time -f %M -o rss sh -c "cat big.out | \"$HS_PRINT\" - >big2.txt" 2>/dev/null
	kb=$(tail -n 1 rss)
	check_sh "the same file on stdin: same report, $kb KB of RSS" \
		'[ "$(sed 4d big.txt)" = "$(sed 4d big2.txt)" ] && [ "$kb" -lt "$limit" ]'
else
	ok "# SKIP /usr/bin/time missing"
	ok "# SKIP /usr/bin/time missing"
fi
