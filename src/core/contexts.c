/* contexts: interning of raw call stacks (see contexts.h). */
#include "contexts.h"
#include "spares.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#define HS_FIRST_INDEX_SLOTS 4096u
#define HS_CTX_CHUNK (1u << HS_CTX_CHUNK_SHIFT)

/* Sets made so far: a thread's cache belongs to one set, and a new set
 * (the recorder started again, another test) must not reuse its ids. */
static _Atomic uint64_t g_generations;

void hs_contexts_init(struct hs_contexts *c, struct hs_arena *arena)
{
	/* Not the directory: a chunk's entry is set when its first id is
	 * made and read for made ids only (its 64 KiB, memset, were 16 page
	 * faults in every recorded process's start). */
	c->generation = atomic_fetch_add(&g_generations, 1) + 1; /* 0: an empty cache */
	c->arena = arena;
	c->n = 0;
	c->dirty_head = HS_DIRTY_END;
	c->index = c->old_index = NULL;
	c->n_index = c->n_old_index = 0;
	c->migrate_next = 0;
}

void hs_contexts_touch_all(struct hs_contexts *c)
{
	for (uint32_t id = 0; id < c->n; id++)
		hs_contexts_touch(c, id);
}

uint64_t hs_frames_hash(const uintptr_t *frames, unsigned n_frames)
{
	/* Four independent multiply lanes, so the loop runs at the CPU's
	 * throughput rather than one multiply's latency per frame; the ids
	 * only need a good spread (equal stacks are confirmed with memcmp).
	 * A lane's step is FNV-1a's (xor, multiply: a bijection of the lane
	 * for each frame); the mixing of high bits into low ones is left to
	 * the end, which saved a shift and an xor per frame (5.9% of
	 * alloc_deep's time went here). */
	const uint64_t k = UINT64_C(0x9E3779B97F4A7C15);
	uint64_t h0 = UINT64_C(0xcbf29ce484222325) ^ n_frames, h1 = k, h2 = ~k, h3 = n_frames;
	unsigned i = 0;
	for (; i + 4 <= n_frames; i += 4) {
		h0 = (h0 ^ (uint64_t)frames[i]) * k;
		h1 = (h1 ^ (uint64_t)frames[i + 1]) * k;
		h2 = (h2 ^ (uint64_t)frames[i + 2]) * k;
		h3 = (h3 ^ (uint64_t)frames[i + 3]) * k;
	}
	for (; i < n_frames; i++)
		h0 = (h0 ^ (uint64_t)frames[i]) * k;
	h0 ^= h0 >> 29;
	h1 ^= h1 >> 29;
	h2 ^= h2 >> 29;
	h3 ^= h3 >> 29;
	uint64_t h = h0 ^ (h1 * UINT64_C(0xff51afd7ed558ccd)) ^ ((h2 << 31) | (h2 >> 33)) ^
		     ((h3 << 17) | (h3 >> 47));
	h ^= h >> 33;
	h *= UINT64_C(0xff51afd7ed558ccd);
	h ^= h >> 33;
	return h;
}

static int same_frames(const struct hs_context *x, const uintptr_t *frames, unsigned n_frames,
		       uint64_t hash)
{
	/* No memcmp on an empty stack: its frames may be NULL. */
	return x->hash == hash && x->n_frames == n_frames &&
	       (n_frames == 0 || memcmp(x->frames, frames, n_frames * sizeof *frames) == 0);
}

#define HS_MOVED UINT32_MAX /* an old slot whose id has moved: keeps probe chains */
#define HS_MIGRATE_STEP 8u  /* old slots moved per new context */

/* Put id into index (which has room and does not hold it). */
static void index_put(uint32_t *index, uint32_t n_index, uint32_t id, uint64_t hash)
{
	uint32_t mask = n_index - 1;
	uint32_t i = (uint32_t)hash & mask;
	while (index[i] != 0)
		i = (i + 1) & mask;
	index[i] = id + 1;
}

/* The id of frames in index, or HS_CTX_NONE. */
static uint32_t index_find(struct hs_contexts *c, const uint32_t *index, uint32_t n_index,
			   const uintptr_t *frames, unsigned n_frames, uint64_t hash)
{
	if (n_index == 0)
		return HS_CTX_NONE;
	uint32_t mask = n_index - 1;
	for (uint32_t i = (uint32_t)hash & mask; index[i] != 0; i = (i + 1) & mask) {
		if (index[i] == HS_MOVED)
			continue;
		uint32_t id = index[i] - 1;
		if (same_frames(hs_contexts_get(c, id), frames, n_frames, hash))
			return id;
	}
	return HS_CTX_NONE;
}

/* Move a few ids from the old index; unmap it when empty. */
static void migrate_step(struct hs_contexts *c)
{
	if (c->old_index == NULL)
		return;
	for (uint32_t k = 0; k < HS_MIGRATE_STEP && c->migrate_next < c->n_old_index; k++) {
		uint32_t *slot = &c->old_index[c->migrate_next++];
		if (*slot != 0 && *slot != HS_MOVED) {
			uint32_t id = *slot - 1;
			index_put(c->index, c->n_index, id, hs_contexts_get(c, id)->hash);
			*slot = HS_MOVED;
		}
	}
	if (c->migrate_next == c->n_old_index) {
		hs_arena_unmap(c->old_index, (size_t)c->n_old_index * sizeof *c->old_index);
		c->old_index = NULL;
		c->n_old_index = 0;
	}
}

/* Start a doubled index; the current one becomes the old one. */
static int grow_index(struct hs_contexts *c)
{
	uint32_t n = c->n_index == 0 ? HS_FIRST_INDEX_SLOTS : c->n_index * 2;
	if (n == 0)
		return -1;
	uint32_t *slots = hs_arena_map((size_t)n * sizeof *slots);
	if (slots == NULL)
		return -1;
	hs_arena_fill(slots, (size_t)n * sizeof *slots); /* probed all over, as blocks.c's */
	while (c->old_index != NULL)
		migrate_step(c); /* only if the last move has not finished: rare */
	c->old_index = c->index;
	c->n_old_index = c->n_index;
	c->migrate_next = 0;
	c->index = slots;
	c->n_index = n;
	if (c->old_index == NULL)
		c->n_old_index = 0;
	return 0;
}

uint32_t hs_contexts_intern(struct hs_contexts *c, const uintptr_t *frames, unsigned n_frames,
			    uint64_t hash)
{
	uint32_t found = index_find(c, c->index, c->n_index, frames, n_frames, hash);
	if (found == HS_CTX_NONE && c->old_index != NULL)
		found = index_find(c, c->old_index, c->n_old_index, frames, n_frames, hash);
	if (found != HS_CTX_NONE)
		return found;
	/* New context. */
	if ((uint64_t)c->n >= (uint64_t)HS_CTX_DIR_SIZE * HS_CTX_CHUNK)
		return HS_CTX_NONE;
	/* Ids in the new index: all moved ones plus the new ones, at most n. */
	if (((uint64_t)c->n + 1) * 2 > c->n_index && grow_index(c) != 0)
		return HS_CTX_NONE;
	uint32_t id = c->n;
	struct hs_context **chunk = &c->dir[id >> HS_CTX_CHUNK_SHIFT];
	if ((id & (HS_CTX_CHUNK - 1)) == 0) { /* the chunk's first id: its entry is not set */
		struct hs_context *fresh =
			hs_arena_alloc(c->arena, HS_CTX_CHUNK * sizeof(struct hs_context));
		if (fresh == NULL)
			return HS_CTX_NONE;
		__atomic_store_n(chunk, fresh, __ATOMIC_RELEASE);
	}
	uintptr_t *copy = NULL;
	if (n_frames != 0) {
		copy = hs_arena_alloc(c->arena, n_frames * sizeof *frames);
		if (copy == NULL)
			return HS_CTX_NONE;
		memcpy(copy, frames, n_frames * sizeof *frames);
	}
	struct hs_context *x = hs_contexts_get(c, id);
	x->hash = hash;
	x->live_bytes = 0;
	x->frames = copy;
	x->n_frames = n_frames;
	x->ignored = 0;
	x->dirty_next = 0;
	index_put(c->index, c->n_index, id, hash);
	/* Publishes the record to threads that read the count with acquire. */
	__atomic_store_n(&c->n, id + 1, __ATOMIC_RELEASE);
	migrate_step(c);
	return id;
}

/* ---- the per-thread caches ------------------------------------------ */

/* One remembered context: a copy of its hash, frames pointer and depth,
 * so a hit reads only this thread's slots and the (never written) frames,
 * not the record, whose live_bytes other cores keep writing. */
struct cache_slot {
	uint64_t hash;
	const uintptr_t *frames;
	uint32_t n_frames;
	uint32_t id_plus_1; /* 0: empty */
	uint64_t pad;       /* two slots to a cache line */
};

/* Two ways per set, so two hot stacks that share a set do not evict each
 * other on every call; way 0 holds the newer. */
#define CACHE_SETS (HS_CTX_CACHE_SLOTS / 2)

struct thread_cache {
	struct cache_slot slots[CACHE_SETS][2];
	uint64_t generation; /* of the set the slots belong to; 0 for none */
};

/* This thread's cache; CACHE_NONE once it has exited or failed to get one
 * (it then always misses rather than mapping on every call). */
#define CACHE_NONE ((struct thread_cache *)1)
static __thread struct thread_cache *tl_cache __attribute__((tls_model("initial-exec")));
static pthread_key_t g_cache_key;
static int g_cache_key_ok;
static pthread_once_t g_cache_once = PTHREAD_ONCE_INIT;

/* Ended threads' caches, for the next threads (spares.h): a slot holds
 * for every thread while its generation is the table's. */
static _Atomic(void *) g_spare_caches[HS_SPARES];

/* Thread exit: keep the cache for another thread, or give it back; later
 * calls on this thread miss. */
static void release_cache(void *cache)
{
	tl_cache = CACHE_NONE;
	if (!hs_spares_put(g_spare_caches, cache))
		hs_arena_unmap(cache, sizeof(struct thread_cache));
}

/* The key whose destructor releases the caches (pthread_once). */
static void make_cache_key(void)
{
	g_cache_key_ok = pthread_key_create(&g_cache_key, release_cache) == 0;
}

/* This thread's cache, mapped on first use, or NULL. */
static struct thread_cache *get_cache(void)
{
	struct thread_cache *tc = tl_cache;
	if (tc != NULL)
		return tc == CACHE_NONE ? NULL : tc;
	tl_cache = CACHE_NONE; /* until it is ready */
	pthread_once(&g_cache_once, make_cache_key);
	if (!g_cache_key_ok)
		return NULL;
	tc = hs_spares_take(g_spare_caches);
	if (tc == NULL)
		tc = hs_arena_map(sizeof *tc);
	if (tc == NULL)
		return NULL;
	if (pthread_setspecific(g_cache_key, tc) != 0) {
		hs_arena_unmap(tc, sizeof *tc);
		return NULL;
	}
	tl_cache = tc;
	return tc;
}

uint32_t hs_contexts_cached(const struct hs_contexts *c, const uintptr_t *frames, unsigned n_frames,
			    uint64_t hash)
{
	const struct thread_cache *tc = tl_cache;
	if (tc == NULL || tc == CACHE_NONE || tc->generation != c->generation)
		return HS_CTX_NONE;
	const struct cache_slot *set = tc->slots[hash & (CACHE_SETS - 1)];
	for (int way = 0; way < 2; way++) {
		const struct cache_slot *s = &set[way];
		if (s->id_plus_1 != 0 && s->hash == hash && s->n_frames == n_frames &&
		    (n_frames == 0 || memcmp(s->frames, frames, n_frames * sizeof *frames) == 0))
			return s->id_plus_1 - 1;
	}
	return HS_CTX_NONE;
}

void hs_contexts_remember(const struct hs_contexts *c, uint32_t id)
{
	/* The acquire pairs with intern's release: the record is complete. */
	if (id >= __atomic_load_n(&c->n, __ATOMIC_ACQUIRE))
		return;
	struct thread_cache *tc = get_cache();
	if (tc == NULL)
		return;
	if (tc->generation != c->generation) {
		memset(tc->slots, 0, sizeof tc->slots);
		tc->generation = c->generation;
	}
	const struct hs_context *chunk =
		__atomic_load_n(&c->dir[id >> HS_CTX_CHUNK_SHIFT], __ATOMIC_ACQUIRE);
	const struct hs_context *x = &chunk[id & (HS_CTX_CHUNK - 1)];
	struct cache_slot *set = tc->slots[x->hash & (CACHE_SETS - 1)];
	if (set[0].id_plus_1 != 0)
		set[1] = set[0]; /* the older one goes to way 1, its old one out */
	set[0].hash = x->hash;
	set[0].frames = x->frames;
	set[0].n_frames = x->n_frames;
	set[0].id_plus_1 = id + 1;
}

void hs_contexts_destroy(struct hs_contexts *c)
{
	hs_arena_unmap(c->old_index, (size_t)c->n_old_index * sizeof *c->old_index);
	c->old_index = NULL;
	c->n_old_index = 0;
	hs_arena_unmap(c->index, (size_t)c->n_index * sizeof *c->index);
	c->index = NULL;
	c->n_index = 0;
}
