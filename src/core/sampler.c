/* sampler: exponential gaps and Horvitz-Thompson weights (see sampler.h). */
#include "sampler.h"

#include <string.h>

#define HS_LN2 0.69314718055994530942

/* The next 64 random bits (xorshift64*: one multiply, fine for spacing
 * samples, and no state beyond a word). */
static uint64_t next_bits(struct hs_sampler *s)
{
	uint64_t x = s->rng;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	s->rng = x;
	return x * UINT64_C(0x2545F4914F6CDD1D);
}

/* ln(x) for x > 0 (no libm: the library links none): x = m 2^e with m in
 * [sqrt(1/2), sqrt(2)), ln m = 2 atanh((m-1)/(m+1)), |z| < 0.172, whose
 * series reaches double precision in 11 terms. */
static double log_of(double x)
{
	uint64_t bits;
	memcpy(&bits, &x, sizeof bits);
	int e = (int)((bits >> 52) & 0x7ff) - 1023;
	bits = (bits & ~(UINT64_C(0x7ff) << 52)) | (UINT64_C(1023) << 52);
	double m;
	memcpy(&m, &bits, sizeof m);
	if (m > 1.41421356237309504880) {
		m /= 2;
		e++;
	}
	double z = (m - 1) / (m + 1), z2 = z * z, term = z, sum = 0;
	for (int k = 1; k <= 21; k += 2) {
		sum += term / k;
		term *= z2;
	}
	return 2 * sum + e * HS_LN2;
}

/* 1 - exp(-x) for x >= 0, without cancellation for small x. */
static double one_minus_exp_neg(double x)
{
	if (x > 40)
		return 1;
	if (x < 0.5) {
		/* x - x^2/2! + x^3/3! ...: 20 terms are far below 2^-53 here. */
		double term = x, sum = 0;
		for (int k = 1; k <= 20; k++) {
			sum += term;
			term *= -x / (k + 1);
		}
		return sum;
	}
	/* exp(-x) = 2^-k exp(-r), r = x - k ln 2 in [0, ln 2). */
	int k = (int)(x / HS_LN2);
	double r = x - k * HS_LN2, term = 1, e = 0;
	for (int i = 1; i <= 20; i++) {
		e += term;
		term *= -r / i;
	}
	while (k-- > 0)
		e /= 2;
	return 1 - e;
}

int64_t hs_sampler_draw(struct hs_sampler *s, uint64_t mean_bytes)
{
	/* u uniform in (0, 1], so ln u is finite: gaps are at most 37 means. */
	double u = (double)((next_bits(s) >> 11) + 1) * (1.0 / 9007199254740992.0);
	double gap = -log_of(u) * (double)mean_bytes;
	return gap < 1 ? 1 : (int64_t)gap;
}

void hs_sampler_seed(struct hs_sampler *s, uint64_t seed, uint64_t mean_bytes)
{
	/* splitmix64's finaliser spreads neighbouring seeds (thread addresses). */
	seed += UINT64_C(0x9E3779B97F4A7C15);
	seed = (seed ^ (seed >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	seed = (seed ^ (seed >> 27)) * UINT64_C(0x94D049BB133111EB);
	seed ^= seed >> 31;
	s->rng = seed != 0 ? seed : UINT64_C(0x853C49E6748FEA9B);
	s->countdown = hs_sampler_draw(s, mean_bytes);
}

int hs_sampler_slow(struct hs_sampler *s, uint64_t size_bytes, uint64_t mean_bytes)
{
	if (s->rng == 0) {
		/* A new thread: it starts anywhere in the process (memoryless),
		 * so a first gap like any other, then this block's bytes. */
		hs_sampler_seed(s, (uint64_t)(uintptr_t)s, mean_bytes);
		s->countdown -= (int64_t)size_bytes;
		if (s->countdown > 0)
			return 0;
	}
	s->countdown = hs_sampler_draw(s, mean_bytes);
	return 1;
}

uint64_t hs_sample_weight(uint64_t size_bytes, uint64_t mean_bytes)
{
	if (mean_bytes == 0 || size_bytes == 0)
		return size_bytes;
	double p = one_minus_exp_neg((double)size_bytes / (double)mean_bytes);
	double w = (double)size_bytes / p;
	if (w >= 18446744073709549568.0)
		return UINT64_MAX;
	uint64_t r = (uint64_t)(w + 0.5);
	return r < size_bytes ? size_bytes : r;
}
