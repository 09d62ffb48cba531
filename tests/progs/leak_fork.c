/* The parent only churns; the forked child leaks 768 bytes per iteration.
 * Each process gets its own Massif file. */
#include <sys/wait.h>
#include <unistd.h>
#include "leak_common.h"

static void *child_remember(void)
{
	return malloc(768);
}

static void child_work(void)
{
	for (unsigned i = 0; i < 300; i++) {
		churn(i);
		child_remember();
	}
}

int main(void)
{
	for (unsigned i = 0; i < 50; i++)
		churn(i);
	pid_t pid = fork();
	if (pid == 0) {
		child_work();
		_exit(0);
	}
	for (unsigned i = 50; i < 300; i++)
		churn(i);
	int status;
	waitpid(pid, &status, 0);
	return 0;
}
