/* graph: ms_print's ASCII graph (see graph.h).
 *
 * The canvas is column-major so that drawing a bar touches contiguous bytes.
 * It has one hidden column past the right edge: ms_print lets a snapshot
 * whose time rounds to the end (but is not the end) land there unseen.
 */
#include "graph.h"

#include <stdlib.h>

#include "numfmt.h"

#define PEAK_CHAR '#'
#define DETAILED_CHAR '@'
#define NORMAL_CHAR ':'

/* Tells whether total >= y*K, with K as Perl holds it. */
static inline bool reaches(uint64_t total, unsigned y, struct hs_plnum k)
{
	if (k.is_int)
		return total >= (uint64_t)y * k.u;
	return (double)total >= (double)y * k.d;
}

/* A graph being drawn, snapshot after snapshot. */
struct hs_graph {
	unsigned graph_x, graph_y;
	size_t rows;
	char *canvas;
	uint64_t peak, end_time;
	int64_t peak_num;
	struct hs_plnum k;
	size_t x, index;
	unsigned prev_y_max;
	char prev_char;
};

#define CELL(g, x, y) (g)->canvas[(size_t)(x) * (g)->rows + (size_t)(y)]

struct hs_graph *hs_graph_new(unsigned graph_x, unsigned graph_y, uint64_t peak_total,
			      uint64_t end_time, int64_t peak_num)
{
	struct hs_graph *g = calloc(1, sizeof *g);
	if (!g)
		return NULL;
	g->graph_x = graph_x;
	g->graph_y = graph_y;
	g->rows = (size_t)graph_y + 1;
	const size_t cols = (size_t)graph_x + 2;
	g->canvas = malloc(g->rows * cols);
	if (!g->canvas) {
		free(g);
		return NULL;
	}
	memset(g->canvas, ' ', g->rows * cols);
	CELL(g, 0, 0) = '+';
	for (unsigned x = 1; x <= graph_x; x++)
		CELL(g, x, 0) = '-';
	for (unsigned y = 1; y <= graph_y; y++)
		CELL(g, 0, y) = '|';
	CELL(g, graph_x, 0) = '>';
	CELL(g, 0, graph_y) = '^';
	/* A zero range would divide by zero: ms_print makes it 1. */
	g->peak = peak_total ? peak_total : 1;
	g->end_time = end_time ? end_time : 1;
	g->peak_num = peak_num;
	g->k = hs_plnum_div((struct hs_plnum){ true, g->peak, 0.0 }, graph_y);
	g->prev_char = NORMAL_CHAR;
	return g;
}

void hs_graph_add(struct hs_graph *g, const struct hs_snapshot *s)
{
	size_t i = g->index++;
	size_t prev_x = g->x, x;
	unsigned graph_x = g->graph_x, graph_y = g->graph_y;
	double frac = ((double)s->time / (double)g->end_time) * (double)graph_x;
	x = (size_t)frac + 1;
	if (s->time == g->end_time)
		x = graph_x;
	if (x > (size_t)graph_x + 1)
		x = (size_t)graph_x + 1; /* cannot happen: t <= end_time */
	g->x = x;

	/* Join sparse snapshots with a horizontal line. */
	if (g->prev_y_max > 0)
		for (size_t x2 = prev_x + 1; x2 < x; x2++)
			CELL(g, x2, g->prev_y_max) = g->prev_char;

	char c;
	if (g->peak_num >= 0 && (uint64_t)g->peak_num == i)
		c = PEAK_CHAR;
	else if (s->kind != HS_TREE_EMPTY)
		c = DETAILED_CHAR;
	else
		c = NORMAL_CHAR;

	/* The rows reached form a prefix 1..y_max: find its end. */
	unsigned lo = 0, hi = graph_y;
	while (lo < hi) {
		unsigned mid = lo + (hi - lo + 1) / 2;
		if (reaches(s->total_bytes, mid, g->k))
			lo = mid;
		else
			hi = mid - 1;
	}
	unsigned y_max = lo;
	char *col = &CELL(g, x, 0);
	if (c == PEAK_CHAR) {
		memset(col + 1, PEAK_CHAR, y_max);
	} else if (c == DETAILED_CHAR) {
		for (unsigned y = 1; y <= y_max; y++)
			if (col[y] != PEAK_CHAR)
				col[y] = DETAILED_CHAR;
	} else {
		for (unsigned y = 1; y <= y_max; y++)
			if (col[y] != PEAK_CHAR && col[y] != DETAILED_CHAR)
				col[y] = NORMAL_CHAR;
	}
	g->prev_y_max = y_max;
	g->prev_char = c;
}

int hs_graph_finish(struct hs_graph *g, enum hs_time_unit time_unit, struct hs_outbuf *ob)
{
	unsigned graph_x = g->graph_x, graph_y = g->graph_y;
	uint64_t peak = g->peak, end_time = g->end_time;
	struct hs_axis_label ylab, xlab;
	hs_axis_label(peak, HS_UNITS_BYTES, &ylab);
	enum hs_unit_family xfam = time_unit == HS_TIME_I    ? HS_UNITS_INSTR
				   : time_unit == HS_TIME_MS ? HS_UNITS_MS
							     : HS_UNITS_BYTES;
	hs_axis_label(end_time, xfam, &xlab);

	hs_outbuf_puts(ob, "    ");
	hs_put_field(ob, ylab.unit, strlen(ylab.unit), 2);
	hs_outbuf_putc(ob, '\n');
	for (unsigned y = graph_y + 1; y-- > 0;) {
		if (y == graph_y)
			hs_outbuf_puts(ob, ylab.text);
		else if (y == 0)
			hs_outbuf_puts(ob, "   0 ");
		else
			hs_outbuf_puts(ob, "     ");
		if (!hs_outbuf_grow(ob, (size_t)graph_x + 1))
			break;
		char *o = ob->data + ob->len;
		for (size_t cx = 0; cx <= graph_x; cx++)
			o[cx] = CELL(g, cx, y);
		ob->len += (size_t)graph_x + 1;
		if (y == 0)
			hs_outbuf_puts(ob, xlab.unit);
		hs_outbuf_putc(ob, '\n');
	}
	hs_outbuf_puts(ob, "     0");
	if (graph_x > 5)
		hs_outbuf_fill(ob, ' ', graph_x - 5);
	hs_put_field(ob, xlab.text, strlen(xlab.text), 5);
	hs_outbuf_putc(ob, '\n');
	free(g->canvas);
	free(g);
	return hs_outbuf_failed(ob) ? -1 : 0;
}

int hs_graph_render(const struct hs_model *m, unsigned graph_x, unsigned graph_y,
		    struct hs_outbuf *ob)
{
	uint64_t peak = 0;
	for (size_t i = 0; i < m->n_snapshots; i++)
		if (m->snapshots[i].total_bytes > peak)
			peak = m->snapshots[i].total_bytes;
	struct hs_graph *g = hs_graph_new(graph_x, graph_y, peak,
					  m->snapshots[m->n_snapshots - 1].time, m->peak_num);
	if (!g)
		return -1;
	for (size_t i = 0; i < m->n_snapshots; i++)
		hs_graph_add(g, &m->snapshots[i]);
	return hs_graph_finish(g, m->time_unit, ob);
}
