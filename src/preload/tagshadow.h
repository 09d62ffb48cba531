/* tagshadow: two or three bytes beside every glibc block, for the size
 * tags that are not inside the block (sizetag.h: --sample, and exact
 * mode's).
 *
 * A block whose request leaves less than HS_TAG_ROOM bytes of glibc's
 * slack (n = 22..24, 38..40, 54..56...: 3 request sizes in 16, half of
 * python's objects) had to be asked for 3 bytes more, which puts it in
 * the next 16-byte size class: python3 ran 17% slower and xmllint 14%
 * from that alone.  Its tag goes here instead, the block keeps glibc's
 * size.  A block of 48 bytes or more keeps its whole tag here: free then
 * reads it beside the chunk header's load, not after it.
 *
 * The shadow is one byte per 16-byte granule of the address space; a
 * block's bytes are those of its chunk's first granule and the next, and
 * the one after in a chunk of 48 bytes or more (every glibc chunk is
 * 16-aligned, at least 32 bytes long and starts 16 bytes before the
 * block), so no two blocks share a byte.  It is mapped in leaves of 2 MiB
 * (and a page), each the shadow of 32 MiB of addresses, found through a
 * directory per 64 GiB; both are mapped when a block there first needs
 * its bytes and never unmapped, so the address space it takes is 1/16 of
 * the heap's, as is the memory (only pages written; a leaf of a dense
 * heap is one huge page: tagshadow.c).
 * No lock: leaves and directories are installed by compare-and-swap,
 * and each block's bytes are written by the thread that allocates it and
 * read by the one that frees it, which the program has synchronised.
 *
 * Every tagged allocation writes its bytes where a leaf exists (0: the
 * tag is in the block), so a byte left by a block glibc since gave to
 * someone else never outlives that block's next tagging.
 */
#ifndef HS_TAGSHADOW_H
#define HS_TAGSHADOW_H

#include <stdint.h>
#include <string.h>

/* Addresses below 2^47 (x86-64's user space with 4-level paging). */
#define HS_SHADOW_ADDR_BITS 47
#define HS_SHADOW_DIR_SHIFT 36  /* the addresses one directory covers: 64 GiB */
#define HS_SHADOW_LEAF_SHIFT 25 /* the addresses one leaf covers: 32 MiB */
#define HS_SHADOW_GRANULE_SHIFT 4
#define HS_SHADOW_DIRS (1u << (HS_SHADOW_ADDR_BITS - HS_SHADOW_DIR_SHIFT))
#define HS_SHADOW_DIR_LEAVES (1u << (HS_SHADOW_DIR_SHIFT - HS_SHADOW_LEAF_SHIFT))

/* Whether the shadow is off: before start-up says the tags are on, when the
 * address space is limited (ulimit -v, at start or when a leaf is due:
 * the shadow's would come out of the program's), or every mapping is
 * committed (vm.overcommit_memory=2), and once a leaf could not be
 * mapped.  Then blocks are asked with room for the tag. */
extern int hs_shadow_off;

/* Turn the shadow on unless the limits above forbid it (start-up). */
void hs_shadow_start(void);

/* The directories, by address >> 36 (NULL: none yet; atomic access); a
 * directory holds its leaves by (address >> 24) % HS_SHADOW_DIR_LEAVES. */
extern uint8_t **hs_shadow_dirs[HS_SHADOW_DIRS];

/* The chunk of block p starts 16 bytes before it. */
static inline uintptr_t hs_shadow_chunk(const void *p)
{
	return (uintptr_t)p - 16;
}

/* The leaf holding chunk address c's bytes, or NULL. */
static inline uint8_t *hs_shadow_leaf(uintptr_t c)
{
	if (__builtin_expect(c >> HS_SHADOW_ADDR_BITS != 0, 0))
		return NULL;
	uint8_t **dir =
		__atomic_load_n(&hs_shadow_dirs[c >> HS_SHADOW_DIR_SHIFT], __ATOMIC_ACQUIRE);
	if (dir == NULL)
		return NULL;
	return __atomic_load_n(&dir[(c >> HS_SHADOW_LEAF_SHIFT) & (HS_SHADOW_DIR_LEAVES - 1)],
			       __ATOMIC_ACQUIRE);
}

/* Where chunk address c's bytes are in its leaf. */
static inline size_t hs_shadow_offset(uintptr_t c)
{
	return (c & ((1ul << HS_SHADOW_LEAF_SHIFT) - 1)) >> HS_SHADOW_GRANULE_SHIFT;
}

/* Map the leaf (and directory) for chunk address c: NULL when it cannot
 * be (the shadow is off, out of memory, an address beyond the shadow). */
uint8_t *hs_shadow_leaf_slow(uintptr_t c);

/* Where block p's bytes are (the second and third of a chunk starting in
 * a leaf's last granules in the page after it): NULL when their leaf is
 * not mapped, and, when map, cannot be. */
static inline uint8_t *hs_shadow_bytes(const void *p, int map)
{
	uintptr_t c = hs_shadow_chunk(p);
	uint8_t *leaf = hs_shadow_leaf(c);
	if (__builtin_expect(leaf == NULL, 0)) {
		if (!map)
			return NULL;
		leaf = hs_shadow_leaf_slow(c);
		if (leaf == NULL)
			return NULL;
	}
	return leaf + hs_shadow_offset(c);
}

/* Block p's three bytes, the first in the lowest bits (0: none written,
 * or no leaf): for the tests.  The third is the next chunk's when p's
 * chunk is 32 bytes. */
static inline uint32_t hs_shadow_get(const void *p)
{
	const uint8_t *b = hs_shadow_bytes(p, 0);
	return b == NULL ? 0 : b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16;
}

/* Where a new leaf learns the heap's bytes now (the recorder's
 * hs_rec_heap_now): a leaf asks for a huge page once the heap is dense
 * (tagshadow.c).  Without it, never. */
void hs_shadow_set_heap_probe(uint64_t (*probe)(void));

/* The leaves mapped so far (for the tests). */
unsigned hs_shadow_leaves_mapped(void);

#endif
