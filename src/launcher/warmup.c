/* warmup: the program's debug information, loaded while it still runs,
 * and its stacks named as they are recorded (see warmup.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "callsites.h"
#include "contexts.h"
#include "dump.h"
#include "filter.h"
#include "journal.h"
#include "options.h"
#include "warmup.h"

/* How often the thread looks for new contexts in the raw record, and for
 * a changed map of the program. */
#define SCAN_EVERY_MS 200
#define MAPS_EVERY_MS 1000

/* Past this many changes of the map, stop naming: each one drops the
 * names and reads the record again (a plugin loaded in a loop). */
#define MAX_RESCANS 4
#define SCAN_BUF (256u << 10)
_Static_assert(SCAN_BUF >= 8 + 4 + 20 * HS_CALLSITES_IDS, "the largest SITES fits the buffer");

/* Where the thread is in the raw record. */
struct raw_scan {
	int fd;
	unsigned char *buf; /* SCAN_BUF bytes: those read and not yet parsed */
	size_t len;
	uint64_t file_off; /* bytes of the file read so far */
	uint64_t skip;     /* payload bytes of a record not wanted, still to pass */
	int past_magic;
	int broken; /* not a raw record after all, or names no longer kept:
		     * stop reading it */
};

static struct {
	int started; /* a thread was started (and not yet joined) */
	int done;    /* hs_warmup_start was called once */
	pid_t pid;
	pthread_t thread;
	atomic_int stop;
	pthread_mutex_t lock;
	pthread_cond_t wake; /* signalled with stop */
	struct hs_symbolizer sym;
	int opened;          /* sym opened from the map */
	struct hs_options opts;  /* Massif's defaults, no depth limit: for filter */
	struct hs_arena arena;   /* filter's */
	struct hs_filter filter; /* which frames the resolver will name */
	unsigned long named; /* contexts whose frames were named ahead */
	unsigned long sites; /* direct call sites named ahead (--sample) */
	unsigned rescans;    /* times the map changed and the names were redone */
	struct hs_raw_follow *follow; /* the record parsed as it grows (rawread.h) */
	char raw_path[4096];
} g_warm = { .lock = PTHREAD_MUTEX_INITIALIZER };

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Sleep ms, or less when asked to stop.  Returns whether to go on. */
static int nap(long ms)
{
	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&g_warm.lock);
	while (!atomic_load(&g_warm.stop) &&
	       pthread_cond_timedwait(&g_warm.wake, &g_warm.lock, &until) != ETIMEDOUT)
		;
	pthread_mutex_unlock(&g_warm.lock);
	return !atomic_load(&g_warm.stop);
}

static uint32_t get_u32(const unsigned char *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof v);
	return v;
}

/* Name the frames of one CONTEXT payload that the resolver will name
 * (the same addresses), filling the symbolizer's cache: those its filter
 * keeps, by Massif's default alloc-fns and at any depth (a run's
 * --alloc-fn, --ignore-fn and --depth only keep fewer).  The frames cut
 * (below main, the alloc-fns on top) are not named, so a module holding
 * only such frames (libc's __libc_start_call_main) is never read. */
static void name_context(const unsigned char *p, uint32_t len)
{
	struct hs_frame_text texts[64];
	uintptr_t raw[HS_MAX_FRAMES], kept[HS_MAX_FRAMES];
	if (len < 8)
		return;
	uint32_t n = get_u32(p + 4);
	if (n > HS_MAX_FRAMES || 8 + 8 * (uint64_t)n > len)
		return;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t addr;
		memcpy(&addr, p + 8 + 8 * (size_t)i, sizeof addr);
		raw[i] = (uintptr_t)addr;
	}
	unsigned n_kept = hs_filter_frames(&g_warm.filter, raw, n, kept);
	for (unsigned i = 0; i < n_kept && !atomic_load(&g_warm.stop); i++)
		g_warm.sym.symbolize(g_warm.sym.ctx, kept[i], texts, 64);
	g_warm.named++;
}

/* (Re)start the filter: its cache of each address's kind holds names. */
static void filter_restart(void)
{
	hs_filter_destroy(&g_warm.filter);
	hs_arena_destroy(&g_warm.arena);
	hs_arena_init(&g_warm.arena);
	hs_filter_init(&g_warm.filter, &g_warm.sym, &g_warm.opts, &g_warm.arena);
}

/* Name the addresses of one SITES payload (format-raw.md 4.11): the
 * resolver names each direct call site too, and a site in a module no
 * context reached (ld.so's own calls, say) would load it after the run. */
static void name_sites(const unsigned char *p, uint32_t len)
{
	struct hs_frame_text texts[64];
	if (len < 4)
		return;
	uint32_t n = get_u32(p);
	if (4 + 20 * (uint64_t)n > len)
		return;
	for (uint32_t i = 0; i < n && !atomic_load(&g_warm.stop); i++) {
		uint64_t addr;
		memcpy(&addr, p + 4 + 20 * (size_t)i + 4, sizeof addr);
		g_warm.sym.symbolize(g_warm.sym.ctx, (uintptr_t)addr, texts, 64);
		g_warm.sites++;
	}
}

/* Read what the program appended to its raw record and name the new
 * contexts' frames and sites; stops early when asked to. */
static void scan_raw(struct raw_scan *sc)
{
	while (!sc->broken && !atomic_load(&g_warm.stop)) {
		ssize_t got = pread(sc->fd, sc->buf + sc->len, SCAN_BUF - sc->len, (off_t)sc->file_off);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return;
		sc->len += (size_t)got;
		sc->file_off += (uint64_t)got;
		size_t pos = 0;
		if (!sc->past_magic) {
			if (sc->len < HS_JOURNAL_MAGIC_LEN)
				continue;
			if (memcmp(sc->buf, HS_JOURNAL_MAGIC, HS_JOURNAL_MAGIC_LEN) != 0) {
				sc->broken = 1;
				return;
			}
			sc->past_magic = 1;
			pos = HS_JOURNAL_MAGIC_LEN;
		}
		while (!atomic_load(&g_warm.stop)) {
			if (sc->skip > 0) {
				size_t d = sc->len - pos < sc->skip ? sc->len - pos : (size_t)sc->skip;
				pos += d;
				sc->skip -= d;
				if (sc->skip > 0)
					break;
			}
			if (sc->len - pos < 8)
				break;
			uint32_t len = get_u32(sc->buf + pos), kind = get_u32(sc->buf + pos + 4);
			if (kind == HS_JR_UNLOADED) {
				/* The resolver will drop every name (hs_symbols_reopen_maps
				 * keeps none past an unloaded note): no use naming more. */
				sc->broken = 1;
				return;
			}
			if ((kind == HS_JR_CONTEXT && len <= 8 + 8 * HS_MAX_FRAMES) ||
			    (kind == HS_JR_SITES && len <= 4 + 20 * HS_CALLSITES_IDS)) {
				if (sc->len - pos < 8 + (size_t)len)
					break; /* the rest is still being written */
				if (kind == HS_JR_CONTEXT)
					name_context(sc->buf + pos + 8, len);
				else
					name_sites(sc->buf + pos + 8, len);
				pos += 8 + (size_t)len;
			} else {
				pos += 8;
				sc->skip = len;
			}
		}
		memmove(sc->buf, sc->buf + pos, sc->len - pos);
		sc->len -= pos;
	}
}

/* Whether a map text has an executable mapping of a file: the map of a
 * process that is exiting (its memory already gone) has none. */
static int has_code(const char *text, size_t len)
{
	const char *line = text, *end = text + len;
	while (line < end) {
		const char *eol = memchr(line, '\n', (size_t)(end - line));
		const char *next = eol != NULL ? eol + 1 : end;
		const char *sp = memchr(line, ' ', (size_t)(next - line));
		if (sp != NULL && next - sp > 4 && sp[3] == 'x' && memchr(sp, '/', (size_t)(next - sp)))
			return 1;
		line = next;
	}
	return 0;
}

/* Reopen the symbolizer with the program's map as it is now; when a
 * module came or went, the names given are gone: read the record again. */
static void follow_maps(struct raw_scan *sc)
{
	size_t len = 0;
	char *text = hs_read_proc_maps(g_warm.pid, &len);
	/* No map, or one without code (the program is exiting): the last map
	 * read stands. */
	if (text == NULL || !has_code(text, len)) {
		free(text);
		return;
	}
	if (hs_symbols_reopen_maps(&g_warm.sym, text, len, NULL, 0) == 0) {
		filter_restart();
		sc->len = 0;
		sc->file_off = 0;
		sc->skip = 0;
		sc->past_magic = 0;
		if (++g_warm.rescans > MAX_RESCANS)
			sc->broken = 1;
	}
	free(text);
}

static void *warm_main(void *arg)
{
	(void)arg;
	size_t len = 0;
	char *text = hs_read_proc_maps(g_warm.pid, &len);
	if (text != NULL && has_code(text, len)) {
		if (hs_symbols_open_maps(&g_warm.sym, text, len, NULL, 0) == 0)
			g_warm.opened = 1;
		else
			hs_symbols_close(&g_warm.sym);
	}
	free(text);
	hs_options_defaults(&g_warm.opts);
	g_warm.opts.depth = 0; /* every frame up to main */
	hs_arena_init(&g_warm.arena);
	hs_filter_init(&g_warm.filter, &g_warm.sym, &g_warm.opts, &g_warm.arena);
	/* The modules are loaded as the frames met need them: the ones a
	 * resolve would load, no more. */
	struct raw_scan sc = { .fd = -1 };
	if (g_warm.opened) {
		sc.fd = open(g_warm.raw_path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		sc.buf = sc.fd >= 0 ? malloc(SCAN_BUF) : NULL;
	}
	/* The record itself is parsed as it grows too, so that the resolve
	 * after the program's end reads only the rest (a third of the time
	 * between its exit and ours went to reading a whole record). */
	g_warm.follow = hs_raw_follow_open(g_warm.raw_path);
	double next_maps = now_ms() + MAPS_EVERY_MS;
	while (!atomic_load(&g_warm.stop)) {
		int naming = sc.buf != NULL && !sc.broken;
		if (!naming && g_warm.follow == NULL)
			break;
		if (naming && now_ms() >= next_maps) {
			follow_maps(&sc);
			next_maps = now_ms() + MAPS_EVERY_MS;
		}
		if (naming)
			scan_raw(&sc);
		if (g_warm.follow != NULL && !atomic_load(&g_warm.stop))
			hs_raw_follow_step(g_warm.follow);
		if (!nap(SCAN_EVERY_MS))
			break;
	}
	free(sc.buf);
	if (sc.fd >= 0)
		close(sc.fd);
	hs_filter_destroy(&g_warm.filter);
	hs_arena_destroy(&g_warm.arena);
	return NULL;
}

void hs_warmup_start(pid_t pid, const char *raw_path)
{
	if (g_warm.done || raw_path == NULL || strlen(raw_path) >= sizeof(g_warm.raw_path))
		return;
	const char *off = getenv("HEAPSNAP_NO_WARMUP");
	if (off != NULL && off[0] != '\0' && strcmp(off, "0") != 0)
		return;
	g_warm.done = 1;
	g_warm.pid = pid;
	strcpy(g_warm.raw_path, raw_path);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&g_warm.wake, &ca);
	pthread_condattr_destroy(&ca);
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	/* Its own stack, whatever the program's limit (libdw's line tables
	 * take deep frames; a thread's default stack is that limit). */
	pthread_attr_t attr;
	int attr_ok = pthread_attr_init(&attr) == 0;
	if (attr_ok)
		pthread_attr_setstacksize(&attr, (size_t)16 << 20);
	g_warm.started =
		pthread_create(&g_warm.thread, attr_ok ? &attr : NULL, warm_main, NULL) == 0;
	if (attr_ok)
		pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* Ask the thread to stop, without waiting for it. */
static void ask_stop(void)
{
	pthread_mutex_lock(&g_warm.lock);
	atomic_store(&g_warm.stop, 1);
	if (g_warm.started)
		pthread_cond_signal(&g_warm.wake);
	pthread_mutex_unlock(&g_warm.lock);
}

void hs_warmup_quit(pid_t pid)
{
	if (g_warm.done && pid == g_warm.pid)
		ask_stop();
}

void hs_warmup_stop(void)
{
	if (!g_warm.done)
		return;
	ask_stop();
	if (g_warm.started)
		pthread_join(g_warm.thread, NULL);
	if (g_warm.started || g_warm.done == 1)
		pthread_cond_destroy(&g_warm.wake);
	g_warm.started = 0;
	g_warm.done = 2; /* stopped: nothing more to join or destroy */
}

struct hs_symbolizer *hs_warmup_take(pid_t pid, struct hs_symbolizer *out,
				     struct hs_raw_follow **follow, FILE *log)
{
	*follow = NULL;
	if (!g_warm.done || pid != g_warm.pid)
		return NULL;
	double t0 = now_ms();
	hs_warmup_stop();
	*follow = g_warm.follow;
	g_warm.follow = NULL;
	if (!g_warm.opened)
		return NULL;
	if (log != NULL)
		fprintf(log,
			"heapsnap: pid %ld: %lu contexts named while it ran, and %lu call sites (%u "
			"times again: its modules changed); %.1f ms waited for at the end\n",
			(long)pid, g_warm.named, g_warm.sites, g_warm.rescans, now_ms() - t0);
	*out = g_warm.sym;
	g_warm.sym.ctx = NULL;
	g_warm.opened = 0;
	return out;
}

void hs_warmup_end(void)
{
	hs_warmup_stop();
	hs_raw_follow_close(g_warm.follow);
	g_warm.follow = NULL;
	if (g_warm.opened)
		hs_symbols_close(&g_warm.sym);
	g_warm.opened = 0;
}
