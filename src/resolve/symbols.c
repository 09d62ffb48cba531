/* symbols: code address -> function, file:line, object (see symbols.h).
 *
 * elfutils libdw is loaded with dlopen when the file is written, never at
 * the program's start-up, and only the few functions used here are looked
 * up with dlsym (libheapsnap.so does not link libdw).  Names are given as
 * Valgrind gives them: the ELF symbol of the address, demangled, for the
 * real function; DW_AT_name for inlined callers; file names reduced to
 * their base name; "(in object)" when there is no line information.
 *
 * This runs with the preload guard raised, so it may use malloc freely:
 * those blocks go to glibc uncounted.  Results are cached per address.
 */
#include "config.h"

#include <dlfcn.h>
#include <stdatomic.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <dwarf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "symbols.h"

/* Most frames one address expands into (inline depth + 1). */
#define MAX_INLINE 32

/* Objects unloaded by dlclose: a fixed table, filled without allocating
 * or locking (a lock held across fork would hang the child): a writer
 * claims a slot, fills it, then marks it ready. */
#define MAX_UNLOADED 128
#define UNLOADED_PATH_MAX 512
static struct unloaded {
	atomic_int ready;
	uintptr_t start, end;
	char path[UNLOADED_PATH_MAX];
} g_unloaded[MAX_UNLOADED];
static atomic_uint g_n_unloaded;

/* The libdw functions we use, found with dlsym. */
struct dw_api {
	void *handle;
	Dwfl *(*begin)(const Dwfl_Callbacks *);
	void (*end)(Dwfl *);
	int (*proc_report)(Dwfl *, pid_t);
	int (*report_end)(Dwfl *, int (*)(Dwfl_Module *, void *, const char *, Dwarf_Addr, void *),
			  void *);
	Dwfl_Module *(*addrmodule)(Dwfl *, Dwarf_Addr);
	int (*module_getsymtab)(Dwfl_Module *);
	const char *(*module_getsym_info)(Dwfl_Module *, int, GElf_Sym *, GElf_Addr *, GElf_Word *,
					  Elf **, Dwarf_Addr *);
	const char *(*module_addrinfo)(Dwfl_Module *, GElf_Addr, GElf_Off *, GElf_Sym *,
				       GElf_Word *, Elf **, Dwarf_Addr *);
	const char *(*module_info)(Dwfl_Module *, void ***, Dwarf_Addr *, Dwarf_Addr *,
				   Dwarf_Addr *, Dwarf_Addr *, const char **, const char **);
	Dwfl_Line *(*module_getsrc)(Dwfl_Module *, Dwarf_Addr);
	const char *(*lineinfo)(Dwfl_Line *, Dwarf_Addr *, int *, int *, Dwarf_Word *,
				Dwarf_Word *);
	Dwarf_Die *(*module_addrdie)(Dwfl_Module *, Dwarf_Addr, Dwarf_Addr *);
	int (*getscopes)(Dwarf_Die *, Dwarf_Addr, Dwarf_Die **);
	int (*getscopes_die)(Dwarf_Die *, Dwarf_Die **);
	int (*tag)(Dwarf_Die *);
	Dwarf_Attribute *(*attr_integrate)(Dwarf_Die *, unsigned int, Dwarf_Attribute *);
	const char *(*formstring)(Dwarf_Attribute *);
	int (*formudata)(Dwarf_Attribute *, Dwarf_Word *);
	int (*getsrcfiles)(Dwarf_Die *, Dwarf_Files **, size_t *);
	const char *(*filesrc)(Dwarf_Files *, size_t, Dwarf_Word *, Dwarf_Word *);
	void *find_elf;       /* dwfl_linux_proc_find_elf */
	void *find_debuginfo; /* dwfl_standard_find_debuginfo */
};

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
	int has_sizeless;
	struct mod_syms *next;
};

struct symbolizer {
	struct dw_api dw;
	Dwfl *dwfl;
	Dwfl_Callbacks callbacks;
	char *(*demangle)(const char *, char *, size_t *, int *);
	void *libstdcxx;
	struct entry *table;
	size_t table_cap, table_used;
	char **strings; /* every string we own, freed at close */
	size_t n_strings, strings_cap;
	struct fn_range *ranges; /* functions already named, sorted by lo */
	size_t n_ranges, ranges_cap;
	struct mod_syms *mods;
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

/* The demangled form of name (Massif prints "f(int)"), owned by s. */
static const char *demangled(struct symbolizer *s, const char *name)
{
	int status = -1;
	char *out;

	if (name == NULL)
		return NULL;
	if (name[0] != '_' || name[1] != 'Z' || s->demangle == NULL)
		return own_copy(s, name);
	out = s->demangle(name, NULL, NULL, &status);
	if (status != 0 || out == NULL) {
		free(out);
		return own_copy(s, name);
	}
	return own(s, out);
}

/* The last path component of path, as Valgrind prints file names. */
static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash != NULL ? slash + 1 : path;
}

/* Find __cxa_demangle in the process, or in libstdc++ loaded now. */
static void find_demangler(struct symbolizer *s)
{
	s->demangle = (char *(*)(const char *, char *, size_t *, int *))dlsym(RTLD_DEFAULT,
									      "__cxa_demangle");
	if (s->demangle != NULL)
		return;
	s->libstdcxx = dlopen("libstdc++.so.6", RTLD_LAZY | RTLD_LOCAL);
	if (s->libstdcxx != NULL)
		s->demangle = (char *(*)(const char *, char *, size_t *, int *))dlsym(
			s->libstdcxx, "__cxa_demangle");
}

/* dlopen libdw and look up what we use; 0 when all were found. */
static int load_libdw(struct dw_api *dw)
{
	void *h = dlopen(HS_LIBDW_SONAME, RTLD_LAZY | RTLD_LOCAL);
	void *missing = (void *)1;

	if (h == NULL)
		return -1;
	dw->handle = h;
#define LOOK(field, name)                                                                          \
	do {                                                                                       \
		*(void **)&dw->field = dlsym(h, name);                                             \
		if (dw->field == NULL)                                                             \
			missing = NULL;                                                            \
	} while (0)
	LOOK(begin, "dwfl_begin");
	LOOK(end, "dwfl_end");
	LOOK(proc_report, "dwfl_linux_proc_report");
	LOOK(report_end, "dwfl_report_end");
	LOOK(addrmodule, "dwfl_addrmodule");
	LOOK(module_getsymtab, "dwfl_module_getsymtab");
	LOOK(module_getsym_info, "dwfl_module_getsym_info");
	LOOK(module_addrinfo, "dwfl_module_addrinfo");
	LOOK(module_info, "dwfl_module_info");
	LOOK(module_getsrc, "dwfl_module_getsrc");
	LOOK(lineinfo, "dwfl_lineinfo");
	LOOK(module_addrdie, "dwfl_module_addrdie");
	LOOK(getscopes, "dwarf_getscopes");
	LOOK(getscopes_die, "dwarf_getscopes_die");
	LOOK(tag, "dwarf_tag");
	LOOK(attr_integrate, "dwarf_attr_integrate");
	LOOK(formstring, "dwarf_formstring");
	LOOK(formudata, "dwarf_formudata");
	LOOK(getsrcfiles, "dwarf_getsrcfiles");
	LOOK(filesrc, "dwarf_filesrc");
	LOOK(find_elf, "dwfl_linux_proc_find_elf");
	LOOK(find_debuginfo, "dwfl_standard_find_debuginfo");
#undef LOOK
	if (missing == NULL) {
		dlclose(h);
		dw->handle = NULL;
		return -1;
	}
	return 0;
}

/* A DIE's name, following abstract origins (inlined instances). */
static const char *die_name(struct symbolizer *s, Dwarf_Die *die)
{
	Dwarf_Attribute attr;

	if (s->dw.attr_integrate(die, DW_AT_name, &attr) == NULL)
		return NULL;
	return s->dw.formstring(&attr);
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
	n_syms = s->dw.module_getsymtab(mod);
	m->spans = n_syms > 1 ? malloc((size_t)n_syms * sizeof(*m->spans)) : NULL;
	if (m->spans == NULL && n_syms > 1)
		m->has_sizeless = 1; /* unknown: always ask libdw */
	for (int i = 1; m->spans != NULL && i < n_syms; i++) {
		GElf_Sym sym;
		GElf_Addr addr;
		GElf_Word shndx = SHN_UNDEF;
		const char *name =
			s->dw.module_getsym_info(mod, i, &sym, &addr, &shndx, NULL, NULL);
		int type = GELF_ST_TYPE(sym.st_info);

		/* The symbols libdw weighs: defined, not sections, files or TLS. */
		if (name == NULL || shndx == SHN_UNDEF || type == STT_SECTION || type == STT_FILE ||
		    type == STT_TLS)
			continue;
		if (sym.st_size == 0) {
			/* Only a function could change a "???" into a name. */
			if (type == STT_FUNC || type == STT_GNU_IFUNC)
				m->has_sizeless = 1;
			continue;
		}
		m->spans[m->n++] =
			(struct sym_span){ (uintptr_t)addr, (uintptr_t)(addr + sym.st_size), 0,
					   name, type };
	}
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
	name = s->dw.module_addrinfo(mod, addr, &offset, &sym, NULL, NULL, NULL);
	type = name != NULL ? GELF_ST_TYPE(sym.st_info) : STT_NOTYPE;
	/* Valgrind names code from function symbols only: an assembly
	 * label such as ld.so's _dl_start_user (NOTYPE) stays "???". */
	if (type == STT_FUNC || type == STT_GNU_IFUNC)
		function = demangled(s, name);
	/* Remember sized symbols that don't overlap a known range. */
	if (name != NULL && sym.st_size > 0 && offset <= addr) {
		uintptr_t lo = addr - offset, hi = lo + sym.st_size;
		if ((at == 0 || s->ranges[at - 1].hi <= lo) &&
		    (at == s->n_ranges || hi <= s->ranges[at].lo)) {
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

/* Name addr with libdw: fills out innermost-first, returns the count. */
static unsigned symbolize_dw(struct symbolizer *s, uintptr_t addr, struct hs_frame_text *out,
			     unsigned max)
{
	Dwfl_Module *mod = s->dw.addrmodule(s->dwfl, addr);
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
			s->dw.module_info(mod, NULL, NULL, NULL, NULL, NULL, &mainfile, NULL);
		/* The module name is the path from /proc/PID/maps. */
		object = own_copy(s, name != NULL && name[0] == '/' ? name : mainfile);
	}
	function = function_name(s, mod, addr);
	{
		Dwfl_Line *l = s->dw.module_getsrc(mod, addr);
		int lineno = 0;
		const char *src =
			l != NULL ? s->dw.lineinfo(l, NULL, &lineno, NULL, NULL, NULL) : NULL;
		if (src != NULL && lineno > 0) {
			file = own_copy(s, base_name(src));
			line = (unsigned)lineno;
		}
	}
	/* Inlined calls at addr, innermost first: each one is named by its
	 * own DIE and placed at its caller's call_file:call_line.  Past the
	 * innermost inline instance dwarf_getscopes climbs the abstract
	 * definition, so each next level comes from dwarf_getscopes_die of
	 * the concrete instance (as eu-addr2line -i does). */
	if (file != NULL) {
		Dwarf_Addr bias = 0;
		Dwarf_Die *cu = s->dw.module_addrdie(mod, addr, &bias);
		Dwarf_Die *scopes = NULL;
		int n_scopes = cu != NULL ? s->dw.getscopes(cu, addr - bias, &scopes) : 0;
		Dwarf_Files *files = NULL;
		size_t n_files = 0;
		Dwarf_Die inl;
		int have = 0;

		if (cu != NULL && s->dw.getsrcfiles(cu, &files, &n_files) != 0)
			files = NULL;
		for (int i = 0; i < n_scopes; i++) {
			int tag = s->dw.tag(&scopes[i]);
			if (tag == DW_TAG_subprogram)
				break;
			if (tag == DW_TAG_inlined_subroutine) {
				inl = scopes[i];
				have = 1;
				break;
			}
		}
		free(scopes);
		while (have && n + 1 < max && n + 1 < MAX_INLINE) {
			Dwarf_Attribute attr;
			Dwarf_Word call_file = 0, call_line = 0;
			const char *call_src;
			Dwarf_Die *chain = NULL;
			int n_chain;

			out[n++] = (struct hs_frame_text){ own_copy(s, die_name(s, &inl)), file,
							   line, object };
			if (s->dw.attr_integrate(&inl, DW_AT_call_file, &attr) != NULL)
				s->dw.formudata(&attr, &call_file);
			if (s->dw.attr_integrate(&inl, DW_AT_call_line, &attr) != NULL)
				s->dw.formudata(&attr, &call_line);
			call_src = files != NULL && call_file < n_files
					   ? s->dw.filesrc(files, call_file, NULL, NULL)
					   : NULL;
			if (call_src != NULL && call_line > 0) {
				file = own_copy(s, base_name(call_src));
				line = (unsigned)call_line;
			}
			/* The next enclosing inline instance, if any. */
			have = 0;
			n_chain = s->dw.getscopes_die(&inl, &chain);
			for (int i = 1; i < n_chain; i++) {
				int tag = s->dw.tag(&chain[i]);
				if (tag == DW_TAG_subprogram)
					break;
				if (tag == DW_TAG_inlined_subroutine) {
					inl = chain[i];
					have = 1;
					break;
				}
			}
			free(chain);
		}
	}
	out[n++] = (struct hs_frame_text){ function, file, line, object };
	return n;
}

/* Name addr from the dynamic symbol table only (no libdw). */
static unsigned symbolize_dladdr(struct symbolizer *s, uintptr_t addr, struct hs_frame_text *out)
{
	Dl_info info;

	out[0] = (struct hs_frame_text){ NULL, NULL, 0, NULL };
	if (dladdr((void *)addr, &info) != 0) {
		out[0].function = demangled(s, info.dli_sname);
		out[0].object = own_copy(s, info.dli_fname);
	}
	return 1;
}

/* Note an unloaded object (see symbols.h). */
void hs_symbols_note_unloaded(uintptr_t start, uintptr_t end, const char *path)
{
	unsigned n = atomic_load(&g_n_unloaded);

	/* The same object closed again at the same place: already noted. */
	for (unsigned i = 0; i < n && i < MAX_UNLOADED; i++) {
		if (atomic_load_explicit(&g_unloaded[i].ready, memory_order_acquire) &&
		    g_unloaded[i].start == start && g_unloaded[i].end == end &&
		    strncmp(g_unloaded[i].path, path, UNLOADED_PATH_MAX - 1) == 0)
			return;
	}
	unsigned i = atomic_fetch_add(&g_n_unloaded, 1);
	if (i >= MAX_UNLOADED)
		return;
	struct unloaded *u = &g_unloaded[i];
	u->start = start;
	u->end = end;
	strncpy(u->path, path, UNLOADED_PATH_MAX - 1);
	u->path[UNLOADED_PATH_MAX - 1] = '\0';
	atomic_store_explicit(&u->ready, 1, memory_order_release);
}

/* Name addr, unless it lies where an object was unloaded and something
 * else (or nothing) is mapped there now: then the current mappings would
 * name the wrong code, so it is "???", "in" the unloaded object when only
 * one object ever was unloaded from there. */
static unsigned symbolize_now(struct symbolizer *s, uintptr_t addr, struct hs_frame_text *out)
{
	const char *was = NULL;
	int ambiguous = 0;

	unsigned n = atomic_load(&g_n_unloaded);
	for (unsigned i = 0; i < n && i < MAX_UNLOADED; i++) {
		if (!atomic_load_explicit(&g_unloaded[i].ready, memory_order_acquire) ||
		    addr < g_unloaded[i].start || addr >= g_unloaded[i].end)
			continue;
		if (was != NULL && strcmp(was, g_unloaded[i].path) != 0)
			ambiguous = 1;
		was = g_unloaded[i].path;
	}
	if (was != NULL) {
		Dl_info info;
		if (ambiguous || dladdr((void *)addr, &info) == 0 || info.dli_fname == NULL ||
		    strcmp(info.dli_fname, was) != 0) {
			out[0] = (struct hs_frame_text){ NULL, NULL, 0,
							 ambiguous ? NULL : own_copy(s, was) };
			return 1;
		}
	}
	return s->dwfl != NULL ? symbolize_dw(s, addr, out, MAX_INLINE)
			       : symbolize_dladdr(s, addr, out);
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

/* The libdw symbolizer for the current process. */
int hs_symbols_open(struct hs_symbolizer *sym)
{
	struct symbolizer *s = calloc(1, sizeof(*s));
	int rc = 0;

	sym->symbolize = symbolize;
	sym->ctx = s;
	if (s == NULL)
		return -1;
	find_demangler(s);
	if (load_libdw(&s->dw) != 0)
		return -1;
	s->callbacks.find_elf = (int (*)(Dwfl_Module *, void **, const char *, Dwarf_Addr, char **,
					 Elf **))s->dw.find_elf;
	s->callbacks.find_debuginfo =
		(int (*)(Dwfl_Module *, void **, const char *, Dwarf_Addr, const char *,
			 const char *, GElf_Word, char **))s->dw.find_debuginfo;
	s->dwfl = s->dw.begin(&s->callbacks);
	if (s->dwfl == NULL)
		return -1;
	if (s->dw.proc_report(s->dwfl, getpid()) != 0 ||
	    s->dw.report_end(s->dwfl, NULL, NULL) != 0) {
		s->dw.end(s->dwfl);
		s->dwfl = NULL;
		rc = -1;
	}
	return rc;
}

/* Release everything the symbolizer holds. */
void hs_symbols_close(struct hs_symbolizer *sym)
{
	struct symbolizer *s = sym->ctx;

	if (s == NULL)
		return;
	if (s->dwfl != NULL)
		s->dw.end(s->dwfl);
	/* libdw stays loaded: its atexit-time state may still be referenced. */
	for (size_t i = 0; i < s->table_cap; i++)
		free(s->table[i].frames);
	free(s->table);
	for (size_t i = 0; i < s->n_strings; i++)
		free(s->strings[i]);
	free(s->strings);
	free(s->ranges);
	while (s->mods != NULL) {
		struct mod_syms *next = s->mods->next;
		free(s->mods->spans);
		free(s->mods);
		s->mods = next;
	}
	free(s);
	sym->ctx = NULL;
}
