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
	return x->hash == hash && x->n_frames == n_frames &&
	       memcmp(x->frames, frames, n_frames * sizeof *frames) == 0;
}

/* Double the index (load kept at most 1/2). */
static int grow_index(struct hs_contexts *c)
{
	uint32_t n = c->n_index == 0 ? HS_FIRST_INDEX_SLOTS : c->n_index * 2;
	if (n == 0)
		return -1;
	uint32_t *slots = hs_arena_map((size_t)n * sizeof *slots);
	if (slots == NULL)
		return -1;
	for (uint32_t id = 0; id < c->n; id++) {
		uint32_t i = (uint32_t)hs_contexts_get(c, id)->hash & (n - 1);
		while (slots[i] != 0)
			i = (i + 1) & (n - 1);
		slots[i] = id + 1;
	}
	hs_arena_unmap(c->index, (size_t)c->n_index * sizeof *c->index);
	c->index = slots;
	c->n_index = n;
	return 0;
}

uint32_t hs_contexts_intern(struct hs_contexts *c, const uintptr_t *frames, unsigned n_frames,
			    uint64_t hash)
{
	if (c->n_index != 0) {
		uint32_t mask = c->n_index - 1;
		for (uint32_t i = (uint32_t)hash & mask; c->index[i] != 0; i = (i + 1) & mask) {
			uint32_t id = c->index[i] - 1;
			if (same_frames(hs_contexts_get(c, id), frames, n_frames, hash))
				return id;
		}
	}
	/* New context. */
	if ((uint64_t)c->n >= (uint64_t)HS_CTX_DIR_SIZE * HS_CTX_CHUNK)
		return HS_CTX_NONE;
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
	uint32_t mask = c->n_index - 1;
	uint32_t i = (uint32_t)hash & mask;
	while (c->index[i] != 0)
		i = (i + 1) & mask;
	c->index[i] = id + 1;
	c->n++;
	return id;
}

void hs_contexts_destroy(struct hs_contexts *c)
{
	hs_arena_unmap(c->index, (size_t)c->n_index * sizeof *c->index);
	c->index = NULL;
	c->n_index = 0;
}
