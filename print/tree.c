/* tree: ms_print's snapshot tables and heap trees (see tree.h).
 *
 * Trees are walked in file (pre-)order with an explicit stack, so a deep
 * tree cannot overflow the C stack.  The line prefix ("| | ") is one buffer:
 * a node at depth d writes its rail at column 2(d-1), which its descendants
 * share and its later siblings overwrite.
 */
#include "tree.h"

#include <stdio.h>
#include <stdlib.h>

#include "numfmt.h"

static const char dashes[] =
	"--------------------------------------------------------------------------------\n";

void hs_table_header(const struct hs_model *m, struct hs_outbuf *ob)
{
	hs_outbuf_put(ob, dashes, sizeof dashes - 1);
	/* "%3s %14s %16s %16s %13s %12s" of the column names. */
	hs_outbuf_puts(ob, "  n ");
	size_t unit_len = m->time_unit_raw.len + 6; /* "time(" + unit + ")" */
	if (unit_len < 14)
		hs_outbuf_fill(ob, ' ', 14 - unit_len);
	hs_outbuf_puts(ob, "time(");
	hs_outbuf_put(ob, m->time_unit_raw.ptr, m->time_unit_raw.len);
	hs_outbuf_puts(ob, ")         total(B)   useful-heap(B) extra-heap(B)"
			   "    stacks(B)\n");
	hs_outbuf_put(ob, dashes, sizeof dashes - 1);
}

void hs_table_row(const struct hs_snapshot *s, struct hs_outbuf *ob)
{
	char total[20];
	size_t total_len = hs_fmt_u64(total, s->total_bytes);
	hs_put_field(ob, s->num_raw.ptr, s->num_raw.len, 3);
	hs_outbuf_putc(ob, ' ');
	hs_put_grouped_field(ob, s->time_raw.ptr, s->time_raw.len, 14);
	hs_outbuf_putc(ob, ' ');
	hs_put_grouped_field(ob, total, total_len, 16);
	hs_outbuf_putc(ob, ' ');
	hs_put_grouped_field(ob, s->heap_raw.ptr, s->heap_raw.len, 16);
	hs_outbuf_putc(ob, ' ');
	hs_put_grouped_field(ob, s->extra_raw.ptr, s->extra_raw.len, 13);
	hs_outbuf_putc(ob, ' ');
	hs_put_grouped_field(ob, s->stacks_raw.ptr, s->stacks_raw.len, 12);
	hs_outbuf_putc(ob, '\n');
}

/* A node whose children are being rendered. */
struct frame {
	const struct hs_node *node;
	uint32_t remaining; /* children not yet started */
	bool significant;
	uint64_t n_insig;     /* insignificant direct children */
	uint64_t insig_bytes; /* their bytes */
};

/* The state of one tree's rendering. */
struct render {
	struct hs_outbuf *ob;
	uint64_t total;
	double threshold;
	char thr_text[64]; /* "%05.2f" of the threshold */
	size_t thr_len;
	char *prefix; /* rails: prefix[0..2*depth) */
	size_t prefix_cap;
};

/* Tells whether a node is shown, as ms_print's is_significant_XPt. */
static inline bool significant(const struct render *r, const struct hs_node *n, bool is_root)
{
	return is_root || r->threshold == 0 ||
	       (r->total != 0 && hs_percent(n->bytes, r->total) >= r->threshold);
}

/* Appends "NN.NN% (1,234B)". */
static void put_share(struct render *r, uint64_t bytes)
{
	hs_put_percent(r->ob, hs_percent(bytes, r->total));
	hs_outbuf_put(r->ob, "% (", 3);
	hs_put_grouped_u64(r->ob, bytes);
	hs_outbuf_put(r->ob, "B)", 2);
}

/* Appends a node's "NN.NN% (1,234B)", its bytes as written in the file:
 * ms_print commifies the raw digits, so "0100" is "0,100B". */
static void put_node_share(struct render *r, const struct hs_node *node)
{
	if (node->bytes_len == 0) {
		put_share(r, node->bytes);
		return;
	}
	hs_put_percent(r->ob, hs_percent(node->bytes, r->total));
	hs_outbuf_put(r->ob, "% (", 3);
	hs_put_grouped(r->ob, node->text.ptr - node->bytes_len, node->bytes_len);
	hs_outbuf_put(r->ob, "B)", 2);
}

/* Finishes a significant node whose children are all rendered: the
 * below-threshold line and the spacer lines.  cprefix_len is the length of
 * its children's prefix. */
static void close_node(struct render *r, const struct frame *f, size_t cprefix_len)
{
	struct hs_outbuf *ob = r->ob;
	if (f->n_insig > 0) {
		char num[20];
		hs_outbuf_put(ob, r->prefix, cprefix_len);
		hs_outbuf_put(ob, "->", 2);
		put_share(r, f->insig_bytes);
		hs_outbuf_put(ob, " in ", 4);
		hs_outbuf_put(ob, num, hs_fmt_u64(num, f->n_insig));
		hs_outbuf_puts(ob, "+ places, all below ms_print's threshold (");
		hs_outbuf_put(ob, r->thr_text, r->thr_len);
		hs_outbuf_put(ob, "%)\n", 3);
		hs_outbuf_put(ob, r->prefix, cprefix_len);
		hs_outbuf_putc(ob, '\n');
	}
	if (f->node->n_children == 0) {
		hs_outbuf_put(ob, r->prefix, cprefix_len);
		hs_outbuf_putc(ob, '\n');
	}
}

/* Returns the length of the prefix a node's children get. */
static inline size_t child_prefix_len(const struct hs_node *n)
{
	return 2 * (size_t)n->depth;
}

int hs_tree_render(const struct hs_model *m, const struct hs_snapshot *s, double threshold,
		   struct hs_outbuf *ob)
{
	if (s->n_nodes == 0)
		return 0;
	const struct hs_node *nodes = &m->nodes[s->first_node];
	struct render r = { .ob = ob, .total = s->total_bytes, .threshold = threshold };
	int n = snprintf(r.thr_text, sizeof r.thr_text, "%05.2f", threshold);
	r.thr_len = n > 0 && (size_t)n < sizeof r.thr_text ? (size_t)n : 0;

	uint32_t max_depth = 0;
	for (size_t i = 0; i < s->n_nodes; i++)
		if (nodes[i].depth > max_depth)
			max_depth = nodes[i].depth;
	r.prefix_cap = 2 * (size_t)max_depth + 2;
	r.prefix = malloc(r.prefix_cap);
	struct frame *stack = malloc(((size_t)max_depth + 1) * sizeof *stack);
	if (!r.prefix || !stack) {
		free(r.prefix);
		free(stack);
		return -1;
	}

	size_t depth = 0; /* frames on the stack */
	for (size_t i = 0; i < s->n_nodes; i++) {
		const struct hs_node *node = &nodes[i];
		bool is_root = i == 0;
		size_t plen = 0;
		if (!is_root) {
			struct frame *parent = &stack[depth - 1];
			parent->remaining--;
			plen = 2 * ((size_t)node->depth - 1);
			/* This node's rail, which its descendants inherit. */
			r.prefix[plen] = parent->remaining ? '|' : ' ';
			r.prefix[plen + 1] = ' ';
		}
		struct frame f = { node, node->n_children, significant(&r, node, is_root), 0, 0 };
		if (f.significant) {
			hs_outbuf_put(ob, r.prefix, plen);
			if (!is_root)
				hs_outbuf_put(ob, "->", 2);
			put_node_share(&r, node);
			hs_outbuf_put(ob, node->text.ptr, node->text.len);
			hs_outbuf_putc(ob, '\n');
		}
		stack[depth++] = f;
		/* Close this node and every ancestor it was the last child of. */
		while (depth && stack[depth - 1].remaining == 0) {
			struct frame *done = &stack[--depth];
			if (done->significant)
				close_node(&r, done, child_prefix_len(done->node));
			if (depth) {
				struct frame *parent = &stack[depth - 1];
				if (!done->significant) {
					parent->n_insig++;
					parent->insig_bytes += done->node->bytes;
				}
			}
		}
	}
	free(stack);
	free(r.prefix);
	return hs_outbuf_failed(ob) ? -1 : 0;
}

int hs_tables_render(const struct hs_model *m, double threshold, struct hs_outbuf *ob)
{
	hs_table_header(m, ob);
	for (size_t i = 0; i < m->n_snapshots; i++) {
		const struct hs_snapshot *s = &m->snapshots[i];
		hs_table_row(s, ob);
		if (s->kind != HS_TREE_EMPTY) {
			if (hs_tree_render(m, s, threshold, ob) < 0)
				return -1;
			if (i + 1 < m->n_snapshots)
				hs_table_header(m, ob);
		}
	}
	return hs_outbuf_failed(ob) ? -1 : 0;
}
