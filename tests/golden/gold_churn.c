/* gold_churn: many allocations and frees, enough to fill a small
 * snapshot table several times (culling), with bursts of frees that make
 * peaks.  Every block is 48 bytes: Valgrind's allocator gives a reused
 * chunk's whole size, so mixed sizes would make Massif's slop depend on
 * its free lists, which no preload can know (README, "How close"). */
#include <stdlib.h>

static void *slot[24];

static void *from_left(void)
{
	return malloc(48);
}

static void *from_right(void)
{
	return malloc(48);
}

static void burst(int first, int count)
{
	for (int k = first; k < first + count; k++) {
		free(slot[k]);
		slot[k] = NULL;
	}
}

int main(void)
{
	for (int i = 0; i < 300; i++) {
		int k = (i * 7) % 24;
		if (slot[k] != NULL && i % 3 == 0) {
			free(slot[k]);
			slot[k] = NULL;
		}
		if (slot[k] == NULL)
			slot[k] = (i % 5 < 2) ? from_left() : from_right();
		if (i % 60 == 59)
			burst(i % 16, 8);
	}
	return 0;
}
