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

/* The ELF checks on an image of size bytes: static, 32-bit.  An own
 * malloc (the executable's, a library's) is libheapsnap.so's to tell, at
 * run time (src/preload/allocator.h). */
static int inspect_elf(const unsigned char *base, size_t size, const char *prog, char *msg,
		       size_t msg_len)
{
	const Elf64_Ehdr *eh = (const void *)base;
	int interp = 0, dynamic = 0, soname = 0;

	if (base[EI_CLASS] == ELFCLASS32) {
		snprintf(msg, msg_len,
			 "%s is a 32-bit program and libheapsnap.so is 64-bit: nothing will be "
			 "recorded",
			 prog);
		return 1;
	}
	if (size < sizeof(*eh) || base[EI_CLASS] != ELFCLASS64 ||
	    eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phoff > size ||
	    (size - eh->e_phoff) / sizeof(Elf64_Phdr) < eh->e_phnum)
		return 0;
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
		}
	}
	if (!interp && !(dynamic && soname)) {
		snprintf(msg, msg_len,
			 "%s is statically linked: the loader cannot preload libheapsnap.so, so "
			 "nothing will be recorded",
			 prog);
		return 1;
	}
	return 0;
}

/* Inspect path; prog is the name to show. */
static int inspect_path(const char *path, const char *prog, int depth, char *msg, size_t msg_len)
{
	struct stat st;
	const char *why;
	unsigned char *base;
	int fd, found = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 4) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	why = secure_reason(path, &st);
	if (why != NULL) {
		close(fd);
		snprintf(msg, msg_len,
			 "%s is %s: the loader ignores LD_PRELOAD for it, so nothing will be "
			 "recorded",
			 prog, why);
		return 1;
	}
	base = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (base == MAP_FAILED)
		return 0;
	if (memcmp(base, ELFMAG, SELFMAG) == 0 && st.st_size > EI_CLASS) {
		found = inspect_elf(base, (size_t)st.st_size, prog, msg, msg_len);
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
			found = inspect_path(interp, interp, depth + 1, msg, msg_len);
	}
	munmap(base, (size_t)st.st_size);
	return found;
}

int hs_inspect_program(const char *prog, char *msg, size_t msg_len)
{
	char path[PATH_MAX];

	if (find_program(prog, path, sizeof(path)) != 0)
		return 0;
	return inspect_path(path, prog, 0, msg, msg_len);
}
