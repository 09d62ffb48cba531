/* rec_recurse: a recursive function that allocates at every level, so the
 * same function appears many times in one stack, then unwinds freeing. */
#include <stdlib.h>

#include "rec_common.h"

static REC_NOINLINE void descend(int level)
{
	char *p = malloc(100 * (size_t)(level + 1));
	rec_keep(p);
	if (level < 12)
		descend(level + 1);
	if (level % 3 != 0)
		free(p);
}

int main(void)
{
	descend(0);
	/* The blocks of levels 0, 3, 6, 9 and 12 are still live at exit. */
	return 0;
}
