/* gold_wrappers: allocation wrappers three deep (--alloc-fn chains), and
 * functions whose allocations are to be ignored (--ignore-fn), including
 * blocks that are realloc'd and freed while ignored. */
#include <stdlib.h>

static void *sink[16];

void *pool_raw(size_t n) { return malloc(n); }
void *pool_get(size_t n) { return pool_raw(n + 16); }
void *pool_new(size_t n) { return pool_get(n * 2); }
void *scratch(size_t n) { return pool_raw(n); }
void *skip_me(size_t n) { return malloc(n); }
void *via_skip(size_t n) { return skip_me(n); }
void *keep_me(size_t n) { return malloc(n); }

int main(void)
{
	sink[0] = pool_new(100);
	sink[1] = pool_new(300);
	sink[2] = pool_get(1000);
	sink[3] = scratch(700);
	sink[4] = skip_me(5000);
	sink[5] = via_skip(6000);
	sink[6] = keep_me(800);
	sink[4] = realloc(sink[4], 9000);
	free(sink[5]);
	sink[7] = pool_new(50);
	free(sink[0]);
	sink[8] = keep_me(400);
	return 0;
}
