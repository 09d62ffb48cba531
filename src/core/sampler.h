/* sampler: which allocations --sample=SIZE records, and what each weighs.
 *
 * Sampling is a Poisson process over the bytes allocated, as in tcmalloc
 * and jemalloc: each thread counts down the bytes to its next sample
 * point, drawn from an exponential distribution of mean SIZE; a block that
 * reaches the point is sampled, and the count restarts with a fresh draw
 * (the distance from the block's end to the next point is again
 * exponential: the process has no memory).  So a block of s bytes is
 * sampled with probability p(s) = 1 - exp(-s/SIZE), whatever came before.
 *
 * Weight.  A sampled block of s bytes stands for w(s) = s / p(s) bytes in
 * the trees (Horvitz-Thompson): with X = 1 when sampled, 0 when not,
 * E[X w(s)] = p(s) s / p(s) = s, so every context's sum of weights is an
 * unbiased estimate of its bytes, whatever the sizes.  w(s) is SIZE + s/2
 * for s much below SIZE (about max(s, SIZE)) and s for s far above it.
 *
 * Nothing here calls libc: the generator is xorshift64* in the caller's
 * (thread-local) state, and the logarithm and exponential are computed
 * here, on the sampled path only.
 */
#ifndef HS_SAMPLER_H
#define HS_SAMPLER_H

#include <stdint.h>

/* With threads, each thread's counts of unsampled blocks reach the shared
 * totals once they differ from them by this much: the bound on the totals'
 * (and the peak's) error per thread that the desc: line states. */
#define HS_SAMPLE_THREAD_SLACK_BYTES (64u << 10)

/* A thread's sampler. */
struct hs_sampler {
	int64_t countdown; /* bytes before the next sample point; <= 0: draw or sample */
	uint64_t rng;      /* xorshift64* state, 0 until seeded */
};

/* Seed s (seed 0 is replaced by a fixed constant) and draw its first
 * countdown, for mean_bytes between sample points. */
void hs_sampler_seed(struct hs_sampler *s, uint64_t seed, uint64_t mean_bytes);

/* An exponentially distributed gap of mean mean_bytes (at least 1). */
int64_t hs_sampler_draw(struct hs_sampler *s, uint64_t mean_bytes);

/* The weight w(s) of a sampled block of size_bytes (see above). */
uint64_t hs_sample_weight(uint64_t size_bytes, uint64_t mean_bytes);

/* The slow path of hs_sampler_take: seeds a fresh sampler, or samples. */
int hs_sampler_slow(struct hs_sampler *s, uint64_t size_bytes, uint64_t mean_bytes);

/* Whether a block of size_bytes is sampled: a subtraction and a test,
 * except at a sample point. */
static inline int hs_sampler_take(struct hs_sampler *s, uint64_t size_bytes, uint64_t mean_bytes)
{
	if (__builtin_expect((s->countdown -= (int64_t)size_bytes) > 0, 1))
		return 0;
	return hs_sampler_slow(s, size_bytes, mean_bytes);
}

#endif
