/* sites_series: a companion series file (series.h) seen as a site table.
 *
 * Owns the adapter between the series parser and the analyses: every
 * snapshot the recorder took becomes a snapshot with per-site bytes (so a
 * series run has data at every point, not only in Massif's few trees), and
 * every site its call path of whole frame labels, addresses dropped, so it
 * matches the sites read from the Massif file's trees.
 */
#ifndef HS_SITES_SERIES_H
#define HS_SITES_SERIES_H

#include "series.h"
#include "sites.h"

/* Build a run from a parsed series; source names the file in messages. */
struct hs_run *hs_run_from_series(const struct hs_series *s, const char *source);

#endif
