/* outbuf: a growable output buffer.
 *
 * The printer renders into a buffer and writes it out only once the whole
 * input is parsed and checked, so a bad file leaves nothing on stdout.  A
 * buffer made with hs_outbuf_init is in memory only; one made with
 * hs_outbuf_init_fd also drains itself into its file descriptor whenever it
 * holds a megabyte, which keeps a big report from costing its size in
 * memory (use it only once nothing can fail but the writes).  Appends are
 * inlined; growth doubles the capacity.  If memory runs out or a write
 * fails, the buffer remembers it and ignores further appends: callers check
 * hs_outbuf_failed() once, at the end.
 */
#ifndef HS_PRINT_OUTBUF_H
#define HS_PRINT_OUTBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/* The buffer: data[0..len) is the text so far. */
struct hs_outbuf {
	char *data;
	size_t len;
	size_t cap;
	bool failed;
	int fd;          /* where to drain, or -1 (memory only) */
	int write_errno; /* the failed write's errno, or 0 */
};

/* Makes an empty in-memory buffer. */
void hs_outbuf_init(struct hs_outbuf *ob);

/* Makes an empty buffer that drains into fd as it fills. */
void hs_outbuf_init_fd(struct hs_outbuf *ob, int fd);

/* Writes what is buffered to the buffer's fd (if any) and empties it;
 * returns 0, or -1 (errno set) if the buffer failed. */
int hs_outbuf_flush(struct hs_outbuf *ob);

/* Frees the buffer's memory and makes it empty. */
void hs_outbuf_free(struct hs_outbuf *ob);

/* Makes room for n more bytes; returns false (and marks the buffer failed)
 * when memory runs out. */
bool hs_outbuf_grow(struct hs_outbuf *ob, size_t n);

/* Appends printf-formatted text (the float formats, and the analyses' reports). */
void hs_outbuf_printf(struct hs_outbuf *ob, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Writes all of the buffer to fd; returns 0 or -1 with errno set. */
int hs_outbuf_write_fd(const struct hs_outbuf *ob, int fd);

/* Tells whether an append failed for lack of memory. */
static inline bool hs_outbuf_failed(const struct hs_outbuf *ob)
{
	return ob->failed;
}

/* Appends n bytes from s. */
static inline void hs_outbuf_put(struct hs_outbuf *ob, const char *s, size_t n)
{
	if (ob->cap - ob->len < n && !hs_outbuf_grow(ob, n))
		return;
	if (n)
		memcpy(ob->data + ob->len, s, n);
	ob->len += n;
}

/* Appends a NUL-terminated string. */
static inline void hs_outbuf_puts(struct hs_outbuf *ob, const char *s)
{
	hs_outbuf_put(ob, s, strlen(s));
}

/* Appends one byte. */
static inline void hs_outbuf_putc(struct hs_outbuf *ob, char c)
{
	if (ob->cap == ob->len && !hs_outbuf_grow(ob, 1))
		return;
	ob->data[ob->len++] = c;
}

/* Appends n copies of c. */
static inline void hs_outbuf_fill(struct hs_outbuf *ob, char c, size_t n)
{
	if (ob->cap - ob->len < n && !hs_outbuf_grow(ob, n))
		return;
	memset(ob->data + ob->len, c, n);
	ob->len += n;
}

#endif /* HS_PRINT_OUTBUF_H */
