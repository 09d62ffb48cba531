/* summary: what a run comes to, in a few lines (see summary.h). */
#include "config.h"

#include "summary.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "frames.h"
#include "leak_report.h"
#include "numfmt.h"
#include "series.h"

bool hs_summary_outside_malloc(const struct hs_summary_series *s)
{
	return s->present && s->rss_growth_B > HS_OUTSIDE_MIN_B &&
	       s->rss_growth_B > HS_OUTSIDE_RATIO * s->heap_growth_B;
}

void hs_summary_outside_note(struct hs_outbuf *ob, const struct hs_summary_series *s,
			     const char *brk)
{
	char r[HS_FMT_LEN], h[HS_FMT_LEN];
	hs_outbuf_printf(ob,
			 "RSS grew by %s while the heap grew by %s: memory is%s"
			 "being allocated outside malloc, which this file does not%s"
			 "show (the program's own mmap'd arenas, a JIT heap, pymalloc%s"
			 "arenas, or a statically linked allocator).",
			 hs_fmt_bytes((double)s->rss_growth_B, r),
			 hs_fmt_bytes((double)s->heap_growth_B, h), brk, brk, brk);
}

bool hs_summary_read_series(const char *series_path, uint64_t massif_size,
			    struct hs_summary_series *out, char *note, size_t note_len,
			    struct hs_series *keep)
{
	*out = (struct hs_summary_series){ 0 };
	if (keep != NULL)
		*keep = (struct hs_series){ 0 };
	note[0] = '\0';
	struct stat st;
	if (stat(series_path, &st) != 0)
		return false; /* no companion: nothing to say */
	/* The leak analysis's reader (series.h): only a regular file, opened
	 * without blocking, lines bounded. */
	struct hs_series ser;
	char err[512];
	if (hs_series_read(series_path, &ser, err, sizeof err) != 0) {
		snprintf(note, note_len, "%s is not a complete heapsnap series file: not used",
			 series_path);
		return false;
	}
	/* The writer ends every file with its end line: a file without one
	 * was cut short.  The x point is not always there (a program killed
	 * by SIGKILL, recording stopped early, --heap=no): the series is
	 * used all the same, its last snapshot standing for the end. */
	if (ser.end == NULL) {
		hs_series_free(&ser);
		snprintf(note, note_len, "%s is not a complete heapsnap series file: not used",
			 series_path);
		return false;
	}
	struct hs_summary_series s = { .present = true };
	bool have_first = false, have_rss = false, have_x = false;
	uint64_t rss0 = 0, heap0 = 0, rss_max = 0, heap_max = 0;
	size_t last_rss = SIZE_MAX; /* the last point with its RSS: a snapshot's */
	for (size_t i = 0; i < ser.n_points; i++) {
		const struct hs_series_point *q = &ser.points[i];
		uint64_t h = q->heap_B + q->extra_B;
		if (!have_first || h >= heap_max) { /* the last point at the largest */
			s.max_time = q->time;
			s.max_at_exit = q->kind == 'x';
		}
		if (!have_first) {
			heap0 = heap_max = h;
			have_first = true;
		}
		if (h > heap_max)
			heap_max = h;
		if (q->rss_B > 0 && !have_rss) {
			rss0 = rss_max = q->rss_B;
			have_rss = true;
		}
		if (q->rss_B > rss_max)
			rss_max = q->rss_B;
		if (q->rss_B > 0)
			last_rss = i;
		if (q->kind == 'x') {
			s.exit_heap_B = h;
			s.exit_rss_B = q->rss_B;
			have_x = true;
		}
	}
	if (!have_x && ser.n_points > 0) {
		const struct hs_series_point *q =
			&ser.points[last_rss != SIZE_MAX ? last_rss : ser.n_points - 1];
		s.exit_heap_B = q->heap_B + q->extra_B;
		s.exit_rss_B = q->rss_B;
	}
	s.has_exit = have_x;
	if (ser.massif_size != massif_size || ser.n_points == 0) {
		if (ser.massif_size != massif_size)
			snprintf(note, note_len,
				 "%s was written with another version of the file: not used",
				 series_path);
		/* else complete, but nothing to add to the Massif file */
		hs_series_free(&ser);
		return false;
	}
	s.rss_growth_B = rss_max - rss0;
	s.heap_growth_B = heap_max - heap0;
	s.max_heap_B = heap_max;
	*out = s;
	if (keep != NULL)
		*keep = ser;
	else
		hs_series_free(&ser);
	return true;
}

/* Allocation wrappers: a frame whose function starts with one of these is
 * not where the program asked for memory.  A minimal list; the leak
 * analysis's folding may replace this function. */
const char *hs_user_frame(const char *path, size_t *len)
{
	/* One naming rule everywhere: the leak report's (frames.h). */
	const char *frame = path + hs_path_user_frame(path);
	const char *nl = strchr(frame, '\n');
	*len = nl ? (size_t)(nl - frame) : strlen(frame);
	return frame;
}

/* Sites of the peak tree that share a user frame. */
struct group {
	const char *frame;
	size_t len;
	uint64_t bytes;
	const char *path; /* the largest member's path */
	uint64_t largest;
};

static int by_bytes(const void *a, const void *b)
{
	const struct group *x = a, *y = b;
	if (x->bytes != y->bytes)
		return x->bytes > y->bytes ? -1 : 1;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->frame, y->frame, n);
	return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* The peak tree's sites grouped by user frame, largest first; *n_out
 * groups (the caller frees the array), NULL when there is no tree. */
static struct group *peak_groups(const struct hs_run *run, size_t *n_out, size_t *od_out)
{
	size_t od = hs_run_peak_detailed(run);
	*n_out = 0;
	*od_out = od;
	if (od == SIZE_MAX)
		return NULL;
	struct group *g = calloc(run->n_sites + 1, sizeof *g);
	if (g == NULL) {
		fputs("heapsnap-print: out of memory\n", stderr);
		exit(1);
	}
	size_t n = 0;
	for (size_t i = 0; i < run->n_sites; i++) {
		const struct hs_site *s = &run->sites[i];
		uint64_t b = s->bytes[od];
		if (b == HS_BYTES_UNKNOWN || b == 0)
			continue;
		size_t len;
		const char *f = hs_user_frame(s->path, &len);
		size_t k = 0;
		while (k < n && !(g[k].len == len && memcmp(g[k].frame, f, len) == 0))
			k++;
		if (k == n)
			g[n++] = (struct group){ .frame = f, .len = len };
		g[k].bytes += b;
		if (b > g[k].largest) {
			g[k].largest = b;
			g[k].path = s->path;
		}
	}
	qsort(g, n, sizeof *g, by_bytes);
	*n_out = n;
	return g;
}

/* "at 840 ms", "at 1.25 s", "after 1.50 MB allocated", "after 12,345 instructions". */
static void put_time(struct hs_outbuf *ob, const char *unit, int64_t t)
{
	char b[HS_FMT_LEN];
	if (strcmp(unit, "ms") == 0) {
		if (t < 1000)
			hs_outbuf_printf(ob, "at %" PRId64 " ms", t);
		else if (t < 3600000)
			hs_outbuf_printf(ob, "at %.2f s", (double)t / 1000);
		else
			hs_outbuf_printf(ob, "at %.2f h", (double)t / 3600000);
	} else if (strcmp(unit, "B") == 0) {
		hs_outbuf_printf(ob, "after %s allocated", hs_fmt_bytes((double)t, b));
	} else {
		hs_outbuf_printf(ob, "after %s instructions", hs_fmt_grouped(t, b));
	}
}

/* "1.50 MB (1,572,864 B)". */
static void put_bytes(struct hs_outbuf *ob, uint64_t v)
{
	char h[HS_FMT_LEN], g[HS_FMT_LEN];
	if (v < 1000)
		hs_outbuf_printf(ob, "%s", hs_fmt_bytes((double)v, h));
	else
		hs_outbuf_printf(ob, "%s (%s B)", hs_fmt_bytes((double)v, h),
				 hs_fmt_grouped((int64_t)v, g));
}

/* A path as a shell word: quoted when it holds anything but safe bytes. */
static void put_shell_word(struct hs_outbuf *ob, const char *s)
{
	if (s[0] != '\0' && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				      "0123456789/._-+,:%@=") == strlen(s)) {
		hs_outbuf_puts(ob, s);
		return;
	}
	hs_outbuf_putc(ob, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			hs_outbuf_puts(ob, "'\\''");
		else
			hs_outbuf_putc(ob, *s);
	}
	hs_outbuf_putc(ob, '\'');
}

/* One site line: bytes, share of the peak tree's heap, user frame. */
static void put_group(struct hs_outbuf *ob, const struct group *g, uint64_t heap_B)
{
	char h[HS_FMT_LEN];
	double pct = heap_B ? 100.0 * (double)g->bytes / (double)heap_B : 0;
	hs_outbuf_printf(ob, "    %10s %5.1f%%  %.*s\n", hs_fmt_bytes((double)g->bytes, h), pct,
			 (int)g->len, g->frame);
}

void hs_summary_render(struct hs_outbuf *ob, const struct hs_run *run, const char *abs_path,
		       const struct hs_summary_series *series, bool with_sites,
		       const struct hs_run *leak_run)
{
	const struct hs_snap *peak = &run->snaps[hs_run_max_total_index(run)];
	const struct hs_snap *last = &run->snaps[run->n_snaps - 1];
	bool with_series = series != NULL && series->present;

	hs_outbuf_puts(ob, "  peak:          ");
	if (with_series && series->max_heap_B > hs_snap_total_B(peak)) {
		/* Snapshots come by the clock: a program that grows to its end
		 * (never freeing, so no peak snapshot) peaks after the last. */
		put_bytes(ob, series->max_heap_B);
		hs_outbuf_putc(ob, ' ');
		put_time(ob, run->time_unit, series->max_time);
		hs_outbuf_puts(ob, series->max_at_exit ? " (at exit, after the file's last snapshot)"
						       : " (between two of the file's snapshots)");
	} else {
		put_bytes(ob, hs_snap_total_B(peak));
		hs_outbuf_putc(ob, ' ');
		put_time(ob, run->time_unit, peak->time);
	}
	/* Massif's last snapshot may come long before the end; only the
	 * series has a point at exit (none when the program was killed, or
	 * recording stopped early: its last snapshot then, with the RSS). */
	hs_outbuf_puts(ob, with_series && series->has_exit ? "\n  at exit:       "
							     : "\n  last snapshot: ");
	put_bytes(ob, with_series ? series->exit_heap_B : hs_snap_total_B(last));
	hs_outbuf_puts(ob, " in the heap");
	if (with_series && series->exit_rss_B > 0) {
		char r[HS_FMT_LEN];
		hs_outbuf_printf(ob, ", %s resident (RSS)",
				 hs_fmt_bytes((double)series->exit_rss_B, r));
	}
	hs_outbuf_putc(ob, '\n');

	size_t n, od;
	struct group *g = peak_groups(run, &n, &od);
	if (od == SIZE_MAX) {
		hs_outbuf_puts(ob, "  sites:         none: the file holds no detailed snapshot\n");
	} else if (n > 0 && with_sites) {
		const struct hs_snap *ps = &run->snaps[run->detailed[od]];
		hs_outbuf_puts(ob, "  largest sites at the peak, by the program's own frame:\n");
		for (size_t i = 0; i < n && i < HS_SUMMARY_SITES; i++)
			put_group(ob, &g[i], ps->heap_B);
	}
	free(g);

	if (with_series && hs_summary_outside_malloc(series)) {
		hs_outbuf_puts(ob, "  note:          ");
		hs_summary_outside_note(ob, series, "\n                 ");
		hs_outbuf_putc(ob, '\n');
	}

	struct hs_outbuf scratch;
	hs_outbuf_init(&scratch);
	size_t suspects = hs_leak_report(&scratch, leak_run ? leak_run : run, false);
	hs_outbuf_free(&scratch);
	if (suspects > 0)
		hs_outbuf_printf(ob, "  leak suspects: %zu (heapsnap-print --leaks lists them)\n",
				 suspects);

	if (abs_path == NULL) {
		/* Standard input: no file to name, no command to run on it. */
		hs_outbuf_puts(ob, "  file:          (standard input)\n");
		return;
	}
	hs_outbuf_puts(ob, "  file:          ");
	hs_outbuf_puts(ob, abs_path);
	hs_outbuf_puts(ob, "\n  next:          heapsnap-print ");
	if (suspects > 0)
		hs_outbuf_puts(ob, "--leaks ");
	put_shell_word(ob, abs_path);
	if (suspects == 0)
		hs_outbuf_puts(ob, " | less");
	hs_outbuf_putc(ob, '\n');
}

void hs_summary_render_sites(struct hs_outbuf *ob, const struct hs_run *run)
{
	size_t n, od;
	struct group *g = peak_groups(run, &n, &od);
	if (od == SIZE_MAX) {
		free(g);
		return;
	}
	const struct hs_snap *ps = &run->snaps[run->detailed[od]];
	char h[HS_FMT_LEN];
	hs_outbuf_printf(ob, "Largest sites at the peak (%s of heap ",
			 hs_fmt_bytes((double)ps->heap_B, h));
	put_time(ob, run->time_unit, ps->time);
	hs_outbuf_puts(ob, "), by the program's own frame:\n");
	for (size_t i = 0; i < n && i < HS_BRIEF_SITES; i++) {
		put_group(ob, &g[i], ps->heap_B);
		/* Its callers, from the largest site behind it. */
		size_t flen;
		const char *frame = hs_user_frame(g[i].path, &flen);
		const char *after = frame + flen;
		for (unsigned k = 0; *after == '\n' && k < 2; k++) {
			const char *f = after + 1;
			const char *nl = strchr(f, '\n');
			size_t len = nl ? (size_t)(nl - f) : strlen(f);
			hs_outbuf_printf(ob, "                    <- %.*s\n", (int)len, f);
			after = f + len;
		}
	}
	if (n > HS_BRIEF_SITES)
		hs_outbuf_printf(ob, "    ... and %zu more.\n", n - HS_BRIEF_SITES);
	free(g);
}
