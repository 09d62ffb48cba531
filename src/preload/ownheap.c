/* ownheap: the recorder's own heap (see ownheap.h).
 *
 * Layout: every block is a 16-byte header then the payload.  Small blocks
 * (payload up to 1 MiB) come in 76 size classes: 16-byte steps up to 512,
 * then four steps per doubling.  They are bumped from the range and, once
 * freed, kept on their class's free list for the next allocation of that
 * class.  Bigger blocks start on a page and span whole pages; a freed one
 * goes back to the bump pointer when it is the last, else onto one free
 * list (best fit, the tail split off when it is big), its pages after the
 * first given back with MADV_DONTNEED.  Everything from the bump pointer to
 * the end of the range is untouched or given back, hence zero: calloc need
 * not clear memory bumped from there.
 */
#include "config.h"

#include "ownheap.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

/* glibc's allocator, for the fallback. */
extern void *__libc_malloc(size_t n);
extern void __libc_free(void *p);
extern void *__libc_calloc(size_t m, size_t n);
extern void *__libc_realloc(void *p, size_t n);
extern void *__libc_memalign(size_t align, size_t n);

#define HDR_BYTES 16
#define SMALL_MAX_BYTES ((size_t)1 << 20)
#define N_CLASSES 76
#define CLS_BIG 0xfffeu     /* page-granular block */
#define CLS_ALIGNED 0xfffdu /* an aligned pointer inside another block */
#define FREED_BIT 0x10000u  /* set while the block is on a free list */
#define MAGIC 0x4f574e48u   /* "HNWO": our header, not a stray write */
/* A freed big block keeps its tail (a new free block) when it exceeds the
 * request by this much; less is simply left in the block. */
#define SPLIT_MIN_BYTES ((size_t)1 << 20)
/* The range is mapped in steps of this size, each right after the last,
 * as it fills: address space it does not use is not taken from the
 * program, whose RLIMIT_AS counts every mapping (a range reserved whole,
 * 1 GiB, left nothing to a program that lowered its own limit to 200 MiB). */
#define COMMIT_STEP_BYTES ((size_t)1 << 20)
/* Where the range is asked for (a hint, not MAP_FIXED): between the
 * program image and its brk heap (at 0x55... for PIE binaries, lower
 * otherwise) and the mmap area (growing down from below 0x7fff...), so
 * that the range does not move the program's own mappings.  Where mmap
 * put it by default, it shifted them by 1 GiB, and gcc's cc1 grew its GC
 * page table by 64 KiB more often (a new table per 4 GiB of addresses):
 * its peak heap under heapsnap moved away from Massif's.  On other
 * architectures the kernel's choice stands. */
#if defined(__x86_64__)
#define RANGE_HINT ((void *)(uintptr_t)0x600000000000)
#else
#define RANGE_HINT NULL
#endif
/* Under a limit on address space (ulimit -v), the range takes at most this
 * share of it: the program's own needs come first. */
#define AS_LIMIT_SHARE 16

struct hdr {
	size_t usable;  /* payload bytes; for CLS_ALIGNED, the offset back to the block's payload */
	uint32_t cls;   /* class index, CLS_BIG or CLS_ALIGNED, | FREED_BIT */
	uint32_t magic; /* MAGIC */
};

/* A free block's payload starts with the link to the next free block. */
struct free_block {
	struct free_block *next;
};

uintptr_t hs_ownheap_base_;
_Atomic size_t hs_ownheap_size_;

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static __thread int tl_holding __attribute__((tls_model("initial-exec")));
static int g_fork_locked;   /* the prepare hook took the lock */
static int g_tried;         /* the reservation was attempted */
static char *g_top;         /* next byte to bump */
static char *g_commit;      /* end of the part mapped */
static char *g_end;         /* how far the range may grow */
static size_t g_high_bytes; /* high-water mark of g_top - base */
static size_t g_page;
static struct free_block *g_small_free[N_CLASSES];
static struct free_block *g_big_free; /* a big block's header is before its link */

/* The header of the block whose payload is p. */
static inline struct hdr *hdr_of(const void *p)
{
	return (struct hdr *)((uintptr_t)p - HDR_BYTES);
}

/* The class of a payload of n bytes (n <= SMALL_MAX_BYTES). */
static unsigned class_of(size_t n)
{
	if (n <= 512)
		return n == 0 ? 0 : (unsigned)((n + 15) / 16 - 1);
	unsigned b = 63u - (unsigned)__builtin_clzl(n - 1); /* n in (2^b, 2^(b+1)] */
	size_t step = (size_t)1 << (b - 2);
	return 32 + (b - 9) * 4 + (unsigned)((n - 1 - ((size_t)1 << b)) / step);
}

/* The payload bytes of class c. */
static size_t class_bytes(unsigned c)
{
	if (c < 32)
		return (size_t)(c + 1) * 16;
	unsigned b = 9 + (c - 32) / 4;
	return ((size_t)1 << b) + (size_t)((c - 32) % 4 + 1) * ((size_t)1 << (b - 2));
}

/* Take the lock, unless this thread holds it already (re-entered). */
static int lock(void)
{
	if (tl_holding)
		return 0;
	pthread_mutex_lock(&g_lock);
	tl_holding = 1;
	return 1;
}

/* Release the lock. */
static void unlock(void)
{
	tl_holding = 0;
	pthread_mutex_unlock(&g_lock);
}

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

/* Map the range's first step once (the lock is held); bytes is how far
 * it may grow. */
static int reserve(size_t bytes)
{
	if (g_tried)
		return -1;
	g_tried = 1;
	g_page = (size_t)sysconf(_SC_PAGESIZE);
	if (bytes == 0 || bytes > SIZE_MAX - g_page)
		return -1;
	bytes = (bytes + g_page - 1) / g_page * g_page;
	int saved = errno;
	struct rlimit as;
	if (getrlimit(RLIMIT_AS, &as) == 0 && as.rlim_cur != RLIM_INFINITY &&
	    bytes > as.rlim_cur / AS_LIMIT_SHARE)
		bytes = as.rlim_cur / AS_LIMIT_SHARE;
	bytes = bytes / g_page * g_page;
	size_t first = bytes < COMMIT_STEP_BYTES ? bytes : COMMIT_STEP_BYTES;
	/* Where the whole range would fit (at the hint when it is free; an
	 * ASan build has its shadow there), so that the steps after the
	 * first find their addresses free: the kernel puts later mappings
	 * at the top of a gap, far from the range's start. */
	void *p = bytes == 0 ? MAP_FAILED
			     : mmap(RANGE_HINT, bytes, PROT_NONE,
				    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p != MAP_FAILED) {
		munmap(p, bytes);
		void *at = p;
		p = mmap(at, first, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		if (p != MAP_FAILED && p != at) {
			munmap(p, first); /* a kernel without MAP_FIXED_NOREPLACE */
			p = MAP_FAILED;
		}
	}
	errno = saved;
	if (p == MAP_FAILED)
		return -1;
	g_top = p;
	g_commit = (char *)p + first;
	g_end = (char *)p + bytes;
	hs_ownheap_base_ = (uintptr_t)p;
	atomic_store_explicit(&hs_ownheap_size_, first, memory_order_release);
	return 0;
}

/* Map more bytes right after the range (the lock is held): 0, or -1 when
 * the addresses there are taken (the range then stays as it is). */
static int extend(size_t more)
{
	int saved = errno;
	void *p = mmap(g_commit, more, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p != MAP_FAILED && p != (void *)g_commit)
		munmap(p, more); /* a kernel without MAP_FIXED_NOREPLACE put it elsewhere */
	errno = saved;
	if (p != (void *)g_commit)
		return -1;
	g_commit += more;
	/* Published once mapped: a block from the new part is handed out
	 * after this, so whoever frees it sees it as ours. */
	atomic_store_explicit(&hs_ownheap_size_, (size_t)(g_commit - (char *)hs_ownheap_base_),
			      memory_order_release);
	return 0;
}

/* bytes more from the bump pointer, or NULL when the range is full. */
static char *bump(size_t bytes)
{
	if (bytes > (size_t)(g_end - g_top))
		return NULL;
	if (bytes > (size_t)(g_commit - g_top)) {
		size_t more = (size_t)(g_top + bytes - g_commit);
		more = (more + COMMIT_STEP_BYTES - 1) / COMMIT_STEP_BYTES * COMMIT_STEP_BYTES;
		if (more > (size_t)(g_end - g_commit))
			more = (size_t)(g_end - g_commit);
		if (extend(more) != 0)
			return NULL; /* taken, or the commit limit: glibc's turn */
	}
	char *p = g_top;
	g_top += bytes;
	if ((size_t)(g_top - (char *)hs_ownheap_base_) > g_high_bytes)
		g_high_bytes = (size_t)(g_top - (char *)hs_ownheap_base_);
	return p;
}

/* Give back a big block's pages after its first (errno kept). */
static void release_tail(struct hdr *h)
{
	size_t bytes = HDR_BYTES + h->usable;
	int saved = errno;

	if (bytes > g_page)
		madvise((char *)h + g_page, bytes - g_page, MADV_DONTNEED);
	errno = saved;
}

/* The big block h ends at the bump pointer: give it back to the bump
 * pointer (zero again), and so each free big block that then ends there.
 * 0 when h's pages could not be given back (mlock): h stays a block. */
static int lower_top(struct hdr *h)
{
	int saved = errno;
	int lowered = 0;

	for (;;) {
		/* Everything past the bump pointer must read as zero. */
		if (madvise(h, HDR_BYTES + h->usable, MADV_DONTNEED) != 0) {
			if (lowered) {
				h->cls = CLS_BIG | FREED_BIT;
				struct free_block *b = (struct free_block *)(h + 1);
				b->next = g_big_free;
				g_big_free = b;
			}
			break;
		}
		lowered = 1;
		g_top = (char *)h;
		struct free_block **link = &g_big_free;
		while (*link != NULL && (char *)*link + hdr_of(*link)->usable != g_top)
			link = &(*link)->next;
		if (*link == NULL)
			break;
		h = hdr_of(*link);
		*link = (*link)->next;
	}
	errno = saved;
	return lowered;
}

/* A big block of at least n payload bytes (the lock is held); *fresh says
 * whether it is known to be zero. */
static void *alloc_big(size_t n, int *fresh)
{
	size_t bytes = (n + HDR_BYTES + g_page - 1) / g_page * g_page;
	struct free_block **best = NULL;
	struct hdr *h;

	for (struct free_block **link = &g_big_free; *link != NULL; link = &(*link)->next) {
		size_t have = hdr_of(*link)->usable + HDR_BYTES;
		if (have >= bytes && (best == NULL || have < hdr_of(*best)->usable + HDR_BYTES))
			best = link;
	}
	if (best != NULL) {
		struct free_block *b = *best;
		*best = b->next;
		h = hdr_of(b);
		size_t have = h->usable + HDR_BYTES;
		if (have - bytes >= SPLIT_MIN_BYTES) {
			/* The tail, already given back, becomes a free block. */
			struct hdr *t = (struct hdr *)(void *)((char *)h + bytes);
			t->usable = have - bytes - HDR_BYTES;
			t->cls = CLS_BIG | FREED_BIT;
			t->magic = MAGIC;
			struct free_block *tb = (struct free_block *)(t + 1);
			tb->next = g_big_free;
			g_big_free = tb;
			h->usable = bytes - HDR_BYTES;
		}
		h->cls = CLS_BIG;
		*fresh = 0;
		return h + 1;
	}
	/* Start on a page: the gap before it stays unused. */
	size_t pad = (g_page - ((uintptr_t)g_top & (g_page - 1))) & (g_page - 1);
	if (pad > (size_t)(g_end - g_top) || bump(pad) == NULL)
		return NULL;
	h = (struct hdr *)(void *)bump(bytes);
	if (h == NULL)
		return NULL;
	h->usable = bytes - HDR_BYTES;
	h->cls = CLS_BIG;
	h->magic = MAGIC;
	*fresh = 1;
	return h + 1;
}

/* An own block of at least n bytes, or NULL (the lock is held). */
static void *alloc_locked(size_t n, int *fresh)
{
	if (!g_tried)
		reserve(HS_OWNHEAP_DEFAULT_BYTES);
	if (g_end == NULL)
		return NULL;
	if (n > SMALL_MAX_BYTES)
		return n > (size_t)(g_end - (char *)hs_ownheap_base_) ? NULL : alloc_big(n, fresh);
	unsigned c = class_of(n);
	struct free_block *b = g_small_free[c];
	if (b != NULL) {
		g_small_free[c] = b->next;
		hdr_of(b)->cls = c;
		*fresh = 0;
		return b;
	}
	struct hdr *h = (struct hdr *)(void *)bump(HDR_BYTES + class_bytes(c));
	if (h == NULL)
		return NULL;
	h->usable = class_bytes(c);
	h->cls = c;
	h->magic = MAGIC;
	*fresh = 1;
	return h + 1;
}

/* An own block of at least n bytes, or NULL (re-entered, or no room). */
static void *alloc_own(size_t n, int *fresh)
{
	void *p;

	if (!lock())
		return NULL;
	p = alloc_locked(n, fresh);
	unlock();
	return p;
}

/* Return the own block whose payload is p (the lock is held). */
static void free_locked(void *p)
{
	struct hdr *h = hdr_of(p);

	if (h->magic != MAGIC)
		return; /* not a block we made: leave it rather than corrupt a list */
	if (h->cls == CLS_ALIGNED) {
		p = (char *)p - h->usable;
		h = hdr_of(p);
		if (h->magic != MAGIC)
			return;
	}
	if (h->cls & FREED_BIT)
		return; /* freed twice: keep the list sound */
	if (h->cls < N_CLASSES) {
		struct free_block *b = p;
		unsigned c = h->cls;
		h->cls |= FREED_BIT;
		b->next = g_small_free[c];
		g_small_free[c] = b;
		return;
	}
	if (h->cls != CLS_BIG)
		return;
	if ((char *)h + HDR_BYTES + h->usable == g_top && lower_top(h))
		return;
	release_tail(h);
	h->cls |= FREED_BIT;
	struct free_block *b = p;
	b->next = g_big_free;
	g_big_free = b;
}

int hs_ownheap_init(size_t reserve_bytes)
{
	int rc;

	if (!lock())
		return -1;
	rc = reserve(reserve_bytes);
	unlock();
	return rc;
}

void *hs_ownheap_malloc(size_t n)
{
	int fresh;
	void *p = alloc_own(n, &fresh);

	return p != NULL ? p : __libc_malloc(n);
}

void *hs_ownheap_calloc(size_t m, size_t n)
{
	size_t total;
	int fresh;
	void *p;

	if (__builtin_mul_overflow(m, n, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	p = alloc_own(total, &fresh);
	if (p == NULL)
		return __libc_calloc(m, n);
	if (!fresh)
		memset(p, 0, total);
	return p;
}

size_t hs_ownheap_usable_size(const void *p)
{
	const struct hdr *h = hdr_of(p);

	if (h->cls == CLS_ALIGNED)
		return hdr_of((const char *)p - h->usable)->usable - h->usable;
	return h->usable;
}

void hs_ownheap_free(void *p)
{
	if (p == NULL)
		return;
	if (!hs_ownheap_owns(p)) {
		__libc_free(p);
		return;
	}
	/* Re-entered (a signal handler inside the heap): drop the block. */
	if (!lock())
		return;
	free_locked(p);
	unlock();
}

void *hs_ownheap_realloc(void *p, size_t n)
{
	if (p == NULL)
		return hs_ownheap_malloc(n);
	if (!hs_ownheap_owns(p))
		return __libc_realloc(p, n);
	if (n == 0) {
		/* glibc frees and returns NULL. */
		hs_ownheap_free(p);
		return NULL;
	}
	size_t have = hs_ownheap_usable_size(p);
	/* Fits, and not much smaller than the block: keep it. */
	if (n <= have && n >= have / 2)
		return p;
	void *q = hs_ownheap_malloc(n);
	if (q == NULL)
		return NULL; /* ENOMEM from glibc; p is kept */
	memcpy(q, p, n < have ? n : have);
	hs_ownheap_free(p);
	return q;
}

void *hs_ownheap_memalign(size_t align, size_t n)
{
	int fresh;

	if (align <= HDR_BYTES)
		return hs_ownheap_malloc(n);
	/* glibc: an alignment that is not a power of two is rounded up. */
	if (align & (align - 1)) {
		if (align > ((size_t)1 << 62))
			return __libc_memalign(align, n);
		align = (size_t)1 << (64 - __builtin_clzl(align));
	}
	if (n > SIZE_MAX - align)
		return __libc_memalign(align, n);
	char *inner = alloc_own(n + align, &fresh);
	if (inner == NULL)
		return __libc_memalign(align, n);
	if (((uintptr_t)inner & (align - 1)) == 0)
		return inner;
	/* The aligned pointer gets a header of its own, pointing back. */
	char *q = (char *)(((uintptr_t)inner + HDR_BYTES + align - 1) & ~(uintptr_t)(align - 1));
	struct hdr *h = hdr_of(q);
	h->usable = (size_t)(q - inner);
	h->cls = CLS_ALIGNED;
	h->magic = MAGIC;
	return q;
}

size_t hs_ownheap_used_bytes(void)
{
	size_t bytes;

	if (!lock())
		return 0;
	bytes = g_high_bytes;
	unlock();
	return bytes;
}

void hs_ownheap_atfork_prepare(void)
{
	g_fork_locked = lock();
}

void hs_ownheap_atfork_parent(void)
{
	if (g_fork_locked)
		unlock();
	g_fork_locked = 0;
}

void hs_ownheap_atfork_child(void)
{
	/* Only this thread survives: whoever held the lock is gone. */
	pthread_mutex_init(&g_lock, NULL);
	tl_holding = 0;
	g_fork_locked = 0;
}
