/* rec_bumpalloc: a replacement malloc in a shared library, as tcmalloc's
 * and jemalloc's are (tests/recorder/rec_otheralloc.sh builds it twice:
 * libhsbump.so, the malloc family alone, as jemalloc; with
 * -DHSBUMP_LIBC_NAMES libhsbumplibc.so, which also defines glibc's
 * __libc_malloc & co., as tcmalloc does).
 *
 * Blocks come from one mapped arena, never reused, each after a 16-byte
 * header: the size asked, then a mark.  free, realloc and
 * malloc_usable_size end the program (abort, with a line) on a block that
 * is not the arena's, as a real allocator would crash on glibc's; and the
 * mark, right before the block, is what glibc's chunk header would be: a
 * size far beyond the address space.  hsbump_owns tells the program which
 * allocator made a block.  Built with -fno-builtin (calloc's memset must
 * not become a call to calloc).
 */
#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define ARENA_BYTES ((size_t)1 << 30) /* reserved, touched as used */
#define MARK UINT64_C(0x42554d5042554d50)
#define FREED UINT64_C(0x4652454546524545)

static unsigned char *_Atomic arena;
static _Atomic size_t used;

static unsigned char *get_arena(void)
{
	unsigned char *a = atomic_load(&arena);
	if (a != NULL)
		return a;
	void *m = mmap(NULL, ARENA_BYTES, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	if (!atomic_compare_exchange_strong(&arena, &a, (unsigned char *)m)) {
		munmap(m, ARENA_BYTES);
		return a;
	}
	return m;
}

/* Whether p is a live block of the arena. */
int hsbump_owns(const void *p)
{
	const unsigned char *a = atomic_load(&arena);
	uint64_t mark;

	if (a == NULL || (const unsigned char *)p < a + 16 ||
	    (const unsigned char *)p >= a + ARENA_BYTES)
		return 0;
	memcpy(&mark, (const unsigned char *)p - 8, sizeof mark);
	return mark == MARK;
}

/* A block of n bytes aligned to align (a power of two, 16 or more). */
static void *take(size_t align, size_t n)
{
	unsigned char *a = get_arena();

	if (a == NULL || n > ARENA_BYTES) {
		errno = ENOMEM;
		return NULL;
	}
	size_t need = 16 + align + n;
	size_t at = atomic_fetch_add(&used, need);
	if (at > ARENA_BYTES - need) {
		errno = ENOMEM;
		return NULL;
	}
	uintptr_t p = ((uintptr_t)(a + at) + 16 + align - 1) & ~(uintptr_t)(align - 1);
	uint64_t head[2] = { n, MARK };
	memcpy((void *)(p - 16), head, sizeof head);
	return (void *)p;
}

static void not_ours(const char *fn)
{
	static const char a[] = "rec_bumpalloc: ";
	static const char b[] = " of a block not the arena's\n";
	(void)!write(2, a, sizeof a - 1);
	(void)!write(2, fn, strlen(fn));
	(void)!write(2, b, sizeof b - 1);
	abort();
}

static size_t size_of(const void *p, const char *fn)
{
	uint64_t n;

	if (!hsbump_owns(p))
		not_ours(fn);
	memcpy(&n, (const unsigned char *)p - 16, sizeof n);
	return (size_t)n;
}

static size_t pow2_align(size_t align)
{
	size_t a = 16;
	while (a < align && a != 0)
		a <<= 1;
	return a;
}

void *malloc(size_t n)
{
	return take(16, n);
}

void free(void *p)
{
	uint64_t freed = FREED;

	if (p == NULL)
		return;
	size_of(p, "free");
	memcpy((unsigned char *)p - 8, &freed, sizeof freed);
}

void *calloc(size_t m, size_t n)
{
	size_t total;

	if (__builtin_mul_overflow(m, n, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	void *p = take(16, total);
	if (p != NULL)
		memset(p, 0, total);
	return p;
}

void *realloc(void *p, size_t n)
{
	if (p == NULL)
		return malloc(n);
	size_t old = size_of(p, "realloc");
	if (n == 0) {
		free(p);
		return NULL;
	}
	void *q = take(16, n);
	if (q != NULL) {
		memcpy(q, p, old < n ? old : n);
		free(p);
	}
	return q;
}

void *reallocarray(void *p, size_t m, size_t n)
{
	size_t total;

	if (__builtin_mul_overflow(m, n, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc(p, total);
}

void *memalign(size_t align, size_t n)
{
	return take(pow2_align(align), n);
}

void *aligned_alloc(size_t align, size_t n)
{
	return take(pow2_align(align), n);
}

int posix_memalign(void **out, size_t align, size_t n)
{
	if (align % sizeof(void *) != 0 || (align & (align - 1)) != 0 || align == 0)
		return EINVAL;
	void *p = take(pow2_align(align), n);
	if (p == NULL)
		return ENOMEM;
	*out = p;
	return 0;
}

void *valloc(size_t n)
{
	return take((size_t)sysconf(_SC_PAGESIZE), n);
}

void *pvalloc(size_t n)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	if (n > ARENA_BYTES) {
		errno = ENOMEM;
		return NULL;
	}
	return take(page, n == 0 ? page : (n + page - 1) / page * page);
}

size_t malloc_usable_size(void *p)
{
	return p == NULL ? 0 : size_of(p, "malloc_usable_size");
}

#ifdef HSBUMP_LIBC_NAMES
void *__libc_malloc(size_t n) __attribute__((alias("malloc")));
void __libc_free(void *p) __attribute__((alias("free")));
void *__libc_calloc(size_t m, size_t n) __attribute__((alias("calloc")));
void *__libc_realloc(void *p, size_t n) __attribute__((alias("realloc")));
void *__libc_memalign(size_t align, size_t n) __attribute__((alias("memalign")));
void *__libc_valloc(size_t n) __attribute__((alias("valloc")));
void *__libc_pvalloc(size_t n) __attribute__((alias("pvalloc")));
#endif
