/* test_rec_tables: the core's data structures: the arena, the live-block
 * hash (checked against a plain array through growth and incremental
 * migration), context interning, and the snapshots' copies. */
#include <check.h>

#include "hs_check.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "arena.h"
#include "blocks.h"
#include "contexts.h"
#include "options.h"
#include "snapshot.h"

START_TEST(arena_alloc_and_limit)
{
	struct hs_arena a;
	hs_arena_init(&a);
	size_t before = hs_arena_mapped_bytes();
	char *p = hs_arena_alloc(&a, 10);
	char *q = hs_arena_alloc(&a, 10);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq((uintptr_t)p % 16, 0);
	ck_assert_ptr_eq(q, p + 16); /* bumped, 16-byte aligned */
	ck_assert_uint_eq(hs_arena_mapped_bytes(), before + (1u << 20));
	char *big = hs_arena_alloc(&a, 3u << 20); /* bigger than a chunk */
	ck_assert_ptr_nonnull(big);
	big[(3u << 20) - 1] = 1;
	hs_arena_set_limit(hs_arena_mapped_bytes() + 8192);
	ck_assert_ptr_nonnull(hs_arena_map(8192));
	ck_assert_ptr_null(hs_arena_map(1));
	ck_assert_ptr_null(hs_arena_alloc(&a, 2u << 20));
	hs_arena_set_limit(0);
	hs_arena_destroy(&a);
}
END_TEST

static uint64_t lcg(uint64_t *state)
{
	*state = *state * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
	return *state >> 33;
}

/* A block for the random test: mostly ones that pack, some with a size,
 * id or slop that needs a record, at address ptr. */
static struct hs_block random_block(uint64_t *seed, uintptr_t ptr)
{
	uint64_t r = lcg(seed);
	struct hs_block blk = { ptr, r % 5000, 0, (uint32_t)(lcg(seed) % 3000) };
	blk.slop_bytes = (uint32_t)(-blk.req_bytes & 15);
	switch (r % 23) {
	case 0:
		blk.req_bytes = (UINT64_C(1) << 24) + lcg(seed);
		break; /* too big to pack */
	case 1:
		blk.ctx = (1u << 20) + (uint32_t)(lcg(seed) % 100);
		break; /* id too big */
	case 2:
		blk.slop_bytes += 16 * (uint32_t)(lcg(seed) % 12);
		break; /* shrunk in place */
	case 3:
		blk.slop_bytes = (uint32_t)lcg(seed);
		break; /* anything */
	default:
		break;
	}
	return blk;
}

/* Random inserts, replacements and removes at the addresses malloc gives
 * (16-byte aligned, dense) and a few odd ones (8-byte aligned, beyond 48
 * bits), checked field by field against a reference array through every
 * growth and in the middle of incremental migrations.  Run 1 also gives up
 * windowed placement a third of the way (as if inserts had read too many
 * slots): the move to a hashed table of the same size is checked too. */
START_TEST(blocks_match_reference)
{
	int give_up_windows = _i == 1;
	size_t n_same_size_moves = 0;
	enum { N_ADDR = 6000, STEPS = 60000 };
	static struct hs_block ref[N_ADDR]; /* ptr 0: not live */
	memset(ref, 0, sizeof ref);
	struct hs_blocks b;
	hs_blocks_init(&b);
	uint64_t seed = 42;
	size_t live = 0, max_live = 0, n_replaced = 0, n_checks_migrating = 0, max_wide = 0;
	for (unsigned step = 0; step < STEPS; step++) {
		unsigned i = (unsigned)(lcg(&seed) % N_ADDR);
		uintptr_t ptr = 0x7f0000000000u + 16u * i;
		if (i % 97 == 1)
			ptr = (UINT64_C(1) << 48) + 16u * i; /* beyond 48 bits */
		else if (i % 89 == 2)
			ptr += 8; /* 8-byte aligned, as some allocators give */
		/* Grow for the first half, then churn. */
		int want_insert = step < STEPS / 2 ? lcg(&seed) % 4 != 0 : lcg(&seed) % 2 == 0;
		struct hs_block out;
		if (want_insert && ref[i].ptr == 0) {
			struct hs_block blk = random_block(&seed, ptr);
			hs_assert(hs_blocks_insert(&b, &blk, &out) == 0);
			ref[i] = blk;
			live++;
		} else if (want_insert && step % 3 == 0) {
			/* The address again without a free: the entry is replaced. */
			struct hs_block blk = random_block(&seed, ptr);
			hs_assert(hs_blocks_insert(&b, &blk, &out) == 1);
			hs_assert(memcmp(&out, &ref[i], sizeof out) == 0);
			ref[i] = blk;
			n_replaced++;
		} else if (!want_insert) {
			int had = ref[i].ptr != 0;
			hs_assert(hs_blocks_remove(&b, ptr, &out) == had);
			if (had) {
				hs_assert(memcmp(&out, &ref[i], sizeof out) == 0);
				ref[i].ptr = 0;
				live--;
			}
		}
		if (give_up_windows && step == STEPS / 3)
			b.hashed_only = 1;
		n_same_size_moves += b.old.n_slots == b.cur.n_slots;
		if (live > max_live)
			max_live = live;
		if (b.n_wide > max_wide)
			max_wide = b.n_wide;
		hs_assert(hs_blocks_count(&b) == live);
		if (step % 997 == 0 || (b.old.n_slots != 0 && step % 11 == 0)) {
			n_checks_migrating += b.old.n_slots != 0;
			for (unsigned k = 0; k < N_ADDR; k++) {
				struct hs_block f;
				uintptr_t p = 0x7f0000000000u + 16u * k;
				if (k % 97 == 1)
					p = (UINT64_C(1) << 48) + 16u * k;
				else if (k % 89 == 2)
					p += 8;
				int found = hs_blocks_find(&b, p, &f);
				hs_assert(found == (ref[k].ptr != 0));
				if (found)
					hs_assert(memcmp(&f, &ref[k], sizeof f) == 0);
				hs_assert(hs_blocks_find(&b, p + 16 * N_ADDR, NULL) == 0);
			}
		}
	}
	ck_assert_uint_gt(max_live, 4000); /* the table grew several times */
	ck_assert_uint_gt(n_replaced, 1000);
	ck_assert_uint_gt(n_checks_migrating, 20);
	ck_assert_uint_gt(max_wide, 500);
	ck_assert_uint_ge(b.cur.n_slots, 8192);
	ck_assert_int_eq(b.cur.local, !give_up_windows);
	if (give_up_windows)
		ck_assert_uint_gt(n_same_size_moves, 100);
	else
		ck_assert_uint_eq(n_same_size_moves, 0);
	hs_blocks_destroy(&b);
}
END_TEST

/* Unknown and reserved addresses are not found. */
START_TEST(blocks_unknown)
{
	struct hs_blocks b;
	hs_blocks_init(&b);
	struct hs_block out;
	ck_assert_int_eq(hs_blocks_remove(&b, 0x1000, &out), 0);
	ck_assert_int_eq(hs_blocks_find(&b, 0x1000, NULL), 0);
	struct hs_block blk = { 0x1000, 5, 11, 0 };
	ck_assert_int_eq(hs_blocks_insert(&b, &blk, &out), 0);
	ck_assert_int_eq(hs_blocks_find(&b, 0, NULL), 0);
	ck_assert_int_eq(hs_blocks_find(&b, 1, NULL), 0);
	ck_assert_int_eq(hs_blocks_find(&b, 0x1010, NULL), 0);
	struct hs_block f;
	ck_assert_int_eq(hs_blocks_find(&b, 0x1000, &f), 1);
	ck_assert_uint_eq(f.slop_bytes, 11);
	hs_blocks_destroy(&b);
}
END_TEST

/* Blocks that pack into a 12-byte slot (address below 2^48 and above 2,
 * size below 2^24, id below 2^20, usual slop or up to 7 16-byte units
 * more) and blocks that need a record come back with the same figures,
 * and removed records are reused. */
START_TEST(blocks_packed_and_wide)
{
	struct hs_blocks b;
	hs_blocks_init(&b);
	const struct hs_block in[] = {
		{ 0x10000, 0, 0, 0 },                              /* packs */
		{ 0x10010, 17, 15, (1u << 20) - 1 },               /* packs: biggest id */
		{ 0x10020, (UINT64_C(1) << 24) - 16, 0, 3 },       /* packs: biggest size */
		{ 0x7ffffffffff0, (UINT64_C(1) << 24) - 1, 1, 9 }, /* packs: top user address */
		{ 0xffffffffffff, 1, 15, 1 },                      /* packs: biggest address */
		{ 0x10038, 20, 12, 4 },                            /* packs: 8-byte aligned */
		{ 0x10080, 20, 12 + 16 * 7, 7 }, /* shrunk in place by 112: packs */
		{ 3, 20, 12, 7 },                /* smallest address that packs */
		/* From here on, each needs a record (10 of them). */
		{ 0x10030, 17, 0, 1 },                     /* slop below the usual */
		{ 0x10040, UINT64_C(1) << 24, 0, 2 },      /* size too big to pack */
		{ 0x10050, 1u << 30, 4032, 5 },            /* Valgrind's big-block slop */
		{ 0x10060, 8, 8, 1u << 20 },               /* id too big to pack */
		{ 0x10070, 100, HS_SLOP_MAX, UINT32_MAX }, /* everything at its limit */
		{ 0x10090, 20, 12 + 16 * 8, 7 },           /* shrunk in place by 128 */
		{ 0x100a0, 20, 13, 7 },                    /* slop not 16-aligned beyond */
		{ UINT64_C(1) << 48, 1, 15, 0 },           /* address beyond 48 bits */
		{ UINTPTR_MAX, UINT64_MAX, 0, 0 },         /* the same, and the biggest size */
		{ 2, 5, 11, 6 },                           /* a reserved key as an address */
	};
	enum { N = sizeof in / sizeof in[0], N_WIDE = 10 };
	const uint64_t sizes[] = { (UINT64_C(1) << 30) - 1, UINT64_C(1) << 30, UINT64_C(1) << 31,
				   UINT64_C(1) << 40 };
	struct hs_block out;
	for (unsigned k = 0; k < N; k++)
		ck_assert_int_eq(hs_blocks_insert(&b, &in[k], &out), 0);
	ck_assert_uint_eq(b.n_wide, N_WIDE);
	for (unsigned k = 0; k < N; k++) {
		ck_assert_int_eq(hs_blocks_find(&b, in[k].ptr, &out), 1);
		ck_assert_mem_eq(&out, &in[k], sizeof out);
	}
	/* Neighbours of the odd keys are not found. */
	ck_assert_int_eq(hs_blocks_find(&b, (UINT64_C(1) << 48) + 16, NULL), 0);
	ck_assert_int_eq(hs_blocks_find(&b, UINTPTR_MAX - 15, NULL), 0);
	ck_assert_int_eq(hs_blocks_find(&b, 0, NULL), 0);
	ck_assert_int_eq(hs_blocks_find(&b, 1, NULL), 0);
	ck_assert_int_eq(hs_blocks_find(&b, 0x10008, NULL), 0);
	/* Big sizes keep every bit. */
	for (unsigned k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
		struct hs_block big = { 0x20000 + 16 * k, sizes[k], (uint32_t)(-sizes[k] & 15),
					11 };
		ck_assert_int_eq(hs_blocks_insert(&b, &big, &out), 0);
		ck_assert_int_eq(hs_blocks_find(&b, big.ptr, &out), 1);
		ck_assert_mem_eq(&out, &big, sizeof out);
		ck_assert_int_eq(hs_blocks_remove(&b, big.ptr, &out), 1);
		ck_assert_mem_eq(&out, &big, sizeof out);
	}
	ck_assert_uint_eq(b.n_wide, N_WIDE);
	/* Replacing a wide entry by a packed one gives its record back. */
	struct hs_block again = { 0x10030, 32, 0, 9 };
	ck_assert_int_eq(hs_blocks_insert(&b, &again, &out), 1);
	ck_assert_mem_eq(&out, &in[8], sizeof out);
	ck_assert_uint_eq(b.n_wide, N_WIDE - 1);
	/* And a packed one by a wide one takes one; far addresses too. */
	struct hs_block again_far = { UINT64_C(1) << 48, 7, 1u << 20, 3 };
	ck_assert_int_eq(hs_blocks_insert(&b, &again_far, &out), 1);
	ck_assert_mem_eq(&out, &in[15], sizeof out);
	ck_assert_uint_eq(b.n_wide, N_WIDE - 1);
	struct hs_block again_packed = { 0x10000, 7, 9 + 16, 3 };
	ck_assert_int_eq(hs_blocks_insert(&b, &again_packed, &out), 1);
	ck_assert_mem_eq(&out, &in[0], sizeof out);
	struct hs_block again_wide = { 0x10010, 7, 9 + 16 * 8, 3 };
	ck_assert_int_eq(hs_blocks_insert(&b, &again_wide, &out), 1);
	ck_assert_mem_eq(&out, &in[1], sizeof out);
	ck_assert_uint_eq(b.n_wide, N_WIDE);
	ck_assert_int_eq(hs_blocks_remove(&b, 0x10090, &out), 1);
	ck_assert_mem_eq(&out, &in[13], sizeof out);
	ck_assert_int_eq(hs_blocks_remove(&b, UINTPTR_MAX, &out), 1);
	ck_assert_mem_eq(&out, &in[16], sizeof out);
	ck_assert_int_eq(hs_blocks_remove(&b, 2, &out), 1);
	ck_assert_mem_eq(&out, &in[17], sizeof out);
	ck_assert_int_eq(hs_blocks_remove(&b, 0x7ffffffffff0, &out), 1);
	ck_assert_mem_eq(&out, &in[3], sizeof out);
	ck_assert_uint_eq(b.n_wide, N_WIDE - 3);
	ck_assert_uint_eq(hs_blocks_count(&b), N - 4);
	/* Records come back from the free list: 1000 wide blocks in and out
	 * twice map nothing the second time. */
	for (int round = 0; round < 2; round++) {
		size_t mapped = hs_arena_mapped_bytes();
		for (uintptr_t k = 0; k < 1000; k++) {
			struct hs_block w = { 0x30000 + 16 * k, 1, 0, 1u << 20 };
			ck_assert_int_eq(hs_blocks_insert(&b, &w, &out), 0);
		}
		ck_assert_uint_eq(b.n_wide, N_WIDE - 3 + 1000);
		for (uintptr_t k = 0; k < 1000; k++)
			ck_assert_int_eq(hs_blocks_remove(&b, 0x30000 + 16 * k, &out), 1);
		ck_assert_uint_eq(b.n_wide, N_WIDE - 3);
		if (round == 1)
			ck_assert_uint_le(hs_arena_mapped_bytes(), mapped);
	}
	hs_blocks_destroy(&b);
}
END_TEST

/* While the table moves to a bigger one, the moved part of the old one
 * is unmapped step by step: the mapped bytes of the two tables never
 * reach old + new in full, and nothing is lost on the way. */
START_TEST(blocks_old_table_given_back)
{
	struct hs_blocks b;
	hs_blocks_init(&b);
	struct hs_block out;
	size_t base = hs_arena_mapped_bytes();
	uintptr_t next = 0x7e0000000000u;
	/* Fill up to the growth from 2^20 to 2^21 slots. */
	while (!(b.old.n_slots == (size_t)1 << 20)) {
		struct hs_block blk = { next, 24, 8, 1 };
		hs_assert(hs_blocks_insert(&b, &blk, &out) == 0);
		next += 32;
	}
	ck_assert_int_eq(b.cur.local, 1); /* a growth, not a change of placement */
	ck_assert_uint_eq(b.cur.n_slots, (size_t)1 << 21);
	size_t both_bytes = ((size_t)3 << 20) * sizeof(struct hs_block_slot);
	ck_assert_uint_eq(hs_arena_mapped_bytes() - base, both_bytes);
	size_t min_bytes = both_bytes;
	/* Frees of the oldest blocks (found in the old table) drive the move. */
	uintptr_t oldest = 0x7e0000000000u;
	while (b.old.n_slots != 0) {
		size_t now_bytes = hs_arena_mapped_bytes() - base;
		if (now_bytes < min_bytes)
			min_bytes = now_bytes;
		hs_assert(hs_blocks_remove(&b, oldest, &out) == 1);
		hs_assert(out.ptr == oldest && out.req_bytes == 24);
		oldest += 32;
	}
	/* Before the end, only the last 2 MiB of the old 12 MiB were mapped. */
	ck_assert_uint_le(min_bytes, both_bytes - ((size_t)10 << 20));
	ck_assert_uint_eq(hs_arena_mapped_bytes() - base,
			  ((size_t)2 << 20) * sizeof(struct hs_block_slot));
	for (uintptr_t p = oldest; p < next; p += 32)
		hs_assert(hs_blocks_find(&b, p, NULL) == 1);
	ck_assert_uint_eq(hs_blocks_count(&b), (next - oldest) / 32);
	hs_blocks_destroy(&b);
	ck_assert_uint_eq(hs_arena_mapped_bytes(), base);
}
END_TEST

/* Out of memory, for a bigger table or for a record: -1 and the set as
 * it was; once memory is back, the same inserts work. */
START_TEST(blocks_out_of_memory)
{
	struct hs_blocks b;
	hs_blocks_init(&b);
	struct hs_block out;
	uintptr_t p = 0x10000;
	for (; hs_blocks_count(&b) < 768; p += 16) { /* 1024 slots, three quarters full */
		struct hs_block blk = { p, 1, 15, 1 };
		ck_assert_int_eq(hs_blocks_insert(&b, &blk, &out), 0);
	}
	ck_assert_uint_eq(b.cur.n_slots, 1024);
	hs_arena_set_limit(hs_arena_mapped_bytes());
	struct hs_block grow = { p, 1, 15, 1 };
	ck_assert_int_eq(hs_blocks_insert(&b, &grow, &out), -1);
	ck_assert_uint_eq(hs_blocks_count(&b), 768);
	ck_assert_int_eq(hs_blocks_find(&b, p, NULL), 0);
	hs_arena_set_limit(0);
	ck_assert_int_eq(hs_blocks_insert(&b, &grow, &out), 0);
	/* Records: the first batch of the arena is refused. */
	hs_arena_set_limit(hs_arena_mapped_bytes());
	struct hs_block wide = { p + 16, UINT64_C(1) << 40, 0, 1 };
	ck_assert_int_eq(hs_blocks_insert(&b, &wide, &out), -1);
	ck_assert_uint_eq(hs_blocks_count(&b), 769);
	ck_assert_uint_eq(b.n_wide, 0);
	ck_assert_int_eq(hs_blocks_find(&b, p + 16, NULL), 0);
	hs_arena_set_limit(0);
	ck_assert_int_eq(hs_blocks_insert(&b, &wide, &out), 0);
	ck_assert_int_eq(hs_blocks_find(&b, p + 16, &out), 1);
	ck_assert_uint_eq(out.req_bytes, UINT64_C(1) << 40);
	hs_blocks_destroy(&b);
}
END_TEST

/* Insert and remove a dummy block until no move between tables runs. */
static void finish_move(struct hs_blocks *b)
{
	struct hs_block out, dummy = { 0x100000, 1, 15, 0 };
	while (b->old.n_slots != 0) {
		ck_assert_int_ge(hs_blocks_insert(b, &dummy, &out), 0);
		ck_assert_int_eq(hs_blocks_remove(b, dummy.ptr, &out), 1);
	}
}

/* Probe lengths at the highest load (3/4) on the address patterns that
 * break naive placements: dense 32-byte blocks, blocks 4 KiB apart,
 * random addresses, 16 arenas 64 MiB apart filled in turn with 48-byte
 * blocks, and 64 such arenas with 32-byte blocks.  The first three keep
 * windows (neighbours share lines); with the arenas, inserts come to read
 * more than 16 slots on average, so the table moves to hashed placement,
 * and every block is still found.  (Fully random placement gives 2.5 slots per hit
 * and 8.5 per miss on average at this load.) */
START_TEST(blocks_probe_lengths)
{
	enum { N = 98303 }; /* 3/4 of 2^17 slots, less one */
	const char *names[] = { "dense", "4k", "random", "16 arenas", "64 arenas" };
	const int want_local[] = { 1, 1, 1, 0, 0 };
	const double max_hit_mean[] = { 2.0, 1.1, 2.7, 1.6, 1.6 };
	const double max_miss_mean[] = { 10.0, 3.2, 9.5, 8.0, 8.0 };
	const size_t max_any[] = { 64, 12, 200, 80, 80 };
	for (int pat = 0; pat < 5; pat++) {
		struct hs_blocks b;
		hs_blocks_init(&b);
		struct hs_block out;
		uint64_t seed = 7;
		size_t hit_sum = 0, miss_sum = 0, worst = 0, n_live = 0;
		for (int pass = 0; pass < 3; pass++) {
			seed = 7;
			for (uintptr_t k = 0; k < N; k++) {
				uintptr_t p;
				switch (pat) {
				case 0:
					p = 0x555555a00000u + 32 * k;
					break;
				case 1:
					p = 0x7f0000000000u + 4096 * k;
					break;
				case 2:
					p = 0x7f0000000000u + 16 * (lcg(&seed) & 0xffffffffu);
					break;
				case 3:
					p = 0x7f0000000000u + (k % 16) * (UINT64_C(64) << 20) +
					    48 * (k / 16);
					break;
				default:
					p = 0x7f0000000000u + (k % 64) * (UINT64_C(64) << 20) +
					    32 * (k / 64);
					break;
				}
				if (pass == 0) {
					struct hs_block blk = { p, 24, 8, 1 };
					n_live += hs_blocks_insert(&b, &blk, &out) == 0;
					continue;
				}
				/* Pass 1: the blocks; pass 2: addresses nowhere in the set. */
				uintptr_t q = pass == 1 ? p : p + (UINT64_C(1) << 44);
				hs_assert(hs_blocks_find(&b, q, NULL) == (pass == 1));
				size_t len = hs_blocks_probe_length(&b, q);
				if (pass == 1)
					hit_sum += len;
				else
					miss_sum += len;
				if (len > worst)
					worst = len;
			}
			if (pass == 0) {
				finish_move(&b);
				ck_assert_uint_eq(b.cur.n_slots, (size_t)1 << 17);
				ck_assert_uint_eq(hs_blocks_count(&b), n_live);
			}
		}
		ck_assert_uint_ge(n_live, N - 10); /* random addresses may repeat */
		double hit_mean = (double)hit_sum / N, miss_mean = (double)miss_sum / N;
		ck_assert_msg(b.cur.local == want_local[pat] && hit_mean <= max_hit_mean[pat] &&
				      miss_mean <= max_miss_mean[pat] && worst <= max_any[pat],
			      "%s: windows %d, %.2f slots per hit, %.2f per miss, %zu at most",
			      names[pat], b.cur.local, hit_mean, miss_mean, worst);
		hs_blocks_destroy(&b);
	}
}
END_TEST

/* Ids in creation order; equal frames give the same id; 0 frames is a
 * context too; the index grows past its first size.  The set starts on
 * memory holding anything (its directory is not cleared, hs_contexts_init),
 * and its ids pass two chunks' ends. */
START_TEST(contexts_intern)
{
	struct hs_arena a;
	hs_arena_init(&a);
	static struct hs_contexts c;
	memset(&c, 0xa5, sizeof c);
	hs_contexts_init(&c, &a);
	uintptr_t f1[] = { 1, 2, 3 }, f2[] = { 1, 2 }, f3[] = { 3, 2, 1 };
	ck_assert_uint_eq(hs_contexts_intern(&c, f1, 3, hs_frames_hash(f1, 3)), 0);
	ck_assert_uint_eq(hs_contexts_intern(&c, f2, 2, hs_frames_hash(f2, 2)), 1);
	ck_assert_uint_eq(hs_contexts_intern(&c, f3, 3, hs_frames_hash(f3, 3)), 2);
	ck_assert_uint_eq(hs_contexts_intern(&c, NULL, 0, hs_frames_hash(NULL, 0)), 3);
	ck_assert_uint_eq(hs_contexts_intern(&c, NULL, 0, hs_frames_hash(NULL, 0)), 3);
	uintptr_t again[] = { 1, 2, 3 };
	ck_assert_uint_eq(hs_contexts_intern(&c, again, 3, hs_frames_hash(again, 3)), 0);
	ck_assert_uint_eq(hs_contexts_count(&c), 4);
	ck_assert_uint_eq(hs_contexts_get(&c, 1)->n_frames, 2);
	ck_assert_uint_eq(hs_contexts_get(&c, 2)->frames[0], 3);
	for (uintptr_t i = 0; i < 10000; i++) {
		uintptr_t f[] = { 0x400000 + i, 7 };
		ck_assert_uint_eq(hs_contexts_intern(&c, f, 2, hs_frames_hash(f, 2)), 4 + i);
		/* An older one is found while the index moves to a bigger one. */
		uintptr_t g[] = { 0x400000 + i / 2, 7 };
		ck_assert_uint_eq(hs_contexts_intern(&c, g, 2, hs_frames_hash(g, 2)), 4 + i / 2);
	}
	ck_assert_uint_ge(c.n_index, 16384);
	for (uintptr_t i = 0; i < 10000; i += 777) {
		uintptr_t f[] = { 0x400000 + i, 7 };
		ck_assert_uint_eq(hs_contexts_intern(&c, f, 2, hs_frames_hash(f, 2)), 4 + i);
	}
	ck_assert_uint_eq(hs_contexts_count(&c), 10004);
	hs_contexts_destroy(&c);
	hs_arena_destroy(&a);
}
END_TEST

/* n contexts of one frame each, every one with live bytes. */
static void contexts_with_bytes(struct hs_contexts *c, uint32_t n)
{
	for (uint32_t i = hs_contexts_count(c); i < n; i++) {
		uintptr_t f[] = { 0x400000 + i };
		uint32_t id = hs_contexts_intern(c, f, 1, hs_frames_hash(f, 1));
		ck_assert_uint_eq(id, i);
		hs_contexts_get(c, id)->live_bytes = 100 + i;
	}
}

/* A culled snapshot's copy is kept for the next ones (snapshot.h, spare):
 * once the table has culled, detailed snapshots of the same contexts map
 * nothing more; copies that grow past the spares swap one for a bigger
 * one, so the mappings stay within what the table held; destroy gives
 * every one back. */
START_TEST(snapshot_copies_reused)
{
	size_t start = hs_arena_mapped_bytes();
	struct hs_arena a;
	hs_arena_init(&a);
	static struct hs_contexts c;
	hs_contexts_init(&c, &a);
	contexts_with_bytes(&c, 3000); /* 48 KB a copy */
	struct hs_options o;
	memset(&o, 0, sizeof o);
	o.max_snapshots = 10;
	o.detailed_freq = 1; /* every snapshot has a copy */
	o.time_unit = HS_TIME_BYTES;
	struct hs_snapshots s;
	ck_assert_int_eq(hs_snapshots_init(&s, &o), 0);
	size_t with_table = hs_arena_mapped_bytes();
	int64_t t = 0;
	while (s.n_cullings == 0)
		ck_assert_int_eq(hs_snapshots_normal(&s, t++, 1000, 8, &c), 0);
	size_t after_cull = hs_arena_mapped_bytes();
	ck_assert_uint_gt(after_cull, with_table);
	/* Up to the next cull and well past it: not a byte more. */
	for (unsigned i = 0; i < 40; i++) {
		ck_assert_int_eq(hs_snapshots_normal(&s, t++, 1000, 8, &c), 0);
		ck_assert_uint_eq(hs_arena_mapped_bytes(), after_cull);
	}
	ck_assert_uint_ge(s.n_cullings, 3);
	/* The copies' bytes are this snapshot's. */
	const struct hs_snapshot *last = &s.table[s.count - 1];
	ck_assert_uint_eq(last->n_entries, 3000);
	ck_assert_uint_eq(last->entries[2999].ctx, 2999);
	ck_assert_uint_eq(last->entries[2999].bytes, 100 + 2999);
	/* Growing copies: within the table's copies at their largest. */
	for (uint32_t n = 3000; n < 12000; n += 150) {
		contexts_with_bytes(&c, n);
		ck_assert_int_eq(hs_snapshots_normal(&s, t++, 1000, 8, &c), 0);
		size_t copy = (size_t)n * sizeof(struct hs_snap_entry);
		ck_assert_uint_le(hs_arena_mapped_bytes(),
				  with_table + (o.max_snapshots + 1) * (copy + copy / 8 + 4096));
	}
	last = &s.table[s.count - 1];
	ck_assert_uint_gt(last->n_contexts, 10000);
	ck_assert_uint_eq(last->n_entries, last->n_contexts);
	for (uint32_t i = 0; i < last->n_entries; i++) {
		ck_assert_uint_eq(last->entries[i].ctx, i);
		ck_assert_uint_eq(last->entries[i].bytes, 100 + i);
	}
	hs_snapshots_destroy(&s);
	hs_contexts_destroy(&c);
	hs_arena_destroy(&a);
	ck_assert_uint_eq(hs_arena_mapped_bytes(), start);
}
END_TEST

/* Pages of [p, p + bytes) resident now. */
static size_t resident_pages(const void *p, size_t bytes)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), n = (bytes + page - 1) / page, in = 0;
	unsigned char *vec = calloc(n, 1);

	hs_assert(vec != NULL && mincore((void *)p, bytes, vec) == 0);
	for (size_t i = 0; i < n; i++)
		in += vec[i] & 1;
	free(vec);
	return in;
}

/* A small table's pages come all at once when it is made (hs_arena_fill),
 * not a read fault and a write fault each as inserts land on them. */
START_TEST(small_tables_backed_at_once)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	void *probe = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	hs_assert(probe != MAP_FAILED);
	int supported = madvise(probe, page, 23 /* MADV_POPULATE_WRITE */) == 0;
	munmap(probe, page);
	if (!supported) {
		fprintf(stderr,
			"# no MADV_POPULATE_WRITE (Linux before 5.14): pages come at first touch\n");
		return;
	}
	struct hs_blocks b;
	struct hs_block out;
	hs_blocks_init(&b);
	uintptr_t next = 0x7e0000000000u;
	/* After the first insert and after each growth up to 64 Ki slots. */
	for (size_t grown = 0; b.cur.n_slots < ((size_t)1 << 16);) {
		struct hs_block blk = { next, 24, 8, 1 };
		hs_assert(hs_blocks_insert(&b, &blk, &out) == 0);
		next += 4096; /* a block per 4 KiB: far apart in the table too */
		if (b.cur.n_slots != grown) {
			size_t bytes = b.cur.n_slots * sizeof(struct hs_block_slot);
			ck_assert_uint_eq(resident_pages(b.cur.slots, bytes),
					  (bytes + page - 1) / page);
			grown = b.cur.n_slots;
		}
	}
	hs_blocks_destroy(&b);

	struct hs_arena a;
	struct hs_contexts c;
	uintptr_t f[1] = { 0x401000 };
	hs_arena_init(&a);
	hs_contexts_init(&c, &a);
	ck_assert_uint_eq(hs_contexts_intern(&c, f, 1, hs_frames_hash(f, 1)), 0);
	size_t index_bytes = (size_t)c.n_index * sizeof *c.index;
	ck_assert_uint_gt(index_bytes, page);
	ck_assert_uint_eq(resident_pages(c.index, index_bytes), (index_bytes + page - 1) / page);
	hs_contexts_destroy(&c);
	hs_arena_destroy(&a);
}
END_TEST

/* While the table doubles, an insert whose old home lies ahead of the
 * move goes into the old table: the new one is written from its start as
 * the move goes (so its pages can be the ones the old table gives back),
 * not all over by the program's inserts. */
START_TEST(blocks_doubling_fills_new_table_from_start)
{
	struct hs_blocks b;
	struct hs_block out;
	hs_blocks_init(&b);
	uintptr_t next = 0x7e0000000000u;
	while (!(b.old.n_slots == (size_t)1 << 20)) {
		struct hs_block blk = { next, 24, 8, 1 };
		hs_assert(hs_blocks_insert(&b, &blk, &out) == 0);
		next += 32;
	}
	size_t cur_bytes = b.cur.n_slots * sizeof(struct hs_block_slot);
	/* 2,000 blocks scattered over 64 GiB of addresses. */
	uint64_t x = 12345;
	uintptr_t scattered[2000];
	for (int k = 0; k < 2000; k++) {
		x = x * 6364136223846793005u + 1442695040888963407u;
		scattered[k] = (uintptr_t)0x700000000000u + (uintptr_t)(x >> 28 << 4);
		struct hs_block blk = { scattered[k], 40, 8, 2 };
		hs_assert(hs_blocks_insert(&b, &blk, &out) == 0);
	}
	ck_assert_uint_ne(b.old.n_slots, 0); /* the move is still going */
	/* The new table is touched only near its start (and its end, where
	 * the old table's wrapped chain goes): not by 2,000 scattered inserts
	 * all over its 24 MiB. */
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	ck_assert_uint_le(resident_pages(b.cur.slots, cur_bytes) * page, cur_bytes / 4);
	for (int k = 0; k < 2000; k++) {
		hs_assert(hs_blocks_find(&b, scattered[k], &out) == 1);
		hs_assert(out.req_bytes == 40 && out.ctx == 2);
	}
	/* Inserting one again replaces it, wherever it waits. */
	struct hs_block again = { scattered[7], 56, 8, 3 };
	ck_assert_int_eq(hs_blocks_insert(&b, &again, &out), 1);
	ck_assert_uint_eq(out.req_bytes, 40);
	/* Through the end of the move, every block stays found once. */
	for (uintptr_t p = 0x7e0000000000u; p < next; p += 32)
		hs_assert(hs_blocks_remove(&b, p, &out) == 1 && out.req_bytes == 24);
	ck_assert_uint_eq(b.old.n_slots, 0);
	for (int k = 0; k < 2000; k++) {
		hs_assert(hs_blocks_remove(&b, scattered[k], &out) == 1);
		hs_assert(out.req_bytes == (k == 7 ? 56u : 40u));
	}
	ck_assert_uint_eq(hs_blocks_count(&b), 0);
	hs_blocks_destroy(&b);
}
END_TEST

static Suite *tables_suite(void)
{
	Suite *s = suite_create("recorder tables");
	TCase *tc = tcase_create("tables");
	tcase_add_test(tc, arena_alloc_and_limit);
	tcase_add_loop_test(tc, blocks_match_reference, 0, 2);
	tcase_add_test(tc, blocks_unknown);
	tcase_add_test(tc, blocks_packed_and_wide);
	tcase_add_test(tc, blocks_old_table_given_back);
	tcase_add_test(tc, blocks_out_of_memory);
	tcase_add_test(tc, blocks_probe_lengths);
	tcase_add_test(tc, contexts_intern);
	tcase_add_test(tc, snapshot_copies_reused);
	tcase_add_test(tc, small_tables_backed_at_once);
	tcase_add_test(tc, blocks_doubling_fills_new_table_from_start);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return hs_check_run(tables_suite());
}
