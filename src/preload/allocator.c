/* allocator: whether glibc's malloc is the program's (see allocator.h). */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <gnu/libc-version.h>
#include <link.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "allocator.h"
#include "lifecycle.h"

_Atomic int hs_alloc_kind = HS_ALLOC_UNKNOWN;
struct hs_next_alloc hs_next_alloc;

static const char *g_replaced;
static char g_replacer[1024];
static int g_replacer_is_program;

const char *hs_alloc_replaced(void)
{
	return g_replaced != NULL ? g_replaced : "malloc";
}

const char *hs_alloc_replacer(void)
{
	return g_replacer[0] != '\0' ? g_replacer : "an unnamed module";
}

int hs_alloc_replacer_is_program(void)
{
	return g_replacer_is_program;
}

/* The GNU hash of name (DT_GNU_HASH). */
static uint32_t gnu_hash(const char *name)
{
	uint32_t h = 5381;
	for (const unsigned char *c = (const unsigned char *)name; *c != '\0'; c++)
		h = h * 33 + *c;
	return h;
}

/* The SysV hash of name (DT_HASH). */
static uint32_t sysv_hash(const char *name)
{
	uint32_t h = 0;
	for (const unsigned char *c = (const unsigned char *)name; *c != '\0'; c++) {
		h = (h << 4) + *c;
		uint32_t g = h & 0xf0000000u;
		if (g != 0)
			h ^= g >> 24;
		h &= ~g;
	}
	return h;
}

/* Whether symbol sym is a definition of the function name. */
static int defines_sym(const ElfW(Sym) * sym, const char *strtab, const char *name)
{
	int type = ELF64_ST_TYPE(sym->st_info);
	return sym->st_shndx != SHN_UNDEF && sym->st_value != 0 &&
	       (type == STT_FUNC || type == STT_GNU_IFUNC) &&
	       ELF64_ST_BIND(sym->st_info) != STB_LOCAL && strcmp(strtab + sym->st_name, name) == 0;
}

/* Whether module lm defines the function name, from its own dynamic
 * symbol table and hash table (the loader's lookups search a scope, not
 * one module; dlsym on a module's link map needs a scope that only
 * dlopen sets up). */
static int module_defines(const struct link_map *lm, const char *name)
{
	const ElfW(Sym) *symtab = NULL;
	const char *strtab = NULL;
	const uint32_t *gnu = NULL, *sysv = NULL;

	for (const ElfW(Dyn) *d = lm->l_ld; d != NULL && d->d_tag != DT_NULL; d++) {
		/* glibc relocates these in place, except in a read-only
		 * dynamic section (the vDSO's). */
		uintptr_t v = d->d_un.d_ptr;
		if (v < lm->l_addr)
			v += lm->l_addr;
		if (d->d_tag == DT_SYMTAB)
			symtab = (const void *)v;
		else if (d->d_tag == DT_STRTAB)
			strtab = (const void *)v;
		else if (d->d_tag == DT_GNU_HASH)
			gnu = (const void *)v;
		else if (d->d_tag == DT_HASH)
			sysv = (const void *)v;
	}
	if (symtab == NULL || strtab == NULL)
		return 0;
	if (gnu != NULL) {
		uint32_t n_buckets = gnu[0], first = gnu[1], bloom_words = gnu[2];
		const uint32_t *buckets = gnu + 4 + bloom_words * (sizeof(ElfW(Addr)) / 4);
		uint32_t h = gnu_hash(name);
		if (n_buckets == 0)
			return 0;
		uint32_t i = buckets[h % n_buckets];
		for (uint32_t steps = 0; i >= first && steps < (1u << 20); i++, steps++) {
			uint32_t chain = buckets[n_buckets + i - first];
			if ((chain | 1) == (h | 1) && defines_sym(&symtab[i], strtab, name))
				return 1;
			if (chain & 1)
				break;
		}
		return 0;
	}
	if (sysv != NULL && sysv[0] != 0) {
		uint32_t n_buckets = sysv[0], n_chain = sysv[1];
		const uint32_t *chains = sysv + 2 + n_buckets;
		uint32_t i = sysv[2 + sysv_hash(name) % n_buckets];
		for (uint32_t steps = 0; i != STN_UNDEF && i < n_chain && steps < n_chain;
		     steps++) {
			if (defines_sym(&symtab[i], strtab, name))
				return 1;
			i = chains[i];
		}
	}
	return 0;
}

/* The module that maps address f, or NULL. */
static struct link_map *module_of(void *f)
{
	struct link_map *lm = NULL;
	Dl_info info;

#ifdef HAVE__DL_FIND_OBJECT
	struct dl_find_object found;
	if (_dl_find_object(f, &found) == 0 && found.dlfo_link_map != NULL)
		return found.dlfo_link_map;
#endif
	if (dladdr1(f, &info, (void **)&lm, RTLD_DL_LINKMAP) == 0)
		return NULL;
	return lm;
}

/* The module whose definition of name the address f (from the loader:
 * dlsym, or our reference to it) runs; NULL when there is none.  That is
 * f's module, but for a PLT entry of a non-PIE executable that takes the
 * function's address (an undefined symbol with a value: that entry then
 * stands for the function everywhere, dlsym's answer included): then the
 * first module after the executable, before stop, that defines name, or
 * stop. */
static struct link_map *definer(void *f, const char *name, struct link_map *stop)
{
	Dl_info info;
	const ElfW(Sym) *sym = NULL;
	struct link_map *lm = f != NULL ? module_of(f) : NULL;

	if (lm == NULL)
		return NULL;
	/* Only the executable has such entries; dladdr's symbol scan (some
	 * 60,000 instructions in libc.so.6) is kept for it. */
	if (lm->l_prev != NULL)
		return lm;
	if (dladdr1(f, &info, (void **)&sym, RTLD_DL_SYMENT) == 0 || sym == NULL ||
	    sym->st_shndx != SHN_UNDEF)
		return lm;
	for (struct link_map *m = lm->l_next; m != NULL && m != stop; m = m->l_next)
		if (module_defines(m, name))
			return m;
	return stop;
}

/* Whether lm (NULL: no definition) is neither libc.so.6 nor ours (self);
 * if so, it is noted as what replaces name. */
static int replaced(const char *name, const struct link_map *lm, const struct link_map *libc,
		    const struct link_map *self)
{
	extern char *program_invocation_name;

	if (lm == NULL || lm == libc || lm == self)
		return 0;
	/* Two threads deciding at once write the same bytes here. */
	g_replaced = name;
	/* The executable is the first module; its name is "" (unless run
	 * through ld.so): the program's as it was started. */
	g_replacer_is_program = lm->l_prev == NULL;
	const char *path = lm->l_name != NULL && lm->l_name[0] != '\0' ? lm->l_name
			   : g_replacer_is_program                     ? program_invocation_name
								       : "";
	size_t len = strnlen(path, sizeof(g_replacer) - 1);
	memcpy(g_replacer, path, len);
	g_replacer[len] = '\0';
	return 1;
}

/* Stand-ins for a next definition that is missing (none of glibc's is:
 * only a lookup order with libc.so.6 before us could miss one). */
static void *next_reallocarray(void *p, size_t m, size_t n)
{
	size_t total;

	if (__builtin_mul_overflow(m, n, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	return hs_next_alloc.realloc(p, total);
}

static int next_posix_memalign(void **out, size_t align, size_t n)
{
	if (align % sizeof(void *) != 0 || align == 0 ||
	    ((align / sizeof(void *)) & (align / sizeof(void *) - 1)) != 0)
		return EINVAL;
	void *p = hs_next_alloc.memalign(align, n);
	if (p == NULL)
		return ENOMEM;
	*out = p;
	return 0;
}

/* The next definition of name, else fallback. */
static void *next_or(const char *name, void *fallback)
{
	void *f = dlsym(RTLD_NEXT, name);
	return f != NULL ? f : fallback;
}

/* The decision, guard raised. */
static int decide(void)
{
	static const char *const family[] = { "malloc", "free", "calloc", "realloc",
					      "malloc_usable_size" };
	const struct {
		const char *name;
		void *f;
	} ours[] = {
		{ "__libc_malloc", (void *)__libc_malloc },
		{ "__libc_free", (void *)__libc_free },
		{ "__libc_calloc", (void *)__libc_calloc },
		{ "__libc_realloc", (void *)__libc_realloc },
		{ "__libc_memalign", (void *)__libc_memalign },
		{ "__libc_valloc", (void *)__libc_valloc },
		{ "__libc_pvalloc", (void *)__libc_pvalloc },
	};
	struct link_map *self = NULL, *libc = NULL;
	int other = 0;

	/* Cannot tell (no loader information): as glibc's, as before. */
	self = module_of((void *)hs_alloc_decide);
	libc = module_of((void *)gnu_get_libc_version);
	if (self == NULL || libc == NULL)
		return HS_ALLOC_GLIBC;
	/* Defined before us (the executable, an LD_PRELOAD library ahead of
	 * ours): the program's calls never reach us.  Defined after us (a
	 * library the program links, one preloaded after ours): we would
	 * hand out glibc's blocks where it expects its own. */
	for (size_t i = 0; i < sizeof(family) / sizeof(family[0]) && !other; i++)
		other = replaced(family[i],
				 definer(dlsym(RTLD_DEFAULT, family[i]), family[i], self), libc,
				 self) ||
			replaced(family[i], definer(dlsym(RTLD_NEXT, family[i]), family[i], NULL),
				 libc, NULL);
	/* glibc's own entry points, taken over (tcmalloc defines them). */
	for (size_t i = 0; i < sizeof(ours) / sizeof(ours[0]) && !other; i++)
		other = replaced(ours[i].name, definer(ours[i].f, ours[i].name, NULL), libc, NULL);
	if (!other)
		return HS_ALLOC_GLIBC;
	hs_next_alloc.malloc = (void *(*)(size_t))next_or("malloc", (void *)__libc_malloc);
	hs_next_alloc.free = (void (*)(void *))next_or("free", (void *)__libc_free);
	hs_next_alloc.calloc = (void *(*)(size_t, size_t))next_or("calloc", (void *)__libc_calloc);
	hs_next_alloc.realloc =
		(void *(*)(void *, size_t))next_or("realloc", (void *)__libc_realloc);
	hs_next_alloc.reallocarray = (void *(*)(void *, size_t, size_t))next_or(
		"reallocarray", (void *)next_reallocarray);
	hs_next_alloc.memalign =
		(void *(*)(size_t, size_t))next_or("memalign", (void *)__libc_memalign);
	hs_next_alloc.aligned_alloc =
		(void *(*)(size_t, size_t))next_or("aligned_alloc", (void *)hs_next_alloc.memalign);
	hs_next_alloc.posix_memalign = (int (*)(void **, size_t, size_t))next_or(
		"posix_memalign", (void *)next_posix_memalign);
	hs_next_alloc.valloc = (void *(*)(size_t))next_or("valloc", (void *)__libc_valloc);
	hs_next_alloc.pvalloc = (void *(*)(size_t))next_or("pvalloc", (void *)__libc_pvalloc);
	return HS_ALLOC_OTHER;
}

int hs_alloc_decide(void)
{
	int kind = atomic_load_explicit(&hs_alloc_kind, memory_order_acquire);

	if (kind != HS_ALLOC_UNKNOWN)
		return kind;
	int saved = errno;
	hs_tl_guard++; /* dlsym's and dladdr's allocations go to the own heap */
	kind = decide();
	hs_tl_guard--;
	errno = saved;
	atomic_store_explicit(&hs_alloc_kind, kind, memory_order_release);
	return kind;
}
