/* series_out: the companion per-site series file, OUT.series.
 *
 * Owns the writer of doc/format-series.md: from a raw record's POINT
 * records (one per snapshot the recorder took, culled ones included, and
 * one for the end of the run), the totals, the resident and mapped
 * memory, and the bytes of every site that changed since the point
 * before.  A site is a context after Massif's filtering (--alloc-fn
 * stripping, the cut below main, --depth, --ignore-fn), the same merge
 * the Massif file's trees make; its frames are labelled exactly as the
 * tree lines label them (massif_out.h).  The Massif file stays exactly
 * Massif's: massif-visualizer reads no extra line, so what the leak
 * analysis needs beyond it goes here.  Runs in the resolver; uses malloc.
 */
#ifndef HS_SERIES_OUT_H
#define HS_SERIES_OUT_H

#include <stddef.h>
#include <stdint.h>

#include "filter.h"
#include "rawread.h"

/* The suffix added to the Massif file's path. */
#define HS_SERIES_SUFFIX ".series"

/* Write the series of raw to fd: cmd as the Massif file's cmd: line,
 * massif_bytes the size of the Massif file written with it, ending how
 * the program ended when the record has no END (the launcher's wait
 * status: "exit 0", "signal 9 (SIGKILL)"; NULL when unknown), frames named
 * and filtered by filter.  Returns 0, or -1 with one line in err. */
int hs_series_write(int fd, const struct hs_raw *raw, uint64_t massif_bytes, const char *ending,
		    struct hs_filter *filter, char *err, size_t err_len);

#endif
