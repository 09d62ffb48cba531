/* leak_common.h: churn shared by the leak test programs.
 *
 * Each program mixes its own allocation pattern with this churn: short-lived
 * blocks allocated and freed in the same call, so the heap moves at every
 * snapshot but the churn site itself never grows over the run.
 */
#ifndef LEAK_COMMON_H
#define LEAK_COMMON_H

#include <stdlib.h>
#include <string.h>

/* Allocate and free a burst of short-lived blocks whose sizes vary with i. */
static void churn(unsigned i)
{
	void *tmp[16];
	for (unsigned k = 0; k < 16; k++) {
		size_t n = 64 + (i * 7919u + k * 104729u) % 4000u;
		tmp[k] = malloc(n);
		memset(tmp[k], 0, n);
	}
	for (unsigned k = 0; k < 16; k++)
		free(tmp[k]);
}

#endif
