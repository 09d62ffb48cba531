#!/bin/sh
# Smoke test of the heapsnap launcher and libheapsnap.so (TAP).
# Needs HS_LAUNCHER, HS_PRELOAD, MS_PRINT and top_srcdir from AM_TESTS_ENVIRONMENT.
set -u

: "${HS_LAUNCHER:?}" "${HS_PRELOAD:?}"
MS_PRINT=${MS_PRINT:-}
work=$(mktemp -d "${TMPDIR:-/tmp}/hs_smoke.XXXXXX") || exit 99
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 99

. "${top_srcdir:?}/tests/tap.sh"
check_sh() { # check_sh DESCRIPTION 'SHELL CONDITION': ok when it holds
	what=$1; shift
	if eval "$1"; then ok "$what"; else not_ok "$what"; fi
}
ours() { # ours FILE: heapsnap's lines less the summary under each "wrote"
	grep -v '^heapsnap:   ' "$1"
}
ms_print_accepts() { # ms_print_accepts FILE
	[ -z "$MS_PRINT" ] && return 0
	"$MS_PRINT" "$1" >ms_print.out 2>&1
}

echo 1..60

# 1-5: a program's exit status passes through; the file is valid.
"$HS_LAUNCHER" --time-unit=B --massif-out-file="$work/m.%p" sh -c 'exit 3' 2>err1
rc=$?
check "exit status 3 passes through" [ "$rc" = 3 ]
# Each Massif file has its companion series, OUT.series (doc/format-series.md).
set -- $(ls "$work"/m.* | grep -v '\.series$')
check "one file written" [ $# = 1 -a -f "$1" -a -f "$1.series" ]
file=$1
check "the launcher says which file: $(ours err1)" [ "$(ours err1)" = "heapsnap: wrote $(basename "$file")" ]
check "ms_print accepts it" ms_print_accepts "$file"
check "header lines: desc, cmd, time_unit" [ "$(sed -n 1,3p "$file")" = "desc: --time-unit=B --massif-out-file=$work/m.%p
cmd: sh -c exit 3
time_unit: B" ]

# 6-7: bad options are refused before the program starts.
"$HS_LAUNCHER" --dpeth=3 sh -c 'touch ran' 2>err2
rc=$?
check "unknown option: exit 2" [ "$rc" = 2 -a ! -e ran ]
check "unknown option: named on stderr" grep -qx "heapsnap: unknown option '--dpeth=3' (did you mean --depth?)" err2
"$HS_LAUNCHER" --depth=0 sh -c 'touch ran' 2>err2
rc=$?
check_sh "out-of-range value: exit 2, names it" '[ "$rc" = 2 -a ! -e ran ] && grep -q "^heapsnap: .*'"'"'--depth=0'"'"'" err2'

# 9: --time-unit=i only with an instruction counter.
"$HS_LAUNCHER" --time-unit=i --massif-out-file="$work/i.out" sh -c 'exit 0' 2>err3
rc=$?
if [ "$rc" = 2 ]; then
	check "--time-unit=i refused with a clear error" grep -qx "heapsnap: option '--time-unit=i' needs an instruction counter and perf_event_open offers none here; use --time-unit=ms or B" err3
else
	check "--time-unit=i accepted where a counter exists # SKIP counter present" [ "$rc" = 0 ]
fi

# 10-13: programs that cannot run.
"$HS_LAUNCHER" ./no-such-prog 2>err4
rc=$?
check "missing program: exit 127" [ "$rc" = 127 ]
check "missing program: one clear line" [ "$(cat err4)" = "heapsnap: cannot run './no-such-prog': No such file or directory" ]
printf 'x' >notexec
chmod 644 notexec
"$HS_LAUNCHER" ./notexec 2>err5
rc=$?
check_sh "not executable: exit 126, one clear line" '[ "$rc" = 126 ] && grep -qx "heapsnap: cannot run .\./notexec.: Permission denied" err5'
mkdir adir
"$HS_LAUNCHER" ./adir 2>err5d
rc=$?
check_sh "a directory: exit 126, 'Is a directory' as a shell says (execve's EACCES said 'Permission denied')" \
	'[ "$rc" = 126 ] && [ "$(cat err5d)" = "heapsnap: cannot run '"'"'./adir'"'"': Is a directory" ]'

# 14-15: death by a signal left at its default: the file is still written.
"$HS_LAUNCHER" --massif-out-file="$work/sig.out" sh -c 'kill -TERM $$' 2>err6
rc=$?
check "SIGTERM: the launcher dies of it too (143 in the shell)" [ "$rc" = 143 ]
check "SIGTERM: file written and valid" ms_print_accepts sig.out

# 16: _exit writes the file too.
"$HS_LAUNCHER" --quiet --massif-out-file="$work/exit.out" perl -MPOSIX -e 'POSIX::_exit(5)' 2>err7
rc=$?
check_sh "_exit(5): status 5, file valid" '[ "$rc" = 5 ] && grep -q "^cmd: perl -MPOSIX -e POSIX::_exit(5)$" exit.out && ms_print_accepts exit.out'

# 17: --quiet says nothing.
"$HS_LAUNCHER" --quiet --massif-out-file="$work/q.out" sh -c 'exit 0' 2>err8
check "--quiet: stderr empty" [ ! -s err8 -a -f q.out ]

# 18-19: fork: the child writes its own file (a name without %p gets .PID).
"$HS_LAUNCHER" --massif-out-file="$work/fork.out" perl -e 'if (fork) { wait } else { exit 0 }' 2>err9
set -- $(ls "$work"/fork.out.* | grep -v '\.series$')
check "fork: parent's fork.out and child's fork.out.PID" [ -f fork.out -a $# = 1 -a -f "$1" ]
check "fork: both reported" [ "$(grep -c '^heapsnap: wrote fork.out' err9)" = 2 ]

# 20: children are not followed by default: exec'd programs see no preload.
"$HS_LAUNCHER" --quiet --massif-out-file="$work/env.out" sh -c 'env >env.txt' 2>/dev/null
# (HEAPSNAP_DEBUG_CACHE is the test environment's, not the launcher's.)
check_sh "no LD_PRELOAD/HEAPSNAP_OPTIONS in children" '[ -s env.txt ] && ! grep -q "^LD_PRELOAD=.*libheapsnap" env.txt && ! grep "^HEAPSNAP_" env.txt | grep -qv "^HEAPSNAP_DEBUG_CACHE="'

# 21: without the launcher.
# The library starts a detached resolver at the end: wait for its file.
LD_PRELOAD=$HS_PRELOAD HEAPSNAP_OPTIONS="--time-unit=B --massif-out-file=$work/direct.out" sh -c 'exit 0' 2>/dev/null
i=0
while [ ! -e direct.out ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
check "LD_PRELOAD alone writes the file" ms_print_accepts direct.out

# 22: a bad HEAPSNAP_OPTIONS: one line, the program runs unrecorded.
out=$(LD_PRELOAD=$HS_PRELOAD HEAPSNAP_OPTIONS="--bogus" sh -c 'echo ran' 2>err10)
check "bad HEAPSNAP_OPTIONS: program runs, one line" [ "$out" = ran -a "$(cat err10)" = "heapsnap: HEAPSNAP_OPTIONS: unknown option '--bogus'; running unrecorded" ]

# 23: an unwritable file: one line, exit status unchanged.
"$HS_LAUNCHER" --massif-out-file=/nonexistent-dir/m.out sh -c 'exit 4' 2>err11
rc=$?
check "unwritable file: status kept, one line" [ "$rc" = 4 -a "$(cat err11)" = "heapsnap: cannot write /nonexistent-dir/m.out: No such file or directory" ]

# 24-25: --trace-children=yes: an exec'd program writes its own file.
"$HS_LAUNCHER" --quiet --trace-children=yes --massif-out-file="$work/tc.%p" sh -c 'perl -e 1; exit 0' 2>/dev/null
set -- $(ls "$work"/tc.* | grep -v '\.series$')
check "trace-children: the shell's file and perl's" [ $# = 2 ]
perl_file=$(grep -l "^cmd: perl -e 1$" "$@")
check_sh "trace-children: perl's file is valid" '[ -n "$perl_file" ] && ms_print_accepts "$perl_file"'

# 26-27: SIGTERM sent to the launcher goes to the program, which dies of it.
"$HS_LAUNCHER" --quiet --massif-out-file="$work/fwd.out" perl -e 'open(F, ">started"); close(F); sleep 30' &
launcher=$!
i=0
while [ ! -e started ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
kill -TERM "$launcher"
wait "$launcher"
rc=$?
check "SIGTERM to the launcher: forwarded, exit 143" [ "$rc" = 143 ]
check "SIGTERM to the launcher: the program's file is valid" ms_print_accepts fwd.out

# 28: a program that closes every fd still gets its file (opened at exit).
"$HS_LAUNCHER" --quiet --massif-out-file="$work/closed.out" perl -MPOSIX -e 'POSIX::close($_) for 0..255; exit 6' 2>/dev/null
rc=$?
check_sh "all fds closed: status 6, file valid" '[ "$rc" = 6 ] && ms_print_accepts closed.out'
# 29: and --print still shows it (issue 12 item 5): the launcher's own
# descriptors are not the program's.
"$HS_LAUNCHER" --print --massif-out-file="$work/closedp.out" perl -MPOSIX -e 'POSIX::close($_) for 0..255; exit 6' >outp 2>errp
rc=$?
check_sh "all fds closed, --print: status 6, the file named and printed" '[ "$rc" = 6 ] &&
	[ "$(cat errp)" = "heapsnap: wrote closedp.out" ] && grep -q "^Command: *perl -MPOSIX" outp &&
	grep -q "^Summary:" outp'

# 30-33 need SIGINT at its default, which a shell run in the background
# (nohup, a CI runner's job) hands its commands ignored: restore it.
dfl_int() { env --default-signal=INT "$@"; }

# 30: the program sees SIG_DFL where our handler stands.
h=$(dfl_int "$HS_LAUNCHER" --quiet --massif-out-file="$work/sa.out" perl -MPOSIX -e 'my $o = POSIX::SigAction->new; POSIX::sigaction(POSIX::SIGINT(), undef, $o); print $o->handler' 2>/dev/null)
check "sigaction query shows DEFAULT, not our handler" [ "$h" = DEFAULT ]

# 31-32: the program's own SIGTERM handler runs (we step aside); the file
# is written at its exit.
"$HS_LAUNCHER" --quiet --massif-out-file="$work/own.out" perl -e '$SIG{TERM} = sub { exit 9 }; kill "TERM", $$; sleep 5; exit 1' 2>/dev/null
rc=$?
check "own SIGTERM handler: exit 9" [ "$rc" = 9 ]
check "own SIGTERM handler: file valid" ms_print_accepts own.out

# 33: SIGINT at its default: file written, death by SIGINT (130).
dfl_int "$HS_LAUNCHER" --quiet --massif-out-file="$work/int.out" perl -e 'kill "INT", $$; sleep 5' 2>/dev/null
rc=$?
check_sh "SIGINT default: exit 130, file valid" '[ "$rc" = 130 ] && ms_print_accepts int.out'

# 34: a traced program that closes the low descriptors (as a jobserver
# client such as cargo may: MAKEFLAGS names fds 3 and 4) and then execs
# another: the new image still reports to the launcher, which writes the
# one file and names it once (no late resolver of the program's own).
"$HS_LAUNCHER" --trace-children=yes --massif-out-file="$work/lowfd.out" \
	sh -c 'exec 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&-; exec perl -e "exit 4"' 2>err32
rc=$?
check_sh "low fds closed, then exec: status 4, one file, named once by the launcher" \
	'[ "$rc" = 4 ] && [ "$(ours err32)" = "heapsnap: wrote lowfd.out" ] && ms_print_accepts lowfd.out'

# 35: a traced program that marks the channel close-on-exec (cargo's
# jobserver client does so to the fds MAKEFLAGS names, whatever they are)
# and then execs another: the library keeps the channel open across the
# exec, so the new image reports to the launcher, which names its file.
"$HS_LAUNCHER" --trace-children=yes --massif-out-file="$work/cloexec.out" \
	perl -e 'use Fcntl; open(my $fh, "+<&=", $ENV{HEAPSNAP_REPORT_FD}) or die "$!";
		fcntl($fh, F_SETFD, FD_CLOEXEC) or die "$!"; exec "perl", "-e", "exit 4"' 2>err33
rc=$?
check_sh "channel marked close-on-exec, then exec: status 4, one file, named once by the launcher" \
	'[ "$rc" = 4 ] && [ "$(ours err33)" = "heapsnap: wrote cloexec.out" ] && ms_print_accepts cloexec.out'

# 36-42: a misspelt option: exit 2 before the program runs, the option it
# may be a typo of (Massif's, Valgrind's, the launcher's own), then the hint.
bad_option() { # bad_option DESCRIPTION FIRST-LINE OPTION
	rm -f ran
	"$HS_LAUNCHER" "$3" sh -c 'touch ran' >out12 2>err12
	rc=$?
	if [ "$rc" = 2 ] && [ ! -e ran ] && [ ! -s out12 ] && [ "$(cat err12)" = "$2
heapsnap: try 'heapsnap --help'" ]; then
		ok "$1"
	else
		not_ok "$1" "exit $rc" "$(cat err12)"
	fi
}
bad_option "did you mean: Massif's option" \
	"heapsnap: unknown option '--max-snapshot=50' (did you mean --max-snapshots?)" --max-snapshot=50
bad_option "did you mean: a Valgrind core option" \
	"heapsnap: unknown option '--trace-childern=yes' (did you mean --trace-children?)" --trace-childern=yes
bad_option "did you mean: the launcher's own option" \
	"heapsnap: unknown option '--prnit' (did you mean --print?)" --prnit
bad_option "did you mean: a unique prefix" \
	"heapsnap: unknown option '--massif-out=x' (did you mean --massif-out-file?)" --massif-out=x
bad_option "nothing near: no guess" "heapsnap: unknown option '--frobnicate'" --frobnicate
bad_option "a known option without its value: no guess" "heapsnap: unknown option '--heap'" --heap
# An accepted option too long to pass on: a message, not stale bytes.
bad_option "an option too long to pass on" \
	"heapsnap: option too long: '--suppressions=xxxxxxxxxxxxxxxxxxxxxxxxx...'" \
	"--suppressions=$(head -c 9000 /dev/zero | tr '\0' x)"

# 43-46: -h and --help print the usage on stdout and exit 0, the program
# not run; so does a copied Valgrind command line asking for help.
for args in "-h" "--help" "--depth=3 --help" "valgrind --tool=massif --help"; do
	rm -f ran
	# shellcheck disable=SC2086 # args is split on purpose
	"$HS_LAUNCHER" $args sh -c 'touch ran' >out13 2>err13
	rc=$?
	check_sh "heapsnap $args: usage on stdout, exit 0" '[ "$rc" = 0 ] && [ ! -e ran ] && [ ! -s err13 ] &&
		[ "$(head -n 1 out13)" = "usage: heapsnap [options] [--] program [args...]" ] &&
		grep -qx "  -h, --help               show this text" out13'
done

# 47: a program that closed its end of the "fnranges" socket before the
# launcher answered (it gave up waiting, or died starting): the launcher
# gets EPIPE, not SIGPIPE, and exits with the program's status (7, not
# 141).  A stand-in asks as libheapsnap.so does (doc/design.md).
if command -v python3 >/dev/null 2>&1; then
	cat >fake_fnranges.py <<'PY'
import os, socket, sys, time
ch = socket.socket(fileno=os.dup(int(os.environ["HEAPSNAP_REPORT_FD"])))
mine, theirs = socket.socketpair()
mine.close()
socket.send_fds(ch, [b"fnranges %d" % os.getpid()], [theirs.fileno()])
theirs.close()
time.sleep(0.5)
sys.exit(7)
PY
	"$HS_LAUNCHER" --trace-children=yes python3 fake_fnranges.py >out14 2>err14
	rc=$?
	check_sh "fnranges: the program's end closed, the launcher exits 7 (got $rc)" '[ "$rc" = 7 ]'
else
	n=$((n + 1)); echo "ok $n # SKIP python3 missing"
fi

# 48: a program that starts another as its child (timeout, sudo...) is
# recorded alone without --trace-children=yes: a note says so, once; with
# it, none.  One that execs it (env, nice...) is followed, so no note, but
# with --follow-exec=no the same note.
"$HS_LAUNCHER" -q --massif-out-file="$work/envnote.out" timeout 5 true 2>err15
"$HS_LAUNCHER" -q --trace-children=yes --massif-out-file="$work/envnote2.out" timeout 5 true 2>err16
"$HS_LAUNCHER" -q --massif-out-file="$work/envnote3.out" env true 2>err17
"$HS_LAUNCHER" -q --follow-exec=no --massif-out-file="$work/envnote4.out" env true 2>err18
check_sh "timeout, env: a note only where the program run is not recorded" \
	'[ "$(cat err15)" = "heapsnap: note: '"'"'timeout'"'"' runs another program, which is recorded only with --trace-children=yes (or put heapsnap after '"'"'timeout'"'"')" ] && [ ! -s err16 ] && [ ! -s err17 ] && [ "$(cat err18)" = "heapsnap: note: '"'"'env'"'"' runs another program, which is recorded only with --trace-children=yes (or put heapsnap after '"'"'env'"'"')" ] && grep -qx "cmd: true" "$work/envnote3.out"'

# 49-51: what a shell says of a file it cannot run, where execvp misleads.
# A script whose "#!" interpreter is missing is not itself missing; a
# damaged binary is not run through /bin/sh (whose syntax errors echo its
# bytes); a script without "#!" is, as a shell runs it.
printf '#!/no/such/interp -x\necho hi\n' >badinterp
printf '\177ELF\002\001\001garbage\000\000\000\000' >badelf
printf 'echo "no #! line, run by sh: $1"\n' >noshebang
chmod +x badinterp badelf noshebang
"$HS_LAUNCHER" -q ./badinterp 2>err19
rc=$?
check_sh "missing #! interpreter: exit 127, the interpreter named" \
	'[ "$rc" = 127 ] && [ "$(cat err19)" = "heapsnap: cannot run '"'"'./badinterp'"'"': /no/such/interp: bad interpreter: No such file or directory" ]'
"$HS_LAUNCHER" -q ./badelf >out20 2>err20
rc=$?
check_sh "damaged ELF: exit 126, one line, not run by sh" \
	'[ "$rc" = 126 ] && [ ! -s out20 ] && [ "$(cat err20)" = "heapsnap: cannot run '"'"'./badelf'"'"': cannot execute binary file: Exec format error" ]'
"$HS_LAUNCHER" -q --massif-out-file="$work/nosb.out" ./noshebang arg >out21 2>err21
rc=$?
check_sh "script without #!: run by sh as a shell does, and recorded" \
	'[ "$rc" = 0 ] && [ "$(cat out21)" = "no #! line, run by sh: arg" ] && [ ! -s err21 ] && [ -s "$work/nosb.out" ]'

# 52: heapsnap prog 2>&1 | head -1: the reader is gone when the launcher
# writes its summary.  It died of SIGPIPE (status 141, where the program
# ended 0: a pipefail CI job failed); it now gives the program's status.
{ "$HS_LAUNCHER" --massif-out-file="$work/pipe.out" sh -c 'echo first; sleep 0.3' 2>&1; echo "rc=$?" >rc22; } | head -1 >out22
check_sh "summary into a closed pipe: the program's status (0), its line read, the file written" \
	'[ "$(cat rc22)" = "rc=0" ] && [ "$(cat out22)" = "first" ] && [ -s "$work/pipe.out" ]'

# 53: a file size limit (ulimit -f) holds for the raw record too: a write
# past it raised SIGXFSZ, which killed the program (status 153, its last
# line never printed).  The record now stops short of it, saying so once.
if [ -x /usr/bin/python3 ]; then
	(ulimit -f 200 && "$HS_LAUNCHER" --massif-out-file="$work/fsize.out" /usr/bin/python3 -c \
		'x = [str(i) for i in range(300000)]; print("done")' >out23 2>err23; echo "rc=$?" >>out23)
	check_sh "ulimit -f: the program ends as natively (done, status 0), the record stops with one line" \
		'[ "$(cat out23)" = "done
rc=0" ] && [ "$(grep -c "file size limit (ulimit -f) is reached, recording stopped" err23)" = 1 ]'
else
	ok "ulimit -f # SKIP no /usr/bin/python3"
fi

# 54: a small stack limit (ulimit -s 256, set hard as bash sets it) is the
# program's, and the launcher inherits it: naming frames with libdw took
# deeper stacks than that, and the launcher died of SIGSEGV after the
# program ended (status 139, no Massif file).  It now names them on a
# thread of its own stack.
cat >stk.c <<'EOF'
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
static void *t(void *a) { for (int i = 0; i < 1000; i++) free(malloc(i)); return a; }
int main(void)
{
	pthread_t th[4];
	for (int i = 0; i < 4; i++)
		pthread_create(&th[i], 0, t, 0);
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], 0);
	void *keep = malloc(4000);
	printf("done %d\n", keep != 0);
	return 3;
}
EOF
if ${CC:-cc} -g -O1 -pthread -o stk stk.c 2>/dev/null; then
	(ulimit -s 256 && "$HS_LAUNCHER" -q --massif-out-file="$work/stk.out" ./stk >out24 2>err24
	 echo "rc=$?" >>out24)
	check_sh "ulimit -s 256: the program's status (3) and output, the file written" \
		'[ "$(cat out24)" = "done 1
rc=3" ] && [ -s "$work/stk.out" ] && ms_print_accepts "$work/stk.out"'
else
	ok "ulimit -s 256 # SKIP no C compiler"
fi

# 55: a process whose end the launcher no longer took (both ending: a
# Python forkserver) starts its own `heapsnap --resolve`, marked with
# HEAPSNAP_RESOLVE_DETACHED; if the launcher resolved the record first,
# that one says nothing (it said "RAW: No such file or directory", even
# with -q).  Run by hand, a missing record is still an error.
HEAPSNAP_RESOLVE_DETACHED=1 "$HS_LAUNCHER" -q --resolve "$work/gone.raw" "$work/gone.out" >out25 2>err25
rc_detached=$?
"$HS_LAUNCHER" -q --resolve "$work/gone.raw" "$work/gone.out" >>out25 2>err25b
rc_user=$?
check_sh "--resolve of a record already taken: silent and 0 when detached, an error by hand" \
	'[ $rc_detached = 0 ] && [ ! -s err25 ] && [ $rc_user = 1 ] && grep -q "gone.raw" err25b'

# 56: --trace-children=yes through a pid namespace (unshare --pid, as
# bwrap, firejail and containers run programs): a traced process there
# reports its own pid (2), and the launcher took kill(2, 0), which found
# its own kthreadd, for the process still running, so the record of one
# killed by SIGKILL was never resolved (massif.out.2.raw left, no file).
# The launcher now has each message's sender from SCM_CREDENTIALS.
cat >kill9.c <<'EOF2'
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
int main(void)
{
	for (int i = 0; i < 100; i++)
		if (malloc(1000) == NULL)
			return 1;
	printf("dying\n");
	fflush(stdout);
	kill(getpid(), SIGKILL);
	return 0;
}
EOF2
mkdir -p "$work/ns"
if ! ${CC:-cc} -O1 -o kill9 kill9.c 2>/dev/null; then
	ok "pid namespace, SIGKILL # SKIP no C compiler"
elif ! unshare --pid --fork true 2>/dev/null; then
	ok "pid namespace, SIGKILL # SKIP unshare --pid is not allowed here"
else
	(cd "$work/ns" && "$HS_LAUNCHER" -q --trace-children=yes unshare --pid --fork \
		/bin/sh -c "$work/kill9; echo rc=\$?" >out26 2>err26)
	check_sh "pid namespace: a traced program killed by SIGKILL has its file, no raw record left" \
		'[ "$(cat "$work/ns/out26")" = "dying
rc=137" ] && [ -z "$(ls "$work/ns" | grep "\.raw$")" ] &&
		grep -qx "cmd: $work/kill9" "$work/ns/massif.out.2" && ms_print_accepts "$work/ns/massif.out.2" &&
		[ "$(sed -n "s/^mem_heap_B=//p" "$work/ns/massif.out.2" | sort -n | tail -1)" -ge 90000 ]'
fi

# 57: a command line that fits natively, within a few hundred bytes of the
# system's limit, did not fit with heapsnap's variables beside it: the
# program did not run ("cannot run: Argument list too long", status 126).
# It now runs as natively, unrecorded, with one line.
python3 - "$HS_LAUNCHER" >out27 2>err27 <<'EOF2'
import errno, subprocess, sys
def fits(n):
    argv = ["/bin/sh", "-c", "echo ran $#", "sh"] + ["x" * 100000] * (n // 100000) + ["y" * (n % 100000 + 1)]
    try:
        return subprocess.run(argv, stdout=subprocess.PIPE).stdout.decode().strip(), argv
    except OSError as e:
        if e.errno != errno.E2BIG:
            raise
        return None, argv
lo, hi = 0, 1 << 24  # the largest argument bytes that fit natively
while hi - lo > 1:
    mid = (lo + hi) // 2
    lo, hi = (mid, hi) if fits(mid)[0] else (lo, mid)
# Room for the launcher's own words ("heapsnap -q"), none for its variables.
native, argv = fits(lo - len(sys.argv[1]) - 48)
r = subprocess.run([sys.argv[1], "-q"] + argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
print(native, r.stdout.decode().strip(), r.returncode)
sys.stderr.write(r.stderr.decode())
EOF2
check_sh "a command line at the system's limit: runs as natively, unrecorded, one line" \
	'set -- $(cat out27) - - - - -; [ "$1" = ran ] && [ "$1 $2" = "$3 $4" ] && [ "$5" = 0 ] &&
	[ "$(cat err27)" = "heapsnap: the command line and heapsnap'"'"'s environment together pass the system'"'"'s limit (E2BIG): running '"'"'/bin/sh'"'"' unrecorded" ]'

# 58: --trace-children=yes, run as root, a program that drops its
# privileges (setuid) and then execs: at the exec its record was removed
# for the new image to take the name over, and the new image, no longer
# root, could not write in the directory: the program's 5000 bytes were
# lost (no file, only the new image's "cannot write"). The record is now
# kept and written when the process can no longer write there.
cat >drop.c <<'EOF2'
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
int main(void)
{
	char *volatile keep = malloc(5000);
	(void)keep;
	if (setgid(65534) != 0 || setuid(65534) != 0)
		return 2;
	execl("/bin/sh", "sh", "-c", "echo dropped", (char *)NULL);
	return 3;
}
EOF2
mkdir -p "$work/drop"
chmod 755 "$work/drop"
if [ "$(id -u)" != 0 ]; then
	ok "setuid, then exec # SKIP not run as root"
elif ! ${CC:-cc} -O1 -o "$work/drop/drop" drop.c 2>/dev/null; then
	ok "setuid, then exec # SKIP no C compiler"
else
	(cd "$work/drop" && "$HS_LAUNCHER" -q --trace-children=yes ./drop >out28 2>err28; echo "rc=$?" >>out28)
	f=$(ls "$work/drop" | grep '^massif\.out\.[0-9]*$')
	check_sh "setuid, then exec (traced): the program's record written, none lost" \
		'[ "$(cat "$work/drop/out28")" = "dropped
rc=0" ] && [ -n "$f" ] && [ -z "$(ls "$work/drop" | grep "\.raw$")" ] &&
		grep -qx "cmd: ./drop" "$work/drop/$f" && grep -qx "mem_heap_B=5000" "$work/drop/$f" &&
		ms_print_accepts "$work/drop/$f"'
fi

# 59: the same program without --trace-children: the exec is followed
# (the new image takes the record over), the new image cannot write, and
# the record before the exec is written.  Its one line said "cannot
# write FILE" of the very file written; it now says what the file holds.
if [ "$(id -u)" != 0 ] || [ ! -x "$work/drop/drop" ]; then
	ok "setuid, then exec (followed) # SKIP not run as root, or no C compiler"
else
	rm -f "$work/drop/"massif.out.*
	(cd "$work/drop" && "$HS_LAUNCHER" -q ./drop >out29 2>err29; echo "rc=$?" >>out29)
	f=$(ls "$work/drop" | grep '^massif\.out\.[0-9]*$')
	check_sh "setuid, then exec (followed): the record before the exec written, one line saying so" \
		'[ "$(cat "$work/drop/out29")" = "dropped
rc=0" ] && [ -n "$f" ] && grep -qx "mem_heap_B=5000" "$work/drop/$f" &&
		[ "$(cat "$work/drop/err29")" = "heapsnap: cannot write $work/drop/$f: Permission denied (after the exec: the file holds the program until then)" ]'
fi

# 60: a launcher option in HEAPSNAP_OPTIONS (the library preloaded alone,
# as a service's unit file does it) was called unknown, as if misspelt;
# the line now says whose option it is and how to run it.
out=$(LD_PRELOAD=$HS_PRELOAD HEAPSNAP_OPTIONS="--time-unit=B --dump-every=30s" sh -c 'echo ran' 2>err30)
check "a launcher option in HEAPSNAP_OPTIONS: program runs, one line naming the launcher" \
	[ "$out" = ran -a "$(cat err30)" = "heapsnap: HEAPSNAP_OPTIONS: '--dump-every=30s' is an option of the heapsnap launcher, not of the library alone (run: heapsnap --dump-every=30s PROGRAM); running unrecorded" ]
