/* report: the whole ms_print report of one Massif file.
 *
 * Header (command, Massif arguments, ms_print arguments), graph, snapshot
 * counts, then every snapshot's table row and tree, exactly as Valgrind
 * 3.19's ms_print prints them.
 */
#ifndef HS_PRINT_REPORT_H
#define HS_PRINT_REPORT_H

#include <stddef.h>

#include "model.h"
#include "outbuf.h"

/* What the report depends on besides the file. */
struct hs_report_opts {
	double threshold;      /* percent, 0..100 */
	unsigned graph_x;      /* 4..1000 */
	unsigned graph_y;      /* 4..1000 */
	const char *args_text; /* " arg1 arg2...": the ms_print arguments line */
	size_t args_len;
};

/* Appends the report of m.  Returns 0, or -1 when memory runs out. */
int hs_report_render(const struct hs_model *m, const struct hs_report_opts *opts,
		     struct hs_outbuf *ob);

/* What a first pass over a file learns that the report needs first. */
struct hs_report_scan {
	size_t n_snapshots;
	uint64_t peak_total; /* the largest total */
	uint64_t end_time;   /* the last snapshot's time */
	int64_t peak_num;    /* as hs_model.peak_num */
};

/* Adds the stream model's current snapshot to a scan (zeroed first, with
 * peak_num -1). */
void hs_report_scan_add(struct hs_report_scan *sc, const struct hs_model *m);

struct hs_stream;
struct hs_parse_error;

/* Appends the report of a stream whose pass 1 gave sc, in three more
 * passes (graph, detailed list, tables), holding one tree at a time.
 * Returns 0, or -1 when memory runs out or the file changed since pass 1
 * (then *err says so, unless it is memory). */
int hs_report_render_stream(struct hs_stream *st, const struct hs_report_scan *sc,
			    const struct hs_report_opts *opts, struct hs_outbuf *ob,
			    struct hs_parse_error *err);

/* Appends the report's header and graph only (one more pass). */
int hs_report_render_graph_stream(struct hs_stream *st, const struct hs_report_scan *sc,
				  const struct hs_report_opts *opts, struct hs_outbuf *ob,
				  struct hs_parse_error *err);

#endif /* HS_PRINT_REPORT_H */
