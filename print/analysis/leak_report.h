/* leak_report: the "Leak suspects" section of heapsnap-print --leaks.
 *
 * Owns turning a run into site series and writing the section: the heap's
 * floor (judged before a teardown), then each suspect site, named by its
 * user frame (frames.h; sites whose paths differ only in wrappers are one),
 * ranked by confidence then bytes gained, or a plain sentence when none
 * qualifies or the file holds too few trees to judge sites.
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

#include <stdbool.h>

#include "outbuf.h"

#include "sites.h"

/* Width of a suspect's sparkline, in characters. */
#define HS_SPARK_WIDTH 60

/* A leak suspect as the section names it, for the other views (--html).
 * Kept apart from the rules' own types, so the rules can change alone. */
struct hs_leak_suspect {
	size_t site;       /* the member site with the most bytes at the end: its
			      path's first frame is the allocation site */
	const char *shown; /* the call path the section names, frames innermost
			      first, '\n'-separated (points into a site's path) */
	uint64_t *est;     /* its bytes at each detailed snapshot (owned) */
	uint64_t first_B;  /* bytes where the judged stretch starts */
	uint64_t last_B;   /* bytes where it ends */
};

/* The suspects the section names, in its order: sets *out (NULL when
 * none) and returns how many, or -1 when memory runs out.  None when the
 * run has too few trees to judge sites.  Free with hs_leak_suspects_free. */
long hs_leak_suspects(const struct hs_run *run, struct hs_leak_suspect **out);

/* Frees what hs_leak_suspects returned (NULL is fine). */
void hs_leak_suspects_free(struct hs_leak_suspect *sus, long n);

/* Fill est (n_detailed values) with a site's bytes, unknowns estimated. */
void hs_site_series(const struct hs_run *run, const struct hs_site *site, uint64_t *est);

/* Write the section for run to out; returns the number of suspect sites.
 * verbose: each suspect's whole call path too, wrappers included. */
size_t hs_leak_report(struct hs_outbuf *out, const struct hs_run *run, bool verbose);

#endif
