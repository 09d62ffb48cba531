/* log: one line on stderr with write(2) (see log.h). */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#define HS_LOG_LINE_MAX 1024

void hs_log(const char *part, ...)
{
	static const char prefix[] = "heapsnap: ";
	char line[HS_LOG_LINE_MAX];
	size_t n = sizeof prefix - 1;
	int saved = errno;
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
		ssize_t k = write(STDERR_FILENO, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		p += k;
		n -= (size_t)k;
	}
	errno = saved;
}
