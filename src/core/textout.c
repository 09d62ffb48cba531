/* textout: buffered text to a file descriptor (textout.h). */
#include "config.h"

#include "textout.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

void hs_textout_flush(struct hs_textout *o)
{
	size_t done = 0;
	while (done < o->len && o->err == 0) {
		ssize_t n = write(o->fd, o->buf + done, o->len - done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			o->err = errno;
		} else if (n == 0) {
			o->err = EIO;
		} else {
			done += (size_t)n;
		}
	}
	o->len = 0;
}

void hs_textout_mem(struct hs_textout *o, const char *s, size_t n)
{
	while (n > 0) {
		if (o->len == sizeof o->buf)
			hs_textout_flush(o);
		size_t room = sizeof o->buf - o->len;
		size_t k = n < room ? n : room;
		memcpy(o->buf + o->len, s, k);
		o->len += k;
		s += k;
		n -= k;
	}
}

void hs_textout_str(struct hs_textout *o, const char *s)
{
	hs_textout_mem(o, s, strlen(s));
}

void hs_textout_text(struct hs_textout *o, const char *s)
{
	for (;;) {
		size_t n = strcspn(s, "\n\r");
		hs_textout_mem(o, s, n);
		if (s[n] == '\0')
			return;
		hs_textout_mem(o, " ", 1);
		s += n + 1;
	}
}

void hs_textout_u64(struct hs_textout *o, uint64_t v)
{
	char tmp[24];
	size_t i = sizeof tmp;
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	hs_textout_mem(o, tmp + i, sizeof tmp - i);
}

void hs_textout_i64(struct hs_textout *o, int64_t v)
{
	if (v < 0) {
		hs_textout_mem(o, "-", 1);
		hs_textout_u64(o, (uint64_t)0 - (uint64_t)v);
	} else {
		hs_textout_u64(o, (uint64_t)v);
	}
}
