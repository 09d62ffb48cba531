/* rec_sample_edges: the edges of --sample that rec_sample.py checks.
 *
 *   handoff N   N short-lived threads, one after another, each allocating
 *               a few blocks (about 10 KB) that the main thread frees:
 *               their counts never reach the flush thresholds.
 *   usable      prints malloc_usable_size of 24, 40 and 56-byte blocks
 *               made after the record ended: an exec of a directory
 *               (which may look runnable, so the record ends) fails.
 *   foreign     frees a block from __libc_malloc (no size tag) whose
 *               last usable byte reads as a tag: the totals stay >= 0.
 *   shrink      shrinks 100 blocks of 1000 bytes to 10 in place, then frees
 *               every block: nothing is live at the end.
 *   aslimit     limits its own address space to what it uses now plus
 *               256 MiB (as sandboxes and test runners do), then a thread
 *               allocates 1000-byte blocks until malloc fails, and the
 *               MiB it got are printed.
 *   layout      prints where each of 2000 blocks (1 to 700 bytes, through
 *               malloc, realloc, calloc and memalign, with frees between)
 *               lies from the first: glibc's layout, which a size tag
 *               that asked glibc for more bytes would change.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>

#define PER_THREAD 10

struct job {
	void *blocks[PER_THREAD];
};

static void *worker(void *arg)
{
	struct job *j = arg;
	for (int i = 0; i < PER_THREAD; i++)
		j->blocks[i] = malloc(1000 + (size_t)i);
	return NULL;
}

static int handoff(int n)
{
	for (int t = 0; t < n; t++) {
		struct job j;
		pthread_t th;
		if (pthread_create(&th, NULL, worker, &j) != 0 || pthread_join(th, NULL) != 0)
			return 1;
		for (int i = 0; i < PER_THREAD; i++)
			free(j.blocks[i]);
	}
	return 0;
}

static void late(void)
{
	static const size_t sizes[] = { 24, 40, 56 };
	for (unsigned i = 0; i < 3; i++) {
		void *p = malloc(sizes[i]);
		printf("%zu:%zu\n", sizes[i], malloc_usable_size(p));
		free(p);
	}
	fflush(stdout);
}

extern void *__libc_malloc(size_t n);

static int foreign(void)
{
	void *keep = malloc(100);
	unsigned char *p = __libc_malloc(40);
	if (keep == NULL || p == NULL)
		return 1;
	/* Every byte 0x01: read as a tag, slack 1, a counted block. */
	memset(p, 1, malloc_usable_size(p));
	free(p);
	free(keep);
	return 0;
}

static int shrink(void)
{
	static void *p[100], *q[100];
	for (int i = 0; i < 100; i++) {
		p[i] = malloc(1000);
		q[i] = malloc(100); /* p[i] cannot grow into the top chunk */
	}
	for (int i = 0; i < 100; i++)
		p[i] = realloc(p[i], 10);
	for (int i = 0; i < 100; i++) {
		free(p[i]);
		free(q[i]);
	}
	return 0;
}

/* The process's address space now, from /proc/self/statm. */
static size_t address_space_bytes(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	size_t pages = 0;
	if (f == NULL)
		return 0;
	if (fscanf(f, "%zu", &pages) != 1)
		pages = 0;
	fclose(f);
	return pages * (size_t)sysconf(_SC_PAGESIZE);
}

static size_t eaten;

static void *eat(void *arg)
{
	void *head = arg, *p;
	while ((p = malloc(1000)) != NULL) {
		*(void **)p = head;
		head = p;
		eaten += 1000;
	}
	return head;
}

static int aslimit(void)
{
	struct rlimit r = { address_space_bytes() + ((size_t)256 << 20), RLIM_INFINITY };
	pthread_t t;
	if (r.rlim_cur == (size_t)256 << 20 || setrlimit(RLIMIT_AS, &r) != 0 ||
	    pthread_create(&t, NULL, eat, NULL) != 0)
		return 1;
	pthread_join(t, NULL);
	printf("%zu\n", eaten >> 20);
	return 0;
}

static int layout(void)
{
	enum { N = 2000 };
	static char *p[N];
	for (int i = 0; i < N; i++) {
		p[i] = i % 11 == 0 ? memalign(64, (size_t)(i % 600) + 1) : malloc((size_t)(i % 600) + 1);
		if (i % 3 == 0 && i > 0) {
			free(p[i - 1]);
			p[i - 1] = NULL;
		}
	}
	for (int i = 5; i < N; i += 5)
		if (p[i] != NULL)
			p[i] = realloc(p[i], (size_t)(i % 700) + 24);
	for (int i = 1; i < N; i += 7) {
		free(p[i]);
		p[i] = calloc(1, (size_t)(i % 300) + 8);
	}
	for (int i = 0; i < N; i++)
		printf("%ld\n", p[i] != NULL ? (long)(p[i] - p[0]) : 0L);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "handoff") == 0)
		return handoff(atoi(argv[2]));
	if (argc >= 2 && strcmp(argv[1], "usable") == 0) {
		static char root[] = "/";
		char *args[] = { root, NULL };
		execv("/", args); /* fails: EACCES */
		late();
		return 0;
	}
	if (argc >= 2 && strcmp(argv[1], "foreign") == 0)
		return foreign();
	if (argc >= 2 && strcmp(argv[1], "layout") == 0)
		return layout();
	if (argc >= 2 && strcmp(argv[1], "shrink") == 0)
		return shrink();
	if (argc >= 2 && strcmp(argv[1], "aslimit") == 0)
		return aslimit();
	fprintf(stderr, "usage: rec_sample_edges handoff N | usable | foreign | layout | shrink | "
			"aslimit\n");
	return 2;
}
