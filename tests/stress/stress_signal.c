/* stress_signal: a signal handler that calls malloc and free, with signals
 * sent at a high rate to threads that allocate.  Each worker marks the
 * stretches where it is inside the allocator, and the handler allocates
 * only outside them (glibc's malloc is not reentrant on one thread, with
 * or without a recorder); everything else is fair game, including the
 * handler running while another thread holds the recorder's lock.
 * HS_STRESS_ITERATIONS: signals sent (default 20000). */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <time.h>
#include <errno.h>

#include "stress_common.h"

#define THREADS 4

static __thread volatile sig_atomic_t in_heap;
static atomic_ulong handled, skipped;
static atomic_int stop;

/* SIGUSR1: allocate, touch and free a block, unless the interrupted code
 * is inside the allocator. */
static void
on_usr1(int sig)
{
    (void)sig;
    if (in_heap) {
        atomic_fetch_add(&skipped, 1);
        return;
    }
    int saved = errno;
    static const size_t sizes[] = { 8, 24, 100, 1000, 5000, 70000 };
    unsigned long n = atomic_fetch_add(&handled, 1);
    char *p = malloc(sizes[n % 6]);
    if (p) {
        p[0] = 1;
        char *q = realloc(p, sizes[(n + 1) % 6]);
        free(q ? q : p);
    }
    errno = saved;
}

static void *
worker(void *arg)
{
    uint64_t st = (uint64_t)(uintptr_t)arg + 7;
    void *ring[32] = { 0 };
    while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
        uint64_t r = stress_rand(&st);
        size_t slot = r % 32;
        in_heap = 1;
        free(ring[slot]);
        ring[slot] = malloc(1 + (size_t)((r >> 8) % 2048));
        in_heap = 0;
        STRESS_CHECK(ring[slot] != NULL);
    }
    in_heap = 1;
    for (int i = 0; i < 32; i++)
        free(ring[i]);
    in_heap = 0;
    return NULL;
}

int
main(void)
{
    unsigned long signals = stress_iterations(20000);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    STRESS_CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
    pthread_t t[THREADS];
    for (uintptr_t k = 0; k < THREADS; k++)
        STRESS_CHECK(pthread_create(&t[k], NULL, worker, (void *)k) == 0);
    /* The main thread only sends: it never allocates while a signal can
     * reach it, since it is not a target. */
    for (unsigned long i = 0; i < signals; i++) {
        STRESS_CHECK(pthread_kill(t[i % THREADS], SIGUSR1) == 0);
        if (i % 64 == 63) {
            struct timespec ts = { 0, 20000 };
            nanosleep(&ts, NULL);
        }
    }
    atomic_store(&stop, 1);
    for (int k = 0; k < THREADS; k++)
        STRESS_CHECK(pthread_join(t[k], NULL) == 0);
    /* Pending signals may merge, so the count varies: check it is sane,
     * print only what is deterministic. */
    unsigned long got = atomic_load(&handled) + atomic_load(&skipped);
    STRESS_CHECK(got > 0 && got <= signals);
    say("signals sent=%lu handled>0\n", signals);
    return 0;
}
