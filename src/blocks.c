/* blocks: live heap blocks in an incrementally resized hash (see blocks.h). */
#include "blocks.h"

#include "arena.h"

#define HS_EMPTY ((uintptr_t)0)
#define HS_DEAD ((uintptr_t)1)
#define HS_FIRST_SLOTS ((size_t)1024)
#define HS_MIGRATE_STEP 8 /* old slots moved per operation: finishes long before cur fills */

/* Fibonacci hashing of the address: the top bits of the product. */
static size_t slot_of(uintptr_t ptr, size_t n_slots)
{
	uint64_t h = (uint64_t)ptr * UINT64_C(0x9E3779B97F4A7C15);
	return (size_t)(h >> (64 - __builtin_ctzll((unsigned long long)n_slots)));
}

/* Index of ptr in t, or n_slots when absent. */
static size_t table_lookup(const struct hs_block_table *t, uintptr_t ptr)
{
	if (t->n_slots == 0)
		return 0;
	size_t mask = t->n_slots - 1;
	for (size_t i = slot_of(ptr, t->n_slots);; i = (i + 1) & mask) {
		uintptr_t p = t->slots[i].ptr;
		if (p == ptr)
			return i;
		if (p == HS_EMPTY)
			return t->n_slots;
	}
}

/* Put blk into t, which has room and does not hold blk->ptr. */
static void table_put(struct hs_block_table *t, const struct hs_block *blk)
{
	size_t mask = t->n_slots - 1;
	size_t i = slot_of(blk->ptr, t->n_slots);
	while (t->slots[i].ptr > HS_DEAD)
		i = (i + 1) & mask;
	if (t->slots[i].ptr == HS_DEAD)
		t->n_dead--;
	t->slots[i] = *blk;
	t->n_used++;
}

/* Put blk into t (no tombstones in t), or replace the entry with the same
 * address, copying it to *replaced; one probe sequence either way. */
static int table_put_or_replace(struct hs_block_table *t, const struct hs_block *blk,
				struct hs_block *replaced)
{
	size_t mask = t->n_slots - 1;
	size_t i = slot_of(blk->ptr, t->n_slots);
	for (;; i = (i + 1) & mask) {
		uintptr_t p = t->slots[i].ptr;
		if (p == blk->ptr) {
			*replaced = t->slots[i];
			t->slots[i] = *blk;
			return 1;
		}
		if (p == HS_EMPTY)
			break;
	}
	t->slots[i] = *blk;
	t->n_used++;
	return 0;
}

/* Delete slot i of t by shifting later members of its cluster back, so the
 * table never needs tombstones (used for cur, which is never migrated). */
static void table_delete_shift(struct hs_block_table *t, size_t i)
{
	size_t mask = t->n_slots - 1;
	size_t j = i;
	for (;;) {
		j = (j + 1) & mask;
		if (t->slots[j].ptr == HS_EMPTY)
			break;
		size_t home = slot_of(t->slots[j].ptr, t->n_slots);
		/* Move j into the hole at i unless its home lies cyclically in (i, j]. */
		int home_between = (i <= j) ? (home > i && home <= j) : (home > i || home <= j);
		if (!home_between) {
			t->slots[i] = t->slots[j];
			i = j;
		}
	}
	t->slots[i].ptr = HS_EMPTY;
	t->n_used--;
}

/* Move a few old slots into cur; unmap old when done. */
static void migrate_step(struct hs_blocks *b)
{
	if (b->old.n_slots == 0)
		return;
	for (int k = 0; k < HS_MIGRATE_STEP && b->migrate_next < b->old.n_slots; k++) {
		struct hs_block *s = &b->old.slots[b->migrate_next++];
		if (s->ptr > HS_DEAD) {
			table_put(&b->cur, s);
			/* A tombstone keeps the probe chains of unmoved entries. */
			s->ptr = HS_DEAD;
			b->old.n_used--;
			b->old.n_dead++;
		}
	}
	if (b->migrate_next == b->old.n_slots) {
		hs_arena_unmap(b->old.slots, b->old.n_slots * sizeof(struct hs_block));
		b->old.slots = NULL;
		b->old.n_slots = b->old.n_used = b->old.n_dead = 0;
	}
}

/* Finish any migration at once (rare: only if cur fills before it ends). */
static void migrate_all(struct hs_blocks *b)
{
	while (b->old.n_slots != 0)
		migrate_step(b);
}

void hs_blocks_init(struct hs_blocks *b)
{
	b->cur = (struct hs_block_table){ 0 };
	b->old = (struct hs_block_table){ 0 };
	b->migrate_next = 0;
}

int hs_blocks_insert(struct hs_blocks *b, const struct hs_block *blk, struct hs_block *replaced)
{
	if (b->cur.n_slots == 0 || (b->cur.n_used + 1) * 2 > b->cur.n_slots) {
		size_t n = b->cur.n_slots == 0 ? HS_FIRST_SLOTS : b->cur.n_slots * 2;
		if (n / 2 < b->cur.n_slots || n > SIZE_MAX / sizeof(struct hs_block))
			return -1;
		struct hs_block *slots = hs_arena_map(n * sizeof(struct hs_block));
		if (slots == NULL)
			return -1;
		migrate_all(b);
		b->old = b->cur;
		b->migrate_next = 0;
		b->cur = (struct hs_block_table){ .slots = slots, .n_slots = n };
		if (b->old.n_slots == 0)
			b->old = (struct hs_block_table){ 0 };
	}
	int rc = 0;
	size_t i = table_lookup(&b->old, blk->ptr);
	if (i < b->old.n_slots) {
		/* Still waiting in the old table: it leaves it as a tombstone. */
		*replaced = b->old.slots[i];
		b->old.slots[i].ptr = HS_DEAD;
		b->old.n_used--;
		b->old.n_dead++;
		rc = 1;
	}
	rc |= table_put_or_replace(&b->cur, blk, replaced);
	migrate_step(b);
	return rc;
}

int hs_blocks_remove(struct hs_blocks *b, uintptr_t ptr, struct hs_block *out)
{
	if (ptr <= HS_DEAD)
		return 0;
	size_t i = table_lookup(&b->cur, ptr);
	if (i < b->cur.n_slots) {
		*out = b->cur.slots[i];
		table_delete_shift(&b->cur, i);
		migrate_step(b);
		return 1;
	}
	i = table_lookup(&b->old, ptr);
	if (i < b->old.n_slots) {
		/* A tombstone: shifting could move an entry behind migrate_next. */
		*out = b->old.slots[i];
		b->old.slots[i].ptr = HS_DEAD;
		b->old.n_used--;
		b->old.n_dead++;
		migrate_step(b);
		return 1;
	}
	return 0;
}

struct hs_block *hs_blocks_find(struct hs_blocks *b, uintptr_t ptr)
{
	if (ptr <= HS_DEAD)
		return NULL;
	size_t i = table_lookup(&b->cur, ptr);
	if (i < b->cur.n_slots)
		return &b->cur.slots[i];
	i = table_lookup(&b->old, ptr);
	if (i < b->old.n_slots)
		return &b->old.slots[i];
	return NULL;
}

size_t hs_blocks_count(const struct hs_blocks *b)
{
	return b->cur.n_used + b->old.n_used;
}

void hs_blocks_destroy(struct hs_blocks *b)
{
	hs_arena_unmap(b->cur.slots, b->cur.n_slots * sizeof(struct hs_block));
	hs_arena_unmap(b->old.slots, b->old.n_slots * sizeof(struct hs_block));
	hs_blocks_init(b);
}
