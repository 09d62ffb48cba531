/* Unit tests of the leak rules, the site table, the formats and --max-peak
 * sizes, on synthetic series and small hand-written trees. */
#include "config.h"

#include <check.h>

#include "hs_check.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "budget.h"
#include "numfmt.h"
#include "leak_report.h"
#include "leaks.h"
#include "parse.h"
#include "sites.h"
#include "sites_model.h"

#define N 20

/* Times 0, 100, ..., 1900: a run from 0 to 1900. */
static void times(int64_t *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		t[i] = (int64_t)i * 100;
}

static enum hs_leak_reason judge(const uint64_t *b, size_t n, uint64_t final_heap_B,
				 struct hs_leak_verdict *v)
{
	int64_t t[64];
	times(t, n);
	hs_leak_judge(t, b, n, 0, t[n - 1], final_heap_B, INT64_MAX,
		      &hs_leak_rule_sets[HS_LEAK_SITE], v);
	return v->reason;
}

/* ---- the rules ---- */

START_TEST(steady_leak_is_suspect)
{
	uint64_t b[N];
	for (size_t i = 0; i < N; i++)
		b[i] = 1000 * i;
	struct hs_leak_verdict v;
	ck_assert_int_eq(judge(b, N, 100000, &v), HS_LEAK_SUSPECT);
	ck_assert_uint_eq(v.steps, 19);
	ck_assert_int_eq(v.gain_B, 19000);
	ck_assert_uint_eq(v.first_B, 0);
	ck_assert_uint_eq(v.last_B, 19000);
	ck_assert_int_eq(v.first_rise_time, 100);
	ck_assert_int_eq(v.last_rise_time, 1900);
}
END_TEST

START_TEST(leak_in_steps_with_flat_stretches_is_suspect)
{
	/* Rises at points 4, 9, 14 and 19 only, flat in between. */
	uint64_t b[N];
	for (size_t i = 0; i < N; i++)
		b[i] = 4096 * ((i + 1) / 5);
	struct hs_leak_verdict v;
	ck_assert_int_eq(judge(b, N, 100000, &v), HS_LEAK_SUSPECT);
	ck_assert_uint_eq(v.steps, 4);
	ck_assert_int_eq(v.gain_B, 4 * 4096);
	ck_assert_int_eq(v.first_rise_time, 400);
}
END_TEST

START_TEST(small_dip_within_tolerance_is_suspect)
{
	uint64_t b[N];
	for (size_t i = 0; i < N; i++)
		b[i] = 1000 * i;
	b[10] = 9000 - 800; /* 8200 after a high of 9000: 8.9% down */
	struct hs_leak_verdict v;
	ck_assert_int_eq(judge(b, N, 100000, &v), HS_LEAK_SUSPECT);
	ck_assert(v.worst_fall > 0.088 && v.worst_fall < 0.09);
}
END_TEST

START_TEST(sawtooth_falls)
{
	uint64_t b[N];
	for (size_t i = 0; i < N; i++)
		b[i] = 1000 * (i % 5);
	struct hs_leak_verdict v;
	ck_assert_int_eq(judge(b, N, 100000, &v), HS_LEAK_FALLS);
	ck_assert(v.worst_fall == 1.0);
}
END_TEST

START_TEST(one_off_allocation_is_one_step)
{
	uint64_t b[N] = { 0 };
	for (size_t i = 3; i < N; i++)
		b[i] = 8 << 20;
	struct hs_leak_verdict v;
	ck_assert_int_eq(judge(b, N, 8 << 20, &v), HS_LEAK_FEW_STEPS);
	ck_assert_uint_eq(v.steps, 1);
}
END_TEST

START_TEST(cache_that_fills_early_is_narrow)
{
	/* Fills over the first quarter, then flat. */
	uint64_t b[N];
	for (size_t i = 0; i < N; i++)
		b[i] = 2048 * (i < 5 ? i : 5);
	struct hs_leak_verdict v;
	ck_assert_int_eq(judge(b, N, 100000, &v), HS_LEAK_NARROW);
}
END_TEST

START_TEST(cache_that_fills_to_mid_run_is_plateau)
{
	/* Grows from 5% to 55% of the run: spread enough, but flat since. */
	uint64_t b[N];
	for (size_t i = 0; i < N; i++)
		b[i] = 2048 * (i < 11 ? i : 11);
	struct hs_leak_verdict v;
	ck_assert_int_eq(judge(b, N, 100000, &v), HS_LEAK_PLATEAU);
	ck_assert_int_eq(v.last_rise_time, 1100);
}
END_TEST

START_TEST(tiny_growth_under_big_heap_is_small)
{
	uint64_t b[N];
	for (size_t i = 0; i < N; i++)
		b[i] = 10 * i; /* 190 bytes of a 100,000-byte heap */
	struct hs_leak_verdict v;
	ck_assert_int_eq(judge(b, N, 100000, &v), HS_LEAK_SMALL);
	/* The same growth is 1.9% of a 10,000-byte heap: a suspect. */
	ck_assert_int_eq(judge(b, N, 10000, &v), HS_LEAK_SUSPECT);
}
END_TEST

START_TEST(early_jump_then_wobble_gains_late_too_little)
{
	/* Churn seen at Massif's demoted peaks: high at once, then wobbling
	 * up by a few bytes; 976 at the midpoint, 1040 at the end. */
	uint64_t b[N] = { 0, 0, 1000 };
	for (size_t i = 3; i < N; i++)
		b[i] = 960 + 4 * i - (i % 2 ? 20 : 0);
	b[N - 1] = 1040;
	struct hs_leak_verdict v;
	ck_assert_int_eq(judge(b, N, 2000, &v), HS_LEAK_EARLY);
	ck_assert_uint_eq(v.mid_B, 976);
}
END_TEST

START_TEST(hidden_growth_widens_the_spread)
{
	/* Shows only from point 12 on (below the threshold before). */
	uint64_t b[N] = { 0 };
	for (size_t i = 12; i < N; i++)
		b[i] = 2000 + 100 * i;
	int64_t t[N];
	times(t, N);
	struct hs_leak_verdict v;
	hs_leak_judge(t, b, N, 0, t[N - 1], 10000, INT64_MAX, &hs_leak_rule_sets[HS_LEAK_SITE], &v);
	ck_assert_int_eq(v.reason, HS_LEAK_NARROW);
	/* An aggregate could have held it from time 300 on. */
	hs_leak_judge(t, b, N, 0, t[N - 1], 10000, 300, &hs_leak_rule_sets[HS_LEAK_SITE], &v);
	ck_assert_int_eq(v.reason, HS_LEAK_SUSPECT);
	ck_assert_int_eq(v.first_rise_time, 300);
}
END_TEST

START_TEST(points_before_the_run_are_ignored)
{
	uint64_t b[N];
	for (size_t i = 0; i < N; i++)
		b[i] = 1000 * i;
	int64_t t[N];
	times(t, N);
	struct hs_leak_verdict v;
	hs_leak_judge(t, b, N, 450, t[N - 1], 100000, INT64_MAX, &hs_leak_rule_sets[HS_LEAK_SITE],
		      &v);
	ck_assert_int_eq(v.reason, HS_LEAK_SUSPECT);
	ck_assert_uint_eq(v.first_B, 5000);
	ck_assert_uint_eq(v.steps, 14);
}
END_TEST

START_TEST(single_point_is_too_short)
{
	uint64_t b[1] = { 5 };
	struct hs_leak_verdict v;
	ck_assert_int_eq(judge(b, 1, 100, &v), HS_LEAK_TOO_SHORT);
}
END_TEST

START_TEST(min_step_share_ignores_noise)
{
	uint64_t b[N];
	for (size_t i = 0; i < N; i++)
		b[i] = 100000 + (i % 2 ? 50 : 0) + 10 * i;
	struct hs_leak_rules r = hs_leak_rule_sets[HS_LEAK_SITE];
	r.min_step_share = 0.01; /* 1% of 100,000: rises of 60 don't count */
	int64_t t[N];
	times(t, N);
	struct hs_leak_verdict v;
	hs_leak_judge(t, b, N, 0, t[N - 1], 100000, INT64_MAX, &r, &v);
	ck_assert_uint_eq(v.steps, 0);
	ck_assert_int_eq(v.reason, HS_LEAK_FEW_STEPS);
}
END_TEST

/* ---- the heap floor ---- */

START_TEST(floor_is_minimum_to_the_end)
{
	/* Times 0..1600 step 100: slices of 200; the last point falls in slice 7. */
	int64_t t[17];
	uint64_t b[17] = {
		0, 50, 10, 70, 30, 90, 80, 120, 5, 130, 140, 150, 160, 170, 180, 190, 100
	};
	times(t, 17);
	int64_t lt[HS_LEAK_WINDOWS];
	uint64_t lb[HS_LEAK_WINDOWS];
	size_t k = hs_leak_low_points(t, b, 17, lt, lb);
	ck_assert_uint_eq(k, 8);
	/* Slice minima: 0, 10, 30, 80, 5, 140, 160, 100 (the last two points
	 * share slice 7); floor = minimum from each slice on. */
	static const uint64_t want[8] = { 0, 5, 5, 5, 5, 100, 100, 100 };
	static const int64_t want_t[8] = { 0, 200, 400, 600, 800, 1000, 1200, 1600 };
	for (size_t i = 0; i < 8; i++) {
		ck_assert_uint_eq(lb[i], want[i]);
		ck_assert_int_eq(lt[i], want_t[i]);
	}
}
END_TEST

START_TEST(floor_skips_empty_slices)
{
	int64_t t[3] = { 0, 10, 1000 };
	uint64_t b[3] = { 7, 3, 9 };
	int64_t lt[HS_LEAK_WINDOWS];
	uint64_t lb[HS_LEAK_WINDOWS];
	ck_assert_uint_eq(hs_leak_low_points(t, b, 3, lt, lb), 2);
	ck_assert_uint_eq(lb[0], 3);
	ck_assert_uint_eq(lb[1], 9);
	ck_assert_int_eq(lt[1], 1000);
}
END_TEST

/* ---- sparklines ---- */

START_TEST(sparkline_levels)
{
	uint64_t b[7] = { 0, 1, 20, 40, 60, 80, 100 };
	char s[16];
	hs_sparkline(b, 7, 60, s);
	ck_assert_str_eq(s, "_..-=*#");
}
END_TEST

START_TEST(sparkline_resamples_to_width)
{
	uint64_t b[10] = { 0, 0, 0, 0, 0, 100, 100, 100, 100, 100 };
	char s[8];
	hs_sparkline(b, 10, 5, s);
	/* Slices {0,1} {2,3} {4,5} {6,7} {8,9}: each shows its last value. */
	ck_assert_str_eq(s, "__###");
	uint64_t z[3] = { 0, 0, 0 };
	hs_sparkline(z, 3, 5, s);
	ck_assert_str_eq(s, "___");
}
END_TEST

/* ---- formats ---- */

START_TEST(grouped_numbers)
{
	char b[HS_FMT_LEN];
	ck_assert_str_eq(hs_fmt_grouped(0, b), "0");
	ck_assert_str_eq(hs_fmt_grouped(999, b), "999");
	ck_assert_str_eq(hs_fmt_grouped(1000, b), "1,000");
	ck_assert_str_eq(hs_fmt_grouped(-1234567, b), "-1,234,567");
	ck_assert_str_eq(hs_fmt_grouped(INT64_MIN, b), "-9,223,372,036,854,775,808");
}
END_TEST

START_TEST(scaled_bytes)
{
	char b[HS_FMT_LEN];
	ck_assert_str_eq(hs_fmt_bytes(999, b), "999 B");
	ck_assert_str_eq(hs_fmt_bytes(1000, b), "0.98 KB");
	ck_assert_str_eq(hs_fmt_bytes(1536, b), "1.50 KB");
	ck_assert_str_eq(hs_fmt_bytes(152064, b), "148 KB");
	ck_assert_str_eq(hs_fmt_bytes(12.5 * 1048576, b), "12.5 MB");
	ck_assert_str_eq(hs_fmt_bytes(-2048, b), "-2.00 KB");
}
END_TEST

START_TEST(time_axis_units_follow_ms_print)
{
	double d;
	ck_assert_str_eq(hs_time_axis_unit("B", 999, &d), "B");
	ck_assert(d == 1);
	ck_assert_str_eq(hs_time_axis_unit("B", 1000, &d), "KB");
	ck_assert(d == 1024);
	ck_assert_str_eq(hs_time_axis_unit("B", 19880000, &d), "MB");
	ck_assert(d == 1048576);
	ck_assert_str_eq(hs_time_axis_unit("i", 5000000000, &d), "Gi");
	ck_assert_str_eq(hs_time_axis_unit("ms", 999, &d), "ms");
	ck_assert_str_eq(hs_time_axis_unit("ms", 5000, &d), "s");
	ck_assert(d == 1000);
	ck_assert_str_eq(hs_time_axis_unit("ms", 3600000, &d), "h");
	ck_assert(d == 3600000);
}
END_TEST

/* ---- --max-peak sizes ---- */

START_TEST(sizes_parse)
{
	uint64_t v;
	ck_assert(hs_size_parse("0", &v) && v == 0);
	ck_assert(hs_size_parse("1000", &v) && v == 1000);
	ck_assert(hs_size_parse("512K", &v) && v == 512 * 1024);
	ck_assert(hs_size_parse("64M", &v) && v == 64ull << 20);
	ck_assert(hs_size_parse("2G", &v) && v == 2ull << 30);
	ck_assert(hs_size_parse("3k", &v) && v == 3072);
	ck_assert(!hs_size_parse("", &v));
	ck_assert(!hs_size_parse("K", &v));
	ck_assert(!hs_size_parse("12Q", &v));
	ck_assert(!hs_size_parse("1.5M", &v));
	ck_assert(!hs_size_parse("-5", &v));
	ck_assert(!hs_size_parse("5KB", &v));
	ck_assert(!hs_size_parse("99999999999999999999", &v));
	ck_assert(!hs_size_parse("17179869184G", &v)); /* 2^34 G overflows */
	ck_assert(hs_size_parse("17179869183G", &v) && v == 17179869183ull << 30);
}
END_TEST

START_TEST(analysis_options)
{
	struct hs_analysis_opts o = { 0 };
	char err[256] = "";
	ck_assert_int_eq(hs_analysis_parse_arg(&o, "--threshold=5", err, sizeof err), 0);
	ck_assert(!hs_analysis_wanted(&o));
	ck_assert_int_eq(hs_analysis_parse_arg(&o, "--leaks", err, sizeof err), 1);
	ck_assert(hs_analysis_prints_normal_output(&o));
	ck_assert_int_eq(hs_analysis_parse_arg(&o, "--max-peak=64M", err, sizeof err), 1);
	ck_assert(o.max_peak && o.max_peak_B == 64ull << 20);
	ck_assert_int_eq(hs_analysis_parse_arg(&o, "--diff", err, sizeof err), 1);
	ck_assert(!hs_analysis_prints_normal_output(&o));
	ck_assert_str_eq(err, "");
	ck_assert_int_eq(hs_analysis_parse_arg(&o, "--max-peak=lots", err, sizeof err), -1);
	ck_assert_str_eq(
		err, "--max-peak: bad size 'lots' (bytes, or a number with K, M or G; K = 1024)");
	ck_assert_int_eq(hs_analysis_parse_arg(&o, "--max-peak", err, sizeof err), -1);
	ck_assert_str_eq(err, "--max-peak needs a size: --max-peak=SIZE");
}
END_TEST

/* ---- sites from trees ---- */

/* Feed a tree given as (children, bytes, text) triples. */
struct tnode {
	unsigned long kids;
	uint64_t bytes;
	const char *text;
};

static void feed(struct hs_run *run, const struct tnode *nodes, size_t n)
{
	struct hs_tree_builder b = { 0 };
	for (size_t i = 0; i < n; i++) {
		int done = hs_tree_builder_node(run, &b, nodes[i].kids, nodes[i].bytes,
						nodes[i].text, strlen(nodes[i].text));
		ck_assert_int_eq(done, i + 1 == n);
	}
	hs_tree_builder_free(&b);
}

static const struct hs_site *site(const struct hs_run *run, const char *path)
{
	for (size_t i = 0; i < run->n_sites; i++)
		if (strcmp(run->sites[i].path, path) == 0)
			return &run->sites[i];
	return NULL;
}

START_TEST(tree_leaves_and_inner_excess_are_sites)
{
	struct hs_run *run = hs_run_new("t", "B");
	hs_run_add_snapshot(run, 0, 20000, 0, 0, true, false);
	static const struct tnode tree[] = {
		{ 3, 20000, " (heap allocation functions) malloc/new/new[], --alloc-fns, etc." },
		{ 0, 10000, " 0x10918A: main (example.c:20)" },
		{ 2, 9000, " 0x109156: g (example.c:5)" },
		{ 1, 4000, "  0x10916C: f (example.c:11)" },
		{ 0, 4000, "   0x1091A6: main (example.c:23)" },
		{ 0, 3000, "  0x1091AB: main (example.c:25)" },
		{ 0, 1000, " in 3 places, all below massif's threshold (1.00%)" },
	};
	feed(run, tree, sizeof tree / sizeof tree[0]);
	ck_assert_uint_eq(run->n_sites, 4);
	ck_assert_uint_eq(site(run, "main (example.c:20)")->bytes[0], 10000);
	ck_assert_uint_eq(
		site(run, "g (example.c:5)\nf (example.c:11)\nmain (example.c:23)")->bytes[0],
		4000);
	ck_assert_uint_eq(site(run, "g (example.c:5)\nmain (example.c:25)")->bytes[0], 3000);
	/* g holds 2000 more than its children: traces that end in g. */
	ck_assert_uint_eq(site(run, "g (example.c:5)")->bytes[0], 2000);
	ck_assert_uint_eq(run->snaps[0].aggregate_max_B, 1000);
	hs_run_free(run);
}
END_TEST

START_TEST(same_text_at_two_addresses_adds_up)
{
	struct hs_run *run = hs_run_new("t", "B");
	hs_run_add_snapshot(run, 0, 300, 0, 0, true, false);
	static const struct tnode tree[] = {
		{ 2, 300, " (heap allocation functions) malloc/new/new[], --alloc-fns, etc." },
		{ 0, 200, " 0x1000: f (a.c:1)" },
		{ 0, 100, " 0x2000: f (a.c:1)" },
	};
	feed(run, tree, 3);
	ck_assert_uint_eq(run->n_sites, 1);
	ck_assert_uint_eq(run->sites[0].bytes[0], 300);
	ck_assert_ptr_eq(hs_run_find_site(run, "f (a.c:1)"), &run->sites[0]);
	ck_assert_ptr_null(hs_run_find_site(run, "f (a.c:2)"));
	hs_run_free(run);
}
END_TEST

/* Massif's aggregates are leaves; one with children (a hand-edited file,
 * which the parser and ms_print accept) is read as an ordinary frame. */
START_TEST(aggregate_with_children_is_a_frame)
{
	struct hs_run *run = hs_run_new("t", "B");
	hs_run_add_snapshot(run, 0, 300, 0, 0, true, false);
	struct hs_tree_builder b = { 0 };
	const char *root = " (heap allocation functions)";
	const char *agg = " in 2 places, all below massif's threshold (1.00%)";
	const char *leaf = " 0x1: f (a.c:1)";
	ck_assert_int_eq(hs_tree_builder_node(run, &b, 1, 300, root, strlen(root)), 0);
	ck_assert_int_eq(hs_tree_builder_node(run, &b, 1, 300, agg, strlen(agg)), 0);
	ck_assert_int_eq(hs_tree_builder_node(run, &b, 0, 300, leaf, strlen(leaf)), 1);
	const struct hs_site *site = hs_run_find_site(
		run, "in 2 places, all below massif's threshold (1.00%)\nf (a.c:1)");
	ck_assert_ptr_nonnull(site);
	ck_assert_uint_eq(site->bytes[0], 300);
	hs_tree_builder_free(&b);
	hs_run_free(run);
}
END_TEST

START_TEST(series_estimates_missing_points)
{
	struct hs_run *run = hs_run_new("t", "B");
	/* Site s: absent, 500, absent (aggregate 200), absent (no aggregate), 900. */
	uint64_t agg[5] = { 0, 0, 200, 0, 0 };
	uint64_t val[5] = { 0, 500, 0, 0, 900 };
	for (size_t i = 0; i < 5; i++) {
		hs_run_add_snapshot(run, (int64_t)i, 1000, 0, 0, true, false);
		if (agg[i])
			hs_run_note_aggregate(run, agg[i]);
		if (val[i])
			hs_run_add_site_bytes(run, "s (a.c:1)", val[i]);
	}
	/* An empty snapshot in between takes no column. */
	hs_run_add_snapshot(run, 6, 1000, 0, 0, false, false);
	ck_assert_uint_eq(run->n_detailed, 5);
	uint64_t est[5];
	hs_site_series(run, &run->sites[0], est);
	ck_assert_uint_eq(est[0], 0);
	ck_assert_uint_eq(est[1], 500);
	ck_assert_uint_eq(est[2], 200);
	ck_assert_uint_eq(est[3], 0);
	ck_assert_uint_eq(est[4], 900);
	hs_run_free(run);
}
END_TEST

START_TEST(frame_text_and_aggregates)
{
	ck_assert_str_eq(hs_frame_text("0x10918A: main (example.c:20)"), "main (example.c:20)");
	ck_assert_str_eq(hs_frame_text("0x0: ???"), "???");
	ck_assert_str_eq(hs_frame_text("(heap allocation functions)"),
			 "(heap allocation functions)");
	ck_assert(hs_is_aggregate("in 1 place, below massif's threshold (1.00%)"));
	ck_assert(hs_is_aggregate("in 24 places, all below massif's threshold (10.00%)"));
	ck_assert(!hs_is_aggregate("main (in.c:3)"));
}
END_TEST

/* ---- the printer's model as a run ---- */

/* Parse text as a Massif file with the printer's parser. */
static struct hs_run *run_of(const char *text)
{
	struct hs_model m;
	struct hs_parse_error err;
	char *buf = strdup(text);
	ck_assert_msg(hs_parse_buffer(buf, strlen(text), "t.out", &m, &err) == 0, "%s", err.msg);
	struct hs_run *run = hs_run_from_model(&m, "t.out");
	hs_model_free(&m);
	ck_assert_ptr_nonnull(run);
	return run;
}

START_TEST(model_to_run)
{
	struct hs_run *run =
		run_of("desc: --time-unit=B\ncmd: ./x\ntime_unit: B\n"
		       "#-----------\nsnapshot=0\n#-----------\ntime=0\nmem_heap_B=0\n"
		       "mem_heap_extra_B=0\nmem_stacks_B=0\nheap_tree=empty\n"
		       "#-----------\nsnapshot=1\n#-----------\ntime=120\nmem_heap_B=100\n"
		       "mem_heap_extra_B=8\nmem_stacks_B=0\nheap_tree=peak\n"
		       "n2: 100 (heap allocation functions) malloc/new/new[], --alloc-fns, etc.\n"
		       " n1: 90 0x4005D6: f (a.c:3) # a comment\n"
		       "  n0: 90 0x4005E0: main (a.c:9)\n"
		       " n0: 10 in 2 places, all below massif's threshold (1.00%)\n"
		       "#-----------\nsnapshot=2\n#-----------\ntime=130\nmem_heap_B=0\n"
		       "mem_heap_extra_B=0\nmem_stacks_B=0\nheap_tree=detailed\n"
		       "n0: 0 (heap allocation functions) malloc/new/new[], --alloc-fns, etc.\n");
	ck_assert_str_eq(run->time_unit, "B");
	ck_assert_uint_eq(run->n_snaps, 3);
	ck_assert_uint_eq(run->n_detailed, 2);
	ck_assert_uint_eq(run->detailed[0], 1);
	ck_assert(run->snaps[1].peak);
	ck_assert(!run->snaps[2].peak);
	ck_assert_int_eq(run->snaps[2].time, 130);
	ck_assert_uint_eq(hs_snap_total_B(&run->snaps[1]), 108);
	ck_assert_uint_eq(run->snaps[1].aggregate_max_B, 10);
	ck_assert_uint_eq(run->n_sites, 1);
	ck_assert_str_eq(run->sites[0].path, "f (a.c:3)\nmain (a.c:9)");
	ck_assert_uint_eq(run->sites[0].bytes[0], 90);
	ck_assert_uint_eq(run->sites[0].bytes[1], HS_BYTES_UNKNOWN);
	ck_assert_uint_eq(hs_run_peak_detailed(run), 0);
	ck_assert_uint_eq(hs_run_max_total_index(run), 1);
	hs_run_free(run);
}
END_TEST

START_TEST(model_time_units)
{
	static const char *const units[] = { "i", "ms", "B" };
	for (size_t i = 0; i < 3; i++) {
		char text[256];
		snprintf(text, sizeof text,
			 "cmd: x\ntime_unit: %s\nsnapshot=0\ntime=0\n"
			 "mem_heap_B=0\nmem_heap_extra_B=0\nmem_stacks_B=0\nheap_tree=empty\n",
			 units[i]);
		struct hs_run *run = run_of(text);
		ck_assert_str_eq(run->time_unit, units[i]);
		ck_assert_uint_eq(run->n_detailed, 0);
		hs_run_free(run);
	}
}
END_TEST

static Suite *leaks_suite(void)
{
	Suite *s = suite_create("leaks");
	TCase *rules = tcase_create("rules");
	tcase_add_test(rules, steady_leak_is_suspect);
	tcase_add_test(rules, leak_in_steps_with_flat_stretches_is_suspect);
	tcase_add_test(rules, small_dip_within_tolerance_is_suspect);
	tcase_add_test(rules, sawtooth_falls);
	tcase_add_test(rules, one_off_allocation_is_one_step);
	tcase_add_test(rules, cache_that_fills_early_is_narrow);
	tcase_add_test(rules, cache_that_fills_to_mid_run_is_plateau);
	tcase_add_test(rules, tiny_growth_under_big_heap_is_small);
	tcase_add_test(rules, early_jump_then_wobble_gains_late_too_little);
	tcase_add_test(rules, hidden_growth_widens_the_spread);
	tcase_add_test(rules, points_before_the_run_are_ignored);
	tcase_add_test(rules, single_point_is_too_short);
	tcase_add_test(rules, min_step_share_ignores_noise);
	tcase_add_test(rules, floor_is_minimum_to_the_end);
	tcase_add_test(rules, floor_skips_empty_slices);
	suite_add_tcase(s, rules);

	TCase *fmt = tcase_create("format");
	tcase_add_test(fmt, sparkline_levels);
	tcase_add_test(fmt, sparkline_resamples_to_width);
	tcase_add_test(fmt, grouped_numbers);
	tcase_add_test(fmt, scaled_bytes);
	tcase_add_test(fmt, time_axis_units_follow_ms_print);
	tcase_add_test(fmt, sizes_parse);
	tcase_add_test(fmt, analysis_options);
	suite_add_tcase(s, fmt);

	TCase *sites = tcase_create("sites");
	tcase_add_test(sites, tree_leaves_and_inner_excess_are_sites);
	tcase_add_test(sites, same_text_at_two_addresses_adds_up);
	tcase_add_test(sites, aggregate_with_children_is_a_frame);
	tcase_add_test(sites, series_estimates_missing_points);
	tcase_add_test(sites, frame_text_and_aggregates);
	tcase_add_test(sites, model_to_run);
	tcase_add_test(sites, model_time_units);
	suite_add_tcase(s, sites);
	return s;
}

int main(void)
{
	return hs_check_run(leaks_suite());
}
