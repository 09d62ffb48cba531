/* clock: ms, B and i time units (see clock.h). */
#include "clock.h"
#include "nocancel.h"

#include <linux/perf_event.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* A user-space instruction counter for this process, inherited by threads
 * and children created afterwards; -1 when the kernel or CPU has none. */
static int open_instruction_counter(void)
{
	struct perf_event_attr attr;
	memset(&attr, 0, sizeof attr);
	attr.size = sizeof attr;
	attr.type = PERF_TYPE_HARDWARE;
	attr.config = PERF_COUNT_HW_INSTRUCTIONS;
	attr.exclude_kernel = 1;
	attr.exclude_hv = 1;
	attr.inherit = 1;
	long fd = syscall(SYS_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	return fd < 0 ? -1 : (int)fd;
}

static int64_t read_counter(int fd)
{
	uint64_t value = 0;
	if (hs_nc_read(fd, &value, sizeof value) != (ssize_t)sizeof value)
		return 0;
	return (int64_t)value;
}

#ifdef HS_CLOCK_FAKE
/* Test builds only: the readings come from the test's clock when it set
 * one.  The real build reads clock_gettime directly, with no indirect call
 * on the hot path. */
static hs_clock_read_fn fake_read;

void hs_clock_set_reader(hs_clock_read_fn read)
{
	fake_read = read;
}

static int read_clock(clockid_t id, struct timespec *ts)
{
	return fake_read ? fake_read(id, ts, 0) : clock_gettime(id, ts);
}

static int read_resolution(clockid_t id, struct timespec *res)
{
	return fake_read ? fake_read(id, res, 1) : clock_getres(id, res);
}
#else
#define read_clock(id, ts) clock_gettime(id, ts)
#define read_resolution(id, res) clock_getres(id, res)
#endif

static int64_t monotonic_ns(void)
{
	struct timespec ts;
	read_clock(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t coarse_ns(void)
{
	struct timespec ts;
	if (read_clock(CLOCK_MONOTONIC_COARSE, &ts) != 0)
		return INT64_MIN;
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The coarse clock is meant to trail CLOCK_MONOTONIC by at most a tick,
 * but with a tickless kernel on a virtual machine it was seen 14 ms (3.5
 * ticks) behind: remember the largest lag behind a precise reading, so
 * that the upper bound covers it. */
static void learn_coarse_lag(struct hs_clock *c, int64_t precise_ns)
{
	if (c->coarse_tick_ns == 0)
		return;
	int64_t coarse = coarse_ns();
	if (coarse != INT64_MIN && precise_ns - coarse > c->coarse_lag_ns) {
		c->coarse_lag_ns = precise_ns - coarse;
		c->bound_coarse_ns = INT64_MIN;
	}
}

int hs_clock_instructions_available(void)
{
	int fd = open_instruction_counter();
	if (fd < 0)
		return 0;
	hs_nc_close(fd);
	return 1;
}

int hs_clock_init(struct hs_clock *c, enum hs_time_unit unit)
{
	c->unit = unit;
	c->started = 0;
	c->origin = 0;
	c->perf_fd = -1;
	c->coarse_tick_ns = 0;
	c->coarse_lag_ns = 0;
	c->bound_coarse_ns = INT64_MIN;
	c->bound_ms = 0;
	c->bound_calls_left = 0;
	c->every = HS_CLOCK_BOUND_CALLS;
	c->every_coarse_ns = INT64_MIN;
	c->bound_calls = 0;
	c->precise_ns[0] = c->precise_ns[1] = 0;
	c->precise_calls[0] = c->precise_calls[1] = 0;
	c->hold_calls_left = 0;
	c->hold_check_left = 0;
	c->hold_due_ns = 0;
	c->hold_ms = 0;
	struct timespec res;
	if (read_resolution(CLOCK_MONOTONIC_COARSE, &res) == 0 && res.tv_sec == 0 &&
	    res.tv_nsec > 0)
		c->coarse_tick_ns = res.tv_nsec;
	if (unit == HS_TIME_INSTRUCTIONS) {
		c->perf_fd = open_instruction_counter();
		if (c->perf_fd < 0)
			return -1;
	}
	return 0;
}

int64_t hs_clock_now(struct hs_clock *c, uint64_t churn_bytes)
{
	int64_t raw;
	switch (c->unit) {
	case HS_TIME_BYTES:
		return (int64_t)churn_bytes;
	case HS_TIME_INSTRUCTIONS:
		raw = read_counter(c->perf_fd);
		break;
	case HS_TIME_MS:
	default:
		raw = monotonic_ns();
		learn_coarse_lag(c, raw);
		c->bound_calls_left = 0; /* the next bound reads the clock again */
		c->precise_ns[1] = c->precise_ns[0];
		c->precise_calls[1] = c->precise_calls[0];
		c->precise_ns[0] = raw;
		c->precise_calls[0] = c->bound_calls;
		break;
	}
	if (!c->started) {
		c->started = 1;
		c->origin = raw;
		return 0;
	}
	int64_t t = raw - c->origin;
	if (c->unit == HS_TIME_MS)
		t /= 1000000;
	return t < 0 ? 0 : t;
}

/* The coarse clock, read for hs_clock_upper_bound: `every` doubles while
 * readings find it where it was, and starts again when it moved. */
static int64_t coarse_every(struct hs_clock *c)
{
	int64_t coarse = coarse_ns();
	if (coarse != c->every_coarse_ns)
		c->every = HS_CLOCK_BOUND_CALLS;
	else if (c->every < HS_CLOCK_BOUND_CALLS_MAX)
		c->every *= 2;
	c->every_coarse_ns = coarse;
	return coarse;
}

int64_t hs_clock_upper_bound_slow(struct hs_clock *c)
{
	if (c->unit != HS_TIME_MS || !c->started || c->coarse_tick_ns == 0)
		return INT64_MAX;
	c->bound_calls++;
	int64_t coarse = INT64_MIN;
	int read = 0;
	if (c->hold_calls_left > 0) {
		/* The coarse clock ends the hold early, read as often as below. */
		c->hold_calls_left--;
		if (c->hold_check_left > 0 && c->hold_calls_left > 0) {
			c->hold_check_left--;
			return c->hold_ms;
		}
		c->hold_check_left = c->every - 1;
		coarse = coarse_every(c);
		read = 1;
		if (coarse < c->hold_due_ns)
			return c->hold_ms;
		c->hold_calls_left = 0;
		c->bound_calls_left = 0;
	}
	/* Read the coarse clock on one call in `every` (clock.h).  In between,
	 * the last answer stands.  A hold that just ended read it already: a
	 * second reading in the same call would count as unmoved. */
	if (c->bound_calls_left > 0) {
		c->bound_calls_left--;
		return c->bound_ms;
	}
	if (!read)
		coarse = coarse_every(c);
	c->bound_calls_left = c->every - 1;
	if (coarse == INT64_MIN)
		return INT64_MAX;
	/* The coarse clock is CLOCK_MONOTONIC as of the last tick, so the
	 * precise reading is below coarse + one tick, or the largest lag seen.
	 * It changes once a tick: the 64-bit division (tens of cycles, on
	 * every malloc) only then. */
	int64_t ns = coarse +
		     (c->coarse_lag_ns > c->coarse_tick_ns ? c->coarse_lag_ns : c->coarse_tick_ns);
	if (ns == c->bound_coarse_ns)
		return c->bound_ms;
	int64_t t = (ns - c->origin) / 1000000;
	c->bound_coarse_ns = ns;
	c->bound_ms = t < 0 ? 0 : t;
	return c->bound_ms;
}

/* Most calls a hold lasts, whatever the rate. */
#define HS_CLOCK_HOLD_MAX_CALLS (1u << 24)

void hs_clock_hold(struct hs_clock *c, int64_t due_ms)
{
	if (c->unit != HS_TIME_MS || !c->started || c->coarse_tick_ns == 0 || due_ms <= 0 ||
	    due_ms > INT64_MAX / 2000000)
		return;
	int64_t due_ns = c->origin + due_ms * 1000000;
	int64_t left_ns = due_ns - c->precise_ns[0];
	int64_t span_ns = c->precise_ns[0] - c->precise_ns[1];
	uint64_t span_calls = c->precise_calls[0] - c->precise_calls[1];
	if (left_ns <= 0 || span_ns <= 0 || c->precise_ns[1] == 0)
		return;
	double calls = (double)left_ns / (double)span_ns * (double)span_calls / 2;
	c->hold_calls_left =
		calls < HS_CLOCK_HOLD_MAX_CALLS ? (unsigned)calls : HS_CLOCK_HOLD_MAX_CALLS;
	c->hold_check_left = c->every - 1;
	c->hold_due_ns = due_ns;
	c->hold_ms = due_ms - 1;
}

void hs_clock_close(struct hs_clock *c)
{
	if (c->perf_fd >= 0)
		hs_nc_close(c->perf_fd);
	c->perf_fd = -1;
}
