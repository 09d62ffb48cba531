/* series: the companion per-site series file, `<massif file>.series`.
 *
 * Owns reading the file doc/format-series.md describes (PLAN's Contract 1):
 * a header (cmd, time unit, the Massif file's size, sampling), frames (f),
 * sites as frame lists (c), one point per snapshot the recorder took (t),
 * its time on the B axis (a: bytes allocated and freed so far, whatever the
 * file's time unit; absent from older files) and, after each point, the
 * live bytes of the sites that changed since the previous one (b), then how
 * the run ended (end).  Unknown record kinds are
 * skipped so the format can grow.  A bad line is one error naming the file
 * and line.  A companion written for another Massif file (its size or cmd
 * differs) is stale: hs_series_check says so in one line and the caller
 * reads the Massif file alone.
 *
 * The model is kept sparse (a site's bytes only where they changed), as
 * written; hs_series_site_bytes expands one site at a time.
 */
#ifndef HS_SERIES_H
#define HS_SERIES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One snapshot the recorder took (a `t` record). */
struct hs_series_point {
	int64_t time;
	uint64_t heap_B, extra_B, rss_B, mapped_B;
	char kind;       /* 'n' normal, 'd' detailed, 'p' peak, 'x' end of run */
	bool has_alloc;  /* an `a` record followed the `t` */
	int64_t alloc_B; /* then: bytes allocated and freed so far (Massif's B time) */
};

/* One `b` entry: site's live bytes from point on. */
struct hs_series_change {
	uint32_t point;
	uint32_t site;
	uint64_t bytes;
};

struct hs_series {
	char *path; /* the companion's name, for messages */
	char *cmd;  /* as in the Massif file's cmd line */
	char time_unit[3];
	uint64_t massif_size; /* size of the Massif file written with it */
	uint64_t sample_B;    /* 0: exact */
	char **frames;        /* labels as Massif's tree lines write them */
	size_t n_frames, cap_frames;
	uint32_t **site_frames; /* per site: frame ids, innermost first */
	size_t *site_n_frames;
	size_t n_sites, cap_sites;
	struct hs_series_point *points;
	size_t n_points, cap_points;
	struct hs_series_change *changes; /* in file order: by point */
	size_t n_changes, cap_changes;
	char *end;      /* "exit", "signal 11 (SIGSEGV)"...; NULL if the file has no end line */
	bool has_alloc; /* every point has its `a` record: the run's B axis is known */
};

/* The companion file of a Massif file: path + ".series" (caller frees);
 * NULL for standard input ("-"). */
char *hs_series_path_for(const char *massif_path);

/* The longest line a series file may hold (doc/format-series.md): b lines
 * carry 64 entries (~2 KB), c lines up to 1024 frame ids (~11 KB), f lines
 * a whole label (a demangled name rarely past 100 KB).  A longer line is not
 * one of ours: the file is refused, not read into unbounded memory. */
#define HS_SERIES_LINE_MAX ((size_t)1 << 20)

/* hs_series_read's answer when path is not a regular file (a FIFO, a
 * device): nothing read, err says so. */
#define HS_SERIES_NOT_REGULAR (-2)

/* Read path into s.  Returns 0, or -1 with one line (no newline) naming
 * path and the line in err; s is then empty. */
int hs_series_read(const char *path, struct hs_series *s, char *err, size_t err_len);

/* Parse a buffer holding a whole companion file (path names it). */
int hs_series_parse(const char *path, const char *buf, size_t len, struct hs_series *s, char *err,
		    size_t err_len);

/* True when s was written with the Massif file of this size and cmd text;
 * otherwise false with a one-line note (no newline) in note. */
bool hs_series_check(const struct hs_series *s, uint64_t massif_size, const char *cmd,
		     size_t cmd_len, char *note, size_t note_len);

/* Fill out (n_points values) with a site's live bytes at every point. */
void hs_series_site_bytes(const struct hs_series *s, size_t site, uint64_t *out);

/* Free what s holds (a zeroed or freed s is fine). */
void hs_series_free(struct hs_series *s);

#endif
