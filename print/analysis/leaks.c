/* leaks: judging whether a byte series over time looks like a leak. */
#include "config.h"

#include "leaks.h"

#include <stdio.h>
#include <stdlib.h>

/* One row per series, the columns in struct hs_leak_rules' order.  A site
 * must gain 1% of the heap, the heap as a whole 5% (churn moves it more).
 * A site must also grow by half its own floor at the start: a site high
 * from the start that only wobbles up (churn seen in Massif's demoted
 * peaks, chosen for their high totals) is no leak.
 * No single rise may make more than 60% of the gain: a buffer doubled by
 * realloc makes 50% in its last doubling, a one-off block 100%.  The tail
 * allowances come from the two growths the rules must see: a steady leak
 * is flat at the end for one step (15% of the run covers the points judged
 * together at the end and sparse trees); a doubling buffer sits flat for up
 * to twice its previous step.  A teardown is a final fall that frees half a
 * site (a quarter of the heap: what was never freed stays) within 10% of
 * the run. */
/* clang-format off */
const struct hs_leak_rules hs_leak_rule_sets[HS_LEAK_N_SERIES] = {
	/*                share  jump  tail  steady doubling dshare end_span end_pts td_share td_span late_gain late_start growth mono */
	[HS_LEAK_SITE] = { 0.01,  0.60, 0.15, 0.5,   2.5,     0.30,  0.05,    0.02,   0.50,    0.50,   0.20,     0.85,      0.5,  0.5 },
	[HS_LEAK_HEAP] = { 0.05,  0.60, 0.15, 0.5,   2.5,     0.30,  0.05,    0.02,   0.25,    0.50,   0.20,     0.85,      0,    0 },
};
/* clang-format on */

size_t hs_leak_teardown(const int64_t *time, const uint64_t *bytes, size_t n, size_t start,
			const uint64_t *freed_heap_B, const struct hs_leak_rules *rules)
{
	if (n < 3 || start + 2 >= n)
		return n - 1;
	uint64_t max = 0;
	for (size_t i = start; i < n; i++)
		if (bytes[i] > max)
			max = bytes[i];
	uint64_t tol = max / 100;
	/* Back from the end over the final fall, small bumps (1% of the
	 * largest value: a destructor's own allocations) allowed... */
	size_t j = n - 1;
	while (j > start && bytes[j - 1] + tol >= bytes[j])
		j--;
	/* ...then the fall starts at the last point still at that stretch's
	 * top (the walk may have climbed back over steady growth). */
	uint64_t top = 0;
	for (size_t i = j; i < n; i++)
		if (bytes[i] > top)
			top = bytes[i];
	size_t k = n - 1;
	for (size_t i = j; i < n; i++)
		if (bytes[i] + tol >= top)
			k = i;
	if (k == n - 1 || k == start)
		return n - 1;
	uint64_t drop = bytes[k] - (bytes[n - 1] < bytes[k] ? bytes[n - 1] : bytes[k]);
	if ((double)drop < rules->teardown_share * (double)bytes[k])
		return n - 1;
	/* A teardown ends the run: the fall reaches its last value near the
	 * end, where a site emptied long before (its blocks freed and made
	 * again elsewhere) sits at 0 for a long stretch. */
	size_t z = n - 1;
	while (z > k && bytes[z - 1] == bytes[n - 1])
		z--;
	double run = (double)(time[n - 1] - time[start]);
	if ((double)(time[n - 1] - time[z]) > HS_LEAK_TEARDOWN_END * run)
		return n - 1;
	double took = (double)(time[n - 1] - time[k]);
	if (freed_heap_B != NULL)
		for (size_t i = k + 1; i < n; i++)
			if (freed_heap_B[i - 1] > freed_heap_B[i])
				took -= (double)(freed_heap_B[i - 1] - freed_heap_B[i]);
	if (took > rules->teardown_span * run)
		return n - 1;
	return k;
}

/* The first of the last points judged together: at least the last two,
 * and those within end_span of the run up to end_points of all points. */
static size_t end_window(const int64_t *time, size_t start, size_t cut,
			 const struct hs_leak_rules *rules)
{
	double run = (double)(time[cut] - time[start]);
	size_t max_pts = (size_t)(rules->end_points * (double)(cut - start + 1));
	if (max_pts < 2)
		max_pts = 2;
	size_t e = cut;
	while (e > start &&
	       (cut - e + 1 < 2 || (cut - (e - 1) < max_pts &&
				    (double)(time[cut] - time[e - 1]) <= rules->end_span * run)))
		e--;
	return e;
}

void hs_leak_floor(const int64_t *time, const uint64_t *bytes, size_t start, size_t cut,
		   const struct hs_leak_rules *rules, uint64_t *out)
{
	size_t e = end_window(time, start, cut, rules);
	uint64_t m = bytes[e];
	for (size_t i = e; i <= cut; i++)
		if (bytes[i] < m)
			m = bytes[i];
	for (size_t i = e; i <= cut; i++)
		out[i] = m;
	for (size_t i = e; i-- > start;)
		out[i] = bytes[i] < out[i + 1] ? bytes[i] : out[i + 1];
}

/* When the floor f first reached q of its gain g, read as rising steadily
 * between two points (sparse trees leave long gaps). */
static double reached(const int64_t *time, const uint64_t *f, size_t start, size_t end, double q,
		      double g, size_t *at)
{
	for (size_t i = start; i <= end; i++) {
		double got = (double)(f[i] - f[start]);
		if (got < q * g)
			continue;
		*at = i;
		if (i == start)
			return (double)time[i];
		double before = (double)(f[i - 1] - f[start]);
		double frac = (q * g - before) / (got - before);
		return (double)time[i - 1] + frac * (double)(time[i] - time[i - 1]);
	}
	*at = end;
	return (double)time[end];
}

void hs_leak_judge(const int64_t *time, const uint64_t *bytes, size_t n, size_t start, size_t cut,
		   uint64_t ref_B, const struct hs_leak_rules *rules, struct hs_leak_verdict *out)
{
	*out = (struct hs_leak_verdict){ .reason = HS_LEAK_TOO_SHORT, .cut = cut };
	if (n == 0 || cut >= n || start > cut)
		return;
	out->n = cut - start + 1;
	out->end_B = bytes[n - 1];
	out->teardown = cut < n - 1;
	out->start_time = time[start];
	out->end_time = time[cut];
	double run = (double)(time[cut] - time[start]);
	if (out->n < HS_LEAK_MIN_POINTS || run <= 0)
		return;

	uint64_t *f = malloc(n * sizeof *f);
	if (f == NULL) {
		fputs("heapsnap-print: out of memory\n", stderr);
		exit(1);
	}
	hs_leak_floor(time, bytes, start, cut, rules, f);
	size_t e = end_window(time, start, cut, rules);
	out->first_B = f[start];
	out->last_B = f[cut];
	out->gain_B = (int64_t)f[cut] - (int64_t)f[start];
	double g = (double)out->gain_B;
	/* A rise's share of the gain beyond what steady growth over its
	 * interval would give: a one-off block is nearly all of it, a gap
	 * between two sparse trees little. */
	double max_jump = 0;
	for (size_t i = start; i <= cut; i++) {
		if (bytes[i] > out->high_B)
			out->high_B = bytes[i];
		if (i > start && f[i] > f[i - 1]) {
			out->rises++;
			double share = (double)(f[i] - f[i - 1]) / g -
				       (double)(time[i] - time[i - 1]) / run;
			if (share > max_jump)
				max_jump = share;
		}
	}
	if (out->gain_B <= 0) {
		out->reason = HS_LEAK_FLAT;
		free(f);
		return;
	}
	out->max_jump = max_jump;

	size_t i05, i40, i95;
	double t05 = reached(time, f, start, e, 0.05, g, &i05);
	double t40 = reached(time, f, start, e, 0.40, g, &i40);
	double t95 = reached(time, f, start, e, 0.95, g, &i95);
	out->t05 = (int64_t)t05;
	out->t40 = (int64_t)t40;
	out->t95 = (int64_t)t95;
	/* The tail runs to the points judged together at the end. */
	out->tail = ((double)time[e] - t95) / run;
	if (out->tail < 0)
		out->tail = 0;
	double last_jump = i95 > start ? (double)(f[i95] - f[i95 - 1]) / g : 1;
	bool doubling = last_jump >= rules->doubling_share;
	out->allowance = (doubling ? rules->tail_doubling : rules->tail_steady) * (t95 - t40) / run;
	if (out->allowance < rules->tail_base)
		out->allowance = rules->tail_base;
	/* The floor's gain over the second half of the run. */
	double mid = (double)time[start] + run / 2;
	size_t m = start;
	while (m < cut && (double)time[m + 1] <= mid)
		m++;
	out->late_share = (double)(f[cut] - f[m]) / g;
	out->grows_late = (t40 - (double)time[start]) / run;

	/* Confidence: many rises, none dominant, still rising at the end, and
	 * the bytes staying near their floor (a leak with no churn on top). */
	size_t near = 0;
	for (size_t i = start; i <= cut; i++)
		if ((double)(bytes[i] - f[i]) <= 0.1 * g)
			near++;
	double c_rises = out->rises >= 5 ? 1 : out->rises / 5.0;
	double c_jump = (1 - out->max_jump) / 0.5;
	double c_tail = 1 - 0.5 * out->tail / out->allowance;
	double c_near = (double)near / (double)out->n;
	/* The monotone fraction: how much of its growth the series spends near
	 * its floor.  Churn's floor rises near the end only because fewer
	 * values are left to be low; its bytes swing far above it. */
	size_t mono = 0;
	for (size_t i = i05; i <= e; i++)
		if ((double)(bytes[i] - f[i]) <= 0.2 * g)
			mono++;
	out->monotone = (double)mono / (double)(e - i05 + 1);
	/* A leak was never as high before it grew: a series of levels up and
	 * down (a buffer sized to each request) reached its end level early. */
	for (size_t i = start; i <= i40; i++)
		if (bytes[i] > out->early_high_B)
			out->early_high_B = bytes[i];
	out->confidence = c_rises *
			  (c_jump > 1   ? 1
			   : c_jump < 0 ? 0
					: c_jump) *
			  (c_tail < 0 ? 0 : c_tail) * (0.5 + 0.5 * c_near);
	free(f);

	if (g < rules->min_share * (double)ref_B || g < rules->min_growth * (double)out->first_B)
		out->reason = HS_LEAK_SMALL;
	else if (out->max_jump > rules->max_jump_share)
		out->reason = HS_LEAK_ONE_STEP;
	else if (out->monotone < rules->min_monotone ||
		 (double)out->early_high_B > HS_LEAK_EARLY_HIGH * (double)out->last_B)
		out->reason = HS_LEAK_SWINGS;
	else if (out->grows_late > rules->late_start)
		out->reason = HS_LEAK_LATE;
	else if (out->tail > out->allowance ||
		 (!doubling && out->late_share < rules->late_gain_share))
		out->reason = HS_LEAK_STOPPED;
	else
		out->reason = HS_LEAK_SUSPECT;
}

bool hs_leak_staircase(const uint64_t *low_B, size_t k, uint64_t ref_B, unsigned *rises)
{
	*rises = 0;
	size_t last = 0;
	for (size_t j = 1; j < k; j++)
		if (low_B[j] > low_B[j - 1] &&
		    (double)(low_B[j] - low_B[j - 1]) >= HS_LEAK_STAIR_STEP * (double)ref_B) {
			++*rises;
			last = j;
		}
	return k >= 3 && 2 * *rises >= k - 1 && last + 3 >= k &&
	       (double)(low_B[k - 1] - low_B[0]) >= HS_LEAK_STAIR_GAIN * (double)ref_B;
}

size_t hs_leak_low_points(const int64_t *time, const uint64_t *total_B, size_t n, int64_t *low_time,
			  uint64_t *low_B)
{
	if (n == 0)
		return 0;
	int64_t start = time[0], end = time[n - 1];
	double span = (double)(end - start);
	bool seen[HS_LEAK_WINDOWS] = { false };
	int64_t wt[HS_LEAK_WINDOWS];
	uint64_t wb[HS_LEAK_WINDOWS];
	for (size_t i = 0; i < n; i++) {
		size_t w = 0;
		if (span > 0) {
			double f = (double)(time[i] - start) / span;
			/* Times never go back in a valid file; clamp if they do. */
			w = f <= 0 ? 0 : (size_t)(f * HS_LEAK_WINDOWS);
			if (w >= HS_LEAK_WINDOWS)
				w = HS_LEAK_WINDOWS - 1; /* the last snapshot itself */
		}
		if (!seen[w] || total_B[i] < wb[w]) {
			seen[w] = true;
			wb[w] = total_B[i];
			wt[w] = time[i];
		}
	}
	size_t k = 0;
	for (size_t w = 0; w < HS_LEAK_WINDOWS; w++)
		if (seen[w]) {
			low_time[k] = wt[w];
			low_B[k++] = wb[w];
		}
	/* The floor from each slice on: later dips pull earlier slices down. */
	for (size_t j = k - 1; j-- > 0;)
		if (low_B[j + 1] < low_B[j])
			low_B[j] = low_B[j + 1];
	return k;
}

void hs_sparkline(const uint64_t *bytes, size_t n, size_t width, char *out)
{
	static const char levels[] = "_.-=*#";
	size_t cols = n < width ? n : width;
	uint64_t max = 0;
	for (size_t i = 0; i < n; i++)
		if (bytes[i] > max)
			max = bytes[i];
	for (size_t c = 0; c < cols; c++) {
		/* The last value of slice c: the state the slice ends in. */
		size_t i = (c + 1) * n / cols - 1;
		/* Round up, so any live byte shows above the floor. */
		size_t lvl = 0;
		if (max > 0)
			lvl = (size_t)(((unsigned __int128)bytes[i] * 5 + max - 1) / max);
		out[c] = levels[lvl];
	}
	out[cols] = '\0';
}

const char *hs_leak_reason_text(enum hs_leak_reason reason)
{
	switch (reason) {
	case HS_LEAK_SUSPECT:
		return "its floor rises through the run";
	case HS_LEAK_TOO_SHORT:
		return "too few points";
	case HS_LEAK_FLAT:
		return "its floor does not rise";
	case HS_LEAK_ONE_STEP:
		return "most of its growth is one rise";
	case HS_LEAK_STOPPED:
		return "it stopped growing";
	case HS_LEAK_SMALL:
		return "it gains too little of the heap";
	case HS_LEAK_UNCLEAR:
		return "its floor rises, but too unclearly (few rises, or far below its bytes)";
	case HS_LEAK_SWINGS:
		return "its bytes swing far above its floor (churn), or were as high before";
	case HS_LEAK_LATE:
		return "it rises only at the very end";
	}
	return "?";
}
