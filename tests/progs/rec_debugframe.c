/* rec_debugframe: a call chain built with .debug_frame only (no
 * .eh_frame for its own functions: -fno-asynchronous-unwind-tables
 * -fno-unwind-tables -g) and without frame pointers, so only the call
 * frame information in .debug_frame finds each caller; Massif reads it. */
#include <stdlib.h>

__attribute__((noinline)) static char *leaf(size_t n)
{
	char *p = malloc(n);

	if (p != NULL)
		p[0] = 1;
	return p;
}

__attribute__((noinline)) static char *middle(size_t n)
{
	char *p = leaf(n * 2);

	__asm__ volatile("" ::: "memory");
	return p;
}

__attribute__((noinline)) static char *outer(size_t n)
{
	char *p = middle(n + 100);

	__asm__ volatile("" ::: "memory");
	return p;
}

int main(void)
{
	char *keep[4];

	for (int i = 0; i < 4; i++)
		keep[i] = outer(1000);
	for (int i = 0; i < 4; i++)
		free(keep[i]);
	return 0;
}
