/* fnranges: --ignore-fn decided when a stack is first seen, from addresses.
 *
 * Massif never counts an allocation whose first frame after stripping
 * alloc-fns is an --ignore-fn (ms_main.c's filter_IPs): no bytes in the
 * totals, no time, no snapshot.  Names are known only outside the program,
 * so the launcher names them beforehand: it reads the symbols of every
 * module mapped in the program at start-up, and hands the program the code
 * ranges (process addresses) of each function named by --alloc-fn (and
 * Massif's default alloc-fns) or --ignore-fn.  The recorder asks
 * hs_fn_ranges_ignores once per new context, under its lock; every
 * allocation after that checks one flag of its context.
 *
 * An address in no range is taken as a named function that is neither:
 * Massif would look past a frame that has no name, we cannot tell one from
 * here (doc/design.md: what the early decision leaves to the resolver).
 */
#ifndef HS_FNRANGES_H
#define HS_FNRANGES_H

#include <stddef.h>
#include <stdint.h>

enum hs_fn_kind {
	HS_FN_NONE = 0,
	HS_FN_ALLOC = 1,  /* an alloc-fn: stripped from the top of the stack */
	HS_FN_IGNORE = 2, /* an ignore-fn (and not an alloc-fn) */
};

/* One function's code, [lo, hi) in the process's addresses.  The layout
 * is the launcher's reply on the wire (native byte order, same machine). */
struct hs_fn_range {
	uint64_t lo, hi;
	uint64_t kind; /* enum hs_fn_kind */
};

struct hs_fn_ranges {
	struct hs_fn_range *r; /* sorted by lo, not overlapping; from hs_arena_map */
	uint32_t n;
	uint32_t n_mapped; /* ranges the mapping has room for */
};

/* Copy n ranges (any order) into t, sorted, dropping empty or bad ones.
 * Returns 0, or -1 when out of memory (t is then empty). */
int hs_fn_ranges_set(struct hs_fn_ranges *t, const struct hs_fn_range *r, uint32_t n);

/* The kind of the function holding addr. */
enum hs_fn_kind hs_fn_ranges_kind(const struct hs_fn_ranges *t, uintptr_t addr);

/* Whether Massif ignores an allocation with this stack (innermost first):
 * its first frame that is not an alloc-fn is an ignore-fn, or every frame
 * is an alloc-fn.  0 with an empty table. */
int hs_fn_ranges_ignores(const struct hs_fn_ranges *t, const uintptr_t *frames, unsigned n);

/* Give back the table. */
void hs_fn_ranges_clear(struct hs_fn_ranges *t);

/* The launcher's answer on the program's stream socket: "HSFR", a count
 * (uint32 each), then that many ranges.  The program reads at most
 * HS_FNRANGES_MAX of them; more is answered with nothing at all (EOF), and
 * the program leaves --ignore-fn to the resolver. */
#define HS_FNRANGES_MAGIC 0x52465348u /* "HSFR" */
#define HS_FNRANGES_MAX 65536

/* Send the answer for n ranges on fd (the launcher's end of the program's
 * socketpair).  MSG_NOSIGNAL: a program that stopped waiting (or died)
 * means EPIPE, never SIGPIPE.  Returns 0 when all of it was sent, 1 when n
 * exceeds HS_FNRANGES_MAX (nothing written), -1 on an error (errno). */
int hs_fn_ranges_send(int fd, const struct hs_fn_range *r, size_t n);

#endif
