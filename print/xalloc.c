/* xalloc: the printer's allocation helpers (xalloc.h). */
#include "config.h"

#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *hs_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (q == NULL) {
		fputs("heapsnap-print: out of memory\n", stderr);
		exit(1);
	}
	return q;
}

void *hs_xmalloc(size_t n)
{
	return hs_xrealloc(NULL, n);
}

char *hs_xstrdup(const char *s)
{
	return hs_xstrndup(s, strlen(s));
}

char *hs_xstrndup(const char *s, size_t n)
{
	char *d = hs_xrealloc(NULL, n + 1);
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

void *hs_grow(void *p, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return p;
	size_t c = *cap ? *cap : 16;
	while (c < need)
		c *= 2;
	*cap = c;
	return hs_xrealloc(p, c * elem);
}
