/* gold_tree: a call tree whose sites span four orders of magnitude, so
 * each --threshold cuts it at a different place; one branch frees to make
 * zero-byte sites. */
#include <stdlib.h>

static void *sink[64];
static int n;

static void put(void *p) { sink[n++] = p; }

void leaf_a(size_t k) { put(malloc(k)); }
void leaf_b(size_t k) { put(malloc(k)); }
void mid_x(size_t k) { leaf_a(k); leaf_b(k / 3); }
void mid_y(size_t k) { leaf_a(k / 7); }
void top_big(void) { put(malloc(20000)); mid_x(9000); }
void top_small(void) { mid_x(600); mid_y(1400); put(malloc(90)); }
void top_tiny(void) { put(malloc(40)); put(malloc(12)); leaf_b(3); }
void top_gone(void) { void *p = malloc(700); free(p); }

int main(void)
{
	top_big();
	top_small();
	top_tiny();
	top_gone();
	mid_y(4200);
	for (int i = 0; i < 6; i++)
		leaf_b((size_t)(i + 1) * 111);
	free(sink[0]);
	return 0;
}
