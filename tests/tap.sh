# tap.sh: the TAP helpers of the shell tests, sourced by each
# (". "$top_srcdir/tests/tap.sh"": top_srcdir from AM_TESTS_ENVIRONMENT).
# ok DESCRIPTION; not_ok DESCRIPTION [DETAIL...]: the next test's line,
# each DETAIL a "# " comment under a failure; check DESCRIPTION COMMAND...:
# ok when the command succeeds.  The caller prints the plan.
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "# $l"; done; }
check() { tap_what=$1; shift; if "$@"; then ok "$tap_what"; else not_ok "$tap_what"; fi; }
