#!/bin/sh
# The debug information the launcher loads while the program runs
# (src/launcher/warmup.h), TAP.  tests/progs/rec_warmlate allocates in
# main, pauses while the launcher loads its modules, then dlopens
# libstress_dl.so, a module the warm-up never saw, and allocates from it.
# Every frame must be named as a cold resolve names it: function, file and
# line, in the program (loaded ahead) and in the library (met only in the
# final map).  Needs HS_LAUNCHER and top_builddir from AM_TESTS_ENVIRONMENT.
set -u

: "${HS_LAUNCHER:?}" "${top_builddir:?}"
MS_PRINT=${MS_PRINT:-}
prog="$top_builddir/tests/progs/rec_warmlate"
lib="$top_builddir/tests/stress/libstress_dl.so"
work=$(mktemp -d "${TMPDIR:-/tmp}/hs_warmup.XXXXXX") || exit 99
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 99

n=0
check() { # check DESCRIPTION COMMAND...: ok when the command succeeds
	what=$1; shift
	n=$((n + 1))
	if "$@"; then echo "ok $n - $what"; else echo "not ok $n - $what"; fi
}
# The last snapshot's tree (the file ends with it: --detailed-freq=1).
last_tree() {
	awk '/^snapshot=/ { t = "" } { t = t $0 "\n" } END { printf "%s", t }' m.out
}
# Whether the last tree has line $1 (the address replaced by ADDR).
has() {
	last_tree | sed 's/0x[0-9A-F]*:/ADDR:/' | grep -qxF -- "$1"
}

echo 1..8

"$HS_LAUNCHER" -v -v --time-unit=B --detailed-freq=1 --massif-out-file=m.out "$prog" "$lib" \
	>out 2>err
rc=$?
check "the program exits 0 under heapsnap" [ "$rc" = 0 ]
line=$(grep 'debug information of [0-9]* modules loaded while it ran' err)
loaded=$(printf '%s\n' "$line" | sed -n 's/.*debug information of \([0-9]*\) modules.*/\1/p')
check "the launcher loaded the program, libc and ld.so ahead: ${line:-no line}" \
	[ "${loaded:-0}" -ge 3 ]
check "main's first block named: main (rec_warmlate.c:22)" \
	has ' n0: 1000 ADDR: main (rec_warmlate.c:22)'
check "main's block after the dlopen named: main (rec_warmlate.c:34)" \
	has ' n0: 500 ADDR: main (rec_warmlate.c:34)'
check "the late library's frame named: stress_dl_alloc (stress_dllib.c:30)" \
	has ' n1: 3000 ADDR: stress_dl_alloc (stress_dllib.c:30)'
check "and its caller in the program: main (rec_warmlate.c:33)" \
	has '  n0: 3000 ADDR: main (rec_warmlate.c:33)'
check "no frame left unnamed (???)" sh -c '! grep -q "???" m.out'
if [ -n "$MS_PRINT" ]; then
	check "ms_print accepts the file" sh -c "'$MS_PRINT' m.out >/dev/null 2>&1"
else
	check "ms_print accepts the file # SKIP no ms_print" true
fi
