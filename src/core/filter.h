/* filter: raw stacks -> Massif's filtered frames, at write time.
 *
 * Owns the write-time view of code addresses: a cache of the symbolizer's
 * answers (address -> inline frames, innermost first, the real function
 * last), and Massif's stack filtering (format-massif.md §13): strip the leading frames
 * whose outermost function is an alloc-fn (Massif 3.19's defaults plus
 * --alloc-fn), drop stacks whose first named frame is an --ignore-fn, cut at
 * the outermost main or else the innermost below-main function, then keep
 * --depth frames.  Memory comes from a scratch arena.
 */
#ifndef HS_FILTER_H
#define HS_FILTER_H

#include <stdint.h>

#include "arena.h"
#include "options.h"
#include "symbols.h"

#define HS_MAX_INLINE 64 /* frames asked per address: deep enough to reach the real function */

struct hs_sym_entry;

struct hs_filter {
	const struct hs_symbolizer *sym;
	const struct hs_options *opts;
	struct hs_arena *arena;
	struct hs_sym_entry *slots; /* address cache, from hs_arena_map */
	uint32_t n_slots;
	uint32_t n_used;
	int failed;      /* ran out of memory: describe answers "???" */
	uint32_t *spans; /* per raw context id, the frames it keeps (hs_filter_context) */
	uint32_t n_spans;
};

/* Set up filtering with sym's names and opts' lists, memory from arena. */
void hs_filter_init(struct hs_filter *f, const struct hs_symbolizer *sym,
		    const struct hs_options *opts, struct hs_arena *arena);

/* The frames of addr, innermost inline first, the real function last;
 * *n gets their number (at least 1). */
const struct hs_frame_text *hs_filter_describe(struct hs_filter *f, uintptr_t addr, unsigned *n);

/* Filter raw[0..n_raw) into out (room for n_raw) and return how many are
 * kept; 0 means the allocation is ignored (--ignore-fn, or nothing left). */
unsigned hs_filter_frames(struct hs_filter *f, const uintptr_t *raw, unsigned n_raw,
			  uintptr_t *out);

/* hs_filter_frames for raw context id of the one set of contexts this
 * filter serves: the answer is kept per id, so that the Massif and series
 * writers filter each context once. */
unsigned hs_filter_context(struct hs_filter *f, uint32_t id, const uintptr_t *raw, unsigned n_raw,
			   uintptr_t *out);

/* Whether fn is one of the functions below main that Massif calls "(below main)". */
int hs_filter_is_below_main(const char *fn);

/* Whether fn is an alloc-fn (the defaults or one of opts->alloc_fns). */
int hs_filter_is_alloc_fn(const struct hs_options *opts, const char *fn);

/* fn's kind for the early --ignore-fn decision (enum hs_fn_kind of
 * fnranges.h): HS_FN_ALLOC for an alloc-fn, else HS_FN_IGNORE for an
 * ignore-fn, else 0; the names matched exactly as hs_filter_frames does. */
int hs_filter_fn_kind(const struct hs_options *opts, const char *fn);

/* Give back the address cache. */
void hs_filter_destroy(struct hs_filter *f);

#endif
