/* The direct call sites' table (src/core/callsites.h): ids for return
 * addresses, a full table, concurrent inserts, the bytes' exactness flag. */
#include <check.h>

#include "hs_check.h"
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "callsites.h"

/* The claimed bitmap, walked as a snapshot walks it, names exactly the
 * slots that hold an address. */
static void assert_claimed_exact(void)
{
	unsigned walked = 0, held = 0, i = hs_callsites_next_claimed(hs_callsites.claimed, 0);
	for (unsigned slot = 0; slot < HS_CALLSITES_SLOTS; slot++) {
		int has = hs_callsites_addr(slot + 1) != 0;
		held += (unsigned)has;
		if (slot == i) {
			ck_assert_msg(has, "slot %u walked but empty", slot);
			walked++;
			i = hs_callsites_next_claimed(hs_callsites.claimed, i + 1);
		} else {
			ck_assert_msg(!has, "slot %u holds an address but is not walked", slot);
		}
	}
	ck_assert_uint_eq(i, HS_CALLSITES_SLOTS);
	ck_assert_uint_eq(walked, held);
}

START_TEST(insert_and_lookup)
{
	hs_callsites_reset();
	unsigned a = hs_callsites_id(0x401234);
	unsigned b = hs_callsites_id(0x401238);
	ck_assert_uint_ne(a, 0);
	ck_assert_uint_ne(b, 0);
	ck_assert_uint_ne(a, b);
	ck_assert_uint_eq(hs_callsites_id(0x401234), a);
	ck_assert_uint_eq(hs_callsites_id(0x401238), b);
	ck_assert_uint_eq(hs_callsites_addr(a), 0x401234);
	ck_assert_uint_eq(hs_callsites_addr(b), 0x401238);
	ck_assert_uint_eq(hs_callsites_addr(0), 0);
	ck_assert_uint_le(a, HS_CALLSITES_SLOTS);
	assert_claimed_exact();
	ck_assert_uint_eq(hs_callsites_next_claimed(hs_callsites.claimed, 0) + 1, a < b ? a : b);
	hs_callsites_move(a, 100);
	hs_callsites_move(a, -40);
	hs_callsites_move(0, 1000); /* no site: nothing */
	ck_assert_int_eq(hs_callsites.bytes[a], 60);
	ck_assert(hs_callsites_exact());
	hs_callsites_give_up();
	ck_assert(!hs_callsites_exact());
	hs_callsites_reset();
	ck_assert(hs_callsites_exact());
	ck_assert_uint_eq(hs_callsites_addr(a), 0);
	ck_assert_uint_eq(hs_callsites_next_claimed(hs_callsites.claimed, 0), HS_CALLSITES_SLOTS);
}
END_TEST

START_TEST(full_table)
{
	hs_callsites_reset();
	unsigned given = 0, refused = 0;
	for (uintptr_t ra = 0x10000; ra < 0x10000 + 4 * 16 * HS_CALLSITES_SLOTS; ra += 4) {
		unsigned id = hs_callsites_id(ra);
		if (id == 0) {
			refused++;
			continue;
		}
		given++;
		ck_assert_uint_le(id, HS_CALLSITES_SLOTS);
		ck_assert_uint_eq(hs_callsites_addr(id), ra);
	}
	ck_assert_uint_le(given, HS_CALLSITES_SLOTS);
	ck_assert_uint_gt(given, HS_CALLSITES_SLOTS / 2);
	ck_assert_uint_gt(refused, 0);
	assert_claimed_exact();
	/* Those given keep their ids. */
	for (unsigned id = 1; id <= HS_CALLSITES_SLOTS; id++) {
		uintptr_t ra = hs_callsites_addr(id);
		if (ra != 0)
			ck_assert_uint_eq(hs_callsites_id(ra), id);
	}
}
END_TEST

#define N_THREADS 4
#define N_ADDRS 1500
static unsigned ids[N_THREADS][N_ADDRS];

static void *insert_all(void *arg)
{
	unsigned t = (unsigned)(uintptr_t)arg;
	for (unsigned k = 0; k < N_ADDRS; k++) {
		unsigned i = (k * 7 + t * 131) % N_ADDRS; /* each thread its own order */
		ids[t][i] = hs_callsites_id(0x7f0000001000 + (uintptr_t)i * 24);
	}
	return NULL;
}

START_TEST(concurrent_inserts)
{
	for (int round = 0; round < 20; round++) {
		hs_callsites_reset();
		pthread_t th[N_THREADS];
		for (unsigned t = 0; t < N_THREADS; t++)
			ck_assert_int_eq(pthread_create(&th[t], NULL, insert_all, (void *)(uintptr_t)t), 0);
		for (unsigned t = 0; t < N_THREADS; t++)
			pthread_join(th[t], NULL);
		unsigned n_ids = 0;
		for (unsigned i = 0; i < N_ADDRS; i++) {
			/* Every thread got the same id, and it names the address. */
			for (unsigned t = 1; t < N_THREADS; t++)
				ck_assert_uint_eq(ids[t][i], ids[0][i]);
			if (ids[0][i] != 0) {
				n_ids++;
				ck_assert_uint_eq(hs_callsites_addr(ids[0][i]),
						  0x7f0000001000 + (uintptr_t)i * 24);
			}
		}
		ck_assert_uint_gt(n_ids, N_ADDRS * 9 / 10);
		assert_claimed_exact();
		/* No two addresses in one slot (an id names one address). */
		static unsigned owner[HS_CALLSITES_SLOTS + 1];
		memset(owner, 0, sizeof owner);
		for (unsigned i = 0; i < N_ADDRS; i++) {
			unsigned id = ids[0][i];
			if (id == 0)
				continue;
			ck_assert_uint_le(id, HS_CALLSITES_SLOTS);
			ck_assert_uint_eq(owner[id], 0);
			owner[id] = i + 1;
		}
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("rec_callsites");
	TCase *tc = tcase_create("callsites");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, insert_and_lookup);
	tcase_add_test(tc, full_table);
	tcase_add_test(tc, concurrent_inserts);
	suite_add_tcase(s, tc);
	return hs_check_run(s);
}
