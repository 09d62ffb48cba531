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
#include <unistd.h>

#include "cli.h"
#include "export.h"
#include "outbuf.h"
#include "parse.h"
#include "report.h"

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

/* The input is mapped: if the file shrinks while we read it, the kernel
 * raises SIGBUS.  Say so in one line instead of crashing. */
static void on_sigbus(int sig)
{
	static const char msg[] = PROG ": the input file shrank while being read\n";
	(void)sig;
	ssize_t w = write(STDERR_FILENO, msg, sizeof msg - 1);
	(void)w;
	_exit(1);
}

/* The default action: ms_print's report. */
static int run_print(const struct hs_cli *cli)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sigbus;
	sigaction(SIGBUS, &sa, NULL);

	struct hs_model m;
	struct hs_parse_error err;
	if (hs_parse_file(cli->file, &m, &err) < 0) {
		fprintf(stderr, PROG ": %s\n", err.msg);
		return 1;
	}
	struct hs_report_opts opts = {
		.threshold = cli->threshold,
		.graph_x = cli->graph_x,
		.graph_y = cli->graph_y,
		.args_text = cli->args_text,
		.args_len = cli->args_len,
	};
	/* The file is fully parsed and checked: from here on only a write can
     * fail, so the report may drain to stdout as it grows. */
	struct hs_outbuf ob;
	hs_outbuf_init_fd(&ob, STDOUT_FILENO);
	const struct hs_analysis_opts *an = &cli->analysis;
	if (!hs_analysis_wanted(an) || hs_analysis_prints_normal_output(an))
		hs_report_render(&m, &opts, &ob);
	int status = 0;
	if (hs_analysis_wanted(an))
		status = hs_analysis_run(an, &m, cli->file, cli->file2, &ob, stderr);
	int rc = emit(&ob);
	hs_outbuf_free(&ob);
	hs_model_free(&m);
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
