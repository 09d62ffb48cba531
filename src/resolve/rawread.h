/* rawread: a raw record (src/core/journal.h) read back.
 *
 * Owns the reader of the format of doc/format-raw.md: the whole file is
 * read, every record checked, and the process's state rebuilt as it last
 * was: the contexts with the ids the recorder gave them, the snapshot
 * table exactly as the process held it (culls and peak demotions
 * replayed from the table records), the module maps, the unloaded
 * modules, the end.  A record cut short at the end of the file (the
 * program was killed, or the disk filled) is ignored; anything else that
 * does not fit the format is refused with one line naming the file and
 * the record.  Runs in the resolver, never in the program: it uses malloc.
 */
#ifndef HS_RAWREAD_H
#define HS_RAWREAD_H

#include <stddef.h>
#include <stdint.h>

#include "contexts.h"
#include "options.h"
#include "snapshot.h"
#include "symbols.h"

struct hs_raw_maps {
	char *text;
	size_t len;
};

/* A point of the per-site series (doc/format-raw.md 4.9): its changes are
 * raw->point_changes[first_change .. first_change + n_changes), raw
 * context ids with their bytes then. */
struct hs_raw_point {
	uint64_t seq;
	int64_t time;
	uint64_t heap_bytes;
	uint64_t extra_bytes;
	uint64_t rss_bytes;
	uint64_t mapped_bytes;
	uint32_t kind; /* enum hs_point_kind */
	uint32_t detailed;
	size_t first_change;
	uint32_t n_changes;
	uint32_t has_alloc;   /* 0: a record from before alloc_bytes */
	uint64_t alloc_bytes; /* bytes allocated and freed so far (Massif's B time) */
};

struct hs_raw {
	uint32_t pid;
	struct hs_options opts; /* the settings the writer needs (others at defaults) */
	char *options_text;     /* the options as the user gave them */
	char *cmd;
	struct hs_contexts ctxs;       /* frames and records from malloc; no index */
	struct hs_snapshot *snapshots; /* the table, entries from malloc */
	unsigned n_snapshots;
	struct hs_raw_maps *maps; /* every maps record, oldest first */
	unsigned n_maps;
	struct hs_unloaded *unloaded; /* paths from malloc */
	unsigned n_unloaded;
	struct hs_raw_point *points; /* every POINT record, in order */
	size_t n_points;
	struct hs_snap_entry *point_changes;
	size_t n_point_changes;
	char *stop_reason; /* why recording stopped early, or NULL */
	int has_end;       /* an END record was read */
	char *how;         /* how the program ended (END), or NULL */
	int truncated;     /* the file ends inside a record */
	/* Sampling mode's direct call sites whose bytes are not exact (the
	 * last SITES_LOST): refused by the recorder's table, counted once
	 * each, and HS_SITES_LOST_* flags (journal.h); 0 and 0 when none. */
	uint32_t sites_refused;
	uint32_t sites_lost_flags;
	unsigned n_records;
	/* The last LIVE record (a live dump's snapshot), when no snapshot was
	 * taken after it: the heap at the latest point the record knows. */
	int has_live;
	uint64_t live_request;
	struct hs_snapshot live; /* entries from malloc */
};

/* Read the raw record at path into raw.  Returns 0, or -1 with one line in
 * err ("PATH: not a heapsnap raw record", "PATH: record N: ..."); raw is
 * then empty. */
int hs_raw_read(const char *path, struct hs_raw *raw, char *err, size_t err_len);

/* The same from fd (read from offset 0), named name in messages. */
int hs_raw_read_fd(int fd, const char *name, struct hs_raw *raw, char *err, size_t err_len);

/* The same, reading at most limit bytes of the file (0: all of it): a
 * record still being written is read up to the length its process
 * published at a consistent point (live.h). */
int hs_raw_read_prefix(const char *path, uint64_t limit, struct hs_raw *raw, char *err,
		       size_t err_len);

/* The record at path as a live dump saw it: the prefix its side record
 * (path + HS_RAW_LIVE_SUFFIX, doc/format-raw.md 6) was written against,
 * then the side record's LIVE, as if it came next.  Without a side
 * record (none written yet, or a recorder from before them), as
 * hs_raw_read_prefix with limit; *side_used says which it was. */
int hs_raw_read_live(const char *path, uint64_t limit, struct hs_raw *raw, int *side_used,
		     char *err, size_t err_len);

/* Give back everything raw holds. */
void hs_raw_free(struct hs_raw *raw);

/* A reader that follows a record still being written: the launcher parses
 * what the program has appended while it runs (src/launcher/warmup.h), so
 * that only the rest is left once it has ended.  The record is append-only
 * (a followed exec's new image writes a new file at the same path:
 * hs_raw_follow_same tells).  Not thread-safe: one thread at a time. */
struct hs_raw_follow;

/* Open path to follow it; NULL when it cannot be opened or without memory. */
struct hs_raw_follow *hs_raw_follow_open(const char *path);

/* Parse the whole records appended since the last call.  A record that
 * does not parse makes hs_raw_follow_finish read the file from its start. */
void hs_raw_follow_step(struct hs_raw_follow *f);

/* Whether f reads the file now at path (the same device and inode). */
int hs_raw_follow_same(const struct hs_raw_follow *f, const char *path);

/* Parse the rest, as hs_raw_read does: 0 with *raw the record, which
 * stays f's until hs_raw_follow_close(f) gives both back (no copy: its
 * 150 KiB, copied to fresh stack pages, were 0.7 ms of every run's end);
 * or -1 with one line in err.  The caller closes f either way. */
int hs_raw_follow_finish(struct hs_raw_follow *f, struct hs_raw **raw, char *err, size_t err_len);

/* Give f back unfinished (NULL: nothing). */
void hs_raw_follow_close(struct hs_raw_follow *f);

#endif
