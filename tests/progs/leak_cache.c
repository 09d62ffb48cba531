/* A cache fills during the first fifth of the run and then stays flat:
 * not a leak. */
#include "leak_common.h"

#define CACHE_SLOTS 64

static void *cache[CACHE_SLOTS];

static void *cache_get(unsigned key)
{
	unsigned slot = key % CACHE_SLOTS;
	if (cache[slot] == NULL)
		cache[slot] = malloc(2048);
	return cache[slot];
}

int main(void)
{
	for (unsigned i = 0; i < 320; i++) {
		churn(i);
		cache_get(i < 64 ? i : i * 31u);
	}
	return cache[0] == NULL;
}
