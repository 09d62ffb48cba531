/* massif_out: the Massif file writer (format-massif.md §2-§5, §11).
 *
 * Takes the snapshot table, the raw contexts and a filter (which names
 * and filters frames) and writes the file: the header, the snapshots
 * numbered 0..N-1, and each detailed or peak snapshot's tree built by
 * xtree from the contexts that existed then, merged after filtering.  A
 * detailed snapshot's mem_heap_B is the sum of its tree, so no node ever
 * exceeds the snapshot total.  Output goes through a fixed buffer and
 * write(2); memory through the filter's scratch arena and hs_arena_map.
 * Knows no snapshot policy.
 */
#ifndef HS_MASSIF_OUT_H
#define HS_MASSIF_OUT_H

#include <stddef.h>
#include <stdint.h>

#include "contexts.h"
#include "filter.h"
#include "options.h"
#include "snapshot.h"

struct hs_massif_file {
	const char *desc;      /* the options, each preceded by a space; "" gives " (none)" */
	const char *desc_note; /* appended to the desc: line (why recording stopped), or NULL */
	const char *cmd;
	enum hs_time_unit time_unit;
	double threshold; /* --threshold, percent */
	const struct hs_snapshot *snapshots;
	unsigned n_snapshots;
	struct hs_contexts *contexts;
	struct hs_filter *filter;
	int sampled; /* --sample: mem_heap_B is the recorder's exact total, not the
		      * tree's (an estimate) */
};

/* Where hs_massif_frame_label puts its text, piece by piece. */
typedef void (*hs_text_sink)(void *ctx, const char *s, size_t n);

/* A frame's label exactly as a tree line shows it after "nK: BYTES "
 * ("0x4005F3: main (prog.c:12)"): t is one of addr's frames (from
 * hs_filter_describe), real_fn says it is the last, the real function
 * (which may read "(below main)"). */
void hs_massif_frame_label(uintptr_t addr, const struct hs_frame_text *t, int real_fn,
			   hs_text_sink put, void *ctx);

/* Write the whole file to fd.  Returns 0, or -1 with a one-line message in err. */
int hs_massif_write(int fd, const struct hs_massif_file *file, char *err, size_t err_len);

#endif
