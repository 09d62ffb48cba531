/* callsites: exact live bytes per direct call site (--sample).
 *
 * Owns the table of direct call sites: the return addresses of calls into
 * the interposed malloc family, taken in the exported wrapper itself in
 * sampling mode, each given a small id (1..HS_CALLSITES_IDS; 0 = no site:
 * the table refused it or the block is not ours) that the block carries
 * in its size tag (sizetag.h), and the live bytes of each site's blocks,
 * sampled or not, kept by the recorder (recorder.c) and written with
 * every detailed snapshot as a SITES record (journal.h).  The resolver
 * then gives the top-level node of each site its exact bytes
 * (massif_out.c, doc/design.md section 11).
 *
 * Two parts.  The ids are handed out in order, so the sites are ids
 * 1..hs_callsites_count() and a snapshot's walk over them visits those
 * in use and no more; HS_CALLSITES_IDS is what the tag's 13 bits hold.
 * The index from return address to id is an open-addressing hash table
 * of HS_CALLSITES_SLOTS words, each a return address (below 2^48) with
 * its id in the top 16 bits, so a lookup is one load and a compare; with
 * at most HS_CALLSITES_IDS sites it is at most a quarter full, so a site
 * is nearly always in its first slot and never refused for want of a
 * slot within HS_CALLSITES_PROBES (doc/design.md section 11).  An insert
 * claims an empty slot by compare-and-swap (lock-free).  The table lies
 * in the library's bss: only the pages a site hashes to are ever
 * touched, none in exact mode.
 *
 * A site that finds no id left (more than HS_CALLSITES_IDS sites) is
 * refused: its blocks get id 0, so its top-level node is an estimate.  It
 * is remembered in the index with id 0, so its next calls find it at
 * once, and counted once in refused; one that cannot even be remembered
 * (no free slot within the probes, or an address above 2^48) sets
 * refused_more.  The journal writes both (SITES_LOST, journal.h), so the
 * desc: line never claims exact sites the table did not keep.
 *
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

#define HS_CALLSITES_IDS 8191u     /* ids 1..8191: 13 bits (sizetag.h's shadow code) */
#define HS_CALLSITES_SLOTS 32768u  /* the index: a power of two, 4 per id */
#define HS_CALLSITES_SLOT_BITS 15u /* log2(HS_CALLSITES_SLOTS) */
#define HS_CALLSITES_PROBES 16u
#define HS_CALLSITES_ID_SHIFT 48u /* an index word: address | id << 48 */
#define HS_CALLSITES_ADDR_MASK ((UINT64_C(1) << HS_CALLSITES_ID_SHIFT) - 1)

_Static_assert(HS_CALLSITES_SLOTS == 1u << HS_CALLSITES_SLOT_BITS, "the index's size");
_Static_assert(HS_CALLSITES_SLOTS >= 4 * HS_CALLSITES_IDS, "the index at most a quarter full");

struct hs_callsites {
	/* the index: address | id << 48, 0 = free, id 0 = a site refused
	 * (atomic access) */
	uint64_t slot[HS_CALLSITES_SLOTS];
	/* by id: its return address, 0 = none (atomic access) */
	uintptr_t addr[HS_CALLSITES_IDS + 1];
	int64_t bytes[HS_CALLSITES_IDS + 1]; /* by id: live requested bytes */
	uint32_t ids;     /* ids handed out (may pass HS_CALLSITES_IDS by a few: atomic access) */
	uint32_t refused; /* distinct sites refused, each remembered in the index (atomic access) */
	int refused_more; /* a site was refused that could not be remembered (atomic access) */
	int off;          /* the bytes are no longer exact (out of memory): none written */
};

extern struct hs_callsites hs_callsites;

/* hs_callsites_id's rare path: ra not found in slots h + k.. (k below
 * HS_CALLSITES_PROBES), slot h + k free: enter it. */
unsigned hs_callsites_insert(uintptr_t ra, unsigned h, unsigned k);

/* hs_callsites_id's rarer path: every probe of ra's taken by others. */
unsigned hs_callsites_no_slot(uintptr_t ra);

/* The id of return address ra (0 < ra), entering it if new; 0 when the
 * table refuses it.  Lock-free, safe from any thread.  An address of 0
 * matches a free slot and so is given 0 (an empty slot's value); one at
 * or above 2^48 matches no word and is refused on the rare path. */
static inline unsigned hs_callsites_id(uintptr_t ra)
{
	unsigned h = (unsigned)(((uint64_t)ra * UINT64_C(0x9E3779B97F4A7C15)) >>
				(64 - HS_CALLSITES_SLOT_BITS));
	for (unsigned k = 0; k < HS_CALLSITES_PROBES; k++) {
		unsigned i = (h + k) & (HS_CALLSITES_SLOTS - 1);
		uint64_t v = __atomic_load_n(&hs_callsites.slot[i], __ATOMIC_RELAXED);
		if ((v & HS_CALLSITES_ADDR_MASK) == (uint64_t)ra)
			return (unsigned)(v >> HS_CALLSITES_ID_SHIFT);
		if (v == 0)
			return hs_callsites_insert(ra, h, k);
	}
	return hs_callsites_no_slot(ra);
}

/* The number of ids handed out: the sites are ids 1..that. */
static inline unsigned hs_callsites_count(void)
{
	unsigned n = __atomic_load_n(&hs_callsites.ids, __ATOMIC_RELAXED);
	return n < HS_CALLSITES_IDS ? n : HS_CALLSITES_IDS;
}

/* The return address of site id (1..HS_CALLSITES_IDS), 0 if none (an id
 * never given, or one given to an insert that lost its race). */
static inline uintptr_t hs_callsites_addr(unsigned id)
{
	return id - 1 < HS_CALLSITES_IDS ? __atomic_load_n(&hs_callsites.addr[id], __ATOMIC_RELAXED)
					 : 0;
}

/* Site id's bytes += delta (id 0: nothing); the recorder's lock held, or
 * one thread. */
static inline void hs_callsites_move(unsigned id, int64_t delta)
{
	if (id - 1 < HS_CALLSITES_IDS)
		hs_callsites.bytes[id] += delta;
}

/* The sites refused so far into *refused (each counted once) and whether
 * more were refused than that (*more: 1); returns 1 when any was. */
static inline int hs_callsites_refused(uint32_t *refused, int *more)
{
	*refused = __atomic_load_n(&hs_callsites.refused, __ATOMIC_RELAXED);
	*more = __atomic_load_n(&hs_callsites.refused_more, __ATOMIC_RELAXED);
	return *refused != 0 || *more != 0;
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

/* Forget every site and its bytes (recording starts again): writes only
 * the words in use, so the pages never touched stay untouched. */
void hs_callsites_reset(void);

#endif
