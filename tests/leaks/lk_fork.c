/* A leak in a forked child: the child keeps 768 bytes per iteration in
 * child_remember; the parent only churns.  Each process writes its own
 * file; the child's must name child_remember, the parent's must name
 * nothing.  Prints "parent PID child PID" so the test tells the files
 * apart by the %p in their names. */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>
#include "lk_common.h"

static LK_NOINLINE void *child_remember(unsigned i)
{
	char *p = malloc(768);
	memset(p, (int)i, 768);
	return p;
}

int main(void)
{
	for (unsigned i = 0; i < 50; i++)
		churn(i);
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		for (unsigned i = 0; i < 300; i++) {
			churn(i);
			child_remember(i);
		}
		_exit(0);
	}
	for (unsigned i = 50; i < 350; i++)
		churn(i);
	int status;
	waitpid(pid, &status, 0);
	printf("parent %d child %d\n", (int)getpid(), (int)pid);
	return !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}
