/* test_rec_ignore: --ignore-fn decided when a context is interned
 * (fnranges.[ch] and the recorder's accounting of ignored blocks, as
 * Massif 3.19's record_block, unrecord_block and realloc_block), and the
 * --stats=yes figures. */
#include <check.h>

#include "hs_check.h"
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fnranges.h"
#include "recorder.h"
#include "test_rec_support.h"

#define N(a) (unsigned)(sizeof(a) / sizeof *(a))

/* Code of a fake program: main, keep (kept), skip (ignored), wrap (an
 * alloc-fn calling malloc), each 0x100 bytes long. */
#define A_MAIN 0x401000u
#define A_KEEP 0x402000u
#define A_SKIP 0x403000u
#define A_WRAP 0x404000u

static const struct fake_sym syms[] = {
	{ A_MAIN + 0x10, "main", "t.c", 10, "/bin/t" },
	{ A_MAIN + 0x20, "main", "t.c", 11, "/bin/t" },
	{ A_MAIN + 0x30, "main", "t.c", 12, "/bin/t" },
	{ A_KEEP + 0x10, "keep", "t.c", 20, "/bin/t" },
	{ A_SKIP + 0x10, "skip", "t.c", 30, "/bin/t" },
	{ A_WRAP + 0x10, "wrap", "t.c", 40, "/bin/t" },
	{ 0, NULL, NULL, 0, NULL },
};

static const uintptr_t st_keep[] = { A_KEEP + 0x10, A_MAIN + 0x10 };
static const uintptr_t st_skip[] = { A_SKIP + 0x10, A_MAIN + 0x20 };
static const uintptr_t st_wrap_skip[] = { A_WRAP + 0x10, A_SKIP + 0x10, A_MAIN + 0x20 };
static const uintptr_t st_main[] = { A_MAIN + 0x30 };
static const uintptr_t st_only_wrap[] = { A_WRAP + 0x10 };

/* What the launcher answers for --alloc-fn=wrap --ignore-fn=skip (any order). */
static const struct hs_fn_range ranges[] = {
	{ A_SKIP, A_SKIP + 0x100, HS_FN_IGNORE },
	{ A_WRAP, A_WRAP + 0x100, HS_FN_ALLOC },
};

static struct hs_options opts;

static void setup(void)
{
	test_options(&opts);
	opts.detailed_freq = 1;
	opts.stats = true;
	strcpy(opts.ignore_fns[opts.n_ignore_fns++], "skip");
	strcpy(opts.alloc_fns[opts.n_alloc_fns++], "wrap");
}

static void *ptr(unsigned i)
{
	return (void *)(uintptr_t)(0x30000000u + 64u * i);
}

/* Sorted, merged, looked up; a stack is ignored when its first frame past
 * the alloc-fns is an ignore-fn, or when nothing is left. */
START_TEST(ranges_decide_a_stack)
{
	struct hs_fn_ranges t = { 0 };
	const struct hs_fn_range r[] = {
		{ 0x5000, 0x5100, HS_FN_IGNORE },
		{ 0x1000, 0x1100, HS_FN_ALLOC },
		{ 0x5000, 0x5080, HS_FN_ALLOC },  /* an alias of an alloc-fn: alloc wins */
		{ 0x3000, 0x3000, HS_FN_IGNORE }, /* empty: dropped */
		{ 0x7000, 0x7100, 9 },            /* unknown kind: dropped */
		{ 0x2000, 0x2100, HS_FN_IGNORE },
	};
	ck_assert_int_eq(hs_fn_ranges_ignores(&t, st_skip, N(st_skip)), 0); /* empty table */
	ck_assert_int_eq(hs_fn_ranges_set(&t, r, N(r)), 0);
	ck_assert_uint_eq(t.n, 3);
	ck_assert_int_eq(hs_fn_ranges_kind(&t, 0xfff), HS_FN_NONE);
	ck_assert_int_eq(hs_fn_ranges_kind(&t, 0x1000), HS_FN_ALLOC);
	ck_assert_int_eq(hs_fn_ranges_kind(&t, 0x10ff), HS_FN_ALLOC);
	ck_assert_int_eq(hs_fn_ranges_kind(&t, 0x1100), HS_FN_NONE);
	ck_assert_int_eq(hs_fn_ranges_kind(&t, 0x2050), HS_FN_IGNORE);
	ck_assert_int_eq(hs_fn_ranges_kind(&t, 0x50f0), HS_FN_ALLOC);
	ck_assert_int_eq(hs_fn_ranges_kind(&t, 0x7000), HS_FN_NONE);
	const uintptr_t a[] = { 0x1010, 0x2010, 0x9000 }; /* alloc, ignore */
	const uintptr_t b[] = { 0x1010, 0x9000, 0x2010 }; /* alloc, kept, (ignore further out) */
	const uintptr_t c[] = { 0x2010 };                 /* ignore */
	const uintptr_t d[] = { 0x1010, 0x5010 };         /* nothing but alloc-fns */
	const uintptr_t e[] = { 0x9000 };
	ck_assert_int_eq(hs_fn_ranges_ignores(&t, a, N(a)), 1);
	ck_assert_int_eq(hs_fn_ranges_ignores(&t, b, N(b)), 0);
	ck_assert_int_eq(hs_fn_ranges_ignores(&t, c, N(c)), 1);
	ck_assert_int_eq(hs_fn_ranges_ignores(&t, d, N(d)), 1);
	ck_assert_int_eq(hs_fn_ranges_ignores(&t, e, N(e)), 0);
	ck_assert_int_eq(hs_fn_ranges_ignores(&t, e, 0), 0);
	hs_fn_ranges_clear(&t);
	ck_assert_uint_eq(t.n, 0);
}
END_TEST

/* The events of gold_wrappers' --ignore-fn case, and both sides of an
 * ignored realloc. */
static void run_events(void)
{
	hs_rec_alloc(ptr(0), 100, st_keep, N(st_keep));            /* t=120: 100 + 8 + 12 */
	hs_rec_alloc(ptr(1), 5000, st_skip, N(st_skip));           /* ignored */
	hs_rec_alloc(ptr(2), 6000, st_wrap_skip, N(st_wrap_skip)); /* ignored, past wrap */
	hs_rec_alloc(ptr(3), 200, st_main, N(st_main));            /* t=336 */
	/* An ignored block grown from main: the totals and the time stay, the
	 * block stays ignored, and main's line 12 gets the 9000 bytes in the
	 * trees (Massif's realloc_block). */
	uint64_t h = hs_rec_realloc_begin(ptr(1));
	hs_rec_realloc_end(h, ptr(4), 9000, st_main, N(st_main));
	hs_rec_free(ptr(2)); /* ignored */
	hs_rec_free(ptr(4)); /* still ignored */
	/* A kept block grown inside skip: its old bytes stay counted, for ever. */
	h = hs_rec_realloc_begin(ptr(3));
	hs_rec_realloc_end(h, ptr(5), 400, st_skip, N(st_skip));
	hs_rec_free(ptr(5));                                     /* ignored now */
	hs_rec_alloc(ptr(6), 48, st_only_wrap, N(st_only_wrap)); /* nothing left: ignored */
	hs_rec_alloc(ptr(7), 16, st_keep, N(st_keep));           /* t=360 */
	hs_rec_free(ptr(0));                                     /* t=480 */
}

START_TEST(ignored_blocks_count_nowhere)
{
	ck_assert_int_eq(test_rec_init(&opts), 0);
	ck_assert_int_eq(hs_rec_set_fn_ranges(ranges, N(ranges)), 0);
	run_events();
	char stats[1024];
	hs_rec_stats_text(stats, sizeof stats);
	ck_assert_str_eq(stats, "heapsnap: heap allocs:           3\n"
				"heapsnap: heap reallocs:         1\n"
				"heapsnap: heap frees:            1\n"
				"heapsnap: ignored heap allocs:   3\n"
				"heapsnap: ignored heap frees:    3\n"
				"heapsnap: ignored heap reallocs: 2\n"
				"heapsnap: stack allocs:          0\n"
				"heapsnap: skipped snapshots:     0\n"
				"heapsnap: real snapshots:        6\n"
				"heapsnap: detailed snapshots:    6\n"
				"heapsnap: peak snapshots:        1\n"
				"heapsnap: cullings:              0\n"
				"heapsnap: contexts:              5\n"
				"heapsnap: ignored contexts:      3\n");
	struct hs_symbolizer sym = fake_symbolizer(syms);
	const char *file = finish_to_text("./t", &sym);
	ck_assert_uint_eq(count_snapshots(file), 6);
	/* Every snapshot's time and totals: the ignored calls took none. */
	const char *want[][3] = {
		{ "time=0\n", "mem_heap_B=0\n", "mem_heap_extra_B=0\n" },
		{ "time=120\n", "mem_heap_B=100\n", "mem_heap_extra_B=20\n" },
		{ "time=336\n", "mem_heap_B=300\n", "mem_heap_extra_B=36\n" },
		/* main:12 holds 9000 in the tree (Massif's detailed total), the
		 * 200 moved into skip stay in main:12 too; keep's 16 added. */
		{ "time=360\n", "mem_heap_B=9316\n", "mem_heap_extra_B=44\n" },
		{ "time=360\n", "mem_heap_B=9316\n", "mem_heap_extra_B=44\n" }, /* the peak */
		{ "time=480\n", "mem_heap_B=9216\n", "mem_heap_extra_B=24\n" },
	};
	for (unsigned i = 0; i < N(want); i++) {
		const char *snap = snapshot_text(file, i);
		for (unsigned k = 0; k < 3; k++)
			ck_assert_msg(strstr(snap, want[i][k]) != NULL, "snapshot %u lacks %s:\n%s",
				      i, want[i][k], snap);
	}
	ck_assert_ptr_null(strstr(file, "skip"));
	ck_assert_ptr_null(strstr(file, "wrap"));
}
END_TEST

/* Without the launcher's ranges (plain LD_PRELOAD): every block counts;
 * the resolver still takes ignored stacks out of the trees. */
START_TEST(without_ranges_everything_counts)
{
	ck_assert_int_eq(test_rec_init(&opts), 0);
	run_events();
	char stats[1024];
	hs_rec_stats_text(stats, sizeof stats);
	ck_assert_ptr_nonnull(strstr(stats, "heapsnap: heap allocs:           6\n"
					    "heapsnap: heap reallocs:         2\n"
					    "heapsnap: heap frees:            4\n"
					    "heapsnap: ignored heap allocs:   0\n"));
	ck_assert_ptr_nonnull(strstr(stats, "heapsnap: ignored contexts:      0\n"));
	struct hs_symbolizer sym = fake_symbolizer(syms);
	const char *file = finish_to_text("./t", &sym);
	ck_assert_ptr_nonnull(strstr(snapshot_text(file, 2), "time=5136\n"));
	ck_assert_ptr_null(strstr(file, "skip"));
}
END_TEST

enum { N_THREADS = 4, PER_THREAD = 5000 };

/* Each thread: kept and ignored blocks in turn, half of each freed, the
 * frees logged (threadlog.h) once its stacks are cached. */
static void *hammer(void *arg)
{
	unsigned t = (unsigned)(uintptr_t)arg;
	for (unsigned i = 0; i < PER_THREAD; i++) {
		void *p = (void *)(uintptr_t)(0x40000000u + ((uintptr_t)t * PER_THREAD + i) * 64);
		int ignored = i % 2;
		hs_rec_alloc(p, 100, ignored ? st_skip : st_keep, 2);
		if (i % 4 >= 2)
			hs_rec_free_logged(p, 32);
	}
	return NULL;
}

/* With threads (allocations of cached stacks and frees go through the
 * threads' logs): the same rule, exact counts. */
START_TEST(threads_ignore_exactly)
{
	opts.final_snapshot = true; /* the state at the end, to check */
	ck_assert_int_eq(test_rec_init(&opts), 0);
	ck_assert_int_eq(hs_rec_set_fn_ranges(ranges, N(ranges)), 0);
	pthread_t th[N_THREADS];
	for (unsigned t = 0; t < N_THREADS; t++)
		pthread_create(&th[t], NULL, hammer, (void *)(uintptr_t)t);
	for (unsigned t = 0; t < N_THREADS; t++)
		pthread_join(th[t], NULL);
	struct hs_symbolizer sym = fake_symbolizer(syms);
	const char *file = finish_to_text("./t", &sym);
	char stats[1024];
	hs_rec_stats_text(stats, sizeof stats);
	ck_assert_ptr_nonnull(strstr(stats, "heapsnap: heap allocs:           10000\n"
					    "heapsnap: heap reallocs:         0\n"
					    "heapsnap: heap frees:            5000\n"
					    "heapsnap: ignored heap allocs:   10000\n"
					    "heapsnap: ignored heap frees:    5000\n"));
	ck_assert_ptr_nonnull(strstr(stats, "heapsnap: contexts:              2\n"
					    "heapsnap: ignored contexts:      1\n"));
	/* Live at the end: 5000 kept blocks of 100 (112 with slop and admin). */
	const char *last = snapshot_text(file, count_snapshots(file) - 1);
	ck_assert_msg(strstr(last, "mem_heap_B=500000\nmem_heap_extra_B=100000\n") != NULL, "%s",
		      last);
	ck_assert_ptr_null(strstr(file, "skip"));
}
END_TEST

/* The text is cut, never overrun, and always ends in a NUL. */
START_TEST(stats_text_is_bounded)
{
	ck_assert_int_eq(test_rec_init(&opts), 0);
	char small[20];
	memset(small, 'x', sizeof small);
	ck_assert_uint_eq(hs_rec_stats_text(small, sizeof small), sizeof small - 1);
	ck_assert_str_eq(small, "heapsnap: heap allo");
	ck_assert_uint_eq(hs_rec_stats_text(small, 0), 0);
	struct hs_symbolizer sym = fake_symbolizer(syms);
	finish_to_text("./t", &sym);
}
END_TEST

/* The launcher's answer (hs_fn_ranges_send), read as the program reads it. */
struct reader {
	int fd;
	char *buf;
	size_t cap, got;
};

static void *read_all(void *arg)
{
	struct reader *rd = arg;
	ssize_t r;
	while (rd->got < rd->cap && (r = read(rd->fd, rd->buf + rd->got, rd->cap - rd->got)) > 0)
		rd->got += (size_t)r;
	return NULL;
}

/* n ranges, sent whole (HS_FNRANGES_MAX of them: more than a socket
 * buffer), read back as "HSFR", n, the ranges; then EOF. */
static void send_and_read(size_t n)
{
	int sp[2];
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp), 0);
	struct hs_fn_range *r = calloc(n + 1, sizeof(*r));
	ck_assert_ptr_nonnull(r);
	for (size_t i = 0; i < n; i++)
		r[i] = (struct hs_fn_range){ 0x1000 * i, 0x1000 * i + 0x10, HS_FN_IGNORE };
	struct reader rd = { sp[0], malloc(16 + n * sizeof(*r)), 16 + n * sizeof(*r), 0 };
	pthread_t t;
	ck_assert_int_eq(pthread_create(&t, NULL, read_all, &rd), 0);
	ck_assert_int_eq(hs_fn_ranges_send(sp[1], r, n), 0);
	close(sp[1]);
	pthread_join(t, NULL);
	ck_assert_uint_eq(rd.got, 8 + n * sizeof(*r));
	uint32_t head[2];
	memcpy(head, rd.buf, sizeof(head));
	ck_assert_uint_eq(head[0], HS_FNRANGES_MAGIC);
	ck_assert_uint_eq(head[1], n);
	ck_assert_int_eq(memcmp(rd.buf + 8, r, n * sizeof(*r)), 0);
	close(sp[0]);
	free(rd.buf);
	free(r);
}

START_TEST(answer_sent_whole)
{
	send_and_read(0);
	send_and_read(3);
	send_and_read(HS_FNRANGES_MAX);
}
END_TEST

/* More ranges than the program takes: nothing at all (EOF at once), which
 * the program takes as "no answer" and leaves --ignore-fn to the resolver. */
START_TEST(too_many_ranges_send_nothing)
{
	int sp[2];
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp), 0);
	struct hs_fn_range *r = calloc(HS_FNRANGES_MAX + 1, sizeof(*r));
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(hs_fn_ranges_send(sp[1], r, HS_FNRANGES_MAX + 1), 1);
	close(sp[1]);
	char c;
	ck_assert_int_eq(read(sp[0], &c, 1), 0);
	close(sp[0]);
	free(r);
}
END_TEST

/* A program that gave up waiting (or died) has closed its end: EPIPE, and
 * the sender (the launcher, SIGPIPE at its default) lives on. */
START_TEST(closed_reader_is_epipe_not_sigpipe)
{
	signal(SIGPIPE, SIG_DFL);
	int sp[2];
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp), 0);
	close(sp[0]);
	struct hs_fn_range r[2] = { { 0x1000, 0x1100, HS_FN_IGNORE }, { 0x2000, 0x2100, HS_FN_ALLOC } };
	errno = 0;
	ck_assert_int_eq(hs_fn_ranges_send(sp[1], r, 2), -1);
	ck_assert_int_eq(errno, EPIPE);
	close(sp[1]);
}
END_TEST

static Suite *ignore_suite(void)
{
	Suite *s = suite_create("ignore-fn at intern time");
	TCase *tc = tcase_create("ignore");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, ranges_decide_a_stack);
	tcase_add_test(tc, ignored_blocks_count_nowhere);
	tcase_add_test(tc, without_ranges_everything_counts);
	tcase_add_test(tc, threads_ignore_exactly);
	tcase_add_test(tc, stats_text_is_bounded);
	tcase_add_test(tc, answer_sent_whole);
	tcase_add_test(tc, too_many_ranges_send_nothing);
	tcase_add_test(tc, closed_reader_is_epipe_not_sigpipe);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return hs_check_run(ignore_suite());
}
