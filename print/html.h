/* html: heapsnap-print --html, one self-contained HTML report.
 *
 * The page needs nothing but itself: CSS and JavaScript inline
 * (html_assets.h), the chart as inline SVG (html_chart.h), no URL anywhere.
 * Read without JavaScript it shows the header (with the heap and RSS at
 * exit from FILE.series, and the summary's note when RSS grew far beyond
 * the heap), the chart (with the RSS over time), the leak suspects,
 * the largest sites at the peak, the peak's tree as an icicle and a table of
 * every snapshot.  With JavaScript, a click on a snapshot shows its tree, and
 * a search box marks a function's frames.  The trees carry only the nodes
 * at or above ms_print's threshold (--threshold, 1% by default) of their
 * snapshot's total, smaller siblings merged into one block, so the page stays
 * small on long runs; the page says so.  Past HS_HTML_TREES_BUDGET the
 * threshold is raised until the trees fit.
 *
 * Every label goes through hs_html_escape or hs_html_json_string: C++ and
 * Rust names hold < > & and quotes.
 */
#ifndef HS_PRINT_HTML_H
#define HS_PRINT_HTML_H

#include <stddef.h>

#include "model.h"
#include "outbuf.h"
#include "series.h"
#include "summary.h"

/* The most the trees' data may take: past it the threshold is raised (and
 * the page says so), which keeps the page under 5 MB on any input. */
#define HS_HTML_TREES_BUDGET (3 << 20)

/* The deepest tree level the page draws (the page says when it cuts). */
#define HS_HTML_MAX_DEPTH 100
#define HS_HTML_MAX_DEPTH_TEXT "100"

/* What the page depends on besides the file. */
struct hs_html_opts {
	double threshold;   /* percent of a snapshot's total a tree node needs */
	const char *source; /* the file's name, for the title ("-": stdin) */
	/* The companion FILE.series, when it was read (else NULL, 0): its
	 * figures (the heap and RSS at exit, their growth) for the header, and
	 * its points for the chart's RSS line. */
	const struct hs_summary_series *series;
	const struct hs_series_point *points;
	size_t n_points;
};

/* Appends the page for m.  Returns 0, or -1 when memory runs out. */
int hs_html_render(const struct hs_model *m, const struct hs_html_opts *opts, struct hs_outbuf *ob);

/* Appends s as HTML text or attribute value: & < > " ' as entities, control
 * characters as U+FFFD. */
void hs_html_escape(struct hs_outbuf *ob, const char *s, size_t len);

/* Appends s as a JSON string literal safe inside <script>: quotes, and
 * < > & as \u escapes so no "</script" can close the element. */
void hs_html_json_string(struct hs_outbuf *ob, const char *s, size_t len);

/* Returns a frame's label without its "0xADDR: " (kept for "???"): the name
 * the page shows, and the key a site is known by across snapshots. */
struct hs_str hs_html_frame_name(const struct hs_node *n);

#endif /* HS_PRINT_HTML_H */
