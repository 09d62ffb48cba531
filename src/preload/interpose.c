/* interpose: the malloc family libheapsnap.so puts in front of glibc's.
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
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "freeq.h"
#include "lifecycle.h"
#include "ownheap.h"
#include "recorder.h"
#include "unwind.h"

/* glibc's own allocator entry points (exported, so no dlsym bootstrap). */
extern void *__libc_malloc(size_t n);
extern void __libc_free(void *p);
extern void *__libc_calloc(size_t m, size_t n);
extern void *__libc_realloc(void *p, size_t n);
extern void *__libc_memalign(size_t align, size_t n);
extern void *__libc_valloc(size_t n);
extern void *__libc_pvalloc(size_t n);

/* A stack capture: the frames are in buf, from *frames on. */
#define HS_CAPTURE_BUF (HS_MAX_FRAMES + HS_UNWIND_OWN_FRAMES)

__thread int hs_tl_guard __attribute__((tls_model("initial-exec")));

/* The recorder's hook to raise (up = 1) or lower (-1) the guard. */
void hs_preload_move_guard(int up)
{
	hs_tl_guard += up;
}

/* Record a new block p of req bytes made by the caller (guard lowered). */
static void record_alloc(void *p, size_t req)
{
	uintptr_t buf[HS_CAPTURE_BUF];
	const uintptr_t *frames;
	int saved = errno;

	/* Given up (out of memory) or finished: don't pay for a stack. */
	if (!hs_rec_active())
		return;
	hs_tl_guard++;
	hs_freeq_flush();   /* the frees before this malloc come first */
	hs_rec_prefetch(p); /* the table's cache miss overlaps the walk */
	unsigned n_frames = hs_unwind_capture(buf, hs_preload_max_frames, &frames);
	hs_rec_alloc(p, req, frames, n_frames);
	hs_tl_guard--;
	errno = saved;
}

/* glibc's malloc, recorded. */
HS_EXPORT void *malloc(size_t n)
{
	void *p;

	if (HS_UNLIKELY(hs_tl_guard))
		return hs_ownheap_malloc(n);
	if (!hs_preload_ready())
		return __libc_malloc(n);
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
		__libc_free(p);
		return;
	}
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
	if (!hs_preload_ready() || __builtin_mul_overflow(m, n, &total))
		return __libc_calloc(m, n);
	hs_tl_guard++;
	p = __libc_calloc(m, n);
	hs_tl_guard--;
	if (p != NULL)
		record_alloc(p, total);
	return p;
}

/* realloc's bookkeeping once p != NULL and n != 0. */
static void *do_realloc(void *p, size_t n)
{
	uintptr_t buf[HS_CAPTURE_BUF];
	const uintptr_t *frames = buf;
	unsigned n_frames = 0;
	uint64_t handle;
	void *q;
	int saved;

	hs_tl_guard++;
	hs_freeq_flush();
	handle = hs_rec_realloc_begin(p);
	q = __libc_realloc(p, n);
	saved = errno;
	if (handle != 0) {
		if (q != NULL) {
			hs_rec_prefetch(q);
			n_frames = hs_unwind_capture(buf, hs_preload_max_frames, &frames);
		}
		hs_rec_realloc_end(handle, q, n, frames, n_frames);
	}
	hs_tl_guard--;
	errno = saved;
	return q;
}

/* glibc's realloc, with its NULL and zero-size cases.  An own block stays
 * own and unrecorded: it was never recorded as allocated. */
HS_EXPORT void *realloc(void *p, size_t n)
{
	if (HS_UNLIKELY(hs_tl_guard) || HS_UNLIKELY(hs_ownheap_owns(p)))
		return hs_ownheap_realloc(p, n);
	if (!hs_preload_ready())
		return __libc_realloc(p, n);
	if (p == NULL)
		return malloc(n);
	if (n == 0) {
		/* glibc frees and returns NULL; so does Massif 3.19. */
		free(p);
		return NULL;
	}
	return do_realloc(p, n);
}

/* realloc of m * n bytes, ENOMEM on overflow as glibc. */
HS_EXPORT void *reallocarray(void *p, size_t m, size_t n)
{
	size_t total;

	if (__builtin_mul_overflow(m, n, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc(p, total);
}

/* The memalign family's common path: align is valid for glibc. */
static void *aligned(size_t align, size_t n, size_t req)
{
	void *p;

	if (HS_UNLIKELY(hs_tl_guard))
		return hs_ownheap_memalign(align, n);
	if (!hs_preload_ready())
		return __libc_memalign(align, n);
	hs_tl_guard++;
	p = __libc_memalign(align, n);
	hs_tl_guard--;
	if (p != NULL)
		record_alloc(p, req);
	return p;
}

/* glibc's memalign, recorded. */
HS_EXPORT void *memalign(size_t align, size_t n)
{
	return aligned(align, n, n);
}

/* glibc 2.36 makes aligned_alloc an alias of memalign: no extra checks. */
HS_EXPORT void *aligned_alloc(size_t align, size_t n)
{
	return aligned(align, n, n);
}

/* glibc's posix_memalign: EINVAL for a bad alignment, errno untouched. */
HS_EXPORT int posix_memalign(void **out, size_t align, size_t n)
{
	void *p;

	/* glibc's checks, done here because __libc_memalign has none. */
	if (align % sizeof(void *) != 0 || align == 0 ||
	    ((align / sizeof(void *)) & (align / sizeof(void *) - 1)) != 0)
		return EINVAL;
	p = aligned(align, n, n);
	if (p == NULL)
		return ENOMEM;
	*out = p;
	return 0;
}

/* glibc's valloc, recorded. */
HS_EXPORT void *valloc(size_t n)
{
	void *p;

	if (HS_UNLIKELY(hs_tl_guard))
		return hs_ownheap_memalign((size_t)sysconf(_SC_PAGESIZE), n);
	if (!hs_preload_ready())
		return __libc_valloc(n);
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

	if (HS_UNLIKELY(hs_tl_guard) && n <= SIZE_MAX - page)
		return hs_ownheap_memalign(page, req);
	if (HS_UNLIKELY(hs_tl_guard) || !hs_preload_ready())
		return __libc_pvalloc(n);
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
