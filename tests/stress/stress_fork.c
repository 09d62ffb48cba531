/* stress_fork: a program with four allocating threads forks in a loop;
 * each child either allocates and returns from a function that exits
 * normally, execs /bin/true, or allocates and calls _exit.  The parent
 * checks every child's status.  Under the recorder: no deadlock (the
 * test's timeout), the native output and status, and a valid file from
 * every process that wrote one.
 * HS_STRESS_ITERATIONS: forks (default 15). */
#include <pthread.h>
#include <stdatomic.h>
#include <sys/wait.h>

#include "stress_common.h"

#define THREADS 4

static atomic_int stop;

/* Background churn, so that fork often lands while a thread is inside the
 * allocator (and the recorder). */
static void *
churn(void *arg)
{
    uint64_t st = (uint64_t)(uintptr_t)arg * 0x9E3779B97F4A7C15ULL + 1;
    void *ring[32] = { 0 };
    while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
        uint64_t r = stress_rand(&st);
        size_t slot = r % 32;
        free(ring[slot]);
        ring[slot] = malloc(1 + (size_t)((r >> 8) % 4096));
        STRESS_CHECK(ring[slot] != NULL);
    }
    for (int i = 0; i < 32; i++)
        free(ring[i]);
    return NULL;
}

/* The forked child's work: allocate, keep a little, and leave. */
static __attribute__((noinline)) int
child_work(unsigned long i)
{
    void *p[16];
    for (int k = 0; k < 16; k++) {
        p[k] = malloc(100 + (size_t)k * 10);
        STRESS_CHECK(p[k] != NULL);
    }
    for (int k = 0; k < 8; k++)
        free(p[k]);
    return (int)(i % 7);
}

int
main(void)
{
    unsigned long forks = stress_iterations(15);
    pthread_t t[THREADS];
    for (uintptr_t k = 0; k < THREADS; k++)
        STRESS_CHECK(pthread_create(&t[k], NULL, churn, (void *)k) == 0);
    unsigned long exited = 0, execed = 0, quick = 0;
    for (unsigned long i = 0; i < forks; i++) {
        pid_t pid = fork();
        STRESS_CHECK(pid >= 0);
        if (pid == 0) {
            switch (i % 3) {
            case 0:
                exit(child_work(i));
            case 1: {
                char arg0[] = "true";
                char *argv[] = { arg0, NULL };
                execv("/bin/true", argv);
                _exit(120);
            }
            default:
                _exit(child_work(i) + 10);
            }
        }
        int status;
        STRESS_CHECK(waitpid(pid, &status, 0) == pid);
        STRESS_CHECK(WIFEXITED(status));
        switch (i % 3) {
        case 0:
            STRESS_CHECK(WEXITSTATUS(status) == (int)(i % 7));
            exited++;
            break;
        case 1:
            STRESS_CHECK(WEXITSTATUS(status) == 0);
            execed++;
            break;
        default:
            STRESS_CHECK(WEXITSTATUS(status) == (int)(i % 7) + 10);
            quick++;
            break;
        }
    }
    atomic_store(&stop, 1);
    for (int k = 0; k < THREADS; k++)
        STRESS_CHECK(pthread_join(t[k], NULL) == 0);
    say("forks=%lu exit=%lu exec=%lu _exit=%lu\n", forks, exited, execed, quick);
    return 3;
}
