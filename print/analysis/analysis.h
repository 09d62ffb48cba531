/* analysis: heapsnap-print's opt-in analyses on the command line.
 *
 * Owns the options --leaks, --diff and --max-peak=SIZE: recognising them
 * among the printer's arguments, and running them once the printer has
 * done its part.  Without these options nothing here runs, so the output
 * stays byte-identical to ms_print.
 *
 *   --leaks FILE          ms_print's output, then a "Leak suspects" section.
 *   --diff OLD NEW        only the comparison of the two runs.
 *   --summary FILE        the few lines heapsnap prints at the end of a run
 *                         (summary.h), instead of the report.
 *   --brief FILE          one screen: ms_print's header and graph, the
 *                         peak's largest sites, then the summary (heapsnap
 *                         --print); the report stays heapsnap-print FILE.
 *   --max-peak=SIZE FILE  no output; exit 3 with one line on stderr when the
 *                         peak total exceeds SIZE.  Combined with --leaks it
 *                         adds the check (and the exit status) after the
 *                         normal output; with --diff it checks NEW.
 */
#ifndef HS_ANALYSIS_H
#define HS_ANALYSIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "model.h"
#include "outbuf.h"

struct hs_analysis_opts {
	bool leaks;
	bool diff;
	bool max_peak;
	bool summary; /* --summary: the end-of-run summary only */
	bool brief;   /* --brief: graph, the peak's largest sites, summary */
	uint64_t max_peak_B;
};

/* Try one command-line argument: 1 if it was ours (and is now in opts), 0
 * if it is not ours, -1 on a bad value (a message naming the option, no
 * newline, in err). */
int hs_analysis_parse_arg(struct hs_analysis_opts *opts, const char *arg, char *err,
			  size_t err_len);

/* True when any of our options was given. */
bool hs_analysis_wanted(const struct hs_analysis_opts *opts);

/* True when ms_print's own output is wanted as well (--leaks). */
bool hs_analysis_prints_normal_output(const struct hs_analysis_opts *opts);

/* Run the analyses after the printer's part: m is FILE (or OLD for --diff)
 * already parsed; NEW (file2) is parsed here.  Reports are appended to ob,
 * messages go to err.  Returns the exit status: 0, 1 (unreadable NEW),
 * 3 (over budget). */
int hs_analysis_run(const struct hs_analysis_opts *opts, const struct hs_model *m, const char *file,
		    const char *file2, struct hs_outbuf *ob, FILE *err);

struct hs_run;
struct hs_stream;

/* The same, for FILE read as a stream whose pass 1 is done: run is the
 * run pass 1 built for --leaks (taken over), or NULL to reduce FILE to its
 * peak in two more passes (--diff, --max-peak); NEW is read as a stream
 * too.  Memory holds one tree per file, whatever the files' sizes. */
int hs_analysis_run_stream(const struct hs_analysis_opts *opts, struct hs_run *run,
			   struct hs_stream *st, const char *file, const char *file2,
			   struct hs_outbuf *ob, FILE *err);

#endif
