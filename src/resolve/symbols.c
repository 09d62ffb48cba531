/* symbols: code address -> function, file:line, object (see symbols.h).
 *
 * Runs in the resolver (the launcher, or `heapsnap --resolve`), never in
 * the recorded program: the program records the text of its
 * /proc/self/maps, and the modules are reported to libdwfl from that text
 * at the addresses they had there.  Names are given as Valgrind gives
 * them: the ELF symbol of the address, demangled with libiberty's
 * cplus_demangle as Valgrind 3.19 calls it, for the real function;
 * DW_AT_name for inlined callers (none for a function nested in a type,
 * as in Valgrind); file names reduced to their base name; "(in object)"
 * when there is no line information.  Results are cached per address;
 * each CU's functions and each function's inlined calls are indexed once.
 * tests/resolve/sym_oracle.py holds these rules against Valgrind.
 */
#include "config.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwelf.h>
#include <elfutils/libdwfl.h>
#include <fcntl.h>
#include <libiberty/demangle.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "debugcache.h"
#include "filepages.h"
#include "fnranges.h"
#include "symbols.h"

/* Most frames one address expands into (inline depth + 1). */
#define MAX_INLINE 32

/* One cached address and its frames. */
struct entry {
	uintptr_t addr;
	unsigned n;
	struct hs_frame_text *frames;
};

/* A function symbol's address range and its printed name (NULL: "???"). */
struct fn_range {
	uintptr_t lo, hi;
	const char *function;
};

/* One defined symbol with a size, as libdw would consider it. */
struct sym_span {
	uintptr_t lo, hi;
	uintptr_t max_hi; /* the highest hi of this and every earlier span */
	const char *name; /* libelf's string: valid until dwfl_end */
	int type;
};

/* A module's sized symbols sorted by start, and whether it has sizeless
 * functions (which libdw may pick where no sized symbol covers an address). */
struct mod_syms {
	Dwfl_Module *mod;
	struct sym_span *spans;
	size_t n;
	uintptr_t *sizeless; /* addresses of the symbols without a size, sorted */
	size_t n_sizeless;
	int has_sizeless;
	int dwarf_loaded; /* load_dwarf ran: its debug file's read pages handed back */
	struct mod_syms *next;
};

struct inl_table;

/* One function's code range in a CU and its DIE. */
struct fn_die {
	Dwarf_Addr lo, hi;
	Dwarf_Die die;
	struct inl_table *inl; /* its inlined calls, built on first use */
	int in_type;           /* a DIE inside a structure, class or union type */
};

/* A CU's functions sorted by start, built on the first address in it:
 * finding the function DIE by binary search instead of walking the CU's
 * DIEs (Rust's std CUs hold thousands) for every address. */
#define CU_BUCKETS 1024
struct cu_funcs {
	void *cu_key; /* the CU DIE's address in its section: unique per CU */
	struct fn_die *fns;
	size_t n, cap;
	struct cu_funcs *next;
};

struct symbolizer {
	Dwfl *dwfl;
	struct hs_unloaded *unloaded; /* copies, paths owned */
	unsigned n_unloaded;
	struct entry *table;
	size_t table_cap, table_used;
	char **strings; /* every string we own, freed at close */
	size_t n_strings, strings_cap;
	struct fn_range *ranges; /* functions already named, sorted by lo */
	size_t n_ranges, ranges_cap;
	struct mod_syms *mods;
	struct cu_funcs *cus[CU_BUCKETS]; /* function indexes, by CU */
};

/* Keep s (malloc'd, may be NULL) so close frees it; returns s. */
static const char *own(struct symbolizer *s, char *str)
{
	if (str == NULL)
		return NULL;
	if (s->n_strings == s->strings_cap) {
		size_t cap = s->strings_cap == 0 ? 256 : s->strings_cap * 2;
		char **grown = realloc(s->strings, cap * sizeof(*grown));
		if (grown == NULL) {
			free(str);
			return NULL;
		}
		s->strings = grown;
		s->strings_cap = cap;
	}
	s->strings[s->n_strings++] = str;
	return str;
}

/* A copy of str that close frees. */
static const char *own_copy(struct symbolizer *s, const char *str)
{
	return str == NULL ? NULL : own(s, strdup(str));
}

/* name as Valgrind 3.19 prints it, malloc'd (NULL only without memory).
 * Valgrind (coregrind/m_demangle/m_demangle.c) demangles only names
 * starting with "_Z" (C++, legacy Rust), "_R" (Rust v0) or "_D" (D), with
 * libiberty's cplus_demangle(DMGL_ANSI | DMGL_PARAMS), dlang_demangle for
 * "_D": "f(int)", "rust_leak::create_leak" (no DMGL_VERBOSE, so no
 * ::h<hash>), ".llvm.N" suffixes dropped by the Rust demangler. */
char *hs_symbols_demangle(const char *name)
{
	char *out = NULL;

	if (name[0] == '_' && (name[1] == 'Z' || name[1] == 'R' || name[1] == 'D'))
		out = name[1] == 'D' ? dlang_demangle(name, DMGL_ANSI | DMGL_PARAMS)
				     : cplus_demangle(name, DMGL_ANSI | DMGL_PARAMS);
	return out != NULL ? out : strdup(name);
}

/* The demangled form of name as Valgrind prints it, owned by s. */
static const char *demangled(struct symbolizer *s, const char *name)
{
	return name == NULL ? NULL : own(s, hs_symbols_demangle(name));
}

/* The last path component of path, as Valgrind prints file names. */
static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash != NULL ? slash + 1 : path;
}

/* A DIE's name, following abstract origins (inlined instances). */
static const char *die_name(Dwarf_Die *die)
{
	Dwarf_Attribute attr;

	if (dwarf_attr_integrate(die, DW_AT_name, &attr) == NULL)
		return NULL;
	return dwarf_formstring(&attr);
}

/* The index of the first range with lo > addr. */
static size_t range_after(const struct symbolizer *s, uintptr_t addr)
{
	size_t lo = 0, hi = s->n_ranges;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (s->ranges[mid].lo <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* qsort order of spans: by start. */
static int by_lo(const void *a, const void *b)
{
	uintptr_t x = ((const struct sym_span *)a)->lo, y = ((const struct sym_span *)b)->lo;

	return x < y ? -1 : x > y;
}

/* qsort order of addresses. */
static int by_addr(const void *a, const void *b)
{
	uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;
	return x < y ? -1 : x > y;
}

/* mod's symbol spans, built on first use (NULL without memory). */
static struct mod_syms *mod_syms(struct symbolizer *s, Dwfl_Module *mod)
{
	struct mod_syms *m;
	int n_syms;

	for (m = s->mods; m != NULL; m = m->next)
		if (m->mod == mod)
			return m;
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return NULL;
	m->mod = mod;
	n_syms = dwfl_module_getsymtab(mod);
	m->spans = n_syms > 1 ? malloc((size_t)n_syms * sizeof(*m->spans)) : NULL;
	m->sizeless = n_syms > 1 ? malloc((size_t)n_syms * sizeof(*m->sizeless)) : NULL;
	if ((m->spans == NULL || m->sizeless == NULL) && n_syms > 1) {
		free(m->spans);
		free(m->sizeless);
		m->spans = NULL;
		m->sizeless = NULL;
		m->has_sizeless = 1; /* unknown: always ask libdw */
	}
	for (int i = 1; m->spans != NULL && i < n_syms; i++) {
		GElf_Sym sym;
		GElf_Addr addr;
		GElf_Word shndx = SHN_UNDEF;
		const char *name = dwfl_module_getsym_info(mod, i, &sym, &addr, &shndx, NULL, NULL);
		int type = GELF_ST_TYPE(sym.st_info);

		/* The symbols libdw weighs: defined, not sections, files or TLS. */
		if (name == NULL || shndx == SHN_UNDEF || type == STT_SECTION || type == STT_FILE ||
		    type == STT_TLS)
			continue;
		if (sym.st_size == 0) {
			/* Only a function could change a "???" into a name. */
			if (type == STT_FUNC || type == STT_GNU_IFUNC)
				m->has_sizeless = 1;
			m->sizeless[m->n_sizeless++] = (uintptr_t)addr;
			continue;
		}
		m->spans[m->n++] =
			(struct sym_span){ (uintptr_t)addr, (uintptr_t)(addr + sym.st_size), 0,
					   name, type };
	}
	if (m->n_sizeless > 0)
		qsort(m->sizeless, m->n_sizeless, sizeof(*m->sizeless), by_addr);
	if (m->n > 0) {
		qsort(m->spans, m->n, sizeof(*m->spans), by_lo);
		for (size_t i = 0; i < m->n; i++) {
			uintptr_t prev = i > 0 ? m->spans[i - 1].max_hi : 0;
			m->spans[i].max_hi = prev > m->spans[i].hi ? prev : m->spans[i].hi;
		}
	}
	m->next = s->mods;
	s->mods = m;
	return m;
}

/* Answer from the span table when it is unambiguous: *out is the function
 * name (NULL for "???") and 1 is returned; 0 means ask libdw. */
static int quick_name(struct symbolizer *s, Dwfl_Module *mod, uintptr_t addr, const char **out)
{
	struct mod_syms *m = mod_syms(s, mod);
	size_t lo = 0, hi;
	const struct sym_span *sp;

	if (m == NULL)
		return 0;
	hi = m->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (m->spans[mid].lo <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || addr >= m->spans[lo - 1].max_hi) {
		/* No sized symbol covers addr: libdw could only pick a sizeless one. */
		if (m->has_sizeless)
			return 0;
		*out = NULL;
		return 1;
	}
	sp = &m->spans[lo - 1];
	/* Exactly one symbol covers addr: libdw's answer too. */
	if (addr < sp->hi && (lo == 1 || m->spans[lo - 2].max_hi <= addr)) {
		*out = sp->type == STT_FUNC || sp->type == STT_GNU_IFUNC ? demangled(s, sp->name)
									 : NULL;
		return 1;
	}
	return 0; /* aliases or nested symbols: libdw's own rules decide */
}

/* Whether libdw could name two addresses of [lo, hi), the range of the
 * sized symbol it named one of them by, differently: when another sized
 * symbol covers part of it but not all (one starting inside, one at lo
 * with another size, one from before ending inside), or a symbol without
 * a size lies in it (libdw takes an exact match on one).  Unknown: yes. */
static int holds_a_span(struct symbolizer *s, Dwfl_Module *mod, uintptr_t lo, uintptr_t hi)
{
	struct mod_syms *m = mod_syms(s, mod);
	size_t a = 0, b;

	if (m == NULL || (m->spans == NULL && m->has_sizeless))
		return 1;
	b = m->n_sizeless;
	while (a < b) { /* the first symbol without a size at lo or after */
		size_t mid = (a + b) / 2;
		if (m->sizeless[mid] < lo)
			a = mid + 1;
		else
			b = mid;
	}
	if (a < m->n_sizeless && m->sizeless[a] < hi)
		return 1;
	a = 0;
	b = m->n;
	while (a < b) { /* the first span starting at lo or after */
		size_t mid = (a + b) / 2;
		if (m->spans[mid].lo < lo)
			a = mid + 1;
		else
			b = mid;
	}
	/* Spans from before lo: max_hi is a running maximum, so the walk back
	 * stops at the first one that ends before lo with all before it; a
	 * long walk (a symbol spanning much of the module) says "unknown". */
	unsigned steps = 0;
	for (size_t j = a; j-- > 0 && m->spans[j].max_hi > lo;) {
		if (++steps > 64 || (m->spans[j].hi > lo && m->spans[j].hi < hi))
			return 1;
	}
	for (; a < m->n && m->spans[a].lo == lo; a++)
		if (m->spans[a].hi != hi)
			return 1;
	return a < m->n && m->spans[a].lo < hi;
}

/* The function containing addr, demangled.  dwfl_module_addrinfo scans
 * the whole symbol table on every call (seconds for cc1's thousands of
 * call sites), so each answer is kept for its symbol's whole range. */
static const char *function_name(struct symbolizer *s, Dwfl_Module *mod, uintptr_t addr)
{
	size_t at = range_after(s, addr);
	GElf_Off offset;
	GElf_Sym sym;
	const char *name, *function = NULL;
	int type;

	if (at > 0 && addr < s->ranges[at - 1].hi)
		return s->ranges[at - 1].function;
	if (quick_name(s, mod, addr, &function))
		return function;
	name = dwfl_module_addrinfo(mod, addr, &offset, &sym, NULL, NULL, NULL);
	type = name != NULL ? GELF_ST_TYPE(sym.st_info) : STT_NOTYPE;
	/* Valgrind names code from function symbols only: an assembly
	 * label such as ld.so's _dl_start_user (NOTYPE) stays "???". */
	if (type == STT_FUNC || type == STT_GNU_IFUNC)
		function = demangled(s, name);
	/* Remember sized symbols that don't overlap a known range and hold
	 * no other sized symbol: libdw names an address inside a nested one
	 * after it, so the answer would depend on which address came first
	 * (and the launcher names them in another order than a resolve:
	 * src/launcher/warmup.h). */
	if (name != NULL && sym.st_size > 0 && offset <= addr) {
		uintptr_t lo = addr - offset, hi = lo + sym.st_size;
		if ((at == 0 || s->ranges[at - 1].hi <= lo) &&
		    (at == s->n_ranges || hi <= s->ranges[at].lo) && !holds_a_span(s, mod, lo, hi)) {
			if (s->n_ranges == s->ranges_cap) {
				size_t cap = s->ranges_cap == 0 ? 256 : s->ranges_cap * 2;
				struct fn_range *grown = realloc(s->ranges, cap * sizeof(*grown));
				if (grown == NULL)
					return function;
				s->ranges = grown;
				s->ranges_cap = cap;
			}
			memmove(s->ranges + at + 1, s->ranges + at,
				(s->n_ranges - at) * sizeof(*s->ranges));
			s->ranges[at] = (struct fn_range){ lo, hi, function };
			s->n_ranges++;
		}
	}
	return function;
}

/* One code range of an inlined call in a function, in the preorder of
 * the function's DIE tree; parent is the index of the inlined call it is
 * nested in, or -1. */
struct inl_range {
	Dwarf_Addr lo, hi;
	Dwarf_Die die;
	int parent;
};

/* A function's inlined calls, flattened once: walking the function's DIE
 * tree for every address costs a parse of its whole subtree each time
 * (rustc's functions inline hundreds of calls). */
struct inl_table {
	struct inl_range *r;
	size_t n, cap;
	int failed; /* out of memory: no inline frames rather than wrong ones */
};

/* Append the code ranges of inlined call die, nested in parent. */
static void add_inl(struct inl_table *t, Dwarf_Die *die, int parent)
{
	Dwarf_Addr base, lo, hi;
	ptrdiff_t off = 0;

	while ((off = dwarf_ranges(die, off, &base, &lo, &hi)) > 0) {
		if (lo >= hi)
			continue;
		if (t->n == t->cap) {
			size_t cap = t->cap == 0 ? 16 : t->cap * 2;
			struct inl_range *grown = realloc(t->r, cap * sizeof(*grown));
			if (grown == NULL) {
				t->failed = 1;
				return;
			}
			t->r = grown;
			t->cap = cap;
		}
		t->r[t->n++] = (struct inl_range){ lo, hi, *die, parent };
	}
}

/* Collect the inlined calls under die (lexical blocks are transparent;
 * nested functions are not part of this one). */
static void collect_inl(struct inl_table *t, Dwarf_Die *die, int parent)
{
	Dwarf_Die child;

	if (dwarf_child(die, &child) != 0)
		return;
	do {
		switch (dwarf_tag(&child)) {
		case DW_TAG_inlined_subroutine: {
			int at = (int)t->n;
			add_inl(t, &child, parent);
			/* Every range of one DIE has the same children: the
			 * first stands for the DIE as their parent. */
			if ((int)t->n > at)
				collect_inl(t, &child, at);
			break;
		}
		case DW_TAG_lexical_block:
		case DW_TAG_try_block:
		case DW_TAG_catch_block:
			collect_inl(t, &child, parent);
			break;
		default:
			break;
		}
	} while (dwarf_siblingof(&child, &child) == 0);
}

/* The inlined calls at pc into chain[depth...], outermost first; returns
 * the new depth.  A range is taken when its parent call was taken (by
 * its DIE: any range of the parent DIE), as a walk down the tree would. */
static int inl_chain(const struct inl_table *t, Dwarf_Addr pc, Dwarf_Die *chain, int depth, int max)
{
	int last = -1; /* index of the last call taken */

	if (t->failed)
		return depth;
	for (size_t i = 0; i < t->n && depth < max; i++) {
		const struct inl_range *r = &t->r[i];
		if (pc < r->lo || pc >= r->hi)
			continue;
		if (r->parent != last && !(last >= 0 && r->parent >= 0 &&
					   t->r[r->parent].die.addr == t->r[last].die.addr))
			continue;
		chain[depth++] = r->die;
		last = (int)i;
	}
	return depth;
}

/* Add die's code ranges to f (memory permitting). */
static void add_fn(struct cu_funcs *f, Dwarf_Die *die, int in_type)
{
	Dwarf_Addr base, lo, hi;
	ptrdiff_t off = 0;

	while ((off = dwarf_ranges(die, off, &base, &lo, &hi)) > 0) {
		if (lo >= hi)
			continue;
		if (f->n == f->cap) {
			size_t cap = f->cap == 0 ? 64 : f->cap * 2;
			struct fn_die *grown = realloc(f->fns, cap * sizeof(*grown));
			if (grown == NULL)
				return;
			f->fns = grown;
			f->cap = cap;
		}
		f->fns[f->n++] = (struct fn_die){ lo, hi, *die, NULL, in_type };
	}
}

/* Collect the functions with code under parent: subprograms directly or
 * in namespaces and types; in_type says parent is (in) a type. */
static void collect_fns(struct cu_funcs *f, Dwarf_Die *parent, int in_type)
{
	Dwarf_Die child;

	if (dwarf_child(parent, &child) != 0)
		return;
	do {
		switch (dwarf_tag(&child)) {
		case DW_TAG_subprogram:
			add_fn(f, &child, in_type);
			break;
		case DW_TAG_namespace:
		case DW_TAG_module:
			collect_fns(f, &child, in_type);
			break;
		case DW_TAG_class_type:
		case DW_TAG_structure_type:
		case DW_TAG_union_type:
			collect_fns(f, &child, 1);
			break;
		default:
			break;
		}
	} while (dwarf_siblingof(&child, &child) == 0);
}

/* qsort order of functions: by start. */
static int fn_by_lo(const void *a, const void *b)
{
	Dwarf_Addr x = ((const struct fn_die *)a)->lo, y = ((const struct fn_die *)b)->lo;

	return x < y ? -1 : x > y;
}

/* The function of cu whose code holds pc, or NULL. */
static struct fn_die *find_fn(struct symbolizer *s, Dwarf_Die *cu, Dwarf_Addr pc)
{
	void *key = cu->addr;
	size_t b = ((uintptr_t)key >> 4) % CU_BUCKETS;
	struct cu_funcs *f;
	size_t lo = 0, hi;

	for (f = s->cus[b]; f != NULL && f->cu_key != key; f = f->next)
		;
	if (f == NULL) {
		f = calloc(1, sizeof(*f));
		if (f == NULL)
			return NULL;
		f->cu_key = key;
		collect_fns(f, cu, 0);
		if (f->n > 1)
			qsort(f->fns, f->n, sizeof(*f->fns), fn_by_lo);
		f->next = s->cus[b];
		s->cus[b] = f;
	}
	hi = f->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (f->fns[mid].lo <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* Functions do not overlap, but look a few back in case some do. */
	for (size_t i = lo; i > 0 && i + 4 > lo; i--) {
		if (pc < f->fns[i - 1].hi)
			return &f->fns[i - 1];
	}
	return NULL;
}

/* Load mod's DWARF.  Once a separate debug file is loaded, the pages
 * libdw read of it to inflate its compressed sections are dead weight
 * (filepages.h): they go before libdw indexes the CUs' address ranges,
 * so that the two never add up in the launcher's peak. */
static void load_dwarf(struct symbolizer *s, Dwfl_Module *mod)
{
	struct mod_syms *m = mod_syms(s, mod);
	const char *mainfile = NULL, *debugfile = NULL;
	Dwarf_Addr bias;
	Dwarf *dw;

	if (m == NULL || m->dwarf_loaded)
		return;
	m->dwarf_loaded = 1;
	if ((dw = dwfl_module_getdwarf(mod, &bias)) == NULL)
		return;
	dwfl_module_info(mod, NULL, NULL, NULL, NULL, NULL, &mainfile, &debugfile);
	if (debugfile == NULL || (mainfile != NULL && strcmp(debugfile, mainfile) == 0))
		return;
	/* The ELF header libelf points at is in its map of the file, when it
	 * mapped it (else in its own memory: then nothing is dropped). */
	const char *ident = elf_getident(dwarf_getelf(dw), NULL);
	if (ident != NULL)
		hs_filepages_release(ident);
}

/* Name addr with libdw: fills out innermost-first, returns the count. */
static unsigned symbolize_dw(struct symbolizer *s, uintptr_t addr, struct hs_frame_text *out,
			     unsigned max)
{
	Dwfl_Module *mod = dwfl_addrmodule(s->dwfl, addr);
	const char *object = NULL;
	const char *function = NULL;
	const char *file = NULL;
	unsigned line = 0;
	unsigned n = 0;

	if (mod == NULL) {
		out[0] = (struct hs_frame_text){ NULL, NULL, 0, NULL };
		return 1;
	}
	{
		const char *mainfile = NULL;
		const char *name =
			dwfl_module_info(mod, NULL, NULL, NULL, NULL, NULL, &mainfile, NULL);
		/* The module name is the path from /proc/PID/maps. */
		object = own_copy(s, name != NULL && name[0] == '/' ? name : mainfile);
	}
	function = function_name(s, mod, addr);
	{
		load_dwarf(s, mod);
		Dwfl_Line *l = dwfl_module_getsrc(mod, addr);
		int lineno = 0;
		const char *src =
			l != NULL ? dwfl_lineinfo(l, NULL, &lineno, NULL, NULL, NULL) : NULL;
		if (src != NULL && lineno > 0) {
			file = own_copy(s, base_name(src));
			line = (unsigned)lineno;
		}
	}
	/* Inlined calls at addr, innermost first: each one is named by its
	 * own DIE and placed at its caller's call_file:call_line. */
	if (file != NULL) {
		Dwarf_Addr bias = 0;
		Dwarf_Die *cu = dwfl_module_addrdie(mod, addr, &bias);
		struct fn_die *fn = cu != NULL ? find_fn(s, cu, addr - bias) : NULL;
		Dwarf_Die chain[MAX_INLINE];
		int depth = 0;
		Dwarf_Files *files = NULL;
		size_t n_files = 0;

		/* Valgrind 3.19 reads no inlined calls in a function whose DIE
		 * is inside a type (rustc's methods: RawTable<T,A>::insert);
		 * Massif names such an address by its symbol and its innermost
		 * line (checked with valgrind --tool=massif on rustc 1.63
		 * binaries).  C++ methods' code DIEs are at CU level. */
		if (fn != NULL && fn->in_type)
			fn = NULL;
		if (fn != NULL && fn->inl == NULL) {
			fn->inl = calloc(1, sizeof(*fn->inl));
			if (fn->inl != NULL)
				collect_inl(fn->inl, &fn->die, -1);
		}
		if (fn != NULL && fn->inl != NULL) {
			chain[0] = fn->die;
			depth = inl_chain(fn->inl, addr - bias, chain, 1, MAX_INLINE);
		}
		if (cu != NULL && dwarf_getsrcfiles(cu, &files, &n_files) != 0)
			files = NULL;
		/* chain[0] is the real function, named from the ELF symbol. */
		for (int k = depth - 1; k > 0 && n + 1 < max; k--) {
			Dwarf_Die *inl = &chain[k];
			Dwarf_Attribute attr;
			Dwarf_Word call_file = 0, call_line = 0;
			const char *call_src;

			out[n++] = (struct hs_frame_text){ own_copy(s, die_name(inl)), file, line,
							   object };
			if (dwarf_attr_integrate(inl, DW_AT_call_file, &attr) != NULL)
				dwarf_formudata(&attr, &call_file);
			if (dwarf_attr_integrate(inl, DW_AT_call_line, &attr) != NULL)
				dwarf_formudata(&attr, &call_line);
			call_src = files != NULL && call_file < n_files
					   ? dwarf_filesrc(files, call_file, NULL, NULL)
					   : NULL;
			if (call_src != NULL && call_line > 0) {
				file = own_copy(s, base_name(call_src));
				line = (unsigned)call_line;
			}
		}
	}
	out[n++] = (struct hs_frame_text){ function, file, line, object };
	return n;
}

/* Whether a and b name the same file: the unloaded note carries the path
 * the loader was given (possibly through a symlink), the map the real one. */
static int same_file(const char *a, const char *b)
{
	char ra[PATH_MAX], rb[PATH_MAX];

	if (strcmp(a, b) == 0)
		return 1;
	return realpath(a, ra) != NULL && realpath(b, rb) != NULL && strcmp(ra, rb) == 0;
}

/* Whether addr must be "???" because it lies where an object was
 * unloaded and another object (or none) is mapped there in the recorded
 * map: then the map would name the wrong code.  *object is the unloaded
 * object when only one ever was unloaded from there, else NULL. */
static int in_unloaded(struct symbolizer *s, uintptr_t addr, const char **object)
{
	const char *was = NULL;
	int ambiguous = 0;

	for (unsigned i = 0; i < s->n_unloaded; i++) {
		if (addr < s->unloaded[i].start || addr >= s->unloaded[i].end)
			continue;
		if (was != NULL && strcmp(was, s->unloaded[i].path) != 0)
			ambiguous = 1;
		was = s->unloaded[i].path;
	}
	if (was == NULL)
		return 0;
	Dwfl_Module *mod = s->dwfl != NULL ? dwfl_addrmodule(s->dwfl, addr) : NULL;
	const char *name =
		mod != NULL ? dwfl_module_info(mod, NULL, NULL, NULL, NULL, NULL, NULL, NULL) : NULL;
	if (!ambiguous && name != NULL && same_file(name, was))
		return 0;
	*object = ambiguous ? NULL : was;
	return 1;
}

/* Name addr, unless in_unloaded says "???". */
static unsigned symbolize_now(struct symbolizer *s, uintptr_t addr, struct hs_frame_text *out)
{
	const char *was = NULL;

	if (in_unloaded(s, addr, &was)) {
		out[0] = (struct hs_frame_text){ NULL, NULL, 0, was != NULL ? own_copy(s, was) : NULL };
		return 1;
	}
	if (s->dwfl == NULL) {
		out[0] = (struct hs_frame_text){ NULL, NULL, 0, NULL };
		return 1;
	}
	return symbolize_dw(s, addr, out, MAX_INLINE);
}

/* hs_function_fn: the function symbolize_now names last, from the
 * symbol table only (function_name comes before load_dwarf there). */
static const char *function_of(void *ctx, uintptr_t addr)
{
	struct symbolizer *s = ctx;
	const char *was = NULL;

	if (s == NULL || s->dwfl == NULL || in_unloaded(s, addr, &was))
		return NULL;
	Dwfl_Module *mod = dwfl_addrmodule(s->dwfl, addr);
	return mod != NULL ? function_name(s, mod, addr) : NULL;
}

/* hs_symbolize_fn: cached lookup of addr. */
static unsigned symbolize(void *ctx, uintptr_t addr, struct hs_frame_text *out, unsigned max)
{
	struct symbolizer *s = ctx;
	struct hs_frame_text frames[MAX_INLINE];
	struct entry *e;
	size_t i;
	unsigned n;

	if (max == 0)
		return 0;
	if (s == NULL) {
		out[0] = (struct hs_frame_text){ NULL, NULL, 0, NULL };
		return 1;
	}
	if (s->table_used * 2 >= s->table_cap) {
		size_t cap = s->table_cap == 0 ? 1024 : s->table_cap * 2;
		struct entry *grown = calloc(cap, sizeof(*grown));
		if (grown != NULL) {
			for (size_t j = 0; j < s->table_cap; j++) {
				if (s->table[j].frames == NULL)
					continue;
				size_t k = (s->table[j].addr * 0x9E3779B97F4A7C15ull) & (cap - 1);
				while (grown[k].frames != NULL)
					k = (k + 1) & (cap - 1);
				grown[k] = s->table[j];
			}
			free(s->table);
			s->table = grown;
			s->table_cap = cap;
		}
	}
	e = NULL;
	if (s->table_cap != 0) {
		for (i = (addr * 0x9E3779B97F4A7C15ull) & (s->table_cap - 1);
		     s->table[i].frames != NULL; i = (i + 1) & (s->table_cap - 1)) {
			if (s->table[i].addr == addr) {
				e = &s->table[i];
				break;
			}
		}
		if (e == NULL && s->table_used * 2 < s->table_cap) {
			n = symbolize_now(s, addr, frames);
			struct hs_frame_text *copy = malloc(n * sizeof(*copy));
			if (copy != NULL) {
				memcpy(copy, frames, n * sizeof(*copy));
				s->table[i] = (struct entry){ addr, n, copy };
				s->table_used++;
				e = &s->table[i];
			}
		}
	}
	if (e == NULL) {
		/* No memory for the cache: answer uncached. */
		n = symbolize_now(s, addr, frames);
		if (n > max)
			n = max;
		memcpy(out, frames, n * sizeof(*out));
		return n;
	}
	n = e->n < max ? e->n : max;
	/* Keep the outermost (real) function when max cuts the inline chain. */
	memcpy(out, e->frames + (e->n - n), n * sizeof(*out));
	return n;
}

/* Open path as the separate debug file of a module whose build-id is
 * id[0..len): -1 unless the file carries the same build-id. */
static int open_if_same_build_id(const char *path, const unsigned char *id, int len,
				 char **file_name)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	Elf *elf;
	const void *got = NULL;
	int same;

	if (fd < 0)
		return -1;
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	same = elf != NULL && dwelf_elf_gnu_build_id(elf, &got) == len &&
	       memcmp(got, id, (size_t)len) == 0;
	elf_end(elf);
	if (!same || (*file_name = strdup(path)) == NULL) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Dwfl_Callbacks.find_debuginfo: what dwfl_standard_find_debuginfo does
 * (build-id under /usr/lib/debug/.build-id, then the .gnu_debuglink name
 * next to the file, in its .debug/ and under /usr/lib/debug), without its
 * last resort, debuginfod: elfutils 0.188 loads libdebuginfod and libcurl
 * for it even without DEBUGINFOD_URLS. */
static int find_debuginfo_file(Dwfl_Module *mod, void **userdata, const char *modname,
			       GElf_Addr base, const char *file_name, const char *debuglink_file,
			       GElf_Word debuglink_crc, char **debuginfo_file_name)
{
	const unsigned char *id = NULL;
	GElf_Addr id_vaddr;
	int id_len = dwfl_module_build_id(mod, &id, &id_vaddr);
	char real[PATH_MAX], path[PATH_MAX * 2];
	char *slash;
	int fd;

	/* Without a build-id the standard search never asks debuginfod; it
	 * also checks the debuglink CRC, which only it can do here. */
	if (id_len <= 0)
		return dwfl_standard_find_debuginfo(mod, userdata, modname, base, file_name,
						    debuglink_file, debuglink_crc,
						    debuginfo_file_name);
	/* dwfl_build_id_find_debuginfo would keep its own handle on the
	 * file it opens, and libdw would read that one whatever fd this
	 * returns (the cache's inflated copy): the same path, opened here. */
	int n = snprintf(path, sizeof(path), "/usr/lib/debug/.build-id/%02x/", id[0]);
	for (int i = 1; i < id_len && (size_t)n < sizeof(path); i++)
		n += snprintf(path + n, sizeof(path) - (size_t)n, "%02x", id[i]);
	if ((size_t)n < sizeof(path))
		snprintf(path + n, sizeof(path) - (size_t)n, ".debug");
	fd = open_if_same_build_id(path, id, id_len, debuginfo_file_name);
	if (fd >= 0 || debuglink_file == NULL || file_name == NULL ||
	    realpath(file_name, real) == NULL)
		return fd;
	slash = strrchr(real, '/');
	if (slash == NULL)
		return -1;
	*slash = '\0';
	snprintf(path, sizeof(path), "%s/%s", real, debuglink_file);
	if (strcmp(path, file_name) != 0 &&
	    (fd = open_if_same_build_id(path, id, id_len, debuginfo_file_name)) >= 0)
		return fd;
	snprintf(path, sizeof(path), "%s/.debug/%s", real, debuglink_file);
	if ((fd = open_if_same_build_id(path, id, id_len, debuginfo_file_name)) >= 0)
		return fd;
	snprintf(path, sizeof(path), "/usr/lib/debug%s/%s", real, debuglink_file);
	return open_if_same_build_id(path, id, id_len, debuginfo_file_name);
}

/* find_debuginfo_file's answer, inflated once and for all (debugcache.h)
 * when it has a build-id and compressed sections. */
static int find_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname, GElf_Addr base,
			  const char *file_name, const char *debuglink_file,
			  GElf_Word debuglink_crc, char **debuginfo_file_name)
{
	int fd = find_debuginfo_file(mod, userdata, modname, base, file_name, debuglink_file,
				     debuglink_crc, debuginfo_file_name);
	const unsigned char *id = NULL;
	GElf_Addr id_vaddr;
	int id_len = fd >= 0 ? dwfl_module_build_id(mod, &id, &id_vaddr) : 0;
	return id_len > 0 ? hs_debugcache_swap(fd, id, id_len, debuginfo_file_name) : fd;
}

/* libdwfl finds modules' files by the paths in the map, and their
 * separate debug information locally, never through debuginfod. */
static const Dwfl_Callbacks callbacks = {
	.find_elf = dwfl_linux_proc_find_elf,
	.find_debuginfo = find_debuginfo,
};

/* The lines of the map (text, len bytes) that belong to a loaded object,
 * malloc'd, NUL-terminated, their length in *out_len; NULL without
 * memory.  libdw takes every mapping of a file as part of one module
 * spanning them all, so a plain mmap of an ELF file (a program reading a
 * library, or its own executable) would move the module: an object is
 * mapped from offset 0 on, so each offset-0 mapping starts a new instance
 * of its file, and only instances with an executable mapping are kept. */
static char *code_mappings(const char *text, size_t len, size_t *out_len)
{
	char *out = malloc(len + 2); /* a newline may be added, then the NUL */
	const char *line = text, *end = text + len;
	size_t start = 0; /* where the current instance's lines begin in out */
	const char *inst_path = NULL;
	size_t inst_path_len = 0;
	int inst_exec = 0;

	if (out == NULL)
		return NULL;
	*out_len = 0;
	while (line < end) {
		const char *eol = memchr(line, '\n', (size_t)(end - line));
		const char *next = eol != NULL ? eol + 1 : end;
		const char *path = memchr(line, '/', (size_t)(next - line));
		char perms[8] = "";
		unsigned long long offset = 1;
		size_t path_len = path != NULL ? (size_t)((eol != NULL ? eol : end) - path) : 0;
		char head[128];
		size_t head_len = (size_t)(next - line) < sizeof(head) - 1 ? (size_t)(next - line)
									   : sizeof(head) - 1;

		memcpy(head, line, head_len);
		head[head_len] = '\0';
		if (path == NULL || sscanf(head, "%*x-%*x %7s %llx", perms, &offset) != 2) {
			line = next;
			continue;
		}
		if (offset == 0 || inst_path == NULL || path_len != inst_path_len ||
		    memcmp(path, inst_path, path_len) != 0) {
			/* A new instance: drop the last one unless it had code. */
			if (!inst_exec)
				*out_len = start;
			start = *out_len;
			inst_path = path;
			inst_path_len = path_len;
			inst_exec = 0;
		}
		inst_exec |= strchr(perms, 'x') != NULL;
		memcpy(out + *out_len, line, (size_t)(next - line));
		*out_len += (size_t)(next - line);
		if (eol == NULL)
			out[(*out_len)++] = '\n';
		line = next;
	}
	if (!inst_exec)
		*out_len = start;
	out[*out_len] = '\0';
	return out;
}

/* Keep copies of the unloaded notes in s (replacing any); -1 without
 * memory. */
static int set_unloaded(struct symbolizer *s, const struct hs_unloaded *unloaded,
			unsigned n_unloaded)
{
	free(s->unloaded);
	s->unloaded = NULL;
	s->n_unloaded = 0;
	if (n_unloaded == 0)
		return 0;
	s->unloaded = calloc(n_unloaded, sizeof(*s->unloaded));
	if (s->unloaded == NULL)
		return -1;
	for (unsigned i = 0; i < n_unloaded; i++) {
		const char *path = own_copy(s, unloaded[i].path);
		if (path == NULL)
			return -1;
		s->unloaded[s->n_unloaded++] =
			(struct hs_unloaded){ unloaded[i].start, unloaded[i].end, path };
	}
	return 0;
}

/* Report the modules of the map (maps_text, len bytes) to s->dwfl, in
 * place of those reported before: libdwfl keeps a module reported again
 * under the same name at the same addresses, with all it has loaded, and
 * drops the others at dwfl_report_end.  On failure s->dwfl is ended and
 * NULL.  Returns 0 or -1. */
static int report_maps(struct symbolizer *s, const char *maps_text, size_t len)
{
	FILE *maps;
	char *code;
	size_t code_len = 0;
	int rc = 0;

	/* The same reading of the map libdw does for a live process
	 * (dwfl_linux_proc_report): one module per file, reported from its
	 * first mapping, which maps file offset 0, so libdwfl places it at
	 * that address minus its first PT_LOAD's page-aligned p_vaddr (PIE
	 * and shared objects), or where it was linked (non-PIE). */
	dwfl_report_begin(s->dwfl);
	code = code_mappings(maps_text, len, &code_len);
	maps = code != NULL && code_len > 0 ? fmemopen(code, code_len, "r") : NULL;
	if (code == NULL ||
	    (code_len > 0 && (maps == NULL || dwfl_linux_proc_maps_report(s->dwfl, maps) != 0)))
		rc = -1;
	if (maps != NULL)
		fclose(maps);
	free(code);
	if (dwfl_report_end(s->dwfl, NULL, NULL) != 0)
		rc = -1;
	if (rc != 0) {
		dwfl_end(s->dwfl);
		s->dwfl = NULL;
	}
	return rc;
}

/* The offline symbolizer for a recorded map (see symbols.h). */
int hs_symbols_open_maps(struct hs_symbolizer *sym, const char *maps_text, size_t len,
			 const struct hs_unloaded *unloaded, unsigned n_unloaded)
{
	struct symbolizer *s = calloc(1, sizeof(*s));

	sym->symbolize = symbolize;
	sym->function_of = function_of;
	sym->ctx = s;
	if (s == NULL)
		return -1;
	if (set_unloaded(s, unloaded, n_unloaded) != 0)
		return -1;
	/* find_debuginfo never calls debuginfod; should libdw call it some
	 * other way, without URLs it asks no server.  Only when set: the
	 * launcher unsets it before any thread or fork (unsetenv takes
	 * glibc's environment lock, which a forked child could inherit held). */
	if (getenv("DEBUGINFOD_URLS") != NULL)
		unsetenv("DEBUGINFOD_URLS");
	s->dwfl = dwfl_begin(&callbacks);
	if (s->dwfl == NULL)
		return -1;
	return report_maps(s, maps_text, len);
}

/* Free what s caches of names (everything but s->dwfl and s itself). */
static void drop_names(struct symbolizer *s)
{
	free(s->unloaded);
	s->unloaded = NULL;
	s->n_unloaded = 0;
	for (size_t i = 0; i < s->table_cap; i++)
		free(s->table[i].frames);
	free(s->table);
	s->table = NULL;
	s->table_cap = s->table_used = 0;
	for (size_t i = 0; i < s->n_strings; i++)
		free(s->strings[i]);
	free(s->strings);
	s->strings = NULL;
	s->n_strings = s->strings_cap = 0;
	free(s->ranges);
	s->ranges = NULL;
	s->n_ranges = s->ranges_cap = 0;
	for (size_t b = 0; b < CU_BUCKETS; b++) {
		while (s->cus[b] != NULL) {
			struct cu_funcs *next = s->cus[b]->next;
			for (size_t i = 0; i < s->cus[b]->n; i++) {
				if (s->cus[b]->fns[i].inl != NULL)
					free(s->cus[b]->fns[i].inl->r);
				free(s->cus[b]->fns[i].inl);
			}
			free(s->cus[b]->fns);
			free(s->cus[b]);
			s->cus[b] = next;
		}
	}
	while (s->mods != NULL) {
		struct mod_syms *next = s->mods->next;
		free(s->mods->spans);
		free(s->mods->sizeless);
		free(s->mods);
		s->mods = next;
	}
}

/* The modules of a Dwfl as they are reported: which object, where. */
struct mod_list {
	struct mod_place {
		Dwfl_Module *mod;
		Dwarf_Addr low, high;
	} *v;
	size_t n, cap;
	int failed;
};

static int list_module(Dwfl_Module *mod, void **userdata, const char *name, Dwarf_Addr start,
		       void *arg)
{
	struct mod_list *l = arg;
	(void)userdata;
	(void)name;
	(void)start;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 32;
		struct mod_place *grown = realloc(l->v, cap * sizeof(*grown));
		if (grown == NULL) {
			l->failed = 1;
			return DWARF_CB_ABORT;
		}
		l->v = grown;
		l->cap = cap;
	}
	struct mod_place *p = &l->v[l->n++];
	p->mod = mod;
	dwfl_module_info(mod, NULL, &p->low, &p->high, NULL, NULL, NULL, NULL);
	return DWARF_CB_OK;
}

static void list_modules(Dwfl *dwfl, struct mod_list *l)
{
	memset(l, 0, sizeof(*l));
	dwfl_getmodules(dwfl, list_module, l, 0);
}

/* Whether two lists hold the same modules at the same places (libdwfl
 * keeps the Dwfl_Module of a module reported again unchanged, so the
 * same pointer at the same addresses is the same object). */
static int same_modules(const struct mod_list *a, const struct mod_list *b)
{
	if (a->failed || b->failed || a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++)
		if (a->v[i].mod != b->v[i].mod || a->v[i].low != b->v[i].low ||
		    a->v[i].high != b->v[i].high)
			return 0;
	return 1;
}

/* The same symbolizer for a later map of the same process (symbols.h). */
int hs_symbols_reopen_maps(struct hs_symbolizer *sym, const char *maps_text, size_t len,
			   const struct hs_unloaded *unloaded, unsigned n_unloaded)
{
	struct symbolizer *s = sym->ctx;

	if (s == NULL || s->dwfl == NULL) {
		hs_symbols_close(sym);
		return hs_symbols_open_maps(sym, maps_text, len, unloaded, n_unloaded) == 0 ? 0
											      : -1;
	}
	struct mod_list before, after;
	int had_notes = s->n_unloaded > 0;
	list_modules(s->dwfl, &before);
	int rc = report_maps(s, maps_text, len);
	int kept = 0;
	if (rc == 0) {
		list_modules(s->dwfl, &after);
		/* The names given stay true only where every module is where it
		 * was and no note says something was unloaded.  Else forget
		 * them all: the caches are keyed by module and CU, which the
		 * new report may have freed and reused. */
		kept = !had_notes && n_unloaded == 0 && same_modules(&before, &after);
		free(after.v);
	}
	free(before.v);
	if (!kept)
		drop_names(s);
	if (set_unloaded(s, unloaded, n_unloaded) != 0)
		return -1;
	return rc == 0 ? kept : -1;
}

/* Release everything the symbolizer holds. */
void hs_symbols_close(struct hs_symbolizer *sym)
{
	struct symbolizer *s = sym->ctx;

	if (s == NULL)
		return;
	if (s->dwfl != NULL)
		dwfl_end(s->dwfl);
	drop_names(s);
	free(s);
	sym->ctx = NULL;
}

/* What hs_symbols_find_functions gathers while it walks the modules. */
struct find_fns {
	struct symbolizer *s;
	int (*maybe)(void *arg, const char *raw_name);
	int (*classify)(void *arg, const char *function);
	void *arg;
	struct hs_fn_range *r;
	size_t n, cap;
	int failed;
};

/* Every sized function symbol of mod: a candidate when its own name is
 * wanted, kept with the kind of the name the symbolizer gives its code
 * (an alias may be the name chosen), so the program decides as the
 * resolver's filter would. */
static int find_in_module(Dwfl_Module *mod, void **userdata, const char *name, Dwarf_Addr start,
			  void *arg)
{
	struct find_fns *f = arg;
	int n_syms = dwfl_module_getsymtab(mod);

	(void)userdata, (void)name, (void)start;
	for (int i = 1; i < n_syms && !f->failed; i++) {
		GElf_Sym sym;
		GElf_Addr addr;
		GElf_Word shndx = SHN_UNDEF;
		const char *sym_name =
			dwfl_module_getsym_info(mod, i, &sym, &addr, &shndx, NULL, NULL);
		int type = GELF_ST_TYPE(sym.st_info);

		if (sym_name == NULL || shndx == SHN_UNDEF || sym.st_size == 0 ||
		    (type != STT_FUNC && type != STT_GNU_IFUNC))
			continue;
		if (f->maybe != NULL && !f->maybe(f->arg, sym_name))
			continue;
		const char *own_name = demangled(f->s, sym_name);
		if (own_name == NULL || f->classify(f->arg, own_name) == 0)
			continue;
		const char *named = function_name(f->s, mod, (uintptr_t)addr);
		int kind = named != NULL ? f->classify(f->arg, named) : 0;
		if (kind == 0)
			continue;
		if (f->n == f->cap) {
			size_t cap = f->cap == 0 ? 64 : f->cap * 2;
			struct hs_fn_range *grown = realloc(f->r, cap * sizeof(*grown));
			if (grown == NULL) {
				f->failed = 1;
				break;
			}
			f->r = grown;
			f->cap = cap;
		}
		f->r[f->n++] = (struct hs_fn_range){ addr, addr + sym.st_size, (uint64_t)kind };
	}
	return f->failed ? DWARF_CB_ABORT : DWARF_CB_OK;
}

static int fn_range_by_lo(const void *a, const void *b)
{
	uint64_t x = ((const struct hs_fn_range *)a)->lo, y = ((const struct hs_fn_range *)b)->lo;

	return x < y ? -1 : x > y;
}

struct hs_fn_range *hs_symbols_find_functions(struct hs_symbolizer *sym,
					      int (*maybe)(void *arg, const char *raw_name),
					      int (*classify)(void *arg, const char *function),
					      void *arg, size_t *n)
{
	struct symbolizer *s = sym->ctx;
	struct find_fns f = { s, maybe, classify, arg, NULL, 0, 0, 0 };

	*n = 0;
	if (s == NULL || s->dwfl == NULL)
		return NULL;
	dwfl_getmodules(s->dwfl, find_in_module, &f, 0);
	if (f.failed || f.n == 0) {
		free(f.r);
		return NULL;
	}
	qsort(f.r, f.n, sizeof(*f.r), fn_range_by_lo);
	*n = f.n;
	return f.r;
}
