/* journal: the raw record the recorder writes as the program runs.
 *
 * Owns the raw record's format (doc/format-raw.md) and its writer.  The
 * program only appends what it knows -- raw frames, sizes, times, the
 * snapshot table, the module maps -- and a separate process names the
 * frames and writes the Massif file (src/resolve/).  Records go into a
 * buffer from hs_arena_map and out with write(2) at every flush; the
 * recorder flushes at every snapshot and at the end, under its lock, so a
 * SIGKILL loses at most what happened since the last snapshot.  Nothing
 * here calls malloc, stdio or a libc lock.  After a failed write nothing
 * more is written: the file stays a valid prefix, which the reader takes.
 *
 * The file (doc/format-raw.md sections 2-3): the magic line
 * HS_JOURNAL_MAGIC, then records, each a 32-bit payload length, a 32-bit
 * kind and the payload, in the host's byte order.
 */
#ifndef HS_JOURNAL_H
#define HS_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include "contexts.h"
#include "options.h"
#include "snapshot.h"

/* The first line of every raw record; the version is its last word. */
#define HS_JOURNAL_MAGIC "heapsnap raw record 1\n"
#define HS_JOURNAL_MAGIC_LEN (sizeof HS_JOURNAL_MAGIC - 1)

/* A live dump's side record is OUT.raw + this (doc/format-raw.md 6). */
#define HS_RAW_LIVE_SUFFIX ".live"

/* Record kinds (doc/format-raw.md section 4). */
enum hs_journal_kind {
	HS_JR_HEADER = 1,   /* pid, settings, options text, cmd */
	HS_JR_CONTEXT = 2,  /* id, raw frames */
	HS_JR_SNAPSHOT = 3, /* one snapshot as taken */
	HS_JR_TABLE = 4,    /* the table's composition after a cull or a peak demotion */
	HS_JR_MAPS = 5,     /* the text of /proc/self/maps */
	HS_JR_UNLOADED = 6, /* a module dlclose'd: start, end, path */
	HS_JR_STOP = 7,     /* recording gave up: why */
	HS_JR_END = 8,      /* how the program ended, and the stop reason */
	HS_JR_POINT = 9,    /* a point of the per-site series: totals, RSS, changed contexts */
	HS_JR_SITES = 10,   /* sampling: the direct call sites' exact bytes at the last snapshot */
	/* sampling: the direct call sites whose bytes are not exact */
	HS_JR_SITES_LOST = 11,
	HS_JR_LIVE = 16,    /* a live dump's snapshot, outside the table */
};

/* What a POINT record stands for (doc/format-raw.md 4.9). */
enum hs_point_kind {
	HS_POINT_NORMAL = 0, /* a normal snapshot as taken (detailed or not) */
	HS_POINT_PEAK = 1,   /* a peak snapshot as taken */
	HS_POINT_END = 2,    /* the end of the run: no snapshot, always written */
	HS_POINT_SERIES = 3, /* a point of the series only, no snapshot: taken on the B
				axis when the time unit is another (recorder.c) */
};

/* One point of the series: a snapshot the recorder took, or the end. */
struct hs_point {
	uint64_t seq; /* the snapshot's seq; for the end, the next seq */
	int64_t time;
	uint64_t heap_bytes;
	uint64_t extra_bytes;
	uint64_t rss_bytes;    /* resident memory then, 0 when unknown */
	uint64_t mapped_bytes; /* mapped (virtual) memory then, 0 when unknown */
	enum hs_point_kind kind;
	int detailed;
	uint64_t alloc_bytes; /* bytes allocated and freed so far (Massif's B time),
				 whatever --time-unit says */
};

/* The point of the series a snapshot as taken stands for. */
static inline struct hs_point hs_point_of_snapshot(const struct hs_snapshot *snap)
{
	return (struct hs_point){ snap->seq,
				  snap->time,
				  snap->heap_bytes,
				  snap->extra_bytes,
				  snap->rss_bytes,
				  snap->mapped_bytes,
				  snap->kind == HS_SNAP_PEAK ? HS_POINT_PEAK : HS_POINT_NORMAL,
				  snap->detailed,
				  snap->alloc_bytes };
}

#define HS_JOURNAL_BUF_BYTES ((size_t)256 << 10)

struct hs_journal {
	int fd;                /* -1: no record open */
	/* Opens the record's file again when fd was closed behind our back
	 * (EBADF); returns the new fd or -1.  NULL: none. */
	int (*reopen)(void);
	int failed;            /* a write failed: nothing more is written */
	int error;             /* its errno */
	char *buf;             /* HS_JOURNAL_BUF_BYTES from hs_arena_map */
	size_t used;           /* bytes of buf not yet written */
	uint32_t n_contexts;   /* contexts 0..n_contexts-1 are in the record */
	uint64_t *last_bytes;  /* per context, its bytes in the last detailed snapshot
				* written (hs_arena_map): the next one is written as changes */
	uint32_t last_cap;     /* contexts last_bytes has room for */
	uint32_t last_n;       /* contexts the last detailed snapshot counted */
	uint64_t *changes;     /* a detailed snapshot's changes, found before they are
				* written (hs_arena_map): ctx << 32 | its entry + 1 */
	uint32_t changes_cap;
	uint64_t *point_bytes; /* per context, its bytes in the last POINT written (hs_arena_map) */
	uint32_t point_cap;    /* contexts point_bytes has room for */
	uint32_t point_n;      /* contexts the POINTs so far may have listed */
	uint64_t written;      /* bytes written to fd since open */
	uint64_t *sites_last;  /* per site id - 1, its bytes in the last SITES written
				* (hs_arena_map, sites_n of them): the next one lists changes */
	uint32_t sites_n;
	uint32_t lost_refused; /* the last SITES_LOST written (0, 0: none yet) */
	uint32_t lost_flags;
	int side;              /* writing a side record (hs_journal_side_begin) */
};

/* What hs_journal_side_begin set aside of the main record. */
struct hs_journal_main {
	int fd;
	int (*reopen)(void);
	int failed;
	int error;
	uint64_t written;
};

/* A closed journal (what a zeroed one is, but with fd -1). */
void hs_journal_init(struct hs_journal *j);

/* Start a record on fd (kept open; never closed here): maps the buffer on
 * first use, forgets whatever was pending for an earlier fd, writes the
 * magic line.  Returns 0, or -1 when the buffer cannot be mapped. */
int hs_journal_open(struct hs_journal *j, int fd);

/* Whether records are being written (open, no write failed). */
static inline int hs_journal_on(const struct hs_journal *j)
{
	return j->fd >= 0 && !j->failed;
}

/* The header: pid, the settings the writer needs, the options as the
 * user gave them, the command line. */
void hs_journal_header(struct hs_journal *j, uint32_t pid, const struct hs_options *opts,
		       const char *options_text, const char *cmd);

/* Every context created since the last call (all of them after open):
 * call before the snapshot records that count them. */
void hs_journal_contexts(struct hs_journal *j, struct hs_contexts *ctxs);

/* One snapshot, as it stands in the table; a detailed one as the changes
 * from the last detailed one written (doc/format-raw.md 4.3). */
void hs_journal_snapshot(struct hs_journal *j, const struct hs_snapshot *snap);

/* A point of the series: p's totals and every context on ctxs' dirty
 * list whose bytes differ from the last POINT written (the list is taken
 * and cleaned).  Call hs_journal_contexts first. */
void hs_journal_point(struct hs_journal *j, struct hs_contexts *ctxs, const struct hs_point *p);

/* A point for a snapshot of the table written again by a new record (a
 * forked child's): a detailed one lists its contexts' changes from the
 * last POINT, others none. */
void hs_journal_point_of(struct hs_journal *j, const struct hs_snapshot *snap);

/* A live dump's snapshot (detailed, not in the table), answering the
 * launcher's request number request; written as changes like a detailed
 * snapshot, so later ones are written against it. */
void hs_journal_live(struct hs_journal *j, const struct hs_snapshot *snap, uint64_t request);

/* Sampling mode: the direct call sites (callsites.h), right after the
 * SNAPSHOT or LIVE record they belong to: addr[i] is site i + 1's return
 * address (0: none), bytes[i] its bytes (below 0 read as 0), for the
 * sites 1..n_sites; only the sites whose bytes changed since the last
 * SITES written are listed. */
void hs_journal_sites(struct hs_journal *j, const uintptr_t *addr, const int64_t *bytes,
		      uint32_t n_sites);

/* SITES_LOST's flags (doc/format-raw.md 4.12). */
#define HS_SITES_LOST_MORE 1u    /* more sites refused than counted */
#define HS_SITES_LOST_GAVE_UP 2u /* the sites' bytes given up (out of memory): no more SITES */

/* Sampling mode: the direct call sites the table refused (refused of
 * them counted, each once) and flags, after a snapshot's SITES (or in
 * their place once given up); written only when they changed since the
 * last SITES_LOST (none while nothing is lost). */
void hs_journal_sites_lost(struct hs_journal *j, uint32_t refused, uint32_t flags);

/* The table's composition: the seq and kind of each snapshot in order. */
void hs_journal_table(struct hs_journal *j, const struct hs_snapshots *s);

/* The text of /proc/self/maps (len bytes). */
void hs_journal_maps(struct hs_journal *j, const char *text, size_t len);

/* A module unloaded from [start, end). */
void hs_journal_unloaded(struct hs_journal *j, uintptr_t start, uintptr_t end, const char *path);

/* Recording gave up, for reason. */
void hs_journal_stop(struct hs_journal *j, const char *reason);

/* The end: how the program ended ("exit", "signal 15 (SIGTERM)"...) and
 * why recording stopped early ("" when it did not). */
void hs_journal_end(struct hs_journal *j, const char *how, const char *stop_reason);

/* A side record (doc/format-raw.md 6: a live dump's LIVE and SITES,
 * outside the raw record, so that dumps do not grow it): with everything
 * pending written (call hs_journal_flush first; -1 if not), the records
 * up to hs_journal_side_end go to fd instead, after a u64 giving the
 * main record's length, and are written as changes from the main
 * record's last ones without becoming the base of the next: the main
 * record reads as if they had never been.  main keeps what is set aside. */
int hs_journal_side_begin(struct hs_journal *j, int fd, struct hs_journal_main *main);

/* Back to the main record; returns 0 when the side record was written
 * whole, -1 if not (the main record is unharmed either way). */
int hs_journal_side_end(struct hs_journal *j, const struct hs_journal_main *main);

/* Write what is pending.  Returns 0, or -1 on the first failed write
 * (j->error says why; later calls return 0 and write nothing). */
int hs_journal_flush(struct hs_journal *j);

/* Give the buffer back; the fd stays the caller's. */
void hs_journal_close(struct hs_journal *j);

#endif
