/* execprog: run the program as a shell would, and say why it cannot run
 * as a shell does.
 *
 * execvp searches PATH and, for a file the kernel refuses (ENOEXEC), runs
 * /bin/sh on it: a script without "#!" then runs, as in a shell, but so
 * does a damaged binary, and sh prints its bytes back as syntax errors.
 * And a script whose "#!" interpreter is missing fails with ENOENT, which
 * reads as if the script itself were missing.  Shells tell these apart;
 * so does the launcher.
 */
#ifndef HS_EXECPROG_H
#define HS_EXECPROG_H

#include <stddef.h>

/* Exec argv (argv[0] looked up in PATH when it has no slash) with the
 * current environment.  Returns only when it cannot run: the reason in
 * msg (one line, no newline) and the status a shell exits with (127: not
 * found; 126: found, cannot be run), errno the exec's error. */
int hs_exec_program(char *const argv[], char *msg, size_t msg_len);

#endif
