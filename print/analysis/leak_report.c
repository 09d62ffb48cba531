/* leak_report: the "Leak suspects" section of heapsnap-print --leaks. */
#include "config.h"

#include "leak_report.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "numfmt.h"
#include "leaks.h"

struct suspect {
	size_t site;
	struct hs_leak_verdict v;
};

void hs_site_series(const struct hs_run *run, const struct hs_site *site, uint64_t *est)
{
	bool seen = false;
	uint64_t prev = 0;
	for (size_t d = 0; d < run->n_detailed; d++) {
		uint64_t b = site->bytes[d];
		if (b != HS_BYTES_UNKNOWN) {
			seen = true;
		} else if (!seen) {
			b = 0;
		} else {
			uint64_t bound = run->snaps[run->detailed[d]].aggregate_max_B;
			b = prev < bound ? prev : bound;
		}
		est[d] = prev = b;
	}
}

/* From when a site may have grown unseen before it first shows: the start
 * of the last stretch of snapshots, before its first known one, whose
 * trees have an aggregate that could hold it.  INT64_MAX if none. */
static int64_t hidden_since(const struct hs_run *run, const struct hs_site *site, int64_t run_start)
{
	int64_t since = INT64_MAX;
	for (size_t d = 0; d < run->n_detailed && site->bytes[d] == HS_BYTES_UNKNOWN; d++) {
		const struct hs_snap *snap = &run->snaps[run->detailed[d]];
		if (snap->time < run_start)
			continue;
		if (snap->aggregate_max_B == 0)
			since = INT64_MAX;
		else if (since == INT64_MAX)
			since = snap->time;
	}
	return since;
}

/* Bigger gain first; then by path, so the order never depends on the file. */
static int by_gain(const void *a, const void *b)
{
	const struct suspect *x = a, *y = b;
	if (x->v.gain_B != y->v.gain_B)
		return x->v.gain_B > y->v.gain_B ? -1 : 1;
	return x->site < y->site ? -1 : x->site > y->site;
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

/* Write the heap's floor trend, from the run's start; true for a staircase. */
static bool report_heap_trend(struct hs_outbuf *out, const struct hs_run *run, size_t start)
{
	size_t n = run->n_snaps - start;
	int64_t *time = malloc(n * sizeof *time);
	uint64_t *total = malloc(n * sizeof *total);
	if (time == NULL || total == NULL) {
		fputs("heapsnap-print: out of memory\n", stderr);
		exit(1);
	}
	for (size_t i = 0; i < n; i++) {
		time[i] = run->snaps[start + i].time;
		total[i] = hs_snap_total_B(&run->snaps[start + i]);
	}
	int64_t low_time[HS_LEAK_WINDOWS];
	uint64_t low_B[HS_LEAK_WINDOWS];
	size_t k = hs_leak_low_points(time, total, n, low_time, low_B);
	struct hs_leak_verdict v;
	hs_leak_judge(low_time, low_B, k, time[0], time[n - 1], total[n - 1], INT64_MAX,
		      &hs_leak_rule_sets[HS_LEAK_HEAP_FLOOR], &v);
	char a[HS_FMT_LEN], b[HS_FMT_LEN], spark[HS_LEAK_WINDOWS + 1];
	hs_sparkline(low_B, k, HS_LEAK_WINDOWS, spark);
	hs_outbuf_printf(out, "Heap floor over %zu slice%s of the run: %s -> %s |%s|\n", k,
			 k == 1 ? "" : "s", hs_fmt_bytes((double)v.first_B, a),
			 hs_fmt_bytes((double)v.last_B, b), spark);
	if (v.reason == HS_LEAK_SUSPECT)
		hs_outbuf_printf(out, "  It rises in %u of %zu slices: the staircase of a leak.\n",
				 v.steps, k - 1);
	else
		hs_outbuf_printf(out, "  No staircase: %s.\n", hs_leak_reason_text(v.reason));
	free(time);
	free(total);
	return v.reason == HS_LEAK_SUSPECT;
}

/* Write one suspect: call path, figures, sparkline. */
static void report_suspect(struct hs_outbuf *out, const struct hs_run *run, int64_t run_start,
			   size_t rank, const struct suspect *s, const uint64_t *est,
			   uint64_t final_heap_B)
{
	const char *path = run->sites[s->site].path;
	const char *nl = strchr(path, '\n');
	hs_outbuf_printf(out, "%zu. %.*s\n", rank, (int)(nl ? nl - path : (ptrdiff_t)strlen(path)),
			 path);
	while (nl != NULL) {
		const char *frame = nl + 1;
		nl = strchr(frame, '\n');
		hs_outbuf_printf(out, "     called from %.*s\n",
				 (int)(nl ? nl - frame : (ptrdiff_t)strlen(frame)), frame);
	}

	char g[HS_FMT_LEN], f[HS_FMT_LEN], l[HS_FMT_LEN], rate[HS_FMT_LEN];
	hs_outbuf_printf(out,
			 "   gained %s B: %s B at the first detailed snapshot, %s B at the last\n",
			 hs_fmt_grouped(s->v.gain_B, g), hs_fmt_grouped((int64_t)s->v.first_B, f),
			 hs_fmt_grouped((int64_t)s->v.last_B, l));

	/* The rate is over the same points as the gain: from the run's start. */
	int64_t first_time = run->snaps[run->detailed[run->n_detailed - 1]].time;
	for (size_t d = run->n_detailed; d-- > 0;)
		if (run->snaps[run->detailed[d]].time >= run_start)
			first_time = run->snaps[run->detailed[d]].time;
	const struct hs_snap *last = &run->snaps[run->detailed[run->n_detailed - 1]];
	double divisor;
	const char *unit =
		hs_time_axis_unit(run->time_unit, run->snaps[run->n_snaps - 1].time, &divisor);
	double span = (double)(last->time - first_time) / divisor;
	double share = final_heap_B ? 100.0 * (double)s->v.last_B / (double)final_heap_B : 0;
	hs_outbuf_printf(out, "   growth %s per %s, %u steps, %.2f%% of the final heap\n",
			 span > 0 ? hs_fmt_bytes((double)s->v.gain_B / span, rate) : "?", unit,
			 s->v.steps, share);

	char spark[HS_SPARK_WIDTH + 1];
	hs_sparkline(est, run->n_detailed, HS_SPARK_WIDTH, spark);
	hs_outbuf_printf(out, "   bytes |%s|\n", spark);
}

size_t hs_leak_report(struct hs_outbuf *out, const struct hs_run *run)
{
	hs_outbuf_putc(out, '\n');
	hs_outbuf_fill(out, '-', 80);
	hs_outbuf_puts(out, "\nLeak suspects\n");
	hs_outbuf_fill(out, '-', 80);
	hs_outbuf_putc(out, '\n');

	double divisor;
	int64_t end = run->snaps[run->n_snaps - 1].time;
	const char *unit = hs_time_axis_unit(run->time_unit, end, &divisor);
	if (divisor == 1)
		hs_outbuf_printf(out, "%zu snapshots, %zu detailed, time 0 to %" PRId64 " %s.\n",
				 run->n_snaps, run->n_detailed, end, unit);
	else
		hs_outbuf_printf(out, "%zu snapshots, %zu detailed, time 0 to %.2f %s.\n",
				 run->n_snaps, run->n_detailed, (double)end / divisor, unit);
	size_t start = run_start_index(run);
	bool staircase = report_heap_trend(out, run, start);
	hs_outbuf_putc(out, '\n');

	if (run->n_detailed < HS_LEAK_MIN_DETAILED) {
		hs_outbuf_printf(
			out,
			"Too few detailed snapshots to judge allocation sites (%zu, need %d).\n"
			"Record with --detailed-freq=1 (heapsnap, or valgrind --tool=massif)\n"
			"to get a tree in every snapshot.\n",
			run->n_detailed, HS_LEAK_MIN_DETAILED);
		return 0;
	}

	size_t nd = run->n_detailed;
	int64_t *time = malloc(nd * sizeof *time);
	uint64_t *est = malloc(nd * sizeof *est);
	struct suspect *sus = malloc((run->n_sites + 1) * sizeof *sus);
	if (time == NULL || est == NULL || sus == NULL) {
		fputs("heapsnap-print: out of memory\n", stderr);
		exit(1);
	}
	for (size_t d = 0; d < nd; d++)
		time[d] = run->snaps[run->detailed[d]].time;
	uint64_t final_heap_B = run->snaps[run->detailed[nd - 1]].heap_B;
	size_t n_sus = 0;
	for (size_t s = 0; s < run->n_sites; s++) {
		hs_site_series(run, &run->sites[s], est);
		struct hs_leak_verdict v;
		hs_leak_judge(time, est, nd, run->snaps[start].time, end, final_heap_B,
			      hidden_since(run, &run->sites[s], run->snaps[start].time),
			      &hs_leak_rule_sets[HS_LEAK_SITE], &v);
		if (v.reason == HS_LEAK_SUSPECT)
			sus[n_sus++] = (struct suspect){ .site = s, .v = v };
	}
	qsort(sus, n_sus, sizeof *sus, by_gain);

	if (n_sus == 0)
		hs_outbuf_puts(out,
			       "No leak suspects: no allocation site rose in steps over the run\n"
			       "without falling back.\n");
	if (n_sus == 0 && staircase)
		hs_outbuf_puts(
			out,
			"Yet the heap's floor rises: the leak is spread over many sites, or\n"
			"hidden in Massif's below-threshold aggregates (try a lower --threshold\n"
			"when recording).\n");
	for (size_t i = 0; i < n_sus; i++) {
		hs_site_series(run, &run->sites[sus[i].site], est);
		if (i > 0)
			hs_outbuf_putc(out, '\n');
		report_suspect(out, run, run->snaps[start].time, i + 1, &sus[i], est, final_heap_B);
	}
	free(sus);
	free(est);
	free(time);
	return n_sus;
}

/* The judging of hs_leak_report, keeping the suspects as data. */
long hs_leak_suspects(const struct hs_run *run, struct hs_leak_suspect **out)
{
	*out = NULL;
	size_t nd = run->n_detailed;
	if (nd < HS_LEAK_MIN_DETAILED || run->n_sites == 0)
		return 0;
	int64_t *time = malloc(nd * sizeof *time);
	uint64_t *est = malloc(nd * sizeof *est);
	struct suspect *sus = malloc(run->n_sites * sizeof *sus);
	struct hs_leak_suspect *res = NULL;
	long n_res = -1;
	if (time == NULL || est == NULL || sus == NULL)
		goto out;
	for (size_t d = 0; d < nd; d++)
		time[d] = run->snaps[run->detailed[d]].time;
	size_t start = run_start_index(run);
	int64_t end = run->snaps[run->n_snaps - 1].time;
	uint64_t final_heap_B = run->snaps[run->detailed[nd - 1]].heap_B;
	size_t n_sus = 0;
	for (size_t s = 0; s < run->n_sites; s++) {
		hs_site_series(run, &run->sites[s], est);
		struct hs_leak_verdict v;
		hs_leak_judge(time, est, nd, run->snaps[start].time, end, final_heap_B,
			      hidden_since(run, &run->sites[s], run->snaps[start].time),
			      &hs_leak_rule_sets[HS_LEAK_SITE], &v);
		if (v.reason == HS_LEAK_SUSPECT)
			sus[n_sus++] = (struct suspect){ .site = s, .v = v };
	}
	qsort(sus, n_sus, sizeof *sus, by_gain);
	n_res = 0;
	if (n_sus == 0)
		goto out;
	res = calloc(n_sus, sizeof *res);
	if (res == NULL) {
		n_res = -1;
		goto out;
	}
	for (size_t i = 0; i < n_sus; i++) {
		const struct hs_site *site = &run->sites[sus[i].site];
		res[i] = (struct hs_leak_suspect){ .site = sus[i].site,
						   .shown = site->path,
						   .est = malloc(nd * sizeof *res[i].est),
						   .first_B = sus[i].v.first_B,
						   .last_B = sus[i].v.last_B };
		if (res[i].est == NULL) {
			hs_leak_suspects_free(res, (long)n_sus);
			res = NULL;
			n_res = -1;
			goto out;
		}
		hs_site_series(run, site, res[i].est);
	}
	n_res = (long)n_sus;
	*out = res;
out:
	free(sus);
	free(est);
	free(time);
	return n_res;
}

void hs_leak_suspects_free(struct hs_leak_suspect *sus, long n)
{
	for (long i = 0; sus != NULL && i < n; i++)
		free(sus[i].est);
	free(sus);
}
