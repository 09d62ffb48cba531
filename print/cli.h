/* cli: heapsnap-print's command line.
 *
 * ms_print's options and rules (arguments read left to right, the first
 * non-option is the file, the last value of an option wins), plus "-" for
 * standard input.  The result says which action to run, so that new modes
 * (leak analysis, diff) add an action and a case in main's dispatch.
 */
#ifndef HS_PRINT_CLI_H
#define HS_PRINT_CLI_H

#include <stddef.h>

#include "analysis.h"

/* What main should do. */
enum hs_cli_action {
	HS_CLI_PRINT,   /* print the ms_print report of file */
	HS_CLI_HTML,    /* --html: the self-contained HTML report */
	HS_CLI_FOLDED,  /* --folded[=SNAP]: one tree as folded stacks */
	HS_CLI_VERSION, /* print the version and stop */
	HS_CLI_HELP,    /* -h, --help: print the usage on stdout and stop */
	HS_CLI_USAGE    /* bad command line: print error and usage, exit 2 */
};

/* The parsed command line. */
struct hs_cli {
	enum hs_cli_action action;
	double threshold;                 /* --threshold, percent: 1.0 */
	unsigned graph_x;                 /* --x: 72 */
	unsigned graph_y;                 /* --y: 20 */
	const char *file;                 /* first non-option argument ("-": stdin) */
	const char *file2;                /* second one: NEW for --diff */
	struct hs_analysis_opts analysis; /* --leaks, --diff, --max-peak */
	const char *folded;               /* --folded's snapshot: peak, final or N */
	const char *out_file;             /* -o OUT: --html's or --folded's file */
	char *args_text;                  /* every argument, each after one space (owned) */
	size_t args_len;
	char error[256]; /* for HS_CLI_USAGE: what was wrong */
};

/* Parses argv[1..argc).  Returns 0, or -1 if memory runs out. */
int hs_cli_parse(int argc, char *const argv[], struct hs_cli *cli);

/* Frees what the parsed command line owns. */
void hs_cli_free(struct hs_cli *cli);

/* Returns the usage text. */
const char *hs_cli_usage(void);

/* Returns the options heapsnap-print knows, NULL-terminated, each as typed
 * up to its value ("--x="): the names a misspelt option is compared with. */
const char *const *hs_cli_option_names(void);

#endif /* HS_PRINT_CLI_H */
