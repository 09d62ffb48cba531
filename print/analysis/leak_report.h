/* leak_report: the "Leak suspects" section of heapsnap-print --leaks.
 *
 * Owns turning a run into site series and writing the section: the heap's
 * low-point trend, then each suspect site ranked by bytes gained, or a plain
 * sentence when none qualifies or the file holds too few detailed snapshots.
 *
 * A site missing from a detailed snapshot's tree is below Massif's threshold
 * there, so its bytes are unknown.  Before the site first shows they count
 * as 0; afterwards as the smaller of its previous value and the snapshot's
 * largest below-threshold aggregate (which holds it, if it is not 0).  So a
 * site never seems to fall just because Massif folded it away, yet one that
 * truly went back to 0 does fall.
 */
#ifndef HS_LEAK_REPORT_H
#define HS_LEAK_REPORT_H

#include "outbuf.h"

#include "leaks.h"
#include "sites.h"

/* Width of a suspect's sparkline, in characters. */
#define HS_SPARK_WIDTH 60

/* Fill est (n_detailed values) with a site's bytes, unknowns estimated. */
void hs_site_series(const struct hs_run *run, const struct hs_site *site, uint64_t *est);

/* A site judged a leak suspect: its index in run->sites, and why. */
struct hs_leak_suspect {
	size_t site;
	struct hs_leak_verdict v;
};

/* Judge every site of run as the section does: sets *out to the suspects,
 * biggest gain first (malloc'd, the caller frees; NULL when none), returns
 * how many.  None when the run has too few detailed snapshots; -1 when
 * memory runs out. */
long hs_leak_suspects(const struct hs_run *run, struct hs_leak_suspect **out);

/* Write the section for run to out; returns the number of suspect sites. */
size_t hs_leak_report(struct hs_outbuf *out, const struct hs_run *run);

#endif
