/* preload: every libc name libheapsnap.so interposes.
 *
 * This file only resolves, guards and forwards: the malloc family goes to
 * glibc's __libc_* entry points and, around that, to the recorder core
 * (recorder.h) with a stack from unwind.h.  It also owns the library's
 * life cycle: start-up (options from HEAPSNAP_OPTIONS, the command line,
 * the environment seen by children), fork, and the one write of the Massif
 * file at exit, _exit, exec or a fatal signal.
 *
 * Reentrancy: a per-thread guard (initial-exec TLS) is raised while this
 * thread is inside the recorder or inside glibc's allocator on our behalf.
 * Any heap call made while it is raised (by the recorder, libunwind, libdw,
 * dlopen, or a signal handler that interrupted us) goes uncounted to the
 * recorder's own heap (ownheap.h), so the program's glibc heap stays as it
 * would be without us.  free, realloc and malloc_usable_size of an own
 * block go to the own heap whoever calls them.
 * So a signal handler calling malloc never deadlocks on the recorder's
 * lock: if it interrupted this thread inside the recorder, its allocation
 * simply goes unrecorded.
 *
 * Errors: the program must run exactly as it would without us.  Bad
 * HEAPSNAP_OPTIONS or a recorder that cannot start means one line on
 * stderr and an unrecorded run; errno is preserved around the recording.
 */
#include "config.h"

#include <dlfcn.h>
#include <link.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "freeq.h"
#include "options.h"
#include "outfile.h"
#include "ownheap.h"
#include "recorder.h"
#include "stackwalk.h"
#include "symbols.h"
#include "unwind.h"

#define HS_EXPORT __attribute__((visibility("default")))
#define HS_UNLIKELY(x) __builtin_expect(!!(x), 0)

/* glibc's own allocator entry points (exported, so no dlsym bootstrap). */
extern void *__libc_malloc(size_t n);
extern void __libc_free(void *p);
extern void *__libc_calloc(size_t m, size_t n);
extern void *__libc_realloc(void *p, size_t n);
extern void *__libc_memalign(size_t align, size_t n);
extern void *__libc_valloc(size_t n);
extern void *__libc_pvalloc(size_t n);

/* Raised while this thread is inside the recorder: nested heap calls go
 * uncounted to the own heap. */
static __thread int tl_guard __attribute__((tls_model("initial-exec")));

enum { ST_NEW, ST_STARTING, ST_READY, ST_OFF };
static atomic_int g_state = ST_NEW;
static atomic_int g_written; /* the file is written once per process */
static pid_t g_pid;          /* our pid: a vfork child (same memory) must not write */
static unsigned g_max_frames;

static struct hs_options g_opts;
static char g_pattern[HS_PATH_MAX]; /* --massif-out-file, switched in forked children */
static char g_base_dir[HS_PATH_MAX];
static char g_cmd[8192];

/* The launcher's pipe for "wrote PATH" reports, checked before each use
 * because the program may have closed it and reused the number. */
static int g_report_fd = -1;
static dev_t g_report_dev;
static ino_t g_report_ino;

/* Signals on which we write the file, if the program leaves them default. */
static const int g_fatal_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGSEGV, SIGABRT, SIGBUS };
#define N_FATAL (sizeof(g_fatal_signals) / sizeof(g_fatal_signals[0]))
static atomic_int g_sig_ours[NSIG]; /* our handler is installed for that signal */

static int (*real_sigaction)(int, const struct sigaction *, struct sigaction *);
static sighandler_t (*real_signal)(int, sighandler_t);
static int (*real_execve)(const char *, char *const[], char *const[]);
static int (*real_execv)(const char *, char *const[]);
static int (*real_execvp)(const char *, char *const[]);
static int (*real_execvpe)(const char *, char *const[], char *const[]);
static int (*real_fexecve)(int, char *const[], char *const[]);
static size_t (*real_usable_size)(void *);

static void lib_init(void);
static void write_file(void);

/* Write a NUL-terminated string to stderr (no stdio: we may be in a
 * signal handler or the program may have closed its FILEs). */
static void say(const char *msg)
{
	size_t len = strlen(msg);

	while (len > 0) {
		ssize_t n = write(STDERR_FILENO, msg, len);
		if (n <= 0)
			return;
		msg += n;
		len -= (size_t)n;
	}
}

/* "heapsnap: <text>\n" on stderr. */
static void say_line(const char *text)
{
	say("heapsnap: ");
	say(text);
	say("\n");
}

/* Whether recording is on; starts the library on the first call. */
static inline int ready(void)
{
	int st = atomic_load_explicit(&g_state, memory_order_acquire);

	if (HS_UNLIKELY(st != ST_READY)) {
		if (st == ST_NEW)
			lib_init();
		return atomic_load_explicit(&g_state, memory_order_acquire) == ST_READY;
	}
	return 1;
}

/* A stack capture: the frames are in buf, from *frames on. */
#define HS_CAPTURE_BUF (HS_MAX_FRAMES + HS_UNWIND_OWN_FRAMES)

/* Capture the caller's stack (the guard must be raised). */
static inline unsigned capture(uintptr_t *buf, const uintptr_t **frames)
{
	return hs_unwind_capture(buf, g_max_frames, frames);
}

/* ---------------------------------------------------------------------
 * The malloc family
 * ------------------------------------------------------------------- */

/* The recorder's hook to raise (up = 1) or lower (-1) the guard. */
static void move_guard(int up)
{
	tl_guard += up;
}

/* Record a new block p of req bytes made by the caller (guard lowered). */
static void record_alloc(void *p, size_t req)
{
	uintptr_t buf[HS_CAPTURE_BUF];
	const uintptr_t *frames;
	int saved = errno;

	/* Given up (out of memory) or finished: don't pay for a stack. */
	if (!hs_rec_active())
		return;
	tl_guard++;
	hs_freeq_flush();   /* the frees before this malloc come first */
	hs_rec_prefetch(p); /* the table's cache miss overlaps the walk */
	unsigned n_frames = capture(buf, &frames);
	hs_rec_alloc(p, req, frames, n_frames);
	tl_guard--;
	errno = saved;
}

/* glibc's malloc, recorded. */
HS_EXPORT void *malloc(size_t n)
{
	void *p;

	if (HS_UNLIKELY(tl_guard))
		return hs_ownheap_malloc(n);
	if (!ready())
		return __libc_malloc(n);
	tl_guard++;
	p = __libc_malloc(n);
	tl_guard--;
	if (p != NULL)
		record_alloc(p, n);
	return p;
}

/* glibc's free, recorded (see freeq.h for when). */
HS_EXPORT void free(void *p)
{
	if (p == NULL)
		return;
	if (HS_UNLIKELY(hs_ownheap_owns(p))) {
		hs_ownheap_free(p);
		return;
	}
	if (HS_UNLIKELY(tl_guard) || !ready()) {
		__libc_free(p);
		return;
	}
	int saved = errno;
	tl_guard++;
	hs_freeq_free(p);
	tl_guard--;
	errno = saved;
}

/* glibc's calloc, recorded as m * n bytes when that does not overflow. */
HS_EXPORT void *calloc(size_t m, size_t n)
{
	size_t total;
	void *p;

	if (HS_UNLIKELY(tl_guard))
		return hs_ownheap_calloc(m, n);
	if (!ready() || __builtin_mul_overflow(m, n, &total))
		return __libc_calloc(m, n);
	tl_guard++;
	p = __libc_calloc(m, n);
	tl_guard--;
	if (p != NULL)
		record_alloc(p, total);
	return p;
}

/* realloc's bookkeeping once p != NULL and n != 0. */
static void *do_realloc(void *p, size_t n)
{
	uintptr_t buf[HS_CAPTURE_BUF];
	const uintptr_t *frames = buf;
	unsigned n_frames = 0;
	uint64_t handle;
	void *q;
	int saved;

	tl_guard++;
	hs_freeq_flush();
	handle = hs_rec_realloc_begin(p);
	q = __libc_realloc(p, n);
	saved = errno;
	if (handle != 0) {
		if (q != NULL) {
			hs_rec_prefetch(q);
			n_frames = capture(buf, &frames);
		}
		hs_rec_realloc_end(handle, q, n, frames, n_frames);
	}
	tl_guard--;
	errno = saved;
	return q;
}

/* glibc's realloc, with its NULL and zero-size cases.  An own block stays
 * own and unrecorded: it was never recorded as allocated. */
HS_EXPORT void *realloc(void *p, size_t n)
{
	if (HS_UNLIKELY(tl_guard) || HS_UNLIKELY(hs_ownheap_owns(p)))
		return hs_ownheap_realloc(p, n);
	if (!ready())
		return __libc_realloc(p, n);
	if (p == NULL)
		return malloc(n);
	if (n == 0) {
		/* glibc frees and returns NULL; so does Massif 3.19. */
		free(p);
		return NULL;
	}
	return do_realloc(p, n);
}

/* realloc of m * n bytes, ENOMEM on overflow as glibc. */
HS_EXPORT void *reallocarray(void *p, size_t m, size_t n)
{
	size_t total;

	if (__builtin_mul_overflow(m, n, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc(p, total);
}

/* The memalign family's common path: align is valid for glibc. */
static void *aligned(size_t align, size_t n, size_t req)
{
	void *p;

	if (HS_UNLIKELY(tl_guard))
		return hs_ownheap_memalign(align, n);
	if (!ready())
		return __libc_memalign(align, n);
	tl_guard++;
	p = __libc_memalign(align, n);
	tl_guard--;
	if (p != NULL)
		record_alloc(p, req);
	return p;
}

/* glibc's memalign, recorded. */
HS_EXPORT void *memalign(size_t align, size_t n)
{
	return aligned(align, n, n);
}

/* glibc 2.36 makes aligned_alloc an alias of memalign: no extra checks. */
HS_EXPORT void *aligned_alloc(size_t align, size_t n)
{
	return aligned(align, n, n);
}

/* glibc's posix_memalign: EINVAL for a bad alignment, errno untouched. */
HS_EXPORT int posix_memalign(void **out, size_t align, size_t n)
{
	void *p;

	/* glibc's checks, done here because __libc_memalign has none. */
	if (align % sizeof(void *) != 0 || align == 0 ||
	    ((align / sizeof(void *)) & (align / sizeof(void *) - 1)) != 0)
		return EINVAL;
	p = aligned(align, n, n);
	if (p == NULL)
		return ENOMEM;
	*out = p;
	return 0;
}

/* glibc's valloc, recorded. */
HS_EXPORT void *valloc(size_t n)
{
	void *p;

	if (HS_UNLIKELY(tl_guard))
		return hs_ownheap_memalign((size_t)sysconf(_SC_PAGESIZE), n);
	if (!ready())
		return __libc_valloc(n);
	tl_guard++;
	p = __libc_valloc(n);
	tl_guard--;
	if (p != NULL)
		record_alloc(p, n);
	return p;
}

/* glibc's pvalloc, recorded as the whole pages it returns. */
HS_EXPORT void *pvalloc(size_t n)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t req = n == 0 ? page : (n + page - 1) / page * page;
	void *p;

	if (HS_UNLIKELY(tl_guard) && n <= SIZE_MAX - page)
		return hs_ownheap_memalign(page, req);
	if (HS_UNLIKELY(tl_guard) || !ready())
		return __libc_pvalloc(n);
	tl_guard++;
	p = __libc_pvalloc(n);
	tl_guard--;
	/* pvalloc hands out whole pages: the caller owns all of them. */
	if (p != NULL)
		record_alloc(p, req);
	return p;
}

/* glibc's malloc_usable_size, or the own heap's for an own block (glibc
 * would read our header as a chunk of its own). */
HS_EXPORT size_t malloc_usable_size(void *p)
{
	if (p == NULL)
		return 0;
	if (hs_ownheap_owns(p))
		return hs_ownheap_usable_size(p);
	/* Resolved at start-up (dlsym here could run inside a loader lock);
	 * only a call before that resolves it here. */
	if (HS_UNLIKELY(real_usable_size == NULL)) {
		tl_guard++;
		real_usable_size = (size_t(*)(void *))dlsym(RTLD_NEXT, "malloc_usable_size");
		tl_guard--;
		if (real_usable_size == NULL)
			return 0;
	}
	return real_usable_size(p);
}

/* ---------------------------------------------------------------------
 * Writing the file
 * ------------------------------------------------------------------- */

/* Tell the launcher which file we wrote, if its pipe is still ours. */
static void report_path(const char *path)
{
	struct stat st;
	char line[HS_PATH_MAX + 2];
	size_t len = strlen(path);

	if (g_report_fd < 0 || fstat(g_report_fd, &st) != 0 || st.st_dev != g_report_dev ||
	    st.st_ino != g_report_ino || len + 2 > sizeof(line))
		return;
	memcpy(line, path, len);
	line[len] = '\n';
	/* One write under PIPE_BUF is atomic, so processes don't interleave. */
	if (write(g_report_fd, line, len + 1) < 0)
		return;
}

/* Write the Massif file, once per process. */
static void write_file(void)
{
	char path[HS_PATH_MAX];
	char err[HS_PATH_MAX + 256];
	struct hs_symbolizer sym;
	int fd;
	int saved = errno;

	if (atomic_load(&g_state) != ST_READY || (pid_t)syscall(SYS_getpid) != g_pid)
		return;
	/* A signal handler that interrupted this thread inside the recorder
	 * (exit from a handler): the tables are half updated, and our lock may
	 * be held.  No file, rather than a hang or a corrupt one. */
	if (tl_guard != 0)
		return;
	if (atomic_exchange(&g_written, 1) != 0)
		return;
	tl_guard++;
	if (hs_outfile_expand(g_pattern, g_pid, g_base_dir, path, sizeof(path), err, sizeof(err)) !=
	    0) {
		say_line(err);
		goto out;
	}
	fd = hs_outfile_open(path, err, sizeof(err));
	if (fd < 0) {
		say_line(err);
		goto out;
	}
	if (hs_symbols_open(&sym) != 0)
		say_line("libdw cannot be loaded: frames are named from the symbol tables only");
	hs_freeq_flush();
	if (hs_rec_finish(fd, g_cmd, &sym, err, sizeof(err)) != 0)
		say_line(err);
	else
		report_path(path);
	hs_symbols_close(&sym);
	close(fd);
out:
	/* Recording is over: later heap calls go straight to glibc. */
	atomic_store(&g_state, ST_OFF);
	tl_guard--;
	errno = saved;
}

/* At exit, after the program's atexit handlers (our destructor runs from
 * _dl_fini, which glibc registers before main). */
__attribute__((destructor)) static void lib_fini(void)
{
	write_file();
}

/* Write the file, then end the process without exit handlers. */
HS_EXPORT void _exit(int status)
{
	write_file();
	for (;;)
		syscall(SYS_exit_group, status);
}

/* The same as _exit. */
HS_EXPORT void _Exit(int status)
{
	write_file();
	for (;;)
		syscall(SYS_exit_group, status);
}

/* ---------------------------------------------------------------------
 * Signals
 * ------------------------------------------------------------------- */

/* Handler for a fatal signal left at its default: write, then die of the
 * same signal, as the program would have. */
static void on_fatal_signal(int sig)
{
	struct sigaction dfl;
	sigset_t set;

	/* Interrupted inside the recorder: its lock may be held, skip. */
	if (tl_guard == 0)
		write_file();
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	atomic_store(&g_sig_ours[sig], 0);
	real_sigaction(sig, &dfl, NULL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	raise(sig);
}

/* Whether we may take over sig (one of ours). */
static int is_fatal(int sig)
{
	for (size_t i = 0; i < N_FATAL; i++)
		if (g_fatal_signals[i] == sig)
			return 1;
	return 0;
}

/* Install our handler on sig with the program's flags and mask. */
static void take_signal(int sig, const struct sigaction *like)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	if (like != NULL) {
		sa.sa_mask = like->sa_mask;
		sa.sa_flags = like->sa_flags & ~(SA_SIGINFO | SA_RESETHAND);
	} else {
		sigemptyset(&sa.sa_mask);
	}
	sa.sa_handler = on_fatal_signal;
	if (real_sigaction(sig, &sa, NULL) == 0)
		atomic_store(&g_sig_ours[sig], 1);
}

/* Resolve the libc functions we wrap but cannot reach as __libc_*. */
static void resolve_reals(void)
{
	if (real_sigaction != NULL)
		return;
	real_signal = (sighandler_t(*)(int, sighandler_t))dlsym(RTLD_NEXT, "signal");
	real_execve =
		(int (*)(const char *, char *const[], char *const[]))dlsym(RTLD_NEXT, "execve");
	real_execv = (int (*)(const char *, char *const[]))dlsym(RTLD_NEXT, "execv");
	real_execvp = (int (*)(const char *, char *const[]))dlsym(RTLD_NEXT, "execvp");
	real_execvpe =
		(int (*)(const char *, char *const[], char *const[]))dlsym(RTLD_NEXT, "execvpe");
	real_fexecve = (int (*)(int, char *const[], char *const[]))dlsym(RTLD_NEXT, "fexecve");
	real_usable_size = (size_t(*)(void *))dlsym(RTLD_NEXT, "malloc_usable_size");
	atomic_thread_fence(memory_order_release);
	real_sigaction = (int (*)(int, const struct sigaction *, struct sigaction *))dlsym(
		RTLD_NEXT, "sigaction");
}

/* Make sure the real functions are known (from any wrapper). */
static void need_reals(void)
{
	if (HS_UNLIKELY(real_sigaction == NULL)) {
		tl_guard++;
		resolve_reals();
		tl_guard--;
	}
}

/* sigaction, hiding our handler and stepping aside for the program's. */
HS_EXPORT int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	int ours;
	int rc;

	need_reals();
	if (sig <= 0 || sig >= NSIG || !is_fatal(sig))
		return real_sigaction(sig, act, old);
	ours = atomic_load(&g_sig_ours[sig]);
	if (act != NULL && act->sa_handler == SIG_DFL && !(act->sa_flags & SA_SIGINFO) &&
	    atomic_load(&g_state) == ST_READY) {
		/* Back to the default: we write first, then the default happens. */
		rc = real_sigaction(sig, NULL, old);
		if (rc == 0)
			take_signal(sig, act);
	} else {
		rc = real_sigaction(sig, act, old);
		if (rc == 0 && act != NULL)
			atomic_store(&g_sig_ours[sig], 0); /* the program's own: we step aside */
	}
	/* The program sees the default where our handler stands. */
	if (rc == 0 && old != NULL && ours && old->sa_handler == on_fatal_signal) {
		old->sa_handler = SIG_DFL;
		old->sa_flags &= ~SA_SIGINFO;
	}
	return rc;
}

/* signal() through our sigaction, with glibc's BSD semantics. */
HS_EXPORT sighandler_t signal(int sig, sighandler_t handler)
{
	struct sigaction sa, old;

	need_reals();
	if (sig <= 0 || sig >= NSIG || !is_fatal(sig))
		return real_signal(sig, handler);
	/* glibc's signal(): BSD semantics. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, sig);
	sa.sa_flags = SA_RESTART;
	if (sigaction(sig, &sa, &old) != 0)
		return SIG_ERR;
	return old.sa_handler;
}

/* At start-up: take every fatal signal the program left at default. */
static void install_signal_handlers(void)
{
	for (size_t i = 0; i < N_FATAL; i++) {
		struct sigaction cur;
		int sig = g_fatal_signals[i];

		if (real_sigaction(sig, NULL, &cur) == 0 && cur.sa_handler == SIG_DFL &&
		    !(cur.sa_flags & SA_SIGINFO))
			take_signal(sig, NULL);
	}
}

/* ---------------------------------------------------------------------
 * exec: the image goes away, so write first (when the exec can work)
 * ------------------------------------------------------------------- */

/* Whether file, searched in PATH as execvp does, names an executable. */
static int findable(const char *file)
{
	const char *path;
	char buf[HS_PATH_MAX];

	if (file == NULL || *file == '\0')
		return 0;
	if (strchr(file, '/') != NULL)
		return access(file, X_OK) == 0;
	path = getenv("PATH");
	if (path == NULL)
		path = "/bin:/usr/bin";
	while (*path != '\0') {
		const char *colon = strchr(path, ':');
		size_t dir_len = colon != NULL ? (size_t)(colon - path) : strlen(path);
		size_t file_len = strlen(file);

		if (dir_len + 1 + file_len < sizeof(buf)) {
			if (dir_len == 0) {
				memcpy(buf, file, file_len + 1);
			} else {
				memcpy(buf, path, dir_len);
				buf[dir_len] = '/';
				memcpy(buf + dir_len + 1, file, file_len + 1);
			}
			if (access(buf, X_OK) == 0)
				return 1;
		}
		if (colon == NULL)
			break;
		path = colon + 1;
	}
	return 0;
}

/* Write the file when the exec can succeed, then exec. */
HS_EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
	need_reals();
	if (access(path, X_OK) == 0)
		write_file();
	return real_execve(path, argv, envp);
}

/* Write the file when the exec can succeed, then exec. */
HS_EXPORT int execv(const char *path, char *const argv[])
{
	need_reals();
	if (access(path, X_OK) == 0)
		write_file();
	return real_execv(path, argv);
}

/* Write the file when PATH has the program, then exec. */
HS_EXPORT int execvp(const char *file, char *const argv[])
{
	need_reals();
	if (findable(file))
		write_file();
	return real_execvp(file, argv);
}

/* Write the file when PATH has the program, then exec. */
HS_EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
	need_reals();
	if (findable(file))
		write_file();
	return real_execvpe(file, argv, envp);
}

/* Write the file, then exec the open file. */
HS_EXPORT int fexecve(int fd, char *const argv[], char *const envp[])
{
	need_reals();
	write_file();
	return real_fexecve(fd, argv, envp);
}

/* Collect execl-style arguments (arg0 first, NULL last) into an array on
 * the stack: exec must not depend on the heap. */
#define COLLECT_ARGS(argv, arg0, ap, after_null)                                                   \
	do {                                                                                       \
		size_t n_ = 1;                                                                     \
		va_start(ap, arg0);                                                                \
		while (va_arg(ap, char *) != NULL)                                                 \
			n_++;                                                                      \
		va_end(ap);                                                                        \
		argv = __builtin_alloca((n_ + 1) * sizeof(char *));                                \
		va_start(ap, arg0);                                                                \
		argv[0] = (char *)arg0;                                                            \
		for (size_t i_ = 1; i_ <= n_; i_++)                                                \
			argv[i_] = va_arg(ap, char *);                                             \
		after_null;                                                                        \
		va_end(ap);                                                                        \
	} while (0)

/* execv with the arguments collected on the stack. */
HS_EXPORT int execl(const char *path, const char *arg0, ...)
{
	char **argv;
	va_list ap;

	COLLECT_ARGS(argv, arg0, ap, (void)0);
	return execv(path, argv);
}

/* execvp with the arguments collected on the stack. */
HS_EXPORT int execlp(const char *file, const char *arg0, ...)
{
	char **argv;
	va_list ap;

	COLLECT_ARGS(argv, arg0, ap, (void)0);
	return execvp(file, argv);
}

/* execve with the arguments and environment collected on the stack. */
HS_EXPORT int execle(const char *path, const char *arg0, ...)
{
	char **argv;
	char **envp = NULL;
	va_list ap;

	COLLECT_ARGS(argv, arg0, ap, envp = va_arg(ap, char **));
	return execve(path, argv, envp);
}

/* ---------------------------------------------------------------------
 * dlclose: code may be unmapped, so cached unwind rules are stale
 * ------------------------------------------------------------------- */

/* Where an object is mapped: its base and name find it among the loaded
 * objects, its PT_LOAD segments give the range. */
struct object_range {
	uintptr_t base;
	const char *name;
	uintptr_t start, end;
	int found;
};

static int find_object_range(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct object_range *r = arg;

	(void)size;
	if (info->dlpi_addr != r->base || info->dlpi_name == NULL ||
	    strcmp(info->dlpi_name, r->name) != 0)
		return 0;
	r->found = 1;
	r->start = UINTPTR_MAX;
	r->end = 0;
	for (unsigned i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD)
			continue;
		if (info->dlpi_addr + ph->p_vaddr < r->start)
			r->start = info->dlpi_addr + ph->p_vaddr;
		if (info->dlpi_addr + ph->p_vaddr + ph->p_memsz > r->end)
			r->end = info->dlpi_addr + ph->p_vaddr + ph->p_memsz;
	}
	return 1;
}

HS_EXPORT int dlclose(void *handle)
{
	static int (*real_dlclose)(void *);
	struct link_map *lm = NULL;
	struct object_range r = { 0 };
	char name[512];
	int rc;

	if (real_dlclose == NULL) {
		tl_guard++;
		real_dlclose = (int (*)(void *))dlsym(RTLD_NEXT, "dlclose");
		tl_guard--;
	}
	/* Remember where the object is, so that if this unmaps it, its
	 * addresses are not named after whatever is mapped there later. */
	tl_guard++;
	if (dlinfo(handle, RTLD_DI_LINKMAP, &lm) == 0 && lm != NULL && lm->l_name != NULL &&
	    lm->l_name[0] != '\0') {
		snprintf(name, sizeof(name), "%s", lm->l_name);
		r.base = lm->l_addr;
		r.name = name;
		dl_iterate_phdr(find_object_range, &r);
	}
	tl_guard--;
	rc = real_dlclose(handle);
	if (r.found && r.start < r.end) {
		uintptr_t start = r.start, end = r.end;
		tl_guard++;
		r.found = 0;
		dl_iterate_phdr(find_object_range, &r);
		if (!r.found)
			hs_symbols_note_unloaded(start, end, name);
		tl_guard--;
	}
	hs_stackwalk_invalidate();
	return rc;
}

/* ---------------------------------------------------------------------
 * fork
 * ------------------------------------------------------------------- */

/* Hold the recorder still across fork (and keep our own calls out). */
static void on_fork_prepare(void)
{
	tl_guard++;
	hs_freeq_flush();
	hs_rec_atfork_prepare();
	hs_ownheap_atfork_prepare(); /* last: the steps above may allocate */
}

/* The parent goes on recording. */
static void on_fork_parent(void)
{
	hs_ownheap_atfork_parent();
	hs_rec_atfork_parent();
	tl_guard--;
}

/* The child records on with its own file name and pid. */
static void on_fork_child(void)
{
	hs_ownheap_atfork_child();
	hs_rec_atfork_child();
	g_pid = (pid_t)syscall(SYS_getpid);
	if (hs_outfile_child_pattern(g_pattern, sizeof(g_pattern)) != 0)
		atomic_store(&g_state, ST_OFF); /* no distinct name: don't clobber the parent's */
	tl_guard--;
}

/* ---------------------------------------------------------------------
 * Start-up
 * ------------------------------------------------------------------- */

/* The command line from /proc/self/cmdline, arguments joined by spaces. */
static void read_cmdline(void)
{
	int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
	size_t len = 0;

	if (fd >= 0) {
		ssize_t n;
		while (len < sizeof(g_cmd) - 1 &&
		       (n = read(fd, g_cmd + len, sizeof(g_cmd) - 1 - len)) > 0)
			len += (size_t)n;
		close(fd);
	}
	while (len > 0 && g_cmd[len - 1] == '\0')
		len--;
	for (size_t i = 0; i < len; i++)
		if (g_cmd[i] == '\0' || g_cmd[i] == '\n')
			g_cmd[i] = ' ';
	g_cmd[len] = '\0';
}

/* Whether the environment entry starts with "NAME=". */
static int env_is(const char *entry, const char *name)
{
	size_t len = strlen(name);

	return strncmp(entry, name, len) == 0 && entry[len] == '=';
}

/* Remove libheapsnap.so from the LD_PRELOAD value, in place. */
static void strip_preload(char *value)
{
	char *out = value;
	char *p = value;

	while (*p != '\0') {
		char *start, *slash;
		size_t len;
		int ours;

		while (*p == ':' || *p == ' ')
			p++;
		start = p;
		while (*p != '\0' && *p != ':' && *p != ' ')
			p++;
		len = (size_t)(p - start);
		if (len == 0)
			break;
		slash = memrchr(start, '/', len);
		slash = slash != NULL ? slash + 1 : start;
		ours = (size_t)(p - slash) == strlen("libheapsnap.so") &&
		       memcmp(slash, "libheapsnap.so", strlen("libheapsnap.so")) == 0;
		if (!ours) {
			if (out != value)
				*out++ = ':';
			memmove(out, start, len);
			out += len;
		}
	}
	*out = '\0';
}

/* Children are not followed: hide us from them by editing environ in
 * place (no allocation; system(), popen() and posix_spawn() see it too). */
static void hide_from_children(void)
{
	extern char **environ;
	char **in, **out;

	for (in = out = environ; *in != NULL; in++) {
		if (env_is(*in, "HEAPSNAP_OPTIONS") || env_is(*in, "HEAPSNAP_REPORT_FD"))
			continue;
		if (env_is(*in, "LD_PRELOAD")) {
			strip_preload(*in + strlen("LD_PRELOAD="));
			if ((*in)[strlen("LD_PRELOAD=")] == '\0')
				continue;
		}
		*out++ = *in;
	}
	*out = NULL;
}

/* Find the launcher's report pipe (HEAPSNAP_REPORT_FD), if any. */
static void open_report_fd(void)
{
	const char *v = getenv("HEAPSNAP_REPORT_FD");
	struct stat st;
	int fd = 0;

	if (v == NULL || *v == '\0')
		return;
	for (; *v >= '0' && *v <= '9'; v++)
		fd = fd * 10 + (*v - '0');
	if (*v != '\0' || fstat(fd, &st) != 0 || !S_ISFIFO(st.st_mode))
		return;
	g_report_fd = fd;
	g_report_dev = st.st_dev;
	g_report_ino = st.st_ino;
	/* Not followed across exec unless children are traced. */
	if (!g_opts.trace_children)
		fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | FD_CLOEXEC);
}

/* Start recording: once, from the constructor or the first heap call. */
static void lib_init(void)
{
	char err[HS_PATH_MAX + 256];
	const char *env;
	int expected = ST_NEW;

	extern char **environ;

	/* The loader may call malloc before libc has set environ: we could
	 * not see HEAPSNAP_OPTIONS yet, so wait for a later call. */
	if (environ == NULL)
		return;
	if (!atomic_compare_exchange_strong(&g_state, &expected, ST_STARTING))
		return; /* another thread is starting us: its calls go unrecorded meanwhile */
	tl_guard++;
	hs_ownheap_init(HS_OWNHEAP_DEFAULT_BYTES);
	resolve_reals();
	g_pid = (pid_t)syscall(SYS_getpid);
	hs_options_defaults(&g_opts);
	env = getenv("HEAPSNAP_OPTIONS");
	if (env != NULL && hs_options_parse_string(&g_opts, env, err, sizeof(err)) != 0) {
		say("heapsnap: HEAPSNAP_OPTIONS: ");
		say(err);
		say("; running unrecorded\n");
		atomic_store(&g_state, ST_OFF);
		tl_guard--;
		return;
	}
	memcpy(g_pattern, g_opts.out_file, sizeof(g_pattern));
	if (getcwd(g_base_dir, sizeof(g_base_dir)) == NULL)
		g_base_dir[0] = '\0';
	read_cmdline();
	open_report_fd();
	if (!g_opts.trace_children)
		hide_from_children();
	g_max_frames = g_opts.depth + 50 < HS_MAX_FRAMES ? g_opts.depth + 50 : HS_MAX_FRAMES;
	/* HEAPSNAP_UNWINDER=libunwind: every stack through libunwind alone. */
	env = getenv("HEAPSNAP_UNWINDER");
	hs_unwind_init(env == NULL || strcmp(env, "libunwind") != 0);
	hs_rec_set_hooks(__libc_free, move_guard);
	if (hs_rec_init(&g_opts) != 0) {
		say_line("out of memory, recording stopped");
		atomic_store(&g_state, ST_OFF);
		tl_guard--;
		return;
	}
	install_signal_handlers();
	atomic_store_explicit(&g_state, ST_READY, memory_order_release);
	tl_guard--;
}

/* Start at load time unless a heap call already started us. */
__attribute__((constructor)) static void lib_ctor(void)
{
	if (atomic_load(&g_state) == ST_NEW)
		lib_init();
	/* Not in lib_init: a start inside malloc may be inside
	 * __register_atfork, which allocates holding the lock this takes. */
	if (atomic_load(&g_state) == ST_READY) {
		tl_guard++;
		pthread_atfork(on_fork_prepare, on_fork_parent, on_fork_child);
		tl_guard--;
	}
}
