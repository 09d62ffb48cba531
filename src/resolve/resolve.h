/* resolve: a raw record turned into the Massif file, outside the program.
 *
 * Owns the resolve step: read the raw record (rawread.h), name its frames
 * with the offline symbolizer built from the recorded module maps, filter
 * and write the file as Massif does (filter.h, massif_out.h), and put it
 * in place so that it is complete or absent: written to OUT.tmp.PID,
 * renamed.  Beside it goes the companion per-site series,
 * OUT.series (series_out.h), written the same way: both or neither.  The desc: line says when recording stopped early
 * and how the program ended when it did not end by exit.
 *
 * "ending" is how the program ended as its parent saw it (the launcher's
 * wait status): "exit 0", "signal 9 (SIGKILL)"...  The record's own END
 * record, when there is one, says it in the same words and wins.
 */
#ifndef HS_RESOLVE_H
#define HS_RESOLVE_H

#include <stddef.h>
#include <stdint.h>

#include "rawread.h"
#include "symbols.h"

/* Resolve raw_path into out_path (and out_path.series) with the offline
 * symbolizer; on success the raw record is deleted.  An out_path that is a FIFO, a device, a
 * socket, a directory or a symbolic link is refused.  Returns 0, or -1
 * with one line in err (nothing is left at out_path then, and the raw
 * record stays: when it was read, and only the writing failed, err ends
 * by saying so, with the command that writes it elsewhere). */
int hs_resolve_file(const char *raw_path, const char *out_path, const char *ending, char *err,
		    size_t err_len);

/* Whether the resolves that follow give their memory back (1, the
 * default) or leave it to the process's exit (0): the launcher's last
 * resolve, after which it exits.  Unmapping the scratch chunks, closing
 * the symbolizer and freeing the record piece by piece kept python3's
 * --sample run 47 ms after the program's exit, against 31 ms without:
 * the exit takes the whole address space at once. */
void hs_resolve_set_teardown(int on);

/* What a resolve tells its caller beside the file (hs_resolve_file_warm). */
struct hs_resolve_info {
	int names_kept; /* the names given before were kept */
	/* Sampling mode: the direct call sites whose bytes are not exact
	 * (struct hs_raw's sites_refused and sites_lost_flags); 0, 0: none. */
	uint32_t sites_refused;
	uint32_t sites_lost_flags;
};

/* The same, naming frames with warm (NULL: as hs_resolve_file), a
 * symbolizer opened from an earlier map of the same process that named
 * frames while it ran (src/launcher/warmup.h): it is reopened with the
 * record's last map (hs_symbols_reopen_maps), so the names are those
 * hs_resolve_file gives, and left open in *warm for the caller to close
 * with hs_symbols_close, success or not (closing a large one takes
 * milliseconds the launcher spends while the summary runs).  *info (may
 * be NULL) says whether the names given before were kept and which
 * direct call sites are not exact.  follow (NULL: none) is a reader that
 * parsed the record while the program ran (rawread.h), taken: finished
 * when it reads the file at raw_path, else given back and the file read
 * from its start. */
int hs_resolve_file_warm(const char *raw_path, const char *out_path, const char *ending,
			 struct hs_symbolizer *warm, struct hs_raw_follow *follow,
			 struct hs_resolve_info *info, char *err, size_t err_len);

/* The same, naming frames with sym (the tests' fake symbolizers). */
int hs_resolve_file_with(const char *raw_path, const char *out_path, const char *ending,
			 const struct hs_symbolizer *sym, char *err, size_t err_len);

/* A live dump of a record still being written (doc/design.md section 8):
 * its first limit bytes (0: all), frames named from maps_text (the
 * process's /proc/PID/maps now; NULL: the record's last map), and, when
 * the latest thing the record holds is a live dump's snapshot, that
 * snapshot after the table (*live_taken says so).  With answered (the
 * program served the request), the snapshot is the side record's and the
 * prefix the one it was written against (hs_raw_read_live), limit aside.
 * Written to out_path as hs_resolve_file writes, with " (heapsnap: live
 * dump ...)" on the desc: line; the raw record stays.  Returns 0, or -1
 * with one line in err. */
int hs_resolve_live(const char *raw_path, uint64_t limit, int answered, const char *maps_text,
		    size_t maps_len, const char *out_path, int *live_taken, char *err,
		    size_t err_len);

/* Remove raw_path's side files (a live dump's, doc/format-raw.md 6), with
 * the record resolved or dropped. */
void hs_resolve_unlink_sides(const char *raw_path);

/* Write the Massif file of raw to fd, naming frames with sym.  Returns 0,
 * or -1 with one line in err. */
int hs_resolve_write(struct hs_raw *raw, int fd, const char *ending,
		     const struct hs_symbolizer *sym, char *err, size_t err_len);

#endif
