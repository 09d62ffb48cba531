#!/bin/sh
# Exact mode's tags (TAP): a program whose blocks take every path of the
# tags (tests/progs/rec_tagged.c: tags in the block, in the shadow and past
# an mmapped block, reallocs, more stacks than a tag can name, blocks
# made before a second thread and freed after it) must give the very file
# it gives through the recorder's table alone.  MALLOC_CHECK_=0 keeps the
# tags off (they would clash with glibc's checks, which this glibc only
# makes with libc_malloc_debug.so preloaded: its heap is the same).  The
# program prints malloc_usable_size of a 63-byte block twice, before and
# after the blocks out of the table are all gone: 63 says the tags were on
# (the request: the tag lies past it), glibc's 72 that they were off.
# Needs HS_LAUNCHER, top_srcdir, top_builddir and MS_PRINT from AM_TESTS_ENVIRONMENT.
set -u

: "${HS_LAUNCHER:?}" "${top_builddir:?}"
MS_PRINT=${MS_PRINT:-}
prog=$top_builddir/tests/progs/rec_tagged
work=$(mktemp -d "${TMPDIR:-/tmp}/hs_tagged.XXXXXX") || exit 99
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 99

. "${top_srcdir:?}/tests/tap.sh"
body() { # body FILE: the file less its cmd: and desc: lines and addresses
	grep -v '^desc:\|^cmd:' "$1" | sed 's/ 0x[0-9A-F]*: / ADDR: /'
}

echo 1..8

for opts in "--time-unit=B" "--time-unit=B --detailed-freq=1 --threshold=0 --heap-admin=0"; do
	# shellcheck disable=SC2086 # the options are words
	"$HS_LAUNCHER" -q $opts --massif-out-file="$work/tags" "$prog" >out.tags 2>err.tags
	rc=$?
	# shellcheck disable=SC2086
	MALLOC_CHECK_=0 "$HS_LAUNCHER" -q $opts --massif-out-file="$work/table" "$prog" \
		>out.table 2>err.table
	check "$opts: both runs exit 0, quietly" [ "$rc" = 0 -a $? = 0 -a ! -s err.tags -a ! -s err.table ]
	check "$opts: tags on, then off; off throughout: $(echo $(cat out.tags out.table))" \
		[ "$(echo $(cat out.tags))" = "usable=63 usable=72" -a \
		"$(echo $(cat out.table))" = "usable=72 usable=72" ]
	if body tags >tags.body && body table >table.body && cmp -s tags.body table.body &&
		[ "$(grep -c '^snapshot=' tags)" -gt 10 ]; then
		ok "$opts: the same file with tags as through the table"
	else
		not_ok "$opts: the same file with tags as through the table" \
			"$(diff tags.body table.body 2>&1 | head -20)"
	fi
	if [ -z "$MS_PRINT" ] || "$MS_PRINT" tags >/dev/null 2>&1; then
		ok "$opts: ms_print accepts it"
	else
		not_ok "$opts: ms_print accepts it"
	fi
done
