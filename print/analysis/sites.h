/* sites: a Massif run seen as allocation sites and their bytes over time.
 *
 * Owns struct hs_run, the neutral input of the leak analysis, --diff and
 * --max-peak: every snapshot's time and byte counts, and one row per
 * allocation site holding the site's live bytes in each detailed snapshot.
 *
 * A site is one call path through the heap tree, named by its frames' text
 * without addresses ("leak_record (leak_churn.c:6)", then its caller, down
 * to main), so the same site matches across builds whose addresses moved.
 * Every leaf of a tree is a site; so is an inner node whose bytes exceed its
 * children's sum (stack traces that end there).  Massif's below-threshold
 * aggregates ("in N places, ...") are not sites: the largest one per
 * snapshot is kept as the upper bound of any site missing from that tree.
 *
 * The builder functions fill a run; sites_model.h feeds them the printer's
 * parsed model.
 */
#ifndef HS_SITES_H
#define HS_SITES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A site's bytes in a detailed snapshot whose tree does not show it. */
#define HS_BYTES_UNKNOWN UINT64_MAX

struct hs_snap {
	int64_t time;
	uint64_t heap_B;
	uint64_t extra_B;
	uint64_t stacks_B;
	bool detailed;            /* holds a tree (heap_tree=detailed or peak) */
	bool peak;                /* heap_tree=peak */
	uint64_t aggregate_max_B; /* largest below-threshold aggregate in the tree */
	int64_t alloc_B;          /* bytes allocated and freed so far, when has_alloc */
};

struct hs_site {
	char *path;      /* frames innermost first, '\n'-separated */
	uint64_t *bytes; /* one per detailed snapshot, or HS_BYTES_UNKNOWN */
};

struct hs_run {
	char *source;    /* file name, for messages */
	char *time_unit; /* "i", "ms" or "B" */
	struct hs_snap *snaps;
	size_t n_snaps, cap_snaps;
	size_t *detailed; /* snapshot index of each detailed snapshot */
	size_t n_detailed, cap_detailed;
	struct hs_site *sites;
	size_t n_sites, cap_sites;
	bool dense;        /* every snapshot has per-site bytes (a series file) */
	uint64_t sample_B; /* the series' sampling: 0 exact */
	char *end_how;     /* how the run ended (a series file), or NULL */
	bool has_alloc;    /* every snapshot's alloc_B is known (a series file's a records) */
	size_t *slots;     /* open-addressing index of sites by path */
	size_t n_slots;
};

/* Make an empty run; source names it in messages. */
struct hs_run *hs_run_new(const char *source, const char *time_unit);

/* Free a run and everything it holds (NULL is fine). */
void hs_run_free(struct hs_run *run);

/* Append a snapshot; a detailed one then takes hs_run_add_site_bytes calls. */
void hs_run_add_snapshot(struct hs_run *run, int64_t time, uint64_t heap_B, uint64_t extra_B,
			 uint64_t stacks_B, bool detailed, bool peak);

/* Add bytes to a site (path: frames innermost first, '\n'-separated) in
 * the last detailed snapshot; the same path twice adds up. */
void hs_run_add_site_bytes(struct hs_run *run, const char *path, uint64_t bytes);

/* The index of the site with this path, added (unknown everywhere) if new. */
size_t hs_run_site_index(struct hs_run *run, const char *path);

/* The site with this path, or NULL. */
const struct hs_site *hs_run_find_site(const struct hs_run *run, const char *path);

/* Note a below-threshold aggregate of the last detailed snapshot's tree. */
void hs_run_note_aggregate(struct hs_run *run, uint64_t bytes);

/* The state of one tree being fed to a run, node by node (zero it first). */
struct hs_tree_builder {
	struct hs_open_node *stack;
	size_t depth, cap_depth;
	char *path; /* frames of the open nodes below the root */
	size_t cap_path;
};

/* Feed the next node, in pre-order, of the last detailed snapshot's tree:
 * n_children as in "n<K>:", text as after the byte count (blanks around it
 * and "0xADDR: " are dropped).  Returns 1 when the tree is complete, 0 when more
 * nodes are due, -1 when an aggregate claims children. */
int hs_tree_builder_node(struct hs_run *run, struct hs_tree_builder *b, unsigned long n_children,
			 uint64_t bytes, const char *text, size_t text_len);

/* Free a builder's memory (it may be reused after). */
void hs_tree_builder_free(struct hs_tree_builder *b);

/* A snapshot's total, as ms_print's graph counts it: heap + extra + stacks. */
uint64_t hs_snap_total_B(const struct hs_snap *snap);

/* Index of the snapshot with the largest total (the first one on a tie). */
size_t hs_run_max_total_index(const struct hs_run *run);

/* Index into run->detailed of the peak tree: the heap_tree=peak snapshot,
 * else the detailed snapshot with the largest total; SIZE_MAX if none. */
size_t hs_run_peak_detailed(const struct hs_run *run);

/* Strip "0xADDR: " from a tree node's text; returns a pointer into text. */
const char *hs_frame_text(const char *text);

/* True when a tree node's text is Massif's below-threshold aggregate. */
bool hs_is_aggregate(const char *text);

#endif
