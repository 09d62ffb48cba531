/* outfile: the output file's name and its safe creation (see outfile.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "outfile.h"
#include "nocancel.h"

/* Room for an expanded --log-file name. */
#define HS_OUTFILE_LOG_MAX 4096
/* Room for an output file's companion name checked before the run (a
 * longer one is left to the resolver's own check). */
#define HS_OUTFILE_SERIES_MAX (4096 + sizeof ".series")

/* Appends to a fixed buffer, remembering overflow. */
struct sink {
	char *buf;
	size_t len, cap;
	int overflow;
};

/* Append n bytes of s to the sink. */
static void sink_put(struct sink *k, const char *s, size_t n)
{
	if (k->len + n >= k->cap) {
		k->overflow = 1;
		return;
	}
	memcpy(k->buf + k->len, s, n);
	k->len += n;
	k->buf[k->len] = '\0';
}

/* Append pid in decimal (no stdio: this may run in a signal handler). */
static void sink_put_pid(struct sink *k, pid_t pid)
{
	char digits[24];
	size_t n = sizeof(digits);
	unsigned long v = (unsigned long)pid;

	do {
		digits[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0 && n > 0);
	sink_put(k, digits + n, sizeof(digits) - n);
}

/* Walk pattern; with k == NULL only check the syntax.  Returns 0 or -1. */
static int expand(const char *pattern, pid_t pid, struct sink *k, char *err, size_t err_len)
{
	const char *p = pattern;

	if (*p == '\0') {
		snprintf(err, err_len, "empty --massif-out-file");
		return -1;
	}
	while (*p != '\0') {
		const char *pct = strchr(p, '%');
		if (pct == NULL) {
			if (k != NULL)
				sink_put(k, p, strlen(p));
			break;
		}
		if (k != NULL)
			sink_put(k, p, (size_t)(pct - p));
		if (pct[1] == 'p') {
			if (k != NULL)
				sink_put_pid(k, pid);
			p = pct + 2;
		} else if (pct[1] == '%') {
			if (k != NULL)
				sink_put(k, "%", 1);
			p = pct + 2;
		} else if (pct[1] == 'q' && pct[2] == '{') {
			const char *close = strchr(pct + 3, '}');
			char name[256];
			size_t len;
			const char *value;

			if (close == NULL || close == pct + 3 ||
			    (size_t)(close - pct - 3) >= sizeof(name)) {
				snprintf(err, err_len, "bad %%q{VAR} in --massif-out-file=%s",
					 pattern);
				return -1;
			}
			len = (size_t)(close - pct - 3);
			memcpy(name, pct + 3, len);
			name[len] = '\0';
			if (k != NULL) {
				value = getenv(name);
				if (value == NULL) {
					snprintf(
						err, err_len,
						"--massif-out-file=%s: environment variable %s is not set",
						pattern, name);
					return -1;
				}
				sink_put(k, value, strlen(value));
			}
			p = close + 1;
		} else {
			snprintf(
				err, err_len,
				"bad %% sequence in --massif-out-file=%s (use %%p, %%q{VAR} or %%%%)",
				pattern);
			return -1;
		}
	}
	return 0;
}

/* Check a pattern's syntax (no expansion). */
int hs_outfile_check(const char *pattern, char *err, size_t err_len)
{
	return expand(pattern, 0, NULL, err, err_len);
}

/* Expand pattern for pid into out, relative names under base_dir. */
int hs_outfile_expand(const char *pattern, pid_t pid, const char *base_dir, char *out,
		      size_t out_len, char *err, size_t err_len)
{
	struct sink k = { out, 0, out_len, 0 };

	if (out_len == 0)
		return -1;
	out[0] = '\0';
	if (pattern[0] != '/' && base_dir != NULL && base_dir[0] != '\0') {
		sink_put(&k, base_dir, strlen(base_dir));
		if (base_dir[strlen(base_dir) - 1] != '/')
			sink_put(&k, "/", 1);
	}
	if (expand(pattern, pid, &k, err, err_len) != 0)
		return -1;
	if (k.overflow) {
		snprintf(err, err_len, "--massif-out-file=%s: the file name is too long", pattern);
		return -1;
	}
	return 0;
}

/* Whether pattern contains a %p (a "%%p" is a literal "%p", not a pid). */
int hs_outfile_has_pid(const char *pattern)
{
	for (const char *p = pattern; *p != '\0'; p++) {
		if (p[0] != '%')
			continue;
		if (p[1] == 'p')
			return 1;
		if (p[1] != '\0')
			p++;
	}
	return 0;
}

/* Make the pattern a forked child uses. */
int hs_outfile_child_pattern(char *pattern, size_t pattern_len)
{
	size_t len = strlen(pattern);

	if (hs_outfile_has_pid(pattern))
		return 0;
	if (len + 3 >= pattern_len)
		return -1;
	memcpy(pattern + len, ".%p", 4);
	return 0;
}

/* Refuse an output path the resolver would not write. */
int hs_outfile_check_target(const char *pattern, const char *path, char *err, size_t err_len)
{
	char series[HS_OUTFILE_SERIES_MAX];
	struct stat st;
	const char *what;

	if (lstat(path, &st) == 0 && (what = hs_outfile_refused_kind(st.st_mode)) != NULL) {
		if (strcmp(pattern, path) == 0)
			snprintf(err, err_len,
				 "--massif-out-file=%s: is %s, not a file: no Massif file can be "
				 "written there",
				 pattern, what);
		else
			snprintf(err, err_len,
				 "--massif-out-file=%s: %s is %s, not a file: no Massif file can "
				 "be written there",
				 pattern, path, what);
		return -1;
	}
	if ((size_t)snprintf(series, sizeof series, "%s.series", path) < sizeof series &&
	    lstat(series, &st) == 0 && (what = hs_outfile_refused_kind(st.st_mode)) != NULL) {
		snprintf(err, err_len,
			 "--massif-out-file=%s: %s is %s, not a file: the Massif file's series "
			 "cannot be written beside it",
			 pattern, series, what);
		return -1;
	}
	return 0;
}

/* Create or truncate path for writing, never through a symlink. */
int hs_outfile_open(const char *path, char *err, size_t err_len)
{
	int fd = hs_nc_open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (fd < 0) {
		const char *reason = errno == ELOOP ? "it is a symbolic link" : strerror(errno);
		snprintf(err, err_len, "cannot write %s: %s", path, reason);
	}
	return fd;
}

/* Open the --log-file pattern for pid, appending: the launcher and the
 * program's library both write to it, and neither may cut the other's
 * lines (so, unlike Valgrind, an existing file is not truncated). */
int hs_outfile_open_log(const char *pattern, pid_t pid, const char *base_dir, char *err,
			size_t err_len)
{
	char path[HS_OUTFILE_LOG_MAX];

	if (hs_outfile_expand(pattern, pid, base_dir, path, sizeof(path), err, err_len) != 0)
		return -1;
	int fd = hs_nc_open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		const char *reason = errno == ELOOP ? "it is a symbolic link" : strerror(errno);
		snprintf(err, err_len, "cannot write log file %s: %s", path, reason);
	}
	return fd;
}
