/* html_chart: the report's memory-over-time chart, as inline SVG.
 *
 * Stacked as massif-visualizer draws it: the detailed snapshots' top-level
 * sites (the root's children, known by their name without address), the
 * HS_CHART_SITES largest (by their highest bytes) each a band, everything
 * else in "other heap", then the allocator's extra bytes and the stacks, so
 * the top is the snapshot's total as ms_print's graph has it.  Between
 * detailed snapshots a site's bytes are interpolated in time (held before the
 * first and after the last), then scaled down if they would exceed the heap.
 * Each snapshot is one <g class="snap" data-i="INDEX"> with a hit area, a
 * tooltip and, for detailed ones, a dot; the peak has a marker.  Leak
 * suspects are drawn as a red dashed line over their estimated bytes, and
 * the band that holds one is outlined.  With FILE.series, the process's
 * resident memory (RSS) is a dark line above the stack: what malloc's
 * heap does not account for is the gap between them.
 */
#ifndef HS_PRINT_HTML_CHART_H
#define HS_PRINT_HTML_CHART_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "outbuf.h"
#include "series.h"

/* Sites with a band of their own. */
#define HS_CHART_SITES 10

/* A line to draw over the chart: one value per detailed snapshot. */
struct hs_chart_line {
	const char *key; /* the top-level site's name (innermost frame) */
	size_t key_len;
	const uint64_t *bytes; /* n_detailed values, in file order */
	const char *title;     /* tooltip text (not escaped yet) */
};

/* What the chart marks besides the stack. */
struct hs_chart_marks {
	size_t peak_index; /* snapshot to mark as the peak, or SIZE_MAX */
	const struct hs_chart_line *lines;
	size_t n_lines;
	/* FILE.series' points: those with an RSS, within the snapshots' time
	 * range, are drawn as the RSS line (the scale takes it in). */
	const struct hs_series_point *rss;
	size_t n_rss;
};

/* Appends the SVG and its legend (a <ul class="legend">).  Returns 0, or -1
 * when memory runs out. */
int hs_chart_render(const struct hs_model *m, const struct hs_chart_marks *marks,
		    struct hs_outbuf *ob);

#endif /* HS_PRINT_HTML_CHART_H */
