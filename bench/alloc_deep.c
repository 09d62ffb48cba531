/* alloc_deep: heapsnap's allocation-heavy benchmark workload.
 *
 * Every allocation is made at the bottom of a deep call chain (20 to 40
 * frames, a different path for different sizes), so the recorder's cost of
 * unwinding and interning stacks dominates.  Blocks live in a ring so the
 * heap stays at a steady few MiB while malloc/free churn on top.
 *
 * Usage: alloc_deep [threads (1)] [allocations per thread (10000000)]
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define RING 4096
#define MAX_THREADS 64

struct job {
	unsigned seed;
	long n_allocs;
};

static __attribute__((noinline)) void *leaf_alloc(size_t n)
{
	char *p = malloc(n);
	if (p != NULL)
		p[0] = 1;
	return p;
}

/* Two mutually recursive functions so stacks differ by size class. */
static __attribute__((noinline)) void *descend_b(int depth, size_t n);

static __attribute__((noinline)) void *descend_a(int depth, size_t n)
{
	void *p;
	if (depth == 0)
		return leaf_alloc(n);
	p = (depth + (int)n) % 3 == 0 ? descend_b(depth - 1, n) : descend_a(depth - 1, n);
	__asm__ volatile("" ::: "memory"); /* no tail call: keep the frame */
	return p;
}

static __attribute__((noinline)) void *descend_b(int depth, size_t n)
{
	void *p;
	if (depth == 0)
		return leaf_alloc(n + 8);
	p = descend_a(depth - 1, n);
	__asm__ volatile("" ::: "memory"); /* no tail call: keep the frame */
	return p;
}

static __attribute__((noinline)) void *worker(void *arg)
{
	const struct job *job = arg;
	void **ring = calloc(RING, sizeof *ring);
	unsigned x = job->seed;
	for (long i = 0; i < job->n_allocs; i++) {
		x = x * 1103515245u + 12345u;
		size_t n = 16 + (x >> 16) % 1024;
		int depth = 20 + (int)((x >> 8) % 21);
		size_t slot = (size_t)i % RING;
		free(ring[slot]);
		ring[slot] = descend_a(depth, n);
	}
	for (size_t s = 0; s < RING; s++)
		free(ring[s]);
	free(ring);
	return NULL;
}

int main(int argc, char **argv)
{
	int n_threads = argc > 1 ? atoi(argv[1]) : 1;
	long n_allocs = argc > 2 ? atol(argv[2]) : 10000000;
	pthread_t tid[MAX_THREADS];
	struct job jobs[MAX_THREADS];
	if (n_threads < 1 || n_threads > MAX_THREADS)
		return 2;
	for (int t = 0; t < n_threads; t++) {
		jobs[t].seed = 12345u + (unsigned)t;
		jobs[t].n_allocs = n_allocs;
	}
	if (n_threads == 1) {
		worker(&jobs[0]);
		return 0;
	}
	for (int t = 0; t < n_threads; t++)
		if (pthread_create(&tid[t], NULL, worker, &jobs[t]) != 0)
			return 3;
	for (int t = 0; t < n_threads; t++)
		pthread_join(tid[t], NULL);
	return 0;
}
