/* rec_ownheap: heapsnap's write must leave the program's glibc heap as it
 * was.  The program fills glibc's fastbins (100,000 blocks of 32 bytes
 * freed), reads mallinfo2(), then makes heapsnap write its file by calling
 * execv on argv[1], a file that is executable but no program (the exec
 * fails with ENOEXEC after the write), and reads mallinfo2() again.  Before
 * the own heap, the write's dlopen of libdw called glibc's calloc, which
 * consolidated the fastbins.  Prints both readings and the exec's errno. */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define N_BLOCKS 100000

static void *blocks[N_BLOCKS];

/* The mallinfo2 fields, on one line. */
static void print_info(const char *when, const struct mallinfo2 *m)
{
	printf("%s arena=%zu ordblks=%zu smblks=%zu hblks=%zu hblkhd=%zu uordblks=%zu "
	       "fordblks=%zu fsmblks=%zu keepcost=%zu\n",
	       when, m->arena, m->ordblks, m->smblks, m->hblks, m->hblkhd, m->uordblks,
	       m->fordblks, m->fsmblks, m->keepcost);
}

int main(int argc, char **argv)
{
	struct mallinfo2 before, after;
	int exec_errno;

	if (argc < 2) {
		fprintf(stderr, "usage: rec_ownheap NOT_A_PROGRAM\n");
		return 2;
	}
	for (int i = 0; i < N_BLOCKS; i++)
		blocks[i] = malloc(32);
	for (int i = 0; i < N_BLOCKS; i++)
		free(blocks[i]);
	before = mallinfo2();
	execv(argv[1], argv + 1);
	exec_errno = errno;
	after = mallinfo2();
	print_info("before", &before);
	print_info("after", &after);
	printf("exec_errno=%d\n", exec_errno);
	return 0;
}
