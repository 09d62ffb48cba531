/* rec_memalign: the memalign family (memalign, posix_memalign,
 * aligned_alloc, valloc), each from its own line, then frees.
 *
 * Under Valgrind an aligned block's usable size depends on where Valgrind's
 * own allocator placed it (the padding before the aligned address is split
 * off, the rest stays in the block), so Massif's slop for these calls cannot
 * be reproduced outside Valgrind: the oracle test compares mem_heap_B and
 * the trees here, not mem_heap_extra_B or the B time axis. */
#include <malloc.h>
#include <stdlib.h>

#include "rec_common.h"

int main(void)
{
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
	free(d);
	void *g = memalign(32, 40000);
	rec_keep(g);
	free(c);
	free(g);
	/* e and f are still live at exit. */
	return 0;
}
