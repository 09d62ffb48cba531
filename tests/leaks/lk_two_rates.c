/* Two leaks at different rates: leak_fast keeps 512 bytes every iteration,
 * leak_slow 128 bytes every other one.  Both must be named. */
#include "lk_common.h"

static LK_NOINLINE void *leak_fast(unsigned i)
{
	char *p = malloc(512);
	memset(p, (int)i, 512);
	return p;
}

static LK_NOINLINE void *leak_slow(unsigned i)
{
	char *p = malloc(128);
	memset(p, (int)i, 128);
	return p;
}

int main(void)
{
	for (unsigned i = 0; i < 500; i++) {
		churn(i);
		leak_fast(i);
		if (i % 2 == 0)
			leak_slow(i);
	}
	return 0;
}
