/* parse: Massif file bytes -> model (see parse.h).
 *
 * Reading rules are ms_print's: a line loses everything from its first `#`,
 * then is skipped if only whitespace is left.  The parse is one pass over
 * the buffer with memchr; strings in the model point into the buffer.
 */
#include "parse.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "utf8.h"

/* Deeper trees are refused: Massif records at most 200 frames (its
 * --depth), inlined frames add a few lines each, and ms_print's output
 * grows with the square of the depth (each line repeats its "| " rails). */
#define HS_PARSE_MAX_DEPTH 10000

/* The parser's state: where it is in the buffer and what it has built. */
struct parser {
	const char *name; /* file name for messages */
	char *buf;
	size_t len;
	size_t pos;       /* start of the next physical line */
	uint32_t line_no; /* number of the last line read */
	struct hs_model *m;
	struct hs_parse_error *err;
	size_t snap_cap;
	size_t node_cap;
	size_t anchor;      /* stream: bytes before this may be dropped */
	size_t mark;        /* stream: a position to come back to (>= anchor) */
	size_t n_seen;      /* snapshots read so far (this one's index) */
	uint64_t prev_time; /* the previous snapshot's time */
	bool in_header;     /* before the first snapshot */
	bool stuck;         /* an input error is in err: keep it */
	bool skip_trees;    /* stream: step over trees without reading them */
	size_t no_nl_from;  /* stream: no newline in buf[no_nl_from..no_nl) */
	size_t no_nl;
	struct hs_stream *st; /* NULL: the whole input is in buf */
};

static int stream_more(struct parser *p);
struct hs_stream;
static int stream_setup(struct hs_stream *st, int fd, bool is_stdin, bool own,
			struct hs_stream **out, struct hs_parse_error *err);

/* A logical line: its text with any comment cut off, and its number. */
struct line {
	const char *s;
	size_t len;
	size_t cut; /* bytes of a '#' comment cut off after len */
	uint32_t no;
};

/* Perl's \s, minus the newline (never inside a line). */
static inline bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* Tells whether c is an ASCII digit (Perl's \d on bytes). */
static inline bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Formats the error message "NAME:LINE: ..." into p->err. */
__attribute__((format(printf, 3, 4))) static int fail(struct parser *p, uint32_t line_no,
						      const char *fmt, ...)
{
	if (p->stuck)
		return -1; /* the input's own error (read, text) comes first */
	int n = snprintf(p->err->msg, sizeof p->err->msg, "%s:%u: ", p->name, (unsigned)line_no);
	if (n < 0 || (size_t)n >= sizeof p->err->msg)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->err->msg + n, sizeof p->err->msg - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

/* Quotes a line for a message: at most 60 bytes, control bytes escaped. */
static const char *quote(const struct line *l, char *dst, size_t cap)
{
	const size_t max_shown = 60;
	size_t n = l->len, o = 0;
	bool cut = false;
	if (n > max_shown) {
		n = max_shown;
		/* Do not split a UTF-8 sequence. */
		while (n > 0 && ((unsigned char)l->s[n] & 0xC0) == 0x80)
			n--;
		cut = true;
	}
	dst[o++] = '"';
	const unsigned char *s = (const unsigned char *)l->s;
	for (size_t i = 0; i < n && o + 8 < cap; i++) {
		unsigned char c = s[i];
		size_t k = c < 0x80 ? 1 : hs_utf8_char_len(s, i, n);
		if (c < 0x20 || c == 0x7f || c == '"' || c == '\\' || k == 0) {
			if (c == '"' || c == '\\') {
				dst[o++] = '\\';
				dst[o++] = (char)c;
			} else {
				/* a control byte, or one that starts no character */
				o += (size_t)snprintf(dst + o, cap - o, "\\x%02X", c);
			}
		} else {
			for (size_t j = 0; j < k; j++)
				dst[o++] = (char)s[i + j];
			i += k - 1;
		}
	}
	dst[o++] = '"';
	if (cut && o + 4 < cap) {
		memcpy(dst + o, "...", 3);
		o += 3;
	}
	dst[o] = '\0';
	return dst;
}

/* Reports "expected WHAT, found <line or end of file>". */
static int fail_expected(struct parser *p, const struct line *l, const char *what)
{
	if (!l)
		return fail(p, p->line_no, "expected %s, found end of file", what);
	char q[128];
	return fail(p, l->no, "expected %s, found %s", what, quote(l, q, sizeof q));
}

/* Reads the next non-blank line, comments removed; false at end of file. */
static bool next_line(struct parser *p, struct line *l)
{
	for (;;) {
		if (p->pos >= p->len && (!p->st || stream_more(p) <= 0))
			return false;
		const char *s = p->buf + p->pos;
		size_t rest = p->len - p->pos;
		/* A long line arriving in pieces is searched once, not per piece. */
		size_t known = p->st && p->no_nl_from == p->pos ? p->no_nl - p->pos : 0;
		const char *nl = memchr(s + known, '\n', rest - known);
		if (!nl && p->st) {
			p->no_nl_from = p->pos;
			p->no_nl = p->len;
			int more = stream_more(p);
			if (more < 0)
				return false;
			if (more > 0)
				continue; /* the window moved: look again */
		}
		size_t len = nl ? (size_t)(nl - s) : rest;
		p->pos += nl ? len + 1 : len;
		p->line_no++;
		size_t whole = len;
		const char *hash = memchr(s, '#', len);
		if (hash)
			len = (size_t)(hash - s);
		size_t i = 0;
		while (i < len && is_space(s[i]))
			i++;
		if (i == len)
			continue;
		l->s = s;
		l->len = len;
		l->cut = whole - len;
		l->no = p->line_no;
		return true;
	}
}

/* Tells whether the line starts with the given key. */
static bool starts_with(const struct line *l, const char *key, size_t key_len)
{
	return l->len >= key_len && memcmp(l->s, key, key_len) == 0;
}

/* Parses a run of digits into *v; returns the digits' end, or NULL when the
 * value does not fit 64 bits. */
static const char *parse_u64(const char *s, const char *end, uint64_t *v)
{
	uint64_t x = 0;
	/* Nineteen digits always fit; only the twentieth needs a check. */
	const char *fast_end = end - s > 19 ? s + 19 : end;
	while (s < fast_end && is_digit(*s))
		x = x * 10 + (unsigned)(*s++ - '0');
	for (; s < end && is_digit(*s); s++) {
		unsigned d = (unsigned)(*s - '0');
		if (x > (UINT64_MAX - d) / 10)
			return NULL;
		x = x * 10 + d;
	}
	*v = x;
	return s;
}

/* Reads a `key=<number>` line: whitespace, digits, whitespace (what Perl
 * reads as a number without complaint). */
static int read_num_field(struct parser *p, const char *key, const char *what, struct hs_str *raw,
			  uint64_t *v)
{
	struct line l;
	size_t key_len = strlen(key);
	char expect[64];
	snprintf(expect, sizeof expect, "\"%s%s\"", key, what);
	bool have = next_line(p, &l);
	if (!have || !starts_with(&l, key, key_len))
		return fail_expected(p, have ? &l : NULL, expect);
	const char *s = l.s + key_len, *end = l.s + l.len;
	raw->ptr = s;
	raw->len = (size_t)(end - s);
	while (s < end && is_space(*s))
		s++;
	const char *digits = s;
	s = parse_u64(s, end, v);
	if (!s) {
		char q[128];
		return fail(p, l.no, "expected %s, found a number beyond 64 bits in %s", expect,
			    quote(&l, q, sizeof q));
	}
	bool ok = s > digits;
	while (s < end && is_space(*s))
		s++;
	if (!ok || s != end)
		return fail_expected(p, &l, expect);
	return 0;
}

/* Appends a node slot, growing the array; NULL when memory runs out. */
static struct hs_node *new_node(struct parser *p)
{
	struct hs_model *m = p->m;
	if (m->n_nodes == p->node_cap) {
		size_t cap = p->node_cap ? p->node_cap * 2 : 1024;
		struct hs_node *n = realloc(m->nodes, cap * sizeof *n);
		if (!n)
			return NULL;
		m->nodes = n;
		p->node_cap = cap;
	}
	return &m->nodes[m->n_nodes++];
}

/* Parses one tree node line `\s*n<K>:\s*<BYTES><TEXT>` into *n. */
static int read_node(struct parser *p, struct hs_node *n, uint32_t depth, uint64_t total,
		     const struct hs_node *parent, uint32_t child_no)
{
	/* For a child, say whose: a short tree shows up here. */
	char what[128];
	if (parent)
		snprintf(what, sizeof what,
			 "a tree node line \"n<children>: <bytes> "
			 "<text>\" (child %u of %u of line %u)",
			 (unsigned)child_no, (unsigned)parent->n_children, (unsigned)parent->line);
	else
		snprintf(what, sizeof what, "a tree node line \"n<children>: <bytes> <text>\"");
	struct line l;
	if (!next_line(p, &l))
		return fail_expected(p, NULL, what);
	const char *s = l.s, *end = l.s + l.len;
	while (s < end && is_space(*s))
		s++;
	if (s == end || *s != 'n')
		return fail_expected(p, &l, what);
	s++;
	uint64_t k, bytes;
	const char *d = s;
	s = parse_u64(s, end, &k);
	if (!s || k > UINT32_MAX) {
		char q[128];
		return fail(p, l.no, "expected a child count below 2^32, found %s",
			    quote(&l, q, sizeof q));
	}
	if (s == d || s == end || *s != ':')
		return fail_expected(p, &l, what);
	s++;
	while (s < end && is_space(*s))
		s++;
	d = s;
	s = parse_u64(s, end, &bytes);
	if (!s) {
		char q[128];
		return fail(p, l.no, "expected a byte count below 2^64, found %s",
			    quote(&l, q, sizeof q));
	}
	if (s == d)
		return fail_expected(p, &l, what);
	if ((size_t)(s - d) > UINT32_MAX) {
		char q[128];
		return fail(p, l.no, "expected a byte count of fewer digits, found %s",
			    quote(&l, q, sizeof q));
	}
	if (bytes > total)
		return fail(p, l.no,
			    "expected a node no larger than its snapshot's total of "
			    "%llu bytes, found %llu bytes",
			    (unsigned long long)total, (unsigned long long)bytes);
	n->bytes = bytes;
	n->bytes_len = (uint32_t)(s - d);
	n->text.ptr = s;
	n->text.len = (size_t)(end - s);
	n->text_cut = l.cut > UINT32_MAX ? UINT32_MAX : (uint32_t)l.cut;
	n->n_children = (uint32_t)k;
	n->depth = depth;
	n->subtree_len = 1;
	n->line = l.no;
	return 0;
}

/* A node whose children are still being read. */
struct open_node {
	size_t idx;
	uint32_t remaining;
	uint64_t child_sum;
};

/* Reads a snapshot's tree in pre-order, without recursion. */
static int read_tree(struct parser *p, uint64_t total)
{
	struct open_node *stack = NULL;
	size_t depth = 0, cap = 0;
	int rc = -1;
	struct hs_node *n = new_node(p);
	if (!n) {
		fail(p, p->line_no, "out of memory");
		goto out;
	}
	if (read_node(p, n, 0, total, NULL, 0) < 0)
		goto out;
	for (;;) {
		struct hs_node *top_node = &p->m->nodes[p->m->n_nodes - 1];
		if (top_node->n_children) {
			if (depth + 1 >= HS_PARSE_MAX_DEPTH) {
				fail(p, top_node->line,
				     "expected a tree at most %d levels "
				     "deep, found a deeper one",
				     HS_PARSE_MAX_DEPTH);
				goto out;
			}
			if (depth == cap) {
				cap = cap ? cap * 2 : 64;
				struct open_node *s = realloc(stack, cap * sizeof *s);
				if (!s) {
					fail(p, p->line_no, "out of memory");
					goto out;
				}
				stack = s;
			}
			stack[depth].idx = p->m->n_nodes - 1;
			stack[depth].remaining = top_node->n_children;
			stack[depth].child_sum = 0;
			depth++;
		}
		/* Close every node whose children are all read. */
		while (depth && stack[depth - 1].remaining == 0) {
			depth--;
			struct hs_node *done = &p->m->nodes[stack[depth].idx];
			size_t len = p->m->n_nodes - stack[depth].idx;
			if (len > UINT32_MAX) {
				fail(p, p->line_no,
				     "expected a tree below 2^32 nodes, "
				     "found a larger one");
				goto out;
			}
			done->subtree_len = (uint32_t)len;
		}
		if (!depth)
			break;
		struct open_node *parent = &stack[depth - 1];
		parent->remaining--;
		n = new_node(p);
		if (!n) {
			fail(p, p->line_no, "out of memory");
			goto out;
		}
		const struct hs_node *pn = &p->m->nodes[parent->idx];
		if (read_node(p, n, (uint32_t)depth, total, pn,
			      pn->n_children - parent->remaining) < 0)
			goto out;
		if (parent->child_sum > UINT64_MAX - n->bytes) {
			fail(p, n->line,
			     "expected children whose bytes sum below 2^64, "
			     "found more");
			goto out;
		}
		parent->child_sum += n->bytes;
	}
	rc = 0;
out:
	free(stack);
	return rc;
}

/* Appends a snapshot slot, growing the array; NULL when memory runs out. */
static struct hs_snapshot *new_snapshot(struct parser *p)
{
	struct hs_model *m = p->m;
	if (m->n_snapshots == p->snap_cap) {
		size_t cap = p->snap_cap ? p->snap_cap * 2 : 64;
		struct hs_snapshot *s = realloc(m->snapshots, cap * sizeof *s);
		if (!s)
			return NULL;
		m->snapshots = s;
		p->snap_cap = cap;
	}
	struct hs_snapshot *s = &m->snapshots[m->n_snapshots++];
	memset(s, 0, sizeof *s);
	return s;
}

/* Reads one snapshot block; the `snapshot=` line is the next line. */
static int read_snapshot(struct parser *p)
{
	struct hs_model *m = p->m;
	struct hs_snapshot *s = new_snapshot(p);
	if (!s)
		return fail(p, p->line_no, "out of memory");
	if (read_num_field(p, "snapshot=", "<number>", &s->num_raw, &s->num) < 0)
		return -1;
	s->line = p->line_no;
	if (read_num_field(p, "time=", "<time>", &s->time_raw, &s->time) < 0)
		return -1;
	if (p->n_seen > 0 && s->time < p->prev_time)
		return fail(p, p->line_no,
			    "expected a time no earlier than the previous "
			    "snapshot's %llu, found %llu",
			    (unsigned long long)p->prev_time, (unsigned long long)s->time);
	p->prev_time = s->time;
	p->n_seen++;
	if (read_num_field(p, "mem_heap_B=", "<bytes>", &s->heap_raw, &s->heap_bytes) < 0 ||
	    read_num_field(p, "mem_heap_extra_B=", "<bytes>", &s->extra_raw, &s->extra_bytes) < 0 ||
	    read_num_field(p, "mem_stacks_B=", "<bytes>", &s->stacks_raw, &s->stacks_bytes) < 0)
		return -1;
	uint64_t total = s->heap_bytes;
	if (total > UINT64_MAX - s->extra_bytes ||
	    total + s->extra_bytes > UINT64_MAX - s->stacks_bytes)
		return fail(p, p->line_no, "expected a snapshot total below 2^64, found more");
	total += s->extra_bytes + s->stacks_bytes;
	s->total_bytes = total;

	static const char tree_what[] =
		"\"heap_tree=empty\", \"heap_tree=detailed\" or \"heap_tree=peak\"";
	struct line l;
	bool have = next_line(p, &l);
	if (!have || !starts_with(&l, "heap_tree=", 10))
		return fail_expected(p, have ? &l : NULL, tree_what);
	const char *v = l.s + 10;
	size_t vlen = l.len - 10;
	if (vlen == 5 && memcmp(v, "empty", 5) == 0) {
		s->kind = HS_TREE_EMPTY;
		return 0;
	}
	if (vlen == 8 && memcmp(v, "detailed", 8) == 0) {
		s->kind = HS_TREE_DETAILED;
	} else if (vlen == 4 && memcmp(v, "peak", 4) == 0) {
		s->kind = HS_TREE_PEAK;
		m->peak_num = s->num > INT64_MAX ? INT64_MAX : (int64_t)s->num;
		m->peak_index = p->n_seen - 1;
	} else {
		return fail_expected(p, &l, tree_what);
	}
	if (p->skip_trees) {
		/* A later pass: the first one checked this tree. */
		/* The snapshot's own lines stay in the window (its raw
		 * strings point there): the anchor stays at its start. */
		for (;;) {
			p->mark = p->pos;
			uint32_t no = p->line_no;
			if (!next_line(p, &l))
				return p->stuck ? -1 : 0;
			if (starts_with(&l, "snapshot=", 9)) {
				p->pos = p->mark;
				p->line_no = no;
				return 0;
			}
		}
	}
	size_t first = m->n_nodes;
	if (read_tree(p, total) < 0)
		return -1;
	s->first_node = first;
	s->n_nodes = m->n_nodes - first;
	return 0;
}

/* Returns the offset of the first NUL byte in b[from..stop), or stop.
 * Any other byte is text: Valgrind writes names and arguments as bytes,
 * and ms_print prints them back as they are (utf8.h). */
static size_t check_text(const unsigned char *b, size_t from, size_t stop)
{
	const unsigned char *nul = memchr(b + from, 0, stop - from);
	return nul != NULL ? (size_t)(nul - b) : stop;
}

/* Returns the 1-based line number of byte offset off. */
static uint32_t line_of(const char *buf, size_t off)
{
	uint32_t no = 1;
	const char *s = buf, *end = buf + off;
	while ((s = memchr(s, '\n', (size_t)(end - s))) != NULL) {
		no++;
		s++;
	}
	return no;
}

/* Parses the header lines: desc:, cmd:, time_unit:. */
static int read_header(struct parser *p, struct line *l, bool *have)
{
	struct hs_model *m = p->m;
	size_t desc_cap = 0;
	while ((*have = next_line(p, l)) && starts_with(l, "desc:", 5)) {
		size_t add = l->len - 5 + 1;
		if (m->desc_len + add + 1 > desc_cap) {
			desc_cap = (m->desc_len + add + 1) * 2;
			char *d = realloc(m->desc, desc_cap);
			if (!d)
				return fail(p, l->no, "out of memory");
			m->desc = d;
		}
		memcpy(m->desc + m->desc_len, l->s + 5, add - 1);
		m->desc_len += add;
		m->desc[m->desc_len - 1] = '\n';
		m->desc[m->desc_len] = '\0';
		m->has_desc = true;
	}
	if (!m->desc) {
		m->desc = calloc(1, 1);
		if (!m->desc)
			return fail(p, p->line_no, "out of memory");
	}
	if (!*have || !starts_with(l, "cmd:", 4))
		return fail_expected(p, *have ? l : NULL, "\"cmd: <command>\"");
	const char *s = l->s + 4, *end = l->s + l->len;
	while (s < end && is_space(*s))
		s++;
	m->cmd.ptr = s;
	m->cmd.len = (size_t)(end - s);

	static const char unit_what[] = "\"time_unit: i\", \"time_unit: ms\" or "
					"\"time_unit: B\"";
	*have = next_line(p, l);
	if (!*have || !starts_with(l, "time_unit:", 10))
		return fail_expected(p, *have ? l : NULL, unit_what);
	s = l->s + 10;
	end = l->s + l->len;
	while (s < end && is_space(*s))
		s++;
	size_t ulen = (size_t)(end - s);
	m->time_unit_raw.ptr = s;
	m->time_unit_raw.len = ulen;
	if (ulen == 1 && *s == 'i')
		m->time_unit = HS_TIME_I;
	else if (ulen == 2 && s[0] == 'm' && s[1] == 's')
		m->time_unit = HS_TIME_MS;
	else if (ulen == 1 && *s == 'B')
		m->time_unit = HS_TIME_B;
	else
		return fail_expected(p, l, unit_what);
	return 0;
}

/* Parses buf, which the model takes over (a mapping when mapped). */
static int parse_owned(char *buf, size_t len, bool mapped, const char *name, struct hs_model *m,
		       struct hs_parse_error *err)
{
	memset(m, 0, sizeof *m);
	m->buf = buf;
	m->buf_len = len;
	m->buf_mapped = mapped;
	m->peak_num = -1;
	m->peak_index = SIZE_MAX;
	struct parser p = { .name = name, .buf = buf, .len = len, .m = m, .err = err };

	size_t bad = check_text((const unsigned char *)buf, 0, len);
	if (bad < len) {
		fail(&p, line_of(buf, bad), "expected text, found a NUL byte");
		goto bad;
	}
	if (len == 0) {
		fail(&p, 1, "expected \"desc:\" or \"cmd:\", found an empty file");
		goto bad;
	}

	struct line l;
	bool have;
	p.in_header = true;
	if (read_header(&p, &l, &have) < 0)
		goto bad;
	p.in_header = false;
	/* Each snapshot starts with its `snapshot=` line: peek, then rewind. */
	for (;;) {
		size_t pos = p.pos;
		uint32_t no = p.line_no;
		bool more = next_line(&p, &l);
		if (!more)
			break;
		p.pos = pos;
		p.line_no = no;
		if (read_snapshot(&p) < 0)
			goto bad;
	}
	if (m->n_snapshots == 0) {
		fail(&p, p.line_no,
		     "expected \"snapshot=<number>\", found end of "
		     "file (no snapshots)");
		goto bad;
	}
	return 0;
bad:
	hs_model_free(m);
	return -1;
}

int hs_parse_buffer(char *buf, size_t len, const char *name, struct hs_model *m,
		    struct hs_parse_error *err)
{
	return parse_owned(buf, len, false, name, m, err);
}

/* Reads all of fd into a malloc'd buffer. */
static int read_all(int fd, char **out, size_t *out_len)
{
	struct stat st;
	size_t cap = 1 << 16, len = 0;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
		cap = (size_t)st.st_size + 1;
	char *buf = malloc(cap);
	if (!buf)
		return -1;
	for (;;) {
		if (len == cap) {
			size_t ncap = cap * 2;
			char *n = realloc(buf, ncap);
			if (!n) {
				free(buf);
				errno = ENOMEM;
				return -1;
			}
			buf = n;
			cap = ncap;
		}
		ssize_t r = read(fd, buf + len, cap - len);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			free(buf);
			errno = e;
			return -1;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	*out = buf;
	*out_len = len;
	return 0;
}

static int parse_spilled(const char *path, int fd, bool is_stdin, const char *name,
			 struct hs_model *m, struct hs_parse_error *err);
static int hs_stream_open_fd(int fd, bool is_stdin, const char *name, struct hs_stream **out,
			     struct hs_parse_error *err);

int hs_parse_file(const char *path, struct hs_model *m, struct hs_parse_error *err)
{
	bool is_stdin = strcmp(path, "-") == 0;
	const char *name = is_stdin ? "<stdin>" : path;
	memset(m, 0, sizeof *m);
	int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err->msg, sizeof err->msg, "%s: cannot open: %s", name, strerror(errno));
		return -1;
	}
	/* A regular file is mapped, not copied: the kernel's pages are the
	 * buffer (if the file shrinks under us, the reader gets SIGBUS).  An
	 * empty file is read; a pipe or device is spilled, below. */
	struct stat st;
	if (fstat(fd, &st) != 0)
		memset(&st, 0, sizeof st);
	if (!is_stdin && S_ISREG(st.st_mode) && st.st_size > 0 &&
	    (uint64_t)st.st_size <= SIZE_MAX) {
		size_t len = (size_t)st.st_size;
		void *map = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
		if (map != MAP_FAILED) {
			close(fd);
			return parse_owned(map, len, true, name, m, err);
		}
	}
	if (!S_ISREG(st.st_mode) || is_stdin) {
		/* A pipe or device: checked as it streams in (an invalid first
		 * line stops the read), copied to an unlinked file, then mapped
		 * like a regular file. */
		int rc = parse_spilled(path, fd, is_stdin, name, m, err);
		if (!is_stdin)
			close(fd);
		return rc;
	}
	char *buf;
	size_t len;
	int rc = read_all(fd, &buf, &len);
	int e = errno;
	if (!is_stdin)
		close(fd);
	if (rc < 0) {
		snprintf(err->msg, sizeof err->msg, "%s: cannot read: %s", name, strerror(e));
		return -1;
	}
	return hs_parse_buffer(buf, len, name, m, err);
}

/* ------------------------------------------------------------------------
 * Streaming: a file read snapshot by snapshot, in passes (see parse.h)
 * ---------------------------------------------------------------------- */

/* Bytes asked of read() at a time, and the window's first size. */
#define HS_STREAM_CHUNK ((size_t)256 * 1024)
/* Longer lines are refused: a window must hold a whole line. */
#define HS_PARSE_MAX_LINE ((size_t)64 << 20)

struct hs_stream {
	char *name;     /* for messages: the path, or "<stdin>" */
	int fd;         /* what passes read: the file, or the spill file */
	int src_fd;     /* a pipe or device copied to fd during pass 1, else -1 */
	bool own_src;   /* src_fd is ours to close */
	bool own_fd;    /* fd is ours to close */
	struct stat st; /* the regular file as pass 1 found it */
	bool regular;
	unsigned pass;     /* passes begun */
	bool pass1_done;   /* pass 1 read every snapshot */
	size_t n_pass1;    /* snapshots pass 1 read */
	size_t cap;        /* the window's size (p.buf) */
	size_t raw;        /* bytes in the window, checked or not */
	uint64_t total;    /* bytes read in this pass */
	bool eof;          /* the input has no more bytes */
	char *cmd, *unit;  /* the header's strings, owned */
	struct hs_model m; /* the header and the current snapshot */
	struct parser p;
	struct hs_parse_error *err;
};

/* Moves every string of the model that points into old[0..len) to the
 * same offset from new_base. */
static void relocate(struct parser *p, uintptr_t old, size_t len, char *new_base)
{
	struct hs_model *m = p->m;
#define MOVE(str)                                                                                  \
	do {                                                                                       \
		uintptr_t a_ = (uintptr_t)(str).ptr;                                               \
		if ((str).ptr && a_ >= old && a_ <= old + len)                                     \
			(str).ptr = new_base + (a_ - old);                                         \
	} while (0)
	MOVE(m->cmd);
	MOVE(m->time_unit_raw);
	for (size_t i = 0; i < m->n_snapshots; i++) {
		struct hs_snapshot *s = &m->snapshots[i];
		MOVE(s->num_raw);
		MOVE(s->time_raw);
		MOVE(s->heap_raw);
		MOVE(s->extra_raw);
		MOVE(s->stacks_raw);
	}
	for (size_t i = 0; i < m->n_nodes; i++)
		MOVE(m->nodes[i].text);
#undef MOVE
}

/* Tells whether the partial line at pos can no longer be a header line
 * (desc:, cmd:, time_unit:, a comment or blank): then the parser may judge
 * it as it is, without reading the rest of a line that may never end. */
static bool header_line_hopeless(const struct parser *p)
{
	static const char *const keys[] = { "desc:", "cmd:", "time_unit:" };
	const char *s = p->buf + p->pos, *end = p->buf + p->len;
	while (s < end && is_space(*s))
		s++;
	if (s == end || *s == '#')
		return false;
	if (s != p->buf + p->pos)
		return true; /* a key line starts in column 0 */
	size_t n = (size_t)(end - s);
	for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
		size_t kl = strlen(keys[k]);
		if (memcmp(s, keys[k], n < kl ? n : kl) == 0)
			return false;
	}
	return true;
}

/* Writes all of buf to fd. */
static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, buf, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Reports an input error that no later message may replace. */
static int stream_fail(struct parser *p, const char *fmt, const char *what)
{
	snprintf(p->err->msg, sizeof p->err->msg, fmt, p->name, what);
	p->stuck = true;
	return -1;
}

/* Brings more input into the window, dropping what is before the anchor.
 * Bytes read but not yet checked as text wait past p->len (up to st->raw).
 * Returns 1 when the window grew or may grow, 0 at the end of the input,
 * -1 on an error (in p->err, and p->stuck set). */
static int stream_more(struct parser *p)
{
	struct hs_stream *st = p->st;
	if (p->stuck)
		return -1;
	if (st->eof && p->len == st->raw)
		return 0;
	/* A long header line that cannot be one is judged on its start (its
	 * message quotes 60 bytes): it may never end. */
	if (p->in_header && p->len - p->pos >= 4096 &&
	    !memchr(p->buf + p->len, '\n', st->raw - p->len) && header_line_hopeless(p))
		return 0;
	if (p->len - p->pos >= HS_PARSE_MAX_LINE) {
		char what[64];
		snprintf(what, sizeof what, "%zu MiB", HS_PARSE_MAX_LINE >> 20);
		fail(p, p->line_no + 1, "expected a line shorter than %s, found a longer one",
		     what);
		p->stuck = true;
		return -1;
	}
	if (st->cap - st->raw < HS_STREAM_CHUNK / 2) {
		/* Full: drop what is consumed; if what is kept is still more
		 * than half the window, double it, so each byte is moved a
		 * bounded number of times. */
		size_t drop = p->anchor;
		if (drop > 0) {
			memmove(p->buf, p->buf + drop, st->raw - drop);
			relocate(p, (uintptr_t)(p->buf + drop), p->len - drop, p->buf);
			st->raw -= drop;
			p->len -= drop;
			p->pos -= drop;
			p->mark = p->mark >= drop ? p->mark - drop : 0;
			p->anchor = 0;
			p->no_nl_from = p->no_nl_from >= drop ? p->no_nl_from - drop : SIZE_MAX;
			p->no_nl = p->no_nl >= drop ? p->no_nl - drop : 0;
		}
		if (st->raw > st->cap / 2 || st->cap - st->raw < HS_STREAM_CHUNK / 2) {
			size_t ncap = st->cap ? st->cap * 2 : HS_STREAM_CHUNK;
			uintptr_t old = (uintptr_t)p->buf;
			char *n = realloc(p->buf, ncap);
			if (!n)
				return stream_fail(p, "%s: %s", "out of memory");
			relocate(p, old, p->len, n);
			p->buf = n;
			st->cap = ncap;
		}
	}
	if (!st->eof) {
		int fd = st->src_fd >= 0 ? st->src_fd : st->fd;
		ssize_t r;
		do
			r = read(fd, p->buf + st->raw, st->cap - st->raw);
		while (r < 0 && errno == EINTR);
		if (r < 0)
			return stream_fail(p, "%s: cannot read: %s", strerror(errno));
		if (r > 0 && st->src_fd >= 0 && write_all(st->fd, p->buf + st->raw, (size_t)r) < 0)
			return stream_fail(p, "%s: cannot keep a copy of the input: %s",
					   strerror(errno));
		st->raw += (size_t)r;
		st->total += (uint64_t)r;
		if (r == 0)
			st->eof = true;
	}
	/* Check the new text now: a NUL byte stops the read. */
	size_t stop = st->raw;
	bool grew = false;
	if (p->len < stop) {
		size_t end = check_text((const unsigned char *)p->buf, p->len, stop);
		if (end < stop) {
			uint32_t no = p->line_no + 1;
			for (const char *c = p->buf + p->pos, *e = p->buf + end;
			     (c = memchr(c, '\n', (size_t)(e - c))) != NULL; c++)
				no++;
			fail(p, no, "expected text, found a NUL byte");
			p->stuck = true;
			return -1;
		}
		grew = end > p->len;
		p->len = end;
	}
	return grew || !st->eof ? 1 : 0;
}

int hs_stream_open(const char *path, struct hs_stream **out, struct hs_parse_error *err)
{
	bool is_stdin = strcmp(path, "-") == 0;
	const char *name = is_stdin ? "<stdin>" : path;
	*out = NULL;
	struct hs_stream *st = calloc(1, sizeof *st);
	if (!st || !(st->name = strdup(name))) {
		free(st);
		snprintf(err->msg, sizeof err->msg, "%s: out of memory", name);
		return -1;
	}
	st->fd = st->src_fd = -1;
	int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err->msg, sizeof err->msg, "%s: cannot open: %s", name, strerror(errno));
		hs_stream_close(st);
		return -1;
	}
	return stream_setup(st, fd, is_stdin, true, out, err);
}

static int hs_stream_open_fd(int fd, bool is_stdin, const char *name, struct hs_stream **out,
			     struct hs_parse_error *err)
{
	*out = NULL;
	struct hs_stream *st = calloc(1, sizeof *st);
	if (!st || !(st->name = strdup(name))) {
		free(st);
		snprintf(err->msg, sizeof err->msg, "%s: out of memory", name);
		return -1;
	}
	st->fd = st->src_fd = -1;
	return stream_setup(st, fd, is_stdin, false, out, err);
}

/* Sets a new stream up on fd: a regular file is read in place, anything
 * else copied.  own: fd is the stream's to close. */
static int stream_setup(struct hs_stream *st, int fd, bool is_stdin, bool own,
			struct hs_stream **out, struct hs_parse_error *err)
{
	const char *name = st->name;
	if (!is_stdin && fstat(fd, &st->st) == 0 && S_ISREG(st->st.st_mode) &&
	    lseek(fd, 0, SEEK_SET) == 0) {
		st->regular = true;
		st->fd = fd;
		st->own_fd = own;
	} else {
		/* A pipe or a device: pass 1 copies it to an unlinked file that
		 * the later passes read, so it costs no more memory than a file. */
		const char *dir = getenv("TMPDIR");
		if (!dir || !*dir)
			dir = "/tmp";
		st->src_fd = fd;
		st->own_src = own && !is_stdin;
		st->own_fd = true;
		st->fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
		if (st->fd < 0) {
			char tmpl[4096];
			snprintf(tmpl, sizeof tmpl, "%s/heapsnap-print.XXXXXX", dir);
			st->fd = mkostemp(tmpl, O_CLOEXEC);
			if (st->fd >= 0)
				unlink(tmpl);
		}
		if (st->fd < 0) {
			snprintf(err->msg, sizeof err->msg,
				 "%s: cannot make a temporary copy in %s: %s", name, dir,
				 strerror(errno));
			hs_stream_close(st);
			return -1;
		}
	}
	st->m.peak_num = -1;
	st->m.peak_index = SIZE_MAX;
	*out = st;
	return 0;
}

void hs_stream_close(struct hs_stream *st)
{
	if (!st)
		return;
	if (st->own_src && st->src_fd >= 0)
		close(st->src_fd);
	if (st->fd >= 0 && st->own_fd)
		close(st->fd);
	free(st->p.buf);
	free(st->m.desc);
	free(st->m.snapshots);
	free(st->m.nodes);
	free(st->cmd);
	free(st->unit);
	free(st->name);
	free(st);
}

/* Keeps a copy of a header string, so the window may move on. */
static int own_str(struct hs_stream *st, struct hs_str *s, char **copy)
{
	free(*copy);
	*copy = malloc(s->len + 1);
	if (!*copy)
		return -1;
	memcpy(*copy, s->ptr, s->len);
	(*copy)[s->len] = '\0';
	s->ptr = *copy;
	(void)st;
	return 0;
}

int hs_stream_begin(struct hs_stream *st, struct hs_parse_error *err)
{
	struct parser *p = &st->p;
	struct hs_model *m = &st->m;
	if (st->pass > 0) {
		if (!st->pass1_done) {
			snprintf(err->msg, sizeof err->msg, "%s: read again before it was checked",
				 st->name);
			return -1;
		}
		if (st->src_fd >= 0) {
			/* Pass 1 copied everything: read the copy from now on. */
			if (st->own_src)
				close(st->src_fd);
			st->src_fd = -1;
		}
		struct stat now;
		if (st->regular && (fstat(st->fd, &now) != 0 || now.st_size != st->st.st_size ||
				    now.st_mtim.tv_sec != st->st.st_mtim.tv_sec ||
				    now.st_mtim.tv_nsec != st->st.st_mtim.tv_nsec)) {
			snprintf(err->msg, sizeof err->msg, "%s: the file changed while being read",
				 st->name);
			return -1;
		}
		if (lseek(st->fd, 0, SEEK_SET) != 0) {
			snprintf(err->msg, sizeof err->msg, "%s: cannot read it again: %s",
				 st->name, strerror(errno));
			return -1;
		}
	}
	st->pass++;
	char *buf = p->buf;
	*p = (struct parser){ .name = st->name,
			      .buf = buf,
			      .m = m,
			      .err = err,
			      .st = st,
			      .snap_cap = p->snap_cap,
			      .node_cap = p->node_cap,
			      .no_nl_from = SIZE_MAX };
	st->err = err;
	st->eof = false;
	st->raw = 0;
	st->total = 0;
	free(m->desc);
	m->desc = NULL;
	m->desc_len = 0;
	m->has_desc = false;
	m->cmd = (struct hs_str){ 0 };
	m->time_unit_raw = (struct hs_str){ 0 };
	m->n_snapshots = 0;
	m->n_nodes = 0;
	m->peak_num = -1;
	m->peak_index = SIZE_MAX;
	int more;
	while ((more = stream_more(p)) > 0 && p->len == 0)
		;
	if (more < 0)
		return -1;
	if (p->len == 0) {
		fail(p, 1, "expected \"desc:\" or \"cmd:\", found an empty file");
		return -1;
	}
	struct line l;
	bool have;
	p->in_header = true;
	if (read_header(p, &l, &have) < 0)
		return -1;
	p->in_header = false;
	if (own_str(st, &m->cmd, &st->cmd) < 0 || own_str(st, &m->time_unit_raw, &st->unit) < 0) {
		snprintf(err->msg, sizeof err->msg, "%s: out of memory", st->name);
		return -1;
	}
	return 0;
}

int hs_stream_next(struct hs_stream *st, bool want_tree)
{
	struct parser *p = &st->p;
	struct hs_model *m = &st->m;
	m->n_snapshots = 0;
	m->n_nodes = 0;
	p->skip_trees = !want_tree;
	p->anchor = p->pos;
	uint32_t no = p->line_no;
	struct line l;
	if (!next_line(p, &l)) {
		if (p->stuck)
			return -1;
		if (p->n_seen == 0) {
			fail(p, p->line_no,
			     "expected \"snapshot=<number>\", found end of "
			     "file (no snapshots)");
			return -1;
		}
		if (st->pass == 1) {
			st->pass1_done = true;
			st->n_pass1 = p->n_seen;
			m->buf_len = (size_t)st->total; /* the file's size, as a model's */
		} else if (p->n_seen != st->n_pass1) {
			snprintf(p->err->msg, sizeof p->err->msg,
				 "%s: the file changed while being read", st->name);
			return -1;
		}
		return 0;
	}
	p->pos = p->anchor;
	p->line_no = no;
	return read_snapshot(p) < 0 ? -1 : 1;
}

const struct hs_model *hs_stream_model(const struct hs_stream *st)
{
	return &st->m;
}

size_t hs_stream_index(const struct hs_stream *st)
{
	return st->p.n_seen ? st->p.n_seen - 1 : 0;
}

const char *hs_stream_name(const struct hs_stream *st)
{
	return st->name;
}

/* hs_parse_file on a pipe or device (fd, already open): pass 1 of a stream
 * checks and copies it, then the copy is mapped and parsed.  Returns 0 or -1
 * as hs_parse_file. */
static int parse_spilled(const char *path, int fd, bool is_stdin, const char *name,
			 struct hs_model *m, struct hs_parse_error *err)
{
	struct hs_stream *st;
	(void)path;
	if (hs_stream_open_fd(fd, is_stdin, name, &st, err) < 0)
		return -1;
	int r = hs_stream_begin(st, err);
	while (r == 0 && (r = hs_stream_next(st, true)) > 0)
		r = 0;
	if (r < 0) {
		hs_stream_close(st);
		return -1;
	}
	struct stat sb;
	int rc = -1;
	snprintf(err->msg, sizeof err->msg, "%s: cannot read its copy", name);
	if (fstat(st->fd, &sb) == 0 && sb.st_size > 0) {
		size_t len = (size_t)sb.st_size;
		void *map = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, st->fd, 0);
		if (map != MAP_FAILED)
			rc = parse_owned(map, len, true, name, m, err);
		else
			snprintf(err->msg, sizeof err->msg, "%s: cannot map its copy: %s", name,
				 strerror(errno));
	}
	hs_stream_close(st);
	return rc;
}
