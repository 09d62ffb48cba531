/* model: a parsed Massif file, held in memory, ready to render or analyse.
 *
 * The model owns the file's bytes (one buffer) and points into them: every
 * string below (struct hs_str) is a pointer + length into that buffer, except
 * the concatenated description, which is built once.  Snapshots are kept in
 * file order; each detailed or peak snapshot owns a run of tree nodes in one
 * flat array, stored in pre-order (a node, then each of its child subtrees in
 * turn), with the child count and depth of every node, so trees can be walked
 * without recursion and without pointers.  Raw strings are kept for the fields
 * ms_print copies verbatim (table cells, node text); numeric values are kept
 * beside them for arithmetic.  The parser (parse.h) guarantees the invariants
 * documented on each field, so renderers and analyses need not re-check them.
 */
#ifndef HS_PRINT_MODEL_H
#define HS_PRINT_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

/* A byte range inside the model's buffer (not NUL-terminated). */
struct hs_str {
	const char *ptr;
	size_t len;
};

/* The file's time unit (the `time_unit:` line). */
enum hs_time_unit {
	HS_TIME_I,  /* instructions */
	HS_TIME_MS, /* milliseconds */
	HS_TIME_B   /* bytes allocated and freed (churn) */
};

/* What a snapshot carries (the `heap_tree=` line). */
enum hs_tree_kind {
	HS_TREE_EMPTY,    /* no tree */
	HS_TREE_DETAILED, /* a tree */
	HS_TREE_PEAK      /* a tree, and Massif marked this snapshot as the peak */
};

/* One tree node: a line `n<K>: <BYTES><TEXT>`. */
struct hs_node {
	uint64_t bytes;       /* live useful bytes through this call path */
	struct hs_str text;   /* everything after BYTES, verbatim, usually
                             " 0x4005D6: main (a.c:3)"; comments cut off */
	uint32_t n_children;  /* K: the next K subtrees are this node's children */
	uint32_t depth;       /* 0 for the root, parent's depth + 1 otherwise */
	uint32_t subtree_len; /* nodes in this subtree, itself included: the next
                             sibling is at index + subtree_len */
	uint32_t line;        /* 1-based line number in the file */
	uint32_t bytes_len;   /* BYTES as written: the digits just before
                             text.ptr.  ms_print prints them raw (leading
                             zeros kept); 0 when there is no such text */
	uint32_t text_cut;    /* bytes of the '#' comment cut off text, up to the
                             line's end: the analyses keep whole names, since
                             Rust's and C++'s hold a '#' ("{closure#0}") */
};

/* One snapshot block. */
struct hs_snapshot {
	/* Raw value strings after `key=`, as ms_print prints them in the table. */
	struct hs_str num_raw, time_raw, heap_raw, extra_raw, stacks_raw;
	uint64_t num;          /* the `snapshot=` value (usually its position) */
	uint64_t time;         /* in the file's time unit; never below the
                               previous snapshot's time */
	uint64_t heap_bytes;   /* mem_heap_B: useful heap bytes */
	uint64_t extra_bytes;  /* mem_heap_extra_B: allocator admin + slop */
	uint64_t stacks_bytes; /* mem_stacks_B */
	uint64_t total_bytes;  /* heap + extra + stacks (fits 64 bits); every
                               node of the tree is <= this */
	enum hs_tree_kind kind;
	size_t first_node; /* index of the root in hs_model.nodes */
	size_t n_nodes;    /* 0 for HS_TREE_EMPTY, else >= 1 */
	uint32_t line;     /* line of `snapshot=` */
};

/* The whole file. */
struct hs_model {
	char *buf; /* the file's bytes, owned; never written */
	size_t buf_len;
	char *desc; /* concatenated text after each `desc:` (each
                               with its newline); owned, NUL-terminated */
	size_t desc_len;
	bool has_desc;               /* false: the file had no `desc:` line */
	struct hs_str cmd;           /* after `cmd:` and following whitespace */
	struct hs_str time_unit_raw; /* "i", "ms" or "B" */
	enum hs_time_unit time_unit;
	struct hs_snapshot *snapshots; /* file order; n_snapshots >= 1 */
	size_t n_snapshots;
	struct hs_node *nodes; /* all trees, pre-order, snapshot after snapshot */
	size_t n_nodes;
	int64_t peak_num;  /* `snapshot=` value of the last peak block, as
                               ms_print keeps it; -1 when there is none */
	size_t peak_index; /* position of that block, or SIZE_MAX */
	bool buf_mapped;   /* buf is a read-only file mapping (munmap) */
};

/* Frees everything the model owns (the buffer too); NULL is fine. */
void hs_model_free(struct hs_model *m);

/* Returns snapshot i (0 <= i < n_snapshots). */
static inline const struct hs_snapshot *hs_model_snapshot(const struct hs_model *m, size_t i)
{
	return &m->snapshots[i];
}

/* Returns the root of a snapshot's tree, or NULL for an empty snapshot. */
static inline const struct hs_node *hs_snapshot_root(const struct hs_model *m,
						     const struct hs_snapshot *s)
{
	return s->n_nodes ? &m->nodes[s->first_node] : NULL;
}

/* Returns the first child of n (valid only if n->n_children > 0). */
static inline const struct hs_node *hs_node_first_child(const struct hs_node *n)
{
	return n + 1;
}

/* Returns the sibling after n (valid only if n is not its parent's last). */
static inline const struct hs_node *hs_node_next_sibling(const struct hs_node *n)
{
	return n + n->subtree_len;
}

/* Returns a node's text without its leading whitespace, e.g.
 * "0x4005D6: main (a.c:3)": a call site's identity across snapshots. */
struct hs_str hs_node_label(const struct hs_node *n);

/* Tells whether a node is Massif's below-threshold aggregate ("in 3
 * places, all below massif's threshold (1.00%)"), which is no call site. */
bool hs_node_is_aggregate(const struct hs_node *n);

/* Reads the code address a node's label starts with ("0x4005D6: ...");
 * returns false (and leaves *addr alone) when there is none. */
bool hs_node_address(const struct hs_node *n, uint64_t *addr);

/* Tells whether the snapshot has a tree (detailed or peak). */
static inline bool hs_snapshot_is_detailed(const struct hs_snapshot *s)
{
	return s->kind != HS_TREE_EMPTY;
}

#endif /* HS_PRINT_MODEL_H */
