/* gold_deep: a twelve-call chain down to malloc, with a side branch at
 * the sixth call, so --depth cuts both at different heights. */
#include <stdlib.h>

static void *sink[8];
static int n_sink;

void *d12(size_t n) { return malloc(n); }
void *d11(size_t n) { return d12(n); }
void *d10(size_t n) { return d11(n); }
void *d9(size_t n) { return d10(n); }
void *d8(size_t n) { return d9(n); }
void *d7(size_t n) { return d8(n); }
void *side7(size_t n) { return malloc(n / 2); }
void *d6(size_t n) { return n > 3000 ? side7(n) : d7(n); }
void *d5(size_t n) { return d6(n); }
void *d4(size_t n) { return d5(n); }
void *d3(size_t n) { return d4(n); }
void *d2(size_t n) { return d3(n); }
void *d1(size_t n) { return d2(n); }

int main(void)
{
	sink[n_sink++] = d1(1000);
	sink[n_sink++] = d1(2000);
	sink[n_sink++] = d1(8000);
	sink[n_sink++] = d4(500);
	sink[n_sink++] = d1(1500);
	free(sink[1]);
	return 0;
}
