/* stackwalk: a fast x86-64 stack walk from the DWARF call frame info
 * (see stackwalk.h).
 *
 * Why: libunwind's unw_backtrace costs about 20 ns per frame here, most of
 * the recorder's time on every malloc.  The rules that matter at a call
 * site are tiny (where the CFA is, where RBP was saved), so they are
 * computed once per return address from .eh_frame and cached per thread;
 * a walk is then a few loads per frame.
 */
#include "config.h"

#include <dlfcn.h>
#include <dwarf.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "debugframe.h"
#include "stackbounds.h"
#include "stackwalk.h"
#include "spares.h"

#if defined(__x86_64__)

/* DWARF register numbers on x86-64. */
#define REG_RBP 6
#define REG_RSP 7
#define REG_RA 16

/* RULE_FP is the usual frame-pointer frame (CFA = RBP + 16, the caller's
 * RBP saved at CFA - 16), told apart because the walk through it needs
 * nothing from the rule: the next frame's loads do not wait for the rule
 * lookup, which only confirms the guess (a predicted branch). */
/* A rule's kind is one byte (read on every frame; no bit-fields): a
 * general rule is RULE_GENERAL plus its two flags, below RULE_FP. */
enum rule_kind {
	RULE_GENERAL = 0,
	RULE_CFA_RBP = 1,   /* flag: CFA = RBP + cfa_off (else RSP + cfa_off) */
	RULE_RBP_SAVED = 2, /* flag: the caller's RBP is at CFA + rbp_off */
	RULE_FP = 4,
	RULE_LAST = 5,
	RULE_GIVE_UP = 6,
};

/* How to find the caller's registers at one return address (the rule is
 * the call instruction's, at ra - 1; keyed on ra itself, the lookup does
 * not wait for a subtraction).  An empty cache entry has ra RULE_NO_RA:
 * no walk looks that up (the walk stops at a return address of 0), so a
 * lookup compares the ra alone. */
struct rule {
	uintptr_t ra;
	int32_t cfa_off;
	int16_t rbp_off;
	uint8_t kind;
};

#define RULE_NO_RA 0

_Static_assert(sizeof(struct rule) == 16, "four rules per cache line");

/* The rule cache is set-associative: a code address hashes to one cache
 * line of four rules, so a lookup reads one line whatever the load (linear
 * probing here averaged five probes on python3's 2,700 call sites). */
#define CACHE_WAYS 4
#ifdef HS_STACKWALK_SET_BITS /* a unit test's small cache: misses and evictions */
#define CACHE_SET_BITS HS_STACKWALK_SET_BITS
#else
#define CACHE_SET_BITS 10
#endif
#define CACHE_SETS (1u << CACHE_SET_BITS) /* x 4 ways x 16 bytes: 64 KiB per thread */

struct rule_set {
	_Alignas(64) struct rule way[CACHE_WAYS];
};

/* One frame of a remembered walk: the state the walk reached by
 * unwinding it, and the stack words it read to get there.  The walk from
 * a state is a function of the state and of the words it reads, so while
 * those words are unchanged a later walk that reaches the same state can
 * take the remembered frames instead of looking up their rules. */
struct memo_frame {
	uintptr_t cfa;    /* the caller's stack pointer */
	uintptr_t rbp;    /* the caller's RBP */
	uintptr_t ra;     /* the return address read at cfa - 8 */
	uintptr_t rbp_at; /* where that RBP was read (8-aligned), 0 when it was
			   * kept; | MEMO_CFA_RBP when the CFA was RBP-based */
};

#define MEMO_CFA_RBP ((uintptr_t)1)
#define MEMO_RBP_AT(f) ((f)->rbp_at & ~MEMO_CFA_RBP)

#define MEMO_FRAMES 320 /* at least HS_MAX_FRAMES plus the recorder's own */

/* Whether the walk after memo frame f used the RBP it had there: the
 * first frame further out (before end) that either computes its CFA from
 * RBP (yes) or restores RBP from the stack (no) decides.  A frame in
 * RBP-less code leaves a scratch value in RBP that changes from call to
 * call, and this lets the walk reuse the frames above it all the same. */
static int memo_needs_rbp(const struct memo_frame *f, const struct memo_frame *end)
{
	for (f++; f < end; f++) {
		if (f->rbp_at & MEMO_CFA_RBP)
			return 1;
		if (f->rbp_at != 0)
			return 0;
	}
	return 1; /* the walk may go on from the last frame's state */
}

/* The frames of the thread's last walk, innermost first, then a sentinel
 * frame with CFA MEMO_END: it stops the walk's scan for a CFA at or above
 * its own without a bound check, and matches no state. */
struct walk_memo {
	unsigned n; /* frames with a state; 0 when there is nothing to reuse */
	struct memo_frame f[MEMO_FRAMES + 1];
};

#define MEMO_END UINTPTR_MAX

struct walk_cache {
	unsigned generation;
	unsigned victim;      /* the way a miss in a full set replaces, in turn */
	uintptr_t stack_lo;   /* this thread's stack: [stack_lo, stack_hi), */
	uintptr_t stack_hi;   /* empty until found */
	unsigned bound_tries; /* looks for them left (each reads the maps) */
	unsigned memo_cur;    /* memo[memo_cur] is the last walk, the other one the next */
	struct walk_memo memo[2];
	struct rule_set sets[CACHE_SETS];
};

/* Looks for a thread's stack bounds after its first walk, made when a
 * walk starts outside them (its first on a signal or coroutine stack):
 * bounded, so such stacks cost at most a few reads of the maps. */
#define BOUND_TRIES 4

static __thread struct walk_cache *tl_cache __attribute__((tls_model("initial-exec")));
static pthread_key_t g_key;
static int g_ready;
static atomic_uint g_generation;

/* Ended threads' caches, for the next threads (spares.h). */
static _Atomic(void *) g_spare_caches[HS_SPARES];

/* Thread exit: keep the cache for another thread, or give it back. */
static void release_cache(void *cache)
{
	tl_cache = NULL;
	if (!hs_spares_put(g_spare_caches, cache))
		munmap(cache, sizeof(struct walk_cache));
}

/* Set up the thread-exit hook that releases the caches. */
int hs_stackwalk_init(void)
{
	if (pthread_key_create(&g_key, release_cache) != 0)
		return -1;
	hs_stackbounds_init();
	g_ready = 1;
	return 0;
}

/* Make every thread drop its cached rules on its next walk. */
void hs_stackwalk_invalidate(void)
{
	hs_debugframe_forget(); /* before the caches can look up again */
	atomic_fetch_add(&g_generation, 1);
}

/* Forget both remembered walks. */
static void memo_forget(struct walk_cache *c)
{
	for (unsigned i = 0; i < 2; i++) {
		c->memo[i].n = 0;
		c->memo[i].f[0].cfa = MEMO_END;
	}
}

/* Empty every rule slot (ra RULE_NO_RA: all bytes 0). */
static void clear_rules(struct walk_cache *c)
{
	memset(c->sets, 0, sizeof(c->sets));
}

/* This thread's cache, created on first use with the bounds of the stack
 * holding sp.  This runs on the thread's first allocation, which may be
 * inside any libc function (pthread_getattr_np allocates holding the
 * thread's lock): mmap and stackbounds.c's raw system calls only. */
static struct walk_cache *get_cache(uintptr_t sp)
{
	struct walk_cache *c = tl_cache;
	uintptr_t lo, hi;

	if (c != NULL)
		return c;
	if (!g_ready)
		return NULL;
	/* An ended thread's cache keeps its rules: they hold for every
	 * thread, and its generation says whether they are still good. */
	c = hs_spares_take(g_spare_caches);
	if (c == NULL) {
		c = mmap(NULL, sizeof(*c), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
		if (c == MAP_FAILED)
			return NULL;
		clear_rules(c);
		c->generation = atomic_load(&g_generation);
	}
	memo_forget(c);
	/* The stack's bounds make every read safe; without them, no walk
	 * (until a later walk from the thread's own stack finds them). */
	if (hs_stackbounds_find(sp, &lo, &hi) != 0)
		lo = hi = 0;
	c->stack_lo = lo;
	c->stack_hi = hi;
	c->bound_tries = BOUND_TRIES;
	/* No lock; a key past glibc's first 32 callocs its second-level
	 * block, which the caller's guard sends to the own heap. */
	pthread_setspecific(g_key, c);
	tl_cache = c;
	return c;
}

/* ---- reading .eh_frame ------------------------------------------------ */

/* A bounded byte reader. */
struct reader {
	const uint8_t *p, *end;
	int bad;
};

/* One byte. */
static uint8_t rd_u8(struct reader *r)
{
	if (r->p >= r->end) {
		r->bad = 1;
		return 0;
	}
	return *r->p++;
}

/* A little-endian unsigned of size bytes. */
static uint64_t rd_fixed(struct reader *r, unsigned size)
{
	uint64_t v = 0;

	if ((size_t)(r->end - r->p) < size) {
		r->bad = 1;
		return 0;
	}
	memcpy(&v, r->p, size); /* little-endian */
	r->p += size;
	return v;
}

/* An unsigned LEB128. */
static uint64_t rd_uleb(struct reader *r)
{
	uint64_t v = 0;
	unsigned shift = 0;
	uint8_t b;

	do {
		b = rd_u8(r);
		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
	} while ((b & 0x80) && !r->bad);
	return v;
}

/* A signed LEB128. */
static int64_t rd_sleb(struct reader *r)
{
	int64_t v = 0;
	unsigned shift = 0;
	uint8_t b;

	do {
		b = rd_u8(r);
		if (shift < 64)
			v |= (int64_t)((uint64_t)(b & 0x7f) << shift);
		shift += 7;
	} while ((b & 0x80) && !r->bad);
	if (shift < 64 && (b & 0x40))
		v |= -((int64_t)1 << shift);
	return v;
}

/* A pointer in encoding enc (absolute or pc-relative only). */
static uintptr_t rd_encoded(struct reader *r, uint8_t enc)
{
	const uint8_t *at = r->p;
	uint64_t v;

	if (enc == DW_EH_PE_omit)
		return 0;
	switch (enc & 0x0f) {
	case DW_EH_PE_absptr:
	case DW_EH_PE_udata8:
	case DW_EH_PE_sdata8:
		v = rd_fixed(r, 8);
		break;
	case DW_EH_PE_udata4:
		v = rd_fixed(r, 4);
		break;
	case DW_EH_PE_sdata4:
		v = (uint64_t)(int64_t)(int32_t)rd_fixed(r, 4);
		break;
	case DW_EH_PE_udata2:
		v = rd_fixed(r, 2);
		break;
	case DW_EH_PE_sdata2:
		v = (uint64_t)(int64_t)(int16_t)rd_fixed(r, 2);
		break;
	case DW_EH_PE_uleb128:
		v = rd_uleb(r);
		break;
	case DW_EH_PE_sleb128:
		v = (uint64_t)rd_sleb(r);
		break;
	default:
		r->bad = 1;
		return 0;
	}
	switch (enc & 0x70) {
	case DW_EH_PE_absptr:
		break;
	case DW_EH_PE_pcrel:
		v += (uintptr_t)at;
		break;
	default:
		r->bad = 1; /* textrel, datarel, funcrel: not used by gcc here */
	}
	if (enc & DW_EH_PE_indirect)
		r->bad = 1;
	return (uintptr_t)v;
}

/* The CFA state while interpreting the instructions. */
struct cfa_state {
	int cfa_reg;
	int64_t cfa_off;
	int rbp_how; /* 0 unchanged, 1 saved at CFA + rbp_off, -1 unsupported */
	int64_t rbp_off;
	int ra_how; /* 1 at CFA + ra_off, 2 undefined (outermost), -1 unsupported */
	int64_t ra_off;
};

/* Record register reg saved at CFA + off. */
static void set_saved(struct cfa_state *s, uint64_t reg, int64_t off)
{
	if (reg == REG_RBP) {
		s->rbp_how = 1;
		s->rbp_off = off;
	} else if (reg == REG_RA) {
		s->ra_how = 1;
		s->ra_off = off;
	}
}

/* Any other rule for reg (register, expression...): unsupported if it matters. */
static void set_other(struct cfa_state *s, uint64_t reg)
{
	if (reg == REG_RBP)
		s->rbp_how = -1;
	else if (reg == REG_RA)
		s->ra_how = -1;
}

/* Restore reg's rule from the CIE's initial state. */
static void restore_reg(struct cfa_state *s, const struct cfa_state *init, uint64_t reg)
{
	if (reg == REG_RBP) {
		s->rbp_how = init->rbp_how;
		s->rbp_off = init->rbp_off;
	} else if (reg == REG_RA) {
		s->ra_how = init->ra_how;
		s->ra_off = init->ra_off;
	}
}

/* Run CFA instructions up to (and including) the row for pc.  Returns 0,
 * or -1 on anything unsupported. */
static int run_cfa(struct reader *r, struct cfa_state *s, const struct cfa_state *init,
		   uintptr_t loc, uintptr_t pc, uint64_t code_align, int64_t data_align)
{
	struct cfa_state stack[8];
	unsigned depth = 0;

	while (r->p < r->end && !r->bad) {
		uint8_t op = rd_u8(r);
		uint8_t low = op & 0x3f;
		uint64_t reg, delta = 0;

		switch (op & 0xc0) {
		case DW_CFA_advance_loc:
			delta = low * code_align;
			goto advance;
		case DW_CFA_offset:
			set_saved(s, low, (int64_t)rd_uleb(r) * data_align);
			continue;
		case DW_CFA_restore:
			if (init == NULL)
				return -1;
			restore_reg(s, init, low);
			continue;
		}
		switch (op) {
		case DW_CFA_nop:
			continue;
		case DW_CFA_advance_loc1:
			delta = rd_fixed(r, 1) * code_align;
			goto advance;
		case DW_CFA_advance_loc2:
			delta = rd_fixed(r, 2) * code_align;
			goto advance;
		case DW_CFA_advance_loc4:
			delta = rd_fixed(r, 4) * code_align;
			goto advance;
		case DW_CFA_offset_extended:
			reg = rd_uleb(r);
			set_saved(s, reg, (int64_t)rd_uleb(r) * data_align);
			continue;
		case DW_CFA_offset_extended_sf:
			reg = rd_uleb(r);
			set_saved(s, reg, rd_sleb(r) * data_align);
			continue;
		case DW_CFA_restore_extended:
			if (init == NULL)
				return -1;
			restore_reg(s, init, rd_uleb(r));
			continue;
		case DW_CFA_undefined:
			reg = rd_uleb(r);
			if (reg == REG_RA)
				s->ra_how = 2;
			else
				set_other(s, reg);
			continue;
		case DW_CFA_same_value:
			reg = rd_uleb(r);
			if (reg == REG_RBP)
				s->rbp_how = 0;
			else
				set_other(s, reg);
			continue;
		case DW_CFA_register:
			set_other(s, rd_uleb(r));
			rd_uleb(r);
			continue;
		case DW_CFA_remember_state:
			if (depth == 8)
				return -1;
			stack[depth++] = *s;
			continue;
		case DW_CFA_restore_state:
			if (depth == 0)
				return -1;
			{
				/* The CFA rule is not part of the remembered state
				 * in practice, but gcc/LLVM expect it restored. */
				*s = stack[--depth];
			}
			continue;
		case DW_CFA_def_cfa:
			s->cfa_reg = (int)rd_uleb(r);
			s->cfa_off = (int64_t)rd_uleb(r);
			continue;
		case DW_CFA_def_cfa_sf:
			s->cfa_reg = (int)rd_uleb(r);
			s->cfa_off = rd_sleb(r) * data_align;
			continue;
		case DW_CFA_def_cfa_register:
			s->cfa_reg = (int)rd_uleb(r);
			continue;
		case DW_CFA_def_cfa_offset:
			s->cfa_off = (int64_t)rd_uleb(r);
			continue;
		case DW_CFA_def_cfa_offset_sf:
			s->cfa_off = rd_sleb(r) * data_align;
			continue;
		case DW_CFA_expression:
		case DW_CFA_val_expression:
			set_other(s, rd_uleb(r));
			{
				uint64_t len = rd_uleb(r);
				if ((uint64_t)(r->end - r->p) < len)
					return -1;
				r->p += len;
			}
			continue;
		case DW_CFA_val_offset:
			set_other(s, rd_uleb(r));
			rd_uleb(r);
			continue;
		case DW_CFA_val_offset_sf:
			set_other(s, rd_uleb(r));
			rd_sleb(r);
			continue;
		case DW_CFA_GNU_args_size:
			rd_uleb(r);
			continue;
		case DW_CFA_GNU_negative_offset_extended:
			reg = rd_uleb(r);
			set_saved(s, reg, -(int64_t)rd_uleb(r) * data_align);
			continue;
		default:
			return -1; /* def_cfa_expression, set_loc, vendor ops */
		}
	advance:
		loc += delta;
		if (loc > pc)
			return r->bad ? -1 : 0;
	}
	return r->bad ? -1 : 0;
}

/* The .eh_frame FDE whose table entry is the last at or below pc (it may
 * not cover pc: rule_from_fde checks).  Returns 0, -1 (unsupported), or
 * -2 (no .eh_frame entry at all: try .debug_frame). */
static int find_eh_fde(uintptr_t pc, const struct dl_find_object *fo, struct hs_fde *out)
{
	struct reader r;
	const uint8_t *hdr, *table, *fde, *cie;
	uint64_t count, lo, hi;

	if (fo->dlfo_eh_frame == NULL)
		return -2;
	hdr = fo->dlfo_eh_frame;
	/* version 1, datarel sdata4 binary search table (what ld writes). */
	if (hdr[0] != 1 || hdr[3] != (DW_EH_PE_datarel | DW_EH_PE_sdata4))
		return -1;
	r = (struct reader){ hdr + 4, hdr + 4 + 16, 0 };
	rd_encoded(&r, hdr[1]); /* eh_frame_ptr */
	if (hdr[2] != DW_EH_PE_udata4 || r.bad)
		return -1;
	count = rd_fixed(&r, 4);
	table = r.p;
	if (count == 0)
		return -2;
	/* The last entry whose start <= pc. */
	lo = 0;
	hi = count;
	while (hi - lo > 1) {
		uint64_t mid = (lo + hi) / 2;
		int32_t start;
		memcpy(&start, table + mid * 8, 4);
		if ((uintptr_t)(hdr + start) <= pc)
			lo = mid;
		else
			hi = mid;
	}
	{
		int32_t start, fde_rel;
		memcpy(&start, table + lo * 8, 4);
		memcpy(&fde_rel, table + lo * 8 + 4, 4);
		if ((uintptr_t)(hdr + start) > pc)
			return -2;
		fde = hdr + fde_rel;
	}
	/* The FDE and its CIE (32-bit lengths only). */
	{
		uint32_t len, cie_off, cie_len, cie_id;
		memcpy(&len, fde, 4);
		if (len == 0 || len == 0xffffffffu)
			return -1;
		memcpy(&cie_off, fde + 4, 4);
		cie = fde + 4 - cie_off;
		memcpy(&cie_len, cie, 4);
		memcpy(&cie_id, cie + 4, 4);
		if (cie_len == 0 || cie_len == 0xffffffffu || cie_id != 0)
			return -1;
		*out = (struct hs_fde){ cie, cie + 4 + cie_len, fde, fde + 4 + len, 0, 0 };
	}
	return 0;
}

/* The rule for pc from one FDE and its CIE (.eh_frame or .debug_frame).
 * Returns 0 (out set; RULE_GIVE_UP for an unsupported frame), or -2 when
 * the FDE does not cover pc. */
static int rule_from_fde(uintptr_t pc, const struct hs_fde *f, struct rule *out)
{
	struct reader r;
	uint8_t fde_enc = DW_EH_PE_absptr;
	uint64_t code_align, ra_reg;
	int64_t data_align;
	int has_z = 0;
	struct cfa_state init, state;

	r = (struct reader){ f->cie + 8, f->cie_end, 0 };
	{
		uint8_t version = rd_u8(&r);
		const char *aug = (const char *)r.p;
		size_t aug_len = strnlen(aug, (size_t)(f->cie_end - r.p));

		if (version != 1 && version != 3 && !(f->debug && version == 4))
			return 0;
		r.p += aug_len + 1;
		/* DWARF 4's .debug_frame: address and segment sizes. */
		if (version == 4 && (rd_u8(&r) != 8 || rd_u8(&r) != 0))
			return 0;
		code_align = rd_uleb(&r);
		data_align = rd_sleb(&r);
		ra_reg = version == 1 ? rd_u8(&r) : rd_uleb(&r);
		if (ra_reg != REG_RA || r.bad)
			return 0;
		if (aug[0] == 'z' && !f->debug) {
			uint64_t len = rd_uleb(&r);
			const uint8_t *data_end = r.p + len;
			has_z = 1;
			for (size_t i = 1; i < aug_len; i++) {
				if (aug[i] == 'R') {
					fde_enc = rd_u8(&r);
				} else if (aug[i] == 'L') {
					rd_u8(&r);
				} else if (aug[i] == 'P') {
					uint8_t penc = rd_u8(&r);
					/* Skip the personality pointer whatever it is relative to. */
					rd_encoded(&r, (uint8_t)(penc & 0x0f));
				} else {
					return 0; /* 'S' (signal frame) and unknown: give up */
				}
			}
			if (r.bad || data_end > f->cie_end)
				return 0;
			r.p = data_end;
		} else if (aug[0] != '\0') {
			return 0;
		}
		init = (struct cfa_state){ REG_RSP, 8, 0, 0, 1, -8 };
		if (run_cfa(&r, &init, NULL, 0, 0, code_align, data_align) != 0)
			return 0;
	}
	r = (struct reader){ f->fde + 8, f->fde_end, 0 };
	{
		/* .debug_frame: link-time addresses, 8 bytes each. */
		uintptr_t pc_begin =
			f->debug ? (uintptr_t)rd_fixed(&r, 8) + f->bias : rd_encoded(&r, fde_enc);
		uintptr_t pc_range = f->debug ? (uintptr_t)rd_fixed(&r, 8)
					      : rd_encoded(&r, (uint8_t)(fde_enc & 0x0f));

		if (r.bad)
			return 0;
		if (pc < pc_begin || pc >= pc_begin + pc_range)
			return -2;
		if (has_z) {
			uint64_t len = rd_uleb(&r);
			if ((uint64_t)(r.end - r.p) < len)
				return 0;
			r.p += len;
		}
		state = init;
		if (run_cfa(&r, &state, &init, pc_begin, pc, code_align, data_align) != 0)
			return 0;
	}
	if (state.ra_how == 2) {
		out->kind = RULE_LAST;
		return 0;
	}
	if (state.ra_how != 1 || state.ra_off != -8 || state.rbp_how < 0 ||
	    (state.cfa_reg != REG_RSP && state.cfa_reg != REG_RBP) || state.cfa_off < 8 ||
	    state.cfa_off > INT32_MAX || state.rbp_off < INT16_MIN || state.rbp_off > 0)
		return 0;
	/* The walk's stack pointers are 8-aligned: from RSP, a CFA that is not
	 * would be given up at once (and RULE_GENERAL's path counts on it). */
	if (state.cfa_reg == REG_RSP && (state.cfa_off & 7) != 0)
		return 0;
	/* At a call site the caller's RBP, saved by this frame, lies inside
	 * it: at or above RSP (a red-zone save would have been overwritten by
	 * the call), in an 8-aligned slot below the return address.  From
	 * RSP, the walk then reads it without a bound check (RULE_RBP_SAVED's
	 * path counts on it); from RBP, it checks only the bottom. */
	if (state.rbp_how == 1 && (state.rbp_off > -16 || (state.rbp_off & 7) != 0 ||
				   (state.cfa_reg == REG_RSP && state.rbp_off < -state.cfa_off)))
		return 0;
	out->cfa_off = (int32_t)state.cfa_off;
	out->rbp_off = (int16_t)state.rbp_off;
	out->kind = RULE_GENERAL | (state.cfa_reg == REG_RBP ? RULE_CFA_RBP : 0) |
		    (state.rbp_how == 1 ? RULE_RBP_SAVED : 0);
	if (out->kind == (RULE_CFA_RBP | RULE_RBP_SAVED) && out->cfa_off == 16 &&
	    out->rbp_off == -16)
		out->kind = RULE_FP;
	return 0;
}

/* Compute the rule for pc from its object's .eh_frame (found through
 * .eh_frame_hdr), else from its file's .debug_frame (debugframe.h), as
 * Massif does for code built without unwind tables. */
static void compute_rule(uintptr_t pc, struct rule *out)
{
	struct dl_find_object fo;
	struct hs_fde f;
	int rc = -2;

	out->kind = RULE_GIVE_UP;
	if (_dl_find_object((void *)pc, &fo) != 0)
		return;
	if (find_eh_fde(pc, &fo, &f) == 0)
		rc = rule_from_fde(pc, &f, out);
	if (rc == -2 && hs_debugframe_find(pc, &fo, &f) == 0)
		rule_from_fde(pc, &f, out);
}

/* A miss: compute ra's rule into a free way of set, or else into the
 * ways in turn.  Out of line, so the walk's registers stay its own. */
__attribute__((noinline, cold)) static const struct rule *lookup_miss(struct walk_cache *c,
								      struct rule_set *set,
								      uintptr_t ra)
{
	struct rule *e = NULL;

	for (unsigned w = 0; w < CACHE_WAYS && e == NULL; w++)
		if (set->way[w].ra == RULE_NO_RA)
			e = &set->way[w];
	if (e == NULL)
		e = &set->way[c->victim++ % CACHE_WAYS];
	compute_rule(ra - 1, e);
	e->ra = ra;
	return e;
}

/* The set of return address ra: its low CACHE_SET_BITS bits, computed as
 * a byte offset (a shift and a mask).  Return addresses end in any byte,
 * so their low bits spread as well as a hash would (folding in the next
 * bits left python3's misses as they were and cost three instructions a
 * frame).  In code without frame pointers the next CFA waits for the
 * rule, so this is on the walk's critical path. */
static inline struct rule_set *rule_set_of(struct walk_cache *c, uintptr_t ra)
{
	_Static_assert(sizeof(struct rule_set) == 1 << 6, "a set is 64 bytes");
#if CACHE_SET_BITS >= 6
	uintptr_t off = (ra << 6) & ((uintptr_t)(CACHE_SETS - 1) << 6);
#else
	uintptr_t off = ((ra ^ (ra >> CACHE_SET_BITS)) & (CACHE_SETS - 1)) << 6;
#endif
	return (struct rule_set *)(void *)((char *)c->sets + off);
}

/* The cached rule for return address ra (not 0), computed on a miss. */
static inline const struct rule *lookup(struct walk_cache *c, uintptr_t ra)
{
	struct rule_set *set = rule_set_of(c, ra);

	if (set->way[0].ra == ra)
		return &set->way[0];
	if (set->way[1].ra == ra)
		return &set->way[1];
	if (set->way[2].ra == ra)
		return &set->way[2];
	if (set->way[3].ra == ra)
		return &set->way[3];
	return lookup_miss(c, set, ra);
}

/* A walk from sp, outside the thread's known stack: look for the bounds
 * again (the first walk may have been on a signal stack), a few times per
 * thread.  Returns 0 when sp is now inside them. */
__attribute__((noinline, cold)) static int rebound(struct walk_cache *c, uintptr_t sp)
{
	uintptr_t lo, hi;

	if (c->bound_tries == 0)
		return -1;
	c->bound_tries--;
	if (hs_stackbounds_find(sp, &lo, &hi) != 0)
		return -1;
	c->stack_lo = lo;
	c->stack_hi = hi;
	memo_forget(c);
	return 0;
}

/* Entry point of the walk proper, jumped to by the hs_stackwalk stub with
 * the stack pointer and RBP at entry to hs_stackwalk. */
__attribute__((visibility("hidden"))) int hs_stackwalk_from(uintptr_t *frames, unsigned max,
							    uintptr_t entry_sp, uintptr_t rbp);
int hs_stackwalk_from(uintptr_t *frames, unsigned max, uintptr_t entry_sp, uintptr_t rbp)
{
	struct walk_cache *c = get_cache(entry_sp);
	const struct memo_frame *lk, *lk_end;
	struct walk_memo *next;
	struct memo_frame *m;
	uintptr_t *fr, *fr_end;
	uintptr_t sp, ra, hi;

	if (c == NULL)
		return -1;
	if (c->generation != atomic_load_explicit(&g_generation, memory_order_relaxed)) {
		clear_rules(c);
		memo_forget(c);
		c->generation = atomic_load(&g_generation);
	}
	/* On another stack (sigaltstack): let libunwind do it.  So too from a
	 * stack pointer not 8-aligned (never at a call made by the ABI's
	 * rules): every CFA the walk computes from RSP is then aligned. */
	if ((entry_sp & 7) != 0)
		return -1;
	if ((entry_sp < c->stack_lo || entry_sp + 8 > c->stack_hi) && rebound(c, entry_sp) != 0)
		return -1;
	hi = c->stack_hi;
	if (max > MEMO_FRAMES)
		max = MEMO_FRAMES;
	lk = c->memo[c->memo_cur].f;
	lk_end = lk + c->memo[c->memo_cur].n;
	next = &c->memo[c->memo_cur ^ 1];
	m = next->f;
	fr = frames;
	fr_end = frames + max;
	ra = *(const uintptr_t *)entry_sp;
	sp = entry_sp + 8;
	while (fr < fr_end && ra != 0) {
		const struct rule *rule = lookup(c, ra);
		uintptr_t cfa;

		*fr++ = ra - 1;
		if (__builtin_expect(rule->kind == RULE_FP, 1)) {
			/* Every read stays inside the live part of this thread's
			 * stack: sp < cfa <= hi, and the saved RBP is at
			 * CFA - 16 = RBP, 8-aligned, so at or above sp - 8,
			 * which is at or above entry_sp. */
			cfa = rbp + 16;
			if (__builtin_expect(cfa <= sp, 0) || __builtin_expect(cfa > hi, 0) ||
			    __builtin_expect((rbp & 7) != 0, 0))
				goto give_up;
			m->rbp_at = rbp | MEMO_CFA_RBP;
			rbp = *(const uintptr_t *)rbp;
		} else if (rule->kind == RULE_GENERAL) {
			/* CFA = RSP + cfa_off, RBP kept: the usual frame of code
			 * built without frame pointers.  cfa_off is a multiple of
			 * 8, at least 8 (rule_from_fde), and sp is 8-aligned, so
			 * sp < cfa and cfa is aligned: only the top to check (a
			 * third of the general path's instructions). */
			cfa = sp + (uintptr_t)(intptr_t)rule->cfa_off;
			if (__builtin_expect(cfa > hi, 0))
				goto give_up;
			m->rbp_at = 0;
		} else if (rule->kind == RULE_RBP_SAVED) {
			/* CFA = RSP + cfa_off, the caller's RBP saved in this
			 * frame, between sp and cfa - 16 (rule_from_fde): only
			 * the top to check, as above. */
			uintptr_t at;

			cfa = sp + (uintptr_t)(intptr_t)rule->cfa_off;
			if (__builtin_expect(cfa > hi, 0))
				goto give_up;
			at = cfa + (uintptr_t)(intptr_t)rule->rbp_off;
			rbp = *(const uintptr_t *)at;
			m->rbp_at = at;
		} else {
			if (rule->kind >= RULE_FP) {
				if (rule->kind != RULE_LAST)
					goto give_up;
				break; /* the outermost frame has no state to remember */
			}
			int cfa_rbp = (rule->kind & RULE_CFA_RBP) != 0;
			cfa = (cfa_rbp ? rbp : sp) + (uintptr_t)(intptr_t)rule->cfa_off;
			if ((cfa - sp - 1 >= hi - sp) | ((cfa & 7) != 0))
				goto give_up;
			m->rbp_at = cfa_rbp ? MEMO_CFA_RBP : 0;
			if (rule->kind & RULE_RBP_SAVED) {
				/* Aligned and below cfa - 8 (rule_from_fde); at or
				 * above sp, so above the entry_sp of any later walk
				 * that takes this frame from the memo. */
				uintptr_t at = cfa + (uintptr_t)(intptr_t)rule->rbp_off;
				if (at < sp)
					goto give_up;
				rbp = *(const uintptr_t *)at;
				m->rbp_at |= at;
			}
		}
		ra = *(const uintptr_t *)(cfa - 8);
		sp = cfa;
		m->cfa = cfa;
		m->rbp = rbp;
		m->ra = ra;
		m++;

		/* The same state as the last walk had at this CFA: take its
		 * frames for as long as the words they were read from agree.
		 * (The scan stays a branch: a branch-free step made each
		 * frame's scan wait for the last one's load.) */
		while (lk->cfa < sp)
			lk++;
		if (__builtin_expect(((lk->cfa ^ sp) | (lk->ra ^ ra)) == 0, 0) &&
		    (lk->rbp == rbp || !memo_needs_rbp(lk, lk_end))) {
			const struct memo_frame *e = lk + 1;
			const struct memo_frame *end = lk_end;

			if (end - e > fr_end - fr)
				end = e + (fr_end - fr);
			for (; e < end; e++, m++) {
				/* A remembered RBP slot lies at or above its
				 * frame's stack pointer less 8 (the checks above),
				 * so above this walk's entry_sp: no bound check. */
				uintptr_t at = MEMO_RBP_AT(e);
				if (at != 0 && *(const uintptr_t *)at != e->rbp)
					break;
				if (*(const uintptr_t *)(e->cfa - 8) != e->ra)
					break;
				if (at != 0)
					rbp = e->rbp; /* else the RBP kept is this walk's own */
				*fr++ = ra - 1;
				sp = e->cfa;
				ra = e->ra;
				*m = *e; /* a block copy, then this walk's RBP */
				m->rbp = rbp;
			}
			lk = e;
		}
	}
	next->n = (unsigned)(m - next->f);
	m->cfa = MEMO_END;
	c->memo_cur ^= 1;
	return (int)(fr - frames);

give_up:
	memo_forget(c);
	return -1;
}

/* hs_stackwalk: hand the entry RSP and RBP to hs_stackwalk_from, as a
 * tail call so that the walk starts at our caller's frame. */
__asm__(".text\n"
	".globl hs_stackwalk\n"
	".hidden hs_stackwalk\n"
	".type hs_stackwalk, @function\n"
	"hs_stackwalk:\n"
	".cfi_startproc\n"
	"\tmovq %rsp, %rdx\n"
	"\tmovq %rbp, %rcx\n"
	"\tjmp hs_stackwalk_from\n"
	".cfi_endproc\n"
	".size hs_stackwalk, .-hs_stackwalk\n");

#else /* not x86-64: always defer to libunwind */

int hs_stackwalk_init(void)
{
	return -1;
}

int hs_stackwalk(uintptr_t *frames, unsigned max)
{
	(void)frames;
	(void)max;
	return -1;
}

void hs_stackwalk_invalidate(void)
{
}

#endif
