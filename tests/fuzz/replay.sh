#!/bin/sh
# Replays the committed fuzzing corpus (tests/fuzz/corpus) and the inputs
# that once crashed the printer (tests/fuzz/regressions), without libFuzzer.
# One TAP case per file: replay_print (the fuzz harness's entry point under
# a plain main, sanitizers when configured) must not crash, and
# heapsnap-print must either render the file (exit 0, byte for byte what
# ms_print prints when $MS_PRINT is set) or refuse it with exactly one line
# on stderr, exit 1 and nothing on stdout.  The live ms_print (Perl, the
# slow part) checks the regressions and every fifth corpus file under make
# check, every file under make check-full (HS_FULL=1).  When the build has
# the libFuzzer harness (--enable-fuzzing), one more case runs it with
# -runs=0 over both directories.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
HS_PRINT=${HS_PRINT:-$top_builddir/heapsnap-print}
MS_PRINT=${MS_PRINT:-}
replay="$top_builddir/tests/fuzz/replay_print"
fuzzer="$top_builddir/tests/fuzz/fuzz_print"
dirs="$top_srcdir/tests/fuzz/regressions $top_srcdir/tests/fuzz/corpus"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

files=$(for d in $dirs; do find "$d" -type f ! -name '.*' ! -name '*.md'; done | LC_ALL=C sort)
n_files=$(printf '%s\n' "$files" | grep -c .)
extra=0
[ -x "$fuzzer" ] && extra=1
echo "1..$((n_files + extra))"

i=0
for f in $files; do
    i=$((i + 1))
    what="${f#"$top_srcdir"/tests/fuzz/}"
    if ! "$replay" "$f" > "$tmp/rout" 2>&1; then
        echo "not ok $i - $what: replay_print failed"
        head -n 20 "$tmp/rout" | sed 's/^/# /'
        continue
    fi
    # ms_print's arguments line names the file: run both from its folder.
    dir=$(dirname "$f") base=$(basename "$f")
    (cd "$dir" && "$HS_PRINT" "$base") > "$tmp/out" 2> "$tmp/err"
    rc=$?
    lines=$(wc -l < "$tmp/err")
    case $rc in
    0)
        if [ -s "$tmp/err" ]; then
            echo "not ok $i - $what: exit 0 with a message on stderr"
        elif [ -n "$MS_PRINT" ] && [ -x "$MS_PRINT" ] &&
             { [ "${HS_FULL:-0}" != 0 ] || [ $((i % 5)) = 1 ] ||
               [ "${what#regressions/}" != "$what" ]; } &&
             ! (cd "$dir" && "$MS_PRINT" "$base" 2>/dev/null) | cmp -s - "$tmp/out"; then
            echo "not ok $i - $what: rendered, but not as ms_print does"
        else
            echo "ok $i - $what: rendered"
        fi ;;
    1)
        if [ -s "$tmp/out" ] || [ "$lines" -ne 1 ]; then
            echo "not ok $i - $what: refused with $lines lines on stderr and $(wc -c < "$tmp/out") bytes on stdout"
        else
            echo "ok $i - $what: refused: $(head -c 120 "$tmp/err" | tr -d '\n')"
        fi ;;
    *)
        echo "not ok $i - $what: heapsnap-print exit $rc"
        head -n 5 "$tmp/err" | sed 's/^/# /' ;;
    esac
done

if [ $extra = 1 ]; then
    i=$((i + 1))
    # shellcheck disable=SC2086
    if "$fuzzer" -runs=0 -rss_limit_mb=2048 -timeout=10 $dirs > "$tmp/fout" 2>&1; then
        echo "ok $i - fuzz_print -runs=0 over the corpus and the regressions"
    else
        echo "not ok $i - fuzz_print -runs=0 over the corpus and the regressions"
        tail -n 30 "$tmp/fout" | sed 's/^/# /'
    fi
fi
