/* long_alloc: a long run of allocations with a bounded heap, for
 * bench/long_run.sh (issue 13 item 4: recorder memory and file size stay
 * bounded however long the program runs).
 *
 *   long_alloc N [RAW]
 *
 * N malloc/free pairs: a ring of 4096 live blocks, each step frees the
 * oldest and allocates a new one (16-1040 bytes) from one of 8 call sites,
 * so the heap, the live blocks and the contexts stay the same from the
 * first few thousand steps on.  At 10^k steps (k >= 5) and every 10^(k-1)
 * steps after that, one line on stderr: steps, VmHWM and VmRSS in KiB (the
 * process's peak and current resident memory, recorder included), and the
 * size in bytes of RAW (the raw record being written, when given).  At
 * the end RAW is copied to RAW.copy (the launcher deletes RAW once it has
 * written the Massif file), for bench/raw_kinds.py.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define RING 4096

static void *ring[RING];

#define SITE(n)                                                                                    \
	__attribute__((noinline)) static void *site##n(size_t size)                                \
	{                                                                                          \
		void *p = malloc(size);                                                            \
		__asm__ volatile("" : : "r"(p) : "memory");                                        \
		return p;                                                                          \
	}
SITE(0)
SITE(1)
SITE(2)
SITE(3)
SITE(4)
SITE(5)
SITE(6)
SITE(7)

static void *(*const sites[8])(size_t) = { site0, site1, site2, site3, site4, site5, site6, site7 };

/* "Name:   123 kB" from /proc/self/status, in KiB. */
static long status_kib(const char *name)
{
	char line[256];
	long v = -1;
	size_t n = strlen(name);
	FILE *f = fopen("/proc/self/status", "r");
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL)
		if (strncmp(line, name, n) == 0 && line[n] == ':')
			v = atol(line + n + 1);
	fclose(f);
	return v;
}

static void report(unsigned long long step, const char *raw)
{
	struct stat st;
	long long raw_bytes = raw != NULL && stat(raw, &st) == 0 ? (long long)st.st_size : -1;
	fprintf(stderr, "%llu %ld %ld %lld\n", step, status_kib("VmHWM"), status_kib("VmRSS"),
		raw_bytes);
}

int main(int argc, char **argv)
{
	unsigned long long n = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
	const char *raw = argc > 2 ? argv[2] : NULL;
	unsigned long long next = 100000, step_size = 10000;
	unsigned x = 12345;

	for (unsigned long long i = 0; i < n; i++) {
		unsigned slot = (unsigned)(i % RING);
		x = x * 1103515245u + 12345u;
		free(ring[slot]);
		ring[slot] = sites[(x >> 16) & 7](16 + ((x >> 8) & 1023));
		if (i + 1 == next) {
			report(i + 1, raw);
			if (next == step_size * 10)
				step_size *= 10;
			next += step_size;
		}
	}
	for (unsigned slot = 0; slot < RING; slot++)
		free(ring[slot]);
	report(n, raw);
	if (raw != NULL) {
		char copy[4096], buf[65536];
		size_t k;
		snprintf(copy, sizeof copy, "%s.copy", raw);
		FILE *in = fopen(raw, "rb"), *out = fopen(copy, "wb");
		while (in != NULL && out != NULL && (k = fread(buf, 1, sizeof buf, in)) > 0)
			fwrite(buf, 1, k, out);
		if (in != NULL)
			fclose(in);
		if (out != NULL)
			fclose(out);
	}
	return 0;
}
