/* unwind: capturing the caller's stack on every allocation.
 *
 * The only module that includes libunwind.h.  hs_unwind_init runs once at
 * start-up (caching policy, the address range of libheapsnap.so itself);
 * hs_unwind_capture then fills a caller-provided array with return
 * addresses minus one, innermost first, our own frames stripped.  It walks
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

/* Capture at most max frames of the current stack into frames, innermost
 * first, dropping the frames inside libheapsnap.so.  Returns the count. */
unsigned hs_unwind_capture(uintptr_t *frames, unsigned max);

#endif
