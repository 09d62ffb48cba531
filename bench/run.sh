#!/bin/sh
# heapsnap's benchmark: native vs heapsnap vs heaptrack vs Valgrind Massif.
# Prints a table of median ratios to native and the geometric means.
# See bench/README.md; options are bench.py's (--reps, --massif-reps,
# --only, --tools, --markdown, --heapsnap PATH).
set -e
here=$(dirname "$0")
exec python3 "$here/bench.py" "$@"
