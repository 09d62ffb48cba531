/* Leak, judged on the whole heap too: a pure staircase (one 1 KB step per
 * iteration after some work, nothing else moves) that is all freed at exit, so the last
 * snapshot is back to zero.  Must name stair_step and report the heap's
 * staircase before the teardown. */
#include "lk_common.h"

struct step {
	struct step *next;
	char data[1016];
};

static struct step *steps;

static LK_NOINLINE void stair_step(unsigned i)
{
	struct step *s = malloc(sizeof *s);
	memset(s->data, (int)i, sizeof s->data);
	s->next = steps;
	steps = s;
}

static LK_NOINLINE void free_all(void)
{
	while (steps) {
		struct step *s = steps;
		steps = s->next;
		free(s);
	}
}

int main(void)
{
	for (unsigned i = 0; i < 200; i++) {
		pace(i);
		stair_step(i);
	}
	free_all();
	return 0;
}
