/* A leak that starts halfway through the run: 600 iterations of churn, and
 * from the 300th on late_leak keeps 384 bytes each.  Must name late_leak. */
#include "lk_common.h"

static LK_NOINLINE void *late_leak(unsigned i)
{
	char *p = malloc(384);
	memset(p, (int)i, 384);
	return p;
}

int main(void)
{
	for (unsigned i = 0; i < 600; i++) {
		churn(i);
		if (i >= 300)
			late_leak(i);
	}
	return 0;
}
