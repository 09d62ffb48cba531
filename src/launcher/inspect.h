/* inspect: whether libheapsnap.so can record a program at all.
 *
 * The loader ignores LD_PRELOAD for a static binary and drops it for a
 * secure-execution program (setuid, setgid, file capabilities): each runs
 * fine and records nothing.  The launcher says so, in one line, before it
 * runs the program unchanged.  A program whose malloc is not glibc's (its
 * own, tcmalloc's, jemalloc's) is told apart by libheapsnap.so itself
 * when it starts in it, which says so in one line (allocator.h).
 */
#ifndef HS_INSPECT_H
#define HS_INSPECT_H

#include <stddef.h>

/* Why nothing of prog (a name looked up in PATH as execvp does) can be
 * recorded: writes one line's text (no "heapsnap: ", no newline) to msg
 * and returns 1; returns 0 when it can be recorded or when prog cannot
 * be read (running it will say why). */
int hs_inspect_program(const char *prog, char *msg, size_t msg_len);

#endif
