/* Not a leak: one big block (1 MB, load_blob) taken a third of the way in
 * and held to the end, amid churn. */
#include "lk_common.h"

static char *blob;

static LK_NOINLINE void load_blob(void)
{
	blob = malloc(1 << 20);
	memset(blob, 1, 1 << 20);
}

int main(void)
{
	for (unsigned i = 0; i < 600; i++) {
		churn(i);
		if (i == 200)
			load_blob();
	}
	return blob[0] != 1;
}
