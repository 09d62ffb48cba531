/* diff: heapsnap-print --diff OLD NEW, two runs of one program compared.
 *
 * Owns the comparison: peak and final totals (heap + extra + stacks, as
 * ms_print's graph counts them), then the sites whose bytes at the peak
 * changed most, with signed differences.  Sites are matched by their call
 * path text (function and file:line of each frame, no addresses), so a
 * rebuilt program whose code moved still matches.  A site missing from one
 * run's peak tree counts as 0 there (it was below Massif's threshold or
 * absent).
 */
#ifndef HS_DIFF_H
#define HS_DIFF_H

#include "outbuf.h"

#include "sites.h"

/* Sites listed at most. */
#define HS_DIFF_MAX_SITES 10

/* Write the comparison of old_run and new_run to out. */
void hs_diff_report(struct hs_outbuf *out, const struct hs_run *old_run,
		    const struct hs_run *new_run);

#endif
