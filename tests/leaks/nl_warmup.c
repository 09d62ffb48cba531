/* Not a leak: a warm-up (warm_fill builds 400 entries of 200 bytes in the
 * first fifth of the run), then a flat steady state where each iteration
 * replaces one entry by one of the same size (steady_replace). */
#include "lk_common.h"

#define ENTRIES 400

static void *entries[ENTRIES];

static LK_NOINLINE void warm_fill(unsigned k)
{
	entries[k] = malloc(200);
	memset(entries[k], (int)k, 200);
}

static LK_NOINLINE void steady_replace(unsigned i)
{
	unsigned k = (i * 37u) % ENTRIES;
	free(entries[k]);
	entries[k] = malloc(200);
	memset(entries[k], (int)i, 200);
}

int main(void)
{
	for (unsigned k = 0; k < ENTRIES; k++) {
		if (k % 4 == 0)
			churn(k);
		warm_fill(k);
	}
	for (unsigned i = 0; i < 1600; i++) {
		if (i % 4 == 0)
			churn(i);
		steady_replace(i);
	}
	return 0;
}
