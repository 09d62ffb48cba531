/* Unit tests of the leak rules, the site table, the formats and --max-peak
 * sizes, on synthetic series and small hand-written trees. */
#include "config.h"

#include <check.h>
#include <math.h>

#include "hs_check.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "frames.h"
#include "budget.h"
#include "numfmt.h"
#include "leak_report.h"
#include "leaks.h"
#include "parse.h"
#include "sites.h"
#include "sites_model.h"

#define N 200

/* Times 0, 10, 20, ...: a run of n points. */
static void times(int64_t *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		t[i] = (int64_t)i * 10;
}

/* Judge a site's series over the whole run, its own teardown cut first. */
static enum hs_leak_reason judge(const uint64_t *b, size_t n, uint64_t ref_B,
				 struct hs_leak_verdict *v)
{
	int64_t t[N + 8];
	times(t, n);
	const struct hs_leak_rules *r = &hs_leak_rule_sets[HS_LEAK_SITE];
	size_t cut = hs_leak_teardown(t, b, n, 0, NULL, r);
	hs_leak_judge(t, b, n, 0, cut, ref_B, r, v);
	if (v->reason == HS_LEAK_SUSPECT && v->confidence < HS_LEAK_MIN_CONFIDENCE)
		return HS_LEAK_UNCLEAR;
	return v->reason;
}

/* A fixed pseudo-random sequence: churn's bytes. */
static uint64_t lcg(uint64_t *state)
{
	*state = *state * 6364136223846793005u + 1442695040888963407u;
	return *state >> 33;
}

/* ---- leaks ---- */

START_TEST(steady_leak_in_small_steps)
{
	uint64_t b[N];
	for (size_t i = 0; i < N; i++)
		b[i] = 512 * i;
	struct hs_leak_verdict v;
	ck_assert_int_eq(judge(b, N, 200000, &v), HS_LEAK_SUSPECT);
	ck_assert_uint_eq(v.rises, N - 1 - 3); /* the last points are judged together */
	ck_assert_uint_eq(v.first_B, 0);
	ck_assert(!v.teardown);
	ck_assert(v.confidence > 0.9);
}
END_TEST

START_TEST(twelve_doublings_of_a_realloc_buffer)
{
	/* One log doubled when full, from 64 B to 256 KB: 12 doublings.  The
	 * clock runs with the bytes appended (as --time-unit=B would), the
	 * points are spread evenly over the doublings, and the run ends just
	 * before the 13th, the buffer flat for the last half of the run. */
	int64_t t[N];
	uint64_t b[N];
	for (size_t i = 0; i < N; i++) {
		t[i] = (int64_t)(64 * pow(262000.0 / 64, (double)i / (N - 1)));
		uint64_t cap = 64;
		while ((int64_t)cap < t[i])
			cap *= 2;
		b[i] = cap;
	}
	ck_assert_uint_eq(b[N - 1], 262144);
	struct hs_leak_verdict v;
	hs_leak_judge(t, b, N, 0, N - 1, 300000, &hs_leak_rule_sets[HS_LEAK_SITE], &v);
	ck_assert_int_eq(v.reason, HS_LEAK_SUSPECT);
	ck_assert_uint_eq(v.rises, 12);
	ck_assert(v.confidence >= HS_LEAK_MIN_CONFIDENCE);
	/* The same with the clock in steps of the points. */
	ck_assert_int_eq(judge(b, N, 300000, &v), HS_LEAK_SUSPECT);
}
END_TEST

START_TEST(growth_then_teardown)
{
	/* Grows all run, then freed at exit over the last 10 points. */
	uint64_t b[N];
	for (size_t i = 0; i < N; i++)
		b[i] = i < N - 10 ? 1000 * i : 1000 * (N - 10) * (N - 1 - i) / 10;
	struct hs_leak_verdict v;
	ck_assert_int_eq(judge(b, N, 200000, &v), HS_LEAK_SUSPECT);
	ck_assert(v.teardown);
	ck_assert_uint_eq(v.cut, N - 11);
	ck_assert_uint_eq(v.end_B, 0);
}
END_TEST

START_TEST(leak_that_starts_halfway)
{
	uint64_t b[N];
	for (size_t i = 0; i < N; i++)
		b[i] = i < N / 2 ? 0 : 300 * (i - N / 2);
	struct hs_leak_verdict v;
	ck_assert_int_eq(judge(b, N, 100000, &v), HS_LEAK_SUSPECT);
}
END_TEST

START_TEST(leak_under_churn_of_the_same_site)
{
	/* 100 leaked bytes per point, 0..2 KB of churn on top. */
	uint64_t b[N], st = 1;
	for (size_t i = 0; i < N; i++)
		b[i] = 100 * i + lcg(&st) % 2000;
	struct hs_leak_verdict v;
	ck_assert_int_eq(judge(b, N, 100000, &v), HS_LEAK_SUSPECT);
	ck_assert(v.confidence < 0.95);
}
END_TEST

START_TEST(sparse_trees_with_a_long_gap)
{
	/* Massif's trees: two early, then none until 60% of the run. */
	int64_t t[8] = { 0, 50, 600, 700, 750, 800, 900, 1000 };
	uint64_t b[8];
	for (size_t i = 0; i < 8; i++)
		b[i] = 100 * (uint64_t)t[i];
	struct hs_leak_verdict v;
	hs_leak_judge(t, b, 8, 0, 7, 100000, &hs_leak_rule_sets[HS_LEAK_SITE], &v);
	ck_assert_int_eq(v.reason, HS_LEAK_SUSPECT);
	ck_assert(v.max_jump < 0.2);
}
END_TEST

/* ---- non-leaks ---- */

START_TEST(warm_up_then_flat_steady_state)
{
	uint64_t b[N], st = 7;
	for (size_t i = 0; i < N; i++)
		b[i] = (i < 20 ? 5000 * i : 100000) + lcg(&st) % 2000;
	struct hs_leak_verdict v;
	ck_assert_int_eq(judge(b, N, 200000, &v), HS_LEAK_STOPPED);
}
END_TEST

START_TEST(lru_cache_at_its_cap)
{
	/* Fills 64 entries of 512 B, then evicts one for each insert. */
	uint64_t b[N];
	for (size_t i = 0; i < N; i++)
		b[i] = i < 64 ? 512 * i : 512 * 64 - 512 * (i % 2);
	struct hs_leak_verdict v;
	ck_assert_int_eq(judge(b, N, 100000, &v), HS_LEAK_STOPPED);
}
END_TEST

START_TEST(sawtooth_batches)
{
	uint64_t b[N];
	for (size_t i = 0; i < N; i++)
		b[i] = 1000 * (i % 25);
	struct hs_leak_verdict v;
	ck_assert_int_ne(judge(b, N, 100000, &v), HS_LEAK_SUSPECT);
	/* Ending mid-batch: the last batch's rise is no trend. */
	ck_assert_int_ne(judge(b, N - 12, 100000, &v), HS_LEAK_SUSPECT);
}
END_TEST

START_TEST(one_off_big_block)
{
	uint64_t b[N];
	for (size_t i = 0; i < N; i++)
		b[i] = i < 150 ? 0 : 8 << 20;
	struct hs_leak_verdict v;
	ck_assert_int_eq(judge(b, N, 8 << 20, &v), HS_LEAK_ONE_STEP);
}
END_TEST

START_TEST(cache_that_fills_then_stops)
{
	/* 300-byte entries for the first 40% of the run. */
	uint64_t b[N];
	for (size_t i = 0; i < N; i++)
		b[i] = 300 * (i < 80 ? i : 80);
	struct hs_leak_verdict v;
	ck_assert_int_eq(judge(b, N, 100000, &v), HS_LEAK_STOPPED);
	/* A cache filled by doubling stops too, once flat for long. */
	for (size_t i = 0; i < N; i++) {
		uint64_t cap = 64;
		while (cap < 64 + 1300 * (uint64_t)(i < 40 ? i : 40))
			cap *= 2;
		b[i] = cap;
	}
	ck_assert_int_eq(judge(b, N, 100000, &v), HS_LEAK_STOPPED);
}
END_TEST

START_TEST(churn_alone)
{
	/* Its floor rises at the end only because fewer values are left to
	 * be low: its bytes swing far above it. */
	struct hs_leak_verdict v;
	for (uint64_t seed = 1; seed < 40; seed++) {
		uint64_t b[N], st = seed;
		for (size_t i = 0; i < N; i++)
			b[i] = lcg(&st) % 64000;
		ck_assert_msg(judge(b, N, 100000, &v) != HS_LEAK_SUSPECT, "seed %d", (int)seed);
	}
}
END_TEST

START_TEST(levels_up_and_down)
{
	/* A buffer sized to each request: a new level every 10 points, the
	 * last one high and long.  Its floor rises at the end, but it was as
	 * high before. */
	struct hs_leak_verdict v;
	for (uint64_t seed = 1; seed < 40; seed++) {
		uint64_t b[N], st = seed, level = 0;
		for (size_t i = 0; i < N; i++) {
			if (i % 10 == 0)
				level = lcg(&st) % 10000;
			b[i] = i >= N - 30 ? 9900 : level;
		}
		ck_assert_msg(judge(b, N, 20000, &v) != HS_LEAK_SUSPECT, "seed %d", (int)seed);
	}
}
END_TEST

START_TEST(churn_high_from_the_start_wobbling_up)
{
	/* Massif's demoted peaks see churn high in all of them. */
	uint64_t b[N];
	for (size_t i = 0; i < N; i++)
		b[i] = 30000 + 20 * i + (i % 2 ? 500 : 0);
	struct hs_leak_verdict v;
	ck_assert_int_eq(judge(b, N, 60000, &v), HS_LEAK_SMALL);
}
END_TEST

START_TEST(tiny_growth_under_a_big_heap)
{
	uint64_t b[N];
	for (size_t i = 0; i < N; i++)
		b[i] = 5 * i; /* 995 bytes of a 1 MB heap */
	struct hs_leak_verdict v;
	ck_assert_int_eq(judge(b, N, 1 << 20, &v), HS_LEAK_SMALL);
	ck_assert_int_eq(judge(b, N, 10000, &v), HS_LEAK_SUSPECT);
}
END_TEST

START_TEST(too_few_points)
{
	uint64_t b[3] = { 1, 2, 3 };
	struct hs_leak_verdict v;
	ck_assert_int_eq(judge(b, 3, 10, &v), HS_LEAK_TOO_SHORT);
}
END_TEST

/* ---- teardown ---- */

START_TEST(teardown_long_in_bytes_of_time)
{
	/* --time-unit=B: freeing 100 KB advances the clock by 100 KB.  The
	 * fall takes 40% of the axis, yet is a teardown. */
	int64_t t[60];
	uint64_t b[60];
	for (size_t i = 0; i < 60; i++) {
		t[i] = i < 40 ? (int64_t)i * 5000 : 195000 + (int64_t)(i - 39) * 5000;
		b[i] = i < 40                            ? 2500 * i
		       : 97500 - 4875 * (i - 39) > 97500 ? 0
							 : 97500 - 4875 * (i - 39);
	}
	b[59] = 0;
	size_t cut = hs_leak_teardown(t, b, 60, 0, b, &hs_leak_rule_sets[HS_LEAK_HEAP]);
	ck_assert_uint_eq(cut, 39);
	/* Without the freed bytes the fall takes 100 KB of a 295 KB axis:
	 * still within the rule's half of the run. */
	ck_assert_uint_eq(hs_leak_teardown(t, b, 60, 0, NULL, &hs_leak_rule_sets[HS_LEAK_HEAP]),
			  39);
}
END_TEST

START_TEST(no_teardown_when_the_end_stays_high)
{
	int64_t t[N];
	uint64_t b[N];
	times(t, N);
	for (size_t i = 0; i < N; i++)
		b[i] = 1000 * i;
	b[N - 1] = b[N - 2] - 5000; /* a small last fall: 2.5% */
	ck_assert_uint_eq(hs_leak_teardown(t, b, N, 0, NULL, &hs_leak_rule_sets[HS_LEAK_SITE]),
			  N - 1);
	/* Emptied at mid-run (its blocks freed and made again at another
	 * site), then 0 to the end: no teardown, and no leak. */
	for (size_t i = 0; i < N; i++)
		b[i] = i < 60 ? 1000 * i : i < 70 ? 6000 * (70 - i) : 0;
	ck_assert_uint_eq(hs_leak_teardown(t, b, N, 0, NULL, &hs_leak_rule_sets[HS_LEAK_SITE]),
			  N - 1);
	struct hs_leak_verdict v;
	ck_assert_int_ne(judge(b, N, 100000, &v), HS_LEAK_SUSPECT);
	/* A long slow decline over most of the run is no teardown. */
	for (size_t i = 0; i < N; i++)
		b[i] = i < 40 ? 1000 * i : 40000 - 150 * (i - 40);
	ck_assert_uint_eq(hs_leak_teardown(t, b, N, 0, NULL, &hs_leak_rule_sets[HS_LEAK_SITE]),
			  N - 1);
}
END_TEST

START_TEST(floor_judges_the_last_points_together)
{
	int64_t t[N];
	uint64_t b[N], f[N];
	times(t, N);
	for (size_t i = 0; i < N; i++)
		b[i] = i;
	b[N - 1] = 1000; /* one high sample at the end */
	hs_leak_floor(t, b, 0, N - 1, &hs_leak_rule_sets[HS_LEAK_SITE], f);
	/* At most 2% of the points (4) within 5% of the run: 196..199. */
	ck_assert_uint_eq(f[N - 1], 196);
	ck_assert_uint_eq(f[N - 4], 196);
	ck_assert_uint_eq(f[N - 5], 195);
	ck_assert_uint_eq(f[0], 0);
}
END_TEST

/* ---- the heap as a whole ---- */

START_TEST(heap_staircase_is_a_monotone_fraction)
{
	uint64_t stair[8] = { 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000 };
	unsigned rises;
	ck_assert(hs_leak_staircase(stair, 8, 8000, &rises));
	ck_assert_uint_eq(rises, 7);
	/* Warm-up then flat: one rise. */
	uint64_t warm[8] = { 1000, 8000, 8000, 8000, 8000, 8000, 8000, 8100 };
	ck_assert(!hs_leak_staircase(warm, 8, 8000, &rises));
	ck_assert_uint_eq(rises, 2);
	/* Rises in the first half only: stopped. */
	uint64_t early[8] = { 1000, 2000, 3000, 4000, 5000, 5000, 5000, 5000 };
	ck_assert(!hs_leak_staircase(early, 8, 5000, &rises));
	ck_assert_uint_eq(rises, 4);
}
END_TEST

START_TEST(floor_is_minimum_to_the_end)
{
	/* Times 0..1600 step 100: slices of 200; the last point falls in slice 7. */
	int64_t t[17];
	uint64_t b[17] = {
		0, 50, 10, 70, 30, 90, 80, 120, 5, 130, 140, 150, 160, 170, 180, 190, 100
	};
	for (size_t i = 0; i < 17; i++)
		t[i] = (int64_t)i * 100;
	int64_t lt[HS_LEAK_WINDOWS];
	uint64_t lb[HS_LEAK_WINDOWS];
	size_t k = hs_leak_low_points(t, b, 17, lt, lb);
	ck_assert_uint_eq(k, 8);
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

/* ---- the user's frame ---- */

static bool wrapper(const char *f)
{
	return hs_frame_is_wrapper(f, strlen(f));
}

START_TEST(wrappers_are_folded)
{
	ck_assert(wrapper(
		"operator new(unsigned long) (in /usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.30)"));
	ck_assert(wrapper("operator new[](unsigned long) (new_opv.cc:32)"));
	ck_assert(wrapper(
		"std::__new_allocator<double>::allocate(unsigned long, void const*) (new_allocator.h:137)"));
	ck_assert(wrapper(
		"void std::vector<int, std::allocator<int> >::_M_realloc_insert<int const&>(__gnu_cxx::__normal_iterator<int*, std::vector<int, std::allocator<int> > >, int const&) (vector.tcc:440)"));
	ck_assert(wrapper(
		"double& std::vector<double, std::allocator<double> >::emplace_back<double>(double&&) (vector.tcc:123)"));
	ck_assert(wrapper(
		"__gnu_cxx::new_allocator<char>::allocate(unsigned long, void const*) (new_allocator.h:114)"));
	ck_assert(wrapper("strdup (strdup.c:42)"));
	ck_assert(wrapper("__strdup (in /usr/lib/x86_64-linux-gnu/libc.so.6)"));
	ck_assert(wrapper("g_malloc (gmem.c:130)"));
	ck_assert(wrapper("alloc (alloc.rs:95)"));
	ck_assert(wrapper("alloc_impl (alloc.rs:312)"));
	ck_assert(wrapper("try_allocate_in<alloc::alloc::Global> (mod.rs:464)"));
	ck_assert(wrapper("from_elem<u8> (mod.rs:3651)"));
	ck_assert(wrapper("new<lk_rs_box::Request> (boxed.rs:254)"));
	ck_assert(wrapper("alloc::raw_vec::RawVec<T,A>::grow_one (raw_vec.rs:342)"));
	ck_assert(wrapper("alloc::alloc::exchange_malloc (alloc.rs:237)"));
	ck_assert(wrapper("<alloc::vec::Vec<T> as core::clone::Clone>::clone (mod.rs:3046)"));
	ck_assert(wrapper("<T as alloc::slice::hack::ConvertVec>::to_vec (slice.rs:137)"));
	ck_assert(wrapper("__rust_alloc (in /tmp/prog)"));
	ck_assert(wrapper("push<u8, alloc::alloc::Global> (mod.rs:2448)"));
}
END_TEST

START_TEST(user_frames_are_kept)
{
	ck_assert(!wrapper("main (prog.c:12)"));
	ck_assert(!wrapper("handle_request(unsigned int) (lk_cxx_new.cc:25)"));
	ck_assert(!wrapper("Registry::add(unsigned int) (lk_cxx_registry.cc:16)"));
	ck_assert(!wrapper("MyCache<std::string>::insert(std::string const&) (cache.h:9)"));
	ck_assert(!wrapper("lk_rs_box::create_leak (lk_rs_box.rs:11)"));
	ck_assert(!wrapper("lk_rs_closure::main::{closure#0} (lk_rs_closure.rs:17)"));
	ck_assert(!wrapper("<prog::Foo as core::clone::Clone>::clone (main.rs:3)"));
	ck_assert(!wrapper("helper (main.rs:5)"));
	/* A C program's own allocate() is no Rust wrapper. */
	ck_assert(!wrapper("allocate (pool.c:10)"));
	ck_assert(!wrapper("???"));
	ck_assert(!wrapper("0x1234: ???"));
}
END_TEST

START_TEST(user_frame_of_a_path)
{
	const char *rust =
		"alloc (alloc.rs:95)\nalloc_impl (alloc.rs:312)\n"
		"new<lk_rs_box::Request> (boxed.rs:254)\n"
		"lk_rs_box::create_leak (lk_rs_box.rs:11)\nlk_rs_box::main (lk_rs_box.rs:20)";
	ck_assert_str_eq(
		rust + hs_path_user_frame(rust),
		"lk_rs_box::create_leak (lk_rs_box.rs:11)\nlk_rs_box::main (lk_rs_box.rs:20)");
	const char *c = "__strdup (in /usr/lib/x86_64-linux-gnu/libc.so.6)\nremember_name (s.c:12)";
	ck_assert_str_eq(c + hs_path_user_frame(c), "remember_name (s.c:12)");
	/* Every frame a wrapper: the innermost names it. */
	const char *all = "strdup (strdup.c:42)\n_IO_file_doallocate (filedoalloc.c:101)";
	ck_assert_uint_eq(hs_path_user_frame(all), 0);
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
		       " n1: 90 0x4005D6: prog::main::{closure#0} (a.rs:3)\n"
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
	/* Whole labels: ms_print's comment rule would cut at the '#'. */
	ck_assert_str_eq(run->sites[0].path, "prog::main::{closure#0} (a.rs:3)\nmain (a.c:9)");
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
	tcase_add_test(rules, steady_leak_in_small_steps);
	tcase_add_test(rules, twelve_doublings_of_a_realloc_buffer);
	tcase_add_test(rules, growth_then_teardown);
	tcase_add_test(rules, leak_that_starts_halfway);
	tcase_add_test(rules, leak_under_churn_of_the_same_site);
	tcase_add_test(rules, sparse_trees_with_a_long_gap);
	tcase_add_test(rules, warm_up_then_flat_steady_state);
	tcase_add_test(rules, lru_cache_at_its_cap);
	tcase_add_test(rules, sawtooth_batches);
	tcase_add_test(rules, one_off_big_block);
	tcase_add_test(rules, cache_that_fills_then_stops);
	tcase_add_test(rules, churn_alone);
	tcase_add_test(rules, levels_up_and_down);
	tcase_add_test(rules, churn_high_from_the_start_wobbling_up);
	tcase_add_test(rules, tiny_growth_under_a_big_heap);
	tcase_add_test(rules, too_few_points);
	tcase_add_test(rules, teardown_long_in_bytes_of_time);
	tcase_add_test(rules, no_teardown_when_the_end_stays_high);
	tcase_add_test(rules, floor_judges_the_last_points_together);
	tcase_add_test(rules, heap_staircase_is_a_monotone_fraction);
	tcase_add_test(rules, floor_is_minimum_to_the_end);
	tcase_add_test(rules, floor_skips_empty_slices);
	suite_add_tcase(s, rules);

	TCase *names = tcase_create("names");
	tcase_add_test(names, wrappers_are_folded);
	tcase_add_test(names, user_frames_are_kept);
	tcase_add_test(names, user_frame_of_a_path);
	suite_add_tcase(s, names);

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
