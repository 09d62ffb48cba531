/* report: the whole ms_print report of one Massif file.
 *
 * Header (command, Massif arguments, ms_print arguments), graph, snapshot
 * counts, then every snapshot's table row and tree, exactly as Valgrind
 * 3.19's ms_print prints them.
 */
#ifndef HS_PRINT_REPORT_H
#define HS_PRINT_REPORT_H

#include <stdbool.h>
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
	bool no_trees; /* --no-trees: stop after the graph and the counts */
};

/* Appends the report of m.  Returns 0, or -1 when memory runs out. */
int hs_report_render(const struct hs_model *m, const struct hs_report_opts *opts,
		     struct hs_outbuf *ob);

#endif /* HS_PRINT_REPORT_H */
