/* filter: symbol cache and Massif's stack filtering (see filter.h). */
#include "filter.h"
#include "contexts.h"
#include "fnranges.h"

#include <stdlib.h>
#include <string.h>

struct hs_sym_entry {
	uintptr_t addr;
	struct hs_frame_text *texts; /* NULL: not described yet */
	unsigned n;
	unsigned char used; /* 0: empty slot */
	unsigned char kind; /* KIND_* of the outermost function, once known */
};

/* What the stack filter asks of an address's outermost function, worked
 * out once per address (every context and every snapshot's tree asks
 * again, a dozen string compares each). */
enum {
	KIND_KNOWN = 1,
	KIND_ALLOC_FN = 2,
	KIND_BELOW_MAIN = 4,
	KIND_MAIN = 8,
};

/* Massif 3.19's default --alloc-fn list on Linux (format-massif.md §13). */
static const char *const default_alloc_fns[] = {
	"malloc",
	"__builtin_new",
	"operator new(unsigned)",
	"operator new(unsigned long)",
	"__builtin_vec_new",
	"operator new[](unsigned)",
	"operator new[](unsigned long)",
	"calloc",
	"realloc",
	"memalign",
	"posix_memalign",
	"valloc",
	"operator new(unsigned, std::nothrow_t const&)",
	"operator new[](unsigned, std::nothrow_t const&)",
	"operator new(unsigned long, std::nothrow_t const&)",
	"operator new[](unsigned long, std::nothrow_t const&)",
};

static const struct hs_frame_text unknown_text = { NULL, NULL, 0, NULL };

void hs_filter_init(struct hs_filter *f, const struct hs_symbolizer *sym,
		    const struct hs_options *opts, struct hs_arena *arena)
{
	memset(f, 0, sizeof *f);
	f->sym = sym;
	f->opts = opts;
	f->arena = arena;
}

static uint32_t addr_slot(uintptr_t addr, uint32_t n_slots)
{
	return (uint32_t)(((uint64_t)addr * UINT64_C(0x9E3779B97F4A7C15)) >> 32) & (n_slots - 1);
}

static int grow_cache(struct hs_filter *f)
{
	uint32_t n = f->n_slots == 0 ? 1024 : f->n_slots * 2;
	if (n == 0)
		return -1;
	struct hs_sym_entry *slots = hs_arena_map((size_t)n * sizeof *slots);
	if (slots == NULL)
		return -1;
	for (uint32_t i = 0; i < f->n_slots; i++) {
		if (!f->slots[i].used)
			continue;
		uint32_t j = addr_slot(f->slots[i].addr, n);
		while (slots[j].used)
			j = (j + 1) & (n - 1);
		slots[j] = f->slots[i];
	}
	hs_arena_unmap(f->slots, (size_t)f->n_slots * sizeof *f->slots);
	f->slots = slots;
	f->n_slots = n;
	return 0;
}

/* The cache entry of addr, added (not described) if new; NULL once the
 * cache failed (out of memory). */
static struct hs_sym_entry *entry_of(struct hs_filter *f, uintptr_t addr)
{
	if (f->failed)
		return NULL;
	if ((f->n_used + 1) * 2 > f->n_slots && grow_cache(f) != 0) {
		f->failed = 1;
		return NULL;
	}
	uint32_t i = addr_slot(addr, f->n_slots);
	while (f->slots[i].used) {
		if (f->slots[i].addr == addr)
			return &f->slots[i];
		i = (i + 1) & (f->n_slots - 1);
	}
	f->slots[i] = (struct hs_sym_entry){ addr, NULL, 0, 1, 0 };
	f->n_used++;
	return &f->slots[i];
}

/* The cache entry of addr, described now if it was not; NULL once the
 * cache failed (out of memory). */
static struct hs_sym_entry *described_entry_of(struct hs_filter *f, uintptr_t addr)
{
	struct hs_sym_entry *e = entry_of(f, addr);
	if (e == NULL || e->texts != NULL)
		return e;
	struct hs_frame_text buf[HS_MAX_INLINE];
	unsigned got = 0;
	if (f->sym != NULL && f->sym->symbolize != NULL)
		got = f->sym->symbolize(f->sym->ctx, addr, buf, HS_MAX_INLINE);
	if (got == 0) {
		buf[0] = unknown_text;
		got = 1;
	}
	if (got > HS_MAX_INLINE)
		got = HS_MAX_INLINE;
	struct hs_frame_text *texts = hs_arena_alloc(f->arena, got * sizeof *texts);
	if (texts == NULL) {
		f->failed = 1;
		return NULL;
	}
	memcpy(texts, buf, got * sizeof *texts);
	e->texts = texts;
	e->n = got;
	return e;
}

const struct hs_frame_text *hs_filter_describe(struct hs_filter *f, uintptr_t addr, unsigned *n)
{
	const struct hs_sym_entry *e = described_entry_of(f, addr);
	*n = e != NULL ? e->n : 1;
	return e != NULL ? e->texts : &unknown_text;
}

/* The outermost (non-inlined) function name of addr, or NULL: from the
 * symbolizer's function_of when it has one, so that deciding which frames
 * to keep names none of them in full. */
static const char *outer_name(struct hs_filter *f, uintptr_t addr)
{
	if (f->sym != NULL && f->sym->function_of != NULL && !f->failed)
		return f->sym->function_of(f->sym->ctx, addr);
	unsigned n;
	const struct hs_frame_text *t = hs_filter_describe(f, addr, &n);
	return t[n - 1].function;
}

static int kind_of_name(const struct hs_options *opts, const char *fn);

/* addr's KIND_* bits. */
static unsigned kind_of(struct hs_filter *f, uintptr_t addr)
{
	struct hs_sym_entry *e = entry_of(f, addr);
	if (e == NULL)
		return kind_of_name(f->opts, NULL); /* "???" */
	if (!(e->kind & KIND_KNOWN)) {
		const char *fn = e->texts != NULL ? e->texts[e->n - 1].function : outer_name(f, addr);
		/* outer_name may have grown the cache: find the entry again. */
		e = entry_of(f, addr);
		if (e == NULL)
			return kind_of_name(f->opts, NULL);
		e->kind = (unsigned char)kind_of_name(f->opts, fn);
	}
	return e->kind;
}

static int starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

int hs_filter_is_below_main(const char *fn)
{
	/* Every name below starts with '_' or 'g': most names stop here. */
	if (fn == NULL || (fn[0] != '_' && fn[0] != 'g'))
		return 0;
	return strcmp(fn, "__libc_start_main") == 0 || strcmp(fn, "__libc_start_call_main") == 0 ||
	       starts_with(fn, "__libc_start_main.") || strcmp(fn, "generic_start_main") == 0 ||
	       starts_with(fn, "generic_start_main.") || strcmp(fn, "_start") == 0;
}

int hs_filter_is_alloc_fn(const struct hs_options *opts, const char *fn)
{
	if (fn == NULL)
		return 0;
	for (size_t i = 0; i < sizeof default_alloc_fns / sizeof *default_alloc_fns; i++)
		if (strcmp(fn, default_alloc_fns[i]) == 0)
			return 1;
	for (unsigned i = 0; i < opts->n_alloc_fns && i < HS_MAX_FNS; i++)
		if (strcmp(fn, opts->alloc_fns[i]) == 0)
			return 1;
	return 0;
}

static int kind_of_name(const struct hs_options *opts, const char *fn)
{
	return KIND_KNOWN | (hs_filter_is_alloc_fn(opts, fn) ? KIND_ALLOC_FN : 0) |
	       (hs_filter_is_below_main(fn) ? KIND_BELOW_MAIN : 0) |
	       (fn != NULL && strcmp(fn, "main") == 0 ? KIND_MAIN : 0);
}

static int is_ignore_fn(const struct hs_options *opts, const char *fn)
{
	for (unsigned i = 0; i < opts->n_ignore_fns && i < HS_MAX_FNS; i++)
		if (strcmp(fn, opts->ignore_fns[i]) == 0)
			return 1;
	return 0;
}

int hs_filter_fn_kind(const struct hs_options *opts, const char *fn)
{
	if (fn == NULL)
		return HS_FN_NONE;
	if (hs_filter_is_alloc_fn(opts, fn))
		return HS_FN_ALLOC;
	return is_ignore_fn(opts, fn) ? HS_FN_IGNORE : HS_FN_NONE;
}

/* The frames hs_filter_frames keeps: raw[*first .. *first + n), n
 * returned. */
static unsigned kept_span(struct hs_filter *f, const uintptr_t *raw, unsigned n_raw,
			  unsigned *first_out)
{
	unsigned first = 0;
	while (first < n_raw && (kind_of(f, raw[first]) & KIND_ALLOC_FN))
		first++;
	if (first == n_raw)
		return 0;

	if (f->opts->n_ignore_fns != 0) {
		for (unsigned i = first; i < n_raw; i++) {
			const char *fn = outer_name(f, raw[i]);
			if (fn == NULL)
				continue;
			if (is_ignore_fn(f->opts, fn))
				return 0;
			break;
		}
	}

	/* Cut at the outermost main, else at the innermost below-main
	 * function.  The kinds met looking for main serve the second search:
	 * a stack cut short by the frame limit has neither, and each of its
	 * frames was looked up twice (half of a deep-stacked program's
	 * resolve). */
	unsigned char kinds[HS_MAX_FRAMES];
	unsigned end = n_raw; /* one past the last frame kept */
	int found = 0;
	for (unsigned i = n_raw; i-- > first;) {
		unsigned k = kind_of(f, raw[i]);
		if (k & KIND_MAIN) {
			end = i + 1;
			found = 1;
			break;
		}
		if (i - first < HS_MAX_FRAMES)
			kinds[i - first] = (unsigned char)k;
	}
	for (unsigned i = first; !found && i < n_raw; i++) {
		unsigned k = i - first < HS_MAX_FRAMES ? kinds[i - first] : kind_of(f, raw[i]);
		if (k & KIND_BELOW_MAIN) {
			end = i + 1;
			found = 1;
		}
	}

	unsigned n = end - first;
	if (n > f->opts->depth && f->opts->depth != 0)
		n = f->opts->depth;
	*first_out = first;
	return n;
}

unsigned hs_filter_frames(struct hs_filter *f, const uintptr_t *raw, unsigned n_raw, uintptr_t *out)
{
	unsigned first = 0;
	unsigned n = kept_span(f, raw, n_raw, &first);
	memcpy(out, raw + first, n * sizeof *out);
	return n;
}

/* A context's kept span in the memo: first << 16 | n (both below 2^16,
 * as a context has at most HS_MAX_FRAMES frames), or SPAN_UNKNOWN. */
#define SPAN_UNKNOWN UINT32_MAX
_Static_assert(HS_MAX_FRAMES < (1u << 16), "a span fits in 32 bits");

unsigned hs_filter_context(struct hs_filter *f, uint32_t id, const uintptr_t *raw, unsigned n_raw,
			   uintptr_t *out)
{
	if (n_raw > HS_MAX_FRAMES)
		return hs_filter_frames(f, raw, n_raw, out);
	if (id >= f->n_spans) {
		uint32_t n = f->n_spans == 0 ? 1024 : f->n_spans;
		while (n <= id && n < UINT32_MAX / 2)
			n *= 2;
		uint32_t *spans = n > id ? realloc(f->spans, (size_t)n * sizeof *spans) : NULL;
		if (spans == NULL)
			return hs_filter_frames(f, raw, n_raw, out); /* no memo, same answer */
		memset(spans + f->n_spans, 0xff, (size_t)(n - f->n_spans) * sizeof *spans);
		f->spans = spans;
		f->n_spans = n;
	}
	uint32_t span = f->spans[id];
	if (span == SPAN_UNKNOWN) {
		unsigned first = 0;
		unsigned n = kept_span(f, raw, n_raw, &first);
		span = (uint32_t)first << 16 | n;
		f->spans[id] = span;
	}
	unsigned n = span & 0xffff;
	memcpy(out, raw + (span >> 16), n * sizeof *out);
	return n;
}

void hs_filter_destroy(struct hs_filter *f)
{
	hs_arena_unmap(f->slots, (size_t)f->n_slots * sizeof *f->slots);
	free(f->spans);
	f->spans = NULL;
	f->n_spans = 0;
	f->slots = NULL;
	f->n_slots = f->n_used = 0;
}
