/* snapshot: Massif's snapshot policy and culling (see snapshot.h). */
#include "snapshot.h"

#include <string.h>

#include "arena.h"

int hs_snapshots_init(struct hs_snapshots *s, const struct hs_options *opts)
{
	memset(s, 0, sizeof *s);
	s->max_snapshots = opts->max_snapshots < 3 ? 3 : opts->max_snapshots;
	if (s->max_snapshots > HS_MAX_SNAPSHOTS_LIMIT)
		s->max_snapshots = HS_MAX_SNAPSHOTS_LIMIT;
	s->detailed_freq = opts->detailed_freq == 0 ? 1 : opts->detailed_freq;
	s->peak_inaccuracy = opts->peak_inaccuracy;
	s->min_interval_floor = opts->time_unit == HS_TIME_MS ? 1 : 0;
	s->table = hs_arena_map((s->max_snapshots + 1) * sizeof *s->table);
	return s->table == NULL ? -1 : 0;
}

/* A dropped copy's mapping, while it waits in the spare list. */
struct hs_spare_copy {
	struct hs_spare_copy *next;
	size_t map_bytes;
};

/* The mapping of snap's copy into the spare list. */
static void drop_copy(struct hs_snapshots *s, struct hs_snapshot *snap)
{
	if (snap->entries != NULL) {
		struct hs_spare_copy *c = (struct hs_spare_copy *)snap->entries;
		c->map_bytes = snap->entries_map_bytes;
		c->next = s->spare;
		s->spare = c;
	}
	snap->entries = NULL;
	snap->entries_map_bytes = 0;
	snap->n_entries = 0;
}

/* A mapping for n entries: the smallest spare that holds them, else a new
 * one (the largest spare, too small, given back first: the spares stay
 * within what the copies held).  NULL when out of memory. */
static struct hs_snap_entry *map_copy(struct hs_snapshots *s, uint32_t n, size_t *map_bytes)
{
	size_t need = (size_t)n * sizeof(struct hs_snap_entry);
	struct hs_spare_copy **best = NULL, **largest = NULL;
	for (struct hs_spare_copy **c = &s->spare; *c != NULL; c = &(*c)->next) {
		if ((*c)->map_bytes >= need && (best == NULL || (*c)->map_bytes < (*best)->map_bytes))
			best = c;
		if (largest == NULL || (*c)->map_bytes > (*largest)->map_bytes)
			largest = c;
	}
	if (best == NULL && largest != NULL) {
		struct hs_spare_copy *gone = *largest;
		*largest = gone->next;
		hs_arena_unmap(gone, gone->map_bytes);
	}
	if (best != NULL) {
		struct hs_spare_copy *c = *best;
		*best = c->next;
		*map_bytes = c->map_bytes;
		return (struct hs_snap_entry *)c;
	}
	/* An eighth more, so that the next copies of a growing heap fit. */
	size_t bytes = need + need / 8;
	struct hs_snap_entry *e = hs_arena_map(bytes);
	hs_arena_fill(e, need); /* written at once, in full */
	*map_bytes = bytes;
	return e;
}

/* Copy every context's nonzero bytes into snap.  Returns 0 or -1. */
static int copy_contexts(struct hs_snapshots *s, struct hs_snapshot *snap,
			 struct hs_contexts *ctxs)
{
	const uint32_t chunk = 1u << HS_CTX_CHUNK_SHIFT;
	uint32_t n = hs_contexts_count(ctxs), nonzero = 0;
	/* A chunk of records at a time: no directory lookup per context. */
	for (uint32_t base = 0; base < n; base += chunk) {
		const struct hs_context *x = hs_contexts_get(ctxs, base);
		uint32_t k = n - base < chunk ? n - base : chunk;
		for (uint32_t i = 0; i < k; i++)
			nonzero += x[i].live_bytes != 0;
	}
	snap->n_contexts = n;
	snap->n_entries = 0;
	snap->entries = NULL;
	snap->entries_map_bytes = 0;
	if (nonzero == 0)
		return 0;
	snap->entries = map_copy(s, nonzero, &snap->entries_map_bytes);
	if (snap->entries == NULL)
		return -1;
	for (uint32_t base = 0; base < n; base += chunk) {
		const struct hs_context *x = hs_contexts_get(ctxs, base);
		uint32_t k = n - base < chunk ? n - base : chunk;
		for (uint32_t i = 0; i < k; i++)
			if (x[i].live_bytes != 0)
				snap->entries[snap->n_entries++] =
					(struct hs_snap_entry){ base + i, x[i].live_bytes };
	}
	return 0;
}

/* Massif's test for a new peak: total > peak + trunc(peak * inaccuracy / 100). */
static uint64_t peak_limit(uint64_t peak_total_bytes, double peak_inaccuracy)
{
	double excess_d = (double)peak_total_bytes * peak_inaccuracy / 100;
	/* A negative --peak-inaccuracy wraps as Massif's cast does on amd64. */
	uint64_t excess = excess_d < 0 ? (uint64_t)(int64_t)excess_d : (uint64_t)excess_d;
	return peak_total_bytes + excess;
}

static int is_uncullable(const struct hs_snapshots *s, unsigned i)
{
	return i == 0 || i == s->count - 1 || s->table[i].kind == HS_SNAP_PEAK;
}

/* Massif's cull_snapshots: remove max/2 snapshots one at a time, each the
 * one (not first, last or peak) whose neighbours are closest in time, the
 * lowest index on ties; compact; return the new minimum interval. */
static int64_t cull(struct hs_snapshots *s)
{
	unsigned char dead[HS_MAX_SNAPSHOTS_LIMIT];
	unsigned m = s->count;
	memset(dead, 0, sizeof dead);
	s->n_cullings++;
	for (unsigned round = 0; round < s->max_snapshots / 2; round++) {
		unsigned jp = 0, j = 1, jn;
		while (j < m && dead[j])
			j++;
		jn = j + 1;
		while (jn < m && dead[jn])
			jn++;
		int64_t min_span = INT64_MAX;
		unsigned min_j = m;
		while (jn < m) {
			int64_t span = s->table[jn].time - s->table[jp].time;
			if (s->table[j].kind != HS_SNAP_PEAK && span < min_span) {
				min_span = span;
				min_j = j;
			}
			jp = j;
			j = jn;
			jn++;
			while (jn < m && dead[jn])
				jn++;
		}
		if (min_j == m)
			break; /* nothing cullable left (cannot happen with max >= 10) */
		dead[min_j] = 1;
		drop_copy(s, &s->table[min_j]);
	}
	unsigned out = 0;
	for (unsigned i = 0; i < m; i++)
		if (!dead[i])
			s->table[out++] = s->table[i];
	for (unsigned i = out; i < m; i++)
		memset(&s->table[i], 0, sizeof s->table[i]);
	s->count = out;

	/* Spans between two uncullable neighbours never change, so they
	 * would pin the interval low for ever: skip them (as Massif). */
	int64_t min_interval = INT64_MAX;
	for (unsigned i = 1; i < s->count; i++) {
		if (is_uncullable(s, i) && is_uncullable(s, i - 1))
			continue;
		int64_t span = s->table[i].time - s->table[i - 1].time;
		if (span < min_interval)
			min_interval = span;
	}
	return min_interval == INT64_MAX ? 0 : min_interval;
}

/* Take a snapshot of kind into the next slot, then cull if full. */
static int take(struct hs_snapshots *s, enum hs_snap_kind kind, int detailed, int64_t now,
		uint64_t heap_bytes, uint64_t extra_bytes, struct hs_contexts *ctxs)
{
	struct hs_snapshot *snap = &s->table[s->count];
	memset(snap, 0, sizeof *snap);
	if (detailed && copy_contexts(s, snap, ctxs) != 0)
		return -1;
	snap->seq = s->n_taken++;
	snap->time = now;
	snap->heap_bytes = heap_bytes;
	snap->extra_bytes = extra_bytes;
	snap->kind = kind;
	snap->detailed = detailed;
	s->reshaped = 0;
	s->n_detailed += detailed != 0;
	s->n_peaks += kind == HS_SNAP_PEAK;
	if (detailed)
		s->since_detailed = 0;
	else
		s->since_detailed++;
	if (kind == HS_SNAP_PEAK) {
		s->peak_total_bytes = heap_bytes + extra_bytes;
		s->peak_limit_bytes = peak_limit(s->peak_total_bytes, s->peak_inaccuracy);
		for (unsigned i = 0; i < s->count; i++) {
			if (s->table[i].kind == HS_SNAP_PEAK) {
				s->table[i].kind = HS_SNAP_NORMAL; /* keeps its tree: "detailed" */
				s->reshaped = 1;
			}
		}
	}
	s->count++;
	if (s->count == s->max_snapshots) {
		s->min_interval = cull(s);
		/* Milliseconds are coarse: two snapshots in one of them (a peak
		 * and a normal one) gave a span of 0, and then every call took a
		 * snapshot, each faster than a millisecond, so the spans stayed 0
		 * (perl's run under --sample took 263,000 snapshots, 4x the
		 * time).  Massif's instruction counts never repeat. */
		if (s->min_interval < s->min_interval_floor)
			s->min_interval = s->min_interval_floor;
		s->reshaped = 1;
	}
	s->next_allowed_time = now + s->min_interval;
	return 0;
}

int hs_snapshots_normal(struct hs_snapshots *s, int64_t now, uint64_t heap_bytes,
			uint64_t extra_bytes, struct hs_contexts *ctxs)
{
	if (hs_snapshots_skip(s, now))
		return 0;
	int detailed = s->since_detailed == s->detailed_freq - 1;
	return take(s, HS_SNAP_NORMAL, detailed, now, heap_bytes, extra_bytes, ctxs);
}

int hs_snapshots_peak(struct hs_snapshots *s, int64_t now, uint64_t heap_bytes,
		      uint64_t extra_bytes, struct hs_contexts *ctxs)
{
	if (!hs_snapshots_peak_due(s, heap_bytes, extra_bytes))
		return 0;
	return take(s, HS_SNAP_PEAK, 1, now, heap_bytes, extra_bytes, ctxs);
}

int hs_snapshots_final(struct hs_snapshots *s, int64_t now, uint64_t heap_bytes,
		       uint64_t extra_bytes, struct hs_contexts *ctxs)
{
	if (s->count > s->max_snapshots)
		return -1;
	struct hs_snapshot *snap = &s->table[s->count];
	memset(snap, 0, sizeof *snap);
	if (copy_contexts(s, snap, ctxs) != 0)
		return -1;
	snap->seq = s->n_taken++;
	snap->time = now;
	snap->heap_bytes = heap_bytes;
	snap->extra_bytes = extra_bytes;
	s->reshaped = 0;
	snap->kind = HS_SNAP_NORMAL;
	snap->detailed = 1;
	s->n_detailed++;
	s->count++;
	return 0;
}

int hs_snapshots_live(struct hs_snapshots *s, struct hs_snapshot *snap, int64_t now,
		      uint64_t heap_bytes, uint64_t extra_bytes, struct hs_contexts *ctxs)
{
	memset(snap, 0, sizeof *snap);
	if (copy_contexts(s, snap, ctxs) != 0)
		return -1;
	snap->seq = s->n_taken;
	snap->time = now;
	snap->heap_bytes = heap_bytes;
	snap->extra_bytes = extra_bytes;
	snap->kind = HS_SNAP_NORMAL;
	snap->detailed = 1;
	return 0;
}

void hs_snapshot_drop(struct hs_snapshots *s, struct hs_snapshot *snap)
{
	drop_copy(s, snap);
}

void hs_snapshots_destroy(struct hs_snapshots *s)
{
	if (s->table == NULL)
		return;
	for (unsigned i = 0; i < s->count; i++)
		drop_copy(s, &s->table[i]);
	while (s->spare != NULL) {
		struct hs_spare_copy *c = s->spare;
		s->spare = c->next;
		hs_arena_unmap(c, c->map_bytes);
	}
	hs_arena_unmap(s->table, (s->max_snapshots + 1) * sizeof *s->table);
	s->table = NULL;
	s->count = 0;
}
