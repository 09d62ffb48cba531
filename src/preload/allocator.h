/* allocator: whether glibc's malloc is the program's, decided once.
 *
 * The recorder hands out glibc's blocks (__libc_malloc & co.), reads
 * glibc's chunk header under --sample (sizetag.h) and asks the next
 * malloc_usable_size for a block's size.  When another allocator replaces
 * glibc's in the process (tcmalloc, jemalloc, mimalloc, an executable
 * with a malloc of its own), before libheapsnap.so in the lookup order or
 * after it, or takes over __libc_malloc (tcmalloc does), those blocks
 * would meet a free, realloc or malloc_usable_size that is not glibc's,
 * or glibc's would meet the other allocator's: a crash.  So the first
 * heap call (or the constructor, whichever comes first, before any block
 * is handed out) asks the loader who defines malloc, free, calloc,
 * realloc and malloc_usable_size first and next after us, and where our
 * __libc_* references lead (a non-PIE executable's PLT entry, which
 * stands for a function whose address it takes, is looked through to the
 * module it jumps to).  Anything but libc.so.6 (or us) there, and every
 * interposed function passes each call on to its next definition, as if
 * we were not loaded, for the rest of the process: lifecycle.c records
 * nothing (an empty file, with one line saying why).
 *
 * The decision is a handful of dlsym and dladdr calls with the preload
 * guard raised (their allocations go to the own heap), made once; the
 * malloc family reads it only on its paths that are not recording, so
 * the recording hot path does not change.
 */
#ifndef HS_ALLOCATOR_H
#define HS_ALLOCATOR_H

#include <stdatomic.h>
#include <stddef.h>

/* glibc's own allocator entry points (exported, so no dlsym bootstrap):
 * the blocks the recorder hands out when glibc's malloc is the program's. */
extern void *__libc_malloc(size_t n);
extern void __libc_free(void *p);
extern void *__libc_calloc(size_t m, size_t n);
extern void *__libc_realloc(void *p, size_t n);
extern void *__libc_memalign(size_t align, size_t n);
extern void *__libc_valloc(size_t n);
extern void *__libc_pvalloc(size_t n);

/* What hs_alloc_kind says: not asked yet, glibc's, another's. */
enum { HS_ALLOC_UNKNOWN, HS_ALLOC_GLIBC, HS_ALLOC_OTHER };

extern _Atomic int hs_alloc_kind;

/* The next definitions after libheapsnap.so (RTLD_NEXT), filled before
 * hs_alloc_kind turns HS_ALLOC_OTHER; never NULL then. */
struct hs_next_alloc {
	void *(*malloc)(size_t);
	void (*free)(void *);
	void *(*calloc)(size_t, size_t);
	void *(*realloc)(void *, size_t);
	void *(*reallocarray)(void *, size_t, size_t);
	void *(*memalign)(size_t, size_t);
	void *(*aligned_alloc)(size_t, size_t);
	int (*posix_memalign)(void **, size_t, size_t);
	void *(*valloc)(size_t);
	void *(*pvalloc)(size_t);
};

extern struct hs_next_alloc hs_next_alloc;

/* Decide (once; two threads deciding together find the same) and return
 * HS_ALLOC_GLIBC or HS_ALLOC_OTHER.  Raises the preload guard itself. */
int hs_alloc_decide(void);

/* Whether another allocator than glibc's answers the program's heap
 * calls (deciding first if no one has). */
static inline int hs_alloc_other(void)
{
	int kind = atomic_load_explicit(&hs_alloc_kind, memory_order_acquire);
	if (__builtin_expect(kind == HS_ALLOC_UNKNOWN, 0))
		kind = hs_alloc_decide();
	return kind == HS_ALLOC_OTHER;
}

/* Once another allocator answers: the first function found replaced
 * ("malloc", "__libc_malloc", ...), the path of the module that defines
 * it (the loader's name; the program's as it was started for the
 * executable itself), and whether that module is the executable. */
const char *hs_alloc_replaced(void);
const char *hs_alloc_replacer(void);
int hs_alloc_replacer_is_program(void);

#endif
