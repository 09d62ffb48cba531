/* live: the page a running recording shares with its launcher, for live
 * dumps (doc/design.md section 8, "Live dumps").
 *
 * The launcher creates it (a memfd of sizeof(struct hs_live_page), mapped
 * shared) and hands it to the program at a high descriptor
 * (HEAPSNAP_LIVE_FD); with no launcher, the library makes one itself
 * ("heapsnap-live"), which `heapsnap --dump` finds in /proc/PID/fd.  Each recording process claims a slot by writing its
 * pid into a free one (a forked child claims its own) and frees it when its
 * record ends.  To ask for a dump the launcher adds one to the slot's
 * request word; the recorder sees the change at its next allocation (one
 * relaxed load per call), takes a detailed snapshot of the heap as it is
 * then, writes it as a LIVE record, flushes, and publishes the record's
 * length at that point (flushed) before the request it served (served),
 * both with release stores.  The launcher then resolves the record's first
 * `flushed` bytes: a prefix that ends at a consistent point.  flushed is
 * also published at every other flush, so a program that makes no heap
 * call can still be dumped as of its last snapshot.
 *
 * Shared by the core (which serves requests), the preload layer (which
 * maps the page and claims slots) and the launcher (which asks).
 */
#ifndef HS_LIVE_H
#define HS_LIVE_H

#include <stdatomic.h>
#include <stdint.h>

#define HS_LIVE_MAGIC 0x316576696c736875ULL /* "uhslive1" */
#define HS_LIVE_SLOTS 255

/* One recording process's slot; a cache line of its own. */
struct hs_live_slot {
	_Alignas(64) _Atomic uint32_t pid; /* the process that claimed it; 0: free */
	uint32_t unused;
	_Atomic uint64_t request; /* bumped by the launcher: a dump is wanted */
	_Atomic uint64_t served;  /* the last request the recorder answered */
	_Atomic uint64_t flushed; /* raw bytes on disk at the last consistent point */
};

struct hs_live_page {
	_Alignas(64) uint64_t magic; /* HS_LIVE_MAGIC, written by the launcher */
	uint32_t n_slots;            /* HS_LIVE_SLOTS */
	struct hs_live_slot slots[HS_LIVE_SLOTS];
};

#endif
