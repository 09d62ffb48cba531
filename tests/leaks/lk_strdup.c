/* Leak through a libc wrapper: remember_name keeps a strdup'd copy of each
 * name (40 bytes).  Must name remember_name, not strdup. */
#include <stdio.h>
#include "lk_common.h"

static char *names[700];

static LK_NOINLINE void remember_name(unsigned i)
{
	char buf[64];
	snprintf(buf, sizeof buf, "client-%08u.example.org.......", i);
	names[i] = strdup(buf);
}

int main(void)
{
	for (unsigned i = 0; i < 700; i++) {
		churn(i);
		remember_name(i);
	}
	return names[0] == NULL;
}
