/* blocks: the live heap blocks, address -> requested bytes, slop, context.
 *
 * An open-addressing hash table (linear probing) in memory from
 * hs_arena_map.  It doubles when half full, and the move to the bigger
 * table is incremental: every later insert or remove migrates a few old
 * slots, so no single malloc pays for rehashing the whole heap.  While a
 * migration runs, lookups try the new table and then the old one.
 */
#ifndef HS_BLOCKS_H
#define HS_BLOCKS_H

#include <stddef.h>
#include <stdint.h>

/* 24 bytes: the table costs 48 to 96 bytes per live block. */
struct hs_block {
	uintptr_t ptr;       /* the block's address; 0 and 1 are reserved (empty, deleted) */
	uint64_t req_bytes;  /* the size asked for */
	uint32_t slop_bytes; /* usable minus requested, Valgrind's way (see HS_SLOP_MAX) */
	uint32_t ctx;        /* allocation context id */
};

#define HS_SLOP_MAX UINT32_MAX

struct hs_block_table {
	struct hs_block *slots;
	size_t n_slots;  /* a power of two, or 0 */
	size_t n_used;   /* live entries */
	size_t n_dead;   /* tombstones (only in a table being migrated) */
};

struct hs_blocks {
	struct hs_block_table cur;  /* inserts go here */
	struct hs_block_table old;  /* being migrated into cur (n_slots 0 when not) */
	size_t migrate_next;        /* next old slot to move */
};

/* An empty set (maps nothing until the first insert). */
void hs_blocks_init(struct hs_blocks *b);

/* Add blk.  If its address is already in the set (a free we never saw),
 * the old entry is replaced and copied to *replaced.  Returns 0 (added),
 * 1 (replaced), or -1 when out of memory (the set is unchanged). */
int hs_blocks_insert(struct hs_blocks *b, const struct hs_block *blk, struct hs_block *replaced);

/* Remove ptr and copy its entry to out.  Returns 1, or 0 when unknown. */
int hs_blocks_remove(struct hs_blocks *b, uintptr_t ptr, struct hs_block *out);

/* The entry of ptr, or NULL when unknown (valid until the next change). */
struct hs_block *hs_blocks_find(struct hs_blocks *b, uintptr_t ptr);

/* Number of live blocks. */
size_t hs_blocks_count(const struct hs_blocks *b);

/* Unmap both tables. */
void hs_blocks_destroy(struct hs_blocks *b);

#endif
