/* Not a leak: a cache that fills and then stops.  cache_put adds a 300-byte
 * entry for each of the first 240 keys (the first 40% of the run); later
 * iterations find every key already there. */
#include "lk_common.h"

#define KEYS 240

static void *cache[KEYS];

static LK_NOINLINE void cache_put(unsigned key)
{
	cache[key] = malloc(300);
	memset(cache[key], (int)key, 300);
}

static LK_NOINLINE void cache_lookup(unsigned key)
{
	if (!cache[key])
		cache_put(key);
}

int main(void)
{
	for (unsigned i = 0; i < 600; i++) {
		churn(i);
		cache_lookup(i < KEYS ? i : (i * 7u) % KEYS);
	}
	return cache[0] == NULL;
}
