/* graph: ms_print's ASCII graph of total memory over time.
 *
 * One column per time slice, one row per 1/graph_y of the peak; '#' marks
 * the peak snapshot, '@' detailed ones and ':' the others, drawn with
 * ms_print's priority and gap-filling rules, with the axis labels scaled
 * to B/KB/MB..., i/ki/Mi... or ms/s/h.
 */
#ifndef HS_PRINT_GRAPH_H
#define HS_PRINT_GRAPH_H

#include "model.h"
#include "outbuf.h"

/* Appends the graph: the y-unit line, graph_y + 1 rows and the x-label
 * line.  graph_x and graph_y are 4..1000.  Returns 0, or -1 when memory
 * runs out. */
int hs_graph_render(const struct hs_model *m, unsigned graph_x, unsigned graph_y,
		    struct hs_outbuf *ob);

/* A graph drawn snapshot by snapshot, for a file read in passes: the
 * peak total, the last time and the peak's snapshot number come first. */
struct hs_graph;

/* Starts a graph; NULL when memory runs out. */
struct hs_graph *hs_graph_new(unsigned graph_x, unsigned graph_y, uint64_t peak_total,
			      uint64_t end_time, int64_t peak_num);

/* Draws the next snapshot (they come in file order). */
void hs_graph_add(struct hs_graph *g, const struct hs_snapshot *s);

/* Appends the graph as hs_graph_render does and frees g.  Returns 0, or
 * -1 when memory runs out. */
int hs_graph_finish(struct hs_graph *g, enum hs_time_unit time_unit, struct hs_outbuf *ob);

#endif /* HS_PRINT_GRAPH_H */
