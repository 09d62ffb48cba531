/* heapsnap-print: Valgrind's ms_print in C, byte for byte, and faster.
 *
 * This file is the command line and the dispatch only: parse the options
 * (cli.h), run the chosen action.  Every action parses and checks all its
 * input before it writes a byte, so an error leaves stdout empty.
 *
 * Exit statuses: 0 success (and -h, --help: usage on stdout), 1 bad or
 * unreadable input (one line on stderr), 2 bad command line (usage on
 * stderr), 3 peak above --max-peak.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "export.h"
#include "outbuf.h"
#include "parse.h"
#include "report.h"
#include "budget.h"
#include "sites_model.h"
#include "summary.h"

#define PROG "heapsnap-print"

/* Writes the rest of the buffer to stdout; returns the exit status. */
static int emit(struct hs_outbuf *ob)
{
	if (hs_outbuf_flush(ob) < 0) {
		fprintf(stderr, PROG ": cannot write the output: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}

/* --summary and --brief, once pass 1 has built run (taken over). */
static int run_summary(const struct hs_cli *cli, struct hs_stream *st,
		       const struct hs_report_scan *scan, const struct hs_report_opts *opts,
		       struct hs_run *run, struct hs_outbuf *ob)
{
	bool is_stdin = strcmp(cli->file, "-") == 0;
	char *abs = is_stdin ? NULL : realpath(cli->file, NULL);
	struct hs_summary_series series = { 0 };
	struct stat sb;
	if (!is_stdin && stat(cli->file, &sb) == 0 && S_ISREG(sb.st_mode)) {
		char *path = malloc(strlen(cli->file) + sizeof ".series");
		char note[HS_SUMMARY_NOTE_MAX];
		if (path == NULL) {
			fputs(PROG ": out of memory\n", stderr);
			exit(1);
		}
		strcpy(path, cli->file);
		strcat(path, ".series");
		hs_summary_read_series(path, (uint64_t)sb.st_size, &series, note, sizeof note,
				       NULL);
		if (note[0] != '\0')
			fprintf(stderr, PROG ": note: %s\n", note);
		free(path);
	}
	int status = 0;
	if (cli->analysis.brief) {
		struct hs_parse_error err = { { 0 } };
		if (hs_report_render_graph_stream(st, scan, opts, ob, &err) < 0) {
			hs_outbuf_flush(ob);
			fprintf(stderr, PROG ": %s\n", err.msg[0] ? err.msg : "out of memory");
			status = 1;
		} else {
			hs_outbuf_putc(ob, '\n');
			hs_summary_render_sites(ob, run);
			hs_outbuf_puts(ob, "\nSummary:\n");
		}
	}
	if (status == 0)
		hs_summary_render(ob, run,
				  is_stdin ? NULL
				  : abs    ? abs
					   : cli->file,
				  &series, !cli->analysis.brief, cli->analysis.series_run);
	if (status == 0 && cli->analysis.max_peak)
		status = hs_budget_check(stderr, run, cli->analysis.max_peak_B);
	free(abs);
	hs_run_free(run);
	return status;
}

/* The default action: ms_print's report, from the file read as a stream
 * (parse.h): pass 1 checks it all (and builds --leaks' run), then the
 * report and the analyses read it again, one tree in memory at a time. */
static int run_print(struct hs_cli *cli)
{
	struct hs_stream *st;
	struct hs_parse_error err = { { 0 } };
	const struct hs_analysis_opts *an = &cli->analysis;
	struct hs_report_scan scan = { .peak_num = -1 };
	struct hs_run *run = NULL;
	struct hs_tree_builder b = { 0 };
	int r = -1;

	if (hs_stream_open(cli->file, &st, &err) < 0) {
		fprintf(stderr, PROG ": %s\n", err.msg);
		return 1;
	}
	if (hs_stream_begin(st, &err) == 0) {
		const struct hs_model *m = hs_stream_model(st);
		if (an->leaks || an->summary || an->brief)
			run = hs_run_new(cli->file, m->time_unit_raw.ptr);
		while ((r = hs_stream_next(st, true)) > 0) {
			hs_report_scan_add(&scan, m);
			if (run && hs_run_add_model_snapshot(
					   run, &b, m, &m->snapshots[0],
					   hs_snapshot_is_detailed(&m->snapshots[0])) < 0) {
				snprintf(err.msg, sizeof err.msg, "%s: malformed tree", cli->file);
				r = -1;
				break;
			}
		}
	}
	hs_tree_builder_free(&b);
	if (r < 0) {
		fprintf(stderr, PROG ": %s\n", err.msg);
		hs_run_free(run);
		hs_stream_close(st);
		return 1;
	}
	struct hs_report_opts opts = {
		.threshold = cli->threshold,
		.graph_x = cli->graph_x,
		.graph_y = cli->graph_y,
		.args_text = cli->args_text,
		.args_len = cli->args_len,
		.no_trees = cli->analysis.no_trees,
	};
	/* Pass 1 has checked the whole file; the model now knows its size
	 * and cmd, which FILE.series must match. */
	if (hs_analysis_prepare(&cli->analysis, hs_stream_model(st), cli->file,
				an->leaks ? stderr : NULL) != 0) {
		hs_run_free(run);
		hs_stream_close(st);
		return 1;
	}
	/* The file is fully parsed and checked: from here on only a write (or
	 * a file changed under us) can fail, so the report may drain to
	 * stdout as it grows. */
	struct hs_outbuf ob;
	hs_outbuf_init_fd(&ob, STDOUT_FILENO);
	int status = 0;
	if (an->summary || an->brief) {
		status = run_summary(cli, st, &scan, &opts, run, &ob);
		run = NULL;
	} else if (!hs_analysis_wanted(an) || hs_analysis_prints_normal_output(an)) {
		err.msg[0] = '\0';
		if (hs_report_render_stream(st, &scan, &opts, &ob, &err) < 0 &&
		    !hs_outbuf_failed(&ob)) {
			hs_outbuf_flush(&ob);
			fprintf(stderr, PROG ": %s\n", err.msg[0] ? err.msg : "out of memory");
			status = 1;
		}
	}
	if (status == 0 && hs_analysis_wanted(an) && !an->summary && !an->brief) {
		status = hs_analysis_run_stream(an, run, st, cli->file, cli->file2, &ob, stderr);
		run = NULL;
	}
	hs_run_free(run);
	int rc = emit(&ob);
	hs_outbuf_free(&ob);
	hs_stream_close(st);
	hs_analysis_release(&cli->analysis);
	return rc ? rc : status;
}

int main(int argc, char **argv)
{
	struct hs_cli cli;
	if (hs_cli_parse(argc, argv, &cli) < 0) {
		fprintf(stderr, PROG ": out of memory\n");
		return 1;
	}
	int rc;
	switch (cli.action) {
	case HS_CLI_VERSION:
		printf(PROG " %s\n", PACKAGE_VERSION);
		rc = fflush(stdout) == 0 ? 0 : 1;
		break;
	case HS_CLI_HELP:
		fputs(hs_cli_usage(), stdout);
		rc = fflush(stdout) == 0 ? 0 : 1;
		break;
	case HS_CLI_USAGE:
		fprintf(stderr, PROG ": %s\n%s", cli.error, hs_cli_usage());
		rc = 2;
		break;
	case HS_CLI_HTML:
	case HS_CLI_FOLDED:
		rc = hs_export_run(&cli, PROG);
		break;
	case HS_CLI_PRINT:
	default:
		rc = run_print(&cli);
		break;
	}
	hs_cli_free(&cli);
	return rc;
}
