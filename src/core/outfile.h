/* outfile: the output file's name and its safe creation.
 *
 * Owns the --massif-out-file pattern language (%p = pid, %q{VAR} = an
 * environment variable, %% = a percent sign), the rule that keeps a forked
 * child from writing its parent's file, and opening the file without
 * following symlinks.  Nothing here allocates: the preload library calls it
 * while the program is exiting, forking or dying from a signal.
 */
#ifndef HS_OUTFILE_H
#define HS_OUTFILE_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

/* Check a pattern's syntax (no expansion).  Returns 0, or -1 with a
 * one-line message in err. */
int hs_outfile_check(const char *pattern, char *err, size_t err_len);

/* Expand pattern for pid into out; a relative result is prefixed with
 * base_dir (the working directory at start-up, as Valgrind does) unless
 * base_dir is NULL or empty.  Returns 0, or -1 with a message in err. */
int hs_outfile_expand(const char *pattern, pid_t pid, const char *base_dir, char *out,
		      size_t out_len, char *err, size_t err_len);

/* Whether pattern contains a %p (so each process gets its own name). */
int hs_outfile_has_pid(const char *pattern);

/* Make the pattern a forked child uses: unchanged when it has %p, else
 * with ".%p" appended.  Returns 0, or -1 when it does not fit. */
int hs_outfile_child_pattern(char *pattern, size_t pattern_len);

/* What a file of this mode is when no output may replace it (a rename
 * would hang a reader, write through a link, or replace what is not a
 * file): "a symbolic link", "a FIFO", "a device", "a socket" or "a
 * directory"; NULL for a regular file.  The resolver refuses these (its
 * last check, src/resolve/resolve.c); the launcher and the library refuse
 * them before anything is recorded (hs_outfile_check_target). */
static inline const char *hs_outfile_refused_kind(mode_t mode)
{
	return S_ISLNK(mode)			    ? "a symbolic link"
	       : S_ISFIFO(mode)			    ? "a FIFO"
	       : S_ISCHR(mode) || S_ISBLK(mode) ? "a device"
	       : S_ISSOCK(mode)			    ? "a socket"
	       : S_ISDIR(mode)			    ? "a directory"
						    : NULL;
}

/* Whether path (the output file, expanded from pattern) or its companion
 * path.series already names something the resolver refuses to replace
 * (hs_outfile_refused_kind: /dev/null, a directory, a symbolic link...).
 * Returns 0 (absent, a regular file, or not known), or -1 with
 * "--massif-out-file=PATTERN: [PATH ]is a device, not a file: ..." in err. */
int hs_outfile_check_target(const char *pattern, const char *path, char *err, size_t err_len);

/* Create or truncate path for writing: O_CLOEXEC, O_NOFOLLOW, mode 0600.
 * Returns the fd, or -1 with "cannot write PATH: REASON" in err. */
int hs_outfile_open(const char *path, char *err, size_t err_len);

/* Open the --log-file pattern, expanded for pid (a relative name under
 * base_dir, if not NULL), for appending (created 0600 if absent, never
 * through a symlink).  Returns the fd, or -1 with a one-line message in
 * err. */
int hs_outfile_open_log(const char *pattern, pid_t pid, const char *base_dir, char *err,
			size_t err_len);

#endif
