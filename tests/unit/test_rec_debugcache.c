/* Unit tests of src/resolve/debugcache.c on this very program (built -g):
 * objcopy makes a separate debug file of it with compressed sections, as
 * Debian's -dbg packages ship them.  The cache's copy has the same
 * sections, byte for byte once inflated, none of them compressed; it is
 * written once and read after; a damaged copy is written again; a file
 * with nothing compressed, or HEAPSNAP_DEBUG_CACHE=0, keeps the file
 * given. */
#include "config.h"

#include <check.h>

#include "hs_check.h"
#include <elfutils/libdwelf.h>
#include <fcntl.h>
#include <gelf.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "debugcache.h"

static char work[] = "/tmp/hs_debugcache.XXXXXX";
static char self[PATH_MAX], zipped[PATH_MAX], cache[PATH_MAX], copy[PATH_MAX];
static unsigned char id[64];
static int id_len;

static void setup(void)
{
	char cmd[3 * PATH_MAX];

	elf_version(EV_CURRENT);
	strcpy(work, "/tmp/hs_debugcache.XXXXXX"); /* each test its own */
	ck_assert_ptr_nonnull(realpath("/proc/self/exe", self));
	ck_assert_ptr_nonnull(mkdtemp(work));
	snprintf(zipped, sizeof zipped, "%s/z.debug", work);
	snprintf(cache, sizeof cache, "%s/cache", work);
	snprintf(cmd, sizeof cmd, "objcopy --only-keep-debug --compress-debug-sections=zlib '%s' '%s'",
		 self, zipped);
	ck_assert_int_eq(system(cmd), 0);
	int fd = open(self, O_RDONLY);
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	const void *got = NULL;
	id_len = elf != NULL ? dwelf_elf_gnu_build_id(elf, &got) : -1;
	ck_assert_int_gt(id_len, 0);
	ck_assert_int_le(id_len, (int)sizeof id);
	memcpy(id, got, (size_t)id_len);
	elf_end(elf);
	close(fd);
	int n = snprintf(copy, sizeof copy, "%s/", cache);
	for (int i = 0; i < id_len; i++)
		n += snprintf(copy + n, sizeof copy - (size_t)n, "%02x", id[i]);
	snprintf(copy + n, sizeof copy - (size_t)n, ".debug");
	setenv("HEAPSNAP_DEBUG_CACHE", cache, 1);
}

static void teardown(void)
{
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", work);
	ck_assert_int_eq(system(cmd), 0);
	unsetenv("HEAPSNAP_DEBUG_CACHE");
}

/* Swap the file at path through the cache: the descriptor to use, and
 * the name that goes with it into *name (malloc'd). */
static int swap(const char *path, char **name)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	*name = strdup(path);
	return hs_debugcache_swap(fd, id, id_len, name);
}

/* Section k's bytes, inflated when compressed; its name into *sname. */
static Elf_Data *section(Elf *elf, size_t k, const char **sname, GElf_Shdr *sh)
{
	size_t strndx;
	Elf_Scn *scn = elf_getscn(elf, k);
	ck_assert_ptr_nonnull(scn);
	ck_assert_ptr_nonnull(gelf_getshdr(scn, sh));
	if ((sh->sh_flags & SHF_COMPRESSED) != 0) {
		ck_assert_int_eq(elf_compress(scn, 0, 0), 1);
		ck_assert_ptr_nonnull(gelf_getshdr(scn, sh));
	}
	ck_assert_int_eq(elf_getshdrstrndx(elf, &strndx), 0);
	*sname = elf_strptr(elf, strndx, sh->sh_name);
	return elf_getdata(scn, NULL);
}

START_TEST(copy_is_the_file_inflated)
{
	char *name;
	int fd = swap(zipped, &name);
	ck_assert_str_eq(name, copy);
	Elf *z = elf_begin(open(zipped, O_RDONLY), ELF_C_READ_MMAP_PRIVATE, NULL);
	Elf *p = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	size_t nz, np, compressed = 0, debug = 0;
	ck_assert_ptr_nonnull(z);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(elf_getshdrnum(z, &nz), 0);
	ck_assert_int_eq(elf_getshdrnum(p, &np), 0);
	ck_assert_uint_eq(np, nz);
	for (size_t k = 1; k < nz; k++) {
		GElf_Shdr shz, shp;
		Elf_Scn *scn = elf_getscn(z, k);
		ck_assert_ptr_nonnull(gelf_getshdr(scn, &shz));
		compressed += (shz.sh_flags & SHF_COMPRESSED) != 0;
		const char *namez, *namep;
		Elf_Data *dz = section(z, k, &namez, &shz);
		Elf_Data *dp = section(p, k, &namep, &shp);
		ck_assert_str_eq(namep, namez);
		ck_assert_uint_eq(shp.sh_flags & SHF_COMPRESSED, 0);
		ck_assert_uint_eq(shp.sh_type, shz.sh_type);
		ck_assert_uint_eq(shp.sh_size, shz.sh_size);
		debug += strncmp(namep, ".debug_", 7) == 0;
		if (shz.sh_type != SHT_NOBITS && dz != NULL && dz->d_size > 0) {
			ck_assert_ptr_nonnull(dp);
			ck_assert_uint_eq(dp->d_size, dz->d_size);
			ck_assert_int_eq(memcmp(dp->d_buf, dz->d_buf, dz->d_size), 0);
		}
	}
	ck_assert_uint_gt(compressed, 0); /* objcopy did compress */
	ck_assert_uint_ge(debug, 3);
	const void *got = NULL;
	ck_assert_int_eq(dwelf_elf_gnu_build_id(p, &got), id_len);
	ck_assert_int_eq(memcmp(got, id, (size_t)id_len), 0);
	elf_end(p);
	elf_end(z);
	close(fd);
	free(name);
}
END_TEST

/* Swap the compressed file through the cache: the copy is given; its
 * stat into *st. */
static void swap_to_copy(struct stat *st)
{
	char *name;
	close(swap(zipped, &name));
	ck_assert_str_eq(name, copy);
	free(name);
	ck_assert_int_eq(stat(copy, st), 0);
}

START_TEST(written_once_read_after)
{
	struct stat first, again, dir;
	swap_to_copy(&first);
	ck_assert_int_eq(stat(cache, &dir), 0);
	ck_assert_uint_eq(dir.st_mode & 0777, 0700);
	swap_to_copy(&again);
	ck_assert_uint_eq(again.st_ino, first.st_ino); /* read, not written again */
	/* Only the copy is left in the directory: no temporary file. */
	char cmd[PATH_MAX + 64];
	snprintf(cmd, sizeof cmd, "test \"$(ls -A '%s' | wc -l)\" = 1", cache);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

START_TEST(damaged_copy_written_again)
{
	struct stat good, st;
	swap_to_copy(&good);
	ck_assert_int_eq(truncate(copy, 100), 0);
	swap_to_copy(&st);
	ck_assert_int_eq(st.st_size, good.st_size);
}
END_TEST

/* The file at path comes back as it was: same descriptor, same name. */
static void assert_kept(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *name = strdup(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(hs_debugcache_swap(fd, id, id_len, &name), fd);
	ck_assert_str_eq(name, path);
	close(fd);
	free(name);
}

START_TEST(original_kept)
{
	/* Nothing compressed in this program itself: no copy. */
	assert_kept(self);
	/* The cache turned off. */
	setenv("HEAPSNAP_DEBUG_CACHE", "0", 1);
	assert_kept(zipped);
	ck_assert_int_ne(access(cache, F_OK), 0);
	/* A relative path: no cache either (not the default one). */
	setenv("HEAPSNAP_DEBUG_CACHE", "relative/dir", 1);
	assert_kept(zipped);
	ck_assert_int_ne(access("relative", F_OK), 0);
	/* A directory that cannot be made: the original, as without it. */
	setenv("HEAPSNAP_DEBUG_CACHE", "/proc/no/such/dir", 1);
	assert_kept(zipped);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("rec_debugcache");
	TCase *tc = tcase_create("debugcache");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, copy_is_the_file_inflated);
	tcase_add_test(tc, written_once_read_after);
	tcase_add_test(tc, damaged_copy_written_again);
	tcase_add_test(tc, original_kept);
	suite_add_tcase(s, tc);
	return hs_check_run(s);
}
