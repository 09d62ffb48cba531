#!/bin/sh
# Job control through the launcher: a program that stops is seen stopped
# by whoever waits for the launcher (a shell's job control, a supervisor
# waiting with WUNTRACED), and a stop sent to the launcher's pid (the $!
# a shell holds) stops the program.  Before, the launcher never stopped
# with the program (a parent waiting for the stop waited forever) and
# kill -TSTP $! stopped the launcher alone while the program ran on.
# SIGSTOP sent to the launcher alone cannot be passed on (it cannot be
# caught): not tested here.
set -u

: "${HS_LAUNCHER:?}"
CC=${CC:-cc}
work=$(mktemp -d "${TMPDIR:-/tmp}/hs_stop.XXXXXX") || exit 99
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 99

. "${top_srcdir:?}/tests/tap.sh"
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }

echo 1..4

cat >selfstop.c <<'EOF'
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
int main(void)
{
	void *p = malloc(100);
	printf("before\n");
	fflush(stdout);
	raise(SIGSTOP);
	printf("after\n");
	free(p);
	return 3;
}
EOF
cat >ticks.c <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
int main(void)
{
	for (int i = 0; i < 30; i++) {
		free(malloc(64));
		printf("tick\n");
		fflush(stdout);
		usleep(100000);
	}
	return 0;
}
EOF
# waitstop PROG...: run PROG, wait (WUNTRACED) up to 10 s for it to stop,
# print "stopped" or "not stopped", continue it, print its status.
cat >waitstop.py <<'EOF'
import os, signal, subprocess, sys, time
p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
t0 = time.time()
seen = "not stopped"
while time.time() - t0 < 10:
    pid, st = os.waitpid(p.pid, os.WUNTRACED | os.WNOHANG)
    if pid:
        seen = "stopped" if os.WIFSTOPPED(st) else "ended %d" % os.waitstatus_to_exitcode(st)
        break
    time.sleep(0.02)
print(seen)
os.kill(p.pid, signal.SIGCONT)
print("status %d" % p.wait(timeout=30))
EOF

if ! "$CC" -o selfstop selfstop.c 2>cc.err || ! "$CC" -o ticks ticks.c 2>>cc.err ||
	! command -v python3 >/dev/null; then
	for i in 1 2 3 4; do skip "job control" "no C compiler or python3"; done
	exit 0
fi

# 1-2: the program stops itself.
python3 waitstop.py "$HS_LAUNCHER" -q --massif-out-file="$work/s.out" ./selfstop >got 2>err
if [ "$(cat got)" = "stopped
status 3" ]; then
	ok "a program that stops itself: the launcher is seen stopped, then status 3"
else
	not_ok "a program that stops itself: the launcher is seen stopped, then status 3" \
		"got: $(cat got) $(cat err)"
fi
if [ -s "$work/s.out" ]; then ok "... and its file is written"; else not_ok "... and its file is written"; fi

# 3-4: kill -TSTP on the launcher's pid does to the program what it does
# natively: it stops (no tick while stopped), or, in an orphaned process
# group (a CI job's), the kernel discards it; continued, it runs to its end.
# stopped_ticks OUT PROG...: run PROG in the background, TSTP it after
# 0.5 s, print how many lines it wrote in the next second, continue it;
# its status goes to OUT.rc.
stopped_ticks() {
	out=$1; shift
	"$@" >"$out" 2>"$out.err" &
	bg=$!
	sleep 0.5
	kill -TSTP "$bg"
	sleep 0.3
	before=$(wc -l <"$out")
	sleep 1
	after=$(wc -l <"$out")
	kill -CONT "$bg"
	wait "$bg"
	echo $? >"$out.rc"
	echo $((after - before))
}
native=$(stopped_ticks nat.out ./ticks)
hs=$(stopped_ticks ticks.out "$HS_LAUNCHER" -q --massif-out-file="$work/t.out" ./ticks)
if { [ "$native" = 0 ] && [ "$hs" = 0 ]; } || { [ "$native" != 0 ] && [ "$hs" != 0 ]; }; then
	ok "kill -TSTP on the launcher: the program as natively (stopped: $([ "$native" = 0 ] && echo yes || echo no, an orphaned group))"
else
	not_ok "kill -TSTP on the launcher: the program as natively" \
		"ticks while stopped: native $native, heapsnap $hs"
fi
if [ "$(cat ticks.out.rc)" = 0 ] && [ "$(wc -l <ticks.out)" = 30 ] && [ -s "$work/t.out" ]; then
	ok "... continued, it ends as natively (30 ticks, status 0, file written)"
else
	not_ok "... continued, it ends as natively (30 ticks, status 0, file written)" \
		"rc $(cat ticks.out.rc), $(wc -l <ticks.out) ticks, $(cat ticks.out.err)"
fi
