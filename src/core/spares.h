/* spares: per-thread buffers of threads that ended, kept for the next.
 *
 * A thread's walk cache (stackwalk.c, 84 KiB), frame buffer (unwind.c)
 * and contexts cache (contexts.c, 68 KiB) are mapped at its first
 * allocation and were unmapped at its exit.  A
 * program whose threads come and go (a pool's workers, a thread per
 * request) then paid, per thread, the new pages' faults and an munmap
 * whose TLB shoot-down interrupts every other thread: 20,000 short threads
 * took 13 s under heapsnap against 1.35 s natively.  A few buffers are
 * kept instead, each slot taken or filled by one atomic exchange (no
 * lock: this runs in a thread's exit and in its first allocation).
 */
#ifndef HS_SPARES_H
#define HS_SPARES_H

#include <stdatomic.h>
#include <stddef.h>

#define HS_SPARES 16

/* Keep p in an empty slot; 0 when all are full (the caller unmaps it). */
static inline int hs_spares_put(_Atomic(void *) *slots, void *p)
{
	for (unsigned i = 0; i < HS_SPARES; i++) {
		void *empty = NULL;
		if (atomic_compare_exchange_strong(&slots[i], &empty, p))
			return 1;
	}
	return 0;
}

/* A kept buffer, or NULL. */
static inline void *hs_spares_take(_Atomic(void *) *slots)
{
	for (unsigned i = 0; i < HS_SPARES; i++) {
		if (atomic_load_explicit(&slots[i], memory_order_relaxed) == NULL)
			continue;
		void *p = atomic_exchange(&slots[i], NULL);
		if (p != NULL)
			return p;
	}
	return NULL;
}

#endif
