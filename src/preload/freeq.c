/* freeq: deferred recording of frees in a single-threaded process (see
 * freeq.h). */
#include "config.h"

#include "freeq.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "recorder.h"

extern void __libc_free(void *p);

/* With threads, a block of at least this size is recorded and released at
 * once, not held in the thread's log: a thread that frees a big buffer and
 * then sleeps must not keep it from the system. */
#define HS_FREE_NOW_BYTES ((size_t)64 << 10)

/* The size of glibc's chunk behind block p, from the header word just
 * before it (the size, with three flag bits below).  free reads that word
 * anyway; malloc_usable_size also reads the next chunk's header to check
 * p is in use, a cache miss per free (6% of alloc_deep_4t's profile). */
static size_t chunk_bytes(const void *p)
{
	size_t header;
	memcpy(&header, (const char *)p - sizeof header, sizeof header);
	return header & ~(size_t)7;
}

/* A ring of released blocks whose free is not recorded yet, oldest at
 * head.  Filled only while the process has one thread; once it has more,
 * emptied under the lock. */
static struct {
	void *blocks[HS_FREEQ_DEPTH];
	unsigned head;
	_Atomic unsigned n;
} g_queue;

static pthread_mutex_t g_queue_lock = PTHREAD_MUTEX_INITIALIZER;

/* Record the oldest deferred free.  The count drops after the record, so
 * a thread that sees the queue empty knows every free in it is recorded
 * (its address may be handed out again and logged). */
static void take_oldest(void)
{
	void *p = g_queue.blocks[g_queue.head];
	g_queue.head = (g_queue.head + 1) % HS_FREEQ_DEPTH;
	hs_rec_free(p);
	atomic_store_explicit(&g_queue.n,
			      atomic_load_explicit(&g_queue.n, memory_order_relaxed) - 1,
			      memory_order_release);
}

void hs_freeq_flush(void)
{
	if (atomic_load_explicit(&g_queue.n, memory_order_acquire) == 0)
		return;
	if (hs_single_threaded()) {
		while (atomic_load_explicit(&g_queue.n, memory_order_relaxed) != 0)
			take_oldest();
		return;
	}
	/* Frees deferred before the second thread started: whoever comes
	 * first records them, before its own event. */
	pthread_mutex_lock(&g_queue_lock);
	while (atomic_load_explicit(&g_queue.n, memory_order_relaxed) != 0)
		take_oldest();
	pthread_mutex_unlock(&g_queue_lock);
}

void hs_freeq_free(void *p)
{
	if (!hs_single_threaded()) {
		/* Logged, and released only once recorded (threadlog.h): no
		 * other thread can get p back meanwhile. */
		hs_freeq_flush();
		size_t bytes = chunk_bytes(p);
		if (bytes >= HS_FREE_NOW_BYTES) {
			hs_rec_free(p); /* after every logged event */
			__libc_free(p);
		} else if (!hs_rec_free_logged(p, bytes)) {
			__libc_free(p);
		}
		return;
	}
	hs_rec_prefetch(p);
	__libc_free(p);
	unsigned n = atomic_load_explicit(&g_queue.n, memory_order_relaxed);
	if (n == HS_FREEQ_DEPTH) {
		take_oldest();
		n--;
	}
	g_queue.blocks[(g_queue.head + n) % HS_FREEQ_DEPTH] = p;
	atomic_store_explicit(&g_queue.n, n + 1, memory_order_relaxed);
}

unsigned hs_freeq_pending(void)
{
	return atomic_load_explicit(&g_queue.n, memory_order_relaxed);
}
