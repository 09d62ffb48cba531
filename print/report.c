/* report: the whole ms_print report (see report.h). */
#include "report.h"

#include "graph.h"
#include "parse.h"
#include "numfmt.h"
#include "tree.h"

static const char dashes[] =
	"--------------------------------------------------------------------------------\n";

/* Appends the snapshot count and the list of detailed snapshots. */
static void put_counts(const struct hs_model *m, struct hs_outbuf *ob)
{
	char num[20];
	hs_outbuf_puts(ob, "\nNumber of snapshots: ");
	hs_outbuf_put(ob, num, hs_fmt_u64(num, m->n_snapshots));
	hs_outbuf_puts(ob, "\n Detailed snapshots: [");
	bool first = true;
	for (size_t i = 0; i < m->n_snapshots; i++) {
		if (m->snapshots[i].kind == HS_TREE_EMPTY)
			continue;
		if (!first)
			hs_outbuf_put(ob, ", ", 2);
		first = false;
		hs_outbuf_put(ob, num, hs_fmt_u64(num, i));
		/* ms_print compares positions with the peak's snapshot number. */
		if (m->peak_num >= 0 && (uint64_t)m->peak_num == i)
			hs_outbuf_puts(ob, " (peak)");
	}
	hs_outbuf_puts(ob, "]\n\n");
}

/* Appends the header lines up to the graph. */
static void put_header(const struct hs_model *m, const struct hs_report_opts *opts,
		       struct hs_outbuf *ob)
{
	hs_outbuf_put(ob, dashes, sizeof dashes - 1);
	hs_outbuf_puts(ob, "Command:            ");
	hs_outbuf_put(ob, m->cmd.ptr, m->cmd.len);
	/* The desc text carries its own newlines; without desc there is none. */
	hs_outbuf_puts(ob, "\nMassif arguments:  ");
	hs_outbuf_put(ob, m->desc, m->desc_len);
	hs_outbuf_puts(ob, "ms_print arguments:");
	hs_outbuf_put(ob, opts->args_text, opts->args_len);
	hs_outbuf_putc(ob, '\n');
	hs_outbuf_put(ob, dashes, sizeof dashes - 1);
	hs_outbuf_puts(ob, "\n\n");
}

int hs_report_render(const struct hs_model *m, const struct hs_report_opts *opts,
		     struct hs_outbuf *ob)
{
	put_header(m, opts, ob);
	if (hs_graph_render(m, opts->graph_x, opts->graph_y, ob) < 0)
		return -1;
	put_counts(m, ob);
	return hs_tables_render(m, opts->threshold, ob);
}

void hs_report_scan_add(struct hs_report_scan *sc, const struct hs_model *m)
{
	const struct hs_snapshot *s = &m->snapshots[0];
	if (sc->n_snapshots == 0 || s->total_bytes > sc->peak_total)
		sc->peak_total = s->total_bytes;
	sc->end_time = s->time;
	sc->peak_num = m->peak_num;
	sc->n_snapshots++;
}

/* Reads the next snapshot of a later pass; -1 on an error (a file that
 * changed since pass 1). */
static int next(struct hs_stream *st, bool tree, const struct hs_model **m)
{
	int r = hs_stream_next(st, tree);
	*m = hs_stream_model(st);
	return r;
}

int hs_report_render_graph_stream(struct hs_stream *st, const struct hs_report_scan *sc,
				  const struct hs_report_opts *opts, struct hs_outbuf *ob,
				  struct hs_parse_error *err)
{
	const struct hs_model *m;
	int r;
	/* Pass: the graph, from every snapshot's time and total. */
	if (hs_stream_begin(st, err) < 0)
		return -1;
	m = hs_stream_model(st);
	put_header(m, opts, ob);
	struct hs_graph *g = hs_graph_new(opts->graph_x, opts->graph_y, sc->peak_total,
					  sc->end_time, sc->peak_num);
	if (!g)
		return -1;
	while ((r = next(st, false, &m)) > 0)
		hs_graph_add(g, &m->snapshots[0]);
	if (hs_graph_finish(g, m->time_unit, ob) < 0 || r < 0)
		return -1;
	return 0;
}

int hs_report_render_stream(struct hs_stream *st, const struct hs_report_scan *sc,
			    const struct hs_report_opts *opts, struct hs_outbuf *ob,
			    struct hs_parse_error *err)
{
	const struct hs_model *m;
	int r;
	if (hs_report_render_graph_stream(st, sc, opts, ob, err) < 0)
		return -1;

	/* Pass: the list of detailed snapshots. */
	if (hs_stream_begin(st, err) < 0)
		return -1;
	char num[20];
	hs_outbuf_puts(ob, "\nNumber of snapshots: ");
	hs_outbuf_put(ob, num, hs_fmt_u64(num, sc->n_snapshots));
	hs_outbuf_puts(ob, "\n Detailed snapshots: [");
	bool first = true;
	while ((r = next(st, false, &m)) > 0) {
		size_t i = hs_stream_index(st);
		if (m->snapshots[0].kind == HS_TREE_EMPTY)
			continue;
		if (!first)
			hs_outbuf_put(ob, ", ", 2);
		first = false;
		hs_outbuf_put(ob, num, hs_fmt_u64(num, i));
		if (sc->peak_num >= 0 && (uint64_t)sc->peak_num == i)
			hs_outbuf_puts(ob, " (peak)");
	}
	if (r < 0)
		return -1;
	hs_outbuf_puts(ob, "]\n\n");

	/* Pass: the tables and trees, one tree in memory at a time. */
	if (hs_stream_begin(st, err) < 0)
		return -1;
	m = hs_stream_model(st);
	hs_table_header(m, ob);
	while ((r = next(st, true, &m)) > 0) {
		const struct hs_snapshot *s = &m->snapshots[0];
		hs_table_row(s, ob);
		if (s->kind != HS_TREE_EMPTY) {
			if (hs_tree_render(m, s, opts->threshold, ob) < 0)
				return -1;
			if (hs_stream_index(st) + 1 < sc->n_snapshots)
				hs_table_header(m, ob);
		}
	}
	if (r < 0)
		return -1;
	return hs_outbuf_failed(ob) ? -1 : 0;
}
