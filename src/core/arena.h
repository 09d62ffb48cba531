/* arena: the recorder's own memory, straight from mmap.
 *
 * The recorder runs inside malloc, so it can never call malloc.  An arena
 * hands out memory two ways: small permanent pieces bumped from 1 MiB
 * chunks (context frames, pending reallocs, scratch at write time), and
 * whole mappings for the big tables that grow and are given back
 * (hash tables, snapshot copies).  Every mapping counts against a
 * process-wide budget so the tests can make memory run out on purpose.
 * An arena is not thread-safe: its owner serialises the calls.
 */
#ifndef HS_ARENA_H
#define HS_ARENA_H

#include <stddef.h>

struct hs_arena_chunk;

struct hs_arena {
	struct hs_arena_chunk *chunks; /* bump chunks, newest first, for hs_arena_destroy */
	char *cur;                     /* next free byte of the newest chunk */
	char *end;                     /* end of the newest chunk */
};

/* Start an empty arena (maps nothing yet). */
void hs_arena_init(struct hs_arena *a);

/* Zeroed memory of bytes (16-byte aligned) that lives until hs_arena_destroy,
 * or NULL when the system or the budget refuses. */
void *hs_arena_alloc(struct hs_arena *a, size_t bytes);

/* Unmap every chunk of a (mappings from hs_arena_map are the caller's). */
void hs_arena_destroy(struct hs_arena *a);

/* A zeroed mapping of at least bytes, to give back with hs_arena_unmap,
 * or NULL when the system or the budget refuses. */
void *hs_arena_map(size_t bytes);

/* Back bytes of a fresh mapping with pages now, for a caller about to
 * write all over it (a hash table, a copy): one system call instead of a
 * fault per page, and no read fault mapping the zero page before the
 * write fault that replaces it.  Only up to HS_FILL_MAX_BYTES: a bigger
 * mapping faults as it goes, so no malloc waits for all of it (4 MiB take
 * about 4 ms here).  Advice only: without it (a kernel before 5.14, no
 * memory), pages come at their first touch as before. */
#define HS_FILL_MAX_BYTES ((size_t)4 << 20)
void hs_arena_fill(void *p, size_t bytes);

/* Give back a mapping of bytes from hs_arena_map (NULL is ignored). */
void hs_arena_unmap(void *p, size_t bytes);

/* Bytes currently mapped by all arenas. */
size_t hs_arena_mapped_bytes(void);

/* Refuse mappings once limit_bytes would be exceeded (0: no limit).  For
 * the tests of the out-of-memory path. */
void hs_arena_set_limit(size_t limit_bytes);

#endif
