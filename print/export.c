/* export: --html and --folded from the command line (see export.h). */
#include "export.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "folded.h"
#include "html.h"
#include "outbuf.h"
#include "parse.h"
#include "series.h"
#include "summary.h"

/* The input may be mapped: if the file shrinks while we read it, the
 * kernel raises SIGBUS.  Say so in one line instead of crashing. */
static void on_sigbus(int sig)
{
	static const char msg[] = "heapsnap-print: the input file shrank while being read\n";
	(void)sig;
	ssize_t w = write(STDERR_FILENO, msg, sizeof msg - 1);
	(void)w;
	_exit(1);
}

/* Writes ob to -o's file (made now) or stdout; returns 0 or 1. */
static int write_out(const struct hs_cli *cli, const char *prog, const struct hs_outbuf *ob)
{
	int fd = STDOUT_FILENO;
	const char *name = "standard output";
	if (cli->out_file) {
		name = cli->out_file;
		fd = open(name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
		if (fd < 0) {
			fprintf(stderr, "%s: cannot write %s: %s\n", prog, name, strerror(errno));
			return 1;
		}
	}
	int bad = hs_outbuf_write_fd(ob, fd) < 0;
	if (fd != STDOUT_FILENO && close(fd) < 0)
		bad = 1;
	if (bad) {
		fprintf(stderr, "%s: cannot write %s: %s\n", prog, name, strerror(errno));
		return 1;
	}
	return 0;
}

/* FILE.series for --html, as --summary reads it (summary.h): its figures
 * into *figures (present false when there is none, or it does not belong
 * to file: said in one note line) and the series itself into *points. */
static void read_series(const char *file, const char *prog, struct hs_summary_series *figures,
			struct hs_series *points)
{
	*figures = (struct hs_summary_series){ 0 };
	struct stat st;
	char *path = hs_series_path_for(file);
	if (path == NULL || stat(file, &st) != 0 || !S_ISREG(st.st_mode)) {
		free(path);
		return;
	}
	char note[HS_SUMMARY_NOTE_MAX];
	hs_summary_read_series(path, (uint64_t)st.st_size, figures, note, sizeof note, points);
	if (note[0] != '\0')
		fprintf(stderr, "%s: note: %s\n", prog, note);
	free(path);
}

int hs_export_run(const struct hs_cli *cli, const char *prog)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sigbus;
	sigaction(SIGBUS, &sa, NULL);

	struct hs_model m;
	struct hs_parse_error err;
	if (hs_parse_file(cli->file, &m, &err) < 0) {
		fprintf(stderr, "%s: %s\n", prog, err.msg);
		return 1;
	}
	struct hs_outbuf ob;
	hs_outbuf_init(&ob);
	int rc = 0;
	if (cli->action == HS_CLI_HTML) {
		struct hs_html_opts opts = { .threshold = cli->threshold, .source = cli->file };
		struct hs_summary_series figures;
		struct hs_series points = { 0 };
		read_series(cli->file, prog, &figures, &points);
		if (figures.present) {
			opts.series = &figures;
			opts.points = points.points;
			opts.n_points = points.n_points;
		}
		rc = hs_html_render(&m, &opts, &ob);
		hs_series_free(&points);
	} else {
		char why[256];
		size_t i = hs_folded_pick(&m, cli->folded, why, sizeof why);
		if (i == SIZE_MAX) {
			fprintf(stderr, "%s: %s: %s\n", prog, cli->file, why);
			rc = 1;
		} else {
			rc = hs_folded_render(&m, hs_model_snapshot(&m, i), &ob);
		}
	}
	if (rc < 0 || hs_outbuf_failed(&ob)) {
		fprintf(stderr, "%s: out of memory\n", prog);
		rc = 1;
	}
	if (rc == 0)
		rc = write_out(cli, prog, &ob);
	hs_outbuf_free(&ob);
	hs_model_free(&m);
	return rc;
}
