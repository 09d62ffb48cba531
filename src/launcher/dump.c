/* dump: live dumps, the launcher's side (see dump.h). */
#include "config.h"

#include "dump.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "outfile.h"
#include "resolve.h"

/* How long the client waits for the launcher's answer: resolving a big
 * program's record names every frame with libdw. */
#define HS_DUMP_CLIENT_WAIT_MS 300000
/* How long a worker waits for the client's request. */
#define HS_DUMP_REQUEST_WAIT_MS 2000

int hs_dump_page_create(struct hs_live_page **page)
{
	int fd = memfd_create("heapsnap-live", MFD_CLOEXEC);
	if (fd < 0)
		return -1;
	void *p = MAP_FAILED;
	if (ftruncate(fd, sizeof(struct hs_live_page)) == 0)
		p = mmap(NULL, sizeof(struct hs_live_page), PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			 0);
	if (p == MAP_FAILED) {
		close(fd);
		return -1;
	}
	*page = p;
	(*page)->n_slots = HS_LIVE_SLOTS;
	(*page)->magic = HS_LIVE_MAGIC;
	return fd;
}

/* The socket address "\0heapsnap-live-PID"; its length into *len. */
static void live_address(pid_t pid, struct sockaddr_un *a, socklen_t *len)
{
	memset(a, 0, sizeof *a);
	a->sun_family = AF_UNIX;
	int n = snprintf(a->sun_path + 1, sizeof a->sun_path - 1, "heapsnap-live-%ld", (long)pid);
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
}

int hs_dump_listen(pid_t self)
{
	struct sockaddr_un a;
	socklen_t len;
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	live_address(self, &a, &len);
	if (bind(fd, (struct sockaddr *)&a, len) != 0 || listen(fd, 16) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int hs_dump_parse_duration(const char *text, long long *ms)
{
	long long v = 0;
	const char *p = text;
	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (*p - '0');
		if (v > 1000000000LL)
			return -1;
	}
	long long unit;
	if (strcmp(p, "ms") == 0)
		unit = 1;
	else if (*p == '\0' || strcmp(p, "s") == 0)
		unit = 1000;
	else if (strcmp(p, "m") == 0 || strcmp(p, "min") == 0)
		unit = 60 * 1000;
	else if (strcmp(p, "h") == 0)
		unit = 3600 * 1000;
	else
		return -1;
	if (v == 0 || v > 100LL * 24 * 3600 * 1000 / unit)
		return -1; /* zero, or more than 100 days */
	*ms = v * unit;
	return 0;
}

/* The slot pid claimed, or NULL. */
static struct hs_live_slot *slot_of(struct hs_live_page *page, pid_t pid)
{
	if (page == NULL)
		return NULL;
	for (unsigned i = 0; i < HS_LIVE_SLOTS; i++)
		if (atomic_load(&page->slots[i].pid) == (uint32_t)pid)
			return &page->slots[i];
	return NULL;
}

char *hs_read_proc_maps(pid_t pid, size_t *len)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%ld/maps", (long)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	size_t cap = 64 << 10, n = 0;
	char *buf = malloc(cap);
	for (;;) {
		if (buf == NULL)
			break;
		if (n == cap) {
			char *b = realloc(buf, cap * 2);
			if (b == NULL) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = b;
			cap *= 2;
		}
		ssize_t k = read(fd, buf + n, cap - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		n += (size_t)k;
	}
	close(fd);
	if (buf != NULL && n == 0) {
		free(buf);
		buf = NULL;
	}
	*len = n;
	return buf;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

int hs_dump_record(struct hs_live_page *page, const struct hs_dump_target *t, char *out,
		   size_t out_len, char *note, size_t note_len, char *err, size_t err_len)
{
	size_t n = strlen(t->raw_path);
	note[0] = '\0';
	if (n <= 4 || strcmp(t->raw_path + n - 4, ".raw") != 0 || n - 4 >= out_len) {
		snprintf(err, err_len, "%s: not a raw record's name", t->raw_path);
		return -1;
	}
	memcpy(out, t->raw_path, n - 4);
	out[n - 4] = '\0';

	/* Ask, and wait for the answer: the program serves it at its next
	 * allocation.  Without a slot (no page, or the record has ended) the
	 * record is read as it stands. */
	struct hs_live_slot *slot = slot_of(page, t->pid);
	uint64_t limit = 0;
	int answered = 0;
	if (slot != NULL) {
		uint64_t want = atomic_fetch_add(&slot->request, 1) + 1;
		int gone = 0;
		for (int waited = 0; waited < HS_DUMP_WAIT_MS; waited++) {
			if (atomic_load(&slot->pid) != (uint32_t)t->pid) {
				gone = 1;
				break;
			}
			if (atomic_load_explicit(&slot->served, memory_order_acquire) >= want) {
				answered = 1;
				break;
			}
			sleep_ms(1);
		}
		/* flushed is read after served: it covers the LIVE record. */
		limit = atomic_load_explicit(&slot->flushed, memory_order_acquire);
		if (gone || atomic_load(&slot->pid) != (uint32_t)t->pid)
			limit = 0, answered = 0; /* ended meanwhile: the whole record is complete */
		else if (!answered)
			snprintf(note, note_len,
				 "process %ld made no heap call in %d ms: %s holds its heap as of "
				 "its last snapshot",
				 (long)t->pid, HS_DUMP_WAIT_MS, out);
	}
	size_t maps_len = 0;
	char *maps = hs_read_proc_maps(t->os_pid, &maps_len);
	int live_taken = 0;
	int rc =
		hs_resolve_live(t->raw_path, limit, answered, maps, maps_len, out, &live_taken, err,
				err_len);
	free(maps);
	return rc;
}

int hs_dump_peer_ok(int conn)
{
	struct ucred cred;
	socklen_t len = sizeof cred;
	return getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 && cred.uid == getuid();
}

/* One message: WORD TEXT. */
static void answer(int conn, const char *word, const char *text)
{
	char msg[HS_PATH_MAX + 512];
	int n = snprintf(msg, sizeof msg, "%s %s", word, text);
	if (n > (int)sizeof msg - 1)
		n = (int)sizeof msg - 1;
	send(conn, msg, (size_t)n, MSG_NOSIGNAL);
}

int hs_dump_serve(int conn, struct hs_live_page *page, pid_t self,
		  const struct hs_dump_target *targets, size_t n)
{
	char req[64];
	struct pollfd pfd = { .fd = conn, .events = POLLIN };
	ssize_t k = -1;
	if (poll(&pfd, 1, HS_DUMP_REQUEST_WAIT_MS) > 0)
		k = recv(conn, req, sizeof req - 1, MSG_DONTWAIT);
	if (k <= 0)
		return 1;
	req[k] = '\0';
	char *end;
	long pid = strncmp(req, "dump ", 5) == 0 ? strtol(req + 5, &end, 10) : -1;
	if (pid < 0 || end == req + 5 || (*end != '\0' && *end != '\n')) {
		answer(conn, "error", "bad request");
		return 1;
	}
	int all = pid == 0 || pid == (long)self;
	int found = 0, errors = 0;
	for (size_t i = 0; i < n; i++) {
		char out[HS_PATH_MAX], note[HS_PATH_MAX + 256], err[HS_PATH_MAX + 256];
		if (!all && targets[i].os_pid != (pid_t)pid && targets[i].pid != (pid_t)pid)
			continue;
		found++;
		if (hs_dump_record(page, &targets[i], out, sizeof out, note, sizeof note, err,
				   sizeof err) != 0) {
			answer(conn, "error", err);
			errors++;
			continue;
		}
		if (note[0] != '\0')
			answer(conn, "note", note);
		answer(conn, "ok", out);
	}
	if (found == 0) {
		char text[256];
		if (all)
			snprintf(text, sizeof text,
				 "heapsnap %ld records no running process (a program that exec'd "
				 "another is recorded only with --trace-children=yes)",
				 (long)self);
		else
			snprintf(text, sizeof text,
				 "process %ld is not a heapsnap recording (heapsnap %ld records "
				 "no such process)",
				 pid, (long)self);
		answer(conn, "error", text);
		errors++;
	}
	return errors;
}

/* ---------------------------------------------------------------------
 * The client: heapsnap --dump PID
 * ------------------------------------------------------------------- */

/* PID's parent from /proc/PID/stat ("pid (comm) state ppid ..."), or 0. */
static pid_t parent_of(pid_t pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t k = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (k <= 0)
		return 0;
	buf[k] = '\0';
	char *paren = strrchr(buf, ')');
	long ppid = 0;
	if (paren == NULL || sscanf(paren + 1, " %*c %ld", &ppid) != 1)
		return 0;
	return (pid_t)ppid;
}

/* HEAPSNAP_LAUNCHER from PID's initial environment, or 0. */
static pid_t launcher_in_environ(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%ld/environ", (long)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	size_t cap = 1 << 20, n = 0;
	char *buf = malloc(cap + 1);
	ssize_t k;
	while (buf != NULL && n < cap && (k = read(fd, buf + n, cap - n)) > 0)
		n += (size_t)k;
	close(fd);
	pid_t found = 0;
	for (size_t i = 0; buf != NULL && i < n; i += strlen(buf + i) + 1) {
		buf[n] = '\0';
		if (strncmp(buf + i, "HEAPSNAP_LAUNCHER=", 18) == 0)
			found = (pid_t)atol(buf + i + 18);
	}
	free(buf);
	return found;
}

/* A connection to launcher's socket, checked to be that process and of
 * our uid (an abstract name can be taken by anyone); -1 when none. */
static int connect_launcher(pid_t launcher)
{
	struct sockaddr_un a;
	socklen_t len;
	struct ucred cred;
	socklen_t clen = sizeof cred;
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	live_address(launcher, &a, &len);
	if (connect(fd, (struct sockaddr *)&a, len) != 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) != 0 || cred.uid != getuid() ||
	    cred.pid != launcher) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A recording without a launcher (LD_PRELOAD set by hand): the page the
 * library made itself ("/memfd:heapsnap-live") and its raw record, found
 * among PID's descriptors; the dump is then asked and resolved here.
 * Returns the exit status, or -1 when PID has no such page (not a
 * recording, or one of another user's: /proc says no). */
static int dump_unlaunched(pid_t pid)
{
	char dir[64], page_path[96] = "", raw[HS_PATH_MAX + 16] = "";
	int raw_fd = -1;
	snprintf(dir, sizeof dir, "/proc/%ld/fd", (long)pid);
	DIR *d = opendir(dir);
	if (d == NULL)
		return -1;
	for (struct dirent *e; (e = readdir(d)) != NULL;) {
		char path[96], link[HS_PATH_MAX + 32];
		if (e->d_name[0] == '.' ||
		    (size_t)snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= sizeof path)
			continue;
		ssize_t n = readlink(path, link, sizeof link - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		int fd = atoi(e->d_name);
		if (strncmp(link, "/memfd:heapsnap-live", 20) == 0) {
			snprintf(page_path, sizeof page_path, "%s", path);
		} else if (n > 4 && strcmp(link + n - 4, ".raw") == 0 && (size_t)n < sizeof raw &&
			   fd > raw_fd) {
			/* The highest: the library moves its own to the top of the
			 * range (1000 and up, or the limit less 64). */
			memcpy(raw, link, (size_t)n + 1);
			raw_fd = fd;
		}
	}
	closedir(d);
	if (page_path[0] == '\0' || raw[0] == '\0')
		return -1;
	int fd = open(page_path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct hs_live_page *page =
		mmap(NULL, sizeof *page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (page == MAP_FAILED)
		return -1;
	if (page->magic != HS_LIVE_MAGIC) {
		munmap(page, sizeof *page);
		return -1;
	}
	struct hs_dump_target t = { pid, pid, raw };
	char out[HS_PATH_MAX], note[HS_PATH_MAX + 256], err[HS_PATH_MAX + 256];
	int rc = hs_dump_record(page, &t, out, sizeof out, note, sizeof note, err, sizeof err);
	munmap(page, sizeof *page);
	if (rc != 0) {
		fprintf(stderr, "heapsnap: --dump %ld: %s\n", (long)pid, err);
		return 1;
	}
	if (note[0] != '\0')
		fprintf(stderr, "heapsnap: %s\n", note);
	printf("%s\n", out);
	return fflush(stdout) == 0 ? 0 : 1;
}

int hs_dump_client(int argc, char **argv)
{
	char *end;
	if (argc != 1) {
		fputs("heapsnap: --dump takes one PID\n", stderr);
		return 2;
	}
	long pid = strtol(argv[0], &end, 10);
	if (end == argv[0] || *end != '\0' || pid <= 0 || pid > 0x3fffffff) {
		fprintf(stderr, "heapsnap: --dump %s: not a process id\n", argv[0]);
		return 2;
	}
	if (kill((pid_t)pid, 0) != 0 && errno == ESRCH) {
		fprintf(stderr, "heapsnap: --dump %ld: no such process\n", pid);
		return 1;
	}
	/* PID's launcher: PID itself, the one its environment names (a
	 * daemon's parent is no longer the launcher), or an ancestor. */
	int conn = connect_launcher((pid_t)pid);
	if (conn < 0) {
		pid_t l = launcher_in_environ((pid_t)pid);
		if (l > 0)
			conn = connect_launcher(l);
	}
	for (pid_t p = parent_of((pid_t)pid); conn < 0 && p > 1; p = parent_of(p))
		conn = connect_launcher(p);
	if (conn < 0) {
		int rc = dump_unlaunched((pid_t)pid);
		if (rc >= 0)
			return rc;
		fprintf(stderr,
			"heapsnap: --dump %ld: not a heapsnap recording (no heapsnap of yours runs it)\n",
			pid);
		return 1;
	}
	char msg[HS_PATH_MAX + 512];
	int n = snprintf(msg, sizeof msg, "dump %ld", pid);
	if (send(conn, msg, (size_t)n, MSG_NOSIGNAL) != n) {
		fprintf(stderr, "heapsnap: --dump %ld: %s\n", pid, strerror(errno));
		close(conn);
		return 1;
	}
	int rc = 1, oks = 0, errors = 0;
	for (;;) {
		struct pollfd pfd = { .fd = conn, .events = POLLIN };
		if (poll(&pfd, 1, HS_DUMP_CLIENT_WAIT_MS) <= 0) {
			fprintf(stderr, "heapsnap: --dump %ld: no answer from heapsnap\n", pid);
			errors++;
			break;
		}
		ssize_t k = recv(conn, msg, sizeof msg - 1, 0);
		if (k <= 0)
			break;
		msg[k] = '\0';
		if (strncmp(msg, "ok ", 3) == 0) {
			printf("%s\n", msg + 3);
			oks++;
		} else if (strncmp(msg, "note ", 5) == 0) {
			fprintf(stderr, "heapsnap: %s\n", msg + 5);
		} else if (strncmp(msg, "error ", 6) == 0) {
			fprintf(stderr, "heapsnap: --dump %ld: %s\n", pid, msg + 6);
			errors++;
		}
	}
	close(conn);
	if (oks > 0 && errors == 0)
		rc = 0;
	else if (oks == 0 && errors == 0)
		fprintf(stderr, "heapsnap: --dump %ld: heapsnap ended before it answered\n", pid);
	if (fflush(stdout) != 0)
		rc = 1;
	return rc;
}
