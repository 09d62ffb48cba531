/* summary: what a run comes to, in a few lines (heapsnap-print --summary,
 * the end of every heapsnap run) and in one screen (--brief, heapsnap
 * --print).
 *
 * Owns choosing and wording the figures a person looks at first: the peak
 * (bytes and time), the heap at exit, the largest sites at the peak named by
 * their user frame (the first frame that is not an allocation wrapper), the
 * number of leak suspects, the file's absolute path and the command to run
 * next.  When the resolver wrote the companion FILE.series (doc/
 * format-series.md), the heap at exit comes from its end-of-run point (a
 * run without one, killed by SIGKILL or recorded with --heap=no, shows its
 * last snapshot), the process's RSS is shown beside it, and an RSS that
 * grew far more than the heap is said to come from outside malloc, once.
 */
#ifndef HS_SUMMARY_H
#define HS_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "outbuf.h"
#include "series.h"
#include "sites.h"

/* Sites named in the summary, and in --brief's list. */
#define HS_SUMMARY_SITES 3
#define HS_BRIEF_SITES 10

/* The "memory outside malloc" rule: RSS grew by more than this many times
 * the heap's growth, and by more than HS_OUTSIDE_MIN_B. */
#define HS_OUTSIDE_RATIO 2
#define HS_OUTSIDE_MIN_B ((uint64_t)16 << 20)

/* What FILE.series adds (all 0 when there is none). */
struct hs_summary_series {
	bool present;
	bool has_exit;          /* the series has its end-of-run point (x) */
	uint64_t exit_heap_B;   /* heap + extra at the end-of-run point; without
				 * one, at the last point with its RSS (the last
				 * snapshot taken), else at the last point */
	uint64_t exit_rss_B;    /* RSS there (0: unknown) */
	uint64_t rss_growth_B;  /* largest RSS minus the first known one */
	uint64_t heap_growth_B; /* largest heap + extra minus the first one */
	uint64_t max_heap_B;    /* largest heap + extra of any point */
	int64_t max_time;       /* that point's time, in the Massif file's unit */
	bool max_at_exit;       /* that point is the end-of-run one */
};

/* Room for hs_summary_read_series's note, which names the file. */
#define HS_SUMMARY_NOTE_MAX 8192

/* Reads series_path (FILE.series) if it exists and belongs to a Massif file
 * of massif_size bytes; a stale, unreadable or cut short one (no end line)
 * is ignored with a line in note (empty otherwise); one with no point adds
 * nothing and no note.  Returns whether it was read.  keep (may be NULL)
 * gets the series itself when it was read (the caller frees it with
 * hs_series_free), all zeros otherwise. */
bool hs_summary_read_series(const char *series_path, uint64_t massif_size,
			    struct hs_summary_series *out, char *note, size_t note_len,
			    struct hs_series *keep);

/* The first frame of a site's path (frames innermost first, '\n'
 * separated) that is the program's own rather than an allocation wrapper
 * (strdup, operator new, std::, Rust's alloc::, ...); *len gets its length.
 * The leak report's rule (frames.h: hs_path_user_frame), so a site has one
 * name everywhere. */
const char *hs_user_frame(const char *path, size_t *len);

/* Tells whether the RSS figures say memory is allocated outside malloc. */
bool hs_summary_outside_malloc(const struct hs_summary_series *s);

/* Appends the note saying so, in plain words with its likely causes (no
 * final newline); brk goes between its three lines (" " for one line). */
void hs_summary_outside_note(struct hs_outbuf *ob, const struct hs_summary_series *s,
			     const char *brk);

/* Appends the summary lines of run (built from every snapshot, with
 * trees), each indented by two spaces.  abs_path is the file's absolute
 * path (NULL for standard input); series may be NULL; with_sites false
 * leaves out the largest sites (--brief lists them above).  leak_run is the
 * run the leak suspects are counted on, as --leaks judges them (the
 * companion series' run when there is one), or NULL for run. */
void hs_summary_render(struct hs_outbuf *ob, const struct hs_run *run, const char *abs_path,
		       const struct hs_summary_series *series, bool with_sites,
		       const struct hs_run *leak_run);

/* Appends --brief's list of the largest sites at the peak tree, by user
 * frame, each with its callers. */
void hs_summary_render_sites(struct hs_outbuf *ob, const struct hs_run *run);

#endif
