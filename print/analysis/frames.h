/* frames: which frame of an allocation's call path names it for the user.
 *
 * Owns the rule that folds allocation wrappers away: a leak is named by the
 * first frame, innermost first, that is the user's code, not C++'s operator
 * new or std:: containers' allocators, not Rust's alloc::/core::/std::
 * allocation paths (RawVec, Box::new, alloc_impl, exchange_malloc, ... and
 * the std functions the compiler inlined into the user's), not strdup,
 * g_malloc and the like, not a system library without debug information.
 * Frames are the texts sites.h keeps: "func (file:line)", addresses
 * dropped; whole names, '#' included ("{closure#0}").
 */
#ifndef HS_FRAMES_H
#define HS_FRAMES_H

#include <stdbool.h>
#include <stddef.h>

/* True when frame (one frame's text, len bytes) is an allocation wrapper
 * or library code, so the user's frame is further out. */
bool hs_frame_is_wrapper(const char *frame, size_t len);

/* The user's frame of a path (frames innermost first, '\n'-separated):
 * the offset of the first frame that is not a wrapper, or 0 when every
 * frame is one (the innermost then names it). */
size_t hs_path_user_frame(const char *path);

#endif
