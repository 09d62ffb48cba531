#!/bin/sh
# Regenerates the golden tests' expected outputs with Valgrind's Massif
# and ms_print: for each case of tests/golden/cases, the program is run
# under "valgrind --tool=massif" with the case's options, the file is shown
# by ms_print with the case's ms_print options, addresses are masked, and
# the result is written to tests/golden/NAME.exp.
#   usage: tests/golden/regen.sh [NAME...]   (from the top source directory)
# A case with --stats=yes also gets NAME.stats: Massif's statistics lines,
# "Massif:" replaced by "heapsnap:".
# Run it when a program or a case changes (Valgrind 3.19 made the committed
# ones); it takes about a second a case.
set -eu
top=$(pwd)
gold="$top/tests/golden"
. "$gold/build.sh"
wanted="$*"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
build_progs "$gold" "$work"
{
	compiler_id
	valgrind --version
} >"$gold/made-with"
cd "$work"
grep -v '^#' "$gold/cases" | while IFS='|' read -r name prog vopts popts flags; do
	name=$(echo $name) prog=$(echo $prog)
	[ -n "$name" ] || continue
	if [ -n "$wanted" ]; then
		case " $wanted " in *" $name "*) ;; *) continue ;; esac
	fi
	rm -f massif.out
	eval "set -- $vopts"
	valgrind -q --tool=massif "$@" --massif-out-file=massif.out "./$prog" >/dev/null 2>vg.err
	# --stats=yes in the options: Massif's statistics, as heapsnap labels
	# them, are expected too (NAME.stats).
	rm -f "$gold/$name.stats"
	if grep -q 'Massif: ' vg.err; then
		sed -n 's/^--[0-9]*-- Massif: /heapsnap: /p' vg.err >"$gold/$name.stats"
	fi
	eval "set -- $popts"
	ms_print "$@" massif.out | mask_addresses >"$gold/$name.exp"
	echo "regenerated $name"
done
