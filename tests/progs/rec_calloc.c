/* rec_calloc: calloc and the memalign family (memalign, posix_memalign,
 * aligned_alloc, valloc), then frees in a different order. */
#include <malloc.h>
#include <stdlib.h>

#include "rec_common.h"

int main(void)
{
	void *a = calloc(10, 100);
	rec_keep(a);
	void *b = calloc(3, 7);
	rec_keep(b);
	void *c = memalign(64, 1000);
	rec_keep(c);
	void *d = NULL;
	if (posix_memalign(&d, 256, 3000) != 0)
		return 1;
	rec_keep(d);
	void *e = aligned_alloc(128, 2048);
	rec_keep(e);
	void *f = valloc(5000);
	rec_keep(f);
	free(b);
	free(d);
	free(a);
	void *g = calloc(1, 40000);
	rec_keep(g);
	free(c);
	free(g);
	/* e and f are still live at exit. */
	return 0;
}
