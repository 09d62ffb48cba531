/* lifecycle: what the interposed malloc family (interpose.c) shares with
 * the library's life cycle (lifecycle.c).
 *
 * interpose.c owns the per-thread guard and the malloc family; lifecycle.c
 * owns the recording's state (start-up, fork, the raw record's end).  The
 * hot path reads the state through hs_preload_ready(), one acquire load.
 */
#ifndef HS_LIFECYCLE_H
#define HS_LIFECYCLE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define HS_EXPORT __attribute__((visibility("default")))
#define HS_UNLIKELY(x) __builtin_expect(!!(x), 0)

/* Raised while this thread is inside the recorder: nested heap calls go
 * uncounted to the own heap, and a signal handler leaves the recorder be. */
extern __thread int hs_tl_guard __attribute__((tls_model("initial-exec")));

/* The recording's state: new, starting, recording, or off for good; or
 * bypassed: another allocator answers the heap calls (allocator.h), so
 * the record, begun and ended as any other, holds no heap event. */
enum { HS_ST_NEW, HS_ST_STARTING, HS_ST_READY, HS_ST_BYPASS, HS_ST_OFF };
extern atomic_int hs_preload_state;

/* Frames captured per allocation: --depth + 50, at most HS_MAX_FRAMES. */
extern unsigned hs_preload_max_frames;

/* --sample's mean bytes between sampled blocks; 0: exact (every block). */
extern uint64_t hs_preload_sample_bytes;

/* Exact mode keeps each block's size and context in a tag (sizetag.h)
 * instead of the recorder's table, where it can: not with another
 * allocator, nor where glibc checks or tags the bytes past each block, nor
 * without the tags' shadow (tagshadow.h: then the blocks would grow).
 * Fixed before the state turns ready, as hs_preload_sample_bytes; turned
 * off for good by interpose.c once the process has threads and no block
 * is out of the table. */
extern int hs_preload_exact_tags;

/* Whether the paths taken while not recording (starting, off) tag glibc's
 * blocks (sizetag.h): until the options are parsed, and with --sample or
 * hs_preload_exact_tags; never otherwise, so that an unrecorded run's
 * blocks are glibc's own. */
extern int hs_preload_tag_early;

/* glibc's malloc_usable_size, resolved at start-up by lifecycle.c. */
extern size_t (*hs_real_usable_size)(void *);

/* Start recording: once, from the constructor or the first heap call. */
void hs_preload_start(void);

/* The recorder's hook to raise (up = 1) or lower (-1) the guard. */
void hs_preload_move_guard(int up);

/* Whether recording is on; starts the library on the first call. */
static inline int hs_preload_ready(void)
{
	int st = atomic_load_explicit(&hs_preload_state, memory_order_acquire);

	if (HS_UNLIKELY(st != HS_ST_READY)) {
		if (st == HS_ST_NEW)
			hs_preload_start();
		return atomic_load_explicit(&hs_preload_state, memory_order_acquire) == HS_ST_READY;
	}
	return 1;
}

#endif
