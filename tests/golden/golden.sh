#!/bin/sh
# golden: heapsnap against Valgrind's Massif, in the style of Massif's own
# regression suite.  Each case of tests/golden/cases runs a small program
# of this directory under heapsnap with Massif's options, shows the file
# with heapsnap-print (and with ms_print too when $MS_PRINT is there), and
# compares that, addresses masked, with what ms_print showed of Massif's
# file for the same program and options (NAME.exp, made by regen.sh).
# Byte for byte: graph, snapshot table, trees, the desc: and cmd: lines.
# A case run with --stats=yes also compares heapsnap's statistics lines
# with Massif's (NAME.stats).
#
# Until the journal branch makes heapsnap's snapshot at exit opt-in
# (--final-snapshot=yes), heapsnap's file has one snapshot more than
# Massif's, taken after the program ended; this script then drops that
# last snapshot before printing, and says so.  When the launcher accepts
# --final-snapshot, nothing is dropped: the default series must be Massif's.
#
# The programs are built here with fixed flags (build.sh), once, in
# $top_builddir/tests/golden/bin: again only when a source is newer or the
# compiler ($GOLD_CC, $GOLD_CXX; gcc and g++ by default) changed.
set -u
: "${top_srcdir:?}" "${top_builddir:?}" "${HS_LAUNCHER:?}" "${HS_PRINT:?}"
gold="$top_srcdir/tests/golden"
. "$gold/build.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

n_cases=$(grep -v '^#' "$gold/cases" | grep -c '|')
n_absent=$(grep -v '^#' "$gold/cases" | awk -F'|' '$6 ~ /[^ ]/' | wc -l)
n_stats=$(grep -v '^#' "$gold/cases" | awk -F'|' '$3 ~ /--stats=yes/' | wc -l)
with_ms_print=0
if [ -n "${MS_PRINT:-}" ] && [ -x "$MS_PRINT" ]; then
	with_ms_print=1
fi
echo "1..$((n_cases + n_absent + n_stats))"
bin="$top_builddir/tests/golden/bin"
mkdir -p "$bin"
if [ ! -f "$bin/stamp" ] || [ "$(cat "$bin/stamp")" != "$(compiler_id)" ] ||
	[ -n "$(find "$gold" -newer "$bin/stamp" \( -name '*.c' -o -name '*.cc' -o -name build.sh \))" ]; then
	if build_progs "$gold" "$bin" >"$work/build.log" 2>&1; then
		compiler_id >"$bin/stamp"
	else
		sed 's/^/# /' "$work/build.log"
		i=0
		while [ $i -lt $((n_cases + n_absent + n_stats)) ]; do
			i=$((i + 1))
			echo "ok $i # SKIP the golden programs do not build here"
		done
		exit 0
	fi
fi
cd "$work" || exit 1
for p in "$bin"/gold_*; do
	case $p in *.o) ;; *) ln -s "$p" . ;; esac
done

# Another compiler may place lines and inline frames differently: the
# cases still run, but their differences are then TODO, not failures.
other_cc=""
if [ "$(compiler_id)" != "$(head -2 "$gold/made-with")" ]; then
	other_cc=" # TODO expected outputs made with $(head -1 "$gold/made-with")"
	echo "# the compiler is not the one the expected outputs were made with:"
	compiler_id | sed 's/^/#   /'
fi

drop_final=1
if "$HS_LAUNCHER" -q --final-snapshot=no --massif-out-file="$work/probe.out" true 2>/dev/null; then
	drop_final=0
else
	echo "# heapsnap still adds a snapshot at exit: dropped before comparing (journal branch)"
fi

# Drop the file's last snapshot: from the separator before the last
# snapshot= line to the end.
drop_last_snapshot() {
	awk '{ line[NR] = $0 } /^snapshot=/ { last = NR }
	     END { for (i = 1; i < last - 1; i++) print line[i] }' "$1" >"$1.cut" &&
		mv "$1.cut" "$1"
}

i=0
grep -v '^#' "$gold/cases" | while IFS='|' read -r name prog vopts popts flags absent; do
	name=$(echo $name) prog=$(echo $prog) flags=$(echo $flags)
	absent=$(echo $absent)
	todo=$other_cc
	if [ "$flags" = todo ]; then
		todo=" # TODO a known difference from Massif (README)"
	fi
	[ -n "$name" ] || continue
	i=$((i + 1))
	rm -f massif.out
	eval "set -- $vopts"
	if ! "$HS_LAUNCHER" -q "$@" --massif-out-file=massif.out "./$prog" >/dev/null 2>run.err ||
		[ ! -s massif.out ]; then
		echo "not ok $i - $name: heapsnap failed"
		sed 's/^/# /' run.err
		if [ -n "$absent" ]; then
			i=$((i + 1))
			echo "not ok $i - $name: no file to look for '$absent' in"
		fi
		case " $vopts " in *" --stats=yes "*)
			i=$((i + 1))
			echo "not ok $i - $name: no statistics" ;;
		esac
		continue
	fi
	if [ $drop_final = 1 ] && [ "$flags" != nofinal ]; then
		drop_last_snapshot massif.out
	fi
	eval "set -- $popts"
	"$HS_PRINT" "$@" massif.out | mask_addresses >"$name.out"
	bad=""
	if ! cmp -s "$gold/$name.exp" "$name.out"; then
		bad="heapsnap-print"
		diff -u "$gold/$name.exp" "$name.out" | head -40 | sed 's/^/# /'
	fi
	if [ $with_ms_print = 1 ]; then
		"$MS_PRINT" "$@" massif.out | mask_addresses >"$name.ms.out"
		if ! cmp -s "$gold/$name.exp" "$name.ms.out"; then
			bad="$bad ms_print"
			diff -u "$gold/$name.exp" "$name.ms.out" | head -40 | sed 's/^/# /'
		fi
	fi
	if [ -z "$bad" ]; then
		echo "ok $i - $name$todo"
	else
		echo "not ok $i - $name: differs from Massif's (shown by:$bad)$todo"
	fi
	if [ -n "$absent" ]; then
		i=$((i + 1))
		if grep -e '->' "$name.out" | grep -F -- "$absent" | sed 's/^/# /' | grep .; then
			echo "not ok $i - $name: '$absent' is not in the trees"
		else
			echo "ok $i - $name: '$absent' is not in the trees"
		fi
	fi
	# --stats=yes: Massif's statistics lines, figure for figure (NAME.stats,
	# Massif's own with "Massif:" made "heapsnap:"); heapsnap's lines past
	# Massif's (contexts) are not compared here.
	case " $vopts " in *" --stats=yes "*)
		i=$((i + 1))
		grep '^heapsnap: ' run.err | head -n "$(wc -l <"$gold/$name.stats")" >"$name.stats"
		if cmp -s "$gold/$name.stats" "$name.stats"; then
			echo "ok $i - $name: --stats=yes prints Massif's figures"
		else
			echo "not ok $i - $name: --stats=yes figures differ from Massif's$todo"
			diff -u "$gold/$name.stats" "$name.stats" | sed 's/^/# /'
		fi ;;
	esac
done
