/* rec_proc: process life-cycle events under the recorder.  Each mode
 * allocates in functions with distinct names, so the test can tell the
 * parent's file from the child's.
 *
 *   rec_proc fork              parent and child both allocate; child exits 5
 *   rec_proc forkexec PROG...  child execs PROG...; parent exits with its status
 *   rec_proc _exit             allocates, then _exit(3)
 *   rec_proc sigterm           allocates, then kills itself with SIGTERM
 *   rec_proc abort             allocates, then abort()
 *   rec_proc exit              allocates, returns 0 from main
 *
 * Prints "child_pid=<pid>" for the fork modes.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rec_common.h"

static REC_NOINLINE void parent_work(void)
{
	rec_keep(malloc(4000));
	rec_keep(malloc(1000));
}

static REC_NOINLINE void child_work(void)
{
	rec_keep(malloc(7000));
	void *t = malloc(300);
	free(t);
}

static REC_NOINLINE void before_death(void)
{
	rec_keep(malloc(2500));
}

/* Exit the way the child ended, so the launcher's status mirrors it. */
static int pass_status(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status)) {
		signal(WTERMSIG(status), SIG_DFL);
		raise(WTERMSIG(status));
	}
	return 99;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	const char *mode = argv[1];
	if (strcmp(mode, "fork") == 0 || strcmp(mode, "forkexec") == 0) {
		int exec_child = strcmp(mode, "forkexec") == 0;
		if (exec_child && argc < 3)
			return 2;
		parent_work();
		pid_t pid = fork();
		if (pid < 0)
			return 4;
		if (pid == 0) {
			if (exec_child) {
				execv(argv[2], argv + 2);
				_exit(127);
			}
			child_work();
			return 5;
		}
		int status = 0;
		if (waitpid(pid, &status, 0) != pid)
			return 6;
		rec_put_kv("child_pid", (unsigned long long)pid);
		rec_keep(malloc(123));
		return pass_status(status);
	}
	before_death();
	if (strcmp(mode, "_exit") == 0)
		_exit(3);
	if (strcmp(mode, "sigterm") == 0) {
		kill(getpid(), SIGTERM);
		pause();
		return 7;
	}
	if (strcmp(mode, "abort") == 0)
		abort();
	if (strcmp(mode, "exit") == 0)
		return 0;
	return 2;
}
