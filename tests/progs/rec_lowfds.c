/* rec_lowfds: a program that counts on its descriptor numbers (and on its
 * own limits).
 *
 * It prints errno as main found it (C promises 0), the number its first
 * open gets, puts its own files at 3 and 4
 * with dup2, allocates in a signal handler on an alternate stack (where
 * the recorder's walker gives way to libunwind, which checks addresses
 * through a pipe of its own), reads fd 3 and writes fd 4, then closes
 * every descriptor from 3 up, allocates in the handler again and opens
 * once more.  Natively and under heapsnap it must print the same lines
 * (tests/recorder/rec_fds.sh).
 *
 * Usage: rec_lowfds DIR (a directory it may write in.txt and out.txt to)
 *        rec_lowfds DIR fork    closes 3..1023, then forks a child that
 *                               allocates and exits; waits for it
 *        rec_lowfds DIR dupover puts its own file at the 64 numbers at the
 *                               top of its descriptor range (dup2), writes
 *                               a line through each, allocates 1 MiB
 *        rec_lowfds DIR smallalt mallocs 1 MiB in a SIGUSR1 handler on an
 *                               8 KiB alternate stack, 100 times
 *        rec_lowfds DIR rawclose allocates 1 MiB, closes 3 and up by a
 *                               close_range system call, allocates 1 MiB
 *        rec_lowfds DIR aslimit lowers its address-space limit to 300 MiB
 *                               (setrlimit RLIMIT_AS) and counts the 1 MiB
 *                               blocks malloc then gives
 *        rec_lowfds DIR openmax allocates 64 KiB, then opens /dev/null
 *                               until the limit stops it: prints how many
 *                               it got and the first number
 *        rec_lowfds DIR daemon  the classic daemon: fork, setsid, fork; the
 *                               grandchild closes every descriptor, works
 *                               after its grandparent has ended, writes
 *                               DIR/daemon.done and exits
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void on_usr1(int sig)
{
	(void)sig;
	/* Big enough to be sampled at --sample=64K, so walked there too. */
	char *volatile p = malloc((size_t)1 << 20);
	free(p);
}

/* on_usr1 as SIGUSR1's handler, on an alternate stack of size bytes at sp. */
static int usr1_on_stack(void *sp, size_t size)
{
	stack_t ss = { .ss_sp = sp, .ss_size = size, .ss_flags = 0 };
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr1;
	sa.sa_flags = SA_ONSTACK;
	return sigaltstack(&ss, NULL) != 0 || sigaction(SIGUSR1, &sa, NULL) != 0 ? -1 : 0;
}

static int at(const char *dir, const char *name, int flags, char *path, size_t len)
{
	snprintf(path, len, "%s/%s", dir, name);
	return open(path, flags, 0644);
}

/* Allocations a child's file must show: 5000 bytes left live. */
static void child_work(void)
{
	for (int i = 0; i < 100; i++)
		free(malloc(100 * (size_t)i));
	char *volatile keep = malloc(5000);
	(void)keep;
}

int main(int argc, char **argv)
{
	char in_path[4096], out_path[4096], buf[64];
	static char alt[1 << 16];
	int errno_at_main = errno; /* C promises 0; the library's start once left EAGAIN */
	if (argc == 3 && strcmp(argv[2], "fork") == 0) {
		for (int k = 3; k < 1024; k++)
			close(k);
		pid_t pid = fork();
		if (pid == 0) {
			child_work();
			_exit(0);
		}
		int status = 0;
		waitpid(pid, &status, 0);
		printf("child status %d\n", status);
		return 0;
	}
	if (argc >= 3 && strcmp(argv[2], "smallalt") == 0) {
		/* The handler's malloc on a small alternate stack: the recorder's
		 * capture took 2 KiB of it. */
		size_t size = argc > 3 ? (size_t)atoi(argv[3]) : 8192;
		/* Mapped, with a page no access below it: an overflow faults
		 * instead of writing over whatever lies there. */
		char *map = mmap(NULL, size + 4096, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (map == MAP_FAILED || mprotect(map, 4096, PROT_NONE) != 0)
			return 1;
		if (usr1_on_stack(map + 4096, size) != 0)
			return 1;
		for (int i = 0; i < 100; i++)
			raise(SIGUSR1);
		printf("handled\n");
		return 0;
	}
	if (argc == 3 && strcmp(argv[2], "rawclose") == 0) {
		/* close_range as a system call of its own: no wrapper sees it. */
		static void *keep[2048];
		for (int i = 0; i < 2048; i++) {
			if (i == 1024)
				syscall(SYS_close_range, 3, ~0U, 0);
			keep[i] = malloc(1024);
			memset(keep[i], 1, 1024);
		}
		printf("done\n");
		return 0;
	}
	if (argc == 3 && strcmp(argv[2], "dupover") == 0) {
		/* Its own file put at every number of the top of its range (where
		 * the recorder keeps its descriptors), a line written through each,
		 * then 1 MiB allocated and kept. */
		struct rlimit lim;
		if (getrlimit(RLIMIT_NOFILE, &lim) != 0)
			return 1;
		int hi = lim.rlim_cur > 1064 ? 1063 : (int)lim.rlim_cur - 1, lo = hi - 63;
		int fd = at(argv[1], "dup.txt", O_WRONLY | O_CREAT | O_TRUNC, in_path, sizeof in_path);
		for (int n = lo; n <= hi; n++)
			if (n != fd && (dup2(fd, n) != n || write(n, "x\n", 2) != 2))
				return 1;
		static void *keep[1024];
		for (int i = 0; i < 1024; i++) {
			keep[i] = malloc(1024);
			memset(keep[i], 1, 1024);
		}
		struct stat st;
		printf("dup.txt: %lld bytes\n", fstat(fd, &st) == 0 ? (long long)st.st_size : -1LL);
		for (int n = lo; n <= hi; n++)
			close(n);
		return 0;
	}
	if (argc == 3 && strcmp(argv[2], "openmax") == 0) {
		char *volatile keep = malloc((size_t)64 << 10);
		int n = 0, first = -1;
		(void)keep;
		for (;;) {
			int fd = open("/dev/null", O_RDONLY);
			if (fd < 0)
				break;
			if (first < 0)
				first = fd;
			n++;
		}
		printf("opened %d, first fd %d, then errno %d\n", n, first, errno);
		return 0;
	}
	if (argc == 3 && strcmp(argv[2], "aslimit") == 0) {
		struct rlimit lim = { (rlim_t)300 << 20, (rlim_t)300 << 20 };
		if (setrlimit(RLIMIT_AS, &lim) != 0)
			return 1;
		int n = 0;
		while (n < 1000 && malloc((size_t)1 << 20) != NULL)
			n++;
		printf("%d\n", n);
		return 0;
	}
	if (argc == 3 && strcmp(argv[2], "daemon") == 0) {
		pid_t pid = fork();
		if (pid > 0) {
			waitpid(pid, NULL, 0);
			printf("parent done\n");
			return 0;
		}
		setsid();
		if (fork() > 0)
			_exit(0);
		for (int k = 0; k < 1024; k++)
			close(k);
		open("/dev/null", O_RDWR);
		usleep(300000); /* the launcher has ended by now */
		child_work();
		int fd = at(argv[1], "daemon.done", O_WRONLY | O_CREAT | O_TRUNC, in_path,
			    sizeof in_path);
		close(fd);
		return 0;
	}
	if (argc != 2)
		return 2;
	printf("errno at main: %d\n", errno_at_main);
	int fd = at(argv[1], "in.txt", O_WRONLY | O_CREAT | O_TRUNC, in_path, sizeof in_path);
	printf("first open: fd %d\n", fd);
	if (fd < 0 || write(fd, "root:x:0:0\n", 11) != 11)
		return 1;
	close(fd);

	int in = open(in_path, O_RDONLY);
	int out = at(argv[1], "out.txt", O_WRONLY | O_CREAT | O_TRUNC, out_path, sizeof out_path);
	if (in < 0 || out < 0 || dup2(in, 3) != 3 || dup2(out, 4) != 4)
		return 1;
	if (in != 3 && in != 4)
		close(in);
	if (out != 3 && out != 4)
		close(out);

	if (usr1_on_stack(alt, sizeof alt) != 0)
		return 1;
	raise(SIGUSR1);
	raise(SIGUSR1);

	ssize_t n = read(3, buf, 4);
	buf[n > 0 ? n : 0] = '\0';
	printf("read fd 3: %zd '%s'\n", n, buf);
	printf("write fd 4: %zd\n", write(4, "END\n", 4));
	close(4);
	fd = open(out_path, O_RDONLY);
	n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
	buf[n > 0 ? n : 0] = '\0';
	printf("out.txt: %zd bytes '%s'\n", n, strtok(buf, "\n") ? buf : "");
	close(fd);

	/* A daemon's start: every descriptor from 3 closed, then work. */
	for (int k = 3; k < 1024; k++)
		close(k);
	raise(SIGUSR1);
	fd = open(in_path, O_RDONLY);
	printf("after closing 3..1023, open: fd %d\n", fd);
	n = fd >= 0 ? read(fd, buf, 4) : -1;
	buf[n > 0 ? n : 0] = '\0';
	printf("read: %zd '%s'\n", n, buf);
	return 0;
}
