/* options: Massif's option names, defaults and ranges (spec 2.11).
 *
 * Used in two places: the launcher checks the command line before the
 * program starts, and the preload library re-reads the same options from
 * HEAPSNAP_OPTIONS inside the program.  It never allocates (the library
 * calls it from its constructor): every string is copied into the
 * struct's fixed arrays, numbers are parsed by hand.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "options.h"

/* Set every field to its default. */
void hs_options_defaults(struct hs_options *opts)
{
	memset(opts, 0, sizeof(*opts));
	strcpy(opts->out_file, "massif.out.%p");
	opts->time_unit = HS_TIME_MS;
	opts->detailed_freq = 10;
	opts->max_snapshots = 100;
	opts->threshold = 1.0;
	opts->peak_inaccuracy = 1.0;
	opts->depth = 30;
	opts->heap_admin = 8;
	opts->trace_children = false;
	opts->desc[0] = '\0';
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

/* Parse "yes" or "no"; 0 on success. */
static int parse_yes_no(const char *text, bool *out)
{
	if (strcmp(text, "yes") == 0)
		*out = true;
	else if (strcmp(text, "no") == 0)
		*out = false;
	else
		return -1;
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

/* Parse one option ("--depth=12") into opts and append it to opts->desc. */
int hs_options_parse_one(struct hs_options *opts, const char *arg, char *err, size_t err_len)
{
	const char *v;
	const char *range = NULL;
	int bad = 0;

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
		range = "a function name; at most 64 of them";
		bad = add_fn(opts->alloc_fns, &opts->n_alloc_fns, v);
	} else if ((v = option_value(arg, "--ignore-fn")) != NULL) {
		range = "a function name; at most 64 of them";
		bad = add_fn(opts->ignore_fns, &opts->n_ignore_fns, v);
	} else if ((v = option_value(arg, "--trace-children")) != NULL) {
		if (strcmp(v, "yes") == 0)
			opts->trace_children = true;
		else if (strcmp(v, "no") == 0)
			opts->trace_children = false;
		else {
			range = "yes or no";
			bad = 1;
		}
	} else if ((v = option_value(arg, "--final-snapshot")) != NULL) {
		/* Massif takes no snapshot at exit; the leak analysis wants one. */
		range = "yes or no";
		bad = parse_yes_no(v, &opts->final_snapshot);
	} else {
		snprintf(err, err_len, "unknown option '%s'", arg);
		return -1;
	}
	if (bad) {
		snprintf(err, err_len, "bad value in option '%s' (expected %s)", arg, range);
		return -1;
	}
	if (append_desc(opts, arg) != 0) {
		snprintf(err, err_len, "too many options (the desc: line is full at '%s')", arg);
		return -1;
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
