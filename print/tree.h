/* tree: ms_print's snapshot tables and heap trees.
 *
 * A table row per snapshot (number, time, total, useful heap, extra heap,
 * stacks; raw values with grouped digits), and for detailed snapshots the
 * tree: one line per significant node with its share of the snapshot's
 * total, "->" arrows and "| " rails, and one "in N+ places, all below
 * ms_print's threshold" line per node for its insignificant children.
 */
#ifndef HS_PRINT_TREE_H
#define HS_PRINT_TREE_H

#include "model.h"
#include "outbuf.h"

/* Appends the three-line table header (dashes, column names, dashes). */
void hs_table_header(const struct hs_model *m, struct hs_outbuf *ob);

/* Appends the table row of snapshot s. */
void hs_table_row(const struct hs_snapshot *s, struct hs_outbuf *ob);

/* Appends the heap tree of detailed snapshot s, with ms_print's threshold
 * (a percentage, 0..100).  Returns 0, or -1 when memory runs out. */
int hs_tree_render(const struct hs_model *m, const struct hs_snapshot *s, double threshold,
		   struct hs_outbuf *ob);

/* Appends every snapshot's row and tree, with the table header before the
 * first and after every tree but the last.  Returns 0 or -1 (memory). */
int hs_tables_render(const struct hs_model *m, double threshold, struct hs_outbuf *ob);

#endif /* HS_PRINT_TREE_H */
