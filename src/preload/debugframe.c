/* debugframe: FDEs from .debug_frame, without malloc (see debugframe.h). */
#include "config.h"

#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "debugframe.h"

/* Objects indexed at most (each object the walk misses in takes one, with
 * or without a .debug_frame); past that, no .debug_frame lookups. */
#define MAX_OBJECTS 256

enum { OBJ_FREE, OBJ_BUILDING, OBJ_READY, OBJ_NONE };

/* One FDE: its start address (run time) and offset in the section. */
struct entry {
	uintptr_t pc;
	uintptr_t off;
};

struct object {
	_Atomic int state;
	unsigned generation; /* g_generation when built: older ones are stale */
	const void *map;     /* the key: the object's link_map... */
	uintptr_t map_start; /* ...and where it is mapped (a reused link_map moves) */
	const uint8_t *sec;  /* .debug_frame in the file's mapping */
	size_t sec_size;
	uintptr_t bias;
	const struct entry *tab; /* sorted by pc */
	size_t n;
};

static struct object g_objects[MAX_OBJECTS];

/* Bumped at every dlclose: a new object may take an old one's link_map
 * and address.  Stale slots are left as they are (a walk may still be
 * reading their tables), so each dlclose can cost the slots in use. */
static atomic_uint g_generation;

void hs_debugframe_forget(void)
{
	atomic_fetch_add(&g_generation, 1);
}

/* The object's file, mapped read-only (raw system calls: open and read
 * through libc are cancellation points).  Returns the mapping, or NULL. */
static const uint8_t *map_file(const char *path, size_t *size)
{
	struct stat st;
	void *p;
	long fd = syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	if (syscall(SYS_fstat, fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (size_t)st.st_size < sizeof(Elf64_Ehdr)) {
		syscall(SYS_close, fd);
		return NULL;
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, (int)fd, 0);
	syscall(SYS_close, fd);
	if (p == MAP_FAILED)
		return NULL;
	*size = (size_t)st.st_size;
	return p;
}

/* The .debug_frame section of the ELF image [base, base+size), or NULL. */
static const uint8_t *find_section(const uint8_t *base, size_t size, size_t *sec_size)
{
	Elf64_Ehdr eh;
	Elf64_Shdr strs;

	memcpy(&eh, base, sizeof(eh));
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_shentsize != sizeof(Elf64_Shdr) || eh.e_shoff > size ||
	    (size - eh.e_shoff) / sizeof(Elf64_Shdr) < eh.e_shnum || eh.e_shstrndx >= eh.e_shnum)
		return NULL;
	memcpy(&strs, base + eh.e_shoff + eh.e_shstrndx * sizeof(Elf64_Shdr), sizeof(strs));
	if (strs.sh_offset > size || strs.sh_size > size - strs.sh_offset)
		return NULL;
	for (unsigned i = 0; i < eh.e_shnum; i++) {
		Elf64_Shdr sh;
		memcpy(&sh, base + eh.e_shoff + i * sizeof(Elf64_Shdr), sizeof(sh));
		if (sh.sh_type != SHT_PROGBITS || sh.sh_name >= strs.sh_size ||
		    strs.sh_size - sh.sh_name < sizeof(".debug_frame") ||
		    memcmp(base + strs.sh_offset + sh.sh_name, ".debug_frame",
			   sizeof(".debug_frame")) != 0)
			continue;
		/* Compressed sections would need zlib: not read. */
		if ((sh.sh_flags & SHF_COMPRESSED) || sh.sh_offset > size ||
		    sh.sh_size > size - sh.sh_offset)
			return NULL;
		*sec_size = sh.sh_size;
		return base + sh.sh_offset;
	}
	return NULL;
}

/* Visit every FDE of the section (32-bit DWARF; 64-bit entries skipped):
 * stores up to max entries into tab (may be NULL); returns the count. */
static size_t scan_fdes(const uint8_t *sec, size_t size, uintptr_t bias, struct entry *tab,
			size_t max)
{
	size_t off = 0, n = 0;

	while (size - off >= 4) {
		uint32_t len, id;
		uint64_t pc;

		memcpy(&len, sec + off, 4);
		if (len == 0xffffffffu) {
			uint64_t len64;
			if (size - off < 12)
				break;
			memcpy(&len64, sec + off + 4, 8);
			if (len64 > size - off - 12)
				break;
			off += 12 + (size_t)len64;
			continue;
		}
		if (len > size - off - 4)
			break;
		/* An FDE: CIE pointer (not ~0), initial location, range. */
		if (len >= 4 + 16) {
			memcpy(&id, sec + off + 4, 4);
			if (id != 0xffffffffu && id < size) {
				memcpy(&pc, sec + off + 8, 8);
				if (tab != NULL && n < max)
					tab[n] = (struct entry){ (uintptr_t)pc + bias, off };
				n++;
			}
		}
		off += 4 + (size_t)len;
	}
	return n;
}

/* Heapsort by pc (qsort may allocate). */
static void sort_entries(struct entry *a, size_t n)
{
	for (size_t k = n; k-- > 0;) {
		for (size_t i = k;;) { /* sift down */
			size_t c = 2 * i + 1;
			if (c >= n)
				break;
			if (c + 1 < n && a[c + 1].pc > a[c].pc)
				c++;
			if (a[i].pc >= a[c].pc)
				break;
			struct entry t = a[i];
			a[i] = a[c];
			a[c] = t;
			i = c;
		}
	}
	for (size_t end = n; end-- > 1;) {
		struct entry t = a[0];
		a[0] = a[end];
		a[end] = t;
		for (size_t i = 0;;) {
			size_t c = 2 * i + 1;
			if (c >= end)
				break;
			if (c + 1 < end && a[c + 1].pc > a[c].pc)
				c++;
			if (a[i].pc >= a[c].pc)
				break;
			t = a[i];
			a[i] = a[c];
			a[c] = t;
			i = c;
		}
	}
}

/* Build o's index from its file; leaves it READY or NONE. */
static void build(struct object *o, const struct link_map *lm)
{
	const char *path = lm->l_name != NULL && lm->l_name[0] != '\0' ? lm->l_name : NULL;
	const uint8_t *base, *sec;
	size_t size = 0, sec_size = 0, n;
	struct entry *tab;

	/* The main program's link_map has no name; vdso names no file. */
	if (path == NULL)
		path = "/proc/self/exe";
	base = map_file(path, &size);
	if (base == NULL)
		goto none;
	sec = find_section(base, size, &sec_size);
	n = sec != NULL ? scan_fdes(sec, sec_size, lm->l_addr, NULL, 0) : 0;
	if (n == 0) {
		munmap((void *)base, size);
		goto none;
	}
	tab = mmap(NULL, n * sizeof(*tab), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		   0);
	if (tab == MAP_FAILED) {
		munmap((void *)base, size);
		goto none;
	}
	n = scan_fdes(sec, sec_size, lm->l_addr, tab, n);
	sort_entries(tab, n);
	o->sec = sec;
	o->sec_size = sec_size;
	o->bias = lm->l_addr;
	o->tab = tab;
	o->n = n;
	atomic_store_explicit(&o->state, OBJ_READY, memory_order_release);
	return;
none:
	atomic_store_explicit(&o->state, OBJ_NONE, memory_order_release);
}

/* The slot of fo's object, claimed and built if new; NULL if not ready. */
static struct object *object_of(const struct dl_find_object *fo)
{
	const void *map = fo->dlfo_link_map;
	uintptr_t start = (uintptr_t)fo->dlfo_map_start;
	unsigned gen = atomic_load_explicit(&g_generation, memory_order_relaxed);

	for (unsigned i = 0; i < MAX_OBJECTS; i++) {
		struct object *o = &g_objects[i];
		int st = atomic_load_explicit(&o->state, memory_order_acquire);

		if (st == OBJ_FREE) {
			int expected = OBJ_FREE;
			/* The key is written before the slot is claimed... */
			if (!atomic_compare_exchange_strong(&o->state, &expected, OBJ_BUILDING)) {
				i--; /* another thread took it: look at it again */
				continue;
			}
			o->generation = gen;
			o->map = map;
			o->map_start = start;
			build(o, fo->dlfo_link_map);
			return atomic_load(&o->state) == OBJ_READY ? o : NULL;
		}
		/* ...so a reader skips a slot still BUILDING (its key may not
		 * be there yet): a concurrent first walk just goes without. */
		if (st == OBJ_BUILDING)
			continue;
		if (o->map == map && o->map_start == start && o->generation == gen)
			return st == OBJ_READY ? o : NULL;
	}
	return NULL;
}

int hs_debugframe_find(uintptr_t pc, const struct dl_find_object *fo, struct hs_fde *out)
{
	struct object *o = object_of(fo);
	size_t lo = 0, hi;
	uint32_t len, cie_off, cie_len;
	const uint8_t *fde, *cie;

	if (o == NULL || o->n == 0 || pc < o->tab[0].pc)
		return -1;
	/* The last FDE starting at or below pc. */
	hi = o->n;
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;
		if (o->tab[mid].pc <= pc)
			lo = mid;
		else
			hi = mid;
	}
	fde = o->sec + o->tab[lo].off;
	memcpy(&len, fde, 4);
	memcpy(&cie_off, fde + 4, 4);
	if (cie_off > o->sec_size - 8)
		return -1;
	cie = o->sec + cie_off;
	memcpy(&cie_len, cie, 4);
	if (cie_len == 0xffffffffu || cie_len > o->sec_size - cie_off - 4 || cie_len < 8)
		return -1;
	{
		uint32_t id;
		memcpy(&id, cie + 4, 4);
		if (id != 0xffffffffu)
			return -1;
	}
	*out = (struct hs_fde){ cie, cie + 4 + cie_len, fde, fde + 4 + len, o->bias, 1 };
	return 0;
}
