/* rec_common: helpers shared by the recorder's deterministic test programs.
 *
 * The programs run under heapsnap and under Valgrind Massif and must make
 * exactly the same heap calls under both, so nothing here uses stdio (whose
 * buffers are malloc'd lazily) or anything else that allocates.  Pointers go
 * into a volatile sink so the compiler cannot drop a malloc/free pair.
 */
#ifndef REC_COMMON_H
#define REC_COMMON_H

#include <stddef.h>
#include <string.h>
#include <unistd.h>

/* -O0 whatever CFLAGS say: configure's default "-g -O2" comes after the
 * per-target flags on the command line, and even with -fno-inline it makes
 * clones ("f [clone .isra.0]") that put compiler artefacts into the frames
 * the tests compare. */
#if defined(__clang__)
#pragma clang optimize off
#elif defined(__GNUC__)
#pragma GCC optimize("O0")
#endif

#define REC_NOINLINE __attribute__((noinline))

/* Keep a pointer observable so the allocation is never optimised away. */
static void *volatile rec_sink;

static inline void rec_keep(void *p)
{
	rec_sink = p;
}

/* Write a NUL-terminated string to fd 1 without stdio. */
static inline void rec_puts(const char *s)
{
	size_t len = strlen(s);
	while (len > 0) {
		ssize_t n = write(1, s, len);
		if (n <= 0)
			return;
		s += n;
		len -= (size_t)n;
	}
}

/* Format an unsigned number in decimal into buf (at least 21 bytes). */
static inline char *rec_utoa(unsigned long long v, char *buf)
{
	char tmp[21];
	int n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	for (int i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	buf[n] = '\0';
	return buf;
}

/* Print "key=value\n" on stdout without stdio. */
static inline void rec_put_kv(const char *key, unsigned long long v)
{
	char buf[24];
	rec_puts(key);
	rec_puts("=");
	rec_puts(rec_utoa(v, buf));
	rec_puts("\n");
}

#endif
