/* blocks: live heap blocks in an incrementally resized hash (see blocks.h). */
#include "blocks.h"

#include <sys/mman.h>

#define HS_EMPTY ((uintptr_t)0)
#define HS_DEAD ((uintptr_t)1)
#define HS_FIRST_SLOTS ((size_t)1024)
#define HS_HUGE_BYTES ((size_t)4 << 20) /* tables from this size ask for huge pages */
#define HS_MIGRATE_STEP 16 /* old slots moved per operation: finishes long before cur fills */

/* The packed word: bit 63 clear: requested bytes in bits 0-30, context id
 * in bits 31-54, and in bits 55-62 the slop beyond the usual one in units
 * of 16 (a block shrunk in place keeps its old 16-aligned end, so that
 * difference is a multiple of 16); bit 63 set: the rest is the address of
 * a struct hs_block_wide. */
#define HS_WIDE_BIT (UINT64_C(1) << 63)
#define HS_REQ_BITS 31
#define HS_CTX_BITS 24
#define HS_SLOP16_BITS 8
#define HS_CTX_SHIFT HS_REQ_BITS
#define HS_SLOP16_SHIFT (HS_REQ_BITS + HS_CTX_BITS)

/* A block that does not pack; on the free list, next overlays req_bytes. */
struct hs_block_wide {
	union {
		uint64_t req_bytes;
		struct hs_block_wide *next;
	};
	uint32_t slop_bytes;
	uint32_t ctx;
};

/* Fibonacci hashing of the address: the top bits of the product. */
static size_t slot_of(uintptr_t ptr, size_t n_slots)
{
	uint64_t h = (uint64_t)ptr * UINT64_C(0x9E3779B97F4A7C15);
	return (size_t)(h >> (64 - __builtin_ctzll((unsigned long long)n_slots)));
}

/* The slop a block of req_bytes gets when malloc rounds it up to 16. */
static uint64_t usual_slop(uint64_t req_bytes)
{
	return (uint64_t)(-req_bytes & 15);
}

/* The packed word of blk, or 0 with *ok cleared when a record is needed
 * and none can be had. */
static uint64_t pack(struct hs_blocks *b, const struct hs_block *blk, int *ok)
{
	*ok = 1;
	uint64_t usual = usual_slop(blk->req_bytes);
	uint64_t beyond = (uint64_t)blk->slop_bytes - usual; /* wraps when below usual */
	if (blk->req_bytes >> HS_REQ_BITS == 0 && blk->ctx >> HS_CTX_BITS == 0 &&
	    blk->slop_bytes >= usual && beyond % 16 == 0 && (beyond / 16) >> HS_SLOP16_BITS == 0)
		return blk->req_bytes | (uint64_t)blk->ctx << HS_CTX_SHIFT |
		       beyond / 16 << HS_SLOP16_SHIFT;
	struct hs_block_wide *w = b->wide_free;
	if (w != NULL)
		b->wide_free = w->next;
	else
		w = hs_arena_alloc(&b->wide_arena, sizeof *w);
	if (w == NULL) {
		*ok = 0;
		return 0;
	}
	w->req_bytes = blk->req_bytes;
	w->slop_bytes = blk->slop_bytes;
	w->ctx = blk->ctx;
	b->n_wide++;
	return HS_WIDE_BIT | (uint64_t)(uintptr_t)w;
}

/* Unpack slot s into out. */
static void unpack(const struct hs_block_slot *s, struct hs_block *out)
{
	out->ptr = s->ptr;
	if (s->val & HS_WIDE_BIT) {
		const struct hs_block_wide *w =
			(const struct hs_block_wide *)(uintptr_t)(s->val & ~HS_WIDE_BIT);
		out->req_bytes = w->req_bytes;
		out->slop_bytes = w->slop_bytes;
		out->ctx = w->ctx;
	} else {
		out->req_bytes = s->val & ((UINT64_C(1) << HS_REQ_BITS) - 1);
		out->ctx = (uint32_t)(s->val >> HS_CTX_SHIFT) & ((UINT32_C(1) << HS_CTX_BITS) - 1);
		uint64_t beyond = 16 * (s->val >> HS_SLOP16_SHIFT); /* bit 63 is clear */
		out->slop_bytes = (uint32_t)(usual_slop(out->req_bytes) + beyond);
	}
}

/* Give back the record of a packed word, if it has one. */
static void unpack_release(struct hs_blocks *b, uint64_t val)
{
	if (!(val & HS_WIDE_BIT))
		return;
	struct hs_block_wide *w = (struct hs_block_wide *)(uintptr_t)(val & ~HS_WIDE_BIT);
	w->next = b->wide_free;
	b->wide_free = w;
	b->n_wide--;
}

/* Copy slot s out and release its record. */
static void take(struct hs_blocks *b, const struct hs_block_slot *s, struct hs_block *out)
{
	unpack(s, out);
	unpack_release(b, s->val);
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

/* Put slot s into t, which has room and does not hold s->ptr. */
static void table_put(struct hs_block_table *t, const struct hs_block_slot *s)
{
	size_t mask = t->n_slots - 1;
	size_t i = slot_of(s->ptr, t->n_slots);
	while (t->slots[i].ptr > HS_DEAD)
		i = (i + 1) & mask;
	if (t->slots[i].ptr == HS_DEAD)
		t->n_dead--;
	t->slots[i] = *s;
	t->n_used++;
}

/* Put (ptr, val) into t (no tombstones in t), or replace the entry with the
 * same address, returning its index; n_slots when added. */
static size_t table_put_or_replace(struct hs_block_table *t, uintptr_t ptr, uint64_t val,
				   uint64_t *replaced_val)
{
	size_t mask = t->n_slots - 1;
	size_t i = slot_of(ptr, t->n_slots);
	for (;; i = (i + 1) & mask) {
		uintptr_t p = t->slots[i].ptr;
		if (p == ptr) {
			*replaced_val = t->slots[i].val;
			t->slots[i].val = val;
			return i;
		}
		if (p == HS_EMPTY)
			break;
	}
	t->slots[i].ptr = ptr;
	t->slots[i].val = val;
	t->n_used++;
	return t->n_slots;
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

/* Turn slot i of the old table into a tombstone (shifting could move an
 * entry behind migrate_next). */
static void old_kill(struct hs_blocks *b, size_t i)
{
	b->old.slots[i].ptr = HS_DEAD;
	b->old.n_used--;
	b->old.n_dead++;
}

/* Move a few old slots into cur; unmap old when done. */
static void migrate_step(struct hs_blocks *b)
{
	if (b->old.n_slots == 0)
		return;
	for (int k = 0; k < HS_MIGRATE_STEP && b->migrate_next < b->old.n_slots; k++) {
		size_t i = b->migrate_next++;
		if (b->old.slots[i].ptr > HS_DEAD) {
			table_put(&b->cur, &b->old.slots[i]);
			/* A tombstone keeps the probe chains of unmoved entries. */
			old_kill(b, i);
		}
	}
	if (b->migrate_next == b->old.n_slots) {
		hs_arena_unmap(b->old.slots, b->old.n_slots * sizeof(struct hs_block_slot));
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

/* Start a bigger table when cur is three quarters full.  Returns 0, or -1
 * when out of memory (nothing changed). */
static int maybe_grow(struct hs_blocks *b)
{
	if (b->cur.n_slots != 0 && (b->cur.n_used + 1) * 4 <= b->cur.n_slots * 3)
		return 0;
	size_t n = b->cur.n_slots == 0 ? HS_FIRST_SLOTS : b->cur.n_slots * 2;
	if (n / 2 < b->cur.n_slots || n > SIZE_MAX / sizeof(struct hs_block_slot))
		return -1;
	struct hs_block_slot *slots = hs_arena_map(n * sizeof(struct hs_block_slot));
	if (slots == NULL)
		return -1;
	/* Every access is a random one: huge pages spare a TLB miss on each
	 * (advice only: failure changes nothing). */
	if (n * sizeof(struct hs_block_slot) >= HS_HUGE_BYTES)
		madvise(slots, n * sizeof(struct hs_block_slot), MADV_HUGEPAGE);
	migrate_all(b);
	b->old = b->cur;
	b->migrate_next = 0;
	b->cur = (struct hs_block_table){ .slots = slots, .n_slots = n };
	if (b->old.n_slots == 0)
		b->old = (struct hs_block_table){ 0 };
	return 0;
}

void hs_blocks_init(struct hs_blocks *b)
{
	b->cur = (struct hs_block_table){ 0 };
	b->old = (struct hs_block_table){ 0 };
	b->migrate_next = 0;
	hs_arena_init(&b->wide_arena);
	b->wide_free = NULL;
	b->n_wide = 0;
}

int hs_blocks_insert(struct hs_blocks *b, const struct hs_block *blk, struct hs_block *replaced)
{
	if (maybe_grow(b) != 0)
		return -1;
	int ok;
	uint64_t val = pack(b, blk, &ok);
	if (!ok)
		return -1;
	int rc = 0;
	size_t i = table_lookup(&b->old, blk->ptr);
	if (i < b->old.n_slots) {
		/* Still waiting in the old table: it leaves it as a tombstone. */
		take(b, &b->old.slots[i], replaced);
		old_kill(b, i);
		rc = 1;
	}
	uint64_t old_val;
	i = table_put_or_replace(&b->cur, blk->ptr, val, &old_val);
	if (i < b->cur.n_slots) {
		struct hs_block_slot prev = { blk->ptr, old_val };
		take(b, &prev, replaced);
		rc = 1;
	}
	migrate_step(b);
	return rc;
}

int hs_blocks_remove(struct hs_blocks *b, uintptr_t ptr, struct hs_block *out)
{
	if (ptr <= HS_DEAD)
		return 0;
	size_t i = table_lookup(&b->cur, ptr);
	if (i < b->cur.n_slots) {
		take(b, &b->cur.slots[i], out);
		table_delete_shift(&b->cur, i);
		migrate_step(b);
		return 1;
	}
	i = table_lookup(&b->old, ptr);
	if (i < b->old.n_slots) {
		take(b, &b->old.slots[i], out);
		old_kill(b, i);
		migrate_step(b);
		return 1;
	}
	return 0;
}

int hs_blocks_find(struct hs_blocks *b, uintptr_t ptr, struct hs_block *out)
{
	if (ptr <= HS_DEAD)
		return 0;
	const struct hs_block_slot *s = NULL;
	size_t i = table_lookup(&b->cur, ptr);
	if (i < b->cur.n_slots) {
		s = &b->cur.slots[i];
	} else {
		i = table_lookup(&b->old, ptr);
		if (i < b->old.n_slots)
			s = &b->old.slots[i];
	}
	if (s == NULL)
		return 0;
	if (out != NULL)
		unpack(s, out);
	return 1;
}

void hs_blocks_prefetch(const struct hs_blocks *b, uintptr_t ptr)
{
	/* Racy by design (see blocks.h): relaxed loads of plain words. */
	struct hs_block_slot *slots = __atomic_load_n(&b->cur.slots, __ATOMIC_RELAXED);
	size_t n = __atomic_load_n(&b->cur.n_slots, __ATOMIC_RELAXED);
	if (slots != NULL && n != 0)
		__builtin_prefetch(&slots[slot_of(ptr, n)], 1);
}

size_t hs_blocks_count(const struct hs_blocks *b)
{
	return b->cur.n_used + b->old.n_used;
}

void hs_blocks_destroy(struct hs_blocks *b)
{
	hs_arena_unmap(b->cur.slots, b->cur.n_slots * sizeof(struct hs_block_slot));
	hs_arena_unmap(b->old.slots, b->old.n_slots * sizeof(struct hs_block_slot));
	hs_arena_destroy(&b->wide_arena);
	hs_blocks_init(b);
}
