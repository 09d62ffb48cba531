/* Run under libheapsnap.so: every interposed heap entry point must behave
 * exactly as glibc's own (results, errno, alignment, usable size), and
 * the blocks left live at exit are known to the byte, so the test script
 * can check the recorded final snapshot.  Prints TAP results 1..16 (the
 * script prints the plan). */
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int n_test;

/* One TAP line, through write(2): a stdio buffer would be a heap block
 * of its own in the recorded file. */
static void check(int ok, const char *what)
{
	char line[256];
	int len = snprintf(line, sizeof(line), "%sok %d - %s\n", ok ? "" : "not ", ++n_test, what);

	if (len > 0 && write(STDOUT_FILENO, line, (size_t)len) < 0)
		_exit(99);
}

/* Sizes the compiler cannot see, so it does not warn about the overflows. */
static volatile size_t half_max = SIZE_MAX / 2;

/* Keep blocks reachable so the compiler cannot drop them. */
void *volatile hs_keep[16];

int main(void)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	void *p, *q;
	int rc;

	/* errno is the program's own: the recorder must not touch it. */
	errno = 1234;
	p = malloc(10);
	free(p);
	check(errno == 1234, "malloc/free keep errno");

	p = malloc(100);
	check(p != NULL && malloc_usable_size(p) >= 100, "malloc(100), usable size >= 100");
	hs_keep[0] = p;

	p = calloc(10, 20);
	check(p != NULL && ((unsigned char *)p)[199] == 0, "calloc(10, 20) zeroed");
	p = realloc(p, 300);
	check(p != NULL, "realloc grows to 300");
	hs_keep[1] = p;

	errno = 0;
	q = calloc(half_max, 4);
	check(q == NULL && errno == ENOMEM, "calloc overflow: NULL, ENOMEM");

	q = malloc(40);
	errno = 0;
	check(realloc(q, 0) == NULL, "realloc(p, 0) frees and returns NULL");

	p = realloc(NULL, 64);
	check(p != NULL, "realloc(NULL, 64) allocates");
	hs_keep[2] = p;

	errno = 0;
	check(reallocarray(NULL, half_max, 3) == NULL && errno == ENOMEM, "reallocarray overflow: ENOMEM");
	p = reallocarray(NULL, 7, 9);
	check(p != NULL, "reallocarray(NULL, 7, 9)");
	hs_keep[3] = p;

	p = memalign(64, 50);
	check(p != NULL && (uintptr_t)p % 64 == 0, "memalign(64, 50) aligned");
	hs_keep[4] = p;

	errno = 4321;
	rc = posix_memalign(&p, 3, 10);
	check(rc == EINVAL && errno == 4321, "posix_memalign(3): EINVAL, errno kept");
	rc = posix_memalign(&p, 128, 70);
	check(rc == 0 && (uintptr_t)p % 128 == 0, "posix_memalign(128, 70) aligned");
	hs_keep[5] = p;

	p = aligned_alloc(256, 512);
	check(p != NULL && (uintptr_t)p % 256 == 0, "aligned_alloc(256, 512) aligned");
	hs_keep[6] = p;

	p = valloc(1000);
	check(p != NULL && (uintptr_t)p % page == 0, "valloc(1000) page-aligned");
	hs_keep[7] = p;

	p = pvalloc(1);
	check(p != NULL && (uintptr_t)p % page == 0 && malloc_usable_size(p) >= page, "pvalloc(1): a whole page");
	hs_keep[8] = p;

	p = strdup("0123456789");
	check(p != NULL && strcmp(p, "0123456789") == 0, "strdup through glibc's malloc");
	hs_keep[9] = p;

	/* Live at exit: 100 + 300 + 64 + 63 + 50 + 70 + 512 + 1000 + page + 11
	 * = 6266 bytes with 4 KiB pages. */
	return 0;
}
