/* recorder: global state, locking and Massif's byte accounting (see
 * recorder.h for the entry points and doc/design.md for the data flow).
 *
 * One mutex guards everything.  Callers unwind before calling in, and the
 * stack hash, the slop and, from the thread's context cache, the context
 * id are found before the lock is taken, so the lock covers only table
 * updates and, occasionally, a new context or a snapshot's copy of the
 * context bytes.  With threads, events with a cached context id and frees
 * go into per-thread logs (threadlog.h), applied a batch at a time by
 * whoever takes the lock: every locked path first drains them.
 * While the process has one thread (glibc's __libc_single_threaded, the
 * test its own malloc uses) the mutex is skipped: its two atomic
 * instructions are full barriers that stop the table's cache misses from
 * overlapping the program's own work.  Reentry from a signal handler is
 * excluded by the caller's guard, not by the lock.
 * The program writes no Massif file: it appends a raw record (journal.h)
 * at every snapshot, and a separate process names the frames and writes
 * the file (src/resolve/), so nothing here ever loads libdw.
 */
#include "recorder.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "arena.h"
#include "blocks.h"
#include "callsites.h"
#include "clock.h"
#include "contexts.h"
#include "fnranges.h"
#include "journal.h"
#include "log.h"
#include "sampler.h"
#include "snapshot.h"
#include "threadlog.h"
#include "nocancel.h"

#define HS_UNLIKELY_CORE(x) __builtin_expect(!!(x), 0)
/* The counting path of --sample, inlined whole: one call deep below malloc. */
#define HS_HOT static inline __attribute__((always_inline))

enum rec_state {
	REC_OFF,     /* not initialised */
	REC_ON,      /* recording */
	REC_STOPPED, /* gave up: the record still gets its end */
	REC_DONE,    /* ended: the END record was written */
};

/* A block between hs_rec_realloc_begin and _end: out of the table, so the
 * real realloc may release its address, but still in the totals. */
struct pending {
	struct pending *next;
	struct hs_block blk;
};

#define HS_REASON_MAX 128

/* Where Massif's snapshot policy keeps the fields every call reads or
 * writes (next_allowed_time to n_skipped, see snapshot.h). */
#define HS_SNAPS_HOT_OFFSET offsetof(struct hs_snapshots, next_allowed_time)

/* The lock (g_rec_lock, below) has a cache line of its own: the state,
 * read on every call, must not bounce between cores with it.  What every
 * call writes under
 * the lock shares as few lines as it can, so a call pulls few lines from
 * the core that had the lock before: the hot end of the snapshot policy
 * and the totals fill one line (the pad puts next_allowed_time at its
 * start), the block table's header starts another. */
static struct {
	_Alignas(64) _Atomic int state;
	struct hs_live_slot *live; /* the launcher's dump requests (live.h), or NULL */
	uint64_t live_seen;        /* the last request taken from it */
	struct hs_clock clock;     /* read on every call, written at the first reading */
	struct hs_options opts;
	_Alignas(64) char snaps_pad[64 - HS_SNAPS_HOT_OFFSET % 64];
	struct hs_snapshots snaps;
	uint64_t heap_bytes;       /* requested bytes of live blocks */
	uint64_t extra_bytes;      /* admin + slop of live blocks */
	uint64_t churn_bytes;      /* the B time unit */
	struct hs_rec_stats stats; /* a line of its own: the one above is full */
	uint64_t next_point_churn; /* churn at which the next series-only point is due */
	uint64_t point_step;       /* churn between series-only points */
	unsigned step_points;      /* series-only points taken at this step */
	_Alignas(64) struct hs_blocks blocks;
	struct hs_arena arena;
	struct pending *free_pending;
	struct hs_contexts ctxs;
	struct hs_fn_ranges fn_ranges; /* --ignore-fn decided at intern time (fnranges.h) */
	struct hs_journal journal;
	char stop_reason[HS_REASON_MAX];
	uint32_t n_tag_ids;               /* tag ids given so far (hs_rec_alloc_untabled) */
	uint32_t tag_ctx[HS_REC_TAG_IDS]; /* the context of each tag id, from 1 */
} rec;

/* The recorder's lock, on a line of its own (the alignment rounds the
 * struct's size up to it), and out of rec so that rec (all zeros at load)
 * is in .bss: it was 184 KiB of zeros in the library file's .data (the
 * file 1.02 MB, now 0.85 MB). */
static struct {
	_Alignas(64) pthread_mutex_t mutex;
} g_rec_lock = { .mutex = PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP };
_Static_assert(sizeof g_rec_lock == 64, "the lock's line is its own");

/* A free slot for a realloc's pending block, from the free list or the
 * arena (NULL: out of memory); lock held. */
static struct pending *take_pending(void)
{
	struct pending *p = rec.free_pending;
	if (p != NULL)
		rec.free_pending = p->next;
	else
		p = hs_arena_alloc(&rec.arena, sizeof *p);
	return p;
}

/* The snapshot policy's hot end and the totals share one line, exactly. */
_Static_assert((offsetof(__typeof__(rec), snaps) + HS_SNAPS_HOT_OFFSET) / 64 ==
		       (offsetof(__typeof__(rec), churn_bytes) + 7) / 64,
	       "the hot fields span more than one cache line");

/* The layer above's hooks (hs_rec_set_hooks, hs_rec_set_memory_probe). */
static void (*g_release)(void *);
static void (*g_guard)(int up);
static int (*g_probe)(uint64_t *rss_bytes, uint64_t *mapped_bytes);
static int (*g_reopen_raw)(void);

/* The process's resident and mapped bytes now, from the probe (0 and 0
 * without one, or when it fails). */
static void probe_memory(uint64_t *rss_bytes, uint64_t *mapped_bytes)
{
	*rss_bytes = *mapped_bytes = 0;
	if (g_probe != NULL && g_probe(rss_bytes, mapped_bytes) != 0)
		*rss_bytes = *mapped_bytes = 0;
}

/* Take the recorder's lock and apply every thread's logged events, so
 * they come before the caller's.  Lock held on return. */
static void lock_and_drain(void)
{
	pthread_mutex_lock(&g_rec_lock.mutex);
	hs_tlog_drain();
}

/* Take the recorder's lock unless the process has a single thread (no
 * thread can be created while this one is inside the recorder).  Returns
 * what to pass to rec_unlock. */
static inline int rec_lock(void)
{
	if (hs_single_threaded())
		return 0;
	lock_and_drain();
	return 1;
}

static inline void rec_unlock(int locked)
{
	if (locked)
		pthread_mutex_unlock(&g_rec_lock.mutex);
}

static void flush_log(struct hs_tlog *l);
static void after_append(struct hs_tlog *l, unsigned pending, uint64_t bytes);
static void counts_init(const struct hs_options *opts);
static void counts_end(void);
static const struct hs_tlog_ops g_tlog_ops;

/* Valgrind's client arena on amd64 (m_mallocfree.c): 4 MiB superblocks,
 * 64 bytes of superblock and block overhead. */
#define HS_VG_SUPERBLOCK_BYTES ((uint64_t)4 << 20)
#define HS_VG_OVERHEAD_BYTES 64u
#define HS_VG_PAGE_BYTES 4096u

/* The slop Massif would count for a fresh block of req_bytes: Valgrind
 * rounds requests up to 16; a block too big for a 4 MiB superblock gets
 * an unsplittable superblock of its own, rounded up to pages, and all of
 * it is usable (1 GiB: slop 4032; 10,000,000: slop 2368). */
HS_HOT uint64_t slop_of(size_t req_bytes)
{
	uint64_t req = req_bytes;
	/* The usual case first: rounded to 16, far below a superblock. */
	if (__builtin_expect(req < HS_VG_SUPERBLOCK_BYTES / 2, 1))
		return -req & 15;
	if (req > UINT64_MAX / 2)
		return 0;
	uint64_t rounded = (req + 15) & ~(uint64_t)15;
	uint64_t usable = rounded;
	if (rounded + HS_VG_OVERHEAD_BYTES > HS_VG_SUPERBLOCK_BYTES) {
		uint64_t sb = (rounded + HS_VG_OVERHEAD_BYTES + HS_VG_PAGE_BYTES - 1) &
			      ~(uint64_t)(HS_VG_PAGE_BYTES - 1);
		usable = sb - HS_VG_OVERHEAD_BYTES;
	}
	uint64_t slop = usable - req;
	return slop <= HS_SLOP_MAX ? slop : 0;
}

static void journal_flush(void);

/* Stop recording for good, saying why once (on stderr and in the raw
 * record); lock held. */
static void give_up_locked(const char *reason)
{
	if (atomic_load(&rec.state) != REC_ON)
		return;
	atomic_store(&rec.state, REC_STOPPED);
	size_t n = strlen(reason);
	if (n >= HS_REASON_MAX)
		n = HS_REASON_MAX - 1;
	memcpy(rec.stop_reason, reason, n);
	rec.stop_reason[n] = '\0';
	hs_log(rec.stop_reason, ", recording stopped", NULL);
	hs_journal_stop(&rec.journal, rec.stop_reason);
	journal_flush();
}

/* Words for the errors a write to a file may meet (no strerror: it may
 * take the locale's lock). */
static const char *write_error_text(int e)
{
	switch (e) {
	case ENOSPC:
		return "no space left on device";
	case EDQUOT:
		return "disk quota exceeded";
	case EFBIG:
		return "the program's file size limit (ulimit -f) is reached";
	case EIO:
		return "input/output error";
	case EBADF:
		return "bad file descriptor";
	case EPIPE:
		return "broken pipe";
	case ENOMEM:
		return "out of memory";
	default:
		return "write error";
	}
}

/* Write the journal's pending records; a failed write stops recording
 * (the program runs on, the record stays a valid prefix); lock held.
 * Every call ends a consistent prefix: the launcher may read that far. */
static void journal_flush(void)
{
	if (hs_journal_flush(&rec.journal) == 0) {
		if (rec.live != NULL && hs_journal_on(&rec.journal))
			atomic_store_explicit(&rec.live->flushed, rec.journal.written,
					      memory_order_release);
		return;
	}
	char reason[HS_REASON_MAX] = "cannot write the raw record: ";
	size_t n = strlen(reason);
	const char *why = write_error_text(rec.journal.error);
	size_t k = strlen(why);
	if (k > sizeof reason - 1 - n)
		k = sizeof reason - 1 - n;
	memcpy(reason + n, why, k);
	reason[n + k] = '\0';
	give_up_locked(reason);
}

static void journal_sites(const struct hs_snapshot *snap);

/* A snapshot was just taken (the table's last): into the raw record with
 * the contexts it may count, its point of the per-site series (the
 * memory probe is read here, at snapshots only), then the table's new
 * composition if the take demoted a peak or culled; lock held. */
static void journal_taken(void)
{
	struct hs_snapshot *snap = &rec.snaps.table[rec.snaps.count - 1];
	/* Read even before the record is open: the start-up snapshot's point
	 * is written when it opens. */
	probe_memory(&snap->rss_bytes, &snap->mapped_bytes);
	/* Its time on the B axis too, whatever --time-unit says: the leak
	 * rules judge on it (wall-clock time bends with the load). */
	snap->alloc_bytes = rec.churn_bytes;
	if (!hs_journal_on(&rec.journal))
		return;
	hs_journal_contexts(&rec.journal, &rec.ctxs);
	hs_journal_snapshot(&rec.journal, snap);
	journal_sites(snap);
	struct hs_point p = hs_point_of_snapshot(snap);
	hs_journal_point(&rec.journal, &rec.ctxs, &p);
	if (rec.snaps.reshaped)
		hs_journal_table(&rec.journal, &rec.snaps);
	journal_flush();
}

/* The unsampled count paths with one thread (hs_rec_count_alloc and
 * _free): calls known to skip their normal attempt, which then cost a
 * decrement instead of the clock's bound, the skip test and the live
 * dump's poll (a quarter of alloc_deep's --sample overhead was these
 * paths).  Set by count_tick from the clock's answers taken ahead
 * (hs_clock_take_repeats: at most 63 calls, which the clock would have
 * answered the same, below the next snapshot's time); emptied by every
 * precise reading (now()), after which the clock is read again. */
static unsigned g_quick_left;

static int64_t now(void)
{
	g_quick_left = 0; /* the clock's bound starts again (count_tick) */
	return hs_clock_now(&rec.clock, rec.churn_bytes);
}

/* Series-only points (not in ms or i's snapshots): the leak rules judge on
 * the B axis, and snapshots taken by the clock leave it bare where the clock
 * runs slow against the program's work (a short program's start-up takes
 * most of its milliseconds).  One point every HS_POINT_STEP0 bytes of churn,
 * the step doubling every HS_POINT_STEP_RUN points: about HS_POINT_STEP_RUN
 * points per doubling of the run, which the resolver thins to its 200. */
#define HS_POINT_STEP0 ((uint64_t)4 << 10)
#define HS_POINT_STEP_RUN 1024

static void series_point(void)
{
	if (!hs_journal_on(&rec.journal))
		return;
	struct hs_point p = { rec.snaps.n_taken, now(), rec.heap_bytes, rec.extra_bytes, 0, 0,
			      HS_POINT_SERIES,   0,     rec.churn_bytes };
	/* No memory probe (rss and mapped 0: unknown): its three system
	 * calls per point cost more than the point on a churning program. */
	hs_journal_contexts(&rec.journal, &rec.ctxs);
	hs_journal_point(&rec.journal, &rec.ctxs, &p);
	/* Written with the buffer, not each: a write per point cost a tenth
	 * of the recording's time on a churning program. */
	if (rec.journal.used >= HS_JOURNAL_BUF_BYTES / 2)
		journal_flush();
}

/* Called with the totals just changed: a series-only point when one is due. */
static inline void series_point_attempt(void)
{
	if (__builtin_expect(rec.churn_bytes < rec.next_point_churn, 1))
		return;
	series_point();
	if (++rec.step_points == HS_POINT_STEP_RUN) {
		rec.step_points = 0;
		rec.point_step *= 2;
	}
	rec.next_point_churn = rec.churn_bytes + rec.point_step;
}

static __attribute__((noinline)) void normal_attempt(void)
{
	series_point_attempt();
	/* Most attempts fall inside the minimum interval: rule them out with
	 * the cheap clock bound before reading the precise clock. */
	if (hs_snapshots_skip(&rec.snaps, hs_clock_upper_bound(&rec.clock)))
		return;
	uint64_t taken = rec.snaps.n_taken;
	if (hs_snapshots_normal(&rec.snaps, now(), rec.heap_bytes, rec.extra_bytes, &rec.ctxs) != 0)
		give_up_locked("out of memory");
	else if (rec.snaps.n_taken != taken)
		journal_taken();
	/* Not due yet, or just taken: the next one is that far off. */
	hs_clock_hold(&rec.clock, rec.snaps.next_allowed_time);
}

static __attribute__((noinline)) void peak_attempt(void)
{
	if (!hs_snapshots_peak_due(&rec.snaps, rec.heap_bytes, rec.extra_bytes))
		return; /* the usual case: no clock reading needed */
	if (hs_snapshots_peak(&rec.snaps, now(), rec.heap_bytes, rec.extra_bytes, &rec.ctxs) != 0)
		give_up_locked("out of memory");
	else
		journal_taken();
}

/* The program released a block without our seeing it (its address came
 * back from malloc): drop it from the totals, take no snapshot. */

static void forget_stale(const struct hs_block *old)
{
	if (rec.opts.sample_bytes != 0) {
		/* A sampled block: its weight leaves its context; its free, and so
		 * its requested size, went unseen by the totals as well. */
		hs_contexts_touch(&rec.ctxs, old->ctx)->live_bytes -= old->req_bytes;
		return;
	}
	if (hs_contexts_get(&rec.ctxs, old->ctx)->ignored)
		return; /* never counted */
	uint64_t extra = rec.opts.heap_admin + old->slop_bytes;
	rec.heap_bytes -= old->req_bytes;
	rec.extra_bytes -= extra;
	rec.churn_bytes += old->req_bytes + extra;
	hs_contexts_touch(&rec.ctxs, old->ctx)->live_bytes -= old->req_bytes;
}

/* Insert blk, forgetting a stale entry at its address.  Returns 0, or -1
 * when out of memory (recording stopped). */
static int put_block(const struct hs_block *blk)
{
	struct hs_block stale;
	int rc = hs_blocks_insert(&rec.blocks, blk, &stale);
	if (rc < 0) {
		give_up_locked("out of memory");
		return -1;
	}
	if (rc == 1)
		forget_stale(&stale);
	return 0;
}

static void teardown(void)
{
	hs_journal_close(&rec.journal);
	hs_snapshots_destroy(&rec.snaps);
	hs_blocks_destroy(&rec.blocks);
	hs_contexts_destroy(&rec.ctxs);
	hs_fn_ranges_clear(&rec.fn_ranges);
	hs_arena_destroy(&rec.arena);
	hs_clock_close(&rec.clock);
}

int hs_rec_init(const struct hs_options *opts)
{
	pthread_mutex_lock(&g_rec_lock.mutex);
	int state = atomic_load(&rec.state);
	if (state == REC_ON || state == REC_STOPPED) {
		pthread_mutex_unlock(&g_rec_lock.mutex);
		return 0;
	}
	if (state == REC_DONE)
		teardown();
	hs_tlog_set_ops(&g_tlog_ops);
	hs_tlog_discard(); /* a last recording's events */
	counts_init(opts);
	hs_options_copy(&rec.opts, opts);
	rec.heap_bytes = rec.extra_bytes = rec.churn_bytes = 0;
	/* In B the snapshots already follow churn: no series-only points. */
	rec.next_point_churn = opts->time_unit == HS_TIME_BYTES ? UINT64_MAX : HS_POINT_STEP0;
	rec.point_step = HS_POINT_STEP0;
	rec.step_points = 0;
	memset(&rec.stats, 0, sizeof rec.stats);
	rec.n_tag_ids = 0;
	rec.free_pending = NULL;
	rec.stop_reason[0] = '\0';
	hs_journal_init(&rec.journal);
	hs_arena_init(&rec.arena);
	hs_blocks_init(&rec.blocks);
	hs_contexts_init(&rec.ctxs, &rec.arena);
	rec.clock.perf_fd = -1;
	g_quick_left = 0;
	if (hs_snapshots_init(&rec.snaps, &rec.opts) != 0 ||
	    hs_clock_init(&rec.clock, rec.opts.time_unit) != 0) {
		teardown();
		atomic_store(&rec.state, REC_OFF);
		pthread_mutex_unlock(&g_rec_lock.mutex);
		return -1;
	}
	atomic_store(&rec.state, REC_ON);
	if (!rec.opts.heap)
		rec.snaps.detailed_freq = 2; /* --heap=no: Massif's one snapshot has no tree */
	normal_attempt();                    /* the start-up snapshot, at time 0 */
	/* --heap=no: that one empty snapshot is Massif's whole file; stopped,
	 * the recorder takes no more and adds none at the end. */
	if (!rec.opts.heap)
		atomic_store(&rec.state, REC_STOPPED);
	pthread_mutex_unlock(&g_rec_lock.mutex);
	return 0;
}

int hs_rec_active(void)
{
	return atomic_load_explicit(&rec.state, memory_order_relaxed) == REC_ON;
}

uint64_t hs_rec_heap_now(void)
{
	/* Unlocked: a glimpse, torn or a batch behind at worst. */
	return __atomic_load_n(&rec.heap_bytes, __ATOMIC_RELAXED) +
	       __atomic_load_n(&rec.extra_bytes, __ATOMIC_RELAXED);
}

/* The totals, context and snapshot attempt of a new block of context id,
 * in the table or tagged (hs_rec_alloc_untabled).  Lock held, recording
 * on. */
static inline void count_new_block(size_t req_bytes, uint32_t slop_bytes, uint32_t id)
{
	struct hs_context *x = hs_contexts_get(&rec.ctxs, id);
	if (x->ignored) {
		/* Massif's: counted nowhere (its free must still be known). */
		rec.stats.ignored_allocs++;
		return;
	}
	rec.stats.allocs++;
	uint64_t extra = rec.opts.heap_admin + slop_bytes;
	rec.heap_bytes += req_bytes;
	rec.extra_bytes += extra;
	rec.churn_bytes += req_bytes + extra;
	hs_contexts_touch(&rec.ctxs, id);
	x->live_bytes += req_bytes;
	normal_attempt();
}

/* Account a new block of context id (HS_CTX_NONE: out of memory); lock
 * held, recording on. */
static void add_block(uintptr_t ptr, size_t req_bytes, uint32_t slop_bytes, uint32_t id)
{
	if (id == HS_CTX_NONE) {
		give_up_locked("out of memory");
		return;
	}
	struct hs_block blk = { ptr, req_bytes, slop_bytes, id };
	if (put_block(&blk) != 0)
		return;
	count_new_block(req_bytes, slop_bytes, id);
}

/* The context id of frames from this thread's cache, or HS_CTX_NONE (a
 * miss, or a single thread: no lock to keep short, and the shared index
 * costs the same).  No lock. */
static uint32_t cached_context(const uintptr_t *frames, unsigned n_frames, uint64_t hash)
{
	if (hs_single_threaded())
		return HS_CTX_NONE;
	return hs_contexts_cached(&rec.ctxs, frames, n_frames, hash);
}

/* The context id of frames: id when cached, else interned; *fresh says
 * the caller should remember it once the lock is released.  Lock held. */
static uint32_t context_of(uint32_t id, const uintptr_t *frames, unsigned n_frames, uint64_t hash,
			   int *fresh)
{
	if (id != HS_CTX_NONE)
		return id;
	uint32_t before = hs_contexts_count(&rec.ctxs);
	id = hs_contexts_intern(&rec.ctxs, frames, n_frames, hash);
	/* A new context: decided once, before any block uses it. */
	if (id != HS_CTX_NONE && id >= before && rec.fn_ranges.n != 0 &&
	    hs_fn_ranges_ignores(&rec.fn_ranges, frames, n_frames))
		hs_contexts_get(&rec.ctxs, id)->ignored = 1;
	*fresh = id != HS_CTX_NONE && !hs_single_threaded();
	return id;
}

/* Whether the launcher asked for a live dump: one relaxed load. */
static inline int live_due(void)
{
	struct hs_live_slot *l = __atomic_load_n(&rec.live, __ATOMIC_RELAXED);
	return __builtin_expect(l != NULL, 0) &&
	       __builtin_expect(atomic_load_explicit(&l->request, memory_order_relaxed) !=
					__atomic_load_n(&rec.live_seen, __ATOMIC_RELAXED),
				0);
}

static void live_dump(void);

/* What every new block's record starts with: a live dump if one is asked
 * for, the frames cut to HS_MAX_FRAMES (*n_frames), their hash, and the
 * context id this thread's cache holds for them (HS_CTX_NONE: none). */
static inline uint32_t stack_start(const uintptr_t *frames, unsigned *n_frames, uint64_t *hash)
{
	if (live_due())
		live_dump();
	if (*n_frames > HS_MAX_FRAMES)
		*n_frames = HS_MAX_FRAMES;
	*hash = hs_frames_hash(frames, *n_frames);
	return cached_context(frames, *n_frames, *hash);
}

void hs_rec_alloc(void *ptr, size_t req_bytes, const uintptr_t *frames, unsigned n_frames)
{
	if (!hs_rec_active() || ptr == NULL)
		return;
	uint64_t hash;
	uint32_t id = stack_start(frames, &n_frames, &hash);
	uint32_t slop_bytes = (uint32_t)slop_of(req_bytes);
	int fresh = 0;
	struct hs_tlog *log;
	/* A known stack: into this thread's log, applied in a batch. */
	if (id != HS_CTX_NONE && (log = hs_tlog_mine()) != NULL) {
		struct hs_block ev = { (uintptr_t)ptr, req_bytes, slop_bytes, id };
		after_append(log, hs_tlog_append(log, &ev), req_bytes);
		return;
	}
	int locked = rec_lock();
	if (atomic_load(&rec.state) == REC_ON) {
		id = context_of(id, frames, n_frames, hash, &fresh);
		add_block((uintptr_t)ptr, req_bytes, slop_bytes, id);
	}
	rec_unlock(locked);
	if (fresh)
		hs_contexts_remember(&rec.ctxs, id);
}

void hs_rec_prefetch(const void *ptr)
{
	/* With threads, a logged event's slot is prefetched by the drain. */
	if (hs_rec_active() && hs_single_threaded())
		hs_blocks_prefetch(&rec.blocks, (uintptr_t)ptr);
}

/* Account the free of blk, just out of the table; lock held, recording on. */
static void account_free(const struct hs_block *blk)
{
	if (hs_contexts_get(&rec.ctxs, blk->ctx)->ignored) {
		rec.stats.ignored_frees++; /* Massif: no peak attempt, no snapshot */
		return;
	}
	rec.stats.frees++;
	peak_attempt(); /* the totals still hold the block */
	uint64_t extra = rec.opts.heap_admin + blk->slop_bytes;
	rec.heap_bytes -= blk->req_bytes;
	rec.extra_bytes -= extra;
	rec.churn_bytes += blk->req_bytes + extra;
	hs_contexts_touch(&rec.ctxs, blk->ctx)->live_bytes -= blk->req_bytes;
	if (atomic_load(&rec.state) == REC_ON)
		normal_attempt();
}

void hs_rec_free(void *ptr)
{
	if (!hs_rec_active() || ptr == NULL)
		return;
	struct hs_block blk;
	/* The slot's miss overlaps taking the lock (with no lock to take, the
	 * remove comes at once and the prefetch would only cost). */
	if (!hs_single_threaded())
		hs_blocks_prefetch(&rec.blocks, (uintptr_t)ptr);
	int locked = rec_lock();
	if (atomic_load(&rec.state) == REC_ON &&
	    hs_blocks_remove(&rec.blocks, (uintptr_t)ptr, &blk))
		account_free(&blk);
	rec_unlock(locked);
}

/* Tag ids.  A tag has room for 13 bits (tagshadow.h's shadow), fewer
 * than a program has contexts (python3: 12,000, most of them made at
 * start-up for a handful of blocks), so a context gets a tag id only once
 * it has made HS_TAG_WAIT blocks, while ids last: the busy ones get them.
 * Its blocks made before go into the table. */
#define HS_TAG_WAIT 32

/* The tag id of context x (id), given now if due; 0 when it has none. */
static uint32_t tag_id_of(struct hs_context *x, uint32_t id, uint32_t max_tag_id)
{
	if (__builtin_expect(x->tag_id != 0, 1))
		return x->tag_id;
	if (x->tag_wait < HS_TAG_WAIT) {
		x->tag_wait++;
		return 0;
	}
	if (max_tag_id >= HS_REC_TAG_IDS)
		max_tag_id = HS_REC_TAG_IDS - 1;
	if (rec.n_tag_ids >= max_tag_id)
		return 0;
	x->tag_id = (uint16_t)++rec.n_tag_ids;
	rec.tag_ctx[x->tag_id] = id;
	return x->tag_id;
}

/* The context of tag id t, or HS_CTX_NONE for one never given. */
static uint32_t tag_ctx(uint32_t t)
{
	return t != 0 && t <= rec.n_tag_ids ? rec.tag_ctx[t] : HS_CTX_NONE;
}

uint32_t hs_rec_alloc_untabled(void *ptr, size_t req_bytes, const uintptr_t *frames,
			       unsigned n_frames, uint32_t max_tag_id)
{
	if (!hs_rec_active() || ptr == NULL)
		return 0;
	if (!hs_single_threaded()) {
		hs_rec_alloc(ptr, req_bytes, frames, n_frames);
		return 0;
	}
	uint64_t hash;
	uint32_t id = stack_start(frames, &n_frames, &hash);
	int fresh = 0;
	if (atomic_load(&rec.state) != REC_ON)
		return 0;
	id = context_of(id, frames, n_frames, hash, &fresh);
	uint32_t t =
		id != HS_CTX_NONE ? tag_id_of(hs_contexts_get(&rec.ctxs, id), id, max_tag_id) : 0;
	if (t == 0) {
		add_block((uintptr_t)ptr, req_bytes, (uint32_t)slop_of(req_bytes), id);
		return 0;
	}
	count_new_block(req_bytes, (uint32_t)slop_of(req_bytes), id);
	return t;
}

void hs_rec_free_untabled(size_t req_bytes, uint32_t tag_id)
{
	uint32_t id = tag_ctx(tag_id);
	if (!hs_rec_active() || id == HS_CTX_NONE)
		return;
	struct hs_block blk = { 0, req_bytes, (uint32_t)slop_of(req_bytes), id };
	int locked = rec_lock();
	/* A context holds at least the block's bytes, unless its tag was
	 * overwritten (a program writing past its request): then it is left
	 * out, as an unknown block, rather than taken off the wrong totals. */
	const struct hs_context *x = hs_contexts_get(&rec.ctxs, id);
	if (atomic_load(&rec.state) == REC_ON && (x->ignored || x->live_bytes >= req_bytes))
		account_free(&blk);
	rec_unlock(locked);
}

void hs_rec_adopt(void *ptr, size_t req_bytes, uint32_t tag_id)
{
	uint32_t id = tag_ctx(tag_id);
	if (!hs_rec_active() || id == HS_CTX_NONE)
		return;
	struct hs_block blk = { (uintptr_t)ptr, req_bytes, (uint32_t)slop_of(req_bytes), id };
	int locked = rec_lock();
	if (atomic_load(&rec.state) == REC_ON)
		put_block(&blk);
	rec_unlock(locked);
}

/* Apply a logged event (see threadlog.h); lock held. */
static int apply_event(const struct hs_block *ev, int force)
{
	if (atomic_load_explicit(&rec.state, memory_order_relaxed) != REC_ON)
		return 0; /* dropped: the owner still gets its blocks back */
	if (ev->ctx != HS_TLOG_FREE) {
		add_block(ev->ptr, ev->req_bytes, ev->slop_bytes, ev->ctx);
		return 0;
	}
	struct hs_block blk;
	if (!hs_blocks_remove(&rec.blocks, ev->ptr, &blk))
		return !force; /* its allocation may be in another thread's log */
	account_free(&blk);
	return 0;
}

/* Start loading the table slot and the context an event will touch. */
static void prefetch_event(const struct hs_block *ev)
{
	hs_blocks_prefetch(&rec.blocks, ev->ptr);
	if (ev->ctx != HS_TLOG_FREE)
		__builtin_prefetch(&hs_contexts_get(&rec.ctxs, ev->ctx)->live_bytes, 1);
}

/* The bytes this thread's log has taken since it was last found empty
 * (HS_TLOG_BYTES): an upper bound on what it holds pending. */
static __thread uint64_t tl_log_bytes __attribute__((tls_model("initial-exec")));

/* Apply every log (l's with them) and give l's freed blocks back: l's
 * owner, once its log is full. */
static void flush_log(struct hs_tlog *l)
{
	lock_and_drain();
	pthread_mutex_unlock(&g_rec_lock.mutex);
	hs_tlog_release(l, g_release);
	tl_log_bytes = 0;
}

/* After an append of bytes left pending events in l: from half full (in
 * events or bytes), every eighth event, give back what others applied and
 * drain if the lock is free; when full, wait for the lock. */
static void after_append(struct hs_tlog *l, unsigned pending, uint64_t bytes)
{
	tl_log_bytes += bytes;
	int full = pending >= HS_TLOG_EVENTS || tl_log_bytes >= HS_TLOG_BYTES;
	if (!full && (pending % 8 != 0 ||
		      (pending < HS_TLOG_EVENTS / 2 && tl_log_bytes < HS_TLOG_BYTES / 2)))
		return;
	if (!full) {
		hs_tlog_release(l, g_release);
		if ((hs_tlog_pending(l) < HS_TLOG_EVENTS / 2 && tl_log_bytes < HS_TLOG_BYTES / 2) ||
		    pthread_mutex_trylock(&g_rec_lock.mutex) != 0)
			return;
		hs_tlog_drain();
		pthread_mutex_unlock(&g_rec_lock.mutex);
		hs_tlog_release(l, g_release);
		tl_log_bytes = 0;
		return;
	}
	flush_log(l);
}

/* A thread with a log is exiting (a key destructor: no guard raised). */
static void log_thread_exit(struct hs_tlog *l)
{
	if (g_guard != NULL)
		g_guard(1);
	flush_log(l);
	if (g_guard != NULL)
		g_guard(-1);
}

static const struct hs_tlog_ops g_tlog_ops = {
	.apply = apply_event,
	.prefetch = prefetch_event,
	.thread_exit = log_thread_exit,
};

void hs_rec_set_hooks(void (*release)(void *), void (*guard)(int up))
{
	g_release = release;
	g_guard = guard;
}

void hs_rec_set_raw_reopen(int (*reopen)(void))
{
	g_reopen_raw = reopen;
}

/* Where a live dump's LIVE record goes (hs_rec_set_live_side). */
static int (*g_live_side_open)(void);
static void (*g_live_side_done)(int fd, int whole);

void hs_rec_set_live_side(int (*open_side)(void), void (*done)(int fd, int whole))
{
	g_live_side_open = open_side;
	g_live_side_done = done;
}

int hs_rec_journal_fd_moved(int from, int to)
{
	int locked = rec_lock();
	int moved = rec.journal.fd == from;
	if (moved)
		rec.journal.fd = to;
	rec_unlock(locked);
	return moved;
}

void hs_rec_set_memory_probe(int (*probe)(uint64_t *rss_bytes, uint64_t *mapped_bytes))
{
	g_probe = probe;
}

int hs_rec_free_logged(void *ptr, size_t chunk_bytes)
{
	struct hs_tlog *log = hs_tlog_mine();
	if (log == NULL || !hs_rec_active()) {
		/* Blocks still held from while recording ran go back now. */
		if (log != NULL && hs_tlog_pending(log) != 0)
			flush_log(log);
		hs_rec_free(ptr);
		return 0;
	}
	struct hs_block ev = { (uintptr_t)ptr, 0, 0, HS_TLOG_FREE };
	after_append(log, hs_tlog_append(log, &ev), chunk_bytes);
	return 1;
}

uint64_t hs_rec_realloc_begin(void *old_ptr)
{
	if (!hs_rec_active() || old_ptr == NULL)
		return 0;
	uint64_t handle = 0;
	struct hs_block blk;
	if (!hs_single_threaded())
		hs_blocks_prefetch(&rec.blocks, (uintptr_t)old_ptr);
	int locked = rec_lock();
	/* One probe, not a find and then a remove: if no pending record can
	 * be had, recording stops and the table is not read again. */
	if (atomic_load(&rec.state) == REC_ON &&
	    hs_blocks_remove(&rec.blocks, (uintptr_t)old_ptr, &blk)) {
		struct pending *p = take_pending();
		if (p == NULL) {
			give_up_locked("out of memory");
		} else {
			p->blk = blk;
			handle = (uint64_t)(uintptr_t)p;
		}
	}
	rec_unlock(locked);
	return handle;
}

/* Massif's realloc accounting (format-massif.md §7); *id is the cached context of
 * frames or HS_CTX_NONE, and becomes the one used (see context_of); lock
 * held, recording on. */
static void resize_block(const struct hs_block *old, uintptr_t new_ptr, size_t new_req_bytes,
			 const uintptr_t *frames, unsigned n_frames, uint64_t hash, uint32_t *id_io,
			 int *fresh)
{
	int old_ignored = hs_contexts_get(&rec.ctxs, old->ctx)->ignored;
	if (!old_ignored)
		rec.stats.reallocs++;
	if (!old_ignored && new_req_bytes < old->req_bytes) {
		peak_attempt();
		if (atomic_load(&rec.state) != REC_ON)
			return;
	}
	uint64_t new_slop = slop_of(new_req_bytes); /* a new block */
	if (new_req_bytes <= old->req_bytes + old->slop_bytes) {
		/* Stays in place: the bytes given up become slop.  (Beyond 4 GiB
		 * of slop, after shrinking a huge block, it counts as moved.) */
		uint64_t in_place = old->slop_bytes + old->req_bytes - new_req_bytes;
		if (in_place <= HS_SLOP_MAX)
			new_slop = in_place;
	}
	/* A new context is made after the peak attempt, so the peak's copy
	 * does not list it (a cached one existed before either way). */
	uint32_t id = context_of(*id_io, frames, n_frames, hash, fresh);
	*id_io = id;
	if (id == HS_CTX_NONE) {
		give_up_locked("out of memory");
		return;
	}
	struct hs_context *x = hs_contexts_get(&rec.ctxs, id);
	if (old_ignored || x->ignored) {
		/* Massif's realloc_block, ignored: the totals and the time stay;
		 * the realloc's site still gets the new bytes (in its tree: they
		 * show when the site is not ignored, and are never taken back),
		 * the old site keeps the old ones, and the block stays ignored. */
		rec.stats.ignored_reallocs++;
		struct hs_block blk = { new_ptr, new_req_bytes, (uint32_t)new_slop,
					old_ignored && !x->ignored ? old->ctx : id };
		if (put_block(&blk) != 0)
			return;
		if (!x->ignored)
			hs_contexts_touch(&rec.ctxs, id)->live_bytes += new_req_bytes;
		return;
	}
	struct hs_block blk = { new_ptr, new_req_bytes, (uint32_t)new_slop, id };
	if (put_block(&blk) != 0)
		return;
	/* The bytes move from the old context to the realloc call site. */
	hs_contexts_touch(&rec.ctxs, old->ctx)->live_bytes -= old->req_bytes;
	hs_contexts_touch(&rec.ctxs, id)->live_bytes += new_req_bytes;
	int64_t delta = (int64_t)(new_req_bytes - old->req_bytes) +
			(int64_t)(new_slop - (uint64_t)old->slop_bytes);
	rec.heap_bytes += new_req_bytes - old->req_bytes;
	rec.extra_bytes += new_slop - (uint64_t)old->slop_bytes;
	rec.churn_bytes += (uint64_t)(delta < 0 ? -delta : delta);
	normal_attempt();
}

void hs_rec_realloc_end(uint64_t handle, void *new_ptr, size_t new_req_bytes,
			const uintptr_t *frames, unsigned n_frames)
{
	if (handle == 0)
		return;
	if (live_due())
		live_dump();
	if (n_frames > HS_MAX_FRAMES)
		n_frames = HS_MAX_FRAMES;
	uint64_t hash = 0;
	uint32_t id = HS_CTX_NONE;
	int fresh = 0;
	if (new_ptr != NULL) {
		hash = hs_frames_hash(frames, n_frames);
		id = cached_context(frames, n_frames, hash);
	}
	int locked = rec_lock();
	struct pending *p = (struct pending *)(uintptr_t)handle;
	struct hs_block old = p->blk;
	p->next = rec.free_pending;
	rec.free_pending = p;
	if (atomic_load(&rec.state) == REC_ON) {
		if (new_ptr == NULL) {
			/* The real realloc failed: the old block lives on. */
			put_block(&old);
		} else {
			resize_block(&old, (uintptr_t)new_ptr, new_req_bytes, frames, n_frames,
				     hash, &id, &fresh);
		}
	}
	rec_unlock(locked);
	if (fresh)
		hs_contexts_remember(&rec.ctxs, id);
}

/* ---- Sampling mode (--sample; recorder.h, sampler.h) ---------------- */


/* With threads, a thread's counted churn reaches the totals at least this
 * often, so the time (--time-unit=B) and the snapshots move on. */
#define HS_COUNT_CHURN_BATCH ((uint64_t)1 << 20)

/* A thread's counts of unsampled blocks not yet in the totals. */
struct counts {
	int64_t heap_bytes;
	int64_t extra_bytes;
	uint64_t churn_bytes;
	uint32_t allocs, frees, reallocs; /* --stats=yes */
	int keyed;                        /* the exit destructor is set for this thread */
};

static __thread struct counts tl_counts __attribute__((tls_model("initial-exec")));
static pthread_key_t g_counts_key;
static int g_counts_key_ok;

/* The direct call sites' bytes counted without the lock (threads): each
 * thread adds to an array of its own, from the arena, registered on the
 * thread's first such count under the lock, read by whoever writes a
 * snapshot's SITES (lock held; relaxed loads of the owner's relaxed
 * stores: no read-modify-write is shared), and folded into
 * hs_callsites.bytes at the thread's exit, the array then free for the
 * next thread.  Such bytes are current while the totals lag by up to
 * HS_SAMPLE_THREAD_SLACK_BYTES per thread. */
struct site_deltas {
	int64_t bytes[HS_CALLSITES_IDS + 1]; /* by site id */
	struct site_deltas *next;            /* every array made */
	int in_use;
};

static __thread struct site_deltas *tl_sites __attribute__((tls_model("initial-exec")));
/* This thread gave its array back at its exit: later counts (glibc's
 * freeres, later destructor rounds) go straight to the shared bytes, or
 * an array taken then would never be given back. */
static __thread int tl_sites_gone __attribute__((tls_model("initial-exec")));
/* The recording tl_sites is from (a new one gives back the arena). */
static __thread unsigned tl_sites_gen __attribute__((tls_model("initial-exec")));
static unsigned g_sites_gen;
static struct site_deltas *g_site_deltas; /* lock held */
static int64_t g_site_sum[HS_CALLSITES_IDS + 1]; /* journal_sites' scratch */
static int g_sites_used; /* the table may hold sites: reset at the next start */

/* This thread's array, taken under the lock (NULL: out of memory). */
static __attribute__((noinline)) struct site_deltas *sites_attach(void)
{
	if (g_guard != NULL)
		g_guard(1);
	pthread_mutex_lock(&g_rec_lock.mutex);
	struct site_deltas *d = g_site_deltas;
	while (d != NULL && d->in_use)
		d = d->next;
	if (d == NULL) {
		d = hs_arena_alloc(&rec.arena, sizeof *d); /* zeroed: no page touched */
		if (d != NULL) {
			d->next = g_site_deltas;
			g_site_deltas = d;
		}
	}
	if (d != NULL)
		d->in_use = 1;
	else
		hs_callsites_give_up();
	tl_sites = d;
	tl_sites_gen = __atomic_load_n(&g_sites_gen, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&g_rec_lock.mutex);
	if (g_guard != NULL)
		g_guard(-1);
	return d;
}

/* Site id's bytes += delta at a thread's very end, lock taken (cold). */
static __attribute__((noinline)) void sites_delta_late(unsigned id, int64_t delta)
{
	if (g_guard != NULL)
		g_guard(1);
	pthread_mutex_lock(&g_rec_lock.mutex);
	hs_callsites_move(id, delta);
	pthread_mutex_unlock(&g_rec_lock.mutex);
	if (g_guard != NULL)
		g_guard(-1);
}

/* Site id's bytes += delta, counted without the lock (threads). */
static inline void sites_delta(unsigned id, int64_t delta)
{
	if (id - 1 >= HS_CALLSITES_IDS)
		return;
	struct site_deltas *d = tl_sites;
	if (HS_UNLIKELY_CORE(d == NULL || tl_sites_gen != __atomic_load_n(&g_sites_gen,
									   __ATOMIC_RELAXED))) {
		/* Out of memory once: no SITES any more, and no lock per call. */
		if (!hs_callsites_exact())
			return;
		if (tl_sites_gone && tl_sites_gen == __atomic_load_n(&g_sites_gen, __ATOMIC_RELAXED)) {
			sites_delta_late(id, delta);
			return;
		}
		int saved = errno;
		d = sites_attach();
		errno = saved;
		if (d == NULL)
			return;
	}
	__atomic_store_n(&d->bytes[id], __atomic_load_n(&d->bytes[id], __ATOMIC_RELAXED) + delta,
			 __ATOMIC_RELAXED);
}

/* The exiting thread's array into the sites' bytes, and free (no guard
 * raised, as counts_thread_exit). */
static void sites_thread_exit(void)
{
	struct site_deltas *d = tl_sites;
	if (d == NULL) {
		tl_sites_gone = 1;
		tl_sites_gen = __atomic_load_n(&g_sites_gen, __ATOMIC_RELAXED);
		return;
	}
	if (g_guard != NULL)
		g_guard(1);
	pthread_mutex_lock(&g_rec_lock.mutex);
	if (tl_sites_gen != g_sites_gen)
		d = NULL; /* an earlier recording's: its arena is gone */
	/* Only the ids handed out: the pages past them stay untouched. */
	unsigned n = hs_callsites_count();
	for (unsigned id = 1; d != NULL && id <= n; id++) {
		if (d->bytes[id] == 0)
			continue; /* a page the thread never wrote stays untouched */
		hs_callsites.bytes[id] += d->bytes[id];
		__atomic_store_n(&d->bytes[id], 0, __ATOMIC_RELAXED);
	}
	if (d != NULL)
		d->in_use = 0;
	tl_sites = NULL;
	tl_sites_gone = 1;
	tl_sites_gen = g_sites_gen;
	pthread_mutex_unlock(&g_rec_lock.mutex);
	if (g_guard != NULL)
		g_guard(-1);
}

/* Sampling mode: the direct call sites' exact bytes after a detailed
 * snapshot's record, while they are exact (callsites.h), then the sites
 * the table refused, if any; lock held. */
static void journal_sites(const struct hs_snapshot *snap)
{
	if (rec.opts.sample_bytes == 0 || !snap->detailed)
		return;
	uint32_t refused;
	int more;
	hs_callsites_refused(&refused, &more);
	uint32_t lost = (more ? HS_SITES_LOST_MORE : 0) |
			(hs_callsites_exact() ? 0 : HS_SITES_LOST_GAVE_UP);
	if (!hs_callsites_exact()) {
		hs_journal_sites_lost(&rec.journal, refused, lost);
		return;
	}
	/* The sites are ids 1..n (callsites.h): the walk visits those. */
	unsigned n = hs_callsites_count();
	const int64_t *bytes = hs_callsites.bytes;
	if (g_site_deltas != NULL) {
		/* Threads: their own deltas added in (sites_delta). */
		for (unsigned id = 1; id <= n; id++) {
			int64_t v = 0;
			if (__atomic_load_n(&hs_callsites.addr[id], __ATOMIC_RELAXED) != 0) {
				v = hs_callsites.bytes[id];
				for (const struct site_deltas *d = g_site_deltas; d != NULL;
				     d = d->next)
					v += __atomic_load_n(&d->bytes[id], __ATOMIC_RELAXED);
			}
			g_site_sum[id] = v;
		}
		bytes = g_site_sum;
	}
	hs_journal_sites(&rec.journal, hs_callsites.addr + 1, bytes + 1, n);
	hs_journal_sites_lost(&rec.journal, refused, lost);
}

/* Sampling mode takes a freed block's size from its tag: a block from
 * __libc_malloc (no tag) or a tag the program overwrote gives a wrong
 * one.  So a subtraction never takes the totals below zero; what it could
 * not take is owed, and paid from the next threads' counts that add (with
 * threads, one thread's frees may reach the totals before another's
 * allocations of the same blocks).  Lock held or one thread. */
static uint64_t g_heap_owed, g_extra_owed;

HS_HOT void total_sub(uint64_t *total, uint64_t *owed, uint64_t bytes)
{
	if (HS_UNLIKELY_CORE(bytes > *total)) {
		*owed += bytes - *total;
		*total = 0;
	} else {
		*total -= bytes;
	}
}

static void total_add_paying(uint64_t *total, uint64_t *owed, uint64_t bytes)
{
	uint64_t pay = bytes < *owed ? bytes : *owed;
	*owed -= pay;
	*total += bytes - pay;
}

/* A normal attempt that keeps errno (a snapshot writes the record): the
 * count paths are called without the caller saving it. */
HS_HOT void normal_attempt_quiet(void)
{
	if (hs_snapshots_skip(&rec.snaps, hs_clock_upper_bound(&rec.clock)))
		return;
	int saved = errno;
	normal_attempt();
	errno = saved;
}

HS_HOT void peak_attempt_quiet(void)
{
	if (!hs_snapshots_peak_due(&rec.snaps, rec.heap_bytes, rec.extra_bytes))
		return;
	int saved = errno;
	peak_attempt();
	errno = saved;
}

/* Totals += a new block of req_bytes, as add_block.  Lock held (or one
 * thread), recording on. */
HS_HOT void count_add(uint64_t req_bytes, unsigned site)
{
	rec.stats.allocs++;
	hs_callsites_move(site, (int64_t)req_bytes);
	uint64_t extra = rec.opts.heap_admin + slop_of(req_bytes);
	rec.heap_bytes += req_bytes;
	rec.extra_bytes += extra;
	rec.churn_bytes += req_bytes + extra;
}

/* count_add, then a normal attempt. */
HS_HOT void count_new(uint64_t req_bytes, unsigned site)
{
	count_add(req_bytes, site);
	normal_attempt_quiet();
}

/* Totals -= a freed block of req_bytes whose context loses weight_bytes
 * (ctx HS_CTX_NONE: unsampled), as account_free, its peak attempt made. */
HS_HOT void count_sub_after_peak(uint64_t req_bytes, uint32_t ctx, uint64_t weight_bytes,
				 unsigned site)
{
	rec.stats.frees++;
	hs_callsites_move(site, -(int64_t)req_bytes);
	uint64_t extra = rec.opts.heap_admin + slop_of(req_bytes);
	total_sub(&rec.heap_bytes, &g_heap_owed, req_bytes);
	total_sub(&rec.extra_bytes, &g_extra_owed, extra);
	rec.churn_bytes += req_bytes + extra;
	if (ctx != HS_CTX_NONE)
		hs_contexts_touch(&rec.ctxs, ctx)->live_bytes -= weight_bytes;
}

/* The peak attempt (the totals still hold the block), then
 * count_sub_after_peak. */
HS_HOT void count_sub(uint64_t req_bytes, uint32_t ctx, uint64_t weight_bytes, unsigned site)
{
	peak_attempt_quiet();
	count_sub_after_peak(req_bytes, ctx, weight_bytes, site);
}

/* count_sub, then a normal attempt while recording. */
HS_HOT void count_gone(uint64_t req_bytes, uint32_t ctx, uint64_t weight_bytes, unsigned site)
{
	count_sub(req_bytes, ctx, weight_bytes, site);
	if (atomic_load_explicit(&rec.state, memory_order_relaxed) == REC_ON)
		normal_attempt_quiet();
}

/* The count paths' call that is not quick: a live dump if asked, the
 * normal attempt, and the next quick calls. */
static __attribute__((noinline)) void count_tick(void)
{
	int saved = errno;
	if (live_due())
		live_dump();
	if (atomic_load_explicit(&rec.state, memory_order_relaxed) == REC_ON) {
		if (!hs_snapshots_skip(&rec.snaps, hs_clock_upper_bound(&rec.clock))) {
			normal_attempt();
		} else {
			unsigned k = hs_clock_take_repeats(&rec.clock);
			rec.snaps.n_skipped += k; /* as hs_snapshots_skip would count them */
			g_quick_left = k;
		}
	}
	errno = saved;
}

HS_HOT void count_attempt_quick(void)
{
	if (__builtin_expect(g_quick_left != 0, 1))
		g_quick_left--;
	else
		count_tick();
}

/* c into the totals (a peak attempt first if they shrink); lock held or
 * one thread. */
static void counts_apply(struct counts *c)
{
	int64_t heap = c->heap_bytes, extra = c->extra_bytes;
	uint64_t churn = c->churn_bytes;
	if (heap == 0 && extra == 0 && churn == 0)
		return;
	c->heap_bytes = c->extra_bytes = 0;
	c->churn_bytes = 0;
	uint32_t allocs = c->allocs, frees = c->frees, reallocs = c->reallocs;
	c->allocs = c->frees = c->reallocs = 0;
	if (atomic_load_explicit(&rec.state, memory_order_relaxed) != REC_ON)
		return;
	rec.stats.allocs += allocs;
	rec.stats.frees += frees;
	rec.stats.reallocs += reallocs;
	if (heap + extra < 0)
		peak_attempt_quiet();
	if (heap < 0)
		total_sub(&rec.heap_bytes, &g_heap_owed, -(uint64_t)heap);
	else
		total_add_paying(&rec.heap_bytes, &g_heap_owed, (uint64_t)heap);
	if (extra < 0)
		total_sub(&rec.extra_bytes, &g_extra_owed, -(uint64_t)extra);
	else
		total_add_paying(&rec.extra_bytes, &g_extra_owed, (uint64_t)extra);
	rec.churn_bytes += churn;
	if (atomic_load_explicit(&rec.state, memory_order_relaxed) == REC_ON)
		normal_attempt_quiet();
}

/* This thread's counts into the totals, taking the lock (threads). */
static void counts_flush_locked(struct counts *c)
{
	if (g_guard != NULL)
		g_guard(1);
	lock_and_drain();
	counts_apply(c);
	pthread_mutex_unlock(&g_rec_lock.mutex);
	if (g_guard != NULL)
		g_guard(-1);
}

/* A thread with counts is exiting (key destructor, no guard raised). */
static void counts_thread_exit(void *arg)
{
	struct counts *c = arg;
	/* A count made after this (a later destructor's free) keys the
	 * thread again: glibc then runs another destructor round. */
	c->keyed = 0;
	if (atomic_load(&rec.state) == REC_ON)
		counts_flush_locked(c);
	sites_thread_exit();
}

/* A thread's first count: its counts must reach the totals when it
 * exits, however little it counted.  glibc 2.36's pthread_setspecific
 * takes no lock and, for a key below PTHREAD_KEY_2NDLEVEL_SIZE (32; ours
 * is made at start-up), writes the thread's static first block; a higher
 * key would calloc its second-level block, so the guard is raised and
 * that goes to the own heap. */
static __attribute__((noinline)) void counts_key(struct counts *c)
{
	c->keyed = 1;
	if (!g_counts_key_ok)
		return;
	if (g_guard != NULL)
		g_guard(1);
	pthread_setspecific(g_counts_key, c);
	if (g_guard != NULL)
		g_guard(-1);
}

static void counts_init(const struct hs_options *opts)
{
	if (!g_counts_key_ok)
		g_counts_key_ok = pthread_key_create(&g_counts_key, counts_thread_exit) == 0;
	tl_counts.heap_bytes = tl_counts.extra_bytes = 0;
	tl_counts.churn_bytes = 0;
	tl_counts.allocs = tl_counts.frees = tl_counts.reallocs = 0;
	g_heap_owed = g_extra_owed = 0;
	/* Untouched in exact mode: the table's 384 KiB of pages stay unmapped
	 * (a recording before this one in the process, sampled, reset it). */
	if (g_sites_used)
		hs_callsites_reset();
	g_sites_used = opts->sample_bytes != 0;
	g_site_deltas = NULL; /* the arena's, given back with it */
	tl_sites = NULL;
	__atomic_store_n(&g_sites_gen, g_sites_gen + 1, __ATOMIC_RELAXED);
}

/* The ending thread's counts (lock held); the others' stay out, within
 * HS_SAMPLE_THREAD_SLACK_BYTES each. */
static void counts_end(void)
{
	counts_apply(&tl_counts);
}

/* Whether c has drifted far enough from the totals to join them. */
static inline int counts_due(const struct counts *c)
{
	int64_t d = c->heap_bytes + c->extra_bytes;
	return d >= (int64_t)HS_SAMPLE_THREAD_SLACK_BYTES ||
	       d <= -(int64_t)HS_SAMPLE_THREAD_SLACK_BYTES ||
	       c->churn_bytes >= HS_COUNT_CHURN_BATCH;
}

/* Whether a count with threads may take the quick path: the thread's
 * destructor set, and its array of site deltas current where a site is
 * counted (sites_delta's slow cases otherwise). */
HS_HOT int threads_quick(const struct counts *c, unsigned site)
{
	return c->keyed && (site - 1 >= HS_CALLSITES_IDS ||
			    (tl_sites != NULL &&
			     tl_sites_gen == __atomic_load_n(&g_sites_gen, __ATOMIC_RELAXED)));
}

/* counts_flush_locked, out of line: threads_count's callers then save no
 * register for it. */
static __attribute__((noinline)) void counts_flush_cold(struct counts *c)
{
	counts_flush_locked(c);
}

/* A count with threads, into the thread's counts (threads_quick true, or
 * its slow cases done): delta bytes more (an allocation) or less. */
HS_HOT void threads_count(struct counts *c, size_t req_bytes, unsigned site, int freed)
{
	int64_t delta = freed ? -(int64_t)req_bytes : (int64_t)req_bytes;
	if (site - 1 < HS_CALLSITES_IDS) {
		struct site_deltas *d = tl_sites;
		__atomic_store_n(&d->bytes[site],
				 __atomic_load_n(&d->bytes[site], __ATOMIC_RELAXED) + delta,
				 __ATOMIC_RELAXED);
	}
	uint64_t extra = rec.opts.heap_admin + slop_of(req_bytes);
	c->heap_bytes += delta;
	c->extra_bytes += freed ? -(int64_t)extra : (int64_t)extra;
	if (freed)
		c->frees++;
	else
		c->allocs++;
	c->churn_bytes += req_bytes + extra;
	if (__builtin_expect(counts_due(c), 0))
		counts_flush_cold(c);
}

/* hs_rec_count_alloc's paths other than the usual ones. */
static __attribute__((noinline)) void count_alloc_slow(size_t req_bytes, unsigned site)
{
	struct counts *c = &tl_counts;
	if (live_due())
		live_dump(); /* this thread's counts first (live_dump) */
	if (hs_single_threaded()) {
		counts_apply(c); /* left from when there were threads */
		count_new(req_bytes, site);
		return;
	}
	if (HS_UNLIKELY_CORE(!c->keyed))
		counts_key(c);
	sites_delta(site, (int64_t)req_bytes);
	threads_count(c, req_bytes, 0, 0); /* the site counted just above */
}

/* The usual paths (one thread, no counts left from when there were more;
 * or threads_quick) have no call but a tick's or a flush's, so they save
 * no registers. */
void hs_rec_count_alloc(size_t req_bytes, unsigned site)
{
	if (!hs_rec_active())
		return;
	if (hs_single_threaded()) {
		if (__builtin_expect(tl_counts.churn_bytes != 0, 0)) {
			count_alloc_slow(req_bytes, site);
			return;
		}
		count_add(req_bytes, site);
		count_attempt_quick(); /* polls for a live dump too */
		return;
	}
	struct counts *c = &tl_counts;
	if (__builtin_expect(!threads_quick(c, site) || live_due(), 0)) {
		count_alloc_slow(req_bytes, site);
		return;
	}
	threads_count(c, req_bytes, site, 0);
}

/* hs_rec_count_free's paths other than the usual ones. */
static __attribute__((noinline)) void count_free_slow(size_t req_bytes, unsigned site)
{
	struct counts *c = &tl_counts;
	if (hs_single_threaded()) {
		counts_apply(c);
		count_sub(req_bytes, HS_CTX_NONE, 0, site);
		if (atomic_load_explicit(&rec.state, memory_order_relaxed) == REC_ON)
			count_attempt_quick();
		return;
	}
	if (HS_UNLIKELY_CORE(!c->keyed))
		counts_key(c);
	sites_delta(site, -(int64_t)req_bytes);
	threads_count(c, req_bytes, 0, 1); /* the site counted just above */
}

void hs_rec_count_free(size_t req_bytes, unsigned site)
{
	if (!hs_rec_active())
		return;
	if (hs_single_threaded()) {
		int usual = tl_counts.churn_bytes == 0 &&
			    !hs_snapshots_peak_due(&rec.snaps, rec.heap_bytes, rec.extra_bytes);
		if (__builtin_expect(!usual, 0)) {
			count_free_slow(req_bytes, site); /* the peak attempt there */
			return;
		}
		count_sub_after_peak(req_bytes, HS_CTX_NONE, 0, site);
		count_attempt_quick();
		return;
	}
	struct counts *c = &tl_counts;
	if (__builtin_expect(!threads_quick(c, site), 0)) {
		count_free_slow(req_bytes, site);
		return;
	}
	threads_count(c, req_bytes, site, 1);
}

/* Enter sampled block ptr of context id, weight_bytes in the table and
 * its context; lock held, recording on. */
static int enter_sampled(uintptr_t ptr, uint64_t weight_bytes, uint32_t id)
{
	if (id == HS_CTX_NONE) {
		give_up_locked("out of memory");
		return -1;
	}
	/* The weight in the requested size's place, with the slop that packs. */
	struct hs_block blk = { ptr, weight_bytes, (uint32_t)(-weight_bytes & 15), id };
	if (put_block(&blk) != 0)
		return -1;
	hs_contexts_touch(&rec.ctxs, id)->live_bytes += weight_bytes;
	return 0;
}

void hs_rec_sampled_alloc(void *ptr, size_t req_bytes, uint64_t weight_bytes,
			  const uintptr_t *frames, unsigned n_frames, unsigned site)
{
	if (!hs_rec_active() || ptr == NULL)
		return;
	uint64_t hash;
	uint32_t id = stack_start(frames, &n_frames, &hash);
	int fresh = 0;
	int locked = rec_lock();
	if (atomic_load(&rec.state) == REC_ON) {
		counts_apply(&tl_counts); /* this thread's earlier blocks first */
		id = context_of(id, frames, n_frames, hash, &fresh);
		if (atomic_load(&rec.state) == REC_ON &&
		    enter_sampled((uintptr_t)ptr, weight_bytes, id) == 0)
			count_new(req_bytes, site);
	}
	rec_unlock(locked);
	if (fresh)
		hs_contexts_remember(&rec.ctxs, id);
}

void hs_rec_sampled_free(void *ptr, size_t req_bytes, unsigned site)
{
	if (!hs_rec_active())
		return;
	int locked = rec_lock();
	if (atomic_load(&rec.state) == REC_ON) {
		counts_apply(&tl_counts);
		struct hs_block blk;
		if (hs_blocks_remove(&rec.blocks, (uintptr_t)ptr, &blk)) {
			count_gone(req_bytes, blk.ctx, blk.req_bytes, site);
		} else {
			count_gone(req_bytes, HS_CTX_NONE, 0, site); /* a tag the program overwrote */
		}
	}
	rec_unlock(locked);
}

uint64_t hs_rec_sampled_realloc_begin(void *old_ptr)
{
	if (!hs_rec_active() || old_ptr == NULL)
		return 0;
	uint64_t handle = 0;
	int locked = rec_lock();
	struct hs_block blk;
	if (atomic_load(&rec.state) == REC_ON &&
	    hs_blocks_remove(&rec.blocks, (uintptr_t)old_ptr, &blk)) {
		struct pending *p = take_pending();
		if (p == NULL) {
			hs_contexts_touch(&rec.ctxs, blk.ctx)->live_bytes -= blk.req_bytes;
			give_up_locked("out of memory");
		} else {
			p->blk = blk;
			handle = (uint64_t)(uintptr_t)p;
		}
	}
	rec_unlock(locked);
	return handle;
}

/* A realloc of old_req to new_req bytes in the totals, each block's slop
 * a fresh block's: no table keeps a block's slop, so its free will take
 * slop_of(new_req) off the extra, and so must this.  (Massif keeps the
 * old slop, grown by what the block shrank, for a block that shrinks in
 * place: counted here, a 1000-byte block shrunk to 10 then freed left
 * 992 bytes of extra for good.)  Lock held or one thread; recording on.
 * Returns 0, or -1 when recording stopped. */
HS_HOT int count_resize(uint64_t old_req, uint64_t new_req, unsigned old_site, unsigned site)
{
	rec.stats.reallocs++;
	if (new_req < old_req) {
		peak_attempt_quiet();
		if (atomic_load(&rec.state) != REC_ON)
			return -1;
	}
	hs_callsites_move(old_site, -(int64_t)old_req);
	hs_callsites_move(site, (int64_t)new_req);
	uint64_t old_slop = slop_of(old_req);
	uint64_t new_slop = slop_of(new_req);
	int64_t delta = (int64_t)(new_req - old_req) + (int64_t)(new_slop - old_slop);
	if (new_req < old_req)
		total_sub(&rec.heap_bytes, &g_heap_owed, old_req - new_req);
	else
		rec.heap_bytes += new_req - old_req;
	if (new_slop < old_slop)
		total_sub(&rec.extra_bytes, &g_extra_owed, old_slop - new_slop);
	else
		rec.extra_bytes += new_slop - old_slop;
	rec.churn_bytes += (uint64_t)(delta < 0 ? -delta : delta);
	return 0;
}

/* hs_rec_count_realloc's paths other than the usual one: with threads,
 * into the thread's counts, as a free and a new block; with counts left
 * from threads, under the lock.  Out of line: the usual path then saves
 * no register for them. */
static __attribute__((noinline)) void count_realloc_slow(void *new_ptr, size_t old_req_bytes,
							 size_t new_req_bytes, unsigned old_site,
							 unsigned site)
{
	if (hs_single_threaded()) {
		hs_rec_sampled_realloc_end(0, old_req_bytes, new_ptr, new_req_bytes, 0, NULL, 0,
					   old_site, site);
		return;
	}
	if (!hs_rec_active())
		return;
	if (live_due())
		live_dump();
	struct counts *c = &tl_counts;
	if (HS_UNLIKELY_CORE(!c->keyed))
		counts_key(c);
	sites_delta(old_site, -(int64_t)old_req_bytes);
	sites_delta(site, (int64_t)new_req_bytes);
	uint64_t old_extra = rec.opts.heap_admin + slop_of(old_req_bytes);
	uint64_t new_extra = rec.opts.heap_admin + slop_of(new_req_bytes);
	c->heap_bytes += (int64_t)new_req_bytes - (int64_t)old_req_bytes;
	c->extra_bytes += (int64_t)new_extra - (int64_t)old_extra;
	c->churn_bytes += old_req_bytes + old_extra + new_req_bytes + new_extra;
	c->reallocs++;
	if (counts_due(c))
		counts_flush_locked(c);
}

void hs_rec_count_realloc(void *new_ptr, size_t old_req_bytes, size_t new_req_bytes,
			  unsigned old_site, unsigned site)
{
	if (hs_single_threaded() && __builtin_expect(tl_counts.churn_bytes == 0, 1)) {
		/* As the count paths (their tick polls for a live dump). */
		if (hs_rec_active() &&
		    count_resize(old_req_bytes, new_req_bytes, old_site, site) == 0)
			count_attempt_quick();
		return;
	}
	count_realloc_slow(new_ptr, old_req_bytes, new_req_bytes, old_site, site);
}

void hs_rec_sampled_realloc_end(uint64_t handle, size_t old_req_bytes, void *new_ptr,
				size_t new_req_bytes, uint64_t weight_bytes,
				const uintptr_t *frames, unsigned n_frames, unsigned old_site,
				unsigned site)
{
	if (handle == 0 && (new_ptr == NULL || !hs_rec_active()))
		return;
	if (live_due())
		live_dump();
	if (n_frames > HS_MAX_FRAMES)
		n_frames = HS_MAX_FRAMES;
	uint64_t hash = 0;
	uint32_t id = HS_CTX_NONE;
	int fresh = 0;
	if (weight_bytes != 0) {
		hash = hs_frames_hash(frames, n_frames);
		id = cached_context(frames, n_frames, hash);
	}
	int locked = rec_lock();
	struct pending *p = (struct pending *)(uintptr_t)handle;
	struct hs_block old = { 0, 0, 0, HS_CTX_NONE };
	if (p != NULL) {
		old = p->blk;
		p->next = rec.free_pending;
		rec.free_pending = p;
	}
	if (atomic_load(&rec.state) == REC_ON) {
		counts_apply(&tl_counts);
		if (new_ptr == NULL) {
			/* The real realloc failed: the old block lives on. */
			put_block(&old);
		} else if (count_resize(old_req_bytes, new_req_bytes, old_site, site) == 0) {
			/* The old weight leaves its context after the peak attempt. */
			if (old.ctx != HS_CTX_NONE)
				hs_contexts_touch(&rec.ctxs, old.ctx)->live_bytes -= old.req_bytes;
			if (weight_bytes != 0) {
				id = context_of(id, frames, n_frames, hash, &fresh);
				enter_sampled((uintptr_t)new_ptr, weight_bytes, id);
			}
			if (atomic_load(&rec.state) == REC_ON)
				normal_attempt_quiet();
		}
	} else if (p != NULL && old.ctx != HS_CTX_NONE) {
		hs_contexts_touch(&rec.ctxs, old.ctx)->live_bytes -= old.req_bytes;
	}
	rec_unlock(locked);
	if (fresh)
		hs_contexts_remember(&rec.ctxs, id);
}

/* The pid, from the kernel (getpid may be a cached value in a child). */
static uint32_t own_pid(void)
{
	return (uint32_t)syscall(SYS_getpid);
}

int hs_rec_journal_open(int fd, const char *options_text, const char *cmd)
{
	pthread_mutex_lock(&g_rec_lock.mutex);
	hs_tlog_drain();
	int state = atomic_load(&rec.state);
	int rc;
	rec.journal.reopen = g_reopen_raw;
	if (state == REC_OFF || fd < 0 || hs_journal_open(&rec.journal, fd) != 0) {
		pthread_mutex_unlock(&g_rec_lock.mutex);
		return -1;
	}
	/* Opened late (after the start-up snapshot, or in a forked child):
	 * what the process holds so far comes first, so the record alone
	 * rebuilds it. */
	hs_journal_header(&rec.journal, own_pid(), &rec.opts, options_text, cmd);
	hs_journal_contexts(&rec.journal, &rec.ctxs);
	for (unsigned i = 0; i < rec.snaps.count; i++) {
		hs_journal_snapshot(&rec.journal, &rec.snaps.table[i]);
		hs_journal_point_of(&rec.journal, &rec.snaps.table[i]);
	}
	if (rec.snaps.count != 0)
		hs_journal_table(&rec.journal, &rec.snaps);
	/* The series of the new record restarts from nothing: the next point
	 * lists every context whose bytes it does not hold yet. */
	hs_contexts_touch_all(&rec.ctxs);
	if (state == REC_STOPPED)
		hs_journal_stop(&rec.journal, rec.stop_reason);
	journal_flush();
	rc = hs_journal_on(&rec.journal) ? 0 : -1;
	pthread_mutex_unlock(&g_rec_lock.mutex);
	return rc;
}

void hs_rec_journal_maps(const char *text, size_t len)
{
	int locked = rec_lock();
	if (atomic_load(&rec.state) != REC_OFF && hs_journal_on(&rec.journal)) {
		hs_journal_maps(&rec.journal, text, len);
		journal_flush();
	}
	rec_unlock(locked);
}

void hs_rec_journal_unloaded(uintptr_t start, uintptr_t end, const char *path)
{
	int locked = rec_lock();
	if (atomic_load(&rec.state) != REC_OFF && hs_journal_on(&rec.journal)) {
		hs_journal_unloaded(&rec.journal, start, end, path);
		journal_flush();
	}
	rec_unlock(locked);
}

int hs_rec_set_fn_ranges(const struct hs_fn_range *r, uint32_t n)
{
	pthread_mutex_lock(&g_rec_lock.mutex);
	int rc = hs_fn_ranges_set(&rec.fn_ranges, r, n);
	pthread_mutex_unlock(&g_rec_lock.mutex);
	return rc;
}

/* Append s to out[*at..len), keeping room for the NUL. */
static void put_text(char *out, size_t len, size_t *at, const char *s)
{
	while (*s != '\0' && *at + 1 < len)
		out[(*at)++] = *s++;
}

/* Append v in decimal (no stdio here). */
static void put_u64(char *out, size_t len, size_t *at, uint64_t v)
{
	char digits[24];
	int n = 0;
	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	char text[24];
	for (int i = 0; i < n; i++)
		text[i] = digits[n - 1 - i];
	text[n] = '\0';
	put_text(out, len, at, text);
}

size_t hs_rec_stats_text(char *out, size_t len)
{
	/* Massif's lines in Massif's order and columns ("Massif: " becomes
	 * "heapsnap: "); stack allocs is always 0, as in Massif without
	 * --stacks=yes.  Then what heapsnap adds: the contexts. */
	uint32_t n_ctx = hs_contexts_count(&rec.ctxs), n_ignored = 0;
	for (uint32_t id = 0; id < n_ctx; id++)
		n_ignored += hs_contexts_get(&rec.ctxs, id)->ignored;
	const struct {
		const char *label;
		uint64_t value;
	} lines[] = {
		{ "heap allocs:           ", rec.stats.allocs },
		{ "heap reallocs:         ", rec.stats.reallocs },
		{ "heap frees:            ", rec.stats.frees },
		{ "ignored heap allocs:   ", rec.stats.ignored_allocs },
		{ "ignored heap frees:    ", rec.stats.ignored_frees },
		{ "ignored heap reallocs: ", rec.stats.ignored_reallocs },
		{ "stack allocs:          ", 0 },
		{ "skipped snapshots:     ", rec.snaps.n_skipped },
		{ "real snapshots:        ", rec.snaps.n_taken },
		{ "detailed snapshots:    ", rec.snaps.n_detailed },
		{ "peak snapshots:        ", rec.snaps.n_peaks },
		{ "cullings:              ", rec.snaps.n_cullings },
		{ "contexts:              ", n_ctx },
		{ "ignored contexts:      ", n_ignored },
	};
	size_t at = 0;
	if (len == 0)
		return 0;
	for (size_t i = 0; i < sizeof lines / sizeof *lines; i++) {
		put_text(out, len, &at, "heapsnap: ");
		put_text(out, len, &at, lines[i].label);
		put_u64(out, len, &at, lines[i].value);
		put_text(out, len, &at, "\n");
	}
	out[at] = '\0';
	return at;
}

/* Take the lock within about 100 ms: from a signal handler, another thread
 * may hold it (it will let go: it is not waiting for us); never block for
 * ever.  Returns 1 when held. */
static int lock_bounded(void)
{
	for (int i = 0; i < 100; i++) {
		if (pthread_mutex_trylock(&g_rec_lock.mutex) == 0)
			return 1;
		struct timespec ms = { 0, 1000000 };
		hs_nc_nanosleep(&ms);
	}
	return 0;
}

static int end_with(const char *how, const char *early_reason)
{
	if (!lock_bounded())
		return -1;
	if (early_reason != NULL && rec.stop_reason[0] == '\0') {
		size_t n = strlen(early_reason);
		if (n >= HS_REASON_MAX)
			n = HS_REASON_MAX - 1;
		memcpy(rec.stop_reason, early_reason, n);
		rec.stop_reason[n] = '\0';
	}
	hs_tlog_drain();
	int state = atomic_load(&rec.state);
	if (state == REC_OFF || state == REC_DONE) {
		pthread_mutex_unlock(&g_rec_lock.mutex);
		return -1;
	}
	counts_end();
	if (state == REC_ON && rec.opts.final_snapshot) {
		if (hs_snapshots_final(&rec.snaps, now(), rec.heap_bytes, rec.extra_bytes,
				       &rec.ctxs) != 0)
			give_up_locked("out of memory");
		else
			journal_taken();
	}
	hs_journal_contexts(&rec.journal, &rec.ctxs);
	if (atomic_load(&rec.state) == REC_ON && early_reason == NULL &&
	    hs_journal_on(&rec.journal)) {
		/* The end of the run is a point of the series whatever
		 * --final-snapshot says: the Massif file keeps Massif's
		 * snapshots, the companion file gets the end (not the
		 * program's when recording ends early). */
		struct hs_point p = { rec.snaps.n_taken, now(), rec.heap_bytes,
				      rec.extra_bytes,   0,     0,
				      HS_POINT_END,      0,     rec.churn_bytes };
		probe_memory(&p.rss_bytes, &p.mapped_bytes);
		hs_journal_point(&rec.journal, &rec.ctxs, &p);
	}
	atomic_store(&rec.state, REC_DONE);
	hs_journal_end(&rec.journal, how != NULL ? how : "", rec.stop_reason);
	journal_flush();
	pthread_mutex_unlock(&g_rec_lock.mutex);
	return 0;
}

int hs_rec_end(const char *how)
{
	return end_with(how, NULL);
}

int hs_rec_end_early(const char *reason)
{
	return end_with("", reason);
}

/* A live dump's snapshot snap (its contexts written), answering request
 * req: in a side file, so that the raw record does not grow by a LIVE
 * record per dump (a long run dumped every few seconds); else in the raw
 * record.  Lock held. */
static void live_record(const struct hs_snapshot *snap, uint64_t req)
{
	int fd = g_live_side_open != NULL ? g_live_side_open() : -1;
	if (fd >= 0) {
		struct hs_journal_main main;
		/* After the flush, the side record's base is the whole raw record. */
		journal_flush();
		if (hs_journal_side_begin(&rec.journal, fd, &main) == 0) {
			hs_journal_live(&rec.journal, snap, req);
			journal_sites(snap);
			g_live_side_done(fd, hs_journal_side_end(&rec.journal, &main) == 0);
			return;
		}
		g_live_side_done(fd, 0);
	}
	hs_journal_live(&rec.journal, snap, req);
	journal_sites(snap);
}

/* Serve the launcher's dump request: a detailed snapshot of the heap now,
 * outside the table, as a LIVE record, flushed; then the request is
 * marked served (after flushed: the launcher reads them in that order). */
static void live_dump(void)
{
	int locked = rec_lock();
	struct hs_live_slot *l = rec.live;
	uint64_t req = l != NULL ? atomic_load_explicit(&l->request, memory_order_acquire) : 0;
	if (l != NULL && req != rec.live_seen) {
		__atomic_store_n(&rec.live_seen, req, __ATOMIC_RELAXED);
		/* The caller's own counts of unsampled blocks (--sample), so its
		 * events so far are in the dump as in exact mode. */
		if (rec.opts.sample_bytes != 0)
			counts_apply(&tl_counts);
		struct hs_snapshot snap;
		if (atomic_load(&rec.state) == REC_ON && hs_journal_on(&rec.journal)) {
			if (hs_snapshots_live(&rec.snaps, &snap, now(), rec.heap_bytes,
					      rec.extra_bytes, &rec.ctxs) != 0) {
				give_up_locked("out of memory");
			} else {
				hs_journal_contexts(&rec.journal, &rec.ctxs);
				live_record(&snap, req);
				hs_snapshot_drop(&rec.snaps, &snap);
			}
			journal_flush();
		}
		atomic_store_explicit(&l->served, req, memory_order_release);
	}
	rec_unlock(locked);
}

void hs_rec_live_attach(struct hs_live_slot *slot)
{
	/* Detaching takes no lock: it runs at the end, maybe in a signal
	 * handler; a dump being served keeps its own pointer (the page stays). */
	if (slot == NULL) {
		__atomic_store_n(&rec.live, NULL, __ATOMIC_RELEASE);
		return;
	}
	pthread_mutex_lock(&g_rec_lock.mutex);
	{
		uint64_t req = atomic_load_explicit(&slot->request, memory_order_acquire);
		__atomic_store_n(&rec.live_seen, req, __ATOMIC_RELAXED);
		atomic_store_explicit(&slot->served, req, memory_order_release);
		if (hs_journal_on(&rec.journal))
			atomic_store_explicit(&slot->flushed, rec.journal.written,
					      memory_order_release);
	}
	__atomic_store_n(&rec.live, slot, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&g_rec_lock.mutex);
}

void hs_rec_give_up(const char *reason)
{
	pthread_mutex_lock(&g_rec_lock.mutex);
	give_up_locked(reason != NULL ? reason : "stopped");
	pthread_mutex_unlock(&g_rec_lock.mutex);
}

void hs_rec_atfork_prepare(void)
{
	pthread_mutex_lock(&g_rec_lock.mutex);
}

void hs_rec_atfork_parent(void)
{
	pthread_mutex_unlock(&g_rec_lock.mutex);
}

void hs_rec_atfork_child(void)
{
	/* The parent's record is the parent's: nothing more goes to its fd
	 * from here (draining may take snapshots) until the preload layer
	 * opens the child's own, which rewrites everything from the start. */
	rec.journal.fd = -1;
	rec.live = NULL; /* the parent's slot: the child claims its own */
	/* Only the forking thread survives, and it holds the lock: it applies
	 * what the others logged before the fork, and their logs are free. */
	hs_tlog_drain();
	hs_tlog_atfork_child();
	pthread_mutex_unlock(&g_rec_lock.mutex);
	struct hs_tlog *l = hs_tlog_mine();
	if (l != NULL)
		hs_tlog_release(l, g_release);
}
