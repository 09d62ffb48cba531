/* unwind: capturing the caller's stack on every allocation.
 *
 * The only module that includes libunwind.h.  hs_unwind_init runs once at
 * start-up (caching policy, the address range of libheapsnap.so itself);
 * hs_unwind_capture then fills a caller-provided array with return
 * addresses minus one, innermost first, and says where the frames outside
 * our own begin.  It walks
 * with stackwalk.h's cached CFI rules and falls back to libunwind's
 * unw_backtrace for any stack that walk cannot handle.  Nothing here
 * allocates through malloc or locks.
 */
#ifndef HS_UNWIND_H
#define HS_UNWIND_H

#include <stdint.h>

/* Set up libunwind, find our own code's address range; fast: also use
 * the stackwalk.h walker. */
void hs_unwind_init(int fast);

/* Whether pc is in libunwind's code.  libunwind checks addresses by
 * writing them to a pipe it opens at its start (and again when the pipe
 * was closed); lifecycle.c's pipe2 moves that pipe above the program's
 * descriptors when libunwind asks (its 3 and 4 were libunwind's, and
 * libunwind read and wrote the program's files at those numbers). */
int hs_unwind_owns_pc(uintptr_t pc);

/* Room a capture buffer needs beyond max frames: the recorder's own. */
#define HS_UNWIND_OWN_FRAMES 8

/* Capture at most max frames of the current stack into this thread's
 * scratch buffer, innermost first, and point *frames at the first one
 * outside libheapsnap.so (no copy: this runs on every malloc).  Returns
 * the count from *frames on; 0 (and *frames NULL) when the thread has no
 * buffer (out of memory).  The buffer is reused by the thread's next
 * capture: callers raise the preload guard, so a signal handler's malloc
 * in between takes no capture.  It is not on the stack: a malloc in a
 * handler on an 8 KiB alternate stack, or on a 16 KiB thread stack, must
 * not need 2 KiB more of it than natively. */
unsigned hs_unwind_capture(unsigned max, const uintptr_t **frames);

#endif
