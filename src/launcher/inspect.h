/* inspect: whether libheapsnap.so can record a program at all.
 *
 * The loader ignores LD_PRELOAD for a static binary, drops it for a
 * secure-execution program (setuid, setgid, file capabilities), and a
 * program whose executable defines malloc itself binds every call to its
 * own: each runs fine and records nothing.  The launcher says so, in one
 * line, before it runs the program unchanged.
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
