/* rec_realloc: realloc that grows (moving), shrinks (in place: the freed
 * bytes turn into slop), realloc(NULL, n) and realloc(p, 0), each from its
 * own call site. */
#include <stdlib.h>

#include "rec_common.h"

static REC_NOINLINE char *grow(char *p, size_t n)
{
	return realloc(p, n);
}

static REC_NOINLINE char *shrink(char *p, size_t n)
{
	return realloc(p, n);
}

int main(void)
{
	char *p = realloc(NULL, 100);
	rec_keep(p);
	p = grow(p, 1000);
	rec_keep(p);
	p = grow(p, 5000);
	rec_keep(p);
	char *q = malloc(300);
	rec_keep(q);
	p = shrink(p, 50);
	rec_keep(p);
	p = shrink(p, 40);
	rec_keep(p);
	q = grow(q, 310);
	rec_keep(q);
	q = grow(q, 20000);
	rec_keep(q);
	char *r = malloc(77);
	rec_keep(r);
	r = realloc(r, 0);
	rec_keep(r);
	free(q);
	/* p (40 bytes) is still live at exit. */
	return 0;
}
