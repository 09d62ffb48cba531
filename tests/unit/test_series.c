/* Unit tests of the companion series file's parser (print/series.h) and of
 * its site table (sites_series.h): good files, stale ones, bad lines. */
#include "config.h"

#include <check.h>

#include "hs_check.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leak_report.h"
#include "outbuf.h"
#include "series.h"
#include "sites.h"
#include "sites_series.h"

static const char good[] = "heapsnap-series 1\n"
			   "cmd: ./prog a b\n"
			   "time_unit: B\n"
			   "massif_size: 1234\n"
			   "sample: 0\n"
			   "t 0 0 0 0 0 0 n\n"
			   "f 0 0x4005F3: leak (prog.c:12)\n"
			   "f 1 0x400600: main (prog.c:30)\n"
			   "f 2 0x500000: prog::main::{closure#0} (main.rs:7)\n"
			   "c 0 0 1\n"
			   "c 1 2\n"
			   "t 1 100 64 8 4096 8192 d\n"
			   "b 0=64\n"
			   "z a record of a later version\n"
			   "\n"
			   "t 2 250 96 16 4096 8192 n\n"
			   "b 1=32\n"
			   "t 3 300 128 16 4096 8192 p\n"
			   "b 0=96 1=32\n"
			   "t 4 400 0 0 0 0 x\n"
			   "b 0=0 1=0\n"
			   "end exit\n";

static int parse(const char *text, struct hs_series *s, char *err, size_t len)
{
	err[0] = '\0';
	return hs_series_parse("m.out.series", text, strlen(text), s, err, len);
}

START_TEST(good_file)
{
	struct hs_series s;
	char err[512];
	ck_assert_msg(parse(good, &s, err, sizeof err) == 0, "%s", err);
	ck_assert_str_eq(s.cmd, "./prog a b");
	ck_assert_str_eq(s.time_unit, "B");
	ck_assert_uint_eq(s.massif_size, 1234);
	ck_assert_uint_eq(s.sample_B, 0);
	ck_assert_uint_eq(s.n_frames, 3);
	/* Whole labels: no cut at '#'. */
	ck_assert_str_eq(s.frames[2], "0x500000: prog::main::{closure#0} (main.rs:7)");
	ck_assert_uint_eq(s.n_sites, 2);
	ck_assert_uint_eq(s.site_n_frames[0], 2);
	ck_assert_uint_eq(s.site_frames[0][1], 1);
	ck_assert_uint_eq(s.n_points, 5);
	ck_assert_int_eq(s.points[2].time, 250);
	ck_assert_uint_eq(s.points[1].rss_B, 4096);
	ck_assert_uint_eq(s.points[1].mapped_B, 8192);
	ck_assert_int_eq(s.points[3].kind, 'p');
	ck_assert_int_eq(s.points[4].kind, 'x');
	ck_assert_str_eq(s.end, "exit");
	ck_assert(!s.has_alloc); /* no a records: no B axis */
	/* A site keeps its bytes until they change. */
	uint64_t b[5];
	hs_series_site_bytes(&s, 0, b);
	static const uint64_t want0[5] = { 0, 64, 64, 96, 0 };
	static const uint64_t want1[5] = { 0, 0, 32, 32, 0 };
	for (size_t i = 0; i < 5; i++)
		ck_assert_uint_eq(b[i], want0[i]);
	hs_series_site_bytes(&s, 1, b);
	for (size_t i = 0; i < 5; i++)
		ck_assert_uint_eq(b[i], want1[i]);
	hs_series_free(&s);
	hs_series_free(&s); /* a freed one is fine */
}
END_TEST

START_TEST(run_from_series)
{
	/* Two contexts with the same frames' text at other addresses: one site. */
	static const char text[] = "heapsnap-series 1\ncmd: x\ntime_unit: ms\nmassif_size: 9\n"
				   "sample: 512\n"
				   "f 0 0x1: f (a.c:1)\nf 1 0x2: f (a.c:1)\nf 2 0x3: main (a.c:9)\n"
				   "c 0 0 2\nc 1 1 2\n"
				   "t 0 5 10 0 0 0 d\nb 0=10\n"
				   "t 1 6 30 0 0 0 d\nb 1=20\n"
				   "t 2 7 25 0 0 0 n\nb 0=5\n";
	struct hs_series s;
	char err[512];
	ck_assert_msg(parse(text, &s, err, sizeof err) == 0, "%s", err);
	ck_assert_ptr_null(s.end);
	struct hs_run *run = hs_run_from_series(&s, "m.out");
	ck_assert(run->dense);
	ck_assert_uint_eq(run->sample_B, 512);
	ck_assert_str_eq(run->time_unit, "ms");
	ck_assert_uint_eq(run->n_snaps, 3);
	ck_assert_uint_eq(run->n_detailed, 3);
	ck_assert_uint_eq(run->n_sites, 1);
	ck_assert_str_eq(run->sites[0].path, "f (a.c:1)\nmain (a.c:9)");
	ck_assert_uint_eq(run->sites[0].bytes[0], 10);
	ck_assert_uint_eq(run->sites[0].bytes[1], 30);
	ck_assert_uint_eq(run->sites[0].bytes[2], 25);
	ck_assert_uint_eq(run->snaps[2].heap_B, 25);
	hs_run_free(run);
	hs_series_free(&s);
}
END_TEST

START_TEST(stale_companion)
{
	struct hs_series s;
	char err[512], note[600];
	ck_assert(parse(good, &s, err, sizeof err) == 0);
	ck_assert(hs_series_check(&s, 1234, "./prog a b", 10, note, sizeof note));
	ck_assert(!hs_series_check(&s, 1235, "./prog a b", 10, note, sizeof note));
	ck_assert_str_eq(note, "m.out.series is stale (written with a Massif file of 1234 bytes, "
			       "this one has 1235): ignored");
	ck_assert(!hs_series_check(&s, 1234, "./prog a c", 10, note, sizeof note));
	ck_assert_str_eq(note, "m.out.series is stale (written for another command): ignored");
	hs_series_free(&s);
	ck_assert_ptr_null(hs_series_path_for("-"));
	char *p = hs_series_path_for("dir/massif.out.12");
	ck_assert_str_eq(p, "dir/massif.out.12.series");
	free(p);
}
END_TEST

/* The a records: each point's bytes allocated and freed so far. */
START_TEST(alloc_records)
{
	static const char text[] = "heapsnap-series 1\ncmd: x\ntime_unit: ms\nmassif_size: 9\n"
				   "sample: 0\n"
				   "f 0 0x1: f (a.c:1)\nc 0 0\n"
				   "t 0 0 0 0 0 0 n\na 0\n"
				   "t 1 7 64 8 0 0 d\na 72\nb 0=64\n"
				   "t 2 7 64 8 0 0 n\na 5000\n"
				   "t 3 9 0 0 0 0 x\nb 0=0\na 5072\n";
	struct hs_series s;
	char err[512];
	ck_assert_msg(parse(text, &s, err, sizeof err) == 0, "%s", err);
	ck_assert(s.has_alloc);
	static const int64_t want[4] = { 0, 72, 5000, 5072 };
	for (size_t i = 0; i < 4; i++) {
		ck_assert(s.points[i].has_alloc);
		ck_assert_int_eq(s.points[i].alloc_B, want[i]);
	}
	struct hs_run *run = hs_run_from_series(&s, "m.out");
	ck_assert(run->has_alloc);
	ck_assert_str_eq(run->time_unit, "ms");
	for (size_t i = 0; i < 4; i++)
		ck_assert_int_eq(run->snaps[i].alloc_B, want[i]);
	ck_assert_int_eq(run->snaps[2].time, 7);
	hs_run_free(run);
	hs_series_free(&s);

	/* One point without its a record: no B axis for the run. */
	static const char part[] = "heapsnap-series 1\ntime_unit: ms\n"
				   "t 0 0 0 0 0 0 n\na 0\nt 1 3 0 0 0 0 x\n";
	ck_assert_msg(parse(part, &s, err, sizeof err) == 0, "%s", err);
	ck_assert(!s.has_alloc);
	ck_assert(s.points[0].has_alloc && !s.points[1].has_alloc);
	run = hs_run_from_series(&s, "m.out");
	ck_assert(!run->has_alloc);
	hs_run_free(run);
	hs_series_free(&s);
}
END_TEST

/* The leak rules judge on the B axis when the series has it, and report
 * times in the file's unit.  A warm-up fills site w over the first 8 of 40
 * points, then the heap stays put while the program churns 100,000 bytes
 * between points: on the B axis the fill is the run's first 2.4% and the
 * flat rest says no leak; without the a records, the heap's moves are the
 * axis and the flat rest has no length, so w's fill spans the whole run. */
static char *warmup_series(bool with_alloc)
{
	static char buf[8192];
	size_t n = (size_t)snprintf(buf, sizeof buf,
				    "heapsnap-series 1\ncmd: x\ntime_unit: ms\nmassif_size: 9\n"
				    "sample: 0\nf 0 0x1: warm (w.c:1)\nf 1 0x2: main (w.c:9)\n"
				    "c 0 0 1\n");
	for (int i = 0; i <= 40; i++) {
		int w = i <= 8 ? 1000 * i : 8000;
		long long a = i <= 8 ? 1000LL * i : 8000 + 100000LL * (i - 8);
		n += (size_t)snprintf(buf + n, sizeof buf - n, "t %d %d %d 0 0 0 %c\n", i,
				      i <= 8 ? 10 * i : 80 + (i - 8), w, i == 40 ? 'x' : 'n');
		if (with_alloc)
			n += (size_t)snprintf(buf + n, sizeof buf - n, "a %lld\n", a);
		if (i >= 1 && i <= 8)
			n += (size_t)snprintf(buf + n, sizeof buf - n, "b 0=%d\n", w);
	}
	return buf;
}

static size_t suspects_of(const char *text, char *report, size_t len)
{
	struct hs_series s;
	char err[512];
	ck_assert_msg(parse(text, &s, err, sizeof err) == 0, "%s", err);
	struct hs_run *run = hs_run_from_series(&s, "m.out");
	struct hs_outbuf ob;
	hs_outbuf_init(&ob);
	size_t n = hs_leak_report(&ob, run, false);
	snprintf(report, len, "%.*s", (int)ob.len, ob.data);
	hs_outbuf_free(&ob);
	hs_run_free(run);
	hs_series_free(&s);
	return n;
}

START_TEST(leaks_judged_on_the_alloc_axis)
{
	char report[8192];
	ck_assert_uint_eq(suspects_of(warmup_series(true), report, sizeof report), 0);
	ck_assert_msg(strstr(report, "time 0 to 112 ms.\n") != NULL, "%s", report);
	ck_assert_msg(strstr(report, "No staircase") != NULL, "%s", report);
	ck_assert_msg(strstr(report, "No leak suspects") != NULL, "%s", report);
	ck_assert_uint_eq(suspects_of(warmup_series(false), report, sizeof report), 1);
	ck_assert_msg(strstr(report, "1. warm (w.c:1)\n") != NULL, "%s", report);
}
END_TEST

/* Each bad input and the one line it must give. */
static const struct {
	const char *text, *msg;
} bad[] = {
	{ "", "m.out.series:1: empty file, not a heapsnap series file" },
	{ "desc: x\n", "m.out.series:1: not a heapsnap series file (no 'heapsnap-series 1' line)" },
	{ "heapsnap-series 2\n", "m.out.series:1: version 2 not supported (1 is)" },
	{ "heapsnap-series 1\ntime_unit: s\n", "m.out.series:2: bad time unit 's' (i, ms or B)" },
	{ "heapsnap-series 1\nmassif_size: 12k\n",
	  "m.out.series:2: bad massif_size '12k' (a whole number of bytes or units)" },
	{ "heapsnap-series 1\nf 1 0x1: f\n",
	  "m.out.series:2: frame 1 defined out of order (expected 0)" },
	{ "heapsnap-series 1\nf 0\n", "m.out.series:2: frame 0 has no label" },
	{ "heapsnap-series 1\nf 0 0x1: f\nc 0 0 1\n",
	  "m.out.series:3: site 0 uses frame 1, not defined before" },
	{ "heapsnap-series 1\nc 3\n", "m.out.series:2: site 3 defined out of order (expected 0)" },
	{ "heapsnap-series 1\nt 1 0 0 0 0 0 n\n",
	  "m.out.series:2: snapshot 1 out of order (expected 0)" },
	{ "heapsnap-series 1\nt 0 9 0 0 0 0 n\nt 1 8 0 0 0 0 n\n",
	  "m.out.series:3: time 8 goes back (previous snapshot: 9)" },
	{ "heapsnap-series 1\nt 0 9 0 0 0 0 q\n",
	  "m.out.series:2: bad snapshot kind 'q' (n, d, p or x)" },
	{ "heapsnap-series 1\nt 0 9 0 0 0\n", "m.out.series:2: missing mapped bytes" },
	{ "heapsnap-series 1\nt 0 9 0 0 0 0 n 7\n",
	  "m.out.series:2: unexpected '7' at the end of a 't' record" },
	{ "heapsnap-series 1\nt 0 9 -1 0 0 0 n\n",
	  "m.out.series:2: bad heap bytes '-1' (a whole number of bytes or units)" },
	{ "heapsnap-series 1\nb 0=1\n",
	  "m.out.series:2: site bytes before the first snapshot ('t' record)" },
	{ "heapsnap-series 1\nt 0 0 0 0 0 0 n\nb 0=1\n",
	  "m.out.series:3: site 0 not defined before" },
	{ "heapsnap-series 1\nf 0 0x1: f\nc 0 0\nt 0 0 0 0 0 0 n\nb 0:1\n",
	  "m.out.series:5: bad site bytes '0:1' (SITE=BYTES)" },
	{ "heapsnap-series 1\na 5\n",
	  "m.out.series:2: allocated bytes before the first snapshot ('t' record)" },
	{ "heapsnap-series 1\nt 0 0 0 0 0 0 n\na 5\na 6\n",
	  "m.out.series:4: a second 'a' record for snapshot 0" },
	{ "heapsnap-series 1\nt 0 0 0 0 0 0 n\na 5\nt 1 0 0 0 0 0 n\na 4\n",
	  "m.out.series:5: allocated bytes 4 go back (snapshot 0: 5)" },
	{ "heapsnap-series 1\nt 0 0 0 0 0 0 n\na x\n",
	  "m.out.series:3: bad allocated bytes 'x' (a whole number of bytes or units)" },
	{ "heapsnap-series 1\nt 0 0 0 0 0 0 n\na 5 6\n",
	  "m.out.series:3: unexpected '6' at the end of a 'a' record" },
	{ "heapsnap-series 1\nt 0 99999999999999999999 0 0 0 0 n\n",
	  "m.out.series:2: bad time '99999999999999999999' (a whole number of bytes or units)" },
};

START_TEST(bad_lines)
{
	struct hs_series s;
	char err[512];
	ck_assert_int_eq(parse(bad[_i].text, &s, err, sizeof err), -1);
	ck_assert_str_eq(err, bad[_i].msg);
	ck_assert_uint_eq(s.n_points, 0);
	ck_assert_ptr_null(s.frames);
}
END_TEST

START_TEST(unreadable_file)
{
	struct hs_series s;
	char err[512];
	ck_assert_int_eq(hs_series_read("/nonexistent/m.series", &s, err, sizeof err), -1);
	ck_assert_str_eq(err, "/nonexistent/m.series: No such file or directory");
}
END_TEST

static Suite *series_suite(void)
{
	Suite *s = suite_create("series");
	TCase *tc = tcase_create("parse");
	tcase_add_test(tc, good_file);
	tcase_add_test(tc, run_from_series);
	tcase_add_test(tc, stale_companion);
	tcase_add_loop_test(tc, bad_lines, 0, (int)(sizeof bad / sizeof bad[0]));
	tcase_add_test(tc, unreadable_file);
	tcase_add_test(tc, alloc_records);
	tcase_add_test(tc, leaks_judged_on_the_alloc_axis);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return hs_check_run(series_suite());
}
