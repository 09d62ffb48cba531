/* stress_many: ten million live blocks at once, then all freed.  The
 * recorder's block table must grow that far (or give up cleanly), and the
 * peak snapshot must hold every byte.
 * HS_STRESS_ITERATIONS: millions of blocks (default 10). */
#include "stress_common.h"

int
main(void)
{
    size_t n = stress_iterations(10) * 1000000UL;
    void **blocks = malloc(n * sizeof *blocks);
    STRESS_CHECK(blocks != NULL);
    size_t total_B = n * sizeof *blocks;
    for (size_t i = 0; i < n; i++) {
        size_t size = 8 + (i & 7) * 4;
        blocks[i] = malloc(size);
        STRESS_CHECK(blocks[i] != NULL);
        total_B += size;
    }
    say("blocks=%zu peak_heap_B=%zu\n", n + 1, total_B);
    for (size_t i = 0; i < n; i++)
        free(blocks[i]);
    free(blocks);
    return 0;
}
