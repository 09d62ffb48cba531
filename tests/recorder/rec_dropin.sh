#!/bin/sh
# A Valgrind Massif command line runs under heapsnap as is (TAP): the
# Valgrind core options are accepted (and kept out of desc:), messages go
# where --log-file and --log-fd say, -q and -v change how much is said,
# and --pages-as-heap=yes / --stacks=yes are refused in one line.
# Needs HS_LAUNCHER and top_srcdir from AM_TESTS_ENVIRONMENT.
set -u

: "${HS_LAUNCHER:?}"
work=$(mktemp -d "${TMPDIR:-/tmp}/hs_dropin.XXXXXX") || exit 99
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 99

. "${top_srcdir:?}/tests/tap.sh"
check_sh() { # check_sh DESCRIPTION 'SHELL CONDITION': ok when it holds
	if eval "$2"; then ok "$1"; else not_ok "$1"; fi
}
show() { sed 's/^/# /' "$@"; }

echo 1..17

# 1-3: a copied Valgrind command line, "valgrind" included.
"$HS_LAUNCHER" valgrind --tool=massif -q --stats=no --trace-children=no --vgdb=no \
	--time-unit=B "--ignore-fn=allocBuckets(void*, unsigned int)" \
	--massif-out-file=v.out sh -c 'exit 4' 2>err1
rc=$?
check_sh "valgrind --tool=massif ...: runs the program (status 4)" '[ $rc = 4 ]'
check_sh "-q: nothing said" '[ ! -s err1 ]' || show err1
check_sh "desc: lists Massif's options only, as Massif does" \
	'[ "$(head -1 v.out)" = "desc: --time-unit=B --ignore-fn=allocBuckets(void*, unsigned int) --massif-out-file=v.out" ]'

# 4-5: --log-file gets the launcher's lines; stderr stays empty.
"$HS_LAUNCHER" --log-file=log.%p --massif-out-file=l.out sh -c 'echo $$ >pid; exit 0' 2>err2
set -- log.*
n_logs=$# logf=$1
check_sh "--log-file=log.%p: one file, named with the program's pid" \
	'[ $n_logs = 1 ] && [ "$logf" = "log.$(cat pid)" ]'
check_sh "--log-file: 'wrote' is there, stderr is empty" \
	'[ "$(grep -v "^heapsnap:   " "$logf")" = "heapsnap: wrote l.out" ] && [ ! -s err2 ]'

# A log file that cannot be made: one line, exit 1 and the program not run,
# as Valgrind does (it said so twice and ran the program).
"$HS_LAUNCHER" --log-file=nodir/log.%p --massif-out-file=n.out sh -c 'echo ran >ran' 2>err5
rc=$?
check_sh "--log-file in a missing directory: one line naming it, exit 1, nothing run" \
	'[ $rc = 1 ] && [ ! -e ran ] && [ ! -e n.out ] &&
	[ "$(cat err5)" = "heapsnap: --log-file=nodir/log.%p: cannot create a log file in nodir: No such file or directory" ]' || show err5

# 6: --log-fd.
"$HS_LAUNCHER" --log-fd=7 --massif-out-file=f.out sh -c 'exit 0' 7>fd7 2>err3
check_sh "--log-fd=7: 'wrote' goes to descriptor 7" \
	'[ "$(grep -v "^heapsnap:   " fd7)" = "heapsnap: wrote f.out" ] && [ ! -s err3 ]'

# 7-8: a note for an option that changes nothing; -v says more.
"$HS_LAUNCHER" -v --stats=yes --smc-check=all --massif-out-file=n.out sh -c 'exit 0' 2>err4
check_sh "--stats=yes: Massif's statistics; --smc-check=all: a note" \
	'[ "$(grep -c "^heapsnap: --smc-check=.*: ignored: " err4)" = 1 ] &&
	 grep -q "^heapsnap: real snapshots: *[1-9][0-9]*$" err4' || show err4
check_sh "-v: the options passed to the library" \
	'grep -q "^heapsnap: running pid [0-9]* with .*HEAPSNAP_OPTIONS=-v --stats=yes" err4' || show err4

# 9-12: refusals: exit 2, one line naming the option and why (plus the hint).
for opt in --pages-as-heap=yes --stacks=yes --tool=memcheck --heap=maybe; do
	"$HS_LAUNCHER" "$opt" sh -c 'exit 0' 2>err5
	rc=$?
	check_sh "$opt refused: exit 2, one line naming it" \
		'[ $rc = 2 ] && [ "$(grep -c -- "$opt" err5)" = 1 ] && [ "$(wc -l <err5)" = 2 ]' ||
		show err5
done
check_sh "the refusal says why a preload cannot" 'grep -q "not possible with a preload" err5 ||
	{ "$HS_LAUNCHER" --stacks=yes true 2>&1 | grep -q "not possible with a preload"; }'

# 14-16: --heap=no: Massif's single empty snapshot at time 0.
"$HS_LAUNCHER" -q --heap=no --detailed-freq=1 --time-unit=B --massif-out-file=h.out \
	sh -c 'exit 0'
check_sh "--heap=no: one snapshot" '[ "$(grep -c "^snapshot=" h.out)" = 1 ]'
check_sh "--heap=no: at time 0, no bytes, no tree" \
	'[ "$(sed -n "/^time=/,\$p" h.out)" = "time=0
mem_heap_B=0
mem_heap_extra_B=0
mem_stacks_B=0
heap_tree=empty" ]' || show h.out
check_sh "--heap=no is listed in desc:" \
	'[ "$(head -1 h.out)" = "desc: --heap=no --detailed-freq=1 --time-unit=B --massif-out-file=h.out" ]'
