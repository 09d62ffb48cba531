/* execprog: run the program as a shell would (see execprog.h). */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* A script the kernel would not run: through /bin/sh, as execvp and the
 * shells do.  Returns errno when even that fails. */
static int exec_with_sh(const char *path, char *const argv[])
{
	size_t n = 0;
	while (argv[n] != NULL)
		n++;
	char **sh_argv = malloc((n + 2) * sizeof(*sh_argv));
	if (sh_argv == NULL)
		return ENOMEM;
	sh_argv[0] = (char *)"/bin/sh";
	sh_argv[1] = (char *)path;
	for (size_t i = 1; i <= n; i++)
		sh_argv[i + 1] = argv[i];
	execv("/bin/sh", sh_argv);
	int err = errno;
	free(sh_argv);
	return err;
}

/* Why the exec of path failed with err, into msg; the shell's status. */
static int explain_why(const char *path, char *const argv[], int err, char *msg, size_t msg_len)
{
	char head[HEAD_BYTES + 1];
	ssize_t n = err == ENOEXEC || err == ENOENT ? read_head(path, head, HEAD_BYTES) : -1;
	struct stat st;

	if (err == ENOEXEC && n >= 0) {
		if (looks_binary(head, n)) {
			snprintf(msg, msg_len, "cannot execute binary file: %s", strerror(err));
			return 126;
		}
		err = exec_with_sh(path, argv);
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

/* explain_why, with errno left at the exec's error (hs_exec_program). */
static int explain(const char *path, char *const argv[], int err, char *msg, size_t msg_len)
{
	int status = explain_why(path, argv, err, msg, msg_len);
	errno = err;
	return status;
}

int hs_exec_program(char *const argv[], char *msg, size_t msg_len)
{
	const char *prog = argv[0];
	const char *dirs = getenv("PATH");
	char path[PATH_MAX], denied[PATH_MAX];

	if (strchr(prog, '/') != NULL) {
		execv(prog, argv);
		return explain(prog, argv, errno, msg, msg_len);
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
			execv(path, argv);
			int err = errno;
			if (err == EACCES) {
				if (denied[0] == '\0')
					snprintf(denied, sizeof(denied), "%s", path);
			} else if (err == ENOENT && access(path, F_OK) == 0) {
				return explain(path, argv, err, msg, msg_len); /* its interpreter */
			} else if (err != ENOENT && err != ENOTDIR && err != ESTALE &&
				   err != ENODEV && err != ETIMEDOUT) {
				return explain(path, argv, err, msg, msg_len);
			}
		}
		dirs += len;
		if (*dirs == '\0')
			break;
		dirs++;
	}
	if (denied[0] != '\0')
		return explain(denied, argv, EACCES, msg, msg_len);
	return explain(prog, argv, ENOENT, msg, msg_len);
}
