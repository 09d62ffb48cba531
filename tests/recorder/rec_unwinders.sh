#!/bin/sh
# The recorder's two unwinders give one file (TAP): examples/leaky walked
# by stackwalk.c (the default) and by libunwind alone
# (HEAPSNAP_UNWINDER=libunwind, what a frame stackwalk.c cannot do gets).
# libunwind's addresses are adjusted to "return address less one" by what
# it was seen to give at its first walk (unwind.c), so every frame's
# address must agree to the byte: they are compared by their offset in the
# page, which address-space randomisation leaves alone.
# Needs HS_LAUNCHER, top_srcdir, top_builddir and MS_PRINT from AM_TESTS_ENVIRONMENT.
set -u

: "${HS_LAUNCHER:?}" "${top_builddir:?}"
MS_PRINT=${MS_PRINT:-}
prog=$top_builddir/examples/leaky
work=$(mktemp -d "${TMPDIR:-/tmp}/hs_unwinders.XXXXXX") || exit 99
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 99

. "${top_srcdir:?}/tests/tap.sh"
body() { # body FILE: the file less its desc: line, each address's page offset kept
	grep -v '^desc:' "$1" | sed 's/ 0x[0-9A-F]*\([0-9A-F][0-9A-F][0-9A-F]\): / PAGE+\1: /'
}

echo 1..3

"$HS_LAUNCHER" -q --time-unit=B --massif-out-file="$work/own" "$prog" >/dev/null 2>err.own
HEAPSNAP_UNWINDER=libunwind "$HS_LAUNCHER" -q --time-unit=B --massif-out-file="$work/unw" \
	"$prog" >/dev/null 2>err.unw
if [ -s unw ] && { [ -z "$MS_PRINT" ] || "$MS_PRINT" unw >/dev/null 2>&1; } && [ ! -s err.unw ]; then
	ok "libunwind alone: a file ms_print accepts, nothing on stderr"
else
	not_ok "libunwind alone: a file ms_print accepts, nothing on stderr" "$(cat err.unw)"
fi
if grep -q ' 0x[0-9A-F]*: remember_result (leaky.c:44)$' unw; then
	ok "libunwind alone: remember_result's call at leaky.c:44"
else
	not_ok "libunwind alone: remember_result's call at leaky.c:44" "$(grep remember_result unw | head -3)"
fi
body own >own.body
body unw >unw.body
if [ -s own.body ] && cmp -s own.body unw.body; then
	ok "the same file from both unwinders, every address to the byte"
else
	not_ok "the same file from both unwinders, every address to the byte" \
		"$(diff own.body unw.body | head -20)"
fi
