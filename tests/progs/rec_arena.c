/* Grows an mmap'd arena of its own (64 MiB touched, 1 MiB at a time) while
 * its malloc'd heap stays at a few kilobytes: the memory malloc does not
 * see (issue 13 item 3).  The summary must say so, once. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

int main(void)
{
	const size_t step = 1 << 20, steps = 64;
	char *arena = mmap(NULL, step * steps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			   -1, 0);
	if (arena == MAP_FAILED)
		return 1;
	void *keep[steps];
	for (size_t i = 0; i < steps; i++) {
		memset(arena + i * step, 1, step);
		keep[i] = malloc(64); /* a snapshot now and then */
		free(malloc(4096));
	}
	for (size_t i = 0; i < steps; i++)
		free(keep[i]);
	return arena[step * steps - 1] == 1 ? 0 : 2;
}
