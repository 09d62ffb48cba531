/* test_rec_support: helpers of the recorder core's Check suites. */
#include "test_rec_support.h"

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "recorder.h"

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

struct hs_symbolizer fake_symbolizer(const struct fake_sym *rows)
{
	return (struct hs_symbolizer){ fake_symbolize, (void *)(uintptr_t)rows };
}

void test_options(struct hs_options *opts)
{
	hs_options_defaults(opts);
	opts->time_unit = HS_TIME_BYTES;
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
