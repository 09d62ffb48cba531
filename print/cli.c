/* cli: heapsnap-print's command line (see cli.h). */
#include "cli.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suggest.h"

const char *hs_cli_usage(void)
{
	return "usage: heapsnap-print [options] massif-out-file\n"
	       "\n"
	       "  options for the user, with defaults in [ ], are:\n"
	       "    -h --help             show this message\n"
	       "    --version             show version\n"
	       "    --threshold=<m.n>     significance threshold, in percent [1]\n"
	       "    --x=<4..1000>         graph width, in columns [72]\n"
	       "    --y=<4..1000>         graph height, in rows [20]\n"
	       "    --leaks               add a \"Leak suspects\" section\n"
	       "    --summary             only the summary heapsnap prints after a run\n"
	       "    --brief               one screen: the graph, the peak's largest sites\n"
	       "                          and the summary\n"
	       "    --verbose             with --leaks: each suspect's whole call path\n"
	       "    --no-trees            leave out the snapshots' tables and trees\n"
	       "    --diff OLD NEW        compare two runs (instead of the report)\n"
	       "    --max-peak=SIZE       exit 3 if the peak exceeds SIZE (512K, 64M, 2G)\n"
	       "    --html                a self-contained HTML report (chart, trees)\n"
	       "    --folded[=peak|final|N]  a snapshot's tree as folded stacks [peak]\n"
	       "    -o OUT                write --html's or --folded's output to OUT\n"
	       "\n"
	       "  massif-out-file may be - for standard input.\n";
}

/* Every option the parser below and hs_analysis_parse_arg (analysis.c)
 * accept; test_print_cli checks that each one is known to them. */
static const char *const option_names[] = {
	"-h",      "--help",    "--version",  "--threshold=", "--x=",        "--y=",
	"--leaks", "--verbose", "--no-trees", "--diff",       "--max-peak=", "--summary",
	"--brief", "--html",    "--folded",   "--folded=",    "-o",          NULL,
};

const char *const *hs_cli_option_names(void)
{
	return option_names;
}

/* Returns the length of arg as Perl's `$` sees it: a final newline may
 * end the match. */
static size_t match_len(const char *arg)
{
	size_t n = strlen(arg);
	if (n && arg[n - 1] == '\n')
		n--;
	return n;
}

/* Parses "--x=N"-style digits into 4..1000; false when out of range. */
static bool parse_dim(const char *v, size_t len, unsigned *out)
{
	if (len == 0)
		return false;
	unsigned x = 0;
	for (size_t i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9')
			return false;
		x = x * 10 + (unsigned)(v[i] - '0');
		if (x > 1000)
			return false;
	}
	if (x < 4)
		return false;
	*out = x;
	return true;
}

/* Parses "--threshold=" digits and dots with an optional '%'. */
static bool parse_threshold(const char *v, size_t len, double *out)
{
	if (len && v[len - 1] == '%')
		len--;
	if (len == 0 || len > 200)
		return false;
	char tmp[256];
	for (size_t i = 0; i < len; i++) {
		if (!((v[i] >= '0' && v[i] <= '9') || v[i] == '.'))
			return false;
		tmp[i] = v[i];
	}
	tmp[len] = '\0';
	/* Perl's numeric value of "1.2.3" is 1.2, of "." is 0: strtod's too. */
	double t = strtod(tmp, NULL);
	if (!(t >= 0 && t <= 100))
		return false;
	*out = t;
	return true;
}

/* Marks arg as an unknown option, with the known one it may be a typo of. */
static void unknown_option(struct hs_cli *cli, const char *arg)
{
	struct hs_suggest s;
	size_t len;
	hs_suggest_init(&s, arg);
	hs_suggest_add_all(&s, option_names);
	const char *best = hs_suggest_best(&s, &len);
	cli->action = HS_CLI_USAGE;
	if (best != NULL)
		snprintf(cli->error, sizeof cli->error, "unknown option '%s' (did you mean %.*s?)",
			 arg, (int)len, best);
	else
		snprintf(cli->error, sizeof cli->error, "unknown option '%s'", arg);
}

/* Marks a usage error with a message. */
static void usage_error(struct hs_cli *cli, const char *what, const char *arg)
{
	cli->action = HS_CLI_USAGE;
	snprintf(cli->error, sizeof cli->error, "%s '%s'", what, arg);
}

int hs_cli_parse(int argc, char *const argv[], struct hs_cli *cli)
{
	memset(cli, 0, sizeof *cli);
	cli->action = HS_CLI_PRINT;
	cli->threshold = 1.0;
	cli->graph_x = 72;
	cli->graph_y = 20;

	size_t total = 1;
	for (int i = 1; i < argc; i++)
		total += 1 + strlen(argv[i]);
	cli->args_text = malloc(total);
	if (!cli->args_text)
		return -1;
	for (int i = 1; i < argc; i++) {
		size_t n = strlen(argv[i]);
		cli->args_text[cli->args_len++] = ' ';
		memcpy(cli->args_text + cli->args_len, argv[i], n);
		cli->args_len += n;
	}
	cli->args_text[cli->args_len] = '\0';

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		size_t n = match_len(a);
		if (a[0] != '-' || strcmp(a, "-") == 0) {
			if (!cli->file)
				cli->file = a;
			else if (!cli->file2)
				cli->file2 = a;
			continue;
		}
		int ours = hs_analysis_parse_arg(&cli->analysis, a, cli->error, sizeof cli->error);
		if (ours < 0) {
			cli->action = HS_CLI_USAGE;
			return 0;
		}
		if (ours > 0)
			continue;
		if (n == 9 && strncmp(a, "--version", 9) == 0) {
			cli->action = HS_CLI_VERSION;
			return 0;
		} else if ((n == 2 && strncmp(a, "-h", 2) == 0) ||
			   (n == 6 && strncmp(a, "--help", 6) == 0)) {
			cli->action = HS_CLI_HELP;
			return 0;
		} else if (n == 6 && strncmp(a, "--html", 6) == 0) {
			cli->action = HS_CLI_HTML;
		} else if (n == 8 && strncmp(a, "--folded", 8) == 0) {
			cli->action = HS_CLI_FOLDED;
			cli->folded = "peak";
		} else if (strncmp(a, "--folded=", 9) == 0) {
			cli->action = HS_CLI_FOLDED;
			cli->folded = a + 9;
		} else if (n == 2 && strncmp(a, "-o", 2) == 0) {
			if (i + 1 >= argc) {
				usage_error(cli, "-o wants a file name after it:", a);
				return 0;
			}
			cli->out_file = argv[++i];
		} else if (strncmp(a, "--threshold=", 12) == 0) {
			if (!parse_threshold(a + 12, n - 12, &cli->threshold)) {
				usage_error(cli,
					    "--threshold wants a number from 0 to 100, "
					    "optionally followed by %, not",
					    a);
				return 0;
			}
		} else if (strncmp(a, "--x=", 4) == 0) {
			if (!parse_dim(a + 4, n - 4, &cli->graph_x)) {
				usage_error(cli, "--x wants a width from 4 to 1000, not", a);
				return 0;
			}
		} else if (strncmp(a, "--y=", 4) == 0) {
			if (!parse_dim(a + 4, n - 4, &cli->graph_y)) {
				usage_error(cli, "--y wants a height from 4 to 1000, not", a);
				return 0;
			}
		} else {
			unknown_option(cli, a);
			return 0;
		}
	}
	if ((cli->action == HS_CLI_HTML || cli->action == HS_CLI_FOLDED) &&
	    hs_analysis_wanted(&cli->analysis)) {
		cli->action = HS_CLI_USAGE;
		snprintf(
			cli->error, sizeof cli->error,
			"--html and --folded cannot be combined with --leaks, --diff or --max-peak");
	} else if (cli->out_file && cli->action != HS_CLI_HTML && cli->action != HS_CLI_FOLDED) {
		cli->action = HS_CLI_USAGE;
		snprintf(cli->error, sizeof cli->error, "-o goes with --html or --folded");
	} else if (!cli->file) {
		cli->action = HS_CLI_USAGE;
		snprintf(cli->error, sizeof cli->error, "no input file given");
	} else if (cli->analysis.diff && !cli->file2) {
		cli->action = HS_CLI_USAGE;
		snprintf(cli->error, sizeof cli->error, "--diff needs two files: --diff OLD NEW");
	}
	return 0;
}

void hs_cli_free(struct hs_cli *cli)
{
	free(cli->args_text);
	cli->args_text = NULL;
}
