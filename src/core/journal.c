/* journal: the raw record's writer (see journal.h; the format is
 * doc/format-raw.md). */
#include "journal.h"

#include <errno.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "arena.h"
#include "callsites.h"
#include "nocancel.h"

void hs_journal_init(struct hs_journal *j)
{
	memset(j, 0, sizeof *j);
	j->fd = -1;
}

int hs_journal_open(struct hs_journal *j, int fd)
{
	if (j->buf == NULL)
		j->buf = hs_arena_map(HS_JOURNAL_BUF_BYTES);
	if (j->buf == NULL)
		return -1;
	j->fd = fd;
	j->failed = 0;
	j->error = 0;
	j->used = 0; /* a forked child's copy of its parent's pending bytes */
	j->written = 0;
	j->n_contexts = 0;
	if (j->last_bytes != NULL)
		memset(j->last_bytes, 0, (size_t)j->last_n * sizeof *j->last_bytes);
	j->last_n = 0;
	if (j->point_bytes != NULL)
		memset(j->point_bytes, 0, (size_t)j->point_n * sizeof *j->point_bytes);
	j->point_n = 0;
	if (j->sites_last != NULL)
		memset(j->sites_last, 0, (size_t)j->sites_n * sizeof *j->sites_last);
	j->lost_refused = j->lost_flags = 0;
	memcpy(j->buf, HS_JOURNAL_MAGIC, HS_JOURNAL_MAGIC_LEN);
	j->used = HS_JOURNAL_MAGIC_LEN;
	return 0;
}

int hs_journal_flush(struct hs_journal *j)
{
	if (j->fd < 0)
		return 0;
	if (j->failed)
		return -1; /* said once by the caller; nothing more is written */
	const char *p = j->buf;
	size_t n = j->used;
	int reopened = 0;
	j->used = 0;
	/* The program's file size limit holds for our record too, and a write
	 * past it raises SIGXFSZ, which would kill the program: stop short of
	 * it, with the record a valid prefix (one system call a flush). */
	struct rlimit lim;
	if (n > 0 && getrlimit(RLIMIT_FSIZE, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY &&
	    j->written + n > (uint64_t)lim.rlim_cur) {
		j->error = EFBIG;
		j->failed = 1;
		return -1;
	}
	while (n > 0) {
		ssize_t k = hs_nc_write(j->fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		/* Closed behind our back (a close_range system call no wrapper
		 * sees): the same file, opened again by the layer above, once. */
		if (k < 0 && errno == EBADF && j->reopen != NULL && !reopened) {
			int fd = j->reopen();
			reopened = 1;
			if (fd >= 0) {
				j->fd = fd;
				continue;
			}
		}
		if (k <= 0) {
			/* A short write of 0 bytes is a full device too. */
			j->error = k < 0 ? errno : ENOSPC;
			j->failed = 1;
			return -1;
		}
		p += k;
		n -= (size_t)k;
		j->written += (uint64_t)k;
	}
	return 0;
}

/* Append n bytes, writing the buffer out whenever it fills. */
static void put(struct hs_journal *j, const void *data, size_t n)
{
	const char *p = data;
	while (n > 0 && hs_journal_on(j)) {
		size_t room = HS_JOURNAL_BUF_BYTES - j->used;
		size_t k = n < room ? n : room;
		memcpy(j->buf + j->used, p, k);
		j->used += k;
		p += k;
		n -= k;
		if (j->used == HS_JOURNAL_BUF_BYTES)
			hs_journal_flush(j);
	}
}

/* put for a few bytes: a copy when the buffer has room to spare (the
 * usual case: a POINT writes a change per context whose bytes moved). */
static inline __attribute__((always_inline)) void put_small(struct hs_journal *j,
							    const void *data, size_t n)
{
	if (__builtin_expect(j->used + n < HS_JOURNAL_BUF_BYTES && hs_journal_on(j), 1)) {
		memcpy(j->buf + j->used, data, n);
		j->used += n;
		return;
	}
	put(j, data, n);
}

static void put_u32(struct hs_journal *j, uint32_t v)
{
	put_small(j, &v, sizeof v);
}

static void put_u64(struct hs_journal *j, uint64_t v)
{
	put_small(j, &v, sizeof v);
}

/* A record's head: its payload length and kind. */
static void begin(struct hs_journal *j, enum hs_journal_kind kind, size_t payload_bytes)
{
	put_u32(j, (uint32_t)payload_bytes);
	put_u32(j, (uint32_t)kind);
}

static size_t str_bytes(const char *s)
{
	return 4 + (s != NULL ? strlen(s) : 0);
}

/* A string: its length, then its bytes (no NUL). */
static void put_str(struct hs_journal *j, const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;
	put_u32(j, (uint32_t)n);
	put(j, s, n);
}

void hs_journal_header(struct hs_journal *j, uint32_t pid, const struct hs_options *opts,
		       const char *options_text, const char *cmd)
{
	if (!hs_journal_on(j))
		return;
	size_t n = 7 * 4 + 2 * 8 + str_bytes(options_text) + str_bytes(cmd) + str_bytes(opts->desc);
	n += 4;
	for (unsigned i = 0; i < opts->n_alloc_fns; i++)
		n += str_bytes(opts->alloc_fns[i]);
	n += 4;
	for (unsigned i = 0; i < opts->n_ignore_fns; i++)
		n += str_bytes(opts->ignore_fns[i]);
	n += 8; /* sample_bytes, last: readers of older records stop before it */
	begin(j, HS_JR_HEADER, n);
	put_u32(j, pid);
	put_u32(j, (uint32_t)opts->time_unit);
	put_u32(j, opts->detailed_freq);
	put_u32(j, opts->max_snapshots);
	put_u32(j, opts->depth);
	put_u32(j, opts->heap_admin);
	put_u32(j, opts->final_snapshot);
	put(j, &opts->threshold, 8);
	put(j, &opts->peak_inaccuracy, 8);
	put_str(j, options_text);
	put_str(j, cmd);
	put_str(j, opts->desc);
	put_u32(j, opts->n_alloc_fns);
	for (unsigned i = 0; i < opts->n_alloc_fns; i++)
		put_str(j, opts->alloc_fns[i]);
	put_u32(j, opts->n_ignore_fns);
	for (unsigned i = 0; i < opts->n_ignore_fns; i++)
		put_str(j, opts->ignore_fns[i]);
	put_u64(j, opts->sample_bytes);
}

void hs_journal_contexts(struct hs_journal *j, struct hs_contexts *ctxs)
{
	uint32_t n = hs_contexts_count(ctxs);
	for (; j->n_contexts < n && hs_journal_on(j); j->n_contexts++) {
		const struct hs_context *c = hs_contexts_get(ctxs, j->n_contexts);
		begin(j, HS_JR_CONTEXT, 8 + (size_t)c->n_frames * 8);
		put_u32(j, j->n_contexts);
		put_u32(j, c->n_frames);
		if (sizeof(uintptr_t) == 8) {
			put(j, c->frames, (size_t)c->n_frames * 8);
		} else {
			for (uint32_t i = 0; i < c->n_frames; i++)
				put_u64(j, c->frames[i]);
		}
	}
}

/* Room in *bytes (*cap_io entries, the first used of them in use) for n
 * contexts.  Returns 0, or -1 (the journal fails: out of memory). */
static int reserve_bytes(struct hs_journal *j, uint64_t **bytes, uint32_t *cap_io, uint32_t used,
			 uint32_t n)
{
	if (n <= *cap_io)
		return 0;
	uint32_t cap = *cap_io == 0 ? 4096 : *cap_io;
	while (cap < n)
		cap *= 2;
	uint64_t *a = hs_arena_map((size_t)cap * sizeof *a);
	if (a == NULL) {
		j->failed = 1;
		j->error = ENOMEM;
		return -1;
	}
	if (*bytes != NULL) {
		memcpy(a, *bytes, (size_t)used * sizeof *a);
		hs_arena_unmap(*bytes, (size_t)*cap_io * sizeof *a);
	}
	*bytes = a;
	*cap_io = cap;
	return 0;
}

static int reserve_last(struct hs_journal *j, uint32_t n)
{
	return reserve_bytes(j, &j->last_bytes, &j->last_cap, j->last_n, n);
}

/* Note in j->changes each context of snap whose bytes differ from
 * last_bytes (both read as 0 past their ends), in id order: its id and
 * its entry + 1 (0: it has none, 0 bytes now); returns how many. */
static uint32_t find_changes(struct hs_journal *j, const struct hs_snapshot *snap)
{
	uint32_t n = 0, e = 0;
	uint32_t end = snap->n_contexts > j->last_n ? snap->n_contexts : j->last_n;
	for (uint32_t ctx = 0; ctx < end; ctx++) {
		uint64_t now = 0, at = 0;
		if (e < snap->n_entries && snap->entries[e].ctx == ctx) {
			now = snap->entries[e++].bytes;
			at = e;
		}
		uint64_t before = ctx < j->last_n ? j->last_bytes[ctx] : 0;
		if (now != before)
			j->changes[n++] = (uint64_t)ctx << 32 | at;
	}
	return n;
}

static void put_change(struct hs_journal *j, uint32_t ctx, uint64_t bytes)
{
	put_u32(j, ctx);
	put_u64(j, bytes);
	if (!j->side)
		j->last_bytes[ctx] = bytes;
}

/* A SNAPSHOT record, or a LIVE one (request first, then the same fields). */
static void put_snapshot(struct hs_journal *j, enum hs_journal_kind kind,
			 const struct hs_snapshot *snap, uint64_t request)
{
	if (!hs_journal_on(j))
		return;
	uint32_t n_changes = 0;
	if (snap->detailed) {
		/* Between two detailed snapshots few contexts change (python3:
		 * 2.3 M entries, 20 k changes), so only the changes are written. */
		uint32_t most = snap->n_contexts > j->last_n ? snap->n_contexts : j->last_n;
		if (reserve_last(j, snap->n_contexts) != 0 ||
		    reserve_bytes(j, &j->changes, &j->changes_cap, 0, most) != 0)
			return;
		n_changes = find_changes(j, snap);
	}
	size_t head = kind == HS_JR_LIVE ? 8 : 0;
	begin(j, kind, head + 4 * 8 + 4 * 4 + (size_t)n_changes * 12);
	if (kind == HS_JR_LIVE)
		put_u64(j, request);
	put_u64(j, snap->seq);
	put_u64(j, (uint64_t)snap->time);
	put_u64(j, snap->heap_bytes);
	put_u64(j, snap->extra_bytes);
	put_u32(j, (uint32_t)snap->kind);
	put_u32(j, (uint32_t)snap->detailed);
	put_u32(j, snap->n_contexts);
	put_u32(j, n_changes);
	if (snap->detailed) {
		for (uint32_t k = 0; k < n_changes; k++) {
			uint32_t ctx = (uint32_t)(j->changes[k] >> 32);
			uint32_t at = (uint32_t)j->changes[k];
			put_change(j, ctx, at != 0 ? snap->entries[at - 1].bytes : 0);
		}
		if (snap->n_contexts > j->last_n && !j->side)
			j->last_n = snap->n_contexts;
	}
}

/* A POINT record's head and fixed fields, for n_changes changes; the
 * changes follow, then end_point. */
static void begin_point(struct hs_journal *j, const struct hs_point *p, uint32_t n_changes)
{
	begin(j, HS_JR_POINT, 6 * 8 + 3 * 4 + (size_t)n_changes * 12 + 8);
	put_u64(j, p->seq);
	put_u64(j, (uint64_t)p->time);
	put_u64(j, p->heap_bytes);
	put_u64(j, p->extra_bytes);
	put_u64(j, p->rss_bytes);
	put_u64(j, p->mapped_bytes);
	put_u32(j, (uint32_t)p->kind);
	put_u32(j, (uint32_t)p->detailed);
	put_u32(j, n_changes);
}

/* A POINT's last field, after its changes: a reader of records older than
 * it finds the changes where they were (doc/format-raw.md 4.9). */
static void end_point(struct hs_journal *j, const struct hs_point *p)
{
	put_u64(j, p->alloc_bytes);
}

/* One change of a POINT: ctx now has bytes. */
static void put_point_change(struct hs_journal *j, uint32_t ctx, uint64_t bytes)
{
	put_u32(j, ctx);
	put_u64(j, bytes);
	j->point_bytes[ctx] = bytes;
}

void hs_journal_point(struct hs_journal *j, struct hs_contexts *ctxs, const struct hs_point *p)
{
	if (!hs_journal_on(j))
		return;
	uint32_t n_ctx = hs_contexts_count(ctxs);
	if (reserve_bytes(j, &j->point_bytes, &j->point_cap, j->point_n, n_ctx) != 0)
		return;
	if (n_ctx > j->point_n) {
		memset(j->point_bytes + j->point_n, 0,
		       (size_t)(n_ctx - j->point_n) * sizeof *j->point_bytes);
		j->point_n = n_ctx;
	}
	/* Two walks of the list: the count goes first in the record.  A
	 * context back at its last written bytes is left out. */
	uint32_t n = 0, head = hs_contexts_take_dirty(ctxs);
	for (uint32_t l = head; l != HS_DIRTY_END;) {
		const struct hs_context *x = hs_contexts_get(ctxs, l - 1);
		n += x->live_bytes != j->point_bytes[l - 1];
		l = x->dirty_next;
	}
	begin_point(j, p, n);
	for (uint32_t l = head; l != HS_DIRTY_END;) {
		uint32_t id = l - 1;
		uint64_t bytes = hs_contexts_get(ctxs, id)->live_bytes;
		l = hs_contexts_next_dirty(ctxs, id);
		if (bytes != j->point_bytes[id])
			put_point_change(j, id, bytes);
	}
	end_point(j, p);
}

void hs_journal_point_of(struct hs_journal *j, const struct hs_snapshot *snap)
{
	if (!hs_journal_on(j))
		return;
	uint32_t n_ctx = snap->detailed ? snap->n_contexts : 0;
	if (reserve_bytes(j, &j->point_bytes, &j->point_cap, j->point_n, n_ctx) != 0)
		return;
	if (n_ctx > j->point_n) {
		memset(j->point_bytes + j->point_n, 0,
		       (size_t)(n_ctx - j->point_n) * sizeof *j->point_bytes);
		j->point_n = n_ctx;
	}
	struct hs_point p = hs_point_of_snapshot(snap);
	/* The snapshot's copy holds its nonzero contexts: every other one
	 * it counts had 0 bytes. */
	for (int pass = 0; pass < 2; pass++) {
		uint32_t n = 0, e = 0;
		for (uint32_t ctx = 0; ctx < n_ctx; ctx++) {
			uint64_t now = 0;
			if (e < snap->n_entries && snap->entries[e].ctx == ctx)
				now = snap->entries[e++].bytes;
			if (now == j->point_bytes[ctx])
				continue;
			if (pass == 1)
				put_point_change(j, ctx, now);
			n++;
		}
		if (pass == 0)
			begin_point(j, &p, n);
	}
	end_point(j, &p);
}

void hs_journal_snapshot(struct hs_journal *j, const struct hs_snapshot *snap)
{
	put_snapshot(j, HS_JR_SNAPSHOT, snap, 0);
}

void hs_journal_live(struct hs_journal *j, const struct hs_snapshot *snap, uint64_t request)
{
	put_snapshot(j, HS_JR_LIVE, snap, request);
}

int hs_journal_side_begin(struct hs_journal *j, int fd, struct hs_journal_main *main)
{
	if (!hs_journal_on(j) || j->used != 0 || j->side || fd < 0)
		return -1;
	*main = (struct hs_journal_main){ j->fd, j->reopen, j->failed, j->error, j->written };
	j->fd = fd;
	j->reopen = NULL;
	j->written = 0;
	j->side = 1;
	put_u64(j, main->written);
	return 0;
}

int hs_journal_side_end(struct hs_journal *j, const struct hs_journal_main *main)
{
	if (!j->side)
		return -1;
	int rc = hs_journal_flush(j) == 0 && !j->failed ? 0 : -1;
	j->fd = main->fd;
	j->reopen = main->reopen;
	j->failed = main->failed;
	j->error = main->error;
	j->written = main->written;
	j->used = 0;
	j->side = 0;
	return rc;
}

void hs_journal_sites(struct hs_journal *j, const uintptr_t *addr, const int64_t *bytes,
		      uint32_t n_sites)
{
	if (!hs_journal_on(j))
		return;
	if (j->sites_last == NULL) {
		j->sites_last = hs_arena_map((size_t)HS_CALLSITES_IDS * sizeof *j->sites_last);
		if (j->sites_last == NULL)
			return; /* no SITES: the snapshot's tree is estimated alone */
		j->sites_n = HS_CALLSITES_IDS;
	}
	if (n_sites > j->sites_n)
		n_sites = j->sites_n;
	/* A site's address is never taken back, so a site with bytes has one.
	 * The sites listed are those seen changed by the first pass: one
	 * entered between the passes waits for the next snapshot. */
	uint32_t n = 0;
	for (uint32_t i = 0; i < n_sites; i++)
		n += (uint64_t)(bytes[i] > 0 ? bytes[i] : 0) != j->sites_last[i] &&
		     __atomic_load_n(&addr[i], __ATOMIC_RELAXED) != 0;
	begin(j, HS_JR_SITES, 4 + (size_t)n * 20);
	put_u32(j, n);
	for (uint32_t i = 0; i < n_sites && n > 0; i++) {
		uint64_t now = (uint64_t)(bytes[i] > 0 ? bytes[i] : 0);
		uintptr_t a = __atomic_load_n(&addr[i], __ATOMIC_RELAXED);
		if (now == j->sites_last[i] || a == 0)
			continue;
		put_u32(j, i);
		put_u64(j, (uint64_t)a - 1); /* as a CONTEXT's frames: the call's own address */
		put_u64(j, now);
		if (!j->side)
			j->sites_last[i] = now;
		n--;
	}
}

void hs_journal_sites_lost(struct hs_journal *j, uint32_t refused, uint32_t flags)
{
	if (!hs_journal_on(j) || (refused == j->lost_refused && flags == j->lost_flags))
		return;
	begin(j, HS_JR_SITES_LOST, 8);
	put_u32(j, refused);
	put_u32(j, flags);
	if (!j->side) {
		j->lost_refused = refused;
		j->lost_flags = flags;
	}
}

void hs_journal_table(struct hs_journal *j, const struct hs_snapshots *s)
{
	if (!hs_journal_on(j))
		return;
	begin(j, HS_JR_TABLE, 4 + (size_t)s->count * 12);
	put_u32(j, s->count);
	for (unsigned i = 0; i < s->count; i++) {
		put_u64(j, s->table[i].seq);
		put_u32(j, (uint32_t)s->table[i].kind);
	}
}

void hs_journal_maps(struct hs_journal *j, const char *text, size_t len)
{
	if (!hs_journal_on(j) || len > UINT32_MAX)
		return;
	begin(j, HS_JR_MAPS, len);
	put(j, text, len);
}

void hs_journal_unloaded(struct hs_journal *j, uintptr_t start, uintptr_t end, const char *path)
{
	if (!hs_journal_on(j))
		return;
	size_t n = path != NULL ? strlen(path) : 0;
	begin(j, HS_JR_UNLOADED, 16 + n);
	put_u64(j, start);
	put_u64(j, end);
	put(j, path, n);
}

void hs_journal_stop(struct hs_journal *j, const char *reason)
{
	if (!hs_journal_on(j))
		return;
	size_t n = strlen(reason);
	begin(j, HS_JR_STOP, n);
	put(j, reason, n);
}

void hs_journal_end(struct hs_journal *j, const char *how, const char *stop_reason)
{
	if (!hs_journal_on(j))
		return;
	begin(j, HS_JR_END, str_bytes(how) + str_bytes(stop_reason));
	put_str(j, how);
	put_str(j, stop_reason);
}

void hs_journal_close(struct hs_journal *j)
{
	hs_arena_unmap(j->point_bytes, (size_t)j->point_cap * sizeof *j->point_bytes);
	hs_arena_unmap(j->last_bytes, (size_t)j->last_cap * sizeof *j->last_bytes);
	hs_arena_unmap(j->changes, (size_t)j->changes_cap * sizeof *j->changes);
	hs_arena_unmap(j->sites_last, (size_t)j->sites_n * sizeof *j->sites_last);
	hs_arena_unmap(j->buf, HS_JOURNAL_BUF_BYTES);
	hs_journal_init(j);
}
