/* gold_basic: the plain series.  Three sites of different sizes build a
 * staircase, every other block is freed, one block grows and one shrinks
 * with realloc, and some blocks are still live at exit. */
#include <stdlib.h>

static void *keep[40];

static void *small_block(int i)
{
	return malloc(100 + i);
}

static void *medium_block(void)
{
	return malloc(1000);
}

static void *large_block(void)
{
	return calloc(4, 1000);
}

int main(void)
{
	for (int i = 0; i < 30; i++) {
		if (i % 3 == 0)
			keep[i] = small_block(i);
		else if (i % 3 == 1)
			keep[i] = medium_block();
		else
			keep[i] = large_block();
	}
	for (int i = 0; i < 30; i += 2)
		free(keep[i]);
	keep[1] = realloc(keep[1], 3000);
	keep[3] = realloc(keep[3], 200);
	keep[31] = malloc(12345);
	return 0;
}
