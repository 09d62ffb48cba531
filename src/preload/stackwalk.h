/* stackwalk: a fast x86-64 stack walk from the DWARF call frame info.
 *
 * Owns a per-thread cache of unwind rules keyed by code address, filled by
 * interpreting the .eh_frame entry found with _dl_find_object (else the
 * object's .debug_frame, debugframe.h), and the walk itself.  It only handles the common layouts (CFA = RSP or RBP plus a
 * constant, return address at CFA-8, RBP saved at a constant offset or not
 * at all); any other frame (signal frames, expressions, a stack it cannot
 * bound) makes it give up so the caller can use libunwind instead.  Every
 * stack read is checked against the thread's stack bounds, so a wrong rule
 * can give a wrong trace but never a crash.
 *
 * Nothing here allocates through malloc: caches are mmap'd, one per thread,
 * released at thread exit.
 */
#ifndef HS_STACKWALK_H
#define HS_STACKWALK_H

#include <stdint.h>

/* Set up the thread-exit hook.  Returns 0, or -1 (then never walk). */
int hs_stackwalk_init(void);

/* Walk the caller's stack: frames[0] is the return address into the caller
 * of hs_stackwalk (minus one), and so on outwards, at most max.  Returns
 * the count, or -1 when a frame cannot be handled (frames is then
 * unspecified and the caller should use another unwinder). */
int hs_stackwalk(uintptr_t *frames, unsigned max);

/* Forget every cached rule (code was unloaded: dlclose). */
void hs_stackwalk_invalidate(void);

#endif
