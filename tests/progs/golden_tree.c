/* golden_tree: a call tree of known shape for the printer's golden tests.
 * Three sites of different weight under a shared helper, a chain three
 * frames deep, a burst of small blocks (below Massif's threshold) and frees
 * in the middle, so the file has a peak, detailed snapshots and aggregates. */
#include <stdlib.h>

static void *keep[64];
static int n_keep;

__attribute__((noinline)) static void *grab(size_t n)
{
    return malloc(n);
}

__attribute__((noinline)) static void leaf(size_t n)
{
    keep[n_keep++] = grab(n);
}

__attribute__((noinline)) static void mid(size_t n)
{
    leaf(n);
}

__attribute__((noinline)) static void top(size_t n)
{
    mid(n);
}

int main(void)
{
    for (int i = 0; i < 8; i++)
        keep[n_keep++] = malloc(3000);
    top(20000);
    for (int i = 0; i < 20; i++)
        leaf(16 + (size_t)i);
    mid(9000);
    for (int i = 0; i < 4; i++) {
        free(keep[i]);
        keep[i] = NULL;
    }
    char *p = malloc(100);
    p = realloc(p, 50000);
    top(7000);
    free(p);
    return 0;
}
