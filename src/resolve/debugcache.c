/* debugcache: separate debug files kept inflated between runs (see
 * debugcache.h). */
#include "config.h"

#include <elfutils/libdwelf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "debugcache.h"

/* Whether the ELF file on fd has a section libdw would inflate in full. */
static int has_compressed(int fd)
{
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	Elf_Scn *scn = NULL;
	int found = 0;

	while (elf != NULL && !found && (scn = elf_nextscn(elf, scn)) != NULL) {
		GElf_Shdr sh;
		found = gelf_getshdr(scn, &sh) != NULL && (sh.sh_flags & SHF_COMPRESSED) != 0;
	}
	elf_end(elf);
	return found;
}

/* mkdir path (mode 0700) unless it is a directory already. */
static int make_dir(const char *path)
{
	struct stat st;
	if (mkdir(path, 0700) == 0 || (errno == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode)))
		return 0;
	return -1;
}

/* The cache directory into out (made when missing), or -1: off, or no
 * home for it. */
static int cache_dir(char *out, size_t len)
{
	const char *set = getenv("HEAPSNAP_DEBUG_CACHE");
	const char *xdg = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");

	/* Set: an absolute path is the directory; anything else (0, no,
	 * off, a relative path) means no cache, never the default one. */
	if (set != NULL) {
		if (set[0] != '/' || (size_t)snprintf(out, len, "%s", set) >= len)
			return -1;
		return make_dir(out);
	}
	char base[PATH_MAX];
	if (xdg != NULL && xdg[0] == '/') {
		if ((size_t)snprintf(base, sizeof base, "%s", xdg) >= sizeof base)
			return -1;
	} else if (home != NULL && home[0] == '/') {
		if ((size_t)snprintf(base, sizeof base, "%s/.cache", home) >= sizeof base)
			return -1;
	} else {
		return -1;
	}
	if (make_dir(base) != 0 || (size_t)snprintf(out, len, "%s/heapsnap", base) >= len ||
	    make_dir(out) != 0 || (size_t)snprintf(out, len, "%s/heapsnap/debug", base) >= len)
		return -1;
	return make_dir(out);
}

/* Open path if it is an uncompressed ELF file with build-id id. */
static int open_plain(const char *path, const unsigned char *id, int id_len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -1;
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	const void *got = NULL;
	int same = elf != NULL && dwelf_elf_gnu_build_id(elf, &got) == id_len &&
		   memcmp(got, id, (size_t)id_len) == 0;
	elf_end(elf);
	if (!same || has_compressed(fd)) {
		close(fd);
		return -1;
	}
	return fd;
}

int hs_debugcache_write_plain(int in_fd, int out_fd)
{
	int rc = -1;
	elf_version(EV_CURRENT);
	/* Private: inflating a section replaces its data in memory only. */
	Elf *in = elf_begin(in_fd, ELF_C_READ_MMAP_PRIVATE, NULL);
	Elf *out = elf_begin(out_fd, ELF_C_WRITE, NULL);
	GElf_Ehdr eh;
	size_t phnum;

	if (in == NULL || out == NULL || gelf_getehdr(in, &eh) == NULL ||
	    eh.e_shnum == 0 /* the count is in section 0: too many to bother */ ||
	    eh.e_shstrndx >= SHN_LORESERVE || elf_getphdrnum(in, &phnum) != 0 ||
	    gelf_newehdr(out, gelf_getclass(in)) == NULL)
		goto done;
	if (phnum > 0) {
		if (gelf_newphdr(out, phnum) == NULL)
			goto done;
		for (size_t i = 0; i < phnum; i++) {
			GElf_Phdr ph;
			if (gelf_getphdr(in, (int)i, &ph) == NULL ||
			    gelf_update_phdr(out, (int)i, &ph) == 0)
				goto done;
		}
	}
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(in, scn)) != NULL) {
		GElf_Shdr sh;
		if (gelf_getshdr(scn, &sh) == NULL)
			goto done;
		if ((sh.sh_flags & SHF_COMPRESSED) != 0 &&
		    (elf_compress(scn, 0, 0) < 0 || gelf_getshdr(scn, &sh) == NULL))
			goto done;
		Elf_Scn *copy = elf_newscn(out);
		if (copy == NULL)
			goto done;
		Elf_Data *d = NULL;
		while ((d = elf_getdata(scn, d)) != NULL) {
			Elf_Data *nd = elf_newdata(copy);
			if (nd == NULL)
				goto done;
			nd->d_buf = d->d_buf;
			nd->d_type = d->d_type;
			nd->d_version = d->d_version;
			nd->d_size = d->d_size;
			nd->d_off = d->d_off;
			nd->d_align = d->d_align;
		}
		if (gelf_update_shdr(copy, &sh) == 0)
			goto done;
	}
	/* libelf lays the file out again (offsets change with the sizes);
	 * the program headers' offsets are a debug file's copies of the
	 * object's, which libdw does not read. */
	if (gelf_update_ehdr(out, &eh) == 0 || elf_update(out, ELF_C_WRITE) < 0)
		goto done;
	rc = 0;
done:
	elf_end(out);
	elf_end(in);
	return rc;
}

/* Write the cache's copy of the file on fd to path: under a name of its
 * own first, synced, then renamed into place. */
static void make_copy(int fd, const char *path)
{
	static atomic_uint counter; /* two symbolizers of one process may race */
	char tmp[PATH_MAX + 64];
	if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp.%ld.%u", path, (long)getpid(),
			     atomic_fetch_add(&counter, 1)) >= sizeof tmp)
		return;
	int out = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (out < 0)
		return;
	int ok = hs_debugcache_write_plain(fd, out) == 0 && fsync(out) == 0;
	ok = close(out) == 0 && ok;
	if (!ok || rename(tmp, path) != 0)
		unlink(tmp);
}

int hs_debugcache_swap(int fd, const unsigned char *id, int id_len, char **file_name)
{
	char dir[PATH_MAX], path[PATH_MAX + 160];

	if (fd < 0 || id_len <= 0 || id_len > 64 || !has_compressed(fd) ||
	    cache_dir(dir, sizeof dir) != 0)
		return fd;
	int n = snprintf(path, sizeof path, "%s/", dir);
	for (int i = 0; i < id_len; i++)
		n += snprintf(path + n, sizeof path - (size_t)n, "%02x", id[i]);
	snprintf(path + n, sizeof path - (size_t)n, ".debug");
	int plain = open_plain(path, id, id_len);
	if (plain < 0) {
		make_copy(fd, path);
		plain = open_plain(path, id, id_len);
	}
	char *name = plain >= 0 ? strdup(path) : NULL;
	if (name == NULL) {
		if (plain >= 0)
			close(plain);
		return fd;
	}
	close(fd);
	free(*file_name);
	*file_name = name;
	return plain;
}
