/* tagshadow: two bytes beside every glibc block, for the size tags that
 * do not fit inside the block (sizetag.h, --sample).
 *
 * A block whose request leaves less than HS_TAG_ROOM bytes of glibc's
 * slack (n = 22..24, 38..40, 54..56...: 3 request sizes in 16, half of
 * python's objects) had to be asked for 3 bytes more, which puts it in
 * the next 16-byte size class: python3 ran 17% slower and xmllint 14%
 * from that alone.  Its tag goes here instead, the block keeps glibc's
 * size.
 *
 * The shadow is one byte per 16-byte granule of the address space; a
 * block's two bytes are those of its chunk's first granule and the next
 * (every glibc chunk is 16-aligned, at least 32 bytes long and starts 16
 * bytes before the block), so no two blocks share a byte.  It is mapped
 * in pieces of 64 MiB, each the shadow of one GiB of addresses, reserved
 * (MAP_NORESERVE) when a block in that GiB first needs its two bytes and
 * never unmapped; only the pages written take memory (1/16 of the heap's).
 * No lock: a piece is installed by compare-and-swap, and each block's
 * bytes are written by the thread that allocates it and read by the one
 * that frees it, which the program has synchronised.
 *
 * Every tagged allocation writes its two bytes where a piece exists (0:
 * the tag is in the block), so a byte left by a block glibc since gave to
 * someone else never outlives that block's next tagging.
 */
#ifndef HS_TAGSHADOW_H
#define HS_TAGSHADOW_H

#include <stdint.h>
#include <string.h>

/* Addresses below 2^47 (x86-64's user space with 4-level paging). */
#define HS_SHADOW_ADDR_BITS 47
#define HS_SHADOW_PIECE_SHIFT 30 /* the addresses one piece covers: 1 GiB */
#define HS_SHADOW_GRANULE_SHIFT 4
#define HS_SHADOW_PIECES (1u << (HS_SHADOW_ADDR_BITS - HS_SHADOW_PIECE_SHIFT))

/* Whether the shadow is off: before start-up says --sample, when the
 * address space is limited (ulimit -v: each piece reserves 64 MiB of it)
 * or every mapping is committed (vm.overcommit_memory=2), and once a piece
 * could not be mapped.  Then blocks are asked with room for the tag. */
extern int hs_shadow_off;

/* Turn the shadow on unless the limits above forbid it (start-up). */
void hs_shadow_start(void);

/* The pieces, by address >> 30 (NULL: none yet; atomic access). */
extern uint8_t *hs_shadow_pieces[HS_SHADOW_PIECES];

/* The chunk of block p starts 16 bytes before it. */
static inline uintptr_t hs_shadow_chunk(const void *p)
{
	return (uintptr_t)p - 16;
}

/* Block p's two bytes (0: none written, or no piece). */
static inline uint16_t hs_shadow_get(const void *p)
{
	uintptr_t c = hs_shadow_chunk(p);
	if (__builtin_expect(c >> HS_SHADOW_ADDR_BITS != 0, 0))
		return 0;
	const uint8_t *piece =
		__atomic_load_n(&hs_shadow_pieces[c >> HS_SHADOW_PIECE_SHIFT], __ATOMIC_ACQUIRE);
	if (piece == NULL)
		return 0;
	uint16_t v;
	memcpy(&v, piece + ((c & ((1ul << HS_SHADOW_PIECE_SHIFT) - 1)) >> HS_SHADOW_GRANULE_SHIFT),
	       sizeof v);
	return v;
}

/* Map the piece for chunk address c: NULL when it cannot be (out of
 * memory, or an address beyond the shadow). */
uint8_t *hs_shadow_piece_slow(uintptr_t c);

/* Write block p's two bytes; v == 0 only where a piece exists.  Returns 0,
 * or -1 when v != 0 has no piece to go to (the tag must go elsewhere). */
static inline int hs_shadow_put(const void *p, uint16_t v)
{
	uintptr_t c = hs_shadow_chunk(p);
	uint8_t *piece = c >> HS_SHADOW_ADDR_BITS != 0
				 ? NULL
				 : __atomic_load_n(&hs_shadow_pieces[c >> HS_SHADOW_PIECE_SHIFT],
						   __ATOMIC_ACQUIRE);
	if (__builtin_expect(piece == NULL, 0)) {
		if (v == 0)
			return 0;
		piece = hs_shadow_piece_slow(c);
		if (piece == NULL)
			return -1;
	}
	memcpy(piece + ((c & ((1ul << HS_SHADOW_PIECE_SHIFT) - 1)) >> HS_SHADOW_GRANULE_SHIFT), &v,
	       sizeof v);
	return 0;
}

/* The pieces mapped so far (for the tests and --stats). */
unsigned hs_shadow_pieces_mapped(void);

#endif
