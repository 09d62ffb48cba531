/* test_rec_replay: the recorder driven end to end with fake pointers and
 * stacks, its files compared with Valgrind Massif's real output. */
#include <check.h>

#include "hs_check.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recorder.h"
#include "test_rec_support.h"

/* Addresses and names as Massif reported them for example.c (tests/fixtures/example.massif.out). */
enum {
	G_MALLOC = 0x109156,     /* g (example.c:5) */
	F_MALLOC = 0x109167,     /* f (example.c:10) */
	F_CALLS_G = 0x10916C,    /* f (example.c:11) */
	MAIN_LOOP = 0x10918A,    /* main (example.c:20) */
	MAIN_CALLS_F = 0x1091A6, /* main (example.c:23) */
	MAIN_CALLS_G = 0x1091AB, /* main (example.c:25) */
	LIBC_CALL_MAIN = 0x48A1D8F,
	LIBC_START_MAIN = 0x48A1E3F,
	START = 0x109084,
	MALLOC_WRAPPER = 0x484DD00, /* a frame inside an allocator: stripped */
};

static const struct fake_sym example_syms[] = {
	{ G_MALLOC, "g", "example.c", 5, "/home/user/example" },
	{ F_MALLOC, "f", "example.c", 10, "/home/user/example" },
	{ F_CALLS_G, "f", "example.c", 11, "/home/user/example" },
	{ MAIN_LOOP, "main", "example.c", 20, "/home/user/example" },
	{ MAIN_CALLS_F, "main", "example.c", 23, "/home/user/example" },
	{ MAIN_CALLS_G, "main", "example.c", 25, "/home/user/example" },
	{ LIBC_CALL_MAIN, "__libc_start_call_main", "libc_start_call_main.h", 58,
	  "/usr/lib/x86_64-linux-gnu/libc.so.6" },
	{ LIBC_START_MAIN, "__libc_start_main_impl", "libc-start.c", 360,
	  "/usr/lib/x86_64-linux-gnu/libc.so.6" },
	{ START, "_start", NULL, 0, "/home/user/example" },
	{ MALLOC_WRAPPER, "malloc", "vg_replace_malloc.c", 381,
	  "/usr/lib/heapsnap/libheapsnap.so" },
	{ 0, NULL, NULL, 0, NULL },
};

static const uintptr_t st_loop[] = { MAIN_LOOP, LIBC_CALL_MAIN, LIBC_START_MAIN, START };
static const uintptr_t st_f[] = { MALLOC_WRAPPER, F_MALLOC,        MAIN_CALLS_F,
				  LIBC_CALL_MAIN, LIBC_START_MAIN, START };
static const uintptr_t st_f_g[] = { G_MALLOC,       F_CALLS_G,       MAIN_CALLS_F,
				    LIBC_CALL_MAIN, LIBC_START_MAIN, START };
static const uintptr_t st_main_g[] = { MALLOC_WRAPPER, MALLOC_WRAPPER,  G_MALLOC, MAIN_CALLS_G,
				       LIBC_CALL_MAIN, LIBC_START_MAIN, START };

#define N(a) (unsigned)(sizeof(a) / sizeof *(a))

/* A fake heap address: never dereferenced. */
static void *fake_ptr(unsigned i)
{
	return (void *)(uintptr_t)(0x10000000u + 0x1000u * i);
}

static void start_b(void (*tweak)(struct hs_options *))
{
	struct hs_options opts;
	test_options(&opts);
	if (tweak != NULL)
		tweak(&opts);
	ck_assert_int_eq(test_rec_init(&opts), 0);
}

static void example_opts(struct hs_options *opts)
{
	strcpy(opts->desc, " --time-unit=B --massif-out-file=example.massif.out");
}

/* The event sequence of example.c. */
static void replay_example(void)
{
	for (unsigned i = 0; i < 10; i++)
		hs_rec_alloc(fake_ptr(i), 1000, st_loop, N(st_loop));
	hs_rec_alloc(fake_ptr(10), 2000, st_f, N(st_f));
	hs_rec_alloc(fake_ptr(11), 4000, st_f_g, N(st_f_g));
	hs_rec_alloc(fake_ptr(12), 4000, st_main_g, N(st_main_g));
	for (unsigned i = 0; i < 10; i++)
		hs_rec_free(fake_ptr(i));
}

START_TEST(example_matches_massif)
{
	start_b(example_opts);
	replay_example();
	struct hs_symbolizer sym = fake_symbolizer(example_syms);
	const char *got = finish_to_text("./example", &sym);
	ck_assert_str_eq(got, read_fixture("example.massif.out"));
}
END_TEST

static void example_final_opts(struct hs_options *opts)
{
	example_opts(opts);
	opts->final_snapshot = true;
}

/* --final-snapshot=yes: Massif's file, then one more snapshot, detailed,
 * with the state at the end. */
START_TEST(example_final_snapshot)
{
	start_b(example_final_opts);
	replay_example();
	struct hs_symbolizer sym = fake_symbolizer(example_syms);
	const char *got = finish_to_text("./example", &sym);
	const char *want = read_fixture("example.massif.out");
	size_t n = strlen(want);
	ck_assert_msg(strncmp(got, want, n) == 0, "differs from Massif:\n%s", got);
	const char *tail = got + n;
	ck_assert_str_eq(
		tail, "#-----------\nsnapshot=25\n#-----------\n"
		      "time=30344\nmem_heap_B=10000\nmem_heap_extra_B=24\nmem_stacks_B=0\n"
		      "heap_tree=detailed\n"
		      "n3: 10000 (heap allocation functions) malloc/new/new[], --alloc-fns, etc.\n"
		      " n2: 8000 0x109156: g (example.c:5)\n"
		      "  n1: 4000 0x10916C: f (example.c:11)\n"
		      "   n0: 4000 0x1091A6: main (example.c:23)\n"
		      "  n0: 4000 0x1091AB: main (example.c:25)\n"
		      " n1: 2000 0x109167: f (example.c:10)\n"
		      "  n0: 2000 0x1091A6: main (example.c:23)\n"
		      " n0: 0 in 1 place, below massif's threshold (1.00%)\n");
}
END_TEST

/* got must be Massif's file followed by exactly extra more snapshots
 * (--final-snapshot=yes: one); returns their text. */
static const char *expect_massif_plus(const char *got, const char *fixture, unsigned extra)
{
	const char *want = read_fixture(fixture);
	size_t n = strlen(want);
	if (strncmp(got, want, n) != 0) {
		/* Name the first differing line, not the whole file. */
		size_t i = 0, line = 1, bol = 0;
		while (got[i] == want[i]) {
			if (got[i] == '\n') {
				line++;
				bol = i + 1;
			}
			i++;
		}
		ck_abort_msg("differs from %s at line %zu:\nwant: %.120s\ngot:  %.120s", fixture,
			     line, want + bol, got + bol);
	}
	unsigned n_massif = count_snapshots(want);
	ck_assert_uint_eq(count_snapshots(got), n_massif + extra);
	if (extra == 0)
		ck_assert_str_eq(got + n, "");
	return got + n;
}

/* got must be Massif's file, byte for byte. */
static void expect_massif(const char *got, const char *fixture)
{
	expect_massif_plus(got, fixture, 0);
}

static const uintptr_t below_main[] = { LIBC_CALL_MAIN, LIBC_START_MAIN, START };

/* frames = site, then main's callers. */
static unsigned stack_at(uintptr_t site, uintptr_t *out)
{
	out[0] = site;
	memcpy(out + 1, below_main, sizeof below_main);
	return 1 + N(below_main);
}

static const struct fake_sym small_syms[] = {
	{ 0x109153, "main", "culling.c", 5, NULL },
	{ 0x10915A, "main", "cullpeak.c", 4, NULL },
	{ 0x10917D, "main", "cullpeak.c", 7, NULL },
	{ 0x1091C6, "main", "churn.c", 17, NULL },
	{ 0x109156, "main", "peakmove.c", 4, NULL },
	{ 0x109168, "main", "peakmove.c", 5, NULL },
	{ 0x10917A, "main", "peakmove.c", 6, NULL },
	{ 0x10916A, "main", "reshape.c", 4, NULL },
	{ 0x10917F, "main", "reshape.c", 5, NULL },
	{ 0x109194, "main", "reshape.c", 6, NULL },
	{ 0x1091A9, "main", "reshape.c", 7, NULL },
	{ 0x1091B7, "main", "reshape.c", 8, NULL },
	{ 0x1091CC, "main", "reshape.c", 9, NULL },
	{ 0x1091DA, "main", "reshape.c", 10, NULL },
	{ 0x48F39A9, "strdup", "strdup.c", 42, "/usr/lib/x86_64-linux-gnu/libc.so.6" },
	{ 0x48CB1FA, "__fopen_internal", "iofopen.c", 65, "/usr/lib/x86_64-linux-gnu/libc.so.6" },
	{ 0x10919F, "main", NULL, 0, "/home/user/realloc_libc" },
	{ 0x1091BC, "main", NULL, 0, "/home/user/realloc_libc" },
	{ 0x1091CA, "main", NULL, 0, "/home/user/realloc_libc" },
	{ 0x1091DF, "main", NULL, 0, "/home/user/realloc_libc" },
	{ 0x1091F4, "main", NULL, 0, "/home/user/realloc_libc" },
	{ LIBC_CALL_MAIN, "__libc_start_call_main", "libc_start_call_main.h", 58, NULL },
	{ LIBC_START_MAIN, "__libc_start_main_impl", "libc-start.c", 360, NULL },
	{ START, "_start", NULL, 0, "/home/user/x" },
	{ 0, NULL, NULL, 0, NULL },
};

static void culling_opts(struct hs_options *opts)
{
	opts->heap_admin = 16;
	strcpy(opts->desc, " --time-unit=B --heap-admin=16 --massif-out-file=culling.massif.out");
}

/* format-massif.md §10: 200 x malloc(16), --heap-admin=16, two cullings. */
START_TEST(culling_matches_massif)
{
	uintptr_t st[8];
	unsigned n = stack_at(0x109153, st);
	start_b(culling_opts);
	for (unsigned i = 0; i < 200; i++)
		hs_rec_alloc(fake_ptr(i), 16, st, n);
	struct hs_symbolizer sym = fake_symbolizer(small_syms);
	const char *got = finish_to_text("./culling", &sym);
	expect_massif(got, "culling.massif.out");
	const char *s49 = snapshot_text(got, 49);
	ck_assert_ptr_nonnull(strstr(s49, "time=6368\nmem_heap_B=3184\n"));
	/* Detailed: [24, 29, 34, 39, 44, 49]. */
	for (unsigned i = 0; i < 50; i++) {
		int detailed = strstr(snapshot_text(got, i), "heap_tree=detailed") != NULL;
		ck_assert_int_eq(detailed, i >= 24 && (i - 24) % 5 == 0);
	}
}
END_TEST

static void culling_final_opts(struct hs_options *opts)
{
	culling_opts(opts);
	opts->final_snapshot = true;
}

/* --final-snapshot=yes after two cullings: the extra snapshot shows the
 * end, after Massif's last (t=6368 heap 3184). */
START_TEST(culling_final_snapshot)
{
	uintptr_t st[8];
	unsigned n = stack_at(0x109153, st);
	start_b(culling_final_opts);
	for (unsigned i = 0; i < 200; i++)
		hs_rec_alloc(fake_ptr(i), 16, st, n);
	struct hs_symbolizer sym = fake_symbolizer(small_syms);
	const char *got = finish_to_text("./culling", &sym);
	const char *final = expect_massif_plus(got, "culling.massif.out", 1);
	ck_assert_str_eq(
		final, "#-----------\nsnapshot=50\n#-----------\n"
		       "time=6400\nmem_heap_B=3200\nmem_heap_extra_B=3200\nmem_stacks_B=0\n"
		       "heap_tree=detailed\n"
		       "n1: 3200 (heap allocation functions) malloc/new/new[], --alloc-fns, etc.\n"
		       " n0: 3200 0x109153: main (culling.c:5)\n");
}
END_TEST

static void cullpeak_opts(struct hs_options *opts)
{
	opts->max_snapshots = 10;
	opts->detailed_freq = 3;
	strcpy(opts->desc,
	       " --time-unit=B --max-snapshots=10 --detailed-freq=3 --massif-out-file=cullpeak.massif.out");
}

/* Culling many times over a small table that holds peaks: peaks are
 * never culled, the interval rule skips pairs of uncullable snapshots. */
START_TEST(culling_with_peaks_matches_massif)
{
	uintptr_t st[8];
	start_b(cullpeak_opts);
	unsigned n = stack_at(0x10915A, st);
	hs_rec_alloc(fake_ptr(0), 5000, st, n);
	hs_rec_free(fake_ptr(0));
	n = stack_at(0x10917D, st);
	for (unsigned i = 0; i < 300; i++) {
		hs_rec_alloc(fake_ptr(1 + i), 16, st, n);
		if (i % 50 == 49)
			hs_rec_free(fake_ptr(1 + i));
	}
	struct hs_symbolizer sym = fake_symbolizer(small_syms);
	const char *got = finish_to_text("./cullpeak", &sym);
	expect_massif(got, "cullpeak.massif.out");
}
END_TEST

static void churn_opts(struct hs_options *opts)
{
	opts->max_snapshots = 10;
	opts->detailed_freq = 2;
	strcpy(opts->desc,
	       " --time-unit=B --max-snapshots=10 --detailed-freq=2 --massif-out-file=churn.massif.out");
}

/* fixtures/core/src/churn.c: random mallocs and frees, peaks moving
 * while a 10-snapshot table is culled again and again. */
START_TEST(churn_matches_massif)
{
	uintptr_t st[8];
	unsigned n = stack_at(0x1091C6, st);
	int live[8] = { 0 };
	unsigned x = 1;
	start_b(churn_opts);
	for (unsigned i = 0; i < 400; i++) {
		x = x * 1103515245u + 12345u;
		unsigned k = (x >> 16) % 8;
		if (live[k]) {
			hs_rec_free(fake_ptr(k));
			live[k] = 0;
		} else {
			hs_rec_alloc(fake_ptr(k), 1000, st, n);
			live[k] = 1;
		}
	}
	struct hs_symbolizer sym = fake_symbolizer(small_syms);
	const char *got = finish_to_text("./churn", &sym);
	expect_massif(got, "churn.massif.out");
}
END_TEST

static void peakmove_opts(struct hs_options *opts)
{
	strcpy(opts->desc, " --time-unit=B --massif-out-file=peakmove.massif.out");
}

static void peakmove_pi0_opts(struct hs_options *opts)
{
	opts->peak_inaccuracy = 0;
	strcpy(opts->desc,
	       " --time-unit=B --peak-inaccuracy=0 --massif-out-file=peakmove-pi0.massif.out");
}

static void replay_peakmove(void)
{
	static const uintptr_t site[] = { 0x109156, 0x109168, 0x10917A };
	static const size_t bytes[] = { 1000, 2000, 2016 };
	for (unsigned i = 0; i < 3; i++) {
		uintptr_t st[8];
		unsigned n = stack_at(site[i], st);
		hs_rec_alloc(fake_ptr(i), bytes[i], st, n);
		hs_rec_free(fake_ptr(i));
	}
}

/* format-massif.md §9: totals 1016 (peak), 2008 (new peak, 1016 turns detailed),
 * 2024 (not above 2008 + 20: no peak). */
START_TEST(peaks_match_massif)
{
	start_b(peakmove_opts);
	replay_peakmove();
	struct hs_symbolizer sym = fake_symbolizer(small_syms);
	const char *got = finish_to_text("./peakmove", &sym);
	expect_massif(got, "peakmove.massif.out");
	ck_assert_ptr_nonnull(strstr(
		snapshot_text(got, 2),
		"time=1016\nmem_heap_B=1000\nmem_heap_extra_B=16\nmem_stacks_B=0\nheap_tree=detailed\n"));
	ck_assert_ptr_nonnull(strstr(
		snapshot_text(got, 5),
		"time=4040\nmem_heap_B=2000\nmem_heap_extra_B=8\nmem_stacks_B=0\nheap_tree=peak\n"));
}
END_TEST

START_TEST(peak_inaccuracy_zero_matches_massif)
{
	start_b(peakmove_pi0_opts);
	replay_peakmove();
	struct hs_symbolizer sym = fake_symbolizer(small_syms);
	const char *got = finish_to_text("./peakmove", &sym);
	expect_massif(got, "peakmove-pi0.massif.out");
	ck_assert_ptr_nonnull(strstr(
		snapshot_text(got, 8),
		"time=8072\nmem_heap_B=2016\nmem_heap_extra_B=8\nmem_stacks_B=0\nheap_tree=peak\n"));
	ck_assert_ptr_nonnull(strstr(snapshot_text(got, 5), "heap_tree=detailed\n"));
}
END_TEST

/* A program that never frees has no peak (format-massif.md §9, Massif's nofree run). */
START_TEST(no_free_no_peak)
{
	start_b(NULL);
	for (unsigned i = 0; i < 35; i++)
		hs_rec_alloc(fake_ptr(i), 1000, st_loop, N(st_loop));
	struct hs_symbolizer sym = fake_symbolizer(example_syms);
	const char *got = finish_to_text("./nofree", &sym);
	ck_assert_ptr_null(strstr(got, "heap_tree=peak"));
	ck_assert_uint_eq(count_snapshots(got), 36);
	for (unsigned i = 0; i < 36; i++) {
		int detailed = strstr(snapshot_text(got, i), "heap_tree=detailed") != NULL;
		ck_assert_int_eq(detailed, i % 10 == 9);
	}
}
END_TEST

static void reshape_opts(struct hs_options *opts)
{
	opts->detailed_freq = 1;
	strcpy(opts->desc, " --time-unit=B --detailed-freq=1 --massif-out-file=reshape.massif.out");
}

static void realloc_to(void *old_ptr, void *new_ptr, size_t bytes, uintptr_t site)
{
	uintptr_t st[8];
	unsigned n = stack_at(site, st);
	uint64_t h = hs_rec_realloc_begin(old_ptr);
	ck_assert_uint_ne(h, 0);
	hs_rec_realloc_end(h, new_ptr, bytes, st, n);
}

static void alloc_at(void *ptr, size_t bytes, uintptr_t site)
{
	uintptr_t st[8];
	unsigned n = stack_at(site, st);
	hs_rec_alloc(ptr, bytes, st, n);
}

/* realloc: grow (a new block), shrink in place (heap -> extra at the same
 * time), the same size, growth inside the slop, realloc(NULL, n). */
START_TEST(realloc_shapes_match_massif)
{
	start_b(reshape_opts);
	alloc_at(fake_ptr(1), 100, 0x10916A);
	realloc_to(fake_ptr(1), fake_ptr(2), 5000, 0x10917F);
	realloc_to(fake_ptr(2), fake_ptr(2), 50, 0x109194);
	realloc_to(fake_ptr(2), fake_ptr(2), 50, 0x1091A9);
	alloc_at(fake_ptr(3), 20, 0x1091B7);
	realloc_to(fake_ptr(3), fake_ptr(3), 30, 0x1091CC);
	alloc_at(fake_ptr(4), 40, 0x1091DA);
	hs_rec_free(fake_ptr(2));
	hs_rec_free(fake_ptr(3));
	hs_rec_free(fake_ptr(4));
	struct hs_symbolizer sym = fake_symbolizer(small_syms);
	const char *got = finish_to_text("./reshape", &sym);
	expect_massif(got, "reshape.massif.out");
}
END_TEST

static const struct fake_sym huge_syms[] = {
	{ 0x10915A, "main", "huge.c", 7, NULL },
	{ 0x109168, "main", "huge.c", 8, NULL },
	{ 0x109176, "main", "huge.c", 9, NULL },
	{ LIBC_CALL_MAIN, "__libc_start_call_main", "libc_start_call_main.h", 58, NULL },
	{ 0, NULL, NULL, 0, NULL },
};

static void huge_opts(struct hs_options *opts)
{
	strcpy(opts->desc, " --time-unit=B --massif-out-file=huge.massif.out");
}

/* huge.c (tests/fixtures/huge.massif.out): blocks too big for Valgrind's
 * 4 MiB superblocks get one of their own, and their slop (4032 for 1 GiB
 * and 1.5 GiB) with it. */
START_TEST(huge_matches_massif)
{
	static const uintptr_t site[] = { 0x10915A, 0x109168, 0x109176 };
	static const size_t bytes[] = { (size_t)1 << 30, (size_t)3 << 29, 12345 };
	start_b(huge_opts);
	for (unsigned i = 0; i < 3; i++)
		alloc_at(fake_ptr(i), bytes[i], site[i]);
	hs_rec_free(fake_ptr(0));
	hs_rec_free(fake_ptr(2));
	hs_rec_free(fake_ptr(1));
	struct hs_symbolizer sym = fake_symbolizer(huge_syms);
	const char *got = finish_to_text("./huge", &sym);
	expect_massif(got, "huge.massif.out");
}
END_TEST

static void realloc_libc_opts(struct hs_options *opts)
{
	opts->detailed_freq = 1;
	strcpy(opts->desc,
	       " --time-unit=B --detailed-freq=1 --massif-out-file=realloc_libc.massif.out");
}

/* realloc_libc.c (tests/fixtures/realloc_libc.massif.out): allocations
 * inside libc, "(in /path)" frames. */
START_TEST(realloc_libc_matches_massif)
{
	uintptr_t st[8];
	start_b(realloc_libc_opts);
	st[0] = 0x48F39A9;
	st[1] = 0x10919F;
	hs_rec_alloc(fake_ptr(1), 14, st, 2); /* strdup */
	st[0] = 0x48CB1FA;
	st[1] = 0x1091BC;
	hs_rec_alloc(fake_ptr(2), 472, st, 2); /* fopen */
	alloc_at(fake_ptr(3), 100, 0x1091CA);
	realloc_to(fake_ptr(3), fake_ptr(4), 5000, 0x1091DF);
	realloc_to(fake_ptr(4), fake_ptr(4), 50, 0x1091F4);
	hs_rec_free(fake_ptr(2));
	hs_rec_free(fake_ptr(1));
	hs_rec_free(fake_ptr(4));
	struct hs_symbolizer sym = fake_symbolizer(small_syms);
	const char *got = finish_to_text("./realloc_libc", &sym);
	expect_massif(got, "realloc_libc.massif.out");
}
END_TEST

/* ---- tree.events: one event list, four sets of options -------------- */

#define EV_MAX_SYMS 64
#define EV_MAX_EVENTS 128
#define EV_MAX_FRAMES 16

struct event {
	char kind; /* 'a' or 'f' */
	unsigned block;
	size_t bytes;
	unsigned n_frames;
	uintptr_t frames[EV_MAX_FRAMES + 3];
};

static struct fake_sym ev_syms[EV_MAX_SYMS + 4];
static char ev_names[EV_MAX_SYMS][2][64];
static struct event events[EV_MAX_EVENTS];
static unsigned n_events;

/* Read tree.events; every stack gets main's callers appended, which
 * Massif had cut and our filter must cut again. */
static void load_events(const char *name)
{
	const char *top = getenv("top_srcdir");
	char path[4096];
	snprintf(path, sizeof path, "%s/tests/fixtures/core/%s", top != NULL ? top : ".", name);
	FILE *f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	unsigned n_syms = 0;
	char kind;
	n_events = 0;
	while (fscanf(f, " %c", &kind) == 1) {
		if (kind == 's') {
			ck_assert_uint_lt(n_syms, EV_MAX_SYMS);
			unsigned long addr;
			unsigned line;
			ck_assert_int_eq(fscanf(f, "%lx %63s %63s %u", &addr, ev_names[n_syms][0],
						ev_names[n_syms][1], &line),
					 4);
			ev_syms[n_syms] =
				(struct fake_sym){ addr, ev_names[n_syms][0], ev_names[n_syms][1],
						   line, "/tmp/fx/tree/tree" };
			n_syms++;
			continue;
		}
		ck_assert_uint_lt(n_events, EV_MAX_EVENTS);
		struct event *e = &events[n_events++];
		e->kind = kind;
		ck_assert_int_eq(fscanf(f, "%u", &e->block), 1);
		if (kind == 'f')
			continue;
		ck_assert_int_eq(kind, 'a');
		ck_assert_int_eq(fscanf(f, "%zu %u", &e->bytes, &e->n_frames), 2);
		ck_assert_uint_le(e->n_frames, EV_MAX_FRAMES);
		for (unsigned k = 0; k < e->n_frames; k++) {
			unsigned long addr;
			ck_assert_int_eq(fscanf(f, "%lx", &addr), 1);
			e->frames[k] = addr;
		}
		memcpy(e->frames + e->n_frames, below_main, sizeof below_main);
		e->n_frames += N(below_main);
	}
	fclose(f);
	for (unsigned k = 0; small_syms[k].addr != 0; k++)
		if (small_syms[k].addr == LIBC_CALL_MAIN || small_syms[k].addr == LIBC_START_MAIN ||
		    small_syms[k].addr == START)
			ev_syms[n_syms++] = small_syms[k];
	ev_syms[n_syms] = (struct fake_sym){ 0, NULL, NULL, 0, NULL };
}

static void replay_events(const char *fixture, void (*tweak)(struct hs_options *))
{
	load_events("tree.events");
	start_b(tweak);
	for (unsigned i = 0; i < n_events; i++) {
		const struct event *e = &events[i];
		if (e->kind == 'a')
			hs_rec_alloc(fake_ptr(e->block), e->bytes, e->frames, e->n_frames);
		else
			hs_rec_free(fake_ptr(e->block));
	}
	struct hs_symbolizer sym = fake_symbolizer(ev_syms);
	const char *got = finish_to_text("./tree", &sym);
	expect_massif(got, fixture);
}

static void tree_t0_opts(struct hs_options *opts)
{
	opts->detailed_freq = 1;
	opts->threshold = 0;
	strcpy(opts->desc,
	       " --time-unit=B --detailed-freq=1 --threshold=0 --massif-out-file=tree-t0.massif.out");
}

static void tree_t5_opts(struct hs_options *opts)
{
	opts->detailed_freq = 1;
	opts->threshold = 5;
	strcpy(opts->desc,
	       " --time-unit=B --detailed-freq=1 --threshold=5 --massif-out-file=tree-t5.massif.out");
}

static void tree_d3_opts(struct hs_options *opts)
{
	opts->detailed_freq = 1;
	opts->depth = 3;
	opts->threshold = 2;
	strcpy(opts->desc,
	       " --time-unit=B --detailed-freq=1 --depth=3 --threshold=2 --massif-out-file=tree-d3.massif.out");
}

static void tree_af_opts(struct hs_options *opts)
{
	opts->detailed_freq = 1;
	opts->threshold = 0.5;
	strcpy(opts->alloc_fns[0], "leaf");
	strcpy(opts->alloc_fns[1], "twice");
	opts->n_alloc_fns = 2;
	strcpy(opts->desc,
	       " --time-unit=B --detailed-freq=1 --alloc-fn=leaf --alloc-fn=twice --threshold=0.5 --massif-out-file=tree-af.massif.out");
}

START_TEST(tree_threshold_0_matches_massif)
{
	replay_events("tree-t0.massif.out", tree_t0_opts);
}
END_TEST

START_TEST(tree_threshold_5_matches_massif)
{
	replay_events("tree-t5.massif.out", tree_t5_opts);
}
END_TEST

START_TEST(tree_depth_3_matches_massif)
{
	replay_events("tree-d3.massif.out", tree_d3_opts);
}
END_TEST

START_TEST(tree_alloc_fns_match_massif)
{
	replay_events("tree-af.massif.out", tree_af_opts);
}
END_TEST

static Suite *replay_suite(void)
{
	Suite *s = suite_create("recorder replay");
	TCase *tc = tcase_create("massif");
	tcase_add_test(tc, example_matches_massif);
	tcase_add_test(tc, example_final_snapshot);
	tcase_add_test(tc, culling_matches_massif);
	tcase_add_test(tc, culling_final_snapshot);
	tcase_add_test(tc, culling_with_peaks_matches_massif);
	tcase_add_test(tc, churn_matches_massif);
	tcase_add_test(tc, peaks_match_massif);
	tcase_add_test(tc, peak_inaccuracy_zero_matches_massif);
	tcase_add_test(tc, no_free_no_peak);
	tcase_add_test(tc, realloc_shapes_match_massif);
	tcase_add_test(tc, realloc_libc_matches_massif);
	tcase_add_test(tc, huge_matches_massif);
	tcase_add_test(tc, tree_threshold_0_matches_massif);
	tcase_add_test(tc, tree_threshold_5_matches_massif);
	tcase_add_test(tc, tree_depth_3_matches_massif);
	tcase_add_test(tc, tree_alloc_fns_match_massif);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return hs_check_run(replay_suite());
}
