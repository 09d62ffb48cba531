/* options: the recorder's settings, with Massif's names, defaults and ranges.
 *
 * Owns struct hs_options and its parser.  The same parser serves the
 * launcher (which validates the command line before the program starts)
 * and the preload library (which reads HEAPSNAP_OPTIONS at start-up), so
 * it never allocates: every string lives in the struct's fixed storage.
 */
#ifndef HS_OPTIONS_H
#define HS_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

enum hs_time_unit {
	HS_TIME_INSTRUCTIONS, /* "i": needs a perf_event_open instruction counter */
	HS_TIME_MS,    /* "ms": wall-clock milliseconds since the first snapshot (our default) */
	HS_TIME_BYTES, /* "B": bytes allocated and freed, admin and slop included */
};

#define HS_PATH_MAX 4096
#define HS_MAX_FNS 64 /* --alloc-fn / --ignore-fn entries each */
#define HS_FN_NAME_MAX 512
#define HS_DESC_MAX 8192
#define HS_NOTES_MAX 2048

/* The scalars first, then the strings and name lists: a struct in fresh
 * memory is set and copied (hs_options_defaults, hs_options_copy) up to
 * each string's NUL and each list's count only, so its 84 KiB, mostly
 * unused, are not all touched (in a recorded process's start they were
 * 42 page faults, a quarter of the library's constructor). */
struct hs_options {
	enum hs_time_unit time_unit;
	unsigned detailed_freq; /* 1..1000000, default 10 */
	unsigned max_snapshots; /* 10..1000, default 100 */
	double threshold;       /* percent, 0..100, default 1.0 */
	double peak_inaccuracy; /* percent, default 1.0, not range-checked (as Massif) */
	unsigned depth;         /* 1..200, default 30 */
	unsigned heap_admin;    /* bytes per block, 0..1024, default 8 */
	unsigned n_alloc_fns;   /* user's --alloc-fn names, appended to the defaults */
	unsigned n_ignore_fns;
	bool trace_children; /* follow exec'd programs; default no */
	bool follow_exec;    /* --follow-exec: the launched process is recorded as the
				     * program it becomes by exec; default yes */
	bool heap;           /* --heap: record heap blocks at all; default yes */
	bool stats;          /* --stats: Massif's statistics at the end, on the log */
	int verbosity;       /* Valgrind's: 0 with -q, 1 by default, +1 per -v */
	int log_fd;          /* --log-fd: where heapsnap's messages go; -1 = stderr */
	bool final_snapshot; /* --final-snapshot: a detailed snapshot at the end; default
				     * no, so the series is exactly Massif's */
	unsigned long long
		sample_bytes; /* --sample: mean bytes between sampled blocks; 0 = exact */
	/* Strings and lists from here on (hs_options_copy). */
	char out_file
		[HS_PATH_MAX]; /* pattern: %p = pid, %q{VAR} = env var; default massif.out.%p */
	char log_file[HS_PATH_MAX]; /* --log-file pattern (%p, %q{VAR}); "" = none */
	char desc[HS_DESC_MAX];     /* Massif's options as given, each preceded by a space: desc: */
	char notes[HS_NOTES_MAX];   /* one line per option accepted but ignored, for the user */
	char alloc_fns[HS_MAX_FNS][HS_FN_NAME_MAX];
	char ignore_fns[HS_MAX_FNS][HS_FN_NAME_MAX];
};

/* How the message of an option hs_options_parse_one does not know begins:
 * "unknown option '--bogus'".  The launcher looks for it to add a "did you
 * mean". */
#define HS_OPTIONS_UNKNOWN "unknown option '"

/* The launcher's own options (NULL-terminated; a name ending in '='
 * takes a value): main tests for them before the recorder's. */
extern const char *const hs_launcher_option_names[];

/* Whether arg is one of them: in HEAPSNAP_OPTIONS, for the library alone,
 * hs_options_parse_one refuses it saying so. */
int hs_options_launchers(const char *arg);

/* Set every field to its default (the strings' bytes past their NUL and
 * the lists' past their count left as they are: never read). */
void hs_options_defaults(struct hs_options *opts);

/* *dst = *src, the strings up to their NUL and the lists up to their
 * count. */
void hs_options_copy(struct hs_options *dst, const struct hs_options *src);

/* Parse one option ("--depth=12") into opts.  Massif's own options (and
 * Valgrind's replacement-malloc ones, which Massif lists too) are appended
 * to opts->desc; Valgrind core options (-v, --log-file=...) are not.  An
 * option accepted but without effect here adds a line to opts->notes.
 * Returns 0, or -1 with a one-line message naming the option in err
 * (--pages-as-heap=yes and --stacks=yes: why a preload cannot do them). */
int hs_options_parse_one(struct hs_options *opts, const char *arg, char *err, size_t err_len);

/* The i-th option name hs_options_parse_one knows, NULL past the last:
 * each as typed ("-v", "--depth=", "--vgdb=no"), so the name is what comes
 * before any '='.  The names a misspelt option is compared with. */
const char *hs_options_known(size_t i);

/* Parse a whitespace-separated list of options (HEAPSNAP_OPTIONS); a
 * backslash makes the next character literal. */
int hs_options_parse_string(struct hs_options *opts, const char *text, char *err, size_t err_len);

/* Escape arg (spaces, tabs, newlines, backslashes) for HEAPSNAP_OPTIONS into
 * out.  Returns the length written, or -1 when out is too small. */
int hs_options_escape(const char *arg, char *out, size_t out_len);

#endif
