#!/bin/sh
# heapsnap-print --leaks, --diff and --max-peak from the command line (TAP).
#
# Each recorder variant runs the same table of programs and expected
# suspects: "massif" reads the fixtures recorded with Valgrind Massif
# (tests/fixtures/leaks/record.sh); "heapsnap" records the same programs
# with the heapsnap launcher when it is built and can record, and is
# skipped otherwise.
set -u

: "${top_srcdir:=.}" "${top_builddir:=.}"
: "${HS_PRINT:=$top_builddir/heapsnap-print}"
fix=$top_srcdir/tests/fixtures/leaks
progs=$top_builddir/tests/progs
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

. "${top_srcdir:?}/tests/tap.sh"
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }

# program|expected suspects' first lines, ';'-separated|staircase (yes/no)
table='churn|1. leak_record (leak_churn.c:6)|yes
two|1. leak_fast (leak_two.c:6);2. leak_slow (leak_two.c:11)|yes
slow|1. note_event (leak_slow.c:15)|no
cache||no
sawtooth||no
huge||no
fork_child|1. child_remember (leak_fork.c:9)|yes
fork_parent||no'

# Suspects of one report, as "1. f (a.c:1);2. ..." (empty when none).
suspects() {
	sed -n 's/^\([0-9][0-9]*\. .*\)$/\1/p' "$1" | paste -sd ';' -
}

# judge VARIANT FILE PROGRAM WANT STAIR: the report names exactly WANT.
judge() {
	variant=$1 file=$2 prog=$3 want=$4 stair=$5
	out=$tmp/$variant.$prog.out
	if ! "$HS_PRINT" --leaks "$file" >"$out" 2>"$tmp/err"; then
		not_ok "$variant $prog: --leaks exits 0 ($(head -1 "$tmp/err"))"
		return
	fi
	got=$(suspects "$out")
	if [ "$got" = "$want" ]; then
		ok "$variant $prog: suspects '${want:-none}'"
	else
		not_ok "$variant $prog: suspects '${want:-none}', got '${got:-none}'"
	fi
	if grep -q 'the staircase of a leak' "$out"; then s=yes; else s=no; fi
	check "$variant $prog: heap staircase $stair" test "$s" = "$stair"
}

# ---- variant 1: Valgrind Massif fixtures ----
echo "$table" | while IFS='|' read -r prog want stair; do
	judge massif "$fix/leak_$prog.massif.out" "$prog" "$want" "$stair"
done > "$tmp/massif.tap"
# The subshell's numbering restarts; renumber here.
while read -r line; do
	case $line in
	"ok "*) ok "${line#ok * - }" ;;
	"not ok "*) not_ok "${line#not ok * - }" ;;
	esac
done < "$tmp/massif.tap"

# ---- variant 2: recorded now with heapsnap ----
if [ -x "${HS_LAUNCHER:-}" ] && [ -x "$progs/leak_churn" ] &&
   (cd "$tmp" && "$HS_LAUNCHER" --time-unit=B --detailed-freq=1 \
	--massif-out-file="$tmp/probe.out" "$progs/leak_churn") >/dev/null 2>&1 &&
   [ -s "$tmp/probe.out" ]; then
	echo "$table" | while IFS='|' read -r prog want stair; do
		case $prog in fork_*) continue ;; esac
		(cd "$tmp" && "$HS_LAUNCHER" --time-unit=B --detailed-freq=1 \
			--massif-out-file="$tmp/hs_$prog.out" "$progs/leak_$prog") >/dev/null 2>&1
		judge heapsnap "$tmp/hs_$prog.out" "$prog" "$want" "$stair"
	done > "$tmp/heapsnap.tap"
	while read -r line; do
		case $line in
		"ok "*) ok "${line#ok * - }" ;;
		"not ok "*) not_ok "${line#not ok * - }" ;;
		esac
	done < "$tmp/heapsnap.tap"
else
	skip "heapsnap-recorded variant" "the heapsnap launcher cannot record here yet"
fi

# ---- --leaks keeps ms_print's output in front, unchanged ----
f=$fix/leak_churn.massif.out
"$HS_PRINT" "$f" > "$tmp/plain.out"
"$HS_PRINT" --leaks "$f" > "$tmp/leaks.out"
lines=$(wc -l < "$tmp/plain.out")
# Only the "ms_print arguments:" line differs: it echoes --leaks.
head -n "$lines" "$tmp/leaks.out" | grep -v '^ms_print arguments:' > "$tmp/a"
grep -v '^ms_print arguments:' "$tmp/plain.out" > "$tmp/b"
check "--leaks: ms_print's output first, unchanged" cmp -s "$tmp/a" "$tmp/b"
check "--leaks: then the Leak suspects section" \
	test "$(sed -n "$((lines + 3))p" "$tmp/leaks.out")" = "Leak suspects"
if [ -n "${MS_PRINT:-}" ] && [ -x "$MS_PRINT" ]; then
	(cd "$fix" && "$MS_PRINT" leak_churn.massif.out) > "$tmp/ms.out"
	(cd "$fix" && "$HS_PRINT" leak_churn.massif.out) > "$tmp/hs.out"
	check "without options: byte-identical to ms_print" cmp -s "$tmp/ms.out" "$tmp/hs.out"
else
	skip "without options: byte-identical to ms_print" "no ms_print"
fi

# ---- too few trees ----
"$HS_PRINT" --leaks "$fix/leak_churn_freq50.massif.out" > "$tmp/few.out"
check "--leaks: too few detailed snapshots said plainly" \
	grep -q '^Sites cannot be judged: this file has 3 detailed snapshots (trees)$' "$tmp/few.out"
check "--leaks: names what has the data" grep -q -- 'record with$' "$tmp/few.out"
check "--leaks: names --detailed-freq" grep -q -- '--detailed-freq=1' "$tmp/few.out"

# ---- the companion series file (FILE.series) ----
cp "$fix/leak_churn.massif.out" "$tmp/c.out"
size=$(wc -c < "$tmp/c.out" | tr -d ' ')
cmd=$(sed -n 's/^cmd: //p' "$tmp/c.out")
{
	printf 'heapsnap-series 1\ncmd: %s\ntime_unit: B\nmassif_size: %s\nsample: 0\n' "$cmd" "$size"
	printf 'f 0 0x1: grow (g.c:3)\nf 1 0x2: main::{closure#0} (m.rs:9)\nc 0 0 1\n'
	i=0
	while [ $i -lt 40 ]; do
		printf 't %d %d %d 0 0 0 n\nb 0=%d\n' $i $((i * 1000)) $((i * 512)) $((i * 512))
		i=$((i + 1))
	done
	printf 'end exit\n'
} > "$tmp/c.out.series"
"$HS_PRINT" --leaks "$tmp/c.out" > "$tmp/s.out" 2> "$tmp/err"
rc=$?
check "series: exit 0, nothing on stderr" test "$rc" = 0 -a ! -s "$tmp/err"
check "series: read instead of the trees" grep -q '^40 snapshots, every one with per-site bytes (from the series file)' "$tmp/s.out"
check "series: its site named with the whole label" test \
	"$(grep -A1 '^1\. ' "$tmp/s.out")" = "1. grow (g.c:3)
     called from main::{closure#0} (m.rs:9)"
check "series: ms_print's output unchanged before it" \
	sh -c "head -n $lines '$tmp/s.out' | grep -v '^ms_print arguments:' | cmp -s - '$tmp/b'"
sed "s/^massif_size: .*/massif_size: $((size + 1))/" "$tmp/c.out.series" > "$tmp/stale"
mv "$tmp/stale" "$tmp/c.out.series"
"$HS_PRINT" --leaks "$tmp/c.out" > "$tmp/s.out" 2> "$tmp/err"
rc=$?
check "stale series: exit 0" test "$rc" = 0
check "stale series: one note" test "$(cat "$tmp/err")" = \
	"heapsnap-print: note: $tmp/c.out.series is stale (written with a Massif file of $((size + 1)) bytes, this one has $size): ignored"
check "stale series: the trees judged" grep -q '^1\. leak_record (leak_churn.c:6)$' "$tmp/s.out"
cp "$fix/leak_churn.massif.out" "$tmp/c.out"
printf 'heapsnap-series 1\nt 0 0 0 0 0 0 n\nb 7=1\n' > "$tmp/c.out.series"
"$HS_PRINT" --leaks "$tmp/c.out" > "$tmp/s.out" 2> "$tmp/err"
rc=$?
check "bad series: exit 1, nothing on stdout" test "$rc" = 1 -a ! -s "$tmp/s.out"
check "bad series: one line naming file and line" test "$(cat "$tmp/err")" = \
	"heapsnap-print: $tmp/c.out.series:3: site 7 not defined before"
"$HS_PRINT" "$tmp/c.out" > /dev/null 2>&1
check "bad series: ignored without --leaks" test $? = 0

# ---- --verbose: the whole call path ----
"$HS_PRINT" --leaks --verbose "$fix/leak_fork_child.massif.out" > "$tmp/v.out"
check "--verbose: whole path, wrappers marked" grep -q '^   whole call path, innermost first' "$tmp/v.out"

# ---- --diff ----
(cd "$fix" && "$HS_PRINT" --diff leak_diff_old.massif.out leak_diff_new.massif.out) \
	> "$tmp/diff.out" 2>&1
rc=$?
check "--diff: exit 0" test "$rc" = 0
check "--diff: peak total" grep -q \
	'^peak total           49,448 B ->         63,664 B  +14,216 B (+28.7%)$' "$tmp/diff.out"
check "--diff: grown site matched across builds" grep -q \
	'^       +12,288 B         4,096 ->       16,384  read_input (leak_diff.c:16) <- main (leak_diff.c:38)$' \
	"$tmp/diff.out"
check "--diff: new site" grep -q \
	'^        +3,000 B             0 ->        3,000  build_lookup' "$tmp/diff.out"
check "--diff: unchanged site not listed" sh -c "! grep -q build_index '$tmp/diff.out'"
check "--diff: no ms_print output" sh -c "! grep -q '^Command:' '$tmp/diff.out'"
"$HS_PRINT" --diff "$fix/leak_diff_old.massif.out" > /dev/null 2> "$tmp/err"
check "--diff with one file: exit 2" test $? = 2

# ---- --max-peak ----
f=$fix/leak_diff_new.massif.out    # peak total 63,664 B
"$HS_PRINT" --max-peak=63664 "$f" > "$tmp/out" 2> "$tmp/err"
rc=$?
check "--max-peak at the peak: exit 0" test "$rc" = 0
check "--max-peak under budget: no output" test ! -s "$tmp/out" -a ! -s "$tmp/err"
"$HS_PRINT" --max-peak=62K "$f" > "$tmp/out" 2> "$tmp/err"
rc=$?
check "--max-peak=62K: exit 3" test "$rc" = 3
check "--max-peak over budget: nothing on stdout" test ! -s "$tmp/out"
check "--max-peak over budget: one line naming peak and budget" test \
	"$(cat "$tmp/err")" = "heapsnap-print: $f: peak 63,664 B (62.2 KB) exceeds the budget of 63,488 B (62.0 KB)"
for size in 1M 2G 65536; do
	"$HS_PRINT" --max-peak=$size "$f" > /dev/null 2>&1
	check "--max-peak=$size: exit 0" test $? = 0
done
for size in 12Q 1.5M '' -3 64MB; do
	"$HS_PRINT" --max-peak="$size" "$f" > "$tmp/out" 2> "$tmp/err"
	rc=$?
	check "--max-peak='$size': exit 2" test "$rc" = 2
	check "--max-peak='$size': message names the option" grep -q -- '--max-peak' "$tmp/err"
done
"$HS_PRINT" --leaks --max-peak=60K "$f" > "$tmp/out" 2> "$tmp/err"
rc=$?
check "--leaks --max-peak=60K: exit 3 after the full report" \
	sh -c "test $rc = 3 && grep -q '^Leak suspects$' '$tmp/out' && grep -q 'exceeds the budget' '$tmp/err'"

# ---- bad input ----
printf 'cmd: x\ntime_unit: i\nsnapshot=0\ntime=zz\n' > "$tmp/bad.out"
"$HS_PRINT" --leaks "$tmp/bad.out" > "$tmp/out" 2> "$tmp/err"
rc=$?
check "--leaks on a bad file: non-zero exit" test "$rc" != 0
check "--leaks on a bad file: one line naming file and line" \
	sh -c "test \$(wc -l < '$tmp/err') = 1 && grep -q '$tmp/bad.out:4' '$tmp/err'"
check "--leaks on a bad file: nothing on stdout" test ! -s "$tmp/out"

# ---- a FIFO named FILE.series: neither read nor waited for ----
cp "$f" "$tmp/fifo.out"
mkfifo "$tmp/fifo.out.series"
timeout 10 "$HS_PRINT" --leaks "$tmp/fifo.out" > "$tmp/out" 2> "$tmp/err"
rc=$?
check "--leaks with a FIFO as FILE.series: no hang, exit 0, the report" \
	sh -c "test $rc = 0 && grep -q '^Leak suspects$' '$tmp/out'"
check "--leaks with a FIFO as FILE.series: one note naming it" \
	sh -c "test \$(wc -l < '$tmp/err') = 1 && grep -q 'fifo.out.series is not a regular file: not used' '$tmp/err'"

echo "1..$n"
