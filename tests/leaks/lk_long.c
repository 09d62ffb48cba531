/* A long run (5 s natively: 500 iterations with a 10 ms pause each; the
 * pause only paces the run, the allocations do not depend on the clock).
 * long_leak keeps 256 bytes per iteration.  Must name long_leak.  In the
 * full tier only (HS_FULL). */
#include <time.h>
#include "lk_common.h"

static LK_NOINLINE void *long_leak(unsigned i)
{
	char *p = malloc(256);
	memset(p, (int)i, 256);
	return p;
}

int main(void)
{
	struct timespec pause = { 0, 10 * 1000 * 1000 };
	for (unsigned i = 0; i < 500; i++) {
		churn(i);
		long_leak(i);
		nanosleep(&pause, NULL);
	}
	return 0;
}
