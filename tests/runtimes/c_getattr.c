/* pthread_getattr_np on the main thread and on a new thread, as Rust's and
 * HotSpot's start-up do: glibc holds the thread's lock while it reads
 * /proc/self/maps with fopen, which calls malloc (issue 10, item 1). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* pthread_getattr_np */
#endif
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static __attribute__((noinline)) void *getattr_keep(size_t n)
{
	pthread_attr_t attr;
	size_t size = 0;

	if (pthread_getattr_np(pthread_self(), &attr) != 0)
		return NULL;
	pthread_attr_getstacksize(&attr, &size);
	pthread_attr_destroy(&attr);
	return size > 0 ? memset(malloc(n), 1, n) : NULL;
}

static void *thread_main(void *arg)
{
	return getattr_keep((size_t)arg);
}

int main(void)
{
	pthread_t t;
	void *theirs = NULL, *mine = getattr_keep(20000);

	printf("main stack known: %s\n", mine != NULL ? "yes" : "no");
	if (pthread_create(&t, NULL, thread_main, (void *)40000) != 0 || pthread_join(t, &theirs))
		return 1;
	printf("thread stack known: %s\n", theirs != NULL ? "yes" : "no");
	free(theirs);
	free(mine);
	return 0;
}
