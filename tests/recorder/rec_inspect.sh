#!/bin/sh
# One line says when nothing can be recorded (issue 10, item 4): a static
# binary, a setuid program (the launcher's line, before the run), a
# program with its own malloc (libheapsnap.so's, at its start: see also
# rec_otheralloc.sh).  Each still runs as natively: the same stdout, the
# same status.
set -u

: "${HS_LAUNCHER:?}" "${top_builddir:?}"
work=$(mktemp -d "${TMPDIR:-/tmp}/hs_inspect.XXXXXX") || exit 99
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 99
CC=${CC:-cc}

n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "# $l"; done; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }

# same_run LABEL LINE PROG...: 3 checks: natively and under heapsnap the
# same stdout and status, and stderr holds LINE exactly once (with no
# "wrote" when LINE says nothing is recorded at all).
same_run() {
	label=$1 line=$2; shift 2
	timeout 30 "$@" >nat.out 2>nat.err
	nat_rc=$?
	timeout 30 "$HS_LAUNCHER" --massif-out-file="$work/m.%p" "$@" >hs.out 2>hs.err
	hs_rc=$?
	if [ "$hs_rc" = "$nat_rc" ]; then
		ok "$label: exit status $nat_rc as natively"
	else
		not_ok "$label: exit status $nat_rc as natively" "got $hs_rc"
	fi
	if cmp -s nat.out hs.out; then
		ok "$label: the same stdout"
	else
		not_ok "$label: the same stdout" "$(cat hs.out)"
	fi
	if [ "$(grep -cxF "$line" hs.err)" = 1 ]; then
		ok "$label: says '$line'"
	else
		not_ok "$label: says '$line'" "stderr: $(cat hs.err)"
	fi
}

echo 1..12

# 1-3: a static binary, built now if libc.a is there.
printf '#include <stdio.h>\nint main(void) { puts("static"); return 3; }\n' >static.c
if "$CC" -static -o static static.c 2>cc.err && ./static >/dev/null; [ $? = 3 ]; then
	same_run "static binary" \
		"heapsnap: ./static is statically linked: the loader cannot preload libheapsnap.so, so nothing will be recorded" \
		./static
else
	for i in 1 2 3; do skip "static binary" "cannot link with -static (no libc.a?)"; done
fi

# 4-6: a setuid copy owned by another user (secure execution: the loader
# drops LD_PRELOAD).  Needs root to give the copy away, and a filesystem
# that honours setuid.
# The copy returns 4 only when it really runs as another user.
printf '#include <stdio.h>\n#include <unistd.h>\nint main(void) { puts("setuid"); return geteuid() != getuid() ? 4 : 9; }\n' >suid.c
if [ "$(id -u)" != 0 ]; then
	for i in 4 5 6; do skip "setuid program" "not root: cannot make a copy owned by another user"; done
elif ! "$CC" -o suid suid.c 2>cc.err || ! chown nobody suid || ! chmod 4755 suid; then
	for i in 4 5 6; do skip "setuid program" "cannot make a setuid copy owned by nobody"; done
else
	chmod 755 "$work"
	./suid >/dev/null 2>&1
	if [ $? != 4 ]; then
		for i in 4 5 6; do skip "setuid program" "the setuid bit has no effect here (nosuid?)"; done
	else
		same_run "setuid program" \
			"heapsnap: ./suid is setuid: the loader ignores LD_PRELOAD for it, so nothing will be recorded" \
			./suid
	fi
fi

# 7-9: a program whose executable defines malloc and free.
same_run "own malloc" \
	"heapsnap: $top_builddir/tests/progs/rec_ownmalloc defines its own malloc: its heap calls never reach libheapsnap.so, so nothing of them will be recorded" \
	"$top_builddir/tests/progs/rec_ownmalloc"

# 10-12: an ordinary program (and a script: its interpreter is inspected)
# gets no such line.
printf '#!/bin/sh\necho script\nexit 6\n' >script.sh
chmod +x script.sh
timeout 30 "$HS_LAUNCHER" --massif-out-file="$work/s.out" ./script.sh >hs.out 2>hs.err
rc=$?
if [ "$rc" = 6 ] && [ "$(cat hs.out)" = script ]; then
	ok "a script runs: status 6, its output"
else
	not_ok "a script runs: status 6, its output" "status $rc, $(cat hs.out)"
fi
if grep -q 'nothing' hs.err; then
	not_ok "a dynamic program: no warning" "$(cat hs.err)"
else
	ok "a dynamic program: no warning"
fi
if [ -s s.out ]; then ok "a dynamic program: recorded"; else not_ok "a dynamic program: recorded"; fi
