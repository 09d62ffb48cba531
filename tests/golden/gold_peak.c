/* gold_peak: waves of blocks, each wave higher than the last and freed
 * before the next, so each wave's top is a new peak; the last wave is
 * lower and must not move the peak. */
#include <stdlib.h>

static void *wave[64];

static void *grow(int n)
{
	return malloc((size_t)n * 250);
}

static void ebb(int count)
{
	for (int i = 0; i < count; i++)
		free(wave[i]);
}

int main(void)
{
	static const int heights[] = { 3, 5, 4, 8, 8, 12, 2 };

	for (int w = 0; w < 7; w++) {
		for (int i = 0; i < heights[w]; i++)
			wave[i] = grow(i + 1);
		ebb(heights[w]);
	}
	wave[0] = grow(3);
	return 0;
}
