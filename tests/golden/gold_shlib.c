/* gold_shlib: --ignore-fn and --alloc-fn naming functions of a shared
 * library (gold_lib.c), and the two sides of an ignored realloc: a kept
 * block grown inside an ignored function (Massif then keeps its old bytes
 * for ever), an ignored block freed. */
#include <stdlib.h>

void *lib_raw(size_t n);
void *lib_make(size_t n);
void *lib_skip(size_t n);
void *lib_skip_via_raw(size_t n);
void *lib_skip_grow(void *p, size_t n);

static void *sink[16];

int main(void)
{
	sink[0] = lib_make(100);
	sink[1] = lib_skip(3000);
	sink[2] = malloc(400);
	sink[3] = lib_skip_via_raw(2000);
	sink[4] = lib_make(700);
	free(sink[1]);
	sink[5] = malloc(250);
	sink[2] = lib_skip_grow(sink[2], 5000);
	sink[6] = lib_make(60);
	free(sink[3]);
	free(sink[2]);
	sink[7] = malloc(90);
	free(sink[0]);
	sink[8] = lib_skip(10000);
	sink[9] = malloc(30);
	return 0;
}
