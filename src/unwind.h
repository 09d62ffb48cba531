/* unwind: capturing the caller's stack on every allocation.
 *
 * The only module that includes libunwind.h.  hs_unwind_init runs once at
 * start-up (caching policy, the address range of libheapsnap.so itself);
 * hs_unwind_capture then fills a caller-provided array with return
 * addresses minus one, innermost first, our own frames stripped.  Nothing
 * here allocates or locks (libunwind's per-thread cache is thread-local).
 */
#ifndef HS_UNWIND_H
#define HS_UNWIND_H

#include <stdint.h>

/* Set up libunwind and find our own code's address range. */
void hs_unwind_init(void);

/* Capture at most max frames of the current stack into frames, innermost
 * first, dropping the frames inside libheapsnap.so.  Returns the count. */
unsigned hs_unwind_capture(uintptr_t *frames, unsigned max);

#endif
