#!/bin/sh
# The hook path is safe inside any libc call (issue 10, item 1): programs
# that allocate inside pthread_getattr_np (glibc holds the thread's lock
# there) run under heapsnap as natively, and their stacks are walked.
# A C program always; a Rust program (Debian's rustc, std only) and
# `java -version` when their toolchains are installed.  Every run has a
# timeout: the bug this guards against is a hang.
set -u

: "${HS_LAUNCHER:?}" "${top_builddir:?}" "${top_srcdir:?}"
prog=$top_builddir/tests/progs/rec_getattr
src=$top_srcdir/tests/progs/rec_getattr.c
work=$(mktemp -d "${TMPDIR:-/tmp}/hs_hooksafe.XXXXXX") || exit 99
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 99

. "${top_srcdir:?}/tests/tap.sh"
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
check() { # check DESCRIPTION COMMAND...
	what=$1; shift
	if "$@"; then ok "$what"; else not_ok "$what"; fi
}

# run_both NAME TIMEOUT CMD...: native, then under heapsnap; stdout, stderr
# and status in NAME.{nat,hs}.{out,err,rc}; the file is NAME.massif.
run_both() {
	name=$1 secs=$2; shift 2
	timeout "$secs" "$@" >"$name.nat.out" 2>"$name.nat.err"
	echo $? >"$name.nat.rc"
	timeout "$secs" "$HS_LAUNCHER" --massif-out-file="$work/$name.massif" "$@" \
		>"$name.hs.out" 2>"$name.hs.err"
	echo $? >"$name.hs.rc"
}

# same_run NAME WHAT: 4 checks: no hang, same status, same stdout, a file.
same_run() {
	name=$1 label=$2
	check "$label: no hang under heapsnap (status $(cat "$name.hs.rc"))" \
		[ "$(cat "$name.hs.rc")" != 124 ]
	check "$label: the same exit status as natively ($(cat "$name.nat.rc"))" \
		[ "$(cat "$name.hs.rc")" = "$(cat "$name.nat.rc")" ]
	check "$label: the same stdout as natively" cmp -s "$name.nat.out" "$name.hs.out"
	check "$label: the file is written and reported" \
		sh -c "[ -s '$name.massif' ] && grep -q '^heapsnap: wrote .*$name.massif\$' '$name.hs.err'"
}

echo 1..17

# 1-6: C, pthread_getattr_np on the main thread (its first allocation is
# fopen's, inside it) and on a new thread (the affinity mask's realloc).
run_both getattr 20 "$prog"
same_run getattr "C pthread_getattr_np"
check "C: native output says both threads ok" \
	[ "$(cat getattr.nat.out)" = "main ok
thread ok" ]
line=$(grep -n 'if (pthread_getattr_np(pthread_self(), &attr) != 0)' "$src" | cut -d: -f1)
if grep -Eq "^ *n[0-9]+: [0-9]+ 0x[0-9A-F]+: stack_bytes \(rec_getattr\.c:$line\)$" getattr.massif; then
	ok "C: the allocation inside pthread_getattr_np has its callers (stack_bytes, line $line)"
else
	not_ok "C: the allocation inside pthread_getattr_np has its callers (stack_bytes, line $line)" \
		"$(grep -m3 'stack_bytes' getattr.massif)"
fi

# 7-11: Rust (std's runtime asks for the main thread's stack before main;
# threads, a channel).
rustc=/usr/bin/rustc
if [ -x "$rustc" ] && "$rustc" -g -O -o rust_threads "$top_srcdir/tests/progs/rec_rust_threads.rs" \
	2>rustc.err; then
	run_both rust 30 ./rust_threads
	same_run rust "Rust threads"
	check "Rust: the program's own function in the tree" grep -q 'rust_threads::main' rust.massif
else
	for i in 1 2 3 4 5; do skip "Rust threads" "no Debian rustc ($rustc) or it failed"; done
fi

# 12-13: Rust names as Massif writes them (demangled, no ::h<hash>), so an
# --alloc-fn given by its Rust path strips the wrapper.
if [ -x "$rustc" ] && "$rustc" -g -O -o rust_leak "$top_srcdir/tests/progs/rec_rust_leak.rs" \
	2>>rustc.err; then
	timeout 30 "$HS_LAUNCHER" -q --time-unit=B --alloc-fn=rec_rust_leak::make_buf \
		--massif-out-file="$work/leak.massif" ./rust_leak >/dev/null 2>leak.err
	check "Rust: names demangled, no hash, nothing left mangled" \
		sh -c "grep -q 'rec_rust_leak::create_leak (rec_rust_leak.rs:10)' leak.massif && ! grep -Eq '::h[0-9a-f]{16}|_ZN[0-9]|[ (]_R[A-Z]' leak.massif"
	check "Rust: --alloc-fn=rec_rust_leak::make_buf strips the wrapper" \
		sh -c "! grep -v '^desc:' leak.massif | grep -q 'make_buf' && grep -Eq '^ n1: 819200 0x[0-9A-F]+: rec_rust_leak::create_leak ' leak.massif"
else
	for i in 1 2; do skip "Rust names" "no Debian rustc ($rustc) or it failed"; done
fi

# 14-17: java -version (HotSpot asks for each new thread's stack).
if command -v java >/dev/null 2>&1 && java -version >/dev/null 2>&1; then
	run_both java 120 java -version
	check "java -version: no hang under heapsnap (status $(cat java.hs.rc))" \
		[ "$(cat java.hs.rc)" != 124 ]
	check "java -version: the same exit status as natively" \
		[ "$(cat java.hs.rc)" = "$(cat java.nat.rc)" ]
	grep -v '^heapsnap: ' java.hs.err >java.hs.err.prog
	check "java -version: the same version text" cmp -s java.nat.err java.hs.err.prog
	check "java -version: libjvm.so frames in the file" grep -q 'libjvm\.so' java.massif
else
	for i in 1 2 3 4; do skip "java -version" "no java"; done
fi
