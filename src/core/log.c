/* log: one line with write(2) to the log descriptor (see log.h). */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "nocancel.h"

#define HS_LOG_LINE_MAX 1024

/* Relaxed: a message racing with the switch may go to either place. */
static atomic_int g_log_fd = STDERR_FILENO;

int hs_log_fd(void)
{
	return atomic_load_explicit(&g_log_fd, memory_order_relaxed);
}

void hs_log_set_fd(int fd)
{
	atomic_store_explicit(&g_log_fd, fd >= 0 ? fd : STDERR_FILENO, memory_order_relaxed);
}

void hs_log(const char *part, ...)
{
	static const char prefix[] = "heapsnap: ";
	char line[HS_LOG_LINE_MAX];
	size_t n = sizeof prefix - 1;
	int saved = errno;
	int fd = hs_log_fd();
	memcpy(line, prefix, n);
	va_list ap;
	va_start(ap, part);
	for (const char *s = part; s != NULL; s = va_arg(ap, const char *)) {
		size_t len = strlen(s);
		if (len > sizeof line - 1 - n)
			len = sizeof line - 1 - n;
		memcpy(line + n, s, len);
		n += len;
	}
	va_end(ap);
	line[n++] = '\n';
	const char *p = line;
	while (n > 0) {
		ssize_t k = hs_nc_write(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		p += k;
		n -= (size_t)k;
	}
	errno = saved;
}
