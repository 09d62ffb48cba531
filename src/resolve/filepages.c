/* filepages: hand back a privately mapped file's clean pages (see filepages.h). */
#include "config.h"

#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "filepages.h"

/* /proc/PID/pagemap: one u64 per page (Documentation/admin-guide/mm/pagemap.rst). */
#define PM_PRESENT (UINT64_C(1) << 63)
#define PM_FILE (UINT64_C(1) << 61) /* a file page: never written here */

/* Drop the pages of [lo, hi) that are resident and still the file's;
 * returns how many were dropped. */
static size_t drop_clean(int pagemap, uintptr_t lo, uintptr_t hi, size_t page)
{
	uint64_t flags[512];
	size_t dropped = 0;
	uintptr_t run = 0; /* start of the current run of clean pages, 0: none */

	for (uintptr_t at = lo; at < hi;) {
		size_t n = (hi - at) / page;
		if (n > sizeof(flags) / sizeof(flags[0]))
			n = sizeof(flags) / sizeof(flags[0]);
		ssize_t got = pread(pagemap, flags, n * sizeof(flags[0]),
				    (off_t)(at / page * sizeof(flags[0])));
		if (got <= 0)
			break;
		n = (size_t)got / sizeof(flags[0]);
		for (size_t i = 0; i < n; i++, at += page) {
			int clean = (flags[i] & (PM_PRESENT | PM_FILE)) == (PM_PRESENT | PM_FILE);
			if (clean && run == 0)
				run = at;
			if (!clean && run != 0) {
				if (madvise((void *)run, at - run, MADV_DONTNEED) == 0)
					dropped += (at - run) / page;
				run = 0;
			}
		}
	}
	if (run != 0 && madvise((void *)run, hi - run, MADV_DONTNEED) == 0)
		dropped += (hi - run) / page;
	return dropped;
}

size_t hs_filepages_release(const void *within)
{
	FILE *maps = fopen("/proc/self/maps", "re");
	int pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t dropped = 0;
	char line[PATH_MAX + 128];

	while (maps != NULL && pagemap >= 0 && fgets(line, sizeof(line), maps) != NULL) {
		unsigned long lo, hi;
		char perms[8];
		int name_at = 0;
		if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %n", &lo, &hi, perms, &name_at) != 3 ||
		    (uintptr_t)within < lo || (uintptr_t)within >= hi)
			continue;
		/* A private mapping of a file (its name a path). */
		if (perms[3] == 'p' && name_at > 0 && line[name_at] == '/')
			dropped = drop_clean(pagemap, lo, hi, page);
		break;
	}
	if (maps != NULL)
		fclose(maps);
	if (pagemap >= 0)
		close(pagemap);
	return dropped * (page / 1024);
}
