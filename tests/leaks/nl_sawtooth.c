/* Not a leak: sawtooth batches.  batch_add collects 60 blocks of 700 bytes,
 * then the batch is freed whole; 12 batches. */
#include "lk_common.h"

static void *batch[60];

static LK_NOINLINE void batch_add(unsigned k, unsigned i)
{
	batch[k] = malloc(700);
	memset(batch[k], (int)i, 700);
}

static LK_NOINLINE void batch_flush(void)
{
	for (unsigned k = 0; k < 60; k++)
		free(batch[k]);
}

int main(void)
{
	for (unsigned b = 0; b < 12; b++) {
		for (unsigned k = 0; k < 60; k++) {
			if (k % 3 == 0)
				churn(b * 60 + k);
			batch_add(k, b * 60 + k);
		}
		batch_flush();
	}
	return 0;
}
