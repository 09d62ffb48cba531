/* resolve: raw record -> Massif file (see resolve.h). */
#include "resolve.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arena.h"
#include "callsites.h"
#include "filter.h"
#include "journal.h"
#include "sampler.h"
#include "massif_out.h"
#include "outfile.h"
#include "series_out.h"

/* The ending a live dump passes: the program has not ended. */
#define HS_RESOLVE_LIVE "live dump"

/* Whether how is an ordinary end, which the desc: line does not mention. */
static int ended_by_exit(const char *how)
{
	return strncmp(how, "exit", 4) == 0 || strncmp(how, "_exit", 5) == 0 ||
	       strncmp(how, "_Exit", 5) == 0;
}

/* The sampling note's last words: the direct call sites are exact, or
 * which are not (the recorder's SITES_LOST, journal.h). */
static void sites_note(const struct hs_raw *raw, char *out, size_t len)
{
	uint32_t refused = raw->sites_refused, flags = raw->sites_lost_flags;
	size_t n = (size_t)snprintf(out, len, " are exact, within the same bound with threads");
	if (n < len && (refused != 0 || (flags & HS_SITES_LOST_MORE) != 0)) {
		if (refused == 0)
			n += (size_t)snprintf(out + n, len - n, ", except some sites");
		else
			n += (size_t)snprintf(out + n, len - n, ", except %s%lu site%s",
					      (flags & HS_SITES_LOST_MORE) != 0 ? "at least " : "",
					      (unsigned long)refused, refused == 1 ? "" : "s");
		if (n < len)
			n += (size_t)snprintf(out + n, len - n,
					      " that did not fit in the recorder's table of %u"
					      " (their top-level nodes are estimates)",
					      HS_CALLSITES_IDS);
	}
	if (n < len && (flags & HS_SITES_LOST_GAVE_UP) != 0)
		snprintf(out + n, len - n,
			 ", and only until the recorder ran out of memory for them"
			 " (estimates in the snapshots after)");
}

/* The notes for the desc: line: why recording stopped, how the program ended. */
static void desc_note(const struct hs_raw *raw, const char *ending, char *note, size_t len)
{
	size_t n = 0;
	note[0] = '\0';
	if (raw->opts.sample_bytes != 0) {
		char sites[320];
		sites_note(raw, sites, sizeof sites);
		n += (size_t)snprintf(note, len,
				      " (heapsnap: sampled, one block per %llu bytes on average:"
				      " mem_heap_B and the peak are exact, within %u KiB per thread"
				      " with threads; the trees are unbiased estimates, each"
				      " sampled block scaled by its sampling weight, then all by"
				      " mem_heap_B over their sum; but the top-level nodes of"
				      " direct call sites (the callers of malloc, calloc, realloc"
				      " and memalign that are no alloc-fn)%s)",
				      raw->opts.sample_bytes, HS_SAMPLE_THREAD_SLACK_BYTES >> 10,
				      sites);
	}
	if (n >= len)
		return;
	if (raw->stop_reason != NULL && raw->stop_reason[0] != '\0')
		n += (size_t)snprintf(note + n, len - n, " (heapsnap: recording stopped early: %s)",
				      raw->stop_reason);
	if (n >= len)
		return;
	const char *how = raw->has_end ? raw->how : ending;
	if (how != NULL && strcmp(how, HS_RESOLVE_LIVE) == 0)
		snprintf(note + n, len - n, " (heapsnap: live dump, the program still running)");
	else if (how == NULL || how[0] == '\0')
		snprintf(note + n, len - n, " (heapsnap: the program's end was not recorded)");
	else if (strncmp(how, "signal ", 7) == 0)
		snprintf(note + n, len - n, " (heapsnap: program killed by %s)", how);
	else if (!ended_by_exit(how))
		snprintf(note + n, len - n, " (heapsnap: program ended by %s)", how);
}

/* The Massif file of raw to fd, frames named and filtered by filter. */
static int write_massif(struct hs_raw *raw, int fd, const char *ending, struct hs_filter *filter,
			char *err, size_t err_len)
{
	char note[1536];
	desc_note(raw, ending, note, sizeof note);
	/* A record cut before its first snapshot (the program killed at its
	 * start) still gives a file ms_print reads: Massif's for a program
	 * that allocates nothing, snapshot 0 at time 0, empty. */
	static const struct hs_snapshot nothing_yet = { .kind = HS_SNAP_NORMAL };
	int empty = raw->n_snapshots == 0;
	struct hs_massif_file file = {
		.desc = raw->opts.desc,
		.desc_note = note[0] != '\0' ? note : NULL,
		.cmd = raw->cmd,
		.time_unit = raw->opts.time_unit,
		.threshold = raw->opts.threshold,
		.snapshots = empty ? &nothing_yet : raw->snapshots,
		.n_snapshots = empty ? 1 : raw->n_snapshots,
		.contexts = &raw->ctxs,
		.filter = filter,
		.sampled = raw->opts.sample_bytes != 0,
	};
	return hs_massif_write(fd, &file, err, err_len);
}

int hs_resolve_write(struct hs_raw *raw, int fd, const char *ending,
		     const struct hs_symbolizer *sym, char *err, size_t err_len)
{
	struct hs_arena scratch;
	hs_arena_init(&scratch);
	struct hs_filter filter;
	hs_filter_init(&filter, sym, &raw->opts, &scratch);
	int rc = write_massif(raw, fd, ending, &filter, err, err_len);
	hs_filter_destroy(&filter);
	hs_arena_destroy(&scratch);
	return rc;
}

/* Refuse an output path where a rename would hang a reader, write through
 * a link, or replace what is not a file.  Returns 0 when it may be used. */
static int check_out_path(const char *out_path, char *err, size_t err_len)
{
	struct stat st;
	if (lstat(out_path, &st) != 0)
		return 0; /* nothing there yet (or unreadable: open will say) */
	const char *what = hs_outfile_refused_kind(st.st_mode);
	if (what == NULL)
		return 0;
	snprintf(err, err_len, "%s: is %s, not a file: the Massif file was not written", out_path,
		 what);
	return -1;
}

/* "PATH: strerror(errno)" into err; returns -1. */
static int sys_error(const char *path, char *err, size_t err_len)
{
	snprintf(err, err_len, "%s: %s", path, strerror(errno));
	return -1;
}

/* A temporary file for path: its name (malloc'd) and an fd, or NULL
 * with one line in err. */
static char *open_tmp(const char *path, int *fd, char *err, size_t err_len)
{
	size_t n = strlen(path) + 32;
	char *tmp = malloc(n);
	if (tmp == NULL) {
		snprintf(err, err_len, "%s: out of memory", path);
		return NULL;
	}
	snprintf(tmp, n, "%s.tmp.%ld", path, (long)getpid());
	*fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
	if (*fd < 0) {
		snprintf(err, err_len, "%s: %s", tmp, strerror(errno));
		free(tmp);
		return NULL;
	}
	return tmp;
}

/* Close what fd wrote; rc is the writing's result.  Returns 0, or -1
 * with one line in err.  No fsync: the rename already shows a reader the
 * whole file or none, and a disk flush (15 ms for python3's file on
 * bench/'s machine, a third of the time between the program's exit and
 * ours) guards only against the machine's crash, which Massif and
 * heaptrack do not guard against either. */
static int finish_tmp(int fd, int rc, const char *path, char *err, size_t err_len)
{
	if (close(fd) != 0 && rc == 0)
		rc = sys_error(path, err, err_len);
	return rc;
}

/* Write raw's Massif file to out_path and its series to out_path.series
 * (series_out.h), each through a temporary file, then renamed:
 * both appear or neither does (the series first, so a Massif file in
 * place always has its own series beside it). */
static int g_teardown = 1;

void hs_resolve_set_teardown(int on)
{
	g_teardown = on;
}

static int write_out(struct hs_raw *raw, const char *out_path, const char *ending,
		     const struct hs_symbolizer *sym, char *err, size_t err_len)
{
	if (check_out_path(out_path, err, err_len) != 0)
		return -1;
	size_t n = strlen(out_path) + sizeof HS_SERIES_SUFFIX;
	char *series_path = malloc(n);
	if (series_path == NULL) {
		snprintf(err, err_len, "%s: out of memory", out_path);
		return -1;
	}
	snprintf(series_path, n, "%s%s", out_path, HS_SERIES_SUFFIX);
	if (check_out_path(series_path, err, err_len) != 0) {
		free(series_path);
		return -1;
	}
	int fd = -1, series_fd = -1;
	char *tmp = open_tmp(out_path, &fd, err, err_len);
	char *series_tmp = tmp != NULL ? open_tmp(series_path, &series_fd, err, err_len) : NULL;
	int rc = tmp != NULL && series_tmp != NULL ? 0 : -1;
	struct hs_arena scratch;
	hs_arena_init(&scratch);
	struct hs_filter filter;
	hs_filter_init(&filter, sym, &raw->opts, &scratch);
	char why[512];
	struct stat st;
	if (rc == 0 && write_massif(raw, fd, ending, &filter, why, sizeof why) != 0)
		rc = -1, snprintf(err, err_len, "%s: %s", out_path, why);
	if (rc == 0 && fstat(fd, &st) != 0)
		rc = sys_error(out_path, err, err_len);
	if (fd >= 0)
		rc = finish_tmp(fd, rc, out_path, err, err_len);
	if (rc == 0 && hs_series_write(series_fd, raw, (uint64_t)st.st_size, ending, &filter, why,
				       sizeof why) != 0)
		rc = -1, snprintf(err, err_len, "%s: %s", series_path, why);
	if (series_fd >= 0)
		rc = finish_tmp(series_fd, rc, series_path, err, err_len);
	if (g_teardown) {
		hs_filter_destroy(&filter);
		hs_arena_destroy(&scratch);
	}
	if (rc == 0 && rename(series_tmp, series_path) != 0)
		rc = sys_error(series_path, err, err_len);
	if (rc == 0 && rename(tmp, out_path) != 0) {
		rc = sys_error(out_path, err, err_len);
		unlink(series_path);
	}
	if (rc != 0) {
		if (tmp != NULL)
			unlink(tmp);
		if (series_tmp != NULL)
			unlink(series_tmp);
	}
	free(tmp);
	free(series_tmp);
	free(series_path);
	return rc;
}

/* After a failed write the raw record is not deleted: err says where it
 * stays and how to write it elsewhere, so nothing is left unannounced. */
static void say_kept(const char *raw_path, char *err, size_t err_len)
{
	size_t n = strlen(err);
	if (n + 1 < err_len)
		snprintf(err + n, err_len - n,
			 " (the raw record stays: heapsnap --resolve %s FILE writes it to FILE)",
			 raw_path);
}

void hs_resolve_unlink_sides(const char *raw_path)
{
	static const char *const suffixes[] = { HS_RAW_LIVE_SUFFIX, HS_RAW_LIVE_SUFFIX ".tmp" };
	for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
		size_t n = strlen(raw_path), k = strlen(suffixes[i]);
		char *side = malloc(n + k + 1);
		if (side == NULL)
			return;
		memcpy(side, raw_path, n);
		memcpy(side + n, suffixes[i], k + 1);
		unlink(side);
		free(side);
	}
}

int hs_resolve_file_with(const char *raw_path, const char *out_path, const char *ending,
			 const struct hs_symbolizer *sym, char *err, size_t err_len)
{
	struct hs_raw raw;
	if (hs_raw_read(raw_path, &raw, err, err_len) != 0)
		return -1;
	int rc = write_out(&raw, out_path, ending, sym, err, err_len);
	if (g_teardown)
		hs_raw_free(&raw);
	if (rc == 0) {
		unlink(raw_path);
		hs_resolve_unlink_sides(raw_path);
	} else {
		say_kept(raw_path, err, err_len);
	}
	return rc;
}

int hs_resolve_file(const char *raw_path, const char *out_path, const char *ending, char *err,
		    size_t err_len)
{
	return hs_resolve_file_warm(raw_path, out_path, ending, NULL, NULL, NULL, err, err_len);
}

int hs_resolve_file_warm(const char *raw_path, const char *out_path, const char *ending,
			 struct hs_symbolizer *warm, struct hs_raw_follow *follow,
			 struct hs_resolve_info *info, char *err, size_t err_len)
{
	if (info != NULL)
		memset(info, 0, sizeof *info);
	/* The follower's record where it has one (no copy), else one read
	 * here. */
	struct hs_raw cold, *raw = &cold;
	int read_rc;
	if (follow != NULL && hs_raw_follow_same(follow, raw_path)) {
		read_rc = hs_raw_follow_finish(follow, &raw, err, err_len);
	} else {
		hs_raw_follow_close(follow);
		follow = NULL;
		read_rc = hs_raw_read(raw_path, &cold, err, err_len);
	}
	if (read_rc != 0) {
		hs_raw_follow_close(follow);
		return -1;
	}
	if (info != NULL) {
		info->sites_refused = raw->sites_refused;
		info->sites_lost_flags = raw->sites_lost_flags;
	}
	/* The last map has every module loaded at the end; those closed
	 * before come from the unloaded notes.  Without a map (cut before
	 * it), every frame is "???" but the file is still written. */
	struct hs_symbolizer sym;
	const struct hs_raw_maps *m = raw->n_maps > 0 ? &raw->maps[raw->n_maps - 1] : NULL;
	const char *text = m != NULL ? m->text : "";
	size_t len = m != NULL ? m->len : 0;
	if (warm != NULL) {
		sym = *warm;
		int kept = hs_symbols_reopen_maps(&sym, text, len, raw->unloaded, raw->n_unloaded);
		if (info != NULL)
			info->names_kept = kept == 1;
	} else {
		hs_symbols_open_maps(&sym, text, len, raw->unloaded, raw->n_unloaded);
	}
	int rc = write_out(raw, out_path, ending, &sym, err, err_len);
	if (warm != NULL)
		*warm = sym; /* the caller closes it (it may be busy meanwhile) */
	else if (g_teardown)
		hs_symbols_close(&sym);
	if (g_teardown && follow != NULL)
		hs_raw_follow_close(follow); /* its record with it */
	else if (g_teardown)
		hs_raw_free(&cold);
	if (rc == 0) {
		unlink(raw_path);
		hs_resolve_unlink_sides(raw_path);
	} else {
		say_kept(raw_path, err, err_len);
	}
	return rc;
}

int hs_resolve_live(const char *raw_path, uint64_t limit, int answered, const char *maps_text,
		    size_t maps_len, const char *out_path, int *live_taken, char *err,
		    size_t err_len)
{
	struct hs_raw raw;
	int side_used = 0;
	*live_taken = 0;
	if ((answered ? hs_raw_read_live(raw_path, limit, &raw, &side_used, err, err_len)
		      : hs_raw_read_prefix(raw_path, limit, &raw, err, err_len)) != 0)
		return -1;
	/* The heap as the last dump request found it, after the table (as the
	 * final snapshot of --final-snapshot=yes comes). */
	if (raw.has_live) {
		struct hs_snapshot *t =
			realloc(raw.snapshots, (raw.n_snapshots + 1) * sizeof *raw.snapshots);
		if (t != NULL) {
			raw.snapshots = t;
			raw.snapshots[raw.n_snapshots++] = raw.live;
			memset(&raw.live, 0, sizeof raw.live);
			raw.has_live = 0;
			*live_taken = 1;
		}
	}
	struct hs_symbolizer sym;
	const struct hs_raw_maps *m = raw.n_maps > 0 ? &raw.maps[raw.n_maps - 1] : NULL;
	if (maps_text == NULL && m != NULL) {
		maps_text = m->text;
		maps_len = m->len;
	}
	hs_symbols_open_maps(&sym, maps_text != NULL ? maps_text : "",
			     maps_text != NULL ? maps_len : 0, raw.unloaded, raw.n_unloaded);
	int rc = write_out(&raw, out_path, HS_RESOLVE_LIVE, &sym, err, err_len);
	hs_symbols_close(&sym);
	hs_raw_free(&raw);
	return rc;
}
