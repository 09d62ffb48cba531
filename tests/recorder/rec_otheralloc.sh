#!/bin/sh
# Another allocator than glibc's in the program (tcmalloc's or jemalloc's,
# linked in or preloaded, after libheapsnap.so in the lookup order or
# before it, with glibc's __libc_malloc names taken over or not): the
# library passes every heap call on to it and records nothing
# (src/preload/allocator.h).  A tcmalloc program used to die of SIGSEGV
# under --sample (a size tag written after tcmalloc's block, read as
# glibc's), a jemalloc one even in exact mode (its malloc_usable_size on
# a glibc block).
#
# The allocator is tests/progs/rec_bumpalloc.c, built here twice:
# libhsbump.so (the malloc family, as jemalloc) and libhsbumplibc.so (also
# __libc_malloc & co., as tcmalloc); its free, realloc and
# malloc_usable_size abort on a block not its own.  The program,
# tests/progs/rec_otheralloc.c, says which allocator made each block; it
# is built as a PIE and not (-no-pie: it takes malloc's address, so its
# PLT entry stands for malloc everywhere, as node's does).
# Each case, in exact mode and under --sample=4K: natively and under
# heapsnap the same stdout and exit status (7), one line on stderr saying
# that nothing will be recorded (once), and, with the launcher, the file
# written all the same, with no heap in it.  Then Debian's tcmalloc and
# jemalloc themselves, when installed (skipped otherwise).
set -u

: "${HS_LAUNCHER:?}" "${HS_PRELOAD:?}" "${top_srcdir:?}" "${top_builddir:?}"
work=$(mktemp -d "${TMPDIR:-/tmp}/hs_otheralloc.XXXXXX") || exit 99
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 99
CC=${CC:-cc}
src=$top_srcdir/tests/progs

. "${top_srcdir:?}/tests/tap.sh"
check() { # check STATUS LABEL DETAIL...: ok when STATUS is 0
	st=$1
	shift
	if [ "$st" = 0 ]; then ok "$1"; else not_ok "$@"; fi
}

N_CASES=60
echo "1..$N_CASES"

flags="-O1 -fno-builtin -fno-omit-frame-pointer"
# shellcheck disable=SC2086
if ! "$CC" -shared -fPIC $flags -o libhsbump.so "$src/rec_bumpalloc.c" 2>cc.err ||
	! "$CC" -shared -fPIC $flags -DHSBUMP_LIBC_NAMES -o libhsbumplibc.so \
		"$src/rec_bumpalloc.c" 2>>cc.err ||
	! "$CC" $flags -o plain "$src/rec_otheralloc.c" -ldl 2>>cc.err ||
	! "$CC" $flags -no-pie -fno-pie -o plain_nopie "$src/rec_otheralloc.c" -ldl 2>>cc.err ||
	! "$CC" $flags -o linked "$src/rec_otheralloc.c" -L. -lhsbump -Wl,-rpath,"$work" \
		-ldl 2>>cc.err ||
	! "$CC" $flags -no-pie -fno-pie -o linkedlibc "$src/rec_otheralloc.c" -L. -lhsbumplibc \
		-Wl,-rpath,"$work" -ldl 2>>cc.err; then
	echo "Bail out! cannot build the allocator or the program: $(head -c 300 cc.err)"
	exit 1
fi

# The native runs: every block the bump allocator's, status 7.
./plain >plain.out 2>&1
[ $? = 7 ] && ! grep -q bump plain.out && grep -q 'malloc: glibc' plain.out
check $? "the program alone: every block glibc's, status 7" "$(cat plain.out)"
./linked >native.out 2>native.err
nat_rc=$?
[ "$nat_rc" = 7 ] && [ "$(grep -c ': bump$' native.out)" = 11 ] && ! grep -q glibc native.out
check $? "the program with its allocator: every block the allocator's, status 7" \
	"status $nat_rc" "$(cat native.out native.err)"

# One line saying that nothing will be recorded, once, naming LIB (a
# pattern); and no other line from the library.
said_once() { # said_once FILE PATTERN
	[ "$(grep -c "$2" "$1")" = 1 ] && [ "$(grep -c '^heapsnap: ' "$1")" = 1 ]
}

# run_case LABEL PATTERN NATIVE_PRELOAD COMMAND...: under the launcher,
# exact and --sample=4K, with LD_PRELOAD=NATIVE_PRELOAD (may be empty) as
# the native run had it: 4 checks each.
run_case() {
	label=$1 pattern=$2 pre=$3
	shift 3
	LD_PRELOAD=$pre "$@" >nat.out 2>nat.err
	nat_rc=$?
	for mode in exact --sample=4K; do
		opts=-q
		[ "$mode" = exact ] || opts="-q $mode"
		rm -f m.out
		# shellcheck disable=SC2086
		LD_PRELOAD=$pre timeout 60 "$HS_LAUNCHER" $opts --massif-out-file="$work/m.out" \
			"$@" >hs.out 2>hs.err
		hs_rc=$?
		what="$label ($mode)"
		[ "$hs_rc" = "$nat_rc" ]
		check $? "$what: exit status $nat_rc as natively" "got $hs_rc" "$(tail -5 hs.err)"
		cmp -s nat.out hs.out
		check $? "$what: the same stdout" "$(diff nat.out hs.out | head -20)"
		said_once hs.err "$pattern"
		check $? "$what: says once that nothing will be recorded" "$(cat hs.err)"
		[ -s m.out ] && grep -q '^mem_heap_B=' m.out && ! grep '^mem_heap_B=' m.out | grep -qv '=0$'
		check $? "$what: the file is written, with no heap" "$(head -20 m.out 2>&1)"
	done
}

# 3-10: linked in, the malloc family alone (jemalloc's way).
run_case "linked allocator" \
	'^heapsnap: malloc is replaced by .*/libhsbump\.so: nothing will be recorded$' "" ./linked
# 11-18: linked in, __libc_malloc & co. too (tcmalloc's way), non-PIE.
run_case "linked allocator with __libc_malloc" \
	'^heapsnap: malloc is replaced by .*/libhsbumplibc\.so: nothing will be recorded$' "" \
	./linkedlibc
# 19-26: preloaded by the user: after libheapsnap.so (the launcher puts
# it first).
run_case "preloaded allocator" \
	'^heapsnap: malloc is replaced by .*/libhsbumplibc\.so: nothing will be recorded$' \
	"$work/libhsbumplibc.so" ./plain

# 27-32: preloaded before libheapsnap.so, without the launcher: the
# program's calls go to it first, those it does not define come to us.
# Non-PIE: the loader's answer for malloc is the program's PLT entry.
LD_PRELOAD=$work/libhsbump.so ./plain_nopie >nat.out 2>nat.err
nat_rc=$?
for mode in exact --sample=4K; do
	opts="--massif-out-file=$work/pre.out"
	[ "$mode" = exact ] || opts="$opts $mode"
	rm -f pre.out
	LD_PRELOAD=$work/libhsbump.so:$HS_PRELOAD HEAPSNAP_OPTIONS="-q $opts" timeout 60 \
		./plain_nopie >hs.out 2>hs.err
	hs_rc=$?
	what="allocator preloaded before libheapsnap.so ($mode)"
	[ "$hs_rc" = "$nat_rc" ] && [ "$nat_rc" = 7 ]
	check $? "$what: exit status 7 as natively" "native $nat_rc, got $hs_rc" "$(cat hs.err)"
	cmp -s nat.out hs.out
	check $? "$what: the same stdout" "$(diff nat.out hs.out | head -20)"
	said_once hs.err '^heapsnap: malloc is replaced by .*/libhsbump\.so: nothing will be recorded$'
	check $? "$what: says once that nothing will be recorded" "$(cat hs.err)"
	# The detached resolver writes the file after the program: wait for it
	# (up to 20 s), so that the directory is not removed under it.
	i=0
	while [ ! -s pre.out ] && [ $i -lt 100 ]; do
		sleep 0.2
		i=$((i + 1))
	done
done

# 33-35: an executable with a malloc of its own, without the launcher
# (which used to say it, from the executable's symbols, before running
# it): the library says it, in the launcher's words, once.
own=$top_builddir/tests/progs/rec_ownmalloc
"$own" >nat.out 2>nat.err
nat_rc=$?
LD_PRELOAD=$HS_PRELOAD HEAPSNAP_OPTIONS="-q --massif-out-file=$work/own.out" "$own" \
	>hs.out 2>hs.err
hs_rc=$?
[ "$hs_rc" = "$nat_rc" ] && [ "$nat_rc" = 5 ]
check $? "own malloc, LD_PRELOAD alone: exit status 5 as natively" "native $nat_rc, got $hs_rc"
cmp -s nat.out hs.out
check $? "own malloc, LD_PRELOAD alone: the same stdout" "$(cat hs.out)"
said_once hs.err "^heapsnap: $own defines its own malloc: its heap calls never reach libheapsnap.so, so nothing of them will be recorded\$"
check $? "own malloc, LD_PRELOAD alone: says so once" "$(cat hs.err)"
i=0
while [ ! -s own.out ] && [ $i -lt 100 ]; do
	sleep 0.2
	i=$((i + 1))
done

# 36-42: the same program without another allocator is recorded as ever:
# no such line, every block glibc's, the heap in the file.
./plain >nat.out 2>&1
for mode in exact --sample=4K; do
	opts=-q
	[ "$mode" = exact ] || opts="-q $mode"
	rm -f m.out
	# shellcheck disable=SC2086
	timeout 60 "$HS_LAUNCHER" $opts --massif-out-file="$work/m.out" ./plain >hs.out 2>hs.err
	hs_rc=$?
	[ "$hs_rc" = 7 ] && cmp -s nat.out hs.out && ! grep -q '^heapsnap: ' hs.err
	check $? "glibc's malloc ($mode): status, stdout as natively, no line" \
		"status $hs_rc" "$(cat hs.err)"
	[ -s m.out ] && grep '^mem_heap_B=' m.out | grep -qv '=0$'
	check $? "glibc's malloc ($mode): recorded" "$(head -20 m.out 2>&1)"
done
LD_PRELOAD=$HS_PRELOAD HEAPSNAP_OPTIONS="-q --massif-out-file=$work/plain.out" ./plain \
	>hs.out 2>hs.err
hs_rc=$?
[ "$hs_rc" = 7 ] && cmp -s nat.out hs.out && ! grep -q '^heapsnap: ' hs.err
check $? "glibc's malloc, LD_PRELOAD alone: status, stdout as natively, no line" \
	"status $hs_rc" "$(cat hs.err)"
i=0
while [ ! -s plain.out ] && [ $i -lt 100 ]; do
	sleep 0.2
	i=$((i + 1))
done

./plain_nopie >nat.out 2>&1
rm -f m.out
timeout 60 "$HS_LAUNCHER" -q --massif-out-file="$work/m.out" ./plain_nopie >hs.out 2>hs.err
hs_rc=$?
[ "$hs_rc" = 7 ] && cmp -s nat.out hs.out && ! grep -q '^heapsnap: ' hs.err
check $? "glibc's malloc, non-PIE: status, stdout as natively, no line" \
	"status $hs_rc" "$(cat hs.err)"
[ -s m.out ] && grep '^mem_heap_B=' m.out | grep -qv '=0$'
check $? "glibc's malloc, non-PIE: recorded" "$(head -20 m.out 2>&1)"

# 43-60: the real ones, when installed (Debian's libtcmalloc-minimal4
# and libjemalloc2, in .ci/run's DEPS; HS_TEST_ALLOC_LIBDIR names another
# directory), preloaded: the program without pvalloc (jemalloc has none),
# and C++ (tests/progs/rec_cxx_fail: new, new[], nothrow, the new-handler;
# both define operator new) under --sample=4K.
for lib in libtcmalloc_minimal.so.4 libjemalloc.so.2; do
	path=
	for dir in ${HS_TEST_ALLOC_LIBDIR:-} /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/lib; do
		if [ -f "$dir/$lib" ]; then
			path=$dir/$lib
			break
		fi
	done
	line="^heapsnap: malloc is replaced by .*/$lib: nothing will be recorded\$"
	if [ -z "$path" ]; then
		for i in 1 2 3 4 5 6 7 8 9; do
			n=$((n + 1))
			echo "ok $n - $lib preloaded # SKIP not installed"
		done
		continue
	fi
	run_case "$lib preloaded" "$line" "$path" ./plain common
	cxx=$top_builddir/tests/progs/rec_cxx_fail
	LD_PRELOAD=$path "$cxx" >nat.out 2>nat.err
	nat_rc=$?
	LD_PRELOAD=$path timeout 60 "$HS_LAUNCHER" -q --sample=4K --massif-out-file="$work/m.out" \
		"$cxx" >hs.out 2>hs.err
	hs_rc=$?
	[ "$hs_rc" = "$nat_rc" ] && cmp -s nat.out hs.out && said_once hs.err "$line"
	check $? "$lib preloaded, C++ (--sample=4K): status and stdout as natively, one line" \
		"native $nat_rc, got $hs_rc" "$(cat hs.err)"
done

[ "$n" = "$N_CASES" ] || echo "# ran $n cases, planned $N_CASES"
