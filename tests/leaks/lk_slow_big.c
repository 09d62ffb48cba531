/* Leak: a slow leak (96 bytes per iteration, 57 KB in all) under a large
 * stable heap (2 MB allocated at the start and held to the end).  Must name
 * note_event; build_table (flat) must not be named. */
#include "lk_common.h"

static void *table[64];

static LK_NOINLINE void build_table(void)
{
	for (unsigned k = 0; k < 64; k++)
		table[k] = calloc(1, 32768);
}

static LK_NOINLINE void *note_event(unsigned i)
{
	char *p = malloc(96);
	memset(p, (int)i, 96);
	return p;
}

int main(void)
{
	build_table();
	for (unsigned i = 0; i < 600; i++) {
		churn(i);
		note_event(i);
	}
	return table[0] == NULL;
}
