/* rec_sites_threads: direct call sites' bytes with threads (--sample),
 * for tests/recorder/rec_sample.py.
 *
 * The main thread makes 4 MB at one site; 4 threads each make about 1 MB
 * at a second site, freeing a quarter of it, then 2 MB at a third, all
 * from code shared by the threads: the heap is at its highest when they
 * are done, whatever their interleaving.  "joined": the threads exit before the
 * main thread frees anything, so at the peak every thread's counts and
 * site bytes have joined the totals (exact).  "alive": the threads wait
 * until the main thread has freed its site, so the peak is taken while
 * their counts are still their own (within a flush each).
 *
 * Usage: rec_sites_threads joined|alive
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define N_THREADS 4
#define N_MAIN 4000
#define N_B 2000
#define N_C 1000

static void *main_blocks[N_MAIN];
static void *b_blocks[N_THREADS][N_B], *c_blocks[N_THREADS][N_C];
static pthread_barrier_t made, freed;
static int alive;

static __attribute__((noinline)) void make_b(int t)
{
	for (int i = 0; i < N_B; i++)
		b_blocks[t][i] = malloc(500 + (size_t)((i * 37 + t * 11) % 1000));
}

static __attribute__((noinline)) void make_c(int t)
{
	for (int i = 0; i < N_C; i++)
		c_blocks[t][i] = calloc(1, 600 + (size_t)((i * 13 + t) % 800));
	for (int i = 0; i < N_C; i += 4) {
		free(c_blocks[t][i]);
		c_blocks[t][i] = NULL;
	}
}

static void *worker(void *arg)
{
	int t = (int)(long)arg;
	make_c(t); /* its frees first: no thread's heap is ever above its end's */
	make_b(t);
	pthread_barrier_wait(&made);
	if (alive)
		pthread_barrier_wait(&freed);
	return NULL;
}

static __attribute__((noinline)) void make_main(void)
{
	for (int i = 0; i < N_MAIN; i++)
		main_blocks[i] = malloc(1000);
}

int main(int argc, char **argv)
{
	alive = argc > 1 && strcmp(argv[1], "alive") == 0;
	pthread_t th[N_THREADS];
	pthread_barrier_init(&made, NULL, N_THREADS + 1);
	pthread_barrier_init(&freed, NULL, N_THREADS + 1);
	make_main();
	for (long t = 0; t < N_THREADS; t++)
		pthread_create(&th[t], NULL, worker, (void *)t);
	pthread_barrier_wait(&made);
	if (!alive)
		for (int t = 0; t < N_THREADS; t++)
			pthread_join(th[t], NULL);
	for (int i = 0; i < N_MAIN; i++)
		free(main_blocks[i]);
	if (alive) {
		pthread_barrier_wait(&freed);
		for (int t = 0; t < N_THREADS; t++)
			pthread_join(th[t], NULL);
	}
	for (int t = 0; t < N_THREADS; t++) {
		for (int i = 0; i < N_B; i++)
			free(b_blocks[t][i]);
		for (int i = 0; i < N_C; i++)
			free(c_blocks[t][i]);
	}
	return 0;
}
