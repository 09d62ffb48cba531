/* series: the companion per-site series file (see series.h). */
#include "config.h"

#include "series.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *hs_series_path_for(const char *massif_path)
{
	if (strcmp(massif_path, "-") == 0)
		return NULL;
	size_t n = strlen(massif_path);
	char *p = hs_xrealloc(NULL, n + sizeof ".series");
	memcpy(p, massif_path, n);
	memcpy(p + n, ".series", sizeof ".series");
	return p;
}

void hs_series_free(struct hs_series *s)
{
	for (size_t i = 0; i < s->n_frames; i++)
		free(s->frames[i]);
	for (size_t i = 0; i < s->n_sites; i++)
		free(s->site_frames[i]);
	free(s->frames);
	free(s->site_frames);
	free(s->site_n_frames);
	free(s->points);
	free(s->changes);
	free(s->cmd);
	free(s->end);
	free(s->path);
	memset(s, 0, sizeof *s);
}

/* The line being parsed, for messages. */
struct cursor {
	const char *path;
	size_t line;
	const char *p, *end; /* the rest of the line */
	char *err;
	size_t err_len;
};

static int fail(struct cursor *c, const char *fmt, ...)
{
	int k = snprintf(c->err, c->err_len, "%s:%zu: ", c->path, c->line);
	if (k < 0 || (size_t)k >= c->err_len)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->err + k, c->err_len - (size_t)k, fmt, ap);
	va_end(ap);
	return -1;
}

/* The next space-separated word of the line (empty at its end). */
static size_t word(struct cursor *c, const char **w)
{
	*w = c->p;
	while (c->p < c->end && *c->p != ' ')
		c->p++;
	size_t n = (size_t)(c->p - *w);
	if (c->p < c->end)
		c->p++;
	return n;
}

/* A decimal number of at most 64 bits, the whole of w. */
static bool number(const char *w, size_t n, uint64_t *v)
{
	if (n == 0 || n > 20)
		return false;
	uint64_t x = 0;
	for (size_t i = 0; i < n; i++) {
		if (w[i] < '0' || w[i] > '9')
			return false;
		unsigned d = (unsigned)(w[i] - '0');
		if (x > (UINT64_MAX - d) / 10)
			return false;
		x = x * 10 + d;
	}
	*v = x;
	return true;
}

/* The next word as a number; what names the field in the message. */
static int field(struct cursor *c, const char *what, uint64_t *v)
{
	const char *w;
	size_t n = word(c, &w);
	if (n == 0)
		return fail(c, "missing %s", what);
	if (!number(w, n, v))
		return fail(c, "bad %s '%.*s' (a whole number of bytes or units)", what,
			    (int)(n > 40 ? 40 : n), w);
	return 0;
}

static int no_more(struct cursor *c, const char *kind)
{
	if (c->p < c->end)
		return fail(c, "unexpected '%.*s' at the end of a '%s' record",
			    (int)(c->end - c->p > 40 ? 40 : c->end - c->p), c->p, kind);
	return 0;
}

static int parse_frame(struct cursor *c, struct hs_series *s)
{
	uint64_t id;
	if (field(c, "frame id", &id) < 0)
		return -1;
	if (id != s->n_frames)
		return fail(c, "frame %" PRIu64 " defined out of order (expected %zu)", id,
			    s->n_frames);
	if (c->p >= c->end)
		return fail(c, "frame %" PRIu64 " has no label", id);
	s->frames = hs_grow(s->frames, &s->cap_frames, s->n_frames + 1, sizeof *s->frames);
	s->frames[s->n_frames++] = hs_xstrndup(c->p, (size_t)(c->end - c->p));
	return 0;
}

static int parse_site(struct cursor *c, struct hs_series *s)
{
	uint64_t id;
	if (field(c, "site id", &id) < 0)
		return -1;
	if (id != s->n_sites)
		return fail(c, "site %" PRIu64 " defined out of order (expected %zu)", id,
			    s->n_sites);
	size_t cap = s->cap_sites;
	s->site_frames = hs_grow(s->site_frames, &cap, s->n_sites + 1, sizeof *s->site_frames);
	s->site_n_frames =
		hs_grow(s->site_n_frames, &s->cap_sites, s->n_sites + 1, sizeof *s->site_n_frames);
	uint32_t *frames = NULL;
	size_t n = 0, fcap = 0;
	while (c->p < c->end) {
		uint64_t f;
		if (field(c, "frame id", &f) < 0) {
			free(frames);
			return -1;
		}
		if (f >= s->n_frames) {
			free(frames);
			return fail(c,
				    "site %" PRIu64 " uses frame %" PRIu64 ", not defined before",
				    id, f);
		}
		frames = hs_grow(frames, &fcap, n + 1, sizeof *frames);
		frames[n++] = (uint32_t)f;
	}
	s->site_frames[s->n_sites] = frames;
	s->site_n_frames[s->n_sites++] = n;
	return 0;
}

static int parse_point(struct cursor *c, struct hs_series *s)
{
	uint64_t seq, time;
	struct hs_series_point pt = { 0 };
	if (field(c, "snapshot number", &seq) < 0)
		return -1;
	if (seq != s->n_points)
		return fail(c, "snapshot %" PRIu64 " out of order (expected %zu)", seq,
			    s->n_points);
	if (s->n_points >= UINT32_MAX)
		return fail(c, "too many snapshots");
	if (field(c, "time", &time) < 0 || field(c, "heap bytes", &pt.heap_B) < 0 ||
	    field(c, "extra bytes", &pt.extra_B) < 0 || field(c, "rss bytes", &pt.rss_B) < 0 ||
	    field(c, "mapped bytes", &pt.mapped_B) < 0)
		return -1;
	if (time > INT64_MAX)
		return fail(c, "time %" PRIu64 " too large", time);
	pt.time = (int64_t)time;
	if (s->n_points > 0 && pt.time < s->points[s->n_points - 1].time)
		return fail(c, "time %" PRId64 " goes back (previous snapshot: %" PRId64 ")",
			    pt.time, s->points[s->n_points - 1].time);
	const char *k;
	size_t kn = word(c, &k);
	if (kn != 1 || strchr("ndpx", k[0]) == NULL)
		return fail(c, "bad snapshot kind '%.*s' (n, d, p or x)", (int)(kn > 20 ? 20 : kn),
			    k);
	pt.kind = k[0];
	if (no_more(c, "t") < 0)
		return -1;
	s->points = hs_grow(s->points, &s->cap_points, s->n_points + 1, sizeof *s->points);
	s->points[s->n_points++] = pt;
	return 0;
}

static int parse_bytes(struct cursor *c, struct hs_series *s)
{
	if (s->n_points == 0)
		return fail(c, "site bytes before the first snapshot ('t' record)");
	while (c->p < c->end) {
		const char *w;
		size_t n = word(c, &w);
		const char *eq = memchr(w, '=', n);
		uint64_t site, bytes;
		if (eq == NULL || !number(w, (size_t)(eq - w), &site) ||
		    !number(eq + 1, n - (size_t)(eq - w) - 1, &bytes))
			return fail(c, "bad site bytes '%.*s' (SITE=BYTES)", (int)(n > 40 ? 40 : n),
				    w);
		if (site >= s->n_sites)
			return fail(c, "site %" PRIu64 " not defined before", site);
		s->changes =
			hs_grow(s->changes, &s->cap_changes, s->n_changes + 1, sizeof *s->changes);
		s->changes[s->n_changes++] = (struct hs_series_change){
			.point = (uint32_t)(s->n_points - 1),
			.site = (uint32_t)site,
			.bytes = bytes,
		};
	}
	return 0;
}

/* An a record: the point before it on the B axis (bytes allocated and
 * freed so far), which never goes back. */
static int parse_alloc(struct cursor *c, struct hs_series *s)
{
	if (s->n_points == 0)
		return fail(c, "allocated bytes before the first snapshot ('t' record)");
	struct hs_series_point *pt = &s->points[s->n_points - 1];
	if (pt->has_alloc)
		return fail(c, "a second 'a' record for snapshot %zu", s->n_points - 1);
	uint64_t v;
	if (field(c, "allocated bytes", &v) < 0 || no_more(c, "a") < 0)
		return -1;
	if (v > INT64_MAX)
		return fail(c, "allocated bytes %" PRIu64 " too large", v);
	for (size_t i = s->n_points - 1; i-- > 0;) {
		if (!s->points[i].has_alloc)
			continue;
		if ((int64_t)v < s->points[i].alloc_B)
			return fail(c,
				    "allocated bytes %" PRIu64 " go back (snapshot %zu: %" PRId64
				    ")",
				    v, i, s->points[i].alloc_B);
		break;
	}
	pt->alloc_B = (int64_t)v;
	pt->has_alloc = true;
	return 0;
}

/* A header line "key: value": *done tells whether it was one (stored). */
static int parse_header(struct cursor *c, struct hs_series *s, bool *done)
{
	size_t n = (size_t)(c->end - c->p);
	*done = true;
	if (n >= 5 && memcmp(c->p, "cmd: ", 5) == 0) {
		free(s->cmd);
		s->cmd = hs_xstrndup(c->p + 5, n - 5);
	} else if (n >= 11 && memcmp(c->p, "time_unit: ", 11) == 0) {
		const char *u = c->p + 11;
		size_t un = n - 11;
		if (!((un == 1 && (*u == 'i' || *u == 'B')) ||
		      (un == 2 && memcmp(u, "ms", 2) == 0)))
			return fail(c, "bad time unit '%.*s' (i, ms or B)",
				    (int)(un > 20 ? 20 : un), u);
		memcpy(s->time_unit, u, un);
		s->time_unit[un] = '\0';
	} else if (n >= 13 && memcmp(c->p, "massif_size: ", 13) == 0) {
		c->p += 13;
		if (field(c, "massif_size", &s->massif_size) < 0 || no_more(c, "massif_size") < 0)
			return -1;
	} else if (n >= 8 && memcmp(c->p, "sample: ", 8) == 0) {
		c->p += 8;
		if (field(c, "sample", &s->sample_B) < 0 || no_more(c, "sample") < 0)
			return -1;
	} else {
		*done = false;
	}
	return 0;
}

int hs_series_parse(const char *path, const char *buf, size_t len, struct hs_series *s, char *err,
		    size_t err_len)
{
	memset(s, 0, sizeof *s);
	s->path = hs_xstrndup(path, strlen(path));
	strcpy(s->time_unit, "i");
	struct cursor c = { .path = path, .err = err, .err_len = err_len };
	const char *p = buf, *end = buf + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		c.line++;
		c.p = p;
		c.end = eol;
		if ((size_t)(eol - p) > HS_SERIES_LINE_MAX) {
			fail(&c, "a line longer than 1 MiB, not a heapsnap series file");
			goto bad;
		}
		if (eol > p && eol[-1] == '\r')
			c.end--;
		p = nl ? nl + 1 : end;
		int rc = 0;
		if (c.line == 1) {
			if ((size_t)(c.end - c.p) < 16 ||
			    memcmp(c.p, "heapsnap-series ", 16) != 0) {
				rc = fail(&c, "not a heapsnap series file (no 'heapsnap-series 1' "
					      "line)");
			} else {
				c.p += 16;
				uint64_t v;
				rc = field(&c, "version", &v);
				if (rc == 0 && v != 1)
					rc = fail(&c, "version %" PRIu64 " not supported (1 is)",
						  v);
			}
			if (rc < 0)
				goto bad;
			continue;
		}
		if (c.p == c.end)
			continue;
		bool header;
		if (parse_header(&c, s, &header) < 0)
			goto bad;
		if (header)
			continue;
		const char *kind;
		size_t kn = word(&c, &kind);
		if (kn == 1 && kind[0] == 'f')
			rc = parse_frame(&c, s);
		else if (kn == 1 && kind[0] == 'c')
			rc = parse_site(&c, s);
		else if (kn == 1 && kind[0] == 't')
			rc = parse_point(&c, s);
		else if (kn == 1 && kind[0] == 'b')
			rc = parse_bytes(&c, s);
		else if (kn == 1 && kind[0] == 'a')
			rc = parse_alloc(&c, s);
		else if (kn == 3 && memcmp(kind, "end", 3) == 0) {
			free(s->end);
			s->end = hs_xstrndup(c.p, (size_t)(c.end - c.p));
		}
		/* Any other kind: a later version's record, skipped. */
		if (rc < 0)
			goto bad;
	}
	if (c.line == 0) {
		c.line = 1;
		fail(&c, "empty file, not a heapsnap series file");
		goto bad;
	}
	/* The B axis is the run's only when every point has it. */
	s->has_alloc = s->n_points > 0;
	for (size_t i = 0; i < s->n_points; i++)
		s->has_alloc = s->has_alloc && s->points[i].has_alloc;
	return 0;
bad:
	hs_series_free(s);
	return -1;
}

int hs_series_read(const char *path, struct hs_series *s, char *err, size_t err_len)
{
	memset(s, 0, sizeof *s);
	err[0] = '\0';
	/* O_NONBLOCK and a regular file only: a FIFO or a device named
	 * FILE.series must neither block the printer nor feed it forever. */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		snprintf(err, err_len, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		snprintf(err, err_len, "%s is not a regular file: not used", path);
		return HS_SERIES_NOT_REGULAR;
	}
	FILE *f = fdopen(fd, "rb");
	if (f == NULL) {
		close(fd);
		snprintf(err, err_len, "%s: %s", path, strerror(errno));
		return -1;
	}
	char *buf = NULL;
	size_t len = 0, cap = 0;
	for (;;) {
		buf = hs_grow(buf, &cap, len + 65536, 1);
		size_t r = fread(buf + len, 1, cap - len, f);
		len += r;
		if (r == 0)
			break;
	}
	int rd_err = ferror(f);
	fclose(f);
	if (rd_err) {
		snprintf(err, err_len, "%s: read error", path);
		free(buf);
		return -1;
	}
	int rc = hs_series_parse(path, buf, len, s, err, err_len);
	free(buf);
	return rc;
}

bool hs_series_check(const struct hs_series *s, uint64_t massif_size, const char *cmd,
		     size_t cmd_len, char *note, size_t note_len)
{
	if (s->massif_size != massif_size) {
		snprintf(note, note_len,
			 "%s is stale (written with a Massif file of %" PRIu64
			 " bytes, this one has %" PRIu64 "): ignored",
			 s->path, s->massif_size, massif_size);
		return false;
	}
	if (s->cmd == NULL || strlen(s->cmd) != cmd_len || memcmp(s->cmd, cmd, cmd_len) != 0) {
		snprintf(note, note_len, "%s is stale (written for another command): ignored",
			 s->path);
		return false;
	}
	return true;
}

void hs_series_site_bytes(const struct hs_series *s, size_t site, uint64_t *out)
{
	uint64_t cur = 0;
	size_t k = 0;
	for (size_t i = 0; i < s->n_points; i++) {
		for (; k < s->n_changes && s->changes[k].point == i; k++)
			if (s->changes[k].site == site)
				cur = s->changes[k].bytes;
		out[i] = cur;
	}
}
