/* gold_zero: zero-sized and NULL cases: malloc(0), calloc with a zero
 * count, free(NULL), realloc(NULL, n), realloc(p, 0), a failed calloc
 * (overflow) and a failed malloc, none of which may add bytes. */
#include <stdint.h>
#include <stdlib.h>

static void *sink[16];

static void *zero_malloc(void) { return malloc(0); }
static void *zero_calloc(void) { return calloc(0, 64); }
static void *grow_null(void) { return realloc(NULL, 48); }

int main(void)
{
	volatile size_t huge = SIZE_MAX / 2;

	sink[0] = zero_malloc();
	sink[1] = zero_calloc();
	free(NULL);
	sink[2] = grow_null();
	sink[3] = malloc(200);
	sink[3] = realloc(sink[3], 0);
	sink[4] = calloc(huge, 4);
	sink[5] = malloc(huge * 3);
	free(sink[4]);
	free(sink[0]);
	sink[6] = zero_malloc();
	sink[7] = malloc(64);
	return 0;
}
