/* analysis: heapsnap-print's opt-in analyses on the command line. */
#include "config.h"

#include "analysis.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "budget.h"
#include "diff.h"
#include "leak_report.h"
#include "parse.h"
#include "sites.h"
#include "series.h"
#include "sites_model.h"
#include "sites_series.h"

int hs_analysis_parse_arg(struct hs_analysis_opts *opts, const char *arg, char *err, size_t err_len)
{
	if (strcmp(arg, "--leaks") == 0) {
		opts->leaks = true;
		return 1;
	}
	if (strcmp(arg, "--summary") == 0) {
		opts->summary = true;
		return 1;
	}
	if (strcmp(arg, "--brief") == 0) {
		opts->brief = true;
		return 1;
	}
	if (strcmp(arg, "--no-trees") == 0) {
		opts->no_trees = true;
		return 1;
	}
	if (strcmp(arg, "--verbose") == 0) {
		opts->verbose = true;
		return 1;
	}
	if (strcmp(arg, "--diff") == 0) {
		opts->diff = true;
		return 1;
	}
	if (strncmp(arg, "--max-peak=", 11) == 0) {
		if (!hs_size_parse(arg + 11, &opts->max_peak_B)) {
			snprintf(err, err_len,
				 "--max-peak: bad size '%s' "
				 "(bytes, or a number with K, M or G; K = 1024)",
				 arg + 11);
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
	return opts->leaks || opts->diff || opts->max_peak || opts->summary || opts->brief;
}

bool hs_analysis_prints_normal_output(const struct hs_analysis_opts *opts)
{
	return opts->leaks && !opts->diff && !opts->summary && !opts->brief;
}

/* The reports of runs a (FILE, or OLD) and b (NEW, or NULL); takes both. */
static int report_runs(const struct hs_analysis_opts *opts, struct hs_run *a, struct hs_run *b,
		       struct hs_outbuf *ob, FILE *err)
{
	if (b != NULL)
		hs_diff_report(ob, a, b);
	else if (opts->leaks)
		hs_leak_report(ob, opts->series_run ? opts->series_run : a, opts->verbose);

	int status = 0;
	if (opts->max_peak)
		status = hs_budget_check(err, b ? b : a, opts->max_peak_B);
	hs_run_free(a);
	hs_run_free(b);
	return status;
}

int hs_analysis_prepare(struct hs_analysis_opts *opts, const struct hs_model *m, const char *file,
			FILE *err)
{
	if (!(opts->leaks || opts->summary || opts->brief) || opts->diff)
		return 0;
	char *path = hs_series_path_for(file);
	if (path == NULL || access(path, F_OK) != 0) {
		free(path);
		return 0;
	}
	struct hs_series s;
	char msg[4400];
	int rc = hs_series_read(path, &s, msg, sizeof msg);
	if (rc == HS_SERIES_NOT_REGULAR) {
		/* Not ours to read; --summary and --brief say so themselves. */
		if (err != NULL && !opts->summary && !opts->brief)
			fprintf(err, "heapsnap-print: note: %s\n", msg);
		free(path);
		return 0;
	}
	if (rc < 0) {
		free(path);
		if (err == NULL)
			return 0;
		fprintf(err, "heapsnap-print: %s\n", msg);
		return 1;
	}
	if (!hs_series_check(&s, m->buf_len, m->cmd.ptr, m->cmd.len, msg, sizeof msg)) {
		if (err != NULL)
			fprintf(err, "heapsnap-print: note: %s\n", msg);
	} else {
		opts->series_run = hs_run_from_series(&s, file);
		if (opts->series_run->n_snaps == 0) {
			if (err != NULL)
				fprintf(err,
					"heapsnap-print: note: %s holds no snapshot: ignored\n",
					path);
			hs_run_free(opts->series_run);
			opts->series_run = NULL;
		}
	}
	hs_series_free(&s);
	free(path);
	return 0;
}

void hs_analysis_release(struct hs_analysis_opts *opts)
{
	hs_run_free(opts->series_run);
	opts->series_run = NULL;
}

int hs_analysis_run(const struct hs_analysis_opts *opts, const struct hs_model *m, const char *file,
		    const char *file2, struct hs_outbuf *ob, FILE *err)
{
	struct hs_run *a = hs_run_from_model(m, file), *b = NULL;
	if (a == NULL) {
		fprintf(err, "heapsnap-print: %s: malformed tree\n", file);
		return 1;
	}
	if (opts->diff) {
		struct hs_model m2;
		struct hs_parse_error perr;
		if (hs_parse_file(file2, &m2, &perr) < 0) {
			fprintf(err, "heapsnap-print: %s\n", perr.msg);
			hs_run_free(a);
			return 1;
		}
		b = hs_run_from_model(&m2, file2);
		hs_model_free(&m2);
		if (b == NULL) {
			fprintf(err, "heapsnap-print: %s: malformed tree\n", file2);
			hs_run_free(a);
			return 1;
		}
	}
	return report_runs(opts, a, b, ob, err);
}

int hs_analysis_run_stream(const struct hs_analysis_opts *opts, struct hs_run *run,
			   struct hs_stream *st, const char *file, const char *file2,
			   struct hs_outbuf *ob, FILE *err)
{
	struct hs_parse_error perr = { { 0 } };
	struct hs_run *a = run, *b = NULL;
	if (a == NULL && (a = hs_run_peak_from_stream(st, file, &perr)) == NULL)
		goto fail;
	if (opts->diff) {
		/* NEW is checked whole (pass 1) before anything is compared,
		 * then reduced to its peak like OLD: each run holds one tree. */
		struct hs_stream *st2;
		if (hs_stream_open(file2, &st2, &perr) < 0)
			goto fail;
		int r = hs_stream_begin(st2, &perr);
		while (r == 0 && (r = hs_stream_next(st2, true)) > 0)
			r = 0;
		if (r == 0)
			b = hs_run_peak_from_stream(st2, file2, &perr);
		hs_stream_close(st2);
		if (b == NULL)
			goto fail;
	}
	return report_runs(opts, a, b, ob, err);
fail:
	fprintf(err, "heapsnap-print: %s\n", perr.msg[0] ? perr.msg : "out of memory");
	hs_run_free(a);
	return 1;
}
