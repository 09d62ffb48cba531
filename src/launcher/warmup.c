/* warmup: the program's debug information, loaded while it still runs
 * (see warmup.h). */
#include "config.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dump.h"
#include "warmup.h"

static struct {
	int started; /* a thread was started (and not yet joined) */
	int done;    /* hs_warmup_start was called once */
	pid_t pid;
	pthread_t thread;
	atomic_int stop;
	struct hs_symbolizer sym;
	int opened; /* sym opened from the map */
	unsigned loaded;
	double ms;
	char skip_base[64];
} g_warm;

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void *warm_main(void *arg)
{
	(void)arg;
	double t0 = now_ms();
	size_t len = 0;
	char *text = hs_read_proc_maps(g_warm.pid, &len);
	if (text != NULL && !atomic_load(&g_warm.stop) &&
	    hs_symbols_open_maps(&g_warm.sym, text, len, NULL, 0) == 0) {
		g_warm.opened = 1;
		g_warm.loaded = hs_symbols_warm(&g_warm.sym, g_warm.skip_base, &g_warm.stop);
	}
	free(text);
	g_warm.ms = now_ms() - t0;
	return NULL;
}

void hs_warmup_start(pid_t pid, const char *skip_base)
{
	if (g_warm.done)
		return;
	g_warm.done = 1;
	g_warm.pid = pid;
	snprintf(g_warm.skip_base, sizeof(g_warm.skip_base), "%s",
		 skip_base != NULL ? skip_base : "");
	/* The symbolizer unsets DEBUGINFOD_URLS: here, before any thread, as
	 * unsetenv racing with another thread's getenv is not safe. */
	unsetenv("DEBUGINFOD_URLS");
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	g_warm.started = pthread_create(&g_warm.thread, NULL, warm_main, NULL) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* Stop and join the thread, if one runs. */
static void stop_thread(void)
{
	if (!g_warm.started)
		return;
	atomic_store(&g_warm.stop, 1);
	pthread_join(g_warm.thread, NULL);
	g_warm.started = 0;
}

struct hs_symbolizer *hs_warmup_take(pid_t pid, struct hs_symbolizer *out, FILE *log)
{
	if (!g_warm.done || pid != g_warm.pid)
		return NULL;
	double t0 = now_ms();
	stop_thread();
	if (!g_warm.opened)
		return NULL;
	if (log != NULL)
		fprintf(log,
			"heapsnap: pid %ld: debug information of %u modules loaded while it ran "
			"(%.1f ms; %.1f ms waited for at the end)\n",
			(long)pid, g_warm.loaded, g_warm.ms, now_ms() - t0);
	*out = g_warm.sym;
	g_warm.sym.ctx = NULL;
	g_warm.opened = 0;
	return out;
}

void hs_warmup_end(void)
{
	stop_thread();
	if (g_warm.opened)
		hs_symbols_close(&g_warm.sym);
	g_warm.opened = 0;
}
