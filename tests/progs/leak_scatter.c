/* Twenty-four sites each leak a little per iteration: recorded with a high
 * --threshold so that Massif folds every one of them into its aggregate.
 * No single site stands out, yet the heap's low points rise: the staircase
 * is visible only in the whole heap's trend. */
#include "leak_common.h"

static void *scatter(unsigned k)
{
	switch (k) {
	case 0: return malloc(40);
	case 1: return malloc(40);
	case 2: return malloc(40);
	case 3: return malloc(40);
	case 4: return malloc(40);
	case 5: return malloc(40);
	case 6: return malloc(40);
	case 7: return malloc(40);
	case 8: return malloc(40);
	case 9: return malloc(40);
	case 10: return malloc(40);
	case 11: return malloc(40);
	case 12: return malloc(40);
	case 13: return malloc(40);
	case 14: return malloc(40);
	case 15: return malloc(40);
	case 16: return malloc(40);
	case 17: return malloc(40);
	case 18: return malloc(40);
	case 19: return malloc(40);
	case 20: return malloc(40);
	case 21: return malloc(40);
	case 22: return malloc(40);
	case 23: return malloc(40);
	default: return NULL;
	}
}

int main(void)
{
	for (unsigned i = 0; i < 300; i++) {
		churn(i);
		scatter(i % 24);
		scatter((i + 7) % 24);
	}
	return 0;
}
