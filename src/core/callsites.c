/* callsites: the direct call sites' table (see callsites.h). */
#include "callsites.h"

struct hs_callsites hs_callsites;

/* The next id, or 0 when none is left. */
static unsigned take_id(void)
{
	if (__atomic_load_n(&hs_callsites.ids, __ATOMIC_RELAXED) >= HS_CALLSITES_IDS)
		return 0; /* so the count stops moving once they are gone */
	unsigned id = __atomic_fetch_add(&hs_callsites.ids, 1, __ATOMIC_RELAXED) + 1;
	return id <= HS_CALLSITES_IDS ? id : 0;
}

/* A site refused and not remembered: counted as "more". */
static unsigned refuse_unknown(void)
{
	__atomic_store_n(&hs_callsites.refused_more, 1, __ATOMIC_RELAXED);
	return 0;
}

unsigned hs_callsites_insert(uintptr_t ra, unsigned h, unsigned k)
{
	if (ra == 0)
		return 0;
	if ((uint64_t)ra > HS_CALLSITES_ADDR_MASK)
		return refuse_unknown(); /* no room beside the id: never on x86-64 */
	unsigned id = 0;
	int taken = 0;
	for (; k < HS_CALLSITES_PROBES; k++) {
		unsigned i = (h + k) & (HS_CALLSITES_SLOTS - 1);
		uint64_t v = __atomic_load_n(&hs_callsites.slot[i], __ATOMIC_RELAXED);
		if (v == 0) {
			/* The id is taken at the first free slot, once: the
			 * address is in place before the slot names it. */
			if (!taken) {
				taken = 1;
				id = take_id();
				if (id != 0)
					__atomic_store_n(&hs_callsites.addr[id], ra,
							 __ATOMIC_RELAXED);
			}
			uint64_t want = (uint64_t)ra | (uint64_t)id << HS_CALLSITES_ID_SHIFT;
			if (__atomic_compare_exchange_n(&hs_callsites.slot[i], &v, want, 0,
							__ATOMIC_RELEASE, __ATOMIC_RELAXED)) {
				if (id == 0) /* no id left: remembered as refused, counted once */
					__atomic_fetch_add(&hs_callsites.refused, 1,
							   __ATOMIC_RELAXED);
				return id;
			}
			/* v: what another thread put there first */
		}
		if ((v & HS_CALLSITES_ADDR_MASK) == (uint64_t)ra) {
			/* Another thread entered ra first: its id, ours unused
			 * (no block carries it, its bytes stay 0). */
			if (id != 0)
				__atomic_store_n(&hs_callsites.addr[id], 0, __ATOMIC_RELAXED);
			return (unsigned)(v >> HS_CALLSITES_ID_SHIFT);
		}
	}
	if (id != 0)
		__atomic_store_n(&hs_callsites.addr[id], 0, __ATOMIC_RELAXED);
	return refuse_unknown();
}

unsigned hs_callsites_no_slot(uintptr_t ra)
{
	return ra != 0 ? refuse_unknown() : 0;
}

void hs_callsites_reset(void)
{
	/* Every word is read and only those in use written: a page never
	 * written stays unmapped (reading it maps the zero page). */
	for (unsigned i = 0; i < HS_CALLSITES_SLOTS; i++)
		if (hs_callsites.slot[i] != 0)
			hs_callsites.slot[i] = 0;
	for (unsigned id = 0; id <= HS_CALLSITES_IDS; id++) {
		if (hs_callsites.addr[id] != 0)
			hs_callsites.addr[id] = 0;
		if (hs_callsites.bytes[id] != 0)
			hs_callsites.bytes[id] = 0;
	}
	hs_callsites.ids = 0;
	hs_callsites.refused = 0;
	hs_callsites.refused_more = 0;
	hs_callsites.off = 0;
}
