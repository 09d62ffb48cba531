/* textout: buffered text written to a file descriptor, for the writers of
 * the Massif file (massif_out.c) and its companion series (series_out.c).
 *
 * Owns nothing but its buffer: the caller opens and closes the descriptor.
 * The first failed write is kept in err and later writes are dropped, so a
 * writer checks once at the end (after hs_textout_flush). */
#ifndef HS_TEXTOUT_H
#define HS_TEXTOUT_H

#include <stddef.h>
#include <stdint.h>

#define HS_TEXTOUT_BUF_BYTES 65536

struct hs_textout {
	int fd;
	int err; /* errno of the first failed write, or 0 */
	size_t len;
	char buf[HS_TEXTOUT_BUF_BYTES];
};

void hs_textout_flush(struct hs_textout *o);
void hs_textout_mem(struct hs_textout *o, const char *s, size_t n);
void hs_textout_str(struct hs_textout *o, const char *s);
/* Text from outside (names, paths, the command line): a line break would
 * end the line early and break the file, so it becomes a space. */
void hs_textout_text(struct hs_textout *o, const char *s);
void hs_textout_u64(struct hs_textout *o, uint64_t v);
void hs_textout_i64(struct hs_textout *o, int64_t v);

#endif
