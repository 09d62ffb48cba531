/* unwind: capturing the caller's stack on every allocation (see unwind.h). */
#include "config.h"

#define UNW_LOCAL_ONLY
#include <libunwind.h>
#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <sys/mman.h>

#include "contexts.h"
#include "stackwalk.h"
#include "unwind.h"
#include "spares.h"

/* [self_lo, self_hi): the executable segments of libheapsnap.so. */
static uintptr_t self_lo, self_hi;

/* [unw_lo, unw_hi): libunwind's, whose pipe2 calls lifecycle.c moves out
 * of the program's way (hs_unwind_owns_pc). */
static uintptr_t unw_lo, unw_hi;

/* What to subtract from unw_backtrace's addresses to get "return address
 * minus one": 1 with libunwind <= 1.6, 0 with later versions, which
 * already give the address inside the call instruction; -1 until learned
 * at libunwind's first walk (ret_adjust).  Learned at start-up, it cost
 * every process libunwind's first walk for a walker most never use: its
 * 256 KiB trace cache (64 page faults) and about a millisecond, 5% of a
 * program's start under heapsnap.  (Its pipe comes earlier, with
 * unw_set_caching_policy below.) */
static _Atomic int g_ret_adjust = -1;

/* Walk with stackwalk.c first (libunwind only for frames it can't do). */
static int use_stackwalk;

/* A capture's frames: one buffer per thread, mapped at its first capture
 * and given back at its exit (unwind.h says why not on the stack). */
#define SCRATCH_WORDS (HS_MAX_FRAMES + HS_UNWIND_OWN_FRAMES)

static __thread uintptr_t *tl_scratch __attribute__((tls_model("initial-exec")));
static pthread_key_t g_scratch_key;
static int g_scratch_key_ok;

static _Atomic(void *) g_spare_scratch[HS_SPARES]; /* ended threads' (spares.h) */

static void release_scratch(void *scratch)
{
	tl_scratch = NULL;
	if (!hs_spares_put(g_spare_scratch, scratch))
		munmap(scratch, SCRATCH_WORDS * sizeof(uintptr_t));
}

/* This thread's buffer, mapped on first use; NULL when out of memory. */
static uintptr_t *scratch(void)
{
	uintptr_t *s = tl_scratch;
	if (__builtin_expect(s != NULL, 1))
		return s;
	s = hs_spares_take(g_spare_scratch);
	if (s == NULL) {
		s = mmap(NULL, SCRATCH_WORDS * sizeof(uintptr_t), PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (s == MAP_FAILED)
			return NULL;
	}
	/* A key past glibc's first 32 callocs its second-level block, which
	 * the caller's guard sends to the own heap. */
	if (g_scratch_key_ok)
		pthread_setspecific(g_scratch_key, s);
	tl_scratch = s;
	return s;
}

/* The executable segments of the object holding one address. */
struct code_range {
	uintptr_t here;
	uintptr_t lo, hi;
};

/* dl_iterate_phdr callback: find the object holding range->here. */
static int find_code(struct dl_phdr_info *info, size_t size, void *data)
{
	struct code_range *range = data;
	uintptr_t lo = UINTPTR_MAX, hi = 0;

	(void)size;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t start, end;

		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
			continue;
		start = info->dlpi_addr + ph->p_vaddr;
		end = start + ph->p_memsz;
		if (start < lo)
			lo = start;
		if (end > hi)
			hi = end;
	}
	if (lo <= range->here && range->here < hi) {
		range->lo = lo;
		range->hi = hi;
		return 1;
	}
	return 0;
}

int hs_unwind_owns_pc(uintptr_t pc)
{
	return pc >= unw_lo && pc < unw_hi;
}

/* Capture a trace one frame below the caller and learn, from a return
 * address known here, whether libunwind gives raw return addresses. */
__attribute__((noinline)) static void probe_adjust(uintptr_t *seen, uintptr_t *ret)
{
	void *raw[4];
	int got = unw_backtrace(raw, 4);

	/* raw[0] is inside this function, raw[1] is the return into our caller. */
	*seen = got >= 2 ? (uintptr_t)raw[1] : 0;
	*ret = (uintptr_t)__builtin_extract_return_addr(__builtin_return_address(0));
}

/* g_ret_adjust, learned on first use (threads that race learn alike). */
static uintptr_t ret_adjust(void)
{
	int adjust = atomic_load_explicit(&g_ret_adjust, memory_order_relaxed);
	if (adjust < 0) {
		uintptr_t seen = 0, ret = 0;
		probe_adjust(&seen, &ret);
		adjust = ret != 0 && seen == ret - 1 ? 0 : 1;
		atomic_store_explicit(&g_ret_adjust, adjust, memory_order_relaxed);
	}
	return (uintptr_t)adjust;
}

/* Set up libunwind and find our own code's address range. */
void hs_unwind_init(int fast)
{
	struct code_range self = { (uintptr_t)&hs_unwind_init, 0, 0 };
	struct code_range unw = { (uintptr_t)&unw_backtrace, 0, 0 };

	/* libunwind's range first: its first call opens its pipe. */
	dl_iterate_phdr(find_code, &unw);
	unw_lo = unw.lo;
	unw_hi = unw.hi;
	dl_iterate_phdr(find_code, &self);
	self_lo = self.lo;
	self_hi = self.hi;
	/* A per-thread cache: no lock in the hot path, and no allocation
	 * (libunwind keeps it in TLS). */
	unw_set_caching_policy(unw_local_addr_space, UNW_CACHE_PER_THREAD);
	use_stackwalk = fast && hs_stackwalk_init() == 0;
	g_scratch_key_ok = pthread_key_create(&g_scratch_key, release_scratch) == 0;
}

/* libunwind's step takes several KiB of stack (its DWARF machinery):
 * more than a handler on an 8 KiB alternate signal stack has left, where
 * our walk gives way to it.  There, the block is recorded without a stack
 * rather than the program crashed.  One sigaltstack call, in the fallback
 * path only. */
#define HS_LIBUNWIND_STACK_BYTES (16u << 10)

static int room_for_libunwind(void)
{
	stack_t ss;
	uintptr_t sp = (uintptr_t)__builtin_frame_address(0);

	if (sigaltstack(NULL, &ss) != 0 || !(ss.ss_flags & SS_ONSTACK))
		return 1;
	return sp - (uintptr_t)ss.ss_sp >= HS_LIBUNWIND_STACK_BYTES;
}

/* Capture the current stack, our own frames skipped. */
unsigned hs_unwind_capture(unsigned max, const uintptr_t **frames)
{
	unsigned limit;
	int got = -1;
	int i = 0;
	uintptr_t *buf = scratch();

	*frames = NULL;
	if (buf == NULL)
		return 0;
	if (max > HS_MAX_FRAMES)
		max = HS_MAX_FRAMES;
	limit = max + HS_UNWIND_OWN_FRAMES;
	if (use_stackwalk)
		got = hs_stackwalk(buf, limit);
	if (got <= 0 && room_for_libunwind()) {
		uintptr_t adjust = ret_adjust();
		got = unw_backtrace((void **)buf, (int)limit);
		for (int k = 0; k < got; k++)
			buf[k] -= adjust;
	}
	/* Our frames are the innermost ones; skip them all so the first frame
	 * is the caller of malloc. */
	while (i < got && buf[i] >= self_lo && buf[i] < self_hi)
		i++;
	*frames = buf + i;
	if (got <= i)
		return 0;
	return (unsigned)(got - i) < max ? (unsigned)(got - i) : max;
}
