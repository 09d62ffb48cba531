/* sizetag: a block's requested size, kept in the block itself (--sample).
 *
 * In sampling mode most blocks are in no table, yet their free must take
 * their requested size off mem_heap_B (Massif counts requested bytes, not
 * what glibc rounds them up to).  glibc's chunk header, the word before
 * the block, gives the usable size u (the chunk's size less its header:
 * 8 bytes, or 16 for an mmapped chunk, as malloc_usable_size computes it);
 * the request is u less a slack of 0 to 24 bytes (more for mmapped
 * chunks) that the header cannot tell.  So glibc is asked for one byte
 * more than the program asked, and the last usable byte holds the slack;
 * the two bytes before it hold the block's direct call site (callsites.h,
 * a u16 id, 0 = none) and whether it was sampled (HS_TAG_SAMPLED), so
 * HS_TAG_ROOM is 3:
 *
 *   1..127      slack, block counted in the totals
 *   129..254    slack + 128, block not counted (made while not recording,
 *               when sampling may be on: lifecycle.h, hs_preload_tag_early)
 *   255         slack >= 127: the 8 bytes before the site's hold
 *               slack | counted << 63
 *   0           no tag: a block from elsewhere (counted as not ours)
 *
 * The byte lies beyond the program's request (malloc_usable_size answers
 * the request in this mode, so a program that uses the whole usable size
 * stops short of it); reading it at free touches the line glibc's free
 * touches next to the chunk header for small blocks.  The 3 extra bytes
 * move a request into the next 16-byte size class when (n + 8) mod 16 is
 * 14, 15 or 0 (n = 22..24, 38..40...).  Works for every block glibc hands
 * out (malloc, calloc, realloc, the memalign family: each has its header
 * right before it).  Callers have checked n < PTRDIFF_MAX.
 */
#ifndef HS_SIZETAG_H
#define HS_SIZETAG_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* The bytes asked of glibc beyond the request. */
#define HS_TAG_ROOM 3

/* In the site's u16: the block was sampled (it is in the recorder's block
 * table), so its free and realloc look it up there; site ids stay below
 * it (callsites.h). */
#define HS_TAG_SAMPLED 0x8000u

#define HS_TAG_NOT_COUNTED 128u
#define HS_TAG_WIDE 255u
#define HS_TAG_WIDE_COUNTED (UINT64_C(1) << 63)

/* The usable size of glibc block p, from its chunk header. */
static inline size_t hs_chunk_usable(const void *p)
{
	size_t head;
	memcpy(&head, (const char *)p - sizeof head, sizeof head);
	size_t chunk = head & ~(size_t)7;
	return chunk - ((head & 2) != 0 ? 2 : 1) * sizeof head; /* 2: IS_MMAPPED */
}

/* Tag block p (at least req + HS_TAG_ROOM usable bytes) with req and its
 * site (0: none; with HS_TAG_SAMPLED when sampled). */
static inline void hs_tag_set_site(void *p, size_t req, int counted, unsigned site)
{
	size_t u = hs_chunk_usable(p);
	size_t slack = u - req;
	unsigned char *end = (unsigned char *)p + u;
	uint16_t s16 = (uint16_t)site;
	memcpy(end - 3, &s16, sizeof s16);
	if (slack < HS_TAG_NOT_COUNTED - 1) {
		end[-1] = (unsigned char)(slack + (counted ? 0 : HS_TAG_NOT_COUNTED));
		return;
	}
	uint64_t wide = (uint64_t)slack | (counted ? HS_TAG_WIDE_COUNTED : 0);
	memcpy(end - 3 - sizeof wide, &wide, sizeof wide);
	end[-1] = HS_TAG_WIDE;
}

static inline void hs_tag_set(void *p, size_t req, int counted)
{
	hs_tag_set_site(p, req, counted, 0);
}

/* The requested size of block p into *req and its site into *site (0:
 * none; with HS_TAG_SAMPLED when sampled; site may be NULL); returns 1
 * when the block is counted in the totals, 0 when not (untagged: *req is
 * the usable size, *site 0). */
static inline int hs_tag_get_site(const void *p, size_t *req, unsigned *site)
{
	size_t u = hs_chunk_usable(p);
	const unsigned char *end = (const unsigned char *)p + u;
	unsigned b = u != 0 ? end[-1] : 0;
	size_t slack;
	int counted;
	if (b == HS_TAG_WIDE) {
		uint64_t wide;
		memcpy(&wide, end - 3 - sizeof wide, sizeof wide);
		slack = (size_t)(wide & ~HS_TAG_WIDE_COUNTED);
		counted = (wide & HS_TAG_WIDE_COUNTED) != 0;
	} else {
		slack = b & (HS_TAG_NOT_COUNTED - 1);
		counted = b != 0 && b < HS_TAG_NOT_COUNTED;
	}
	if (b == 0 || slack > u || slack < HS_TAG_ROOM) { /* not ours: no tag */
		*req = u;
		if (site != NULL)
			*site = 0;
		return 0;
	}
	*req = u - slack;
	if (site != NULL) {
		uint16_t s16;
		memcpy(&s16, end - 3, sizeof s16);
		*site = counted ? s16 : 0;
	}
	return counted;
}

static inline int hs_tag_get(const void *p, size_t *req)
{
	return hs_tag_get_site(p, req, NULL);
}

#endif
