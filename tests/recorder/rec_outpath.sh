#!/bin/sh
# The output path (--massif-out-file) the resolver would refuse: /dev/null,
# a directory, a symbolic link, a FIFO, or such a thing at OUT.series.  The
# launcher refuses it before the program runs (exit 2, one line naming the
# option and the path); the library alone (LD_PRELOAD by hand, a %p name)
# runs the program unrecorded, with one line.  No OUT.raw is left behind,
# and no OUT.1 is written at the next run.  A name refused only at the end
# (made a directory while the program ran) keeps its raw record, and the
# line says where.  A regular file is replaced, and a name whose OUT.raw
# is taken still gets OUT.1, as before (TAP).
set -u

: "${HS_LAUNCHER:?}" "${HS_PRELOAD:?}"
work=$(mktemp -d "${TMPDIR:-/tmp}/hs_outpath.XXXXXX") || exit 99
# A launcher that fails cases 1-2 leaves /dev/null.raw (and /dev/null.1):
# removed at the end when they were not there at the start.
dev_clean=
[ -e /dev/null.raw ] || [ -e /dev/null.1 ] || dev_clean=1
trap 'rm -rf "$work"; [ -z "$dev_clean" ] || rm -f /dev/null.raw /dev/null.1 /dev/null.1.series' EXIT
cd "$work" || exit 99

. "${top_srcdir:?}/tests/tap.sh"
check_sh() { # check_sh DESCRIPTION 'SHELL CONDITION' [DIAGNOSTIC FILE]
	if eval "$2"; then ok "$1"; else not_ok "$1" "$(cat "${3:-/dev/null}" 2>/dev/null)"; fi
}

echo 1..16

# refused LABEL OUT WANT: 1 check: exit 2, the line WANT alone on stderr,
# the program not run (it would make ran.txt), no OUT.raw, nothing new.
refused() {
	r_out=$2 r_want=$3
	rm -f ran.txt
	: >out; : >err; : >after
	ls -A >before
	"$HS_LAUNCHER" --massif-out-file="$2" sh -c 'echo x >ran.txt' >out 2>err
	rc=$?
	ls -A >after
	check_sh "$1: exit 2 before the run, one line, no OUT.raw" \
		'[ "$rc" = 2 ] && [ "$(cat err)" = "$r_want" ] && [ ! -e ran.txt ] &&
		[ ! -e "$r_out.raw" ] && [ ! -e "$r_out.1" ] && cmp -s before after' err
}

# 1-2: /dev/null, twice: the second run neither writes /dev/null.1 (an
# earlier run's /dev/null.raw made the name taken) nor runs the program.
# A /dev/null.raw already there (an older heapsnap's) is not ours to judge.
if [ -e /dev/null.raw ] || [ -e /dev/null.1 ]; then
	ok "/dev/null # SKIP /dev/null.raw or /dev/null.1 exists already"
	ok "/dev/null again # SKIP /dev/null.raw or /dev/null.1 exists already"
else
	want="heapsnap: --massif-out-file=/dev/null: is a device, not a file: no Massif file can be written there"
	refused "/dev/null" /dev/null "$want"
	refused "/dev/null again" /dev/null "$want"
fi

# 3-6: a directory, a symbolic link (even to a file), a FIFO, a directory
# at OUT.series.
mkdir dir
refused "a directory" dir \
	"heapsnap: --massif-out-file=dir: is a directory, not a file: no Massif file can be written there"
echo keep >target
ln -s target link
refused "a symbolic link" link \
	"heapsnap: --massif-out-file=link: is a symbolic link, not a file: no Massif file can be written there"
mkfifo fifo
refused "a FIFO" fifo \
	"heapsnap: --massif-out-file=fifo: is a FIFO, not a file: no Massif file can be written there"
mkdir s.out.series
refused "a directory at OUT.series" s.out \
	"heapsnap: --massif-out-file=s.out: s.out.series is a directory, not a file: the Massif file's series cannot be written beside it"

# 7: a %q{VAR} name is checked as it expands.
OUTDIR=dir "$HS_LAUNCHER" --massif-out-file='%q{OUTDIR}' sh -c 'echo x >ran.txt' 2>err
rc=$?
check_sh "%q{VAR} naming a directory: refused before the run" \
	'[ "$rc" = 2 ] && [ ! -e ran.txt ] && [ "$(cat err)" = "heapsnap: --massif-out-file=%q{OUTDIR}: dir is a directory, not a file: no Massif file can be written there" ]' err

# 8: the library alone: one line, the program runs with its status, no raw.
LD_PRELOAD=$HS_PRELOAD HEAPSNAP_OPTIONS="--massif-out-file=$work/dir" sh -c 'echo ran; exit 5' >out 2>err
rc=$?
check_sh "LD_PRELOAD alone, a directory: runs unrecorded (status 5, its output), one line, no raw" \
	'[ "$rc" = 5 ] && [ "$(cat out)" = ran ] && [ ! -e dir.raw ] &&
	[ "$(cat err)" = "heapsnap: --massif-out-file=$work/dir: is a directory, not a file: no Massif file can be written there; running unrecorded" ]' err

# 9-10: a %p name is the program's pid's: the launcher cannot check it
# before the run; the library does as it starts.  One the program makes a
# directory while it runs is refused at the end: the raw record is kept,
# and the line says where and how to write it.
mkdir pids
"$HS_LAUNCHER" --massif-out-file="$work/pids/%p" sh -c 'mkdir pids/$$; exit 4' >/dev/null 2>err0
rc=$?
raw=$(ls pids/*.raw 2>/dev/null)
check_sh "a %p name made a directory while the program ran: status 4, the raw record kept and named" \
	'[ "$rc" = 4 ] && [ -n "$raw" ] && grep -q "^heapsnap: $work/pids/[0-9]*: is a directory, not a file: the Massif file was not written (the raw record stays: heapsnap --resolve $work/$raw FILE writes it to FILE)\$" err0' err0
rm -rf pids
mkdir pids
"$HS_LAUNCHER" --massif-out-file="$work/pids/%p" sh -c 'exit 4' >/dev/null 2>err0
rc=$?
check_sh "a %p name that is free: recorded as usual" '[ "$rc" = 4 ] && [ "$(ls pids | grep -vc series)" = 1 ]' err0
rm -rf pids

# 11: the raw record kept can be written elsewhere, as the line says.
rm -rf late late.raw
"$HS_LAUNCHER" --massif-out-file="$work/late" sh -c 'mkdir late' >/dev/null 2>err0
"$HS_LAUNCHER" --resolve late.raw late.out 2>err
check_sh "heapsnap --resolve RAW FILE writes the kept record" \
	'grep -q "(the raw record stays: heapsnap --resolve $work/late.raw FILE writes it to FILE)" err0 &&
	[ -s late.out ] && [ -s late.out.series ] && [ ! -e late.raw ]' err

# 12: a regular file is replaced, as always.
echo old >reg
"$HS_LAUNCHER" -q --massif-out-file=reg sh -c 'exit 0' 2>err
check_sh "a regular file is replaced" '[ "$(sed -n 1p reg)" != old ] && grep -q "^cmd: " reg && [ ! -s err ]' err

# 13-14: OUT.raw taken (an earlier run's record never resolved, or another
# process of the same name): OUT.1, as before; an OUT.1 that is a directory
# is passed over for OUT.2.
touch taken.raw
"$HS_LAUNCHER" -q --massif-out-file=taken sh -c 'exit 0' 2>err
check_sh "OUT.raw taken: the file is OUT.1" '[ -s taken.1 ] && [ -s taken.1.series ] && [ ! -e taken ] && [ ! -s err ]' err
rm -f taken.1 taken.1.series
mkdir taken.1
"$HS_LAUNCHER" -q --massif-out-file=taken sh -c 'exit 0' 2>err
check_sh "OUT.raw taken and OUT.1 a directory: the file is OUT.2" \
	'[ -s taken.2 ] && [ ! -e taken.1.raw ] && [ ! -s err ]' err

# 15-16: relative names are heapsnap's directory's in every process it
# records, also in a child that changed directory (make -C, a daemon's
# chdir): before, such a child's record went to its own directory, or was
# lost with "cannot write" when the path did not exist there.
mkdir -p rel/out away
(cd rel && "$HS_LAUNCHER" -q --trace-children=yes --massif-out-file=out/m.%p \
	--log-file=out/log.%p sh -c 'cd ../away && ls >/dev/null; exit 3' >/dev/null 2>../rel.err)
rc=$?
files_ok() { # every massif file under rel/out is whole
	for f in rel/out/m.*[0-9]; do grep -q "^cmd: " "$f" || return 1; done
}
check_sh "a child that changed directory: its file and log under heapsnap's directory" \
	'[ "$rc" = 3 ] && [ ! -s rel.err ] && [ "$(ls rel/out | grep -c "^m\.[0-9]*$")" -ge 2 ] &&
	[ "$(ls rel/out | grep -c "^log\.[0-9]*$")" -ge 2 ] && [ -z "$(ls away)" ] && files_ok' rel.err
(cd rel && "$HS_LAUNCHER" -q --trace-children=yes sh -c 'cd ../away && ls >/dev/null; true' >/dev/null 2>../rel2.err)
check_sh "the default massif.out.%p too" \
	'[ ! -s rel2.err ] && [ "$(ls rel | grep -c "^massif\.out\.[0-9]*$")" -ge 2 ] && [ -z "$(ls away)" ]' rel2.err
