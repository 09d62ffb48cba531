#!/bin/sh
# Remake the leak corpus's Massif fixtures (tests/leaks/fixtures/) with
# Valgrind Massif's defaults: valgrind --tool=massif --massif-out-file=FILE
# ./PROGRAM, nothing else, as a user would record.
#
#   tests/leaks/record_massif.sh [NAME...]     (from anywhere; default: all)
#
# The programs are built in a scratch directory with the flags Makefile.am
# gives them (C, C++), the Rust ones first with Debian's /usr/bin/cargo,
# offline, as corpus.py builds them (v0 names; lk_rs_legacy legacy ones); each runs there under a relative name
# (the cmd: line reads "./lk_table").  lk_fork writes two files (%p): the
# program prints "parent PID child PID", which names them
# lk_fork.parent.massif.out and lk_fork.child.massif.out.  Massif's times
# in instructions move a little between runs and Valgrind versions; the
# verdicts corpus.py checks do not.  Made with Valgrind 3.19, gcc 12.2,
# rustc 1.63 (Debian 12).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=$here/fixtures
# A fixed scratch directory: frames without line numbers (Rust's std) name
# the program by its path, so a fixed one keeps a remade file's diff small.
work=/tmp/hs_corpus_rec
rm -rf "$work"
mkdir "$work"
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"
cd "$work"

flags="-g -O0 -fno-omit-frame-pointer -fno-inline -fno-optimize-sibling-calls"
for src in "$here"/*.c "$here"/*.cc; do
	n=$(basename "$src"); n=${n%.*}
	case $src in
	*.c) gcc -std=gnu11 $flags -pthread -I"$here" -o "$n" "$src" ;;
	*.cc) g++ $flags -I"$here" -o "$n" "$src" ;;
	esac
done

# Rust: the crate copied out of the source tree (cargo writes Cargo.lock
# next to Cargo.toml), built in the dev profile with v0 names.
cp -r "$here/rust" crate
(cd crate && env RUSTC=/usr/bin/rustc CARGO_HOME="$work/cargo-home" \
	CARGO_TARGET_DIR="$work/target" CARGO_INCREMENTAL=0 \
	RUSTFLAGS="-C symbol-mangling-version=v0" \
	/usr/bin/cargo build --offline --quiet)
# lk_rs_legacy again with legacy names (rustc's default), as corpus.py does.
(cd crate && env RUSTC=/usr/bin/rustc CARGO_HOME="$work/cargo-home" \
	CARGO_TARGET_DIR="$work/target-legacy" CARGO_INCREMENTAL=0 RUSTFLAGS= \
	/usr/bin/cargo build --offline --quiet --bin lk_rs_legacy)
for b in crate/src/bin/*.rs; do
	n=$(basename "$b" .rs)
	case $n in
	lk_rs_legacy) cp "$work/target-legacy/debug/$n" "$n" ;;
	*) cp "$work/target/debug/$n" "$n" ;;
	esac
done

names=${*:-$(ls "$here"/*.c "$here"/*.cc crate/src/bin/*.rs | sed 's,.*/,,; s,\.[a-z]*$,,')}
for n in $names; do
	echo "recording $n" >&2
	if [ "$n" = lk_fork ]; then
		valgrind -q --tool=massif --massif-out-file=lk_fork.%p.massif.out ./lk_fork >pids
		set -- $(cat pids)
		cp "lk_fork.$2.massif.out" "$out/lk_fork.parent.massif.out"
		cp "lk_fork.$4.massif.out" "$out/lk_fork.child.massif.out"
		continue
	fi
	valgrind -q --tool=massif --massif-out-file="$n.massif.out" "./$n" >/dev/null
	cp "$n.massif.out" "$out/$n.massif.out"
done
