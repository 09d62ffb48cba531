/* heapsnap: the launcher.  Runs a program with libheapsnap.so preloaded,
 * then turns the raw records it streamed into Massif files.
 *
 * It checks every option before the program starts (exit 2 on a bad one),
 * passes them on in HEAPSNAP_OPTIONS, runs the program, waits like a shell
 * does (^C and ^\ go to the program; SIGTERM and SIGHUP are forwarded), and
 * ends as the program did: its exit status, or killed by its signal.  Each
 * traced process says "raw PID PATH" when it starts its raw record and "end PID
 * PATH" when it ends it, on a SOCK_SEQPACKET socketpair whose number is in
 * HEAPSNAP_REPORT_FD.  A process run with --ignore-fn also sends
 * "fnranges PID" with a socket, and gets on it the code ranges of the
 * --alloc-fn and --ignore-fn functions in its modules, named here with
 * the resolver's symbolizer (src/core/fnranges.h).  Once the program is
 * gone, the launcher resolves
 * every raw record whose process is gone (src/resolve/resolve.h), naming
 * the direct child's ending from its wait status, says which files it
 * wrote with a summary of each (heapsnap-print --summary) and, with
 * --print, shows one screen of each instead (heapsnap-print --brief); with
 * --leaks (recorded in bytes) it shows each file's graph and leak suspects
 * (heapsnap-print --leaks --no-trees), then the summary.  A process
 * still running then finds the channel shut (EPIPE) and starts its own
 * resolver when it ends.
 *
 * heapsnap --resolve RAW [OUT] resolves one raw record by hand (and is
 * what the library starts when it runs without the launcher).
 *
 * Live dumps (dump.h): while it waits, the launcher takes dump requests
 * (--dump-every's timer, and `heapsnap --dump PID` on its socket) and
 * serves each in a worker process, so the program's reports are still
 * read meanwhile; the workers are waited for before the final files.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <pthread.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <stdint.h>
#include <unistd.h>

#include "advice.h"
#include "callsites.h"
#include "dump.h"
#include "filter.h"
#include "fnranges.h"
#include "execprog.h"
#include "highfd.h"
#include "inspect.h"
#include "journal.h"
#include "options.h"
#include "outfile.h"
#include "resolve.h"
#include "symbols.h"
#include "suggest.h"
#include "warmup.h"

#ifndef HS_PKGLIBDIR
#define HS_PKGLIBDIR "/usr/local/lib/heapsnap"
#endif
#ifndef HS_BINDIR
#define HS_BINDIR "/usr/local/bin"
#endif

/* Where the program gets the report channel and the live page
 * (highfd.h): 1010 and up, or under a lower limit above it or at its top,
 * above the library's own (which start 64 below it). */
#define HS_REPORT_FD_MIN 1010
#define HS_REPORT_FD_ROOM 32

/* Exit status for a bad command line (as getopt-style tools use). */
#define EXIT_USAGE 2

static volatile sig_atomic_t g_child_pid;
static volatile sig_atomic_t g_child_reaped; /* waited for: no warm-up starts then (warmup.h) */

/* Print the usage text to out. */
static void usage(FILE *out)
{
	fputs("usage: heapsnap [options] [--] program [args...]\n"
	      "       heapsnap --resolve RAW [OUT]\n"
	      "       heapsnap --dump PID\n"
	      "Run program and write a Valgrind Massif file of its heap (massif.out.PID).\n"
	      "--resolve turns a raw record left by a run (OUT.raw) into OUT.\n"
	      "--dump writes the Massif file of a running recording now (PID: heapsnap's\n"
	      "or a recorded program's) and prints its path.\n"
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
	      "  --heap=yes|no            record heap blocks; no: one empty snapshot [yes]\n"
	      "  --pages-as-heap, --stacks  only no: a preload cannot see pages or stacks\n"
	      "\n"
	      "Valgrind core options:\n"
	      "  -q, --quiet              do not say which files were written, nor summarise them\n"
	      "  -v, --verbose            say more (the options passed to the library)\n"
	      "  --trace-children=no|yes  also record programs run with exec [no]\n"
	      "  --log-file=FILE          heapsnap's messages to FILE (%p, %q{VAR}; appended)\n"
	      "  --log-fd=N               heapsnap's messages to descriptor N [2]\n"
	      "  --tool=massif            accepted, so a Valgrind command line works as is,\n"
	      "                           even with 'valgrind' in front of it\n"
	      "  --stats=no|yes           Massif's statistics at the end, on the log [no]\n"
	      "  --vgdb=..., and others:  accepted and ignored, with a note\n"
	      "  --final-snapshot=no|yes  add a detailed snapshot of the heap at the end\n"
	      "                           (Massif takes none) [no]\n"
	      "  --follow-exec=yes|no     record the program the started process becomes\n"
	      "                           by exec (a script shim, env, 'exec' in a shell)\n"
	      "                           instead of its first image (no: as Massif) [yes]\n"
	      "  --sample=SIZE            record stacks of a sample of the blocks, one per\n"
	      "                           SIZE bytes on average (512K, 1M); totals and the\n"
	      "                           direct callers of malloc and new stay exact, the\n"
	      "                           rest of the trees are estimates [exact: every block]\n"
	      "\n"
	      "Launcher options:\n"
	      "  --print                  show each file's graph, largest sites and summary\n"
	      "                           (heapsnap-print --brief; the whole report is\n"
	      "                           heapsnap-print FILE)\n"
	      "  --leaks                  hunt leaks: record with what the analysis needs\n"
	      "                           (--time-unit=B unless given), then show each\n"
	      "                           file's graph and leak suspects (heapsnap-print\n"
	      "                           --leaks --no-trees); exit with the program's status\n"
	      "  --dump-every=DURATION    while the program runs, replace the output file with\n"
	      "                           the run so far every DURATION (500ms, 30s, 5m, 1h)\n"
	      "  -h, --help               show this text\n"
	      "  --version                show the version\n",
	      out);
}

/* Say that arg is a bad option (err says why); when it is an unknown one,
 * name the known option it may be a typo of. */
static void bad_option(const char *arg, const char *err)
{
	struct hs_suggest s;
	const char *best = NULL;
	size_t len = 0;

	if (strncmp(err, HS_OPTIONS_UNKNOWN, strlen(HS_OPTIONS_UNKNOWN)) == 0) {
		const char *name;
		hs_suggest_init(&s, arg);
		hs_suggest_add_all(&s, hs_launcher_option_names);
		for (size_t k = 0; (name = hs_options_known(k)) != NULL; k++)
			hs_suggest_add(&s, name, hs_suggest_name_len(name));
		best = hs_suggest_best(&s, &len);
	}
	if (best != NULL)
		fprintf(stderr, "heapsnap: %s (did you mean %.*s?)\n", err, (int)len, best);
	else
		fprintf(stderr, "heapsnap: %s\n", err);
	fputs("heapsnap: try 'heapsnap --help'\n", stderr);
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

/* A signal that came to the launcher.  Sent to its pid by a process (kill,
 * sigqueue: the pid a shell's $! or a supervisor holds), it was meant for
 * the program: passed on, a queued one with its value.  Sent by the kernel
 * (^C, ^\ and a window change go to the whole foreground group, so the
 * program has its own; SIGPIPE from our own write to a closed pipe), it is
 * dropped: the launcher never dies of one before the program ends. */
static void forward_signal(int sig, siginfo_t *info, void *ctx)
{
	(void)ctx;
	if (g_child_pid <= 0 || g_child_reaped || info == NULL || info->si_code > 0 ||
	    info->si_pid == getpid() ||
	    info->si_pid == (pid_t)g_child_pid)
		return;
	if (info->si_code == SI_QUEUE)
		sigqueue((pid_t)g_child_pid, sig, info->si_value);
	else
		kill((pid_t)g_child_pid, sig);
}

/* What forward_signal takes: every signal a process may send to mean
 * "you", but the launcher's own (SIGCHLD) and the faults of its own code.
 * The stops a process sends (kill -TSTP $!) go to the program too; the
 * launcher then stops as the program did (stop_like), so that whoever
 * waits for it sees the job stopped.  SIGSTOP cannot be caught: sent to
 * the launcher alone, it stops the launcher alone. */
static const int g_forwarded[] = {
	SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGALRM, SIGPIPE, SIGWINCH, SIGCONT,
	SIGURG, SIGIO, SIGPWR, SIGPROF, SIGVTALRM, SIGABRT, SIGXCPU, SIGTSTP, SIGTTIN, SIGTTOU,
};

/* The program stopped with sig: stop the launcher with it too (as sudo
 * does), so that a parent waiting with WUNTRACED (a shell's job control,
 * a supervisor) sees the job stopped, as it would natively.  Continued,
 * the launcher passes its SIGCONT on (forward_signal).  A stop signal of
 * the terminal's in an orphaned process group stops nothing, here as in
 * the program. */
static void stop_like(int sig)
{
	struct sigaction dfl, was;
	sigset_t one, mask;

	memset(&dfl, 0, sizeof dfl);
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	if (sig != SIGSTOP && sigaction(sig, &dfl, &was) != 0)
		return;
	sigemptyset(&one);
	sigaddset(&one, sig);
	pthread_sigmask(SIG_UNBLOCK, &one, &mask);
	raise(sig);
	pthread_sigmask(SIG_SETMASK, &mask, NULL);
	if (sig != SIGSTOP)
		sigaction(sig, &was, NULL);
}

/* heapsnap's own files are not the program's: a file size limit the
 * program runs under (ulimit -f) is raised as far as its hard limit for
 * us, and one past that fails the write (EFBIG, said in a line) instead
 * of killing us with SIGXFSZ.  Never in the program's process: after the
 * fork, or in a run with no program (--resolve, --dump). */
static void own_file_limits(void)
{
	struct rlimit lim;
	if (getrlimit(RLIMIT_FSIZE, &lim) == 0 && lim.rlim_cur != lim.rlim_max) {
		lim.rlim_cur = lim.rlim_max;
		setrlimit(RLIMIT_FSIZE, &lim);
	}
	signal(SIGXFSZ, SIG_IGN);
}

/* End as the program ended: a program killed by signal sig leaves the
 * launcher killed by it too (as Valgrind does), so a shell sees what it
 * would have seen natively: bash ends a loop the user stopped with ^C
 * only when its child died of SIGINT, and Python's returncode is -sig.
 * The launcher dumps no core of its own (the program's was dumped, or
 * not, by its own limit); the status then has no core flag.  Returns
 * only if the signal could not end us: the caller then exits 128+sig. */
static void die_like(int sig)
{
	struct rlimit no_core = { 0, 0 };
	struct sigaction dfl;
	sigset_t set;

	fflush(NULL);
	setrlimit(RLIMIT_CORE, &no_core);
	memset(&dfl, 0, sizeof dfl);
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	sigaction(sig, &dfl, NULL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(sig);
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

/* The variables the program gets from us, beside LD_PRELOAD. */
static const char *const g_our_vars[] = { "HEAPSNAP_OPTIONS", "HEAPSNAP_REPORT_FD",
					  "HEAPSNAP_EXEC_PID", "HEAPSNAP_LIVE_FD",
					  "HEAPSNAP_LAUNCHER", "HEAPSNAP_BASE_DIR" };

/* An environment being made for the program: environ's strings, then
 * ours (malloc'd, listed in owned to be freed). */
struct env {
	char **vars;
	size_t n, cap;
	char *owned[16];
	size_t n_owned;
};

static void *must(void *p)
{
	if (p == NULL) {
		fputs("heapsnap: out of memory\n", stderr);
		exit(127);
	}
	return p;
}

/* A copy of environ (NULL-terminated). */
static void env_init(struct env *e)
{
	extern char **environ;
	size_t n = 0;
	while (environ != NULL && environ[n] != NULL)
		n++;
	e->cap = n + 16;
	e->vars = must(malloc(e->cap * sizeof *e->vars));
	if (n > 0)
		memcpy(e->vars, environ, n * sizeof *e->vars);
	e->vars[n] = NULL;
	e->n = n;
	e->n_owned = 0;
}

/* The index of name's entry, or e->n. */
static size_t env_find(const struct env *e, const char *name)
{
	size_t len = strlen(name);
	size_t k = 0;
	while (k < e->n && !(strncmp(e->vars[k], name, len) == 0 && e->vars[k][len] == '='))
		k++;
	return k;
}

/* name=value, as setenv: in place of name's entry, else at the end;
 * room bytes more after it for the caller (execprog.h's pid slot).
 * Returns the string. */
static char *env_set(struct env *e, const char *name, const char *value, size_t room)
{
	size_t len = strlen(name) + 1 + strlen(value) + 1 + room;
	if (e->n_owned == sizeof e->owned / sizeof e->owned[0] || e->n + 1 == e->cap)
		must(NULL); /* more than spawn_program sets */
	char *entry = must(malloc(len));
	snprintf(entry, len, "%s=%s", name, value);
	e->owned[e->n_owned++] = entry;
	size_t k = env_find(e, name);
	if (k == e->n) {
		e->n++;
		e->vars[e->n] = NULL;
	}
	e->vars[k] = entry;
	return entry;
}

/* name's entry gone, as unsetenv. */
static void env_unset(struct env *e, const char *name)
{
	size_t k = env_find(e, name);
	if (k == e->n)
		return;
	memmove(e->vars + k, e->vars + k + 1, (e->n - k) * sizeof *e->vars);
	e->n--;
}

static void env_free(struct env *e)
{
	for (size_t k = 0; k < e->n_owned; k++)
		free(e->owned[k]);
	free(e->vars);
}

/* Start the program with the library preloaded (execprog.h); its pid, or
 * -1 (errno) when no process could be made.  live_fd: the live dumps'
 * shared page (dump.h), or -1; report_fd and live_fd are close-on-exec
 * and stay the caller's.  lib NULL: run it as it is, with none of our
 * variables and none of our descriptors, when nothing of it or of what
 * it runs may be recorded. */
static pid_t spawn_program(char **argv, const char *lib, const char *options,
			   const struct hs_highfd *fd_plan, int report_fd, int live_fd)
{
	extern char **environ;
	struct hs_spawn sp = { .argv = argv, .envp = environ };
	if (lib == NULL)
		return hs_spawn_program(&sp);

	struct env e, plain;
	env_init(&e);
	const char *old = getenv("LD_PRELOAD");
	size_t len = strlen(lib) + (old != NULL ? strlen(old) + 1 : 0) + 1;
	char *preload = must(malloc(len));
	if (old != NULL && *old != '\0')
		snprintf(preload, len, "%s:%s", lib, old);
	else
		snprintf(preload, len, "%s", lib);
	env_set(&e, "LD_PRELOAD", preload, 0);
	free(preload);
	env_set(&e, "HEAPSNAP_OPTIONS", options, 0);
	/* Out of the program's way: a low number can be named by an inherited
	 * MAKEFLAGS's jobserver (--jobserver-auth=3,4), and cargo, a jobserver
	 * client, then took our socket for its pipe, so a traced program it
	 * exec'd could not report and its file was left to a late resolver. */
	/* The report socket and the live page survive the program's exec
	 * (the child clears their close-on-exec); the library closes them
	 * at its next exec unless children are traced. */
	int keep[2], n_keep = 0;
	char number[24];
	int high = hs_highfd_dup(fd_plan, report_fd, 1);
	keep[n_keep++] = high >= 0 ? high : report_fd;
	snprintf(number, sizeof number, "%d", keep[0]);
	env_set(&e, "HEAPSNAP_REPORT_FD", number, 0);
	/* Relative file names (--massif-out-file, --log-file, the default
	 * massif.out.%p) name files where heapsnap was run, in every process
	 * it records: a child that changed directory (make -C, a daemon's
	 * chdir("/")) would otherwise write elsewhere, or nowhere. */
	{
		char cwd[PATH_MAX];
		if (getcwd(cwd, sizeof(cwd)) == NULL)
			env_unset(&e, "HEAPSNAP_BASE_DIR"); /* not an outer heapsnap's */
		else
			env_set(&e, "HEAPSNAP_BASE_DIR", cwd, 0);
	}
	/* The process whose execs the library follows (--follow-exec): the
	 * child, and not the children it forks; it writes its pid itself. */
	char *exec_pid = env_set(&e, "HEAPSNAP_EXEC_PID", "", HS_SPAWN_PID_ROOM);
	sp.pid_slot = exec_pid + strlen(exec_pid);
	/* The live page, high too; HEAPSNAP_LAUNCHER lets heapsnap --dump
	 * find us from a recorded process that is no longer our descendant. */
	int high_live = live_fd >= 0 ? hs_highfd_dup(fd_plan, live_fd, 1) : -1;
	if (high_live >= 0) {
		keep[n_keep++] = high_live;
		snprintf(number, sizeof number, "%d", high_live);
		env_set(&e, "HEAPSNAP_LIVE_FD", number, 0);
		snprintf(number, sizeof number, "%ld", (long)getpid());
		env_set(&e, "HEAPSNAP_LAUNCHER", number, 0);
	}
	/* Too long with our variables (E2BIG): as natively, unrecorded. */
	env_init(&plain);
	for (size_t k = 0; k < sizeof(g_our_vars) / sizeof(g_our_vars[0]); k++)
		env_unset(&plain, g_our_vars[k]);
	char e2big_line[PATH_MAX + 200];
	snprintf(e2big_line, sizeof e2big_line,
		 "heapsnap: the command line and heapsnap's environment together pass the "
		 "system's limit (E2BIG): running '%s' unrecorded\n",
		 argv[0]);
	sp.envp = e.vars;
	sp.keep_fds = keep;
	sp.n_keep_fds = (size_t)n_keep;
	sp.e2big_envp = plain.vars;
	sp.e2big_line = e2big_line;
	pid_t pid = hs_spawn_program(&sp);
	int err = errno;
	if (high >= 0)
		close(high);
	if (high_live >= 0)
		close(high_live);
	env_free(&e);
	env_free(&plain);
	errno = err;
	return pid;
}

/* The path to show: relative to the working directory when under it. */
static const char *shown_path(const char *path, const char *cwd)
{
	size_t n = strlen(cwd);

	if (n > 1 && strncmp(path, cwd, n) == 0 && path[n] == '/')
		return path + n + 1;
	return path;
}

/* Where argv's options start: after a leading "valgrind" when a copied
 * Valgrind command line follows ("heapsnap valgrind --tool=massif ..."
 * runs as is; nobody profiles valgrind itself under a preload). */
static int valgrind_prefix(int argc, char **argv)
{
	size_t n = argc > 2 ? strlen(argv[1]) : 0;

	if (n == 0 || argv[2][0] != '-')
		return 1;
	if (strcmp(argv[1], "valgrind") == 0 ||
	    (n > 9 && strcmp(argv[1] + n - 9, "/valgrind") == 0))
		return 2;
	return 1;
}

/* Our messages go where Valgrind's would: --log-file (%p is the program's
 * pid, as the library expands it), --log-fd, else stderr.  Line-buffered:
 * the library writes to the same place. */
static FILE *open_log(const struct hs_options *opts, pid_t pid)
{
	char err[HS_PATH_MAX + 256];
	FILE *log = NULL;
	int fd = -1;

	if (opts->log_file[0] != '\0') {
		fd = hs_outfile_open_log(opts->log_file, pid, NULL, err, sizeof(err));
		if (fd < 0)
			fprintf(stderr, "heapsnap: %s\n", err);
	} else if (opts->log_fd >= 0) {
		fd = dup(opts->log_fd);
	}
	if (fd >= 0 && (log = fdopen(fd, "a")) == NULL)
		close(fd);
	if (log == NULL)
		return stderr;
	setvbuf(log, NULL, _IOLBF, 0);
	return log;
}

/* A raw record a traced process reported: its pid, its path, whether it
 * said "end" (then its END record says how it ended). */
struct raw_rec {
	pid_t pid;    /* as the process reported it: in its own pid namespace */
	pid_t os_pid; /* the same process in ours (SCM_CREDENTIALS): for kill, /proc */
	int ended;
	unsigned image; /* forked from the program's image N (1-based; "rawi"), or 0 */
	int dumped;     /* a live dump may have written its file */
	char path[HS_PATH_MAX];
};

/* The images the program (the launcher's child) has been: one per "raw"
 * from its pid (a followed exec begins the next). */
static unsigned g_child_images;

static struct raw_rec *g_raws;
static size_t g_n_raws, g_cap_raws;

/* The record for path, added when new. */
static struct raw_rec *raw_find(const char *path, pid_t pid, pid_t os_pid)
{
	for (size_t i = 0; i < g_n_raws; i++)
		if (strcmp(g_raws[i].path, path) == 0) {
			g_raws[i].os_pid = os_pid; /* a followed exec: the same process */
			return &g_raws[i];
		}
	if (g_n_raws == g_cap_raws) {
		size_t cap = g_cap_raws ? g_cap_raws * 2 : 16;
		struct raw_rec *r = realloc(g_raws, cap * sizeof(*r));
		if (r == NULL)
			return NULL;
		g_raws = r;
		g_cap_raws = cap;
	}
	struct raw_rec *r = &g_raws[g_n_raws++];
	r->pid = pid;
	r->os_pid = os_pid;
	r->ended = 0;
	r->image = 0;
	r->dumped = 0;
	snprintf(r->path, sizeof(r->path), "%s", path);
	return r;
}

/* Take one message: "raw PID PATH\n", "end PID PATH\n", or "drop PID
 * PATH\n" (the record was removed at an exec).  After "end", a "raw" for
 * the same path is a followed exec's new image taking the record over.
 * sender: the sending process's pid in our namespace (SCM_CREDENTIALS),
 * 0 when unknown.  PID is the process's own (getpid): inside a pid
 * namespace (unshare --pid, bwrap, a container) another number, which
 * kill(PID, 0) would have taken for some process of ours (pid 2 is
 * kthreadd), so the record of a killed program was never resolved. */
static void take_message(char *msg, size_t len, pid_t sender)
{
	char *sp, *end;
	long pid;
	int is_end;

	while (len > 0 && msg[len - 1] == '\n')
		len--;
	msg[len] = '\0';
	unsigned image = 0;
	if (strncmp(msg, "rawi ", 5) == 0) {
		/* "rawi N PID PATH": forked from the program's image N. */
		image = (unsigned)strtoul(msg + 5, &end, 10);
		if (image == 0 || *end != ' ')
			return;
		msg = end + 1;
		is_end = 0;
	} else if (strncmp(msg, "raw ", 4) == 0) {
		is_end = 0;
		msg += 4;
	} else if (strncmp(msg, "end ", 4) == 0) {
		is_end = 1;
		msg += 4;
	} else if (strncmp(msg, "drop ", 5) == 0) {
		is_end = 2;
		msg += 5;
	} else {
		return;
	}
	pid = strtol(msg, &end, 10);
	if (end == msg || *end != ' ' || pid <= 0)
		return;
	sp = end + 1;
	if (*sp == '\0')
		return;
	pid_t os_pid = sender > 0 ? sender : (pid_t)pid;
	struct raw_rec *r = raw_find(sp, (pid_t)pid, os_pid);
	if (r != NULL && image != 0)
		r->image = image;
	if (is_end == 0 && os_pid == g_child_pid)
		g_child_images++;
	/* The direct child's stacks are named while it runs (warmup.h). */
	if (is_end == 0 && os_pid == g_child_pid && !g_child_reaped)
		hs_warmup_start(g_child_pid, sp);
	if (is_end != 0)
		hs_warmup_quit(os_pid);
	if (r != NULL && is_end == 1)
		r->ended = 1;
	/* A followed exec's new image took the ended record over (same path). */
	if (r != NULL && is_end == 0)
		r->ended = 0;
	if (r != NULL && is_end == 2)
		r->path[0] = '\0'; /* an exec'd traced image took its name */
}

/* The options the program runs with: its --alloc-fn and --ignore-fn. */
static const struct hs_options *g_run_opts;
static FILE *g_log; /* where -v's lines go once the program runs */

/* fnranges.h's kind of a function name, for hs_symbols_find_functions. */
static int fn_kind(void *arg, const char *function)
{
	return hs_filter_fn_kind(arg, function);
}

/* The identifiers a wanted mangled name must contain (each wanted C++ name's
 * own unqualified name: its mangled form holds it verbatim), or none
 * (g_fn_any) when a name has no such key (an operator, a lambda). */
#define HS_FN_KEY_MAX 256
static char g_fn_keys[2 * HS_MAX_FNS][HS_FN_KEY_MAX];
static unsigned g_n_fn_keys;
static int g_fn_any;

static int is_ident(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

/* Add the key of name: the identifier before its parameter list, past any
 * template arguments ("ns::Table<int, W>::grow(void*)" gives "grow"). */
static void add_fn_key(const char *name)
{
	const char *end = name + strlen(name);
	const char *open = name;
	while ((open = strchr(open, '(')) != NULL &&
	       strncmp(open, "(anonymous namespace)", 21) == 0)
		open += 21;
	if (open != NULL)
		end = open;
	int depth = 0;
	while (end > name && (end[-1] == '>' || depth > 0)) {
		depth += end[-1] == '>' ? 1 : end[-1] == '<' ? -1 : 0;
		end--;
	}
	const char *start = end;
	while (start > name && is_ident(start[-1]))
		start--;
	size_t len = (size_t)(end - start);
	if (len == 0 || len >= HS_FN_KEY_MAX || strstr(name, "operator") != NULL ||
	    strchr(name, '{') != NULL) {
		g_fn_any = 1;
		return;
	}
	memcpy(g_fn_keys[g_n_fn_keys], start, len);
	g_fn_keys[g_n_fn_keys++][len] = '\0';
}

/* Whether the symbol raw can be one hs_filter_fn_kind wants: a plain name
 * is compared as it is; a mangled one only when it holds a key (Massif's
 * default operator new forms all start with _Zn). */
static int fn_maybe(void *arg, const char *raw)
{
	if (raw[0] != '_' || (raw[1] != 'Z' && raw[1] != 'R' && raw[1] != 'D'))
		return hs_filter_fn_kind(arg, raw) != 0;
	if (g_fn_any || strncmp(raw, "_Zn", 3) == 0)
		return 1;
	for (unsigned i = 0; i < g_n_fn_keys; i++)
		if (strstr(raw, g_fn_keys[i]) != NULL)
			return 1;
	return 0;
}

/* The keys of the options' --alloc-fn and --ignore-fn names. */
static void fn_keys_init(const struct hs_options *opts)
{
	g_n_fn_keys = 0;
	g_fn_any = 0;
	for (unsigned i = 0; i < opts->n_alloc_fns && i < HS_MAX_FNS; i++)
		add_fn_key(opts->alloc_fns[i]);
	for (unsigned i = 0; i < opts->n_ignore_fns && i < HS_MAX_FNS; i++)
		add_fn_key(opts->ignore_fns[i]);
}

/* "fnranges PID" with the launcher's end of a stream socketpair: name the
 * --alloc-fn and --ignore-fn functions in every module pid has mapped now
 * (it waits for the answer before it records its first allocation), and
 * send their code ranges (hs_fn_ranges_send).  Any failure, or more ranges
 * than the program takes, sends nothing: the program then leaves
 * --ignore-fn to the resolver, as without us.  The program may have given
 * up waiting or died: that is EPIPE here, never SIGPIPE (which would kill
 * the launcher, and SIG_IGN would be inherited by the programs it runs). */
static void answer_fn_ranges(const char *pid_text, pid_t sender, int fd)
{
	struct timespec t0, t1;
	char *text = NULL;
	size_t len = 0;

	size_t digits = strspn(pid_text, "0123456789");
	if (digits == 0 || digits > 10 || (pid_text[digits] != '\0' && pid_text[digits] != '\n'))
		return;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	long pid = strtol(pid_text, NULL, 10);
	if (pid <= 0 || pid > INT_MAX)
		return;
	/* Its maps by the pid in our namespace (take_message says why). */
	text = hs_read_proc_maps(sender > 0 ? sender : (pid_t)pid, &len);
	struct hs_symbolizer sym = { NULL, NULL, NULL };
	struct hs_fn_range *r = NULL;
	size_t n = 0;
	if (text != NULL && hs_symbols_open_maps(&sym, text, len, NULL, 0) == 0)
		r = hs_symbols_find_functions(&sym, fn_maybe, fn_kind, (void *)g_run_opts, &n);
	hs_symbols_close(&sym);
	free(text);
	/* A program that stopped reading (stopped, or stuck) must not hang us. */
	struct timeval limit = { 10, 0 };
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof(limit));
	int sent = hs_fn_ranges_send(fd, r, n);
	free(r);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (g_run_opts->verbosity > 1 && g_log != NULL)
		fprintf(g_log,
			"heapsnap: pid %.*s: %zu code ranges for --alloc-fn/--ignore-fn in %.1f ms%s\n",
			(int)digits, pid_text, n,
			(t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6,
			sent == 0 ? "" : " (not delivered)");
	if (sent == 1 && g_log != NULL)
		fprintf(g_log,
			"heapsnap: pid %.*s: %zu functions match --alloc-fn/--ignore-fn, more than "
			"the %u the program takes: applied after the run instead\n",
			(int)digits, pid_text, n, (unsigned)HS_FNRANGES_MAX);
}

/* Read every message waiting on the channel (non-blocking).  A message
 * may carry a descriptor (SCM_RIGHTS): only "fnranges" uses one; each
 * carries its sender's credentials (SO_PASSCRED on our end). */
static void drain_channel(int fd)
{
	char msg[HS_PATH_MAX + 64];
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(struct ucred))];
	} ctl;
	ssize_t n;

	for (;;) {
		struct iovec iov = { msg, sizeof(msg) - 1 };
		struct msghdr mh = { .msg_iov = &iov,
				     .msg_iovlen = 1,
				     .msg_control = ctl.buf,
				     .msg_controllen = sizeof(ctl.buf) };
		n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (n <= 0)
			break;
		int passed = -1;
		struct ucred cred = { 0, 0, 0 };
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c)) {
			if (c->cmsg_level != SOL_SOCKET)
				continue;
			if (c->cmsg_type == SCM_RIGHTS && c->cmsg_len == CMSG_LEN(sizeof(int)) &&
			    passed < 0)
				memcpy(&passed, CMSG_DATA(c), sizeof(int));
			else if (c->cmsg_type == SCM_CREDENTIALS &&
				 c->cmsg_len == CMSG_LEN(sizeof(struct ucred)))
				memcpy(&cred, CMSG_DATA(c), sizeof(cred));
		}
		msg[n] = '\0';
		if (passed >= 0 && strncmp(msg, "fnranges ", 9) == 0)
			answer_fn_ranges(msg + 9, cred.pid, passed);
		else
			take_message(msg, (size_t)n, cred.pid);
		if (passed >= 0)
			close(passed);
	}
}

/* How the direct child ended, from its wait status. */
static void ending_text(int status, char *out, size_t len)
{
	if (WIFEXITED(status)) {
		snprintf(out, len, "exit %d", WEXITSTATUS(status));
	} else if (WIFSIGNALED(status)) {
		const char *abbrev = sigabbrev_np(WTERMSIG(status));
		snprintf(out, len, "signal %d (SIG%s)", WTERMSIG(status),
			 abbrev != NULL ? abbrev : "?");
	} else {
		snprintf(out, len, "ended");
	}
}

/* OUT for RAW: RAW without its ".raw". Returns 0, or -1 when RAW does not
 * end in ".raw". */
static int out_for_raw(const char *raw, char *out, size_t len)
{
	size_t n = strlen(raw);

	if (n <= 4 || strcmp(raw + n - 4, ".raw") != 0 || n - 4 >= len)
		return -1;
	memcpy(out, raw, n - 4);
	out[n - 4] = '\0';
	return 0;
}

/* Show path with heapsnap-print on stdout: one screen (--brief: the graph,
 * the peak's largest sites and the summary), or with leaks the graph and
 * the leak suspects (--leaks --no-trees). */
static void print_file(const char *print_prog, const char *path, int leaks)
{
	fflush(NULL);
	pid_t p = fork();
	if (p == 0) {
		if (leaks)
			execl(print_prog, "heapsnap-print", "--leaks", "--no-trees", path,
			      (char *)NULL);
		else
			execl(print_prog, "heapsnap-print", "--brief", path, (char *)NULL);
		fprintf(stderr, "heapsnap: cannot run '%s': %s\n", print_prog, strerror(errno));
		_exit(127);
	}
	while (p > 0 && waitpid(p, NULL, 0) < 0 && errno == EINTR)
		;
}

/* Under --sample, the direct call sites whose bytes are not exact, as
 * the desc: line says (the record's SITES_LOST): one line, none when
 * every site was kept. */
static void sites_lost_note(const struct hs_resolve_info *info, FILE *log)
{
	uint32_t refused = info->sites_refused, flags = info->sites_lost_flags;
	if (refused != 0 || (flags & HS_SITES_LOST_MORE) != 0) {
		char count[32];
		if (refused == 0)
			snprintf(count, sizeof count, "some");
		else
			snprintf(count, sizeof count, "%s%lu",
				 (flags & HS_SITES_LOST_MORE) != 0 ? "at least " : "",
				 (unsigned long)refused);
		fprintf(log,
			"heapsnap:   note: %s direct call site%s did not fit in the recorder's table"
			" of %u: their top-level nodes are estimates, not exact\n",
			count, refused == 1 && (flags & HS_SITES_LOST_MORE) == 0 ? "" : "s",
			HS_CALLSITES_IDS);
	}
	if ((flags & HS_SITES_LOST_GAVE_UP) != 0)
		fprintf(log, "heapsnap:   note: the direct call sites are exact only until the"
			     " recorder ran out of memory for them: estimates after\n");
}

/* The end-of-run summary of path (heapsnap-print --summary) to log, each
 * line with our "heapsnap: " prefix, as Valgrind marks each of its lines:
 * the program's own stderr may be interleaved with ours.  In two steps,
 * so the launcher can release the resolver's memory while heapsnap-print
 * runs; spawned without copying the launcher's page tables (posix_spawn
 * uses vfork), which the symbolizer makes large. */
struct summary {
	pid_t pid; /* -1: none */
	int fd;    /* the read end of its stdout */
};

static void summary_start(const char *print_prog, char *path, struct summary *sm)
{
	int fds[2];
	posix_spawn_file_actions_t fa;
	extern char **environ;
	char name[] = "heapsnap-print", summary[] = "--summary";
	char *argv[] = { name, summary, path, NULL };

	sm->pid = -1;
	sm->fd = -1;
	if (pipe2(fds, O_CLOEXEC) != 0)
		return;
	fflush(NULL);
	if (posix_spawn_file_actions_init(&fa) != 0) {
		close(fds[0]);
		close(fds[1]);
		return;
	}
	/* dup2 onto stdout clears close-on-exec there only. */
	if (posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO) != 0 ||
	    posix_spawn(&sm->pid, print_prog, &fa, NULL, argv, environ) != 0)
		sm->pid = -1;
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	if (sm->pid < 0)
		close(fds[0]);
	else
		sm->fd = fds[0];
}

static void summary_finish(struct summary *sm, FILE *log)
{
	FILE *in = sm->fd >= 0 ? fdopen(sm->fd, "r") : NULL;
	if (in == NULL) {
		if (sm->fd >= 0)
			close(sm->fd);
	} else {
		char *line = NULL;
		size_t cap = 0;
		while (getline(&line, &cap, in) > 0)
			fprintf(log, "heapsnap: %s", line);
		free(line);
		fclose(in);
	}
	while (sm->pid > 0 && waitpid(sm->pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/* heapsnap --resolve RAW [OUT]: one raw record into OUT.  Exit 0, or 1
 * with one line saying why. */
static int resolve_main(int argc, char **argv, int quiet)
{
	char out[HS_PATH_MAX];
	char err[HS_PATH_MAX + 256];

	if (argc < 1 || argc > 2) {
		fputs("heapsnap: --resolve takes RAW [OUT]\n", stderr);
		return EXIT_USAGE;
	}
	if (argc == 2) {
		snprintf(out, sizeof(out), "%s", argv[1]);
	} else if (out_for_raw(argv[0], out, sizeof(out)) != 0) {
		fprintf(stderr, "heapsnap: %s: a raw record's name ends in .raw; give OUT\n",
			argv[0]);
		return EXIT_USAGE;
	}
	struct hs_resolve_info info;
	if (hs_resolve_file_warm(argv[0], out, NULL, NULL, NULL, &info, err, sizeof(err)) != 0) {
		/* Started by a process's library when the launcher did not
		 * answer its end (it was ending too): a record the launcher
		 * took and wrote meanwhile is not an error. */
		if (getenv("HEAPSNAP_RESOLVE_DETACHED") != NULL && access(argv[0], F_OK) != 0 &&
		    errno == ENOENT)
			return 0;
		fprintf(stderr, "heapsnap: %s\n", err);
		return 1;
	}
	if (!quiet) {
		fprintf(stderr, "heapsnap: wrote %s\n", out);
		sites_lost_note(&info, stderr);
	}
	return 0;
}

static void on_sigchld(int sig)
{
	(void)sig; /* only interrupts poll() */
}

/* Live dumps: the shared page, the worker processes serving dumps. */
static struct hs_live_page *g_live_page;
#define HS_MAX_WORKERS 32
static pid_t g_workers[HS_MAX_WORKERS];
static size_t g_n_workers;
static pid_t g_periodic; /* the --dump-every worker running, or 0 */
static int g_idle_said;  /* said once that a periodic dump found the program idle */

/* Reap the workers that are done (block: wait for all). */
static void reap_workers(int block, FILE *log)
{
	for (size_t i = 0; i < g_n_workers;) {
		int st;
		pid_t w = waitpid(g_workers[i], &st, block ? 0 : WNOHANG);
		if (w == 0 || (w < 0 && errno == EINTR && !block)) {
			i++;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w == g_periodic) {
			g_periodic = 0;
			if (WIFEXITED(st) && WEXITSTATUS(st) == 3 && !g_idle_said) {
				g_idle_said = 1;
				fputs("heapsnap: a periodic dump found the program making no heap "
				      "call: it holds the heap as of the last snapshot\n",
				      log);
			}
		}
		g_workers[i] = g_workers[--g_n_workers];
	}
}

/* Serve a dump in a worker process: the client on conn (>= 0), else a
 * periodic dump of every running record.  Exit 0, 1 on an error, 3 when
 * the program did not answer in time. */
static pid_t start_worker(int conn, pid_t self, FILE *log, int verbose)
{
	struct hs_dump_target *t = calloc(g_n_raws + 1, sizeof *t);
	size_t n = 0;
	if (t == NULL || g_n_workers == HS_MAX_WORKERS) {
		free(t);
		return -1;
	}
	for (size_t k = 0; k < g_n_raws; k++) {
		struct raw_rec *r = &g_raws[k];
		if (r->ended || r->path[0] == '\0' || kill(r->os_pid, 0) != 0)
			continue;
		r->dumped = 1;
		t[n++] = (struct hs_dump_target){ r->pid, r->os_pid, r->path };
	}
	fflush(NULL);
	pid_t w = fork();
	if (w != 0) {
		free(t);
		if (w > 0)
			g_workers[g_n_workers++] = w;
		return w;
	}
	sigset_t none;
	sigemptyset(&none);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	sigprocmask(SIG_SETMASK, &none, NULL);
	int rc = 0;
	if (conn >= 0) {
		rc = hs_dump_serve(conn, g_live_page, self, t, n) != 0;
	} else {
		for (size_t i = 0; i < n; i++) {
			char out[HS_PATH_MAX], note[HS_PATH_MAX + 256], err[HS_PATH_MAX + 256];
			if (hs_dump_record(g_live_page, &t[i], out, sizeof out, note, sizeof note,
					   err, sizeof err) != 0) {
				fprintf(log, "heapsnap: live dump: %s\n", err);
				rc = 1;
				continue;
			}
			if (note[0] != '\0' && rc == 0)
				rc = 3;
			if (verbose > 1)
				fprintf(log, "heapsnap: dumped %s%s\n", out,
					note[0] != '\0' ? " (no heap call: as of the last snapshot)"
							: "");
		}
	}
	fflush(NULL);
	_exit(rc);
}

/* Milliseconds on the monotonic clock. */
static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Check the options, run the program, report, exit with its status. */
static int launcher_main(int argc, char **argv)
{
	static struct hs_options opts;
	char err[HS_PATH_MAX + 256];
	char lib[PATH_MAX + 64];
	char *options = NULL;
	size_t opt_len = 0, opt_cap = 0;
	int quiet = 0, print = 0, leaks = 0, time_unit_given = 0;
	long long dump_every_ms = 0;
	int i;

	hs_options_defaults(&opts);
	append(&options, &opt_len, &opt_cap, "");
	for (i = valgrind_prefix(argc, argv); i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		char escaped[2 * HS_PATH_MAX + 64];

		if (strcmp(a, "--") == 0) {
			i++;
			break;
		} else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			return fflush(stdout) == 0 ? 0 : 1;
		} else if (strcmp(a, "--version") == 0) {
			printf("heapsnap %s\n", PACKAGE_VERSION);
			return fflush(stdout) == 0 ? 0 : 1;
		} else if (strcmp(a, "--print") == 0) {
			print = 1;
			continue;
		} else if (strcmp(a, "--leaks") == 0) {
			print = leaks = 1;
			continue;
		} else if (strcmp(a, "--resolve") == 0) {
			own_file_limits();
			return resolve_main(argc - i - 1, argv + i + 1, opts.verbosity == 0);
		} else if (strcmp(a, "--dump") == 0) {
			own_file_limits();
			return hs_dump_client(argc - i - 1, argv + i + 1);
		} else if (strncmp(a, "--dump-every=", 13) == 0) {
			if (hs_dump_parse_duration(a + 13, &dump_every_ms) != 0) {
				fprintf(stderr,
					"heapsnap: %s: expected a duration such as 500ms, 30s, 5m "
					"or 1h\n",
					a);
				return EXIT_USAGE;
			}
			continue;
		}
		if (strncmp(a, "--time-unit=", 12) == 0)
			time_unit_given = 1;
		if (hs_options_parse_one(&opts, a, err, sizeof(err)) != 0) {
			bad_option(a, err);
			return EXIT_USAGE;
		}
		if (hs_options_escape(a, escaped, sizeof(escaped)) < 0) {
			snprintf(err, sizeof(err), "option too long: '%.40s...'", a);
			bad_option(a, err);
			return EXIT_USAGE;
		}
		if (opt_len > 0)
			append(&options, &opt_len, &opt_cap, " ");
		append(&options, &opt_len, &opt_cap, escaped);
	}
	/* The leak rules judge growth against the program's progress: the
	 * bytes it allocates and frees follow it, where wall-clock time in a
	 * short run mostly measures the recorder's own start-up. */
	if (leaks && !time_unit_given) {
		static const char unit_B[] = "--time-unit=B";
		if (hs_options_parse_one(&opts, unit_B, err, sizeof(err)) != 0) {
			bad_option(unit_B, err);
			return EXIT_USAGE;
		}
		if (opt_len > 0)
			append(&options, &opt_len, &opt_cap, " ");
		append(&options, &opt_len, &opt_cap, unit_B);
	}
	if (i >= argc) {
		fputs("heapsnap: no program given\n", stderr);
		usage(stderr);
		return EXIT_USAGE;
	}
	if (hs_advice_program(argv + i, opts.trace_children, opts.follow_exec, stderr) != 0)
		return EXIT_USAGE;
	/* A bad file name pattern or unset %q{VAR} is caught now, not at exit.
	 * So is a name the resolver would refuse to write (/dev/null, a
	 * directory, a symbolic link): the program is not run for a record
	 * that could only be left behind as OUT.raw.  A name with %p is the
	 * program's pid's: the library checks it when it starts. */
	{
		char path[HS_PATH_MAX];
		if (hs_outfile_expand(opts.out_file, getpid(), NULL, path, sizeof(path), err,
				      sizeof(err)) != 0 ||
		    (!hs_outfile_has_pid(opts.out_file) &&
		     hs_outfile_check_target(opts.out_file, path, err, sizeof(err)) != 0)) {
			fprintf(stderr, "heapsnap: %s\n", err);
			return EXIT_USAGE;
		}
	}
	/* A log file that cannot be made stops the run before it starts, as
	 * Valgrind's does (its %p is the program's pid: the directory is
	 * what can be checked now). */
	if (opts.log_file[0] != '\0') {
		char path[HS_PATH_MAX];
		if (hs_outfile_expand(opts.log_file, getpid(), NULL, path, sizeof(path), err,
				      sizeof(err)) != 0) {
			fprintf(stderr, "heapsnap: %s\n", err);
			return EXIT_USAGE;
		}
		char *slash = strrchr(path, '/');
		if (slash == path)
			slash[1] = '\0';
		else if (slash != NULL)
			*slash = '\0';
		const char *dir = slash != NULL ? path : ".";
		if (access(dir, W_OK | X_OK) != 0) {
			fprintf(stderr, "heapsnap: --log-file=%s: cannot create a log file in %s: %s\n",
				opts.log_file, dir, strerror(errno));
			return 1;
		}
	}
	/* A program the loader will not preload us into runs all the same.
	 * Unpreloaded, it cannot hide us from its children either: when
	 * neither a program it becomes by exec (--follow-exec) nor its
	 * children (--trace-children) may be recorded, it is run without the
	 * library at all; otherwise the library of each image it leads to
	 * decides (untraced_child in lifecycle.c records none of its
	 * children but with --trace-children=yes). */
	enum hs_inspect_kind inspected =
		hs_inspect_program(argv[i], opts.trace_children, opts.follow_exec, err, sizeof(err));
	if (inspected != HS_INSPECT_OK)
		fprintf(stderr, "heapsnap: %s\n", err);
	int no_preload =
		(inspected == HS_INSPECT_NO_PRELOAD && !opts.trace_children && !opts.follow_exec) ||
		inspected == HS_INSPECT_SANITIZER;
	/* Under a tiny limit any descriptor of ours would be one the program
	 * cannot open (highfd.h): it runs as natively. */
	struct hs_highfd fd_plan;
	long fd_limit;
	if (!no_preload && hs_highfd_plan(&fd_plan, HS_REPORT_FD_MIN, HS_REPORT_FD_ROOM, &fd_limit) != 0) {
		fprintf(stderr,
			"heapsnap: the open-file limit (%ld) leaves no descriptor for the recorder's "
			"files; running %s unrecorded\n",
			fd_limit, argv[i]);
		no_preload = 1;
	}
	if (locate(".libs/", HS_PKGLIBDIR, "libheapsnap.so", R_OK, lib, sizeof(lib)) != 0) {
		fprintf(stderr,
			"heapsnap: cannot find libheapsnap.so (looked next to heapsnap and in %s)\n",
			HS_PKGLIBDIR);
		return 127;
	}

	/* The report channel: messages keep their bounds, and shutting our
	 * end tells a process still running that no one will resolve it. */
	int report[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, report) != 0) {
		fprintf(stderr, "heapsnap: cannot create a socket pair: %s\n", strerror(errno));
		return 127;
	}
	/* Each message then says which process sent it, in our pid namespace
	 * (take_message).  Without it, the reported pids are used as before. */
	int one = 1;
	setsockopt(report[0], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one));
	/* Live dumps: the page the program's requests go through, and the
	 * socket heapsnap --dump asks on.  Without them the run goes on. */
	int live_fd = hs_dump_page_create(&g_live_page);
	int listen_fd = live_fd >= 0 ? hs_dump_listen(getpid()) : -1;
	fflush(NULL);

	pid_t pid = spawn_program(argv + i, no_preload ? NULL : lib, options, &fd_plan, report[1],
				  live_fd);
	if (pid < 0) {
		fprintf(stderr, "heapsnap: cannot start the program: %s\n", strerror(errno));
		return 127;
	}
	close(report[1]);
	if (live_fd >= 0)
		close(live_fd); /* the mapping stays */
	g_child_pid = pid;
	own_file_limits();
	/* The symbolizer never asks debuginfod (symbols.c): unset here, after
	 * the program got its environment as given and before any thread or
	 * worker, as unsetenv takes a lock a forked worker could inherit. */
	unsetenv("DEBUGINFOD_URLS");

	FILE *log = open_log(&opts, pid);
	g_run_opts = &opts;
	g_log = log;
	fn_keys_init(&opts);
	quiet = opts.verbosity == 0;
	if (!quiet)
		fputs(opts.notes, log);
	if (opts.verbosity > 1)
		fprintf(log, "heapsnap: running pid %ld with %s and HEAPSNAP_OPTIONS=%s\n",
			(long)pid, lib, options);

	/* Wait as a shell does: the terminal's ^C and ^\ reach the program
	 * directly; we only forward what was sent to us by pid (set after the
	 * fork: the program starts with the signals as we were given them). */
	struct sigaction fwd;
	memset(&fwd, 0, sizeof(fwd));
	fwd.sa_sigaction = forward_signal;
	fwd.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&fwd.sa_mask);
	for (size_t k = 0; k < sizeof(g_forwarded) / sizeof(g_forwarded[0]); k++) {
		struct sigaction was;
		/* One ignored when we were started stays ignored (nohup's HUP). */
		if (sigaction(g_forwarded[k], NULL, &was) == 0 && was.sa_handler == SIG_IGN &&
		    g_forwarded[k] != SIGPIPE)
			continue;
		sigaction(g_forwarded[k], &fwd, NULL);
	}
	for (int sig = SIGRTMIN; sig <= SIGRTMAX; sig++)
		sigaction(sig, &fwd, NULL);

	/* SIGCHLD only wakes the ppoll below, so reports are read as they
	 * come and the end is seen at once: it is blocked except inside
	 * ppoll, so it cannot slip in between waitpid and the wait. */
	struct sigaction chld;
	memset(&chld, 0, sizeof(chld));
	chld.sa_handler = on_sigchld;
	sigemptyset(&chld.sa_mask);
	sigaction(SIGCHLD, &chld, NULL);
	sigset_t chld_set, wait_mask;
	sigemptyset(&chld_set);
	sigaddset(&chld_set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld_set, &wait_mask);
	sigdelset(&wait_mask, SIGCHLD);

	int status = 0;
	int watch = report[0]; /* -1 once every sender has closed it */
	long long next_dump_ms = dump_every_ms > 0 ? now_ms() + dump_every_ms : 0;
	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG | WUNTRACED);
		if (w == pid && WIFSTOPPED(status)) {
			stop_like(WSTOPSIG(status));
			continue;
		}
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			fprintf(stderr, "heapsnap: waitpid: %s\n", strerror(errno));
			hs_warmup_end();
			return 127;
		}
		reap_workers(0, log);
		struct timespec wait_ts, *timeout = NULL;
		if (next_dump_ms > 0) {
			long long left = next_dump_ms - now_ms();
			if (left <= 0) {
				/* One periodic worker at a time: a slow resolve skips a turn. */
				drain_channel(report[0]);
				if (g_periodic == 0)
					g_periodic =
						start_worker(-1, getpid(), log, opts.verbosity);
				if (g_periodic < 0)
					g_periodic = 0;
				next_dump_ms += dump_every_ms;
				if (next_dump_ms <= now_ms())
					next_dump_ms = now_ms() + dump_every_ms;
				continue;
			}
			wait_ts.tv_sec = left / 1000;
			wait_ts.tv_nsec = (left % 1000) * 1000000L;
			timeout = &wait_ts;
		}
		struct pollfd pfd[2] = { { .fd = watch, .events = POLLIN },
					 { .fd = listen_fd, .events = POLLIN } };
		if (ppoll(pfd, 2, timeout, &wait_mask) > 0) {
			if (pfd[0].revents != 0) {
				drain_channel(report[0]);
				/* No process holds the other end any more (all closed
				 * it): only the child's end is left to wait for. */
				if (pfd[0].revents & (POLLHUP | POLLERR | POLLNVAL))
					watch = -1;
			}
			if (pfd[1].revents & POLLIN) {
				int conn = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
				if (conn >= 0) {
					drain_channel(report[0]);
					if (!hs_dump_peer_ok(conn) ||
					    start_worker(conn, getpid(), log, opts.verbosity) < 0) {
						const char *no =
							"error not allowed, or too many dumps at once";
						send(conn, no, strlen(no), MSG_NOSIGNAL);
					}
					close(conn);
				}
			}
		}
	}
	/* The program is gone: no more naming ahead (its map is gone too). */
	g_child_reaped = 1;
	hs_warmup_stop();
	/* No more dump requests; the dumps under way end before the files are
	 * written, so none can replace a final file with an older state. */
	if (listen_fd >= 0)
		close(listen_fd);
	reap_workers(1, log);
	sigprocmask(SIG_UNBLOCK, &chld_set, NULL);
	int rc = WIFEXITED(status)     ? WEXITSTATUS(status)
		 : WIFSIGNALED(status) ? 128 + WTERMSIG(status)
				       : 127;

	/* No more reports: a process still running gets EPIPE at its end
	 * and resolves its own record.  What was sent before is still read. */
	shutdown(report[0], SHUT_RD);
	drain_channel(report[0]);
	close(report[0]);

	char ending[64];
	ending_text(status, ending, sizeof(ending));
	char cwd[PATH_MAX];
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		cwd[0] = '\0';
	char print_prog[PATH_MAX + 64];
	int have_print = (print || !quiet) && locate("", HS_BINDIR, "heapsnap-print", X_OK,
						     print_prog, sizeof(print_prog)) == 0;
	if (print && !have_print)
		fprintf(stderr,
			"heapsnap: cannot find heapsnap-print (looked next to heapsnap and in %s)\n",
			HS_BINDIR);
	for (size_t k = 0; k < g_n_raws; k++) {
		struct raw_rec *r = &g_raws[k];
		char out[HS_PATH_MAX];

		/* Resolve only records whose process is gone: the direct child
		 * (waited for), one that said "end", or one no longer there. */
		if (!r->ended && r->os_pid != pid && !(kill(r->os_pid, 0) != 0 && errno == ESRCH))
			continue;
		if (r->path[0] == '\0' || out_for_raw(r->path, out, sizeof(out)) != 0)
			continue;
		/* Forked by an image of the program that it later replaced by
		 * exec (a shim's subshells, the shell before `exec prog`): not
		 * the program the user meant, no file (--follow-exec). */
		if (r->image != 0 && r->image < g_child_images) {
			if (opts.verbosity > 1)
				fprintf(log,
					"heapsnap: pid %ld was forked before the program's exec: "
					"no file\n",
					(long)r->pid);
			unlink(r->path);
			hs_resolve_unlink_sides(r->path);
			if (r->dumped) { /* a live dump's file of it goes too */
				char series[HS_PATH_MAX + 16];
				snprintf(series, sizeof series, "%s.series", out);
				unlink(out);
				unlink(series);
			}
			continue;
		}
		struct hs_symbolizer warm_sym;
		struct hs_raw_follow *follow;
		struct hs_symbolizer *warm = hs_warmup_take(r->os_pid, &warm_sym, &follow,
							    opts.verbosity > 1 ? log : NULL);
		struct hs_resolve_info info;
		/* The last one: what it maps goes with the launcher's exit. */
		int last = k + 1 == g_n_raws;
		hs_resolve_set_teardown(!last);
		if (hs_resolve_file_warm(r->path, out, !r->ended && r->os_pid == pid ? ending : NULL,
					 warm, follow, &info, err, sizeof(err)) != 0) {
			if (warm != NULL)
				hs_symbols_close(warm);
			/* Gone: the process could not report its end to us (we
			 * were ending too) and its own resolver took it. */
			if (!(access(r->path, F_OK) != 0 && errno == ENOENT))
				fprintf(stderr, "heapsnap: %s\n", err);
			continue;
		}
		if (warm != NULL && opts.verbosity > 1)
			fprintf(log, "heapsnap: pid %ld: the names given while it ran were %s\n",
				(long)r->pid,
				info.names_kept
					? "kept"
					: "dropped (its modules at the end were not those named)");
		if (!quiet) {
			fprintf(log, "heapsnap: wrote %s\n", shown_path(out, cwd));
			sites_lost_note(&info, log);
		}
		/* --print's screen holds the summary; --leaks' does not. */
		if (have_print && print)
			print_file(print_prog, out, leaks);
		struct summary sm = { -1, -1 };
		if (have_print && !quiet && !(print && !leaks))
			summary_start(print_prog, out, &sm);
		if (warm != NULL && !last)
			hs_symbols_close(warm); /* beside heapsnap-print */
		summary_finish(&sm, log);
	}
	hs_warmup_end();
	free(g_raws);
	free(options);
	if (log != stderr)
		fclose(log);
	if (WIFSIGNALED(status))
		die_like(WTERMSIG(status));
	return rc;
}

/* Naming frames takes deep stacks (libdw's line tables: 150 KB in one
 * frame), and the launcher runs under the program's stack limit, which
 * the child must inherit unchanged: with `ulimit -s 256` the launcher died
 * of SIGSEGV after the program ended, status 139 and no file.  Under a
 * limit below HS_SMALL_STACK its work runs on a thread of
 * HS_LAUNCHER_STACK (a mapping the limit does not govern), every signal
 * blocked in the main thread, so they reach the worker as they reached
 * main.  Not otherwise: the program is then the child of that thread, not
 * of the main one (/proc/PID/task/PID/children, which tools read). */
#define HS_SMALL_STACK ((rlim_t)2 << 20)
#define HS_LAUNCHER_STACK ((size_t)64 << 20)

struct launcher_args {
	int argc;
	char **argv;
	int status;
};

static void *launcher_thread(void *arg)
{
	struct launcher_args *a = arg;
	a->status = launcher_main(a->argc, a->argv);
	return NULL;
}

int main(int argc, char **argv)
{
	struct rlimit lim;
	if (getrlimit(RLIMIT_STACK, &lim) != 0 || lim.rlim_cur == RLIM_INFINITY ||
	    lim.rlim_cur >= HS_SMALL_STACK)
		return launcher_main(argc, argv);
	struct launcher_args a = { argc, argv, 0 };
	pthread_attr_t attr;
	pthread_t worker;
	sigset_t all, old;

	if (pthread_attr_init(&attr) != 0)
		return launcher_main(argc, argv);
	pthread_attr_setstacksize(&attr, HS_LAUNCHER_STACK);
	int rc = pthread_create(&worker, &attr, launcher_thread, &a);
	pthread_attr_destroy(&attr);
	if (rc != 0)
		return launcher_main(argc, argv);
	/* The worker has the mask main had; from now on main takes none. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_join(worker, NULL);
	return a.status;
}
