/* execprog: start the program as a shell would, cheaply, and say why it
 * cannot run as a shell does.
 *
 * execvp searches PATH and, for a file the kernel refuses (ENOEXEC), runs
 * /bin/sh on it: a script without "#!" then runs, as in a shell, but so
 * does a damaged binary, and sh prints its bytes back as syntax errors.
 * And a script whose "#!" interpreter is missing fails with ENOENT, which
 * reads as if the script itself were missing.  Shells tell these apart;
 * so does the launcher.
 *
 * The child shares the launcher's memory until its exec (clone with
 * CLONE_VM | CLONE_VFORK, as posix_spawn does): a fork copied the
 * launcher's page tables (libdw and all) and the exec then tore them
 * down, 1.5-2 ms of every run's start.  posix_spawn itself cannot be
 * used: the program's environment names its own pid (HEAPSNAP_EXEC_PID),
 * which only the child knows.  So the child does system calls only; what
 * needs the heap (the environment, the descriptors' numbers) the caller
 * prepares.
 */
#ifndef HS_EXECPROG_H
#define HS_EXECPROG_H

#include <stddef.h>
#include <sys/types.h>

/* Room for a pid in decimal, with its NUL. */
#define HS_SPAWN_PID_ROOM 24

struct hs_spawn {
	char *const *argv; /* argv[0] looked up in PATH when it has no slash */
	char *const *envp; /* the program's environment */
	/* NULL, or HS_SPAWN_PID_ROOM bytes at the end of one of envp's
	 * strings, where the child writes its pid. */
	char *pid_slot;
	/* Descriptors the program inherits: close-on-exec in the caller,
	 * that flag cleared in the child only. */
	const int *keep_fds;
	size_t n_keep_fds;
	/* When the exec fails with E2BIG: e2big_line (one line) on stderr,
	 * then the program run with e2big_envp, keep_fds closed at the exec.
	 * NULL: no second try. */
	char *const *e2big_envp;
	const char *e2big_line;
};

/* Start sp's program in a child.  Returns the child's pid, or -1 (errno
 * set) when no child could be made.  A program that cannot run ends the
 * child with one line on stderr ("heapsnap: cannot run 'PROG': why") and
 * the status a shell exits with (127: not found; 126: found, cannot be
 * run). */
pid_t hs_spawn_program(const struct hs_spawn *sp);

#endif
