/* recorder: the heap profiler's core, called by the preload layer.
 *
 * Owns the live blocks, the allocation contexts (interned call stacks),
 * Massif's byte accounting and snapshot policy (spec sections 2.1-2.7), and
 * the raw record of them (journal.h), from which another process writes
 * the Massif file (src/resolve/).  It knows nothing of LD_PRELOAD: callers pass
 * pointers, sizes and already-captured stacks, so the unit tests drive it
 * with fake pointers.
 *
 * Threads: every locked path holds the recorder's lock for a bounded time.
 * Callers unwind before calling, never while the lock is held.  With more
 * than one thread, allocations of known stacks and frees go into the
 * thread's log instead (threadlog.h) and the lock is taken once a batch.
 * Nothing here calls malloc or stdio: memory comes from an mmap arena,
 * output goes through write(2).
 *
 * Stacks: frames[0] is the innermost frame outside the allocator entry
 * point (the return address into the caller, minus one), frames[n-1] the
 * outermost captured.  The recorder's own frames are already stripped.
 * Alloc-fn stripping, the cut below main and --depth are applied when the
 * raw record is resolved, where function names are known.
 */
#ifndef HS_RECORDER_H
#define HS_RECORDER_H

#include <stddef.h>
#include <stdint.h>

#include "contexts.h"
#include "fnranges.h"
#include "live.h"
#include "options.h"

#if __has_include(<sys/single_threaded.h>)
#include <sys/single_threaded.h>
#endif

/* Whether the process has a single thread (glibc's own test, the one its
 * malloc uses): then nothing else can enter the recorder, and no thread
 * can be created while this one is inside it, so locks may be skipped. */
static inline int hs_single_threaded(void)
{
#if __has_include(<sys/single_threaded.h>)
	return __libc_single_threaded != 0;
#else
	return 0;
#endif
}

/* Massif's --stats counters (ms_main.c's n_heap_allocs...): calls that
 * counted, and calls Massif ignores (--ignore-fn, fnranges.h). */
struct hs_rec_stats {
	uint64_t allocs, reallocs, frees;
	uint64_t ignored_allocs, ignored_frees, ignored_reallocs;
};

/* Start recording with opts (copied) and take the start-up snapshot at
 * time 0.  Returns 0, or -1 when the arena cannot be mapped (the caller
 * then lets the program run unrecorded). */
int hs_rec_init(const struct hs_options *opts);

/* Whether recording is on (initialised, not given up, not finished). */
int hs_rec_active(void);

/* The heap's bytes now (mem_heap_B + mem_heap_extra_B), read without the
 * lock: with threads, up to a batch per thread behind.  For advice only. */
uint64_t hs_rec_heap_now(void);

/* A new block at ptr of req_bytes (malloc, calloc, memalign family,
 * realloc(NULL, n)).  ptr must not be NULL. */
void hs_rec_alloc(void *ptr, size_t req_bytes, const uintptr_t *frames, unsigned n_frames);

/* Exact mode without the table (the layer above keeps each block's size
 * and a tag id in the block: sizetag.h).  hs_rec_alloc_untabled records
 * a new block as hs_rec_alloc does and returns its tag id (1 to
 * max_tag_id, which names its context), or 0 when the block went into the
 * table after all (more than one thread, a context without a tag id yet)
 * or was not recorded.  The free of such a block is hs_rec_free_untabled,
 * with that tag id; with threads (or before a realloc, which works on the
 * table) the block is first put into the table, as if hs_rec_alloc had
 * recorded it, with hs_rec_adopt.  Tag ids never given are ignored. */
#define HS_REC_TAG_IDS 8192u
uint32_t hs_rec_alloc_untabled(void *ptr, size_t req_bytes, const uintptr_t *frames,
			       unsigned n_frames, uint32_t max_tag_id);
void hs_rec_free_untabled(size_t req_bytes, uint32_t tag_id);
void hs_rec_adopt(void *ptr, size_t req_bytes, uint32_t tag_id);

/* A block at ptr is about to be recorded: start loading its table slot
 * (call before capturing the stack, so the two overlap).  No lock. */
void hs_rec_prefetch(const void *ptr);

/* ptr is about to be freed.  Called before the real free, so that no other
 * thread can be handed the same address in between.  Unknown pointers are
 * ignored. */
void hs_rec_free(void *ptr);

/* With more than one thread: log the free of ptr (not NULL), a block of
 * chunk_bytes from malloc (what the recorder may keep from it).  Returns 1
 * when the recorder keeps the block until the free is applied, then hands
 * it to the release hook (on this thread, maybe on this call); 0 when the
 * free was recorded at once and the caller releases the block now. */
int hs_rec_free_logged(void *ptr, size_t chunk_bytes);

/* The layer above's hooks: release gives a block back to the allocator
 * (frees of hs_rec_free_logged); guard(1) and guard(-1) raise and lower
 * its reentry guard around the recorder's work at thread exit.  Either may
 * be NULL (the tests: blocks are then never released). */
void hs_rec_set_hooks(void (*release)(void *), void (*guard)(int up));

/* How to open the raw record again when its fd was closed behind our back
 * (returns the new fd, or -1): tried once when a flush meets EBADF. */
void hs_rec_set_raw_reopen(int (*reopen)(void));

/* Where a live dump's snapshot goes: open_side returns the fd of a fresh
 * file (or -1), done(fd, whole) closes it and publishes it when whole
 * (doc/format-raw.md 6).  Unset (the tests), or when open_side fails,
 * the LIVE record goes into the raw record itself, as before. */
void hs_rec_set_live_side(int (*open_side)(void), void (*done)(int fd, int whole));

/* The raw record's fd moves from one number to another (the program is
 * about to put its own file at from); takes the lock.  Returns whether the
 * journal was on from. */
int hs_rec_journal_fd_moved(int from, int to);

/* The layer above's reading of the process's resident and mapped bytes
 * (/proc/self/statm), called under the lock at each snapshot and at the
 * end, never per call: returns 0, or -1 when unknown.  May be NULL (the
 * tests, or no /proc): the series then has 0 and 0. */
void hs_rec_set_memory_probe(int (*probe)(uint64_t *rss_bytes, uint64_t *mapped_bytes));

/* realloc(old_ptr, n) with old_ptr != NULL and n != 0, in two phases so the
 * old address is out of the table before the real realloc can release it.
 * begin removes the block and returns a handle (0 when old_ptr is unknown);
 * end accounts the resize (new_ptr != NULL) or puts the block back
 * (new_ptr == NULL: the real realloc failed). */
uint64_t hs_rec_realloc_begin(void *old_ptr);
void hs_rec_realloc_end(uint64_t handle, void *new_ptr, size_t new_req_bytes,
			const uintptr_t *frames, unsigned n_frames);

/* Sampling mode (--sample, opts.sample_bytes != 0; sampler.h and
 * doc/design.md).  The caller draws which blocks are sampled and knows
 * every block's requested size (the preload layer tags it).  Every block
 * counts in the totals; only sampled ones are in the block table, each
 * with its weight (the bytes it stands for) in its context.  With
 * threads, unsampled blocks are counted per thread and reach the totals
 * in batches (HS_SAMPLE_THREAD_SLACK_BYTES). */

/* In every call below, site (and old_site) is the block's direct call
 * site (callsites.h; 0: none), whose exact bytes the call moves (with
 * threads, in the thread's own deltas, summed at each snapshot). */

/* An unsampled new block of req_bytes: counted, nothing else. */
void hs_rec_count_alloc(size_t req_bytes, unsigned site);

/* The free of an unsampled block of req_bytes. */
void hs_rec_count_free(size_t req_bytes, unsigned site);

/* A realloc of an unsampled block of old_req_bytes that succeeded:
 * new_ptr (not NULL, maybe the same block), unsampled, of new_req_bytes.
 * hs_rec_sampled_realloc_end without a handle, weight or frames, in five
 * registers. */
void hs_rec_count_realloc(void *new_ptr, size_t old_req_bytes, size_t new_req_bytes,
			  unsigned old_site, unsigned site);

/* A sampled new block at ptr of req_bytes, standing for weight_bytes in
 * the context of frames. */
void hs_rec_sampled_alloc(void *ptr, size_t req_bytes, uint64_t weight_bytes,
			  const uintptr_t *frames, unsigned n_frames, unsigned site);

/* The free of ptr (req_bytes), which its tag says was sampled (the
 * layer above keeps that: sizetag.h); called before the real free.
 * Counted either way. */
void hs_rec_sampled_free(void *ptr, size_t req_bytes, unsigned site);

/* realloc(old_ptr, n) in sampling mode: begin takes old_ptr out of the
 * table if it is sampled (handle, else 0) before the real realloc; end
 * counts old_req_bytes -> new_req_bytes as Massif's realloc does, moves
 * the old weight out of its context, and enters new_ptr when
 * weight_bytes != 0 (sampled).  new_ptr NULL: the realloc failed, the old
 * block lives on unchanged. */
uint64_t hs_rec_sampled_realloc_begin(void *old_ptr);
void hs_rec_sampled_realloc_end(uint64_t handle, size_t old_req_bytes, void *new_ptr,
				size_t new_req_bytes, uint64_t weight_bytes,
				const uintptr_t *frames, unsigned n_frames, unsigned old_site,
				unsigned site);

/* Start the raw record (journal.h) on fd, which the caller opened and
 * keeps: the header (our pid, options_text as the user gave the options,
 * cmd), then everything recorded so far, so it may be called after
 * hs_rec_init and again in a forked child with a new fd.  Returns 0, or -1
 * when the recorder is not started or the record cannot be written (then
 * recording stops, said once on stderr). */
int hs_rec_journal_open(int fd, const char *options_text, const char *cmd);

/* The text of /proc/self/maps (read with open/read), into the record:
 * at start-up, after a dlopen, at the end. */
void hs_rec_journal_maps(const char *text, size_t len);

/* The module at path, mapped at [start, end), was unloaded (dlclose). */
void hs_rec_journal_unloaded(uintptr_t start, uintptr_t end, const char *path);

/* End the record: how the program ended ("exit", "_exit", "exec",
 * "signal 15 (SIGTERM)"...).  Takes the final snapshot only with
 * --final-snapshot=yes (by default the series is exactly Massif's), writes
 * the end point of the per-site series (always, while recording is on),
 * the END record and flushes; recording is off afterwards.  The lock is
 * taken with a bounded trylock, so it may be called from a signal handler
 * on a thread that is not inside the recorder.  Returns 0, or -1 when the
 * recorder was not started or has already ended, or its lock could not be
 * had (the record is then valid up to its last flush). */
int hs_rec_end(const char *how);

/* Live dumps (live.h): serve the dump requests of slot from now on, and
 * publish the raw record's length in it at every flush; NULL stops.  A
 * request is served at the next allocation or realloc: a detailed snapshot
 * of the heap as it is, outside the table (the Massif file at the end is
 * unchanged), written as a LIVE record and flushed. */
void hs_rec_live_attach(struct hs_live_slot *slot);

/* The code ranges of the --alloc-fn and --ignore-fn functions (the
 * launcher's answer, any order): from now on a new context whose first
 * frame outside the alloc-fns is an ignore-fn is ignored as Massif ignores
 * it.  Call before the first allocation is recorded.  Returns 0, or -1
 * when out of memory (then nothing is decided early). */
int hs_rec_set_fn_ranges(const struct hs_fn_range *r, uint32_t n);

/* Massif's --stats lines, headed "heapsnap:" instead of "Massif:", into
 * out (NUL-terminated, cut at len): the counters above, the snapshots
 * taken, skipped, detailed, peak and the cullings, and the contexts.
 * Returns the length.  No lock, no malloc: for after hs_rec_end (the
 * preload layer prints it when the process ends, as Massif's fini). */
size_t hs_rec_stats_text(char *out, size_t len);

/* hs_rec_end for a record that ends before the program does: the
 * program's end is not recorded, and reason (why recording stops) goes
 * into the raw record and from there into the desc: line. */
int hs_rec_end_early(const char *reason);

/* Stop recording for good (out of memory, a fatal error).  The reason goes
 * into the raw record, and from there into the Massif file's desc: line. */
void hs_rec_give_up(const char *reason);

/* fork(): take the lock in prepare, release it in parent and child. */
void hs_rec_atfork_prepare(void);
void hs_rec_atfork_parent(void);
void hs_rec_atfork_child(void);

#endif
