/* golden_many: many snapshots and many small sites, for snapshot culling
 * (--max-snapshots), the detailed frequency and below-threshold aggregates. */
#include <stdlib.h>

#define SITE(k) __attribute__((noinline)) static void *site##k(size_t n) \
    { return malloc(n * (k + 1)); }
SITE(0) SITE(1) SITE(2) SITE(3) SITE(4) SITE(5) SITE(6) SITE(7)

typedef void *(*site_fn)(size_t);
static const site_fn sites[] = { site0, site1, site2, site3,
                                 site4, site5, site6, site7 };

int main(void)
{
    void *live[400];
    int n = 0;
    for (int round = 0; round < 400; round++) {
        live[n++] = sites[round % 8]((size_t)(round % 13) * 24 + 8);
        if (round % 5 == 4) {
            free(live[n / 2]);
            live[n / 2] = live[--n];
        }
    }
    for (int i = 0; i < n; i++)
        free(live[i]);
    return 0;
}
