/* One large buffer (8 MB) allocated early and freed at the end, amid
 * churn: a one-off allocation, not a leak. */
#include "leak_common.h"

static char *make_buffer(void)
{
	char *p = malloc(8u << 20);
	p[0] = 1;
	return p;
}

int main(void)
{
	char *big = NULL;
	for (unsigned i = 0; i < 300; i++) {
		churn(i);
		if (i == 10)
			big = make_buffer();
	}
	free(big);
	return 0;
}
