/* rec_staircase: a leak that grows step by step amid churn.  Each round
 * makes short-lived temporaries and leaks one block, so the heap climbs
 * like a staircase and Massif's table fills and is culled several times. */
#include <stdlib.h>

#include "rec_common.h"

static REC_NOINLINE void *make_temp(size_t n)
{
	return malloc(n);
}

static REC_NOINLINE void leak_step(int round)
{
	rec_keep(malloc(2000 + 16 * (size_t)round));
}

static REC_NOINLINE void churn(int round)
{
	void *t[4];
	for (int i = 0; i < 4; i++)
		t[i] = make_temp(500 + 100 * (size_t)i + (size_t)(round % 7));
	for (int i = 3; i >= 0; i--)
		free(t[i]);
}

int main(void)
{
	for (int round = 0; round < 120; round++) {
		churn(round);
		if (round % 4 == 0)
			leak_step(round);
	}
	return 0;
}
