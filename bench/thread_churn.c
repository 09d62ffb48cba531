/* thread_churn: heapsnap's benchmark of threads that come and go.
 *
 *   thread_churn [THREADS [AT_ONCE]]
 *
 * Starts THREADS threads (default 20000), AT_ONCE at a time (default 1),
 * each making nine small allocations and frees and returning one more
 * block, which main frees: a pool's workers, a thread per request.  What
 * it measures is the recorder's cost per thread (its buffers, mapped at a
 * thread's first allocation), not per call.  bench/thread_churn.sh runs
 * it; bench/README.md has the figures.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static void *volatile sink;

static void *short_lived(void *arg)
{
	(void)arg;
	for (int i = 0; i < 9; i++) {
		void *p = malloc(100 + (size_t)i * 16);
		sink = p;
		free(p);
	}
	return malloc(10);
}

int main(int argc, char **argv)
{
	long threads = argc > 1 ? atol(argv[1]) : 20000;
	int at_once = argc > 2 ? atoi(argv[2]) : 1;
	pthread_t tid[64];

	if (threads < 1 || at_once < 1 || at_once > 64) {
		fprintf(stderr, "usage: thread_churn [THREADS [AT_ONCE (1-64)]]\n");
		return 2;
	}
	for (long done = 0; done < threads; done += at_once) {
		int n = threads - done < at_once ? (int)(threads - done) : at_once;
		for (int i = 0; i < n; i++)
			if (pthread_create(&tid[i], NULL, short_lived, NULL) != 0)
				return 1;
		for (int i = 0; i < n; i++) {
			void *ret;
			if (pthread_join(tid[i], &ret) != 0)
				return 1;
			free(ret);
		}
	}
	return 0;
}
