/* enospc_shim: an LD_PRELOAD library that makes a filesystem "fill up",
 * for tests/recorder/rec_endings.py where a small tmpfs cannot be mounted.
 *
 * write(2) to a regular file under $HS_ENOSPC_DIR fails with ENOSPC once
 * this process has written $HS_ENOSPC_BYTES bytes there (a short write
 * first, as the kernel does).  Built by the test with cc -shared.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static long long g_written;

/* Whether fd is a regular file under dir. */
static int under(int fd, const char *dir)
{
	char link[64], path[4096];
	struct stat st;
	ssize_t n;

	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		return 0;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (n <= 0)
		return 0;
	path[n] = '\0';
	return strncmp(path, dir, strlen(dir)) == 0;
}

ssize_t write(int fd, const void *buf, size_t len)
{
	const char *dir = getenv("HS_ENOSPC_DIR");
	const char *limit_text = getenv("HS_ENOSPC_BYTES");

	if (dir != NULL && limit_text != NULL && under(fd, dir)) {
		long long limit = atoll(limit_text);
		if (g_written >= limit) {
			errno = ENOSPC;
			return -1;
		}
		if ((long long)len > limit - g_written)
			len = (size_t)(limit - g_written);
		ssize_t n = syscall(SYS_write, fd, buf, len);
		if (n > 0)
			g_written += n;
		return n;
	}
	return syscall(SYS_write, fd, buf, len);
}
