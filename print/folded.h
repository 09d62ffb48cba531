/* folded: heapsnap-print --folded, one snapshot's tree as folded stacks.
 *
 * The text flamegraph.pl, inferno and speedscope read: one line per call
 * path that allocated bytes itself, frames root-most first ("main;f;g"),
 * then a space and the path's own bytes (the node's bytes less its
 * children's).  Frames are the tree's labels without "0xADDR: " (kept for
 * "???", which has nothing else); ';' inside a name becomes ':' since it is
 * the separator.  Massif's below-threshold aggregates stay frames of their
 * own ("in 3 places, all below massif's threshold (1.00%)"), so the lines
 * add up to the snapshot's useful heap bytes.
 *
 * Also owns choosing a snapshot by name (peak, final, N), which --html uses
 * for the tree it shows first.
 */
#ifndef HS_PRINT_FOLDED_H
#define HS_PRINT_FOLDED_H

#include <stddef.h>

#include "model.h"
#include "outbuf.h"

/* Finds the detailed snapshot spec names: "peak" (Massif's peak, else the
 * detailed snapshot with the largest total, the first on a tie), "final" (the
 * last detailed one) or a `snapshot=` number.  Returns its index, or
 * SIZE_MAX with a message (no newline) in err. */
size_t hs_folded_pick(const struct hs_model *m, const char *spec, char *err, size_t err_len);

/* Appends the frame text of a node's label as --folded writes it. */
void hs_folded_frame(struct hs_outbuf *ob, const struct hs_node *n);

/* Appends snapshot s's folded stacks (s must be detailed).  Returns 0, or
 * -1 when memory runs out. */
int hs_folded_render(const struct hs_model *m, const struct hs_snapshot *s, struct hs_outbuf *ob);

#endif /* HS_PRINT_FOLDED_H */
