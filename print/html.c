/* html: the self-contained HTML report (see html.h). */
#include "html.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "folded.h"
#include "html_assets.h"
#include "html_chart.h"
#include "leak_report.h"
#include "numfmt.h"
#include "sites_model.h"
#include "utf8.h"

void hs_html_escape(struct hs_outbuf *ob, const char *s, size_t len)
{
	size_t start = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *rep;
		switch (c) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\'':
			rep = "&#39;";
			break;
		default:
			if (c >= 0x20 && c < 0x7f)
				continue;
			if (c > 0x7f) {
				size_t k = hs_utf8_char_len((const unsigned char *)s, i, len);
				if (k != 0) {
					i += k - 1;
					continue;
				}
			}
			/* U+FFFD: no control character in the page, and no byte
			 * of the file's that starts no UTF-8 character */
			rep = "\xEF\xBF\xBD";
		}
		hs_outbuf_put(ob, s + start, i - start);
		hs_outbuf_puts(ob, rep);
		start = i + 1;
	}
	hs_outbuf_put(ob, s + start, len - start);
}

void hs_html_json_string(struct hs_outbuf *ob, const char *s, size_t len)
{
	hs_outbuf_putc(ob, '"');
	size_t start = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' &&
		    c < 0x7f)
			continue;
		size_t k = c > 0x7f ? hs_utf8_char_len((const unsigned char *)s, i, len) : 0;
		if (k != 0) {
			i += k - 1;
			continue;
		}
		hs_outbuf_put(ob, s + start, i - start);
		if (c == '"' || c == '\\') {
			hs_outbuf_putc(ob, '\\');
			hs_outbuf_putc(ob, (char)c);
		} else if (c > 0x7f) {
			hs_outbuf_puts(ob, "\\ufffd"); /* a byte that starts no character */
		} else {
			hs_outbuf_printf(ob, "\\u%04x", c);
		}
		start = i + 1;
	}
	hs_outbuf_put(ob, s + start, len - start);
	hs_outbuf_putc(ob, '"');
}

struct hs_str hs_html_frame_name(const struct hs_node *n)
{
	struct hs_str s = hs_node_label(n);
	uint64_t addr;
	if (!hs_node_address(n, &addr))
		return s;
	const char *colon = memchr(s.ptr, ':', s.len);
	size_t skip = (size_t)(colon - s.ptr) + 1;
	if (skip < s.len && s.ptr[skip] == ' ')
		skip++;
	if (s.len - skip == 3 && memcmp(s.ptr + skip, "???", 3) == 0)
		return s;
	return (struct hs_str){ s.ptr + skip, s.len - skip };
}

/* The frames of the trees the page carries, each once: the JSON's table. */
struct frames {
	struct hs_str *v;
	bool *merged; /* a "below the threshold" block of the page's own */
	size_t n, cap;
	size_t *slot; /* index + 1, 0 when free */
	size_t n_slots;
	char **owned; /* the merged blocks' texts */
	size_t n_owned;
	bool failed;
};

static uint64_t hash_bytes(const char *p, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)p[i]) * 1099511628211ULL;
	return h;
}

/* Returns the id of label s, adding it (s must outlive the table). */
static size_t frame_id(struct frames *f, struct hs_str s, bool merged)
{
	if (f->failed)
		return 0;
	if (2 * (f->n + 1) > f->n_slots) {
		size_t ns = f->n_slots ? 2 * f->n_slots : 256;
		size_t *slot = calloc(ns, sizeof *slot);
		if (!slot)
			goto fail;
		for (size_t i = 0; i < f->n; i++) {
			size_t h = hash_bytes(f->v[i].ptr, f->v[i].len) & (ns - 1);
			while (slot[h])
				h = (h + 1) & (ns - 1);
			slot[h] = i + 1;
		}
		free(f->slot);
		f->slot = slot;
		f->n_slots = ns;
	}
	size_t h = hash_bytes(s.ptr, s.len) & (f->n_slots - 1);
	for (; f->slot[h]; h = (h + 1) & (f->n_slots - 1)) {
		size_t i = f->slot[h] - 1;
		if (f->v[i].len == s.len && f->merged[i] == merged &&
		    memcmp(f->v[i].ptr, s.ptr, s.len) == 0)
			return i;
	}
	if (f->n == f->cap) {
		size_t nc = f->cap ? 2 * f->cap : 256;
		struct hs_str *v = realloc(f->v, nc * sizeof *v);
		if (!v)
			goto fail;
		f->v = v;
		bool *mg = realloc(f->merged, nc * sizeof *mg);
		if (!mg)
			goto fail;
		f->merged = mg;
		f->cap = nc;
	}
	f->v[f->n] = s;
	f->merged[f->n] = merged;
	f->slot[h] = ++f->n;
	return f->n - 1;
fail:
	f->failed = true;
	return 0;
}

/* Returns the id of the block standing for n_merged small siblings. */
static size_t merged_id(struct frames *f, uint32_t n_merged, double threshold)
{
	char text[96];
	int len = snprintf(text, sizeof text, "%" PRIu32 " more, each below %.2f%%", n_merged,
			   threshold);
	/* Look it up through a stack copy first; keep a heap copy if new. */
	size_t before = f->n;
	size_t id = frame_id(f, (struct hs_str){ text, (size_t)len }, true);
	if (f->n == before || f->failed)
		return id;
	char **owned = realloc(f->owned, (f->n_owned + 1) * sizeof *owned);
	char *copy = malloc((size_t)len);
	if (!owned || !copy) {
		free(copy);
		if (owned)
			f->owned = owned;
		f->failed = true;
		return 0;
	}
	f->owned = owned;
	memcpy(copy, text, (size_t)len);
	f->owned[f->n_owned++] = copy;
	f->v[id].ptr = copy;
	return id;
}

static void frames_free(struct frames *f)
{
	for (size_t i = 0; i < f->n_owned; i++)
		free(f->owned[i]);
	free(f->owned);
	free(f->v);
	free(f->merged);
	free(f->slot);
}

/* A warm hue for a frame's name, the same on every snapshot. */
static unsigned hue(struct hs_str name)
{
	return (unsigned)(hash_bytes(name.ptr, name.len) % 55) + 5;
}

/* What a tree walk needs. */
struct walk {
	struct frames *f;
	double threshold;
	uint64_t total; /* the snapshot's total: the 100% of percentages */
	struct hs_outbuf *ob;
	bool *cut; /* set when a path is cut at HS_HTML_MAX_DEPTH */
};

/* Tells how many of n's children are shown (see shown_children), none
 * past HS_HTML_MAX_DEPTH: browsers flatten deeper markup, and the script
 * draws trees recursively. */
static uint32_t shown_below(const struct walk *w, const struct hs_node *n, uint32_t *n_small,
			    uint64_t *small_B);

/* Tells whether a node is shown: at or above the threshold, as ms_print. */
static bool significant(const struct walk *w, uint64_t bytes)
{
	if (w->total == 0)
		return false;
	return (double)bytes * 100.0 / (double)w->total >= w->threshold;
}

/* Counts n's shown children, and sums the bytes of the others. */
static uint32_t shown_children(const struct walk *w, const struct hs_node *n, uint32_t *n_small,
			       uint64_t *small_B)
{
	uint32_t k = 0;
	*n_small = 0;
	*small_B = 0;
	const struct hs_node *c = hs_node_first_child(n);
	for (uint32_t q = 0; q < n->n_children; q++, c = hs_node_next_sibling(c)) {
		if (significant(w, c->bytes)) {
			k++;
		} else if (c->bytes > 0) {
			(*n_small)++;
			*small_B += c->bytes;
		}
	}
	return k + (*n_small > 0);
}

static uint32_t shown_below(const struct walk *w, const struct hs_node *n, uint32_t *n_small,
			    uint64_t *small_B)
{
	if (n->n_children == 0)
		return 0;
	if (n->depth >= HS_HTML_MAX_DEPTH) {
		*w->cut = true;
		return 0;
	}
	return shown_children(w, n, n_small, small_B);
}

/* Appends the tree under n as JSON numbers: frame, bytes, children. */
static void tree_json(struct walk *w, const struct hs_node *n)
{
	uint32_t n_small;
	uint64_t small_B;
	uint32_t k = shown_below(w, n, &n_small, &small_B);
	hs_outbuf_printf(w->ob, "%zu,%" PRIu64 ",%" PRIu32, frame_id(w->f, hs_node_label(n), false),
			 n->bytes, k);
	const struct hs_node *c = k ? hs_node_first_child(n) : NULL;
	for (uint32_t q = 0; k && q < n->n_children; q++, c = hs_node_next_sibling(c))
		if (significant(w, c->bytes)) {
			hs_outbuf_putc(w->ob, ',');
			tree_json(w, c);
		}
	if (k && n_small)
		hs_outbuf_printf(w->ob, ",%zu,%" PRIu64 ",0",
				 merged_id(w->f, n_small, w->threshold), small_B);
}

/* Appends one icicle block, as the script's build() makes it. */
static void ice_open(struct walk *w, struct hs_str label, struct hs_str name, bool merged,
		     uint64_t bytes, uint64_t parent_B)
{
	char buf[HS_FMT_LEN], pct[32];
	hs_outbuf_printf(w->ob, "<div class=\"node%s\" style=\"width:%.4g%%\" data-f=\"",
			 merged ? " merged" : "",
			 parent_B ? 100.0 * (double)bytes / (double)parent_B : 100.0);
	hs_html_escape(w->ob, name.ptr, name.len);
	hs_outbuf_printf(w->ob,
			 "\" data-b=\"%" PRIu64 "\"><div class=\"lbl\" style=\"background:"
			 "hsl(%u,70%%,72%%)\" title=\"",
			 bytes, hue(label));
	snprintf(pct, sizeof pct, "%.2f", hs_percent(bytes, w->total));
	hs_html_escape(w->ob, label.ptr, label.len);
	hs_outbuf_printf(w->ob, "&#10;%s (%s%%)\"><span>", hs_fmt_bytes((double)bytes, buf), pct);
	hs_html_escape(w->ob, name.ptr, name.len);
	hs_outbuf_printf(w->ob, " </span><b>%s</b> %s%%</div>", buf, pct);
}

/* Appends the tree under n as static icicle markup. */
static void tree_html(struct walk *w, const struct hs_node *n, uint64_t parent_B)
{
	uint32_t n_small;
	uint64_t small_B;
	uint32_t k = shown_below(w, n, &n_small, &small_B);
	ice_open(w, hs_node_label(n), hs_html_frame_name(n), false, n->bytes, parent_B);
	if (k) {
		hs_outbuf_puts(w->ob, "<div class=\"kids\">");
		const struct hs_node *c = hs_node_first_child(n);
		for (uint32_t q = 0; q < n->n_children; q++, c = hs_node_next_sibling(c))
			if (significant(w, c->bytes))
				tree_html(w, c, n->bytes);
		if (n_small) {
			size_t id = merged_id(w->f, n_small, w->threshold);
			if (!w->f->failed) {
				struct hs_str t = w->f->v[id];
				ice_open(w, t, t, true, small_B, n->bytes);
				hs_outbuf_puts(w->ob, "</div>");
			}
		}
		hs_outbuf_puts(w->ob, "</div>");
	}
	hs_outbuf_puts(w->ob, "</div>\n");
}

/* Appends every detailed snapshot's tree as JSON arrays (the "trees"
 * member), at threshold, interning frames in f.  Returns the bytes the
 * trees and their frames' texts take. */
static size_t trees_json(const struct hs_model *m, struct frames *f, double threshold,
			 struct hs_outbuf *ob, bool *cut)
{
	size_t start = ob->len, n_trees = 0;
	for (size_t i = 0; i < m->n_snapshots; i++) {
		const struct hs_snapshot *s = &m->snapshots[i];
		if (!hs_snapshot_is_detailed(s))
			continue;
		hs_outbuf_puts(ob, n_trees++ ? ",\n[" : "\n[");
		struct walk w = { f, threshold, s->total_bytes, ob, cut };
		tree_json(&w, hs_snapshot_root(m, s));
		hs_outbuf_putc(ob, ']');
	}
	size_t len = ob->len - start;
	for (size_t i = 0; i < f->n; i++)
		len += f->v[i].len + 8;
	return len;
}

/* Appends the page's head and header facts. */
static void header(struct hs_outbuf *ob, const struct hs_model *m, const struct hs_html_opts *o,
		   size_t peak)
{
	hs_outbuf_puts(ob,
		       "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		       "<title>heapsnap: ");
	hs_html_escape(ob, m->cmd.ptr, m->cmd.len);
	hs_outbuf_puts(ob, "</title>\n<style>\n");
	hs_outbuf_puts(ob, hs_html_css);
	hs_outbuf_puts(ob, "</style>\n</head>\n<body>\n<h1>heapsnap: <code>");
	hs_html_escape(ob, m->cmd.ptr, m->cmd.len);
	hs_outbuf_puts(ob, "</code></h1>\n<p class=\"facts\">");
	char buf[HS_FMT_LEN];
	size_t n_det = 0;
	for (size_t i = 0; i < m->n_snapshots; i++)
		n_det += hs_snapshot_is_detailed(&m->snapshots[i]);
	if (peak < m->n_snapshots) {
		const struct hs_snapshot *p = &m->snapshots[peak];
		hs_outbuf_printf(ob, "Peak: <b id=\"peak-bytes\">%s</b> (",
				 hs_fmt_bytes((double)p->total_bytes, buf));
		hs_put_grouped_u64(ob, p->total_bytes);
		hs_outbuf_printf(ob, " bytes) at time %" PRIu64 " ", p->time);
		hs_html_escape(ob, m->time_unit_raw.ptr, m->time_unit_raw.len);
		hs_outbuf_printf(ob, ", snapshot %" PRIu64 ". ", p->num);
	}
	const struct hs_summary_series *ser = o->series;
	if (ser != NULL && ser->present && ser->exit_rss_B > 0) {
		/* As the summary: the series' end-of-run point, else its last
		 * snapshot with an RSS (a run killed, or stopped early). */
		char h[HS_FMT_LEN], r[HS_FMT_LEN];
		hs_outbuf_printf(ob,
				 "%s <b id=\"exit-heap\">%s</b> in the heap, "
				 "<b id=\"exit-rss\">%s</b> resident (RSS). ",
				 ser->has_exit ? "At exit:" : "At the last snapshot:",
				 hs_fmt_bytes((double)ser->exit_heap_B, h),
				 hs_fmt_bytes((double)ser->exit_rss_B, r));
	}
	hs_outbuf_printf(ob, "%zu snapshots, %zu with a tree. File: <code>", m->n_snapshots, n_det);
	hs_html_escape(ob, o->source, strlen(o->source));
	hs_outbuf_puts(ob, "</code>");
	if (m->has_desc) {
		hs_outbuf_puts(ob, ", recorded with <code>");
		size_t len = m->desc_len;
		while (len && m->desc[len - 1] == '\n')
			len--;
		hs_html_escape(ob, m->desc, len);
		hs_outbuf_puts(ob, "</code>");
	}
	hs_outbuf_puts(ob, ".</p>\n");
	if (ser != NULL && hs_summary_outside_malloc(ser)) {
		/* The summary's words (plain text: nothing to escape). */
		hs_outbuf_puts(ob, "<p class=\"outside\" id=\"outside\">");
		hs_summary_outside_note(ob, ser, " ");
		hs_outbuf_puts(ob, "</p>\n");
	}
}

/* Appends the leak suspects' section. */
static void suspects_html(struct hs_outbuf *ob, const struct hs_leak_suspect *sus, long n_sus)
{
	hs_outbuf_puts(ob, "<h2>Leak suspects</h2>\n");
	if (n_sus <= 0) {
		hs_outbuf_puts(ob, "<p class=\"ok\" id=\"suspects\">None: heapsnap-print --leaks "
				   "names no allocation site (it also says when the file has too "
				   "few trees to judge sites).</p>\n");
		return;
	}
	hs_outbuf_puts(ob, "<div class=\"suspects\" id=\"suspects\">The sites heapsnap-print "
			   "--leaks names, their bytes drawn in red dashes on the chart:\n<ol>\n");
	char a[HS_FMT_LEN], b[HS_FMT_LEN];
	for (long i = 0; i < n_sus; i++) {
		hs_outbuf_puts(ob, "<li><code class=\"site\">");
		/* Innermost frame first, as --leaks, joined by arrows to callers. */
		const char *p = sus[i].shown;
		for (int f = 0; *p && f < 4; f++) {
			const char *nl = strchr(p, '\n');
			size_t len = nl ? (size_t)(nl - p) : strlen(p);
			if (f)
				hs_outbuf_puts(ob, " &#8592; ");
			hs_html_escape(ob, p, len);
			p += len + (nl != NULL);
		}
		if (*p)
			hs_outbuf_puts(ob, " &#8592; &#8230;");
		hs_outbuf_printf(ob, "</code>: %s &#8594; %s</li>\n",
				 hs_fmt_bytes((double)sus[i].first_B, a),
				 hs_fmt_bytes((double)sus[i].last_B, b));
	}
	hs_outbuf_puts(ob, "</ol></div>\n");
}

/* Appends the table of the peak tree's top-level sites. */
static void top_sites(struct hs_outbuf *ob, const struct hs_model *m, size_t peak)
{
	const struct hs_snapshot *s = &m->snapshots[peak];
	const struct hs_node *root = hs_snapshot_root(m, s);
	hs_outbuf_printf(ob, "<h2>Largest allocation sites at snapshot %" PRIu64 "</h2>\n", s->num);
	hs_outbuf_puts(ob,
		       "<table id=\"top-sites\"><thead><tr><th class=\"l\">site</th><th>bytes</th>"
		       "<th>share of total</th></tr></thead><tbody>\n");
	const struct hs_node *c = root + 1;
	char pct[32];
	for (uint32_t q = 0; q < root->n_children && q < 20; q++, c = hs_node_next_sibling(c)) {
		struct hs_str name = hs_html_frame_name(c);
		hs_outbuf_puts(ob, "<tr><td class=\"l mono\">");
		hs_html_escape(ob, name.ptr, name.len);
		hs_outbuf_puts(ob, "</td><td>");
		hs_put_grouped_u64(ob, c->bytes);
		snprintf(pct, sizeof pct, "%.2f", hs_percent(c->bytes, s->total_bytes));
		hs_outbuf_printf(ob, "</td><td>%s%%</td></tr>\n", pct);
	}
	hs_outbuf_puts(ob, "</tbody></table>\n");
}

/* Appends the table of every snapshot. */
static void snapshot_table(struct hs_outbuf *ob, const struct hs_model *m, size_t peak)
{
	hs_outbuf_printf(ob,
			 "<details id=\"snaps\"><summary>All %zu snapshots (bold: with a tree; "
			 "click a row to show its tree)</summary>\n"
			 "<table><thead><tr><th>n</th><th>time (",
			 m->n_snapshots);
	hs_html_escape(ob, m->time_unit_raw.ptr, m->time_unit_raw.len);
	hs_outbuf_puts(ob, ")</th><th>total (B)</th><th>useful-heap (B)</th><th>extra-heap (B)</th>"
			   "<th>stacks (B)</th><th class=\"l\">tree</th></tr></thead><tbody>\n");
	for (size_t i = 0; i < m->n_snapshots; i++) {
		const struct hs_snapshot *s = &m->snapshots[i];
		bool det = hs_snapshot_is_detailed(s);
		hs_outbuf_printf(ob, "<tr data-i=\"%zu\"%s%s><td>%" PRIu64 "</td><td>", i,
				 det ? " class=\"det\"" : "", "", s->num);
		hs_put_grouped_u64(ob, s->time);
		hs_outbuf_puts(ob, "</td><td>");
		hs_put_grouped_u64(ob, s->total_bytes);
		hs_outbuf_puts(ob, "</td><td>");
		hs_put_grouped_u64(ob, s->heap_bytes);
		hs_outbuf_puts(ob, "</td><td>");
		hs_put_grouped_u64(ob, s->extra_bytes);
		hs_outbuf_puts(ob, "</td><td>");
		hs_put_grouped_u64(ob, s->stacks_bytes);
		hs_outbuf_printf(ob, "</td><td class=\"l\">%s</td></tr>\n",
				 i == peak ? "peak"
				 : det     ? "yes"
					   : "");
	}
	hs_outbuf_puts(ob, "</tbody></table></details>\n");
}

int hs_html_render(const struct hs_model *m, const struct hs_html_opts *opts, struct hs_outbuf *ob)
{
	char err[256];
	size_t peak = hs_folded_pick(m, "peak", err, sizeof err); /* a snapshot with a tree */
	size_t mark = peak;
	if (mark == SIZE_MAX) {
		mark = 0;
		for (size_t i = 1; i < m->n_snapshots; i++)
			if (m->snapshots[i].total_bytes > m->snapshots[mark].total_bytes)
				mark = i;
	}

	struct hs_run *run = hs_run_from_model(m, opts->source);
	struct hs_leak_suspect *sus = NULL;
	long n_sus = run ? hs_leak_suspects(run, &sus) : 0;
	if (n_sus < 0) {
		hs_run_free(run);
		return -1;
	}
	struct hs_chart_line *lines = calloc((size_t)n_sus + 1, sizeof *lines);
	char **titles = calloc((size_t)n_sus + 1, sizeof *titles);
	struct frames f = { 0 };
	struct hs_outbuf trees = { .fd = -1 };
	int rc = -1;
	if (!lines || !titles)
		goto out;
	for (long i = 0; i < n_sus; i++) {
		/* The chart knows a site by its allocation site's frame. */
		const char *key = run->sites[sus[i].site].path;
		const char *nl = strchr(key, '\n');
		size_t len = nl ? (size_t)(nl - key) : strlen(key);
		const char *shown = sus[i].shown;
		nl = strchr(shown, '\n');
		size_t shown_len = nl ? (size_t)(nl - shown) : strlen(shown);
		char g[HS_FMT_LEN], h[HS_FMT_LEN];
		titles[i] = malloc(shown_len + 2 * HS_FMT_LEN + 32);
		if (!titles[i])
			goto out;
		snprintf(titles[i], shown_len + 2 * HS_FMT_LEN + 32, "leak suspect: %.*s, %s to %s",
			 (int)shown_len, shown, hs_fmt_bytes((double)sus[i].first_B, g),
			 hs_fmt_bytes((double)sus[i].last_B, h));
		lines[i] = (struct hs_chart_line){ key, len, sus[i].est, titles[i] };
	}

	/* The trees first, so the page knows the threshold they fit at: raise
	 * it until they fit the budget (the page says so). */
	double thr = opts->threshold;
	bool cut = false;
	hs_outbuf_init(&trees);
	for (;;) {
		size_t len = trees_json(m, &f, thr, &trees, &cut);
		if (f.failed || hs_outbuf_failed(&trees))
			goto out;
		if (len <= HS_HTML_TREES_BUDGET || thr >= 100)
			break;
		thr = thr < 0.25 ? 0.5 : thr * 2 > 100 ? 100 : thr * 2;
		frames_free(&f);
		memset(&f, 0, sizeof f);
		trees.len = 0;
		cut = false;
	}

	header(ob, m, opts, mark);
	hs_outbuf_puts(ob, "<h2>Memory over time</h2>\n");
	struct hs_chart_marks marks = { .peak_index = mark,
					.lines = lines,
					.n_lines = (size_t)n_sus,
					.rss = opts->points,
					.n_rss = opts->n_points };
	if (hs_chart_render(m, &marks, ob) < 0)
		goto out;
	hs_outbuf_puts(ob,
		       "<p class=\"note\">Stacked by the largest top-level allocation sites of the "
		       "snapshots with a tree; between those snapshots a site's bytes are "
		       "interpolated. <span class=\"js-only\">Click the chart to show a snapshot's "
		       "tree.</span></p>\n");
	suspects_html(ob, sus, n_sus);

	char pct[32], why[160] = "";
	snprintf(pct, sizeof pct, "%.2f", thr);
	if (thr != opts->threshold)
		snprintf(why, sizeof why,
			 " (raised from %.2f%% so that the trees' data stays under %d MB)",
			 opts->threshold, HS_HTML_TREES_BUDGET >> 20);
	if (peak != SIZE_MAX) {
		top_sites(ob, m, peak);
		const struct hs_snapshot *p = &m->snapshots[peak];
		char buf[HS_FMT_LEN];
		hs_outbuf_puts(
			ob, "<h2>Heap tree</h2>\n<p><label>Find a function: <input id=\"search\" "
			    "type=\"search\" placeholder=\"name\" autocomplete=\"off\"></label>"
			    "<span id=\"qres\"></span></p>\n");
		hs_outbuf_printf(ob,
				 "<p id=\"tree-title\">Snapshot %" PRIu64 "%s, time %" PRIu64 " ",
				 p->num, m->peak_index == peak ? " (peak)" : "", p->time);
		hs_html_escape(ob, m->time_unit_raw.ptr, m->time_unit_raw.len);
		hs_outbuf_printf(ob, ": %s in total</p>\n",
				 hs_fmt_bytes((double)p->total_bytes, buf));
		hs_outbuf_printf(ob, "<div class=\"ice\" id=\"ice\" data-i=\"%zu\">\n", peak);
		struct walk w = { &f, thr, p->total_bytes, ob, &cut };
		tree_html(&w, hs_snapshot_root(m, p), 0);
		hs_outbuf_printf(ob,
				 "</div>\n<p class=\"note\" id=\"tree-note\">Each block is a call "
				 "path, its width its share of the block above; the allocation "
				 "sites under the root, then their callers. Trees show the nodes "
				 "at or above %s%% of their snapshot's total (heapsnap-print "
				 "--threshold)%s; smaller siblings are merged into one grey "
				 "block%s.</p>\n",
				 pct, why,
				 cut ? "; call paths stop at " HS_HTML_MAX_DEPTH_TEXT " frames"
				     : "");
	} else {
		hs_outbuf_puts(
			ob,
			"<p class=\"note\" id=\"ice\">The file has no snapshot with a tree.</p>\n");
	}
	snapshot_table(ob, m, peak);

	/* The data the script draws the other trees from. */
	hs_outbuf_puts(ob, "<script type=\"application/json\" id=\"hs-data\">{\"unit\":");
	hs_html_json_string(ob, m->time_unit_raw.ptr, m->time_unit_raw.len);
	hs_outbuf_printf(ob, ",\"peak\":%ld,\"thr\":%g,\"snaps\":[",
			 peak == SIZE_MAX ? -1L : (long)peak, thr);
	size_t n_trees = 0;
	for (size_t i = 0; i < m->n_snapshots; i++) {
		const struct hs_snapshot *s = &m->snapshots[i];
		hs_outbuf_printf(ob, "%s[%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%ld]", i ? "," : "",
				 s->num, s->time, s->total_bytes,
				 hs_snapshot_is_detailed(s) ? (long)n_trees++ : -1L);
	}
	hs_outbuf_puts(ob, "],\n\"trees\":[");
	hs_outbuf_put(ob, trees.data, trees.len);
	hs_outbuf_puts(ob, "],\n\"frames\":[");
	for (size_t i = 0; i < f.n; i++) {
		if (i)
			hs_outbuf_puts(ob, i % 8 ? "," : ",\n");
		hs_html_json_string(ob, f.v[i].ptr, f.v[i].len);
	}
	hs_outbuf_puts(ob, "],\n\"hue\":[");
	for (size_t i = 0; i < f.n; i++)
		hs_outbuf_printf(ob, "%s%u", i ? "," : "", hue(f.v[i]));
	hs_outbuf_puts(ob, "],\n\"merged\":[");
	for (size_t i = 0; i < f.n; i++)
		hs_outbuf_printf(ob, "%s%d", i ? "," : "", f.merged[i] ? 1 : 0);
	hs_outbuf_puts(ob, "]}</script>\n<script>\n");
	hs_outbuf_puts(ob, hs_html_js);
	hs_outbuf_puts(ob, "</script>\n</body>\n</html>\n");
	rc = f.failed || hs_outbuf_failed(ob) ? -1 : 0;
out:
	for (long i = 0; titles && i < n_sus; i++)
		free(titles[i]);
	free(titles);
	free(lines);
	hs_leak_suspects_free(sus, n_sus);
	frames_free(&f);
	hs_outbuf_free(&trees);
	hs_run_free(run);
	return rc;
}
