/* sites_model: the printer's parsed model (model.h) seen as a site table.
 *
 * Owns the one adapter between heapsnap-print's parser and the analyses:
 * it walks each detailed snapshot's flat pre-order tree and feeds the
 * nodes to a struct hs_run (sites.h), so --leaks, --diff and --max-peak
 * read exactly what the printer read.
 */
#ifndef HS_SITES_MODEL_H
#define HS_SITES_MODEL_H

#include "model.h"
#include "sites.h"

/* Build a run from a parsed model; source names the file in messages.
 * Returns NULL only if a tree is malformed (the parser rules that out). */
struct hs_run *hs_run_from_model(const struct hs_model *m, const char *source);

#endif
