/* rec_calloc: calloc, including a zero-sized and a large request, and
 * frees in a different order from the allocations. */
#include <stdlib.h>

#include "rec_common.h"

int main(void)
{
	void *a = calloc(10, 100);
	rec_keep(a);
	void *b = calloc(3, 7);
	rec_keep(b);
	void *c = calloc(0, 5);
	rec_keep(c);
	void *d = calloc(250, 12);
	rec_keep(d);
	free(b);
	free(a);
	void *e = calloc(1, 40000);
	rec_keep(e);
	free(e);
	free(c);
	/* d is still live at exit. */
	return 0;
}
