/* The leak analysis, --diff and --max-peak on files recorded with Valgrind
 * Massif from the programs in tests/progs (see tests/fixtures/leaks/record.sh):
 * every real leak is reported at the right site, and no non-leak is. */
#include "config.h"

#include <check.h>

#include "hs_check.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "outbuf.h"
#include "budget.h"
#include "diff.h"
#include "leak_report.h"
#include "parse.h"
#include "sites.h"
#include "sites_model.h"

static char *fixture_path(const char *name)
{
	const char *top = getenv("top_srcdir");
	static char path[4096];
	snprintf(path, sizeof path, "%s/tests/fixtures/leaks/%s.massif.out", top ? top : ".", name);
	return path;
}

static struct hs_run *load(const char *name)
{
	struct hs_model m;
	struct hs_parse_error err;
	const char *path = fixture_path(name);
	ck_assert_msg(hs_parse_file(path, &m, &err) == 0, "%s", err.msg);
	struct hs_run *run = hs_run_from_model(&m, path);
	hs_model_free(&m);
	ck_assert_ptr_nonnull(run);
	return run;
}

/* The text of out as a C string (the caller frees it); empties out. */
static char *take_text(struct hs_outbuf *out)
{
	char *text = strndup(out->data ? out->data : "", out->len);
	hs_outbuf_free(out);
	return text;
}

/* Run the leak report on a fixture; returns its text (caller frees). */

static char *leak_text(const char *name, size_t *n_suspects)
{
	struct hs_run *run = load(name);
	struct hs_outbuf out;
	hs_outbuf_init(&out);
	*n_suspects = hs_leak_report(&out, run, false);
	hs_run_free(run);
	return take_text(&out);
}

/* The suspects' first lines, "1. f (a.c:1)", in rank order, '\n'-joined. */
static char *suspect_heads(const char *text)
{
	char *heads = calloc(1, strlen(text) + 1);
	for (const char *l = text; *l; l = strchr(l, '\n') + 1) {
		const char *nl = strchr(l, '\n');
		size_t digits = strspn(l, "0123456789");
		if (digits > 0 && l[digits] == '.' && l[digits + 1] == ' ')
			strncat(heads, l, (size_t)(nl - l + 1));
		if (nl == NULL || nl[1] == '\0')
			break;
	}
	return heads;
}

struct expect {
	const char *fixture;
	const char *heads; /* suspects' first lines, in rank order */
	bool staircase;    /* the heap's floor reads as a staircase */
};

static const struct expect expects[] = {
	{ "leak_churn", "1. leak_record (leak_churn.c:6)\n", true },
	{ "leak_two", "1. leak_fast (leak_two.c:6)\n2. leak_slow (leak_two.c:11)\n", true },
	/* The 2 MB table dwarfs the slow leak in the heap's floor, but the
	 * site itself is caught. */
	{ "leak_slow", "1. note_event (leak_slow.c:15)\n", false },
	{ "leak_cache", "", false },
	{ "leak_sawtooth", "", false },
	{ "leak_huge", "", false },
	/* 24 sites leak, every one folded into Massif's aggregate: only the
	 * heap's floor shows it. */
	{ "leak_scatter", "", true },
	{ "leak_fork_parent", "", false },
	{ "leak_fork_child", "1. child_remember (leak_fork.c:9)\n", true },
	/* Massif's default, a tree every 10th snapshot, is enough. */
	{ "leak_churn_freq10", "1. leak_record (leak_churn.c:6)\n", true },
	/* All of Massif's defaults: time in instructions, a tree every 10th
	 * snapshot (and the demoted peaks, chosen for their high totals). */
	{ "leak_churn_default", "1. leak_record (leak_churn.c:6)\n", true },
	{ "leak_two_default", "1. leak_fast (leak_two.c:6)\n2. leak_slow (leak_two.c:11)\n", true },
	{ "leak_slow_default", "1. note_event (leak_slow.c:15)\n", false },
	{ "leak_cache_default", "", false },
	{ "leak_sawtooth_default", "", false },
	{ "leak_huge_default", "", false },
	{ "leak_fork_parent_default", "", false },
	/* Here churn's site looks high in every demoted peak: not a suspect. */
	{ "leak_fork_child_default", "1. child_remember (leak_fork.c:9)\n", true },
};

START_TEST(fixture_suspects)
{
	const struct expect *e = &expects[_i];
	size_t n;
	char *text = leak_text(e->fixture, &n);
	char *heads = suspect_heads(text);
	ck_assert_msg(strcmp(heads, e->heads) == 0, "%s: suspects\n%s\nwanted\n%s\nreport:\n%s",
		      e->fixture, heads, e->heads, text);
	size_t want_n = 0;
	for (const char *p = e->heads; *p; p++)
		want_n += *p == '\n';
	ck_assert_uint_eq(n, want_n);
	if (want_n == 0)
		ck_assert_ptr_nonnull(
			strstr(text, "No leak suspects: no allocation site's floor rose"));
	ck_assert_msg((strstr(text, "Yet the heap's floor rises") != NULL) ==
			      (want_n == 0 && e->staircase),
		      "%s: 'yet' note\n%s", e->fixture, text);
	ck_assert_msg((strstr(text, "the staircase of a leak") != NULL) == e->staircase,
		      "%s: staircase should be %d\n%s", e->fixture, e->staircase, text);
	free(heads);
	free(text);
}
END_TEST

START_TEST(churn_report_exact)
{
	size_t n;
	char *text = leak_text("leak_churn", &n);
	ck_assert_str_eq(
		text,
		"\n"
		"--------------------------------------------------------------------------------\n"
		"Leak suspects\n"
		"--------------------------------------------------------------------------------\n"
		"63 snapshots, 63 detailed, time 0 to 18.96 MB.\n"
		"Heap floor over 8 slices of the run: 12.2 KB -> 141 KB |.--=**##|\n"
		"  It rises in 7 of 7 slices: the staircase of a leak.\n"
		"\n"
		"1. leak_record (leak_churn.c:6)\n"
		"     called from main (leak_churn.c:15)\n"
		"   gained 147,456 B: its floor 3,072 B at the run's start, 150,528 B at its end\n"
		"   growth 7.77 KB per MB, rising at 60 of 62 points, 80.21% of the heap; confidence high\n"
		"   bytes |.........-----------===========***********##################|\n");
	free(text);
}
END_TEST

START_TEST(fork_child_call_path)
{
	size_t n;
	char *text = leak_text("leak_fork_child", &n);
	ck_assert_ptr_nonnull(strstr(text, "1. child_remember (leak_fork.c:9)\n"
					   "     called from child_work (leak_fork.c:16)\n"
					   "     called from main (leak_fork.c:26)\n"
					   "   gained "));
	free(text);
}
END_TEST

START_TEST(two_rates_ranked_by_gain)
{
	size_t n;
	char *text = leak_text("leak_two", &n);
	/* 1024 and 256 bytes per iteration: the gains are 4:1. */
	const char *fast = strstr(text, "   gained 294,912 B: its floor 7,168 B");
	const char *slow = strstr(text, "   gained 73,728 B: its floor 1,792 B");
	ck_assert_msg(fast != NULL && slow != NULL && fast < slow, "%s", text);
	free(text);
}
END_TEST

START_TEST(too_few_detailed_snapshots)
{
	size_t n;
	char *text = leak_text("leak_churn_freq50", &n);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_nonnull(strstr(
		text, "Sites cannot be judged: this file has 3 detailed snapshots (trees)\n"
		      "in the run, and the rules need 4.  The heap as a whole is judged above,\n"
		      "on all 91 snapshots.  For per-site bytes at every snapshot, record with\n"
		      "heapsnap (it writes FILE.series beside the Massif file), or with\n"
		      "valgrind --tool=massif --detailed-freq=1.\n"));
	/* The heap's floor needs no trees. */
	ck_assert_ptr_nonnull(strstr(text, "the staircase of a leak"));
	free(text);
}
END_TEST

START_TEST(diff_of_two_builds)
{
	struct hs_run *a = load("leak_diff_old"), *b = load("leak_diff_new");
	struct hs_outbuf out;
	hs_outbuf_init(&out);
	hs_diff_report(&out, a, b);
	char *text = take_text(&out);
	/* Addresses moved between the builds (build_index is at 0x1091A6 in
	 * one and elsewhere in the other), yet unchanged sites match. */
	ck_assert_ptr_nonnull(strstr(
		text, "peak total           49,448 B ->         63,664 B  +14,216 B (+28.7%)\n"));
	ck_assert_ptr_nonnull(strstr(
		text, "peak heap            49,176 B ->         63,364 B  +14,188 B (+28.9%)\n"));
	ck_assert_ptr_nonnull(strstr(
		text,
		"       +12,288 B         4,096 ->       16,384  read_input (leak_diff.c:16) <- main (leak_diff.c:38)\n"
		"        +3,000 B             0 ->        3,000  build_lookup (leak_diff.c:27) <- main (leak_diff.c:42)\n"
		"        -1,200 B         1,200 ->        <=100  old_scratch (leak_diff.c:33) <- main (leak_diff.c:40)\n"
		"  (<=N: below Massif's threshold at that peak"));
	ck_assert_ptr_null(strstr(text, "build_index"));
	free(text);
	hs_run_free(a);
	hs_run_free(b);
}
END_TEST

START_TEST(diff_of_a_run_with_itself)
{
	struct hs_run *a = load("leak_two");
	struct hs_outbuf out;
	hs_outbuf_init(&out);
	hs_diff_report(&out, a, a);
	char *text = take_text(&out);
	ck_assert_ptr_nonnull(
		strstr(text, "  none: every site holds the same bytes at both peaks.\n"));
	ck_assert_ptr_nonnull(strstr(text, "B  0 B (+0.0%)\n"));
	free(text);
	hs_run_free(a);
}
END_TEST

START_TEST(budget_at_the_peak)
{
	struct hs_run *run = load("leak_diff_new");
	FILE *msg = tmpfile();
	/* The peak total is 63,664 B: equal passes, one byte less fails. */
	ck_assert_int_eq(hs_budget_check(msg, run, 63664), 0);
	ck_assert_int_eq(ftell(msg), 0);
	ck_assert_int_eq(hs_budget_check(msg, run, 63663), HS_BUDGET_EXCEEDED);
	char line[512] = "";
	rewind(msg);
	ck_assert_ptr_nonnull(fgets(line, sizeof line, msg));
	char want[4200];
	snprintf(want, sizeof want,
		 "heapsnap-print: %s: peak 63,664 B (62.2 KB) exceeds "
		 "the budget of 63,663 B (62.2 KB)\n",
		 fixture_path("leak_diff_new"));
	ck_assert_str_eq(line, want);
	fclose(msg);
	hs_run_free(run);
}
END_TEST

/* Run hs_analysis_run on fixture a (and b for --diff); returns the status,
 * with the report in *text and the messages in *msg (caller frees). */
static int run_analysis(const struct hs_analysis_opts *o, const char *a, const char *b, char **text,
			char **msg)
{
	struct hs_model m;
	struct hs_parse_error perr;
	char *pa = strdup(fixture_path(a));
	char *pb = b ? strdup(b[0] == '/' ? b : fixture_path(b)) : NULL;
	ck_assert_msg(hs_parse_file(pa, &m, &perr) == 0, "%s", perr.msg);
	struct hs_outbuf ob;
	hs_outbuf_init(&ob);
	size_t msg_len;
	FILE *err = open_memstream(msg, &msg_len);
	int status = hs_analysis_run(o, &m, pa, pb, &ob, err);
	fclose(err);
	*text = take_text(&ob);
	hs_model_free(&m);
	free(pa);
	free(pb);
	return status;
}

START_TEST(analysis_run_statuses)
{
	struct hs_analysis_opts o = { .max_peak = true, .max_peak_B = 64 << 10 };
	char *text, *msg;
	ck_assert_int_eq(run_analysis(&o, "leak_diff_new", NULL, &text, &msg), 0);
	/* --max-peak alone writes nothing at all when under budget. */
	ck_assert_str_eq(text, "");
	ck_assert_str_eq(msg, "");
	free(text);
	free(msg);
	o.max_peak_B = 60 << 10;
	ck_assert_int_eq(run_analysis(&o, "leak_diff_new", NULL, &text, &msg), 3);
	ck_assert_str_eq(text, "");
	ck_assert_ptr_nonnull(
		strstr(msg, "peak 63,664 B (62.2 KB) exceeds the budget of 61,440 B"));
	free(text);
	free(msg);
	/* With --diff, the budget applies to NEW (63,664 B), not OLD (49,448 B). */
	o.diff = true;
	o.max_peak_B = 50000;
	ck_assert_int_eq(run_analysis(&o, "leak_diff_old", "leak_diff_new", &text, &msg), 3);
	ck_assert_ptr_nonnull(strstr(text, "Heap difference"));
	free(text);
	free(msg);
	o.max_peak_B = 70000;
	ck_assert_int_eq(run_analysis(&o, "leak_diff_old", "leak_diff_new", &text, &msg), 0);
	free(text);
	free(msg);
	/* An unreadable NEW: status 1 and one line. */
	ck_assert_int_eq(run_analysis(&o, "leak_diff_old", "/nonexistent.out", &text, &msg), 1);
	ck_assert_str_eq(text, "");
	ck_assert_ptr_nonnull(strstr(msg, "heapsnap-print: /nonexistent.out: "));
	free(text);
	free(msg);
}
END_TEST

static Suite *fixtures_suite(void)
{
	Suite *s = suite_create("leak fixtures");
	TCase *tc = tcase_create("massif");
	tcase_add_loop_test(tc, fixture_suspects, 0, (int)(sizeof expects / sizeof expects[0]));
	tcase_add_test(tc, churn_report_exact);
	tcase_add_test(tc, fork_child_call_path);
	tcase_add_test(tc, two_rates_ranked_by_gain);
	tcase_add_test(tc, too_few_detailed_snapshots);
	tcase_add_test(tc, diff_of_two_builds);
	tcase_add_test(tc, diff_of_a_run_with_itself);
	tcase_add_test(tc, budget_at_the_peak);
	tcase_add_test(tc, analysis_run_statuses);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return hs_check_run(fixtures_suite());
}
