/* leaks: judging whether a byte series over time looks like a leak.
 *
 * Pure functions over plain arrays (times and bytes), so the rules are unit
 * tested with synthetic series.  A series is a leak suspect when its bytes
 * rise in steps and never fall back: at least min_steps rises, spread over
 * at least min_spread of the run, still rising in the run's last part (after
 * late_start of it) and gaining at least late_gain_share of its growth in
 * the run's second half, no point more than fall_tolerance below the highest
 * value seen so far, and a gain of at least min_share of the final heap.
 * The second-half rule matters with sparse trees: Massif's demoted peaks
 * are chosen for a high total, so churn looks high in all of them; it
 * jumps once and then only wobbles, where a leak keeps gaining.
 * So a cache that fills then stays flat (no late rise), a sawtooth (falls),
 * and a one-off large block (one step) are not suspects.
 *
 * The whole heap is judged on its floor: for each of HS_LEAK_WINDOWS equal
 * slices of the run, the smallest total from that slice to the end.  Churn
 * comes and goes above the floor; leaked bytes raise it for good.  A floor
 * that climbs slice after slice is the staircase signature of a leak even
 * when no single site stands out, and a heap that comes back down at the
 * end has a flat floor.
 */
#ifndef HS_LEAKS_H
#define HS_LEAKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Slices of the run for the heap's low points. */
#define HS_LEAK_WINDOWS 8

/* Fewer detailed snapshots than this and sites are not judged. */
#define HS_LEAK_MIN_DETAILED 6

struct hs_leak_rules {
	unsigned min_steps;     /* rises needed */
	double min_spread;      /* first to last rise, as a fraction of the run */
	double late_start;      /* the last rise comes after this fraction of the run */
	double late_gain_share; /* gain in the run's second half, as a fraction of all */
	double fall_tolerance;  /* largest allowed fall, as a fraction of the high so far */
	double min_share;       /* gain needed, as a fraction of the final heap */
	double min_step_share;  /* a rise counts as a step from this fraction of
				   the final heap (0: any rise) */
};

/* The series heapsnap-print --leaks judges, each with its own rules. */
enum hs_leak_series {
	HS_LEAK_SITE,       /* an allocation site's bytes */
	HS_LEAK_HEAP_FLOOR, /* the heap's floor (hs_leak_low_points) */
	HS_LEAK_N_SERIES
};

/* The rules heapsnap-print --leaks uses, one set per series (documented in
 * heapsnap-print(1)). */
extern const struct hs_leak_rules hs_leak_rule_sets[HS_LEAK_N_SERIES];

/* Why a series is, or is not, a suspect. */
enum hs_leak_reason {
	HS_LEAK_SUSPECT,
	HS_LEAK_TOO_SHORT, /* fewer than two points */
	HS_LEAK_FEW_STEPS, /* fewer than min_steps rises */
	HS_LEAK_FALLS,     /* fell back by more than the tolerance */
	HS_LEAK_NARROW,    /* rises bunched in a short part of the run */
	HS_LEAK_PLATEAU,   /* stopped rising before the run's last part */
	HS_LEAK_EARLY,     /* gained little in the run's second half */
	HS_LEAK_SMALL,     /* gained too little of the final heap */
};

struct hs_leak_verdict {
	enum hs_leak_reason reason;
	uint64_t first_B; /* bytes at the first point */
	uint64_t last_B;  /* bytes at the last point */
	int64_t gain_B;   /* last - first */
	unsigned steps;   /* rises between consecutive points */
	int64_t first_rise_time, last_rise_time;
	double worst_fall; /* largest fall below the high so far, as a fraction of it */
	uint64_t mid_B;    /* bytes at the last point in the run's first half */
};

/* Judge one series of n points (time[i], bytes[i]) in a run spanning
 * run_start..run_end whose final heap is final_heap_B.  Points before
 * run_start are ignored.  hidden_since is the time from which the series
 * may have been rising unseen before its first known point (a site below
 * Massif's threshold, inside an aggregate), or INT64_MAX: the rises are
 * then taken to span from there. */
void hs_leak_judge(const int64_t *time, const uint64_t *bytes, size_t n, int64_t run_start,
		   int64_t run_end, uint64_t final_heap_B, int64_t hidden_since,
		   const struct hs_leak_rules *rules, struct hs_leak_verdict *out);

/* The heap's floor: for each of HS_LEAK_WINDOWS equal slices of the run
 * that holds a snapshot, the smallest total from that slice to the end, with
 * the time of the slice's own smallest total.  Returns how many slices held
 * a snapshot (low_time/low_B have room for HS_LEAK_WINDOWS). */
size_t hs_leak_low_points(const int64_t *time, const uint64_t *total_B, size_t n, int64_t *low_time,
			  uint64_t *low_B);

/* Fill a sparkline of width characters (plus NUL) for n values, one of
 * "_.-=*#" each, scaled to the largest value; "_" is zero, "#" the top.
 * When n > width each character shows the last value of its slice. */
void hs_sparkline(const uint64_t *bytes, size_t n, size_t width, char *out);

/* A short phrase for a reason ("falls back", ...). */
const char *hs_leak_reason_text(enum hs_leak_reason reason);

#endif
