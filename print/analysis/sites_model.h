/* sites_model: the printer's parsed model (model.h) seen as a site table.
 *
 * Owns the one adapter between heapsnap-print's parser and the analyses:
 * it walks each detailed snapshot's flat pre-order tree and feeds the
 * nodes to a struct hs_run (sites.h), so --leaks, --diff and --max-peak
 * read exactly what the printer read.  A file read as a stream (parse.h)
 * is fed one snapshot at a time, or reduced to its peak.
 */
#ifndef HS_SITES_MODEL_H
#define HS_SITES_MODEL_H

#include <stdbool.h>

#include "model.h"
#include "sites.h"

struct hs_stream;
struct hs_parse_error;

/* Build a run from a parsed model; source names the file in messages.
 * Returns NULL only if a tree is malformed (the parser rules that out). */
struct hs_run *hs_run_from_model(const struct hs_model *m, const char *source);

/* Add snapshot s of m (a whole model, or a stream's current snapshot) to
 * run, with its tree when detailed.  Returns 0, or -1 on a malformed tree. */
int hs_run_add_model_snapshot(struct hs_run *run, struct hs_tree_builder *b,
			      const struct hs_model *m, const struct hs_snapshot *s, bool detailed);

/* The run --diff and --max-peak need, from a stream whose pass 1 is done,
 * in two more passes holding one tree: the snapshot with the largest total,
 * the peak tree (the one hs_run_peak_detailed would choose, the only
 * detailed snapshot kept) and the last snapshot, in file order.  NULL with
 * *err filled when the file changed since pass 1. */
struct hs_run *hs_run_peak_from_stream(struct hs_stream *st, const char *source,
				       struct hs_parse_error *err);

#endif
