#!/bin/sh
# The stacks the launcher names while the program runs
# (src/launcher/warmup.h), TAP.  tests/progs/rec_warmlate allocates in
# main, pauses while the launcher names what it recorded, then dlopens
# libstress_dl.so, a module the launcher had not seen, and allocates from
# it.  Every frame must be named as a cold resolve names it: function,
# file and line, in the program (named ahead) and in the library (met
# only in the final map); and the file must be byte for byte the one
# written with HEAPSNAP_NO_WARMUP=1 (no naming ahead), addresses fixed
# with setarch -R.  The same with the debug cache (src/resolve/debugcache.h)
# fresh, filled and off: the same file each time, and libc's compressed
# debug file (when installed) kept inflated.  Needs HS_LAUNCHER and
# top_builddir from AM_TESTS_ENVIRONMENT.
set -u

: "${HS_LAUNCHER:?}" "${top_builddir:?}"
MS_PRINT=${MS_PRINT:-}
prog="$top_builddir/tests/progs/rec_warmlate"
lib="$top_builddir/tests/stress/libstress_dl.so"
work=$(mktemp -d "${TMPDIR:-/tmp}/hs_warmup.XXXXXX") || exit 99
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 99

. "${top_srcdir:?}/tests/tap.sh"
# The last snapshot's tree (the file ends with it: --detailed-freq=1).
last_tree() {
	awk '/^snapshot=/ { t = "" } { t = t $0 "\n" } END { printf "%s", t }' m.out
}
# Whether the last tree has line $1 (the address replaced by ADDR).
has() {
	last_tree | sed 's/0x[0-9A-F]*:/ADDR:/' | grep -qxF -- "$1"
}

echo 1..19

"$HS_LAUNCHER" -v -v --time-unit=B --detailed-freq=1 --massif-out-file=m.out "$prog" "$lib" \
	>out 2>err
rc=$?
check "the program exits 0 under heapsnap" [ "$rc" = 0 ]
line=$(grep 'contexts named while it ran' err)
named=$(printf '%s\n' "$line" | sed -n 's/.*pid [0-9]*: \([0-9]*\) contexts named.*/\1/p')
check "the launcher named the stacks recorded before the pause: ${line:-no line}" \
	[ "${named:-0}" -ge 1 ]
check "main's first block named: main (rec_warmlate.c:25)" \
	has ' n0: 1000 ADDR: main (rec_warmlate.c:25)'
check "main's block after the dlopen named: main (rec_warmlate.c:37)" \
	has ' n0: 500 ADDR: main (rec_warmlate.c:37)'
check "the late library's frame named: stress_dl_alloc (stress_dllib.c:30)" \
	has ' n1: 3000 ADDR: stress_dl_alloc (stress_dllib.c:30)'
check "and its caller in the program: main (rec_warmlate.c:36)" \
	has '  n0: 3000 ADDR: main (rec_warmlate.c:36)'
check "no frame left unnamed (???)" sh -c '! grep -q "???" m.out'
if [ -n "$MS_PRINT" ]; then
	check "ms_print accepts the file" sh -c "'$MS_PRINT' m.out >/dev/null 2>&1"
else
	check "ms_print accepts the file # SKIP no ms_print" true
fi

# The same run with and without naming ahead, addresses fixed: TAG.out
# and TAG.err named ahead, cTAG.* not.  The desc: line names each output
# file: TAG.body and cTAG.body hold the files from the cmd: line on.
warm_and_cold() { # warm_and_cold TAG OPTION...
	tag=$1; shift
	setarch -R "$HS_LAUNCHER" -v -v "$@" --massif-out-file="$tag.out" "$prog" "$lib" \
		>/dev/null 2>"$tag.err"
	HEAPSNAP_NO_WARMUP=1 setarch -R "$HS_LAUNCHER" -v -v "$@" --massif-out-file="c$tag.out" \
		"$prog" "$lib" >/dev/null 2>"c$tag.err"
	sed 1d "$tag.out" >"$tag.body"
	sed 1d "c$tag.out" >"c$tag.body"
}
if setarch -R true 2>/dev/null; then
	warm_and_cold w --time-unit=B --detailed-freq=1
	check "named ahead or not, the same file" cmp -s w.body cw.body
	check "that run named ahead: $(grep 'contexts named' w.err)" \
		grep -q ' [1-9][0-9]* contexts named while it ran' w.err
	check "and the resolver kept those names: $(grep 'names given' w.err)" \
		grep -q 'the names given while it ran were kept' w.err
	check "HEAPSNAP_NO_WARMUP=1: nothing named ahead" \
		sh -c '! grep -q "contexts named while it ran" cw.err'
	# --sample: the direct call sites (SITES records) are named ahead too.
	warm_and_cold s --sample=4K --time-unit=B --detailed-freq=1
	check "--sample: named ahead or not, the same file" cmp -s s.body cs.body
	check "--sample: call sites named ahead: $(grep 'contexts named' s.err)" \
		grep -q 'and [1-9][0-9]* call sites' s.err
	check "--sample: and the names were kept: $(grep 'names given' s.err)" \
		grep -q 'the names given while it ran were kept' s.err
else
	for what in "named ahead or not, the same file" "that run named ahead" \
		"and the resolver kept those names" "HEAPSNAP_NO_WARMUP=1: nothing named ahead" \
		"--sample: named ahead or not, the same file" "--sample: call sites named ahead" \
		"--sample: and the names were kept"; do
		check "$what # SKIP no setarch -R here" true
	done
fi

# The debug cache: a fresh one filled by the first run, read by the next,
# and off; the same file each time.
cache_run() { # cache_run TAG CACHE
	HEAPSNAP_DEBUG_CACHE=$2 setarch -R "$HS_LAUNCHER" --time-unit=B --detailed-freq=1 \
		--massif-out-file="$1.out" "$prog" "$lib" >/dev/null 2>&1
	sed 1d "$1.out" >"$1.body"
}
libc=$(ldd "$prog" 2>/dev/null | awk '/libc\.so/ { print $3 }')
bid=$(readelf -n "$libc" 2>/dev/null | sed -n 's/.*Build ID: *//p')
dbg=/usr/lib/debug/.build-id/$(printf %s "$bid" | cut -c1-2)/$(printf %s "$bid" | cut -c3-).debug
if setarch -R true 2>/dev/null; then
	cache_run k0 0
	cache_run k1 "$work/dcache"
	cache_run k2 "$work/dcache"
	check "debug cache fresh, filled or off: the same file" \
		sh -c 'cmp -s k0.body k1.body && cmp -s k0.body k2.body'
	check "no frame left unnamed with the cache (???)" sh -c '! grep -q "???" k2.out'
else
	check "debug cache fresh, filled or off: the same file # SKIP no setarch -R here" true
	check "no frame left unnamed with the cache (???) # SKIP no setarch -R here" true
fi
if [ -n "$bid" ] && [ -f "$dbg" ] && readelf -SW "$dbg" 2>/dev/null | grep -q '\.debug_info .*  C '; then
	check "libc's compressed debug file kept inflated: dcache/$bid.debug" \
		sh -c "[ -f '$work/dcache/$bid.debug' ] && ! readelf -SW '$work/dcache/$bid.debug' | grep -q '\\.debug_.*  C '"
	check "nothing else in the cache but debug files" \
		sh -c "[ -z \"\$(ls -A '$work/dcache' | grep -v '\\.debug\$')\" ]"
else
	check "libc's debug file kept inflated # SKIP libc's debug file is not compressed here" true
	check "nothing else in the cache but debug files # SKIP" true
fi
