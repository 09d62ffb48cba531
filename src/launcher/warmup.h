/* warmup: the program's stacks named while it still runs.
 *
 * A cold resolve after the program ends spends most of its time in libdw:
 * opening the modules' separate debug files and inflating their
 * compressed sections (python3 on bench/: two thirds of the 0.36 s
 * between the program's exit and ours; alloc_deep: three quarters of
 * 0.09 s), then walking each CU's DIEs to name addresses.  None of it
 * needs the program to be over: when the direct child reports its raw
 * record, a thread opens the resolver's symbolizer from the child's
 * /proc/PID/maps and, every SCAN_EVERY_MS, reads what the program
 * appended to its raw record and names each new CONTEXT's frames
 * (doc/format-raw.md 4.2).  That loads exactly the modules a resolve
 * would load, when the first frame needs one, and fills the symbolizer's
 * cache with the very addresses the resolver will ask for.
 *
 * Every MAPS_EVERY_MS the thread reopens the symbolizer with the
 * program's map (hs_symbols_reopen_maps): when a module came or went, the
 * names are forgotten and the record is read again from its start (at
 * most MAX_RESCANS times); an UNLOADED record ends the naming, since the
 * resolver then keeps no name.  The resolver reopens the symbolizer with
 * the record's final map, which keeps the names only when the modules are
 * where they were and no unloaded note exists, so the file is the one a
 * cold resolve writes.
 *
 * Only the direct child's first record is followed (one symbolizer, so
 * the launcher holds what one resolve holds), until it ends or an exec
 * drops it.  The thread blocks every signal (SIGCHLD must wake the launcher's
 * ppoll) and stops between two records when asked.  HEAPSNAP_NO_WARMUP=1
 * turns it off (the tests compare both ways).
 */
#ifndef HS_WARMUP_H
#define HS_WARMUP_H

#include <stdio.h>
#include <sys/types.h>

#include "rawread.h"
#include "symbols.h"

/* Start naming the frames of the contexts pid writes to raw_path.  Does
 * nothing when already started (and not dropped since), when turned off,
 * or without a thread. */
void hs_warmup_start(pid_t pid, const char *raw_path);

/* pid's record ended or was removed (an exec'd image, recorded or not,
 * follows): stop naming, without waiting for the thread (the launcher
 * must go on answering the new image).  The names stay for the resolver,
 * which keeps them only if the final map has the same modules. */
void hs_warmup_quit(pid_t pid);

/* Stop the thread (the program is gone); what it named is kept. */
void hs_warmup_stop(void);

/* Stop the warm-up and hand over its symbolizer when it was for pid: *out
 * is filled and out returned, once; else NULL (and nothing is held).
 * *follow is the reader that parsed pid's record as it grew (rawread.h),
 * the caller's to finish or close, or NULL.  With log non-NULL, one line
 * says what was named and how long the end waited. */
struct hs_symbolizer *hs_warmup_take(pid_t pid, struct hs_symbolizer *out,
				     struct hs_raw_follow **follow, FILE *log);

/* Stop the warm-up and free what it holds, if anything. */
void hs_warmup_end(void);

#endif
