/* rec_proc: process life-cycle events under the recorder.  Each mode
 * allocates in functions with distinct names, so the test can tell the
 * parent's file from the child's.
 *
 *   rec_proc fork              parent and child both allocate; child exits 5
 *   rec_proc forkexec PROG...  child execs PROG...; parent exits with its status
 *   rec_proc reuselive PROG... forkexec, but the child first closes the
 *                              launcher's live page (HEAPSNAP_LIVE_FD) and
 *                              puts a close-on-exec file of its own at that
 *                              number (REC_REUSED_FD names it), raising its
 *                              soft open-file limit first when the number
 *                              is above it
 *   rec_proc checkfd           exits 6 if REC_REUSED_FD's number is open
 *                              (a file that should have closed at exec)
 *   rec_proc forkbig           fork; the child alone allocates and touches
 *                              64 MiB, keeps it, exits 0 (its resident
 *                              bytes are its own, not the parent's)
 *   rec_proc _exit             allocates, then _exit(3)
 *   rec_proc sigterm           allocates, then kills itself with SIGTERM
 *   rec_proc abort             allocates, then abort()
 *   rec_proc exit              allocates, returns 0 from main
 *   rec_proc forkthreads N     4 threads allocate and free without pause
 *                              while main forks N children, each of which
 *                              allocates and exits 0: a fork must never
 *                              catch the recorder's lock held (deadlock)
 *   rec_proc cancel            a thread allocates and frees without pause;
 *                              main cancels it (deferred), lets it run on
 *                              0.3 s, then lets it reach pthread_testcancel;
 *                              exits 7 unless it was cancelled there, else
 *                              keeps 2500 bytes and returns 0 (malloc and
 *                              free are no cancellation points)
 *   rec_proc threads N         N threads one after the other, each
 *                              allocating 10 blocks and returning one,
 *                              which main frees; exits 0
 *   rec_proc idlethread        a thread frees 40 small blocks and an 8 MiB
 *                              one, then waits; main checks the big one went
 *                              back to the system (exits 9 if not), keeps
 *                              2500 bytes, lets the thread end, returns 0
 *
 * Prints "child_pid=<pid>" for the fork modes.
 */
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
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

static volatile int g_stop;

static REC_NOINLINE void *churner(void *arg)
{
	(void)arg;
	while (!g_stop) {
		void *p = malloc(64);
		rec_keep(p);
		free(p);
	}
	return NULL;
}

static int fork_under_threads(int n_children)
{
	pthread_t tid[4];
	for (int t = 0; t < 4; t++)
		if (pthread_create(&tid[t], NULL, churner, NULL) != 0)
			return 3;
	int bad = 0;
	for (int i = 0; i < n_children; i++) {
		pid_t pid = fork();
		if (pid < 0)
			return 4;
		if (pid == 0) {
			child_work();
			_exit(0);
		}
		int status = 0;
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			bad++;
	}
	g_stop = 1;
	for (int t = 0; t < 4; t++)
		pthread_join(tid[t], NULL);
	return bad == 0 ? 0 : 8;
}

/* Exit the way the child ended, so the launcher's status mirrors it. */
static pthread_mutex_t g_idle_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_idle_cond = PTHREAD_COND_INITIALIZER;
static int g_idle_freed, g_idle_go;

static REC_NOINLINE void idle_work(void)
{
	void *small[40];
	for (int i = 0; i < 40; i++)
		small[i] = malloc(64);
	char *big = malloc((size_t)8 << 20);
	if (big != NULL)
		memset(big, 1, (size_t)8 << 20);
	for (int i = 0; i < 40; i++)
		free(small[i]);
	free(big);
}

/* Frees, then waits: nothing it freed may stay held meanwhile. */
static void *idle_thread(void *arg)
{
	(void)arg;
	idle_work();
	pthread_mutex_lock(&g_idle_lock);
	g_idle_freed = 1;
	pthread_cond_broadcast(&g_idle_cond);
	while (!g_idle_go)
		pthread_cond_wait(&g_idle_cond, &g_idle_lock);
	pthread_mutex_unlock(&g_idle_lock);
	return NULL;
}

static atomic_int g_cancel_stop;

static void *cancelled_worker(void *arg)
{
	unsigned long n = 0;

	(void)arg;
	while (!atomic_load(&g_cancel_stop)) {
		for (int i = 0; i < 1000; i++) {
			char *p = malloc(100 + (n++ % 4000));
			if (p == NULL)
				return NULL;
			p[0] = 1;
			rec_keep(p);
			free(p);
		}
	}
	pthread_testcancel();
	return NULL; /* not cancelled: main exits 7 */
}

static int cancel_at_testcancel(void)
{
	pthread_t t;
	void *ret = NULL;
	struct timespec ms100 = { 0, 100 * 1000 * 1000 };

	if (pthread_create(&t, NULL, cancelled_worker, NULL) != 0)
		return 2;
	nanosleep(&ms100, NULL);
	pthread_cancel(t);
	for (int i = 0; i < 3; i++)
		nanosleep(&ms100, NULL);
	atomic_store(&g_cancel_stop, 1);
	if (pthread_join(t, &ret) != 0 || ret != PTHREAD_CANCELED)
		return 7;
	before_death();
	return 0;
}

static void *short_lived(void *arg)
{
	(void)arg;
	for (int i = 0; i < 9; i++) {
		void *p = malloc(100);
		rec_keep(p);
		free(p);
	}
	return malloc(10);
}

static int threads_one_by_one(int n)
{
	for (int i = 0; i < n; i++) {
		pthread_t t;
		void *ret;
		if (pthread_create(&t, NULL, short_lived, NULL) != 0 || pthread_join(t, &ret) != 0)
			return 2;
		free(ret);
	}
	return 0;
}

static int idle_thread_frees(void)
{
	pthread_t tid;
	if (pthread_create(&tid, NULL, idle_thread, NULL) != 0)
		return 3;
	pthread_mutex_lock(&g_idle_lock);
	while (!g_idle_freed)
		pthread_cond_wait(&g_idle_cond, &g_idle_lock);
	/* glibc maps a block this big on its own: freed, it is unmapped. */
	int returned = mallinfo2().hblkhd == 0;
	before_death();
	g_idle_go = 1;
	pthread_cond_broadcast(&g_idle_cond);
	pthread_mutex_unlock(&g_idle_lock);
	pthread_join(tid, NULL);
	return returned ? 0 : 9;
}

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
	if (strcmp(mode, "checkfd") == 0) {
		const char *v = getenv("REC_REUSED_FD");
		return v != NULL && fcntl(atoi(v), F_GETFD) >= 0 ? 6 : 0;
	}
	if (strcmp(mode, "forkbig") == 0) {
		parent_work();
		pid_t pid = fork();
		if (pid < 0)
			return 4;
		if (pid == 0) {
			char *big = malloc((size_t)64 << 20);
			if (big == NULL)
				_exit(4);
			memset(big, 1, (size_t)64 << 20);
			rec_keep(big);
			return 0;
		}
		int status = 0;
		if (waitpid(pid, &status, 0) != pid)
			return 6;
		rec_put_kv("child_pid", (unsigned long long)pid);
		return pass_status(status);
	}
	if (strcmp(mode, "fork") == 0 || strcmp(mode, "forkexec") == 0 ||
	    strcmp(mode, "reuselive") == 0) {
		int exec_child = strcmp(mode, "fork") != 0;
		int reuse = strcmp(mode, "reuselive") == 0;
		if (exec_child && argc < 3)
			return 2;
		parent_work();
		pid_t pid = fork();
		if (pid < 0)
			return 4;
		if (pid == 0) {
			const char *live = getenv("HEAPSNAP_LIVE_FD");
			if (reuse && live != NULL) {
				int n = atoi(live), own = open("/dev/null", O_RDONLY | O_CLOEXEC);
				/* Above a soft limit (where the page goes when the hard
				 * one is higher) the number is only reusable once the
				 * program raises its limit, as it may. */
				struct rlimit lim;
				if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY &&
				    lim.rlim_cur <= (rlim_t)n) {
					lim.rlim_cur = (rlim_t)n + 1;
					if (setrlimit(RLIMIT_NOFILE, &lim) != 0)
						_exit(8);
				}
				if (own < 0 || close(n) != 0 || dup3(own, n, O_CLOEXEC) != n)
					_exit(8);
				close(own);
				char text[16];
				snprintf(text, sizeof(text), "%d", n);
				setenv("REC_REUSED_FD", text, 1);
			}
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
	if (strcmp(mode, "forkthreads") == 0)
		return fork_under_threads(argc > 2 ? atoi(argv[2]) : 50);
	if (strcmp(mode, "idlethread") == 0)
		return idle_thread_frees();
	if (strcmp(mode, "cancel") == 0)
		return cancel_at_testcancel();
	if (strcmp(mode, "threads") == 0 && argc > 2)
		return threads_one_by_one(atoi(argv[2]));
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
