/* freeq: frees recorded a few calls late, so that their cache misses overlap.
 *
 * Removing a freed block from the recorder's table is one cache (and TLB)
 * miss per free, and nothing in free can hide it.  While the process has
 * a single thread, nobody else can be handed a freed address back, so the
 * block may be released at once and its removal recorded HS_FREEQ_DEPTH
 * frees later: its table slot is prefetched now and is in cache by then.
 * Runs of frees (a tree torn down, a garbage collection) then cost the
 * recorder a fraction of a miss each.
 *
 * The recorder still sees every event in program order: anything else it
 * records (an allocation, a realloc, the final snapshot, a fork) first
 * takes the deferred frees (hs_freeq_flush).  With more than one thread,
 * frees go into the thread's log and the block is released once the free
 * is recorded (hs_rec_free_logged), but a big block (64 KiB or more) is
 * recorded and released at once; frees deferred while the process had
 * one thread are taken, under a lock, by whichever thread next enters the
 * recorder, before it logs anything.  Callers raise the preload guard.
 */
#ifndef HS_FREEQ_H
#define HS_FREEQ_H

/* Frees in flight at most. */
#define HS_FREEQ_DEPTH 16

/* Record the free of p (not NULL, recording started) and release it. */
void hs_freeq_free(void *p);

/* Record every deferred free now. */
void hs_freeq_flush(void);

/* How many frees are deferred now (for the tests). */
unsigned hs_freeq_pending(void);

#endif
