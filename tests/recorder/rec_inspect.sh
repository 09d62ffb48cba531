#!/bin/sh
# One line says when nothing can be recorded (issue 10, item 4): a static
# binary, a setuid program, a program built with a sanitizer's runtime
# library (the launcher's line, before the run; the last is run without
# the library: AddressSanitizer's exits if another comes first), a program
# with its own malloc (libheapsnap.so's, at its start: see also
# rec_otheralloc.sh).  Each still runs as natively: the same stdout, the
# same status.
# A static program's children are recorded only with --trace-children=yes
# (the library never loaded in it, so it could not hide itself from them),
# a program it becomes by exec with --follow-exec, and the line says which.
set -u

: "${HS_LAUNCHER:?}" "${top_builddir:?}"
work=$(mktemp -d "${TMPDIR:-/tmp}/hs_inspect.XXXXXX") || exit 99
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 99
CC=${CC:-cc}

. "${top_srcdir:?}/tests/tap.sh"
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

echo 1..29

# 1-3: a static binary, built now if libc.a is there.
printf '#include <stdio.h>\nint main(void) { puts("static"); return 3; }\n' >static.c
if "$CC" -static -o static static.c 2>cc.err && ./static >/dev/null; [ $? = 3 ]; then
	same_run "static binary" \
		"heapsnap: ./static is statically linked: the loader cannot preload libheapsnap.so, so nothing will be recorded unless it becomes a dynamically linked program by exec (--follow-exec)" \
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

# 13-20: a static program that runs dynamic ones.  It never loads the
# library, so it cannot take LD_PRELOAD out of its children's environment:
# with --trace-children=no (the default) the library of each child finds
# it is not the process the launcher started, and records nothing (nor
# lets its own children see it).  With --follow-exec=no as well nothing
# can be recorded, and the launcher does not preload at all.
cat >parent.c <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
/* parent fork PROG ARGS...: run PROG as a child, exit with its status;
 * parent envp PROG ARGS...: the same, passing main's own environment
 * (the one the program started with); parent exec PROG ARGS...: become it. */
int main(int argc, char **argv, char **envp)
{
	if (argc < 3)
		return 99;
	if (strcmp(argv[1], "exec") == 0) {
		execv(argv[2], argv + 2);
		return 127;
	}
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		if (strcmp(argv[1], "envp") == 0)
			execve(argv[2], argv + 2, envp);
		else
			execv(argv[2], argv + 2);
		_exit(127);
	}
	int st;
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return 98;
	printf("child %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	return 0;
}
EOF
# The child: a dynamic shell that reports whether the library is mapped in
# it, its descriptors, and what a grandchild inherits.
child='grep -c libheapsnap /proc/$$/maps >child.maps; ls /proc/$$/fd >child.fds; sh -c "env >grandchild.env"; exit 5'
files() { ls m.* 2>/dev/null | grep -vc '\.series$'; }
clean() { rm -f m.* child.maps child.fds grandchild.env; }
# hidden FILE: no libheapsnap.so in LD_PRELOAD, no HEAPSNAP_* of ours.
hidden() {
	[ -f "$1" ] && ! grep -q '^LD_PRELOAD=.*libheapsnap' "$1" &&
		! grep '^HEAPSNAP_' "$1" | grep -qv '^HEAPSNAP_DEBUG_CACHE='
}
if "$CC" -static -o parent_static parent.c 2>cc.err && ./parent_static fork /bin/sh -c 'exit 0' >/dev/null; then
	clean
	"$HS_LAUNCHER" --massif-out-file="$work/m.%p" ./parent_static fork /bin/sh -c "$child" >out 2>err
	rc=$?
	if [ "$rc" = 0 ] && [ "$(cat out)" = "child 5" ] && [ "$(files)" = 0 ]; then
		ok "static parent, defaults: its child runs (status 5) and is not recorded"
	else
		not_ok "static parent, defaults: its child runs (status 5) and is not recorded" \
			"rc $rc, $(cat out), files: $(ls m.* 2>/dev/null)" "$(cat err)"
	fi
	if hidden grandchild.env; then
		ok "static parent, defaults: the child's own children see no LD_PRELOAD of ours"
	else
		not_ok "static parent, defaults: the child's own children see no LD_PRELOAD of ours" \
			"$(grep -e LD_PRELOAD -e HEAPSNAP_ grandchild.env)"
	fi
	line="heapsnap: ./parent_static is statically linked: the loader cannot preload libheapsnap.so, so nothing will be recorded unless it becomes a dynamically linked program by exec (--follow-exec)"
	if [ "$(cat err)" = "$line" ]; then
		ok "static parent, defaults: the one line says what may be recorded"
	else
		not_ok "static parent, defaults: the one line says what may be recorded" "$(cat err)"
	fi

	clean
	./parent_static fork /bin/sh -c "$child" >/dev/null 2>&1
	mv child.fds native.fds
	"$HS_LAUNCHER" --follow-exec=no --massif-out-file="$work/m.%p" ./parent_static fork /bin/sh -c "$child" >out 2>err
	rc=$?
	line="heapsnap: ./parent_static is statically linked: the loader cannot preload libheapsnap.so, so nothing will be recorded"
	if [ "$rc" = 0 ] && [ "$(cat out)" = "child 5" ] && [ "$(files)" = 0 ] && [ "$(cat err)" = "$line" ]; then
		ok "static parent, --follow-exec=no: nothing recorded, 'nothing will be recorded'"
	else
		not_ok "static parent, --follow-exec=no: nothing recorded, 'nothing will be recorded'" \
			"rc $rc, $(cat out), files: $(ls m.* 2>/dev/null)" "$(cat err)"
	fi
	# Not preloaded at all: the library is not even mapped in the child,
	# which has the descriptors it has natively, none of ours (the
	# launcher's channel and live page).
	if [ "$(cat child.maps)" = 0 ] && cmp -s native.fds child.fds; then
		ok "static parent, --follow-exec=no: run without the library or our descriptors"
	else
		not_ok "static parent, --follow-exec=no: run without the library or our descriptors" \
			"mappings: $(cat child.maps), fds: $(tr '\n' ' ' <child.fds), natively $(tr '\n' ' ' <native.fds)"
	fi

	clean
	"$HS_LAUNCHER" --trace-children=yes --massif-out-file="$work/m.%p" ./parent_static fork /bin/sh -c 'exit 5' >out 2>err
	rc=$?
	line="heapsnap: ./parent_static is statically linked: the loader cannot preload libheapsnap.so, so only the dynamically linked programs it runs will be recorded (--trace-children=yes)"
	if [ "$rc" = 0 ] && [ "$(files)" = 1 ] && grep -q '^cmd: /bin/sh -c exit 5$' m.[0-9]* && grep -qxF "$line" err; then
		ok "static parent, --trace-children=yes: its child recorded, and the line says so"
	else
		not_ok "static parent, --trace-children=yes: its child recorded, and the line says so" \
			"rc $rc, files: $(ls m.* 2>/dev/null)" "$(cat err)"
	fi

	# exec, the same process: --follow-exec records the program it becomes.
	clean
	"$HS_LAUNCHER" --massif-out-file="$work/m.%p" ./parent_static exec /bin/sh -c 'exit 6' >out 2>err
	rc=$?
	if [ "$rc" = 6 ] && [ "$(files)" = 1 ] && grep -q '^cmd: /bin/sh -c exit 6$' m.[0-9]*; then
		ok "static parent's exec, --follow-exec: the program it becomes is recorded"
	else
		not_ok "static parent's exec, --follow-exec: the program it becomes is recorded" \
			"rc $rc, files: $(ls m.* 2>/dev/null)" "$(cat err)"
	fi
	clean
	"$HS_LAUNCHER" --follow-exec=no --massif-out-file="$work/m.%p" ./parent_static exec /bin/sh -c 'exit 6' >out 2>err
	rc=$?
	if [ "$rc" = 6 ] && [ "$(files)" = 0 ]; then
		ok "static parent's exec, --follow-exec=no: nothing recorded"
	else
		not_ok "static parent's exec, --follow-exec=no: nothing recorded" \
			"rc $rc, files: $(ls m.* 2>/dev/null)" "$(cat err)"
	fi
else
	for i in 13 14 15 16 17 18 19 20; do skip "static parent" "cannot link with -static (no libc.a?)"; done
fi

# 21-23: a dynamic parent that passes its child the environment it started
# with (main's envp: the library empties LD_PRELOAD's value there in place
# when it hides itself): the parent is recorded, and its forked child until
# the exec (forks are always recorded), but not the program exec'd, nor
# its own children.
if "$CC" -o parent_dyn parent.c 2>cc.err; then
	clean
	"$HS_LAUNCHER" --massif-out-file="$work/m.%p" ./parent_dyn envp /bin/sh -c "$child" >out 2>err
	rc=$?
	if [ "$rc" = 0 ] && [ "$(cat out)" = "child 5" ]; then
		ok "envp passed on: the child runs (status 5)"
	else
		not_ok "envp passed on: the child runs (status 5)" "rc $rc, $(cat out)" "$(cat err)"
	fi
	if [ "$(files)" = 2 ] && [ "$(grep -l '^cmd: ./parent_dyn envp' m.[0-9]* | grep -vc '\.series$')" = 2 ]; then
		ok "envp passed on: the parent recorded, and its fork until the exec, not the program exec'd"
	else
		not_ok "envp passed on: the parent recorded, and its fork until the exec, not the program exec'd" \
			"files: $(grep '^cmd:' m.[0-9]*)" "$(cat err)"
	fi
	if hidden grandchild.env; then
		ok "envp passed on: the child's own children see no LD_PRELOAD of ours"
	else
		not_ok "envp passed on: the child's own children see no LD_PRELOAD of ours" \
			"$(grep -e LD_PRELOAD -e HEAPSNAP_ grandchild.env)"
	fi
else
	for i in 21 22 23; do skip "dynamic parent" "cannot compile: $(cat cc.err)"; done
fi

# 24-29: programs built with gcc's -fsanitize=address and =thread: their
# runtime library replaces malloc, and AddressSanitizer's exits with
# "ASan runtime does not come first in initial library list" behind a
# preloaded one.  They run as natively, without the library: no file.
printf '#include <stdio.h>\n#include <stdlib.h>\nint main(void) { char *p = malloc(100); p[0] = 7; printf("sanitized %%d\\n", p[0]); free(p); return 6; }\n' >san.c
for san in address:AddressSanitizer:libasan thread:ThreadSanitizer:libtsan; do
	opt=${san%%:*} rest=${san#*:}
	name=${rest%%:*} lib=${rest#*:}
	if "$CC" -fsanitize="$opt" -o "san_$opt" san.c 2>cc.err && ./"san_$opt" >/dev/null 2>&1; [ $? = 6 ]; then
		so=$(ldd "./san_$opt" | sed -n "s/^[[:space:]]*\($lib\.so[^ ]*\) .*/\1/p")
		clean
		same_run "-fsanitize=$opt" \
			"heapsnap: ./san_$opt is built with $name ($so), whose malloc must come before any other: it runs without libheapsnap.so, so nothing will be recorded" \
			"./san_$opt"
	else
		for i in 1 2 3; do skip "-fsanitize=$opt" "cannot build and run: $(head -1 cc.err)"; done
	fi
done
