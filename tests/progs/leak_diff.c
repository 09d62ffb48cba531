/* The same program in two builds: compiled with -DNEW_BUILD, its input
 * buffer is four times larger, the index is unchanged, and a new lookup
 * table appears.  Code addresses move between the builds. */
#include "leak_common.h"

#ifdef NEW_BUILD
#define INPUT_BYTES 16384
#define SCRATCH_BYTES 100
#else
#define INPUT_BYTES 4096
#define SCRATCH_BYTES 1200
#endif

static void *read_input(void)
{
	return malloc(INPUT_BYTES);
}

static void *build_index(void)
{
	return malloc(8000);
}

#ifdef NEW_BUILD
static void *build_lookup(void)
{
	return malloc(3000);
}
#endif

static void *old_scratch(void)
{
	return malloc(SCRATCH_BYTES);
}

int main(void)
{
	void *in = read_input();
	void *ix = build_index();
	void *sc = old_scratch();
#ifdef NEW_BUILD
	void *lk = build_lookup();
#endif
	for (unsigned i = 0; i < 20; i++)
		churn(i);
	free(in);
	free(ix);
	free(sc);
#ifdef NEW_BUILD
	free(lk);
#endif
	return 0;
}
