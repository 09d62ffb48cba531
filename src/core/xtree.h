/* xtree: one snapshot's heap tree, built as Massif's m_xtree.c does.
 *
 * Input: the filtered contexts that existed when the snapshot was taken,
 * each with its bytes then (zero-byte ones included), sorted with
 * hs_xtree_sort.  Output: the tree's nodes in pre-order through a callback,
 * each with its exact child count.  Rules (format-massif.md §12): one significance
 * cut-off per snapshot, trunc((total + extra) * threshold / 100), or 1 when
 * the total is 0; insignificant sibling groups merge into one aggregate
 * leaf per parent; siblings ordered by bytes descending, then address
 * ascending, the aggregate counting as address 0.  Pure: no I/O, no names.
 */
#ifndef HS_XTREE_H
#define HS_XTREE_H

#include <stddef.h>
#include <stdint.h>

struct hs_xctx {
	const uintptr_t *frames; /* filtered, innermost first */
	unsigned n_frames;       /* at least 1 */
	uint64_t bytes;
	uint32_t tag; /* the caller's, ignored by the walk */
};

enum hs_xnode_kind {
	HS_XNODE_ROOT,
	HS_XNODE_SITE,      /* a code address */
	HS_XNODE_AGGREGATE, /* "in K places, ... below massif's threshold" */
};

struct hs_xnode {
	enum hs_xnode_kind kind;
	unsigned depth; /* 0 for the root */
	uintptr_t addr; /* SITE only */
	uint64_t bytes;
	unsigned n_children; /* 0 for AGGREGATE */
	unsigned n_places;   /* AGGREGATE only: the groups merged */
};

/* Called for each node in pre-order; a nonzero return stops the walk. */
typedef int (*hs_xtree_emit_fn)(void *ctx, const struct hs_xnode *node);

/* Sort ctxs lexicographically by frames (a prefix before its extensions). */
void hs_xtree_sort(struct hs_xctx *ctxs, size_t n);

/* The significance cut-off of a snapshot (format-massif.md §12, step 2). */
uint64_t hs_xtree_sig_bytes(uint64_t total_bytes, uint64_t extra_bytes, double threshold);

/* Working memory for walks over at most max_ctxs contexts of at most
 * max_frames frames, mapped once so a walk cannot fail half-way. */
struct hs_xtree_scratch {
	void *groups;
	size_t cap;
};

/* Map scratch for walks of up to max_ctxs contexts.  Returns 0 or -1. */
int hs_xtree_scratch_init(struct hs_xtree_scratch *scratch, size_t max_ctxs, unsigned max_frames);

/* Unmap scratch. */
void hs_xtree_scratch_free(struct hs_xtree_scratch *scratch);

/* Walk the tree of ctxs (sorted, n no more than scratch was sized for) for
 * a snapshot with extra_bytes and the --threshold percentage.  Returns 0,
 * or the callback's nonzero value. */
int hs_xtree_walk(const struct hs_xctx *ctxs, size_t n, uint64_t extra_bytes, double threshold,
		  struct hs_xtree_scratch *scratch, hs_xtree_emit_fn emit, void *ctx);

#endif
