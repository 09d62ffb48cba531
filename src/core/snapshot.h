/* snapshot: Massif's snapshot policy and the table of snapshots taken.
 *
 * Decides, on every allocation and free, whether to take a snapshot
 * (normal attempts, subject to the minimum interval; peak attempts before
 * frees and shrinking reallocs, subject to --peak-inaccuracy), which ones
 * are detailed (every --detailed-freq-th, and every peak), and culls the
 * table when it reaches --max-snapshots exactly as Massif 3.19 does
 * (format-massif.md §9-§10).  A detailed snapshot keeps a sparse copy of the nonzero
 * per-context bytes plus the number of contexts existing then; the others
 * had 0 bytes.  Knows nothing of pointers, stacks or the file format.
 */
#ifndef HS_SNAPSHOT_H
#define HS_SNAPSHOT_H

#include <stdint.h>
#include <stddef.h>

#include "contexts.h"
#include "options.h"

#define HS_MAX_SNAPSHOTS_LIMIT 1024 /* above --max-snapshots' range (10..1000) */

enum hs_snap_kind {
	HS_SNAP_NORMAL,
	HS_SNAP_PEAK, /* the current peak; a superseded peak turns NORMAL and stays detailed */
};

struct hs_snap_entry {
	uint32_t ctx;
	uint64_t bytes;
};

/* Sampling mode: a direct call site's exact bytes (callsites.h), as the
 * raw record's SITES gives them: its call's address (return address less
 * one, as a context's frames) and the live bytes of its blocks. */
struct hs_site_bytes {
	uint64_t addr;
	uint64_t bytes;
};

struct hs_snapshot {
	uint64_t seq; /* its number among every snapshot taken (the raw record's key) */
	int64_t time;
	uint64_t heap_bytes;
	uint64_t extra_bytes;
	uint64_t rss_bytes;    /* the process's resident memory then (0: unknown) */
	uint64_t mapped_bytes; /* and its mapped memory */
	uint64_t alloc_bytes;  /* bytes allocated and freed so far: Massif's B time */
	enum hs_snap_kind kind;
	int detailed;                  /* has a tree */
	uint32_t n_contexts;           /* contexts existing when taken (detailed only) */
	uint32_t n_entries;            /* nonzero contexts in entries */
	struct hs_snap_entry *entries; /* by increasing ctx id, from hs_arena_map */
	size_t entries_map_bytes;      /* the recorder's: the mapping holding entries */
	/* The resolver's only (rawread.c, from malloc): the SITES record
	 * that followed this snapshot's, if any; the recorder leaves it 0. */
	struct hs_site_bytes *sites;
	uint32_t n_sites;
};

struct hs_spare_copy;

struct hs_snapshots {
	unsigned max_snapshots;
	unsigned detailed_freq;
	double peak_inaccuracy;
	struct hs_snapshot
		*table; /* max_snapshots + 1 slots: the last one for the final snapshot */
	unsigned count;
	uint64_t n_taken; /* snapshots taken so far: the next one's seq */
	/* For --stats, written only when a snapshot is taken, so kept out of
	 * the cache line every call writes (from next_allowed_time on). */
	uint64_t n_detailed; /* detailed snapshots taken (peaks included) */
	uint64_t n_peaks;    /* peak snapshots taken */
	/* Copies of dropped snapshots, kept mapped for the next ones (a list
	 * through their first bytes): python3's json workload made 730
	 * copies of 72 KB, each a fresh mapping (9,000 page faults) unmapped
	 * at a cull, 4% of its recorded run.  The spares never hold more
	 * than the copies did before the drop. */
	struct hs_spare_copy *spare;
	int reshaped; /* the last take demoted a peak or culled: the table changed in place */
	int64_t min_interval;
	int64_t min_interval_floor; /* 1 with --time-unit=ms, else 0 (see cull's caller) */
	int64_t next_allowed_time;
	unsigned since_detailed;   /* snapshots since the last detailed one */
	uint64_t peak_total_bytes; /* heap + extra of the current peak, 0 when none */
	uint64_t peak_limit_bytes; /* a total above this is a new peak */
	unsigned n_cullings;
	unsigned n_skipped;
};

/* Empty table sized by opts.  Returns 0, or -1 when out of memory. */
int hs_snapshots_init(struct hs_snapshots *s, const struct hs_options *opts);

/* A normal attempt at time now with the given totals.  Returns 0 (taken or
 * skipped), or -1 when out of memory (nothing taken). */
int hs_snapshots_normal(struct hs_snapshots *s, int64_t now, uint64_t heap_bytes,
			uint64_t extra_bytes, struct hs_contexts *ctxs);

/* Whether a normal attempt at time now would be skipped (the minimum
 * interval has not passed); counts it as skipped if so.  Inline, as the
 * next one: every malloc and free asks. */
static inline int hs_snapshots_skip(struct hs_snapshots *s, int64_t now)
{
	if (now >= s->next_allowed_time)
		return 0;
	s->n_skipped++;
	return 1;
}

/* Whether a peak attempt with these totals would take a snapshot. */
static inline int hs_snapshots_peak_due(const struct hs_snapshots *s, uint64_t heap_bytes,
					uint64_t extra_bytes)
{
	return heap_bytes + extra_bytes > s->peak_limit_bytes;
}

/* A peak attempt with the totals before a free or shrinking realloc. */
int hs_snapshots_peak(struct hs_snapshots *s, int64_t now, uint64_t heap_bytes,
		      uint64_t extra_bytes, struct hs_contexts *ctxs);

/* Append the final detailed snapshot (no interval, no culling). */
int hs_snapshots_final(struct hs_snapshots *s, int64_t now, uint64_t heap_bytes,
		       uint64_t extra_bytes, struct hs_contexts *ctxs);

/* A detailed snapshot of the totals and contexts now, into *snap, outside
 * the table (a live dump): no interval, no cull, no seq taken (its seq is
 * the next one's).  Give its copy back with hs_snapshot_drop.  Returns 0
 * or -1 when out of memory. */
int hs_snapshots_live(struct hs_snapshots *s, struct hs_snapshot *snap, int64_t now,
		      uint64_t heap_bytes, uint64_t extra_bytes, struct hs_contexts *ctxs);

/* Give back the copy of a snapshot made by hs_snapshots_live. */
void hs_snapshot_drop(struct hs_snapshots *s, struct hs_snapshot *snap);

/* Unmap the table and every copy. */
void hs_snapshots_destroy(struct hs_snapshots *s);

#endif
