/* rec_ownmalloc: a program with its own malloc family over a static
 * arena (bump allocation, free does nothing): libheapsnap.so's malloc is
 * never called for it. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* Declared as <stdlib.h> does (not included: its own are the point). */
void *malloc(size_t n);
void free(void *p);
void *calloc(size_t m, size_t n);
void *realloc(void *old, size_t n);

static _Alignas(16) unsigned char arena[1 << 20];
static size_t used;

void *malloc(size_t n)
{
	void *p;

	n = (n + 15) & ~(size_t)15;
	if (n > sizeof(arena) - used)
		return NULL;
	p = arena + used;
	used += n;
	return p;
}

void free(void *p)
{
	(void)p;
}

void *calloc(size_t m, size_t n)
{
	void *p = malloc(m * n);

	if (p != NULL)
		memset(p, 0, m * n);
	return p;
}

void *realloc(void *old, size_t n)
{
	void *p = malloc(n);

	if (p != NULL && old != NULL)
		memcpy(p, old, n); /* a bump arena: reading past old stays inside it */
	return p;
}

int main(void)
{
	char *s = malloc(100);

	strcpy(s, "own malloc");
	printf("%s, %zu bytes used\n", s, used);
	free(s);
	return 5; /* a status of its own: the launcher passes it through */
}
