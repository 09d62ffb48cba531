/* inspect: whether libheapsnap.so can record a program at all.
 *
 * The loader ignores LD_PRELOAD for a static binary and drops it for a
 * secure-execution program (setuid, setgid, file capabilities): each runs
 * fine and records nothing.  The launcher says so, in one line, before it
 * runs the program unchanged.  A program whose malloc is not glibc's (its
 * own, tcmalloc's, jemalloc's) is told apart by libheapsnap.so itself
 * when it starts in it, which says so in one line (allocator.h).
 *
 * A static (or 32-bit) program never loads the library, so it cannot hide
 * it from its children either: what may still be recorded is what the
 * options let the library reach through it, a program it becomes by exec
 * (--follow-exec=yes) or the programs it runs (--trace-children=yes), and
 * the line says so.  With neither, the launcher does not preload at all.
 * Nor does it for a program built with a sanitizer's runtime library
 * (gcc's -fsanitize=address, thread, leak): AddressSanitizer's exits
 * unless it is the first library loaded, and behind ours any of them
 * would be given blocks from glibc's malloc.
 */
#ifndef HS_INSPECT_H
#define HS_INSPECT_H

#include <stddef.h>

enum hs_inspect_kind {
	HS_INSPECT_OK = 0,     /* it can be recorded (or it cannot be read) */
	HS_INSPECT_NO_PRELOAD, /* the loader never loads the library into it:
				* static, or 32-bit */
	HS_INSPECT_UNSEEN,     /* its heap calls are not seen: secure execution
				* (whose loader also drops LD_PRELOAD for its
				* children) */
	HS_INSPECT_SANITIZER,  /* built with a sanitizer runtime library that
				* replaces malloc (AddressSanitizer refuses to
				* start behind a preloaded library): run it
				* without the library at all */
};

/* Why nothing of prog (a name looked up in PATH as execvp does) can be
 * recorded: writes one line's text (no "heapsnap: ", no newline) to msg,
 * worded for the run's --trace-children and --follow-exec, and returns its
 * kind; returns HS_INSPECT_OK when it can be recorded or when prog cannot
 * be read (running it will say why). */
enum hs_inspect_kind hs_inspect_program(const char *prog, int trace_children, int follow_exec,
					char *msg, size_t msg_len);

#endif
