/* debugframe: call frame information from .debug_frame, for code built
 * without unwind tables (-fno-asynchronous-unwind-tables
 * -fno-unwind-tables -g), which has no .eh_frame entry; Massif reads
 * .debug_frame there too, and Debian's libunwind does not.
 *
 * Owns one index per loaded object, built the first time the walk misses
 * an .eh_frame entry in it: the object's file mapped read-only with raw
 * system calls, its .debug_frame's FDEs sorted by address in an mmap'd
 * table.  No malloc, no libc lock (the walk may run inside any libc call),
 * bounded work: one pass over the section, once per object.
 */
#ifndef HS_DEBUGFRAME_H
#define HS_DEBUGFRAME_H

#include <dlfcn.h>
#include <stdint.h>

/* A located FDE and its CIE, in .eh_frame or .debug_frame. */
struct hs_fde {
	const uint8_t *cie, *cie_end;
	const uint8_t *fde, *fde_end;
	uintptr_t bias; /* .debug_frame: the object's load bias */
	int debug;      /* 1: .debug_frame's layout (absolute addresses, CIE id ~0) */
};

/* The .debug_frame FDE that may cover pc, in the object fo describes
 * (from _dl_find_object).  Returns 0, or -1 when there is none. */
int hs_debugframe_find(uintptr_t pc, const struct dl_find_object *fo, struct hs_fde *out);

/* Forget every index (code was unloaded: dlclose). */
void hs_debugframe_forget(void);

#endif
