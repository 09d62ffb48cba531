/* folded: one snapshot's tree as folded stacks (see folded.h). */
#include "folded.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t hs_folded_pick(const struct hs_model *m, const char *spec, char *err, size_t err_len)
{
	size_t best = SIZE_MAX;
	if (strcmp(spec, "peak") == 0) {
		if (m->peak_index != SIZE_MAX)
			return m->peak_index;
		for (size_t i = 0; i < m->n_snapshots; i++) {
			const struct hs_snapshot *s = &m->snapshots[i];
			if (hs_snapshot_is_detailed(s) &&
			    (best == SIZE_MAX || s->total_bytes > m->snapshots[best].total_bytes))
				best = i;
		}
	} else if (strcmp(spec, "final") == 0) {
		for (size_t i = 0; i < m->n_snapshots; i++)
			if (hs_snapshot_is_detailed(&m->snapshots[i]))
				best = i;
	} else {
		char *end;
		unsigned long long num = strtoull(spec, &end, 10);
		if (*spec < '0' || *spec > '9' || *end != '\0') {
			snprintf(err, err_len,
				 "--folded wants peak, final or a snapshot number, not '%s'", spec);
			return SIZE_MAX;
		}
		for (size_t i = 0; i < m->n_snapshots; i++)
			if (m->snapshots[i].num == num) {
				if (hs_snapshot_is_detailed(&m->snapshots[i]))
					return i;
				snprintf(err, err_len,
					 "snapshot %llu has no heap tree (not a detailed snapshot)",
					 num);
				return SIZE_MAX;
			}
		snprintf(err, err_len, "there is no snapshot %llu", num);
		return SIZE_MAX;
	}
	if (best == SIZE_MAX)
		snprintf(err, err_len, "the file has no detailed snapshot, so no tree to show");
	return best;
}

void hs_folded_frame(struct hs_outbuf *ob, const struct hs_node *n)
{
	struct hs_str s = hs_node_label(n);
	uint64_t addr;
	if (hs_node_address(n, &addr)) {
		const char *colon = memchr(s.ptr, ':', s.len);
		size_t skip = (size_t)(colon - s.ptr) + 1;
		if (skip < s.len && s.ptr[skip] == ' ')
			skip++;
		if (!(s.len - skip == 3 && memcmp(s.ptr + skip, "???", 3) == 0)) {
			s.ptr += skip;
			s.len -= skip;
		}
	}
	/* Trailing blanks would read as the separator before the count. */
	while (s.len &&
	       (s.ptr[s.len - 1] == ' ' || s.ptr[s.len - 1] == '\t' || s.ptr[s.len - 1] == '\r'))
		s.len--;
	for (size_t i = 0; i < s.len; i++)
		hs_outbuf_putc(ob, s.ptr[i] == ';' ? ':' : s.ptr[i]);
}

int hs_folded_render(const struct hs_model *m, const struct hs_snapshot *s, struct hs_outbuf *ob)
{
	const struct hs_node *root = hs_snapshot_root(m, s);
	if (!root)
		return 0;
	/* The open path from the root: node pointers, and the index of the
	 * next child each one will visit, so no recursion on deep trees. */
	size_t cap = 64, depth = 0;
	const struct hs_node **path = malloc(cap * sizeof *path);
	if (!path)
		return -1;
	const struct hs_node *end = root + root->subtree_len;
	for (const struct hs_node *n = root; n < end; n++) {
		depth = n->depth - root->depth;
		if (depth + 1 > cap) {
			const struct hs_node **p = realloc(path, 2 * cap * sizeof *path);
			if (!p) {
				free(path);
				return -1;
			}
			path = p;
			cap *= 2;
		}
		path[depth] = n;
		uint64_t own = n->bytes;
		if (n->n_children) {
			const struct hs_node *c = hs_node_first_child(n);
			for (uint32_t k = 0; k < n->n_children; k++, c = hs_node_next_sibling(c))
				own -= own >= c->bytes ? c->bytes : own;
		}
		if (own == 0)
			continue;
		if (depth == 0) {
			/* Bytes at the root itself: no frame below the allocator. */
			hs_outbuf_puts(ob, "[heap]");
		} else {
			for (size_t d = depth; d >= 1; d--) {
				hs_folded_frame(ob, path[d]);
				if (d > 1)
					hs_outbuf_putc(ob, ';');
			}
		}
		hs_outbuf_printf(ob, " %llu\n", (unsigned long long)own);
	}
	free(path);
	return hs_outbuf_failed(ob) ? -1 : 0;
}
