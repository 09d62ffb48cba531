/* One site leaks 512 bytes per iteration amid heavy churn. */
#include "leak_common.h"

static char *leak_record(size_t n)
{
	char *p = malloc(n);
	memset(p, 1, n);
	return p;
}

int main(void)
{
	for (unsigned i = 0; i < 300; i++) {
		churn(i);
		leak_record(512);
	}
	return 0;
}
