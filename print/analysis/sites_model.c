/* sites_model: the printer's parsed model (model.h) seen as a site table. */
#include "config.h"

#include "sites_model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

/* The time unit's name as struct hs_run keeps it. */
static const char *unit_name(const struct hs_model *m)
{
	return m->time_unit == HS_TIME_MS ? "ms" : m->time_unit == HS_TIME_B ? "B" : "i";
}

int hs_run_add_model_snapshot(struct hs_run *run, struct hs_tree_builder *b,
			      const struct hs_model *m, const struct hs_snapshot *s, bool detailed)
{
	/* Times above INT64_MAX cannot be compared as signed; clamp. */
	int64_t time = s->time > INT64_MAX ? INT64_MAX : (int64_t)s->time;
	hs_run_add_snapshot(run, time, s->heap_bytes, s->extra_bytes, s->stacks_bytes, detailed,
			    detailed && s->kind == HS_TREE_PEAK);
	for (size_t k = 0; detailed && k < s->n_nodes; k++) {
		const struct hs_node *n = &m->nodes[s->first_node + k];
		if (hs_tree_builder_node(run, b, n->n_children, n->bytes, n->text.ptr,
					 n->text.len) < 0)
			return -1;
	}
	return 0;
}

struct hs_run *hs_run_from_model(const struct hs_model *m, const char *source)
{
	struct hs_run *run = hs_run_new(source, unit_name(m));
	struct hs_tree_builder b = { 0 };
	for (size_t i = 0; i < m->n_snapshots; i++) {
		const struct hs_snapshot *s = hs_model_snapshot(m, i);
		if (hs_run_add_model_snapshot(run, &b, m, s, hs_snapshot_is_detailed(s)) < 0) {
			hs_tree_builder_free(&b);
			hs_run_free(run);
			return NULL;
		}
	}
	hs_tree_builder_free(&b);
	return run;
}

struct hs_run *hs_run_peak_from_stream(struct hs_stream *st, const char *source,
				       struct hs_parse_error *err)
{
	/* Pass: which snapshots matter (as hs_run_max_total_index and
	 * hs_run_peak_detailed choose them on the whole run). */
	size_t n = 0, max_i = 0, peak_i = SIZE_MAX, best_i = SIZE_MAX;
	uint64_t max_total = 0, best_total = 0;
	const struct hs_model *m;
	int r;
	if (hs_stream_begin(st, err) < 0)
		return NULL;
	m = hs_stream_model(st);
	while ((r = hs_stream_next(st, false)) > 0) {
		const struct hs_snapshot *s = &m->snapshots[0];
		if (n == 0 || s->total_bytes > max_total) {
			max_total = s->total_bytes;
			max_i = n;
		}
		if (s->kind == HS_TREE_PEAK)
			peak_i = n;
		if (s->kind != HS_TREE_EMPTY &&
		    (best_i == SIZE_MAX || s->total_bytes > best_total)) {
			best_total = s->total_bytes;
			best_i = n;
		}
		n++;
	}
	if (r < 0)
		return NULL;
	if (peak_i == SIZE_MAX)
		peak_i = best_i;

	/* Pass: those snapshots, with the peak's tree. */
	if (hs_stream_begin(st, err) < 0)
		return NULL;
	m = hs_stream_model(st);
	struct hs_run *run = hs_run_new(source, unit_name(m));
	struct hs_tree_builder b = { 0 };
	for (size_t i = 0; (r = hs_stream_next(st, i == peak_i)) > 0; i++) {
		if (i != max_i && i != peak_i && i != n - 1)
			continue;
		if (hs_run_add_model_snapshot(run, &b, m, &m->snapshots[0], i == peak_i) < 0) {
			r = -1;
			snprintf(err->msg, sizeof err->msg, "%s: malformed tree", source);
			break;
		}
	}
	hs_tree_builder_free(&b);
	if (r < 0) {
		hs_run_free(run);
		return NULL;
	}
	return run;
}
