/* html_chart: the memory-over-time chart as SVG (see html_chart.h). */
#include "html_chart.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "numfmt.h"

/* The drawing area inside the SVG's viewBox, in its units. */
#define CW 960
#define CH 320
#define X0 64.0
#define X1 950.0
#define Y0 12.0
#define Y1 292.0

/* Band colours: the sites', then other heap, extra heap, stacks. */
static const char *const site_colours[HS_CHART_SITES] = {
	"#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#edc948",
	"#76b7b2", "#ff9da7", "#9c755f", "#8cd17d", "#a0cbe8",
};
#define OTHER_COLOUR "#bab0ac"
#define EXTRA_COLOUR "#d9d9d9"
#define STACKS_COLOUR "#e8d6c0"

/* A top-level site seen in some tree. */
struct site {
	struct hs_str key;
	uint64_t max_B; /* highest bytes in any detailed snapshot */
};

/* Sites by key: open addressing over a power-of-two table. */
struct site_set {
	struct site *v;
	size_t n, cap;
	size_t *slot; /* index + 1, 0 when free */
	size_t n_slots;
};

static uint64_t hash_str(struct hs_str s)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < s.len; i++)
		h = (h ^ (unsigned char)s.ptr[i]) * 1099511628211ULL;
	return h;
}

/* Returns the index of key, adding it; SIZE_MAX when memory runs out. */
static size_t site_find(struct site_set *set, struct hs_str key, bool add)
{
	if (add && 2 * (set->n + 1) > set->n_slots) {
		size_t ns = set->n_slots ? 2 * set->n_slots : 64;
		size_t *slot = calloc(ns, sizeof *slot);
		if (!slot)
			return SIZE_MAX;
		for (size_t i = 0; i < set->n; i++) {
			size_t h = hash_str(set->v[i].key) & (ns - 1);
			while (slot[h])
				h = (h + 1) & (ns - 1);
			slot[h] = i + 1;
		}
		free(set->slot);
		set->slot = slot;
		set->n_slots = ns;
	}
	if (!set->n_slots)
		return SIZE_MAX;
	size_t h = hash_str(key) & (set->n_slots - 1);
	for (; set->slot[h]; h = (h + 1) & (set->n_slots - 1)) {
		struct site *s = &set->v[set->slot[h] - 1];
		if (s->key.len == key.len && memcmp(s->key.ptr, key.ptr, key.len) == 0)
			return set->slot[h] - 1;
	}
	if (!add)
		return SIZE_MAX;
	if (set->n == set->cap) {
		size_t nc = set->cap ? 2 * set->cap : 64;
		struct site *v = realloc(set->v, nc * sizeof *v);
		if (!v)
			return SIZE_MAX;
		set->v = v;
		set->cap = nc;
	}
	set->v[set->n] = (struct site){ .key = key };
	set->slot[h] = ++set->n;
	return set->n - 1;
}

/* Larger first; then by key so the order never depends on hashing. */
static int by_max(const void *a, const void *b)
{
	const struct site *x = a, *y = b;
	if (x->max_B != y->max_B)
		return x->max_B > y->max_B ? -1 : 1;
	size_t n = x->key.len < y->key.len ? x->key.len : y->key.len;
	int c = memcmp(x->key.ptr, y->key.ptr, n);
	return c ? c : (x->key.len > y->key.len) - (x->key.len < y->key.len);
}

/* The chart's scales. */
struct scale {
	uint64_t t0, t1; /* time range */
	double ymax;     /* bytes at the top */
	size_t n;        /* snapshots, to space them when time stands still */
};

static double sx(const struct scale *sc, uint64_t t, size_t i)
{
	if (sc->t1 == sc->t0)
		return sc->n > 1 ? X0 + (X1 - X0) * (double)i / (double)(sc->n - 1) : X0;
	return X0 + (X1 - X0) * (double)(t - sc->t0) / (double)(sc->t1 - sc->t0);
}

static double sy(const struct scale *sc, double b)
{
	return Y1 - (Y1 - Y0) * (sc->ymax > 0 ? b / sc->ymax : 0);
}

/* Whether a series point is on the RSS line: it has an RSS (the series'
 * snapshots do) and its time is within the snapshots' (the end-of-run
 * point may come after the last).  With every snapshot at one time the
 * x axis counts snapshots, not time: no line. */
static bool rss_shown(const struct scale *sc, const struct hs_series_point *q)
{
	return q->rss_B > 0 && sc->t1 > sc->t0 && q->time >= 0 && (uint64_t)q->time >= sc->t0 &&
	       (uint64_t)q->time <= sc->t1;
}

/* Fills v[i * k + j]: site j's bytes in each snapshot i (see the header). */
static void fill_values(const struct hs_model *m, const struct site_set *top, size_t k, double *v)
{
	size_t n = m->n_snapshots;
	for (size_t i = 0; i < n; i++) {
		const struct hs_snapshot *s = &m->snapshots[i];
		if (!hs_snapshot_is_detailed(s))
			continue;
		const struct hs_node *root = hs_snapshot_root(m, s);
		const struct hs_node *c = root + 1;
		for (uint32_t q = 0; q < root->n_children; q++, c = hs_node_next_sibling(c)) {
			size_t j = site_find((struct site_set *)top, hs_html_frame_name(c), false);
			if (j < k)
				v[i * k + j] += (double)c->bytes;
		}
	}
	size_t prev = SIZE_MAX;
	for (size_t i = 0; i < n; i++) {
		if (hs_snapshot_is_detailed(&m->snapshots[i])) {
			prev = i;
			continue;
		}
		size_t next = i + 1;
		while (next < n && !hs_snapshot_is_detailed(&m->snapshots[next]))
			next++;
		double heap = (double)m->snapshots[i].heap_bytes, sum = 0;
		for (size_t j = 0; j < k; j++) {
			double x;
			if (prev == SIZE_MAX && next == n)
				x = 0;
			else if (prev == SIZE_MAX)
				x = v[next * k + j];
			else if (next == n)
				x = v[prev * k + j];
			else {
				uint64_t ta = m->snapshots[prev].time, tb = m->snapshots[next].time;
				double f = tb > ta ? (double)(m->snapshots[i].time - ta) /
							     (double)(tb - ta)
						   : 0;
				x = v[prev * k + j] + (v[next * k + j] - v[prev * k + j]) * f;
			}
			v[i * k + j] = x;
			sum += x;
		}
		if (sum > heap && sum > 0)
			for (size_t j = 0; j < k; j++)
				v[i * k + j] *= heap / sum;
	}
}

static void put_num(struct hs_outbuf *ob, double x)
{
	hs_outbuf_printf(ob, "%.1f", x);
}

/* Appends a band between cumulative lows lo[] and highs hi[]. */
static void band(struct hs_outbuf *ob, const struct hs_model *m, const struct scale *sc,
		 const double *lo, const double *hi, const char *cls, const char *colour,
		 struct hs_str name, int band_no)
{
	size_t n = m->n_snapshots;
	hs_outbuf_printf(ob, "<path class=\"band %s\" data-b=\"%d\" fill=\"%s\" data-f=\"", cls,
			 band_no, colour);
	hs_html_escape(ob, name.ptr, name.len);
	hs_outbuf_puts(ob, "\" d=\"M");
	for (size_t i = 0; i < n; i++) {
		if (i)
			hs_outbuf_putc(ob, 'L');
		put_num(ob, sx(sc, m->snapshots[i].time, i));
		hs_outbuf_putc(ob, ',');
		put_num(ob, sy(sc, hi[i]));
	}
	for (size_t i = n; i-- > 0;) {
		hs_outbuf_putc(ob, 'L');
		put_num(ob, sx(sc, m->snapshots[i].time, i));
		hs_outbuf_putc(ob, ',');
		put_num(ob, sy(sc, lo[i]));
	}
	hs_outbuf_puts(ob, "Z\"><title>");
	hs_html_escape(ob, name.ptr, name.len);
	hs_outbuf_puts(ob, "</title></path>\n");
}

static void axes(struct hs_outbuf *ob, const struct hs_model *m, const struct scale *sc)
{
	char buf[HS_FMT_LEN];
	for (int g = 0; g <= 4; g++) {
		double b = sc->ymax * g / 4;
		double y = sy(sc, b);
		hs_outbuf_printf(
			ob,
			"<line class=\"grid\" x1=\"%.0f\" x2=\"%.0f\" y1=\"%.1f\" y2=\"%.1f\"/>",
			X0, X1, y, y);
		hs_outbuf_printf(ob, "<text class=\"ylab\" x=\"%.0f\" y=\"%.1f\">%s</text>\n",
				 X0 - 6, y + 4, hs_fmt_bytes(b, buf));
	}
	char tu[8];
	snprintf(tu, sizeof tu, "%.*s", (int)m->time_unit_raw.len, m->time_unit_raw.ptr);
	double div;
	const char *unit = hs_time_axis_unit(tu, (int64_t)sc->t1, &div);
	for (int g = 0; g <= 4; g++) {
		double t = (double)sc->t0 + (double)(sc->t1 - sc->t0) * g / 4;
		double x = X0 + (X1 - X0) * g / 4;
		hs_outbuf_printf(ob, "<text class=\"xlab\" x=\"%.1f\" y=\"%.0f\"%s>%.3g %s</text>",
				 x, Y1 + 18, g == 4 ? " style=\"text-anchor:end\"" : "", t / div,
				 unit);
	}
	hs_outbuf_puts(ob, "\n");
}

/* Appends each snapshot's hit area, tooltip and dot. */
static void snapshots(struct hs_outbuf *ob, const struct hs_model *m, const struct scale *sc)
{
	size_t n = m->n_snapshots;
	char buf[HS_FMT_LEN];
	for (size_t i = 0; i < n; i++) {
		const struct hs_snapshot *s = &m->snapshots[i];
		double x = sx(sc, s->time, i);
		double xl = i ? (x + sx(sc, m->snapshots[i - 1].time, i - 1)) / 2 : x - 4;
		double xr = i + 1 < n ? (x + sx(sc, m->snapshots[i + 1].time, i + 1)) / 2 : x + 4;
		if (xr - xl < 1) {
			xl = x - 0.5;
			xr = x + 0.5;
		}
		bool det = hs_snapshot_is_detailed(s);
		hs_outbuf_printf(
			ob,
			"<g class=\"snap%s\" data-i=\"%zu\"><rect class=\"hit\" x=\"%.1f\" "
			"y=\"%.0f\" width=\"%.1f\" height=\"%.0f\"/>",
			det ? " det" : "", i, xl, Y0, xr - xl, Y1 - Y0);
		if (det)
			hs_outbuf_printf(
				ob, "<circle class=\"dot\" cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\"/>", x,
				sy(sc, (double)s->total_bytes));
		hs_outbuf_printf(
			ob, "<title>snapshot %" PRIu64 "%s, time %" PRIu64 ": %s</title></g>\n",
			s->num, det ? " (tree)" : "", s->time,
			hs_fmt_bytes((double)s->total_bytes, buf));
	}
}

int hs_chart_render(const struct hs_model *m, const struct hs_chart_marks *marks,
		    struct hs_outbuf *ob)
{
	size_t n = m->n_snapshots;
	struct site_set set = { 0 };
	int rc = -1;
	double *v = NULL, *lo = NULL, *hi = NULL;

	for (size_t i = 0; i < n; i++) {
		const struct hs_snapshot *s = &m->snapshots[i];
		if (!hs_snapshot_is_detailed(s))
			continue;
		const struct hs_node *root = hs_snapshot_root(m, s);
		const struct hs_node *c = root + 1;
		for (uint32_t q = 0; q < root->n_children; q++, c = hs_node_next_sibling(c)) {
			if (hs_node_is_aggregate(c))
				continue;
			size_t j = site_find(&set, hs_html_frame_name(c), true);
			if (j == SIZE_MAX)
				goto out;
			/* One name can appear twice in a tree (two addresses):
			 * the sum is what the band shows, but the largest
			 * single node orders well enough. */
			if (c->bytes > set.v[j].max_B)
				set.v[j].max_B = c->bytes;
		}
	}
	if (set.n)
		qsort(set.v, set.n, sizeof *set.v, by_max);
	size_t k = set.n < HS_CHART_SITES ? set.n : HS_CHART_SITES;
	/* Re-index the kept sites only, so lookups of the rest miss. */
	struct site_set top = { 0 };
	for (size_t j = 0; j < k; j++)
		if (site_find(&top, set.v[j].key, true) == SIZE_MAX)
			goto out_top;

	v = calloc(n * (k ? k : 1), sizeof *v);
	lo = calloc(n, sizeof *lo);
	hi = calloc(n, sizeof *hi);
	if (!v || !lo || !hi)
		goto out_top;
	fill_values(m, &top, k, v);

	struct scale sc = { .t0 = m->snapshots[0].time, .t1 = m->snapshots[n - 1].time, .n = n };
	for (size_t i = 0; i < n; i++)
		if ((double)m->snapshots[i].total_bytes > sc.ymax)
			sc.ymax = (double)m->snapshots[i].total_bytes;
	bool rss_line = false;
	for (size_t i = 0; i < marks->n_rss; i++) {
		const struct hs_series_point *q = &marks->rss[i];
		if (!rss_shown(&sc, q))
			continue;
		rss_line = true;
		if ((double)q->rss_B > sc.ymax)
			sc.ymax = (double)q->rss_B;
	}
	if (sc.ymax == 0)
		sc.ymax = 1;
	sc.ymax *= 1.08; /* room for the peak's label */

	hs_outbuf_printf(ob,
			 "<svg id=\"chart\" viewBox=\"0 0 %d %d\" "
			 "role=\"img\" aria-label=\"memory over time\">\n",
			 CW, CH);
	axes(ob, m, &sc);

	/* Bands bottom up; which ones hold a leak suspect. */
	bool leak_band[HS_CHART_SITES + 1] = { false };
	for (size_t l = 0; l < marks->n_lines; l++) {
		size_t j = site_find(
			&top, (struct hs_str){ marks->lines[l].key, marks->lines[l].key_len },
			false);
		leak_band[j < k ? j : HS_CHART_SITES] = true;
	}
	for (size_t j = 0; j <= k + 2; j++) {
		for (size_t i = 0; i < n; i++) {
			const struct hs_snapshot *s = &m->snapshots[i];
			lo[i] = hi[i];
			double add;
			if (j < k)
				add = v[i * k + j];
			else if (j == k) {
				double sum = 0;
				for (size_t q = 0; q < k; q++)
					sum += v[i * k + q];
				add = (double)s->heap_bytes > sum ? (double)s->heap_bytes - sum : 0;
			} else if (j == k + 1)
				add = (double)s->extra_bytes;
			else
				add = (double)s->stacks_bytes;
			hi[i] = lo[i] + add;
		}
		static const char other[] = "other heap", extra[] = "extra heap (allocator)",
				  stacks[] = "stacks";
		if (j < k)
			band(ob, m, &sc, lo, hi, leak_band[j] ? "site leak" : "site",
			     site_colours[j], set.v[j].key, (int)j);
		else if (j == k)
			band(ob, m, &sc, lo, hi, leak_band[HS_CHART_SITES] ? "other leak" : "other",
			     OTHER_COLOUR, (struct hs_str){ other, sizeof other - 1 }, (int)j);
		else if (j == k + 1)
			band(ob, m, &sc, lo, hi, "extra", EXTRA_COLOUR,
			     (struct hs_str){ extra, sizeof extra - 1 }, (int)j);
		else {
			bool any = false;
			for (size_t i = 0; i < n; i++)
				any |= m->snapshots[i].stacks_bytes > 0;
			if (any)
				band(ob, m, &sc, lo, hi, "stacks", STACKS_COLOUR,
				     (struct hs_str){ stacks, sizeof stacks - 1 }, (int)j);
		}
	}

	/* Leak suspects: their estimated bytes at each detailed snapshot. */
	for (size_t l = 0; l < marks->n_lines; l++) {
		hs_outbuf_puts(ob, "<polyline class=\"suspect\" points=\"");
		size_t d = 0;
		for (size_t i = 0; i < n; i++) {
			if (!hs_snapshot_is_detailed(&m->snapshots[i]))
				continue;
			hs_outbuf_printf(ob, "%s%.1f,%.1f", d ? " " : "",
					 sx(&sc, m->snapshots[i].time, i),
					 sy(&sc, (double)marks->lines[l].bytes[d]));
			d++;
		}
		hs_outbuf_puts(ob, "\"><title>");
		hs_html_escape(ob, marks->lines[l].title, strlen(marks->lines[l].title));
		hs_outbuf_puts(ob, "</title></polyline>\n");
	}

	if (rss_line) {
		hs_outbuf_puts(ob, "<polyline class=\"rss\" points=\"");
		bool first = true;
		for (size_t i = 0; i < marks->n_rss; i++) {
			const struct hs_series_point *q = &marks->rss[i];
			if (!rss_shown(&sc, q))
				continue;
			hs_outbuf_printf(ob, "%s%.1f,%.1f", first ? "" : " ",
					 sx(&sc, (uint64_t)q->time, 0), sy(&sc, (double)q->rss_B));
			first = false;
		}
		hs_outbuf_puts(ob, "\"><title>resident memory (RSS)</title></polyline>\n");
	}

	if (marks->peak_index < n) {
		const struct hs_snapshot *p = &m->snapshots[marks->peak_index];
		double x = sx(&sc, p->time, marks->peak_index), y = sy(&sc, (double)p->total_bytes);
		char buf[HS_FMT_LEN];
		hs_outbuf_printf(
			ob,
			"<g class=\"peak\"><line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" "
			"y2=\"%.0f\"/><circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\"/>"
			"<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">peak %s</text></g>\n",
			x, x, y, Y1, x, y, x + (x > (X0 + X1) / 2 ? -7 : 7), y - 5,
			x > (X0 + X1) / 2 ? "end" : "start",
			hs_fmt_bytes((double)p->total_bytes, buf));
	}
	snapshots(ob, m, &sc);
	hs_outbuf_puts(ob, "</svg>\n");

	/* The legend, largest site first. */
	hs_outbuf_puts(ob, "<ul class=\"legend\">\n");
	char buf[HS_FMT_LEN];
	for (size_t j = 0; j < k; j++) {
		hs_outbuf_printf(ob, "<li class=\"leg%s\" data-b=\"%zu\" data-f=\"",
				 leak_band[j] ? " leak" : "", j);
		hs_html_escape(ob, set.v[j].key.ptr, set.v[j].key.len);
		hs_outbuf_puts(ob, "\" title=\"");
		hs_html_escape(ob, set.v[j].key.ptr, set.v[j].key.len);
		hs_outbuf_printf(ob, "\"><i style=\"background:%s\"></i>", site_colours[j]);
		hs_html_escape(ob, set.v[j].key.ptr, set.v[j].key.len);
		hs_outbuf_printf(ob, " <span class=\"b\">up to %s</span>%s</li>\n",
				 hs_fmt_bytes((double)set.v[j].max_B, buf),
				 leak_band[j] ? " <span class=\"badge\">leak suspect</span>" : "");
	}
	hs_outbuf_printf(ob,
			 "<li class=\"leg%s\" data-b=\"%zu\"><i style=\"background:" OTHER_COLOUR
			 "\"></i>other heap%s</li>\n",
			 leak_band[HS_CHART_SITES] ? " leak" : "", k,
			 leak_band[HS_CHART_SITES] ? " <span class=\"badge\">leak suspect</span>"
						   : "");
	hs_outbuf_printf(ob,
			 "<li class=\"leg\" data-b=\"%zu\"><i style=\"background:" EXTRA_COLOUR
			 "\"></i>extra heap (allocator)</li>\n",
			 k + 1);
	if (marks->n_lines)
		hs_outbuf_puts(
			ob, "<li class=\"leg\"><i class=\"sus\"></i>leak suspect's bytes</li>\n");
	if (rss_line)
		hs_outbuf_puts(ob, "<li class=\"leg\"><i class=\"rss\"></i>resident memory (RSS): "
				   "all the process's memory in RAM, the heap's included</li>\n");
	hs_outbuf_puts(ob, "</ul>\n");
	rc = hs_outbuf_failed(ob) ? -1 : 0;
out_top:
	free(top.v);
	free(top.slot);
out:
	free(v);
	free(lo);
	free(hi);
	free(set.v);
	free(set.slot);
	return rc;
}
