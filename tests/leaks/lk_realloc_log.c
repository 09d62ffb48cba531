/* Leak: a log kept in one array, opened with malloc, doubled with realloc
 * when full (about 10 doublings), never shrunk.  Must name log_append (the
 * block lives at log_append's realloc after its first growth). */
#include <stdio.h>
#include "lk_common.h"

static char *log_buf;
static size_t log_len, log_cap;

static LK_NOINLINE void log_open(void)
{
	log_cap = 256;
	log_buf = malloc(log_cap);
}

static LK_NOINLINE void log_append(unsigned i)
{
	char line[64];
	int n = snprintf(line, sizeof line, "event %08u: request served\n", i);
	if (log_len + (size_t)n > log_cap) {
		log_cap *= 2;
		log_buf = realloc(log_buf, log_cap);
	}
	memcpy(log_buf + log_len, line, (size_t)n);
	log_len += (size_t)n;
}

int main(void)
{
	log_open();
	for (unsigned i = 0; i < 2400; i++) {
		if (i % 4 == 0)
			churn(i);
		log_append(i);
	}
	return log_buf[0] != 'e';
}
