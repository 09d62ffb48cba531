/* stackbounds: where each thread's stack is, found without locks.
 *
 * The fast walk (stackwalk.c) reads only inside [lo, hi) of the thread
 * it runs on.  The bounds are needed on a thread's first allocation,
 * which may happen inside any libc function: pthread_getattr_np, the
 * usual source, holds the thread's lock while it allocates (fopen of
 * /proc/self/maps on the main thread, the affinity mask on every thread),
 * so asking it from inside malloc deadlocks (Rust's and HotSpot's
 * start-up).  Every function here uses raw system calls and fixed
 * buffers only: no libc lock, no allocation, no cancellation point.
 *
 * Sources (doc/design.md, "Stack bounds"): the main thread's stack is the
 * mapping holding __libc_stack_end, extended down to RLIMIT_STACK or the
 * mapping below, read once at start-up; any other thread's is the mapping
 * holding its stack pointer, capped at its thread control block (glibc
 * puts it just above the stack), and only if that block is there.
 */
#ifndef HS_STACKBOUNDS_H
#define HS_STACKBOUNDS_H

#include <stdint.h>

/* Find the main thread's stack (once, at start-up). */
void hs_stackbounds_init(void);

/* The calling thread's own stack, which holds sp, its stack pointer:
 * [*lo, *hi), every byte of it mapped.  Returns 0, or -1 when sp is not
 * on a stack known to be the thread's own (a signal or coroutine stack,
 * a thread glibc did not create, no /proc): then do not walk. */
int hs_stackbounds_find(uintptr_t sp, uintptr_t *lo, uintptr_t *hi);

#endif
