/* contexts: allocation contexts, i.e. interned raw call stacks.
 *
 * Each distinct frame array gets an id, given out in creation order, so a
 * snapshot that remembers how many contexts existed knows exactly which
 * ones to show (Massif keeps contexts created before a snapshot, even when
 * their bytes dropped to 0).  Each context carries its live requested
 * bytes.  Frames and records live in the arena and are never freed; the
 * id -> record directory is two-level so growing it never copies records.
 * The frames -> id index doubles when half full and moves its ids over a
 * few at a time, as blocks.c does, so no malloc pays for a full rehash.
 *
 * Threads: the owner serialises hs_contexts_intern (the recorder's lock).
 * A context's hash and frames never change once it exists, so each thread
 * may also keep a small cache of the contexts it has met (hash -> id,
 * checked against the frames) and find its usual stacks without the lock:
 * hs_contexts_cached and hs_contexts_remember.  Records are published by
 * a release store of the count (and of a new chunk's directory entry) and
 * read back with acquire loads.  A cache is mapped on a thread's first
 * remember and unmapped at its exit; a thread without one just misses.
 *
 * Dirty list: every context whose live bytes changed since the last
 * hs_contexts_take_dirty is on a list threaded through the records, so a
 * snapshot writes the per-site series (doc/format-raw.md, POINT) in time
 * proportional to what changed, not to every context.  Marking costs one
 * test of a field on the cache line live_bytes is on; nothing allocates.
 */
#ifndef HS_CONTEXTS_H
#define HS_CONTEXTS_H

#include <stdint.h>

#include "arena.h"

/* Most frames a context keeps (the preload layer captures at most this
 * many per allocation): Massif's largest depth + 50, rounded up. */
#define HS_MAX_FRAMES 256

#define HS_CTX_NONE UINT32_MAX
#define HS_CTX_CHUNK_SHIFT 12
#define HS_CTX_DIR_SIZE 8192    /* chunks of 4096: at most 32 Mi contexts */
#define HS_CTX_CACHE_SLOTS 2048 /* per thread, two ways per set: 64 KiB */

struct hs_context {
	uint64_t hash;
	uint64_t live_bytes;     /* requested bytes of this context's live blocks */
	const uintptr_t *frames; /* innermost first */
	uint32_t n_frames;
	uint32_t dirty_next; /* 0: clean; else the next dirty id + 1, or HS_DIRTY_END */
	uint8_t ignored;     /* Massif ignores its allocations (--ignore-fn, fnranges.h): set
			     by the recorder when interned, before any block uses it */
	uint8_t tag_wait;    /* allocations seen before it gets a tag id (recorder.c) */
	uint16_t tag_id;     /* its blocks' tag id (recorder.h), 0 while it has none */
};

#define HS_DIRTY_END UINT32_MAX

struct hs_contexts {
	uint64_t generation; /* tells the thread caches this set from earlier ones */
	struct hs_arena *arena;
	/* Chunk k's records, set when its first id is made: entries past
	 * the last made id hold anything (hs_contexts_init sets every other
	 * field, one by one). */
	struct hs_context *dir[HS_CTX_DIR_SIZE];
	uint32_t n;          /* contexts so far; ids are 0..n-1 */
	uint32_t dirty_head; /* first dirty id + 1, or HS_DIRTY_END when none */
	uint32_t *index;     /* hash slots holding id + 1, 0 = empty (hs_arena_map) */
	uint32_t n_index;    /* slots, a power of two */
	uint32_t *old_index; /* the previous index while its ids move over, or NULL */
	uint32_t n_old_index;
	uint32_t migrate_next; /* next old slot to move */
};

/* Empty set using arena for frames and records. */
void hs_contexts_init(struct hs_contexts *c, struct hs_arena *arena);

/* Hash of a frame array (call it before taking the recorder's lock). */
uint64_t hs_frames_hash(const uintptr_t *frames, unsigned n_frames);

/* The id of frames (creating the context if new), or HS_CTX_NONE when out
 * of memory.  hash must be hs_frames_hash(frames, n_frames). */
uint32_t hs_contexts_intern(struct hs_contexts *c, const uintptr_t *frames, unsigned n_frames,
			    uint64_t hash);

/* The id of frames if this thread's cache holds it, else HS_CTX_NONE.
 * Needs no lock: only the calling thread's cache and the contexts' frames,
 * which never change, are read.  hash as for hs_contexts_intern. */
uint32_t hs_contexts_cached(const struct hs_contexts *c, const uintptr_t *frames, unsigned n_frames,
			    uint64_t hash);

/* Put context id (from hs_contexts_intern, on any thread) into this
 * thread's cache, mapping the cache on first use.  Needs no lock. */
void hs_contexts_remember(const struct hs_contexts *c, uint32_t id);

/* The context with id (id < hs_contexts_count). */
static inline struct hs_context *hs_contexts_get(struct hs_contexts *c, uint32_t id)
{
	return &c->dir[id >> HS_CTX_CHUNK_SHIFT][id & ((1u << HS_CTX_CHUNK_SHIFT) - 1)];
}

/* The context with id, marked as changed since the last snapshot (the
 * caller then adds to or takes from its live_bytes).  O(1); owner's lock. */
static inline struct hs_context *hs_contexts_touch(struct hs_contexts *c, uint32_t id)
{
	struct hs_context *x = hs_contexts_get(c, id);
	if (x->dirty_next == 0) {
		x->dirty_next = c->dirty_head;
		c->dirty_head = id + 1;
	}
	return x;
}

/* Mark every context changed (a new raw record starts: the next point
 * lists them all). */
void hs_contexts_touch_all(struct hs_contexts *c);

/* Take the dirty list: returns its first id + 1 (HS_DIRTY_END: empty);
 * follow dirty_next with hs_contexts_next_dirty, which also cleans. */
static inline uint32_t hs_contexts_take_dirty(struct hs_contexts *c)
{
	uint32_t head = c->dirty_head;
	c->dirty_head = HS_DIRTY_END;
	return head;
}

/* The link after context id (taken with hs_contexts_take_dirty), which is
 * marked clean. */
static inline uint32_t hs_contexts_next_dirty(struct hs_contexts *c, uint32_t id)
{
	struct hs_context *x = hs_contexts_get(c, id);
	uint32_t next = x->dirty_next;
	x->dirty_next = 0;
	return next;
}

/* Number of contexts created so far. */
static inline uint32_t hs_contexts_count(const struct hs_contexts *c)
{
	return c->n;
}

/* Unmap the index (the records go with the arena). */
void hs_contexts_destroy(struct hs_contexts *c);

#endif
