/* Two sites leak at different rates (1024 and 256 bytes per iteration). */
#include "leak_common.h"

static void *leak_fast(void)
{
	return malloc(1024);
}

static void *leak_slow(void)
{
	return malloc(256);
}

int main(void)
{
	for (unsigned i = 0; i < 300; i++) {
		churn(i);
		leak_fast();
		leak_slow();
	}
	return 0;
}
