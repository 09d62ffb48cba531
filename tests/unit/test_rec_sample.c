/* test_rec_sample: --sample's parts (src/core/sampler.c, the recorder's
 * sampling entry points, src/preload/sizetag.h).
 *
 * The countdown's gaps have the mean asked for and blocks are sampled
 * with probability 1 - exp(-s/T) (fixed seeds, tolerances of a few
 * standard deviations); the weights make unbiased sums; a script of fake
 * allocations recorded with sampling gives exactly exact mode's times and
 * mem_heap_B in every snapshot; an unsampled block never reaches the
 * table (the filter says so in one load); and the size tag gives back
 * every request, for small, aligned and mmapped glibc blocks.
 */
#include <check.h>

#include "hs_check.h"
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "callsites.h"
#include "journal.h"
#include "rawread.h"
#include "recorder.h"
#include "sampler.h"
#include "sizetag.h"
#include "tagshadow.h"
#include "test_rec_support.h"

extern void *__libc_malloc(size_t n);
extern void *__libc_memalign(size_t align, size_t n);
extern void *__libc_realloc(void *p, size_t n);
extern void __libc_free(void *p);

static const struct fake_sym syms[] = {
	{ 0x401000, "main", "t.c", 10, "/bin/t" },
	{ 0x402000, "f", "t.c", 20, "/bin/t" },
	{ 0x403000, "g", "t.c", 30, "/bin/t" },
	{ 0, NULL, NULL, 0, NULL },
};
static const uintptr_t st_f[] = { 0x402000, 0x401000 };
static const uintptr_t st_g[] = { 0x403000, 0x401000 };

/* The gaps' mean over a million draws is the mean asked for, within 0.5%
 * (the standard error is 0.1%). */
START_TEST(countdown_mean)
{
	struct hs_sampler s;
	const uint64_t mean = 512 << 10;
	hs_sampler_seed(&s, 42, mean);
	double sum = 0, sum2 = 0;
	const int n = 1000000;
	for (int i = 0; i < n; i++) {
		double g = (double)hs_sampler_draw(&s, mean);
		hs_assert(g >= 1);
		sum += g;
		sum2 += g * g;
	}
	double m = sum / n;
	ck_assert_msg(fabs(m / mean - 1) < 0.005, "mean gap %.0f for %lu", m, (unsigned long)mean);
	/* Exponential: the standard deviation equals the mean. */
	double sd = sqrt(sum2 / n - m * m);
	ck_assert_msg(fabs(sd / mean - 1) < 0.01, "sd %.0f", sd);
}
END_TEST

/* Blocks of s bytes are sampled with probability 1 - exp(-s/T), and the
 * sampled ones' weights add up to the bytes allocated (Horvitz-Thompson). */
START_TEST(sampled_fraction_and_unbiased_weights)
{
	const uint64_t mean = 4096;
	const uint64_t sizes[] = { 16, 100, 1000, 4096, 20000 };
	for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
		struct hs_sampler s;
		hs_sampler_seed(&s, 7 + k, mean);
		const long n = 400000;
		long taken = 0;
		double weights = 0;
		for (long i = 0; i < n; i++) {
			if (hs_sampler_take(&s, sizes[k], mean)) {
				taken++;
				weights += (double)hs_sample_weight(sizes[k], mean);
			}
		}
		double p = 1 - exp(-(double)sizes[k] / (double)mean);
		double sd = sqrt(p * (1 - p) / n);
		ck_assert_msg(fabs((double)taken / n - p) < 5 * sd + 1e-9,
			      "size %lu: sampled %.5f, expected %.5f", (unsigned long)sizes[k],
			      (double)taken / n, p);
		double bytes = (double)n * (double)sizes[k];
		/* Relative standard error of the sum: sqrt((1 - p) / (n p)). */
		double tol = 4 * sqrt((1 - p) / (n * p));
		ck_assert_msg(fabs(weights / bytes - 1) < tol, "size %lu: weights/bytes %.4f",
			      (unsigned long)sizes[k], weights / bytes);
	}
	/* The weight itself: about T + s/2 for small s, s for big ones. */
	ck_assert_uint_eq(hs_sample_weight(1, 1 << 19), (1 << 19) + 1);
	ck_assert_uint_eq(hs_sample_weight(100 << 20, 1 << 19), 100 << 20);
	uint64_t w = hs_sample_weight(1 << 19, 1 << 19); /* s / (1 - 1/e) */
	ck_assert_msg(llabs((long long)w - 829412) <= 1, "w(T) = %lu", (unsigned long)w);
	ck_assert_uint_eq(hs_sample_weight(0, 4096), 0);
}
END_TEST

static struct hs_options opts;
static int sampling;
static struct hs_sampler sampler;

#define MAX_LIVE 2000
static void *live[MAX_LIVE];
static size_t live_req[MAX_LIVE];

/* Which blocks were sampled, as the preload layer's tags say it
 * (sizetag.h, HS_TAG_SAMPLED): kept aside here, in a set of addresses,
 * because under ASan (the sanitizer build) a block has no glibc chunk
 * header for a tag to be found by. */
#define SAMPLED_SLOTS (1u << 14)
static const void *sampled_set[SAMPLED_SLOTS];

static unsigned sampled_slot(const void *p)
{
	unsigned i = (unsigned)(((uintptr_t)p >> 4) * UINT64_C(0x9E3779B97F4A7C15) >> 50);
	while (sampled_set[i] != NULL && sampled_set[i] != p)
		i = (i + 1) & (SAMPLED_SLOTS - 1);
	return i;
}

/* Block p was (sampled != 0) or was not sampled; a block gone from the
 * set leaves it by mark_block(p, 0). */
static void mark_block(const void *p, int sampled)
{
	unsigned i = sampled_slot(p);
	if (sampled) {
		sampled_set[i] = p;
		return;
	}
	if (sampled_set[i] == NULL)
		return;
	/* Delete, then re-place the run after it (linear probing). */
	sampled_set[i] = NULL;
	for (unsigned j = (i + 1) & (SAMPLED_SLOTS - 1); sampled_set[j] != NULL;
	     j = (j + 1) & (SAMPLED_SLOTS - 1)) {
		const void *q = sampled_set[j];
		sampled_set[j] = NULL;
		sampled_set[sampled_slot(q)] = q;
	}
}

static int was_sampled(const void *p)
{
	return sampled_set[sampled_slot(p)] == p;
}

/* A malloc as the preload layer records it, exact or sampled. */
static void *do_malloc(size_t n, const uintptr_t *stack)
{
	void *p = __libc_malloc(n + 1);
	ck_assert_ptr_nonnull(p);
	if (!sampling) {
		hs_rec_alloc(p, n, stack, 2);
	} else if (hs_sampler_take(&sampler, n, opts.sample_bytes)) {
		mark_block(p, 1);
		hs_rec_sampled_alloc(p, n, hs_sample_weight(n, opts.sample_bytes), stack, 2, 0);
	} else {
		hs_rec_count_alloc(n, 0);
	}
	return p;
}

static void do_free(void *p, size_t n)
{
	if (!sampling)
		hs_rec_free(p);
	else if (was_sampled(p))
		hs_rec_sampled_free(p, n, 0);
	else
		hs_rec_count_free(n, 0);
	mark_block(p, 0);
	__libc_free(p);
}

static void *do_realloc(void *p, size_t old_n, size_t n, const uintptr_t *stack)
{
	if (!sampling) {
		uint64_t h = hs_rec_realloc_begin(p);
		void *q = __libc_realloc(p, n + 1);
		hs_rec_realloc_end(h, q, n, stack, 2);
		return q;
	}
	uint64_t h = was_sampled(p) ? hs_rec_sampled_realloc_begin(p) : 0;
	mark_block(p, 0);
	void *q = __libc_realloc(p, n + 1);
	ck_assert_ptr_nonnull(q);
	uint64_t w = hs_sampler_take(&sampler, n, opts.sample_bytes)
			     ? hs_sample_weight(n, opts.sample_bytes)
			     : 0;
	mark_block(q, w != 0);
	if (h == 0 && w == 0)
		hs_rec_count_realloc(q, old_n, n, 0, 0); /* as interpose.c */
	else
		hs_rec_sampled_realloc_end(h, old_n, q, n, w, stack, 2, 0, 0);
	return q;
}

/* Churn over a growing and shrinking heap, two sites, some reallocs
 * (growing: a shrink in place twice is where extra may differ). */
static void script(void)
{
	unsigned x = 12345;
	for (int round = 0; round < 40; round++) {
		for (int i = 0; i < MAX_LIVE; i++) {
			x = x * 1103515245u + 12345u;
			size_t n = i % 2 ? 16 + (x >> 16) % 200 : 500 + (x >> 16) % 3000;
			if (live[i] != NULL && (x >> 8) % 3 == 0) {
				live[i] = do_realloc(live[i], live_req[i], live_req[i] + n, st_g);
				live_req[i] += n;
				continue;
			}
			if (live[i] != NULL)
				do_free(live[i], live_req[i]);
			live[i] = do_malloc(n, i % 2 ? st_f : st_g);
			live_req[i] = n;
		}
		for (int i = round % 3; i < MAX_LIVE; i += 3) {
			if (live[i] != NULL)
				do_free(live[i], live_req[i]);
			live[i] = NULL;
		}
	}
	for (int i = 0; i < MAX_LIVE; i++) {
		if (live[i] != NULL)
			do_free(live[i], live_req[i]);
		live[i] = NULL;
	}
}

/* The time= and mem_heap_B= lines of a Massif text, in order. */
static void totals_of(const char *text, char *out, size_t cap)
{
	size_t n = 0;
	out[0] = '\0';
	for (const char *l = text; *l != '\0';) {
		const char *e = strchr(l, '\n');
		size_t len = e != NULL ? (size_t)(e - l) + 1 : strlen(l);
		if (strncmp(l, "time=", 5) == 0 || strncmp(l, "mem_heap_B=", 11) == 0) {
			ck_assert_uint_lt(n + len, cap);
			memcpy(out + n, l, len);
			n += len;
			out[n] = '\0';
		}
		l += len;
	}
}

/* Sampled, every snapshot has exact mode's time and mem_heap_B; the
 * desc: line says the trees are estimates. */
START_TEST(exact_totals_with_sampling)
{
	static char exact[1 << 16], sampled[1 << 16];
	struct hs_symbolizer sym = fake_symbolizer(syms);
	for (sampling = 0; sampling <= 1; sampling++) {
		test_options(&opts);
		opts.detailed_freq = 1;
		opts.sample_bytes = sampling ? 4096 : 0;
		hs_sampler_seed(&sampler, 99, 4096);
		ck_assert_int_eq(test_rec_init(&opts), 0);
		script();
		const char *got = finish_to_text("./t", &sym);
		totals_of(got, sampling ? sampled : exact, sizeof exact);
		if (sampling) {
			ck_assert_ptr_nonnull(strstr(got, "the trees are unbiased estimates"));
			ck_assert_ptr_nonnull(strstr(got, "within 64 KiB per thread"));
		}
	}
	sampling = 0;
	ck_assert_uint_gt(strlen(exact), 200);
	ck_assert_str_eq(sampled, exact);
}
END_TEST

/* An unsampled block's free is a count; a sampled one (its tag says so:
 * sizetag.h) is found in the table and gone after; and a block whose tag
 * claims a sample the table does not hold (the program wrote past its
 * request) is counted as unsampled. */
START_TEST(unsampled_free_path)
{
	test_options(&opts);
	opts.sample_bytes = 1 << 30; /* nothing sampled by chance */
	ck_assert_int_eq(test_rec_init(&opts), 0);
	void *small[64];
	for (int i = 0; i < 64; i++) {
		small[i] = __libc_malloc(33);
		hs_rec_count_alloc(32, 0);
	}
	for (int i = 0; i < 64; i++) {
		hs_rec_count_free(32, 0);
		__libc_free(small[i]);
	}
	void *p = __libc_malloc(101);
	hs_rec_sampled_alloc(p, 100, hs_sample_weight(100, opts.sample_bytes), st_f, 2, 0);
	hs_rec_sampled_free(p, 100, 0);
	__libc_free(p);
	void *q = __libc_malloc(51);
	hs_rec_count_alloc(50, 0);
	hs_rec_sampled_free(q, 50, 0); /* its tag claims a sample */
	__libc_free(q);
	struct hs_symbolizer sym = fake_symbolizer(syms);
	const char *got = finish_to_text("./t", &sym);
	const char *last = snapshot_text(got, count_snapshots(got) - 1);
	ck_assert_ptr_nonnull(strstr(last, "mem_heap_B=0\n"));
}
END_TEST

static void *no_work(void *arg)
{
	return arg;
}

/* Once the process has had a second thread, counts go to the thread's
 * own and reach the totals at a flush or at the end: an unsampled
 * realloc of 1000 to 3000 bytes, then a shrink to 200, leaves 200 in the
 * last snapshot (one thread's path is exact_totals_with_sampling's). */
START_TEST(threads_count_realloc)
{
	pthread_t thread;
	ck_assert_int_eq(pthread_create(&thread, NULL, no_work, NULL), 0);
	ck_assert_int_eq(pthread_join(thread, NULL), 0);
	ck_assert_int_eq(hs_single_threaded(), 0); /* Check forks each test */
	test_options(&opts);
	opts.sample_bytes = 1 << 30; /* nothing sampled by chance */
	ck_assert_int_eq(test_rec_init(&opts), 0);
	char *p = __libc_malloc(1001);
	ck_assert_ptr_nonnull(p);
	hs_rec_count_alloc(1000, 0);
	char *q = __libc_realloc(p, 3001);
	ck_assert_ptr_nonnull(q);
	hs_rec_count_realloc(q, 1000, 3000, 0, 0);
	char *r = __libc_realloc(q, 201);
	ck_assert_ptr_nonnull(r);
	hs_rec_count_realloc(r, 3000, 200, 0, 0);
	struct hs_symbolizer sym = fake_symbolizer(syms);
	const char *got = finish_to_text("./t", &sym);
	const char *last = snapshot_text(got, count_snapshots(got) - 1);
	ck_assert_msg(strstr(last, "mem_heap_B=200\n") != NULL, "%s", last);
	__libc_free(r);
}
END_TEST

#ifndef UNDER_ASAN /* see main: not run under ASan */
/* A fake glibc chunk of 48 bytes (40 usable) on a fresh page at addr, a
 * region of its own: the block (unmap blk - 16, 4096 when done). */
static unsigned char *fake_chunk_at(uintptr_t addr)
{
	unsigned char *m = mmap((void *)addr, 4096, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	ck_assert_ptr_eq(m, (void *)addr);
	size_t head = 48 | 1; /* PREV_INUSE */
	memcpy(m + 8, &head, sizeof head);
	unsigned char *blk = m + 16;
	__asm__("" : "+r"(blk)); /* gcc would see a header before a fixed address */
	return blk;
}
/* The tag gives every request back, counted or not, for malloc'd,
 * aligned and mmapped blocks, with the shadow off (every block asked with
 * room: the tag inside) and on (blocks asked for their request alone:
 * slack 0..2 in the shadow); an untagged block is not counted. */

static void tag_round_trip(size_t room)
{
	for (size_t n = 0; n < 3000; n++) {
		for (int counted = 0; counted <= 1; counted++) {
			void *p = n % 5 == 0 ? __libc_memalign(64 << (n % 4), n + room)
					     : __libc_malloc(n + room);
			ck_assert_ptr_nonnull(p);
			unsigned site = (unsigned)(n * 7 % 4097), got = 12345;
			if (n % 3 == 0)
				site |= HS_TAG_SAMPLED;
			hs_assert(hs_tag_set_site(p, n, counted, site) == 0);
			size_t req = 0;
			hs_assert(hs_tag_get(p, &req) == counted);
			hs_assert(req == n);
			req = 0;
			hs_assert(hs_tag_get_site(p, &req, &got) == counted);
			hs_assert(req == n);
			hs_assert(got == (counted ? site : 0)); /* not counted: no site */
			/* The program may write its whole request: the tag is past it. */
			memset(p, 0xff, n);
			hs_assert(hs_tag_get_site(p, &req, &got) == counted && req == n);
			hs_assert(got == (counted ? site : 0));
			__libc_free(p);
		}
	}
	const size_t big[] = { 200000, 1 << 20, (1 << 20) + 4095, 5000000, 2 * 4096 - 16 };
	for (size_t k = 0; k < sizeof big / sizeof big[0]; k++) {
		void *p = __libc_malloc(big[k] + room); /* mmapped */
		hs_assert(hs_tag_set_site(p, big[k], 1, 4096) == 0);
		memset(p, 0xff, big[k]);
		size_t req = 0;
		unsigned site = 0;
		ck_assert_int_eq(hs_tag_get_site(p, &req, &site), 1);
		ck_assert_uint_eq(req, big[k]);
		ck_assert_uint_eq(site, 4096);
		__libc_free(p);
	}
}

START_TEST(size_tag_round_trip)
{
	/* Untagged, with no shadow yet. */
	unsigned char *p = __libc_malloc(40);
	memset(p, 0, hs_chunk_usable(p)); /* no tag */
	size_t req;
	unsigned site = 1;
	ck_assert_int_eq(hs_tag_get_site(p, &req, &site), 0);
	ck_assert_uint_eq(site, 0);
	/* A slack byte below the tag's room is no tag either. */
	p[hs_chunk_usable(p) - 1] = 2;
	ck_assert_int_eq(hs_tag_get(p, &req), 0);
	__libc_free(p);

	ck_assert_int_eq(hs_shadow_off, 1); /* until start-up turns it on */
	tag_round_trip(HS_TAG_ROOM);
	ck_assert_uint_eq(hs_shadow_leaves_mapped(), 0);
	hs_shadow_start();
	ck_assert_int_eq(hs_shadow_off, 0); /* make check: no ulimit -v */
	tag_round_trip(0);
	ck_assert_uint_ge(hs_shadow_leaves_mapped(), 1);

	/* A block tagged inside clears what a former block at its address
	 * left in the shadow: 112-byte chunk (104 usable), slack 4 in the
	 * shadow's three bytes, then slack 24 inside. */
	p = __libc_malloc(100);
	ck_assert_uint_eq(hs_chunk_usable(p), 104);
	ck_assert_int_eq(hs_tag_set_site(p, 100, 1, 9), 0);
	ck_assert_uint_ne(hs_shadow_get(p), 0);
	ck_assert_int_eq(hs_tag_set_site(p, 80, 0, 0), 0);
	ck_assert_uint_eq(hs_shadow_get(p), 0);
	ck_assert_int_eq(hs_tag_get_site(p, &req, &site), 0);
	ck_assert_uint_eq(req, 80);
	/* A tag in the shadow is not in the block: the program may write all
	 * of its usable size. */
	ck_assert_int_eq(hs_tag_set_site(p, 90, 1, 4097 | HS_TAG_SAMPLED), 0);
	memset(p, 0xff, 104);
	ck_assert_int_eq(hs_tag_get_site(p, &req, &site), 1);
	ck_assert_uint_eq(req, 90);
	ck_assert_uint_eq(site, 4097 | HS_TAG_SAMPLED);
	__libc_free(p);
	p = __libc_malloc(40);
	/* Each block's bytes are its own: a neighbour's tag leaves them. */
	unsigned char *q = __libc_malloc(24);
	ck_assert_int_eq(hs_tag_set_site(p, 39, 1, 4096 | HS_TAG_SAMPLED), 0);
	ck_assert_int_eq(hs_tag_set_site(q, 24, 1, 1), 0);
	ck_assert_int_eq(hs_tag_get_site(p, &req, &site), 1);
	ck_assert_uint_eq(req, 39);
	ck_assert_uint_eq(site, 4096 | HS_TAG_SAMPLED);
	ck_assert_int_eq(hs_tag_get_site(q, &req, &site), 1);
	ck_assert_uint_eq(req, 24);
	ck_assert_uint_eq(site, 1);
	__libc_free(q);
	__libc_free(p);

	/* A 32-byte chunk has two granules: the shadow's byte after them is
	 * the next chunk's, and its tag is read without it.  Fake chunks of
	 * 32 and 48 bytes, side by side. */
	{
		unsigned char *m = mmap((void *)0x6f0040000000ull, 4096, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		ck_assert_ptr_eq(m, (void *)0x6f0040000000ull);
		size_t head_small = 32 | 1, head_wide = 48 | 1;
		memcpy(m + 8, &head_small, sizeof head_small);
		memcpy(m + 32 + 8, &head_wide, sizeof head_wide);
		unsigned char *small = m + 16, *wide = m + 48;
		__asm__("" : "+r"(small), "+r"(wide));
		ck_assert_uint_eq(hs_chunk_usable(small), 24);
		ck_assert_int_eq(hs_tag_set_site(small, 23, 1, 2), 0); /* slack 1: shadow */
		ck_assert_int_eq(hs_tag_set_site(wide, 33, 1, 3), 0);  /* slack 7: shadow */
		ck_assert_int_eq(hs_tag_get_site(small, &req, &site), 1);
		ck_assert_uint_eq(req, 23);
		ck_assert_uint_eq(site, 2);
		ck_assert_int_eq(hs_tag_set_site(small, 10, 1, 4), 0); /* slack 14: inside */
		ck_assert_int_eq(hs_tag_get_site(small, &req, &site), 1);
		ck_assert_uint_eq(req, 10);
		ck_assert_uint_eq(site, 4);
		ck_assert_int_eq(hs_tag_get_site(wide, &req, &site), 1);
		ck_assert_uint_eq(req, 33);
		ck_assert_uint_eq(site, 3);
		munmap(m, 4096);
	}

	/* With the shadow off and no leaf for the block's addresses, a tag that
	 * does not fit inside is refused (interpose.c then asks glibc for a
	 * block with room); one that fits is written.  A fake chunk of 48
	 * bytes (40 usable) in a GiB of its own. */
	{
		unsigned char *blk = fake_chunk_at(0x6f0000000000ull);
		hs_shadow_off = 1;
		ck_assert_int_eq(hs_tag_set_site(blk, 40, 1, 5), -1);
		ck_assert_int_eq(hs_tag_set_site(blk, 37, 1, 5), 0);
		ck_assert_int_eq(hs_tag_get_site(blk, &req, &site), 1);
		ck_assert_uint_eq(req, 37);
		ck_assert_uint_eq(site, 5);
		hs_shadow_off = 0;
		munmap(blk - 16, 4096);
	}
}
END_TEST

/* The VmFlags of the mapping holding addr in /proc/self/smaps ("" when
 * not found). */
static const char *vm_flags_of(const void *addr)
{
	static char flags[512];
	char line[512];
	int in = 0;
	flags[0] = '\0';
	FILE *f = fopen("/proc/self/smaps", "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof line, f) != NULL) {
		unsigned long lo, hi;
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 &&
		    strchr(line, '-') < strchr(line, ' '))
			in = (uintptr_t)addr >= lo && (uintptr_t)addr < hi;
		else if (in && strncmp(line, "VmFlags:", 8) == 0)
			snprintf(flags, sizeof flags, "%s", line + 8);
	}
	fclose(f);
	return flags;
}

static uint64_t g_fake_heap;

static uint64_t fake_heap(void)
{
	return g_fake_heap;
}

/* A leaf is 2 MiB-aligned, so that it can be one huge page, and asks for
 * one (MADV_HUGEPAGE: "hg" in VmFlags) only when the heap holds at least
 * 12 MiB per leaf already mapped: the first leaf and a sparse heap's
 * stay small pages.  Fake chunks (48 bytes, 40 usable, slack 0: the tag
 * goes to the shadow) in 32 MiB regions of their own. */
START_TEST(dense_heap_leaves_huge)
{
	hs_shadow_start();
	ck_assert_int_eq(hs_shadow_off, 0);
	ck_assert_uint_eq(hs_shadow_leaves_mapped(), 0); /* Check forks each test */
	hs_shadow_set_heap_probe(fake_heap);
	/* A kernel built without huge pages refuses the advice. */
	int thp = access("/sys/kernel/mm/transparent_hugepage/enabled", F_OK) == 0;
	const uint64_t mib = 1 << 20;
	const uint64_t heap_then[4] = { (uint64_t)1 << 40, 12 * mib - 1, 24 * mib, 36 * mib - 1 };
	const int huge_then[4] = { 0, 0, 1, 0 };
	for (int k = 0; k < 4; k++) {
		unsigned char *blk = fake_chunk_at(0x6e0000000000ull + ((uint64_t)k << 26));
		g_fake_heap = heap_then[k];
		ck_assert_int_eq(hs_tag_set_site(blk, 40, 1, 5), 0);
		const uint8_t *leaf = hs_shadow_leaf(hs_shadow_chunk(blk));
		ck_assert_ptr_nonnull(leaf);
		ck_assert_uint_eq((uintptr_t)leaf & ((2u << 20) - 1), 0);
		int huge = strstr(vm_flags_of(leaf), " hg") != NULL;
		ck_assert_int_eq(huge, huge_then[k] && thp);
		size_t req = 0;
		unsigned site = 0;
		ck_assert_int_eq(hs_tag_get_site(blk, &req, &site), 1);
		ck_assert_uint_eq(req, 40);
		ck_assert_uint_eq(site, 5);
		munmap(blk - 16, 4096);
	}
	hs_shadow_set_heap_probe(NULL);
}
END_TEST
#endif

/* Every detailed snapshot's SITES (journal, reader) gives the direct call
 * sites' bytes then: with one thread they are all the heap's blocks here,
 * so they sum to its mem_heap_B, through counts, sampled blocks, frees
 * and a realloc moving bytes to another site; culls keep each its own;
 * normal snapshots have none. */
START_TEST(sites_follow_the_totals)
{
	test_options(&opts);
	opts.sample_bytes = 4096;
	opts.detailed_freq = 2;
	opts.max_snapshots = 12; /* culls */
	hs_sampler_seed(&sampler, 7, 4096);
	ck_assert_int_eq(test_rec_init(&opts), 0);
	unsigned site[3] = { hs_callsites_id(0x402001), hs_callsites_id(0x403001),
			     hs_callsites_id(0x404001) };
	static void *blocks[3000];
	static size_t sizes[3000];
	for (unsigned i = 0; i < 3000; i++) {
		size_t n = 16 + (i * 37) % 900;
		void *p = __libc_malloc(n + 1);
		ck_assert_ptr_nonnull(p);
		int take = hs_sampler_take(&sampler, n, opts.sample_bytes);
		mark_block(p, take);
		if (take)
			hs_rec_sampled_alloc(p, n, hs_sample_weight(n, opts.sample_bytes), st_f, 2,
					     site[i % 2]);
		else
			hs_rec_count_alloc(n, site[i % 2]);
		blocks[i] = p;
		sizes[i] = n;
		if (i % 3 == 2) { /* one block in three freed soon, another reallocated */
			unsigned k = i - 1;
			if (was_sampled(blocks[k]))
				hs_rec_sampled_free(blocks[k], sizes[k], site[k % 2]);
			else
				hs_rec_count_free(sizes[k], site[k % 2]);
			mark_block(blocks[k], 0);
			__libc_free(blocks[k]);
			blocks[k] = NULL;
			k = i - 2;
			uint64_t h = was_sampled(blocks[k]) ? hs_rec_sampled_realloc_begin(blocks[k]) : 0;
			mark_block(blocks[k], 0);
			void *q = __libc_realloc(blocks[k], sizes[k] * 2 + 1);
			ck_assert_ptr_nonnull(q);
			hs_rec_sampled_realloc_end(h, sizes[k], q, sizes[k] * 2, 0, NULL, 0, site[k % 2],
						   site[2]);
			blocks[k] = q;
			sizes[k] *= 2;
		}
	}
	for (unsigned i = 0; i < 3000; i++) {
		if (blocks[i] == NULL)
			continue;
		unsigned sid = i % 3 == 0 ? site[2] : site[i % 2];
		if (was_sampled(blocks[i]))
			hs_rec_sampled_free(blocks[i], sizes[i], sid);
		else
			hs_rec_count_free(sizes[i], sid);
		mark_block(blocks[i], 0);
		__libc_free(blocks[i]);
	}
	struct hs_raw raw;
	char err[512] = "";
	ck_assert_msg(hs_raw_read_fd(test_raw_fd(), "raw", &raw, err, sizeof err) == 0, "%s", err);
	unsigned detailed = 0, with_three = 0;
	for (unsigned i = 0; i < raw.n_snapshots; i++) {
		const struct hs_snapshot *sn = &raw.snapshots[i];
		if (!sn->detailed) {
			ck_assert_uint_eq(sn->n_sites, 0);
			continue;
		}
		detailed++;
		uint64_t sum = 0;
		for (uint32_t k = 0; k < sn->n_sites; k++) {
			ck_assert(sn->sites[k].addr == 0x402000 || sn->sites[k].addr == 0x403000 ||
				  sn->sites[k].addr == 0x404000);
			ck_assert_uint_gt(sn->sites[k].bytes, 0);
			sum += sn->sites[k].bytes;
		}
		ck_assert_uint_eq(sum, sn->heap_bytes);
		with_three += sn->n_sites == 3;
	}
	ck_assert_uint_gt(detailed, 2);
	ck_assert_uint_gt(with_three, 0);
	hs_raw_free(&raw);
}
END_TEST

/* The reader's error for bytes (len) with the first SITES record's
 * first entry changed by damage (slot, addr and bytes: 20 bytes at
 * entry), or "" when it reads them. */
static const char *read_damaged(const char *bytes, size_t len,
				void (*damage)(char *payload, uint32_t payload_len))
{
	static char copy[1 << 20], err[512];
	ck_assert_uint_lt(len, sizeof copy);
	memcpy(copy, bytes, len);
	size_t pos = HS_JOURNAL_MAGIC_LEN;
	int done = 0;
	while (!done && pos + 8 <= len) {
		uint32_t plen, kind, count;
		memcpy(&plen, copy + pos, 4);
		memcpy(&kind, copy + pos + 4, 4);
		memcpy(&count, copy + pos + 8, 4);
		if (kind == HS_JR_SITES && count > 0) {
			damage(copy + pos + 8, plen);
			done = 1;
		}
		pos += 8 + plen;
	}
	ck_assert_msg(done, "no SITES record with an entry");
	struct hs_raw raw;
	int fd = test_memfile(copy, len);
	err[0] = '\0';
	if (hs_raw_read_fd(fd, "d.raw", &raw, err, sizeof err) == 0)
		hs_raw_free(&raw);
	close(fd);
	return err;
}

static void slot_too_far(char *payload, uint32_t len)
{
	(void)len;
	uint32_t slot = HS_CALLSITES_IDS;
	memcpy(payload + 4, &slot, 4);
}

static void bytes_too_many(char *payload, uint32_t len)
{
	(void)len;
	uint64_t bytes = UINT64_C(1) << 63;
	memcpy(payload + 4 + 12, &bytes, 8);
}

static void count_too_big(char *payload, uint32_t len)
{
	uint32_t count = (len - 4) / 20 + 1;
	memcpy(payload, &count, 4);
}

static void nothing_changed(char *payload, uint32_t len)
{
	(void)payload;
	(void)len;
}

/* A damaged SITES record is refused with one line naming it; the same
 * record undamaged reads. */
START_TEST(damaged_sites_refused)
{
	test_options(&opts);
	opts.sample_bytes = 1 << 30; /* no block sampled: the sites alone */
	opts.detailed_freq = 1;
	ck_assert_int_eq(test_rec_init(&opts), 0);
	unsigned site = hs_callsites_id(0x402001);
	for (int i = 0; i < 200; i++)
		hs_rec_count_alloc(1000, site);
	static char bytes[1 << 20];
	ssize_t len = pread(test_raw_fd(), bytes, sizeof bytes, 0);
	ck_assert(len > 0 && (size_t)len < sizeof bytes);
	ck_assert_str_eq(read_damaged(bytes, (size_t)len, nothing_changed), "");
	const char *e = read_damaged(bytes, (size_t)len, slot_too_far);
	ck_assert_msg(strstr(e, "d.raw: record ") == e && strstr(e, ": sites: slot 8191 out of range"),
		      "%s", e);
	e = read_damaged(bytes, (size_t)len, bytes_too_many);
	ck_assert_msg(strstr(e, "has 9223372036854775808 bytes") != NULL, "%s", e);
	e = read_damaged(bytes, (size_t)len, count_too_big);
	ck_assert_msg(strstr(e, ": sites: bad length") != NULL, "%s", e);
}
END_TEST

/* The raw record's SITES_LOST after the sites: (refused, flags) of the
 * last one, and how many there are. */
static unsigned sites_lost_records(uint32_t *refused, uint32_t *flags)
{
	static char bytes[1 << 21];
	ssize_t len = pread(test_raw_fd(), bytes, sizeof bytes, 0);
	ck_assert(len > 0 && (size_t)len < sizeof bytes);
	unsigned n = 0;
	*refused = *flags = 0;
	for (size_t pos = HS_JOURNAL_MAGIC_LEN; pos + 8 <= (size_t)len;) {
		uint32_t plen, kind;
		memcpy(&plen, bytes + pos, 4);
		memcpy(&kind, bytes + pos + 4, 4);
		if (kind == HS_JR_SITES_LOST) {
			ck_assert_uint_eq(plen, 8);
			memcpy(refused, bytes + pos + 8, 4);
			memcpy(flags, bytes + pos + 12, 4);
			n++;
		}
		pos += 8 + plen;
	}
	return n;
}

/* A program with more direct call sites than the table's ids: the sites
 * given ids stay exact in SITES; the ones refused are counted once each
 * in a SITES_LOST record, which the reader keeps and the desc: line
 * says ("except 25 sites that did not fit"), never claiming them exact.
 * None is written while every site fits. */
START_TEST(refused_sites_recorded)
{
	test_options(&opts);
	opts.sample_bytes = 1 << 30; /* no block sampled: the sites alone */
	opts.detailed_freq = 1;
	ck_assert_int_eq(test_rec_init(&opts), 0);
	unsigned first = hs_callsites_id(0x402001);
	for (int i = 0; i < 50; i++)
		hs_rec_count_alloc(1000, first);
	uint32_t refused, flags;
	ck_assert_uint_eq(sites_lost_records(&refused, &flags), 0);
	/* As many sites again as the ids hold, 25 more than they do. */
	for (unsigned k = 1; k < HS_CALLSITES_IDS + 25; k++) {
		unsigned id = hs_callsites_id(0x500001 + (uintptr_t)k * 9);
		ck_assert_uint_eq(id, k < HS_CALLSITES_IDS ? k + 1 : 0);
		hs_rec_count_alloc(10, id); /* a refused site's bytes: the totals only */
	}
	for (int i = 0; i < 50; i++)
		hs_rec_count_alloc(1000, first);
	ck_assert_uint_eq(sites_lost_records(&refused, &flags), 1);
	ck_assert_uint_eq(refused, 25);
	ck_assert_uint_eq(flags, 0);
	/* The same sites again: nothing new to say, no record. */
	for (unsigned k = HS_CALLSITES_IDS; k < HS_CALLSITES_IDS + 25; k++)
		hs_rec_count_alloc(10, hs_callsites_id(0x500001 + (uintptr_t)k * 9));
	for (int i = 0; i < 50; i++)
		hs_rec_count_alloc(1000, first);
	ck_assert_uint_eq(sites_lost_records(&refused, &flags), 1);
	struct hs_raw raw;
	char err[512] = "";
	ck_assert_msg(hs_raw_read_fd(test_raw_fd(), "raw", &raw, err, sizeof err) == 0, "%s", err);
	ck_assert_uint_eq(raw.sites_refused, 25);
	ck_assert_uint_eq(raw.sites_lost_flags, 0);
	/* The last detailed snapshot: every site with an id is there, exact. */
	const struct hs_snapshot *last = NULL;
	for (unsigned i = 0; i < raw.n_snapshots; i++)
		if (raw.snapshots[i].detailed)
			last = &raw.snapshots[i];
	ck_assert_ptr_nonnull(last);
	ck_assert_uint_eq(last->n_sites, HS_CALLSITES_IDS);
	hs_raw_free(&raw);
	struct hs_symbolizer sym = fake_symbolizer(syms);
	const char *text = finish_to_text("t", &sym);
	ck_assert_msg(strstr(text, "are exact, within the same bound with threads, except 25 sites"
			      " that did not fit in the recorder's table of 8191 (their top-level"
			      " nodes are estimates)") != NULL,
		      "%.1500s", text);
}
END_TEST

/* Once the sites' bytes are given up (out of memory for a thread's
 * array), SITES_LOST says so in place of the SITES, and so does the
 * desc: line; a record with no SITES_LOST claims the sites exact. */
START_TEST(sites_given_up_recorded)
{
	test_options(&opts);
	opts.sample_bytes = 1 << 30;
	opts.detailed_freq = 1;
	ck_assert_int_eq(test_rec_init(&opts), 0);
	unsigned site = hs_callsites_id(0x402001);
	for (int i = 0; i < 50; i++)
		hs_rec_count_alloc(1000, site);
	struct hs_raw raw;
	char err[512] = "";
	ck_assert_msg(hs_raw_read_fd(test_raw_fd(), "raw", &raw, err, sizeof err) == 0, "%s", err);
	ck_assert_uint_eq(raw.sites_refused, 0);
	ck_assert_uint_eq(raw.sites_lost_flags, 0);
	hs_raw_free(&raw);
	hs_callsites_give_up();
	for (int i = 0; i < 50; i++)
		hs_rec_count_alloc(1000, site);
	uint32_t refused, flags;
	ck_assert_uint_eq(sites_lost_records(&refused, &flags), 1);
	ck_assert_uint_eq(refused, 0);
	ck_assert_uint_eq(flags, HS_SITES_LOST_GAVE_UP);
	struct hs_symbolizer sym = fake_symbolizer(syms);
	const char *text = finish_to_text("t", &sym);
	ck_assert_msg(strstr(text, "are exact, within the same bound with threads, and only until"
			      " the recorder ran out of memory for them (estimates in the"
			      " snapshots after))") != NULL,
		      "%.1500s", text);
}
END_TEST

/* A SITES_LOST of the wrong length is refused with one line. */
START_TEST(damaged_sites_lost_refused)
{
	static char rec[256];
	/* The magic line and the recorder's own header, then the damage. */
	test_options(&opts);
	opts.sample_bytes = 4096;
	ck_assert_int_eq(test_rec_init(&opts), 0);
	static char bytes[1 << 16];
	ssize_t got = pread(test_raw_fd(), bytes, sizeof bytes, 0);
	ck_assert(got > (ssize_t)HS_JOURNAL_MAGIC_LEN + 8);
	uint32_t hlen;
	memcpy(&hlen, bytes + HS_JOURNAL_MAGIC_LEN, 4);
	ck_assert_uint_lt(HS_JOURNAL_MAGIC_LEN + 8 + hlen + 12, sizeof rec);
	memcpy(rec, bytes, HS_JOURNAL_MAGIC_LEN + 8 + hlen);
	size_t len = HS_JOURNAL_MAGIC_LEN + 8 + hlen;
	uint32_t head[3] = { 4, HS_JR_SITES_LOST, 7 }; /* 4 bytes: one u32 short */
	memcpy(rec + len, head, sizeof head);
	len += sizeof head;
	struct hs_raw raw;
	char err[512] = "";
	int fd = test_memfile(rec, len);
	ck_assert_int_eq(hs_raw_read_fd(fd, "d.raw", &raw, err, sizeof err), -1);
	close(fd);
	ck_assert_msg(strstr(err, ": sites lost: bad length") != NULL, "%s", err);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("rec_sample");
	TCase *tc = tcase_create("sample");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, countdown_mean);
	tcase_add_test(tc, sampled_fraction_and_unbiased_weights);
	tcase_add_test(tc, exact_totals_with_sampling);
	tcase_add_test(tc, unsampled_free_path);
#ifndef UNDER_ASAN
	/* The tag lives in glibc's chunks; ASan's allocator has none (it
	 * takes __libc_malloc too), and the preload never runs under it. */
	tcase_add_test(tc, size_tag_round_trip);
	tcase_add_test(tc, dense_heap_leaves_huge);
#endif
	tcase_add_test(tc, threads_count_realloc);
	tcase_add_test(tc, sites_follow_the_totals);
	tcase_add_test(tc, damaged_sites_refused);
	tcase_add_test(tc, refused_sites_recorded);
	tcase_add_test(tc, sites_given_up_recorded);
	tcase_add_test(tc, damaged_sites_lost_refused);
	suite_add_tcase(s, tc);
	return hs_check_run(s);
}
