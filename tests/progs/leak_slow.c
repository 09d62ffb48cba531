/* A slow leak (96 bytes per iteration) under a large stable heap of 2 MB
 * that is allocated at the start and held to the end. */
#include "leak_common.h"

static void *table[64];

static void build_table(void)
{
	for (unsigned k = 0; k < 64; k++)
		table[k] = calloc(1, 32768);
}

static void *note_event(void)
{
	return malloc(96);
}

int main(void)
{
	build_table();
	for (unsigned i = 0; i < 500; i++) {
		churn(i);
		note_event();
	}
	return table[0] == NULL;
}
