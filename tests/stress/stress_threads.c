/* stress_threads: 16 threads at a time allocate, reallocate and free blocks
 * of random sizes and lifetimes; threads end and new ones start all the
 * time.  Each thread leaves a few blocks behind, so the program knows
 * exactly how many bytes it still holds at the end and prints it: the
 * recorder's final snapshot must say the same.
 *
 * Thread stacks are mmap'd by the program (pthread_attr_setstack), so glibc
 * keeps no cached stacks (and their TLS blocks) on the heap at exit.
 * HS_STRESS_ITERATIONS: thread generations (default 40). */
#include <pthread.h>
#include <sys/mman.h>

#include "stress_common.h"

#define THREADS 16
#define RING 64
#define OPS 4000
#define KEEP 4
#define STACK_BYTES (256 * 1024)

struct worker {
    pthread_t tid;
    uint64_t seed;
    void *stack;
    void *kept[KEEP];
    size_t kept_bytes;
};

/* One thread's life: random churn, then a few blocks kept. */
static void *
work(void *arg)
{
    struct worker *w = arg;
    uint64_t st = w->seed;
    void *ring[RING] = { 0 };
    for (int i = 0; i < OPS; i++) {
        uint64_t r = stress_rand(&st);
        size_t slot = r % RING;
        size_t size = 1 + (size_t)((r >> 8) % ((r >> 40) % 8 == 0 ? 65536 : 512));
        if (ring[slot] == NULL) {
            ring[slot] = (r >> 20) % 4 == 0 ? calloc(1, size) : malloc(size);
            STRESS_CHECK(ring[slot] != NULL);
            memset(ring[slot], 0x5a, size);
        } else if ((r >> 24) % 3 == 0) {
            void *p = realloc(ring[slot], size);
            STRESS_CHECK(p != NULL);
            ring[slot] = p;
        } else {
            free(ring[slot]);
            ring[slot] = NULL;
        }
    }
    for (int i = 0; i < RING; i++)
        free(ring[i]);
    w->kept_bytes = 0;
    for (int k = 0; k < KEEP; k++) {
        size_t size = 1 + (size_t)(stress_rand(&st) % 1000);
        w->kept[k] = malloc(size);
        STRESS_CHECK(w->kept[k] != NULL);
        w->kept_bytes += size;
    }
    return NULL;
}

int
main(void)
{
    unsigned long generations = stress_iterations(40);
    static struct worker w[THREADS];
    /* Blocks kept by finished threads: a list on the heap, so it counts. */
    size_t n_kept = 0, cap_kept = 0;
    void **kept = NULL;
    size_t held_B = 0;
    pthread_attr_t attr;
    STRESS_CHECK(pthread_attr_init(&attr) == 0);
    for (int t = 0; t < THREADS; t++) {
        w[t].stack = mmap(NULL, STACK_BYTES, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        STRESS_CHECK(w[t].stack != MAP_FAILED);
    }
    uint64_t seq = 0;
    for (unsigned long g = 0; g < generations; g++) {
        /* Threads overlap: start all 16, then join them in a shuffled
         * order while the others still run. */
        for (int t = 0; t < THREADS; t++) {
            w[t].seed = 0x9E3779B97F4A7C15ULL * ++seq;
            STRESS_CHECK(pthread_attr_setstack(&attr, w[t].stack, STACK_BYTES) == 0);
            STRESS_CHECK(pthread_create(&w[t].tid, &attr, work, &w[t]) == 0);
        }
        for (int k = 0; k < THREADS; k++) {
            int t = (int)((k * 7 + g) % THREADS);
            STRESS_CHECK(pthread_join(w[t].tid, NULL) == 0);
            if (n_kept + KEEP > cap_kept) {
                size_t cap = cap_kept ? cap_kept * 2 : 64;
                void **bigger = realloc(kept, cap * sizeof *kept);
                STRESS_CHECK(bigger != NULL);
                held_B += (cap - cap_kept) * sizeof *kept;
                kept = bigger;
                cap_kept = cap;
            }
            for (int j = 0; j < KEEP; j++)
                kept[n_kept++] = w[t].kept[j];
            held_B += w[t].kept_bytes;
        }
    }
    pthread_attr_destroy(&attr);
    say("threads=%lu held_blocks=%zu held_B=%zu\n", generations * THREADS,
        n_kept + (kept != NULL), held_B);
    return 0;
}
