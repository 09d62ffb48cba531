/* test_rec_freeq: frees recorded late (src/freeq.c) must leave exactly the
 * file that frees recorded at once leave: the same script of mallocs and
 * frees is run both ways and the two Massif files compared byte for byte,
 * for short and long runs of frees, addresses malloc hands back at once,
 * frees still pending at the end, and a thread started while frees are
 * pending. */
#include <check.h>

#include "hs_check.h"
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "freeq.h"
#include "recorder.h"
#include "test_rec_support.h"

extern void *__libc_malloc(size_t n);
extern void __libc_free(void *p);

static const struct fake_sym syms[] = {
	{ 0x401000, "main", "t.c", 10, "/bin/t" },
	{ 0x402000, "f", "t.c", 20, "/bin/t" },
	{ 0x403000, "g", "t.c", 30, "/bin/t" },
	{ 0, NULL, NULL, 0, NULL },
};
static const uintptr_t st_f[] = { 0x402000, 0x401000 };
static const uintptr_t st_g[] = { 0x403000, 0x401000 };

#define MAX_LIVE 256

static struct hs_options opts;
static int deferred; /* the run in progress frees through freeq */
static void *live[MAX_LIVE];

/* A malloc as the preload layer records it: deferred frees first. */
static void *do_malloc(size_t n, const uintptr_t *stack)
{
	void *p = __libc_malloc(n);
	ck_assert_ptr_nonnull(p);
	if (deferred)
		hs_freeq_flush();
	hs_rec_alloc(p, n, stack, 2);
	return p;
}

static void do_free(void *p)
{
	if (deferred) {
		hs_freeq_free(p);
	} else {
		hs_rec_free(p);
		__libc_free(p);
	}
}

/* The file left by script(), run through freeq (first, while the process
 * has one thread) and then with frees recorded at once; both must be
 * identical. */
static void assert_same_both_ways(void (*script)(void))
{
	static char through_freeq[1 << 20];
	struct hs_symbolizer sym = fake_symbolizer(syms);

	for (deferred = 1; deferred >= 0; deferred--) {
		ck_assert_int_eq(test_rec_init(&opts), 0);
		script();
		if (deferred)
			hs_freeq_flush(); /* as the preload layer does before writing */
		const char *got = finish_to_text("./t", &sym);
		if (deferred) {
			ck_assert_uint_lt(strlen(got), sizeof(through_freeq));
			strcpy(through_freeq, got);
		} else {
			ck_assert_str_eq(got, through_freeq);
		}
	}
	deferred = 0;
}

static void setup(void)
{
	test_options(&opts);
	opts.detailed_freq = 1;     /* every snapshot's tree is compared */
	opts.final_snapshot = true; /* and the state at exit */
}

/* Runs of frees longer and shorter than the queue, with mallocs between
 * that get freed addresses straight back. */
static void script_runs(void)
{
	for (unsigned round = 0; round < 6; round++) {
		unsigned n = 3 + round * 9; /* 3 .. 48 */
		for (unsigned i = 0; i < n; i++)
			live[i] = do_malloc(16 + 8 * i, i % 2 ? st_f : st_g);
		for (unsigned i = 0; i < n; i++)
			do_free(live[i]);
		/* The frees are really deferred (the process has one thread). */
		if (deferred)
			ck_assert_uint_eq(hs_freeq_pending(),
					  n < HS_FREEQ_DEPTH ? n : HS_FREEQ_DEPTH);
		/* Same sizes again: tcache hands the same addresses back. */
		for (unsigned i = 0; i < n; i++)
			live[i] = do_malloc(16 + 8 * i, i % 3 ? st_g : st_f);
		for (unsigned i = n; i-- > 0;)
			do_free(live[i]);
	}
}

START_TEST(runs_of_frees_and_reused_addresses)
{
	assert_same_both_ways(script_runs);
}
END_TEST

/* Frees still in the queue when the file is written. */
static void script_pending_at_end(void)
{
	for (unsigned i = 0; i < 5; i++)
		live[i] = do_malloc(1000 + i, st_f);
	for (unsigned i = 0; i < 5; i++)
		do_free(live[i]);
}

START_TEST(pending_frees_reach_the_file)
{
	assert_same_both_ways(script_pending_at_end);
	/* And the final snapshot has none of the bytes. */
	struct hs_symbolizer sym = fake_symbolizer(syms);
	ck_assert_int_eq(test_rec_init(&opts), 0);
	deferred = 1;
	script_pending_at_end();
	hs_freeq_flush();
	deferred = 0;
	const char *got = finish_to_text("./t", &sym);
	const char *last = snapshot_text(got, count_snapshots(got) - 1);
	ck_assert_ptr_nonnull(strstr(last, "mem_heap_B=0\nmem_heap_extra_B=0\n"));
}
END_TEST

static void *thread_allocs(void *arg)
{
	(void)arg;
	void *p = do_malloc(300, st_g);
	do_free(p);
	return NULL;
}

/* A second thread starts while frees are pending: its first event takes
 * them first, under the queue's lock. */
static void script_thread(void)
{
	pthread_t t;

	for (unsigned i = 0; i < 4; i++)
		live[i] = do_malloc(200 + i, st_f);
	for (unsigned i = 0; i < 4; i++)
		do_free(live[i]);
	if (deferred)
		ck_assert_uint_eq(hs_freeq_pending(), 4);
	ck_assert_int_eq(pthread_create(&t, NULL, thread_allocs, NULL), 0);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	ck_assert_uint_eq(hs_freeq_pending(), 0);
	live[0] = do_malloc(64, st_f);
	do_free(live[0]);
}

START_TEST(thread_started_with_frees_pending)
{
	assert_same_both_ways(script_thread);
}
END_TEST

int main(void)
{
	/* Each test runs in a fresh process (Check's fork mode, or in order
	 * with the thread test last): the deferred run starts single-threaded. */
	Suite *s = suite_create("rec_freeq");
	TCase *tc = tcase_create("freeq");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, runs_of_frees_and_reused_addresses);
	tcase_add_test(tc, pending_frees_reach_the_file);
	tcase_add_test(tc, thread_started_with_frees_pending);
	suite_add_tcase(s, tc);
	return hs_check_run(s);
}
