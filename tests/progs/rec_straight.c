/* rec_straight: straight-line mallocs and frees from main, including the
 * sizes whose slop differs between Valgrind and glibc (0, 1, 17, 100, 4096)
 * and a free of NULL, which Massif ignores. */
#include <stdlib.h>

#include "rec_common.h"

int main(void)
{
	void *a = malloc(1);
	rec_keep(a);
	void *b = malloc(17);
	rec_keep(b);
	void *c = malloc(100);
	rec_keep(c);
	void *d = malloc(1000);
	rec_keep(d);
	void *e = malloc(4096);
	rec_keep(e);
	void *z = malloc(0);
	rec_keep(z);
	void *f = malloc(12345);
	rec_keep(f);
	free(c);
	free(NULL);
	void *g = malloc(30000);
	rec_keep(g);
	free(a);
	free(e);
	free(g);
	void *h = malloc(64);
	rec_keep(h);
	free(b);
	free(z);
	/* d, f and h are still live at exit. */
	return 0;
}
