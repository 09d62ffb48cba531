/* outbuf: a growable output buffer (see outbuf.h). */
#include "outbuf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* A draining buffer writes itself out once it holds this much. */
#define HS_OUTBUF_DRAIN_BYTES ((size_t)1 << 20)

void hs_outbuf_init(struct hs_outbuf *ob)
{
	ob->data = NULL;
	ob->len = 0;
	ob->cap = 0;
	ob->failed = false;
	ob->fd = -1;
	ob->write_errno = 0;
}

void hs_outbuf_init_fd(struct hs_outbuf *ob, int fd)
{
	hs_outbuf_init(ob);
	ob->fd = fd;
}

void hs_outbuf_free(struct hs_outbuf *ob)
{
	free(ob->data);
	hs_outbuf_init(ob);
}

int hs_outbuf_flush(struct hs_outbuf *ob)
{
	if (ob->failed) {
		errno = ob->write_errno ? ob->write_errno : ENOMEM;
		return -1;
	}
	if (ob->fd < 0)
		return 0;
	if (hs_outbuf_write_fd(ob, ob->fd) < 0) {
		ob->failed = true;
		ob->write_errno = errno;
		return -1;
	}
	ob->len = 0;
	return 0;
}

bool hs_outbuf_grow(struct hs_outbuf *ob, size_t n)
{
	if (ob->failed)
		return false;
	if (ob->cap - ob->len >= n)
		return true;
	if (ob->fd >= 0 && ob->len >= HS_OUTBUF_DRAIN_BYTES) {
		if (hs_outbuf_flush(ob) < 0)
			return false;
		if (ob->cap - ob->len >= n)
			return true;
	}
	size_t want = ob->len + n;
	if (want < ob->len) {
		ob->failed = true;
		return false;
	}
	size_t cap = ob->cap ? ob->cap : 4096;
	while (cap < want) {
		if (cap > SIZE_MAX / 2) {
			cap = want;
			break;
		}
		cap *= 2;
	}
	char *p = realloc(ob->data, cap);
	if (!p) {
		ob->failed = true;
		return false;
	}
	ob->data = p;
	ob->cap = cap;
	return true;
}

void hs_outbuf_printf(struct hs_outbuf *ob, const char *fmt, ...)
{
	char small[128];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0) {
		ob->failed = true;
		return;
	}
	if ((size_t)n < sizeof small) {
		hs_outbuf_put(ob, small, (size_t)n);
		return;
	}
	/* Rare: a long result (a huge %5.1f value); format straight in place. */
	if (!hs_outbuf_grow(ob, (size_t)n + 1))
		return;
	va_start(ap, fmt);
	vsnprintf(ob->data + ob->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	ob->len += (size_t)n;
}

int hs_outbuf_write_fd(const struct hs_outbuf *ob, int fd)
{
	size_t off = 0;
	while (off < ob->len) {
		ssize_t w = write(fd, ob->data + off, ob->len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		off += (size_t)w;
	}
	return 0;
}
