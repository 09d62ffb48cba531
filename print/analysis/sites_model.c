/* sites_model: the printer's parsed model (model.h) seen as a site table. */
#include "config.h"

#include "sites_model.h"

#include <stdlib.h>
#include <string.h>

/* A node's text to the end of its line: ms_print's comment rule cuts it at
 * a '#', but Massif writes no comments in tree lines, and Rust's and C++'s
 * names hold one ("{closure#0}", "{lambda()#1}"). */
static size_t whole_len(const struct hs_model *m, const struct hs_str *text)
{
	if (text->len == 0)
		return 0;
	const char *end = m->buf + m->buf_len;
	const char *nl = memchr(text->ptr, '\n', (size_t)(end - text->ptr));
	return (size_t)((nl ? nl : end) - text->ptr);
}

struct hs_run *hs_run_from_model(const struct hs_model *m, const char *source)
{
	const char *unit = m->time_unit == HS_TIME_MS  ? "ms"
			   : m->time_unit == HS_TIME_B ? "B"
						       : "i";
	struct hs_run *run = hs_run_new(source, unit);
	struct hs_tree_builder b = { 0 };
	for (size_t i = 0; i < m->n_snapshots; i++) {
		const struct hs_snapshot *s = hs_model_snapshot(m, i);
		bool detailed = hs_snapshot_is_detailed(s);
		/* Times above INT64_MAX cannot be compared as signed; clamp. */
		int64_t time = s->time > INT64_MAX ? INT64_MAX : (int64_t)s->time;
		hs_run_add_snapshot(run, time, s->heap_bytes, s->extra_bytes, s->stacks_bytes,
				    detailed, s->kind == HS_TREE_PEAK);
		for (size_t k = 0; detailed && k < s->n_nodes; k++) {
			const struct hs_node *n = &m->nodes[s->first_node + k];
			if (hs_tree_builder_node(run, &b, n->n_children, n->bytes, n->text.ptr,
						 whole_len(m, &n->text)) < 0) {
				hs_tree_builder_free(&b);
				hs_run_free(run);
				return NULL;
			}
		}
	}
	hs_tree_builder_free(&b);
	return run;
}
