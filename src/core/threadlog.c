/* threadlog: per-thread logs of heap events (see threadlog.h). */
#include "config.h"

#include "threadlog.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#include "arena.h"

_Static_assert((HS_TLOG_EVENTS & (HS_TLOG_EVENTS - 1)) == 0, "a power of two: counters wrap");

/* A log is a ring: the owner appends at tail, the drain (under the
 * recorder's lock) applies from head, the owner releases the blocks of
 * applied frees from released.  released <= head <= tail, tail - released
 * <= HS_TLOG_EVENTS; the counters run on and wrap.  Owner and drain write
 * different cache lines. */
struct hs_tlog {
	_Alignas(64) _Atomic unsigned tail; /* owner: events appended */
	unsigned released;                  /* owner: events whose blocks went back */
	_Alignas(64) _Atomic unsigned head; /* drain: events applied */
	unsigned target;                    /* drain: where this drain stops */
	struct hs_tlog *next;               /* the registry; never unlinked */
	_Atomic int reusable;               /* the owner exited; a new thread may claim it */
	struct hs_block ev[HS_TLOG_EVENTS];
};

static _Atomic(struct hs_tlog *) g_logs;
static struct hs_tlog_ops g_ops;

/* This thread's log; LOG_NONE when it has none (exited, or failed). */
#define LOG_NONE ((struct hs_tlog *)1)
static __thread struct hs_tlog *tl_log __attribute__((tls_model("initial-exec")));
static pthread_key_t g_key;
static int g_key_ok;
static pthread_once_t g_key_once = PTHREAD_ONCE_INIT;

void hs_tlog_set_ops(const struct hs_tlog_ops *ops)
{
	g_ops = *ops;
}

/* Thread exit: the recorder applies and releases what is left, then the
 * log waits for the next new thread.  Later events of this thread (other
 * destructors) take the lock at once. */
static void on_thread_exit(void *arg)
{
	struct hs_tlog *l = arg;
	tl_log = LOG_NONE;
	if (g_ops.thread_exit != NULL)
		g_ops.thread_exit(l);
	atomic_store_explicit(&l->reusable, 1, memory_order_release);
}

static void make_key(void)
{
	g_key_ok = pthread_key_create(&g_key, on_thread_exit) == 0;
}

/* An exited thread's log, or NULL. */
static struct hs_tlog *claim_reusable(void)
{
	for (struct hs_tlog *l = atomic_load_explicit(&g_logs, memory_order_acquire); l != NULL;
	     l = l->next) {
		int one = 1;
		if (atomic_load_explicit(&l->reusable, memory_order_relaxed) &&
		    atomic_compare_exchange_strong(&l->reusable, &one, 0))
			return l;
	}
	return NULL;
}

/* A fresh log, in the registry. */
static struct hs_tlog *make_log(void)
{
	struct hs_tlog *l = hs_arena_map(sizeof *l);
	if (l == NULL)
		return NULL;
	struct hs_tlog *first = atomic_load_explicit(&g_logs, memory_order_relaxed);
	do
		l->next = first;
	while (!atomic_compare_exchange_weak_explicit(&g_logs, &first, l, memory_order_release,
						      memory_order_relaxed));
	return l;
}

struct hs_tlog *hs_tlog_new(void)
{
	return make_log();
}

struct hs_tlog *hs_tlog_mine(void)
{
	struct hs_tlog *l = tl_log;
	if (__builtin_expect(l != NULL, 1))
		return l == LOG_NONE ? NULL : l;
	tl_log = LOG_NONE; /* until it is ready */
	pthread_once(&g_key_once, make_key);
	if (!g_key_ok)
		return NULL;
	l = claim_reusable();
	if (l == NULL)
		l = make_log();
	if (l == NULL)
		return NULL;
	if (pthread_setspecific(g_key, l) != 0) {
		atomic_store_explicit(&l->reusable, 1, memory_order_release);
		return NULL;
	}
	tl_log = l;
	return l;
}

unsigned hs_tlog_append(struct hs_tlog *l, const struct hs_block *ev)
{
	unsigned t = atomic_load_explicit(&l->tail, memory_order_relaxed);
	l->ev[t & (HS_TLOG_EVENTS - 1)] = *ev;
	/* Release: a drain that sees the new tail sees the event. */
	atomic_store_explicit(&l->tail, t + 1, memory_order_release);
	return t + 1 - l->released;
}

unsigned hs_tlog_pending(const struct hs_tlog *l)
{
	return atomic_load_explicit(&l->tail, memory_order_relaxed) - l->released;
}

/* Apply l's events up to its target; stop at one held back.  Returns
 * whether any was applied; *held is set when one was held back. */
static int apply_log(struct hs_tlog *l, int *held)
{
	unsigned h = atomic_load_explicit(&l->head, memory_order_relaxed);
	unsigned start = h;
	for (unsigned k = h; k != l->target; k++)
		g_ops.prefetch(&l->ev[k & (HS_TLOG_EVENTS - 1)]);
	for (; h != l->target; h++) {
		if (g_ops.apply(&l->ev[h & (HS_TLOG_EVENTS - 1)], 0)) {
			*held = 1;
			break;
		}
	}
	/* Release: the owner frees a block only after seeing its free applied. */
	atomic_store_explicit(&l->head, h, memory_order_release);
	return h != start;
}

/* Set every log's target to its tail now. */
static void read_targets(void)
{
	for (struct hs_tlog *l = atomic_load_explicit(&g_logs, memory_order_acquire); l != NULL;
	     l = l->next)
		l->target = atomic_load_explicit(&l->tail, memory_order_acquire);
}

/* Whether some log holds an allocation at ptr not applied yet. */
static int alloc_pending(uintptr_t ptr)
{
	for (struct hs_tlog *l = atomic_load_explicit(&g_logs, memory_order_acquire); l != NULL;
	     l = l->next) {
		unsigned t = atomic_load_explicit(&l->tail, memory_order_acquire);
		for (unsigned k = atomic_load_explicit(&l->head, memory_order_relaxed); k != t;
		     k++) {
			const struct hs_block *ev = &l->ev[k & (HS_TLOG_EVENTS - 1)];
			if (ev->ctx != HS_TLOG_FREE && ev->ptr == ptr)
				return 1;
		}
	}
	return 0;
}

/* Nothing can move: apply a free held back whose block is in no log (it
 * was never recorded: the others wait on allocations behind it), or,
 * should every one have an allocation pending (a stale entry), the first. */
static void force_one(void)
{
	struct hs_tlog *first = NULL;
	for (struct hs_tlog *l = atomic_load_explicit(&g_logs, memory_order_acquire); l != NULL;
	     l = l->next) {
		unsigned h = atomic_load_explicit(&l->head, memory_order_relaxed);
		if (h == l->target)
			continue;
		if (first == NULL)
			first = l;
		if (!alloc_pending(l->ev[h & (HS_TLOG_EVENTS - 1)].ptr)) {
			first = l;
			break;
		}
	}
	if (first == NULL)
		return;
	unsigned h = atomic_load_explicit(&first->head, memory_order_relaxed);
	g_ops.apply(&first->ev[h & (HS_TLOG_EVENTS - 1)], 1);
	atomic_store_explicit(&first->head, h + 1, memory_order_release);
}

/* How many times a drain stuck on held-back frees reads the tails again
 * before applying one as unknown: a free is read only after its block's
 * allocation was logged, so one reading suffices; the bound keeps threads
 * that log without pause from holding the drain. */
#define HS_TLOG_REREADS 2

void hs_tlog_drain(void)
{
	unsigned rereads = 0;
	read_targets();
	for (;;) {
		int progress = 0, held = 0;
		for (struct hs_tlog *l = atomic_load_explicit(&g_logs, memory_order_acquire);
		     l != NULL; l = l->next)
			progress |= apply_log(l, &held);
		if (!held)
			return;
		if (progress)
			continue;
		if (rereads < HS_TLOG_REREADS) {
			rereads++;
			read_targets();
			continue;
		}
		force_one();
	}
}

void hs_tlog_discard(void)
{
	for (struct hs_tlog *l = atomic_load_explicit(&g_logs, memory_order_acquire); l != NULL;
	     l = l->next)
		atomic_store_explicit(&l->head,
				      atomic_load_explicit(&l->tail, memory_order_acquire),
				      memory_order_release);
}

void hs_tlog_release(struct hs_tlog *l, void (*release)(void *))
{
	unsigned h = atomic_load_explicit(&l->head, memory_order_acquire);
	for (unsigned r = l->released; r != h; r++) {
		const struct hs_block *ev = &l->ev[r & (HS_TLOG_EVENTS - 1)];
		if (ev->ctx == HS_TLOG_FREE && release != NULL)
			release((void *)ev->ptr);
	}
	l->released = h;
}

void hs_tlog_atfork_child(void)
{
	struct hs_tlog *mine = tl_log;
	for (struct hs_tlog *l = atomic_load_explicit(&g_logs, memory_order_acquire); l != NULL;
	     l = l->next) {
		if (l == mine || atomic_load_explicit(&l->reusable, memory_order_relaxed))
			continue;
		/* Its owner is gone: nobody appends; its unreleased blocks
		 * stay allocated in this process. */
		unsigned h = atomic_load_explicit(&l->head, memory_order_relaxed);
		atomic_store_explicit(&l->tail, h, memory_order_relaxed);
		l->released = h;
		atomic_store_explicit(&l->reusable, 1, memory_order_release);
	}
}
