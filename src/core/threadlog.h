/* threadlog: per-thread logs of heap events, recorded in batches.
 *
 * In a process with several threads, every malloc and free taking the
 * recorder's lock makes the threads queue on it (with 4 threads on 2
 * cores, a preempted holder stalls the others for a time slice).  So
 * each thread appends its events to a log of its own, without a lock,
 * and the recorder takes its lock once per HS_TLOG_EVENTS events to
 * apply every thread's pending events (hs_tlog_drain).
 *
 * Order.  Each log is applied in its own order.  Across threads, two
 * events on one address must be applied in the order they happened:
 * - a free is logged before the block is released, and the block goes
 *   back to malloc only once the free has been applied (the owner of the
 *   log releases it, hs_tlog_release), so nobody can be handed its
 *   address before that: a later allocation at that address never meets
 *   the old block in the table;
 * - an allocation is logged before malloc returns, so a free of the
 *   block in another thread finds it either applied or in some log: the
 *   drain then holds that free back (the apply callback says it must
 *   wait) and applies other logs first.  A free whose block is in no log
 *   at all (never recorded) is applied as unknown once nothing else can
 *   move.
 * Snapshots thus see the events of different threads interleaved a batch
 * at a time: each is exact for the events applied by then (a beginning of
 * every thread's), the final one for all; a peak between batches may be
 * missed by at most a batch's bytes per thread.
 *
 * Logs live in mmap memory and are never unmapped: another thread may be
 * draining a log while its owner exits.  An exited thread's log is
 * reused by the next new thread.  The caller raises the preload guard.
 */
#ifndef HS_THREADLOG_H
#define HS_THREADLOG_H

#include <stdint.h>

#include "blocks.h"

/* Events per log.  The owner tries the lock once half of them are
 * pending (if another thread holds it, that one is probably draining this
 * log already) and waits for it only when the log is full.  With 64, 4
 * threads on 2 cores spent a third of their time handing the lock and the
 * recorder's tables between the cores (alloc_deep 4 threads: 5.1x native
 * CPU, against 3.6x with the threads on one core). */
#define HS_TLOG_EVENTS 512

/* Bytes a log may hold pending (its allocations' requests, its frees'
 * chunks): past them the log counts as full.  This bounds what a thread
 * that frees and then sleeps keeps from malloc, and the bytes by which a
 * snapshot may lag a thread's events. */
#define HS_TLOG_BYTES ((uint64_t)1 << 20)

/* The ctx of a logged free (an allocation's is a context id). */
#define HS_TLOG_FREE UINT32_MAX

struct hs_tlog;

/* What the recorder does with events, called with its lock held. */
struct hs_tlog_ops {
	/* Apply ev; return 1 to hold it back (a free whose block is not in
	 * the table yet), 0 when done.  With force set it must be done. */
	int (*apply)(const struct hs_block *ev, int force);
	/* Start loading what apply will touch for ev. */
	void (*prefetch)(const struct hs_block *ev);
	/* The calling thread is exiting with log l pending: take the
	 * recorder's lock, drain, release (hs_tlog_release). */
	void (*thread_exit)(struct hs_tlog *l);
};

/* Set the recorder's callbacks (once, before the first log). */
void hs_tlog_set_ops(const struct hs_tlog_ops *ops);

/* This thread's log, made on first use; NULL when it has none (no memory,
 * or the thread is exiting): its events then take the lock at once. */
struct hs_tlog *hs_tlog_mine(void);

/* A log of no thread, for the tests (never reused). */
struct hs_tlog *hs_tlog_new(void);

/* Append ev to l (its owner only; l has room).  Returns how many events
 * are pending (appended, not yet released): at HS_TLOG_EVENTS the owner
 * must drain (under the recorder's lock) and release before the next. */
unsigned hs_tlog_append(struct hs_tlog *l, const struct hs_block *ev);

/* How many events of l are pending: not yet applied, or applied with
 * their blocks not yet released. */
unsigned hs_tlog_pending(const struct hs_tlog *l);

/* Apply every log's pending events (recorder's lock held). */
void hs_tlog_drain(void);

/* Drop every log's pending events unapplied (recorder's lock held): a new
 * recording must not see the last one's. */
void hs_tlog_discard(void);

/* Hand release the blocks of l's applied frees (its owner, no lock). */
void hs_tlog_release(struct hs_tlog *l, void (*release)(void *));

/* In a fork child, after draining: the other threads are gone, their
 * logs become free for reuse (their unreleased blocks stay allocated). */
void hs_tlog_atfork_child(void);

#endif
