/* The direct call sites' table (src/core/callsites.h): ids for return
 * addresses, as many sites as the ids hold, the sites refused past them
 * (counted once each), concurrent inserts, the bytes' exactness flag. */
#include <check.h>

#include "hs_check.h"
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "callsites.h"

/* The ids handed out, walked as a snapshot walks them (1..count), name
 * exactly the addresses entered: each its own, none twice, none past
 * the count; holes (an id whose insert lost its race) only with threads. */
static void assert_walk_exact(int holes_allowed)
{
	unsigned n = hs_callsites_count();
	ck_assert_uint_le(n, HS_CALLSITES_IDS);
	for (unsigned id = 1; id <= n; id++) {
		uintptr_t ra = hs_callsites_addr(id);
		if (ra == 0) {
			ck_assert_msg(holes_allowed, "id %u handed out but names no address", id);
			continue;
		}
		ck_assert_uint_eq(hs_callsites_id(ra), id);
	}
	for (unsigned id = n + 1; id <= HS_CALLSITES_IDS; id++)
		ck_assert_msg(hs_callsites_addr(id) == 0, "id %u past the count names an address",
			      id);
	ck_assert_uint_eq(hs_callsites_addr(0), 0);
	ck_assert_uint_eq(hs_callsites_addr(HS_CALLSITES_IDS + 1), 0);
}

START_TEST(insert_and_lookup)
{
	hs_callsites_reset();
	ck_assert_uint_eq(hs_callsites_count(), 0);
	unsigned a = hs_callsites_id(0x401234);
	unsigned b = hs_callsites_id(0x401238);
	ck_assert_uint_eq(a, 1); /* handed out in order */
	ck_assert_uint_eq(b, 2);
	ck_assert_uint_eq(hs_callsites_id(0x401234), a);
	ck_assert_uint_eq(hs_callsites_id(0x401238), b);
	ck_assert_uint_eq(hs_callsites_addr(a), 0x401234);
	ck_assert_uint_eq(hs_callsites_addr(b), 0x401238);
	ck_assert_uint_eq(hs_callsites_count(), 2);
	ck_assert_uint_eq(hs_callsites_id(0), 0); /* no address: no site, nothing entered */
	ck_assert_uint_eq(hs_callsites_count(), 2);
	assert_walk_exact(0);
	hs_callsites_move(a, 100);
	hs_callsites_move(a, -40);
	hs_callsites_move(0, 1000); /* no site: nothing */
	hs_callsites_move(HS_CALLSITES_IDS + 1, 1000);
	ck_assert_int_eq(hs_callsites.bytes[a], 60);
	ck_assert_int_eq(hs_callsites.bytes[0], 0);
	uint32_t refused;
	int more;
	ck_assert(!hs_callsites_refused(&refused, &more));
	ck_assert(hs_callsites_exact());
	hs_callsites_give_up();
	ck_assert(!hs_callsites_exact());
	hs_callsites_reset();
	ck_assert(hs_callsites_exact());
	ck_assert_uint_eq(hs_callsites_addr(a), 0);
	ck_assert_int_eq(hs_callsites.bytes[a], 0);
	ck_assert_uint_eq(hs_callsites_count(), 0);
	ck_assert_uint_eq(hs_callsites_id(0x401238), 1); /* entered afresh */
}
END_TEST

/* Every one of n distinct sites of a program has an id of its own, kept,
 * and nothing is refused: the direct call sites are exact. */
static void assert_all_kept(unsigned n)
{
	hs_callsites_reset();
	static uintptr_t ra[HS_CALLSITES_IDS];
	/* Return addresses as a program's text has them: calls 5 to 40
	 * bytes apart in three modules far apart (a fixed walk). */
	static const uintptr_t base[3] = { 0x555555554000, 0x7f12a4c00000, 0x7f12a6e01000 };
	uintptr_t at[3] = { base[0], base[1], base[2] };
	uint32_t x[3] = { 12345, 12345, 12345 };
	for (unsigned k = 0; k < n; k++) {
		unsigned m = k % 3;
		x[m] = x[m] * 1103515245u + 12345u;
		at[m] += 5 + (x[m] >> 16) % 36;
		ra[k] = at[m];
	}
	unsigned refused_ids = 0;
	for (unsigned k = 0; k < n; k++) {
		unsigned id = hs_callsites_id(ra[k]);
		refused_ids += id == 0;
		ck_assert_uint_le(id, HS_CALLSITES_IDS);
		if (id != 0)
			ck_assert_uint_eq(hs_callsites_addr(id), ra[k]);
	}
	ck_assert_msg(refused_ids == 0, "%u of %u sites refused an id", refused_ids, n);
	for (unsigned k = 0; k < n; k++)
		ck_assert_uint_eq(hs_callsites_addr(hs_callsites_id(ra[k])), ra[k]);
	ck_assert_uint_eq(hs_callsites_count(), n);
	uint32_t refused;
	int more;
	ck_assert(!hs_callsites_refused(&refused, &more));
	assert_walk_exact(0);
}

/* A program with thousands of direct call sites: the 4096-slot table
 * with 8 probes refused about 10 of 1250, and many of 3000. */
START_TEST(many_sites)
{
	assert_all_kept(1250);
	assert_all_kept(3000);
	assert_all_kept(HS_CALLSITES_IDS); /* as many as the ids hold */
}
END_TEST

/* More sites than ids: the first HS_CALLSITES_IDS get them; each one
 * past them is refused (id 0), counted once however often it is called,
 * and found again at once (remembered in the index). */
START_TEST(more_sites_than_ids)
{
	hs_callsites_reset();
	const unsigned extra = 1500;
	unsigned given = 0, refused_ids = 0;
	for (unsigned k = 0; k < HS_CALLSITES_IDS + extra; k++) {
		uintptr_t ra = 0x10000 + (uintptr_t)k * 7;
		unsigned id = hs_callsites_id(ra);
		if (id == 0) {
			refused_ids++;
			continue;
		}
		given++;
		ck_assert_uint_eq(id, given); /* in order, no hole with one thread */
		ck_assert_uint_eq(hs_callsites_addr(id), ra);
	}
	ck_assert_uint_eq(given, HS_CALLSITES_IDS);
	ck_assert_uint_eq(refused_ids, extra);
	ck_assert_uint_eq(hs_callsites_count(), HS_CALLSITES_IDS);
	uint32_t refused;
	int more;
	ck_assert(hs_callsites_refused(&refused, &more));
	ck_assert_uint_eq(refused, extra); /* the index has room to remember them all */
	ck_assert_int_eq(more, 0);
	/* Called again: the same answers, none counted twice. */
	for (unsigned k = 0; k < HS_CALLSITES_IDS + extra; k++) {
		uintptr_t ra = 0x10000 + (uintptr_t)k * 7;
		ck_assert_uint_eq(hs_callsites_id(ra), k < HS_CALLSITES_IDS ? k + 1 : 0);
	}
	hs_callsites_refused(&refused, &more);
	ck_assert_uint_eq(refused, extra);
	ck_assert_int_eq(more, 0);
	assert_walk_exact(0);
	/* The count never passes the ids. */
	ck_assert_uint_eq(hs_callsites.ids, HS_CALLSITES_IDS);
	hs_callsites_reset();
	ck_assert(!hs_callsites_refused(&refused, &more));
}
END_TEST

/* A site that cannot even be remembered (an address the index word has
 * no room for; every probe of it taken) is refused and says "more". */
START_TEST(refused_unknown)
{
	hs_callsites_reset();
	uint32_t refused;
	int more;
	ck_assert_uint_eq(hs_callsites_id((uintptr_t)1 << 48), 0);
	ck_assert(hs_callsites_refused(&refused, &more));
	ck_assert_uint_eq(refused, 0);
	ck_assert_int_eq(more, 1);
	ck_assert_uint_eq(hs_callsites_count(), 0);
	/* Every probe of ra taken by others: no slot for it. */
	hs_callsites_reset();
	uintptr_t ra = 0x401000;
	unsigned h = (unsigned)(((uint64_t)ra * UINT64_C(0x9E3779B97F4A7C15)) >>
				(64 - HS_CALLSITES_SLOT_BITS));
	for (unsigned k = 0; k < HS_CALLSITES_PROBES; k++)
		hs_callsites.slot[(h + k) & (HS_CALLSITES_SLOTS - 1)] = 0x500000 + k;
	ck_assert_uint_eq(hs_callsites_id(ra), 0);
	ck_assert(hs_callsites_refused(&refused, &more));
	ck_assert_int_eq(more, 1);
	ck_assert_uint_eq(hs_callsites_count(), 0); /* no id taken for it */
	/* No address is no site, and no refusal. */
	hs_callsites_reset();
	for (unsigned k = 0; k < HS_CALLSITES_PROBES; k++)
		hs_callsites.slot[k] = 0x500000 + k;
	ck_assert_uint_eq(hs_callsites_id(0), 0);
	ck_assert(!hs_callsites_refused(&refused, &more));
	hs_callsites_reset();
}
END_TEST

#define N_THREADS 4
/* Every thread may lose a race on every address, each loss a hole: 2000
 * addresses leave room for all of them among the 8191 ids. */
#define N_ADDRS 2000
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
		for (unsigned i = 0; i < N_ADDRS; i++) {
			/* Every thread got the same id, and it names the address. */
			for (unsigned t = 1; t < N_THREADS; t++)
				ck_assert_uint_eq(ids[t][i], ids[0][i]);
			ck_assert_uint_ne(ids[0][i], 0);
			ck_assert_uint_eq(hs_callsites_addr(ids[0][i]),
					  0x7f0000001000 + (uintptr_t)i * 24);
		}
		/* An id lost in a race is a hole, never a second address. */
		ck_assert_uint_ge(hs_callsites_count(), N_ADDRS);
		/* At most one id per thread and address (a 10% bound failed
		 * on a loaded machine: 4292 of 3000 with 4 threads). */
		ck_assert_uint_le(hs_callsites_count(), N_THREADS * N_ADDRS);
		assert_walk_exact(1);
		uint32_t refused;
		int more;
		ck_assert(!hs_callsites_refused(&refused, &more));
		/* No two addresses with one id. */
		static unsigned owner[HS_CALLSITES_IDS + 1];
		memset(owner, 0, sizeof owner);
		for (unsigned i = 0; i < N_ADDRS; i++) {
			unsigned id = ids[0][i];
			ck_assert_uint_le(id, HS_CALLSITES_IDS);
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
	tcase_add_test(tc, many_sites);
	tcase_add_test(tc, more_sites_than_ids);
	tcase_add_test(tc, refused_unknown);
	tcase_add_test(tc, concurrent_inserts);
	suite_add_tcase(s, tc);
	return hs_check_run(s);
}
