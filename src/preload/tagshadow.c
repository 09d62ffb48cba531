/* tagshadow: mapping the shadow's pieces (tagshadow.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "tagshadow.h"

uint8_t *hs_shadow_pieces[HS_SHADOW_PIECES];
int hs_shadow_off = 1;

/* One piece: a byte per granule of its GiB, and one more page, where the
 * second byte of a chunk starting in the GiB's last granule falls. */
#define PIECE_BYTES (((size_t)1 << (HS_SHADOW_PIECE_SHIFT - HS_SHADOW_GRANULE_SHIFT)) + 4096)

static unsigned g_pieces_mapped;

/* Whether the kernel commits every private mapping, reserved or not. */
static int overcommit_strict(void)
{
	char c = '0';
	int fd = open("/proc/sys/vm/overcommit_memory", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (read(fd, &c, 1) != 1)
		c = '0';
	close(fd);
	return c == '2';
}

void hs_shadow_start(void)
{
	struct rlimit as;
	int saved = errno;
	int limited = getrlimit(RLIMIT_AS, &as) != 0 || as.rlim_cur != RLIM_INFINITY;
	hs_shadow_off = limited || overcommit_strict();
	errno = saved;
}

uint8_t *hs_shadow_piece_slow(uintptr_t c)
{
	if (c >> HS_SHADOW_ADDR_BITS != 0 || __atomic_load_n(&hs_shadow_off, __ATOMIC_RELAXED))
		return NULL;
	uint8_t **slot = &hs_shadow_pieces[c >> HS_SHADOW_PIECE_SHIFT];
	uint8_t *piece = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
	if (piece != NULL)
		return piece;
	int saved = errno; /* called from malloc: the program's errno stays */
	void *m = mmap(NULL, PIECE_BYTES, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	errno = saved;
	if (m == MAP_FAILED) {
		__atomic_store_n(&hs_shadow_off, 1, __ATOMIC_RELAXED); /* no more tries */
		return NULL;
	}
	uint8_t *expected = NULL;
	if (!__atomic_compare_exchange_n(slot, &expected, (uint8_t *)m, 0, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE)) {
		munmap(m, PIECE_BYTES); /* another thread's came first */
		errno = saved;
		return expected;
	}
	__atomic_fetch_add(&g_pieces_mapped, 1, __ATOMIC_RELAXED);
	return m;
}

unsigned hs_shadow_pieces_mapped(void)
{
	return __atomic_load_n(&g_pieces_mapped, __ATOMIC_RELAXED);
}
