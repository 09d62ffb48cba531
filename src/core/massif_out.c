/* massif_out: writing the Massif file (see massif_out.h). */
#include "massif_out.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "textout.h"

#include "contexts.h"
#include "xtree.h"

#define HS_MAX_TREE_DEPTH (HS_MAX_FRAMES + 2)

static void out_spaces(struct hs_textout *o, unsigned n)
{
	while (n-- > 0)
		hs_textout_mem(o, " ", 1);
}

struct tree_printer {
	struct hs_textout *o;
	struct hs_filter *filter;
	char threshold_text[32]; /* "1.00" */
	uint64_t root_bytes;     /* sampling mode: the root's, when no sample is live */
	unsigned last_indent
		[HS_MAX_TREE_DEPTH]; /* indentation of the last line of the node at each depth */
};

/* Text from outside through a sink: line breaks become spaces (out_text). */
static void sink_text(hs_text_sink put, void *ctx, const char *s)
{
	for (;;) {
		size_t n = strcspn(s, "\n\r");
		put(ctx, s, n);
		if (s[n] == '\0')
			return;
		put(ctx, " ", 1);
		s += n + 1;
	}
}

void hs_massif_frame_label(uintptr_t addr, const struct hs_frame_text *t, int real_fn,
			   hs_text_sink put, void *ctx)
{
	static const char digits[] = "0123456789ABCDEF";
	char tmp[2 * sizeof addr + 2];
	size_t i = sizeof tmp;
	uintptr_t v = addr;
	do {
		tmp[--i] = digits[v & 15];
		v >>= 4;
	} while (v != 0);
	tmp[--i] = 'x'; /* upper-case hex, no padding: Massif's 0x10918A */
	tmp[--i] = '0';
	put(ctx, tmp + i, sizeof tmp - i);
	put(ctx, ": ", 2);
	const char *fn = t->function;
	if (real_fn && hs_filter_is_below_main(fn))
		fn = "(below main)";
	sink_text(put, ctx, fn != NULL ? fn : "???");
	if (t->file != NULL) {
		char num[24];
		size_t k = sizeof num;
		unsigned line = t->line;
		do {
			num[--k] = (char)('0' + line % 10);
			line /= 10;
		} while (line != 0);
		put(ctx, " (", 2);
		sink_text(put, ctx, t->file);
		put(ctx, ":", 1);
		put(ctx, num + k, sizeof num - k);
		put(ctx, ")", 1);
	} else if (t->object != NULL) {
		put(ctx, " (in ", 5);
		sink_text(put, ctx, t->object);
		put(ctx, ")", 1);
	} else if (t->function != NULL) {
		static const char unknown[] = " (in ??"
					      "?)"; /* split: "??)" would be a trigraph */
		put(ctx, unknown, sizeof unknown - 1);
	}
}

static void out_sink(void *ctx, const char *s, size_t n)
{
	hs_textout_mem(ctx, s, n);
}

/* The code-location text of describe_IP (format-massif.md §5). */
static void out_frame_text(struct hs_textout *o, uintptr_t addr, const struct hs_frame_text *t,
			   int outermost)
{
	hs_massif_frame_label(addr, t, outermost, out_sink, o);
}

static void out_node_head(struct hs_textout *o, unsigned indent, unsigned n_children,
			  uint64_t bytes)
{
	out_spaces(o, indent);
	hs_textout_mem(o, "n", 1);
	hs_textout_u64(o, n_children);
	hs_textout_mem(o, ": ", 2);
	hs_textout_u64(o, bytes);
	hs_textout_mem(o, " ", 1);
}

static int print_node(void *ctx, const struct hs_xnode *node)
{
	struct tree_printer *p = ctx;
	struct hs_textout *o = p->o;
	if (node->depth >= HS_MAX_TREE_DEPTH)
		return -2;
	unsigned indent = node->depth == 0 ? 0 : p->last_indent[node->depth - 1] + 1;
	switch (node->kind) {
	case HS_XNODE_ROOT:
		/* Sampling with no sample live: the root still holds mem_heap_B,
		 * as Massif's always does, with no site to show. */
		out_node_head(o, indent, node->n_children,
			      p->root_bytes != 0 && (node->n_children == 0 || p->root_bytes > node->bytes)
				      ? p->root_bytes
				      : node->bytes);
		hs_textout_str(o,
			       "(heap allocation functions) malloc/new/new[], --alloc-fns, etc.\n");
		break;
	case HS_XNODE_AGGREGATE:
		out_node_head(o, indent, 0, node->bytes);
		if (node->n_places == 1) {
			hs_textout_str(o, "in 1 place, below massif's threshold (");
		} else {
			hs_textout_str(o, "in ");
			hs_textout_u64(o, node->n_places);
			hs_textout_str(o, " places, all below massif's threshold (");
		}
		hs_textout_str(o, p->threshold_text);
		hs_textout_str(o, "%)\n");
		break;
	case HS_XNODE_SITE: {
		/* Inline frames: innermost first, each its own n1: line with the
		 * same address; only the real function carries the child count. */
		unsigned n;
		const struct hs_frame_text *t = hs_filter_describe(p->filter, node->addr, &n);
		for (unsigned j = 0; j < n; j++) {
			int last = j + 1 == n;
			out_node_head(o, indent + j, last ? node->n_children : 1, node->bytes);
			out_frame_text(o, node->addr, &t[j], last);
			hs_textout_mem(o, "\n", 1);
		}
		indent += n - 1;
		break;
	}
	}
	p->last_indent[node->depth] = indent;
	return o->err != 0 ? -2 : 0;
}

/* The filtered contexts, merged, sorted once for every snapshot. */
struct merged {
	uint32_t *fid_of_raw;    /* raw id -> filtered id, or HS_CTX_NONE (ignored) */
	uint32_t *first_raw;     /* filtered id -> lowest raw id mapped to it */
	struct hs_xctx *sorted;  /* every filtered context, sorted; tag = filtered id */
	uint64_t *bytes;         /* per filtered id, for one snapshot */
	struct hs_xctx *present; /* the contexts of one snapshot */
	uint32_t n_raw, n_fid;
	struct hs_contexts fctx; /* interned filtered frames */
	/* Sampling mode's direct call sites (adjust_sites), for max_sites. */
	uint32_t max_sites;
	struct hs_site_bytes *sites; /* one snapshot's usable sites, by address */
	uint64_t *site_sum;          /* per site, its contexts' estimates */
	uint64_t *site_acc;          /* per site, scaled so far (cumulative rounding) */
	uint64_t *site_given;
	int32_t *site_of;            /* per present context, its site or -1 */
	uintptr_t *site_frame;       /* the one frame of a site's added context */
};

static int merge_contexts(struct merged *m, struct hs_contexts *raw, struct hs_filter *f)
{
	uintptr_t out[HS_MAX_FRAMES];
	m->n_raw = hs_contexts_count(raw);
	hs_contexts_init(&m->fctx, f->arena);
	m->fid_of_raw = hs_arena_alloc(f->arena, ((size_t)m->n_raw + 1) * sizeof *m->fid_of_raw);
	m->first_raw = hs_arena_alloc(f->arena, ((size_t)m->n_raw + 1) * sizeof *m->first_raw);
	if (m->fid_of_raw == NULL || m->first_raw == NULL)
		return -1;
	for (uint32_t id = 0; id < m->n_raw; id++) {
		const struct hs_context *c = hs_contexts_get(raw, id);
		unsigned n_raw_frames = c->n_frames < HS_MAX_FRAMES ? c->n_frames : HS_MAX_FRAMES;
		unsigned n = hs_filter_context(f, id, c->frames, n_raw_frames, out);
		if (n == 0) {
			m->fid_of_raw[id] = HS_CTX_NONE;
			continue;
		}
		uint32_t before = hs_contexts_count(&m->fctx);
		uint32_t fid = hs_contexts_intern(&m->fctx, out, n, hs_frames_hash(out, n));
		if (fid == HS_CTX_NONE)
			return -1;
		if (fid == before)
			m->first_raw[fid] = id;
		m->fid_of_raw[id] = fid;
	}
	m->n_fid = hs_contexts_count(&m->fctx);
	size_t nf = (size_t)m->n_fid + 1;
	m->sorted = hs_arena_alloc(f->arena, nf * sizeof *m->sorted);
	m->present = hs_arena_alloc(f->arena, (nf + m->max_sites) * sizeof *m->present);
	if (m->max_sites != 0) {
		size_t ns = m->max_sites;
		m->sites = hs_arena_alloc(f->arena, ns * sizeof *m->sites);
		m->site_sum = hs_arena_alloc(f->arena, ns * sizeof *m->site_sum);
		m->site_acc = hs_arena_alloc(f->arena, ns * sizeof *m->site_acc);
		m->site_given = hs_arena_alloc(f->arena, ns * sizeof *m->site_given);
		m->site_frame = hs_arena_alloc(f->arena, ns * sizeof *m->site_frame);
		m->site_of = hs_arena_alloc(f->arena, (nf + ns) * sizeof *m->site_of);
		if (m->sites == NULL || m->site_sum == NULL || m->site_acc == NULL ||
		    m->site_given == NULL || m->site_frame == NULL || m->site_of == NULL)
			return -1;
	}
	m->bytes = hs_arena_alloc(f->arena, nf * sizeof *m->bytes);
	if (m->sorted == NULL || m->present == NULL || m->bytes == NULL)
		return -1;
	for (uint32_t fid = 0; fid < m->n_fid; fid++) {
		const struct hs_context *c = hs_contexts_get(&m->fctx, fid);
		m->sorted[fid] = (struct hs_xctx){ c->frames, c->n_frames, 0, fid };
	}
	hs_xtree_sort(m->sorted, m->n_fid);
	return 0;
}

/* The contexts of snap with their bytes then; returns how many, and the
 * sum in *total. */
static size_t gather(struct merged *m, const struct hs_snapshot *snap, uint64_t *total)
{
	memset(m->bytes, 0, (size_t)m->n_fid * sizeof *m->bytes);
	for (uint32_t k = 0; k < snap->n_entries; k++) {
		uint32_t raw = snap->entries[k].ctx;
		if (raw < m->n_raw && m->fid_of_raw[raw] != HS_CTX_NONE)
			m->bytes[m->fid_of_raw[raw]] += snap->entries[k].bytes;
	}
	size_t n = 0;
	*total = 0;
	for (uint32_t k = 0; k < m->n_fid; k++) {
		uint32_t fid = m->sorted[k].tag;
		if (m->first_raw[fid] >= snap->n_contexts)
			continue; /* created after this snapshot */
		m->present[n] = m->sorted[k];
		m->present[n].bytes = m->bytes[fid];
		*total += m->bytes[fid];
		n++;
	}
	return n;
}

/* Sampling mode: scale the n contexts' estimates (summing to from) so
 * they sum to the exact total to, rounding cumulatively so nothing is
 * lost (the ratio estimator; Massif's readers want a tree no bigger than
 * mem_heap_B, and ms_print dies on one). */
static void scale_to(struct hs_xctx *present, size_t n, uint64_t from, uint64_t to)
{
	if (from == 0)
		return;
	unsigned __int128 acc = 0;
	uint64_t given = 0;
	for (size_t k = 0; k < n; k++) {
		acc += present[k].bytes;
		uint64_t upto = (uint64_t)(acc * to / from);
		present[k].bytes = upto - given;
		given = upto;
	}
}

static int site_cmp(const void *a, const void *b)
{
	uint64_t x = ((const struct hs_site_bytes *)a)->addr;
	uint64_t y = ((const struct hs_site_bytes *)b)->addr;
	return x < y ? -1 : x > y;
}

/* The index of the site at addr in m->sites[0..n), or -1. */
static int32_t find_site(const struct merged *m, uint32_t n, uint64_t addr)
{
	uint32_t lo = 0, hi = n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (m->sites[mid].addr < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && m->sites[lo].addr == addr ? (int32_t)lo : -1;
}

/* Sampling mode, a snapshot with its direct call sites' exact bytes
 * (doc/design.md section 11): the contexts whose first filtered frame is
 * a site (one that is no alloc-fn's frame) are scaled from their
 * estimates to the site's exact bytes, a site with no estimate gets a
 * context of its own frame alone, and the other contexts share what is
 * left of heap; each sum rounded cumulatively as scale_to does.  Sites
 * summing to more than heap are first scaled down to it.  Returns the new
 * number of present contexts (sorted again when one was added), or 0 when
 * no site is usable (then nothing changed). */
static size_t adjust_sites(struct merged *m, struct hs_filter *f, const struct hs_snapshot *snap,
			   size_t n, uint64_t heap)
{
	uint32_t ns = 0;
	unsigned __int128 exact_w = 0; /* no wrap, whatever the record says */
	for (uint32_t k = 0; k < snap->n_sites && ns < m->max_sites; k++) {
		uintptr_t a = (uintptr_t)snap->sites[k].addr, out;
		if (snap->sites[k].bytes == 0 || hs_filter_frames(f, &a, 1, &out) != 1 || out != a)
			continue; /* an alloc-fn's call: its caller is unknown */
		m->sites[ns] = snap->sites[k];
		if (m->sites[ns].bytes > heap)
			m->sites[ns].bytes = heap; /* no child above the root */
		exact_w += m->sites[ns++].bytes;
	}
	if (ns == 0)
		return 0;
	qsort(m->sites, ns, sizeof *m->sites, site_cmp);
	uint64_t exact = exact_w > heap ? heap : (uint64_t)exact_w;
	if (exact_w > heap) {
		/* With threads the sites' bytes are current and mem_heap_B lags
		 * by up to a flush per thread (or a tag was overwritten): the
		 * sites are scaled down to mem_heap_B, the root's bound.  The
		 * products fit 128 bits while the sum fits 64 (always, but for
		 * a damaged record: then in long double, the last site taking
		 * what is left). */
		unsigned __int128 acc = 0;
		uint64_t given = 0;
		int wide = exact_w >> 64 != 0;
		for (uint32_t j = 0; j < ns; j++) {
			acc += m->sites[j].bytes;
			uint64_t upto =
				!wide ? (uint64_t)(acc * heap / exact_w)
				      : j + 1 == ns ? heap
						    : (uint64_t)((long double)acc * (long double)heap /
								 (long double)exact_w);
			if (upto < given)
				upto = given;
			if (upto > heap)
				upto = heap;
			m->sites[j].bytes = upto - given;
			given = upto;
		}
	}
	memset(m->site_sum, 0, ns * sizeof *m->site_sum);
	memset(m->site_acc, 0, ns * sizeof *m->site_acc);
	memset(m->site_given, 0, ns * sizeof *m->site_given);
	uint64_t rest = 0;
	for (size_t k = 0; k < n; k++) {
		int32_t j = find_site(m, ns, m->present[k].frames[0]);
		m->site_of[k] = j;
		if (j >= 0)
			m->site_sum[j] += m->present[k].bytes;
		else
			rest += m->present[k].bytes;
	}
	/* The others share what the sites leave (rest 0: the root alone
	 * holds it, as the printer's root_bytes says). */
	uint64_t rest_to = heap - exact;
	unsigned __int128 acc = 0;
	uint64_t given = 0;
	for (size_t k = 0; k < n; k++) {
		int32_t j = m->site_of[k];
		if (j < 0) {
			if (rest == 0)
				continue;
			acc += m->present[k].bytes;
			uint64_t upto = (uint64_t)(acc * rest_to / rest);
			m->present[k].bytes = upto - given;
			given = upto;
		} else if (m->site_sum[j] != 0) {
			m->site_acc[j] += m->present[k].bytes;
			uint64_t upto = (uint64_t)((unsigned __int128)m->site_acc[j] *
						   m->sites[j].bytes / m->site_sum[j]);
			m->present[k].bytes = upto - m->site_given[j];
			m->site_given[j] = upto;
		}
	}
	/* A site none of whose contexts holds an estimate: its own frame alone. */
	size_t added = 0;
	for (uint32_t j = 0; j < ns; j++) {
		if (m->site_sum[j] != 0)
			continue;
		m->site_frame[j] = (uintptr_t)m->sites[j].addr;
		m->present[n + added++] = (struct hs_xctx){ &m->site_frame[j], 1, m->sites[j].bytes,
							    UINT32_MAX };
	}
	if (added != 0)
		hs_xtree_sort(m->present, n + added);
	return n + added;
}

static const char *unit_text(enum hs_time_unit unit)
{
	switch (unit) {
	case HS_TIME_INSTRUCTIONS:
		return "i";
	case HS_TIME_BYTES:
		return "B";
	case HS_TIME_MS:
	default:
		return "ms";
	}
}

static void out_field(struct hs_textout *o, const char *key, uint64_t v)
{
	hs_textout_str(o, key);
	hs_textout_u64(o, v);
	hs_textout_mem(o, "\n", 1);
}

static int fail(char *err, size_t err_len, const char *what, int errnum)
{
	if (err != NULL && err_len > 0) {
		if (errnum != 0)
			snprintf(err, err_len, "%s: %s", what, strerror(errnum));
		else
			snprintf(err, err_len, "%s", what);
	}
	return -1;
}

int hs_massif_write(int fd, const struct hs_massif_file *file, char *err, size_t err_len)
{
	static struct hs_textout o; /* 64 KiB: kept off the stack; the writer runs once */
	static struct tree_printer printer;
	static struct merged m; /* holds a 64 KiB directory: off the stack too */
	memset(&m, 0, sizeof m);
	o.fd = fd;
	o.err = 0;
	o.len = 0;
	printer.o = &o;
	printer.filter = file->filter;
	snprintf(printer.threshold_text, sizeof printer.threshold_text, "%.2f", file->threshold);

	int has_tree = 0;
	for (unsigned i = 0; i < file->n_snapshots; i++) {
		has_tree |= file->snapshots[i].detailed;
		if (file->sampled && file->snapshots[i].n_sites > m.max_sites)
			m.max_sites = file->snapshots[i].n_sites;
	}
	/* Everything a tree needs is mapped before the first byte is written:
	 * without memory the file still comes out valid, without trees. */
	struct hs_xtree_scratch scratch = { NULL, 0 };
	int trees = has_tree && merge_contexts(&m, file->contexts, file->filter) == 0 &&
		    hs_xtree_scratch_init(&scratch, (size_t)m.n_fid + m.max_sites, HS_MAX_FRAMES) == 0;

	hs_textout_str(&o, "desc:");
	hs_textout_text(&o, file->desc != NULL && file->desc[0] != '\0' ? file->desc : " (none)");
	if (file->desc_note != NULL)
		hs_textout_text(&o, file->desc_note);
	if (has_tree && !trees)
		hs_textout_str(&o, " (heapsnap: out of memory while writing: trees left out)");
	hs_textout_str(&o, "\ncmd: ");
	hs_textout_text(&o, file->cmd != NULL ? file->cmd : "");
	hs_textout_str(&o, "\ntime_unit: ");
	hs_textout_str(&o, unit_text(file->time_unit));
	hs_textout_mem(&o, "\n", 1);

	int rc = 0;
	for (unsigned i = 0; i < file->n_snapshots && rc == 0; i++) {
		const struct hs_snapshot *snap = &file->snapshots[i];
		size_t n_present = 0;
		uint64_t heap = snap->heap_bytes;
		uint64_t tree_heap = heap;
		if (snap->detailed && trees)
			n_present = gather(&m, snap, &tree_heap);
		size_t n_sited = 0;
		if (file->sampled && snap->detailed && trees && snap->n_sites != 0)
			n_sited = adjust_sites(&m, file->filter, snap, n_present, heap);
		if (!file->sampled)
			heap = tree_heap;
		else if (n_sited != 0)
			n_present = n_sited;
		else if (n_present != 0)
			scale_to(m.present, n_present, tree_heap, heap);
		printer.root_bytes = file->sampled && tree_heap == 0 && n_sited == 0 ? heap : 0;
		if (printer.root_bytes != 0)
			n_present = 0; /* no sample live: the root alone */
		if (n_sited != 0)
			printer.root_bytes = heap; /* the sites and the rest, or more */
		hs_textout_str(&o, "#-----------\nsnapshot=");
		hs_textout_u64(&o, i);
		hs_textout_str(&o, "\n#-----------\ntime=");
		hs_textout_i64(&o, snap->time);
		hs_textout_mem(&o, "\n", 1);
		out_field(&o, "mem_heap_B=", heap);
		out_field(&o, "mem_heap_extra_B=", snap->extra_bytes);
		out_field(&o, "mem_stacks_B=", 0);
		if (!snap->detailed || !trees) {
			hs_textout_str(&o, "heap_tree=empty\n");
			continue;
		}
		hs_textout_str(&o, snap->kind == HS_SNAP_PEAK ? "heap_tree=peak\n"
							      : "heap_tree=detailed\n");
		rc = hs_xtree_walk(m.present, n_present, snap->extra_bytes, file->threshold,
				   &scratch, print_node, &printer);
	}
	hs_xtree_scratch_free(&scratch);
	hs_contexts_destroy(&m.fctx);
	hs_textout_flush(&o);
	if (o.err != 0)
		return fail(err, err_len, "cannot write the Massif file", o.err);
	if (rc != 0)
		return fail(err, err_len, "Massif tree deeper than supported", 0);
	return 0;
}
