/* Helpers shared by the printer's unit tests: parse a literal Massif text,
 * and read an output buffer as a string. */
#ifndef HS_PRINT_TEST_UTIL_H
#define HS_PRINT_TEST_UTIL_H

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "outbuf.h"
#include "parse.h"

/* Parses text into *m; returns parse_buffer's result, message in *err. */
static inline int parse_text(const char *text, struct hs_model *m, struct hs_parse_error *err)
{
	size_t n = strlen(text);
	char *buf = malloc(n ? n : 1);
	ck_assert_ptr_nonnull(buf);
	memcpy(buf, text, n);
	return hs_parse_buffer(buf, n, "t.out", m, err);
}

/* Returns the buffer's text, NUL-terminated (grows the buffer by one). */
static inline const char *ob_text(struct hs_outbuf *ob)
{
	hs_outbuf_putc(ob, '\0');
	ob->len--;
	return ob->data;
}

#endif /* HS_PRINT_TEST_UTIL_H */
