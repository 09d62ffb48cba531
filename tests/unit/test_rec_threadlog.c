/* test_rec_threadlog: the per-thread event logs (src/threadlog.c) drained
 * into a model table.  The model applies an allocation at once and holds
 * back a free whose address is not live, as the recorder does; each case
 * checks the exact order the events were applied in, which frees had to
 * be forced as unknown, and which blocks went back to their owners when. */
#include <check.h>

#include "hs_check.h"
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "threadlog.h"

#define MAX_LIVE 64

static uintptr_t live[MAX_LIVE];
static unsigned n_live;
static char trace[HS_TLOG_EVENTS * 16]; /* "+a" applied alloc at a, "-a" free, "?a" forced unknown */
static unsigned n_exits;              /* thread_exit calls */
static char released[HS_TLOG_EVENTS * 8]; /* blocks handed back, in order */
static struct hs_tlog *appending_log; /* apply appends here, as a running thread would */

static void note(char *buf, size_t size, char what, uintptr_t ptr)
{
	size_t n = strlen(buf);
	snprintf(buf + n, size - n, "%c%lx ", what, (unsigned long)ptr);
}

static int model_apply(const struct hs_block *ev, int force)
{
	if (ev->ctx != HS_TLOG_FREE) {
		ck_assert_uint_lt(n_live, MAX_LIVE);
		for (unsigned i = 0; i < n_live; i++)
			ck_assert_msg(live[i] != ev->ptr, "alloc of live %lx",
				      (unsigned long)ev->ptr);
		live[n_live++] = ev->ptr;
		note(trace, sizeof trace, '+', ev->ptr);
		if (appending_log != NULL) {
			/* Another thread logs meanwhile: not this drain's. */
			struct hs_block more = { 0xf00, 8, 0, 1 };
			hs_tlog_append(appending_log, &more);
			appending_log = NULL;
		}
		return 0;
	}
	for (unsigned i = 0; i < n_live; i++) {
		if (live[i] == ev->ptr) {
			live[i] = live[--n_live];
			note(trace, sizeof trace, '-', ev->ptr);
			return 0;
		}
	}
	if (!force)
		return 1;
	note(trace, sizeof trace, '?', ev->ptr);
	return 0;
}

static void model_prefetch(const struct hs_block *ev)
{
	(void)ev;
}

static pthread_mutex_t model_lock = PTHREAD_MUTEX_INITIALIZER;

static void release_note(void *p)
{
	note(released, sizeof released, 'r', (uintptr_t)p);
}

static void model_thread_exit(struct hs_tlog *l)
{
	pthread_mutex_lock(&model_lock);
	n_exits++;
	hs_tlog_drain();
	pthread_mutex_unlock(&model_lock);
	hs_tlog_release(l, release_note);
}

static const struct hs_tlog_ops model_ops = { model_apply, model_prefetch, model_thread_exit };

static void setup(void)
{
	hs_tlog_set_ops(&model_ops);
	n_live = 0;
	trace[0] = released[0] = '\0';
	n_exits = 0;
	appending_log = NULL;
}

static void log_alloc(struct hs_tlog *l, uintptr_t ptr)
{
	struct hs_block ev = { ptr, 16, 0, 7 };
	hs_tlog_append(l, &ev);
}

static void log_free(struct hs_tlog *l, uintptr_t ptr)
{
	struct hs_block ev = { ptr, 0, 0, HS_TLOG_FREE };
	hs_tlog_append(l, &ev);
}

/* Logs are drained newest first: a free logged in b of a block whose
 * allocation is still in a waits for it. */
START_TEST(free_waits_for_allocation_in_another_log)
{
	struct hs_tlog *a = hs_tlog_new(), *b = hs_tlog_new();
	log_alloc(a, 0x100);
	log_alloc(a, 0x200);
	log_free(b, 0x100);
	log_alloc(b, 0x300);
	hs_tlog_drain();
	ck_assert_str_eq(trace, "+100 +200 -100 +300 ");
	ck_assert_uint_eq(n_live, 2);
}
END_TEST

/* Each log waits on the other: a = [alloc p, free q], b = [alloc q, free
 * p] (each thread allocated, handed its block over, freed the other's). */
START_TEST(crossed_frees_both_resolve)
{
	struct hs_tlog *a = hs_tlog_new(), *b = hs_tlog_new();
	log_alloc(a, 0x10);
	log_free(a, 0x20);
	log_alloc(b, 0x20);
	log_free(b, 0x10);
	hs_tlog_drain();
	/* b first (newest): alloc 20, free 10 held; a: alloc 10, free 20;
	 * b again: free 10. */
	ck_assert_str_eq(trace, "+20 +10 -20 -10 ");
	ck_assert_uint_eq(n_live, 0);
}
END_TEST

/* A free of a block never logged is applied as unknown, but only once
 * nothing else can move, and the log goes on after it; the free of 0x40,
 * held back too and drained first, is not the one taken for unknown:
 * its allocation is pending behind the unknown one. */
START_TEST(unknown_free_forced_after_the_rest)
{
	struct hs_tlog *a = hs_tlog_new(), *b = hs_tlog_new();
	log_free(a, 0xdead);
	log_alloc(a, 0x40);
	log_alloc(b, 0x50);
	log_free(b, 0x40);
	hs_tlog_drain();
	ck_assert_str_eq(trace, "+50 ?dead +40 -40 ");
	ck_assert_uint_eq(n_live, 1);
	ck_assert_uint_eq(hs_tlog_pending(b), 2); /* applied, not released yet */
}
END_TEST

/* A drain goes as far as the tails it read at its start: what a thread
 * logs while it runs waits for the next one. */
START_TEST(events_logged_during_a_drain_wait)
{
	struct hs_tlog *a = hs_tlog_new();
	log_alloc(a, 0x60);
	appending_log = a;
	hs_tlog_drain();
	ck_assert_str_eq(trace, "+60 ");
	hs_tlog_drain();
	ck_assert_str_eq(trace, "+60 +f00 ");
}
END_TEST

/* The owner gets back exactly the blocks of applied frees, in order, and
 * none before its free is applied; a full log says so. */
START_TEST(release_hands_back_applied_frees_only)
{
	struct hs_tlog *a = hs_tlog_new(), *b = hs_tlog_new();
	log_alloc(b, 0x1000);
	log_free(a, 0x1000); /* waits for b */
	log_free(a, 0x2000); /* unknown */
	hs_tlog_release(a, release_note);
	ck_assert_str_eq(released, ""); /* nothing applied yet */
	hs_tlog_drain();
	hs_tlog_release(a, release_note);
	ck_assert_str_eq(released, "r1000 r2000 ");
	ck_assert_uint_eq(hs_tlog_pending(a), 0);
	released[0] = '\0';
	for (unsigned i = 0; i * 2 < HS_TLOG_EVENTS; i++) {
		log_alloc(a, 0x10000 + 16 * i);
		unsigned pending = hs_tlog_append(
			a, &(struct hs_block){ 0x10000 + 16 * i, 0, 0, HS_TLOG_FREE });
		ck_assert_uint_eq(pending, 2 * i + 2);
	}
	hs_tlog_drain();
	hs_tlog_release(a, release_note);
	ck_assert_uint_eq(strlen(released), (HS_TLOG_EVENTS / 2) * strlen("r10000 "));
	ck_assert_uint_eq(n_live, 0);
}
END_TEST

static struct hs_tlog *thread_log;

static void *log_and_exit(void *arg)
{
	thread_log = hs_tlog_mine();
	ck_assert_ptr_nonnull(thread_log);
	log_alloc(thread_log, (uintptr_t)arg);
	log_free(thread_log, (uintptr_t)arg);
	return NULL;
}

/* A thread's pending events are applied when it exits, its blocks given
 * back, and its log goes to the next new thread. */
START_TEST(exiting_thread_drains_and_its_log_is_reused)
{
	pthread_t t;
	ck_assert_int_eq(pthread_create(&t, NULL, log_and_exit, (void *)0x700), 0);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	struct hs_tlog *first = thread_log;
	ck_assert_uint_eq(n_exits, 1);
	ck_assert_str_eq(trace, "+700 -700 ");
	ck_assert_str_eq(released, "r700 ");
	ck_assert_uint_eq(hs_tlog_pending(first), 0);
	ck_assert_int_eq(pthread_create(&t, NULL, log_and_exit, (void *)0x800), 0);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	ck_assert_ptr_eq(thread_log, first);
	ck_assert_str_eq(trace, "+700 -700 +800 -800 ");
}
END_TEST

/* A new recording drops what an old one left pending. */
START_TEST(discard_drops_pending_events)
{
	struct hs_tlog *a = hs_tlog_new();
	log_alloc(a, 0x90);
	log_free(a, 0x90);
	hs_tlog_discard();
	hs_tlog_drain();
	ck_assert_str_eq(trace, "");
	hs_tlog_release(a, release_note);
	ck_assert_str_eq(released, "r90 "); /* still given back */
}
END_TEST

int main(void)
{
	Suite *s = suite_create("threadlog");
	TCase *tc = tcase_create("threadlog");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, free_waits_for_allocation_in_another_log);
	tcase_add_test(tc, crossed_frees_both_resolve);
	tcase_add_test(tc, unknown_free_forced_after_the_rest);
	tcase_add_test(tc, events_logged_during_a_drain_wait);
	tcase_add_test(tc, release_hands_back_applied_frees_only);
	tcase_add_test(tc, exiting_thread_drains_and_its_log_is_reused);
	tcase_add_test(tc, discard_drops_pending_events);
	suite_add_tcase(s, tc);
	return hs_check_run(s);
}
