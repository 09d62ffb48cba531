/* test_rec_series: the per-site series, from the recorder's dirty list
 * and POINT records (src/core/journal.c) to the companion file
 * (src/resolve/series_out.c, doc/format-series.md): exact bytes per site
 * at every snapshot taken, culled ones and the end included, sites merged
 * as the Massif trees merge them, frames labelled as the tree lines are,
 * the memory probe read at snapshots only, a forked child's record, and
 * the sites too small to keep. */
#include <check.h>

#include "hs_check.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "arena.h"
#include "filter.h"
#include "journal.h"
#include "rawread.h"
#include "recorder.h"
#include "resolve.h"
#include "series_out.h"
#include "test_rec_support.h"

#define N(a) (unsigned)(sizeof(a) / sizeof *(a))

static const uintptr_t st_a[] = { 0x402000, 0x401000 };
static const uintptr_t st_b[] = { 0x403000, 0x401000 };
static const uintptr_t st_xb[] = { 0x404000, 0x403000, 0x401000 }; /* B through xalloc */
static const uintptr_t st_c[] = { 0x405000, 0x401000 };            /* inlined */

static const struct fake_sym syms[] = {
	{ 0x401000, "main", "t.c", 10, "/bin/t" },
	{ 0x402000, "fa", "t.c", 20, "/bin/t" },
	{ 0x403000, "fb", "t.c", 30, "/bin/t" },
	{ 0x404000, "xalloc", "t.c", 40, "/bin/t" },
	{ 0x405000, "inl", "t.h", 5, "/bin/t" },
	{ 0x405000, "fc", "t.c", 50, "/bin/t" },
	{ 0, NULL, NULL, 0, NULL },
};

static struct hs_options opts;
static unsigned g_probes;                         /* calls of the fake memory probe */
static void (*g_damage)(char *bytes, size_t len); /* what a test does to the raw record */

/* A fake /proc/self/statm: the nth reading says n pages resident and 16n
 * mapped, so the series shows which reading each point got. */
static int fake_probe(uint64_t *rss_bytes, uint64_t *mapped_bytes)
{
	g_probes++;
	*rss_bytes = 4096 * (uint64_t)g_probes;
	*mapped_bytes = 65536 * (uint64_t)g_probes;
	return 0;
}

static void setup(void)
{
	g_damage = NULL;
	test_options(&opts);
	g_probes = 0;
	hs_rec_set_memory_probe(fake_probe);
}

static void teardown(void)
{
	hs_rec_set_memory_probe(NULL);
}

static void *ptr(unsigned i)
{
	return (void *)(uintptr_t)(0x40000000u + 64u * i);
}

static char g_text[1 << 16];

/* End the recording, read the raw record back, and write its Massif file
 * (into massif, when not NULL) and its series; returns the series. */
static const char *finish_series(const char *ending, char *massif, size_t massif_len)
{
	if (ending == NULL)
		ck_assert_int_eq(hs_rec_end("exit"), 0);
	struct hs_raw raw;
	char err[512] = "";
	int raw_fd = test_raw_fd();
	if (g_damage != NULL) {
		static char bytes[1 << 20];
		ssize_t n = pread(raw_fd, bytes, sizeof bytes, 0);
		ck_assert(n > 0 && (size_t)n < sizeof bytes);
		g_damage(bytes, (size_t)n);
		raw_fd = test_memfile(bytes, (size_t)n);
	}
	ck_assert_msg(hs_raw_read_fd(raw_fd, "raw", &raw, err, sizeof err) == 0, "%s", err);
	if (g_damage != NULL)
		close(raw_fd);
	free(raw.cmd);
	raw.cmd = strdup("./t");
	struct hs_symbolizer sym = fake_symbolizer(syms);
	int mfd = memfd_create("massif", 0);
	ck_assert_int_eq(hs_resolve_write(&raw, mfd, ending, &sym, err, sizeof err), 0);
	off_t msize = lseek(mfd, 0, SEEK_END);
	if (massif != NULL) {
		ck_assert(msize >= 0 && (size_t)msize < massif_len);
		ck_assert_int_eq(pread(mfd, massif, (size_t)msize, 0), msize);
		massif[msize] = '\0';
	}
	close(mfd);
	struct hs_arena arena;
	hs_arena_init(&arena);
	struct hs_filter filter;
	hs_filter_init(&filter, &sym, &raw.opts, &arena);
	int fd = memfd_create("series", 0);
	ck_assert_msg(
		hs_series_write(fd, &raw, (uint64_t)msize, ending, &filter, err, sizeof err) == 0,
		"%s", err);
	hs_filter_destroy(&filter);
	hs_arena_destroy(&arena);
	hs_raw_free(&raw);
	off_t len = lseek(fd, 0, SEEK_END);
	ck_assert(len >= 0 && (size_t)len < sizeof g_text);
	ck_assert_int_eq(pread(fd, g_text, (size_t)len, 0), len);
	g_text[len] = '\0';
	close(fd);
	return g_text;
}

/* The massif_size line of a series, for comparing with what was written. */
static void strip_size(char *text)
{
	char *p = strstr(text, "massif_size: ");
	ck_assert_ptr_nonnull(p);
	char *e = strchr(p, '\n');
	memmove(p + 13, e, strlen(e) + 1);
}

/* A scripted run of four stacks, two of which are one site once xalloc is
 * stripped, with 10 snapshots at most: the table is culled, so the series
 * has points the Massif file has not.  Time unit B: each time is the
 * bytes allocated and freed so far, each block counting 8 bytes of admin;
 * the peak is taken before the free that ends it, with the block in. */
START_TEST(scripted_exact)
{
	opts.max_snapshots = 10;
	opts.detailed_freq = 3;
	strcpy(opts.alloc_fns[0], "xalloc");
	opts.n_alloc_fns = 1;
	ck_assert_int_eq(test_rec_init(&opts), 0);
	hs_rec_alloc(ptr(0), 96, st_a, N(st_a));    /* time 104 */
	hs_rec_alloc(ptr(1), 160, st_xb, N(st_xb)); /* 272, detailed (every 3rd) */
	hs_rec_alloc(ptr(2), 48, st_c, N(st_c));    /* 328 */
	hs_rec_alloc(ptr(3), 32, st_b, N(st_b));    /* 368 */
	hs_rec_free(ptr(1));                        /* the peak at 368, then 536 */
	hs_rec_alloc(ptr(4), 64, st_a, N(st_a));    /* 608 */
	hs_rec_free(ptr(0));                        /* 712, detailed */
	/* 736 fills the table: culled to 5, the interval becomes 104 (from 0 to 104), so
	 * of 736 ... 856 only 736 and 856 (past 840) are taken. */
	for (unsigned i = 5; i < 11; i++)
		hs_rec_alloc(ptr(i), 16, st_a, N(st_a));
	hs_rec_free(ptr(4)); /* 928: inside the interval, the end point only */
	char massif[8192];
	const char *text = finish_series(NULL, massif, sizeof massif);
	/* The Massif file holds 6 of the 11 snapshots taken: 272, 328,
	 * 368 (before the peak), 608 and 712 were culled. */
	ck_assert_uint_eq(count_snapshots(massif), 6);
	ck_assert_ptr_nonnull(strstr(massif, "time=856\n"));
	const char *want = "heapsnap-series 1\n"
			   "cmd: ./t\n"
			   "time_unit: B\n"
			   "massif_size: \n"
			   "sample: 0\n"
			   "t 0 0 0 0 4096 65536 n\n"
			   "a 0\n"
			   "f 0 0x402000: fa (t.c:20)\n"
			   "f 1 0x401000: main (t.c:10)\n"
			   "c 0 0 1\n"
			   "t 1 104 96 8 8192 131072 n\n"
			   "a 104\n"
			   "b 0=96\n"
			   "f 2 0x403000: fb (t.c:30)\n"
			   "c 1 2 1\n"
			   "t 2 272 256 16 12288 196608 d\n"
			   "a 272\n"
			   "b 1=160\n"
			   "f 3 0x405000: inl (t.h:5)\n"
			   "f 4 0x405000: fc (t.c:50)\n"
			   "c 2 3 4 1\n"
			   "t 3 328 304 24 16384 262144 n\n"
			   "a 328\n"
			   "b 2=48\n"
			   "t 4 368 336 32 20480 327680 n\n"
			   "a 368\n"
			   "b 1=192\n"
			   "t 5 368 336 32 24576 393216 p\n"
			   "a 368\n"
			   "t 6 536 176 24 28672 458752 n\n"
			   "a 536\n"
			   "b 1=32\n"
			   "t 7 608 240 32 32768 524288 n\n"
			   "a 608\n"
			   "b 0=160\n"
			   "t 8 712 144 24 36864 589824 d\n"
			   "a 712\n"
			   "b 0=64\n"
			   "t 9 736 160 32 40960 655360 n\n"
			   "a 736\n"
			   "b 0=80\n"
			   "t 10 856 240 72 45056 720896 n\n"
			   "a 856\n"
			   "b 0=160\n"
			   "t 11 928 176 64 49152 786432 x\n"
			   "a 928\n"
			   "b 0=96\n"
			   "end exit\n";
	char got[sizeof g_text];
	strcpy(got, text);
	strip_size(got);
	ck_assert_str_eq(got, want);
	/* massif_size is the Massif file's size. */
	char size_line[64];
	snprintf(size_line, sizeof size_line, "\nmassif_size: %zu\n", strlen(massif));
	ck_assert_ptr_nonnull(strstr(text, size_line));
}
END_TEST

/* --final-snapshot=yes: the Massif file ends with its final snapshot (a
 * t line of kind d), and the end point comes after it all the same;
 * with no: the same points but the final one. */
START_TEST(end_point_whatever_final_snapshot)
{
	for (int final = 0; final < 2; final++) {
		test_options(&opts);
		opts.final_snapshot = final;
		g_probes = 0;
		ck_assert_int_eq(test_rec_init(&opts), 0);
		hs_rec_alloc(ptr(0), 96, st_a, N(st_a));
		hs_rec_alloc(ptr(1), 32, st_b, N(st_b));
		hs_rec_free(ptr(0));
		char got[sizeof g_text];
		strcpy(got, finish_series(NULL, NULL, 0));
		strip_size(got);
		const char *tail = final ? "t 4 248 32 8 20480 327680 n\n"
					   "a 248\n"
					   "b 0=0\n"
					   "t 5 248 32 8 24576 393216 d\n"
					   "a 248\n"
					   "t 6 248 32 8 28672 458752 x\n"
					   "a 248\n"
					   "end exit\n"
					 : "t 4 248 32 8 20480 327680 n\n"
					   "a 248\n"
					   "b 0=0\n"
					   "t 5 248 32 8 24576 393216 x\n"
					   "a 248\n"
					   "end exit\n";
		ck_assert_msg(strlen(got) > strlen(tail) &&
				      strcmp(got + strlen(got) - strlen(tail), tail) == 0,
			      "final=%d:\n%s", final, got);
		/* The peak, before the free: nothing changed since t 2. */
		ck_assert_ptr_nonnull(strstr(got, "b 1=32\n"
						  "t 3 144 128 16 16384 262144 p\n"
						  "a 144\n"
						  "t 4 "));
	}
}
END_TEST

/* The probe is read at snapshots only: 1000 allocations inside the
 * minimum interval read it no more. */
START_TEST(probe_at_snapshots_only)
{
	opts.max_snapshots = 10;
	ck_assert_int_eq(test_rec_init(&opts), 0);
	for (unsigned i = 0; i < 1000; i++)
		hs_rec_alloc(ptr(i), 16, st_a, N(st_a));
	ck_assert_int_eq(hs_rec_end("exit"), 0);
	struct hs_raw raw;
	char err[512] = "";
	ck_assert_msg(hs_raw_read_fd(test_raw_fd(), "raw", &raw, err, sizeof err) == 0, "%s", err);
	/* One reading per snapshot taken, one for the end. */
	ck_assert_uint_eq(g_probes, raw.n_points);
	ck_assert_uint_lt(raw.n_points, 200);
	ck_assert_uint_eq(raw.points[raw.n_points - 1].kind, HS_POINT_END);
	ck_assert_uint_eq(raw.points[raw.n_points - 1].rss_bytes, 4096 * (uint64_t)g_probes);
	/* Each point lists site A once: its bytes changed since the last. */
	for (size_t i = 1; i + 1 < raw.n_points; i++)
		ck_assert_uint_eq(raw.points[i].n_changes, 1);
	hs_raw_free(&raw);
}
END_TEST

/* A forked child's record starts with the table's snapshots (a detailed
 * one lists its contexts; their resident sizes are the parent's), then
 * every context again at its first point, so the child's series stands
 * alone: B, which changed after the last detailed snapshot, comes then. */
START_TEST(reopened_record)
{
	opts.detailed_freq = 2;
	ck_assert_int_eq(test_rec_init(&opts), 0);
	hs_rec_alloc(ptr(0), 96, st_a, N(st_a)); /* detailed */
	hs_rec_alloc(ptr(1), 32, st_b, N(st_b));
	test_rec_reopen();                       /* the child */
	hs_rec_alloc(ptr(2), 16, st_c, N(st_c)); /* detailed */
	char got[sizeof g_text];
	strcpy(got, finish_series(NULL, NULL, 0));
	strip_size(got);
	ck_assert_msg(strstr(got, "t 0 0 0 0 4096 65536 n\n"
				  "a 0\n"
				  "f 0 0x402000: fa (t.c:20)\n"
				  "f 1 0x401000: main (t.c:10)\n"
				  "c 0 0 1\n"
				  "t 1 104 96 8 8192 131072 d\n"
				  "a 104\n"
				  "b 0=96\n"
				  "t 2 144 128 16 12288 196608 n\n"
				  "a 144\n"
				  "f 2 0x403000: fb (t.c:30)\n"
				  "c 1 2 1\n"
				  "f 3 0x405000: inl (t.h:5)\n"
				  "f 4 0x405000: fc (t.c:50)\n"
				  "c 2 3 4 1\n"
				  "t 3 168 144 24 16384 262144 d\n"
				  "a 168\n"
				  "b 1=32 2=16\n"
				  "t 4 168 144 24 20480 327680 x\n"
				  "a 168\n") != NULL,
		      "%s", got);
}
END_TEST

/* Whatever the time unit, every point carries the bytes allocated and
 * freed so far (the B axis the leak rules judge on): with ms, the raw
 * points and the series' a records hold the churn after one of the calls,
 * exactly, never going back, and the end holds all of it. */
START_TEST(alloc_axis_in_ms)
{
	opts.time_unit = HS_TIME_MS;
	ck_assert_int_eq(test_rec_init(&opts), 0);
	hs_rec_alloc(ptr(0), 96, st_a, N(st_a));  /* churn 104 */
	hs_rec_alloc(ptr(1), 160, st_b, N(st_b)); /* 272 */
	hs_rec_alloc(ptr(2), 48, st_c, N(st_c));  /* 328 */
	hs_rec_free(ptr(1));                      /* 496 */
	ck_assert_int_eq(hs_rec_end("exit"), 0);
	struct hs_raw raw;
	char err[512] = "";
	ck_assert_msg(hs_raw_read_fd(test_raw_fd(), "raw", &raw, err, sizeof err) == 0, "%s", err);
	ck_assert_uint_ge(raw.n_points, 2);
	uint64_t last = 0;
	for (size_t i = 0; i < raw.n_points; i++) {
		const struct hs_raw_point *pt = &raw.points[i];
		ck_assert_uint_eq(pt->has_alloc, 1);
		ck_assert_msg(pt->alloc_bytes == 0 || pt->alloc_bytes == 104 ||
				      pt->alloc_bytes == 272 || pt->alloc_bytes == 328 ||
				      pt->alloc_bytes == 496,
			      "point %zu: %llu", i, (unsigned long long)pt->alloc_bytes);
		ck_assert_uint_ge(pt->alloc_bytes, last);
		last = pt->alloc_bytes;
	}
	ck_assert_uint_eq(raw.points[0].alloc_bytes, 0);
	ck_assert_uint_eq(raw.points[raw.n_points - 1].kind, HS_POINT_END);
	ck_assert_uint_eq(raw.points[raw.n_points - 1].alloc_bytes, 496);
	hs_raw_free(&raw);
}
END_TEST

/* With a time unit other than B, series-only points follow the churn: one
 * every 4 KiB allocated or freed, the step doubling every 1024 points, each
 * at its exact churn (its kind says no snapshot).  In B, none. */
START_TEST(series_points_on_the_b_axis)
{
	for (int unit_b = 0; unit_b < 2; unit_b++) {
		test_options(&opts);
		opts.time_unit = unit_b ? HS_TIME_BYTES : HS_TIME_MS;
		opts.heap_admin = 0; /* 1 KiB of churn a block, no slop */
		ck_assert_int_eq(test_rec_init(&opts), 0);
		for (unsigned i = 0; i < 5000; i++)
			hs_rec_alloc(ptr(i), 1024, st_a, N(st_a));
		ck_assert_int_eq(hs_rec_end("exit"), 0);
		struct hs_raw raw;
		char err[512] = "";
		ck_assert_msg(hs_raw_read_fd(test_raw_fd(), "raw", &raw, err, sizeof err) == 0,
			      "%s", err);
		size_t n = 0;
		uint64_t want = 0;
		for (size_t i = 0; i < raw.n_points; i++) {
			const struct hs_raw_point *pt = &raw.points[i];
			if (pt->kind != HS_POINT_SERIES)
				continue;
			want += n < 1024 ? 4096 : 8192;
			ck_assert_uint_eq(pt->alloc_bytes, want);
			ck_assert_uint_eq(pt->heap_bytes, want);
			ck_assert_uint_eq(pt->rss_bytes, 0); /* no probe: unknown */
			n++;
		}
		/* 1024 at 4 KiB steps to 4 MiB, then 113 at 8 KiB to 5,120,000. */
		ck_assert_uint_eq(n, unit_b ? 0 : 1137);
		hs_raw_free(&raw);
	}
}
END_TEST

/* Sites that never reach 1/10000 of the peak heap are left out: a 16-byte
 * block beside a megabyte. */
START_TEST(small_sites_left_out)
{
	ck_assert_int_eq(test_rec_init(&opts), 0);
	hs_rec_alloc(ptr(0), 1000000, st_a, N(st_a));
	hs_rec_alloc(ptr(1), 16, st_b, N(st_b));
	hs_rec_alloc(ptr(2), 100, st_c, N(st_c));
	const char *got = finish_series(NULL, NULL, 0);
	ck_assert_ptr_nonnull(strstr(got, "b 0=1000000\n"));
	ck_assert_ptr_nonnull(strstr(got, "b 1=100\n"));
	ck_assert_ptr_null(strstr(got, "fb"));
	ck_assert_ptr_null(strstr(got, "=16\n"));
}
END_TEST

/* A long run: thousands of snapshots taken, about 200 written beside the
 * Massif file's, each exact (the bytes of the points left out carried
 * into the next): here the heap is all site A's, so each t line's heap_B
 * is the site's bytes at the last b before it. */
START_TEST(points_bounded_and_exact)
{
	opts.peak_inaccuracy = 0; /* every new high is a peak snapshot */
	ck_assert_int_eq(test_rec_init(&opts), 0);
	for (unsigned i = 0; i < 20000; i++) {
		hs_rec_alloc(ptr(2 * i), 16, st_a, N(st_a));
		hs_rec_alloc(ptr(2 * i + 1), 16, st_a, N(st_a));
		hs_rec_free(ptr(2 * i + 1));
	}
	struct hs_raw raw;
	char err[512] = "";
	ck_assert_int_eq(hs_rec_end("exit"), 0);
	ck_assert_msg(hs_raw_read_fd(test_raw_fd(), "raw", &raw, err, sizeof err) == 0, "%s", err);
	size_t taken = raw.n_points, kept = raw.n_snapshots;
	hs_raw_free(&raw);
	ck_assert_uint_gt(taken, kept + 1000);
	const char *got = finish_series("exit 0", NULL, 0);
	unsigned n_t = 0;
	uint64_t site = 0, heap_before = 0;
	for (const char *l = got; *l != '\0'; l = strchr(l, '\n') + 1) {
		unsigned long long seq, time, heap;
		if (sscanf(l, "b 0=%llu", &heap) == 1)
			site = heap;
		/* The state after a point's b lines is its heap. */
		if ((l[0] == 't' || l[0] == 'e') && n_t > 0)
			ck_assert_uint_eq(heap_before, site);
		if (sscanf(l, "t %llu %llu %llu", &seq, &time, &heap) == 3) {
			ck_assert_uint_eq(seq, n_t);
			heap_before = heap;
			n_t++;
		}
	}
	ck_assert_uint_le(n_t, kept + 202);
	ck_assert_uint_gt(n_t, kept + 100);
}
END_TEST

/* How the program ended: the record's END, else the launcher's status. */
START_TEST(end_line)
{
	ck_assert_int_eq(test_rec_init(&opts), 0);
	ck_assert_int_eq(hs_rec_end("signal 15 (SIGTERM)"), 0);
	const char *got = finish_series("exit 1", NULL, 0);
	ck_assert_ptr_nonnull(strstr(got, "\nend signal 15 (SIGTERM)\n"));
}
END_TEST

/* A damaged record's times (a snapshot's or a point's time that goes back
 * or falls below 0, a B position that goes back or passes 2^63): the
 * reader holds them to the formats' rules, so heapsnap-print reads the
 * files written from it (before, it refused the Massif file and set the
 * series aside, "not a complete heapsnap series file"). */
static void times_go_back(char *bytes, size_t len)
{
	unsigned n_snap = 0, n_point = 0;
	for (size_t pos = HS_JOURNAL_MAGIC_LEN; pos + 8 <= len;) {
		uint32_t plen, kind;
		memcpy(&plen, bytes + pos, 4);
		memcpy(&kind, bytes + pos + 4, 4);
		char *payload = bytes + pos + 8;
		int64_t t;
		uint64_t a;
		if (kind == HS_JR_SNAPSHOT) { /* seq, time, ... */
			t = n_snap == 1 ? -7 : -1000;
			if (n_snap == 1 || n_snap == 2)
				memcpy(payload + 8, &t, 8);
			n_snap++;
		} else if (kind == HS_JR_POINT) { /* seq, time, ..., alloc_bytes last */
			t = n_point == 1 ? -7 : -1007;
			if (n_point == 1 || n_point == 2)
				memcpy(payload + 8, &t, 8);
			a = n_point == 2 ? UINT64_MAX : 1;
			if (n_point == 2 || n_point == 3)
				memcpy(payload + plen - 8, &a, 8);
			n_point++;
		}
		pos += 8 + plen;
	}
	ck_assert_uint_ge(n_snap, 3);
	ck_assert_uint_ge(n_point, 5);
}

START_TEST(damaged_points_held_to_the_format)
{
	opts.time_unit = HS_TIME_MS;
	opts.detailed_freq = 1;
	ck_assert_int_eq(test_rec_init(&opts), 0);
	for (unsigned i = 0; i < 6; i++)
		hs_rec_alloc(ptr(i), 96 + 16 * i, i % 2 ? st_a : st_b, 2);
	g_damage = times_go_back;
	static char massif[1 << 16];
	const char *got = finish_series(NULL, massif, sizeof massif);
	/* The Massif file's times too (heapsnap-print refuses a time that goes
	 * back, or one below 0). */
	long long last_snap = 0;
	unsigned n_snap = 0;
	for (const char *t = massif; (t = strstr(t, "\ntime=")) != NULL; t++, n_snap++) {
		long long v = strtoll(t + 6, NULL, 10);
		ck_assert_msg(v >= last_snap, "snapshot %u: time=%lld after %lld", n_snap, v,
			      last_snap);
		last_snap = v;
	}
	ck_assert_uint_ge(n_snap, 3);
	long long last_time = 0, last_alloc = 0;
	unsigned n_t = 0, n_a = 0;
	for (const char *line = got; line != NULL && *line != '\0';) {
		long long seq, v;
		if (sscanf(line, "t %lld %lld ", &seq, &v) == 2) {
			ck_assert_msg(v >= last_time, "time %lld after %lld", v, last_time);
			last_time = v;
			n_t++;
		} else if (strncmp(line, "a ", 2) == 0) {
			unsigned long long a = strtoull(line + 2, NULL, 10);
			ck_assert_msg(a <= INT64_MAX && (long long)a >= last_alloc,
				      "allocated %llu after %lld", a, last_alloc);
			last_alloc = (long long)a;
			n_a++;
		}
		line = strchr(line, '\n');
		line = line != NULL ? line + 1 : NULL;
	}
	ck_assert_uint_ge(n_t, 5);
	ck_assert_uint_eq(n_a, n_t);
	ck_assert_int_eq(last_alloc, INT64_MAX); /* held at 2^63 - 1 from point 2 on */
}
END_TEST

static Suite *series_suite(void)
{
	Suite *s = suite_create("series");
	TCase *tc = tcase_create("series");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, scripted_exact);
	tcase_add_test(tc, end_point_whatever_final_snapshot);
	tcase_add_test(tc, probe_at_snapshots_only);
	tcase_add_test(tc, reopened_record);
	tcase_add_test(tc, small_sites_left_out);
	tcase_add_test(tc, points_bounded_and_exact);
	tcase_add_test(tc, end_line);
	tcase_add_test(tc, alloc_axis_in_ms);
	tcase_add_test(tc, series_points_on_the_b_axis);
	tcase_add_test(tc, damaged_points_held_to_the_format);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return hs_check_run(series_suite());
}
