/* leaks: judging whether a byte series over time looks like a leak.
 *
 * Pure functions over plain arrays (times and bytes), so the rules are unit
 * tested with synthetic series.  One series is an allocation site's live
 * bytes, or the whole heap's total, at every point the file has data for
 * (every snapshot with a companion series file; the detailed snapshots of
 * a Massif file alone).
 *
 * Leaked bytes never come back, so a series is judged on its FLOOR: at each
 * point, the smallest value from there to the end of the judged stretch.
 * Churn, batches and caches that evict come and go above the floor; a leak
 * raises it for good.  The judged stretch ends before a final teardown
 * (hs_leak_teardown): a program that frees everything at exit still grew
 * without bound while it ran.  The last few points are judged together
 * (their smallest value), so one high sample at the end is no growth.
 *
 * A series is a suspect when its floor gains enough (of the heap before
 * teardown), the gain is spread (no single rise makes most of it: a one-off
 * block is one rise), the series stays near its floor while it grows (its
 * monotone fraction: churn swings far above its floor, whose rise at the
 * end only reflects that fewer values are left to be low) and was never as
 * high before it grew (levels up and down that end high), it starts before
 * the end of the run, and it is still
 * coming: the time since the floor reached 95% of its gain is short beside
 * the time it took to grow from 40% to 95% (a steady leak: about 5% of the
 * run; a buffer doubled by realloc grows in steps that double, so it may
 * sit flat for twice its last step).  A cache that fills then stops, a
 * warm-up then a flat steady state, an LRU cache at its cap have long flat
 * floors after their growth; a sawtooth's floor stays at its low.  All of
 * this reads the curve as a whole, whatever the number of points: 200 small
 * rises and 12 doublings are both growth.
 */
#ifndef HS_LEAKS_H
#define HS_LEAKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Slices of the run for the heap's floor (hs_leak_staircase) and its
 * sparkline. */
#define HS_LEAK_WINDOWS 8

/* Suspects are named from this confidence; "high" from the next. */
#define HS_LEAK_MIN_CONFIDENCE 0.3
#define HS_LEAK_HIGH_CONFIDENCE 0.5

/* Before its floor reached 40% of its gain, a leak's bytes stayed below
 * this fraction of its final floor. */
#define HS_LEAK_EARLY_HIGH 0.85

/* A teardown's fall reaches its last value within this fraction of the
 * run from its end. */
#define HS_LEAK_TEARDOWN_END 0.10

/* Fewer points than this in the judged stretch and a series is not judged. */
#define HS_LEAK_MIN_POINTS 4

struct hs_leak_rules {
	double min_share;       /* floor gain needed, as a fraction of the reference heap */
	double max_jump_share;  /* largest single rise of the floor, as a fraction of its gain */
	double tail_base;       /* flat time allowed after the growth, fraction of the run */
	double tail_steady;     /* ... or this many times the 40%->95% growth time */
	double tail_doubling;   /* ... or this many when the last rise is a doubling */
	double doubling_share;  /* a last rise this large (fraction of the gain) doubles */
	double end_span;        /* the last points within this fraction of the run */
	double end_points;      /* ... and at most this fraction of the points (at least
				  one) are judged together */
	double teardown_share;  /* a final fall of this fraction of the level is a teardown */
	double teardown_span;   /* when it takes at most this fraction of the run */
	double late_gain_share; /* steady growth gains this much in the run's second half */
	double late_start;      /* the floor reaches 40% of its gain before this of the run */
	double min_growth;      /* the gain, as a fraction of the floor at the start */
	double min_monotone;    /* the share of the growth's points near the floor */
};

/* The series heapsnap-print --leaks judges, each with its own rules. */
enum hs_leak_series {
	HS_LEAK_SITE, /* an allocation site's bytes */
	HS_LEAK_HEAP, /* the heap's total */
	HS_LEAK_N_SERIES
};

/* The rules heapsnap-print --leaks uses (documented in doc/leaks.md). */
extern const struct hs_leak_rules hs_leak_rule_sets[HS_LEAK_N_SERIES];

/* Why a series is, or is not, a suspect. */
enum hs_leak_reason {
	HS_LEAK_SUSPECT,
	HS_LEAK_TOO_SHORT, /* fewer than HS_LEAK_MIN_POINTS points */
	HS_LEAK_FLAT,      /* its floor does not rise */
	HS_LEAK_ONE_STEP,  /* most of the gain in one rise: a one-off block */
	HS_LEAK_STOPPED,   /* grew, then stayed flat: a cache at its size */
	HS_LEAK_SMALL,     /* gained too little of the heap */
	HS_LEAK_LATE,      /* rises only at the very end: a batch, not a trend */
	HS_LEAK_UNCLEAR,   /* confidence below HS_LEAK_MIN_CONFIDENCE */
	HS_LEAK_SWINGS,    /* its bytes swing far above the floor while it rises: churn */
};

struct hs_leak_verdict {
	enum hs_leak_reason reason;
	size_t n;           /* points judged (before a teardown) */
	size_t cut;         /* index of the last judged point */
	uint64_t first_B;   /* the floor at the first point */
	uint64_t last_B;    /* the floor at the end of the judged stretch */
	uint64_t high_B;    /* the largest value in the judged stretch */
	int64_t gain_B;     /* last_B - first_B */
	unsigned rises;     /* points where the floor rises */
	double max_jump;    /* largest rise of the floor, as a fraction of the gain */
	int64_t start_time; /* the judged stretch: start_time..end_time */
	int64_t end_time;
	int64_t t05, t40, t95; /* when the floor first reached 5%, 40%, 95% of its gain */
	double tail;           /* end_time - t95, as a fraction of the run */
	double allowance;      /* the flat tail allowed, as a fraction of the run */
	double monotone;       /* share of the points from 5% of the gain on within 20% of
				  the gain above the floor */
	uint64_t early_high_B; /* the largest value before the floor reached 40% of its gain */
	double late_share;     /* the floor's gain in the run's second half, fraction of all */
	double grows_late;     /* when the floor reached 40% of its gain, fraction of the run */
	double confidence;     /* 0..1: how clearly the curve is a leak */
	bool teardown;         /* the series fell at the end: cut there */
	uint64_t end_B;        /* the value at the very last point */
};

/* Where a final teardown starts: the index of the last point before the
 * series' final fall, when that fall drops at least teardown_share of the
 * level and takes at most teardown_span of the run.  With --time-unit=B the
 * fall's own frees advance the clock: pass the heap's bytes as freed_heap_B
 * and the time they account for is not counted (NULL otherwise).  n - 1
 * when there is none.  Points before start are not the run. */
size_t hs_leak_teardown(const int64_t *time, const uint64_t *bytes, size_t n, size_t start,
			const uint64_t *freed_heap_B, const struct hs_leak_rules *rules);

/* Judge one series of n points (time[i], bytes[i]) from index start to
 * index cut (a teardown cut, or n - 1); ref_B is the heap the gain is
 * weighed against (the heap before teardown). */
void hs_leak_judge(const int64_t *time, const uint64_t *bytes, size_t n, size_t start, size_t cut,
		   uint64_t ref_B, const struct hs_leak_rules *rules, struct hs_leak_verdict *out);

/* The floor of bytes[start..cut]: out[i] the smallest value from i to cut,
 * the last points (rules' end_span/end_points) taken together. */
void hs_leak_floor(const int64_t *time, const uint64_t *bytes, size_t start, size_t cut,
		   const struct hs_leak_rules *rules, uint64_t *out);

/* The heap's floor: for each of HS_LEAK_WINDOWS equal slices of the run
 * that holds a snapshot, the smallest total from that slice to the end, with
 * the time of the slice's own smallest total.  Returns how many slices held
 * a snapshot (low_time/low_B have room for HS_LEAK_WINDOWS). */
size_t hs_leak_low_points(const int64_t *time, const uint64_t *total_B, size_t n, int64_t *low_time,
			  uint64_t *low_B);

/* A slice's floor rise counts from this fraction of the heap. */
#define HS_LEAK_STAIR_STEP 0.01
/* The floor's gain over the run must be at least this fraction of the heap. */
#define HS_LEAK_STAIR_GAIN 0.05

/* The heap's staircase, on its floor over k slices (hs_leak_low_points):
 * the monotone fraction of the floor, that is, the floor rises (by
 * HS_LEAK_STAIR_STEP of ref_B at least) in half the steps between slices
 * or more, one of the last three slices still rises, and it gains
 * HS_LEAK_STAIR_GAIN of ref_B.  *rises counts the rising steps. */
bool hs_leak_staircase(const uint64_t *low_B, size_t k, uint64_t ref_B, unsigned *rises);

/* Fill a sparkline of width characters (plus NUL) for n values, one of
 * "_.-=*#" each, scaled to the largest value; "_" is zero, "#" the top.
 * When n > width each character shows the last value of its slice. */
void hs_sparkline(const uint64_t *bytes, size_t n, size_t width, char *out);

/* A short phrase for a reason ("falls back", ...). */
const char *hs_leak_reason_text(enum hs_leak_reason reason);

#endif
