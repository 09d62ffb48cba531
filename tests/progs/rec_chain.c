/* rec_chain: a three-deep call chain (outer -> middle -> inner -> malloc)
 * reached from two places in main, plus a direct site in middle, so the
 * peak tree has shared and separate branches. */
#include <stdlib.h>

#include "rec_common.h"

static void *blocks[16];
static int n_blocks;

static REC_NOINLINE void inner(size_t n)
{
	blocks[n_blocks++] = malloc(n);
}

static REC_NOINLINE void middle(size_t n)
{
	inner(n);
	blocks[n_blocks++] = malloc(n / 2);
}

static REC_NOINLINE void outer(size_t n)
{
	middle(n);
}

int main(void)
{
	outer(4000);
	outer(1000);
	middle(2000);
	inner(600);
	for (int i = n_blocks - 1; i >= 0; i--)
		free(blocks[i]);
	return 0;
}
