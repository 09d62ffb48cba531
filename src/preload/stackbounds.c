/* stackbounds: each thread's stack bounds, without locks (see stackbounds.h). */
#include "config.h"

#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "stackbounds.h"

/* The initial stack pointer, set by the dynamic loader (exported by ld.so). */
extern void *__libc_stack_end;

/* The main thread's stack, [g_main_lo, g_main_hi); both 0 when unknown. */
static uintptr_t g_main_lo, g_main_hi;

/* A mapping of /proc/self/maps: [start, end), and the end of the one
 * below it (0 for the first). */
struct mapping {
	uintptr_t start, end, prev_end;
};

/* A hexadecimal number at *p, up to a character that is not a digit. */
static uintptr_t parse_hex(const char **p, const char *end)
{
	uintptr_t v = 0;

	for (; *p < end; (*p)++) {
		char c = **p;
		unsigned d;

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else
			break;
		v = v << 4 | d;
	}
	return v;
}

/* The mapping holding addr, from /proc/self/maps read with raw system
 * calls (read(2) through libc is a cancellation point: a pending cancel
 * would unwind the thread out of malloc).  Returns 0, or -1. */
static int find_mapping(uintptr_t addr, struct mapping *out)
{
	char buf[1024];
	size_t have = 0;
	uintptr_t prev_end = 0;
	long fd = syscall(SYS_openat, AT_FDCWD, "/proc/self/maps", O_RDONLY | O_CLOEXEC);
	int found = -1;

	if (fd < 0)
		return -1;
	for (;;) {
		long n = syscall(SYS_read, fd, buf + have, sizeof(buf) - have);
		const char *p = buf, *end, *nl;

		if (n <= 0)
			break;
		end = buf + have + n;
		/* Each complete line: "start-end perms ...". */
		while ((nl = p) < end) {
			while (nl < end && *nl != '\n')
				nl++;
			if (nl == end)
				break;
			const char *q = p;
			uintptr_t start = parse_hex(&q, nl);
			uintptr_t stop = 0;
			if (q < nl && *q == '-') {
				q++;
				stop = parse_hex(&q, nl);
			}
			if (start <= addr && addr < stop) {
				*out = (struct mapping){ start, stop, prev_end };
				found = 0;
				goto done;
			}
			prev_end = stop;
			p = nl + 1;
		}
		/* Keep the partial line; a line longer than the buffer (a
		 * very long path) is cut: its start is all that counts. */
		have = (size_t)(end - p);
		if (have == sizeof(buf)) {
			const char *q = buf;
			uintptr_t start = parse_hex(&q, buf + have);
			uintptr_t stop = 0;
			if (*q == '-') {
				q++;
				stop = parse_hex(&q, buf + have);
			}
			if (start <= addr && addr < stop) {
				*out = (struct mapping){ start, stop, prev_end };
				found = 0;
				goto done;
			}
			prev_end = stop;
			/* Skip to the end of that line. */
			have = 0;
			for (;;) {
				n = syscall(SYS_read, fd, buf, sizeof(buf));
				if (n <= 0)
					goto done;
				for (p = buf; p < buf + n && *p != '\n'; p++)
					;
				if (p < buf + n) {
					p++;
					have = (size_t)(buf + n - p);
					break;
				}
			}
		}
		for (size_t i = 0; i < have; i++)
			buf[i] = p[i];
	}
done:
	syscall(SYS_close, fd);
	return found;
}

void hs_stackbounds_init(void)
{
	uintptr_t top = (uintptr_t)__libc_stack_end;
	struct rlimit rl;
	struct mapping m;
	uintptr_t limit = 8u << 20;

	if (top == 0 || g_main_hi != 0)
		return;
	/* prlimit64 directly: getrlimit is harmless too, but this says so. */
	if (syscall(SYS_prlimit64, 0, RLIMIT_STACK, NULL, &rl) == 0)
		limit = rl.rlim_cur == RLIM_INFINITY ? UINTPTR_MAX : (uintptr_t)rl.rlim_cur;
	if (find_mapping(top, &m) == 0) {
		/* The stack grows down to RLIMIT_STACK below its top, never
		 * into the mapping below it (the kernel keeps a gap). */
		uintptr_t lo = m.end - m.prev_end > limit ? m.end - limit : m.prev_end;
		if (lo > m.start)
			lo = m.start;
		g_main_lo = lo;
		g_main_hi = m.end;
		return;
	}
	/* No /proc: the page holding the initial stack pointer is the top
	 * that is surely mapped (every frame of the walk lies below it). */
	if (limit > (8u << 20))
		limit = 8u << 20;
	g_main_hi = (top | 4095) + 1;
	g_main_lo = g_main_hi - limit;
}

int hs_stackbounds_find(uintptr_t sp, uintptr_t *lo, uintptr_t *hi)
{
	struct mapping m;
	uintptr_t tcb;

	if (g_main_lo <= sp && sp < g_main_hi) {
		*lo = g_main_lo;
		*hi = g_main_hi;
		return 0;
	}
#if defined(__x86_64__)
	if (find_mapping(sp, &m) != 0)
		return -1;
	/* glibc keeps a thread's control block (the thread pointer) just
	 * above its stack, in the same block (a stack the program gave
	 * pthread_create too).  Found there, the mapping is this thread's
	 * own stack, and the block's top bounds it even when the mapping is
	 * merged with a neighbouring thread's.  Elsewhere (an alternate
	 * signal stack, a coroutine's, a raw clone's) the mapping could be
	 * unmapped in part later: not trusted. */
	__asm__("movq %%fs:0, %0" : "=r"(tcb));
	if (!(sp < tcb && tcb < m.end))
		return -1;
	*lo = m.start;
	*hi = tcb;
	return 0;
#else
	(void)m;
	(void)tcb;
	return -1;
#endif
}
