/* tagshadow: mapping the shadow's directories and leaves (tagshadow.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "tagshadow.h"
#include "nocancel.h"

uint8_t **hs_shadow_dirs[HS_SHADOW_DIRS];
int hs_shadow_off = 1;

/* A leaf: a byte per granule of its 32 MiB (LEAF_SPAN, 2 MiB: one huge
 * page, where it starts), and one more page, where the second and third
 * bytes of a chunk starting in the last granules fall. */
#define LEAF_SPAN ((size_t)1 << (HS_SHADOW_LEAF_SHIFT - HS_SHADOW_GRANULE_SHIFT))
#define LEAF_BYTES (LEAF_SPAN + 4096)
#define DIR_BYTES ((size_t)HS_SHADOW_DIR_LEAVES * sizeof(uint8_t *))

/* A new leaf asks for a huge page once the heap holds this much per leaf
 * already mapped: dense enough that the leaves' pages are all written,
 * so the next one's will be too.  The first leaf, with nothing to judge
 * by, keeps small pages, as do a heap spread thin (threads' arenas, 64
 * MiB apart and mostly empty) and a process whose memory is mostly
 * outside malloc (a JVM's heap).  (Counting the new leaf in, a program's
 * second leaf came when its heap crossed the first's 32 MiB, 16 MiB on
 * average, and was small pages: 300 faults more on sqlite3.) */
#define HUGE_HEAP_PER_LEAF ((uint64_t)12 << 20)

static unsigned g_leaves_mapped;
static uint64_t (*g_heap_probe)(void);

void hs_shadow_set_heap_probe(uint64_t (*probe)(void))
{
	__atomic_store_n(&g_heap_probe, probe, __ATOMIC_RELEASE);
}

/* Whether the kernel commits every private mapping, reserved or not. */
static int overcommit_strict(void)
{
	char c = '0';
	int fd = hs_nc_open("/proc/sys/vm/overcommit_memory", O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	if (hs_nc_read(fd, &c, 1) != 1)
		c = '0';
	hs_nc_close(fd);
	return c == '2';
}

/* Whether the program's address space is limited now (it may have set the
 * limit itself since start-up). */
static int address_space_limited(void)
{
	struct rlimit as;
	return getrlimit(RLIMIT_AS, &as) != 0 || as.rlim_cur != RLIM_INFINITY;
}

void hs_shadow_start(void)
{
	int saved = errno;
	hs_shadow_off = address_space_limited() || overcommit_strict();
	errno = saved;
}

/* A zeroed mapping of n bytes (a multiple of 4096) whose start is
 * aligned to align (a power of two, 4096 or more), or NULL. */
static void *map_aligned(size_t n, size_t align)
{
	size_t over = n + align - 4096;
	char *m = mmap(NULL, over, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	char *a = (char *)(((uintptr_t)m + align - 1) & ~(uintptr_t)(align - 1));
	if (a > m)
		munmap(m, (size_t)(a - m));
	if (m + over > a + n)
		munmap(a + n, (size_t)(m + over - (a + n)));
	return a;
}

/* Whether a new leaf asks for a huge page (HUGE_HEAP_PER_LEAF). */
static int leaf_wants_huge(void)
{
	uint64_t (*probe)(void) = __atomic_load_n(&g_heap_probe, __ATOMIC_ACQUIRE);
	if (probe == NULL)
		return 0;
	unsigned leaves = __atomic_load_n(&g_leaves_mapped, __ATOMIC_RELAXED);
	return leaves != 0 && probe() >= leaves * HUGE_HEAP_PER_LEAF;
}

/* A zeroed mapping of n bytes (2 MiB-aligned for a leaf: huge) installed
 * at *slot, or the one another thread installed first; NULL when it
 * cannot be mapped. */
static void *install(void **slot, size_t n, int leaf)
{
	void *m = map_aligned(n, leaf ? LEAF_SPAN : 4096);
	if (m == NULL)
		return NULL;
	/* A dense heap's leaf is written all over: one fault for its 2 MiB
	 * instead of 512 (11 us each on bench's machine).  Advice only. */
	if (leaf && leaf_wants_huge())
		madvise(m, LEAF_SPAN, MADV_HUGEPAGE);
	void *expected = NULL;
	if (!__atomic_compare_exchange_n(slot, &expected, m, 0, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE)) {
		munmap(m, n);
		return expected;
	}
	return m;
}

uint8_t *hs_shadow_leaf_slow(uintptr_t c)
{
	if (c >> HS_SHADOW_ADDR_BITS != 0 || __atomic_load_n(&hs_shadow_off, __ATOMIC_RELAXED))
		return NULL;
	int saved = errno; /* called from malloc: the program's errno stays */
	uint8_t *leaf = NULL;
	if (address_space_limited())
		goto off;
	void **dir_slot = (void **)&hs_shadow_dirs[c >> HS_SHADOW_DIR_SHIFT];
	uint8_t **dir = __atomic_load_n(dir_slot, __ATOMIC_ACQUIRE);
	if (dir == NULL && (dir = install(dir_slot, DIR_BYTES, 0)) == NULL)
		goto off;
	void **leaf_slot = (void **)&dir[(c >> HS_SHADOW_LEAF_SHIFT) & (HS_SHADOW_DIR_LEAVES - 1)];
	leaf = __atomic_load_n(leaf_slot, __ATOMIC_ACQUIRE);
	if (leaf == NULL) {
		leaf = install(leaf_slot, LEAF_BYTES, 1);
		if (leaf == NULL)
			goto off;
		__atomic_fetch_add(&g_leaves_mapped, 1, __ATOMIC_RELAXED);
	}
	errno = saved;
	return leaf;
off:
	/* No more tries: blocks are asked with room for their tags. */
	__atomic_store_n(&hs_shadow_off, 1, __ATOMIC_RELAXED);
	errno = saved;
	return NULL;
}

unsigned hs_shadow_leaves_mapped(void)
{
	return __atomic_load_n(&g_leaves_mapped, __ATOMIC_RELAXED);
}
