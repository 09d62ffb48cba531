/* golden_inline: allocations through inlined functions, so Massif writes
 * inline frames (one address repeated on several n1 lines). Built -O2 -g. */
#include <stdlib.h>

static void *sink[16];

static inline __attribute__((always_inline)) void *inner(size_t n)
{
    return malloc(n);
}

static inline __attribute__((always_inline)) void *outer(size_t n)
{
    return inner(n * 2);
}

__attribute__((noinline)) void work(int i)
{
    sink[i] = outer((size_t)(i + 1) * 1000);
}

int main(void)
{
    for (int i = 0; i < 16; i++)
        work(i);
    for (int i = 0; i < 16; i += 2)
        free(sink[i]);
    return 0;
}
