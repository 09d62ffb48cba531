/* xtree: Massif's tree building (see xtree.h). */
#include "xtree.h"

#include <string.h>

#include "arena.h"

struct group {
	size_t lo, hi;  /* contexts [lo, hi) */
	uintptr_t addr; /* 0 for the aggregate */
	uint64_t bytes;
	unsigned n_places; /* 0: a real group; else an aggregate of that many */
};

struct walk {
	const struct hs_xctx *c;
	struct group *stack; /* the groups of every level on the current path */
	size_t top;
	uint64_t sig_bytes;
	hs_xtree_emit_fn emit;
	void *emit_ctx;
};

/* Heapsort: no malloc (qsort may call it), O(n log n) worst case. */
static void sift_down(char *base, size_t size, size_t root, size_t n,
		      int (*cmp)(const void *, const void *), char *tmp)
{
	for (;;) {
		size_t child = 2 * root + 1;
		if (child >= n)
			return;
		if (child + 1 < n && cmp(base + child * size, base + (child + 1) * size) < 0)
			child++;
		if (cmp(base + root * size, base + child * size) >= 0)
			return;
		memcpy(tmp, base + root * size, size);
		memcpy(base + root * size, base + child * size, size);
		memcpy(base + child * size, tmp, size);
		root = child;
	}
}

static void heapsort_by(void *v, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	char *base = v;
	char tmp[64];
	if (n < 2 || size > sizeof tmp)
		return;
	for (size_t i = n / 2; i-- > 0;)
		sift_down(base, size, i, n, cmp, tmp);
	for (size_t end = n - 1; end > 0; end--) {
		memcpy(tmp, base, size);
		memcpy(base, base + end * size, size);
		memcpy(base + end * size, tmp, size);
		sift_down(base, size, 0, end, cmp, tmp);
	}
}

static int cmp_ctx(const void *a, const void *b)
{
	const struct hs_xctx *x = a, *y = b;
	unsigned n = x->n_frames < y->n_frames ? x->n_frames : y->n_frames;
	for (unsigned i = 0; i < n; i++)
		if (x->frames[i] != y->frames[i])
			return x->frames[i] < y->frames[i] ? -1 : 1;
	return (x->n_frames > y->n_frames) - (x->n_frames < y->n_frames);
}

/* Bytes descending, then address ascending. */
static int cmp_group(const void *a, const void *b)
{
	const struct group *x = a, *y = b;
	if (x->bytes != y->bytes)
		return x->bytes > y->bytes ? -1 : 1;
	return (x->addr > y->addr) - (x->addr < y->addr);
}

void hs_xtree_sort(struct hs_xctx *ctxs, size_t n)
{
	heapsort_by(ctxs, n, sizeof *ctxs, cmp_ctx);
}

uint64_t hs_xtree_sig_bytes(uint64_t total_bytes, uint64_t extra_bytes, double threshold)
{
	if (total_bytes == 0 && threshold != 0)
		return 1;
	return (uint64_t)((double)(total_bytes + extra_bytes) * threshold / 100);
}

/* Push the groups at frame level d of contexts [lo, hi), merged and sorted;
 * return how many. */
static unsigned make_groups(struct walk *w, size_t lo, size_t hi, unsigned d)
{
	size_t base = w->top;
	size_t i = lo;
	while (i < hi && w->c[i].n_frames <= d)
		i++; /* stacks ending above this level: sorted first */
	while (i < hi) {
		uintptr_t addr = w->c[i].frames[d];
		struct group g = { i, i, addr, 0, 0 };
		while (i < hi && w->c[i].n_frames > d && w->c[i].frames[d] == addr)
			g.bytes += w->c[i++].bytes;
		g.hi = i;
		w->stack[w->top++] = g;
		while (i < hi && w->c[i].n_frames <= d)
			i++;
	}
	/* Merge the insignificant groups into one aggregate at the end. */
	size_t out = base;
	struct group agg = { 0, 0, 0, 0, 0 };
	for (size_t k = base; k < w->top; k++) {
		if (w->stack[k].bytes < w->sig_bytes) {
			agg.bytes += w->stack[k].bytes;
			agg.n_places++;
		} else {
			w->stack[out++] = w->stack[k];
		}
	}
	if (agg.n_places != 0)
		w->stack[out++] = agg;
	w->top = out;
	heapsort_by(w->stack + base, out - base, sizeof(struct group), cmp_group);
	return (unsigned)(out - base);
}

static int walk_groups(struct walk *w, size_t base, unsigned count, unsigned d)
{
	for (unsigned k = 0; k < count; k++) {
		struct group g = w->stack[base + k];
		struct hs_xnode node = { .depth = d + 1, .addr = g.addr, .bytes = g.bytes };
		if (g.n_places != 0) {
			node.kind = HS_XNODE_AGGREGATE;
			node.addr = 0;
			node.n_places = g.n_places;
			int rc = w->emit(w->emit_ctx, &node);
			if (rc != 0)
				return rc;
			continue;
		}
		size_t child_base = w->top;
		node.kind = HS_XNODE_SITE;
		node.n_children = make_groups(w, g.lo, g.hi, d + 1);
		int rc = w->emit(w->emit_ctx, &node);
		if (rc == 0)
			rc = walk_groups(w, child_base, node.n_children, d + 1);
		w->top = child_base;
		if (rc != 0)
			return rc;
	}
	return 0;
}

int hs_xtree_scratch_init(struct hs_xtree_scratch *scratch, size_t max_ctxs, unsigned max_frames)
{
	/* The groups on one root-to-leaf path never exceed n + levels (each
	 * level's groups split one group of the level above), plus one. */
	scratch->cap = max_ctxs + max_frames + 2;
	scratch->groups = hs_arena_map(scratch->cap * sizeof(struct group));
	return scratch->groups == NULL ? -1 : 0;
}

void hs_xtree_scratch_free(struct hs_xtree_scratch *scratch)
{
	hs_arena_unmap(scratch->groups, scratch->cap * sizeof(struct group));
	scratch->groups = NULL;
	scratch->cap = 0;
}

int hs_xtree_walk(const struct hs_xctx *ctxs, size_t n, uint64_t extra_bytes, double threshold,
		  struct hs_xtree_scratch *scratch, hs_xtree_emit_fn emit, void *ctx)
{
	uint64_t total = 0;
	for (size_t i = 0; i < n; i++)
		total += ctxs[i].bytes;
	struct walk w = {
		.c = ctxs,
		.stack = scratch->groups,
		.sig_bytes = hs_xtree_sig_bytes(total, extra_bytes, threshold),
		.emit = emit,
		.emit_ctx = ctx,
	};
	struct hs_xnode root = { .kind = HS_XNODE_ROOT, .bytes = total };
	root.n_children = make_groups(&w, 0, n, 0);
	int rc = emit(ctx, &root);
	if (rc == 0)
		rc = walk_groups(&w, 0, root.n_children, 0);
	return rc;
}
