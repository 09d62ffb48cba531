/* report: the whole ms_print report (see report.h). */
#include "report.h"

#include "graph.h"
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

int hs_report_render(const struct hs_model *m, const struct hs_report_opts *opts,
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
	if (hs_graph_render(m, opts->graph_x, opts->graph_y, ob) < 0)
		return -1;
	put_counts(m, ob);
	if (opts->no_trees)
		return 0;
	return hs_tables_render(m, opts->threshold, ob);
}
