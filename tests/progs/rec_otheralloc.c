/* rec_otheralloc: a program whose malloc is another allocator's: the bump
 * allocator of rec_bumpalloc.c, linked in or preloaded
 * (tests/recorder/rec_otheralloc.sh runs it natively and under heapsnap).
 *
 * It makes a block with each function of the malloc family, and one
 * through the C library (strdup), says for each which allocator made it
 * ("bump": hsbump_owns, found at run time; "glibc" without it), writes
 * its usable size, hands each back (free, realloc, malloc_usable_size:
 * the bump allocator aborts on a block not its own), churns through 20,000
 * blocks (enough for --sample=4K to sample some) through malloc's and
 * free's addresses, and exits with 7.  "rec_otheralloc common" leaves
 * pvalloc out, which jemalloc does not define (glibc's block then meets
 * jemalloc's free: a crash natively).
 */
#include <dlfcn.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int (*owns)(const void *);

/* The churn's malloc and free, by address: built -no-pie, the program's
 * PLT entries then stand for them everywhere (dlsym's answer included),
 * as node's do. */
static void *(*volatile alloc_fn)(size_t);
static void (*volatile free_fn)(void *);

/* "what: bump" (or glibc, or NULL), its usable bytes written. */
static void *said(const char *what, void *p)
{
	printf("%s: %s\n", what, p == NULL ? "NULL" : owns != NULL && owns(p) ? "bump" : "glibc");
	if (p != NULL)
		memset(p, 0x5a, malloc_usable_size(p));
	return p;
}

int main(int argc, char **argv)
{
	int common = argc > 1 && strcmp(argv[1], "common") == 0;
	void *b[12];
	void *q = NULL;
	int n = 0;

	owns = (int (*)(const void *))dlsym(RTLD_DEFAULT, "hsbump_owns");
	alloc_fn = malloc; /* in the code: -no-pie makes it an absolute address */
	free_fn = free;
	b[n++] = said("malloc", malloc(100));
	b[n++] = said("calloc", calloc(10, 30));
	b[n++] = said("realloc", realloc(malloc(10), 1000));
	b[n++] = said("realloc(NULL)", realloc(NULL, 50));
	b[n++] = said("reallocarray", reallocarray(NULL, 10, 20));
	b[n++] = said("memalign", memalign(64, 100));
	b[n++] = said("aligned_alloc", aligned_alloc(256, 512));
	if (posix_memalign(&q, 128, 300) != 0)
		q = NULL;
	b[n++] = said("posix_memalign", q);
	b[n++] = said("valloc", valloc(100));
	if (!common)
		b[n++] = said("pvalloc", pvalloc(100));
	b[n++] = said("strdup", strdup("a string from the C library"));
	for (int i = 0; i < n; i++)
		free(b[i]);

	size_t total = 0;
	void *keep[64] = { 0 };
	for (int i = 0; i < 20000; i++) {
		size_t size = 16 + (size_t)(i % 97) * 24;
		free_fn(keep[i % 64]);
		keep[i % 64] = alloc_fn(size);
		if (keep[i % 64] == NULL)
			return 1;
		memset(keep[i % 64], i, size);
		total += size;
	}
	for (int i = 0; i < 64; i++)
		free(keep[i]);
	printf("churn: %zu bytes\n", total);
	return 7;
}
