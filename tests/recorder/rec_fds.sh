#!/bin/sh
# The program's descriptors stay the program's (TAP): tests/progs/rec_lowfds
# prints the same lines natively, under the launcher and under --sample.
# libunwind, the recorder's second unwinder, opens a pipe to check
# addresses; at the lowest free numbers it took the program's 3 and 4
# (its first open got 5), and after the program put its own files there,
# libunwind read the program's input and wrote into its output.
# Needs HS_LAUNCHER, MS_PRINT and top_builddir from AM_TESTS_ENVIRONMENT.
set -u

: "${HS_LAUNCHER:?}" "${top_builddir:?}"
MS_PRINT=${MS_PRINT:-}
prog=$top_builddir/tests/progs/rec_lowfds
work=$(mktemp -d "${TMPDIR:-/tmp}/hs_fds.XXXXXX") || exit 99
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 99

n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "# $l"; done; }

# The test driver's descriptors closed first, so that 3 is the lowest free.
exec 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&-

echo 1..7

"$prog" "$work" >native.out 2>&1
echo "rc=$?" >>native.out
if grep -qx 'first open: fd 3' native.out && grep -qx "out.txt: 4 bytes 'END'" native.out; then
	ok "natively: the first open gets 3, fd 4 gets the program's bytes"
else
	not_ok "natively: the first open gets 3, fd 4 gets the program's bytes" "$(cat native.out)"
fi

for mode in exact sampled; do
	set --
	[ "$mode" = sampled ] && set -- --sample=64K
	"$HS_LAUNCHER" -q "$@" --massif-out-file="$work/m.$mode" "$prog" "$work" >$mode.out 2>&1
	echo "rc=$?" >>$mode.out
	if cmp -s native.out $mode.out; then
		ok "$mode: the same lines as natively"
	else
		not_ok "$mode: the same lines as natively" "$(diff native.out $mode.out)"
	fi
	if [ -s "m.$mode" ] && { [ -z "$MS_PRINT" ] || "$MS_PRINT" "m.$mode" >/dev/null 2>&1; }; then
		ok "$mode: a file ms_print accepts"
	else
		not_ok "$mode: a file ms_print accepts"
	fi
	# The handler's 1 MiB blocks were recorded, so the walk reached libunwind.
	if grep -q 'on_usr1' "m.$mode"; then
		ok "$mode: the handler's allocations are in the file"
	else
		not_ok "$mode: the handler's allocations are in the file"
	fi
done
