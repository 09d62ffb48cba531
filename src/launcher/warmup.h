/* warmup: the program's debug information, loaded while it still runs.
 *
 * Most of the time a resolve takes after the program ends is libdw
 * opening the modules' separate debug files and inflating their
 * compressed sections (python3 on bench/: 0.35 s of the 0.36 s between
 * the program's exit and ours; alloc_deep: three quarters of 0.09 s).
 * That depends only on which files the program maps, so the launcher
 * does it while the program runs: when the direct child first reports its
 * raw record, a thread opens the resolver's symbolizer from the child's
 * /proc/PID/maps and loads each module (hs_symbols_warm).  The resolver
 * then reopens that symbolizer with the record's final map
 * (hs_symbols_reopen_maps): modules still mapped where they were keep
 * what was loaded, the rest are dropped or loaded then, so the file is
 * the one a cold resolve writes.
 *
 * Then the thread names the stacks as the program records them: every
 * SCAN_EVERY_MS it reads what was appended to the raw record and names
 * each new CONTEXT's frames (doc/format-raw.md 4.2), which fills the
 * symbolizer's cache with the very addresses the resolver will ask for.
 * Every MAPS_EVERY_MS it reopens the symbolizer with the program's map:
 * when a module came or went, the names are forgotten and the record is
 * read again from its start.  The resolver's reopen keeps the names only
 * when the final map has the same modules and no unloaded note
 * (hs_symbols_reopen_maps), so a name is never carried across a change.
 *
 * Only the direct child's first record is warmed: one symbolizer, so the
 * launcher's memory is what one resolve takes.  The thread blocks every
 * signal (SIGCHLD must wake the launcher's ppoll) and stops between two
 * modules when the resolver asks; the resolver waits for the module
 * under way, which it would most likely have loaded itself.
 */
#ifndef HS_WARMUP_H
#define HS_WARMUP_H

#include <stdio.h>
#include <sys/types.h>

#include "symbols.h"

/* Start loading pid's modules, skipping files whose base name is
 * skip_base (libheapsnap.so: none of its frames is ever recorded), then
 * naming the frames of the contexts pid writes to raw_path.  Only the
 * first call does anything.  Without a thread, nothing happens. */
void hs_warmup_start(pid_t pid, const char *raw_path, const char *skip_base);

/* Stop the warm-up and hand over its symbolizer when it was for pid: *out
 * is filled and out returned, once; else NULL (and nothing is held).  With
 * log non-NULL, one line says what was loaded and how long it took. */
struct hs_symbolizer *hs_warmup_take(pid_t pid, struct hs_symbolizer *out, FILE *log);

/* Stop the warm-up and free what it holds, if anything. */
void hs_warmup_end(void);

#endif
