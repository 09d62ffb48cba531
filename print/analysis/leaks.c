/* leaks: judging whether a byte series over time looks like a leak. */
#include "config.h"

#include "leaks.h"

/* One row per series, the columns in struct hs_leak_rules' order.  A leak
 * is still growing when the run ends (a cache has gone flat: late_start,
 * late_gain_share), and leaked memory never comes back (10% of fall allows
 * for a site whose bytes move a little, e.g. a realloc'ed buffer that is
 * also trimmed).  The heap's floor never falls (it is a minimum to the
 * end), so its rules ask more of its rises: most slices must raise it,
 * each by 1% of the final heap at least, so churn's noise does not read as
 * a staircase. */
/* clang-format off */
const struct hs_leak_rules hs_leak_rule_sets[HS_LEAK_N_SERIES] = {
	/*                      steps                spread  late       late_gain  fall   share  step_share */
	[HS_LEAK_SITE]       = { 3,                   0.5,    2.0 / 3.0, 0.25,      0.10,  0.01,  0 },
	[HS_LEAK_HEAP_FLOOR] = { HS_LEAK_WINDOWS / 2, 0.5,    2.0 / 3.0, 0.25,      0.10,  0.05,  0.01 },
};
/* clang-format on */

void hs_leak_judge(const int64_t *time, const uint64_t *bytes, size_t n, int64_t run_start,
		   int64_t run_end, uint64_t final_heap_B, int64_t hidden_since,
		   const struct hs_leak_rules *rules, struct hs_leak_verdict *out)
{
	*out = (struct hs_leak_verdict){ .reason = HS_LEAK_TOO_SHORT };
	while (n > 0 && time[0] < run_start) {
		time++;
		bytes++;
		n--;
	}
	if (n < 2)
		return;
	out->first_B = bytes[0];
	out->last_B = bytes[n - 1];
	out->gain_B = (int64_t)bytes[n - 1] - (int64_t)bytes[0];

	double run = (double)(run_end - run_start);
	double mid = (double)run_start + run / 2;
	double min_step = rules->min_step_share * (double)final_heap_B;
	uint64_t high = bytes[0];
	out->mid_B = bytes[0];
	for (size_t i = 1; i < n; i++) {
		if ((double)time[i] <= mid)
			out->mid_B = bytes[i];
		if (bytes[i] > bytes[i - 1] && (double)(bytes[i] - bytes[i - 1]) >= min_step) {
			if (out->steps == 0)
				out->first_rise_time = time[i];
			out->last_rise_time = time[i];
			out->steps++;
		}
		if (bytes[i] > high)
			high = bytes[i];
		else if (high > 0) {
			double fall = (double)(high - bytes[i]) / (double)high;
			if (fall > out->worst_fall)
				out->worst_fall = fall;
		}
	}

	if (out->steps > 0 && hidden_since < out->first_rise_time)
		out->first_rise_time = hidden_since < run_start ? run_start : hidden_since;

	if (out->steps < rules->min_steps)
		out->reason = HS_LEAK_FEW_STEPS;
	else if (out->worst_fall > rules->fall_tolerance)
		out->reason = HS_LEAK_FALLS;
	else if ((double)(out->last_rise_time - out->first_rise_time) < rules->min_spread * run)
		out->reason = HS_LEAK_NARROW;
	else if ((double)(out->last_rise_time - run_start) < rules->late_start * run)
		out->reason = HS_LEAK_PLATEAU;
	else if ((double)out->last_B - (double)out->mid_B <
		 rules->late_gain_share * (double)out->gain_B)
		out->reason = HS_LEAK_EARLY;
	else if (out->gain_B <= 0 || (double)out->gain_B < rules->min_share * (double)final_heap_B)
		out->reason = HS_LEAK_SMALL;
	else
		out->reason = HS_LEAK_SUSPECT;
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
		return "rises in steps and never falls back";
	case HS_LEAK_TOO_SHORT:
		return "too few points";
	case HS_LEAK_FEW_STEPS:
		return "too few rises";
	case HS_LEAK_FALLS:
		return "falls back";
	case HS_LEAK_NARROW:
		return "rises only in a short part of the run";
	case HS_LEAK_PLATEAU:
		return "stopped rising (plateau)";
	case HS_LEAK_EARLY:
		return "gained little in the second half of the run";
	case HS_LEAK_SMALL:
		return "gains too little of the heap";
	}
	return "?";
}
