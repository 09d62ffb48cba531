/* contexts: interning of raw call stacks (see contexts.h). */
#include "contexts.h"

#include <string.h>

#define HS_FIRST_INDEX_SLOTS 4096u
#define HS_CTX_CHUNK (1u << HS_CTX_CHUNK_SHIFT)

void hs_contexts_init(struct hs_contexts *c, struct hs_arena *arena)
{
	memset(c, 0, sizeof *c);
	c->arena = arena;
}

uint64_t hs_frames_hash(const uintptr_t *frames, unsigned n_frames)
{
	/* FNV-style mixing of whole words, then a final avalanche. */
	uint64_t h = UINT64_C(0xcbf29ce484222325) ^ n_frames;
	for (unsigned i = 0; i < n_frames; i++) {
		h ^= (uint64_t)frames[i];
		h *= UINT64_C(0x100000001b3);
		h ^= h >> 29;
	}
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

#define HS_MOVED UINT32_MAX    /* an old slot whose id has moved: keeps probe chains */
#define HS_MIGRATE_STEP 8u      /* old slots moved per new context */

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
	if (*chunk == NULL) {
		*chunk = hs_arena_alloc(c->arena, HS_CTX_CHUNK * sizeof(struct hs_context));
		if (*chunk == NULL)
			return HS_CTX_NONE;
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
	index_put(c->index, c->n_index, id, hash);
	c->n++;
	migrate_step(c);
	return id;
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
