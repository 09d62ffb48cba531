/* leak_format: how the leak, diff and budget reports write numbers.
 *
 * Owns the small text helpers shared by those reports: comma-grouped bytes
 * as ms_print writes them, bytes scaled to B/KB/MB/... (K = 1024, as
 * ms_print's axis), and the time axis unit ms_print would pick for a run,
 * so rates read in the same unit as the graph.
 */
#ifndef HS_LEAK_FORMAT_H
#define HS_LEAK_FORMAT_H

#include <stddef.h>
#include <stdint.h>

/* Room for any formatted value below. */
#define HS_FMT_LEN 48

/* "1,234,567": a comma every three digits. */
char *hs_fmt_grouped(int64_t v, char *buf);

/* "999 B", "1.50 KB", "12.3 MB": scaled by 1024 once the value reaches 1000. */
char *hs_fmt_bytes(double v, char *buf);

/* The unit of ms_print's time axis for a run ending at end_time in unit
 * time_unit ("i", "ms", "B"): its name ("KB", "Mi", "s", ...) and how many
 * of the file's units it holds. */
const char *hs_time_axis_unit(const char *time_unit, int64_t end_time, double *divisor);

#endif
