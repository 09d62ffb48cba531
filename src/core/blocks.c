/* blocks: live heap blocks in an incrementally resized hash (see blocks.h). */
#include "blocks.h"

#include <string.h>
#include <sys/mman.h>

#define HS_FIRST_SLOTS ((size_t)1024)
#define HS_HUGE_BYTES ((size_t)4 << 20) /* tables from this size ask for huge pages */
#define HS_MIGRATE_STEP 16 /* old slots moved per operation: finishes long before cur fills */
#define HS_UNMAP_STEP_BYTES ((size_t)2 << 20) /* the moved part of old goes back in these */
#define HS_WIDE_BATCH 64                      /* records carved from the arena at a time */

/* Placement.  Frees come in runs of neighbouring addresses (a structure
 * torn down in the order it was built: on python3, 90% of frees are within
 * 512 bytes of one of the 8 before; on xmllint all within 4 KiB of the
 * last), so a free's slot should share a cache line with its neighbours':
 * a 512-byte region of the address space is hashed to a window of 16
 * consecutive slots, one per 32 bytes (glibc's smallest chunk), in address
 * order.  Dense windows placed at random make long clusters when there are
 * many of them (many arenas, allocators with 16-byte blocks): when the
 * inserts of a stretch read more than HS_LOCAL_MAX_PROBES slots on
 * average, the table moves to one of the same size with every address
 * hashed on its own (Fibonacci hashing), for good. */
#define HS_REGION_SHIFT 9
#define HS_UNIT_SHIFT 5
#define HS_PROBE_STRETCH 4096  /* inserts per verdict on the windows */
#define HS_LOCAL_MAX_PROBES 16 /* hashing: 8.5 on average at 3/4 load; bench workloads: 8 at most */

/* A slot as one 96-bit little-endian number: the key in bits 0-47, the
 * value in bits 48-95.  The key is the address, or one of three reserved
 * values (no address below 3 is a heap block's, but any is accepted: it
 * then goes to a record). */
#define HS_KEY_BITS 48
#define HS_KEY_MASK ((UINT64_C(1) << HS_KEY_BITS) - 1)
#define HS_EMPTY UINT64_C(0)
#define HS_DEAD UINT64_C(1)
#define HS_FAR UINT64_C(2) /* the address is in the record */

/* The value: bit 47 clear: requested bytes in bits 0-23, context id in
 * bits 24-43, and in bits 44-46 the slop beyond the usual one in units of
 * 16 (a block shrunk in place keeps its old 16-aligned end, so that
 * difference is a multiple of 16); bit 47 set: the rest is the address of
 * a struct hs_block_wide divided by 8. */
#define HS_VAL_BITS 48
#define HS_WIDE_BIT (UINT64_C(1) << (HS_VAL_BITS - 1))
#define HS_REQ_BITS 24
#define HS_CTX_BITS 20
#define HS_SLOP16_BITS 3
#define HS_CTX_SHIFT HS_REQ_BITS
#define HS_SLOP16_SHIFT (HS_REQ_BITS + HS_CTX_BITS)
#define HS_WIDE_SHIFT 3

/* A block that does not pack; on the free list, next overlays req_bytes. */
struct hs_block_wide {
	union {
		uint64_t req_bytes;
		struct hs_block_wide *next;
	};
	uintptr_t ptr; /* the address, for a slot whose key is HS_FAR */
	uint32_t slop_bytes;
	uint32_t ctx;
};

/* The key bits of slot s (an unaligned 8-byte load: x86 and arm64 take it
 * in stride, and memcpy keeps it defined). */
static inline uint64_t slot_key(const struct hs_block_slot *s)
{
	uint64_t x;
	memcpy(&x, s, sizeof x);
	return x & HS_KEY_MASK;
}

/* The value bits of slot s. */
static inline uint64_t slot_val(const struct hs_block_slot *s)
{
	return (uint64_t)(s->w[1] >> 16) | (uint64_t)s->w[2] << 16;
}

/* Store key and value into slot s. */
static inline void slot_set(struct hs_block_slot *s, uint64_t key, uint64_t val)
{
	uint64_t x = key | val << HS_KEY_BITS;
	memcpy(s, &x, sizeof x);
	s->w[2] = (uint32_t)(val >> 16);
}

/* Overwrite the key of slot s, keeping its value. */
static inline void slot_set_key(struct hs_block_slot *s, uint64_t key)
{
	uint64_t x;
	memcpy(&x, s, sizeof x);
	x = (x & ~HS_KEY_MASK) | key;
	memcpy(s, &x, sizeof x);
}

/* The record a wide value points at. */
static inline struct hs_block_wide *wide_of(uint64_t val)
{
	return (struct hs_block_wide *)(uintptr_t)((val & ~HS_WIDE_BIT) << HS_WIDE_SHIFT);
}

/* Whether ptr cannot be a key itself (reserved, or beyond 48 bits). */
static inline int is_far(uintptr_t ptr)
{
	return ptr <= HS_FAR || (uint64_t)ptr >> HS_KEY_BITS != 0;
}

/* The key ptr is stored under. */
static inline uint64_t key_of(uintptr_t ptr)
{
	return is_far(ptr) ? HS_FAR : (uint64_t)ptr;
}

/* The home slot of ptr in a table of n_slots, with windows (local) or
 * with Fibonacci hashing of the whole address. */
static inline size_t home_of(uintptr_t ptr, size_t n_slots, int local)
{
	unsigned shift = 64 - (unsigned)__builtin_ctzll((unsigned long long)n_slots);
	const uint64_t fib = UINT64_C(0x9E3779B97F4A7C15);
	if (!local)
		return (size_t)(((uint64_t)ptr * fib) >> shift);
	uint64_t window = ((uint64_t)(ptr >> HS_REGION_SHIFT) * fib) >> shift;
	uint64_t unit = (ptr >> HS_UNIT_SHIFT) & ((1u << (HS_REGION_SHIFT - HS_UNIT_SHIFT)) - 1);
	return (size_t)((window + unit) & (n_slots - 1));
}

/* The home slot of ptr in t. */
static inline size_t slot_of(const struct hs_block_table *t, uintptr_t ptr)
{
	return home_of(ptr, t->n_slots, t->local);
}

/* The address held by slot s (a live one). */
static inline uintptr_t slot_ptr(const struct hs_block_slot *s)
{
	uint64_t key = slot_key(s);
	return key == HS_FAR ? wide_of(slot_val(s))->ptr : (uintptr_t)key;
}

/* The slop a block of req_bytes gets when malloc rounds it up to 16. */
static uint64_t usual_slop(uint64_t req_bytes)
{
	return (uint64_t)(-req_bytes & 15);
}

/* A record from the free list, refilled from the arena a batch at a time;
 * NULL when out of memory. */
static struct hs_block_wide *wide_get(struct hs_blocks *b)
{
	if (b->wide_free == NULL) {
		struct hs_block_wide *batch =
			hs_arena_alloc(&b->wide_arena, HS_WIDE_BATCH * sizeof *batch);
		if (batch == NULL)
			return NULL;
		for (int k = HS_WIDE_BATCH - 1; k >= 0; k--) {
			batch[k].next = b->wide_free;
			b->wide_free = &batch[k];
		}
	}
	struct hs_block_wide *w = b->wide_free;
	b->wide_free = w->next;
	b->n_wide++;
	return w;
}

/* Give back the record of a value, if it has one. */
static void wide_put(struct hs_blocks *b, uint64_t val)
{
	if (!(val & HS_WIDE_BIT))
		return;
	struct hs_block_wide *w = wide_of(val);
	w->next = b->wide_free;
	b->wide_free = w;
	b->n_wide--;
}

/* The value of blk, or 0 with *ok cleared when a record is needed and
 * none can be had. */
static uint64_t pack(struct hs_blocks *b, const struct hs_block *blk, int *ok)
{
	*ok = 1;
	uint64_t usual = usual_slop(blk->req_bytes);
	uint64_t beyond = (uint64_t)blk->slop_bytes - usual; /* wraps when below usual */
	if (!is_far(blk->ptr) && blk->req_bytes >> HS_REQ_BITS == 0 &&
	    blk->ctx >> HS_CTX_BITS == 0 && blk->slop_bytes >= usual && beyond % 16 == 0 &&
	    (beyond / 16) >> HS_SLOP16_BITS == 0)
		return blk->req_bytes | (uint64_t)blk->ctx << HS_CTX_SHIFT |
		       beyond / 16 << HS_SLOP16_SHIFT;
	struct hs_block_wide *w = wide_get(b);
	if (w == NULL) {
		*ok = 0;
		return 0;
	}
	uint64_t addr = (uint64_t)(uintptr_t)w >> HS_WIDE_SHIFT;
	if (addr >> (HS_VAL_BITS - 1) != 0) { /* mmap never maps that high unasked */
		w->next = b->wide_free;
		b->wide_free = w;
		b->n_wide--;
		*ok = 0;
		return 0;
	}
	w->req_bytes = blk->req_bytes;
	w->ptr = blk->ptr;
	w->slop_bytes = blk->slop_bytes;
	w->ctx = blk->ctx;
	return HS_WIDE_BIT | addr;
}

/* Unpack slot s into out. */
static void unpack(const struct hs_block_slot *s, struct hs_block *out)
{
	uint64_t val = slot_val(s);
	if (val & HS_WIDE_BIT) {
		const struct hs_block_wide *w = wide_of(val);
		out->ptr = slot_key(s) == HS_FAR ? w->ptr : (uintptr_t)slot_key(s);
		out->req_bytes = w->req_bytes;
		out->slop_bytes = w->slop_bytes;
		out->ctx = w->ctx;
	} else {
		out->ptr = (uintptr_t)slot_key(s);
		out->req_bytes = val & ((UINT64_C(1) << HS_REQ_BITS) - 1);
		out->ctx = (uint32_t)(val >> HS_CTX_SHIFT) & ((UINT32_C(1) << HS_CTX_BITS) - 1);
		uint64_t beyond = 16 * (val >> HS_SLOP16_SHIFT); /* the wide bit is clear */
		out->slop_bytes = (uint32_t)(usual_slop(out->req_bytes) + beyond);
	}
}

/* Copy slot s out and release its record. */
static void take(struct hs_blocks *b, const struct hs_block_slot *s, struct hs_block *out)
{
	unpack(s, out);
	wide_put(b, slot_val(s));
}

/* Whether slot s holds ptr, stored under key. */
static inline int slot_holds(const struct hs_block_slot *s, uint64_t key, uintptr_t ptr)
{
	return slot_key(s) == key && (key != HS_FAR || wide_of(slot_val(s))->ptr == ptr);
}

/* Index of ptr in t, or n_slots when absent.  Slots below first hold
 * nothing live (the moved part of a table being migrated) and are never
 * read: a chain whose home lies there goes on from first, and one that
 * wraps around ends. */
static size_t table_lookup(const struct hs_block_table *t, uintptr_t ptr, size_t first)
{
	if (t->n_slots == 0)
		return 0;
	uint64_t key = key_of(ptr);
	size_t i = slot_of(t, ptr);
	if (i < first)
		i = first;
	for (;;) {
		const struct hs_block_slot *s = &t->slots[i];
		if (slot_holds(s, key, ptr))
			return i;
		if (slot_key(s) == HS_EMPTY)
			return t->n_slots;
		if (++i == t->n_slots) {
			if (first != 0)
				return t->n_slots;
			i = 0;
		}
	}
}

/* Put slot s of another table into t, which has room, no tombstones, and
 * does not hold its address. */
static void table_put(struct hs_block_table *t, const struct hs_block_slot *s)
{
	size_t mask = t->n_slots - 1;
	size_t i = slot_of(t, slot_ptr(s));
	while (slot_key(&t->slots[i]) != HS_EMPTY)
		i = (i + 1) & mask;
	t->slots[i] = *s;
	t->n_used++;
}

/* Put (ptr, val) into t, or replace the value of the entry with the same
 * address, returning its index; n_slots when added.  Tombstones count as
 * taken.  A probe that reaches the table's end goes on from slot 0 when
 * wrap, else gives up and returns n_slots + 1, nothing changed (the old
 * table, whose start is given back as the move goes).  Adds the slots it
 * read to *probe_slots.  Inline: wrap is a constant at each call. */
static inline __attribute__((always_inline)) size_t table_put_or_replace(
	struct hs_block_table *t, uintptr_t ptr, uint64_t val, uint64_t *replaced_val,
	size_t *probe_slots, int wrap)
{
	size_t mask = t->n_slots - 1;
	uint64_t key = key_of(ptr);
	size_t i = slot_of(t, ptr);
	for (;;) {
		struct hs_block_slot *s = &t->slots[i];
		++*probe_slots;
		if (slot_holds(s, key, ptr)) {
			*replaced_val = slot_val(s);
			slot_set(s, key, val);
			return i;
		}
		if (slot_key(s) == HS_EMPTY)
			break;
		i = (i + 1) & mask;
		if (!wrap && i == 0)
			return t->n_slots + 1;
	}
	slot_set(&t->slots[i], key, val);
	t->n_used++;
	return t->n_slots;
}

/* Copy the value an insert replaced to *replaced and release its record
 * (unpacked as it was: key and record as before). */
static void take_replaced(struct hs_blocks *b, uintptr_t ptr, uint64_t val,
			  struct hs_block *replaced)
{
	struct hs_block_slot prev;
	slot_set(&prev, key_of(ptr), val);
	take(b, &prev, replaced);
}

/* Delete slot i of t by shifting later members of its cluster back, so the
 * table never needs tombstones (used for cur, which is never migrated). */
static void table_delete_shift(struct hs_block_table *t, size_t i)
{
	size_t mask = t->n_slots - 1;
	size_t j = i;
	for (;;) {
		j = (j + 1) & mask;
		if (slot_key(&t->slots[j]) == HS_EMPTY)
			break;
		size_t home = slot_of(t, slot_ptr(&t->slots[j]));
		/* Move j into the hole at i unless its home lies cyclically in (i, j]. */
		int home_between = (i <= j) ? (home > i && home <= j) : (home > i || home <= j);
		if (!home_between) {
			t->slots[i] = t->slots[j];
			i = j;
		}
	}
	slot_set(&t->slots[i], HS_EMPTY, 0);
	t->n_used--;
}

/* Turn slot i of the old table into a tombstone (shifting could move an
 * entry behind migrate_next). */
static void old_kill(struct hs_blocks *b, size_t i)
{
	slot_set_key(&b->old.slots[i], HS_DEAD);
	b->old.n_used--;
	b->old.n_dead++;
}

/* Give back the whole pages of old below migrate_next, in big steps (each
 * munmap splits the mapping and its huge pages). */
static void old_unmap_moved(struct hs_blocks *b)
{
	size_t moved_bytes = b->migrate_next * sizeof(struct hs_block_slot);
	size_t upto_bytes = moved_bytes / HS_UNMAP_STEP_BYTES * HS_UNMAP_STEP_BYTES;
	if (upto_bytes > b->old.unmapped_bytes) {
		hs_arena_unmap((char *)b->old.slots + b->old.unmapped_bytes,
			       upto_bytes - b->old.unmapped_bytes);
		b->old.unmapped_bytes = upto_bytes;
	}
}

/* Unmap what is left of table t. */
static void table_unmap(struct hs_block_table *t)
{
	size_t bytes = t->n_slots * sizeof(struct hs_block_slot);
	if (t->slots != NULL && bytes > t->unmapped_bytes)
		hs_arena_unmap((char *)t->slots + t->unmapped_bytes, bytes - t->unmapped_bytes);
	*t = (struct hs_block_table){ 0 };
}

/* Move a few old slots into cur; unmap old when done. */
static void migrate_step(struct hs_blocks *b)
{
	if (b->old.n_slots == 0)
		return;
	for (int k = 0; k < HS_MIGRATE_STEP && b->migrate_next < b->old.n_slots; k++) {
		size_t i = b->migrate_next++;
		if (slot_key(&b->old.slots[i]) > HS_DEAD) {
			table_put(&b->cur, &b->old.slots[i]);
			/* A tombstone keeps the probe chains of unmoved entries. */
			old_kill(b, i);
		}
	}
	if (b->migrate_next == b->old.n_slots)
		table_unmap(&b->old);
	else
		old_unmap_moved(b);
}

/* Finish any migration at once (rare: only if cur fills before it ends). */
static void migrate_all(struct hs_blocks *b)
{
	while (b->old.n_slots != 0)
		migrate_step(b);
}

/* The lowest home among the old table's entries that wrapped around its
 * end into its first slots (n_slots when none). */
static size_t wrapped_home(const struct hs_block_table *t)
{
	size_t lowest = t->n_slots;
	for (size_t i = 0; i < t->n_slots && slot_key(&t->slots[i]) != HS_EMPTY; i++) {
		size_t home = slot_of(t, slot_ptr(&t->slots[i]));
		if (home > i && home < lowest)
			lowest = home;
	}
	return lowest;
}

/* Start a bigger table when cur is three quarters full, or one of the
 * same size with hashed placement when windows were judged bad (not while
 * a move runs: finishing it at once would be a long pause).  Returns 0, or
 * -1 when out of memory (nothing changed). */
static int maybe_grow(struct hs_blocks *b)
{
	int full = b->cur.n_slots == 0 || (b->cur.n_used + 1) * 4 > b->cur.n_slots * 3;
	int rehash = b->hashed_only && b->cur.local && b->old.n_slots == 0;
	if (!full && !rehash)
		return 0;
	size_t n = b->cur.n_slots == 0 ? HS_FIRST_SLOTS
		   : full              ? b->cur.n_slots * 2
				       : b->cur.n_slots;
	if (n < b->cur.n_slots || n > SIZE_MAX / sizeof(struct hs_block_slot))
		return -1;
	struct hs_block_slot *slots = hs_arena_map(n * sizeof(struct hs_block_slot));
	if (slots == NULL)
		return -1;
	/* Random accesses: huge pages spare a TLB miss on many (advice only:
	 * failure changes nothing).  A smaller table gets every page at once:
	 * its inserts land all over it (a page holds 341 slots), each first
	 * reading a slot, so page by page it took a read fault and then a
	 * write fault.  A big one faults a huge page at a time. */
	if (n * sizeof(struct hs_block_slot) >= HS_HUGE_BYTES)
		madvise(slots, n * sizeof(struct hs_block_slot), MADV_HUGEPAGE);
	else
		hs_arena_fill(slots, n * sizeof(struct hs_block_slot));
	migrate_all(b);
	b->old = b->cur;
	b->migrate_next = 0;
	b->old_spilled = 0;
	b->old_wrap_home = wrapped_home(&b->old);
	b->cur = (struct hs_block_table){ .slots = slots, .n_slots = n, .local = !b->hashed_only };
	if (b->old.n_slots == 0)
		b->old = (struct hs_block_table){ 0 };
	b->probe_slots = b->probe_inserts = 0;
	return 0;
}

/* Count the slots an insert read; judge the windows once a stretch. */
static void judge_placement(struct hs_blocks *b, size_t probe_slots)
{
	b->probe_slots += probe_slots;
	if (++b->probe_inserts < HS_PROBE_STRETCH)
		return;
	if (b->cur.local && b->probe_slots > (size_t)HS_PROBE_STRETCH * HS_LOCAL_MAX_PROBES)
		b->hashed_only = 1;
	b->probe_slots = b->probe_inserts = 0;
}

void hs_blocks_init(struct hs_blocks *b)
{
	b->cur = (struct hs_block_table){ 0 };
	b->old = (struct hs_block_table){ 0 };
	b->migrate_next = 0;
	b->old_spilled = 0;
	b->old_wrap_home = 0;
	hs_arena_init(&b->wide_arena);
	b->wide_free = NULL;
	b->n_wide = 0;
	b->probe_slots = b->probe_inserts = 0;
	b->hashed_only = 0;
}

/* While the table doubles, whether ptr goes into the old table: when its
 * home there lies ahead of the move.  Its home in cur is about twice the
 * old one (the windows, or the hash, take one more bit), so cur then fills
 * from its start as the move goes, while the old table is given back from
 * its start: the huge pages the kernel gets back are the ones it hands out
 * for cur next, instead of fresh ones (on the bench machine a huge page
 * never used before costs about 3.4 ms, one freed just before 0.13 ms). */
static int goes_to_old(const struct hs_blocks *b, uintptr_t ptr)
{
	if (b->old.n_slots == 0 || b->cur.n_slots != 2 * b->old.n_slots ||
	    b->cur.local != b->old.local)
		return 0;
	size_t home = slot_of(&b->old, ptr);
	/* From old_wrap_home up, a block may sit in the chain that wrapped to
	 * the old table's start and was moved first: such addresses go the
	 * usual way (their chain in old runs to its end, so they would find
	 * no room there, spill, and make every later insert look in cur). */
	return home >= b->migrate_next + HS_MIGRATE_STEP && home < b->old_wrap_home;
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
	size_t i;
	/* cur holds only addresses whose old home is behind the move (so not
	 * this one), unless an insert found no room in old (then look). */
	if (goes_to_old(b, blk->ptr) &&
	    (!b->old_spilled || table_lookup(&b->cur, blk->ptr, 0) == b->cur.n_slots)) {
		/* From its home there, which is ahead of the move. */
		uint64_t old_val = 0;
		size_t unused = 0;
		i = table_put_or_replace(&b->old, blk->ptr, val, &old_val, &unused, 0);
		if (i <= b->old.n_slots) {
			if (i < b->old.n_slots) {
				take_replaced(b, blk->ptr, old_val, replaced);
				rc = 1;
			}
			migrate_step(b);
			return rc;
		}
		b->old_spilled = 1; /* no room before the old table's end: into cur */
	}
	i = table_lookup(&b->old, blk->ptr, b->migrate_next);
	if (i < b->old.n_slots) {
		/* Still waiting in the old table: it leaves it as a tombstone. */
		take(b, &b->old.slots[i], replaced);
		old_kill(b, i);
		rc = 1;
	}
	uint64_t old_val = 0;
	size_t probe_slots = 0;
	i = table_put_or_replace(&b->cur, blk->ptr, val, &old_val, &probe_slots, 1);
	judge_placement(b, probe_slots);
	if (i < b->cur.n_slots) {
		take_replaced(b, blk->ptr, old_val, replaced);
		rc = 1;
	}
	migrate_step(b);
	return rc;
}

int hs_blocks_remove(struct hs_blocks *b, uintptr_t ptr, struct hs_block *out)
{
	size_t i = table_lookup(&b->cur, ptr, 0);
	if (i < b->cur.n_slots) {
		take(b, &b->cur.slots[i], out);
		table_delete_shift(&b->cur, i);
		migrate_step(b);
		return 1;
	}
	i = table_lookup(&b->old, ptr, b->migrate_next);
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
	const struct hs_block_slot *s = NULL;
	size_t i = table_lookup(&b->cur, ptr, 0);
	if (i < b->cur.n_slots) {
		s = &b->cur.slots[i];
	} else {
		i = table_lookup(&b->old, ptr, b->migrate_next);
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
	int local = __atomic_load_n(&b->cur.local, __ATOMIC_RELAXED);
	if (slots != NULL && n != 0) {
		const char *s = (const char *)&slots[home_of(ptr, n, local)];
		__builtin_prefetch(s, 1);
		__builtin_prefetch(s + sizeof *slots - 1, 1); /* a slot may straddle two lines */
	}
}

size_t hs_blocks_probe_length(const struct hs_blocks *b, uintptr_t ptr)
{
	const struct hs_block_table *t = &b->cur;
	if (t->n_slots == 0)
		return 0;
	uint64_t key = key_of(ptr);
	size_t n = 1;
	for (size_t i = slot_of(t, ptr);; i = (i + 1) & (t->n_slots - 1), n++) {
		if (slot_holds(&t->slots[i], key, ptr) || slot_key(&t->slots[i]) == HS_EMPTY)
			return n;
	}
}

size_t hs_blocks_count(const struct hs_blocks *b)
{
	return b->cur.n_used + b->old.n_used;
}

void hs_blocks_destroy(struct hs_blocks *b)
{
	table_unmap(&b->cur);
	table_unmap(&b->old);
	hs_arena_destroy(&b->wide_arena);
	hs_blocks_init(b);
}
