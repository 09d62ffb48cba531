/* rec_threads: N threads each make M allocations and frees, and each keeps a
 * known number of blocks to the end.  Prints "expected_heap_B=<bytes>" (the
 * requested bytes still live at exit) so the test can check the recorder's
 * final snapshot to the byte.
 *
 * Usage: rec_threads [threads (8)] [allocations per thread (1000000)]
 */
#include <pthread.h>
#include <stdlib.h>

#include "rec_common.h"

#define REC_MAX_THREADS 64
#define REC_WINDOW 64 /* blocks each thread holds at once while churning */

struct worker_arg {
	int index;
	long n_allocs;
};

/* Block i of thread t has this size: varied, never zero. */
static size_t block_size(int t, long i)
{
	return (size_t)(8 + ((i * 7 + t * 13) % 250));
}

/* How many blocks thread t keeps until exit. */
static long kept_blocks(int t)
{
	return 100 + 10 * t;
}

static REC_NOINLINE void *worker(void *p)
{
	const struct worker_arg *arg = p;
	void *window[REC_WINDOW] = { 0 };
	long kept = kept_blocks(arg->index);
	long i;
	for (i = 0; i < arg->n_allocs - kept; i++) {
		int slot = (int)(i % REC_WINDOW);
		free(window[slot]);
		window[slot] = malloc(block_size(arg->index, i));
	}
	for (int s = 0; s < REC_WINDOW; s++)
		free(window[s]);
	/* The kept blocks are leaked on purpose: their bytes stay live. */
	for (; i < arg->n_allocs; i++)
		rec_keep(malloc(block_size(arg->index, i)));
	return NULL;
}

int main(int argc, char **argv)
{
	int n_threads = argc > 1 ? atoi(argv[1]) : 8;
	long n_allocs = argc > 2 ? atol(argv[2]) : 1000000;
	if (n_threads < 1 || n_threads > REC_MAX_THREADS || n_allocs < 1000)
		return 2;
	pthread_t tid[REC_MAX_THREADS];
	struct worker_arg args[REC_MAX_THREADS];
	unsigned long long expected = 0;
	for (int t = 0; t < n_threads; t++) {
		args[t].index = t;
		args[t].n_allocs = n_allocs;
		for (long i = n_allocs - kept_blocks(t); i < n_allocs; i++)
			expected += block_size(t, i);
	}
	for (int t = 0; t < n_threads; t++)
		if (pthread_create(&tid[t], NULL, worker, &args[t]) != 0)
			return 3;
	for (int t = 0; t < n_threads; t++)
		pthread_join(tid[t], NULL);
	rec_put_kv("expected_heap_B", expected);
	return 0;
}
