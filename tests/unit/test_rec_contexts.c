/* test_rec_contexts: the per-thread context caches (contexts.h): a hit
 * gives the id the locked path gives, a context made by one thread is
 * found by another, a full cache only ever misses, ids stay in creation
 * order when threads race to make them, and a cache goes with its thread
 * and with its set.  Through the recorder: the same events give the same
 * file whether they come from the only thread (no lock, no cache) or from
 * a second one (lock and cache). */
#include <check.h>

#include "hs_check.h"
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "contexts.h"
#include "spares.h"
#include "recorder.h"
#include "test_rec_support.h"

/* Stack k: depth 20 to 27, frames that differ from stack to stack in the
 * innermost and the outermost frame. */
static unsigned make_stack(uintptr_t *f, unsigned k)
{
	unsigned n = 20 + k % 8;
	for (unsigned i = 0; i < n; i++)
		f[i] = 0x401000 + 0x10 * i;
	f[0] += (uintptr_t)k << 12;
	f[n - 1] += (uintptr_t)k << 20;
	return n;
}

/* What the recorder does: the cache first, else the lock and intern, then
 * remember.  *made counts the contexts this call created; g_made_ids logs
 * them in the order they were made. */
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static uint32_t g_made_ids[1024];
static unsigned g_n_made;
static uint32_t lookup(struct hs_contexts *c, const uintptr_t *f, unsigned n, unsigned *made)
{
	uint64_t hash = hs_frames_hash(f, n);
	uint32_t id = hs_contexts_cached(c, f, n, hash);
	if (id != HS_CTX_NONE)
		return id;
	pthread_mutex_lock(&g_lock);
	uint32_t before = hs_contexts_count(c);
	id = hs_contexts_intern(c, f, n, hash);
	if (made != NULL && hs_contexts_count(c) != before) {
		*made += 1;
		if (g_n_made < 1024)
			g_made_ids[g_n_made++] = id;
	}
	pthread_mutex_unlock(&g_lock);
	hs_contexts_remember(c, id);
	return id;
}

/* A miss until remembered, then the interned id, checked frame by frame:
 * the same hash with other frames, or other depth, misses. */
START_TEST(hit_gives_the_interned_id)
{
	struct hs_arena a;
	hs_arena_init(&a);
	static struct hs_contexts c;
	hs_contexts_init(&c, &a);
	uintptr_t f[40], g[40];
	for (unsigned k = 0; k < 100; k++) {
		unsigned n = make_stack(f, k);
		uint64_t hash = hs_frames_hash(f, n);
		ck_assert_uint_eq(hs_contexts_cached(&c, f, n, hash), HS_CTX_NONE);
		uint32_t id = hs_contexts_intern(&c, f, n, hash);
		ck_assert_uint_eq(id, k);
		ck_assert_uint_eq(hs_contexts_cached(&c, f, n, hash), HS_CTX_NONE);
		hs_contexts_remember(&c, id);
		ck_assert_uint_eq(hs_contexts_cached(&c, f, n, hash), k);
		/* A forged hash collision: same hash, one frame differs. */
		memcpy(g, f, n * sizeof *f);
		g[n / 2] ^= 1;
		ck_assert_uint_eq(hs_contexts_cached(&c, g, n, hash), HS_CTX_NONE);
		ck_assert_uint_eq(hs_contexts_cached(&c, f, n - 1, hash), HS_CTX_NONE);
	}
	for (unsigned k = 0; k < 100; k++) {
		unsigned n = make_stack(f, k);
		ck_assert_uint_eq(hs_contexts_cached(&c, f, n, hs_frames_hash(f, n)), k);
	}
	/* The empty stack is a context too; remembering an id not made yet
	 * does nothing. */
	uint32_t empty = hs_contexts_intern(&c, NULL, 0, hs_frames_hash(NULL, 0));
	ck_assert_uint_eq(empty, 100);
	hs_contexts_remember(&c, empty);
	ck_assert_uint_eq(hs_contexts_cached(&c, NULL, 0, hs_frames_hash(NULL, 0)), 100);
	hs_contexts_remember(&c, 101);
	ck_assert_uint_eq(hs_contexts_count(&c), 101);
	hs_contexts_destroy(&c);
	hs_arena_destroy(&a);
}
END_TEST

struct finder {
	struct hs_contexts *c;
	unsigned first, n_stacks;
	uint32_t ids[64];
	unsigned made;
	uint32_t missed_first;
};

/* Look up stacks first.. first + n_stacks - 1 twice; the first lookup of
 * the first stack must miss this thread's (new) cache. */
static void *find_stacks(void *arg)
{
	struct finder *fd = arg;
	uintptr_t f[40];
	unsigned n = make_stack(f, fd->first);
	fd->missed_first = hs_contexts_cached(fd->c, f, n, hs_frames_hash(f, n));
	for (int pass = 0; pass < 2; pass++)
		for (unsigned k = 0; k < fd->n_stacks; k++) {
			n = make_stack(f, fd->first + k);
			uint32_t id = lookup(fd->c, f, n, &fd->made);
			ck_assert(pass == 0 || id == fd->ids[k]);
			fd->ids[k] = id;
		}
	return NULL;
}

/* Made by the main thread, found by another through the locked path and
 * then through its own cache, without making a second context. */
START_TEST(found_by_another_thread)
{
	struct hs_arena a;
	hs_arena_init(&a);
	static struct hs_contexts c;
	hs_contexts_init(&c, &a);
	uintptr_t f[40];
	unsigned made = 0;
	for (unsigned k = 0; k < 10; k++) {
		unsigned n = make_stack(f, k);
		ck_assert_uint_eq(lookup(&c, f, n, &made), k);
	}
	ck_assert_uint_eq(made, 10);
	struct finder fd = { .c = &c, .first = 5, .n_stacks = 10 };
	pthread_t th;
	ck_assert_int_eq(pthread_create(&th, NULL, find_stacks, &fd), 0);
	ck_assert_int_eq(pthread_join(th, NULL), 0);
	ck_assert_uint_eq(fd.missed_first, HS_CTX_NONE);
	for (unsigned k = 0; k < 5; k++)
		ck_assert_uint_eq(fd.ids[k], 5 + k); /* the main thread's */
	for (unsigned k = 5; k < 10; k++)
		ck_assert_uint_eq(fd.ids[k], 10 + k - 5); /* its own, in order */
	ck_assert_uint_eq(fd.made, 5);
	ck_assert_uint_eq(hs_contexts_count(&c), 15);
	/* The main thread's cache does not know the other thread's five. */
	unsigned n = make_stack(f, 12);
	ck_assert_uint_eq(hs_contexts_cached(&c, f, n, hs_frames_hash(f, n)), HS_CTX_NONE);
	ck_assert_uint_eq(lookup(&c, f, n, &made), 12);
	ck_assert_uint_eq(hs_contexts_count(&c), 15);
	hs_contexts_destroy(&c);
	hs_arena_destroy(&a);
}
END_TEST

/* Four times more contexts than slots: every lookup still gives the
 * interned id (evicted ones miss, none is ever wrong), and at most one
 * context per slot hits. */
START_TEST(full_cache_only_misses)
{
	enum { N = 4 * HS_CTX_CACHE_SLOTS };
	struct hs_arena a;
	hs_arena_init(&a);
	static struct hs_contexts c;
	hs_contexts_init(&c, &a);
	uintptr_t f[40];
	for (unsigned k = 0; k < N; k++) {
		unsigned n = make_stack(f, k);
		ck_assert_uint_eq(lookup(&c, f, n, NULL), k);
	}
	unsigned hits = 0;
	for (unsigned k = 0; k < N; k++) {
		unsigned n = make_stack(f, k);
		uint32_t id = hs_contexts_cached(&c, f, n, hs_frames_hash(f, n));
		ck_assert(id == HS_CTX_NONE || id == k);
		hits += id == k;
	}
	ck_assert_uint_gt(hits, HS_CTX_CACHE_SLOTS / 2);
	ck_assert_uint_le(hits, HS_CTX_CACHE_SLOTS);
	/* The last one remembered is in. */
	unsigned n = make_stack(f, N - 1);
	ck_assert_uint_eq(hs_contexts_cached(&c, f, n, hs_frames_hash(f, n)), N - 1);
	for (unsigned k = 0; k < N; k += 97) {
		n = make_stack(f, k);
		ck_assert_uint_eq(lookup(&c, f, n, NULL), k);
	}
	ck_assert_uint_eq(hs_contexts_count(&c), N);
	hs_contexts_destroy(&c);
	hs_arena_destroy(&a);
}
END_TEST

/* Racing threads (overlapping stack ranges) agree on every id, make each
 * context once, and the ids are 0..n-1 with the frames they were made
 * with. */
START_TEST(threads_agree_ids_in_order)
{
	enum { THREADS = 4, EACH = 60 };
	struct hs_arena a;
	hs_arena_init(&a);
	static struct hs_contexts c;
	hs_contexts_init(&c, &a);
	static struct finder fd[THREADS];
	pthread_t th[THREADS];
	g_n_made = 0;
	for (unsigned t = 0; t < THREADS; t++) {
		memset(&fd[t], 0, sizeof fd[t]);
		fd[t].c = &c;
		fd[t].first = 20 * t; /* each range overlaps the next */
		fd[t].n_stacks = EACH;
		ck_assert_int_eq(pthread_create(&th[t], NULL, find_stacks, &fd[t]), 0);
	}
	unsigned made = 0;
	for (unsigned t = 0; t < THREADS; t++) {
		ck_assert_int_eq(pthread_join(th[t], NULL), 0);
		made += fd[t].made;
	}
	unsigned n_stacks = 20 * (THREADS - 1) + EACH;
	ck_assert_uint_eq(hs_contexts_count(&c), n_stacks);
	ck_assert_uint_eq(made, n_stacks);
	/* Every stack's id names its frames, across all threads. */
	uintptr_t f[40];
	for (unsigned t = 0; t < THREADS; t++)
		for (unsigned k = 0; k < EACH; k++) {
			unsigned n = make_stack(f, fd[t].first + k);
			const struct hs_context *x = hs_contexts_get(&c, fd[t].ids[k]);
			ck_assert_uint_eq(x->n_frames, n);
			ck_assert_mem_eq(x->frames, f, n * sizeof *f);
		}
	/* Creation order: the n-th context made got id n. */
	ck_assert_uint_eq(g_n_made, n_stacks);
	for (unsigned i = 0; i < n_stacks; i++)
		ck_assert_uint_eq(g_made_ids[i], i);
	hs_contexts_destroy(&c);
	hs_arena_destroy(&a);
}
END_TEST

static void *remember_first(void *arg)
{
	struct hs_contexts *c = arg;
	hs_contexts_remember(c, 0);
	uintptr_t f[40];
	unsigned n = make_stack(f, 0);
	return (void *)(uintptr_t)(hs_contexts_cached(c, f, n, hs_frames_hash(f, n)) == 0);
}

static pthread_barrier_t g_cached, g_hold;

/* remember_first, then wait with the cache in hand until released. */
static void *remember_and_hold(void *arg)
{
	void *hit = remember_first(arg);
	pthread_barrier_wait(&g_cached);
	pthread_barrier_wait(&g_hold);
	return hit;
}

/* An ended thread's cache goes to the next thread (spares.h: mapped once,
 * not per thread); a thread that cannot get one only misses; a new set
 * does not answer from an old set's ids. */
START_TEST(cache_lifetime)
{
	struct hs_arena a;
	hs_arena_init(&a);
	static struct hs_contexts c;
	hs_contexts_init(&c, &a);
	uintptr_t f[40];
	unsigned n = make_stack(f, 0);
	ck_assert_uint_eq(lookup(&c, f, n, NULL), 0);
	pthread_t th;
	void *hit;
	ck_assert_int_eq(pthread_create(&th, NULL, remember_first, &c), 0);
	ck_assert_int_eq(pthread_join(th, &hit), 0);
	ck_assert_ptr_eq(hit, (void *)1);
	size_t kept = hs_arena_mapped_bytes();
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(pthread_create(&th, NULL, remember_first, &c), 0);
		ck_assert_int_eq(pthread_join(th, &hit), 0);
		ck_assert_ptr_eq(hit, (void *)1);
		ck_assert_uint_eq(hs_arena_mapped_bytes(), kept);
	}
	/* No memory for a cache, every kept one in use: the lookups still
	 * work, through the lock. */
	enum { HOLDERS = HS_SPARES + 1 };
	pthread_t holders[HOLDERS];
	pthread_barrier_init(&g_cached, NULL, HOLDERS + 1);
	pthread_barrier_init(&g_hold, NULL, HOLDERS + 1);
	for (int i = 0; i < HOLDERS; i++)
		ck_assert_int_eq(pthread_create(&holders[i], NULL, remember_and_hold, &c), 0);
	pthread_barrier_wait(&g_cached);
	hs_arena_set_limit(hs_arena_mapped_bytes());
	ck_assert_int_eq(pthread_create(&th, NULL, remember_first, &c), 0);
	ck_assert_int_eq(pthread_join(th, &hit), 0);
	hs_arena_set_limit(0);
	ck_assert_ptr_eq(hit, (void *)0);
	pthread_barrier_wait(&g_hold);
	for (int i = 0; i < HOLDERS; i++) {
		ck_assert_int_eq(pthread_join(holders[i], &hit), 0);
		ck_assert_ptr_eq(hit, (void *)1);
	}
	pthread_barrier_destroy(&g_cached);
	pthread_barrier_destroy(&g_hold);
	/* The main thread's cache holds stack 0 of the old set. */
	ck_assert_uint_eq(hs_contexts_cached(&c, f, n, hs_frames_hash(f, n)), 0);
	hs_contexts_destroy(&c);
	hs_arena_destroy(&a);
	hs_arena_init(&a);
	hs_contexts_init(&c, &a);
	ck_assert_uint_eq(hs_contexts_cached(&c, f, n, hs_frames_hash(f, n)), HS_CTX_NONE);
	uintptr_t g[40];
	unsigned m = make_stack(g, 1);
	ck_assert_uint_eq(lookup(&c, g, m, NULL), 0);
	ck_assert_uint_eq(lookup(&c, f, n, NULL), 1);
	ck_assert_uint_eq(hs_contexts_cached(&c, f, n, hs_frames_hash(f, n)), 1);
	hs_contexts_destroy(&c);
	hs_arena_destroy(&a);
}
END_TEST

enum { N_LEAVES = 40, N_SLOTS = 200, N_STEPS = 6000 };

/* Stack k of the replay: a leaf of its own under f and main. */
static unsigned replay_stack(uintptr_t *f, unsigned k)
{
	f[0] = 0x500000 + 0x100 * (uintptr_t)k;
	f[1] = 0x402000;
	f[2] = 0x401000;
	return 3;
}

/* A fixed mix of mallocs, frees, and reallocs that grow, shrink or move,
 * on 40 stacks, so most stacks come back many times. */
static void *replay(void *unused)
{
	(void)unused;
	uintptr_t live[N_SLOTS] = { 0 };
	unsigned version[N_SLOTS] = { 0 };
	uint64_t x = 7;
	uintptr_t f[3];
	for (unsigned step = 0; step < N_STEPS; step++) {
		x = x * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
		unsigned s = (unsigned)(x >> 33) % N_SLOTS, k = (unsigned)(x >> 45) % N_LEAVES;
		unsigned op = (unsigned)(x >> 20) % 4;
		uint64_t n = 1 + (x >> 50) % 3000;
		unsigned n_frames = replay_stack(f, k);
		uintptr_t fresh = 0x30000000u + 32u * (s * 4096u + ++version[s] % 4096u);
		if (live[s] == 0) {
			hs_rec_alloc((void *)fresh, n, f, n_frames);
			live[s] = fresh;
		} else if (op == 0) {
			hs_rec_free((void *)live[s]);
			live[s] = 0;
		} else {
			/* Grow or shrink; in place or moved. */
			uintptr_t to = op == 1 ? live[s] : fresh;
			uint64_t h = hs_rec_realloc_begin((void *)live[s]);
			hs_rec_realloc_end(h, (void *)to, n, f, n_frames);
			live[s] = to;
		}
	}
	return NULL;
}

/* The replay's file from this thread, then from a new one. */
START_TEST(same_file_from_another_thread)
{
	static struct fake_sym rows[N_LEAVES + 3];
	static char names[N_LEAVES][16];
	for (unsigned k = 0; k < N_LEAVES; k++) {
		snprintf(names[k], sizeof names[k], "leaf%u", k);
		rows[k] = (struct fake_sym){ 0x500000 + 0x100 * k, names[k], "t.c", 100 + k,
					     "/bin/t" };
	}
	rows[N_LEAVES] = (struct fake_sym){ 0x402000, "f", "t.c", 20, "/bin/t" };
	rows[N_LEAVES + 1] = (struct fake_sym){ 0x401000, "main", "t.c", 10, "/bin/t" };
	rows[N_LEAVES + 2] = (struct fake_sym){ 0, NULL, NULL, 0, NULL };
	struct hs_symbolizer sym = fake_symbolizer(rows);
	struct hs_options opts;
	test_options(&opts);

	ck_assert_int_eq(test_rec_init(&opts), 0);
	replay(NULL);
	static char alone[1 << 20];
	const char *text = finish_to_text("./t", &sym);
	ck_assert_uint_lt(strlen(text), sizeof alone);
	strcpy(alone, text);
	ck_assert_uint_gt(count_snapshots(alone), 50);
	ck_assert_ptr_nonnull(strstr(alone, "leaf39 (t.c:139)"));

	ck_assert_int_eq(test_rec_init(&opts), 0);
	pthread_t th;
	ck_assert_int_eq(pthread_create(&th, NULL, replay, NULL), 0);
	ck_assert_int_eq(pthread_join(th, NULL), 0);
	ck_assert_str_eq(finish_to_text("./t", &sym), alone);
}
END_TEST

static Suite *contexts_suite(void)
{
	Suite *s = suite_create("context caches");
	TCase *tc = tcase_create("caches");
	tcase_add_test(tc, hit_gives_the_interned_id);
	tcase_add_test(tc, found_by_another_thread);
	tcase_add_test(tc, full_cache_only_misses);
	tcase_add_test(tc, threads_agree_ids_in_order);
	tcase_add_test(tc, cache_lifetime);
	tcase_add_test(tc, same_file_from_another_thread);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return hs_check_run(contexts_suite());
}
