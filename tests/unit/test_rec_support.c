/* test_rec_support: helpers of the recorder core's Check suites. */
#include "test_rec_support.h"

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "rawread.h"
#include "recorder.h"
#include "resolve.h"

#define TEXT_MAX (4 << 20)

static unsigned fake_symbolize(void *ctx, uintptr_t addr, struct hs_frame_text *out, unsigned max)
{
	const struct fake_sym *rows = ctx;
	unsigned n = 0;
	for (; rows->addr != 0; rows++) {
		if (rows->addr != addr || n == max)
			continue;
		out[n++] = (struct hs_frame_text){ rows->function, rows->file, rows->line,
						   rows->object };
	}
	if (n == 0 && max > 0)
		out[n++] = (struct hs_frame_text){ NULL, NULL, 0, NULL };
	return n;
}

/* The function of addr's last row (its real function), as the libdw
 * symbolizer answers function_of. */
static const char *fake_function_of(void *ctx, uintptr_t addr)
{
	const struct fake_sym *rows = ctx;
	const char *function = NULL;
	for (; rows->addr != 0; rows++)
		if (rows->addr == addr)
			function = rows->function;
	return function;
}

struct hs_symbolizer fake_symbolizer(const struct fake_sym *rows)
{
	return (struct hs_symbolizer){ fake_symbolize, (void *)(uintptr_t)rows, fake_function_of };
}

void test_options(struct hs_options *opts)
{
	hs_options_defaults(opts);
	opts->time_unit = HS_TIME_BYTES;
}

static int g_raw_fd = -1;
static int g_ended; /* the last recording was finished */

int test_rec_init(const struct hs_options *opts)
{
	int rc = hs_rec_init(opts);
	if (rc != 0)
		return rc;
	if (g_raw_fd >= 0)
		close(g_raw_fd);
	g_raw_fd = memfd_create("raw", 0);
	ck_assert_int_ge(g_raw_fd, 0);
	g_ended = 0;
	/* May fail when a test has used up the arena's budget: finishing
	 * then fails with the reader's message. */
	hs_rec_journal_open(g_raw_fd, "", "");
	return 0;
}

void test_rec_reopen(void)
{
	if (g_raw_fd >= 0)
		close(g_raw_fd);
	g_raw_fd = memfd_create("raw", 0);
	ck_assert_int_ge(g_raw_fd, 0);
	ck_assert_int_eq(hs_rec_journal_open(g_raw_fd, "", ""), 0);
}

int test_raw_fd(void)
{
	return g_raw_fd;
}

int test_memfile(const void *data, size_t len)
{
	int fd = memfd_create("test", 0);
	ck_assert_int_ge(fd, 0);
	if (len > 0)
		ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	return fd;
}

static void set_err(char *err, size_t err_len, const char *msg)
{
	if (err != NULL && err_len > 0)
		snprintf(err, err_len, "%s", msg);
}

int hs_rec_finish(int fd, const char *cmd, const struct hs_symbolizer *sym, char *err,
		  size_t err_len)
{
	if (g_raw_fd < 0) {
		set_err(err, err_len,
			g_ended ? "the Massif file was already written"
				: "the recorder was never started");
		return -1;
	}
	if (hs_rec_end("exit") != 0) {
		set_err(err, err_len, "the Massif file was already written");
		return -1;
	}
	struct hs_raw raw;
	int rc = hs_raw_read_fd(g_raw_fd, "raw", &raw, err, err_len);
	if (rc == 0) {
		free(raw.cmd);
		raw.cmd = strdup(cmd);
		rc = hs_resolve_write(&raw, fd, NULL, sym, err, err_len);
		hs_raw_free(&raw);
	}
	close(g_raw_fd);
	g_raw_fd = -1;
	g_ended = 1;
	return rc;
}

static char text[TEXT_MAX];

const char *finish_to_text(const char *cmd, const struct hs_symbolizer *sym)
{
	int fd = memfd_create("massif", 0);
	ck_assert_int_ge(fd, 0);
	char err[256] = "";
	int rc = hs_rec_finish(fd, cmd, sym, err, sizeof err);
	ck_assert_msg(rc == 0, "hs_rec_finish: %s", err);
	off_t len = lseek(fd, 0, SEEK_END);
	ck_assert(len >= 0 && len < TEXT_MAX);
	ck_assert_int_eq(pread(fd, text, (size_t)len, 0), len);
	text[len] = '\0';
	close(fd);
	return text;
}

static char fixture[TEXT_MAX];

const char *read_fixture(const char *name)
{
	const char *top = getenv("top_srcdir");
	char path[4096];
	snprintf(path, sizeof path, "%s/tests/fixtures/core/%s", top != NULL ? top : ".", name);
	FILE *f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	size_t n = fread(fixture, 1, TEXT_MAX - 1, f);
	fixture[n] = '\0';
	fclose(f);
	return fixture;
}

static const char *find_snapshot(const char *file, unsigned n)
{
	char key[64];
	snprintf(key, sizeof key, "#-----------\nsnapshot=%u\n", n);
	return strstr(file, key);
}

static char snap_text[TEXT_MAX];

const char *snapshot_text(const char *file, unsigned n)
{
	const char *start = find_snapshot(file, n);
	if (start == NULL)
		return "";
	const char *end = find_snapshot(file, n + 1);
	size_t len = end != NULL ? (size_t)(end - start) : strlen(start);
	memcpy(snap_text, start, len);
	snap_text[len] = '\0';
	return snap_text;
}

unsigned count_snapshots(const char *file)
{
	unsigned n = 0;
	while (find_snapshot(file, n) != NULL)
		n++;
	return n;
}

const char *stderr_of(void (*f)(void))
{
	static char said[1024];
	int mem = memfd_create("stderr", 0);
	int saved = dup(2);
	dup2(mem, 2);
	f();
	dup2(saved, 2);
	close(saved);
	ssize_t n = pread(mem, said, sizeof said - 1, 0);
	said[n > 0 ? n : 0] = '\0';
	close(mem);
	return said;
}
