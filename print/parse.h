/* parse: Massif file bytes -> model (model.h).
 *
 * The parser reads the whole file into one buffer and parses it in place,
 * following ms_print's reading rules (comments from `#` to the end of the
 * line and blank lines are ignored anywhere; key lines start in column 0).
 * Where ms_print would go on with garbage (non-numeric values, times going
 * backwards, binary data, trees over 10000 levels deep), the parser stops
 * with an error instead.  Errors
 * are one line, "FILE:LINE: expected X, found Y", without a trailing newline.
 */
#ifndef HS_PRINT_PARSE_H
#define HS_PRINT_PARSE_H

#include <stddef.h>
#include "model.h"

/* Room for one error line. */
#define HS_PARSE_ERROR_MAX 512

/* A parse failure: the one-line message. */
struct hs_parse_error {
	char msg[HS_PARSE_ERROR_MAX];
};

/* Parses buf[0..len) (malloc'd; the model takes it over, even on failure);
 * name is used in messages.  Returns 0, or -1 with *err filled and *m empty. */
int hs_parse_buffer(char *buf, size_t len, const char *name, struct hs_model *m,
		    struct hs_parse_error *err);

/* Reads and parses the file at path ("-" is standard input).  Returns 0, or
 * -1 with *err filled ("FILE: cannot open: reason" when it cannot be read). */
int hs_parse_file(const char *path, struct hs_model *m, struct hs_parse_error *err);

#endif /* HS_PRINT_PARSE_H */
