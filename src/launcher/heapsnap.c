/* heapsnap: the launcher.  Runs a program with libheapsnap.so preloaded.
 *
 * It checks every option before the program starts (exit 2 on a bad one),
 * passes them on in HEAPSNAP_OPTIONS, runs the program, waits like a shell
 * does (^C and ^\ go to the program; SIGTERM and SIGHUP are forwarded), and
 * exits with the program's status (128+N after signal N).  The library
 * reports each file it writes, one path per line, on a pipe whose number is
 * in HEAPSNAP_REPORT_FD; the launcher then says which files were written
 * and, with --print, shows them with heapsnap-print.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "inspect.h"
#include "options.h"
#include "outfile.h"

#ifndef HS_PKGLIBDIR
#define HS_PKGLIBDIR "/usr/local/lib/heapsnap"
#endif
#ifndef HS_BINDIR
#define HS_BINDIR "/usr/local/bin"
#endif

/* Exit status for a bad command line (as getopt-style tools use). */
#define EXIT_USAGE 2

static volatile sig_atomic_t g_child_pid;

/* Print the usage text to out. */
static void usage(FILE *out)
{
	fputs("usage: heapsnap [options] [--] program [args...]\n"
	      "Run program and write a Valgrind Massif file of its heap (massif.out.PID).\n"
	      "\n"
	      "Recorder options (Massif's names and ranges):\n"
	      "  --massif-out-file=FILE   output file; %p = pid, %q{VAR} = $VAR [massif.out.%p]\n"
	      "  --time-unit=ms|B|i       time axis: milliseconds, bytes allocated+freed, or\n"
	      "                           instructions (only with a perf instruction counter) [ms]\n"
	      "  --detailed-freq=N        every Nth snapshot is detailed, 1..1000000 [10]\n"
	      "  --max-snapshots=N        snapshots kept, 10..1000 [100]\n"
	      "  --threshold=P            significance threshold in percent, 0..100 [1.0]\n"
	      "  --peak-inaccuracy=P      peak tolerance in percent [1.0]\n"
	      "  --depth=N                frames kept per allocation, 1..200 [30]\n"
	      "  --heap-admin=N           bytes of allocator overhead per block, 0..1024 [8]\n"
	      "  --alloc-fn=NAME          treat NAME as an allocation function (repeatable)\n"
	      "  --ignore-fn=NAME         ignore allocations made in NAME (repeatable)\n"
	      "  --trace-children=no|yes  also record programs run with exec [no]\n"
	      "\n"
	      "Launcher options:\n"
	      "  --quiet                  do not say which files were written\n"
	      "  --print                  show each file written with heapsnap-print\n"
	      "  --help                   show this text\n"
	      "  --version                show the version\n",
	      out);
}

/* The directory holding this executable, into dir; 0 on success. */
static int self_dir(char *dir, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", dir, len - 1);
	char *slash;

	if (n <= 0)
		return -1;
	dir[n] = '\0';
	slash = strrchr(dir, '/');
	if (slash == NULL)
		return -1;
	*slash = '\0';
	return 0;
}

/* Find a file next to the launcher (build tree), else in installed_dir. */
static int locate(const char *in_tree, const char *installed_dir, const char *name, int mode,
		  char *out, size_t out_len)
{
	char dir[PATH_MAX];

	if (self_dir(dir, sizeof(dir)) == 0) {
		snprintf(out, out_len, "%s/%s%s", dir, in_tree, name);
		if (access(out, mode) == 0)
			return 0;
	}
	snprintf(out, out_len, "%s/%s", installed_dir, name);
	return access(out, mode) == 0 ? 0 : -1;
}

/* SIGTERM/SIGHUP: pass on to the program, which decides. */
static void forward_signal(int sig)
{
	if (g_child_pid > 0)
		kill((pid_t)g_child_pid, sig);
}

/* Append s to the growing string *buf. */
static void append(char **buf, size_t *len, size_t *cap, const char *s)
{
	size_t n = strlen(s);

	if (*len + n + 1 > *cap) {
		*cap = (*len + n + 1) * 2;
		*buf = realloc(*buf, *cap);
		if (*buf == NULL) {
			fputs("heapsnap: out of memory\n", stderr);
			exit(EXIT_USAGE);
		}
	}
	memcpy(*buf + *len, s, n + 1);
	*len += n;
}

/* Run the program in a child with the library preloaded; never returns. */
static void run_child(char **argv, const char *lib, const char *options, int report_fd)
{
	const char *old = getenv("LD_PRELOAD");
	char fd_text[16];
	size_t len = strlen(lib) + (old != NULL ? strlen(old) + 1 : 0) + 1;
	char *preload = malloc(len);

	if (preload == NULL)
		_exit(127);
	if (old != NULL && *old != '\0')
		snprintf(preload, len, "%s:%s", lib, old);
	else
		snprintf(preload, len, "%s", lib);
	snprintf(fd_text, sizeof(fd_text), "%d", report_fd);
	if (setenv("LD_PRELOAD", preload, 1) != 0 || setenv("HEAPSNAP_OPTIONS", options, 1) != 0 ||
	    setenv("HEAPSNAP_REPORT_FD", fd_text, 1) != 0)
		_exit(127);
	/* The pipe's write end survives exec; the library closes it on the
	 * next exec unless children are traced. */
	fcntl(report_fd, F_SETFD, 0);
	execvp(argv[0], argv);
	int err = errno;
	fprintf(stderr, "heapsnap: cannot run '%s': %s\n", argv[0], strerror(err));
	_exit(err == ENOENT || err == ENOTDIR ? 127 : 126);
}

/* The path to show: relative to the working directory when under it. */
static const char *shown_path(const char *path, const char *cwd)
{
	size_t n = strlen(cwd);

	if (n > 1 && strncmp(path, cwd, n) == 0 && path[n] == '/')
		return path + n + 1;
	return path;
}

/* Check the options, run the program, report, exit with its status. */
int main(int argc, char **argv)
{
	static struct hs_options opts;
	char err[HS_PATH_MAX + 256];
	char lib[PATH_MAX + 64];
	char *options = NULL;
	size_t opt_len = 0, opt_cap = 0;
	int quiet = 0, print = 0;
	int i;

	hs_options_defaults(&opts);
	append(&options, &opt_len, &opt_cap, "");
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		char escaped[2 * HS_PATH_MAX + 64];

		if (strcmp(a, "--") == 0) {
			i++;
			break;
		} else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(a, "--version") == 0) {
			printf("heapsnap %s\n", PACKAGE_VERSION);
			return 0;
		} else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
			quiet = 1;
			continue;
		} else if (strcmp(a, "--print") == 0) {
			print = 1;
			continue;
		}
		if (hs_options_parse_one(&opts, a, err, sizeof(err)) != 0 ||
		    hs_options_escape(a, escaped, sizeof(escaped)) < 0) {
			fprintf(stderr, "heapsnap: %s\n", err);
			fputs("heapsnap: try 'heapsnap --help'\n", stderr);
			return EXIT_USAGE;
		}
		if (opt_len > 0)
			append(&options, &opt_len, &opt_cap, " ");
		append(&options, &opt_len, &opt_cap, escaped);
	}
	if (i >= argc) {
		fputs("heapsnap: no program given\n", stderr);
		usage(stderr);
		return EXIT_USAGE;
	}
	/* A bad file name pattern or unset %q{VAR} is caught now, not at exit. */
	{
		char path[HS_PATH_MAX];
		if (hs_outfile_expand(opts.out_file, getpid(), NULL, path, sizeof(path), err,
				      sizeof(err)) != 0) {
			fprintf(stderr, "heapsnap: %s\n", err);
			return EXIT_USAGE;
		}
	}
	/* A program the loader will not preload us into runs all the same. */
	if (hs_inspect_program(argv[i], err, sizeof(err)))
		fprintf(stderr, "heapsnap: %s\n", err);
	if (locate(".libs/", HS_PKGLIBDIR, "libheapsnap.so", R_OK, lib, sizeof(lib)) != 0) {
		fprintf(stderr,
			"heapsnap: cannot find libheapsnap.so (looked next to heapsnap and in %s)\n",
			HS_PKGLIBDIR);
		return 127;
	}

	int report[2];
	if (pipe2(report, O_CLOEXEC) != 0) {
		fprintf(stderr, "heapsnap: cannot create a pipe: %s\n", strerror(errno));
		return 127;
	}
	/* A full pipe must never block the program: extra reports are lost. */
	fcntl(report[1], F_SETFL, fcntl(report[1], F_GETFL) | O_NONBLOCK);
	fcntl(report[0], F_SETFL, fcntl(report[0], F_GETFL) | O_NONBLOCK);
	fflush(NULL);

	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "heapsnap: cannot fork: %s\n", strerror(errno));
		return 127;
	}
	if (pid == 0) {
		close(report[0]);
		run_child(argv + i, lib, options, report[1]);
	}
	close(report[1]);
	g_child_pid = pid;

	/* Wait as a shell does: the terminal's ^C and ^\ reach the program
	 * directly; we only forward what was sent to us by pid. */
	struct sigaction ign, fwd;
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGINT, &ign, NULL);
	sigaction(SIGQUIT, &ign, NULL);
	memset(&fwd, 0, sizeof(fwd));
	fwd.sa_handler = forward_signal;
	sigemptyset(&fwd.sa_mask);
	sigaction(SIGTERM, &fwd, NULL);
	sigaction(SIGHUP, &fwd, NULL);

	int status = 0;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, "heapsnap: waitpid: %s\n", strerror(errno));
			return 127;
		}
	}
	int rc = WIFEXITED(status)     ? WEXITSTATUS(status)
		 : WIFSIGNALED(status) ? 128 + WTERMSIG(status)
				       : 127;

	/* The files written (the program, its forked children, exec'd ones). */
	char reports[65536 + 1];
	size_t got = 0;
	ssize_t n;
	while (got < sizeof(reports) - 1 &&
	       (n = read(report[0], reports + got, sizeof(reports) - 1 - got)) > 0)
		got += (size_t)n;
	reports[got] = '\0';
	close(report[0]);

	char cwd[PATH_MAX];
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		cwd[0] = '\0';
	char print_prog[PATH_MAX + 64];
	int have_print = print && locate("", HS_BINDIR, "heapsnap-print", X_OK, print_prog,
					 sizeof(print_prog)) == 0;
	if (print && !have_print)
		fprintf(stderr,
			"heapsnap: cannot find heapsnap-print (looked next to heapsnap and in %s)\n",
			HS_BINDIR);
	for (char *line = reports, *nl; *line != '\0'; line = nl + 1) {
		nl = strchr(line, '\n');
		if (nl == NULL)
			break;
		*nl = '\0';
		if (!quiet)
			fprintf(stderr, "heapsnap: wrote %s\n", shown_path(line, cwd));
		if (have_print) {
			fflush(NULL);
			pid_t p = fork();
			if (p == 0) {
				execl(print_prog, "heapsnap-print", line, (char *)NULL);
				fprintf(stderr, "heapsnap: cannot run '%s': %s\n", print_prog,
					strerror(errno));
				_exit(127);
			}
			while (p > 0 && waitpid(p, NULL, 0) < 0 && errno == EINTR)
				;
		}
	}
	free(options);
	return rc;
}
