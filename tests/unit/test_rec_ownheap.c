/* test_rec_ownheap: the recorder's own heap (src/ownheap.c): 16-byte
 * alignment and usable sizes of every small size and of big ones, realloc
 * keeping contents, calloc zeroing reused memory, memalign, reuse through
 * the free lists (the high-water mark stays small), the fallback to glibc
 * when the range is full or the heap is re-entered, four threads at once,
 * and fork while another thread allocates.  Each case runs in its own
 * process (Check's fork mode), so each starts with no range reserved. */
#include <check.h>
#include <sys/mman.h>

#include "hs_check.h"
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ownheap.h"

#define MIB ((size_t)1 << 20)

/* Fill p's n bytes with a pattern derived from seed. */
static void fill(unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(seed + i * 7);
}

/* Whether p's n bytes still hold fill(p, n, seed)'s pattern. */
static int intact(const unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != (unsigned char)(seed + i * 7))
			return 0;
	return 1;
}

/* Check that p is an own, 16-byte aligned block of at least n usable bytes. */
static void check_block(void *p, size_t n)
{
	ck_assert_ptr_nonnull(p);
	ck_assert_msg(hs_ownheap_owns(p), "%zu bytes: %p is not ours", n, p);
	ck_assert_uint_eq((uintptr_t)p % 16, 0);
	ck_assert_uint_ge(hs_ownheap_usable_size(p), n);
}

START_TEST(every_size_aligned_and_usable)
{
	static const size_t big[] = { MIB - 1, MIB, MIB + 1, 3 * MIB + 5, 64 * MIB };

	for (size_t n = 0; n <= 4096; n++) {
		void *p = hs_ownheap_malloc(n);
		check_block(p, n);
		fill(p, n, (unsigned)n);
		ck_assert(intact(p, n, (unsigned)n));
		hs_ownheap_free(p);
	}
	for (size_t i = 0; i < sizeof(big) / sizeof(big[0]); i++) {
		unsigned char *p = hs_ownheap_malloc(big[i]);
		check_block(p, big[i]);
		p[0] = 1;
		p[big[i] - 1] = 2;
		hs_ownheap_free(p);
	}
	/* Small classes waste at most a quarter of the block. */
	ck_assert_uint_eq(hs_ownheap_usable_size(hs_ownheap_malloc(17)), 32);
	ck_assert_uint_eq(hs_ownheap_usable_size(hs_ownheap_malloc(513)), 640);
	ck_assert_uint_eq(hs_ownheap_usable_size(hs_ownheap_malloc(1025)), 1280);
	ck_assert_uint_eq(hs_ownheap_usable_size(hs_ownheap_malloc(MIB)), MIB);
	/* A big block spans whole pages, the header included. */
	ck_assert_uint_eq(hs_ownheap_usable_size(hs_ownheap_malloc(MIB + 1)), MIB + 4096 - 16);
}
END_TEST

START_TEST(realloc_keeps_contents)
{
	unsigned char *p = hs_ownheap_realloc(NULL, 1);
	size_t n = 1;

	check_block(p, 1);
	fill(p, 1, 9);
	/* Grow through every kind of block, then shrink back down. */
	while (n < 4 * MIB) {
		size_t next = n * 3 + 1;
		p = hs_ownheap_realloc(p, next);
		check_block(p, next);
		ck_assert_msg(intact(p, n, 9), "grown to %zu bytes: contents lost", next);
		fill(p, next, 9);
		n = next;
	}
	while (n > 5) {
		size_t next = n / 5;
		p = hs_ownheap_realloc(p, next);
		check_block(p, next);
		ck_assert_msg(intact(p, next, 9), "shrunk to %zu bytes: contents lost", next);
		n = next;
	}
	/* Shrinking a big block a lot moves it to a small one. */
	p = hs_ownheap_realloc(p, 2 * MIB);
	fill(p, 100, 3);
	p = hs_ownheap_realloc(p, 100);
	check_block(p, 100);
	ck_assert_uint_eq(hs_ownheap_usable_size(p), 112);
	ck_assert(intact(p, 100, 3));
	/* Zero bytes: freed, NULL (glibc's behaviour). */
	ck_assert_ptr_null(hs_ownheap_realloc(p, 0));
}
END_TEST

START_TEST(calloc_zeroes_reused_memory)
{
	static const size_t sizes[] = { 1, 100, 4000, 700000, 2 * MIB, 9 * MIB };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t n = sizes[i];
		unsigned char *dirty = hs_ownheap_malloc(n);
		memset(dirty, 0xa5, n);
		hs_ownheap_free(dirty);
		unsigned char *p = hs_ownheap_calloc(1, n);
		ck_assert_ptr_eq(p, dirty); /* the same block, reused */
		size_t j = 0;
		while (j < n && p[j] == 0)
			j++;
		ck_assert_msg(j == n, "calloc(%zu): byte %zu is %u", n, j, j < n ? p[j] : 0);
		hs_ownheap_free(p);
	}
	errno = 0;
	ck_assert_ptr_null(hs_ownheap_calloc(SIZE_MAX / 2, 3));
	ck_assert_int_eq(errno, ENOMEM);
}
END_TEST

START_TEST(memalign_every_power_of_two)
{
	static const size_t sizes[] = { 0, 1, 100, 4096, 5000, 2 * MIB };

	for (size_t align = 16; align <= 65536; align *= 2) {
		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			unsigned char *p = hs_ownheap_memalign(align, sizes[i]);
			check_block(p, sizes[i]);
			ck_assert_msg((uintptr_t)p % align == 0, "memalign(%zu, %zu) = %p", align,
				      sizes[i], (void *)p);
			fill(p, sizes[i], 5);
			ck_assert(intact(p, sizes[i], 5));
			/* realloc of an aligned block keeps its contents too. */
			p = hs_ownheap_realloc(p, sizes[i] + 3000);
			check_block(p, sizes[i] + 3000);
			ck_assert(intact(p, sizes[i], 5));
			hs_ownheap_free(p);
		}
	}
	/* glibc rounds an alignment that is no power of two up. */
	void *p = hs_ownheap_memalign(48, 10);
	check_block(p, 10);
	ck_assert_uint_eq((uintptr_t)p % 64, 0);
	/* Aligned blocks are freed to their lists: no growth over many. */
	size_t before = hs_ownheap_used_bytes();
	for (int i = 0; i < 10000; i++)
		hs_ownheap_free(hs_ownheap_memalign(4096, 200));
	ck_assert_uint_le(hs_ownheap_used_bytes() - before, 8192);
}
END_TEST

START_TEST(free_lists_reuse_memory)
{
	enum { SLOTS = 64 };
	void *slot[SLOTS] = { 0 };
	unsigned rng = 12345;

	/* 100,000 allocations of up to 2,000 bytes, at most 64 live: the range
	 * used stays near 64 blocks per class. */
	for (int i = 0; i < 100000; i++) {
		rng = rng * 1103515245u + 12345u;
		unsigned k = (rng >> 8) % SLOTS;
		hs_ownheap_free(slot[k]);
		slot[k] = hs_ownheap_malloc((rng >> 16) % 2001);
		ck_assert_ptr_nonnull(slot[k]);
	}
	ck_assert_uint_lt(hs_ownheap_used_bytes(), 1 * MIB);
	size_t small_high = hs_ownheap_used_bytes();
	/* Big blocks: 1,000 of 2 to 6 MiB, two live at a time. */
	void *a = NULL, *b = NULL;
	for (int i = 0; i < 1000; i++) {
		hs_ownheap_free(a);
		a = b;
		b = hs_ownheap_malloc((size_t)(2 + i % 5) * MIB);
		ck_assert(hs_ownheap_owns(b));
	}
	/* 12 MiB at least; the tails left between blocks bring it to 20 MiB
	 * (the same after 100,000 rounds), not 1,000 blocks' 4 GiB. */
	ck_assert_uint_lt(hs_ownheap_used_bytes() - small_high, 24 * MIB);
}
END_TEST

START_TEST(big_blocks_reused_and_merged)
{
	char *a = hs_ownheap_malloc(4 * MIB);
	char *b = hs_ownheap_malloc(4 * MIB);

	ck_assert_ptr_eq(b, a + 4 * MIB + 4096); /* whole pages, the header's included */
	size_t high = hs_ownheap_used_bytes();
	/* A freed block in the middle is reused in place. */
	hs_ownheap_free(a);
	ck_assert_ptr_eq(hs_ownheap_malloc(4 * MIB), a);
	/* Freeing the last block also gives back the free one before it. */
	hs_ownheap_free(a);
	hs_ownheap_free(b);
	ck_assert_ptr_eq(hs_ownheap_malloc(8 * MIB), a);
	ck_assert_uint_eq(hs_ownheap_used_bytes(), high);
}
END_TEST

START_TEST(double_free_keeps_lists_sound)
{
	void *p = hs_ownheap_malloc(40);

	hs_ownheap_free(p);
	hs_ownheap_free(p);
	void *q = hs_ownheap_malloc(40);
	void *r = hs_ownheap_malloc(40);
	ck_assert_ptr_eq(q, p);
	ck_assert_ptr_ne(r, q);
}
END_TEST

START_TEST(full_range_falls_back_to_glibc)
{
	enum { MAX = 1000 };
	void *p[MAX];
	int own = 0, n = 0;

	ck_assert_int_eq(hs_ownheap_init(256 * 1024), 0);
	ck_assert_int_eq(hs_ownheap_init(MIB), -1); /* reserved once */
	/* 1,024-byte blocks take 1,040 bytes: 252 fit in 256 KiB. */
	while (n < MAX) {
		p[n] = hs_ownheap_malloc(1024);
		ck_assert_ptr_nonnull(p[n]);
		memset(p[n], 7, 1024);
		if (!hs_ownheap_owns(p[n++]))
			break;
		own++;
	}
	ck_assert_int_eq(own, 252);
	ck_assert_uint_eq(hs_ownheap_used_bytes(), 252 * 1040);
	/* Full: glibc's blocks, which realloc and free handle too. */
	void *big = hs_ownheap_malloc(MIB);
	ck_assert(!hs_ownheap_owns(big));
	big = hs_ownheap_realloc(big, 2 * MIB);
	ck_assert(!hs_ownheap_owns(big));
	hs_ownheap_free(big);
	ck_assert(!hs_ownheap_owns(hs_ownheap_memalign(64, 10)));
	ck_assert(!hs_ownheap_owns(hs_ownheap_calloc(10, 10)));
	/* An own block grown past the room left becomes glibc's, contents kept. */
	fill(p[0], 1024, 1);
	void *moved = hs_ownheap_realloc(p[0], 300000);
	ck_assert(!hs_ownheap_owns(moved));
	ck_assert(intact(moved, 1024, 1));
	hs_ownheap_free(moved);
	/* ...which freed its own block: the next one is own again. */
	p[0] = hs_ownheap_malloc(1000);
	ck_assert(hs_ownheap_owns(p[0]));
	for (int i = 0; i < n; i++)
		hs_ownheap_free(p[i]);
}
END_TEST

START_TEST(address_space_limit_shrinks_the_range)
{
#ifdef UNDER_ASAN
	/* ASan's shadow memory cannot live under a 512 MiB limit. */
#else
	struct rlimit as = { 512 * MIB, RLIM_INFINITY };
	int own = 0;

	ck_assert_int_eq(setrlimit(RLIMIT_AS, &as), 0);
	/* A sixteenth of the limit, 32 MiB: seven blocks of 4 MiB and a page. */
	for (int i = 0; i < 20; i++)
		own += hs_ownheap_owns(hs_ownheap_malloc(4 * MIB));
	ck_assert_int_eq(own, 7);
#endif
}
END_TEST

/* The range takes address space only as it fills (RLIMIT_AS counts every
 * mapping): 1 MiB at first, then steps mapped right after; where the
 * addresses after it are taken, it stops growing and glibc serves. */
START_TEST(range_grows_as_it_fills)
{
	unsigned char vec;
	ck_assert_int_eq(hs_ownheap_init(64 * MIB), 0);
	char *a = hs_ownheap_malloc(1000);
	ck_assert(hs_ownheap_owns(a));
	ck_assert_uint_eq(atomic_load(&hs_ownheap_size_), MIB);
	char *after = (char *)hs_ownheap_base_ + MIB;
	ck_assert_int_eq(mincore(after, 4096, &vec), -1);
	ck_assert_int_eq(errno, ENOMEM);
	/* 3 MiB more: mapped right after, and ours. */
	char *b = hs_ownheap_malloc(3 * MIB);
	ck_assert(hs_ownheap_owns(b));
	memset(b, 5, 3 * MIB);
	size_t size = atomic_load(&hs_ownheap_size_);
	ck_assert_uint_eq(size, 4 * MIB); /* the block and its page: 1 + 3 MiB */
	ck_assert_int_eq(mincore(after, 4096, &vec), 0);
	/* Someone else's mapping right after the range: it stays as it is. */
	char *end = (char *)hs_ownheap_base_ + size;
	void *theirs = mmap(end, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
			    -1, 0);
	ck_assert_ptr_eq(theirs, end);
	char *c = hs_ownheap_malloc(2 * MIB);
	ck_assert(!hs_ownheap_owns(c));
	ck_assert_uint_eq(atomic_load(&hs_ownheap_size_), size);
	hs_ownheap_free(c);
	hs_ownheap_free(b);
	hs_ownheap_free(a);
	munmap(theirs, 4096);
}
END_TEST

START_TEST(reentered_heap_falls_back)
{
	void *own = hs_ownheap_malloc(10);

	ck_assert(hs_ownheap_owns(own));
	/* The prepare hook holds the lock, as a handler running inside the
	 * heap would find it: this thread is served by glibc. */
	hs_ownheap_atfork_prepare();
	void *p = hs_ownheap_malloc(10);
	ck_assert_ptr_nonnull(p);
	ck_assert(!hs_ownheap_owns(p));
	hs_ownheap_free(p);
	hs_ownheap_free(own); /* dropped, not deadlocked */
	hs_ownheap_atfork_parent();
	ck_assert(hs_ownheap_owns(hs_ownheap_malloc(10)));
}
END_TEST

/* One thread's share of the hammering: blocks checked before each free. */
static void *hammer(void *arg)
{
	unsigned seed = (unsigned)(uintptr_t)arg;
	enum { SLOTS = 32 };
	unsigned char *slot[SLOTS] = { 0 };
	size_t len[SLOTS] = { 0 };
	unsigned rng = seed;
	long bad = 0;

	for (int i = 0; i < 200000; i++) {
		rng = rng * 1103515245u + 12345u;
		unsigned k = (rng >> 8) % SLOTS;
		if (slot[k] != NULL && !intact(slot[k], len[k] < 64 ? len[k] : 64, seed))
			bad++;
		if ((rng >> 20) % 4 == 0 && slot[k] != NULL) {
			len[k] = (rng >> 12) % 3000;
			slot[k] = hs_ownheap_realloc(slot[k], len[k] == 0 ? 1 : len[k]);
		} else {
			hs_ownheap_free(slot[k]);
			len[k] = (rng >> 12) % 3000;
			slot[k] = hs_ownheap_malloc(len[k]);
		}
		if (!hs_ownheap_owns(slot[k]))
			bad++;
		fill(slot[k], len[k] < 64 ? len[k] : 64, seed);
	}
	for (int k = 0; k < SLOTS; k++)
		hs_ownheap_free(slot[k]);
	return (void *)bad;
}

START_TEST(four_threads)
{
	pthread_t t[4];

	for (uintptr_t i = 0; i < 4; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, hammer, (void *)(i + 1)), 0);
	for (int i = 0; i < 4; i++) {
		void *bad;
		pthread_join(t[i], &bad);
		ck_assert_int_eq((long)(uintptr_t)bad, 0);
	}
}
END_TEST

static atomic_int g_stop;

/* Allocate and free until told to stop. */
static void *churn(void *arg)
{
	(void)arg;
	while (!atomic_load(&g_stop))
		hs_ownheap_free(hs_ownheap_malloc(100));
	return NULL;
}

START_TEST(fork_while_another_thread_allocates)
{
	pthread_t t;

	pthread_atfork(hs_ownheap_atfork_prepare, hs_ownheap_atfork_parent,
		       hs_ownheap_atfork_child);
	hs_ownheap_free(hs_ownheap_malloc(1));
	ck_assert_int_eq(pthread_create(&t, NULL, churn, NULL), 0);
	for (int i = 0; i < 50; i++) {
		pid_t pid = fork();
		ck_assert_int_ge(pid, 0);
		if (pid == 0) {
			/* The child allocates from the own heap, lock reset. */
			alarm(10);
			for (int j = 0; j < 1000; j++) {
				unsigned char *p = hs_ownheap_calloc(1, 300);
				if (!hs_ownheap_owns(p) || p[299] != 0)
					_exit(2);
				hs_ownheap_free(p);
			}
			_exit(0);
		}
		int status;
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
			      "fork %d: child status %#x", i, status);
	}
	atomic_store(&g_stop, 1);
	pthread_join(t, NULL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ownheap");
	TCase *tc = tcase_create("ownheap");

	tcase_add_test(tc, every_size_aligned_and_usable);
	tcase_add_test(tc, realloc_keeps_contents);
	tcase_add_test(tc, calloc_zeroes_reused_memory);
	tcase_add_test(tc, memalign_every_power_of_two);
	tcase_add_test(tc, free_lists_reuse_memory);
	tcase_add_test(tc, big_blocks_reused_and_merged);
	tcase_add_test(tc, double_free_keeps_lists_sound);
	tcase_add_test(tc, full_range_falls_back_to_glibc);
	tcase_add_test(tc, address_space_limit_shrinks_the_range);
	tcase_add_test(tc, range_grows_as_it_fills);
	tcase_add_test(tc, reentered_heap_falls_back);
	tcase_add_test(tc, four_threads);
	tcase_add_test(tc, fork_while_another_thread_allocates);
	suite_add_tcase(s, tc);
	return hs_check_run(s);
}
