/* sizetag: a block's requested size, kept in the block itself (--sample,
 * and exact mode's blocks kept out of the table: interpose.c).
 *
 * In sampling mode most blocks are in no table, yet their free must take
 * their requested size off mem_heap_B (Massif counts requested bytes, not
 * what glibc rounds them up to).  glibc's chunk header, the word before
 * the block, gives the usable size u (the chunk's size less its header:
 * 8 bytes, or 16 for an mmapped chunk, as malloc_usable_size computes it);
 * the request is u less a slack of 0 to 24 bytes (more for mmapped
 * chunks) that the header cannot tell.  So the tag says the slack, the
 * block's direct call site (callsites.h, a u16 id, 0 = none) and whether
 * it was sampled (HS_TAG_SAMPLED), so that its free knows without a table.
 *
 * In a chunk of 48 bytes or more that is not mmapped (three granules of
 * the shadow its own: tagshadow.h), a slack of 0..15 (every malloc'd or
 * calloc'd block's) is told by the chunk's three bytes in the shadow: the
 * site's u16, then slack + 1, with 32 added when not counted (0: the tag
 * is in the block).  So free loads the header and the shadow at once, not
 * the block's last bytes after the header: a second cache miss in a row
 * where the block went cold since its malloc.  Elsewhere (a 32-byte
 * chunk, whose end is mostly on its header's line; an mmapped chunk; a
 * slack above 15, from memalign or a realloc that shrank in place; no
 * shadow), where the slack has room (HS_TAG_ROOM bytes or more: 13
 * request sizes in 16), the tag is its last three usable bytes: the
 * site's u16, then
 *
 *   3..127      slack, block counted in the totals
 *   131..254    slack + 128, block not counted (made while not recording,
 *               when sampling may be on: lifecycle.h, hs_preload_tag_early)
 *   255         slack >= 127: the 8 bytes before the site's hold
 *               slack | counted << 63
 *   0..2, 128..130  no tag: a block from elsewhere (counted as not ours)
 *
 * Where it has not (slack 0, 1 or 2), the tag is the block's two bytes in
 * the shadow, which are 0 (a wide chunk's three) for a block tagged
 * inside:
 *
 *   (slack + 1) << 14 | sampled << 13 | site    counted
 *   slack + 1                                   not counted
 *
 * and should the shadow have no room (out of memory), the block is moved
 * to one three bytes bigger (interpose.c), as every such block was before
 * the shadow.  A tag's bytes inside lie beyond the program's request
 * (malloc_usable_size answers the request in this mode, so a program that
 * uses the whole usable size stops short of them).  Works for every block
 * glibc hands out (malloc, calloc, realloc, the memalign family: each has
 * its header right before it).  Callers have checked n < PTRDIFF_MAX.
 */
#ifndef HS_SIZETAG_H
#define HS_SIZETAG_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tagshadow.h"

/* The slack a tag inside the block takes. */
#define HS_TAG_ROOM 3

/* In the site's u16: the block was sampled (it is in the recorder's block
 * table), so its free and realloc look it up there; site ids stay below
 * it (callsites.h).  In exact mode the site is a tag id (recorder.h), and
 * this bit says the block is in the table. */
#define HS_TAG_SAMPLED 0x8000u

#define HS_TAG_NOT_COUNTED 128u
#define HS_TAG_WIDE 255u
#define HS_TAG_WIDE_COUNTED (UINT64_C(1) << 63)

/* Block p's chunk header. */
static inline size_t hs_chunk_head(const void *p)
{
	size_t head;
	memcpy(&head, (const char *)p - sizeof head, sizeof head);
	return head;
}

/* The usable size of a block whose chunk header is head. */
static inline size_t hs_head_usable(size_t head)
{
	size_t chunk = head & ~(size_t)7;
	return chunk - ((head & 2) != 0 ? 2 : 1) * sizeof head; /* 2: IS_MMAPPED */
}

/* The usable size of glibc block p, from its chunk header. */
static inline size_t hs_chunk_usable(const void *p)
{
	return hs_head_usable(hs_chunk_head(p));
}

/* Whether the chunk of header head has three granules of the shadow to
 * itself: not mmapped, 48 bytes or more. */
static inline int hs_head_wide(size_t head)
{
	return (head & 2) == 0 && head >= 48;
}

/* The shadow's code for a tag of slack 0..2 (HS_TAG_ROOM - 1) in a chunk
 * of two granules. */
#define HS_SHADOW_COUNTED_SHIFT 14
#define HS_SHADOW_SAMPLED 0x2000u
#define HS_SHADOW_SITE_MASK 0x1fffu
_Static_assert(HS_TAG_ROOM - 1 < 3, "the shadow's code holds slack + 1 in two bits");

/* A wide chunk's (hs_head_wide) third byte: slack + 1, with this when
 * not counted; 0: the tag is in the block.  Its first two are the site's
 * u16 as a tag inside has it. */
#define HS_WIDE_SLACK_MAX 15u
#define HS_WIDE_NOT_COUNTED 0x20u

/* Tag block p (at least req usable bytes) with req and its site (0: none;
 * with HS_TAG_SAMPLED when sampled; below HS_SHADOW_SAMPLED); fresh: the
 * block holds nothing yet (not calloc's), so a tag in the shadow may
 * leave its bytes inside too, which spares a branch.  Returns 0, or -1
 * when neither the block nor the shadow has room for the tag (the caller
 * moves the block to one HS_TAG_ROOM bytes bigger). */
static inline __attribute__((always_inline)) int hs_tag_put(void *p, size_t req, int counted,
							    unsigned site, int fresh)
{
	size_t head = hs_chunk_head(p);
	size_t u = hs_head_usable(head);
	size_t slack = u - req;
	uint16_t s16 = (uint16_t)site;
	int wide = hs_head_wide(head);
	int outside;
	if (__builtin_expect(wide && slack <= HS_WIDE_SLACK_MAX, 1)) {
		uint8_t *sh = hs_shadow_bytes(p, 1);
		if (__builtin_expect(sh != NULL, 1)) {
			memcpy(sh, &s16, sizeof s16);
			sh[2] = (uint8_t)(slack + 1 + (counted ? 0 : HS_WIDE_NOT_COUNTED));
			return 0;
		}
		if (slack < HS_TAG_ROOM)
			return -1;
		outside = 0; /* no shadow: inside, with nothing of ours to clear */
	} else {
		outside = slack < HS_TAG_ROOM;
		unsigned short_code = (unsigned)slack + 1;
		unsigned long_code = short_code << HS_SHADOW_COUNTED_SHIFT |
				     ((site & HS_TAG_SAMPLED) != 0 ? HS_SHADOW_SAMPLED : 0) |
				     (site & HS_SHADOW_SITE_MASK);
		uint16_t code = (uint16_t)(!outside ? 0 : counted ? long_code : short_code);
		uint8_t *sh = hs_shadow_bytes(p, code != 0);
		if (sh != NULL) {
			/* 0 also takes away what a former block here left */
			memcpy(sh, &code, sizeof code);
			if (wide)
				sh[2] = 0;
		} else if (code != 0) {
			return -1;
		}
		if (outside && !fresh)
			return 0;
	}
	unsigned char *end = (unsigned char *)p + u;
	memcpy(end - 3, &s16, sizeof s16);
	if (__builtin_expect(slack < HS_TAG_NOT_COUNTED - 1, 1)) {
		end[-1] = (unsigned char)(slack + (counted ? 0 : HS_TAG_NOT_COUNTED));
		return 0;
	}
	uint64_t wide_slack = (uint64_t)slack | (counted ? HS_TAG_WIDE_COUNTED : 0);
	memcpy(end - 3 - sizeof wide_slack, &wide_slack, sizeof wide_slack);
	end[-1] = HS_TAG_WIDE;
	return 0;
}

/* Whether hs_tag_put can tag block p (at least req usable bytes): 0 when
 * the tag fits inside or the shadow has (or now maps) the block's leaf,
 * -1 when it would fail.  For a caller that must know before it tags. */
static inline int hs_tag_room(const void *p, size_t req)
{
	if (hs_chunk_usable(p) - req >= HS_TAG_ROOM)
		return 0;
	uintptr_t c = hs_shadow_chunk(p);
	return hs_shadow_leaf(c) != NULL || hs_shadow_leaf_slow(c) != NULL ? 0 : -1;
}

/* Tag block p, which may hold the program's bytes (hs_tag_put). */
static inline int hs_tag_set_site(void *p, size_t req, int counted, unsigned site)
{
	return hs_tag_put(p, req, counted, site, 0);
}

static inline int hs_tag_set(void *p, size_t req, int counted)
{
	return hs_tag_set_site(p, req, counted, 0);
}

/* The requested size of block p into *req and its site into *site (0:
 * none; with HS_TAG_SAMPLED when sampled; site may be NULL); returns 1
 * when the block is counted in the totals, 0 when not (untagged: *req is
 * the usable size, *site 0). */
static inline __attribute__((always_inline)) int hs_tag_get_site(const void *p, size_t *req,
								 unsigned *site)
{
	size_t head = hs_chunk_head(p);
	size_t u = hs_head_usable(head);
	const uint8_t *sh = hs_shadow_bytes(p, 0);
	size_t slack;
	int counted, valid;
	uint16_t s16;
	uint16_t code = 0;
	if (hs_head_wide(head)) {
		unsigned b2 = sh != NULL ? sh[2] : 0;
		if (__builtin_expect(b2 != 0, 1)) {
			memcpy(&s16, sh, sizeof s16);
			slack = (b2 & ~HS_WIDE_NOT_COUNTED) - 1u;
			counted = (b2 & HS_WIDE_NOT_COUNTED) == 0;
			valid = slack <= HS_WIDE_SLACK_MAX;
			goto tagged;
		}
	} else if (sh != NULL) {
		memcpy(&code, sh, sizeof code);
	}
	const unsigned char *end = (const unsigned char *)p + u;
	unsigned b = end[-1]; /* the program's byte when the tag is outside: harmless */
	memcpy(&s16, end - 3, sizeof s16);
	if (code != 0) {
		unsigned hi = code >> HS_SHADOW_COUNTED_SHIFT;
		slack = (hi != 0 ? hi : code) - 1u;
		counted = hi != 0;
		valid = slack < HS_TAG_ROOM && (hi != 0 || code <= HS_TAG_ROOM);
		s16 = (uint16_t)((code & HS_SHADOW_SITE_MASK) |
				 ((code & HS_SHADOW_SAMPLED) != 0 ? HS_TAG_SAMPLED : 0));
	} else if (__builtin_expect(b != HS_TAG_WIDE, 1)) {
		slack = b & (HS_TAG_NOT_COUNTED - 1);
		counted = b != 0 && b < HS_TAG_NOT_COUNTED;
		valid = b != 0 && slack >= HS_TAG_ROOM;
	} else {
		uint64_t wide;
		memcpy(&wide, end - 3 - sizeof wide, sizeof wide);
		slack = (size_t)(wide & ~HS_TAG_WIDE_COUNTED);
		counted = (wide & HS_TAG_WIDE_COUNTED) != 0;
		valid = slack >= HS_TAG_ROOM;
	}
tagged:
	if (!valid || slack > u) { /* not ours: no tag */
		*req = u;
		if (site != NULL)
			*site = 0;
		return 0;
	}
	*req = u - slack;
	if (site != NULL)
		*site = counted ? s16 : 0;
	return counted;
}

static inline int hs_tag_get(const void *p, size_t *req)
{
	return hs_tag_get_site(p, req, NULL);
}

#endif
