/* rec_sites_many: a program with thousands of direct call sites
 * (--sample), for tests/recorder/rec_sample.py.
 *
 * Each of the 10,000 malloc calls below is a call site of its own (its
 * own return address), in ten functions of 1000; the program calls the
 * first N functions (N * 1000 sites), each site making one block of 100
 * to 196 bytes, all live together at the peak, then frees them.  Real
 * C++ and Rust programs have thousands of such sites.
 *
 * Usage: rec_sites_many N (1 to 10)
 */
#include <stdlib.h>

#define N_FNS 10
#define PER_FN 1000

static void *volatile blocks[N_FNS * PER_FN];

/* One site: its own call, a size that depends on its index, and (on
 * x86, where 0x90 is a nop) 1 to 31 bytes of padding after it, so that
 * the calls lie at uneven distances as in real code (evenly spaced ones
 * hash evenly).  Never 0: the assembler warns of a zero .skip. */
#if defined(__x86_64__) || defined(__i386__)
#define PAD(i) __asm__ volatile(".skip %c0, 0x90" ::"i"(((unsigned)(i) * 2654435761u >> 11) % 31u + 1u));
#else
#define PAD(i)
#endif
#define SITE(i)                                                               \
	blocks[i] = malloc(100 + (size_t)((i) % 7) * 16);                     \
	PAD(i)
#define SITE10(i)                                                                         \
	SITE(i) SITE((i) + 1) SITE((i) + 2) SITE((i) + 3) SITE((i) + 4) SITE((i) + 5)    \
	SITE((i) + 6) SITE((i) + 7) SITE((i) + 8) SITE((i) + 9)
#define SITE100(i)                                                                        \
	SITE10(i) SITE10((i) + 10) SITE10((i) + 20) SITE10((i) + 30) SITE10((i) + 40)   \
	SITE10((i) + 50) SITE10((i) + 60) SITE10((i) + 70) SITE10((i) + 80)             \
	SITE10((i) + 90)
#define SITE1000(i)                                                                       \
	SITE100(i) SITE100((i) + 100) SITE100((i) + 200) SITE100((i) + 300)              \
	SITE100((i) + 400) SITE100((i) + 500) SITE100((i) + 600) SITE100((i) + 700)     \
	SITE100((i) + 800) SITE100((i) + 900)

static __attribute__((noinline)) void fill0(void) { SITE1000(0) }
static __attribute__((noinline)) void fill1(void) { SITE1000(1000) }
static __attribute__((noinline)) void fill2(void) { SITE1000(2000) }
static __attribute__((noinline)) void fill3(void) { SITE1000(3000) }
static __attribute__((noinline)) void fill4(void) { SITE1000(4000) }
static __attribute__((noinline)) void fill5(void) { SITE1000(5000) }
static __attribute__((noinline)) void fill6(void) { SITE1000(6000) }
static __attribute__((noinline)) void fill7(void) { SITE1000(7000) }
static __attribute__((noinline)) void fill8(void) { SITE1000(8000) }
static __attribute__((noinline)) void fill9(void) { SITE1000(9000) }

int main(int argc, char **argv)
{
	static void (*const fill[N_FNS])(void) = { fill0, fill1, fill2, fill3, fill4,
						   fill5, fill6, fill7, fill8, fill9 };
	int n = argc > 1 ? atoi(argv[1]) : 3;
	if (n < 1 || n > N_FNS)
		return 2;
	for (int f = 0; f < n; f++)
		fill[f]();
	for (int i = 0; i < n * PER_FN; i++)
		free(blocks[i]);
	return 0;
}
