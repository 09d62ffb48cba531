/* lifecycle: the life of the recording inside the program.
 *
 * Owns start-up (options from HEAPSNAP_OPTIONS, the command line, the
 * environment seen by children), the raw record's file and module maps,
 * fork, dlclose, and the record's end at exit, _exit, exec or a fatal
 * signal, with the libc names that bring those about (sigaction, signal,
 * the exec family, _exit, dlclose).  The malloc family is interpose.c's;
 * lifecycle.h is what the two share.
 *
 * The program never writes the Massif file: it streams a raw record
 * (src/core/journal.h) to OUT.raw and says "raw PID PATH" at start-up and
 * "end PID PATH" at the end on the launcher's channel.  The launcher, or
 * without one a resolver started detached at the end, turns it into OUT
 * (doc/design.md, "The life cycle").  So no way of ending can lose more
 * than the events since the record's last flush.  With --ignore-fn it
 * also asks the launcher, at start-up, for the code ranges of the
 * functions to ignore ("fnranges PID", doc/design.md), and with
 * --stats=yes prints Massif's statistics at the end.
 *
 * Errors: the program must run exactly as it would without us.  Bad
 * HEAPSNAP_OPTIONS or a recorder that cannot start means one line on
 * stderr and an unrecorded run.  Another allocator than glibc's
 * (allocator.h) means one line and a record with no heap event in it
 * (HS_ST_BYPASS), as for a program whose malloc never reaches us.
 */
#include "config.h"

#include <dlfcn.h>
#include <link.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <stddef.h>
#include <sched.h>
#include <linux/seccomp.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "allocator.h"
#include "freeq.h"
#include "highfd.h"
#include "journal.h"
#include "lifecycle.h"
#include "live.h"
#include "log.h"
#include "nocancel.h"
#include "options.h"
#include "outfile.h"
#include "ownheap.h"
#include "rawsyscall.h"
#include "recorder.h"
#include "stackwalk.h"
#include "tagshadow.h"
#include "unwind.h"

/* glibc's free: the recorder's release hook. */
extern void __libc_free(void *p);

atomic_int hs_preload_state = HS_ST_NEW;
size_t (*hs_real_usable_size)(void *);
static pid_t g_pid; /* our pid: a vfork child (same memory) must not end our record */
unsigned hs_preload_max_frames;
uint64_t hs_preload_sample_bytes;
int hs_preload_tag_early = 1; /* until the options say whether we tag */
int hs_preload_exact_tags;

static struct hs_options g_opts;
static char g_pattern[HS_PATH_MAX]; /* --massif-out-file, switched in forked children */
static char g_base_dir[HS_PATH_MAX];
static char g_cmd[8192];

static char g_options_text[8192]; /* HEAPSNAP_OPTIONS as given */
static atomic_int g_ended;        /* the record is ended once per process */

static int env_is(const char *entry, const char *name);
static int is_our_env(const char *entry);

/* Write a NUL-terminated string to stderr (no stdio: we may be in a
 * signal handler or the program may have closed its FILEs). */
static void say(const char *msg)
{
	size_t len = strlen(msg);

	while (len > 0) {
		ssize_t n = hs_nc_write(hs_log_fd(), msg, len);
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

/* Whether this process has a record under way: recording, or bypassed
 * (another allocator: a record with no heap event, begun and ended as
 * any other). */
static int has_record(void)
{
	int st = atomic_load(&hs_preload_state);
	return st == HS_ST_READY || st == HS_ST_BYPASS;
}

/* ---------------------------------------------------------------------
 * The raw record: the file, the module maps, the launcher's channel
 * ------------------------------------------------------------------- */

/* The module map (/proc/self/maps), read with open/read syscalls into an
 * mmap'd buffer: no stdio, no malloc, so it may run in a signal handler.
 * The spin flag keeps two threads out of the buffer; whoever finds it
 * taken skips (the other's reading is as recent). */
static char *g_maps_buf;
static size_t g_maps_cap;
static atomic_flag g_maps_busy = ATOMIC_FLAG_INIT;
static unsigned long long g_maps_adds; /* dl_iterate_phdr's dlpi_adds at the last reading */

#define HS_MAPS_FIRST_BYTES ((size_t)256 << 10)
#define HS_MAPS_MAX_BYTES ((size_t)64 << 20)

/* Read /proc/self/maps into g_maps_buf; returns its length, 0 on failure. */
static size_t read_maps(void)
{
	size_t len = 0;
	int fd;

	if (g_maps_buf == NULL) {
		void *p = mmap(NULL, HS_MAPS_FIRST_BYTES, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return 0;
		g_maps_buf = p;
		g_maps_cap = HS_MAPS_FIRST_BYTES;
	}
	fd = (int)syscall(SYS_openat, AT_FDCWD, "/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	for (;;) {
		ssize_t n;

		if (len == g_maps_cap) {
			void *p;

			/* The text changes as we read it: a bigger map restarts. */
			if (g_maps_cap * 2 > HS_MAPS_MAX_BYTES)
				break;
			p = mremap(g_maps_buf, g_maps_cap, g_maps_cap * 2, MREMAP_MAYMOVE);
			if (p == MAP_FAILED)
				break;
			g_maps_buf = p;
			g_maps_cap *= 2;
			len = 0;
			if (syscall(SYS_lseek, fd, 0, SEEK_SET) != 0)
				break;
		}
		n = syscall(SYS_read, fd, g_maps_buf + len, g_maps_cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	syscall(SYS_close, fd);
	return len;
}

/* What the record already holds, so a long run repeats none of it: a
 * program that dlopens and dlcloses a plugin in a loop got a map (5 KB)
 * and an unloaded note per round, 51 MB of raw record for 10,000 rounds.
 * The resolver names frames from the code mappings of the last map and
 * from each distinct note; the maps taken before a dlclose only serve a
 * record cut short (SIGKILL).  So a map is compared by its code mappings
 * alone (the heap's growth changes the text, not the names): at the end,
 * one equal to the last written is left out; before a dlclose, one equal
 * to any of the last HS_NOTED written (a reloaded module comes back where
 * it was).  A note already written is left out too. */
#define HS_NOTED 64
static uint64_t g_maps_seen[HS_NOTED]; /* code-map hashes written, a ring; 0: none */
static unsigned g_maps_next;
static uint64_t g_unloaded_seen[HS_NOTED]; /* hashes of unloaded notes written, a ring */
static unsigned g_unloaded_next;

/* FNV-1a, 64 bits, continued from h (never 0). */
static uint64_t text_hash(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h | 1;
}

/* The hash of a maps text's executable lines ("start-end r-xp ..."). */
static uint64_t code_hash(const char *text, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i = 0;

	while (i < len) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t n = nl != NULL ? (size_t)(nl - (text + i)) + 1 : len - i;
		const char *sp = memchr(text + i, ' ', n);
		if (sp != NULL && (size_t)(sp - (text + i)) + 3 < n && sp[3] == 'x')
			h = text_hash(h, text + i, n);
		i += n;
	}
	return h;
}

/* Whether h is in ring. */
static int seen(const uint64_t *ring, uint64_t h)
{
	for (unsigned i = 0; i < HS_NOTED; i++)
		if (ring[i] == h)
			return 1;
	return 0;
}

/* A new record (start-up, a forked child's) holds nothing yet. */
static void forget_noted(void)
{
	memset(g_maps_seen, 0, sizeof(g_maps_seen));
	memset(g_unloaded_seen, 0, sizeof(g_unloaded_seen));
	g_maps_next = g_unloaded_next = 0;
}

/* Put the current module map into the raw record (guard raised), unless
 * the record has its code mappings already: in the last map written, or,
 * before a dlclose (any_seen), in any recent one. */
static void note_maps_if_new(int any_seen)
{
	size_t len;

	if (atomic_flag_test_and_set(&g_maps_busy))
		return;
	len = read_maps();
	if (len > 0) {
		uint64_t h = code_hash(g_maps_buf, len);
		uint64_t last = g_maps_seen[(g_maps_next + HS_NOTED - 1) % HS_NOTED];
		if (any_seen ? !seen(g_maps_seen, h) : h != last) {
			hs_rec_journal_maps(g_maps_buf, len);
			g_maps_seen[g_maps_next] = h;
			g_maps_next = (g_maps_next + 1) % HS_NOTED;
		}
	}
	atomic_flag_clear(&g_maps_busy);
}

/* The recorder's memory probe (hs_rec_set_memory_probe): the process's
 * resident and mapped bytes from /proc/self/statm, read with raw system
 * calls at snapshots only (the recorder's lock held): no stdio, no malloc.
 * statm gives pages: "size resident shared text lib data dt".  The file is
 * opened once at start-up (and by a forked child: /proc/self was resolved
 * at open, so the parent's descriptor reads the parent), moved high like
 * our other fds: no transient fd for the program's threads to see, and no
 * openat at snapshots (seccomp sandboxes).  Without it the probe is off. */
static uint64_t g_page_bytes;
static int g_statm_fd = -1;
static dev_t g_statm_dev;
static ino_t g_statm_ino;

static int move_high(int fd);

/* Whether g_statm_fd is still our statm (the program may close any fd). */
static int statm_ours(void)
{
	struct stat st;

	return g_statm_fd >= 0 && fstat(g_statm_fd, &st) == 0 && st.st_dev == g_statm_dev &&
	       st.st_ino == g_statm_ino;
}

/* (Re)open this process's statm; an inherited one (the parent's) is closed. */
static void open_statm(void)
{
	struct stat st;

	if (statm_ours())
		syscall(SYS_close, g_statm_fd);
	g_statm_fd = -1;
	int fd = (int)syscall(SYS_openat, AT_FDCWD, "/proc/self/statm", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	fd = move_high(fd);
	if (fstat(fd, &st) != 0) {
		syscall(SYS_close, fd);
		return;
	}
	g_statm_dev = st.st_dev;
	g_statm_ino = st.st_ino;
	g_statm_fd = fd;
}

/* The decimal number at *p, which is moved past it and one separator. */
static uint64_t statm_field(const char **p, const char *end)
{
	uint64_t v = 0;
	while (*p < end && **p >= '0' && **p <= '9')
		v = v * 10 + (uint64_t)(*(*p)++ - '0');
	if (*p < end)
		(*p)++;
	return v;
}

static int read_statm(uint64_t *rss_bytes, uint64_t *mapped_bytes)
{
	char buf[128];
	ssize_t n;

	if (!statm_ours())
		return -1;
	do
		n = syscall(SYS_pread64, g_statm_fd, buf, sizeof(buf), (off_t)0);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return -1;
	const char *p = buf, *end = buf + n;
	uint64_t size = statm_field(&p, end);
	uint64_t resident = statm_field(&p, end);
	*mapped_bytes = size * g_page_bytes;
	*rss_bytes = resident * g_page_bytes;
	return 0;
}

/* The map at start-up and at the end. */
static void note_maps(void)
{
	note_maps_if_new(0);
}

/* Note that the module at path left [start, end), unless already noted. */
static void note_unloaded(uintptr_t start, uintptr_t end, const char *path)
{
	uint64_t range[2] = { start, end };
	uint64_t h = text_hash(text_hash(0xcbf29ce484222325ULL, range, sizeof(range)), path,
			       strlen(path));

	if (seen(g_unloaded_seen, h))
		return;
	hs_rec_journal_unloaded(start, end, path);
	g_unloaded_seen[g_unloaded_next] = h;
	g_unloaded_next = (g_unloaded_next + 1) % HS_NOTED;
}

/* The launcher's channel (a socketpair, HEAPSNAP_REPORT_FD), checked
 * before each use because the program may have closed it and reused the
 * number. */
static int g_report_fd = -1;
static dev_t g_report_dev;
static ino_t g_report_ino;

/* Whether g_report_fd is still the channel the launcher gave us. */
static int channel_ours(void)
{
	struct stat st;

	return g_report_fd >= 0 && fstat(g_report_fd, &st) == 0 && st.st_dev == g_report_dev &&
	       st.st_ino == g_report_ino;
}

/* How long a report may wait for room in the launcher's queue, in all,
 * and per look. */
#define HS_REPORT_WAIT_MS 5000
#define HS_REPORT_WAIT_STEP_MS 50

/* Write v in decimal at out (room for 20 digits); returns the digits
 * written.  Async-signal-safe: the signal handler and the report lines use
 * it, where snprintf may not run. */
static size_t put_decimal(char *out, uint64_t v)
{
	char digits[20];
	size_t nd = 0, len = 0;
	do {
		digits[nd++] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	while (nd > 0)
		out[len++] = digits[--nd];
	return len;
}

static int g_raw_told; /* the launcher got this process's "raw" report */

/* Send "WORD PID PATH\n" to the launcher.  Returns 1 when it was sent, 0
 * when the channel is no longer ours (replaced by the program) but the
 * launcher was told of the record, -1 when there is no launcher to hear
 * it (none at start-up, it has shut its end: EPIPE, or the channel was
 * lost before it heard of the record). */

static int report(const char *word, const char *path)
{
	char line[HS_PATH_MAX + 64];
	size_t len = 0, n;

	if (g_report_fd < 0)
		return -1;
	/* Closed by the program: the launcher resolves the record when the
	 * process is gone if it was told of it; a record begun after the
	 * close (a forked child's) it never heard of, so that one is as
	 * without a launcher. */
	if (!channel_ours())
		return g_raw_told ? 0 : -1;
	n = strlen(word);
	memcpy(line, word, n);
	len = n;
	line[len++] = ' ';
	len += put_decimal(line + len, (uint64_t)g_pid);
	line[len++] = ' ';
	n = strlen(path);
	if (len + n + 1 > sizeof(line))
		return 0;
	memcpy(line + len, path, n);
	len += n;
	line[len++] = '\n';
	/* One message on a SOCK_SEQPACKET socket: processes never interleave.
	 * MSG_NOSIGNAL: a launcher that is gone means EPIPE, never SIGPIPE.
	 * The launcher's queue holds only net.unix.max_dgram_qlen messages
	 * (10): with many traced processes and a launcher slow to read (a
	 * loaded machine) it fills, and a lost "raw" or "end" loses a file.
	 * So a full queue is waited on, for at most HS_REPORT_WAIT_MS in all:
	 * a launcher that stopped reading must not hang the program. */
	int waited_ms = 0;
	for (;;) {
		ssize_t w = hs_nc_send(g_report_fd, line, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w >= 0)
			return 1;
		if (errno == EINTR)
			continue;
		if (errno == EPIPE || errno == ECONNREFUSED || errno == ENOTCONN ||
		    errno == ECONNRESET)
			return -1;
		if ((errno != EAGAIN && errno != EWOULDBLOCK) || waited_ms >= HS_REPORT_WAIT_MS)
			return 0; /* the launcher still knows the raw path it was told */
		struct pollfd pfd = { .fd = g_report_fd, .events = POLLOUT };
		hs_nc_poll(&pfd, 1, HS_REPORT_WAIT_STEP_MS);
		waited_ms += HS_REPORT_WAIT_STEP_MS;
	}
}

/* Live dumps (live.h): the launcher's shared page (HEAPSNAP_LIVE_FD) and
 * this process's slot in it.  The recorder core serves the requests; here
 * the page is mapped and a slot claimed per record (a forked child claims
 * its own) and freed when the record ends. */
static struct hs_live_page *g_live_page;
static int g_live_fd = -1;
static dev_t g_live_dev; /* the memfd's identity: the program may close */
static ino_t g_live_ino; /* g_live_fd and reuse the number for its own file */
static struct hs_live_slot *g_live_slot;

/* Whether g_live_fd is still the launcher's page. */
static int live_fd_ours(void)
{
	struct stat st;

	return g_live_fd >= 0 && fstat(g_live_fd, &st) == 0 && st.st_dev == g_live_dev &&
	       st.st_ino == g_live_ino;
}

/* Our descriptors (the raw file, /proc/self/statm, the live page,
 * libunwind's pipe) are moved out of the program's way (highfd.h): a
 * program that closes "all" its descriptors by number (0..255, say) keeps
 * them, its own next open never gets our number, so the record never
 * lands in its files, and under a low limit it can still open as many as
 * natively.  The plan is made at start-up, before the first is opened;
 * g_fds_no_room when the limit spares none (the program then runs
 * unrecorded, with one line). */
#define HS_RAW_FD_MIN 1000
#define HS_HIGH_FD_ROOM 64
static struct hs_highfd g_high_fds;
static int g_fds_no_room;
static long g_fd_limit;

static void find_high_fd_base(void)
{
	g_fds_no_room = hs_highfd_plan(&g_high_fds, HS_RAW_FD_MIN, HS_HIGH_FD_ROOM, &g_fd_limit) != 0;
}

/* Whether fd is where move_high puts ours. */
static int is_high(int fd)
{
	return g_high_fds.base > 0 && fd >= g_high_fds.base;
}

/* Without a launcher (LD_PRELOAD set by hand, a service's environment):
 * a page of our own, so that `heapsnap --dump PID` can still ask.  It
 * finds the page among our descriptors ("/memfd:heapsnap-live"), and the
 * raw record beside it, and names the frames itself (dump.h). */
static void own_live_page(void)
{
	struct stat st;
	void *p = MAP_FAILED;
	int fd = memfd_create("heapsnap-live", MFD_CLOEXEC);

	if (fd < 0)
		return;
	/* Out of the program's way, or not at all: its own next open must
	 * get the number it gets natively. */
	fd = move_high(fd);
	if (!is_high(fd)) {
		syscall(SYS_close, fd);
		return;
	}
	if (ftruncate(fd, sizeof(struct hs_live_page)) == 0 && fstat(fd, &st) == 0)
		p = mmap(NULL, sizeof(struct hs_live_page), PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			 0);
	if (p == MAP_FAILED) {
		syscall(SYS_close, fd);
		return;
	}
	((struct hs_live_page *)p)->n_slots = HS_LIVE_SLOTS;
	((struct hs_live_page *)p)->magic = HS_LIVE_MAGIC;
	g_live_page = p;
	g_live_fd = fd;
	g_live_dev = st.st_dev;
	g_live_ino = st.st_ino;
}

/* Map the launcher's page, if it gave one; with no launcher, our own. */
static void open_live_page(void)
{
	const char *v = getenv("HEAPSNAP_LIVE_FD");
	struct stat st;
	int fd = 0;
	void *p;

	if (v == NULL || *v == '\0') {
		if (g_report_fd < 0)
			own_live_page();
		return;
	}
	for (; *v >= '0' && *v <= '9'; v++)
		fd = fd * 10 + (*v - '0');
	if (*v != '\0' || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (size_t)st.st_size < sizeof(struct hs_live_page))
		return;
	p = mmap(NULL, sizeof(struct hs_live_page), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return;
	if (((struct hs_live_page *)p)->magic != HS_LIVE_MAGIC) {
		munmap(p, sizeof(struct hs_live_page));
		return;
	}
	g_live_page = p;
	g_live_fd = fd;
	g_live_dev = st.st_dev;
	g_live_ino = st.st_ino;
	/* Not followed across exec unless children are traced. */
	if (!g_opts.trace_children)
		fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | FD_CLOEXEC);
}

/* Claim a free slot for this process's record and serve its requests. */
static void live_claim(void)
{
	if (g_live_page == NULL)
		return;
	/* A slot still naming our pid was left by a process killed before it
	 * could free it (pids are reused): requests for us must not go there. */
	for (unsigned i = 0; i < HS_LIVE_SLOTS; i++) {
		uint32_t stale = (uint32_t)g_pid;
		atomic_compare_exchange_strong(&g_live_page->slots[i].pid, &stale, 0);
	}
	for (unsigned i = 0; i < HS_LIVE_SLOTS; i++) {
		uint32_t free_pid = 0;
		struct hs_live_slot *slot = &g_live_page->slots[i];
		if (atomic_compare_exchange_strong(&slot->pid, &free_pid, (uint32_t)g_pid)) {
			g_live_slot = slot;
			hs_rec_live_attach(slot);
			return;
		}
	}
}

/* The record has ended: no more requests, the slot is free again. */
static void live_release(void)
{
	if (g_live_slot == NULL)
		return;
	hs_rec_live_attach(NULL);
	atomic_store(&g_live_slot->pid, 0);
	g_live_slot = NULL;
}

/* The raw record's file, and the Massif file it becomes. */
static int g_raw_fd = -1;
static char g_raw_path[HS_PATH_MAX + 16];
/* The record a followed exec handed to this image (HEAPSNAP_REPLACES):
 * open_raw takes its name over. */
static char g_replaces[HS_PATH_MAX + 16];
static char g_out_path[HS_PATH_MAX];
/* --follow-exec (see "exec of the started process" below). */
static int g_follow_exec;
static pid_t g_follow_pid; /* the started process (g_pid changes at fork) */
/* The started process's image: 0 for the first, one more per followed
 * exec (HEAPSNAP_EXEC_GEN). */
static unsigned g_exec_gen;
/* In a process forked, at any depth, from the started process: that
 * process's image then, plus one; else 0.  Told to the launcher ("rawi"),
 * which writes no file for one forked by an image that was later replaced
 * (a version manager's shim forks a dozen subshells before it execs the
 * interpreter: those are not the program the user meant). */
static unsigned g_forked_by_image;
static char g_launcher[HS_PATH_MAX]; /* heapsnap, for the detached resolver */


/* fd moved out of the program's way (close-on-exec), or fd itself when
 * it cannot be (no room, or the program lowered its limit since). */
static int move_high(int fd)
{
	int high;

	if (g_high_fds.base == 0 || fd >= g_high_fds.base)
		return fd;
	high = hs_highfd_dup(&g_high_fds, fd, 1);
	if (high < 0)
		return fd;
	syscall(SYS_close, fd);
	return high;
}

/* Whether g_raw_fd is still our raw file (the program may close any fd). */
static dev_t g_raw_dev;
static ino_t g_raw_ino;

static int raw_ours(void)
{
	struct stat st;

	return g_raw_fd >= 0 && fstat(g_raw_fd, &st) == 0 && st.st_dev == g_raw_dev &&
	       st.st_ino == g_raw_ino;
}

/* libunwind's pipe (unwind.h, hs_unwind_owns_pc): both ends, moved high
 * as the raw file is, and the pipe's inode, to tell them from the
 * program's descriptors should it put its own at those numbers. */
static int g_unw_pipe[2] = { -1, -1 };
static dev_t g_unw_pipe_dev;
static ino_t g_unw_pipe_ino;

static int unw_pipe_ours(int fd)
{
	struct stat st;

	return fd >= 0 && (fd == g_unw_pipe[0] || fd == g_unw_pipe[1]) && fstat(fd, &st) == 0 &&
	       st.st_dev == g_unw_pipe_dev && st.st_ino == g_unw_pipe_ino;
}

/* pipe2, with the pipe libunwind opens to check addresses moved out of
 * the program's way: at the lowest free numbers it was the program's 3
 * and 4 (its first open got 5), and libunwind read and wrote them after
 * the program had put its own files there (dup2), or closed and reopened
 * them when the program had closed them (tests/recorder/rec_fds.sh). */
HS_EXPORT int pipe2(int fds[2], int flags)
{
	int rc = (int)syscall(SYS_pipe2, fds, flags);
	if (rc != 0 || !hs_unwind_owns_pc((uintptr_t)__builtin_return_address(0)))
		return rc;
	struct stat st;
	fds[0] = move_high(fds[0]);
	fds[1] = move_high(fds[1]);
	/* Spared from the program's closes only where out of its way: left
	 * low (a descriptor limit too small), its numbers are the program's. */
	if (is_high(fds[0]) && is_high(fds[1]) && fstat(fds[0], &st) == 0) {
		g_unw_pipe_dev = st.st_dev;
		g_unw_pipe_ino = st.st_ino;
		g_unw_pipe[0] = fds[0];
		g_unw_pipe[1] = fds[1];
	}
	return rc;
}

/* Whether fd is one of ours the program may not close. */
static int spared(int fd)
{
	return (fd == g_raw_fd && fd >= 0 && raw_ours()) ||
	       (fd == g_report_fd && fd >= 0 && channel_ours()) || unw_pipe_ours(fd) ||
	       (fd == g_live_fd && is_high(fd) && live_fd_ours());
}

/* close, close_range and closefrom leave the raw file, the launcher's
 * channel, the live page and libunwind's pipe open: a program that closes every
 * descriptor it may have (daemons, shells, stress_closefds) would
 * otherwise end the record early, and a child it forks after would start
 * a record the launcher never hears of (left as OUT.raw).  Its close of
 * our number says 0, as if it had been open for it; nothing else
 * changes. */
static int (*real_close)(int);

HS_EXPORT int close(int fd)
{
	if (HS_UNLIKELY(fd == g_raw_fd || fd == g_report_fd || fd == g_unw_pipe[0] ||
			fd == g_unw_pipe[1] || fd == g_live_fd) &&
	    spared(fd))
		return 0;
	if (HS_UNLIKELY(real_close == NULL))
		return (int)syscall(SYS_close, fd);
	return real_close(fd);
}

/* The range's descriptors but ours (spared).  close_range(2)'s flags
 * apply to every piece. */
static int close_range_sparing(unsigned first, unsigned last, int flags)
{
	int keep[5] = { g_raw_fd, g_report_fd, g_unw_pipe[0], g_unw_pipe[1], g_live_fd }, n = 0;
	unsigned at[5];

	for (int i = 0; i < 5; i++)
		if (keep[i] >= 0 && (unsigned)keep[i] >= first && (unsigned)keep[i] <= last &&
		    spared(keep[i]))
			at[n++] = (unsigned)keep[i];
	/* Ascending (five at most). */
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && at[j - 1] > at[j]; j--) {
			unsigned t = at[j];
			at[j] = at[j - 1];
			at[j - 1] = t;
		}
	unsigned from = first;
	for (int i = 0; i < n; i++) {
		if (at[i] > from && syscall(SYS_close_range, from, at[i] - 1, flags) != 0)
			return -1;
		from = at[i] + 1;
		if (at[i] == last)
			return 0;
	}
	return (int)syscall(SYS_close_range, from, last, flags);
}

HS_EXPORT int close_range(unsigned first, unsigned last, int flags)
{
	return close_range_sparing(first, last, flags);
}

HS_EXPORT void closefrom(int lowfd)
{
	if (lowfd < 0)
		lowfd = 0;
	if (close_range_sparing((unsigned)lowfd, ~0U, 0) == 0)
		return;
	/* No close_range (old kernel): glibc closes one by one, so do we. */
	for (int fd = lowfd; fd < (int)sysconf(_SC_OPEN_MAX); fd++)
		close(fd);
}

/* dup2 and dup3 onto one of our numbers: ours moves first, then the
 * program's file goes where it asked.  A program that put its file at the
 * raw record's number (bash's `exec 1003>out.txt`, a loop pointing every
 * open descriptor at /dev/null) had its file filled with the record, or
 * the record with its writes.  libunwind's pipe keeps its numbers (they
 * are libunwind's own variables): it meets the program's file there and
 * opens a new pipe. */
static int (*real_dup2)(int, int);
static int (*real_dup3)(int, int, int);
static void need_reals(void);

/* A copy of ours at fd elsewhere, its close-on-exec flag kept: high if
 * there is room there (a program filling the top of its range pushes it
 * up), else at the lowest free number; -1 when there is none. */
static int copy_elsewhere(int fd)
{
	int cmd = (fcntl(fd, F_GETFD) & FD_CLOEXEC) ? F_DUPFD_CLOEXEC : F_DUPFD;
	int to = hs_highfd_dup(&g_high_fds, fd, cmd == F_DUPFD_CLOEXEC);
	if (to < 0)
		to = fcntl(fd, cmd, 3);
	return to == fd ? -1 : to;
}

/* The program is about to put its own file at fd: move ours away. */
static void move_ours_from(int fd)
{
	int to;

	/* Inside the recorder on this thread (a signal handler's dup2): its
	 * lock may be held; the program's file wins. */
	if (hs_tl_guard != 0)
		return;
	hs_tl_guard++;
	if (fd == g_raw_fd && raw_ours() && (to = copy_elsewhere(fd)) >= 0) {
		hs_rec_journal_fd_moved(fd, to);
		g_raw_fd = to;
	}
	if (fd == g_report_fd && channel_ours() && (to = copy_elsewhere(fd)) >= 0)
		g_report_fd = to;
	if (fd == g_live_fd && live_fd_ours() && (to = copy_elsewhere(fd)) >= 0)
		g_live_fd = to;
	if (fd == g_statm_fd && statm_ours() && (to = copy_elsewhere(fd)) >= 0)
		g_statm_fd = to;
	hs_tl_guard--;
}

/* Whether fd is a number one of ours has. */
static inline int ours_at(int fd)
{
	return fd >= 0 && (fd == g_raw_fd || fd == g_report_fd || fd == g_live_fd ||
			   fd == g_statm_fd);
}

HS_EXPORT int dup2(int oldfd, int newfd)
{
	need_reals();
	if (HS_UNLIKELY(ours_at(newfd)) && oldfd != newfd && fcntl(oldfd, F_GETFD) >= 0)
		move_ours_from(newfd);
	return real_dup2(oldfd, newfd);
}

HS_EXPORT int dup3(int oldfd, int newfd, int flags)
{
	need_reals();
	if (HS_UNLIKELY(ours_at(newfd)) && oldfd != newfd && fcntl(oldfd, F_GETFD) >= 0)
		move_ours_from(newfd);
	return real_dup3(oldfd, newfd, flags);
}

/* The raw record's fd was closed behind our back (a close_range system
 * call, which no wrapper sees): the same file, opened again, if it is
 * still there (recorder.h, hs_rec_set_raw_reopen; lock held). */
static int reopen_raw(void)
{
	struct stat st;
	int fd = (int)syscall(SYS_openat, AT_FDCWD, g_raw_path,
			      O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0 || st.st_dev != g_raw_dev || st.st_ino != g_raw_ino) {
		syscall(SYS_close, fd);
		return -1;
	}
	g_raw_fd = move_high(fd);
	return g_raw_fd;
}

/* path + suffix into out (room for both: g_raw_path's size + 16), without
 * stdio: this runs inside the program's malloc (a live dump). */
static void raw_side_path(char *out, const char *suffix)
{
	size_t n = strlen(g_raw_path), k = strlen(suffix);
	memcpy(out, g_raw_path, n);
	memcpy(out + n, suffix, k + 1);
}

/* A live dump's side record (doc/format-raw.md 6): written whole as
 * OUT.raw.live.tmp, then renamed to OUT.raw.live (live_side_done), so the
 * launcher reading it meets one dump's, never half of two. */
static int open_live_side(void)
{
	char tmp[sizeof g_raw_path + 16];
	raw_side_path(tmp, HS_RAW_LIVE_SUFFIX ".tmp");
	int fd = (int)syscall(SYS_openat, AT_FDCWD, tmp,
			      O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0600);
	if (fd < 0) {
		/* This dump goes into the raw record: no earlier one may stand
		 * beside it as the last. */
		raw_side_path(tmp, HS_RAW_LIVE_SUFFIX);
		unlinkat(AT_FDCWD, tmp, 0);
		return -1;
	}
	return move_high(fd);
}

static void live_side_done(int fd, int whole)
{
	char tmp[sizeof g_raw_path + 16], path[sizeof g_raw_path + 16];
	raw_side_path(tmp, HS_RAW_LIVE_SUFFIX ".tmp");
	raw_side_path(path, HS_RAW_LIVE_SUFFIX);
	syscall(SYS_close, fd);
	if (!whole || renameat(AT_FDCWD, tmp, AT_FDCWD, path) != 0) {
		/* This dump goes into the raw record (recorder.c), or nowhere:
		 * an earlier dump's would be read as the last. */
		unlinkat(AT_FDCWD, tmp, 0);
		unlinkat(AT_FDCWD, path, 0);
	}
}

/* Remove the raw record's side files: with the record gone, or stale. */
static void unlink_raw_sides(void)
{
	char side[sizeof g_raw_path + 16];
	raw_side_path(side, HS_RAW_LIVE_SUFFIX);
	unlinkat(AT_FDCWD, side, 0);
	raw_side_path(side, HS_RAW_LIVE_SUFFIX ".tmp");
	unlinkat(AT_FDCWD, side, 0);
}

/* Create the raw file next to the output: OUT.raw, or OUT.N.raw when that
 * exists (an earlier run's record that was never resolved, or another
 * process with the same name).  Never follows a symlink, never opens a
 * FIFO or device in a way that blocks.  An OUT the resolver would refuse
 * (/dev/null, a directory, a symbolic link: hs_outfile_check_target) gets
 * no record at all, rather than one nobody could resolve in its place (and
 * OUT.N beside it at the next run); an OUT.N such as that is skipped.
 * Returns the fd or -1. */
static int open_raw(char *err, size_t err_len)
{
	char out[HS_PATH_MAX];
	size_t len;

	/* The last image's record, handed over by a followed exec: its path is
	 * ours, even if the program changed directory before the exec. */
	int handed_over = g_replaces[0] != '\0';
	len = strlen(g_replaces);
	if (len > 4 && g_replaces[0] == '/' && strcmp(g_replaces + len - 4, ".raw") == 0 &&
	    len - 4 < sizeof(g_out_path) && len < sizeof(g_raw_path)) {
		memcpy(g_out_path, g_replaces, len - 4);
		g_out_path[len - 4] = '\0';
		memcpy(g_raw_path, g_replaces, len + 1);
		g_replaces[0] = '\0';
		unlink(g_raw_path);
		int fd = (int)syscall(SYS_openat, AT_FDCWD, g_raw_path,
				      O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK,
				      0600);
		if (fd >= 0) {
			fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
			return move_high(fd);
		}
	}
	g_replaces[0] = '\0';
	if (hs_outfile_expand(g_pattern, g_pid, g_base_dir, out, sizeof(out), err, err_len) != 0)
		return -1;
	if (hs_outfile_check_target(g_pattern, out, err, err_len) != 0) {
		size_t n = strlen(err);
		if (n + 1 < err_len)
			snprintf(err + n, err_len - n, "; running unrecorded");
		return -1;
	}
	len = strlen(out);
	for (unsigned n = 0; n < 1000; n++) {
		char suffix[16];
		int fd;

		if (n == 0)
			suffix[0] = '\0';
		else
			snprintf(suffix, sizeof(suffix), ".%u", n);
		if (len + strlen(suffix) + sizeof(".raw") > sizeof(g_raw_path)) {
			snprintf(err, err_len, "cannot write %s: file name too long", out);
			return -1;
		}
		snprintf(g_out_path, sizeof(g_out_path), "%s%s", out, suffix);
		snprintf(g_raw_path, sizeof(g_raw_path), "%s.raw", g_out_path);
		if (n > 0 && hs_outfile_check_target(g_pattern, g_out_path, err, err_len) != 0)
			continue;
		fd = (int)syscall(SYS_openat, AT_FDCWD, g_raw_path,
				  O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK,
				  0600);
		if (fd >= 0) {
			fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
			return move_high(fd);
		}
		if (errno != EEXIST) {
			/* A followed exec after the program gave up its rights to
			 * the directory: the last image's record is written. */
			snprintf(err, err_len, "cannot write %s: %s%s", out, strerror(errno),
				 handed_over ? " (after the exec: the file holds the program "
					       "until then)"
					     : "");
			return -1;
		}
	}
	snprintf(err, err_len, "cannot write %s: it exists", g_raw_path);
	return -1;
}

/* Begin this process's raw record (start-up, or a forked child): the file,
 * its header, the module map, and "raw PID PATH" to the launcher.
 * Returns 0, or -1 after saying why (recording then stays off). */
static int begin_record(void)
{
	char err[HS_PATH_MAX + 256];

	struct stat st;

	g_raw_fd = open_raw(err, sizeof(err));
	if (g_raw_fd < 0) {
		say_line(err);
		return -1;
	}
	if (fstat(g_raw_fd, &st) == 0) {
		g_raw_dev = st.st_dev;
		g_raw_ino = st.st_ino;
	}
	/* A new record at this path (an exec'd image's, followed): an earlier
	 * image's last dump beside it is not this record's. */
	unlink_raw_sides();
	if (hs_rec_journal_open(g_raw_fd, g_options_text, g_cmd) != 0) {
		say_line("out of memory, recording stopped");
		syscall(SYS_close, g_raw_fd);
		unlink(g_raw_path);
		g_raw_fd = -1;
		return -1;
	}
	live_claim();
	forget_noted();
	note_maps();
	{
		/* "rawi N": forked from the started process's image N (1-based). */
		char word[24] = "raw";
		if (g_forked_by_image != 0)
			snprintf(word, sizeof(word), "rawi %u", g_forked_by_image);
		g_raw_told = report(word, g_raw_path) == 1;
	}
	return 0;
}

/* Find heapsnap for the detached resolver, from libheapsnap.so's own path:
 * in the build tree .libs/libheapsnap.so has ../heapsnap, installed the
 * configured bindir has it. */
static void find_launcher(void)
{
	Dl_info info;
	const char *slash;

	g_launcher[0] = '\0';
	if (dladdr((void *)find_launcher, &info) != 0 && info.dli_fname != NULL &&
	    (slash = strrchr(info.dli_fname, '/')) != NULL) {
		size_t dir_len = (size_t)(slash - info.dli_fname);

		if (dir_len + sizeof("/../heapsnap") <= sizeof(g_launcher)) {
			memcpy(g_launcher, info.dli_fname, dir_len);
			memcpy(g_launcher + dir_len, "/../heapsnap", sizeof("/../heapsnap"));
			if (access(g_launcher, X_OK) == 0)
				return;
		}
	}
	snprintf(g_launcher, sizeof(g_launcher), "%s/heapsnap", HS_BINDIR);
	if (access(g_launcher, X_OK) != 0)
		g_launcher[0] = '\0';
}

/* The grandchild's side of start_resolver: its own session (a ^C for the
 * program's process group does not stop it), no descriptor of the
 * program's but stderr, then heapsnap --resolve RAW OUT. */
struct resolver_args {
	char **argv;
	char **envp;
};

static int resolver_child(void *arg)
{
	struct resolver_args *a = arg;
	sigset_t none;
	int null_fd;
	/* Exit signal 0 too: the middle process (running on the program's
	 * memory) is never signalled; once reparented, the kernel gives the
	 * grandchild SIGCHLD for init. */
	long pid = syscall(SYS_clone, (unsigned long)0, NULL, NULL, NULL, 0UL);

	/* The middle process: done, its parent reaps it at once. */
	if (pid != 0)
		syscall(SYS_exit, 0);
	/* The grandchild: its parent is gone, init reaps it. */
	sigemptyset(&none);
	syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, sizeof(long));
	syscall(SYS_setsid);
	null_fd = (int)syscall(SYS_openat, AT_FDCWD, "/dev/null", O_RDWR);
	if (null_fd >= 0) {
		syscall(SYS_dup2, null_fd, 0);
		syscall(SYS_dup2, null_fd, 1);
	}
	syscall(SYS_close_range, 3U, ~0U, 0U);
	syscall(SYS_execve, a->argv[0], a->argv, a->envp);
	syscall(SYS_exit, 127);
	return 0;
}

/* Start `heapsnap --resolve RAW OUT` detached, for a run without a
 * launcher.  The middle process is a clone whose end raises no SIGCHLD
 * and that a wait(-1) of the program's never sees (exit signal 0, so only
 * __WCLONE reaps it): the program gets no child or signal it did not ask
 * for; the grandchild that runs the resolver belongs to init.  Returns 0,
 * or -1 when it could not be started. */
static int start_resolver(void)
{
	extern char **environ;
	static char stack[16384] __attribute__((aligned(16)));
	/* -q as the run was given it: no "wrote" line after the program. */
	char *quiet_argv[] = { g_launcher, (char *)"-q", (char *)"--resolve", g_raw_path, g_out_path,
			       NULL };
	char *argv[] = { g_launcher, (char *)"--resolve", g_raw_path, g_out_path, NULL };
	struct resolver_args a;
	sigset_t all, old;
	size_t n_env = 0;
	int status = 0;
	pid_t pid;

	if (g_launcher[0] == '\0' || access(g_launcher, X_OK) != 0)
		return -1;
	for (char **e = environ; e != NULL && *e != NULL; e++)
		n_env++;
	a.envp = __builtin_alloca((n_env + 2) * sizeof(char *));
	n_env = 0;
	/* The resolver runs unrecorded. */
	for (char **e = environ; e != NULL && *e != NULL; e++)
		if (!env_is(*e, "LD_PRELOAD") && !is_our_env(*e))
			a.envp[n_env++] = *e;
	/* The launcher, if any, may resolve the record first (heapsnap.c). */
	a.envp[n_env++] = (char *)"HEAPSNAP_RESOLVE_DETACHED=1";
	a.envp[n_env] = NULL;
	a.argv = g_opts.verbosity == 0 ? quiet_argv : argv;
	/* No handler of the program's may run in the middle process, which
	 * shares its memory (as posix_spawn does): every signal is blocked
	 * until the grandchild's exec, whose mask it clears. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pid = clone(resolver_child, stack + sizeof(stack), CLONE_VM | CLONE_VFORK, &a);
	if (pid >= 0)
		while (syscall(SYS_wait4, pid, &status, __WCLONE, NULL) < 0 && errno == EINTR)
			;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (pid < 0)
		return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* Signal names for the ending ("signal 15 (SIGTERM)"). */
static const char *signal_name(int sig)
{
	switch (sig) {
	case SIGHUP:
		return "SIGHUP";
	case SIGINT:
		return "SIGINT";
	case SIGQUIT:
		return "SIGQUIT";
	case SIGILL:
		return "SIGILL";
	case SIGTRAP:
		return "SIGTRAP";
	case SIGABRT:
		return "SIGABRT";
	case SIGBUS:
		return "SIGBUS";
	case SIGFPE:
		return "SIGFPE";
	case SIGUSR1:
		return "SIGUSR1";
	case SIGSEGV:
		return "SIGSEGV";
	case SIGUSR2:
		return "SIGUSR2";
	case SIGPIPE:
		return "SIGPIPE";
	case SIGALRM:
		return "SIGALRM";
	case SIGTERM:
		return "SIGTERM";
	case SIGXCPU:
		return "SIGXCPU";
	case SIGXFSZ:
		return "SIGXFSZ";
	case SIGVTALRM:
		return "SIGVTALRM";
	case SIGPROF:
		return "SIGPROF";
	case SIGSYS:
		return "SIGSYS";
	default:
		return "?";
	}
}

/* --stats=yes: Massif's statistics lines to the log, in one write. */
static void write_stats(void)
{
	char text[1024];
	size_t n = hs_rec_stats_text(text, sizeof(text));
	int fd = hs_log_fd();
	for (size_t done = 0; done < n;) {
		ssize_t w = hs_nc_write(fd, text + done, n - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		done += (size_t)w;
	}
}

/* End the raw record, once per process: final module map, the END record
 * saying how ("exit", "_exit", "exec", "signal 15 (SIGTERM)"), then
 * "end PID PATH" to the launcher, or, with no launcher to hear it, the
 * detached resolver.  Safe in a signal handler that did not interrupt the
 * recorder on this thread.
 *
 * END_DROP: an exec into a program that is traced too.  As with Massif,
 * the new image's file takes the name, so this record is removed ("drop
 * PID PATH"): `heapsnap --trace-children=yes cargo run` writes one file,
 * the program's.
 * END_HANDOVER: an exec of the started process, followed (follow_env).
 * The record is kept whole and ended ("end"), for the new image to
 * replace (HEAPSNAP_REPLACES): if the exec fails, or the new image cannot
 * record (a static binary), what was recorded is still written. */
enum end_mode { END_KEEP, END_DROP, END_HANDOVER };

/* Why the record ends before the program does (seccomp), else NULL: the
 * program's end is then not recorded (hs_rec_end_early). */
static const char *g_end_early_reason;

static void end_record(const char *how, enum end_mode mode)
{
	int drop = mode == END_DROP;
	int handover = mode != END_KEEP;
	int saved = errno;
	int ours;

	if (!has_record() || (pid_t)syscall(SYS_getpid) != g_pid)
		return;
	/* A signal handler that interrupted this thread inside the recorder
	 * (exit from a handler): the tables are half updated and our lock may
	 * be held.  The record on disk is valid up to its last flush. */
	if (hs_tl_guard != 0)
		return;
	if (atomic_exchange(&g_ended, 1) != 0)
		return;
	hs_tl_guard++;
	/* The program closed our fd (a close_range system call no wrapper
	 * sees): the same file, opened again.  Failing that (it is gone),
	 * write nothing more; the record is valid up to its last flush. */
	ours = raw_ours();
	if (!ours && g_raw_fd >= 0) {
		int old = g_raw_fd;
		if (reopen_raw() >= 0) {
			hs_rec_journal_fd_moved(old, g_raw_fd);
			ours = 1;
		}
	}
	if (ours) {
		hs_freeq_flush();
		if (!drop)
			note_maps();
		if (g_end_early_reason != NULL)
			hs_rec_end_early(g_end_early_reason);
		else
			hs_rec_end(how);
		/* Massif prints them at its end; an image replaced by a traced
		 * one is not an end (the new image prints its own). */
		if (g_opts.stats && !handover)
			write_stats();
	}
	live_release();
	/* Recording is over: later heap calls go straight to the allocator. */
	atomic_store(&hs_preload_state, HS_ST_OFF);
	if (ours)
		syscall(SYS_close, g_raw_fd);
	g_raw_fd = -1;
	/* A record that cannot be removed (a sticky directory, privileges
	 * dropped) is kept and written, not left behind unannounced; one
	 * already gone (the program removed it) is dropped as before. */
	if (drop && unlink(g_raw_path) != 0 && errno != ENOENT)
		drop = 0;
	if (drop)
		unlink_raw_sides();
	if (drop)
		report("drop", g_raw_path);
	if (handover) {
		/* The new image reports its record on the same channel: keep it
		 * open across the exec even if the program marked it close-on-exec
		 * (cargo's jobserver client does so to the fds MAKEFLAGS names),
		 * else the image finds no launcher and resolves its own record
		 * after the launcher has gone. */
		if (channel_ours())
			fcntl(g_report_fd, F_SETFD, 0);
		/* Only if still the page: a number the program reused is its
		 * own file, which must not leak into the new image. */
		if (live_fd_ours())
			fcntl(g_live_fd, F_SETFD, 0);
	}
	/* Handed over without a launcher to hear it: the new image takes the
	 * file over, no resolver may race it. */
	if (!drop && report("end", g_raw_path) < 0 && !handover && start_resolver() != 0) {
		say("heapsnap: run 'heapsnap --resolve ");
		say(g_raw_path);
		say("' to write ");
		say(g_out_path);
		say("\n");
	}
	hs_tl_guard--;
	errno = saved;
}

/* Whether this process, as it is now, may create the record's files: a
 * program that dropped its privileges (setuid) before the exec cannot in
 * a directory that only its old self could write. */
static int may_write_record_dir(void)
{
	char dir[sizeof(g_raw_path)];
	const char *slash = strrchr(g_raw_path, '/');

	if (slash == NULL)
		return faccessat(AT_FDCWD, ".", W_OK | X_OK, AT_EACCESS) == 0;
	size_t n = slash == g_raw_path ? 1 : (size_t)(slash - g_raw_path);
	memcpy(dir, g_raw_path, n);
	dir[n] = '\0';
	return faccessat(AT_FDCWD, dir, W_OK | X_OK, AT_EACCESS) == 0;
}

/* Before an exec that can succeed; followed: the new image records under
 * the same name (--follow-exec).  A traced new image takes the name over
 * and this record goes, unless the new image could not write its own
 * (privileges dropped): then this one is kept and written, as at an
 * untraced exec, rather than both lost. */
static void end_for_exec(int followed)
{
	if (g_opts.trace_children && !may_write_record_dir())
		end_record("exec", END_KEEP);
	else
		end_record("exec",
			   g_opts.trace_children ? END_DROP : followed ? END_HANDOVER : END_KEEP);
}

/* At exit, after the program's atexit handlers (our destructor runs from
 * _dl_fini, which glibc registers before main). */
__attribute__((destructor)) static void lib_fini(void)
{
	end_record("exit", END_KEEP);
}

/* End the record, then the process, without exit handlers. */
HS_EXPORT void _exit(int status)
{
	end_record("_exit", END_KEEP);
	for (;;)
		syscall(SYS_exit_group, status);
}

/* The same as _exit. */
HS_EXPORT void _Exit(int status)
{
	end_record("_exit", END_KEEP);
	for (;;)
		syscall(SYS_exit_group, status);
}

/* ---------------------------------------------------------------------
 * Signals
 * ------------------------------------------------------------------- */

/* Signals that end the program at their default disposition: on each one
 * the program leaves at default we end the record, then die of it. */
static const int g_fatal_signals[] = {
	SIGTERM, SIGINT,  SIGHUP,  SIGPIPE, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM, SIGVTALRM, SIGPROF,
	SIGXCPU, SIGXFSZ, SIGSEGV, SIGBUS,  SIGFPE,  SIGILL,  SIGABRT, SIGTRAP, SIGSYS,
};
#define N_FATAL (sizeof(g_fatal_signals) / sizeof(g_fatal_signals[0]))
static atomic_int g_sig_ours[NSIG]; /* our handler is installed for that signal */
static int g_sig_flags[NSIG];       /* the flags the program gave with SIG_DFL */
#define HS_SA_RESTORER 0x04000000   /* the kernel's SA_RESTORER, which glibc sets */

static int (*real_sigaction)(int, const struct sigaction *, struct sigaction *);
static sighandler_t (*real_signal)(int, sighandler_t);
static int (*real_execve)(const char *, char *const[], char *const[]);
static int (*real_execv)(const char *, char *const[]);
static int (*real_execvp)(const char *, char *const[]);
static int (*real_execvpe)(const char *, char *const[], char *const[]);
static int (*real_fexecve)(int, char *const[], char *const[]);
static void (*real_abort)(void);

/* A spare stack on which a fatal signal's handler ends the record.  The
 * handler may run where little stack is left: a program's SIGSEGV
 * handler on a small alternate stack that calls abort() (Rust's runtime
 * does so on every thread's stack overflow, with 8 KiB) runs our SIGABRT
 * handler below its own frames, and ending the record takes more than
 * is left there.  One handler at a time uses it (end_record runs once
 * anyway); another runs on its own stack. */
#define HS_SPARE_STACK_BYTES ((size_t)64 << 10)
static char *g_spare_stack_top;
static atomic_int g_spare_stack_busy;

static void make_spare_stack(void)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	char *p = mmap(NULL, HS_SPARE_STACK_BYTES + page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		return;
	mprotect(p, page, PROT_NONE); /* a guard page below */
	g_spare_stack_top = p + page + HS_SPARE_STACK_BYTES;
}

/* Call fn(arg) with the stack pointer at top (16-byte aligned).  Where
 * the architecture has no switch here, fn runs on the current stack. */
static void call_on_stack(void (*fn)(void *), void *arg, char *top)
{
#if defined(__x86_64__)
	/* rbx is callee-saved: it holds the old stack pointer across the
	 * call; every caller-saved register is clobbered by the call. */
	__asm__ volatile("mov %%rsp, %%rbx\n\t"
			 "mov %[top], %%rsp\n\t"
			 "call *%[fn]\n\t"
			 "mov %%rbx, %%rsp"
			 : "+D"(arg), [fn] "+r"(fn), [top] "+r"(top)
			 :
			 : "rbx", "rax", "rcx", "rdx", "rsi", "r8", "r9", "r10", "r11", "xmm0",
			   "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9",
			   "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15", "memory", "cc");
#elif defined(__aarch64__)
	register void *x0 __asm__("x0") = arg;
	__asm__ volatile("mov x19, sp\n\t"
			 "mov sp, %[top]\n\t"
			 "blr %[fn]\n\t"
			 "mov sp, x19"
			 : "+r"(x0), [fn] "+r"(fn), [top] "+r"(top)
			 :
			 : "x19", "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "x10",
			   "x11", "x12", "x13", "x14", "x15", "x16", "x17", "x18", "x30", "v0",
			   "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v16", "v17", "v18", "v19",
			   "v20", "v21", "v22", "v23", "v24", "v25", "v26", "v27", "v28", "v29",
			   "v30", "v31", "memory", "cc");
#else
	(void)top;
	fn(arg);
#endif
}

static void end_record_on_signal(void *how)
{
	end_record(how, END_KEEP);
}

/* End the record as killed by sig ("signal 6 (SIGABRT)"), on the spare
 * stack when it is free. */
static void end_record_for_signal(int sig)
{
	char how[48];
	const char *name = signal_name(sig);
	size_t len;

	memcpy(how, "signal ", 7);
	len = 7;
	len += put_decimal(how + len, (uint64_t)sig);
	how[len++] = ' ';
	how[len++] = '(';
	memcpy(how + len, name, strlen(name));
	len += strlen(name);
	how[len++] = ')';
	how[len] = '\0';
	if (g_spare_stack_top != NULL && atomic_exchange(&g_spare_stack_busy, 1) == 0) {
		call_on_stack(end_record_on_signal, how, g_spare_stack_top);
		atomic_store(&g_spare_stack_busy, 0);
	} else {
		end_record(how, END_KEEP);
	}
}

/* Put sig back at its default disposition, our handler gone. */
static void restore_default(int sig)
{
	struct sigaction dfl;

	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	dfl.sa_flags = g_sig_flags[sig] & ~HS_SA_RESTORER; /* the program's */
	atomic_store(&g_sig_ours[sig], 0);
	real_sigaction(sig, &dfl, NULL);
}

/* Handler for a fatal signal left at its default: end the record, then
 * die of the same signal with the default disposition, as the program
 * would have (same wait status, same core dump). */
static void on_fatal_signal(int sig, siginfo_t *info, void *uctx)
{
	sigset_t set;

	(void)uctx;
	/* Interrupted inside the recorder: leave it be (end_record checks). */
	end_record_for_signal(sig);
	restore_default(sig);
	/* A fault the kernel raised (si_code > 0) happens again on return, now
	 * at default: the core shows the faulting instruction, as natively. */
	if (info != NULL && info->si_code > 0 &&
	    (sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL))
		return;
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

/* Install our handler on sig with the program's flags and mask.  On the
 * alternate stack when one is set: a stack overflow still ends the record. */
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
	/* What reading it back shows natively: none at start-up, else the
	 * program's flags with the restorer glibc adds. */
	g_sig_flags[sig] = like != NULL ? like->sa_flags | HS_SA_RESTORER : 0;
	sa.sa_flags |= SA_SIGINFO | SA_ONSTACK;
	sa.sa_sigaction = on_fatal_signal;
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
	real_abort = (void (*)(void))dlsym(RTLD_NEXT, "abort");
	real_close = (int (*)(int))dlsym(RTLD_NEXT, "close");
	real_dup2 = (int (*)(int, int))dlsym(RTLD_NEXT, "dup2");
	real_dup3 = (int (*)(int, int, int))dlsym(RTLD_NEXT, "dup3");
	hs_real_usable_size = (size_t(*)(void *))dlsym(RTLD_NEXT, "malloc_usable_size");
	atomic_thread_fence(memory_order_release);
	real_sigaction = (int (*)(int, const struct sigaction *, struct sigaction *))dlsym(
		RTLD_NEXT, "sigaction");
}

/* Make sure the real functions are known (from any wrapper). */
static void need_reals(void)
{
	if (HS_UNLIKELY(real_sigaction == NULL)) {
		hs_tl_guard++;
		resolve_reals();
		hs_tl_guard--;
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
	    has_record()) {
		/* Back to the default: we end the record first, then the default happens. */
		rc = real_sigaction(sig, NULL, old);
		if (rc == 0)
			take_signal(sig, act);
	} else {
		rc = real_sigaction(sig, act, old);
		if (rc == 0 && act != NULL)
			atomic_store(&g_sig_ours[sig], 0); /* the program's own: we step aside */
	}
	/* The program sees the default where our handler stands. */
	if (rc == 0 && old != NULL && ours && (old->sa_flags & SA_SIGINFO) &&
	    old->sa_sigaction == on_fatal_signal) {
		old->sa_handler = SIG_DFL;
		old->sa_flags = g_sig_flags[sig];
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

/* abort() with SIGABRT at its default: the record ends before the
 * signal, which then comes at the default, without our handler.  That
 * handler needs a signal frame of its own (up to 3 KiB with AVX-512's
 * state), and programs call abort() where none fits: Rust's handler of a
 * thread's stack overflow does so on that thread's 8 KiB alternate
 * stack, and the kernel then killed the program with SIGSEGV, not SIGABRT.
 * A program's own SIGABRT handler (which may not return) is left to run. */
HS_EXPORT void abort(void)
{
	need_reals();
	if (atomic_load(&g_sig_ours[SIGABRT])) {
		end_record_for_signal(SIGABRT);
		restore_default(SIGABRT);
	}
	if (real_abort != NULL)
		real_abort();
	raise(SIGABRT); /* no next abort: what it does at the default */
	for (;;)
		syscall(SYS_exit_group, 128 + SIGABRT);
}

/* The main thread's alternate signal stack, when the program has none: a
 * stack overflow's SIGSEGV then still runs our handler.  Threads the
 * program creates get none from us (we do not wrap pthread_create): an
 * overflow there dies natively, and the record stays valid up to its last
 * flush.  The program may replace it with its own at any time. */
#define HS_ALTSTACK_BYTES ((size_t)64 << 10)

static void set_altstack(void)
{
	stack_t cur, ss;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	char *p;

	if (sigaltstack(NULL, &cur) != 0 || !(cur.ss_flags & SS_DISABLE))
		return;
	/* One guard page below, so an overflow of the handler itself faults. */
	p = mmap(NULL, HS_ALTSTACK_BYTES + page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return;
	mprotect(p, page, PROT_NONE);
	memset(&ss, 0, sizeof(ss));
	ss.ss_sp = p + page;
	ss.ss_size = HS_ALTSTACK_BYTES;
	if (sigaltstack(&ss, NULL) != 0)
		munmap(p, HS_ALTSTACK_BYTES + page);
}

/* At start-up: take every fatal signal the program left at default. */
static void install_signal_handlers(void)
{
	set_altstack();
	make_spare_stack();
	for (size_t i = 0; i < N_FATAL; i++) {
		struct sigaction cur;
		int sig = g_fatal_signals[i];

		if (real_sigaction(sig, NULL, &cur) == 0 && cur.sa_handler == SIG_DFL &&
		    !(cur.sa_flags & SA_SIGINFO))
			take_signal(sig, NULL);
	}
}

/* ---------------------------------------------------------------------
 * seccomp: after it, a system call of ours may kill the program
 * ------------------------------------------------------------------- */

static void hide_from_children(void);

/* Every fatal signal we took back at its default, with the program's
 * flags: our handler's system calls would be refused too. */
static void release_signals(void)
{
	for (size_t i = 0; i < N_FATAL; i++)
		if (atomic_load(&g_sig_ours[g_fatal_signals[i]]))
			restore_default(g_fatal_signals[i]);
}

/* The program is about to turn seccomp on (strict: only read, write,
 * exit and sigreturn are left; else a filter, which may refuse or punish
 * any system call of ours: the recorder's writes, its own heap's mmap,
 * the end report).  Whether the call will succeed is not known yet, so
 * recording ends here, as at an exit, while every call still works: the
 * file holds the program until now, and later heap calls go straight to
 * glibc (no tag either: the shadow's pages are mmap'd). */
static void end_for_seccomp(int strict)
{
	need_reals();
	/* Not in a vfork child (its memory is its parent's), nor inside the
	 * recorder (a signal handler's call). */
	if ((pid_t)syscall(SYS_getpid) != g_pid || hs_tl_guard != 0)
		return;
	release_signals();
	/* Nor do its children record under the filter (--trace-children):
	 * their start-up calls could be refused as well.  (An exec of this
	 * process is no longer followed once the record has ended.) */
	if (g_opts.trace_children)
		hide_from_children();
	if (!has_record() || atomic_load(&g_ended)) {
		hs_preload_tag_early = 0;
		return;
	}
	g_end_early_reason = strict ? "the program turned on seccomp's strict mode, in which the"
				      " recorder can make no system call"
				    : "the program installed a seccomp filter, which may refuse the"
				      " recorder's system calls";
	end_record("", END_KEEP);
	hs_preload_tag_early = 0;
	say("heapsnap: ");
	say(g_end_early_reason);
	say(": recording stopped there; ");
	say(g_out_path);
	say(" holds the program until then\n");
}

#if HS_HAVE_RAW_SYSCALL
/* The kernel's answer as glibc's wrappers give it: -1 and errno. */
static long syscall_result(long ret)
{
	if ((unsigned long)ret > -4096UL) {
		errno = (int)-ret;
		return -1;
	}
	return ret;
}

/* prctl(PR_SET_SECCOMP, ...) (OpenSSH's and vsftpd's sandboxes, libseccomp
 * without the seccomp system call): the record ends first. */
HS_EXPORT int prctl(int option, ...)
{
	va_list ap;
	unsigned long a2, a3, a4, a5;

	va_start(ap, option);
	a2 = va_arg(ap, unsigned long);
	a3 = va_arg(ap, unsigned long);
	a4 = va_arg(ap, unsigned long);
	a5 = va_arg(ap, unsigned long);
	va_end(ap);
	if (option == PR_SET_SECCOMP)
		end_for_seccomp(a2 == SECCOMP_MODE_STRICT);
	return (int)syscall_result(hs_raw_syscall6(SYS_prctl, option, (long)a2, (long)a3,
						   (long)a4, (long)a5, 0));
}

/* syscall(SYS_seccomp, ...) (libseccomp's seccomp_load, most programs
 * that filter) and syscall(SYS_prctl, PR_SET_SECCOMP, ...): the record
 * ends first.  Every other number is passed on as glibc's syscall() does:
 * six arguments read whatever the caller gave. */
HS_EXPORT long syscall(long n, ...)
{
	va_list ap;
	long a1, a2, a3, a4, a5, a6;

	va_start(ap, n);
	a1 = va_arg(ap, long);
	a2 = va_arg(ap, long);
	a3 = va_arg(ap, long);
	a4 = va_arg(ap, long);
	a5 = va_arg(ap, long);
	a6 = va_arg(ap, long);
	va_end(ap);
	if (HS_UNLIKELY(n == SYS_seccomp || n == SYS_prctl)) {
		if (n == SYS_seccomp &&
		    (a1 == SECCOMP_SET_MODE_STRICT || a1 == SECCOMP_SET_MODE_FILTER))
			end_for_seccomp(a1 == SECCOMP_SET_MODE_STRICT);
		else if (n == SYS_prctl && a1 == PR_SET_SECCOMP)
			end_for_seccomp(a2 == SECCOMP_MODE_STRICT);
	}
	return syscall_result(hs_raw_syscall6(n, a1, a2, a3, a4, a5, a6));
}
#endif

/* ---------------------------------------------------------------------
 * exec: the image goes away, so end the record first (when the exec can work)
 * ------------------------------------------------------------------- */

extern char **environ;
static char **follow_env(char *const envp[]);
static int exec_failed(char **env);

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

/* End the record when the exec can succeed, then exec: with our
 * environment back when the started process is followed (follow_env). */
HS_EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
	need_reals();
	if (access(path, X_OK) == 0) {
		char **env = follow_env(envp);
		end_for_exec(env != NULL);
		if (env != NULL)
			return real_execve(path, argv, env), exec_failed(env);
	}
	return real_execve(path, argv, envp);
}

/* As execve, with environ. */
HS_EXPORT int execv(const char *path, char *const argv[])
{
	need_reals();
	if (access(path, X_OK) == 0) {
		char **env = follow_env(environ);
		end_for_exec(env != NULL);
		if (env != NULL)
			return real_execve(path, argv, env), exec_failed(env);
	}
	return real_execv(path, argv);
}

/* End the record when PATH has the program, then exec (as execve). */
HS_EXPORT int execvp(const char *file, char *const argv[])
{
	need_reals();
	if (findable(file)) {
		char **env = follow_env(environ);
		end_for_exec(env != NULL);
		if (env != NULL)
			return real_execvpe(file, argv, env), exec_failed(env);
	}
	return real_execvp(file, argv);
}

/* End the record when PATH has the program, then exec (as execve). */
HS_EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
	need_reals();
	if (findable(file)) {
		char **env = follow_env(envp);
		end_for_exec(env != NULL);
		if (env != NULL)
			return real_execvpe(file, argv, env), exec_failed(env);
	}
	return real_execvpe(file, argv, envp);
}

/* End the record, then exec the open file (as execve). */
HS_EXPORT int fexecve(int fd, char *const argv[], char *const envp[])
{
	need_reals();
	char **env = follow_env(envp);
	end_for_exec(env != NULL);
	if (env != NULL)
		return real_fexecve(fd, argv, env), exec_failed(env);
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
 * dlclose: the module may be unmapped, so the record notes where it was
 * ------------------------------------------------------------------- */

/* dlopen is not wrapped: glibc's dlopen looks at its caller (the caller's
 * RUNPATH and $ORIGIN, its namespace), and a wrapper would make that
 * libheapsnap.so, changing which library a program loads.  The record
 * needs no map after each dlopen: a module still loaded at the end is in
 * the final map, and one that is dlclose'd is in the map taken just before
 * its dlclose (when anything was loaded since the last one), with an
 * unloaded note after it. */

/* Where an object is mapped: its base and name find it among the loaded
 * objects, its PT_LOAD segments give the range; adds is the loader's count
 * of objects ever loaded. */
struct object_range {
	uintptr_t base;
	const char *name;
	uintptr_t start, end;
	int found;
	unsigned long long adds;
};

static int find_object_range(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct object_range *r = arg;

	if (size >= offsetof(struct dl_phdr_info, dlpi_subs))
		r->adds = info->dlpi_adds;
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
	int recording = atomic_load(&hs_preload_state) == HS_ST_READY;
	int rc;

	if (real_dlclose == NULL) {
		hs_tl_guard++;
		real_dlclose = (int (*)(void *))dlsym(RTLD_NEXT, "dlclose");
		hs_tl_guard--;
	}
	/* Remember where the object is, so that if this unmaps it, its
	 * addresses are not named after whatever is mapped there later. */
	hs_tl_guard++;
	if (dlinfo(handle, RTLD_DI_LINKMAP, &lm) == 0 && lm != NULL && lm->l_name != NULL &&
	    lm->l_name[0] != '\0') {
		snprintf(name, sizeof(name), "%s", lm->l_name);
		r.base = lm->l_addr;
		r.name = name;
		dl_iterate_phdr(find_object_range, &r);
		/* Loaded since the last map: the record gets a map with it. */
		if (recording && r.found && r.adds != g_maps_adds) {
			g_maps_adds = r.adds;
			note_maps_if_new(1);
		}
	}
	hs_tl_guard--;
	rc = real_dlclose(handle);
	if (r.found && r.start < r.end) {
		uintptr_t start = r.start, end = r.end;
		hs_tl_guard++;
		r.found = 0;
		dl_iterate_phdr(find_object_range, &r);
		if (!r.found && recording)
			note_unloaded(start, end, name);
		hs_tl_guard--;
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
	hs_tl_guard++;
	hs_freeq_flush();
	hs_rec_atfork_prepare();
	hs_ownheap_atfork_prepare(); /* last: the steps above may allocate */
}

/* The parent goes on recording. */
static void on_fork_parent(void)
{
	hs_ownheap_atfork_parent();
	hs_rec_atfork_parent();
	hs_tl_guard--;
}

/* The child records on in a raw record of its own, with its own pid. */
static void on_fork_child(void)
{
	hs_ownheap_atfork_child();
	hs_rec_atfork_child();
	g_pid = (pid_t)syscall(SYS_getpid);
	/* Only the started process and its descendants follow: the first
	 * fork from it notes its image; deeper ones keep that. */
	if (g_follow_exec && g_forked_by_image == 0)
		g_forked_by_image = g_exec_gen + 1;
	/* The parent's record is the parent's: never written from here. */
	if (g_raw_fd >= 0)
		syscall(SYS_close, g_raw_fd);
	g_raw_fd = -1;
	g_live_slot = NULL; /* the parent's: begin_record claims the child's own */
	if (g_statm_fd >= 0)
		open_statm(); /* the inherited one reads the parent's memory */
	atomic_store(&g_ended, 0);
	atomic_flag_clear(&g_maps_busy); /* its reader, if any, was another thread */
	if (has_record() &&
	    (hs_outfile_child_pattern(g_pattern, sizeof(g_pattern)) != 0 || begin_record() != 0))
		atomic_store(&hs_preload_state, HS_ST_OFF); /* no record of its own */
	hs_tl_guard--;
}

/* ---------------------------------------------------------------------
 * Start-up
 * ------------------------------------------------------------------- */

/* Where relative file names go: the launcher's directory
 * (HEAPSNAP_BASE_DIR), the same for every process it records; without
 * the launcher, this process's directory at start, as Valgrind's. */
static void set_base_dir(void)
{
	const char *dir = getenv("HEAPSNAP_BASE_DIR");
	if (dir != NULL && dir[0] == '/' && strlen(dir) < sizeof(g_base_dir)) {
		memcpy(g_base_dir, dir, strlen(dir) + 1);
		return;
	}
	if (getcwd(g_base_dir, sizeof(g_base_dir)) == NULL)
		g_base_dir[0] = '\0';
}

/* The command line from /proc/self/cmdline, arguments joined by spaces. */
static void read_cmdline(void)
{
	int fd = hs_nc_open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC, 0);
	size_t len = 0;

	if (fd >= 0) {
		ssize_t n;
		while (len < sizeof(g_cmd) - 1 &&
		       (n = hs_nc_read(fd, g_cmd + len, sizeof(g_cmd) - 1 - len)) > 0)
			len += (size_t)n;
		hs_nc_close(fd);
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

/* The variables the launcher sets for the library, besides LD_PRELOAD. */
static const char *const our_env_names[] = {
	"HEAPSNAP_OPTIONS", "HEAPSNAP_REPORT_FD", "HEAPSNAP_LIVE_FD",
	"HEAPSNAP_LAUNCHER", "HEAPSNAP_EXEC_PID", "HEAPSNAP_REPLACES", "HEAPSNAP_EXEC_GEN",
	"HEAPSNAP_BASE_DIR",
};

#define N_OUR_ENV (sizeof(our_env_names) / sizeof(our_env_names[0]))

/* Whether the environment entry is one of them. */
static int is_our_env(const char *entry)
{
	if (strncmp(entry, "HEAPSNAP_", 9) != 0)
		return 0;
	for (size_t i = 0; i < N_OUR_ENV; i++)
		if (env_is(entry, our_env_names[i]))
			return 1;
	return 0;
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

/* Children are not followed: hide us from them.  environ gets a new array
 * from our own heap (system(), popen() and posix_spawn() see it too); the
 * kernel's array on the stack is left as it was, because Go's runtime finds
 * the auxiliary vector by walking past envp's NULL, and an array shortened
 * in place made it read environment pointers as auxv (Go aborted with
 * "failed to get system page size"). */
static void hide_from_children(void)
{
	extern char **environ;
	char **in, **out, **copy;
	size_t n = 1;

	for (in = environ; *in != NULL; in++)
		n++;
	copy = hs_ownheap_malloc(n * sizeof(*copy));
	if (copy == NULL)
		return; /* children are then recorded too: better than a broken stack */
	for (in = environ, out = copy; *in != NULL; in++) {
		if (is_our_env(*in))
			continue;
		if (env_is(*in, "LD_PRELOAD")) {
			strip_preload(*in + strlen("LD_PRELOAD="));
			if ((*in)[strlen("LD_PRELOAD=")] == '\0')
				continue;
		}
		*out++ = *in;
	}
	*out = NULL;
	environ = copy;
}

/* ---------------------------------------------------------------------
 * --follow-exec: the process the launcher started is recorded as the
 * program it becomes by exec.  A pyenv or rbenv shim, env, nice, a shell
 * script ending in exec, `cargo run`: each replaces itself with the program
 * the user meant, and its own first image is of no interest.  The started
 * process only (HEAPSNAP_EXEC_PID): its forked children end their records
 * at exec, as Massif's do.  Children's environment stays without the
 * library (hide_from_children); an exec of the started process gets it
 * back, whatever environment the program passes.
 * ------------------------------------------------------------------- */

static const char *g_exec_env[N_OUR_ENV]; /* our entries, as the launcher set them */
static unsigned g_n_exec_env;
static char *g_our_preload; /* our library as LD_PRELOAD names it */
static char g_replaces_env[sizeof("HEAPSNAP_REPLACES=") + sizeof(g_raw_path)];
static char g_exec_gen_env[sizeof("HEAPSNAP_EXEC_GEN=") + 12];

/* Before hide_from_children: whether this process's execs are followed,
 * and what their environment gets back.  Own heap only. */
static void keep_exec_env(void)
{
	extern char **environ;
	const char *pid_text = getenv("HEAPSNAP_EXEC_PID");
	long pid = 0;

	if (!g_opts.follow_exec || g_opts.trace_children || pid_text == NULL)
		return;
	for (; *pid_text >= '0' && *pid_text <= '9'; pid_text++)
		pid = pid * 10 + (*pid_text - '0');
	if (*pid_text != '\0' || pid != (long)g_pid)
		return;
	for (char **e = environ; *e != NULL; e++) {
		if (env_is(*e, "HEAPSNAP_REPLACES") || env_is(*e, "HEAPSNAP_EXEC_GEN")) {
			continue; /* each handover says its own */
		} else if (is_our_env(*e) && g_n_exec_env < N_OUR_ENV) {
			g_exec_env[g_n_exec_env++] = *e; /* not changed by hide_from_children */
		} else if (env_is(*e, "LD_PRELOAD") && g_our_preload == NULL) {
			/* Our element of the list (the launcher put it first). */
			const char *v = *e + strlen("LD_PRELOAD=");
			size_t len = strcspn(v, ": ");
			if (len < strlen("libheapsnap.so") ||
			    strncmp(v + len - strlen("libheapsnap.so"), "libheapsnap.so",
				    strlen("libheapsnap.so")) != 0)
				return;
			g_our_preload = hs_ownheap_malloc(len + 1);
			if (g_our_preload == NULL)
				return;
			memcpy(g_our_preload, v, len);
			g_our_preload[len] = '\0';
		}
	}
	g_follow_pid = g_pid;
	g_follow_exec = g_our_preload != NULL;
	{
		const char *gen = getenv("HEAPSNAP_EXEC_GEN");
		if (gen != NULL)
			g_exec_gen = (unsigned)strtoul(gen, NULL, 10);
	}
}

/* A record handed over by the exec that made this image, if this is the
 * started process (HEAPSNAP_REPLACES). */
static void take_handover(void)
{
	const char *path = getenv("HEAPSNAP_REPLACES");
	const char *pid_text = getenv("HEAPSNAP_EXEC_PID");

	if (path == NULL || pid_text == NULL || strtol(pid_text, NULL, 10) != (long)g_pid ||
	    strlen(path) >= sizeof(g_replaces))
		return;
	strcpy(g_replaces, path);
}

/* The environment for an exec of the started process that is followed:
 * envp less any of our entries, then ours, and LD_PRELOAD with our
 * library first.  NULL when not followed (another process, recording
 * over, --follow-exec=no) or out of memory: the exec then goes as asked. */
static char **follow_env(char *const envp[])
{
	const char *theirs = NULL;
	size_t n = 0, at = 0;
	char **out;
	char *preload;

	if (!g_follow_exec || (pid_t)syscall(SYS_getpid) != g_follow_pid || !has_record() ||
	    atomic_load(&g_ended))
		return NULL;
	while (envp != NULL && envp[n] != NULL)
		n++;
	out = hs_ownheap_malloc((n + N_OUR_ENV + 4) * sizeof(*out));
	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (is_our_env(envp[i]))
			continue;
		if (env_is(envp[i], "LD_PRELOAD"))
			theirs = envp[i] + strlen("LD_PRELOAD=");
		else
			out[at++] = envp[i];
	}
	for (unsigned i = 0; i < g_n_exec_env; i++)
		out[at++] = (char *)g_exec_env[i];
	/* The record the new image takes over (open_raw), and its number. */
	snprintf(g_replaces_env, sizeof(g_replaces_env), "HEAPSNAP_REPLACES=%s", g_raw_path);
	out[at++] = g_replaces_env;
	snprintf(g_exec_gen_env, sizeof(g_exec_gen_env), "HEAPSNAP_EXEC_GEN=%u", g_exec_gen + 1);
	out[at++] = g_exec_gen_env;
	{
		size_t ours = strlen(g_our_preload);
		size_t len = strlen("LD_PRELOAD=") + ours + 1 + (theirs ? strlen(theirs) : 0) + 1;
		char *tail;
		preload = hs_ownheap_malloc(len);
		if (preload == NULL) {
			hs_ownheap_free(out);
			return NULL;
		}
		memcpy(preload, "LD_PRELOAD=", strlen("LD_PRELOAD="));
		memcpy(preload + strlen("LD_PRELOAD="), g_our_preload, ours);
		tail = preload + strlen("LD_PRELOAD=") + ours;
		*tail = '\0';
		if (theirs != NULL) {
			/* The program's own list, less any copy of ours. */
			strcpy(tail + 1, theirs);
			strip_preload(tail + 1);
			if (tail[1] != '\0')
				*tail = ':';
		}
		out[at++] = preload;
	}
	out[at] = NULL;
	return out;
}

/* After a followed exec failed: give its environment back; errno kept. */
static int exec_failed(char **env)
{
	int saved = errno;
	for (char **e = env; *e != NULL; e++) {
		if (env_is(*e, "LD_PRELOAD")) {
			hs_ownheap_free(*e);
			break;
		}
	}
	hs_ownheap_free(env);
	errno = saved;
	return -1;
}

/* Find the launcher's channel (HEAPSNAP_REPORT_FD, a socket), if any. */
static void open_report_fd(void)
{
	const char *v = getenv("HEAPSNAP_REPORT_FD");
	struct stat st;
	int fd = 0;

	if (v == NULL || *v == '\0')
		return;
	for (; *v >= '0' && *v <= '9'; v++)
		fd = fd * 10 + (*v - '0');
	if (*v != '\0' || fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode))
		return;
	g_report_fd = fd;
	g_report_dev = st.st_dev;
	g_report_ino = st.st_ino;
	/* Not followed across exec unless children are traced. */
	if (!g_opts.trace_children)
		fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | FD_CLOEXEC);
}

/* Longest wait for the launcher's answer to "fnranges": it reads the
 * symbol tables of every module we have mapped (a large C++ program on a
 * loaded machine: seconds).  Past it, the resolver decides alone: a stuck
 * launcher must not hold the program's start much longer. */
#define HS_FNRANGES_WAIT_MS 5000

/* With --ignore-fn and the launcher there: ask it for the code ranges of
 * the --alloc-fn and --ignore-fn functions in our modules, so the recorder
 * ignores those allocations as Massif does (fnranges.h), from the first
 * one.  Runs before recording starts; raw system calls and one mapping, no
 * malloc.  Without an answer, --ignore-fn is applied by the resolver only
 * (the blocks then count in the totals). */
static void fetch_fn_ranges(void)
{
	if (g_opts.n_ignore_fns == 0 || g_report_fd < 0 || !channel_ours())
		return;
	/* A socket, not a pipe: the launcher sends with MSG_NOSIGNAL, so our
	 * giving up (or dying) costs it EPIPE, never SIGPIPE.  p[1] is its end. */
	int p[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p) != 0)
		return;
	char line[32] = "fnranges ";
	size_t len = strlen(line);
	len += put_decimal(line + len, (uint64_t)g_pid);
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	memset(&ctl, 0, sizeof(ctl));
	struct iovec iov = { line, len };
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = ctl.buf,
			     .msg_controllen = sizeof(ctl.buf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &p[1], sizeof(int));
	/* A full queue (other processes reporting) is waited on, within the
	 * same bound as the answer: a launcher that stopped reading must not
	 * hang the program. */
	ssize_t sent;
	int waited_ms = 0;
	for (;;) {
		sent = hs_nc_sendmsg(g_report_fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (sent >= 0 || (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) ||
		    waited_ms >= HS_FNRANGES_WAIT_MS)
			break;
		struct pollfd pfd = { .fd = g_report_fd, .events = POLLOUT };
		hs_nc_poll(&pfd, 1, 10);
		waited_ms += 10;
	}
	hs_nc_close(p[1]); /* the launcher's copy is the only one left: EOF when it is done */
	size_t cap = 8 + (size_t)HS_FNRANGES_MAX * sizeof(struct hs_fn_range);
	char *buf = sent < 0 ? MAP_FAILED
			     : mmap(NULL, cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				    -1, 0);
	size_t got = 0;
	while (buf != MAP_FAILED && got < cap) {
		struct pollfd pfd = { .fd = p[0], .events = POLLIN };
		int rc = hs_nc_poll(&pfd, 1, 100);
		if (rc < 0 && errno != EINTR)
			break;
		if (rc <= 0) {
			if ((waited_ms += 100) >= HS_FNRANGES_WAIT_MS)
				break;
			continue;
		}
		ssize_t r = hs_nc_read(p[0], buf + got, cap - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	hs_nc_close(p[0]);
	/* Once: the user asked for --ignore-fn and gets it later than asked
	 * (the blocks count in the totals, the resolver drops them). */
	if (waited_ms >= HS_FNRANGES_WAIT_MS)
		say_line("no answer from the launcher about --ignore-fn's functions in 5 s; "
			 "they are ignored after the run instead");
	if (buf == MAP_FAILED)
		return;
	uint32_t head[2];
	if (got >= sizeof(head)) {
		memcpy(head, buf, sizeof(head));
		if (head[0] == HS_FNRANGES_MAGIC && head[1] <= HS_FNRANGES_MAX &&
		    got == sizeof(head) + head[1] * sizeof(struct hs_fn_range))
			/* buf is mmap'd (page-aligned) and head 8 bytes: aligned. */
			hs_rec_set_fn_ranges(
				(const struct hs_fn_range *)(const void *)(buf + sizeof(head)),
				head[1]);
	}
	munmap(buf, cap);
}

/* Whether glibc checks or tags the bytes past a block (MALLOC_CHECK_,
 * or GLIBC_TUNABLES' glibc.malloc.check or glibc.mem.tagging): a size
 * tag there would trip the check or be a tag fault (so --sample is
 * refused, and exact mode keeps every block in its table). */
static int tags_refused(void)
{
	const char *check = getenv("MALLOC_CHECK_");
	const char *t = getenv("GLIBC_TUNABLES");
	return (check != NULL && check[0] != '\0') ||
	       (t != NULL &&
		(strstr(t, "malloc.check") != NULL || strstr(t, "mem.tagging") != NULL));
}

/* The one line saying that another allocator answers the heap calls.
 * The executable's own malloc: the words the launcher used to say for
 * it before the program ran. */
static void say_replaced(void)
{
	say("heapsnap: ");
	if (hs_alloc_replacer_is_program()) {
		say(hs_alloc_replacer());
		say(" defines its own ");
		say(hs_alloc_replaced());
		say(": its heap calls never reach libheapsnap.so, so nothing of them will be "
		    "recorded\n");
	} else {
		say(hs_alloc_replaced());
		say(" is replaced by ");
		say(hs_alloc_replacer());
		say(": nothing will be recorded\n");
	}
}

/* Start-up failed after the options: off for good, no more tags. */
static void start_failed(void)
{
	hs_preload_tag_early = 0;
	hs_preload_sample_bytes = 0;
	hs_preload_exact_tags = 0;
	atomic_store(&hs_preload_state, HS_ST_OFF);
}

/* The decimal value of environment variable name, or -1 when it is unset
 * or not a plain number. */
static long env_number(const char *name)
{
	const char *v = getenv(name);
	long n = 0;

	if (v == NULL || *v == '\0')
		return -1;
	for (; *v >= '0' && *v <= '9'; v++) {
		if (n > INT_MAX / 10)
			return -1;
		n = n * 10 + (*v - '0');
	}
	return *v == '\0' ? n : -1;
}

/* Make the descriptor an inherited variable names close-on-exec, when it
 * is of the kind the launcher passes (a socket, or the live page's file). */
static void close_on_exec(const char *name, int is_sock)
{
	long fd = env_number(name);
	struct stat st;

	if (fd < 0 || fstat((int)fd, &st) != 0 ||
	    (is_sock ? !S_ISSOCK(st.st_mode) : !S_ISREG(st.st_mode)))
		return;
	fcntl((int)fd, F_SETFD, fcntl((int)fd, F_GETFD) | FD_CLOEXEC);
}

/* Whether this image is a child the launcher's run must not record: with
 * --trace-children=no, the process the launcher started (HEAPSNAP_EXEC_PID,
 * followed across its own execs) hides us from its children at start-up
 * (hide_from_children); a process whose parent could not (a statically
 * linked program, which the loader never gave this library, or an exec
 * passing an environment kept from before our start) still finds us in
 * its environment.  Such a process is not recorded, and hides us from its
 * own children, as its parent would have: Massif, like the launcher's
 * advice, records the program alone. */
static int untraced_child(void)
{
	long pid = env_number("HEAPSNAP_EXEC_PID");

	if (g_opts.trace_children || pid <= 0 || pid == (long)g_pid)
		return 0;
	hide_from_children();
	close_on_exec("HEAPSNAP_REPORT_FD", 1);
	close_on_exec("HEAPSNAP_LIVE_FD", 0);
	return 1;
}

/* Start recording: once, from the constructor or the first heap call. */
static void preload_start(void);

/* Start recording.  errno is the program's: C promises it 0 at main, and
 * the start's system calls fail on purpose (libunwind's first read of its
 * own pipe says EAGAIN). */
void hs_preload_start(void)
{
	int saved = errno;
	preload_start();
	errno = saved;
}

static void preload_start(void)
{
	char err[HS_PATH_MAX + 256];
	const char *env;
	int expected = HS_ST_NEW;

	extern char **environ;

	/* Whose malloc this is, before the first block is handed out (a call
	 * from the loader may come before environ). */
	int other = hs_alloc_other();
	/* The loader may call malloc before libc has set environ: we could
	 * not see HEAPSNAP_OPTIONS yet, so wait for a later call. */
	if (environ == NULL)
		return;
	if (!atomic_compare_exchange_strong(&hs_preload_state, &expected, HS_ST_STARTING))
		return; /* another thread is starting us: its calls go unrecorded meanwhile */
	hs_tl_guard++;
	hs_ownheap_init(HS_OWNHEAP_DEFAULT_BYTES);
	resolve_reals();
	find_high_fd_base();
	g_pid = (pid_t)syscall(SYS_getpid);
	hs_options_defaults(&g_opts);
	env = getenv("HEAPSNAP_OPTIONS");
	if (env != NULL && hs_options_parse_string(&g_opts, env, err, sizeof(err)) != 0) {
		say("heapsnap: HEAPSNAP_OPTIONS: ");
		say(err);
		say("; running unrecorded\n");
		hs_preload_tag_early = 0; /* glibc's blocks as they are, for good */
		atomic_store(&hs_preload_state, HS_ST_OFF);
		hs_tl_guard--;
		return;
	}
	if (untraced_child()) {
		start_failed(); /* silently: the program's children run as natively */
		hs_tl_guard--;
		return;
	}
	if (g_fds_no_room) {
		char line[160];
		snprintf(line, sizeof(line),
			 "the open-file limit (%ld) leaves no descriptor for the recorder's files; "
			 "running unrecorded",
			 g_fd_limit);
		say_line(line);
		start_failed();
		hs_tl_guard--;
		return;
	}
	if (other) {
		say_replaced();
		g_opts.sample_bytes = 0; /* nothing is tagged */
	} else if (g_opts.sample_bytes != 0 && tags_refused()) {
		say_line("--sample refused: MALLOC_CHECK_ or GLIBC_TUNABLES' malloc.check or "
			 "mem.tagging is set (glibc checks or tags the bytes past each block, "
			 "where --sample keeps its size tag); recording exactly");
		g_opts.sample_bytes = 0;
	}
	/* Known as early as it can be: whether blocks are tagged. */
	int exact_tags = 0;
	if (g_opts.sample_bytes != 0) {
		hs_shadow_start();
	} else if (!other && !tags_refused()) {
		hs_shadow_start();
		exact_tags = !__atomic_load_n(&hs_shadow_off, __ATOMIC_RELAXED);
	}
	hs_preload_tag_early = g_opts.sample_bytes != 0 || exact_tags;
	snprintf(g_options_text, sizeof(g_options_text), "%s", env != NULL ? env : "");
	set_base_dir();
	if (g_opts.log_file[0] != '\0') {
		int fd = hs_outfile_open_log(g_opts.log_file, g_pid, g_base_dir, err, sizeof(err));
		if (fd < 0)
			say_line(err);
		hs_log_set_fd(fd);
	} else {
		hs_log_set_fd(g_opts.log_fd);
	}
	memcpy(g_pattern, g_opts.out_file, sizeof(g_pattern));
	read_cmdline();
	open_report_fd();
	open_live_page();
	keep_exec_env();
	take_handover();
	if (!g_opts.trace_children)
		hide_from_children();
	hs_preload_max_frames =
		g_opts.depth + 50 < HS_MAX_FRAMES ? g_opts.depth + 50 : HS_MAX_FRAMES;
	/* Fixed before the state turns ready (which publishes it): every block
	 * from then on is tagged (sizetag.h) in sampling mode, and in exact
	 * mode with tags. */
	hs_preload_sample_bytes = g_opts.sample_bytes;
	hs_preload_exact_tags = exact_tags;
	/* HEAPSNAP_UNWINDER=libunwind: every stack through libunwind alone. */
	env = getenv("HEAPSNAP_UNWINDER");
	if (!other)
		hs_unwind_init(env == NULL || strcmp(env, "libunwind") != 0);
	hs_rec_set_hooks(__libc_free, hs_preload_move_guard);
	hs_rec_set_raw_reopen(reopen_raw);
	hs_rec_set_live_side(open_live_side, live_side_done);
	g_page_bytes = (uint64_t)sysconf(_SC_PAGESIZE);
	open_statm();
	hs_rec_set_memory_probe(read_statm);
	hs_shadow_set_heap_probe(hs_rec_heap_now);
	if (hs_rec_init(&g_opts) != 0) {
		say_line("out of memory, recording stopped");
		start_failed();
		hs_tl_guard--;
		return;
	}
	if (begin_record() != 0) {
		start_failed();
		hs_tl_guard--;
		return;
	}
	if (!other)
		fetch_fn_ranges();
	install_signal_handlers();
	atomic_store_explicit(&hs_preload_state, other ? HS_ST_BYPASS : HS_ST_READY,
			      memory_order_release);
	hs_tl_guard--;
}

/* Start at load time unless a heap call already started us. */
__attribute__((constructor)) static void lib_ctor(void)
{
	int saved = errno;

	if (atomic_load(&hs_preload_state) == HS_ST_NEW)
		hs_preload_start();
	/* Not in hs_preload_start: a start inside malloc may be inside
	 * __register_atfork, which allocates holding the lock pthread_atfork
	 * takes, or inside the loader, whose lock dladdr takes. */
	if (has_record()) {
		hs_tl_guard++;
		pthread_atfork(on_fork_prepare, on_fork_parent, on_fork_child);
		find_launcher();
		hs_tl_guard--;
	}
	errno = saved;
}
