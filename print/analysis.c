/* analysis: heapsnap-print's opt-in analyses on the command line. */
#include "config.h"

#include "analysis.h"

#include <string.h>

#include "budget.h"
#include "diff.h"
#include "leak_report.h"
#include "sites.h"

int hs_analysis_parse_arg(struct hs_analysis_opts *opts, const char *arg,
			  char *err, size_t err_len)
{
	if (strcmp(arg, "--leaks") == 0) {
		opts->leaks = true;
		return 1;
	}
	if (strcmp(arg, "--diff") == 0) {
		opts->diff = true;
		return 1;
	}
	if (strncmp(arg, "--max-peak=", 11) == 0) {
		if (!hs_size_parse(arg + 11, &opts->max_peak_B)) {
			snprintf(err, err_len, "--max-peak: bad size '%s' "
				 "(bytes, or a number with K, M or G; K = 1024)", arg + 11);
			return -1;
		}
		opts->max_peak = true;
		return 1;
	}
	if (strcmp(arg, "--max-peak") == 0) {
		snprintf(err, err_len, "--max-peak needs a size: --max-peak=SIZE");
		return -1;
	}
	return 0;
}

bool hs_analysis_wanted(const struct hs_analysis_opts *opts)
{
	return opts->leaks || opts->diff || opts->max_peak;
}

bool hs_analysis_prints_normal_output(const struct hs_analysis_opts *opts)
{
	return opts->leaks && !opts->diff;
}

size_t hs_analysis_files_needed(const struct hs_analysis_opts *opts)
{
	return opts->diff ? 2 : 1;
}

/* Read a run, or say why not. */
static struct hs_run *load(const char *path, FILE *err)
{
	char msg[512];
	struct hs_run *run = hs_run_read(path, msg, sizeof msg);
	if (run == NULL)
		fprintf(err, "heapsnap-print: %s\n", msg);
	return run;
}

int hs_analysis_run(const struct hs_analysis_opts *opts, char *const *files,
		    size_t n_files, FILE *out, FILE *err)
{
	if (n_files < hs_analysis_files_needed(opts)) {
		fprintf(err, "heapsnap-print: %s\n",
			opts->diff ? "--diff needs two files: --diff OLD NEW" : "no input file");
		return HS_ANALYSIS_USAGE;
	}
	int status = 0;
	struct hs_run *a = load(files[0], err), *b = NULL;
	if (a == NULL)
		return 1;
	if (opts->diff) {
		b = load(files[1], err);
		if (b == NULL) {
			hs_run_free(a);
			return 1;
		}
		hs_diff_report(out, a, b);
	} else if (opts->leaks) {
		hs_leak_report(out, a);
	}
	if (opts->max_peak) {
		fflush(out);
		status = hs_budget_check(err, b ? b : a, opts->max_peak_B);
	}
	hs_run_free(a);
	hs_run_free(b);
	return status;
}
