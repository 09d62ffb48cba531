/* pthread_getattr_np on the main thread and on a new thread, as Rust's and
 * HotSpot's start-up do: glibc holds the thread's lock while it reads
 * /proc/self/maps with fopen, which calls malloc (issue 10, item 1). */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static __attribute__((noinline)) size_t stack_size(void)
{
	pthread_attr_t attr;
	size_t size = 0;

	if (pthread_getattr_np(pthread_self(), &attr) != 0)
		return 0;
	pthread_attr_getstacksize(&attr, &size);
	pthread_attr_destroy(&attr);
	return size;
}

static __attribute__((noinline)) char *getattr_keep(size_t n)
{
	char *p = malloc(n);

	if (p != NULL)
		memset(p, 1, n);
	return p;
}

static void *thread_main(void *arg)
{
	(void)arg;
	return stack_size() > 0 ? getattr_keep(40000) : NULL;
}

int main(void)
{
	pthread_t t;
	void *got = NULL;
	char *mine = getattr_keep(20000);

	printf("main stack known: %s\n", stack_size() > 0 ? "yes" : "no");
	if (pthread_create(&t, NULL, thread_main, NULL) != 0 || pthread_join(t, &got) != 0)
		return 1;
	printf("thread stack known: %s\n", got != NULL ? "yes" : "no");
	free(got);
	free(mine);
	return 0;
}
