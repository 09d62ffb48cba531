/* interpose: the malloc family libheapsnap.so puts in front of glibc's
 * (and, in sampling mode, libstdc++'s operator new: see below).
 *
 * Each name only guards and forwards: to glibc's __libc_* entry points
 * (exported, so no dlsym bootstrap) and, around that, to the recorder core
 * (recorder.h) with a stack from unwind.h.  The library's life cycle
 * (start-up, signals, fork, exec, exit, dlopen) is lifecycle.c's.
 *
 * Reentrancy: a per-thread guard (initial-exec TLS) is raised while this
 * thread is inside the recorder or inside glibc's allocator on our behalf.
 * Any heap call made while it is raised (by the recorder, libunwind,
 * dlopen, or a signal handler that interrupted us) goes uncounted to the
 * recorder's own heap (ownheap.h), so the program's glibc heap stays as it
 * would be without us.  free, realloc and malloc_usable_size of an own
 * block go to the own heap whoever calls them.  So a signal handler calling
 * malloc never deadlocks on the recorder's lock: if it interrupted this
 * thread inside the recorder, its allocation simply goes unrecorded.
 * errno is preserved around the recording.
 *
 * Another allocator in the process (allocator.h): every function passes
 * its calls on to its next definition, from the paths taken while not
 * recording (the state is never ready then), so the recording paths pay
 * nothing for it.
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "allocator.h"
#include "callsites.h"
#include "freeq.h"
#include "lifecycle.h"
#include "ownheap.h"
#include "recorder.h"
#include "sampler.h"
#include "sizetag.h"
#include "tagshadow.h"
#include "unwind.h"

__thread int hs_tl_guard __attribute__((tls_model("initial-exec")));

/* The recorder's hook to raise (up = 1) or lower (-1) the guard. */
void hs_preload_move_guard(int up)
{
	hs_tl_guard += up;
}

/* Record a new block p of req bytes made by the caller (guard lowered). */
static void record_alloc(void *p, size_t req)
{
	const uintptr_t *frames;
	int saved = errno;

	/* Given up (out of memory) or finished: don't pay for a stack. */
	if (!hs_rec_active())
		return;
	hs_tl_guard++;
	hs_freeq_flush();   /* the frees before this malloc come first */
	hs_rec_prefetch(p); /* the table's cache miss overlaps the walk */
	unsigned n_frames = hs_unwind_capture(hs_preload_max_frames, &frames);
	hs_rec_alloc(p, req, frames, n_frames);
	hs_tl_guard--;
	errno = saved;
}

/* The tag ids an exact mode's tag can hold (recorder.h): the shadow's
 * site bits. */
#define HS_EXACT_TAG_MAX_ID ((uint32_t)HS_SHADOW_SITE_MASK)

/* Record a new block p of req bytes from malloc or calloc in exact mode
 * with tags (guard lowered): its tag id when the recorder keeps it out of
 * the table (the tag then says so), else 0. */
static uint32_t record_alloc_untabled(void *p, size_t req)
{
	const uintptr_t *frames;
	int saved = errno;

	if (!hs_rec_active())
		return 0;
	hs_tl_guard++;
	hs_freeq_flush(); /* the frees before this malloc come first */
	if (!hs_single_threaded())
		hs_rec_prefetch(p); /* into the table after all */
	unsigned n_frames = hs_unwind_capture(hs_preload_max_frames, &frames);
	uint32_t tag_id = hs_rec_alloc_untabled(p, req, frames, n_frames, HS_EXACT_TAG_MAX_ID);
	hs_tl_guard--;
	errno = saved;
	return tag_id;
}

/* ---- Sampling mode (--sample): every block tagged with its size
 * (sizetag.h), counted; one per hs_preload_sample_bytes on average gets
 * a stack and a table entry (sampler.h).  The guard is raised around the
 * counts, so a signal handler's malloc never sees them half done. */

static __thread struct hs_sampler hs_tl_sampler __attribute__((tls_model("initial-exec")));

/* Whether n leaves room for the tag (glibc refuses more anyway). */
#define HS_TAGGABLE(n) ((n) < (size_t)PTRDIFF_MAX - HS_TAG_ROOM)

/* The bytes asked of glibc beyond the request: none while the shadow can
 * hold the tags that do not fit (tagshadow.h), else room for the tag. */
static inline size_t tag_room(void)
{
	int off = __atomic_load_n(&hs_shadow_off, __ATOMIC_RELAXED);
	return __builtin_expect(off, 0) ? HS_TAG_ROOM : 0;
}

/* Fresh block p of req bytes (from calloc: zeroed; from memalign: align,
 * else 0), whose tag fits neither in it nor in the shadow (out of
 * memory), moved to a block with room for the tag inside; NULL (ENOMEM)
 * when glibc has no more either. */
static __attribute__((noinline)) void *with_room(void *p, size_t req, size_t align)
{
	void *q = align != 0 ? __libc_memalign(align, req + HS_TAG_ROOM)
			     : __libc_realloc(p, req + HS_TAG_ROOM); /* keeps calloc's zeroes */
	if (q == NULL || align != 0)
		__libc_free(p);
	if (q == NULL)
		errno = ENOMEM;
	return q;
}

/* Fresh block p of req bytes (align, fresh: as with_room and
 * hs_tag_put) tagged with counted and site, moved to a block with room
 * for the tag when neither it nor the shadow has any; NULL (ENOMEM) when
 * glibc has no more either. */
static inline __attribute__((always_inline)) void *tag_new(void *p, size_t req, int counted,
							   unsigned site, size_t align, int fresh)
{
	if (HS_UNLIKELY(hs_tag_put(p, req, counted, site, fresh) != 0)) {
		p = with_room(p, req, align);
		if (p != NULL)
			hs_tag_set_site(p, req, counted, site);
	}
	return p;
}

/* Stack and weight of the sampled new block p of req bytes, for realloc
 * too (handle: its old block's, 0 for a new block).  Guard raised. */
static __attribute__((noinline)) void record_sampled(void *p, size_t req, int realloc_of,
						     uint64_t handle, size_t old_req,
						     unsigned old_site, unsigned site)
{
	const uintptr_t *frames;
	int saved = errno;
	uint64_t weight = hs_sample_weight(req, hs_preload_sample_bytes);

	if (hs_rec_active()) {
		unsigned n_frames = hs_unwind_capture(hs_preload_max_frames, &frames);
		if (realloc_of)
			hs_rec_sampled_realloc_end(handle, old_req, p, req, weight, frames,
						   n_frames, old_site, site);
		else
			hs_rec_sampled_alloc(p, req, weight, frames, n_frames, site);
	}
	errno = saved;
}

_Static_assert(HS_CALLSITES_IDS < HS_TAG_SAMPLED, "a site id has room beside the sampled bit");
_Static_assert(HS_CALLSITES_IDS <= HS_SHADOW_SITE_MASK, "a site id fits in the shadow's code");

/* The site id of return address ra (callsites.h): 0 once the sites'
 * bytes are no longer kept (out of memory), so the probe is not paid. */
static inline unsigned site_of(const void *ra)
{
	return __builtin_expect(hs_callsites_exact(), 1) ? hs_callsites_id((uintptr_t)ra) : 0;
}

/* A new block of glibc's, tagged: p from a call asking for req +
 * tag_room() (align: as with_room; fresh: as hs_tag_put, 0 for calloc's);
 * ra is the return address of the program's call (counted blocks only).
 * A counted block is sampled or counted here, and its tag says which
 * (HS_TAG_SAMPLED), so that its free knows without a table. */
static inline __attribute__((always_inline)) void *tagged(void *p, size_t req, int counted,
							  const void *ra, size_t align, int fresh)
{
	if (p == NULL)
		return p;
	if (!counted)
		return tag_new(p, req, 0, 0, align, fresh);
	unsigned site = site_of(ra);
	int sampled = hs_sampler_take(&hs_tl_sampler, req, hs_preload_sample_bytes);
	p = tag_new(p, req, 1, sampled ? site | HS_TAG_SAMPLED : site, align, fresh);
	if (p == NULL)
		return NULL;
	if (HS_UNLIKELY(sampled))
		record_sampled(p, req, 0, 0, 0, 0, site);
	else
		hs_rec_count_alloc(req, site);
	return p;
}

/* ---- Exact mode with tags (lifecycle.h, hs_preload_exact_tags): every
 * block tagged as in sampling mode, its tag's site the block's tag id
 * (recorder.h: it names the context) when the recorder keeps it out of
 * the table (malloc and calloc with one thread), else HS_TAG_SAMPLED: "in
 * the table".  Such a free then costs no table lookup, and its malloc no
 * insert (the table's cache misses were a fifth of python3's time under
 * exact mode: doc/design.md, Memory). */

/* Blocks out of the table now.  Counted by the one thread that makes
 * them (no locked instruction), and, once there are threads, only ever
 * taken down (atomically): when none is left, no block needs its tag any
 * more and none will be made out of the table, so the tags stop for good
 * and the process pays for the table alone, as before them. */
static _Atomic unsigned long g_live_untabled;

/* Whether exact mode's tags are on (read relaxed: another thread may
 * turn them off, below). */
static inline int exact_tags(void)
{
	return __atomic_load_n(&hs_preload_exact_tags, __ATOMIC_RELAXED);
}

/* The tags stop for good (threads, no block out of the table). */
static void exact_tags_stop(void)
{
	__atomic_store_n(&hs_preload_exact_tags, 0, __ATOMIC_RELAXED);
}

/* A block out of the table came (+1) or went (-1). */
static inline void untabled_moved(int delta)
{
	if (hs_single_threaded()) {
		atomic_store_explicit(&g_live_untabled,
				      atomic_load_explicit(&g_live_untabled, memory_order_relaxed) +
					      (unsigned long)(long)delta,
				      memory_order_relaxed);
	} else if (atomic_fetch_sub_explicit(&g_live_untabled, 1, memory_order_relaxed) == 1) {
		exact_tags_stop(); /* with threads only ever -1 */
	}
}

/* Block p of req bytes, from a call asking for req + tag_room() (align,
 * fresh: as tagged), tagged as counted and in the table; NULL when it
 * could not be (ENOMEM). */
static inline void *exact_tagged(void *p, size_t req, size_t align, int fresh)
{
	return p == NULL ? p : tag_new(p, req, 1, HS_TAG_SAMPLED, align, fresh);
}

/* A new block of malloc (fresh) or calloc in exact mode with tags, from a
 * call asking for n + tag_room(); guard raised.  Its tag's room settled
 * (the block moved if it had none), recorded, then tagged once: with
 * its tag id, or as in the table. */
static void *exact_new(void *p, size_t n, int fresh)
{
	if (p == NULL)
		return NULL;
	if (HS_UNLIKELY(hs_tag_room(p, n) != 0)) {
		p = with_room(p, n, 0);
		if (p == NULL)
			return NULL;
	}
	hs_tl_guard--;
	uint32_t tag_id = record_alloc_untabled(p, n);
	hs_tl_guard++;
	hs_tag_put(p, n, 1, tag_id != 0 ? tag_id : HS_TAG_SAMPLED, fresh); /* room: settled */
	if (tag_id != 0) {
		untabled_moved(+1); /* one thread: only it makes them */
	} else if (!hs_single_threaded() &&
		   atomic_load_explicit(&g_live_untabled, memory_order_relaxed) == 0) {
		exact_tags_stop();
	}
	return p;
}

/* The tag id in the tag of p, a block kept out of the table, or 0 (in
 * the table, not counted, not ours), and its requested size. */
static inline unsigned exact_untabled(const void *p, size_t *req)
{
	unsigned code;
	if (!hs_tag_get_site(p, req, &code) || (code & HS_TAG_SAMPLED) != 0)
		return 0;
	return code;
}

/* free(p) in exact mode with tags: 1 when p was kept out of the table
 * (recorded and released here), 0 for the table's path. */
static inline int exact_free(void *p)
{
	size_t req;
	unsigned code = exact_untabled(p, &req);
	if (code == 0)
		return 0;
	int saved = errno;
	hs_tl_guard++;
	hs_freeq_flush(); /* the frees before this one first */
	if (hs_single_threaded()) {
		hs_rec_free_untabled(req, code);
		__libc_free(p);
	} else {
		/* Made before the second thread: its free goes through the
		 * thread's log like the others'. */
		hs_rec_adopt(p, req, code);
		hs_freeq_free(p);
	}
	untabled_moved(-1);
	hs_tl_guard--;
	errno = saved;
	return 1;
}

/* Before recording (and after it): glibc's blocks, tagged as not counted
 * when tags may be on (hs_preload_tag_early: sampling, or exact mode's
 * tags), so that their free is not taken off the totals; else glibc's
 * own; or the other allocator's. */
static void *early_malloc(size_t n)
{
	if (HS_UNLIKELY(hs_alloc_other()))
		return hs_next_alloc.malloc(n);
	if (!hs_preload_tag_early || !HS_TAGGABLE(n))
		return __libc_malloc(n);
	return tagged(__libc_malloc(n + tag_room()), n, 0, NULL, 0, 1);
}

/* malloc in sampling mode (guard down, ready), called from ra. */
static inline __attribute__((always_inline)) void *sampled_malloc(size_t n, const void *ra)
{
	if (!HS_TAGGABLE(n))
		return __libc_malloc(n); /* fails: ENOMEM */
	hs_tl_guard++;
	void *p = tagged(__libc_malloc(n + tag_room()), n, 1, ra, 0, 1);
	hs_tl_guard--;
	return p;
}

/* free in sampling mode: the size from the tag, the block table only
 * when the tag says the block was sampled.  The guard comes down before
 * glibc's free, which is then a jump: the program's call, as without us
 * (no level more on the program's stack, bench/README.md). */
static inline __attribute__((always_inline)) void sampled_free(void *p)
{
	size_t req;
	unsigned site;
	hs_tl_guard++;
	if (hs_tag_get_site(p, &req, &site)) {
		if (HS_UNLIKELY(site & HS_TAG_SAMPLED)) {
			int saved = errno;
			hs_rec_sampled_free(p, req, site & ~HS_TAG_SAMPLED);
			errno = saved;
		} else {
			hs_rec_count_free(req, site);
		}
	}
	hs_tl_guard--;
	__libc_free(p);
}

/* retag's move to a block with room for the tag (out of memory only). */
static __attribute__((noinline)) void retag_moved(void **q, size_t n, int counted, unsigned site)
{
	void *moved = __libc_realloc(*q, n + HS_TAG_ROOM);
	if (moved != NULL) {
		*q = moved;
		hs_tag_set_site(moved, n, counted, site);
	}
}

/* Tag *q, a realloc's new block of n bytes holding the program's data; if
 * neither it nor the shadow has room (out of memory), it moves to a block
 * with room, or, when glibc has none either, stays as it is: its free
 * then reads the program's last byte as its tag (design.md, "A wrong
 * tag"), which is better than losing the data. */
static inline void retag(void **q, size_t n, int counted, unsigned site)
{
	if (__builtin_expect(hs_tag_set_site(*q, n, counted, site) != 0, 0))
		retag_moved(q, n, counted, site);
}

/* realloc in sampling mode, p != NULL and n != 0 (guard down, ready),
 * called from ra. */
static void *sampled_realloc(void *p, size_t n, const void *ra)
{
	size_t old_req;
	unsigned old_site, site = 0;
	int counted = hs_tag_get_site(p, &old_req, &old_site);
	int was_sampled = (old_site & HS_TAG_SAMPLED) != 0, sampled = 0;
	uint64_t handle = 0;
	void *q;
	int saved;

	old_site &= ~HS_TAG_SAMPLED;
	if (!HS_TAGGABLE(n))
		return __libc_realloc(p, n); /* fails: ENOMEM, p untouched */
	hs_tl_guard++;
	if (HS_UNLIKELY(was_sampled)) {
		saved = errno;
		handle = hs_rec_sampled_realloc_begin(p);
		errno = saved;
	}
	q = __libc_realloc(p, n + tag_room());
	saved = errno;
	if (q != NULL) {
		if (counted) {
			site = site_of(ra);
			sampled = hs_sampler_take(&hs_tl_sampler, n, hs_preload_sample_bytes);
		}
		retag(&q, n, counted, sampled ? site | HS_TAG_SAMPLED : site);
	}
	if (!counted) {
		/* Not ours before: not ours after, as an unknown block in exact mode. */
	} else if (q == NULL) {
		hs_rec_sampled_realloc_end(handle, old_req, NULL, 0, 0, NULL, 0, old_site, 0);
	} else if (HS_UNLIKELY(sampled)) {
		record_sampled(q, n, 1, handle, old_req, old_site, site);
	} else if (HS_UNLIKELY(handle != 0)) {
		hs_rec_sampled_realloc_end(handle, old_req, q, n, 0, NULL, 0, old_site, site);
	} else {
		hs_rec_count_realloc(q, old_req, n, old_site, site);
	}
	hs_tl_guard--;
	errno = saved;
	return q;
}

/* glibc's malloc, recorded. */
HS_EXPORT void *malloc(size_t n)
{
	void *p;

	if (HS_UNLIKELY(hs_tl_guard))
		return hs_ownheap_malloc(n);
	if (!hs_preload_ready())
		return early_malloc(n);
	if (hs_preload_sample_bytes != 0)
		return sampled_malloc(n, __builtin_return_address(0));
	if (exact_tags()) {
		if (!HS_TAGGABLE(n))
			return __libc_malloc(n); /* fails: ENOMEM */
		hs_tl_guard++;
		p = exact_new(__libc_malloc(n + tag_room()), n, 1);
		hs_tl_guard--;
		return p;
	}
	hs_tl_guard++;
	p = __libc_malloc(n);
	hs_tl_guard--;
	if (p != NULL)
		record_alloc(p, n);
	return p;
}

/* glibc's free, recorded (see freeq.h for when). */
HS_EXPORT void free(void *p)
{
	if (p == NULL)
		return;
	if (HS_UNLIKELY(hs_ownheap_owns(p))) {
		hs_ownheap_free(p);
		return;
	}
	if (HS_UNLIKELY(hs_tl_guard) || !hs_preload_ready()) {
		if (HS_UNLIKELY(hs_alloc_other()))
			hs_next_alloc.free(p);
		else
			__libc_free(p);
		return;
	}
	if (hs_preload_sample_bytes != 0) {
		sampled_free(p);
		return;
	}
	if (exact_tags() && exact_free(p))
		return;
	int saved = errno;
	hs_tl_guard++;
	hs_freeq_free(p);
	hs_tl_guard--;
	errno = saved;
}

/* glibc's calloc, recorded as m * n bytes when that does not overflow. */
HS_EXPORT void *calloc(size_t m, size_t n)
{
	size_t total;
	void *p;

	if (HS_UNLIKELY(hs_tl_guard))
		return hs_ownheap_calloc(m, n);
	if (__builtin_mul_overflow(m, n, &total) || !HS_TAGGABLE(total))
		return HS_UNLIKELY(hs_alloc_other()) ? hs_next_alloc.calloc(m, n)
						     : __libc_calloc(m, n);
	if (!hs_preload_ready()) {
		if (HS_UNLIKELY(hs_alloc_other()))
			return hs_next_alloc.calloc(m, n);
		return hs_preload_tag_early
			       ? tagged(__libc_calloc(total + tag_room(), 1), total, 0, NULL, 0, 0)
			       : __libc_calloc(m, n);
	}
	if (hs_preload_sample_bytes != 0) {
		hs_tl_guard++;
		p = tagged(__libc_calloc(total + tag_room(), 1), total, 1,
			   __builtin_return_address(0), 0, 0);
		hs_tl_guard--;
		return p;
	}
	if (exact_tags()) {
		hs_tl_guard++;
		p = exact_new(__libc_calloc(total + tag_room(), 1), total, 0);
		hs_tl_guard--;
		return p;
	}
	hs_tl_guard++;
	p = __libc_calloc(m, n);
	hs_tl_guard--;
	if (p != NULL)
		record_alloc(p, total);
	return p;
}

/* realloc's bookkeeping once p != NULL and n != 0; with tags (exact
 * mode's), the new block is tagged as in the table when its old one was
 * there, else as not counted. */
static void *do_realloc(void *p, size_t n, int tags)
{
	const uintptr_t *frames = NULL;
	unsigned n_frames = 0;
	uint64_t handle;
	void *q;
	int saved;

	hs_tl_guard++;
	hs_freeq_flush();
	handle = hs_rec_realloc_begin(p);
	q = __libc_realloc(p, n + (tags ? tag_room() : 0));
	saved = errno;
	if (q != NULL && tags)
		retag(&q, n, handle != 0, handle != 0 ? HS_TAG_SAMPLED : 0);
	if (handle != 0) {
		if (q != NULL) {
			hs_rec_prefetch(q);
			n_frames = hs_unwind_capture(hs_preload_max_frames, &frames);
		}
		hs_rec_realloc_end(handle, q, n, frames, n_frames);
	}
	hs_tl_guard--;
	errno = saved;
	return q;
}

/* realloc in exact mode with tags, p != NULL and n != 0 (guard down,
 * ready): a block kept out of the table goes into it first (its tag says
 * so from then on, should the realloc fail), then as do_realloc. */
static void *exact_realloc(void *p, size_t n)
{
	size_t old_req;
	unsigned code = exact_untabled(p, &old_req);

	if (!HS_TAGGABLE(n))
		return __libc_realloc(p, n); /* fails: ENOMEM, p untouched */
	if (code != 0) {
		int saved = errno;
		hs_tl_guard++;
		hs_freeq_flush();
		hs_rec_adopt(p, old_req, code);
		hs_tag_set_site(p, old_req, 1, HS_TAG_SAMPLED); /* its place is settled */
		untabled_moved(-1);
		hs_tl_guard--;
		errno = saved;
	}
	return do_realloc(p, n, 1);
}

/* Whether a call of the memalign family or reallocarray goes on to the
 * other allocator (allocator.h): not inside the recorder, not on an own
 * block, while not recording.  Each goes on under its own name, as it
 * would without us (glibc's reallocarray calls the program's realloc,
 * which may be the executable's own).  These are not the hot path, which
 * takes the same decision inside its not-recording branches instead. */
static inline int passing_on(const void *p)
{
	return !hs_tl_guard && !hs_ownheap_owns(p) && !hs_preload_ready() && hs_alloc_other();
}

/* glibc's realloc, with its NULL and zero-size cases, called from ra.  An
 * own block stays own and unrecorded: it was never recorded as allocated. */
static void *realloc_from(void *p, size_t n, const void *ra)
{
	if (HS_UNLIKELY(hs_tl_guard) || HS_UNLIKELY(hs_ownheap_owns(p)))
		return hs_ownheap_realloc(p, n);
	if (!hs_preload_ready()) {
		if (HS_UNLIKELY(hs_alloc_other()))
			return hs_next_alloc.realloc(p, n);
		if (p == NULL || n == 0 || !HS_TAGGABLE(n) || !hs_preload_tag_early)
			return p == NULL ? early_malloc(n) : __libc_realloc(p, n);
		void *q = __libc_realloc(p, n + tag_room());
		if (q != NULL)
			retag(&q, n, 0, 0);
		return q;
	}
	if (p == NULL)
		return hs_preload_sample_bytes != 0 ? sampled_malloc(n, ra) : malloc(n);
	if (n == 0) {
		/* glibc frees and returns NULL; so does Massif 3.19. */
		free(p);
		return NULL;
	}
	if (hs_preload_sample_bytes != 0)
		return sampled_realloc(p, n, ra);
	if (exact_tags())
		return exact_realloc(p, n);
	return do_realloc(p, n, 0);
}

/* glibc's realloc, recorded. */
HS_EXPORT void *realloc(void *p, size_t n)
{
	return realloc_from(p, n, __builtin_return_address(0));
}

/* realloc of m * n bytes, ENOMEM on overflow as glibc. */
HS_EXPORT void *reallocarray(void *p, size_t m, size_t n)
{
	size_t total;

	if (HS_UNLIKELY(passing_on(p)))
		return hs_next_alloc.reallocarray(p, m, n);
	if (__builtin_mul_overflow(m, n, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc_from(p, total, __builtin_return_address(0));
}

/* The memalign family's common path: align is valid for glibc; ra is
 * the program's call. */
static void *aligned(size_t align, size_t n, size_t req, const void *ra)
{
	void *p;

	if (HS_UNLIKELY(hs_tl_guard))
		return hs_ownheap_memalign(align, n);
	if (!HS_TAGGABLE(n))
		return __libc_memalign(align, n);
	if (!hs_preload_ready())
		return hs_preload_tag_early ? tagged(__libc_memalign(align, n + tag_room()), req, 0,
						     NULL, align, 1)
					    : __libc_memalign(align, n);
	if (hs_preload_sample_bytes != 0) {
		hs_tl_guard++;
		p = tagged(__libc_memalign(align, n + tag_room()), req, 1, ra, align, 1);
		hs_tl_guard--;
		return p;
	}
	hs_tl_guard++;
	if (exact_tags())
		p = exact_tagged(__libc_memalign(align, n + tag_room()), req, align, 1);
	else
		p = __libc_memalign(align, n);
	hs_tl_guard--;
	if (p != NULL)
		record_alloc(p, req);
	return p;
}

/* glibc's memalign, recorded. */
HS_EXPORT void *memalign(size_t align, size_t n)
{
	if (HS_UNLIKELY(passing_on(NULL)))
		return hs_next_alloc.memalign(align, n);
	return aligned(align, n, n, __builtin_return_address(0));
}

/* glibc 2.36 makes aligned_alloc an alias of memalign: no extra checks. */
HS_EXPORT void *aligned_alloc(size_t align, size_t n)
{
	if (HS_UNLIKELY(passing_on(NULL)))
		return hs_next_alloc.aligned_alloc(align, n);
	return aligned(align, n, n, __builtin_return_address(0));
}

/* glibc's posix_memalign: EINVAL for a bad alignment, errno untouched. */
HS_EXPORT int posix_memalign(void **out, size_t align, size_t n)
{
	void *p;

	if (HS_UNLIKELY(passing_on(NULL)))
		return hs_next_alloc.posix_memalign(out, align, n);
	/* glibc's checks, done here because __libc_memalign has none. */
	if (align % sizeof(void *) != 0 || align == 0 ||
	    ((align / sizeof(void *)) & (align / sizeof(void *) - 1)) != 0)
		return EINVAL;
	p = aligned(align, n, n, __builtin_return_address(0));
	if (p == NULL)
		return ENOMEM;
	*out = p;
	return 0;
}

/* glibc's valloc, recorded. */
HS_EXPORT void *valloc(size_t n)
{
	void *p;

	if (HS_UNLIKELY(passing_on(NULL)))
		return hs_next_alloc.valloc(n);
	if (HS_UNLIKELY(hs_tl_guard))
		return hs_ownheap_memalign((size_t)sysconf(_SC_PAGESIZE), n);
	if (!hs_preload_ready())
		return hs_preload_tag_early ? aligned((size_t)sysconf(_SC_PAGESIZE), n, n, NULL)
					    : __libc_valloc(n);
	if (hs_preload_sample_bytes != 0 || exact_tags())
		return aligned((size_t)sysconf(_SC_PAGESIZE), n, n, __builtin_return_address(0));
	hs_tl_guard++;
	p = __libc_valloc(n);
	hs_tl_guard--;
	if (p != NULL)
		record_alloc(p, n);
	return p;
}

/* glibc's pvalloc, recorded as the whole pages it returns. */
HS_EXPORT void *pvalloc(size_t n)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t req = n == 0 ? page : (n + page - 1) / page * page;
	void *p;

	if (HS_UNLIKELY(passing_on(NULL)))
		return hs_next_alloc.pvalloc(n);
	if (HS_UNLIKELY(hs_tl_guard) && n <= SIZE_MAX - page)
		return hs_ownheap_memalign(page, req);
	if (HS_UNLIKELY(hs_tl_guard) || n > SIZE_MAX - page)
		return __libc_pvalloc(n);
	if (!hs_preload_ready())
		return hs_preload_tag_early ? aligned(page, req, req, NULL) : __libc_pvalloc(n);
	if (hs_preload_sample_bytes != 0 || exact_tags())
		return aligned(page, req, req, __builtin_return_address(0));
	hs_tl_guard++;
	p = __libc_pvalloc(n);
	hs_tl_guard--;
	/* pvalloc hands out whole pages: the caller owns all of them. */
	if (p != NULL)
		record_alloc(p, req);
	return p;
}

/* glibc's malloc_usable_size, or the own heap's for an own block (glibc
 * would read our header as a chunk of its own). */
HS_EXPORT size_t malloc_usable_size(void *p)
{
	size_t (*real)(void *) = hs_real_usable_size;

	if (p == NULL)
		return 0;
	if (hs_ownheap_owns(p))
		return hs_ownheap_usable_size(p);
	if (hs_preload_sample_bytes != 0 || exact_tags()) {
		/* The request: the byte past it holds the tag (sizetag.h). */
		size_t req;
		hs_tag_get(p, &req);
		return req;
	}
	/* Resolved at start-up (dlsym here could run inside a loader lock);
	 * only a call before that resolves it here. */
	if (HS_UNLIKELY(real == NULL)) {
		hs_tl_guard++;
		real = (size_t(*)(void *))dlsym(RTLD_NEXT, "malloc_usable_size");
		hs_tl_guard--;
		if (real == NULL)
			return 0;
		hs_real_usable_size = real;
	}
	return real(p);
}

/* ---- operator new, in sampling mode.  libstdc++'s operator new calls
 * malloc, so a sampled malloc's direct call site would be inside operator
 * new: an alloc-fn, so no site at all for C++ (the top of its trees only
 * estimates).  The replaceable forms libstdc++ builds on malloc are
 * answered here by the sampling malloc with the C++ caller's return
 * address.  Everything else goes on to the next definition, as if we were
 * not there: exact mode, a call before start-up or inside the recorder,
 * and a failure (the new-handler loop and std::bad_alloc are libstdc++'s).
 * Only when that next definition is libstdc++'s, and the program's malloc
 * and free are ours: another allocator's operator new (tcmalloc's) is
 * paired with its own operator delete, and libstdc++'s operator delete
 * calls the program's free, both of which would not take glibc's blocks. */
enum { NEW_ONE, NEW_ARRAY, NEW_ONE_NOTHROW, NEW_ARRAY_NOTHROW, NEW_FORMS };

static const char *const new_symbols[NEW_FORMS] = { "_Znwm", "_Znam", "_ZnwmRKSt9nothrow_t",
						    "_ZnamRKSt9nothrow_t" };

enum { NEW_UNRESOLVED, NEW_FORWARD, NEW_SAMPLED };

static _Atomic int g_new_mode;
static void *_Atomic g_next_new[NEW_FORMS];

/* Whether the program's calls to name come to this library. */
static int comes_here(const char *name)
{
	Dl_info self, def;
	void *f = dlsym(RTLD_DEFAULT, name);
	return f != NULL && dladdr((void *)comes_here, &self) != 0 && dladdr(f, &def) != 0 &&
	       def.dli_fbase == self.dli_fbase;
}

/* The next definitions, and whether they are libstdc++'s; once.  Two
 * threads may both resolve: they find the same. */
static __attribute__((noinline)) int resolve_new(void)
{
	Dl_info info;
	hs_tl_guard++; /* dlsym's own allocations go to the own heap */
	for (int f = 0; f < NEW_FORMS; f++)
		atomic_store_explicit(&g_next_new[f], dlsym(RTLD_NEXT, new_symbols[f]),
				      memory_order_relaxed);
	void *one = atomic_load_explicit(&g_next_new[NEW_ONE], memory_order_relaxed);
	/* And only when malloc and free are ours: a program that brings its
	 * own (jemalloc linked in) would have operator delete hand a glibc
	 * block to its free. */
	int ours = one != NULL && dladdr(one, &info) != 0 && info.dli_fname != NULL &&
		   strstr(info.dli_fname, "/libstdc++.so") != NULL && comes_here("malloc") &&
		   comes_here("free");
	hs_tl_guard--;
	int mode = ours ? NEW_SAMPLED : NEW_FORWARD;
	atomic_store_explicit(&g_new_mode, mode, memory_order_release);
	return mode;
}

/* operator new of form f for n bytes (nothrow: the std::nothrow_t
 * argument), called from ra. */
static inline __attribute__((always_inline)) void *cxx_new(int f, size_t n, const void *nothrow,
							   const void *ra)
{
	int mode = atomic_load_explicit(&g_new_mode, memory_order_acquire);
	if (HS_UNLIKELY(mode == NEW_UNRESOLVED))
		mode = resolve_new();
	if (mode == NEW_SAMPLED && hs_preload_sample_bytes != 0 && !hs_tl_guard &&
	    hs_preload_ready()) {
		void *p = sampled_malloc(n != 0 ? n : 1, ra); /* libstdc++ asks 1 for 0 */
		if (p != NULL)
			return p;
	}
	void *next = atomic_load_explicit(&g_next_new[f], memory_order_relaxed);
	if (HS_UNLIKELY(next == NULL)) {
		/* Nothing after us defines it, yet it was called: malloc is all
		 * there is to answer with. */
		void *p = malloc(n != 0 ? n : 1);
		if (p == NULL && f < NEW_ONE_NOTHROW)
			abort(); /* where std::bad_alloc would end an uncaught program */
		return p;
	}
	if (f < NEW_ONE_NOTHROW)
		return ((void *(*)(size_t))next)(n);
	return ((void *(*)(size_t, const void *))next)(n, nothrow);
}

/* The Itanium C++ ABI's names (size_t is unsigned long: "m"). */
HS_EXPORT void *_Znwm(size_t n);
HS_EXPORT void *_Znam(size_t n);
HS_EXPORT void *_ZnwmRKSt9nothrow_t(size_t n, const void *nothrow);
HS_EXPORT void *_ZnamRKSt9nothrow_t(size_t n, const void *nothrow);

/* operator new(unsigned long) */
HS_EXPORT void *_Znwm(size_t n)
{
	return cxx_new(NEW_ONE, n, NULL, __builtin_return_address(0));
}

/* operator new[](unsigned long) */
HS_EXPORT void *_Znam(size_t n)
{
	return cxx_new(NEW_ARRAY, n, NULL, __builtin_return_address(0));
}

/* operator new(unsigned long, std::nothrow_t const&) */
HS_EXPORT void *_ZnwmRKSt9nothrow_t(size_t n, const void *nothrow)
{
	return cxx_new(NEW_ONE_NOTHROW, n, nothrow, __builtin_return_address(0));
}

/* operator new[](unsigned long, std::nothrow_t const&) */
HS_EXPORT void *_ZnamRKSt9nothrow_t(size_t n, const void *nothrow)
{
	return cxx_new(NEW_ARRAY_NOTHROW, n, nothrow, __builtin_return_address(0));
}
