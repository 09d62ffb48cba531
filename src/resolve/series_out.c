/* series_out: writing the companion per-site series file (see
 * series_out.h; the format is doc/format-series.md). */
#include "series_out.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "contexts.h"
#include "journal.h"
#include "massif_out.h"
#include "textout.h"

#define B_LINE_ENTRIES 64 /* site=bytes pairs per b line: lines stay short */

/* Points kept beyond the Massif file's own snapshots, one per window of
 * the run, each its window's lowest (doc/format-series.md "Which points"):
 * the recorder takes a snapshot per culling round's worth of events, and
 * points on the B axis besides, thousands in a long run, and the companion
 * must stay within the Massif file's size. */
#define HS_SERIES_SPREAD_POINTS 200

/* A site is written when its bytes reach 1/HS_SERIES_SITE_DIVISOR of the
 * peak heap at some point: of python3's 4,378 sites on bench/, 52 do, and
 * the others' frames and stacks took 1.1 MB beside a 0.8 MB Massif file.
 * A leak smaller than that is not worth a line. */
#define HS_SERIES_SITE_DIVISOR 10000

static void out_sink(void *ctx, const char *s, size_t n)
{
	hs_textout_mem(ctx, s, n);
}

/* Frame ids: one per (address, inline frame), given in order of first use. */
struct frame_ids {
	uintptr_t *addr; /* open addressing on addr and j; addr 0 with id 0 = empty */
	uint32_t *j;
	uint32_t *id_plus_1;
	size_t cap, used;
	uint32_t next;
};

static size_t frame_slot(const struct frame_ids *f, uintptr_t addr, uint32_t j)
{
	uint64_t h = ((uint64_t)addr ^ ((uint64_t)j << 56)) * UINT64_C(0x9E3779B97F4A7C15);
	return (size_t)(h >> 20) & (f->cap - 1);
}

static int frame_grow(struct frame_ids *f)
{
	struct frame_ids g = {
		NULL, NULL, NULL, f->cap == 0 ? 4096 : f->cap * 2, f->used, f->next
	};
	g.addr = calloc(g.cap, sizeof *g.addr);
	g.j = calloc(g.cap, sizeof *g.j);
	g.id_plus_1 = calloc(g.cap, sizeof *g.id_plus_1);
	if (g.addr == NULL || g.j == NULL || g.id_plus_1 == NULL) {
		free(g.addr);
		free(g.j);
		free(g.id_plus_1);
		return -1;
	}
	for (size_t i = 0; i < f->cap; i++) {
		if (f->id_plus_1[i] == 0)
			continue;
		size_t k = frame_slot(&g, f->addr[i], f->j[i]);
		while (g.id_plus_1[k] != 0)
			k = (k + 1) & (g.cap - 1);
		g.addr[k] = f->addr[i];
		g.j[k] = f->j[i];
		g.id_plus_1[k] = f->id_plus_1[i];
	}
	free(f->addr);
	free(f->j);
	free(f->id_plus_1);
	*f = g;
	return 0;
}

/* The id of frame j of addr; *fresh says it was just given (define it). */
static int64_t frame_id(struct frame_ids *f, uintptr_t addr, uint32_t j, int *fresh)
{
	*fresh = 0;
	if ((f->used + 1) * 2 > f->cap && frame_grow(f) != 0)
		return -1;
	size_t k = frame_slot(f, addr, j);
	while (f->id_plus_1[k] != 0) {
		if (f->addr[k] == addr && f->j[k] == j)
			return f->id_plus_1[k] - 1;
		k = (k + 1) & (f->cap - 1);
	}
	f->addr[k] = addr;
	f->j[k] = j;
	f->id_plus_1[k] = ++f->next;
	f->used++;
	*fresh = 1;
	return f->next - 1;
}

struct writer {
	struct hs_textout *o;
	struct hs_filter *filter;
	struct hs_contexts fctx; /* the filtered stacks: one per site */
	uint32_t *fid_of_raw;    /* raw context -> filtered id, or HS_CTX_NONE */
	uint64_t *raw_bytes;     /* per raw context, its bytes at the current point */
	uint64_t *fid_bytes;     /* per filtered id, its bytes at the current point */
	uint64_t *fid_written;   /* per filtered id, its bytes in the series so far */
	uint32_t *site_of_fid;   /* filtered id -> site id, or HS_CTX_NONE (not yet defined) */
	uint32_t *touched;       /* filtered ids changed since the last point written */
	uint32_t n_touched;
	unsigned char *is_touched;
	uint32_t n_sites;
	struct frame_ids frames;
};

static int by_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* Define site fid: its frames not yet defined (f lines), then its c line. */
static int define_site(struct writer *w, uint32_t fid)
{
	const struct hs_context *c = hs_contexts_get(&w->fctx, fid);
	struct hs_textout *o = w->o;
	int64_t ids[HS_MAX_FRAMES * 4];
	unsigned n_ids = 0;
	for (uint32_t i = 0; i < c->n_frames; i++) {
		unsigned n;
		const struct hs_frame_text *t = hs_filter_describe(w->filter, c->frames[i], &n);
		for (unsigned j = 0; j < n; j++) {
			int fresh;
			int64_t id = frame_id(&w->frames, c->frames[i], j, &fresh);
			if (id < 0)
				return -1;
			if (fresh) {
				hs_textout_mem(o, "f ", 2);
				hs_textout_u64(o, (uint64_t)id);
				hs_textout_mem(o, " ", 1);
				hs_massif_frame_label(c->frames[i], &t[j], j + 1 == n, out_sink, o);
				hs_textout_mem(o, "\n", 1);
			}
			if (n_ids < sizeof ids / sizeof *ids)
				ids[n_ids++] = id;
		}
	}
	w->site_of_fid[fid] = w->n_sites++;
	hs_textout_mem(o, "c ", 2);
	hs_textout_u64(o, w->site_of_fid[fid]);
	for (unsigned k = 0; k < n_ids; k++) {
		hs_textout_mem(o, " ", 1);
		hs_textout_u64(o, (uint64_t)ids[k]);
	}
	hs_textout_mem(o, "\n", 1);
	return 0;
}

/* The site ids sorted: the b lines list sites in increasing id. */
static int by_site(const void *a, const void *b, void *ctx)
{
	const uint32_t *site_of_fid = ctx;
	return by_u32(&site_of_fid[*(const uint32_t *)a], &site_of_fid[*(const uint32_t *)b]);
}

/* The snapshot of the Massif file's table with pt's seq, or NULL. */
static const struct hs_snapshot *in_table(const struct hs_raw *raw, const struct hs_raw_point *pt)
{
	if (pt->kind == HS_POINT_SERIES)
		return NULL; /* no snapshot: its seq is the next one's */
	size_t lo = 0, hi = raw->n_snapshots;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (raw->snapshots[mid].seq < pt->seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < raw->n_snapshots && raw->snapshots[lo].seq == pt->seq ? &raw->snapshots[lo]
									  : NULL;
}

/* The t line's kind: as the Massif file shows the snapshot when it is
 * still in the table (p for the peak, d for a tree, n), else as it was
 * when culled (a culled peak had been demoted: d). */
static char point_kind(const struct hs_raw *raw, const struct hs_raw_point *pt)
{
	if (pt->kind == HS_POINT_END)
		return 'x';
	const struct hs_snapshot *s = in_table(raw, pt);
	if (s != NULL)
		return s->kind == HS_SNAP_PEAK ? 'p' : s->detailed ? 'd' : 'n';
	return pt->detailed ? 'd' : 'n';
}

/* Apply pt's changes to the sites' bytes, marking the sites touched. */
static void apply_point(struct writer *w, const struct hs_raw *raw, const struct hs_raw_point *pt)
{
	for (uint32_t k = 0; k < pt->n_changes; k++) {
		const struct hs_snap_entry *e = &raw->point_changes[pt->first_change + k];
		uint32_t fid = w->fid_of_raw[e->ctx];
		if (fid != HS_CTX_NONE) {
			w->fid_bytes[fid] += e->bytes - w->raw_bytes[e->ctx];
			if (!w->is_touched[fid]) {
				w->is_touched[fid] = 1;
				w->touched[w->n_touched++] = fid;
			}
		}
		w->raw_bytes[e->ctx] = e->bytes;
	}
}

/* Write the point pt (its changes applied, with those of the points
 * left out since the last one written): new definitions, its t line,
 * its b lines. */
static int write_point(struct writer *w, const struct hs_raw *raw, const struct hs_raw_point *pt,
		       uint64_t seq)
{
	struct hs_textout *o = w->o;
	uint32_t n_touched = w->n_touched;
	w->n_touched = 0;
	/* Only sites whose bytes differ from what the series holds. */
	uint32_t n = 0;
	for (uint32_t k = 0; k < n_touched; k++) {
		uint32_t fid = w->touched[k];
		w->is_touched[fid] = 0;
		if (w->fid_bytes[fid] != w->fid_written[fid])
			w->touched[n++] = fid;
	}
	qsort(w->touched, n, sizeof *w->touched, by_u32);
	for (uint32_t k = 0; k < n; k++)
		if (w->site_of_fid[w->touched[k]] == HS_CTX_NONE &&
		    define_site(w, w->touched[k]) != 0)
			return -1;
	qsort_r(w->touched, n, sizeof *w->touched, by_site, w->site_of_fid);
	hs_textout_mem(o, "t ", 2);
	hs_textout_u64(o, seq);
	hs_textout_mem(o, " ", 1);
	hs_textout_i64(o, pt->time);
	hs_textout_mem(o, " ", 1);
	hs_textout_u64(o, pt->heap_bytes);
	hs_textout_mem(o, " ", 1);
	hs_textout_u64(o, pt->extra_bytes);
	hs_textout_mem(o, " ", 1);
	hs_textout_u64(o, pt->rss_bytes);
	hs_textout_mem(o, " ", 1);
	hs_textout_u64(o, pt->mapped_bytes);
	char kind[3] = { ' ', point_kind(raw, pt), '\n' };
	hs_textout_mem(o, kind, 3);
	/* The point on the B axis (format-series.md: the a record), a line of
	 * its own so that readers which know only t lines skip it. */
	if (pt->has_alloc) {
		hs_textout_mem(o, "a ", 2);
		hs_textout_u64(o, pt->alloc_bytes);
		hs_textout_mem(o, "\n", 1);
	}
	for (uint32_t k = 0; k < n; k++) {
		uint32_t fid = w->touched[k];
		hs_textout_mem(o, k % B_LINE_ENTRIES == 0 ? "b " : " ",
			       k % B_LINE_ENTRIES == 0 ? 2 : 1);
		hs_textout_u64(o, w->site_of_fid[fid]);
		hs_textout_mem(o, "=", 1);
		hs_textout_u64(o, w->fid_bytes[fid]);
		if (k % B_LINE_ENTRIES == B_LINE_ENTRIES - 1 || k + 1 == n)
			hs_textout_mem(o, "\n", 1);
		w->fid_written[fid] = w->fid_bytes[fid];
	}
	return 0;
}

/* Where a point lies on the axis the points are spread over. */
static int64_t spread_pos(const struct hs_raw_point *pt, bool by_alloc)
{
	if (!by_alloc)
		return pt->time;
	return pt->alloc_bytes > INT64_MAX ? INT64_MAX : (int64_t)pt->alloc_bytes;
}

/* The window (0 .. SPREAD-1) of a point at offset off of a run span long. */
static size_t window_of(int64_t off, int64_t span)
{
	if (span <= 0 || off <= 0)
		return 0;
	size_t k = (size_t)((double)off / (double)span * HS_SERIES_SPREAD_POINTS);
	return k < HS_SERIES_SPREAD_POINTS ? k : HS_SERIES_SPREAD_POINTS - 1;
}

/* How the program ended, in the end line's words. */
static void out_end(struct hs_textout *o, const struct hs_raw *raw, const char *ending)
{
	hs_textout_str(o, "end ");
	if (raw->has_end && raw->how != NULL && raw->how[0] != '\0')
		hs_textout_text(o, raw->how);
	else if (ending != NULL && strncmp(ending, "signal ", 7) == 0) {
		hs_textout_str(o, "killed by ");
		hs_textout_text(o, ending);
	} else if (ending != NULL && strncmp(ending, "exit", 4) == 0)
		hs_textout_str(o, "exit");
	else
		hs_textout_str(o, "unknown");
	hs_textout_mem(o, "\n", 1);
}

/* Filter every raw context into its site's stack. */
static int merge(struct writer *w, const struct hs_raw *raw, struct hs_arena *arena)
{
	uintptr_t kept[HS_MAX_FRAMES];
	uint32_t n_raw = raw->ctxs.n;
	hs_contexts_init(&w->fctx, arena);
	w->fid_of_raw = malloc(((size_t)n_raw + 1) * sizeof *w->fid_of_raw);
	w->raw_bytes = calloc((size_t)n_raw + 1, sizeof *w->raw_bytes);
	if (w->fid_of_raw == NULL || w->raw_bytes == NULL)
		return -1;
	for (uint32_t id = 0; id < n_raw; id++) {
		const struct hs_context *c = hs_contexts_get((struct hs_contexts *)&raw->ctxs, id);
		unsigned n_frames = c->n_frames < HS_MAX_FRAMES ? c->n_frames : HS_MAX_FRAMES;
		unsigned n = hs_filter_context(w->filter, id, c->frames, n_frames, kept);
		w->fid_of_raw[id] = HS_CTX_NONE;
		if (n == 0)
			continue;
		uint32_t fid = hs_contexts_intern(&w->fctx, kept, n, hs_frames_hash(kept, n));
		if (fid == HS_CTX_NONE)
			return -1;
		w->fid_of_raw[id] = fid;
	}
	size_t n_fid = (size_t)hs_contexts_count(&w->fctx) + 1;
	w->fid_bytes = calloc(n_fid, sizeof *w->fid_bytes);
	w->fid_written = calloc(n_fid, sizeof *w->fid_written);
	w->site_of_fid = malloc(n_fid * sizeof *w->site_of_fid);
	w->touched = malloc(n_fid * sizeof *w->touched);
	w->is_touched = calloc(n_fid, 1);
	if (w->fid_bytes == NULL || w->fid_written == NULL || w->site_of_fid == NULL ||
	    w->touched == NULL || w->is_touched == NULL)
		return -1;
	for (size_t k = 0; k < n_fid; k++)
		w->site_of_fid[k] = HS_CTX_NONE;
	return 0;
}

/* Leave out the sites whose bytes never reach the peak heap's
 * 1/HS_SERIES_SITE_DIVISOR at a point (they map to no site, as ignored
 * contexts do); the state is reset for the writing. */
static void drop_small_sites(struct writer *w, const struct hs_raw *raw)
{
	uint32_t n_fid = hs_contexts_count(&w->fctx);
	uint64_t peak = 0;
	for (size_t i = 0; i < raw->n_points; i++) {
		const struct hs_raw_point *pt = &raw->points[i];
		if (pt->heap_bytes > peak)
			peak = pt->heap_bytes;
		apply_point(w, raw, pt);
		for (uint32_t k = 0; k < w->n_touched; k++) {
			uint32_t fid = w->touched[k];
			w->is_touched[fid] = 0;
			if (w->fid_bytes[fid] > w->fid_written[fid])
				w->fid_written[fid] = w->fid_bytes[fid]; /* the site's high */
		}
		w->n_touched = 0;
	}
	uint64_t limit = peak / HS_SERIES_SITE_DIVISOR > 0 ? peak / HS_SERIES_SITE_DIVISOR : 1;
	for (uint32_t id = 0; id < raw->ctxs.n; id++) {
		uint32_t fid = w->fid_of_raw[id];
		if (fid != HS_CTX_NONE && w->fid_written[fid] < limit)
			w->fid_of_raw[id] = HS_CTX_NONE;
		w->raw_bytes[id] = 0;
	}
	memset(w->fid_bytes, 0, (size_t)n_fid * sizeof *w->fid_bytes);
	memset(w->fid_written, 0, (size_t)n_fid * sizeof *w->fid_written);
}

static const char *unit_text(enum hs_time_unit unit)
{
	return unit == HS_TIME_INSTRUCTIONS ? "i" : unit == HS_TIME_BYTES ? "B" : "ms";
}

int hs_series_write(int fd, const struct hs_raw *raw, uint64_t massif_bytes, const char *ending,
		    struct hs_filter *filter, char *err, size_t err_len)
{
	static struct hs_textout o; /* 64 KiB: off the stack */
	o.fd = fd;
	o.err = 0;
	o.len = 0;
	struct hs_arena arena;
	hs_arena_init(&arena);
	struct writer w;
	memset(&w, 0, sizeof w);
	w.o = &o;
	w.filter = filter;
	int rc = merge(&w, raw, &arena);
	if (rc == 0)
		drop_small_sites(&w, raw);
	if (rc == 0) {
		hs_textout_str(&o, "heapsnap-series 1\ncmd: ");
		hs_textout_text(&o, raw->cmd != NULL ? raw->cmd : "");
		hs_textout_str(&o, "\ntime_unit: ");
		hs_textout_str(&o, unit_text(raw->opts.time_unit));
		hs_textout_str(&o, "\nmassif_size: ");
		hs_textout_u64(&o, massif_bytes);
		/* 0: every allocation recorded, the bytes exact; else the
		 * sampled blocks' weights (estimates, doc/design.md 11). */
		hs_textout_str(&o, "\nsample: ");
		hs_textout_u64(&o, raw->opts.sample_bytes);
		hs_textout_str(&o, "\n");
		/* Every point of the Massif file's table and the end are
		 * kept; of the others, in each of SPREAD equal windows of the
		 * run, the one with the lowest total: the heap's floor is what
		 * the leak rules read, and a trough between two batches is
		 * short.  Windows on the B axis when every point has it (the
		 * rules judge on it), else on the file's time. */
		bool by_alloc = raw->n_points > 0;
		for (size_t i = 0; i < raw->n_points; i++)
			by_alloc = by_alloc && raw->points[i].has_alloc;
		size_t chosen[HS_SERIES_SPREAD_POINTS];
		for (size_t k = 0; k < HS_SERIES_SPREAD_POINTS; k++)
			chosen[k] = SIZE_MAX;
		int64_t start = 0, span = 0;
		if (raw->n_points > 0) {
			start = spread_pos(&raw->points[0], by_alloc);
			span = spread_pos(&raw->points[raw->n_points - 1], by_alloc) - start;
		}
		for (size_t i = 0; i < raw->n_points; i++) {
			const struct hs_raw_point *pt = &raw->points[i];
			if (pt->kind == HS_POINT_END || in_table(raw, pt) != NULL)
				continue;
			size_t k = window_of(spread_pos(pt, by_alloc) - start, span);
			const struct hs_raw_point *c =
				chosen[k] == SIZE_MAX ? NULL : &raw->points[chosen[k]];
			if (c == NULL ||
			    pt->heap_bytes + pt->extra_bytes < c->heap_bytes + c->extra_bytes)
				chosen[k] = i;
		}
		uint64_t seq = 0;
		for (size_t i = 0; i < raw->n_points && rc == 0 && o.err == 0; i++) {
			const struct hs_raw_point *pt = &raw->points[i];
			apply_point(&w, raw, pt);
			if (pt->kind != HS_POINT_END && in_table(raw, pt) == NULL &&
			    chosen[window_of(spread_pos(pt, by_alloc) - start, span)] != i)
				continue;
			rc = write_point(&w, raw, pt, seq++);
		}
		out_end(&o, raw, ending);
		hs_textout_flush(&o);
	}
	hs_contexts_destroy(&w.fctx);
	hs_arena_destroy(&arena);
	free(w.fid_of_raw);
	free(w.raw_bytes);
	free(w.fid_bytes);
	free(w.fid_written);
	free(w.site_of_fid);
	free(w.touched);
	free(w.is_touched);
	free(w.frames.addr);
	free(w.frames.j);
	free(w.frames.id_plus_1);
	if (rc != 0) {
		snprintf(err, err_len, "out of memory while writing the series");
		return -1;
	}
	if (o.err != 0) {
		snprintf(err, err_len, "cannot write the series: %s", strerror(o.err));
		return -1;
	}
	return 0;
}
