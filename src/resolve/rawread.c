/* rawread: the raw record's reader (see rawread.h; the format is
 * doc/format-raw.md, whose section numbers the comments cite). */
#include "rawread.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "callsites.h"
#include "journal.h"

/* A payload being read: every get checks the bounds. */
struct cursor {
	const unsigned char *p, *end;
	int short_read;
};

/* n bytes in place, or NULL when the payload is shorter. */
static const char *get_bytes(struct cursor *c, size_t n)
{
	if ((size_t)(c->end - c->p) < n) {
		c->short_read = 1;
		c->p = c->end;
		return NULL;
	}
	const char *s = (const char *)c->p;
	c->p += n;
	return s;
}

/* A fixed-size field copied into out (zeroed when the payload is shorter). */
static void get_raw(struct cursor *c, void *out, size_t n)
{
	const char *s = get_bytes(c, n);
	if (s != NULL)
		memcpy(out, s, n);
	else
		memset(out, 0, n);
}

static uint32_t get_u32(struct cursor *c)
{
	uint32_t v;
	get_raw(c, &v, sizeof v);
	return v;
}

static uint64_t get_u64(struct cursor *c)
{
	uint64_t v;
	get_raw(c, &v, sizeof v);
	return v;
}

static double get_f64(struct cursor *c)
{
	double v;
	get_raw(c, &v, sizeof v);
	return v;
}

/* A length-prefixed string (section 3) copied into a NUL-terminated one. */
static char *get_str(struct cursor *c)
{
	uint32_t n = get_u32(c);
	const char *s = get_bytes(c, n);
	if (s == NULL)
		return NULL;
	char *out = malloc((size_t)n + 1);
	if (out == NULL)
		return NULL;
	memcpy(out, s, n);
	out[n] = '\0';
	return out;
}

/* A length-prefixed string into a fixed array; -1 when it does not fit. */
static int get_str_into(struct cursor *c, char *out, size_t cap)
{
	uint32_t n = get_u32(c);
	const char *s = get_bytes(c, n);
	if (s == NULL || n >= cap || memchr(s, '\0', n) != NULL)
		return -1;
	memcpy(out, s, n);
	out[n] = '\0';
	return 0;
}

/* One detailed snapshot's (or live dump's) changes from the detailed one
 * before: changes[first .. first + n) of the reader's. */
struct delta {
	uint64_t seq;
	size_t first;
	uint32_t n;
	uint32_t n_contexts;
	unsigned record; /* its record's number, for messages */
	int live;
};

#define NO_DELTA SIZE_MAX

struct reader {
	struct hs_raw *raw;
	const char *name;
	char *err;
	size_t err_len;
	unsigned record; /* 1-based number of the record being read */
	unsigned cap_snapshots;
	uint64_t next_seq; /* the smallest seq the next snapshot may have */
	int has_header;
	/* Every detailed snapshot's changes, in record order, replayed once
	 * the table is final (materialize): only the snapshots still in it
	 * get their entries.  Most detailed snapshots are peaks that a later
	 * peak replaces; spelling out each one's contexts cost two passes
	 * over every context and its entries' memory. */
	struct hs_snap_entry *changes;
	size_t n_changes, cap_changes;
	struct delta *deltas;
	size_t n_deltas, cap_deltas;
	size_t live_delta; /* the delta of raw->live, or NO_DELTA */
	size_t cap_points, cap_point_changes;
	int sites_for;               /* the record before: 1 a SNAPSHOT, 2 a LIVE, else 0 */
	struct hs_site_bytes *sites; /* per site slot, as the last SITES left it */
	uint32_t sites_cap;
};

__attribute__((format(printf, 2, 3))) static int fail(struct reader *r, const char *fmt, ...)
{
	char what[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	if (r->err != NULL && r->err_len > 0)
		snprintf(r->err, r->err_len, "%s: record %u: %s", r->name, r->record, what);
	return -1;
}

static int out_of_memory(struct reader *r)
{
	return fail(r, "out of memory");
}

static const char *kind_name(uint32_t kind)
{
	switch (kind) {
	case HS_JR_HEADER:
		return "header";
	case HS_JR_CONTEXT:
		return "context";
	case HS_JR_SNAPSHOT:
		return "snapshot";
	case HS_JR_TABLE:
		return "table";
	case HS_JR_MAPS:
		return "maps";
	case HS_JR_UNLOADED:
		return "unloaded";
	case HS_JR_STOP:
		return "stop";
	case HS_JR_END:
		return "end";
	case HS_JR_POINT:
		return "point";
	case HS_JR_LIVE:
		return "live";
	case HS_JR_SITES:
		return "sites";
	case HS_JR_SITES_LOST:
		return "sites lost";
	default:
		return "unknown";
	}
}

/* Section 4.1: the header. */
static int read_header(struct reader *r, struct cursor *c)
{
	struct hs_raw *raw = r->raw;
	struct hs_options *o = &raw->opts;
	if (r->has_header)
		return fail(r, "a second header");
	r->has_header = 1;
	hs_options_defaults(o);
	raw->pid = get_u32(c);
	uint32_t unit = get_u32(c);
	o->detailed_freq = get_u32(c);
	o->max_snapshots = get_u32(c);
	o->depth = get_u32(c);
	o->heap_admin = get_u32(c);
	o->final_snapshot = get_u32(c) != 0;
	o->threshold = get_f64(c);
	o->peak_inaccuracy = get_f64(c);
	if (c->short_read)
		return fail(r, "header too short");
	if (unit > HS_TIME_BYTES)
		return fail(r, "unknown time unit %u", unit);
	o->time_unit = (enum hs_time_unit)unit;
	if (o->depth == 0 || o->depth > HS_MAX_FRAMES)
		return fail(r, "depth %u out of range", o->depth);
	raw->options_text = get_str(c);
	raw->cmd = get_str(c);
	if (raw->options_text == NULL || raw->cmd == NULL)
		return c->short_read ? fail(r, "header too short") : out_of_memory(r);
	if (get_str_into(c, o->desc, sizeof o->desc) != 0)
		return fail(r, "bad desc text");
	o->n_alloc_fns = get_u32(c);
	if (o->n_alloc_fns > HS_MAX_FNS)
		return fail(r, "%u alloc-fns (at most %d)", o->n_alloc_fns, HS_MAX_FNS);
	for (unsigned i = 0; i < o->n_alloc_fns; i++)
		if (get_str_into(c, o->alloc_fns[i], sizeof o->alloc_fns[i]) != 0)
			return fail(r, "bad alloc-fn name");
	o->n_ignore_fns = get_u32(c);
	if (o->n_ignore_fns > HS_MAX_FNS)
		return fail(r, "%u ignore-fns (at most %d)", o->n_ignore_fns, HS_MAX_FNS);
	for (unsigned i = 0; i < o->n_ignore_fns; i++)
		if (get_str_into(c, o->ignore_fns[i], sizeof o->ignore_fns[i]) != 0)
			return fail(r, "bad ignore-fn name");
	/* --sample's interval, absent from records of an exact-only recorder. */
	if (c->p != c->end)
		o->sample_bytes = get_u64(c);
	if (c->short_read)
		return fail(r, "header too short");
	return 0;
}

/* Section 4.2: a context, in id order. */
static int read_context(struct reader *r, struct cursor *c)
{
	struct hs_contexts *ctxs = &r->raw->ctxs;
	uint32_t id = get_u32(c);
	uint32_t n = get_u32(c);
	if (c->short_read)
		return fail(r, "context too short");
	if (id != ctxs->n)
		return fail(r, "context %u out of order (expected %u)", id, ctxs->n);
	if (n > HS_MAX_FRAMES)
		return fail(r, "context %u has %u frames (at most %d)", id, n, HS_MAX_FRAMES);
	if ((size_t)(c->end - c->p) != (size_t)n * 8)
		return fail(r, "context %u: %zu bytes for %u frames", id, (size_t)(c->end - c->p),
			    n);
	uint32_t chunk = id >> HS_CTX_CHUNK_SHIFT;
	if (chunk >= HS_CTX_DIR_SIZE)
		return fail(r, "too many contexts");
	if (ctxs->dir[chunk] == NULL) {
		ctxs->dir[chunk] =
			calloc((size_t)1 << HS_CTX_CHUNK_SHIFT, sizeof(struct hs_context));
		if (ctxs->dir[chunk] == NULL)
			return out_of_memory(r);
	}
	uintptr_t *frames = NULL;
	if (n > 0) {
		frames = malloc((size_t)n * sizeof *frames);
		if (frames == NULL)
			return out_of_memory(r);
		for (uint32_t i = 0; i < n; i++)
			frames[i] = (uintptr_t)get_u64(c);
	}
	struct hs_context *x = hs_contexts_get(ctxs, id);
	x->frames = frames;
	x->n_frames = n;
	x->hash = hs_frames_hash(frames, n);
	ctxs->n = id + 1;
	return 0;
}

static void drop_entries(struct hs_snapshot *s)
{
	free(s->entries);
	s->entries = NULL;
	s->n_entries = 0;
	free(s->sites);
	s->sites = NULL;
	s->n_sites = 0;
}

/* Section 4.11: the direct call sites' exact bytes, for the SNAPSHOT or
 * LIVE record right before. */
static int read_sites(struct reader *r, struct cursor *c)
{
	struct hs_raw *raw = r->raw;
	uint32_t n = get_u32(c);
	if (c->short_read || (uint64_t)(c->end - c->p) != (uint64_t)n * 20)
		return fail(r, "sites: bad length");
	struct hs_snapshot *s = r->sites_for == 1 && raw->n_snapshots > 0
					? &raw->snapshots[raw->n_snapshots - 1]
				: r->sites_for == 2 && raw->has_live ? &raw->live
								     : NULL;
	if (s == NULL)
		return fail(r, "sites not after a snapshot");
	if (s->sites != NULL)
		return fail(r, "snapshot %llu has two sites records", (unsigned long long)s->seq);
	/* The changes since the last SITES, into the slots' running state. */
	for (uint32_t i = 0; i < n; i++) {
		uint32_t slot = get_u32(c);
		uint64_t addr = get_u64(c);
		uint64_t bytes = get_u64(c);
		if (slot >= HS_CALLSITES_IDS)
			return fail(r, "sites: slot %u out of range", slot);
		/* The recorder writes a site's live bytes, never above 2^63. */
		if (bytes > INT64_MAX)
			return fail(r, "sites: slot %u has %llu bytes", slot,
				    (unsigned long long)bytes);
		if (slot >= r->sites_cap) {
			uint32_t cap = slot < 256 ? 256 : 2 * slot;
			cap = cap > HS_CALLSITES_IDS ? HS_CALLSITES_IDS : cap;
			struct hs_site_bytes *t = realloc(r->sites, (size_t)cap * sizeof *t);
			if (t == NULL)
				return out_of_memory(r);
			memset(t + r->sites_cap, 0, (size_t)(cap - r->sites_cap) * sizeof *t);
			r->sites = t;
			r->sites_cap = cap;
		}
		r->sites[slot] = (struct hs_site_bytes){ addr, bytes };
	}
	uint32_t live = 0;
	for (uint32_t k = 0; k < r->sites_cap; k++)
		live += r->sites[k].bytes != 0;
	struct hs_site_bytes *v = malloc(((size_t)live + 1) * sizeof *v);
	if (v == NULL)
		return out_of_memory(r);
	uint32_t m = 0;
	for (uint32_t k = 0; k < r->sites_cap; k++)
		if (r->sites[k].bytes != 0)
			v[m++] = r->sites[k];
	s->sites = v;
	s->n_sites = m;
	return 0;
}

/* Section 4.12: the direct call sites whose bytes are not exact; the
 * last one read stands (the recorder writes one whenever they change). */
static int read_sites_lost(struct reader *r, struct cursor *c)
{
	uint32_t refused = get_u32(c);
	uint32_t flags = get_u32(c);
	if (c->short_read)
		return fail(r, "sites lost: bad length");
	r->raw->sites_refused = refused;
	r->raw->sites_lost_flags = flags;
	return 0;
}

/* Grow *p (elements of size) to hold need; 0 or -1. */
static int grow(void **p, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return 0;
	size_t n = *cap == 0 ? 256 : *cap;
	while (n < need)
		n *= 2;
	void *q = realloc(*p, n * size);
	if (q == NULL)
		return -1;
	*p = q;
	*cap = n;
	return 0;
}

/* Section 4.3: a detailed snapshot's changes from the last detailed one,
 * checked and kept for materialize. */
static int keep_changes(struct reader *r, struct cursor *c, const struct hs_snapshot *s,
			uint32_t n_changes, int live)
{
	if (grow((void **)&r->deltas, &r->cap_deltas, r->n_deltas + 1, sizeof *r->deltas) != 0 ||
	    grow((void **)&r->changes, &r->cap_changes, r->n_changes + n_changes,
		 sizeof *r->changes) != 0)
		return out_of_memory(r);
	r->deltas[r->n_deltas++] =
		(struct delta){ s->seq, r->n_changes, n_changes, s->n_contexts, r->record, live };
	for (uint32_t i = 0, prev = 0; i < n_changes; i++) {
		uint32_t ctx = get_u32(c);
		uint64_t bytes = get_u64(c);
		if (ctx >= s->n_contexts || (i > 0 && ctx <= prev))
			return fail(r, "snapshot %llu: change for context %u out of place",
				    (unsigned long long)s->seq, ctx);
		r->changes[r->n_changes++] = (struct hs_snap_entry){ ctx, bytes };
		prev = ctx;
	}
	return 0;
}

/* Replay the deltas in order into every context's bytes, and give each
 * detailed snapshot still in the table (and the live dump's) the nonzero
 * contexts it counts.  The table is sorted by seq, as the deltas are. */
static int materialize(struct reader *r)
{
	struct hs_raw *raw = r->raw;
	uint32_t n_ctx = 0;
	for (size_t d = 0; d < r->n_deltas; d++)
		n_ctx = r->deltas[d].n_contexts > n_ctx ? r->deltas[d].n_contexts : n_ctx;
	uint64_t *last = calloc(n_ctx + 1, sizeof *last);
	if (last == NULL)
		return out_of_memory(r);
	uint32_t counted = 0; /* the most contexts a delta counted so far */
	unsigned t = 0;
	int rc = 0;
	for (size_t d = 0; d < r->n_deltas && rc == 0; d++) {
		const struct delta *dl = &r->deltas[d];
		for (uint32_t i = 0; i < dl->n; i++)
			last[r->changes[dl->first + i].ctx] = r->changes[dl->first + i].bytes;
		/* Only a snapshot counting fewer contexts than one before can
		 * leave bytes uncounted: a change is always below its own count. */
		r->record = dl->record;
		for (uint32_t ctx = dl->n_contexts; ctx < counted && rc == 0; ctx++)
			if (last[ctx] != 0)
				rc = fail(r,
					  "snapshot %llu: context %u has bytes but is not counted",
					  (unsigned long long)dl->seq, ctx);
		counted = dl->n_contexts > counted ? dl->n_contexts : counted;
		struct hs_snapshot *s = NULL;
		if (dl->live) {
			if (d == r->live_delta)
				s = &raw->live;
		} else {
			while (t < raw->n_snapshots && raw->snapshots[t].seq < dl->seq)
				t++;
			if (t < raw->n_snapshots && raw->snapshots[t].seq == dl->seq)
				s = &raw->snapshots[t];
		}
		if (s == NULL || rc != 0)
			continue;
		uint32_t nonzero = 0;
		for (uint32_t ctx = 0; ctx < s->n_contexts; ctx++)
			nonzero += last[ctx] != 0;
		if (nonzero == 0)
			continue;
		s->entries = malloc((size_t)nonzero * sizeof *s->entries);
		if (s->entries == NULL) {
			rc = out_of_memory(r);
			break;
		}
		for (uint32_t ctx = 0; ctx < s->n_contexts; ctx++)
			if (last[ctx] != 0)
				s->entries[s->n_entries++] =
					(struct hs_snap_entry){ ctx, last[ctx] };
	}
	free(last);
	return rc;
}

/* Section 4.3's fields, into s (its changes kept: keep_changes). */
static int read_snapshot_fields(struct reader *r, struct cursor *c, struct hs_snapshot *s, int live)
{
	struct hs_raw *raw = r->raw;
	memset(s, 0, sizeof *s);
	s->seq = get_u64(c);
	s->time = (int64_t)get_u64(c);
	s->heap_bytes = get_u64(c);
	s->extra_bytes = get_u64(c);
	uint32_t kind = get_u32(c);
	uint32_t detailed = get_u32(c);
	s->n_contexts = get_u32(c);
	uint32_t n_changes = get_u32(c);
	if (c->short_read)
		return fail(r, "snapshot too short");
	if (s->seq < r->next_seq)
		return fail(r, "snapshot %llu after snapshot %llu", (unsigned long long)s->seq,
			    (unsigned long long)(r->next_seq - 1));
	if (kind > HS_SNAP_PEAK || detailed > 1)
		return fail(r, "snapshot %llu: bad kind %u or detail %u",
			    (unsigned long long)s->seq, kind, detailed);
	/* No process holds 2^63 bytes: the Massif file's totals stay far
	 * below the 2^64 heapsnap-print allows. */
	if (s->heap_bytes > INT64_MAX || s->extra_bytes > INT64_MAX - s->heap_bytes)
		return fail(r, "snapshot %llu: %llu + %llu bytes, past 2^63",
			    (unsigned long long)s->seq, (unsigned long long)s->heap_bytes,
			    (unsigned long long)s->extra_bytes);
	if (s->n_contexts > raw->ctxs.n)
		return fail(r, "snapshot %llu counts %u contexts, only %u recorded",
			    (unsigned long long)s->seq, s->n_contexts, raw->ctxs.n);
	if ((size_t)(c->end - c->p) != (size_t)n_changes * 12 ||
	    (!detailed && (n_changes != 0 || s->n_contexts != 0)))
		return fail(r, "snapshot %llu: bad entry list", (unsigned long long)s->seq);
	s->kind = (enum hs_snap_kind)kind;
	s->detailed = (int)detailed;
	if (detailed && keep_changes(r, c, s, n_changes, live) != 0)
		return -1;
	return 0;
}

/* Section 4.3: a snapshot, appended to the table. */
static int read_snapshot(struct reader *r, struct cursor *c)
{
	struct hs_raw *raw = r->raw;
	struct hs_snapshot s;
	if (read_snapshot_fields(r, c, &s, 0) != 0)
		return -1;
	if (raw->n_snapshots == r->cap_snapshots) {
		unsigned cap = r->cap_snapshots == 0 ? 128 : r->cap_snapshots * 2;
		struct hs_snapshot *t = realloc(raw->snapshots, cap * sizeof *t);
		if (t == NULL) {
			drop_entries(&s);
			return out_of_memory(r);
		}
		raw->snapshots = t;
		r->cap_snapshots = cap;
	}
	raw->snapshots[raw->n_snapshots++] = s;
	r->next_seq = s.seq + 1;
	/* A live dump's snapshot is the latest state only until the next one. */
	drop_entries(&raw->live);
	raw->has_live = 0;
	r->live_delta = NO_DELTA;
	return 0;
}

/* Section 4.10: a live dump's snapshot, kept aside (not in the table). */
static int read_live(struct reader *r, struct cursor *c)
{
	struct hs_raw *raw = r->raw;
	uint64_t request = get_u64(c);
	struct hs_snapshot s;
	if (c->short_read)
		return fail(r, "live too short");
	if (read_snapshot_fields(r, c, &s, 1) != 0)
		return -1;
	drop_entries(&raw->live);
	raw->live = s;
	r->live_delta = s.detailed ? r->n_deltas - 1 : NO_DELTA;
	raw->live_request = request;
	raw->has_live = 1;
	return 0;
}

/* Section 4.4: the table's composition after a cull or a peak demotion.
 * The table keeps its order, so the listed seqs are a subsequence of it;
 * the snapshots left out were culled.  The whole record is checked before
 * the table changes: a bad one leaves it as it was, every snapshot owned
 * by one slot (a half-applied one left moved slots behind, which
 * hs_raw_free then freed twice). */
static int read_table(struct reader *r, struct cursor *c)
{
	struct hs_raw *raw = r->raw;
	uint32_t n = get_u32(c);
	if (c->short_read || (size_t)(c->end - c->p) != (size_t)n * 12)
		return fail(r, "table: bad length");
	struct cursor check = *c;
	unsigned in = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t seq = get_u64(&check);
		uint32_t kind = get_u32(&check);
		if (kind > HS_SNAP_PEAK)
			return fail(r, "table: bad kind %u", kind);
		if (in > 0 && raw->snapshots[in - 1].seq >= seq)
			return fail(r, "table lists snapshot %llu twice or out of order",
				    (unsigned long long)seq);
		while (in < raw->n_snapshots && raw->snapshots[in].seq != seq)
			in++;
		if (in == raw->n_snapshots)
			return fail(r, "table lists snapshot %llu, which it does not hold",
				    (unsigned long long)seq);
		in++;
	}
	in = 0;
	unsigned out = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t seq = get_u64(c);
		uint32_t kind = get_u32(c);
		while (raw->snapshots[in].seq != seq)
			drop_entries(&raw->snapshots[in++]);
		struct hs_snapshot s = raw->snapshots[in++];
		s.kind = (enum hs_snap_kind)kind;
		raw->snapshots[out++] = s;
	}
	while (in < raw->n_snapshots)
		drop_entries(&raw->snapshots[in++]);
	raw->n_snapshots = out;
	return 0;
}

/* Section 4.9: a point of the per-site series. */
static int read_point(struct reader *r, struct cursor *c)
{
	struct hs_raw *raw = r->raw;
	struct hs_raw_point pt;
	memset(&pt, 0, sizeof pt);
	pt.seq = get_u64(c);
	pt.time = (int64_t)get_u64(c);
	pt.heap_bytes = get_u64(c);
	pt.extra_bytes = get_u64(c);
	pt.rss_bytes = get_u64(c);
	pt.mapped_bytes = get_u64(c);
	pt.kind = get_u32(c);
	pt.detailed = get_u32(c);
	pt.n_changes = get_u32(c);
	if (c->short_read)
		return fail(r, "point too short");
	if (pt.kind > HS_POINT_SERIES || pt.detailed > 1)
		return fail(r, "point %llu: bad kind %u or detail %u", (unsigned long long)pt.seq,
			    pt.kind, pt.detailed);
	/* The changes, then alloc_bytes (absent from older records). */
	size_t rest = (size_t)(c->end - c->p), changes = (size_t)pt.n_changes * 12;
	if (rest != changes && rest != changes + 8)
		return fail(r, "point %llu: bad change list", (unsigned long long)pt.seq);
	if (grow((void **)&raw->points, &r->cap_points, raw->n_points + 1, sizeof *raw->points) !=
		    0 ||
	    grow((void **)&raw->point_changes, &r->cap_point_changes,
		 raw->n_point_changes + pt.n_changes, sizeof *raw->point_changes) != 0)
		return out_of_memory(r);
	pt.first_change = raw->n_point_changes;
	for (uint32_t i = 0; i < pt.n_changes; i++) {
		uint32_t ctx = get_u32(c);
		uint64_t bytes = get_u64(c);
		if (ctx >= raw->ctxs.n)
			return fail(r, "point %llu: change for context %u, only %u recorded",
				    (unsigned long long)pt.seq, ctx, raw->ctxs.n);
		raw->point_changes[raw->n_point_changes++] = (struct hs_snap_entry){ ctx, bytes };
	}
	if (rest == changes + 8) {
		pt.has_alloc = 1;
		pt.alloc_bytes = get_u64(c);
	}
	raw->points[raw->n_points++] = pt;
	return 0;
}

/* Section 4.5: a maps text. */
static int read_maps(struct reader *r, struct cursor *c)
{
	struct hs_raw *raw = r->raw;
	size_t len = (size_t)(c->end - c->p);
	struct hs_raw_maps *m = realloc(raw->maps, (raw->n_maps + 1) * sizeof *m);
	if (m == NULL)
		return out_of_memory(r);
	raw->maps = m;
	char *text = malloc(len + 1);
	if (text == NULL)
		return out_of_memory(r);
	memcpy(text, c->p, len);
	text[len] = '\0';
	c->p = c->end;
	raw->maps[raw->n_maps++] = (struct hs_raw_maps){ text, len };
	return 0;
}

/* A text that is the rest of the payload, NUL-terminated. */
static char *rest_text(struct cursor *c)
{
	size_t len = (size_t)(c->end - c->p);
	char *s = malloc(len + 1);
	if (s != NULL) {
		memcpy(s, c->p, len);
		s[len] = '\0';
	}
	c->p = c->end;
	return s;
}

/* Section 4.6: a module unloaded. */
static int read_unloaded(struct reader *r, struct cursor *c)
{
	struct hs_raw *raw = r->raw;
	uint64_t start = get_u64(c), end = get_u64(c);
	if (c->short_read)
		return fail(r, "unloaded: too short");
	struct hs_unloaded *u = realloc(raw->unloaded, (raw->n_unloaded + 1) * sizeof *u);
	if (u == NULL)
		return out_of_memory(r);
	raw->unloaded = u;
	char *path = rest_text(c);
	if (path == NULL)
		return out_of_memory(r);
	raw->unloaded[raw->n_unloaded++] =
		(struct hs_unloaded){ (uintptr_t)start, (uintptr_t)end, path };
	return 0;
}

/* Sections 4.7 and 4.8: recording stopped; the end. */
static int read_stop(struct reader *r, struct cursor *c)
{
	free(r->raw->stop_reason);
	r->raw->stop_reason = rest_text(c);
	return r->raw->stop_reason == NULL ? out_of_memory(r) : 0;
}

static int read_end(struct reader *r, struct cursor *c)
{
	struct hs_raw *raw = r->raw;
	char *how = get_str(c);
	char *reason = get_str(c);
	if (how == NULL || reason == NULL) {
		free(how);
		free(reason);
		return c->short_read ? fail(r, "end too short") : out_of_memory(r);
	}
	free(raw->how);
	raw->how = how;
	raw->has_end = 1;
	if (reason[0] != '\0') {
		free(raw->stop_reason);
		raw->stop_reason = reason;
	} else {
		free(reason);
	}
	return 0;
}

static int read_record(struct reader *r, uint32_t kind, struct cursor *c)
{
	if (!r->has_header && kind != HS_JR_HEADER)
		return fail(r, "a %s record before the header", kind_name(kind));
	int rc;
	switch (kind) {
	case HS_JR_HEADER:
		rc = read_header(r, c);
		break;
	case HS_JR_CONTEXT:
		rc = read_context(r, c);
		break;
	case HS_JR_SNAPSHOT:
		rc = read_snapshot(r, c);
		break;
	case HS_JR_TABLE:
		rc = read_table(r, c);
		break;
	case HS_JR_MAPS:
		rc = read_maps(r, c);
		break;
	case HS_JR_UNLOADED:
		rc = read_unloaded(r, c);
		break;
	case HS_JR_STOP:
		rc = read_stop(r, c);
		break;
	case HS_JR_END:
		rc = read_end(r, c);
		break;
	case HS_JR_POINT:
		rc = read_point(r, c);
		break;
	case HS_JR_LIVE:
		rc = read_live(r, c);
		break;
	case HS_JR_SITES:
		rc = read_sites(r, c);
		break;
	case HS_JR_SITES_LOST:
		rc = read_sites_lost(r, c);
		break;
	default:
		return fail(r, "unknown kind %u", kind);
	}
	r->sites_for = kind == HS_JR_SNAPSHOT ? 1 : kind == HS_JR_LIVE ? 2 : 0;
	if (rc == 0 && c->p != c->end)
		return fail(r, "%s record has %zu bytes too many", kind_name(kind),
			    (size_t)(c->end - c->p));
	return rc;
}

/* Section 2: the magic line, then records until the end of the data; a
 * record cut short by the end of the file ends the reading. */
/* The file in a window of bytes: records are parsed as they arrive, so the
 * reader holds at most its largest record of the file, not all of it (the
 * launcher's symbolizer is loaded before a resolve starts: src/launcher/
 * warmup.h; a whole raw record read at once added its size to the peak). */
struct window {
	int fd;
	uint64_t limit; /* 0: to the end of the file */
	uint64_t read;  /* bytes of the file read so far */
	unsigned char *buf;
	size_t cap, have; /* bytes in buf */
	size_t pos;       /* bytes of buf already parsed */
	int eof;
};

#define HS_RAW_WINDOW ((size_t)1 << 20)

/* Make room for need unparsed bytes and read more; -1 on a read error
 * (errno) or without memory (errno ENOMEM).  Sets eof at the end. */
static int window_fill(struct window *w, size_t need)
{
	if (w->pos > 0) {
		memmove(w->buf, w->buf + w->pos, w->have - w->pos);
		w->have -= w->pos;
		w->pos = 0;
	}
	if (need > w->cap) {
		unsigned char *b = realloc(w->buf, need);
		if (b == NULL) {
			errno = ENOMEM;
			return -1;
		}
		w->buf = b;
		w->cap = need;
	}
	while (w->have < need && !w->eof) {
		size_t want = w->cap - w->have;
		if (w->limit != 0 && want > w->limit - w->read)
			want = (size_t)(w->limit - w->read);
		if (want == 0) {
			w->eof = 1;
			break;
		}
		ssize_t k = pread(w->fd, w->buf + w->have, want, (off_t)w->read);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -1;
		if (k == 0)
			w->eof = 1;
		w->have += (size_t)k;
		w->read += (uint64_t)k;
	}
	return 0;
}

/* Section 2's magic line at the window's start (the caller filled it). */
static int parse_magic(struct reader *r, struct window *w)
{
	if (w->have < HS_JOURNAL_MAGIC_LEN && memcmp(w->buf, HS_JOURNAL_MAGIC, w->have) == 0) {
		/* Empty, or cut inside the magic line: the program died at once. */
		snprintf(r->err, r->err_len, "%s: the raw record ends before its header", r->name);
		return -1;
	}
	if (w->have < HS_JOURNAL_MAGIC_LEN ||
	    memcmp(w->buf, HS_JOURNAL_MAGIC, HS_JOURNAL_MAGIC_LEN) != 0) {
		snprintf(r->err, r->err_len, "%s: not a heapsnap raw record", r->name);
		return -1;
	}
	w->pos = HS_JOURNAL_MAGIC_LEN;
	return 0;
}

/* The records from the window's position on, for as long as whole ones
 * are there: a record longer than what the file holds from its start
 * stops the reading (cut short by the program's end, or, for a record
 * still being written, to be read on the next call).  Returns 0, or -1
 * with err set. */
static int parse_records(struct reader *r, struct window *w)
{
	for (;;) {
		if (w->have - w->pos < 8 && window_fill(w, 8) != 0)
			goto fail;
		if (w->have - w->pos < 8)
			break;
		uint32_t plen, kind;
		memcpy(&plen, w->buf + w->pos, 4);
		memcpy(&kind, w->buf + w->pos + 4, 4);
		uint64_t need64 = 8 + (uint64_t)plen;
		if (need64 > SIZE_MAX)
			break; /* cannot be held here: as if cut short */
		size_t need = (size_t)need64;
		if (w->have - w->pos < need) {
			/* Never ask memory for the length of a record the file
			 * does not hold. */
			uint64_t start = w->read - (w->have - w->pos);
			struct stat st;
			if (fstat(w->fd, &st) != 0)
				goto fail;
			uint64_t size = (uint64_t)st.st_size;
			if (w->limit != 0 && w->limit < size)
				size = w->limit;
			if (size < start || need64 > size - start)
				break;
			if (window_fill(w, need) != 0)
				goto fail;
			if (w->have - w->pos < need)
				break;
		}
		r->record++;
		struct cursor c = { w->buf + w->pos + 8, w->buf + w->pos + need, 0 };
		if (read_record(r, kind, &c) != 0)
			return -1;
		w->pos += need;
	}
	return 0;
fail:
	snprintf(r->err, r->err_len, "%s: %s", r->name,
		 errno == ENOMEM ? "out of memory" : strerror(errno));
	return -1;
}

/* After the last record: what the file was. */
/* Hold a damaged record's times to the rules the recorder's clock and
 * counts keep, which the formats written from it have (format-massif.md,
 * format-series.md) and heapsnap-print checks: a snapshot's or a point's
 * time never goes back nor falls below 0, a point's B position never goes
 * back nor passes 2^63.  An undamaged record is left as it is. */
static void hold_to_rules(struct hs_raw *raw)
{
	int64_t time = 0;
	for (unsigned i = 0; i < raw->n_snapshots; i++) {
		if (raw->snapshots[i].time < time)
			raw->snapshots[i].time = time;
		time = raw->snapshots[i].time;
	}
	if (raw->has_live && raw->live.time < time)
		raw->live.time = time;
	time = 0;
	uint64_t alloc = 0;
	for (size_t i = 0; i < raw->n_points; i++) {
		struct hs_raw_point *pt = &raw->points[i];
		if (pt->time < time)
			pt->time = time;
		time = pt->time;
		if (!pt->has_alloc)
			continue;
		if (pt->alloc_bytes > INT64_MAX)
			pt->alloc_bytes = INT64_MAX;
		if (pt->alloc_bytes < alloc)
			pt->alloc_bytes = alloc;
		alloc = pt->alloc_bytes;
	}
}

static int parse_end(struct reader *r, struct window *w)
{
	r->raw->truncated = w->have != w->pos;
	r->raw->n_records = r->record;
	if (!r->has_header) {
		snprintf(r->err, r->err_len, "%s: the raw record ends before its header", r->name);
		return -1;
	}
	hold_to_rules(r->raw);
	return 0;
}

static int parse(struct reader *r, struct window *w)
{
	if (window_fill(w, HS_JOURNAL_MAGIC_LEN) != 0) {
		snprintf(r->err, r->err_len, "%s: %s", r->name,
			 errno == ENOMEM ? "out of memory" : strerror(errno));
		return -1;
	}
	if (parse_magic(r, w) != 0 || parse_records(r, w) != 0)
		return -1;
	return parse_end(r, w);
}

/* The reader's own memory (not raw's). */
static void reader_free(struct reader *r)
{
	free(r->changes);
	free(r->deltas);
	free(r->sites);
}

/* Read fd from offset 0, at most limit bytes (0: to its end), then, if
 * side_fd is not -1, the records of a side record from its offset 8 on,
 * as if they followed. */
static int read_fd_side(int fd, const char *name, uint64_t limit, int side_fd,
			struct hs_raw *raw, char *err, size_t err_len)
{
	memset(raw, 0, sizeof *raw);
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, err_len, "%s: not a regular file", name);
		return -1;
	}
	struct window w = { .fd = fd, .limit = limit, .cap = HS_RAW_WINDOW };
	w.buf = malloc(w.cap);
	if (w.buf == NULL) {
		snprintf(err, err_len, "%s: out of memory", name);
		return -1;
	}
	struct reader r = {
		.raw = raw, .name = name, .err = err, .err_len = err_len, .live_delta = NO_DELTA
	};
	int rc;
	if (side_fd < 0) {
		rc = parse(&r, &w);
	} else if (window_fill(&w, HS_JOURNAL_MAGIC_LEN) != 0) {
		snprintf(err, err_len, "%s: %s", name,
			 errno == ENOMEM ? "out of memory" : strerror(errno));
		rc = -1;
	} else {
		rc = parse_magic(&r, &w) != 0 || parse_records(&r, &w) != 0 ? -1 : 0;
		if (rc == 0 && (w.have != w.pos || w.read != limit)) {
			/* The prefix the side record was written against is not
			 * all there, or does not end where a record does. */
			snprintf(err, err_len, "%s: shorter than its live dump's record says", name);
			rc = -1;
		}
		if (rc == 0) {
			w = (struct window){ .fd = side_fd, .buf = w.buf, .cap = w.cap, .read = 8 };
			rc = parse_records(&r, &w) != 0 || parse_end(&r, &w) != 0 ? -1 : 0;
		}
	}
	if (rc == 0)
		rc = materialize(&r);
	free(w.buf);
	reader_free(&r);
	if (rc != 0)
		hs_raw_free(raw);
	return rc;
}

static int read_fd_limit(int fd, const char *name, uint64_t limit, struct hs_raw *raw, char *err,
			 size_t err_len)
{
	return read_fd_side(fd, name, limit, -1, raw, err, err_len);
}

int hs_raw_read_fd(int fd, const char *name, struct hs_raw *raw, char *err, size_t err_len)
{
	return read_fd_limit(fd, name, 0, raw, err, err_len);
}

int hs_raw_read_prefix(const char *path, uint64_t limit, struct hs_raw *raw, char *err,
		       size_t err_len)
{
	memset(raw, 0, sizeof *raw);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, err_len, "%s: %s", path, strerror(errno));
		return -1;
	}
	int rc = read_fd_limit(fd, path, limit, raw, err, err_len);
	close(fd);
	return rc;
}

int hs_raw_read_live(const char *path, uint64_t limit, struct hs_raw *raw, int *side_used,
		     char *err, size_t err_len)
{
	*side_used = 0;
	size_t n = strlen(path);
	char *side_path = malloc(n + sizeof HS_RAW_LIVE_SUFFIX);
	if (side_path == NULL) {
		memset(raw, 0, sizeof *raw);
		snprintf(err, err_len, "%s: out of memory", path);
		return -1;
	}
	memcpy(side_path, path, n);
	memcpy(side_path + n, HS_RAW_LIVE_SUFFIX, sizeof HS_RAW_LIVE_SUFFIX);
	int side_fd = open(side_path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	free(side_path);
	uint64_t base;
	if (side_fd < 0 || pread(side_fd, &base, sizeof base, 0) != (ssize_t)sizeof base ||
	    base == 0) {
		if (side_fd >= 0)
			close(side_fd);
		return hs_raw_read_prefix(path, limit, raw, err, err_len);
	}
	memset(raw, 0, sizeof *raw);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, err_len, "%s: %s", path, strerror(errno));
		close(side_fd);
		return -1;
	}
	int rc = read_fd_side(fd, path, base, side_fd, raw, err, err_len);
	close(fd);
	close(side_fd);
	*side_used = rc == 0;
	return rc;
}

int hs_raw_read(const char *path, struct hs_raw *raw, char *err, size_t err_len)
{
	return hs_raw_read_prefix(path, 0, raw, err, err_len);
}

struct hs_raw_follow {
	struct reader r;
	struct window w;
	struct hs_raw raw;
	dev_t dev;
	ino_t ino;
	int past_magic;
	int failed; /* the prefix did not parse: the end reads the file cold */
	char err[512];
	char name[];
};

struct hs_raw_follow *hs_raw_follow_open(const char *path)
{
	size_t n = strlen(path) + 1;
	struct hs_raw_follow *f = calloc(1, sizeof *f + n);
	if (f == NULL)
		return NULL;
	memcpy(f->name, path, n);
	struct stat st;
	f->w.fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (f->w.fd < 0 || fstat(f->w.fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (f->w.buf = malloc(HS_RAW_WINDOW)) == NULL) {
		hs_raw_follow_close(f);
		return NULL;
	}
	f->w.cap = HS_RAW_WINDOW;
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->r = (struct reader){
		.raw = &f->raw, .name = f->name, .err = f->err, .err_len = sizeof f->err,
		.live_delta = NO_DELTA
	};
	return f;
}

void hs_raw_follow_step(struct hs_raw_follow *f)
{
	if (f->failed)
		return;
	f->w.eof = 0; /* the file grew, perhaps */
	if (!f->past_magic) {
		if (window_fill(&f->w, HS_JOURNAL_MAGIC_LEN) != 0) {
			f->failed = 1;
			return;
		}
		if (f->w.have < HS_JOURNAL_MAGIC_LEN &&
		    memcmp(f->w.buf, HS_JOURNAL_MAGIC, f->w.have) == 0)
			return; /* not yet written */
		if (parse_magic(&f->r, &f->w) != 0) {
			f->failed = 1;
			return;
		}
		f->past_magic = 1;
	}
	if (parse_records(&f->r, &f->w) != 0)
		f->failed = 1;
}

int hs_raw_follow_same(const struct hs_raw_follow *f, const char *path)
{
	struct stat st;
	return strcmp(f->name, path) == 0 && stat(path, &st) == 0 && st.st_dev == f->dev &&
	       st.st_ino == f->ino;
}

int hs_raw_follow_finish(struct hs_raw_follow *f, struct hs_raw **raw, char *err, size_t err_len)
{
	int rc;
	*raw = NULL;
	if (f->failed || !f->past_magic) {
		/* Read from the start, as without a follower: its error, if any
		 * (before the magic nothing was parsed: raw is still calloc's). */
		if (f->past_magic)
			hs_raw_free(&f->raw);
		rc = read_fd_limit(f->w.fd, f->name, 0, &f->raw, err, err_len);
	} else {
		f->w.eof = 0;
		rc = parse_records(&f->r, &f->w);
		if (rc == 0)
			rc = parse_end(&f->r, &f->w);
		if (rc == 0)
			rc = materialize(&f->r);
		if (rc != 0) {
			hs_raw_free(&f->raw);
			snprintf(err, err_len, "%s", f->err);
		}
	}
	/* The window's MiB back now: the caller writes the file next. */
	free(f->w.buf);
	f->w.buf = NULL;
	if (rc == 0)
		*raw = &f->raw;
	return rc;
}

void hs_raw_follow_close(struct hs_raw_follow *f)
{
	if (f == NULL)
		return;
	hs_raw_free(&f->raw);
	reader_free(&f->r);
	free(f->w.buf);
	if (f->w.fd >= 0)
		close(f->w.fd);
	free(f);
}

void hs_raw_free(struct hs_raw *raw)
{
	free(raw->options_text);
	free(raw->cmd);
	for (uint32_t id = 0; id < raw->ctxs.n; id++)
		free((void *)hs_contexts_get(&raw->ctxs, id)->frames);
	for (unsigned i = 0; i < HS_CTX_DIR_SIZE; i++)
		free(raw->ctxs.dir[i]);
	for (unsigned i = 0; i < raw->n_snapshots; i++)
		drop_entries(&raw->snapshots[i]);
	free(raw->snapshots);
	drop_entries(&raw->live);
	for (unsigned i = 0; i < raw->n_maps; i++)
		free(raw->maps[i].text);
	free(raw->maps);
	for (unsigned i = 0; i < raw->n_unloaded; i++)
		free((void *)raw->unloaded[i].path);
	free(raw->unloaded);
	free(raw->points);
	free(raw->point_changes);
	free(raw->stop_reason);
	free(raw->how);
	memset(raw, 0, sizeof *raw);
}
