/* callsites: exact live bytes per direct call site (--sample).
 *
 * Owns the table of direct call sites: the return addresses of calls into
 * the interposed malloc family, taken in the exported wrapper itself in
 * sampling mode, each given a small id (1..HS_CALLSITES_SLOTS; 0 = no
 * site: the table was full or the block is not ours) that the block
 * carries in its size tag (sizetag.h), and the live bytes of each site's
 * blocks, sampled or not, kept by the recorder (recorder.c) and written
 * with every detailed snapshot as a SITES record (journal.h).  The
 * resolver then gives the top-level node of each site its exact bytes
 * (massif_out.c, doc/design.md section 11).
 *
 * The table of addresses is lock-free: an insert claims an empty slot by
 * compare-and-swap, and gives up after HS_CALLSITES_PROBES slots (id 0).
 * bytes[] is moved under the recorder's lock (or with one thread); with
 * threads, a count made without the lock goes to the thread's own array
 * of deltas (recorder.c: sites_delta), which whoever writes a snapshot
 * adds in, and which the thread's exit folds into bytes[].  off is set
 * when a thread could not get its array (out of memory): no more SITES.
 * No allocation, no lock, no libc call here.
 */
#ifndef HS_CALLSITES_H
#define HS_CALLSITES_H

#include <stdint.h>

#define HS_CALLSITES_SLOTS 4096u /* a power of two, at most 65535 */
#define HS_CALLSITES_PROBES 8u

struct hs_callsites {
	uintptr_t addr[HS_CALLSITES_SLOTS]; /* return addresses; 0 = free (atomic access) */
	int64_t bytes[HS_CALLSITES_SLOTS + 1]; /* by id: live requested bytes */
	/* bit i: slot i claimed (atomic access), so that a snapshot's walk
	 * over the sites visits the few claimed, not every slot: 96 KB read
	 * per detailed snapshot cost python3 under --sample 0.5% */
	uint64_t claimed[HS_CALLSITES_SLOTS / 64];
	int off; /* the bytes are no longer exact (out of memory): none written */
};

extern struct hs_callsites hs_callsites;

/* The id of return address ra (0 < ra), entering it if new; 0 when the
 * table has no room for it.  Lock-free, safe from any thread. */
static inline unsigned hs_callsites_id(uintptr_t ra)
{
	if (ra == 0)
		return 0; /* an empty slot's value: it would match one unclaimed */
	unsigned h = (unsigned)(((uint64_t)ra * UINT64_C(0x9E3779B97F4A7C15)) >> 52);
	for (unsigned k = 0; k < HS_CALLSITES_PROBES; k++) {
		unsigned i = (h + k) & (HS_CALLSITES_SLOTS - 1);
		uintptr_t v = __atomic_load_n(&hs_callsites.addr[i], __ATOMIC_RELAXED);
		if (v == ra)
			return i + 1;
		if (v == 0) {
			uintptr_t expect = 0;
			if (__atomic_compare_exchange_n(&hs_callsites.addr[i], &expect, ra, 0,
							__ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
				__atomic_fetch_or(&hs_callsites.claimed[i / 64],
						  UINT64_C(1) << (i % 64), __ATOMIC_RELAXED);
				return i + 1;
			}
			if (expect == ra)
				return i + 1;
		}
	}
	return 0;
}

/* The return address of site id (1..HS_CALLSITES_SLOTS), 0 if none. */
static inline uintptr_t hs_callsites_addr(unsigned id)
{
	return id - 1 < HS_CALLSITES_SLOTS ? __atomic_load_n(&hs_callsites.addr[id - 1], __ATOMIC_RELAXED)
					   : 0;
}

/* Site id's bytes += delta (id 0: nothing); the recorder's lock held, or
 * one thread. */
static inline void hs_callsites_move(unsigned id, int64_t delta)
{
	if (id != 0 && id <= HS_CALLSITES_SLOTS)
		hs_callsites.bytes[id] += delta;
}

/* The next claimed slot at or after slot i (a slot id less 1), or
 * HS_CALLSITES_SLOTS when none.  A slot claimed while this runs may be
 * missed: its bytes come with the next snapshot. */
static inline unsigned hs_callsites_next_claimed(const uint64_t *claimed, unsigned i)
{
	while (i < HS_CALLSITES_SLOTS) {
		uint64_t w = __atomic_load_n(&claimed[i / 64], __ATOMIC_RELAXED) >> (i % 64);
		if (w != 0)
			return i + (unsigned)__builtin_ctzll(w);
		i = (i / 64 + 1) * 64;
	}
	return HS_CALLSITES_SLOTS;
}

/* The bytes are no longer exact: no more SITES records. */
static inline void hs_callsites_give_up(void)
{
	__atomic_store_n(&hs_callsites.off, 1, __ATOMIC_RELAXED);
}

/* Whether the bytes are still exact. */
static inline int hs_callsites_exact(void)
{
	return !__atomic_load_n(&hs_callsites.off, __ATOMIC_RELAXED);
}

/* Forget every site and its bytes (recording starts). */
void hs_callsites_reset(void);

#endif
