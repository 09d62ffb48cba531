/* execprog: start the program as a shell would (see execprog.h). */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "execprog.h"

/* What bash reads to tell a binary from a script. */
#define HEAD_BYTES 80

/* The first bytes of path into head; their count, or -1. */
static ssize_t read_head(const char *path, char *head, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, head, len);
	close(fd);
	return n;
}

/* Whether the file is a binary, not a script without "#!": an ELF
 * header, or a NUL byte in its first line (bash's test). */
static int looks_binary(const char *head, ssize_t n)
{
	if (n >= SELFMAG && memcmp(head, ELFMAG, SELFMAG) == 0)
		return 1;
	for (ssize_t i = 0; i < n && head[i] != '\n'; i++)
		if (head[i] == '\0')
			return 1;
	return 0;
}

/* The child's stack: the search's paths and the messages, a few KiB. */
#define HS_SPAWN_STACK ((size_t)128 << 10)

/* What the child reads, on the caller's stack (shared until the exec). */
struct child {
	const struct hs_spawn *sp;
	char **sh_argv; /* argv's length + 2: for a script without "#!" */
	sigset_t mask;  /* the caller's signal mask: the program's */
};

/* A script the kernel would not run: through /bin/sh, as execvp and the
 * shells do.  Returns errno when even that fails. */
static int exec_with_sh(const char *path, char *const argv[], char *const envp[], char **sh_argv)
{
	size_t n = 0;
	while (argv[n] != NULL)
		n++;
	sh_argv[0] = (char *)"/bin/sh";
	sh_argv[1] = (char *)path;
	for (size_t i = 1; i <= n; i++)
		sh_argv[i + 1] = argv[i];
	execve("/bin/sh", sh_argv, envp);
	return errno;
}

/* Why the exec of path failed with err, into msg; the shell's status. */
static int explain_why(const char *path, char *const argv[], char *const envp[], char **sh_argv,
		       int err, char *msg, size_t msg_len)
{
	char head[HEAD_BYTES + 1];
	ssize_t n = err == ENOEXEC || err == ENOENT ? read_head(path, head, HEAD_BYTES) : -1;
	struct stat st;

	if (err == ENOEXEC && n >= 0) {
		if (looks_binary(head, n)) {
			snprintf(msg, msg_len, "cannot execute binary file: %s", strerror(err));
			return 126;
		}
		err = exec_with_sh(path, argv, envp, sh_argv);
	} else if (err == ENOENT && n >= 2 && head[0] == '#' && head[1] == '!') {
		/* The file is there: what is missing is its interpreter. */
		head[n] = '\0';
		char *interp = head + 2 + strspn(head + 2, " \t");
		interp[strcspn(interp, " \t\r\n")] = '\0';
		snprintf(msg, msg_len, "%s: bad interpreter: %s", interp, strerror(err));
		return 127; /* bash 5's status */
	} else if (err == ENOENT && n >= 0 && looks_binary(head, n)) {
		/* An ELF whose loader (PT_INTERP) is not on this system. */
		snprintf(msg, msg_len, "cannot execute: required file not found (its loader)");
		return 127;
	} else if (err == EACCES && stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(msg, msg_len, "Is a directory");
		return 126;
	}
	snprintf(msg, msg_len, "%s", strerror(err));
	return err == ENOENT || err == ENOTDIR ? 127 : 126;
}

/* explain_why, with errno left at the exec's error (exec_search). */
static int explain(const char *path, char *const argv[], char *const envp[], char **sh_argv,
		   int err, char *msg, size_t msg_len)
{
	int status = explain_why(path, argv, envp, sh_argv, err, msg, msg_len);
	errno = err;
	return status;
}

/* Exec argv with envp, argv[0] looked up in PATH when it has no slash.
 * Returns only when it cannot run: the reason in msg, the shell's status,
 * errno the exec's error. */
static int exec_search(char *const argv[], char *const envp[], char **sh_argv, char *msg,
		       size_t msg_len)
{
	const char *prog = argv[0];
	const char *dirs = getenv("PATH");
	char path[PATH_MAX], denied[PATH_MAX];

	if (strchr(prog, '/') != NULL) {
		execve(prog, argv, envp);
		return explain(prog, argv, envp, sh_argv, errno, msg, msg_len);
	}
	/* As execvp: each PATH entry in turn; EACCES is kept for the end if
	 * no later entry runs. */
	if (dirs == NULL)
		dirs = "/bin:/usr/bin";
	denied[0] = '\0';
	while (1) {
		size_t len = strcspn(dirs, ":");
		if ((size_t)snprintf(path, sizeof(path), "%.*s%s%s", (int)len, dirs,
				     len > 0 ? "/" : "", prog) < sizeof(path)) {
			execve(path, argv, envp);
			int err = errno;
			if (err == EACCES) {
				if (denied[0] == '\0')
					snprintf(denied, sizeof(denied), "%s", path);
			} else if (err == ENOENT && access(path, F_OK) == 0) {
				/* its interpreter */
				return explain(path, argv, envp, sh_argv, err, msg, msg_len);
			} else if (err != ENOENT && err != ENOTDIR && err != ESTALE &&
				   err != ENODEV && err != ETIMEDOUT) {
				return explain(path, argv, envp, sh_argv, err, msg, msg_len);
			}
		}
		dirs += len;
		if (*dirs == '\0')
			break;
		dirs++;
	}
	if (denied[0] != '\0')
		return explain(denied, argv, envp, sh_argv, EACCES, msg, msg_len);
	return explain(prog, argv, envp, sh_argv, ENOENT, msg, msg_len);
}

/* Every signal the caller catches back to its default: its handler must
 * not run in a child sharing its memory (exec would reset them anyway). */
static void default_handlers(void)
{
	for (int sig = 1; sig < NSIG; sig++) {
		struct sigaction sa;
		if (sigaction(sig, NULL, &sa) != 0)
			continue; /* not a signal, or glibc's own */
		if ((sa.sa_flags & SA_SIGINFO) == 0 &&
		    (sa.sa_handler == SIG_DFL || sa.sa_handler == SIG_IGN))
			continue;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = SIG_DFL;
		sigaction(sig, &sa, NULL);
	}
}

/* pid in decimal into slot (HS_SPAWN_PID_ROOM bytes). */
static void put_pid(char *slot, pid_t pid)
{
	char digits[HS_SPAWN_PID_ROOM];
	size_t n = 0;
	unsigned long v = (unsigned long)pid;
	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0 && n < sizeof digits - 1);
	for (size_t i = 0; i < n; i++)
		slot[i] = digits[n - 1 - i];
	slot[n] = '\0';
}

/* The child, until its exec: system calls, and snprintf on its stack. */
static int spawn_child(void *arg)
{
	const struct child *c = arg;
	const struct hs_spawn *sp = c->sp;
	char msg[PATH_MAX + 128];

	default_handlers();
	sigprocmask(SIG_SETMASK, &c->mask, NULL);
	if (sp->pid_slot != NULL)
		put_pid(sp->pid_slot, getpid());
	for (size_t k = 0; k < sp->n_keep_fds; k++)
		fcntl(sp->keep_fds[k], F_SETFD, 0);
	int status = exec_search(sp->argv, sp->envp, c->sh_argv, msg, sizeof msg);
	if (errno == E2BIG && sp->e2big_envp != NULL) {
		/* A command line that fits natively, but not with our
		 * variables: it runs as natively, unrecorded, rather than not
		 * at all. */
		if (write(STDERR_FILENO, sp->e2big_line, strlen(sp->e2big_line)) < 0) {
			/* the program runs all the same */
		}
		for (size_t k = 0; k < sp->n_keep_fds; k++)
			fcntl(sp->keep_fds[k], F_SETFD, FD_CLOEXEC);
		status = exec_search(sp->argv, sp->e2big_envp, c->sh_argv, msg, sizeof msg);
	}
	char line[2 * PATH_MAX + 256];
	int n = snprintf(line, sizeof line, "heapsnap: cannot run '%s': %s\n", sp->argv[0], msg);
	if (n > 0 &&
	    write(STDERR_FILENO, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1) < 0) {
		/* its status says it */
	}
	_exit(status);
}

pid_t hs_spawn_program(const struct hs_spawn *sp)
{
	size_t n = 0;
	while (sp->argv[n] != NULL)
		n++;
	struct child c = { .sp = sp, .sh_argv = malloc((n + 2) * sizeof(char *)) };
	void *stack = mmap(NULL, HS_SPAWN_STACK, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (c.sh_argv == NULL || stack == MAP_FAILED) {
		free(c.sh_argv);
		if (stack != MAP_FAILED)
			munmap(stack, HS_SPAWN_STACK);
		errno = ENOMEM;
		return -1;
	}
	/* No handler of ours may run in the child before default_handlers:
	 * every signal blocked across the clone, as posix_spawn does. */
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &c.mask);
	pid_t pid = clone(spawn_child, (char *)stack + HS_SPAWN_STACK,
			  CLONE_VM | CLONE_VFORK | SIGCHLD, &c);
	int err = errno;
	pthread_sigmask(SIG_SETMASK, &c.mask, NULL);
	munmap(stack, HS_SPAWN_STACK);
	free(c.sh_argv);
	errno = err;
	return pid;
}
