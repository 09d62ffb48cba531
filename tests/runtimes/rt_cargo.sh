#!/bin/sh
# `heapsnap cargo run` (issue 10 item 7), TAP.  cargo builds the program and
# starts it itself, by exec in its own process: heapsnap follows that exec
# (--follow-exec, the default) and says so.  With --follow-exec=no it would
# record cargo (or rustup's proxy): the launcher refuses and says what to
# run instead.  cargo test starts the tests as children: refused too.  An exec chain in one
# process (rustup's proxy -> cargo -> the program, --trace-children=yes)
# writes one file: the launcher names it once.  A fake `cargo` (a shell
# script) stands in for the real one: no Rust toolchain is needed.
set -u

: "${HS_LAUNCHER:?}"
work=$(mktemp -d "${TMPDIR:-/tmp}/hs_cargo.XXXXXX") || exit 99
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 99

n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $1"; sed 's/^/# /' err 2>/dev/null; }
check() { # check DESCRIPTION 'SHELL CONDITION'
	if eval "$2"; then ok "$1"; else not_ok "$1"; fi
}

mkdir bin
printf '#!/bin/sh\ntouch "%s/ran"\nexit 4\n' "$work" >bin/cargo
cp bin/cargo bin/cargo-fake
chmod +x bin/cargo bin/cargo-fake
printf '[package]\nname = "demo"\nversion = "0.1.0"\n\n[profile.release]\ndebug = true\n' >Cargo.toml
PATH="$work/bin:$PATH"
export PATH

echo 1..12

# 1-3: with --follow-exec=no, cargo run is refused before anything runs,
# with the command to use.
"$HS_LAUNCHER" --follow-exec=no --massif-out-file="$work/m.%p" cargo run --release 2>err
rc=$?
check "--follow-exec=no cargo run --release: exit 2, cargo not started" '[ "$rc" = 2 ] && [ ! -e ran ] && ! ls m.* >/dev/null 2>&1'
check "--follow-exec=no cargo run --release: says what to run instead" \
	'grep -qxF "heapsnap:   cargo build --release && heapsnap target/release/demo" err'
"$HS_LAUNCHER" --follow-exec=no cargo --offline run --bin tool -- -x file 2>err
rc=$?
check "cargo --offline run --bin tool -- -x file: debug binary, its arguments" \
	'[ "$rc" = 2 ] && grep -qxF "heapsnap:   cargo --offline build --bin tool && heapsnap target/debug/tool -x file" err'

# 4: cargo test is refused too, pointing at --no-run's executable.
"$HS_LAUNCHER" cargo test --release 2>err
rc=$?
check "cargo test: exit 2, says cargo test --no-run" \
	'[ "$rc" = 2 ] && [ ! -e ran ] && grep -qxF "heapsnap:   cargo test --no-run --release" err'

# 5-6: recording cargo itself (cargo build) is allowed, and says nothing more.
"$HS_LAUNCHER" --massif-out-file="$work/b.%p" cargo build 2>err
rc=$?
check "cargo build: runs, its status (4) passes through" '[ "$rc" = 4 ] && [ -e ran ]'
check "cargo build: only the 'wrote' line" '[ "$(grep -vc -e "^heapsnap: wrote " -e "^heapsnap:   " err)" = 0 ] && [ "$(grep -c "^heapsnap: wrote b\." err)" = 1 ]'
rm -f ran

# 7: --trace-children=yes runs cargo run, with a note.
"$HS_LAUNCHER" --massif-out-file="$work/t.%p" --trace-children=yes cargo run 2>err
rc=$?
check "--trace-children=yes cargo run: runs, with a note" \
	'[ "$rc" = 4 ] && [ -e ran ] && grep -q "^heapsnap: note: with --trace-children=yes" err'
rm -f ran

# 8: a cargo-* subcommand runs, with a note.
"$HS_LAUNCHER" --massif-out-file="$work/s.%p" cargo-fake 2>err
rc=$?
check "cargo-fake: runs, with a note" \
	'[ "$rc" = 4 ] && [ -e ran ] && grep -q "^heapsnap: note: recording .cargo-fake. itself" err'

# 9-10: an exec chain in one process writes one file, named once.
"$HS_LAUNCHER" --massif-out-file="$work/x.%p" --trace-children=yes \
	sh -c 'exec sh -c "exec sh -c true"' 2>err
rc=$?
check "exec chain: exit 0, one file and its series" '[ "$rc" = 0 ] && [ "$(ls x.* | grep -vc "\.series$")" = 1 ] && [ "$(ls x.*.series | wc -l)" = 1 ]'
check "exec chain: 'wrote' said once" '[ "$(grep -c "^heapsnap: wrote x\." err)" = 1 ]'

# 11-12: by default cargo run runs, with a note: its exec is followed.
"$HS_LAUNCHER" --massif-out-file="$work/f.%p" cargo run --release 2>err
rc=$?
check "cargo run --release: runs, its status (4) passes through, one file" \
	'[ "$rc" = 4 ] && [ -e ran ] && [ "$(ls f.* | grep -vc "\.series$")" = 1 ]'
check "cargo run --release: a note that the program cargo starts is recorded" \
	'grep -qxF "heapsnap: note: recording the program '"'"'cargo run'"'"' starts: cargo'"'"'s own record gives way to it at its exec" err'
rm -f ran
