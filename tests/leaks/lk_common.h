/* lk_common.h: what the leak corpus's C and C++ programs share.
 *
 * churn(i) allocates and frees a burst of short-lived blocks whose sizes
 * vary with i: the heap moves at every snapshot, but the churn site never
 * grows over the run (it must never be named).  Everything is a fixed
 * function of the iteration number: no clock, no randomness.
 *
 * pace(i) is a fixed amount of work between requests (about 0.1 ms), as a
 * real service does: without it these programs only allocate, the whole
 * run lasts a few ms, and a time axis in ms (heapsnap's default) says more
 * about the recorder's own start-up and snapshot costs than about the
 * program, so today's verdicts on it moved from run to run.
 */
#ifndef LK_COMMON_H
#define LK_COMMON_H

/* The shapes are the test's figures: at -O2 (configure's CFLAGS come after
 * the per-target -O0) gcc deletes a malloc whose result is unused and
 * inlines the named functions away. */
#if defined(__clang__)
#pragma clang optimize off
#elif defined(__GNUC__)
#pragma GCC optimize("O0")
#endif

#include <stdlib.h>
#include <string.h>

#define LK_NOINLINE __attribute__((noinline))

static volatile unsigned lk_sink;

/* Some fixed work: 50,000 steps of a linear congruential sequence. */
static LK_NOINLINE void pace(unsigned i)
{
	unsigned x = i;
	for (unsigned k = 0; k < 50000; k++)
		x = x * 1103515245u + 12345u;
	lk_sink = x;
}

/* Some work, then allocate and free 16 blocks of 64..4063 bytes. */
static LK_NOINLINE void churn(unsigned i)
{
	void *tmp[16];
	pace(i);
	for (unsigned k = 0; k < 16; k++) {
		size_t n = 64 + (i * 7919u + k * 104729u) % 4000u;
		tmp[k] = malloc(n);
		memset(tmp[k], (int)k, n);
	}
	for (unsigned k = 0; k < 16; k++)
		free(tmp[k]);
}

#endif
