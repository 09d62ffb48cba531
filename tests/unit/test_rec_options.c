/* Unit tests of src/core/options.c (Massif's option names, defaults,
 * ranges, the desc: text and the HEAPSNAP_OPTIONS escapes) and of
 * src/core/clock.c, on a fake clock. */
#include "config.h"

#include <check.h>

#include "hs_check.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "options.h"

static struct hs_options opts;
static char err[512];

/* Parse arg into fresh defaults; returns the parser's result. */
static int parse(const char *arg)
{
	hs_options_defaults(&opts);
	err[0] = '\0';
	return hs_options_parse_one(&opts, arg, err, sizeof(err));
}

/* On memory holding anything: hs_options_defaults leaves only the
 * strings' bytes past their NUL and the lists' past their count. */
START_TEST(defaults_are_massifs)
{
	memset(&opts, 0xa5, sizeof opts);
	hs_options_defaults(&opts);
	ck_assert_str_eq(opts.out_file, "massif.out.%p");
	ck_assert_int_eq(opts.time_unit, HS_TIME_MS);
	ck_assert_uint_eq(opts.detailed_freq, 10);
	ck_assert_uint_eq(opts.max_snapshots, 100);
	ck_assert(opts.threshold == 1.0);
	ck_assert(opts.peak_inaccuracy == 1.0);
	ck_assert_uint_eq(opts.depth, 30);
	ck_assert_uint_eq(opts.heap_admin, 8);
	ck_assert_uint_eq(opts.n_alloc_fns, 0);
	ck_assert_uint_eq(opts.n_ignore_fns, 0);
	ck_assert(!opts.trace_children);
	ck_assert(opts.heap);
	ck_assert(!opts.stats);
	ck_assert_int_eq(opts.verbosity, 1);
	ck_assert_int_eq(opts.log_fd, -1);
	ck_assert_str_eq(opts.log_file, "");
	ck_assert_str_eq(opts.desc, "");
	ck_assert_str_eq(opts.notes, "");
	ck_assert(opts.follow_exec);
	ck_assert(!opts.final_snapshot);
	ck_assert_uint_eq(opts.sample_bytes, 0);
}
END_TEST

/* hs_options_copy onto memory holding anything: every field as parsed,
 * the lists to their count, the strings to their NUL. */
START_TEST(copy_takes_every_field)
{
	static struct hs_options copy;
	memset(&opts, 0xa5, sizeof opts);
	hs_options_defaults(&opts);
	ck_assert_int_eq(hs_options_parse_string(&opts,
						 "--depth=12 --alloc-fn=xmalloc --alloc-fn=xcalloc "
						 "--ignore-fn=g_free --massif-out-file=out.%p "
						 "--threshold=2.5 --time-unit=B -v --log-fd=7",
						 err, sizeof err),
			 0);
	memset(&copy, 0x5a, sizeof copy);
	hs_options_copy(&copy, &opts);
	ck_assert_uint_eq(copy.depth, 12);
	ck_assert(copy.threshold == 2.5);
	ck_assert_int_eq(copy.time_unit, HS_TIME_BYTES);
	ck_assert_int_eq(copy.verbosity, 2);
	ck_assert_int_eq(copy.log_fd, 7);
	ck_assert_uint_eq(copy.max_snapshots, 100);
	ck_assert(copy.follow_exec);
	ck_assert_uint_eq(copy.n_alloc_fns, 2);
	ck_assert_str_eq(copy.alloc_fns[0], "xmalloc");
	ck_assert_str_eq(copy.alloc_fns[1], "xcalloc");
	ck_assert_uint_eq(copy.n_ignore_fns, 1);
	ck_assert_str_eq(copy.ignore_fns[0], "g_free");
	ck_assert_str_eq(copy.out_file, "out.%p");
	ck_assert_str_eq(copy.log_file, "");
	ck_assert_str_eq(copy.desc, opts.desc);
	ck_assert_ptr_nonnull(strstr(copy.desc, " --depth=12"));
	ck_assert_str_eq(copy.notes, opts.notes);
}
END_TEST

START_TEST(each_option_sets_its_field)
{
	ck_assert_int_eq(parse("--massif-out-file=out.%q{USER}.%p"), 0);
	ck_assert_str_eq(opts.out_file, "out.%q{USER}.%p");
	ck_assert_int_eq(parse("--time-unit=B"), 0);
	ck_assert_int_eq(opts.time_unit, HS_TIME_BYTES);
	ck_assert_int_eq(parse("--time-unit=ms"), 0);
	ck_assert_int_eq(opts.time_unit, HS_TIME_MS);
	ck_assert_int_eq(parse("--detailed-freq=1"), 0);
	ck_assert_uint_eq(opts.detailed_freq, 1);
	ck_assert_int_eq(parse("--max-snapshots=1000"), 0);
	ck_assert_uint_eq(opts.max_snapshots, 1000);
	ck_assert_int_eq(parse("--threshold=0.5"), 0);
	ck_assert(opts.threshold == 0.5);
	ck_assert_int_eq(parse("--peak-inaccuracy=-3.5"), 0);
	ck_assert(opts.peak_inaccuracy == -3.5);
	ck_assert_int_eq(parse("--depth=200"), 0);
	ck_assert_uint_eq(opts.depth, 200);
	ck_assert_int_eq(parse("--heap-admin=0"), 0);
	ck_assert_uint_eq(opts.heap_admin, 0);
	ck_assert_int_eq(parse("--trace-children=yes"), 0);
	ck_assert(opts.trace_children);
}
END_TEST

START_TEST(ranges_are_massifs)
{
	/* The edges of format-massif.md §14's ranges are accepted, one past them refused. */
	ck_assert_int_eq(parse("--detailed-freq=1000000"), 0);
	ck_assert_int_eq(parse("--detailed-freq=1000001"), -1);
	ck_assert_int_eq(parse("--detailed-freq=0"), -1);
	ck_assert_int_eq(parse("--max-snapshots=10"), 0);
	ck_assert_int_eq(parse("--max-snapshots=9"), -1);
	ck_assert_int_eq(parse("--max-snapshots=1001"), -1);
	ck_assert_int_eq(parse("--depth=1"), 0);
	ck_assert_int_eq(parse("--depth=0"), -1);
	ck_assert_int_eq(parse("--depth=201"), -1);
	ck_assert_int_eq(parse("--heap-admin=1024"), 0);
	ck_assert_int_eq(parse("--heap-admin=1025"), -1);
	ck_assert_int_eq(parse("--threshold=100"), 0);
	ck_assert_int_eq(parse("--threshold=100.01"), -1);
	ck_assert_int_eq(parse("--threshold=-0.1"), -1);
	ck_assert_int_eq(parse("--peak-inaccuracy=1000"), 0);
}
END_TEST

START_TEST(bad_values_name_the_option)
{
	ck_assert_int_eq(parse("--depth=12x"), -1);
	ck_assert_str_eq(err, "bad value in option '--depth=12x' (expected 1..200)");
	ck_assert_int_eq(parse("--depth="), -1);
	ck_assert_int_eq(parse("--depth=99999999999999999999"), -1);
	ck_assert_int_eq(parse("--threshold=abc"), -1);
	ck_assert_str_eq(err, "bad value in option '--threshold=abc' (expected 0..100)");
	ck_assert_int_eq(parse("--time-unit=s"), -1);
	ck_assert_str_eq(err, "bad value in option '--time-unit=s' (expected i, ms or B)");
	ck_assert_int_eq(parse("--trace-children=maybe"), -1);
	ck_assert_int_eq(parse("--massif-out-file="), -1);
	ck_assert_int_eq(parse("--alloc-fn="), -1);
	/* The defaults are untouched by a refused value. */
	ck_assert_uint_eq(opts.n_alloc_fns, 0);
}
END_TEST

START_TEST(unknown_options_are_refused)
{
	ck_assert_int_eq(parse("--stacks=maybe"), -1);
	ck_assert_str_eq(err, "bad value in option '--stacks=maybe' (expected yes or no)");
	ck_assert_int_eq(parse("--bogus=1"), -1);
	ck_assert_str_eq(err, "unknown option '--bogus=1'");
	ck_assert_int_eq(parse("-x"), -1);
	ck_assert_int_eq(parse("--depth"), -1);
	ck_assert_str_eq(err, "unknown option '--depth'");
	ck_assert_int_eq(parse("--depthx=3"), -1);
	ck_assert_int_eq(parse("depth=3"), -1);
}
END_TEST

START_TEST(time_unit_i_needs_a_counter)
{
	int rc = parse("--time-unit=i");

	if (hs_clock_instructions_available()) {
		ck_assert_int_eq(rc, 0);
		ck_assert_int_eq(opts.time_unit, HS_TIME_INSTRUCTIONS);
	} else {
		ck_assert_int_eq(rc, -1);
		ck_assert_str_eq(err, "option '--time-unit=i' needs an instruction counter and "
				      "perf_event_open offers none here; use --time-unit=ms or B");
	}
}
END_TEST

/* The test's clock (clock.c built with -DHS_CLOCK_FAKE): CLOCK_MONOTONIC
 * reads fake_ns; the coarse clock reads it as of the last 4 ms tick, and
 * fake_lag_ns later still (a tickless kernel on a virtual machine was seen
 * 3.5 ticks behind).  The tests move time themselves: no wall-clock margin. */
#define FAKE_TICK_NS 4000000
static int64_t fake_ns, fake_lag_ns;
static unsigned fake_reads; /* readings of the time (not of a resolution) */

static int fake_read(clockid_t id, struct timespec *ts, int resolution)
{
	int64_t ns = fake_ns;
	fake_reads += !resolution;
	if (resolution)
		ns = id == CLOCK_MONOTONIC_COARSE ? FAKE_TICK_NS : 1;
	else if (id == CLOCK_MONOTONIC_COARSE)
		ns = (fake_ns - fake_lag_ns) / FAKE_TICK_NS * FAKE_TICK_NS;
	ts->tv_sec = ns / 1000000000;
	ts->tv_nsec = ns % 1000000000;
	return 0;
}

static void fake_clock_start(void)
{
	fake_ns = 1000000000; /* on a tick */
	fake_lag_ns = 0;
	hs_clock_set_reader(fake_read);
}

/* The fake clock's time in ms since c's first reading. */
static int64_t clock_ms_now(const struct hs_clock *c)
{
	return (fake_ns - c->origin) / 1000000;
}

START_TEST(clock_upper_bound_is_never_below_the_clock)
{
	struct hs_clock c;

	/* B: no bound; ms: none before the first reading, then a bound that
	 * is never below a reading taken before it (the real clocks). */
	ck_assert_int_eq(hs_clock_init(&c, HS_TIME_BYTES), 0);
	ck_assert(hs_clock_upper_bound(&c) == INT64_MAX);
	ck_assert_int_eq(hs_clock_init(&c, HS_TIME_MS), 0);
	ck_assert(hs_clock_upper_bound(&c) == INT64_MAX);
	ck_assert_int_eq(hs_clock_now(&c, 0), 0);
	if (c.coarse_tick_ns != 0) {
		for (int i = 0; i < 10000; i++) {
			int64_t t = hs_clock_now(&c, 0);
			int64_t bound = hs_clock_upper_bound(&c);
			ck_assert_msg(bound >= t, "bound %lld below the clock %lld",
				      (long long)bound, (long long)t);
		}
	}

	/* The fake clock, its coarse reading 9 ms late from 10 ms on: the
	 * bound learns the lag from the precise readings, so it stays at or
	 * above the clock, and above it by at most the margin used (a tick,
	 * or the largest lag seen) plus the ms rounding of both readings. */
	fake_clock_start();
	ck_assert_int_eq(hs_clock_init(&c, HS_TIME_MS), 0);
	ck_assert_int_eq(c.coarse_tick_ns, FAKE_TICK_NS);
	ck_assert_int_eq(hs_clock_now(&c, 0), 0);
	int64_t spread = 0;
	for (int64_t t = 0; t < 30; fake_ns += 37000) {
		if (t >= 10)
			fake_lag_ns = 9000000;
		t = hs_clock_now(&c, 0);
		int64_t bound = hs_clock_upper_bound(&c);
		ck_assert_msg(bound >= t, "bound %lld below the clock %lld", (long long)bound,
			      (long long)t);
		if (bound - t > spread)
			spread = bound - t;
	}
	ck_assert_int_gt(c.coarse_lag_ns, 9000000);
	int64_t margin_ns = c.coarse_lag_ns > c.coarse_tick_ns ? c.coarse_lag_ns : c.coarse_tick_ns;
	ck_assert_int_le(spread, margin_ns / 1000000 + 2);
	hs_clock_set_reader(NULL);
}
END_TEST

/* A hold answers just below the due time for a number of calls set by
 * the rate of calls between the last two precise readings, then the
 * bound is the coarse clock's again; and when calls slow down, the coarse
 * clock ends the hold once the due time has passed. */
START_TEST(clock_hold_skips_precise_readings_then_ends)
{
	struct hs_clock c;
	fake_clock_start();
	ck_assert_int_eq(hs_clock_init(&c, HS_TIME_MS), 0);
	hs_clock_hold(&c, 5); /* not started: nothing to hold */
	ck_assert_uint_eq(c.hold_calls_left, 0);
	hs_clock_now(&c, 0);
	hs_clock_hold(&c, 5); /* one precise reading: no rate yet */
	ck_assert_uint_eq(c.hold_calls_left, 0);

	/* Fast calls: one call in 10 us, so 20 ms should take 1999 calls
	 * (from the last reading); the hold lasts half of them, the bound
	 * then is the coarse clock's again. */
	fake_ns += 10000;
	hs_clock_upper_bound(&c);
	int64_t due = hs_clock_now(&c, 0) + 20;
	hs_clock_hold(&c, due);
	ck_assert_uint_eq(c.hold_calls_left, 999);
	unsigned held = 0;
	while (hs_clock_upper_bound(&c) == due - 1)
		held++;
	ck_assert_uint_eq(held, 999);
	ck_assert_uint_eq(c.hold_calls_left, 0);
	ck_assert_int_eq(hs_clock_upper_bound(&c), 4); /* the tick above the coarse reading */
	ck_assert_int_ge(hs_clock_upper_bound(&c), clock_ms_now(&c));

	/* Slow calls: 100,000 calls in 1 ms set a hold of many calls; then
	 * one call in 200 us: the coarse clock ends the hold once it reaches
	 * the due time, read on one call in `every`: after the fast calls
	 * that grew it to HS_CLOCK_BOUND_CALLS_MAX, at most that many late. */
	for (int i = 0; i < 100000; i++)
		hs_clock_upper_bound(&c);
	fake_ns += 1000000;
	due = hs_clock_now(&c, 0) + 15;
	hs_clock_hold(&c, due);
	ck_assert_uint_gt(c.hold_calls_left, 1000);
	int64_t seen;
	while ((seen = hs_clock_upper_bound(&c)) < due) {
		ck_assert_int_eq(seen, due - 1);
		fake_ns += 200000;
	}
	ck_assert_int_ge(clock_ms_now(&c), due);
	ck_assert_int_le((fake_ns - (c.origin + due * 1000000)) / 1000,
			 FAKE_TICK_NS / 1000 + HS_CLOCK_BOUND_CALLS_MAX * 200);
	ck_assert_uint_eq(c.hold_calls_left, 0);
	hs_clock_set_reader(NULL);
}
END_TEST

/* hs_clock_take_repeats takes exactly the calls that would repeat the
 * last answer without reading a clock: as many as a copy of the clock
 * answers alike, leaving it in the same state; the next call reads. */
START_TEST(clock_repeats_are_the_calls_answered_alike)
{
	struct hs_clock a, b;
	fake_clock_start();
	ck_assert_int_eq(hs_clock_init(&a, HS_TIME_MS), 0);
	hs_clock_now(&a, 0);
	unsigned total = 0, in_hold = 0;
	for (int step = 0; step < 20000; step++) {
		if (step % 2000 == 1000) { /* a precise reading, then a hold */
			int64_t t = hs_clock_now(&a, 0);
			hs_clock_hold(&a, t + 3);
		}
		int64_t last = hs_clock_upper_bound(&a);
		b = a;
		unsigned reads = fake_reads;
		in_hold += a.hold_calls_left > 1;
		unsigned k = hs_clock_take_repeats(&a);
		ck_assert_uint_le(k, HS_CLOCK_BOUND_CALLS_MAX);
		for (unsigned i = 0; i < k; i++)
			ck_assert_int_eq(hs_clock_upper_bound(&b), last);
		ck_assert_uint_eq(fake_reads, reads);
		ck_assert(memcmp(&a, &b, sizeof a) == 0);
		hs_clock_upper_bound(&b);
		ck_assert_uint_eq(fake_reads, reads + 1); /* k was all of them */
		total += k;
		fake_ns += (step % 5) * 2000; /* calls 0 to 8 us apart */
	}
	ck_assert_uint_gt(total, 20000);
	ck_assert_uint_gt(in_hold, 100);
	hs_clock_set_reader(NULL);
}
END_TEST

/* The coarse clock is read less often while calls come faster than its
 * ticks, and on one call in HS_CLOCK_BOUND_CALLS again once it moved. */
START_TEST(clock_reads_follow_the_rate)
{
	struct hs_clock c;
	fake_clock_start();
	ck_assert_int_eq(hs_clock_init(&c, HS_TIME_MS), 0);
	ck_assert_uint_eq(c.every, HS_CLOCK_BOUND_CALLS);
	hs_clock_now(&c, 0);
	for (int i = 0; i < 200; i++) { /* one call a microsecond: a tick is 4000 */
		hs_clock_upper_bound(&c);
		fake_ns += 1000;
	}
	ck_assert_uint_eq(c.every, HS_CLOCK_BOUND_CALLS_MAX);
	fake_ns += FAKE_TICK_NS;
	unsigned calls = 0;
	while (c.every != HS_CLOCK_BOUND_CALLS && calls <= HS_CLOCK_BOUND_CALLS_MAX) {
		hs_clock_upper_bound(&c);
		calls++;
	}
	ck_assert_uint_eq(c.every, HS_CLOCK_BOUND_CALLS);
	ck_assert_uint_le(calls, HS_CLOCK_BOUND_CALLS_MAX); /* the first reading saw it move */
	ck_assert_int_ge(hs_clock_upper_bound(&c), clock_ms_now(&c));
	hs_clock_set_reader(NULL);
}
END_TEST

START_TEST(fn_lists_append_in_order)
{
	hs_options_defaults(&opts);
	ck_assert_int_eq(hs_options_parse_one(&opts, "--alloc-fn=my_malloc", err, sizeof(err)), 0);
	ck_assert_int_eq(hs_options_parse_one(&opts, "--alloc-fn=operator new(unsigned long)", err,
					      sizeof(err)),
			 0);
	ck_assert_int_eq(hs_options_parse_one(&opts, "--ignore-fn=skip_me", err, sizeof(err)), 0);
	ck_assert_uint_eq(opts.n_alloc_fns, 2);
	ck_assert_str_eq(opts.alloc_fns[0], "my_malloc");
	ck_assert_str_eq(opts.alloc_fns[1], "operator new(unsigned long)");
	ck_assert_uint_eq(opts.n_ignore_fns, 1);
	ck_assert_str_eq(opts.ignore_fns[0], "skip_me");
}
END_TEST

START_TEST(fn_list_is_bounded)
{
	hs_options_defaults(&opts);
	for (unsigned i = 0; i < HS_MAX_FNS; i++)
		ck_assert_int_eq(hs_options_parse_one(&opts, "--ignore-fn=f", err, sizeof(err)), 0);
	ck_assert_int_eq(hs_options_parse_one(&opts, "--ignore-fn=f", err, sizeof(err)), -1);
	ck_assert_uint_eq(opts.n_ignore_fns, HS_MAX_FNS);
	ck_assert_str_eq(err, "bad value in option '--ignore-fn=f' (expected a name of 1 to 511 "
			      "characters, at most 64 of them)");
	/* 511 characters fit, 512 do not. */
	static char arg[16 + HS_FN_NAME_MAX];
	strcpy(arg, "--alloc-fn=");
	memset(arg + 11, 'x', HS_FN_NAME_MAX - 1);
	arg[11 + HS_FN_NAME_MAX - 1] = '\0';
	ck_assert_int_eq(parse(arg), 0);
	strcat(arg, "x");
	ck_assert_int_eq(parse(arg), -1);
}
END_TEST

START_TEST(desc_lists_options_as_given)
{
	/* Massif: "desc: --time-unit=B --massif-out-file=example.massif.out". */
	hs_options_defaults(&opts);
	ck_assert_int_eq(
		hs_options_parse_string(&opts, "--time-unit=B --massif-out-file=example.massif.out",
					err, sizeof(err)),
		0);
	ck_assert_str_eq(opts.desc, " --time-unit=B --massif-out-file=example.massif.out");
	ck_assert_str_eq(opts.out_file, "example.massif.out");
}
END_TEST

/* Parse a whole command line's options into fresh defaults; 0 or -1. */
static int parse_all(const char *const *args, unsigned n)
{
	hs_options_defaults(&opts);
	err[0] = '\0';
	for (unsigned i = 0; i < n; i++)
		if (hs_options_parse_one(&opts, args[i], err, sizeof(err)) != 0)
			return -1;
	return 0;
}

START_TEST(massif_options_are_listed_core_options_are_not)
{
	/* Valgrind 3.19, "valgrind --tool=massif -q --stats=yes --trace-children=yes
	 * --log-file=l.txt --alignment=32 --xtree-memory=none --show-below-main=no
	 * --read-inline-info=yes --vgdb=no --num-callers=40 --time-unit=B
	 * --ignore-fn=allocBuckets(void*, unsigned int) --massif-out-file=d.out ./a"
	 * wrote this desc: line. */
	const char *args[] = { "--tool=massif",
			       "-q",
			       "--stats=yes",
			       "--trace-children=yes",
			       "--log-file=l.txt",
			       "--alignment=32",
			       "--xtree-memory=none",
			       "--show-below-main=no",
			       "--read-inline-info=yes",
			       "--vgdb=no",
			       "--num-callers=40",
			       "--time-unit=B",
			       "--ignore-fn=allocBuckets(void*, unsigned int)",
			       "--massif-out-file=d.out" };
	ck_assert_int_eq(parse_all(args, sizeof(args) / sizeof(args[0])), 0);
	ck_assert_str_eq(opts.desc, " --alignment=32 --xtree-memory=none --time-unit=B "
				    "--ignore-fn=allocBuckets(void*, unsigned int) "
				    "--massif-out-file=d.out");
	ck_assert_int_eq(opts.verbosity, 0);
	ck_assert(opts.stats);
	ck_assert(opts.trace_children);
	ck_assert_str_eq(opts.log_file, "l.txt");
	ck_assert_str_eq(opts.ignore_fns[0], "allocBuckets(void*, unsigned int)");
	/* "valgrind --tool=massif --heap=no --detailed-freq=1 ..." */
	const char *heap_no[] = { "--heap=no", "--detailed-freq=1", "--massif-out-file=hn3.out" };
	ck_assert_int_eq(parse_all(heap_no, 3), 0);
	ck_assert(!opts.heap);
	ck_assert_str_eq(opts.desc, " --heap=no --detailed-freq=1 --massif-out-file=hn3.out");
	/* The no forms of the refused options are Massif options like any. */
	const char *nos[] = { "--pages-as-heap=no", "--stacks=no", "--heap=yes" };
	ck_assert_int_eq(parse_all(nos, 3), 0);
	ck_assert_str_eq(opts.desc, " --pages-as-heap=no --stacks=no --heap=yes");
	ck_assert(opts.heap);
	/* "valgrind --tool=massif --pages-as-heap=no --stacks=no --heap=yes
	 * --show-below-main=yes --fullpath-after= --demangle=no
	 * --read-inline-info=no --sym-offsets=yes --num-callers=12
	 * --redzone-size=16 --xtree-compress-strings=no --massif-out-file=d3.out"
	 * wrote "desc: --pages-as-heap=no --stacks=no --heap=yes
	 * --xtree-compress-strings=no --massif-out-file=d3.out". */
	const char *more[] = { "--pages-as-heap=no",
			       "--stacks=no",
			       "--heap=yes",
			       "--show-below-main=yes",
			       "--fullpath-after=",
			       "--demangle=no",
			       "--read-inline-info=no",
			       "--sym-offsets=yes",
			       "--num-callers=12",
			       "--redzone-size=16",
			       "--xtree-compress-strings=no",
			       "--massif-out-file=d3.out" };
	ck_assert_int_eq(parse_all(more, sizeof(more) / sizeof(more[0])), 0);
	ck_assert_str_eq(opts.desc, " --pages-as-heap=no --stacks=no --heap=yes "
				    "--xtree-compress-strings=no --massif-out-file=d3.out");
}
END_TEST

START_TEST(verbosity_is_valgrinds)
{
	const char *v2[] = { "-v", "--verbose" };
	ck_assert_int_eq(parse_all(v2, 2), 0);
	ck_assert_int_eq(opts.verbosity, 3);
	const char *vq[] = { "-v", "-q" };
	ck_assert_int_eq(parse_all(vq, 2), 0);
	ck_assert_int_eq(opts.verbosity, 0);
	const char *qv[] = { "--quiet", "-v" };
	ck_assert_int_eq(parse_all(qv, 2), 0);
	ck_assert_int_eq(opts.verbosity, 1);
	ck_assert_str_eq(opts.desc, "");
}
END_TEST

START_TEST(log_options_replace_each_other)
{
	ck_assert_int_eq(parse("--log-fd=9"), 0);
	ck_assert_int_eq(opts.log_fd, 9);
	const char *both[] = { "--log-fd=9", "--log-file=run.%p.log" };
	ck_assert_int_eq(parse_all(both, 2), 0);
	ck_assert_int_eq(opts.log_fd, -1);
	ck_assert_str_eq(opts.log_file, "run.%p.log");
	const char *back[] = { "--log-file=x", "--log-fd=2" };
	ck_assert_int_eq(parse_all(back, 2), 0);
	ck_assert_int_eq(opts.log_fd, 2);
	ck_assert_str_eq(opts.log_file, "");
	ck_assert_int_eq(parse("--log-fd=-1"), -1);
	ck_assert_str_eq(err, "bad value in option '--log-fd=-1' (expected a descriptor)");
	ck_assert_int_eq(parse("--log-file="), -1);
	ck_assert_str_eq(err, "bad value in option '--log-file=' (expected a file name)");
	ck_assert_str_eq(opts.desc, "");
}
END_TEST

START_TEST(refusals_say_why_in_one_line)
{
	ck_assert_int_eq(parse("--pages-as-heap=yes"), -1);
	ck_assert_str_eq(err, "option '--pages-as-heap=yes' is not possible with a preload: it "
			      "needs every page mapped (mmap, brk, the loader's), which only "
			      "Valgrind sees");
	ck_assert_int_eq(parse("--stacks=yes"), -1);
	ck_assert_str_eq(err, "option '--stacks=yes' is not possible with a preload: it needs "
			      "every move of the stack pointer, which only Valgrind sees");
	ck_assert_int_eq(parse("--tool=memcheck"), -1);
	ck_assert_str_eq(err, "option '--tool=memcheck': heapsnap is a Massif only (use "
			      "--tool=massif)");
	ck_assert_ptr_null(strchr(err, '\n'));
	ck_assert_int_eq(parse("--heap=maybe"), -1);
	ck_assert_int_eq(parse("--stats=1"), -1);
	ck_assert_str_eq(err, "bad value in option '--stats=1' (expected yes or no)");
}
END_TEST

START_TEST(ignored_options_leave_a_note)
{
	const char *args[] = { "--vgdb=no",       "--read-inline-info=yes", "--stats=yes",
			       "--smc-check=all", "--alignment=64",         "--stats=no" };
	ck_assert_int_eq(parse_all(args, 6), 0);
	/* --stats=yes is honoured now (the recorder prints Massif's figures):
	 * no note, not in desc:, and the last one given wins. */
	ck_assert(!opts.stats);
	ck_assert_str_eq(opts.notes,
			 "heapsnap: --smc-check=all: ignored: the program runs natively, not "
			 "translated\n"
			 "heapsnap: --alignment=64: ignored: blocks are aligned as the program's "
			 "malloc does\n");
	ck_assert_str_eq(opts.desc, " --alignment=64");
	/* Prefix entries: any value, any --vex-* option; not a longer name. */
	ck_assert_int_eq(parse("--vex-iropt-register-updates=allregs-at-mem-access"), 0);
	ck_assert_int_eq(parse("--max-threads=1000"), 0);
	ck_assert_int_eq(parse("--vgdbx=no"), -1);
	ck_assert_int_eq(parse("--vgdb"), -1);
	/* The notes fill up without harm: the run is never refused for them. */
	hs_options_defaults(&opts);
	for (unsigned i = 0; i < 200; i++)
		ck_assert_int_eq(hs_options_parse_one(&opts, "--sim-hints=x", err, sizeof(err)), 0);
	ck_assert(strlen(opts.notes) < sizeof(opts.notes));
	ck_assert(opts.notes[strlen(opts.notes) - 1] == '\n');
}
END_TEST

START_TEST(fn_names_keep_spaces_and_parentheses)
{
	/* Massif matches the demangled name as given: spaces, parentheses,
	 * template brackets, commas, even '=' in an operator's name. */
	const char *args[] = { "--ignore-fn=allocBuckets(void*, unsigned int)",
			       "--alloc-fn=Pool<std::pair<int, int> >::take(unsigned long) const",
			       "--alloc-fn=operator=(Buf const&)" };
	ck_assert_int_eq(parse_all(args, 3), 0);
	ck_assert_str_eq(opts.ignore_fns[0], "allocBuckets(void*, unsigned int)");
	ck_assert_str_eq(opts.alloc_fns[0],
			 "Pool<std::pair<int, int> >::take(unsigned long) const");
	ck_assert_str_eq(opts.alloc_fns[1], "operator=(Buf const&)");
	/* And through HEAPSNAP_OPTIONS, escaped by the launcher. */
	char escaped[256];
	ck_assert_int_ge(hs_options_escape(args[1], escaped, sizeof(escaped)), 0);
	hs_options_defaults(&opts);
	ck_assert_int_eq(hs_options_parse_string(&opts, escaped, err, sizeof(err)), 0);
	ck_assert_str_eq(opts.alloc_fns[0],
			 "Pool<std::pair<int, int> >::take(unsigned long) const");
}
END_TEST

START_TEST(string_splits_on_whitespace_and_unescapes)
{
	hs_options_defaults(&opts);
	ck_assert_int_eq(hs_options_parse_string(
				 &opts,
				 "  --depth=5\t\n--alloc-fn=operator\\ new(unsigned\\ long)  "
				 "--massif-out-file=a\\\\b ",
				 err, sizeof(err)),
			 0);
	ck_assert_uint_eq(opts.depth, 5);
	ck_assert_str_eq(opts.alloc_fns[0], "operator new(unsigned long)");
	ck_assert_str_eq(opts.out_file, "a\\b");
	ck_assert_str_eq(
		opts.desc,
		" --depth=5 --alloc-fn=operator new(unsigned long) --massif-out-file=a\\b");
	hs_options_defaults(&opts);
	ck_assert_int_eq(hs_options_parse_string(&opts, "", err, sizeof(err)), 0);
	ck_assert_str_eq(opts.desc, "");
}
END_TEST

START_TEST(string_stops_at_the_first_bad_option)
{
	hs_options_defaults(&opts);
	ck_assert_int_eq(
		hs_options_parse_string(&opts, "--depth=5 --bogus --depth=7", err, sizeof(err)),
		-1);
	ck_assert_str_eq(err, "unknown option '--bogus'");
	ck_assert_uint_eq(opts.depth, 5);
}
END_TEST

START_TEST(escape_round_trips)
{
	const char *args[] = { "--alloc-fn=operator new[](unsigned long, std::nothrow_t const&)",
			       "--massif-out-file=/tmp/dir with space/x\\y\tz", "--depth=3" };
	char line[2048] = "";
	char one[512];

	for (unsigned i = 0; i < 3; i++) {
		ck_assert_int_ge(hs_options_escape(args[i], one, sizeof(one)), 0);
		strcat(line, " ");
		strcat(line, one);
	}
	hs_options_defaults(&opts);
	ck_assert_int_eq(hs_options_parse_string(&opts, line, err, sizeof(err)), 0);
	ck_assert_str_eq(opts.alloc_fns[0], "operator new[](unsigned long, std::nothrow_t const&)");
	ck_assert_str_eq(opts.out_file, "/tmp/dir with space/x\\y\tz");
	ck_assert_uint_eq(opts.depth, 3);
	ck_assert_int_eq(hs_options_escape("a b", one, 4), -1);
	ck_assert_int_eq(hs_options_escape("a b", one, 5), 4);
	ck_assert_str_eq(one, "a\\ b");
}
END_TEST

START_TEST(known_names_are_all_known)
{
	/* Each name a misspelt option may be told to use is one the parser
	 * takes (with a value when it takes one): no "did you mean" names an
	 * unknown option.  The prefix entries for a family ("--vex-") are no
	 * names to suggest. */
	const char *name;
	size_t k;
	int saw_max_snapshots = 0;
	for (k = 0; (name = hs_options_known(k)) != NULL; k++) {
		char arg[128];
		size_t len = strlen(name);
		snprintf(arg, sizeof(arg), "%s%s", name, name[len - 1] == '=' ? "1" : "");
		parse(arg);
		ck_assert_msg(strncmp(err, HS_OPTIONS_UNKNOWN, strlen(HS_OPTIONS_UNKNOWN)) != 0,
			      "%s: %s", arg, err);
		ck_assert_msg(name[len - 1] != '-', "%s is a prefix", name);
		saw_max_snapshots += strcmp(name, "--max-snapshots=") == 0;
	}
	ck_assert_int_eq(saw_max_snapshots, 1);
	ck_assert_uint_ge(k, 60);
	parse("--bogus");
	ck_assert_str_eq(err, HS_OPTIONS_UNKNOWN "--bogus'");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("rec_options");
	TCase *tc = tcase_create("options");

	tcase_add_test(tc, defaults_are_massifs);
	tcase_add_test(tc, copy_takes_every_field);
	tcase_add_test(tc, each_option_sets_its_field);
	tcase_add_test(tc, ranges_are_massifs);
	tcase_add_test(tc, bad_values_name_the_option);
	tcase_add_test(tc, unknown_options_are_refused);
	tcase_add_test(tc, time_unit_i_needs_a_counter);
	tcase_add_test(tc, fn_lists_append_in_order);
	tcase_add_test(tc, fn_list_is_bounded);
	tcase_add_test(tc, desc_lists_options_as_given);
	tcase_add_test(tc, massif_options_are_listed_core_options_are_not);
	tcase_add_test(tc, verbosity_is_valgrinds);
	tcase_add_test(tc, log_options_replace_each_other);
	tcase_add_test(tc, refusals_say_why_in_one_line);
	tcase_add_test(tc, ignored_options_leave_a_note);
	tcase_add_test(tc, fn_names_keep_spaces_and_parentheses);
	tcase_add_test(tc, string_splits_on_whitespace_and_unescapes);
	tcase_add_test(tc, string_stops_at_the_first_bad_option);
	tcase_add_test(tc, escape_round_trips);
	tcase_add_test(tc, known_names_are_all_known);
	tcase_add_test(tc, clock_upper_bound_is_never_below_the_clock);
	tcase_add_test(tc, clock_hold_skips_precise_readings_then_ends);
	tcase_add_test(tc, clock_reads_follow_the_rate);
	tcase_add_test(tc, clock_repeats_are_the_calls_answered_alike);
	suite_add_tcase(s, tc);
	return hs_check_run(s);
}
