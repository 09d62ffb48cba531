#!/bin/sh
# The man pages made from doc/*.1.in (TAP): every placeholder replaced, the
# configured directories named where the files are, the version of the
# tools, and groff reads them without a warning.  Needs HS_PKGLIBDIR and
# HS_BINDIR (the configured pkglibdir and bindir) from AM_TESTS_ENVIRONMENT.
set -u

: "${HS_PKGLIBDIR:?}" "${HS_BINDIR:?}"
top_builddir=${top_builddir:-.}
HS_LAUNCHER=${HS_LAUNCHER:-$top_builddir/heapsnap}
HS_PRINT=${HS_PRINT:-$top_builddir/heapsnap-print}
launcher_page=$top_builddir/doc/heapsnap.1
print_page=$top_builddir/doc/heapsnap-print.1

. "${top_srcdir:?}/tests/tap.sh"
check_sh() { # check_sh DESCRIPTION 'SHELL CONDITION': ok when it holds
	what=$1; shift
	if eval "$1"; then ok "$what"; else not_ok "$what"; fi
}

echo 1..10

version=$("$HS_LAUNCHER" --version | sed 's/^heapsnap //')
for page in "$launcher_page" "$print_page"; do
	name=$(basename "$page")
	check_sh "$name: made, no placeholder left" '[ -s "$page" ] && ! grep -n "@[A-Za-z_]*@" "$page"'
	check_sh "$name: the version of the tools ($version)" \
		'grep -q "^\.TH .* \"heapsnap $version\" " "$page"'
done
check_sh "heapsnap-print --version is the same version" \
	'[ "$("$HS_PRINT" --version)" = "heapsnap-print $version" ]'

# Where the library is, in the synopsis, the example and FILES; the tools in FILES.
check_sh "heapsnap.1: LD_PRELOAD names $HS_PKGLIBDIR/libheapsnap.so, twice" \
	'[ "$(grep -c "LD_PRELOAD=.*$HS_PKGLIBDIR/libheapsnap\.so" "$launcher_page")" = 2 ]'
if grep -qxF ".I $HS_PKGLIBDIR/libheapsnap.so" "$launcher_page" &&
	grep -qxF ".I $HS_BINDIR/heapsnap\\-print" "$launcher_page" &&
	grep -qxF ".I $HS_BINDIR/heapsnap" "$launcher_page"; then
	ok "heapsnap.1: FILES names the library and both tools"
else
	not_ok "heapsnap.1: FILES names the library and both tools" "$(grep -n "^\.I /" "$launcher_page")"
fi
check_sh "heapsnap.1: no /usr/local unless configured there" \
	'case $HS_PKGLIBDIR in /usr/local/*) true ;; *) ! grep -n /usr/local "$launcher_page" ;; esac'

# groff's own checks: -ww all warnings but -Wbreak (whether a line can be
# adjusted depends on how long the configured paths are: distcheck's are
# long), -z no output; any line on stderr fails.
if command -v groff >/dev/null 2>&1; then
	for page in "$launcher_page" "$print_page"; do
		name=$(basename "$page")
		err=$(LC_ALL=C groff -man -ww -Wbreak -z -Tutf8 "$page" 2>&1)
		check_sh "$name: groff -man -ww -Wbreak: no warning" '[ -z "$err" ]'
	done
else
	ok "heapsnap.1: groff -man -ww -Wbreak # SKIP no groff"
	ok "heapsnap-print.1: groff -man -ww -Wbreak # SKIP no groff"
fi
