/* clock: the time axis of the Massif file, in the unit chosen.
 *
 * ms: CLOCK_MONOTONIC milliseconds, the first reading counting as 0 (Massif
 * starts its ms clock at the first snapshot).  B: the recorder's churn,
 * passed in by the caller.  i: user-space instructions from a
 * perf_event_open counter that children inherit; only where the kernel and
 * hardware provide one.
 */
#ifndef HS_CLOCK_H
#define HS_CLOCK_H

#include <stdint.h>
#include <time.h>

#include "options.h"

struct hs_clock {
	enum hs_time_unit unit;
	int started;               /* the first reading was taken */
	int64_t origin;            /* ns (ms unit) or instructions (i unit) at the first reading */
	int perf_fd;               /* the instruction counter, or -1 */
	int64_t coarse_tick_ns;    /* resolution of CLOCK_MONOTONIC_COARSE, 0 if unusable */
	int64_t coarse_lag_ns;     /* the most the coarse clock was seen behind a precise reading */
	int64_t bound_coarse_ns;   /* the coarse reading behind bound_ms (INT64_MIN: none) */
	int64_t bound_ms;          /* hs_clock_upper_bound's last answer */
	unsigned bound_calls_left; /* calls that give bound_ms before the clock is read again */
	unsigned every;            /* calls from one coarse reading to the next (see below) */
	int64_t every_coarse_ns;   /* the coarse clock at its last reading */
	uint64_t bound_calls;      /* hs_clock_upper_bound calls so far */
	int64_t precise_ns[2];     /* the last two precise readings, newest first... */
	uint64_t precise_calls[2]; /* ...and bound_calls at each */
	unsigned hold_calls_left;  /* calls hs_clock_hold still answers for */
	unsigned hold_check_left;  /* hold calls before the coarse clock is read again */
	int64_t hold_due_ns;       /* when the held snapshot is due (CLOCK_MONOTONIC) */
	int64_t hold_ms;           /* the answer while holding: just below it */
};

/* hs_clock_upper_bound reads the coarse clock on one call in `every`:
 * HS_CLOCK_BOUND_CALLS at first and whenever a reading finds the clock
 * moved on since the last, doubled (up to HS_CLOCK_BOUND_CALLS_MAX) while
 * readings find it where it was, that is while that many calls take less
 * than a tick.  A reading costs a call three deep (the vDSO), and on a
 * program with a deep stack the return predictor's misses after it cost
 * more than the reading: one in 4 calls was 6% of alloc_deep's time with
 * --sample, one in 16 about 1%, and one in 64 cost 1.7% less again on
 * alloc_deep, 1.1% on python3 (bench/README.md, fifteenth round).  A
 * snapshot due meanwhile comes at most `every` calls late: at most 64
 * (some microseconds while calls come that fast), and when calls slow
 * down to a tick apart or more, 4 again after one reading. */
#define HS_CLOCK_BOUND_CALLS 4
#define HS_CLOCK_BOUND_CALLS_MAX 64

/* Set up a clock in unit.  Returns 0, or -1 when unit is i and no
 * instruction counter can be opened. */
int hs_clock_init(struct hs_clock *c, enum hs_time_unit unit);

/* The time now: churn_bytes for B, else the clock relative to the first call. */
int64_t hs_clock_now(struct hs_clock *c, uint64_t churn_bytes);

/* A cheap upper bound of what hs_clock_now would return now (ms unit,
 * once started: from the coarse clock plus one tick, or plus the largest
 * lag seen at a precise reading), or INT64_MAX when there is none.  The
 * coarse clock is read on one call in HS_CLOCK_BOUND_CALLS and on the
 * first call after hs_clock_now; the calls in between repeat the last
 * answer, which may by then be a few microseconds old.  Lets the caller skip a snapshot without the precise
 * clock, which costs several times more on every malloc. */
int64_t hs_clock_upper_bound_slow(struct hs_clock *c);

/* hs_clock_upper_bound's calls that only repeat the last answer, inline
 * (they are three in four of every malloc's and free's): a call out of
 * line there costs more than the answer, and deepens the program's stack
 * past the return predictor's reach. */
static inline int64_t hs_clock_upper_bound(struct hs_clock *c)
{
	unsigned hold = c->hold_calls_left;
	if (hold > 1 && c->hold_check_left > 0) {
		c->bound_calls++;
		c->hold_calls_left = hold - 1;
		c->hold_check_left--;
		return c->hold_ms;
	}
	if (hold == 0 && c->bound_calls_left > 0) {
		c->bound_calls++;
		c->bound_calls_left--;
		return c->bound_ms;
	}
	return hs_clock_upper_bound_slow(c);
}

/* The calls that would follow with hs_clock_upper_bound's last answer,
 * inline, taken now as if made (at most HS_CLOCK_BOUND_CALLS_MAX): a
 * caller that found that answer below its next snapshot's time may skip
 * that many calls without asking (recorder.c, the count paths).  0 when
 * the next call reads the clock. */
static inline unsigned hs_clock_take_repeats(struct hs_clock *c)
{
	unsigned hold = c->hold_calls_left, k = 0;
	if (hold > 1 && c->hold_check_left > 0) {
		k = hold - 1 < c->hold_check_left ? hold - 1 : c->hold_check_left;
		c->hold_calls_left = hold - k;
		c->hold_check_left -= k;
	} else if (hold == 0) {
		k = c->bound_calls_left;
		c->bound_calls_left = 0;
	}
	c->bound_calls += k;
	return k;
}

/* A precise reading (hs_clock_now) just found the next snapshot due at
 * due_ms and not yet: for about half the calls the time left should take,
 * at the rate of calls seen between the last two precise readings,
 * hs_clock_upper_bound answers due_ms - 1, so the precise clock is not
 * read on every call of the last few milliseconds (the coarse clock's
 * margin, 14 ms on a virtual machine, was one precise reading in nine
 * mallocs).  If the calls slow down, the hold ends when the coarse clock
 * reaches due_ms: the snapshot then comes at most the coarse clock's lag
 * late.  ms unit only. */
void hs_clock_hold(struct hs_clock *c, int64_t due_ms);

/* Whether this machine gives user-space instruction counts (for --time-unit=i). */
int hs_clock_instructions_available(void);

/* Close the instruction counter, if any. */
void hs_clock_close(struct hs_clock *c);

#ifdef HS_CLOCK_FAKE
/* Test builds only (-DHS_CLOCK_FAKE): a clock the test drives, so that no
 * test depends on wall-clock margins.  Answers clock_gettime (resolution 0)
 * or clock_getres (resolution 1) for id; NULL restores the real clocks. */
typedef int (*hs_clock_read_fn)(clockid_t id, struct timespec *ts, int resolution);
void hs_clock_set_reader(hs_clock_read_fn read);
#endif

#endif
