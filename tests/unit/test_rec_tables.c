/* test_rec_tables: the core's data structures: the arena, the live-block
 * hash (checked against a plain array through growth and incremental
 * migration), and context interning. */
#include <check.h>

#include "hs_check.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "blocks.h"
#include "contexts.h"

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

/* Random inserts, replacements and removes, 16-byte aligned addresses as
 * malloc gives, checked against a reference array through migrations. */
START_TEST(blocks_match_reference)
{
	enum { N_ADDR = 6000, STEPS = 60000 };
	static uint64_t ref[N_ADDR]; /* req + 1 of the live block at address i, or 0 */
	memset(ref, 0, sizeof ref);
	struct hs_blocks b;
	hs_blocks_init(&b);
	uint64_t seed = 42;
	size_t live = 0, max_live = 0, n_replaced = 0;
	for (unsigned step = 0; step < STEPS; step++) {
		unsigned i = (unsigned)(lcg(&seed) % N_ADDR);
		uintptr_t ptr = 0x7f0000000000u + 16u * i;
		/* Grow for the first half, then churn. */
		int want_insert = step < STEPS / 2 ? lcg(&seed) % 4 != 0 : lcg(&seed) % 2 == 0;
		struct hs_block out;
		if (want_insert && ref[i] == 0) {
			struct hs_block blk = { ptr, step, step % 16, step % 7 };
			ck_assert_int_eq(hs_blocks_insert(&b, &blk, &out), 0);
			ref[i] = (uint64_t)step + 1;
			live++;
		} else if (want_insert && step % 3 == 0) {
			/* The address again without a free: the entry is replaced. */
			struct hs_block blk = { ptr, step, step % 16, step % 7 };
			ck_assert_int_eq(hs_blocks_insert(&b, &blk, &out), 1);
			ck_assert_uint_eq(out.req_bytes, ref[i] - 1);
			ck_assert_uint_eq(out.ctx, (ref[i] - 1) % 7);
			ref[i] = (uint64_t)step + 1;
			n_replaced++;
		} else if (!want_insert) {
			int had = ref[i] != 0;
			ck_assert_int_eq(hs_blocks_remove(&b, ptr, &out), had);
			if (had) {
				ck_assert_uint_eq(out.req_bytes, ref[i] - 1);
				ck_assert_uint_eq(out.slop_bytes, (ref[i] - 1) % 16);
				ck_assert_uint_eq(out.ctx, (ref[i] - 1) % 7);
				ref[i] = 0;
				live--;
			}
		}
		if (live > max_live)
			max_live = live;
		ck_assert_uint_eq(hs_blocks_count(&b), live);
		if (step % 997 == 0) {
			for (unsigned k = 0; k < N_ADDR; k++) {
				struct hs_block f;
				int found = hs_blocks_find(&b, 0x7f0000000000u + 16u * k, &f);
				ck_assert_int_eq(found, ref[k] != 0);
				if (found)
					ck_assert_uint_eq(f.req_bytes, ref[k] - 1);
			}
		}
	}
	ck_assert_uint_gt(max_live, 4000); /* the table grew several times */
	ck_assert_uint_gt(n_replaced, 1000);
	ck_assert_uint_ge(b.cur.n_slots, 8192);
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

/* Blocks that pack into a slot (usual slop, or a few 16-byte units more)
 * and blocks that need a record (other slop, huge size, big context id)
 * come back with the same figures,
 * and removed records are reused. */
START_TEST(blocks_packed_and_wide)
{
	struct hs_blocks b;
	hs_blocks_init(&b);
	const struct hs_block in[] = {
		{ 0x10000, 0, 0, 0 },                          /* packs */
		{ 0x10010, 17, 15, (1u << 24) - 1 },           /* packs: biggest id */
		{ 0x10020, (UINT64_C(1) << 31) - 16, 0, 3 },   /* packs: biggest size */
		{ 0x10030, 17, 0, 1 },                         /* slop below the usual */
		{ 0x10040, UINT64_C(1) << 31, 0, 2 },          /* size too big to pack */
		{ 0x10050, 1u << 30, 4032, 5 },                /* Valgrind's big-block slop: packs */
		{ 0x10060, 8, 8, 1u << 24 },                   /* id too big to pack */
		{ 0x10070, 100, HS_SLOP_MAX, UINT32_MAX - 1 }, /* everything at its limit */
		{ 0x10080, 20, 12 + 16 * 255, 7 },             /* shrunk in place by 4080: packs */
		{ 0x10090, 20, 12 + 16 * 256, 7 },             /* shrunk in place by 4096 */
		{ 0x100a0, 20, 13, 7 },                        /* slop not 16-aligned beyond */
	};
	enum { N = sizeof in / sizeof in[0] };
	struct hs_block out;
	for (unsigned k = 0; k < N; k++)
		ck_assert_int_eq(hs_blocks_insert(&b, &in[k], &out), 0);
	ck_assert_uint_eq(b.n_wide, 6);
	for (unsigned k = 0; k < N; k++) {
		ck_assert_int_eq(hs_blocks_find(&b, in[k].ptr, &out), 1);
		ck_assert_uint_eq(out.ptr, in[k].ptr);
		ck_assert_uint_eq(out.req_bytes, in[k].req_bytes);
		ck_assert_uint_eq(out.slop_bytes, in[k].slop_bytes);
		ck_assert_uint_eq(out.ctx, in[k].ctx);
	}
	/* Replacing a wide entry by a packed one gives its record back. */
	struct hs_block again = { 0x10030, 32, 0, 9 };
	ck_assert_int_eq(hs_blocks_insert(&b, &again, &out), 1);
	ck_assert_uint_eq(out.req_bytes, 17);
	ck_assert_uint_eq(out.slop_bytes, 0);
	ck_assert_uint_eq(out.ctx, 1);
	ck_assert_uint_eq(b.n_wide, 5);
	ck_assert_int_eq(hs_blocks_remove(&b, 0x10090, &out), 1);
	ck_assert_uint_eq(out.req_bytes, 20);
	ck_assert_uint_eq(out.slop_bytes, 12 + 16 * 256);
	ck_assert_uint_eq(b.n_wide, 4);
	ck_assert_int_eq(hs_blocks_remove(&b, 0x10050, &out), 1);
	ck_assert_uint_eq(out.req_bytes, 1u << 30);
	ck_assert_uint_eq(out.slop_bytes, 4032);
	ck_assert_uint_eq(b.n_wide, 4);
	ck_assert_uint_eq(hs_blocks_count(&b), N - 2);
	hs_blocks_destroy(&b);
}
END_TEST

/* Ids in creation order; equal frames give the same id; 0 frames is a
 * context too; the index grows past its first size. */
START_TEST(contexts_intern)
{
	struct hs_arena a;
	hs_arena_init(&a);
	static struct hs_contexts c;
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

static Suite *tables_suite(void)
{
	Suite *s = suite_create("recorder tables");
	TCase *tc = tcase_create("tables");
	tcase_add_test(tc, arena_alloc_and_limit);
	tcase_add_test(tc, blocks_match_reference);
	tcase_add_test(tc, blocks_unknown);
	tcase_add_test(tc, blocks_packed_and_wide);
	tcase_add_test(tc, contexts_intern);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return hs_check_run(tables_suite());
}
