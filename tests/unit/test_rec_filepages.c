/* Unit tests of src/resolve/filepages.c: a private file mapping's clean
 * pages leave the resident set, and what a read of them sees does not
 * change; written pages, another mapping of the file, shared mappings and
 * anonymous memory stay. */
#include "config.h"

#include <check.h>

#include "hs_check.h"
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "filepages.h"

#define PAGES 32

static char dir[64];
static char path[128];
static size_t page;

/* A file of PAGES pages, page i filled with the byte 'a' + i % 26. */
static void make_file(void)
{
	page = (size_t)sysconf(_SC_PAGESIZE);
	strcpy(dir, "/tmp/hs-filepages-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/debug", dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	char *buf = malloc(page);
	for (int i = 0; i < PAGES; i++) {
		memset(buf, 'a' + i % 26, page);
		ck_assert_int_eq(write(fd, buf, page), (ssize_t)page);
	}
	free(buf);
	close(fd);
}

static void remove_file(void)
{
	unlink(path);
	rmdir(dir);
}

/* The file mapped with flags (MAP_PRIVATE or MAP_SHARED), every page read. */
static char *map_and_read(int flags)
{
	int fd = open(path, O_RDWR);
	ck_assert_int_ge(fd, 0);
	char *p = mmap(NULL, PAGES * page, PROT_READ | PROT_WRITE, flags, fd, 0);
	close(fd);
	ck_assert_ptr_ne(p, MAP_FAILED);
	unsigned sum = 0;
	for (int i = 0; i < PAGES; i++)
		sum += (unsigned char)*(volatile char *)(p + (size_t)i * page);
	ck_assert_uint_gt(sum, 0);
	return p;
}

/* Whether page i of p is in this process's resident set. */
static int resident(const char *p, int i)
{
	uint64_t entry = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);
	ck_assert_int_ge(fd, 0);
	off_t at = (off_t)(((uintptr_t)p / page + (uintptr_t)i) * sizeof(entry));
	ck_assert_int_eq(pread(fd, &entry, sizeof(entry), at), (ssize_t)sizeof(entry));
	close(fd);
	return (entry >> 63) != 0;
}

START_TEST(clean_pages_leave_written_pages_stay)
{
	make_file();
	char *p = map_and_read(MAP_PRIVATE);
	p[5 * page + 7] = '!';

	ck_assert_uint_eq(hs_filepages_release(p + 9 * page), (PAGES - 1) * page / 1024);
	ck_assert(!resident(p, 0));
	ck_assert(!resident(p, PAGES - 1));
	ck_assert(resident(p, 5));
	/* Every page reads as before: the file's bytes, and the write. */
	for (int i = 0; i < PAGES; i++)
		for (size_t k = 0; k < page; k++)
			ck_assert_int_eq(p[(size_t)i * page + k],
					 i == 5 && k == 7 ? '!' : 'a' + i % 26);
	/* Those reads faulted the file's pages back in, and only them. */
	ck_assert_uint_eq(hs_filepages_release(p), (PAGES - 1) * page / 1024);
	munmap(p, PAGES * page);
	remove_file();
}
END_TEST

START_TEST(only_the_mapping_asked_for)
{
	make_file();
	char *p = map_and_read(MAP_PRIVATE);
	char *q = map_and_read(MAP_PRIVATE);

	ck_assert_uint_eq(hs_filepages_release(q + page), PAGES * page / 1024);
	ck_assert(!resident(q, 3));
	ck_assert(resident(p, 3));
	ck_assert_int_eq(q[3 * page], 'd');
	munmap(p, PAGES * page);
	munmap(q, PAGES * page);
	remove_file();
}
END_TEST

START_TEST(shared_anonymous_and_written_memory_stays)
{
	make_file();
	char *p = map_and_read(MAP_SHARED);
	static volatile char data[4096] = { 1 };

	ck_assert_uint_eq(hs_filepages_release(p), 0);
	ck_assert(resident(p, 0));
	char *heap = malloc(1 << 20);
	memset(heap, 7, 1 << 20);
	ck_assert_uint_eq(hs_filepages_release(heap + 4096), 0);
	ck_assert_int_eq(heap[4096], 7);
	free(heap);
	/* The program's own data, a private file mapping: what was written
	 * there stays written. */
	data[1] = 2;
	hs_filepages_release((const void *)data);
	ck_assert_int_eq(data[0], 1);
	ck_assert_int_eq(data[1], 2);
	ck_assert_uint_eq(hs_filepages_release(NULL), 0);
	munmap(p, PAGES * page);
	remove_file();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("rec_filepages");
	TCase *tc = tcase_create("filepages");

	tcase_add_test(tc, clean_pages_leave_written_pages_stay);
	tcase_add_test(tc, only_the_mapping_asked_for);
	tcase_add_test(tc, shared_anonymous_and_written_memory_stays);
	suite_add_tcase(s, tc);
	return hs_check_run(s);
}
