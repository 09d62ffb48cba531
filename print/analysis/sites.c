/* sites: a Massif run seen as allocation sites and their bytes over time. */
#include "config.h"

#include "sites.h"
#include "xalloc.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct hs_run *hs_run_new(const char *source, const char *time_unit)
{
	struct hs_run *run = hs_xrealloc(NULL, sizeof *run);
	memset(run, 0, sizeof *run);
	run->source = hs_xstrdup(source);
	run->time_unit = hs_xstrdup(time_unit);
	return run;
}

void hs_run_free(struct hs_run *run)
{
	if (run == NULL)
		return;
	for (size_t i = 0; i < run->n_sites; i++) {
		free(run->sites[i].path);
		free(run->sites[i].bytes);
	}
	free(run->sites);
	free(run->slots);
	free(run->detailed);
	free(run->snaps);
	free(run->time_unit);
	free(run->end_how);
	free(run->source);
	free(run);
}

void hs_run_add_snapshot(struct hs_run *run, int64_t time, uint64_t heap_B, uint64_t extra_B,
			 uint64_t stacks_B, bool detailed, bool peak)
{
	run->snaps = hs_grow(run->snaps, &run->cap_snaps, run->n_snaps + 1, sizeof *run->snaps);
	run->snaps[run->n_snaps] = (struct hs_snap){
		.time = time,
		.heap_B = heap_B,
		.extra_B = extra_B,
		.stacks_B = stacks_B,
		.detailed = detailed,
		.peak = peak,
	};
	if (detailed) {
		size_t old_cap = run->cap_detailed;
		run->detailed = hs_grow(run->detailed, &run->cap_detailed, run->n_detailed + 1,
					sizeof *run->detailed);
		run->detailed[run->n_detailed++] = run->n_snaps;
		/* Every site row is as long as the detailed list's capacity. */
		for (size_t i = 0; i < run->n_sites; i++) {
			struct hs_site *s = &run->sites[i];
			if (run->cap_detailed != old_cap)
				s->bytes =
					hs_xrealloc(s->bytes, run->cap_detailed * sizeof *s->bytes);
			s->bytes[run->n_detailed - 1] = HS_BYTES_UNKNOWN;
		}
	}
	run->n_snaps++;
}

/* FNV-1a: paths are short strings. */
static size_t hash_path(const char *s)
{
	uint64_t h = 14695981039346656037u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return (size_t)h;
}

/* Rebuild the index at twice the size when it is half full. */
static void rehash(struct hs_run *run)
{
	size_t n = run->n_slots ? run->n_slots * 2 : 64;
	free(run->slots);
	run->slots = hs_xrealloc(NULL, n * sizeof *run->slots);
	for (size_t i = 0; i < n; i++)
		run->slots[i] = SIZE_MAX;
	run->n_slots = n;
	for (size_t i = 0; i < run->n_sites; i++) {
		size_t j = hash_path(run->sites[i].path) & (n - 1);
		while (run->slots[j] != SIZE_MAX)
			j = (j + 1) & (n - 1);
		run->slots[j] = i;
	}
}

const struct hs_site *hs_run_find_site(const struct hs_run *run, const char *path)
{
	if (run->n_slots == 0)
		return NULL;
	size_t mask = run->n_slots - 1;
	for (size_t j = hash_path(path) & mask; run->slots[j] != SIZE_MAX; j = (j + 1) & mask)
		if (strcmp(run->sites[run->slots[j]].path, path) == 0)
			return &run->sites[run->slots[j]];
	return NULL;
}

/* Find a site by path, adding it (unknown everywhere) if new. */
static struct hs_site *site_get(struct hs_run *run, const char *path)
{
	if (2 * (run->n_sites + 1) > run->n_slots)
		rehash(run);
	size_t mask = run->n_slots - 1;
	size_t j = hash_path(path) & mask;
	while (run->slots[j] != SIZE_MAX) {
		struct hs_site *s = &run->sites[run->slots[j]];
		if (strcmp(s->path, path) == 0)
			return s;
		j = (j + 1) & mask;
	}
	run->sites = hs_grow(run->sites, &run->cap_sites, run->n_sites + 1, sizeof *run->sites);
	struct hs_site *s = &run->sites[run->n_sites];
	s->path = hs_xstrdup(path);
	s->bytes =
		hs_xrealloc(NULL, (run->cap_detailed ? run->cap_detailed : 1) * sizeof *s->bytes);
	for (size_t i = 0; i < run->n_detailed; i++)
		s->bytes[i] = HS_BYTES_UNKNOWN;
	run->slots[j] = run->n_sites++;
	return s;
}

size_t hs_run_site_index(struct hs_run *run, const char *path)
{
	return (size_t)(site_get(run, path) - run->sites);
}

void hs_run_add_site_bytes(struct hs_run *run, const char *path, uint64_t bytes)
{
	if (run->n_detailed == 0)
		return;
	struct hs_site *s = site_get(run, path);
	uint64_t *b = &s->bytes[run->n_detailed - 1];
	*b = (*b == HS_BYTES_UNKNOWN) ? bytes : *b + bytes;
}

void hs_run_note_aggregate(struct hs_run *run, uint64_t bytes)
{
	if (run->n_detailed == 0)
		return;
	struct hs_snap *snap = &run->snaps[run->detailed[run->n_detailed - 1]];
	if (bytes > snap->aggregate_max_B)
		snap->aggregate_max_B = bytes;
}

uint64_t hs_snap_total_B(const struct hs_snap *snap)
{
	return snap->heap_B + snap->extra_B + snap->stacks_B;
}

size_t hs_run_max_total_index(const struct hs_run *run)
{
	size_t best = 0;
	for (size_t i = 1; i < run->n_snaps; i++)
		if (hs_snap_total_B(&run->snaps[i]) > hs_snap_total_B(&run->snaps[best]))
			best = i;
	return best;
}

size_t hs_run_peak_detailed(const struct hs_run *run)
{
	size_t best = SIZE_MAX;
	/* ms_print: the last heap_tree=peak wins. */
	for (size_t d = 0; d < run->n_detailed; d++)
		if (run->snaps[run->detailed[d]].peak)
			best = d;
	if (best != SIZE_MAX)
		return best;
	for (size_t d = 0; d < run->n_detailed; d++)
		if (best == SIZE_MAX || hs_snap_total_B(&run->snaps[run->detailed[d]]) >
						hs_snap_total_B(&run->snaps[run->detailed[best]]))
			best = d;
	return best;
}

const char *hs_frame_text(const char *text)
{
	const char *p = text;
	if (p[0] != '0' || p[1] != 'x')
		return text;
	p += 2;
	while (isxdigit((unsigned char)*p))
		p++;
	if (p[0] == ':' && p[1] == ' ')
		return p + 2;
	return text;
}

bool hs_is_aggregate(const char *text)
{
	return strncmp(text, "in ", 3) == 0 && strstr(text, "below massif's threshold") != NULL;
}

/* ------------------------------------------------------------------------
 * Building sites from a tree fed node by node
 * ---------------------------------------------------------------------- */

/* One open tree node while its children are being read. */
struct hs_open_node {
	uint64_t bytes;
	uint64_t child_sum;
	unsigned long remaining; /* children still to come */
	size_t path_len;         /* length of the path up to and including this frame */
};

/* Close finished nodes: a node is finished when no children remain.  A
 * finished frame whose bytes exceed its children's is a site of its own. */
static void close_finished(struct hs_run *run, struct hs_tree_builder *b)
{
	while (b->depth > 0 && b->stack[b->depth - 1].remaining == 0) {
		struct hs_open_node *n = &b->stack[--b->depth];
		if (b->depth > 0 && n->bytes > n->child_sum) {
			b->path[n->path_len] = '\0';
			hs_run_add_site_bytes(run, b->path, n->bytes - n->child_sum);
		}
		if (b->depth > 0) {
			struct hs_open_node *parent = &b->stack[b->depth - 1];
			parent->remaining--;
			parent->child_sum += n->bytes;
		}
	}
}

int hs_tree_builder_node(struct hs_run *run, struct hs_tree_builder *b, unsigned long n_children,
			 uint64_t bytes, const char *text, size_t text_len)
{
	while (text_len > 0 && isspace((unsigned char)*text)) {
		text++;
		text_len--;
	}
	/* A comment cut from the line leaves its blanks behind. */
	while (text_len > 0 && isspace((unsigned char)text[text_len - 1]))
		text_len--;
	char *t = hs_xrealloc(NULL, text_len + 1);
	memcpy(t, text, text_len);
	t[text_len] = '\0';

	/* Massif's aggregates are leaves; a node whose text only looks like
	 * one but has children (a hand-edited file, which the parser and
	 * ms_print accept) is an ordinary frame. */
	if (b->depth > 0 && n_children == 0 && hs_is_aggregate(t)) {
		free(t);
		hs_run_note_aggregate(run, bytes);
		struct hs_open_node *parent = &b->stack[b->depth - 1];
		parent->remaining--;
		parent->child_sum += bytes;
		close_finished(run, b);
		return b->depth == 0;
	}

	size_t path_len = 0;
	if (b->depth > 0) {
		const char *frame = hs_frame_text(t);
		size_t base = b->stack[b->depth - 1].path_len;
		size_t flen = strlen(frame);
		b->path = hs_grow(b->path, &b->cap_path, base + flen + 2, 1);
		if (base > 0)
			b->path[base++] = '\n';
		memcpy(b->path + base, frame, flen);
		path_len = base + flen;
	}
	free(t);
	b->stack = hs_grow(b->stack, &b->cap_depth, b->depth + 1, sizeof *b->stack);
	b->stack[b->depth++] = (struct hs_open_node){
		.bytes = bytes,
		.remaining = n_children,
		.path_len = path_len,
	};
	close_finished(run, b);
	return b->depth == 0;
}

void hs_tree_builder_free(struct hs_tree_builder *b)
{
	free(b->stack);
	free(b->path);
	*b = (struct hs_tree_builder){ 0 };
}
