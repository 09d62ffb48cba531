/* inspect: whether libheapsnap.so can record a program (see inspect.h). */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "inspect.h"

/* Interpreters followed for "#!" scripts (a script of a script...). */
#define MAX_SHEBANG_DEPTH 4

/* Find prog as execvp would: a name with a slash as is, else in PATH. */
static int find_program(const char *prog, char *out, size_t len)
{
	const char *path = getenv("PATH");

	if (strchr(prog, '/') != NULL) {
		if ((size_t)snprintf(out, len, "%s", prog) >= len)
			return -1;
		return access(out, X_OK);
	}
	if (path == NULL)
		path = "/bin:/usr/bin";
	while (*path != '\0') {
		const char *end = strchr(path, ':');
		size_t n = end != NULL ? (size_t)(end - path) : strlen(path);

		if ((size_t)snprintf(out, len, "%.*s%s%s", (int)n, path, n > 0 ? "/" : "", prog) <
			    len &&
		    access(out, X_OK) == 0) {
			struct stat st;
			if (stat(out, &st) == 0 && S_ISREG(st.st_mode))
				return 0;
		}
		path += n;
		if (*path == ':')
			path++;
	}
	return -1;
}

/* Whether running path is a secure execution (AT_SECURE), in which the
 * loader ignores LD_PRELOAD's paths: the ids or capabilities it gains.
 * As the kernel decides (commoncap.c): an effective id other than ours, or,
 * when we are not root, file capabilities. */
static const char *secure_reason(const char *path, const struct stat *st)
{
	struct statvfs vfs;

	if (statvfs(path, &vfs) == 0 && (vfs.f_flag & ST_NOSUID))
		return NULL; /* the bits and capabilities are ignored there */
	if ((st->st_mode & S_ISUID) && st->st_uid != getuid())
		return "setuid";
	if ((st->st_mode & S_ISGID) && (st->st_mode & S_IXGRP) && st->st_gid != getgid())
		return "setgid";
	if (getuid() != 0 && getxattr(path, "security.capability", NULL, 0) > 0)
		return "file-capabilities";
	return NULL;
}

/* What may still be recorded of a program the loader will not preload us
 * into, after "...: " or "..., so ": its exec'd image or its children,
 * which the options let the library reach (kind: "dynamically linked",
 * "64-bit"). */
static const char *reach(int trace_children, int follow_exec, const char *kind, char *buf,
			 size_t len)
{
	if (trace_children)
		snprintf(buf, len,
			 "only the %s programs it runs will be recorded (--trace-children=yes)",
			 kind);
	else if (follow_exec)
		snprintf(buf, len,
			 "nothing will be recorded unless it becomes a %s program by exec "
			 "(--follow-exec)",
			 kind);
	else
		snprintf(buf, len, "nothing will be recorded");
	return buf;
}

/* Sanitizer runtimes that replace malloc, as libraries the program needs:
 * AddressSanitizer's refuses to start unless it comes first among the
 * libraries ("ASan runtime does not come first in initial library list"),
 * and behind a preloaded malloc any of them would be handed blocks it did
 * not make. */
static const struct {
	const char *prefix;
	const char *name;
} g_sanitizers[] = {
	{ "libasan.so", "AddressSanitizer" },
	{ "libhwasan.so", "HWAddressSanitizer" },
	{ "libtsan.so", "ThreadSanitizer" },
	{ "liblsan.so", "LeakSanitizer" },
	{ "libclang_rt.asan", "AddressSanitizer" },
	{ "libclang_rt.hwasan", "HWAddressSanitizer" },
	{ "libclang_rt.tsan", "ThreadSanitizer" },
	{ "libclang_rt.msan", "MemorySanitizer" },
	{ "libclang_rt.lsan", "LeakSanitizer" },
};

/* The file offset of virtual address addr in the image's PT_LOAD
 * segments, or 0 when none maps it. */
static Elf64_Off offset_of(const unsigned char *base, const Elf64_Ehdr *eh, Elf64_Addr addr)
{
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		Elf64_Phdr ph;
		memcpy(&ph, base + eh->e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type == PT_LOAD && addr >= ph.p_vaddr && addr - ph.p_vaddr < ph.p_filesz)
			return ph.p_offset + (addr - ph.p_vaddr);
	}
	return 0;
}

/* The sanitizer runtime among the libraries the dynamic section at
 * [dyn, dyn + dyn_size) names (DT_NEEDED): its entry's index, its file
 * name in lib; -1 when there is none.  The names are offsets into the
 * string table, which any entry may give: they are read after the pass. */
static int needed_sanitizer(const unsigned char *base, size_t size, const Elf64_Ehdr *eh,
			    Elf64_Off dyn, Elf64_Xword dyn_size, char *lib, size_t lib_len)
{
	Elf64_Addr strtab = 0;
	Elf64_Xword strsz = 0, needed[64];
	unsigned n_needed = 0;
	Elf64_Off str_off;

	if (dyn > size || dyn_size > size - dyn)
		return -1;
	for (Elf64_Off o = dyn; dyn + dyn_size - o >= sizeof(Elf64_Dyn); o += sizeof(Elf64_Dyn)) {
		Elf64_Dyn d;
		memcpy(&d, base + o, sizeof(d));
		if (d.d_tag == DT_NULL)
			break;
		if (d.d_tag == DT_STRTAB)
			strtab = d.d_un.d_ptr;
		else if (d.d_tag == DT_STRSZ)
			strsz = d.d_un.d_val;
		else if (d.d_tag == DT_NEEDED && n_needed < sizeof(needed) / sizeof(needed[0]))
			needed[n_needed++] = d.d_un.d_val;
	}
	str_off = offset_of(base, eh, strtab);
	if (str_off == 0 || str_off > size || strsz > size - str_off)
		return -1;
	for (unsigned i = 0; i < n_needed; i++) {
		if (needed[i] >= strsz)
			continue;
		const char *name = (const char *)base + str_off + needed[i];
		size_t n = strnlen(name, strsz - needed[i]);
		for (size_t k = 0; k < sizeof(g_sanitizers) / sizeof(g_sanitizers[0]); k++) {
			size_t plen = strlen(g_sanitizers[k].prefix);
			if (n >= plen && memcmp(name, g_sanitizers[k].prefix, plen) == 0) {
				snprintf(lib, lib_len, "%.*s", (int)n, name);
				return (int)k;
			}
		}
	}
	return -1;
}

/* The ELF checks on an image of size bytes: static, 32-bit, a sanitizer's
 * malloc.  An own malloc (the executable's, a library's) is
 * libheapsnap.so's to tell, at run time (src/preload/allocator.h). */
static enum hs_inspect_kind inspect_elf(const unsigned char *base, size_t size, const char *prog,
					int trace_children, int follow_exec, char *msg,
					size_t msg_len)
{
	const Elf64_Ehdr *eh = (const void *)base;
	int interp = 0, dynamic = 0, soname = 0, sanitizer = -1;
	char what[128], lib[64];

	if (base[EI_CLASS] == ELFCLASS32) {
		snprintf(msg, msg_len, "%s is a 32-bit program and libheapsnap.so is 64-bit: %s",
			 prog, reach(trace_children, follow_exec, "64-bit", what, sizeof what));
		return HS_INSPECT_NO_PRELOAD;
	}
	if (size < sizeof(*eh) || base[EI_CLASS] != ELFCLASS64 ||
	    eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phoff > size ||
	    (size - eh->e_phoff) / sizeof(Elf64_Phdr) < eh->e_phnum)
		return HS_INSPECT_OK;
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		Elf64_Phdr ph;
		memcpy(&ph, base + eh->e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type == PT_INTERP)
			interp = 1;
		else if (ph.p_type == PT_DYNAMIC) {
			dynamic = 1;
			/* DT_SONAME: a library (the loader itself) run directly. */
			for (Elf64_Off o = ph.p_offset; o < size && size - o >= sizeof(Elf64_Dyn) &&
							o < ph.p_offset + ph.p_filesz;
			     o += sizeof(Elf64_Dyn)) {
				Elf64_Dyn d;
				memcpy(&d, base + o, sizeof(d));
				if (d.d_tag == DT_NULL)
					break;
				if (d.d_tag == DT_SONAME)
					soname = 1;
			}
			sanitizer = needed_sanitizer(base, size, eh, ph.p_offset, ph.p_filesz, lib,
						     sizeof(lib));
		}
	}
	if (sanitizer >= 0) {
		snprintf(msg, msg_len,
			 "%s is built with %s (%s), whose malloc must come before any other: "
			 "it runs without libheapsnap.so, so nothing will be recorded",
			 prog, g_sanitizers[sanitizer].name, lib);
		return HS_INSPECT_SANITIZER;
	}
	if (!interp && !(dynamic && soname)) {
		snprintf(msg, msg_len,
			 "%s is statically linked: the loader cannot preload libheapsnap.so, so %s",
			 prog,
			 reach(trace_children, follow_exec, "dynamically linked", what,
			       sizeof what));
		return HS_INSPECT_NO_PRELOAD;
	}
	return HS_INSPECT_OK;
}

/* Inspect path; prog is the name to show. */
static enum hs_inspect_kind inspect_path(const char *path, const char *prog, int depth,
					 int trace_children, int follow_exec, char *msg,
					 size_t msg_len)
{
	struct stat st;
	const char *why;
	unsigned char *base;
	int fd;
	enum hs_inspect_kind found = HS_INSPECT_OK;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 4) {
		if (fd >= 0)
			close(fd);
		return HS_INSPECT_OK;
	}
	why = secure_reason(path, &st);
	if (why != NULL) {
		close(fd);
		snprintf(msg, msg_len,
			 "%s is %s: the loader ignores LD_PRELOAD for it, so nothing will be "
			 "recorded",
			 prog, why);
		return HS_INSPECT_UNSEEN;
	}
	base = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (base == MAP_FAILED)
		return HS_INSPECT_OK;
	if (memcmp(base, ELFMAG, SELFMAG) == 0 && st.st_size > EI_CLASS) {
		found = inspect_elf(base, (size_t)st.st_size, prog, trace_children, follow_exec,
				    msg, msg_len);
	} else if (base[0] == '#' && base[1] == '!' && depth < MAX_SHEBANG_DEPTH) {
		/* A script: its interpreter is what runs (and is preloaded). */
		char interp[PATH_MAX];
		size_t i = 2, n = 0, size = (size_t)st.st_size;
		while (i < size && (base[i] == ' ' || base[i] == '\t'))
			i++;
		while (i < size && n < sizeof(interp) - 1 && base[i] != ' ' && base[i] != '\t' &&
		       base[i] != '\n')
			interp[n++] = (char)base[i++];
		interp[n] = '\0';
		if (n > 0 && interp[0] == '/')
			found = inspect_path(interp, interp, depth + 1, trace_children,
					     follow_exec, msg, msg_len);
	}
	munmap(base, (size_t)st.st_size);
	return found;
}

enum hs_inspect_kind hs_inspect_program(const char *prog, int trace_children, int follow_exec,
					char *msg, size_t msg_len)
{
	char path[PATH_MAX];

	if (find_program(prog, path, sizeof(path)) != 0)
		return HS_INSPECT_OK;
	return inspect_path(path, prog, 0, trace_children, follow_exec, msg, msg_len);
}
