/* leak_report: the "Leak suspects" section of heapsnap-print --leaks. */
#include "config.h"

#include "leak_report.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frames.h"
#include "leaks.h"
#include "numfmt.h"
#include "xalloc.h"

/* From when a site may have grown unseen before it first shows: the start
 * of the last stretch of snapshots, before its first known one, whose
 * trees have an aggregate that could hold it.  SIZE_MAX if none. */
static size_t hidden_since(const struct hs_run *run, const struct hs_site *site)
{
	size_t since = SIZE_MAX;
	for (size_t d = 0; d < run->n_detailed && site->bytes[d] == HS_BYTES_UNKNOWN; d++) {
		if (run->snaps[run->detailed[d]].aggregate_max_B == 0)
			since = SIZE_MAX;
		else if (since == SIZE_MAX)
			since = d;
	}
	return since;
}

void hs_site_series(const struct hs_run *run, const struct hs_site *site, uint64_t *est)
{
	bool seen = false;
	uint64_t prev = 0;
	size_t first = SIZE_MAX;
	for (size_t d = 0; d < run->n_detailed; d++) {
		uint64_t b = site->bytes[d];
		if (b != HS_BYTES_UNKNOWN) {
			if (!seen)
				first = d;
			seen = true;
		} else if (!seen) {
			b = 0;
		} else {
			uint64_t bound = run->snaps[run->detailed[d]].aggregate_max_B;
			b = prev < bound ? prev : bound;
		}
		est[d] = prev = b;
	}
	/* A site that shows up late, after hiding in an aggregate, is taken to
	 * have risen steadily since an aggregate could first have held it
	 * (never above what the aggregate held). */
	size_t since = first == SIZE_MAX ? SIZE_MAX : hidden_since(run, site);
	if (since == SIZE_MAX || since >= first)
		return;
	int64_t t0 = run->snaps[run->detailed[since]].time;
	int64_t t1 = run->snaps[run->detailed[first]].time;
	for (size_t d = since; d < first && t1 > t0; d++) {
		const struct hs_snap *snap = &run->snaps[run->detailed[d]];
		double f = (double)(snap->time - t0) / (double)(t1 - t0);
		uint64_t b = (uint64_t)(f * (double)est[first]);
		est[d] = b < snap->aggregate_max_B ? b : snap->aggregate_max_B;
	}
}

/* Where the run begins: the first snapshot holding any memory.  Massif's
 * snapshot 0 comes at start-up, which in milliseconds can be long before
 * the program's first allocation. */
static size_t run_start_index(const struct hs_run *run)
{
	for (size_t i = 0; i < run->n_snaps; i++)
		if (hs_snap_total_B(&run->snaps[i]) > 0)
			return i;
	return 0;
}

/* The axis the rules judge on: the B axis (bytes allocated and freed so
 * far) when the series file has it, whatever the file's unit: it follows
 * the program's allocations, so a verdict does not move with the load.
 * Otherwise the file's time, except wall-clock milliseconds, which move
 * with the machine's load and the recorder's own warm-up (a short run's
 * first snapshots can take most of its time): then the heap's churn seen
 * from snapshot to snapshot (the sum of its moves, up or down). */
static int64_t *judge_axis(const struct hs_run *run)
{
	int64_t *axis = hs_xmalloc(run->n_snaps * sizeof *axis);
	bool ms = strcmp(run->time_unit, "ms") == 0;
	int64_t moved = 0;
	for (size_t i = 0; i < run->n_snaps; i++) {
		if (i > 0) {
			uint64_t a = run->snaps[i - 1].heap_B, b = run->snaps[i].heap_B;
			uint64_t step = a > b ? a - b : b - a;
			/* Saturates: a crafted file's totals may be near 2^63. */
			moved = step > (uint64_t)(INT64_MAX - moved) ? INT64_MAX
								     : moved + (int64_t)step;
		}
		axis[i] = run->has_alloc ? run->snaps[i].alloc_B : ms ? moved : run->snaps[i].time;
	}
	return axis;
}

/* Whether the judged axis counts bytes (frees advance it). */
static bool axis_is_bytes(const struct hs_run *run)
{
	return run->has_alloc || strcmp(run->time_unit, "B") == 0;
}

/* Sites seen by the user: the call paths from their user frame on, so
 * wrappers' different paths to one user line are one site. */
struct group {
	const char *shown;     /* the path from the user frame on (points into a site's path) */
	size_t first_site;     /* a member, for --verbose: the one with the most bytes */
	uint64_t first_last_B; /* its bytes at the last detailed snapshot */
	uint64_t *est;         /* summed bytes at each detailed snapshot */
	struct hs_leak_verdict v;
	bool high; /* high confidence */
};

static int by_rank(const void *a, const void *b)
{
	const struct group *x = *(struct group *const *)a, *y = *(struct group *const *)b;
	if (x->high != y->high)
		return x->high ? -1 : 1;
	if (x->v.gain_B != y->v.gain_B)
		return x->v.gain_B > y->v.gain_B ? -1 : 1;
	return strcmp(x->shown, y->shown);
}

/* Print a path's frames: the first as the name, the rest as callers, up
 * to the first library frame (Rust's and C++'s runtime under main). */
static void print_path(struct hs_outbuf *out, size_t rank, const char *path)
{
	const char *nl = strchr(path, '\n');
	hs_outbuf_printf(out, "%zu. %.*s\n", rank, (int)(nl ? nl - path : (ptrdiff_t)strlen(path)),
			 path);
	while (nl != NULL) {
		const char *frame = nl + 1;
		nl = strchr(frame, '\n');
		size_t n = nl ? (size_t)(nl - frame) : strlen(frame);
		if (hs_frame_is_wrapper(frame, n)) {
			size_t more = 1;
			for (const char *p = nl; p != NULL; p = strchr(p + 1, '\n'))
				more++;
			hs_outbuf_printf(out, "     ... %zu more caller%s (--verbose shows them)\n",
					 more, more == 1 ? "" : "s");
			break;
		}
		hs_outbuf_printf(out, "     called from %.*s\n", (int)n, frame);
	}
}

/* --verbose: every frame, the wrappers folded away marked. */
static void print_whole_path(struct hs_outbuf *out, const char *path)
{
	hs_outbuf_puts(out, "   whole call path, innermost first (* allocation wrappers "
			    "folded away):\n");
	size_t user = hs_path_user_frame(path);
	for (const char *p = path; p != NULL;) {
		const char *nl = strchr(p, '\n');
		int n = (int)(nl ? nl - p : (ptrdiff_t)strlen(p));
		hs_outbuf_printf(out, "     %s %.*s\n", (size_t)(p - path) < user ? "*" : " ", n,
				 p);
		p = nl ? nl + 1 : NULL;
	}
}

static const char *time_unit_text(const struct hs_run *run, double *divisor)
{
	return hs_time_axis_unit(run->time_unit, run->snaps[run->n_snaps - 1].time, divisor);
}

static void report_suspect(struct hs_outbuf *out, const struct hs_run *run, size_t rank,
			   const struct group *g, size_t start_d, uint64_t ref_B, bool verbose)
{
	print_path(out, rank, g->shown);
	if (verbose)
		print_whole_path(out, run->sites[g->first_site].path);
	const struct hs_leak_verdict *v = &g->v;
	char a[HS_FMT_LEN], b[HS_FMT_LEN], c[HS_FMT_LEN], rate[HS_FMT_LEN];
	hs_outbuf_printf(out,
			 "   gained %s B: its floor %s B at the run's start, %s B at its end\n",
			 hs_fmt_grouped(v->gain_B, a), hs_fmt_grouped((int64_t)v->first_B, b),
			 hs_fmt_grouped((int64_t)v->last_B, c));
	double divisor;
	const char *unit = time_unit_text(run, &divisor);
	double span = (double)(run->snaps[run->detailed[v->cut]].time -
			       run->snaps[run->detailed[start_d]].time) /
		      divisor;
	double share = ref_B ? 100.0 * (double)v->last_B / (double)ref_B : 0;
	hs_outbuf_printf(out,
			 "   growth %s per %s, rising at %u of %zu points, %.2f%% of the heap;"
			 " confidence %s\n",
			 span > 0 ? hs_fmt_bytes((double)v->gain_B / span, rate) : "?", unit,
			 v->rises, v->n, share, g->high ? "high" : "medium");
	if (v->teardown && v->end_B < v->last_B)
		hs_outbuf_printf(out,
				 "   freed at exit/teardown: %s B left at the end, but it grew"
				 " without bound during the run\n",
				 hs_fmt_grouped((int64_t)v->end_B, a));
	char spark[HS_SPARK_WIDTH + 1];
	hs_sparkline(g->est + start_d, run->n_detailed - start_d, HS_SPARK_WIDTH, spark);
	hs_outbuf_printf(out, "   bytes |%s|\n", spark);
}

/* The heap as a whole, judged on every snapshot's total.  Returns its
 * verdict; *cut is the index of the last snapshot before a teardown. */
static bool report_heap(struct hs_outbuf *out, const struct hs_run *run, const int64_t *axis,
			size_t start, size_t *cut)
{
	size_t n = run->n_snaps;
	int64_t *time = hs_xmalloc(n * sizeof *time);
	uint64_t *total = hs_xmalloc(n * sizeof *total), *heap = hs_xmalloc(n * sizeof *heap);
	for (size_t i = 0; i < n; i++) {
		time[i] = axis[i];
		total[i] = hs_snap_total_B(&run->snaps[i]);
		heap[i] = run->snaps[i].heap_B;
	}
	const struct hs_leak_rules *rules = &hs_leak_rule_sets[HS_LEAK_HEAP];
	bool unit_B = axis_is_bytes(run);
	*cut = hs_leak_teardown(time, total, n, start, unit_B ? heap : NULL, rules);

	int64_t low_time[HS_LEAK_WINDOWS];
	uint64_t low_B[HS_LEAK_WINDOWS];
	size_t k =
		hs_leak_low_points(time + start, total + start, *cut - start + 1, low_time, low_B);
	char a[HS_FMT_LEN], b[HS_FMT_LEN], spark[HS_LEAK_WINDOWS + 1];
	hs_sparkline(low_B, k, HS_LEAK_WINDOWS, spark);
	hs_outbuf_printf(out, "Heap floor over %zu slice%s of the run%s: %s -> %s |%s|\n", k,
			 k == 1 ? "" : "s", *cut < n - 1 ? " before its teardown" : "",
			 hs_fmt_bytes((double)low_B[0], a), hs_fmt_bytes((double)low_B[k - 1], b),
			 spark);
	if (*cut < n - 1)
		hs_outbuf_printf(out, "  At the end the heap falls from %s to %s: a teardown.\n",
				 hs_fmt_bytes((double)total[*cut], a),
				 hs_fmt_bytes((double)total[n - 1], b));
	unsigned rises;
	bool stair = hs_leak_staircase(low_B, k, total[*cut], &rises);
	if (stair)
		hs_outbuf_printf(out, "  It rises in %u of %zu slices: the staircase of a leak.\n",
				 rises, k - 1);
	else
		hs_outbuf_printf(out, "  No staircase: it rises in %u of %zu slices.\n", rises,
				 k ? k - 1 : 0);
	free(time);
	free(total);
	free(heap);
	return stair;
}

/* The section for run into out; with keep, the suspects as data too
 * (*keep, *n_keep: NULL and 0 when none, *n_keep -1 when memory runs out). */
static size_t report(struct hs_outbuf *out, const struct hs_run *run, bool verbose,
		     struct hs_leak_suspect **keep, long *n_keep)
{
	if (keep != NULL) {
		*keep = NULL;
		*n_keep = 0;
	}
	hs_outbuf_putc(out, '\n');
	hs_outbuf_fill(out, '-', 80);
	hs_outbuf_puts(out, "\nLeak suspects\n");
	hs_outbuf_fill(out, '-', 80);
	hs_outbuf_putc(out, '\n');

	double divisor;
	int64_t end = run->snaps[run->n_snaps - 1].time;
	const char *unit = hs_time_axis_unit(run->time_unit, end, &divisor);
	char endtext[64];
	if (divisor == 1)
		snprintf(endtext, sizeof endtext, "%" PRId64 " %s", end, unit);
	else
		snprintf(endtext, sizeof endtext, "%.2f %s", (double)end / divisor, unit);
	if (run->dense)
		hs_outbuf_printf(out,
				 "%zu snapshots, every one with per-site bytes (from the series"
				 " file), time 0 to %s.\n",
				 run->n_snaps, endtext);
	else
		hs_outbuf_printf(out, "%zu snapshots, %zu detailed, time 0 to %s.\n", run->n_snaps,
				 run->n_detailed, endtext);
	if (run->sample_B > 0) {
		char s[HS_FMT_LEN];
		hs_outbuf_printf(out,
				 "Sampled recording (one sample per %s on average): site bytes"
				 " are estimates.\n",
				 hs_fmt_bytes((double)run->sample_B, s));
	}
	size_t start = run_start_index(run), heap_cut;
	int64_t *axis = judge_axis(run);
	bool staircase = report_heap(out, run, axis, start, &heap_cut);
	hs_outbuf_putc(out, '\n');

	/* The detailed snapshots of the run, up to the heap's teardown. */
	size_t nd = run->n_detailed, start_d = 0, cut_d = 0, judged = 0;
	while (start_d < nd && run->detailed[start_d] < start)
		start_d++;
	for (size_t d = start_d; d < nd && run->detailed[d] <= heap_cut; d++) {
		cut_d = d;
		judged++;
	}
	if (judged < HS_LEAK_MIN_POINTS) {
		hs_outbuf_printf(
			out,
			"Sites cannot be judged: this file has %zu detailed snapshot%s (trees)\n"
			"in the run, and the rules need %d.  The heap as a whole is judged above,\n"
			"on all %zu snapshots.  For per-site bytes at every snapshot, record with\n"
			"heapsnap (it writes FILE.series beside the Massif file), or with\n"
			"valgrind --tool=massif --detailed-freq=1.\n",
			judged, judged == 1 ? "" : "s", HS_LEAK_MIN_POINTS, run->n_snaps - start);
		free(axis);
		return 0;
	}
	if (!run->dense && run->n_snaps - start > judged)
		hs_outbuf_printf(out,
				 "Sites are judged on the %zu detailed snapshots (trees) of the"
				 " run; Massif's\nfile has no per-site bytes in the other %zu.\n\n",
				 judged, run->n_snaps - start - judged);

	int64_t *time = hs_xmalloc(nd * sizeof *time);
	uint64_t *heap = hs_xmalloc(nd * sizeof *heap), *est = hs_xmalloc(nd * sizeof *est);
	for (size_t d = 0; d < nd; d++) {
		time[d] = axis[run->detailed[d]];
		heap[d] = run->snaps[run->detailed[d]].heap_B;
	}
	bool unit_B = axis_is_bytes(run);
	uint64_t ref_B = heap[cut_d];
	bool heap_torn = heap_cut < run->n_snaps - 1;

	/* Group sites by their path from the user frame on. */
	struct group *groups = hs_xmalloc((run->n_sites + 1) * sizeof *groups);
	size_t n_groups = 0;
	for (size_t s = 0; s < run->n_sites; s++) {
		const char *path = run->sites[s].path;
		const char *shown = path + hs_path_user_frame(path);
		hs_site_series(run, &run->sites[s], est);
		size_t g = 0;
		while (g < n_groups && strcmp(groups[g].shown, shown) != 0)
			g++;
		if (g == n_groups) {
			groups[n_groups++] = (struct group){
				.shown = shown,
				.first_site = s,
				.first_last_B = est[nd - 1],
				.est = calloc(nd, sizeof(uint64_t)),
			};
			if (groups[g].est == NULL) {
				fputs("heapsnap-print: out of memory\n", stderr);
				exit(1);
			}
		} else if (est[nd - 1] > groups[g].first_last_B) {
			groups[g].first_site = s;
			groups[g].first_last_B = est[nd - 1];
		}
		for (size_t d = 0; d < nd; d++)
			groups[g].est[d] += est[d];
	}

	const struct hs_leak_rules *rules = &hs_leak_rule_sets[HS_LEAK_SITE];
	struct group **sus = hs_xmalloc((n_groups + 1) * sizeof *sus);
	size_t n_sus = 0;
	for (size_t g = 0; g < n_groups; g++) {
		/* A site's own teardown is part of the heap's: a site that falls
		 * at the end of a run whose heap does not is judged with its fall
		 * (a buffer resized to each request's size ends anywhere). */
		size_t cut = cut_d;
		if (heap_torn) {
			size_t own = hs_leak_teardown(time, groups[g].est, nd, start_d,
						      unit_B ? heap : NULL, rules);
			double span = (double)(time[cut_d] - time[start_d]);
			if (own < cut &&
			    (double)(time[cut_d] - time[own]) <= HS_LEAK_TEARDOWN_END * span)
				cut = own;
		}
		hs_leak_judge(time, groups[g].est, nd, start_d, cut, ref_B, rules, &groups[g].v);
		groups[g].high = groups[g].v.confidence >= HS_LEAK_HIGH_CONFIDENCE;
		if (groups[g].v.reason == HS_LEAK_SUSPECT &&
		    groups[g].v.confidence < HS_LEAK_MIN_CONFIDENCE)
			groups[g].v.reason = HS_LEAK_UNCLEAR;
		if (groups[g].v.reason == HS_LEAK_SUSPECT)
			sus[n_sus++] = &groups[g];
	}
	qsort(sus, n_sus, sizeof *sus, by_rank);

	if (n_sus == 0)
		hs_outbuf_puts(out, "No leak suspects: no allocation site's floor rose through the"
				    " run.\n");
	if (n_sus == 0 && staircase)
		hs_outbuf_puts(
			out,
			"Yet the heap's floor rises: the leak is spread over many sites, or\n"
			"hidden in Massif's below-threshold aggregates (try a lower --threshold\n"
			"when recording).\n");
	for (size_t i = 0; i < n_sus; i++) {
		if (i > 0)
			hs_outbuf_putc(out, '\n');
		report_suspect(out, run, i + 1, sus[i], start_d, ref_B, verbose);
	}
	if (keep != NULL && n_sus > 0) {
		struct hs_leak_suspect *res = calloc(n_sus, sizeof *res);
		*n_keep = res != NULL ? (long)n_sus : -1;
		for (size_t i = 0; res != NULL && i < n_sus; i++) {
			/* The group's bytes become the suspect's (owned). */
			res[i] = (struct hs_leak_suspect){ .site = sus[i]->first_site,
							   .shown = sus[i]->shown,
							   .est = sus[i]->est,
							   .first_B = sus[i]->v.first_B,
							   .last_B = sus[i]->v.last_B };
			sus[i]->est = NULL;
		}
		*keep = res;
	}
	for (size_t g = 0; g < n_groups; g++)
		free(groups[g].est);
	free(groups);
	free(sus);
	free(est);
	free(heap);
	free(time);
	free(axis);
	return n_sus;
}

size_t hs_leak_report(struct hs_outbuf *out, const struct hs_run *run, bool verbose)
{
	return report(out, run, verbose, NULL, NULL);
}

/* The judging of hs_leak_report, keeping the suspects as data: the same
 * code, its text thrown away, so the two never disagree. */
long hs_leak_suspects(const struct hs_run *run, struct hs_leak_suspect **out)
{
	struct hs_outbuf scratch;
	hs_outbuf_init(&scratch);
	long n;
	report(&scratch, run, false, out, &n);
	hs_outbuf_free(&scratch);
	return n;
}

void hs_leak_suspects_free(struct hs_leak_suspect *sus, long n)
{
	for (long i = 0; sus != NULL && i < n; i++)
		free(sus[i].est);
	free(sus);
}
