/* blocks: the live heap blocks, address -> requested bytes, slop, context.
 *
 * An open-addressing hash table (linear probing) in memory from
 * hs_arena_map.  A slot is 12 bytes: the address in 48 bits and 48 bits
 * packing the requested size (below 16 MiB), the context id (below 2^20)
 * and the slop as a small count of 16-byte units beyond the usual slop
 * (the size rounded up to 16): none for every fresh block below 4 MiB, a
 * few for a block shrunk in place.  Any other block (another slop, a
 * bigger size or id, an address of 2^48 or more, or 0-2) keeps its
 * figures in a 24-byte record from the set's own arena, recycled through
 * a free list, and the slot points at it.
 *
 * Placement keeps neighbours near: a 512-byte region of addresses is
 * hashed to a window of 16 slots in address order, so a run of frees of
 * neighbouring blocks (a structure torn down) reads a few cache lines,
 * not one per free.  If inserts come to read too many slots (dense windows
 * colliding: many arenas, allocators with 16-byte blocks), the table moves
 * to one of the same size where every address is hashed on its own.
 *
 * The table grows (doubles) when three quarters full, and the move to the
 * bigger table is incremental: every later insert or remove migrates a few
 * old slots, so no single malloc pays for rehashing the whole heap.  While
 * a migration runs, lookups try the new table and then the part of the
 * old one not yet moved; the moved part is unmapped as the move goes.
 * While the table doubles, a new block whose old home lies ahead of the
 * move goes into the old table, so the new one fills from its start.
 * At most 12 bytes / (3/8) = 32 bytes per live block outside a migration.
 */
#ifndef HS_BLOCKS_H
#define HS_BLOCKS_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"

/* One live block, as the caller sees it (the table stores it packed). */
struct hs_block {
	uintptr_t ptr;       /* the block's address */
	uint64_t req_bytes;  /* the size asked for */
	uint32_t slop_bytes; /* usable minus requested, Valgrind's way (see HS_SLOP_MAX) */
	uint32_t ctx;        /* allocation context id */
};

#define HS_SLOP_MAX UINT32_MAX

/* A packed slot: the address and the size/context bits (see blocks.c). */
struct hs_block_slot {
	uint32_t w[3];
};

struct hs_block_table {
	struct hs_block_slot *slots;
	size_t n_slots; /* a power of two, or 0 */
	int local;      /* placement: 1 windows by address region, 0 hashed (blocks.c) */
	/* The counters change on every insert and remove: a line of their
	 * own, away from what hs_blocks_prefetch reads without the lock. */
	_Alignas(64) size_t n_used; /* live entries */
	size_t n_dead;              /* tombstones (only in a table being migrated) */
	size_t unmapped_bytes;      /* leading bytes already given back (old table) */
};

struct hs_block_wide;

struct hs_blocks {
	struct hs_block_table cur;  /* inserts go here */
	struct hs_block_table old;  /* being migrated into cur (n_slots 0 when not) */
	size_t migrate_next;        /* next old slot to move */
	int old_spilled;            /* an insert meant for old went to cur (see blocks.c) */
	size_t old_wrap_home;       /* lowest home of old's chain wrapped to its start */
	struct hs_arena wide_arena; /* records of blocks that do not pack */
	struct hs_block_wide *wide_free;
	size_t n_wide;        /* records in use */
	size_t probe_slots;   /* slots read by recent inserts into cur... */
	size_t probe_inserts; /* ...and how many inserts that was */
	int hashed_only;      /* windows made probes long: hash from now on */
};

/* An empty set (maps nothing until the first insert). */
void hs_blocks_init(struct hs_blocks *b);

/* Add blk.  If its address is already in the set (a free we never saw),
 * the old entry is replaced and copied to *replaced.  Returns 0 (added),
 * 1 (replaced), or -1 when out of memory (the set is unchanged). */
int hs_blocks_insert(struct hs_blocks *b, const struct hs_block *blk, struct hs_block *replaced);

/* Remove ptr and copy its entry to out.  Returns 1, or 0 when unknown. */
int hs_blocks_remove(struct hs_blocks *b, uintptr_t ptr, struct hs_block *out);

/* Copy the entry of ptr to out (when out is not NULL).  Returns 1, or 0
 * when unknown. */
int hs_blocks_find(struct hs_blocks *b, uintptr_t ptr, struct hs_block *out);

/* Start loading the cache line where ptr's entry would be, so a later
 * insert or remove finds it there.  Safe without the owner's lock: it
 * only reads the table's address and size, and a stale guess costs
 * nothing (prefetches never fault). */
void hs_blocks_prefetch(const struct hs_blocks *b, uintptr_t ptr);

/* Slots a lookup of ptr reads in the table inserts go to: from ptr's home
 * slot to its entry, or to the first empty slot when it is not there
 * (what an insert of a new block reads).  For tests of the placement. */
size_t hs_blocks_probe_length(const struct hs_blocks *b, uintptr_t ptr);

/* Number of live blocks. */
size_t hs_blocks_count(const struct hs_blocks *b);

/* Unmap both tables and the records. */
void hs_blocks_destroy(struct hs_blocks *b);

#endif
