/* options: Massif's option names, defaults and ranges (format-massif.md §14).
 *
 * Used in two places: the launcher checks the command line before the
 * program starts, and the preload library re-reads the same options from
 * HEAPSNAP_OPTIONS inside the program.  It never allocates (the library
 * calls it from its constructor): every string is copied into the
 * struct's fixed arrays, numbers are parsed by hand.
 */
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "options.h"

/* Set every field to its default. */
void hs_options_defaults(struct hs_options *opts)
{
	memset(opts, 0, offsetof(struct hs_options, out_file));
	strcpy(opts->out_file, "massif.out.%p");
	opts->time_unit = HS_TIME_MS;
	opts->detailed_freq = 10;
	opts->max_snapshots = 100;
	opts->threshold = 1.0;
	opts->peak_inaccuracy = 1.0;
	opts->depth = 30;
	opts->heap_admin = 8;
	opts->trace_children = false;
	opts->follow_exec = true;
	opts->heap = true;
	opts->stats = false;
	opts->verbosity = 1;
	opts->log_fd = -1;
	opts->log_file[0] = '\0';
	opts->desc[0] = '\0';
	opts->notes[0] = '\0';
}

/* src's string of size bytes into dst, up to its NUL. */
static void copy_str(char *dst, const char *src, size_t size)
{
	size_t n = strnlen(src, size);
	memcpy(dst, src, n < size ? n + 1 : size);
}

void hs_options_copy(struct hs_options *dst, const struct hs_options *src)
{
	memcpy(dst, src, offsetof(struct hs_options, out_file));
	copy_str(dst->out_file, src->out_file, sizeof dst->out_file);
	copy_str(dst->log_file, src->log_file, sizeof dst->log_file);
	copy_str(dst->desc, src->desc, sizeof dst->desc);
	copy_str(dst->notes, src->notes, sizeof dst->notes);
	for (unsigned i = 0; i < src->n_alloc_fns && i < HS_MAX_FNS; i++)
		copy_str(dst->alloc_fns[i], src->alloc_fns[i], sizeof dst->alloc_fns[i]);
	for (unsigned i = 0; i < src->n_ignore_fns && i < HS_MAX_FNS; i++)
		copy_str(dst->ignore_fns[i], src->ignore_fns[i], sizeof dst->ignore_fns[i]);
}

/* The value after "name=" in arg, or NULL when arg is not that option. */
static const char *option_value(const char *arg, const char *name)
{
	size_t len = strlen(name);

	if (strncmp(arg, name, len) != 0 || arg[len] != '=')
		return NULL;
	return arg + len + 1;
}

/* Parse a whole decimal number in [lo, hi]; 0 on success. */
static int parse_uint(const char *text, unsigned lo, unsigned hi, unsigned *out)
{
	unsigned long long v = 0;
	const char *p = text;

	if (*p == '\0')
		return -1;
	for (; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (unsigned)(*p - '0');
		if (v > hi)
			return -1;
	}
	if (v < lo)
		return -1;
	*out = (unsigned)v;
	return 0;
}

/* Parse a whole floating-point number (strtod's syntax, no trailing junk). */
static int parse_double(const char *text, double *out)
{
	char *end;
	double v;

	if (*text == '\0')
		return -1;
	v = strtod(text, &end);
	if (*end != '\0' || v != v)
		return -1;
	*out = v;
	return 0;
}

/* The largest --sample=SIZE: beyond it hardly anything would be sampled. */
#define HS_SAMPLE_MAX_BYTES (1ULL << 30)

/* Parse a size: digits, then K, M or G (binary multiples), then an
 * optional B or iB ("512K", "1M", "4096", "64KiB").  0 on success. */
static int parse_size(const char *text, unsigned long long lo, unsigned long long hi,
		      unsigned long long *out)
{
	unsigned long long v = 0;
	const char *p = text;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (unsigned)(*p - '0');
		if (v > hi)
			return -1;
	}
	unsigned shift = 0;
	switch (*p) {
	case 'k':
	case 'K':
		shift = 10;
		break;
	case 'm':
	case 'M':
		shift = 20;
		break;
	case 'g':
	case 'G':
		shift = 30;
		break;
	}
	if (shift != 0) {
		p++;
		if (v > hi >> shift)
			return -1;
		v <<= shift;
		if (*p == 'i')
			p++;
	}
	if (*p == 'B')
		p++;
	if (*p != '\0' || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* Copy a function name into a --alloc-fn / --ignore-fn list. */
static int add_fn(char list[][HS_FN_NAME_MAX], unsigned *n, const char *name)
{
	size_t len = strlen(name);

	if (*n >= HS_MAX_FNS || len == 0 || len >= HS_FN_NAME_MAX)
		return -1;
	memcpy(list[*n], name, len + 1);
	(*n)++;
	return 0;
}

/* Append " arg" to the desc: text (Massif lists the options as given). */
static int append_desc(struct hs_options *opts, const char *arg)
{
	size_t used = strlen(opts->desc);
	size_t len = strlen(arg);

	if (used + 1 + len + 1 > sizeof(opts->desc))
		return -1;
	opts->desc[used] = ' ';
	memcpy(opts->desc + used + 1, arg, len + 1);
	return 0;
}

/* Parse "yes" or "no" into *out; 0 on success. */
static int parse_bool(const char *text, bool *out)
{
	if (strcmp(text, "yes") == 0)
		*out = true;
	else if (strcmp(text, "no") == 0)
		*out = false;
	else
		return -1;
	return 0;
}

/* Add "heapsnap: ARG: WHY" as a line of opts->notes (dropped when full:
 * a note is advice, never a reason to refuse the run). */
static void add_note(struct hs_options *opts, const char *arg, const char *why)
{
	size_t used = strlen(opts->notes);

	snprintf(opts->notes + used, sizeof(opts->notes) - used, "heapsnap: %s: %s\n", arg, why);
	if (strchr(opts->notes + used, '\n') == NULL)
		opts->notes[used] = '\0'; /* cut short: leave none rather than half */
}

/* Valgrind core options a Massif user may pass that change nothing here:
 * accepted, each with the note said to the user (NULL: no note, the
 * option asks for what heapsnap does anyway).  An entry ending in '=' or
 * '-' is a prefix; otherwise the whole argument must match. */
struct ignored_option {
	const char *arg;
	const char *note;
};

static const struct ignored_option ignored_core[] = {
	{ "--read-inline-info=yes", NULL },
	{ "--show-below-main=no", NULL },
	{ "--demangle=yes", NULL },
	{ "--sym-offsets=no", NULL },
	{ "--run-libc-freeres=no", NULL },
	{ "--run-cxx-freeres=no", NULL },
	{ "--xml=no", NULL },
	{ "--vgdb=no", NULL },
	{ "--read-inline-info=no", "ignored: inlined frames are always named" },
	{ "--show-below-main=yes", "ignored: stacks are cut at main as by default" },
	{ "--demangle=no", "ignored: C++ and Rust names are always demangled" },
	{ "--sym-offsets=yes", "ignored: names are written without offsets" },
	{ "--fullpath-after=", "ignored: file names are written as the debug info gives them" },
	{ "--run-libc-freeres=yes", "ignored: heapsnap does not run libc's freeres at exit" },
	{ "--run-cxx-freeres=yes", "ignored: heapsnap does not run libstdc++'s freeres at exit" },
	{ "--num-callers=", "ignored: Massif's stacks are --depth frames deep" },
	{ "--vgdb=", "ignored: heapsnap has no gdbserver" },
	{ "--vgdb-error=", "ignored: heapsnap has no gdbserver" },
	{ "--smc-check=", "ignored: the program runs natively, not translated" },
	{ "--fair-sched=", "ignored: the program's threads run natively" },
	{ "--max-stackframe=", "ignored: heapsnap does not follow the stack" },
	{ "--main-stacksize=", "ignored: heapsnap does not follow the stack" },
	{ "--valgrind-stacksize=", "ignored: heapsnap has no Valgrind threads" },
	{ "--child-silent-after-fork=", "ignored: a forked child writes its own file, silently" },
	{ "--time-stamp=", "ignored: heapsnap's messages carry no time stamp" },
	{ "--trace-children-skip=", "ignored: --trace-children=yes follows every exec" },
	{ "--trace-children-skip-by-arg=", "ignored: --trace-children=yes follows every exec" },
	{ "--read-var-info=", "ignored: Massif needs no variable info" },
	{ "--keep-debuginfo=", "ignored: unloaded modules are always named" },
	{ "--soname-synonyms=", "ignored: heapsnap interposes malloc wherever it is" },
	{ "--sim-hints=", "ignored: the program runs natively" },
	{ "--kernel-variant=", "ignored: the program runs natively" },
	{ "--redzone-size=", "ignored: the program's malloc puts no red zones" },
	{ "--max-threads=", "ignored: the program's threads run natively" },
	{ "--merge-recursive-frames=", "ignored: recursive frames are kept as they are" },
	{ "--vex-", "ignored: the program runs natively, not translated" },
	{ "--error-limit=", "ignored: Massif reports no errors" },
	{ "--error-exitcode=", "ignored: Massif reports no errors" },
	{ "--suppressions=", "ignored: Massif reports no errors" },
};

/* Valgrind's replacement-malloc options: Massif lists them in desc: too.
 * Accepted (and listed) as Massif does; a note when they ask for what the
 * program's own allocator or a preload cannot do. */
static const struct ignored_option ignored_malloc[] = {
	{ "--xtree-memory=none", NULL },
	{ "--trace-malloc=no", NULL },
	{ "--xtree-compress-strings=", NULL },
	{ "--xtree-memory-file=", NULL },
	{ "--alignment=", "ignored: blocks are aligned as the program's malloc does" },
	{ "--xtree-memory=", "ignored: heapsnap writes no xtree file" },
	{ "--trace-malloc=yes", "ignored: heapsnap does not trace each call" },
};

/* Whether arg is in table[0..n): *note gets its note (maybe NULL). */
static int find_ignored(const struct ignored_option *table, size_t n, const char *arg,
			const char **note)
{
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(table[i].arg);
		int prefix = table[i].arg[len - 1] == '=' || table[i].arg[len - 1] == '-';
		if (prefix ? strncmp(arg, table[i].arg, len) == 0
			   : strcmp(arg, table[i].arg) == 0) {
			*note = table[i].note;
			return 1;
		}
	}
	return 0;
}

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* Valgrind core options: -v, -q, --stats, --trace-children, --log-*,
 * --tool and the ignored ones.  Never listed in desc: (Massif does not
 * list them).  Returns 1 when arg was one (rc in *rc), 0 when not. */
static int parse_core(struct hs_options *opts, const char *arg, char *err, size_t err_len, int *rc)
{
	const char *v;
	const char *note;

	*rc = 0;
	if (strcmp(arg, "-v") == 0 || strcmp(arg, "--verbose") == 0) {
		opts->verbosity++;
	} else if (strcmp(arg, "-q") == 0 || strcmp(arg, "--quiet") == 0) {
		opts->verbosity = 0;
	} else if ((v = option_value(arg, "--stats")) != NULL) {
		/* Printed by the recorder at the end (recorder.h: hs_rec_stats_text). */
		if (parse_bool(v, &opts->stats) != 0)
			goto bad_bool;
	} else if ((v = option_value(arg, "--trace-children")) != NULL) {
		if (parse_bool(v, &opts->trace_children) != 0)
			goto bad_bool;
	} else if ((v = option_value(arg, "--follow-exec")) != NULL) {
		if (parse_bool(v, &opts->follow_exec) != 0)
			goto bad_bool;
	} else if ((v = option_value(arg, "--log-file")) != NULL) {
		size_t len = strlen(v);
		if (len == 0 || len >= sizeof(opts->log_file)) {
			snprintf(err, err_len, "bad value in option '%s' (expected a file name)",
				 arg);
			*rc = -1;
		} else {
			memcpy(opts->log_file, v, len + 1);
			opts->log_fd = -1;
		}
	} else if ((v = option_value(arg, "--log-fd")) != NULL) {
		unsigned fd;
		if (parse_uint(v, 0, 1024 * 1024, &fd) != 0) {
			snprintf(err, err_len, "bad value in option '%s' (expected a descriptor)",
				 arg);
			*rc = -1;
		} else {
			opts->log_fd = (int)fd;
			opts->log_file[0] = '\0';
		}
	} else if ((v = option_value(arg, "--tool")) != NULL) {
		if (strcmp(v, "massif") != 0) {
			snprintf(err, err_len,
				 "option '%s': heapsnap is a Massif only (use --tool=massif)", arg);
			*rc = -1;
		}
	} else if (find_ignored(ignored_core, N_OF(ignored_core), arg, &note)) {
		if (note != NULL)
			add_note(opts, arg, note);
	} else {
		return 0;
	}
	return 1;
bad_bool:
	snprintf(err, err_len, "bad value in option '%s' (expected yes or no)", arg);
	*rc = -1;
	return 1;
}

/* Parse one option ("--depth=12") into opts; Massif's go to opts->desc. */
int hs_options_parse_one(struct hs_options *opts, const char *arg, char *err, size_t err_len)
{
	const char *v;
	const char *range = NULL;
	const char *note;
	int bad = 0;
	int rc;

	if (parse_core(opts, arg, err, err_len, &rc))
		return rc;
	if ((v = option_value(arg, "--massif-out-file")) != NULL) {
		size_t len = strlen(v);
		if (len == 0 || len >= sizeof(opts->out_file)) {
			range = "a file name";
			bad = 1;
		} else {
			memcpy(opts->out_file, v, len + 1);
		}
	} else if ((v = option_value(arg, "--time-unit")) != NULL) {
		if (strcmp(v, "ms") == 0)
			opts->time_unit = HS_TIME_MS;
		else if (strcmp(v, "B") == 0)
			opts->time_unit = HS_TIME_BYTES;
		else if (strcmp(v, "i") == 0 && hs_clock_instructions_available())
			opts->time_unit = HS_TIME_INSTRUCTIONS;
		else if (strcmp(v, "i") == 0) {
			snprintf(err, err_len,
				 "option '%s' needs an instruction counter and "
				 "perf_event_open offers none here; use --time-unit=ms or B",
				 arg);
			return -1;
		} else {
			range = "i, ms or B";
			bad = 1;
		}
	} else if ((v = option_value(arg, "--detailed-freq")) != NULL) {
		range = "1..1000000";
		bad = parse_uint(v, 1, 1000000, &opts->detailed_freq);
	} else if ((v = option_value(arg, "--max-snapshots")) != NULL) {
		range = "10..1000";
		bad = parse_uint(v, 10, 1000, &opts->max_snapshots);
	} else if ((v = option_value(arg, "--depth")) != NULL) {
		range = "1..200";
		bad = parse_uint(v, 1, 200, &opts->depth);
	} else if ((v = option_value(arg, "--heap-admin")) != NULL) {
		range = "0..1024";
		bad = parse_uint(v, 0, 1024, &opts->heap_admin);
	} else if ((v = option_value(arg, "--threshold")) != NULL) {
		double t;
		range = "0..100";
		bad = parse_double(v, &t) != 0 || t < 0.0 || t > 100.0;
		if (!bad)
			opts->threshold = t;
	} else if ((v = option_value(arg, "--peak-inaccuracy")) != NULL) {
		range = "a number";
		bad = parse_double(v, &opts->peak_inaccuracy);
	} else if ((v = option_value(arg, "--alloc-fn")) != NULL) {
		range = "a name of 1 to 511 characters, at most 64 of them";
		bad = add_fn(opts->alloc_fns, &opts->n_alloc_fns, v);
	} else if ((v = option_value(arg, "--ignore-fn")) != NULL) {
		range = "a name of 1 to 511 characters, at most 64 of them";
		bad = add_fn(opts->ignore_fns, &opts->n_ignore_fns, v);
	} else if ((v = option_value(arg, "--heap")) != NULL) {
		range = "yes or no";
		bad = parse_bool(v, &opts->heap);
	} else if ((v = option_value(arg, "--pages-as-heap")) != NULL) {
		bool yes;
		range = "yes or no";
		bad = parse_bool(v, &yes);
		if (!bad && yes) {
			snprintf(err, err_len,
				 "option '%s' is not possible with a preload: it needs every page "
				 "mapped (mmap, brk, the loader's), which only Valgrind sees",
				 arg);
			return -1;
		}
	} else if ((v = option_value(arg, "--stacks")) != NULL) {
		bool yes;
		range = "yes or no";
		bad = parse_bool(v, &yes);
		if (!bad && yes) {
			snprintf(err, err_len,
				 "option '%s' is not possible with a preload: it needs every move "
				 "of the stack pointer, which only Valgrind sees",
				 arg);
			return -1;
		}
	} else if (find_ignored(ignored_malloc, N_OF(ignored_malloc), arg, &note)) {
		if (note != NULL)
			add_note(opts, arg, note);
	} else if ((v = option_value(arg, "--sample")) != NULL) {
		/* heapsnap's: sample a Poisson process over the bytes (sampler.h). */
		range = "a size in bytes from 1 to 1G, such as 4096, 512K or 1M";
		bad = parse_size(v, 1, HS_SAMPLE_MAX_BYTES, &opts->sample_bytes);
	} else if ((v = option_value(arg, "--final-snapshot")) != NULL) {
		/* Massif takes no snapshot at exit; the leak analysis wants one. */
		range = "yes or no";
		bad = parse_bool(v, &opts->final_snapshot);
	} else if (hs_options_launchers(arg)) {
		/* In HEAPSNAP_OPTIONS, for the library alone (the launcher takes
		 * its own before it parses the rest). */
		snprintf(err, err_len,
			 "'%s' is an option of the heapsnap launcher, not of the library alone"
			 " (run: heapsnap %s PROGRAM)",
			 arg, arg);
		return -1;
	} else {
		snprintf(err, err_len, HS_OPTIONS_UNKNOWN "%s'", arg);
		return -1;
	}
	if (bad) {
		snprintf(err, err_len, "bad value in option '%s' (expected %s)", arg, range);
		return -1;
	}
	/* fixsample: in sampling mode most blocks get no stack, so the
	 * recorder cannot tell which of them --ignore-fn would leave out. */
	if (opts->sample_bytes != 0 && opts->n_ignore_fns != 0) {
		snprintf(err, err_len,
			 "option '%s': --sample cannot be combined with --ignore-fn (unsampled "
			 "blocks have no stack to tell the ignored ones)",
			 arg);
		return -1;
	}
	if (append_desc(opts, arg) != 0) {
		snprintf(err, err_len, "too many options (the desc: line is full at '%s')", arg);
		return -1;
	}
	return 0;
}

/* The options parse_core and hs_options_parse_one test for by name;
 * test_rec_options checks that each one is known to them. */
static const char *const parsed_names[] = {
	"-v",
	"--verbose",
	"-q",
	"--quiet",
	"--stats=",
	"--trace-children=",
	"--follow-exec=",
	"--log-file=",
	"--log-fd=",
	"--tool=",
	"--massif-out-file=",
	"--time-unit=",
	"--detailed-freq=",
	"--max-snapshots=",
	"--depth=",
	"--heap-admin=",
	"--threshold=",
	"--peak-inaccuracy=",
	"--alloc-fn=",
	"--ignore-fn=",
	"--heap=",
	"--pages-as-heap=",
	"--stacks=",
	"--final-snapshot=",
	"--sample=",
};

/* The i-th known name: the parsed ones, then the tables of ignored ones
 * without the prefix entries that stand for a family ("--vex-"). */
const char *hs_options_known(size_t i)
{
	const struct ignored_option *tables[] = { ignored_core, ignored_malloc };
	const size_t sizes[] = { N_OF(ignored_core), N_OF(ignored_malloc) };

	if (i < N_OF(parsed_names))
		return parsed_names[i];
	i -= N_OF(parsed_names);
	for (size_t t = 0; t < N_OF(tables); t++) {
		for (size_t k = 0; k < sizes[t]; k++) {
			const char *name = tables[t][k].arg;
			if (name[strlen(name) - 1] == '-')
				continue;
			if (i == 0)
				return name;
			i--;
		}
	}
	return NULL;
}

const char *const hs_launcher_option_names[] = {
	"-h",        "--help", "--version",     "--print", "--leaks",
	"--resolve", "--dump", "--dump-every=", NULL,
};

int hs_options_launchers(const char *arg)
{
	for (const char *const *name = hs_launcher_option_names; *name != NULL; name++) {
		size_t len = strlen(*name);
		if ((*name)[len - 1] == '=' ? strncmp(arg, *name, len) == 0 : strcmp(arg, *name) == 0)
			return 1;
	}
	return 0;
}

/* Parse a whitespace-separated list of options (HEAPSNAP_OPTIONS).  A
 * backslash makes the next character literal, so names with spaces
 * ("operator new(unsigned long)") and file names survive the trip. */
int hs_options_parse_string(struct hs_options *opts, const char *text, char *err, size_t err_len)
{
	char word[HS_PATH_MAX + 32];
	const char *p = text;

	for (;;) {
		size_t len = 0;

		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (*p == '\0')
			return 0;
		while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '\n') {
			if (*p == '\\' && p[1] != '\0')
				p++;
			if (len + 1 >= sizeof(word)) {
				word[len] = '\0';
				snprintf(err, err_len,
					 "option too long in HEAPSNAP_OPTIONS: '%.40s...'", word);
				return -1;
			}
			word[len++] = *p++;
		}
		word[len] = '\0';
		if (hs_options_parse_one(opts, word, err, err_len) != 0)
			return -1;
	}
}

/* Write arg into out with spaces, tabs, newlines and backslashes escaped,
 * the form hs_options_parse_string reads back.  Returns the length, or -1
 * when out is too small. */
int hs_options_escape(const char *arg, char *out, size_t out_len)
{
	size_t n = 0;

	for (const char *p = arg; *p != '\0'; p++) {
		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\\') {
			if (n + 1 >= out_len)
				return -1;
			out[n++] = '\\';
		}
		if (n + 1 >= out_len)
			return -1;
		out[n++] = *p;
	}
	if (n >= out_len)
		return -1;
	out[n] = '\0';
	return (int)n;
}
