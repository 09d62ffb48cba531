/* rec_sample: a single-threaded program for tests/recorder/rec_sample.py.
 *
 * Five sites of known sizes (big blocks, small ones in sizes that the
 * size tag moves to the next class, calloc, realloc growth, memalign)
 * live together at the peak, with churn before and after, so that
 * --sample's totals can be compared with exact mode's snapshot by
 * snapshot, and its tree with exact mode's at the peak.  Three smaller
 * sites join them at the peak: one of varied sizes with a third of its
 * blocks freed before the peak, and two callers of wrap_alloc (a direct
 * site of its own, or two estimated ones under --alloc-fn=wrap_alloc).
 */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#define N_BIG 12000
#define N_SMALL 300000
#define N_CALLOC 6000
#define N_GROW 4000
#define N_ALIGNED 6000
#define N_MIXED 4000
#define N_WRAPPED 6000 /* about 10 samples a caller at 512K: both without one is 1 in 10^8 */

static void *big[N_BIG], *small[N_SMALL], *zeroed[N_CALLOC], *grown[N_GROW], *aligned[N_ALIGNED];
static void *mixed[N_MIXED], *wrapped_a[N_WRAPPED], *wrapped_b[N_WRAPPED];
static unsigned seed = 1;

static unsigned next(void)
{
	seed = seed * 1103515245u + 12345u;
	return seed >> 8;
}

static __attribute__((noinline)) void make_big(void) /* about 24 MB */
{
	for (int i = 0; i < N_BIG; i++) {
		big[i] = malloc(1000 + next() % 2000);
		memset(big[i], 1, 8);
	}
}

static __attribute__((noinline)) void make_small(void) /* 12 MB */
{
	for (int i = 0; i < N_SMALL; i++)
		small[i] = malloc(24 + 16 * (next() % 4)); /* 24, 40, 56, 72 */
}

static __attribute__((noinline)) void make_zeroed(void) /* 9 MB */
{
	for (int i = 0; i < N_CALLOC; i++)
		zeroed[i] = calloc(1, 1500);
}

static __attribute__((noinline)) void make_grown(void) /* 8 MB in 4 steps */
{
	for (int i = 0; i < N_GROW; i++) {
		grown[i] = malloc(500);
		for (int k = 1; k <= 4; k++)
			grown[i] = realloc(grown[i], 500 * k);
	}
}

static __attribute__((noinline)) void make_aligned(void) /* 6 MB */
{
	for (int i = 0; i < N_ALIGNED; i++)
		aligned[i] = memalign(64, 1000);
}

static __attribute__((noinline)) void make_mixed(void) /* about 2 MB left */
{
	for (int i = 0; i < N_MIXED; i++)
		mixed[i] = malloc(8 + next() % 1500);
	for (int i = 0; i < N_MIXED; i += 3) {
		free(mixed[i]);
		mixed[i] = NULL;
	}
}

static __attribute__((noinline)) void *wrap_alloc(size_t n)
{
	void *p = malloc(n);
	__asm__ volatile("" : : "r"(p) : "memory"); /* no tail call */
	return p;
}

static __attribute__((noinline)) void make_wrapped_a(void) /* about 4.8 MB */
{
	for (int i = 0; i < N_WRAPPED; i++)
		wrapped_a[i] = wrap_alloc(600 + next() % 400);
}

static __attribute__((noinline)) void make_wrapped_b(void) /* about 4.2 MB */
{
	for (int i = 0; i < N_WRAPPED; i++)
		wrapped_b[i] = wrap_alloc(500 + next() % 400);
}

static __attribute__((noinline)) void churn(int rounds)
{
	for (int r = 0; r < rounds; r++) {
		void *p[64];
		for (int i = 0; i < 64; i++)
			p[i] = malloc(16 + next() % 400);
		for (int i = 0; i < 64; i++)
			free(p[i]);
	}
}

int main(void)
{
	churn(2000);
	make_big();
	make_small();
	churn(1000);
	make_zeroed();
	make_grown();
	make_aligned();
	make_mixed();
	make_wrapped_a();
	make_wrapped_b();
	for (int i = 0; i < N_SMALL; i += 2)
		free(small[i]);
	churn(1000);
	for (int i = 0; i < N_BIG; i++)
		free(big[i]);
	for (int i = 0; i < N_CALLOC; i++)
		free(zeroed[i]);
	for (int i = 0; i < N_GROW; i++)
		free(grown[i]);
	for (int i = 0; i < N_ALIGNED; i++)
		free(aligned[i]);
	for (int i = 1; i < N_SMALL; i += 2)
		free(small[i]);
	for (int i = 0; i < N_MIXED; i++)
		free(mixed[i]);
	for (int i = 0; i < N_WRAPPED; i++) {
		free(wrapped_a[i]);
		free(wrapped_b[i]);
	}
	return 0;
}
