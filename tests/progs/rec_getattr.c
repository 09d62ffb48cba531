/* rec_getattr: pthread_getattr_np on the main thread and on a new thread.
 * glibc holds the thread's lock while it allocates there (fopen of
 * /proc/self/maps on the main thread, the affinity mask on others): a
 * recorder that asks for the stack bounds on a thread's first allocation
 * deadlocks.  Prints each stack size, then exits 0. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static size_t stack_bytes(void)
{
	pthread_attr_t attr;
	void *lo;
	size_t size = 0;

	if (pthread_getattr_np(pthread_self(), &attr) != 0)
		return 0;
	pthread_attr_getstack(&attr, &lo, &size);
	pthread_attr_destroy(&attr);
	return size;
}

static void *thread_main(void *arg)
{
	(void)arg;
	return (void *)stack_bytes();
}

int main(void)
{
	pthread_t t;
	void *got;
	size_t main_bytes = stack_bytes(); /* before any other allocation here */
	char *keep = malloc(1000);

	printf("main %s\n", main_bytes > 0 ? "ok" : "failed");
	if (pthread_create(&t, NULL, thread_main, NULL) != 0 || pthread_join(t, &got) != 0)
		return 1;
	printf("thread %s\n", got != NULL ? "ok" : "failed");
	free(keep);
	return 0;
}
