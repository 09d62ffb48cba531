/* Unit tests for common/suggest: the "did you mean" of both tools. */
#include <check.h>

#include "hs_check.h"
#include <string.h>

#include "suggest.h"

/* The distance between two NUL-terminated strings. */
static unsigned dist(const char *a, const char *b)
{
	return hs_suggest_distance(a, strlen(a), b, strlen(b));
}

START_TEST(test_distance)
{
	ck_assert_uint_eq(dist("", ""), 0);
	ck_assert_uint_eq(dist("depth", "depth"), 0);
	ck_assert_uint_eq(dist("", "abc"), 3);
	ck_assert_uint_eq(dist("abc", ""), 3);
	ck_assert_uint_eq(dist("kitten", "sitting"), 3);
	ck_assert_uint_eq(dist("--max-snapshot", "--max-snapshots"), 1); /* insertion */
	ck_assert_uint_eq(dist("--depthh", "--depth"), 1);               /* deletion */
	ck_assert_uint_eq(dist("--dapth", "--depth"), 1);                /* substitution */
	ck_assert_uint_eq(dist("--lekas", "--leaks"), 1);                /* swap of neighbours */
	ck_assert_uint_eq(dist("--dpeth", "--depth"), 1);
	ck_assert_uint_eq(dist("ca", "abc"), 3); /* OSA: no edit of a swapped pair */
	/* Beyond HS_SUGGEST_NAME_MAX: larger than either length. */
	char lng[HS_SUGGEST_NAME_MAX + 2];
	memset(lng, 'a', sizeof lng - 1);
	lng[sizeof lng - 1] = '\0';
	ck_assert_uint_gt(dist(lng, "a"), HS_SUGGEST_NAME_MAX + 1);
}
END_TEST

static const char *const names[] = {
	"--max-snapshots=",
	"--max-stackframe=",
	"--depth=",
	"--detailed-freq=",
	"--heap=",
	"--heap-admin=",
	"--help",
	"-h",
	"--x=",
	"--y=",
	"--leaks",
	"--threshold=",
	"-v",
	"-q",
	NULL,
};

/* What hs_suggest offers for arg among names: the name, or "" for none. */
static const char *suggest(const char *arg)
{
	static char out[HS_SUGGEST_NAME_MAX + 1];
	struct hs_suggest s;
	size_t len = 0;
	hs_suggest_init(&s, arg);
	hs_suggest_add_all(&s, names);
	const char *best = hs_suggest_best(&s, &len);
	ck_assert_uint_lt(len, sizeof out);
	memcpy(out, best != NULL ? best : "", best != NULL ? len : 0);
	out[best != NULL ? len : 0] = '\0';
	return out;
}

START_TEST(test_suggest)
{
	ck_assert_str_eq(suggest("--max-snapshot=50"), "--max-snapshots");
	ck_assert_str_eq(suggest("--max-snapshot"), "--max-snapshots");
	ck_assert_str_eq(suggest("--dpeth=3"), "--depth");
	ck_assert_str_eq(suggest("--lekas"), "--leaks");
	ck_assert_str_eq(suggest("--thresold=5"), "--threshold");
	ck_assert_str_eq(suggest("-max-snapshots=50"), "--max-snapshots"); /* one dash */
	ck_assert_str_eq(suggest("--hlep"), "--help");
	/* A unique prefix, too far for the distance. */
	ck_assert_str_eq(suggest("--detailed=3"), "--detailed-freq");
	ck_assert_str_eq(suggest("--thr=5"), "--threshold");
}
END_TEST

START_TEST(test_no_suggestion)
{
	/* Too far. */
	ck_assert_str_eq(suggest("--frobnicate"), "");
	ck_assert_str_eq(suggest("--bogus=1"), "");
	/* Names too short for a distance of 1 to mean a typo. */
	ck_assert_str_eq(suggest("--z=5"), "");
	ck_assert_str_eq(suggest("-k"), "");
	/* A distance of 2 on a name of 5 letters. */
	ck_assert_str_eq(suggest("--lkas"), "");
	/* A prefix of several names; "--" says nothing. */
	ck_assert_str_eq(suggest("--max=5"), "");
	ck_assert_str_eq(suggest("--de"), "");
	ck_assert_str_eq(suggest("--"), "");
	/* The option exists, its value is wrong: no other name ("--help"). */
	ck_assert_str_eq(suggest("--heap"), "");
	ck_assert_str_eq(suggest("--leaks=yes"), "");
}
END_TEST

START_TEST(test_ties)
{
	/* Two names at the same distance: none rather than a guess. */
	static const char *const two[] = { "--alpha=", "--aleph=", NULL };
	struct hs_suggest s;
	size_t len;
	hs_suggest_init(&s, "--alph=1");
	hs_suggest_add_all(&s, two);
	ck_assert_ptr_null(hs_suggest_best(&s, &len));
	/* "--alpxy" at distance 1 is suggested; "--alpha", at 2, is too far for 5 letters. */
	hs_suggest_init(&s, "--alpx=1");
	hs_suggest_add_all(&s, two);
	hs_suggest_add(&s, "--alpxy", 7);
	const char *best = hs_suggest_best(&s, &len);
	ck_assert_ptr_nonnull(best);
	ck_assert_int_eq(memcmp(best, "--alpxy", 7), 0);
}
END_TEST

START_TEST(test_duplicates_are_one_name)
{
	/* The same name twice (as "--vgdb=no" and "--vgdb=") is no tie. */
	static const char *const twice[] = { "--vgdb=no", "--vgdb=", NULL };
	struct hs_suggest s;
	size_t len;
	hs_suggest_init(&s, "--vgbd=yes");
	hs_suggest_add_all(&s, twice);
	const char *best = hs_suggest_best(&s, &len);
	ck_assert_ptr_nonnull(best);
	ck_assert_uint_eq(len, 6);
	ck_assert_int_eq(memcmp(best, "--vgdb", 6), 0);
	hs_suggest_init(&s, "--vg");
	hs_suggest_add_all(&s, twice);
	best = hs_suggest_best(&s, &len);
	ck_assert_ptr_nonnull(best);
	ck_assert_uint_eq(len, 6);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("suggest");
	TCase *tc = tcase_create("suggest");
	tcase_add_test(tc, test_distance);
	tcase_add_test(tc, test_suggest);
	tcase_add_test(tc, test_no_suggestion);
	tcase_add_test(tc, test_ties);
	tcase_add_test(tc, test_duplicates_are_one_name);
	suite_add_tcase(s, tc);
	return hs_check_run(s);
}
