/* diff: heapsnap-print --diff OLD NEW, two runs of one program compared. */
#include "config.h"

#include "diff.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "numfmt.h"

struct change {
	const char *path;
	uint64_t old_B, new_B;
	uint64_t old_bound_B, new_bound_B; /* > 0: missing, below this aggregate */
	int64_t delta_B;
};

/* Largest change first, either sign; then by path for a stable order. */
static int by_change(const void *a, const void *b)
{
	const struct change *x = a, *y = b;
	uint64_t mx = x->delta_B < 0 ? (uint64_t)-x->delta_B : (uint64_t)x->delta_B;
	uint64_t my = y->delta_B < 0 ? (uint64_t)-y->delta_B : (uint64_t)y->delta_B;
	if (mx != my)
		return mx > my ? -1 : 1;
	return strcmp(x->path, y->path);
}

/* A site's bytes in one detailed snapshot, 0 when the tree does not show
 * it; then *bound is the largest below-threshold aggregate, which may hold
 * the site's bytes (0 if the tree has none). */
static uint64_t bytes_at(const struct hs_run *run, const struct hs_site *s, size_t d,
			 uint64_t *bound)
{
	*bound = 0;
	if (s == NULL || s->bytes[d] == HS_BYTES_UNKNOWN) {
		*bound = run->snaps[run->detailed[d]].aggregate_max_B;
		return 0;
	}
	return s->bytes[d];
}

/* "1,234", or "<=636" for a site folded into an aggregate. */
static char *cell(uint64_t bytes, uint64_t bound, char *buf)
{
	if (bound == 0)
		return hs_fmt_grouped((int64_t)bytes, buf);
	buf[0] = '<';
	buf[1] = '=';
	hs_fmt_grouped((int64_t)bound, buf + 2);
	return buf;
}

/* "+1,234", "-56" or "0". */
static char *signed_grouped(int64_t v, char *buf)
{
	buf[0] = '+';
	hs_fmt_grouped(v, v > 0 ? buf + 1 : buf);
	return buf;
}

/* One "name: old -> new (+delta)" line. */
static void total_line(struct hs_outbuf *out, const char *name, uint64_t old_B, uint64_t new_B)
{
	char o[HS_FMT_LEN], n[HS_FMT_LEN], d[HS_FMT_LEN];
	int64_t delta = (int64_t)new_B - (int64_t)old_B;
	hs_outbuf_printf(out, "%-12s %14s B -> %14s B  %s B", name,
			 hs_fmt_grouped((int64_t)old_B, o), hs_fmt_grouped((int64_t)new_B, n),
			 signed_grouped(delta, d));
	if (old_B > 0)
		hs_outbuf_printf(out, " (%+.1f%%)", 100.0 * (double)delta / (double)old_B);
	hs_outbuf_putc(out, '\n');
}

/* Write a site path on one line: "f (a.c:1) <- main (a.c:9)". */
static void path_line(struct hs_outbuf *out, const char *path)
{
	for (const char *p = path; *p; p++) {
		if (*p == '\n')
			hs_outbuf_puts(out, " <- ");
		else
			hs_outbuf_putc(out, *p);
	}
}

void hs_diff_report(struct hs_outbuf *out, const struct hs_run *old_run,
		    const struct hs_run *new_run)
{
	hs_outbuf_printf(
		out,
		"--------------------------------------------------------------------------------\n"
		"Heap difference\n"
		"--------------------------------------------------------------------------------\n"
		"old: %s\nnew: %s\n\n",
		old_run->source, new_run->source);
	if (strcmp(old_run->time_unit, new_run->time_unit) != 0)
		hs_outbuf_printf(out,
				 "Note: the time units differ (%s, %s); totals still compare.\n\n",
				 old_run->time_unit, new_run->time_unit);

	const struct hs_snap *op = &old_run->snaps[hs_run_max_total_index(old_run)];
	const struct hs_snap *np = &new_run->snaps[hs_run_max_total_index(new_run)];
	total_line(out, "peak total", hs_snap_total_B(op), hs_snap_total_B(np));
	total_line(out, "final total", hs_snap_total_B(&old_run->snaps[old_run->n_snaps - 1]),
		   hs_snap_total_B(&new_run->snaps[new_run->n_snaps - 1]));

	size_t od = hs_run_peak_detailed(old_run), nd = hs_run_peak_detailed(new_run);
	if (od == SIZE_MAX || nd == SIZE_MAX) {
		hs_outbuf_printf(out, "\nNo detailed snapshot in %s: sites cannot be compared.\n",
				 od == SIZE_MAX ? old_run->source : new_run->source);
		return;
	}
	total_line(out, "peak heap", old_run->snaps[old_run->detailed[od]].heap_B,
		   new_run->snaps[new_run->detailed[nd]].heap_B);

	struct change *ch = malloc((old_run->n_sites + new_run->n_sites + 1) * sizeof *ch);
	if (ch == NULL) {
		fputs("heapsnap-print: out of memory\n", stderr);
		exit(1);
	}
	size_t n = 0;
	for (size_t i = 0; i < old_run->n_sites; i++) {
		const struct hs_site *s = &old_run->sites[i];
		struct change *c = &ch[n++];
		c->path = s->path;
		c->old_B = bytes_at(old_run, s, od, &c->old_bound_B);
		c->new_B =
			bytes_at(new_run, hs_run_find_site(new_run, s->path), nd, &c->new_bound_B);
	}
	for (size_t i = 0; i < new_run->n_sites; i++) {
		const struct hs_site *t = &new_run->sites[i];
		if (hs_run_find_site(old_run, t->path) != NULL)
			continue;
		struct change *c = &ch[n++];
		c->path = t->path;
		c->old_B = bytes_at(old_run, NULL, od, &c->old_bound_B);
		c->new_B = bytes_at(new_run, t, nd, &c->new_bound_B);
	}
	size_t kept = 0;
	for (size_t i = 0; i < n; i++) {
		ch[i].delta_B = (int64_t)ch[i].new_B - (int64_t)ch[i].old_B;
		if (ch[i].delta_B != 0)
			ch[kept++] = ch[i];
	}
	qsort(ch, kept, sizeof *ch, by_change);

	hs_outbuf_printf(
		out,
		"\nSites whose bytes at the peak changed most (old peak: snapshot at time %" PRId64
		", new: %" PRId64 "):\n",
		old_run->snaps[old_run->detailed[od]].time,
		new_run->snaps[new_run->detailed[nd]].time);
	if (kept == 0)
		hs_outbuf_puts(out, "  none: every site holds the same bytes at both peaks.\n");
	for (size_t i = 0; i < kept && i < HS_DIFF_MAX_SITES; i++) {
		char o[HS_FMT_LEN], w[HS_FMT_LEN], d[HS_FMT_LEN];
		hs_outbuf_printf(out, "%14s B  %12s -> %12s  ", signed_grouped(ch[i].delta_B, d),
				 cell(ch[i].old_B, ch[i].old_bound_B, o),
				 cell(ch[i].new_B, ch[i].new_bound_B, w));
		path_line(out, ch[i].path);
		hs_outbuf_putc(out, '\n');
	}
	if (kept > 0)
		hs_outbuf_puts(out, "  (<=N: below Massif's threshold at that peak, counted as 0;\n"
				    "   N is the largest below-threshold aggregate there.)\n");
	if (kept > HS_DIFF_MAX_SITES)
		hs_outbuf_printf(out, "  ... and %zu more sites that changed less.\n",
				 kept - HS_DIFF_MAX_SITES);
	free(ch);
}
