/* ownheap: the recorder's own heap, for every allocation made on its behalf.
 *
 * While the preload guard is raised (the recorder, libunwind, libdw, the
 * demangler, ld.so inside our dlopen), heap calls must not go to glibc's
 * malloc: they would change the program's heap (fragmentation, mallinfo)
 * and can be slow there (a calloc after the program freed a big heap
 * makes glibc consolidate all of it).  This module serves them from one
 * range of address space, mapped 1 MiB at a time as it fills: size classes with
 * free lists up to 1 MiB, page-granular blocks above (freed ones reused,
 * their pages given back).  Every block is 16-byte aligned.
 *
 * "Is p ours?" is one subtraction and compare (hs_ownheap_owns), so free,
 * realloc and malloc_usable_size dispatch on the pointer whoever calls
 * them.  When the range cannot be reserved or is full, the calls fall back
 * to glibc's __libc_* functions: correctness never depends on the range.
 * One lock serialises the heap; a thread that re-enters it (a signal
 * handler that interrupted it, a fork handler after the prepare hook) is
 * served by glibc instead of deadlocking, and its frees of our blocks are
 * dropped.
 */
#ifndef HS_OWNHEAP_H
#define HS_OWNHEAP_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* How far the range may grow when no smaller size was asked first.  It is
 * mapped 1 MiB at a time as it fills, each step right after the last, so
 * parts it does not use cost neither memory, commit charge nor address
 * space (RLIMIT_AS); under ulimit -v it grows to at most a sixteenth of
 * the limit. */
#define HS_OWNHEAP_DEFAULT_BYTES ((size_t)1 << 30)

/* The range mapped so far; the size is published last (release), so a reader
 * that sees it also sees the base.  Read only through hs_ownheap_owns;
 * hidden, so the free path reads them without the GOT. */
extern uintptr_t hs_ownheap_base_ __attribute__((visibility("hidden")));
extern _Atomic size_t hs_ownheap_size_ __attribute__((visibility("hidden")));

/* Whether p lies in the own heap's range (NULL never does). */
static inline int hs_ownheap_owns(const void *p)
{
	size_t size = atomic_load_explicit(&hs_ownheap_size_, memory_order_acquire);

	return (uintptr_t)p - hs_ownheap_base_ < size;
}

/* Start the range, to grow up to bytes (rounded up to pages), unless one
 * was started or tried already: 0 when this call started it, -1
 * otherwise.  Until then, the first allocation starts one of
 * HS_OWNHEAP_DEFAULT_BYTES. */
int hs_ownheap_init(size_t reserve_bytes);

/* malloc: ours when the range has room, else glibc's. */
void *hs_ownheap_malloc(size_t n);

/* calloc: zeroed; NULL with ENOMEM when m * n overflows. */
void *hs_ownheap_calloc(size_t m, size_t n);

/* realloc with glibc's NULL and zero-size cases; p ours or glibc's.  An
 * own block stays own (glibc's only when the range is full). */
void *hs_ownheap_realloc(void *p, size_t n);

/* memalign: align is rounded up to a power of two, as glibc does. */
void *hs_ownheap_memalign(size_t align, size_t n);

/* free of an own block, or of glibc's (to __libc_free). */
void hs_ownheap_free(void *p);

/* The usable bytes of an own block (p must be ours). */
size_t hs_ownheap_usable_size(const void *p);

/* How far the range has ever been used, in bytes (its high-water mark). */
size_t hs_ownheap_used_bytes(void);

/* Fork's prepare hook: take the lock (the last of our hooks: the others
 * may allocate). */
void hs_ownheap_atfork_prepare(void);

/* Fork's parent hook: release the lock. */
void hs_ownheap_atfork_parent(void);

/* Fork's child hook: a fresh lock, whoever held it in the parent. */
void hs_ownheap_atfork_child(void);

#endif
